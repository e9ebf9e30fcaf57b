#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Runs the benchmarks and prints one line per figure on stdout:
#
#     BENCH <name> <value> <unit>
#
# Progress and notes go to stderr. Usage:
#
#     scripts/bench.sh              # every benchmark
#     scripts/bench.sh hcl ...      # only those named
#     scripts/bench.sh --list       # the names
#
# To add a benchmark: write a bench_NAME function below that prints BENCH
# lines (scratch space: $scratch/NAME), and add NAME to the `benchmarks` list.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

benchmarks=(hcl rules)

note() { echo "bench: $*" >&2; }

# Median of the wall-clock seconds of running "$@" RUNS times, output discarded.
median_seconds() {
    local runs=$1
    shift
    local times=() start end
    for ((i = 0; i < runs; i++)); do
        start=$(date +%s%N)
        "$@" >/dev/null
        end=$(date +%s%N)
        times+=("$((end - start))")
    done
    printf '%s\n' "${times[@]}" | sort -n | awk -v n="$runs" 'NR == int(n / 2) + 1 { printf "%.6f\n", $1 / 1e9 }'
}

# HCL: our parser on a generated 10 MB rule file, against the reference
# hcl2json (the whole tool, as the contract names it) and, for a like-for-like
# figure, the Go parser inside it (hashicorp/hcl/v2 hclsyntax) timed alone.
bench_hcl() {
    local work=$scratch/hcl file size ours ref_sec ref go_line
    mkdir -p "$work"
    file=$work/rules.hcl
    python3 bench/gen-rules.py "$file" 10000000
    size=$(stat -c %s "$file")
    note "hcl: $(grep -c '^rule ' "$file") rules, $size bytes"

    cmake --build build --target bench-hcl -j2 >/dev/null
    build/bench/bench-hcl "$file" 9 | tee "$work/ours"
    ours=$(awk '$2 == "hcl_parse_mb_per_s" { print $3 }' "$work/ours")

    local hcl2json=${FL_HCL2JSON:-/opt/faultline-dev/bin/hcl2json}
    if [[ -x $hcl2json ]]; then
        ref_sec=$(median_seconds 3 "$hcl2json" "$file")
        ref=$(awk -v s="$size" -v t="$ref_sec" 'BEGIN { printf "%.1f", s / 1e6 / t }')
        echo "BENCH hcl2json_parse_mb_per_s $ref MB/s"
        awk -v a="$ours" -v b="$ref" 'BEGIN { printf "BENCH hcl_speedup_vs_reference %.1f x\n", a / b }'
    else
        note "hcl: $hcl2json not found (scripts/setup.sh installs it): no reference figures"
    fi

    if command -v go >/dev/null &&
        (cd bench/hclparse-go && GOFLAGS=-mod=mod GOPROXY=off go build -o "$work/hclparse" .) 2>"$work/go.log"; then
        go_line=$("$work/hclparse" "$file" 3)
        echo "$go_line"
        awk -v a="$ours" -v b="$(awk '{ print $3 }' <<<"$go_line")" \
            'BEGIN { printf "BENCH hcl_speedup_vs_go_parser %.1f x\n", a / b }'
    else
        note "hcl: cannot build the Go parser benchmark: $(tail -n 1 "$work/go.log")"
    fi
}

# Rules: the engine against the default rule pack (rules/rules.d): journal
# lines per second (a realistic kernel log, 1 line in 10 a fault), BPF
# record-to-decision latency (the agent's formatter, then the engine), and
# the time to load and compile the pack.
bench_rules() {
    cmake --build build --target bench-rules -j2 >/dev/null
    build/bench/bench-rules --rules-dir rules/rules.d --lines 1000000 --events 200000
}

if [[ ${1:-} == --list ]]; then
    printf '%s\n' "${benchmarks[@]}"
    exit 0
fi
selected=("$@")
if ((${#selected[@]} == 0)); then
    selected=("${benchmarks[@]}")
fi
for name in "${selected[@]}"; do
    if ! declare -F "bench_$name" >/dev/null; then
        echo "bench: unknown benchmark \"$name\" (known: ${benchmarks[*]})" >&2
        exit 1
    fi
done

scripts/setup.sh
cmake -S . -B build >/dev/null
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
for name in "${selected[@]}"; do
    note "running $name"
    "bench_$name"
done
