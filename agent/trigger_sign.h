/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The header lines of one signed POST /v1/triggers attempt
 * (docs/signatures.md): Content-Type, Content-Digest (RFC 9530,
 * sha-256 of the exact body) and the RFC 9421 Signature-Input and Signature
 * over fl_httpsig_trigger_components, with the configured keyid, created =
 * now and a fresh nonce. Every attempt is signed anew: a retry carries a new
 * created and nonce, the body (and its idempotency key) stays the same.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "macro.h"

struct fl_trigger_signer;

/* `base_url` is coordinator.url ("https://coordinator:7443", optionally with
 * a path prefix); the triggers URL is BASE/v1/triggers. The Ed25519 key is
 * read now. Returns 0, -ENOMEM, or fl_httpsig_load_private_key()'s error
 * (-ENOENT, -EACCES, -EBADMSG, -EKEYREJECTED...). */
int fl_trigger_signer_new(const char *base_url, const char *key_file, const char *key_id,
        struct fl_trigger_signer **ret);
struct fl_trigger_signer *fl_trigger_signer_free(struct fl_trigger_signer *s);
FL_DEFINE_CLEANUP(struct fl_trigger_signer *, fl_trigger_signer_free);

/* BASE/v1/triggers. */
const char *fl_trigger_signer_url(const struct fl_trigger_signer *s);

#define FL_SIGNED_HEADERS 5

/* Header lines ("Name: value"), NULL-terminated, owned. */
struct fl_signed_headers {
        char *lines[FL_SIGNED_HEADERS + 1];
};

/* Signs `body` as sent at `now` (Unix seconds). Returns 0 and fills *ret,
 * or -ENOMEM, -EIO (crypto failure), -EINVAL (a URL the signature cannot
 * cover). */
int fl_trigger_sign(const struct fl_trigger_signer *s, const char *body, size_t size, int64_t now,
        struct fl_signed_headers *ret);

void fl_signed_headers_done(struct fl_signed_headers *h);
