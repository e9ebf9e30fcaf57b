/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sysfs source on fake sysfs trees in temporary directories: EDAC counter
 * deltas, baselines and persistence, thermal trips, hwmon limits and alarms,
 * degraded and vanishing sensors, new sensors, and the timer path.
 *
 * Sensor errors come from the real kernel where a plain test can get them:
 * a fake attribute that is a symlink to /sys/class/net/lo/speed reads EINVAL
 * and one to lo/power/autosuspend_delay_ms reads EIO, exactly as a driver's
 * show() failing does. ENODATA and POLLPRI need a FUSE mount: see
 * test-source-sysfs-fuse.c.
 */
#include "fl_test.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "event_recorder.h"
#include "macro.h"
#include "source_sysfs.h"

#define BOOT_A "0123456789abcdef0123456789abcdef"
#define BOOT_B "fedcba9876543210fedcba9876543210"

#define MC "devices/system/edac/mc/mc0"
#define TZ "class/thermal/thermal_zone0"
#define HW "class/hwmon/hwmon0"

struct fixture {
        char *dir;
        char *root;
        char *state;
        sd_event *event;
        struct fl_source_sysfs *src;
        struct fl_recorder rec;
        char log[8192];
};

static void record(const struct fl_event *ev, void *userdata) {
        struct fixture *fx = userdata;

        assert_int_equal(ev->source, FL_SOURCE_SYSFS);
        assert_true(ev->realtime_usec > 0);
        assert_true(ev->monotonic_usec > 0);
        fl_recorder_record(ev, &fx->rec);
}

static void clear_events(struct fixture *fx) {
        fl_recorder_clear(&fx->rec);
}

static void collect_log(int priority, const char *message, void *userdata) {
        struct fixture *fx = userdata;
        size_t n = strlen(fx->log);

        assert_int_equal(priority, LOG_DEBUG);
        snprintf(fx->log + n, sizeof(fx->log) - n, "%s\n", message);
}

/* Writes ROOT/PATH with `value` and a newline, like a sysfs attribute. */
static void put(struct fixture *fx, const char *path, const char *value) {
        _cleanup_free_ char *data = NULL;

        assert_true(asprintf(&data, "%s\n", value) > 0);
        free(fl_test_write_file(fx->root, path, data));
}

static void link_to(struct fixture *fx, const char *path, const char *target) {
        _cleanup_free_ char *full = NULL;

        assert_true(asprintf(&full, "%s/%s", fx->root, path) > 0);
        (void) unlink(full);
        assert_int_equal(symlink(target, full), 0);
}

/* Replaces whatever is at ROOT/PATH (never writing through a symlink into
 * the real /sys) with a regular attribute file. */
static void repair(struct fixture *fx, const char *path, const char *value) {
        _cleanup_free_ char *full = NULL;

        assert_true(asprintf(&full, "%s/%s", fx->root, path) > 0);
        if (unlink(full) < 0)
                fl_test_rm_rf(full);
        put(fx, path, value);
}

static void drop(struct fixture *fx, const char *path) {
        _cleanup_free_ char *full = NULL;

        assert_true(asprintf(&full, "%s/%s", fx->root, path) > 0);
        assert_int_equal(unlink(full), 0);
}

static void start(struct fixture *fx, const char *boot_id, bool persist) {
        struct fl_sysfs_config cfg = {
                .sysfs_root = fx->root,
                .state_dir = persist ? fx->state : NULL,
                .boot_id = boot_id,
                .log = collect_log,
                .log_userdata = fx,
        };

        assert_null(fx->src);
        assert_int_equal(fl_source_sysfs_new(fx->event, &cfg, record, fx, &fx->src), 0);
}

static void stop(struct fixture *fx) {
        fx->src = fl_source_sysfs_free(fx->src);
}

static void poll_now(struct fixture *fx, bool rescan) {
        clear_events(fx);
        assert_int_equal(fl_source_sysfs_poll(fx->src, rescan), 0);
}

static int setup(void **state) {
        struct fixture *fx = calloc(1, sizeof(*fx));

        assert_non_null(fx);
        fx->dir = fl_test_mkdtemp();
        assert_true(asprintf(&fx->root, "%s/sys", fx->dir) > 0);
        assert_true(asprintf(&fx->state, "%s/state", fx->dir) > 0);
        assert_int_equal(mkdir(fx->root, 0755), 0);
        assert_int_equal(sd_event_new(&fx->event), 0);
        *state = fx;
        return 0;
}

static int teardown(void **state) {
        struct fixture *fx = *state;

        stop(fx);
        clear_events(fx);
        sd_event_unref(fx->event);
        fl_test_rm_rf(fx->dir);
        free(fx->dir);
        free(fx->root);
        free(fx->state);
        free(fx);
        return 0;
}

