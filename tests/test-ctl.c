/* SPDX-License-Identifier: Apache-2.0 */
/*
 * faultlinectl's pure parts: command-line values (--param, pause scopes,
 * shared flags), what an answer means for the exit status, the kind of a
 * configuration file, faultlinectl.hcl, the trigger body, and a signature
 * the coordinator's policy accepts. The commands against a real
 * coordinator are in tests/ctl/test_faultlinectl.py.
 */
#include "common.h"
#include "ctl_config.h"
#include "ctl_trigger.h"
#include "digest.h"
#include "fl_test.h"
#include "httpsig.h"
#include "kind.h"
#include "macro.h"
#include "sign.h"

#include <openssl/evp.h>
#include <string.h>

static void test_params(void **state) {
        static const struct {
                const char *args[3];
                const char *error; /* NULL: all accepted */
                const char *json;  /* the params then */
        } cases[] = {
                {{"device=sda"}, NULL, "{\"device\": \"sda\"}"},
                {{"a=", "b=x=y"}, NULL, "{\"a\": \"\", \"b\": \"x=y\"}"},
                {{"a.b-c_d=1"}, NULL, "{\"a.b-c_d\": \"1\"}"},
                {{"device"}, "--param \"device\" must be KEY=VALUE", NULL},
                {{"=sda"}, "--param \"=sda\" must be KEY=VALUE", NULL},
                {{"de vice=sda"},
                        "--param \"de vice=sda\": the key must be 1 to 128 letters, digits, '_', "
                        "'.' or '-'",
                        NULL},
                {{"a=1", "a=2"}, "--param a is given twice", NULL},
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                json_auto_t *params = json_object(), *want = NULL;
                char err[256] = "";
                int r = 0;

                for (size_t k = 0; r == 0 && k < 3 && cases[i].args[k]; k++)
                        r = fl_ctl_param_parse(cases[i].args[k], params, err, sizeof(err));
                if (cases[i].error) {
                        assert_int_equal(r, -EINVAL);
                        assert_string_equal(err, cases[i].error);
                        continue;
                }
                assert_int_equal(r, 0);
                want = json_loads(cases[i].json, 0, NULL);
                assert_true(json_equal(params, want));
        }
}

static void test_pause_target(void **state) {
        static const struct {
                const char *scope, *workflow, *datacenter, *reason;
                const char *json, *error;
        } cases[] = {
                {"all", NULL, NULL, NULL, "{\"scope\": \"all\"}", NULL},
                {"all", NULL, NULL, "cooling work",
                        "{\"scope\": \"all\", \"reason\": \"cooling work\"}", NULL},
                {"workflow", "drain-node", NULL, NULL,
                        "{\"scope\": \"workflow\", \"workflow\": \"drain-node\"}", NULL},
                {NULL, "drain-node", NULL, NULL,
                        "{\"scope\": \"workflow\", \"workflow\": \"drain-node\"}", NULL},
                {NULL, NULL, "ams01", NULL,
                        "{\"scope\": \"datacenter\", \"datacenter\": \"ams01\"}", NULL},
                {NULL, NULL, NULL, NULL, NULL,
                        "say what: --scope all, --workflow WORKFLOW or --datacenter DC"},
                {NULL, "w", "d", NULL, NULL,
                        "give --scope: both --workflow and --datacenter are given"},
                {"all", "w", NULL, NULL, NULL, "--scope all takes no --workflow or --datacenter"},
                {"workflow", NULL, NULL, NULL, NULL,
                        "--scope workflow needs --workflow (and no --datacenter)"},
                {"datacenter", "w", "d", NULL, NULL,
                        "--scope datacenter needs --datacenter (and no --workflow)"},
                {"node", NULL, NULL, NULL, NULL,
                        "--scope must be all, workflow or datacenter, not \"node\""},
                {NULL, "bad name", NULL, NULL, NULL,
                        "--workflow \"bad name\" is not a name: use 1 to 64 letters, digits, '.', "
                        "'_' or '-', starting with a letter or digit"},
                {"all", NULL, NULL, "", NULL, "--reason must be 1 to 512 bytes"},
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                json_auto_t *got = NULL, *want = NULL;
                char err[256] = "";
                int r = fl_ctl_pause_target(cases[i].scope, cases[i].workflow, cases[i].datacenter,
                        cases[i].reason, &got, err, sizeof(err));

                if (cases[i].error) {
                        if (r != -EINVAL || strcmp(err, cases[i].error) != 0)
                                fail_msg("case %zu: %d \"%s\"", i, r, err);
                        assert_null(got);
                        continue;
                }
                assert_int_equal(r, 0);
                want = json_loads(cases[i].json, 0, NULL);
                if (!json_equal(got, want))
                        fail_msg("case %zu: %s", i, json_dumps(got, JSON_COMPACT));
        }
}

