/* SPDX-License-Identifier: Apache-2.0 */
/*
 * POST /v1/executions/{workflow_id}/cancel {"reason": "disk replaced by hand"}:
 * an operator stops a running remediation (docs/coordinator.md). The run is
 * terminated in Temporal with the reason (its history keeps it), and the
 * journal names who did it.
 *
 * Who may: the ACL as for every route, and on top of it a matching
 * route_rule must name the caller's SPIFFE ID in its `uris`: allow_public
 * never covers cancelling. A cancel must be attributable, and a broad public
 * POST rule meant for signed triggers (the seed's global_post) would
 * otherwise let any TLS client stop remediation.
 *
 * What: only a faultline execution (one with the FaultlineWorkflow search
 * attribute, so other workflows of the namespace are out of reach) that is
 * running. Describe, then terminate; a run that finishes in between is
 * answered like one that had finished before.
 *
 *   200 {"cancelled": ID, "run_id", "workflow", "node", "reason", "by"}
 *   400 bad_request       no JSON object with a one-line "reason" (1..512 bytes)
 *   403 forbidden         no rule names the caller
 *   404 not_found         a path that is not /v1/executions/ID/cancel
 *   404 unknown_execution no such workflow id, or not a faultline execution
 *   409 not_running       it has finished ("status": "Completed", ...)
 *   503 temporal_unavailable / temporal_error
 */
#include "manager.h"

#include "acl.h"
#include "messages.h"
#include "names.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#define CANCEL_PREFIX     "/v1/executions/"
#define CANCEL_SUFFIX     "/cancel"
#define WORKFLOW_ID_MAX   255
#define CANCEL_REASON_MAX 512

struct cancel {
        struct fl_manager *m;
        struct fl_request *r;
        char *workflow_id;
        char *reason;
        char *run_id;
        char *workflow;
        char *node;
};

static void cancel_free(struct cancel *c) {
        free(c->workflow_id);
        free(c->reason);
        free(c->run_id);
        free(c->workflow);
        free(c->node);
        free(c);
}

/* The workflow id of /v1/executions/ID/cancel as a new string; NULL for any
 * other path (or without memory). Faultline's ids are
 * faultline-<workflow>-<key>; the characters allowed here are a superset. */
static char *workflow_id_of(const char *path) {
        const char *id = path + strlen(CANCEL_PREFIX);
        size_t n = strlen(id), suffix = strlen(CANCEL_SUFFIX);

        if (n <= suffix || strcmp(id + n - suffix, CANCEL_SUFFIX) != 0)
                return NULL;
        n -= suffix;
        if (n > WORKFLOW_ID_MAX ||
                strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-") !=
                        n)
                return NULL;
        return strndup(id, n);
}

/* The "reason" of the body, checked, as a new string. Returns 0, -EINVAL
 * with a message in err, or -ENOMEM. */
static int reason_of(struct fl_request *r, char **ret, char *err, size_t err_size) {
        json_error_t jerr;
        json_t *body;
        const char *reason;
        size_t size;
        const void *data = fl_request_body(r, &size);
        int k = -EINVAL;

        body = json_loadb(data, size, JSON_REJECT_DUPLICATES, &jerr);
        reason = json_string_value(json_object_get(body, "reason"));
        if (!json_is_object(body))
                snprintf(err, err_size, "the body must be a JSON object with a \"reason\"");
        else if (!reason || !*reason)
                snprintf(err, err_size, "\"reason\" is required: say why the remediation stops");
        else if (strlen(reason) > CANCEL_REASON_MAX)
                snprintf(err, err_size, "\"reason\" is longer than %d bytes", CANCEL_REASON_MAX);
        else {
                bool printable = true;

                for (const unsigned char *p = (const unsigned char *) reason; *p; p++)
                        if (*p < 0x20 || *p == 0x7f)
                                printable = false;
                if (!printable)
                        snprintf(err, err_size, "\"reason\" must be one line of text");
                else
                        k = (*ret = strdup(reason)) ? 0 : -ENOMEM;
        }
        json_decref(body);
        return k;
}

static void reply_temporal_error(struct cancel *c, const struct fl_temporal_reply *reply) {
        bool unavailable = reply->error == -EAGAIN || reply->error == -ECANCELED;

        fl_request_reply_error(c->r, 503, unavailable ? "temporal_unavailable" : "temporal_error",
                "%s", reply->message ? reply->message : strerror(-reply->error));
}

