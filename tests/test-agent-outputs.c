/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the agent writes, without a journald: the POST /v1/triggers body,
 * RFC 3339 timestamps, journal field names made from event fields, the
 * latency histogram and its Prometheus text, and the textfile writer
 * (atomic, only when changed).
 */
#include "fl_test.h"
#include "journal_entry.h"
#include "macro.h"
#include "prom.h"
#include "trigger.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

static void test_trigger_body(void **state) {
        json_auto_t *params = json_pack("{s:s, s:s}", "device", "/dev/loop0", "sector", "1000");
        json_auto_t *event =
                json_pack("{s:s, s:s, s:i}", "kind", "block_rq_error", "disk", "loop0", "count", 1);
        struct fl_trigger t = {
                .node = "node-17",
                .workflow = "disk-io-error",
                .rule = "disk-io-errors",
                .key = "loop0",
                .idempotency_key = "5f0c3b1e9a7d4c2e8b6a1f0d3c5e7a9b",
                .params = params,
                .event = event,
                .observed_at_usec = UINT64_C(1764215880123456),
        };
        _cleanup_free_ char *body = NULL;

        assert_int_equal(fl_trigger_to_json(&t, &body), 0);
        assert_string_equal(body,
                "{\"node\":\"node-17\",\"workflow\":\"disk-io-error\",\"rule\":\"disk-io-errors\","
                "\"idempotency_key\":\"5f0c3b1e9a7d4c2e8b6a1f0d3c5e7a9b\","
                "\"params\":{\"device\":\"/dev/loop0\",\"sector\":\"1000\"},"
                "\"event\":{\"kind\":\"block_rq_error\",\"disk\":\"loop0\",\"count\":1},"
                "\"observed_at\":\"2025-11-27T03:58:00.123456Z\",\"dry_run\":false}");
        /* The trigger keeps its own references. */
        assert_int_equal(params->refcount, 1);
        assert_int_equal(event->refcount, 1);
}

static void test_trigger_defaults_and_errors(void **state) {
        struct fl_trigger t = {
                .node = "n", .workflow = "w", .rule = "r", .idempotency_key = "k", .dry_run = true};
        json_auto_t *array = json_array();
        _cleanup_free_ char *body = NULL;
        char *none = NULL;

        assert_int_equal(fl_trigger_to_json(&t, &body), 0);
        assert_string_equal(body,
                "{\"node\":\"n\",\"workflow\":\"w\",\"rule\":\"r\","
                "\"idempotency_key\":\"k\",\"params\":{},\"event\":{},"
                "\"observed_at\":\"1970-01-01T00:00:00.000000Z\",\"dry_run\":true}");
        t.workflow = NULL;
        assert_int_equal(fl_trigger_to_json(&t, &none), -EINVAL);
        t.workflow = "w";
        t.params = array;
        assert_int_equal(fl_trigger_to_json(&t, &none), -EINVAL);
        t.params = NULL;
        t.event = array;
        assert_int_equal(fl_trigger_to_json(&t, &none), -EINVAL);
        t.event = NULL;
        t.observed_at_usec = UINT64_MAX;
        assert_int_equal(fl_trigger_to_json(&t, &none), -ERANGE);
        assert_null(none);
}

static void test_timestamp(void **state) {
        char buf[FL_TIMESTAMP_MAX];

        assert_int_equal(fl_format_timestamp(0, buf), 0);
        assert_string_equal(buf, "1970-01-01T00:00:00.000000Z");
        assert_int_equal(fl_format_timestamp(UINT64_C(951782400000001), buf), 0);
        assert_string_equal(buf, "2000-02-29T00:00:00.000001Z");
        assert_int_equal(fl_format_timestamp(UINT64_C(253402300799999999), buf), 0);
        assert_string_equal(buf, "9999-12-31T23:59:59.999999Z");
        assert_int_equal(fl_format_timestamp(UINT64_C(253402300800000000), buf), -ERANGE);
}

