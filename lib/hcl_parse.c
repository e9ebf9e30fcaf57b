/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The HCL parser: tokens to the tree described in hcl.h, by recursive
 * descent over the literal-only subset of HCL's native syntax.
 *
 * Speed: every node lives in the file's arena, and bodies, tuples and objects
 * are built on four scratch stacks (one per element type). A nested body
 * pushes above its parent's elements and, once closed, is copied into the
 * arena as one array and popped, so each element is copied once and there is
 * no per-node malloc.
 *
 * Recovery: a problem inside a value makes the enclosing tuple or object skip
 * to its closing bracket, and the enclosing attribute skip to the end of its
 * line (or to the "}" that closes its body), so one mistake yields one message
 * and parsing carries on with the next line. Lexical problems (bad escapes,
 * invalid UTF-8) do not interrupt parsing at all. Only running out of memory
 * and nesting deeper than FL_HCL_MAX_DEPTH stop it; once the diagnostics list
 * is full, further problems are only counted.
 */
#include <errno.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hcl_internal.h"

#define STACK(T)            \
        struct {            \
                T *v;       \
                size_t n;   \
                size_t cap; \
        }

struct parser {
        struct fl_hcl_lexer lex;
        struct fl_hcl_token tok; /* current token */
        struct fl_hcl_token ahead;
        bool has_ahead;
        unsigned depth;
        STACK(struct fl_hcl_attribute) attrs;
        STACK(struct fl_hcl_block) blocks;
        STACK(struct fl_hcl_value) values;
        STACK(struct fl_hcl_object_item) items;
        uint32_t *hash; /* duplicate detection for large bodies and objects */
        size_t hash_cap;
        locale_t c_locale;
};

/* Grows a scratch stack so it can take one more element. */
#define STACK_PUSH(p, s, x)                                                               \
        ({                                                                                \
                bool _ok = true;                                                          \
                if ((s).n == (s).cap) {                                                   \
                        size_t _cap = (s).cap ? (s).cap * 2 : 64;                         \
                        __typeof__((s).v) _v = reallocarray((s).v, _cap, sizeof(*(s).v)); \
                        if (_v) {                                                         \
                                (s).v = _v;                                               \
                                (s).cap = _cap;                                           \
                        } else {                                                          \
                                (p)->lex.fatal = -ENOMEM;                                 \
                                _ok = false;                                              \
                        }                                                                 \
                }                                                                         \
                if (_ok)                                                                  \
                        (s).v[(s).n++] = (x);                                             \
                _ok;                                                                      \
        })

/* Elements from `base` on, without arithmetic on a NULL (never grown) stack. */
#define STACK_AT(s, base) ((s).v ? (s).v + (base) : NULL)

/* Moves elements [base, n) of a scratch stack into an arena array. */
#define STACK_TAKE(p, s, base, ret_items, ret_n)                                           \
        do {                                                                               \
                size_t _k = (s).n - (base);                                                \
                (ret_items) = NULL;                                                        \
                (ret_n) = 0;                                                               \
                if (_k > 0) {                                                              \
                        (ret_items) = fl_arena_alloc((p)->lex.arena, _k * sizeof(*(s).v)); \
                        if (!(ret_items))                                                  \
                                (p)->lex.fatal = -ENOMEM;                                  \
                        else {                                                             \
                                memcpy((ret_items), (s).v + (base), _k * sizeof(*(s).v));  \
                                (ret_n) = _k;                                              \
                        }                                                                  \
                }                                                                          \
                (s).n = (base);                                                            \
        } while (0)

static inline bool fatal(const struct parser *p) {
        return p->lex.fatal < 0;
}

static void error_at(struct parser *p, const struct fl_hcl_pos *pos, const char *fmt, ...)
        _printf_(3, 4);
static void error_at(struct parser *p, const struct fl_hcl_pos *pos, const char *fmt, ...) {
        char msg[512];
        va_list ap;

        va_start(ap, fmt);
        vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        fl_hcl_lex_error(&p->lex, pos, "%s", msg);
}

static void next(struct parser *p) {
        if (p->has_ahead) {
                p->tok = p->ahead;
                p->has_ahead = false;
        } else
                fl_hcl_lex_next(&p->lex, &p->tok);
}

