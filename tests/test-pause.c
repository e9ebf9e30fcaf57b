/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Pause state: add, replace, match, remove, persistence across a reload, and
 * every way the file can be unusable.
 */
#include "fl_test.h"
#include "macro.h"
#include "pause.h"

#include <string.h>
#include <sys/stat.h>

static void test_roundtrip(void **state) {
        _cleanup_free_ char *tmp = fl_test_mkdtemp(), *dir = NULL, *text = NULL;
        _cleanup_(fl_pause_state_freep) struct fl_pause_state *s = NULL, *again = NULL;
        _cleanup_(fl_diags_freep) struct fl_diags *d = fl_diags_new();
        const struct fl_pause *p;

        assert_true(asprintf(&dir, "%s/state/sub", tmp) > 0);
        assert_int_equal(fl_pause_state_load(dir, d, &s), 0); /* no directory yet: empty */
        assert_int_equal(fl_pause_state_size(s), 0);
        assert_null(fl_pause_state_match(s, "drain-node", "ams01"));

        assert_int_equal(fl_pause_state_add(s, &(struct fl_pause){.scope = FL_PAUSE_WORKFLOW,
                                                       .value = "drain-node",
                                                       .reason = "firmware rollout",
                                                       .by = "spiffe://example.com/ops",
                                                       .since_usec = 1795717088000000}),
                1);
        assert_int_equal(fl_pause_state_add(s, &(struct fl_pause){.scope = FL_PAUSE_DATACENTER,
                                                       .value = "ams01",
                                                       .since_usec = 1795717089000000}),
                1);
        /* Same scope and value: replaced, not added. */
        assert_int_equal(fl_pause_state_add(s, &(struct fl_pause){.scope = FL_PAUSE_WORKFLOW,
                                                       .value = "drain-node",
                                                       .reason = "still rolling out",
                                                       .since_usec = 1795717090000000}),
                0);
        assert_int_equal(fl_pause_state_size(s), 2);

        p = fl_pause_state_match(s, "drain-node", "fra02");
        assert_non_null(p);
        assert_int_equal(p->scope, FL_PAUSE_WORKFLOW);
        assert_string_equal(p->reason, "still rolling out");
        p = fl_pause_state_match(s, "disk-io-error", "ams01");
        assert_non_null(p);
        assert_int_equal(p->scope, FL_PAUSE_DATACENTER);
        assert_null(fl_pause_state_match(s, "disk-io-error", "fra02"));

        /* What a restart reads back. */
        assert_int_equal(fl_pause_state_load(dir, d, &again), 0);
        assert_int_equal(d->n_items, 0);
        assert_int_equal(fl_pause_state_size(again), 2);
        _cleanup_(json_decrefp) json_t *j1 = fl_pause_state_json(s),
                                       *j2 = fl_pause_state_json(again);
        assert_true(json_equal(j1, j2));
        text = json_dumps(j1, JSON_COMPACT);
        assert_string_equal(text,
                "[{\"scope\":\"workflow\",\"workflow\":\"drain-node\",\"reason\":\"still rolling "
                "out\",\"since\":\"2026-11-26T18:18:10.000000Z\"},{\"scope\":\"datacenter\","
                "\"datacenter\":\"ams01\",\"since\":\"2026-11-26T18:18:09.000000Z\"}]");

        /* "all" covers everything; removing it leaves the others. */
        assert_int_equal(fl_pause_state_add(
                                 s, &(struct fl_pause){.scope = FL_PAUSE_ALL, .value = "ignored"}),
                1);
        p = fl_pause_state_match(s, "x", "y");
        assert_non_null(p);
        assert_int_equal(p->scope, FL_PAUSE_ALL);
        assert_null(p->value);
        assert_int_equal(fl_pause_state_remove(s, FL_PAUSE_ALL, NULL), 0);
        assert_int_equal(fl_pause_state_remove(s, FL_PAUSE_ALL, NULL), -ENOENT);
        assert_int_equal(fl_pause_state_remove(s, FL_PAUSE_WORKFLOW, "nope"), -ENOENT);
        assert_int_equal(fl_pause_state_remove(s, FL_PAUSE_WORKFLOW, NULL), -ENOENT);
        assert_int_equal(fl_pause_state_remove(s, FL_PAUSE_WORKFLOW, "drain-node"), 0);
        assert_null(fl_pause_state_match(s, "drain-node", "fra02"));

        fl_pause_state_free(again);
        again = NULL;
        assert_int_equal(fl_pause_state_load(dir, d, &again), 0);
        assert_int_equal(fl_pause_state_size(again), 1);

        /* Invalid names are refused before anything is written. */
        assert_int_equal(fl_pause_state_add(s, &(struct fl_pause){.scope = FL_PAUSE_WORKFLOW,
                                                       .value = "bad name"}),
                -EINVAL);
        assert_int_equal(
                fl_pause_state_add(s, &(struct fl_pause){.scope = FL_PAUSE_DATACENTER}), -EINVAL);
        fl_test_rm_rf(tmp);
}

