/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Where triggers go once a rule fired outside --dry-run: the seam between
 * detection (this daemon's loop) and delivery to the coordinator.
 *
 * A delivery is a small vtable plus its state. The manager creates one with
 * fl_delivery_new() at start, hands it every trigger through
 * fl_delivery_submit() from the event loop, asks it for metrics lines, and
 * frees it on shutdown. Today the only implementation is journald-only
 * (delivery_journal.c): each trigger becomes a FL_MESSAGE_TRIGGER_RECORDED
 * entry holding the POST /v1/triggers body. Signed delivery (outbox, RFC 9421
 * signatures, mTLS, retries with config->coordinator.retry) is another
 * implementation of the same ops, chosen in fl_delivery_new() when
 * config->coordinator.configured.
 *
 * Rules for implementations:
 *  - submit() runs on the agent's sd-event loop: it must not block. Network
 *    work goes through io/timer sources on the loop given to the
 *    constructor. It makes the trigger durable (outbox) before any network
 *    attempt and before flush() returns, so a crash after a firing never
 *    loses it (the coordinator delivery writes at once and shares one
 *    fdatasync among the firings of a loop iteration).
 *  - The trigger and everything it points to are borrowed for the call:
 *    copy what is kept (fl_trigger_to_json() gives the body to store).
 *  - submit() returns 0 when the trigger is accepted (queued or delivered;
 *    coalescing into a pending one counts as accepted), or -errno when it is
 *    refused (-ENOBUFS outbox full, -EIO disk error...). The manager reports
 *    a refusal in the journal (FL_MESSAGE_DELIVERY_REFUSED) and counts it per
 *    rule; it does not retry: retrying is the delivery's job.
 *  - Coordinator answers are the delivery's to log (CONTRACT.md: every
 *    answer is a journal entry), through the reporter it was given.
 */
#pragma once

#include <stdio.h>
#include <systemd/sd-event.h>

#include "config.h"
#include "report.h"
#include "trigger.h"

struct fl_delivery_ops {
        const char *name; /* "journal", "coordinator": for STATUS= and metrics */
        /* Required. See the rules above. */
        int (*submit)(void *impl, const struct fl_trigger *t);
        /* Optional: appends Prometheus text-format lines (metric names
         * starting with faultline_agent_delivery_) to `f`. Returns 0 or -errno. */
        int (*write_metrics)(void *impl, FILE *f);
        /* Optional: makes every trigger accepted so far durable now. The
         * manager calls it before a source persists its read position
         * (journal cursor, sysfs baselines), so a crash never leaves a
         * position past a firing that is not on disk. Returns 0 or -errno. */
        int (*flush)(void *impl);
        /* Optional: called once before free when the agent stops, while the
         * loop still exists (e.g. to flush or cancel transfers). */
        void (*stop)(void *impl);
        /* Required: releases impl (accepts NULL). */
        void (*free)(void *impl);
};

struct fl_delivery {
        const struct fl_delivery_ops *ops;
        void *impl;
};

/* Everything an implementation may need, borrowed for the agent's lifetime. */
struct fl_delivery_context {
        sd_event *event;
        const struct fl_agent_config *config;
        struct fl_reporter *reporter;
};

/* Wraps `impl` (ownership passes to the delivery, also on failure). */
int fl_delivery_wrap(const struct fl_delivery_ops *ops, void *impl, struct fl_delivery **ret);

/* Creates the delivery the configuration asks for. Returns 0 or -errno. */
int fl_delivery_new(const struct fl_delivery_context *ctx, struct fl_delivery **ret);

/* The journald-only delivery. */
int fl_delivery_journal_new(const struct fl_delivery_context *ctx, struct fl_delivery **ret);

/* Signed delivery to config->coordinator through the outbox in state_dir
 * (delivery_coordinator.c). Returns 0; -EWOULDBLOCK when another process
 * holds the outbox; the signing key's error (-ENOENT, -EBADMSG...); -ENOMEM.
 * An unwritable state_dir is not an error: it is reported, and firings are
 * kept in memory until the outbox can be opened. */
int fl_delivery_coordinator_new(const struct fl_delivery_context *ctx, struct fl_delivery **ret);

int fl_delivery_submit(struct fl_delivery *d, const struct fl_trigger *t);
/* ops->flush, if any; accepts NULL (dry run). */
int fl_delivery_flush(struct fl_delivery *d);
int fl_delivery_write_metrics(struct fl_delivery *d, FILE *f);
const char *fl_delivery_name(const struct fl_delivery *d);
/* Calls stop (if any) then free; accepts NULL, returns NULL. */
struct fl_delivery *fl_delivery_free(struct fl_delivery *d);
FL_DEFINE_CLEANUP(struct fl_delivery *, fl_delivery_free);
