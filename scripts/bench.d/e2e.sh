#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# End to end latency with real disk faults through the whole loop: kernel
# (block_rq_error) -> faultline-agent -> signed trigger over mTLS ->
# faultline-coordinator (signature, ACL, constraints, fresh visibility
# counts) -> Temporal start -> faultline-worker on node-a's queue -> close.
#
#   BENCH fault_to_started_p50_ms, fault_to_started_p99_ms,
#   fault_to_completed_p99_ms (nearest rank), and e2e_* per stage
#
# 100 faults (FL_BENCH_E2E_FAULTS), 250 ms apart (FL_BENCH_E2E_GAP_MS), with a
# bench-only rule (every failed read fires) and workflow config (limits no
# bench reaches): tests/harness/flharness/bench.py. Needs root, BPF, FUSE,
# loop devices and the temporal CLI; runs next to a private journald.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
export PYTHONPATH="$PWD/tests/harness${PYTHONPATH:+:$PYTHONPATH}"
exec tests/harness/journal-ns.sh python3 -m flharness bench-e2e --build "$PWD/build" \
    --faults "${FL_BENCH_E2E_FAULTS:-100}" --gap-ms "${FL_BENCH_E2E_GAP_MS:-250}"
