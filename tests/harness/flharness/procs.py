# SPDX-License-Identifier: Apache-2.0
"""Daemons started by the end-to-end harness, each watched through its own
sd_notify socket.

faultline-agent, faultline-coordinator and faultline-worker are Type=notify
services: they send READY=1 once serving. A Daemon gives each process a
private NOTIFY_SOCKET (an AF_UNIX datagram socket in the stack's directory),
so "started" means READY=1 from that very process, not a guess from a log
line. Output goes to DIR/NAME.log. Every process runs in a session of its own,
so a Ctrl-C in the terminal reaches only the orchestrator, which then stops
them in order, by PID.

    d = Daemon("coordinator", ["build/faultline-coordinator", "--config", f], dir)
    d.start(timeout=30)          # returns after READY=1; raises DaemonError
    d.stop()                     # SIGTERM, SIGKILL after the timeout; exit status
"""

import os
import signal
import socket
import subprocess
import time


class DaemonError(Exception):
    """A daemon exited, or did not become ready in time."""


class Daemon:
    def __init__(self, name, argv, directory, env=None):
        self.name = name
        self.argv = list(argv)
        self.directory = directory
        self.env = env
        self.proc = None
        self.log_path = os.path.join(directory, name + ".log")
        self.status = ""
        self._sock = None
        self._sock_path = os.path.join(directory, name + ".notify")

    @property
    def pid(self):
        return self.proc.pid if self.proc else None

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def log_tail(self, size=3000):
        try:
            with open(self.log_path, "rb") as f:
                f.seek(0, os.SEEK_END)
                f.seek(max(0, f.tell() - size))
                return f.read().decode(errors="replace")
        except OSError:
            return ""

    def start(self, timeout=30.0):
        """Starts the process and waits for its READY=1."""
        if self.running():
            return
        if os.path.exists(self._sock_path):
            os.unlink(self._sock_path)
        self._sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC)
        self._sock.bind(self._sock_path)
        env = dict(os.environ if self.env is None else self.env)
        env["NOTIFY_SOCKET"] = self._sock_path
        with open(self.log_path, "ab") as log:
            log.write(f"--- {time.strftime('%H:%M:%S')} start: {' '.join(self.argv)}\n".encode())
            log.flush()
            self.proc = subprocess.Popen(self.argv, stdin=subprocess.DEVNULL, stdout=log,
                                         stderr=subprocess.STDOUT, env=env,
                                         start_new_session=True)
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self._drain(0.05):
                return
            if self.proc.poll() is not None:
                raise DaemonError(f"{self.name} exited with status {self.proc.returncode} "
                                  f"before it was ready:\n{self.log_tail()}")
        raise DaemonError(f"{self.name} sent no READY=1 within {timeout:.0f} s:\n"
                          f"{self.log_tail()}")

    def _drain(self, wait):
        """Reads pending notifications; True once READY=1 arrived."""
        ready = False
        self._sock.settimeout(wait)
        while True:
            try:
                msg = self._sock.recv(4096).decode(errors="replace")
            except (socket.timeout, BlockingIOError):
                return ready
            for line in msg.splitlines():
                if line == "READY=1":
                    ready = True
                elif line.startswith("STATUS="):
                    self.status = line[len("STATUS="):]
            self._sock.settimeout(0)

    def signal(self, sig):
        if self.running():
            os.kill(self.proc.pid, sig)

    def stop(self, timeout=20.0, kill=False):
        """SIGTERM (SIGKILL with kill=True, or after `timeout`); returns the exit
        status, or None when it was not running."""
        if self.proc is None:
            return None
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self._sock:
            self._sock.close()
            self._sock = None
        try:
            os.unlink(self._sock_path)
        except OSError:
            pass
        return self.proc.returncode
