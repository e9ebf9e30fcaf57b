/* SPDX-License-Identifier: Apache-2.0 */
/*
 * agent.hcl: the contract's example and the packaged default decode with
 * the values they say; defaults; every kind of problem with its exact
 * FILE:LINE:COL: message, all of a file's problems in one run.
 */
#include "config.h"
#include "fl_test.h"
#include "macro.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#define SEC  UINT64_C(1000000)
#define MSEC UINT64_C(1000)

static char *diags_text(const struct fl_diags *d) {
        char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);

        assert_non_null(f);
        assert_int_equal(fl_diags_print(d, f), 0);
        assert_int_equal(fclose(f), 0);
        return text;
}

/* Decodes `text` written to DIR/agent.hcl; returns the status, the config
 * (on success) and the diagnostics with "DIR/" removed. */
static int load_text(const char *text, struct fl_agent_config **ret, char **ret_diags) {
        _cleanup_free_ char *dir = fl_test_mkdtemp(), *path = NULL, *out = NULL;
        _cleanup_(fl_diags_freep) struct fl_diags *d = fl_diags_new();
        struct fl_agent_config *c = NULL;
        size_t prefix;
        int r;

        assert_non_null(d);
        path = fl_test_write_file(dir, "agent.hcl", text);
        r = fl_agent_config_load(path, d, &c);
        out = diags_text(d);
        prefix = strlen(dir) + 1;
        /* Every line starts with the path: keep what follows DIR/. */
        {
                char *o = out, *w = out;
                while (*o) {
                        if (strncmp(o, dir, prefix - 1) == 0 && o[prefix - 1] == '/')
                                o += prefix;
                        while (*o && *o != '\n')
                                *w++ = *o++;
                        if (*o)
                                *w++ = *o++;
                }
                *w = '\0';
        }
        fl_test_rm_rf(dir);
        if (ret && r >= 0)
                *ret = c;
        else
                fl_agent_config_free(c);
        *ret_diags = TAKE_PTR(out);
        return r;
}

static void test_contract_example(void **state) {
        _cleanup_free_ char *path = fl_test_source_path("tests/data/agent/contract.hcl");
        _cleanup_free_ char *dir = fl_test_source_path("tests/data/agent");
        _cleanup_(fl_diags_freep) struct fl_diags *d = fl_diags_new();
        _cleanup_(fl_agent_config_freep) struct fl_agent_config *c = NULL;
        _cleanup_free_ char *ca = NULL, *real = realpath(dir, NULL);

        assert_int_equal(fl_agent_config_load(path, d, &c), 0);
        assert_int_equal(d->n_items, 0);
        assert_string_equal(c->node.name, "node-17");
        assert_string_equal(c->node.type, "storage");
        assert_string_equal(c->node.datacenter, "ams01");
        assert_true(c->coordinator.configured);
        assert_string_equal(c->coordinator.url, "https://coordinator:7443");
        /* Relative files resolve against the config's directory. */
        assert_non_null(real);
        assert_true(asprintf(&ca, "%s/...", real) > 0);
        assert_string_equal(c->coordinator.ca_file, ca);
        assert_string_equal(c->coordinator.cert_file, ca);
        assert_string_equal(c->coordinator.key_file, ca);
        assert_string_equal(c->coordinator.signing_key_file, ca);
        assert_string_equal(c->coordinator.key_id, "node-17");
        assert_int_equal(c->coordinator.timeout_usec, 10 * SEC);
        assert_int_equal(c->coordinator.retry.initial_usec, 1 * SEC);
        assert_int_equal(c->coordinator.retry.max_usec, 300 * SEC);
        assert_int_equal(c->coordinator.retry.operator_usec, 300 * SEC);
        assert_int_equal(c->coordinator.max_in_flight, 8);
        assert_int_equal(c->coordinator.idle_release_usec, 300 * SEC);
        assert_int_equal(c->coordinator.outbox.soft_limit_bytes, 16 << 20);
        assert_int_equal(c->coordinator.outbox.hard_limit_bytes, 64 << 20);
        assert_string_equal(c->rules_dir, "/etc/faultline/rules.d");
        assert_string_equal(c->state_dir, "/var/lib/faultline");
        assert_string_equal(c->sysfs_root, "/sys");
        assert_null(c->journal_directory);
}

