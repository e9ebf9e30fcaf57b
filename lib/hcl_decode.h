/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Schema-driven decoding of HCL bodies into C structs: the one way every
 * faultline config (agent.hcl, rules.d, coordinator.hcl, workflows.d) is read.
 *
 * A schema is a static table of attributes and blocks. Each entry says what
 * the name is, what type it must have, whether it is required, and where the
 * value goes in the struct (an offsetof, checked against the member's type by
 * the FL_HCL_* macros below). The decoder walks a parsed body against it and
 * reports every problem into one struct fl_diags, as FILE:LINE:COL: message:
 *
 *     missing required attribute "kind" in block "constraint"    (at the block)
 *     "period" must be a duration such as "15m", not a number     (at the value)
 *     unknown attribute "knid" in block "constraint"; did you mean "kind"?
 *     block "agent_key" needs 1 label (name), found 0
 *
 * Example, for `constraint { kind = "maxExecution"  value = "1"  period = "1h" }`
 * blocks repeated at the top level of a file:
 *
 *     struct constraint {
 *             char *name;         // the label, for `constraint "name" {}`
 *             int kind;
 *             char *value;        // "1" or 1 -> "1"
 *             uint64_t period_usec;
 *             bool is_global;
 *     };
 *     struct workflow {
 *             struct constraint *constraints;
 *             size_t n_constraints;
 *     };
 *
 *     static const struct fl_hcl_enum kinds[] = {
 *             FL_HCL_ENUM_VALUE("concurrency", KIND_CONCURRENCY),
 *             FL_HCL_ENUM_ALIAS("concurency", KIND_CONCURRENCY),   // the seed's spelling
 *             FL_HCL_ENUM_VALUE("maxExecution", KIND_MAX_EXECUTION),
 *             {}
 *     };
 *     static const struct fl_hcl_attr_spec constraint_attrs[] = {
 *             FL_HCL_ATTR_ENUM("kind", struct constraint, kind, kinds, FL_HCL_REQUIRED),
 *             FL_HCL_ATTR_STRING_OR_NUMBER("value", struct constraint, value, FL_HCL_REQUIRED),
 *             FL_HCL_ATTR_DURATION("period", struct constraint, period_usec, FL_HCL_REQUIRED),
 *             FL_HCL_ATTR_BOOL("is_global", struct constraint, is_global, 0),
 *             {}
 *     };
 *     static const struct fl_hcl_schema constraint_schema = {
 *             .attrs = constraint_attrs,
 *             .size = sizeof(struct constraint),
 *     };
 *     static const struct fl_hcl_block_spec workflow_blocks[] = {
 *             FL_HCL_BLOCK_REPEATED("constraint", struct workflow, constraints, n_constraints,
 *                                   &constraint_schema, 0),
 *             {}
 *     };
 *     static const struct fl_hcl_schema workflow_schema = {
 *             .blocks = workflow_blocks,
 *             .size = sizeof(struct workflow),
 *     };
 *
 *     struct workflow w;
 *     r = fl_hcl_decode(file, &workflow_schema, NULL, diags, &w);   // -EINVAL: see diags
 *     ...
 *     fl_hcl_decode_free(&workflow_schema, &w);
 *
 * Ownership: strings, string lists, arrays of repeated blocks and json_t
 * values stored by the decoder belong to the struct and are released by
 * fl_hcl_decode_free() with the same schema. FL_HCL_RAW values point into the
 * parsed file and live as long as it does.
 *
 * Defaults: the decoder zeroes the struct, then calls the schema's `init`
 * (which may set defaults; strings it sets must be malloc'd, since the struct
 * owns them), then decodes. An absent optional attribute leaves its default.
 * Embedded single blocks are initialised the same way, present or not.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "hcl.h"
#include "macro.h"

struct fl_hcl_decoder; /* the state of one fl_hcl_decode() call */

enum fl_hcl_dec_type {
        FL_HCL_DEC_STRING,           /* char *, any string (no NUL bytes) */
        FL_HCL_DEC_BOOL,             /* bool */
        FL_HCL_DEC_INT,              /* int64_t, an integral number within [min, max] */
        FL_HCL_DEC_NUMBER,           /* double, any finite number */
        FL_HCL_DEC_DURATION,         /* uint64_t microseconds, from a string: "15m", "1h30m" */
        FL_HCL_DEC_STRING_LIST,      /* char ** (NULL-terminated) + size_t count: ["a", "b"] */
        FL_HCL_DEC_STRING_OR_NUMBER, /* char *: "1" stays "1", 3 becomes "3" (as written) */
        FL_HCL_DEC_ENUM,             /* int, from a string in the spec's `enums` table */
        FL_HCL_DEC_RAW,              /* const struct fl_hcl_value *, any value, borrowed */
        FL_HCL_DEC_JSON,             /* json_t *, any value, via fl_hcl_value_to_json() */
        FL_HCL_DEC_CUSTOM,           /* the spec's `parse` callback does it all */
};

