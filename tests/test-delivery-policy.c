/* SPDX-License-Identifier: Apache-2.0 */
/* The delivery policy (agent/delivery_policy.h): every kind of coordinator
 * answer against its verdict, Retry-After in both forms, the backoff
 * bounds and jitter. */
#include "delivery_policy.h"
#include "fl_test.h"
#include "macro.h"

#include <errno.h>
#include <inttypes.h>
#include <string.h>

#define SEC UINT64_C(1000000)

/* 2026-11-27T03:58:00Z */
#define NOW ((time_t) 1795751880)

struct answer_case {
        const char *name;
        int status;
        const char *body;
        const char *retry_after;
        enum fl_delivery_verdict verdict;
        enum fl_answer_decision decision;
        const char *summary;
        uint64_t retry_after_usec;
};

static const struct answer_case answers[] = {
        {"started", 202,
                "{\"decision\":\"started\",\"workflow_id\":\"fl-0123\",\"run_id\":\"r-1\","
                "\"task_queue\":\"node/node-a\"}",
                NULL, FL_DELIVERY_DECIDED, FL_ANSWER_STARTED, "http 202 started", 0},
        {"duplicate", 200, "{\"decision\":\"duplicate\",\"workflow_id\":\"fl-0123\"}", NULL,
                FL_DELIVERY_DECIDED, FL_ANSWER_DUPLICATE, "http 200 duplicate", 0},
        {"dry run", 200, "{\"decision\":\"dry_run\",\"would\":\"started\"}", NULL,
                FL_DELIVERY_DECIDED, FL_ANSWER_DRY_RUN, "http 200 dry_run", 0},
        {"rejected", 409,
                "{\"decision\":\"rejected\",\"constraint\":\"max-3-per-day\","
                "\"reason\":\"3 of 3 in 24h\"}",
                NULL, FL_DELIVERY_DECIDED, FL_ANSWER_REJECTED, "http 409 rejected", 0},
        {"deferred", 503, "{\"decision\":\"deferred\",\"reason\":\"paused\"}", "120",
                FL_DELIVERY_RETRY, FL_ANSWER_DEFERRED, "http 503 deferred", 120 * SEC},
        {"deferred without Retry-After", 503, "{\"decision\":\"deferred\"}", NULL,
                FL_DELIVERY_RETRY, FL_ANSWER_DEFERRED, "http 503 deferred", 0},
        {"temporal unavailable", 503,
                "{\"error\":\"temporal_unavailable\",\"message\":\"connect refused\"}", "5",
                FL_DELIVERY_UNAVAILABLE, FL_ANSWER_NONE, "http 503 temporal_unavailable", 5 * SEC},
        {"overloaded", 429, "{\"error\":\"overloaded\",\"message\":\"slow down\"}",
                "Fri, 27 Nov 2026 03:58:30 GMT", FL_DELIVERY_UNAVAILABLE, FL_ANSWER_NONE,
                "http 429 overloaded", 30 * SEC},
        {"internal error", 500, "{\"error\":\"internal\",\"message\":\"out of memory\"}", NULL,
                FL_DELIVERY_UNAVAILABLE, FL_ANSWER_NONE, "http 500 internal", 0},
        {"bad gateway, html", 502, "<html>bad gateway</html>", NULL, FL_DELIVERY_UNAVAILABLE,
                FL_ANSWER_NONE, "http 502", 0},
        {"request timeout", 408, NULL, NULL, FL_DELIVERY_UNAVAILABLE, FL_ANSWER_NONE, "http 408",
                0},
        {"malformed", 400, "{\"error\":\"bad_request\",\"message\":\"no node\"}", NULL,
                FL_DELIVERY_OPERATOR, FL_ANSWER_NONE, "http 400 bad_request", 0},
        {"bad signature", 401, "{\"error\":\"unknown_key\",\"message\":\"keyid node-x\"}", NULL,
                FL_DELIVERY_OPERATOR, FL_ANSWER_NONE, "http 401 unknown_key", 0},
        {"forbidden", 403, "{\"error\":\"forbidden\",\"message\":\"acl\"}", NULL,
                FL_DELIVERY_OPERATOR, FL_ANSWER_NONE, "http 403 forbidden", 0},
        {"unknown workflow", 404, "{\"error\":\"unknown_workflow\",\"message\":\"x\"}", NULL,
                FL_DELIVERY_OPERATOR, FL_ANSWER_NONE, "http 404 unknown_workflow", 0},
        {"too large", 413, "{\"error\":\"too_large\"}", NULL, FL_DELIVERY_OPERATOR, FL_ANSWER_NONE,
                "http 413 too_large", 0},
        {"method not allowed", 405, "", NULL, FL_DELIVERY_OPERATOR, FL_ANSWER_NONE, "http 405", 0},
        {"redirect", 301, NULL, NULL, FL_DELIVERY_OPERATOR, FL_ANSWER_NONE, "http 301", 0},
        /* Something else answered: not a decision, so the record stays. */
        {"2xx without decision", 200, "{\"ok\":true}", NULL, FL_DELIVERY_OPERATOR, FL_ANSWER_NONE,
                "http 200", 0},
        {"2xx, unknown decision", 202, "{\"decision\":\"maybe\"}", NULL, FL_DELIVERY_OPERATOR,
                FL_ANSWER_NONE, "http 202", 0},
        {"2xx, decision not a string", 202, "{\"decision\":1}", NULL, FL_DELIVERY_OPERATOR,
                FL_ANSWER_NONE, "http 202", 0},
        {"2xx, not json", 200, "hello", NULL, FL_DELIVERY_OPERATOR, FL_ANSWER_NONE, "http 200", 0},
        {"409 without rejected", 409, "{\"error\":\"conflict\"}", NULL, FL_DELIVERY_OPERATOR,
                FL_ANSWER_NONE, "http 409 conflict", 0},
        {"deferred decides over the status", 200, "{\"decision\":\"deferred\"}", "1",
                FL_DELIVERY_RETRY, FL_ANSWER_DEFERRED, "http 200 deferred", 1 * SEC},
        {"a decision with a 5xx is no decision", 500, "{\"decision\":\"started\"}", NULL,
                FL_DELIVERY_UNAVAILABLE, FL_ANSWER_STARTED, "http 500 started", 0},
        {"malformed Retry-After is ignored", 429, NULL, "soon", FL_DELIVERY_UNAVAILABLE,
                FL_ANSWER_NONE, "http 429", 0},
        {"huge Retry-After is capped", 503, "{\"decision\":\"deferred\"}", "99999999999999999999",
                FL_DELIVERY_RETRY, FL_ANSWER_DEFERRED, "http 503 deferred",
                FL_DELIVERY_RETRY_AFTER_MAX_USEC},
};

