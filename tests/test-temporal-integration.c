/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Temporal client against the real Temporal dev server.
 *
 * ctest runs this program under `python3 -m flharness temporal run`, which
 * starts `temporal server start-dev` (SQLite, the four Faultline search
 * attributes) on free ports and passes FL_TEMPORAL_HTTP, FL_TEMPORAL_DIR and
 * FL_HARNESS_PYTHON; the last test stops and restarts the server through the
 * same harness. Without Temporal the test skips locally and fails under CI.
 *
 * No worker polls the task queues, so started workflows stay Running.
 */
#include "fl_test.h"
#include "macro.h"
#include "temporal-sync.h"
#include "temporal.h"

#include <errno.h>
#include <openssl/rand.h>
#include <spawn.h>
#include <string.h>
#include <sys/wait.h>

extern char **environ;

#define WORKFLOW_TYPE       "FaultlineIntegration"
#define VISIBILITY_WAIT_SEC 15

struct ctx {
        struct event_base *base;
        struct fl_temporal *t;
        struct fl_temporal_options options;
        char node[32];
        char wid[64], wid2[64];
        char run_id[64];
        int64_t t0_usec;
        json_t *memo, *input;
};

/* "<query> with values quoted", e.g. q("FaultlineNode=%s", node). Caller frees. */
static char *query(const char *fmt, ...) _printf_(1, 2);
static char *query(const char *fmt, ...) {
        va_list ap;
        char *s = NULL;

        va_start(ap, fmt);
        assert_true(vasprintf(&s, fmt, ap) > 0);
        va_end(ap);
        return s;
}

static char *quoted(const char *v) {
        char *q = NULL;
        assert_int_equal(fl_temporal_query_quote(v, &q), 0);
        return q;
}

/* Polls a count until it equals `want` (visibility trails the writes). */
static int64_t wait_count(struct ctx *c, const char *q, int64_t want) {
        uint64_t deadline = fl_tsync_now_usec() + VISIBILITY_WAIT_SEC * 1000000ULL;
        struct fl_tsync_result r;
        int64_t n;

        for (;;) {
                if (fl_tsync_count(c->base, c->t, q, 0, &r) != 0)
                        fail_msg("count '%s': %d %s", q, r.error, r.message);
                n = r.count;
                fl_tsync_result_done(&r);
                if (n == want || fl_tsync_now_usec() > deadline)
                        return n;
                /* 20 ms between polls, with the loop running. */
                struct timeval tv = {0, 20000};
                event_base_loopexit(c->base, &tv);
                event_base_dispatch(c->base);
        }
}

