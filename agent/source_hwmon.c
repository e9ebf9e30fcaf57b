/* SPDX-License-Identifier: Apache-2.0 */
/*
 * hwmon chips under class/hwmon: every tempN_input with a tempN_crit or
 * tempN_max limit, and every *_alarm attribute.
 *
 * A temperature fires hwmon_temp when it reaches a limit from below and
 * hwmon_temp_clear when it falls below the limit's hysteresis attribute
 * (tempN_crit_hyst / tempN_max_hyst: an absolute temperature) or, without
 * one, below the limit. An alarm fires hwmon_alarm on 0 -> 1 and
 * hwmon_alarm_clear on 1 -> 0. Drivers raise alarms with hwmon_notify_event()
 * or sysfs_notify(), so alarm files are also watched with POLLPRI; limits and
 * labels are re-read on every rescan.
 *
 * Older drivers keep their attributes on the parent device: when hwmonN has
 * no `name`, hwmonN/device is used.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "sysfs_internal.h"

#define HWMON_DIR "class/hwmon"

struct hwmon_limit {
        const char *kind; /* "crit" or "max" */
        char *key;        /* the limit attribute's path */
        int64_t limit;
        int64_t clear; /* below this the crossing is over */
        bool has_hyst;
};

struct hwmon_temp {
        char *hwmon;
        char *chip;
        char *sensor; /* "temp1" */
        char *label;  /* temp1_label, or NULL */
        struct hwmon_limit limits[2];
        size_t n_limits;
};

struct hwmon_alarm {
        char *hwmon;
        char *chip;
        char *attribute; /* "temp1_crit_alarm" */
        char *sensor;    /* "temp1" */
        char *label;
};

static void hwmon_temp_free(void *p) {
        struct hwmon_temp *t = p;

        if (!t)
                return;
        for (size_t i = 0; i < t->n_limits; i++)
                free(t->limits[i].key);
        free(t->hwmon);
        free(t->chip);
        free(t->sensor);
        free(t->label);
        free(t);
}

static void hwmon_alarm_free(void *p) {
        struct hwmon_alarm *a = p;

        if (!a)
                return;
        free(a->hwmon);
        free(a->chip);
        free(a->attribute);
        free(a->sensor);
        free(a->label);
        free(a);
}

static int read_sensor_int(struct fl_source_sysfs *src, struct sysfs_sensor *sensor, int64_t *ret) {
        char buf[SYSFS_VALUE_MAX];
        int r = sysfs_sensor_read(src, sensor, buf, sizeof(buf));

        if (r < 0)
                return r;
        return sysfs_parse_int(buf, ret);
}

static int hwmon_temp_read(struct fl_source_sysfs *src, struct sysfs_sensor *sensor) {
        struct hwmon_temp *t = sensor->data;
        int64_t temp;
        int r;

        r = read_sensor_int(src, sensor, &temp);
        if (r < 0)
                return r;

        for (size_t i = 0; i < t->n_limits; i++) {
                const struct hwmon_limit *l = &t->limits[i];
                char identity[SYSFS_IDENTITY_MAX], temp_s[24], limit_s[24], clear_s[24];
                uint64_t seq;
                int crossing;

                crossing = sysfs_threshold_update(
                        src, l->key, temp >= l->limit, temp < l->clear, &seq);
                if (crossing < 0)
                        return crossing;
                if (crossing == SYSFS_CROSSING_NONE)
                        continue;
                r = sysfs_identity(src, identity, l->key, seq,
                        crossing == SYSFS_CROSSING_CLEAR ? "clear" : NULL);
                if (r < 0)
                        return r;
                snprintf(temp_s, sizeof(temp_s), "%" PRId64, temp);
                snprintf(limit_s, sizeof(limit_s), "%" PRId64, l->limit);
                snprintf(clear_s, sizeof(clear_s), "%" PRId64, l->clear);
                const struct fl_field fields[] = {
                        {"hwmon", t->hwmon},
                        {"chip", t->chip},
                        {"sensor", t->sensor},
                        {"label", t->label ? t->label : t->sensor},
                        {"temp", temp_s},
                        {"limit", limit_s},
                        {"limit_kind", l->kind},
                        {"hyst", l->has_hyst ? clear_s : NULL},
                        {"path", sensor->path},
                };
                sysfs_emit(src,
                        crossing == SYSFS_CROSSING_RAISE ? FL_SYSFS_HWMON_TEMP
                                                         : FL_SYSFS_HWMON_TEMP_CLEAR,
                        identity, 1, fields, ELEMENTSOF(fields));
        }
        return 0;
}

