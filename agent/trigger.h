/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A trigger: what the agent asks the coordinator for when a rule fires, and
 * the JSON body of POST /v1/triggers (CONTRACT.md) it becomes:
 *
 *   {"node": "node-17", "workflow": "disk-io-error", "rule": "disk-io-errors",
 *    "idempotency_key": "5f0c3b1e9a7d4c2e8b6a1f0d3c5e7a9b",
 *    "params": {"device": "/dev/loop0", "sector": "1000"},
 *    "event": {"source": "bpf", "kind": "block_rq_error", "count": 1,
 *              "identity": "bpf:5f0c...:912345678901:1",
 *              "dev": "7:0", "disk": "loop0", "sector": "1000", ...},
 *    "observed_at": "2026-11-27T03:58:00.123456Z", "dry_run": false}
 *
 * `event` holds the event's fields (and regex captures) as strings, plus
 * source, kind, identity and count; `observed_at` is when the kernel saw the
 * occurrence that completed the threshold (RFC 3339, UTC, microseconds).
 * Node type and datacenter are deliberately absent: the coordinator takes
 * them from the signing key's binding, never from the body.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

struct fl_trigger {
        const char *node;
        const char *workflow;
        const char *rule;
        const char *key; /* the threshold key the rule counted under ("" for none) */
        const char *idempotency_key;
        const json_t *params;      /* object of strings */
        const json_t *event;       /* object */
        uint64_t observed_at_usec; /* CLOCK_REALTIME */
        bool dry_run;
};

/* The POST /v1/triggers body, compact JSON with keys in the order above.
 * Returns 0 and a string the caller frees; -EINVAL when a required member
 * (node, workflow, rule, idempotency_key) is missing or params/event is not
 * an object; -ENOMEM. */
int fl_trigger_to_json(const struct fl_trigger *t, char **ret);

#define FL_TIMESTAMP_MAX sizeof("2026-11-27T03:58:00.123456Z")

/* Formats CLOCK_REALTIME microseconds as RFC 3339 UTC with microseconds into
 * `buf`. Returns 0, or -ERANGE when the time cannot be represented. */
int fl_format_timestamp(uint64_t usec, char buf[static FL_TIMESTAMP_MAX]);
