/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Blocking wrappers around the asynchronous Temporal client, for tests and
 * benchmarks only: each call submits one operation and runs the event loop
 * until its callback has run (or aborts the program after 60 s).
 *
 * Results are copied out of the borrowed callback arguments into a
 * struct fl_tsync_result; executions become JSON objects:
 *   {"workflow_id", "run_id", "workflow_type", "task_queue", "status" (query
 *    name or null), "start_time_usec", "close_time_usec",
 *    "search_attributes": {"node", "node_type", "datacenter", "rule", "workflow"},
 *    "all_search_attributes": {...}, "memo": {...}}
 */
#pragma once

#include "temporal.h"

#include <event2/event.h>
#include <jansson.h>

struct fl_tsync_result {
        int submit; /* what the submitting call returned */
        int error;  /* reply->error (or submit when that failed) */
        long http_status;
        int grpc_code;
        char *message;
        unsigned attempts;
        uint64_t latency_usec;

        bool started;       /* start */
        char *run_id;       /* start */
        int64_t count;      /* count */
        json_t *executions; /* list: array; describe: array of one */
        char *next_page_token;
        json_t *raw; /* describe: the whole answer */
};

void fl_tsync_result_done(struct fl_tsync_result *r);

/* Each returns r->error. */
int fl_tsync_start(struct event_base *base, struct fl_temporal *t,
        const struct fl_temporal_start *req, unsigned flags, struct fl_tsync_result *r);
int fl_tsync_count(struct event_base *base, struct fl_temporal *t, const char *query,
        unsigned flags, struct fl_tsync_result *r);
int fl_tsync_list(struct event_base *base, struct fl_temporal *t, const char *query,
        unsigned page_size, const char *token, unsigned flags, struct fl_tsync_result *r);
int fl_tsync_describe(struct event_base *base, struct fl_temporal *t, const char *workflow_id,
        const char *run_id, unsigned flags, struct fl_tsync_result *r);
int fl_tsync_terminate(struct event_base *base, struct fl_temporal *t, const char *workflow_id,
        const char *reason, unsigned flags, struct fl_tsync_result *r);

/* Runs the loop until *done is true; aborts after timeout_sec. */
void fl_tsync_run_until(struct event_base *base, const bool *done, unsigned timeout_sec);

/* The execution as the JSON object described above (new reference). */
json_t *fl_tsync_execution_json(const struct fl_temporal_execution *e);

/* CLOCK_MONOTONIC and CLOCK_REALTIME in µs. */
uint64_t fl_tsync_now_usec(void);
int64_t fl_tsync_realtime_usec(void);
