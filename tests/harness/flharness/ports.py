# SPDX-License-Identifier: Apache-2.0
"""Free TCP ports on the loopback interface.

The kernel picks an unused ephemeral port for a socket bound to port 0. All
requested ports are held open together so one call never returns the same port
twice; they are released on return, so a server must bind them soon after. A
port can still be taken by someone else in between: callers that start servers
retry with new ports when a bind fails (TemporalServer does).
"""

import socket

LOOPBACK = "127.0.0.1"


def free_ports(count, host=LOOPBACK):
    """Returns `count` distinct free TCP ports on `host`."""
    socks = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind((host, 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


def free_port(host=LOOPBACK):
    """Returns one free TCP port on `host`."""
    return free_ports(1, host)[0]


def port_open(host, port, timeout=0.2):
    """True when something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False
