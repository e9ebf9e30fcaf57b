/* SPDX-License-Identifier: Apache-2.0 */
#include "decide.h"

#include "hashmap.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define USEC_PER_SEC         UINT64_C(1000000)
#define DEFAULT_MAX_PENDING  10000
#define FOLLOW_PAGE_SIZE     1000 /* the server's maximum */
#define FOLLOW_PAGES_MAX     20   /* 20,000 executions in one scope and period */
#define LOCALS_MAX           10000
#define SWEEP_INTERVAL_SEC   30
#define CACHE_IDLE_USEC      (120 * USEC_PER_SEC)
#define UNCERTAIN_CHECK_USEC (10 * USEC_PER_SEC)
/* Own starts a count query leaves out by id (they are added from the local
 * record instead, so visibility's copy is not counted twice). Each costs the
 * dev server ~0.02 ms (64: 2.2 ms a count instead of 0.85 ms), so beyond
 * this the rest is counted twice, an over-estimate. */
#define COUNT_EXCLUDE_MAX    64

static const char *const decision_names[_FL_DECISION_MAX] = {
        [FL_DECISION_STARTED] = "started",
        [FL_DECISION_DUPLICATE] = "duplicate",
        [FL_DECISION_REJECTED] = "rejected",
        [FL_DECISION_DEFERRED] = "deferred",
        [FL_DECISION_DRY_RUN] = "dry_run",
        [FL_DECISION_FAILED] = "failed",
};

const char *fl_decision_to_string(enum fl_decision d) {
        return (unsigned) d < _FL_DECISION_MAX ? decision_names[d] : NULL;
}

static const char *const check_names[_FL_CHECK_MAX] = {
        [FL_CHECK_NONE] = "none",
        [FL_CHECK_CACHE] = "cache",
        [FL_CHECK_COUNT] = "count",
        [FL_CHECK_LIST] = "list",
};

const char *fl_check_path_to_string(enum fl_check_path p) {
        return (unsigned) p < _FL_CHECK_MAX ? check_names[p] : NULL;
}

void fl_task_queue_name(
        enum fl_queue_target target, const struct fl_target *t, char *buf, size_t size) {
        switch (target) {
        case FL_QUEUE_NODE_TYPE:
                snprintf(buf, size, "type/%s/%s", t->datacenter, t->node_type);
                break;
        case FL_QUEUE_GENERAL:
                snprintf(buf, size, "general/%s", t->datacenter);
                break;
        default:
                snprintf(buf, size, "node/%s", t->node);
                break;
        }
}

static uint64_t mono_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000;
}

static uint64_t real_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000;
}

/* ---- per scope key: a visibility listing and our own starts ---------------- */

struct local_meta {
        bool uncertain;       /* the start's outcome is unknown (timeout, lost answer) */
        bool checking;        /* a describe is resolving it */
        uint64_t check_after; /* monotonic */
};

struct scope_cache {
        struct fl_decider *d;
        char *key;
        unsigned n_ref;

        struct fl_execution *listed; /* workflow_id strings owned */
        size_t n_listed;
        bool truncated;
        bool valid;
        uint64_t listed_at; /* monotonic time the listing was requested */

        struct fl_execution *locals; /* workflow_id strings owned */
        struct local_meta *meta;
        size_t n_locals, n_locals_allocated;

        unsigned fetching; /* background refreshes in flight */
        uint64_t used_at;
        uint64_t lookback_usec; /* longest period of the workflows using it */
};

struct lock_queue;
struct decision;

struct fl_decider {
        struct event_base *base;
        struct fl_temporal *temporal;
        const struct fl_pause_state *pauses;
        uint64_t reject_cache_usec;
        size_t max_pending;

        struct fl_hashmap *caches; /* scope key -> struct scope_cache */
        struct fl_hashmap *queues; /* lock key -> struct lock_queue */
        struct event *sweep;
        bool closing;

        uint64_t pending, cached, listings, counts;
};

struct lock_queue {
        char *key;
        struct decision *head, *tail;
        bool kicking;
};

enum phase {
        PHASE_QUEUED,
        PHASE_COUNT,  /* counts for every constraint */
        PHASE_FETCH,  /* fresh listings for every scope */
        PHASE_FOLLOW, /* every page of truncated listings, before an allow */
        PHASE_DESCRIBE,
        PHASE_START,
};

struct decision {
        struct fl_decider *d;
        struct lock_queue *queue;
        struct decision *next;
        enum phase phase;
        bool running;

        struct fl_workflow *workflow;
        char node[FL_NAME_MAX + 1], node_type[FL_NAME_MAX + 1], datacenter[FL_NAME_MAX + 1];
        char rule[FL_RULE_NAME_MAX + 1];
        char workflow_id[FL_WORKFLOW_ID_MAX];
        char task_queue[FL_TASK_QUEUE_MAX];
        struct fl_target target;
        bool dry_run;
        fl_decision_build_fn build;
        fl_decision_fn done;
        void *userdata;

        bool uses[_FL_SCOPE_MAX];
        struct scope_cache *caches[_FL_SCOPE_MAX];
        unsigned fetches; /* in flight */
        int fetch_error;
        struct count *counts; /* PHASE_COUNT: one per constraint */
        unsigned counting;    /* in flight */
        int count_error;
        enum fl_check_path check;
        char message[256];
        struct fl_verdict verdict;
};

