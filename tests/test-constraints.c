/* SPDX-License-Identifier: Apache-2.0 */
#include "constraints.h"
#include "fl_test.h"
#include "macro.h"

#include <string.h>

#define MIN  (60ull * 1000000)
#define HOUR (60 * MIN)
#define DAY  (24 * HOUR)
#define NOW  (1795717088ull * 1000000)

/* The seed's three constraints: no two at once within 15m, at most once an
 * hour per node, at most three a day globally. */
static const struct fl_constraint seed[] = {
        {FL_CONSTRAINT_CONCURRENCY, 1, 15 * MIN, FL_SCOPE_NODE, 9, 1},
        {FL_CONSTRAINT_MAX_EXECUTION, 1, HOUR, FL_SCOPE_NODE, 15, 1},
        {FL_CONSTRAINT_MAX_EXECUTION, 3, DAY, FL_SCOPE_GLOBAL, 21, 1},
};

static void decide(
        const struct fl_scope_view views[_FL_SCOPE_MAX], const char *id, struct fl_verdict *v) {
        fl_constraints_decide(seed, ELEMENTSOF(seed), id, views, NOW, v);
}

static void test_empty_allows(void **state) {
        struct fl_scope_view views[_FL_SCOPE_MAX] = {};
        struct fl_verdict v;

        decide(views, "fl-x-1", &v);
        assert_int_equal(v.kind, FL_VERDICT_ALLOW);
}

static void test_concurrency_running(void **state) {
        const struct fl_execution running[] = {{"fl-x-0", NOW - 10 * MIN, true}};
        struct fl_scope_view views[_FL_SCOPE_MAX] = {};
        struct fl_verdict v;

        views[FL_SCOPE_NODE] = (struct fl_scope_view){.listed = running, .n_listed = 1};
        decide(views, "fl-x-1", &v);
        assert_int_equal(v.kind, FL_VERDICT_REJECT);
        assert_int_equal(v.constraint, 0);
        assert_int_equal(v.count, 1);
        assert_string_equal(v.reason, "1 running in the last 15m per node, limit 1");
}

static void test_stuck_run_outside_period_does_not_block(void **state) {
        /* Running for 20 minutes: outside concurrency's 15m look-back, but
         * still inside maxExecution's hour. */
        const struct fl_execution stuck[] = {{"fl-x-0", NOW - 20 * MIN, true}};
        struct fl_scope_view views[_FL_SCOPE_MAX] = {};
        struct fl_verdict v;

        views[FL_SCOPE_NODE] = (struct fl_scope_view){.listed = stuck, .n_listed = 1};
        decide(views, "fl-x-1", &v);
        assert_int_equal(v.kind, FL_VERDICT_REJECT);
        assert_int_equal(v.constraint, 1);
        assert_string_equal(v.reason, "1 started in the last 1h per node, limit 1");

        const struct fl_execution old[] = {{"fl-x-0", NOW - 61 * MIN, true}};
        views[FL_SCOPE_NODE].listed = old;
        decide(views, "fl-x-1", &v);
        assert_int_equal(v.kind, FL_VERDICT_ALLOW);
}

static void test_completed_counts_for_max_execution_only(void **state) {
        const struct fl_execution done[] = {{"fl-x-0", NOW - 5 * MIN, false}};
        const struct fl_constraint conc[] = {
                {FL_CONSTRAINT_CONCURRENCY, 1, 15 * MIN, FL_SCOPE_NODE, 1, 1},
        };
        struct fl_scope_view views[_FL_SCOPE_MAX] = {};
        struct fl_verdict v;

        views[FL_SCOPE_NODE] = (struct fl_scope_view){.listed = done, .n_listed = 1};
        fl_constraints_decide(conc, 1, "fl-x-1", views, NOW, &v);
        assert_int_equal(v.kind, FL_VERDICT_ALLOW);
        decide(views, "fl-x-1", &v);
        assert_int_equal(v.kind, FL_VERDICT_REJECT);
        assert_int_equal(v.constraint, 1);
}

static void test_global_limit(void **state) {
        const struct fl_execution g[] = {
                {"fl-a", NOW - 23 * HOUR, false},
                {"fl-b", NOW - 2 * HOUR, false},
                {"fl-c", NOW - 3 * HOUR, false},
        };
        struct fl_scope_view views[_FL_SCOPE_MAX] = {};
        struct fl_verdict v;

        views[FL_SCOPE_GLOBAL] = (struct fl_scope_view){.listed = g, .n_listed = 2};
        decide(views, "fl-x-1", &v);
        assert_int_equal(v.kind, FL_VERDICT_ALLOW);
        views[FL_SCOPE_GLOBAL].n_listed = 3;
        decide(views, "fl-x-1", &v);
        assert_int_equal(v.kind, FL_VERDICT_REJECT);
        assert_int_equal(v.constraint, 2);
        assert_string_equal(v.reason, "3 started in the last 1d per global, limit 3");
}

