/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Asynchronous client for Temporal's HTTP API (grpc-gateway JSON mapping of the
 * WorkflowService), driven by the coordinator's libevent loop.
 *
 * Every operation is a libcurl easy handle on one curl multi handle whose
 * sockets and timer are libevent events on the caller's event_base: nothing
 * blocks and connections are kept alive and reused. Failures that say "try
 * again" (connection refused or reset, timeouts, HTTP 429/502/503/504) are
 * retried with exponential backoff and jitter, within a bounded number of
 * attempts and an overall deadline per operation. A circuit breaker makes the
 * client fail fast while Temporal is unreachable, so the coordinator can
 * answer 503 at once instead of holding agents for the whole deadline.
 *
 *   struct fl_temporal_options o = { .url = "http://127.0.0.1:7243" };
 *   struct fl_temporal *t;
 *   r = fl_temporal_new(base, &o, &t);
 *   r = fl_temporal_start_workflow(t, &(struct fl_temporal_start){
 *           .workflow_id = "fl-disk-remediation-6f1c...", .workflow_type = "DiskRemediation",
 *           .task_queue = "node/node-17", .input = params, .memo = memo,
 *           .search_attributes = { .node = "node-17", .rule = "disk-io-errors" } },
 *           0, on_started, ctx);
 *   ...event_base_dispatch(base)...  on_started(reply, started, ctx) runs once.
 *
 * Callbacks run from the event loop, exactly once per accepted operation,
 * never from inside the submitting call. Everything a callback receives is
 * borrowed and valid only during the call. A callback may submit new
 * operations; it must not free the client.
 *
 * docs/temporal.md describes the HTTP calls, payload encodings and policies.
 */
#pragma once

#include <event2/event.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct fl_temporal;

enum fl_temporal_op {
        FL_TEMPORAL_OP_START,
        FL_TEMPORAL_OP_COUNT,
        FL_TEMPORAL_OP_LIST,
        FL_TEMPORAL_OP_DESCRIBE,
        FL_TEMPORAL_OP_TERMINATE,
        _FL_TEMPORAL_OP_MAX,
};

/* "start", "count", "list", "describe", "terminate"; NULL when out of range. */
const char *fl_temporal_op_to_string(enum fl_temporal_op op);

enum fl_temporal_status {
        FL_TEMPORAL_STATUS_UNSPECIFIED,
        FL_TEMPORAL_STATUS_RUNNING,
        FL_TEMPORAL_STATUS_COMPLETED,
        FL_TEMPORAL_STATUS_FAILED,
        FL_TEMPORAL_STATUS_CANCELED,
        FL_TEMPORAL_STATUS_TERMINATED,
        FL_TEMPORAL_STATUS_CONTINUED_AS_NEW,
        FL_TEMPORAL_STATUS_TIMED_OUT,
        _FL_TEMPORAL_STATUS_MAX,
};

/* The name visibility queries use: ExecutionStatus='Running'. NULL when out of
 * range or UNSPECIFIED. */
const char *fl_temporal_status_to_string(enum fl_temporal_status s);
/* Accepts the query name ("Running") and the API enum name
 * ("WORKFLOW_EXECUTION_STATUS_RUNNING"). Returns the status or -EINVAL. */
int fl_temporal_status_from_string(const char *s);

/* Workflow id reuse policy: may a new run start when a CLOSED run has the same
 * id? 0 is faultline's default, REJECT_DUPLICATE: a workflow id names one
 * remediation, ever (within the namespace's retention). */
enum fl_temporal_reuse_policy {
        FL_TEMPORAL_REUSE_DEFAULT,
        FL_TEMPORAL_REUSE_ALLOW_DUPLICATE,
        FL_TEMPORAL_REUSE_ALLOW_DUPLICATE_FAILED_ONLY,
        FL_TEMPORAL_REUSE_REJECT_DUPLICATE,
        _FL_TEMPORAL_REUSE_MAX,
};

/* Workflow id conflict policy: what if a RUNNING run has the same id? 0 is
 * faultline's default, USE_EXISTING: answer with the existing run. */
enum fl_temporal_conflict_policy {
        FL_TEMPORAL_CONFLICT_DEFAULT,
        FL_TEMPORAL_CONFLICT_FAIL,
        FL_TEMPORAL_CONFLICT_USE_EXISTING,
        FL_TEMPORAL_CONFLICT_TERMINATE_EXISTING,
        _FL_TEMPORAL_CONFLICT_MAX,
};

/* Called once per finished operation (after its callback), for metrics. */
typedef void (*fl_temporal_observe_fn)(enum fl_temporal_op op, int error, unsigned attempts,
        uint64_t latency_usec, void *userdata);

/* Zero means "the default" for every number. Strings are copied. */
struct fl_temporal_options {
        /* http://host:port or https://host:port of the HTTP API (required). */
        const char *url;
        /* Default "default". */
        const char *namespace;
        /* Recorded as the starter/terminator; default "faultline-coordinator". */
        const char *identity;