static void on_terminated(const struct fl_temporal_reply *reply, void *userdata) {
        struct cancel *c = userdata;
        struct fl_request *r = c->r;
        char id[64 + WORKFLOW_ID_MAX], workflow[128], node[128], caller[FL_NAME_MAX * 40],
                reason[32 + CANCEL_REASON_MAX];
        const char *fields[] = {id, workflow, node, caller, reason, NULL};

        if (reply->error == -ENOENT) {
                /* It finished between the describe and now. */
                fl_request_reply_json(r, 409,
                        json_pack("{s:s, s:s}", "error", "not_running", "message",
                                "the execution is not running any more"),
                        NULL, NULL);
                cancel_free(c);
                return;
        }
        if (reply->error < 0) {
                reply_temporal_error(c, reply);
                cancel_free(c);
                return;
        }
        snprintf(id, sizeof(id), "FAULTLINE_WORKFLOW_ID=%s", c->workflow_id);
        snprintf(workflow, sizeof(workflow), "FAULTLINE_WORKFLOW=%s", c->workflow);
        snprintf(node, sizeof(node), "FAULTLINE_NODE=%s", c->node ? c->node : "");
        snprintf(caller, sizeof(caller), "FAULTLINE_CALLER=%s", r->identity);
        snprintf(reason, sizeof(reason), "FAULTLINE_REASON=%s", c->reason);
        fl_journal_message(c->m->journal, LOG_NOTICE, FL_MESSAGE_EXECUTION_CANCELLED, fields,
                "cancelled %s (%s on %s) by %s: %s", c->workflow_id, c->workflow,
                c->node ? c->node : "no node", r->identity, c->reason);
        fl_request_reply_json(r, 200,
                json_pack("{s:s, s:s?, s:s, s:s?, s:s, s:s}", "cancelled", c->workflow_id, "run_id",
                        c->run_id, "workflow", c->workflow, "node", c->node, "reason", c->reason,
                        "by", r->identity),
                NULL, NULL);
        cancel_free(c);
}

static void on_described(const struct fl_temporal_reply *reply,
        const struct fl_temporal_execution *e, json_t *raw, void *userdata) {
        struct cancel *c = userdata;
        const char *status;
        int k;

        if (reply->error == -ENOENT || (reply->error == 0 && !e->search_attributes.workflow)) {
                fl_request_reply_error(c->r, 404, "unknown_execution",
                        "no faultline execution has the workflow id \"%s\"", c->workflow_id);
                cancel_free(c);
                return;
        }
        if (reply->error < 0) {
                reply_temporal_error(c, reply);
                cancel_free(c);
                return;
        }
        if (e->status != FL_TEMPORAL_STATUS_RUNNING) {
                status = fl_temporal_status_to_string(e->status);
                fl_request_reply_json(c->r, 409,
                        json_pack("{s:s, s:s, s:s?}", "error", "not_running", "message",
                                "the execution is not running any more", "status", status),
                        NULL, NULL);
                cancel_free(c);
                return;
        }
        c->workflow = strdup(e->search_attributes.workflow);
        c->node = e->search_attributes.node ? strdup(e->search_attributes.node) : NULL;
        c->run_id = e->run_id ? strdup(e->run_id) : NULL;
        if (!c->workflow || (e->search_attributes.node && !c->node) || (e->run_id && !c->run_id))
                k = -ENOMEM;
        else
                k = fl_temporal_terminate(
                        c->m->temporal, c->workflow_id, c->reason, 0, on_terminated, c);
        if (k < 0) {
                fl_request_reply_error(c->r, k == -ENOMEM ? 500 : 503,
                        k == -ENOMEM ? "internal" : "temporal_unavailable", "%s",
                        k == -EAGAIN ? "Temporal is unavailable" : strerror(-k));
                cancel_free(c);
        }
}

void fl_api_cancel(struct fl_request *r, void *userdata) {
        struct fl_manager *m = userdata;
        struct cancel *c;
        char err[256];
        int k;

        c = calloc(1, sizeof(*c));
        if (!c) {
                fl_request_reply_error(r, 500, "internal", "out of memory");
                return;
        }
        c->m = m;
        c->r = r;
        c->workflow_id = workflow_id_of(r->path);
        if (!c->workflow_id) {
                fl_request_reply_error(r, 404, "not_found", "no such endpoint: %s", r->path);
                cancel_free(c);
                return;
        }
        if (!fl_acl_names_caller(&m->config->server_config, r->method, r->path, r->identity)) {
                fl_request_reply_error(r, 403, "forbidden",
                        "cancelling needs a caller named in the uris of a route_rule for POST "
                        "%s (allow_public does not cover it)%s%s",
                        r->path, r->identity ? "; not " : "", r->identity ? r->identity : "");
                cancel_free(c);
                return;
        }
        k = reason_of(r, &c->reason, err, sizeof(err));
        if (k < 0) {
                if (k == -ENOMEM)
                        fl_request_reply_error(r, 500, "internal", "out of memory");
                else
                        fl_request_reply_error(r, 400, "bad_request", "%s", err);
                cancel_free(c);
                return;
        }
        k = fl_temporal_describe(m->temporal, c->workflow_id, NULL, 0, on_described, c);
        if (k < 0) {
                fl_request_reply_error(r, 503, "temporal_unavailable", "%s",
                        k == -EAGAIN ? "Temporal is unavailable" : strerror(-k));
                cancel_free(c);
        }
}