/* One constraint's count-first query. */
struct count {
        struct decision *x;
        uint64_t since_usec; /* as the query has it: floored to the second */
        char **excluded;     /* own starts the query leaves out, counted locally */
        size_t n_excluded;
        int64_t visible;
};

struct fetch {
        struct fl_decider *d;
        struct scope_cache *cache;
        struct decision *decision; /* NULL: a background refresh */
        char *query;
        uint64_t issued_at;
        unsigned page_size;
        bool follow;
        unsigned pages;
        struct fl_execution *items;
        size_t n_items, n_allocated;
};

static void cache_unref(struct scope_cache *c);

static void executions_free(struct fl_execution *e, size_t n) {
        for (size_t i = 0; i < n; i++)
                free((char *) e[i].workflow_id);
        free(e);
}

static struct scope_cache *cache_get(
        struct fl_decider *d, const char *key, uint64_t lookback_usec) {
        struct scope_cache *c = fl_hashmap_get(d->caches, key);

        if (!c) {
                c = calloc(1, sizeof(*c));
                if (!c || !(c->key = strdup(key)) || fl_hashmap_put(d->caches, key, c, NULL) < 0) {
                        if (c)
                                free(c->key);
                        free(c);
                        return NULL;
                }
                c->d = d;
        }
        c->n_ref++;
        c->used_at = mono_usec();
        /* A reload may shorten the period: the cache keeps the longest. */
        if (lookback_usec > c->lookback_usec)
                c->lookback_usec = lookback_usec;
        return c;
}

static void cache_free(struct scope_cache *c) {
        executions_free(c->listed, c->n_listed);
        executions_free(c->locals, c->n_locals);
        free(c->meta);
        free(c->key);
        free(c);
}

static void cache_unref(struct scope_cache *c) {
        if (c)
                c->n_ref--;
        /* Freed by the sweep once unused, idle and holding no local starts. */
}

static void local_remove(struct scope_cache *c, size_t i) {
        free((char *) c->locals[i].workflow_id);
        memmove(&c->locals[i], &c->locals[i + 1], (c->n_locals - i - 1) * sizeof(c->locals[0]));
        memmove(&c->meta[i], &c->meta[i + 1], (c->n_locals - i - 1) * sizeof(c->meta[0]));
        c->n_locals--;
}

static ssize_t local_find(const struct scope_cache *c, const char *id) {
        for (size_t i = 0; i < c->n_locals; i++)
                if (strcmp(c->locals[i].workflow_id, id) == 0)
                        return (ssize_t) i;
        return -1;
}

/* Records a start made here (or one whose outcome is unknown). */
static int local_add(struct scope_cache *c, const char *id, uint64_t start_usec, bool uncertain) {
        ssize_t at = local_find(c, id);

        if (at >= 0) {
                c->meta[at].uncertain = c->meta[at].uncertain && uncertain;
                return 0;
        }
        if (c->n_locals >= LOCALS_MAX)
                local_remove(c, 0); /* the oldest: long out of any sane period */
        if (c->n_locals == c->n_locals_allocated) {
                size_t n = c->n_locals_allocated ? c->n_locals_allocated * 2 : 4;
                struct fl_execution *e = reallocarray(c->locals, n, sizeof(*e));
                if (!e)
                        return -ENOMEM;
                c->locals = e;
                struct local_meta *m = reallocarray(c->meta, n, sizeof(*m));
                if (!m)
                        return -ENOMEM;
                c->meta = m;
                c->n_locals_allocated = n;
        }
        c->locals[c->n_locals] = (struct fl_execution){
                .workflow_id = strdup(id), .start_usec = start_usec, .running = true};
        if (!c->locals[c->n_locals].workflow_id)
                return -ENOMEM;
        c->meta[c->n_locals] = (struct local_meta){
                .uncertain = uncertain, .check_after = mono_usec() + UNCERTAIN_CHECK_USEC};
        c->n_locals++;
        return 0;
}

/* Starts older than every period of the workflow count for nothing. */
static void locals_prune(struct scope_cache *c, uint64_t lookback_usec, uint64_t now) {
        for (size_t i = 0; i < c->n_locals;)
                if (c->locals[i].start_usec + lookback_usec < now && !c->meta[i].checking)
                        local_remove(c, i);
                else
                        i++;
}

/* ---- resolving starts whose outcome is unknown --------------------------- */

struct check {
        struct scope_cache *cache;
        char *workflow_id;
};

static void on_check(const struct fl_temporal_reply *reply,
        const struct fl_temporal_execution *execution, json_t *raw, void *userdata) {
        struct check *k = userdata;
        ssize_t at = local_find(k->cache, k->workflow_id);

        if (at >= 0) {
                k->cache->meta[at].checking = false;
                if (reply->error == -ENOENT)
                        local_remove(k->cache, (size_t) at); /* never started */
                else if (reply->error == 0) {
                        k->cache->meta[at].uncertain = false;
                        k->cache->locals[at].start_usec = (uint64_t) execution->start_time_usec;
                } else
                        k->cache->meta[at].check_after = mono_usec() + UNCERTAIN_CHECK_USEC;
        }
        cache_unref(k->cache);
        free(k->workflow_id);
        free(k);
}

