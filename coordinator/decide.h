/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Decisions: may this workflow start now for this node, and if so, start it.
 * docs/constraints.md states the semantics, docs/coordinator.md the design;
 * in short:
 *
 *   - The workflow id is "faultline-<workflow>-<idempotency key>": every retry
 *     of one fault names the same workflow, and Temporal's id policies
 *     (reuse REJECT_DUPLICATE, conflict USE_EXISTING) start it at most once.
 *   - A paused scope (pause.h) answers "deferred".
 *   - Decisions are serialised per lock key: the workflow plus the values of
 *     the widest scope its constraints use (fl_constraints_lock_scope()).
 *     One FIFO per key on the event loop, so two decisions that count the
 *     same executions never interleave, while other keys proceed.
 *   - Counts come from Temporal visibility (one listing per scope key) united
 *     with the starts this coordinator made (kept for the longest period, so
 *     starts visibility does not show yet are counted).
 *   - Count first: per constraint, visibility's count plus every start made
 *     here within the period is an upper bound on the true count; when it
 *     stays below every limit, the workflow starts without a listing. Near a
 *     limit (or when a count fails), the listings below decide exactly.
 *   - A "rejected" may be answered from a listing younger than
 *     reject_cache_usec: more executions (another coordinator's starts) can
 *     only confirm it, and fewer (completions, ageing out of the period) make
 *     it at most that stale. An "allowed" is always re-checked against
 *     counts or listings requested for this decision, after every earlier
 *     decision of its key finished, before the workflow is started.
 *
 * Everything runs on the caller's event loop; nothing blocks.
 */
#pragma once

#include <event2/event.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "constraints.h"
#include "macro.h"
#include "names.h"
#include "pause.h"
#include "temporal.h"
#include "workflows.h"

#define FL_TASK_QUEUE_MAX (16 + 2 * FL_NAME_MAX)

enum fl_decision {
        FL_DECISION_STARTED,
        FL_DECISION_DUPLICATE,
        FL_DECISION_REJECTED,
        FL_DECISION_DEFERRED,
        FL_DECISION_DRY_RUN,
        FL_DECISION_FAILED, /* Temporal unavailable or refusing: no decision */
        _FL_DECISION_MAX,
};

/* "started", "duplicate", "rejected", "deferred", "dry_run", "failed". */
const char *fl_decision_to_string(enum fl_decision d);

/* "node/<node>", "type/<datacenter>/<node_type>" or "general/<datacenter>"
 * into buf (FL_TASK_QUEUE_MAX bytes). */
void fl_task_queue_name(
        enum fl_queue_target target, const struct fl_target *t, char *buf, size_t size);

/* How a decision's constraints were checked (docs/constraints.md). */
enum fl_check_path {
        FL_CHECK_NONE,  /* none checked: no constraints, paused, failed before */
        FL_CHECK_CACHE, /* rejected or duplicate from what the coordinator holds */
        FL_CHECK_COUNT, /* allowed on counts alone, far enough below every limit */
        FL_CHECK_LIST,  /* decided on fresh listings */
        _FL_CHECK_MAX,
};

/* "none", "cache", "count", "list". */
const char *fl_check_path_to_string(enum fl_check_path p);

struct fl_decision_result {
        enum fl_decision decision;
        enum fl_decision would; /* DRY_RUN: what a real trigger would get */
        const struct fl_workflow *workflow;
        const char *workflow_id;
        const char *run_id; /* STARTED; DUPLICATE when known */
        const char *task_queue;
        ssize_t constraint;           /* REJECTED (or would): the index, else -1 */
        uint64_t count;               /* ... what it counted */
        const char *reason;           /* REJECTED, DEFERRED, FAILED */
        const struct fl_pause *pause; /* DEFERRED (or would) */
        int error;                    /* FAILED: -EAGAIN unavailable, -ECANCELED, ... */
        bool cached;                  /* decided from a cached listing */
        enum fl_check_path check;
};

/* Runs once per submitted decision, possibly before fl_decider_submit()
 * returns. Everything it gets is borrowed for the call. */
typedef void (*fl_decision_fn)(const struct fl_decision_result *r, void *userdata);

/* Called only when a workflow is about to be started: the workflow's input
 * and memo (new references). Returns 0 or -errno (the decision fails). */
typedef int (*fl_decision_build_fn)(json_t **ret_input, json_t **ret_memo, void *userdata);

struct fl_decision_request {
        struct fl_workflow *workflow; /* a reference is taken */
        struct fl_target target;      /* copied */
        const char *rule;             /* copied */
        const char *idempotency_key;  /* copied */
        bool dry_run;
        fl_decision_build_fn build;
        fl_decision_fn done;
        void *userdata; /* for build and done */
};

struct fl_decider_options {
        struct fl_temporal *temporal;        /* borrowed */
        const struct fl_pause_state *pauses; /* borrowed; may be NULL */
        uint64_t reject_cache_usec;          /* 0: always list afresh */
        size_t max_pending;                  /* default 10000 */
};

struct fl_decider;

int fl_decider_new(
        struct event_base *base, const struct fl_decider_options *options, struct fl_decider **ret);

/* Queues a decision. Returns 0 (req->done runs exactly once, maybe
 * already), -EINVAL (bad names), -EBUSY (max_pending decisions pending:
 * answer 429), -ESHUTDOWN (shutting down), -ENOMEM; on error done never
 * runs. */
int fl_decider_submit(struct fl_decider *d, const struct fl_decision_request *req);

/* Stops taking decisions: queued ones end at once with FAILED -ECANCELED,
 * running ones when their Temporal call ends (free the Temporal client to
 * cut that short). */
void fl_decider_shutdown(struct fl_decider *d);

/* Frees everything. Call after the Temporal client is freed (its callbacks
 * point here). NULL-safe; returns NULL. */
struct fl_decider *fl_decider_free(struct fl_decider *d);
FL_DEFINE_CLEANUP(struct fl_decider *, fl_decider_free);

struct fl_decider_stats {
        uint64_t pending;      /* submitted, not finished */
        uint64_t scope_caches; /* visibility listings kept */
        uint64_t lock_queues;  /* keys with decisions queued */
        uint64_t local_starts; /* starts kept until visibility shows them */
        uint64_t cached;       /* decisions answered from a cached listing */
        uint64_t listings;     /* visibility list calls made */
        uint64_t counts;       /* visibility count calls made */
};
void fl_decider_get_stats(const struct fl_decider *d, struct fl_decider_stats *ret);
