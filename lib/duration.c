/* SPDX-License-Identifier: Apache-2.0 */
#include "duration.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

#define USEC_PER_MSEC UINT64_C(1000)
#define USEC_PER_SEC  UINT64_C(1000000)

/* Ordered largest first: a unit's index must increase along the string. */
static const struct {
        const char *name;
        uint64_t usec;
} units[] = {
        {"d", 24 * 3600 * USEC_PER_SEC},
        {"h", 3600 * USEC_PER_SEC},
        {"m", 60 * USEC_PER_SEC},
        {"s", USEC_PER_SEC},
        {"ms", USEC_PER_MSEC},
};

static int fail(int r, const char *why, const char **ret_error) {
        if (ret_error)
                *ret_error = why;
        return r;
}

int fl_duration_parse(const char *s, uint64_t *ret_usec, const char **ret_error) {
        uint64_t total = 0;
        size_t next_unit = 0;
        const char *p = s;

        if (!s || !*s)
                return fail(-EINVAL, "empty duration", ret_error);
        if (strcmp(s, "0") == 0) {
                *ret_usec = 0;
                return 0;
        }
        if (*p == '-')
                return fail(-EINVAL, "durations cannot be negative", ret_error);
        while (*p) {
                uint64_t n = 0;
                size_t len, u;

                if (*p < '0' || *p > '9')
                        return fail(-EINVAL, "expected a number, such as 15m or 1h30m", ret_error);
                for (; *p >= '0' && *p <= '9'; p++) {
                        if (n > (UINT64_MAX - 9) / 10)
                                return fail(-ERANGE, "duration is too large", ret_error);
                        n = n * 10 + (uint64_t) (*p - '0');
                }
                if (*p == '.' || *p == ',')
                        return fail(-EINVAL,
                                "fractions are not supported (write 90m rather than 1.5h)",
                                ret_error);
                for (len = 0; (p[len] >= 'a' && p[len] <= 'z') || (p[len] >= 'A' && p[len] <= 'Z');
                        len++)
                        ;
                if (len == 0)
                        return fail(-EINVAL, "missing unit after a number (use ms, s, m, h or d)",
                                ret_error);
                for (u = 0; u < sizeof(units) / sizeof(units[0]); u++)
                        if (strlen(units[u].name) == len && strncmp(p, units[u].name, len) == 0)
                                break;
                if (u == sizeof(units) / sizeof(units[0]))
                        return fail(-EINVAL, "unknown unit (use ms, s, m, h or d)", ret_error);
                if (u < next_unit)
                        return fail(-EINVAL,
                                "units must go from largest to smallest, each at most once "
                                "(e.g. 1h30m)",
                                ret_error);
                next_unit = u + 1;
                if (n > UINT64_MAX / units[u].usec || total > UINT64_MAX - n * units[u].usec)
                        return fail(-ERANGE, "duration is too large", ret_error);
                total += n * units[u].usec;
                p += len;
        }
        *ret_usec = total;
        return 0;
}
