/* SPDX-License-Identifier: Apache-2.0 */
/*
 * HCL trees as JSON: the hcl2json-compatible printer and the jansson
 * conversion. See hcl_json.h for the shape and why the printer is our own.
 */
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "hcl_json.h"

struct out {
        char *buf;
        size_t len;
        size_t cap;
        bool oom;
        const char *filename;
        struct fl_diags *diags;
        size_t n_errors;
        /* one scratch array of body entries, shared by nested bodies */
        struct entry *entries;
        size_t n_entries;
        size_t entries_cap;
};

/* One attribute or block of a body, placed by its key path: the attribute
 * name, or the block type followed by its labels. */
struct entry {
        const struct fl_hcl_attribute *attr;
        const struct fl_hcl_block *block;
        const char *name; /* the first key, measured once: sorting compares it often */
        size_t name_len;
        size_t order;
};

static void out_error(struct out *o, const struct fl_hcl_pos *pos, const char *fmt, ...)
        _printf_(3, 4);
static void out_error(struct out *o, const struct fl_hcl_pos *pos, const char *fmt, ...) {
        va_list ap;

        o->n_errors++;
        if (!o->diags)
                return;
        va_start(ap, fmt);
        if (fl_diags_addv(o->diags, o->filename, pos->line, pos->column, fmt, ap) == -ENOMEM)
                o->oom = true;
        va_end(ap);
}

static bool reserve(struct out *o, size_t more) {
        size_t cap;
        char *b;

        if (o->oom)
                return false;
        if (o->len + more < o->cap)
                return true;
        cap = o->cap ? o->cap : 4096;
        while (cap <= o->len + more)
                cap *= 2;
        b = realloc(o->buf, cap);
        if (!b) {
                o->oom = true;
                return false;
        }
        o->buf = b;
        o->cap = cap;
        return true;
}

static void put(struct out *o, const char *s, size_t n) {
        if (!reserve(o, n))
                return;
        memcpy(o->buf + o->len, s, n);
        o->len += n;
}

static void putc_(struct out *o, char c) {
        if (!reserve(o, 1))
                return;
        o->buf[o->len++] = c;
}

static void newline_indent(struct out *o, unsigned level) {
        if (!reserve(o, 1 + 4 * (size_t) level))
                return;
        o->buf[o->len++] = '\n';
        memset(o->buf + o->len, ' ', 4 * (size_t) level);
        o->len += 4 * (size_t) level;
}

/* A JSON string escaped as Go's encoding/json does (HTML-safe). With
 * `template`, "${" and "%{" are written "$${" and "%%{". */
static void put_string(struct out *o, const char *s, size_t len, bool template) {
        static const char hex[] = "0123456789abcdef";
        size_t run = 0;

        putc_(o, '"');
        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char) s[i];
                const char *esc = NULL;
                char u[6];

                if (c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' &&
                        c != '$' && c != '%' && c != 0xE2)
                        continue;
                switch (c) {
                case '"':
                        esc = "\\\"";
                        break;
                case '\\':
                        esc = "\\\\";
                        break;
                case '\n':
                        esc = "\\n";
                        break;
                case '\r':
                        esc = "\\r";
                        break;
                case '\t':
                        esc = "\\t";
                        break;
                case '\b':
                        esc = "\\b";
                        break;
                case '\f':
                        esc = "\\f";
                        break;
                case '$':
                case '%':
                        if (template && i + 1 < len && s[i + 1] == '{') {
                                put(o, s + run, i + 1 - run);
                                run = i; /* the sign again */
                        }
                        continue;
                case 0xE2: /* U+2028 and U+2029 are E2 80 A8 / E2 80 A9 */
                        if (i + 2 < len && (unsigned char) s[i + 1] == 0x80 &&
                                ((unsigned char) s[i + 2] == 0xA8 ||
                                        (unsigned char) s[i + 2] == 0xA9)) {
                                put(o, s + run, i - run);
                                put(o, (unsigned char) s[i + 2] == 0xA8 ? "\\u2028" : "\\u2029", 6);
                                i += 2;
                                run = i + 1;
                        }
                        continue;
                default:
                        u[0] = '\\';
                        u[1] = 'u';
                        u[2] = '0';
                        u[3] = '0';
                        u[4] = hex[c >> 4];
                        u[5] = hex[c & 0xF];
                        put(o, s + run, i - run);
                        put(o, u, 6);
                        run = i + 1;
                        continue;
                }
                put(o, s + run, i - run);
                put(o, esc, strlen(esc));
                run = i + 1;
        }
        put(o, s + run, len - run);
        putc_(o, '"');
}

