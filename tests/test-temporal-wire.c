/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Request building and answer decoding for Temporal's HTTP API, without a
 * server. Answers are the real ones in tests/data/temporal/ (see its README).
 */
#include "fl_test.h"
#include "macro.h"
#include "temporal_wire.h"

#include <errno.h>
#include <string.h>

static json_t *load_data(const char *name) {
        _cleanup_free_ char *rel = NULL, *path = NULL, *text = NULL;
        json_t *v;

        assert_true(asprintf(&rel, "tests/data/temporal/%s", name) > 0);
        path = fl_test_source_path(rel);
        text = fl_test_read_file(path, NULL);
        v = json_loads(text, JSON_DECODE_ANY, NULL);
        assert_non_null(v);
        return v;
}

static void assert_json_eq(json_t *got, const char *want_text) {
        json_t *want = json_loads(want_text, JSON_DECODE_ANY, NULL);
        char *g = json_dumps(got, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENCODE_ANY);

        assert_non_null(want);
        if (!json_equal(got, want)) {
                char *w = json_dumps(want, JSON_SORT_KEYS | JSON_COMPACT | JSON_ENCODE_ANY);
                fail_msg("JSON differs:\n got  %s\n want %s", g, w);
        }
        free(g);
        json_decref(want);
}

/* ---- time ------------------------------------------------------------------- */

static void test_parse_time(void **state) {
        static const struct {
                const char *in;
                int ret;
                int64_t usec;
        } cases[] = {
                {"1970-01-01T00:00:00Z", 0, 0},
                {"2026-11-27T04:08:45.456234Z", 0, 1795752525456234},
                {"2026-11-27T04:08:45.456234702Z", 0, 1795752525456234}, /* ns cut to µs */
                {"2026-11-27T04:08:45.4Z", 0, 1795752525400000},
                {"2026-11-27t04:08:45.456234z", 0, 1795752525456234},
                {"2026-11-27T05:08:45.456234+01:00", 0, 1795752525456234},
                {"2026-11-27T03:38:45.456234-00:30", 0, 1795752525456234},
                {"2000-02-29T23:59:59Z", 0, 951868799000000},
                {"2038-01-19T03:14:08Z", 0, 2147483648000000},
                {"", -EINVAL, 0},
                {"2026-11-27", -EINVAL, 0},
                {"2026-11-27 04:08:45Z", -EINVAL, 0},
                {"2026-11-27T04:08:45", -EINVAL, 0},
                {"2026-11-27T04:08:45.Z", -EINVAL, 0},
                {"2026-11-27T04:08:45.1234567890Z", -EINVAL, 0},
                {"2026-11-27T04:08:45Zx", -EINVAL, 0},
                {"2026-11-27T04:08:45+0100", -EINVAL, 0},
                {"2026-13-01T00:00:00Z", -EINVAL, 0},
                {"2026-02-31T00:00:00Z", -EINVAL, 0},
                {"2026-11-27T24:00:00Z", -EINVAL, 0},
                {"2026-11-27T04:60:00Z", -EINVAL, 0},
                {"+026-11-27T04:08:45Z", -EINVAL, 0},
                {"2026-11-27T04:08:45+24:00", -EINVAL, 0},
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                int64_t got = -42;
                int r = fl_temporal_parse_time(cases[i].in, &got);
                if (r != cases[i].ret)
                        fail_msg("'%s': returned %d, want %d", cases[i].in, r, cases[i].ret);
                if (r == 0 && got != cases[i].usec)
                        fail_msg("'%s': %lld, want %lld", cases[i].in, (long long) got,
                                (long long) cases[i].usec);
                if (r < 0 && got != -42)
                        fail_msg("'%s': output written on failure", cases[i].in);
        }
        assert_int_equal(fl_temporal_parse_time(NULL, &(int64_t){0}), -EINVAL);
}

static void test_format_time(void **state) {
        static const struct {
                int64_t usec;
                int ret;
                const char *out;
        } cases[] = {
                {0, 0, "1970-01-01T00:00:00.000000Z"},
                {1795752525456234, 0, "2026-11-27T04:08:45.456234Z"},
                {951868799000001, 0, "2000-02-29T23:59:59.000001Z"},
                {-1, -EINVAL, NULL},
                {INT64_MAX, -EINVAL, NULL},
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char buf[FL_TEMPORAL_TIME_MAX] = "";
                int64_t back;
                assert_int_equal(fl_temporal_format_time(cases[i].usec, buf), cases[i].ret);
                if (cases[i].ret < 0)
                        continue;
                assert_string_equal(buf, cases[i].out);
                assert_int_equal(fl_temporal_parse_time(buf, &back), 0);
                assert_int_equal(back, cases[i].usec);
        }
}

