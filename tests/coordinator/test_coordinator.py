#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""faultline-coordinator end to end: the real binary, real TLS, real Temporal.

    test_coordinator.py BINARY HTTPSIG_TOOL MKCERTS [unittest args, e.g. CheckTests]

CheckTests need nothing else. ApiTests need the Temporal dev server that
tests/harness/with-temporal.sh starts (FL_TEMPORAL_HTTP, FL_TEMPORAL_DIR);
JournalTests also a private journald (tests/harness/journal-ns.sh). Without
them the tests skip (exit 77) locally and fail under CI=true. The script
re-executes itself under /opt/faultline-dev/venv for the interop test
(http-message-signatures from PyPI).
"""
import collections
import concurrent.futures
import http.client
import http.server
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import threading
import time
import unittest
import urllib.parse

VENV_PYTHON = "/opt/faultline-dev/venv/bin/python"
HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
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


if os.path.realpath(sys.prefix) != os.path.realpath("/opt/faultline-dev/venv") and \
        os.access(VENV_PYTHON, os.X_OK):
    os.execv(VENV_PYTHON, [VENV_PYTHON] + sys.argv)

from coordinator_env import ADMIN, AGENT_KEYS, OTHER, SEED_ACL, Environment, tls_handshake  # noqa
from flharness import TemporalServer  # noqa
from flharness.temporal import decode_payload, search_attributes_of  # noqa

BINARY, HTTPSIG_TOOL, MKCERTS = sys.argv[1:4]
del sys.argv[1:4]

SEED_WORKFLOW = open(os.path.join(SOURCE, "tests/data/seed/workflow-constraints.hcl")).read()


def workflow(constraints="", target="node", **attrs):
    text = f'task_queue_target = "{target}"\n'
    for k, v in attrs.items():
        text += f"{k} = {v}\n"
    return text + constraints


def constraint(kind, value, period, scope=None, is_global=None):
    text = f'constraint {{\n  kind = "{kind}"\n  value = {value}\n  period = "{period}"\n'
    if scope:
        text += f'  scope = "{scope}"\n'
    if is_global is not None:
        text += f"  is_global = {'true' if is_global else 'false'}\n"
    return text + "}\n"


# ---------------------------------------------------------------------------
class CheckTests(unittest.TestCase):
    """--check, --version and usage: no Temporal needed."""

    def setUp(self):
        self.tmp = tempfile.mkdtemp(prefix="flcoord-check.")

    def tearDown(self):
        shutil.rmtree(self.tmp, ignore_errors=True)

    def check(self, *args):
        p = subprocess.run([BINARY, *args, "--check"], capture_output=True, text=True, timeout=30)
        return p.returncode, p.stdout, p.stderr

    def write(self, name, text):
        path = os.path.join(self.tmp, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write(text)
        return path

    def test_version_and_usage(self):
        p = subprocess.run([BINARY, "--version"], capture_output=True, text=True)
        self.assertEqual(p.returncode, 0)
        self.assertRegex(p.stdout, r"^faultline \d+\.\d+\.\d+\n$")
        p = subprocess.run([BINARY, "--bogus"], capture_output=True, text=True)
        self.assertEqual(p.returncode, 2)
        self.assertIn("Usage: faultline-coordinator", p.stderr)
        p = subprocess.run([BINARY, "extra"], capture_output=True, text=True)
        self.assertEqual(p.returncode, 2)
        self.assertIn('unexpected argument "extra"', p.stderr)

    def test_seed_acl_as_written(self):
        """The seed's server_config decodes as written; what --check still
        reports is the default TLS files this machine does not have."""
        seed = os.path.join(SOURCE, "tests/data/seed/coordinator-acl.hcl")
        wf = self.write("wf/ok.hcl", 'task_queue_target = "node"\n')
        rc, out, err = self.check("--config", seed, "--workflows-dir", os.path.dirname(wf))
        self.assertEqual(rc, 1)
        self.assertEqual(out, "")
        self.assertEqual(err, f"{seed}:1:1: tls.cert_file: No such file or directory\n")

    def test_valid_configuration(self):
        env_pki = os.path.join(self.tmp, "pki")
        subprocess.run([MKCERTS, env_pki], check=True)
        subprocess.run(["openssl", "genpkey", "-algorithm", "ed25519", "-out",
                        os.path.join(self.tmp, "k")], check=True, capture_output=True)
        subprocess.run(["openssl", "pkey", "-in", os.path.join(self.tmp, "k"), "-pubout", "-out",
                        os.path.join(self.tmp, "k.pub")], check=True)
        seed_node = SEED_WORKFLOW.replace('"<target>"', '"node"')
        self.write("workflows.d/workflow-constraints.hcl", seed_node)
        for name in os.listdir(os.path.join(SOURCE, "rules/workflows.d")):
            shutil.copy(os.path.join(SOURCE, "rules/workflows.d", name),
                        os.path.join(self.tmp, "workflows.d", name))
        cfg = self.write("coordinator.hcl",
                         'tls { ca_file = "pki/ca.pem"  cert_file = "pki/server.pem"  '
                         'key_file = "pki/server.key" }\n'
                         'workflows_dir = "workflows.d"\nstate_dir = "state"\n'
                         'agent_key "k" {\n  public_key_file = "k.pub"\n  nodes = ["n"]\n'
                         '  node_type = "t"\n  datacenter = "d"\n}\n' + SEED_ACL)
        rc, out, err = self.check("--config", cfg)
        self.assertEqual((rc, out, err), (0, "", ""))

        # The seed as written: the placeholder is reported, exactly that.
        self.write("workflows.d/workflow-constraints.hcl", SEED_WORKFLOW)
        rc, out, err = self.check("--config", cfg)
        self.assertEqual(rc, 1)
        self.assertEqual(err, os.path.join(self.tmp, "workflows.d/workflow-constraints.hcl") +
                         ':1:21: task_queue_target "<target>" is a placeholder: write "node" '
                         "(the failing node's queue), \"node_type\" or \"general\"\n")

    def test_every_problem_in_one_run(self):
        pki = os.path.join(self.tmp, "pki")
        subprocess.run([MKCERTS, pki], check=True)
        self.write("workflows.d/a.hcl", 'task_queue_target = "nowhere"\n')
        self.write("workflows.d/b.hcl",
                   'task_queue_target = "node"\n' + constraint("concurency", '"x"', "1h"))
        self.write("workflows.d/ignored.txt", "not a workflow")
        self.write("state/pause.json", "{broken")
        cfg = self.write("c.hcl",
                         'tls { ca_file = "pki/ca.pem"  cert_file = "pki/server.pem"  '
                         'key_file = "pki/ca.pem" }\n'
                         'temporal {\n  url = "https://t:1"\n  ca_file = "missing.pem"\n}\n'
                         'workflows_dir = "workflows.d"\nstate_dir = "state"\n')
        rc, out, err = self.check("--config", cfg)
        self.assertEqual(rc, 1)
        t = self.tmp
        self.assertEqual(err.splitlines(), [
            f"{cfg}:1:72: tls.key_file: no usable PEM private key (unsupported)",
            f"{cfg}:4:13: temporal.ca_file \"{t}/missing.pem\": No such file or directory",
            f"{t}/state/pause.json:1:7: invalid pause state: string or '}}' expected near 'broken'",
            f"{t}/workflows.d/a.hcl:1:21: invalid value \"nowhere\" for \"task_queue_target\" "
            "(expected one of: \"node\", \"node_type\", \"general\")",
            f"{t}/workflows.d/b.hcl:4:11: \"value\" must be a whole number from 1 to 500, "
            "not \"x\"",
        ])

    def test_notify_watchdog_and_stop(self):
        """Type=notify: READY=1 once listening, STATUS=, WATCHDOG=1 at half
        WatchdogSec, STOPPING=1 and exit 0 on SIGTERM; no Temporal needed."""
        env = Environment(self.tmp, BINARY, HTTPSIG_TOOL, MKCERTS, "http://127.0.0.1:1")
        try:
            env.write_workflow("w", 'task_queue_target = "node"\n')
            path = os.path.join(self.tmp, "notify")
            sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
            sock.bind(path)
            sock.settimeout(10)
            os.environ["NOTIFY_SOCKET"] = path
            os.environ["WATCHDOG_USEC"] = "200000"
            try:
                coord = env.start()
            finally:
                del os.environ["NOTIFY_SOCKET"], os.environ["WATCHDOG_USEC"]
            got = []
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and got.count("WATCHDOG=1") < 3:
                got += sock.recv(4096).decode().split("\n")
            self.assertIn("READY=1", got)
            self.assertGreaterEqual(got.count("WATCHDOG=1"), 3)
            status = [g for g in got if g.startswith("STATUS=")]
            self.assertTrue(status[0].startswith("STATUS=serving: 1 workflows, 0 pauses, "
                                                 "Temporal available, 0 pending"), status)
            self.assertEqual(coord.stop(), 0)
            rest = []
            sock.settimeout(0.5)
            try:
                while True:
                    rest += sock.recv(4096).decode().split("\n")
            except socket.timeout:
                pass
            self.assertIn("STOPPING=1", rest)
            self.assertIn("Temporal at http://127.0.0.1:1 is not usable yet", coord.read_log())
            self.assertIn("faultline-coordinator stopped", coord.read_log())
            sock.close()
        finally:
            env.close()

    def test_unreadable(self):
        rc, out, err = self.check("--config", os.path.join(self.tmp, "none.hcl"))
        self.assertEqual(rc, 1)
        self.assertEqual(err, f"{self.tmp}/none.hcl:1:1: cannot read configuration: "
                              "No such file or directory\n")


class FaultyTemporal:
    """A proxy in front of the Temporal dev server's HTTP API that answers the
    calls of the kinds in `fail` ("count", "list", "start") with a chosen
    error instead of forwarding them, and counts the calls of each kind."""

    def __init__(self, upstream):
        self.upstream = urllib.parse.urlsplit(upstream)
        self.fail = {}  # kind -> (HTTP status, google.rpc.Status body)
        self.seen = collections.Counter()
        self.lock = threading.Lock()
        proxy = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def do_GET(self):
                proxy.handle(self)

            do_POST = do_GET

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    @staticmethod
    def kind(method, target):
        path = urllib.parse.urlsplit(target).path
        if path.endswith("/workflow-count"):
            return "count"
        if method == "GET" and path.endswith("/workflows"):
            return "list"
        if method == "POST" and "/workflows/" in path:
            return "start"
        return "other"

    def handle(self, h):
        length = int(h.headers.get("Content-Length") or 0)
        body = h.rfile.read(length) if length else None
        kind = self.kind(h.command, h.path)
        with self.lock:
            self.seen[kind] += 1
            failure = self.fail.get(kind)
        if failure:
            status, data = failure[0], json.dumps(failure[1]).encode()
        else:
            conn = http.client.HTTPConnection(self.upstream.hostname, self.upstream.port,
                                              timeout=10)
            try:
                conn.request(h.command, h.path, body=body, headers={
                    k: v for k, v in h.headers.items()
                    if k.lower() in ("content-type", "accept")})
                resp = conn.getresponse()
                status, data = resp.status, resp.read()
            finally:
                conn.close()
        h.send_response(status)
        h.send_header("Content-Type", "application/json")
        h.send_header("Content-Length", str(len(data)))
        h.end_headers()
        h.wfile.write(data)

    def calls(self):
        with self.lock:
            return dict(self.seen)

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def metric_of(coord, series):
    """The value of one series in a coordinator's /metrics (0 when absent)."""
    st, _, text = coord.request("GET", "/metrics")
    for line in text.splitlines():
        if line.startswith(series + " "):
            return float(line.split()[-1])
    return 0.0


