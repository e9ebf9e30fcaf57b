/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The rule engine: matches events against the rule set, counts occurrences
 * per rule and key within each rule's window, applies cooldowns and reports
 * firings. Pure computation: no I/O, no clock reads (callers pass `now`), so
 * every path is unit-tested and the decision latency is only CPU time.
 */
#pragma once

#include "event.h"
#include "rule.h"

#include <jansson.h>
#include <stdint.h>

struct fl_engine;

struct fl_firing {
        const struct fl_rule *rule;
        const struct fl_event *event; /* the occurrence that completed the threshold */
        const char *key;
        uint64_t count;                 /* occurrences counted in the window */
        uint64_t first_usec, last_usec; /* wall clock of the first and last of them */
        const char *idempotency_key;
        json_t *params; /* rendered parameters (borrowed) */
        json_t *fields; /* event fields plus regex captures (borrowed) */
};

typedef void (*fl_firing_fn)(const struct fl_firing *f, void *userdata);

struct fl_engine_rule_stats {
        uint64_t matched; /* occurrences that matched the rule */
        uint64_t firings;
        uint64_t suppressed; /* threshold reached during cooldown */
        uint64_t keys_evicted;
};

/* `node` names this host in idempotency keys and templates ({node}). */
int fl_engine_new(const char *node, struct fl_engine **ret);
struct fl_engine *fl_engine_free(struct fl_engine *e);

/* Switches to a new rule set (takes a reference). Counters of rules whose
 * threshold definition is unchanged survive; the rest start over. */
int fl_engine_set_rules(struct fl_engine *e, struct fl_ruleset *rs);
struct fl_ruleset *fl_engine_rules(const struct fl_engine *e);

/* Evaluates one event, calling `fn` for each firing (fn must not change the
 * engine's rules). Returns the number of rules that matched, or -errno. */
int fl_engine_process(struct fl_engine *e, const struct fl_event *ev, uint64_t now_usec,
        fl_firing_fn fn, void *userdata);

/* Returns 0 and the stats of rule `name`, or -ENOENT. */
int fl_engine_rule_stats(
        const struct fl_engine *e, const char *name, struct fl_engine_rule_stats *ret);