/* ---- query quoting, names ------------------------------------------------------ */

static void test_query_quote(void **state) {
        static const struct {
                const char *in;
                int ret;
                const char *out;
        } cases[] = {
                {"node-17", 0, "'node-17'"},
                {"", 0, "''"},
                {"it's", 0, "'it''s'"},
                {"''", 0, "''''''"},
                {"type/ams01/storage", 0, "'type/ams01/storage'"},
                {"caf\xc3\xa9", 0, "'caf\xc3\xa9'"},
                {"a\"b", -EINVAL, NULL},
                {"a\\b", -EINVAL, NULL},
                {"a\nb", -EINVAL, NULL},
                {"a\tb", -EINVAL, NULL},
                {"a\x7f", -EINVAL, NULL},
                {NULL, -EINVAL, NULL},
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char *out = (char *) "untouched";
                int r = fl_temporal_query_quote(cases[i].in, &out);
                assert_int_equal(r, cases[i].ret);
                if (r < 0) {
                        assert_string_equal(out, "untouched");
                        continue;
                }
                assert_string_equal(out, cases[i].out);
                free(out);
        }
}

static void test_names(void **state) {
        static const struct {
                const char *in;
                int ret;
        } cases[] = {
                {"Running", FL_TEMPORAL_STATUS_RUNNING},
                {"WORKFLOW_EXECUTION_STATUS_RUNNING", FL_TEMPORAL_STATUS_RUNNING},
                {"Terminated", FL_TEMPORAL_STATUS_TERMINATED},
                {"ContinuedAsNew", FL_TEMPORAL_STATUS_CONTINUED_AS_NEW},
                {"WORKFLOW_EXECUTION_STATUS_TIMED_OUT", FL_TEMPORAL_STATUS_TIMED_OUT},
                {"WORKFLOW_EXECUTION_STATUS_UNSPECIFIED", FL_TEMPORAL_STATUS_UNSPECIFIED},
                {"running", -EINVAL},
                {"", -EINVAL},
                {NULL, -EINVAL},
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                assert_int_equal(fl_temporal_status_from_string(cases[i].in), cases[i].ret);
        for (int s = FL_TEMPORAL_STATUS_RUNNING; s < _FL_TEMPORAL_STATUS_MAX; s++)
                assert_int_equal(
                        fl_temporal_status_from_string(fl_temporal_status_to_string(s)), s);
        assert_null(fl_temporal_status_to_string(FL_TEMPORAL_STATUS_UNSPECIFIED));
        assert_null(fl_temporal_status_to_string(_FL_TEMPORAL_STATUS_MAX));
        assert_string_equal(fl_temporal_op_to_string(FL_TEMPORAL_OP_COUNT), "count");
        assert_null(fl_temporal_op_to_string(_FL_TEMPORAL_OP_MAX));
}

/* ---- requests ------------------------------------------------------------------ */

static void test_start_body(void **state) {
        json_t *input = json_pack("{s:s, s:i}", "device", "sda", "sector", 2048);
        json_t *memo = json_pack("{s:{s:s}}", "trigger", "node", "node-17");
        struct fl_temporal_start req = {
                .workflow_id = "fl-wire-1",
                .workflow_type = "DiskRemediation",
                .task_queue = "node/node-17",
                .input = input,
                .memo = memo,
                .search_attributes = {"node-17", "storage", "ams01", "disk-io-errors",
                        "disk-io-error"},
                .execution_timeout_usec = 3600000000,
        };
        char *body = NULL;
        json_t *got;

        assert_int_equal(fl_temporal_wire_start_body(&req, "r1", "fl-test", &body), 0);
        got = json_loads(body, 0, NULL);
        assert_json_eq(got,
                "{\"workflowType\": {\"name\": \"DiskRemediation\"},"
                " \"taskQueue\": {\"name\": \"node/node-17\"},"
                " \"requestId\": \"r1\", \"identity\": \"fl-test\","
                " \"workflowIdReusePolicy\": \"WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE\","
                " \"workflowIdConflictPolicy\": \"WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING\","
                " \"input\": [{\"device\": \"sda\", \"sector\": 2048}],"
                " \"memo\": {\"fields\": {\"trigger\": {\"node\": \"node-17\"}}},"
                " \"workflowExecutionTimeout\": \"3600s\","
                " \"searchAttributes\": {\"indexedFields\": {\"FaultlineNode\": \"node-17\","
                " \"FaultlineNodeType\": \"storage\", \"FaultlineDatacenter\": \"ams01\","
                " \"FaultlineRule\": \"disk-io-errors\", \"FaultlineWorkflow\": "
                "\"disk-io-error\"}}}");
        json_decref(got);
        free(body);

        /* Minimal request, explicit policies, fractional timeout. */
        req = (struct fl_temporal_start){
                .workflow_id = "w",
                .workflow_type = "T",
                .task_queue = "q",
                .search_attributes = {.rule = "r"},
                .execution_timeout_usec = 1500000,
                .reuse_policy = FL_TEMPORAL_REUSE_ALLOW_DUPLICATE_FAILED_ONLY,
                .conflict_policy = FL_TEMPORAL_CONFLICT_FAIL,
        };
        assert_int_equal(fl_temporal_wire_start_body(&req, "r2", "id", &body), 0);
        got = json_loads(body, 0, NULL);
        assert_json_eq(got,
                "{\"workflowType\": {\"name\": \"T\"}, \"taskQueue\": {\"name\": \"q\"},"
                " \"requestId\": \"r2\", \"identity\": \"id\","
                " \"workflowIdReusePolicy\": "
                "\"WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY\","
                " \"workflowIdConflictPolicy\": \"WORKFLOW_ID_CONFLICT_POLICY_FAIL\","
                " \"workflowExecutionTimeout\": \"1.500000s\","
                " \"searchAttributes\": {\"indexedFields\": {\"FaultlineRule\": \"r\"}}}");
        json_decref(got);
        free(body);
        json_decref(input);
        json_decref(memo);
}

static void test_check_start(void **state) {
        char long_id[FL_TEMPORAL_ID_MAX + 2];
        json_t *arr = json_array();
        static const struct fl_temporal_start ok = {
                .workflow_id = "w", .workflow_type = "T", .task_queue = "q"};
        struct {
                struct fl_temporal_start req;
                const char *reason;
        } cases[] = {
                {ok, NULL},
                {{.workflow_type = "T", .task_queue = "q"}, "workflow id missing"},
                {{.workflow_id = "", .workflow_type = "T", .task_queue = "q"},
                        "workflow id missing"},
                {{.workflow_id = "a/b", .workflow_type = "T", .task_queue = "q"},
                        "workflow id contains '/'"},
                {{.workflow_id = long_id, .workflow_type = "T", .task_queue = "q"},
                        "workflow id too long"},
                {{.workflow_id = "w", .task_queue = "q"}, "workflow type missing"},
                {{.workflow_id = "w", .workflow_type = "", .task_queue = "q"},
                        "workflow type missing"},
                {{.workflow_id = "w", .workflow_type = "T"}, "task queue missing"},
                {{.workflow_id = "w", .workflow_type = "T", .task_queue = "q", .memo = arr},
                        "memo is not an object"},
                {{.workflow_id = "w", .workflow_type = "T", .task_queue = "q", .request_id = ""},
                        "request id empty"},
                {{.workflow_id = "w",
                         .workflow_type = "T",
                         .task_queue = "q",
                         .reuse_policy = _FL_TEMPORAL_REUSE_MAX},
                        "invalid reuse policy"},
                {{.workflow_id = "w",
                         .workflow_type = "T",
                         .task_queue = "q",
                         .conflict_policy = _FL_TEMPORAL_CONFLICT_MAX},
                        "invalid conflict policy"},
                {{.workflow_id = "w",
                         .workflow_type = "T",
                         .task_queue = "q",
                         .search_attributes = {.datacenter = ""}},
                        "empty search attribute value"},
        };

        memset(long_id, 'x', sizeof(long_id) - 1);
        long_id[sizeof(long_id) - 1] = '\0';
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                const char *why = "untouched";
                char *body = (char *) "untouched";
                int r = fl_temporal_wire_check_start(&cases[i].req, &why);
                if (!cases[i].reason) {
                        assert_int_equal(r, 0);
                        assert_string_equal(why, "untouched");
                        continue;
                }
                assert_int_equal(r, -EINVAL);
                assert_string_equal(why, cases[i].reason);
                assert_int_equal(
                        fl_temporal_wire_start_body(&cases[i].req, "r", "i", &body), -EINVAL);
                assert_string_equal(body, "untouched");
        }
        /* Invalid UTF-8 cannot be put in JSON. */
        struct fl_temporal_start bad = ok;
        char *body = NULL;
        bad.workflow_type = "\xff\xfe";
        assert_int_equal(fl_temporal_wire_start_body(&bad, "r", "i", &body), -EINVAL);
        bad = ok;
        bad.search_attributes.node = "\xc3";
        assert_int_equal(fl_temporal_wire_start_body(&bad, "r", "i", &body), -EINVAL);
        assert_int_equal(fl_temporal_wire_start_body(&ok, NULL, "i", &body), -EINVAL);
        json_decref(arr);
}