/* The contract prints several attributes on one line of a multi-line block,
 * which HCL refuses: exactly these two problems. */
static void test_contract_literal(void **state) {
        _cleanup_free_ char *path = fl_test_source_path("tests/data/agent/contract-literal.hcl");
        _cleanup_(fl_diags_freep) struct fl_diags *d = fl_diags_new();
        struct fl_agent_config *c = NULL;

        assert_int_equal(fl_agent_config_load(path, d, &c), -EINVAL);
        assert_null(c);
        assert_int_equal(d->n_items, 2);
        assert_int_equal(d->items[0].line, 5);
        assert_int_equal(d->items[0].column, 20);
        assert_string_equal(d->items[0].message,
                "two attributes on one line (\"ca_file\" and \"cert_file\"): put each on its own "
                "line");
        assert_int_equal(d->items[1].line, 6);
        assert_int_equal(d->items[1].column, 29);
}

static void test_packaged_default(void **state) {
        _cleanup_free_ char *path = fl_test_source_path("rules/agent.hcl");
        _cleanup_free_ char *dir = fl_test_source_path("rules"), *real = realpath(dir, NULL);
        _cleanup_free_ char *signing = NULL;
        _cleanup_(fl_diags_freep) struct fl_diags *d = fl_diags_new();
        _cleanup_(fl_agent_config_freep) struct fl_agent_config *c = NULL;

        assert_int_equal(fl_agent_config_load(path, d, &c), 0);
        assert_int_equal(d->n_items, 0);
        assert_true(c->coordinator.configured);
        assert_string_equal(c->coordinator.url, "https://127.0.0.1:7443");
        assert_true(asprintf(&signing, "%s/keys/agent.ed25519", real) > 0);
        assert_string_equal(c->coordinator.signing_key_file, signing);
        assert_string_equal(
                c->metrics_file, "/var/lib/prometheus/node-exporter/faultline-agent.prom");
        assert_true(c->sources.bpf && c->sources.sysfs && c->sources.journal);
        assert_false(c->sources.required);
        assert_int_equal(c->log_level, LOG_INFO);
}

static void test_defaults(void **state) {
        _cleanup_(fl_agent_config_freep) struct fl_agent_config *c = NULL, *dflt = NULL;
        _cleanup_free_ char *diags = NULL;
        char host[256] = "";

        assert_int_equal(load_text("# nothing\n", &c, &diags), 0);
        assert_string_equal(diags, "");
        assert_int_equal(gethostname(host, sizeof(host) - 1), 0);
        assert_string_equal(c->node.name, host);
        assert_null(c->node.type);
        assert_false(c->coordinator.configured);
        assert_null(c->coordinator.url);
        assert_null(c->coordinator.key_id);
        assert_string_equal(c->rules_dir, "/etc/faultline/rules.d");
        assert_string_equal(c->state_dir, "/var/lib/faultline");
        assert_string_equal(c->sysfs_root, "/sys");
        assert_null(c->journal_directory);
        assert_null(c->metrics_file);
        assert_int_equal(c->sysfs_interval_usec, 10 * SEC);
        assert_int_equal(c->sysfs_rescan_usec, 60 * SEC);
        assert_int_equal(c->bpf_ringbuf_bytes, 64 * 1024);
        assert_int_equal(c->reload_delay_usec, 200 * MSEC);
        assert_int_equal(c->metrics_interval_usec, 15 * SEC);
        assert_int_equal(c->log_level, LOG_INFO);
        assert_true(c->sources.bpf && c->sources.sysfs && c->sources.journal);
        assert_false(c->sources.required);

        assert_int_equal(fl_agent_config_default(&dflt), 0);
        assert_string_equal(dflt->node.name, host);
        assert_string_equal(dflt->state_dir, "/var/lib/faultline");
        assert_int_equal(dflt->metrics_interval_usec, 15 * SEC);
}

