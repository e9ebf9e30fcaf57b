/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Signed delivery to the coordinator (docs/delivery.md): the implementation
 * of agent/delivery.h chosen when agent.hcl has a coordinator block.
 *
 *   submit(trigger) -> outbox append (written now; one fdatasync for the
 *                      loop iteration, before any request) -> queue (due now)
 *   timer/answer    -> attempts for due triggers, at most max_in_flight
 *                      (one while the coordinator is unavailable: a probe)
 *   answer          -> journal entry; decided: outbox DONE, forget;
 *                      deferred: this trigger backs off; no answer, 429,
 *                      5xx: everything waits (backoff); 4xx: alert, retry
 *                      every retry.operator
 *
 * A firing the outbox cannot take (full disk, unwritable state_dir) is kept
 * in memory and still delivered; it is written to the outbox as soon as the
 * outbox takes writes again. Only the hard limit refuses a firing
 * (-ENOBUFS: the manager logs it and counts it).
 */
#include "delivery.h"

#include "delivery_policy.h"
#include "delivery_queue.h"
#include "outbox.h"
#include "prom.h"
#include "sender.h"

#include <errno.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <syslog.h>
#include <time.h>

#define USEC_PER_SEC        UINT64_C(1000000)
#define TIMER_ACCURACY_USEC (10 * UINT64_C(1000))
#define OUTBOX_REOPEN_USEC  (10 * USEC_PER_SEC)
#define LOST_IDS_MAX        4096 /* bytes of idempotency keys named when some are lost */
#define P                   "faultline_agent_"

struct counters {
        uint64_t appended;
        uint64_t coalesced;
        uint64_t refused;
        uint64_t memory_only;
        uint64_t outbox_errors;
        uint64_t attempts;
        uint64_t answers[_FL_DELIVERY_VERDICT_MAX];
        uint64_t decided[_FL_ANSWER_DECISION_MAX];
        uint64_t no_answer[_FL_HTTP_FAILURE_MAX];
        uint64_t torn_tail_bytes;
        uint64_t corrupt_bytes;
        uint64_t repeated; /* firings whose trigger was already pending */
};

struct coordinator_delivery;

/* One request in flight (a slot of max_in_flight). */
struct attempt {
        struct coordinator_delivery *d;
        struct fl_pending *p; /* NULL: the slot is free */
};

struct coordinator_delivery {
        sd_event *event;
        const struct fl_agent_config *config;
        const struct fl_agent_coordinator *cc;
        struct fl_reporter *reporter;
        struct fl_sender *sender; /* signs and sends, in its own process */

        struct fl_outbox *outbox;   /* NULL while state_dir cannot hold it */
        sd_event_source *sync;      /* group commit: one fdatasync per loop iteration */
        uint64_t outbox_retry_usec; /* BOOTTIME: next try to open it */
        int outbox_error;           /* the failure being reported, 0: none */
        bool over_soft_limit;

        struct fl_pending_queue *queue;
        struct attempt *slots; /* max_in_flight */
        size_t in_flight;
        size_t memory_only; /* triggers with seq 0, and their bodies' bytes */
        uint64_t memory_only_bytes;
        sd_event_source *timer;

        /* The coordinator as a whole. */
        unsigned unavailable; /* failures in a row; 0: answering */
        uint64_t hold_until_usec;
        uint64_t hold_set_usec;
        uint64_t unavailable_since_usec;
        char last_failure[64];

        /* The operator alert last raised, and when (one per interval). */
        char alert[256];
        uint64_t alert_usec;

        uint64_t random;
        struct counters n;
        bool stopped;
};

static void schedule(struct coordinator_delivery *d);

/* ---- time and randomness ---- */

static uint64_t now_boottime(struct coordinator_delivery *d) {
        uint64_t t = 0;
        (void) sd_event_now(d->event, CLOCK_BOOTTIME, &t);
        return t;
}

static uint64_t now_realtime(void) {
        struct timespec ts;
        (void) clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000;
}

/* splitmix64: jitter needs spread, not secrecy. */
static uint64_t next_random(struct coordinator_delivery *d) {
        uint64_t z = (d->random += UINT64_C(0x9e3779b97f4a7c15));
        z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
        z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
        return z ^ (z >> 31);
}

static const struct fl_delivery_backoff *backoff_policy(
        const struct coordinator_delivery *d, struct fl_delivery_backoff *b) {
        b->initial_usec = d->cc->retry.initial_usec;
        b->max_usec = d->cc->retry.max_usec;
        return b;
}

/* ---- the outbox ---- */

static const char *state_dir(const struct coordinator_delivery *d) {
        return d->config->state_dir;
}

static void outbox_failed(struct coordinator_delivery *d, const char *operation, int error) {
        d->n.outbox_errors++;
        if (d->outbox_error == error)
                return; /* reported already */
        d->outbox_error = error;
        (void) fl_report_outbox_error(d->reporter, state_dir(d), operation, error, d->memory_only);
}

