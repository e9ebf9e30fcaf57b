/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Command-line access to lib/httpsig.c for the interop test
 * (tests/interop/httpsig_interop.py), docs and debugging:
 *
 *   httpsig-tool sign --key PRIV.pem --method POST --uri URL [--header 'N: v']...
 *                [--body-file F --digest] --component C... [--keyid ID] [--label L]
 *                [--created N] [--expires N] [--nonce N | --no-nonce] [--alg] [--tag T]
 *       prints "Content-Digest: ..." (with --digest), "Signature-Input: ..." and
 *       "Signature: ..." lines.
 *   httpsig-tool verify --pubkey PUB.pem --keyid ID --method M
 *                (--uri URL | --scheme S --authority A --target T) [--header 'N: v']...
 *                [--body-file F] [--label L] [--now N] [--skew S]
 *                [--require C|C2]... [--require-param created|keyid|nonce|...]...
 *       exit 0 and "OK label=... keyid=... nonce=... created=...", or exit 1 and
 *       "REFUSED <status>: <message>" / "DIGEST <reason>". With
 *       --body-file the Content-Digest field must match the body.
 *   httpsig-tool base --params '("@method");created=1' --method M --uri URL [--header ...]
 *       prints the signature base.
 *   httpsig-tool bench [--seconds N]
 *       prints BENCH lines for signing and verifying a trigger.
 *   httpsig-tool serve
 *       signs many requests in one process, for test clients: reads one JSON
 *       object per line on stdin,
 *         {"key": "PRIV.pem", "keyid": "node-a", "method": "POST",
 *          "uri": "https://127.0.0.1:7443/v1/triggers", "body": "...",
 *          "headers": {"Content-Type": "application/json"},
 *          "components": [...], "created": N, "nonce": "...", "no_nonce": true,
 *          "digest": true}
 *       (components default to the trigger profile, digest to true, created
 *       to now, nonce to a fresh one) and answers one line each:
 *         {"content-digest": "...", "signature-input": "...", "signature": "..."}
 *       or {"error": "..."}.
 *
 * Usage errors exit 2.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "digest.h"
#include "fileio.h"
#include "httpsig.h"
#include "macro.h"

#define MAX_LIST 64
#define MAX_BODY (16u << 20)

struct options {
        const char *key, *pubkey, *keyid, *label, *method, *uri, *scheme, *authority, *target;
        const char *body_file, *nonce, *tag, *params;
        int64_t created, expires, now, skew;
        bool have_created, have_now, digest, no_nonce, alg;
        const char *components[MAX_LIST + 1];
        size_t n_components;
        const char *required[MAX_LIST + 1];
        size_t n_required;
        unsigned required_params;
        struct fl_http_header headers[MAX_LIST];
        char *header_copies[MAX_LIST];
        size_t n_headers;
        double seconds;
};

static int usage(void) {
        fprintf(stderr, "usage: httpsig-tool sign|verify|base|bench [options] (see the source)\n");
        return 2;
}

static int add_header(struct options *o, const char *arg) {
        char *copy, *colon;

        if (o->n_headers >= MAX_LIST)
                return -E2BIG;
        copy = strdup(arg);
        if (!copy)
                return -ENOMEM;
        colon = strchr(copy, ':');
        if (!colon) {
                free(copy);
                return -EINVAL;
        }
        *colon = '\0';
        colon++;
        while (*colon == ' ')
                colon++;
        o->header_copies[o->n_headers] = copy;
        o->headers[o->n_headers++] = (struct fl_http_header){copy, colon};
        return 0;
}

static int param_flag(const char *name, unsigned *ret) {
        static const char *const names[] = {"created", "expires", "keyid", "nonce", "alg", "tag"};

        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (strcmp(name, names[i]) == 0) {
                        *ret = 1u << i;
                        return 0;
                }
        return -EINVAL;
}

