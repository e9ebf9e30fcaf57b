/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Names faultline accepts for nodes, node types, datacenters, workflow
 * configs and rules, and the Temporal names built from them.
 *
 * Every such name ends up in a visibility query ('...' quoted), a task queue
 * name ("node/<node>") or a workflow id, so it is restricted up front to a
 * safe alphabet instead of being escaped at each use:
 *
 *   names  [A-Za-z0-9][A-Za-z0-9._-]{0,63}        node-17, storage, ams01
 *   rules  [A-Za-z0-9][A-Za-z0-9._:-]{0,127}      disk-io-errors, edac:ue
 *
 * Workflow ids are "faultline-<workflow>-<idempotency key>": deterministic,
 * so every retry of one fault names the same workflow, and without '/'
 * (Temporal's HTTP API cannot address such ids).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#define FL_NAME_MAX        64
#define FL_RULE_NAME_MAX   128
#define FL_WORKFLOW_ID_MAX 192 /* "faultline-" + 64 + "-" + 64 (key), with room */

bool fl_name_valid(const char *s);
bool fl_rule_name_valid(const char *s);

/* Writes "faultline-<workflow>-<key>" into buf (FL_WORKFLOW_ID_MAX bytes).
 * Returns 0, or -EINVAL when the workflow name or key is invalid. */
int fl_workflow_id(const char *workflow, const char *idempotency_key, char *buf, size_t size);