/* Group commit: firings appended during a loop iteration share one
 * fdatasync, done before any of them is sent (schedule(), send_one()),
 * before a source persists its position (the flush op), and otherwise on
 * the next iteration (the sync source). */
static int sync_outbox(struct coordinator_delivery *d) {
        int r;

        if (!d->outbox || !fl_outbox_unsynced(d->outbox))
                return 0;
        r = fl_outbox_sync(d->outbox);
        if (r < 0)
                outbox_failed(d, "sync", r);
        return r;
}

static void sync_soon(struct coordinator_delivery *d) {
        if (d->outbox && fl_outbox_unsynced(d->outbox))
                (void) sd_event_source_set_enabled(d->sync, SD_EVENT_ONESHOT);
}

static int on_sync(sd_event_source *s, void *userdata) {
        (void) sync_outbox(userdata);
        return 0;
}

/* The outbox took a write: if it had been failing, say so and move the
 * triggers kept in memory to it. */
static void persist_memory_only(struct coordinator_delivery *d);

static void outbox_works(struct coordinator_delivery *d) {
        size_t before = d->memory_only;

        if (d->outbox_error == 0)
                return;
        d->outbox_error = 0;
        persist_memory_only(d);
        if (d->outbox_error == 0)
                (void) fl_report_outbox_writable(
                        d->reporter, state_dir(d), before - d->memory_only);
}

static void check_soft_limit(struct coordinator_delivery *d) {
        uint64_t bytes = d->outbox ? fl_outbox_pending_bytes(d->outbox) : 0;
        bool over = bytes >= (uint64_t) d->cc->outbox.soft_limit_bytes;

        if (over == d->over_soft_limit)
                return;
        d->over_soft_limit = over;
        (void) fl_report_outbox_limit(
                d->reporter, state_dir(d), over, bytes, (uint64_t) d->cc->outbox.soft_limit_bytes);
}

static char *body_workflow(const char *body) {
        json_auto_t *j = json_loads(body, 0, NULL);
        const char *w = json_string_value(json_object_get(j, "workflow"));
        return strdup(w ? w : "");
}

/* Queues every record the outbox holds that is not queued yet. */
static int adopt_outbox_records(struct coordinator_delivery *d) {
        uint64_t now = now_boottime(d);

        for (size_t i = 0; i < fl_outbox_pending(d->outbox); i++) {
                const struct fl_outbox_entry *e = fl_outbox_get(d->outbox, i);
                _cleanup_free_ char *workflow = NULL;
                struct fl_pending *p;
                int r;

                if (fl_pending_queue_find(d->queue, e->id))
                        continue;
                workflow = body_workflow(e->body);
                if (!workflow)
                        return -ENOMEM;
                p = fl_pending_new(e->id, e->rule, e->key, workflow, NULL);
                if (!p)
                        return -ENOMEM;
                p->seq = e->seq;
                p->created_usec = e->created_usec;
                p->attempts = e->attempts;
                p->due_usec = now;
                r = fl_pending_queue_add(d->queue, p);
                if (r < 0 && r != -EEXIST)
                        return r;
        }
        return 0;
}

static int open_outbox(struct coordinator_delivery *d) {
        struct fl_outbox_options o = {
                .soft_limit_bytes = (uint64_t) d->cc->outbox.soft_limit_bytes,
                .hard_limit_bytes = (uint64_t) d->cc->outbox.hard_limit_bytes,
                .defer_sync = true,
        };
        struct fl_outbox_recovery rec = {};
        int r;

        r = fl_outbox_open(state_dir(d), &o, &d->outbox, &rec);
        if (r < 0)
                return r;
        d->n.torn_tail_bytes += rec.torn_tail_bytes;
        d->n.corrupt_bytes += rec.corrupt_bytes;
        if (rec.torn_tail_bytes || rec.corrupt_regions)
                (void) fl_report_outbox_recovered(
                        d->reporter, state_dir(d), &rec, fl_outbox_pending(d->outbox));
        r = adopt_outbox_records(d);
        if (r < 0)
                return r;
        check_soft_limit(d);
        return 0;
}

/* Without an outbox (state_dir was unusable), try again now and then. */
static void maybe_reopen_outbox(struct coordinator_delivery *d) {
        uint64_t now = now_boottime(d);
        int r;

        if (d->outbox || now < d->outbox_retry_usec)
                return;
        d->outbox_retry_usec = now + OUTBOX_REOPEN_USEC;
        r = open_outbox(d);
        if (r == -ENOMEM)
                return;
        if (r < 0) {
                d->outbox = fl_outbox_free(d->outbox);
                outbox_failed(d, "open", r);
                return;
        }
        outbox_works(d);
}

static void memory_only_gone(struct coordinator_delivery *d, struct fl_pending *p) {
        d->memory_only--;
        d->memory_only_bytes -= strlen(p->body);
        free(p->body);
        p->body = NULL;
}

