/* SPDX-License-Identifier: Apache-2.0 */
#include "report.h"

#include "journal_entry.h"
#include "messages.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>

struct fl_reporter {
        char *node;
        int level;
        bool mirror;
        struct fl_reporter_stats stats;
};

/* systemd sets JOURNAL_STREAM=DEV:INODE when stderr goes to the journal:
 * then mirroring would log everything twice. */
static bool stderr_is_journal(void) {
        const char *v = getenv("JOURNAL_STREAM");
        unsigned long long dev, ino;
        struct stat st;

        if (!v || sscanf(v, "%llu:%llu", &dev, &ino) != 2 || fstat(STDERR_FILENO, &st) < 0)
                return false;
        return (unsigned long long) st.st_dev == dev && (unsigned long long) st.st_ino == ino;
}

int fl_reporter_new(const char *node, int level, struct fl_reporter **ret) {
        struct fl_reporter *r = calloc(1, sizeof(*r));

        if (!r)
                return -ENOMEM;
        r->node = strdup(node);
        if (!r->node) {
                free(r);
                return -ENOMEM;
        }
        r->level = level;
        r->mirror = !stderr_is_journal();
        *ret = r;
        return 0;
}

struct fl_reporter *fl_reporter_free(struct fl_reporter *r) {
        if (!r)
                return NULL;
        free(r->node);
        free(r);
        return NULL;
}

void fl_reporter_set_level(struct fl_reporter *r, int level) {
        r->level = level;
}

void fl_reporter_set_stderr(struct fl_reporter *r, bool mirror) {
        r->mirror = mirror;
}

void fl_reporter_get_stats(const struct fl_reporter *r, struct fl_reporter_stats *ret) {
        *ret = r->stats;
}

static void begin(struct fl_reporter *r, struct fl_jentry *e, const char *id, int priority) {
        fl_jentry_init(e, id, priority, FL_AGENT_IDENT);
        fl_jentry_add(e, "FAULTLINE_NODE", "%s", r->node);
}

/* Adds MESSAGE (mirrored to stderr) and sends. */
static int finish(struct fl_reporter *r, struct fl_jentry *e, int priority, const char *fmt, ...)
        _printf_(4, 5);
static int finish(struct fl_reporter *r, struct fl_jentry *e, int priority, const char *fmt, ...) {
        char msg[1024];
        va_list ap;
        int ret;

        va_start(ap, fmt);
        (void) vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        if (priority > r->level) {
                fl_jentry_done(e);
                return 0;
        }
        fl_jentry_add(e, "MESSAGE", "%s", msg);
        if (r->mirror)
                fprintf(stderr, "%s: %s\n", FL_AGENT_IDENT, msg);
        ret = fl_jentry_send(e);
        if (ret < 0) {
                r->stats.failures++;
                r->stats.last_error = ret;
        } else {
                r->stats.entries++;
        }
        return ret;
}

void fl_report_log(struct fl_reporter *r, int priority, const char *fmt, ...) {
        char msg[1024];
        struct fl_jentry e;
        va_list ap;

        if (priority > r->level)
                return;
        va_start(ap, fmt);
        (void) vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        begin(r, &e, NULL, priority);
        (void) finish(r, &e, priority, "%s", msg);
}

static void add_json(struct fl_jentry *e, const char *name, const json_t *v) {
        _cleanup_free_ char *s = v ? json_dumps(v, JSON_COMPACT | JSON_SORT_KEYS) : NULL;

        if (s)
                fl_jentry_add(e, name, "%s", s);
}

