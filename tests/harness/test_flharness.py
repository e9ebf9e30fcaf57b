# SPDX-License-Identifier: Apache-2.0
"""Self-test of the harness against the real Temporal dev server.

Run by ctest (label integration) as `python3 tests/harness/test_flharness.py`.
Without the temporal binary it skips (exit 77) locally and fails under CI=true,
like fl_test_require() in the C tests.
"""

import json
import os
import subprocess
import sys
import tempfile
import time
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from flharness import (  # noqa: E402
    FAULTLINE_SEARCH_ATTRIBUTES,
    TemporalError,
    TemporalMissing,
    TemporalServer,
    find_temporal,
    free_ports,
)
from flharness.ports import port_open  # noqa: E402
from flharness.temporal import pid_state, search_attributes_of  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "flharness", *args], cwd=HERE, env=env,
                          capture_output=True, text=True, timeout=120)


class PortsTest(unittest.TestCase):
    def test_distinct(self):
        ports = free_ports(8)
        self.assertEqual(len(set(ports)), 8)
        for p in ports:
            self.assertFalse(port_open("127.0.0.1", p))


class TemporalTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.TemporaryDirectory(prefix="flharness-test.")
        cls.t = TemporalServer(cls.tmp.name)
        cls.t.start()

    @classmethod
    def tearDownClass(cls):
        cls.t.stop()
        cls.tmp.cleanup()

    def test_addresses_are_loopback_and_recorded(self):
        t = self.t
        self.assertTrue(t.running())
        self.assertTrue(port_open("127.0.0.1", t.grpc_port))
        other = TemporalServer(t.directory)   # what another process sees
        self.assertEqual((other.grpc_port, other.http_port, other.pid),
                         (t.grpc_port, t.http_port, t.pid))
        self.assertTrue(other.running())

    def test_search_attributes_registered(self):
        sa = self.t.request("GET", "/search-attributes")["customAttributes"]
        for name in FAULTLINE_SEARCH_ATTRIBUTES:
            self.assertEqual(sa[name], "INDEXED_VALUE_TYPE_KEYWORD")

    def test_start_count_list_describe_terminate(self):
        t = self.t
        node = "node-" + uuid.uuid4().hex[:8]
        wid = "harness-" + node
        r = t.start_workflow(wid, "HarnessTest", "node/" + node, input={"x": 1},
                             search_attributes={"FaultlineNode": node, "FaultlineRule": "r"},
                             memo={"trigger": {"node": node}})
        self.assertTrue(r.get("started"))
        again = t.start_workflow(wid, "HarnessTest", "node/" + node)
        self.assertNotIn("started", again)
        self.assertEqual(again["runId"], r["runId"])
        self.assertEqual(t.wait_count(f"FaultlineNode='{node}'", 1), 1)
        (e,) = t.list(f"FaultlineNode='{node}'")
        self.assertEqual(e["execution"]["workflowId"], wid)
        self.assertEqual(search_attributes_of(e), {"FaultlineNode": node, "FaultlineRule": "r"})
        d = t.describe(wid)
        self.assertEqual(d["workflowExecutionInfo"]["status"], "WORKFLOW_EXECUTION_STATUS_RUNNING")
        t.terminate(wid, "harness test")
        self.assertEqual(t.wait_count(f"FaultlineNode='{node}' AND ExecutionStatus='Terminated'", 1), 1)
        with self.assertRaises(TemporalError) as cm:
            t.describe("no-such-" + node)
        self.assertEqual((cm.exception.status, cm.exception.code), (404, 5))
        with self.assertRaises(TemporalError) as cm:
            t.count("NoSuchAttribute='x'")
        self.assertEqual((cm.exception.status, cm.exception.code), (400, 3))

    def test_list_pages(self):
        t = self.t
        tag = "pages-" + uuid.uuid4().hex[:8]
        for i in range(5):
            t.start_workflow(f"{tag}-{i}", "HarnessPages", "q", search_attributes={"FaultlineRule": tag})
        t.wait_count(f"FaultlineRule='{tag}'", 5)
        ids = sorted(e["execution"]["workflowId"] for e in t.list(f"FaultlineRule='{tag}'", page_size=2))
        self.assertEqual(ids, [f"{tag}-{i}" for i in range(5)])

    def test_zz_stop_restart_keeps_state(self):
        t = self.t
        node = "restart-" + uuid.uuid4().hex[:8]
        t.start_workflow(node, "HarnessRestart", "q", search_attributes={"FaultlineNode": node})
        t.wait_count(f"FaultlineNode='{node}'", 1)
        grpc, http = t.grpc_port, t.http_port
        self.assertTrue(t.stop())
        self.assertFalse(t.running())
        self.assertFalse(port_open("127.0.0.1", grpc))
        with self.assertRaises(TemporalError) as cm:
            t.count("")
        self.assertEqual(cm.exception.status, 0)
        self.assertFalse(t.stop())   # nothing left to stop
        t.start()
        self.assertEqual((t.grpc_port, t.http_port), (grpc, http))
        self.assertEqual(t.count(f"FaultlineNode='{node}'"), 1)
        self.assertTrue(t.stop(kill=True))   # a crash: the database survives too
        t.start()
        self.assertEqual(t.count(f"FaultlineNode='{node}'"), 1)