enum {
        PERSIST_KEPT,   /* still only in memory (the failure is reported) */
        PERSIST_STORED, /* now an outbox record */
        PERSIST_FOLDED, /* coalesced into a pending record: `p` is gone */
};

/* Writes a memory-only trigger (not in flight) to the outbox. Returns a
 * PERSIST_* value or -ENOMEM. */
static int persist(struct coordinator_delivery *d, struct fl_pending *p) {
        uint64_t seq = 0;
        int r;

        if (!d->outbox)
                return PERSIST_KEPT;
        r = fl_outbox_append(d->outbox, p->id, p->rule, p->key, p->body, p->created_usec, &seq);
        if (r == -ENOSPC && fl_outbox_compact(d->outbox) >= 0)
                r = fl_outbox_append(
                        d->outbox, p->id, p->rule, p->key, p->body, p->created_usec, &seq);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                if (r != -ENOBUFS)
                        outbox_failed(d, "append", r);
                return PERSIST_KEPT;
        }
        memory_only_gone(d, p);
        if (r == FL_OUTBOX_COALESCED) {
                /* The pending record of the same rule and key stands for
                 * this firing now. */
                d->n.coalesced++;
                fl_pending_queue_remove(d->queue, p);
                return PERSIST_FOLDED;
        }
        p->seq = seq; /* appended, or already there from an earlier run */
        return PERSIST_STORED;
}

static void persist_memory_only(struct coordinator_delivery *d) {
        struct fl_pending *todo[64];
        size_t iter = 0, n = 0;
        struct fl_pending *p;

        /* In batches: persist() may remove entries. */
        do {
                n = 0;
                iter = 0;
                while (n < ELEMENTSOF(todo) && (p = fl_pending_queue_next(d->queue, &iter)))
                        if (p->seq == 0 && !p->in_flight)
                                todo[n++] = p;
                for (size_t i = 0; i < n; i++)
                        if (persist(d, todo[i]) <= PERSIST_KEPT)
                                return;
        } while (n == ELEMENTSOF(todo));
}

static size_t limit_in_flight(const struct coordinator_delivery *d) {
        /* While the coordinator does not answer, one request probes. */
        return d->unavailable ? 1 : (size_t) d->cc->max_in_flight;
}

/* ---- submit ---- */

static int keep_in_memory(struct coordinator_delivery *d, const struct fl_trigger *t,
        const char *body, uint64_t created) {
        struct fl_pending *p;
        int r;

        /* Memory is bounded like the disk: the hard limit, in bodies. */
        if (d->memory_only_bytes + strlen(body) > (uint64_t) d->cc->outbox.hard_limit_bytes)
                return -ENOBUFS;
        p = fl_pending_new(t->idempotency_key, t->rule, t->key, t->workflow, body);
        if (!p)
                return -ENOMEM;
        p->created_usec = created;
        p->due_usec = now_boottime(d);
        r = fl_pending_queue_add(d->queue, p);
        if (r < 0)
                return r;
        d->memory_only++;
        d->memory_only_bytes += strlen(body);
        d->n.memory_only++;
        return 0;
}

static int coordinator_submit(void *impl, const struct fl_trigger *t) {
        struct coordinator_delivery *d = impl;
        _cleanup_free_ char *body = NULL;
        uint64_t created = now_realtime(), seq = 0;
        struct fl_pending *p;
        int r, k;

        if (d->stopped)
                return -ESHUTDOWN;
        if (fl_pending_queue_find(d->queue, t->idempotency_key)) {
                /* The same occurrence read again (a restart re-reading the
                 * journal): already on its way. */
                d->n.repeated++;
                return 0;
        }
        r = fl_trigger_to_json(t, &body);
        if (r < 0)
                return r;

        maybe_reopen_outbox(d);
        r = d->outbox ? fl_outbox_append(
                                d->outbox, t->idempotency_key, t->rule, t->key, body, created, &seq)
                      : -EROFS;
        if (r == -ENOSPC && d->outbox && fl_outbox_compact(d->outbox) >= 0)
                r = fl_outbox_append(
                        d->outbox, t->idempotency_key, t->rule, t->key, body, created, &seq);
        switch (r) {
        case FL_OUTBOX_APPENDED:
                d->n.appended++;
                p = fl_pending_new(t->idempotency_key, t->rule, t->key, t->workflow, NULL);
                if (!p)
                        return -ENOMEM; /* on disk: delivered after a restart */
                p->seq = seq;
                p->created_usec = created;
                p->due_usec = now_boottime(d);
                r = fl_pending_queue_add(d->queue, p);
                if (r < 0)
                        return r;
                outbox_works(d);
                break;
        case FL_OUTBOX_COALESCED:
                d->n.coalesced++;
                outbox_works(d);
                break;
        case FL_OUTBOX_EXISTS:
                d->n.repeated++;
                break;
        case -ENOBUFS:
                d->n.refused++;
                return r;
        case -ENOMEM:
                return r;
        default:
                /* The disk refused (or there is no outbox): keep it in memory. */
                k = keep_in_memory(d, t, body, created);
                if (d->outbox)
                        outbox_failed(d, "append", r);
                if (k == -ENOBUFS)
                        d->n.refused++;
                if (k < 0)
                        return k;
                break;
        }
        check_soft_limit(d);
        sync_soon(d);
        /* Not from here: the attempts start on the next loop iteration, so
         * a burst of firings is on disk before the first request. */
        if (d->in_flight < limit_in_flight(d) && now_boottime(d) >= d->hold_until_usec) {
                (void) sd_event_source_set_time(d->timer, 0);
                (void) sd_event_source_set_enabled(d->timer, SD_EVENT_ONESHOT);
        }
        return 0;
}

