/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Thermal zones under class/thermal: each zone's temp is compared with its
 * trip points (trip_point_N_temp, _type, optional _hyst). A trip fires
 * thermal_trip when the temperature reaches it from below and thermal_clear
 * when it falls below trip - hyst again, which re-arms it; in between,
 * nothing, however long the zone stays hot. The kernel compares the same way.
 *
 * Trip points are read on every rescan (they are writable on some drivers),
 * the temperature on every poll. The thermal core does not sysfs_notify()
 * temp, so zones are polled (thermal:thermal_zone_trip is the immediate path).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "sysfs_internal.h"

#define THERMAL_DIR   "class/thermal"
/* Below absolute zero: the kernel's THERMAL_TEMP_INVALID marks a disabled trip. */
#define TRIP_TEMP_MIN (-273150)
/* Zones have a handful of trips; the cap bounds a broken or hostile tree. */
#define TRIPS_MAX     32

struct thermal_trip {
        unsigned index;
        char *key; /* trip_point_N_temp path */
        char *type;
        int64_t temp;
        int64_t hyst;
        bool has_hyst;
};

struct thermal_zone {
        char *name;
        char *type;
        struct thermal_trip *trips;
        size_t n_trips;
};

static void thermal_zone_free(void *p) {
        struct thermal_zone *z = p;

        if (!z)
                return;
        for (size_t i = 0; i < z->n_trips; i++) {
                free(z->trips[i].key);
                free(z->trips[i].type);
        }
        free(z->trips);
        free(z->name);
        free(z->type);
        free(z);
}

static int thermal_read(struct fl_source_sysfs *src, struct sysfs_sensor *sensor) {
        struct thermal_zone *z = sensor->data;
        char buf[SYSFS_VALUE_MAX];
        int64_t temp;
        int r;

        r = sysfs_sensor_read(src, sensor, buf, sizeof(buf));
        if (r < 0)
                return r;
        r = sysfs_parse_int(buf, &temp);
        if (r < 0)
                return r;

        for (size_t i = 0; i < z->n_trips; i++) {
                const struct thermal_trip *t = &z->trips[i];
                char identity[SYSFS_IDENTITY_MAX], temp_s[24], trip_s[12], trip_temp[24], hyst[24];
                uint64_t seq;
                int crossing;

                crossing = sysfs_threshold_update(
                        src, t->key, temp >= t->temp, temp < t->temp - t->hyst, &seq);
                if (crossing < 0)
                        return crossing;
                if (crossing == SYSFS_CROSSING_NONE)
                        continue;
                r = sysfs_identity(src, identity, t->key, seq,
                        crossing == SYSFS_CROSSING_CLEAR ? "clear" : NULL);
                if (r < 0)
                        return r;
                snprintf(temp_s, sizeof(temp_s), "%" PRId64, temp);
                snprintf(trip_s, sizeof(trip_s), "%u", t->index);
                snprintf(trip_temp, sizeof(trip_temp), "%" PRId64, t->temp);
                snprintf(hyst, sizeof(hyst), "%" PRId64, t->hyst);
                const struct fl_field fields[] = {
                        {"zone", z->name},
                        {"type", z->type},
                        {"temp", temp_s},
                        {"trip", trip_s},
                        {"trip_type", t->type},
                        {"trip_temp", trip_temp},
                        {"hyst", t->has_hyst ? hyst : NULL},
                        {"path", sensor->path},
                };
                sysfs_emit(src,
                        crossing == SYSFS_CROSSING_RAISE ? FL_SYSFS_THERMAL_TRIP
                                                         : FL_SYSFS_THERMAL_CLEAR,
                        identity, 1, fields, ELEMENTSOF(fields));
        }
        return 0;
}

static const struct sysfs_sensor_ops thermal_ops = {
        .family = SYSFS_FAMILY_THERMAL,
        .read = thermal_read,
        .free_data = thermal_zone_free,
};

static char *read_string_dup(struct fl_source_sysfs *src, const char *path) {
        char buf[SYSFS_VALUE_MAX];

        if (sysfs_read_string(src, path, buf, sizeof(buf)) < 0)
                return NULL;
        return strdup(buf);
}