class CliTest(unittest.TestCase):
    def test_start_status_stop(self):
        with tempfile.TemporaryDirectory(prefix="flharness-cli.") as d:
            r = cli("temporal", "start", "--dir", d)
            self.assertEqual(r.returncode, 0, r.stderr)
            fields = dict(kv.split("=", 1) for kv in r.stdout.split())
            self.assertEqual(set(fields), {"grpc", "http", "pid"})
            self.assertTrue(fields["grpc"].startswith("127.0.0.1:"))
            self.assertTrue(fields["http"].startswith("http://127.0.0.1:"))
            # A second start of a running server only prints its addresses.
            r2 = cli("temporal", "start", "--dir", d)
            self.assertEqual(r2.stdout, r.stdout)
            self.assertEqual(cli("temporal", "count", "--dir", d, "").stdout.strip(), "0")
            self.assertEqual(cli("temporal", "stop", "--dir", d).returncode, 0)
            self.assertEqual(cli("temporal", "status", "--dir", d).returncode, 3)
            self.assertIn(pid_state(int(fields["pid"])), (None, "Z", "X"))

    def test_run_passes_addresses_and_cleans_up(self):
        script = ("import os; print(os.environ['FL_TEMPORAL_HTTP'], os.environ['FL_TEMPORAL_DIR'],"
                  " os.environ['FL_TEMPORAL_GRPC']); raise SystemExit(7)")
        r = cli("temporal", "run", "--", sys.executable, "-c", script)
        self.assertEqual(r.returncode, 7, r.stderr)
        http, directory, grpc = r.stdout.split()
        self.assertFalse(os.path.exists(directory))
        self.assertFalse(port_open("127.0.0.1", int(grpc.rsplit(":", 1)[1])))

    def test_run_stops_a_server_restarted_by_the_command(self):
        # The command restarts Temporal through the CLI (as the C integration
        # test does): run must stop the new server, not only the one it started.
        script = (
            "import os, subprocess, sys\n"
            "cli = [sys.executable, '-m', 'flharness', 'temporal']\n"
            "d = ['--dir', os.environ['FL_TEMPORAL_DIR']]\n"
            "subprocess.run(cli + ['stop'] + d, check=True)\n"
            "out = subprocess.run(cli + ['start'] + d, check=True, capture_output=True, text=True)\n"
            "print(out.stdout.split('pid=')[1])\n")
        r = cli("temporal", "run", "--", sys.executable, "-c", script)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn(pid_state(int(r.stdout)), (None, "Z", "X"))

    def test_dynamic_config(self):
        # The dev server answers 429 beyond ~100 visibility calls/s by default;
        # the limit is dynamic config, passed at start and kept for restarts.
        script = ("import os, json; from flharness import TemporalServer\n"
                  "t = TemporalServer(os.environ['FL_TEMPORAL_DIR'])\n"
                  "print(json.dumps(t.dynamic_config)); [t.count('') for _ in range(400)]\n")
        r = cli("temporal", "run", "--dynamic-config", "frontend.namespaceRPS.visibility=100000",
                "--", sys.executable, "-c", script)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout), {"frontend.namespaceRPS.visibility": 100000})

    def test_missing_binary(self):
        env = dict(os.environ, FL_TEMPORAL_BIN="/nonexistent/temporal")
        with tempfile.TemporaryDirectory(prefix="flharness-cli.") as d:
            r = cli("temporal", "start", "--dir", d, env=env)
            self.assertEqual(r.returncode, 77, r.stderr)
            self.assertIn("/nonexistent/temporal", r.stderr)
            script = "import os; print(os.environ.get('FL_TEMPORAL_MISSING', 'unset'))"
            r = cli("temporal", "run", "--dir", d, "--", sys.executable, "-c", script, env=env)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertIn("/nonexistent/temporal", r.stdout)

def main():
    try:
        find_temporal()
    except TemporalMissing as e:
        ci = os.environ.get("CI") in ("true", "1")
        print(f"{'FAIL' if ci else 'SKIP'}: {e}", file=sys.stderr)
        return 1 if ci else 77
    began = time.monotonic()
    prog = unittest.main(exit=False, verbosity=2)
    print(f"harness tests took {time.monotonic() - began:.1f}s", file=sys.stderr)
    return 0 if prog.result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