/* A memory controller with one csrow (one channel) and one DIMM, all at `n`. */
static void make_edac(struct fixture *fx, const char *n) {
        put(fx, MC "/mc_name", "Skylake Socket#0 IMC#0");
        put(fx, MC "/ce_count", n);
        put(fx, MC "/ue_count", "0");
        put(fx, MC "/ce_noinfo_count", "0");
        put(fx, MC "/ue_noinfo_count", "0");
        put(fx, MC "/csrow0/ce_count", n);
        put(fx, MC "/csrow0/ue_count", "0");
        put(fx, MC "/csrow0/ch0_ce_count", n);
        put(fx, MC "/csrow0/ch0_dimm_label", "CPU_SrcID#0_Ha#0_Chan#0_DIMM#0");
        put(fx, MC "/dimm0/dimm_ce_count", n);
        put(fx, MC "/dimm0/dimm_ue_count", "0");
        put(fx, MC "/dimm0/dimm_label", "CPU_SrcID#0_Ha#0_Chan#0_DIMM#0");
        put(fx, MC "/dimm0/dimm_location", "channel 0 slot 0 ");
}

static void set_ce(struct fixture *fx, const char *n) {
        put(fx, MC "/ce_count", n);
        put(fx, MC "/csrow0/ce_count", n);
        put(fx, MC "/csrow0/ch0_ce_count", n);
        put(fx, MC "/dimm0/dimm_ce_count", n);
}

static const struct fl_recorded_event *find_scope(
        struct fixture *fx, const char *kind, const char *scope) {
        const struct fl_recorded_event *found = NULL;

        for (size_t i = 0; i < fx->rec.n_events; i++)
                if (strcmp(fx->rec.events[i].kind, kind) == 0 &&
                        strcmp(fl_recorded_field(&fx->rec.events[i], "scope"), scope) == 0) {
                        assert_null(found); /* one event per scope and kind */
                        found = &fx->rec.events[i];
                }
        assert_non_null(found);
        return found;
}

static void expect_identity(
        const struct fl_recorded_event *r, const char *boot, const char *path, const char *tail) {
        _cleanup_free_ char *want = NULL;

        assert_true(asprintf(&want, "sysfs:%s:%s:%s", boot, path, tail) > 0);
        assert_string_equal(r->identity, want);
}

static void test_edac_baseline_then_deltas(void **state) {
        struct fixture *fx = *state;
        struct fl_sysfs_stats st;
        const struct fl_recorded_event *r;

        make_edac(fx, "3");
        start(fx, BOOT_A, true);
        poll_now(fx, false);
        assert_int_equal(fx->rec.n_events, 0); /* first run ever: baseline only */

        set_ce(fx, "5");
        poll_now(fx, false);
        assert_int_equal(fx->rec.n_events, 4);

        r = find_scope(fx, "edac_ce", "mc");
        assert_int_equal(r->count, 2);
        assert_string_equal(fl_recorded_field(r, "mc"), "0");
        assert_string_equal(fl_recorded_field(r, "mc_name"), "Skylake Socket#0 IMC#0");
        assert_string_equal(fl_recorded_field(r, "total"), "5");
        assert_string_equal(fl_recorded_field(r, "delta"), "2");
        assert_null(fl_recorded_field(r, "label"));
        expect_identity(r, BOOT_A, MC "/ce_count", "5");

        r = find_scope(fx, "edac_ce", "csrow");
        assert_int_equal(r->count, 2);
        assert_string_equal(fl_recorded_field(r, "csrow"), "0");
        assert_null(fl_recorded_field(r, "channel"));

        r = find_scope(fx, "edac_ce", "channel");
        assert_int_equal(r->count, 2);
        assert_string_equal(fl_recorded_field(r, "csrow"), "0");
        assert_string_equal(fl_recorded_field(r, "channel"), "0");
        assert_string_equal(fl_recorded_field(r, "label"), "CPU_SrcID#0_Ha#0_Chan#0_DIMM#0");

        r = find_scope(fx, "edac_ce", "dimm");
        assert_int_equal(r->count, 2);
        assert_string_equal(fl_recorded_field(r, "dimm"), "0");
        assert_string_equal(fl_recorded_field(r, "label"), "CPU_SrcID#0_Ha#0_Chan#0_DIMM#0");
        assert_string_equal(fl_recorded_field(r, "location"), "channel 0 slot 0");
        assert_string_equal(fl_recorded_field(r, "path"), MC "/dimm0/dimm_ce_count");
        expect_identity(r, BOOT_A, MC "/dimm0/dimm_ce_count", "5");

        /* Nothing new, nothing emitted. */
        poll_now(fx, false);
        assert_int_equal(fx->rec.n_events, 0);

        /* An uncorrectable error on the DIMM, with a label user space set since. */
        put(fx, MC "/dimm0/dimm_ue_count", "1");
        put(fx, MC "/dimm0/dimm_label", "DIMM_A1");
        poll_now(fx, false);
        assert_int_equal(fx->rec.n_events, 1);
        r = find_scope(fx, "edac_ue", "dimm");
        assert_int_equal(r->count, 1);
        assert_string_equal(fl_recorded_field(r, "label"), "DIMM_A1");

        put(fx, MC "/ue_noinfo_count", "7");
        poll_now(fx, false);
        assert_int_equal(fx->rec.n_events, 1);
        r = find_scope(fx, "edac_ue", "mc_noinfo");
        assert_int_equal(r->count, 7);

        fl_source_sysfs_get_stats(fx->src, &st);
        assert_int_equal(st.events[FL_SYSFS_EDAC_CE], 4);
        assert_int_equal(st.events[FL_SYSFS_EDAC_UE], 2);
        assert_int_equal(st.sensors_ok, 9);
        assert_int_equal(st.sensors_degraded, 0);
        assert_int_equal(st.polls, 5);
}

