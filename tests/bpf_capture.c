/* SPDX-License-Identifier: Apache-2.0 */
#include "bpf_capture.h"

#include <stdlib.h>
#include <string.h>

static char *xstrdup(const char *s) {
        char *p = strdup(s ? s : "");

        if (!p)
                abort();
        return p;
}

void capture_event(const struct fl_event *ev, void *userdata) {
        struct capture *c = userdata;
        struct captured_event *e;

        if (c->filter_field) {
                const char *v = fl_event_field(ev, c->filter_field);

                if (!v || strcmp(v, c->filter_value) != 0)
                        return;
        }
        if (c->n == c->allocated) {
                size_t n = c->allocated ? c->allocated * 2 : 64;
                struct captured_event *p = realloc(c->events, n * sizeof(*p));

                if (!p)
                        abort();
                c->events = p;
                c->allocated = n;
        }
        e = &c->events[c->n++];
        *e = (struct captured_event){
                .kind = xstrdup(ev->kind),
                .identity = xstrdup(ev->identity),
                .count = ev->count,
                .monotonic_usec = ev->monotonic_usec,
                .realtime_usec = ev->realtime_usec,
                .n_fields = ev->n_fields,
        };
        for (size_t i = 0; i < ev->n_fields && i < FL_EVENT_FIELDS_MAX; i++) {
                e->names[i] = xstrdup(ev->fields[i].name);
                e->values[i] = xstrdup(ev->fields[i].value);
        }
}

void capture_reset(struct capture *c) {
        for (size_t i = 0; i < c->n; i++) {
                struct captured_event *e = &c->events[i];

                free(e->kind);
                free(e->identity);
                for (size_t j = 0; j < e->n_fields; j++) {
                        free(e->names[j]);
                        free(e->values[j]);
                }
        }
        free(c->events);
        c->events = NULL;
        c->n = c->allocated = 0;
}

const char *capture_field(const struct capture *c, size_t i, const char *name) {
        if (i >= c->n)
                return NULL;
        for (size_t j = 0; j < c->events[i].n_fields; j++)
                if (strcmp(c->events[i].names[j], name) == 0)
                        return c->events[i].values[j];
        return NULL;
}

uint64_t capture_total(const struct capture *c) {
        uint64_t sum = 0;

        for (size_t i = 0; i < c->n; i++)
                sum += c->events[i].count;
        return sum;
}
