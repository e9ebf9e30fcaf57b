/* SPDX-License-Identifier: Apache-2.0 */
/*
 * workflows.d/NAME.hcl: the seed as written (its "<target>" placeholder
 * reported) and with "node", the shipped configs, every decoding error with
 * its exact message, and the set's last-good-version reload.
 */
#include "fl_test.h"
#include "macro.h"
#include "workflows.h"

#include <dirent.h>
#include <string.h>
#include <unistd.h>

#define MIN  (60ull * 1000000)
#define HOUR (60 * MIN)
#define DAY  (24 * HOUR)

static char *diags_text(const struct fl_diags *d, const char *strip) {
        char *buf = NULL;
        size_t size = 0, sl = strip ? strlen(strip) : 0;
        FILE *f = open_memstream(&buf, &size);

        for (size_t i = 0; i < d->n_items; i++) {
                const char *file = d->items[i].file;
                if (sl && strncmp(file, strip, sl) == 0 && file[sl] == '/')
                        file += sl + 1;
                fprintf(f, "%s:%u:%u: %s\n", file, d->items[i].line, d->items[i].column,
                        d->items[i].message);
        }
        fclose(f);
        return buf;
}

static void test_seed_placeholder(void **state) {
        _cleanup_(fl_diags_freep) struct fl_diags *d = fl_diags_new();
        _cleanup_free_ char *path = fl_test_source_path("tests/data/seed/workflow-constraints.hcl");
        _cleanup_free_ char *dir = fl_test_source_path("tests/data/seed");
        _cleanup_free_ char *text = NULL;
        struct fl_workflow *w = NULL;

        assert_int_equal(fl_workflow_load(path, d, &w), -EINVAL);
        assert_null(w);
        text = diags_text(d, dir);
        assert_string_equal(text,
                "workflow-constraints.hcl:1:21: task_queue_target \"<target>\" is a placeholder: "
                "write \"node\" (the failing node's queue), \"node_type\" or \"general\"\n");
}

static void test_seed_with_node(void **state) {
        _cleanup_(fl_diags_freep) struct fl_diags *d = fl_diags_new();
        _cleanup_free_ char *seed = fl_test_source_path("tests/data/seed/workflow-constraints.hcl");
        _cleanup_free_ char *tmp = fl_test_mkdtemp(), *data = NULL, *path = NULL;
        _cleanup_(fl_workflow_unrefp) struct fl_workflow *w = NULL;
        char *at;
        char label[256];

        data = fl_test_read_file(seed, NULL);
        at = strstr(data, "\"<target>\"");
        assert_non_null(at);
        memcpy(at, "\"node\"    ", 10); /* same length: positions stay */
        path = fl_test_write_file(tmp, "workflow-constraints.hcl", data);

        assert_int_equal(fl_workflow_load(path, d, &w), 0);
        assert_int_equal(d->n_items, 0);
        assert_string_equal(w->name, "workflow-constraints");
        assert_string_equal(w->workflow_type, "workflow-constraints");
        assert_int_equal(w->target, FL_QUEUE_NODE);
        assert_int_equal(w->n_node_types, 0);
        assert_true(fl_workflow_allows_node_type(w, "anything"));
        assert_int_equal(w->execution_timeout_usec, HOUR);
        assert_int_equal(w->input_fields, FL_INPUT_ALL);
        assert_int_equal(json_object_size(w->params), 0);
        assert_int_equal(w->n_constraints, 3);

        /* 1. not at the same time within 15m (per node) */
        assert_int_equal(w->constraints[0].kind, FL_CONSTRAINT_CONCURRENCY);
        assert_int_equal(w->constraints[0].value, 1);
        assert_int_equal(w->constraints[0].period_usec, 15 * MIN);
        assert_int_equal(w->constraints[0].scope, FL_SCOPE_NODE);
        assert_int_equal(w->constraints[0].line, 8);
        assert_int_equal(w->constraints[0].column, 1);
        /* 2. at most once an hour (per node) */
        assert_int_equal(w->constraints[1].kind, FL_CONSTRAINT_MAX_EXECUTION);
        assert_int_equal(w->constraints[1].value, 1);
        assert_int_equal(w->constraints[1].period_usec, HOUR);
        assert_int_equal(w->constraints[1].scope, FL_SCOPE_NODE);
        assert_int_equal(w->constraints[1].line, 14);
        /* 3. at most 3 a day (global) */
        assert_int_equal(w->constraints[2].kind, FL_CONSTRAINT_MAX_EXECUTION);
        assert_int_equal(w->constraints[2].value, 3);
        assert_int_equal(w->constraints[2].period_usec, DAY);
        assert_int_equal(w->constraints[2].scope, FL_SCOPE_GLOBAL);
        assert_int_equal(w->constraints[2].line, 20);

        assert_int_equal(w->lock_scope, FL_SCOPE_GLOBAL);
        assert_int_equal(w->lookback_usec, DAY);

        fl_workflow_constraint_label(w, 2, label, sizeof(label));
        assert_true(strstr(label, "maxExecution 3/1d per global (") == label);
        assert_true(strstr(label, "workflow-constraints.hcl:20)") != NULL);
        json_t *j = fl_workflow_constraint_json(w, 0);
        assert_string_equal(json_string_value(json_object_get(j, "kind")), "concurrency");
        assert_int_equal(json_integer_value(json_object_get(j, "value")), 1);
        assert_string_equal(json_string_value(json_object_get(j, "period")), "15m");
        assert_string_equal(json_string_value(json_object_get(j, "scope")), "node");
        assert_string_equal(json_string_value(json_object_get(j, "file")), path);
        assert_int_equal(json_integer_value(json_object_get(j, "line")), 8);
        json_decref(j);
        fl_test_rm_rf(tmp);
}

