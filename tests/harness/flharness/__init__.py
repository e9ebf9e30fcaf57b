# SPDX-License-Identifier: Apache-2.0
"""faultline's test harness: real components started on free loopback ports.

Standard library only, so any python3 (3.9+) runs it. See ../README.md.
"""

from .ports import free_port, free_ports
from .temporal import (
    FAULTLINE_SEARCH_ATTRIBUTES,
    TemporalError,
    TemporalMissing,
    TemporalServer,
    find_temporal,
)

__all__ = [
    "FAULTLINE_SEARCH_ATTRIBUTES",
    "TemporalError",
    "TemporalMissing",
    "TemporalServer",
    "find_temporal",
    "free_port",
    "free_ports",
]