/* Starts this coordinator made count even before visibility shows them, and
 * are not counted twice once it does. */
static void test_local_union(void **state) {
        const struct fl_execution listed[] = {{"fl-a", NOW - HOUR, false}};
        const struct fl_execution local[] = {
                {"fl-a", NOW - HOUR, true},
                {"fl-b", NOW - 1000, true},
        };
        struct fl_scope_view views[_FL_SCOPE_MAX] = {};
        struct fl_verdict v;

        views[FL_SCOPE_GLOBAL] = (struct fl_scope_view){
                .listed = listed, .n_listed = 1, .local = local, .n_local = 2};
        decide(views, "fl-x-1", &v);
        assert_int_equal(v.kind, FL_VERDICT_ALLOW); /* 2 distinct, limit 3 */

        const struct fl_execution local3[] = {
                {"fl-a", NOW - HOUR, true},
                {"fl-b", NOW - 1000, true},
                {"fl-c", NOW - 500, true},
        };
        views[FL_SCOPE_GLOBAL].local = local3;
        views[FL_SCOPE_GLOBAL].n_local = 3;
        decide(views, "fl-x-1", &v);
        assert_int_equal(v.kind, FL_VERDICT_REJECT);
        assert_int_equal(v.count, 3);

        /* Visibility's "closed" wins over the local "running" guess. */
        const struct fl_constraint conc[] = {
                {FL_CONSTRAINT_CONCURRENCY, 1, 2 * HOUR, FL_SCOPE_GLOBAL, 1, 1},
        };
        views[FL_SCOPE_GLOBAL].local = local;
        views[FL_SCOPE_GLOBAL].n_local = 1;
        fl_constraints_decide(conc, 1, "fl-x-1", views, NOW, &v);
        assert_int_equal(v.kind, FL_VERDICT_ALLOW);
}

static void test_duplicate_before_constraints(void **state) {
        const struct fl_execution full[] = {
                {"fl-a", NOW - MIN, true},
                {"fl-b", NOW - MIN, true},
                {"fl-c", NOW - MIN, true},
        };
        struct fl_scope_view views[_FL_SCOPE_MAX] = {};
        struct fl_verdict v;

        views[FL_SCOPE_GLOBAL] = (struct fl_scope_view){.listed = full, .n_listed = 3};
        decide(views, "fl-b", &v);
        assert_int_equal(v.kind, FL_VERDICT_DUPLICATE);

        views[FL_SCOPE_GLOBAL] = (struct fl_scope_view){.local = full, .n_local = 3};
        decide(views, "fl-c", &v);
        assert_int_equal(v.kind, FL_VERDICT_DUPLICATE);

        /* A truncated listing cannot rule a duplicate out. */
        views[FL_SCOPE_GLOBAL] =
                (struct fl_scope_view){.listed = full, .n_listed = 3, .truncated = true};
        decide(views, "fl-z", &v);
        assert_int_equal(v.kind, FL_VERDICT_REJECT);
        assert_true(v.maybe_duplicate);
}

static void test_names_and_keys(void **state) {
        const struct fl_target t = {"node-a", "storage", "ams01"};
        char *s = NULL;

        assert_int_equal(fl_constraint_kind_from_string("concurency"), FL_CONSTRAINT_CONCURRENCY);
        assert_int_equal(fl_constraint_kind_from_string("concurrency"), FL_CONSTRAINT_CONCURRENCY);
        assert_int_equal(
                fl_constraint_kind_from_string("maxExecution"), FL_CONSTRAINT_MAX_EXECUTION);
        assert_int_equal(fl_constraint_kind_from_string("maxexecution"), -EINVAL);
        assert_int_equal(fl_scope_from_string("node_type"), FL_SCOPE_NODE_TYPE);
        assert_int_equal(fl_scope_from_string("rack"), -EINVAL);
        assert_string_equal(fl_scope_to_string(FL_SCOPE_DATACENTER), "datacenter");

        assert_int_equal(fl_constraints_lock_scope(seed, 3), FL_SCOPE_GLOBAL);
        assert_int_equal(fl_constraints_lock_scope(seed, 2), FL_SCOPE_NODE);
        assert_int_equal(fl_constraints_lock_scope(NULL, 0), FL_SCOPE_NODE);
        assert_int_equal(fl_constraints_lookback(seed, 3, FL_SCOPE_NODE), HOUR);
        assert_int_equal(fl_constraints_lookback(seed, 3, FL_SCOPE_DATACENTER), 0);
        assert_int_equal(fl_constraints_page_size(seed, 3, FL_SCOPE_GLOBAL, 2), 6);

        assert_int_equal(fl_scope_key("wf", FL_SCOPE_NODE_TYPE, &t, &s), 0);
        assert_string_equal(s, "wf|node_type|ams01|storage");
        free(s);

        assert_int_equal(fl_scope_query("wf", FL_SCOPE_NODE, &t, NOW, &s), 0);
        assert_string_equal(s, "FaultlineWorkflow = 'wf' AND FaultlineNode = 'node-a' AND "
                               "StartTime >= '2026-11-26T18:18:08Z'");
        free(s);
        assert_int_equal(fl_scope_query("wf", FL_SCOPE_NODE_TYPE, &t, NOW, &s), 0);
        assert_string_equal(s, "FaultlineWorkflow = 'wf' AND FaultlineDatacenter = 'ams01' AND "
                               "FaultlineNodeType = 'storage' AND StartTime >= "
                               "'2026-11-26T18:18:08Z'");
        free(s);
        assert_int_equal(fl_scope_query("wf", FL_SCOPE_GLOBAL, &t, NOW, &s), 0);
        assert_string_equal(s, "FaultlineWorkflow = 'wf' AND StartTime >= '2026-11-26T18:18:08Z'");
        free(s);

        const struct fl_target evil = {"a' OR 'x'='x", "t", "d"};
        s = NULL;
        assert_int_equal(fl_scope_query("wf", FL_SCOPE_NODE, &evil, NOW, &s), -EINVAL);
        assert_null(s);
}