        /* TLS toward Temporal (https URLs only): CA bundle to verify the
         * server (default: the system store), client certificate and key. */
        const char *ca_file;
        const char *cert_file;
        const char *key_file;
        /* Sent as "Authorization: Bearer <api_key>" (Temporal Cloud API keys). */
        const char *api_key;

        uint64_t connect_timeout_usec; /* per attempt; default 1 s */
        uint64_t attempt_timeout_usec; /* one HTTP exchange; default 5 s */
        uint64_t deadline_usec;        /* whole operation, retries included; default 10 s */
        unsigned max_attempts;         /* default 5 */
        uint64_t backoff_initial_usec; /* default 50 ms, doubled per retry ... */
        uint64_t backoff_max_usec;     /* ... up to 2 s; the delay is jittered to [d/2, d] */

        /* After breaker_threshold consecutive attempts found Temporal
         * unreachable (no connection, timeout, 502/503/504), new operations
         * fail at once with -EAGAIN for breaker_cooldown_usec; then they are
         * tried again and one success closes the breaker. Defaults 3 and 1 s. */
        unsigned breaker_threshold;
        uint64_t breaker_cooldown_usec;
        bool breaker_off;

        size_t max_response_bytes; /* default 4 MiB; larger answers fail with -EFBIG */
        /* Concurrent HTTP exchanges, each on its own kept-alive connection
         * (HTTP/1.1; over TLS with HTTP/2 they share one). More operations
         * wait in the client's queue, their deadline running. Default 8. */
        unsigned max_connections;
        unsigned max_pending; /* operations accepted and not finished; default 4096 */

        fl_temporal_observe_fn observe;
        void *observe_userdata;
};

/* Creates a client on `base`. Returns 0, -EINVAL for a bad URL or option
 * (TLS files with an http URL), -errno when a TLS file cannot be read, or
 * -ENOMEM. */
int fl_temporal_new(struct event_base *base, const struct fl_temporal_options *options,
        struct fl_temporal **ret);

/* Aborts every pending operation (its callback runs with -ECANCELED) and frees
 * the client. Accepts NULL; returns NULL. Must not be called from a callback. */
struct fl_temporal *fl_temporal_free(struct fl_temporal *t);

/* False while the circuit breaker is open (Temporal found unreachable). */
bool fl_temporal_available(const struct fl_temporal *t);

struct fl_temporal_stats {
        uint64_t finished[_FL_TEMPORAL_OP_MAX]; /* operations finished, by kind */
        uint64_t failed[_FL_TEMPORAL_OP_MAX];   /* ... of which with an error */
        uint64_t attempts;                      /* HTTP exchanges tried */
        uint64_t retries;                       /* attempts after a retryable failure */
        uint64_t refused;                       /* submissions refused: breaker open, full */
        uint64_t pending;                       /* accepted, not finished ... */
        uint64_t queued;                        /* ... of which waiting for a connection */
        bool available;
};

void fl_temporal_get_stats(const struct fl_temporal *t, struct fl_temporal_stats *ret);

/* Per-operation flags. */
enum {
        /* One attempt, no retry: for callers that must answer quickly and have
         * their own retry (an agent retries a trigger answered 503). */
        FL_TEMPORAL_NO_RETRY = 1 << 0,
};

/* How an operation ended, given to every callback. */
struct fl_temporal_reply {
        /* 0 on success, else:
         *   -EAGAIN   Temporal unavailable: unreachable, timed out, 429/502/503/504
         *             (after the retries), or the breaker is open
         *   -EINVAL   rejected as invalid (HTTP 400: bad query, unknown search
         *             attribute...)
         *   -ENOENT   no such workflow or namespace (404)
         *   -EEXIST   already exists (409 other than "workflow already started")
         *   -EACCES   authentication or permission denied (401/403)
         *   -ENOTRECOVERABLE  failed precondition (412), e.g. namespace not active
         *   -EOPNOTSUPP  not implemented by this server (501)
         *   -EFBIG    answer larger than max_response_bytes
         *   -EBADMSG  answer is not the expected JSON
         *   -ECANCELED  the client was freed first
         *   -EIO      anything else (TLS failure, HTTP 500...) */
        int error;
        long http_status;    /* 0 when no HTTP answer arrived */
        int grpc_code;       /* google.rpc.Status code of an error answer, else 0 */
        const char *message; /* human-readable reason when error != 0, else NULL */
        unsigned attempts;
        uint64_t latency_usec; /* submission to completion, retries included */
};

/* The keyword search attributes: the contract's four, plus FaultlineWorkflow
 * (the workflow config's name, which constraint queries select on because
 * several configs may share one workflow type). NULL fields are omitted. */
struct fl_temporal_search_attributes {
        const char *node;       /* FaultlineNode */
        const char *node_type;  /* FaultlineNodeType */
        const char *datacenter; /* FaultlineDatacenter */
        const char *rule;       /* FaultlineRule */
        const char *workflow;   /* FaultlineWorkflow */
};

/* A workflow execution as list and describe return it. */
struct fl_temporal_execution {
        const char *workflow_id;
        const char *run_id;
        const char *workflow_type;
        const char *task_queue;
        enum fl_temporal_status status;
        int64_t start_time_usec; /* wall clock, µs since the epoch */
        int64_t close_time_usec; /* 0 while running */
        struct fl_temporal_search_attributes search_attributes;
        json_t *all_search_attributes; /* {name: decoded value}, every attribute */
        json_t *memo;                  /* {field: decoded value}; may be empty */
        json_t *owned;                 /* internal: keeps the decoded values alive */
};

