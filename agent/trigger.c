/* SPDX-License-Identifier: Apache-2.0 */
#include "trigger.h"

#include "macro.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <time.h>

int fl_format_timestamp(uint64_t usec, char buf[static FL_TIMESTAMP_MAX]) {
        time_t sec = (time_t) (usec / 1000000);
        char date[sizeof("2026-11-27T03:58:00")];
        struct tm tm;

        if (usec / 1000000 > (uint64_t) INT64_MAX || !gmtime_r(&sec, &tm) ||
                tm.tm_year > 9999 - 1900)
                return -ERANGE;
        if (strftime(date, sizeof(date), "%Y-%m-%dT%H:%M:%S", &tm) == 0)
                return -ERANGE;
        snprintf(buf, FL_TIMESTAMP_MAX, "%s.%06" PRIu64 "Z", date, usec % 1000000);
        return 0;
}

int fl_trigger_to_json(const struct fl_trigger *t, char **ret) {
        char ts[FL_TIMESTAMP_MAX];
        json_auto_t *body = NULL, *params = NULL, *event = NULL;
        char *s;
        int r;

        if (!t->node || !t->workflow || !t->rule || !t->idempotency_key)
                return -EINVAL;
        if ((t->params && !json_is_object(t->params)) || (t->event && !json_is_object(t->event)))
                return -EINVAL;
        r = fl_format_timestamp(t->observed_at_usec, ts);
        if (r < 0)
                return r;
        params = t->params ? json_incref((json_t *) t->params) : json_object();
        event = t->event ? json_incref((json_t *) t->event) : json_object();
        if (!params || !event)
                return -ENOMEM;
        /* "O": the body takes its own reference; ours go with json_auto_t. */
        body = json_pack("{s:s, s:s, s:s, s:s, s:O, s:O, s:s, s:b}", "node", t->node, "workflow",
                t->workflow, "rule", t->rule, "idempotency_key", t->idempotency_key, "params",
                params, "event", event, "observed_at", ts, "dry_run", t->dry_run);
        if (!body)
                return -ENOMEM;
        s = json_dumps(body, JSON_COMPACT | JSON_PRESERVE_ORDER);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}