static void locals_check(struct scope_cache *c) {
        uint64_t now = mono_usec();

        if (c->d->closing)
                return;
        for (size_t i = 0; i < c->n_locals; i++) {
                struct local_meta *m = &c->meta[i];
                struct check *k;

                if (!m->uncertain || m->checking || m->check_after > now)
                        continue;
                k = calloc(1, sizeof(*k));
                if (!k || !(k->workflow_id = strdup(c->locals[i].workflow_id))) {
                        free(k);
                        return;
                }
                k->cache = c;
                c->n_ref++;
                if (fl_temporal_describe(c->d->temporal, k->workflow_id, NULL, FL_TEMPORAL_NO_RETRY,
                            on_check, k) < 0) {
                        c->n_ref--;
                        free(k->workflow_id);
                        free(k);
                        m->check_after = now + UNCERTAIN_CHECK_USEC;
                        continue;
                }
                m->checking = true;
        }
}

/* ---- visibility listings -------------------------------------------------- */

static void fetch_free(struct fetch *f) {
        if (!f)
                return;
        executions_free(f->items, f->n_items);
        free(f->query);
        free(f);
}

static void decision_fetched(struct decision *x, int error, const char *message);

/* A listing replaces the cache's only if it was requested later. */
static void fetch_install(struct fetch *f, bool truncated) {
        struct scope_cache *c = f->cache;

        if (c->valid && f->issued_at < c->listed_at)
                return;
        executions_free(c->listed, c->n_listed);
        c->listed = TAKE_PTR(f->items);
        c->n_listed = f->n_items;
        f->n_items = 0;
        c->truncated = truncated;
        c->listed_at = f->issued_at;
        c->valid = true;
        /* What visibility shows now is known: uncertain starts it lists are
         * settled. */
        for (size_t i = 0; i < c->n_locals; i++)
                for (size_t k = 0; c->meta[i].uncertain && k < c->n_listed; k++)
                        if (strcmp(c->listed[k].workflow_id, c->locals[i].workflow_id) == 0)
                                c->meta[i].uncertain = false;
}

static int fetch_submit(struct fetch *f, const char *token);

static void on_list(const struct fl_temporal_reply *reply,
        const struct fl_temporal_execution *executions, size_t n, const char *next_page_token,
        void *userdata) {
        struct fetch *f = userdata;
        struct decision *x = f->decision;
        int r = reply->error;

        if (r == 0 && n > 0) {
                if (f->n_items + n > f->n_allocated) {
                        size_t want = f->n_items + n;
                        struct fl_execution *e = reallocarray(f->items, want, sizeof(*e));
                        if (!e)
                                r = -ENOMEM;
                        else {
                                f->items = e;
                                f->n_allocated = want;
                        }
                }
                for (size_t i = 0; r == 0 && i < n; i++) {
                        const struct fl_temporal_execution *e = &executions[i];
                        char *id = strdup(e->workflow_id ? e->workflow_id : "");
                        if (!id) {
                                r = -ENOMEM;
                                break;
                        }
                        f->items[f->n_items++] = (struct fl_execution){
                                .workflow_id = id,
                                .start_usec =
                                        e->start_time_usec > 0 ? (uint64_t) e->start_time_usec : 0,
                                .running = e->status == FL_TEMPORAL_STATUS_RUNNING,
                        };
                }
        }
        f->pages++;
        if (r == 0 && next_page_token && f->follow && f->pages < FOLLOW_PAGES_MAX &&
                !f->d->closing) {
                r = fetch_submit(f, next_page_token);
                if (r == 0)
                        return; /* the next page continues in a new callback */
        }
        if (!x)
                f->cache->fetching--;
        if (r == 0) {
                fetch_install(f, next_page_token != NULL);
                locals_check(f->cache);
        }
        cache_unref(f->cache);
        fetch_free(f);
        if (x)
                decision_fetched(x, r, r == reply->error ? reply->message : NULL);
}

static int fetch_submit(struct fetch *f, const char *token) {
        f->d->listings++;
        return fl_temporal_list(f->d->temporal, f->query, f->page_size, token, 0, on_list, f);
}

/* Lists one scope's executions within the workflow's longest period.
 * `x` NULL makes a background refresh. */
static int fetch_start(struct fl_decider *d, struct scope_cache *c, struct decision *x,
        const struct fl_workflow *w, enum fl_scope s, const struct fl_target *t, bool follow) {
        uint64_t now = real_usec();
        struct fetch *f;
        int r;

        f = calloc(1, sizeof(*f));
        if (!f)
                return -ENOMEM;
        f->d = d;
        f->cache = c;
        f->decision = x;
        f->follow = follow;
        f->issued_at = mono_usec();
        f->page_size = follow ? FOLLOW_PAGE_SIZE
                              : (unsigned) fl_constraints_page_size(
                                        w->constraints, w->n_constraints, s, c->n_locals);
        r = fl_scope_query(
                w->name, s, t, now > w->lookback_usec ? now - w->lookback_usec : 0, &f->query);
        if (r < 0) {
                free(f);
                return r;
        }
        r = fetch_submit(f, NULL);
        if (r < 0) {
                fetch_free(f);
                return r;
        }
        c->n_ref++;
        if (!x)
                c->fetching++;
        return 0;
}