static void test_values(void **state) {
        _cleanup_(fl_agent_config_freep) struct fl_agent_config *c = NULL;
        _cleanup_free_ char *diags = NULL;

        assert_int_equal(load_text("node { name = \"n-1.a_b\" }\n"
                                   "coordinator {\n"
                                   "  url = \"http://127.0.0.1:8080\"\n"
                                   "  signing_key_file = \"/k\"\n"
                                   "  key_id = \"kid\"\n"
                                   "  timeout = \"1500ms\"\n"
                                   "  retry { max = \"1h\"  operator = \"30s\" }\n"
                                   "  max_in_flight = 32\n"
                                   "  idle_release = \"0\"\n"
                                   "  outbox {\n"
                                   "    soft_limit = 4096\n"
                                   "    hard_limit = 8192\n"
                                   "  }\n"
                                   "}\n"
                                   "journal_directory = \"/var/log/collected\"\n"
                                   "sources {\n"
                                   "  bpf = false\n"
                                   "  required = true\n"
                                   "}\n"
                                   "sysfs_interval = \"2s\"\n"
                                   "sysfs_rescan_interval = \"5m\"\n"
                                   "bpf_ringbuf_size = 4096\n"
                                   "reload_delay = \"0\"\n"
                                   "metrics_file = \"/tmp/x.prom\"\n"
                                   "metrics_interval = \"1m\"\n"
                                   "log_level = \"debug\"\n",
                                 &c, &diags),
                0);
        assert_string_equal(diags, "");
        assert_string_equal(c->node.name, "n-1.a_b");
        assert_true(c->coordinator.configured);
        assert_null(c->coordinator.cert_file);
        assert_string_equal(c->coordinator.key_id, "kid");
        assert_int_equal(c->coordinator.timeout_usec, 1500 * MSEC);
        assert_int_equal(c->coordinator.retry.initial_usec, 1 * SEC);
        assert_int_equal(c->coordinator.retry.max_usec, 3600 * SEC);
        assert_int_equal(c->coordinator.retry.operator_usec, 30 * SEC);
        assert_int_equal(c->coordinator.max_in_flight, 32);
        assert_int_equal(c->coordinator.idle_release_usec, 0);
        assert_int_equal(c->coordinator.outbox.soft_limit_bytes, 4096);
        assert_int_equal(c->coordinator.outbox.hard_limit_bytes, 8192);
        assert_string_equal(c->journal_directory, "/var/log/collected");
        assert_false(c->sources.bpf);
        assert_true(c->sources.sysfs);
        assert_true(c->sources.required);
        assert_int_equal(c->sysfs_interval_usec, 2 * SEC);
        assert_int_equal(c->sysfs_rescan_usec, 300 * SEC);
        assert_int_equal(c->bpf_ringbuf_bytes, 4096);
        assert_int_equal(c->reload_delay_usec, 0);
        assert_string_equal(c->metrics_file, "/tmp/x.prom");
        assert_int_equal(c->metrics_interval_usec, 60 * SEC);
        assert_int_equal(c->log_level, LOG_DEBUG);
        assert_string_equal(fl_log_level_to_string(c->log_level), "debug");
}

struct bad_case {
        const char *text;
        const char *diags; /* every line, "agent.hcl:" prefix included */
};