static void test_terminate_body(void **state) {
        char *body = NULL;
        json_t *got;

        assert_int_equal(fl_temporal_wire_terminate_body("operator: bad disk", "me", &body), 0);
        got = json_loads(body, 0, NULL);
        assert_json_eq(got, "{\"reason\": \"operator: bad disk\", \"identity\": \"me\"}");
        json_decref(got);
        free(body);
        assert_int_equal(fl_temporal_wire_terminate_body("\xff", "me", &body), -EINVAL);
}

static void test_urls(void **state) {
        static const struct {
                const char *base, *ns;
                int ret;
                const char *out;
        } ns_cases[] = {
                {"http://127.0.0.1:7243", "default", 0,
                        "http://127.0.0.1:7243/api/v1/namespaces/default"},
                {"https://temporal.example:443//", "prod ns", 0,
                        "https://temporal.example:443/api/v1/namespaces/prod%20ns"},
                {"HTTP://h", "a/b", 0, "HTTP://h/api/v1/namespaces/a%2Fb"},
                {"ftp://h", "default", -EINVAL, NULL},
                {"127.0.0.1:7243", "default", -EINVAL, NULL},
                {"http://", "default", -EINVAL, NULL},
                {"https:///", "default", -EINVAL, NULL},
                {"http://h", "", -EINVAL, NULL},
                {NULL, "default", -EINVAL, NULL},
        };
        static const struct {
                const char *id, *suffix;
                int ret;
                const char *out;
        } wf_cases[] = {
                {"fl-1", NULL, 0, "N/workflows/fl-1"},
                {"a c?d#e", "/terminate", 0, "N/workflows/a%20c%3Fd%23e/terminate"},
                {"caf\xc3\xa9", NULL, 0, "N/workflows/caf%C3%A9"},
                {"a/b", NULL, -EINVAL, NULL},
                {"", NULL, -EINVAL, NULL},
                {NULL, NULL, -EINVAL, NULL},
        };

        for (size_t i = 0; i < ELEMENTSOF(ns_cases); i++) {
                char *out = (char *) "untouched";
                assert_int_equal(
                        fl_temporal_wire_namespace_url(ns_cases[i].base, ns_cases[i].ns, &out),
                        ns_cases[i].ret);
                if (ns_cases[i].ret < 0) {
                        assert_string_equal(out, "untouched");
                        continue;
                }
                assert_string_equal(out, ns_cases[i].out);
                free(out);
        }
        for (size_t i = 0; i < ELEMENTSOF(wf_cases); i++) {
                char *out = (char *) "untouched";
                assert_int_equal(fl_temporal_wire_workflow_url(
                                         "N", wf_cases[i].id, wf_cases[i].suffix, &out),
                        wf_cases[i].ret);
                if (wf_cases[i].ret < 0) {
                        assert_string_equal(out, "untouched");
                        continue;
                }
                assert_string_equal(out, wf_cases[i].out);
                free(out);
        }

        const char *const names[] = {"query", "pageSize", "nextPageToken", NULL};
        const char *const values[] = {
                "FaultlineNode='n 1' AND StartTime > '2026-01-01T00:00:00Z'", "100", NULL, NULL};
        char *out = NULL;
        assert_int_equal(fl_temporal_wire_query_url("N", "/workflows", names, values, &out), 0);
        assert_string_equal(out, "N/workflows?query=FaultlineNode%3D%27n%201%27%20AND%20StartTime"
                                 "%20%3E%20%272026-01-01T00%3A00%3A00Z%27&pageSize=100");
        free(out);
        const char *const none[] = {NULL, NULL, NULL, NULL};
        assert_int_equal(fl_temporal_wire_query_url("N", "", names, none, &out), 0);
        assert_string_equal(out, "N");
        free(out);
}

