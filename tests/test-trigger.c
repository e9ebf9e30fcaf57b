/* SPDX-License-Identifier: Apache-2.0 */
/* The POST /v1/triggers body: the agent's shape, and every refusal. */
#include "fl_test.h"
#include "macro.h"
#include "trigger.h"

#include <string.h>

static void test_agent_body(void **state) {
        static const char body[] =
                "{\"node\":\"node-17\",\"workflow\":\"disk-io-error\",\"rule\":\"disk-io-errors\","
                "\"idempotency_key\":\"5f0c3b1e9a7d4c2e8b6a1f0d3c5e7a9b\","
                "\"params\":{\"device\":\"/dev/loop0\",\"sector\":\"1000\"},"
                "\"event\":{\"source\":\"bpf\",\"count\":1,\"nested\":{\"a\":[1,2]}},"
                "\"observed_at\":\"2026-11-27T03:58:00.123456Z\",\"dry_run\":true,"
                "\"future_field\":{\"ignored\":true}}";
        struct fl_trigger_request t;
        char err[256] = "";

        assert_int_equal(fl_trigger_decode(body, strlen(body), &t, err, sizeof(err)), 0);
        assert_string_equal(t.node, "node-17");
        assert_string_equal(t.workflow, "disk-io-error");
        assert_string_equal(t.rule, "disk-io-errors");
        assert_string_equal(t.idempotency_key, "5f0c3b1e9a7d4c2e8b6a1f0d3c5e7a9b");
        assert_string_equal(json_string_value(json_object_get(t.params, "device")), "/dev/loop0");
        assert_int_equal(json_integer_value(json_object_get(t.event, "count")), 1);
        assert_string_equal(t.observed_at, "2026-11-27T03:58:00.123456Z");
        assert_int_equal(t.observed_at_usec, 1795751880123456LL);
        assert_true(t.dry_run);
        fl_trigger_request_done(&t);
        fl_trigger_request_done(&t); /* idempotent */

        /* Only the four required members; nulls are absent. */
        static const char minimal[] =
                "{\"node\":\"n\",\"workflow\":\"w\",\"rule\":\"edac:ue\",\"idempotency_key\":"
                "\"abcdefgh\",\"params\":null,\"event\":null,\"observed_at\":null,\"dry_run\":"
                "null}";
        assert_int_equal(fl_trigger_decode(minimal, strlen(minimal), &t, err, sizeof(err)), 0);
        assert_null(t.params);
        assert_null(t.event);
        assert_null(t.observed_at);
        assert_false(t.dry_run);
        fl_trigger_request_done(&t);
}

#define OK_FIELDS "\"workflow\":\"w\",\"rule\":\"r\",\"idempotency_key\":\"abcdefgh\""

