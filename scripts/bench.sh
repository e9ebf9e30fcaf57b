#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Runs the benchmarks and prints one line per figure:
#   BENCH <name> <value> <unit>
# (CONTRACT.md). Builds first; extra arguments are ignored for now.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

scripts/setup.sh
cmake -S . -B build -DFL_BUILD_TESTS=ON >/dev/null
cmake --build build -j2 >/dev/null

# RFC 9421 + Content-Digest on a typical trigger, one core: what the agent
# spends per signed trigger and the coordinator per verified one.
build/tests/httpsig-tool bench --seconds "${FL_BENCH_SECONDS:-3}"