static const struct fl_hcl_token *peek(struct parser *p) {
        if (!p->has_ahead) {
                fl_hcl_lex_next(&p->lex, &p->ahead);
                p->has_ahead = true;
        }
        return &p->ahead;
}

static bool tok_is(const struct fl_hcl_token *t, const char *s) {
        size_t n = strlen(s);
        return t->len == n && memcmp(t->text, s, n) == 0;
}

/* How a token reads in a message: "}", "foo", a string, end of line... */
static const char *describe(const struct fl_hcl_token *t, char *buf, size_t size) {
        switch (t->type) {
        case TOK_EOF:
                return "end of file";
        case TOK_NEWLINE:
                return "end of line";
        case TOK_STRING:
                return "a quoted string";
        case TOK_HEREDOC:
                return "a heredoc";
        default:
                if (t->len > 40)
                        snprintf(buf, size, "\"%.40s...\"", t->text);
                else
                        snprintf(buf, size, "\"%.*s\"", (int) t->len, t->text);
                return buf;
        }
}

/* Skips tokens up to and including the closer matching an opener already
 * consumed (`closer` is TOK_RBRACK or TOK_RBRACE), minding nesting. Stops
 * without consuming at a different closer at the same level or at EOF. */
static void recover_to(struct parser *p, enum fl_hcl_tok closer) {
        unsigned depth = 0;

        for (; p->tok.type != TOK_EOF && !fatal(p); next(p)) {
                switch (p->tok.type) {
                case TOK_LBRACE:
                case TOK_LBRACK:
                case TOK_LPAREN:
                        depth++;
                        break;
                case TOK_RBRACE:
                case TOK_RBRACK:
                case TOK_RPAREN:
                        if (depth > 0) {
                                depth--;
                                break;
                        }
                        if (p->tok.type == closer)
                                next(p);
                        return;
                default:
                        break;
                }
        }
}

/* Skips to the start of the next body item: past the end of this line, or up
 * to (not including) the "}" closing the current body. */
static void recover_line(struct parser *p) {
        unsigned depth = 0;

        for (; p->tok.type != TOK_EOF && !fatal(p); next(p)) {
                switch (p->tok.type) {
                case TOK_NEWLINE:
                        if (depth == 0) {
                                next(p);
                                return;
                        }
                        break;
                case TOK_LBRACE:
                case TOK_LBRACK:
                case TOK_LPAREN:
                        depth++;
                        break;
                case TOK_RBRACE:
                        if (depth == 0)
                                return;
                        depth--;
                        break;
                case TOK_RBRACK:
                case TOK_RPAREN:
                        if (depth > 0)
                                depth--;
                        break;
                default:
                        break;
                }
        }
}

static bool enter(struct parser *p, const struct fl_hcl_pos *pos) {
        if (++p->depth <= FL_HCL_MAX_DEPTH)
                return true;
        error_at(p, pos, "nesting too deep (more than %d levels)", FL_HCL_MAX_DEPTH);
        if (!fatal(p))
                p->lex.fatal = -E2BIG;
        return false;
}

static void leave(struct parser *p) {
        p->depth--;
}

/* Reports what follows a value when it is not what the context wants:
 * operators and accessors get "not supported", the rest `expected`. */
static void error_after_value(struct parser *p, const char *expected) {
        const struct fl_hcl_token *t = &p->tok;
        char buf[64];

        switch (t->type) {
        case TOK_INVALID:
                return; /* already reported */
        case TOK_OPERATOR:
                if (tok_is(t, "?"))
                        error_at(p, &t->pos, "conditional expression (\"? :\") is not supported");
                else
                        error_at(p, &t->pos, "operator \"%.*s\" is not supported", (int) t->len,
                                t->text);
                return;
        case TOK_MINUS:
                error_at(p, &t->pos, "operator \"-\" is not supported");
                return;
        case TOK_DOT:
        case TOK_LBRACK:
                error_at(p, &t->pos, "index or attribute access (\"%.*s\") is not supported",
                        (int) t->len, t->text);
                return;
        default:
                error_at(p, &t->pos, "expected %s, found %s", expected,
                        describe(t, buf, sizeof(buf)));
        }
}

