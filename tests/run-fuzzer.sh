#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs one libFuzzer target for a fixed time over a scratch copy of its corpus,
# so the tree's corpus is never rewritten by a test run. Any finding fails.
set -euo pipefail
fuzzer=$1 corpus=$2 seconds=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/corpus" "$work/artifacts"
if [[ -d "$corpus" ]]; then
    cp -r "$corpus"/. "$work/corpus/"
fi
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
    -artifact_prefix="$work/artifacts/" -print_final_stats=1 "$work/corpus" 2>"$work/log" || {
    tail -n 60 "$work/log"
    for f in "$work"/artifacts/*; do
        [[ -e "$f" ]] && { echo "finding: $f"; xxd "$f" | head -40; }
    done
    exit 1
}
grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb|Done)" "$work/log" || tail -n 3 "$work/log"
