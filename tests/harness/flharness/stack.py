# SPDX-License-Identifier: Apache-2.0
"""The whole faultline loop on this machine, for the demo, the end-to-end tests
and the end-to-end benchmark: the Temporal dev server, faultline-coordinator,
one faultline-worker per node and faultline-agent on the nodes that have one,
with a throw-away PKI, plus real faults (a failing loop device, /dev/kmsg).

Run it inside a private journald (tests/harness/journal-ns.sh): every daemon
then logs there and the agent reads the kernel's log from it.

    with Stack(tmpdir, build_dir, nodes=[Node("node-a", agent=True),
                                          Node("node-b")]) as s:
        disk = s.disk("d1")                    # /dev/loopN on a faultyfs file
        disk.fail([100, 101, 102])             # three real I/O errors
        wid = s.wait_decision("started").get("FAULTLINE_WORKFLOW_ID")
        s.wait_closed(wid)

Layout of the directory:

    pki/            ca.pem, server.pem/.key (coordinator), admin.pem/.key
                    (spiffe://faultline.test/operator), agent-NODE.pem/.key
                    (spiffe://faultline.test/agent/NODE), NODE.ed25519(.pub)
    temporal/       the dev server's database, log and state (flharness)
    coordinator.hcl, coordinator/ (state), coordinator.log
    workflows.d/    the workflow configs in force (default: rules/workflows.d)
    rules.d/        the agent's rules (default: rules/rules.d)
    worker-NODE.hcl, worker-NODE.log
    agent-NODE.hcl, agent-NODE/ (state, metrics), agent-NODE.log
    disk-NAME/      a faultyfs mount and its loop device (tests/tools/diskfault.sh)

Everything is stopped by PID in reverse order by stop(), which also detaches
the loop devices; the caller removes the directory.
"""

import errno
import glob
import http.client
import json
import mmap
import os
import shutil
import ssl
import subprocess
import time
from dataclasses import dataclass

from .journal import Journal
from .ports import LOOPBACK, free_ports, port_open
from .procs import Daemon
from .temporal import TemporalServer

REPO = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
TRUST_DOMAIN = "faultline.test"
ADMIN_ID = f"spiffe://{TRUST_DOMAIN}/operator"

# MESSAGE_IDs (docs/journald.md).
AGENT_FIRED = "6632a8aceeb644e694deb16df5e2a554"
COORD_STARTED = "9ef80e49948d4b14852d7021bc5462e9"
COORD_DECISIONS = {
    "started": COORD_STARTED,
    "duplicate": "db9a15187e52449c8e3a89c83f0a50e0",
    "rejected": "9c2afb132b314572a3b0f68e25444246",
    "deferred": "b4f211a3002f47058a2b7a9afc42a965",
    "dry_run": "df2eddfbdd0945ffb282a90cb10290f8",
    "failed": "e0c186ae321a40d585abd97ae2069813",
}
COORD_FOLDED = "c94508d82bc84ecfaf3f6c64499a7693"

SECTOR = 512


def agent_id(node):
    return f"spiffe://{TRUST_DOMAIN}/agent/{node}"


def hcl_str(s):
    return json.dumps(str(s))


def hcl_list(items):
    return "[" + ", ".join(hcl_str(i) for i in items) + "]"


@dataclass
class Node:
    name: str
    node_type: str = "storage"
    datacenter: str = "ams01"
    agent: bool = False      # run faultline-agent as this node
    worker: bool = True      # run faultline-worker for this node


class StackError(Exception):
    pass


def run(*argv, **kw):
    r = subprocess.run(argv, capture_output=True, text=True, **kw)
    if r.returncode != 0:
        raise StackError(f"{' '.join(argv)} failed ({r.returncode}): {r.stderr.strip()}")
    return r.stdout