static void test_unwritable(void **state) {
        _cleanup_free_ char *tmp = fl_test_mkdtemp(), *dir = NULL;
        _cleanup_(fl_pause_state_freep) struct fl_pause_state *s = NULL;

        /* state_dir is a file: nothing can be persisted, nothing changes. */
        free(fl_test_write_file(tmp, "file", "x"));
        assert_true(asprintf(&dir, "%s/file", tmp) > 0);
        assert_int_equal(fl_pause_state_load(dir, NULL, &s), 0);
        assert_true(fl_pause_state_add(s, &(struct fl_pause){.scope = FL_PAUSE_ALL}) < 0);
        assert_int_equal(fl_pause_state_size(s), 0);
        assert_null(fl_pause_state_match(s, "a", "b"));
        fl_test_rm_rf(tmp);
}

static void test_invalid_files(void **state) {
        static const struct {
                const char *content;
                const char *message;
        } cases[] = {
                {"{", "1:1: invalid pause state: string or '}' expected near end of file"},
                {"{\"version\": 2, \"pauses\": []}",
                        "1:1: invalid pause state: expected {\"version\": 1, \"pauses\": [...]} "
                        "with at most 10000 pauses"},
                {"{\"version\": 1, \"pauses\": {}}",
                        "1:1: invalid pause state: expected {\"version\": 1, \"pauses\": [...]} "
                        "with at most 10000 pauses"},
                {"{\"version\": 1, \"pauses\": [{\"scope\": \"rack\"}]}",
                        "1:1: invalid pause state: entry 1: a pause needs \"scope\": \"all\", "
                        "\"workflow\" or \"datacenter\""},
                {"{\"version\": 1, \"pauses\": [{\"scope\": \"all\"}, {\"scope\": \"workflow\"}]}",
                        "1:1: invalid pause state: entry 2: a workflow or datacenter pause needs "
                        "a valid name"},
                {"{\"version\": 1, \"pauses\": [{\"scope\": \"all\", \"since\": \"yesterday\"}]}",
                        "1:1: invalid pause state: entry 1: \"since\" is not an RFC 3339 time"},
                {"{\"version\": 1, \"version\": 1, \"pauses\": []}",
                        "1:24: invalid pause state: duplicate object key near '\"version\"'"},
        };
        _cleanup_free_ char *tmp = fl_test_mkdtemp();

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_(fl_diags_freep) struct fl_diags *d = fl_diags_new();
                _cleanup_free_ char *path = fl_test_write_file(tmp, "pause.json", cases[i].content);
                _cleanup_free_ char *got = NULL;
                struct fl_pause_state *s = NULL;

                assert_int_equal(fl_pause_state_load(tmp, d, &s), -EINVAL);
                assert_null(s);
                assert_int_equal(d->n_items, 1);
                assert_string_equal(d->items[0].file, path);
                assert_true(asprintf(&got, "%u:%u: %s", d->items[0].line, d->items[0].column,
                                    d->items[0].message) > 0);
                if (strcmp(got, cases[i].message) != 0)
                        fail_msg("case %zu: got %s", i, got);
        }
        fl_test_rm_rf(tmp);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_roundtrip),
                cmocka_unit_test(test_unwritable),
                cmocka_unit_test(test_invalid_files),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