static void test_flags(void **state) {
        static const struct {
                int opt;
                const char *arg;
                int result;
                const char *error;
        } cases[] = {
                {FL_CTL_OPT_URL, "https://coordinator:7443", 1, NULL},
                {FL_CTL_OPT_URL, "http://coordinator:7443", -EINVAL,
                        "--url must be an https:// URL with a host, not "
                        "\"http://coordinator:7443\""},
                {FL_CTL_OPT_URL, "https:///x", -EINVAL,
                        "--url must be an https:// URL with a host, not \"https:///x\""},
                {FL_CTL_OPT_TIMEOUT, "90s", 1, NULL},
                {FL_CTL_OPT_TIMEOUT, "100ms", -EINVAL, "--timeout \"100ms\" must be from 1s to 1h"},
                {FL_CTL_OPT_TIMEOUT, "soon", -EINVAL,
                        "--timeout \"soon\": expected a number, such as 15m or 1h30m"},
                {FL_CTL_OPT_KEY_ID, "alice", 1, NULL},
                {FL_CTL_OPT_KEY_ID, "al ice", -EINVAL,
                        "--key-id \"al ice\" is not a keyid: use 1 to 128 letters, digits, '.', "
                        "'_', ':' or '-', starting with a letter or digit"},
                {FL_CTL_OPT_JSON, NULL, 1, NULL},
                {FL_CTL_OPT_FIRST_OWN, "x", 0, NULL},
                {'x', NULL, 0, NULL},
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct fl_ctl_flags f = {};
                char err[256] = "";
                int r = fl_ctl_flags_take(&f, cases[i].opt, cases[i].arg, err, sizeof(err));

                if (r != cases[i].result || strcmp(err, cases[i].error ? cases[i].error : "") != 0)
                        fail_msg("case %zu: %d \"%s\"", i, r, err);
        }
        struct fl_ctl_flags f = {};
        char err[64];
        assert_int_equal(fl_ctl_flags_take(&f, FL_CTL_OPT_TIMEOUT, "2m", err, sizeof(err)), 1);
        assert_int_equal(f.timeout_usec, 120000000);
}

static void test_decision_exit(void **state) {
        static const struct {
                long status;
                const char *answer;
                int exit;
        } cases[] = {
                {202, "{\"decision\": \"started\"}", FL_CTL_EXIT_OK},
                {200, "{\"decision\": \"duplicate\"}", FL_CTL_EXIT_OK},
                {200, "{\"decision\": \"dry_run\", \"would\": \"started\"}", FL_CTL_EXIT_OK},
                {200, "{\"decision\": \"dry_run\", \"would\": \"duplicate\"}", FL_CTL_EXIT_OK},
                {200, "{\"decision\": \"dry_run\", \"would\": \"rejected\"}", FL_CTL_EXIT_REFUSED},
                {200, "{\"decision\": \"dry_run\", \"would\": \"deferred\"}", FL_CTL_EXIT_REFUSED},
                {409, "{\"decision\": \"rejected\"}", FL_CTL_EXIT_REFUSED},
                {503, "{\"decision\": \"deferred\"}", FL_CTL_EXIT_REFUSED},
                {403, "{\"error\": \"node_not_allowed\"}", FL_CTL_EXIT_REFUSED},
                {401, "{\"error\": \"bad_signature\"}", FL_CTL_EXIT_REFUSED},
                {413, "null", FL_CTL_EXIT_REFUSED},
                {503, "{\"error\": \"temporal_unavailable\"}", FL_CTL_EXIT_UNREACHABLE},
                {500, "{\"error\": \"internal\"}", FL_CTL_EXIT_UNREACHABLE},
                {200, "{\"decision\": \"something new\"}", FL_CTL_EXIT_UNREACHABLE},
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                json_auto_t *a = json_loads(cases[i].answer, JSON_DECODE_ANY, NULL);
                if (fl_ctl_decision_exit(cases[i].status, a) != cases[i].exit)
                        fail_msg("case %zu", i);
        }
}

