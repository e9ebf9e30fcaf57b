/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Remediation pauses, by scope: everything, one workflow config, or one
 * datacenter. A trigger that falls under a pause is answered "deferred" (503
 * with Retry-After): the agent keeps it and sends it again, and once the
 * pause is lifted it proceeds if it is still allowed.
 *
 * Pauses survive restarts in STATE_DIR/pause.json, replaced atomically on
 * every change (write, fsync, rename):
 *
 *   {"version": 1, "pauses": [
 *     {"scope": "all", "reason": "maintenance", "by": "spiffe://example.com/ops",
 *      "since": "2026-11-27T04:00:00Z"},
 *     {"scope": "workflow", "workflow": "drain-node", ...},
 *     {"scope": "datacenter", "datacenter": "ams01", ...}]}
 *
 * A file that cannot be read or understood stops the coordinator from
 * starting (and fails --check): silently dropping a pause would let
 * remediation run where an operator stopped it.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "macro.h"

#define FL_PAUSE_FILE       "pause.json"
#define FL_PAUSES_MAX       10000
#define FL_PAUSE_REASON_MAX 512

enum fl_pause_scope {
        FL_PAUSE_ALL,
        FL_PAUSE_WORKFLOW,
        FL_PAUSE_DATACENTER,
        _FL_PAUSE_SCOPE_MAX,
};

/* "all", "workflow", "datacenter"; and back (-EINVAL when unknown). */
const char *fl_pause_scope_to_string(enum fl_pause_scope s);
int fl_pause_scope_from_string(const char *s);

struct fl_pause {
        enum fl_pause_scope scope;
        char *value;  /* the workflow or datacenter; NULL for "all" */
        char *reason; /* may be NULL */
        char *by;     /* who paused (SPIFFE ID); may be NULL */
        int64_t since_usec;
};

struct fl_pause_state;

/* Reads STATE_DIR/pause.json; a missing file (or directory) is an empty
 * state. Returns 0; -EINVAL after reporting in `diags`; -ENOMEM. */
int fl_pause_state_load(const char *state_dir, struct fl_diags *diags, struct fl_pause_state **ret);

struct fl_pause_state *fl_pause_state_free(struct fl_pause_state *s);
FL_DEFINE_CLEANUP(struct fl_pause_state *, fl_pause_state_free);

/* Adds (or replaces, same scope and value) a pause and persists the state
 * (creating STATE_DIR). Strings are copied. Returns 1 when added, 0 when it
 * replaced one, -errno when it could not be persisted (then nothing
 * changed). */
int fl_pause_state_add(struct fl_pause_state *s, const struct fl_pause *p);

/* Removes the pause of that scope and value and persists. Returns 0,
 * -ENOENT when there is none, -errno from persisting (nothing changed). */
int fl_pause_state_remove(struct fl_pause_state *s, enum fl_pause_scope scope, const char *value);

/* The pause a trigger for `workflow` in `datacenter` falls under (all
 * first, then workflow, then datacenter), or NULL. */
const struct fl_pause *fl_pause_state_match(
        const struct fl_pause_state *s, const char *workflow, const char *datacenter);

size_t fl_pause_state_size(const struct fl_pause_state *s);

/* {"scope", "workflow"|"datacenter", "reason", "by", "since"}; NULL when
 * out of memory. */
json_t *fl_pause_json(const struct fl_pause *p);
/* [ fl_pause_json()... ] */
json_t *fl_pause_state_json(const struct fl_pause_state *s);
