/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The HCL parser: one table of inputs with either the exact tree they parse
 * to (in a compact dump, see dump_body()) or the exact diagnostics they
 * produce ("LINE:COL: message" lines), plus positions, the seed fixtures,
 * the hcl2json printer and the helpers.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "diag.h"
#include "fl_test.h"
#include "hcl.h"
#include "hcl_json.h"

/* Compact dump of a tree: attributes `name=VALUE` and blocks
 * `type "label" label {...}` separated by spaces, in source order (blocks
 * after attributes); numbers as written, strings quoted with C escapes,
 * tuples [a,b], objects {k=v,"quoted"=v}, heredocs <<"text". */
static void dump_string(FILE *f, const char *s, size_t len) {
        fputc('"', f);
        for (size_t i = 0; i < len; i++) {
                unsigned char c = (unsigned char) s[i];
                if (c == '"' || c == '\\')
                        fprintf(f, "\\%c", c);
                else if (c == '\n')
                        fputs("\\n", f);
                else if (c == '\t')
                        fputs("\\t", f);
                else if (c == '\r')
                        fputs("\\r", f);
                else if (c < 0x20 || c == 0x7f)
                        fprintf(f, "\\x%02x", c);
                else
                        fputc(c, f);
        }
        fputc('"', f);
}

static void dump_value(FILE *f, const struct fl_hcl_value *v) {
        switch (v->type) {
        case FL_HCL_NULL:
                fputs("null", f);
                break;
        case FL_HCL_BOOL:
                fputs(v->boolean ? "true" : "false", f);
                break;
        case FL_HCL_NUMBER:
                fputs(v->number.text, f);
                break;
        case FL_HCL_STRING:
                if (v->string.heredoc)
                        fputs("<<", f);
                dump_string(f, v->string.ptr, v->string.len);
                break;
        case FL_HCL_TUPLE:
                fputc('[', f);
                for (size_t i = 0; i < v->tuple.n_items; i++) {
                        if (i)
                                fputc(',', f);
                        dump_value(f, &v->tuple.items[i]);
                }
                fputc(']', f);
                break;
        case FL_HCL_OBJECT:
                fputc('{', f);
                for (size_t i = 0; i < v->object.n_items; i++) {
                        const struct fl_hcl_object_item *it = &v->object.items[i];
                        if (i)
                                fputc(',', f);
                        if (it->key_quoted)
                                dump_string(f, it->key, it->key_len);
                        else
                                fputs(it->key, f);
                        fputc('=', f);
                        dump_value(f, &it->value);
                }
                fputc('}', f);
                break;
        }
}

static void dump_body(FILE *f, const struct fl_hcl_body *b) {
        bool first = true;

        for (size_t i = 0; i < b->n_attributes; i++) {
                if (!first)
                        fputc(' ', f);
                first = false;
                fprintf(f, "%s=", b->attributes[i].name);
                dump_value(f, &b->attributes[i].value);
        }
        for (size_t i = 0; i < b->n_blocks; i++) {
                const struct fl_hcl_block *blk = &b->blocks[i];
                if (!first)
                        fputc(' ', f);
                first = false;
                fputs(blk->type, f);
                for (size_t k = 0; k < blk->n_labels; k++) {
                        fputc(' ', f);
                        if (blk->labels[k].quoted)
                                dump_string(f, blk->labels[k].text, blk->labels[k].len);
                        else
                                fputs(blk->labels[k].text, f);
                }
                fputs(" {", f);
                dump_body(f, &blk->body);
                fputc('}', f);
        }
}

static char *dump(const struct fl_hcl_file *file) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);

        assert_non_null(f);
        dump_body(f, &file->body);
        fclose(f);
        return buf;
}

/* "LINE:COL: message\n" for every diagnostic, checking the file name. */
static char *diag_text(const struct fl_diags *d, const char *filename) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);

        assert_non_null(f);
        for (size_t i = 0; i < d->n_items; i++) {
                assert_string_equal(d->items[i].file, filename);
                fprintf(f, "%u:%u: %s\n", d->items[i].line, d->items[i].column,
                        d->items[i].message);
        }
        fclose(f);
        return buf;
}

struct parse_case {
        const char *name;
        const char *input;
        size_t len;         /* 0: strlen(input) */
        const char *tree;   /* expected dump when the input is valid */
        const char *errors; /* expected diagnostics when it is not */
};

