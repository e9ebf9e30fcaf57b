/* SPDX-License-Identifier: Apache-2.0 */
#include "hashmap.h"

#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct entry {
        char *key; /* NULL: empty slot */
        uint64_t hash;
        void *value;
};

struct fl_hashmap {
        struct entry *slots;
        size_t n_slots; /* power of two */
        size_t size;
};

/* FNV-1a: short keys (device names, rule names) dominate, and it is plenty
 * for them; the map is never keyed by attacker-chosen strings at scale. */
static uint64_t hash_str(const char *s) {
        uint64_t h = 0xcbf29ce484222325ull;
        for (; *s; s++) {
                h ^= (unsigned char) *s;
                h *= 0x100000001b3ull;
        }
        return h;
}

struct fl_hashmap *fl_hashmap_new(void) {
        struct fl_hashmap *m = calloc(1, sizeof(*m));
        if (!m)
                return NULL;
        m->n_slots = 16;
        m->slots = calloc(m->n_slots, sizeof(*m->slots));
        if (!m->slots) {
                free(m);
                return NULL;
        }
        return m;
}

struct fl_hashmap *fl_hashmap_free(struct fl_hashmap *m, void (*free_value)(void *)) {
        if (!m)
                return NULL;
        for (size_t i = 0; i < m->n_slots; i++) {
                if (!m->slots[i].key)
                        continue;
                free(m->slots[i].key);
                if (free_value)
                        free_value(m->slots[i].value);
        }
        free(m->slots);
        free(m);
        return NULL;
}

static size_t find_slot(const struct fl_hashmap *m, const char *key, uint64_t h) {
        size_t mask = m->n_slots - 1;
        size_t i = h & mask;

        while (m->slots[i].key && (m->slots[i].hash != h || strcmp(m->slots[i].key, key) != 0))
                i = (i + 1) & mask;
        return i;
}

static int grow(struct fl_hashmap *m) {
        size_t n = m->n_slots * 2;
        struct entry *old = m->slots, *slots = calloc(n, sizeof(*slots));

        if (!slots)
                return -ENOMEM;
        for (size_t i = 0; i < m->n_slots; i++) {
                if (!old[i].key)
                        continue;
                size_t j = old[i].hash & (n - 1);
                while (slots[j].key)
                        j = (j + 1) & (n - 1);
                slots[j] = old[i];
        }
        m->slots = slots;
        m->n_slots = n;
        free(old);
        return 0;
}

int fl_hashmap_put(struct fl_hashmap *m, const char *key, void *value, void **ret_old) {
        uint64_t h = hash_str(key);
        size_t i;

        if ((m->size + 1) * 4 > m->n_slots * 3) {
                int r = grow(m);
                if (r < 0)
                        return r;
        }
        i = find_slot(m, key, h);
        if (m->slots[i].key) {
                if (ret_old)
                        *ret_old = m->slots[i].value;
                m->slots[i].value = value;
                return 0;
        }
        m->slots[i].key = strdup(key);
        if (!m->slots[i].key)
                return -ENOMEM;
        m->slots[i].hash = h;
        m->slots[i].value = value;
        m->size++;
        if (ret_old)
                *ret_old = NULL;
        return 0;
}

void *fl_hashmap_get(const struct fl_hashmap *m, const char *key) {
        size_t i = find_slot(m, key, hash_str(key));
        return m->slots[i].key ? m->slots[i].value : NULL;
}

void *fl_hashmap_remove(struct fl_hashmap *m, const char *key) {
        size_t mask = m->n_slots - 1, i = find_slot(m, key, hash_str(key)), j;
        void *value;

        if (!m->slots[i].key)
                return NULL;
        value = m->slots[i].value;
        free(m->slots[i].key);
        m->slots[i].key = NULL;
        m->size--;

        /* Backward-shift: pull later members of the probe run into the hole. */
        j = i;
        for (;;) {
                j = (j + 1) & mask;
                if (!m->slots[j].key)
                        break;
                size_t home = m->slots[j].hash & mask;
                /* Move j to i unless its home lies cyclically in (i, j]. */
                bool stays = i <= j ? (home > i && home <= j) : (home > i || home <= j);
                if (stays)
                        continue;
                m->slots[i] = m->slots[j];
                m->slots[j].key = NULL;
                i = j;
        }
        return value;
}

size_t fl_hashmap_size(const struct fl_hashmap *m) {
        return m->size;
}

bool fl_hashmap_iterate(
        const struct fl_hashmap *m, size_t *iter, const char **ret_key, void **ret_value) {
        for (size_t i = *iter; i < m->n_slots; i++) {
                if (!m->slots[i].key)
                        continue;
                *iter = i + 1;
                if (ret_key)
                        *ret_key = m->slots[i].key;
                if (ret_value)
                        *ret_value = m->slots[i].value;
                return true;
        }
        *iter = m->n_slots;
        return false;
}