/* ---- decisions ------------------------------------------------------------ */

static void queue_kick(struct fl_decider *d, struct lock_queue *q);

static void decision_free(struct decision *x) {
        for (size_t i = 0; x->counts && i < x->workflow->n_constraints; i++) {
                for (size_t k = 0; k < x->counts[i].n_excluded; k++)
                        free(x->counts[i].excluded[k]);
                free(x->counts[i].excluded);
        }
        free(x->counts);
        for (int s = 0; s < _FL_SCOPE_MAX; s++)
                cache_unref(x->caches[s]);
        fl_workflow_unref(x->workflow);
        free(x);
}

static void finish(struct decision *x, struct fl_decision_result *res) {
        struct fl_decider *d = x->d;
        struct lock_queue *q = x->queue;

        res->workflow = x->workflow;
        res->workflow_id = x->workflow_id;
        res->check = x->check;
        res->task_queue = x->task_queue;
        if (x->dry_run && res->decision != FL_DECISION_FAILED) {
                res->would = res->decision;
                res->decision = FL_DECISION_DRY_RUN;
        }
        x->done(res, x->userdata);

        /* x is the head of its queue: the next one may go. */
        q->head = x->next;
        if (!q->head)
                q->tail = NULL;
        d->pending--;
        decision_free(x);
        queue_kick(d, q);
}

static void finish_simple(struct decision *x, enum fl_decision decision) {
        struct fl_decision_result res = {.decision = decision, .constraint = -1};

        finish(x, &res);
}

static void finish_failed(struct decision *x, int error, const char *message) {
        struct fl_decision_result res = {
                .decision = FL_DECISION_FAILED, .constraint = -1, .error = error};

        snprintf(x->message, sizeof(x->message), "%s",
                message ? message
                        : (error == -EAGAIN ? "Temporal is unavailable" : strerror(-error)));
        res.reason = x->message;
        finish(x, &res);
}

static void finish_rejected(struct decision *x, bool cached) {
        struct fl_decision_result res = {
                .decision = FL_DECISION_REJECTED,
                .constraint = (ssize_t) x->verdict.constraint,
                .count = x->verdict.count,
                .reason = x->verdict.reason,
                .cached = cached,
        };

        finish(x, &res);
}

/* The views of every used scope, for fl_constraints_decide(). A start of
 * this very id whose outcome is unknown is left out: it either happened
 * (and the start answers "duplicate") or did not (and must not count). */
static void verdict(struct decision *x, struct fl_verdict *ret) {
        struct fl_scope_view views[_FL_SCOPE_MAX] = {};
        struct fl_execution *copies[_FL_SCOPE_MAX] = {};

        for (int s = 0; s < _FL_SCOPE_MAX; s++) {
                struct scope_cache *c = x->caches[s];
                ssize_t own;

                if (!x->uses[s] || !c)
                        continue;
                views[s] = (struct fl_scope_view){
                        .listed = c->listed,
                        .n_listed = c->n_listed,
                        .truncated = c->truncated,
                        .local = c->locals,
                        .n_local = c->n_locals,
                };
                own = local_find(c, x->workflow_id);
                if (own >= 0 && c->meta[own].uncertain) {
                        copies[s] = calloc(c->n_locals, sizeof(struct fl_execution));
                        if (copies[s]) {
                                size_t n = 0;
                                for (size_t i = 0; i < c->n_locals; i++)
                                        if ((ssize_t) i != own)
                                                copies[s][n++] = c->locals[i];
                                views[s].local = copies[s];
                                views[s].n_local = n;
                        }
                }
        }
        fl_constraints_decide(x->workflow->constraints, x->workflow->n_constraints, x->workflow_id,
                views, real_usec(), ret);
        for (int s = 0; s < _FL_SCOPE_MAX; s++)
                free(copies[s]);
}

static bool any_truncated(const struct decision *x) {
        for (int s = 0; s < _FL_SCOPE_MAX; s++)
                if (x->uses[s] && x->caches[s]->truncated)
                        return true;
        return false;
}

static void start_workflow(struct decision *x);
static void describe_duplicate(struct decision *x);

/* Fresh listings arrived: decide for real. */
static void decide_fresh(struct decision *x) {
        verdict(x, &x->verdict);
        switch (x->verdict.kind) {
        case FL_VERDICT_DUPLICATE:
                finish_simple(x, FL_DECISION_DUPLICATE);
                return;
        case FL_VERDICT_REJECT:
                if (x->verdict.maybe_duplicate)
                        describe_duplicate(x);
                else
                        finish_rejected(x, false);
                return;
        case FL_VERDICT_ALLOW:
                break;
        }
        /* An allow needs every execution of the period counted: a listing cut
         * at its page size is only enough to prove a limit reached. */
        if (any_truncated(x)) {
                if (x->phase == PHASE_FETCH) {
                        x->phase = PHASE_FOLLOW;
                        for (int s = 0; s < _FL_SCOPE_MAX; s++) {
                                int r;
                                if (!x->uses[s] || !x->caches[s]->truncated)
                                        continue;
                                r = fetch_start(x->d, x->caches[s], x, x->workflow,
                                        (enum fl_scope) s, &x->target, true);
                                if (r < 0) {
                                        if (x->fetches == 0)
                                                finish_failed(x, r, NULL);
                                        else
                                                x->fetch_error = r;
                                        return;
                                }
                                x->fetches++;
                        }
                        return;
                }
                x->verdict = (struct fl_verdict){.kind = FL_VERDICT_REJECT};
                snprintf(x->verdict.reason, sizeof(x->verdict.reason),
                        "more than %d executions in scope: too many to count, refusing to "
                        "guess",
                        FOLLOW_PAGE_SIZE * FOLLOW_PAGES_MAX);
                finish_rejected(x, false);
                return;
        }
        if (x->dry_run) {
                finish_simple(x, FL_DECISION_STARTED);
                return;
        }
        start_workflow(x);
}

