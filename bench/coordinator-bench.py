#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Sets up faultline-coordinator against the Temporal dev server that
`python3 -m flharness temporal run` started (FL_TEMPORAL_HTTP), then runs
build/bench/bench-coordinator on two paths (scripts/bench.d/coordinator.sh):

  rejected  triggers refused by a constraint (a global maxExecution = 1 that
            the first trigger used up): signature, replay cache, body,
            binding and a decision from the cached visibility listing, no
            Temporal call per request
  started   triggers that start a workflow: a fresh visibility count and a
            Temporal start each, spread over 1000 nodes (a per-node limit)

    coordinator-bench.py BUILD_DIR [SECONDS]
"""
import json
import os
import subprocess
import sys
import tempfile

SOURCE = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(SOURCE, "tests", "coordinator"))
from coordinator_env import Environment  # noqa: E402

build = os.path.abspath(sys.argv[1])
seconds = sys.argv[2] if len(sys.argv) > 2 else "10"
connections = os.environ.get("FL_BENCH_CONNECTIONS", "8")
nodes = [f"bench-{i}" for i in range(1000)]

with tempfile.TemporaryDirectory(prefix="flbench-coordinator.") as tmp:
    env = Environment(tmp, os.path.join(build, "faultline-coordinator"),
                      os.path.join(build, "tests", "httpsig-tool"),
                      os.path.join(SOURCE, "tests", "tools", "mkcerts.sh"),
                      os.environ["FL_TEMPORAL_HTTP"])
    env.write_workflow("bench-reject", 'task_queue_target = "node"\nconstraint {\n'
                       '  kind = "maxExecution"\n  value = 1\n  period = "1h"\n'
                       '  is_global = true\n}\n')
    env.write_workflow("bench-start", 'task_queue_target = "node"\nconstraint {\n'
                       '  kind = "maxExecution"\n  value = 500\n  period = "1h"\n}\n')
    key = env.keys["node-a"]
    extra = (f'agent_key "bench" {{\n  public_key_file = "{key}.pub"\n'
             f'  nodes = {json.dumps(nodes)}\n  node_type = "storage"\n  datacenter = "ams01"\n}}\n')
    coord = env.start(env.config(extra=extra))
    try:
        st, _, ans = coord.trigger(env.body("bench-reject", "bench-0"), keyid="bench", key=key)
        assert st == 202, (st, ans)
        common = ["--port", str(coord.port), "--ca", f"{env.pki}/ca.pem",
                  "--cert", f"{env.pki}/admin.pem", "--cert-key", f"{env.pki}/admin.key",
                  "--signing-key", key, "--keyid", "bench", "--seconds", seconds]
        gen = os.path.join(build, "bench", "bench-coordinator")
        status = 0
        status |= subprocess.run([gen, *common, "--workflow", "bench-reject", "--node", "bench-1",
                                  "--connections", connections, "--expect", "409",
                                  "--name", "coordinator_rejected"]).returncode
        # The same with four times the clients in flight: throughput is
        # capped by one core, so latency grows with the queue.
        status |= subprocess.run([gen, *common, "--workflow", "bench-reject", "--node", "bench-1",
                                  "--connections", "32", "--expect", "409",
                                  "--name", "coordinator_rejected_32conn"]).returncode
        status |= subprocess.run([gen, *common, "--workflow", "bench-start",
                                  *[a for n in nodes for a in ("--node", n)],
                                  "--connections", "8", "--expect", "202",
                                  "--name", "coordinator_started"]).returncode
    finally:
        rc = coord.stop()
        env.close()
    sys.exit(status or rc)
