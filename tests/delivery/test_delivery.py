#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""faultline-agent's signed delivery end to end: the real agent, the real
coordinator, the real Temporal dev server, a private journald.

    test_delivery.py AGENT COORDINATOR FAULTLINECTL HTTPSIG_TOOL MKCERTS [unittest args]

Run under tests/harness/journal-ns.sh (a private journald, and a private
mount namespace for the tmpfs test) and tests/harness/with-temporal.sh. Faults
are kernel-form journal entries (tests/harness/kernel-journal.sh) in the
journal_directory the agent follows; each line fires once, with a key of its
own. What Temporal lists is compared with the workflow ids computed from the
journal files: no missing, no extra.

Without root, journald or Temporal the tests skip (exit 77) locally and fail
under CI=true. FL_DELIVERY_DOWN_SECONDS (60), FL_DELIVERY_KILLS (100) and
FL_DELIVERY_BURST (1000) shrink the long ones for development.
"""
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(SOURCE, "tests", "coordinator"))
sys.path.insert(0, os.path.join(SOURCE, "tests", "harness"))


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


from delivery_env import Binaries, World, journal_entries  # noqa: E402
from flharness import TemporalServer  # noqa: E402

AGENT, COORDINATOR, FAULTLINECTL, HTTPSIG_TOOL, MKCERTS = sys.argv[1:6]
del sys.argv[1:6]
BIN = Binaries(AGENT, COORDINATOR, FAULTLINECTL, HTTPSIG_TOOL, MKCERTS,
               os.path.join(SOURCE, "tests", "harness", "kernel-journal.sh"))
DOWN_SECONDS = float(os.environ.get("FL_DELIVERY_DOWN_SECONDS", 60))
KILLS = int(os.environ.get("FL_DELIVERY_KILLS", 100))
BURST = int(os.environ.get("FL_DELIVERY_BURST", 1000))


def message_ids():
    ids = {}
    with open(os.path.join(SOURCE, "agent", "messages.h")) as f:
        for m in re.finditer(r'#define FL_MESSAGE_(\w+)\s+"([0-9a-f]{32})"', f.read()):
            ids[m.group(1)] = m.group(2)
    return ids


MSG = message_ids()


class Base(unittest.TestCase):
    temporal = None

    @classmethod
    def setUpClass(cls):
        require(os.geteuid() == 0, "root")
        require(os.environ.get("FL_JOURNAL_NS") == "1",
                "a private journald (tests/harness/journal-ns.sh)")
        require(os.environ.get("FL_TEMPORAL_HTTP") is not None,
                "the Temporal dev server (tests/harness/with-temporal.sh)")
        cls.temporal = TemporalServer(os.environ["FL_TEMPORAL_DIR"])

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="fldelivery.")
        self.worlds = []
        self.agents = []
        self.mounts = []

    def tearDown(self):
        for a in self.agents:
            if a.running():
                a.kill()
        for w in self.worlds:
            w.close()
        for m in self.mounts:
            subprocess.run(["umount", m], check=False)
        if self._outcome_ok():
            shutil.rmtree(self.tmp, ignore_errors=True)
        else:
            print(f"kept {self.tmp} for inspection", file=sys.stderr)

    def _outcome_ok(self):
        result = getattr(getattr(self, "_outcome", None), "result", None)
        if result is None:
            return True
        return not any(t is self for t, _ in result.failures + result.errors)

    def world(self, name, **kw):
        w = World(os.path.join(self.tmp, name), BIN, self.temporal, name, **kw)
        self.worlds.append(w)
        return w

    def agent(self, w, **kw):
        a = w.start_agent(**kw)
        self.agents.append(a)
        return a

    def wait(self, what, predicate, timeout=60, interval=0.2):
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() >= deadline:
                self.fail(f"timed out waiting for {what}")
            time.sleep(interval)

    def assertExactly(self, w, expected, rule=None, timeout=120):
        """Temporal lists exactly the expected workflow ids, each once."""
        got = w.wait_started(expected, rule=rule, timeout=timeout)
        missing = expected - set(got)
        extra = set(got) - expected
        twice = len(got) - len(set(got))
        self.assertEqual((len(missing), len(extra), twice), (0, 0, 0),
                         f"missing {sorted(missing)[:5]} extra {sorted(extra)[:5]}")
        return got

    def assertAgentClean(self, a):
        log = a.read_log()
        self.assertNotIn("AddressSanitizer", log)
        self.assertNotIn("runtime error", log)


class DeliveryTests(Base):
    def test_coordinator_down_then_up(self):
        """The coordinator is down while faults arrive, then comes up: every
        workflow starts exactly once."""
        w = self.world("down")
        a = self.agent(w)
        since = time.strftime("%Y-%m-%d %H:%M:%S")
        batches = 3
        for b in range(batches):
            w.write_lines(range(b * 10, b * 10 + 10))
            self.wait("the batch in the outbox", lambda: len(w.outbox()) == 10 * (b + 1))
            time.sleep(DOWN_SECONDS / batches)
        self.assertEqual(w.metric("faultline_agent_delivery_coordinator_up"), 0)
        self.assertGreater(w.metric('faultline_agent_delivery_errors_total{cause="connect"}'), 0)
        unreachable = journal_entries(MSG["COORDINATOR_UNREACHABLE"], since=since)
        self.assertGreaterEqual(len(unreachable), 1)
        self.assertEqual(unreachable[0]["FAULTLINE_FAILURE"], "connect")
        # Attempts were recorded against the records (faultlinectl shows them).
        self.assertTrue(all(e["attempts"] >= 1 for e in w.outbox()[:10]))

        w.start_coordinator()
        expected = w.expected_workflow_ids()
        self.assertEqual(len(expected), 30)
        self.assertExactly(w, expected)
        self.wait("an empty outbox", lambda: w.outbox() == [])
        reachable = journal_entries(MSG["COORDINATOR_REACHABLE"], since=since)
        self.assertEqual(len(reachable), 1)
        started = journal_entries(MSG["COORDINATOR_ANSWER"], since=since,
                                  FAULTLINE_RULE=w.rule, FAULTLINE_DECISION="started")
        self.assertEqual({e["FAULTLINE_WORKFLOW_ID"] for e in started}, expected)
        self.wait("the metrics", lambda: w.metric(
            'faultline_agent_delivery_decisions_total{decision="started"}') == 30)
        self.assertEqual(w.metric("faultline_agent_outbox_pending"), 0)
        self.assertEqual(a.stop(), 0)
        self.assertAgentClean(a)

    def test_damaged_outbox(self):
        """A torn last record and a damaged one in the middle: both skipped
        and reported in the journal; every complete record is delivered."""
        w = self.world("damaged")
        a = self.agent(w)
        w.write_lines(range(10))
        self.wait("10 records", lambda: len(w.outbox()) == 10)
        self.assertEqual(a.stop(), 0)  # the journal cursor is saved: no re-reading
        records = w.outbox()
        log = os.path.join(w.state_dir, "outbox.log")
        with open(log, "rb") as f:
            data = bytearray(f.read())
        puts, pos = [], 0
        while pos < len(data):
            self.assertEqual(data[pos:pos + 4], b"FLOB")
            n = int.from_bytes(data[pos + 8:pos + 12], "little")
            if data[pos + 4] == 1:
                puts.append(pos)
            pos += 16 + n
        self.assertEqual(len(puts), 10)
        data[puts[3] + 40] ^= 0x20            # a payload byte of the 4th PUT
        del data[puts[9] + 20:]               # the last PUT cut short
        with open(log, "wb") as f:
            f.write(data)
        lost = {records[3]["id"], records[9]["id"]}

        since = time.strftime("%Y-%m-%d %H:%M:%S")
        w.start_coordinator()
        a = self.agent(w, log_name="agent2.log")
        expected = {f"faultline-{w.workflow}-{r['id']}" for r in records if r["id"] not in lost}
        self.assertEqual(len(expected), 8)
        self.assertExactly(w, expected)
        self.wait("an empty outbox", lambda: w.outbox() == [])
        rec = journal_entries(MSG["OUTBOX_RECOVERED"], since=since)
        self.assertEqual(len(rec), 1)
        self.assertEqual(rec[0]["FAULTLINE_TORN_TAIL_BYTES"], "20")
        self.assertEqual(rec[0]["FAULTLINE_CORRUPT_REGIONS"], "1")
        self.assertEqual(rec[0]["FAULTLINE_PENDING"], "8")
        self.assertEqual(rec[0]["PRIORITY"], "4")
        self.assertEqual(w.metric('faultline_agent_outbox_recovered_bytes_total{kind="torn_tail"}'),
                         20)
        self.assertEqual(a.stop(), 0)
        self.assertAgentClean(a)

    def test_full_state_dir(self):
        """state_dir on a tiny tmpfs that fills up: a journal error and a
        metric, no crash, the firings kept in memory and delivered anyway."""
        w = self.world("full")
        subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", w.state_dir],
                       check=True)
        self.mounts.append(w.state_dir)
        st = os.statvfs(w.state_dir)
        free = st.f_bavail * st.f_frsize
        with open(os.path.join(w.state_dir, "filler"), "wb") as f:
            f.write(b"\0" * (free - 8192))
        a = self.agent(w)
        since = time.strftime("%Y-%m-%d %H:%M:%S")
        w.write_lines(range(40))
        self.wait("the outbox to refuse writes",
                  lambda: w.metric("faultline_agent_outbox_memory_only") > 0)
        self.assertTrue(a.running())
        errors = journal_entries(MSG["OUTBOX_ERROR"], since=since)
        self.assertGreaterEqual(len(errors), 1)
        self.assertEqual(errors[0]["FAULTLINE_OPERATION"], "append")
        self.assertEqual(errors[0]["ERRNO"], "28")  # ENOSPC
        self.assertEqual(errors[0]["PRIORITY"], "3")
        self.wait("40 firings accepted", lambda: w.metric("faultline_agent_outbox_pending") == 40)
        self.assertGreater(w.metric("faultline_agent_outbox_write_errors_total"), 0)
        self.assertEqual(w.metric('faultline_agent_delivery_firings_total{result="refused"}'), 0)

        w.start_coordinator()
        expected = w.expected_workflow_ids()
        self.assertEqual(len(expected), 40)
        self.assertExactly(w, expected)
        self.wait("nothing pending", lambda: w.metric("faultline_agent_outbox_pending") == 0)
        # Space again: the outbox takes writes, and says so.
        os.unlink(os.path.join(w.state_dir, "filler"))
        w.write_lines([100])
        self.wait("the outbox writable again",
                  lambda: journal_entries(MSG["OUTBOX_WRITABLE"], since=since))
        self.assertExactly(w, w.expected_workflow_ids())
        self.assertTrue(a.running())
        self.assertEqual(a.stop(), 0)
        self.assertAgentClean(a)

    def test_operator_answers_then_fixed(self):
        """404 (unknown workflow) and 403 (workflow not for this node type)
        keep the records and raise an alert; adding and fixing the workflow
        configs (SIGHUP to the coordinator) lets them through."""
        w = self.world("operator")
        w.write_rule("later-fault", "later", "faultline-test later")
        w.write_rule("gpu-fault", "gpu-only", "faultline-test gpu")
        w.env.write_workflow("gpu-only", 'task_queue_target = "node"\nnode_types = ["gpu"]\n')
        w.start_coordinator()
        a = self.agent(w)
        since = time.strftime("%Y-%m-%d %H:%M:%S")
        w.write_lines(range(3), prefix="faultline-test later")
        w.write_lines(range(2), prefix="faultline-test gpu")
        self.wait("5 answers that need an operator", lambda: w.metric(
            "faultline_agent_delivery_waiting_for_operator") == 5)
        alerts = journal_entries(MSG["DELIVERY_OPERATOR"], since=since)
        self.assertGreaterEqual(len(alerts), 2)
        self.assertEqual({e["PRIORITY"] for e in alerts}, {"1"})
        self.assertEqual({e["FAULTLINE_HTTP_STATUS"] for e in alerts}, {"403", "404"})
        answers = journal_entries(MSG["COORDINATOR_ANSWER"], since=since,
                                  FAULTLINE_VERDICT="operator")
        self.assertEqual({(e["FAULTLINE_HTTP_STATUS"], e["FAULTLINE_ERROR"]) for e in answers},
                         {("404", "unknown_workflow"), ("403", "workflow_not_allowed")})
        self.assertEqual(len(w.outbox()), 5)
        time.sleep(3)  # slow retries happen, still refused
        self.assertEqual(len(w.outbox()), 5)

        w.env.write_workflow("later", 'task_queue_target = "node"\n')
        w.env.write_workflow("gpu-only", 'task_queue_target = "node"\n'
                                         'node_types = ["gpu", "storage"]\n')
        w.coord.signal(signal.SIGHUP)
        self.assertExactly(w, w.expected_workflow_ids("later-fault", "later",
                                                      "faultline-test later"),
                           rule="later-fault", timeout=30)
        self.assertExactly(w, w.expected_workflow_ids("gpu-fault", "gpu-only",
                                                      "faultline-test gpu"),
                           rule="gpu-fault", timeout=30)
        self.wait("an empty outbox", lambda: w.outbox() == [])
        self.assertEqual(a.stop(), 0)
        self.assertAgentClean(a)

    def test_unknown_key_then_added(self):
        """401 (a signing key the coordinator does not know) keeps the records
        and alerts; a coordinator restarted with the key lets them through."""
        w0 = self.world("key-setup")
        keyfile = os.path.join(w0.dir, "newkey.ed25519")
        subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", keyfile], check=True)
        subprocess.run(["openssl", "pkey", "-in", keyfile, "-pubout", "-out", keyfile + ".pub"],
                       check=True)
        w = self.world("newkey", key_id="node-new", signing_key=keyfile)
        w.start_coordinator()
        a = self.agent(w)
        since = time.strftime("%Y-%m-%d %H:%M:%S")
        w.write_lines(range(4))
        self.wait("4 refused triggers", lambda: w.metric(
            "faultline_agent_delivery_waiting_for_operator") == 4)
        alerts = journal_entries(MSG["DELIVERY_OPERATOR"], since=since)
        self.assertEqual(alerts[0]["FAULTLINE_HTTP_STATUS"], "401")
        self.assertIn("unknown_key", alerts[0]["FAULTLINE_PROBLEM"])
        w.stop_coordinator()
        w.coordinator_extra = f'''agent_key "node-new" {{
  public_key_file = "{keyfile}.pub"
  nodes = ["node-a"]
  node_type = "storage"
  datacenter = "ams01"
}}
'''
        w.start_coordinator()
        self.assertExactly(w, w.expected_workflow_ids(), timeout=30)
        self.wait("an empty outbox", lambda: w.outbox() == [])
        self.assertEqual(a.stop(), 0)
        self.assertAgentClean(a)


class KillTests(Base):
    def test_sigkill_during_a_burst(self):
        """SIGKILL at random points of a burst of firings, restarting after
        each: the started workflows are exactly the expected set."""
        w = self.world("kill")
        w.start_coordinator()
        rng = random.Random(os.environ.get("FL_DELIVERY_SEED", str(time.time())))
        since = time.strftime("%Y-%m-%d %H:%M:%S")
        batch = max(1, BURST // 10)
        written = 0
        interrupted = 0  # kills that left triggers pending
        for k in range(KILLS):
            if written < BURST and k % max(1, KILLS // 10) == 0:
                w.write_lines(range(written, min(BURST, written + batch)))
                written = min(BURST, written + batch)
            a = w.start_agent(log_name="agent-kill.log", wait=False)
            time.sleep(rng.uniform(0.0, 0.4))
            a.kill()
            interrupted += len(w.outbox()) > 0
        if written < BURST:
            w.write_lines(range(written, BURST))
        a = self.agent(w, log_name="agent-final.log")
        expected = w.expected_workflow_ids()
        self.assertEqual(len(expected), BURST)
        got = self.assertExactly(w, expected, timeout=300)
        self.wait("an empty outbox", lambda: w.outbox() == [], timeout=120)
        duplicates = journal_entries(MSG["COORDINATOR_ANSWER"], since=since,
                                     FAULTLINE_RULE=w.rule, FAULTLINE_DECISION="duplicate")
        recovered = journal_entries(MSG["OUTBOX_RECOVERED"], since=since)
        print(f"kill test: kills {KILLS} ({interrupted} with triggers pending), firings {BURST}, "
              f"started {len(set(got))}, duplicates answered {len(duplicates)}, missing 0, "
              f"extra 0, torn tails reported {len(recovered)}", file=sys.stderr)
        self.assertEqual(a.stop(), 0)
        self.assertAgentClean(a)


if __name__ == "__main__":
    unittest.main(verbosity=2)
