/* SPDX-License-Identifier: Apache-2.0 */
#include "strbuf.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static size_t strbuf_max(const struct fl_strbuf *sb) {
        return sb->max_len ? sb->max_len : FL_STRBUF_DEFAULT_MAX;
}

int fl_strbuf_reserve(struct fl_strbuf *sb, size_t size, char **ret) {
        size_t need;

        if (size > strbuf_max(sb) || sb->len > strbuf_max(sb) - size)
                return -E2BIG;
        need = sb->len + size + 1;
        if (need > sb->allocated) {
                size_t n = sb->allocated ? sb->allocated : 64;
                char *p;

                while (n < need)
                        n *= 2;
                p = realloc(sb->data, n);
                if (!p)
                        return -ENOMEM;
                sb->data = p;
                sb->allocated = n;
        }
        *ret = sb->data + sb->len;
        return 0;
}

void fl_strbuf_commit(struct fl_strbuf *sb, size_t size) {
        sb->len += size;
        sb->data[sb->len] = '\0';
}

int fl_strbuf_append(struct fl_strbuf *sb, const void *data, size_t size) {
        char *p;
        int r;

        r = fl_strbuf_reserve(sb, size, &p);
        if (r < 0)
                return r;
        if (size > 0)
                memcpy(p, data, size);
        fl_strbuf_commit(sb, size);
        return 0;
}

int fl_strbuf_append_str(struct fl_strbuf *sb, const char *s) {
        return fl_strbuf_append(sb, s, strlen(s));
}

int fl_strbuf_append_char(struct fl_strbuf *sb, char c) {
        return fl_strbuf_append(sb, &c, 1);
}

int fl_strbuf_appendf(struct fl_strbuf *sb, const char *fmt, ...) {
        va_list ap;
        char *p;
        int n, r;

        va_start(ap, fmt);
        n = vsnprintf(NULL, 0, fmt, ap);
        va_end(ap);
        if (n < 0)
                return -EINVAL;
        r = fl_strbuf_reserve(sb, (size_t) n, &p);
        if (r < 0)
                return r;
        va_start(ap, fmt);
        (void) vsnprintf(p, (size_t) n + 1, fmt, ap);
        va_end(ap);
        fl_strbuf_commit(sb, (size_t) n);
        return 0;
}

void fl_strbuf_truncate(struct fl_strbuf *sb, size_t len) {
        if (len < sb->len) {
                sb->len = len;
                sb->data[len] = '\0';
        }
}

char *fl_strbuf_steal(struct fl_strbuf *sb) {
        char *s = sb->data;

        if (!s)
                return strdup("");
        sb->data = NULL;
        sb->len = sb->allocated = 0;
        return s;
}

void fl_strbuf_done(struct fl_strbuf *sb) {
        free(sb->data);
        sb->data = NULL;
        sb->len = sb->allocated = 0;
}
