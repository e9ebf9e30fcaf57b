/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lib/sfv.c: the examples of RFC 8941 and RFC 9651, the rules of their
 * parsing algorithms one by one (each error with its exact message and
 * offset), the size caps at and just past their limits, and serialisation.
 * The full HTTP WG suite runs through tests/tools/sfv-conformance.c.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fl_test.h"
#include "macro.h"
#include "sfv.h"
#include "strbuf.h"

/* Table rows leave their trailing fields zero. */
#pragma clang diagnostic ignored "-Wmissing-field-initializers"

enum kind { ITEM, LIST, DICT };

struct parse_case {
        const char *name;
        enum kind kind;
        const char *input;
        const char *canonical; /* NULL: the input is already canonical */
        int error;             /* 0, or the expected -errno */
        const char *message;   /* expected error message */
        size_t offset;         /* expected error offset */
};

static const struct parse_case parse_cases[] = {
        /* RFC 8941 section 3 examples */
        {"3.1 list of tokens", LIST, "sugar, tea, rum"},
        {"3.1.1 inner lists", LIST, "(\"foo\" \"bar\"), (\"baz\"), (\"bat\" \"one\"), ()"},
        {"3.1.1 inner list params", LIST, "(\"foo\"; a=1;b=2);lvl=5, (\"bar\" \"baz\");lvl=1",
                "(\"foo\";a=1;b=2);lvl=5, (\"bar\" \"baz\");lvl=1"},
        {"3.1.2 parameters", LIST, "abc;a=1;b=2; cde_456, (ghi;jk=4 l);q=\"9\";r=w",
                "abc;a=1;b=2;cde_456, (ghi;jk=4 l);q=\"9\";r=w"},
        {"3.2 dictionary", DICT, "en=\"Applepie\", da=:w4ZibGV0w6ZydGU=:"},
        {"3.2 boolean members", DICT, "a=?0, b, c; foo=bar", "a=?0, b, c;foo=bar"},
        {"3.2 inner list member", DICT, "rating=1.5, feelings=(joy sadness)"},
        {"3.2 mixed", DICT, "a=(1 2), b=3, c=4;aa=bb, d=(5 6);valid"},
        {"3.3 integer with params", ITEM, "5; foo=bar", "5;foo=bar"},
        {"3.3.1 integer", ITEM, "42"},
        {"3.3.2 decimal", ITEM, "4.5"},
        {"3.3.3 string", ITEM, "\"hello world\""},
        {"3.3.4 token", ITEM, "foo123/456"},
        {"3.3.5 byte sequence", ITEM, ":cHJldGVuZCB0aGlzIGlzIGJpbmFyeSBjb250ZW50Lg==:"},
        {"3.3.6 boolean", ITEM, "?1"},
        {"RFC 9651 date", ITEM, "@1659578233"},
        {"RFC 9651 display string", ITEM, "%\"This is intended for display to %c3%bcsers.\""},
        /* RFC 9421 fields */
        {"signature input", DICT,
                "sig1=(\"@method\" \"@query-param\";name=\"id\");created=1618884473;keyid=\"k\""},
        {"signature", DICT,
                "sig1=:"
                "wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpB"
                "KRCw==:"},

        /* whitespace */
        {"leading and trailing SP", ITEM, "  1  ", "1"},
        {"OWS around list comma", LIST, "a \t,\t b", "a, b"},
        {"SP inside inner list", LIST, "( a  b )", "(a b)"},
        {"SP after ';'", ITEM, "a;  b=1", "a;b=1"},
        {"empty list", LIST, ""},
        {"empty dictionary", DICT, "   ", ""},
        {"leading tab", ITEM, "\t1", NULL, -EBADMSG, "expected an item", 0},
        {"tab before ')'", LIST, "(a\t)", NULL, -EBADMSG,
                "expected ' ' or ')' after an inner list item", 2},
        {"SP before ';'", ITEM, "a ;b", NULL, -EBADMSG, "unexpected characters after the value", 2},
        {"SP before '='", DICT, "a =1", NULL, -EBADMSG, "expected ',' between members", 2},
        {"SP after '='", DICT, "a= 1", NULL, -EBADMSG, "expected an item", 2},
        {"item trailing garbage", ITEM, "1 2", NULL, -EBADMSG,
                "unexpected characters after the value", 2},

        /* numbers */
        {"negative zero", ITEM, "-0", "0"},
        {"max integer", ITEM, "999999999999999"},
        {"min integer", ITEM, "-999999999999999"},
        {"leading zeros", ITEM, "007", "7"},
        {"decimal canonical", ITEM, "1.50", "1.5"},
        {"decimal zero fraction", ITEM, "2.000", "2.0"},
        {"max decimal", ITEM, "999999999999.999"},
        {"negative decimal", ITEM, "-0.001"},
        {"minus alone", ITEM, "-", NULL, -EBADMSG, "expected a digit", 1},
        {"minus letter", ITEM, "-a", NULL, -EBADMSG, "expected a digit", 1},
        {"16 digit integer", ITEM, "1000000000000000", NULL, -EBADMSG,
                "integer has more than 15 digits", 16},
        {"13 integer digits in decimal", ITEM, "1234567890123.0", NULL, -EBADMSG,
                "decimal has more than 12 integer digits", 13},
        {"17 character decimal", ITEM, "123456789012.1234", NULL, -EBADMSG,
                "decimal has more than 16 characters", 17},
        {"decimal ends with dot", ITEM, "1.", NULL, -EBADMSG, "decimal ends with '.'", 2},
        {"4 fractional digits", ITEM, "1.1234", NULL, -EBADMSG,
                "decimal has more than 3 fractional digits", 6},
        {"two dots", ITEM, "1.2.3", NULL, -EBADMSG, "unexpected characters after the value", 3},

        /* strings */
        {"escapes", ITEM, "\"a\\\"b\\\\c\""},
        {"empty string", ITEM, "\"\""},
        {"unterminated string", ITEM, "\"abc", NULL, -EBADMSG, "string is not terminated", 4},
        {"string ends after backslash", ITEM, "\"abc\\", NULL, -EBADMSG,
                "string ends after a backslash", 5},
        {"bad escape", ITEM, "\"a\\nb\"", NULL, -EBADMSG,
                "string has an escape other than \\\" or \\\\", 4},
        {"tab in string", ITEM, "\"a\tb\"", NULL, -EBADMSG,
                "string has a character outside printable ASCII", 3},
        {"DEL in string", ITEM, "\"a\x7f\"", NULL, -EBADMSG,
                "string has a character outside printable ASCII", 3},
        {"non-ASCII byte", ITEM, "\"caf\xc3\xa9\"", NULL, -EBADMSG,
                "field value has a non-ASCII byte", 4},

        /* tokens */
        {"token with colon and slash", ITEM, "a:b/c"},
        {"star token", ITEM, "*foo"},
        {"token stops at comma", LIST, "a,b", "a, b"},
        {"token stops at quote", ITEM, "a\"b\"", NULL, -EBADMSG,
                "unexpected characters after the value", 1},

        /* byte sequences */
        {"empty bytes", ITEM, "::"},
        {"unpadded bytes", ITEM, ":aGVsbG8:", ":aGVsbG8=:"},
        {"non-zero pad bits", ITEM, ":iZ==:", ":iQ==:"},
        {"unterminated bytes", ITEM, ":aGVsbG8=", NULL, -EBADMSG, "byte sequence is not terminated",
                9},
        {"bytes outside base64", ITEM, ":aGV!bG8=:", NULL, -EBADMSG,
                "byte sequence has a character outside base64", 4},
        {"padding in the middle", ITEM, ":a=GVsbG8=:", NULL, -EBADMSG,
                "byte sequence is not valid base64", 10},
        {"single leftover character", ITEM, ":aGVsb:", NULL, -EBADMSG,
                "byte sequence is not valid base64", 6},
        {"too much padding", ITEM, ":aGVsbG8===:", NULL, -EBADMSG,
                "byte sequence is not valid base64", 11},

        /* booleans */
        {"false", ITEM, "?0"},
        {"boolean 2", ITEM, "?2", NULL, -EBADMSG, "boolean must be ?0 or ?1", 1},
        {"boolean empty", ITEM, "?", NULL, -EBADMSG, "boolean must be ?0 or ?1", 1},
        {"boolean param true", ITEM, "a;b=?1", "a;b"},
        {"boolean param false", ITEM, "a;b=?0"},

        /* dates and display strings (RFC 9651) */
        {"negative date", ITEM, "@-1"},
        {"decimal date", ITEM, "@1.5", NULL, -EBADMSG, "date must be an integer", 4},
        {"date without digits", ITEM, "@", NULL, -EBADMSG, "expected a digit", 1},
        {"display string escapes", ITEM, "%\"%25%22\""},
        {"display string needs quote", ITEM, "%a", NULL, -EBADMSG, "expected '\"' after '%'", 1},
        {"unterminated display string", ITEM, "%\"abc", NULL, -EBADMSG,
                "display string is not terminated", 5},
        {"tab in display string", ITEM, "%\"a\tb\"", NULL, -EBADMSG,
                "display string has a character outside printable ASCII", 4},
        {"uppercase hex in display string", ITEM, "%\"f%C3%BC\"", NULL, -EBADMSG,
                "display string has a '%' not followed by two lowercase hex digits", 4},
        {"short escape in display string", ITEM, "%\"%c\"", NULL, -EBADMSG,
                "display string has a '%' not followed by two lowercase hex digits", 3},
        {"invalid UTF-8 in display string", ITEM, "%\"%c3\"", NULL, -EBADMSG,
                "display string is not valid UTF-8", 6},
        {"overlong UTF-8 in display string", ITEM, "%\"%c0%af\"", NULL, -EBADMSG,
                "display string is not valid UTF-8", 9},
        {"surrogate in display string", ITEM, "%\"%ed%a0%80\"", NULL, -EBADMSG,
                "display string is not valid UTF-8", 12},

        /* items, keys, parameters */
        {"empty item", ITEM, "", NULL, -EBADMSG, "expected an item, found the end of the value", 0},
        {"not an item", ITEM, "!", NULL, -EBADMSG, "expected an item", 0},
        {"repeated parameter", ITEM, "a;x=1;y=2;x=3", "a;x=3;y=2"},
        {"uppercase parameter key", ITEM, "a;X=1", NULL, -EBADMSG,
                "key must start with a lowercase letter or '*'", 2},
        {"digit starts key", DICT, "1a=1", NULL, -EBADMSG,
                "key must start with a lowercase letter or '*'", 0},
        {"key characters", DICT, "*a_b-c.d*9=1"},
        {"parameter without key", ITEM, "a;", NULL, -EBADMSG,
                "key must start with a lowercase letter or '*'", 2},

        /* inner lists and lists */
        {"empty inner list with params", LIST, "();a=1"},
        {"nested inner list", LIST, "((a))", NULL, -EBADMSG, "expected an item", 1},
        {"unterminated inner list", LIST, "(a b", NULL, -EBADMSG, "inner list is not terminated",
                4},
        {"unterminated inner list after SP", LIST, "(a ", NULL, -EBADMSG,
                "inner list is not terminated", 3},
        {"comma in inner list", LIST, "(a,b)", NULL, -EBADMSG,
                "expected ' ' or ')' after an inner list item", 2},
        {"missing comma", LIST, "a b", NULL, -EBADMSG, "expected ',' between members", 2},
        {"trailing comma", LIST, "a, ", NULL, -EBADMSG, "value ends with a trailing comma", 3},
        {"leading comma", LIST, ",a", NULL, -EBADMSG, "expected an item", 0},
        {"empty member", LIST, "a,,b", NULL, -EBADMSG, "expected an item", 2},

        /* dictionaries */
        {"repeated key keeps first position", DICT, "a=1, b=2, a=3", "a=3, b=2"},
        {"true with params", DICT, "a;x=1", NULL},
        {"explicit true", DICT, "a=?1", "a"},
        {"explicit true with params", DICT, "a=?1;x", "a;x"},
        {"value is inner list", DICT, "a=(1 2);x"},
        {"dictionary trailing comma", DICT, "a=1,", NULL, -EBADMSG,
                "value ends with a trailing comma", 4},
        {"dictionary missing value", DICT, "a=", NULL, -EBADMSG,
                "expected an item, found the end of the value", 2},
        {"dictionary member not a key", DICT, "a=1, \"b\"=2", NULL, -EBADMSG,
                "key must start with a lowercase letter or '*'", 5},
};