static void test_kind(void **state) {
        static const struct {
                const char *path;
                int kind;
        } names[] = {
                {"/etc/faultline/agent.hcl", FL_CTL_KIND_AGENT},
                {"coordinator.hcl", FL_CTL_KIND_COORDINATOR},
                {"rules/worker.hcl", FL_CTL_KIND_WORKER},
                {"/etc/faultline/faultlinectl.hcl", FL_CTL_KIND_FAULTLINECTL},
                {"/etc/faultline/rules.d/disk.hcl", FL_CTL_KIND_RULES},
                {"rules.d//disk.hcl", FL_CTL_KIND_RULES},
                {"../workflows.d/drain-node.hcl", FL_CTL_KIND_WORKFLOW},
                {"x/myrules.d/disk.hcl", -ENOENT},
                {"disk.hcl", -ENOENT},
                {"/tmp/agent.hcl.bak", -ENOENT},
        };
        static const struct {
                const char *text;
                int kind;
                const char *why;
        } contents[] = {
                {"rule \"a\" {}\n", FL_CTL_KIND_RULES, NULL},
                {"task_queue_target = \"node\"\n", FL_CTL_KIND_WORKFLOW, NULL},
                {"constraint {}\n", FL_CTL_KIND_WORKFLOW, NULL},
                {"agent_key \"k\" {}\n", FL_CTL_KIND_COORDINATOR, NULL},
                {"listen = \"127.0.0.1:1\"\ntemporal {}\n", FL_CTL_KIND_COORDINATOR, NULL},
                {"node {}\ntemporal {}\n", FL_CTL_KIND_WORKER, NULL},
                {"runbooks_dir = \"/x\"\n", FL_CTL_KIND_WORKER, NULL},
                {"node {}\ncoordinator {}\n", FL_CTL_KIND_AGENT, NULL},
                {"rules_dir = \"/x\"\n", FL_CTL_KIND_AGENT, NULL},
                {"coordinator {}\n", -ENOENT,
                        "only a coordinator block: an agent.hcl or a faultlinectl.hcl?"},
                {"x = 1\n", -ENOENT, "nothing in it says which kind of configuration it is"},
        };

        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (fl_ctl_kind_from_name(names[i].path) != names[i].kind)
                        fail_msg("name %s", names[i].path);
        for (size_t i = 0; i < ELEMENTSOF(contents); i++) {
                _cleanup_(fl_hcl_file_freep) struct fl_hcl_file *f = NULL;
                const char *why = NULL;

                assert_int_equal(
                        fl_hcl_parse(contents[i].text, strlen(contents[i].text), "t.hcl", NULL, &f),
                        0);
                if (fl_ctl_kind_from_content(f, &why) != contents[i].kind ||
                        strcmp(why ? why : "", contents[i].why ? contents[i].why : "") != 0)
                        fail_msg("content %s", contents[i].text);
        }
        assert_int_equal(fl_ctl_kind_from_string("rules.d"), FL_CTL_KIND_RULES);
        assert_int_equal(fl_ctl_kind_from_string("workflow"), FL_CTL_KIND_WORKFLOW);
        assert_int_equal(fl_ctl_kind_from_string("coordinator.hcl"), FL_CTL_KIND_COORDINATOR);
        assert_int_equal(fl_ctl_kind_from_string("nope"), -EINVAL);
        assert_string_equal(fl_ctl_kind_to_string(FL_CTL_KIND_FAULTLINECTL), "faultlinectl");
        assert_null(fl_ctl_kind_to_string(_FL_CTL_KIND_MAX));
}

/* ---- faultlinectl.hcl ----------------------------------------------------- */

