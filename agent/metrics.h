/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Renders everything the agent counts as one Prometheus text document for
 * node_exporter's textfile collector: per-source events and decision-latency
 * histograms, per-rule matches/firings/suppressions/evictions/delivery
 * errors, BPF per-tracepoint kernel counters (hits, filtered, submitted,
 * ring-buffer drops, delivered, reconciled), journald and sysfs source
 * counters, reloads, and the delivery's own metrics. docs/agent.md lists
 * every metric. Pure formatting: the manager decides when to write.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "counters.h"
#include "delivery.h"
#include "engine.h"
#include "hashmap.h"
#include "source_bpf.h"
#include "source_journal.h"
#include "source_sysfs.h"

struct fl_metrics_view {
        const struct fl_agent_counters *counters;
        const struct fl_hashmap *rule_counters; /* rule name -> struct fl_rule_counters */
        const struct fl_engine *engine;
        struct source_bpf *bpf; /* NULL when not running */
        const struct fl_source_sysfs *sysfs;
        const struct fl_source_journal *journal;
        struct fl_delivery *delivery;
        bool enabled[_FL_SOURCE_MAX]; /* configured to run */
};

/* Returns 0 and the document (caller frees) with its size, or -errno. */
int fl_metrics_render(const struct fl_metrics_view *v, char **ret, size_t *ret_size);
