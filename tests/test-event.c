/* SPDX-License-Identifier: Apache-2.0 */
#include "fl_test.h"

#include <errno.h>
#include <string.h>

#include "event.h"
#include "macro.h"

static void test_source_strings(void **state) {
        static const struct {
                enum fl_source source;
                const char *name;
        } cases[] = {
                {FL_SOURCE_BPF, "bpf"},
                {FL_SOURCE_SYSFS, "sysfs"},
                {FL_SOURCE_JOURNAL, "journal"},
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                assert_string_equal(fl_source_to_string(cases[i].source), cases[i].name);
                assert_int_equal(fl_source_from_string(cases[i].name), cases[i].source);
        }
}

static void test_source_errors(void **state) {
        static const char *const bad[] = {"", "BPF", "bpf ", "kmsg"};

        assert_null(fl_source_to_string(_FL_SOURCE_MAX));
        assert_null(fl_source_to_string((enum fl_source) - 1));
        assert_int_equal(fl_source_from_string(NULL), -EINVAL);
        for (size_t i = 0; i < ELEMENTSOF(bad); i++)
                assert_int_equal(fl_source_from_string(bad[i]), -EINVAL);
}

static void test_event_field(void **state) {
        struct fl_event ev = {
                .kind = "block_rq_error",
                .fields = {{"dev", "7:0"}, {"disk", "loop0"}, {"sector", "100"}},
                .n_fields = 3,
        };

        assert_string_equal(fl_event_field(&ev, "dev"), "7:0");
        assert_string_equal(fl_event_field(&ev, "sector"), "100");
        assert_null(fl_event_field(&ev, "error"));
        /* Only the first n_fields count. */
        ev.n_fields = 1;
        assert_null(fl_event_field(&ev, "disk"));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_source_strings),
                cmocka_unit_test(test_source_errors),
                cmocka_unit_test(test_event_field),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