/* Writes a number literal as Go's big.Float.Text('f', -1) prints it after
 * HCL parsed it at 512-bit precision: plain decimal, every digit, no
 * trailing zeros. Exact for literals of up to FL_HCL_JSON_MAX_DIGITS
 * significant digits. */
static void put_number(struct out *o, const struct fl_hcl_value *v) {
        const char *s = v->number.text;
        bool negative = false, in_frac = false;
        size_t nd = 0, pending_zeros = 0;
        long frac_digits = 0, exp = 0, e, point;
        char digits[FL_HCL_JSON_MAX_DIGITS];

        if (*s == '-') {
                negative = true;
                s++;
        }
        /* significant digits D and exponent E with value = D * 10^E */
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
                if (nd + pending_zeros + 1 > FL_HCL_JSON_MAX_DIGITS) {
                        out_error(o, &v->pos,
                                "number has more than %d significant digits: hcl2json would round "
                                "it",
                                FL_HCL_JSON_MAX_DIGITS);
                        return;
                }
                for (; pending_zeros > 0; pending_zeros--)
                        digits[nd++] = '0';
                digits[nd++] = *s;
        }
        if (*s == 'e' || *s == 'E') {
                bool eneg = false;

                s++;
                if (*s == '+' || *s == '-')
                        eneg = *s++ == '-';
                for (e = 0; *s >= '0' && *s <= '9'; s++)
                        if (e < 100000000)
                                e = e * 10 + (*s - '0');
                exp = eneg ? -e : e;
        }
        if (nd == 0) {
                put(o, negative ? "-0" : "0", negative ? 2 : 1);
                return;
        }
        exp = exp - frac_digits + (long) pending_zeros;
        point = (long) nd + exp; /* digits before the decimal point */
        if (point > FL_HCL_JSON_MAX_EXPONENT || point < -FL_HCL_JSON_MAX_EXPONENT) {
                out_error(o, &v->pos, "number \"%.40s\" is too large or too small to print exactly",
                        v->number.text);
                return;
        }
        if (!reserve(o, nd + (size_t) labs(exp) + 4))
                return;
        if (negative)
                o->buf[o->len++] = '-';
        if (exp >= 0) {
                memcpy(o->buf + o->len, digits, nd);
                o->len += nd;
                memset(o->buf + o->len, '0', (size_t) exp);
                o->len += (size_t) exp;
        } else if (point > 0) {
                memcpy(o->buf + o->len, digits, (size_t) point);
                o->len += (size_t) point;
                o->buf[o->len++] = '.';
                memcpy(o->buf + o->len, digits + point, nd - (size_t) point);
                o->len += nd - (size_t) point;
        } else {
                o->buf[o->len++] = '0';
                o->buf[o->len++] = '.';
                memset(o->buf + o->len, '0', (size_t) -point);
                o->len += (size_t) -point;
                memcpy(o->buf + o->len, digits, nd);
                o->len += nd;
        }
}

static void put_value(struct out *o, const struct fl_hcl_value *v, unsigned level);

static int compare_items(const void *a, const void *b) {
        const struct fl_hcl_object_item *x = *(const struct fl_hcl_object_item *const *) a;
        const struct fl_hcl_object_item *y = *(const struct fl_hcl_object_item *const *) b;
        /* Keys are unique and written as they sort: the "$${" escape of quoted
         * keys is applied to both sides of a comparison by json_key(). */
        size_t n = x->key_len < y->key_len ? x->key_len : y->key_len;
        int c = memcmp(x->key, y->key, n);

        if (c != 0)
                return c;
        return x->key_len < y->key_len ? -1 : x->key_len > y->key_len ? 1 : 0;
}

/* Whether hcl2json writes this key differently from its decoded text. */
static bool key_needs_escape(const struct fl_hcl_object_item *it) {
        if (!it->key_quoted)
                return false;
        for (size_t i = 0; i + 1 < it->key_len; i++)
                if ((it->key[i] == '$' || it->key[i] == '%') && it->key[i + 1] == '{')
                        return true;
        return false;
}

