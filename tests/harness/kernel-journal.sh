#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# kernel-journal.sh: write journal entries exactly as journald stores real
# kernel messages, into a journal file that sd-journal (and journalctl
# --file / --directory) reads like any other.
#
#   usage: tests/harness/kernel-journal.sh [options] OUTPUT.journal [LINE...]
#     -b BOOT_ID    _BOOT_ID of the entries (default: the running boot)
#     -p PRIORITY   syslog priority 0-7 (default 3, err)
#     -r USEC       __REALTIME_TIMESTAMP of the first entry (default: now)
#     -m USEC       __MONOTONIC_TIMESTAMP of the first entry (default: now,
#                   CLOCK_MONOTONIC)
#     -f FIELD=VAL  an extra field for every entry (repeatable), e.g.
#                   -f _KERNEL_DEVICE=b259:0 -f _KERNEL_SUBSYSTEM=block
#     -i IDENT      SYSLOG_IDENTIFIER (default kernel)
#     -t TRANSPORT  _TRANSPORT (default kernel; e.g. syslog for a daemon's line)
#     -F FACILITY   SYSLOG_FACILITY (default 0, kern)
#   Without LINE arguments the lines come from stdin. Each line is one entry
#   (MESSAGE); successive entries are 1 us apart on both clocks.
#   Environment: FL_JOURNAL_REMOTE (the converter), FL_TIMER_LIST (a file
#   with a "now at NSEC nsecs" line standing in for /proc/timer_list).
#
# Each entry is written in Journal Export Format:
#   _TRANSPORT=kernel  SYSLOG_FACILITY=0  SYSLOG_IDENTIFIER=kernel  PRIORITY=3
#   _BOOT_ID=...  MESSAGE=...  __REALTIME_TIMESTAMP=...  __MONOTONIC_TIMESTAMP=...
# and converted by /lib/systemd/systemd-journal-remote --output=OUTPUT.
# /dev/kmsg injection cannot produce these entries (user-space lines get
# facility user and a split-off identifier); this can.
#
# A new OUTPUT appears atomically (written next to it under a hidden name,
# then renamed), so a reader following the directory sees a complete file.
# An existing OUTPUT is appended to in place, as a live journal file is.
# The export text is kept in OUTPUT.export when KEEP_EXPORT=1.
set -euo pipefail

REMOTE=${FL_JOURNAL_REMOTE:-/lib/systemd/systemd-journal-remote}
# Tests point this at a file to stand in for a host that has been up long.
TIMER_LIST=${FL_TIMER_LIST:-/proc/timer_list}

boot_id=$(tr -d - </proc/sys/kernel/random/boot_id)
priority=3
ident=kernel
transport=kernel
facility=0
realtime=
monotonic=
extra=()

while getopts "b:p:r:m:f:i:t:F:" opt; do
    case $opt in
    b) boot_id=${OPTARG//-/} ;;
    p) priority=$OPTARG ;;
    r) realtime=$OPTARG ;;
    m) monotonic=$OPTARG ;;
    f) extra+=("$OPTARG") ;;
    i) ident=$OPTARG ;;
    t) transport=$OPTARG ;;
    F) facility=$OPTARG ;;
    *) sed -n '7,22p' "$0" >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