static void decision_fetched(struct decision *x, int error, const char *message) {
        x->fetches--;
        if (error < 0 && x->fetch_error == 0) {
                x->fetch_error = error;
                if (message)
                        snprintf(x->message, sizeof(x->message), "%s", message);
        }
        if (x->fetches > 0)
                return;
        if (x->fetch_error < 0) {
                finish_failed(x, x->fetch_error, x->message[0] ? x->message : NULL);
                return;
        }
        decide_fresh(x);
}

static void on_describe(const struct fl_temporal_reply *reply,
        const struct fl_temporal_execution *execution, json_t *raw, void *userdata) {
        struct decision *x = userdata;
        struct fl_decision_result res = {.decision = FL_DECISION_DUPLICATE, .constraint = -1};

        if (reply->error == -ENOENT) {
                finish_rejected(x, false);
                return;
        }
        if (reply->error < 0) {
                finish_failed(x, reply->error, reply->message);
                return;
        }
        res.run_id = execution->run_id;
        finish(x, &res);
}

static void describe_duplicate(struct decision *x) {
        int r;

        x->phase = PHASE_DESCRIBE;
        r = fl_temporal_describe(x->d->temporal, x->workflow_id, NULL, 0, on_describe, x);
        if (r < 0)
                finish_failed(x, r, NULL);
}

/* Refusals that prove nothing was started; anything else may have started
 * the workflow without our hearing of it. */
static bool definitely_not_started(int error) {
        return error == -EINVAL || error == -EACCES || error == -ENOENT ||
               error == -ENOTRECOVERABLE || error == -EOPNOTSUPP || error == -EEXIST;
}

static void record_start(struct decision *x, uint64_t start_usec, bool uncertain) {
        for (int s = 0; s < _FL_SCOPE_MAX; s++)
                if (x->uses[s])
                        (void) local_add(x->caches[s], x->workflow_id, start_usec, uncertain);
}

static void on_started(const struct fl_temporal_reply *reply,
        const struct fl_temporal_started *started, void *userdata) {
        struct decision *x = userdata;
        struct fl_decision_result res = {.constraint = -1};

        if (reply->error < 0) {
                if (!definitely_not_started(reply->error))
                        record_start(x, real_usec(), true);
                finish_failed(x, reply->error, reply->message);
                return;
        }
        res.run_id = started->run_id;
        if (started->started) {
                record_start(x, real_usec(), false);
                res.decision = FL_DECISION_STARTED;
        } else
                res.decision = FL_DECISION_DUPLICATE;
        finish(x, &res);
}

static void start_workflow(struct decision *x) {
        _cleanup_(json_decrefp) json_t *input = NULL, *memo = NULL;
        struct fl_temporal_start req;
        int r;

        x->phase = PHASE_START;
        r = x->build(&input, &memo, x->userdata);
        if (r < 0) {
                finish_failed(x, r, "cannot build the workflow input");
                return;
        }
        req = (struct fl_temporal_start){
                .workflow_id = x->workflow_id,
                .workflow_type = x->workflow->workflow_type,
                .task_queue = x->task_queue,
                .input = input,
                .memo = memo,
                .search_attributes =
                        {
                                .node = x->node,
                                .node_type = x->node_type,
                                .datacenter = x->datacenter,
                                .rule = x->rule,
                                .workflow = x->workflow->name,
                        },
                .execution_timeout_usec = x->workflow->execution_timeout_usec,
                .reuse_policy = FL_TEMPORAL_REUSE_REJECT_DUPLICATE,
                .conflict_policy = FL_TEMPORAL_CONFLICT_USE_EXISTING,
        };
        /* The client copies what it needs before returning. */
        r = fl_temporal_start_workflow(x->d->temporal, &req, 0, on_started, x);
        if (r < 0)
                finish_failed(x, r, NULL);
}

static bool caches_fresh(const struct decision *x, uint64_t now) {
        for (int s = 0; s < _FL_SCOPE_MAX; s++) {
                const struct scope_cache *c = x->caches[s];
                if (x->uses[s] && (!c->valid || c->listed_at + x->d->reject_cache_usec <= now))
                        return false;
        }
        return true;
}

/* Keeps hot scopes' listings fresh in the background, so rejections keep
 * coming from the cache without waiting for Temporal. */
static void refresh_stale(struct decision *x, uint64_t now) {
        for (int s = 0; s < _FL_SCOPE_MAX; s++) {
                struct scope_cache *c = x->caches[s];
                if (!x->uses[s] || c->fetching > 0 ||
                        c->listed_at + x->d->reject_cache_usec / 2 > now)
                        continue;
                (void) fetch_start(
                        x->d, c, NULL, x->workflow, (enum fl_scope) s, &x->target, false);
        }
}