int fl_report_firing(
        struct fl_reporter *r, const struct fl_firing *f, uint64_t latency_usec, bool dry_run) {
        const struct fl_rule *rule = f->rule;
        char ts[FL_TIMESTAMP_MAX] = "";
        struct fl_jentry e;
        const char *name;
        json_t *v;

        begin(r, &e, FL_MESSAGE_FIRING, LOG_WARNING);
        fl_jentry_add(&e, "FAULTLINE_RULE", "%s", rule->name);
        fl_jentry_add(&e, "FAULTLINE_WORKFLOW", "%s", rule->workflow ? rule->workflow : "");
        fl_jentry_add(&e, "FAULTLINE_KEY", "%s", f->key ? f->key : "");
        fl_jentry_add(&e, "FAULTLINE_IDEMPOTENCY_KEY", "%s", f->idempotency_key);
        fl_jentry_add(&e, "FAULTLINE_COUNT", "%" PRIu64, f->count);
        fl_jentry_add(&e, "FAULTLINE_SOURCE", "%s", fl_source_to_string(f->event->source));
        fl_jentry_add(&e, "FAULTLINE_KIND", "%s", f->event->kind);
        if (f->event->identity)
                fl_jentry_add(&e, "FAULTLINE_EVENT_IDENTITY", "%s", f->event->identity);
        if (f->event->realtime_usec && fl_format_timestamp(f->event->realtime_usec, ts) == 0)
                fl_jentry_add(&e, "FAULTLINE_OBSERVED_AT", "%s", ts);
        fl_jentry_add(&e, "FAULTLINE_WINDOW_FIRST_USEC", "%" PRIu64, f->first_usec);
        fl_jentry_add(&e, "FAULTLINE_WINDOW_LAST_USEC", "%" PRIu64, f->last_usec);
        if (latency_usec != UINT64_MAX)
                fl_jentry_add(&e, "FAULTLINE_LATENCY_USEC", "%" PRIu64, latency_usec);
        fl_jentry_add(&e, "FAULTLINE_DRY_RUN", "%d", dry_run ? 1 : 0);
        if (rule->file)
                fl_jentry_add(&e, "FAULTLINE_RULE_FILE", "%s:%u:%u", rule->file, rule->line,
                        rule->column);
        add_json(&e, "FAULTLINE_PARAMS", f->params);
        add_json(&e, "FAULTLINE_EVENT", f->fields);
        json_object_foreach ((json_t *) f->fields, name, v)
                if (json_is_string(v))
                        fl_jentry_add_normalized(
                                &e, "FAULTLINE_EVENT_", name, json_string_value(v));
        return finish(r, &e, LOG_WARNING,
                "rule %s fired: %" PRIu64 " %s occurrence%s%s%s%s, workflow %s%s", rule->name,
                f->count, f->event->kind, f->count == 1 ? "" : "s",
                f->key && *f->key ? " for \"" : "", f->key && *f->key ? f->key : "",
                f->key && *f->key ? "\"" : "", rule->workflow ? rule->workflow : "(none)",
                dry_run ? " (dry run)" : "");
}

static void add_trigger(struct fl_jentry *e, const struct fl_trigger *t) {
        fl_jentry_add(e, "FAULTLINE_RULE", "%s", t->rule);
        fl_jentry_add(e, "FAULTLINE_WORKFLOW", "%s", t->workflow);
        fl_jentry_add(e, "FAULTLINE_KEY", "%s", t->key ? t->key : "");
        fl_jentry_add(e, "FAULTLINE_IDEMPOTENCY_KEY", "%s", t->idempotency_key);
}

int fl_report_trigger_recorded(
        struct fl_reporter *r, const struct fl_trigger *t, const char *body) {
        struct fl_jentry e;

        begin(r, &e, FL_MESSAGE_TRIGGER_RECORDED, LOG_NOTICE);
        add_trigger(&e, t);
        fl_jentry_add(&e, "FAULTLINE_TRIGGER", "%s", body);
        return finish(r, &e, LOG_NOTICE,
                "trigger for workflow %s (rule %s) kept in the journal only: no coordinator "
                "delivery",
                t->workflow, t->rule);
}

int fl_report_delivery_refused(struct fl_reporter *r, const struct fl_trigger *t, int error) {
        struct fl_jentry e;

        begin(r, &e, FL_MESSAGE_DELIVERY_REFUSED, LOG_ERR);
        add_trigger(&e, t);
        fl_jentry_add(&e, "ERRNO", "%d", -error);
        return finish(r, &e, LOG_ERR, "delivery refused the trigger for workflow %s (rule %s): %s",
                t->workflow, t->rule, strerror(-error));
}

/* "5m", "1.5s", "250ms" for messages. */
static void format_delay(uint64_t usec, char *buf, size_t size) {
        if (usec >= 60 * UINT64_C(1000000) && usec % (60 * UINT64_C(1000000)) == 0)
                snprintf(buf, size, "%" PRIu64 "m", usec / (60 * UINT64_C(1000000)));
        else if (usec >= UINT64_C(1000000))
                snprintf(buf, size, "%.1fs", (double) usec / 1e6);
        else
                snprintf(buf, size, "%" PRIu64 "ms", usec / 1000);
}

