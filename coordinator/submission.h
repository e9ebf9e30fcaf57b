/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A trigger whose sender has been authenticated, on its way to a decision:
 * shared by POST /v1/triggers (signed by an agent key) and POST
 * /v1/alertmanager (one per firing alert, from an mTLS identity).
 *
 * fl_submission_start() checks the workflow config (exists, may run for the
 * binding's node type) and queues the decision; when it is made, the
 * submission logs it (journal, metrics) and hands it to `done`, then frees
 * itself. The binding (node type, datacenter) is always an agent_key's,
 * never the trigger's.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "decide.h"
#include "manager.h"
#include "trigger.h"

struct fl_submission;

typedef void (*fl_submission_done_fn)(
        struct fl_submission *s, const struct fl_decision_result *res, void *userdata);

struct fl_submission {
        struct fl_manager *m;
        struct fl_trigger_request t;    /* owned */
        const struct fl_agent_key *key; /* the binding (config lifetime) */
        bool signed_by_key;             /* the key signed it: log its keyid */
        char *caller;                   /* SPIFFE ID of the client, or NULL */
        const char *source;             /* "trigger", "alertmanager" */
        struct fl_workflow *workflow;
        fl_submission_done_fn done;
        void *userdata;
};

/* A new submission taking ownership of `t` (cleared). NULL when out of memory. */
struct fl_submission *fl_submission_new(struct fl_manager *m, struct fl_trigger_request *t,
        const struct fl_agent_key *key, bool signed_by_key, const char *caller, const char *source,
        fl_submission_done_fn done, void *userdata);

void fl_submission_free(struct fl_submission *s);

/* Queues the decision. Returns 0: `done` runs exactly once (maybe already)
 * and the submission is freed after it. Otherwise the HTTP status, the
 * error code and a message for the refusal (404 unknown_workflow, 403
 * workflow_not_allowed, 429 overloaded, 503 shutting_down, 500 internal);
 * the caller still owns `s`. */
int fl_submission_start(
        struct fl_submission *s, const char **ret_error, char *message, size_t message_size);

/* The workflow input the submission would start with (for dry runs). */
json_t *fl_submission_input(const struct fl_submission *s);

/* The answer for a decision: returns the HTTP status and sets *ret_body
 * (and a header: Retry-After for deferred), or -ENOMEM. */
int fl_api_decision_answer(const struct fl_manager *m, const struct fl_decision_result *res,
        json_t **ret_body, const char **ret_header_name, char *header_value, size_t header_size);