static double number_value(struct parser *p, const char *text, size_t len) {
        /* integers of up to 15 digits are exact without strtod */
        const char *s = text[0] == '-' ? text + 1 : text;
        size_t n = len - (size_t) (s - text);
        double v;

        if (n <= 15) {
                uint64_t x = 0;
                size_t i;
                for (i = 0; i < n && s[i] >= '0' && s[i] <= '9'; i++)
                        x = x * 10 + (uint64_t) (s[i] - '0');
                if (i == n) {
                        v = (double) x;
                        return s == text ? v : -v;
                }
        }
        if (p->c_locale == (locale_t) 0) {
                p->c_locale = newlocale(LC_NUMERIC_MASK, "C", (locale_t) 0);
                if (p->c_locale == (locale_t) 0) {
                        p->lex.fatal = -ENOMEM;
                        return 0;
                }
        }
        return strtod_l(text, NULL, p->c_locale);
}

static int parse_value(struct parser *p, struct fl_hcl_value *ret);

static int make_number(
        struct parser *p, const struct fl_hcl_pos *pos, bool negative, struct fl_hcl_value *ret) {
        size_t len = p->tok.len + (negative ? 1 : 0);
        char *text = fl_arena_alloc(p->lex.arena, len + 1);

        if (!text) {
                p->lex.fatal = -ENOMEM;
                return -ENOMEM;
        }
        if (negative)
                text[0] = '-';
        memcpy(text + (negative ? 1 : 0), p->tok.text, p->tok.len);
        text[len] = '\0';
        *ret = (struct fl_hcl_value){
                .type = FL_HCL_NUMBER,
                .pos = *pos,
                .number.text = text,
        };
        ret->number.value = number_value(p, text, len);
        next(p);
        return 0;
}

/* Reports the duplicate names among n elements, in order, each at its second
 * occurrence. name_of() gives element i's name, length and position. */
typedef void (*name_of_fn)(const void *elems, size_t i, const char **ret_name, size_t *ret_len,
        const struct fl_hcl_pos **ret_pos);

static uint32_t hash_name(const char *s, size_t len) {
        uint32_t h = 2166136261u; /* FNV-1a */
        for (size_t i = 0; i < len; i++)
                h = (h ^ (unsigned char) s[i]) * 16777619u;
        return h;
}

static void report_duplicate(struct parser *p, const char *what, const char *name, size_t len,
        const struct fl_hcl_pos *pos, const struct fl_hcl_pos *first) {
        char q[FL_HCL_QUOTE_SIZE];

        error_at(p, pos, "duplicate %s %s (first set at %u:%u)", what, fl_hcl_quote(name, len, q),
                first->line, first->column);
}

static void check_duplicates(
        struct parser *p, const void *elems, size_t n, name_of_fn name_of, const char *what) {
        const char *a, *b;
        size_t alen, blen;
        const struct fl_hcl_pos *apos, *bpos;

        if (n < 2)
                return;
        if (n <= 16) {
                for (size_t i = 1; i < n; i++) {
                        name_of(elems, i, &a, &alen, &apos);
                        for (size_t j = 0; j < i; j++) {
                                name_of(elems, j, &b, &blen, &bpos);
                                if (alen == blen && memcmp(a, b, alen) == 0) {
                                        report_duplicate(p, what, a, alen, apos, bpos);
                                        break;
                                }
                        }
                }
                return;
        }

        size_t cap = 32;
        while (cap < n * 2)
                cap *= 2;
        if (cap > p->hash_cap) {
                uint32_t *h = reallocarray(p->hash, cap, sizeof(uint32_t));
                if (!h) {
                        p->lex.fatal = -ENOMEM;
                        return;
                }
                p->hash = h;
                p->hash_cap = cap;
        }
        memset(p->hash, 0, cap * sizeof(uint32_t));
        for (size_t i = 0; i < n; i++) {
                name_of(elems, i, &a, &alen, &apos);
                for (size_t k = hash_name(a, alen) & (cap - 1);; k = (k + 1) & (cap - 1)) {
                        if (p->hash[k] == 0) {
                                p->hash[k] = (uint32_t) i + 1;
                                break;
                        }
                        name_of(elems, p->hash[k] - 1, &b, &blen, &bpos);
                        if (alen == blen && memcmp(a, b, alen) == 0) {
                                report_duplicate(p, what, a, alen, apos, bpos);
                                break;
                        }
                }
        }
}