static const struct parse_case parse_cases[] = {
        /* --- valid: structure --- */
        {"empty", "", .tree = ""},
        {"blank lines", "\n\n  \n\t\n", .tree = ""},
        {"attribute", "a = 1\n", .tree = "a=1"},
        {"no final newline", "a = 1", .tree = "a=1"},
        {"spacing", "a=1\n  b   =   2  \n", .tree = "a=1 b=2"},
        {"name chars", "a_b-c9 = 1\n_x = 2\n", .tree = "a_b-c9=1 _x=2"},
        {"block", "b {\n  x = 1\n}\n", .tree = "b {x=1}"},
        {"empty block", "b {}\nc {\n}\n", .tree = "b {} c {}"},
        {"labels quoted", "b \"l1\" \"l2\" {\n}\n", .tree = "b \"l1\" \"l2\" {}"},
        {"labels bare", "b l1 \"l2\" l3 {}\n", .tree = "b l1 \"l2\" l3 {}"},
        {"label escapes", "b \"a\\tb\\u00e9\" {}\n", .tree = "b \"a\\tbé\" {}"},
        {"nested blocks", "a {\n  b {\n    c {\n      d = 1\n    }\n  }\n}\n",
                .tree = "a {b {c {d=1}}}"},
        {"repeated blocks", "r \"x\" {}\nr \"x\" {}\nr {}\n", .tree = "r \"x\" {} r \"x\" {} r {}"},
        {"one-line block", "limits { max = 3 }\n", .tree = "limits {max=3}"},
        {"one-line several", "node { name = \"n\"  type = \"s\" datacenter = \"d\" }\n",
                .tree = "node {name=\"n\" type=\"s\" datacenter=\"d\"}"},
        {"one-line nested value", "a { b = { c = [1, 2] } }\n", .tree = "a {b={c=[1,2]}}"},
        {"one-line labelled", "k \"n\" { x = true }\n", .tree = "k \"n\" {x=true}"},
        {"attrs and blocks", "a = 1\nb {}\nc = 2\n", .tree = "a=1 c=2 b {}"},
        {"attribute and block same name", "a = 1\na {}\n", .tree = "a=1 a {}"},
        {"crlf", "a = 1\r\nb {\r\n  c = 2\r\n}\r\n", .tree = "a=1 b {c=2}"},
        {"bom",
                "\xEF\xBB\xBF"
                "a = 1\n",
                .tree = "a=1"},
        /* --- valid: comments --- */
        {"hash comment", "# c\na = 1 # trailing\n", .tree = "a=1"},
        {"slash comment", "// c\na = 1 // trailing\n", .tree = "a=1"},
        {"block comment", "/* c */ a = 1 /* t */\n/*\n multi\n*/\nb = 2\n", .tree = "a=1 b=2"},
        {"comment ends item", "a {\n  b = 1 # x\n}\n", .tree = "a {b=1}"},
        {"comment with utf8", "# é 😀\na = 1\n", .tree = "a=1"},
        {"comment after brace", "a { # c\n  b = 1\n}\n", .tree = "a {b=1}"},
        /* --- valid: strings --- */
        {"string", "a = \"hello world\"\n", .tree = "a=\"hello world\""},
        {"empty string", "a = \"\"\n", .tree = "a=\"\""},
        {"simple escapes", "a = \"\\n\\r\\t\\\"\\\\\"\n", .tree = "a=\"\\n\\r\\t\\\"\\\\\""},
        {"unicode escapes", "a = \"\\u00e9\\u20AC\\U0001F600\"\n", .tree = "a=\"é€😀\""},
        {"nul escape", "a = \"x\\u0000y\"\n", .tree = "a=\"x\\x00y\""},
        {"template escapes", "a = \"$${x} %%{y}\"\n", .tree = "a=\"${x} %{y}\""},
        {"lone dollar percent", "a = \"$ % $$ %% $x %y 100%\"\n",
                .tree = "a=\"$ % $$ %% $x %y 100%\""},
        {"triple dollar", "a = \"$$${x}\"\n", .tree = "a=\"$${x}\""},
        {"utf8 text", "a = \"é ü 漢字 😀\"\n", .tree = "a=\"é ü 漢字 😀\""},
        {"raw tab in string", "a = \"x\ty\"\n", .tree = "a=\"x\\ty\""},
        {"hash in string", "a = \"# not a comment // /* */\"\n",
                .tree = "a=\"# not a comment // /* */\""},
        /* --- valid: heredocs --- */
        {"heredoc", "a = <<EOT\nhello\n  world\nEOT\n", .tree = "a=<<\"hello\\n  world\\n\""},
        {"heredoc empty", "a = <<EOT\nEOT\n", .tree = "a=<<\"\""},
        {"heredoc indented marker", "a = <<EOT\nx\n   EOT  \nb = 1\n", .tree = "a=<<\"x\\n\" b=1"},
        {"heredoc flush", "a = <<-EOT\n    x\n      y\n    EOT\n", .tree = "a=<<\"x\\n  y\\n\""},
        {"heredoc flush blank lines", "a = <<-EOT\n    x\n  \n\n    y\n    EOT\n",
                .tree = "a=<<\"x\\n  \\n\\ny\\n\""},
        {"heredoc flush tabs", "a = <<-EOT\n\tx\n  y\nEOT\n", .tree = "a=<<\"x\\n y\\n\""},
        {"heredoc no escapes", "a = <<EOT\n\\n $${x} %%{y} $ \"q\"\nEOT\n",
                .tree = "a=<<\"\\\\n ${x} %{y} $ \\\"q\\\"\\n\""},
        {"heredoc crlf", "a = <<EOT\r\nx\r\nEOT\r\n", .tree = "a=<<\"x\\r\\n\""},
        {"heredoc at eof", "a = <<EOT\nx\nEOT", .tree = "a=<<\"x\\n\""},
        {"heredoc marker inside text", "a = <<EOT\nEOTX\nxEOT\nEOT\n",
                .tree = "a=<<\"EOTX\\nxEOT\\n\""},
        {"heredoc in tuple", "a = [<<EOT\nx\nEOT\n, 2]\n", .tree = "a=[<<\"x\\n\",2]"},
        {"heredoc dash marker", "a = <<-END_1\n  z\n  END_1\n", .tree = "a=<<\"z\\n\""},
        /* --- valid: numbers and literals --- */
        {"integers", "a = 0\nb = 42\nc = 007\n", .tree = "a=0 b=42 c=007"},
        {"negative", "a = -1\nb = - 2\nc = -0\n", .tree = "a=-1 b=-2 c=-0"},
        {"fractions", "a = 1.5\nb = -0.25\nc = 10.0\n", .tree = "a=1.5 b=-0.25 c=10.0"},
        {"exponents", "a = 1e3\nb = 2.5E-3\nc = 1e+2\nd = 1.e5\n",
                .tree = "a=1e3 b=2.5E-3 c=1e+2 d=1.e5"},
        {"big numbers", "a = 123456789012345678901234567890\nb = 1e400\n",
                .tree = "a=123456789012345678901234567890 b=1e400"},
        {"bools and null", "a = true\nb = false\nc = null\n", .tree = "a=true b=false c=null"},
        {"number then dot comment", "a = 1 // .\n", .tree = "a=1"},
        /* --- valid: tuples --- */
        {"tuple", "a = [1, \"x\", true, null]\n", .tree = "a=[1,\"x\",true,null]"},
        {"empty tuple", "a = []\nb = [\n]\n", .tree = "a=[] b=[]"},
        {"tuple trailing comma", "a = [1, 2,]\n", .tree = "a=[1,2]"},
        {"tuple multiline", "a = [\n  1,\n  2\n  ,3\n]\n", .tree = "a=[1,2,3]"},
        {"tuple comments", "a = [ # c\n  1, // d\n  /* e */ 2,\n]\n", .tree = "a=[1,2]"},
        {"nested tuples", "a = [[1, [2]], [], [[]]]\n", .tree = "a=[[1,[2]],[],[[]]]"},
        /* --- valid: objects --- */
        {"object equals", "a = { x = 1, y = 2 }\n", .tree = "a={x=1,y=2}"},
        {"object colon", "a = { x: 1, \"y\": 2 }\n", .tree = "a={x=1,\"y\"=2}"},
        {"object newlines", "a = {\n  x = 1\n  y = 2\n}\n", .tree = "a={x=1,y=2}"},
        {"object comma and newline", "a = {\n  x = 1,\n  y = 2,\n}\n", .tree = "a={x=1,y=2}"},
        {"object quoted keys", "a = { \"with space\" = 1, \"é\" = 2 }\n",
                .tree = "a={\"with space\"=1,\"é\"=2}"},
        {"object nested", "a = { b = { c = { d = [1, { e = null }] } } }\n",
                .tree = "a={b={c={d=[1,{e=null}]}}}"},
        {"empty object", "a = {}\nb = {\n}\n", .tree = "a={} b={}"},
        {"object keyword keys", "a = { true = 1, null = 2, for = 3 }\n",
                .tree = "a={true=1,null=2,for=3}"},
        {"object dash key", "a = { x-y = 1 }\n", .tree = "a={x-y=1}"},

        /* --- invalid: structure --- */
        {"two attributes on one line", "a = 1 b = 2\n",
                .errors = "1:7: two attributes on one line (\"a\" and \"b\"): put each on its own "
                          "line\n"},
        {"comma between attributes", "a = 1, b = 2\n",
                .errors =
                        "1:6: unexpected \",\" after the value of \"a\": attributes are separated "
                        "by newlines\n"},
        {"block comment is not a newline", "a = 1 /* x\n*/ b = 2\n",
                .errors = "2:4: two attributes on one line (\"a\" and \"b\"): put each on its own "
                          "line\n"},
        {"closing brace after value", "a {\n  b = 1 }\n",
                .errors = "2:9: expected a newline after the value of \"b\", found \"}\"\n"},
        {"duplicate attribute", "x = 1\ny = 2\nx = 3\n",
                .errors = "3:1: duplicate attribute \"x\" (first set at 1:1)\n"},
        {"duplicate in block", "b {\n  x = 1\n  x = 2\n}\n",
                .errors = "3:3: duplicate attribute \"x\" (first set at 2:3)\n"},
        {"duplicate in one-line block", "b { x = 1  x = 2 }\n",
                .errors = "1:12: duplicate attribute \"x\" (first set at 1:5)\n"},
        {"duplicate object key", "a = { k = 1, \"k\" = 2 }\n",
                .errors = "1:14: duplicate key \"k\" (first set at 1:7)\n"},
        {"duplicate key with escapes", "a = { \"x\\ny\\u0001\" = 1, \"x\\ny\\u0001\" = 2 }\n",
                .errors = "1:25: duplicate key \"x\\ny\\u0001\" (first set at 1:7)\n"},
        {"unterminated block", "a \"b\" {\n  c = 1\n",
                .errors = "1:1: unterminated block \"a\": no \"}\" closes it\n"},
        {"unterminated nested block", "a {\n  b {\n}\n",
                .errors = "1:1: unterminated block \"a\": no \"}\" closes it\n"},
        {"stray closing brace", "a = 1\n}\nb = 2\n",
                .errors = "2:1: unexpected \"}\": no block to close\n"},
        {"missing value", "a =\nb = 1\n", .errors = "1:4: expected a value, found end of line\n"},
        {"missing value at eof", "a =", .errors = "1:4: expected a value, found end of file\n"},
        {"name alone", "a\n",
                .errors = "1:2: expected \"=\" or \"{\" after \"a\", found end of line\n"},
        {"brace on next line", "b\n{\n}\n",
                .errors = "1:2: expected \"=\" or \"{\" after \"b\", found end of line\n"
                          "2:1: expected an attribute or block name, found \"{\"\n"},
        {"labels then newline", "b \"x\"\n{\n}\n",
                .errors = "1:6: the \"{\" of block \"b\" must be on the same line as its type\n"
                          "2:1: expected an attribute or block name, found \"{\"\n"},
        {"label then equals", "b \"x\" = 1\n",
                .errors = "1:7: expected a label or \"{\" after block \"b\", found \"=\"\n"},
        {"quoted name", "\"a\" = 1\n",
                .errors = "1:1: attribute and block names must not be quoted\n"},
        {"number as name", "1 = 2\n",
                .errors = "1:1: expected an attribute or block name, found \"1\"\n"},
        {"heredoc label", "b <<EOT\nx\nEOT\n{}\n",
                .errors = "1:3: expected \"=\" or \"{\" after \"b\", found a heredoc\n"
                          "4:1: expected an attribute or block name, found \"{\"\n"},
        {"too many labels", "b 1 {}\nb a b c d e f g h i {}\n",
                .errors = "1:3: expected \"=\" or \"{\" after \"b\", found \"1\"\n"
                          "2:19: block \"b\" has more than 8 labels\n"},
        {"text after block", "a {} b = 1\n",
                .errors = "1:6: expected a newline after the \"}\" of block \"a\", found \"b\"\n"},
        {"brace after inner block", "a {\n  b {\n  } }\n",
                .errors = "3:5: expected a newline after the \"}\" of block \"b\", found \"}\"\n"},
        {"one-line commas", "n { a = 1, b = 2 }\n",
                .errors = "1:10: attributes in a one-line block are separated by spaces, not "
                          "commas\n"},
        {"one-line not closed", "n { a = 1\n}\nb = 2\n",
                .errors =
                        "1:10: one-line block \"n\" must be closed with \"}\" on the same line\n"},
        {"one-line with block", "n { b {} }\n",
                .errors = "1:5: a one-line block can only hold attributes: put block \"b\" on its "
                          "own line\n"},
        {"one-line bad start", "n { \"a\" = 1 }\n",
                .errors = "1:5: expected an attribute name in one-line block \"n\", found a quoted "
                          "string\n"},
        {"one-line missing equals", "n { a 1 }\n",
                .errors = "1:7: expected \"=\" after \"a\", found \"1\"\n"},
        {"errors on several lines", "a = 1 2\nb = [1 2]\nc = {d}\nok = 1\n",
                .errors = "1:7: expected a newline after the value of \"a\", found \"2\"\n"
                          "2:8: expected \",\" or \"]\" after a tuple item, found \"2\"\n"
                          "3:7: expected \"=\" or \":\" after the object key, found \"}\"\n"},
        /* --- invalid: expressions --- */
        {"reference", "a = foo\n",
                .errors = "1:5: reference \"foo\" is not supported (quote it to make a string)\n"},
        {"traversal", "a = var.x\n",
                .errors = "1:5: reference \"var\" is not supported (quote it to make a string)\n"},
        {"function call", "a = max(1, 2)\n",
                .errors = "1:5: function call \"max()\" is not supported\n"},
        {"namespaced function", "a = p::f(1)\n",
                .errors = "1:5: function call \"p()\" is not supported\n"},
        {"interpolation", "a = \"x${y}z\"\n",
                .errors =
                        "1:7: template interpolation \"${\" is not supported (write \"$${\" for a "
                        "literal \"${\")\n"},
        {"directive", "a = \"%{ if x }y%{ endif }\"\n",
                .errors = "1:6: template directive \"%{\" is not supported (write \"%%{\" for a "
                          "literal \"%{\")\n"
                          "1:16: template directive \"%{\" is not supported (write \"%%{\" for a "
                          "literal \"%{\")\n"},
        {"interpolation in heredoc", "a = <<EOT\n  ${x}\nEOT\n",
                .errors =
                        "2:3: template interpolation \"${\" is not supported (write \"$${\" for a "
                        "literal \"${\")\n"},
        {"interpolation in label", "b \"${x}\" {}\n",
                .errors =
                        "1:4: template interpolation \"${\" is not supported (write \"$${\" for a "
                        "literal \"${\")\n"},
        {"binary operator", "a = 1 + 2\n", .errors = "1:7: operator \"+\" is not supported\n"},
        {"comparison", "a = 1 >= 2\n", .errors = "1:7: operator \">=\" is not supported\n"},
        {"logical", "a = true && false\n", .errors = "1:10: operator \"&&\" is not supported\n"},
        {"subtraction", "a = 3 - 1\n", .errors = "1:7: operator \"-\" is not supported\n"},
        {"negation", "a = !true\n", .errors = "1:5: operator \"!\" is not supported\n"},
        {"minus reference", "a = -x\n",
                .errors = "1:5: operator \"-\" is not supported (only before a number)\n"},
        {"conditional", "a = true ? 1 : 2\n",
                .errors = "1:10: conditional expression (\"? :\") is not supported\n"},
        {"parentheses", "a = (1)\n", .errors = "1:5: parentheses are not supported\n"},
        {"for tuple", "a = [for x in y : x]\n", .errors = "1:6: for expression is not supported\n"},
        {"for object", "a = {for k, v in m : k => v}\n",
                .errors = "1:6: for expression is not supported (quote \"for\" to use it as a "
                          "key)\n"},
        {"for as first key", "a = { for = 1 }\n",
                .errors = "1:7: for expression is not supported (quote \"for\" to use it as a "
                          "key)\n"},
        {"index", "a = [1, 2][0]\n",
                .errors = "1:11: index or attribute access (\"[\") is not supported\n"},
        {"attribute access", "a = {b = 1}.b\n",
                .errors = "1:12: index or attribute access (\".\") is not supported\n"},
        {"splat", "a = [1][*]\n",
                .errors = "1:8: index or attribute access (\"[\") is not supported\n"},
        {"operator in tuple", "a = [1, 2 * 3]\nb = 1\n",
                .errors = "1:11: operator \"*\" is not supported\n"},
        {"operator in object", "a = { x = 1 % 2 }\n",
                .errors = "1:13: operator \"%\" is not supported\n"},
        {"reference in tuple", "a = [x, y]\n",
                .errors = "1:6: reference \"x\" is not supported (quote it to make a string)\n"},
        {"number object key", "a = { 1 = 2 }\n",
                .errors = "1:7: expected an object key (a name or a quoted string), found \"1\"\n"},
        {"parenthesized key", "a = { (k) = 2 }\n",
                .errors = "1:7: parentheses are not supported\n"},
        {"one error per attribute", "a = [foo, bar]\nb = x + y\n",
                .errors = "1:6: reference \"foo\" is not supported (quote it to make a string)\n"
                          "2:5: reference \"x\" is not supported (quote it to make a string)\n"},
        /* --- invalid: lexical --- */
        {"bad escape", "a = \"\\q\"\n", .errors = "1:6: invalid escape sequence \"\\q\"\n"},
        {"short unicode escape", "a = \"\\u12x\"\n",
                .errors =
                        "1:6: invalid escape sequence \"\\u12\": expected 4 hexadecimal digits\n"},
        {"short long escape", "a = \"\\U0001F6\"\n",
                .errors = "1:6: invalid escape sequence \"\\U0001F6\": expected 8 hexadecimal "
                          "digits\n"},
        {"surrogate escape", "a = \"\\uD800\"\n",
                .errors = "1:6: invalid escape sequence \"\\uD800\": not a Unicode character\n"},
        {"escape beyond unicode", "a = \"\\U00110000\"\n",
                .errors =
                        "1:6: invalid escape sequence \"\\U00110000\": not a Unicode character\n"},
        {"backslash at end of line", "a = \"x\\\nb = 1\n",
                .errors = "1:5: unterminated string: no closing quote on this line\n"
                          "1:7: invalid escape sequence: \"\\\" at the end of the line\n"},
        {"several bad escapes", "a = \"\\a \\b\"\nb = \"\\c\"\n",
                .errors = "1:6: invalid escape sequence \"\\a\"\n"
                          "1:9: invalid escape sequence \"\\b\"\n"
                          "2:6: invalid escape sequence \"\\c\"\n"},
        {"unterminated string", "a = \"abc\nb = 1\n",
                .errors = "1:5: unterminated string: no closing quote on this line\n"},
        {"unterminated string at eof", "a = \"abc",
                .errors = "1:5: unterminated string: no closing quote on this line\n"},
        {"unterminated heredoc", "a = <<EOT\nx\n",
                .errors = "1:5: unterminated heredoc: no line \"EOT\" closes it\n"},
        {"heredoc without newline", "a = <<EOT x\n",
                .errors = "1:5: heredoc introducer \"<<EOT\" must be followed by a newline\n"},
        {"unterminated comment", "a = 1\n/* never\nclosed\n",
                .errors = "2:1: unterminated comment: no \"*/\" closes it\n"},
        {"unterminated tuple", "a = [1, 2\n",
                .errors = "1:5: unterminated tuple: no \"]\" closes it\n"},
        {"unterminated object", "a = { b = 1\n",
                .errors = "1:5: unterminated object: no \"}\" closes it\n"},
        {"invalid utf8 in string", "a = \"x\xff\"\nb = \"\xc3\x28\"\n",
                .errors = "1:7: invalid UTF-8 (byte 0xFF)\n2:6: invalid UTF-8 (byte 0xC3)\n"},
        {"invalid utf8 in comment", "# \xe2\x82\n",
                .errors = "1:3: invalid UTF-8 (byte 0xE2)\n1:4: invalid UTF-8 (byte 0x82)\n"},
        {"overlong utf8", "a = \"\xc0\xaf\"\n",
                .errors = "1:6: invalid UTF-8 (byte 0xC0)\n1:7: invalid UTF-8 (byte 0xAF)\n"},
        {"utf8 surrogate bytes", "a = \"\xed\xa0\x80\"\n",
                .errors = "1:6: invalid UTF-8 (byte 0xED)\n1:7: invalid UTF-8 (byte 0xA0)\n"
                          "1:8: invalid UTF-8 (byte 0x80)\n"},
        {"invalid utf8 outside strings", "a = 1\n\xff = 2\n",
                .errors = "2:1: invalid UTF-8 (byte 0xFF)\n"},
        {"columns count characters", "a = \"é😀\" \"x\"\n",
                .errors = "1:10: expected a newline after the value of \"a\", found a quoted "
                          "string\n"},
        {"column after multibyte comment", "/* é */ x\n",
                .errors = "1:10: expected \"=\" or \"{\" after \"x\", found end of line\n"},
        {"non-ascii name", "é = 1\n", .errors = "1:1: unexpected character \"é\" (U+00E9)\n"},
        {"curly quotes", "a = “x”\n",
                .errors =
                        "1:5: unexpected character \"“\" (U+201C) (use straight double quotes)\n"
                        "1:7: unexpected character \"”\" (U+201D) (use straight double quotes)\n"},
        {"single quotes", "a = 'x'\n",
                .errors = "1:5: unexpected character \"'\" (strings use double quotes)\n"
                          "1:7: unexpected character \"'\" (strings use double quotes)\n"},
        {"control character", "a = 1\x01\n", .errors = "1:6: unexpected character U+0001\n"},
        {"semicolon", "a = 1;\n", .errors = "1:6: unexpected character \";\"\n"},
        {"lone carriage return", "a = 1\rb = 2\n",
                .errors = "1:6: unexpected carriage return (U+000D) without a newline\n"
                          "1:7: two attributes on one line (\"a\" and \"b\"): put each on its own "
                          "line\n"},
        {"invalid numbers", "a = 1.2.3\nb = 1e\nc = 0x10\nd = 1_000\n",
                .errors = "1:5: invalid number \"1.2.3\"\n2:5: invalid number \"1e\"\n"
                          "3:5: invalid number \"0x10\"\n4:5: invalid number \"1_000\"\n"},
        {"leading dot", "a = .5\n", .errors = "1:5: expected a value, found \".\"\n"},
        {"trailing dot", "a = 1.\n",
                .errors = "1:6: index or attribute access (\".\") is not supported\n"},
        {"plus sign", "a = +1\n", .errors = "1:5: expected a value, found \"+\"\n"},
        {"nul byte", "a = 1\n\0\n", 8, .errors = "2:1: unexpected character U+0000\n"},
        {"raw nul in string", "a = \"x\0y\"\n", 10, .tree = "a=\"x\\x00y\""},
};

