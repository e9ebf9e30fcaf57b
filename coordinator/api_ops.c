/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Operator and monitoring endpoints (docs/coordinator.md):
 *
 *   GET /healthz                  liveness and what the coordinator depends on
 *   GET /metrics                  Prometheus text (metrics.h)
 *   GET /v1/workflows[?node=&node_type=&datacenter=]
 *                                 every workflow config with its constraints and
 *                                 current counts (fleet-wide, or for that target)
 *   GET /v1/executions?workflow=&node=&status=running&limit=
 *   GET|POST|DELETE /v1/pause     list, set, lift pauses (pause.h)
 */
#include "manager.h"

#include "acl.h"
#include "config_parse.h"
#include "messages.h"
#include "names.h"

#include <errno.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <syslog.h>
#include <time.h>

#define EXECUTIONS_LIMIT_MAX 1000

static uint64_t mono_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

static int64_t real_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/* ---- /healthz, /metrics ---------------------------------------------------- */

void fl_api_healthz(struct fl_request *r, void *userdata) {
        struct fl_manager *m = userdata;
        bool temporal = fl_temporal_available(m->temporal);

        fl_request_reply_json(r, 200,
                json_pack("{s:s, s:s, s:I, s:I, s:I}", "status", m->stopping ? "stopping" : "ok",
                        "temporal", temporal ? "available" : "unavailable", "workflows",
                        (json_int_t) fl_workflow_set_size(m->workflows), "pauses",
                        (json_int_t) fl_pause_state_size(m->pauses), "uptime_seconds",
                        (json_int_t) ((mono_usec() - m->started_usec) / 1000000)),
                NULL, NULL);
}

void fl_api_metrics(struct fl_request *r, void *userdata) {
        struct fl_manager *m = userdata;
        struct fl_server_stats ss;
        struct fl_decider_stats ds;
        struct fl_temporal_stats ts;
        struct fl_journal_stats js;
        char *text = NULL;
        size_t len = 0;

        fl_server_get_stats(m->server, &ss);
        fl_decider_get_stats(m->decider, &ds);
        fl_temporal_get_stats(m->temporal, &ts);
        fl_journal_get_stats(m->journal, &js);
        const struct fl_metrics_gauge gauges[] = {
                {"connections", "Open client connections.", (double) ss.connections},
                {"connections_accepted_total", "Client connections accepted.",
                        (double) ss.connections_total},
                {"connection_timeouts_total", "Connections closed for a slow request or idleness.",
                        (double) ss.timeouts},
                {"accepting", "1 while accepting connections (below max_connections).",
                        ss.accepting ? 1 : 0},
                {"requests_in_flight", "Requests received and not answered yet.",
                        (double) ss.requests_in_flight},
                {"decisions_pending", "Decisions queued or waiting for Temporal.",
                        (double) ds.pending},
                {"decisions_cached_total", "Decisions answered from a cached listing.",
                        (double) ds.cached},
                {"visibility_listings_total", "Visibility list calls made for decisions.",
                        (double) ds.listings},
                {"visibility_counts_total", "Visibility count calls made for decisions.",
                        (double) ds.counts},
                {"scope_caches", "Scopes with a visibility listing kept.",
                        (double) ds.scope_caches},
                {"local_starts", "Starts kept until visibility shows them.",
                        (double) ds.local_starts},
                {"nonce_cache_entries", "Signature nonces remembered against replays.",
                        (double) fl_nonce_cache_size(m->nonces)},
                {"temporal_available", "0 while the Temporal client's breaker is open.",
                        ts.available ? 1 : 0},
                {"temporal_pending", "Temporal operations in flight or queued.",
                        (double) ts.pending},
                {"temporal_retries_total", "Temporal HTTP attempts that were retries.",
                        (double) ts.retries},
                {"workflows", "Workflow configs in force.",
                        (double) fl_workflow_set_size(m->workflows)},
                {"pauses", "Pauses in force.", (double) fl_pause_state_size(m->pauses)},
                {"journal_entries_total", "Journal entries written.", (double) js.entries},
                {"journal_folded_total", "Identical entries folded into counts.",
                        (double) js.folded},
                {"uptime_seconds", "Seconds since the coordinator started.",
                        (double) (mono_usec() - m->started_usec) / 1e6},
        };

        if (fl_metrics_render(m->metrics, gauges, ELEMENTSOF(gauges), &text, &len) < 0) {
                fl_request_reply_error(r, 500, "internal", "out of memory");
                return;
        }
        fl_request_reply_text(r, 200, "text/plain; version=0.0.4", text, len);
        free(text);
}

