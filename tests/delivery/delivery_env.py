# SPDX-License-Identifier: Apache-2.0
"""The agent, the coordinator and Temporal together, for the delivery tests
and benchmarks: a world per test with its own PKI, coordinator (on a fixed
port, so it can go down and come back), workflow config, agent, journal
directory of kernel-form entries, state directory and metrics file.

    w = World(tmp, binaries, temporal_dir, temporal_http, "down")
    w.start_coordinator()
    agent = w.start_agent()
    w.write_lines(range(10))                   # kernel lines "faultline-test down 0"...
    w.wait_started(w.expected_workflow_ids())  # exact set, from Temporal's visibility

The expected workflow ids are computed from the journal files alone
(journalctl's cursor of each line, lib/idempotency.c's derivation, the
coordinator's "faultline-WORKFLOW-KEY"), never from what the agent says.
"""

import json
import os
import re
import signal
import socket
import subprocess
import time

from coordinator_env import Environment  # noqa: E402

NODE = "node-a"
KEY_ID = "node-a"


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def idempotency_key(node, rule, key, identity):
    """lib/idempotency.c: XXH3-128 of node NUL rule NUL key NUL identity NUL,
    hex; computed by xxhsum (Debian's xxhash), not by the code under test."""
    data = b"".join(part.encode() + b"\0" for part in (node, rule, key, identity))
    out = subprocess.run(["xxhsum", "-H2", "-"], input=data, capture_output=True, check=True)
    return out.stdout.split()[0].decode()


class Binaries:
    def __init__(self, agent, coordinator, faultlinectl, httpsig_tool, mkcerts, kernel_journal):
        self.agent = agent
        self.coordinator = coordinator
        self.faultlinectl = faultlinectl
        self.httpsig_tool = httpsig_tool
        self.mkcerts = mkcerts
        self.kernel_journal = kernel_journal


class Agent:
    def __init__(self, world, log_name):
        self.world = world
        self.log_path = os.path.join(world.dir, log_name)
        self.log = open(self.log_path, "a")
        self.proc = subprocess.Popen([world.bin.agent, "--config", world.agent_config],
                                     stdout=self.log, stderr=subprocess.STDOUT)

    def wait_ready(self, timeout=30):
        """Until its metrics file (written right after READY) is fresh."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"agent exited {self.proc.returncode}:\n{self.read_log()}")
            try:
                if os.stat(self.world.metrics_file).st_mtime >= self.started_at:
                    return
            except FileNotFoundError:
                pass
            time.sleep(0.05)
        raise RuntimeError("agent did not start:\n" + self.read_log())

    def read_log(self):
        with open(self.log_path) as f:
            return f.read()[-5000:]

    def kill(self):
        self.proc.kill()
        self.proc.wait()
        self.log.close()

    def stop(self, timeout=30):
        """SIGTERM; returns the exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.proc.wait(timeout=timeout)
        self.log.close()
        return self.proc.returncode

    def running(self):
        return self.proc.poll() is None


