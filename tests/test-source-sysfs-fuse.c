/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The sysfs source on a fake sysfs served by FUSE from this test, for the two
 * things a directory of regular files cannot show:
 *
 *  - a read failing with exactly ENODATA (what hwmon drivers return for a
 *    sensor that has no reading, e.g. a powered-down device);
 *  - POLLPRI: like kernfs after sysfs_notify(), an attribute's poll reports
 *    POLLPRI|POLLERR until the file is read again. With the poll interval set
 *    to an hour, only the POLLPRI watch can deliver the alarm.
 *
 * The file system runs in a thread of this process, mounted in a private
 * mount namespace (needs root and /dev/fuse), so nothing outlives the test.
 */
#define FUSE_USE_VERSION 35
#include "fl_test.h"

#include <errno.h>
#include <fuse.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include "event_recorder.h"
#include "macro.h"
#include "source_sysfs.h"

#define HW           "/class/hwmon/hwmon0"
#define HOUR_USEC    (3600ULL * 1000 * 1000)
#define TIMEOUT_USEC (10ULL * 1000 * 1000)

struct node {
        const char *path;
        bool dir;
        char value[32];
        int error;     /* read fails with -error */
        bool notified; /* a "sysfs_notify" not yet consumed by a read */
        unsigned reads;
        struct fuse_pollhandle *ph;
};

/* Shared by the FUSE thread and the test, under `lock`. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static struct node nodes[] = {
        {.path = "/", .dir = true},
        {.path = "/class", .dir = true},
        {.path = "/class/hwmon", .dir = true},
        {.path = HW, .dir = true},
        {.path = HW "/name", .value = "fusechip"},
        {.path = HW "/temp1_input", .value = "40000"},
        {.path = HW "/temp1_crit", .value = "100000"},
        {.path = HW "/temp1_crit_alarm", .value = "0"},
        {.path = HW "/temp2_input", .error = ENODATA},
        {.path = HW "/temp2_crit", .value = "90000"},
};

static struct node *lookup(const char *path) {
        for (size_t i = 0; i < ELEMENTSOF(nodes); i++)
                if (strcmp(nodes[i].path, path) == 0)
                        return &nodes[i];
        return NULL;
}

static int fs_getattr(const char *path, struct stat *st, struct fuse_file_info *fi) {
        struct node *n = lookup(path);

        if (!n)
                return -ENOENT;
        memset(st, 0, sizeof(*st));
        st->st_mode = n->dir ? S_IFDIR | 0755 : S_IFREG | 0444;
        st->st_nlink = 1;
        st->st_size = n->dir ? 0 : 4096; /* what sysfs reports */
        return 0;
}

static int fs_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off,
        struct fuse_file_info *fi, enum fuse_readdir_flags flags) {
        size_t len = strcmp(path, "/") == 0 ? 0 : strlen(path);

        fill(buf, ".", NULL, 0, 0);
        fill(buf, "..", NULL, 0, 0);
        for (size_t i = 0; i < ELEMENTSOF(nodes); i++) {
                const char *p = nodes[i].path;
                if (strncmp(p, path, len) != 0 || p[len] != '/' || p[len + 1] == '\0' ||
                        strchr(p + len + 1, '/'))
                        continue;
                fill(buf, p + len + 1, NULL, 0, 0);
        }
        return 0;
}

static int fs_open(const char *path, struct fuse_file_info *fi) {
        if (!lookup(path))
                return -ENOENT;
        /* Every read reaches us, as every sysfs read reaches the driver. */
        fi->direct_io = 1;
        return 0;
}

static int fs_read(const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi) {
        struct node *n = lookup(path);
        char text[40];
        size_t len;
        int r;

        pthread_mutex_lock(&lock);
        n->reads++;
        n->notified = false; /* kernfs: reading consumes the notification */
        r = -n->error;
        snprintf(text, sizeof(text), "%s\n", n->value);
        pthread_mutex_unlock(&lock);
        if (r < 0)
                return r;
        len = strlen(text);
        if ((size_t) off >= len)
                return 0;
        if (size > len - (size_t) off)
                size = len - (size_t) off;
        memcpy(buf, text + off, size);
        return (int) size;
}