static void *parse(
        enum kind kind, const char *in, size_t len, int *ret_r, struct fl_sfv_error *error) {
        void *obj = NULL;

        switch (kind) {
        case ITEM:
                *ret_r = fl_sfv_parse_item(in, len, (struct fl_sfv_item **) &obj, error);
                break;
        case LIST:
                *ret_r = fl_sfv_parse_list(in, len, (struct fl_sfv_list **) &obj, error);
                break;
        case DICT:
                *ret_r = fl_sfv_parse_dict(in, len, (struct fl_sfv_dict **) &obj, error);
                break;
        }
        return obj;
}

static char *serialize(enum kind kind, const void *obj) {
        char *s = NULL;
        int r = -EINVAL;

        switch (kind) {
        case ITEM:
                r = fl_sfv_serialize_item(obj, &s);
                break;
        case LIST:
                r = fl_sfv_serialize_list(obj, &s);
                break;
        case DICT:
                r = fl_sfv_serialize_dict(obj, &s);
                break;
        }
        assert_int_equal(r, 0);
        return s;
}

static void release(enum kind kind, void *obj) {
        if (kind == ITEM)
                fl_sfv_item_free(obj);
        else if (kind == LIST)
                fl_sfv_list_free(obj);
        else
                fl_sfv_dict_free(obj);
}