static void test_uuid(void **state) {
        static const uint8_t ones[16] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
        static const uint8_t zeros[16] = {};
        char buf[FL_TEMPORAL_UUID_MAX];

        fl_temporal_wire_uuid(ones, buf);
        assert_string_equal(buf, "ffffffff-ffff-4fff-bfff-ffffffffffff");
        fl_temporal_wire_uuid(zeros, buf);
        assert_string_equal(buf, "00000000-0000-4000-8000-000000000000");
}

/* ---- answers ------------------------------------------------------------------- */

static void test_errno_mapping(void **state) {
        static const struct {
                long http;
                int grpc;
                int ret;
                bool retry;
        } cases[] = {
                {200, 0, 0, false},
                {204, 0, 0, false},
                {400, FL_GRPC_INVALID_ARGUMENT, -EINVAL, false},
                {400, 0, -EINVAL, false},
                {401, FL_GRPC_UNAUTHENTICATED, -EACCES, false},
                {403, FL_GRPC_PERMISSION_DENIED, -EACCES, false},
                {404, FL_GRPC_NOT_FOUND, -ENOENT, false},
                {404, 0, -ENOENT, false},
                {409, FL_GRPC_ALREADY_EXISTS, -EEXIST, false},
                {409, FL_GRPC_ABORTED, -EAGAIN, false},
                {412, FL_GRPC_FAILED_PRECONDITION, -ENOTRECOVERABLE, false},
                {413, 0, -EFBIG, false},
                {429, FL_GRPC_RESOURCE_EXHAUSTED, -EAGAIN, true},
                {429, 0, -EAGAIN, true},
                {499, FL_GRPC_CANCELLED, -ECANCELED, false},
                {500, FL_GRPC_INTERNAL, -EIO, false},
                {500, FL_GRPC_UNKNOWN, -EIO, false},
                {501, FL_GRPC_UNIMPLEMENTED, -EOPNOTSUPP, false},
                {502, 0, -EAGAIN, true},
                {503, FL_GRPC_UNAVAILABLE, -EAGAIN, true},
                {503, 0, -EAGAIN, true},
                {504, FL_GRPC_DEADLINE_EXCEEDED, -EAGAIN, true},
                {200, FL_GRPC_UNAVAILABLE, -EAGAIN, true}, /* the code wins */
                {418, 0, -EIO, false},
                {0, 0, -EIO, false},
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                int r = fl_temporal_wire_errno(cases[i].http, cases[i].grpc);
                if (r != cases[i].ret)
                        fail_msg("HTTP %ld code %d: %d, want %d", cases[i].http, cases[i].grpc, r,
                                cases[i].ret);
                if (fl_temporal_wire_retryable(cases[i].http, cases[i].grpc) != cases[i].retry)
                        fail_msg("HTTP %ld code %d: retryable wrong", cases[i].http, cases[i].grpc);
        }
}