/* Fresh listings for every scope: the exact path. */
static void lists_start(struct decision *x) {
        x->phase = PHASE_FETCH;
        x->check = FL_CHECK_LIST;
        for (int s = 0; s < _FL_SCOPE_MAX; s++) {
                int r;
                if (!x->uses[s])
                        continue;
                r = fetch_start(
                        x->d, x->caches[s], x, x->workflow, (enum fl_scope) s, &x->target, false);
                if (r < 0) {
                        if (x->fetches == 0)
                                finish_failed(x, r, NULL);
                        else
                                x->fetch_error = r; /* the others report back first */
                        return;
                }
                x->fetches++;
        }
}

/* Is this workflow id a start made here whose outcome is known? */
static bool own_start(const struct decision *x) {
        for (int s = 0; s < _FL_SCOPE_MAX; s++) {
                ssize_t at;
                if (!x->uses[s])
                        continue;
                at = local_find(x->caches[s], x->workflow_id);
                if (at >= 0 && !x->caches[s]->meta[at].uncertain)
                        return true;
        }
        return false;
}

/* Counting first only pays when it can allow: a dry run wants the exact
 * answer (a duplicate says so, a count cannot), and a listing that already
 * showed a limit reached will most likely show it again. Which path runs is
 * a matter of speed only: both allow exactly. */
static bool count_first(struct decision *x) {
        struct fl_verdict v;

        if (x->dry_run)
                return false;
        for (int s = 0; s < _FL_SCOPE_MAX; s++)
                if (x->uses[s] && !x->caches[s]->valid)
                        return true;
        verdict(x, &v);
        return v.kind == FL_VERDICT_ALLOW;
}

/* Own starts within the period: all of them are counted locally, and (up
 * to COUNT_EXCLUDE_MAX, oldest first: those visibility shows already) left
 * out of the query by id, but only when counting them twice could reach the
 * limit: far below it, the shorter query is the faster one. */
static int count_exclude(struct count *k, const struct scope_cache *c, uint64_t value) {
        size_t n = 0;

        for (size_t i = 0; i < c->n_locals; i++)
                if (c->locals[i].start_usec >= k->since_usec)
                        n++;
        if (2 * (uint64_t) n + 1 <= value)
                return 0;
        if (n > COUNT_EXCLUDE_MAX)
                n = COUNT_EXCLUDE_MAX;
        if (n == 0)
                return 0;
        k->excluded = calloc(n, sizeof(char *));
        if (!k->excluded)
                return -ENOMEM;
        for (size_t i = 0; i < c->n_locals && k->n_excluded < n; i++) {
                if (c->locals[i].start_usec < k->since_usec)
                        continue;
                k->excluded[k->n_excluded] = strdup(c->locals[i].workflow_id);
                if (!k->excluded[k->n_excluded])
                        return -ENOMEM;
                k->n_excluded++;
        }
        return 0;
}

/* Own starts to add to visibility's count: those the query left out (even
 * if forgotten since), and every other one within the period, visible or
 * not (counted twice at worst). */
static uint64_t count_local(const struct count *k, const struct scope_cache *c) {
        uint64_t n = k->n_excluded;

        for (size_t i = 0; i < c->n_locals; i++) {
                bool excluded = false;
                if (c->locals[i].start_usec < k->since_usec)
                        continue;
                for (size_t e = 0; !excluded && e < k->n_excluded; e++)
                        excluded = strcmp(k->excluded[e], c->locals[i].workflow_id) == 0;
                if (!excluded)
                        n++;
        }
        return n;
}

static void counts_done(struct decision *x) {
        const struct fl_workflow *w = x->workflow;
        _cleanup_free_ uint64_t *visible = NULL, *local = NULL;

        /* Starts of unknown outcome get resolved as after a listing. */
        for (int s = 0; s < _FL_SCOPE_MAX; s++)
                if (x->uses[s])
                        locals_check(x->caches[s]);
        /* Temporal unavailable: listing would only wait for it again. */
        if (x->count_error == -EAGAIN || x->count_error == -ECANCELED) {
                finish_failed(x, x->count_error, x->message[0] ? x->message : NULL);
                return;
        }
        if (x->count_error == 0) {
                visible = calloc(w->n_constraints, sizeof(uint64_t));
                local = calloc(w->n_constraints, sizeof(uint64_t));
        }
        if (visible && local) {
                for (size_t i = 0; i < w->n_constraints; i++) {
                        visible[i] = (uint64_t) x->counts[i].visible;
                        local[i] = count_local(&x->counts[i], x->caches[w->constraints[i].scope]);
                }
                if (fl_constraints_count_check(w->constraints, w->n_constraints, visible, local) <
                        0) {
                        x->check = FL_CHECK_COUNT;
                        start_workflow(x);
                        return;
                }
        }
        /* Near a limit, or no count to go by: decide exactly. */
        x->message[0] = '\0';
        lists_start(x);
}

static void on_count(const struct fl_temporal_reply *reply, int64_t count, void *userdata) {
        struct count *k = userdata;
        struct decision *x = k->x;
        int r = reply->error;

        if (r == 0 && count < 0)
                r = -EBADMSG;
        if (r < 0 && x->count_error == 0) {
                x->count_error = r;
                if (reply->message)
                        snprintf(x->message, sizeof(x->message), "%s", reply->message);
        }
        k->visible = count;
        if (--x->counting == 0)
                counts_done(x);
}

