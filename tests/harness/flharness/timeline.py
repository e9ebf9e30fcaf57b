# SPDX-License-Identifier: Apache-2.0
"""One fault's way through the loop, from the records each component keeps.

Every instant comes from the component that lived it, all on this machine's
CLOCK_REALTIME:

| point     | source                                                                   |
|-----------|--------------------------------------------------------------------------|
| fault     | the agent's rule firing entry, FAULTLINE_WINDOW_FIRST_USEC: the kernel's  |
|           | timestamp (bpf_ktime_get_ns in the tracepoint, CLOCK_MONOTONIC) of the    |
|           | first occurrence the rule counted, converted to realtime by the agent     |
| detected  | the same entry: FAULTLINE_OBSERVED_AT (kernel time of the occurrence that |
|           | completed the threshold) + FAULTLINE_LATENCY_USEC (until the decision)    |
| decided   | the coordinator's decision entry (written once Temporal accepted the     |
|           | start, so it trails "started" by the start call's answer)               |
| started   | Temporal's StartTime of the execution                                     |
| completed | Temporal's CloseTime                                                      |

The agent also records the BPF event's own monotonic timestamp in
FAULTLINE_EVENT_IDENTITY (`bpf:<boot id>:<ns>:<cpu>`): kernel_usec() converts it
with an offset measured here (realtime read on both sides of a monotonic read)
as an independent check of the agent's conversion.
"""

import calendar
import json
import time

from .temporal import decode_payload


def rfc3339_usec(s):
    """'2026-11-27T05:46:24.723370Z' (any number of fraction digits, Z or
    +00:00) as microseconds since the epoch."""
    s = s.strip()
    if s.endswith("Z"):
        s = s[:-1]
    elif s.endswith("+00:00"):
        s = s[:-6]
    whole, _, frac = s.partition(".")
    secs = calendar.timegm(time.strptime(whole, "%Y-%m-%dT%H:%M:%S"))
    frac = (frac + "000000")[:6]
    return secs * 1000000 + int(frac)


def realtime_offset_usec():
    """CLOCK_REALTIME - CLOCK_MONOTONIC, from the tightest of a few samples."""
    best = None
    for _ in range(5):
        r0 = time.clock_gettime_ns(time.CLOCK_REALTIME)
        m = time.clock_gettime_ns(time.CLOCK_MONOTONIC)
        r1 = time.clock_gettime_ns(time.CLOCK_REALTIME)
        if best is None or r1 - r0 < best[0]:
            best = (r1 - r0, (r0 + r1) // 2 - m)
    return best[1] // 1000


def kernel_usec(identity, offset_usec):
    """Realtime of a BPF event from its identity `bpf:<boot>:<mono ns>:<cpu>`,
    or None for another kind of event."""
    parts = identity.split(":")
    if len(parts) != 4 or parts[0] != "bpf":
        return None
    return int(parts[2]) // 1000 + offset_usec


def first_payload(attrs, key):
    """The first value of a Payloads field: the HTTP API writes it either as
    {"payloads": [...]} or, with the JSON shorthand, as the list itself."""
    p = attrs.get(key) or []
    if isinstance(p, dict):
        p = p.get("payloads") or []
    return decode_payload(p[0]) if p else None


def history_facts(stack, workflow_id):
    """(identities in the workflow's history in order of appearance, the
    completed workflow's result or None)."""
    identities, result = [], None
    for e in stack.history(workflow_id):
        for name, attrs in e.items():
            if not name.endswith("EventAttributes") or not isinstance(attrs, dict):
                continue
            if attrs.get("identity") and attrs["identity"] not in identities:
                identities.append(attrs["identity"])
            if name == "workflowExecutionCompletedEventAttributes":
                result = first_payload(attrs, "result")
    return identities, result


class Timeline:
    """The points of one workflow's story (None where unknown)."""

    def __init__(self, stack, workflow_id):
        self.workflow_id = workflow_id
        self.decision = stack.wait_decisions("started", FAULTLINE_WORKFLOW_ID=workflow_id)[0]
        key = self.decision.get("FAULTLINE_IDEMPOTENCY_KEY")
        # The firing precedes the decision: no need to wait for it.
        firings = stack.firings(FAULTLINE_IDEMPOTENCY_KEY=key) if key else []
        self.firing = firings[0] if firings else None
        described = stack.wait_closed(workflow_id)
        info = described["workflowExecutionInfo"]
        self.status = info.get("status", "").replace("WORKFLOW_EXECUTION_STATUS_", "")
        self.task_queue = info.get("taskQueue") or self.decision.get("FAULTLINE_TASK_QUEUE")
        self.workflow_type = (info.get("type") or {}).get("name")
        self.started = rfc3339_usec(info["startTime"])
        self.completed = rfc3339_usec(info["closeTime"])
        self.decided = int(self.decision["__REALTIME_TIMESTAMP"])
        self.rule = self.decision.get("FAULTLINE_RULE")
        self.node = self.decision.get("FAULTLINE_NODE")
        f = self.firing or {}
        self.fault = int(f["FAULTLINE_WINDOW_FIRST_USEC"]) if f else None
        self.last_fault = rfc3339_usec(f["FAULTLINE_OBSERVED_AT"]) if f else None
        self.detected = (self.last_fault + int(f["FAULTLINE_LATENCY_USEC"])
                         if f.get("FAULTLINE_LATENCY_USEC") else None)
        self.count = int(f.get("FAULTLINE_COUNT", 0)) if f else 0
        self.source = f.get("FAULTLINE_SOURCE")
        self.key = f.get("FAULTLINE_KEY")
        self.identities, self.result = history_facts(stack, workflow_id)
        # The workers' identities are faultline-worker@NODE:PID; the client
        # that started the workflow (the coordinator) is listed too.
        self.worker_identities = [i for i in self.identities if i.startswith("faultline-worker@")]
        self.ran_on = (self.result or {}).get("node") if isinstance(self.result, dict) else None

    def rows(self):
        """(label, realtime usec or None, what) in time order of the story."""
        f = self.firing or {}
        params = json.loads(f.get("FAULTLINE_PARAMS", "{}") or "{}")
        what_fault = (f"kernel: first failing I/O on {self.key}" if self.source == "bpf"
                      else f"kernel: first occurrence ({f.get('FAULTLINE_KIND', '?')})")
        return [
            ("fault", self.fault, what_fault),
            ("detected", self.detected,
             f"agent {self.node}: rule {self.rule} fired ({self.count} occurrence"
             f"{'s' if self.count != 1 else ''}, source {self.source})"
             + (f", {params['reason']}" if params.get("reason") else "")),
            ("started", self.started,
             f"Temporal: {self.workflow_type} started on {self.task_queue}"),
            ("decided", self.decided,
             "coordinator: decision \"started\" (answered after Temporal's start)"),
            ("completed", self.completed,
             f"Temporal: {self.status.lower()}, run by "
             + (", ".join(self.worker_identities) or "?")),
        ]

    def table(self):
        """The timeline as text lines."""
        base = self.fault
        lines = [f"  {'point':<10} {'time (UTC)':<15} {'after fault':>12}  what"]
        for label, usec, what in self.rows():
            if usec is None:
                lines.append(f"  {label:<10} {'?':<15} {'?':>12}  {what}")
                continue
            clock = time.strftime("%H:%M:%S", time.gmtime(usec // 1000000)) + \
                f".{usec % 1000000:06d}"
            delta = f"{(usec - base) / 1000:.1f} ms" if base is not None else "?"
            lines.append(f"  {label:<10} {clock:<15} {delta:>12}  {what}")
        return lines
