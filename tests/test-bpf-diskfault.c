/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A real disk fault seen by the BPF source: reads of bad sectors of a
 * faultyfs-backed loop device fail with EIO in the block layer, the real
 * block_rq_error tracepoint fires, and source_bpf must pass on exactly one
 * event per failed request with the right device, disk name and sector.
 *
 * Run through tests/tools/diskfault.sh run, which sets up the loop device,
 * exports FL_DISKFAULT_DEV and FL_DISKFAULT_DIR and tears it all down after.
 * Only events of this device are looked at: other tests on the machine may
 * cause block errors of their own.
 */
#include "fl_test.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <systemd/sd-id128.h>
#include <time.h>
#include <unistd.h>

#include "bpf_capture.h"
#include "macro.h"
#include "source_bpf.h"

#define SECTOR 512

struct env {
        const char *dev;
        const char *dir;
        char dev_id[32];
        char disk[64];
        sd_event *event;
        struct capture cap;
        struct source_bpf *src;
};

static uint64_t now_usec(void) {
        struct timespec ts;

        assert_int_equal(clock_gettime(CLOCK_MONOTONIC, &ts), 0);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

static int env_setup(void **state) {
        struct env *env = calloc(1, sizeof(*env));
        _cleanup_free_ char *copy = NULL;
        struct stat st;

        assert_non_null(env);
        env->dev = getenv("FL_DISKFAULT_DEV");
        env->dir = getenv("FL_DISKFAULT_DIR");
        assert_int_equal(stat(env->dev, &st), 0);
        assert_true(S_ISBLK(st.st_mode));
        snprintf(env->dev_id, sizeof(env->dev_id), "%u:%u", major(st.st_rdev), minor(st.st_rdev));
        copy = strdup(env->dev);
        assert_non_null(copy);
        snprintf(env->disk, sizeof(env->disk), "%s", basename(copy));

        assert_int_equal(sd_event_new(&env->event), 0);
        env->cap.filter_field = "dev";
        env->cap.filter_value = env->dev_id;
        assert_int_equal(source_bpf_new(env->event, capture_event, &env->cap, &env->src), 0);
        *state = env;
        return 0;
}

static int env_teardown(void **state) {
        struct env *env = *state;

        source_bpf_free(env->src);
        capture_reset(&env->cap);
        sd_event_unref(env->event);
        free(env);
        return 0;
}

/* Runs `diskfault.sh ARGS...`; returns its exit status. */
static int diskfault(const char *a1, const char *a2, const char *a3) {
        _cleanup_free_ char *script = fl_test_source_path("tests/tools/diskfault.sh");
        pid_t pid = fork();
        int status;

        assert_true(pid >= 0);
        if (pid == 0) {
                execl(script, script, a1, a2, a3, (char *) NULL);
                _exit(127);
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        return WEXITSTATUS(status);
}

static size_t count_sector(const struct capture *cap, const char *sector) {
        size_t n = 0;

        for (size_t i = 0; i < cap->n; i++)
                if (strcmp(capture_field(cap, i, "sector"), sector) == 0)
                        n += cap->events[i].count;
        return n;
}

/* Runs the loop until `want` events of `sector` arrived or 10 s passed, then
 * a little longer so that an extra event would be seen too. Returns when
 * (CLOCK_MONOTONIC) the last wanted event had been passed on. */
static uint64_t wait_for(struct env *env, const char *sector, size_t want) {
        uint64_t deadline = now_usec() + 10 * 1000000, seen;

        while (count_sector(&env->cap, sector) < want && now_usec() < deadline)
                assert_true(sd_event_run(env->event, 100 * 1000) >= 0);
        seen = now_usec();
        deadline = seen + 300 * 1000;
        while (now_usec() < deadline)
                assert_true(sd_event_run(env->event, 50 * 1000) >= 0);
        return seen;
}

static void test_read_error_detected(void **state) {
        struct env *env = *state;
        struct source_bpf_stats st;
        _cleanup_free_ char *id_prefix = NULL;
        const struct captured_event *e;
        sd_id128_t boot;
        uint64_t seen_usec, latency_usec;

        assert_int_equal(source_bpf_get_stats(env->src, &st), 0);
        assert_int_equal(st.kinds[FL_BPF_BLOCK_RQ_ERROR].state, SOURCE_BPF_PROG_ATTACHED);

        /* A good sector reads fine and causes nothing. */
        assert_int_equal(diskfault("read", env->dev, "50"), 0);

        assert_int_equal(diskfault("bad", env->dir, "1000-1001"), 0);
        assert_int_equal(diskfault("read", env->dev, "1000"), 1);
        seen_usec = wait_for(env, "1000", 1);

        assert_int_equal(env->cap.n, 1);
        e = &env->cap.events[0];
        assert_true(e->monotonic_usec <= seen_usec);
        latency_usec = seen_usec - e->monotonic_usec;
        assert_string_equal(e->kind, "block_rq_error");
        assert_int_equal(e->count, 1);
        assert_string_equal(capture_field(&env->cap, 0, "dev"), env->dev_id);
        assert_string_equal(capture_field(&env->cap, 0, "disk"), env->disk);
        assert_string_equal(capture_field(&env->cap, 0, "sector"), "1000");
        assert_string_equal(capture_field(&env->cap, 0, "nr_sector"), "1");
        assert_string_equal(capture_field(&env->cap, 0, "error"), "10");
        assert_string_equal(capture_field(&env->cap, 0, "error_name"), "BLK_STS_IOERR");
        assert_true(capture_field(&env->cap, 0, "rwbs")[0] == 'R');
        assert_int_equal(sd_id128_get_boot(&boot), 0);
        assert_true(asprintf(&id_prefix, "bpf:" SD_ID128_FORMAT_STR ":",
                            SD_ID128_FORMAT_VAL(boot)) > 0);
        assert_true(strncmp(e->identity, id_prefix, strlen(id_prefix)) == 0);
        /* Kernel time is CLOCK_MONOTONIC: the event cannot be in the future,
         * and it was not minutes ago. */
        assert_true(latency_usec < 10 * 1000000);
        print_message("%s: sector 1000 EIO seen by the test loop within %llu us of the kernel "
                      "event\n",
                env->dev, (unsigned long long) latency_usec);
}

/* Every failed request counts once: 20 direct reads of a bad sector give
 * exactly 20 events. */
static void test_every_error_counted(void **state) {
        struct env *env = *state;
        struct source_bpf_stats st;
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *ctl_path = NULL, *ctl = NULL;
        void *buf = NULL;

        assert_int_equal(diskfault("bad", env->dir, "1500"), 0);
        assert_int_equal(posix_memalign(&buf, 4096, 4096), 0);
        fd = open(env->dev, O_RDONLY | O_DIRECT | O_CLOEXEC);
        assert_true(fd >= 0);
        for (int i = 0; i < 20; i++) {
                assert_int_equal(pread(fd, buf, SECTOR, 1500 * SECTOR), -1);
                assert_int_equal(errno, EIO);
        }
        /* The sector next to it is fine. */
        assert_int_equal(pread(fd, buf, SECTOR, 1499 * SECTOR), SECTOR);
        free(buf);
        wait_for(env, "1500", 20);

        assert_int_equal(count_sector(&env->cap, "1500"), 20);
        assert_int_equal(count_sector(&env->cap, "1499"), 0);
        assert_int_equal(source_bpf_get_stats(env->src, &st), 0);
        assert_int_equal(st.kinds[FL_BPF_BLOCK_RQ_ERROR].lost, 0);
        assert_true(st.kinds[FL_BPF_BLOCK_RQ_ERROR].delivered >= 20);

        /* faultyfs agrees on how many reads it failed. */
        assert_true(asprintf(&ctl_path, "%s/mnt/ctl", env->dir) > 0);
        ctl = fl_test_read_file(ctl_path, NULL);
        assert_non_null(strstr(ctl, "bad 1000-1001 1500\n"));
        assert_non_null(strstr(ctl, "read_errors 21\n"));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_read_error_detected),
                cmocka_unit_test(test_every_error_counted),
        };

        fl_test_require(geteuid() == 0, "root");
        fl_test_require(getenv("FL_DISKFAULT_DEV") && getenv("FL_DISKFAULT_DIR"),
                "a faulty disk (run through tests/tools/diskfault.sh run)");
        return cmocka_run_group_tests(tests, env_setup, env_teardown);
}
