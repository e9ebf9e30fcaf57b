#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# The Temporal dev server and the coordinator's Temporal client (called by
# scripts/bench.sh after the build):
#   temporal_devserver_{start,restart,stop}_s   harness start (fresh database),
#                                                restart on that database, stop
#   temporal_visibility_default_limit_per_s      count calls/s the dev server
#                                                answers before 429 (default limit)
#   temporal_{start,count}_{mean,p50,p99}_ms     200 sequential calls
#   temporal_visibility_lag_{p50,p99,max}_ms     completed start -> counted
#   temporal_start_concurrent_per_s              200 starts submitted at once
#   temporal_burst_visible_ms                    ... -> all 200 counted
#   temporal_client_retries                      retries the client needed (429/503)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
export PYTHONPATH="$PWD/tests/harness${PYTHONPATH:+:$PYTHONPATH}"

python3 - <<'PY'
import tempfile, time
from flharness import TemporalServer, TemporalError
with tempfile.TemporaryDirectory(prefix="flbench-temporal.") as d:
    t = TemporalServer(d)
    t.start()
    print(f"BENCH temporal_devserver_start_s {t.startup_seconds:.2f} s")
    # The dev server's own limit on visibility calls (count, list) per
    # namespace: calls answered 200 per second, in steady state, by a client
    # that never waits (the others get 429).
    ok, began = 0, time.monotonic()
    while time.monotonic() - began < 4.0:
        try:
            t.count("")
            if time.monotonic() - began >= 1.0:
                ok += 1
        except TemporalError as e:
            if e.status != 429:
                raise
    print(f"BENCH temporal_visibility_default_limit_per_s {ok / 3.0:.0f} /s")
    began = time.monotonic()
    t.stop()
    print(f"BENCH temporal_devserver_stop_s {time.monotonic() - began:.2f} s")
    t.start()
    print(f"BENCH temporal_devserver_restart_s {t.startup_seconds:.2f} s")
    t.stop()
PY

# Latencies without the visibility limit (else counts measure 429 backoffs).
python3 -m flharness temporal run --dynamic-config frontend.namespaceRPS.visibility=100000 \
    -- build/bench/bench-temporal "${FL_BENCH_TEMPORAL_N:-200}"