static int parse_int(const char *s, int64_t *ret) {
        char *end;
        long long v;

        errno = 0;
        v = strtoll(s, &end, 10);
        if (errno || end == s || *end)
                return -EINVAL;
        *ret = v;
        return 0;
}

static int parse_options(int argc, char *argv[], struct options *o) {
        enum {
                O_KEY = 256,
                O_PUBKEY,
                O_KEYID,
                O_LABEL,
                O_METHOD,
                O_URI,
                O_SCHEME,
                O_AUTHORITY,
                O_TARGET,
                O_HEADER,
                O_BODY,
                O_DIGEST,
                O_COMPONENT,
                O_CREATED,
                O_EXPIRES,
                O_NONCE,
                O_NO_NONCE,
                O_ALG,
                O_TAG,
                O_NOW,
                O_SKEW,
                O_REQUIRE,
                O_REQUIRE_PARAM,
                O_PARAMS,
                O_SECONDS,
        };
        static const struct option opts[] = {
                {"key", required_argument, NULL, O_KEY},
                {"pubkey", required_argument, NULL, O_PUBKEY},
                {"keyid", required_argument, NULL, O_KEYID},
                {"label", required_argument, NULL, O_LABEL},
                {"method", required_argument, NULL, O_METHOD},
                {"uri", required_argument, NULL, O_URI},
                {"scheme", required_argument, NULL, O_SCHEME},
                {"authority", required_argument, NULL, O_AUTHORITY},
                {"target", required_argument, NULL, O_TARGET},
                {"header", required_argument, NULL, O_HEADER},
                {"body-file", required_argument, NULL, O_BODY},
                {"digest", no_argument, NULL, O_DIGEST},
                {"component", required_argument, NULL, O_COMPONENT},
                {"created", required_argument, NULL, O_CREATED},
                {"expires", required_argument, NULL, O_EXPIRES},
                {"nonce", required_argument, NULL, O_NONCE},
                {"no-nonce", no_argument, NULL, O_NO_NONCE},
                {"alg", no_argument, NULL, O_ALG},
                {"tag", required_argument, NULL, O_TAG},
                {"now", required_argument, NULL, O_NOW},
                {"skew", required_argument, NULL, O_SKEW},
                {"require", required_argument, NULL, O_REQUIRE},
                {"require-param", required_argument, NULL, O_REQUIRE_PARAM},
                {"params", required_argument, NULL, O_PARAMS},
                {"seconds", required_argument, NULL, O_SECONDS},
                {},
        };
        unsigned flag;
        int c, r = 0;

        o->skew = 300;
        o->seconds = 2;
        while (r >= 0 && (c = getopt_long(argc, argv, "", opts, NULL)) >= 0) {
                switch (c) {
                case O_KEY:
                        o->key = optarg;
                        break;
                case O_PUBKEY:
                        o->pubkey = optarg;
                        break;
                case O_KEYID:
                        o->keyid = optarg;
                        break;
                case O_LABEL:
                        o->label = optarg;
                        break;
                case O_METHOD:
                        o->method = optarg;
                        break;
                case O_URI:
                        o->uri = optarg;
                        break;
                case O_SCHEME:
                        o->scheme = optarg;
                        break;
                case O_AUTHORITY:
                        o->authority = optarg;
                        break;
                case O_TARGET:
                        o->target = optarg;
                        break;
                case O_HEADER:
                        r = add_header(o, optarg);
                        break;
                case O_BODY:
                        o->body_file = optarg;
                        break;
                case O_DIGEST:
                        o->digest = true;
                        break;
                case O_COMPONENT:
                        if (o->n_components >= MAX_LIST)
                                r = -E2BIG;
                        else
                                o->components[o->n_components++] = optarg;
                        break;
                case O_CREATED:
                        r = parse_int(optarg, &o->created);
                        o->have_created = true;
                        break;
                case O_EXPIRES:
                        r = parse_int(optarg, &o->expires);
                        break;
                case O_NONCE:
                        o->nonce = optarg;
                        break;
                case O_NO_NONCE:
                        o->no_nonce = true;
                        break;
                case O_ALG:
                        o->alg = true;
                        break;
                case O_TAG:
                        o->tag = optarg;
                        break;
                case O_NOW:
                        r = parse_int(optarg, &o->now);
                        o->have_now = true;
                        break;
                case O_SKEW:
                        r = parse_int(optarg, &o->skew);
                        break;
                case O_REQUIRE:
                        if (o->n_required >= MAX_LIST)
                                r = -E2BIG;
                        else
                                o->required[o->n_required++] = optarg;
                        break;
                case O_REQUIRE_PARAM:
                        r = param_flag(optarg, &flag);
                        o->required_params |= flag;
                        break;
                case O_PARAMS:
                        o->params = optarg;
                        break;
                case O_SECONDS:
                        o->seconds = atof(optarg);
                        break;
                default:
                        return -EINVAL;
                }
        }
        if (r < 0)
                fprintf(stderr, "httpsig-tool: invalid argument for --%s: %s\n",
                        opts[c - O_KEY].name, strerror(-r));
        return r;
}