/* Parses, checks the outcome, and for valid input checks that serialising
 * gives the canonical form and that the canonical form round-trips. */
static bool check_parse(const char *name, enum kind kind, const char *input, size_t len,
        const char *canonical, int error, const char *message, size_t offset) {
        struct fl_sfv_error e = {.offset = (size_t) -1, .message = "(unset)"};
        _cleanup_free_ char *s = NULL, *s2 = NULL;
        void *obj, *obj2;
        int r;

        obj = parse(kind, input, len, &r, &e);
        if (r != error) {
                print_error(
                        "%s: got %d (%s at %zu), want %d\n", name, r, e.message, e.offset, error);
                release(kind, obj);
                return false;
        }
        if (error != 0) {
                assert_null(obj);
                if (strcmp(e.message, message) == 0 && e.offset == offset)
                        return true;
                print_error("%s: got \"%s\" at %zu, want \"%s\" at %zu\n", name, e.message,
                        e.offset, message, offset);
                return false;
        }
        assert_non_null(obj);
        s = serialize(kind, obj);
        release(kind, obj);
        if (strcmp(s, canonical ? canonical : input) != 0) {
                print_error("%s: serialised to \"%s\", want \"%s\"\n", name, s,
                        canonical ? canonical : input);
                return false;
        }
        obj2 = parse(kind, s, strlen(s), &r, &e);
        assert_int_equal(r, 0);
        s2 = serialize(kind, obj2);
        release(kind, obj2);
        assert_string_equal(s, s2);
        return true;
}

