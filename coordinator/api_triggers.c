/* SPDX-License-Identifier: Apache-2.0 */
/*
 * POST /v1/triggers (CONTRACT.md, docs/coordinator.md): a signed request for
 * a remediation. In order, cheapest refusal first where it cannot be abused:
 *
 *   1. RFC 9421 signature (lib/httpsig): ed25519, covering @method,
 *      @path or @target-uri and content-digest, with created (within the
 *      clock skew), keyid (an agent_key) and nonce              401
 *   2. Content-Digest (RFC 9530) against the body received      401
 *   3. nonce not seen before under this keyid                   401 (429 when the cache is full)
 *   4. the body: JSON with the contract's members               400
 *   5. the key may speak for the body's node                    403
 *   6. the workflow config exists                               404
 *   7. and may run for the key's node type                      403
 *   8. the decision (decide.h)      202 / 200 / 409 / 503 (deferred, Temporal)
 *
 * The signature is verified before anything is parsed: a request that is
 * not signed by a known key costs one header parse and is refused before
 * the Ed25519 check when its metadata is wrong (time, key, components).
 */
#include "manager.h"

#include "digest.h"
#include "httpsig.h"
#include "trigger.h"

#include <errno.h>
#include <event2/http.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define HEADERS_ON_STACK 32
#define HEADERS_MAX      1024 /* lines; the head is capped at 32 KiB anyway */

struct trigger_ctx {
        struct fl_manager *m;
        struct fl_request *r;
        struct fl_trigger_request t;
        const struct fl_agent_key *key;
        struct fl_workflow *workflow;
};

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

static void refuse(struct trigger_ctx *c, int status, const char *error, const char *keyid,
        const char *fmt, ...) _printf_(5, 6);
static void refuse(struct trigger_ctx *c, int status, const char *error, const char *keyid,
        const char *fmt, ...) {
        char message[512];
        va_list ap;

        va_start(ap, fmt);
        (void) vsnprintf(message, sizeof(message), fmt, ap);
        va_end(ap);
        fl_metrics_refusal(c->m->metrics, error);
        fl_journal_refusal(c->m->journal, &(struct fl_journal_refusal){
                                                  .status = status,
                                                  .error = error,
                                                  .message = message,
                                                  .caller = c->r->identity,
                                                  .keyid = keyid,
                                                  .node = c->t.node,
                                                  .workflow = c->t.workflow,
                                                  .peer = c->r->peer,
                                                  .path = c->r->path,
                                          });
        fl_request_reply_error(c->r, status, error, "%s", message);
}

static void ctx_free(struct trigger_ctx *c) {
        fl_trigger_request_done(&c->t);
        fl_workflow_unref(c->workflow);
        free(c);
}

/* ---- the workflow's input ------------------------------------------------- */

static json_t *make_input(const struct trigger_ctx *c) {
        const struct fl_workflow *w = c->workflow;
        unsigned f = w->input_fields;
        json_t *in = json_object(), *params;
        const char *k;
        json_t *v;

        if (!in)
                return NULL;
        if (f & FL_INPUT_NODE)
                json_object_set_new(in, "node", json_string(c->t.node));
        if (f & FL_INPUT_NODE_TYPE)
                json_object_set_new(in, "node_type", json_string(c->key->node_type));
        if (f & FL_INPUT_DATACENTER)
                json_object_set_new(in, "datacenter", json_string(c->key->datacenter));
        if (f & FL_INPUT_WORKFLOW)
                json_object_set_new(in, "workflow", json_string(w->name));
        if (f & FL_INPUT_RULE)
                json_object_set_new(in, "rule", json_string(c->t.rule));
        if (f & FL_INPUT_IDEMPOTENCY_KEY)
                json_object_set_new(in, "idempotency_key", json_string(c->t.idempotency_key));
        if (f & FL_INPUT_PARAMS) {
                /* The config's static params win over the trigger's. */
                params = c->t.params ? json_copy(c->t.params) : json_object();
                json_object_foreach (w->params, k, v)
                        json_object_set(params, k, v);
                json_object_set_new(in, "params", params);
        }
        if (f & FL_INPUT_EVENT)
                json_object_set_new(
                        in, "event", c->t.event ? json_incref(c->t.event) : json_object());
        if ((f & FL_INPUT_OBSERVED_AT) && c->t.observed_at)
                json_object_set_new(in, "observed_at", json_string(c->t.observed_at));
        return in;
}