/* ---- query strings ---------------------------------------------------------- */

struct query {
        struct evkeyvalq kv;
        bool parsed;
};

static void query_done(struct query *q) {
        if (q->parsed)
                evhttp_clear_headers(&q->kv);
}

static int query_parse(struct fl_request *r, struct query *q) {
        TAILQ_INIT(&q->kv);
        q->parsed = true;
        if (!r->query)
                return 0;
        return evhttp_parse_query_str(r->query, &q->kv) < 0 ? -EINVAL : 0;
}

static const char *query_get(struct query *q, const char *name) {
        const char *v = evhttp_find_header(&q->kv, name);

        return v && *v ? v : NULL;
}

/* ---- /v1/workflows -------------------------------------------------------- */

struct workflows_ctx {
        struct fl_manager *m;
        struct fl_request *r;
        json_t *list;
        unsigned pending;
        bool failed;
};

struct count_ctx {
        struct workflows_ctx *w;
        json_t *constraint; /* the JSON object to add "count" to (borrowed from list) */
};

static void workflows_done(struct workflows_ctx *w) {
        fl_request_reply_json(w->r, 200, json_pack("{s:O}", "workflows", w->list), NULL, NULL);
        json_decref(w->list);
        free(w);
}

static void on_count(const struct fl_temporal_reply *reply, int64_t count, void *userdata) {
        struct count_ctx *k = userdata;
        struct workflows_ctx *w = k->w;

        if (reply->error == 0)
                json_object_set_new(k->constraint, "count", json_integer(count));
        else {
                json_object_set_new(k->constraint, "count", json_null());
                json_object_set_new(k->constraint, "count_error",
                        json_string(reply->message ? reply->message : strerror(-reply->error)));
        }
        free(k);
        if (--w->pending == 0)
                workflows_done(w);
}

static json_t *names_json(char **items, size_t n) {
        json_t *a = json_array();

        for (size_t i = 0; a && i < n; i++)
                json_array_append_new(a, json_string(items[i]));
        return a;
}

