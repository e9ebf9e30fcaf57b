/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The replay cache of signed triggers: every (keyid, nonce) accepted within
 * the clock-skew window, so a captured request cannot be sent again while
 * its `created` is still acceptable (after that, the time check refuses it).
 *
 * Memory is bounded: at most `max_entries` pairs, each kept as a 64-bit
 * keyed digest (the first 8 bytes of SHA-256 over a random per-process
 * secret, the keyid and the nonce) plus its expiry, 32 bytes per entry
 * with the table's slack. A full cache of unexpired entries refuses new
 * pairs (the caller answers 429) rather than forgetting one early, which
 * would let a replay through. A digest collision can only make a fresh
 * request look like a replay (probability ~ n^2 / 2^65), never the other way
 * round, and attackers cannot aim for one without the secret.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "macro.h"

struct fl_nonce_cache;

/* Returns 0, -EINVAL (max_entries 0), -ENOMEM or -EIO (no randomness). */
int fl_nonce_cache_new(size_t max_entries, struct fl_nonce_cache **ret);
struct fl_nonce_cache *fl_nonce_cache_free(struct fl_nonce_cache *c);
FL_DEFINE_CLEANUP(struct fl_nonce_cache *, fl_nonce_cache_free);

/* Forgets entries whose expiry is at or before now_usec, then records the
 * pair until expires_usec. Returns 0 when it was new, -EEXIST when it is
 * already recorded (a replay), -ENOSPC when the cache is full of unexpired
 * entries, -ENOMEM. */
int fl_nonce_cache_add(struct fl_nonce_cache *c, const char *keyid, const char *nonce,
        uint64_t expires_usec, uint64_t now_usec);

size_t fl_nonce_cache_size(const struct fl_nonce_cache *c);
