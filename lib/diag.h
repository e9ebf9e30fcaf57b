/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A list of diagnostics: every problem found in a configuration file, each
 * with the file, line and column it refers to, printed as
 *
 *     FILE:LINE:COL: message
 *
 * The HCL parser, the schema decoder and the semantic checks of each daemon
 * append to one list, so `--check` can report every problem of every file in
 * one run. Lines and columns are 1-based; columns count characters, not bytes.
 *
 * The list is capped (FL_DIAGS_MAX entries): a file full of garbage cannot
 * make it grow without bound. Once full, further problems are only counted,
 * and fl_diags_print() ends with a line saying how many were left out.
 */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "macro.h"

#define FL_DIAGS_MAX 1000

struct fl_diag {
        char *file;      /* as given by the producer, e.g. the path passed to the parser */
        unsigned line;   /* 1-based */
        unsigned column; /* 1-based, in characters */
        char *message;   /* one line, no trailing newline, no "error:" prefix */
};

struct fl_diags {
        struct fl_diag *items; /* read only for users */
        size_t n_items;
        size_t n_allocated;
        size_t n_dropped; /* problems not stored because the list was full */
};

/* Returns a new empty list, or NULL when out of memory. */
struct fl_diags *fl_diags_new(void);

/* Frees the list and every entry; accepts NULL, returns NULL. */
struct fl_diags *fl_diags_free(struct fl_diags *d);
FL_DEFINE_CLEANUP(struct fl_diags *, fl_diags_free);

/* Appends one entry; `file` and the formatted message are copied. Returns 0
 * when stored, -ENOSPC when the list is full (the problem is counted in
 * n_dropped), -ENOMEM when out of memory. */
int fl_diags_add(struct fl_diags *d, const char *file, unsigned line, unsigned column,
        const char *fmt, ...) _printf_(5, 6);

/* The same with a va_list. */
int fl_diags_addv(struct fl_diags *d, const char *file, unsigned line, unsigned column,
        const char *fmt, va_list ap) _printf_(5, 0);

/* True when the list is full: producers use it to stop early. */
bool fl_diags_full(const struct fl_diags *d);

/* Sorts entries [from, n_items) by line then column, keeping the order of
 * entries at the same position. A producer that finds problems out of order
 * (e.g. duplicates found when a block closes) calls this on its own range. */
void fl_diags_sort_from(struct fl_diags *d, size_t from);

/* Writes each entry as "FILE:LINE:COL: message\n", then one line for the
 * dropped ones if any. Returns 0 or -errno from the stream. */
int fl_diags_print(const struct fl_diags *d, FILE *f);
