/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The journald source: follows the system journal (or the journal files in a
 * directory) through sd-journal on the agent's sd-event loop and turns each
 * matching entry into an fl_event of kind "journal" (fields in
 * docs/sources.md; identity = the entry's cursor).
 *
 * What it reads: kernel messages (_TRANSPORT=kernel) always, plus the match
 * groups set with fl_source_journal_set_matches(), OR-ed together.
 *
 * Where it starts: right after the cursor saved in STATE_DIR/journal.cursor
 * (whatever boot that entry belongs to), so a restart neither replays nor
 * misses lines; with no saved cursor, at the first entry of the current boot,
 * so faults logged during boot before the agent ran are seen.
 *
 * How it reads: the journal fd is an io source; entries are handed out at
 * most `batch_max` per loop iteration, and the next batch waits until every
 * other source that became pending meanwhile had its turn, so a flood never
 * starves the loop's other sources. The cursor is saved (atomically)
 * when a drain catches up, and at most every `cursor_save_usec` while a
 * flood lasts; the daemon calls fl_source_journal_flush_cursor() on
 * shutdown. A crash can therefore replay (never lose) up to that much, and
 * replays carry the same identity.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "event.h"
#include "log.h"

#define FL_JOURNAL_BATCH_DEFAULT            256
#define FL_JOURNAL_CURSOR_SAVE_USEC_DEFAULT (1000ULL * 1000)
/* Caps on what set_matches accepts. */
#define FL_JOURNAL_GROUPS_MAX               64
#define FL_JOURNAL_GROUP_MATCHES_MAX        16
#define FL_JOURNAL_MATCH_MAX                1024
/* Longest MESSAGE handed to rules; longer ones are cut (and counted). */
#define FL_JOURNAL_MESSAGE_MAX              (16 * 1024)
/* Longest value of any other field. */
#define FL_JOURNAL_FIELD_MAX                512

struct fl_journal_config {
        /* Directory for journal.cursor (created if missing); NULL: the cursor
         * is not persisted and every start begins at the current boot. */
        const char *state_dir;
        /* Follow the journal files in this directory (new files included)
         * instead of the local system journal. */
        const char *journal_directory;
        /* Entries handed out per loop iteration; 0: FL_JOURNAL_BATCH_DEFAULT. */
        unsigned batch_max;
        /* Longest a processed cursor stays unsaved during a flood; 0:
         * FL_JOURNAL_CURSOR_SAVE_USEC_DEFAULT. */
        uint64_t cursor_save_usec;
        /* The boot whose start a first run reads from; NULL: the running
         * kernel's boot (tests pass one). 32 hex digits. */
        const char *boot_id;
        fl_log_fn log;
        void *log_userdata;
        /* Before the cursor is saved; optional. */
        fl_persist_barrier_fn barrier;
        void *barrier_userdata;
};

/* One group of "FIELD=value" matches: all must hold (sd-journal semantics:
 * matches on the same field are OR-ed, different fields AND-ed). */
struct fl_journal_match_group {
        const char *const *matches;
        size_t n_matches;
};

struct fl_journal_stats {
        uint64_t lines;      /* entries turned into events */
        uint64_t batches;    /* drain rounds that handed out at least one entry */
        uint64_t last_batch; /* entries in the latest such round */
        uint64_t max_batch;
        uint64_t invalidations; /* journal files added, removed or rotated */
        uint64_t reopens;       /* after a backlog, to release its mappings */
        uint64_t truncated;     /* field values cut at their cap */
        uint64_t read_errors;   /* failures reading an entry (it is skipped) */
        uint64_t cursor_saves;
        /* Cursor file problems: an unreadable or unusable saved cursor at
         * start (the source then starts at the current boot), or failed
         * saves (retried). */
        uint64_t cursor_errors;
        int last_cursor_error;
};

struct fl_source_journal;

/* Opens the journal and attaches to `event`; reading starts on the loop's
 * next iteration. Returns 0, -EINVAL for a bad config, or -errno (e.g.
 * -ENOENT for a missing journal_directory). */
int fl_source_journal_new(sd_event *event, const struct fl_journal_config *config,
        fl_event_fn callback, void *userdata, struct fl_source_journal **ret);

/* Saves the cursor (best effort, see flush_cursor), detaches, closes;
 * accepts NULL, returns NULL. */
struct fl_source_journal *fl_source_journal_free(struct fl_source_journal *j);

/* Replaces the extra match groups (the kernel group always stays). Reading
 * continues after the last entry handed out, under the new filter. Returns
 * 0; -EINVAL for a match that is not FIELD=value with FIELD of A-Z, 0-9 and
 * _ not starting with a digit, or an empty group; -E2BIG past a cap; on any
 * error the previous groups stay in force. */
int fl_source_journal_set_matches(
        struct fl_source_journal *j, const struct fl_journal_match_group *groups, size_t n_groups);

/* Writes the cursor of the last entry handed out, if not yet saved. Returns
 * 0 or -errno. */
int fl_source_journal_flush_cursor(struct fl_source_journal *j);

/* Copies the counters into `ret`. */
void fl_source_journal_get_stats(const struct fl_source_journal *j, struct fl_journal_stats *ret);