/* The key as hcl2json writes it, for sorting: quoted keys get "$${". */
static int escaped_key(
        const struct fl_hcl_object_item *it, struct fl_hcl_object_item *ret, char **ret_buf) {
        size_t n = 0;
        char *b = malloc(it->key_len * 2 + 1);

        if (!b)
                return -ENOMEM;
        for (size_t i = 0; i < it->key_len; i++) {
                if ((it->key[i] == '$' || it->key[i] == '%') && i + 1 < it->key_len &&
                        it->key[i + 1] == '{')
                        b[n++] = it->key[i];
                b[n++] = it->key[i];
        }
        *ret = *it;
        ret->key = b;
        ret->key_len = n;
        ret->key_quoted = false;
        *ret_buf = b;
        return 0;
}

static void put_object(struct out *o, const struct fl_hcl_value *v, unsigned level) {
        size_t n = v->object.n_items, n_escaped = 0;
        const struct fl_hcl_object_item **sorted;
        struct fl_hcl_object_item *escaped = NULL;
        char **bufs = NULL;

        if (n == 0) {
                put(o, "{}", 2);
                return;
        }
        sorted = calloc(n, sizeof(*sorted));
        if (!sorted) {
                o->oom = true;
                return;
        }
        for (size_t i = 0; i < n; i++) {
                const struct fl_hcl_object_item *it = &v->object.items[i];

                sorted[i] = it;
                if (!key_needs_escape(it))
                        continue;
                if (!escaped) {
                        escaped = calloc(n, sizeof(*escaped));
                        bufs = calloc(n, sizeof(*bufs));
                        if (!escaped || !bufs) {
                                o->oom = true;
                                goto finish;
                        }
                }
                if (escaped_key(it, &escaped[n_escaped], &bufs[n_escaped]) < 0) {
                        o->oom = true;
                        goto finish;
                }
                sorted[i] = &escaped[n_escaped++];
        }
        qsort(sorted, n, sizeof(*sorted), compare_items);
        putc_(o, '{');
        for (size_t i = 0; i < n; i++) {
                if (i > 0)
                        putc_(o, ',');
                newline_indent(o, level + 1);
                put_string(o, sorted[i]->key, sorted[i]->key_len, sorted[i]->key_quoted);
                put(o, ": ", 2);
                put_value(o, &sorted[i]->value, level + 1);
        }
        newline_indent(o, level);
        putc_(o, '}');
finish:
        for (size_t i = 0; bufs && i < n_escaped; i++)
                free(bufs[i]);
        free(bufs);
        free(escaped);
        free(sorted);
}

static void put_value(struct out *o, const struct fl_hcl_value *v, unsigned level) {
        switch (v->type) {
        case FL_HCL_NULL:
                put(o, "null", 4);
                return;
        case FL_HCL_BOOL:
                if (v->boolean)
                        put(o, "true", 4);
                else
                        put(o, "false", 5);
                return;
        case FL_HCL_NUMBER:
                put_number(o, v);
                return;
        case FL_HCL_STRING:
                put_string(o, v->string.ptr, v->string.len, true);
                return;
        case FL_HCL_TUPLE:
                if (v->tuple.n_items == 0) {
                        put(o, "[]", 2);
                        return;
                }
                putc_(o, '[');
                for (size_t i = 0; i < v->tuple.n_items; i++) {
                        if (i > 0)
                                putc_(o, ',');
                        newline_indent(o, level + 1);
                        put_value(o, &v->tuple.items[i], level + 1);
                }
                newline_indent(o, level);
                putc_(o, ']');
                return;
        case FL_HCL_OBJECT:
                put_object(o, v, level);
                return;
        }
}

/* Key `depth` of an entry's path, and the path length. */
static size_t entry_len(const struct entry *e) {
        return e->attr ? 1 : 1 + e->block->n_labels;
}

static void entry_key(const struct entry *e, size_t depth, const char **ret, size_t *ret_len) {
        if (depth == 0) {
                *ret = e->name;
                *ret_len = e->name_len;
        } else {
                *ret = e->block->labels[depth - 1].text;
                *ret_len = e->block->labels[depth - 1].len;
        }
}

