/* SPDX-License-Identifier: Apache-2.0 */
/*
 * coordinator.hcl: the seed's server_config as written, the packaged
 * default, a full file, and every decoding error with its exact
 * FILE:LINE:COL: message (the directory part of FILE stripped).
 */
#include "config.h"
#include "fl_test.h"
#include "macro.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <string.h>
#include <syslog.h>

struct ctx {
        char *dir;
        char *ed25519_pub; /* a valid agent key */
        char *p256_pub;    /* a key of the wrong type */
};

static char *write_public_key(const char *dir, const char *name, EVP_PKEY *key) {
        char *path = NULL;
        FILE *f;

        assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
        f = fopen(path, "we");
        assert_non_null(f);
        assert_int_equal(PEM_write_PUBKEY(f, key), 1);
        assert_int_equal(fclose(f), 0);
        return path;
}

static int setup(void **state) {
        struct ctx *c = calloc(1, sizeof(*c));
        EVP_PKEY *k;

        c->dir = fl_test_mkdtemp();
        k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
        assert_non_null(k);
        c->ed25519_pub = write_public_key(c->dir, "node-a.pub", k);
        EVP_PKEY_free(k);
        k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
        assert_non_null(k);
        c->p256_pub = write_public_key(c->dir, "p256.pub", k);
        EVP_PKEY_free(k);
        *state = c;
        return 0;
}

static int teardown(void **state) {
        struct ctx *c = *state;

        fl_test_rm_rf(c->dir);
        free(c->dir);
        free(c->ed25519_pub);
        free(c->p256_pub);
        free(c);
        return 0;
}

/* Loads `text` as DIR/c.hcl. Returns the result; *ret_msgs gets every
 * diagnostic, one per line, with "DIR/" removed. */
static int load(
        struct ctx *c, const char *text, struct fl_coordinator_config **ret, char **ret_msgs) {
        _cleanup_(fl_diags_freep) struct fl_diags *d = fl_diags_new();
        _cleanup_free_ char *path = fl_test_write_file(c->dir, "c.hcl", text);
        char *buf = NULL;
        size_t size = 0, dl = strlen(c->dir) + 1;
        FILE *f = open_memstream(&buf, &size);
        int r;

        r = fl_coordinator_config_load(path, d, ret);
        for (size_t i = 0; i < d->n_items; i++) {
                const char *file = d->items[i].file;
                if (strncmp(file, c->dir, dl - 1) == 0 && file[dl - 1] == '/')
                        file += dl;
                fprintf(f, "%s:%u:%u: %s\n", file, d->items[i].line, d->items[i].column,
                        d->items[i].message);
        }
        fclose(f);
        *ret_msgs = buf;
        return r;
}

static void test_seed_acl_as_written(void **state) {
        _cleanup_(fl_coordinator_config_freep) struct fl_coordinator_config *cfg = NULL;
        _cleanup_(fl_diags_freep) struct fl_diags *d = fl_diags_new();
        _cleanup_free_ char *path = fl_test_source_path("tests/data/seed/coordinator-acl.hcl");
        const struct fl_route_rule *r;

        assert_int_equal(fl_coordinator_config_load(path, d, &cfg), 0);
        assert_int_equal(d->n_items, 0);
        assert_true(cfg->server_config.enable_tls);
        assert_int_equal(cfg->server_config.n_route_rules, 3);

        r = &cfg->server_config.route_rules[0];
        assert_string_equal(r->name, "global_get");
        assert_int_equal(r->method, FL_METHOD_GET);
        assert_int_equal(r->n_route_patterns, 1);
        assert_string_equal(r->route_patterns[0], "/*");
        assert_int_equal(r->n_uris, 1);
        assert_string_equal(r->uris[0], "spiffe://example.com/worker-admin");
        assert_false(r->allow_public);
        assert_false(r->skip_log_match);
        assert_int_equal(r->line, 3);

        r = &cfg->server_config.route_rules[1];
        assert_string_equal(r->name, "global_post");
        assert_int_equal(r->method, FL_METHOD_POST);
        assert_true(r->allow_public);
        assert_false(r->skip_log_match);

        r = &cfg->server_config.route_rules[2];
        assert_string_equal(r->name, "public_access");
        assert_int_equal(r->method, FL_METHOD_GET);
        assert_string_equal(r->route_patterns[0], "/metrics");
        assert_int_equal(r->n_uris, 0);
        assert_true(r->allow_public);
        assert_true(r->skip_log_match);

        /* Everything else is the default. */
        assert_int_equal(cfg->n_listen, 1);
        assert_string_equal(cfg->listen[0].host, "127.0.0.1");
        assert_int_equal(cfg->listen[0].port, 7443);
        assert_string_equal(cfg->tls.ca_file, "/etc/faultline/tls/ca.pem");
        assert_string_equal(cfg->temporal.url, "http://127.0.0.1:7243");
        assert_string_equal(cfg->temporal.namespace, "default");
        assert_string_equal(cfg->workflows_dir, "/etc/faultline/workflows.d");
        assert_int_equal(cfg->clock_skew_usec, 300000000);
        assert_int_equal(cfg->body_limit, 65536);
        assert_int_equal(cfg->max_connections, 1024);
        assert_int_equal(cfg->nonce_cache_size, 1000000);
        assert_int_equal(cfg->n_agent_keys, 0);
        assert_false(cfg->alertmanager.configured);
        assert_true(cfg->access_log);
        assert_int_equal(cfg->log_level, LOG_INFO);
}

