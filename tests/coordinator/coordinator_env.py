# SPDX-License-Identifier: Apache-2.0
"""A faultline-coordinator under test: PKI, agent keys, configs, the process,
and an HTTPS client that signs triggers.

Signatures are made by lib/httpsig itself, through `httpsig-tool serve` (one
process signing every request), so the tests exercise one signer and the
interop test exercises the other (http-message-signatures from PyPI).

    env = Environment(tmpdir, binary, httpsig_tool, mkcerts, temporal_http)
    env.write_workflow("global3", 'task_queue_target = "node"\\n...')
    coord = env.start()                       # waits for "listening on"
    st, headers, body = coord.trigger(env.body("global3", "node-a"))
    coord.stop()
"""

import http.client
import json
import os
import re
import signal
import socket
import ssl
import subprocess
import threading
import time
import uuid

# Identities of the client certificates (mkcerts.sh NAME=SAN).
ADMIN = "spiffe://example.com/worker-admin"
OTHER = "spiffe://example.com/other"
CERTS = {
    "admin": "URI:" + ADMIN,
    "other": "URI:" + OTHER,
    "dnsonly": "DNS:node-17",
    "twouris": "URI:spiffe://example.com/a,URI:spiffe://example.com/b",
    "notspiffe": "URI:https://example.com/worker-admin",
    "rogue-admin": "URI:" + ADMIN,  # signed by another CA
}

# Agent signing keys: keyid -> (nodes, node_type, datacenter).
AGENT_KEYS = {
    "node-a": (["node-a", "node-a2"], "storage", "ams01"),
    "node-b": (["node-b"], "storage", "ams01"),
    "node-c": (["node-c"], "gpu", "ams01"),
    "node-d": (["node-d"], "storage", "fra02"),
}

# The seed's server_config exactly as written, plus one rule of our own so
# pauses can be lifted (the seed has no DELETE rule).
SEED_ACL = '''server_config {
    enable_tls = true
    route_rule {
      name  = "global_get"
      method = "GET"
      route_patterns = ["/*"]
      uris = ["spiffe://example.com/worker-admin"]
    }
    route_rule {
      name = "global_post"
      method = "POST"
      route_patterns = ["/*"]
      uris = ["spiffe://example.com/worker-admin"]
      allow_public = true
    }
    route_rule {
      name = "public_access"
      method = "GET"
      route_patterns = ["/metrics"]
      uris = []
      allow_public = true
      skip_log_match = true
    }
    route_rule {
      name = "admin_delete"
      method = "DELETE"
      route_patterns = ["/v1/pause"]
      uris = ["spiffe://example.com/worker-admin"]
    }
}
'''


def run(*argv, **kw):
    return subprocess.run(argv, check=True, capture_output=True, text=True, **kw)


