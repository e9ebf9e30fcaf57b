/* SPDX-License-Identifier: Apache-2.0 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>

void fl_logf(fl_log_fn fn, void *userdata, int priority, const char *format, ...) {
        char buf[512];
        va_list ap;

        if (!fn)
                return;
        /* Truncation is acceptable for a diagnostic line. */
        va_start(ap, format);
        (void) vsnprintf(buf, sizeof(buf), format, ap);
        va_end(ap);
        fn(priority, buf, userdata);
}
