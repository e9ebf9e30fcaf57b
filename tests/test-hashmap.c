/* SPDX-License-Identifier: Apache-2.0 */
#include "fl_test.h"
#include "hashmap.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void test_put_get_replace(void **state) {
        struct fl_hashmap *m = fl_hashmap_new();
        void *old = (void *) 1;
        int a = 1, b = 2;

        assert_int_equal(fl_hashmap_put(m, "sda", &a, &old), 0);
        assert_null(old);
        assert_ptr_equal(fl_hashmap_get(m, "sda"), &a);
        assert_null(fl_hashmap_get(m, "sdb"));
        assert_int_equal(fl_hashmap_put(m, "sda", &b, &old), 0);
        assert_ptr_equal(old, &a);
        assert_ptr_equal(fl_hashmap_get(m, "sda"), &b);
        assert_int_equal(fl_hashmap_size(m), 1);
        assert_ptr_equal(fl_hashmap_remove(m, "sda"), &b);
        assert_null(fl_hashmap_remove(m, "sda"));
        assert_int_equal(fl_hashmap_size(m), 0);
        fl_hashmap_free(m, NULL);
}

/* Many inserts and deletes against a reference array: deletion must never
 * break a probe chain. */
static void test_against_reference(void **state) {
        enum { N = 5000 };
        static intptr_t ref[N];
        struct fl_hashmap *m = fl_hashmap_new();
        unsigned seed = 42;
        char key[32];

        for (int round = 0; round < 200000; round++) {
                int k = rand_r(&seed) % N;
                snprintf(key, sizeof(key), "key-%d", k);
                switch (rand_r(&seed) % 3) {
                case 0:
                case 1:
                        assert_int_equal(
                                fl_hashmap_put(m, key, (void *) (intptr_t) (round + 1), NULL), 0);
                        ref[k] = round + 1;
                        break;
                case 2:
                        assert_int_equal((intptr_t) fl_hashmap_remove(m, key), ref[k]);
                        ref[k] = 0;
                        break;
                }
        }
        size_t live = 0;
        for (int k = 0; k < N; k++) {
                snprintf(key, sizeof(key), "key-%d", k);
                assert_int_equal((intptr_t) fl_hashmap_get(m, key), ref[k]);
                live += ref[k] != 0;
        }
        assert_int_equal(fl_hashmap_size(m), live);

        size_t iter = 0, seen = 0;
        const char *k;
        void *v;
        while (fl_hashmap_iterate(m, &iter, &k, &v)) {
                assert_int_equal((intptr_t) v, ref[atoi(k + 4)]);
                seen++;
        }
        assert_int_equal(seen, live);
        fl_hashmap_free(m, NULL);
}

static void test_free_values(void **state) {
        struct fl_hashmap *m = fl_hashmap_new();
        assert_int_equal(fl_hashmap_put(m, "a", strdup("x"), NULL), 0);
        assert_int_equal(fl_hashmap_put(m, "b", strdup("y"), NULL), 0);
        fl_hashmap_free(m, free); /* ASan proves nothing leaks */
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_put_get_replace),
                cmocka_unit_test(test_against_reference),
                cmocka_unit_test(test_free_values),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
