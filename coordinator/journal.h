/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The coordinator's journal: structured entries (SYSLOG_IDENTIFIER=
 * faultline-coordinator, a MESSAGE_ID from messages.h, FAULTLINE_* fields;
 * docs/journald.md) for every decision, refusal, answered request and
 * lifecycle event.
 *
 * Folding: a storm of identical rejections (same workflow, node and
 * constraint) or identical refusals (same error, key and node) would
 * otherwise write one entry per request. The first one is written at once;
 * the ones that follow within fold_interval are counted, and when the
 * interval ends one FL_MESSAGE_FOLDED entry says how many there were
 * (FAULTLINE_FOLDED_COUNT). Nothing is dropped silently. fold_interval 0
 * writes every one.
 *
 * Entries go to journald (sd_journal_sendv); when there is no journald to
 * talk to, the MESSAGE line goes to stderr instead.
 */
#pragma once

#include <event2/event.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/uio.h>

#include "decide.h"
#include "macro.h"

/* Where entries go: sd_journal_sendv() by default; tests capture them.
 * Returns 0 or -errno. */
typedef int (*fl_journal_send_fn)(const struct iovec *iov, int n, void *userdata);

struct fl_journal_options {
        uint64_t fold_interval_usec;
        /* Access log lines and free-form messages less important than this
         * syslog priority are not written; decisions and refusals always
         * are. 0 means LOG_DEBUG (everything). */
        int max_priority;
        fl_journal_send_fn send; /* NULL: journald */
        void *userdata;
};

struct fl_journal;

int fl_journal_new(
        struct event_base *base, const struct fl_journal_options *options, struct fl_journal **ret);
/* Writes the pending folded counts, then frees. NULL-safe; returns NULL. */
struct fl_journal *fl_journal_free(struct fl_journal *j);
FL_DEFINE_CLEANUP(struct fl_journal *, fl_journal_free);

struct fl_journal_decision {
        const struct fl_decision_result *result;
        const char *node, *node_type, *datacenter, *rule, *idempotency_key;
        const char *constraint; /* label of the deciding constraint, or NULL */
        const char *caller;     /* SPIFFE ID of the client, or NULL */
        const char *keyid;      /* signing key, or NULL */
        const char *source;     /* "trigger", "alertmanager" */
};

void fl_journal_decision(struct fl_journal *j, const struct fl_journal_decision *e);

struct fl_journal_refusal {
        int status;          /* HTTP status answered */
        const char *error;   /* the answer's error code */
        const char *message; /* ... and message */
        const char *caller, *keyid, *node, *workflow, *peer, *path;
};

void fl_journal_refusal(struct fl_journal *j, const struct fl_journal_refusal *e);

struct fl_journal_access {
        const char *method, *path, *route, *caller, *peer, *detail;
        int status;
        uint64_t duration_usec;
};

void fl_journal_access(struct fl_journal *j, const struct fl_journal_access *e);

/* A free-form entry: PRIORITY, MESSAGE_ID, MESSAGE, plus optional
 * NULL-terminated "FIELD=value" strings. */
void fl_journal_message(struct fl_journal *j, int priority, const char *message_id,
        const char *const *fields, const char *fmt, ...) _printf_(5, 6);

struct fl_journal_stats {
        uint64_t entries; /* written */
        uint64_t folded;  /* counted into FOLDED entries */
        uint64_t failed;  /* could not be written (went to stderr) */
};
void fl_journal_get_stats(const struct fl_journal *j, struct fl_journal_stats *ret);