static void test_count_query(void **state) {
        const struct fl_target t = {"node-a", "storage", "ams01"};
        const struct fl_constraint conc = {FL_CONSTRAINT_CONCURRENCY, 2, HOUR, FL_SCOPE_NODE, 1, 1};
        const struct fl_constraint max = {
                FL_CONSTRAINT_MAX_EXECUTION, 5, DAY, FL_SCOPE_GLOBAL, 2, 1};
        const char *const own[] = {"faultline-wf-k1", "faultline-wf-k2"};
        const char *const evil[] = {"x' OR 'a'='a"};
        char *s = NULL;

        assert_int_equal(fl_constraint_count_query("wf", &conc, &t, NOW, NULL, 0, &s), 0);
        assert_string_equal(s, "FaultlineWorkflow = 'wf' AND FaultlineNode = 'node-a' AND "
                               "StartTime >= '2026-11-26T18:18:08Z' AND ExecutionStatus = "
                               "'Running'");
        free(s);
        assert_int_equal(fl_constraint_count_query("wf", &max, &t, NOW, own, 2, &s), 0);
        assert_string_equal(s, "FaultlineWorkflow = 'wf' AND StartTime >= "
                               "'2026-11-26T18:18:08Z' AND WorkflowId != 'faultline-wf-k1' AND "
                               "WorkflowId != 'faultline-wf-k2'");
        free(s);
        s = NULL;
        assert_int_equal(fl_constraint_count_query("wf", &max, &t, NOW, evil, 1, &s), -EINVAL);
        assert_null(s);
        const struct fl_target bad = {"a'b", "t", "d"};
        assert_int_equal(fl_constraint_count_query("wf", &conc, &bad, NOW, NULL, 0, &s), -EINVAL);
        assert_null(s);
}

static void test_count_check(void **state) {
        static const struct {
                uint64_t visible[3], local[3];
                ssize_t expect;
        } cases[] = {
                /* Far below every limit: allowed on counts alone. */
                {{0, 0, 0}, {0, 0, 0}, -1},
                /* The global 3: 1 visible + 1 own + the new one = 3, still allowed. */
                {{0, 0, 1}, {0, 0, 1}, -1},
                /* The node's concurrency 1 already used (visible or own): list. */
                {{1, 0, 0}, {0, 0, 0}, 0},
                {{0, 0, 0}, {1, 1, 0}, 0},
                /* maxExecution 1/1h: the first that may be reached is named. */
                {{0, 1, 0}, {0, 0, 0}, 1},
                /* Own starts counted twice make the bound reach 3: list. */
                {{0, 0, 2}, {0, 0, 1}, 2},
                {{0, 0, 0}, {0, 0, 3}, 2},
                /* Sums that would overflow still say "list". */
                {{0, 0, UINT64_MAX}, {0, 0, 0}, 2},
                {{0, 0, 2}, {0, 0, UINT64_MAX - 1}, 2},
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                assert_int_equal(fl_constraints_count_check(
                                         seed, ELEMENTSOF(seed), cases[i].visible, cases[i].local),
                        cases[i].expect);
        assert_int_equal(fl_constraints_count_check(NULL, 0, NULL, NULL), -1);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_empty_allows),
                cmocka_unit_test(test_concurrency_running),
                cmocka_unit_test(test_stuck_run_outside_period_does_not_block),
                cmocka_unit_test(test_completed_counts_for_max_execution_only),
                cmocka_unit_test(test_global_limit),
                cmocka_unit_test(test_local_union),
                cmocka_unit_test(test_duplicate_before_constraints),
                cmocka_unit_test(test_names_and_keys),
                cmocka_unit_test(test_count_query),
                cmocka_unit_test(test_count_check),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