/* Reads trip `index` of the zone in `dir`. Returns 1 when added, 0 when the
 * trip is disabled or unreadable (skipped), -ENOMEM. */
static int add_trip(
        struct fl_source_sysfs *src, struct thermal_zone *z, const char *dir, unsigned index) {
        struct thermal_trip t = {.index = index};
        char path[SYSFS_PATH_MAX];
        int64_t v;
        int r;

        r = sysfs_path(path, "%s/trip_point_%u_temp", dir, index);
        if (r < 0 || sysfs_read_int(src, path, &t.temp) < 0 || t.temp < TRIP_TEMP_MIN)
                return 0;
        t.key = strdup(path);
        if (!t.key)
                return -ENOMEM;
        if (sysfs_path(path, "%s/trip_point_%u_type", dir, index) >= 0)
                t.type = read_string_dup(src, path);
        if (sysfs_path(path, "%s/trip_point_%u_hyst", dir, index) >= 0 &&
                sysfs_read_int(src, path, &v) >= 0 && v >= 0) {
                t.hyst = v;
                t.has_hyst = true;
        }
        z->trips[z->n_trips++] = t;
        return 1;
}

static int trip_cmp(const void *a, const void *b) {
        const struct thermal_trip *x = a, *y = b;

        return x->index < y->index ? -1 : x->index > y->index;
}

static int discover_zone(struct fl_source_sysfs *src, const char *name) {
        struct thermal_zone *z;
        char dir[SYSFS_PATH_MAX], path[SYSFS_PATH_MAX];
        struct dirent *de;
        DIR *d;
        int r;

        r = sysfs_path(dir, THERMAL_DIR "/%s", name);
        if (r < 0)
                return r;
        r = sysfs_path(path, "%s/temp", dir);
        if (r < 0)
                return r;
        if (!sysfs_exists(src, path))
                return 0;

        z = calloc(1, sizeof(*z));
        if (!z)
                return -ENOMEM;
        z->trips = calloc(TRIPS_MAX, sizeof(*z->trips));
        z->name = strdup(name);
        if (!z->trips || !z->name) {
                thermal_zone_free(z);
                return -ENOMEM;
        }
        if (sysfs_path(path, "%s/type", dir) >= 0)
                z->type = read_string_dup(src, path);

        r = sysfs_opendir(src, dir, &d);
        if (r < 0) {
                thermal_zone_free(z);
                return r;
        }
        while ((de = readdir(d)) && z->n_trips < TRIPS_MAX) {
                unsigned i;

                if (!sysfs_match_index(de->d_name, "trip_point_", "_temp", &i))
                        continue;
                r = add_trip(src, z, dir, i);
                if (r < 0)
                        break;
        }
        closedir(d);
        if (r < 0 || z->n_trips == 0) {
                /* A zone without usable trips has nothing to compare. */
                thermal_zone_free(z);
                return r < 0 ? r : 0;
        }
        /* Events of one poll come in trip order, whatever readdir says. */
        qsort(z->trips, z->n_trips, sizeof(*z->trips), trip_cmp);
        r = sysfs_path(path, "%s/temp", dir);
        if (r < 0) {
                thermal_zone_free(z);
                return r;
        }
        return sysfs_sensor_add(src, path, &thermal_ops, z, false);
}

int sysfs_thermal_discover(struct fl_source_sysfs *src) {
        struct dirent *de;
        DIR *d;
        int r;

        r = sysfs_opendir(src, THERMAL_DIR, &d);
        if (r < 0)
                return r;
        while ((de = readdir(d))) {
                if (!sysfs_match_index(de->d_name, "thermal_zone", "", NULL))
                        continue;
                r = discover_zone(src, de->d_name);
                if (r == -ENOMEM)
                        break;
                if (r < 0)
                        sysfs_debug(
                                src, "sysfs: cannot walk zone %s: %s", de->d_name, strerror(-r));
                r = 0;
        }
        closedir(d);
        return r;
}