void fl_api_workflows(struct fl_request *r, void *userdata) {
        struct fl_manager *m = userdata;
        struct query q = {};
        struct workflows_ctx *w;
        struct fl_target target;
        bool per_target;
        int64_t now = real_usec();

        if (query_parse(r, &q) < 0) {
                query_done(&q);
                fl_request_reply_error(r, 400, "bad_request", "malformed query string");
                return;
        }
        target = (struct fl_target){
                query_get(&q, "node"), query_get(&q, "node_type"), query_get(&q, "datacenter")};
        per_target = target.node || target.node_type || target.datacenter;
        if (per_target && (!fl_name_valid(target.node) || !fl_name_valid(target.node_type) ||
                                  !fl_name_valid(target.datacenter))) {
                query_done(&q);
                fl_request_reply_error(r, 400, "bad_request",
                        "counts for one target need valid node, node_type and datacenter");
                return;
        }
        w = calloc(1, sizeof(*w));
        if (!w || !(w->list = json_array())) {
                free(w);
                query_done(&q);
                fl_request_reply_error(r, 500, "internal", "out of memory");
                return;
        }
        w->m = m;
        w->r = r;
        w->pending = 1; /* until every count is submitted */
        for (size_t i = 0; i < fl_workflow_set_size(m->workflows); i++) {
                const struct fl_workflow *wf = fl_workflow_set_at(m->workflows, i);
                char timeout[32];
                json_t *o, *cs, *fields = json_array();

                for (unsigned bit = 1; bit <= FL_INPUT_ALL; bit <<= 1)
                        if (wf->input_fields & bit)
                                json_array_append_new(
                                        fields, json_string(fl_input_field_name(bit)));
                fl_cfg_format_duration(wf->execution_timeout_usec, timeout, sizeof(timeout));
                cs = json_array();
                o = json_pack("{s:s, s:s, s:s, s:s, s:o, s:s, s:o, s:O, s:o}", "name", wf->name,
                        "file", wf->path, "workflow_type", wf->workflow_type, "task_queue_target",
                        fl_queue_target_to_string(wf->target), "node_types",
                        names_json(wf->node_types, wf->n_node_types), "execution_timeout", timeout,
                        "input_fields", fields, "params", wf->params, "constraints", cs);
                if (!o)
                        continue;
                json_array_append_new(w->list, o);
                for (size_t k = 0; k < wf->n_constraints; k++) {
                        const struct fl_constraint *c = &wf->constraints[k];
                        json_t *cj = fl_workflow_constraint_json(wf, k);
                        struct count_ctx *cc;
                        char *query = NULL;
                        int rr;

                        if (!cj)
                                continue;
                        json_array_append_new(cs, cj);
                        json_object_set_new(cj, "counted_for",
                                json_string(per_target ? fl_scope_to_string(c->scope) : "all"));
                        rr = fl_scope_query(wf->name, per_target ? c->scope : FL_SCOPE_GLOBAL,
                                &target,
                                (uint64_t) now > c->period_usec ? (uint64_t) now - c->period_usec
                                                                : 0,
                                &query);
                        if (rr == 0 && c->kind == FL_CONSTRAINT_CONCURRENCY) {
                                char *q2 = NULL;
                                rr = asprintf(&q2, "%s AND ExecutionStatus = 'Running'", query) < 0
                                             ? -ENOMEM
                                             : 0;
                                free(query);
                                query = q2;
                        }
                        cc = rr == 0 ? calloc(1, sizeof(*cc)) : NULL;
                        if (cc) {
                                cc->w = w;
                                cc->constraint = cj;
                                rr = fl_temporal_count(m->temporal, query, 0, on_count, cc);
                                if (rr == 0)
                                        w->pending++;
                                else
                                        free(cc);
                        }
                        if (rr < 0 || !cc) {
                                json_object_set_new(cj, "count", json_null());
                                json_object_set_new(cj, "count_error",
                                        json_string(rr == -EAGAIN
                                                            ? "Temporal is unavailable"
                                                            : strerror(rr < 0 ? -rr : ENOMEM)));
                        }
                        free(query);
                }
        }
        query_done(&q);
        if (--w->pending == 0)
                workflows_done(w);
}

/* ---- /v1/executions --------------------------------------------------------- */

static void on_list(const struct fl_temporal_reply *reply,
        const struct fl_temporal_execution *executions, size_t n, const char *next_page_token,
        void *userdata) {
        struct fl_request *r = userdata;
        json_t *list;
        char t1[FL_TEMPORAL_TIME_MAX], t2[FL_TEMPORAL_TIME_MAX];

        if (reply->error < 0) {
                fl_request_reply_error(r, reply->error == -EINVAL ? 400 : 503,
                        reply->error == -EINVAL ? "bad_request" : "temporal_unavailable", "%s",
                        reply->message ? reply->message : strerror(-reply->error));
                return;
        }
        list = json_array();
        for (size_t i = 0; list && i < n; i++) {
                const struct fl_temporal_execution *e = &executions[i];
                const struct fl_temporal_search_attributes *sa = &e->search_attributes;
                json_t *o;

                if (fl_temporal_format_time(e->start_time_usec, t1) < 0)
                        t1[0] = '\0';
                if (e->close_time_usec <= 0 || fl_temporal_format_time(e->close_time_usec, t2) < 0)
                        t2[0] = '\0';
                o = json_pack("{s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, s:s?, "
                              "s:s?}",
                        "workflow_id", e->workflow_id, "run_id", e->run_id, "workflow_type",
                        e->workflow_type, "task_queue", e->task_queue, "status",
                        fl_temporal_status_to_string(e->status), "start_time", t1[0] ? t1 : NULL,
                        "close_time", t2[0] ? t2 : NULL, "workflow", sa->workflow, "node", sa->node,
                        "node_type", sa->node_type, "datacenter", sa->datacenter, "rule", sa->rule);
                if (o)
                        json_array_append_new(list, o);
        }
        fl_request_reply_json(r, 200,
                json_pack("{s:o, s:s?}", "executions", list ? list : json_array(),
                        "next_page_token", next_page_token),
                NULL, NULL);
}