static int fs_poll(const char *path, struct fuse_file_info *fi, struct fuse_pollhandle *ph,
        unsigned *reventsp) {
        struct node *n = lookup(path);

        pthread_mutex_lock(&lock);
        if (ph) {
                if (n->ph)
                        fuse_pollhandle_destroy(n->ph);
                n->ph = ph;
        }
        /* kernfs: readable always, POLLPRI|POLLERR after a notification. */
        *reventsp = POLLIN | POLLRDNORM | (n->notified ? POLLPRI | POLLERR : 0);
        pthread_mutex_unlock(&lock);
        return 0;
}

static const struct fuse_operations fs_ops = {
        .getattr = fs_getattr,
        .readdir = fs_readdir,
        .open = fs_open,
        .read = fs_read,
        .poll = fs_poll,
};

/* What a driver does: change the value, then sysfs_notify(). */
static void set_value(const char *path, const char *value, int error, bool notify) {
        struct node *n = lookup(path);
        struct fuse_pollhandle *ph;

        assert_non_null(n);
        pthread_mutex_lock(&lock);
        snprintf(n->value, sizeof(n->value), "%s", value);
        n->error = error;
        n->notified = n->notified || notify;
        ph = notify ? n->ph : NULL;
        pthread_mutex_unlock(&lock);
        /* The handle stays valid: only the FUSE thread replaces it, and only
         * while the test waits in the loop. */
        if (ph)
                assert_int_equal(fuse_notify_poll(ph), 0);
}

static unsigned reads_of(const char *path) {
        unsigned r;

        pthread_mutex_lock(&lock);
        r = lookup(path)->reads;
        pthread_mutex_unlock(&lock);
        return r;
}

struct fixture {
        char *dir;
        char *mnt;
        struct fuse *fuse;
        pthread_t thread;
        sd_event *event;
        struct fl_source_sysfs *src;
        struct fl_recorder rec;
        size_t want;
};

static void *serve(void *userdata) {
        struct fixture *fx = userdata;

        (void) fuse_loop(fx->fuse);
        return NULL;
}

static int setup(void **state) {
        struct fixture *fx = calloc(1, sizeof(*fx));
        char *argv[] = {(char *) "test", NULL};
        struct fuse_args args = FUSE_ARGS_INIT(1, argv);

        assert_non_null(fx);
        fl_test_require(geteuid() == 0, "root (private mount namespace, FUSE mount)");
        fl_test_require(access("/dev/fuse", R_OK | W_OK) == 0, "/dev/fuse");
        /* Private mounts: the FUSE mount cannot leak, and goes with us. */
        assert_int_equal(unshare(CLONE_NEWNS), 0);
        assert_int_equal(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);

        fx->dir = fl_test_mkdtemp();
        assert_true(asprintf(&fx->mnt, "%s/sys", fx->dir) > 0);
        assert_int_equal(mkdir(fx->mnt, 0755), 0);
        fx->fuse = fuse_new(&args, &fs_ops, sizeof(fs_ops), NULL);
        assert_non_null(fx->fuse);
        assert_int_equal(fuse_mount(fx->fuse, fx->mnt), 0);
        assert_int_equal(pthread_create(&fx->thread, NULL, serve, fx), 0);
        fuse_opt_free_args(&args);
        assert_int_equal(sd_event_new(&fx->event), 0);
        *state = fx;
        return 0;
}

static int teardown(void **state) {
        struct fixture *fx = *state;

        fx->src = fl_source_sysfs_free(fx->src);
        fl_recorder_clear(&fx->rec);
        sd_event_unref(fx->event);
        fuse_exit(fx->fuse);
        fuse_unmount(fx->fuse); /* ends the loop's read of /dev/fuse */
        pthread_join(fx->thread, NULL);
        for (size_t i = 0; i < ELEMENTSOF(nodes); i++)
                if (nodes[i].ph) {
                        fuse_pollhandle_destroy(nodes[i].ph);
                        nodes[i].ph = NULL;
                }
        fuse_destroy(fx->fuse);
        fl_test_rm_rf(fx->dir);
        free(fx->dir);
        free(fx->mnt);
        free(fx);
        return 0;
}

static bool have_want(void *userdata) {
        struct fixture *fx = userdata;

        return fx->rec.n_events >= fx->want;
}

static bool walked(void *userdata) {
        struct fixture *fx = userdata;
        struct fl_sysfs_stats st;

        fl_source_sysfs_get_stats(fx->src, &st);
        return st.polls > 0;
}

