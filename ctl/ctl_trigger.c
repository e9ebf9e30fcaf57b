/* SPDX-License-Identifier: Apache-2.0 */
#include "ctl_trigger.h"

#include "httpsig.h"
#include "idempotency.h"
#include "names.h"
#include "sign.h"

#include <curl/curl.h>
#include <errno.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int fl_ctl_trigger_args(int argc, char **argv, const struct option *options,
        struct fl_ctl_flags *flags, struct fl_ctl_trigger *t, json_t *params) {
        char err[512];
        int c, r;

        opterr = 0;
        while ((c = getopt_long(argc, argv, FL_CTL_GETOPT, options, NULL)) >= 0) {
                r = fl_ctl_flags_take(flags, c, optarg, err, sizeof(err));
                if (r < 0)
                        return fl_ctl_usage_error(argv[0], "%s", err);
                if (r > 0)
                        continue;
                switch (c) {
                case FL_CTL_OPT_NODE:
                        t->node = optarg;
                        break;
                case FL_CTL_OPT_DRY_RUN:
                        t->dry_run = true;
                        break;
                case FL_CTL_OPT_PARAM:
                        if (fl_ctl_param_parse(optarg, params, err, sizeof(err)) < 0)
                                return fl_ctl_usage_error(argv[0], "%s", err);
                        break;
                case FL_CTL_OPT_RULE:
                        t->rule = optarg;
                        break;
                case FL_CTL_OPT_IDEMPOTENCY_KEY:
                        t->idempotency_key = optarg;
                        break;
                default:
                        return fl_ctl_getopt_error(argv[0], c, argv);
                }
        }
        if (flags->help)
                return FL_CTL_EXIT_OK;
        if (optind != argc - 1)
                return fl_ctl_usage_error(
                        argv[0], optind >= argc ? "which WORKFLOW?" : "one WORKFLOW only");
        if (!t->node)
                return fl_ctl_usage_error(argv[0], "--node NODE is required");
        t->workflow = argv[optind];
        t->params = params;
        return FL_CTL_EXIT_OK;
}

int fl_ctl_trigger_body(const struct fl_ctl_trigger *t, const char *user, const char *host,
        int64_t now_usec, json_t **ret, char *err, size_t err_size) {
        const char *rule = t->rule ? t->rule : FL_CTL_DEFAULT_RULE;
        char key[33], observed[40], when[24];
        unsigned char raw[16];
        time_t sec = (time_t) (now_usec / 1000000);
        struct tm tm;
        json_t *body, *params;

        if (!fl_name_valid(t->workflow)) {
                snprintf(err, err_size,
                        "\"%s\" is not a workflow name: use 1 to %d letters, digits, '.', '_' or "
                        "'-', starting with a letter or digit",
                        t->workflow, FL_NAME_MAX);
                return -EINVAL;
        }
        if (!fl_name_valid(t->node)) {
                snprintf(err, err_size,
                        "--node \"%s\" is not a node name: use 1 to %d letters, digits, '.', '_' "
                        "or '-', starting with a letter or digit",
                        t->node ? t->node : "", FL_NAME_MAX);
                return -EINVAL;
        }
        if (!fl_rule_name_valid(rule)) {
                snprintf(err, err_size,
                        "--rule \"%s\" is not a rule name: use 1 to %d letters, digits, '.', "
                        "'_', ':' or '-', starting with a letter or digit",
                        rule, FL_RULE_NAME_MAX);
                return -EINVAL;
        }
        if (t->idempotency_key) {
                if (!fl_idempotency_key_valid(t->idempotency_key)) {
                        snprintf(err, err_size,
                                "--idempotency-key \"%s\" must be 8 to 64 letters, digits, '.', "
                                "'_' or '-'",
                                t->idempotency_key);
                        return -EINVAL;
                }
        } else {
                /* A fresh key: a new remediation, never the retry of one. */
                if (RAND_bytes(raw, sizeof(raw)) != 1) {
                        snprintf(err, err_size, "no randomness for the idempotency key");
                        return -EIO;
                }
                for (size_t i = 0; i < sizeof(raw); i++)
                        snprintf(key + 2 * i, 3, "%02x", raw[i]);
        }
        if (!gmtime_r(&sec, &tm) || strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
                snprintf(err, err_size, "the clock is out of range");
                return -EINVAL;
        }
        snprintf(observed, sizeof(observed), "%s.%06lldZ", when, (long long) (now_usec % 1000000));
        params = t->params ? json_incref(t->params) : json_object();
        body = json_pack("{s:s, s:s, s:s, s:s, s:o, s:{s:s, s:s*, s:s*}, s:s, s:b}", "node",
                t->node, "workflow", t->workflow, "rule", rule, "idempotency_key",
                t->idempotency_key ? t->idempotency_key : key, "params", params, "event", "source",
                "faultlinectl", "user", user, "host", host, "observed_at", observed, "dry_run",
                t->dry_run);
        if (!body)
                return -ENOMEM;
        *ret = body;
        return 0;
}

/* Who runs this, for the trigger's event: the invoking user under sudo. */
static const char *user_name(char *buf, size_t size) {
        const char *u = getenv("SUDO_USER");

        if (!u || !*u)
                u = getenv("USER");
        if (!u || !*u) {
                snprintf(buf, size, "uid %u", (unsigned) getuid());
                return buf;
        }
        return u;
}