static int build(json_t **ret_input, json_t **ret_memo, void *userdata) {
        const struct trigger_ctx *c = userdata;
        json_t *input = make_input(c), *memo;

        memo = json_pack("{s:O, s:s, s:s*}", "trigger", c->t.root, "keyid", c->key->keyid, "caller",
                c->r->identity);
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
        struct trigger_ctx *c = userdata;
        struct fl_manager *m = c->m;
        const char *header = NULL;
        char label[512] = "", value[32];
        json_t *body = NULL;
        int status;

        if (res->constraint >= 0)
                fl_workflow_constraint_label(
                        res->workflow, (size_t) res->constraint, label, sizeof(label));
        m->decisions[res->decision]++;
        fl_metrics_decision(
                m->metrics, res->workflow->name, res->decision, label[0] ? label : NULL);
        fl_journal_decision(m->journal, &(struct fl_journal_decision){
                                                .result = res,
                                                .node = c->t.node,
                                                .node_type = c->key->node_type,
                                                .datacenter = c->key->datacenter,
                                                .rule = c->t.rule,
                                                .idempotency_key = c->t.idempotency_key,
                                                .constraint = label[0] ? label : NULL,
                                                .caller = c->r->identity,
                                                .keyid = c->key->keyid,
                                                .source = "trigger",
                                        });
        status = fl_api_decision_answer(m, res, &body, &header, value, sizeof(value));
        if (status < 0 || !body) {
                json_decref(body);
                fl_request_reply_error(c->r, 500, "internal", "out of memory");
        } else {
                if (res->decision == FL_DECISION_DRY_RUN && res->would == FL_DECISION_STARTED)
                        json_object_set_new(body, "input", make_input(c));
                c->r->log_detail = fl_decision_to_string(res->decision);
                fl_request_reply_json(c->r, status, body, header, value);
        }
        ctx_free(c);
}

/* ---- the signature --------------------------------------------------------- */

static int key_lookup(const char *keyid, void *userdata, EVP_PKEY **ret_key) {
        const struct fl_agent_key *k = fl_coordinator_config_key(userdata, keyid);

        if (!k)
                return -ENOKEY;
        *ret_key = k->key;
        return 0;
}

struct header_list {
        struct fl_http_header *items;
        size_t n, allocated;
        bool overflow;
};

static void collect_header(const char *name, const char *value, void *userdata) {
        struct header_list *l = userdata;

        if (l->n >= l->allocated) {
                l->overflow = true;
                return;
        }
        l->items[l->n++] = (struct fl_http_header){name, value};
}

/* All field lines of `name`, combined as RFC 9110 says (", "), as the
 * signature base saw them. NULL when there is none (or no memory). */
static char *combined(const struct header_list *l, const char *name) {
        char *out = NULL;
        size_t len = 0;
        bool first = true;
        FILE *f = NULL;

        for (size_t i = 0; i < l->n; i++) {
                if (strcasecmp(l->items[i].name, name) != 0)
                        continue;
                if (!f && !(f = open_memstream(&out, &len)))
                        return NULL;
                fprintf(f, "%s%s", first ? "" : ", ", l->items[i].value);
                first = false;
        }
        if (f && fclose(f) != 0) {
                free(out);
                return NULL;
        }
        return out;
}

static const char *digest_error(int r) {
        switch (r) {
        case -EILSEQ:
                return "content_digest_mismatch";
        case -EOPNOTSUPP:
                return "content_digest_unsupported";
        default:
                return "content_digest_malformed";
        }
}