/* Checks one case; prints what differs and returns false on a mismatch, so
 * one run shows every failing case. */
static bool run_parse_case(const struct parse_case *c) {
        _cleanup_(fl_diags_freep) struct fl_diags *d = fl_diags_new();
        _cleanup_(fl_hcl_file_freep) struct fl_hcl_file *f = NULL;
        _cleanup_free_ char *got = NULL, *errs = NULL;
        size_t len = c->len ? c->len : strlen(c->input);
        int r;

        assert_non_null(d);
        r = fl_hcl_parse(c->input, len, "t.hcl", d, &f);
        errs = diag_text(d, "t.hcl");
        if (c->tree) {
                if (r != 0) {
                        printf("FAIL %s: expected success, got %d:\n%s", c->name, r, errs);
                        return false;
                }
                got = dump(f);
                if (strcmp(got, c->tree) != 0) {
                        printf("FAIL %s: tree\n  got:      %s\n  expected: %s\n", c->name, got,
                                c->tree);
                        return false;
                }
                return true;
        }
        if (r != -EINVAL || f) {
                printf("FAIL %s: expected -EINVAL and no tree, got %d\n", c->name, r);
                return false;
        }
        if (strcmp(errs, c->errors) != 0) {
                printf("FAIL %s: diagnostics\n  got:\n%s  expected:\n%s", c->name, errs, c->errors);
                return false;
        }
        return true;
}

