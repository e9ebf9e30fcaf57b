/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A 128-bit content hash (XXH3-128, libxxhash) for naming things by what
 * they are: idempotency keys, versions of rule files. Neither needs to
 * resist a forger (whoever can write kernel messages or /etc/faultline is
 * root already), only to make accidental collisions impossible in practice:
 * 2^-64 after 2^32 firings.
 *
 * Why not SHA-256 from OpenSSL, which signs and verifies everywhere else:
 * the agent must idle under 6 MiB, and libcrypto costs ~1.5 MiB resident by
 * being linked (relocations) and ~2 MiB more once EVP loads its providers;
 * it is linked -z nodelete, so it never leaves. libgcrypt, the other
 * candidate, touches ~600 KiB initialising. libxxhash needs no set-up and
 * maps 80 KiB.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#define FL_HASH128_SIZE 16

/* The hash of the concatenation of the `n` buffers, big-endian (the
 * canonical XXH128 form). Returns 0 or -ENOMEM. */
int fl_hash128_parts(const void *const *data, const size_t *sizes, size_t n,
        uint8_t ret[static FL_HASH128_SIZE]);

int fl_hash128(const void *data, size_t size, uint8_t ret[static FL_HASH128_SIZE]);