def checks(coord, workflow):
    """faultline_coordinator_constraint_checks_total of a workflow, by path."""
    return {p: metric_of(coord, f'faultline_coordinator_constraint_checks_total{{'
                                f'workflow="{workflow}",path="{p}"}}')
            for p in ("cache", "count", "list")}


# ---------------------------------------------------------------------------
class Base(unittest.TestCase):
    env = None
    coord = None
    temporal = None

    @classmethod
    def setUpClass(cls):
        http = os.environ.get("FL_TEMPORAL_HTTP")
        require(http is not None, "the Temporal dev server (tests/harness/with-temporal.sh)")
        cls.tmp = tempfile.mkdtemp(prefix="flcoord.")
        cls.temporal = TemporalServer(os.environ["FL_TEMPORAL_DIR"])
        cls.env = Environment(cls.tmp, BINARY, HTTPSIG_TOOL, MKCERTS, http)
        cls.write_workflows()
        cls.coord = cls.env.start(cls.env.config(extra=cls.extra_config()))

    @classmethod
    def tearDownClass(cls):
        if cls.coord:
            rc = cls.coord.stop()
            log = cls.coord.read_log()
            # A clean stop, and nothing the sanitizers complained about.
            assert rc == 0, f"coordinator exited {rc}:\n{log[-3000:]}"
            assert "ERROR: AddressSanitizer" not in log and "runtime error" not in log, log
        if cls.env:
            cls.env.close()
        shutil.rmtree(cls.tmp, ignore_errors=True)

    @classmethod
    def extra_config(cls):
        return ('header_timeout = "1s"\nidle_timeout = "2s"\nreject_cache = "500ms"\n'
                'fold_interval = "1s"\nretry_after = "30s"\n')

    @classmethod
    def write_workflows(cls):
        pass

    def count(self, workflow, expected, extra=""):
        """Waits for visibility to show `expected` runs of a workflow config."""
        q = f"FaultlineWorkflow = '{workflow}'{extra}"
        return self.temporal.wait_count(q, expected, timeout=15)

    def assertDecision(self, answer, status, decision):
        st, headers, body = answer
        self.assertEqual((st, body.get("decision") if isinstance(body, dict) else body),
                         (status, decision), f"answer: {st} {body}")
        return body

    def assertError(self, answer, status, error, message=None):
        st, headers, body = answer
        self.assertEqual(st, status, f"answer: {st} {body}")
        self.assertEqual(body["error"], error, f"answer: {body}")
        if message is not None:
            self.assertEqual(body["message"], message)
        return body


