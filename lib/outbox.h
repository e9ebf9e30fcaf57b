/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The agent's durable outbox: triggers that must reach the coordinator, kept
 * in state_dir so that neither a coordinator outage nor a crash loses one.
 * See lib/outbox.c for the on-disk format.
 *
 * One writer (the agent, holding an exclusive flock) and any number of
 * readers (faultlinectl outbox, opened read-only) may use a directory at once.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"

struct fl_outbox;

struct fl_outbox_options {
        /* Above this many bytes of pending records, a firing whose rule and
         * key match a pending record is folded into it (0: 16 MiB). */
        uint64_t soft_limit_bytes;
        /* Above this many, a firing that cannot be folded is refused with
         * -ENOBUFS so the caller can raise an alarm (0: 4 x soft limit). */
        uint64_t hard_limit_bytes;
        /* Open for inspection: no lock, no repair, no writes. */
        bool read_only;
        /* Group commit: fl_outbox_append() writes without waiting for the
         * disk, and fl_outbox_sync() makes everything written so far durable
         * with one fdatasync(). The caller syncs before it relies on a
         * record (before sending it, before persisting a source position). */
        bool defer_sync;
};

/* What opening found that it had to skip. */
struct fl_outbox_recovery {
        uint64_t torn_tail_bytes; /* an incomplete last record, cut off */
        uint64_t corrupt_bytes;   /* damaged records in the middle, skipped */
        unsigned corrupt_regions;
};

struct fl_outbox_entry {
        uint64_t seq;
        char *id; /* idempotency key */
        char *rule;
        char *key;  /* threshold key the rule counted under */
        char *body; /* the trigger JSON, without signature */
        uint64_t created_usec;
        uint64_t last_attempt_usec;
        uint32_t attempts;
        uint64_t coalesced; /* later firings folded into this one */
        char *last_result;  /* e.g. "http 503", "connect: Connection refused" */
};

enum {
        FL_OUTBOX_APPENDED = 0,
        FL_OUTBOX_COALESCED = 1, /* folded into a pending record with the same rule and key */
        FL_OUTBOX_EXISTS = 2,    /* a record with this id is already pending */
};

/* Opens (creating when writable) DIR/outbox.log, replays it and repairs a
 * torn tail. Returns 0, -EWOULDBLOCK when another writer holds it, or
 * -errno. `ret_recovery` may be NULL. */
int fl_outbox_open(const char *dir, const struct fl_outbox_options *opts, struct fl_outbox **ret,
        struct fl_outbox_recovery *ret_recovery);

struct fl_outbox *fl_outbox_free(struct fl_outbox *ob);
FL_DEFINE_CLEANUP(struct fl_outbox *, fl_outbox_free);

/* Durably records a firing (written and fdatasync'ed before returning; with
 * defer_sync, written, and durable at the next fl_outbox_sync()). Returns
 * FL_OUTBOX_APPENDED, FL_OUTBOX_COALESCED or FL_OUTBOX_EXISTS (then `ret_seq`
 * names the record it matched), -ENOBUFS over the hard limit,
 * -ENOSPC/-EIO/... when the disk refused (nothing half-written remains). */
int fl_outbox_append(struct fl_outbox *ob, const char *id, const char *rule, const char *key,
        const char *body, uint64_t now_usec, uint64_t *ret_seq);

/* Removes a pending record once the coordinator decided on it. Not synced:
 * losing it in a crash only causes a redelivery the coordinator answers
 * "duplicate". Returns 0, -ENOENT for an unknown seq, or the error of
 * writing the DONE record (-ENOSPC...): the record has left the pending set
 * all the same, and only a restart offers it again. */
int fl_outbox_complete(struct fl_outbox *ob, uint64_t seq, const char *outcome);

/* Counts a delivery attempt and its result (visible to readers at once). */
int fl_outbox_note_attempt(
        struct fl_outbox *ob, uint64_t seq, uint64_t now_usec, const char *result);

/* With defer_sync: makes every record written so far durable (one
 * fdatasync). When the disk refuses the sync, the log is rewritten from the
 * pending set (fl_outbox_compact(), which syncs), since what the failed sync
 * left on disk is unknown. Returns 0, or -errno when neither worked (the
 * pending set in memory is intact; what a restart finds is not known).
 * A no-op when nothing is waiting. */
int fl_outbox_sync(struct fl_outbox *ob);

/* True when records were written since the last sync (defer_sync). */
bool fl_outbox_unsynced(const struct fl_outbox *ob);

/* Pending records in append order. */
size_t fl_outbox_pending(const struct fl_outbox *ob);
const struct fl_outbox_entry *fl_outbox_get(const struct fl_outbox *ob, size_t i);
const struct fl_outbox_entry *fl_outbox_find(const struct fl_outbox *ob, uint64_t seq);

/* Bytes of the log file, and bytes the pending records take in it. */
uint64_t fl_outbox_file_bytes(const struct fl_outbox *ob);
uint64_t fl_outbox_pending_bytes(const struct fl_outbox *ob);

/* Rewrites the log with only the pending records (temp file, fsync,
 * rename). Done automatically when most of the file is dead. */
int fl_outbox_compact(struct fl_outbox *ob);
