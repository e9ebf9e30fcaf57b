/* SPDX-License-Identifier: Apache-2.0 */
/*
 * HCL native syntax, literals only: the language of every faultline
 * configuration file.
 *
 *     # comments: "#" or "//" to the end of the line, or C-style blocks
 *     rules_dir = "/etc/faultline/rules.d"        # attribute: one per line
 *     node { name = "node-17"  type = "storage" }  # one-line block
 *     rule "disk-io-errors" {                      # block with a label
 *       threshold = 3
 *       period    = "15m"
 *       devices   = ["sda", "sdb",]                # tuple, trailing comma
 *       params    = { queue: "general", "retries" = 2 }
 *       runbook   = <<-EOT
 *         Replace the disk.
 *         EOT
 *       limits { max = 3 }
 *     }
 *
 * Values are strings (every HCL escape: \n \r \t \" \\ \uNNNN \UNNNNNNNN, and
 * $${ / %%{ for a literal ${ / %{), heredocs (<<EOT and <<-EOT, whose common
 * indentation is removed), numbers (-1.5e3), true, false, null, tuples and
 * objects. Expressions are not evaluated: references, function calls,
 * operators, conditionals, for expressions and ${...} / %{...} templates are
 * refused with an "... is not supported" error, never guessed at.
 *
 * One deliberate extension: a one-line block may hold several attributes
 * separated by spaces (`node { name = "a"  type = "b" }`), because our config
 * shape uses it; standard HCL allows only one. Two attributes on one line of
 * a normal body are still an error.
 *
 * Parsing collects every recoverable problem of the file (it resynchronises at
 * the next line or closing brace) into a struct fl_diags as
 * "FILE:LINE:COL: message", columns counted in characters. It never returns a
 * tree with errors in it. The whole tree lives in one arena owned by the
 * struct fl_hcl_file, and every node carries its source position.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "diag.h"
#include "macro.h"

#define FL_HCL_MAX_FILE_SIZE (16u * 1024u * 1024u) /* bytes */
#define FL_HCL_MAX_DEPTH     64                    /* nested blocks, tuples and objects */
#define FL_HCL_MAX_LABELS    8                     /* labels of one block */

struct fl_arena;

/* A position in the source. */
struct fl_hcl_pos {
        uint32_t line;   /* 1-based */
        uint32_t column; /* 1-based, in characters (UTF-8 code points) */
        uint32_t offset; /* 0-based byte offset */
};

enum fl_hcl_type {
        FL_HCL_NULL,
        FL_HCL_BOOL,
        FL_HCL_NUMBER,
        FL_HCL_STRING,
        FL_HCL_TUPLE,
        FL_HCL_OBJECT,
};

struct fl_hcl_object_item;

struct fl_hcl_value {
        enum fl_hcl_type type;
        struct fl_hcl_pos pos; /* first character: the quote, "<<", "-", "[" or "{" */
        union {
                bool boolean;             /* FL_HCL_BOOL */
                struct {                  /* FL_HCL_NUMBER */
                        double value;     /* nearest double; +-HUGE_VAL when out of range */
                        const char *text; /* as written, "-" included: "-1.50e3" */
                } number;
                struct {                 /* FL_HCL_STRING */
                        const char *ptr; /* decoded, NUL-terminated */
                        size_t len;      /* may contain NUL bytes ("\u0000") */
                        bool heredoc;
                } string;
                struct { /* FL_HCL_TUPLE */
                        struct fl_hcl_value *items;
                        size_t n_items;
                } tuple;
                struct { /* FL_HCL_OBJECT: keys are unique */
                        struct fl_hcl_object_item *items;
                        size_t n_items;
                } object;
        };
};

struct fl_hcl_object_item {
        const char *key; /* decoded, NUL-terminated; may contain NUL bytes (key_len) */
        size_t key_len;
        bool key_quoted; /* written as "key" rather than as a bare name */
        struct fl_hcl_pos key_pos;
        struct fl_hcl_value value;
};

struct fl_hcl_attribute {
        const char *name;      /* letters, digits, "_" and "-" */
        struct fl_hcl_pos pos; /* of the name */
        struct fl_hcl_value value;
};

struct fl_hcl_label {
        const char *text; /* decoded, NUL-terminated; may contain NUL bytes (len) */
        size_t len;
        bool quoted; /* "label" rather than a bare name */
        struct fl_hcl_pos pos;
};

struct fl_hcl_block;

/* The content of a file or of a block. Attribute names are unique within a
 * body; blocks may repeat. Both arrays are in source order. */
struct fl_hcl_body {
        struct fl_hcl_attribute *attributes;
        size_t n_attributes;
        struct fl_hcl_block *blocks;
        size_t n_blocks;
};

struct fl_hcl_block {
        const char *type;
        struct fl_hcl_pos pos; /* of the type name */
        struct fl_hcl_label *labels;
        size_t n_labels;
        struct fl_hcl_body body;
};

struct fl_hcl_file {
        const char *filename; /* as passed to the parser */
        struct fl_hcl_body body;
        size_t size;            /* bytes of source */
        struct fl_arena *arena; /* private: owns every node and string */
};

/* Parses `size` bytes of `data` (need not be NUL-terminated; a leading UTF-8
 * BOM is skipped). `filename` names the source in diagnostics.
 *
 * Returns 0 and the tree in *ret, or:
 *   -EINVAL  the source has errors; each one was appended to `diags`;
 *   -EFBIG   larger than FL_HCL_MAX_FILE_SIZE (also reported in `diags`);
 *   -ENOMEM.
 * `diags` may be NULL to drop the messages. *ret is untouched on failure.
 * The tree does not point into `data`. */
int fl_hcl_parse(const char *data, size_t size, const char *filename, struct fl_diags *diags,
        struct fl_hcl_file **ret);

/* Reads `path` and parses it as fl_hcl_parse() does, naming it `path` in
 * diagnostics. Returns the same errors, plus -errno when the file cannot be
 * opened or read (not reported in `diags`: the caller says why). */
int fl_hcl_parse_file(const char *path, struct fl_diags *diags, struct fl_hcl_file **ret);

/* Frees the tree; accepts NULL, returns NULL. */
struct fl_hcl_file *fl_hcl_file_free(struct fl_hcl_file *f);
FL_DEFINE_CLEANUP(struct fl_hcl_file *, fl_hcl_file_free);

/* The attribute called `name` in `body`, or NULL. */
const struct fl_hcl_attribute *fl_hcl_body_attribute(
        const struct fl_hcl_body *body, const char *name);

/* The first value of `object` under `key`, or NULL. */
const struct fl_hcl_value *fl_hcl_object_get(const struct fl_hcl_value *object, const char *key);

/* "null", "bool", "number", "string", "tuple" or "object". */
const char *fl_hcl_type_name(enum fl_hcl_type type);

/* The exact integer a number literal denotes ("15", "-3", "1.5e1", "2.0").
 * Returns 0, -EDOM when it has a fractional part, -ERANGE when it does not
 * fit in int64_t, -EINVAL when `v` is not a number. */
int fl_hcl_number_int64(const struct fl_hcl_value *v, int64_t *ret);

/* Room for any fl_hcl_quote() result. */
#define FL_HCL_QUOTE_SIZE 400

/* Writes `len` bytes of `s` into `buf` (at least FL_HCL_QUOTE_SIZE bytes) as
 * a double-quoted string fit for a one-line message: quotes, backslashes and
 * control characters escaped (\n, \u0001...), at most 64 characters, then
 * "..." (never cutting a UTF-8 sequence). Returns buf. */
const char *fl_hcl_quote(const char *s, size_t len, char *buf);
