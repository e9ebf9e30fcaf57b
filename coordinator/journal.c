/* SPDX-License-Identifier: Apache-2.0 */
#include "journal.h"

#include "hashmap.h"
#include "messages.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <systemd/sd-journal.h>
#include <time.h>
#include <unistd.h>

#define FIELDS_MAX   40
#define ENTRY_BYTES  8192
#define FOLD_KEY_MAX 512
#define FOLDS_MAX    100000 /* distinct folded kinds at once; beyond, entries go unfolded */

/* One entry being built: "FIELD=value" strings in one buffer. */
struct entry {
        struct iovec iov[FIELDS_MAX];
        int n;
        char buf[ENTRY_BYTES];
        size_t used;
        const char *message; /* points into buf, past "MESSAGE=" */
};

static void add(struct entry *e, const char *fmt, ...) _printf_(2, 3);
static void add(struct entry *e, const char *fmt, ...) {
        va_list ap;
        int k;

        if (e->n >= FIELDS_MAX || e->used >= sizeof(e->buf) - 1)
                return;
        va_start(ap, fmt);
        k = vsnprintf(e->buf + e->used, sizeof(e->buf) - e->used, fmt, ap);
        va_end(ap);
        if (k < 0)
                return;
        if ((size_t) k >= sizeof(e->buf) - e->used) /* cut: keep what fits */
                k = (int) (sizeof(e->buf) - e->used - 1);
        e->iov[e->n++] = (struct iovec){.iov_base = e->buf + e->used, .iov_len = (size_t) k};
        if (strncmp(e->buf + e->used, "MESSAGE=", 8) == 0)
                e->message = e->buf + e->used + 8;
        e->used += (size_t) k + 1;
}

/* A field only when the value is known. */
static void add_opt(struct entry *e, const char *name, const char *value) {
        if (value && *value)
                add(e, "%s=%s", name, value);
}

struct fold {
        char *key;
        uint64_t count;        /* after the first */
        uint64_t ends;         /* monotonic µs */
        struct entry *summary; /* the fields for the FOLDED entry */
};

struct fl_journal {
        uint64_t fold_interval_usec;
        int max_priority;
        fl_journal_send_fn send;
        void *userdata;
        struct fl_hashmap *folds;
        struct event *timer;
        uint64_t entries, folded, failed;
};

static uint64_t mono_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

static int send_journald(const struct iovec *iov, int n, void *userdata) {
        /* The function, not the macro: CODE_FILE= and friends would all name
         * this line. */
        return (sd_journal_sendv) (iov, n);
}

/* Without a journald (a test, a container), the MESSAGE lines go to
 * stderr: libsystemd would drop them silently. */
static int send_stderr(const struct iovec *iov, int n, void *userdata) {
        for (int i = 0; i < n; i++)
                if (iov[i].iov_len > 8 && memcmp(iov[i].iov_base, "MESSAGE=", 8) == 0)
                        fprintf(stderr, "faultline-coordinator: %.*s\n", (int) iov[i].iov_len - 8,
                                (const char *) iov[i].iov_base + 8);
        return 0;
}

static void emit(struct fl_journal *j, struct entry *e) {
        int r;

        add(e, "SYSLOG_IDENTIFIER=faultline-coordinator");
        r = j->send(e->iov, e->n, j->userdata);
        if (r < 0) {
                /* journald refused it (full socket buffer...): keep the line. */
                j->failed++;
                fprintf(stderr, "faultline-coordinator: %s\n", e->message ? e->message : "?");
                return;
        }
        j->entries++;
}

/* ---- folding -------------------------------------------------------------- */

static void fold_flush(struct fl_journal *j, struct fold *f) {
        if (f->count > 0 && f->summary) {
                add(f->summary, "FAULTLINE_FOLDED_COUNT=%" PRIu64, f->count);
                emit(j, f->summary);
                j->folded += f->count;
        }
}

static void fold_free(void *p) {
        struct fold *f = p;

        free(f->key);
        free(f->summary);
        free(f);
}

static void on_fold_timer(evutil_socket_t fd, short what, void *userdata) {
        struct fl_journal *j = userdata;
        uint64_t now = mono_usec();
        const char *key;
        void *value;
        size_t iter = 0, n = 0;
        struct fold **done = calloc(fl_hashmap_size(j->folds) + 1, sizeof(*done));

        if (!done)
                return;
        while (fl_hashmap_iterate(j->folds, &iter, &key, &value))
                if (((struct fold *) value)->ends <= now)
                        done[n++] = value;
        for (size_t i = 0; i < n; i++) {
                fl_hashmap_remove(j->folds, done[i]->key);
                fold_flush(j, done[i]);
                fold_free(done[i]);
        }
        free(done);
}

