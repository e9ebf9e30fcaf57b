/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

#include <stddef.h>

#define FL_IDEMPOTENCY_KEY_LEN 32

/* Derives the idempotency key of a firing: the 128-bit content hash
 * (lib/hash128.h) of node NUL rule NUL key NUL identity, in hex. `identity` names the
 * event that completed the threshold (journal cursor, kernel timestamp), so
 * re-reading the same events after a crash yields the same key, and the
 * coordinator's workflow id derived from it makes a redelivery a no-op.
 * `ret` must hold FL_IDEMPOTENCY_KEY_LEN + 1 bytes. Returns 0 or -errno. */
int fl_idempotency_key(const char *node, const char *rule, const char *key, const char *identity,
        char ret[static FL_IDEMPOTENCY_KEY_LEN + 1]);

/* True when `s` has the shape fl_idempotency_key() produces, or the looser
 * shape the coordinator accepts from other clients: 8..64 characters of
 * [A-Za-z0-9._-]. */
int fl_idempotency_key_valid(const char *s);