static void test_parse_cases(void **state) {
        unsigned failed = 0;

        for (size_t i = 0; i < ELEMENTSOF(parse_cases); i++) {
                const struct parse_case *c = &parse_cases[i];
                failed += !check_parse(c->name, c->kind, c->input, strlen(c->input), c->canonical,
                        c->error, c->message, c->offset);
        }
        assert_int_equal(failed, 0);
}

static void test_embedded_nul(void **state) {
        static const char in[] = "\"a\0b\"";
        assert_true(check_parse("NUL in string", ITEM, in, sizeof(in) - 1, NULL, -EBADMSG,
                "string has a character outside printable ASCII", 3));
        assert_true(check_parse("NUL after item", ITEM, "1\0", 2, NULL, -EBADMSG,
                "unexpected characters after the value", 1));
}

/* Inputs at and just past each cap: prefix, `count` units (a printf format
 * that may use the index) separated by `sep`, suffix. */
struct big_case {
        const char *name;
        enum kind kind;
        const char *prefix, *unit, *sep, *suffix;
        unsigned count;
        int error;
        const char *message;
};

static const struct big_case big_cases[] = {
        {"64-character key", DICT, "", "a", "", "=1", 64},
        {"65-character key", DICT, "", "a", "", "=1", 65, -E2BIG,
                "key is longer than 64 characters"},
        {"1024-character string", ITEM, "\"", "a", "", "\"", 1024},
        {"1025-character string", ITEM, "\"", "a", "", "\"", 1025, -E2BIG,
                "string is longer than 1024 characters"},
        {"512-character token", ITEM, "", "a", "", "", 512},
        {"513-character token", ITEM, "", "a", "", "", 513, -E2BIG,
                "token is longer than 512 characters"},
        {"16384 bytes", ITEM, ":", "AAAA", "", "AA==:", 5461},
        {"16385 bytes", ITEM, ":", "AAAA", "", "AAA=:", 5461, -E2BIG,
                "byte sequence is longer than 16384 bytes"},
        {"16387 bytes of base64", ITEM, ":", "AAAA", "", "AA==:", 5462, -E2BIG,
                "byte sequence is longer than 16384 bytes"},
        {"1024-byte display string", ITEM, "%\"", "a", "", "\"", 1024},
        {"1025-byte display string", ITEM, "%\"", "a", "", "\"", 1025, -E2BIG,
                "display string is longer than 1024 bytes"},
        {"256 parameters", ITEM, "a", ";k%u", "", "", 256},
        {"257 parameters", ITEM, "a", ";k%u", "", "", 257, -E2BIG, "more than 256 parameters"},
        {"256 inner list items", LIST, "(", "a", " ", ")", 256},
        {"257 inner list items", LIST, "(", "a", " ", ")", 257, -E2BIG,
                "inner list has more than 256 items"},
        {"1024 list members", LIST, "", "a", ", ", "", 1024},
        {"1025 list members", LIST, "", "a", ", ", "", 1025, -E2BIG,
                "list has more than 1024 members"},
        {"1024 dictionary members", DICT, "", "k%u", ", ", "", 1024},
        {"1025 dictionary members", DICT, "", "k%u", ", ", "", 1025, -E2BIG,
                "dictionary has more than 1024 members"},
        {"65536-byte field", ITEM, "", " ", "", "1", 65535},
        {"65537-byte field", ITEM, "", " ", "", "1", 65536, -E2BIG,
                "field value is longer than 65536 bytes"},
};

