# SPDX-License-Identifier: Apache-2.0
"""faultline end to end: real kernel faults through the whole loop.

    journal-ns.sh python3 tests/e2e/test_e2e.py BUILD_DIR [unittest args, e.g. DiskFault]

Every test class starts its own stack (tests/harness/flharness/stack.py, the
same code scripts/demo.sh runs): the Temporal dev server, faultline-coordinator,
two workers (node-a and node-b: same datacenter ams01, same node type storage)
and faultline-agent as node-a, with a throw-away PKI, next to a private
journald. Faults are real: reads of a faultyfs-backed loop device that fail
with EIO (block_rq_error and the kernel's "I/O error" line), and lines
written to /dev/kmsg.

Needs root, BPF, FUSE, loop devices, a private journald (journal-ns.sh) and
the temporal CLI: without them a test class exits 77 (skip) locally and fails
under CI=true.
"""

import os
import shutil
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(SOURCE, "tests", "harness"))

from flharness import find_temporal  # noqa: E402
from flharness.stack import Node, Stack  # noqa: E402
from flharness.temporal import TemporalMissing  # noqa: E402
from flharness.timeline import Timeline, history_facts  # noqa: E402

BUILD = os.path.abspath(sys.argv[1]) if len(sys.argv) > 1 else os.path.join(SOURCE, "build")
del sys.argv[1:2]

NODES = [Node("node-a", agent=True), Node("node-b")]
UE_LINE = ("<3>EDAC MC0: 1 UE memory read error on CPU_SrcID#0_MC#0_Chan#1_DIMM#0 "
           "(channel:1 slot:0 page:0x4b2d3c offset:0x0 grain:32 syndrome:0x0)")

# disk-io-error as shipped, plus "at most once an hour per node": a second
# disk fault on node-a within the hour is then rejected whatever the timing.
DISK_ONCE_AN_HOUR = """\
workflow_type     = "RunRunbook"
task_queue_target = "node"
execution_timeout = "30m"
input_fields      = ["node", "node_type", "datacenter", "workflow", "rule", "idempotency_key", "params", "event", "observed_at"]
params = {
  runbook = "disk-io-error.sh"
}
constraint {
  kind   = "concurrency"
  value  = 1
  period = "15m"
  scope  = "node"
}
constraint {
  kind   = "maxExecution"
  value  = 1
  period = "1h"
  scope  = "node"
}
"""


def ci():
    return os.environ.get("CI") in ("true", "1")


def require(have, what):
    if have:
        return
    if ci():
        print(f"FAIL: {what} is required under CI and is not available", file=sys.stderr)
        sys.exit(1)
    print(f"SKIP: {what} is not available", file=sys.stderr)
    sys.exit(77)


def temporal_available():
    try:
        find_temporal()
        return True
    except TemporalMissing:
        return False