static void add_delivery(struct fl_jentry *e, const struct fl_delivery_report *t) {
        fl_jentry_add(e, "FAULTLINE_RULE", "%s", t->rule ? t->rule : "");
        fl_jentry_add(e, "FAULTLINE_WORKFLOW", "%s", t->workflow ? t->workflow : "");
        fl_jentry_add(e, "FAULTLINE_KEY", "%s", t->key ? t->key : "");
        fl_jentry_add(e, "FAULTLINE_IDEMPOTENCY_KEY", "%s", t->idempotency_key);
        if (t->attempt)
                fl_jentry_add(e, "FAULTLINE_ATTEMPT", "%" PRIu32, t->attempt);
        if (t->retry_in_usec != UINT64_MAX)
                fl_jentry_add(e, "FAULTLINE_RETRY_IN_USEC", "%" PRIu64, t->retry_in_usec);
}

static int answer_priority(const struct fl_delivery_answer *a) {
        switch (a->verdict) {
        case FL_DELIVERY_DECIDED:
                return a->decision == FL_ANSWER_STARTED    ? LOG_NOTICE
                       : a->decision == FL_ANSWER_REJECTED ? LOG_WARNING
                                                           : LOG_INFO;
        case FL_DELIVERY_RETRY:
                return LOG_NOTICE;
        case FL_DELIVERY_UNAVAILABLE:
                return LOG_WARNING;
        default:
                return LOG_ERR;
        }
}

int fl_report_coordinator_answer(struct fl_reporter *r, const struct fl_delivery_report *t,
        const struct fl_delivery_answer *a) {
        int prio = answer_priority(a);
        char summary[128], delay[32] = "";
        struct fl_jentry e;

        begin(r, &e, FL_MESSAGE_COORDINATOR_ANSWER, prio);
        add_delivery(&e, t);
        fl_jentry_add(&e, "FAULTLINE_HTTP_STATUS", "%d", a->http_status);
        fl_jentry_add(&e, "FAULTLINE_DECISION", "%s",
                a->decision != FL_ANSWER_NONE ? fl_answer_decision_to_string(a->decision)
                                              : "error");
        fl_jentry_add(&e, "FAULTLINE_VERDICT", "%s", fl_delivery_verdict_to_string(a->verdict));
        if (a->workflow_id)
                fl_jentry_add(&e, "FAULTLINE_WORKFLOW_ID", "%s", a->workflow_id);
        if (a->run_id)
                fl_jentry_add(&e, "FAULTLINE_RUN_ID", "%s", a->run_id);
        if (a->task_queue)
                fl_jentry_add(&e, "FAULTLINE_TASK_QUEUE", "%s", a->task_queue);
        if (a->constraint)
                fl_jentry_add(&e, "FAULTLINE_CONSTRAINT", "%s", a->constraint);
        if (a->reason)
                fl_jentry_add(&e, "FAULTLINE_REASON", "%s", a->reason);
        if (a->error)
                fl_jentry_add(&e, "FAULTLINE_ERROR", "%s", a->error);
        if (a->message)
                fl_jentry_add(&e, "FAULTLINE_ERROR_MESSAGE", "%s", a->message);
        if (t->elapsed_usec)
                fl_jentry_add(&e, "FAULTLINE_ELAPSED_USEC", "%" PRIu64, t->elapsed_usec);
        if (t->retry_in_usec != UINT64_MAX)
                format_delay(t->retry_in_usec, delay, sizeof(delay));

        switch (a->verdict) {
        case FL_DELIVERY_DECIDED:
                if (a->decision == FL_ANSWER_REJECTED)
                        return finish(r, &e, prio,
                                "coordinator rejected the trigger for workflow %s (rule %s): "
                                "constraint %s: %s",
                                t->workflow, t->rule, a->constraint ? a->constraint : "?",
                                a->reason ? a->reason : "no reason given");
                return finish(r, &e, prio, "coordinator %s workflow %s for rule %s%s%s",
                        a->decision == FL_ANSWER_STARTED     ? "started"
                        : a->decision == FL_ANSWER_DUPLICATE ? "had already started"
                                                             : "would start (dry run)",
                        t->workflow, t->rule, a->workflow_id ? ": " : "",
                        a->workflow_id ? a->workflow_id : "");
        case FL_DELIVERY_RETRY:
                return finish(r, &e, prio,
                        "coordinator deferred the trigger for workflow %s (rule %s)%s%s; next "
                        "attempt in %s",
                        t->workflow, t->rule, a->reason ? ": " : "", a->reason ? a->reason : "",
                        delay);
        default:
                fl_delivery_answer_summary(a, summary, sizeof(summary));
                return finish(r, &e, prio,
                        "coordinator refused the trigger for workflow %s (rule %s): %s%s%s; next "
                        "attempt in %s",
                        t->workflow, t->rule, summary, a->message ? ": " : "",
                        a->message ? a->message : "", delay);
        }
}