/* ---- attempts ---- */

static const char *triggers_url(const struct coordinator_delivery *d) {
        const char *url = d->sender ? fl_sender_url(d->sender) : NULL;

        return url ? url : d->cc->url;
}

static void report_unreachable(
        struct coordinator_delivery *d, const char *failure, const char *error, uint64_t retry_in) {
        /* Once per outage, and again when the kind of failure changes. */
        if (d->unavailable > 1 && strcmp(failure, d->last_failure) == 0)
                return;
        snprintf(d->last_failure, sizeof(d->last_failure), "%s", failure);
        (void) fl_report_coordinator_unreachable(d->reporter, triggers_url(d), failure, error,
                fl_pending_queue_size(d->queue), retry_in);
}

/* The coordinator did not answer usefully: everything waits. */
static uint64_t coordinator_unavailable(struct coordinator_delivery *d, uint64_t sent_usec,
        uint64_t retry_after_usec, const char *failure, const char *error) {
        struct fl_delivery_backoff b;
        uint64_t now = now_boottime(d), delay;

        /* Requests that were in flight together count as one failure. */
        if (d->unavailable == 0 || sent_usec >= d->hold_set_usec) {
                if (d->unavailable == 0)
                        d->unavailable_since_usec = now;
                d->unavailable++;
        }
        delay = fl_delivery_backoff_delay(
                backoff_policy(d, &b), d->unavailable, next_random(d), retry_after_usec);
        d->hold_until_usec = now + delay;
        d->hold_set_usec = now;
        report_unreachable(d, failure, error, delay);
        return delay;
}

static void coordinator_answers(struct coordinator_delivery *d) {
        if (d->unavailable == 0)
                return;
        d->unavailable = 0;
        d->hold_until_usec = 0;
        d->last_failure[0] = '\0';
        (void) fl_report_coordinator_reachable(d->reporter, triggers_url(d),
                now_boottime(d) - d->unavailable_since_usec, fl_pending_queue_size(d->queue));
}

static size_t waiting_for_operator(const struct coordinator_delivery *d) {
        size_t iter = 0, n = 0;
        struct fl_pending *p;

        while ((p = fl_pending_queue_next(d->queue, &iter)))
                n += p->needs_operator;
        return n;
}

/* One alert per problem per retry.operator interval: every answer has its
 * own entry anyway. */
static void raise_alert(struct coordinator_delivery *d, const struct fl_delivery_report *t,
        int status, const char *problem) {
        uint64_t now = now_boottime(d);

        if (strcmp(problem, d->alert) == 0 && now < d->alert_usec + d->cc->retry.operator_usec)
                return;
        snprintf(d->alert, sizeof(d->alert), "%s", problem);
        d->alert_usec = now;
        (void) fl_report_delivery_operator(d->reporter, t, status, problem, waiting_for_operator(d),
                d->cc->retry.operator_usec);
}

static void note_attempt(struct coordinator_delivery *d, struct fl_pending *p, const char *result) {
        /* A statistic: losing it (full disk) loses nothing else. */
        if (d->outbox && p->seq)
                (void) fl_outbox_note_attempt(d->outbox, p->seq, now_realtime(), result);
}

static void decided(
        struct coordinator_delivery *d, struct fl_pending *p, const struct fl_delivery_answer *a) {
        d->n.decided[a->decision]++;
        if (d->outbox && p->seq) {
                int r = fl_outbox_complete(
                        d->outbox, p->seq, fl_answer_decision_to_string(a->decision));
                /* Gone from the pending set anyway: a restart offers it once
                 * more and the coordinator answers "duplicate". */
                if (r < 0 && r != -ENOENT)
                        outbox_failed(d, "complete", r);
        }
        if (!p->seq)
                memory_only_gone(d, p);
        fl_pending_queue_remove(d->queue, p);
        check_soft_limit(d);
}

static void requeue(struct coordinator_delivery *d, struct fl_pending *p, uint64_t delay) {
        p->due_usec = now_boottime(d) + delay;
        fl_pending_queue_push(d->queue, p);
}