void fl_api_executions(struct fl_request *r, void *userdata) {
        struct fl_manager *m = userdata;
        struct query q = {};
        const char *workflow, *node, *status, *limit, *token;
        char *query = NULL;
        unsigned long n = 100;
        size_t len = 0;
        FILE *f;
        int k;

        if (query_parse(r, &q) < 0) {
                query_done(&q);
                fl_request_reply_error(r, 400, "bad_request", "malformed query string");
                return;
        }
        workflow = query_get(&q, "workflow");
        node = query_get(&q, "node");
        status = query_get(&q, "status");
        limit = query_get(&q, "limit");
        token = query_get(&q, "page_token");
        if ((workflow && !fl_name_valid(workflow)) || (node && !fl_name_valid(node))) {
                query_done(&q);
                fl_request_reply_error(r, 400, "bad_request", "invalid workflow or node name");
                return;
        }
        if (status && strcmp(status, "running") != 0 && strcmp(status, "closed") != 0) {
                query_done(&q);
                fl_request_reply_error(
                        r, 400, "bad_request", "status must be \"running\" or \"closed\"");
                return;
        }
        if (limit) {
                char *end;
                n = strtoul(limit, &end, 10);
                if (*end || n < 1 || n > EXECUTIONS_LIMIT_MAX) {
                        query_done(&q);
                        fl_request_reply_error(r, 400, "bad_request",
                                "limit must be between 1 and %d", EXECUTIONS_LIMIT_MAX);
                        return;
                }
        }
        f = open_memstream(&query, &len);
        if (!f) {
                query_done(&q);
                fl_request_reply_error(r, 500, "internal", "out of memory");
                return;
        }
        /* Every faultline start has FaultlineWorkflow; names were checked. */
        if (workflow)
                fprintf(f, "FaultlineWorkflow = '%s'", workflow);
        else
                fprintf(f, "FaultlineWorkflow STARTS_WITH ''");
        if (node)
                fprintf(f, " AND FaultlineNode = '%s'", node);
        if (status)
                fprintf(f, strcmp(status, "running") == 0 ? " AND ExecutionStatus = 'Running'"
                                                          : " AND ExecutionStatus != 'Running'");
        fclose(f);
        k = fl_temporal_list(m->temporal, query, (unsigned) n, token, 0, on_list, r);
        free(query);
        query_done(&q);
        if (k < 0)
                fl_request_reply_error(r, 503, "temporal_unavailable", "%s",
                        k == -EAGAIN ? "Temporal is unavailable" : strerror(-k));
}

/* ---- /v1/pause -------------------------------------------------------------- */

/* The pause a request names: a JSON body, or (for DELETE) the query string. */
static int pause_target(
        struct fl_request *r, struct fl_pause *ret, json_t **ret_body, char *err, size_t err_size) {
        const char *scope = NULL, *value = NULL;
        struct query q = {};
        json_error_t jerr;
        json_t *body = NULL;
        size_t size;
        const void *data = fl_request_body(r, &size);
        int s;

        if (size > 0) {
                body = json_loadb(data, size, JSON_REJECT_DUPLICATES, &jerr);
                if (!body || !json_is_object(body)) {
                        snprintf(err, err_size, "the body must be a JSON object%s%s",
                                body ? "" : ": ", body ? "" : jerr.text);
                        json_decref(body);
                        return -EINVAL;
                }
                scope = json_string_value(json_object_get(body, "scope"));
        } else {
                if (query_parse(r, &q) < 0) {
                        query_done(&q);
                        snprintf(err, err_size, "malformed query string");
                        return -EINVAL;
                }
                scope = query_get(&q, "scope");
        }
        s = fl_pause_scope_from_string(scope);
        if (s < 0) {
                snprintf(
                        err, err_size, "\"scope\" must be \"all\", \"workflow\" or \"datacenter\"");
                goto fail;
        }
        if (s != FL_PAUSE_ALL) {
                value = body ? json_string_value(json_object_get(body, scope))
                             : query_get(&q, scope);
                if (!fl_name_valid(value)) {
                        snprintf(err, err_size, "a %s pause needs a valid \"%s\" name", scope,
                                scope);
                        goto fail;
                }
        }
        *ret = (struct fl_pause){
                .scope = (enum fl_pause_scope) s,
                .value = value ? strdup(value) : NULL,
                .reason = body ? (char *) json_string_value(json_object_get(body, "reason")) : NULL,
        };
        if (ret->reason && strlen(ret->reason) > FL_PAUSE_REASON_MAX) {
                free(ret->value);
                snprintf(err, err_size, "\"reason\" is longer than %d bytes", FL_PAUSE_REASON_MAX);
                goto fail;
        }
        query_done(&q);
        *ret_body = body;
        return 0;
fail:
        query_done(&q);
        json_decref(body);
        return -EINVAL;
}