static void test_refusals(void **state) {
        static const struct {
                const char *body;
                const char *message;
        } cases[] = {
                {"", "malformed JSON at line 1 column 0: '[' or '{' expected near end of file"},
                {"{\"node\":", "malformed JSON at line 1 column 8: unexpected token near end of "
                               "file"},
                {"[1]", "the body must be a JSON object, not an array"},
                {"\"x\"", "malformed JSON at line 1 column 3: '[' or '{' expected near '\"x\"'"},
                {"{\"node\":\"a\",\"node\":\"b\"," OK_FIELDS "}",
                        "malformed JSON at line 1 column 18: duplicate object key near '\"node\"'"},
                {"{" OK_FIELDS "}", "\"node\" is required"},
                {"{\"node\":null," OK_FIELDS "}", "\"node\" is required"},
                {"{\"node\":17," OK_FIELDS "}", "\"node\" must be a string, not a number"},
                {"{\"node\":\"a\\u0000b\"," OK_FIELDS "}",
                        "malformed JSON at line 1 column 18: \\u0000 is not allowed without "
                        "JSON_ALLOW_NUL near '\"a\\u0000b\"'"},
                {"{\"node\":\"node 17\"," OK_FIELDS "}",
                        "\"node\" must be 1 to 64 letters, digits, '.', '_' or '-', starting "
                        "with a letter or digit"},
                {"{\"node\":\"'; DROP\"," OK_FIELDS "}",
                        "\"node\" must be 1 to 64 letters, digits, '.', '_' or '-', starting "
                        "with a letter or digit"},
                {"{\"node\":\"n\",\"rule\":\"r\",\"idempotency_key\":\"abcdefgh\"}",
                        "\"workflow\" is required"},
                {"{\"node\":\"n\",\"workflow\":\"../x\",\"rule\":\"r\",\"idempotency_key\":"
                 "\"abcdefgh\"}",
                        "\"workflow\" must be 1 to 64 letters, digits, '.', '_' or '-', "
                        "starting with a letter or digit"},
                {"{\"node\":\"n\",\"workflow\":\"w\",\"rule\":[],\"idempotency_key\":"
                 "\"abcdefgh\"}",
                        "\"rule\" must be a string, not an array"},
                {"{\"node\":\"n\",\"workflow\":\"w\",\"rule\":\"a/b\",\"idempotency_key\":"
                 "\"abcdefgh\"}",
                        "\"rule\" must be 1 to 128 letters, digits, '.', '_', ':' or '-', "
                        "starting with a letter or digit"},
                {"{\"node\":\"n\",\"workflow\":\"w\",\"rule\":\"r\"}",
                        "\"idempotency_key\" is required"},
                {"{\"node\":\"n\",\"workflow\":\"w\",\"rule\":\"r\",\"idempotency_key\":"
                 "\"short\"}",
                        "\"idempotency_key\" must be 8 to 64 letters, digits, '.', '_' or '-'"},
                {"{\"node\":\"n\",\"workflow\":\"w\",\"rule\":\"r\",\"idempotency_key\":"
                 "\"a/b/c/d/e\"}",
                        "\"idempotency_key\" must be 8 to 64 letters, digits, '.', '_' or '-'"},
                {"{\"node\":\"n\"," OK_FIELDS ",\"params\":[]}",
                        "\"params\" must be an object, not an array"},
                {"{\"node\":\"n\"," OK_FIELDS ",\"params\":{\"a\":1}}",
                        "params.a must be a string, not a number"},
                {"{\"node\":\"n\"," OK_FIELDS ",\"params\":{\"\":\"x\"}}",
                        "a \"params\" key must be 1 to 128 bytes"},
                {"{\"node\":\"n\"," OK_FIELDS ",\"event\":\"disk\"}",
                        "\"event\" must be an object, not a string"},
                {"{\"node\":\"n\"," OK_FIELDS ",\"observed_at\":\"yesterday\"}",
                        "\"observed_at\" must be an RFC 3339 time such as "
                        "\"2026-11-27T03:58:00.123456Z\""},
                {"{\"node\":\"n\"," OK_FIELDS ",\"observed_at\":1795751880}",
                        "\"observed_at\" must be a string, not a number"},
                {"{\"node\":\"n\"," OK_FIELDS ",\"dry_run\":\"true\"}",
                        "\"dry_run\" must be a bool, not a string"},
                {"{\"node\":\"n\"," OK_FIELDS ",\"dry_run\":1}",
                        "\"dry_run\" must be a bool, not a number"},
                {"{\"node\":\"\xff\"," OK_FIELDS "}",
                        "malformed JSON at line 1 column 9: unable to decode byte 0xff near '\"'"},
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct fl_trigger_request t = {.node = "untouched"};
                char err[256] = "";
                int r = fl_trigger_decode(
                        cases[i].body, strlen(cases[i].body), &t, err, sizeof(err));

                if (r != -EINVAL || strcmp(err, cases[i].message) != 0)
                        fail_msg("case %zu %s: r=%d err=%s", i, cases[i].body, r, err);
                assert_string_equal(t.node, "untouched");
        }

        /* Caps. */
        struct fl_trigger_request t;
        char err[256] = "";
        _cleanup_free_ char *big = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&big, &len);
        fprintf(f, "{\"node\":\"n\"," OK_FIELDS ",\"params\":{");
        for (int i = 0; i < 257; i++)
                fprintf(f, "%s\"k%d\":\"v\"", i ? "," : "", i);
        fprintf(f, "}}");
        fclose(f);
        assert_int_equal(fl_trigger_decode(big, len, &t, err, sizeof(err)), -EINVAL);
        assert_string_equal(err, "\"params\" has more than 256 entries");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_agent_body),
                cmocka_unit_test(test_refusals),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