static void test_config(void **state) {
        _cleanup_free_ char *dir = fl_test_mkdtemp(), *path = NULL;
        _cleanup_(fl_ctl_config_freep) struct fl_ctl_config *c = NULL;
        _cleanup_(fl_diags_freep) struct fl_diags *d = fl_diags_new();
        bool required;

        path = fl_test_write_file(dir, "faultlinectl.hcl",
                "coordinator {\n"
                "  url = \"https://coordinator.example:7443\"\n"
                "  ca_file = \"tls/ca.pem\"\n"
                "  cert_file = \"/abs/alice.pem\"\n"
                "  key_file = \"alice.key\"\n"
                "  signing_key_file = \"alice.ed25519\"\n"
                "  key_id = \"alice\"\n"
                "  timeout = \"5s\"\n"
                "}\n");
        assert_int_equal(fl_ctl_config_load(path, d, &c), 0);
        assert_string_equal(c->url, "https://coordinator.example:7443");
        assert_true(strncmp(c->ca_file, dir, strlen(dir)) == 0);
        assert_string_equal(c->ca_file + strlen(dir), "/tls/ca.pem");
        assert_string_equal(c->cert_file, "/abs/alice.pem");
        assert_string_equal(c->signing_key_file + strlen(dir), "/alice.ed25519");
        assert_string_equal(c->key_id, "alice");
        assert_int_equal(c->timeout_usec, 5000000);
        assert_string_equal(c->path, path);
        c = fl_ctl_config_free(c);

        assert_int_equal(fl_ctl_config_default(&c), 0);
        assert_string_equal(c->url, FL_CTL_DEFAULT_URL);
        assert_null(c->ca_file);
        assert_int_equal(c->timeout_usec, 30000000);
        assert_null(c->path);

        /* Which file: --config, then the environment, then the default if any. */
        assert_string_equal(fl_ctl_config_pick("a", "b", path, &required), "a");
        assert_true(required);
        assert_string_equal(fl_ctl_config_pick(NULL, "b", path, &required), "b");
        assert_true(required);
        assert_string_equal(fl_ctl_config_pick(NULL, "", path, &required), path);
        assert_false(required);
        assert_null(fl_ctl_config_pick(NULL, NULL, "/nonexistent/x.hcl", &required));
        assert_false(required);
        fl_test_rm_rf(dir);
}

static void test_config_errors(void **state) {
        static const struct {
                const char *text, *messages;
        } cases[] = {
                {"coordinator {\n  url = \"http://c:1\"\n}\n",
                        "f.hcl:2:9: \"url\" must be an https:// URL with a host (and no query), "
                        "not \"http://c:1\"\n"},
                {"coordinator {\n  cert_file = \"a.pem\"\n}\n",
                        "f.hcl:2:15: \"cert_file\" and \"key_file\" go together\n"},
                {"coordinator {\n  key_id = \"a b\"\n}\n",
                        "f.hcl:2:12: invalid \"key_id\" \"a b\": use 1 to 128 letters, digits, "
                        "'.', '_', ':' or '-', starting with a letter or digit\n"},
                {"coordinator {\n  timeout = \"0s\"\n}\n",
                        "f.hcl:2:13: \"timeout\" must be between 1s and 1h, not \"0s\"\n"},
                {"coordinator {\n  ca_file = \"\"\n}\n",
                        "f.hcl:2:13: \"ca_file\" must be a non-empty path\n"},
                {"coordinator {\n  urll = \"https://c\"\n}\n",
                        "f.hcl:2:3: unknown attribute \"urll\" in block \"coordinator\"; did you "
                        "mean \"url\"?\n"},
                {"url = \"https://c\"\n", "f.hcl:1:1: unknown attribute \"url\"\n"},
                {"coordinator {\n", "f.hcl:1:1: unterminated block \"coordinator\": no \"}\" "
                                    "closes it\n"},
        };
        _cleanup_free_ char *dir = fl_test_mkdtemp();
        size_t failed = 0;

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *path = fl_test_write_file(dir, "f.hcl", cases[i].text);
                _cleanup_(fl_ctl_config_freep) struct fl_ctl_config *c = NULL;
                _cleanup_(fl_diags_freep) struct fl_diags *d = fl_diags_new();
                _cleanup_free_ char *got = NULL;
                size_t size = 0;
                FILE *f = open_memstream(&got, &size);
                int r = fl_ctl_config_load(path, d, &c);

                for (size_t k = 0; k < d->n_items; k++)
                        fprintf(f, "f.hcl:%u:%u: %s\n", d->items[k].line, d->items[k].column,
                                d->items[k].message);
                fclose(f);
                if (r != -EINVAL || strcmp(got, cases[i].messages) != 0) {
                        print_error(
                                "case %zu: r=%d got:\n%swant:\n%s", i, r, got, cases[i].messages);
                        failed++;
                }
                assert_null(c);
        }
        fl_test_rm_rf(dir);
        assert_int_equal(failed, 0);
}