static void test_field_names(void **state) {
        static const struct {
                const char *prefix, *name, *want; /* NULL: -EINVAL */
        } cases[] = {
                {"FAULTLINE_EVENT_", "sector", "FAULTLINE_EVENT_SECTOR"},
                {"FAULTLINE_EVENT_", "_BOOT_ID", "FAULTLINE_EVENT_BOOT_ID"},
                {"FAULTLINE_EVENT_", "dimm-label.x", "FAULTLINE_EVENT_DIMM_LABEL_X"},
                {"FAULTLINE_EVENT_", "", "FAULTLINE_EVENT_"},
                {"", "_x", "X"},
                {"", "9lives", NULL},
                {"", "___", NULL},
                {"FAULTLINE_EVENT_", "a_very_long_field_name_that_goes_on_and_on_beyond", NULL},
                {"FAULTLINE_EVENT_", "a_very_long_field_name_that_goes_on_and_on_b",
                        "FAULTLINE_EVENT_A_VERY_LONG_FIELD_NAME_THAT_GOES_ON_AND_ON_B"},
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                char buf[FL_JENTRY_NAME_MAX + 1];
                int r = fl_jentry_field_name(cases[i].prefix, cases[i].name, buf, sizeof(buf));

                if (!cases[i].want) {
                        if (r != -EINVAL)
                                fail_msg("case %zu: %s accepted as %s", i, cases[i].name, buf);
                        continue;
                }
                if (r != 0 || strcmp(buf, cases[i].want) != 0)
                        fail_msg("case %zu: %d %s", i, r, r == 0 ? buf : "");
        }
}

static void test_jentry_caps(void **state) {
        struct fl_jentry e;

        fl_jentry_init(&e, "6632a8aceeb644e694deb16df5e2a554", 4, "faultline-agent");
        assert_int_equal(e.n, 3);
        assert_memory_equal(e.iov[1].iov_base, "PRIORITY=4", e.iov[1].iov_len);
        fl_jentry_add(&e, "lower", "x");
        assert_int_equal(e.error, -EINVAL);
        assert_int_equal(e.n, 3);
        for (int i = 0; i < FL_JENTRY_FIELDS_MAX + 5; i++)
                fl_jentry_add(&e, "FAULTLINE_X", "%d", i);
        assert_int_equal(e.n, FL_JENTRY_FIELDS_MAX);
        assert_true(e.truncated);
        fl_jentry_done(&e);
        assert_int_equal(e.n, 0);
}

static void test_histogram(void **state) {
        struct fl_histogram h = {};

        assert_true(fl_histogram_quantile(&h, 0.99) == 0);
        fl_histogram_observe(&h, 0);
        fl_histogram_observe(&h, 5);
        fl_histogram_observe(&h, 6);
        fl_histogram_observe(&h, 200);
        fl_histogram_observe(&h, 201);
        fl_histogram_observe(&h, 20000000);
        assert_int_equal(h.buckets[0], 2);
        assert_int_equal(h.buckets[1], 1);
        assert_int_equal(h.buckets[12], 1); /* le 200 */
        assert_int_equal(h.buckets[13], 1); /* le 250 */
        assert_int_equal(h.buckets[FL_HISTOGRAM_BUCKETS], 1);
        assert_int_equal(h.count, 6);
        assert_int_equal(h.sum, 0 + 5 + 6 + 200 + 201 + 20000000);
        assert_int_equal(fl_histogram_bound(12), 200);
        assert_int_equal(fl_histogram_bound(FL_HISTOGRAM_BUCKETS), UINT64_MAX);

        /* 100 observations of 50 us, then one slow one: p50 inside (40,50],
         * p99 at the bucket's top, p100 beyond every bound. */
        h = (struct fl_histogram){};
        for (int i = 0; i < 100; i++)
                fl_histogram_observe(&h, 50);
        fl_histogram_observe(&h, 300);
        assert_true(fabs(fl_histogram_quantile(&h, 0.5) - (40 + 10 * 50.5 / 100)) < 1e-9);
        assert_true(fabs(fl_histogram_quantile(&h, 0.99) - (40 + 10 * 99.99 / 100)) < 1e-9);
        assert_true(fabs(fl_histogram_quantile(&h, 1.0) - 300) < 1e-9);
        fl_histogram_observe(&h, UINT64_C(100000000));
        assert_true(fabs(fl_histogram_quantile(&h, 1.0) - 10000000) < 1e-9);
}