static void test_caps(void **state) {
        for (size_t i = 0; i < ELEMENTSOF(big_cases); i++) {
                const struct big_case *c = &big_cases[i];
                struct fl_strbuf sb = {.max_len = 1u << 20};
                struct fl_sfv_error e = {};
                void *obj;
                int r;

                assert_int_equal(fl_strbuf_append_str(&sb, c->prefix), 0);
                for (unsigned k = 0; k < c->count; k++) {
                        if (k > 0)
                                assert_int_equal(fl_strbuf_append_str(&sb, c->sep), 0);
#pragma clang diagnostic push
#pragma clang diagnostic ignored "-Wformat-nonliteral"
                        assert_int_equal(fl_strbuf_appendf(&sb, c->unit, k), 0);
#pragma clang diagnostic pop
                }
                assert_int_equal(fl_strbuf_append_str(&sb, c->suffix), 0);
                obj = parse(c->kind, sb.data, sb.len, &r, &e);
                if (r != c->error)
                        fail_msg("%s: got %d (%s), want %d", c->name, r, e.message, c->error);
                if (c->error)
                        assert_string_equal(e.message, c->message);
                else
                        release(c->kind, obj);
                fl_strbuf_done(&sb);
        }
}

struct value_case {
        const char *input;
        enum fl_sfv_type type;
        int64_t integer;
        const char *data;
        size_t len;
};