/* True when this occurrence of `key` is folded into a count (the caller
 * writes nothing); false when the caller writes its entry, after which the
 * next ones within the interval are folded. `summary` is called to fill
 * the FOLDED entry's fields once, when folding starts. */
static bool fold(struct fl_journal *j, const char *key,
        void (*summary)(struct entry *, const void *), const void *arg) {
        struct fold *f;

        if (j->fold_interval_usec == 0)
                return false;
        f = fl_hashmap_get(j->folds, key);
        if (f) {
                f->count++;
                return true;
        }
        if (fl_hashmap_size(j->folds) >= FOLDS_MAX)
                return false;
        f = calloc(1, sizeof(*f));
        if (!f || !(f->key = strdup(key)) || !(f->summary = calloc(1, sizeof(*f->summary))) ||
                fl_hashmap_put(j->folds, key, f, NULL) < 0) {
                if (f)
                        fold_free(f);
                return false;
        }
        f->ends = mono_usec() + j->fold_interval_usec;
        summary(f->summary, arg);
        return false;
}

/* ---- entries -------------------------------------------------------------- */

static const char *const decision_ids[_FL_DECISION_MAX] = {
        [FL_DECISION_STARTED] = FL_MESSAGE_DECISION_STARTED,
        [FL_DECISION_DUPLICATE] = FL_MESSAGE_DECISION_DUPLICATE,
        [FL_DECISION_REJECTED] = FL_MESSAGE_DECISION_REJECTED,
        [FL_DECISION_DEFERRED] = FL_MESSAGE_DECISION_DEFERRED,
        [FL_DECISION_DRY_RUN] = FL_MESSAGE_DECISION_DRY_RUN,
        [FL_DECISION_FAILED] = FL_MESSAGE_DECISION_FAILED,
};

static int decision_priority(enum fl_decision d) {
        switch (d) {
        case FL_DECISION_STARTED:
                return LOG_NOTICE;
        case FL_DECISION_REJECTED:
        case FL_DECISION_DEFERRED:
                return LOG_WARNING;
        case FL_DECISION_FAILED:
                return LOG_ERR;
        default:
                return LOG_INFO;
        }
}

static void decision_summary(struct entry *s, const void *arg) {
        const struct fl_journal_decision *e = arg;
        const struct fl_decision_result *r = e->result;

        add(s, "MESSAGE_ID=%s", FL_MESSAGE_FOLDED);
        add(s, "PRIORITY=%d", LOG_WARNING);
        add(s, "MESSAGE=more identical rejections of %s for %s: %s", r->workflow->name, e->node,
                e->constraint ? e->constraint : "");
        add(s, "FAULTLINE_DECISION=%s", fl_decision_to_string(r->decision));
        add(s, "FAULTLINE_WORKFLOW=%s", r->workflow->name);
        add_opt(s, "FAULTLINE_NODE", e->node);
        add_opt(s, "FAULTLINE_CONSTRAINT", e->constraint);
}

