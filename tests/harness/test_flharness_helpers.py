# SPDX-License-Identifier: Apache-2.0
"""The pure helpers of the whole-loop harness: time conversions, percentiles,
journal cursors, payload decoding, HCL quoting, the bench's configurations.
Needs nothing but python3 (ctest flharness-helpers, label unit)."""

import base64
import json
import os
import subprocess
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from flharness.bench import BENCH_LIMITS, BENCH_RULE, BENCH_WORKFLOW, percentile  # noqa: E402
from flharness.journal import seqnum  # noqa: E402
from flharness.stack import Stack, Node, agent_id, hcl_list, hcl_str  # noqa: E402
from flharness.timeline import first_payload, kernel_usec, rfc3339_usec  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("FL_BUILD_DIR") or os.path.join(REPO, "build")


class TimeTests(unittest.TestCase):
    def test_rfc3339(self):
        cases = [
            ("1970-01-01T00:00:00Z", 0),
            ("1970-01-01T00:00:01.5Z", 1500000),
            ("2026-11-27T05:46:24.723370Z", 1795758384723370),
            ("2026-11-27T05:46:24.723370123Z", 1795758384723370),   # Temporal: nanoseconds
            ("2026-11-27T05:46:24.7Z", 1795758384700000),
            ("2026-11-27T05:46:24+00:00", 1795758384000000),
        ]
        for text, usec in cases:
            with self.subTest(text=text):
                self.assertEqual(rfc3339_usec(text), usec)

    def test_kernel_usec(self):
        self.assertEqual(kernel_usec("bpf:7add160ff7e04b33bbf0c5c548bd7fa9:6624047890090:0", 10),
                         6624047890 + 10)
        self.assertIsNone(kernel_usec("s=8b77;i=78c;b=7add;m=18ad2f3bc", 10))
        self.assertIsNone(kernel_usec("sysfs:edac:mc0", 10))


class PercentileTests(unittest.TestCase):
    def test_nearest_rank(self):
        values = list(range(1, 101))
        self.assertEqual(percentile(values, 50), 50)
        self.assertEqual(percentile(values, 99), 99)
        self.assertEqual(percentile(values, 100), 100)
        self.assertEqual(percentile(list(range(1, 51)), 99), 50)   # 50 samples: the maximum
        self.assertEqual(percentile([3.0], 50), 3.0)
        self.assertEqual(percentile([5, 1, 4, 2, 3], 50), 3)      # unsorted input


class CursorTests(unittest.TestCase):
    def test_seqnum(self):
        c = "s=8b771aef73e54f58a8f8cb40a350904b;i=78c;b=7add;m=18ad2f3bc;t=6613b9409afc2;x=a9"
        self.assertEqual(seqnum(c), ("8b771aef73e54f58a8f8cb40a350904b", 0x78c))
        self.assertLess(seqnum(c.replace("i=78c", "i=78b"))[1], seqnum(c)[1])


class PayloadTests(unittest.TestCase):
    def test_first_payload(self):
        encoded = {"metadata": {"encoding": base64.b64encode(b"json/plain").decode()},
                   "data": base64.b64encode(json.dumps({"node": "node-a"}).encode()).decode()}
        self.assertEqual(first_payload({"result": {"payloads": [encoded]}}, "result"),
                         {"node": "node-a"})
        self.assertEqual(first_payload({"result": [{"node": "node-a"}]}, "result"),
                         {"node": "node-a"})
        self.assertIsNone(first_payload({}, "result"))
        self.assertIsNone(first_payload({"result": {"payloads": []}}, "result"))


class ConfigTests(unittest.TestCase):
    """The generated configurations pass the daemons' own --check."""

    def test_quoting(self):
        self.assertEqual(hcl_str('a "b"\\c'), '"a \\"b\\"\\\\c"')
        self.assertEqual(hcl_list(["x", "y"]), '["x", "y"]')
        self.assertEqual(agent_id("node-a"), "spiffe://faultline.test/agent/node-a")

    def check(self, binary, *args):
        path = os.path.join(BUILD, binary)
        if not os.access(path, os.X_OK):
            self.skipTest(f"{path} is not built")
        r = subprocess.run([path, *args, "--check"], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_bench_files_valid(self):
        with tempfile.TemporaryDirectory() as d:
            rules = os.path.join(d, "rules.d")
            os.makedirs(rules)
            with open(os.path.join(rules, "bench.hcl"), "w") as f:
                f.write(BENCH_RULE.format(disk="loop7", workflow="bench-free"))
            agent = os.path.join(d, "agent.hcl")
            with open(agent, "w") as f:
                f.write(f'node {{ name = "n" type = "t" datacenter = "d" }}\n'
                        f'rules_dir = "{rules}"\nstate_dir = "{d}"\n')
            self.check("faultline-agent", "--config", agent)
            wf = os.path.join(d, "workflows.d")
            os.makedirs(wf)
            for name, text in (("bench-free", BENCH_WORKFLOW),
                               ("bench-limited", BENCH_WORKFLOW + BENCH_LIMITS)):
                with open(os.path.join(wf, name + ".hcl"), "w") as f:
                    f.write(text)
            coord = os.path.join(d, "coordinator.hcl")
            with open(coord, "w") as f:
                f.write(f'listen = "127.0.0.1:0"\nworkflows_dir = "{wf}"\n'
                        f'tls {{ ca_file = "{d}/ca.pem" cert_file = "{d}/s.pem" '
                        f'key_file = "{d}/s.key" }}\n')
            r = subprocess.run([os.path.join(BUILD, "faultline-coordinator"),
                                "--config", coord, "--check"], capture_output=True, text=True)
            # The TLS files do not exist; the workflow configs must not be the problem.
            self.assertNotIn("workflows.d", r.stderr, r.stderr)

    def test_stack_configs_shape(self):
        s = Stack(tempfile.mkdtemp(), BUILD, [Node("node-a", agent=True)])
        s.coordinator_port = 7443
        s.rules_dir, s.workflows_dir = "/r", "/w"

        class T:
            http_url, grpc_address, namespace = "http://127.0.0.1:7243", "127.0.0.1:7233", "default"
        s.temporal = T()
        c = s.coordinator_config()
        self.assertIn('listen = "127.0.0.1:7443"', c)
        self.assertIn('uris = ["spiffe://faultline.test/agent/node-a"]', c)
        self.assertIn('agent_key "node-a"', c)
        a = s.agent_config(s.nodes[0])
        self.assertIn('url              = "https://127.0.0.1:7443"', a)
        self.assertIn('key_id           = "node-a"', a)
        os.rmdir(s.dir)


if __name__ == "__main__":
    unittest.main(verbosity=2)