static void options_done(struct options *o) {
        for (size_t i = 0; i < o->n_headers; i++)
                free(o->header_copies[i]);
}

static struct fl_http_request request_of(struct options *o) {
        return (struct fl_http_request){
                .method = o->method,
                .target_uri = o->uri,
                .scheme = o->scheme,
                .authority = o->authority,
                .request_target = o->target,
                .headers = o->headers,
                .n_headers = o->n_headers,
        };
}

static int do_sign(struct options *o) {
        _cleanup_evp_pkey_ EVP_PKEY *key = NULL;
        _cleanup_free_ char *body = NULL, *digest = NULL, *input = NULL, *signature = NULL;
        struct fl_httpsig_error e = {};
        size_t body_size = 0;
        int r;

        if (!o->key || !o->method || !o->uri || o->n_components == 0)
                return usage();
        r = fl_httpsig_load_private_key(o->key, &key);
        if (r < 0) {
                fprintf(stderr, "httpsig-tool: %s: %s\n", o->key, strerror(-r));
                return 1;
        }
        if (o->digest) {
                if (o->body_file) {
                        r = fl_read_file_at(AT_FDCWD, o->body_file, MAX_BODY, &body, &body_size);
                        if (r < 0) {
                                fprintf(stderr, "httpsig-tool: %s: %s\n", o->body_file,
                                        strerror(-r));
                                return 1;
                        }
                }
                r = fl_digest_content_digest(body ? body : "", body_size, &digest);
                if (r < 0)
                        return 1;
                r = add_header(o, "Content-Digest: ");
                if (r < 0)
                        return 2;
                o->headers[o->n_headers - 1].value = digest;
        }

        struct fl_httpsig_sign_params p = {
                .components = o->components,
                .label = o->label,
                .keyid = o->keyid,
                .created = o->have_created ? o->created : (int64_t) time(NULL),
                .expires = o->expires,
                .nonce = o->nonce,
                .tag = o->tag,
                .flags = (o->no_nonce ? FL_HTTPSIG_SIGN_NO_NONCE : 0) |
                         (o->alg ? FL_HTTPSIG_SIGN_ALG : 0),
        };
        struct fl_http_request req = request_of(o);
        r = fl_httpsig_sign(&req, &p, key, &input, &signature, &e);
        if (r < 0) {
                fprintf(stderr, "httpsig-tool: signing failed: %s: %s\n",
                        fl_httpsig_status_to_string(e.status), e.message);
                return 1;
        }
        if (digest)
                printf("Content-Digest: %s\n", digest);
        printf("Signature-Input: %s\nSignature: %s\n", input, signature);
        return 0;
}

static int lookup_one(const char *keyid, void *userdata, EVP_PKEY **ret_key) {
        struct {
                const char *keyid;
                EVP_PKEY *key;
        } *k = userdata;

        if (!k->keyid || strcmp(keyid, k->keyid) != 0)
                return -ENOKEY;
        *ret_key = k->key;
        return 0;
}

