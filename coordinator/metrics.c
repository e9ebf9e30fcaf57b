/* SPDX-License-Identifier: Apache-2.0 */
#include "metrics.h"

#include "hashmap.h"
#include "strbuf.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PREFIX     "faultline_coordinator_"
#define LABELS_MAX 1024
#define SERIES_MAX 10000 /* per family: label values come from configs and fixed sets */

/* Upper bounds in seconds (plus +Inf). */
static const double buckets[] = {
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
#define N_BUCKETS (sizeof(buckets) / sizeof(buckets[0]))

struct histogram {
        uint64_t counts[N_BUCKETS]; /* not cumulative; summed when rendered */
        uint64_t count;
        double sum;
};

enum family_kind { COUNTER, HISTOGRAM };

struct family {
        const char *name;
        const char *help;
        enum family_kind kind;
        struct fl_hashmap *series; /* label set -> uint64_t* or struct histogram* */
};

enum {
        F_REQUESTS,
        F_REQUEST_DURATION,
        F_DECISIONS,
        F_CONSTRAINT_CHECKS,
        F_REFUSALS,
        F_TEMPORAL_CALLS,
        F_TEMPORAL_DURATION,
        _F_MAX,
};

struct fl_metrics {
        struct family f[_F_MAX];
};

static const struct {
        const char *name, *help;
        enum family_kind kind;
} families[_F_MAX] = {
        [F_REQUESTS] = {"requests_total", "HTTP requests answered, by route and status.", COUNTER},
        [F_REQUEST_DURATION] = {"request_duration_seconds",
                "Time from a request's arrival to its answer, by route.", HISTOGRAM},
        [F_DECISIONS] = {"decisions_total",
                "Trigger decisions, by workflow config, decision and deciding constraint.",
                COUNTER},
        [F_CONSTRAINT_CHECKS] = {"constraint_checks_total",
                "Decisions whose constraints were checked, by workflow config and path: "
                "cache (from what the coordinator holds), count (counts far below every "
                "limit), list (fresh listings).",
                COUNTER},
        [F_REFUSALS] = {"refusals_total",
                "Requests refused before a decision (signature, replay, binding, body), by "
                "error.",
                COUNTER},
        [F_TEMPORAL_CALLS] = {"temporal_calls_total",
                "Temporal HTTP API operations finished, by operation and result.", COUNTER},
        [F_TEMPORAL_DURATION] = {"temporal_call_duration_seconds",
                "Temporal operation latency, retries included, by operation.", HISTOGRAM},
};

struct fl_metrics *fl_metrics_free(struct fl_metrics *m) {
        if (!m)
                return NULL;
        for (int i = 0; i < _F_MAX; i++)
                fl_hashmap_free(m->f[i].series, free);
        free(m);
        return NULL;
}

int fl_metrics_new(struct fl_metrics **ret) {
        _cleanup_(fl_metrics_freep) struct fl_metrics *m = calloc(1, sizeof(*m));

        if (!m)
                return -ENOMEM;
        for (int i = 0; i < _F_MAX; i++) {
                m->f[i].name = families[i].name;
                m->f[i].help = families[i].help;
                m->f[i].kind = families[i].kind;
                m->f[i].series = fl_hashmap_new();
                if (!m->f[i].series)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(m);
        return 0;
}

/* Appends name="value" with the value escaped as the text format wants. */
static void label(char *buf, size_t size, size_t *len, const char *name, const char *value) {
        size_t l = *len;
        int k = snprintf(buf + l, size - l, "%s%s=\"", l ? "," : "", name);

        if (k < 0 || (size_t) k >= size - l)
                return;
        l += (size_t) k;
        for (const char *p = value ? value : ""; *p && l + 3 < size; p++) {
                if (*p == '\\' || *p == '"') {
                        buf[l++] = '\\';
                        buf[l++] = *p;
                } else if (*p == '\n') {
                        buf[l++] = '\\';
                        buf[l++] = 'n';
                } else
                        buf[l++] = *p;
        }
        if (l + 1 < size)
                buf[l++] = '"';
        buf[l] = '\0';
        *len = l;
}

static void *series(struct family *f, const char *labels, size_t size) {
        void *v = fl_hashmap_get(f->series, labels);

        if (v || fl_hashmap_size(f->series) >= SERIES_MAX)
                return v;
        v = calloc(1, size);
        if (v && fl_hashmap_put(f->series, labels, v, NULL) < 0) {
                free(v);
                return NULL;
        }
        return v;
}

static void count(struct family *f, const char *labels) {
        uint64_t *c = series(f, labels, sizeof(uint64_t));

        if (c)
                (*c)++;
}

static void observe(struct family *f, const char *labels, uint64_t usec) {
        struct histogram *h = series(f, labels, sizeof(struct histogram));
        double s = (double) usec / 1e6;

        if (!h)
                return;
        for (size_t i = 0; i < N_BUCKETS; i++)
                if (s <= buckets[i]) {
                        h->counts[i]++;
                        break;
                }
        h->count++;
        h->sum += s;
}

void fl_metrics_request(struct fl_metrics *m, const char *route, int status, uint64_t usec) {
        char labels[LABELS_MAX], code[16];
        size_t len = 0;

        label(labels, sizeof(labels), &len, "route", route);
        observe(&m->f[F_REQUEST_DURATION], labels, usec);
        snprintf(code, sizeof(code), "%d", status);
        label(labels, sizeof(labels), &len, "status", code);
        count(&m->f[F_REQUESTS], labels);
}

void fl_metrics_decision(struct fl_metrics *m, const char *workflow, enum fl_decision decision,
        const char *constraint) {
        char labels[LABELS_MAX];
        size_t len = 0;

        label(labels, sizeof(labels), &len, "workflow", workflow);
        label(labels, sizeof(labels), &len, "decision", fl_decision_to_string(decision));
        label(labels, sizeof(labels), &len, "constraint", constraint ? constraint : "");
        count(&m->f[F_DECISIONS], labels);
}

void fl_metrics_constraint_check(
        struct fl_metrics *m, const char *workflow, enum fl_check_path path) {
        char labels[LABELS_MAX];
        size_t len = 0;

        label(labels, sizeof(labels), &len, "workflow", workflow);
        label(labels, sizeof(labels), &len, "path", fl_check_path_to_string(path));
        count(&m->f[F_CONSTRAINT_CHECKS], labels);
}

void fl_metrics_refusal(struct fl_metrics *m, const char *error) {
        char labels[LABELS_MAX];
        size_t len = 0;

        label(labels, sizeof(labels), &len, "error", error);
        count(&m->f[F_REFUSALS], labels);
}

void fl_metrics_temporal(
        enum fl_temporal_op op, int error, unsigned attempts, uint64_t usec, void *userdata) {
        struct fl_metrics *m = userdata;
        const char *result;
        char labels[LABELS_MAX];
        size_t len = 0;

        switch (error) {
        case 0:
                result = "ok";
                break;
        case -EAGAIN:
                result = "unavailable";
                break;
        case -ENOENT:
                result = "not_found";
                break;
        case -ECANCELED:
                result = "canceled";
                break;
        default:
                result = "error";
                break;
        }
        label(labels, sizeof(labels), &len, "op", fl_temporal_op_to_string(op));
        observe(&m->f[F_TEMPORAL_DURATION], labels, usec);
        label(labels, sizeof(labels), &len, "result", result);
        count(&m->f[F_TEMPORAL_CALLS], labels);
}

static int compare(const void *a, const void *b) {
        return strcmp(*(const char *const *) a, *(const char *const *) b);
}

static int render_family(const struct family *f, struct fl_strbuf *sb) {
        const char **keys;
        const char *key;
        void *value;
        size_t iter = 0, n = 0;
        int r;

        r = fl_strbuf_appendf(sb, "# HELP " PREFIX "%s %s\n# TYPE " PREFIX "%s %s\n", f->name,
                f->help, f->name, f->kind == COUNTER ? "counter" : "histogram");
        if (r < 0)
                return r;
        keys = calloc(fl_hashmap_size(f->series) + 1, sizeof(*keys));
        if (!keys)
                return -ENOMEM;
        while (fl_hashmap_iterate(f->series, &iter, &key, &value))
                keys[n++] = key;
        qsort(keys, n, sizeof(*keys), compare);
        for (size_t i = 0; i < n && r == 0; i++) {
                value = fl_hashmap_get(f->series, keys[i]);
                if (f->kind == COUNTER) {
                        r = fl_strbuf_appendf(sb, PREFIX "%s{%s} %" PRIu64 "\n", f->name, keys[i],
                                *(uint64_t *) value);
                        continue;
                }
                const struct histogram *h = value;
                uint64_t cumulative = 0;
                /* "faultline_..._seconds" -> buckets, sum and count. */
                for (size_t b = 0; b < N_BUCKETS && r == 0; b++) {
                        cumulative += h->counts[b];
                        r = fl_strbuf_appendf(sb, PREFIX "%s_bucket{%s,le=\"%g\"} %" PRIu64 "\n",
                                f->name, keys[i], buckets[b], cumulative);
                }
                if (r == 0)
                        r = fl_strbuf_appendf(sb,
                                PREFIX "%s_bucket{%s,le=\"+Inf\"} %" PRIu64 "\n" PREFIX
                                       "%s_sum{%s} %.6f\n" PREFIX "%s_count{%s} %" PRIu64 "\n",
                                f->name, keys[i], h->count, f->name, keys[i], h->sum, f->name,
                                keys[i], h->count);
        }
        free(keys);
        return r;
}

int fl_metrics_render(const struct fl_metrics *m, const struct fl_metrics_gauge *gauges, size_t n,
        char **ret, size_t *ret_len) {
        struct fl_strbuf sb = {.max_len = 64u << 20};
        int r = 0;

        for (int i = 0; i < _F_MAX && r == 0; i++)
                r = render_family(&m->f[i], &sb);
        for (size_t i = 0; i < n && r == 0; i++)
                r = fl_strbuf_appendf(&sb,
                        "# HELP " PREFIX "%s %s\n# TYPE " PREFIX "%s gauge\n" PREFIX "%s %.17g\n",
                        gauges[i].name, gauges[i].help, gauges[i].name, gauges[i].name,
                        gauges[i].value);
        if (r < 0) {
                fl_strbuf_done(&sb);
                return r == -E2BIG ? -ENOMEM : r;
        }
        *ret_len = sb.len;
        *ret = fl_strbuf_steal(&sb);
        return *ret ? 0 : -ENOMEM;
}
