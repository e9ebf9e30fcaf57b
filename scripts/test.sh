#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# setup + build + every test: unit (also under ASan+UBSan), BPF, integration,
# end-to-end and fuzz smoke runs. Exits non-zero on any failure and ends with
# ctest's summary line. Extra arguments go to ctest (e.g. -L unit).
#
# With CI=true a test that needs root, BPF, FUSE, journald or Temporal fails
# instead of skipping.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/setup.sh
cmake -S . -B build -DFL_BUILD_TESTS=ON >/dev/null
cmake --build build -j"$(nproc)"
cd build
exec ctest -j2 --output-on-failure --timeout 1200 "$@"