static void test_edac_rank_layout(void **state) {
        struct fixture *fx = *state;
        const struct fl_recorded_event *r;

        put(fx, MC "/ce_count", "0");
        put(fx, MC "/rank3/dimm_ce_count", "0");
        put(fx, MC "/rank3/dimm_label", "rank label");
        start(fx, BOOT_A, false);
        poll_now(fx, false);
        put(fx, MC "/rank3/dimm_ce_count", "2");
        poll_now(fx, false);
        r = find_scope(fx, "edac_ce", "rank");
        assert_string_equal(fl_recorded_field(r, "rank"), "3");
        assert_null(fl_recorded_field(r, "dimm"));
        assert_null(fl_recorded_field(r, "location"));
        assert_string_equal(fl_recorded_field(r, "label"), "rank label");
}

static void test_edac_persisted_across_restart(void **state) {
        struct fixture *fx = *state;
        _cleanup_free_ char *state_file = NULL, *saved = NULL;
        const struct fl_recorded_event *r;
        size_t n;

        assert_true(asprintf(&state_file, "%s/sysfs.json", fx->state) > 0);
        make_edac(fx, "3");
        start(fx, BOOT_A, true);
        poll_now(fx, false);
        stop(fx);

        /* Errors while the agent was down are reported at the next start. */
        set_ce(fx, "9");
        start(fx, BOOT_A, true);
        poll_now(fx, false);
        assert_int_equal(fx->rec.n_events, 4);
        r = find_scope(fx, "edac_ce", "dimm");
        assert_int_equal(r->count, 6);
        expect_identity(r, BOOT_A, MC "/dimm0/dimm_ce_count", "9");

        /* Once reported, a restart does not report it again. */
        stop(fx);
        start(fx, BOOT_A, true);
        poll_now(fx, false);
        assert_int_equal(fx->rec.n_events, 0);

        /* A crash after the event but before the state was saved: the same
         * occurrence is read again, with the same identity and count. */
        saved = fl_test_read_file(state_file, &n);
        set_ce(fx, "10");
        poll_now(fx, false);
        r = find_scope(fx, "edac_ce", "dimm");
        expect_identity(r, BOOT_A, MC "/dimm0/dimm_ce_count", "10");
        stop(fx);
        free(fl_test_write_file(fx->state, "sysfs.json", saved));
        start(fx, BOOT_A, true);
        poll_now(fx, false);
        r = find_scope(fx, "edac_ce", "dimm");
        assert_int_equal(r->count, 1);
        expect_identity(r, BOOT_A, MC "/dimm0/dimm_ce_count", "10");
}

static void test_edac_new_boot(void **state) {
        struct fixture *fx = *state;
        const struct fl_recorded_event *r;

        make_edac(fx, "7");
        start(fx, BOOT_A, true);
        poll_now(fx, false);
        stop(fx);

        /* After a reboot the counters restarted at zero: all 2 are new,
         * although 2 < 7. */
        set_ce(fx, "2");
        start(fx, BOOT_B, true);
        poll_now(fx, false);
        assert_int_equal(fx->rec.n_events, 4);
        r = find_scope(fx, "edac_ce", "dimm");
        assert_int_equal(r->count, 2);
        expect_identity(r, BOOT_B, MC "/dimm0/dimm_ce_count", "2");
}

static void test_edac_counter_reset(void **state) {
        struct fixture *fx = *state;
        struct fl_sysfs_stats st;
        const struct fl_recorded_event *r;

        make_edac(fx, "5");
        start(fx, BOOT_A, true);
        poll_now(fx, false);

        set_ce(fx, "1"); /* reset_counters, or the DIMM was replaced */
        poll_now(fx, false);
        assert_int_equal(fx->rec.n_events, 0);
        fl_source_sysfs_get_stats(fx->src, &st);
        assert_int_equal(st.counter_resets, 4);

        set_ce(fx, "2");
        poll_now(fx, false);
        r = find_scope(fx, "edac_ce", "dimm");
        assert_int_equal(r->count, 1);
}

static void test_edac_without_state_dir(void **state) {
        struct fixture *fx = *state;
        struct stat st;

        make_edac(fx, "4");
        start(fx, BOOT_A, false);
        poll_now(fx, false);
        assert_int_equal(fx->rec.n_events, 0);
        stop(fx);
        set_ce(fx, "6");
        /* Nothing persisted: a restart can only take a new baseline. */
        start(fx, BOOT_A, false);
        poll_now(fx, false);
        assert_int_equal(fx->rec.n_events, 0);
        assert_int_equal(stat(fx->state, &st), -1);
}