static void test_packaged_default(void **state) {
        _cleanup_(fl_coordinator_config_freep) struct fl_coordinator_config *cfg = NULL;
        _cleanup_(fl_diags_freep) struct fl_diags *d = fl_diags_new();
        _cleanup_free_ char *path = fl_test_source_path("rules/coordinator.hcl");

        assert_int_equal(fl_coordinator_config_load(path, d, &cfg), 0);
        assert_int_equal(d->n_items, 0);
        assert_int_equal(cfg->server_config.n_route_rules, 3);
        assert_int_equal(cfg->server_config.route_rules[1].method, FL_METHOD_ANY);
        assert_string_equal(cfg->state_dir, "/var/lib/faultline/coordinator");
}

static void test_full(void **state) {
        struct ctx *c = *state;
        _cleanup_(fl_coordinator_config_freep) struct fl_coordinator_config *cfg = NULL;
        _cleanup_free_ char *text = NULL, *msgs = NULL;
        const struct fl_agent_key *k;

        assert_true(asprintf(&text,
                            "listen = [\"127.0.0.1:0\", \"[::1]:7443\"]\n"
                            "tls { ca_file = \"ca.pem\"  cert_file = \"/abs/s.pem\"  key_file = "
                            "\"s.key\" }\n"
                            "temporal {\n"
                            "  url = \"https://temporal:7243\"\n"
                            "  namespace = \"prod\"\n"
                            "  ca_file = \"tca.pem\"\n"
                            "  cert_file = \"tc.pem\"\n"
                            "  key_file = \"tc.key\"\n"
                            "  api_key_file = \"/run/secrets/temporal\"\n"
                            "  deadline = \"3s\"\n"
                            "  attempt_timeout = \"1s\"\n"
                            "  max_connections = 4\n"
                            "}\n"
                            "workflows_dir = \"wf.d\"\n"
                            "state_dir = \"/var/lib/x\"\n"
                            "agent_key \"node-a\" {\n"
                            "  public_key_file = \"%s\"\n"
                            "  nodes = [\"node-a\", \"node-a2\"]\n"
                            "  node_type = \"storage\"\n"
                            "  datacenter = \"ams01\"\n"
                            "}\n"
                            "clock_skew = \"30s\"\n"
                            "nonce_cache_size = 5000\n"
                            "body_limit = 2048\n"
                            "header_timeout = \"2s\"\n"
                            "idle_timeout = \"5s\"\n"
                            "max_connections = 10\n"
                            "reject_cache = \"500ms\"\n"
                            "retry_after = \"30s\"\n"
                            "fold_interval = \"0\"\n"
                            "access_log = false\n"
                            "log_level = \"debug\"\n"
                            "server_config { enable_tls = false }\n"
                            "alertmanager {\n"
                            "  callers = [\"spiffe://example.com/alertmanager\"]\n"
                            "  node_label = \"instance\"\n"
                            "  strip_port = false\n"
                            "  route \"DiskErrors\" {\n"
                            "    workflow = \"disk-io-error\"\n"
                            "    params = [\"device\"]\n"
                            "  }\n"
                            "}\n",
                            c->ed25519_pub) > 0);
        assert_int_equal(load(c, text, &cfg, &msgs), 0);
        assert_string_equal(msgs, "");
        assert_int_equal(cfg->n_listen, 2);
        assert_string_equal(cfg->listen[0].host, "127.0.0.1");
        assert_int_equal(cfg->listen[0].port, 0);
        assert_string_equal(cfg->listen[1].host, "::1");
        assert_int_equal(cfg->listen[1].port, 7443);
        /* Relative names are relative to the config's directory. */
        assert_true(strncmp(cfg->tls.ca_file, c->dir, strlen(c->dir)) == 0);
        assert_string_equal(cfg->tls.ca_file + strlen(c->dir), "/ca.pem");
        assert_string_equal(cfg->tls.cert_file, "/abs/s.pem");
        assert_string_equal(cfg->workflows_dir + strlen(c->dir), "/wf.d");
        assert_string_equal(cfg->temporal.url, "https://temporal:7243");
        assert_string_equal(cfg->temporal.namespace, "prod");
        assert_string_equal(cfg->temporal.api_key_file, "/run/secrets/temporal");
        assert_int_equal(cfg->temporal.deadline_usec, 3000000);
        assert_int_equal(cfg->temporal.max_connections, 4);
        assert_int_equal(cfg->n_agent_keys, 1);
        k = fl_coordinator_config_key(cfg, "node-a");
        assert_non_null(k);
        assert_null(fl_coordinator_config_key(cfg, "node-b"));
        assert_non_null(k->key);
        assert_string_equal(k->node_type, "storage");
        assert_string_equal(k->datacenter, "ams01");
        assert_true(fl_agent_key_allows_node(k, "node-a2"));
        assert_false(fl_agent_key_allows_node(k, "node-b"));
        assert_int_equal(k->line, 16);
        assert_int_equal(cfg->clock_skew_usec, 30000000);
        assert_int_equal(cfg->nonce_cache_size, 5000);
        assert_int_equal(cfg->body_limit, 2048);
        assert_int_equal(cfg->header_timeout_usec, 2000000);
        assert_int_equal(cfg->idle_timeout_usec, 5000000);
        assert_int_equal(cfg->max_connections, 10);
        assert_int_equal(cfg->reject_cache_usec, 500000);
        assert_int_equal(cfg->retry_after_usec, 30000000);
        assert_int_equal(cfg->fold_interval_usec, 0);
        assert_false(cfg->access_log);
        assert_int_equal(cfg->log_level, LOG_DEBUG);
        assert_false(cfg->server_config.enable_tls);
        assert_int_equal(cfg->server_config.n_route_rules, 0);
        assert_true(cfg->alertmanager.configured);
        assert_string_equal(cfg->alertmanager.callers[0], "spiffe://example.com/alertmanager");
        assert_string_equal(cfg->alertmanager.node_label, "instance");
        assert_false(cfg->alertmanager.strip_port);
        assert_int_equal(cfg->alertmanager.n_routes, 1);
        assert_string_equal(cfg->alertmanager.routes[0].alertname, "DiskErrors");
        assert_string_equal(cfg->alertmanager.routes[0].workflow, "disk-io-error");
        assert_string_equal(cfg->alertmanager.routes[0].rule, "alertmanager");
        assert_string_equal(cfg->alertmanager.routes[0].params[0], "device");
        assert_ptr_equal(fl_coordinator_config_node_binding(cfg, "node-a2"), k);
        assert_null(fl_coordinator_config_node_binding(cfg, "node-b"));
}