/* Flags for attributes and blocks. */
enum {
        FL_HCL_REQUIRED = 1u << 0,      /* absence is an error */
        FL_HCL_NONEMPTY = 1u << 1,      /* strings and lists: "" and [] are errors */
        FL_HCL_UNIQUE_LABELS = 1u << 2, /* repeated blocks: the same labels twice is an error */
};

/* A value of an FL_HCL_DEC_ENUM attribute. Aliases (old or misspelt names
 * kept for compatibility) are accepted but not offered in messages. */
struct fl_hcl_enum {
        const char *name;
        int value;
        bool alias;
};
#define FL_HCL_ENUM_VALUE(n, v) \
        { .name = (n), .value = (v) }
#define FL_HCL_ENUM_ALIAS(n, v) \
        { .name = (n), .value = (v), .alias = true }

struct fl_hcl_attr_spec;

/* FL_HCL_DEC_CUSTOM: decodes `value` into the member at `field`. Reports
 * problems with fl_hcl_decoder_error() (at value->pos) and returns its
 * result; returns 0 on success or another -errno to abort decoding. */
typedef int (*fl_hcl_parse_fn)(struct fl_hcl_decoder *d, const struct fl_hcl_value *value,
        const struct fl_hcl_attr_spec *spec, void *field);

/* FL_HCL_DEC_CUSTOM: releases what `parse` stored at `field` (may be NULL). */
typedef void (*fl_hcl_free_fn)(void *field);

struct fl_hcl_attr_spec {
        const char *name;
        enum fl_hcl_dec_type type;
        unsigned flags;
        size_t offset;       /* of the member in the struct */
        size_t count_offset; /* FL_HCL_DEC_STRING_LIST: the size_t count member */
        int64_t min, max;    /* FL_HCL_DEC_INT: inclusive range; both 0 means any int64_t */
        const struct fl_hcl_enum *enums; /* FL_HCL_DEC_ENUM: terminated by { NULL } */
        fl_hcl_parse_fn parse;           /* FL_HCL_DEC_CUSTOM */
        fl_hcl_free_fn free;             /* FL_HCL_DEC_CUSTOM, optional */
};

struct fl_hcl_schema;

/* Storage by callback: called once per block of this type, in source order,
 * after its label count was checked. `obj` is the struct being decoded (the
 * block's parent). Typically decodes block->body with fl_hcl_decode_body()
 * into an object of its own. Returns 0, the result of
 * fl_hcl_decoder_error(), or -errno to abort. */
typedef int (*fl_hcl_block_fn)(
        struct fl_hcl_decoder *d, const struct fl_hcl_block *block, void *obj);

enum fl_hcl_block_storage {
        FL_HCL_BLOCK_EMBEDDED, /* at most once; the schema's struct is embedded at `offset` */
        FL_HCL_BLOCK_ARRAY,    /* repeated; T *array at `offset`, size_t count at `count_offset` */
        FL_HCL_BLOCK_CALLBACK, /* any number; each one is handed to `handler` */
};

struct fl_hcl_block_spec {
        const char *type;
        enum fl_hcl_block_storage storage;
        unsigned flags; /* FL_HCL_REQUIRED: at least one; FL_HCL_UNIQUE_LABELS */
        const struct fl_hcl_schema *schema; /* EMBEDDED, ARRAY: the body's schema */
        size_t offset;
        size_t count_offset; /* ARRAY */
        /* Label names, for messages and their count: { "name" } means
         * exactly one label. EMBEDDED and ARRAY store label i as a char *
         * at label_offsets[i] in the block's own struct. */
        const char *labels[FL_HCL_MAX_LABELS];
        size_t label_offsets[FL_HCL_MAX_LABELS];
        fl_hcl_block_fn handler; /* CALLBACK */
};