int fl_report_delivery_operator(struct fl_reporter *r, const struct fl_delivery_report *t,
        int http_status, const char *problem, size_t waiting, uint64_t retry_in_usec) {
        char delay[32];
        struct fl_jentry e;

        format_delay(retry_in_usec, delay, sizeof(delay));
        begin(r, &e, FL_MESSAGE_DELIVERY_OPERATOR, LOG_ALERT);
        if (t)
                add_delivery(&e, t);
        if (http_status)
                fl_jentry_add(&e, "FAULTLINE_HTTP_STATUS", "%d", http_status);
        fl_jentry_add(&e, "FAULTLINE_PROBLEM", "%s", problem);
        fl_jentry_add(&e, "FAULTLINE_WAITING", "%zu", waiting);
        fl_jentry_add(&e, "FAULTLINE_RETRY_IN_USEC", "%" PRIu64, retry_in_usec);
        return finish(r, &e, LOG_ALERT,
                "triggers cannot be delivered until an operator acts: %s; %zu trigger%s kept in "
                "the outbox, tried again every %s",
                problem, waiting, waiting == 1 ? "" : "s", delay);
}

int fl_report_coordinator_unreachable(struct fl_reporter *r, const char *url, const char *failure,
        const char *error, size_t pending, uint64_t retry_in_usec) {
        char delay[32];
        struct fl_jentry e;

        format_delay(retry_in_usec, delay, sizeof(delay));
        begin(r, &e, FL_MESSAGE_COORDINATOR_UNREACHABLE, LOG_WARNING);
        fl_jentry_add(&e, "FAULTLINE_COORDINATOR", "%s", url);
        fl_jentry_add(&e, "FAULTLINE_FAILURE", "%s", failure);
        if (error)
                fl_jentry_add(&e, "FAULTLINE_ERROR_MESSAGE", "%s", error);
        fl_jentry_add(&e, "FAULTLINE_PENDING", "%zu", pending);
        fl_jentry_add(&e, "FAULTLINE_RETRY_IN_USEC", "%" PRIu64, retry_in_usec);
        return finish(r, &e, LOG_WARNING,
                "coordinator %s unavailable (%s%s%s); %zu trigger%s kept in the outbox, next "
                "attempt in %s",
                url, failure, error ? ": " : "", error ? error : "", pending,
                pending == 1 ? "" : "s", delay);
}

int fl_report_coordinator_reachable(
        struct fl_reporter *r, const char *url, uint64_t outage_usec, size_t pending) {
        char outage[32];
        struct fl_jentry e;

        format_delay(outage_usec, outage, sizeof(outage));
        begin(r, &e, FL_MESSAGE_COORDINATOR_REACHABLE, LOG_NOTICE);
        fl_jentry_add(&e, "FAULTLINE_COORDINATOR", "%s", url);
        fl_jentry_add(&e, "FAULTLINE_OUTAGE_USEC", "%" PRIu64, outage_usec);
        fl_jentry_add(&e, "FAULTLINE_PENDING", "%zu", pending);
        return finish(r, &e, LOG_NOTICE,
                "coordinator %s answers again after %s; delivering %zu pending trigger%s", url,
                outage, pending, pending == 1 ? "" : "s");
}

int fl_report_outbox_recovered(struct fl_reporter *r, const char *dir,
        const struct fl_outbox_recovery *rec, size_t pending) {
        struct fl_jentry e;

        begin(r, &e, FL_MESSAGE_OUTBOX_RECOVERED, LOG_WARNING);
        fl_jentry_add(&e, "FAULTLINE_OUTBOX", "%s/outbox.log", dir);
        fl_jentry_add(&e, "FAULTLINE_TORN_TAIL_BYTES", "%" PRIu64, rec->torn_tail_bytes);
        fl_jentry_add(&e, "FAULTLINE_CORRUPT_BYTES", "%" PRIu64, rec->corrupt_bytes);
        fl_jentry_add(&e, "FAULTLINE_CORRUPT_REGIONS", "%u", rec->corrupt_regions);
        fl_jentry_add(&e, "FAULTLINE_PENDING", "%zu", pending);
        return finish(r, &e, LOG_WARNING,
                "outbox %s/outbox.log repaired: skipped a torn last record of %" PRIu64
                " bytes and %u damaged region%s (%" PRIu64
                " bytes); %zu complete pending trigger%s will be delivered",
                dir, rec->torn_tail_bytes, rec->corrupt_regions,
                rec->corrupt_regions == 1 ? "" : "s", rec->corrupt_bytes, pending,
                pending == 1 ? "" : "s");
}

