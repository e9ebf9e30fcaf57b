#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes a realistic faultline rule file of about SIZE bytes for the HCL
benchmark: many `rule "name" { ... }` blocks with nested blocks, strings,
numbers, lists, objects, heredocs and comments. Deterministic (fixed seed),
literal-only, so the reference hcl2json parses it too.

usage: gen-rules.py OUTPUT [SIZE_BYTES]
"""
import random
import sys

KINDS = ["mce", "edac_ce", "edac_ue", "block_io", "thermal_trip", "nvme_smart", "pcie_aer"]
WORKFLOWS = ["drain-node", "replace-disk", "reseat-dimm", "reboot-node", "open-ticket"]
WORDS = ["disk", "memory", "cpu", "thermal", "nvme", "pcie", "link", "fan", "psu", "raid"]


def rule(r: random.Random, i: int) -> str:
    name = f"{r.choice(WORDS)}-{r.choice(WORDS)}-{i}"
    devices = ", ".join(f'"sd{chr(97 + r.randrange(26))}"' for _ in range(r.randint(1, 6)))
    out = []
    if r.random() < 0.5:
        out.append(f"# {name}: fires when the {r.choice(WORDS)} reports errors\n")
    out.append(f'rule "{name}" {{\n')
    out.append(f'  description = "Detect repeated {r.choice(WORDS)} errors on \\"{name}\\""\n')
    out.append(f'  enabled     = {r.choice(["true", "false"])}\n')
    out.append(f'  severity    = {r.randint(1, 5)}\n')
    out.append(f'  threshold   = {r.randint(1, 1000)}\n')
    out.append(f'  ratio       = {r.random():.4f}\n')
    out.append(f'  period      = "{r.choice(["15m", "1h", "24h", "7d", "500ms"])}"\n')
    out.append(f"  devices     = [{devices}]\n")
    out.append(f'  workflow    = "{r.choice(WORKFLOWS)}"\n')
    out.append("  // where the event comes from\n")
    out.append(f'  source "{r.choice(KINDS)}" {{\n')
    out.append(f'    tracepoint = "ras/{r.choice(KINDS)}"\n')
    out.append(f"    min_count  = {r.randint(1, 50)}\n")
    out.append("    match {\n")
    out.append('      field = "severity"\n')
    out.append(f'      op    = "{r.choice(["ge", "eq", "lt"])}"\n')
    out.append(f"      value = {r.randint(0, 9)}\n")
    out.append("    }\n")
    out.append("  }\n")
    out.append("  params = {\n")
    out.append(f'    queue   = "type/ams{r.randint(1, 9):02d}/storage"\n')
    out.append(f"    retries = {r.randint(0, 5)}\n")
    out.append(f'    "labels" = {{ team: "storage", oncall: "{r.choice(WORDS)}-oncall" }}\n')
    out.append(f"    limits  = [{r.randint(1, 9)}, {r.randint(10, 99)}, {r.randint(100, 999)}.5, -1e3]\n")
    out.append("  }\n")
    if r.random() < 0.4:
        out.append("  runbook = <<-EOT\n")
        for _ in range(r.randint(2, 6)):
            out.append(f"    Step: check the {r.choice(WORDS)} of node $${{node}} and drain it.\n")
        out.append("    EOT\n")
    out.append("  /* nested limits */\n")
    out.append(f"  limits {{ max = {r.randint(1, 10)} }}\n")
    out.append("}\n\n")
    return "".join(out)


def main() -> None:
    path = sys.argv[1]
    size = int(sys.argv[2]) if len(sys.argv) > 2 else 10 * 1000 * 1000
    r = random.Random(42)
    n = 0
    written = 0
    with open(path, "w", encoding="utf-8") as f:
        while written < size:
            text = rule(r, n)
            f.write(text)
            written += len(text.encode())
            n += 1


if __name__ == "__main__":
    main()
