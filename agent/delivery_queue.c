/* SPDX-License-Identifier: Apache-2.0 */
#include "delivery_queue.h"

#include "hashmap.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct fl_pending_queue {
        struct fl_hashmap *by_id; /* id -> struct fl_pending */
        struct fl_pending **heap;
        size_t n_heap, allocated;
        uint64_t next_order;
};

struct fl_pending *fl_pending_free(struct fl_pending *p) {
        if (!p)
                return NULL;
        free(p->id);
        free(p->rule);
        free(p->key);
        free(p->workflow);
        free(p->body);
        free(p);
        return NULL;
}

struct fl_pending *fl_pending_new(
        const char *id, const char *rule, const char *key, const char *workflow, const char *body) {
        struct fl_pending *p = calloc(1, sizeof(*p));

        if (!p)
                return NULL;
        p->heap_index = SIZE_MAX;
        p->id = strdup(id);
        p->rule = strdup(rule);
        p->key = strdup(key ? key : "");
        p->workflow = strdup(workflow ? workflow : "");
        p->body = body ? strdup(body) : NULL;
        if (!p->id || !p->rule || !p->key || !p->workflow || (body && !p->body))
                return fl_pending_free(p);
        return p;
}

static void free_pending(void *p) {
        fl_pending_free(p);
}

int fl_pending_queue_new(struct fl_pending_queue **ret) {
        struct fl_pending_queue *q = calloc(1, sizeof(*q));

        if (!q)
                return -ENOMEM;
        q->by_id = fl_hashmap_new();
        if (!q->by_id) {
                free(q);
                return -ENOMEM;
        }
        *ret = q;
        return 0;
}

struct fl_pending_queue *fl_pending_queue_free(struct fl_pending_queue *q) {
        if (!q)
                return NULL;
        fl_hashmap_free(q->by_id, free_pending);
        free(q->heap);
        free(q);
        return NULL;
}

static bool before(const struct fl_pending *a, const struct fl_pending *b) {
        return a->due_usec < b->due_usec || (a->due_usec == b->due_usec && a->order < b->order);
}

static void place(struct fl_pending_queue *q, size_t i, struct fl_pending *p) {
        q->heap[i] = p;
        p->heap_index = i;
}

static void sift_up(struct fl_pending_queue *q, size_t i) {
        struct fl_pending *p = q->heap[i];

        while (i > 0) {
                size_t parent = (i - 1) / 2;
                if (!before(p, q->heap[parent]))
                        break;
                place(q, i, q->heap[parent]);
                i = parent;
        }
        place(q, i, p);
}

static void sift_down(struct fl_pending_queue *q, size_t i) {
        struct fl_pending *p = q->heap[i];

        for (;;) {
                size_t child = 2 * i + 1;
                if (child >= q->n_heap)
                        break;
                if (child + 1 < q->n_heap && before(q->heap[child + 1], q->heap[child]))
                        child++;
                if (!before(q->heap[child], p))
                        break;
                place(q, i, q->heap[child]);
                i = child;
        }
        place(q, i, p);
}

static void heap_remove(struct fl_pending_queue *q, struct fl_pending *p) {
        size_t i = p->heap_index;
        struct fl_pending *last;

        if (i == SIZE_MAX)
                return;
        p->heap_index = SIZE_MAX;
        last = q->heap[--q->n_heap];
        if (last == p)
                return;
        place(q, i, last);
        sift_down(q, i);
        sift_up(q, last->heap_index);
}

int fl_pending_queue_add(struct fl_pending_queue *q, struct fl_pending *p) {
        size_t n = fl_hashmap_size(q->by_id) + 1;
        int r;

        if (fl_hashmap_get(q->by_id, p->id)) {
                fl_pending_free(p);
                return -EEXIST;
        }
        /* Room in the heap for every trigger, so push never fails. */
        if (n > q->allocated) {
                size_t want = q->allocated ? q->allocated * 2 : 64;
                struct fl_pending **h = reallocarray(q->heap, want, sizeof(*h));
                if (!h) {
                        fl_pending_free(p);
                        return -ENOMEM;
                }
                q->heap = h;
                q->allocated = want;
        }
        r = fl_hashmap_put(q->by_id, p->id, p, NULL);
        if (r < 0) {
                fl_pending_free(p);
                return r;
        }
        p->order = q->next_order++;
        p->heap_index = SIZE_MAX;
        fl_pending_queue_push(q, p);
        return 0;
}

struct fl_pending *fl_pending_queue_find(const struct fl_pending_queue *q, const char *id) {
        return fl_hashmap_get(q->by_id, id);
}

struct fl_pending *fl_pending_queue_peek(const struct fl_pending_queue *q) {
        return q->n_heap > 0 ? q->heap[0] : NULL;
}

struct fl_pending *fl_pending_queue_pop(struct fl_pending_queue *q) {
        struct fl_pending *p = fl_pending_queue_peek(q);

        if (p)
                heap_remove(q, p);
        return p;
}

void fl_pending_queue_push(struct fl_pending_queue *q, struct fl_pending *p) {
        if (p->heap_index != SIZE_MAX) {
                /* Already queued: its due time may have changed. */
                sift_down(q, p->heap_index);
                sift_up(q, p->heap_index);
                return;
        }
        q->heap[q->n_heap] = p;
        p->heap_index = q->n_heap++;
        sift_up(q, p->heap_index);
}

void fl_pending_queue_remove(struct fl_pending_queue *q, struct fl_pending *p) {
        heap_remove(q, p);
        (void) fl_hashmap_remove(q->by_id, p->id);
        fl_pending_free(p);
}

size_t fl_pending_queue_size(const struct fl_pending_queue *q) {
        return fl_hashmap_size(q->by_id);
}

struct fl_pending *fl_pending_queue_next(const struct fl_pending_queue *q, size_t *iter) {
        const char *key;
        void *value;

        return fl_hashmap_iterate(q->by_id, iter, &key, &value) ? value : NULL;
}
