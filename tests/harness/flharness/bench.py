# SPDX-License-Identifier: Apache-2.0
"""scripts/bench.d/e2e.sh's body: real disk faults through the whole loop,
kernel -> agent -> signed trigger -> coordinator -> Temporal -> worker.

    python3 -m flharness bench-e2e --build build [--faults 100] [--gap-ms 250]

Must run inside a private journald (tests/harness/journal-ns.sh). Same stack
as the demo and the end-to-end tests (Temporal dev server, coordinator,
workers node-a and node-b, agent as node-a), with a bench-only configuration
so that every fault is its own remediation:

- rules.d holds only BENCH_RULE, once per phase, each on a loop device of its
  own: every failed read fires at once (count 1, key "{disk}:{sector}", no
  cooldown);
- phase 1, workflow config bench-free (BENCH_WORKFLOW): RunRunbook
  disk-io-error.sh on the node's queue without constraints: the coordinator
  verifies, authorises and starts, with no visibility listing. Its figures
  are the contract's: fault_to_started_p50_ms, fault_to_started_p99_ms,
  fault_to_completed_p99_ms (and e2e_* per stage);
- phase 2, bench-limited: the same plus BENCH_LIMITS (concurrency 100 per 15m,
  500 starts per hour per node: limits no bench reaches), so the coordinator
  checks each window (visibility counts, far below the limits) before every
  start as with any production config; figures e2e_limited_*.

Faults are injected one at a time, `--gap-ms` apart (one EIO read of a new
sector each). Every instant is read from the component that lived it, all on
CLOCK_REALTIME of this machine:

  fault      the kernel's timestamp of the failing I/O (bpf_ktime_get_ns in the
             block_rq_error tracepoint, CLOCK_MONOTONIC); the agent converts it
             (FAULTLINE_OBSERVED_AT) and so does this bench, from the monotonic
             value in FAULTLINE_EVENT_IDENTITY and an offset measured here
             (both must agree, and lie between the read's start and its end)
  detected   FAULTLINE_OBSERVED_AT + FAULTLINE_LATENCY_USEC of the firing entry
  received   the coordinator's access entry for the trigger, minus its
             FAULTLINE_DURATION_USEC (sequential faults: the first POST
             /v1/triggers entry after the decision entry)
  started    Temporal's StartTime, completed: its CloseTime
  answered   the coordinator's decision entry (after Temporal's answer)

Percentiles are nearest-rank. Prints `BENCH <name> <value> <unit>` lines on
stdout, everything else on stderr.
"""

import math
import os
import statistics
import sys
import shutil
import tempfile
import time

from .journal import seqnum
from .stack import Node, Stack
from .timeline import kernel_usec, realtime_offset_usec, rfc3339_usec

ACCESS = "12cfd651f16e4421a70ca8bfca6c9037"

BENCH_RULE = """\
# Bench only (scripts/bench.d/e2e.sh): every failed read of {disk} is a fault
# of its own, so each one fires and asks for its own remediation ({workflow}).
rule "{workflow}" {{
  description = "bench: one trigger per failed I/O on {disk}"
  source      = "bpf"
  match {{
    kind = "block_rq_error"
    field "disk" {{ equals = "{disk}" }}
  }}
  threshold {{ key = "{{disk}}:{{sector}}" }}
  workflow = "{workflow}"
  params = {{
    disk   = "{{disk}}"
    sector = "{{sector}}"
    reason = "bench fault at sector {{sector}}"
  }}
}}
"""

BENCH_WORKFLOW = """\
# Bench only (scripts/bench.d/e2e.sh): every fault starts its own run.
workflow_type     = "RunRunbook"
task_queue_target = "node"
execution_timeout = "5m"
input_fields      = ["node", "node_type", "datacenter", "workflow", "rule", "idempotency_key", "params", "event", "observed_at"]
params = {
  runbook = "disk-io-error.sh"
}
"""

# The same with limits no bench reaches: the coordinator then counts the
# executions in each constraint's window (fresh visibility counts) before
# every start, as with any production config.
BENCH_LIMITS = """\
constraint {
  kind   = "concurrency"
  value  = 100
  period = "15m"
  scope  = "node"
}
constraint {
  kind   = "maxExecution"
  value  = 500
  period = "1h"
  scope  = "node"
}
"""

# (workflow config and rule name, its text, prefix of its BENCH figures)
PHASES = [
    ("bench-free", BENCH_WORKFLOW, ""),
    ("bench-limited", BENCH_WORKFLOW + BENCH_LIMITS, "e2e_limited_"),
]


def percentile(values, p):
    """Nearest-rank percentile of a non-empty list."""
    v = sorted(values)
    return v[max(0, math.ceil(p / 100.0 * len(v)) - 1)]


def _err(msg):
    print(msg, file=sys.stderr, flush=True)


