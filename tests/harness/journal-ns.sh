#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# journal-ns.sh: run a command next to its own, private, real systemd-journald.
#
#   usage: tests/harness/journal-ns.sh COMMAND [ARG...]
#
# The command runs in a private mount namespace whose /run is a fresh tmpfs
# with a journald of its own (Storage=volatile, no rate limit, no forwarding),
# so everything in there (sd_journal_send, systemd-cat, logger, sd_journal_open,
# journalctl) talks to that journald and nothing reaches the host's journal.
# The journald also reads /dev/kmsg, so lines written there arrive as kernel
# messages (with facility user: the kernel forbids kern from user space), and
# a fresh journald first imports the whole kernel ring buffer.
#
# The script waits until journald answers `journalctl --sync`, runs the
# command with FL_JOURNAL_NS=1 in its environment, stops journald by PID and
# exits with the command's status. SIGTERM, SIGHUP and SIGINT are passed on
# to the command as SIGTERM. Everything it created lives in the
# namespace's tmpfs and disappears with it.
#
# Needs root (mount namespace) and /lib/systemd/systemd-journald. When those
# are missing it exits 77 (ctest's "skipped") unless CI=true or CI=1, where
# it exits 1: CI never goes green by skipping.
#
# Example: tests/harness/journal-ns.sh sh -c \
#   'echo "<3>fltest: hello" > /dev/kmsg; journalctl --sync; journalctl -k -g hello'
set -euo pipefail

JOURNALD=${FL_JOURNALD:-/lib/systemd/systemd-journald}

unavailable() {
    echo "journal-ns.sh: $*" >&2
    if [[ "${CI:-}" == true || "${CI:-}" == 1 ]]; then
        exit 1
    fi
    exit 77
}

if (($# == 0)); then
    sed -n '4,8p' "$0" >&2
    exit 2
fi

if [[ "${1:-}" != --inside-namespace ]]; then
    [[ $(id -u) -eq 0 ]] || unavailable "needs root for a private mount namespace"
    [[ -x "$JOURNALD" ]] || unavailable "$JOURNALD not found (apt package systemd)"
    command -v unshare >/dev/null || unavailable "unshare not found (util-linux)"
    # --propagation private: our mounts never leak back to the host.
    exec unshare --mount --propagation private -- "$0" --inside-namespace "$@"
fi
shift

mount -t tmpfs -o mode=0755,size=256m faultline-journal /run
# journald would write persistent files into /var/log/journal if it exists;
# Storage=volatile keeps it in /run, the tmpfs above covers it anyway.
if [[ -d /var/log/journal ]]; then
    mount -t tmpfs -o mode=0755,size=16m faultline-journal-var /var/log/journal
fi
mkdir -p /run/systemd/journal /run/systemd/journald.conf.d /run/log/journal
cat >/run/systemd/journald.conf.d/faultline-tests.conf <<'CONF'
[Journal]
Storage=volatile
RuntimeMaxUse=128M
RateLimitIntervalSec=0
RateLimitBurst=0
ForwardToSyslog=no
ForwardToKMsg=no
ForwardToConsole=no
ForwardToWall=no
CONF

# journald takes argv[1] as a journal namespace: start it with no arguments.
"$JOURNALD" </dev/null >/run/journald.out 2>&1 &
journald_pid=$!

stop_journald() {
    if kill -0 "$journald_pid" 2>/dev/null; then
        kill -TERM "$journald_pid" 2>/dev/null || true
        wait "$journald_pid" 2>/dev/null || true
    fi
}
trap stop_journald EXIT

ready=0
for _ in $(seq 100); do
    if ! kill -0 "$journald_pid" 2>/dev/null; then
        cat /run/journald.out >&2 || true
        unavailable "systemd-journald exited during start"
    fi
    if [[ -S /run/systemd/journal/socket ]] && journalctl --sync 2>/dev/null; then
        ready=1
        break
    fi
    sleep 0.1
done
((ready)) || unavailable "systemd-journald did not become ready in 10 s"

# The command runs as a background job so that SIGTERM, SIGHUP and SIGINT
# reach this shell at once (a shell waiting for a foreground job runs its
# traps only after the job ended) and are passed on as SIGTERM: a background
# job of a non-interactive shell has SIGINT ignored. The command then cleans
# up, and journald is stopped after it.
set +e
FL_JOURNAL_NS=1 "$@" &
child=$!
trap 'kill -TERM "$child" 2>/dev/null' TERM HUP INT
while :; do
    wait "$child"
    status=$?
    # Above 128: the child died of a signal, or a trap interrupted the wait.
    if ((status > 128)) && kill -0 "$child" 2>/dev/null; then
        continue
    fi
    break
done
set -e
exit "$status"
