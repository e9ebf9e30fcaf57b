/* SPDX-License-Identifier: Apache-2.0 */
/*
 * EDAC error counters under devices/system/edac/mc: per memory controller
 * (ce_count, ue_count, ce_noinfo_count, ue_noinfo_count), per csrow (ce_count,
 * ue_count, chN_ce_count with chN_dimm_label) and per DIMM or rank
 * (dimm_ce_count, dimm_ue_count with dimm_label and dimm_location). Each level
 * is a separate view of the same errors: the event's `scope` field says which,
 * so a rule counts one scope and never the same error twice.
 *
 * The EDAC core does not sysfs_notify() these files, so they are polled (the
 * ras:mc_event tracepoint is the immediate path).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "sysfs_internal.h"

#define EDAC_MC_DIR "devices/system/edac/mc"

struct edac_counter {
        enum fl_sysfs_kind kind;
        const char *scope;
        /* Index fields; NULL when the scope has none. */
        const char *unit_field; /* "dimm" or "rank" */
        char mc[12], csrow[12], channel[12], unit[12];
        bool has_csrow, has_channel, has_unit;
        char *mc_name;
        /* Read when an event fires: labels are set by user space at any time. */
        char *label_path;
        char *location_path;
};

static void edac_counter_free(void *p) {
        struct edac_counter *c = p;

        if (!c)
                return;
        free(c->mc_name);
        free(c->label_path);
        free(c->location_path);
        free(c);
}

static int edac_read(struct fl_source_sysfs *src, struct sysfs_sensor *sensor) {
        struct edac_counter *c = sensor->data;
        char buf[SYSFS_VALUE_MAX], label[SYSFS_VALUE_MAX], location[SYSFS_VALUE_MAX];
        char total[24], delta_s[24], identity[SYSFS_IDENTITY_MAX];
        int64_t value;
        uint64_t delta;
        int r;

        r = sysfs_sensor_read(src, sensor, buf, sizeof(buf));
        if (r < 0)
                return r;
        r = sysfs_parse_int(buf, &value);
        if (r < 0)
                return r;
        if (value < 0)
                return -EBADMSG;
        r = sysfs_counter_update(src, sensor, (uint64_t) value, &delta);
        if (r < 0 || delta == 0)
                return r;

        r = sysfs_identity(src, identity, sensor->path, (uint64_t) value, NULL);
        if (r < 0)
                return r;
        snprintf(total, sizeof(total), "%" PRId64, value);
        snprintf(delta_s, sizeof(delta_s), "%" PRIu64, delta);
        /* A label that cannot be read only leaves the field out. */
        bool have_label =
                c->label_path && sysfs_read_string(src, c->label_path, label, sizeof(label)) > 0;
        bool have_location = c->location_path && sysfs_read_string(src, c->location_path, location,
                                                         sizeof(location)) > 0;

        const struct fl_field fields[] = {
                {"scope", c->scope},
                {"mc", c->mc},
                {"mc_name", c->mc_name},
                {"csrow", c->has_csrow ? c->csrow : NULL},
                {"channel", c->has_channel ? c->channel : NULL},
                {c->unit_field ? c->unit_field : "dimm", c->has_unit ? c->unit : NULL},
                {"label", have_label ? label : NULL},
                {"location", have_location ? location : NULL},
                {"total", total},
                {"delta", delta_s},
                {"path", sensor->path},
        };
        sysfs_emit(src, c->kind, identity, delta, fields, ELEMENTSOF(fields));
        return 0;
}

static const struct sysfs_sensor_ops edac_ops = {
        .family = SYSFS_FAMILY_EDAC,
        .read = edac_read,
        .free_data = edac_counter_free,
};

/* Registers the counter at `path` if the file exists, with a copy of `tmpl`
 * and the given label/location attribute paths. */
static int add_counter(struct fl_source_sysfs *src, const char *path,
        const struct edac_counter *tmpl, enum fl_sysfs_kind kind, const char *label_path,
        const char *location_path) {
        struct edac_counter *c;

        if (!sysfs_exists(src, path))
                return 0;
        c = calloc(1, sizeof(*c));
        if (!c)
                return -ENOMEM;
        *c = *tmpl;
        c->kind = kind;
        c->mc_name = tmpl->mc_name ? strdup(tmpl->mc_name) : NULL;
        c->label_path = label_path ? strdup(label_path) : NULL;
        c->location_path = location_path ? strdup(location_path) : NULL;
        if ((tmpl->mc_name && !c->mc_name) || (label_path && !c->label_path) ||
                (location_path && !c->location_path)) {
                edac_counter_free(c);
                return -ENOMEM;
        }
        return sysfs_sensor_add(src, path, &edac_ops, c, false);
}

static int add_pair(struct fl_source_sysfs *src, const char *dir, const char *ce_name,
        const char *ue_name, const struct edac_counter *tmpl, const char *label_path,
        const char *location_path) {
        char path[SYSFS_PATH_MAX];
        int r;

        r = sysfs_path(path, "%s/%s", dir, ce_name);
        if (r >= 0)
                r = add_counter(src, path, tmpl, FL_SYSFS_EDAC_CE, label_path, location_path);
        if (r < 0 || !ue_name)
                return r;
        r = sysfs_path(path, "%s/%s", dir, ue_name);
        if (r >= 0)
                r = add_counter(src, path, tmpl, FL_SYSFS_EDAC_UE, label_path, location_path);
        return r;
}

