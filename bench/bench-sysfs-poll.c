/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench-sysfs-poll: what one poll of the sysfs source costs, i.e. the work the
 * agent does every interval (default 10 s) when nothing happens, and what a
 * rescan (directory walk, default every 60 s) costs. Builds a fake tree the
 * size of a large two-socket server (2 memory controllers with 4 csrows of 2
 * channels and 16 DIMMs each, 8 thermal zones with 3 trips, 6 hwmon chips
 * with 8 temperatures and 8 alarms) in a temporary directory, or reads an
 * existing tree with --root.
 *
 *   bench-sysfs-poll [--root DIR] [--polls N]
 *
 * Prints `BENCH <name> <value> <unit>` lines.
 */
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "macro.h"
#include "source_sysfs.h"

static int put(const char *root, const char *value, const char *format, ...)
        __attribute__((format(printf, 3, 4)));

static int put(const char *root, const char *value, const char *format, ...) {
        _cleanup_free_ char *rel = NULL, *path = NULL, *data = NULL;
        va_list ap;
        char *slash;
        int r;

        va_start(ap, format);
        r = vasprintf(&rel, format, ap);
        va_end(ap);
        if (r < 0 || asprintf(&path, "%s/%s", root, rel) < 0 || asprintf(&data, "%s\n", value) < 0)
                return -ENOMEM;
        slash = strrchr(path, '/');
        *slash = '\0';
        r = fl_mkdir_p(path, 0755);
        *slash = '/';
        if (r < 0)
                return r;
        return fl_write_file_atomic(path, data, strlen(data), 0644);
}

static int build_tree(const char *root) {
        int r = 0;

        for (int mc = 0; mc < 2 && r >= 0; mc++) {
                const char *d = "devices/system/edac/mc";
                r = put(root, "0", "%s/mc%d/ce_count", d, mc);
                r = r < 0 ? r : put(root, "0", "%s/mc%d/ue_count", d, mc);
                r = r < 0 ? r : put(root, "0", "%s/mc%d/ce_noinfo_count", d, mc);
                r = r < 0 ? r : put(root, "0", "%s/mc%d/ue_noinfo_count", d, mc);
                for (int row = 0; row < 4 && r >= 0; row++) {
                        r = put(root, "0", "%s/mc%d/csrow%d/ce_count", d, mc, row);
                        r = r < 0 ? r : put(root, "0", "%s/mc%d/csrow%d/ue_count", d, mc, row);
                        for (int ch = 0; ch < 2 && r >= 0; ch++) {
                                r = put(root, "0", "%s/mc%d/csrow%d/ch%d_ce_count", d, mc, row, ch);
                                r = r < 0 ? r
                                          : put(root, "DIMM", "%s/mc%d/csrow%d/ch%d_dimm_label", d,
                                                    mc, row, ch);
                        }
                }
                for (int dimm = 0; dimm < 16 && r >= 0; dimm++) {
                        r = put(root, "0", "%s/mc%d/dimm%d/dimm_ce_count", d, mc, dimm);
                        r = r < 0 ? r : put(root, "0", "%s/mc%d/dimm%d/dimm_ue_count", d, mc, dimm);
                        r = r < 0 ? r
                                  : put(root, "CPU_SrcID#0_Ha#0_Chan#0_DIMM#0",
                                            "%s/mc%d/dimm%d/dimm_label", d, mc, dimm);
                }
        }
        for (int z = 0; z < 8 && r >= 0; z++) {
                r = put(root, "45000", "class/thermal/thermal_zone%d/temp", z);
                r = r < 0 ? r : put(root, "x86_pkg_temp", "class/thermal/thermal_zone%d/type", z);
                for (int t = 0; t < 3 && r >= 0; t++) {
                        r = put(root, t == 2 ? "105000" : "95000",
                                "class/thermal/thermal_zone%d/trip_point_%d_temp", z, t);
                        r = r < 0 ? r
                                  : put(root, t == 2 ? "critical" : "passive",
                                            "class/thermal/thermal_zone%d/trip_point_%d_type", z,
                                            t);
                }
        }
        for (int h = 0; h < 6 && r >= 0; h++) {
                r = put(root, "coretemp", "class/hwmon/hwmon%d/name", h);
                for (int t = 1; t <= 8 && r >= 0; t++) {
                        r = put(root, "45000", "class/hwmon/hwmon%d/temp%d_input", h, t);
                        r = r < 0 ? r : put(root, "90000", "class/hwmon/hwmon%d/temp%d_max", h, t);
                        r = r < 0 ? r
                                  : put(root, "100000", "class/hwmon/hwmon%d/temp%d_crit", h, t);
                        r = r < 0 ? r
                                  : put(root, "0", "class/hwmon/hwmon%d/temp%d_crit_alarm", h, t);
                }
        }
        return r;
}