static int hwmon_alarm_read(struct fl_source_sysfs *src, struct sysfs_sensor *sensor) {
        struct hwmon_alarm *a = sensor->data;
        char identity[SYSFS_IDENTITY_MAX], value_s[24];
        int64_t value;
        uint64_t seq;
        int crossing, r;

        r = read_sensor_int(src, sensor, &value);
        if (r < 0)
                return r;
        crossing = sysfs_threshold_update(src, sensor->path, value != 0, value == 0, &seq);
        if (crossing <= 0)
                return crossing;
        r = sysfs_identity(src, identity, sensor->path, seq,
                crossing == SYSFS_CROSSING_CLEAR ? "clear" : NULL);
        if (r < 0)
                return r;
        snprintf(value_s, sizeof(value_s), "%" PRId64, value);
        const struct fl_field fields[] = {
                {"hwmon", a->hwmon},
                {"chip", a->chip},
                {"attribute", a->attribute},
                {"sensor", a->sensor},
                {"label", a->label ? a->label : a->sensor},
                {"value", value_s},
                {"path", sensor->path},
        };
        sysfs_emit(src,
                crossing == SYSFS_CROSSING_RAISE ? FL_SYSFS_HWMON_ALARM
                                                 : FL_SYSFS_HWMON_ALARM_CLEAR,
                identity, 1, fields, ELEMENTSOF(fields));
        return 0;
}

static const struct sysfs_sensor_ops hwmon_temp_ops = {
        .family = SYSFS_FAMILY_HWMON,
        .read = hwmon_temp_read,
        .free_data = hwmon_temp_free,
};

static const struct sysfs_sensor_ops hwmon_alarm_ops = {
        .family = SYSFS_FAMILY_HWMON,
        .read = hwmon_alarm_read,
        .free_data = hwmon_alarm_free,
};

/* What every sensor of one chip shares. */
struct chip {
        const char *hwmon;
        const char *chip;
        const char *dir; /* attribute directory */
};

static char *read_label(struct fl_source_sysfs *src, const char *dir, const char *sensor) {
        char path[SYSFS_PATH_MAX], buf[SYSFS_VALUE_MAX];

        if (sysfs_path(path, "%s/%s_label", dir, sensor) < 0 ||
                sysfs_read_string(src, path, buf, sizeof(buf)) <= 0)
                return NULL;
        return strdup(buf);
}

static int add_limit(struct fl_source_sysfs *src, struct hwmon_temp *t, const char *dir,
        unsigned index, const char *kind) {
        struct hwmon_limit *l = &t->limits[t->n_limits];
        char path[SYSFS_PATH_MAX];
        int64_t hyst;
        int r;

        r = sysfs_path(path, "%s/temp%u_%s", dir, index, kind);
        if (r < 0 || sysfs_read_int(src, path, &l->limit) < 0)
                return 0; /* no such limit, or unreadable: not compared */
        l->key = strdup(path);
        if (!l->key)
                return -ENOMEM;
        l->kind = kind;
        l->clear = l->limit;
        if (sysfs_path(path, "%s/temp%u_%s_hyst", dir, index, kind) >= 0 &&
                sysfs_read_int(src, path, &hyst) >= 0) {
                l->has_hyst = true;
                if (hyst < l->clear)
                        l->clear = hyst;
        }
        t->n_limits++;
        return 0;
}