static void attribute_name(const void *elems, size_t i, const char **ret_name, size_t *ret_len,
        const struct fl_hcl_pos **ret_pos) {
        const struct fl_hcl_attribute *a = (const struct fl_hcl_attribute *) elems + i;
        *ret_name = a->name;
        *ret_len = strlen(a->name);
        *ret_pos = &a->pos;
}

static void item_key(const void *elems, size_t i, const char **ret_name, size_t *ret_len,
        const struct fl_hcl_pos **ret_pos) {
        const struct fl_hcl_object_item *it = (const struct fl_hcl_object_item *) elems + i;
        *ret_name = it->key;
        *ret_len = it->key_len;
        *ret_pos = &it->key_pos;
}

static int parse_tuple(struct parser *p, struct fl_hcl_value *ret) {
        struct fl_hcl_pos open = p->tok.pos;
        size_t base = p->values.n;
        bool first = true;
        int r = 0;

        if (!enter(p, &open))
                return -E2BIG;
        next(p);
        for (;;) {
                struct fl_hcl_value v;

                while (p->tok.type == TOK_NEWLINE)
                        next(p);
                if (p->tok.type == TOK_RBRACK) {
                        next(p);
                        break;
                }
                if (p->tok.type == TOK_EOF) {
                        if (!fatal(p))
                                error_at(p, &open, "unterminated tuple: no \"]\" closes it");
                        r = -EINVAL;
                        break;
                }
                if (first && p->tok.type == TOK_IDENT && tok_is(&p->tok, "for")) {
                        error_at(p, &p->tok.pos, "for expression is not supported");
                        recover_to(p, TOK_RBRACK);
                        r = -EINVAL;
                        break;
                }
                first = false;
                r = parse_value(p, &v);
                if (r < 0) {
                        recover_to(p, TOK_RBRACK);
                        break;
                }
                if (!STACK_PUSH(p, p->values, v)) {
                        r = -ENOMEM;
                        break;
                }
                while (p->tok.type == TOK_NEWLINE)
                        next(p);
                if (p->tok.type == TOK_COMMA) {
                        next(p);
                        continue;
                }
                if (p->tok.type == TOK_RBRACK) {
                        next(p);
                        break;
                }
                if (p->tok.type == TOK_EOF)
                        continue; /* reported as unterminated above */
                error_after_value(p, "\",\" or \"]\" after a tuple item");
                recover_to(p, TOK_RBRACK);
                r = -EINVAL;
                break;
        }
        leave(p);
        *ret = (struct fl_hcl_value){.type = FL_HCL_TUPLE, .pos = open};
        STACK_TAKE(p, p->values, base, ret->tuple.items, ret->tuple.n_items);
        return fatal(p) ? p->lex.fatal : r;
}

