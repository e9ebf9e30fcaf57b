/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A growable, always NUL-terminated byte buffer with a size cap, for code
 * that builds strings a peer influences (serialised structured fields,
 * signature bases). Every append checks the cap, so a caller never needs to
 * guess a "big enough" fixed buffer.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "macro.h"

struct fl_strbuf {
        char *data;       /* NUL-terminated once anything was appended */
        size_t len;       /* bytes in data, without the NUL */
        size_t allocated; /* bytes allocated for data */
        size_t max_len;   /* cap on len; 0 means FL_STRBUF_DEFAULT_MAX */
};

#define FL_STRBUF_DEFAULT_MAX (1u << 20)

/* Appends `size` bytes. Returns 0, -E2BIG when the cap would be exceeded or
 * -ENOMEM; on failure the buffer is unchanged. */
int fl_strbuf_append(struct fl_strbuf *sb, const void *data, size_t size);
int fl_strbuf_append_str(struct fl_strbuf *sb, const char *s);
int fl_strbuf_append_char(struct fl_strbuf *sb, char c);
_printf_(2, 3) int fl_strbuf_appendf(struct fl_strbuf *sb, const char *fmt, ...);

/* Reserves room for `size` more bytes (plus the NUL) and returns a pointer to
 * it in *ret; the caller writes there and then calls fl_strbuf_commit(). */
int fl_strbuf_reserve(struct fl_strbuf *sb, size_t size, char **ret);
void fl_strbuf_commit(struct fl_strbuf *sb, size_t size);

/* Cuts the contents back to `len` bytes (no-op when already shorter). */
void fl_strbuf_truncate(struct fl_strbuf *sb, size_t len);

/* Hands the NUL-terminated contents to the caller (an empty string when
 * nothing was appended) and resets the buffer. NULL on allocation failure. */
char *fl_strbuf_steal(struct fl_strbuf *sb);

/* Frees the contents; the buffer can be reused afterwards. */
void fl_strbuf_done(struct fl_strbuf *sb);
