#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
#
# A real disk fault on demand: a loop device (direct I/O) on a faultyfs FUSE
# file whose chosen sectors fail reads with EIO. Reading such a sector gives
# a genuine block_rq_error and kernel "I/O error, dev loopN, sector S" line.
#
#   diskfault.sh setup DIR [--sectors N] [--bad LIST]
#                                   mount faultyfs on DIR/mnt, attach a loop
#                                   device, print it (/dev/loopN)
#   diskfault.sh bad DIR LIST       make sectors fail ("100", "100-107,4000")
#   diskfault.sh good DIR LIST      make sectors read fine again
#   diskfault.sh clear DIR          no bad sectors
#   diskfault.sh status DIR         faultyfs's state (bad sectors, read errors)
#   diskfault.sh read DEV SECTOR [COUNT]
#                                   dd COUNT (default 1) sectors at SECTOR with
#                                   iflag=direct; exit 0 if read, 1 on I/O error
#   diskfault.sh teardown DIR       detach the loop device, unmount, stop faultyfs
#   diskfault.sh run [--sectors N] [--bad LIST] -- CMD [ARG...]
#                                   setup in a private temporary DIR, run CMD with
#                                   FL_DISKFAULT_DEV and FL_DISKFAULT_DIR set, tear
#                                   down whatever happens (exit, error, signal) and
#                                   exit with CMD's status
#
# DIR holds the state (mnt/, faultyfs.pid, loopdev, faultyfs.log); teardown
# removes what setup created. The faultyfs binary is $FL_FAULTYFS, else
# build/tests/faultyfs in this repository, else faultyfs on PATH.
#
# Needs root, /dev/fuse, losetup and fusermount3. When they are missing it
# exits 77 (skip), or 1 under CI=true, like the C tests' fl_test_require.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/../.." && pwd)
SECTOR_SIZE=512

die() {
    echo "diskfault: $*" >&2
    exit 1
}

require() {
    local what=$1
    shift
    if ! "$@" >/dev/null 2>&1; then
        if [[ ${CI:-} == true || ${CI:-} == 1 ]]; then
            echo "FAIL: $what is required under CI and is not available" >&2
            exit 1
        fi
        echo "SKIP: $what is not available" >&2
        exit 77
    fi
}

faultyfs_bin() {
    if [[ -n ${FL_FAULTYFS:-} ]]; then
        echo "$FL_FAULTYFS"
    elif [[ -x $repo/build/tests/faultyfs ]]; then
        echo "$repo/build/tests/faultyfs"
    else
        command -v faultyfs || true
    fi
}

check_prerequisites() {
    require "root" test "$(id -u)" -eq 0
    require "/dev/fuse" test -c /dev/fuse
    require "losetup" command -v losetup
    require "fusermount3" command -v fusermount3
    require "the faultyfs binary (set FL_FAULTYFS)" test -x "$(faultyfs_bin)"
}

ctl() {
    local dir=$1
    shift
    [[ -e $dir/mnt/ctl ]] || die "$dir is not set up"
    printf '%s\n' "$*" >"$dir/mnt/ctl" || die "faultyfs rejected '$*'"
}

cmd_setup() {
    local dir=${1:?usage: setup DIR [--sectors N] [--bad LIST]}
    shift
    local sectors=2048 bad="" bin pid dev
    while (($#)); do
        case $1 in
        --sectors) sectors=${2:?}; shift 2 ;;
        --bad) bad=${2:?}; shift 2 ;;
        *) die "setup: unknown option $1" ;;
        esac
    done
    check_prerequisites
    bin=$(faultyfs_bin)
    mkdir -p "$dir/mnt"
    [[ ! -e $dir/faultyfs.pid ]] || die "$dir is already set up"

    # From here on, a failure undoes what was done.
    # shellcheck disable=SC2064 # expand dir now
    trap "cmd_teardown '$dir' >/dev/null 2>&1 || true" EXIT
    local args=(-f -s -o auto_unmount "--sectors=$sectors")
    [[ -z $bad ]] || args+=("--bad=$bad")
    "$bin" "${args[@]}" "$dir/mnt" </dev/null >"$dir/faultyfs.log" 2>&1 &
    pid=$!
    echo "$pid" >"$dir/faultyfs.pid"
    for _ in $(seq 100); do
        [[ -e $dir/mnt/disk ]] && break
        kill -0 "$pid" 2>/dev/null || die "faultyfs exited: $(cat "$dir/faultyfs.log")"
        sleep 0.05
    done
    [[ -e $dir/mnt/disk ]] || die "faultyfs did not come up: $(cat "$dir/faultyfs.log")"

    dev=$(losetup -f --show --direct-io=on "$dir/mnt/disk")
    echo "$dev" >"$dir/loopdev"
    if [[ $(cat "/sys/block/${dev#/dev/}/loop/dio" 2>/dev/null || echo 0) != 1 ]]; then
        echo "diskfault: warning: $dev is not using direct I/O" >&2
    fi
    trap - EXIT
    echo "$dev"
}

