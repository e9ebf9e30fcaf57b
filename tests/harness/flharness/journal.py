# SPDX-License-Identifier: Apache-2.0
"""The journal, for the end-to-end harness: structured entries read with
journalctl, kernel lines written to /dev/kmsg, and a cursor that marks "now".

The harness runs inside a private journald (tests/harness/journal-ns.sh), so
journalctl sees only what this run's daemons and kernel wrote. That journald
first imports the whole kernel ring buffer, older I/O errors and injected
lines of earlier runs included; mark() writes a unique line to /dev/kmsg and
waits until it arrives, and everything older than its cursor is history that
a fresh agent must not act on (Stack seeds the agent's journal cursor with it).

    j = Journal()
    cursor = j.mark()                              # "now", as a journal cursor
    j.kmsg("<3>EDAC MC0: 1 UE memory read error on DIMM_A1 (page:0x1000)")
    e = j.wait(1, after=cursor, SYSLOG_IDENTIFIER="faultline-agent",
               MESSAGE_ID="6632a8aceeb644e694deb16df5e2a554")
"""

import json
import subprocess
import time
import uuid


class JournalError(Exception):
    pass


def realtime_usec(entry):
    """When journald received the entry (CLOCK_REALTIME, microseconds)."""
    return int(entry["__REALTIME_TIMESTAMP"])


def seqnum(cursor):
    """(seqnum id, seqnum) of a cursor "s=ID;i=HEX;b=...": journald's order."""
    fields = dict(part.split("=", 1) for part in cursor.split(";") if "=" in part)
    return fields.get("s"), int(fields.get("i", "0"), 16)


class Journal:
    def __init__(self, journalctl="journalctl"):
        self.journalctl = journalctl

    def sync(self):
        subprocess.run([self.journalctl, "--sync"], check=False, capture_output=True)

    def entries(self, after=None, sync=True, **match):
        """Entries matching every FIELD=value in `match` (values may be lists:
        any of them), oldest first, newer than the cursor `after`."""
        if sync:
            self.sync()
        args = [self.journalctl, "-o", "json", "--no-pager", "-q"]
        # Not --after-cursor: combined with matches, journalctl (252) skips
        # entries that follow the cursor. The order is journald's sequence
        # number, which the cursor holds.
        after_seq = seqnum(after) if after else None
        for k, v in match.items():
            values = v if isinstance(v, (list, tuple)) else [v]
            args += [f"{k}={x}" for x in values]
        out = subprocess.run(args, capture_output=True, text=True)
        if out.returncode not in (0, 1):
            raise JournalError(f"journalctl failed: {out.stderr.strip()}")
        result = []
        for line in out.stdout.splitlines():
            if line.strip():
                e = json.loads(line)
                seq = seqnum(e["__CURSOR"])
                if after_seq and seq[0] == after_seq[0] and seq[1] <= after_seq[1]:
                    continue
                # Fields that hold binary data come as byte arrays.
                result.append({k: bytes(v).decode(errors="replace") if isinstance(v, list) else v
                               for k, v in e.items()})
        return result

    def wait(self, count, timeout=20.0, after=None, where=None, **match):
        """Waits for at least `count` matching entries (and `where(entry)`
        true, when given); returns them all. Raises JournalError on timeout."""
        deadline = time.monotonic() + timeout
        while True:
            found = [e for e in self.entries(after=after, sync=False, **match)
                     if where is None or where(e)]
            if len(found) >= count:
                return found
            if time.monotonic() > deadline:
                raise JournalError(f"{len(found)} of {count} journal entries {match} "
                                   f"after {timeout:.0f} s")
            time.sleep(0.1)

    @staticmethod
    def kmsg(line):
        """Writes one line to the kernel log (arrives with facility user)."""
        with open("/dev/kmsg", "w") as f:
            f.write(line if line.endswith("\n") else line + "\n")

    def mark(self, timeout=20.0):
        """Writes a unique line to /dev/kmsg, waits until journald has it and
        returns its cursor: every kernel line older than it has been read."""
        token = "faultline-mark-" + uuid.uuid4().hex
        self.kmsg(f"<6>{token}")
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            found = self.entries(sync=False, MESSAGE=token)
            if found:
                return found[-1]["__CURSOR"]
            time.sleep(0.05)
        raise JournalError(f"the marker {token} written to /dev/kmsg did not reach journald")
