/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lib/hash128 and the idempotency keys built on it. Expected values come
 * from the xxhsum tool (`printf 'abc' | xxhsum -H2`), an implementation
 * independent of the library call under test.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "hash128.h"
#include "idempotency.h"

static void hex(const uint8_t h[static FL_HASH128_SIZE], char out[static 2 * FL_HASH128_SIZE + 1]) {
        static const char digits[] = "0123456789abcdef";

        for (size_t i = 0; i < FL_HASH128_SIZE; i++) {
                out[2 * i] = digits[h[i] >> 4];
                out[2 * i + 1] = digits[h[i] & 0xf];
        }
        out[2 * FL_HASH128_SIZE] = '\0';
}

static void test_known_values(void **state) {
        static const struct {
                const char *input, *xxhsum;
        } cases[] = {
                {"", "99aa06d3014798d86001c324468d497f"},
                {"abc", "06b05ab6733a618578af5f94892f3950"},
        };
        uint8_t h[FL_HASH128_SIZE];
        char s[2 * FL_HASH128_SIZE + 1];

        (void) state;
        for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
                assert_int_equal(fl_hash128(cases[i].input, strlen(cases[i].input), h), 0);
                hex(h, s);
                assert_string_equal(s, cases[i].xxhsum);
        }
}

static void test_parts_are_a_concatenation(void **state) {
        const void *parts[] = {"a", "", "bc"};
        const size_t sizes[] = {1, 0, 2};
        uint8_t whole[FL_HASH128_SIZE], split[FL_HASH128_SIZE];

        (void) state;
        assert_int_equal(fl_hash128("abc", 3, whole), 0);
        assert_int_equal(fl_hash128_parts(parts, sizes, 3, split), 0);
        assert_memory_equal(whole, split, FL_HASH128_SIZE);
}

static void test_idempotency_key(void **state) {
        char a[FL_IDEMPOTENCY_KEY_LEN + 1], b[FL_IDEMPOTENCY_KEY_LEN + 1];

        (void) state;
        /* printf 'n1\0r\0k\0i\0' | xxhsum -H2 */
        assert_int_equal(fl_idempotency_key("n1", "r", "k", "i", a), 0);
        assert_string_equal(a, "abf5c89f68cc1cd9a4d898d2a60b79c8");
        assert_true(fl_idempotency_key_valid(a));

        /* The separators keep the fields apart. */
        assert_int_equal(fl_idempotency_key("n", "1r", "k", "i", b), 0);
        assert_string_not_equal(a, b);

        assert_int_equal(fl_idempotency_key(NULL, "r", "k", "i", b), -EINVAL);
        assert_int_equal(fl_idempotency_key("n", "r", "k", NULL, b), -EINVAL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_known_values),
                cmocka_unit_test(test_parts_are_a_concatenation),
                cmocka_unit_test(test_idempotency_key),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
