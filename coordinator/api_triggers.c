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
#include "submission.h"
#include "trigger.h"

#include <errno.h>
#include <event2/http.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define HEADERS_ON_STACK 32
#define HEADERS_MAX      1024 /* lines; the head is capped at 32 KiB anyway */

/* Logs and answers a refusal (the journal folds storms of them). */
static void refuse(struct fl_manager *m, struct fl_request *r, const struct fl_trigger_request *t,
        int status, const char *error, const char *keyid, const char *fmt, ...) _printf_(7, 8);
static void refuse(struct fl_manager *m, struct fl_request *r, const struct fl_trigger_request *t,
        int status, const char *error, const char *keyid, const char *fmt, ...) {
        char message[512];
        va_list ap;

        va_start(ap, fmt);
        (void) vsnprintf(message, sizeof(message), fmt, ap);
        va_end(ap);
        fl_metrics_refusal(m->metrics, error);
        fl_journal_refusal(m->journal, &(struct fl_journal_refusal){
                                               .status = status,
                                               .error = error,
                                               .message = message,
                                               .caller = r->identity,
                                               .keyid = keyid,
                                               .node = t ? t->node : NULL,
                                               .workflow = t ? t->workflow : NULL,
                                               .peer = r->peer,
                                               .path = r->path,
                                       });
        fl_request_reply_error(r, status, error, "%s", message);
}

static void on_decided(
        struct fl_submission *s, const struct fl_decision_result *res, void *userdata) {
        struct fl_request *r = userdata;
        const char *header = NULL;
        char value[32];
        json_t *body = NULL;
        int status;

        status = fl_api_decision_answer(s->m, res, &body, &header, value, sizeof(value));
        if (status < 0 || !body) {
                json_decref(body);
                fl_request_reply_error(r, 500, "internal", "out of memory");
                return;
        }
        if (res->decision == FL_DECISION_DRY_RUN && res->would == FL_DECISION_STARTED)
                json_object_set_new(body, "input", fl_submission_input(s));
        r->log_detail = fl_decision_to_string(res->decision);
        fl_request_reply_json(r, status, body, header, value);
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
        struct fl_trigger_request t = {};
        const struct fl_agent_key *key;
        struct fl_submission *sub;
        struct timespec now;
        const char *why = NULL, *error;
        char *digest_value = NULL, err[256];
        const void *body;
        size_t size;
        int k;

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
                        return;
                }
                fl_request_headers(r, collect_header, &headers);
                if (headers.overflow) {
                        refuse(m, r, NULL, 400, "bad_request", NULL, "more than %d header lines",
                                HEADERS_MAX);
                        goto out;
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
                refuse(m, r, NULL, 401, fl_httpsig_status_to_string(sigerr.status), NULL, "%s",
                        sigerr.message);
                goto out;
        }
        if (k < 0) {
                refuse(m, r, NULL, 500, "internal", NULL, "cannot verify the signature: %s",
                        sigerr.message[0] ? sigerr.message : strerror(-k));
                goto out;
        }

        digest_value = combined(&headers, "Content-Digest");
        k = digest_value ? fl_digest_verify(digest_value, strlen(digest_value), body, size, &why)
                         : -EBADMSG;
        if (k == -ENOMEM) {
                refuse(m, r, NULL, 500, "internal", sig.keyid, "out of memory");
                goto out;
        }
        if (k < 0) {
                refuse(m, r, NULL, 401, digest_error(k), sig.keyid, "Content-Digest: %s",
                        why ? why : "missing");
                goto out;
        }

        /* Remembered until its `created` leaves the window; after that the
         * time check refuses the request anyway. */
        k = fl_nonce_cache_add(m->nonces, sig.keyid, sig.nonce,
                (uint64_t) (sig.created + (int64_t) (cfg->clock_skew_usec / 1000000) + 1) * 1000000,
                (uint64_t) now.tv_sec * 1000000 + (uint64_t) now.tv_nsec / 1000);
        if (k == -EEXIST) {
                refuse(m, r, NULL, 401, "replayed", sig.keyid,
                        "nonce \"%s\" of key \"%s\" was already used: a replayed request",
                        sig.nonce, sig.keyid);
                goto out;
        }
        if (k == -ENOSPC) {
                refuse(m, r, NULL, 429, "overloaded", sig.keyid,
                        "the replay cache is full (nonce_cache_size %lld): retry later",
                        (long long) cfg->nonce_cache_size);
                goto out;
        }
        if (k < 0) {
                refuse(m, r, NULL, 500, "internal", sig.keyid, "replay cache: %s", strerror(-k));
                goto out;
        }
        key = fl_coordinator_config_key(cfg, sig.keyid);

        k = fl_trigger_decode(body, size, &t, err, sizeof(err));
        if (k < 0) {
                refuse(m, r, NULL, k == -ENOMEM ? 500 : 400,
                        k == -ENOMEM ? "internal" : "bad_request", sig.keyid, "%s",
                        k == -ENOMEM ? "out of memory" : err);
                goto out;
        }
        if (!fl_agent_key_allows_node(key, t.node)) {
                refuse(m, r, &t, 403, "node_not_allowed", sig.keyid,
                        "key \"%s\" may not ask for node \"%s\"", sig.keyid, t.node);
                goto out;
        }
        sub = fl_submission_new(m, &t, key, true, r->identity, "trigger", on_decided, r);
        if (!sub) {
                refuse(m, r, &t, 500, "internal", sig.keyid, "out of memory");
                goto out;
        }
        k = fl_submission_start(sub, &error, err, sizeof(err));
        if (k != 0) {
                refuse(m, r, &sub->t, k, error, sig.keyid, "%s", err);
                fl_submission_free(sub);
        }
out:
        if (headers.items != stack_headers)
                free(headers.items);
        free(digest_value);
        fl_httpsig_result_done(&sig);
        fl_trigger_request_done(&t);
}
