/* SPDX-License-Identifier: Apache-2.0 */
#include "dispatch.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

/* What one event's evaluation shares with the firing callback. */
struct pass {
        struct fl_dispatch *d;
        const struct fl_event *ev;
        uint64_t decided_usec; /* CLOCK_MONOTONIC of the first firing's decision */
};

static uint64_t now_usec(clockid_t clock) {
        struct timespec ts;

        (void) clock_gettime(clock, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

static struct fl_rule_counters *rule_counters(struct fl_dispatch *d, const char *name) {
        struct fl_rule_counters *c = fl_hashmap_get(d->rule_counters, name);

        if (c)
                return c;
        c = calloc(1, sizeof(*c));
        if (!c || fl_hashmap_put(d->rule_counters, name, c, NULL) < 0) {
                free(c);
                return NULL;
        }
        return c;
}

/* The trigger's "event": the fields (and captures) plus what identifies it. */
static json_t *trigger_event(const struct fl_firing *f) {
        json_t *o = json_deep_copy(f->fields);

        if (!o)
                return NULL;
        if (json_object_set_new(o, "source", json_string(fl_source_to_string(f->event->source))) <
                        0 ||
                json_object_set_new(o, "kind", json_string(f->event->kind)) < 0 ||
                json_object_set_new(o, "count", json_integer((json_int_t) f->event->count)) < 0 ||
                (f->event->identity &&
                        json_object_set_new(o, "identity", json_string(f->event->identity)) < 0)) {
                json_decref(o);
                return NULL;
        }
        return o;
}

static void deliver(struct pass *p, const struct fl_firing *f) {
        struct fl_dispatch *d = p->d;
        json_auto_t *event = trigger_event(f);
        struct fl_trigger t = {
                .node = d->node,
                .workflow = f->rule->workflow,
                .rule = f->rule->name,
                .key = f->key,
                .idempotency_key = f->idempotency_key,
                .params = f->params,
                .event = event,
                .observed_at_usec = f->event->realtime_usec ? f->event->realtime_usec
                                                            : now_usec(CLOCK_REALTIME),
        };
        struct fl_rule_counters *rc;
        int r;

        r = event ? fl_delivery_submit(d->delivery, &t) : -ENOMEM;
        if (r >= 0)
                return;
        d->counters->delivery_errors++;
        rc = rule_counters(d, f->rule->name);
        if (rc)
                rc->delivery_errors++;
        (void) fl_report_delivery_refused(d->reporter, &t, r);
}

static void on_firing(const struct fl_firing *f, void *userdata) {
        struct pass *p = userdata;
        uint64_t now = now_usec(CLOCK_MONOTONIC), latency = UINT64_MAX;

        if (!p->decided_usec)
                p->decided_usec = now;
        if (p->ev->monotonic_usec && p->ev->monotonic_usec <= p->decided_usec)
                latency = p->decided_usec - p->ev->monotonic_usec;
        p->d->counters->firings++;
        (void) fl_report_firing(p->d->reporter, f, latency, p->d->delivery == NULL);
        if (p->d->delivery && f->rule->workflow)
                deliver(p, f);
}

void fl_dispatch_event(const struct fl_event *ev, void *userdata) {
        struct fl_dispatch *d = userdata;
        struct fl_source_counters *c = &d->counters->sources[ev->source];
        struct pass p = {.d = d, .ev = ev};
        uint64_t decided;
        int r;

        c->events++;
        c->occurrences += ev->count ? ev->count : 1;
        r = fl_engine_process(d->engine, ev, now_usec(CLOCK_REALTIME), on_firing, &p);
        /* The decision is the engine's verdict: the first firing's moment,
         * or when it finished finding nothing to fire, before any output. */
        decided = p.decided_usec ? p.decided_usec : now_usec(CLOCK_MONOTONIC);
        if (ev->monotonic_usec && ev->monotonic_usec <= decided)
                fl_histogram_observe(&c->latency, decided - ev->monotonic_usec);
        if (r < 0) {
                c->engine_errors++;
                fl_report_log(d->reporter, LOG_ERR, "rule engine failed on a %s event: %s",
                        ev->kind, strerror(-r));
        }
}

static const struct fl_rule *find_rule(const struct fl_ruleset *rs, const char *name) {
        for (size_t i = 0; i < rs->n_rules; i++)
                if (strcmp(rs->rules[i]->name, name) == 0)
                        return rs->rules[i];
        return NULL;
}

int fl_dispatch_set_rules(struct fl_dispatch *d, struct fl_ruleset *rs) {
        const struct fl_ruleset *old = fl_engine_rules(d->engine);

        for (size_t i = 0; i < old->n_rules; i++) {
                const struct fl_rule *r = old->rules[i], *n = find_rule(rs, r->name);
                struct fl_engine_rule_stats st;
                struct fl_rule_counters *c;

                if (n && n->state_fingerprint == r->state_fingerprint)
                        continue; /* the engine keeps its counters */
                if (!n) {
                        free(fl_hashmap_remove(d->rule_counters, r->name));
                        continue;
                }
                if (fl_engine_rule_stats(d->engine, r->name, &st) < 0)
                        continue;
                c = rule_counters(d, r->name);
                if (!c)
                        return -ENOMEM;
                c->matched += st.matched;
                c->firings += st.firings;
                c->suppressed += st.suppressed;
                c->keys_evicted += st.keys_evicted;
        }
        return fl_engine_set_rules(d->engine, rs);
}

struct fl_hashmap *fl_rule_counters_free(struct fl_hashmap *m) {
        return fl_hashmap_free(m, free);
}
