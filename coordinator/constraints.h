/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Safety constraints: may this workflow start now for this target?
 *
 * Pure decision logic. The caller brings, per scope, the executions Temporal
 * visibility listed and those this coordinator started that visibility may
 * not show yet (it is eventually consistent); this module unions them by
 * workflow id and counts. docs/constraints.md states the semantics:
 *
 *   maxExecution  executions of the workflow in scope started within
 *                 `period` before now, whatever their status, must stay
 *                 below `value` for a new one to start;
 *   concurrency   of those, the ones still running must stay below `value`
 *                 (the period bounds the look-back so a stuck run cannot
 *                 block forever).
 *
 * Scopes nest: node within node type (same type in the same datacenter)
 * within datacenter within global.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

enum fl_constraint_kind {
        FL_CONSTRAINT_CONCURRENCY,
        FL_CONSTRAINT_MAX_EXECUTION,
};

/* Ordered from narrowest to widest. */
enum fl_scope {
        FL_SCOPE_NODE,
        FL_SCOPE_NODE_TYPE,
        FL_SCOPE_DATACENTER,
        FL_SCOPE_GLOBAL,
        _FL_SCOPE_MAX,
};

struct fl_constraint {
        enum fl_constraint_kind kind;
        uint64_t value;
        uint64_t period_usec;
        enum fl_scope scope;
        unsigned line, column; /* where it was written, for answers naming it */
};

/* Who the workflow would run for. Node type and datacenter come from the
 * signing key's binding, never from a request body. */
struct fl_target {
        const char *node;
        const char *node_type;
        const char *datacenter;
};

struct fl_execution {
        const char *workflow_id;
        uint64_t start_usec;
        bool running;
};

/* Everything known about one scope's executions. */
struct fl_scope_view {
        const struct fl_execution *listed; /* from visibility */
        size_t n_listed;
        bool truncated;                   /* visibility had more than listed */
        const struct fl_execution *local; /* started here, maybe not visible yet */
        size_t n_local;
};

enum fl_verdict_kind {
        FL_VERDICT_ALLOW,
        FL_VERDICT_REJECT,
        FL_VERDICT_DUPLICATE,
};

struct fl_verdict {
        enum fl_verdict_kind kind;
        size_t constraint; /* REJECT: index of the constraint that refused */
        uint64_t count;    /* REJECT: what it counted */
        /* REJECT on a truncated view that did not contain the candidate id:
         * the caller must ask Temporal whether the id exists before saying
         * "rejected", since a retry of a started workflow is a duplicate. */
        bool maybe_duplicate;
        char reason[256];
};

/* "concurrency", "maxExecution"; and the scope names "node", "node_type",
 * "datacenter", "global". */
const char *fl_constraint_kind_to_string(enum fl_constraint_kind k);
const char *fl_scope_to_string(enum fl_scope s);
/* Accepts the seed's "concurency" spelling. Returns the kind or -EINVAL. */
int fl_constraint_kind_from_string(const char *s);
int fl_scope_from_string(const char *s);

/* The widest scope among the constraints (node when there are none): all
 * decisions sharing its key are serialised, which serialises every narrower
 * scope as well. */
enum fl_scope fl_constraints_lock_scope(const struct fl_constraint *c, size_t n);

/* "workflow|scope|values": identifies one scope of one workflow. */
int fl_scope_key(const char *workflow, enum fl_scope s, const struct fl_target *t, char **ret);

/* The visibility query for one scope's executions started at or after
 * `since_usec`, e.g.
 *   FaultlineWorkflow = 'disk-io-error' AND FaultlineNode = 'node-a'
 *   AND StartTime >= '2026-11-27T04:00:00Z'
 * Returns -EINVAL if a value cannot be quoted safely. */
int fl_scope_query(const char *workflow, enum fl_scope s, const struct fl_target *t,
        uint64_t since_usec, char **ret);

/* Longest period among constraints of scope `s` (0 if none). */
uint64_t fl_constraints_lookback(const struct fl_constraint *c, size_t n, enum fl_scope s);
/* Entries one scope's listing needs: enough to prove any limit reached. */
size_t fl_constraints_page_size(
        const struct fl_constraint *c, size_t n, enum fl_scope s, size_t n_local);

/* Count first (docs/constraints.md, "How the numbers stay exact"): before
 * listing, the coordinator counts what each constraint limits and adds its
 * own starts, an upper bound on the true count.
 *
 * The visibility query counting what constraint `k` limits: its scope's
 * executions started at or after `since_usec` (floored to the second, as
 * fl_scope_query() does), only the running ones for concurrency, leaving out
 * the workflow ids in `exclude` (the caller's own starts, which it adds
 * itself), e.g.
 *   FaultlineWorkflow = 'disk' AND FaultlineNode = 'node-a'
 *   AND StartTime >= '2026-11-27T04:00:00Z' AND ExecutionStatus = 'Running'
 *   AND WorkflowId != 'faultline-disk-k1'
 * Returns -EINVAL if a value cannot be quoted safely, -ENOMEM. */
int fl_constraint_count_query(const char *workflow, const struct fl_constraint *k,
        const struct fl_target *t, uint64_t since_usec, const char *const *exclude,
        size_t n_exclude, char **ret);

/* Given, per constraint, visibility's count of its query (`visible`) and the
 * starts made here that the query left out or may not show yet (`local`):
 * -1 when visible + local + 1 <= value for every constraint (the trigger
 * may start without a listing: the true count can only be smaller), else the
 * index of the first constraint that may be reached (list to decide). */
ssize_t fl_constraints_count_check(
        const struct fl_constraint *c, size_t n, const uint64_t *visible, const uint64_t *local);

/* Decides for `workflow_id` given one view per scope (views[FL_SCOPE_*];
 * scopes no constraint uses may be empty). Always succeeds. */
void fl_constraints_decide(const struct fl_constraint *c, size_t n, const char *workflow_id,
        const struct fl_scope_view views[static _FL_SCOPE_MAX], uint64_t now_usec,
        struct fl_verdict *ret);