static void journal_pause(
        struct fl_manager *m, struct fl_request *r, const struct fl_pause *p, bool set) {
        char scope[64], value[128], caller[FL_NAME_MAX * 40];
        const char *fields[] = {scope, value, caller, NULL};

        snprintf(scope, sizeof(scope), "FAULTLINE_PAUSE_SCOPE=%s",
                fl_pause_scope_to_string(p->scope));
        snprintf(value, sizeof(value), "FAULTLINE_PAUSE_VALUE=%s", p->value ? p->value : "");
        snprintf(caller, sizeof(caller), "FAULTLINE_CALLER=%s", r->identity ? r->identity : "");
        fl_journal_message(m->journal, LOG_NOTICE, FL_MESSAGE_PAUSE_CHANGED, fields,
                "%s %s%s%s%s%s by %s", set ? "paused" : "resumed",
                fl_pause_scope_to_string(p->scope), p->value ? " " : "", p->value ? p->value : "",
                p->reason ? ": " : "", p->reason ? p->reason : "",
                r->identity ? r->identity : "an anonymous caller");
}

void fl_api_pause(struct fl_request *r, void *userdata) {
        struct fl_manager *m = userdata;
        struct fl_pause p = {};
        json_t *body = NULL;
        char err[256];
        int k;

        if (r->method == FL_METHOD_GET) {
                fl_request_reply_json(r, 200,
                        json_pack("{s:o}", "pauses", fl_pause_state_json(m->pauses)), NULL, NULL);
                return;
        }
        /* Stopping or restarting remediation for a whole scope must be
         * attributable, even where a broad POST rule (the seed's
         * global_post) makes the route public. */
        if (!fl_acl_names_caller(&m->config->server_config, r->method, r->path, r->identity)) {
                fl_request_reply_error(r, 403, "forbidden",
                        "%s needs a caller named in the uris of a route_rule for %s %s "
                        "(allow_public does not cover it)%s%s",
                        r->method == FL_METHOD_POST ? "pausing" : "resuming",
                        r->method == FL_METHOD_POST ? "POST" : "DELETE", r->path,
                        r->identity ? "; not " : "", r->identity ? r->identity : "");
                return;
        }
        if (pause_target(r, &p, &body, err, sizeof(err)) < 0) {
                fl_request_reply_error(r, 400, "bad_request", "%s", err);
                return;
        }
        if (r->method == FL_METHOD_POST) {
                p.by = r->identity;
                p.since_usec = real_usec();
                k = fl_pause_state_add(m->pauses, &p);
                if (k >= 0)
                        journal_pause(m, r, &p, true);
        } else {
                k = fl_pause_state_remove(m->pauses, p.scope, p.value);
                if (k == 0)
                        journal_pause(m, r, &p, false);
        }
        if (k == -ENOENT)
                fl_request_reply_error(r, 404, "not_paused", "no %s pause%s%s is in force",
                        fl_pause_scope_to_string(p.scope), p.value ? " for " : "",
                        p.value ? p.value : "");
        else if (k < 0)
                fl_request_reply_error(
                        r, 500, "internal", "cannot persist the pause state: %s", strerror(-k));
        else
                fl_request_reply_json(r, 200,
                        json_pack("{s:s, s:o}", r->method == FL_METHOD_POST ? "paused" : "resumed",
                                fl_pause_scope_to_string(p.scope), "pauses",
                                fl_pause_state_json(m->pauses)),
                        NULL, NULL);
        free(p.value);
        json_decref(body);
}
