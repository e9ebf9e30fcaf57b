/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 9530 Content-Digest: a Dictionary from hash algorithm to the Byte
 * Sequence digest of the message content, e.g. for the body {"hello": "world"}
 *
 *   Content-Digest: sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:
 *
 * The agent sends sha-256 and covers the field with its RFC 9421 signature,
 * which is what binds the body to the signature; the coordinator checks the
 * field against the body it received.
 */
#pragma once

#include <stddef.h>

/* The Content-Digest value "sha-256=:BASE64:" for `size` bytes of body, as a
 * new string. Returns 0 or -ENOMEM. */
int fl_digest_content_digest(const void *body, size_t size, char **ret);

/* Checks a received Content-Digest value against the body. Members named
 * sha-256 and sha-512 are checked (every one present must match); members
 * with other (unknown or deprecated) algorithm names are ignored.
 *
 * Returns 0 when at least one supported digest is present and all of them
 * match, -EBADMSG when the value is not a Dictionary, a supported member is
 * not a Byte Sequence or has the wrong length, -EOPNOTSUPP when no member
 * names a supported algorithm, -EILSEQ when a digest does not match the
 * body, -ENOMEM. On failure *reason (if non-NULL) points to a static,
 * human-readable explanation. */
int fl_digest_verify(
        const char *header, size_t header_len, const void *body, size_t size, const char **reason);
