/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Watches rules_dir with inotify (sd_event_add_inotify) and calls back once
 * things settle: a rule file created, written and closed, moved in, deleted
 * or moved out re-arms one CLOCK_BOOTTIME timer `delay` ahead, so an editor's
 * save (write temp file, rename) or a package unpacking twenty files causes
 * one reload, not twenty. The timer is created once and re-armed, never
 * re-created. A steady stream of changes still reloads at least every 10
 * delays, so it cannot postpone a reload forever.
 *
 * Only names ending in ".hcl" count (editor swap and backup files do not).
 * If the directory itself is deleted or moved away, the watch is re-added
 * at the next callback (fl_rules_watch_rearm()), and the callback runs so the
 * loader sees the change.
 */
#pragma once

#include <stdint.h>
#include <systemd/sd-event.h>

#include "macro.h"

struct fl_rules_watch;

typedef void (*fl_rules_watch_fn)(void *userdata);

/* Returns 0, or -errno from inotify (e.g. -ENOENT: no such directory). */
int fl_rules_watch_new(sd_event *event, const char *dir, uint64_t delay_usec, fl_rules_watch_fn fn,
        void *userdata, struct fl_rules_watch **ret);
struct fl_rules_watch *fl_rules_watch_free(struct fl_rules_watch *w);
FL_DEFINE_CLEANUP(struct fl_rules_watch *, fl_rules_watch_free);

/* Re-adds the inotify watch if the directory went away and is back.
 * Returns 0 when watching, or -errno. */
int fl_rules_watch_rearm(struct fl_rules_watch *w);

/* Changes noticed since creation (for tests and metrics). */
uint64_t fl_rules_watch_changes(const struct fl_rules_watch *w);