static void test_parse_table(void **state) {
        size_t valid = 0, invalid = 0, failed = 0;

        for (size_t i = 0; i < ELEMENTSOF(parse_cases); i++) {
                if (!run_parse_case(&parse_cases[i]))
                        failed++;
                if (parse_cases[i].tree)
                        valid++;
                else
                        invalid++;
        }
        printf("parser cases: %zu valid, %zu invalid, %zu failed\n", valid, invalid, failed);
        assert_int_equal(failed, 0);
        /* the table is the specification: keep it large */
        assert_true(valid >= 40);
        assert_true(invalid >= 40);
}

static struct fl_hcl_file *parse_ok(const char *text) {
        struct fl_hcl_file *f = NULL;
        _cleanup_(fl_diags_freep) struct fl_diags *d = fl_diags_new();

        assert_int_equal(fl_hcl_parse(text, strlen(text), "p.hcl", d, &f), 0);
        assert_int_equal(d->n_items, 0);
        return f;
}

static void assert_pos(
        const struct fl_hcl_pos *p, unsigned line, unsigned column, unsigned offset) {
        assert_int_equal(p->line, line);
        assert_int_equal(p->column, column);
        assert_int_equal(p->offset, offset);
}

static void test_positions_detail(void **state) {
        const char *text = "x = -5\n"          /* offsets 0..6 */
                           "blk \"é\" lbl {\n" /* 7.. ("é" is 2 bytes) */
                           "  s = \"😀\"\n"
                           "  t = [1, { k = <<EOT\n"
                           "hi\n"
                           "EOT\n"
                           "  }]\n"
                           "}\n"
                           "/* é */ y = \"é\" # z\n";
        _cleanup_(fl_hcl_file_freep) struct fl_hcl_file *f = parse_ok(text);
        const struct fl_hcl_block *b;
        const struct fl_hcl_value *t, *obj;

        assert_int_equal(f->body.n_attributes, 2);
        assert_pos(&f->body.attributes[0].pos, 1, 1, 0);
        assert_pos(&f->body.attributes[0].value.pos, 1, 5, 4); /* the minus sign */
        assert_string_equal(f->body.attributes[0].value.number.text, "-5");
        assert_true(f->body.attributes[0].value.number.value == -5.0);

        b = &f->body.blocks[0];
        assert_pos(&b->pos, 2, 1, 7);
        assert_int_equal(b->n_labels, 2);
        assert_pos(&b->labels[0].pos, 2, 5, 11);
        assert_true(b->labels[0].quoted);
        assert_pos(&b->labels[1].pos, 2, 9, 16);
        assert_false(b->labels[1].quoted);
        assert_pos(&b->body.attributes[0].pos, 3, 3, 24);
        assert_pos(&b->body.attributes[0].value.pos, 3, 7, 28);

        t = &b->body.attributes[1].value;
        assert_pos(&t->pos, 4, 7, 41);
        assert_pos(&t->tuple.items[0].pos, 4, 8, 42);
        obj = &t->tuple.items[1];
        assert_pos(&obj->pos, 4, 11, 45);
        assert_pos(&obj->object.items[0].key_pos, 4, 13, 47);
        assert_pos(&obj->object.items[0].value.pos, 4, 17, 51);
        assert_true(obj->object.items[0].value.string.heredoc);

        /* after a comment holding a 2-byte character, columns count characters */
        assert_string_equal(f->body.attributes[1].name, "y");
        assert_pos(&f->body.attributes[1].pos, 9, 9, 80);
        assert_pos(&f->body.attributes[1].value.pos, 9, 13, 84);
}