class Signer:
    """`httpsig-tool serve`: one JSON line in, one out."""

    def __init__(self, tool):
        self.proc = subprocess.Popen([tool, "serve"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        self.lock = threading.Lock()

    def sign(self, **request):
        with self.lock:
            self.proc.stdin.write(json.dumps(request) + "\n")
            self.proc.stdin.flush()
            answer = json.loads(self.proc.stdout.readline())
        if "error" in answer:
            raise RuntimeError("signing failed: " + answer["error"])
        return answer

    def close(self):
        self.proc.stdin.close()
        self.proc.wait(timeout=10)
        self.proc.stdout.close()


class Environment:
    def __init__(self, directory, binary, httpsig_tool, mkcerts, temporal_http):
        self.dir = directory
        self.binary = binary
        self.temporal_http = temporal_http
        self.pki = os.path.join(directory, "pki")
        self.workflows_dir = os.path.join(directory, "workflows.d")
        self.state_dir = os.path.join(directory, "state")
        os.makedirs(self.workflows_dir, exist_ok=True)
        run(mkcerts, self.pki, *(f"{n}={san}" for n, san in CERTS.items()))
        self.keys = {}
        for keyid in list(AGENT_KEYS) + ["impostor"]:
            priv = os.path.join(self.pki, keyid + ".ed25519")
            run("openssl", "genpkey", "-algorithm", "ed25519", "-out", priv)
            run("openssl", "pkey", "-in", priv, "-pubout", "-out", priv + ".pub")
            self.keys[keyid] = priv
        self.signer = Signer(httpsig_tool)

    def close(self):
        self.signer.close()

    def write_workflow(self, name, text):
        path = os.path.join(self.workflows_dir, name + ".hcl")
        with open(path + ".tmp", "w") as f:
            f.write(text)
        os.rename(path + ".tmp", path)
        return path

    def config(self, name="coordinator.hcl", extra="", acl=SEED_ACL, temporal_url=None):
        keys = ""
        for keyid, (nodes, node_type, dc) in AGENT_KEYS.items():
            keys += (f'agent_key "{keyid}" {{\n  public_key_file = "{self.keys[keyid]}.pub"\n'
                     f'  nodes = {json.dumps(nodes)}\n  node_type = "{node_type}"\n'
                     f'  datacenter = "{dc}"\n}}\n')
        text = (f'listen = "127.0.0.1:0"\n'
                f'tls {{ ca_file = "{self.pki}/ca.pem"  cert_file = "{self.pki}/server.pem"'
                f'  key_file = "{self.pki}/server.key" }}\n'
                f'temporal {{ url = "{temporal_url or self.temporal_http}" }}\n'
                f'workflows_dir = "{self.workflows_dir}"\n'
                f'state_dir = "{self.state_dir}"\n'
                f'{keys}{extra}{acl}')
        path = os.path.join(self.dir, name)
        with open(path, "w") as f:
            f.write(text)
        return path

    def start(self, config=None, log_name="coordinator.log"):
        return Coordinator(self, config or self.config(), os.path.join(self.dir, log_name))

    @staticmethod
    def key():
        """A fresh idempotency key."""
        return uuid.uuid4().hex

    @staticmethod
    def body(workflow, node, key=None, rule="disk-io-errors", dry_run=None, **extra):
        b = {"node": node, "workflow": workflow, "rule": rule,
             "idempotency_key": key or uuid.uuid4().hex,
             "params": {"device": "sda"}, "event": {"kind": "block_rq_error", "sector": 2048},
             "observed_at": "2026-11-27T03:58:00.123456Z"}
        if dry_run is not None:
            b["dry_run"] = dry_run
        b.update(extra)
        return b


class Coordinator:
    """The daemon, started with `--config`, its stderr in a log file."""

    def __init__(self, env, config, log_path):
        self.env = env
        self.log_path = log_path
        self.log = open(log_path, "w")
        self.proc = subprocess.Popen([env.binary, "--config", config], stdout=self.log,
                                     stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 30
        self.port = None
        while time.monotonic() < deadline and self.port is None:
            m = re.search(r"listening on 127\.0\.0\.1:(\d+)", self.read_log())
            if m:
                self.port = int(m.group(1))
                break
            if self.proc.poll() is not None:
                raise RuntimeError("coordinator exited: " + self.read_log())
            time.sleep(0.02)
        if self.port is None:
            raise RuntimeError("coordinator did not start: " + self.read_log())

    def read_log(self):
        with open(self.log_path) as f:
            return f.read()

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, timeout=20):
        """SIGTERM; returns the exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise
        self.log.close()
        return self.proc.returncode

    # --- HTTPS ---------------------------------------------------------------
    def context(self, cert=None):
        ctx = ssl.create_default_context(cafile=os.path.join(self.env.pki, "ca.pem"))
        if cert:
            ctx.load_cert_chain(os.path.join(self.env.pki, cert + ".pem"),
                                os.path.join(self.env.pki, cert + ".key"))
        return ctx

    def connection(self, cert=None, timeout=30):
        return http.client.HTTPSConnection("127.0.0.1", self.port, context=self.context(cert),
                                           timeout=timeout)

    def request(self, method, path, body=None, headers=None, cert=None, conn=None):
        """One request; returns (status, headers, decoded JSON or text)."""
        c = conn or self.connection(cert)
        try:
            c.request(method, path, body=body, headers=headers or {})
            resp = c.getresponse()
            raw = resp.read()
            hdrs = {k.lower(): v for k, v in resp.getheaders()}
        finally:
            if conn is None:
                c.close()
        try:
            data = json.loads(raw) if raw else None
        except ValueError:
            data = raw.decode(errors="replace")
        return resp.status, hdrs, data

    def signed(self, body, keyid="node-a", key=None, components=None, created=None, nonce=None,
               no_nonce=False, digest=True, content_type="application/json"):
        """Headers and bytes of a signed POST /v1/triggers."""
        raw = body if isinstance(body, str) else json.dumps(body)
        req = {"key": key or self.env.keys[keyid], "keyid": keyid, "method": "POST",
               "uri": f"https://127.0.0.1:{self.port}/v1/triggers", "body": raw,
               "headers": {"Content-Type": content_type}, "digest": digest}
        if components is not None:
            req["components"] = components
        if created is not None:
            req["created"] = created
        if nonce is not None:
            req["nonce"] = nonce
        if no_nonce:
            req["no_nonce"] = True
        sig = self.env.signer.sign(**req)
        headers = {"Content-Type": content_type, "Signature-Input": sig["signature-input"],
                   "Signature": sig["signature"]}
        if sig.get("content-digest"):
            headers["Content-Digest"] = sig["content-digest"]
        return headers, raw.encode()

    def trigger(self, body, keyid="node-a", cert=None, conn=None, **sign):
        headers, raw = self.signed(body, keyid=keyid, **sign)
        return self.request("POST", "/v1/triggers", raw, headers, cert=cert, conn=conn)


def tls_handshake(port, ctx, timeout):
    """Connects and completes a TLS handshake; returns the socket."""
    s = socket.create_connection(("127.0.0.1", port), timeout=timeout)
    return ctx.wrap_socket(s, server_hostname="127.0.0.1")