static const struct {
        const char *text;
        const char *messages;
} errors[] = {
        {"listen = \"nope\"\n",
                "c.hcl:1:10: invalid listen address \"nope\": write IPV4:PORT or [IPV6]:PORT, "
                "e.g. \"127.0.0.1:7443\"\n"},
        {"listen = \"localhost:7443\"\n",
                "c.hcl:1:10: invalid listen address \"localhost:7443\": write IPV4:PORT or "
                "[IPV6]:PORT, e.g. \"127.0.0.1:7443\"\n"},
        {"listen = \"127.0.0.1:65536\"\n",
                "c.hcl:1:10: invalid listen address \"127.0.0.1:65536\": write IPV4:PORT or "
                "[IPV6]:PORT, e.g. \"127.0.0.1:7443\"\n"},
        {"listen = 7443\n",
                "c.hcl:1:10: \"listen\" must be an address string or a list of them, not a "
                "number\n"},
        {"listen = [\"127.0.0.1:1\", 5]\n",
                "c.hcl:1:26: \"listen\" must be a list of address strings, but item 2 is a "
                "number\n"},
        {"listen = []\n", "c.hcl:1:10: \"listen\" must not be empty\n"},
        {"clock_skew = \"10h\"\n",
                "c.hcl:1:14: \"clock_skew\" must be between 1s and 1h, not \"10h\"\n"},
        {"clock_skew = 5\n",
                "c.hcl:1:14: \"clock_skew\" must be a duration string such as \"15m\", not a "
                "number\n"},
        {"idle_timeout = \"5x\"\n",
                "c.hcl:1:16: invalid duration \"5x\" for \"idle_timeout\": unknown unit (use "
                "ms, s, m, h or d)\n"},
        {"body_limit = 10\n",
                "c.hcl:1:14: \"body_limit\" must be between 1024 and 16777216, not 10\n"},
        {"listne = \"127.0.0.1:1\"\n",
                "c.hcl:1:1: unknown attribute \"listne\"; did you mean \"listen\"?\n"},
        {"log_level = \"loud\"\n",
                "c.hcl:1:13: invalid value \"loud\" for \"log_level\" (expected one of: "
                "\"emerg\", \"alert\", \"crit\", \"err\", \"warning\", \"notice\", \"info\", "
                "\"debug\")\n"},
        {"tls { cert = \"x\" }\n", "c.hcl:1:7: unknown attribute \"cert\" in block \"tls\"\n"},
        {"tls { ca_file = \"\" }\n", "c.hcl:1:17: \"ca_file\" must be a non-empty path\n"},
        {"temporal { url = \"ftp://t\" }\n",
                "c.hcl:1:18: \"url\" must be an http:// or https:// URL with a host, not "
                "\"ftp://t\"\n"},
        {"temporal {\n  ca_file = \"ca.pem\"\n}\n",
                "c.hcl:1:1: TLS files toward Temporal need an https:// url\n"},
        {"temporal {\n  url = \"https://t:1\"\n  cert_file = \"c.pem\"\n}\n",
                "c.hcl:3:15: \"cert_file\" and \"key_file\" go together\n"},
        {"temporal { max_connections = 0 }\n",
                "c.hcl:1:30: \"max_connections\" must be between 1 and 256, not 0\n"},
        {"agent_key {\n  public_key_file = \"k\"\n  nodes = [\"a\"]\n  node_type = \"t\"\n  "
         "datacenter = \"d\"\n}\n",
                "c.hcl:1:1: block \"agent_key\" needs 1 label (keyid), found 0\n"},
        {"agent_key \"k\" {\n  public_key_file = \"k\"\n}\n",
                "c.hcl:1:1: missing required attribute \"nodes\" in block \"agent_key\"\n"
                "c.hcl:1:1: missing required attribute \"node_type\" in block \"agent_key\"\n"
                "c.hcl:1:1: missing required attribute \"datacenter\" in block \"agent_key\"\n"},
        {"agent_key \"k\" {\n  public_key_file = \"k\"\n  nodes = [\"bad node\"]\n  node_type "
         "= \"t\"\n  datacenter = \"d\"\n}\n",
                "c.hcl:3:12: invalid name in \"nodes\" \"bad node\": use 1 to 64 letters, "
                "digits, '.', '_' or '-', starting with a letter or digit\n"},
        {"agent_key \"k\" {\n  public_key_file = \"k\"\n  nodes = []\n  node_type = \"t\"\n  "
         "datacenter = \"d\"\n}\n",
                "c.hcl:3:11: \"nodes\" must not be empty\n"},
        {"agent_key \"k y\" {\n  public_key_file = \"k\"\n  nodes = [\"a\"]\n  node_type = "
         "\"t\"\n  datacenter = \"d\"\n}\n",
                "c.hcl:1:11: invalid keyid \"k y\": use 1 to 128 letters, digits, '.', '_', "
                "':' or '-', starting with a letter or digit\n"},
        {"agent_key \"k\" {\n  public_key_file = \"missing.pub\"\n  nodes = [\"a\"]\n  node_type "
         "= \"t\"\n  datacenter = \"d\"\n}\n",
                "c.hcl:1:1: agent_key \"k\": cannot use public_key_file \"DIR/missing.pub\": No "
                "such file or directory\n"},
        {"agent_key \"k\" {\n  public_key_file = \"p256.pub\"\n  nodes = [\"a\"]\n  node_type = "
         "\"t\"\n  datacenter = \"d\"\n}\n",
                "c.hcl:1:1: agent_key \"k\": cannot use public_key_file \"DIR/p256.pub\": not an "
                "Ed25519 key\n"},
        {"agent_key \"k\" {\n  public_key_file = \"c.hcl\"\n  nodes = [\"a\"]\n  node_type = "
         "\"t\"\n  datacenter = \"d\"\n}\n",
                "c.hcl:1:1: agent_key \"k\": cannot use public_key_file \"DIR/c.hcl\": no PEM "
                "\"PUBLIC KEY\" in it\n"},
        {"agent_key \"k\" {\n  public_key_file = \"node-a.pub\"\n  nodes = [\"a\"]\n  node_type = "
         "\"t\"\n  datacenter = \"d\"\n}\nagent_key \"k\" {\n  public_key_file = \"node-a.pub\"\n  "
         "nodes = [\"b\"]\n  node_type = \"t\"\n  datacenter = \"d\"\n}\n",
                "c.hcl:7:1: duplicate block \"agent_key\" \"k\" (first at 1:1)\n"},
        {"server_config {\n  enable_tls = \"yes\"\n}\n",
                "c.hcl:2:16: \"enable_tls\" must be a bool (true or false), not a string\n"},
        {"server_config {\n  route_rule {\n    method = \"FETCH\"\n    route_patterns = "
         "[\"/x\"]\n  }\n}\n",
                "c.hcl:3:14: invalid value \"FETCH\" for \"method\"; did you mean \"PATCH\"?\n"},
        {"server_config {\n  route_rule {\n    method = \"CONNECT\"\n    route_patterns = "
         "[\"/x\"]\n  }\n}\n",
                "c.hcl:3:14: invalid value \"CONNECT\" for \"method\" (expected one of: \"GET\", "
                "\"POST\", \"PUT\", \"DELETE\", \"PATCH\", \"HEAD\", \"OPTIONS\", \"*\")\n"},
        {"server_config {\n  route_rule {\n    route_patterns = [\"/x\"]\n  }\n}\n",
                "c.hcl:2:3: missing required attribute \"method\" in block \"route_rule\"\n"},
        {"server_config {\n  route_rule {\n    method = \"GET\"\n    route_patterns = "
         "[\"metrics\", \"/a?b\"]\n  }\n}\n",
                "c.hcl:4:23: route pattern \"metrics\" must start with '/' (or be \"*\")\n"
                "c.hcl:4:34: route pattern \"/a?b\" matches the path only: no query, fragment "
                "or white space\n"},
        {"server_config {\n  route_rule {\n    method = \"GET\"\n    route_patterns = []\n  "
         "}\n}\n",
                "c.hcl:4:22: \"route_patterns\" must not be empty\n"},
        {"server_config {\n  route_rule {\n    method = \"GET\"\n    route_patterns = [\"/\"]\n"
         "    uris = [\"https://example.com/a\", \"spiffe://Example.com/a\", "
         "\"spiffe://example.com/a/\", \"spiffe://example.com/../a\", \"spiffe:///a\"]\n  }\n}\n",
                "c.hcl:5:13: \"https://example.com/a\" is not a valid SPIFFE ID: does not start "
                "with \"spiffe://\"\n"
                "c.hcl:5:38: \"spiffe://Example.com/a\" is not a valid SPIFFE ID: the trust "
                "domain may hold only lowercase letters, digits, '.', '-' and '_'\n"
                "c.hcl:5:64: \"spiffe://example.com/a/\" is not a valid SPIFFE ID: the path has "
                "an empty segment or a trailing '/'\n"
                "c.hcl:5:91: \"spiffe://example.com/../a\" is not a valid SPIFFE ID: the path "
                "has a \".\" or \"..\" segment\n"
                "c.hcl:5:120: \"spiffe:///a\" is not a valid SPIFFE ID: the trust domain is "
                "empty\n"},
        {"server_config {\n  route_rule {\n    method = \"GET\"\n    route_patterns = [\"/\"]\n"
         "    uris = \"spiffe://example.com/a\"\n  }\n}\n",
                "c.hcl:5:12: \"uris\" must be a list of strings, not a string\n"},
        {"server_config {}\nserver_config {}\n",
                "c.hcl:2:1: duplicate block \"server_config\" (first at 1:1); only one is "
                "allowed\n"},
        {"alertmanager {\n}\n",
                "c.hcl:1:1: missing required attribute \"callers\" in block \"alertmanager\"\n"},
        {"alertmanager {\n  callers = [\"am\"]\n  route {\n    workflow = \"w\"\n  }\n  route "
         "\"A\" {\n    rule = \"x y\"\n  }\n}\n",
                "c.hcl:3:3: block \"route\" needs 1 label (alertname), found 0\n"
                "c.hcl:6:3: missing required attribute \"workflow\" in block \"route\"\n"
                "c.hcl:7:12: invalid \"rule\" \"x y\": use 1 to 128 letters, digits, '.', '_', "
                "':' or '-', starting with a letter or digit\n"},
        {"alertmanager {\n  callers = [\"am\"]\n}\n",
                "c.hcl:2:14: \"am\" is not a valid SPIFFE ID: does not start with "
                "\"spiffe://\"\n"},
        {"listen = \"127.0.0.1:1\"\nlisten = \"127.0.0.1:2\"\n",
                "c.hcl:2:1: duplicate attribute \"listen\" (first set at 1:1)\n"},
};

