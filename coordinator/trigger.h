/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The body of POST /v1/triggers (CONTRACT.md), decoded and checked:
 *
 *   {"node": "node-17", "workflow": "disk-io-error", "rule": "disk-io-errors",
 *    "idempotency_key": "5f0c3b1e9a7d4c2e8b6a1f0d3c5e7a9b",
 *    "params": {"device": "/dev/loop0"}, "event": {"kind": "block_rq_error"},
 *    "observed_at": "2026-11-27T03:58:00.123456Z", "dry_run": false}
 *
 * node, workflow, rule and idempotency_key are required; params (an object
 * of strings), event (any object), observed_at (RFC 3339) and dry_run (a
 * bool) are optional, and null counts as absent. Unknown members are ignored
 * so agents and coordinators can be upgraded in any order; a member given
 * twice is refused (two parsers could pick different ones). Node type and
 * datacenter are not read from here: they come from the signing key.
 *
 * Names are restricted as names.h says, so they can go into visibility
 * queries, task queue names and workflow ids without escaping.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FL_TRIGGER_PARAMS_MAX    256 /* entries of "params" */
#define FL_TRIGGER_PARAM_KEY_MAX 128 /* bytes of one params key */

struct fl_trigger_request {
        json_t *root; /* the whole body; owns everything below */
        const char *node;
        const char *workflow;
        const char *rule;
        const char *idempotency_key;
        json_t *params;          /* object of strings, or NULL */
        json_t *event;           /* object, or NULL */
        const char *observed_at; /* as sent, or NULL */
        int64_t observed_at_usec;
        bool dry_run;
};

/* Decodes `size` bytes of JSON. Returns 0 and fills *ret (release with
 * fl_trigger_request_done()), or -EINVAL (malformed JSON, wrong type,
 * missing or invalid member) with a one-line explanation in `err`, or
 * -ENOMEM. *ret is untouched on failure. */
int fl_trigger_decode(
        const void *body, size_t size, struct fl_trigger_request *ret, char *err, size_t err_size);

void fl_trigger_request_done(struct fl_trigger_request *t);
