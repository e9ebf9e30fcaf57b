/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The agent's hot path: every event from every source goes through
 * fl_dispatch_event(), which counts it, runs the rule engine, measures the
 * decision latency, and for each firing writes the journal entry and (unless
 * dry run) hands a trigger to the delivery.
 *
 *   source --fl_event--> dispatch --> engine --firing--> journal entry
 *                                                    \--> delivery (trigger)
 */
#pragma once

#include <stdbool.h>

#include "counters.h"
#include "delivery.h"
#include "engine.h"
#include "event.h"
#include "hashmap.h"
#include "macro.h"
#include "report.h"

struct fl_dispatch {
        const char *node;
        struct fl_engine *engine;
        struct fl_reporter *reporter;
        struct fl_delivery *delivery; /* NULL: dry run, firings only go to the journal */
        struct fl_agent_counters *counters;
        struct fl_hashmap *rule_counters; /* rule name -> struct fl_rule_counters */
};

/* An fl_event_fn: userdata is the struct fl_dispatch. */
void fl_dispatch_event(const struct fl_event *ev, void *userdata);

/* Puts a new rule set in force (the engine takes its own reference). The
 * engine's counters of rules whose state it drops (removed, or threshold
 * definition changed) are folded into rule_counters first, so exported
 * counters never go backwards; rules that no longer exist lose theirs.
 * Returns 0 or -ENOMEM. */
int fl_dispatch_set_rules(struct fl_dispatch *d, struct fl_ruleset *rs);

/* Frees a rule_counters map. */
struct fl_hashmap *fl_rule_counters_free(struct fl_hashmap *m);