static const struct bad_case bad_cases[] = {
        {"rule_dir = \"/x\"\n",
                "agent.hcl:1:1: unknown attribute \"rule_dir\"; did you mean \"rules_dir\"?\n"},
        {"state_dir = \"var/lib\"\n",
                "agent.hcl:1:13: \"state_dir\" must be an absolute path, not \"var/lib\"\n"},
        {"rules_dir = 3\n", "agent.hcl:1:13: \"rules_dir\" must be a path string, not a number\n"},
        {"node { name = \"bad name\" }\n",
                "agent.hcl:1:15: \"name\" must be 1 to 64 letters, digits, \".\", \"_\" or \"-\", "
                "starting with a letter or digit, not \"bad name\"\n"},
        {"node { name = 3 }\n", "agent.hcl:1:15: \"name\" must be a string, not a number\n"},
        {"node { type = \"\" }\n", "agent.hcl:1:15: \"type\" must not be empty\n"},
        {"node { nmae = \"x\" }\n",
                "agent.hcl:1:8: unknown attribute \"nmae\" in block \"node\"; did you mean "
                "\"name\"?\n"},
        {"coordinator { signing_key_file = \"/k\" }\n",
                "agent.hcl:1:1: missing required attribute \"url\" in block \"coordinator\"\n"},
        {"coordinator { url = \"http://c\" }\n",
                "agent.hcl:1:1: missing required attribute \"signing_key_file\" in block "
                "\"coordinator\"\n"},
        {"coordinator {\n  url = \"ftp://x\"\n  signing_key_file = \"/k\"\n}\n",
                "agent.hcl:2:9: \"url\" must be an http:// or https:// URL with a host, not "
                "\"ftp://x\"\n"},
        {"coordinator {\n  url = \"https://c:7443\"\n  signing_key_file = \"/k\"\n}\n",
                "agent.hcl:1:1: an https coordinator needs \"cert_file\" and \"key_file\" (mutual "
                "TLS)\n"},
        {"coordinator {\n  url = \"http://c\"\n  cert_file = \"/c\"\n  signing_key_file = "
         "\"/k\"\n}\n",
                "agent.hcl:1:1: \"cert_file\" and \"key_file\" go together: set both or "
                "neither\n"},
        {"coordinator {\n  url = \"http://c\"\n  signing_key_file = \"\"\n}\n",
                "agent.hcl:3:22: \"signing_key_file\" must be a non-empty path\n"},
        {"coordinator {\n  url = \"http://c\"\n  signing_key_file = \"/k\"\n  retry { initial = "
         "\"10s\"  max = \"1s\" }\n}\n",
                "agent.hcl:4:34: \"max\" must not be less than \"initial\"\n"},
        {"coordinator {\n  url = \"http://c\"\n  signing_key_file = \"/k\"\n  outbox {\n"
         "    soft_limit = 8192\n    hard_limit = 4096\n  }\n}\n",
                "agent.hcl:6:18: \"hard_limit\" must not be less than \"soft_limit\"\n"},
        {"coordinator {\n  url = \"http://c\"\n  signing_key_file = \"/k\"\n"
         "  max_in_flight = 0\n  idle_release = \"2d\"\n  retry { operator = \"10ms\" }\n"
         "  outbox { soft_limit = 100 }\n}\n",
                "agent.hcl:4:19: \"max_in_flight\" must be between 1 and 256, not 0\n"
                "agent.hcl:5:18: \"idle_release\" must be between 0 and 1d, not \"2d\"\n"
                "agent.hcl:6:22: \"operator\" must be between 100ms and 1d, not \"10ms\"\n"
                "agent.hcl:7:25: \"soft_limit\" must be between 4096 and 1073741824, not 100\n"},
        /* Several problems in one file: all of them, in order. */
        {"sysfs_interval = \"10x\"\n"
         "sysfs_rescan_interval = \"100ms\"\n"
         "bpf_ringbuf_size = 5000\n"
         "metrics_interval = 3\n"
         "log_level = \"verbose\"\n"
         "sources { bpf = \"yes\" }\n"
         "reload_delay = \"1m\"\n"
         "coordinator {\n"
         "  url = 7\n"
         "  key_file = \"k\"\n"
         "  signing_key_file = \"/k\"\n"
         "  timeout = \"0\"\n"
         "  retry { initial = \"0\" }\n"
         "}\n"
         "metrics_file = \"x.prom\"\n",
                "agent.hcl:1:18: invalid duration \"10x\" for \"sysfs_interval\": unknown unit "
                "(use ms, s, m, h or d)\n"
                "agent.hcl:2:25: \"sysfs_rescan_interval\" must be between 1s and 1d, not "
                "\"100ms\"\n"
                "agent.hcl:3:20: \"bpf_ringbuf_size\" must be a power of two between 4096 and "
                "1073741824 (bytes)\n"
                "agent.hcl:4:20: \"metrics_interval\" must be a duration string such as \"15m\", "
                "not a number\n"
                "agent.hcl:5:13: invalid value \"verbose\" for \"log_level\" (expected one of: "
                "\"emerg\", \"alert\", \"crit\", \"err\", \"warning\", \"notice\", \"info\", "
                "\"debug\")\n"
                "agent.hcl:6:17: \"bpf\" must be a bool (true or false), not a string\n"
                "agent.hcl:7:16: \"reload_delay\" must be between 0 and 10s, not \"1m\"\n"
                "agent.hcl:9:9: \"url\" must be a URL string, not a number\n"
                "agent.hcl:12:13: \"timeout\" must be between 100ms and 10m, not \"0\"\n"
                "agent.hcl:13:21: \"initial\" must be between 100ms and 1h, not \"0\"\n"
                "agent.hcl:15:16: \"metrics_file\" must be an absolute path, not \"x.prom\"\n"},
        {"bpf_ringbuf_size = 1024\n",
                "agent.hcl:1:20: \"bpf_ringbuf_size\" must be a power of two between 4096 and "
                "1073741824 (bytes)\n"},
        {"node { name = \"a\" }\nnode { name = \"b\" }\n",
                "agent.hcl:2:1: duplicate block \"node\" (first at 1:1); only one is allowed\n"},
        {"sources = true\n",
                "agent.hcl:1:1: \"sources\" is a block, not an attribute (write sources { ... "
                "})\n"},
        {"node {\n", "agent.hcl:1:1: unterminated block \"node\": no \"}\" closes it\n"},
};

