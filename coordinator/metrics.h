/* SPDX-License-Identifier: Apache-2.0 */
/*
 * GET /metrics: the coordinator's counters in the Prometheus text format
 * (version 0.0.4). Series (docs/coordinator.md lists them with their
 * labels):
 *
 *   faultline_coordinator_requests_total{route,status}
 *   faultline_coordinator_request_duration_seconds{route}      histogram
 *   faultline_coordinator_decisions_total{workflow,decision,constraint}
 *   faultline_coordinator_constraint_checks_total{workflow,path}
 *   faultline_coordinator_refusals_total{error}
 *   faultline_coordinator_temporal_calls_total{op,result}
 *   faultline_coordinator_temporal_call_duration_seconds{op}   histogram
 *   faultline_coordinator_*                                    gauges (connections, ...)
 *
 * Updating is a hash lookup and an increment: cheap enough for every
 * request on the hot path.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "decide.h"
#include "macro.h"
#include "temporal.h"

struct fl_metrics;

int fl_metrics_new(struct fl_metrics **ret);
struct fl_metrics *fl_metrics_free(struct fl_metrics *m);
FL_DEFINE_CLEANUP(struct fl_metrics *, fl_metrics_free);

void fl_metrics_request(struct fl_metrics *m, const char *route, int status, uint64_t usec);

/* `decision` is the answer's (dry runs count as "dry_run"); `constraint`
 * the deciding constraint's label or NULL. */
void fl_metrics_decision(struct fl_metrics *m, const char *workflow, enum fl_decision decision,
        const char *constraint);

/* A decision's constraint check took `path` (not FL_CHECK_NONE). */
void fl_metrics_constraint_check(
        struct fl_metrics *m, const char *workflow, enum fl_check_path path);

void fl_metrics_refusal(struct fl_metrics *m, const char *error);

/* Has the fl_temporal_observe_fn signature: pass it with the metrics as
 * userdata. */
void fl_metrics_temporal(
        enum fl_temporal_op op, int error, unsigned attempts, uint64_t usec, void *userdata);

struct fl_metrics_gauge {
        const char *name; /* without the prefix: "connections" */
        const char *help;
        double value;
};

/* The whole exposition, with `gauges` (n of them) appended. Returns 0 and a
 * string to free, or -ENOMEM. */
int fl_metrics_render(const struct fl_metrics *m, const struct fl_metrics_gauge *gauges, size_t n,
        char **ret, size_t *ret_len);
