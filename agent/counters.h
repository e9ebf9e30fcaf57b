/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The agent's own counters, kept by the manager on the event loop and
 * exported as Prometheus metrics (agent/metrics.h, docs/agent.md). Counters
 * the sources and the engine keep themselves are read from them when the
 * metrics are written; what is here is what only the manager sees.
 */
#pragma once

#include <stdint.h>

#include "event.h"
#include "prom.h"

struct fl_source_counters {
        uint64_t events;      /* callbacks from the source */
        uint64_t occurrences; /* sum of their counts */
        uint64_t engine_errors;
        /* Kernel (or read) timestamp of the event to the rule decision, us. */
        struct fl_histogram latency;
};

/* What the engine counted for rules whose state a reload dropped (changed
 * threshold definition), so the exported counters never go backwards, plus
 * what only the manager counts. */
struct fl_rule_counters {
        uint64_t matched;
        uint64_t firings;
        uint64_t suppressed;
        uint64_t keys_evicted;
        uint64_t delivery_errors;
};

struct fl_agent_counters {
        struct fl_source_counters sources[_FL_SOURCE_MAX];
        uint64_t firings;
        uint64_t delivery_errors;
        uint64_t reloads;
        uint64_t reloads_failed; /* reloads that met at least one problem */
        uint64_t rule_problems;  /* problems found by the last reload */
        uint64_t metrics_errors;
};
