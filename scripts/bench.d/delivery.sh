#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# Signed delivery (called by scripts/bench.sh after the build), as root:
#   outbox_append_p50_us, _p99_us, _max_us, outbox_appends_per_s
#       fl_outbox_append() written and fdatasync'ed on its own, on this disk
#       (build/bench/bench-outbox in a directory of /var/tmp), 2000 appends
#   outbox_group64_commit_p50_us, _p99_us, outbox_group64_appends_per_s
#       the agent's group commit: 64 appends and one fdatasync
#   delivery_sender_cold_post_p50_ms, _p99_ms, delivery_sender_warm_post_*,
#   delivery_http_cold_post_*
#       the first trigger after an idle period (a new faultline-agent-sender:
#       exec, hello, libcurl, TLS handshake) against a local mTLS server, the
#       next ones, and the in-process libcurl reload it replaces
#       (build/bench/bench-sender, FL_BENCH_SENDER_COLD runs, 20)
#   delivery_triggers_per_s, delivery_firing_to_started_p50_ms, _p99_ms,
#   delivery_cpu_{agent,coordinator,temporal}_pct
#       FL_BENCH_TRIGGERS (2000) kernel-form journal lines, each firing once,
#       through faultline-agent -> faultline-coordinator -> the Temporal dev
#       server (bench/delivery-bench.py), inside a private journald; the dev
#       server's visibility limit (~100 calls/s) is lifted as in temporal.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
note() { echo "bench delivery: $*" >&2; }

cmake --build build --target bench-outbox faultline-agent faultline-coordinator faultlinectl \
    httpsig-tool -j2 >&2
dir=$(mktemp -d /var/tmp/fl-bench-outbox.XXXXXX)
trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/single" "$dir/group"
note "outbox on $(df --output=source,fstype "$dir" | tail -1)"
build/bench/bench-outbox "$dir/single" "${FL_BENCH_APPENDS:-2000}" 1
build/bench/bench-outbox "$dir/group" "$((${FL_BENCH_APPENDS:-2000} * 2))" 64

cmake --build build --target bench-sender faultline-agent-sender -j2 >&2
tests/tools/mkcerts.sh "$dir/pki" >/dev/null
build/bench/bench-sender "$dir/pki" build/faultline-agent-sender "${FL_BENCH_SENDER_COLD:-20}"

if [[ $(id -u) -ne 0 ]]; then
    note "delivery_triggers_per_s needs root (a private journald): skipped"
    exit 0
fi
export PYTHONPATH="$PWD/tests/harness${PYTHONPATH:+:$PYTHONPATH}"
exec tests/harness/journal-ns.sh python3 -m flharness temporal run \
    --dynamic-config frontend.namespaceRPS.visibility=100000 \
    -- python3 bench/delivery-bench.py build "${FL_BENCH_TRIGGERS:-2000}"
