/* SPDX-License-Identifier: Apache-2.0 */
#include "submission.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct fl_submission *fl_submission_new(struct fl_manager *m, struct fl_trigger_request *t,
        const struct fl_agent_key *key, const char *keyid, const char *caller, const char *source,
        fl_submission_done_fn done, void *userdata) {
        struct fl_submission *s = calloc(1, sizeof(*s));

        if (!s || (caller && !(s->caller = strdup(caller)))) {
                free(s);
                return NULL;
        }
        s->m = m;
        s->t = *t;
        *t = (struct fl_trigger_request){};
        s->key = key;
        s->keyid = keyid;
        s->source = source;
        s->done = done;
        s->userdata = userdata;
        return s;
}

void fl_submission_free(struct fl_submission *s) {
        if (!s)
                return;
        fl_trigger_request_done(&s->t);
        fl_workflow_unref(s->workflow);
        free(s->caller);
        free(s);
}

/* ---- answers -------------------------------------------------------------- */

int fl_api_decision_answer(const struct fl_manager *m, const struct fl_decision_result *res,
        json_t **ret_body, const char **ret_header_name, char *header_value, size_t header_size) {
        enum fl_decision what = res->decision == FL_DECISION_DRY_RUN ? res->would : res->decision;
        json_t *body;
        int status;

        *ret_header_name = NULL;
        if (res->decision == FL_DECISION_FAILED) {
                bool unavailable =
                        res->error == -EAGAIN || res->error == -ECANCELED || res->error == -ENOBUFS;
                *ret_body = json_pack("{s:s, s:s}", "error",
                        unavailable ? "temporal_unavailable" : "temporal_error", "message",
                        res->reason ? res->reason : "");
                return 503;
        }
        body = json_pack("{s:s, s:s, s:s}", "decision", fl_decision_to_string(res->decision),
                "workflow", res->workflow->name, "workflow_id", res->workflow_id);
        if (!body)
                return -ENOMEM;
        if (res->decision == FL_DECISION_DRY_RUN)
                json_object_set_new(body, "would", json_string(fl_decision_to_string(what)));
        if (res->run_id)
                json_object_set_new(body, "run_id", json_string(res->run_id));
        if (what == FL_DECISION_STARTED)
                json_object_set_new(body, "task_queue", json_string(res->task_queue));
        if (what == FL_DECISION_REJECTED) {
                if (res->constraint >= 0)
                        json_object_set_new(body, "constraint",
                                fl_workflow_constraint_json(
                                        res->workflow, (size_t) res->constraint));
                json_object_set_new(body, "count", json_integer((json_int_t) res->count));
        }
        if (what == FL_DECISION_DEFERRED) {
                json_object_set_new(body, "pause", fl_pause_json(res->pause));
                json_object_set_new(body, "retry_after",
                        json_integer((json_int_t) (m->config->retry_after_usec / 1000000)));
        }
        if (res->reason)
                json_object_set_new(body, "reason", json_string(res->reason));

        switch (res->decision) {
        case FL_DECISION_STARTED:
                status = 202;
                break;
        case FL_DECISION_REJECTED:
                status = 409;
                break;
        case FL_DECISION_DEFERRED:
                status = 503;
                *ret_header_name = "Retry-After";
                snprintf(header_value, header_size, "%llu",
                        (unsigned long long) (m->config->retry_after_usec / 1000000));
                break;
        default: /* duplicate, dry_run */
                status = 200;
                break;
        }
        *ret_body = body;
        return status;
}

/* ---- the workflow's input ------------------------------------------------- */

