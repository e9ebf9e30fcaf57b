/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Records the events a source hands out (deep copies: the source's event is
 * only borrowed) so tests can assert on them after the fact, optionally
 * keeping only events whose field contains a token (a private journald also
 * carries every other test's kernel lines). Plus a loop runner that iterates
 * an sd_event until a condition holds or a deadline passes.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "event.h"

struct fl_recorded_event {
        enum fl_source source;
        char *kind;
        char *identity;
        uint64_t count;
        uint64_t realtime_usec;
        uint64_t monotonic_usec;
        size_t n_fields;
        char *names[FL_EVENT_FIELDS_MAX];
        char *values[FL_EVENT_FIELDS_MAX];
};

struct fl_recorder {
        /* Keep only events whose field `filter_field` contains `filter`
         * (both NULL: keep all). */
        const char *filter_field;
        const char *filter;

        struct fl_recorded_event *events;
        size_t n_events;
        size_t n_allocated;

        /* Every event seen, kept or not, and the first one's identity. */
        size_t n_seen;
        char *first_identity;
};

/* An fl_event_fn; userdata is the struct fl_recorder. */
void fl_recorder_record(const struct fl_event *ev, void *userdata);

/* Forgets the kept events (and the counters); the filter stays. */
void fl_recorder_clear(struct fl_recorder *r);

/* Value of field `name` of a recorded event, or NULL. */
const char *fl_recorded_field(const struct fl_recorded_event *e, const char *name);

/* Runs `event` until `done(userdata)` is true: 0, or -ETIMEDOUT after
 * `timeout_usec`, or the loop's -errno. */
int fl_test_run_until(
        sd_event *event, bool (*done)(void *userdata), void *userdata, uint64_t timeout_usec);
