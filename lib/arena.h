/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A bump allocator: many small allocations that all die together (the nodes
 * of a parsed file). Allocation is a pointer increment; freeing the arena
 * frees everything at once. Not thread-safe.
 */
#pragma once

#include <stddef.h>

#include "macro.h"

struct fl_arena;

/* Returns a new empty arena, or NULL when out of memory. */
struct fl_arena *fl_arena_new(void);

/* Frees the arena and everything allocated from it; accepts NULL, returns NULL. */
struct fl_arena *fl_arena_free(struct fl_arena *a);
FL_DEFINE_CLEANUP(struct fl_arena *, fl_arena_free);

/* Returns `size` bytes aligned for any scalar type (contents undefined), or
 * NULL when out of memory. The memory lives until the arena is freed. */
void *fl_arena_alloc(struct fl_arena *a, size_t size);

/* Copies `len` bytes and appends a NUL; NULL when out of memory. */
char *fl_arena_strndup(struct fl_arena *a, const char *s, size_t len);

/* Total bytes handed out by the chunks so far (for tests and benchmarks). */
size_t fl_arena_used(const struct fl_arena *a);
