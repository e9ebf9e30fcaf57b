/* SPDX-License-Identifier: Apache-2.0 */
/* The replay cache: replays, expiry, the cap, growth and deletion. */
#include "fl_test.h"
#include "macro.h"
#include "nonce.h"

#include <stdio.h>

#define SEC 1000000ull

static void test_replay_and_expiry(void **state) {
        _cleanup_(fl_nonce_cache_freep) struct fl_nonce_cache *c = NULL;

        assert_int_equal(fl_nonce_cache_new(0, &c), -EINVAL);
        assert_int_equal(fl_nonce_cache_new(10, &c), 0);
        assert_int_equal(fl_nonce_cache_add(c, "node-a", "n1", 100 * SEC, 1 * SEC), 0);
        assert_int_equal(fl_nonce_cache_add(c, "node-a", "n1", 100 * SEC, 2 * SEC), -EEXIST);
        /* Same nonce, other key; the keyid/nonce boundary is unambiguous. */
        assert_int_equal(fl_nonce_cache_add(c, "node-b", "n1", 100 * SEC, 2 * SEC), 0);
        assert_int_equal(fl_nonce_cache_add(c, "node-a", "n", 100 * SEC, 2 * SEC), 0);
        assert_int_equal(fl_nonce_cache_add(c, "node-an", "1", 100 * SEC, 2 * SEC), 0);
        assert_int_equal(fl_nonce_cache_size(c), 4);
        /* Still a replay just before expiry; forgotten at it. */
        assert_int_equal(fl_nonce_cache_add(c, "node-a", "n1", 200 * SEC, 100 * SEC - 1), -EEXIST);
        assert_int_equal(fl_nonce_cache_add(c, "node-a", "n1", 200 * SEC, 100 * SEC), 0);
        assert_int_equal(fl_nonce_cache_size(c), 1);
}

static void test_full(void **state) {
        _cleanup_(fl_nonce_cache_freep) struct fl_nonce_cache *c = NULL;
        char nonce[32];

        assert_int_equal(fl_nonce_cache_new(3, &c), 0);
        for (int i = 0; i < 3; i++) {
                snprintf(nonce, sizeof(nonce), "n%d", i);
                assert_int_equal(fl_nonce_cache_add(c, "k", nonce, (10 + i) * SEC, SEC), 0);
        }
        /* Full of live entries: refused, and nothing was forgotten. */
        assert_int_equal(fl_nonce_cache_add(c, "k", "n3", 20 * SEC, SEC), -ENOSPC);
        assert_int_equal(fl_nonce_cache_add(c, "k", "n0", 20 * SEC, SEC), -EEXIST);
        /* Once the oldest expires there is room again. */
        assert_int_equal(fl_nonce_cache_add(c, "k", "n3", 20 * SEC, 10 * SEC), 0);
        assert_int_equal(fl_nonce_cache_add(c, "k", "n1", 20 * SEC, 10 * SEC), -EEXIST);
        assert_int_equal(fl_nonce_cache_size(c), 3);
}

static void test_many(void **state) {
        _cleanup_(fl_nonce_cache_freep) struct fl_nonce_cache *c = NULL;
        char nonce[32];

        /* Enough to grow the table several times and wrap the ring, with
         * deletions interleaved (every entry lives 1000 "seconds"). */
        assert_int_equal(fl_nonce_cache_new(5000, &c), 0);
        for (unsigned i = 0; i < 20000; i++) {
                snprintf(nonce, sizeof(nonce), "nonce-%u", i);
                assert_int_equal(fl_nonce_cache_add(c, "k", nonce, (i + 1000) * SEC, i * SEC), 0);
                assert_true(fl_nonce_cache_size(c) <= 1000);
        }
        /* The last 1000 are still there, the ones before are gone. */
        for (unsigned i = 19000; i < 20000; i++) {
                snprintf(nonce, sizeof(nonce), "nonce-%u", i);
                assert_int_equal(
                        fl_nonce_cache_add(c, "k", nonce, 30000 * SEC, 19999 * SEC), -EEXIST);
        }
        snprintf(nonce, sizeof(nonce), "nonce-%u", 18000);
        assert_int_equal(fl_nonce_cache_add(c, "k", nonce, 30000 * SEC, 19999 * SEC), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_replay_and_expiry),
                cmocka_unit_test(test_full),
                cmocka_unit_test(test_many),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