class Disk:
    """A loop device whose chosen sectors fail reads with EIO (faultyfs)."""

    def __init__(self, directory, sectors=2048):
        self.directory = directory
        self.script = os.path.join(REPO, "tests", "tools", "diskfault.sh")
        self.device = run(self.script, "setup", directory, "--sectors", str(sectors)).strip()
        self.name = os.path.basename(self.device)

    def read(self, sector):
        """One direct read of `sector`; returns 0, or the errno of a failure."""
        buf = mmap.mmap(-1, mmap.PAGESIZE)  # page-aligned, as O_DIRECT needs
        fd = os.open(self.device, os.O_RDONLY | os.O_DIRECT | os.O_CLOEXEC)
        try:
            os.preadv(fd, [memoryview(buf)[:SECTOR]], sector * SECTOR)
            return 0
        except OSError as e:
            return e.errno
        finally:
            os.close(fd)
            buf.close()

    def fail(self, sectors):
        """Marks `sectors` bad and reads each once: one real I/O error (a
        block_rq_error and a kernel log line) per sector. Returns
        (realtime before the first read, realtime after the last), in us."""
        with open(os.path.join(self.directory, "mnt", "ctl"), "w") as f:
            f.write("bad " + ",".join(str(s) for s in sectors) + "\n")
        t0 = time.clock_gettime_ns(time.CLOCK_REALTIME) // 1000
        for s in sectors:
            err = self.read(s)
            if err != errno.EIO:
                raise StackError(f"reading sector {s} of {self.device} gave "
                                 f"{os.strerror(err) if err else 'no error'}, expected EIO")
        t1 = time.clock_gettime_ns(time.CLOCK_REALTIME) // 1000
        return t0, t1

    def teardown(self):
        if self.directory:
            subprocess.run([self.script, "teardown", self.directory], capture_output=True)
            self.directory = None


