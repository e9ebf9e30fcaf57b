/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A trigger signed as the agent signs it (docs/signatures.md): the body as
 * application/json, its RFC 9530 Content-Digest (sha-256), and an RFC 9421
 * signature over lib/httpsig's trigger profile (fl_httpsig_trigger_components:
 * @method @authority @path content-type content-digest) with created = now,
 * the keyid and a fresh nonce. The coordinator verifies an operator's
 * signature exactly as an agent's; only the keyid differs.
 */
#pragma once

#include <openssl/evp.h>
#include <stddef.h>
#include <stdint.h>

#include "httpsig.h"

#define FL_CTL_SIGNED_HEADERS FL_HTTPSIG_TRIGGER_HEADERS

/* The header lines ("Content-Type: ...", "Content-Digest: ...",
 * "Signature-Input: ...", "Signature: ...") of POST `url` (the absolute URL
 * the request goes to) with `body`, NULL-terminated. Returns 0 and new
 * strings (free them with fl_ctl_signed_headers_done), -EINVAL with a
 * message (a URL the signature cannot cover), -EIO (crypto), -ENOMEM. */
int fl_ctl_sign_trigger(const char *url, EVP_PKEY *key, const char *key_id, const char *body,
        size_t size, int64_t now, char *ret_headers[static FL_CTL_SIGNED_HEADERS + 1], char *err,
        size_t err_size);

void fl_ctl_signed_headers_done(char *headers[static FL_CTL_SIGNED_HEADERS + 1]);

/* Loads the signing key with a message naming the file and what is wrong.
 * Returns 0, or fl_httpsig_load_private_key()'s error. */
int fl_ctl_load_signing_key(const char *path, EVP_PKEY **ret, char *err, size_t err_size);