static void on_answer(const struct fl_http_result *res, void *userdata) {
        struct attempt *slot = userdata;
        struct coordinator_delivery *d = slot->d;
        struct fl_pending *p = slot->p;
        struct fl_delivery_answer a = {};
        struct fl_delivery_backoff b;
        char summary[192];
        uint64_t delay = UINT64_MAX;
        int r;

        slot->p = NULL;
        d->in_flight--;
        p->in_flight = false;

        if (res->failure != FL_HTTP_OK) {
                /* No answer: nothing was decided, the coordinator is away
                 * (or our own TLS files are unusable: an operator's job). */
                d->n.no_answer[res->failure]++;
                snprintf(summary, sizeof(summary), "%s: %s",
                        fl_http_failure_to_string(res->failure), res->error);
                note_attempt(d, p, summary);
                delay = coordinator_unavailable(
                        d, p->sent_usec, 0, fl_http_failure_to_string(res->failure), res->error);
                if (res->failure == FL_HTTP_TLS_CONFIG)
                        raise_alert(d, NULL, 0, summary);
                requeue(d, p, 0); /* waits for the hold like every trigger */
                schedule(d);
                return;
        }

        r = fl_delivery_answer_parse(res->status, res->body, res->body_size, res->retry_after,
                (time_t) (now_realtime() / USEC_PER_SEC), &a);
        if (r < 0) {
                /* Out of memory reading the answer: try again later. */
                requeue(d, p, d->cc->retry.initial_usec);
                schedule(d);
                return;
        }
        d->n.answers[a.verdict]++;
        fl_delivery_answer_summary(&a, summary, sizeof(summary));
        note_attempt(d, p, summary);

        switch (a.verdict) {
        case FL_DELIVERY_DECIDED:
                coordinator_answers(d);
                break;
        case FL_DELIVERY_RETRY:
                coordinator_answers(d);
                p->failures++;
                p->needs_operator = false;
                delay = fl_delivery_backoff_delay(
                        backoff_policy(d, &b), p->failures, next_random(d), a.retry_after_usec);
                break;
        case FL_DELIVERY_UNAVAILABLE:
                delay = coordinator_unavailable(
                        d, p->sent_usec, a.retry_after_usec, summary, a.message);
                break;
        default:
                coordinator_answers(d);
                p->failures++;
                p->needs_operator = true;
                delay = d->cc->retry.operator_usec;
                break;
        }

        struct fl_delivery_report t = {
                .rule = p->rule,
                .workflow = p->workflow,
                .key = p->key,
                .idempotency_key = p->id,
                .attempt = p->attempts,
                .retry_in_usec = delay,
                .elapsed_usec = res->elapsed_usec,
        };
        (void) fl_report_coordinator_answer(d->reporter, &t, &a);

        if (a.verdict == FL_DELIVERY_OPERATOR) {
                char problem[sizeof(summary) + FL_DELIVERY_ANSWER_FIELD_MAX + 2];
                snprintf(problem, sizeof(problem), "%s%s%s", summary, a.message ? ": " : "",
                        a.message ? a.message : "");
                raise_alert(d, &t, a.http_status, problem);
        }
        if (a.verdict == FL_DELIVERY_DECIDED)
                decided(d, p, &a);
        else
                requeue(d, p, a.verdict == FL_DELIVERY_UNAVAILABLE ? 0 : delay);
        fl_delivery_answer_done(&a);
        schedule(d);
}

static struct attempt *free_slot(struct coordinator_delivery *d) {
        for (int64_t i = 0; i < d->cc->max_in_flight; i++)
                if (!d->slots[i].p)
                        return &d->slots[i];
        return NULL;
}

/* Sends `p` (popped from the queue). Returns 0 when a request started or
 * `p` turned out to need none, or -errno when no request could be started
 * (`p` is queued again and the coordinator treated as unavailable). */
static int send_one(struct coordinator_delivery *d, struct fl_pending *p) {
        struct attempt *slot = free_slot(d);
        const struct fl_outbox_entry *e;
        const char *body, *error = NULL;
        char what[256];
        int r;

        if (!slot) {
                requeue(d, p, 0);
                return -EBUSY;
        }
        if (p->seq == 0) {
                r = persist(d, p);
                if (r == PERSIST_FOLDED)
                        return 0;
                if (r < 0) {
                        requeue(d, p, d->cc->retry.initial_usec);
                        return r;
                }
        }
        if (p->seq) {
                e = d->outbox ? fl_outbox_find(d->outbox, p->seq) : NULL;
                if (!e) {
                        /* Its record left the outbox (decided under another
                         * trigger's name): nothing to send. */
                        fl_pending_queue_remove(d->queue, p);
                        return 0;
                }
                body = e->body;
        } else {
                body = p->body;
        }

        /* Durable before it leaves (a record persisted just now). The
         * sender signs it as it goes out: a fresh created and nonce. */
        (void) sync_outbox(d);
        r = fl_sender_post(d->sender, body, strlen(body), on_answer, slot, &error);
        if (r < 0) {
                /* The sender cannot start, out of memory...: like no answer. */
                snprintf(what, sizeof(what), "cannot send: %s%s%s", strerror(-r), error ? ": " : "",
                        error ? error : "");
                (void) coordinator_unavailable(d, now_boottime(d), 0, "local", what);
                if (r != -ENOMEM && r != -EBUSY)
                        raise_alert(d, NULL, 0, what);
                requeue(d, p, 0);
                return r;
        }
        slot->d = d;
        slot->p = p;
        p->in_flight = true;
        p->attempts++;
        p->sent_usec = now_boottime(d);
        d->in_flight++;
        d->n.attempts++;
        return 0;
}

