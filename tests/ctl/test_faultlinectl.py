#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""faultlinectl end to end: the real binary against the real coordinator and
the real Temporal dev server, over mTLS, signing with lib/httpsig.

    test_faultlinectl.py FAULTLINECTL COORDINATOR HTTPSIG_TOOL MKCERTS [unittest args]

CheckTests need nothing else (check on good and bad files, exact output).
CtlTests need the Temporal dev server that tests/harness/with-temporal.sh
starts (FL_TEMPORAL_HTTP, FL_TEMPORAL_DIR): without it they skip (exit 77)
locally and fail under CI=true. The coordinator, its PKI, keys and configs
come from tests/coordinator/coordinator_env.py (the coordinator's own
tests' harness); the seed's ACL names spiffe://example.com/worker-admin
(certificate "admin"), which is the operator here.
"""
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.parse

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(SOURCE, "tests", "coordinator"))
sys.path.insert(0, os.path.join(SOURCE, "tests", "harness"))

from coordinator_env import ADMIN, OTHER, Environment  # noqa: E402
from flharness import TemporalServer  # noqa: E402
from flharness.temporal import decode_payload, search_attributes_of  # noqa: E402

CTL, COORDINATOR, HTTPSIG_TOOL, MKCERTS = sys.argv[1:5]
del sys.argv[1:5]



def read(rel):
    with open(os.path.join(SOURCE, rel)) as f:
        return f.read()


SEED_WORKFLOW = read("tests/data/seed/workflow-constraints.hcl")


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


def run(*args, env=None, timeout=60):
    """faultlinectl ARGS: (exit status, stdout, stderr)."""
    e = dict(os.environ)
    e.pop("FAULTLINECTL_CONFIG", None)
    e.update(env or {})
    p = subprocess.run([CTL, *args], capture_output=True, text=True, timeout=timeout, env=e)
    return p.returncode, p.stdout, p.stderr


def closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


# ---------------------------------------------------------------------------
class CheckTests(unittest.TestCase):
    """faultlinectl check: the daemons' decoders, exact output."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="flctl-check.")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def write(self, name, text):
        path = os.path.join(self.tmp, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_packaged_files_are_valid(self):
        files = [os.path.join(SOURCE, "rules", n) for n in ("agent.hcl", "coordinator.hcl")]
        for d in ("rules.d", "workflows.d"):
            files += sorted(os.path.join(SOURCE, "rules", d, n)
                            for n in os.listdir(os.path.join(SOURCE, "rules", d)))
        rc, out, err = run("check", *files)
        self.assertEqual((rc, err), (0, ""))
        def kind(f):
            base = os.path.basename(f)
            if base in ("agent.hcl", "coordinator.hcl"):
                return base[:-4]
            return "rules" if "/rules.d/" in f else "workflow"
        want = "".join(f"{f}: valid ({kind(f)})\n" for f in files)
        self.assertEqual(out, want)

    def test_problems_exact(self):
        """Every problem as FILE:LINE:COL: message, all files in one run,
        exit 1; valid files still reported valid."""
        rules = self.write("rules.d/disk.hcl", 'rule "x" {\n  bogus = 1\n}\n')
        wf = self.write("workflows.d/workflow-constraints.hcl", SEED_WORKFLOW)
        agent = self.write("agent.hcl", 'node {\n  type = 3\n}\nrules_dirr = "/x"\n')
        ctl = self.write("faultlinectl.hcl", 'coordinator {\n  url = "http://c:1"\n'
                                             '  cert_file = "a.pem"\n}\n')
        good = self.write("workflows.d/ok.hcl", 'task_queue_target = "node"\n')
        rc, out, err = run("check", rules, wf, agent, ctl, good)
        self.assertEqual(rc, 1)
        self.assertEqual(out, f"{good}: valid (workflow)\n")
        self.assertEqual(err.splitlines(), [
            f'{rules}:1:1: missing required attribute "source" in block "rule"',
            f'{rules}:1:1: missing required attribute "workflow" in block "rule"',
            f'{rules}:1:1: missing required block "match" in block "rule"',
            f'{rules}:2:3: unknown attribute "bogus" in block "rule"',
            f'{wf}:1:21: task_queue_target "<target>" is a placeholder: write "node" (the '
            "failing node's queue), \"node_type\" or \"general\"",
            f'{agent}:2:10: "type" must be a string, not a number',
            f'{agent}:4:1: unknown attribute "rules_dirr"; did you mean "rules_dir"?',
            f'{ctl}:2:9: "url" must be an https:// URL with a host (and no query), not '
            '"http://c:1"',
        ])

    def test_kind_from_content_and_flag(self):
        rules = self.write("pack/mine.hcl", read("rules/rules.d/disk.hcl"))
        coord = self.write("conf/coord-test.hcl", 'listen = "127.0.0.1:1"\n')
        unknown = self.write("x.hcl", "x = 1\n")
        only = self.write("y.hcl", 'coordinator {\n  url = "https://c:1"\n'
                                   '  signing_key_file = "k"\n}\n')
        broken = self.write("z.hcl", "x = \n")
        rc, out, err = run("check", rules, coord, unknown, only, broken)
        self.assertEqual(rc, 1)
        self.assertEqual(out, f"{rules}: valid (rules)\n{coord}: valid (coordinator)\n")
        hint = ("name it agent.hcl, coordinator.hcl, worker.hcl, faultlinectl.hcl, "
                "rules.d/NAME.hcl or workflows.d/NAME.hcl, or pass --kind")
        self.assertEqual(err.splitlines(), [
            f"{unknown}:1:1: cannot tell which configuration this is (nothing in it says which "
            f"kind of configuration it is): {hint}",
            f"{only}:1:1: cannot tell which configuration this is (only a coordinator block: an "
            f"agent.hcl or a faultlinectl.hcl?): {hint}",
            f"{broken}:1:5: expected a value, found end of line",
        ])
        # --kind decides for every file.
        rc, out, err = run("check", "--kind", "faultlinectl", only)
        self.assertEqual((rc, out, err), (0, f"{only}: valid (faultlinectl)\n", ""))
        # The same file as an agent.hcl: the agent's own rules apply.
        rc, out, err = run("check", "--kind", "agent", only)
        self.assertEqual((rc, out, err), (1, "", f'{only}:1:1: an https coordinator needs '
                                                 '"cert_file" and "key_file" (mutual TLS)\n'))
        rc, out, err = run("check", "--kind", "workflow", coord)
        self.assertEqual(rc, 1)
        self.assertEqual(err, f'{coord}:1:1: unknown attribute "listen"\n'
                              f'{coord}:1:1: missing required attribute "task_queue_target"\n')

    def test_json(self):
        bad = self.write("workflows.d/bad.hcl", 'task_queue_target = "nowhere"\n')
        good = self.write("agent.hcl", "")
        rc, out, err = run("check", "--json", bad, good)
        self.assertEqual((rc, err), (1, ""))
        self.assertEqual(json.loads(out), [
            {"file": bad, "kind": "workflow", "valid": False, "problems": [
                {"file": bad, "line": 1, "column": 21,
                 "message": 'invalid value "nowhere" for "task_queue_target" (expected one of: '
                            '"node", "node_type", "general")'}]},
            {"file": good, "kind": "agent", "valid": True, "problems": []},
        ])
        rc, out, err = run("check", "--json", good)
        self.assertEqual((rc, json.loads(out)[0]["valid"]), (0, True))

    def test_coordinator_keys_are_loaded(self):
        """coordinator.hcl is decoded as the daemon does, public keys included."""
        cfg = self.write("coordinator.hcl",
                         'operator_key "alice" {\n  public_key_file = "alice.pub"\n'
                         '  all_nodes = true\n}\n')
        rc, out, err = run("check", cfg)
        self.assertEqual(rc, 1)
        self.assertEqual(err, f'{cfg}:1:1: operator_key "alice": cannot use public_key_file '
                              f'"{self.tmp}/alice.pub": No such file or directory\n')

    def test_worker(self):
        worker = os.path.join(os.path.dirname(CTL), "faultline-worker")
        require(os.access(worker, os.X_OK), "faultline-worker (the Go build)")
        good = self.write("worker.hcl", read("rules/worker.hcl"))
        rc, out, err = run("check", good)
        self.assertEqual((rc, out, err), (0, f"{good}: valid (worker)\n", ""))
        bad = self.write("w/worker.hcl", "bogus = 1\n")
        rc, out, err = run("check", bad)
        self.assertEqual(rc, 1)
        self.assertEqual(err, f'{bad}:1:1: Unsupported argument: An argument named "bogus" is '
                              "not expected here.\n")

    def test_usage(self):
        rc, out, err = run("check")
        self.assertEqual((rc, err), (1, "faultlinectl check: which FILE?\n"
                                        "(faultlinectl check --help shows the options)\n"))
        rc, out, err = run("check", "--kind", "nope", "x")
        self.assertEqual(rc, 1)
        self.assertIn('--kind must be agent, coordinator, rules, workflow, worker or '
                      'faultlinectl, not "nope"', err)
        rc, out, err = run("check", os.path.join(self.tmp, "missing", "agent.hcl"))
        self.assertEqual(rc, 1)
        self.assertEqual(err, f"{self.tmp}/missing/agent.hcl:1:1: cannot read the file: "
                              "No such file or directory\n")

    def test_help_everywhere(self):
        """Every command has --help (exit 0, on stdout), and faultlinectl
        --help names every command and the exit statuses."""
        rc, out, err = run("--help")
        self.assertEqual(rc, 0)
        commands = re.findall(r"^  ([a-z0-9]+)", out.split("Commands:\n")[1].split("\n\n")[0],
                              re.M)
        self.assertEqual(commands, ["trigger", "explain", "workflows", "executions", "pauses",
                                    "pause", "resume", "cancel", "check", "hcl2json", "outbox"])
        for s in ("  0  success", "  1  usage error", "  2  the coordinator refused",
                  "  3  the coordinator is unreachable"):
            self.assertIn(s, out)
        for c in commands:
            rc, cout, cerr = run(c, "--help")
            self.assertEqual((rc, cerr), (0, ""), c)
            self.assertTrue(cout.startswith(f"Usage: faultlinectl {c}"), cout)
        rc, out, err = run("nope")
        self.assertEqual(rc, 1)
        self.assertTrue(err.startswith('faultlinectl: unknown command "nope"\n'))


# ---------------------------------------------------------------------------
class CtlTests(unittest.TestCase):
    """Every command against a running coordinator."""

    @classmethod
    def setUpClass(cls):
        http = os.environ.get("FL_TEMPORAL_HTTP")
        require(http is not None, "the Temporal dev server (tests/harness/with-temporal.sh)")
        cls.tmp = tempfile.mkdtemp(prefix="flctl.")
        cls.temporal = TemporalServer(os.environ["FL_TEMPORAL_DIR"])
        cls.env = e = Environment(cls.tmp, COORDINATOR, HTTPSIG_TOOL, MKCERTS, http)
        workflow = 'task_queue_target = "node"\n'

        def constraint(kind, value, period, scope="node"):
            return (f'constraint {{\n  kind = "{kind}"\n  value = {value}\n'
                    f'  period = "{period}"\n  scope = "{scope}"\n}}\n')
        e.write_workflow("free", workflow + 'workflow_type = "RunRunbook"\n')
        e.write_workflow("once", workflow + constraint("maxExecution", 1, "1h"))
        e.write_workflow("counted", workflow + constraint("maxExecution", 2, "1h"))
        e.write_workflow("paused", workflow)
        e.write_workflow("explained", SEED_WORKFLOW.replace('"<target>"', '"node"'))
        e.write_workflow("gpu-only", workflow + 'node_types = ["gpu"]\n')
        cls.coord = e.start(e.config(extra='reject_cache = "0"\nretry_after = "30s"\n'))
        cls.url = f"https://127.0.0.1:{cls.coord.port}"
        pki = e.pki
        cls.config = os.path.join(cls.tmp, "faultlinectl.hcl")
        with open(cls.config, "w") as f:
            f.write('# the operator\ncoordinator {\n'
                    f'  url = "{cls.url}"\n  ca_file = "pki/ca.pem"\n'
                    '  cert_file = "pki/admin.pem"\n  key_file = "pki/admin.key"\n'
                    f'  signing_key_file = "{e.keys["oncall"]}"\n  key_id = "oncall"\n'
                    '  timeout = "20s"\n}\n')
        cls.cenv = {"FAULTLINECTL_CONFIG": cls.config}
        assert pki.startswith(cls.tmp)

    @classmethod
    def tearDownClass(cls):
        if getattr(cls, "coord", None):
            rc = cls.coord.stop()
            log = cls.coord.read_log()
            assert rc == 0, f"coordinator exited {rc}:\n{log[-3000:]}"
        if getattr(cls, "env", None):
            cls.env.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def ctl(self, *args, env=None):
        return run(*args, env={**self.cenv, **(env or {})})

    def describe(self, wid):
        return self.temporal.describe(wid)["workflowExecutionInfo"]

    def history(self, wid):
        return self.temporal.request(
            "GET", "/workflows/" + urllib.parse.quote(wid, safe="") + "/history")["history"][
            "events"]

    def count(self, query, n):
        self.assertEqual(self.temporal.wait_count(query, n, timeout=15), n)

    # --- trigger -------------------------------------------------------------
    def test_trigger_started(self):
        rc, out, err = self.ctl("trigger", "free", "--node", "node-a", "--param", "device=sdb",
                                "--rule", "manual:disk")
        self.assertEqual((rc, err), (0, ""))
        m = re.fullmatch(r"started (faultline-free-[0-9a-f]{32}) \(run ([0-9a-f-]{36})\) on task "
                         r"queue node/node-a\n", out)
        self.assertIsNotNone(m, out)
        info = self.describe(m.group(1))
        self.assertEqual(info["execution"]["runId"], m.group(2))
        self.assertEqual(info["status"], "WORKFLOW_EXECUTION_STATUS_RUNNING")
        self.assertEqual(search_attributes_of(info), {
            "FaultlineNode": "node-a", "FaultlineNodeType": "storage",
            "FaultlineDatacenter": "ams01", "FaultlineRule": "manual:disk",
            "FaultlineWorkflow": "free"})
        memo = {k: decode_payload(v) for k, v in info["memo"]["fields"].items()}
        self.assertEqual((memo["keyid"], memo["source"], memo["caller"]),
                         ("oncall", "operator", ADMIN))
        trig = memo["trigger"]
        self.assertEqual(trig["params"], {"device": "sdb"})
        self.assertEqual(trig["event"]["source"], "faultlinectl")
        self.assertEqual(trig["event"]["host"], socket.gethostname())
        self.assertFalse(trig["dry_run"])
        self.assertRegex(trig["observed_at"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$")

    def test_trigger_json_dry_run_and_duplicate(self):
        key = Environment.key()
        rc, out, err = self.ctl("trigger", "free", "--node", "node-a2", "--dry-run", "--json",
                                "--idempotency-key", key)
        self.assertEqual((rc, err), (0, ""))
        ans = json.loads(out)
        self.assertEqual({k: ans[k] for k in ("decision", "would", "workflow", "workflow_id",
                                              "task_queue", "node", "node_type", "datacenter")},
                         {"decision": "dry_run", "would": "started", "workflow": "free",
                          "workflow_id": f"faultline-free-{key}", "task_queue": "node/node-a2",
                          "node": "node-a2", "node_type": "storage", "datacenter": "ams01"})
        self.assertEqual(ans["input"]["event"]["source"], "faultlinectl")
        time.sleep(0.3)
        self.assertEqual(self.temporal.count(f"WorkflowId = 'faultline-free-{key}'"), 0)
        rc, out, err = self.ctl("trigger", "free", "--node", "node-a2", "--dry-run",
                                "--idempotency-key", key)
        self.assertEqual((rc, out), (0, f"dry run: would start faultline-free-{key} on task "
                                        "queue node/node-a2\n"))
        rc, out, err = self.ctl("trigger", "free", "--node", "node-a2", "--idempotency-key", key,
                                "--json")
        self.assertEqual(rc, 0)
        started = json.loads(out)
        self.assertEqual(sorted(started), ["decision", "run_id", "task_queue", "workflow",
                                           "workflow_id"])
        self.assertEqual(started["decision"], "started")
        # The same key again: the same remediation, nothing new.
        rc, out, err = self.ctl("trigger", "free", "--node", "node-a2", "--idempotency-key", key)
        self.assertEqual((rc, err), (0, ""))
        self.assertEqual(out, f"duplicate: faultline-free-{key} (run {started['run_id']}) was "
                              "already started; nothing new started\n")

    def test_trigger_rejected(self):
        rc, out, err = self.ctl("trigger", "once", "--node", "node-b")
        self.assertEqual(rc, 0, err)
        rc, out, err = self.ctl("trigger", "once", "--node", "node-b")
        path = os.path.join(self.env.workflows_dir, "once.hcl")
        self.assertEqual((rc, out, err), (2, f"rejected by maxExecution 1/1h per node ({path}:2): "
                                             "1 started in the last 1h per node, limit 1\n", ""))
        rc, out, err = self.ctl("trigger", "once", "--node", "node-b", "--json")
        ans = json.loads(out)
        self.assertEqual((rc, ans["decision"], ans["constraint"]["line"], ans["count"]),
                         (2, "rejected", 2, 1))

    def test_trigger_refused(self):
        """4xx answers: exit 2 with the coordinator's reason."""
        alice = {"FAULTLINECTL_CONFIG": self.config}
        args = ["--signing-key-file", self.env.keys["alice"], "--key-id", "alice"]
        rc, out, err = self.ctl("trigger", "free", "--node", "node-b", *args, env=alice)
        self.assertEqual((rc, out, err), (2, "", "faultlinectl: the coordinator refused (403 "
                                               'node_not_allowed): key "alice" may not ask for '
                                               'node "node-b"\n'))
        rc, out, err = self.ctl("trigger", "nosuch", "--node", "node-a")
        self.assertEqual((rc, err), (2, "faultlinectl: the coordinator refused (404 "
                                        'unknown_workflow): no workflow config "nosuch"\n'))
        rc, out, err = self.ctl("trigger", "gpu-only", "--node", "node-a")
        self.assertEqual((rc, err), (2, "faultlinectl: the coordinator refused (403 "
                                        'workflow_not_allowed): workflow "gpu-only" does not '
                                        'run for node type "storage"\n'))
        # The wrong private key for the keyid: the signature does not verify.
        rc, out, err = self.ctl("trigger", "free", "--node", "node-a", "--signing-key-file",
                                self.env.keys["impostor"])
        self.assertEqual(rc, 2)
        self.assertTrue(err.startswith("faultlinectl: the coordinator refused (401 "
                                       "bad_signature): "), err)
        # A keyid the coordinator does not know.
        rc, out, err = self.ctl("trigger", "free", "--node", "node-a", "--key-id", "mallory")
        self.assertEqual(rc, 2)
        self.assertTrue(err.startswith("faultlinectl: the coordinator refused (401 "
                                       "unknown_key): "), err)

    def test_trigger_usage(self):
        cases = [
            (["trigger", "free"], "--node NODE is required"),
            (["trigger", "--node", "node-a"], "which WORKFLOW?"),
            (["trigger", "free", "other", "--node", "node-a"], "one WORKFLOW only"),
            (["trigger", "free", "--node", "node-a", "--param", "device"],
             '--param "device" must be KEY=VALUE'),
            (["trigger", "free", "--node"], "--node needs a value"),
            (["trigger", "free", "--nodes", "x"], "unknown option --nodes"),
            (["trigger", "free", "--node", "node a"],
             None),  # checked below: not a node name
            (["trigger", "free", "--node", "node-a", "--timeout", "1ms"],
             '--timeout "1ms" must be from 1s to 1h'),
        ]
        for args, message in cases:
            rc, out, err = self.ctl(*args)
            self.assertEqual(rc, 1, args)
            if message:
                self.assertEqual(err, f"faultlinectl trigger: {message}\n(faultlinectl trigger "
                                      "--help shows the options)\n", args)
            else:
                self.assertEqual(err, 'faultlinectl: --node "node a" is not a node name: use 1 '
                                      "to 64 letters, digits, '.', '_' or '-', starting with a "
                                      "letter or digit\n")
        # No signing key configured.
        bare = os.path.join(self.tmp, "bare.hcl")
        with open(bare, "w") as f:
            f.write(f'coordinator {{\n  url = "{self.url}"\n  ca_file = "{self.env.pki}/ca.pem"\n'
                    "}\n")
        rc, out, err = run("trigger", "free", "--node", "node-a", "--config", bare)
        self.assertEqual((rc, err), (1, "faultlinectl: a trigger is signed with your operator "
                                        "key: give --signing-key-file and --key-id (or "
                                        "signing_key_file and key_id in faultlinectl.hcl)\n"))
        rc, out, err = run("trigger", "free", "--node", "node-a", "--config", bare,
                           "--key-id", "oncall", "--signing-key-file", "/nonexistent.ed25519")
        self.assertEqual((rc, err), (1, 'faultlinectl: signing_key_file "/nonexistent.ed25519": '
                                        "No such file or directory\n"))

    # --- pause / resume ---------------------------------------------------------
    def test_pause_defers_then_resume(self):
        rc, out, err = self.ctl("pause", "--workflow", "paused", "--reason", "firmware rollout")
        self.assertEqual((rc, err), (0, ""))
        lines = out.splitlines()
        self.assertEqual(lines[0], "paused workflow paused: firmware rollout")
        self.assertEqual(lines[1].split(), ["SCOPE", "NAME", "REASON", "BY", "SINCE"])
        row = [l for l in lines[2:] if l.startswith("workflow") and " paused " in l]
        self.assertEqual(len(row), 1, out)
        self.assertIn(f"firmware rollout  {ADMIN}  ", row[0])
        # A trigger under the pause is deferred: exit 2, and nothing starts.
        rc, out, err = self.ctl("trigger", "paused", "--node", "node-c")
        self.assertEqual((rc, out, err), (2, "deferred: remediation is paused (workflow paused): "
                                             "firmware rollout; retry after 30 s\n", ""))
        rc, out, err = self.ctl("pauses", "--json")
        self.assertEqual(rc, 0)
        pauses = [p for p in json.loads(out)["pauses"] if p.get("workflow") == "paused"]
        self.assertEqual(len(pauses), 1)
        self.assertEqual(sorted(pauses[0]), ["by", "reason", "scope", "since", "workflow"])
        self.assertEqual((pauses[0]["scope"], pauses[0]["by"]), ("workflow", ADMIN))
        rc, out, err = self.ctl("resume", "--scope", "workflow", "--workflow", "paused", "--json")
        self.assertEqual(rc, 0)
        self.assertEqual(json.loads(out)["resumed"], "workflow")
        rc, out, err = self.ctl("trigger", "paused", "--node", "node-c")
        self.assertEqual(rc, 0, out + err)
        self.assertTrue(out.startswith("started faultline-paused-"), out)
        # Nothing to resume any more: refused.
        rc, out, err = self.ctl("resume", "--workflow", "paused")
        self.assertEqual((rc, out, err), (2, "", "faultlinectl: the coordinator refused (404 "
                                                 "not_paused): no workflow pause for paused is "
                                                 "in force\n"))

    def test_pause_scopes(self):
        rc, out, err = self.ctl("pause", "--datacenter", "fra02")
        self.assertEqual((rc, out.splitlines()[0]), (0, "paused datacenter fra02"))
        rc, out, err = self.ctl("trigger", "free", "--node", "node-d", "--dry-run")
        self.assertEqual(rc, 2)
        self.assertEqual(out, "dry run: would be deferred: remediation is paused (datacenter "
                              "fra02); retry after 30 s\n")
        rc, out, err = self.ctl("resume", "--scope", "datacenter", "--datacenter", "fra02")
        self.assertEqual((rc, out.splitlines()[0]), (0, "resumed datacenter fra02"))
        rc, out, err = self.ctl("pause", "--scope", "all", "--reason", "maintenance")
        self.assertEqual((rc, out.splitlines()[0]), (0, "paused all: maintenance"))
        rc, out, err = self.ctl("trigger", "free", "--node", "node-a", "--dry-run", "--json")
        self.assertEqual((rc, json.loads(out)["would"]), (2, "deferred"))
        rc, out, err = self.ctl("resume", "--scope", "all")
        self.assertEqual(rc, 0)
        for args, message in [
            (["pause"], "say what: --scope all, --workflow WORKFLOW or --datacenter DC"),
            (["pause", "--scope", "node"], '--scope must be all, workflow or datacenter, not '
                                           '"node"'),
            (["pause", "--scope", "all", "--workflow", "x"],
             "--scope all takes no --workflow or --datacenter"),
            (["resume", "--scope", "all", "--reason", "x"], "takes no --reason"),
            (["pauses", "--scope", "all"], "takes no scope: it lists them all"),
        ]:
            rc, out, err = self.ctl(*args)
            self.assertEqual((rc, err), (1, f"faultlinectl {args[0]}: {message}\n(faultlinectl "
                                            f"{args[0]} --help shows the options)\n"), args)

    # --- workflows, executions ---------------------------------------------------
    def test_workflows_and_executions(self):
        rc, out, err = self.ctl("trigger", "counted", "--node", "node-c", "--json")
        self.assertEqual(rc, 0, err)
        wid = json.loads(out)["workflow_id"]
        self.count("FaultlineWorkflow = 'counted'", 1)
        rc, out, err = self.ctl("workflows")
        self.assertEqual((rc, err), (0, ""))
        lines = out.splitlines()
        self.assertEqual(lines[0].split(), ["WORKFLOW", "TYPE", "QUEUE", "CONSTRAINT", "COUNTED",
                                            "FOR", "COUNT", "LIMIT"])
        counted = [l.split() for l in lines if l.startswith("counted ")]
        self.assertEqual(counted, [["counted", "counted", "node", "maxExecution", "2/1h", "per",
                                    "node", "all", "1", "2"]])
        free = [l.split() for l in lines if l.startswith("free ")]
        self.assertEqual(free, [["free", "RunRunbook", "node", "-", "-", "-", "-"]])
        rc, out, err = self.ctl("workflows", "--json")
        body = json.loads(out)
        w = [x for x in body["workflows"] if x["name"] == "counted"][0]
        self.assertEqual(w["constraints"][0]["count"], 1)
        self.assertEqual(sorted(w), ["constraints", "execution_timeout", "file", "input_fields",
                                     "name", "node_types", "params", "task_queue_target",
                                     "workflow_type"])
        rc, out, err = self.ctl("workflows", "--node", "node-b", "--node-type", "storage",
                                "--datacenter", "ams01", "--json")
        w = [x for x in json.loads(out)["workflows"] if x["name"] == "counted"][0]
        self.assertEqual((w["constraints"][0]["count"], w["constraints"][0]["counted_for"]),
                         (0, "node"))
        rc, out, err = self.ctl("workflows", "--node", "node-b")
        self.assertEqual(rc, 1)
        self.assertIn("--node, --node-type and --datacenter go together", err)

        rc, out, err = self.ctl("executions", "--workflow", "counted", "--node", "node-c")
        self.assertEqual((rc, err), (0, ""))
        lines = out.splitlines()
        self.assertEqual(lines[0].split(), ["WORKFLOW", "ID", "STATUS", "WORKFLOW", "NODE",
                                            "RULE", "STARTED", "CLOSED"])
        self.assertEqual(len(lines), 2, out)
        cells = lines[1].split()
        self.assertEqual(cells[:5] + cells[6:], [wid, "Running", "counted", "node-c",
                                                 "faultlinectl", "-"])
        rc, out, err = self.ctl("executions", "--workflow", "counted", "--json")
        ex = json.loads(out)["executions"]
        self.assertEqual([e["workflow_id"] for e in ex], [wid])
        self.assertEqual(sorted(ex[0]), ["close_time", "datacenter", "node", "node_type", "rule",
                                         "run_id",
                                         "start_time", "status", "task_queue", "workflow",
                                         "workflow_id", "workflow_type"])
        rc, out, err = self.ctl("executions", "--workflow", "counted", "--status", "closed")
        self.assertEqual((rc, out), (0, "no executions\n"))
        rc, out, err = self.ctl("executions", "--limit", "0")
        self.assertEqual(rc, 1)
        self.assertIn('--limit must be a number from 1 to 1000, not "0"', err)

    def test_executions_pages(self):
        for _ in range(3):
            self.assertEqual(self.ctl("trigger", "free", "--node", "node-c")[0], 0)
        self.count("FaultlineWorkflow = 'free' AND FaultlineNode = 'node-c'", 3)
        rc, out, err = self.ctl("executions", "--workflow", "free", "--node", "node-c", "--limit",
                                "2")
        self.assertEqual(rc, 0)
        m = re.search(r"^\(more: add --page-token (\S+)\)$", out, re.M)
        self.assertIsNotNone(m, out)
        rc, out2, err = self.ctl("executions", "--workflow", "free", "--node", "node-c",
                                 "--limit", "2", "--page-token", m.group(1), "--json")
        self.assertEqual(rc, 0)
        self.assertEqual(len(json.loads(out2)["executions"]), 1)

    # --- cancel --------------------------------------------------------------------
    def test_cancel(self):
        rc, out, err = self.ctl("trigger", "free", "--node", "node-a", "--json")
        wid = json.loads(out)["workflow_id"]
        # Not the operator: refused by the coordinator.
        rc, out, err = self.ctl("cancel", wid, "--reason", "x", "--cert-file",
                                f"{self.env.pki}/other.pem", "--key-file",
                                f"{self.env.pki}/other.key")
        self.assertEqual(rc, 2)
        self.assertEqual(err, "faultlinectl: the coordinator refused (403 forbidden): cancelling "
                              "needs a caller named in the uris of a route_rule for POST "
                              f"/v1/executions/{wid}/cancel (allow_public does not cover it); "
                              f"not {OTHER}\n")
        rc, out, err = self.ctl("cancel", wid, "--reason", "disk replaced by hand")
        self.assertEqual((rc, out, err), (0, f"cancelled {wid} (free on node-a): disk replaced "
                                             "by hand\n", ""))
        info = self.describe(wid)
        self.assertEqual(info["status"], "WORKFLOW_EXECUTION_STATUS_TERMINATED")
        term = self.history(wid)[-1]["workflowExecutionTerminatedEventAttributes"]
        self.assertEqual(term["reason"], "disk replaced by hand")
        rc, out, err = self.ctl("cancel", wid, "--reason", "again", "--json")
        self.assertEqual((rc, out), (2, ""))
        self.assertEqual(err, "faultlinectl: the coordinator refused (409 not_running): the "
                              "execution is not running any more\n")
        rc, out, err = self.ctl("cancel", "faultline-free-nosuchkey", "--reason", "x")
        self.assertEqual((rc, err), (2, "faultlinectl: the coordinator refused (404 "
                                        "unknown_execution): no faultline execution has the "
                                        'workflow id "faultline-free-nosuchkey"\n'))
        for args, message in [([wid], "--reason TEXT is required: say why"),
                              (["a/b", "--reason", "x"],
                               '"a/b" is not a faultline workflow id (faultline-WORKFLOW-KEY)'),
                              ([], "which WORKFLOW_ID?")]:
            rc, out, err = self.ctl("cancel", *args)
            self.assertEqual((rc, err), (1, f"faultlinectl cancel: {message}\n(faultlinectl "
                                            "cancel --help shows the options)\n"))
        # JSON shape of a cancel.
        rc, out, err = self.ctl("trigger", "free", "--node", "node-a", "--json")
        wid = json.loads(out)["workflow_id"]
        rc, out, err = self.ctl("cancel", wid, "--reason", "testing", "--json")
        self.assertEqual(rc, 0)
        self.assertEqual(json.loads(out), {"cancelled": wid, "run_id": self.describe(wid)[
            "execution"]["runId"], "workflow": "free", "node": "node-a", "reason": "testing",
            "by": ADMIN})

    # --- explain ------------------------------------------------------------------
    def test_explain(self):
        """The seed's three constraints, walked: all allow, then the
        concurrency one refuses while a run is running, then (the run
        cancelled) the hourly one."""
        path = os.path.join(self.env.workflows_dir, "explained.hcl")

        def row(*cells):
            """A line of the table: columns as wide as their widest cell."""
            widths = [1, 28, 11, 3, 5]
            return "  " + "  ".join(c.ljust(w) for c, w in zip(cells, widths)) + "  " + cells[5]
        header = row("#", "CONSTRAINT", "COUNTED FOR", "NOW", "LIMIT", "VERDICT")
        c1, c2, c3 = ("concurrency 1/15m per node", "maxExecution 1/1h per node",
                      "maxExecution 3/1d per global")
        rc, out, err = self.ctl("explain", "explained", "--node", "node-b")
        self.assertEqual((rc, err), (0, ""))
        lines = out.splitlines()
        self.assertRegex(lines[0], r"^explained for node-b \(storage in ams01\): would start "
                                   r"faultline-explained-[0-9a-f]{32} on task queue node/node-b$")
        self.assertEqual(lines[1:], [
            "  every constraint allows it:",
            "",
            header,
            row("1", c1, "node", "0", "1", "allows"),
            row("2", c2, "node", "0", "1", "allows"),
            row("3", c3, "global", "0", "3", "allows"),
        ])
        rc, out, err = self.ctl("trigger", "explained", "--node", "node-b", "--json")
        wid = json.loads(out)["workflow_id"]
        self.count("FaultlineWorkflow = 'explained' AND ExecutionStatus = 'Running'", 1)
        rc, out, err = self.ctl("explain", "explained", "--node", "node-b")
        self.assertEqual((rc, err), (2, ""))
        self.assertEqual(out.splitlines(), [
            "explained for node-b (storage in ams01): would be rejected",
            f"  decided by constraint 1 of 3: concurrency 1/15m per node ({path}:8)",
            "  because: 1 running in the last 15m per node, limit 1",
            "",
            header,
            row("1", c1, "node", "1", "1", "REJECTS"),
            row("2", c2, "node", "1", "1", "not evaluated"),
            row("3", c3, "global", "1", "3", "not evaluated"),
        ])
        # Cancelled: no longer running, still started within the hour.
        self.assertEqual(self.ctl("cancel", wid, "--reason", "explain test")[0], 0)
        self.count("FaultlineWorkflow = 'explained' AND ExecutionStatus = 'Terminated'", 1)
        rc, out, err = self.ctl("explain", "explained", "--node", "node-b")
        self.assertEqual((rc, err), (2, ""))
        self.assertEqual(out.splitlines()[1:], [
            f"  decided by constraint 2 of 3: maxExecution 1/1h per node ({path}:14)",
            "  because: 1 started in the last 1h per node, limit 1",
            "",
            header,
            row("1", c1, "node", "0", "1", "allows"),
            row("2", c2, "node", "1", "1", "REJECTS"),
            row("3", c3, "global", "1", "3", "not evaluated"),
        ])
        rc, out, err = self.ctl("explain", "explained", "--node", "node-b", "--json")
        self.assertEqual(rc, 2)
        got = json.loads(out)
        self.assertEqual({k: got[k] for k in ("workflow", "node", "node_type", "datacenter",
                                              "would", "reason")},
                         {"workflow": "explained", "node": "node-b", "node_type": "storage",
                          "datacenter": "ams01", "would": "rejected",
                          "reason": "1 started in the last 1h per node, limit 1"})
        self.assertEqual((got["decided_by"]["kind"], got["decided_by"]["index"],
                          got["decided_by"]["constraint"]["line"]), ("constraint", 2, 14))
        self.assertEqual([c["verdict"] for c in got["constraints"]],
                         ["allows", "rejects", "not_evaluated"])
        self.assertEqual(got["answer"]["decision"], "dry_run")
        # Another node of the same kind is not limited by node-b's runs.
        rc, out, err = self.ctl("explain", "explained", "--node", "node-a2")
        self.assertEqual(rc, 0, out)
        self.assertIn(row("3", c3, "global", "1", "3", "allows"), out)
        # A retry of the cancelled run is a duplicate: nothing is evaluated.
        key = wid[len("faultline-explained-"):]
        rc, out, err = self.ctl("explain", "explained", "--node", "node-b", "--idempotency-key",
                                key)
        self.assertEqual((rc, err), (0, ""))
        self.assertTrue(out.startswith(f"explained for node-b (storage in ams01): would be a "
                                       f"duplicate of {wid}"), out)

    def test_explain_pause(self):
        self.assertEqual(self.ctl("pause", "--workflow", "once", "--reason", "look first")[0], 0)
        try:
            rc, out, err = self.ctl("explain", "once", "--node", "node-d")
            self.assertEqual((rc, err), (2, ""))
            lines = out.splitlines()
            self.assertEqual(lines[0], "once for node-d (storage in fra02): would be deferred")
            self.assertRegex(lines[1], r"^  decided by a pause set by " + re.escape(ADMIN) +
                             r" at \S+: remediation is paused \(workflow once\): look first$")
            self.assertEqual(lines[2], "  the constraints are evaluated once the pause is lifted:")
            self.assertTrue(lines[-1].endswith("not evaluated"), out)
        finally:
            self.ctl("resume", "--workflow", "once")

    # --- connection problems ------------------------------------------------------
    def test_unreachable_and_tls(self):
        port = closed_port()
        rc, out, err = self.ctl("workflows", "--url", f"https://127.0.0.1:{port}")
        self.assertEqual((rc, out), (3, ""))
        self.assertTrue(err.startswith(f"faultlinectl: cannot reach the coordinator at "
                                       f"https://127.0.0.1:{port}: "), err)
        rc, out, err = self.ctl("trigger", "free", "--node", "node-a", "--url",
                                f"https://127.0.0.1:{port}")
        self.assertEqual(rc, 3)
        # The coordinator's certificate from a CA we do not trust.
        rc, out, err = self.ctl("pauses", "--ca-file", f"{self.env.pki}/other-ca.pem")
        self.assertEqual(rc, 3)
        self.assertTrue(err.startswith("faultlinectl: cannot reach the coordinator"), err)
        # Our own files: exit 1 before any connection.
        rc, out, err = self.ctl("pauses", "--cert-file", "/nonexistent.pem")
        self.assertEqual((rc, err), (1, 'faultlinectl: cert_file "/nonexistent.pem": No such '
                                        "file or directory\n"))
        # No client certificate: the ACL refuses GETs to anonymous callers.
        nocert = os.path.join(self.tmp, "nocert.hcl")
        with open(nocert, "w") as f:
            f.write(f'coordinator {{\n  url = "{self.url}"\n  ca_file = "{self.env.pki}/ca.pem"\n'
                    "}\n")
        rc, out, err = run("workflows", "--config", nocert)
        self.assertEqual((rc, err), (2, "faultlinectl: the coordinator refused (403 forbidden): "
                                        "GET /v1/workflows needs a client certificate with an "
                                        "allowed SPIFFE ID\n"))
        # A broken faultlinectl.hcl: its problems, exit 1.
        broken = os.path.join(self.tmp, "broken.hcl")
        with open(broken, "w") as f:
            f.write('coordinator {\n  url = "https://x"\n  tiemout = "5s"\n}\n')
        rc, out, err = run("pauses", "--config", broken)
        self.assertEqual((rc, err), (1, f'{broken}:3:3: unknown attribute "tiemout" in block '
                                        '"coordinator"; did you mean "timeout"?\n'))
        rc, out, err = run("pauses", env={"FAULTLINECTL_CONFIG": "/nonexistent.hcl"})
        self.assertEqual((rc, err), (1, "/nonexistent.hcl:1:1: cannot read configuration: No "
                                        "such file or directory\n"))
        # Flags alone, no file.
        rc, out, err = run("pauses", "--url", self.url, "--ca-file", f"{self.env.pki}/ca.pem",
                           "--cert-file", f"{self.env.pki}/admin.pem", "--key-file",
                           f"{self.env.pki}/admin.key", "--json")
        self.assertEqual((rc, err), (0, ""))
        self.assertIn("pauses", json.loads(out))


if __name__ == "__main__":
    unittest.main(verbosity=2)
