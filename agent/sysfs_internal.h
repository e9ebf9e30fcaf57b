/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared core of the sysfs source, used by its three families (source_edac.c,
 * source_thermal.c, source_hwmon.c). Not part of the agent's public API.
 *
 * A family's discover function walks its directories and registers one
 * sensor per attribute it reads each poll (a counter, a zone temperature, an
 * hwmon input, an alarm), with private data describing the labels and limits
 * found. Its read function reads the attribute and reports changes through
 * sysfs_counter_update() / sysfs_threshold_update() and sysfs_emit(). Limits
 * and labels are re-read on each rescan, values on each poll.
 */
#pragma once

#include <dirent.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <syslog.h>
#include <systemd/sd-event.h>

#include "event.h"
#include "log.h"
#include "source_sysfs.h"

/* Longest attribute we read; sysfs numbers and labels are far shorter. */
#define SYSFS_VALUE_MAX 256
/* Fixed-size relative paths: sysfs paths under the families' roots are short. */
#define SYSFS_PATH_MAX  512

enum sysfs_family {
        SYSFS_FAMILY_EDAC,
        SYSFS_FAMILY_THERMAL,
        SYSFS_FAMILY_HWMON,
        _SYSFS_FAMILY_MAX,
};

struct sysfs_sensor;

struct sysfs_sensor_ops {
        enum sysfs_family family;
        /* Reads the sensor and emits events. Returns 0, or -errno to mark the
         * sensor degraded (any error: the read, parsing, a vanished file). */
        int (*read)(struct fl_source_sysfs *src, struct sysfs_sensor *sensor);
        void (*free_data)(void *data);
};

struct sysfs_sensor {
        struct fl_source_sysfs *src;
        /* The attribute read each poll, relative to the sysfs root. */
        char *path;
        const struct sysfs_sensor_ops *ops;
        void *data;

        bool seen;     /* found by the current rescan */
        bool late;     /* first found after the first walk of this run */
        bool degraded; /* last read failed; retried on rescan */
        int error;

        /* Held open only for POLLPRI sensors. */
        int fd;
        bool want_notify;
        sd_event_source *notify_source;
};

struct fl_source_sysfs {
        sd_event *event;
        sd_event_source *timer;
        int root_fd;
        char *root;
        char *state_path;
        char boot_id[33];
        uint64_t interval_usec;
        uint64_t rescan_usec;
        uint64_t next_rescan_usec; /* CLOCK_BOOTTIME */

        fl_event_fn callback;
        void *userdata;
        fl_log_fn log;
        void *log_userdata;
        fl_persist_barrier_fn barrier;
        void *barrier_userdata;

        /* Sorted by path. */
        struct sysfs_sensor **sensors;
        size_t n_sensors;
        size_t n_allocated;
        bool walked;   /* the first directory walk of this run happened */
        bool new_boot; /* the state file came from an earlier boot */

        /* Persisted state (see sysfs_state.c). */
        json_t *counters;
        json_t *thresholds;
        bool state_dirty;

        struct fl_sysfs_stats stats;
};

#define sysfs_debug(src, ...) fl_logf((src)->log, (src)->log_userdata, LOG_DEBUG, __VA_ARGS__)

/* Registers (or refreshes, during a rescan) the sensor reading `path`. Takes
 * ownership of `data` in every case (freed with ops->free_data on failure or
 * when replacing older data). `notify` asks for a POLLPRI watch. Returns 0 or
 * -ENOMEM. */
int sysfs_sensor_add(struct fl_source_sysfs *src, const char *path,
        const struct sysfs_sensor_ops *ops, void *data, bool notify);

/* Reads the sensor's own attribute (through its held fd when it has one) into
 * `buf`, NUL-terminated with trailing whitespace removed. Returns the length
 * or -errno; -E2BIG when the value does not fit. */
int sysfs_sensor_read(
        struct fl_source_sysfs *src, struct sysfs_sensor *sensor, char *buf, size_t size);

/* The same for any attribute below the root. */
int sysfs_read_string(struct fl_source_sysfs *src, const char *path, char *buf, size_t size);
/* Reads a decimal integer attribute; -EBADMSG when it is not one. */
int sysfs_read_int(struct fl_source_sysfs *src, const char *path, int64_t *ret);
/* Parses a decimal integer with optional trailing whitespace. 0 or -EBADMSG. */
int sysfs_parse_int(const char *s, int64_t *ret);

/* True when `path` below the root exists (following symlinks). */
bool sysfs_exists(struct fl_source_sysfs *src, const char *path);

/* The identity of an occurrence: "sysfs:<boot_id>:<key>:<n>" plus
 * ":<suffix>" when given. `n` is a counter value or a crossing sequence,
 * so re-reading the same occurrence (after a restart too) gives the same
 * string. Returns 0 or -ENAMETOOLONG. */
#define SYSFS_IDENTITY_MAX (SYSFS_PATH_MAX + 96)
int sysfs_identity(struct fl_source_sysfs *src, char buf[static SYSFS_IDENTITY_MAX],
        const char *key, uint64_t n, const char *suffix);

/* Opens a directory below the root for walking; -errno on failure. */
int sysfs_opendir(struct fl_source_sysfs *src, const char *path, DIR **ret_dir);

/* Matches "<prefix><digits><suffix>" and returns the digits' value. */
bool sysfs_match_index(
        const char *name, const char *prefix, const char *suffix, unsigned *ret_index);

/* Joins into a fixed path buffer; -ENAMETOOLONG when it does not fit. */
int sysfs_path(char buf[static SYSFS_PATH_MAX], const char *format, ...)
        __attribute__((format(printf, 2, 3)));

/* Builds and delivers one event: the source, kind, identity and count plus
 * `fields`, with the current wall and monotonic clock. */
void sysfs_emit(struct fl_source_sysfs *src, enum fl_sysfs_kind kind, const char *identity,
        uint64_t count, const struct fl_field *fields, size_t n_fields);

/* ---- persisted state (sysfs_state.c) ---- */

/* Loads STATE_DIR/sysfs.json into src. A missing file is a first run; a
 * corrupt one is reported (-EBADMSG) and ignored by the caller. */
int sysfs_state_load(struct fl_source_sysfs *src);
/* Writes the state file if anything changed since the last save. */
int sysfs_state_save(struct fl_source_sysfs *src);

/* Compares a counter's current `value` with its last known one and records
 * `value`. Returns 0 and the increase in *ret_delta (0: nothing new; also
 * for a first baseline and for a counter that went down). -ENOMEM. */
int sysfs_counter_update(struct fl_source_sysfs *src, struct sysfs_sensor *sensor, uint64_t value,
        uint64_t *ret_delta);

enum sysfs_crossing {
        SYSFS_CROSSING_NONE,
        SYSFS_CROSSING_RAISE,
        SYSFS_CROSSING_CLEAR,
};

/* Threshold `key` (the limit attribute's path) is now at or above its limit
 * (`above`) or below its clear level (`cleared`; the limit minus any
 * hysteresis). Returns the crossing and, for RAISE and CLEAR, the sequence
 * number of the occurrence in *ret_seq; -ENOMEM. */
int sysfs_threshold_update(
        struct fl_source_sysfs *src, const char *key, bool above, bool cleared, uint64_t *ret_seq);

/* ---- families ---- */
int sysfs_edac_discover(struct fl_source_sysfs *src);
int sysfs_thermal_discover(struct fl_source_sysfs *src);
int sysfs_hwmon_discover(struct fl_source_sysfs *src);