/* Starts what is due, then arms the timer for what is next. */
static void schedule(struct coordinator_delivery *d) {
        uint64_t now = now_boottime(d);
        struct fl_pending *p;

        if (d->stopped)
                return;
        (void) sync_outbox(d);
        while (d->in_flight < limit_in_flight(d) && now >= d->hold_until_usec &&
                (p = fl_pending_queue_peek(d->queue)) && p->due_usec <= now) {
                (void) fl_pending_queue_pop(d->queue);
                if (send_one(d, p) < 0)
                        break;
        }

        p = fl_pending_queue_peek(d->queue);
        if (!p || d->in_flight >= limit_in_flight(d)) {
                (void) sd_event_source_set_enabled(d->timer, SD_EVENT_OFF);
                return;
        }
        (void) sd_event_source_set_time(
                d->timer, p->due_usec > d->hold_until_usec ? p->due_usec : d->hold_until_usec);
        (void) sd_event_source_set_enabled(d->timer, SD_EVENT_ONESHOT);
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        struct coordinator_delivery *d = userdata;

        maybe_reopen_outbox(d);
        schedule(d);
        return 0;
}

/* ---- metrics ---- */

static void write_metrics_outbox(const struct coordinator_delivery *d, FILE *f) {
        uint64_t now = now_realtime(), oldest = now, bytes = 0, file_bytes = 0;
        size_t iter = 0, operator= 0;
        struct fl_pending *p;

        while ((p = fl_pending_queue_next(d->queue, &iter))) {
                if (p->created_usec && p->created_usec < oldest)
                        oldest = p->created_usec;
                operator+= p->needs_operator;
                if (!p->seq && p->body)
                        bytes += strlen(p->body);
        }
        if (d->outbox) {
                bytes += fl_outbox_pending_bytes(d->outbox);
                file_bytes = fl_outbox_file_bytes(d->outbox);
        }
        fl_prom_header(f, P "outbox_pending", "gauge",
                "Triggers waiting for a coordinator decision (in the outbox or, when it cannot "
                "be written, in memory).");
        fl_prom_sample(f, P "outbox_pending", NULL, fl_pending_queue_size(d->queue));
        fl_prom_header(f, P "outbox_memory_only", "gauge",
                "Pending triggers the outbox could not take, kept in memory only.");
        fl_prom_sample(f, P "outbox_memory_only", NULL, d->memory_only);
        fl_prom_header(f, P "outbox_bytes", "gauge", "Bytes of the pending triggers.");
        fl_prom_sample(f, P "outbox_bytes", NULL, bytes);
        fl_prom_header(f, P "outbox_file_bytes", "gauge", "Size of outbox.log.");
        fl_prom_sample(f, P "outbox_file_bytes", NULL, file_bytes);
        fl_prom_header(f, P "outbox_oldest_age_seconds", "gauge",
                "Age of the oldest pending trigger (0: none).");
        fl_prom_sample(f, P "outbox_oldest_age_seconds", NULL, (now - oldest) / USEC_PER_SEC);
        fl_prom_header(f, P "outbox_write_errors_total", "counter",
                "Outbox operations the disk refused (open, append, complete).");
        fl_prom_sample(f, P "outbox_write_errors_total", NULL, d->n.outbox_errors);
        fl_prom_header(f, P "outbox_recovered_bytes_total", "counter",
                "Bytes skipped when opening the outbox: a torn last record, damaged records.");
        fl_prom_sample(
                f, P "outbox_recovered_bytes_total", "kind=\"torn_tail\"", d->n.torn_tail_bytes);
        fl_prom_sample(f, P "outbox_recovered_bytes_total", "kind=\"corrupt\"", d->n.corrupt_bytes);
        fl_prom_header(f, P "delivery_waiting_for_operator", "gauge",
                "Pending triggers whose last answer needs an operator (400, 401, 403, 404...).");
        fl_prom_sample(f, P "delivery_waiting_for_operator", NULL, operator);
}