class Stack:
    def __init__(self, directory, build_dir, nodes, *, rules_dir=None, rule_files=None,
                 workflows_dir=None, workflow_files=None, temporal_ports=None,
                 coordinator_port=None, dynamic_config=None, agent_retry=("250ms", "2s"),
                 coordinator_extra="", log=None):
        self.dir = os.path.abspath(directory)
        self.build = os.path.abspath(build_dir)
        self.nodes = list(nodes)
        self.rules_src = rules_dir or os.path.join(REPO, "rules", "rules.d")
        self.rule_files = rule_files or {}
        self.workflows_src = workflows_dir or os.path.join(REPO, "rules", "workflows.d")
        self.workflow_files = workflow_files or {}
        self.temporal_ports = temporal_ports
        self.coordinator_port = coordinator_port
        self.dynamic_config = dynamic_config
        self.agent_retry = agent_retry
        self.coordinator_extra = coordinator_extra
        self.log = log or (lambda msg: None)
        self.pki = os.path.join(self.dir, "pki")
        self.journal = Journal()
        self.temporal = None
        self.coordinator = None
        self.workers = {}
        self.agents = {}
        self.disks = []
        self.start_cursor = None
        os.makedirs(self.dir, exist_ok=True)

    # ---- setup ----------------------------------------------------------------
    def binary(self, name):
        path = os.path.join(self.build, name)
        if not os.access(path, os.X_OK):
            raise StackError(f"{path} not found: build first (cmake --build build)")
        return path

    def _write(self, name, text):
        path = os.path.join(self.dir, name)
        with open(path + ".tmp", "w") as f:
            f.write(text)
        os.rename(path + ".tmp", path)
        return path

    def _copy_dir(self, src, name, overrides):
        dst = os.path.join(self.dir, name)
        os.makedirs(dst, exist_ok=True)
        for f in sorted(os.listdir(src)):
            if f.endswith(".hcl") and f not in overrides:
                shutil.copy(os.path.join(src, f), os.path.join(dst, f))
        for f, text in overrides.items():
            if text is None:
                continue
            with open(os.path.join(dst, f), "w") as out:
                out.write(text)
        return dst

    def make_pki(self):
        extra = [f"admin=URI:{ADMIN_ID}"]
        extra += [f"agent-{n.name}=URI:{agent_id(n.name)}" for n in self.nodes if n.agent]
        run(os.path.join(REPO, "tests", "tools", "mkcerts.sh"), self.pki, *extra)
        for n in self.nodes:
            if n.agent:
                key = os.path.join(self.pki, n.name + ".ed25519")
                run("openssl", "genpkey", "-algorithm", "ed25519", "-out", key)
                run("openssl", "pkey", "-in", key, "-pubout", "-out", key + ".pub")
                os.chmod(key, 0o600)

    def coordinator_config(self):
        p = self.pki
        keys = "".join(
            f'agent_key {hcl_str(n.name)} {{\n'
            f'  public_key_file = {hcl_str(os.path.join(p, n.name + ".ed25519.pub"))}\n'
            f'  nodes           = {hcl_list([n.name])}\n'
            f'  node_type       = {hcl_str(n.node_type)}\n'
            f'  datacenter      = {hcl_str(n.datacenter)}\n}}\n'
            for n in self.nodes if n.agent)
        agents = [agent_id(n.name) for n in self.nodes if n.agent]
        return (
            f'# Written by tests/harness/flharness/stack.py\n'
            f'listen = "{LOOPBACK}:{self.coordinator_port}"\n'
            f'tls {{\n  ca_file   = {hcl_str(p + "/ca.pem")}\n'
            f'  cert_file = {hcl_str(p + "/server.pem")}\n'
            f'  key_file  = {hcl_str(p + "/server.key")}\n}}\n'
            f'temporal {{\n  url       = {hcl_str(self.temporal.http_url)}\n'
            f'  namespace = {hcl_str(self.temporal.namespace)}\n}}\n'
            f'workflows_dir = {hcl_str(self.workflows_dir)}\n'
            f'state_dir     = {hcl_str(os.path.join(self.dir, "coordinator"))}\n'
            f'{self.coordinator_extra}'
            f'{keys}'
            f'server_config {{\n  enable_tls = true\n'
            f'  route_rule {{\n    name = "agents"\n    method = "POST"\n'
            f'    route_patterns = ["/v1/triggers"]\n    uris = {hcl_list(agents)}\n  }}\n'
            f'  route_rule {{\n    name = "operators"\n    method = "*"\n'
            f'    route_patterns = ["/*"]\n    uris = {hcl_list([ADMIN_ID])}\n  }}\n'
            f'  route_rule {{\n    name = "monitoring"\n    method = "GET"\n'
            f'    route_patterns = ["/metrics", "/healthz"]\n    allow_public = true\n'
            f'    skip_log_match = true\n  }}\n}}\n')

    def worker_config(self, n):
        return (f'# Written by tests/harness/flharness/stack.py\n'
                f'node {{\n  name       = {hcl_str(n.name)}\n  type       = {hcl_str(n.node_type)}\n'
                f'  datacenter = {hcl_str(n.datacenter)}\n}}\n'
                f'temporal {{\n  address   = {hcl_str(self.temporal.grpc_address)}\n'
                f'  namespace = {hcl_str(self.temporal.namespace)}\n}}\n'
                f'runbooks_dir    = {hcl_str(os.path.join(REPO, "rules", "runbooks"))}\n'
                f'runbook_timeout = "1m"\n'
                f'log_level       = "info"\n')

    def agent_config(self, n):
        p = self.pki
        state = os.path.join(self.dir, "agent-" + n.name)
        return (f'# Written by tests/harness/flharness/stack.py\n'
                f'node {{\n  name       = {hcl_str(n.name)}\n  type       = {hcl_str(n.node_type)}\n'
                f'  datacenter = {hcl_str(n.datacenter)}\n}}\n'
                f'coordinator {{\n'
                f'  url              = "https://{LOOPBACK}:{self.coordinator_port}"\n'
                f'  ca_file          = {hcl_str(p + "/ca.pem")}\n'
                f'  cert_file        = {hcl_str(p + "/agent-" + n.name + ".pem")}\n'
                f'  key_file         = {hcl_str(p + "/agent-" + n.name + ".key")}\n'
                f'  signing_key_file = {hcl_str(p + "/" + n.name + ".ed25519")}\n'
                f'  key_id           = {hcl_str(n.name)}\n'
                f'  timeout          = "10s"\n'
                f'  retry {{\n    initial = "{self.agent_retry[0]}"\n'
                f'    max     = "{self.agent_retry[1]}"\n  }}\n}}\n'
                f'rules_dir  = {hcl_str(self.rules_dir)}\n'
                f'state_dir  = {hcl_str(state)}\n'
                f'sysfs_root = "/sys"\n'
                f'sources {{\n  bpf      = true\n  sysfs    = false\n  journal  = true\n'
                f'  required = true\n}}\n'
                f'metrics_file     = {hcl_str(os.path.join(state, "metrics.prom"))}\n'
                f'metrics_interval = "15s"\n'
                f'log_level        = "info"\n')

    # ---- lifecycle -------------------------------------------------------------
    def start(self):
        """Starts everything; on failure stops what was started and raises."""
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self):
        t0 = time.monotonic()
        self.make_pki()
        self.rules_dir = self._copy_dir(self.rules_src, "rules.d", self.rule_files)
        self.workflows_dir = self._copy_dir(self.workflows_src, "workflows.d",
                                            self.workflow_files)
        self.log(f"PKI and configuration in {self.dir} ({time.monotonic() - t0:.1f} s)")

        grpc, http = self.temporal_ports or (None, None)
        self.temporal = TemporalServer(os.path.join(self.dir, "temporal"), grpc_port=grpc,
                                       http_port=http, dynamic_config=self.dynamic_config)
        self.temporal.start()
        self.log(f"Temporal dev server   pid {self.temporal.pid:<7} gRPC "
                 f"{self.temporal.grpc_address}, HTTP {self.temporal.http_url}")

        if self.coordinator_port is None:
            self.coordinator_port = free_ports(1)[0]
        elif port_open(LOOPBACK, self.coordinator_port):
            raise StackError(f"{LOOPBACK}:{self.coordinator_port} is already in use")
        conf = self._write("coordinator.hcl", self.coordinator_config())
        self.coordinator = Daemon("coordinator", [self.binary("faultline-coordinator"),
                                                  "--config", conf], self.dir)
        self.coordinator.start()
        self.log(f"faultline-coordinator pid {self.coordinator.pid:<7} "
                 f"https://{LOOPBACK}:{self.coordinator_port}")

        for n in self.nodes:
            if not n.worker:
                continue
            conf = self._write(f"worker-{n.name}.hcl", self.worker_config(n))
            w = Daemon(f"worker-{n.name}", [self.binary("faultline-worker"), "--config", conf],
                       self.dir)
            w.start(timeout=60)
            self.workers[n.name] = w
            self.log(f"faultline-worker      pid {w.pid:<7} {n.name}: node/{n.name}, "
                     f"type/{n.datacenter}/{n.node_type}, general/{n.datacenter}")

        # Everything in the kernel log up to here is history: a fresh agent
        # starts after it (its journal cursor), not at the start of the boot.
        self.start_cursor = self.journal.mark()
        for n in self.nodes:
            if n.agent:
                self.start_agent(n.name)

    def node(self, name):
        return next(n for n in self.nodes if n.name == name)

    def start_agent(self, name):
        n = self.node(name)
        state = os.path.join(self.dir, "agent-" + name)
        os.makedirs(state, exist_ok=True)
        cursor = os.path.join(state, "journal.cursor")
        if not os.path.exists(cursor):
            with open(cursor, "w") as f:
                f.write(self.start_cursor + "\n")
        conf = self._write(f"agent-{name}.hcl", self.agent_config(n))
        a = self.agents.get(name) or Daemon(f"agent-{name}",
                                            [self.binary("faultline-agent"), "--config", conf],
                                            self.dir)
        a.start(timeout=60)
        self.agents[name] = a
        self.log(f"faultline-agent       pid {a.pid:<7} {name}: rules {self.rules_dir}")
        return a

    def stop_coordinator(self, kill=False):
        return self.coordinator.stop(kill=kill)

    def start_coordinator(self):
        self.coordinator.start()

    def stop(self):
        """Stops everything this stack started, by PID, newest first; detaches
        the loop devices. Safe to call twice."""
        errors = []
        for d in list(self.agents.values()) + list(self.workers.values()) + [self.coordinator]:
            if d is None:
                continue
            try:
                d.stop()
            except Exception as e:  # keep stopping the rest
                errors.append(f"{d.name}: {e}")
        for disk in self.disks:
            disk.teardown()
        if self.temporal is not None:
            try:
                self.temporal.stop()
            except Exception as e:
                errors.append(f"temporal: {e}")
        if errors:
            raise StackError("; ".join(errors))

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    def save_journal(self):
        """Copies the private journal (gone with its namespace) into the
        directory: DIR/journal/ (journalctl -D) and DIR/journal.txt."""
        if not self.start_cursor:
            return
        self.journal.sync()
        dst = os.path.join(self.dir, "journal")
        for src in glob.glob("/run/log/journal/*"):
            shutil.copytree(src, os.path.join(dst, os.path.basename(src)), dirs_exist_ok=True)
        with open(os.path.join(self.dir, "journal.txt"), "w") as f:
            subprocess.run(["journalctl", "--no-pager", "-o", "short-precise",
                            "--after-cursor=" + self.start_cursor], stdout=f, check=False)

    # ---- faults ------------------------------------------------------------------
    def disk(self, name):
        d = Disk(os.path.join(self.dir, "disk-" + name))
        self.disks.append(d)
        return d

    def kmsg(self, line):
        self.journal.kmsg(line)

    # ---- observing -----------------------------------------------------------------
    def firings(self, **match):
        return self.journal.entries(after=self.start_cursor, SYSLOG_IDENTIFIER="faultline-agent",
                                    MESSAGE_ID=AGENT_FIRED, **match)

    def decisions(self, decision=None, **match):
        ids = [COORD_DECISIONS[decision]] if decision else list(COORD_DECISIONS.values())
        return self.journal.entries(after=self.start_cursor,
                                    SYSLOG_IDENTIFIER="faultline-coordinator", MESSAGE_ID=ids,
                                    **match)

    def wait_firings(self, count=1, timeout=20.0, **match):
        return self.journal.wait(count, timeout, after=self.start_cursor,
                                 SYSLOG_IDENTIFIER="faultline-agent", MESSAGE_ID=AGENT_FIRED,
                                 **match)

    def wait_decisions(self, decision, count=1, timeout=20.0, **match):
        return self.journal.wait(count, timeout, after=self.start_cursor,
                                 SYSLOG_IDENTIFIER="faultline-coordinator",
                                 MESSAGE_ID=COORD_DECISIONS[decision], **match)

    def describe(self, workflow_id):
        return self.temporal.describe(workflow_id)

    def wait_closed(self, workflow_id, timeout=30.0):
        """Waits until the workflow is closed; returns its describe answer."""
        deadline = time.monotonic() + timeout
        while True:
            d = self.temporal.describe(workflow_id)
            info = d.get("workflowExecutionInfo", {})
            if info.get("closeTime"):
                return d
            if time.monotonic() > deadline:
                raise StackError(f"workflow {workflow_id} still {info.get('status')} "
                                 f"after {timeout:.0f} s")
            time.sleep(0.05)

    def history(self, workflow_id):
        events = []
        token = None
        while True:
            params = {"nextPageToken": token} if token else None
            page = self.temporal.request(
                "GET", f"/workflows/{workflow_id}/history", params=params)
            events += page.get("history", {}).get("events", [])
            token = page.get("nextPageToken")
            if not token:
                return events

    # ---- the coordinator's API with the operator's identity ---------------------------
    def admin(self, method, path, body=None, timeout=10.0):
        """One request as spiffe://faultline.test/operator; (status, JSON)."""
        ctx = ssl.create_default_context(cafile=os.path.join(self.pki, "ca.pem"))
        ctx.load_cert_chain(os.path.join(self.pki, "admin.pem"),
                            os.path.join(self.pki, "admin.key"))
        c = http.client.HTTPSConnection(LOOPBACK, self.coordinator_port, context=ctx,
                                        timeout=timeout)
        try:
            raw = json.dumps(body) if body is not None else None
            c.request(method, path, body=raw,
                      headers={"Content-Type": "application/json"} if raw else {})
            resp = c.getresponse()
            data = resp.read()
        finally:
            c.close()
        try:
            return resp.status, json.loads(data) if data else None
        except ValueError:
            return resp.status, data.decode(errors="replace")