static const struct value_case value_cases[] = {
        {"42", FL_SFV_INTEGER, 42},
        {"-999999999999999", FL_SFV_INTEGER, -999999999999999},
        {"-0", FL_SFV_INTEGER, 0},
        {"4.5", FL_SFV_DECIMAL, 4500},
        {"-0.001", FL_SFV_DECIMAL, -1},
        {"123456789012.12", FL_SFV_DECIMAL, 123456789012120},
        {"\"a\\\"b\\\\c\"", FL_SFV_STRING, 0, "a\"b\\c", 5},
        {"foo123/456", FL_SFV_TOKEN, 0, "foo123/456", 10},
        {":cHJldGVuZCB0aGlzIGlzIGJpbmFyeSBjb250ZW50Lg==:", FL_SFV_BYTES, 0,
                "pretend this is binary content.", 31},
        {":AA==:", FL_SFV_BYTES, 0, "\0", 1},
        {":aGVsbG8:", FL_SFV_BYTES, 0, "hello", 5},
        {"?1", FL_SFV_BOOLEAN, 1},
        {"?0", FL_SFV_BOOLEAN, 0},
        {"@1659578233", FL_SFV_DATE, 1659578233},
        {"%\"This is intended for display to %c3%bcsers.\"", FL_SFV_DISPLAY_STRING, 0,
                "This is intended for display to \xc3\xbcsers.", 39},
        {"%\"%00\"", FL_SFV_DISPLAY_STRING, 0, "\0", 1},
};

static void test_values(void **state) {
        for (size_t i = 0; i < ELEMENTSOF(value_cases); i++) {
                const struct value_case *c = &value_cases[i];
                _cleanup_(fl_sfv_item_freep) struct fl_sfv_item *item = NULL;

                assert_int_equal(fl_sfv_parse_item(c->input, strlen(c->input), &item, NULL), 0);
                assert_int_equal(item->bare.type, c->type);
                if (c->data) {
                        assert_int_equal(item->bare.len, c->len);
                        assert_memory_equal(item->bare.data, c->data, c->len);
                        assert_int_equal(item->bare.data[c->len], '\0');
                } else {
                        assert_true(item->bare.integer == c->integer);
                        assert_null(item->bare.data);
                }
        }
}

struct serialize_case {
        const char *name;
        struct fl_sfv_bare bare;
        const char *want; /* NULL: must fail with -EINVAL */
};

#define S(t, i, d, l)                                                 \
        (struct fl_sfv_bare) {                                        \
                .type = t, .integer = i, .data = (char *) d, .len = l \
        }

static const struct serialize_case serialize_cases[] = {
        {"decimal one and a half", S(FL_SFV_DECIMAL, 1500, NULL, 0), "1.5"},
        {"decimal whole", S(FL_SFV_DECIMAL, 1000, NULL, 0), "1.0"},
        {"decimal zero", S(FL_SFV_DECIMAL, 0, NULL, 0), "0.0"},
        {"decimal thousandth", S(FL_SFV_DECIMAL, -1, NULL, 0), "-0.001"},
        {"decimal max", S(FL_SFV_DECIMAL, 999999999999999, NULL, 0), "999999999999.999"},
        {"decimal too big", S(FL_SFV_DECIMAL, 1000000000000000, NULL, 0), NULL},
        {"decimal too small", S(FL_SFV_DECIMAL, -1000000000000000, NULL, 0), NULL},
        {"integer too big", S(FL_SFV_INTEGER, 1000000000000000, NULL, 0), NULL},
        {"integer too small", S(FL_SFV_INTEGER, -1000000000000000, NULL, 0), NULL},
        {"string escapes", S(FL_SFV_STRING, 0, "a\"\\", 3), "\"a\\\"\\\\\""},
        {"string with newline", S(FL_SFV_STRING, 0, "a\nb", 3), NULL},
        {"string with DEL", S(FL_SFV_STRING, 0, "\x7f", 1), NULL},
        {"string with UTF-8", S(FL_SFV_STRING, 0, "\xc3\xa9", 2), NULL},
        {"token", S(FL_SFV_TOKEN, 0, "*a:b/c", 6), "*a:b/c"},
        {"token starting with a digit", S(FL_SFV_TOKEN, 0, "1a", 2), NULL},
        {"empty token", S(FL_SFV_TOKEN, 0, "", 0), NULL},
        {"token with space", S(FL_SFV_TOKEN, 0, "a b", 3), NULL},
        {"empty bytes", S(FL_SFV_BYTES, 0, "", 0), "::"},
        {"bytes", S(FL_SFV_BYTES, 0, "hello", 5), ":aGVsbG8=:"},
        {"boolean 2", S(FL_SFV_BOOLEAN, 2, NULL, 0), NULL},
        {"date", S(FL_SFV_DATE, -1, NULL, 0), "@-1"},
        {"date too big", S(FL_SFV_DATE, 1000000000000000, NULL, 0), NULL},
        {"display string", S(FL_SFV_DISPLAY_STRING, 0, "%\"\xc3\xbc\n", 5), "%\"%25%22%c3%bc%0a\""},
        {"invalid UTF-8 display string", S(FL_SFV_DISPLAY_STRING, 0, "\xc3", 1), NULL},
        {"unknown type", S(99, 0, NULL, 0), NULL},
};