cmd_teardown() {
    local dir=${1:?usage: teardown DIR}
    local dev pid rc=0
    if [[ -f $dir/loopdev ]]; then
        dev=$(cat "$dir/loopdev")
        # Only the device this DIR attached, and only while it still
        # points at our file.
        if losetup -n -O BACK-FILE "$dev" 2>/dev/null | grep -qF "$dir/mnt/disk"; then
            losetup -d "$dev" || rc=1
        fi
        rm -f "$dir/loopdev"
    fi
    if mountpoint -q "$dir/mnt" 2>/dev/null; then
        fusermount3 -u "$dir/mnt" 2>/dev/null || umount -l "$dir/mnt" || rc=1
    fi
    if [[ -f $dir/faultyfs.pid ]]; then
        pid=$(cat "$dir/faultyfs.pid")
        for _ in $(seq 40); do
            kill -0 "$pid" 2>/dev/null || break
            sleep 0.05
        done
        if kill -0 "$pid" 2>/dev/null; then
            kill "$pid" 2>/dev/null || true
        fi
        rm -f "$dir/faultyfs.pid"
    fi
    rmdir "$dir/mnt" 2>/dev/null || true
    rm -f "$dir/faultyfs.log"
    return $rc
}

cmd_read() {
    local dev=${1:?usage: read DEV SECTOR [COUNT]} sector=${2:?usage: read DEV SECTOR [COUNT]}
    local count=${3:-1}
    [[ $sector =~ ^[0-9]+$ && $count =~ ^[0-9]+$ ]] || die "read: SECTOR and COUNT are numbers"
    if dd if="$dev" of=/dev/null bs=$SECTOR_SIZE skip="$sector" count="$count" \
        iflag=direct status=none 2>/dev/null; then
        return 0
    fi
    return 1
}

cmd_run() {
    local setup_args=()
    while (($#)) && [[ $1 != -- ]]; do
        setup_args+=("$1")
        shift
    done
    [[ ${1:-} == -- ]] || die "usage: run [--sectors N] [--bad LIST] -- CMD [ARG...]"
    shift
    (($#)) || die "run: no command"
    check_prerequisites

    local dir dev rc=0
    dir=$(mktemp -d "${TMPDIR:-/tmp}/diskfault.XXXXXX")
    # shellcheck disable=SC2064 # expand dir now
    trap "cmd_teardown '$dir' || true; rm -rf '$dir'" EXIT
    trap 'exit 130' INT
    trap 'exit 143' TERM
    dev=$(cmd_setup "$dir" "${setup_args[@]}")
    FL_DISKFAULT_DEV=$dev FL_DISKFAULT_DIR=$dir "$@" || rc=$?
    exit $rc
}

case ${1:-} in
setup) shift; cmd_setup "$@" ;;
teardown) shift; cmd_teardown "$@" ;;
bad) ctl "${2:?usage: bad DIR LIST}" "bad ${3:?usage: bad DIR LIST}" ;;
good) ctl "${2:?usage: good DIR LIST}" "good ${3:?usage: good DIR LIST}" ;;
clear) ctl "${2:?usage: clear DIR}" clear ;;
status) cat "${2:?usage: status DIR}/mnt/ctl" ;;
read) shift; cmd_read "$@" ;;
run) shift; cmd_run "$@" ;;
*)
    sed -n '3,30p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
