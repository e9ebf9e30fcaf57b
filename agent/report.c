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
