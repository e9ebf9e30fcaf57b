/* SPDX-License-Identifier: Apache-2.0 */
/*
 * STATE_DIR/sysfs.json: what the sysfs source has already reported, so that a
 * restart neither repeats an event nor misses what happened while the agent
 * was down. Example:
 *
 *   {"boot_id": "7add160ff7e04b33bbf0c5c548bd7fa9",
 *    "counters": {"devices/system/edac/mc/mc0/dimm0/dimm_ce_count": 12},
 *    "thresholds": {"class/thermal/thermal_zone0/trip_point_1_temp":
 *                       {"above": true, "seq": 2}},
 *    "version": 1}
 *
 * counters: the last value seen of each counter, keyed by its path relative
 * to the sysfs root. Entries of counters that vanished stay, so a DIMM that
 * comes back continues from its old value instead of looking brand new.
 * thresholds: per limit attribute, how many upward crossings happened in this
 * boot (the last one's sequence number goes into the event identity) and
 * whether the value is still above, so a restart while hot does not fire
 * again. Everything is per boot: EDAC counters restart at zero with the
 * kernel, so a file from an earlier boot is dropped and every count of the
 * new boot is news (see sysfs_counter_update()).
 */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>

#include "fileio.h"
#include "macro.h"
#include "sysfs_internal.h"

/* Far above any real machine (a few hundred counters and limits). */
#define STATE_FILE_MAX (4 * 1024 * 1024)
#define STATE_VERSION  1

static bool counters_valid(json_t *counters) {
        const char *key;
        json_t *v;

        if (!json_is_object(counters))
                return false;
        json_object_foreach (counters, key, v) {
                if (!json_is_integer(v) || json_integer_value(v) < 0)
                        return false;
        }
        return true;
}

static bool thresholds_valid(json_t *thresholds) {
        const char *key;
        json_t *v;

        if (!json_is_object(thresholds))
                return false;
        json_object_foreach (thresholds, key, v) {
                json_t *seq = json_object_get(v, "seq"), *above = json_object_get(v, "above");
                if (!json_is_integer(seq) || json_integer_value(seq) < 0 || !json_is_boolean(above))
                        return false;
        }
        return true;
}

int sysfs_state_load(struct fl_source_sysfs *src) {
        _cleanup_free_ char *data = NULL;
        json_auto_t *root = NULL;
        json_t *counters, *thresholds, *boot, *version;
        size_t size;
        int r;

        r = fl_read_file_at(AT_FDCWD, src->state_path, STATE_FILE_MAX, &data, &size);
        if (r == -ENOENT)
                return 0; /* first run: baselines, no events */
        if (r < 0)
                return r;

        root = json_loadb(data, size, JSON_REJECT_DUPLICATES, NULL);
        if (!root)
                return -EBADMSG;
        version = json_object_get(root, "version");
        boot = json_object_get(root, "boot_id");
        counters = json_object_get(root, "counters");
        thresholds = json_object_get(root, "thresholds");
        if (!json_is_integer(version) || json_integer_value(version) != STATE_VERSION ||
                !json_is_string(boot) || !counters_valid(counters) || !thresholds_valid(thresholds))
                return -EBADMSG;

        if (strcmp(json_string_value(boot), src->boot_id) != 0) {
                src->new_boot = true;
                src->state_dirty = true;
                return 0;
        }
        json_decref(src->counters);
        json_decref(src->thresholds);
        src->counters = json_incref(counters);
        src->thresholds = json_incref(thresholds);
        return 0;
}

int sysfs_state_save(struct fl_source_sysfs *src) {
        json_auto_t *root = NULL;
        _cleanup_free_ char *data = NULL;
        int r;

        if (!src->state_path || !src->state_dirty)
                return 0;
        root = json_pack("{s:i, s:s, s:O, s:O}", "version", STATE_VERSION, "boot_id", src->boot_id,
                "counters", src->counters, "thresholds", src->thresholds);
        if (!root)
                return -ENOMEM;
        data = json_dumps(root, JSON_COMPACT | JSON_SORT_KEYS);
        if (!data)
                return -ENOMEM;
        if (src->barrier)
                src->barrier(src->barrier_userdata);
        r = fl_write_file_atomic(src->state_path, data, strlen(data), 0600);
        if (r < 0) {
                /* Stays dirty: the next poll tries again. */
                src->stats.state_errors++;
                src->stats.last_state_error = r;
                return r;
        }
        src->state_dirty = false;
        src->stats.state_saves++;
        return 0;
}

int sysfs_counter_update(struct fl_source_sysfs *src, struct sysfs_sensor *sensor, uint64_t value,
        uint64_t *ret_delta) {
        json_t *known = json_object_get(src->counters, sensor->path);
        uint64_t prev, delta = 0;

        if (known)
                prev = (uint64_t) json_integer_value(known);
        else if (src->new_boot || sensor->late)
                /* The counter started at zero with this boot, or with the
                 * device that just appeared: everything in it is news. */
                prev = 0;
        else
                /* First sight on the first walk with nothing recorded (first
                 * run ever): what is there already is history, not news. */
                prev = value;

        if (value > prev)
                delta = value - prev;
        else if (value < prev)
                src->stats.counter_resets++;

        if (!known || value != prev) {
                if (value > INT64_MAX)
                        return -ERANGE;
                if (json_object_set_new(
                            src->counters, sensor->path, json_integer((json_int_t) value)) < 0)
                        return -ENOMEM;
                src->state_dirty = true;
        }
        *ret_delta = delta;
        return 0;
}

int sysfs_threshold_update(
        struct fl_source_sysfs *src, const char *key, bool above, bool cleared, uint64_t *ret_seq) {
        json_t *t = json_object_get(src->thresholds, key);
        bool was_above = t && json_is_true(json_object_get(t, "above"));
        uint64_t seq = t ? (uint64_t) json_integer_value(json_object_get(t, "seq")) : 0;
        enum sysfs_crossing crossing;

        if (!was_above && above) {
                seq++;
                crossing = SYSFS_CROSSING_RAISE;
        } else if (was_above && cleared)
                crossing = SYSFS_CROSSING_CLEAR;
        else
                return SYSFS_CROSSING_NONE;

        if (json_object_set_new(src->thresholds, key,
                    json_pack("{s:I, s:b}", "seq", (json_int_t) seq, "above",
                            crossing == SYSFS_CROSSING_RAISE)) < 0)
                return -ENOMEM;
        src->state_dirty = true;
        *ret_seq = seq;
        return crossing;
}
