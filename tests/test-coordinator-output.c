/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the coordinator writes: journal entries (fields, folding of identical
 * rejections, flushing on free) through a capturing send function, and the
 * Prometheus exposition (families, label escaping, histograms).
 */
#include "fl_test.h"
#include "journal.h"
#include "macro.h"
#include "metrics.h"
#include "workflows.h"

#include <string.h>
#include <syslog.h>

struct capture {
        char *entries[64];
        size_t n;
};

static int capture_send(const struct iovec *iov, int n, void *userdata) {
        struct capture *c = userdata;
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        for (int i = 0; i < n; i++)
                fprintf(f, "%.*s\n", (int) iov[i].iov_len, (const char *) iov[i].iov_base);
        fclose(f);
        assert_true(c->n < ELEMENTSOF(c->entries));
        c->entries[c->n++] = buf;
        return 0;
}

static void capture_done(struct capture *c) {
        for (size_t i = 0; i < c->n; i++)
                free(c->entries[i]);
        c->n = 0;
}

static bool has(const char *entry, const char *line) {
        size_t len = strlen(line);

        for (const char *p = entry; (p = strstr(p, line)); p++)
                if ((p == entry || p[-1] == '\n') && p[len] == '\n')
                        return true;
        return false;
}

static struct fl_workflow *workflow(void) {
        _cleanup_free_ char *tmp = fl_test_mkdtemp();
        _cleanup_free_ char *path = fl_test_write_file(tmp, "disk.hcl",
                "workflow_type = \"RunRunbook\"\ntask_queue_target = \"node\"\n"
                "constraint {\n  kind = \"maxExecution\"\n  value = 1\n  period = \"1h\"\n}\n");
        struct fl_workflow *w = NULL;

        assert_int_equal(fl_workflow_load(path, NULL, &w), 0);
        fl_test_rm_rf(tmp);
        return w;
}

static void test_journal_entries_and_folding(void **state) {
        struct event_base *base = event_base_new();
        struct capture cap = {};
        struct fl_journal *j = NULL;
        _cleanup_(fl_workflow_unrefp) struct fl_workflow *w = workflow();
        struct fl_decision_result started = {
                .decision = FL_DECISION_STARTED,
                .workflow = w,
                .workflow_id = "faultline-disk-k1234567",
                .run_id = "r1",
                .task_queue = "node/node-17",
                .constraint = -1,
        };
        struct fl_decision_result rejected = {
                .decision = FL_DECISION_REJECTED,
                .workflow = w,
                .workflow_id = "faultline-disk-k7654321",
                .task_queue = "node/node-17",
                .constraint = 0,
                .count = 1,
                .reason = "1 started in the last 1h per node, limit 1",
        };
        struct fl_journal_decision d = {
                .node = "node-17",
                .node_type = "storage",
                .datacenter = "ams01",
                .rule = "disk-io-errors",
                .idempotency_key = "k1234567",
                .caller = "spiffe://example.com/agent",
                .keyid = "node-17",
                .source = "trigger",
        };

        assert_non_null(base);
        assert_int_equal(fl_journal_new(base,
                                 &(struct fl_journal_options){.fold_interval_usec = 3600000000,
                                         .send = capture_send,
                                         .userdata = &cap},
                                 &j),
                0);
        d.result = &started;
        fl_journal_decision(j, &d);
        assert_int_equal(cap.n, 1);
        assert_true(has(cap.entries[0], "MESSAGE_ID=9ef80e49948d4b14852d7021bc5462e9"));
        assert_true(has(cap.entries[0], "PRIORITY=5"));
        assert_true(has(cap.entries[0], "SYSLOG_IDENTIFIER=faultline-coordinator"));
        assert_true(has(cap.entries[0],
                "MESSAGE=started disk for node-17 as faultline-disk-k1234567 on node/node-17"));
        assert_true(has(cap.entries[0], "FAULTLINE_DECISION=started"));
        assert_true(has(cap.entries[0], "FAULTLINE_WORKFLOW=disk"));
        assert_true(has(cap.entries[0], "FAULTLINE_WORKFLOW_TYPE=RunRunbook"));
        assert_true(has(cap.entries[0], "FAULTLINE_WORKFLOW_ID=faultline-disk-k1234567"));
        assert_true(has(cap.entries[0], "FAULTLINE_RUN_ID=r1"));
        assert_true(has(cap.entries[0], "FAULTLINE_NODE=node-17"));
        assert_true(has(cap.entries[0], "FAULTLINE_RULE=disk-io-errors"));
        assert_true(has(cap.entries[0], "FAULTLINE_CALLER=spiffe://example.com/agent"));
        assert_true(has(cap.entries[0], "FAULTLINE_KEYID=node-17"));
        assert_false(has(cap.entries[0], "FAULTLINE_CONSTRAINT="));

        /* Five identical rejections: one entry now, four folded. */
        d.result = &rejected;
        d.constraint = "maxExecution 1/1h per node (disk.hcl:3)";
        for (int i = 0; i < 5; i++)
                fl_journal_decision(j, &d);
        assert_int_equal(cap.n, 2);
        assert_true(has(cap.entries[1], "MESSAGE_ID=9c2afb132b314572a3b0f68e25444246"));
        assert_true(has(
                cap.entries[1], "FAULTLINE_CONSTRAINT=maxExecution 1/1h per node (disk.hcl:3)"));
        assert_true(has(cap.entries[1], "FAULTLINE_REASON=1 started in the last 1h per node, "
                                        "limit 1"));
        /* Another node is another kind of rejection. */
        d.node = "node-18";
        fl_journal_decision(j, &d);
        assert_int_equal(cap.n, 3);
        /* Refusals fold the same way, per error and key. */
        struct fl_journal_refusal refusal = {
                .status = 401, .error = "bad_signature", .message = "m", .keyid = "node-17"};
        fl_journal_refusal(j, &refusal);
        fl_journal_refusal(j, &refusal);
        assert_int_equal(cap.n, 4);
        assert_true(has(cap.entries[3], "FAULTLINE_ERROR=bad_signature"));

        /* Freeing writes the counts it holds: 4 more rejections for node-17,
         * 1 more refusal; none for node-18 (nothing was folded). */
        fl_journal_free(j);
        assert_int_equal(cap.n, 6);
        for (size_t i = 4; i < 6; i++)
                assert_true(has(cap.entries[i], "MESSAGE_ID=c94508d82bc84ecfaf3f6c64499a7693"));
        assert_true(has(cap.entries[4], "FAULTLINE_FOLDED_COUNT=4") ||
                    has(cap.entries[5], "FAULTLINE_FOLDED_COUNT=4"));
        for (size_t i = 4; i < 6; i++)
                if (has(cap.entries[i], "FAULTLINE_FOLDED_COUNT=4")) {
                        assert_true(has(cap.entries[i], "FAULTLINE_DECISION=rejected"));
                        assert_true(has(cap.entries[i], "FAULTLINE_NODE=node-17"));
                } else {
                        assert_true(has(cap.entries[i], "FAULTLINE_FOLDED_COUNT=1"));
                        assert_true(has(cap.entries[i], "FAULTLINE_ERROR=bad_signature"));
                }
        capture_done(&cap);
        event_base_free(base);
}