/* One count per constraint, all in flight together. Requested here, once
 * every earlier decision of the key finished, they are as fresh as the
 * listings an allow needs. */
static void counts_start(struct decision *x) {
        const struct fl_workflow *w = x->workflow;
        uint64_t now = real_usec();

        x->phase = PHASE_COUNT;
        x->counts = calloc(w->n_constraints, sizeof(*x->counts));
        if (!x->counts) {
                lists_start(x);
                return;
        }
        for (size_t i = 0; i < w->n_constraints; i++) {
                const struct fl_constraint *c = &w->constraints[i];
                struct count *k = &x->counts[i];
                _cleanup_free_ char *query = NULL;
                int r;

                k->x = x;
                k->since_usec = now > c->period_usec
                                        ? (now - c->period_usec) / USEC_PER_SEC * USEC_PER_SEC
                                        : 0;
                r = count_exclude(k, x->caches[c->scope], c->value);
                if (r == 0)
                        r = fl_constraint_count_query(w->name, c, &x->target, k->since_usec,
                                (const char *const *) k->excluded, k->n_excluded, &query);
                if (r == 0)
                        r = fl_temporal_count(x->d->temporal, query, 0, on_count, k);
                if (r < 0) {
                        x->count_error = r; /* those in flight report back first */
                        break;
                }
                x->counting++;
                x->d->counts++;
        }
        if (x->counting == 0)
                counts_done(x);
}

static void decision_run(struct decision *x) {
        struct fl_decider *d = x->d;
        const struct fl_pause *p;
        uint64_t now = mono_usec();

        p = fl_pause_state_match(d->pauses, x->workflow->name, x->datacenter);
        if (p) {
                struct fl_decision_result res = {
                        .decision = FL_DECISION_DEFERRED, .constraint = -1, .pause = p};
                snprintf(x->message, sizeof(x->message), "remediation is paused (%s%s%s)%s%s",
                        fl_pause_scope_to_string(p->scope), p->value ? " " : "",
                        p->value ? p->value : "", p->reason ? ": " : "",
                        p->reason ? p->reason : "");
                res.reason = x->message;
                finish(x, &res);
                return;
        }

        for (int s = 0; s < _FL_SCOPE_MAX; s++) {
                char *key = NULL;
                if (!x->uses[s])
                        continue;
                if (fl_scope_key(x->workflow->name, (enum fl_scope) s, &x->target, &key) < 0 ||
                        !(x->caches[s] = cache_get(d, key, x->workflow->lookback_usec))) {
                        free(key);
                        finish_failed(x, -ENOMEM, NULL);
                        return;
                }
                free(key);
                locals_prune(x->caches[s], x->workflow->lookback_usec, real_usec());
        }

        /* From the cache: a rejection (or a duplicate) only. */
        if (d->reject_cache_usec > 0 && caches_fresh(x, now)) {
                struct fl_verdict v;
                verdict(x, &v);
                if (v.kind == FL_VERDICT_DUPLICATE ||
                        (v.kind == FL_VERDICT_REJECT && !v.maybe_duplicate)) {
                        d->cached++;
                        refresh_stale(x, now);
                        x->verdict = v;
                        x->check = FL_CHECK_CACHE;
                        if (v.kind == FL_VERDICT_DUPLICATE)
                                finish_simple(x, FL_DECISION_DUPLICATE);
                        else
                                finish_rejected(x, true);
                        return;
                }
        }

        if (x->workflow->n_constraints == 0) {
                decide_fresh(x); /* nothing to count */
                return;
        }
        /* A retry of a start made here: what a listing would answer too. */
        if (own_start(x)) {
                x->check = FL_CHECK_CACHE;
                finish_simple(x, FL_DECISION_DUPLICATE);
                return;
        }
        if (count_first(x))
                counts_start(x);
        else
                lists_start(x);
}

static void queue_kick(struct fl_decider *d, struct lock_queue *q) {
        if (q->kicking)
                return; /* the loop below, further up the stack, carries on */
        q->kicking = true;
        while (q->head && !q->head->running) {
                struct decision *x = q->head;
                x->running = true;
                if (d->closing)
                        finish_failed(x, -ECANCELED, "the coordinator is shutting down");
                else
                        decision_run(x);
        }
        q->kicking = false;
        if (!q->head) {
                fl_hashmap_remove(d->queues, q->key);
                free(q->key);
                free(q);
        }
}

