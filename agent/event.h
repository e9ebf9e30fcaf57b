/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The normalised event every agent source produces and the rule engine reads.
 *
 * Sources (BPF ring buffer, sysfs watchers, journald) differ in what they know;
 * rules only see a kind, a few string fields and an identity. Example, a disk
 * error seen by the block tracepoint:
 *
 *   source = FL_SOURCE_BPF, kind = "block_rq_error", count = 1,
 *   identity = "bpf:<boot_id>:<ktime_ns>:<cpu>",
 *   fields = { dev = "7:0", disk = "loop0", sector = "2048", nr_sector = "8",
 *              error = "10", error_name = "BLK_STS_IOERR", rwbs = "R" }
 *
 * The event and everything it points to is borrowed: valid only during the
 * handler call. A handler that keeps anything copies it.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

enum fl_source {
        FL_SOURCE_BPF,
        FL_SOURCE_SYSFS,
        FL_SOURCE_JOURNAL,
        _FL_SOURCE_MAX,
};

/* "bpf", "sysfs", "journal"; NULL for an invalid value. */
const char *fl_source_to_string(enum fl_source s);
/* Returns the source or -EINVAL. */
int fl_source_from_string(const char *s);

#define FL_EVENT_FIELDS_MAX 32

struct fl_field {
        const char *name;
        const char *value;
};

struct fl_event {
        enum fl_source source;
        const char *kind;

        /* Wall clock when the kernel (or the sensor read) saw it; 0 if unknown. */
        uint64_t realtime_usec;
        /* CLOCK_MONOTONIC when the event was observed in the kernel, or when
         * user space read it if the kernel time is unknown. Windows and
         * latency figures are computed on this clock. */
        uint64_t monotonic_usec;

        /* Stable across re-reads of the same occurrence (journal cursor,
         * boot id + kernel timestamp, sysfs path + counter value): feeds the
         * idempotency key so a replay after a crash maps to the same trigger. */
        const char *identity;

        /* Occurrences this event stands for: 1 normally, more for a sysfs
         * counter delta or for occurrences the kernel counted while the ring
         * buffer was full. */
        uint64_t count;

        struct fl_field fields[FL_EVENT_FIELDS_MAX];
        size_t n_fields;
};

/* Value of field `name`, or NULL. */
const char *fl_event_field(const struct fl_event *ev, const char *name);

/* Called by a source for every event; see the ownership rule above. */
typedef void (*fl_event_fn)(const struct fl_event *ev, void *userdata);

/* Called by a source right before it persists how far it has read
 * (journal cursor, sysfs baselines): whatever the events up to there
 * caused (outbox records) must be durable first, or a crash could leave
 * the position past a firing that is on no disk. */
typedef void (*fl_persist_barrier_fn)(void *userdata);