static int do_verify(struct options *o) {
        _cleanup_evp_pkey_ EVP_PKEY *key = NULL;
        _cleanup_free_ char *body = NULL;
        struct fl_httpsig_result res = {};
        struct fl_httpsig_error e = {};
        size_t body_size = 0;
        int r;

        if (!o->pubkey || !o->method || (!o->uri && !o->target))
                return usage();
        r = fl_httpsig_load_public_key(o->pubkey, &key);
        if (r < 0) {
                fprintf(stderr, "httpsig-tool: %s: %s\n", o->pubkey, strerror(-r));
                return 1;
        }
        struct {
                const char *keyid;
                EVP_PKEY *key;
        } k = {o->keyid, key};
        struct fl_httpsig_policy policy = {
                .label = o->label,
                .required_components = o->required,
                .required_params = o->required_params,
                .now = o->have_now ? o->now : (int64_t) time(NULL),
                .skew_sec = o->skew,
                .key_lookup = lookup_one,
                .userdata = &k,
        };
        struct fl_http_request req = request_of(o);

        r = fl_httpsig_verify(&req, &policy, &res, &e);
        if (r < 0) {
                printf("REFUSED %s: %s\n", fl_httpsig_status_to_string(e.status), e.message);
                return 1;
        }
        if (o->body_file) {
                const char *digest = NULL, *reason = NULL;

                r = fl_read_file_at(AT_FDCWD, o->body_file, MAX_BODY, &body, &body_size);
                if (r < 0) {
                        fprintf(stderr, "httpsig-tool: %s: %s\n", o->body_file, strerror(-r));
                        fl_httpsig_result_done(&res);
                        return 1;
                }
                for (size_t i = 0; i < o->n_headers; i++)
                        if (strcasecmp(o->headers[i].name, "content-digest") == 0)
                                digest = o->headers[i].value;
                r = digest ? fl_digest_verify(digest, strlen(digest), body, body_size, &reason)
                           : -ENOENT;
                if (r < 0) {
                        printf("DIGEST %s\n", reason ? reason : "no Content-Digest field");
                        fl_httpsig_result_done(&res);
                        return 1;
                }
        }
        printf("OK label=%s keyid=%s nonce=%s created=%" PRId64 "\n", res.label,
                res.keyid ? res.keyid : "-", res.nonce ? res.nonce : "-",
                (res.params & FL_HTTPSIG_PARAM_CREATED) ? res.created : (int64_t) -1);
        fl_httpsig_result_done(&res);
        return 0;
}

static int do_base(struct options *o) {
        _cleanup_free_ char *base = NULL;
        struct fl_httpsig_error e = {};
        struct fl_http_request req = request_of(o);

        if (!o->params || !o->method)
                return usage();
        if (fl_httpsig_signature_base(&req, o->params, &base, &e) < 0) {
                fprintf(stderr, "httpsig-tool: %s: %s\n", fl_httpsig_status_to_string(e.status),
                        e.message);
                return 1;
        }
        printf("%s\n", base);
        return 0;
}

static double now_sec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

/* Signs and verifies a typical trigger (the CONTRACT's body, the trigger
 * profile) as the agent and the coordinator do, digest included. */
