/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The agent daemon: one sd-event loop owning everything (docs/agent.md).
 *
 *   - sources: BPF tracepoints, sysfs sensors, journald (each optional; one
 *     that fails to start is reported and the others run, unless
 *     sources { required = true });
 *   - the rule engine, fed by fl_dispatch_event(), and the rules directory,
 *     reloaded on inotify (debounced) and SIGHUP, which also recomputes the
 *     BPF filter and the journald matches;
 *   - outputs: journald entries for every firing, and the delivery;
 *   - service plumbing: SIGTERM/SIGINT stop, READY=1 once the sources are
 *     up, WATCHDOG=1 through sd_event_set_watchdog(), STATUS= summary, and a
 *     housekeeping timer (metrics_interval) that checks source health,
 *     refreshes STATUS= and writes the metrics file when it changed.
 *
 * Idle, the loop wakes only for that timer (default every 15 s) and the
 * watchdog, never polls, and the sysfs source reads sensors every
 * sysfs_interval (10 s).
 */
#pragma once

#include <stdbool.h>

#include "config.h"
#include "macro.h"

struct fl_manager;

struct fl_manager_options {
        const char *config_path; /* NULL: FL_AGENT_CONFIG_DEFAULT_PATH */
        const char *rules_dir;   /* overrides the config's rules_dir */
        bool dry_run;            /* firings only go to the journal */
};

/* Loads the configuration and the rules and starts every source. Problems
 * are logged (journald, and stderr when not already there). Returns 0,
 * -EINVAL for an invalid configuration (printed on stderr), or -errno when the
 * agent cannot run (no rules_dir, a required source failed...). */
int fl_manager_new(const struct fl_manager_options *opts, struct fl_manager **ret);

/* Runs until SIGTERM or SIGINT. Returns 0 after a clean stop, or -errno. */
int fl_manager_run(struct fl_manager *m);

/* Flushes the journal cursor, stops sources; accepts NULL, returns NULL. */
struct fl_manager *fl_manager_free(struct fl_manager *m);
FL_DEFINE_CLEANUP(struct fl_manager *, fl_manager_free);

/* --check: validates the configuration and every rule file, printing each
 * problem to `out` as FILE:LINE:COL: message. Returns 0 when all is valid,
 * -EINVAL when there were problems, -ENOMEM. */
int fl_agent_check(const char *config_path, const char *rules_dir, FILE *out);