def measure(stack, disk, workflow, sectors, gap_ms):
    """One fault per sector; returns a dict of instants per fault."""
    offset = realtime_offset_usec()
    faults = len(sectors)
    reads = []
    for sector in sectors:
        t0, t1 = disk.fail([sector])
        reads.append((sector, t0, t1))
        time.sleep(gap_ms / 1000.0)
    firings = stack.wait_firings(faults, timeout=60, FAULTLINE_RULE=workflow)
    by_sector = {int(f["FAULTLINE_EVENT_SECTOR"]): f for f in firings}
    decisions = stack.wait_decisions("started", count=faults, timeout=60,
                                     FAULTLINE_WORKFLOW=workflow)
    by_key = {d["FAULTLINE_IDEMPOTENCY_KEY"]: d for d in decisions}
    access = stack.journal.entries(after=stack.start_cursor,
                                   SYSLOG_IDENTIFIER="faultline-coordinator", MESSAGE_ID=ACCESS,
                                   FAULTLINE_HTTP_PATH="/v1/triggers")
    samples = []
    for sector, t0, t1 in reads:
        f = by_sector.get(sector)
        if f is None:
            raise RuntimeError(f"no firing for the fault at sector {sector}")
        fault = rfc3339_usec(f["FAULTLINE_OBSERVED_AT"])
        own = kernel_usec(f["FAULTLINE_EVENT_IDENTITY"], offset)
        if not (t0 <= fault <= t1) or abs(own - fault) > 1000:
            raise RuntimeError(f"sector {sector}: fault time {fault} (ours {own}) outside the "
                               f"read [{t0}, {t1}]")
        d = by_key.get(f["FAULTLINE_IDEMPOTENCY_KEY"])
        if d is None:
            raise RuntimeError(f"no started decision for the fault at sector {sector}")
        info = stack.wait_closed(d["FAULTLINE_WORKFLOW_ID"])["workflowExecutionInfo"]
        seq = seqnum(d["__CURSOR"])[1]
        acc = next((a for a in access if seqnum(a["__CURSOR"])[1] > seq), None)
        s = {
            "fault": fault,
            "detected": fault + int(f.get("FAULTLINE_LATENCY_USEC", 0)),
            "received": (int(acc["__REALTIME_TIMESTAMP"]) - int(acc["FAULTLINE_DURATION_USEC"])
                         if acc else None),
            "started": rfc3339_usec(info["startTime"]),
            "answered": int(d["__REALTIME_TIMESTAMP"]),
            "completed": rfc3339_usec(info["closeTime"]),
            "status": info.get("status"),
        }
        samples.append(s)
    return samples


def report(samples, prefix):
    def ms(a, b):
        return [(s[b] - s[a]) / 1000.0 for s in samples if s[a] is not None and s[b] is not None]

    started, completed = ms("fault", "started"), ms("fault", "completed")
    figures = [
        ("fault_to_started_p50_ms", percentile(started, 50)),
        ("fault_to_started_p99_ms", percentile(started, 99)),
        ("fault_to_completed_p99_ms", percentile(completed, 99)),
    ]
    extra = [
        ("fault_to_completed_p50_ms", percentile(completed, 50)),
        ("fault_to_started_max_ms", max(started)),
    ]
    stages = [("fault", "detected"), ("detected", "received"), ("received", "started"),
              ("started", "answered"), ("started", "completed")]
    for a, b in stages:
        v = ms(a, b)
        if v:
            extra.append((f"{a}_to_{b}_p50_ms", percentile(v, 50)))
            extra.append((f"{a}_to_{b}_p99_ms", percentile(v, 99)))
    for name, value in figures:
        print(f"BENCH {prefix}{name} {value:.2f} ms", flush=True)
    for name, value in extra:
        print(f"BENCH {prefix or 'e2e_'}{name} {value:.2f} ms", flush=True)
    print(f"BENCH {prefix or 'e2e_'}faults {len(samples)} faults", flush=True)
    rs = ms("received", "started")
    if len(rs) >= 40:
        _err(f"e2e: received -> started, mean of the first 20 faults {statistics.mean(rs[:20]):.2f}"
             f" ms, of the last 20 {statistics.mean(rs[-20:]):.2f} ms")
    _err("e2e: per stage (ms)     p50      p90      p99      max")
    for a, b in [("fault", "detected"), ("detected", "received"), ("received", "started"),
                 ("fault", "started"), ("started", "answered"), ("started", "completed"),
                 ("fault", "completed")]:
        v = ms(a, b)
        if v:
            _err(f"  {a + ' -> ' + b:<21} {percentile(v, 50):7.2f}  {percentile(v, 90):7.2f}  "
                 f"{percentile(v, 99):7.2f}  {max(v):7.2f}  (mean {statistics.mean(v):.2f})")


def run_bench(args):
    if os.environ.get("FL_JOURNAL_NS") != "1":
        _err("flharness bench-e2e: run me inside tests/harness/journal-ns.sh")
        return 2
    directory = tempfile.mkdtemp(prefix="fl-bench-e2e.")
    os.makedirs(os.path.join(directory, "no-rules"))
    stack = Stack(directory, args.build, [Node("node-a", agent=True), Node("node-b")],
                  rules_dir=os.path.join(directory, "no-rules"),
                  workflow_files={f"{name}.hcl": text for name, text, _ in PHASES},
                  log=lambda m: _err("e2e: " + m))
    try:
        disks = {name: stack.disk(name) for name, _, _ in PHASES}
        stack.rule_files = {f"{name}.hcl": BENCH_RULE.format(disk=disks[name].name,
                                                             workflow=name)
                            for name, _, _ in PHASES}
        stack.start()
        for name, _, prefix in PHASES:
            _err(f"e2e: {args.faults} faults on {disks[name].device}, workflow config {name}")
            # Warm up once (connections, first workflow task): not counted.
            measure(stack, disks[name], name, [10], args.gap_ms)
            stack.start_cursor = stack.journal.mark()
            samples = measure(stack, disks[name], name, list(range(100, 100 + args.faults)),
                              args.gap_ms)
            report(samples, prefix)
        return 0
    finally:
        stack.stop()
        if args.keep:
            _err(f"e2e: kept {directory}")
        else:
            shutil.rmtree(directory, ignore_errors=True)


def add_parser(sub):
    p = sub.add_parser("bench-e2e", help="scripts/bench.d/e2e.sh: real faults, latencies")
    p.add_argument("--build", default=os.path.join(os.getcwd(), "build"))
    p.add_argument("--faults", type=int, default=100)
    p.add_argument("--gap-ms", type=float, default=250.0)
    p.add_argument("--keep", action="store_true", help="keep the directory (logs)")
    p.set_defaults(fn=run_bench)