static void test_edac_sensor_appears(void **state) {
        struct fixture *fx = *state;
        const struct fl_recorded_event *r;
        struct fl_sysfs_stats st;

        make_edac(fx, "1");
        start(fx, BOOT_A, true);
        poll_now(fx, false);

        /* A DIMM that appears while running counts from zero: its 4 errors
         * happened since it appeared. */
        put(fx, MC "/dimm1/dimm_ce_count", "4");
        put(fx, MC "/dimm1/dimm_ue_count", "0");
        put(fx, MC "/dimm1/dimm_label", "DIMM_B1");
        poll_now(fx, false);
        assert_int_equal(fx->rec.n_events, 0); /* not walked yet */
        poll_now(fx, true);
        assert_int_equal(fx->rec.n_events, 1);
        r = find_scope(fx, "edac_ce", "dimm");
        assert_int_equal(r->count, 4);
        assert_string_equal(fl_recorded_field(r, "dimm"), "1");
        assert_string_equal(fl_recorded_field(r, "label"), "DIMM_B1");

        fl_source_sysfs_get_stats(fx->src, &st);
        assert_int_equal(st.sensors_ok, 11);
        assert_int_equal(st.rescans, 2);
}

static void test_edac_sensor_vanishes_and_returns(void **state) {
        struct fixture *fx = *state;
        _cleanup_free_ char *dimm = NULL;
        struct fl_sysfs_stats st;
        int error;

        make_edac(fx, "3");
        start(fx, BOOT_A, true);
        poll_now(fx, false);

        /* Hot-removed between two walks: the read fails, only it degrades. */
        assert_true(asprintf(&dimm, "%s/" MC "/dimm0", fx->root) > 0);
        fl_test_rm_rf(dimm);
        put(fx, MC "/ce_count", "4");
        put(fx, MC "/csrow0/ce_count", "4");
        poll_now(fx, false);
        assert_int_equal(fx->rec.n_events, 2); /* the mc and csrow views still work */
        (void) find_scope(fx, "edac_ce", "mc");
        assert_int_equal(
                fl_source_sysfs_sensor_error(fx->src, MC "/dimm0/dimm_ce_count", &error), 0);
        assert_int_equal(error, -ENOENT);
        assert_non_null(
                strstr(fx->log, MC "/dimm0/dimm_ce_count degraded: No such file or directory"));
        fl_source_sysfs_get_stats(fx->src, &st);
        assert_int_equal(st.sensors_degraded, 2);
        assert_int_equal(st.degradations, 2);

        /* The next walk drops it. */
        poll_now(fx, true);
        assert_int_equal(
                fl_source_sysfs_sensor_error(fx->src, MC "/dimm0/dimm_ce_count", &error), -ENOENT);
        fl_source_sysfs_get_stats(fx->src, &st);
        assert_int_equal(st.vanished, 2);
        assert_int_equal(st.sensors_degraded, 0);
        assert_int_equal(st.sensors_ok, 7);

        /* Back with the same count: it continues from its old value. */
        put(fx, MC "/dimm0/dimm_ce_count", "3");
        put(fx, MC "/dimm0/dimm_ue_count", "0");
        poll_now(fx, true);
        assert_int_equal(fx->rec.n_events, 0);
        put(fx, MC "/dimm0/dimm_ce_count", "5");
        poll_now(fx, false);
        assert_int_equal(find_scope(fx, "edac_ce", "dimm")->count, 2);
}

struct degrade_case {
        const char *name;
        /* Breaks ROOT/MC/dimm0/dimm_ce_count. */
        void (*breakit)(struct fixture *fx);
        int error;
};

static void break_einval(struct fixture *fx) {
        /* A real kernel attribute whose show() fails with EINVAL. */
        link_to(fx, MC "/dimm0/dimm_ce_count", "/sys/class/net/lo/speed");
}

static void break_eio(struct fixture *fx) {
        link_to(fx, MC "/dimm0/dimm_ce_count", "/sys/class/net/lo/power/autosuspend_delay_ms");
}

static void break_dir(struct fixture *fx) {
        drop(fx, MC "/dimm0/dimm_ce_count");
        free(fl_test_write_file(fx->root, MC "/dimm0/dimm_ce_count/x", ""));
}

static void break_garbage(struct fixture *fx) {
        put(fx, MC "/dimm0/dimm_ce_count", "twelve");
}

static void break_negative(struct fixture *fx) {
        put(fx, MC "/dimm0/dimm_ce_count", "-1");
}