static int parse_object(struct parser *p, struct fl_hcl_value *ret) {
        struct fl_hcl_pos open = p->tok.pos;
        size_t base = p->items.n;
        bool first = true;
        char buf[64];
        int r = 0;

        if (!enter(p, &open))
                return -E2BIG;
        next(p);
        for (;;) {
                struct fl_hcl_object_item it = {};

                while (p->tok.type == TOK_NEWLINE)
                        next(p);
                if (p->tok.type == TOK_RBRACE) {
                        next(p);
                        break;
                }
                switch (p->tok.type) {
                case TOK_EOF:
                        if (!fatal(p))
                                error_at(p, &open, "unterminated object: no \"}\" closes it");
                        r = -EINVAL;
                        goto done;
                case TOK_IDENT:
                        /* as in HCL, a leading bare "for" starts a for expression */
                        if (first && tok_is(&p->tok, "for")) {
                                error_at(p, &p->tok.pos,
                                        "for expression is not supported (quote \"for\" to use it "
                                        "as a key)");
                                r = -EINVAL;
                                goto fail;
                        }
                        it.key = fl_arena_strndup(p->lex.arena, p->tok.text, p->tok.len);
                        if (!it.key) {
                                p->lex.fatal = -ENOMEM;
                                goto done;
                        }
                        it.key_len = p->tok.len;
                        break;
                case TOK_STRING:
                case TOK_HEREDOC:
                        it.key = p->tok.str;
                        it.key_len = p->tok.str_len;
                        it.key_quoted = true;
                        break;
                case TOK_LPAREN:
                        error_at(p, &p->tok.pos, "parentheses are not supported");
                        r = -EINVAL;
                        goto fail;
                case TOK_INVALID:
                        r = -EINVAL;
                        goto fail;
                default:
                        error_at(p, &p->tok.pos,
                                "expected an object key (a name or a quoted string), found %s",
                                describe(&p->tok, buf, sizeof(buf)));
                        r = -EINVAL;
                        goto fail;
                }
                first = false;
                it.key_pos = p->tok.pos;
                next(p);
                if (p->tok.type != TOK_EQUAL && p->tok.type != TOK_COLON) {
                        if (p->tok.type == TOK_EOF)
                                continue; /* reported as unterminated */
                        if (p->tok.type == TOK_OPERATOR || p->tok.type == TOK_DOT ||
                                p->tok.type == TOK_LBRACK || p->tok.type == TOK_MINUS)
                                error_after_value(p, "");
                        else if (p->tok.type != TOK_INVALID)
                                error_at(p, &p->tok.pos,
                                        "expected \"=\" or \":\" after the object key, found %s",
                                        describe(&p->tok, buf, sizeof(buf)));
                        r = -EINVAL;
                        goto fail;
                }
                next(p);
                r = parse_value(p, &it.value);
                if (r < 0)
                        goto fail;
                if (!STACK_PUSH(p, p->items, it))
                        goto done;
                if (p->tok.type == TOK_COMMA || p->tok.type == TOK_NEWLINE) {
                        next(p);
                        continue;
                }
                if (p->tok.type == TOK_RBRACE) {
                        next(p);
                        break;
                }
                if (p->tok.type == TOK_EOF)
                        continue;
                error_after_value(p, "\",\", a newline or \"}\" after an object item");
                r = -EINVAL;
                goto fail;
        }
        goto done;
fail:
        recover_to(p, TOK_RBRACE);
done:
        leave(p);
        check_duplicates(p, STACK_AT(p->items, base), p->items.n - base, item_key, "key");
        *ret = (struct fl_hcl_value){.type = FL_HCL_OBJECT, .pos = open};
        STACK_TAKE(p, p->items, base, ret->object.items, ret->object.n_items);
        return fatal(p) ? p->lex.fatal : r;
}

/* Parses one value at the current token. Returns 0, -EINVAL after reporting
 * a problem (the caller recovers), or a fatal error. */
static int parse_value(struct parser *p, struct fl_hcl_value *ret) {
        struct fl_hcl_pos pos = p->tok.pos;
        char buf[64];

        switch (p->tok.type) {
        case TOK_NUMBER:
                return make_number(p, &pos, false, ret);
        case TOK_MINUS:
                next(p);
                if (p->tok.type == TOK_NUMBER)
                        return make_number(p, &pos, true, ret);
                if (p->tok.type != TOK_INVALID)
                        error_at(p, &pos, "operator \"-\" is not supported (only before a number)");
                return -EINVAL;
        case TOK_STRING:
        case TOK_HEREDOC:
                *ret = (struct fl_hcl_value){
                        .type = FL_HCL_STRING,
                        .pos = pos,
                        .string.ptr = p->tok.str,
                        .string.len = p->tok.str_len,
                        .string.heredoc = p->tok.type == TOK_HEREDOC,
                };
                next(p);
                return 0;
        case TOK_IDENT:
                if (tok_is(&p->tok, "true") || tok_is(&p->tok, "false")) {
                        *ret = (struct fl_hcl_value){
                                .type = FL_HCL_BOOL,
                                .pos = pos,
                                .boolean = p->tok.text[0] == 't',
                        };
                        next(p);
                        return 0;
                }
                if (tok_is(&p->tok, "null")) {
                        *ret = (struct fl_hcl_value){.type = FL_HCL_NULL, .pos = pos};
                        next(p);
                        return 0;
                }
                if (peek(p)->type == TOK_LPAREN || tok_is(peek(p), "::"))
                        error_at(p, &pos, "function call \"%.*s()\" is not supported",
                                (int) (p->tok.len > 40 ? 40 : p->tok.len), p->tok.text);
                else
                        error_at(p, &pos,
                                "reference \"%.*s\" is not supported (quote it to make a string)",
                                (int) (p->tok.len > 40 ? 40 : p->tok.len), p->tok.text);
                next(p);
                return -EINVAL;
        case TOK_LBRACK:
                return parse_tuple(p, ret);
        case TOK_LBRACE:
                return parse_object(p, ret);
        case TOK_LPAREN:
                error_at(p, &pos, "parentheses are not supported");
                return -EINVAL;
        case TOK_OPERATOR:
                if (tok_is(&p->tok, "!"))
                        error_at(p, &pos, "operator \"!\" is not supported");
                else
                        error_at(p, &pos, "expected a value, found %s",
                                describe(&p->tok, buf, sizeof(buf)));
                return -EINVAL;
        case TOK_INVALID:
                return -EINVAL;
        default:
                error_at(
                        p, &pos, "expected a value, found %s", describe(&p->tok, buf, sizeof(buf)));
                return -EINVAL;
        }
}