static int do_bench(struct options *o) {
        static const char body[] =
                "{\"node\":\"node-17\",\"workflow\":\"disk-replace\",\"rule\":\"disk-io-errors\","
                "\"idempotency_key\":\"node-17/disk-io-errors/sda/1700000000123456\",\"params\":{"
                "\"device\":\"sda\"},\"event\":{\"source\":\"bpf\",\"kind\":\"block_rq_error\","
                "\"dev\":\"8:0\",\"sector\":123456,\"count\":5},\"observed_at\":"
                "\"2026-11-27T04:03:12Z\",\"dry_run\":false}";
        _cleanup_evp_pkey_ EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
        struct {
                const char *keyid;
                EVP_PKEY *key;
        } k = {"node-17", key};
        struct fl_http_header h[5] = {
                {"Host", "coordinator:7443"},
                {"Content-Type", "application/json"},
        };
        struct fl_http_request req = {
                .method = "POST",
                .scheme = "https",
                .authority = "coordinator:7443",
                .request_target = "/v1/triggers",
                .headers = h,
                .n_headers = 3,
        };
        struct fl_httpsig_sign_params p = {
                .components = fl_httpsig_trigger_components,
                .keyid = "node-17",
        };
        struct fl_httpsig_policy policy = {
                .required_components = fl_httpsig_trigger_required,
                .required_params = FL_HTTPSIG_TRIGGER_REQUIRED_PARAMS,
                .skew_sec = 300,
                .key_lookup = lookup_one,
                .userdata = &k,
        };
        char *input = NULL, *signature = NULL, *digest = NULL;
        unsigned long n;
        double start, elapsed;

        if (!key)
                return 1;
        /* sign: digest + signature, as the agent does per trigger */
        start = now_sec();
        for (n = 0; (elapsed = now_sec() - start) < o->seconds; n++) {
                free(digest);
                free(input);
                free(signature);
                if (fl_digest_content_digest(body, strlen(body), &digest) < 0)
                        return 1;
                h[2] = (struct fl_http_header){"Content-Digest", digest};
                req.n_headers = 3;
                p.created = (int64_t) time(NULL);
                if (fl_httpsig_sign(&req, &p, key, &input, &signature, NULL) < 0)
                        return 1;
        }
        printf("BENCH httpsig_sign_per_s %.0f 1/s\n", (double) n / elapsed);

        /* verify: signature + digest, as the coordinator does per trigger */
        h[3] = (struct fl_http_header){"Signature-Input", input};
        h[4] = (struct fl_http_header){"Signature", signature};
        req.n_headers = 5;
        start = now_sec();
        for (n = 0; (elapsed = now_sec() - start) < o->seconds; n++) {
                struct fl_httpsig_result res = {};

                policy.now = (int64_t) time(NULL);
                if (fl_httpsig_verify(&req, &policy, &res, NULL) < 0 ||
                        fl_digest_verify(digest, strlen(digest), body, strlen(body), NULL) < 0)
                        return 1;
                fl_httpsig_result_done(&res);
        }
        printf("BENCH httpsig_verify_per_s %.0f 1/s\n", (double) n / elapsed);
        free(digest);
        free(input);
        free(signature);
        return 0;
}

/* Private keys `serve` has loaded, by path. */
struct key_cache {
        char *path[MAX_LIST];
        EVP_PKEY *key[MAX_LIST];
        size_t n;
};

static int cached_key(struct key_cache *c, const char *path, EVP_PKEY **ret) {
        int r;

        for (size_t i = 0; i < c->n; i++)
                if (strcmp(c->path[i], path) == 0) {
                        *ret = c->key[i];
                        return 0;
                }
        if (c->n >= MAX_LIST)
                return -E2BIG;
        r = fl_httpsig_load_private_key(path, &c->key[c->n]);
        if (r < 0)
                return r;
        c->path[c->n] = strdup(path);
        if (!c->path[c->n]) {
                EVP_PKEY_free(c->key[c->n]);
                return -ENOMEM;
        }
        *ret = c->key[c->n++];
        return 0;
}

