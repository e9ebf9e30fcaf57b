#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Sustained delivery, agent -> coordinator -> Temporal (scripts/bench.d/delivery.sh):
a journal file of N kernel-form lines, each firing once with a key of its
own, moved into the directory the agent follows; the coordinator starts one
workflow per trigger in the Temporal dev server (no constraint).

    delivery-bench.py BUILD_DIR [N]        (inside journal-ns.sh and flharness run)

Prints
  delivery_triggers_per_s      N over the time from the first firing's journal
                               entry to the last coordinator answer's entry
  delivery_firing_to_started_p50_ms, _p99_ms
                               per trigger: firing entry -> "started" answer entry
  delivery_cpu_{agent,coordinator,temporal}_pct
                               CPU used during that time, % of one core
and notes on stderr (requests, connections, what was busiest).
"""
import json
import os
import subprocess
import sys
import tempfile
import time

SOURCE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(SOURCE, "tests", "delivery"))
sys.path.insert(0, os.path.join(SOURCE, "tests", "coordinator"))
sys.path.insert(0, os.path.join(SOURCE, "tests", "harness"))
from delivery_env import Binaries, World  # noqa: E402
from flharness import TemporalServer  # noqa: E402

build = os.path.abspath(sys.argv[1])
n = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
in_flight = int(os.environ.get("FL_BENCH_IN_FLIGHT", "8"))


def message_id(name):
    with open(os.path.join(SOURCE, "agent", "messages.h")) as f:
        for line in f:
            if line.startswith(f"#define FL_MESSAGE_{name} "):
                return line.split('"')[1]
    raise KeyError(name)


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def entries(mid, **fields):
    subprocess.run(["journalctl", "--sync"], check=False)
    args = ["journalctl", "-o", "json", "--no-pager", f"MESSAGE_ID={mid}"]
    args += [f"{k}={v}" for k, v in fields.items()]
    p = subprocess.run(args, capture_output=True, text=True, check=True)
    return [json.loads(line) for line in p.stdout.splitlines()]


def note(msg):
    print(f"bench delivery: {msg}", file=sys.stderr)


binaries = Binaries(os.path.join(build, "faultline-agent"),
                    os.path.join(build, "faultline-coordinator"),
                    os.path.join(build, "faultlinectl"),
                    os.path.join(build, "tests", "httpsig-tool"),
                    os.path.join(SOURCE, "tests", "tools", "mkcerts.sh"),
                    os.path.join(SOURCE, "tests", "harness", "kernel-journal.sh"))
temporal = TemporalServer(os.environ["FL_TEMPORAL_DIR"])
hz = os.sysconf("SC_CLK_TCK")

with tempfile.TemporaryDirectory(prefix="flbench-delivery.") as tmp:
    w = World(tmp, binaries, temporal, "bench", max_in_flight=in_flight,
              agent_extra='log_level = "notice"\n')
    w.start_coordinator()
    agent = w.start_agent()
    try:
        pids = {"agent": agent.proc.pid, "coordinator": w.coord.proc.pid,
                "temporal": temporal.pid}
        # The journal file is made first, then moved in: the agent sees all of it.
        staging = os.path.join(tmp, "staging.journal")
        subprocess.run([binaries.kernel_journal, staging], check=True, capture_output=True,
                       text=True, input="".join(f"faultline-test bench {i}\n" for i in range(n)))
        cpu0 = {k: cpu_ticks(p) for k, p in pids.items()}
        t0 = time.monotonic()
        os.rename(staging, os.path.join(w.journal_dir, "bench.journal"))
        deadline = time.monotonic() + 600
        while w.metric('faultline_agent_delivery_decisions_total{decision="started"}') < n:
            if time.monotonic() > deadline:
                raise SystemExit("bench delivery: not every trigger was started")
            time.sleep(0.2)
        wall = time.monotonic() - t0
        cpu1 = {k: cpu_ticks(p) for k, p in pids.items()}

        firings = {e["FAULTLINE_IDEMPOTENCY_KEY"]: int(e["__REALTIME_TIMESTAMP"])
                   for e in entries(message_id("FIRING"), FAULTLINE_RULE=w.rule)}
        started = {e["FAULTLINE_IDEMPOTENCY_KEY"]: int(e["__REALTIME_TIMESTAMP"])
                   for e in entries(message_id("COORDINATOR_ANSWER"), FAULTLINE_RULE=w.rule,
                                    FAULTLINE_DECISION="started")}
        assert len(firings) == n and len(started) == n, (len(firings), len(started))
        first, last = min(firings.values()), max(started.values())
        span = (last - first) / 1e6
        lat = sorted((started[k] - firings[k]) / 1000 for k in started)
        print(f"BENCH delivery_triggers_per_s {n / span:.0f} /s")
        print(f"BENCH delivery_firing_to_started_p50_ms {lat[len(lat) // 2]:.1f} ms")
        print(f"BENCH delivery_firing_to_started_p99_ms {lat[len(lat) * 99 // 100]:.1f} ms")
        for k in pids:
            pct = 100 * (cpu1[k] - cpu0[k]) / hz / wall
            print(f"BENCH delivery_cpu_{k}_pct {pct:.0f} %")
        note(f"{n} triggers in {span:.2f} s (first firing to last answer), "
             f"{in_flight} in flight, "
             f"{w.metric('faultline_agent_delivery_attempts_total'):.0f} requests, "
             f"{w.metric('faultline_agent_delivery_connections_total'):.0f} connections, "
             f"Temporal lists {len(w.started())} workflows")
        assert agent.stop() == 0
    finally:
        if agent.running():
            agent.kill()
        w.close()