class Base(unittest.TestCase):
    workflow_files = {}
    coordinator_extra = ""

    @classmethod
    def setUpClass(cls):
        require(os.geteuid() == 0, "root")
        require(os.environ.get("FL_JOURNAL_NS") == "1", "a private journald (journal-ns.sh)")
        require(os.path.exists("/dev/fuse"), "FUSE (/dev/fuse)")
        require(os.path.exists("/sys/kernel/btf/vmlinux"), "BPF with BTF")
        require(temporal_available(), "the temporal CLI (scripts/setup.sh)")
        cls.tmp = tempfile.mkdtemp(prefix="fl-e2e.")
        cls.stack = Stack(cls.tmp, BUILD, NODES, workflow_files=cls.workflow_files,
                          coordinator_extra=cls.coordinator_extra,
                          log=lambda m: print("  " + m, file=sys.stderr))
        cls.stack.start()

    @classmethod
    def tearDownClass(cls):
        try:
            if os.environ.get("FL_E2E_KEEP"):
                cls.stack.save_journal()
            cls.stack.stop()
        finally:
            if os.environ.get("FL_E2E_KEEP"):
                print(f"kept {cls.tmp}", file=sys.stderr)
            else:
                shutil.rmtree(cls.tmp, ignore_errors=True)

    # ---- helpers --------------------------------------------------------------
    def firing(self, rule, **match):
        """The agent's (single) firing of `rule`, waited for."""
        found = self.stack.wait_firings(1, FAULTLINE_RULE=rule, **match)
        self.assertEqual(len(found), 1, [f["MESSAGE"] for f in found])
        return found[0]

    def decision_for(self, key, decision, timeout=20.0):
        """The coordinator's decision entry for one idempotency key."""
        return self.stack.wait_decisions(decision, timeout=timeout,
                                         FAULTLINE_IDEMPOTENCY_KEY=key)[0]

    def agent_answers(self, key):
        """The agent's journal entries of the coordinator's answers for one
        trigger (contract: FAULTLINE_DECISION on the entry)."""
        return [e for e in self.stack.journal.entries(
            after=self.stack.start_cursor, SYSLOG_IDENTIFIER="faultline-agent",
            FAULTLINE_IDEMPOTENCY_KEY=key) if e.get("FAULTLINE_DECISION")]

    def wait_agent_answer(self, key, decision, timeout=20.0):
        deadline = time.monotonic() + timeout
        while True:
            found = [e for e in self.agent_answers(key)
                     if e["FAULTLINE_DECISION"] == decision]
            if found:
                return found[0]
            if time.monotonic() > deadline:
                self.fail(f"no agent entry of a '{decision}' answer for trigger {key}: "
                          f"{[e.get('MESSAGE') for e in self.agent_answers(key)]}")
            time.sleep(0.1)

    def final_answers(self, keys, timeout=30.0):
        """Waits until the agent logged a final answer (started, rejected,
        duplicate: the outbox drops the trigger) for every key; returns
        {key: decision}. Identical rejections may be folded in the
        coordinator's journal, never in the agent's: one entry per answer."""
        deadline = time.monotonic() + timeout
        while True:
            final = {}
            for key in keys:
                for e in self.agent_answers(key):
                    if e["FAULTLINE_DECISION"] in ("started", "rejected", "duplicate"):
                        final.setdefault(key, e["FAULTLINE_DECISION"])
            if len(final) == len(keys):
                return final
            if time.monotonic() > deadline:
                self.fail(f"no final answer for {sorted(set(keys) - set(final))}")
            time.sleep(0.1)

    def fault_keys(self, disk):
        """The idempotency keys of every trigger one disk fault gave (the BPF
        rule and, unless the kernel rate-limited its lines, the log rule)."""
        return [f["FAULTLINE_IDEMPOTENCY_KEY"] for f in self.stack.firings(FAULTLINE_KEY=disk.name)]

    def all_workflows(self):
        return self.stack.temporal.list("")

    def assert_ran_on_node_a(self, workflow_id):
        """Completed, by node-a's worker, on node-a's queue."""
        tl = Timeline(self.stack, workflow_id)
        self.assertEqual(tl.status, "COMPLETED")
        self.assertEqual(tl.task_queue, "node/node-a")
        self.assertEqual(tl.ran_on, "node-a", tl.result)
        self.assertEqual(tl.result["task_queue"], "node/node-a")
        self.assertEqual(tl.result["target_node"], "node-a")
        worker_a = f"faultline-worker@node-a:{self.stack.workers['node-a'].pid}"
        self.assertEqual(tl.worker_identities, [worker_a])
        return tl

    def assert_nothing_on_node_b(self):
        st = self.stack.temporal
        self.assertEqual(st.count("FaultlineNode='node-b'"), 0)
        for e in self.all_workflows():
            self.assertEqual(e["taskQueue"], "node/node-a", e)
        for wf in self.all_workflows():
            wid = wf["execution"]["workflowId"]
            ids, _ = history_facts(self.stack, wid)
            self.assertFalse([i for i in ids if i.startswith("faultline-worker@node-b")], wid)
        with open(self.stack.workers["node-b"].log_path) as f:
            log = f.read()
        self.assertNotIn("workflow started", log)
        self.assertNotIn("activity started", log)


class DiskFault(Base):
    """(a) A real disk fault on node-a completes a workflow on node-a's worker,
    and nothing runs on node-b."""

    def test_disk_fault_remediated_on_node_a(self):
        disk = self.stack.disk("a")
        t0, t1 = disk.fail([100, 101, 102])
        f = self.firing("disk-io-error", FAULTLINE_KEY=disk.name)
        self.assertEqual(f["FAULTLINE_NODE"], "node-a")
        self.assertEqual(f["FAULTLINE_SOURCE"], "bpf")
        self.assertEqual(f["FAULTLINE_COUNT"], "3")
        # The kernel's timestamps of the first and last error lie within the reads.
        self.assertTrue(t0 <= int(f["FAULTLINE_WINDOW_FIRST_USEC"]) <= t1, (t0, f, t1))
        key = f["FAULTLINE_IDEMPOTENCY_KEY"]
        d = self.decision_for(key, "started")
        wid = d["FAULTLINE_WORKFLOW_ID"]
        self.assertEqual(wid, f"faultline-disk-io-error-{key}")
        self.assertEqual(d["FAULTLINE_TASK_QUEUE"], "node/node-a")
        self.assertEqual(d["FAULTLINE_NODE_TYPE"], "storage")
        self.assertEqual(d["FAULTLINE_DATACENTER"], "ams01")
        self.assertEqual(d["FAULTLINE_KEYID"], "node-a")
        self.wait_agent_answer(key, "started")
        tl = self.assert_ran_on_node_a(wid)
        self.assertEqual(tl.result["runbook"], "disk-io-error.sh")
        self.assertEqual(tl.result["exit_code"], 0)
        self.assertLess(tl.fault, tl.detected)
        self.assertLess(tl.detected, tl.started)
        self.assertLess(tl.started, tl.completed)
        print("\n".join(tl.table()), file=sys.stderr)
        # The kernel log line's rule may fire as well (its line can be rate
        # limited); whatever it got, it ran on node-a too.
        time.sleep(1.5)
        self.assert_nothing_on_node_b()


