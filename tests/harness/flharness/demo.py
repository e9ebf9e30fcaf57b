# SPDX-License-Identifier: Apache-2.0
"""scripts/demo.sh's body: the whole loop on this machine, one real disk fault,
its timeline, then everything stopped.

    python3 -m flharness demo --build build [--dir DIR] [--free-ports]

Must run inside a private journald (tests/harness/journal-ns.sh; demo.sh does
that). Starts the Temporal dev server, faultline-coordinator, two workers
(node-a, node-b: same datacenter and node type) and faultline-agent as node-a
with the default rule pack and workflow configs, makes three reads of a
faultyfs-backed loop device fail, and prints when each component saw the
fault. The contract's local ports (Temporal 7233/7243, coordinator 7443) are
used when free, free ones otherwise. On exit, Ctrl-C, SIGTERM or an error,
everything is stopped by PID and the loop device detached; the logs and a copy
of the journal stay in DIR.
"""

import os
import signal
import sys
import tempfile
import time

from .ports import LOOPBACK, port_open
from .stack import Node, Stack
from .timeline import Timeline

DEFAULT_PORTS = {"temporal_grpc": 7233, "temporal_http": 7243, "coordinator": 7443}
BAD_SECTORS = [1000, 1001, 1002]


class Stopped(Exception):
    """SIGTERM or SIGHUP: stop everything and exit."""

    def __init__(self, signum):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _raise_stopped(signum, frame):
    raise Stopped(signum)


def _say(msg=""):
    print(msg, flush=True)


def _ports(free):
    if free:
        return None, None
    grpc, http, coord = (DEFAULT_PORTS[k] for k in ("temporal_grpc", "temporal_http",
                                                     "coordinator"))
    temporal = (grpc, http) if not (port_open(LOOPBACK, grpc) or port_open(LOOPBACK, http)) \
        else None
    coordinator = coord if not port_open(LOOPBACK, coord) else None
    return temporal, coordinator


def _result_line(tl):
    r = tl.result if isinstance(tl.result, dict) else {}
    out = (r.get("stdout") or "").strip().splitlines()
    return (f"{r.get('runbook', r.get('activity', '?'))} exit {r.get('exit_code', '?')}"
            + (f": {out[-1]}" if out else ""))


def run_demo(args):
    if os.environ.get("FL_JOURNAL_NS") != "1":
        print("flharness demo: run me inside tests/harness/journal-ns.sh (scripts/demo.sh does)",
              file=sys.stderr)
        return 2
    directory = args.dir or tempfile.mkdtemp(prefix="faultline-demo.")
    temporal_ports, coordinator_port = _ports(args.free_ports)
    nodes = [Node("node-a", agent=True), Node("node-b")]

    _say("faultline demo: a real disk fault on node-a, from the kernel to a completed "
         "remediation")
    _say(f"  everything runs here on {LOOPBACK}, in a private journald; logs: {directory}")
    _say()
    stack = Stack(directory, args.build, nodes, temporal_ports=temporal_ports,
                  coordinator_port=coordinator_port, log=lambda m: _say("  " + m))
    status = 1
    try:
        _say("starting (throw-away PKI: CA, coordinator server certificate, agent client "
             "certificate")
        _say("  with SPIFFE ID spiffe://faultline.test/agent/node-a, Ed25519 signing key)")
        stack.start()
        _say()
        disk = stack.disk("demo")
        _say(f"injecting a real disk fault: sectors {BAD_SECTORS[0]}-{BAD_SECTORS[-1]} of "
             f"{disk.device} fail with EIO")
        _say(f"  (faultyfs FUSE file behind a direct-I/O loop device; the rule disk-io-error "
             f"wants {len(BAD_SECTORS)} errors on one disk)")
        disk.fail(BAD_SECTORS)

        started = stack.wait_decisions("started", timeout=args.timeout,
                                       FAULTLINE_WORKFLOW="disk-io-error",
                                       FAULTLINE_NODE="node-a")
        tl = Timeline(stack, started[0]["FAULTLINE_WORKFLOW_ID"])
        time.sleep(1.5)  # let the other rule's trigger (kernel log line) be decided too
        _say()
        _say(f"timeline (all times from this machine's clock; fault = the kernel's timestamp "
             f"of the first failing I/O)")
        for line in tl.table():
            _say(line)
        _say()
        _say(f"  workflow id  {tl.workflow_id}")
        _say(f"  task queue   {tl.task_queue}")
        _say(f"  ran on       {tl.ran_on} ({', '.join(tl.worker_identities)})")
        _say(f"  result       {_result_line(tl)}")
        others = [d for d in stack.decisions() if d.get("FAULTLINE_WORKFLOW_ID") != tl.workflow_id]
        for d in others:
            _say(f"  also         rule {d.get('FAULTLINE_RULE')}: {d.get('FAULTLINE_DECISION')}"
                 + (f" by {d['FAULTLINE_CONSTRAINT']}" if d.get("FAULTLINE_CONSTRAINT") else "")
                 + (f" ({d['FAULTLINE_REASON']})" if d.get("FAULTLINE_REASON") else ""))
        on_b = stack.temporal.count("FaultlineNode='node-b'")
        _say(f"  node-b       {on_b} workflow(s): its worker polled node/node-b and ran nothing")
        status = 0 if tl.status == "COMPLETED" and tl.ran_on == "node-a" else 1
    except (KeyboardInterrupt, Stopped) as e:
        _say(f"\ninterrupted ({str(e) or 'SIGINT'}): stopping everything")
        status = 130 if isinstance(e, KeyboardInterrupt) else 128 + e.signum
    except Exception as e:
        _say(f"\ndemo failed: {e}")
        for d in [stack.coordinator, *stack.workers.values(), *stack.agents.values()]:
            if d is not None:
                _say(f"  {d.name} log: {d.log_path}")
        status = 1
    finally:
        # No signal may cut the cleanup short.
        old = {s: signal.signal(s, signal.SIG_IGN) for s in (signal.SIGINT, signal.SIGTERM,
                                                             signal.SIGHUP)}
        _say()
        _say("stopping the agent, the workers, the coordinator, the loop device and Temporal")
        try:
            stack.save_journal()
            stack.stop()
        except Exception as e:
            _say(f"  cleanup problem: {e}")
            status = status or 1
        for s, h in old.items():
            signal.signal(s, h)
    _say(f"  stopped. Logs: {directory}/*.log, the journal: journalctl -D {directory}/journal "
         f"(or {directory}/journal.txt)")
    return status


def add_parser(sub):
    p = sub.add_parser("demo", help="scripts/demo.sh: the whole loop and one real disk fault")
    p.add_argument("--build", default=os.path.join(os.getcwd(), "build"),
                   help="the build directory (binaries)")
    p.add_argument("--dir", help="where configs, logs and state go (default: a new /tmp dir)")
    p.add_argument("--free-ports", action="store_true",
                   help="free ports instead of the contract's local defaults")
    p.add_argument("--timeout", type=float, default=30.0, help="seconds to wait for the start")
    p.set_defaults(fn=run_demo)


def install_signal_handlers():
    signal.signal(signal.SIGTERM, _raise_stopped)
    signal.signal(signal.SIGHUP, _raise_stopped)
    # Started as a background job of a shell, SIGINT may arrive ignored.
    signal.signal(signal.SIGINT, signal.default_int_handler)