static char *render(void (*fn)(FILE *f, void *ud), void *ud) {
        char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);

        assert_non_null(f);
        fn(f, ud);
        assert_int_equal(fclose(f), 0);
        return text;
}

static void write_sample(FILE *f, void *ud) {
        struct fl_histogram *h = ud;

        fl_prom_header(f, "x_total", "counter", "Things.");
        fl_prom_sample(f, "x_total", NULL, 3);
        fl_prom_sample(f, "x_total", "rule=\"a\"", 4);
        fputs("y{rule=", f);
        fl_prom_label_value(f, "q\"b\\s\nx");
        fputs("} 1\n", f);
        fl_prom_histogram(f, "lat", "source=\"bpf\"", h);
        fl_prom_histogram(f, "plain", NULL, h);
}

static void test_prom_text(void **state) {
        struct fl_histogram h = {};
        _cleanup_free_ char *text = NULL;

        fl_histogram_observe(&h, 7);
        fl_histogram_observe(&h, 90);
        text = render(write_sample, &h);
        assert_non_null(strstr(text, "# HELP x_total Things.\n# TYPE x_total counter\n"
                                     "x_total 3\nx_total{rule=\"a\"} 4\n"));
        assert_non_null(strstr(text, "y{rule=\"q\\\"b\\\\s\\nx\"} 1\n"));
        assert_non_null(strstr(text, "lat_bucket{source=\"bpf\",le=\"5\"} 0\n"
                                     "lat_bucket{source=\"bpf\",le=\"10\"} 1\n"));
        assert_non_null(strstr(text, "lat_bucket{source=\"bpf\",le=\"100\"} 2\n"));
        assert_non_null(strstr(text, "lat_bucket{source=\"bpf\",le=\"+Inf\"} 2\n"
                                     "lat_sum{source=\"bpf\"} 97\nlat_count{source=\"bpf\"} 2\n"));
        assert_non_null(strstr(text, "plain_bucket{le=\"+Inf\"} 2\nplain_sum 97\nplain_count 2\n"));
}

static void test_textfile(void **state) {
        _cleanup_free_ char *dir = fl_test_mkdtemp(), *path = NULL, *data = NULL;
        _cleanup_(fl_textfile_freep) struct fl_textfile *t = NULL;
        struct stat st1, st2;

        assert_true(asprintf(&path, "%s/agent.prom", dir) > 0);
        assert_int_equal(fl_textfile_new(path, &t), 0);
        assert_int_equal(fl_textfile_update(t, "a 1\n", 4), 1);
        assert_int_equal(stat(path, &st1), 0);
        assert_int_equal(st1.st_mode & 0777, 0644);
        /* Same content: nothing written (same inode, the rename never happened). */
        assert_int_equal(fl_textfile_update(t, "a 1\n", 4), 0);
        assert_int_equal(stat(path, &st2), 0);
        assert_int_equal(st1.st_ino, st2.st_ino);
        assert_int_equal(fl_textfile_update(t, "a 2\n", 4), 1);
        assert_int_equal(stat(path, &st2), 0);
        assert_int_not_equal(st1.st_ino, st2.st_ino);
        data = fl_test_read_file(path, NULL);
        assert_string_equal(data, "a 2\n");
        fl_textfile_free(TAKE_PTR(t));

        /* A directory that does not exist: the error, and a retry later. */
        free(path);
        assert_true(asprintf(&path, "%s/missing/agent.prom", dir) > 0);
        assert_int_equal(fl_textfile_new(path, &t), 0);
        assert_int_equal(fl_textfile_update(t, "a 1\n", 4), -ENOENT);
        assert_int_equal(fl_textfile_update(t, "a 1\n", 4), -ENOENT);
        fl_test_rm_rf(dir);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_trigger_body),
                cmocka_unit_test(test_trigger_defaults_and_errors),
                cmocka_unit_test(test_timestamp),
                cmocka_unit_test(test_field_names),
                cmocka_unit_test(test_jentry_caps),
                cmocka_unit_test(test_histogram),
                cmocka_unit_test(test_prom_text),
                cmocka_unit_test(test_textfile),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