/* The seeds, exactly as the design documents wrote them. */
static struct fl_hcl_file *parse_seed(const char *name) {
        _cleanup_free_ char *path = NULL;
        _cleanup_(fl_diags_freep) struct fl_diags *d = fl_diags_new();
        struct fl_hcl_file *f = NULL;
        char rel[128];

        snprintf(rel, sizeof(rel), "tests/data/seed/%s", name);
        path = fl_test_source_path(rel);
        assert_int_equal(fl_hcl_parse_file(path, d, &f), 0);
        assert_int_equal(d->n_items, 0);
        return f;
}

static const struct fl_hcl_value *attr(const struct fl_hcl_body *b, const char *name) {
        const struct fl_hcl_attribute *a = fl_hcl_body_attribute(b, name);
        if (!a)
                fail_msg("no attribute \"%s\"", name);
        return &a->value;
}

static void assert_string_value(const struct fl_hcl_value *v, const char *s) {
        assert_int_equal(v->type, FL_HCL_STRING);
        assert_false(v->string.heredoc);
        assert_int_equal(v->string.len, strlen(s));
        assert_string_equal(v->string.ptr, s);
}

static void assert_string_tuple(const struct fl_hcl_value *v, size_t n, const char *const *items) {
        assert_int_equal(v->type, FL_HCL_TUPLE);
        assert_int_equal(v->tuple.n_items, n);
        for (size_t i = 0; i < n; i++)
                assert_string_value(&v->tuple.items[i], items[i]);
}

static void test_seed_acl(void **state) {
        _cleanup_(fl_hcl_file_freep) struct fl_hcl_file *f = parse_seed("coordinator-acl.hcl");
        const struct fl_hcl_block *sc, *r;
        const char *all[] = {"/*"}, *metrics[] = {"/metrics"};
        const char *admin[] = {"spiffe://example.com/worker-admin"};

        assert_int_equal(f->body.n_attributes, 0);
        assert_int_equal(f->body.n_blocks, 1);
        sc = &f->body.blocks[0];
        assert_string_equal(sc->type, "server_config");
        assert_int_equal(sc->n_labels, 0);
        assert_pos(&sc->pos, 1, 1, 0);
        assert_int_equal(sc->body.n_attributes, 1);
        assert_int_equal(attr(&sc->body, "enable_tls")->type, FL_HCL_BOOL);
        assert_true(attr(&sc->body, "enable_tls")->boolean);
        assert_int_equal(sc->body.n_blocks, 3);

        r = &sc->body.blocks[0];
        assert_string_equal(r->type, "route_rule");
        assert_int_equal(r->n_labels, 0);
        assert_pos(&r->pos, 3, 5, 42);
        assert_int_equal(r->body.n_attributes, 4);
        assert_string_value(attr(&r->body, "name"), "global_get");
        assert_string_value(attr(&r->body, "method"), "GET");
        assert_string_tuple(attr(&r->body, "route_patterns"), 1, all);
        assert_string_tuple(attr(&r->body, "uris"), 1, admin);

        r = &sc->body.blocks[1];
        assert_int_equal(r->body.n_attributes, 5);
        assert_string_value(attr(&r->body, "name"), "global_post");
        assert_string_value(attr(&r->body, "method"), "POST");
        assert_string_tuple(attr(&r->body, "route_patterns"), 1, all);
        assert_string_tuple(attr(&r->body, "uris"), 1, admin);
        assert_true(attr(&r->body, "allow_public")->boolean);

        r = &sc->body.blocks[2];
        assert_int_equal(r->body.n_attributes, 6);
        assert_string_value(attr(&r->body, "name"), "public_access");
        assert_string_value(attr(&r->body, "method"), "GET");
        assert_string_tuple(attr(&r->body, "route_patterns"), 1, metrics);
        assert_string_tuple(attr(&r->body, "uris"), 0, NULL); /* uris = [] */
        assert_true(attr(&r->body, "allow_public")->boolean);
        assert_true(attr(&r->body, "skip_log_match")->boolean);
        assert_int_equal(r->body.n_blocks, 0);
}