static void break_too_long(struct fixture *fx) {
        char big[400];

        memset(big, '1', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        put(fx, MC "/dimm0/dimm_ce_count", big);
}

static void break_gone(struct fixture *fx) {
        drop(fx, MC "/dimm0/dimm_ce_count");
}

static void break_fifo(struct fixture *fx) {
        _cleanup_free_ char *full = NULL;

        /* Must not hang the loop: opened non-blocking, reads as empty. */
        drop(fx, MC "/dimm0/dimm_ce_count");
        assert_true(asprintf(&full, "%s/" MC "/dimm0/dimm_ce_count", fx->root) > 0);
        assert_int_equal(mkfifo(full, 0600), 0);
}

static const struct degrade_case degrade_cases[] = {
        {"EINVAL from the kernel", break_einval, -EINVAL},
        {"EIO from the kernel", break_eio, -EIO},
        {"directory in place of the file", break_dir, -EISDIR},
        {"not a number", break_garbage, -EBADMSG},
        {"negative counter", break_negative, -EBADMSG},
        {"value over the cap", break_too_long, -E2BIG},
        {"file gone", break_gone, -ENOENT},
        {"FIFO in place of the file", break_fifo, -ESPIPE},
};

static void check_degrade(struct fixture *fx, const struct degrade_case *c) {
        struct fl_sysfs_stats st;
        int error = 1;

        make_edac(fx, "1");
        start(fx, BOOT_A, true);
        poll_now(fx, false);

        set_ce(fx, "2");
        c->breakit(fx);
        poll_now(fx, false);

        /* Only that sensor degrades: the three other views report the error. */
        assert_int_equal(fx->rec.n_events, 3);
        assert_int_equal(
                fl_source_sysfs_sensor_error(fx->src, MC "/dimm0/dimm_ce_count", &error), 0);
        if (error != c->error)
                fail_msg("%s: error %d, expected %d", c->name, error, c->error);
        fl_source_sysfs_get_stats(fx->src, &st);
        assert_int_equal(st.sensors_degraded, 1);
        assert_int_equal(st.sensors_ok, 8);

        /* Not retried before the next walk. */
        repair(fx, MC "/dimm0/dimm_ce_count", "2");
        poll_now(fx, false);
        assert_int_equal(fx->rec.n_events, 0);
        assert_int_equal(
                fl_source_sysfs_sensor_error(fx->src, MC "/dimm0/dimm_ce_count", &error), 0);
        assert_int_equal(error, c->error);

        /* Repaired: the rescan retries it and the delta is not lost. */
        poll_now(fx, true);
        assert_int_equal(
                fl_source_sysfs_sensor_error(fx->src, MC "/dimm0/dimm_ce_count", &error), 0);
        assert_int_equal(error, 0);
        assert_int_equal(fx->rec.n_events, 1);
        assert_int_equal(find_scope(fx, "edac_ce", "dimm")->count, 1);
        assert_non_null(strstr(fx->log, "dimm_ce_count recovered"));
}

static void test_degraded_sensors(void **state) {
        for (size_t i = 0; i < ELEMENTSOF(degrade_cases); i++) {
                void *fx;

                assert_int_equal(setup(&fx), 0);
                check_degrade(fx, &degrade_cases[i]);
                assert_int_equal(teardown(&fx), 0);
        }
}

static void make_zone(struct fixture *fx, const char *temp) {
        put(fx, TZ "/type", "x86_pkg_temp");
        put(fx, TZ "/temp", temp);
        put(fx, TZ "/trip_point_0_temp", "80000");
        put(fx, TZ "/trip_point_0_type", "passive");
        put(fx, TZ "/trip_point_0_hyst", "2000");
        put(fx, TZ "/trip_point_1_temp", "100000");
        put(fx, TZ "/trip_point_1_type", "critical");
        /* Disabled trip (THERMAL_TEMP_INVALID): never compared. */
        put(fx, TZ "/trip_point_2_temp", "-274000");
        put(fx, TZ "/trip_point_2_type", "active");
}

static void expect_kinds(struct fixture *fx, const char *const *kinds) {
        size_t n = 0;

        while (kinds[n])
                n++;
        if (fx->rec.n_events != n)
                fail_msg("%zu events, expected %zu", fx->rec.n_events, n);
        for (size_t i = 0; i < n; i++)
                assert_string_equal(fx->rec.events[i].kind, kinds[i]);
}

static void test_thermal_trip_crossings(void **state) {
        struct fixture *fx = *state;
        const struct fl_recorded_event *r;
        struct fl_sysfs_stats st;

        make_zone(fx, "50000");
        start(fx, BOOT_A, true);
        poll_now(fx, false);
        assert_int_equal(fx->rec.n_events, 0);

        put(fx, TZ "/temp", "85000");
        poll_now(fx, false);
        expect_kinds(fx, (const char *[]){"thermal_trip", NULL});
        r = &fx->rec.events[0];
        assert_int_equal(r->count, 1);
        assert_string_equal(fl_recorded_field(r, "zone"), "thermal_zone0");
        assert_string_equal(fl_recorded_field(r, "type"), "x86_pkg_temp");
        assert_string_equal(fl_recorded_field(r, "temp"), "85000");
        assert_string_equal(fl_recorded_field(r, "trip"), "0");
        assert_string_equal(fl_recorded_field(r, "trip_type"), "passive");
        assert_string_equal(fl_recorded_field(r, "trip_temp"), "80000");
        assert_string_equal(fl_recorded_field(r, "hyst"), "2000");
        expect_identity(r, BOOT_A, TZ "/trip_point_0_temp", "1");

        /* Still above: no new event, however often it is read. */
        put(fx, TZ "/temp", "90000");
        poll_now(fx, false);
        poll_now(fx, false);
        assert_int_equal(fx->rec.n_events, 0);

        /* Within the hysteresis band (>= 78000): still tripped. */
        put(fx, TZ "/temp", "78500");
        poll_now(fx, false);
        assert_int_equal(fx->rec.n_events, 0);

        put(fx, TZ "/temp", "77000");
        poll_now(fx, false);
        expect_kinds(fx, (const char *[]){"thermal_clear", NULL});
        expect_identity(&fx->rec.events[0], BOOT_A, TZ "/trip_point_0_temp", "1:clear");

        /* A second crossing is a new occurrence; both trips at once. */
        put(fx, TZ "/temp", "101000");
        poll_now(fx, false);
        expect_kinds(fx, (const char *[]){"thermal_trip", "thermal_trip", NULL});
        expect_identity(&fx->rec.events[0], BOOT_A, TZ "/trip_point_0_temp", "2");
        assert_string_equal(fl_recorded_field(&fx->rec.events[1], "trip_type"), "critical");
        assert_null(fl_recorded_field(&fx->rec.events[1], "hyst"));
        expect_identity(&fx->rec.events[1], BOOT_A, TZ "/trip_point_1_temp", "1");

        /* A restart while hot does not fire again. */
        stop(fx);
        start(fx, BOOT_A, true);
        poll_now(fx, false);
        assert_int_equal(fx->rec.n_events, 0);

        /* Without hysteresis the critical trip clears right below it. */
        put(fx, TZ "/temp", "99999");
        poll_now(fx, false);
        expect_kinds(fx, (const char *[]){"thermal_clear", NULL});
        assert_string_equal(fl_recorded_field(&fx->rec.events[0], "trip"), "1");

        fl_source_sysfs_get_stats(fx->src, &st);
        assert_int_equal(st.events[FL_SYSFS_THERMAL_CLEAR], 1);
        assert_int_equal(st.sensors_ok, 1);
}

static void test_thermal_hot_at_first_read(void **state) {
        struct fixture *fx = *state;

        /* A zone already above a trip when the agent starts is reported:
         * thresholds are states, not history. */
        make_zone(fx, "85000");
        start(fx, BOOT_A, true);
        poll_now(fx, false);
        expect_kinds(fx, (const char *[]){"thermal_trip", NULL});
}

static void test_thermal_zone_without_trips(void **state) {
        struct fixture *fx = *state;
        struct fl_sysfs_stats st;

        put(fx, "class/thermal/thermal_zone3/type", "acpitz");
        put(fx, "class/thermal/thermal_zone3/temp", "30000");
        put(fx, "class/thermal/cooling_device0/type", "Processor");
        start(fx, BOOT_A, false);
        poll_now(fx, false);
        fl_source_sysfs_get_stats(fx->src, &st);
        assert_int_equal(st.sensors_ok, 0);
}

static void put_in(struct fixture *fx, const char *dir, const char *name, const char *value) {
        _cleanup_free_ char *path = NULL;

        assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
        put(fx, path, value);
}

static void make_coretemp(struct fixture *fx, const char *dir) {
        put_in(fx, dir, "name", "coretemp");
        put_in(fx, dir, "temp1_input", "40000");
        put_in(fx, dir, "temp1_label", "Package id 0");
        put_in(fx, dir, "temp1_max", "80000");
        put_in(fx, dir, "temp1_crit", "100000");
        put_in(fx, dir, "temp1_crit_hyst", "95000");
        put_in(fx, dir, "temp1_crit_alarm", "0");
        put_in(fx, dir, "temp2_input", "41000"); /* no limits: not a sensor */
        put_in(fx, dir, "in0_input", "1200");
        put_in(fx, dir, "in0_alarm", "0");
}

static void test_hwmon_limits_and_alarms(void **state) {
        struct fixture *fx = *state;
        const struct fl_recorded_event *r;
        struct fl_sysfs_stats st;

        make_coretemp(fx, HW);
        start(fx, BOOT_A, true);
        poll_now(fx, false);
        assert_int_equal(fx->rec.n_events, 0);
        fl_source_sysfs_get_stats(fx->src, &st);
        assert_int_equal(st.sensors_ok, 3);
        /* Regular files cannot be polled for POLLPRI: alarms fall back to
         * the timer. */
        assert_int_equal(st.sensors_notify, 0);

        put(fx, HW "/temp1_input", "85000");
        poll_now(fx, false);
        expect_kinds(fx, (const char *[]){"hwmon_temp", NULL});
        r = &fx->rec.events[0];
        assert_string_equal(fl_recorded_field(r, "hwmon"), "hwmon0");
        assert_string_equal(fl_recorded_field(r, "chip"), "coretemp");
        assert_string_equal(fl_recorded_field(r, "sensor"), "temp1");
        assert_string_equal(fl_recorded_field(r, "label"), "Package id 0");
        assert_string_equal(fl_recorded_field(r, "temp"), "85000");
        assert_string_equal(fl_recorded_field(r, "limit"), "80000");
        assert_string_equal(fl_recorded_field(r, "limit_kind"), "max");
        assert_null(fl_recorded_field(r, "hyst"));
        expect_identity(r, BOOT_A, HW "/temp1_max", "1");

        put(fx, HW "/temp1_input", "100000");
        put(fx, HW "/temp1_crit_alarm", "1");
        poll_now(fx, false);
        expect_kinds(fx, (const char *[]){"hwmon_alarm", "hwmon_temp", NULL});
        r = &fx->rec.events[0];
        assert_string_equal(fl_recorded_field(r, "attribute"), "temp1_crit_alarm");
        assert_string_equal(fl_recorded_field(r, "sensor"), "temp1");
        assert_string_equal(fl_recorded_field(r, "label"), "Package id 0");
        assert_string_equal(fl_recorded_field(r, "value"), "1");
        expect_identity(r, BOOT_A, HW "/temp1_crit_alarm", "1");
        r = &fx->rec.events[1];
        assert_string_equal(fl_recorded_field(r, "limit_kind"), "crit");
        assert_string_equal(fl_recorded_field(r, "limit"), "100000");
        assert_string_equal(fl_recorded_field(r, "hyst"), "95000");

        /* Crit hysteresis is absolute: 96000 is still a crit condition. */
        put(fx, HW "/temp1_input", "96000");
        poll_now(fx, false);
        assert_int_equal(fx->rec.n_events, 0);

        put(fx, HW "/temp1_input", "94000");
        put(fx, HW "/temp1_crit_alarm", "0");
        put(fx, HW "/in0_alarm", "1");
        poll_now(fx, false);
        /* Sensors are read in path order: in0_alarm, temp1_crit_alarm, temp1_input. */
        expect_kinds(
                fx, (const char *[]){"hwmon_alarm", "hwmon_alarm_clear", "hwmon_temp_clear", NULL});
        assert_string_equal(fl_recorded_field(&fx->rec.events[2], "limit_kind"), "crit");
        r = &fx->rec.events[0];
        assert_string_equal(fl_recorded_field(r, "attribute"), "in0_alarm");
        assert_string_equal(fl_recorded_field(r, "sensor"), "in0");
        assert_string_equal(fl_recorded_field(r, "label"), "in0"); /* no in0_label */

        put(fx, HW "/temp1_input", "79999");
        poll_now(fx, false);
        expect_kinds(fx, (const char *[]){"hwmon_temp_clear", NULL});
        assert_string_equal(fl_recorded_field(&fx->rec.events[0], "limit_kind"), "max");
        expect_identity(&fx->rec.events[0], BOOT_A, HW "/temp1_max", "1:clear");
}

static void test_hwmon_device_layout(void **state) {
        struct fixture *fx = *state;

        /* Older drivers keep the attributes on the parent device. */
        make_coretemp(fx, "class/hwmon/hwmon4/device");
        start(fx, BOOT_A, false);
        poll_now(fx, false);
        put(fx, "class/hwmon/hwmon4/device/temp1_crit_alarm", "1");
        poll_now(fx, false);
        expect_kinds(fx, (const char *[]){"hwmon_alarm", NULL});
        assert_string_equal(fl_recorded_field(&fx->rec.events[0], "hwmon"), "hwmon4");
        assert_string_equal(fl_recorded_field(&fx->rec.events[0], "chip"), "coretemp");
        assert_string_equal(fl_recorded_field(&fx->rec.events[0], "path"),
                "class/hwmon/hwmon4/device/temp1_crit_alarm");
}

static void test_hwmon_sensor_appears(void **state) {
        struct fixture *fx = *state;

        make_coretemp(fx, HW);
        start(fx, BOOT_A, false);
        poll_now(fx, false);
        make_coretemp(fx, "class/hwmon/hwmon1");
        put(fx, "class/hwmon/hwmon1/name", "nvme");
        put(fx, "class/hwmon/hwmon1/temp1_input", "90000");
        poll_now(fx, true);
        expect_kinds(fx, (const char *[]){"hwmon_temp", NULL});
        assert_string_equal(fl_recorded_field(&fx->rec.events[0], "chip"), "nvme");
}

static void test_state_file_problems(void **state) {
        struct fixture *fx = *state;
        struct fl_sysfs_config cfg = {.sysfs_root = fx->root, .boot_id = BOOT_A};
        struct fl_source_sysfs *s = NULL;
        struct fl_sysfs_stats st;
        _cleanup_free_ char *file = NULL;

        static const char *const corrupt[] = {
                "{",
                "[]",
                "{\"version\": 2, \"boot_id\": \"" BOOT_A
                "\", \"counters\": {}, \"thresholds\": {}}",
                "{\"version\": 1, \"boot_id\": \"" BOOT_A
                "\", \"counters\": {\"a\": -1}, \"thresholds\": {}}",
                "{\"version\": 1, \"boot_id\": \"" BOOT_A
                "\", \"counters\": {\"a\": \"1\"}, \"thresholds\": {}}",
                "{\"version\": 1, \"boot_id\": \"" BOOT_A
                "\", \"counters\": {}, \"thresholds\": {\"k\": {\"seq\": 1}}}",
                "{\"version\": 1, \"counters\": {}, \"thresholds\": {}}",
        };

        make_edac(fx, "3");
        for (size_t i = 0; i < ELEMENTSOF(corrupt); i++) {
                free(fl_test_write_file(fx->state, "sysfs.json", corrupt[i]));
                start(fx, BOOT_A, true);
                fl_source_sysfs_get_stats(fx->src, &st);
                assert_int_equal(st.state_errors, 1);
                assert_int_equal(st.last_state_error, -EBADMSG);
                /* It runs, as a first start: baseline, then deltas. */
                poll_now(fx, false);
                assert_int_equal(fx->rec.n_events, 0);
                stop(fx);
        }

        /* The state dir is a file: creation fails with the exact error. */
        file = fl_test_write_file(fx->dir, "plainfile", "x");
        cfg.state_dir = file;
        assert_int_equal(fl_source_sysfs_new(fx->event, &cfg, record, fx, &s), -ENOTDIR);
        assert_null(s);

        cfg.state_dir = NULL;
        cfg.boot_id = "not-a-boot-id";
        assert_int_equal(fl_source_sysfs_new(fx->event, &cfg, record, fx, &s), -EINVAL);
        cfg.boot_id = BOOT_A;
        cfg.sysfs_root = "/nonexistent/sys";
        assert_int_equal(fl_source_sysfs_new(fx->event, &cfg, record, fx, &s), -ENOENT);
        assert_null(s);
        assert_int_equal(fl_source_sysfs_new(NULL, &cfg, record, fx, &s), -EINVAL);
        assert_int_equal(fl_source_sysfs_poll(NULL, false), -EINVAL);
        assert_null(fl_source_sysfs_free(NULL));
}

static void test_state_save_failure(void **state) {
        struct fixture *fx = *state;
        struct fl_sysfs_stats st;
        _cleanup_free_ char *file = NULL;

        make_edac(fx, "3");
        start(fx, BOOT_A, true);
        poll_now(fx, false);
        /* A directory where the file must go: rename fails, events still flow. */
        assert_true(asprintf(&file, "%s/sysfs.json", fx->state) > 0);
        assert_int_equal(unlink(file), 0);
        free(fl_test_write_file(fx->state, "sysfs.json/blocker", "x"));
        set_ce(fx, "4");
        clear_events(fx);
        assert_int_equal(fl_source_sysfs_poll(fx->src, false), -EISDIR);
        assert_int_equal(fx->rec.n_events, 4);
        fl_source_sysfs_get_stats(fx->src, &st);
        assert_int_equal(st.state_errors, 1);
        assert_int_equal(st.last_state_error, -EISDIR);
}

static void test_kind_names(void **state) {
        static const char *const names[] = {"edac_ce", "edac_ue", "thermal_trip", "thermal_clear",
                "hwmon_temp", "hwmon_temp_clear", "hwmon_alarm", "hwmon_alarm_clear"};

        for (int k = 0; k < _FL_SYSFS_KIND_MAX; k++)
                assert_string_equal(fl_sysfs_kind_to_string((enum fl_sysfs_kind) k), names[k]);
        assert_null(fl_sysfs_kind_to_string(_FL_SYSFS_KIND_MAX));
}

static bool five_events(void *userdata) {
        struct fixture *fx = userdata;

        return fx->rec.n_events >= 5;
}

static void test_timer_drives_polls(void **state) {
        struct fixture *fx = *state;
        struct fl_sysfs_config cfg = {
                .sysfs_root = fx->root,
                .boot_id = BOOT_A,
                .interval_usec = 20 * 1000,
                .rescan_usec = 40 * 1000,
        };
        struct fl_sysfs_stats st;

        make_edac(fx, "1");
        assert_int_equal(fl_source_sysfs_new(fx->event, &cfg, record, fx, &fx->src), 0);

        /* The first expiry is due at once and walks the tree. */
        assert_true(sd_event_run(fx->event, 5 * 1000 * 1000) > 0);
        fl_source_sysfs_get_stats(fx->src, &st);
        assert_int_equal(st.polls, 1);
        assert_int_equal(st.rescans, 1);

        /* The same timer is re-armed: later errors arrive through the loop,
         * and new sensors through the periodic rescan. */
        set_ce(fx, "3");
        put(fx, MC "/dimm1/dimm_ce_count", "1");
        /* 4 views of mc0 + the new DIMM */
        assert_int_equal(fl_test_run_until(fx->event, five_events, fx, 10 * 1000 * 1000), 0);
        fl_source_sysfs_get_stats(fx->src, &st);
        assert_true(st.polls >= 2);
        assert_true(st.rescans >= 2);
        assert_int_equal(st.events[FL_SYSFS_EDAC_CE], 5);
        assert_non_null(find_scope(fx, "edac_ce", "mc"));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_edac_baseline_then_deltas, setup, teardown),
                cmocka_unit_test_setup_teardown(test_edac_rank_layout, setup, teardown),
                cmocka_unit_test_setup_teardown(
                        test_edac_persisted_across_restart, setup, teardown),
                cmocka_unit_test_setup_teardown(test_edac_new_boot, setup, teardown),
                cmocka_unit_test_setup_teardown(test_edac_counter_reset, setup, teardown),
                cmocka_unit_test_setup_teardown(test_edac_without_state_dir, setup, teardown),
                cmocka_unit_test_setup_teardown(test_edac_sensor_appears, setup, teardown),
                cmocka_unit_test_setup_teardown(
                        test_edac_sensor_vanishes_and_returns, setup, teardown),
                cmocka_unit_test(test_degraded_sensors),
                cmocka_unit_test_setup_teardown(test_thermal_trip_crossings, setup, teardown),
                cmocka_unit_test_setup_teardown(test_thermal_hot_at_first_read, setup, teardown),
                cmocka_unit_test_setup_teardown(test_thermal_zone_without_trips, setup, teardown),
                cmocka_unit_test_setup_teardown(test_hwmon_limits_and_alarms, setup, teardown),
                cmocka_unit_test_setup_teardown(test_hwmon_device_layout, setup, teardown),
                cmocka_unit_test_setup_teardown(test_hwmon_sensor_appears, setup, teardown),
                cmocka_unit_test_setup_teardown(test_state_file_problems, setup, teardown),
                cmocka_unit_test_setup_teardown(test_state_save_failure, setup, teardown),
                cmocka_unit_test(test_kind_names),
                cmocka_unit_test_setup_teardown(test_timer_drives_polls, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
