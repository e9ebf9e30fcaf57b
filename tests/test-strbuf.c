/* SPDX-License-Identifier: Apache-2.0 */
/* lib/strbuf.c: growth, the size cap, truncation and handing over. */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fl_test.h"
#include "macro.h"
#include "strbuf.h"

static void test_append(void **state) {
        struct fl_strbuf sb = {};
        _cleanup_free_ char *s = NULL;

        assert_int_equal(fl_strbuf_append_str(&sb, "ab"), 0);
        assert_int_equal(fl_strbuf_append_char(&sb, 'c'), 0);
        assert_int_equal(fl_strbuf_appendf(&sb, "%d-%s", 42, "x"), 0);
        for (int i = 0; i < 1000; i++)
                assert_int_equal(fl_strbuf_append(&sb, "0123456789", 10), 0);
        assert_int_equal(sb.len, 10007);
        assert_int_equal(strncmp(sb.data, "abc42-x0123", 11), 0);
        assert_int_equal(sb.data[sb.len], '\0');
        fl_strbuf_truncate(&sb, 3);
        assert_string_equal(sb.data, "abc");
        fl_strbuf_truncate(&sb, 10); /* longer: no-op */
        assert_string_equal(sb.data, "abc");
        s = fl_strbuf_steal(&sb);
        assert_string_equal(s, "abc");
        assert_null(sb.data);
        assert_int_equal(sb.len, 0);
}

static void test_cap(void **state) {
        struct fl_strbuf sb = {.max_len = 8};
        char *p;

        assert_int_equal(fl_strbuf_append_str(&sb, "12345678"), 0);
        assert_int_equal(fl_strbuf_append_char(&sb, '9'), -E2BIG);
        assert_int_equal(fl_strbuf_appendf(&sb, "%s", "x"), -E2BIG);
        assert_int_equal(fl_strbuf_reserve(&sb, SIZE_MAX, &p), -E2BIG);
        assert_string_equal(sb.data, "12345678"); /* unchanged */
        fl_strbuf_done(&sb);
        assert_null(sb.data);
        fl_strbuf_done(&sb); /* twice is fine */
}

static void test_steal_empty(void **state) {
        struct fl_strbuf sb = {};
        _cleanup_free_ char *s = fl_strbuf_steal(&sb);

        assert_string_equal(s, "");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_append),
                cmocka_unit_test(test_cap),
                cmocka_unit_test(test_steal_empty),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
