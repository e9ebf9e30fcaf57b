/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 8941 / RFC 9651 structured fields. The parser functions mirror the
 * RFC's algorithms (section 4.2) one to one, named after them, so that each
 * rule can be checked against the text; see sfv.h for the data model.
 */
#include "sfv.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "macro.h"

struct parser {
        const char *s;
        size_t n;
        size_t pos;
        struct fl_sfv_error *error;
};

static int fail(struct parser *p, int r, const char *message) {
        if (p->error) {
                p->error->offset = p->pos;
                p->error->message = message;
        }
        return r;
}

#define BAD(p, msg) fail((p), -EBADMSG, (msg))
#define BIG(p, msg) fail((p), -E2BIG, (msg))

static bool at_end(const struct parser *p) {
        return p->pos >= p->n;
}

static int peek(const struct parser *p) {
        return at_end(p) ? -1 : (unsigned char) p->s[p->pos];
}

static void skip_sp(struct parser *p) {
        while (peek(p) == ' ')
                p->pos++;
}

static void skip_ows(struct parser *p) {
        while (peek(p) == ' ' || peek(p) == '\t')
                p->pos++;
}

static bool is_digit(int c) {
        return c >= '0' && c <= '9';
}

static bool is_alpha(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_lcalpha(int c) {
        return c >= 'a' && c <= 'z';
}

static bool is_key_char(int c) {
        return is_lcalpha(c) || is_digit(c) || c == '_' || c == '-' || c == '.' || c == '*';
}

/* RFC 9110 tchar, plus ':' and '/' which sf-token allows after the first. */
static bool is_token_char(int c) {
        return is_alpha(c) || is_digit(c) || (c > 0 && strchr("!#$%&'*+-.^_`|~:/", c));
}

static bool is_lchex(int c) {
        return is_digit(c) || (c >= 'a' && c <= 'f');
}

static int hex_value(int c) {
        return is_digit(c) ? c - '0' : c - 'a' + 10;
}

static bool utf8_is_valid(const uint8_t *s, size_t n) {
        for (size_t i = 0; i < n;) {
                uint8_t c = s[i];
                uint32_t cp, min;
                size_t len;

                if (c < 0x80) {
                        i++;
                        continue;
                }
                if ((c & 0xe0) == 0xc0) {
                        len = 2, cp = c & 0x1f, min = 0x80;
                } else if ((c & 0xf0) == 0xe0) {
                        len = 3, cp = c & 0x0f, min = 0x800;
                } else if ((c & 0xf8) == 0xf0) {
                        len = 4, cp = c & 0x07, min = 0x10000;
                } else {
                        return false;
                }
                if (n - i < len)
                        return false;
                for (size_t k = 1; k < len; k++) {
                        if ((s[i + k] & 0xc0) != 0x80)
                                return false;
                        cp = cp << 6 | (s[i + k] & 0x3f);
                }
                /* Overlong forms, surrogates and values past Unicode. */
                if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
                        return false;
                i += len;
        }
        return true;
}

/* Grows *array so that element n fits; capacity is the next power of two. */
static int grow(void **array, size_t n, size_t elem_size) {
        void *p;

        if (n != 0 && (n & (n - 1)) != 0)
                return 0;
        p = reallocarray(*array, n ? n * 2 : 1, elem_size);
        if (!p)
                return -ENOMEM;
        *array = p;
        return 0;
}

static void bare_done(struct fl_sfv_bare *b) {
        free(b->data);
        b->data = NULL;
}

static void params_done(struct fl_sfv_params *ps) {
        for (size_t i = 0; i < ps->n; i++) {
                free(ps->v[i].key);
                bare_done(&ps->v[i].value);
        }
        free(ps->v);
        ps->v = NULL;
        ps->n = 0;
}

static void item_done(struct fl_sfv_item *item) {
        bare_done(&item->bare);
        params_done(&item->params);
}

static void member_done(struct fl_sfv_member *m) {
        bare_done(&m->bare);
        for (size_t i = 0; i < m->n_items; i++)
                item_done(&m->items[i]);
        free(m->items);
        m->items = NULL;
        m->n_items = 0;
        params_done(&m->params);
}

struct fl_sfv_item *fl_sfv_item_free(struct fl_sfv_item *item) {
        if (item) {
                item_done(item);
                free(item);
        }
        return NULL;
}

struct fl_sfv_list *fl_sfv_list_free(struct fl_sfv_list *list) {
        if (list) {
                for (size_t i = 0; i < list->n; i++)
                        member_done(&list->v[i]);
                free(list->v);
                free(list);
        }
        return NULL;
}

struct fl_sfv_dict *fl_sfv_dict_free(struct fl_sfv_dict *dict) {
        if (dict) {
                for (size_t i = 0; i < dict->n; i++) {
                        free(dict->v[i].key);
                        member_done(&dict->v[i].value);
                }
                free(dict->v);
                free(dict);
        }
        return NULL;
}

/* 4.2.3.3 Parsing a Key */
static int parse_key(struct parser *p, char **ret) {
        size_t start = p->pos;
        char *key;

        if (!is_lcalpha(peek(p)) && peek(p) != '*')
                return BAD(p, "key must start with a lowercase letter or '*'");
        while (is_key_char(peek(p)))
                p->pos++;
        if (p->pos - start > FL_SFV_MAX_KEY)
                return BIG(p, "key is longer than 64 characters");
        key = strndup(p->s + start, p->pos - start);
        if (!key)
                return -ENOMEM;
        *ret = key;
        return 0;
}

/* 4.2.4 Parsing an Integer or a Decimal */
static int parse_number(struct parser *p, struct fl_sfv_bare *ret) {
        char buf[18];
        size_t len = 0, dot = 0;
        bool negative = false, decimal = false;
        int64_t v = 0;

        if (peek(p) == '-') {
                p->pos++;
                negative = true;
        }
        if (!is_digit(peek(p)))
                return BAD(p, "expected a digit");
        while (!at_end(p)) {
                int c = peek(p);

                if (is_digit(c)) {
                        buf[len++] = (char) c;
                } else if (!decimal && c == '.') {
                        if (len > 12)
                                return BAD(p, "decimal has more than 12 integer digits");
                        dot = len;
                        buf[len++] = '.';
                        decimal = true;
                } else {
                        break;
                }
                p->pos++;
                if (!decimal && len > 15)
                        return BAD(p, "integer has more than 15 digits");
                if (decimal && len > 16)
                        return BAD(p, "decimal has more than 16 characters");
        }

        if (!decimal) {
                for (size_t i = 0; i < len; i++)
                        v = v * 10 + (buf[i] - '0');
                *ret = (struct fl_sfv_bare){.type = FL_SFV_INTEGER, .integer = negative ? -v : v};
                return 0;
        }
        if (dot == len - 1)
                return BAD(p, "decimal ends with '.'");
        if (len - dot - 1 > 3)
                return BAD(p, "decimal has more than 3 fractional digits");
        for (size_t i = 0; i < dot; i++)
                v = v * 10 + (buf[i] - '0');
        for (size_t i = 0; i < 3; i++)
                v = v * 10 + (dot + 1 + i < len ? buf[dot + 1 + i] - '0' : 0);
        *ret = (struct fl_sfv_bare){.type = FL_SFV_DECIMAL, .integer = negative ? -v : v};
        return 0;
}

/* 4.2.5 Parsing a String */
static int parse_string(struct parser *p, struct fl_sfv_bare *ret) {
        struct fl_strbuf sb = {.max_len = FL_SFV_MAX_STRING};
        int r;

        p->pos++; /* '"' */
        for (;;) {
                int c;

                if (at_end(p)) {
                        r = BAD(p, "string is not terminated");
                        goto fail;
                }
                c = (unsigned char) p->s[p->pos++];
                if (c == '\\') {
                        if (at_end(p)) {
                                r = BAD(p, "string ends after a backslash");
                                goto fail;
                        }
                        c = (unsigned char) p->s[p->pos++];
                        if (c != '"' && c != '\\') {
                                r = BAD(p, "string has an escape other than \\\" or \\\\");
                                goto fail;
                        }
                } else if (c == '"') {
                        break;
                } else if (c < 0x20 || c > 0x7e) {
                        r = BAD(p, "string has a character outside printable ASCII");
                        goto fail;
                }
                r = fl_strbuf_append_char(&sb, (char) c);
                if (r == -E2BIG)
                        r = BIG(p, "string is longer than 1024 characters");
                if (r < 0)
                        goto fail;
        }
        *ret = (struct fl_sfv_bare){.type = FL_SFV_STRING, .len = sb.len};
        ret->data = fl_strbuf_steal(&sb);
        return ret->data ? 0 : -ENOMEM;
fail:
        fl_strbuf_done(&sb);
        return r;
}

/* 4.2.6 Parsing a Token (the caller checked the first character) */
static int parse_token(struct parser *p, struct fl_sfv_bare *ret) {
        size_t start = p->pos++;
        char *s;

        while (is_token_char(peek(p)))
                p->pos++;
        if (p->pos - start > FL_SFV_MAX_TOKEN)
                return BIG(p, "token is longer than 512 characters");
        s = strndup(p->s + start, p->pos - start);
        if (!s)
                return -ENOMEM;
        *ret = (struct fl_sfv_bare){.type = FL_SFV_TOKEN, .data = s, .len = p->pos - start};
        return 0;
}

/* 4.2.7 Parsing a Byte Sequence */
static int parse_bytes(struct parser *p, struct fl_sfv_bare *ret) {
        size_t start, len, size;
        uint8_t *data;
        int r;

        start = ++p->pos; /* ':' */
        while (!at_end(p) && p->s[p->pos] != ':')
                p->pos++;
        if (at_end(p))
                return BAD(p, "byte sequence is not terminated");
        len = p->pos - start;
        for (size_t i = start; i < p->pos; i++) {
                char c = p->s[i];
                if (!is_alpha(c) && !is_digit(c) && c != '+' && c != '/' && c != '=') {
                        p->pos = i;
                        return BAD(p, "byte sequence has a character outside base64");
                }
        }
        if (len > (FL_SFV_MAX_BYTES + 2) / 3 * 4)
                return BIG(p, "byte sequence is longer than 16384 bytes");
        r = fl_base64_decode(p->s + start, len, &data, &size);
        if (r == -EBADMSG)
                return BAD(p, "byte sequence is not valid base64");
        if (r < 0)
                return r;
        if (size > FL_SFV_MAX_BYTES) {
                free(data);
                return BIG(p, "byte sequence is longer than 16384 bytes");
        }
        p->pos++; /* ':' */
        *ret = (struct fl_sfv_bare){.type = FL_SFV_BYTES, .data = (char *) data, .len = size};
        return 0;
}

/* 4.2.8 Parsing a Boolean */
static int parse_boolean(struct parser *p, struct fl_sfv_bare *ret) {
        int c;

        p->pos++; /* '?' */
        c = peek(p);
        if (c != '0' && c != '1')
                return BAD(p, "boolean must be ?0 or ?1");
        p->pos++;
        *ret = (struct fl_sfv_bare){.type = FL_SFV_BOOLEAN, .integer = c == '1'};
        return 0;
}

/* RFC 9651 4.2.9 Parsing a Date */
static int parse_date(struct parser *p, struct fl_sfv_bare *ret) {
        struct fl_sfv_bare v;
        int r;

        p->pos++; /* '@' */
        r = parse_number(p, &v);
        if (r < 0)
                return r;
        if (v.type != FL_SFV_INTEGER)
                return BAD(p, "date must be an integer");
        *ret = (struct fl_sfv_bare){.type = FL_SFV_DATE, .integer = v.integer};
        return 0;
}

/* RFC 9651 4.2.10 Parsing a Display String */
static int parse_display_string(struct parser *p, struct fl_sfv_bare *ret) {
        struct fl_strbuf sb = {.max_len = FL_SFV_MAX_STRING};
        int r;

        p->pos++; /* '%' */
        if (peek(p) != '"')
                return BAD(p, "expected '\"' after '%'");
        p->pos++;
        for (;;) {
                int c;

                if (at_end(p)) {
                        r = BAD(p, "display string is not terminated");
                        goto fail;
                }
                c = (unsigned char) p->s[p->pos++];
                if (c < 0x20 || c > 0x7e) {
                        r = BAD(p, "display string has a character outside printable ASCII");
                        goto fail;
                }
                if (c == '%') {
                        if (p->n - p->pos < 2 || !is_lchex(p->s[p->pos]) ||
                                !is_lchex(p->s[p->pos + 1])) {
                                r = BAD(p, "display string has a '%' not followed by two "
                                           "lowercase hex digits");
                                goto fail;
                        }
                        c = hex_value(p->s[p->pos]) << 4 | hex_value(p->s[p->pos + 1]);
                        p->pos += 2;
                } else if (c == '"') {
                        if (!utf8_is_valid((const uint8_t *) sb.data, sb.len)) {
                                r = BAD(p, "display string is not valid UTF-8");
                                goto fail;
                        }
                        break;
                }
                r = fl_strbuf_append_char(&sb, (char) c);
                if (r == -E2BIG)
                        r = BIG(p, "display string is longer than 1024 bytes");
                if (r < 0)
                        goto fail;
        }
        *ret = (struct fl_sfv_bare){.type = FL_SFV_DISPLAY_STRING, .len = sb.len};
        ret->data = fl_strbuf_steal(&sb);
        return ret->data ? 0 : -ENOMEM;
fail:
        fl_strbuf_done(&sb);
        return r;
}

/* 4.2.3.1 Parsing a Bare Item */
static int parse_bare_item(struct parser *p, struct fl_sfv_bare *ret) {
        int c = peek(p);

        if (c == '-' || is_digit(c))
                return parse_number(p, ret);
        if (c == '"')
                return parse_string(p, ret);
        if (c == '*' || is_alpha(c))
                return parse_token(p, ret);
        if (c == ':')
                return parse_bytes(p, ret);
        if (c == '?')
                return parse_boolean(p, ret);
        if (c == '@')
                return parse_date(p, ret);
        if (c == '%')
                return parse_display_string(p, ret);
        return BAD(p, c < 0 ? "expected an item, found the end of the value" : "expected an item");
}

/* 4.2.3.2 Parsing Parameters */
static int parse_parameters(struct parser *p, struct fl_sfv_params *ps) {
        while (peek(p) == ';') {
                _cleanup_free_ char *key = NULL;
                struct fl_sfv_bare value = {.type = FL_SFV_BOOLEAN, .integer = 1};
                bool replaced = false;
                int r;

                p->pos++;
                skip_sp(p);
                r = parse_key(p, &key);
                if (r < 0)
                        return r;
                if (peek(p) == '=') {
                        p->pos++;
                        r = parse_bare_item(p, &value);
                        if (r < 0)
                                return r;
                }
                for (size_t i = 0; i < ps->n && !replaced; i++)
                        if (strcmp(ps->v[i].key, key) == 0) {
                                bare_done(&ps->v[i].value);
                                ps->v[i].value = value;
                                replaced = true;
                        }
                if (replaced)
                        continue;
                if (ps->n >= FL_SFV_MAX_PARAMS)
                        r = BIG(p, "more than 256 parameters");
                else
                        r = grow((void **) &ps->v, ps->n, sizeof(ps->v[0]));
                if (r < 0) {
                        bare_done(&value);
                        return r;
                }
                ps->v[ps->n++] = (struct fl_sfv_param){.key = TAKE_PTR(key), .value = value};
        }
        return 0;
}

/* 4.2.3 Parsing an Item */
static int parse_item(struct parser *p, struct fl_sfv_item *ret) {
        struct fl_sfv_item item = {};
        int r;

        r = parse_bare_item(p, &item.bare);
        if (r < 0)
                return r;
        r = parse_parameters(p, &item.params);
        if (r < 0) {
                item_done(&item);
                return r;
        }
        *ret = item;
        return 0;
}

/* 4.2.1.2 Parsing an Inner List */
static int parse_inner_list(struct parser *p, struct fl_sfv_member *m) {
        int r;

        m->inner = true;
        p->pos++; /* '(' */
        for (;;) {
                int c;

                skip_sp(p);
                if (at_end(p))
                        return BAD(p, "inner list is not terminated");
                if (peek(p) == ')') {
                        p->pos++;
                        return parse_parameters(p, &m->params);
                }
                if (m->n_items >= FL_SFV_MAX_INNER)
                        return BIG(p, "inner list has more than 256 items");
                r = grow((void **) &m->items, m->n_items, sizeof(m->items[0]));
                if (r < 0)
                        return r;
                r = parse_item(p, &m->items[m->n_items]);
                if (r < 0)
                        return r;
                m->n_items++;
                c = peek(p);
                if (c != ' ' && c != ')')
                        return BAD(p, c < 0 ? "inner list is not terminated"
                                            : "expected ' ' or ')' after an inner list item");
        }
}

/* 4.2.1.1 Parsing an Item or Inner List. On failure *m holds what was
 * parsed so far, for the caller to free. */
static int parse_item_or_inner_list(struct parser *p, struct fl_sfv_member *m) {
        int r;

        if (peek(p) == '(')
                return parse_inner_list(p, m);
        r = parse_bare_item(p, &m->bare);
        if (r < 0)
                return r;
        return parse_parameters(p, &m->params);
}

/* After a member: OWS, then the end or a comma followed by another member. */
static int parse_separator(struct parser *p, bool *ret_more) {
        skip_ows(p);
        if (at_end(p)) {
                *ret_more = false;
                return 0;
        }
        if (peek(p) != ',')
                return BAD(p, "expected ',' between members");
        p->pos++;
        skip_ows(p);
        if (at_end(p))
                return BAD(p, "value ends with a trailing comma");
        *ret_more = true;
        return 0;
}

/* 4.2.1 Parsing a List */
static int parse_list(struct parser *p, struct fl_sfv_list *list) {
        bool more = !at_end(p);
        int r;

        while (more) {
                if (list->n >= FL_SFV_MAX_MEMBERS)
                        return BIG(p, "list has more than 1024 members");
                r = grow((void **) &list->v, list->n, sizeof(list->v[0]));
                if (r < 0)
                        return r;
                list->v[list->n] = (struct fl_sfv_member){};
                r = parse_item_or_inner_list(p, &list->v[list->n]);
                list->n++; /* counted even on failure, so it gets freed */
                if (r < 0)
                        return r;
                r = parse_separator(p, &more);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* 4.2.2 Parsing a Dictionary */
static int parse_dict(struct parser *p, struct fl_sfv_dict *dict) {
        bool more = !at_end(p);
        int r;

        while (more) {
                _cleanup_free_ char *key = NULL;
                struct fl_sfv_member m = {};
                size_t i;

                r = parse_key(p, &key);
                if (r < 0)
                        return r;
                if (peek(p) == '=') {
                        p->pos++;
                        r = parse_item_or_inner_list(p, &m);
                } else {
                        m.bare = (struct fl_sfv_bare){.type = FL_SFV_BOOLEAN, .integer = 1};
                        r = parse_parameters(p, &m.params);
                }
                if (r < 0) {
                        member_done(&m);
                        return r;
                }
                for (i = 0; i < dict->n; i++)
                        if (strcmp(dict->v[i].key, key) == 0)
                                break;
                if (i < dict->n) {
                        member_done(&dict->v[i].value);
                        dict->v[i].value = m;
                } else {
                        if (dict->n >= FL_SFV_MAX_MEMBERS)
                                r = BIG(p, "dictionary has more than 1024 members");
                        else
                                r = grow((void **) &dict->v, dict->n, sizeof(dict->v[0]));
                        if (r < 0) {
                                member_done(&m);
                                return r;
                        }
                        dict->v[dict->n++] =
                                (struct fl_sfv_dict_entry){.key = TAKE_PTR(key), .value = m};
                }
                r = parse_separator(p, &more);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* 4.2 Parsing Structured Fields: the checks around every top-level type. */
static int parser_begin(
        struct parser *p, const char *input, size_t size, struct fl_sfv_error *error) {
        *p = (struct parser){.s = input, .n = size, .error = error};
        if (size > FL_SFV_MAX_INPUT)
                return BIG(p, "field value is longer than 65536 bytes");
        for (size_t i = 0; i < size; i++)
                if ((unsigned char) input[i] > 0x7f) {
                        p->pos = i;
                        return BAD(p, "field value has a non-ASCII byte");
                }
        skip_sp(p);
        return 0;
}

static int parser_end(struct parser *p) {
        skip_sp(p);
        if (!at_end(p))
                return BAD(p, "unexpected characters after the value");
        return 0;
}

int fl_sfv_parse_item(
        const char *input, size_t size, struct fl_sfv_item **ret, struct fl_sfv_error *error) {
        _cleanup_(fl_sfv_item_freep) struct fl_sfv_item *item = NULL;
        struct parser p;
        int r;

        r = parser_begin(&p, input, size, error);
        if (r < 0)
                return r;
        item = calloc(1, sizeof(*item));
        if (!item)
                return -ENOMEM;
        r = parse_item(&p, item);
        if (r < 0)
                return r;
        r = parser_end(&p);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(item);
        return 0;
}

int fl_sfv_parse_list(
        const char *input, size_t size, struct fl_sfv_list **ret, struct fl_sfv_error *error) {
        _cleanup_(fl_sfv_list_freep) struct fl_sfv_list *list = NULL;
        struct parser p;
        int r;

        r = parser_begin(&p, input, size, error);
        if (r < 0)
                return r;
        list = calloc(1, sizeof(*list));
        if (!list)
                return -ENOMEM;
        r = parse_list(&p, list);
        if (r < 0)
                return r;
        r = parser_end(&p);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(list);
        return 0;
}

int fl_sfv_parse_dict(
        const char *input, size_t size, struct fl_sfv_dict **ret, struct fl_sfv_error *error) {
        _cleanup_(fl_sfv_dict_freep) struct fl_sfv_dict *dict = NULL;
        struct parser p;
        int r;

        r = parser_begin(&p, input, size, error);
        if (r < 0)
                return r;
        dict = calloc(1, sizeof(*dict));
        if (!dict)
                return -ENOMEM;
        r = parse_dict(&p, dict);
        if (r < 0)
                return r;
        r = parser_end(&p);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(dict);
        return 0;
}

/* ---- Serialisation (RFC 8941 section 4.1) ---- */

int fl_sfv_append_integer(struct fl_strbuf *sb, int64_t v) {
        if (v < -FL_SFV_INTEGER_MAX || v > FL_SFV_INTEGER_MAX)
                return -EINVAL;
        return fl_strbuf_appendf(sb, "%" PRId64, v);
}

static int append_decimal(struct fl_strbuf *sb, int64_t thousandths) {
        int64_t a = thousandths < 0 ? -thousandths : thousandths;
        char frac[4];
        int r;

        if (thousandths < -FL_SFV_DECIMAL_MAX || thousandths > FL_SFV_DECIMAL_MAX)
                return -EINVAL;
        r = fl_strbuf_appendf(sb, "%s%" PRId64 ".", thousandths < 0 ? "-" : "", a / 1000);
        if (r < 0)
                return r;
        /* At least one fractional digit, no trailing zeros beyond it. */
        (void) snprintf(frac, sizeof(frac), "%03d", (int) (a % 1000));
        for (int i = 2; i > 0 && frac[i] == '0'; i--)
                frac[i] = '\0';
        return fl_strbuf_append_str(sb, frac);
}

int fl_sfv_append_string(struct fl_strbuf *sb, const char *s, size_t len) {
        int r;

        for (size_t i = 0; i < len; i++) {
                unsigned char c = s[i];
                if (c < 0x20 || c > 0x7e)
                        return -EINVAL;
        }
        r = fl_strbuf_append_char(sb, '"');
        for (size_t i = 0; i < len && r >= 0; i++) {
                if (s[i] == '"' || s[i] == '\\')
                        r = fl_strbuf_append_char(sb, '\\');
                if (r >= 0)
                        r = fl_strbuf_append_char(sb, s[i]);
        }
        if (r >= 0)
                r = fl_strbuf_append_char(sb, '"');
        return r;
}

int fl_sfv_append_token(struct fl_strbuf *sb, const char *s, size_t len) {
        if (len == 0 || (!is_alpha((unsigned char) s[0]) && s[0] != '*'))
                return -EINVAL;
        for (size_t i = 1; i < len; i++)
                if (!is_token_char((unsigned char) s[i]))
                        return -EINVAL;
        return fl_strbuf_append(sb, s, len);
}

static int append_bytes(struct fl_strbuf *sb, const void *data, size_t len) {
        int r;

        r = fl_strbuf_append_char(sb, ':');
        if (r >= 0)
                r = fl_base64_append(sb, data, len);
        if (r >= 0)
                r = fl_strbuf_append_char(sb, ':');
        return r;
}

static int append_display_string(struct fl_strbuf *sb, const char *s, size_t len) {
        int r;

        if (!utf8_is_valid((const uint8_t *) s, len))
                return -EINVAL;
        r = fl_strbuf_append(sb, "%\"", 2);
        for (size_t i = 0; i < len && r >= 0; i++) {
                unsigned char c = s[i];
                if (c == '%' || c == '"' || c < 0x20 || c > 0x7e)
                        r = fl_strbuf_appendf(sb, "%%%02x", c);
                else
                        r = fl_strbuf_append_char(sb, (char) c);
        }
        if (r >= 0)
                r = fl_strbuf_append_char(sb, '"');
        return r;
}

int fl_sfv_append_bare(struct fl_strbuf *sb, const struct fl_sfv_bare *b) {
        int r;

        switch (b->type) {
        case FL_SFV_INTEGER:
                return fl_sfv_append_integer(sb, b->integer);
        case FL_SFV_DECIMAL:
                return append_decimal(sb, b->integer);
        case FL_SFV_STRING:
                return fl_sfv_append_string(sb, b->data, b->len);
        case FL_SFV_TOKEN:
                return fl_sfv_append_token(sb, b->data, b->len);
        case FL_SFV_BYTES:
                return append_bytes(sb, b->data, b->len);
        case FL_SFV_BOOLEAN:
                if (b->integer != 0 && b->integer != 1)
                        return -EINVAL;
                return fl_strbuf_append(sb, b->integer ? "?1" : "?0", 2);
        case FL_SFV_DATE:
                r = fl_strbuf_append_char(sb, '@');
                return r < 0 ? r : fl_sfv_append_integer(sb, b->integer);
        case FL_SFV_DISPLAY_STRING:
                return append_display_string(sb, b->data, b->len);
        }
        return -EINVAL;
}

bool fl_sfv_key_is_valid(const char *key) {
        if (!key || (!is_lcalpha((unsigned char) key[0]) && key[0] != '*'))
                return false;
        for (const char *k = key + 1; *k; k++)
                if (!is_key_char((unsigned char) *k))
                        return false;
        return true;
}

int fl_sfv_append_key(struct fl_strbuf *sb, const char *key) {
        if (!fl_sfv_key_is_valid(key))
                return -EINVAL;
        return fl_strbuf_append_str(sb, key);
}

static bool bare_is_true(const struct fl_sfv_bare *b) {
        return b->type == FL_SFV_BOOLEAN && b->integer == 1;
}

int fl_sfv_append_params(struct fl_strbuf *sb, const struct fl_sfv_params *ps) {
        for (size_t i = 0; i < ps->n; i++) {
                int r;

                r = fl_strbuf_append_char(sb, ';');
                if (r >= 0)
                        r = fl_sfv_append_key(sb, ps->v[i].key);
                if (r >= 0 && !bare_is_true(&ps->v[i].value)) {
                        r = fl_strbuf_append_char(sb, '=');
                        if (r >= 0)
                                r = fl_sfv_append_bare(sb, &ps->v[i].value);
                }
                if (r < 0)
                        return r;
        }
        return 0;
}

int fl_sfv_append_item(struct fl_strbuf *sb, const struct fl_sfv_item *item) {
        int r;

        r = fl_sfv_append_bare(sb, &item->bare);
        return r < 0 ? r : fl_sfv_append_params(sb, &item->params);
}

int fl_sfv_append_member(struct fl_strbuf *sb, const struct fl_sfv_member *m) {
        int r;

        if (!m->inner) {
                r = fl_sfv_append_bare(sb, &m->bare);
                return r < 0 ? r : fl_sfv_append_params(sb, &m->params);
        }
        r = fl_strbuf_append_char(sb, '(');
        for (size_t i = 0; i < m->n_items && r >= 0; i++) {
                if (i > 0)
                        r = fl_strbuf_append_char(sb, ' ');
                if (r >= 0)
                        r = fl_sfv_append_item(sb, &m->items[i]);
        }
        if (r >= 0)
                r = fl_strbuf_append_char(sb, ')');
        return r < 0 ? r : fl_sfv_append_params(sb, &m->params);
}

static int finish(struct fl_strbuf *sb, int r, char **ret) {
        char *s;

        if (r < 0) {
                fl_strbuf_done(sb);
                return r;
        }
        s = fl_strbuf_steal(sb);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

int fl_sfv_serialize_item(const struct fl_sfv_item *item, char **ret) {
        struct fl_strbuf sb = {};

        return finish(&sb, fl_sfv_append_item(&sb, item), ret);
}

int fl_sfv_serialize_list(const struct fl_sfv_list *list, char **ret) {
        struct fl_strbuf sb = {};
        int r = 0;

        for (size_t i = 0; i < list->n && r >= 0; i++) {
                if (i > 0)
                        r = fl_strbuf_append(&sb, ", ", 2);
                if (r >= 0)
                        r = fl_sfv_append_member(&sb, &list->v[i]);
        }
        return finish(&sb, r, ret);
}

int fl_sfv_serialize_dict(const struct fl_sfv_dict *dict, char **ret) {
        struct fl_strbuf sb = {};
        int r = 0;

        for (size_t i = 0; i < dict->n && r >= 0; i++) {
                const struct fl_sfv_member *m = &dict->v[i].value;

                if (i > 0)
                        r = fl_strbuf_append(&sb, ", ", 2);
                if (r >= 0)
                        r = fl_sfv_append_key(&sb, dict->v[i].key);
                if (r < 0)
                        break;
                if (!m->inner && bare_is_true(&m->bare)) {
                        r = fl_sfv_append_params(&sb, &m->params);
                } else {
                        r = fl_strbuf_append_char(&sb, '=');
                        if (r >= 0)
                                r = fl_sfv_append_member(&sb, m);
                }
        }
        return finish(&sb, r, ret);
}

const struct fl_sfv_member *fl_sfv_dict_get(const struct fl_sfv_dict *dict, const char *key) {
        for (size_t i = 0; i < dict->n; i++)
                if (strcmp(dict->v[i].key, key) == 0)
                        return &dict->v[i].value;
        return NULL;
}

const struct fl_sfv_bare *fl_sfv_params_get(const struct fl_sfv_params *ps, const char *key) {
        for (size_t i = 0; i < ps->n; i++)
                if (strcmp(ps->v[i].key, key) == 0)
                        return &ps->v[i].value;
        return NULL;
}

const char *fl_sfv_type_to_string(enum fl_sfv_type type) {
        switch (type) {
        case FL_SFV_INTEGER:
                return "Integer";
        case FL_SFV_DECIMAL:
                return "Decimal";
        case FL_SFV_STRING:
                return "String";
        case FL_SFV_TOKEN:
                return "Token";
        case FL_SFV_BYTES:
                return "Byte Sequence";
        case FL_SFV_BOOLEAN:
                return "Boolean";
        case FL_SFV_DATE:
                return "Date";
        case FL_SFV_DISPLAY_STRING:
                return "Display String";
        }
        return "unknown";
}
