/* SPDX-License-Identifier: Apache-2.0 */
#include "arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Chunks double from 64 KiB up to 4 MiB, so a small file costs one small
 * chunk and a 10 MB file a handful of mallocs. A request larger than the
 * next chunk size gets a chunk of its own. */
#define CHUNK_MIN (64u * 1024u)
#define CHUNK_MAX (4u * 1024u * 1024u)
#define ALIGN     _Alignof(max_align_t)

struct chunk {
        struct chunk *next;
        _Alignas(max_align_t) unsigned char data[];
};

struct fl_arena {
        struct chunk *chunks;
        uintptr_t ptr;
        uintptr_t end;
        size_t next_size;
        size_t used;
};

struct fl_arena *fl_arena_new(void) {
        struct fl_arena *a = calloc(1, sizeof(*a));

        if (a)
                a->next_size = CHUNK_MIN;
        return a;
}

struct fl_arena *fl_arena_free(struct fl_arena *a) {
        if (!a)
                return NULL;
        for (struct chunk *c = a->chunks, *next; c; c = next) {
                next = c->next;
                free(c);
        }
        free(a);
        return NULL;
}

static void *alloc_slow(struct fl_arena *a, size_t size) {
        size_t n = a->next_size;
        struct chunk *c;

        if (size > SIZE_MAX - sizeof(struct chunk))
                return NULL;
        if (n < size)
                n = size;
        c = malloc(sizeof(struct chunk) + n);
        if (!c)
                return NULL;
        c->next = a->chunks;
        a->chunks = c;
        if (a->next_size < CHUNK_MAX)
                a->next_size *= 2;
        a->ptr = (uintptr_t) c->data + size;
        a->end = (uintptr_t) c->data + n;
        a->used += size;
        return c->data;
}

/* `align` is a power of two no larger than ALIGN. */
static inline void *arena_alloc(struct fl_arena *a, size_t size, size_t align) {
        uintptr_t p = (a->ptr + align - 1) & ~(uintptr_t) (align - 1);

        if (_likely_(p <= a->end && a->end - p >= size)) {
                a->ptr = p + size;
                a->used += size;
                return (void *) p;
        }
        return alloc_slow(a, size);
}

void *fl_arena_alloc(struct fl_arena *a, size_t size) {
        if (size == 0)
                size = 1; /* never hand out NULL for an empty array */
        return arena_alloc(a, size, ALIGN);
}

char *fl_arena_strndup(struct fl_arena *a, const char *s, size_t len) {
        char *p;

        if (len == SIZE_MAX)
                return NULL;
        p = arena_alloc(a, len + 1, 1);
        if (!p)
                return NULL;
        memcpy(p, s, len);
        p[len] = '\0';
        return p;
}

size_t fl_arena_used(const struct fl_arena *a) {
        return a->used;
}
