/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared by the rule loader's files (rules_compile.c, rules_dir.c,
 * rules_derive.c); not for other modules.
 */
#pragma once

#include "diag.h"
#include "hcl_decode.h"
#include "rule.h"
#include "rules_catalog.h"

#include <stddef.h>

/* Limits of one rule, each with its own message. */
#define FL_RULE_NAME_MAX            64   /* rule and workflow names */
#define FL_RULE_DESCRIPTION_MAX     1024 /* bytes */
#define FL_RULE_REGEX_MAX           4096 /* bytes of one pattern */
#define FL_RULE_TEMPLATE_MAX        1024 /* bytes of one parameter template */
#define FL_RULE_KEY_TEMPLATE_MAX    256  /* bytes of the threshold key template */
#define FL_RULE_FIELDS_MAX          32   /* field blocks */
#define FL_RULE_CONDS_MAX           64   /* conditions over all field blocks */
#define FL_RULE_IN_MAX              64   /* values of one `in` list */
#define FL_RULE_PARAMS_MAX          64
#define FL_RULE_JOURNAL_MATCHES_MAX 16
#define FL_RULE_COUNT_MAX           1000000
#define FL_RULE_CAPTURES_MAX        32 /* what the engine's match data holds */
#define FL_RULE_WINDOW_MIN_USEC     (1000ULL * 1000)
#define FL_RULE_DURATION_MAX_USEC   (30ULL * 24 * 3600 * 1000 * 1000)
/* Backtracking steps one regex match may take: a pattern that explodes on
 * some log line costs a few milliseconds, not the agent. */
#define FL_RULE_REGEX_MATCH_LIMIT   1000000

/* Decodes one file into a list of compiled rules (each holding one
 * reference). Same contract as fl_rules_parse(). */
int fl_rules_parse_list(const char *data, size_t size, const char *filename, struct fl_diags *diags,
        struct fl_rule ***ret_rules, size_t *ret_n);

/* Drops the references and frees the array; accepts NULL. */
void fl_rule_list_free(struct fl_rule **rules, size_t n);