static void test_serialize(void **state) {
        for (size_t i = 0; i < ELEMENTSOF(serialize_cases); i++) {
                const struct serialize_case *c = &serialize_cases[i];
                struct fl_sfv_item item = {.bare = c->bare};
                _cleanup_free_ char *s = NULL;
                int r;

                r = fl_sfv_serialize_item(&item, &s);
                if (!c->want) {
                        if (r != -EINVAL)
                                fail_msg("%s: got %d, want -EINVAL", c->name, r);
                        assert_null(s);
                } else if (r != 0 || strcmp(s, c->want) != 0) {
                        fail_msg("%s: got %d \"%s\", want \"%s\"", c->name, r, s ? s : "", c->want);
                }
        }
}

static void test_serialize_keys(void **state) {
        struct fl_sfv_param p = {.key = (char *) "Bad", .value = S(FL_SFV_INTEGER, 1, NULL, 0)};
        struct fl_sfv_item item = {.bare = S(FL_SFV_TOKEN, 0, "a", 1), .params = {&p, 1}};
        struct fl_sfv_dict_entry de = {.key = (char *) "1x", .value = {.bare = item.bare}};
        struct fl_sfv_dict dict = {&de, 1};
        char *s = NULL;

        assert_int_equal(fl_sfv_serialize_item(&item, &s), -EINVAL);
        assert_int_equal(fl_sfv_serialize_dict(&dict, &s), -EINVAL);
        assert_null(s);
        assert_true(fl_sfv_key_is_valid("*a-b_c.d9"));
        assert_false(fl_sfv_key_is_valid(""));
        assert_false(fl_sfv_key_is_valid("a B"));
        assert_false(fl_sfv_key_is_valid(NULL));
}

static void test_lookups(void **state) {
        _cleanup_(fl_sfv_dict_freep) struct fl_sfv_dict *d = NULL;
        const struct fl_sfv_member *m;
        static const char in[] = "sig1=(\"@method\" \"@path\");created=5;keyid=\"k\", b";

        assert_int_equal(fl_sfv_parse_dict(in, strlen(in), &d, NULL), 0);
        assert_int_equal(d->n, 2);
        m = fl_sfv_dict_get(d, "sig1");
        assert_non_null(m);
        assert_true(m->inner);
        assert_int_equal(m->n_items, 2);
        assert_string_equal(m->items[1].bare.data, "@path");
        assert_true(fl_sfv_params_get(&m->params, "created")->integer == 5);
        assert_string_equal(fl_sfv_params_get(&m->params, "keyid")->data, "k");
        assert_null(fl_sfv_params_get(&m->params, "nonce"));
        m = fl_sfv_dict_get(d, "b");
        assert_false(m->inner);
        assert_int_equal(m->bare.type, FL_SFV_BOOLEAN);
        assert_null(fl_sfv_dict_get(d, "sig2"));
        assert_string_equal(fl_sfv_type_to_string(FL_SFV_BYTES), "Byte Sequence");
        assert_string_equal(fl_sfv_type_to_string(FL_SFV_DISPLAY_STRING), "Display String");
}

static void test_destructors(void **state) {
        assert_null(fl_sfv_item_free(NULL));
        assert_null(fl_sfv_list_free(NULL));
        assert_null(fl_sfv_dict_free(NULL));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_parse_cases),
                cmocka_unit_test(test_embedded_nul),
                cmocka_unit_test(test_caps),
                cmocka_unit_test(test_values),
                cmocka_unit_test(test_serialize),
                cmocka_unit_test(test_serialize_keys),
                cmocka_unit_test(test_lookups),
                cmocka_unit_test(test_destructors),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
