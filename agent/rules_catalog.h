/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What rules can refer to: every event kind the sources produce, the fields
 * each kind carries (docs/bpf.md, docs/sources.md) and, where a field only
 * ever holds a few values, those values. The rule loader checks conditions
 * and {placeholders} against it, so a misspelt field or value is a load error
 * instead of a rule that silently never fires; the BPF filter derivation reads
 * the value lists to turn conditions into kernel-side bit masks.
 */
#pragma once

#include "event.h"

#include <stdbool.h>
#include <stddef.h>

enum {
        FL_RULE_FIELD_NUMERIC = 1u << 0, /* a number (decimal or 0x hex): gte/gt/lte/lt apply */
};

struct fl_rule_field_info {
        const char *name;
        unsigned flags;
        /* The only values the field takes (NULL-terminated), or NULL. */
        const char *const *values;
};

struct fl_rule_kind_info {
        const char *name;
        enum fl_source source;
        const struct fl_rule_field_info *fields; /* terminated by { NULL } */
};

/* The kind called `name` (of any source), or NULL. */
const struct fl_rule_kind_info *fl_rule_kind_find(const char *name);

/* All kinds, in a fixed order: bpf, then sysfs, then journal. */
const struct fl_rule_kind_info *fl_rule_kinds(size_t *ret_n);

/* The field `name` of kind `k`, or NULL. */
const struct fl_rule_field_info *fl_rule_kind_field(
        const struct fl_rule_kind_info *k, const char *name);

/* The kind journal rules match ("journal"). */
#define FL_RULE_JOURNAL_KIND "journal"

/* Names every template may use whatever the event: {node}, {rule}, {kind},
 * {source}, {key}, {count}. NULL-terminated. */
extern const char *const fl_rule_builtins[];
bool fl_rule_is_builtin(const char *name);
