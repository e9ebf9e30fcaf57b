/* SPDX-License-Identifier: Apache-2.0 */
#include "event_recorder.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fl_test.h"

static char *xstrdup(const char *s) {
        char *p = strdup(s ? s : "");

        assert_non_null(p);
        return p;
}

void fl_recorder_record(const struct fl_event *ev, void *userdata) {
        struct fl_recorder *r = userdata;
        struct fl_recorded_event *e;

        r->n_seen++;
        if (!r->first_identity)
                r->first_identity = xstrdup(ev->identity);
        if (r->filter_field) {
                const char *v = fl_event_field(ev, r->filter_field);
                if (!v || !strstr(v, r->filter))
                        return;
        }
        if (r->n_events == r->n_allocated) {
                size_t n = r->n_allocated ? r->n_allocated * 2 : 16;
                r->events = realloc(r->events, n * sizeof(*r->events));
                assert_non_null(r->events);
                r->n_allocated = n;
        }
        e = &r->events[r->n_events++];
        *e = (struct fl_recorded_event){
                .source = ev->source,
                .kind = xstrdup(ev->kind),
                .identity = xstrdup(ev->identity),
                .count = ev->count,
                .realtime_usec = ev->realtime_usec,
                .monotonic_usec = ev->monotonic_usec,
                .n_fields = ev->n_fields,
        };
        assert_true(ev->n_fields <= FL_EVENT_FIELDS_MAX);
        for (size_t i = 0; i < ev->n_fields; i++) {
                e->names[i] = xstrdup(ev->fields[i].name);
                e->values[i] = xstrdup(ev->fields[i].value);
        }
}

void fl_recorder_clear(struct fl_recorder *r) {
        for (size_t i = 0; i < r->n_events; i++) {
                struct fl_recorded_event *e = &r->events[i];
                free(e->kind);
                free(e->identity);
                for (size_t j = 0; j < e->n_fields; j++) {
                        free(e->names[j]);
                        free(e->values[j]);
                }
        }
        free(r->events);
        free(r->first_identity);
        r->events = NULL;
        r->first_identity = NULL;
        r->n_events = r->n_allocated = r->n_seen = 0;
}

const char *fl_recorded_field(const struct fl_recorded_event *e, const char *name) {
        for (size_t i = 0; i < e->n_fields; i++)
                if (strcmp(e->names[i], name) == 0)
                        return e->values[i];
        return NULL;
}

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000;
}

int fl_test_run_until(
        sd_event *event, bool (*done)(void *userdata), void *userdata, uint64_t timeout_usec) {
        uint64_t deadline = now_usec() + timeout_usec;

        while (!done(userdata)) {
                uint64_t now = now_usec();
                int r;

                if (now >= deadline)
                        return -ETIMEDOUT;
                r = sd_event_run(event, deadline - now);
                if (r < 0)
                        return r;
        }
        return 0;
}
