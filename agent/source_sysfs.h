/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sysfs source: EDAC error counters, thermal zones and hwmon sensors read
 * under a configurable sysfs root and turned into fl_events on one sd-event
 * loop. docs/sources.md lists every event kind and field.
 *
 * One CLOCK_BOOTTIME timer reads every sensor each interval (default 10 s);
 * directories are re-walked every rescan interval (default 60 s) so sensors
 * that appear are picked up, sensors that vanish are dropped, and degraded
 * sensors are retried. Attributes the kernel may sysfs_notify() (hwmon
 * *_alarm) are additionally watched with POLLPRI and re-read the moment the
 * kernel signals them. A sensor whose read fails (ENODATA, EINVAL, EIO, gone)
 * is marked degraded; the rest keep working.
 *
 * Counter baselines and threshold states live in STATE_DIR/sysfs.json so a
 * restart reports what happened while the agent was down, and re-reading the
 * same occurrence yields the same event identity.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "event.h"
#include "log.h"

enum fl_sysfs_kind {
        FL_SYSFS_EDAC_CE,
        FL_SYSFS_EDAC_UE,
        FL_SYSFS_THERMAL_TRIP,
        FL_SYSFS_THERMAL_CLEAR,
        FL_SYSFS_HWMON_TEMP,
        FL_SYSFS_HWMON_TEMP_CLEAR,
        FL_SYSFS_HWMON_ALARM,
        FL_SYSFS_HWMON_ALARM_CLEAR,
        _FL_SYSFS_KIND_MAX,
};

/* The event kind string ("edac_ce", "thermal_trip"...); NULL if invalid. */
const char *fl_sysfs_kind_to_string(enum fl_sysfs_kind kind);

#define FL_SYSFS_INTERVAL_USEC_DEFAULT (10ULL * 1000 * 1000)
#define FL_SYSFS_RESCAN_USEC_DEFAULT   (60ULL * 1000 * 1000)

struct fl_sysfs_config {
        /* Where sysfs is mounted; NULL means "/sys". */
        const char *sysfs_root;
        /* Directory for sysfs.json (created if missing); NULL: nothing is
         * persisted and every start records a fresh baseline. */
        const char *state_dir;
        /* Read period; 0 means FL_SYSFS_INTERVAL_USEC_DEFAULT. */
        uint64_t interval_usec;
        /* Directory walk and degraded-sensor retry period; 0 means
         * FL_SYSFS_RESCAN_USEC_DEFAULT. */
        uint64_t rescan_usec;
        /* 32 hex digits; NULL means the running kernel's boot id. */
        const char *boot_id;
        /* Debug messages (degraded sensors, state file problems); optional. */
        fl_log_fn log;
        void *log_userdata;
        /* Before the state file (baselines) is saved; optional. */
        fl_persist_barrier_fn barrier;
        void *barrier_userdata;
};

struct fl_sysfs_stats {
        uint64_t events[_FL_SYSFS_KIND_MAX];
        uint64_t polls;
        uint64_t rescans;
        unsigned sensors_ok;
        unsigned sensors_degraded;
        /* Sensors also woken by POLLPRI (a subset of ok + degraded). */
        unsigned sensors_notify;
        /* Transitions ok -> degraded and sensors dropped by a rescan. */
        uint64_t degradations;
        uint64_t vanished;
        /* Counters that went down (reset, hot-remove): new baseline, no event. */
        uint64_t counter_resets;
        uint64_t state_saves;
        /* Failures to load or save sysfs.json, and the last one (-errno). A
         * corrupt or unreadable file is counted here at creation and the
         * source starts without it: check after fl_source_sysfs_new(). */
        uint64_t state_errors;
        int last_state_error;
};

struct fl_source_sysfs;

/* Creates the source on `event`: loads the state file and arms the timer,
 * whose first expiry (on the loop's next iteration) walks the tree and
 * reads every sensor. `callback` gets every event (borrowed, see event.h).
 * Returns 0, -EINVAL for a bad config (invalid boot_id), -ENOENT if the
 * sysfs root does not exist, or another -errno. */
int fl_source_sysfs_new(sd_event *event, const struct fl_sysfs_config *config, fl_event_fn callback,
        void *userdata, struct fl_source_sysfs **ret);

/* Detaches from the loop, closes everything; accepts NULL, returns NULL. */
struct fl_source_sysfs *fl_source_sysfs_free(struct fl_source_sysfs *s);

/* Reads every sensor now, emitting events, then saves the state file if it
 * changed. With `rescan`, first re-walks the directories and retries
 * degraded sensors. The timer calls this; so can tests and the daemon.
 * Sensor failures never fail the call. Returns 0, or -ENOMEM; a state file
 * that cannot be written is returned as its -errno after all events were
 * emitted (and counted in stats). */
int fl_source_sysfs_poll(struct fl_source_sysfs *s, bool rescan);

/* The health of the sensor reading `path` (relative to the sysfs root, e.g.
 * "class/hwmon/hwmon0/temp1_input"): *ret_error is 0 when its last read
 * worked, else the -errno that degraded it. Returns 0, or -ENOENT when no
 * sensor reads that path. */
int fl_source_sysfs_sensor_error(const struct fl_source_sysfs *s, const char *path, int *ret_error);

/* Copies the counters into `ret`. */
void fl_source_sysfs_get_stats(const struct fl_source_sysfs *s, struct fl_sysfs_stats *ret);