/* ---- the trigger ---------------------------------------------------------- */

static void test_trigger_body(void **state) {
        json_auto_t *params = json_pack("{s:s}", "device", "sdb");
        json_auto_t *body = NULL, *again = NULL;
        struct fl_ctl_trigger t = {
                .workflow = "disk-io-error", .node = "node-17", .params = params, .dry_run = true};
        char err[256];

        /* 2026-11-27T03:58:00.123456Z */
        assert_int_equal(fl_ctl_trigger_body(
                                 &t, "alice", "laptop", 1795751880123456, &body, err, sizeof(err)),
                0);
        assert_string_equal(json_string_value(json_object_get(body, "node")), "node-17");
        assert_string_equal(json_string_value(json_object_get(body, "workflow")), "disk-io-error");
        assert_string_equal(json_string_value(json_object_get(body, "rule")), "faultlinectl");
        assert_string_equal(json_string_value(json_object_get(body, "observed_at")),
                "2026-11-27T03:58:00.123456Z");
        assert_true(json_is_true(json_object_get(body, "dry_run")));
        assert_true(json_equal(json_object_get(body, "params"), params));
        json_auto_t *event = json_pack(
                "{s:s, s:s, s:s}", "source", "faultlinectl", "user", "alice", "host", "laptop");
        assert_true(json_equal(json_object_get(body, "event"), event));
        const char *key = json_string_value(json_object_get(body, "idempotency_key"));
        assert_int_equal(strlen(key), 32);
        assert_int_equal(strspn(key, "0123456789abcdef"), 32);
        /* A fresh key each time: a new remediation. */
        assert_int_equal(fl_ctl_trigger_body(&t, "alice", NULL, 0, &again, err, sizeof(err)), 0);
        assert_string_not_equal(json_string_value(json_object_get(again, "idempotency_key")), key);
        assert_null(json_object_get(json_object_get(again, "event"), "host"));

        static const struct {
                struct fl_ctl_trigger t;
                const char *error;
        } bad[] = {
                {{.workflow = "a b", .node = "n"},
                        "\"a b\" is not a workflow name: use 1 to 64 letters, digits, '.', '_' "
                        "or '-', starting with a letter or digit"},
                {{.workflow = "w", .node = "-n"},
                        "--node \"-n\" is not a node name: use 1 to 64 letters, digits, '.', '_' "
                        "or '-', starting with a letter or digit"},
                {{.workflow = "w", .node = "n", .rule = "r r"},
                        "--rule \"r r\" is not a rule name: use 1 to 128 letters, digits, '.', "
                        "'_', ':' or '-', starting with a letter or digit"},
                {{.workflow = "w", .node = "n", .idempotency_key = "short"},
                        "--idempotency-key \"short\" must be 8 to 64 letters, digits, '.', '_' "
                        "or '-'"},
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                json_t *b = NULL;
                assert_int_equal(
                        fl_ctl_trigger_body(&bad[i].t, "u", "h", 0, &b, err, sizeof(err)), -EINVAL);
                assert_string_equal(err, bad[i].error);
                assert_null(b);
        }
        struct fl_ctl_trigger keyed = {
                .workflow = "w", .node = "n", .idempotency_key = "k-1234567"};
        json_auto_t *k = NULL;
        assert_int_equal(fl_ctl_trigger_body(&keyed, "u", "h", 0, &k, err, sizeof(err)), 0);
        assert_string_equal(json_string_value(json_object_get(k, "idempotency_key")), "k-1234567");
}

static int lookup(const char *keyid, void *userdata, EVP_PKEY **ret) {
        if (strcmp(keyid, "alice") != 0)
                return -ENOKEY;
        *ret = userdata;
        return 0;
}

/* What faultlinectl signs, the coordinator's policy verifies (the same
 * profile as the agent's). */