void fl_api_triggers(struct fl_request *r, void *userdata) {
        struct fl_manager *m = userdata;
        const struct fl_coordinator_config *cfg = m->config;
        struct fl_http_header stack_headers[HEADERS_ON_STACK];
        struct header_list headers = {.items = stack_headers, .allocated = HEADERS_ON_STACK};
        struct fl_httpsig_result sig = {};
        struct fl_httpsig_error sigerr = {};
        struct trigger_ctx *c;
        struct timespec now;
        const char *why = NULL;
        char *digest_value = NULL, err[256];
        const void *body;
        size_t size;
        int k;

        c = calloc(1, sizeof(*c));
        if (!c) {
                fl_request_reply_error(r, 500, "internal", "out of memory");
                return;
        }
        c->m = m;
        c->r = r;
        body = fl_request_body(r, &size);

        fl_request_headers(r, collect_header, &headers);
        if (headers.overflow) {
                /* Rare: count them and take them all. */
                headers.allocated = HEADERS_MAX;
                headers.items = calloc(HEADERS_MAX, sizeof(*headers.items));
                headers.n = 0;
                headers.overflow = false;
                if (!headers.items) {
                        fl_request_reply_error(r, 500, "internal", "out of memory");
                        ctx_free(c);
                        return;
                }
                fl_request_headers(r, collect_header, &headers);
                if (headers.overflow) {
                        free(headers.items);
                        refuse(c, 400, "bad_request", NULL, "more than %d header lines",
                                HEADERS_MAX);
                        ctx_free(c);
                        return;
                }
        }

        clock_gettime(CLOCK_REALTIME, &now);
        struct fl_http_request hr = {
                .method = "POST",
                .scheme = "https",
                .authority = fl_request_header(r, "Host"),
                .request_target = evhttp_request_get_uri(r->req),
                .headers = headers.items,
                .n_headers = headers.n,
        };
        struct fl_httpsig_policy policy = {
                .required_components = fl_httpsig_trigger_required,
                .required_params = FL_HTTPSIG_TRIGGER_REQUIRED_PARAMS,
                .now = now.tv_sec,
                .skew_sec = (int64_t) (cfg->clock_skew_usec / 1000000),
                .key_lookup = key_lookup,
                .userdata = (void *) cfg,
        };
        k = fl_httpsig_verify(&hr, &policy, &sig, &sigerr);
        if (k == -EACCES) {
                refuse(c, 401, fl_httpsig_status_to_string(sigerr.status), NULL, "%s",
                        sigerr.message);
                goto out;
        }
        if (k < 0) {
                refuse(c, 500, "internal", NULL, "cannot verify the signature: %s",
                        sigerr.message[0] ? sigerr.message : strerror(-k));
                goto out;
        }

        digest_value = combined(&headers, "Content-Digest");
        k = digest_value ? fl_digest_verify(digest_value, strlen(digest_value), body, size, &why)
                         : -EBADMSG;
        if (k == -ENOMEM) {
                refuse(c, 500, "internal", sig.keyid, "out of memory");
                goto out;
        }
        if (k < 0) {
                refuse(c, 401, digest_error(k), sig.keyid, "Content-Digest: %s",
                        why ? why : "missing");
                goto out;
        }

        /* Remembered until its `created` leaves the window; after that the
         * time check refuses the request anyway. */
        k = fl_nonce_cache_add(m->nonces, sig.keyid, sig.nonce,
                (uint64_t) (sig.created + (int64_t) (cfg->clock_skew_usec / 1000000) + 1) * 1000000,
                (uint64_t) now.tv_sec * 1000000 + (uint64_t) now.tv_nsec / 1000);
        if (k == -EEXIST) {
                refuse(c, 401, "replayed", sig.keyid,
                        "nonce \"%s\" of key \"%s\" was already used: a replayed request",
                        sig.nonce, sig.keyid);
                goto out;
        }
        if (k == -ENOSPC) {
                refuse(c, 429, "overloaded", sig.keyid,
                        "the replay cache is full (nonce_cache_size %lld): retry later",
                        (long long) cfg->nonce_cache_size);
                goto out;
        }
        if (k < 0) {
                refuse(c, 500, "internal", sig.keyid, "replay cache: %s", strerror(-k));
                goto out;
        }
        c->key = fl_coordinator_config_key(cfg, sig.keyid);

        k = fl_trigger_decode(body, size, &c->t, err, sizeof(err));
        if (k < 0) {
                refuse(c, k == -ENOMEM ? 500 : 400, k == -ENOMEM ? "internal" : "bad_request",
                        sig.keyid, "%s", k == -ENOMEM ? "out of memory" : err);
                goto out;
        }
        if (!fl_agent_key_allows_node(c->key, c->t.node)) {
                refuse(c, 403, "node_not_allowed", sig.keyid,
                        "key \"%s\" may not ask for node \"%s\"", sig.keyid, c->t.node);
                goto out;
        }
        c->workflow = fl_workflow_ref(fl_workflow_set_get(m->workflows, c->t.workflow));
        if (!c->workflow) {
                refuse(c, 404, "unknown_workflow", sig.keyid, "no workflow config \"%s\"",
                        c->t.workflow);
                goto out;
        }
        if (!fl_workflow_allows_node_type(c->workflow, c->key->node_type)) {
                refuse(c, 403, "workflow_not_allowed", sig.keyid,
                        "workflow \"%s\" does not run for node type \"%s\"", c->workflow->name,
                        c->key->node_type);
                goto out;
        }

        k = fl_decider_submit(
                m->decider, &(struct fl_decision_request){
                                    .workflow = c->workflow,
                                    .target = {c->t.node, c->key->node_type, c->key->datacenter},
                                    .rule = c->t.rule,
                                    .idempotency_key = c->t.idempotency_key,
                                    .dry_run = c->t.dry_run,
                                    .build = build,
                                    .done = on_decided,
                                    .userdata = c,
                            });
        if (k == 0) {
                c = NULL; /* on_decided owns it (and may have run already) */
                goto out;
        }
        if (k == -EBUSY)
                refuse(c, 429, "overloaded", sig.keyid, "too many decisions pending: retry later");
        else if (k == -ESHUTDOWN)
                refuse(c, 503, "shutting_down", sig.keyid, "the coordinator is stopping");
        else
                refuse(c, 500, "internal", sig.keyid, "cannot queue the decision: %s",
                        strerror(-k));
out:
        if (headers.items != stack_headers)
                free(headers.items);
        free(digest_value);
        fl_httpsig_result_done(&sig);
        if (c)
                ctx_free(c);
}
