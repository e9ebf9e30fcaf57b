/* SPDX-License-Identifier: Apache-2.0 */
/*
 * "Did you mean ...?" hints for misspelt names (attributes, blocks, enum
 * values, rule fields): the closest candidate by edit distance, when it is
 * close enough to be a plausible typo.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

/* Optimal-string-alignment distance (insertions, deletions, substitutions and
 * transpositions of neighbours, each costing 1), ASCII case-insensitive.
 * Strings longer than 64 bytes return a large value instead of being compared:
 * nobody misspells a name that long. */
unsigned fl_edit_distance(const char *a, const char *b);

/* True when `candidate` is close enough to `given` to suggest: distance 1 for
 * names up to 4 characters, 2 up to 8, 3 beyond. */
bool fl_suggest_close(const char *given, const char *candidate);

/* Returns the closest plausible candidate (the first one on ties), or NULL. */
const char *fl_suggest(const char *given, const char *const *candidates, size_t n_candidates);