/* Semantic checks of a decoded body, run only when the body itself decoded
 * without errors. `block` is NULL for a file's top level. Reports with
 * fl_hcl_decoder_error() (positions from block->pos, fl_hcl_body_attribute()
 * ->value.pos...) and returns its result, 0, or -errno to abort. */
typedef int (*fl_hcl_validate_fn)(struct fl_hcl_decoder *d, const struct fl_hcl_block *block,
        const struct fl_hcl_body *body, void *obj);

/* Sets defaults in a zeroed object (strings must be malloc'd). */
typedef void (*fl_hcl_init_fn)(void *obj);

struct fl_hcl_schema {
        const struct fl_hcl_attr_spec *attrs;   /* terminated by { NULL }; may be NULL */
        const struct fl_hcl_block_spec *blocks; /* terminated by { NULL }; may be NULL */
        size_t size;                            /* sizeof the struct it decodes into */
        fl_hcl_init_fn init;                    /* optional */
        fl_hcl_validate_fn validate;            /* optional */
};

/* Decodes the top level of `file` against `schema` into a new object written
 * to *ret_obj (schema->size bytes). `userdata` is passed to callbacks through
 * fl_hcl_decoder_userdata(). Returns 0; -EINVAL after appending every problem
 * to `diags`; -ENOMEM or a callback's -errno. On failure *ret_obj is
 * untouched and nothing is leaked. */
int fl_hcl_decode(const struct fl_hcl_file *file, const struct fl_hcl_schema *schema,
        void *userdata, struct fl_diags *diags, void *ret_obj);

/* Parses the file at `path` and decodes it: fl_hcl_parse_file() then
 * fl_hcl_decode(). On success the parsed file is returned in *ret_file (it
 * must outlive FL_HCL_DEC_RAW members) or freed if ret_file is NULL. */
int fl_hcl_decode_file(const char *path, const struct fl_hcl_schema *schema, void *userdata,
        struct fl_diags *diags, void *ret_obj, struct fl_hcl_file **ret_file);

/* For block handlers: decodes `body` (of `block`, for messages) against
 * `schema` into `obj`, which the caller initialised with fl_hcl_decode_init().
 * Problems are reported in the decoder's list. Returns 0, -EINVAL when this
 * body had problems, or a fatal -errno. */
int fl_hcl_decode_body(struct fl_hcl_decoder *d, const struct fl_hcl_block *block,
        const struct fl_hcl_body *body, const struct fl_hcl_schema *schema, void *obj);

/* Zeroes `obj` and applies the defaults of `schema` and of its embedded
 * blocks. */
void fl_hcl_decode_init(const struct fl_hcl_schema *schema, void *obj);

/* Releases everything the decoder stored in `obj` (strings, lists, arrays of
 * blocks and what they hold, json_t values, custom fields) and zeroes it.
 * Accepts NULL; returns NULL. */
void *fl_hcl_decode_free(const struct fl_hcl_schema *schema, void *obj);

/* Reports a problem at `pos` of the file being decoded. Returns -EINVAL, or
 * -ENOMEM if it could not be recorded, so callbacks can `return` it. */
int fl_hcl_decoder_error(struct fl_hcl_decoder *d, const struct fl_hcl_pos *pos, const char *fmt,
        ...) _printf_(3, 4);

void *fl_hcl_decoder_userdata(const struct fl_hcl_decoder *d);
const struct fl_hcl_file *fl_hcl_decoder_file(const struct fl_hcl_decoder *d);

/* "a string", "an object"...: what a value is, for messages. */
const char *fl_hcl_type_phrase(const struct fl_hcl_value *v);

/* Table helpers. FL_HCL_OFFSET(type, member, ctype) is offsetof() that fails
 * to compile unless the member has type ctype. */
#define FL_HCL_OFFSET(st, member, ctype)                                                       \
        (offsetof(st, member) + 0 * sizeof(char[__builtin_types_compatible_p(                  \
                                                        __typeof__(((st *) 0)->member), ctype) \
                                                        ? 1                                    \
                                                        : -1]))

#define FL_HCL_ATTR_STRING(n, st, m, fl, ...)                          \
        {                                                              \
                .name = (n), .type = FL_HCL_DEC_STRING, .flags = (fl), \
                .offset = FL_HCL_OFFSET(st, m, char *), __VA_ARGS__    \
        }
#define FL_HCL_ATTR_BOOL(n, st, m, fl, ...)                          \
        {                                                            \
                .name = (n), .type = FL_HCL_DEC_BOOL, .flags = (fl), \
                .offset = FL_HCL_OFFSET(st, m, bool), __VA_ARGS__    \
        }
