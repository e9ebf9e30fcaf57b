/* SPDX-License-Identifier: Apache-2.0 */
/* Reading files into the parser, and helpers over the parsed tree. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "arena.h"
#include "fileio.h"
#include "hcl.h"
#include "hcl_internal.h"

struct fl_hcl_file *fl_hcl_file_free(struct fl_hcl_file *f) {
        if (f)
                fl_arena_free(f->arena); /* f itself lives in its arena */
        return NULL;
}

int fl_hcl_parse_file(const char *path, struct fl_diags *diags, struct fl_hcl_file **ret) {
        _cleanup_free_ char *buf = NULL;
        struct stat st;
        size_t len;
        int r;

        r = fl_read_file_at(AT_FDCWD, path, FL_HCL_MAX_FILE_SIZE, &buf, &len);
        if (r == -EFBIG) {
                /* fl_hcl_parse() checks the size first: it reports the real
                 * size of a regular file without reading the data */
                if (stat(path, &st) == 0 && S_ISREG(st.st_mode) &&
                        st.st_size > FL_HCL_MAX_FILE_SIZE)
                        return fl_hcl_parse(NULL, (size_t) st.st_size, path, diags, ret);
                if (diags)
                        (void) fl_diags_add(diags, path, 1, 1,
                                "file is too large (more than %u MiB)",
                                FL_HCL_MAX_FILE_SIZE / (1024u * 1024u));
                return -EFBIG;
        }
        if (r < 0)
                return r;
        return fl_hcl_parse(buf, len, path, diags, ret);
}

const struct fl_hcl_attribute *fl_hcl_body_attribute(
        const struct fl_hcl_body *body, const char *name) {
        for (size_t i = 0; i < body->n_attributes; i++)
                if (strcmp(body->attributes[i].name, name) == 0)
                        return &body->attributes[i];
        return NULL;
}

const struct fl_hcl_value *fl_hcl_object_get(const struct fl_hcl_value *object, const char *key) {
        size_t len = strlen(key);

        if (object->type != FL_HCL_OBJECT)
                return NULL;
        for (size_t i = 0; i < object->object.n_items; i++) {
                const struct fl_hcl_object_item *it = &object->object.items[i];
                if (it->key_len == len && memcmp(it->key, key, len) == 0)
                        return &it->value;
        }
        return NULL;
}

const char *fl_hcl_type_name(enum fl_hcl_type type) {
        switch (type) {
        case FL_HCL_NULL:
                return "null";
        case FL_HCL_BOOL:
                return "bool";
        case FL_HCL_NUMBER:
                return "number";
        case FL_HCL_STRING:
                return "string";
        case FL_HCL_TUPLE:
                return "tuple";
        case FL_HCL_OBJECT:
                return "object";
        }
        return "unknown";
}

int fl_hcl_number_int64(const struct fl_hcl_value *v, int64_t *ret) {
        /* value = D * 10^E, D the significant digits without leading or
         * trailing zeros; only the first 20 digits of D are kept, which is
         * enough: an int64_t has at most 19 */
        char digits[20];
        size_t nd = 0, pending_zeros = 0;
        long frac_digits = 0, exp = 0, e;
        bool negative = false, in_frac = false;
        uint64_t x = 0;
        const char *s;

        if (v->type != FL_HCL_NUMBER)
                return -EINVAL;
        s = v->number.text;
        if (*s == '-') {
                negative = true;
                s++;
        }
        for (;; s++) {
                if (*s == '.' && !in_frac) {
                        in_frac = true;
                        continue;
                }
                if (*s < '0' || *s > '9')
                        break;
                if (in_frac)
                        frac_digits++;
                if (*s == '0') {
                        if (nd > 0)
                                pending_zeros++;
                        continue;
                }
                for (; pending_zeros > 0; pending_zeros--, nd++)
                        if (nd < sizeof(digits))
                                digits[nd] = '0';
                if (nd < sizeof(digits))
                        digits[nd] = *s;
                nd++;
        }
        if (*s == 'e' || *s == 'E') {
                bool eneg = false;

                s++;
                if (*s == '+' || *s == '-')
                        eneg = *s++ == '-';
                for (e = 0; *s >= '0' && *s <= '9'; s++)
                        if (e < 1000000)
                                e = e * 10 + (*s - '0');
                exp = eneg ? -e : e;
        }
        if (nd == 0) {
                *ret = 0;
                return 0;
        }
        exp = exp - frac_digits + (long) pending_zeros;
        if (exp < 0)
                return -EDOM;
        if ((long) nd + exp > 19)
                return -ERANGE;
        for (size_t i = 0; i < nd; i++)
                x = x * 10 + (uint64_t) (digits[i] - '0');
        for (long i = 0; i < exp; i++)
                x *= 10;
        if (negative) {
                if (x > (uint64_t) INT64_MAX + 1)
                        return -ERANGE;
                *ret = x == (uint64_t) INT64_MAX + 1 ? INT64_MIN : -(int64_t) x;
        } else {
                if (x > (uint64_t) INT64_MAX)
                        return -ERANGE;
                *ret = (int64_t) x;
        }
        return 0;
}

const char *fl_hcl_quote(const char *s, size_t len, char *buf) {
        static const char hex[] = "0123456789abcdef";
        size_t out = 0, chars = 0, i = 0;

        buf[out++] = '"';
        while (i < len) {
                unsigned char c = (unsigned char) s[i];
                uint32_t cp;
                size_t n;

                if (chars == 64) {
                        memcpy(buf + out, "...", 3);
                        out += 3;
                        break;
                }
                chars++;
                if (c == '"' || c == '\\') {
                        buf[out++] = '\\';
                        buf[out++] = (char) c;
                        i++;
                } else if (c == '\n' || c == '\r' || c == '\t') {
                        buf[out++] = '\\';
                        buf[out++] = c == '\n' ? 'n' : c == '\r' ? 'r' : 't';
                        i++;
                } else if (c < 0x20 || c == 0x7F) {
                        memcpy(buf + out, "\\u00", 4);
                        buf[out + 4] = hex[c >> 4];
                        buf[out + 5] = hex[c & 0xF];
                        out += 6;
                        i++;
                } else if (c < 0x80) {
                        buf[out++] = (char) c;
                        i++;
                } else if ((n = fl_utf8_decode((const unsigned char *) s + i,
                                    (const unsigned char *) s + len, &cp)) > 0) {
                        memcpy(buf + out, s + i, n);
                        out += n;
                        i += n;
                } else {
                        memcpy(buf + out, "\\ufffd", 6);
                        out += 6;
                        i++;
                }
        }
        buf[out++] = '"';
        buf[out] = '\0';
        return buf;
}
