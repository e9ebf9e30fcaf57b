#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""RFC 9421 interop between lib/httpsig.c and an independent implementation.

The peer is the PyPI package http-message-signatures (pinned in
scripts/setup.sh, installed in /opt/faultline-dev/venv with cryptography,
requests and http-sfv). For several sets of covered components, content
digest included:
  (a) the Python library signs a request and our C verifier
      (tests/tools/httpsig-tool verify) accepts it, and refuses it once a
      covered part or the body is changed;
  (b) our C signer (httpsig-tool sign) signs and the Python verifier
      accepts it, and refuses it once tampered.

Usage: httpsig_interop.py PATH/TO/httpsig-tool
Exit 0 on success, 1 on failure, 77 (skip) when the venv or the library is
missing, which under CI=true is a failure instead.
"""
import os
import subprocess
import sys
import tempfile
import time
import urllib.parse

VENV_PYTHON = "/opt/faultline-dev/venv/bin/python"


def require(have, what):
    if have:
        return
    if os.environ.get("CI") in ("true", "1"):
        print(f"FAIL: {what} is required under CI and is not available", file=sys.stderr)
        sys.exit(1)
    print(f"SKIP: {what} is not available", file=sys.stderr)
    sys.exit(77)


# Run under the venv's interpreter, whatever started us.
if os.path.realpath(sys.prefix) != os.path.realpath("/opt/faultline-dev/venv"):
    require(os.access(VENV_PYTHON, os.X_OK), VENV_PYTHON)
    os.execv(VENV_PYTHON, [VENV_PYTHON] + sys.argv)

try:
    import requests
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ed25519
    from http_message_signatures import (HTTPMessageSigner, HTTPMessageVerifier,
                                         InvalidSignature, MappingKeyResolver, algorithms)
except ImportError as e:
    require(False, f"Python module {e.name} (http-message-signatures==3.0.0)")

TOOL = sys.argv[1]
BODY = (b'{"node":"node-17","workflow":"disk-replace","rule":"disk-io-errors",'
        b'"idempotency_key":"node-17/disk-io-errors/sda/1","params":{},"event":{},'
        b'"observed_at":"2026-11-27T04:03:12Z","dry_run":false}')
URL = "https://coordinator.example:7443/v1/triggers"
QUERY_URL = "https://Coordinator.Example:7443/v1/triggers?id=a%20b&x=1&pet=dog+cat"

# (name, url, extra headers, covered components, required by the verifier)
CASES = [
    ("trigger profile", URL, {},
     ["@method", "@authority", "@path", "content-type", "content-digest"],
     ["@method", "@path|@target-uri", "content-digest"]),
    ("target-uri", URL, {},
     ["@method", "@target-uri", "content-digest"],
     ["@method", "@target-uri", "content-digest"]),
    ("query components", QUERY_URL, {},
     ["@method", "@scheme", "@authority", "@request-target", "@query",
      '"@query-param";name="id"', '"@query-param";name="pet"', "content-digest"],
     ["@method", "@request-target", "content-digest"]),
    ("fields, key and bs", URL,
     {"Date": "Tue, 20 Apr 2021 02:07:55 GMT",
      "Example-Dict": "a=1,    b=2;x=1;y=2,   c=(a   b   c)",
      "X-Data": "value, with, commas"},
     ["@method", "@path", "date", "example-dict", '"example-dict";key="b"',
      '"x-data";bs', "content-digest"],
     ["@method", "@path", "content-digest"]),
]

failures = 0


def check(ok, what):
    global failures
    print(("ok   " if ok else "FAIL ") + what)
    if not ok:
        failures += 1


def tool(*args):
    return subprocess.run([TOOL, *args], capture_output=True, text=True)


def header_args(headers):
    out = []
    for name, value in headers.items():
        out += ["--header", f"{name}: {value}"]
    return out


def prepared(url, headers, body):
    return requests.Request("POST", url, data=body, headers=dict(headers)).prepare()


with tempfile.TemporaryDirectory() as tmp:
    key = ed25519.Ed25519PrivateKey.generate()
    priv_pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                 serialization.NoEncryption())
    pub_pem = key.public_key().public_bytes(serialization.Encoding.PEM,
                                            serialization.PublicFormat.SubjectPublicKeyInfo)
    priv_path, pub_path, body_path, bad_body_path = (
        os.path.join(tmp, n) for n in ("priv.pem", "pub.pem", "body.json", "bad.json"))
    with open(priv_path, "wb") as f:
        f.write(priv_pem)
    with open(pub_path, "wb") as f:
        f.write(pub_pem)
    with open(body_path, "wb") as f:
        f.write(BODY)
    with open(bad_body_path, "wb") as f:
        f.write(BODY.replace(b"sda", b"sdb"))

    resolver = MappingKeyResolver(public_keys={"node-17": pub_pem},
                                  private_keys={"node-17": priv_pem})
    signer = HTTPMessageSigner(signature_algorithm=algorithms.ED25519, key_resolver=resolver)
    verifier = HTTPMessageVerifier(signature_algorithm=algorithms.ED25519, key_resolver=resolver)

    for name, url, extra, components, required in CASES:
        headers = {"Content-Type": "application/json", **extra}

        # (a) Python signs, C verifies.
        req = prepared(url, headers, BODY)
        covered = [c for c in components if c != "content-digest"]
        nonce = "py-" + os.urandom(8).hex()
        signer.sign(req, key_id="node-17", nonce=nonce, label="sig1",
                    covered_component_ids=covered, body=BODY)
        check("content-digest" in req.headers["Signature-Input"],
              f"{name}: python signed content-digest")
        verify_args = ["verify", "--pubkey", pub_path, "--keyid", "node-17", "--method", "POST",
                       "--uri", req.url, "--body-file", body_path,
                       "--require-param", "created", "--require-param", "keyid",
                       "--require-param", "nonce"]
        for r in required:
            verify_args += ["--require", r]
        hdrs = dict(req.headers)
        res = tool(*verify_args, *header_args(hdrs))
        check(res.returncode == 0 and f"nonce={nonce}" in res.stdout and "keyid=node-17" in res.stdout,
              f"{name}: C verifies the python signature ({res.stdout.strip()}{res.stderr.strip()})")

        # The coordinator's view: scheme, Host and the request line.
        parts = urllib.parse.urlsplit(req.url)
        server_args = [a for a in verify_args if a not in ("--uri", req.url)]
        server_args += ["--scheme", parts.scheme, "--authority", parts.netloc, "--target",
                        parts.path + ("?" + parts.query if parts.query else "")]
        res = tool(*server_args, *header_args(hdrs))
        check(res.returncode == 0, f"{name}: C verifies it from the server's view ({res.stdout.strip()})")

        tampered = dict(hdrs, **{"Content-Type": "text/plain"})
        if "content-type" in hdrs["Signature-Input"]:
            res = tool(*verify_args, *header_args(tampered))
            check(res.returncode == 1 and res.stdout.startswith("REFUSED bad_signature"),
                  f"{name}: C refuses a tampered covered field ({res.stdout.strip()})")
        res = tool(*[a if a != body_path else bad_body_path for a in verify_args],
                   *header_args(hdrs))
        check(res.returncode == 1 and "DIGEST" in res.stdout and "does not match" in res.stdout,
              f"{name}: C refuses a tampered body ({res.stdout.strip()})")
        res = tool(*[a if a != "POST" else "PUT" for a in verify_args], *header_args(hdrs))
        check(res.returncode == 1 and res.stdout.startswith("REFUSED bad_signature"),
              f"{name}: C refuses another method ({res.stdout.strip()})")

        # (b) C signs, Python verifies.
        sign_args = ["sign", "--key", priv_path, "--keyid", "node-17", "--method", "POST",
                     "--uri", url, "--body-file", body_path, "--digest"]
        if name == "target-uri":
            sign_args += ["--alg", "--tag", "faultline", "--expires", str(int(time.time()) + 60)]
        for c in components:
            sign_args += ["--component", c]
        res = tool(*sign_args, *header_args(headers))
        check(res.returncode == 0, f"{name}: C signs ({res.stderr.strip()})")
        signed = dict(headers)
        for line in res.stdout.splitlines():
            k, v = line.split(": ", 1)
            signed[k] = v
        req = prepared(url, signed, BODY)
        try:
            results = verifier.verify(req, require_components=[r.split("|")[0] for r in required],
                                      body=BODY, expect_tag="faultline" if name == "target-uri" else None)
            ok = (len(results) == 1 and results[0].parameters["keyid"] == "node-17"
                  and results[0].body == BODY and len(results[0].nonce) == 22)
            check(ok, f"{name}: python verifies the C signature")
        except Exception as e:  # noqa: BLE001 - report any refusal
            check(False, f"{name}: python verifies the C signature: {e!r}")

        bad = prepared(url, dict(signed, **{"Content-Type": "text/html"}), BODY)
        if "content-type" in signed["Signature-Input"]:
            try:
                verifier.verify(bad, body=BODY)
                check(False, f"{name}: python refuses a tampered covered field")
            except InvalidSignature:
                check(True, f"{name}: python refuses a tampered covered field")
        try:
            verifier.verify(prepared(url, signed, BODY.replace(b"sda", b"sdb")),
                            body=BODY.replace(b"sda", b"sdb"),
                            expect_tag="faultline" if name == "target-uri" else None)
            check(False, f"{name}: python refuses a tampered body")
        except InvalidSignature:
            check(True, f"{name}: python refuses a tampered body")

print(f"httpsig interop: {failures} failure(s)")
sys.exit(1 if failures else 0)
