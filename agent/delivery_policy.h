/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the coordinator's answer to POST /v1/triggers means for the pending
 * trigger, and when to try again. Pure functions: no I/O, no clock, no
 * randomness of their own, so the whole policy is table-tested
 * (tests/test-delivery-policy.c) and docs/delivery.md copies its table.
 *
 *   answer                                    verdict       next attempt
 *   202 started, 200 duplicate, 200 dry_run,  DECIDED       none: the record goes
 *   409 rejected
 *   503 deferred (remediation paused)         RETRY         this trigger backs off
 *   no answer (connect, TLS, timeout), 408,   UNAVAILABLE   every trigger waits: the
 *   429, 5xx (503 Temporal unavailable)                     coordinator backs off
 *   400, 401, 403, 404, 413, other 4xx, 3xx,  OPERATOR      alert; slow retry
 *   a 2xx/409 without a known decision
 *
 * Backoff doubles from retry.initial up to retry.max with "equal jitter"
 * (a uniformly random delay in [d/2, d]), so agents that lost the
 * coordinator together do not come back together. A Retry-After header
 * (seconds or HTTP-date) lengthens the delay, never shortens it, and counts
 * for at most FL_DELIVERY_RETRY_AFTER_MAX_USEC.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define FL_DELIVERY_RETRY_AFTER_MAX_USEC (3600 * UINT64_C(1000000))
/* Each string taken from an answer body is cut at this many bytes. */
#define FL_DELIVERY_ANSWER_FIELD_MAX     512u

enum fl_delivery_verdict {
        FL_DELIVERY_DECIDED,     /* the coordinator decided: the record is done */
        FL_DELIVERY_RETRY,       /* this trigger later (deferred) */
        FL_DELIVERY_UNAVAILABLE, /* the coordinator is not answering usefully: all wait */
        FL_DELIVERY_OPERATOR,    /* an operator must fix something: alert, retry slowly */
        _FL_DELIVERY_VERDICT_MAX,
};

/* The coordinator's "decision" member, as the agent reads it (the
 * coordinator's own enum is in coordinator/decide.h). */
enum fl_answer_decision {
        FL_ANSWER_NONE, /* not a decision answer */
        FL_ANSWER_STARTED,
        FL_ANSWER_DUPLICATE,
        FL_ANSWER_REJECTED,
        FL_ANSWER_DEFERRED,
        FL_ANSWER_DRY_RUN,
        _FL_ANSWER_DECISION_MAX,
};

/* An answer as the agent understood it. Strings are owned (NULL when
 * absent) and cut at FL_DELIVERY_ANSWER_FIELD_MAX bytes. */
struct fl_delivery_answer {
        enum fl_delivery_verdict verdict;
        int http_status; /* 0: no HTTP answer (the transfer failed) */
        enum fl_answer_decision decision;
        char *workflow_id;
        char *run_id;
        char *task_queue;
        char *constraint;          /* rejected: the constraint that refused it */
        char *reason;              /* rejected: why, for people */
        char *error;               /* error answers: the "error" code, e.g. "bad_signature" */
        char *message;             /* error answers: the "message" */
        uint64_t retry_after_usec; /* from Retry-After, capped; 0: none */
};

/* Classifies an HTTP answer: `body` (may be NULL) is what came back,
 * `retry_after` the Retry-After header value (may be NULL), `now` the
 * current CLOCK_REALTIME seconds (for an HTTP-date). A body that is not
 * JSON, or has members of the wrong type, only loses those members.
 * Returns 0 or -ENOMEM (then *ret is untouched). */
int fl_delivery_answer_parse(int http_status, const char *body, size_t size,
        const char *retry_after, time_t now, struct fl_delivery_answer *ret);

/* The verdict for a transfer that got no answer (connection refused, TLS
 * failure, timeout, reset): FL_DELIVERY_UNAVAILABLE. Fills *ret. */
void fl_delivery_answer_none(struct fl_delivery_answer *ret);

/* Frees the strings and zeroes the answer; accepts a zeroed one. */
void fl_delivery_answer_done(struct fl_delivery_answer *a);

/* Retry-After: delta-seconds or an HTTP-date (RFC 9110 section 10.2.3),
 * relative to `now`. Returns 0 and the delay (a date in the past gives 0,
 * anything larger than FL_DELIVERY_RETRY_AFTER_MAX_USEC is capped), or
 * -EINVAL when the value is neither. */
int fl_delivery_parse_retry_after(const char *value, time_t now, uint64_t *ret_usec);

struct fl_delivery_backoff {
        uint64_t initial_usec;
        uint64_t max_usec;
};

/* The delay before attempt number `failures` + 1, after `failures` (>= 1)
 * failures in a row: min(max, initial * 2^(failures - 1)) = d, then a
 * delay in [d/2, d] chosen by `random` (any 64 random bits), then at least
 * `retry_after_usec`. */
uint64_t fl_delivery_backoff_delay(const struct fl_delivery_backoff *b, unsigned failures,
        uint64_t random, uint64_t retry_after_usec);

/* "started", "duplicate", ...; "none" for FL_ANSWER_NONE. */
const char *fl_answer_decision_to_string(enum fl_answer_decision d);
/* "decided", "retry", "unavailable", "operator". */
const char *fl_delivery_verdict_to_string(enum fl_delivery_verdict v);

/* A one-line summary of the answer for the outbox's last_result and
 * journal messages: "http 202 started", "http 401 bad_signature",
 * "http 503 deferred". Always NUL-terminates `buf`. */
void fl_delivery_answer_summary(const struct fl_delivery_answer *a, char *buf, size_t size);
