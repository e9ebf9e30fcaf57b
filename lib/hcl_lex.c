/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The HCL lexer: bytes to tokens, one at a time, for hcl_parse.c.
 *
 * It decodes strings and heredocs as it goes (escapes, $${ and %%{, the
 * indentation of <<- heredocs) straight into the file's arena, validates
 * UTF-8 everywhere, and keeps line and column (in characters) cheaply: a
 * column is the byte distance from the start of the line minus the UTF-8
 * continuation bytes seen on that line, and those are only ever met inside
 * strings, comments and heredocs, which the slow paths count.
 *
 * Lexical problems (bad escapes, invalid UTF-8, unterminated strings) are
 * reported here and still produce a token, so the parser carries on and the
 * whole file is checked in one run. Characters that cannot start any token
 * produce TOK_INVALID, which the parser skips without a second message.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hcl_internal.h"

struct heredoc_line {
        size_t offset; /* in l->buf */
        size_t len;    /* newline included */
};

static inline bool is_digit(char c) {
        return c >= '0' && c <= '9';
}

static inline bool is_ident_start(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}

/* Bytes that may continue a name: letters, digits, "_" and "-". */
static inline bool is_ident_char(char c) {
        return is_ident_start(c) || is_digit(c) || c == '-';
}

/* Bytes a quoted string can copy without a second look. */
static inline bool is_plain_string_byte(unsigned char c) {
        return c < 0x80 && c != '"' && c != '\\' && c != '$' && c != '%' && c != '\n' && c != '\r';
}

/* What Go's unicode.IsSpace accepts: HCL trims these around heredoc closing
 * markers and counts them as <<- indentation. */
static bool is_unicode_space(uint32_t c) {
        switch (c) {
        case '\t':
        case '\n':
        case '\v':
        case '\f':
        case '\r':
        case ' ':
        case 0x85:
        case 0xA0:
        case 0x1680:
        case 0x2028:
        case 0x2029:
        case 0x202F:
        case 0x205F:
        case 0x3000:
                return true;
        default:
                return c >= 0x2000 && c <= 0x200A;
        }
}

size_t fl_utf8_decode(const unsigned char *p, const unsigned char *end, uint32_t *ret_cp) {
        uint32_t cp;
        size_t n;

        if (p >= end)
                return 0;
        if (p[0] < 0x80) {
                *ret_cp = p[0];
                return 1;
        }
        if (p[0] >= 0xC2 && p[0] <= 0xDF) {
                n = 2;
                cp = p[0] & 0x1F;
        } else if (p[0] >= 0xE0 && p[0] <= 0xEF) {
                n = 3;
                cp = p[0] & 0x0F;
        } else if (p[0] >= 0xF0 && p[0] <= 0xF4) {
                n = 4;
                cp = p[0] & 0x07;
        } else
                return 0;
        if ((size_t) (end - p) < n)
                return 0;
        for (size_t i = 1; i < n; i++) {
                if ((p[i] & 0xC0) != 0x80)
                        return 0;
                cp = (cp << 6) | (p[i] & 0x3F);
        }
        if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
                (cp >= 0xD800 && cp <= 0xDFFF))
                return 0;
        *ret_cp = cp;
        return n;
}

static size_t utf8_encode(uint32_t cp, char out[static 4]) {
        if (cp < 0x80) {
                out[0] = (char) cp;
                return 1;
        }
        if (cp < 0x800) {
                out[0] = (char) (0xC0 | (cp >> 6));
                out[1] = (char) (0x80 | (cp & 0x3F));
                return 2;
        }
        if (cp < 0x10000) {
                out[0] = (char) (0xE0 | (cp >> 12));
                out[1] = (char) (0x80 | ((cp >> 6) & 0x3F));
                out[2] = (char) (0x80 | (cp & 0x3F));
                return 3;
        }
        out[0] = (char) (0xF0 | (cp >> 18));
        out[1] = (char) (0x80 | ((cp >> 12) & 0x3F));
        out[2] = (char) (0x80 | ((cp >> 6) & 0x3F));
        out[3] = (char) (0x80 | (cp & 0x3F));
        return 4;
}

static inline struct fl_hcl_pos pos_at(const struct fl_hcl_lexer *l, const char *p) {
        return (struct fl_hcl_pos){
                .line = l->line,
                .column = (uint32_t) (p - l->line_start) - l->line_extra + 1,
                .offset = (uint32_t) (p - l->src),
        };
}

static inline void new_line(struct fl_hcl_lexer *l, const char *after_newline) {
        l->line++;
        l->line_start = after_newline;
        l->line_extra = 0;
}

void fl_hcl_lex_error(struct fl_hcl_lexer *l, const struct fl_hcl_pos *pos, const char *fmt, ...) {
        va_list ap;
        int r;

        l->n_errors++;
        if (l->fatal < 0 || !l->diags)
                return;
        va_start(ap, fmt);
        r = fl_diags_addv(l->diags, l->filename, pos->line, pos->column, fmt, ap);
        va_end(ap);
        /* a full list only counts further problems: parsing goes on */
        if (r == -ENOMEM)
                l->fatal = -ENOMEM;
}

void fl_hcl_lex_init(struct fl_hcl_lexer *l, const char *data, size_t size, const char *filename,
        struct fl_arena *arena, struct fl_diags *diags) {
        *l = (struct fl_hcl_lexer){
                .filename = filename,
                .src = data,
                .p = data,
                .end = data + size,
                .line_start = data,
                .line = 1,
                .arena = arena,
                .diags = diags,
        };
        /* Like HCL, skip a byte order mark; columns start after it. */
        if (size >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
                l->p += 3;
                l->line_start += 3;
        }
}

void fl_hcl_lex_done(struct fl_hcl_lexer *l) {
        free(l->buf);
        free(l->lines);
        l->buf = NULL;
        l->lines = NULL;
}

static bool buf_reserve(struct fl_hcl_lexer *l, size_t more) {
        size_t need = l->buf_len + more;
        char *b;

        if (need <= l->buf_cap)
                return true;
        if (need < l->buf_len) {
                l->fatal = -ENOMEM;
                return false;
        }
        size_t cap = l->buf_cap ? l->buf_cap : 256;
        while (cap < need)
                cap *= 2;
        b = realloc(l->buf, cap);
        if (!b) {
                l->fatal = -ENOMEM;
                return false;
        }
        l->buf = b;
        l->buf_cap = cap;
        return true;
}

static inline void buf_put(struct fl_hcl_lexer *l, const char *s, size_t n) {
        if (n == 0 || !buf_reserve(l, n))
                return;
        memcpy(l->buf + l->buf_len, s, n);
        l->buf_len += n;
}

/* Moves the scratch buffer [from, buf_len) into the arena as the token's string. */
static void set_str_from_buf(struct fl_hcl_lexer *l, struct fl_hcl_token *t, size_t from) {
        t->str_len = l->buf_len - from;
        t->str = fl_arena_strndup(l->arena, l->buf ? l->buf + from : "", t->str_len);
        if (!t->str) {
                l->fatal = -ENOMEM;
                t->str = "";
                t->str_len = 0;
        }
}

/* Describes the character at p for a message: "x", U+0001, or "é" (U+00E9). */
static void describe_char(const char *p, const char *end, char *out, size_t size) {
        unsigned char c = (unsigned char) *p;
        uint32_t cp;
        size_t n;

        if (c >= 0x21 && c < 0x7F)
                snprintf(out, size, "\"%c\"", c);
        else if (c < 0x80)
                snprintf(out, size, "U+%04X", c);
        else if ((n = fl_utf8_decode((const unsigned char *) p, (const unsigned char *) end, &cp)))
                snprintf(out, size, "\"%.*s\" (U+%04X)", (int) n, p, cp);
        else
                snprintf(out, size, "byte 0x%02X", c);
}

/* Consumes one non-ASCII character at l->p (or one invalid byte, reported),
 * keeping the column count right. Returns its length in bytes (1 when
 * invalid) and stores whether it was valid. */
static size_t consume_non_ascii(struct fl_hcl_lexer *l, bool *ret_valid) {
        uint32_t cp;
        size_t n =
                fl_utf8_decode((const unsigned char *) l->p, (const unsigned char *) l->end, &cp);

        if (n == 0) {
                struct fl_hcl_pos pos = pos_at(l, l->p);
                fl_hcl_lex_error(l, &pos, "invalid UTF-8 (byte 0x%02X)", (unsigned char) *l->p);
                l->p++;
                *ret_valid = false;
                return 1;
        }
        l->p += n;
        l->line_extra += (uint32_t) (n - 1);
        *ret_valid = true;
        return n;
}

/* "#" or "//" up to, not including, the newline. */
static void skip_line_comment(struct fl_hcl_lexer *l) {
        while (l->p < l->end) {
                unsigned char c = (unsigned char) *l->p;
                bool valid;

                if (c == '\n')
                        return;
                if (c < 0x80) {
                        l->p++;
                        continue;
                }
                consume_non_ascii(l, &valid);
        }
}

/* A block comment is not a line break, as in HCL: an attribute, a comment
 * spanning several lines and another attribute make two attributes on one
 * line. */
static void skip_block_comment(struct fl_hcl_lexer *l) {
        struct fl_hcl_pos start = pos_at(l, l->p);

        l->p += 2;
        while (l->p < l->end) {
                unsigned char c = (unsigned char) *l->p;
                bool valid;

                if (c == '*' && l->p + 1 < l->end && l->p[1] == '/') {
                        l->p += 2;
                        return;
                }
                if (c == '\n') {
                        l->p++;
                        new_line(l, l->p);
                } else if (c < 0x80)
                        l->p++;
                else
                        consume_non_ascii(l, &valid);
        }
        fl_hcl_lex_error(l, &start, "unterminated comment: no \"*/\" closes it");
}

/* After a refused "${" or "%{": skips to the closing brace on this line so
 * the rest of the string is still checked. Stops before a quote (which ends a
 * quoted string) when `quoted`. */
static void skip_template_sequence(struct fl_hcl_lexer *l, bool quoted) {
        l->p += 2;
        while (l->p < l->end) {
                unsigned char c = (unsigned char) *l->p;
                bool valid;

                if (c == '}') {
                        l->p++;
                        return;
                }
                if (c == '\n' || c == '\r' || (quoted && c == '"'))
                        return;
                if (c < 0x80)
                        l->p++;
                else
                        consume_non_ascii(l, &valid);
        }
}

/* Handles "$" or "%" at l->p inside a string or heredoc: "$${" is a literal
 * "${", "${" is refused, anything else is literal. */
static void template_char(struct fl_hcl_lexer *l, bool quoted) {
        char c = *l->p;
        const char *q = l->p + 1;

        if (q < l->end && *q == '{') {
                struct fl_hcl_pos pos = pos_at(l, l->p);
                if (c == '$')
                        fl_hcl_lex_error(l, &pos,
                                "template interpolation \"${\" is not supported "
                                "(write \"$${\" for a literal \"${\")");
                else
                        fl_hcl_lex_error(l, &pos,
                                "template directive \"%%{\" is not supported "
                                "(write \"%%%%{\" for a literal \"%%{\")");
                skip_template_sequence(l, quoted);
                return;
        }
        if (q + 1 < l->end && *q == c && q[1] == '{') {
                buf_put(l, l->p, 1);
                buf_put(l, "{", 1);
                l->p += 3;
                return;
        }
        buf_put(l, l->p, 1);
        l->p++;
}

static int hex_value(char c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

/* A backslash escape at l->p inside a quoted string. */
static void string_escape(struct fl_hcl_lexer *l) {
        struct fl_hcl_pos pos = pos_at(l, l->p);
        const char *e = l->p + 1;
        size_t want, got;
        uint32_t cp = 0;
        char enc[4];

        if (e >= l->end || *e == '\n' || *e == '\r') {
                fl_hcl_lex_error(l, &pos, "invalid escape sequence: \"\\\" at the end of the line");
                l->p++;
                return;
        }
        switch (*e) {
        case 'n':
                buf_put(l, "\n", 1);
                break;
        case 'r':
                buf_put(l, "\r", 1);
                break;
        case 't':
                buf_put(l, "\t", 1);
                break;
        case '"':
                buf_put(l, "\"", 1);
                break;
        case '\\':
                buf_put(l, "\\", 1);
                break;
        case 'u':
        case 'U':
                want = *e == 'u' ? 4 : 8;
                for (got = 0; got < want && e + 1 + got < l->end; got++) {
                        int h = hex_value(e[1 + got]);
                        if (h < 0)
                                break;
                        cp = cp * 16 + (uint32_t) h;
                }
                if (got < want) {
                        fl_hcl_lex_error(l, &pos,
                                "invalid escape sequence \"\\%c%.*s\": expected %zu hexadecimal "
                                "digits",
                                *e, (int) got, e + 1, want);
                        l->p = e + 1 + got;
                        return;
                }
                if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
                        fl_hcl_lex_error(l, &pos,
                                "invalid escape sequence \"\\%c%.*s\": not a Unicode character", *e,
                                (int) want, e + 1);
                        l->p = e + 1 + want;
                        return;
                }
                buf_put(l, enc, utf8_encode(cp, enc));
                l->p = e + 1 + want;
                return;
        default: {
                char what[32];
                uint32_t c;
                size_t n = fl_utf8_decode(
                        (const unsigned char *) e, (const unsigned char *) l->end, &c);

                if (n == 0) {
                        /* the invalid byte is reported by the caller's next round */
                        fl_hcl_lex_error(l, &pos,
                                "invalid escape sequence: \"\\\" before an invalid "
                                "byte");
                        l->p++;
                        return;
                }
                if ((unsigned char) *e >= 0x21)
                        snprintf(what, sizeof(what), "\"\\%.*s\"", (int) n, e);
                else
                        snprintf(what, sizeof(what), "\"\\\" followed by U+%04X", c);
                fl_hcl_lex_error(l, &pos, "invalid escape sequence %s", what);
                l->p = e + n;
                l->line_extra += (uint32_t) (n - 1);
                return;
        }
        }
        l->p = e + 1;
}

static void lex_string(struct fl_hcl_lexer *l, struct fl_hcl_token *t) {
        const char *s = l->p + 1, *q = s;

        t->type = TOK_STRING;
        while (q < l->end && is_plain_string_byte((unsigned char) *q))
                q++;
        if (q < l->end && *q == '"') {
                /* the common case: nothing to decode */
                t->str_len = (size_t) (q - s);
                t->str = fl_arena_strndup(l->arena, s, t->str_len);
                if (!t->str) {
                        l->fatal = -ENOMEM;
                        t->str = "";
                        t->str_len = 0;
                }
                l->p = q + 1;
                return;
        }

        l->buf_len = 0;
        buf_put(l, s, (size_t) (q - s));
        l->p = q;
        while (l->p < l->end) {
                unsigned char c = (unsigned char) *l->p;
                const char *run = l->p;
                bool valid;

                if (c == '"') {
                        l->p++;
                        set_str_from_buf(l, t, 0);
                        return;
                }
                if (c == '\n' || c == '\r')
                        break;
                if (c == '\\')
                        string_escape(l);
                else if (c == '$' || c == '%')
                        template_char(l, true);
                else if (c < 0x80) {
                        while (l->p < l->end && is_plain_string_byte((unsigned char) *l->p))
                                l->p++;
                        buf_put(l, run, (size_t) (l->p - run));
                } else {
                        size_t n = consume_non_ascii(l, &valid);
                        if (valid)
                                buf_put(l, run, n);
                }
        }
        fl_hcl_lex_error(l, &t->pos, "unterminated string: no closing quote on this line");
        set_str_from_buf(l, t, 0);
}

static bool lines_reserve(struct fl_hcl_lexer *l) {
        struct heredoc_line *n;
        size_t cap;

        if (l->n_lines < l->lines_cap)
                return true;
        cap = l->lines_cap ? l->lines_cap * 2 : 64;
        n = reallocarray(l->lines, cap, sizeof(*n));
        if (!n) {
                l->fatal = -ENOMEM;
                return false;
        }
        l->lines = n;
        l->lines_cap = cap;
        return true;
}

/* Is [s, e) the closing marker, give or take surrounding white space? */
static bool is_marker_line(const char *s, const char *e, const char *marker, size_t marker_len) {
        uint32_t cp;
        size_t n;

        while (s < e) {
                n = fl_utf8_decode((const unsigned char *) s, (const unsigned char *) e, &cp);
                if (n == 0 || !is_unicode_space(cp))
                        break;
                s += n;
        }
        if ((size_t) (e - s) < marker_len || memcmp(s, marker, marker_len) != 0)
                return false;
        s += marker_len;
        while (s < e) {
                n = fl_utf8_decode((const unsigned char *) s, (const unsigned char *) e, &cp);
                if (n == 0 || !is_unicode_space(cp))
                        return false;
                s += n;
        }
        return true;
}

/* Leading white space of a decoded line, in characters; *ret_blank when the
 * line is nothing but white space. */
static size_t leading_space(const char *s, size_t len, bool *ret_blank) {
        const char *e = s + len;
        size_t chars = 0;
        uint32_t cp;
        size_t n;

        while (s < e) {
                n = fl_utf8_decode((const unsigned char *) s, (const unsigned char *) e, &cp);
                if (n == 0 || !is_unicode_space(cp)) {
                        *ret_blank = false;
                        return chars;
                }
                s += n;
                chars++;
        }
        *ret_blank = true;
        return chars;
}

static size_t skip_chars(const char *s, size_t len, size_t chars) {
        size_t off = 0;
        uint32_t cp;

        while (chars-- > 0 && off < len) {
                size_t n = fl_utf8_decode(
                        (const unsigned char *) s + off, (const unsigned char *) s + len, &cp);
                off += n ? n : 1;
        }
        return off;
}

/* <<-: removes the indentation common to all lines but blank ones, counted in
 * characters, as HCL does. Blank lines keep their white space. */
static void flush_heredoc(struct fl_hcl_lexer *l, struct fl_hcl_token *t, size_t base) {
        size_t min = SIZE_MAX, out = l->buf_len;
        bool blank;

        for (size_t i = 0; i < l->n_lines; i++) {
                size_t sp = leading_space(l->buf + l->lines[i].offset, l->lines[i].len, &blank);
                if (!blank && sp < min)
                        min = sp;
        }
        if (min == SIZE_MAX || min == 0) {
                set_str_from_buf(l, t, base);
                return;
        }
        /* rebuild after the current content, then store that part */
        for (size_t i = 0; i < l->n_lines; i++) {
                const char *s = l->buf + l->lines[i].offset;
                size_t len = l->lines[i].len, skip = 0;

                (void) leading_space(s, len, &blank);
                if (!blank)
                        skip = skip_chars(s, len, min);
                if (!buf_reserve(l, len - skip))
                        return;
                s = l->buf + l->lines[i].offset; /* buf may have moved */
                memcpy(l->buf + l->buf_len, s + skip, len - skip);
                l->buf_len += len - skip;
        }
        set_str_from_buf(l, t, out);
}

/* l->p is at "<<". Returns false when this is not a heredoc introducer (so
 * the caller lexes "<" as an operator). */
static bool lex_heredoc(struct fl_hcl_lexer *l, struct fl_hcl_token *t) {
        const char *q = l->p + 2, *marker;
        size_t marker_len;
        bool flush = false;

        if (q < l->end && *q == '-') {
                flush = true;
                q++;
        }
        if (q >= l->end || !is_ident_start(*q))
                return false;
        marker = q;
        while (q < l->end && is_ident_char(*q))
                q++;
        marker_len = (size_t) (q - marker);
        t->type = TOK_HEREDOC;
        if (q < l->end && *q == '\r' && q + 1 < l->end && q[1] == '\n')
                q++;
        if (q >= l->end || *q != '\n') {
                fl_hcl_lex_error(l, &t->pos,
                        "heredoc introducer \"%.*s\" must be followed by a newline",
                        (int) (marker + marker_len - l->p), l->p);
                t->type = TOK_INVALID;
                l->p = marker + marker_len;
                return true;
        }
        l->p = q + 1;
        new_line(l, l->p);

        l->buf_len = 0;
        l->n_lines = 0;
        while (l->p < l->end) {
                const char *nl = memchr(l->p, '\n', (size_t) (l->end - l->p));
                const char *eol = nl ? nl : l->end;
                size_t line_off = l->buf_len;

                if (is_marker_line(l->p, eol, marker, marker_len)) {
                        /* valid UTF-8 (is_marker_line decoded it): count the
                         * continuation bytes of any Unicode spaces; the newline
                         * after the marker belongs to the enclosing body */
                        for (const char *s = l->p; s < eol; s++)
                                if (((unsigned char) *s & 0xC0) == 0x80)
                                        l->line_extra++;
                        l->p = eol;
                        if (flush)
                                flush_heredoc(l, t, 0);
                        else
                                set_str_from_buf(l, t, 0);
                        return true;
                }
                while (l->p < eol) {
                        unsigned char c = (unsigned char) *l->p;
                        const char *run = l->p;
                        bool valid;

                        if (c == '$' || c == '%')
                                template_char(l, false);
                        else if (c < 0x80) {
                                while (l->p < eol && (unsigned char) *l->p < 0x80 && *l->p != '$' &&
                                        *l->p != '%')
                                        l->p++;
                                buf_put(l, run, (size_t) (l->p - run));
                        } else {
                                size_t n = consume_non_ascii(l, &valid);
                                if (valid)
                                        buf_put(l, run, n);
                        }
                }
                if (!nl) {
                        l->p = l->end;
                        break;
                }
                buf_put(l, "\n", 1);
                l->p = nl + 1;
                new_line(l, l->p);
                if (flush && lines_reserve(l))
                        l->lines[l->n_lines++] = (struct heredoc_line){
                                .offset = line_off,
                                .len = l->buf_len - line_off,
                        };
                if (l->fatal < 0)
                        break;
        }
        fl_hcl_lex_error(l, &t->pos, "unterminated heredoc: no line \"%.*s\" closes it",
                (int) marker_len, marker);
        set_str_from_buf(l, t, 0);
        return true;
}

/* HCL's number token: a digit, then digits, "."s and exponents, never ending
 * in "." (so "1." is the number 1 and a dot). Checked against the real
 * grammar afterwards, so "1.2.3" is one bad number rather than three tokens. */
static void lex_number(struct fl_hcl_lexer *l, struct fl_hcl_token *t) {
        const char *q = l->p + 1, *s;
        bool ok;

        for (;;) {
                if (q < l->end && (is_digit(*q) || *q == '.'))
                        q++;
                else if (q + 1 < l->end && (*q == 'e' || *q == 'E') && is_digit(q[1]))
                        q += 2;
                else if (q + 2 < l->end && (*q == 'e' || *q == 'E') &&
                         (q[1] == '+' || q[1] == '-') && is_digit(q[2]))
                        q += 3;
                else
                        break;
        }
        while (q[-1] == '.')
                q--;
        /* a number glued to a name ("1_000", "0x10", "1e") is one bad number */
        while (q < l->end && (is_ident_start(*q) || is_digit(*q)))
                q++;

        s = l->p;
        while (s < q && is_digit(*s))
                s++;
        if (s < q && *s == '.') {
                s++;
                while (s < q && is_digit(*s))
                        s++;
        }
        if (s < q && (*s == 'e' || *s == 'E')) {
                s++;
                if (s < q && (*s == '+' || *s == '-'))
                        s++;
                if (s < q && is_digit(*s))
                        while (s < q && is_digit(*s))
                                s++;
                else
                        s = NULL;
        }
        ok = s == q;
        t->type = ok ? TOK_NUMBER : TOK_INVALID;
        t->text = l->p;
        t->len = (size_t) (q - l->p);
        l->p = q;
        if (!ok)
                fl_hcl_lex_error(l, &t->pos, "invalid number \"%.*s\"", (int) t->len, t->text);
}

static void lex_invalid_char(struct fl_hcl_lexer *l, struct fl_hcl_token *t) {
        unsigned char c = (unsigned char) *l->p;
        char what[48];
        bool valid;

        t->type = TOK_INVALID;
        describe_char(l->p, l->end, what, sizeof(what));
        if (c >= 0x80) {
                uint32_t cp;
                size_t n = fl_utf8_decode(
                        (const unsigned char *) l->p, (const unsigned char *) l->end, &cp);
                if (n == 0) {
                        consume_non_ascii(l, &valid); /* reports invalid UTF-8 */
                        return;
                }
                if (cp == 0x201C || cp == 0x201D)
                        fl_hcl_lex_error(l, &t->pos,
                                "unexpected character %s (use straight double quotes)", what);
                else
                        fl_hcl_lex_error(l, &t->pos, "unexpected character %s", what);
                consume_non_ascii(l, &valid);
                return;
        }
        if (c == '\'')
                fl_hcl_lex_error(
                        l, &t->pos, "unexpected character \"'\" (strings use double quotes)");
        else
                fl_hcl_lex_error(l, &t->pos, "unexpected character %s", what);
        l->p++;
}

static inline void punct(
        struct fl_hcl_lexer *l, struct fl_hcl_token *t, enum fl_hcl_tok type, size_t len) {
        t->type = type;
        t->len = len;
        l->p += len;
}

void fl_hcl_lex_next(struct fl_hcl_lexer *l, struct fl_hcl_token *t) {
        const char *p;
        char c, n;

again:
        p = l->p;
        while (p < l->end && (*p == ' ' || *p == '\t'))
                p++;
        l->p = p;
        t->pos = pos_at(l, p);
        t->text = p;
        t->len = 1;
        t->str = NULL;
        t->str_len = 0;
        if (p >= l->end || l->fatal < 0) {
                t->type = TOK_EOF;
                t->len = 0;
                return;
        }
        c = *p;
        n = p + 1 < l->end ? p[1] : '\0';
        switch (c) {
        case '\n':
                punct(l, t, TOK_NEWLINE, 1);
                new_line(l, l->p);
                return;
        case '\r':
                if (n == '\n') {
                        punct(l, t, TOK_NEWLINE, 2);
                        new_line(l, l->p);
                        return;
                }
                fl_hcl_lex_error(
                        l, &t->pos, "unexpected carriage return (U+000D) without a newline");
                l->p++;
                goto again;
        case '#':
                skip_line_comment(l);
                goto again;
        case '/':
                if (n == '/') {
                        skip_line_comment(l);
                        goto again;
                }
                if (n == '*') {
                        skip_block_comment(l);
                        goto again;
                }
                punct(l, t, TOK_OPERATOR, 1);
                return;
        case '"':
                lex_string(l, t);
                t->len = (size_t) (l->p - t->text);
                return;
        case '<':
                if (n == '<' && lex_heredoc(l, t)) {
                        t->len = (size_t) (l->p - t->text);
                        return;
                }
                punct(l, t, TOK_OPERATOR, n == '=' ? 2 : 1);
                return;
        case '{':
                punct(l, t, TOK_LBRACE, 1);
                return;
        case '}':
                punct(l, t, TOK_RBRACE, 1);
                return;
        case '[':
                punct(l, t, TOK_LBRACK, 1);
                return;
        case ']':
                punct(l, t, TOK_RBRACK, 1);
                return;
        case '(':
                punct(l, t, TOK_LPAREN, 1);
                return;
        case ')':
                punct(l, t, TOK_RPAREN, 1);
                return;
        case ',':
                punct(l, t, TOK_COMMA, 1);
                return;
        case '-':
                punct(l, t, TOK_MINUS, 1);
                return;
        case '=':
                if (n == '=' || n == '>')
                        punct(l, t, TOK_OPERATOR, 2);
                else
                        punct(l, t, TOK_EQUAL, 1);
                return;
        case ':':
                if (n == ':')
                        punct(l, t, TOK_OPERATOR, 2);
                else
                        punct(l, t, TOK_COLON, 1);
                return;
        case '.':
                if (n == '.' && p + 2 < l->end && p[2] == '.')
                        punct(l, t, TOK_OPERATOR, 3);
                else
                        punct(l, t, TOK_DOT, 1);
                return;
        case '!':
        case '>':
                punct(l, t, TOK_OPERATOR, n == '=' ? 2 : 1);
                return;
        case '&':
        case '|':
                punct(l, t, TOK_OPERATOR, n == c ? 2 : 1);
                return;
        case '+':
        case '*':
        case '%':
        case '?':
        case '^':
        case '~':
                punct(l, t, TOK_OPERATOR, 1);
                return;
        default:
                break;
        }
        if (is_digit(c)) {
                lex_number(l, t);
                return;
        }
        if (is_ident_start(c)) {
                const char *q = p + 1;
                while (q < l->end && is_ident_char(*q))
                        q++;
                t->type = TOK_IDENT;
                t->len = (size_t) (q - p);
                l->p = q;
                return;
        }
        lex_invalid_char(l, t);
        t->len = (size_t) (l->p - t->text);
}