class MemoryUncorrectable(Base):
    """(b) An uncorrectable memory error line written to /dev/kmsg starts the
    memory workflow on node-a."""

    def test_kmsg_ue_line_drains_node_a(self):
        self.stack.kmsg(UE_LINE)
        f = self.firing("memory-ue-kernel-log")
        self.assertEqual(f["FAULTLINE_WORKFLOW"], "memory-uncorrectable")
        self.assertEqual(f["FAULTLINE_SOURCE"], "journal")
        self.assertEqual(f["FAULTLINE_EVENT_TRANSPORT"], "kernel")
        # Injected lines arrive with facility user (1): the kernel forbids kern.
        self.assertEqual(f["FAULTLINE_EVENT_SYSLOG_FACILITY"], "1")
        self.assertEqual(f["FAULTLINE_KEY"], "mc0")
        key = f["FAULTLINE_IDEMPOTENCY_KEY"]
        d = self.decision_for(key, "started")
        self.assertEqual(d["FAULTLINE_WORKFLOW"], "memory-uncorrectable")
        self.assertEqual(d["FAULTLINE_WORKFLOW_TYPE"], "DrainNode")
        tl = self.assert_ran_on_node_a(d["FAULTLINE_WORKFLOW_ID"])
        self.assertEqual(tl.result["runbook"], "drain-node")
        self.assertEqual(tl.result["exit_code"], 0)
        self.assert_nothing_on_node_b()


class ConstraintRejected(Base):
    """(c) A second fault inside the constraint window is rejected, and the
    rejection is in the coordinator's answer (the agent's journal entry of it)
    and in the coordinator's journal."""

    workflow_files = {"disk-io-error.hcl": DISK_ONCE_AN_HOUR}

    def test_second_fault_rejected(self):
        st = self.stack
        first = st.disk("first")
        first.fail([10, 11, 12])
        f1 = self.firing("disk-io-error", FAULTLINE_KEY=first.name)
        wid = self.decision_for(f1["FAULTLINE_IDEMPOTENCY_KEY"], "started")["FAULTLINE_WORKFLOW_ID"]
        self.assert_ran_on_node_a(wid)
        # Identical rejections (same workflow, node, constraint) within the
        # fold interval (1 s) are counted into one summary entry; the first
        # fault's kernel-log trigger may have just been rejected: let that
        # interval end so the second fault's rejection is an entry of its own.
        time.sleep(1.5)

        second = st.disk("second")
        second.fail([20, 21, 22])
        f2 = self.firing("disk-io-error", FAULTLINE_KEY=second.name)
        key = f2["FAULTLINE_IDEMPOTENCY_KEY"]
        d = self.decision_for(key, "rejected")
        path = os.path.join(st.workflows_dir, "disk-io-error.hcl")
        self.assertEqual(d["FAULTLINE_DECISION"], "rejected")
        self.assertEqual(d["FAULTLINE_CONSTRAINT"], f"maxExecution 1/1h per node ({path}:14)")
        self.assertEqual(d["FAULTLINE_REASON"], "1 started in the last 1h per node, limit 1")
        self.assertEqual(d["FAULTLINE_NODE"], "node-a")
        answer = self.wait_agent_answer(key, "rejected")
        self.assertEqual(answer["FAULTLINE_NODE"], "node-a")
        self.assertEqual(answer["FAULTLINE_WORKFLOW"], "disk-io-error")
        self.assertEqual(answer["FAULTLINE_CONSTRAINT"], d["FAULTLINE_CONSTRAINT"])
        self.assertEqual(answer["FAULTLINE_REASON"], d["FAULTLINE_REASON"])
        self.assertEqual(answer["FAULTLINE_HTTP_STATUS"], "409")
        # Exactly one disk workflow ran.
        time.sleep(1.0)
        self.assertEqual(st.temporal.count("FaultlineWorkflow='disk-io-error'"), 1)
        self.assertEqual([e["execution"]["workflowId"] for e in self.all_workflows()], [wid])
        self.assert_nothing_on_node_b()