static void test_errors(void **state) {
        struct ctx *c = *state;
        size_t failed = 0;

        for (size_t i = 0; i < ELEMENTSOF(errors); i++) {
                _cleanup_(fl_coordinator_config_freep) struct fl_coordinator_config *cfg = NULL;
                _cleanup_free_ char *msgs = NULL, *want = NULL;
                const char *dirtag = strstr(errors[i].messages, "DIR/");
                int r;

                r = load(c, errors[i].text, &cfg, &msgs);
                if (dirtag)
                        assert_true(
                                asprintf(&want, "%.*s%s/%s", (int) (dirtag - errors[i].messages),
                                        errors[i].messages, c->dir, dirtag + 4) > 0);
                if (r != -EINVAL || strcmp(msgs, want ? want : errors[i].messages) != 0) {
                        print_error("case %zu: %s\nr=%d, got:\n%s\nwant:\n%s", i, errors[i].text, r,
                                msgs, want ? want : errors[i].messages);
                        failed++;
                }
                assert_null(cfg);
        }
        assert_int_equal(failed, 0);
}

static void test_unreadable(void **state) {
        struct ctx *c = *state;
        _cleanup_(fl_coordinator_config_freep) struct fl_coordinator_config *cfg = NULL;
        _cleanup_(fl_diags_freep) struct fl_diags *d = fl_diags_new();
        _cleanup_free_ char *path = NULL;

        assert_true(asprintf(&path, "%s/none.hcl", c->dir) > 0);
        assert_int_equal(fl_coordinator_config_load(path, d, &cfg), -EINVAL);
        assert_int_equal(d->n_items, 1);
        assert_int_equal(d->items[0].line, 1);
        assert_string_equal(
                d->items[0].message, "cannot read configuration: No such file or directory");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_seed_acl_as_written),
                cmocka_unit_test(test_packaged_default),
                cmocka_unit_test(test_full),
                cmocka_unit_test(test_errors),
                cmocka_unit_test(test_unreadable),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
