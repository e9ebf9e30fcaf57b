#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# setup + build, then every benchmark in scripts/bench.d/*.sh in name order.
# Each prints one line per figure: `BENCH <name> <value> <unit>`; anything
# else they print goes to stderr. Exits non-zero if any benchmark failed.
# Arguments are benchmark names to run (default: all), e.g. `bench.sh temporal`.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/setup.sh
cmake -S . -B build -DFL_BUILD_TESTS=ON >/dev/null
cmake --build build -j2 >&2

status=0
for b in scripts/bench.d/*.sh; do
    name=$(basename "$b" .sh)
    if (($#)) && [[ " $* " != *" $name "* ]]; then
        continue
    fi
    echo "bench.sh: $name" >&2
    if ! "$b"; then
        echo "bench.sh: $name failed" >&2
        status=1
    fi
done
exit $status