static void check_answer(const struct answer_case *c) {
        struct fl_delivery_answer a = {};
        char summary[128];

        assert_int_equal(fl_delivery_answer_parse(c->status, c->body, c->body ? strlen(c->body) : 0,
                                 c->retry_after, NOW, &a),
                0);
        if (a.verdict != c->verdict || a.decision != c->decision)
                fail_msg("%s: verdict %s decision %s, expected %s %s", c->name,
                        fl_delivery_verdict_to_string(a.verdict),
                        fl_answer_decision_to_string(a.decision),
                        fl_delivery_verdict_to_string(c->verdict),
                        fl_answer_decision_to_string(c->decision));
        fl_delivery_answer_summary(&a, summary, sizeof(summary));
        if (strcmp(summary, c->summary) != 0)
                fail_msg("%s: summary \"%s\", expected \"%s\"", c->name, summary, c->summary);
        if (a.retry_after_usec != c->retry_after_usec)
                fail_msg("%s: retry after %" PRIu64 ", expected %" PRIu64, c->name,
                        a.retry_after_usec, c->retry_after_usec);
        assert_int_equal(a.http_status, c->status);
        fl_delivery_answer_done(&a);
        assert_null(a.workflow_id);
}

static void test_answers(void **state) {
        for (size_t i = 0; i < ELEMENTSOF(answers); i++)
                check_answer(&answers[i]);
}