/* Pass the range as `.min = 1, .max = 100` after the flags. */
#define FL_HCL_ATTR_INT(n, st, m, fl, ...)                           \
        {                                                            \
                .name = (n), .type = FL_HCL_DEC_INT, .flags = (fl),  \
                .offset = FL_HCL_OFFSET(st, m, int64_t), __VA_ARGS__ \
        }
#define FL_HCL_ATTR_NUMBER(n, st, m, fl, ...)                          \
        {                                                              \
                .name = (n), .type = FL_HCL_DEC_NUMBER, .flags = (fl), \
                .offset = FL_HCL_OFFSET(st, m, double), __VA_ARGS__    \
        }
#define FL_HCL_ATTR_DURATION(n, st, m, fl, ...)                          \
        {                                                                \
                .name = (n), .type = FL_HCL_DEC_DURATION, .flags = (fl), \
                .offset = FL_HCL_OFFSET(st, m, uint64_t), __VA_ARGS__    \
        }
#define FL_HCL_ATTR_STRING_LIST(n, st, m, count, fl, ...)                     \
        {                                                                     \
                .name = (n), .type = FL_HCL_DEC_STRING_LIST, .flags = (fl),   \
                .offset = FL_HCL_OFFSET(st, m, char **),                      \
                .count_offset = FL_HCL_OFFSET(st, count, size_t), __VA_ARGS__ \
        }
#define FL_HCL_ATTR_STRING_OR_NUMBER(n, st, m, fl, ...)                          \
        {                                                                        \
                .name = (n), .type = FL_HCL_DEC_STRING_OR_NUMBER, .flags = (fl), \
                .offset = FL_HCL_OFFSET(st, m, char *), __VA_ARGS__              \
        }
#define FL_HCL_ATTR_ENUM(n, st, m, table, fl, ...)                                 \
        {                                                                          \
                .name = (n), .type = FL_HCL_DEC_ENUM, .flags = (fl),               \
                .offset = FL_HCL_OFFSET(st, m, int), .enums = (table), __VA_ARGS__ \
        }
#define FL_HCL_ATTR_RAW(n, st, m, fl, ...)                                               \
        {                                                                                \
                .name = (n), .type = FL_HCL_DEC_RAW, .flags = (fl),                      \
                .offset = FL_HCL_OFFSET(st, m, const struct fl_hcl_value *), __VA_ARGS__ \
        }
#define FL_HCL_ATTR_JSON(n, st, m, fl, ...)                           \
        {                                                             \
                .name = (n), .type = FL_HCL_DEC_JSON, .flags = (fl),  \
                .offset = FL_HCL_OFFSET(st, m, json_t *), __VA_ARGS__ \
        }
#define FL_HCL_ATTR_CUSTOM(n, st, m, parse_fn, free_fn, fl, ...)                                  \
        {                                                                                         \
                .name = (n), .type = FL_HCL_DEC_CUSTOM, .flags = (fl), .offset = offsetof(st, m), \
                .parse = (parse_fn), .free = (free_fn), __VA_ARGS__                               \
        }

/* A block stored as a struct embedded in the parent. Labels, if any, with
 * `.labels = { "name" }, .label_offsets = { offsetof(...) }` after the flags. */
#define FL_HCL_BLOCK_ONE(t, st, m, sch, fl, ...)                                               \
        {                                                                                      \
                .type = (t), .storage = FL_HCL_BLOCK_EMBEDDED, .flags = (fl), .schema = (sch), \
                .offset = offsetof(st, m), __VA_ARGS__                                         \
        }
/* Repeated blocks stored as an array `T *m` with `size_t count`. */
#define FL_HCL_BLOCK_REPEATED(t, st, m, count, sch, fl, ...)                                 \
        {                                                                                    \
                .type = (t), .storage = FL_HCL_BLOCK_ARRAY, .flags = (fl), .schema = (sch),  \
                .offset = offsetof(st, m), .count_offset = FL_HCL_OFFSET(st, count, size_t), \
                __VA_ARGS__                                                                  \
        }
/* Blocks handed to a callback. */
#define FL_HCL_BLOCK_HANDLER(t, fn, fl, ...)                                                   \
        {                                                                                      \
                .type = (t), .storage = FL_HCL_BLOCK_CALLBACK, .flags = (fl), .handler = (fn), \
                __VA_ARGS__                                                                    \
        }