static int discover_temp(
        struct fl_source_sysfs *src, const struct chip *c, const char *name, unsigned index) {
        struct hwmon_temp *t;
        char path[SYSFS_PATH_MAX];
        int r;

        t = calloc(1, sizeof(*t));
        if (!t)
                return -ENOMEM;
        t->hwmon = strdup(c->hwmon);
        t->chip = c->chip ? strdup(c->chip) : NULL;
        r = asprintf(&t->sensor, "temp%u", index);
        if (r < 0)
                t->sensor = NULL;
        if (!t->hwmon || (c->chip && !t->chip) || !t->sensor) {
                hwmon_temp_free(t);
                return -ENOMEM;
        }
        t->label = read_label(src, c->dir, t->sensor);
        r = add_limit(src, t, c->dir, index, "crit");
        if (r >= 0)
                r = add_limit(src, t, c->dir, index, "max");
        if (r >= 0)
                r = sysfs_path(path, "%s/%s", c->dir, name);
        if (r < 0 || t->n_limits == 0) {
                /* An input without limits has nothing to compare. */
                hwmon_temp_free(t);
                return r < 0 ? r : 0;
        }
        return sysfs_sensor_add(src, path, &hwmon_temp_ops, t, false);
}

static int discover_alarm(struct fl_source_sysfs *src, const struct chip *c, const char *name) {
        struct hwmon_alarm *a;
        char path[SYSFS_PATH_MAX];
        size_t prefix = strcspn(name, "_");
        int r;

        r = sysfs_path(path, "%s/%s", c->dir, name);
        if (r < 0)
                return r;
        a = calloc(1, sizeof(*a));
        if (!a)
                return -ENOMEM;
        a->hwmon = strdup(c->hwmon);
        a->chip = c->chip ? strdup(c->chip) : NULL;
        a->attribute = strdup(name);
        a->sensor = strndup(name, prefix);
        if (!a->hwmon || (c->chip && !a->chip) || !a->attribute || !a->sensor) {
                hwmon_alarm_free(a);
                return -ENOMEM;
        }
        a->label = read_label(src, c->dir, a->sensor);
        return sysfs_sensor_add(src, path, &hwmon_alarm_ops, a, true);
}

static int discover_chip(struct fl_source_sysfs *src, const char *hwmon) {
        char dir[SYSFS_PATH_MAX], path[SYSFS_PATH_MAX], name[SYSFS_VALUE_MAX];
        struct chip c = {.hwmon = hwmon, .dir = dir};
        struct dirent *de;
        DIR *d;
        int r;

        r = sysfs_path(dir, HWMON_DIR "/%s", hwmon);
        if (r < 0)
                return r;
        r = sysfs_path(path, "%s/name", dir);
        if (r < 0)
                return r;
        if (!sysfs_exists(src, path)) {
                r = sysfs_path(path, HWMON_DIR "/%s/device/name", hwmon);
                if (r < 0)
                        return r;
                if (sysfs_exists(src, path))
                        (void) sysfs_path(dir, HWMON_DIR "/%s/device", hwmon);
        }
        if (sysfs_read_string(src, path, name, sizeof(name)) > 0)
                c.chip = name;

        r = sysfs_opendir(src, dir, &d);
        if (r < 0)
                return r;
        while ((de = readdir(d))) {
                size_t len = strlen(de->d_name);
                unsigned i;

                if (sysfs_match_index(de->d_name, "temp", "_input", &i))
                        r = discover_temp(src, &c, de->d_name, i);
                else if (len > 6 && strcmp(de->d_name + len - 6, "_alarm") == 0)
                        r = discover_alarm(src, &c, de->d_name);
                else
                        continue;
                if (r == -ENOMEM)
                        break;
                r = 0;
        }
        closedir(d);
        return r;
}

int sysfs_hwmon_discover(struct fl_source_sysfs *src) {
        struct dirent *de;
        DIR *d;
        int r;

        r = sysfs_opendir(src, HWMON_DIR, &d);
        if (r < 0)
                return r;
        while ((de = readdir(d))) {
                if (!sysfs_match_index(de->d_name, "hwmon", "", NULL))
                        continue;
                r = discover_chip(src, de->d_name);
                if (r == -ENOMEM)
                        break;
                if (r < 0)
                        sysfs_debug(src, "sysfs: cannot walk %s: %s", de->d_name, strerror(-r));
                r = 0;
        }
        closedir(d);
        return r;
}