static void parse_body(struct parser *p, struct fl_hcl_body *ret, const struct fl_hcl_block *block);

/* `name = value` with the name already consumed and the current token "=".
 * The caller checks what follows the value. */
static int parse_attribute(struct parser *p, const struct fl_hcl_token *name) {
        struct fl_hcl_attribute a = {.pos = name->pos};
        int r;

        a.name = fl_arena_strndup(p->lex.arena, name->text, name->len);
        if (!a.name) {
                p->lex.fatal = -ENOMEM;
                return -ENOMEM;
        }
        next(p); /* "=" */
        r = parse_value(p, &a.value);
        if (r < 0)
                return r;
        if (!STACK_PUSH(p, p->attrs, a))
                return -ENOMEM;
        return 0;
}

/* The body of a one-line block, `{ a = 1  b = "x" }`: attributes only,
 * separated by spaces, closed on the same line. The current token is the
 * first one after "{". */
static void parse_oneline_body(struct parser *p, struct fl_hcl_body *ret, const char *type) {
        size_t base = p->attrs.n;
        char buf[64];

        for (;;) {
                struct fl_hcl_token name = p->tok;

                if (name.type != TOK_IDENT) {
                        if (name.type != TOK_INVALID)
                                error_at(p, &name.pos,
                                        "expected an attribute name in one-line block \"%s\", "
                                        "found %s",
                                        type, describe(&name, buf, sizeof(buf)));
                        goto recover;
                }
                next(p);
                if (p->tok.type != TOK_EQUAL) {
                        if (p->tok.type == TOK_IDENT || p->tok.type == TOK_STRING ||
                                p->tok.type == TOK_LBRACE)
                                error_at(p, &name.pos,
                                        "a one-line block can only hold attributes: put block "
                                        "\"%.*s\" on its own line",
                                        (int) name.len, name.text);
                        else if (p->tok.type != TOK_INVALID)
                                error_at(p, &p->tok.pos, "expected \"=\" after \"%.*s\", found %s",
                                        (int) name.len, name.text,
                                        describe(&p->tok, buf, sizeof(buf)));
                        goto recover;
                }
                if (parse_attribute(p, &name) < 0)
                        goto recover;
                switch (p->tok.type) {
                case TOK_RBRACE:
                        next(p);
                        goto done;
                case TOK_IDENT:
                        continue;
                case TOK_COMMA:
                        error_at(p, &p->tok.pos,
                                "attributes in a one-line block are separated by spaces, not "
                                "commas");
                        goto recover;
                case TOK_NEWLINE:
                case TOK_EOF:
                        error_at(p, &p->tok.pos,
                                "one-line block \"%s\" must be closed with \"}\" on the same line",
                                type);
                        goto recover;
                default:
                        error_after_value(p, "another attribute or \"}\"");
                        goto recover;
                }
        }
recover:
        recover_to(p, TOK_RBRACE);
done:
        check_duplicates(
                p, STACK_AT(p->attrs, base), p->attrs.n - base, attribute_name, "attribute");
        STACK_TAKE(p, p->attrs, base, ret->attributes, ret->n_attributes);
        ret->blocks = NULL;
        ret->n_blocks = 0;
}

/* A block, with its type name already consumed (`type`); the current token is
 * the first label or "{". */