void fl_journal_decision(struct fl_journal *j, const struct fl_journal_decision *e) {
        const struct fl_decision_result *r = e->result;
        const char *name = fl_decision_to_string(r->decision);
        struct entry x;

        if (r->decision == FL_DECISION_REJECTED) {
                char key[FOLD_KEY_MAX];
                snprintf(key, sizeof(key), "rejected|%s|%s|%s|%zd", r->workflow->name, e->node,
                        r->workflow->path, r->constraint);
                if (fold(j, key, decision_summary, e))
                        return;
        }
        x.n = 0;
        x.used = 0;
        x.message = NULL;
        add(&x, "MESSAGE_ID=%s", decision_ids[r->decision]);
        add(&x, "PRIORITY=%d", decision_priority(r->decision));
        switch (r->decision) {
        case FL_DECISION_STARTED:
                add(&x, "MESSAGE=started %s for %s as %s on %s", r->workflow->name, e->node,
                        r->workflow_id, r->task_queue);
                break;
        case FL_DECISION_DUPLICATE:
                add(&x, "MESSAGE=duplicate %s for %s: %s already exists", r->workflow->name,
                        e->node, r->workflow_id);
                break;
        case FL_DECISION_REJECTED:
                add(&x, "MESSAGE=rejected %s for %s: %s (%s)", r->workflow->name, e->node,
                        r->reason ? r->reason : "", e->constraint ? e->constraint : "");
                break;
        case FL_DECISION_DEFERRED:
                add(&x, "MESSAGE=deferred %s for %s: %s", r->workflow->name, e->node,
                        r->reason ? r->reason : "");
                break;
        case FL_DECISION_DRY_RUN:
                add(&x, "MESSAGE=dry run of %s for %s: would be %s%s%s", r->workflow->name, e->node,
                        fl_decision_to_string(r->would), r->reason ? ": " : "",
                        r->reason ? r->reason : "");
                add(&x, "FAULTLINE_WOULD=%s", fl_decision_to_string(r->would));
                break;
        default:
                add(&x, "MESSAGE=no decision on %s for %s: %s", r->workflow->name, e->node,
                        r->reason ? r->reason : "");
                add(&x, "ERRNO=%d", -r->error);
                break;
        }
        add(&x, "FAULTLINE_DECISION=%s", name);
        add(&x, "FAULTLINE_WORKFLOW=%s", r->workflow->name);
        add(&x, "FAULTLINE_WORKFLOW_TYPE=%s", r->workflow->workflow_type);
        add_opt(&x, "FAULTLINE_WORKFLOW_ID", r->workflow_id);
        add_opt(&x, "FAULTLINE_RUN_ID", r->run_id);
        add_opt(&x, "FAULTLINE_TASK_QUEUE", r->task_queue);
        add_opt(&x, "FAULTLINE_NODE", e->node);
        add_opt(&x, "FAULTLINE_NODE_TYPE", e->node_type);
        add_opt(&x, "FAULTLINE_DATACENTER", e->datacenter);
        add_opt(&x, "FAULTLINE_RULE", e->rule);
        add_opt(&x, "FAULTLINE_IDEMPOTENCY_KEY", e->idempotency_key);
        add_opt(&x, "FAULTLINE_CONSTRAINT", e->constraint);
        add_opt(&x, "FAULTLINE_REASON", r->reason);
        add_opt(&x, "FAULTLINE_CALLER", e->caller);
        add_opt(&x, "FAULTLINE_KEYID", e->keyid);
        add_opt(&x, "FAULTLINE_SOURCE", e->source);
        if (r->cached)
                add(&x, "FAULTLINE_CACHED=1");
        emit(j, &x);
}

static void refusal_summary(struct entry *s, const void *arg) {
        const struct fl_journal_refusal *e = arg;

        add(s, "MESSAGE_ID=%s", FL_MESSAGE_FOLDED);
        add(s, "PRIORITY=%d", LOG_WARNING);
        add(s, "MESSAGE=more identical refusals (%d %s) for %s", e->status, e->error,
                e->keyid    ? e->keyid
                : e->caller ? e->caller
                : e->peer   ? e->peer
                            : "?");
        add(s, "FAULTLINE_ERROR=%s", e->error);
        add(s, "FAULTLINE_STATUS=%d", e->status);
        add_opt(s, "FAULTLINE_KEYID", e->keyid);
        add_opt(s, "FAULTLINE_CALLER", e->caller);
        add_opt(s, "FAULTLINE_NODE", e->node);
        add_opt(s, "FAULTLINE_WORKFLOW", e->workflow);
}

void fl_journal_refusal(struct fl_journal *j, const struct fl_journal_refusal *e) {
        char key[FOLD_KEY_MAX];
        struct entry x = {};

        /* Peers are not in the key: one misconfigured agent reconnecting
         * must fold, whatever its source port. */
        snprintf(key, sizeof(key), "refused|%d|%s|%s|%s|%s|%s", e->status, e->error,
                e->keyid ? e->keyid : "", e->caller ? e->caller : "", e->node ? e->node : "",
                e->workflow ? e->workflow : "");
        if (fold(j, key, refusal_summary, e))
                return;
        add(&x, "MESSAGE_ID=%s", FL_MESSAGE_REQUEST_REFUSED);
        add(&x, "PRIORITY=%d", LOG_WARNING);
        add(&x, "MESSAGE=refused %s from %s: %d %s: %s", e->path ? e->path : "",
                e->keyid    ? e->keyid
                : e->caller ? e->caller
                : e->peer   ? e->peer
                            : "?",
                e->status, e->error, e->message ? e->message : "");
        add(&x, "FAULTLINE_ERROR=%s", e->error);
        add(&x, "FAULTLINE_STATUS=%d", e->status);
        add_opt(&x, "FAULTLINE_REASON", e->message);
        add_opt(&x, "FAULTLINE_KEYID", e->keyid);
        add_opt(&x, "FAULTLINE_CALLER", e->caller);
        add_opt(&x, "FAULTLINE_NODE", e->node);
        add_opt(&x, "FAULTLINE_WORKFLOW", e->workflow);
        add_opt(&x, "FAULTLINE_PEER", e->peer);
        emit(j, &x);
}

