/* SPDX-License-Identifier: Apache-2.0 */
#include "delivery_policy.h"

#include "macro.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define USEC_PER_SEC UINT64_C(1000000)

static const char *const decision_names[_FL_ANSWER_DECISION_MAX] = {
        [FL_ANSWER_NONE] = "none",
        [FL_ANSWER_STARTED] = "started",
        [FL_ANSWER_DUPLICATE] = "duplicate",
        [FL_ANSWER_REJECTED] = "rejected",
        [FL_ANSWER_DEFERRED] = "deferred",
        [FL_ANSWER_DRY_RUN] = "dry_run",
};

static const char *const verdict_names[_FL_DELIVERY_VERDICT_MAX] = {
        [FL_DELIVERY_DECIDED] = "decided",
        [FL_DELIVERY_RETRY] = "retry",
        [FL_DELIVERY_UNAVAILABLE] = "unavailable",
        [FL_DELIVERY_OPERATOR] = "operator",
};

const char *fl_answer_decision_to_string(enum fl_answer_decision d) {
        return d >= 0 && d < _FL_ANSWER_DECISION_MAX ? decision_names[d] : "none";
}

const char *fl_delivery_verdict_to_string(enum fl_delivery_verdict v) {
        return v >= 0 && v < _FL_DELIVERY_VERDICT_MAX ? verdict_names[v] : "unknown";
}

static enum fl_answer_decision decision_from_string(const char *s) {
        for (int d = FL_ANSWER_STARTED; s && d < _FL_ANSWER_DECISION_MAX; d++)
                if (strcmp(s, decision_names[d]) == 0)
                        return d;
        return FL_ANSWER_NONE;
}

void fl_delivery_answer_done(struct fl_delivery_answer *a) {
        free(a->workflow_id);
        free(a->run_id);
        free(a->task_queue);
        free(a->constraint);
        free(a->reason);
        free(a->error);
        free(a->message);
        *a = (struct fl_delivery_answer){};
}

void fl_delivery_answer_none(struct fl_delivery_answer *ret) {
        *ret = (struct fl_delivery_answer){.verdict = FL_DELIVERY_UNAVAILABLE};
}

/* A string member, cut at the cap. Sets *ret to NULL when absent or not a
 * string; returns -ENOMEM only. */
static int take_string(const json_t *o, const char *name, char **ret) {
        const char *s = json_string_value(json_object_get(o, name));

        *ret = NULL;
        if (!s)
                return 0;
        *ret = strndup(s, FL_DELIVERY_ANSWER_FIELD_MAX);
        return *ret ? 0 : -ENOMEM;
}

/* The coordinator names the constraint that refused a trigger as an object,
 * {"kind","value","period","scope","file","line"} (docs/coordinator.md); it is
 * kept as the label the coordinator's own journal entry carries,
 * "maxExecution 1/1h per node (FILE:LINE)", so both sides read alike. A plain
 * string is taken as is, any other shape as compact JSON. Cut at the cap;
 * returns -ENOMEM only. */
static int take_constraint(const json_t *o, char **ret) {
        const json_t *c = json_object_get(o, "constraint");
        const json_t *value, *line;
        const char *kind, *period, *scope, *file;
        char *s = NULL;

        *ret = NULL;
        if (!json_is_object(c))
                return take_string(o, "constraint", ret);
        kind = json_string_value(json_object_get(c, "kind"));
        period = json_string_value(json_object_get(c, "period"));
        scope = json_string_value(json_object_get(c, "scope"));
        file = json_string_value(json_object_get(c, "file"));
        value = json_object_get(c, "value");
        line = json_object_get(c, "line");
        if (kind && period && scope && file && json_is_integer(value) && json_is_integer(line)) {
                if (asprintf(&s,
                            "%s %" JSON_INTEGER_FORMAT "/%s per %s (%s:%" JSON_INTEGER_FORMAT ")",
                            kind, json_integer_value(value), period, scope, file,
                            json_integer_value(line)) < 0)
                        return -ENOMEM;
        } else {
                s = json_dumps(c, JSON_COMPACT | JSON_SORT_KEYS);
                if (!s)
                        return -ENOMEM;
        }
        if (strlen(s) > FL_DELIVERY_ANSWER_FIELD_MAX)
                s[FL_DELIVERY_ANSWER_FIELD_MAX] = '\0';
        *ret = s;
        return 0;
}