static int coordinator_write_metrics(void *impl, FILE *f) {
        const struct coordinator_delivery *d = impl;
        struct fl_sender_stats ss = {};
        char labels[64];

        write_metrics_outbox(d, f);
        fl_prom_header(f, P "delivery_firings_total", "counter",
                "Firings handed to the delivery, by what became of them: appended (a new "
                "outbox record), coalesced (folded into a pending one over the soft limit), "
                "memory_only (the outbox refused the write), refused (over the hard limit), "
                "repeated (already pending).");
        fl_prom_sample(f, P "delivery_firings_total", "result=\"appended\"", d->n.appended);
        fl_prom_sample(f, P "delivery_firings_total", "result=\"coalesced\"", d->n.coalesced);
        fl_prom_sample(f, P "delivery_firings_total", "result=\"memory_only\"", d->n.memory_only);
        fl_prom_sample(f, P "delivery_firings_total", "result=\"refused\"", d->n.refused);
        fl_prom_sample(f, P "delivery_firings_total", "result=\"repeated\"", d->n.repeated);
        fl_prom_header(f, P "delivery_attempts_total", "counter", "Requests sent.");
        fl_prom_sample(f, P "delivery_attempts_total", NULL, d->n.attempts);
        fl_prom_header(f, P "delivery_in_flight", "gauge", "Requests in progress.");
        fl_prom_sample(f, P "delivery_in_flight", NULL, d->in_flight);
        fl_prom_header(f, P "delivery_decisions_total", "counter",
                "Triggers the coordinator decided on, by decision (removed from the outbox).");
        for (int k = FL_ANSWER_STARTED; k < _FL_ANSWER_DECISION_MAX; k++) {
                if (k == FL_ANSWER_DEFERRED)
                        continue;
                snprintf(
                        labels, sizeof(labels), "decision=\"%s\"", fl_answer_decision_to_string(k));
                fl_prom_sample(f, P "delivery_decisions_total", labels, d->n.decided[k]);
        }
        fl_prom_header(f, P "delivery_answers_total", "counter",
                "Coordinator answers by verdict: decided, retry (deferred), unavailable (429, "
                "5xx), operator (400, 401, 403, 404...).");
        for (int v = 0; v < _FL_DELIVERY_VERDICT_MAX; v++) {
                snprintf(
                        labels, sizeof(labels), "verdict=\"%s\"", fl_delivery_verdict_to_string(v));
                fl_prom_sample(f, P "delivery_answers_total", labels, d->n.answers[v]);
        }
        fl_prom_header(
                f, P "delivery_errors_total", "counter", "Requests that got no answer, by cause.");
        for (int k = FL_HTTP_CONNECT; k < _FL_HTTP_FAILURE_MAX; k++) {
                snprintf(labels, sizeof(labels), "cause=\"%s\"", fl_http_failure_to_string(k));
                fl_prom_sample(f, P "delivery_errors_total", labels, d->n.no_answer[k]);
        }
        fl_prom_header(f, P "delivery_coordinator_up", "gauge",
                "1 while the coordinator answers, 0 while deliveries wait for it.");
        fl_prom_sample(f, P "delivery_coordinator_up", NULL, d->unavailable == 0);
        if (d->sender)
                fl_sender_get_stats(d->sender, &ss);
        fl_prom_header(f, P "delivery_connections_total", "counter",
                "Connections opened to the coordinator (the rest reused kept-alive ones).");
        fl_prom_sample(f, P "delivery_connections_total", NULL, ss.connections);
        fl_prom_header(f, P "delivery_client_loaded", "gauge",
                "1 while the sender process (faultline-agent-sender) runs; it exits after "
                "idle_release without work.");
        fl_prom_sample(f, P "delivery_client_loaded", NULL, ss.running > 0);
        fl_prom_header(f, P "delivery_sender_spawns_total", "counter",
                "Sender processes started (at start, then after each idle exit or crash).");
        fl_prom_sample(f, P "delivery_sender_spawns_total", NULL, ss.spawns);
        fl_prom_header(f, P "delivery_sender_exits_total", "counter",
                "Sender processes that exited, by how: idle (end of file, status 0) or crash "
                "(a signal or another status; its requests in flight are retried).");
        fl_prom_sample(f, P "delivery_sender_exits_total", "how=\"idle\"", ss.exits - ss.crashes);
        fl_prom_sample(f, P "delivery_sender_exits_total", "how=\"crash\"", ss.crashes);
        return ferror(f) ? -EIO : 0;
}

/* ---- lifecycle ---- */

static int coordinator_flush(void *impl) {
        return sync_outbox(impl);
}

