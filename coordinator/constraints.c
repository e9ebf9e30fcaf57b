/* SPDX-License-Identifier: Apache-2.0 */
#include "constraints.h"

#include "macro.h"
#include "strbuf.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define PAGE_MAX 1000

static const char *const kind_names[] = {
        [FL_CONSTRAINT_CONCURRENCY] = "concurrency",
        [FL_CONSTRAINT_MAX_EXECUTION] = "maxExecution",
};

static const char *const scope_names[_FL_SCOPE_MAX] = {
        [FL_SCOPE_NODE] = "node",
        [FL_SCOPE_NODE_TYPE] = "node_type",
        [FL_SCOPE_DATACENTER] = "datacenter",
        [FL_SCOPE_GLOBAL] = "global",
};

const char *fl_constraint_kind_to_string(enum fl_constraint_kind k) {
        return (unsigned) k < ELEMENTSOF(kind_names) ? kind_names[k] : NULL;
}

const char *fl_scope_to_string(enum fl_scope s) {
        return (unsigned) s < _FL_SCOPE_MAX ? scope_names[s] : NULL;
}

int fl_constraint_kind_from_string(const char *s) {
        if (!s)
                return -EINVAL;
        if (strcmp(s, "concurrency") == 0 || strcmp(s, "concurency") == 0)
                return FL_CONSTRAINT_CONCURRENCY;
        if (strcmp(s, "maxExecution") == 0)
                return FL_CONSTRAINT_MAX_EXECUTION;
        return -EINVAL;
}

int fl_scope_from_string(const char *s) {
        for (int i = 0; i < _FL_SCOPE_MAX; i++)
                if (s && strcmp(s, scope_names[i]) == 0)
                        return i;
        return -EINVAL;
}

enum fl_scope fl_constraints_lock_scope(const struct fl_constraint *c, size_t n) {
        enum fl_scope widest = FL_SCOPE_NODE;

        for (size_t i = 0; i < n; i++)
                if (c[i].scope > widest)
                        widest = c[i].scope;
        return widest;
}

int fl_scope_key(const char *workflow, enum fl_scope s, const struct fl_target *t, char **ret) {
        int r;

        switch (s) {
        case FL_SCOPE_NODE:
                r = asprintf(ret, "%s|node|%s", workflow, t->node);
                break;
        case FL_SCOPE_NODE_TYPE:
                r = asprintf(ret, "%s|node_type|%s|%s", workflow, t->datacenter, t->node_type);
                break;
        case FL_SCOPE_DATACENTER:
                r = asprintf(ret, "%s|datacenter|%s", workflow, t->datacenter);
                break;
        case FL_SCOPE_GLOBAL:
                r = asprintf(ret, "%s|global", workflow);
                break;
        default:
                return -EINVAL;
        }
        return r < 0 ? -ENOMEM : 0;
}

/* Visibility queries quote values in single quotes; refuse anything that
 * could break out rather than escaping it. Names are validated long before
 * this (config and key bindings), so this is a second line of defence. */
static bool quotable(const char *s) {
        return s && *s && !strpbrk(s, "'\"\\\n\r");
}