/* One request of `serve`. */
static json_t *serve_one(json_t *q, struct key_cache *keys) {
        _cleanup_free_ char *digest = NULL, *input = NULL, *signature = NULL;
        const char *key_path = json_string_value(json_object_get(q, "key"));
        json_t *comps = json_object_get(q, "components"), *hdrs = json_object_get(q, "headers");
        const char *components[MAX_LIST + 1];
        struct fl_http_header headers[MAX_LIST + 1];
        struct fl_httpsig_error e = {};
        size_t n_headers = 0, i;
        const char *name;
        json_t *v;
        EVP_PKEY *key;
        int r;

        if (!key_path || !json_is_string(json_object_get(q, "uri")))
                return json_pack("{s:s}", "error", "\"key\" and \"uri\" are required");
        r = cached_key(keys, key_path, &key);
        if (r < 0)
                return json_pack("{s:s}", "error", strerror(-r));
        json_object_foreach (hdrs, name, v) {
                if (n_headers >= MAX_LIST)
                        break;
                headers[n_headers++] = (struct fl_http_header){name, json_string_value(v)};
        }
        if (!json_is_false(json_object_get(q, "digest"))) {
                const char *body = json_string_value(json_object_get(q, "body"));
                if (fl_digest_content_digest(body ? body : "", body ? strlen(body) : 0, &digest) <
                        0)
                        return json_pack("{s:s}", "error", "out of memory");
                headers[n_headers++] = (struct fl_http_header){"Content-Digest", digest};
        }
        if (json_is_array(comps)) {
                for (i = 0; i < json_array_size(comps) && i < MAX_LIST; i++)
                        components[i] = json_string_value(json_array_get(comps, i));
                components[i] = NULL;
        }
        struct fl_httpsig_sign_params p = {
                .components = json_is_array(comps) ? components : fl_httpsig_trigger_components,
                .keyid = json_string_value(json_object_get(q, "keyid")),
                .label = json_string_value(json_object_get(q, "label")),
                .created = json_is_integer(json_object_get(q, "created"))
                                   ? json_integer_value(json_object_get(q, "created"))
                                   : (int64_t) time(NULL),
                .nonce = json_string_value(json_object_get(q, "nonce")),
                .flags =
                        json_is_true(json_object_get(q, "no_nonce")) ? FL_HTTPSIG_SIGN_NO_NONCE : 0,
        };
        struct fl_http_request req = {
                .method = json_string_value(json_object_get(q, "method"))
                                  ? json_string_value(json_object_get(q, "method"))
                                  : "POST",
                .target_uri = json_string_value(json_object_get(q, "uri")),
                .headers = headers,
                .n_headers = n_headers,
        };
        r = fl_httpsig_sign(&req, &p, key, &input, &signature, &e);
        if (r < 0)
                return json_pack("{s:s}", "error", e.message[0] ? e.message : strerror(-r));
        return json_pack("{s:s?, s:s, s:s}", "content-digest", digest, "signature-input", input,
                "signature", signature);
}

static int do_serve(void) {
        struct key_cache keys = {};
        char *line = NULL;
        size_t size = 0;

        while (getline(&line, &size, stdin) > 0) {
                json_error_t err;
                json_t *q = json_loads(line, 0, &err), *a;
                char *text;

                a = q ? serve_one(q, &keys) : json_pack("{s:s}", "error", err.text);
                text = a ? json_dumps(a, JSON_COMPACT) : NULL;
                printf("%s\n", text ? text : "{\"error\": \"out of memory\"}");
                fflush(stdout);
                free(text);
                json_decref(a);
                json_decref(q);
        }
        free(line);
        for (size_t i = 0; i < keys.n; i++) {
                free(keys.path[i]);
                EVP_PKEY_free(keys.key[i]);
        }
        return 0;
}

int main(int argc, char *argv[]) {
        struct options o = {};
        int r;

        if (argc < 2)
                return usage();
        optind = 2;
        if (parse_options(argc, argv, &o) < 0 || optind != argc) {
                options_done(&o);
                return usage();
        }
        if (strcmp(argv[1], "sign") == 0)
                r = do_sign(&o);
        else if (strcmp(argv[1], "verify") == 0)
                r = do_verify(&o);
        else if (strcmp(argv[1], "base") == 0)
                r = do_base(&o);
        else if (strcmp(argv[1], "bench") == 0)
                r = do_bench(&o);
        else if (strcmp(argv[1], "serve") == 0)
                r = do_serve();
        else
                r = usage();
        options_done(&o);
        return r;
}