static void test_bad(void **state) {
        for (size_t i = 0; i < ELEMENTSOF(bad_cases); i++) {
                _cleanup_free_ char *diags = NULL;
                struct fl_agent_config *c = (void *) 1;

                if (load_text(bad_cases[i].text, &c, &diags) != -EINVAL || c != (void *) 1 ||
                        strcmp(diags, bad_cases[i].diags) != 0)
                        fail_msg("case %zu:\n%s\nwant:\n%sgot:\n%s", i, bad_cases[i].text,
                                bad_cases[i].diags, diags);
        }
}

static void test_missing_file(void **state) {
        _cleanup_(fl_diags_freep) struct fl_diags *d = fl_diags_new();
        struct fl_agent_config *c = NULL;

        assert_int_equal(fl_agent_config_load("/nonexistent/agent.hcl", d, &c), -EINVAL);
        assert_null(c);
        assert_int_equal(d->n_items, 1);
        assert_string_equal(d->items[0].file, "/nonexistent/agent.hcl");
        assert_int_equal(d->items[0].line, 1);
        assert_int_equal(d->items[0].column, 1);
        assert_string_equal(d->items[0].message, "cannot read the file: No such file or directory");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_contract_example),
                cmocka_unit_test(test_contract_literal),
                cmocka_unit_test(test_packaged_default),
                cmocka_unit_test(test_defaults),
                cmocka_unit_test(test_values),
                cmocka_unit_test(test_bad),
                cmocka_unit_test(test_missing_file),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