int fl_scope_query(const char *workflow, enum fl_scope s, const struct fl_target *t,
        uint64_t since_usec, char **ret) {
        char since[32], scope[256];
        time_t secs = (time_t) (since_usec / 1000000);
        struct tm tm;

        if (!quotable(workflow))
                return -EINVAL;
        if (!gmtime_r(&secs, &tm) || strftime(since, sizeof(since), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
                return -EINVAL;

        switch (s) {
        case FL_SCOPE_NODE:
                if (!quotable(t->node))
                        return -EINVAL;
                snprintf(scope, sizeof(scope), " AND FaultlineNode = '%s'", t->node);
                break;
        case FL_SCOPE_NODE_TYPE:
                if (!quotable(t->node_type) || !quotable(t->datacenter))
                        return -EINVAL;
                snprintf(scope, sizeof(scope),
                        " AND FaultlineDatacenter = '%s' AND FaultlineNodeType = '%s'",
                        t->datacenter, t->node_type);
                break;
        case FL_SCOPE_DATACENTER:
                if (!quotable(t->datacenter))
                        return -EINVAL;
                snprintf(scope, sizeof(scope), " AND FaultlineDatacenter = '%s'", t->datacenter);
                break;
        case FL_SCOPE_GLOBAL:
                scope[0] = '\0';
                break;
        default:
                return -EINVAL;
        }
        return asprintf(ret, "FaultlineWorkflow = '%s'%s AND StartTime >= '%s'", workflow, scope,
                       since) < 0
                       ? -ENOMEM
                       : 0;
}

int fl_constraint_count_query(const char *workflow, const struct fl_constraint *k,
        const struct fl_target *t, uint64_t since_usec, const char *const *exclude,
        size_t n_exclude, char **ret) {
        _cleanup_free_ char *scope = NULL;
        struct fl_strbuf sb = {};
        int r;

        r = fl_scope_query(workflow, k->scope, t, since_usec, &scope);
        if (r < 0)
                return r;
        r = fl_strbuf_append_str(&sb, scope);
        if (r == 0 && k->kind == FL_CONSTRAINT_CONCURRENCY)
                r = fl_strbuf_append_str(&sb, " AND ExecutionStatus = 'Running'");
        for (size_t i = 0; r == 0 && i < n_exclude; i++)
                r = quotable(exclude[i])
                            ? fl_strbuf_appendf(&sb, " AND WorkflowId != '%s'", exclude[i])
                            : -EINVAL;
        if (r < 0) {
                fl_strbuf_done(&sb);
                return r == -E2BIG ? -ENOMEM : r;
        }
        *ret = fl_strbuf_steal(&sb);
        return *ret ? 0 : -ENOMEM;
}

ssize_t fl_constraints_count_check(
        const struct fl_constraint *c, size_t n, const uint64_t *visible, const uint64_t *local) {
        for (size_t i = 0; i < n; i++)
                /* Written so that no sum can overflow: visible + local + 1 <= value. */
                if (visible[i] >= c[i].value || local[i] >= c[i].value - visible[i])
                        return (ssize_t) i;
        return -1;
}

uint64_t fl_constraints_lookback(const struct fl_constraint *c, size_t n, enum fl_scope s) {
        uint64_t max = 0;

        for (size_t i = 0; i < n; i++)
                if (c[i].scope == s && c[i].period_usec > max)
                        max = c[i].period_usec;
        return max;
}

size_t fl_constraints_page_size(
        const struct fl_constraint *c, size_t n, enum fl_scope s, size_t n_local) {
        uint64_t max = 0;

        for (size_t i = 0; i < n; i++)
                if (c[i].scope == s && c[i].value > max)
                        max = c[i].value;
        /* value + local + 1 entries prove "limit reached" whatever the union. */
        max += n_local + 1;
        return max > PAGE_MAX ? PAGE_MAX : (size_t) max;
}

static const struct fl_execution *find_listed(const struct fl_scope_view *v, const char *id) {
        for (size_t i = 0; i < v->n_listed; i++)
                if (strcmp(v->listed[i].workflow_id, id) == 0)
                        return &v->listed[i];
        return NULL;
}

static bool in_view(const struct fl_scope_view *v, const char *id) {
        if (find_listed(v, id))
                return true;
        for (size_t i = 0; i < v->n_local; i++)
                if (strcmp(v->local[i].workflow_id, id) == 0)
                        return true;
        return false;
}

/* Counts executions started at or after `since` (and running ones only, for
 * concurrency) in the union of listed and local executions. */
static uint64_t count_view(const struct fl_scope_view *v, uint64_t since, bool running_only) {
        uint64_t n = 0;

        for (size_t i = 0; i < v->n_listed; i++) {
                const struct fl_execution *e = &v->listed[i];
                if (e->start_usec >= since && (!running_only || e->running))
                        n++;
        }
        for (size_t i = 0; i < v->n_local; i++) {
                const struct fl_execution *e = &v->local[i], *seen;
                if (e->start_usec < since)
                        continue;
                seen = find_listed(v, e->workflow_id);
                if (seen)
                        continue; /* already counted; visibility knows its status */
                if (running_only && !e->running)
                        continue;
                n++;
        }
        return n;
}

static void format_period(uint64_t usec, char *buf, size_t size) {
        uint64_t s = usec / 1000000;

        if (s > 0 && s % 86400 == 0)
                snprintf(buf, size, "%" PRIu64 "d", s / 86400);
        else if (s > 0 && s % 3600 == 0)
                snprintf(buf, size, "%" PRIu64 "h", s / 3600);
        else if (s > 0 && s % 60 == 0)
                snprintf(buf, size, "%" PRIu64 "m", s / 60);
        else
                snprintf(buf, size, "%" PRIu64 "s", s);
}

void fl_constraints_decide(const struct fl_constraint *c, size_t n, const char *workflow_id,
        const struct fl_scope_view views[static _FL_SCOPE_MAX], uint64_t now_usec,
        struct fl_verdict *ret) {
        *ret = (struct fl_verdict){.kind = FL_VERDICT_ALLOW};

        /* A retry of something already started is a duplicate, whatever the
         * limits say now (it is itself one of the counted executions). */
        for (int s = 0; s < _FL_SCOPE_MAX; s++) {
                if (in_view(&views[s], workflow_id)) {
                        ret->kind = FL_VERDICT_DUPLICATE;
                        snprintf(ret->reason, sizeof(ret->reason),
                                "workflow %s was already started", workflow_id);
                        return;
                }
        }

        for (size_t i = 0; i < n; i++) {
                const struct fl_constraint *k = &c[i];
                const struct fl_scope_view *v = &views[k->scope];
                uint64_t since = now_usec > k->period_usec ? now_usec - k->period_usec : 0;
                bool running = k->kind == FL_CONSTRAINT_CONCURRENCY;
                uint64_t count = count_view(v, since, running);
                char period[32];

                if (count < k->value)
                        continue;
                format_period(k->period_usec, period, sizeof(period));
                ret->kind = FL_VERDICT_REJECT;
                ret->constraint = i;
                ret->count = count;
                for (int s = 0; s < _FL_SCOPE_MAX; s++)
                        ret->maybe_duplicate |= views[s].truncated;
                snprintf(ret->reason, sizeof(ret->reason),
                        running ? "%" PRIu64 " running in the last %s per %s, limit %" PRIu64
                                : "%" PRIu64 " started in the last %s per %s, limit %" PRIu64,
                        count, period, fl_scope_to_string(k->scope), k->value);
                return;
        }
}