class PauseResume(Base):
    """(d) A pause through the coordinator's API (operator identity) defers a
    fault; resuming lets it run."""

    coordinator_extra = 'retry_after = "1s"\n'

    def test_pause_defers_resume_runs(self):
        st = self.stack
        status, ans = st.admin("POST", "/v1/pause", {"scope": "workflow",
                                                     "workflow": "disk-io-error",
                                                     "reason": "e2e: disk firmware rollout"})
        self.assertEqual(status, 200, ans)
        disk = st.disk("paused")
        disk.fail([30, 31, 32])
        f = self.firing("disk-io-error", FAULTLINE_KEY=disk.name)
        key = f["FAULTLINE_IDEMPOTENCY_KEY"]
        d = self.decision_for(key, "deferred")
        self.assertIn("e2e: disk firmware rollout", d["FAULTLINE_REASON"])
        self.wait_agent_answer(key, "deferred")
        # Still paused: the agent keeps retrying, nothing starts.
        st.wait_decisions("deferred", count=2, timeout=15, FAULTLINE_IDEMPOTENCY_KEY=key)
        self.assertEqual(st.temporal.count(""), 0)
        self.assertEqual(st.decisions("started"), [])

        status, ans = st.admin("DELETE", "/v1/pause?scope=workflow&workflow=disk-io-error")
        self.assertEqual((status, ans.get("resumed")), (200, "workflow"), ans)
        # Both of the fault's triggers (BPF and kernel log line) were kept
        # and come back together: one starts, the other finds it running.
        keys = self.fault_keys(disk)
        answers = self.final_answers(keys)
        started = [k for k, d in answers.items() if d == "started"]
        self.assertEqual(len(started), 1, answers)
        d = self.decision_for(started[0], "started")
        self.assert_ran_on_node_a(d["FAULTLINE_WORKFLOW_ID"])
        self.assertEqual(st.temporal.count(""), 1)
        self.assert_nothing_on_node_b()


class CoordinatorRestart(Base):
    """(e) The coordinator restarted mid-run loses nothing: faults that arrive
    while it is down are delivered once it is back, each started exactly once."""

    def test_faults_while_down_started_once(self):
        st = self.stack
        # A first fault while it runs, so the restart happens mid-run.
        disk = st.disk("before")
        disk.fail([40, 41, 42])
        f0 = self.firing("disk-io-error", FAULTLINE_KEY=disk.name)
        w0 = self.decision_for(f0["FAULTLINE_IDEMPOTENCY_KEY"], "started")

        st.stop_coordinator(kill=True)
        down = st.disk("down")
        down.fail([50, 51, 52])
        st.kmsg(UE_LINE)
        f1 = self.firing("disk-io-error", FAULTLINE_KEY=down.name)
        f2 = self.firing("memory-ue-kernel-log")
        time.sleep(0.5)  # the disk fault's kernel log line, if not rate limited
        time.sleep(2.0)  # the agent tries, fails, keeps them
        self.assertEqual(st.decisions(FAULTLINE_IDEMPOTENCY_KEY=[f1["FAULTLINE_IDEMPOTENCY_KEY"],
                                                                f2["FAULTLINE_IDEMPOTENCY_KEY"]]),
                         [])
        # The agent noticed, and keeps them.
        st.journal.wait(1, after=st.start_cursor, SYSLOG_IDENTIFIER="faultline-agent",
                        MESSAGE_ID="b189a73b06de40959248ce05fc441371")
        st.start_coordinator()

        # Every trigger of every firing gets its final answer: nothing lost.
        keys = [f["FAULTLINE_IDEMPOTENCY_KEY"] for f in st.firings()]
        answers = self.final_answers(keys)
        # The memory fault starts its workflow; the disk fault one of its
        # triggers' (the other finds it running, or starts after it ended).
        self.assertEqual(answers[f2["FAULTLINE_IDEMPOTENCY_KEY"]], "started", answers)
        down_started = [k for k in self.fault_keys(down) if answers[k] == "started"]
        self.assertGreaterEqual(len(down_started), 1, answers)
        for key in [f2["FAULTLINE_IDEMPOTENCY_KEY"]] + down_started:
            d = self.decision_for(key, "started")
            self.assert_ran_on_node_a(d["FAULTLINE_WORKFLOW_ID"])
        self.assert_ran_on_node_a(w0["FAULTLINE_WORKFLOW_ID"])

        # Started exactly once: one started decision per trigger, one workflow each.
        started = st.decisions("started")
        started_keys = [d["FAULTLINE_IDEMPOTENCY_KEY"] for d in started]
        self.assertEqual(len(started_keys), len(set(started_keys)), started_keys)
        self.assertEqual(sorted(started_keys), sorted(k for k, d in answers.items()
                                                      if d == "started"))
        ids = [e["execution"]["workflowId"] for e in self.all_workflows()]
        self.assertEqual(sorted(ids), sorted(d["FAULTLINE_WORKFLOW_ID"] for d in started))
        self.assert_nothing_on_node_b()


if __name__ == "__main__":
    print(f"build: {BUILD}; stack logs go to stderr", file=sys.stderr)
    unittest.main(verbosity=2)
