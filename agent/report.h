/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the agent tells journald: every rule firing, reloads, rule-file
 * problems, source health, the BPF attach summary, start and stop, each as a
 * structured entry with SYSLOG_IDENTIFIER=faultline-agent, a MESSAGE_ID from
 * messages.h and FAULTLINE_* fields (docs/journald.md), plus plain log lines.
 *
 * When stderr is not already connected to the journal (systemd's
 * JOURNAL_STREAM), every MESSAGE is mirrored there too, so the agent run by
 * hand or from a test shows what it does.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "delivery_policy.h"
#include "diag.h"
#include "engine.h"
#include "macro.h"
#include "outbox.h"
#include "trigger.h"

#define FL_AGENT_IDENT "faultline-agent"

struct fl_reporter;

struct fl_reporter_stats {
        uint64_t entries;  /* sent to journald */
        uint64_t failures; /* sd_journal_sendv() failed (e.g. no journald) */
        int last_error;
};

/* `node` goes into every entry (FAULTLINE_NODE); messages above `level`
 * (a syslog priority) are not logged. */
int fl_reporter_new(const char *node, int level, struct fl_reporter **ret);
struct fl_reporter *fl_reporter_free(struct fl_reporter *r);
FL_DEFINE_CLEANUP(struct fl_reporter *, fl_reporter_free);

void fl_reporter_set_level(struct fl_reporter *r, int level);
/* Overrides the JOURNAL_STREAM check (tests, --check). */
void fl_reporter_set_stderr(struct fl_reporter *r, bool mirror);
void fl_reporter_get_stats(const struct fl_reporter *r, struct fl_reporter_stats *ret);

/* A plain log line (no MESSAGE_ID). */
void fl_report_log(struct fl_reporter *r, int priority, const char *fmt, ...) _printf_(3, 4);

/* A rule fired. `latency_usec` is the time from the kernel's timestamp of the
 * completing occurrence to the decision (UINT64_MAX: unknown). */
int fl_report_firing(
        struct fl_reporter *r, const struct fl_firing *f, uint64_t latency_usec, bool dry_run);

/* The journald-only delivery kept trigger `t` (body = its JSON). */
int fl_report_trigger_recorded(struct fl_reporter *r, const struct fl_trigger *t, const char *body);

/* The delivery refused trigger `t` with `error` (-errno). */
int fl_report_delivery_refused(struct fl_reporter *r, const struct fl_trigger *t, int error);

/* A pending trigger as the delivery entries name it. */
struct fl_delivery_report {
        const char *rule;
        const char *workflow;
        const char *key;
        const char *idempotency_key;
        uint32_t attempt;       /* this attempt's number, from 1 (0: unknown) */
        uint64_t retry_in_usec; /* when the next attempt is due; UINT64_MAX: none */
        uint64_t elapsed_usec;  /* the request's duration */
};

/* The coordinator answered trigger `t` with `a` (decision or error). */
int fl_report_coordinator_answer(struct fl_reporter *r, const struct fl_delivery_report *t,
        const struct fl_delivery_answer *a);

/* Delivery needs an operator: `problem` is what was answered (or which of
 * our files is unusable), `waiting` how many triggers wait for the fix. */
int fl_report_delivery_operator(struct fl_reporter *r, const struct fl_delivery_report *t,
        int http_status, const char *problem, size_t waiting, uint64_t retry_in_usec);

/* No useful answer from `url` any more (`failure`: "connect", "http 503"...,
 * `error`: the details); `pending` triggers wait. */
int fl_report_coordinator_unreachable(struct fl_reporter *r, const char *url, const char *failure,
        const char *error, size_t pending, uint64_t retry_in_usec);
/* Answers again after `outage_usec`. */
int fl_report_coordinator_reachable(
        struct fl_reporter *r, const char *url, uint64_t outage_usec, size_t pending);

/* Opening the outbox in `dir` skipped what `rec` says. */
int fl_report_outbox_recovered(struct fl_reporter *r, const char *dir,
        const struct fl_outbox_recovery *rec, size_t pending);
/* `operation` ("open", "append", "complete") failed with `error` (-errno);
 * `memory_only` triggers are now kept in memory only. */
int fl_report_outbox_error(struct fl_reporter *r, const char *dir, const char *operation, int error,
        size_t memory_only);
/* The outbox works again; `persisted` triggers went from memory to disk. */
int fl_report_outbox_writable(struct fl_reporter *r, const char *dir, size_t persisted);
/* The pending records went over (`over`) or back under the soft limit. */
int fl_report_outbox_limit(struct fl_reporter *r, const char *dir, bool over,
        uint64_t pending_bytes, uint64_t soft_limit_bytes);
/* At stop, `n` triggers could only be kept in memory and are lost; `ids`
 * names them (comma-separated, possibly cut). */
int fl_report_triggers_lost(
        struct fl_reporter *r, const char *dir, size_t n, const char *ids, int error);

/* rules.d was read (`why`: "start", "inotify", "SIGHUP"); `n_problems`
 * problems were found (each reported by fl_report_rule_problem()). */
int fl_report_rules_reloaded(
        struct fl_reporter *r, const char *dir, const char *why, size_t n_rules, size_t n_problems);

/* One problem of a rule file, as FILE:LINE:COL: message. */
int fl_report_rule_problem(struct fl_reporter *r, const struct fl_diag *d);

/* A source (or one component of it: `what`, e.g. a tracepoint; may be NULL)
 * stopped working or failed to start; `error` is -errno or 0. */
int fl_report_source_degraded(
        struct fl_reporter *r, const char *source, const char *what, int error, const char *reason);
int fl_report_source_recovered(
        struct fl_reporter *r, const char *source, const char *what, const char *reason);

/* source_bpf_summary()'s line and the number of attached programs. */
int fl_report_bpf_attach(struct fl_reporter *r, const char *summary, unsigned n_attached);

int fl_report_started(struct fl_reporter *r, const char *status, bool dry_run);
int fl_report_stopped(struct fl_reporter *r, const char *reason);