static void test_shipped_configs(void **state) {
        _cleanup_free_ char *dir = fl_test_source_path("rules/workflows.d");
        _cleanup_(fl_diags_freep) struct fl_diags *d = fl_diags_new();
        _cleanup_(fl_workflow_set_freep) struct fl_workflow_set *set = NULL;
        _cleanup_free_ char *text = NULL;
        struct fl_workflow *w;
        size_t n_invalid = 99;

        assert_int_equal(fl_workflow_set_load(dir, NULL, d, &set, &n_invalid), 0);
        text = diags_text(d, NULL);
        assert_string_equal(text, "");
        assert_int_equal(n_invalid, 0);
        assert_int_equal(fl_workflow_set_size(set), 7);

        w = fl_workflow_set_get(set, "drain-node");
        assert_non_null(w);
        assert_string_equal(w->workflow_type, "DrainNode");
        assert_int_equal(w->execution_timeout_usec, 30 * MIN);
        assert_string_equal(json_string_value(json_object_get(w->params, "runbook")), "drain-node");
        assert_int_equal(w->lock_scope, FL_SCOPE_GLOBAL);
        assert_int_equal(w->constraints[1].scope, FL_SCOPE_NODE_TYPE);
        assert_null(fl_workflow_set_get(set, "nope"));
        /* In name order. */
        assert_string_equal(fl_workflow_set_at(set, 0)->name, "collect-diagnostics");
        assert_string_equal(fl_workflow_set_at(set, 6)->name, "thermal-throttle");
        assert_null(fl_workflow_set_at(set, 7));
}