static int compare_key(const struct entry *a, const struct entry *b, size_t depth) {
        const char *x, *y;
        size_t xl, yl;
        int c;

        entry_key(a, depth, &x, &xl);
        entry_key(b, depth, &y, &yl);
        c = memcmp(x, y, xl < yl ? xl : yl);
        if (c != 0)
                return c;
        return xl < yl ? -1 : xl > yl ? 1 : 0;
}

/* Path order, shorter paths first, then source order (so blocks with the
 * same path keep their order in the JSON array). */
static int compare_entries(const void *pa, const void *pb) {
        const struct entry *a = pa, *b = pb;
        size_t la = entry_len(a), lb = entry_len(b);

        for (size_t d = 0; d < la && d < lb; d++) {
                int c = compare_key(a, b, d);
                if (c != 0)
                        return c;
        }
        if (la != lb)
                return la < lb ? -1 : 1;
        return a->order < b->order ? -1 : a->order > b->order ? 1 : 0;
}

static void put_body(struct out *o, const struct fl_hcl_body *body, unsigned level);
static void check_body(struct out *o, const struct fl_hcl_body *body);

/* Writes the object holding key `depth` of entries [lo, hi), which share
 * their first `depth` keys. */
static void put_group(struct out *o, size_t lo, size_t hi, size_t depth, unsigned level) {
        bool first = true;

        putc_(o, '{');
        for (size_t i = lo; i < hi;) {
                const struct entry *e = &o->entries[i];
                const struct entry *attr = NULL;
                size_t j = i;
                const char *key;
                size_t key_len;

                while (j < hi && compare_key(&o->entries[j], e, depth) == 0) {
                        if (o->entries[j].attr)
                                attr = &o->entries[j];
                        j++;
                }
                if (!first)
                        putc_(o, ',');
                first = false;
                newline_indent(o, level + 1);
                entry_key(e, depth, &key, &key_len);
                put_string(o, key, key_len, false);
                put(o, ": ", 2);
                if (attr) {
                        /* hcl2json sets attributes after blocks: the attribute
                         * wins, but the blocks were converted first and their
                         * errors still count */
                        put_value(o, &attr->attr->value, level + 1);
                        for (size_t k = i; k < j; k++)
                                if (o->entries[k].block)
                                        check_body(o, &o->entries[k].block->body);
                } else if (entry_len(e) == depth + 1) {
                        putc_(o, '[');
                        for (size_t k = i; k < j; k++) {
                                if (k > i)
                                        putc_(o, ',');
                                newline_indent(o, level + 2);
                                put_body(o, &o->entries[k].block->body, level + 2);
                        }
                        newline_indent(o, level + 1);
                        putc_(o, ']');
                } else
                        put_group(o, i, j, depth + 1, level + 1);
                i = j;
        }
        if (!first)
                newline_indent(o, level);
        putc_(o, '}');
}

/* hcl2json cannot nest a block inside the array of another block with the
 * same type and fewer labels: a path that is a prefix of another is an error. */
static bool check_paths(struct out *o, size_t lo, size_t hi) {
        const struct entry *prev = NULL;
        bool ok = true;

        for (size_t i = lo; i < hi; i++) {
                const struct entry *e = &o->entries[i];
                size_t lp, le, d;

                if (e->attr)
                        continue;
                if (prev && (lp = entry_len(prev)) < (le = entry_len(e))) {
                        for (d = 0; d < lp && compare_key(prev, e, d) == 0; d++)
                                ;
                        if (d == lp) {
                                const struct entry *later = prev->order > e->order ? prev : e;
                                const struct entry *other = later == e ? prev : e;
                                out_error(o, &later->block->pos,
                                        "cannot convert to JSON: block \"%s\" has %zu label%s here "
                                        "but %zu at %u:%u",
                                        later->block->type, later->block->n_labels,
                                        later->block->n_labels == 1 ? "" : "s",
                                        other->block->n_labels, other->block->pos.line,
                                        other->block->pos.column);
                                ok = false;
                        }
                }
                prev = e;
        }
        return ok;
}

/* Pushes the blocks (and the attributes, with `attrs`) of a body on the
 * entries stack, sorted by path. Returns how many, or 0 when out of memory. */