static uint64_t usec_now(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000;
}

int main(int argc, char **argv) {
        static const struct option options[] = {
                {"root", required_argument, NULL, 'r'},
                {"polls", required_argument, NULL, 'n'},
                {},
        };
        char tmp[] = "/tmp/bench-sysfs.XXXXXX";
        _cleanup_free_ char *cmd = NULL;
        const char *root = NULL;
        unsigned long polls = 2000;
        struct fl_sysfs_config cfg = {};
        struct fl_source_sysfs *src = NULL;
        struct fl_sysfs_stats st;
        sd_event *event = NULL;
        uint64_t t0, poll_us, rescan_us;
        int opt, r;

        while ((opt = getopt_long(argc, argv, "r:n:", options, NULL)) >= 0) {
                if (opt == 'r')
                        root = optarg;
                else if (opt == 'n')
                        polls = strtoul(optarg, NULL, 10);
                else
                        return 2;
        }
        if (polls == 0)
                return 2;
        if (!root) {
                if (!mkdtemp(tmp))
                        return 1;
                root = tmp;
                r = build_tree(root);
                if (r < 0) {
                        fprintf(stderr, "bench-sysfs-poll: building the tree: %s\n", strerror(-r));
                        goto out;
                }
        }
        cfg.sysfs_root = root;
        r = sd_event_new(&event);
        if (r >= 0)
                r = fl_source_sysfs_new(event, &cfg, NULL, NULL, &src);
        if (r >= 0)
                r = fl_source_sysfs_poll(src, true);
        if (r < 0) {
                fprintf(stderr, "bench-sysfs-poll: %s\n", strerror(-r));
                goto out;
        }
        t0 = usec_now();
        for (unsigned long i = 0; i < polls && r >= 0; i++)
                r = fl_source_sysfs_poll(src, false);
        poll_us = usec_now() - t0;
        t0 = usec_now();
        for (unsigned long i = 0; i < polls / 10 + 1 && r >= 0; i++)
                r = fl_source_sysfs_poll(src, true);
        rescan_us = usec_now() - t0;
        fl_source_sysfs_get_stats(src, &st);

        printf("BENCH sysfs_sensors %u sensors\n", st.sensors_ok + st.sensors_degraded);
        printf("BENCH sysfs_poll_us %.1f us\n", (double) poll_us / (double) polls);
        printf("BENCH sysfs_rescan_poll_us %.1f us\n",
                (double) rescan_us / (double) (polls / 10 + 1));
        printf("BENCH sysfs_idle_cpu_pct %.4f %%\n",
                /* one poll per 10 s plus one rescan per 60 s */
                ((double) poll_us / (double) polls * 5.0 / 6.0 +
                        (double) rescan_us / (double) (polls / 10 + 1) / 6.0) /
                        10e6 * 100.0);
out:
        fl_source_sysfs_free(src);
        sd_event_unref(event);
        if (root == tmp && asprintf(&cmd, "rm -rf -- '%s'", tmp) > 0 && system(cmd) != 0)
                fprintf(stderr, "bench-sysfs-poll: cannot remove %s\n", tmp);
        return r < 0 ? 1 : 0;
}