if (($# < 1)); then
    sed -n '7,22p' "$0" >&2
    exit 2
fi
output=$1
shift

[[ "$output" == *.journal ]] || { echo "kernel-journal.sh: OUTPUT must end in .journal" >&2; exit 2; }
[[ "$boot_id" =~ ^[0-9a-f]{32}$ ]] || { echo "kernel-journal.sh: bad boot id $boot_id" >&2; exit 2; }
[[ "$priority" =~ ^[0-7]$ ]] || { echo "kernel-journal.sh: bad priority $priority" >&2; exit 2; }
[[ "$facility" =~ ^[0-9]+$ ]] || { echo "kernel-journal.sh: bad facility $facility" >&2; exit 2; }
[[ "$transport" =~ ^[a-z-]+$ ]] || { echo "kernel-journal.sh: bad transport $transport" >&2; exit 2; }
[[ "$ident" != *$'\n'* ]] || { echo "kernel-journal.sh: bad identifier" >&2; exit 2; }
[[ -x "$REMOTE" ]] || { echo "kernel-journal.sh: $REMOTE not found (apt package systemd-journal-remote)" >&2; exit 1; }
for f in "${extra[@]}"; do
    [[ "$f" =~ ^[A-Z_][A-Z0-9_]*= ]] || { echo "kernel-journal.sh: bad field $f" >&2; exit 2; }
done

if [[ -z "$realtime" ]]; then
    realtime=$(($(date +%s%N) / 1000))
fi
if [[ -z "$monotonic" ]]; then
    # CLOCK_MONOTONIC in microseconds (what journald records for this boot).
    # The arithmetic stays in bash (64-bit): Debian's awk (mawk) clamps
    # printf "%d" at 2^31-1 us, reached after 35.8 minutes of uptime, and
    # sd-journal orders the files of one boot by this time.
    # /proc/timer_list is readable by root only; otherwise /proc/uptime
    # (CLOCK_BOOTTIME, 10 ms steps: the same clock unless the host suspended).
    now_ns=$(awk '/^now at/ { print $3; exit }' "$TIMER_LIST" 2>/dev/null || true)
    if [[ "$now_ns" =~ ^[0-9]+$ ]]; then
        monotonic=$((now_ns / 1000))
    else
        read -r uptime _ </proc/uptime
        [[ "$uptime" =~ ^([0-9]+)\.([0-9]{2})$ ]] || { echo "kernel-journal.sh: cannot read the monotonic clock" >&2; exit 1; }
        monotonic=$((BASH_REMATCH[1] * 1000000 + 10#${BASH_REMATCH[2]} * 10000))
    fi
fi
[[ "$realtime" =~ ^[0-9]+$ ]] || { echo "kernel-journal.sh: bad realtime $realtime" >&2; exit 2; }
[[ "$monotonic" =~ ^[0-9]+$ ]] || { echo "kernel-journal.sh: bad monotonic $monotonic" >&2; exit 2; }

dir=$(dirname -- "$output")
name=$(basename -- "$output")
work=$(mktemp -d "$dir/.kernel-journal.XXXXXX")
trap 'rm -rf -- "$work"' EXIT

emit() {
    local line=$1
    [[ "$line" != *$'\n'* ]] || { echo "kernel-journal.sh: multi-line message" >&2; exit 2; }
    printf '__REALTIME_TIMESTAMP=%s\n__MONOTONIC_TIMESTAMP=%s\n_BOOT_ID=%s\n' \
        "$realtime" "$monotonic" "$boot_id"
    printf '_TRANSPORT=%s\nSYSLOG_FACILITY=%s\nSYSLOG_IDENTIFIER=%s\nPRIORITY=%s\n' \
        "$transport" "$facility" "$ident" "$priority"
    for f in "${extra[@]}"; do
        printf '%s\n' "$f"
    done
    printf 'MESSAGE=%s\n\n' "$line"
    realtime=$((realtime + 1))
    monotonic=$((monotonic + 1))
}

{
    if (($# > 0)); then
        for line in "$@"; do emit "$line"; done
    else
        while IFS= read -r line || [[ -n "$line" ]]; do emit "$line"; done
    fi
} >"$work/entries.export"

if [[ "${KEEP_EXPORT:-0}" == 1 ]]; then
    cp -- "$work/entries.export" "$output.export"
fi

if [[ -e "$output" ]]; then
    "$REMOTE" --output="$output" "$work/entries.export" 2>"$work/log" || { cat "$work/log" >&2; exit 1; }
else
    "$REMOTE" --output="$work/$name" "$work/entries.export" 2>"$work/log" || { cat "$work/log" >&2; exit 1; }
    mv -- "$work/$name" "$output"
fi