static void test_enodata_and_pollpri(void **state) {
        struct fixture *fx = *state;
        struct fl_sysfs_config cfg = {
                .sysfs_root = fx->mnt,
                .boot_id = "0123456789abcdef0123456789abcdef",
                .interval_usec = HOUR_USEC, /* no polling during the test */
                .rescan_usec = HOUR_USEC,
        };
        struct fl_sysfs_stats st;
        const struct fl_recorded_event *e;
        unsigned reads;
        int error;

        assert_int_equal(
                fl_source_sysfs_new(fx->event, &cfg, fl_recorder_record, &fx->rec, &fx->src), 0);
        /* The first expiry walks the tree and reads everything once. */
        assert_int_equal(fl_test_run_until(fx->event, walked, fx, TIMEOUT_USEC), 0);

        /* ENODATA degrades exactly that sensor. */
        assert_int_equal(
                fl_source_sysfs_sensor_error(fx->src, "class/hwmon/hwmon0/temp2_input", &error), 0);
        assert_int_equal(error, -ENODATA);
        assert_int_equal(
                fl_source_sysfs_sensor_error(fx->src, "class/hwmon/hwmon0/temp1_input", &error), 0);
        assert_int_equal(error, 0);
        fl_source_sysfs_get_stats(fx->src, &st);
        assert_int_equal(st.sensors_ok, 2);
        assert_int_equal(st.sensors_degraded, 1);
        /* The alarm file supports poll: it is watched. */
        assert_int_equal(st.sensors_notify, 1);
        assert_int_equal(fx->rec.n_events, 0);

        /* The driver raises the alarm and notifies: delivered through
         * POLLPRI, long before the hour-long interval. */
        set_value(HW "/temp1_crit_alarm", "1", 0, true);
        fx->want = 1;
        assert_int_equal(fl_test_run_until(fx->event, have_want, fx, TIMEOUT_USEC), 0);
        e = &fx->rec.events[0];
        assert_string_equal(e->kind, "hwmon_alarm");
        assert_string_equal(fl_recorded_field(e, "chip"), "fusechip");
        assert_string_equal(fl_recorded_field(e, "attribute"), "temp1_crit_alarm");
        fl_source_sysfs_get_stats(fx->src, &st);
        assert_int_equal(st.polls, 1);

        /* The read consumed the notification: the watch is quiet again, the
         * loop does not spin on the fd. */
        reads = reads_of(HW "/temp1_crit_alarm");
        assert_int_equal(sd_event_run(fx->event, 100 * 1000), 0);
        assert_int_equal(reads_of(HW "/temp1_crit_alarm"), reads);

        /* Cleared and notified: the clear arrives the same way. */
        set_value(HW "/temp1_crit_alarm", "0", 0, true);
        fx->want = 2;
        assert_int_equal(fl_test_run_until(fx->event, have_want, fx, TIMEOUT_USEC), 0);
        assert_string_equal(fx->rec.events[1].kind, "hwmon_alarm_clear");

        /* A notified read that fails degrades the sensor and drops its watch
         * (a dead kernfs fd would report POLLPRI forever). */
        set_value(HW "/temp1_crit_alarm", "1", EIO, true);
        assert_true(sd_event_run(fx->event, TIMEOUT_USEC) > 0);
        assert_int_equal(fl_source_sysfs_sensor_error(
                                 fx->src, "class/hwmon/hwmon0/temp1_crit_alarm", &error),
                0);
        assert_int_equal(error, -EIO);
        fl_source_sysfs_get_stats(fx->src, &st);
        assert_int_equal(st.sensors_notify, 0);
        assert_int_equal(st.sensors_degraded, 2);

        /* Repaired: the next rescan reads it and watches it again; the
         * sensor without data recovers too. */
        set_value(HW "/temp1_crit_alarm", "1", 0, false);
        set_value(HW "/temp2_input", "95000", 0, false);
        assert_int_equal(fl_source_sysfs_poll(fx->src, true), 0);
        fl_source_sysfs_get_stats(fx->src, &st);
        assert_int_equal(st.sensors_notify, 1);
        assert_int_equal(st.sensors_degraded, 0);
        assert_int_equal(fx->rec.n_events, 4);
        assert_string_equal(fx->rec.events[2].kind, "hwmon_alarm");
        assert_string_equal(fx->rec.events[3].kind, "hwmon_temp");
        assert_string_equal(fl_recorded_field(&fx->rec.events[3], "sensor"), "temp2");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_enodata_and_pollpri, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