static void test_journal_priority_filter(void **state) {
        struct event_base *base = event_base_new();
        struct capture cap = {};
        struct fl_journal *j = NULL;

        assert_int_equal(
                fl_journal_new(base,
                        &(struct fl_journal_options){
                                .max_priority = LOG_NOTICE, .send = capture_send, .userdata = &cap},
                        &j),
                0);
        fl_journal_access(
                j, &(struct fl_journal_access){.method = "GET", .path = "/healthz", .status = 200});
        fl_journal_message(j, LOG_INFO, "75b93d32e3bb425dbf22e32f44b12127", NULL, "loaded");
        assert_int_equal(cap.n, 0);
        fl_journal_message(j, LOG_ERR, "de9d7c9eafc4466b808c7362c0c31f67",
                (const char *const[]){"CONFIG_FILE=x.hcl", NULL}, "x.hcl:1:1: %s", "bad");
        assert_int_equal(cap.n, 1);
        assert_true(has(cap.entries[0], "MESSAGE=x.hcl:1:1: bad"));
        assert_true(has(cap.entries[0], "CONFIG_FILE=x.hcl"));
        fl_journal_free(j);
        capture_done(&cap);
        event_base_free(base);
}

static void test_metrics(void **state) {
        _cleanup_(fl_metrics_freep) struct fl_metrics *m = NULL;
        _cleanup_free_ char *text = NULL;
        size_t len = 0;

        assert_int_equal(fl_metrics_new(&m), 0);
        fl_metrics_request(m, "triggers", 409, 1500);
        fl_metrics_request(m, "triggers", 409, 30000);
        fl_metrics_request(m, "acl", 403, 20);
        fl_metrics_decision(m, "disk", FL_DECISION_REJECTED, "maxExecution 1/1h (\"a\\b\".hcl:3)");
        fl_metrics_refusal(m, "replayed");
        fl_metrics_temporal(FL_TEMPORAL_OP_LIST, 0, 1, 700, m);
        fl_metrics_temporal(FL_TEMPORAL_OP_START, -EAGAIN, 3, 150000, m);
        assert_int_equal(
                fl_metrics_render(m, (const struct fl_metrics_gauge[]){{"connections", "Open.", 3}},
                        1, &text, &len),
                0);
        assert_int_equal(strlen(text), len);
        assert_non_null(strstr(text, "# TYPE faultline_coordinator_requests_total counter\n"
                                     "faultline_coordinator_requests_total{route=\"acl\","
                                     "status=\"403\"} 1\n"
                                     "faultline_coordinator_requests_total{route=\"triggers\","
                                     "status=\"409\"} 2\n"));
        assert_non_null(strstr(text, "faultline_coordinator_request_duration_seconds_bucket{route="
                                     "\"triggers\",le=\"0.0025\"} 1\n"));
        assert_non_null(strstr(text, "faultline_coordinator_request_duration_seconds_bucket{route="
                                     "\"triggers\",le=\"0.05\"} 2\n"));
        assert_non_null(strstr(text, "faultline_coordinator_request_duration_seconds_count{route="
                                     "\"triggers\"} 2\n"));
        assert_non_null(strstr(text, "faultline_coordinator_decisions_total{workflow=\"disk\","
                                     "decision=\"rejected\",constraint=\"maxExecution 1/1h "
                                     "(\\\"a\\\\b\\\".hcl:3)\"} 1\n"));
        assert_non_null(
                strstr(text, "faultline_coordinator_refusals_total{error=\"replayed\"} 1\n"));
        assert_non_null(strstr(text, "faultline_coordinator_temporal_calls_total{op=\"start\","
                                     "result=\"unavailable\"} 1\n"));
        assert_non_null(strstr(text, "faultline_coordinator_temporal_call_duration_seconds_bucket{"
                                     "op=\"list\",le=\"0.001\"} 1\n"));
        assert_non_null(strstr(text, "# TYPE faultline_coordinator_connections gauge\n"
                                     "faultline_coordinator_connections 3\n"));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_journal_entries_and_folding),
                cmocka_unit_test(test_journal_priority_filter),
                cmocka_unit_test(test_metrics),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