int fl_report_outbox_error(struct fl_reporter *r, const char *dir, const char *operation, int error,
        size_t memory_only) {
        struct fl_jentry e;

        begin(r, &e, FL_MESSAGE_OUTBOX_ERROR, LOG_ERR);
        fl_jentry_add(&e, "FAULTLINE_OUTBOX", "%s/outbox.log", dir);
        fl_jentry_add(&e, "FAULTLINE_OPERATION", "%s", operation);
        fl_jentry_add(&e, "ERRNO", "%d", -error);
        fl_jentry_add(&e, "FAULTLINE_MEMORY_ONLY", "%zu", memory_only);
        return finish(r, &e, LOG_ERR,
                "cannot %s the outbox %s/outbox.log: %s; triggers are kept in memory and still "
                "delivered (%zu now), but a crash would lose them",
                operation, dir, strerror(-error), memory_only);
}

int fl_report_outbox_writable(struct fl_reporter *r, const char *dir, size_t persisted) {
        struct fl_jentry e;

        begin(r, &e, FL_MESSAGE_OUTBOX_WRITABLE, LOG_NOTICE);
        fl_jentry_add(&e, "FAULTLINE_OUTBOX", "%s/outbox.log", dir);
        fl_jentry_add(&e, "FAULTLINE_PERSISTED", "%zu", persisted);
        return finish(r, &e, LOG_NOTICE,
                "the outbox %s/outbox.log is written again; %zu trigger%s kept in memory are now "
                "on disk",
                dir, persisted, persisted == 1 ? "" : "s");
}

int fl_report_outbox_limit(struct fl_reporter *r, const char *dir, bool over,
        uint64_t pending_bytes, uint64_t soft_limit_bytes) {
        int prio = over ? LOG_WARNING : LOG_NOTICE;
        struct fl_jentry e;

        begin(r, &e, FL_MESSAGE_OUTBOX_LIMIT, prio);
        fl_jentry_add(&e, "FAULTLINE_OUTBOX", "%s/outbox.log", dir);
        fl_jentry_add(&e, "FAULTLINE_OVER_LIMIT", "%d", over ? 1 : 0);
        fl_jentry_add(&e, "FAULTLINE_PENDING_BYTES", "%" PRIu64, pending_bytes);
        fl_jentry_add(&e, "FAULTLINE_SOFT_LIMIT_BYTES", "%" PRIu64, soft_limit_bytes);
        if (over)
                return finish(r, &e, prio,
                        "outbox over its soft limit (%" PRIu64 " of %" PRIu64
                        " bytes pending): a firing for a rule and key already pending is folded "
                        "into that trigger",
                        pending_bytes, soft_limit_bytes);
        return finish(r, &e, prio,
                "outbox back under its soft limit (%" PRIu64 " of %" PRIu64 " bytes pending)",
                pending_bytes, soft_limit_bytes);
}

int fl_report_triggers_lost(
        struct fl_reporter *r, const char *dir, size_t n, const char *ids, int error) {
        struct fl_jentry e;

        begin(r, &e, FL_MESSAGE_TRIGGERS_LOST, LOG_CRIT);
        fl_jentry_add(&e, "FAULTLINE_OUTBOX", "%s/outbox.log", dir);
        fl_jentry_add(&e, "FAULTLINE_LOST", "%zu", n);
        fl_jentry_add(&e, "FAULTLINE_IDEMPOTENCY_KEYS", "%s", ids);
        if (error)
                fl_jentry_add(&e, "ERRNO", "%d", -error);
        return finish(r, &e, LOG_CRIT,
                "stopping with %zu undelivered trigger%s that the outbox could not hold (%s): "
                "they are lost: %s",
                n, n == 1 ? "" : "s", error ? strerror(-error) : "no outbox", ids);
}

