/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Structured Field Values for HTTP (RFC 8941, with the Date and Display
 * String types of RFC 9651): parsing and canonical serialisation.
 *
 * A field value is one of three top-level types; which one is fixed by the
 * field's definition, so the caller picks the parser:
 *
 *   Item        2.5;unit="s"             bare item + parameters
 *   List        a, (b c);x, ?1           members: Items or Inner Lists
 *   Dictionary  sig1=("@method");k="v"   ordered key -> member
 *
 * Bare items: Integer (-999,999,999,999,999..999,999,999,999,999), Decimal
 * (12 integer digits, 3 fractional), String ("..." with \" and \\ escapes,
 * printable ASCII only), Token (foo/bar:baz), Byte Sequence (:base64:),
 * Boolean (?1 / ?0), Date (@1659578233) and Display String (%"caf%c3%a9").
 *
 * Parsing follows the algorithms of RFC 8941 section 4.2 step by step
 * (including its whitespace rules: only SP around the top level and inside
 * Inner Lists, OWS around list commas), and fails on anything they reject.
 * A repeated Dictionary or parameter key keeps its first position and takes
 * the last value, as the RFC says. Serialisation is canonical, so
 * parse -> serialise -> parse -> serialise is stable.
 *
 * Every size a peer controls is capped (FL_SFV_MAX_*): the caps are the
 * minimums RFC 8941 section 3 asks parsers to support.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "strbuf.h"

#define FL_SFV_MAX_INPUT   (64u * 1024) /* bytes of one field value */
#define FL_SFV_MAX_MEMBERS 1024         /* List / Dictionary members */
#define FL_SFV_MAX_INNER   256          /* Items in one Inner List */
#define FL_SFV_MAX_PARAMS  256          /* parameters on one Item / Inner List */
#define FL_SFV_MAX_KEY     64           /* characters of a key */
#define FL_SFV_MAX_STRING  1024         /* characters of a String / Display String */
#define FL_SFV_MAX_TOKEN   512          /* characters of a Token */
#define FL_SFV_MAX_BYTES   16384        /* decoded bytes of a Byte Sequence */

#define FL_SFV_INTEGER_MAX INT64_C(999999999999999)
/* Decimals are kept exactly, in thousandths: 1.5 is 1500. */
#define FL_SFV_DECIMAL_MAX INT64_C(999999999999999)

enum fl_sfv_type {
        FL_SFV_INTEGER,
        FL_SFV_DECIMAL,
        FL_SFV_STRING,
        FL_SFV_TOKEN,
        FL_SFV_BYTES,
        FL_SFV_BOOLEAN,
        FL_SFV_DATE,
        FL_SFV_DISPLAY_STRING,
};

struct fl_sfv_bare {
        enum fl_sfv_type type;
        /* INTEGER and DATE: the value; DECIMAL: the value in thousandths;
         * BOOLEAN: 0 or 1. */
        int64_t integer;
        /* STRING and TOKEN: the characters (unescaped); BYTES: the decoded
         * bytes; DISPLAY_STRING: UTF-8. Always NUL-terminated, but BYTES and
         * DISPLAY_STRING may contain NULs: use len. NULL for other types. */
        char *data;
        size_t len;
};

struct fl_sfv_param {
        char *key;
        struct fl_sfv_bare value;
};

struct fl_sfv_params {
        struct fl_sfv_param *v;
        size_t n;
};

struct fl_sfv_item {
        struct fl_sfv_bare bare;
        struct fl_sfv_params params;
};

/* A member of a List or Dictionary: an Item (bare + params) or an Inner
 * List (items + params). */
struct fl_sfv_member {
        bool inner;
        struct fl_sfv_bare bare;   /* !inner */
        struct fl_sfv_item *items; /* inner */
        size_t n_items;
        struct fl_sfv_params params;
};

struct fl_sfv_list {
        struct fl_sfv_member *v;
        size_t n;
};

struct fl_sfv_dict_entry {
        char *key;
        struct fl_sfv_member value;
};

struct fl_sfv_dict {
        struct fl_sfv_dict_entry *v;
        size_t n;
};

/* Where and why parsing failed. `message` is a static string. */
struct fl_sfv_error {
        size_t offset;
        const char *message;
};

/* Parse `size` bytes (no NUL needed). Return 0 and a new object in *ret,
 * -EBADMSG when the input is not valid (details in *error if non-NULL),
 * -E2BIG when it exceeds a cap (likewise), or -ENOMEM. An empty List or
 * Dictionary is valid (the field is absent). */
int fl_sfv_parse_item(
        const char *input, size_t size, struct fl_sfv_item **ret, struct fl_sfv_error *error);
int fl_sfv_parse_list(
        const char *input, size_t size, struct fl_sfv_list **ret, struct fl_sfv_error *error);
int fl_sfv_parse_dict(
        const char *input, size_t size, struct fl_sfv_dict **ret, struct fl_sfv_error *error);

/* Destructors: accept NULL, return NULL. */
struct fl_sfv_item *fl_sfv_item_free(struct fl_sfv_item *item);
struct fl_sfv_list *fl_sfv_list_free(struct fl_sfv_list *list);
struct fl_sfv_dict *fl_sfv_dict_free(struct fl_sfv_dict *dict);
FL_DEFINE_CLEANUP(struct fl_sfv_item *, fl_sfv_item_free);
FL_DEFINE_CLEANUP(struct fl_sfv_list *, fl_sfv_list_free);
FL_DEFINE_CLEANUP(struct fl_sfv_dict *, fl_sfv_dict_free);

/* Canonical serialisation as a new string. Return 0, -EINVAL when a value
 * cannot be serialised (out of range, a character a String or Token cannot
 * hold, a bad key), or -ENOMEM. An empty List or Dictionary gives "". */
int fl_sfv_serialize_item(const struct fl_sfv_item *item, char **ret);
int fl_sfv_serialize_list(const struct fl_sfv_list *list, char **ret);
int fl_sfv_serialize_dict(const struct fl_sfv_dict *dict, char **ret);

/* The same, appending to a buffer (which may be partly written on error). */
int fl_sfv_append_item(struct fl_strbuf *sb, const struct fl_sfv_item *item);
int fl_sfv_append_member(struct fl_strbuf *sb, const struct fl_sfv_member *member);
int fl_sfv_append_params(struct fl_strbuf *sb, const struct fl_sfv_params *params);
int fl_sfv_append_bare(struct fl_strbuf *sb, const struct fl_sfv_bare *bare);
int fl_sfv_append_integer(struct fl_strbuf *sb, int64_t v);
int fl_sfv_append_string(struct fl_strbuf *sb, const char *s, size_t len);
int fl_sfv_append_token(struct fl_strbuf *sb, const char *s, size_t len);
int fl_sfv_append_key(struct fl_strbuf *sb, const char *key);

/* Whether `key` is a valid Dictionary / parameter key. */
bool fl_sfv_key_is_valid(const char *key);

/* Lookups; NULL when absent. Pointers stay valid while the object lives. */
const struct fl_sfv_member *fl_sfv_dict_get(const struct fl_sfv_dict *dict, const char *key);
const struct fl_sfv_bare *fl_sfv_params_get(const struct fl_sfv_params *params, const char *key);

/* "Integer", "Token", ... for messages. */
const char *fl_sfv_type_to_string(enum fl_sfv_type type);
