/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A string-keyed hash map (open addressing, linear probing, backward-shift
 * deletion so no tombstones accumulate). The map copies keys; values are the
 * caller's. Used for per-key rule state, replay caches and scope tables.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

struct fl_hashmap;

struct fl_hashmap *fl_hashmap_new(void);
/* Frees the map and its key copies; calls free_value on each value if given. */
struct fl_hashmap *fl_hashmap_free(struct fl_hashmap *m, void (*free_value)(void *));

/* Inserts or replaces. If `ret_old` is non-NULL the replaced value (or NULL)
 * is returned there. Returns 0 or -ENOMEM. */
int fl_hashmap_put(struct fl_hashmap *m, const char *key, void *value, void **ret_old);
void *fl_hashmap_get(const struct fl_hashmap *m, const char *key);
/* Removes the key; returns its value, or NULL when absent. */
void *fl_hashmap_remove(struct fl_hashmap *m, const char *key);
size_t fl_hashmap_size(const struct fl_hashmap *m);

/* Iteration: start with *iter = 0; returns false at the end. Removing the
 * current entry while iterating is not allowed; collect keys first. */
bool fl_hashmap_iterate(
        const struct fl_hashmap *m, size_t *iter, const char **ret_key, void **ret_value);
