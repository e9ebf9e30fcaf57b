/* SPDX-License-Identifier: Apache-2.0 */
#include "template.h"

#include "macro.h"

#include <stdbool.h>
#include <string.h>

#define TEMPLATE_MAX_PARTS 64
#define TEMPLATE_NAME_MAX  64

struct part {
        bool ref;   /* a placeholder, else a literal */
        char *text; /* literal text, or the placeholder's name */
        size_t len;
};

struct fl_template {
        struct part *parts;
        size_t n_parts;
        size_t n_refs;
};

struct fl_template *fl_template_free(struct fl_template *t) {
        if (!t)
                return NULL;
        for (size_t i = 0; i < t->n_parts; i++)
                free(t->parts[i].text);
        free(t->parts);
        free(t);
        return NULL;
}
FL_DEFINE_CLEANUP(struct fl_template *, fl_template_free);

static bool name_char(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '-' || c == '.';
}

static int add_part(struct fl_template *t, bool ref, const char *text, size_t len) {
        char *copy;

        if (t->n_parts >= TEMPLATE_MAX_PARTS)
                return -E2BIG;
        copy = strndup(text, len);
        if (!copy)
                return -ENOMEM;
        t->parts[t->n_parts++] = (struct part){.ref = ref, .text = copy, .len = len};
        if (ref)
                t->n_refs++;
        return 0;
}

static int fail(const char *msg, size_t off, const char **ret_error, size_t *ret_offset) {
        if (ret_error)
                *ret_error = msg;
        if (ret_offset)
                *ret_offset = off;
        return -EINVAL;
}

int fl_template_compile(
        const char *s, struct fl_template **ret, const char **ret_error, size_t *ret_offset) {
        _cleanup_(fl_template_freep) struct fl_template *t = NULL;
        _cleanup_free_ char *lit = NULL;
        size_t n = strlen(s), lit_len = 0;
        int r;

        t = calloc(1, sizeof(*t));
        lit = malloc(n + 1);
        if (!t || !lit)
                return -ENOMEM;
        t->parts = calloc(TEMPLATE_MAX_PARTS, sizeof(*t->parts));
        if (!t->parts)
                return -ENOMEM;

        for (size_t i = 0; i < n; i++) {
                if (s[i] == '{' && s[i + 1] == '{') {
                        lit[lit_len++] = '{';
                        i++;
                        continue;
                }
                if (s[i] == '}' && s[i + 1] == '}') {
                        lit[lit_len++] = '}';
                        i++;
                        continue;
                }
                if (s[i] == '}')
                        return fail("unmatched '}' (write '}}' for a literal brace)", i, ret_error,
                                ret_offset);
                if (s[i] != '{') {
                        lit[lit_len++] = s[i];
                        continue;
                }

                size_t start = i + 1, end = start;
                while (end < n && name_char(s[end]))
                        end++;
                if (end >= n || s[end] != '}')
                        return fail(end >= n ? "unterminated placeholder"
                                             : "invalid character in placeholder name",
                                end >= n ? i : end, ret_error, ret_offset);
                if (end == start)
                        return fail("empty placeholder", i, ret_error, ret_offset);
                if (end - start > TEMPLATE_NAME_MAX)
                        return fail("placeholder name too long", i, ret_error, ret_offset);
                if (lit_len > 0) {
                        r = add_part(t, false, lit, lit_len);
                        if (r < 0)
                                return r == -E2BIG ? fail("too many placeholders", i, ret_error,
                                                             ret_offset)
                                                   : r;
                        lit_len = 0;
                }
                r = add_part(t, true, s + start, end - start);
                if (r < 0)
                        return r == -E2BIG ? fail("too many placeholders", i, ret_error, ret_offset)
                                           : r;
                i = end;
        }
        if (lit_len > 0) {
                r = add_part(t, false, lit, lit_len);
                if (r < 0)
                        return r == -E2BIG ? fail("too many placeholders", n, ret_error, ret_offset)
                                           : r;
        }
        *ret = TAKE_PTR(t);
        return 0;
}

size_t fl_template_n_refs(const struct fl_template *t) {
        return t->n_refs;
}

const char *fl_template_ref(const struct fl_template *t, size_t i) {
        for (size_t k = 0; k < t->n_parts; k++) {
                if (!t->parts[k].ref)
                        continue;
                if (i-- == 0)
                        return t->parts[k].text;
        }
        return NULL;
}

int fl_template_render(const struct fl_template *t, fl_template_lookup_fn lookup, void *userdata,
        char *buf, size_t size) {
        size_t len = 0;
        bool cut = false;

        if (size == 0)
                return -ENOBUFS;
        for (size_t i = 0; i < t->n_parts; i++) {
                const char *s = t->parts[i].text;
                size_t l = t->parts[i].len;
                if (t->parts[i].ref) {
                        s = lookup(s, userdata);
                        l = s ? strlen(s) : 0;
                }
                if (len + l >= size) {
                        l = size - 1 - len;
                        cut = true;
                }
                if (l > 0)
                        memcpy(buf + len, s, l);
                len += l;
                if (cut)
                        break;
        }
        buf[len] = '\0';
        return cut ? -ENOBUFS : (int) len;
}
