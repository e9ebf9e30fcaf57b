#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# The HCL parser on a generated 10 MB rule file (bench/gen-rules.py: rule
# blocks with nested blocks, strings, numbers, lists, objects, heredocs and
# comments), called by scripts/bench.sh after the build:
#   hcl_parse_mb_per_s          our parser (bench-hcl: median of 9 parses from memory)
#   hcl_to_json_mb_per_s        ours, parse + hcl2json-compatible output
#   hcl2json_parse_mb_per_s     the reference tool hcl2json, whole run (median of 3)
#   hcl_speedup_vs_reference    hcl_parse_mb_per_s / hcl2json_parse_mb_per_s
#   hcl_go_parse_mb_per_s       the Go parser inside hcl2json (hashicorp/hcl/v2
#                               hclsyntax) alone, timed like ours (bench/hclparse-go)
#   hcl_speedup_vs_go_parser    hcl_parse_mb_per_s / hcl_go_parse_mb_per_s
# MB is 10^6 bytes.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
file=$work/rules.hcl
python3 bench/gen-rules.py "$file" 10000000
size=$(stat -c %s "$file")
echo "hcl: $(grep -c '^rule ' "$file") rules, $size bytes" >&2

# Median wall-clock seconds of RUNS runs of a command, its output discarded.
median_seconds() {
    local runs=$1 start end
    shift
    for ((i = 0; i < runs; i++)); do
        start=$(date +%s%N)
        "$@" >/dev/null
        end=$(date +%s%N)
        echo $((end - start))
    done | sort -n | awk -v n="$runs" 'NR == int(n / 2) + 1 { printf "%.6f\n", $1 / 1e9 }'
}

build/bench/bench-hcl "$file" 9 | tee "$work/ours"
ours=$(awk '$2 == "hcl_parse_mb_per_s" { print $3 }' "$work/ours")

hcl2json=${FL_HCL2JSON:-/opt/faultline-dev/bin/hcl2json}
if [[ -x $hcl2json ]]; then
    ref_sec=$(median_seconds 3 "$hcl2json" "$file")
    ref=$(awk -v s="$size" -v t="$ref_sec" 'BEGIN { printf "%.1f", s / 1e6 / t }')
    echo "BENCH hcl2json_parse_mb_per_s $ref MB/s"
    awk -v a="$ours" -v b="$ref" 'BEGIN { printf "BENCH hcl_speedup_vs_reference %.1f x\n", a / b }'
else
    echo "hcl: $hcl2json not found (scripts/setup.sh installs it)" >&2
    exit 1
fi

# The module cache already holds the parser's modules: setup.sh installed
# hcl2json, which depends on the same versions (bench/hclparse-go/go.mod).
if (cd bench/hclparse-go && GOFLAGS=-mod=mod GOPROXY=off go build -o "$work/hclparse" .) \
    2>"$work/go.log"; then
    go_line=$("$work/hclparse" "$file" 3)
    echo "$go_line"
    awk -v a="$ours" -v b="$(awk '{ print $3 }' <<<"$go_line")" \
        'BEGIN { printf "BENCH hcl_speedup_vs_go_parser %.1f x\n", a / b }'
else
    echo "hcl: cannot build the Go parser benchmark: $(tail -n 1 "$work/go.log")" >&2
    exit 1
fi