static void test_parse_status(void **state) {
        static const struct {
                const char *file; /* or NULL: body below is not JSON */
                const char *body;
                int code;
                const char *message;
        } cases[] = {
                {"count-bad-query-400.json", NULL, 3,
                        "invalid query: invalid search attribute: Nope"},
                {"describe-404.json", NULL, 5, "workflow not found for ID: no-such"},
                {"terminate-completed-404.json", NULL, 5, "workflow execution already completed"},
                {NULL, "<html>502 Bad\r\nGateway</html>", 0, "<html>502 Bad  Gateway</html>"},
                {NULL, "", 0, "empty answer"},
                {NULL, "{\"code\": 14}", 14, "{\"code\": 14}"},
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                json_t *root = cases[i].file ? load_data(cases[i].file)
                                             : json_loads(cases[i].body, 0, NULL);
                char *text = cases[i].file ? json_dumps(root, 0) : strdup(cases[i].body);
                char *msg = NULL;
                int code = -1;
                assert_int_equal(
                        fl_temporal_wire_parse_status(root, text, strlen(text), &code, &msg), 0);
                assert_int_equal(code, cases[i].code);
                assert_string_equal(msg, cases[i].message);
                free(msg);
                free(text);
                json_decref(root);
        }

        /* A long non-JSON body is cut. */
        char big[1000];
        char *msg = NULL;
        int code;
        memset(big, 'x', sizeof(big));
        assert_int_equal(fl_temporal_wire_parse_status(NULL, big, sizeof(big), &code, &msg), 0);
        assert_int_equal(strlen(msg), 200);
        free(msg);
}

