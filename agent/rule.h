/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A compiled detection rule, as the loader builds it from rules.d/NAME.hcl and
 * the engine evaluates it. The language itself is documented in
 * docs/rules.md; this is its in-memory form.
 */
#pragma once

#define PCRE2_CODE_UNIT_WIDTH 8

#include "event.h"
#include "template.h"

#include <pcre2.h>
#include <stdbool.h>
#include <stdint.h>

enum fl_cond_op {
        FL_COND_EQUALS,
        FL_COND_NOT_EQUALS,
        FL_COND_IN,
        FL_COND_REGEX,
        FL_COND_NOT_REGEX,
        FL_COND_GTE,
        FL_COND_GT,
        FL_COND_LTE,
        FL_COND_LT,
        FL_COND_PRESENT,
        FL_COND_ABSENT,
};

/* One condition on one event field. Numeric comparisons parse the field as a
 * number (decimal, or hex with 0x); a field that is missing or not a number
 * fails them. */
struct fl_cond {
        char *field;
        enum fl_cond_op op;
        char *str;   /* EQUALS, NOT_EQUALS */
        char **strv; /* IN */
        size_t n_strv;
        double num;     /* GTE, GT, LTE, LT */
        pcre2_code *re; /* REGEX, NOT_REGEX */
};

struct fl_param {
        char *name;
        struct fl_template *value;
};

struct fl_rule {
        /* References: the rules directory keeps each file's last good rules
         * while rule sets built from them come and go. 0 and 1 both mean a
         * single owner, so a rule built with calloc() needs no setup. */
        unsigned n_ref;

        char *name;
        char *description;
        /* Where it was defined, for messages and for per-file reloads. */
        char *file;
        unsigned line, column;

        enum fl_source source;
        char *kind; /* NULL: any kind of this source */
        struct fl_cond *conds;
        size_t n_conds;

        /* journal: a regex on MESSAGE whose named groups become fields, and
         * one that excludes lines (benign look-alikes). */
        pcre2_code *message_re;
        pcre2_code *exclude_re;
        /* journal: extra sd-journal matches ("FIELD=value") this rule needs
         * besides kernel messages; an entry must satisfy one of them. */
        char **journal_matches;
        size_t n_journal_matches;

        /* Fire when `count` occurrences for one key fall within `window`. */
        uint64_t count;
        uint64_t window_usec;
        struct fl_template *key; /* NULL: one counter for the whole rule */
        uint64_t cooldown_usec;
        /* Rules of one group share their cooldown per key: the same fault
         * seen by two sources (the tracepoint and the kernel log line) fires
         * once. NULL: the rule's own cooldown only. */
        char *cooldown_group;
        /* Hash of what threshold state depends on (name, count, window, key,
         * cooldown): a reload keeps a rule's counters only if it is equal. */
        uint64_t state_fingerprint;

        char *workflow;
        struct fl_param *params;
        size_t n_params;
};

/* Frees the rule whatever its references; for its single owner. */
struct fl_rule *fl_rule_free(struct fl_rule *r);
/* Adds a reference; returns r. */
struct fl_rule *fl_rule_ref(struct fl_rule *r);
/* Drops a reference, freeing the rule with the last one; accepts NULL,
 * returns NULL. */
struct fl_rule *fl_rule_unref(struct fl_rule *r);

/* An immutable set of rules. Reloads build a new one; the engine holds a
 * reference while it evaluates. */
struct fl_ruleset {
        unsigned n_ref;
        struct fl_rule **rules;
        size_t n_rules;
};

struct fl_ruleset *fl_ruleset_new(void);
struct fl_ruleset *fl_ruleset_ref(struct fl_ruleset *rs);
struct fl_ruleset *fl_ruleset_unref(struct fl_ruleset *rs);
/* Takes over one reference to `r` (dropped on failure). */
int fl_ruleset_add(struct fl_ruleset *rs, struct fl_rule *r);