static int harness(const char *action, const char *flag) {
        const char *py = getenv("FL_HARNESS_PYTHON"), *dir = getenv("FL_TEMPORAL_DIR");
        char *argv[] = {(char *) py, (char *) "-m", (char *) "flharness", (char *) "temporal",
                (char *) action, (char *) "--dir", (char *) dir, (char *) flag, NULL};
        pid_t pid;
        int status;

        assert_non_null(py);
        assert_non_null(dir);
        assert_int_equal(posix_spawnp(&pid, py, NULL, NULL, argv, environ), 0);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static struct fl_temporal_start start_req(struct ctx *c, const char *wid) {
        return (struct fl_temporal_start){
                .workflow_id = wid,
                .workflow_type = WORKFLOW_TYPE,
                .task_queue = "node/faultline-it",
                .input = c->input,
                .memo = c->memo,
                .search_attributes = {c->node, "storage", "ams01", "disk-io-errors", "it-workflow"},
                .execution_timeout_usec = 3600ULL * 1000000,
        };
}

static void test_start_and_duplicates(void **state) {
        struct ctx *c = *state;
        struct fl_temporal_start req = start_req(c, c->wid);
        struct fl_tsync_result r;
        char first_run2[64];

        c->t0_usec = fl_tsync_realtime_usec() - 1000000;
        assert_int_equal(fl_tsync_start(c->base, c->t, &req, 0, &r), 0);
        assert_true(r.started);
        assert_non_null(r.run_id);
        assert_int_equal(r.http_status, 200);
        snprintf(c->run_id, sizeof(c->run_id), "%s", r.run_id);
        fl_tsync_result_done(&r);

        /* The same id again (another decision, another request id): no second
         * run, the existing one is reported. */
        assert_int_equal(fl_tsync_start(c->base, c->t, &req, 0, &r), 0);
        assert_false(r.started);
        assert_string_equal(r.run_id, c->run_id);
        fl_tsync_result_done(&r);

        /* Conflict policy FAIL: Temporal answers 409, still "exists". */
        req.conflict_policy = FL_TEMPORAL_CONFLICT_FAIL;
        assert_int_equal(fl_tsync_start(c->base, c->t, &req, 0, &r), 0);
        assert_false(r.started);
        assert_int_equal(r.http_status, 409);
        assert_string_equal(r.run_id, c->run_id);
        fl_tsync_result_done(&r);

        /* A repeated request id is the same request to Temporal: it answers
         * started=true again, for the same run. So retries of one call must
         * reuse the id (the client does) and separate decisions must not. */
        req = start_req(c, c->wid2);
        req.request_id = c->wid2;
        assert_int_equal(fl_tsync_start(c->base, c->t, &req, 0, &r), 0);
        assert_true(r.started);
        snprintf(first_run2, sizeof(first_run2), "%s", r.run_id);
        fl_tsync_result_done(&r);
        assert_int_equal(fl_tsync_start(c->base, c->t, &req, 0, &r), 0);
        assert_true(r.started);
        assert_string_equal(r.run_id, first_run2);
        fl_tsync_result_done(&r);
}

static void test_count(void **state) {
        struct ctx *c = *state;
        char t0[FL_TEMPORAL_TIME_MAX], future[FL_TEMPORAL_TIME_MAX];
        _cleanup_free_ char *node = quoted(c->node), *q = NULL, *q_future = NULL;
        struct fl_tsync_result r;

        assert_int_equal(fl_temporal_format_time(c->t0_usec, t0), 0);
        assert_int_equal(
                fl_temporal_format_time(fl_tsync_realtime_usec() + 3600000000LL, future), 0);
        /* The coordinator's constraint query: type, node, status, start time. */
        q = query("WorkflowType='%s' AND FaultlineNode=%s AND ExecutionStatus='Running' AND "
                  "StartTime > '%s'",
                WORKFLOW_TYPE, node, t0);
        assert_int_equal(wait_count(c, q, 2), 2);
        q_future = query("WorkflowType='%s' AND FaultlineNode=%s AND StartTime > '%s'",
                WORKFLOW_TYPE, node, future);
        assert_int_equal(wait_count(c, q_future, 0), 0);

        static const char *const attrs[] = {"FaultlineNodeType='storage'",
                "FaultlineDatacenter='ams01'", "FaultlineRule='disk-io-errors'",
                "FaultlineWorkflow='it-workflow'"};
        for (size_t i = 0; i < ELEMENTSOF(attrs); i++) {
                _cleanup_free_ char *qa = query("FaultlineNode=%s AND %s", node, attrs[i]);
                assert_int_equal(wait_count(c, qa, 2), 2);
        }

        /* Every status name the client knows is one the server accepts. */
        for (int s = FL_TEMPORAL_STATUS_RUNNING; s < _FL_TEMPORAL_STATUS_MAX; s++) {
                _cleanup_free_ char *qs = query("FaultlineNode=%s AND ExecutionStatus='%s'", node,
                        fl_temporal_status_to_string(s));
                assert_int_equal(fl_tsync_count(c->base, c->t, qs, 0, &r), 0);
                assert_int_equal(r.count, s == FL_TEMPORAL_STATUS_RUNNING ? 2 : 0);
                fl_tsync_result_done(&r);
        }

        /* Rejected queries: -EINVAL with Temporal's reason. */
        static const struct {
                const char *q;
                const char *msg;
        } bad[] = {
                {"NoSuchAttribute='x'", "invalid search attribute: NoSuchAttribute"},
                {"ExecutionStatus='Sleeping'", "invalid ExecutionStatus value 'Sleeping'"},
                {"StartTime > '2026-11-27 04:00:00'", "unable to parse datetime"},
                {"FaultlineNode = ", "malformed SQL query"},
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                assert_int_equal(fl_tsync_count(c->base, c->t, bad[i].q, 0, &r), -EINVAL);
                assert_int_equal(r.http_status, 400);
                assert_int_equal(r.grpc_code, 3);
                if (!strstr(r.message, bad[i].msg))
                        fail_msg("'%s': message '%s'", bad[i].q, r.message);
                assert_int_equal(r.attempts, 1);
                fl_tsync_result_done(&r);
        }
}

static void check_execution(struct ctx *c, json_t *e, const char *wid, const char *status) {
        int64_t start = json_integer_value(json_object_get(e, "start_time_usec"));
        json_t *want_sa =
                json_pack("{s:s, s:s, s:s, s:s, s:s}", "node", c->node, "node_type", "storage",
                        "datacenter", "ams01", "rule", "disk-io-errors", "workflow", "it-workflow");

        assert_string_equal(json_string_value(json_object_get(e, "workflow_id")), wid);
        assert_string_equal(json_string_value(json_object_get(e, "workflow_type")), WORKFLOW_TYPE);
        assert_string_equal(
                json_string_value(json_object_get(e, "task_queue")), "node/faultline-it");
        assert_string_equal(json_string_value(json_object_get(e, "status")), status);
        assert_true(start > c->t0_usec);
        assert_true(start < fl_tsync_realtime_usec());
        assert_true(json_equal(json_object_get(e, "search_attributes"), want_sa));
        assert_true(json_equal(json_object_get(e, "memo"), c->memo));
        json_decref(want_sa);
}

static void test_list_and_describe(void **state) {
        struct ctx *c = *state;
        _cleanup_free_ char *node = quoted(c->node), *q = query("FaultlineNode=%s", node);
        _cleanup_free_ char *token = NULL;
        struct fl_tsync_result r;
        json_t *e;

        assert_int_equal(fl_tsync_list(c->base, c->t, q, 0, NULL, 0, &r), 0);
        assert_int_equal(json_array_size(r.executions), 2);
        assert_null(r.next_page_token);
        /* Newest first. */
        check_execution(c, json_array_get(r.executions, 0), c->wid2, "Running");
        check_execution(c, json_array_get(r.executions, 1), c->wid, "Running");
        fl_tsync_result_done(&r);

        /* Pages of one. */
        assert_int_equal(fl_tsync_list(c->base, c->t, q, 1, NULL, 0, &r), 0);
        assert_int_equal(json_array_size(r.executions), 1);
        assert_non_null(r.next_page_token);
        token = strdup(r.next_page_token);
        fl_tsync_result_done(&r);
        assert_int_equal(fl_tsync_list(c->base, c->t, q, 1, token, 0, &r), 0);
        assert_int_equal(json_array_size(r.executions), 1);
        assert_string_equal(
                json_string_value(json_object_get(json_array_get(r.executions, 0), "workflow_id")),
                c->wid);
        fl_tsync_result_done(&r);

        assert_int_equal(fl_tsync_describe(c->base, c->t, c->wid, NULL, 0, &r), 0);
        e = json_array_get(r.executions, 0);
        check_execution(c, e, c->wid, "Running");
        assert_string_equal(json_string_value(json_object_get(e, "run_id")), c->run_id);
        assert_string_equal(
                json_string_value(json_object_get(
                        json_object_get(r.raw, "executionConfig"), "workflowExecutionTimeout")),
                "3600s");
        fl_tsync_result_done(&r);
        assert_int_equal(fl_tsync_describe(c->base, c->t, c->wid, c->run_id, 0, &r), 0);
        fl_tsync_result_done(&r);

        assert_int_equal(
                fl_tsync_describe(c->base, c->t, "faultline-no-such-workflow", NULL, 0, &r),
                -ENOENT);
        assert_int_equal(r.http_status, 404);
        assert_int_equal(r.grpc_code, 5);
        assert_non_null(strstr(r.message, "workflow not found"));
        fl_tsync_result_done(&r);
}

static void test_terminate_and_reuse(void **state) {
        struct ctx *c = *state;
        _cleanup_free_ char *node = quoted(c->node), *q_term = NULL, *q_run = NULL, *q_all = NULL;
        struct fl_temporal_start req = start_req(c, c->wid);
        struct fl_tsync_result r;

        assert_int_equal(fl_tsync_terminate(c->base, c->t, c->wid, "integration test", 0, &r), 0);
        fl_tsync_result_done(&r);
        assert_int_equal(fl_tsync_terminate(c->base, c->t, c->wid, "again", 0, &r), -ENOENT);
        assert_non_null(strstr(r.message, "already completed"));
        fl_tsync_result_done(&r);

        /* Closed, and the reuse policy REJECT_DUPLICATE: still no new run. */
        assert_int_equal(fl_tsync_start(c->base, c->t, &req, 0, &r), 0);
        assert_false(r.started);
        assert_string_equal(r.run_id, c->run_id);
        fl_tsync_result_done(&r);

        q_term = query("FaultlineNode=%s AND ExecutionStatus='Terminated'", node);
        q_run = query("FaultlineNode=%s AND ExecutionStatus='Running'", node);
        q_all = query("FaultlineNode=%s", node);
        assert_int_equal(wait_count(c, q_term, 1), 1);
        assert_int_equal(wait_count(c, q_run, 1), 1);

        /* The policy is really sent: ALLOW_DUPLICATE does start a new run. */
        req.reuse_policy = FL_TEMPORAL_REUSE_ALLOW_DUPLICATE;
        assert_int_equal(fl_tsync_start(c->base, c->t, &req, 0, &r), 0);
        assert_true(r.started);
        assert_string_not_equal(r.run_id, c->run_id);
        fl_tsync_result_done(&r);
        assert_int_equal(wait_count(c, q_all, 3), 3);
        assert_int_equal(wait_count(c, q_run, 2), 2);
}

static void test_temporal_down_and_back(void **state) {
        struct ctx *c = *state;
        _cleanup_free_ char *wid2 = quoted(c->wid2), *q = query("WorkflowId=%s", wid2);
        struct fl_tsync_result r;
        uint64_t began;

        /* A crash: SIGKILL, nothing listens any more. */
        assert_int_equal(harness("stop", "--kill"), 0);

        assert_int_equal(fl_tsync_count(c->base, c->t, q, FL_TEMPORAL_NO_RETRY, &r), -EAGAIN);
        assert_int_equal(r.attempts, 1);
        assert_int_equal(r.http_status, 0);
        assert_non_null(strstr(r.message, "Temporal unavailable"));
        fl_tsync_result_done(&r);

        began = fl_tsync_now_usec();
        assert_int_equal(fl_tsync_start(c->base, c->t,
                                 &(struct fl_temporal_start){
                                         .workflow_id = "faultline-it-while-down",
                                         .workflow_type = WORKFLOW_TYPE,
                                         .task_queue = "node/faultline-it",
                                 },
                                 0, &r),
                -EAGAIN);
        assert_true(r.latency_usec <= c->options.deadline_usec);
        fprintf(stderr, "start with Temporal down: %s (%u attempts, %.1f ms)\n", r.message,
                r.attempts, (double) r.latency_usec / 1000);
        assert_true(fl_tsync_now_usec() - began < c->options.deadline_usec + 1000000);
        fl_tsync_result_done(&r);

        /* The breaker is open now: refused at once. */
        assert_false(fl_temporal_available(c->t));
        assert_int_equal(fl_tsync_count(c->base, c->t, q, 0, &r), -EAGAIN);
        assert_int_equal(r.submit, -EAGAIN);
        fl_tsync_result_done(&r);

        /* Back on the same ports and database. */
        assert_int_equal(harness("start", NULL), 0);
        while (!fl_temporal_available(c->t)) {
                struct timeval tv = {0, 50000};
                event_base_loopexit(c->base, &tv);
                event_base_dispatch(c->base);
        }
        assert_int_equal(fl_tsync_count(c->base, c->t, q, 0, &r), 0);
        assert_int_equal(r.count, 1);
        fl_tsync_result_done(&r);
        assert_int_equal(fl_tsync_describe(c->base, c->t, c->wid2, NULL, 0, &r), 0);
        assert_string_equal(
                json_string_value(json_object_get(json_array_get(r.executions, 0), "status")),
                "Running");
        fl_tsync_result_done(&r);

        /* A clean stop (SIGTERM) and start work as well. */
        assert_int_equal(harness("stop", NULL), 0);
        assert_int_equal(fl_tsync_count(c->base, c->t, q, FL_TEMPORAL_NO_RETRY, &r), -EAGAIN);
        fl_tsync_result_done(&r);
        assert_int_equal(harness("start", NULL), 0);
        while (!fl_temporal_available(c->t)) {
                struct timeval tv = {0, 50000};
                event_base_loopexit(c->base, &tv);
                event_base_dispatch(c->base);
        }
        assert_int_equal(fl_tsync_count(c->base, c->t, q, 0, &r), 0);
        assert_int_equal(r.count, 1);
        fl_tsync_result_done(&r);
}

static int setup(void **state) {
        struct ctx *c = calloc(1, sizeof(*c));
        uint8_t rnd[4];

        if (!c || RAND_bytes(rnd, sizeof(rnd)) != 1)
                return -1;
        snprintf(c->node, sizeof(c->node), "it-%02x%02x%02x%02x", rnd[0], rnd[1], rnd[2], rnd[3]);
        snprintf(c->wid, sizeof(c->wid), "faultline-it-%s-1", c->node);
        snprintf(c->wid2, sizeof(c->wid2), "faultline-it-%s-2", c->node);
        /* "probe" looks like a full payload ({"metadata", "data"}): it must
         * still come back as the value it is. */
        c->memo = json_pack("{s:{s:s, s:s, s:s}, s:{s:{s:i}, s:s}}", "trigger", "node", c->node,
                "rule", "disk-io-errors", "idempotency_key", c->wid, "probe", "metadata", "a", 1,
                "data", "x");
        c->input = json_pack("{s:s, s:i}", "device", "sda", "sector", 2048);
        c->base = event_base_new();
        c->options = (struct fl_temporal_options){
                .url = getenv("FL_TEMPORAL_HTTP"),
                .namespace = getenv("FL_TEMPORAL_NAMESPACE"),
                .deadline_usec = 3000000,
                .attempt_timeout_usec = 2000000,
                .breaker_cooldown_usec = 300000,
        };
        if (!c->base || fl_temporal_new(c->base, &c->options, &c->t) < 0)
                return -1;
        *state = c;
        return 0;
}

static int teardown(void **state) {
        struct ctx *c = *state;

        fl_temporal_free(c->t);
        event_base_free(c->base);
        json_decref(c->memo);
        json_decref(c->input);
        free(c);
        return 0;
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_start_and_duplicates),
                cmocka_unit_test(test_count),
                cmocka_unit_test(test_list_and_describe),
                cmocka_unit_test(test_terminate_and_reuse),
                cmocka_unit_test(test_temporal_down_and_back),
        };

        if (getenv("FL_TEMPORAL_MISSING"))
                fprintf(stderr, "%s\n", getenv("FL_TEMPORAL_MISSING"));
        fl_test_require(getenv("FL_TEMPORAL_HTTP") != NULL,
                "the Temporal dev server (run under `python3 -m flharness temporal run`; "
                "temporal CLI from scripts/setup.sh)");
        return cmocka_run_group_tests(tests, setup, teardown);
}
