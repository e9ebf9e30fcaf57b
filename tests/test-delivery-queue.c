/* SPDX-License-Identifier: Apache-2.0 */
/* The delivery's pending queue (agent/delivery_queue.c): order by due time
 * then age, in-flight triggers out of the heap, removal from anywhere, and a
 * randomized run against a brute-force model. */
#include "delivery_queue.h"
#include "fl_test.h"
#include "macro.h"

#include <stdio.h>
#include <string.h>

static struct fl_pending *make(const char *id, uint64_t due) {
        struct fl_pending *p = fl_pending_new(id, "rule-a", "k", "wf", NULL);
        assert_non_null(p);
        p->due_usec = due;
        return p;
}

static void test_order(void **state) {
        struct fl_pending_queue *q = NULL;
        struct fl_pending *p;
        const struct {
                const char *id;
                uint64_t due;
        } adds[] = {{"c", 30}, {"a", 10}, {"b1", 20}, {"b2", 20}, {"d", 5}};
        const char *expected[] = {"d", "a", "b1", "b2", "c"};

        assert_int_equal(fl_pending_queue_new(&q), 0);
        assert_null(fl_pending_queue_peek(q));
        for (size_t i = 0; i < ELEMENTSOF(adds); i++)
                assert_int_equal(fl_pending_queue_add(q, make(adds[i].id, adds[i].due)), 0);
        assert_int_equal(fl_pending_queue_add(q, make("a", 1)), -EEXIST);
        assert_int_equal(fl_pending_queue_size(q), 5);
        assert_string_equal(fl_pending_queue_find(q, "b2")->id, "b2");
        assert_null(fl_pending_queue_find(q, "zz"));

        /* Popped ones stay known (in flight) but are not offered again. */
        for (size_t i = 0; i < ELEMENTSOF(expected); i++) {
                p = fl_pending_queue_pop(q);
                assert_non_null(p);
                assert_string_equal(p->id, expected[i]);
                assert_int_equal(p->heap_index, SIZE_MAX);
        }
        assert_null(fl_pending_queue_pop(q));
        assert_int_equal(fl_pending_queue_size(q), 5);

        /* Back with new due times; one removed while out of the heap. */
        fl_pending_queue_remove(q, fl_pending_queue_find(q, "c"));
        p = fl_pending_queue_find(q, "a");
        p->due_usec = 100;
        fl_pending_queue_push(q, p);
        p = fl_pending_queue_find(q, "d");
        p->due_usec = 50;
        fl_pending_queue_push(q, p);
        assert_string_equal(fl_pending_queue_peek(q)->id, "d");
        /* Re-pushing a queued one with an earlier time moves it up. */
        p = fl_pending_queue_find(q, "a");
        p->due_usec = 1;
        fl_pending_queue_push(q, p);
        assert_string_equal(fl_pending_queue_pop(q)->id, "a");
        assert_int_equal(fl_pending_queue_size(q), 4);

        size_t iter = 0, n = 0;
        while (fl_pending_queue_next(q, &iter))
                n++;
        assert_int_equal(n, 4);
        fl_pending_queue_free(q);
        assert_null(fl_pending_queue_free(NULL));
}

#define MODEL_MAX 200

static void test_random_against_model(void **state) {
        struct fl_pending_queue *q = NULL;
        struct {
                bool present, queued;
                uint64_t due, order;
        } model[MODEL_MAX] = {};
        unsigned seed = 12345;
        uint64_t order = 0;
        char id[16];

        assert_int_equal(fl_pending_queue_new(&q), 0);
        for (int step = 0; step < 20000; step++) {
                unsigned i = (unsigned) rand_r(&seed) % MODEL_MAX,
                         op = (unsigned) rand_r(&seed) % 4;
                snprintf(id, sizeof(id), "id-%u", i);
                struct fl_pending *p = fl_pending_queue_find(q, id);

                assert_int_equal(p != NULL, model[i].present);
                if (op == 0 && !model[i].present) {
                        uint64_t due = (uint64_t) rand_r(&seed) % 50;
                        assert_int_equal(fl_pending_queue_add(q, make(id, due)), 0);
                        model[i].present = model[i].queued = true;
                        model[i].due = due;
                        model[i].order = order++;
                } else if (op == 1 && model[i].present) {
                        fl_pending_queue_remove(q, p);
                        model[i].present = model[i].queued = false;
                } else if (op == 2 && model[i].present) {
                        p->due_usec = model[i].due = (uint64_t) rand_r(&seed) % 50;
                        fl_pending_queue_push(q, p);
                        model[i].queued = true;
                } else if (op == 3) {
                        /* The model's earliest queued one must be what pop gives. */
                        int best = -1;
                        for (int k = 0; k < MODEL_MAX; k++)
                                if (model[k].queued &&
                                        (best < 0 || model[k].due < model[best].due ||
                                                (model[k].due == model[best].due &&
                                                        model[k].order < model[best].order)))
                                        best = k;
                        p = fl_pending_queue_pop(q);
                        if (best < 0) {
                                assert_null(p);
                        } else {
                                snprintf(id, sizeof(id), "id-%d", best);
                                assert_non_null(p);
                                assert_string_equal(p->id, id);
                                model[best].queued = false;
                        }
                }
        }
        fl_pending_queue_free(q);
}

static void test_pending_strings(void **state) {
        struct fl_pending *p = fl_pending_new("id-1", "r", NULL, NULL, "{\"x\":1}");

        assert_non_null(p);
        assert_string_equal(p->key, "");
        assert_string_equal(p->workflow, "");
        assert_string_equal(p->body, "{\"x\":1}");
        assert_int_equal(p->heap_index, SIZE_MAX);
        assert_null(fl_pending_free(p));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_order),
                cmocka_unit_test(test_random_against_model),
                cmocka_unit_test(test_pending_strings),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
