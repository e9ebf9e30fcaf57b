/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Base64 (RFC 4648) on top of OpenSSL's EVP_EncodeBlock/EVP_DecodeBlock, with
 * the strictness HTTP fields need: no whitespace, '=' only as trailing
 * padding. EVP_DecodeBlock alone would skip blanks, demand padding and count
 * the padding as zero bytes.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

/* Largest input the helpers accept (OpenSSL takes int lengths). */
#define FL_BASE64_MAX_INPUT (16u << 20)

/* Appends the padded standard encoding of `size` bytes. Returns 0 or -errno. */
int fl_base64_append(struct fl_strbuf *sb, const void *data, size_t size);

/* The padded standard encoding as a new string. Returns 0 or -errno. */
int fl_base64_encode(const void *data, size_t size, char **ret);

/* The unpadded URL-safe encoding (RFC 4648 section 5) as a new string. */
int fl_base64url_encode(const void *data, size_t size, char **ret);

/* Decodes the standard alphabet. Padding may be present or absent, but '='
 * may only end the input. Returns 0 with a malloc'ed buffer (NUL-terminated
 * for convenience, not counted in *ret_size), -EBADMSG for invalid input, or
 * -E2BIG / -ENOMEM. Outputs are untouched on failure. */
int fl_base64_decode(const char *s, size_t len, uint8_t **ret, size_t *ret_size);