static void test_signature(void **state) {
        static const char *body = "{\"node\":\"node-17\"}";
        _cleanup_evp_pkey_ EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
        char *lines[FL_CTL_SIGNED_HEADERS + 1] = {};
        struct fl_http_header headers[FL_CTL_SIGNED_HEADERS + 1];
        struct fl_httpsig_result res = {};
        struct fl_httpsig_error why = {};
        char err[256];
        const char *digest = NULL;

        assert_non_null(key);
        assert_int_equal(fl_ctl_sign_trigger("https://coordinator.example:7443/v1/triggers", key,
                                 "alice", body, strlen(body), 1795751880, lines, err, sizeof(err)),
                0);
        assert_string_equal(lines[0], "Content-Type: application/json");
        assert_true(strncmp(lines[1], "Content-Digest: sha-256=:", 25) == 0);
        assert_null(lines[FL_CTL_SIGNED_HEADERS]);
        for (size_t i = 0; i < FL_CTL_SIGNED_HEADERS; i++) {
                char *colon = strchr(lines[i], ':');
                *colon = '\0';
                headers[i] = (struct fl_http_header){lines[i], colon + 2};
                if (strcmp(lines[i], "Content-Digest") == 0)
                        digest = colon + 2;
        }
        headers[FL_CTL_SIGNED_HEADERS] =
                (struct fl_http_header){"Host", "coordinator.example:7443"};
        const struct fl_http_request req = {
                .method = "POST",
                .scheme = "https",
                .authority = "coordinator.example:7443",
                .request_target = "/v1/triggers",
                .headers = headers,
                .n_headers = ELEMENTSOF(headers),
        };
        const struct fl_httpsig_policy policy = {
                .required_components = fl_httpsig_trigger_required,
                .required_params = FL_HTTPSIG_TRIGGER_REQUIRED_PARAMS,
                .now = 1795751890,
                .skew_sec = 300,
                .key_lookup = lookup,
                .userdata = key,
        };
        assert_int_equal(fl_httpsig_verify(&req, &policy, &res, &why), 0);
        assert_string_equal(res.keyid, "alice");
        assert_non_null(res.nonce);
        assert_int_equal(res.created, 1795751880);
        assert_int_equal(fl_digest_verify(digest, strlen(digest), body, strlen(body), NULL), 0);
        fl_httpsig_result_done(&res);
        for (size_t i = 0; i < FL_CTL_SIGNED_HEADERS; i++)
                free(lines[i]);
}

static void test_signing_key_errors(void **state) {
        _cleanup_free_ char *dir = fl_test_mkdtemp(), *garbage = NULL, *want = NULL;
        EVP_PKEY *key = NULL;
        char err[512];

        assert_int_equal(
                fl_ctl_load_signing_key("/nonexistent/k", &key, err, sizeof(err)), -ENOENT);
        assert_string_equal(err, "signing_key_file \"/nonexistent/k\": No such file or directory");
        garbage = fl_test_write_file(dir, "k", "not a key\n");
        assert_int_equal(fl_ctl_load_signing_key(garbage, &key, err, sizeof(err)), -EBADMSG);
        assert_true(asprintf(&want,
                            "signing_key_file \"%s\": no unencrypted PEM \"PRIVATE KEY\" in it "
                            "(create one with: openssl genpkey -algorithm ed25519)",
                            garbage) > 0);
        assert_string_equal(err, want);
        assert_null(key);
        fl_test_rm_rf(dir);
}

static void test_constraint_label(void **state) {
        json_auto_t *c = json_pack("{s:s, s:i, s:s, s:s}", "kind", "maxExecution", "value", 3,
                "period", "1d", "scope", "global");
        char buf[128];

        fl_ctl_constraint_label(c, buf, sizeof(buf));
        assert_string_equal(buf, "maxExecution 3/1d per global");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_params),
                cmocka_unit_test(test_pause_target),
                cmocka_unit_test(test_flags),
                cmocka_unit_test(test_decision_exit),
                cmocka_unit_test(test_kind),
                cmocka_unit_test(test_config),
                cmocka_unit_test(test_config_errors),
                cmocka_unit_test(test_trigger_body),
                cmocka_unit_test(test_signature),
                cmocka_unit_test(test_signing_key_errors),
                cmocka_unit_test(test_constraint_label),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