static const struct {
        const char *name; /* file name */
        const char *text;
        const char *messages;
} errors[] = {
        {"w.hcl", "constraint {\n  kind = \"maxExecution\"\n  value = 1\n  period = \"1h\"\n}\n",
                "w.hcl:1:1: missing required attribute \"task_queue_target\"\n"},
        {"w.hcl", "task_queue_target = \"nod\"\n",
                "w.hcl:1:21: invalid value \"nod\" for \"task_queue_target\"; did you mean "
                "\"node\"?\n"},
        {"w.hcl", "task_queue_target = \"everywhere\"\n",
                "w.hcl:1:21: invalid value \"everywhere\" for \"task_queue_target\" (expected one "
                "of: \"node\", \"node_type\", \"general\")\n"},
        {"w.hcl", "task_queue_target = 1\n",
                "w.hcl:1:21: \"task_queue_target\" must be a string, not a number\n"},
        {"w.hcl",
                "task_queue_target = \"node\"\nconstraint {\n  kind = \"maxExecutions\"\n  value "
                "= 1\n  period = \"1h\"\n}\n",
                "w.hcl:3:10: invalid value \"maxExecutions\" for \"kind\"; did you mean "
                "\"maxExecution\"?\n"},
        {"w.hcl",
                "task_queue_target = \"node\"\nconstraint {\n  kind = \"concurrency\"\n  value = "
                "\"0\"\n  period = \"1h\"\n}\n",
                "w.hcl:4:11: \"value\" must be a whole number from 1 to 500, not \"0\"\n"},
        {"w.hcl",
                "task_queue_target = \"node\"\nconstraint {\n  kind = \"concurrency\"\n  value = "
                "\"one\"\n  period = \"1h\"\n}\n",
                "w.hcl:4:11: \"value\" must be a whole number from 1 to 500, not \"one\"\n"},
        {"w.hcl",
                "task_queue_target = \"node\"\nconstraint {\n  kind = \"concurrency\"\n  value = "
                "501\n  period = \"1h\"\n}\n",
                "w.hcl:4:11: \"value\" must be a whole number from 1 to 500, not \"501\"\n"},
        {"w.hcl",
                "task_queue_target = \"node\"\nconstraint {\n  kind = \"concurrency\"\n  value = "
                "1.5\n  period = \"1h\"\n}\n",
                "w.hcl:4:11: \"value\" must be a whole number from 1 to 500, not \"1.5\"\n"},
        {"w.hcl",
                "task_queue_target = \"node\"\nconstraint {\n  kind = \"concurrency\"\n  value = "
                "true\n  period = \"1h\"\n}\n",
                "w.hcl:4:11: \"value\" must be a whole number (or a string holding one), not a "
                "bool\n"},
        {"w.hcl",
                "task_queue_target = \"node\"\nconstraint {\n  kind = \"concurrency\"\n  value = "
                "1\n  period = \"15min\"\n}\n",
                "w.hcl:5:12: invalid duration \"15min\" for \"period\": unknown unit (use ms, s, "
                "m, h or d)\n"},
        {"w.hcl",
                "task_queue_target = \"node\"\nconstraint {\n  kind = \"concurrency\"\n  value = "
                "1\n  period = \"500ms\"\n}\n",
                "w.hcl:5:12: \"period\" must be between 1s and 366d, not \"500ms\"\n"},
        {"w.hcl",
                "task_queue_target = \"node\"\nconstraint {\n  kind = \"concurrency\"\n  value = "
                "1\n}\n",
                "w.hcl:2:1: missing required attribute \"period\" in block \"constraint\"\n"},
        {"w.hcl",
                "task_queue_target = \"node\"\nconstraint {\n  kind = \"concurrency\"\n  value = "
                "1\n  period = \"1h\"\n  scope = \"rack\"\n}\n",
                "w.hcl:6:11: invalid value \"rack\" for \"scope\" (expected one of: \"node\", "
                "\"node_type\", \"datacenter\", \"global\")\n"},
        {"w.hcl",
                "task_queue_target = \"node\"\nconstraint {\n  kind = \"concurrency\"\n  value = "
                "1\n  period = \"1h\"\n  scope = \"node\"\n  is_global = true\n}\n",
                "w.hcl:6:11: scope = \"node\" contradicts is_global = true (which means scope = "
                "\"global\")\n"},
        {"w.hcl",
                "task_queue_target = \"node\"\nconstraint \"x\" {\n  kind = \"concurrency\"\n  "
                "value = 1\n  period = \"1h\"\n}\n",
                "w.hcl:2:1: block \"constraint\" takes no labels, found 1\n"},
        {"w.hcl", "task_queue_target = \"node\"\ninput_fields = [\"nod\", \"secret\", 3]\n",
                "w.hcl:2:17: unknown input field \"nod\"; did you mean \"node\"?\n"
                "w.hcl:2:24: unknown input field \"secret\" (known: node, node_type, "
                "datacenter, workflow, rule, idempotency_key, params, event, observed_at)\n"
                "w.hcl:2:34: \"input_fields\" must be a list of field names, but item 3 is a "
                "number\n"},
        {"w.hcl", "task_queue_target = \"node\"\nparams = { a = [1], b = null }\n",
                "w.hcl:2:16: params.a must be a string, a number or a bool, not a tuple\n"
                "w.hcl:2:25: params.b must be a string, a number or a bool, not null\n"},
        {"w.hcl", "task_queue_target = \"node\"\nparams = \"x\"\n",
                "w.hcl:2:10: \"params\" must be an object of strings, not a string\n"},
        {"w.hcl", "task_queue_target = \"node\"\nnode_types = []\n",
                "w.hcl:2:14: \"node_types\" must not be empty\n"},
        {"w.hcl", "task_queue_target = \"node\"\nnode_types = [\"gpu box\"]\n",
                "w.hcl:2:15: invalid name in \"node_types\" \"gpu box\": use 1 to 64 letters, "
                "digits, '.', '_' or '-', starting with a letter or digit\n"},
        {"w.hcl", "task_queue_target = \"node\"\nworkflow_type = \"Run Runbook\"\n",
                "w.hcl:2:17: invalid workflow_type \"Run Runbook\": use 1 to 128 letters, "
                "digits, '.', '_', ':' or '-', starting with a letter or digit\n"},
        {"w.hcl", "task_queue_target = \"node\"\nexecution_timeout = \"0\"\n",
                "w.hcl:2:21: \"execution_timeout\" must be between 1s and 366d, not \"0\"\n"},
        {"w.hcl", "task_queue_target = \"node\"\nconstraints {}\n",
                "w.hcl:2:1: unknown block \"constraints\"; did you mean \"constraint\"?\n"},
        {"bad name.hcl", "task_queue_target = \"node\"\n",
                "bad name.hcl:1:1: a workflow config must be named NAME.hcl, NAME being 1 to 64 "
                "letters, digits, '.', '_' or '-' starting with a letter or digit\n"},
        {"w.hcl", "task_queue_target = \"node\"\nkind = {\n",
                "w.hcl:2:8: unterminated object: no \"}\" closes it\n"},
};

