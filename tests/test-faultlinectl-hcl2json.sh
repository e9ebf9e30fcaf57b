#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# faultlinectl hcl2json as a command: output on stdout, FILE:LINE:COL errors on
# stderr with exit status 1, "-" for standard input, usage errors.
set -euo pipefail
ctl=$1
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
fail() { echo "FAIL: $*" >&2; exit 1; }

printf 'b = [1, 2]\na "x" { c = true }\n' >"$work/ok.hcl"
out=$("$ctl" hcl2json "$work/ok.hcl")
want=$'{\n    "a": {\n        "x": [\n            {\n                "c": true\n            }\n        ]\n    },\n    "b": [\n        1,\n        2\n    ]\n}'
[[ $out == "$want" ]] || fail "output: $out"

out=$("$ctl" hcl2json - <"$work/ok.hcl")
[[ $out == "$want" ]] || fail "stdin output: $out"

printf 'a = 1 b = 2\nc = foo\nd = "\\q"\n' >"$work/bad.hcl"
set +e
"$ctl" hcl2json "$work/bad.hcl" >"$work/out" 2>"$work/err"
rc=$?
set -e
[[ $rc == 1 ]] || fail "exit status $rc for an invalid file"
[[ ! -s $work/out ]] || fail "output for an invalid file"
want="$work/bad.hcl:1:7: two attributes on one line (\"a\" and \"b\"): put each on its own line
$work/bad.hcl:2:5: reference \"foo\" is not supported (quote it to make a string)
$work/bad.hcl:3:6: invalid escape sequence \"\\q\""
[[ $(cat "$work/err") == "$want" ]] || fail "errors: $(cat "$work/err")"

set +e
printf 'a = \n' | "$ctl" hcl2json - >/dev/null 2>"$work/err"; rc=$?
[[ $rc == 1 && $(cat "$work/err") == "<stdin>:1:5: expected a value, found end of line" ]] ||
    fail "stdin error: $rc $(cat "$work/err")"
head -c 17000000 /dev/zero | "$ctl" hcl2json - >/dev/null 2>"$work/err"; rc=$?
[[ $rc == 1 && $(cat "$work/err") == "<stdin>:1:1: file is too large (more than 16 MiB)" ]] ||
    fail "stdin too large: $rc $(cat "$work/err")"
"$ctl" hcl2json "$work/missing.hcl" >/dev/null 2>"$work/err"; rc=$?
[[ $rc == 1 && $(cat "$work/err") == "$work/missing.hcl: No such file or directory" ]] ||
    fail "missing file: $rc $(cat "$work/err")"
"$ctl" hcl2json >/dev/null 2>"$work/err"; rc=$?
[[ $rc == 1 && $(cat "$work/err") == "Usage: faultlinectl hcl2json FILE" ]] || fail "usage: $rc"
"$ctl" frobnicate >/dev/null 2>"$work/err"; rc=$?
[[ $rc == 1 ]] && grep -q 'unknown command "frobnicate"' "$work/err" || fail "unknown command: $rc"
"$ctl" --help >"$work/out"; rc=$?
[[ $rc == 0 ]] && grep -q '^  hcl2json ' "$work/out" || fail "--help"
"$ctl" --version >"$work/out"; rc=$?
[[ $rc == 0 ]] && grep -q '^faultline ' "$work/out" || fail "--version"
set -e
echo "faultlinectl hcl2json: ok"
