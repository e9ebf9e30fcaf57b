/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Prometheus text exposition format (version 0.0.4): helpers to write
 * metrics, a fixed-bucket latency histogram, and the atomic textfile writer
 * for node_exporter's textfile collector. Example of what they produce:
 *
 *   # HELP faultline_agent_events_total Events received, by source.
 *   # TYPE faultline_agent_events_total counter
 *   faultline_agent_events_total{source="bpf"} 12
 *   # TYPE faultline_agent_decision_latency_microseconds histogram
 *   faultline_agent_decision_latency_microseconds_bucket{source="bpf",le="50"} 7
 *   ...
 *   faultline_agent_decision_latency_microseconds_bucket{source="bpf",le="+Inf"} 12
 *   faultline_agent_decision_latency_microseconds_sum{source="bpf"} 610
 *   faultline_agent_decision_latency_microseconds_count{source="bpf"} 12
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "macro.h"

/* Upper bounds (microseconds) of the latency buckets, plus +Inf. Fine steps
 * around the agent's 200 us decision goal, coarse ones up to 10 s. */
#define FL_HISTOGRAM_BUCKETS 30

struct fl_histogram {
        uint64_t buckets[FL_HISTOGRAM_BUCKETS + 1]; /* not cumulative; last: above every bound */
        uint64_t count;
        uint64_t sum;
};

/* The upper bound of bucket i (i < FL_HISTOGRAM_BUCKETS). */
uint64_t fl_histogram_bound(size_t i);

void fl_histogram_observe(struct fl_histogram *h, uint64_t value);

/* The q-quantile (0 < q <= 1) estimated as Prometheus' histogram_quantile()
 * does: linear interpolation inside the bucket that holds it; the highest
 * finite bound if it falls above all of them; 0 for an empty histogram. */
double fl_histogram_quantile(const struct fl_histogram *h, double q);

/* "# HELP name help\n# TYPE name type\n". */
void fl_prom_header(FILE *f, const char *name, const char *type, const char *help);

/* Writes `s` as a label value: \ " and newline escaped. */
void fl_prom_label_value(FILE *f, const char *s);

/* One sample: name{labels} value, where `labels` is already formatted
 * ("source=\"bpf\"") or NULL. */
void fl_prom_sample(FILE *f, const char *name, const char *labels, uint64_t value);

/* Every line of a histogram (buckets, sum, count) with extra `labels` (or NULL). */
void fl_prom_histogram(FILE *f, const char *name, const char *labels, const struct fl_histogram *h);

/* The node_exporter textfile: replaced atomically (temp file + rename, mode
 * 0644, no fsync: metrics are rewritten anyway, and the event loop must not
 * wait for the disk), and only when the content changed since the last write. */
struct fl_textfile;

int fl_textfile_new(const char *path, struct fl_textfile **ret);
struct fl_textfile *fl_textfile_free(struct fl_textfile *t);
FL_DEFINE_CLEANUP(struct fl_textfile *, fl_textfile_free);

/* Returns 1 when written, 0 when unchanged (nothing done), or -errno (the
 * next call tries again). */
int fl_textfile_update(struct fl_textfile *t, const char *data, size_t size);