static void parse_block(struct parser *p, const struct fl_hcl_token *type) {
        struct fl_hcl_block b = {.pos = type->pos};
        struct fl_hcl_label labels[FL_HCL_MAX_LABELS];
        size_t n_labels = 0;
        char buf[64];

        b.type = fl_arena_strndup(p->lex.arena, type->text, type->len);
        if (!b.type) {
                p->lex.fatal = -ENOMEM;
                return;
        }
        while (p->tok.type == TOK_STRING || p->tok.type == TOK_IDENT) {
                if (n_labels == FL_HCL_MAX_LABELS) {
                        error_at(p, &p->tok.pos, "block \"%s\" has more than %d labels", b.type,
                                FL_HCL_MAX_LABELS);
                        recover_line(p);
                        return;
                }
                if (p->tok.type == TOK_STRING)
                        labels[n_labels] = (struct fl_hcl_label){
                                .text = p->tok.str,
                                .len = p->tok.str_len,
                                .quoted = true,
                                .pos = p->tok.pos,
                        };
                else {
                        labels[n_labels] = (struct fl_hcl_label){
                                .text = fl_arena_strndup(p->lex.arena, p->tok.text, p->tok.len),
                                .len = p->tok.len,
                                .pos = p->tok.pos,
                        };
                        if (!labels[n_labels].text) {
                                p->lex.fatal = -ENOMEM;
                                return;
                        }
                }
                n_labels++;
                next(p);
        }
        if (p->tok.type != TOK_LBRACE) {
                if (p->tok.type == TOK_NEWLINE)
                        error_at(p, &p->tok.pos,
                                "the \"{\" of block \"%s\" must be on the same line as its type",
                                b.type);
                else if (p->tok.type != TOK_INVALID)
                        error_at(p, &p->tok.pos,
                                n_labels ? "expected a label or \"{\" after block \"%s\", found %s"
                                         : "expected \"=\" or \"{\" after \"%s\", found %s",
                                b.type, describe(&p->tok, buf, sizeof(buf)));
                recover_line(p);
                return;
        }
        if (n_labels > 0) {
                b.labels = fl_arena_alloc(p->lex.arena, n_labels * sizeof(*labels));
                if (!b.labels) {
                        p->lex.fatal = -ENOMEM;
                        return;
                }
                memcpy(b.labels, labels, n_labels * sizeof(*labels));
                b.n_labels = n_labels;
        }
        if (!enter(p, &p->tok.pos))
                return;
        next(p);
        if (p->tok.type == TOK_NEWLINE || p->tok.type == TOK_RBRACE || p->tok.type == TOK_EOF)
                parse_body(p, &b.body, &b);
        else
                parse_oneline_body(p, &b.body, b.type);
        leave(p);
        if (fatal(p))
                return;
        if (!STACK_PUSH(p, p->blocks, b))
                return;
        if (p->tok.type == TOK_NEWLINE)
                next(p);
        else if (p->tok.type != TOK_EOF) {
                if (p->tok.type != TOK_INVALID)
                        error_at(p, &p->tok.pos,
                                "expected a newline after the \"}\" of block \"%s\", found %s",
                                b.type, describe(&p->tok, buf, sizeof(buf)));
                recover_line(p);
        }
}

/* One body item, at its name. */
static void parse_item(struct parser *p) {
        struct fl_hcl_token name = p->tok;
        char buf[64];

        next(p);
        switch (p->tok.type) {
        case TOK_EQUAL:
                if (parse_attribute(p, &name) < 0) {
                        recover_line(p);
                        return;
                }
                if (p->tok.type == TOK_NEWLINE) {
                        next(p);
                        return;
                }
                if (p->tok.type == TOK_EOF)
                        return;
                if (p->tok.type == TOK_IDENT && peek(p)->type == TOK_EQUAL)
                        error_at(p, &p->tok.pos,
                                "two attributes on one line (\"%.*s\" and \"%.*s\"): put each on "
                                "its "
                                "own line",
                                (int) name.len, name.text, (int) p->tok.len, p->tok.text);
                else if (p->tok.type == TOK_COMMA)
                        error_at(p, &p->tok.pos,
                                "unexpected \",\" after the value of \"%.*s\": attributes are "
                                "separated by newlines",
                                (int) name.len, name.text);
                else {
                        char expected[96];
                        snprintf(expected, sizeof(expected),
                                "a newline after the value of \"%.*s\"",
                                (int) (name.len > 40 ? 40 : name.len), name.text);
                        error_after_value(p, expected);
                }
                recover_line(p);
                return;
        case TOK_STRING:
        case TOK_IDENT:
        case TOK_LBRACE:
                parse_block(p, &name);
                return;
        case TOK_INVALID:
                recover_line(p);
                return;
        default:
                error_at(p, &p->tok.pos, "expected \"=\" or \"{\" after \"%.*s\", found %s",
                        (int) name.len, name.text, describe(&p->tok, buf, sizeof(buf)));
                recover_line(p);
                return;
        }
}

