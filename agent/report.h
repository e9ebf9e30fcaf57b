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

#include "diag.h"
#include "engine.h"
#include "macro.h"
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