static void test_answer_members(void **state) {
        struct fl_delivery_answer a = {};
        char big[2000], body[2200];

        const char *started = "{\"decision\":\"started\",\"workflow_id\":\"fl-abc\","
                              "\"run_id\":\"run-1\",\"task_queue\":\"node/n1\"}";
        assert_int_equal(fl_delivery_answer_parse(202, started, strlen(started), NULL, NOW, &a), 0);
        assert_string_equal(a.workflow_id, "fl-abc");
        assert_string_equal(a.run_id, "run-1");
        assert_string_equal(a.task_queue, "node/n1");
        assert_null(a.error);
        fl_delivery_answer_done(&a);

        const char *rejected = "{\"decision\":\"rejected\",\"constraint\":\"c1\","
                               "\"reason\":\"too many\",\"workflow_id\":7}";
        assert_int_equal(
                fl_delivery_answer_parse(409, rejected, strlen(rejected), NULL, NOW, &a), 0);
        assert_string_equal(a.constraint, "c1");
        assert_string_equal(a.reason, "too many");
        assert_null(a.workflow_id); /* wrong type: dropped */
        fl_delivery_answer_done(&a);

        /* The coordinator's shape: an object, kept as its journal label. */
        const char *object = "{\"decision\":\"rejected\",\"constraint\":{\"kind\":\"maxExecution\","
                             "\"value\":1,\"period\":\"1h\",\"scope\":\"node\","
                             "\"file\":\"/etc/faultline/workflows.d/d.hcl\",\"line\":14}}";
        assert_int_equal(fl_delivery_answer_parse(409, object, strlen(object), NULL, NOW, &a), 0);
        assert_string_equal(
                a.constraint, "maxExecution 1/1h per node (/etc/faultline/workflows.d/d.hcl:14)");
        assert_int_equal(a.verdict, FL_DELIVERY_DECIDED);
        fl_delivery_answer_done(&a);
        const char *partial = "{\"decision\":\"rejected\",\"constraint\":{\"kind\":\"x\","
                              "\"value\":\"1\"}}";
        assert_int_equal(fl_delivery_answer_parse(409, partial, strlen(partial), NULL, NOW, &a), 0);
        assert_string_equal(a.constraint, "{\"kind\":\"x\",\"value\":\"1\"}");
        fl_delivery_answer_done(&a);

        /* A peer-controlled string is cut at the cap. */
        memset(big, 'x', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        snprintf(body, sizeof(body), "{\"error\":\"bad_request\",\"message\":\"%s\"}", big);
        assert_int_equal(fl_delivery_answer_parse(400, body, strlen(body), NULL, NOW, &a), 0);
        assert_int_equal(strlen(a.message), FL_DELIVERY_ANSWER_FIELD_MAX);
        fl_delivery_answer_done(&a);

        fl_delivery_answer_none(&a);
        assert_int_equal(a.verdict, FL_DELIVERY_UNAVAILABLE);
        assert_int_equal(a.http_status, 0);
        char summary[32];
        fl_delivery_answer_summary(&a, summary, sizeof(summary));
        assert_string_equal(summary, "no answer");
        fl_delivery_answer_done(&a);
}

struct retry_after_case {
        const char *value;
        int r;
        uint64_t usec;
};

static const struct retry_after_case retry_afters[] = {
        {"0", 0, 0},
        {"120", 0, 120 * SEC},
        {" 7 ", 0, 7 * SEC},
        {"3600", 0, 3600 * SEC},
        {"3601", 0, FL_DELIVERY_RETRY_AFTER_MAX_USEC},
        {"Fri, 27 Nov 2026 03:59:00 GMT", 0, 60 * SEC},
        {"Fri, 27 Nov 2026 03:57:00 GMT", 0, 0}, /* in the past */
        {"Fri, 27 Nov 2027 03:57:00 GMT", 0, FL_DELIVERY_RETRY_AFTER_MAX_USEC},
        {"", -EINVAL, 0},
        {"-5", -EINVAL, 0},
        {"12s", -EINVAL, 0},
        {"1.5", -EINVAL, 0},
        {"Friday, 27-Nov-26 03:59:00 GMT", -EINVAL, 0}, /* obsolete RFC 850 form */
        {"Fri, 27 Nov 2026 03:59:00 UTC", -EINVAL, 0},
        {"Fri, 27 Nov 2026 03:59:00 GMT trailing", -EINVAL, 0},
};

static void test_retry_after(void **state) {
        for (size_t i = 0; i < ELEMENTSOF(retry_afters); i++) {
                const struct retry_after_case *c = &retry_afters[i];
                uint64_t usec = 424242;
                int r = fl_delivery_parse_retry_after(c->value, NOW, &usec);

                if (r != c->r)
                        fail_msg("\"%s\": %d, expected %d", c->value, r, c->r);
                if (r == 0 && usec != c->usec)
                        fail_msg("\"%s\": %" PRIu64 " us, expected %" PRIu64, c->value, usec,
                                c->usec);
                if (r < 0 && usec != 424242)
                        fail_msg("\"%s\": output touched on failure", c->value);
        }
}

struct backoff_case {
        uint64_t initial, max;
        unsigned failures;
        uint64_t retry_after;
        uint64_t lo, hi; /* the delay lies in [lo, hi] whatever the randomness */
};

static const struct backoff_case backoffs[] = {
        {1 * SEC, 300 * SEC, 1, 0, SEC / 2, 1 * SEC},
        {1 * SEC, 300 * SEC, 2, 0, 1 * SEC, 2 * SEC},
        {1 * SEC, 300 * SEC, 3, 0, 2 * SEC, 4 * SEC},
        {1 * SEC, 300 * SEC, 9, 0, 128 * SEC, 256 * SEC},
        {1 * SEC, 300 * SEC, 10, 0, 150 * SEC, 300 * SEC}, /* capped at max */
        {1 * SEC, 300 * SEC, 4000000000u, 0, 150 * SEC, 300 * SEC},
        {5 * SEC, 5 * SEC, 1, 0, 2500000, 5 * SEC},
        {5 * SEC, 5 * SEC, 7, 0, 2500000, 5 * SEC},
        /* Retry-After lengthens, never shortens. */
        {1 * SEC, 300 * SEC, 1, 60 * SEC, 60 * SEC, 60 * SEC},
        {1 * SEC, 300 * SEC, 10, 1 * SEC, 150 * SEC, 300 * SEC},
        {1 * SEC, 300 * SEC, 1, 10 * 3600 * SEC, FL_DELIVERY_RETRY_AFTER_MAX_USEC,
                FL_DELIVERY_RETRY_AFTER_MAX_USEC},
        {UINT64_MAX / 4, UINT64_MAX, 100, 0, UINT64_MAX / 2, UINT64_MAX},
};

static void test_backoff(void **state) {
        const uint64_t randoms[] = {0, 1, 12345, UINT64_MAX / 3, UINT64_MAX - 1, UINT64_MAX};

        for (size_t i = 0; i < ELEMENTSOF(backoffs); i++) {
                const struct backoff_case *c = &backoffs[i];
                struct fl_delivery_backoff b = {.initial_usec = c->initial, .max_usec = c->max};
                uint64_t seen_lo = UINT64_MAX, seen_hi = 0;

                for (size_t k = 0; k < ELEMENTSOF(randoms); k++) {
                        uint64_t d = fl_delivery_backoff_delay(
                                &b, c->failures, randoms[k], c->retry_after);
                        if (d < c->lo || d > c->hi)
                                fail_msg("case %zu, random %" PRIu64 ": %" PRIu64
                                         " not in [%" PRIu64 ", %" PRIu64 "]",
                                        i, randoms[k], d, c->lo, c->hi);
                        seen_lo = d < seen_lo ? d : seen_lo;
                        seen_hi = d > seen_hi ? d : seen_hi;
                }
                /* Jitter really spreads the delays (unless Retry-After rules). */
                if (c->lo != c->hi && seen_lo == seen_hi)
                        fail_msg("case %zu: no jitter", i);
        }
}

static void test_names(void **state) {
        assert_string_equal(fl_answer_decision_to_string(FL_ANSWER_DRY_RUN), "dry_run");
        assert_string_equal(fl_answer_decision_to_string(_FL_ANSWER_DECISION_MAX), "none");
        assert_string_equal(fl_delivery_verdict_to_string(FL_DELIVERY_OPERATOR), "operator");
        assert_string_equal(fl_delivery_verdict_to_string(_FL_DELIVERY_VERDICT_MAX), "unknown");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_answers),
                cmocka_unit_test(test_answer_members),
                cmocka_unit_test(test_retry_after),
                cmocka_unit_test(test_backoff),
                cmocka_unit_test(test_names),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