/* A file's body (block == NULL), or a block's multi-line body: the current
 * token is the first after "{". Consumes the closing "}". */
static void parse_body(
        struct parser *p, struct fl_hcl_body *ret, const struct fl_hcl_block *block) {
        size_t abase = p->attrs.n, bbase = p->blocks.n;
        char buf[64];

        while (!fatal(p)) {
                switch (p->tok.type) {
                case TOK_NEWLINE:
                        next(p);
                        continue;
                case TOK_EOF:
                        if (block)
                                error_at(p, &block->pos,
                                        "unterminated block \"%s\": no \"}\" closes it",
                                        block->type);
                        goto done;
                case TOK_RBRACE:
                        if (block) {
                                next(p);
                                goto done;
                        }
                        error_at(p, &p->tok.pos, "unexpected \"}\": no block to close");
                        next(p);
                        continue;
                case TOK_IDENT:
                        parse_item(p);
                        continue;
                case TOK_STRING:
                        error_at(p, &p->tok.pos, "attribute and block names must not be quoted");
                        recover_line(p);
                        continue;
                case TOK_INVALID:
                        recover_line(p);
                        continue;
                default:
                        error_at(p, &p->tok.pos, "expected an attribute or block name, found %s",
                                describe(&p->tok, buf, sizeof(buf)));
                        recover_line(p);
                        continue;
                }
        }
done:
        check_duplicates(
                p, STACK_AT(p->attrs, abase), p->attrs.n - abase, attribute_name, "attribute");
        STACK_TAKE(p, p->attrs, abase, ret->attributes, ret->n_attributes);
        STACK_TAKE(p, p->blocks, bbase, ret->blocks, ret->n_blocks);
}

static void parser_done(struct parser *p) {
        fl_hcl_lex_done(&p->lex);
        free(p->attrs.v);
        free(p->blocks.v);
        free(p->values.v);
        free(p->items.v);
        free(p->hash);
        if (p->c_locale != (locale_t) 0)
                freelocale(p->c_locale);
}

int fl_hcl_parse(const char *data, size_t size, const char *filename, struct fl_diags *diags,
        struct fl_hcl_file **ret) {
        _cleanup_(fl_arena_freep) struct fl_arena *arena = NULL;
        size_t diag_start = diags ? diags->n_items : 0;
        struct fl_hcl_file *f;
        struct parser p = {};
        int r;

        if (!filename)
                filename = "<input>";
        if (size > FL_HCL_MAX_FILE_SIZE) {
                if (diags)
                        (void) fl_diags_add(diags, filename, 1, 1,
                                "file is too large (%zu bytes; the limit is %u MiB)", size,
                                FL_HCL_MAX_FILE_SIZE / (1024u * 1024u));
                return -EFBIG;
        }
        arena = fl_arena_new();
        if (!arena)
                return -ENOMEM;
        f = fl_arena_alloc(arena, sizeof(*f));
        if (!f)
                return -ENOMEM;
        *f = (struct fl_hcl_file){.size = size};
        f->filename = fl_arena_strndup(arena, filename, strlen(filename));
        if (!f->filename)
                return -ENOMEM;

        fl_hcl_lex_init(&p.lex, data ? data : "", data ? size : 0, f->filename, arena, diags);
        next(&p);
        parse_body(&p, &f->body, NULL);
        if (p.lex.fatal == -ENOMEM)
                r = -ENOMEM;
        else if (p.lex.n_errors > 0 || p.lex.fatal < 0)
                r = -EINVAL;
        else
                r = 0;
        parser_done(&p);
        if (diags)
                fl_diags_sort_from(diags, diag_start);
        if (r < 0)
                return r;
        f->arena = TAKE_PTR(arena);
        *ret = f;
        return 0;
}