static void test_parse_start(void **state) {
        static const struct {
                const char *file;
                int ret;
                bool started;
                const char *run_id; /* also what already_started_run finds in a 409 */
        } cases[] = {
                {"start-started.json", 0, true, "01a21b30-fe90-7390-be2b-ef5f3f5eed70"},
                {"start-existing-running.json", 0, false, "01a21b30-fe90-7390-be2b-ef5f3f5eed70"},
                {"start-existing-closed-409.json", -EBADMSG, false,
                        "01a21b30-fe90-7390-be2b-ef5f3f5eed70"},
                {"start-fail-409.json", -EBADMSG, false, "01a21b30-fe90-7390-be2b-ef5f3f5eed70"},
                {"describe-404.json", -EBADMSG, false, NULL},
                {"count-0.json", -EBADMSG, false, NULL},
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                json_t *root = load_data(cases[i].file);
                struct fl_temporal_started st = {.run_id = "untouched"};
                const char *run = fl_temporal_wire_already_started_run(root);

                assert_int_equal(
                        fl_temporal_wire_parse_start(root, "fl-wire-1", &st), cases[i].ret);
                if (cases[i].ret == 0) {
                        assert_string_equal(st.workflow_id, "fl-wire-1");
                        assert_string_equal(st.run_id, cases[i].run_id);
                        assert_int_equal(st.started, cases[i].started);
                        assert_int_equal(st.status, FL_TEMPORAL_STATUS_RUNNING);
                        assert_null(run);
                } else {
                        assert_string_equal(st.run_id, "untouched");
                        if (cases[i].run_id)
                                assert_string_equal(run, cases[i].run_id);
                        else
                                assert_null(run);
                }
                json_decref(root);
        }

        static const char *const bad[] = {
                "{\"runId\": \"\"}",
                "{\"runId\": 5}",
                "{\"runId\": \"r\", \"started\": \"yes\"}",
                "[]",
        };
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                json_t *root = json_loads(bad[i], JSON_DECODE_ANY, NULL);
                struct fl_temporal_started st;
                assert_int_equal(fl_temporal_wire_parse_start(root, "w", &st), -EBADMSG);
                json_decref(root);
        }
        json_t *root = json_loads("{\"runId\": \"r\", \"status\": \"FUTURE_STATUS\"}", 0, NULL);
        struct fl_temporal_started st;
        assert_int_equal(fl_temporal_wire_parse_start(root, "w", &st), 0);
        assert_int_equal(st.status, FL_TEMPORAL_STATUS_UNSPECIFIED);
        assert_false(st.started);
        json_decref(root);
}

static void test_parse_count(void **state) {
        static const struct {
                const char *body;
                int ret;
                int64_t count;
        } cases[] = {
                {"{}", 0, 0},
                {"{\"count\": \"1\"}", 0, 1},
                {"{\"count\": \"9007199254740993\"}", 0, 9007199254740993LL},
                {"{\"count\": 3}", 0, 3},
                {"{\"count\": \"3\", \"groups\": []}", 0, 3},
                {"{\"count\": \"x\"}", -EBADMSG, 0},
                {"{\"count\": \"3x\"}", -EBADMSG, 0},
                {"{\"count\": \"\"}", -EBADMSG, 0},
                {"{\"count\": \"-1\"}", -EBADMSG, 0},
                {"{\"count\": \"99999999999999999999\"}", -EBADMSG, 0},
                {"{\"count\": null}", -EBADMSG, 0},
                {"[]", -EBADMSG, 0},
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                json_t *root = json_loads(cases[i].body, JSON_DECODE_ANY, NULL);
                int64_t n = -42;
                assert_non_null(root);
                assert_int_equal(fl_temporal_wire_parse_count(root, &n), cases[i].ret);
                assert_int_equal(n, cases[i].ret == 0 ? cases[i].count : -42);
                json_decref(root);
        }
        json_t *one = load_data("count-1.json"), *zero = load_data("count-0.json");
        int64_t n;
        assert_int_equal(fl_temporal_wire_parse_count(one, &n), 0);
        assert_int_equal(n, 1);
        assert_int_equal(fl_temporal_wire_parse_count(zero, &n), 0);
        assert_int_equal(n, 0);
        json_decref(one);
        json_decref(zero);
}

