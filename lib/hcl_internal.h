/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Private interface between the HCL lexer (hcl_lex.c) and parser
 * (hcl_parse.c). Not for use outside lib/hcl*.c.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "diag.h"
#include "hcl.h"

enum fl_hcl_tok {
        TOK_EOF,
        TOK_NEWLINE,
        TOK_IDENT,
        TOK_NUMBER,  /* unsigned; text is the literal */
        TOK_STRING,  /* quoted; str/str_len are the decoded text */
        TOK_HEREDOC, /* str/str_len are the decoded (and flushed) text */
        TOK_LBRACE,
        TOK_RBRACE,
        TOK_LBRACK,
        TOK_RBRACK,
        TOK_LPAREN,
        TOK_RPAREN,
        TOK_EQUAL,
        TOK_COLON,
        TOK_COMMA,
        TOK_MINUS,
        TOK_DOT,
        TOK_OPERATOR, /* + * / % < > ! ? & | ^ ~ == != <= >= && || :: ... => */
        TOK_INVALID,  /* something the lexer already reported */
};

struct fl_hcl_token {
        enum fl_hcl_tok type;
        struct fl_hcl_pos pos;
        const char *text; /* raw source of the token */
        size_t len;
        const char *str; /* TOK_STRING, TOK_HEREDOC: decoded, NUL-terminated, in the arena */
        size_t str_len;
};

struct fl_hcl_lexer {
        const char *filename;
        const char *src;
        const char *p;
        const char *end;
        const char *line_start; /* first byte of the current line */
        uint32_t line;
        uint32_t line_extra; /* UTF-8 continuation bytes between line_start and p */
        struct fl_arena *arena;
        struct fl_diags *diags;
        size_t n_errors;
        int fatal; /* < 0 once parsing must stop: -ENOMEM, -E2BIG (nesting) */
        /* scratch for strings that need decoding */
        char *buf;
        size_t buf_len;
        size_t buf_cap;
        /* heredoc lines while looking for the common indentation */
        struct heredoc_line *lines;
        size_t n_lines;
        size_t lines_cap;
};

void fl_hcl_lex_init(struct fl_hcl_lexer *l, const char *data, size_t size, const char *filename,
        struct fl_arena *arena, struct fl_diags *diags);
void fl_hcl_lex_done(struct fl_hcl_lexer *l);

/* Scans the next token into *t. Problems are reported through fl_hcl_lex_error();
 * the lexer always makes progress and ends with TOK_EOF. */
void fl_hcl_lex_next(struct fl_hcl_lexer *l, struct fl_hcl_token *t);

/* Reports a problem at `pos`. Sets l->fatal when out of memory. */
void fl_hcl_lex_error(struct fl_hcl_lexer *l, const struct fl_hcl_pos *pos, const char *fmt, ...)
        _printf_(3, 4);

/* Length of the valid UTF-8 sequence at p (1-4), or 0 when invalid (overlong,
 * surrogate, above U+10FFFF, truncated); stores the code point in *ret_cp. */
size_t fl_utf8_decode(const unsigned char *p, const unsigned char *end, uint32_t *ret_cp);