static void test_seed_constraints(void **state) {
        _cleanup_(fl_hcl_file_freep) struct fl_hcl_file *f = parse_seed("workflow-constraints.hcl");
        static const struct {
                const char *kind, *value, *period;
                int is_global; /* -1: absent */
                unsigned line;
        } want[] = {
                {"concurency", "1", "15m", -1, 8},
                {"maxExecution", "1", "1h", -1, 14},
                {"maxExecution", "3", "24h", 1, 20},
        };

        assert_int_equal(f->body.n_attributes, 1);
        assert_string_value(attr(&f->body, "task_queue_target"), "<target>");
        assert_int_equal(f->body.n_blocks, 3);
        for (size_t i = 0; i < ELEMENTSOF(want); i++) {
                const struct fl_hcl_block *c = &f->body.blocks[i];

                assert_string_equal(c->type, "constraint");
                assert_int_equal(c->n_labels, 0);
                assert_int_equal(c->pos.line, want[i].line);
                assert_int_equal(c->pos.column, 1);
                assert_string_value(attr(&c->body, "kind"), want[i].kind);
                /* value = "1" is a string, not a number */
                assert_string_value(attr(&c->body, "value"), want[i].value);
                assert_string_value(attr(&c->body, "period"), want[i].period);
                if (want[i].is_global < 0) {
                        assert_int_equal(c->body.n_attributes, 3);
                        assert_null(fl_hcl_body_attribute(&c->body, "is_global"));
                } else {
                        assert_int_equal(c->body.n_attributes, 4);
                        assert_int_equal(attr(&c->body, "is_global")->type, FL_HCL_BOOL);
                        assert_true(attr(&c->body, "is_global")->boolean);
                }
        }
}

/* hcl2json's text for small inputs; the integration test compares whole
 * files with the reference tool itself. */
static const struct {
        const char *input;
        const char *json;
        const char *errors;
} json_cases[] = {
        {"", "{}", NULL},
        {"a = 1\n", "{\n    \"a\": 1\n}", NULL},
        {"b = 1\na = [1, \"x\"]\n",
                "{\n    \"a\": [\n        1,\n        \"x\"\n    ],\n    \"b\": 1\n}", NULL},
        {"a = []\nb = {}\nc = null\n", "{\n    \"a\": [],\n    \"b\": {},\n    \"c\": null\n}",
                NULL},
        {"n = [1.50, -0, 1e3, 2.5e-3, 007, 1.e2, -0.0, 0.000]\n",
                "{\n    \"n\": [\n        1.5,\n        -0,\n        1000,\n        0.0025,\n      "
                "  7,\n"
                "        100,\n        -0,\n        0\n    ]\n}",
                NULL},
        {"n = 12345678901234567890123456789\n", "{\n    \"n\": 12345678901234567890123456789\n}",
                NULL},
        {"n = 1e25\nm = 1.5e-12\n",
                "{\n    \"m\": 0.0000000000015,\n    \"n\": 10000000000000000000000000\n}", NULL},
        {"s = \"<a&b>\\u2028\\u0001\\t\\\"$${x}%%{y}\"\n",
                "{\n    \"s\": \"\\u003ca\\u0026b\\u003e\\u2028\\u0001\\t\\\"$${x}%%{y}\"\n}",
                NULL},
        {"b \"x\" \"y\" { q = 1 }\nb \"x\" \"z\" {}\nb \"x\" \"y\" { q = 2 }\n",
                "{\n    \"b\": {\n        \"x\": {\n            \"y\": [\n                {\n"
                "                    \"q\": 1\n                },\n                {\n"
                "                    \"q\": 2\n                }\n            ],\n"
                "            \"z\": [\n                {}\n            ]\n        }\n    }\n}",
                NULL},
        {"a {}\na = 2\n", "{\n    \"a\": 2\n}", NULL},
        {"o = { b = 1, \"a\" = 2, \"$${k}\" = 3 }\n",
                "{\n    \"o\": {\n        \"$${k}\": 3,\n        \"a\": 2,\n        \"b\": 1\n    "
                "}\n}",
                NULL},
        {"l \"$${x}\" {}\n",
                "{\n    \"l\": {\n        \"${x}\": [\n            {}\n        ]\n    }\n}", NULL},
        {"h = <<-EOT\n  x\n  EOT\n", "{\n    \"h\": \"x\\n\"\n}", NULL},
        {"a {}\na \"x\" {}\n", NULL,
                "2:1: cannot convert to JSON: block \"a\" has 1 label here but 0 at 1:1\n"},
        {"a \"x\" \"y\" {}\na \"x\" {}\n", NULL,
                "2:1: cannot convert to JSON: block \"a\" has 1 label here but 2 at 1:1\n"},
        {"a = 1\nb {\n  c {}\n  c x {}\n}\nb = 2\n", NULL,
                "4:3: cannot convert to JSON: block \"c\" has 1 label here but 0 at 3:3\n"},
        {"n = 1e5000\n", NULL,
                "1:5: number \"1e5000\" is too large or too small to print exactly\n"},
        {"n = 1234567890123456789012345678901234567890123456789012345678901234567890123456789"
         "01234567890123456789012345678901234567890123456789012345678901234567890123456789\n",
                NULL,
                "1:5: number has more than 150 significant digits: hcl2json would round it\n"},
};

static void test_json(void **state) {
        for (size_t i = 0; i < ELEMENTSOF(json_cases); i++) {
                _cleanup_(fl_hcl_file_freep) struct fl_hcl_file *f = parse_ok(json_cases[i].input);
                _cleanup_(fl_diags_freep) struct fl_diags *d = fl_diags_new();
                _cleanup_free_ char *text = NULL, *errs = NULL;
                size_t len = 0;
                int r = fl_hcl_to_json_text(f, d, &text, &len);

                errs = diag_text(d, "p.hcl");
                if (json_cases[i].json) {
                        if (r != 0)
                                fail_msg("case %zu: %d %s", i, r, errs);
                        assert_string_equal(text, json_cases[i].json);
                        assert_int_equal(len, strlen(json_cases[i].json));
                } else {
                        assert_int_equal(r, -EINVAL);
                        assert_null(text);
                        assert_string_equal(errs, json_cases[i].errors);
                }
        }
}