static void check_execution(const struct fl_temporal_execution *e, enum fl_temporal_status status,
        int64_t start, int64_t close) {
        assert_string_equal(e->workflow_id, "fl-wire-1");
        assert_string_equal(e->run_id, "01a21b30-fe90-7390-be2b-ef5f3f5eed70");
        assert_string_equal(e->workflow_type, "DiskRemediation");
        assert_string_equal(e->task_queue, "node/node-17");
        assert_int_equal(e->status, status);
        assert_int_equal(e->start_time_usec, start);
        assert_int_equal(e->close_time_usec, close);
        assert_string_equal(e->search_attributes.node, "node-17");
        assert_string_equal(e->search_attributes.node_type, "storage");
        assert_string_equal(e->search_attributes.datacenter, "ams01");
        assert_string_equal(e->search_attributes.rule, "disk-io-errors");
        assert_null(e->search_attributes.workflow); /* not in this recorded answer */
        assert_json_eq(e->all_search_attributes,
                "{\"FaultlineNode\": \"node-17\", \"FaultlineNodeType\": \"storage\","
                " \"FaultlineDatacenter\": \"ams01\", \"FaultlineRule\": \"disk-io-errors\"}");
        assert_json_eq(e->memo, "{\"trigger\": {\"idempotency_key\": \"k1\", \"node\": "
                                "\"node-17\", \"rule\": \"disk-io-errors\"}}");
}

static void test_parse_list_describe(void **state) {
        static const struct {
                const char *file;
                bool list;
                enum fl_temporal_status status;
                int64_t close;
        } cases[] = {
                {"list.json", true, FL_TEMPORAL_STATUS_RUNNING, 0},
                {"list-terminated.json", true, FL_TEMPORAL_STATUS_TERMINATED, 1795752526601876},
                {"describe-running.json", false, FL_TEMPORAL_STATUS_RUNNING, 0},
                {"describe-terminated.json", false, FL_TEMPORAL_STATUS_TERMINATED,
                        1795752526601876},
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                json_t *root = load_data(cases[i].file);
                if (cases[i].list) {
                        struct fl_temporal_execution *v = NULL;
                        const char *token = "untouched";
                        size_t n = 0;
                        assert_int_equal(fl_temporal_wire_parse_list(root, &v, &n, &token), 0);
                        assert_int_equal(n, 1);
                        assert_null(token);
                        check_execution(&v[0], cases[i].status, 1795752525456234, cases[i].close);
                        fl_temporal_wire_execution_done(&v[0]);
                        free(v);
                } else {
                        struct fl_temporal_execution e = {};
                        assert_int_equal(fl_temporal_wire_parse_describe(root, &e), 0);
                        check_execution(&e, cases[i].status, 1795752525456234, cases[i].close);
                        fl_temporal_wire_execution_done(&e);
                }
                json_decref(root);
        }
}

static void test_parse_list_edges(void **state) {
        static const struct {
                const char *body;
                int ret;
                size_t n;
                const char *token;
        } cases[] = {
                {"{}", 0, 0, NULL},
                {"{\"executions\": [], \"nextPageToken\": \"\"}", 0, 0, NULL},
                {"{\"executions\": [{\"execution\": {\"workflowId\": \"a\", \"runId\": \"r\"}}],"
                 " \"nextPageToken\": \"eyJ9\"}",
                        0, 1, "eyJ9"},
                {"{\"executions\": {}}", -EBADMSG, 0, NULL},
                {"{\"executions\": [{\"execution\": {\"workflowId\": \"a\"}}]}", -EBADMSG, 0, NULL},
                {"{\"executions\": [{\"execution\": {\"workflowId\": \"a\", \"runId\": \"r\"}},"
                 " {\"execution\": {\"workflowId\": \"b\", \"runId\": \"r\"},"
                 " \"startTime\": \"yesterday\"}]}",
                        -EBADMSG, 0, NULL},
                {"[]", -EBADMSG, 0, NULL},
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                json_t *root = json_loads(cases[i].body, JSON_DECODE_ANY, NULL);
                struct fl_temporal_execution *v = NULL;
                const char *token = "untouched";
                size_t n = 99;
                assert_non_null(root);
                assert_int_equal(fl_temporal_wire_parse_list(root, &v, &n, &token), cases[i].ret);
                if (cases[i].ret < 0) {
                        assert_null(v);
                        assert_int_equal(n, 99);
                        assert_string_equal(token, "untouched");
                } else {
                        assert_int_equal(n, cases[i].n);
                        if (cases[i].token)
                                assert_string_equal(token, cases[i].token);
                        else
                                assert_null(token);
                        if (n > 0) {
                                assert_null(v[0].workflow_type);
                                assert_int_equal(v[0].status, FL_TEMPORAL_STATUS_UNSPECIFIED);
                                assert_null(v[0].search_attributes.node);
                                assert_int_equal(json_object_size(v[0].memo), 0);
                        }
                        for (size_t k = 0; k < n; k++)
                                fl_temporal_wire_execution_done(&v[k]);
                        free(v);
                }
                json_decref(root);
        }

        json_t *root = json_loads("{\"other\": 1}", 0, NULL);
        struct fl_temporal_execution e = {.workflow_id = "untouched"};
        assert_int_equal(fl_temporal_wire_parse_describe(root, &e), -EBADMSG);
        assert_string_equal(e.workflow_id, "untouched");
        fl_temporal_wire_execution_done(NULL);
        json_decref(root);
}