class World:
    def __init__(self, tmp, binaries, temporal, name, workflow_text='task_queue_target = "node"\n',
                 coordinator_extra="", agent_extra="", retry='initial = "200ms"  max = "2s"  '
                 'operator = "2s"', max_in_flight=8, key_id=KEY_ID, signing_key=None):
        self.dir = tmp
        self.bin = binaries
        self.temporal = temporal
        self.name = name
        self.rule = name + "-fault"
        self.workflow = "fault-" + name
        self.env = Environment(tmp, binaries.coordinator, binaries.httpsig_tool, binaries.mkcerts,
                               temporal.http_url)
        self.env.write_workflow(self.workflow, workflow_text)
        self.port = free_port()
        self.coordinator_extra = coordinator_extra
        self.coord = None
        self.journal_dir = os.path.join(tmp, "journal")
        self.state_dir = os.path.join(tmp, "agent-state")
        self.rules_dir = os.path.join(tmp, "rules.d")
        self.metrics_file = os.path.join(tmp, "agent.prom")
        for d in (self.journal_dir, self.state_dir, self.rules_dir):
            os.makedirs(d, exist_ok=True)
        self.write_rule(self.rule, self.workflow, f"faultline-test {name}")
        self.files = 0
        self.key_id = key_id
        pki = self.env.pki
        self.agent_config = os.path.join(tmp, "agent.hcl")
        with open(self.agent_config, "w") as f:
            f.write(f'''node {{ name = "{NODE}" }}
rules_dir = "{self.rules_dir}"
state_dir = "{self.state_dir}"
journal_directory = "{self.journal_dir}"
metrics_file = "{self.metrics_file}"
metrics_interval = "1s"
sources {{
  bpf = false
  sysfs = false
  journal = true
}}
coordinator {{
  url = "https://127.0.0.1:{self.port}"
  ca_file = "{pki}/ca.pem"
  cert_file = "{pki}/other.pem"
  key_file = "{pki}/other.key"
  signing_key_file = "{signing_key or self.env.keys[KEY_ID]}"
  key_id = "{key_id}"
  timeout = "5s"
  max_in_flight = {max_in_flight}
  retry {{ {retry} }}
}}
{agent_extra}
''')

    def close(self):
        if self.coord:
            self.coord.stop()
        self.env.close()

    # --- rules and journal lines ---------------------------------------------
    def write_rule(self, rule, workflow, prefix):
        with open(os.path.join(self.rules_dir, rule + ".hcl"), "w") as f:
            f.write(f'''rule "{rule}" {{
  description = "one firing per test line"
  source = "journal"
  match {{ message = "^{prefix} (?<n>[0-9]+)$" }}
  threshold {{ key = "{{n}}" }}
  workflow = "{workflow}"
  params = {{ n = "{{n}}" }}
}}
''')

    def write_lines(self, numbers, prefix=None):
        """One kernel-form journal file with a line per number, moved into
        the directory the agent follows."""
        self.files += 1
        out = os.path.join(self.journal_dir, f"test-{self.files:04d}.journal")
        text = "".join(f"{prefix or 'faultline-test ' + self.name} {n}\n" for n in numbers)
        subprocess.run([self.bin.kernel_journal, out], input=text, text=True, check=True,
                       capture_output=True)
        return out

    def journal_lines(self):
        """(cursor, message) of every entry in the journal directory."""
        p = subprocess.run(["journalctl", "--directory", self.journal_dir, "-o", "json",
                            "--no-pager", "--output-fields=MESSAGE"], capture_output=True,
                           text=True, check=True)
        return [(e["__CURSOR"], e["MESSAGE"]) for e in map(json.loads, p.stdout.splitlines())]

    def expected_workflow_ids(self, rule=None, workflow=None, prefix=None):
        """The workflow ids the lines must start: one per line, derived
        independently of the agent."""
        rule, workflow = rule or self.rule, workflow or self.workflow
        pattern = re.compile("^" + re.escape(prefix or f"faultline-test {self.name}") +
                             r" ([0-9]+)$")
        ids = set()
        for cursor, message in self.journal_lines():
            m = pattern.match(message)
            if m:
                ids.add(f"faultline-{workflow}-" +
                        idempotency_key(NODE, rule, m.group(1), cursor))
        return ids

    # --- the coordinator -------------------------------------------------------
    def coordinator_config(self, extra=""):
        path = self.env.config(extra=self.coordinator_extra + extra)
        with open(path) as f:
            text = f.read()
        text = text.replace('listen = "127.0.0.1:0"', f'listen = "127.0.0.1:{self.port}"')
        with open(path, "w") as f:
            f.write(text)
        return path

    def start_coordinator(self, extra=""):
        self.coord = self.env.start(self.coordinator_config(extra),
                                    log_name=f"coordinator-{int(time.time() * 1000)}.log")
        return self.coord

    def stop_coordinator(self):
        rc = self.coord.stop()
        self.coord = None
        return rc

    # --- the agent -------------------------------------------------------------
    def start_agent(self, log_name="agent.log", wait=True):
        a = Agent(self, log_name)
        a.started_at = time.time() - 0.01
        if wait:
            a.wait_ready()
        return a

    def outbox(self):
        p = subprocess.run([self.bin.faultlinectl, "outbox", "--json", "--state-dir",
                            self.state_dir], capture_output=True, text=True, check=True)
        return json.loads(p.stdout)

    def metric(self, sample):
        """A sample of the agent's metrics file (0 when absent)."""
        try:
            with open(self.metrics_file) as f:
                for line in f:
                    name, _, value = line.rpartition(" ")
                    if name == sample:
                        return float(value)
        except FileNotFoundError:
            pass
        return 0.0

    # --- Temporal --------------------------------------------------------------
    def started(self, rule=None):
        """Workflow ids of every run Temporal lists for this node and rule
        (a list: a second run of one id would show twice)."""
        q = f"FaultlineNode = '{NODE}' AND FaultlineRule = '{rule or self.rule}'"
        return [e["execution"]["workflowId"] for e in self.temporal.list(q)]

    def wait_started(self, expected, rule=None, timeout=120):
        """Until Temporal lists `expected` (or the timeout); returns the list."""
        deadline = time.monotonic() + timeout
        while True:
            got = self.started(rule)
            if (len(got) >= len(expected) and set(got) >= expected) or \
                    time.monotonic() >= deadline:
                return got
            time.sleep(0.5)


def journal_entries(message_id, since=None, **fields):
    """Entries of the (private) journal with this MESSAGE_ID and fields."""
    subprocess.run(["journalctl", "--sync"], check=False)
    args = ["journalctl", "-o", "json", "--no-pager", f"MESSAGE_ID={message_id}"]
    args += [f"{k}={v}" for k, v in fields.items()]
    if since:
        args += ["--since", since]
    p = subprocess.run(args, capture_output=True, text=True)
    return [json.loads(line) for line in p.stdout.splitlines()]