static void test_errors(void **state) {
        _cleanup_free_ char *tmp = fl_test_mkdtemp();
        size_t failed = 0;

        for (size_t i = 0; i < ELEMENTSOF(errors); i++) {
                _cleanup_(fl_diags_freep) struct fl_diags *d = fl_diags_new();
                _cleanup_free_ char *path = fl_test_write_file(tmp, errors[i].name, errors[i].text);
                _cleanup_free_ char *text = NULL;
                struct fl_workflow *w = NULL;
                int r;

                r = fl_workflow_load(path, d, &w);
                text = diags_text(d, tmp);
                if (r != -EINVAL || strcmp(text, errors[i].messages) != 0) {
                        print_error("case %zu:\n%s\nr=%d, got:\n%s\nwant:\n%s", i, errors[i].text,
                                r, text, errors[i].messages);
                        failed++;
                }
                assert_null(w);
                unlink(path);
        }
        fl_test_rm_rf(tmp);
        assert_int_equal(failed, 0);
}

static void test_options(void **state) {
        _cleanup_free_ char *tmp = fl_test_mkdtemp();
        _cleanup_free_ char *path = fl_test_write_file(tmp, "gpu-reset.hcl",
                "workflow_type = \"RunRunbook\"\n"
                "task_queue_target = \"node_type\"\n"
                "node_types = [\"gpu\", \"gpu2\"]\n"
                "execution_timeout = \"10m\"\n"
                "input_fields = [\"node\", \"params\"]\n"
                "params = { runbook = \"gpu.sh\", retries = 3, force = false }\n"
                "constraint {\n  kind = \"concurrency\"\n  value = 2\n  period = \"1h\"\n"
                "  scope = \"node_type\"\n}\n"
                "constraint {\n  kind = \"maxExecution\"\n  value = \"10\"\n  period = \"1d\"\n"
                "  scope = \"datacenter\"\n}\n");
        _cleanup_(fl_diags_freep) struct fl_diags *d = fl_diags_new();
        _cleanup_(fl_workflow_unrefp) struct fl_workflow *w = NULL;

        assert_int_equal(fl_workflow_load(path, d, &w), 0);
        assert_string_equal(w->workflow_type, "RunRunbook");
        assert_int_equal(w->target, FL_QUEUE_NODE_TYPE);
        assert_int_equal(w->n_node_types, 2);
        assert_true(fl_workflow_allows_node_type(w, "gpu2"));
        assert_false(fl_workflow_allows_node_type(w, "storage"));
        assert_false(fl_workflow_allows_node_type(w, NULL));
        assert_int_equal(w->execution_timeout_usec, 10 * MIN);
        assert_int_equal(w->input_fields, FL_INPUT_NODE | FL_INPUT_PARAMS);
        assert_string_equal(json_string_value(json_object_get(w->params, "retries")), "3");
        assert_string_equal(json_string_value(json_object_get(w->params, "force")), "false");
        assert_int_equal(w->constraints[0].scope, FL_SCOPE_NODE_TYPE);
        assert_int_equal(w->constraints[1].scope, FL_SCOPE_DATACENTER);
        assert_int_equal(w->constraints[1].value, 10);
        assert_int_equal(w->lock_scope, FL_SCOPE_DATACENTER);
        assert_int_equal(w->lookback_usec, DAY);
        assert_string_equal(fl_queue_target_to_string(w->target), "node_type");
        assert_string_equal(fl_input_field_name(FL_INPUT_OBSERVED_AT), "observed_at");
        assert_null(fl_input_field_name(3));
        fl_test_rm_rf(tmp);
}