static void test_decode_payload(void **state) {
        static const struct {
                const char *payload;
                int ret;
                const char *value;
        } cases[] = {
                /* shorthand */
                {"\"node-17\"", 0, "\"node-17\""},
                {"{\"a\": [1, 2]}", 0, "{\"a\": [1, 2]}"},
                {"{\"metadata\": 1, \"data\": 2}", 0, "{\"metadata\": 1, \"data\": 2}"},
                /* full: json/plain "node-17" with type Keyword */
                {"{\"metadata\": {\"encoding\": \"anNvbi9wbGFpbg==\", \"type\": \"S2V5d29yZA==\"},"
                 " \"data\": \"Im5vZGUtMTci\"}",
                        0, "\"node-17\""},
                /* full: json/plain {"k":1} (no padding) and 1 (two '=') */
                {"{\"metadata\": {\"encoding\": \"anNvbi9wbGFpbg==\"}, \"data\": \"eyJrIjoxfQ==\"}",
                        0, "{\"k\": 1}"},
                {"{\"metadata\": {\"encoding\": \"anNvbi9wbGFpbg==\"}, \"data\": \"MTI=\"}", 0,
                        "12"},
                /* binary/null */
                {"{\"metadata\": {\"encoding\": \"YmluYXJ5L251bGw=\"}}", 0, "null"},
                /* binary/plain: not JSON */
                {"{\"metadata\": {\"encoding\": \"YmluYXJ5L3BsYWlu\"}, \"data\": \"AAE=\"}",
                        -EOPNOTSUPP, NULL},
                {"{\"metadata\": {}, \"data\": \"MTI=\"}", -EOPNOTSUPP, NULL},
                /* malformed */
                {"{\"metadata\": {\"encoding\": \"anNvbi9wbGFpbg==\"}, \"data\": \"e30\"}",
                        -EBADMSG, NULL},
                {"{\"metadata\": {\"encoding\": \"anNvbi9wbGFpbg==\"}, \"data\": \"!!!!\"}",
                        -EBADMSG, NULL},
                {"{\"metadata\": {\"encoding\": \"anNvbi9wbGFpbg==\"}, \"data\": \"bm90IGpzb24=\"}",
                        -EBADMSG, NULL},
                {"{\"metadata\": {\"encoding\": \"anNvbi9wbGFpbg==\"}, \"data\": 5}", -EBADMSG,
                        NULL},
                {"{\"metadata\": {\"encoding\": \"AGE=\"}, \"data\": \"MTI=\"}", -EBADMSG, NULL},
                {"{\"metadata\": {\"encoding\": \"anNvbi9wbGFpbg==\"}}", -EBADMSG, NULL},
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                json_t *p = json_loads(cases[i].payload, JSON_DECODE_ANY, NULL);
                json_t *v = (json_t *) 0x1;
                int r;
                assert_non_null(p);
                r = fl_temporal_wire_decode_payload(p, &v);
                if (r != cases[i].ret)
                        fail_msg("payload %zu: %d, want %d", i, r, cases[i].ret);
                if (r == 0) {
                        assert_json_eq(v, cases[i].value);
                        json_decref(v);
                } else
                        assert_ptr_equal(v, (json_t *) 0x1);
                json_decref(p);
        }
        json_t *v;
        assert_int_equal(fl_temporal_wire_decode_payload(NULL, &v), -EBADMSG);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_time),
                cmocka_unit_test(test_format_time),
                cmocka_unit_test(test_query_quote),
                cmocka_unit_test(test_names),
                cmocka_unit_test(test_start_body),
                cmocka_unit_test(test_check_start),
                cmocka_unit_test(test_terminate_body),
                cmocka_unit_test(test_urls),
                cmocka_unit_test(test_uuid),
                cmocka_unit_test(test_errno_mapping),
                cmocka_unit_test(test_parse_status),
                cmocka_unit_test(test_parse_start),
                cmocka_unit_test(test_parse_count),
                cmocka_unit_test(test_parse_list_describe),
                cmocka_unit_test(test_parse_list_edges),
                cmocka_unit_test(test_decode_payload),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