static void test_value_to_json(void **state) {
        _cleanup_(fl_hcl_file_freep) struct fl_hcl_file *f = parse_ok(
                "p = { n = 3, r = 1.5, big = 1e30, s = \"$${x}\", l = [true, null], \"k\" = {} }\n"
                "inf = 1e400\n");
        json_t *j = NULL, *inf = NULL;
        char *s;

        assert_int_equal(fl_hcl_value_to_json(attr(&f->body, "p"), &j), 0);
        s = json_dumps(j, JSON_SORT_KEYS | JSON_COMPACT);
        assert_string_equal(
                s, "{\"big\":1e30,\"k\":{},\"l\":[true,null],\"n\":3,\"r\":1.5,\"s\":\"${x}\"}");
        free(s);
        json_decref(j);
        assert_int_equal(fl_hcl_value_to_json(attr(&f->body, "inf"), &inf), -ERANGE);
        assert_null(inf);
}

static void test_number_int64(void **state) {
        static const struct {
                const char *text;
                int r;
                int64_t v;
        } cases[] = {
                {"0", 0, 0},
                {"-0", 0, 0},
                {"42", 0, 42},
                {"-42", 0, -42},
                {"007", 0, 7},
                {"1e3", 0, 1000},
                {"1.5e1", 0, 15},
                {"2.000", 0, 2},
                {"1500e-2", 0, 15},
                {"0.0e99999", 0, 0},
                {"9223372036854775807", 0, INT64_MAX},
                {"-9223372036854775808", 0, INT64_MIN},
                {"9223372036854775808", -ERANGE, 0},
                {"-9223372036854775809", -ERANGE, 0},
                {"1e19", -ERANGE, 0},
                {"1e999999999", -ERANGE, 0},
                {"1.5", -EDOM, 0},
                {"1e-1", -EDOM, 0},
                {"100000000000000000000.5", -EDOM, 0},
                {"12345678901234567890123", -ERANGE, 0},
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct fl_hcl_value v = {.type = FL_HCL_NUMBER, .number.text = cases[i].text};
                int64_t x = 12345;
                int r = fl_hcl_number_int64(&v, &x);

                if (r != cases[i].r)
                        fail_msg("%s: got %d, expected %d", cases[i].text, r, cases[i].r);
                assert_true(x == (r == 0 ? cases[i].v : 12345));
        }
        struct fl_hcl_value s = {.type = FL_HCL_STRING};
        int64_t x;
        assert_int_equal(fl_hcl_number_int64(&s, &x), -EINVAL);
}

static void test_number_values(void **state) {
        _cleanup_(fl_hcl_file_freep) struct fl_hcl_file *f = parse_ok(
                "a = 0.1\nb = -2.5e-3\nc = 1e400\nd = 9007199254740993\ne = 123456789012345\n");

        assert_true(attr(&f->body, "a")->number.value == 0.1);
        assert_true(attr(&f->body, "b")->number.value == -2.5e-3);
        assert_true(isinf(attr(&f->body, "c")->number.value));
        assert_true(attr(&f->body, "d")->number.value == 9007199254740992.0);
        assert_true(attr(&f->body, "e")->number.value == 123456789012345.0);
}

static void test_helpers(void **state) {
        _cleanup_(fl_hcl_file_freep) struct fl_hcl_file *f =
                parse_ok("a = { x = 1, \"y z\" = 2 }\nb = 1\n");

        assert_null(fl_hcl_body_attribute(&f->body, "c"));
        assert_non_null(fl_hcl_object_get(attr(&f->body, "a"), "y z"));
        assert_string_equal(fl_hcl_object_get(attr(&f->body, "a"), "x")->number.text, "1");
        assert_null(fl_hcl_object_get(attr(&f->body, "a"), "q"));
        assert_null(fl_hcl_object_get(attr(&f->body, "b"), "x"));
        assert_string_equal(fl_hcl_type_name(FL_HCL_NULL), "null");
        assert_string_equal(fl_hcl_type_name(FL_HCL_BOOL), "bool");
        assert_string_equal(fl_hcl_type_name(FL_HCL_NUMBER), "number");
        assert_string_equal(fl_hcl_type_name(FL_HCL_STRING), "string");
        assert_string_equal(fl_hcl_type_name(FL_HCL_TUPLE), "tuple");
        assert_string_equal(fl_hcl_type_name(FL_HCL_OBJECT), "object");
        assert_null(fl_hcl_file_free(NULL));
}

static void test_quote(void **state) {
        char q[FL_HCL_QUOTE_SIZE], long_text[300];

        assert_string_equal(fl_hcl_quote("abc", 3, q), "\"abc\"");
        assert_string_equal(fl_hcl_quote("", 0, q), "\"\"");
        assert_string_equal(fl_hcl_quote("a\"b\\c\n\r\t\x01\x7f", 10, q),
                "\"a\\\"b\\\\c\\n\\r\\t\\u0001\\u007f\"");
        assert_string_equal(fl_hcl_quote("x\0y", 3, q), "\"x\\u0000y\"");
        assert_string_equal(fl_hcl_quote("é\xff", 3, q), "\"é\\ufffd\"");
        memset(long_text, 'a', sizeof(long_text));
        fl_hcl_quote(long_text, sizeof(long_text), q);
        assert_int_equal(strlen(q), 1 + 64 + 3 + 1);
        assert_string_equal(q + 65, "...\"");
        /* 64 characters of 4 bytes each, never cut inside one */
        for (size_t i = 0; i < 70; i++)
                memcpy(long_text + 4 * i, "\xF0\x9F\x98\x80", 4);
        fl_hcl_quote(long_text, 280, q);
        assert_int_equal(strlen(q), 1 + 256 + 3 + 1);
        /* the worst case fits */
        memset(long_text, 1, sizeof(long_text));
        fl_hcl_quote(long_text, sizeof(long_text), q);
        assert_int_equal(strlen(q), 1 + 64 * 6 + 3 + 1);
}

static void test_limits(void **state) {
        _cleanup_(fl_diags_freep) struct fl_diags *d = fl_diags_new();
        struct fl_hcl_file *f = NULL;
        size_t depth = FL_HCL_MAX_DEPTH + 1;
        char *deep = malloc(depth * 2 + 16), *big, *p;
        _cleanup_free_ char *errs = NULL;

        /* nesting: 64 levels parse, 65 do not */
        p = deep + sprintf(deep, "a = ");
        for (size_t i = 0; i < FL_HCL_MAX_DEPTH; i++)
                *p++ = '[';
        for (size_t i = 0; i < FL_HCL_MAX_DEPTH; i++)
                *p++ = ']';
        *p = '\0';
        assert_int_equal(fl_hcl_parse(deep, strlen(deep), "t.hcl", d, &f), 0);
        f = fl_hcl_file_free(f);
        p = deep + sprintf(deep, "a = ");
        for (size_t i = 0; i < depth; i++)
                *p++ = '[';
        *p = '\0';
        assert_int_equal(fl_hcl_parse(deep, strlen(deep), "t.hcl", d, &f), -EINVAL);
        assert_null(f);
        errs = diag_text(d, "t.hcl");
        assert_string_equal(errs, "1:69: nesting too deep (more than 64 levels)\n");
        free(deep);

        /* blocks count too */
        d = fl_diags_free(d);
        d = fl_diags_new();
        big = malloc(FL_HCL_MAX_DEPTH * 8 + 16);
        p = big;
        for (size_t i = 0; i < FL_HCL_MAX_DEPTH + 1; i++)
                p += sprintf(p, "b {\n");
        assert_int_equal(fl_hcl_parse(big, strlen(big), "t.hcl", d, &f), -EINVAL);
        free(errs);
        errs = diag_text(d, "t.hcl");
        assert_string_equal(errs, "65:3: nesting too deep (more than 64 levels)\n");
        free(big);

        /* size */
        d = fl_diags_free(d);
        d = fl_diags_new();
        big = calloc(1, FL_HCL_MAX_FILE_SIZE + 1);
        memset(big, '\n', FL_HCL_MAX_FILE_SIZE + 1);
        assert_int_equal(fl_hcl_parse(big, FL_HCL_MAX_FILE_SIZE, "t.hcl", d, &f), 0);
        f = fl_hcl_file_free(f);
        assert_int_equal(fl_hcl_parse(big, FL_HCL_MAX_FILE_SIZE + 1, "t.hcl", d, &f), -EFBIG);
        assert_null(f);
        free(errs);
        errs = diag_text(d, "t.hcl");
        assert_string_equal(errs, "1:1: file is too large (16777217 bytes; the limit is 16 MiB)\n");
        free(big);
}

