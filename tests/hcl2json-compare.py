#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Compares `faultlinectl hcl2json` with the reference hcl2json
(github.com/tmccombs/hcl2json v0.6.4) on a corpus of literal-only files.

Every CORPUS/*.hcl must convert with both tools to the same JSON: equal as
parsed values, numbers compared exactly (ints as ints, fractions as Decimal),
and byte for byte. Every CORPUS/invalid/*.hcl must be refused by both, ours
with FILE:LINE:COL: messages on stderr and nothing on stdout.

usage: hcl2json-compare.py FAULTLINECTL REFERENCE CORPUS
Exit 77 (skip) when the reference tool is missing, except under CI=true.
"""
import decimal
import json
import os
import re
import subprocess
import sys
from pathlib import Path

MIN_FILES = 30
DIAG = re.compile(r"^[^:\n]+:\d+:\d+: \S.*$")


def run(cmd):
    return subprocess.run(cmd, capture_output=True, timeout=60)


def parse(data: bytes):
    return json.loads(data.decode("utf-8"), parse_float=decimal.Decimal, parse_int=int)


def same(a, b) -> bool:
    """Equal values with equal types, so 1 and 1.0 and True differ."""
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b))
    return a == b


def main() -> int:
    ours, ref, corpus = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    ci = os.environ.get("CI") in ("true", "1")
    if not os.access(ref, os.X_OK):
        print(f"reference hcl2json not found at {ref} (installed by scripts/setup.sh)")
        return 1 if ci else 77

    failures = []
    valid = sorted(corpus.glob("*.hcl"))
    invalid = sorted((corpus / "invalid").glob("*.hcl"))
    if len(valid) < MIN_FILES:
        failures.append(f"only {len(valid)} files in {corpus}, want at least {MIN_FILES}")

    for f in valid:
        a, b = run([ours, "hcl2json", str(f)]), run([ref, str(f)])
        if a.returncode != 0 or b.returncode != 0:
            failures.append(f"{f.name}: exit {a.returncode} (ours) / {b.returncode} (reference)\n"
                            f"  ours: {a.stderr.decode(errors='replace').strip()}\n"
                            f"  reference: {b.stderr.decode(errors='replace').strip()}")
            continue
        if not same(parse(a.stdout), parse(b.stdout)):
            failures.append(f"{f.name}: different JSON values")
        elif a.stdout != b.stdout:
            failures.append(f"{f.name}: same values, different text")

    for f in invalid:
        a, b = run([ours, "hcl2json", str(f)]), run([ref, str(f)])
        lines = a.stderr.decode(errors="replace").splitlines()
        if b.returncode == 0:
            failures.append(f"invalid/{f.name}: the reference accepts it")
        if a.returncode != 1 or a.stdout or not lines or not all(DIAG.match(x) for x in lines):
            failures.append(f"invalid/{f.name}: ours exit {a.returncode}, stdout {len(a.stdout)} bytes, "
                            f"stderr {lines!r}")
        elif not all(x.startswith(str(f) + ":") for x in lines):
            failures.append(f"invalid/{f.name}: messages do not name the file: {lines!r}")

    for msg in failures:
        print("FAIL", msg)
    print(f"hcl2json comparison: {len(valid)} valid files, {len(invalid)} invalid files, "
          f"{len(failures)} failures")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