int fl_ctl_trigger_send(
        struct fl_ctl_session *s, const struct fl_ctl_trigger *t, struct fl_ctl_answer *ret) {
        const struct fl_ctl_config *c = s->config;
        _cleanup_evp_pkey_ EVP_PKEY *key = NULL;
        _cleanup_free_ char *text = NULL, *url = NULL;
        json_auto_t *body = NULL;
        char *headers[FL_CTL_SIGNED_HEADERS + 1] = {};
        char err[CURL_ERROR_SIZE + 256], user[32], host[256];
        struct timespec now;
        int r;

        if (!c->signing_key_file || !c->key_id) {
                fprintf(stderr, "faultlinectl: a trigger is signed with your operator key: give "
                                "--signing-key-file and --key-id (or signing_key_file and key_id "
                                "in faultlinectl.hcl)\n");
                return FL_CTL_EXIT_INVALID;
        }
        if (fl_ctl_load_signing_key(c->signing_key_file, &key, err, sizeof(err)) < 0) {
                fprintf(stderr, "faultlinectl: %s\n", err);
                return FL_CTL_EXIT_INVALID;
        }
        if (gethostname(host, sizeof(host)) < 0)
                host[0] = '\0';
        host[sizeof(host) - 1] = '\0';
        clock_gettime(CLOCK_REALTIME, &now);
        r = fl_ctl_trigger_body(t, user_name(user, sizeof(user)), host[0] ? host : NULL,
                (int64_t) now.tv_sec * 1000000 + now.tv_nsec / 1000, &body, err, sizeof(err));
        if (r == -EINVAL) {
                fprintf(stderr, "faultlinectl: %s\n", err);
                return FL_CTL_EXIT_INVALID;
        }
        if (r < 0 || !(text = json_dumps(body, JSON_COMPACT)) ||
                asprintf(&url, "%s/v1/triggers", fl_ctl_client_base_url(s->client)) < 0) {
                fprintf(stderr, "faultlinectl: %s\n",
                        r < 0 && r != -ENOMEM ? err : "out of memory");
                return FL_CTL_EXIT_INVALID;
        }
        r = fl_ctl_sign_trigger(
                url, key, c->key_id, text, strlen(text), now.tv_sec, headers, err, sizeof(err));
        if (r < 0) {
                fprintf(stderr, "faultlinectl: %s\n", r == -ENOMEM ? "out of memory" : err);
                return FL_CTL_EXIT_INVALID;
        }
        r = fl_ctl_request(s->client, "POST", "/v1/triggers", (const char *const *) headers, text,
                strlen(text), ret, err, sizeof(err));
        fl_ctl_signed_headers_done(headers);
        if (r < 0)
                return fl_ctl_request_fail(s->client, r, err);
        if (!json_string_value(json_object_get(ret->json, "decision")) &&
                (ret->status < 400 || ret->status > 599)) {
                fprintf(stderr, "faultlinectl: the coordinator answered %ld without a decision\n",
                        ret->status);
                fl_ctl_answer_done(ret);
                return FL_CTL_EXIT_UNREACHABLE;
        }
        return FL_CTL_EXIT_OK;
}

int fl_ctl_decision_exit(long status, json_t *answer) {
        const char *d = json_string_value(json_object_get(answer, "decision"));

        if (d && strcmp(d, "dry_run") == 0)
                d = json_string_value(json_object_get(answer, "would"));
        if (d && (strcmp(d, "started") == 0 || strcmp(d, "duplicate") == 0))
                return FL_CTL_EXIT_OK;
        if (d && (strcmp(d, "rejected") == 0 || strcmp(d, "deferred") == 0))
                return FL_CTL_EXIT_REFUSED;
        if (!d && status >= 400 && status < 500)
                return FL_CTL_EXIT_REFUSED;
        return FL_CTL_EXIT_UNREACHABLE;
}

void fl_ctl_print_decision(FILE *f, json_t *a) {
        const char *decision = json_string_value(json_object_get(a, "decision"));
        const char *what = decision, *prefix = "";
        const char *id = json_string_value(json_object_get(a, "workflow_id"));
        const char *run = json_string_value(json_object_get(a, "run_id"));
        const char *queue = json_string_value(json_object_get(a, "task_queue"));
        const char *reason = json_string_value(json_object_get(a, "reason"));
        json_t *constraint = json_object_get(a, "constraint");
        char label[256];

        if (decision && strcmp(decision, "dry_run") == 0) {
                what = json_string_value(json_object_get(a, "would"));
                prefix = "dry run: would be ";
        }
        if (!what)
                what = "?";
        if (strcmp(what, "started") == 0) {
                fprintf(f, "%s %s", *prefix ? "dry run: would start" : "started", id ? id : "?");
                if (run)
                        fprintf(f, " (run %s)", run);
                fprintf(f, " on task queue %s\n", queue ? queue : "?");
        } else if (strcmp(what, "duplicate") == 0)
                fprintf(f, "%sduplicate: %s%s%s%s was already started; nothing new %s\n",
                        *prefix ? "dry run: would be a " : "", id ? id : "?", run ? " (run " : "",
                        run ? run : "", run ? ")" : "", *prefix ? "would start" : "started");
        else if (strcmp(what, "rejected") == 0) {
                const char *file = json_string_value(json_object_get(constraint, "file"));

                fl_ctl_constraint_label(constraint, label, sizeof(label));
                fprintf(f, "%srejected by %s", prefix, constraint ? label : "a constraint");
                if (file)
                        fprintf(f, " (%s:%lld)", file,
                                (long long) json_integer_value(
                                        json_object_get(constraint, "line")));
                fprintf(f, ": %s\n", reason ? reason : "");
        } else if (strcmp(what, "deferred") == 0)
                fprintf(f, "%sdeferred: %s; retry after %lld s\n", prefix, reason ? reason : "",
                        (long long) json_integer_value(json_object_get(a, "retry_after")));
        else
                fprintf(f, "%s%s\n", prefix, what);
}
