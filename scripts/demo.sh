#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# The local demo, the first command a new user types (as root, Debian 12):
# setup, build, then the whole faultline loop on this machine with one REAL
# disk fault:
#
#   Temporal dev server + faultline-coordinator + faultline-worker (node-a and
#   node-b) + faultline-agent (node-a), a throw-away PKI (CA, coordinator
#   server certificate, agent client certificate with a SPIFFE ID, Ed25519
#   signing key), the default rule pack and workflow configs; three reads of
#   a faultyfs-backed loop device fail with EIO; the agent detects it, signs a
#   trigger, the coordinator checks and starts the remediation on node-a's own
#   task queue, node-a's worker runs it.
#
# It prints the timeline (fault, detected, decided, started, completed, each
# with its latency from the kernel's timestamp of the first failing I/O), the
# workflow id, task queue and the worker that ran it, then stops everything it
# started by PID (also on Ctrl-C, SIGTERM or an error) and detaches the loop
# device. Everything runs next to a private journald (journal-ns.sh); a copy
# of that journal and the daemons' logs stay in the directory it names.
#
#   scripts/demo.sh [--free-ports] [--dir DIR]
#
# Ports: the contract's local defaults (Temporal 127.0.0.1:7233/7243,
# coordinator https://127.0.0.1:7443) when free, free ones otherwise.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

if [[ $(id -u) -ne 0 ]]; then
    echo "demo.sh: run as root (BPF, loop devices, FUSE, a private journald)" >&2
    exit 1
fi

echo "demo.sh: setup and build (first run: a few minutes)" >&2
scripts/setup.sh
cmake -S . -B build -DFL_BUILD_TESTS=ON >/dev/null
# Only what the demo runs; scripts/test.sh builds the rest.
cmake --build build -j"$(nproc)" --target faultline-agent faultline-coordinator \
    faultline-worker faultyfs >/dev/null

export PYTHONPATH="$PWD/tests/harness${PYTHONPATH:+:$PYTHONPATH}"
python=/opt/faultline-dev/venv/bin/python3
[[ -x $python ]] || python=python3
# journal-ns.sh passes SIGTERM/SIGHUP/SIGINT on to the demo, which stops
# everything it started; journal-ns.sh then stops its journald.
exec tests/harness/journal-ns.sh "$python" -m flharness demo --build "$PWD/build" "$@"
