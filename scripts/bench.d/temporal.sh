#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# The Temporal dev server and the coordinator's Temporal client (called by
# scripts/bench.sh after the build):
#   temporal_devserver_{start,restart,stop}_s   harness start (fresh database),
#                                                restart on that database, stop
#   temporal_{start,count}_{mean,p50,p99}_ms     200 sequential calls
#   temporal_visibility_lag_{p50,p99,max}_ms     completed start -> counted
#   temporal_start_concurrent_per_s              200 starts submitted at once
#   temporal_burst_visible_ms                    ... -> all 200 counted
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/../.."
export PYTHONPATH="$PWD/tests/harness${PYTHONPATH:+:$PYTHONPATH}"

python3 - <<'PY'
import tempfile, time
from flharness import TemporalServer
with tempfile.TemporaryDirectory(prefix="flbench-temporal.") as d:
    t = TemporalServer(d)
    t.start()
    print(f"BENCH temporal_devserver_start_s {t.startup_seconds:.2f} s")
    began = time.monotonic()
    t.stop()
    print(f"BENCH temporal_devserver_stop_s {time.monotonic() - began:.2f} s")
    t.start()
    print(f"BENCH temporal_devserver_restart_s {t.startup_seconds:.2f} s")
    t.stop()
PY

python3 -m flharness temporal run -- build/bench/bench-temporal "${FL_BENCH_TEMPORAL_N:-200}"
