#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# faultline-coordinator's trigger endpoint under load (called by
# scripts/bench.sh after the build), with the load generator on the same
# 2-core machine (build/bench/bench-coordinator, keep-alive mTLS, every
# trigger freshly signed with its own nonce and idempotency key):
#   coordinator_rejected_{per_s,p50_ms,p99_ms}   refused by a constraint
#                                                (8 connections, FL_BENCH_CONNECTIONS)
#   coordinator_rejected_32conn_{...}            the same with 32 connections
#   coordinator_started_{per_s,p50_ms,p99_ms}    workflows started in the
#                                                Temporal dev server (8 connections)
# The dev server's visibility limit (~100 calls/s) is lifted, as in
# temporal.sh: the started path counts once per decision.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
export PYTHONPATH="$PWD/tests/harness${PYTHONPATH:+:$PYTHONPATH}"
exec python3 -m flharness temporal run --dynamic-config frontend.namespaceRPS.visibility=100000 \
    -- python3 bench/coordinator-bench.py build "${FL_BENCH_SECONDS:-10}"