json_t *fl_submission_input(const struct fl_submission *s) {
        const struct fl_workflow *w = s->workflow;
        unsigned f = w->input_fields;
        json_t *in = json_object(), *params;
        const char *k;
        json_t *v;

        if (!in)
                return NULL;
        if (f & FL_INPUT_NODE)
                json_object_set_new(in, "node", json_string(s->t.node));
        if (f & FL_INPUT_NODE_TYPE)
                json_object_set_new(in, "node_type", json_string(s->key->node_type));
        if (f & FL_INPUT_DATACENTER)
                json_object_set_new(in, "datacenter", json_string(s->key->datacenter));
        if (f & FL_INPUT_WORKFLOW)
                json_object_set_new(in, "workflow", json_string(w->name));
        if (f & FL_INPUT_RULE)
                json_object_set_new(in, "rule", json_string(s->t.rule));
        if (f & FL_INPUT_IDEMPOTENCY_KEY)
                json_object_set_new(in, "idempotency_key", json_string(s->t.idempotency_key));
        if (f & FL_INPUT_PARAMS) {
                /* The config's static params win over the trigger's. */
                params = s->t.params ? json_copy(s->t.params) : json_object();
                json_object_foreach (w->params, k, v)
                        json_object_set(params, k, v);
                json_object_set_new(in, "params", params);
        }
        if (f & FL_INPUT_EVENT)
                json_object_set_new(
                        in, "event", s->t.event ? json_incref(s->t.event) : json_object());
        if ((f & FL_INPUT_OBSERVED_AT) && s->t.observed_at)
                json_object_set_new(in, "observed_at", json_string(s->t.observed_at));
        return in;
}

static int build(json_t **ret_input, json_t **ret_memo, void *userdata) {
        const struct fl_submission *s = userdata;
        json_t *input = fl_submission_input(s), *memo;

        memo = json_pack("{s:O, s:s*, s:s*, s:s}", "trigger", s->t.root, "keyid", s->keyid,
                "caller", s->caller, "source", s->source);
        if (!input || !memo) {
                json_decref(input);
                json_decref(memo);
                return -ENOMEM;
        }
        *ret_input = input;
        *ret_memo = memo;
        return 0;
}

static void on_decided(const struct fl_decision_result *res, void *userdata) {
        struct fl_submission *s = userdata;
        struct fl_manager *m = s->m;
        char label[512] = "";

        if (res->constraint >= 0)
                fl_workflow_constraint_label(
                        res->workflow, (size_t) res->constraint, label, sizeof(label));
        m->decisions[res->decision]++;
        fl_metrics_decision(
                m->metrics, res->workflow->name, res->decision, label[0] ? label : NULL);
        if (res->check != FL_CHECK_NONE)
                fl_metrics_constraint_check(m->metrics, res->workflow->name, res->check);
        fl_journal_decision(m->journal, &(struct fl_journal_decision){
                                                .result = res,
                                                .node = s->t.node,
                                                .node_type = s->key->node_type,
                                                .datacenter = s->key->datacenter,
                                                .rule = s->t.rule,
                                                .idempotency_key = s->t.idempotency_key,
                                                .constraint = label[0] ? label : NULL,
                                                .caller = s->caller,
                                                .keyid = s->keyid,
                                                .source = s->source,
                                        });
        s->done(s, res, s->userdata);
        fl_submission_free(s);
}

int fl_submission_start(
        struct fl_submission *s, const char **ret_error, char *message, size_t message_size) {
        struct fl_manager *m = s->m;
        int r;

        s->workflow = fl_workflow_ref(fl_workflow_set_get(m->workflows, s->t.workflow));
        if (!s->workflow) {
                *ret_error = "unknown_workflow";
                snprintf(message, message_size, "no workflow config \"%s\"", s->t.workflow);
                return 404;
        }
        if (!fl_workflow_allows_node_type(s->workflow, s->key->node_type)) {
                *ret_error = "workflow_not_allowed";
                snprintf(message, message_size, "workflow \"%s\" does not run for node type \"%s\"",
                        s->workflow->name, s->key->node_type);
                return 403;
        }
        r = fl_decider_submit(
                m->decider, &(struct fl_decision_request){
                                    .workflow = s->workflow,
                                    .target = {s->t.node, s->key->node_type, s->key->datacenter},
                                    .rule = s->t.rule,
                                    .idempotency_key = s->t.idempotency_key,
                                    .dry_run = s->t.dry_run,
                                    .build = build,
                                    .done = on_decided,
                                    .userdata = s,
                            });
        if (r == 0)
                return 0;
        if (r == -EBUSY) {
                *ret_error = "overloaded";
                snprintf(message, message_size, "too many decisions pending: retry later");
                return 429;
        }
        if (r == -ESHUTDOWN) {
                *ret_error = "shutting_down";
                snprintf(message, message_size, "the coordinator is stopping");
                return 503;
        }
        *ret_error = "internal";
        snprintf(message, message_size, "cannot queue the decision: %s", strerror(-r));
        return 500;
}