void fl_journal_access(struct fl_journal *j, const struct fl_journal_access *e) {
        struct entry x = {};

        if (LOG_INFO > j->max_priority)
                return;
        add(&x, "MESSAGE_ID=%s", FL_MESSAGE_ACCESS);
        add(&x, "PRIORITY=%d", LOG_INFO);
        add(&x, "MESSAGE=%s %s %d %" PRIu64 ".%03" PRIu64 "ms %s %s%s%s", e->method, e->path,
                e->status, e->duration_usec / 1000, e->duration_usec % 1000,
                e->caller ? e->caller : "-", e->peer ? e->peer : "-", e->detail ? " " : "",
                e->detail ? e->detail : "");
        add(&x, "FAULTLINE_HTTP_METHOD=%s", e->method);
        add(&x, "FAULTLINE_HTTP_PATH=%s", e->path);
        add(&x, "FAULTLINE_HTTP_STATUS=%d", e->status);
        add(&x, "FAULTLINE_DURATION_USEC=%" PRIu64, e->duration_usec);
        add_opt(&x, "FAULTLINE_ROUTE", e->route);
        add_opt(&x, "FAULTLINE_CALLER", e->caller);
        add_opt(&x, "FAULTLINE_PEER", e->peer);
        add_opt(&x, "FAULTLINE_ERROR", e->detail);
        emit(j, &x);
}

void fl_journal_message(struct fl_journal *j, int priority, const char *message_id,
        const char *const *fields, const char *fmt, ...) {
        struct entry x = {};
        char message[1024];
        va_list ap;

        if (priority > j->max_priority)
                return;
        va_start(ap, fmt);
        (void) vsnprintf(message, sizeof(message), fmt, ap);
        va_end(ap);
        add(&x, "MESSAGE_ID=%s", message_id);
        add(&x, "PRIORITY=%d", priority);
        add(&x, "MESSAGE=%s", message);
        for (size_t i = 0; fields && fields[i]; i++)
                add(&x, "%s", fields[i]);
        emit(j, &x);
}

/* ---- lifecycle ------------------------------------------------------------ */

int fl_journal_new(struct event_base *base, const struct fl_journal_options *options,
        struct fl_journal **ret) {
        _cleanup_(fl_journal_freep) struct fl_journal *j = NULL;
        uint64_t tick;
        struct timeval tv;

        j = calloc(1, sizeof(*j));
        if (!j)
                return -ENOMEM;
        j->fold_interval_usec = options->fold_interval_usec;
        j->max_priority = options->max_priority ? options->max_priority : LOG_DEBUG;
        j->send = options->send                                      ? options->send
                  : access("/run/systemd/journal/socket", F_OK) == 0 ? send_journald
                                                                     : send_stderr;
        j->userdata = options->userdata;
        j->folds = fl_hashmap_new();
        if (!j->folds)
                return -ENOMEM;
        if (j->fold_interval_usec > 0) {
                /* Summaries come at most a tenth of the interval late. */
                tick = j->fold_interval_usec / 10;
                if (tick < 10000)
                        tick = 10000;
                tv = (struct timeval){.tv_sec = (time_t) (tick / 1000000),
                        .tv_usec = (suseconds_t) (tick % 1000000)};
                j->timer = event_new(base, -1, EV_PERSIST, on_fold_timer, j);
                if (!j->timer || event_add(j->timer, &tv) < 0)
                        return -ENOMEM;
        }
        *ret = TAKE_PTR(j);
        return 0;
}

struct fl_journal *fl_journal_free(struct fl_journal *j) {
        const char *key;
        void *value;
        size_t iter = 0;

        if (!j)
                return NULL;
        if (j->timer)
                event_free(j->timer);
        while (j->folds && fl_hashmap_iterate(j->folds, &iter, &key, &value))
                fold_flush(j, value);
        fl_hashmap_free(j->folds, fold_free);
        free(j);
        return NULL;
}

void fl_journal_get_stats(const struct fl_journal *j, struct fl_journal_stats *ret) {
        *ret = (struct fl_journal_stats){
                .entries = j->entries, .folded = j->folded, .failed = j->failed};
}
