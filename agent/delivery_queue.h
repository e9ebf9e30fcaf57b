/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The triggers waiting for the coordinator, as the delivery schedules them:
 * every pending trigger by idempotency key, and those not in flight in a
 * min-heap by the time their next attempt is due (ties: the older first).
 * A trigger in flight is out of the heap, so it is never sent twice at once.
 *
 * The durable copy is the outbox (lib/outbox.h); a trigger the outbox could
 * not take (full disk) lives here only, with its body, until it can be
 * written or delivered.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"

struct fl_pending {
        uint64_t seq; /* its outbox record; 0: kept in memory only */
        char *id;     /* idempotency key */
        char *rule;
        char *key;
        char *workflow;
        char *body;            /* memory-only triggers: the POST body; else NULL */
        uint64_t created_usec; /* CLOCK_REALTIME of the firing */
        uint64_t due_usec;     /* CLOCK_BOOTTIME of the next attempt */
        uint64_t sent_usec;    /* CLOCK_BOOTTIME the attempt in flight started */
        uint32_t attempts;     /* all attempts, earlier runs included */
        unsigned failures;     /* answers in a row that kept it (its own backoff) */
        bool in_flight;
        bool needs_operator; /* the last answer needs an operator */

        /* the queue's */
        uint64_t order;
        size_t heap_index; /* SIZE_MAX: not in the heap */
};

struct fl_pending_queue;

int fl_pending_queue_new(struct fl_pending_queue **ret);
/* Frees the queue and every trigger in it; accepts NULL, returns NULL. */
struct fl_pending_queue *fl_pending_queue_free(struct fl_pending_queue *q);
FL_DEFINE_CLEANUP(struct fl_pending_queue *, fl_pending_queue_free);

/* A new trigger, copying the strings (`body` may be NULL). Returns NULL
 * without memory. */
struct fl_pending *fl_pending_new(
        const char *id, const char *rule, const char *key, const char *workflow, const char *body);
struct fl_pending *fl_pending_free(struct fl_pending *p);

/* Takes `p` (also on failure) and queues it at p->due_usec. Returns 0,
 * -EEXIST when a trigger with its id is already there, -ENOMEM. */
int fl_pending_queue_add(struct fl_pending_queue *q, struct fl_pending *p);

struct fl_pending *fl_pending_queue_find(const struct fl_pending_queue *q, const char *id);

/* The queued trigger due first, or NULL (in-flight ones are not queued). */
struct fl_pending *fl_pending_queue_peek(const struct fl_pending_queue *q);
/* Takes the trigger due first out of the heap (it stays in the queue). */
struct fl_pending *fl_pending_queue_pop(struct fl_pending_queue *q);
/* Puts a popped trigger back at p->due_usec. Never fails: room was made
 * when it was added. */
void fl_pending_queue_push(struct fl_pending_queue *q, struct fl_pending *p);
/* Forgets and frees `p` (queued or not). */
void fl_pending_queue_remove(struct fl_pending_queue *q, struct fl_pending *p);

size_t fl_pending_queue_size(const struct fl_pending_queue *q);

/* Every trigger, in no particular order: start with *iter = 0; returns NULL
 * at the end. Removing while iterating is not allowed. */
struct fl_pending *fl_pending_queue_next(const struct fl_pending_queue *q, size_t *iter);
