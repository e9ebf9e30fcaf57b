/* SPDX-License-Identifier: Apache-2.0 */
/*
 * An operator's trigger (faultlinectl trigger, explain): the body the
 * contract defines, signed with the operator's key like an agent's trigger
 * (sign.h), sent to POST /v1/triggers. The body's `event` says where it came
 * from ({"source": "faultlinectl", "user", "host"}); the coordinator takes
 * the node type and datacenter from the node's agent_key, never from here.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "common.h"
#include "session.h"

#define FL_CTL_DEFAULT_RULE "faultlinectl"

/* The options trigger and explain share (explain has no --dry-run: it is
 * one). */
enum {
        FL_CTL_OPT_NODE = FL_CTL_OPT_FIRST_OWN,
        FL_CTL_OPT_DRY_RUN,
        FL_CTL_OPT_PARAM,
        FL_CTL_OPT_RULE,
        FL_CTL_OPT_IDEMPOTENCY_KEY,
};
#define FL_CTL_TRIGGER_OPTIONS                                                         \
        {"node", required_argument, NULL, FL_CTL_OPT_NODE},                            \
                {"param", required_argument, NULL, FL_CTL_OPT_PARAM},                  \
                {"rule", required_argument, NULL, FL_CTL_OPT_RULE}, {                  \
                "idempotency-key", required_argument, NULL, FL_CTL_OPT_IDEMPOTENCY_KEY \
        }

struct fl_ctl_trigger {
        const char *workflow;
        const char *node;
        const char *rule;            /* NULL: FL_CTL_DEFAULT_RULE */
        const char *idempotency_key; /* NULL: a random one */
        json_t *params;              /* an object of strings, or NULL */
        bool dry_run;
};

/* Parses `WORKFLOW --node NODE ...` with `options` into `flags` and `t`
 * (--param values go to `params`, which `t` then points to). Returns
 * FL_CTL_EXIT_OK, also for --help (flags->help: the caller prints its
 * usage), or the exit status of a usage error it printed. */
int fl_ctl_trigger_args(int argc, char **argv, const struct option *options,
        struct fl_ctl_flags *flags, struct fl_ctl_trigger *t, json_t *params);

/* {"node", "workflow", "rule", "idempotency_key", "params", "event":
 * {"source": "faultlinectl", "user", "host"}, "observed_at", "dry_run"}.
 * `now_usec` is the wall clock. Returns 0 and a new object, -EINVAL with a
 * message (an invalid name or key), -EIO (no randomness), -ENOMEM. */
int fl_ctl_trigger_body(const struct fl_ctl_trigger *t, const char *user, const char *host,
        int64_t now_usec, json_t **ret, char *err, size_t err_size);

/* Builds, signs and sends the trigger. Returns FL_CTL_EXIT_OK with the
 * answer whatever its status (decisions come as 200, 202, 409 and 503), or
 * the exit status after printing why nothing usable came back. */
int fl_ctl_trigger_send(
        struct fl_ctl_session *s, const struct fl_ctl_trigger *t, struct fl_ctl_answer *ret);

/* The exit status an answer to a trigger means: 0 for started, duplicate,
 * and a dry run that would start (or find its duplicate); 2 for rejected or
 * deferred (also as a dry run's "would") and any other 4xx; 3 for a 5xx
 * without a decision (Temporal unavailable) and anything unexpected. */
int fl_ctl_decision_exit(long status, json_t *answer);

/* One line (two for a rejection's constraint) saying what the decision was:
 * "started faultline-disk-io-error-5f0c... (run 01a2...) on task queue
 * node/node-17", "rejected by maxExecution 1/1h per node (FILE:14): 1
 * started in the last 1h per node, limit 1", "dry run: would be deferred:
 * ...". */
void fl_ctl_print_decision(FILE *f, json_t *answer);
