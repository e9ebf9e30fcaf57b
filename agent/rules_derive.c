/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the sources need from a rule set. The BPF filter lets through only
 * what some rule can match: the kinds BPF rules name, the mc_event error
 * types and thermal trip types their conditions allow, and thermal
 * temperature updates from the lowest threshold any rule asks for. The
 * journald source reads, besides kernel messages, the entries journal rules
 * ask for with journal_match.
 *
 * A condition narrows the filter only when it certainly excludes values
 * (equals, in, not_equals); anything else (regexes, numbers on other
 * fields, present) lets every value through, so a rule never misses an event
 * the kernel could have dropped.
 */
#include "rules_internal.h"

#include "bpf_event.h"
#include "macro.h"
#include "rules_load.h"
#include "source_bpf.h"
#include "source_journal.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <string.h>

static const char *const mc_type_bits[] = {
        [FL_BPF_MC_CORRECTED] = "Corrected",
        [FL_BPF_MC_UNCORRECTED] = "Uncorrected",
        [FL_BPF_MC_DEFERRED] = "Deferred",
        [FL_BPF_MC_FATAL] = "Fatal",
        [FL_BPF_MC_INFO] = "Info",
        [FL_BPF_MC_UNKNOWN] = "Unknown",
};

/* enum thermal_trip_type, as bpf_event.c names it. */
static const char *const trip_type_bits[] = {"ACTIVE", "PASSIVE", "HOT", "CRITICAL"};

static uint32_t bit_of(const char *const *names, size_t n, const char *s) {
        for (size_t i = 0; i < n; i++)
                if (strcmp(names[i], s) == 0)
                        return UINT32_C(1) << i;
        return 0;
}

/* The values of `field` that rule `r` can match, as bits over `names`. */
static uint32_t allowed_bits(
        const struct fl_rule *r, const char *field, const char *const *names, size_t n) {
        uint32_t all = (UINT32_C(1) << n) - 1, bits = all;

        for (size_t i = 0; i < r->n_conds; i++) {
                const struct fl_cond *c = &r->conds[i];
                uint32_t in = 0;

                if (strcmp(c->field, field) != 0)
                        continue;
                switch (c->op) {
                case FL_COND_EQUALS:
                        bits &= bit_of(names, n, c->str);
                        break;
                case FL_COND_NOT_EQUALS:
                        bits &= ~bit_of(names, n, c->str) & all;
                        break;
                case FL_COND_IN:
                        for (size_t k = 0; k < c->n_strv; k++)
                                in |= bit_of(names, n, c->strv[k]);
                        bits &= in;
                        break;
                case FL_COND_ABSENT:
                        bits = 0; /* the field is on every such event */
                        break;
                default:
                        break;
                }
        }
        return bits;
}

/* The lowest temp (m°C) rule `r` can match, INT32_MIN when unbounded. */
static int32_t temp_floor(const struct fl_rule *r) {
        double lo = -INFINITY;

        for (size_t i = 0; i < r->n_conds; i++) {
                const struct fl_cond *c = &r->conds[i];
                if (strcmp(c->field, "temp") != 0)
                        continue;
                /* gt x lets x itself through too: harmless, and integral. */
                if ((c->op == FL_COND_GTE || c->op == FL_COND_GT) && c->num > lo)
                        lo = c->num;
        }
        if (lo <= (double) INT32_MIN)
                return INT32_MIN;
        if (lo >= (double) INT32_MAX)
                return INT32_MAX;
        int32_t v = (int32_t) lo; /* toward zero, then down for negatives */
        return (double) v > lo ? v - 1 : v;
}

void fl_ruleset_bpf_filter(const struct fl_ruleset *rs, struct source_bpf_filter *ret) {
        struct source_bpf_filter f = {
                .thermal_temp_min_mc = INT32_MAX,
        };
        bool any_temp = false;

        for (size_t i = 0; rs && i < rs->n_rules; i++) {
                const struct fl_rule *r = rs->rules[i];
                int kind;

                if (r->source != FL_SOURCE_BPF || !r->kind)
                        continue;
                kind = fl_bpf_kind_from_string(r->kind);
                if (kind < 0)
                        continue;
                f.kinds |= UINT32_C(1) << kind;
                switch (kind) {
                case FL_BPF_MC_EVENT:
                        f.mc_error_types |= allowed_bits(
                                r, "error_type", mc_type_bits, ELEMENTSOF(mc_type_bits));
                        break;
                case FL_BPF_THERMAL_ZONE_TRIP:
                        f.thermal_trip_types |= allowed_bits(
                                r, "trip_type", trip_type_bits, ELEMENTSOF(trip_type_bits));
                        break;
                case FL_BPF_THERMAL_TEMPERATURE: {
                        int32_t lo = temp_floor(r);
                        if (lo < f.thermal_temp_min_mc)
                                f.thermal_temp_min_mc = lo;
                        any_temp = true;
                        break;
                }
                default:
                        break;
                }
        }
        if (!any_temp)
                f.thermal_temp_min_mc = INT32_MAX; /* the kind is off anyway */
        *ret = f;
}

int fl_ruleset_journal_matches(
        const struct fl_ruleset *rs, struct fl_journal_match_group **ret, size_t *ret_n) {
        const char *distinct[FL_JOURNAL_GROUPS_MAX];
        struct fl_journal_match_group *groups;
        const char **ptrs;
        size_t n = 0;

        for (size_t i = 0; rs && i < rs->n_rules; i++) {
                const struct fl_rule *r = rs->rules[i];

                if (r->source != FL_SOURCE_JOURNAL)
                        continue;
                for (size_t m = 0; m < r->n_journal_matches; m++) {
                        const char *s = r->journal_matches[m];
                        bool seen = false;

                        for (size_t k = 0; k < n && !seen; k++)
                                seen = strcmp(distinct[k], s) == 0;
                        if (seen)
                                continue;
                        if (n == FL_JOURNAL_GROUPS_MAX)
                                return -E2BIG;
                        distinct[n++] = s;
                }
        }
        if (n == 0) {
                *ret = NULL;
                *ret_n = 0;
                return 0;
        }
        /* One block: the groups, then the pointer each group's list is. */
        groups = malloc(n * (sizeof(*groups) + sizeof(char *)));
        if (!groups)
                return -ENOMEM;
        ptrs = (const char **) (groups + n);
        for (size_t k = 0; k < n; k++) {
                ptrs[k] = distinct[k];
                groups[k] = (struct fl_journal_match_group){
                        .matches = (const char *const *) &ptrs[k],
                        .n_matches = 1,
                };
        }
        *ret = groups;
        *ret_n = n;
        return 0;
}