int fl_report_rules_reloaded(struct fl_reporter *r, const char *dir, const char *why,
        size_t n_rules, size_t n_problems) {
        int prio = n_problems ? LOG_WARNING : LOG_INFO;
        struct fl_jentry e;

        begin(r, &e, FL_MESSAGE_RULES_RELOADED, prio);
        fl_jentry_add(&e, "FAULTLINE_RULES_DIR", "%s", dir);
        fl_jentry_add(&e, "FAULTLINE_RELOAD_REASON", "%s", why);
        fl_jentry_add(&e, "FAULTLINE_RULES", "%zu", n_rules);
        fl_jentry_add(&e, "FAULTLINE_PROBLEMS", "%zu", n_problems);
        if (n_problems)
                return finish(r, &e, prio,
                        "rules loaded from %s (%s): %zu rules in force, %zu problem%s (invalid "
                        "files keep their last good version)",
                        dir, why, n_rules, n_problems, n_problems == 1 ? "" : "s");
        return finish(
                r, &e, prio, "rules loaded from %s (%s): %zu rules in force", dir, why, n_rules);
}

int fl_report_rule_problem(struct fl_reporter *r, const struct fl_diag *d) {
        struct fl_jentry e;

        begin(r, &e, FL_MESSAGE_RULE_FILE_INVALID, LOG_ERR);
        fl_jentry_add(&e, "FAULTLINE_RULE_FILE", "%s", d->file);
        fl_jentry_add(&e, "FAULTLINE_LINE", "%u", d->line);
        fl_jentry_add(&e, "FAULTLINE_COLUMN", "%u", d->column);
        fl_jentry_add(&e, "FAULTLINE_PROBLEM", "%s", d->message);
        return finish(r, &e, LOG_ERR, "%s:%u:%u: %s", d->file, d->line, d->column, d->message);
}

int fl_report_source_degraded(struct fl_reporter *r, const char *source, const char *what,
        int error, const char *reason) {
        struct fl_jentry e;

        begin(r, &e, FL_MESSAGE_SOURCE_DEGRADED, LOG_WARNING);
        fl_jentry_add(&e, "FAULTLINE_SOURCE", "%s", source);
        if (what)
                fl_jentry_add(&e, "FAULTLINE_COMPONENT", "%s", what);
        if (error)
                fl_jentry_add(&e, "ERRNO", "%d", -error);
        fl_jentry_add(&e, "FAULTLINE_REASON", "%s", reason);
        return finish(r, &e, LOG_WARNING, "source %s%s%s degraded: %s%s%s", source, what ? " " : "",
                what ? what : "", reason, error ? ": " : "", error ? strerror(-error) : "");
}

int fl_report_source_recovered(
        struct fl_reporter *r, const char *source, const char *what, const char *reason) {
        struct fl_jentry e;

        begin(r, &e, FL_MESSAGE_SOURCE_RECOVERED, LOG_NOTICE);
        fl_jentry_add(&e, "FAULTLINE_SOURCE", "%s", source);
        if (what)
                fl_jentry_add(&e, "FAULTLINE_COMPONENT", "%s", what);
        fl_jentry_add(&e, "FAULTLINE_REASON", "%s", reason);
        return finish(r, &e, LOG_NOTICE, "source %s%s%s recovered: %s", source, what ? " " : "",
                what ? what : "", reason);
}

int fl_report_bpf_attach(struct fl_reporter *r, const char *summary, unsigned n_attached) {
        struct fl_jentry e;

        begin(r, &e, FL_MESSAGE_BPF_ATTACH, LOG_INFO);
        fl_jentry_add(&e, "FAULTLINE_SOURCE", "bpf");
        fl_jentry_add(&e, "FAULTLINE_BPF_ATTACHED", "%u", n_attached);
        fl_jentry_add(&e, "FAULTLINE_BPF_SUMMARY", "%s", summary);
        return finish(r, &e, LOG_INFO, "bpf tracepoints %s", summary);
}

int fl_report_started(struct fl_reporter *r, const char *status, bool dry_run) {
        struct fl_jentry e;

        begin(r, &e, FL_MESSAGE_STARTED, LOG_INFO);
        fl_jentry_add(&e, "FAULTLINE_STATUS", "%s", status);
        fl_jentry_add(&e, "FAULTLINE_DRY_RUN", "%d", dry_run ? 1 : 0);
        return finish(r, &e, LOG_INFO, "started%s: %s", dry_run ? " (dry run)" : "", status);
}

int fl_report_stopped(struct fl_reporter *r, const char *reason) {
        struct fl_jentry e;

        begin(r, &e, FL_MESSAGE_STOPPED, LOG_INFO);
        fl_jentry_add(&e, "FAULTLINE_REASON", "%s", reason);
        return finish(r, &e, LOG_INFO, "stopped: %s", reason);
}