static void test_set_keeps_last_good(void **state) {
        _cleanup_free_ char *tmp = fl_test_mkdtemp();
        _cleanup_free_ char *a = NULL, *b = NULL, *hidden = NULL, *other = NULL, *text = NULL;
        _cleanup_(fl_workflow_set_freep) struct fl_workflow_set *s1 = NULL, *s2 = NULL, *s3 = NULL;
        _cleanup_(fl_diags_freep) struct fl_diags *d = fl_diags_new();
        struct fl_workflow *w1;
        size_t n_invalid;

        a = fl_test_write_file(tmp, "a.hcl", "task_queue_target = \"node\"\n");
        b = fl_test_write_file(tmp, "b.hcl", "task_queue_target = \"<target>\"\n");
        hidden = fl_test_write_file(tmp, ".c.hcl", "garbage");
        other = fl_test_write_file(tmp, "README", "garbage");

        assert_int_equal(fl_workflow_set_load(tmp, NULL, d, &s1, &n_invalid), 0);
        assert_int_equal(n_invalid, 1);
        assert_int_equal(fl_workflow_set_size(s1), 1);
        w1 = fl_workflow_set_get(s1, "a");
        assert_non_null(w1);
        assert_int_equal(w1->target, FL_QUEUE_NODE);
        assert_null(fl_workflow_set_get(s1, "b"));
        text = diags_text(d, tmp);
        assert_string_equal(text,
                "b.hcl:1:21: task_queue_target \"<target>\" is a placeholder: write \"node\" "
                "(the failing node's queue), \"node_type\" or \"general\"\n");

        /* a.hcl breaks: the previous a stays in force; b is fixed. */
        free(a);
        a = fl_test_write_file(tmp, "a.hcl", "task_queue_target = \"general\"\nfoo = 1\n");
        free(b);
        b = fl_test_write_file(tmp, "b.hcl", "task_queue_target = \"general\"\n");
        assert_int_equal(fl_workflow_set_load(tmp, s1, NULL, &s2, &n_invalid), 0);
        assert_int_equal(n_invalid, 1);
        assert_int_equal(fl_workflow_set_size(s2), 2);
        assert_ptr_equal(fl_workflow_set_get(s2, "a"), w1);
        assert_int_equal(w1->n_ref, 2);
        assert_int_equal(fl_workflow_set_get(s2, "b")->target, FL_QUEUE_GENERAL);

        /* a.hcl removed: gone, whatever the previous set held. */
        assert_int_equal(unlink(a), 0);
        assert_int_equal(fl_workflow_set_load(tmp, s2, NULL, &s3, &n_invalid), 0);
        assert_int_equal(n_invalid, 0);
        assert_int_equal(fl_workflow_set_size(s3), 1);
        assert_null(fl_workflow_set_get(s3, "a"));

        fl_test_rm_rf(tmp);
}

static void test_set_missing_dir(void **state) {
        _cleanup_(fl_diags_freep) struct fl_diags *d = fl_diags_new();
        struct fl_workflow_set *s = NULL;

        assert_int_equal(fl_workflow_set_load("/nonexistent/wf.d", NULL, d, &s, NULL), -ENOENT);
        assert_null(s);
        assert_int_equal(d->n_items, 1);
        assert_string_equal(d->items[0].file, "/nonexistent/wf.d");
        assert_string_equal(
                d->items[0].message, "cannot read workflows directory: No such file or directory");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_seed_placeholder),
                cmocka_unit_test(test_seed_with_node),
                cmocka_unit_test(test_shipped_configs),
                cmocka_unit_test(test_errors),
                cmocka_unit_test(test_options),
                cmocka_unit_test(test_set_keeps_last_good),
                cmocka_unit_test(test_set_missing_dir),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