int fl_decider_submit(struct fl_decider *d, const struct fl_decision_request *req) {
        struct lock_queue *q;
        struct decision *x;
        char *lock = NULL;
        int r;

        if (d->closing)
                return -ESHUTDOWN;
        if (d->pending >= d->max_pending)
                return -EBUSY;
        if (!fl_name_valid(req->target.node) || !fl_name_valid(req->target.node_type) ||
                !fl_name_valid(req->target.datacenter) || !fl_rule_name_valid(req->rule) ||
                !req->done || !req->build)
                return -EINVAL;
        x = calloc(1, sizeof(*x));
        if (!x)
                return -ENOMEM;
        x->d = d;
        snprintf(x->node, sizeof(x->node), "%s", req->target.node);
        snprintf(x->node_type, sizeof(x->node_type), "%s", req->target.node_type);
        snprintf(x->datacenter, sizeof(x->datacenter), "%s", req->target.datacenter);
        snprintf(x->rule, sizeof(x->rule), "%s", req->rule);
        x->target = (struct fl_target){x->node, x->node_type, x->datacenter};
        r = fl_workflow_id(
                req->workflow->name, req->idempotency_key, x->workflow_id, sizeof(x->workflow_id));
        if (r < 0) {
                free(x);
                return r;
        }
        fl_task_queue_name(req->workflow->target, &x->target, x->task_queue, sizeof(x->task_queue));
        x->workflow = fl_workflow_ref(req->workflow);
        x->dry_run = req->dry_run;
        x->build = req->build;
        x->done = req->done;
        x->userdata = req->userdata;
        for (size_t i = 0; i < x->workflow->n_constraints; i++)
                x->uses[x->workflow->constraints[i].scope] = true;

        r = fl_scope_key(x->workflow->name, x->workflow->lock_scope, &x->target, &lock);
        if (r < 0) {
                decision_free(x);
                return r;
        }
        q = fl_hashmap_get(d->queues, lock);
        if (!q) {
                q = calloc(1, sizeof(*q));
                if (!q || fl_hashmap_put(d->queues, lock, q, NULL) < 0) {
                        free(q);
                        free(lock);
                        decision_free(x);
                        return -ENOMEM;
                }
                q->key = TAKE_PTR(lock);
        }
        free(lock);
        x->queue = q;
        if (q->tail)
                q->tail->next = x;
        else
                q->head = x;
        q->tail = x;
        d->pending++;
        queue_kick(d, q);
        return 0;
}

/* ---- housekeeping --------------------------------------------------------- */

/* Drops listings nobody used for a while. Our own starts are kept as long
 * as they count for something: such a cache stays until they age out. */
static void on_sweep(evutil_socket_t fd, short what, void *userdata) {
        struct fl_decider *d = userdata;
        uint64_t now = mono_usec(), rnow = real_usec();
        const char *key;
        void *value;
        size_t iter = 0, n = 0;
        char **doomed = calloc(fl_hashmap_size(d->caches) + 1, sizeof(char *));

        if (!doomed)
                return;
        while (fl_hashmap_iterate(d->caches, &iter, &key, &value)) {
                struct scope_cache *c = value;

                if (c->n_ref > 0 || c->fetching > 0 || c->used_at + CACHE_IDLE_USEC > now)
                        continue;
                locals_prune(c, c->lookback_usec, rnow);
                if (c->n_locals == 0)
                        doomed[n++] = c->key;
        }
        for (size_t i = 0; i < n; i++)
                cache_free(fl_hashmap_remove(d->caches, doomed[i]));
        free(doomed);
}

int fl_decider_new(struct event_base *base, const struct fl_decider_options *options,
        struct fl_decider **ret) {
        _cleanup_(fl_decider_freep) struct fl_decider *d = NULL;
        struct timeval tv = {.tv_sec = SWEEP_INTERVAL_SEC};

        d = calloc(1, sizeof(*d));
        if (!d)
                return -ENOMEM;
        d->base = base;
        d->temporal = options->temporal;
        d->pauses = options->pauses;
        d->reject_cache_usec = options->reject_cache_usec;
        d->max_pending = options->max_pending ? options->max_pending : DEFAULT_MAX_PENDING;
        d->caches = fl_hashmap_new();
        d->queues = fl_hashmap_new();
        d->sweep = event_new(base, -1, EV_PERSIST, on_sweep, d);
        if (!d->caches || !d->queues || !d->sweep || event_add(d->sweep, &tv) < 0)
                return -ENOMEM;
        *ret = TAKE_PTR(d);
        return 0;
}

void fl_decider_shutdown(struct fl_decider *d) {
        /* Every queue's head is running (queue_kick never leaves one idle):
         * as each ends, queue_kick cancels those behind it. */
        if (d)
                d->closing = true;
}

static void free_cache(void *p) {
        cache_free(p);
}

static void free_queue(void *p) {
        struct lock_queue *q = p;

        free(q->key);
        free(q);
}

struct fl_decider *fl_decider_free(struct fl_decider *d) {
        if (!d)
                return NULL;
        if (d->sweep)
                event_free(d->sweep);
        /* Queues are empty once the Temporal client is gone (every decision
         * ended); anything left would be a decision nobody can finish. */
        fl_hashmap_free(d->queues, free_queue);
        fl_hashmap_free(d->caches, free_cache);
        free(d);
        return NULL;
}

void fl_decider_get_stats(const struct fl_decider *d, struct fl_decider_stats *ret) {
        const char *key;
        void *value;
        size_t iter = 0, locals = 0;

        while (fl_hashmap_iterate(d->caches, &iter, &key, &value))
                locals += ((const struct scope_cache *) value)->n_locals;
        *ret = (struct fl_decider_stats){
                .pending = d->pending,
                .scope_caches = fl_hashmap_size(d->caches),
                .lock_queues = fl_hashmap_size(d->queues),
                .local_starts = locals,
                .cached = d->cached,
                .listings = d->listings,
                .counts = d->counts,
        };
}