# ---------------------------------------------------------------------------
class ApiTests(Base):
    @classmethod
    def write_workflows(cls):
        e = cls.env
        e.write_workflow("workflow-constraints", SEED_WORKFLOW.replace('"<target>"', '"node"'))
        e.write_workflow("global3", workflow(constraint("maxExecution", 3, "1h", is_global=True)))
        e.write_workflow("once", workflow(constraint("maxExecution", 1, "1h")))
        e.write_workflow("counted", workflow(constraint("maxExecution", 1, "1h")))
        e.write_workflow("conc", workflow(constraint("concurrency", 1, "15m", scope="node")))
        e.write_workflow("per-type", workflow(constraint("maxExecution", 1, "1h",
                                                         scope="node_type")))
        e.write_workflow("per-dc", workflow(constraint("maxExecution", 2, "1h",
                                                       scope="datacenter")))
        e.write_workflow("gpu-only", workflow(node_types='["gpu"]'))
        e.write_workflow("free", workflow(
            workflow_type='"RunRunbook"', params='{ runbook = "x.sh", device = "forced" }',
            execution_timeout='"10m"'))
        e.write_workflow("narrow", workflow(input_fields='["node", "params"]'))
        e.write_workflow("general", workflow(target="general"))
        e.write_workflow("by-type", workflow(target="node_type"))
        e.write_workflow("retries", workflow(constraint("maxExecution", 1, "1h")))
        e.write_workflow("paused", workflow(constraint("maxExecution", 5, "1h")))
        e.write_workflow("dry", workflow(constraint("maxExecution", 1, "1h")))
        e.write_workflow("reload", workflow(constraint("maxExecution", 5, "1h")))
        e.write_workflow("interop", workflow())
        e.write_workflow("down", workflow(constraint("maxExecution", 5, "1h")))
        e.write_workflow("from-alerts", workflow(constraint("maxExecution", 5, "1h")))
        e.write_workflow("paged-dup", workflow(constraint("maxExecution", 1, "1h")))
        e.write_workflow("paged-conc", workflow(constraint("concurrency", 2, "1h")))
        e.write_workflow("roomy", workflow(constraint("concurrency", 20, "15m") +
                                           constraint("maxExecution", 50, "1h")))
        e.write_workflow("fifty", workflow(constraint("maxExecution", 50, "1h",
                                                      is_global=True)))
        e.write_workflow("failcount", workflow(constraint("maxExecution", 2, "1h")))

    @classmethod
    def extra_config(cls):
        # Alerts from the shared fixture name instance 127.0.0.1:19100.
        return super().extra_config() + f'''
agent_key "prometheus-hosts" {{
  public_key_file = "{cls.env.keys["node-a"]}.pub"
  nodes = ["127.0.0.1"]
  node_type = "storage"
  datacenter = "ams01"
}}
alertmanager {{
  callers = ["{ADMIN}"]
  node_label = "instance"
  route "FaultInjected" {{
    workflow = "from-alerts"
    rule = "prometheus"
    params = ["severity", "trial", "missing"]
  }}
}}
'''

    # --- ACL ---------------------------------------------------------------
    def test_acl_seed_matrix(self):
        c = self.coord
        cases = [
            # (method, path, cert, status, error)
            ("GET", "/healthz", "admin", 200, None),
            ("GET", "/healthz", "other", 403, "forbidden"),
            ("GET", "/healthz", None, 403, "forbidden"),
            ("GET", "/v1/workflows", "admin", 200, None),
            ("GET", "/v1/workflows", "other", 403, "forbidden"),
            ("GET", "/metrics", None, 200, None),
            ("GET", "/metrics", "other", 200, None),
            ("GET", "/metrics", "admin", 200, None),
            ("GET", "/nope", "admin", 404, "not_found"),
            ("GET", "/nope", None, 403, "forbidden"),
            ("POST", "/healthz", "admin", 405, "method_not_allowed"),
            ("POST", "/v1/triggers", None, 401, "missing_header"),
            ("POST", "/v1/triggers", "other", 401, "missing_header"),
            ("PUT", "/v1/triggers", "admin", 403, "forbidden"),
            ("DELETE", "/v1/pause", "other", 403, "forbidden"),
        ]
        for method, path, cert, status, error in cases:
            st, headers, body = c.request(method, path, cert=cert,
                                          body=b"{}" if method == "POST" else None)
            self.assertEqual(st, status, f"{method} {path} as {cert}: {body}")
            if error:
                self.assertEqual(body["error"], error, f"{method} {path} as {cert}")
        st, headers, body = c.request("POST", "/healthz", cert="admin", body=b"")
        self.assertEqual(headers["allow"], "GET, HEAD")
        # Denials say why.
        st, _, body = c.request("GET", "/v1/workflows", cert="other")
        self.assertEqual(body["message"], f'{OTHER} may not call GET /v1/workflows '
                                          '(route_rule "global_get")')
        st, _, body = c.request("GET", "/v1/workflows")
        self.assertEqual(body["message"], "GET /v1/workflows needs a client certificate with "
                                          "an allowed SPIFFE ID")
        st, _, body = c.request("PUT", "/v1/triggers", cert="admin")
        self.assertEqual(body["message"], "no access rule covers PUT /v1/triggers")

    def test_acl_malformed_identities(self):
        c = self.coord
        for cert, why in [("dnsonly", "the certificate has no URI SAN"),
                          ("twouris", "the certificate has more than one URI SAN"),
                          ("notspiffe", 'does not start with "spiffe://"')]:
            st, _, body = c.request("GET", "/v1/workflows", cert=cert)
            self.assertEqual(st, 403)
            self.assertEqual(body["message"], "GET /v1/workflows needs a client identity, and "
                                              f"the client certificate has none: {why}")
            # Public routes still work for them.
            st, _, _ = c.request("GET", "/metrics", cert=cert)
            self.assertEqual(st, 200)
        # A certificate from another CA does not get past the handshake.
        with self.assertRaises((ssl.SSLError, ConnectionResetError, BrokenPipeError)):
            c.request("GET", "/metrics", cert="rogue-admin")

    def test_access_log_skips_public_metrics(self):
        c = self.coord
        c.request("GET", "/healthz", cert="admin")
        c.request("GET", "/metrics", cert="admin")
        c.request("GET", "/metrics")
        time.sleep(0.2)
        log = c.read_log()
        self.assertIn(f"GET /healthz 200", log)
        self.assertNotIn("GET /metrics", log)

    # --- signatures ----------------------------------------------------------
    def test_signature_failures(self):
        c, e = self.coord, self.env
        body = e.body("free", "node-a")
        now = int(time.time())
        hdrs, raw = c.signed(body)
        cases = []
        # wrong key: signed with a key the coordinator does not have for node-a
        cases.append(("wrong key", *c.signed(body, key=e.keys["impostor"]), "bad_signature"))
        # tampered body: the digest no longer matches
        cases.append(("tampered body", hdrs, raw.replace(b"sda", b"sdb"),
                      "content_digest_mismatch"))
        # tampered component: a covered header changed after signing
        h2, r2 = c.signed(body)
        h2["Content-Type"] = "application/json; charset=utf-8"
        cases.append(("tampered component", h2, r2, "bad_signature"))
        # tampered digest and body together: the signature covers the digest
        h3, r3 = c.signed(body)
        other = raw.replace(b"sda", b"sdb")
        h3["Content-Digest"] = e.signer.sign(key=e.keys["node-a"], uri="https://x/",
                                             components=["@method"],
                                             body=other.decode())["content-digest"]
        cases.append(("tampered digest", h3, other, "bad_signature"))
        cases.append(("expired", *c.signed(body, created=now - 900), "expired"))
        cases.append(("future", *c.signed(body, created=now + 900), "too_new"))
        cases.append(("missing component",
                      *c.signed(body, components=["@method", "@path", "content-type"]),
                      "missing_component"))
        cases.append(("missing nonce", *c.signed(body, no_nonce=True), "missing_param"))
        cases.append(("unknown key", *c.signed(body, keyid="node-z", key=e.keys["node-a"]),
                      "unknown_key"))
        h4, r4 = c.signed(body)
        del h4["Signature"]
        cases.append(("missing Signature header", h4, r4, "missing_header"))
        h5, r5 = c.signed(body)
        del h5["Signature-Input"], h5["Signature"]
        cases.append(("unsigned", h5, r5, "missing_header"))
        h6, r6 = c.signed(body)
        h6["Signature-Input"] = "sig1=(@method"
        cases.append(("malformed Signature-Input", h6, r6, "malformed_header"))
        h7, r7 = c.signed(body)
        del h7["Content-Digest"]
        cases.append(("covered Content-Digest missing", h7, r7, "unavailable_component"))
        h8, r8 = c.signed(body, digest=False,
                          components=["@method", "@path", "content-type"])
        cases.append(("no content-digest at all", h8, r8, "missing_component"))

        by_error = {}
        for name, headers, data, error in cases:
            st, _, answer = c.request("POST", "/v1/triggers", data, headers)
            self.assertEqual((st, answer.get("error")), (401, error), f"{name}: {answer}")
            by_error.setdefault(error, set()).add(answer["message"])
        # Different failures read differently (the same failure may not: a
        # wrong key and a changed header are the same to Ed25519).
        firsts = [sorted(m)[0] for m in by_error.values()]
        self.assertEqual(len(set(firsts)), len(by_error), by_error)

        # The first request was fine, then replayed.
        self.assertDecision(c.request("POST", "/v1/triggers", raw, hdrs), 202, "started")
        st, _, answer = c.request("POST", "/v1/triggers", raw, hdrs)
        self.assertEqual((st, answer["error"]), (401, "replayed"))
        self.assertRegex(answer["message"], r'^nonce "[^"]+" of key "node-a" was already used')

    def test_interop_http_message_signatures(self):
        """A request signed by the PyPI implementation is accepted."""
        try:
            import requests
            from http_message_signatures import (HTTPMessageSigner, MappingKeyResolver,
                                                 algorithms)
        except ImportError as e:
            require(False, f"Python module {e.name} (http-message-signatures, in the venv)")

        with open(self.env.keys["node-b"], "rb") as f:
            private = f.read()
        with open(self.env.keys["node-b"] + ".pub", "rb") as f:
            public = f.read()
        resolver = MappingKeyResolver(public_keys={"node-b": public},
                                      private_keys={"node-b": private})
        body = json.dumps(self.env.body("interop", "node-b")).encode()
        url = f"https://127.0.0.1:{self.coord.port}/v1/triggers"
        req = requests.Request("POST", url, data=body,
                               headers={"Content-Type": "application/json"}).prepare()
        # The library adds Content-Digest (and covers it) itself from the body.
        HTTPMessageSigner(signature_algorithm=algorithms.ED25519, key_resolver=resolver).sign(
            req, key_id="node-b", nonce=os.urandom(12).hex(), label="sig1", include_alg=True,
            covered_component_ids=("@method", "@authority", "@path", "content-type"), body=body)
        self.assertIn("content-digest", req.headers["Signature-Input"])
        self.assertIn('alg="ed25519"', req.headers["Signature-Input"])
        headers = {k: v for k, v in req.headers.items() if k.lower() != "content-length"}
        answer = self.coord.request("POST", "/v1/triggers", req.body, headers)
        self.assertDecision(answer, 202, "started")
        # The same request again is a replay, whoever signed it.
        st, _, ans = self.coord.request("POST", "/v1/triggers", req.body, headers)
        self.assertEqual((st, ans["error"]), (401, "replayed"))

    # --- binding, workflows, bodies ------------------------------------------------
    def test_binding_and_lookup(self):
        c, e = self.coord, self.env
        self.assertError(c.trigger(e.body("free", "node-b"), keyid="node-a"), 403,
                         "node_not_allowed", 'key "node-a" may not ask for node "node-b"')
        # A key may speak for several nodes.
        self.assertDecision(c.trigger(e.body("free", "node-a2"), keyid="node-a"), 202, "started")
        self.assertError(c.trigger(e.body("missing", "node-a")), 404, "unknown_workflow",
                         'no workflow config "missing"')
        self.assertError(c.trigger(e.body("gpu-only", "node-a")), 403, "workflow_not_allowed",
                         'workflow "gpu-only" does not run for node type "storage"')
        self.assertDecision(c.trigger(e.body("gpu-only", "node-c"), keyid="node-c"), 202,
                            "started")

    def test_operator_keys(self):
        """An operator_key asks for the nodes it lists (or all of them); the
        node type and datacenter are those of the node's agent_key."""
        c, e = self.coord, self.env
        b = e.body("free", "node-c")
        ans = self.assertDecision(c.trigger(b, keyid="alice"), 202, "started")
        info = self.temporal.describe(ans["workflow_id"])["workflowExecutionInfo"]
        sa = search_attributes_of(info)
        self.assertEqual((sa["FaultlineNode"], sa["FaultlineNodeType"],
                          sa["FaultlineDatacenter"]), ("node-c", "gpu", "ams01"))
        memo = {k: decode_payload(v) for k, v in info["memo"]["fields"].items()}
        self.assertEqual((memo["keyid"], memo["source"]), ("alice", "operator"))
        # A node type the workflow does not run for is still refused.
        self.assertError(c.trigger(e.body("gpu-only", "node-a"), keyid="alice"), 403,
                         "workflow_not_allowed",
                         'workflow "gpu-only" does not run for node type "storage"')
        self.assertError(c.trigger(e.body("free", "node-b"), keyid="alice"), 403,
                         "node_not_allowed", 'key "alice" may not ask for node "node-b"')
        # Listed, but no agent_key says what it is: refused, never guessed.
        self.assertError(c.trigger(e.body("free", "node-unbound"), keyid="alice"), 403,
                         "node_not_allowed", 'node "node-unbound" is bound to no agent_key: its '
                                             'node type and datacenter are unknown')
        # all_nodes: any bound node, with that node's binding.
        ans = self.assertDecision(c.trigger(e.body("free", "node-d", dry_run=True),
                                            keyid="oncall"), 200, "dry_run")
        self.assertEqual((ans["input"]["node_type"], ans["input"]["datacenter"]),
                         ("storage", "fra02"))
        self.assertError(c.trigger(e.body("free", "node-zz"), keyid="oncall"), 403,
                         "node_not_allowed", 'node "node-zz" is bound to no agent_key: its '
                                             'node type and datacenter are unknown')
        # Signed with another key than the keyid says: refused like an agent's.
        self.assertError(c.trigger(e.body("free", "node-a"), keyid="oncall",
                                   key=e.keys["alice"]), 401, "bad_signature")
        # An agent key is still bound to its own nodes only.
        self.assertError(c.trigger(e.body("free", "node-c"), keyid="node-a"), 403,
                         "node_not_allowed", 'key "node-a" may not ask for node "node-c"')

    def test_bad_bodies(self):
        c, e = self.coord, self.env
        self.assertError(c.trigger("{not json"), 400, "bad_request",
                         "malformed JSON at line 1 column 4: string or '}' expected near 'not'")
        b = e.body("free", "node-a")
        b["params"] = {"device": 3}
        self.assertError(c.trigger(b), 400, "bad_request", "params.device must be a string, not "
                                                           "a number")
        b = e.body("free", "node-a")
        del b["idempotency_key"]
        self.assertError(c.trigger(b), 400, "bad_request", '"idempotency_key" is required')
        # Unknown members are ignored.
        b = e.body("free", "node-a", future_member={"x": 1})
        self.assertDecision(c.trigger(b), 202, "started")
        # Over the limit: 413 before anything else (the body is not even read whole).
        big = json.dumps(e.body("free", "node-a", pad="x" * 70000))
        st, headers, _ = c.trigger(big)
        self.assertEqual(st, 413)

    # --- decisions -----------------------------------------------------------
    def test_started_workflow_in_temporal(self):
        c, e = self.coord, self.env
        b = e.body("free", "node-a", rule="disk-io-errors")
        ans = self.assertDecision(c.trigger(b), 202, "started")
        self.assertEqual(ans["workflow_id"], f"faultline-free-{b['idempotency_key']}")
        self.assertEqual(ans["task_queue"], "node/node-a")
        info = self.temporal.describe(ans["workflow_id"])["workflowExecutionInfo"]
        self.assertEqual(info["type"]["name"], "RunRunbook")
        self.assertEqual(info["execution"]["runId"], ans["run_id"])
        self.assertEqual(search_attributes_of(info), {
            "FaultlineNode": "node-a", "FaultlineNodeType": "storage",
            "FaultlineDatacenter": "ams01", "FaultlineRule": "disk-io-errors",
            "FaultlineWorkflow": "free"})
        memo = {k: decode_payload(v) for k, v in info["memo"]["fields"].items()}
        self.assertEqual(memo["trigger"], b)
        self.assertEqual(memo["keyid"], "node-a")
        history = self.temporal.request(
            "GET", "/workflows/" + urllib.parse.quote(ans["workflow_id"]) + "/history")
        attrs = history["history"]["events"][0]["workflowExecutionStartedEventAttributes"]
        self.assertEqual(attrs["workflowExecutionTimeout"], "600s")
        want = {"node": "node-a", "node_type": "storage", "datacenter": "ams01",
                "workflow": "free", "rule": "disk-io-errors",
                "idempotency_key": b["idempotency_key"],
                "params": {"device": "forced", "runbook": "x.sh"},  # the config's win
                "event": b["event"], "observed_at": b["observed_at"]}
        payloads = attrs["input"]
        payloads = payloads["payloads"] if isinstance(payloads, dict) else payloads
        self.assertEqual(decode_payload(payloads[0]), want)

    def test_input_fields_and_task_queues(self):
        c, e = self.coord, self.env
        ans = self.assertDecision(c.trigger(e.body("narrow", "node-a", dry_run=True)), 200,
                                  "dry_run")
        self.assertEqual(ans["input"], {"node": "node-a", "params": {"device": "sda"}})
        ans = self.assertDecision(c.trigger(e.body("general", "node-a")), 202, "started")
        self.assertEqual(ans["task_queue"], "general/ams01")
        ans = self.assertDecision(c.trigger(e.body("by-type", "node-d"), keyid="node-d"), 202,
                                  "started")
        self.assertEqual(ans["task_queue"], "type/fra02/storage")
        info = self.temporal.describe(ans["workflow_id"])["workflowExecutionInfo"]
        self.assertEqual(info["taskQueue"], "type/fra02/storage")

    def test_seed_constraints(self):
        """The seed's three: not twice at once within 15m (node), once an hour
        (node), three a day (global)."""
        c, e = self.coord, self.env
        wf = "workflow-constraints"
        first = self.assertDecision(c.trigger(e.body(wf, "node-a")), 202, "started")
        ans = self.assertDecision(c.trigger(e.body(wf, "node-a")), 409, "rejected")
        self.assertEqual(ans["constraint"], {
            "kind": "concurrency", "value": 1, "period": "15m", "scope": "node",
            "file": os.path.join(self.env.workflows_dir, wf + ".hcl"), "line": 8})
        self.assertEqual(ans["reason"], "1 running in the last 15m per node, limit 1")
        # Once it has finished, the hourly limit still refuses.
        self.temporal.terminate(first["workflow_id"])
        self.count(wf, 1, " AND ExecutionStatus = 'Terminated'")
        time.sleep(0.6)  # older than reject_cache: no stale "running" from the cache
        ans = self.assertDecision(c.trigger(e.body(wf, "node-a")), 409, "rejected")
        self.assertEqual((ans["constraint"]["kind"], ans["constraint"]["line"]),
                         ("maxExecution", 14))
        self.assertEqual(ans["reason"], "1 started in the last 1h per node, limit 1")
        # Other nodes, until the global three a day.
        self.assertDecision(c.trigger(e.body(wf, "node-b"), keyid="node-b"), 202, "started")
        self.assertDecision(c.trigger(e.body(wf, "node-c"), keyid="node-c"), 202, "started")
        ans = self.assertDecision(c.trigger(e.body(wf, "node-d"), keyid="node-d"), 409,
                                  "rejected")
        self.assertEqual(ans["constraint"]["scope"], "global")
        self.assertEqual(ans["reason"], "3 started in the last 1d per global, limit 3")
        self.assertEqual(self.count(wf, 3), 3)

    def test_concurrency_frees_when_done(self):
        c, e = self.coord, self.env
        first = self.assertDecision(c.trigger(e.body("conc", "node-b"), keyid="node-b"), 202,
                                    "started")
        self.assertDecision(c.trigger(e.body("conc", "node-b"), keyid="node-b"), 409, "rejected")
        # Other nodes are not affected by a node-scoped limit.
        self.assertDecision(c.trigger(e.body("conc", "node-a")), 202, "started")
        self.temporal.terminate(first["workflow_id"])
        self.count("conc", 1, " AND ExecutionStatus = 'Terminated'")
        time.sleep(0.6)
        # The count plus the coordinator's own start reaches the limit
        # (the start may have ended: a count cannot tell): the listing
        # decides, and allows.
        before = checks(c, "conc")
        self.assertDecision(c.trigger(e.body("conc", "node-b"), keyid="node-b"), 202, "started")
        after = checks(c, "conc")
        self.assertEqual((after["count"], after["list"]), (before["count"], before["list"] + 1))

    def test_node_type_and_datacenter_scopes(self):
        c, e = self.coord, self.env
        # node_type: the same type in the same datacenter.
        self.assertDecision(c.trigger(e.body("per-type", "node-a")), 202, "started")
        ans = self.assertDecision(c.trigger(e.body("per-type", "node-b"), keyid="node-b"), 409,
                                  "rejected")
        self.assertEqual(ans["reason"], "1 started in the last 1h per node_type, limit 1")
        self.assertDecision(c.trigger(e.body("per-type", "node-c"), keyid="node-c"), 202,
                            "started")  # gpu
        self.assertDecision(c.trigger(e.body("per-type", "node-d"), keyid="node-d"), 202,
                            "started")  # storage in fra02
        # datacenter
        self.assertDecision(c.trigger(e.body("per-dc", "node-a")), 202, "started")
        self.assertDecision(c.trigger(e.body("per-dc", "node-c"), keyid="node-c"), 202, "started")
        ans = self.assertDecision(c.trigger(e.body("per-dc", "node-b"), keyid="node-b"), 409,
                                  "rejected")
        self.assertEqual(ans["reason"], "2 started in the last 1h per datacenter, limit 2")
        self.assertDecision(c.trigger(e.body("per-dc", "node-d"), keyid="node-d"), 202,
                            "started")

    def test_concurrent_triggers_global_limit(self):
        """Acceptance: 200 concurrent triggers against a global maxExecution =
        3 start exactly 3."""
        decisions = self.concurrent_triggers("global3", 200)
        self.assertEqual(decisions.count("started"), 3, decisions)
        self.assertEqual(decisions.count("rejected"), 197, decisions)
        self.assertEqual(self.count("global3", 3), 3)
        time.sleep(1)
        self.assertEqual(self.temporal.count("FaultlineWorkflow = 'global3'"), 3)

    def concurrent_triggers(self, workflow, n):
        """n triggers for one workflow from every agent key, sent together."""
        c, e = self.coord, self.env
        keyids = list(AGENT_KEYS)
        requests = []
        for i in range(n):
            keyid = keyids[i % len(keyids)]
            requests.append(c.signed(e.body(workflow, AGENT_KEYS[keyid][0][0]), keyid=keyid))
        barrier = threading.Barrier(50)

        def send(req):
            conn = c.connection()
            conn.connect()  # handshake first, so the requests arrive together
            try:
                barrier.wait(timeout=30)
            except threading.BrokenBarrierError:
                pass
            try:
                return c.request("POST", "/v1/triggers", req[1], req[0], conn=conn)
            finally:
                conn.close()

        with concurrent.futures.ThreadPoolExecutor(max_workers=50) as pool:
            answers = list(pool.map(send, requests))
        return [a[2].get("decision", a[2].get("error")) for a in answers]

    def test_count_first_far_below_limit(self):
        """Far below every limit a decision counts and never lists."""
        c, e = self.coord, self.env
        listings = self.metric("faultline_coordinator_visibility_listings_total")
        counts = self.metric("faultline_coordinator_visibility_counts_total")
        for _ in range(5):
            self.assertDecision(c.trigger(e.body("roomy", "node-c"), keyid="node-c"), 202,
                                "started")
        self.assertEqual(checks(c, "roomy"), {"cache": 0, "count": 5, "list": 0})
        self.assertEqual(self.metric("faultline_coordinator_visibility_listings_total"),
                         listings)
        # One count per constraint and decision.
        self.assertEqual(self.metric("faultline_coordinator_visibility_counts_total"),
                         counts + 10)
        self.assertRegex(c.request("GET", "/metrics")[2],
                         r'faultline_coordinator_temporal_call_duration_seconds_count'
                         r'\{op="count"\} [1-9]')
        self.assertEqual(self.count("roomy", 5), 5)

    def test_count_then_list_near_limit(self):
        """200 concurrent triggers against a global maxExecution = 50: counts
        allow while far enough below the limit, listings decide near it, and
        exactly 50 start."""
        decisions = self.concurrent_triggers("fifty", 200)
        self.assertEqual(decisions.count("started"), 50, decisions)
        self.assertEqual(decisions.count("rejected"), 150, decisions)
        paths = checks(self.coord, "fifty")
        print(f"fifty: decided by {paths}", file=sys.stderr)
        self.assertEqual(sum(paths.values()), 200, paths)
        self.assertGreaterEqual(paths["count"], 45, paths)
        self.assertGreaterEqual(paths["list"], 1, paths)
        self.assertEqual(self.count("fifty", 50), 50)
        time.sleep(1)
        self.assertEqual(self.temporal.count("FaultlineWorkflow = 'fifty'"), 50)

    def test_failing_count_never_allows(self):
        """A count Temporal refuses falls back to the listing; with no listing
        either, or Temporal unavailable, nothing starts."""
        e = self.env
        proxy = FaultyTemporal(e.temporal_http)
        coord = e.start(e.config(name="faulty.hcl", temporal_url=proxy.url), "faulty.log")
        try:
            wf = "failcount"
            proxy.fail["count"] = (500, {"code": 13, "message": "injected count failure"})
            for _ in range(2):
                self.assertDecision(coord.trigger(e.body(wf, "node-a")), 202, "started")
            ans = self.assertDecision(coord.trigger(e.body(wf, "node-a")), 409, "rejected")
            self.assertEqual(ans["reason"], "2 started in the last 1h per node, limit 2")
            paths = checks(coord, wf)
            self.assertEqual((paths["count"], paths["list"] + paths["cache"]), (0, 3), paths)
            self.assertGreaterEqual(proxy.calls()["count"], 2)
            self.assertEqual(self.count(wf, 2), 2)

            # Neither count nor listing: no decision, nothing started.
            proxy.fail["list"] = (500, {"code": 13, "message": "injected list failure"})
            starts = proxy.calls().get("start", 0)
            st, _, ans = coord.trigger(e.body(wf, "node-b"), keyid="node-b")
            self.assertEqual((st, ans["error"]), (503, "temporal_error"), ans)
            self.assertEqual(proxy.calls().get("start", 0), starts)

            # Temporal unavailable for counts: 503 at once, no listing tried.
            del proxy.fail["list"]
            proxy.fail["count"] = (503, {"code": 14, "message": "injected unavailable"})
            before = proxy.calls()
            st, _, ans = coord.trigger(e.body(wf, "node-b"), keyid="node-b")
            self.assertEqual((st, ans["error"]), (503, "temporal_unavailable"), ans)
            after = proxy.calls()
            self.assertGreater(after["count"], before["count"])
            self.assertEqual((after.get("list", 0), after.get("start", 0)),
                             (before.get("list", 0), before.get("start", 0)))
            time.sleep(0.5)
            self.assertEqual(self.temporal.count(
                f"FaultlineWorkflow = '{wf}' AND FaultlineNode = 'node-b'"), 0)
        finally:
            self.assertEqual(coord.stop(), 0)
            proxy.close()
            log = coord.read_log()
            self.assertNotIn("ERROR: AddressSanitizer", log)
            self.assertNotIn("runtime error", log)

    def test_retries_start_one(self):
        """Acceptance: 50 retries of one trigger start exactly one workflow."""
        c, e = self.coord, self.env
        body = e.body("retries", "node-b")
        first = self.assertDecision(c.trigger(body, keyid="node-b"), 202, "started")
        signed = [c.signed(body, keyid="node-b") for _ in range(49)]

        def send(req):
            return c.request("POST", "/v1/triggers", req[1], req[0])

        with concurrent.futures.ThreadPoolExecutor(max_workers=25) as pool:
            answers = list(pool.map(send, signed))
        for st, _, ans in answers:
            self.assertEqual((st, ans["decision"], ans["workflow_id"]),
                             (200, "duplicate", first["workflow_id"]))
        self.assertEqual(self.count("retries", 1), 1)
        # Even once the local record is gone, Temporal's id policy holds:
        # a retry after the run finished is still a duplicate.
        self.temporal.terminate(first["workflow_id"])
        ans = self.assertDecision(c.trigger(body, keyid="node-b"), 200, "duplicate")
        self.assertEqual(ans["workflow_id"], first["workflow_id"])
        time.sleep(0.5)
        self.assertEqual(self.temporal.count("FaultlineWorkflow = 'retries'"), 1)

    def test_dry_run(self):
        c, e = self.coord, self.env
        ans = self.assertDecision(c.trigger(e.body("dry", "node-a", dry_run=True)), 200,
                                  "dry_run")
        self.assertEqual((ans["would"], ans["task_queue"]), ("started", "node/node-a"))
        self.assertEqual(ans["input"]["node_type"], "storage")
        # The binding it was decided for, whatever the input carries.
        self.assertEqual((ans["node"], ans["node_type"], ans["datacenter"]),
                         ("node-a", "storage", "ams01"))
        time.sleep(0.5)
        self.assertEqual(self.temporal.count("FaultlineWorkflow = 'dry'"), 0)
        self.assertDecision(c.trigger(e.body("dry", "node-a")), 202, "started")
        ans = self.assertDecision(c.trigger(e.body("dry", "node-a", dry_run=True)), 200,
                                  "dry_run")
        self.assertEqual(ans["would"], "rejected")
        self.assertEqual(ans["reason"], "1 started in the last 1h per node, limit 1")
        self.assertEqual((ans["node_type"], ans["datacenter"]), ("storage", "ams01"))
        self.assertNotIn("input", ans)
        self.assertEqual(self.count("dry", 1), 1)

    def seed_runs(self, workflow, node, n, terminate=0):
        """n runs of a workflow config started behind the coordinator's back
        (as another coordinator would), the first `terminate` of them closed;
        returns their ids, oldest first."""
        ids = []
        for i in range(n):
            key = self.env.key()
            wid = f"faultline-{workflow}-{key}"
            self.temporal.start_workflow(wid, "RunRunbook", f"node/{node}", search_attributes={
                "FaultlineWorkflow": workflow, "FaultlineNode": node,
                "FaultlineNodeType": "storage", "FaultlineDatacenter": "ams01",
                "FaultlineRule": "r"})
            ids.append((key, wid))
            time.sleep(0.01)  # distinct start times
        for key, wid in ids[:terminate]:
            self.temporal.terminate(wid)
        self.count(workflow, n)
        if terminate:
            self.count(workflow, terminate, " AND ExecutionStatus = 'Terminated'")
        return ids

    def metric(self, series):
        st, _, text = self.coord.request("GET", "/metrics")
        for line in text.splitlines():
            if line.startswith(series + " "):
                return float(line.split()[-1])
        return 0.0

    def test_duplicate_beyond_the_listing_page(self):
        """A retry of a run the (truncated) listing does not show is asked
        for by id: duplicate, not rejected."""
        c, e = self.coord, self.env
        ids = self.seed_runs("paged-dup", "node-b", 4)
        oldest_key, oldest_wid = ids[0]
        describes = self.metric('faultline_coordinator_temporal_calls_total{op="describe",'
                                'result="ok"}')
        ans = self.assertDecision(c.trigger(e.body("paged-dup", "node-b", key=oldest_key),
                                            keyid="node-b"), 200, "duplicate")
        self.assertEqual(ans["workflow_id"], oldest_wid)
        self.assertIn("run_id", ans)
        # The listing (a page of 2) did not show it: the id was described.
        self.assertEqual(self.metric('faultline_coordinator_temporal_calls_total{op="describe",'
                                     'result="ok"}'), describes + 1)
        ans = self.assertDecision(c.trigger(e.body("paged-dup", "node-b"), keyid="node-b"), 409,
                                  "rejected")
        self.assertEqual(ans["reason"], "2 started in the last 1h per node, limit 1")

    def test_allow_counts_every_page(self):
        """concurrency 2: closed runs fill the first page; the coordinator
        reads every page before allowing."""
        c, e = self.coord, self.env
        self.seed_runs("paged-conc", "node-d", 4, terminate=4)
        # Two starts on counts alone, then closed: a count cannot tell that
        # they ended, so the next decision lists.
        own = [self.assertDecision(c.trigger(e.body("paged-conc", "node-d"), keyid="node-d"),
                                   202, "started")["workflow_id"] for _ in range(2)]
        for wid in own:
            self.temporal.terminate(wid)
        self.count("paged-conc", 6, " AND ExecutionStatus = 'Terminated'")
        listings = self.metric("faultline_coordinator_visibility_listings_total")
        self.assertDecision(c.trigger(e.body("paged-conc", "node-d"), keyid="node-d"), 202,
                            "started")
        # A page of 5 (value + own starts + 1) of 6, then every page.
        self.assertGreaterEqual(self.metric("faultline_coordinator_visibility_listings_total"),
                                listings + 2)
        self.assertEqual(checks(c, "paged-conc")["count"], 2)
        self.assertDecision(c.trigger(e.body("paged-conc", "node-d"), keyid="node-d"), 202,
                            "started")
        ans = self.assertDecision(c.trigger(e.body("paged-conc", "node-d"), keyid="node-d"), 409,
                                  "rejected")
        self.assertEqual(ans["reason"], "2 running in the last 1h per node, limit 2")

    # --- pause --------------------------------------------------------------
    def test_pause_resume_and_restart(self):
        c, e = self.coord, self.env
        # The seed's global_post makes POST public; pausing still needs a
        # caller its uris name, and nothing was paused.
        need = ("pausing needs a caller named in the uris of a route_rule for POST /v1/pause "
                "(allow_public does not cover it)")
        body = json.dumps({"scope": "all", "reason": "anyone"})
        self.assertError(c.request("POST", "/v1/pause", body), 403, "forbidden", need)
        self.assertError(c.request("POST", "/v1/pause", body, cert="other"), 403, "forbidden",
                         need + "; not " + OTHER)
        st, _, ans = c.request("GET", "/v1/pause", cert="admin")
        self.assertEqual((st, ans["pauses"]), (200, []))
        st, _, ans = c.request("POST", "/v1/pause", cert="admin", body=json.dumps(
            {"scope": "workflow", "workflow": "paused", "reason": "firmware rollout"}))
        self.assertEqual(st, 200, ans)
        st, headers, ans = c.trigger(e.body("paused", "node-a"))
        self.assertEqual((st, ans["decision"]), (503, "deferred"))
        self.assertEqual(headers["retry-after"], "30")
        self.assertEqual(ans["pause"]["reason"], "firmware rollout")
        self.assertEqual(ans["pause"]["by"], ADMIN)
        self.assertEqual(ans["reason"],
                         "remediation is paused (workflow paused): firmware rollout")
        # Dry runs say what would happen.
        ans = self.assertDecision(c.trigger(e.body("paused", "node-a", dry_run=True)), 200,
                                  "dry_run")
        self.assertEqual(ans["would"], "deferred")
        # Other workflows go on; a datacenter pause stops them there only.
        self.assertDecision(c.trigger(e.body("free", "node-a")), 202, "started")
        st, _, _ = c.request("POST", "/v1/pause", cert="admin",
                             body=json.dumps({"scope": "datacenter", "datacenter": "fra02"}))
        self.assertEqual(st, 200)
        self.assertDecision(c.trigger(e.body("free", "node-d"), keyid="node-d"), 503, "deferred")
        self.assertDecision(c.trigger(e.body("free", "node-b"), keyid="node-b"), 202, "started")

        # Persisted: a second coordinator on the same state reads them.
        other = e.start(e.config(name="second.hcl", extra=self.extra_config()), "second.log")
        try:
            st, _, ans = other.request("GET", "/v1/pause", cert="admin")
            self.assertEqual(sorted(p["scope"] for p in ans["pauses"]),
                             ["datacenter", "workflow"])
            self.assertDecision(other.trigger(e.body("paused", "node-a")), 503, "deferred")
        finally:
            self.assertEqual(other.stop(), 0)

        # Resume: what was deferred proceeds if still allowed.
        body = e.body("paused", "node-a")
        self.assertDecision(c.trigger(body), 503, "deferred")
        st, _, ans = c.request("DELETE", "/v1/pause?scope=workflow&workflow=paused", cert="admin")
        self.assertEqual((st, ans["resumed"]), (200, "workflow"))
        st, _, ans = c.request("DELETE", "/v1/pause?scope=workflow&workflow=paused", cert="admin")
        self.assertEqual((st, ans["error"]), (404, "not_paused"))
        self.assertDecision(c.trigger(body), 202, "started")
        st, _, _ = c.request("DELETE", "/v1/pause", cert="admin",
                             body=json.dumps({"scope": "datacenter", "datacenter": "fra02"}))
        self.assertEqual(st, 200)
        # "all", and a malformed request.
        st, _, _ = c.request("POST", "/v1/pause", cert="admin", body='{"scope": "all"}')
        self.assertEqual(st, 200)
        self.assertDecision(c.trigger(e.body("free", "node-b"), keyid="node-b"), 503, "deferred")
        st, _, _ = c.request("DELETE", "/v1/pause?scope=all", cert="admin")
        self.assertEqual(st, 200)
        self.assertError(c.request("POST", "/v1/pause", cert="admin", body='{"scope": "rack"}'),
                         400, "bad_request",
                         '"scope" must be "all", "workflow" or "datacenter"')

    # --- operator endpoints, metrics -------------------------------------------
    def test_workflows_and_executions(self):
        c, e = self.coord, self.env
        ans = self.assertDecision(c.trigger(e.body("counted", "node-c"), keyid="node-c"), 202,
                                  "started")
        self.count("counted", 1)
        st, _, body = c.request("GET", "/v1/workflows", cert="admin")
        self.assertEqual(st, 200)
        counted = [w for w in body["workflows"] if w["name"] == "counted"][0]
        self.assertEqual(counted["task_queue_target"], "node")
        self.assertEqual(counted["constraints"][0]["count"], 1)
        self.assertEqual(counted["constraints"][0]["counted_for"], "all")
        st, _, body = c.request("GET", "/v1/workflows?node=node-b&node_type=storage"
                                       "&datacenter=ams01", cert="admin")
        counted = [w for w in body["workflows"] if w["name"] == "counted"][0]
        self.assertEqual((counted["constraints"][0]["count"],
                          counted["constraints"][0]["counted_for"]), (0, "node"))
        st, _, body = c.request("GET", "/v1/executions?workflow=counted&node=node-c", cert="admin")
        self.assertEqual(st, 200)
        self.assertEqual([x["workflow_id"] for x in body["executions"]], [ans["workflow_id"]])
        self.assertEqual(body["executions"][0]["status"], "Running")
        st, _, body = c.request("GET", "/v1/executions?workflow=counted&status=closed",
                                cert="admin")
        self.assertEqual(body["executions"], [])
        st, _, body = c.request("GET", "/v1/executions?node=x'y", cert="admin")
        self.assertEqual(st, 400)

    def test_cancel(self):
        """POST /v1/executions/ID/cancel terminates a running faultline
        execution with the reason; only callers a rule names may."""
        c, e = self.coord, self.env
        ans = self.assertDecision(c.trigger(e.body("free", "node-a")), 202, "started")
        wid = ans["workflow_id"]
        path = f"/v1/executions/{wid}/cancel"
        body = json.dumps({"reason": "disk replaced by hand"}).encode()
        # The seed's global_post makes the route public; cancelling still
        # needs a caller its uris name.
        need = ("cancelling needs a caller named in the uris of a route_rule for POST "
                f"{path} (allow_public does not cover it)")
        self.assertError(c.request("POST", path, body), 403, "forbidden", need)
        self.assertError(c.request("POST", path, body, cert="other"), 403, "forbidden",
                         need + "; not " + OTHER)
        for raw, why in [(b"", "the body must be a JSON object with a \"reason\""),
                         (b"[]", "the body must be a JSON object with a \"reason\""),
                         (b"{}", "\"reason\" is required: say why the remediation stops"),
                         (b'{"reason": ""}', "\"reason\" is required: say why the remediation "
                                             "stops"),
                         (json.dumps({"reason": "a\nb"}).encode(),
                          "\"reason\" must be one line of text"),
                         (json.dumps({"reason": "x" * 513}).encode(),
                          "\"reason\" is longer than 512 bytes")]:
            self.assertError(c.request("POST", path, raw, cert="admin"), 400, "bad_request", why)
        st, _, got = c.request("POST", path, body, cert="admin")
        self.assertEqual((st, got), (200, {"cancelled": wid, "run_id": ans["run_id"],
                                           "workflow": "free", "node": "node-a",
                                           "reason": "disk replaced by hand", "by": ADMIN}))
        info = self.temporal.describe(wid)["workflowExecutionInfo"]
        self.assertEqual(info["status"], "WORKFLOW_EXECUTION_STATUS_TERMINATED")
        events = self.temporal.request(
            "GET", "/workflows/" + urllib.parse.quote(wid) + "/history")["history"]["events"]
        term = events[-1]["workflowExecutionTerminatedEventAttributes"]
        self.assertEqual((term["reason"], term["identity"]),
                         ("disk replaced by hand", "faultline-coordinator"))
        # Again: it is not running any more.
        st, _, got = c.request("POST", path, body, cert="admin")
        self.assertEqual((st, got["error"], got["status"]), (409, "not_running", "Terminated"))
        # Unknown ids, and workflows faultline did not start, are out of reach.
        self.assertError(c.request("POST", "/v1/executions/faultline-free-nosuchkey/cancel",
                                   body, cert="admin"), 404, "unknown_execution",
                         'no faultline execution has the workflow id "faultline-free-nosuchkey"')
        self.temporal.start_workflow("someone-elses", "Other", "other-queue")
        self.assertError(c.request("POST", "/v1/executions/someone-elses/cancel", body,
                                   cert="admin"), 404, "unknown_execution")
        self.assertEqual(self.temporal.describe("someone-elses")["workflowExecutionInfo"]
                         ["status"], "WORKFLOW_EXECUTION_STATUS_RUNNING")
        self.temporal.terminate("someone-elses", "test cleanup")
        # Other paths under the prefix are not endpoints.
        for p in ["/v1/executions/x/stop", "/v1/executions//cancel", "/v1/executions/a/b/cancel",
                  "/v1/executions/cancel"]:
            self.assertError(c.request("POST", p, body, cert="admin"), 404, "not_found")
        st, headers, _ = c.request("GET", path, cert="admin")
        self.assertEqual((st, headers["allow"]), (405, "POST"))

    def test_metrics(self):
        c, e = self.coord, self.env
        self.assertDecision(c.trigger(e.body("once", "node-d"), keyid="node-d"), 202, "started")
        self.assertDecision(c.trigger(e.body("once", "node-d"), keyid="node-d"), 409, "rejected")
        st, headers, text = c.request("GET", "/metrics")
        self.assertEqual(st, 200)
        self.assertTrue(headers["content-type"].startswith("text/plain; version=0.0.4"))
        path = os.path.join(self.env.workflows_dir, "once.hcl")
        self.assertRegex(text, r'faultline_coordinator_decisions_total\{workflow="once",'
                               r'decision="started",constraint=""\} [1-9]')
        self.assertIn('faultline_coordinator_decisions_total{workflow="once",decision="rejected",'
                      f'constraint="maxExecution 1/1h per node ({path}:2)"}}', text)
        self.assertRegex(text, r'faultline_coordinator_requests_total\{route="triggers",'
                               r'status="409"\} [1-9]')
        self.assertRegex(text, r'faultline_coordinator_temporal_call_duration_seconds_bucket'
                               r'\{op="start",le="\+Inf"\} [1-9]')
        self.assertRegex(text, r'faultline_coordinator_refusals_total\{error="[a-z_]+"\}')
        self.assertIn("faultline_coordinator_temporal_available 1", text)

    # --- reload -------------------------------------------------------------
    def test_sighup_keeps_last_good(self):
        c, e = self.coord, self.env
        self.assertDecision(c.trigger(e.body("reload", "node-a")), 202, "started")
        # Broken: the previous version (5 an hour) stays in force.
        e.write_workflow("reload", 'task_queue_target = "node"\nconstraint {\n  kind = "x"\n}\n')
        c.signal(signal.SIGHUP)
        time.sleep(0.5)
        self.assertIn("reload.hcl:3:10: invalid value \"x\" for \"kind\"", c.read_log())
        self.assertDecision(c.trigger(e.body("reload", "node-a")), 202, "started")
        # Fixed, and tighter: now one an hour.
        e.write_workflow("reload", workflow(constraint("maxExecution", 1, "1h")))
        c.signal(signal.SIGHUP)
        time.sleep(0.5)
        self.assertDecision(c.trigger(e.body("reload", "node-a")), 409, "rejected")
        # A new file appears, a removed one disappears.
        e.write_workflow("fresh", workflow())
        os.unlink(os.path.join(e.workflows_dir, "reload.hcl"))
        c.signal(signal.SIGHUP)
        time.sleep(0.5)
        self.assertDecision(c.trigger(e.body("fresh", "node-a")), 202, "started")
        self.assertError(c.trigger(e.body("reload", "node-a")), 404, "unknown_workflow")

    # --- slow clients --------------------------------------------------------
    def test_header_and_idle_timeouts(self):
        c = self.coord
        # A request that never completes is cut after header_timeout (1 s).
        s = tls_handshake(c.port, c.context(), timeout=10)
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n")
        started = time.monotonic()
        self.assertEqual(s.recv(1024), b"")
        self.assertLess(time.monotonic() - started, 5)
        s.close()
        # An idle keep-alive connection is closed after idle_timeout (2 s).
        s = tls_handshake(c.port, c.context(), timeout=10)
        s.sendall(b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n")
        data = b""
        while b"# TYPE faultline_coordinator_uptime_seconds" not in data:
            data += s.recv(65536)
        started = time.monotonic()
        while s.recv(65536):
            pass
        self.assertGreater(time.monotonic() - started, 1.0)
        self.assertLess(time.monotonic() - started, 6)
        s.close()

    # --- Alertmanager -----------------------------------------------------------
    def test_alertmanager(self):
        c = self.coord
        with open(os.path.join(SOURCE, "tests/data/alertmanager-webhook-v4.json")) as f:
            payload = json.load(f)
        alert = payload["alerts"][0]
        starts = 1795717098  # 2026-11-26T18:18:18.147Z
        wid = f"faultline-from-alerts-am-{alert['fingerprint']}-{starts}"
        st, _, ans = c.request("POST", "/v1/alertmanager", json.dumps(payload), cert="admin")
        self.assertEqual(st, 200, ans)
        self.assertEqual(len(ans["alerts"]), 1)
        a = ans["alerts"][0]
        self.assertEqual((a["decision"], a["workflow_id"], a["node"], a["alertname"]),
                         ("started", wid, "127.0.0.1", "FaultInjected"))
        info = self.temporal.describe(wid)["workflowExecutionInfo"]
        sa = search_attributes_of(info)
        self.assertEqual((sa["FaultlineNode"], sa["FaultlineRule"], sa["FaultlineDatacenter"]),
                         ("127.0.0.1", "prometheus", "ams01"))
        history = self.temporal.request("GET", "/workflows/" + wid + "/history")
        attrs = history["history"]["events"][0]["workflowExecutionStartedEventAttributes"]
        payloads = attrs["input"]
        payloads = payloads["payloads"] if isinstance(payloads, dict) else payloads
        data = decode_payload(payloads[0])
        self.assertEqual(data["params"], {"severity": "critical", "trial": "a-0-1795717088"})
        self.assertEqual(data["event"]["labels"], alert["labels"])
        self.assertEqual(data["event"]["source"], "alertmanager")
        self.assertEqual(data["observed_at"], alert["startsAt"])
        memo = {k: decode_payload(v) for k, v in info["memo"]["fields"].items()}
        self.assertEqual((memo["caller"], memo["source"]), (ADMIN, "alertmanager"))
        self.assertNotIn("keyid", memo)

        # Alertmanager repeats the group: the same episode is a duplicate.
        st, _, ans = c.request("POST", "/v1/alertmanager", json.dumps(payload), cert="admin")
        self.assertEqual((st, ans["alerts"][0]["decision"]), (200, "duplicate"))
        # Resolved starts nothing; unknown alertnames and nodes are reported.
        more = json.loads(json.dumps(payload))
        more["alerts"] = [dict(alert, status="resolved"),
                          dict(alert, labels=dict(alert["labels"], alertname="Other")),
                          dict(alert, labels=dict(alert["labels"], instance="10.9.9.9:9100"),
                               fingerprint="0123456789abcdef")]
        st, _, ans = c.request("POST", "/v1/alertmanager", json.dumps(more), cert="admin")
        self.assertEqual(st, 200, ans)
        self.assertEqual([x.get("decision", x.get("error")) for x in ans["alerts"]],
                         ["ignored", "ignored", "unknown_node"])
        self.assertEqual(self.count("from-alerts", 1), 1)
        # Authenticated by mTLS identity, whatever the (public POST) ACL says.
        for cert in ("other", None):
            st, _, ans = c.request("POST", "/v1/alertmanager", json.dumps(payload), cert=cert)
            self.assertEqual((st, ans["error"]), (403, "forbidden"))
        st, _, ans = c.request("POST", "/v1/alertmanager",
                               json.dumps(dict(payload, version="3")), cert="admin")
        self.assertEqual((st, ans["error"]), (400, "bad_request"))

    # --- Temporal down ---------------------------------------------------------
    def test_zz_temporal_stopped_then_restarted(self):
        """Temporal unreachable: 503 (the agent retries); back: it works."""
        c, e = self.coord, self.env
        body = e.body("down", "node-b")
        self.temporal.stop(kill=True)
        try:
            st, _, ans = c.trigger(body, keyid="node-b")
            self.assertEqual((st, ans["error"]), (503, "temporal_unavailable"), ans)
            st, _, ans = c.request("GET", "/healthz", cert="admin")
            self.assertEqual(ans["temporal"], "unavailable")
        finally:
            self.temporal.start()
        deadline = time.monotonic() + 30
        while True:
            st, _, ans = c.trigger(body, keyid="node-b")
            if st != 503 or time.monotonic() > deadline:
                break
            time.sleep(0.5)
        self.assertDecision((st, _, ans), 202, "started")
        self.assertEqual(self.count("down", 1), 1)


# ---------------------------------------------------------------------------
class LimitTests(Base):
    """A coordinator with max_connections = 2 and a small replay cache."""

    @classmethod
    def extra_config(cls):
        return ('max_connections = 2\nnonce_cache_size = 1000\nheader_timeout = "5s"\n'
                'idle_timeout = "30s"\n')

    @classmethod
    def write_workflows(cls):
        cls.env.write_workflow("free", workflow())

    def test_max_connections(self):
        c = self.coord
        held = [tls_handshake(c.port, c.context(), timeout=5) for _ in range(2)]
        # The third waits in the listen backlog: no handshake.
        with self.assertRaises((socket.timeout, TimeoutError, ssl.SSLError)):
            tls_handshake(c.port, c.context(), timeout=1).close()
        held.pop().close()
        s = tls_handshake(c.port, c.context(), timeout=5)
        s.close()
        for h in held:
            h.close()

    def test_missing_search_attributes(self):
        """A namespace without FaultlineWorkflow: said at startup."""
        d = os.path.join(self.tmp, "temporal-4")
        t = TemporalServer(d, search_attributes={
            "FaultlineNode": "Keyword", "FaultlineNodeType": "Keyword",
            "FaultlineDatacenter": "Keyword", "FaultlineRule": "Keyword"})
        t.start()
        try:
            coord = self.env.start(self.env.config(name="four.hcl", temporal_url=t.http_url),
                                   "four.log")
            deadline = time.monotonic() + 10
            while "lacks faultline's search attributes" not in coord.read_log() and \
                    time.monotonic() < deadline:
                time.sleep(0.05)
            self.assertEqual(coord.stop(), 0)
            # Temporal's own reason names the one missing.
            self.assertRegex(coord.read_log(), "Temporal namespace default lacks faultline's "
                                               r"search attributes \(.*\): .*FaultlineWorkflow")
        finally:
            t.stop()

    def test_replay_cache_full(self):
        """A full replay cache refuses (429) rather than forget a nonce early."""
        c, e = self.coord, self.env
        conn = c.connection()
        try:
            for i in range(1000):
                st, _, ans = c.trigger(e.body("free", "node-a", dry_run=True), conn=conn)
                self.assertEqual(st, 200, ans)
            st, _, ans = c.trigger(e.body("free", "node-a", dry_run=True), conn=conn)
            self.assertEqual((st, ans["error"]), (429, "overloaded"))
        finally:
            conn.close()


# ---------------------------------------------------------------------------
class JournalTests(Base):
    """Structured entries in a private journald (tests/harness/journal-ns.sh)."""

    @classmethod
    def setUpClass(cls):
        require(os.environ.get("FL_JOURNAL_NS") == "1", "a private journald (journal-ns.sh)")
        super().setUpClass()

    @classmethod
    def write_workflows(cls):
        cls.env.write_workflow("once", workflow(constraint("maxExecution", 1, "1h")))

    def entries(self, **match):
        subprocess.run(["journalctl", "--sync"], check=False)
        args = ["journalctl", "-o", "json", "--no-pager", "SYSLOG_IDENTIFIER=faultline-coordinator"]
        args += [f"{k}={v}" for k, v in match.items()]
        out = subprocess.run(args, capture_output=True, text=True).stdout
        return [json.loads(line) for line in out.splitlines() if line.strip()]

    def test_decisions_and_folding(self):
        c, e = self.coord, self.env
        started = self.assertDecision(c.trigger(e.body("once", "node-a")), 202, "started")
        for _ in range(5):
            self.assertDecision(c.trigger(e.body("once", "node-a")), 409, "rejected")
        st, _, _ = c.trigger(e.body("once", "node-b"), keyid="node-a")  # 403
        self.assertEqual(st, 403)
        time.sleep(1.5)  # the fold interval (1 s) ends
        s = self.entries(MESSAGE_ID="9ef80e49948d4b14852d7021bc5462e9")
        self.assertEqual(len(s), 1)
        self.assertEqual(s[0]["FAULTLINE_WORKFLOW_ID"], started["workflow_id"])
        self.assertEqual(s[0]["FAULTLINE_DECISION"], "started")
        self.assertEqual(s[0]["FAULTLINE_NODE"], "node-a")
        self.assertEqual(s[0]["FAULTLINE_RULE"], "disk-io-errors")
        self.assertEqual(s[0]["FAULTLINE_WORKFLOW"], "once")
        self.assertEqual(s[0]["FAULTLINE_KEYID"], "node-a")
        rejected = self.entries(MESSAGE_ID="9c2afb132b314572a3b0f68e25444246")
        self.assertEqual(len(rejected), 1)
        path = os.path.join(self.env.workflows_dir, "once.hcl")
        self.assertEqual(rejected[0]["FAULTLINE_CONSTRAINT"],
                         f"maxExecution 1/1h per node ({path}:2)")
        folded = self.entries(MESSAGE_ID="c94508d82bc84ecfaf3f6c64499a7693",
                              FAULTLINE_DECISION="rejected")
        self.assertEqual([f["FAULTLINE_FOLDED_COUNT"] for f in folded], ["4"])
        refused = self.entries(MESSAGE_ID="0a1b1e1df5324537969a2e0df3f2b943")
        self.assertEqual(refused[0]["FAULTLINE_ERROR"], "node_not_allowed")
        self.assertEqual(len(self.entries(MESSAGE_ID="71e59f5401744deabfce62adb81fca48")), 1)
        access = self.entries(MESSAGE_ID="12cfd651f16e4421a70ca8bfca6c9037")
        self.assertGreaterEqual(len(access), 7)
        self.assertEqual({a["FAULTLINE_HTTP_PATH"] for a in access}, {"/v1/triggers"})

    def test_zz_cancel_entry(self):
        """Runs last: the decision test counts every started entry."""
        c, e = self.coord, self.env
        ans = self.assertDecision(c.trigger(e.body("once", "node-b"), keyid="node-b"), 202,
                                  "started")
        st, _, _ = c.request("POST", f"/v1/executions/{ans['workflow_id']}/cancel",
                             json.dumps({"reason": "wrong disk"}).encode(), cert="admin")
        self.assertEqual(st, 200)
        got = self.entries(MESSAGE_ID="a59d3a58c3d34f3bbe7a2a03af82030d")
        self.assertEqual(len(got), 1)
        self.assertEqual(
            {k: got[0][k] for k in ("FAULTLINE_WORKFLOW_ID", "FAULTLINE_WORKFLOW",
                                    "FAULTLINE_NODE", "FAULTLINE_CALLER", "FAULTLINE_REASON",
                                    "PRIORITY", "MESSAGE")},
            {"FAULTLINE_WORKFLOW_ID": ans["workflow_id"], "FAULTLINE_WORKFLOW": "once",
             "FAULTLINE_NODE": "node-b", "FAULTLINE_CALLER": ADMIN,
             "FAULTLINE_REASON": "wrong disk", "PRIORITY": "5",
             "MESSAGE": f"cancelled {ans['workflow_id']} (once on node-b) by {ADMIN}: wrong disk"})


if __name__ == "__main__":
    unittest.main(verbosity=2)