static int discover_csrow(struct fl_source_sysfs *src, const char *dir,
        const struct edac_counter *mc_tmpl, unsigned index) {
        struct edac_counter tmpl = *mc_tmpl;
        char path[SYSFS_PATH_MAX];
        struct dirent *de;
        DIR *d;
        int r;

        tmpl.scope = "csrow";
        tmpl.has_csrow = true;
        snprintf(tmpl.csrow, sizeof(tmpl.csrow), "%u", index);
        r = add_pair(src, dir, "ce_count", "ue_count", &tmpl, NULL, NULL);
        if (r < 0)
                return r;

        r = sysfs_opendir(src, dir, &d);
        if (r < 0)
                return r;
        tmpl.scope = "channel";
        tmpl.has_channel = true;
        while ((de = readdir(d))) {
                char label[SYSFS_PATH_MAX];
                unsigned ch;

                if (!sysfs_match_index(de->d_name, "ch", "_ce_count", &ch))
                        continue;
                snprintf(tmpl.channel, sizeof(tmpl.channel), "%u", ch);
                r = sysfs_path(label, "%s/ch%u_dimm_label", dir, ch);
                if (r >= 0)
                        r = sysfs_path(path, "%s/%s", dir, de->d_name);
                if (r >= 0)
                        r = add_counter(src, path, &tmpl, FL_SYSFS_EDAC_CE,
                                sysfs_exists(src, label) ? label : NULL, NULL);
                if (r < 0)
                        break;
        }
        closedir(d);
        return r;
}

static int discover_unit(struct fl_source_sysfs *src, const char *dir,
        const struct edac_counter *mc_tmpl, const char *field, unsigned index) {
        struct edac_counter tmpl = *mc_tmpl;
        char label[SYSFS_PATH_MAX], location[SYSFS_PATH_MAX];
        int r;

        tmpl.scope = field;
        tmpl.unit_field = field;
        tmpl.has_unit = true;
        snprintf(tmpl.unit, sizeof(tmpl.unit), "%u", index);
        r = sysfs_path(label, "%s/dimm_label", dir);
        if (r >= 0)
                r = sysfs_path(location, "%s/dimm_location", dir);
        if (r < 0)
                return r;
        return add_pair(src, dir, "dimm_ce_count", "dimm_ue_count", &tmpl,
                sysfs_exists(src, label) ? label : NULL,
                sysfs_exists(src, location) ? location : NULL);
}

static int discover_mc(struct fl_source_sysfs *src, const char *dir, unsigned index) {
        struct edac_counter tmpl = {.scope = "mc"};
        char path[SYSFS_PATH_MAX], name[SYSFS_VALUE_MAX];
        struct dirent *de;
        DIR *d;
        int r;

        snprintf(tmpl.mc, sizeof(tmpl.mc), "%u", index);
        r = sysfs_path(path, "%s/mc_name", dir);
        if (r < 0)
                return r;
        if (sysfs_read_string(src, path, name, sizeof(name)) > 0)
                tmpl.mc_name = name;

        r = add_pair(src, dir, "ce_count", "ue_count", &tmpl, NULL, NULL);
        if (r < 0)
                return r;
        tmpl.scope = "mc_noinfo";
        r = add_pair(src, dir, "ce_noinfo_count", "ue_noinfo_count", &tmpl, NULL, NULL);
        if (r < 0)
                return r;
        tmpl.scope = "mc";

        r = sysfs_opendir(src, dir, &d);
        if (r < 0)
                return r;
        while ((de = readdir(d))) {
                unsigned i;

                if (sysfs_match_index(de->d_name, "csrow", "", &i)) {
                        r = sysfs_path(path, "%s/%s", dir, de->d_name);
                        if (r >= 0)
                                r = discover_csrow(src, path, &tmpl, i);
                } else if (sysfs_match_index(de->d_name, "dimm", "", &i) ||
                           sysfs_match_index(de->d_name, "rank", "", &i)) {
                        const char *field = de->d_name[0] == 'd' ? "dimm" : "rank";
                        r = sysfs_path(path, "%s/%s", dir, de->d_name);
                        if (r >= 0)
                                r = discover_unit(src, path, &tmpl, field, i);
                } else
                        continue;
                /* One unreadable csrow or DIMM directory loses only its
                 * counters; running out of memory stops the walk. */
                if (r == -ENOMEM)
                        break;
                r = 0;
        }
        closedir(d);
        return r;
}

int sysfs_edac_discover(struct fl_source_sysfs *src) {
        struct dirent *de;
        DIR *d;
        int r;

        r = sysfs_opendir(src, EDAC_MC_DIR, &d);
        if (r < 0)
                return r;
        while ((de = readdir(d))) {
                char path[SYSFS_PATH_MAX];
                unsigned i;

                if (!sysfs_match_index(de->d_name, "mc", "", &i))
                        continue;
                r = sysfs_path(path, EDAC_MC_DIR "/%s", de->d_name);
                if (r >= 0)
                        r = discover_mc(src, path, i);
                if (r == -ENOMEM)
                        break;
                if (r < 0)
                        sysfs_debug(src, "sysfs: cannot walk %s: %s", path, strerror(-r));
                r = 0;
        }
        closedir(d);
        return r;
}