static void test_many_errors(void **state) {
        _cleanup_(fl_diags_freep) struct fl_diags *d = fl_diags_new();
        struct fl_hcl_file *f = NULL;
        size_t n = FL_DIAGS_MAX + 500;
        char *text = malloc(n * 8 + 1), *p = text;

        for (size_t i = 0; i < n; i++)
                p += sprintf(p, "a = x\n");
        assert_int_equal(fl_hcl_parse(text, strlen(text), "t.hcl", d, &f), -EINVAL);
        assert_int_equal(d->n_items, FL_DIAGS_MAX);
        assert_int_equal(d->items[FL_DIAGS_MAX - 1].line, FL_DIAGS_MAX);
        assert_int_equal(d->n_dropped, 500); /* parsing went on to the end */
        free(text);
}

static void test_many_attributes(void **state) {
        /* large bodies and objects take the hashed duplicate check */
        size_t n = 5000;
        char *text = malloc(n * 40 + 64), *p = text;
        _cleanup_(fl_diags_freep) struct fl_diags *d = fl_diags_new();
        _cleanup_free_ char *errs = NULL;
        struct fl_hcl_file *f = NULL;

        for (size_t i = 0; i < n; i++)
                p += sprintf(p, "a%zu = %zu\n", i, i);
        p += sprintf(p, "o = {\n");
        for (size_t i = 0; i < 100; i++)
                p += sprintf(p, "k%zu = 1\n", i);
        p += sprintf(p, "}\n");
        assert_int_equal(fl_hcl_parse(text, strlen(text), "t.hcl", d, &f), 0);
        assert_int_equal(f->body.n_attributes, n + 1);
        assert_int_equal(attr(&f->body, "o")->object.n_items, 100);
        f = fl_hcl_file_free(f);

        sprintf(p, "a17 = 1\no2 = { k = 1\n k = 2 }\n");
        assert_int_equal(fl_hcl_parse(text, strlen(text), "t.hcl", d, &f), -EINVAL);
        errs = diag_text(d, "t.hcl");
        assert_string_equal(errs, "5103:1: duplicate attribute \"a17\" (first set at 18:1)\n"
                                  "5105:2: duplicate key \"k\" (first set at 5104:8)\n");
        free(text);
}

static void test_parse_file(void **state) {
        _cleanup_(fl_diags_freep) struct fl_diags *d = fl_diags_new();
        _cleanup_free_ char *dir = fl_test_mkdtemp();
        _cleanup_free_ char *good = fl_test_write_file(dir, "good.hcl", "a = 1\n");
        _cleanup_free_ char *bad = fl_test_write_file(dir, "bad.hcl", "a = \n");
        _cleanup_free_ char *missing = NULL, *huge = NULL;
        struct fl_hcl_file *f = NULL;
        int fd;

        assert_int_equal(fl_hcl_parse_file(good, d, &f), 0);
        assert_string_equal(f->filename, good);
        assert_int_equal(f->size, 6);
        f = fl_hcl_file_free(f);
        assert_int_equal(fl_hcl_parse_file(bad, d, &f), -EINVAL);
        assert_int_equal(d->n_items, 1);
        assert_string_equal(d->items[0].file, bad);
        assert_int_equal(asprintf(&missing, "%s/missing.hcl", dir), (int) strlen(dir) + 12);
        assert_int_equal(fl_hcl_parse_file(missing, d, &f), -ENOENT);
        assert_int_equal(fl_hcl_parse_file(dir, d, &f), -EISDIR);
        assert_int_equal(d->n_items, 1);
        assert_null(f);

        /* a sparse 1 GiB file is refused without being read */
        huge = fl_test_write_file(dir, "huge.hcl", "");
        fd = open(huge, O_WRONLY | O_CLOEXEC);
        assert_true(fd >= 0);
        assert_int_equal(ftruncate(fd, 1 << 30), 0);
        close(fd);
        assert_int_equal(fl_hcl_parse_file(huge, d, &f), -EFBIG);
        assert_null(f);
        assert_int_equal(d->n_items, 2);
        assert_string_equal(d->items[1].file, huge);
        assert_string_equal(
                d->items[1].message, "file is too large (1073741824 bytes; the limit is 16 MiB)");
        fl_test_rm_rf(dir);
}

static void test_diags_print(void **state) {
        _cleanup_(fl_diags_freep) struct fl_diags *d = fl_diags_new();
        char *buf = NULL;
        size_t len = 0;
        FILE *f;

        assert_int_equal(fl_diags_add(d, "x.hcl", 3, 4, "bad %s", "thing"), 0);
        assert_int_equal(fl_diags_add(d, "x.hcl", 1, 9, "first"), 0);
        fl_diags_sort_from(d, 0);
        for (size_t i = 2; i < FL_DIAGS_MAX; i++)
                assert_int_equal(fl_diags_add(d, "y.hcl", 1, 1, "e"), 0);
        assert_true(fl_diags_full(d));
        assert_int_equal(fl_diags_add(d, "y.hcl", 1, 1, "dropped"), -ENOSPC);
        f = open_memstream(&buf, &len);
        assert_int_equal(fl_diags_print(d, f), 0);
        fclose(f);
        assert_true(
                strncmp(buf, "x.hcl:1:9: first\nx.hcl:3:4: bad thing\ny.hcl:1:1: e\n", 51) == 0);
        assert_non_null(strstr(buf, "\n... and 1 more problems not shown\n"));
        free(buf);
        assert_null(fl_diags_free(NULL));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_table),
                cmocka_unit_test(test_positions_detail),
                cmocka_unit_test(test_seed_acl),
                cmocka_unit_test(test_seed_constraints),
                cmocka_unit_test(test_json),
                cmocka_unit_test(test_value_to_json),
                cmocka_unit_test(test_number_int64),
                cmocka_unit_test(test_number_values),
                cmocka_unit_test(test_helpers),
                cmocka_unit_test(test_quote),
                cmocka_unit_test(test_limits),
                cmocka_unit_test(test_many_errors),
                cmocka_unit_test(test_many_attributes),
                cmocka_unit_test(test_parse_file),
                cmocka_unit_test(test_diags_print),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