static size_t push_entries(struct out *o, const struct fl_hcl_body *body, bool attrs) {
        size_t base = o->n_entries, order = 0;
        size_t n = body->n_blocks + (attrs ? body->n_attributes : 0);

        if (o->oom || n == 0)
                return 0;
        if (o->n_entries + n > o->entries_cap) {
                size_t cap = o->entries_cap ? o->entries_cap : 256;
                struct entry *e;

                while (cap < o->n_entries + n)
                        cap *= 2;
                e = reallocarray(o->entries, cap, sizeof(*e));
                if (!e) {
                        o->oom = true;
                        return 0;
                }
                o->entries = e;
                o->entries_cap = cap;
        }
        for (size_t i = 0; i < body->n_blocks; i++)
                o->entries[o->n_entries++] = (struct entry){
                        .block = &body->blocks[i],
                        .name = body->blocks[i].type,
                        .name_len = strlen(body->blocks[i].type),
                        .order = order++,
                };
        for (size_t i = 0; attrs && i < body->n_attributes; i++)
                o->entries[o->n_entries++] = (struct entry){
                        .attr = &body->attributes[i],
                        .name = body->attributes[i].name,
                        .name_len = strlen(body->attributes[i].name),
                        .order = order++,
                };
        if (n > 1)
                qsort(o->entries + base, n, sizeof(struct entry), compare_entries);
        return n;
}

static void put_body(struct out *o, const struct fl_hcl_body *body, unsigned level) {
        size_t base = o->n_entries, n = push_entries(o, body, true);

        if (check_paths(o, base, base + n))
                put_group(o, base, base + n, 0, level);
        o->n_entries = base;
}

/* The checks of put_body() without the output, for the blocks an attribute
 * of the same name hides. */
static void check_body(struct out *o, const struct fl_hcl_body *body) {
        size_t base = o->n_entries, n = push_entries(o, body, false);

        (void) check_paths(o, base, base + n);
        for (size_t k = base; k < base + n; k++)
                check_body(o, &o->entries[k].block->body);
        o->n_entries = base;
}

int fl_hcl_to_json_text(
        const struct fl_hcl_file *f, struct fl_diags *diags, char **ret_text, size_t *ret_len) {
        struct out o = {.filename = f->filename, .diags = diags};
        size_t diag_start = diags ? diags->n_items : 0;

        put_body(&o, &f->body, 0);
        putc_(&o, '\0');
        free(o.entries);
        if (diags)
                fl_diags_sort_from(diags, diag_start);
        if (o.oom) {
                free(o.buf);
                return -ENOMEM;
        }
        if (o.n_errors > 0) {
                free(o.buf);
                return -EINVAL;
        }
        if (ret_len)
                *ret_len = o.len - 1;
        *ret_text = o.buf;
        return 0;
}

int fl_hcl_value_to_json(const struct fl_hcl_value *v, json_t **ret) {
        json_t *j = NULL;
        int64_t i;
        int r;

        switch (v->type) {
        case FL_HCL_NULL:
                j = json_null();
                break;
        case FL_HCL_BOOL:
                j = json_boolean(v->boolean);
                break;
        case FL_HCL_NUMBER:
                if (fl_hcl_number_int64(v, &i) == 0)
                        j = json_integer(i);
                else if (isfinite(v->number.value))
                        j = json_real(v->number.value);
                else
                        return -ERANGE;
                break;
        case FL_HCL_STRING:
                j = json_stringn_nocheck(v->string.ptr, v->string.len);
                break;
        case FL_HCL_TUPLE:
                j = json_array();
                for (size_t k = 0; j && k < v->tuple.n_items; k++) {
                        json_t *item;
                        r = fl_hcl_value_to_json(&v->tuple.items[k], &item);
                        if (r < 0) {
                                json_decref(j);
                                return r;
                        }
                        if (json_array_append_new(j, item) < 0) {
                                json_decref(j);
                                return -ENOMEM;
                        }
                }
                break;
        case FL_HCL_OBJECT:
                j = json_object();
                for (size_t k = 0; j && k < v->object.n_items; k++) {
                        const struct fl_hcl_object_item *it = &v->object.items[k];
                        json_t *item;
                        r = fl_hcl_value_to_json(&it->value, &item);
                        if (r < 0) {
                                json_decref(j);
                                return r;
                        }
                        if (json_object_setn_new_nocheck(j, it->key, it->key_len, item) < 0) {
                                json_decref(j);
                                return -ENOMEM;
                        }
                }
                break;
        }
        if (!j)
                return -ENOMEM;
        *ret = j;
        return 0;
}
