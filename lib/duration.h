/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Durations as written in configuration files: one or more integer-unit
 * pairs, largest unit first, each unit at most once.
 *
 *     500ms   15m   1h30m   24h   7d   1d12h   90s   0
 *
 * Units: ms (milliseconds), s, m, h, d (24 hours). No spaces, no sign, no
 * fractions (write 90m, not 1.5h). A bare "0" is accepted. The result is in
 * microseconds and never overflows silently.
 */
#pragma once

#include <stdint.h>

/* Parses `s` into microseconds. Returns 0, or -EINVAL (malformed) or -ERANGE
 * (more than UINT64_MAX microseconds); on failure *ret_error, when ret_error
 * is not NULL, points to a static explanation such as "unknown unit (use ms,
 * s, m, h or d)" (the caller quotes the offending text itself) and *ret_usec
 * is untouched. */
int fl_duration_parse(const char *s, uint64_t *ret_usec, const char **ret_error);
