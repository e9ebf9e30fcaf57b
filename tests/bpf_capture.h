/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Test helper: an fl_event_fn that keeps deep copies of the events a source
 * passes on, so tests can look at them after the callback returned.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "event.h"

struct captured_event {
        char *kind;
        char *identity;
        uint64_t count;
        uint64_t monotonic_usec;
        uint64_t realtime_usec;
        size_t n_fields;
        char *names[FL_EVENT_FIELDS_MAX];
        char *values[FL_EVENT_FIELDS_MAX];
};

struct capture {
        struct captured_event *events;
        size_t n;
        size_t allocated;
        /* When set, only events whose field `filter_field` equals
         * `filter_value` are kept (other tests may cause events too). */
        const char *filter_field;
        const char *filter_value;
};

/* The fl_event_fn; userdata is a struct capture. Aborts on OOM. */
void capture_event(const struct fl_event *ev, void *userdata);
/* Forgets every kept event. */
void capture_reset(struct capture *c);
/* Value of field `name` of event i, or NULL. */
const char *capture_field(const struct capture *c, size_t i, const char *name);
/* Sum of `count` over the kept events. */
uint64_t capture_total(const struct capture *c);