static enum fl_delivery_verdict classify(int status, enum fl_answer_decision d) {
        if (d == FL_ANSWER_DEFERRED)
                return FL_DELIVERY_RETRY;
        if (status >= 200 && status < 300)
                return d == FL_ANSWER_NONE ? FL_DELIVERY_OPERATOR : FL_DELIVERY_DECIDED;
        if (status == 409)
                return d == FL_ANSWER_REJECTED ? FL_DELIVERY_DECIDED : FL_DELIVERY_OPERATOR;
        /* Busy or broken on the coordinator's side (503 is Temporal being
         * unavailable when it is not a deferral): nothing an operator of
         * this node can do, and every trigger would get the same. */
        if (status == 408 || status == 429 || (status >= 500 && status < 600))
                return FL_DELIVERY_UNAVAILABLE;
        /* 400, 401, 403, 404, 413, any other 4xx, 1xx/3xx (redirects are not
         * followed: a URL pointing elsewhere is a configuration error). */
        return FL_DELIVERY_OPERATOR;
}

int fl_delivery_answer_parse(int http_status, const char *body, size_t size,
        const char *retry_after, time_t now, struct fl_delivery_answer *ret) {
        struct fl_delivery_answer a = {.http_status = http_status};
        json_auto_t *j = NULL;
        int r;

        if (body && size > 0)
                j = json_loadb(body, size, 0, NULL);
        if (json_is_object(j)) {
                const struct {
                        const char *name;
                        char **field;
                } members[] = {
                        {"workflow_id", &a.workflow_id},
                        {"run_id", &a.run_id},
                        {"task_queue", &a.task_queue},
                        {"reason", &a.reason},
                        {"error", &a.error},
                        {"message", &a.message},
                };

                a.decision =
                        decision_from_string(json_string_value(json_object_get(j, "decision")));
                for (size_t i = 0; i < ELEMENTSOF(members); i++) {
                        r = take_string(j, members[i].name, members[i].field);
                        if (r < 0) {
                                fl_delivery_answer_done(&a);
                                return r;
                        }
                }
                r = take_constraint(j, &a.constraint);
                if (r < 0) {
                        fl_delivery_answer_done(&a);
                        return r;
                }
        }
        /* A malformed Retry-After is ignored: the backoff alone decides. */
        if (retry_after)
                (void) fl_delivery_parse_retry_after(retry_after, now, &a.retry_after_usec);
        a.verdict = classify(http_status, a.decision);
        *ret = a;
        return 0;
}

int fl_delivery_parse_retry_after(const char *value, time_t now, uint64_t *ret_usec) {
        const char *p = value;
        struct tm tm = {};
        uint64_t sec = 0;
        time_t t;

        while (*p == ' ' || *p == '\t')
                p++;
        if (*p >= '0' && *p <= '9') {
                for (; *p >= '0' && *p <= '9'; p++)
                        if (sec <= FL_DELIVERY_RETRY_AFTER_MAX_USEC / USEC_PER_SEC)
                                sec = sec * 10 + (uint64_t) (*p - '0');
                while (*p == ' ' || *p == '\t')
                        p++;
                if (*p)
                        return -EINVAL;
        } else {
                /* IMF-fixdate, the only form senders may generate:
                 * "Sun, 06 Nov 1994 08:49:37 GMT". */
                const char *end = strptime(p, "%a, %d %b %Y %H:%M:%S GMT", &tm);
                if (!end || *end)
                        return -EINVAL;
                t = timegm(&tm);
                if (t == (time_t) -1)
                        return -EINVAL;
                sec = t > now ? (uint64_t) (t - now) : 0;
        }
        *ret_usec = sec > FL_DELIVERY_RETRY_AFTER_MAX_USEC / USEC_PER_SEC
                            ? FL_DELIVERY_RETRY_AFTER_MAX_USEC
                            : sec * USEC_PER_SEC;
        return 0;
}

uint64_t fl_delivery_backoff_delay(const struct fl_delivery_backoff *b, unsigned failures,
        uint64_t random, uint64_t retry_after_usec) {
        uint64_t d = b->initial_usec, half;

        for (unsigned i = 1; i < failures && d < b->max_usec; i++)
                d = d > UINT64_MAX / 2 ? UINT64_MAX : d * 2;
        if (d > b->max_usec)
                d = b->max_usec;
        half = d / 2;
        d = half + (half ? random % (d - half + 1) : 0);
        if (retry_after_usec > FL_DELIVERY_RETRY_AFTER_MAX_USEC)
                retry_after_usec = FL_DELIVERY_RETRY_AFTER_MAX_USEC;
        return d > retry_after_usec ? d : retry_after_usec;
}

void fl_delivery_answer_summary(const struct fl_delivery_answer *a, char *buf, size_t size) {
        const char *what = a->decision != FL_ANSWER_NONE ? fl_answer_decision_to_string(a->decision)
                           : a->error                    ? a->error
                                                         : NULL;

        if (size == 0)
                return;
        if (a->http_status == 0)
                snprintf(buf, size, "no answer");
        else if (what)
                snprintf(buf, size, "http %d %s", a->http_status, what);
        else
                snprintf(buf, size, "http %d", a->http_status);
}