static void coordinator_stop(void *impl) {
        struct coordinator_delivery *d = impl;
        char ids[LOST_IDS_MAX] = "";
        size_t iter = 0, used = 0, lost = 0;
        struct fl_pending *p;

        if (d->stopped)
                return;
        d->stopped = true;
        /* Requests in flight are dropped: their records stay in the outbox
         * and go again at the next start (answered "duplicate" if the
         * coordinator had decided). */
        d->sender = fl_sender_free(d->sender);
        for (int64_t i = 0; i < d->cc->max_in_flight; i++)
                if (d->slots[i].p) {
                        d->slots[i].p->in_flight = false;
                        d->slots[i].p = NULL;
                }
        d->in_flight = 0;
        d->timer = sd_event_source_disable_unref(d->timer);

        /* A last chance for triggers only in memory; loudly lost if not. */
        maybe_reopen_outbox(d);
        persist_memory_only(d);
        (void) sync_outbox(d);
        while ((p = fl_pending_queue_next(d->queue, &iter))) {
                if (p->seq)
                        continue;
                lost++;
                if (used + strlen(p->id) + 2 < sizeof(ids))
                        used += (size_t) snprintf(
                                ids + used, sizeof(ids) - used, "%s%s", used ? "," : "", p->id);
        }
        if (lost)
                (void) fl_report_triggers_lost(d->reporter, state_dir(d), lost, ids,
                        d->outbox_error ? d->outbox_error : -EROFS);
}

static void coordinator_free(void *impl) {
        struct coordinator_delivery *d = impl;

        if (!d)
                return;
        fl_sender_free(d->sender);
        sd_event_source_disable_unref(d->timer);
        sd_event_source_disable_unref(d->sync);
        fl_pending_queue_free(d->queue);
        fl_outbox_free(d->outbox);
        sd_event_unref(d->event);
        free(d->slots);
        free(d);
}

static const struct fl_delivery_ops coordinator_ops = {
        .name = "coordinator",
        .submit = coordinator_submit,
        .write_metrics = coordinator_write_metrics,
        .flush = coordinator_flush,
        .stop = coordinator_stop,
        .free = coordinator_free,
};

int fl_delivery_coordinator_new(const struct fl_delivery_context *ctx, struct fl_delivery **ret) {
        const struct fl_agent_coordinator *cc = &ctx->config->coordinator;
        struct coordinator_delivery *d = calloc(1, sizeof(*d));
        struct fl_sender_options so = {
                .hello =
                        {
                                .url = cc->url,
                                .signing_key_file = cc->signing_key_file,
                                .key_id = cc->key_id,
                                .ca_file = cc->ca_file,
                                .cert_file = cc->cert_file,
                                .key_file = cc->key_file,
                                .timeout_usec = cc->timeout_usec,
                                .max_connections = (unsigned) cc->max_in_flight,
                        },
                .idle_release_usec = cc->idle_release_usec,
        };
        _cleanup_free_ char *error = NULL;
        int r;

        if (!d)
                return -ENOMEM;
        d->event = sd_event_ref(ctx->event);
        d->config = ctx->config;
        d->cc = cc;
        d->reporter = ctx->reporter;
        if (getrandom(&d->random, sizeof(d->random), GRND_NONBLOCK) != sizeof(d->random))
                d->random = now_realtime() ^ (uint64_t) getpid();
        d->slots = calloc((size_t) cc->max_in_flight, sizeof(*d->slots));
        r = d->slots ? fl_pending_queue_new(&d->queue) : -ENOMEM;
        if (r < 0)
                goto fail;

        r = fl_sender_new(ctx->event, &so, &d->sender);
        if (r < 0) {
                fl_report_log(
                        ctx->reporter, LOG_ERR, "cannot find %s: %s", FL_SENDER_NAME, strerror(-r));
                goto fail;
        }
        /* Started once now, so that an unusable signing key or TLS file
         * fails the start, as it always has; it exits again when idle. */
        r = fl_sender_start(d->sender, &error);
        if (r < 0) {
                fl_report_log(ctx->reporter, LOG_ERR, "cannot start %s: %s", FL_SENDER_NAME,
                        error ? error : strerror(-r));
                goto fail;
        }
        r = sd_event_add_time(
                ctx->event, &d->timer, CLOCK_BOOTTIME, 0, TIMER_ACCURACY_USEC, on_timer, d);
        if (r >= 0)
                r = sd_event_source_set_enabled(d->timer, SD_EVENT_OFF);
        if (r < 0)
                goto fail;
        (void) sd_event_source_set_description(d->timer, "delivery");
        r = sd_event_add_defer(ctx->event, &d->sync, on_sync, d);
        if (r >= 0)
                r = sd_event_source_set_enabled(d->sync, SD_EVENT_OFF);
        if (r < 0)
                goto fail;
        (void) sd_event_source_set_description(d->sync, "outbox-sync");

        r = open_outbox(d);
        if (r == -EWOULDBLOCK) {
                fl_report_log(ctx->reporter, LOG_ERR,
                        "the outbox in %s is locked by another process (another agent with the "
                        "same state_dir?)",
                        state_dir(d));
                goto fail;
        }
        if (r == -ENOMEM)
                goto fail;
        if (r < 0) {
                /* Not fatal: firings are kept in memory until it works. */
                d->outbox = fl_outbox_free(d->outbox);
                d->outbox_retry_usec = now_boottime(d) + OUTBOX_REOPEN_USEC;
                outbox_failed(d, "open", r);
        }
        schedule(d);
        return fl_delivery_wrap(&coordinator_ops, d, ret);
fail:
        coordinator_free(d);
        return r;
}
