/* SPDX-License-Identifier: Apache-2.0 */
#include "nonce.h"

#include <errno.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define INITIAL_SLOTS 1024

struct slot {
        uint64_t digest; /* 0: empty */
        uint64_t expires_usec;
};

struct fl_nonce_cache {
        unsigned char secret[16];
        EVP_MD *sha256;
        EVP_MD_CTX *md;

        struct slot *slots; /* open addressing, linear probing, power of two */
        size_t n_slots;

        /* Insertion order, for expiry: a ring of digests and expiries. */
        struct slot *ring;
        size_t ring_size; /* == max_entries */
        size_t head, count;
};

struct fl_nonce_cache *fl_nonce_cache_free(struct fl_nonce_cache *c) {
        if (!c)
                return NULL;
        EVP_MD_CTX_free(c->md);
        EVP_MD_free(c->sha256);
        free(c->slots);
        free(c->ring);
        free(c);
        return NULL;
}

int fl_nonce_cache_new(size_t max_entries, struct fl_nonce_cache **ret) {
        _cleanup_(fl_nonce_cache_freep) struct fl_nonce_cache *c = NULL;

        if (max_entries == 0)
                return -EINVAL;
        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        if (RAND_bytes(c->secret, sizeof(c->secret)) != 1)
                return -EIO;
        c->sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
        c->md = EVP_MD_CTX_new();
        c->n_slots = INITIAL_SLOTS;
        c->slots = calloc(c->n_slots, sizeof(struct slot));
        /* The ring is the cap, allocated on demand would mean realloc with
         * wrap-around; it is max_entries * 16 bytes, touched only as used. */
        c->ring = calloc(max_entries, sizeof(struct slot));
        c->ring_size = max_entries;
        if (!c->sha256 || !c->md || !c->slots || !c->ring)
                return -ENOMEM;
        *ret = TAKE_PTR(c);
        return 0;
}

static int digest(struct fl_nonce_cache *c, const char *keyid, const char *nonce, uint64_t *ret) {
        unsigned char out[EVP_MAX_MD_SIZE];
        uint64_t d;

        if (EVP_DigestInit_ex2(c->md, c->sha256, NULL) != 1 ||
                EVP_DigestUpdate(c->md, c->secret, sizeof(c->secret)) != 1 ||
                EVP_DigestUpdate(c->md, keyid, strlen(keyid) + 1) != 1 || /* with the NUL */
                EVP_DigestUpdate(c->md, nonce, strlen(nonce)) != 1 ||
                EVP_DigestFinal_ex(c->md, out, NULL) != 1)
                return -EIO;
        memcpy(&d, out, sizeof(d));
        *ret = d ? d : 1;
        return 0;
}

static size_t find(const struct fl_nonce_cache *c, uint64_t d, bool *ret_found) {
        size_t mask = c->n_slots - 1, i = (size_t) d & mask;

        while (c->slots[i].digest != 0) {
                if (c->slots[i].digest == d) {
                        *ret_found = true;
                        return i;
                }
                i = (i + 1) & mask;
        }
        *ret_found = false;
        return i;
}

/* Backward-shift deletion keeps probe sequences intact without tombstones. */
static void remove_at(struct fl_nonce_cache *c, size_t i) {
        size_t mask = c->n_slots - 1, j = i;

        for (;;) {
                j = (j + 1) & mask;
                if (c->slots[j].digest == 0)
                        break;
                size_t home = (size_t) c->slots[j].digest & mask;
                /* Can the entry at j move to the hole at i? Only if its home
                 * is not cyclically in (i, j]. */
                if ((j > i && (home <= i || home > j)) || (j < i && home <= i && home > j)) {
                        c->slots[i] = c->slots[j];
                        i = j;
                }
        }
        c->slots[i] = (struct slot){};
}

static int grow(struct fl_nonce_cache *c) {
        size_t n = c->n_slots * 2;
        struct slot *old = c->slots, *s = calloc(n, sizeof(struct slot));
        size_t old_n = c->n_slots;

        if (!s)
                return -ENOMEM;
        c->slots = s;
        c->n_slots = n;
        for (size_t i = 0; i < old_n; i++) {
                bool found;
                if (old[i].digest)
                        c->slots[find(c, old[i].digest, &found)] = old[i];
        }
        free(old);
        return 0;
}

static void expire(struct fl_nonce_cache *c, uint64_t now_usec) {
        while (c->count > 0 && c->ring[c->head].expires_usec <= now_usec) {
                bool found;
                size_t i = find(c, c->ring[c->head].digest, &found);

                if (found)
                        remove_at(c, i);
                c->head = (c->head + 1) % c->ring_size;
                c->count--;
        }
}

int fl_nonce_cache_add(struct fl_nonce_cache *c, const char *keyid, const char *nonce,
        uint64_t expires_usec, uint64_t now_usec) {
        uint64_t d;
        bool found;
        size_t i;
        int r;

        expire(c, now_usec);
        r = digest(c, keyid, nonce, &d);
        if (r < 0)
                return r;
        i = find(c, d, &found);
        if (found)
                return -EEXIST;
        if (c->count >= c->ring_size)
                return -ENOSPC;
        /* Keep the table at most half full. */
        if ((c->count + 1) * 2 > c->n_slots) {
                r = grow(c);
                if (r < 0)
                        return r;
                i = find(c, d, &found);
        }
        c->slots[i] = (struct slot){d, expires_usec};
        c->ring[(c->head + c->count) % c->ring_size] = (struct slot){d, expires_usec};
        c->count++;
        return 0;
}

size_t fl_nonce_cache_size(const struct fl_nonce_cache *c) {
        return c ? c->count : 0;
}