/* ---- start ---------------------------------------------------------------- */

struct fl_temporal_start {
        /* Required. The id must not contain '/' (the HTTP API's path routing
         * cannot carry it); at most 1000 bytes. */
        const char *workflow_id;
        const char *workflow_type;
        const char *task_queue;
        /* The workflow's single argument, sent as one json/plain payload;
         * NULL for none. Borrowed. */
        json_t *input;
        /* Memo fields, an object ({"trigger": {...}}); each value becomes one
         * json/plain payload. NULL for none. Borrowed. */
        json_t *memo;
        struct fl_temporal_search_attributes search_attributes;
        uint64_t execution_timeout_usec; /* 0: none */
        /* Temporal deduplicates starts by request id: retries of this call
         * reuse it. NULL: a random UUID per call. */
        const char *request_id;
        enum fl_temporal_reuse_policy reuse_policy;
        enum fl_temporal_conflict_policy conflict_policy;
};

struct fl_temporal_started {
        const char *workflow_id;
        const char *run_id;
        /* true: this call started the run. false: a run with this id already
         * existed (running, or closed with REJECT_DUPLICATE) and run_id is
         * that run; nothing new was started. */
        bool started;
        enum fl_temporal_status status; /* UNSPECIFIED when unknown */
};

/* started is NULL when reply->error != 0. */
typedef void (*fl_temporal_start_fn)(const struct fl_temporal_reply *reply,
        const struct fl_temporal_started *started, void *userdata);

/* Submits a start. Returns 0 when accepted (cb will run), or, without calling
 * cb: -EINVAL for a missing or invalid field, -EAGAIN while the breaker is
 * open, -ENOBUFS when max_pending operations are already pending, -ENOMEM. */
int fl_temporal_start_workflow(struct fl_temporal *t, const struct fl_temporal_start *req,
        unsigned flags, fl_temporal_start_fn cb, void *userdata);

/* ---- count / list / describe / terminate ----------------------------------- */

typedef void (*fl_temporal_count_fn)(
        const struct fl_temporal_reply *reply, int64_t count, void *userdata);

/* Counts executions matching a visibility query ("" counts all). Visibility is
 * eventually consistent: a run started a moment ago may not be counted yet.
 * Same returns as fl_temporal_start_workflow. */
int fl_temporal_count(struct fl_temporal *t, const char *query, unsigned flags,
        fl_temporal_count_fn cb, void *userdata);

/* executions is NULL and n 0 on error. next_page_token is NULL on the last
 * page; pass it to the next fl_temporal_list call. */
typedef void (*fl_temporal_list_fn)(const struct fl_temporal_reply *reply,
        const struct fl_temporal_execution *executions, size_t n, const char *next_page_token,
        void *userdata);

/* Lists executions matching a query, newest first, page_size (1..1000, 0 =
 * 100) per page. page_token is NULL for the first page. */
int fl_temporal_list(struct fl_temporal *t, const char *query, unsigned page_size,
        const char *page_token, unsigned flags, fl_temporal_list_fn cb, void *userdata);

/* execution is NULL on error. raw is the whole DescribeWorkflowExecution
 * answer (pending activities, config...), NULL on error. */
typedef void (*fl_temporal_describe_fn)(const struct fl_temporal_reply *reply,
        const struct fl_temporal_execution *execution, json_t *raw, void *userdata);

/* Describes the latest run of workflow_id (run_id NULL) or that run. */
int fl_temporal_describe(struct fl_temporal *t, const char *workflow_id, const char *run_id,
        unsigned flags, fl_temporal_describe_fn cb, void *userdata);

typedef void (*fl_temporal_done_fn)(const struct fl_temporal_reply *reply, void *userdata);

/* Terminates the running run of workflow_id (operators cancelling a
 * remediation). A run that already finished gives -ENOENT. */
int fl_temporal_terminate(struct fl_temporal *t, const char *workflow_id, const char *reason,
        unsigned flags, fl_temporal_done_fn cb, void *userdata);

/* ---- helpers for building visibility queries ------------------------------ */

/* RFC 3339 UTC with microseconds, as queries accept: 2026-11-27T04:01:10.594589Z */
#define FL_TEMPORAL_TIME_MAX 32
int fl_temporal_format_time(int64_t usec, char buf[static FL_TEMPORAL_TIME_MAX]);

/* Parses an RFC 3339 timestamp (fraction optional, up to 9 digits; Z or
 * +hh:mm) into µs since the epoch. Returns 0 or -EINVAL. */
int fl_temporal_parse_time(const char *s, int64_t *ret_usec);

/* Quotes a value for a query: it's -> 'it''s'. Values with '"', '\' or
 * control characters are refused with -EINVAL: Temporal's SQL visibility
 * stores do not match them reliably. Returns 0 and a string to free. */
int fl_temporal_query_quote(const char *value, char **ret);
