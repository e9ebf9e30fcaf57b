/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Workflow configs: /etc/faultline/workflows.d/NAME.hcl, one workflow per
 * file, NAME being the workflow's name in triggers ("workflow": "NAME").
 * The seed format is accepted as written; everything else is optional:
 *
 *   workflow_type     = "RunRunbook"        # Temporal workflow type; default NAME
 *   task_queue_target = "node"              # "node", "node_type" or "general" (required)
 *   node_types        = ["storage"]         # node types it may run for; default any
 *   execution_timeout = "30m"               # default 1h
 *   input_fields      = ["node", "params"]  # trigger fields in the input; default all
 *   params            = { runbook = "disk-io-error.sh" }   # override the trigger's
 *
 *   constraint {
 *     kind      = "concurency"              # or "concurrency", "maxExecution"
 *     value     = "1"                       # string or number, 1..500
 *     period    = "15m"
 *     is_global = false                     # true: scope = "global"
 *     scope     = "node"                    # node | node_type | datacenter | global
 *   }
 *
 * docs/workflows.md and docs/constraints.md describe the semantics. A loaded
 * workflow is immutable and reference counted: a decision in flight keeps
 * the version it started with while SIGHUP installs a new one.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "constraints.h"
#include "diag.h"
#include "macro.h"

#define FL_CONSTRAINT_VALUE_MAX 500 /* keeps one visibility page enough to prove a limit */
#define FL_WORKFLOW_FILES_MAX   1000

enum fl_queue_target {
        FL_QUEUE_NODE,      /* node/<node> */
        FL_QUEUE_NODE_TYPE, /* type/<datacenter>/<node_type> */
        FL_QUEUE_GENERAL,   /* general/<datacenter> */
        _FL_QUEUE_MAX,
};

/* "node", "node_type", "general". */
const char *fl_queue_target_to_string(enum fl_queue_target t);

/* Trigger fields a workflow's input may carry (input_fields), as bits. */
enum {
        FL_INPUT_NODE = 1u << 0,
        FL_INPUT_NODE_TYPE = 1u << 1,
        FL_INPUT_DATACENTER = 1u << 2,
        FL_INPUT_WORKFLOW = 1u << 3,
        FL_INPUT_RULE = 1u << 4,
        FL_INPUT_IDEMPOTENCY_KEY = 1u << 5,
        FL_INPUT_PARAMS = 1u << 6,
        FL_INPUT_EVENT = 1u << 7,
        FL_INPUT_OBSERVED_AT = 1u << 8,
        FL_INPUT_ALL = (1u << 9) - 1,
};

/* The name of one FL_INPUT_* bit ("node_type"), NULL for anything else. */
const char *fl_input_field_name(unsigned bit);

struct fl_workflow {
        unsigned n_ref;
        char *name; /* NAME of NAME.hcl */
        char *path; /* the file, as opened */
        char *workflow_type;
        enum fl_queue_target target;
        char **node_types; /* NULL-terminated; n_node_types == 0: any type */
        size_t n_node_types;
        uint64_t execution_timeout_usec;
        unsigned input_fields; /* FL_INPUT_* */
        json_t *params;        /* object of strings (maybe empty), never NULL */
        struct fl_constraint *constraints;
        size_t n_constraints;
        enum fl_scope lock_scope; /* fl_constraints_lock_scope() */
        uint64_t lookback_usec;   /* longest period of any constraint */
};

/* Decodes one workflow config. The name comes from the file name (NAME.hcl),
 * which must be a valid name. Returns 0 and a workflow with one reference;
 * -EINVAL after appending every problem to `diags` (an unreadable file is
 * reported at 1:1); -ENOMEM. */
int fl_workflow_load(const char *path, struct fl_diags *diags, struct fl_workflow **ret);

struct fl_workflow *fl_workflow_ref(struct fl_workflow *w);
/* Drops a reference; frees on the last. Accepts NULL; returns NULL. */
struct fl_workflow *fl_workflow_unref(struct fl_workflow *w);
FL_DEFINE_CLEANUP(struct fl_workflow *, fl_workflow_unref);

/* True when the workflow may run for a node of this type. */
bool fl_workflow_allows_node_type(const struct fl_workflow *w, const char *node_type);

/* {"kind", "value", "period", "scope", "file", "line"}: how answers, logs
 * and GET /v1/workflows name constraint i. NULL when out of memory. */
json_t *fl_workflow_constraint_json(const struct fl_workflow *w, size_t i);

/* "maxExecution 1/1h per node (FILE:LINE)": the same for logs and metrics
 * labels, into buf. */
void fl_workflow_constraint_label(const struct fl_workflow *w, size_t i, char *buf, size_t size);

/* ---- the set of workflow configs ----------------------------------------- */

struct fl_workflow_set;

/* Loads every NAME.hcl of `dir` (other files, and names starting with '.',
 * are ignored). A file with problems is reported in `diags` and, when
 * `previous` holds a workflow of that name, the previous version is kept (the
 * last good version stays in force); otherwise that workflow is absent.
 *
 * Returns 0 and the new set, *ret_n_invalid (may be NULL) counting the files
 * with problems; -errno when the directory cannot be read (also reported in
 * `diags`, at DIR:1:1), -ENOMEM. */
int fl_workflow_set_load(const char *dir, const struct fl_workflow_set *previous,
        struct fl_diags *diags, struct fl_workflow_set **ret, size_t *ret_n_invalid);

struct fl_workflow_set *fl_workflow_set_free(struct fl_workflow_set *s);
FL_DEFINE_CLEANUP(struct fl_workflow_set *, fl_workflow_set_free);

/* Borrowed; take a reference to keep it beyond the set's life. */
struct fl_workflow *fl_workflow_set_get(const struct fl_workflow_set *s, const char *name);
size_t fl_workflow_set_size(const struct fl_workflow_set *s);
/* The i-th workflow in name order (i < size). */
struct fl_workflow *fl_workflow_set_at(const struct fl_workflow_set *s, size_t i);
