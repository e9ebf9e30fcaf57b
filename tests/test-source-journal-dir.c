/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The journald source in journal_directory mode, on journal files holding
 * exact kernel-form entries written by systemd-journal-remote
 * (tests/harness/kernel-journal.sh): fields and timestamps, a file added while
 * following, where a first start begins (current boot, later boots kept),
 * restart from a saved cursor (also one from an older boot), the harness's
 * default clocks and a long uptime, bounded batches under a flood, bad cursor
 * files and match groups.
 */
#include "fl_test.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <systemd/sd-id128.h>
#include <systemd/sd-journal.h>
#include <time.h>
#include <unistd.h>

#include "event_recorder.h"
#include "macro.h"
#include "source_journal.h"

#define BOOT_OLD     "11111111111111111111111111111111"
#define BOOT_NEW     "33333333333333333333333333333333"
#define TIMEOUT_USEC (20ULL * 1000 * 1000)

struct fixture {
        char *dir;
        char *journals;
        char *state;
        char boot[33];
        sd_event *event;
        struct fl_source_journal *src;
        struct fl_recorder rec;
        size_t want; /* run_until target */
        char *script;
};

static void write_entries(
        struct fixture *fx, const char *name, const char *const *opts, const char *const *lines) {
        const char *argv[64];
        size_t n = 0;
        _cleanup_free_ char *out = NULL;
        pid_t pid;
        int status;

        assert_true(asprintf(&out, "%s/%s", fx->journals, name) > 0);
        argv[n++] = fx->script;
        for (; opts && *opts; opts++)
                argv[n++] = *opts;
        argv[n++] = out;
        for (; *lines; lines++) {
                assert_true(n < ELEMENTSOF(argv) - 1);
                argv[n++] = *lines;
        }
        argv[n] = NULL;
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                execv(argv[0], (char *const *) argv);
                _exit(127);
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 0);
}

static int setup(void **state) {
        struct fixture *fx = calloc(1, sizeof(*fx));
        sd_id128_t boot;

        assert_non_null(fx);
        fx->script = fl_test_source_path("tests/harness/kernel-journal.sh");
        fl_test_require(access("/lib/systemd/systemd-journal-remote", X_OK) == 0,
                "systemd-journal-remote (apt package systemd-journal-remote)");
        assert_int_equal(access(fx->script, X_OK), 0);
        fx->dir = fl_test_mkdtemp();
        assert_true(asprintf(&fx->journals, "%s/journals", fx->dir) > 0);
        assert_true(asprintf(&fx->state, "%s/state", fx->dir) > 0);
        assert_int_equal(mkdir(fx->journals, 0755), 0);
        assert_int_equal(sd_id128_get_boot(&boot), 0);
        sd_id128_to_string(boot, fx->boot);
        assert_int_equal(sd_event_new(&fx->event), 0);
        fx->rec.filter_field = NULL;
        *state = fx;
        return 0;
}

static int teardown(void **state) {
        struct fixture *fx = *state;

        fl_source_journal_free(fx->src);
        fl_recorder_clear(&fx->rec);
        sd_event_unref(fx->event);
        fl_test_rm_rf(fx->dir);
        free(fx->dir);
        free(fx->journals);
        free(fx->state);
        free(fx->script);
        free(fx);
        return 0;
}

static void start_with(struct fixture *fx, unsigned batch_max, uint64_t save_usec) {
        struct fl_journal_config cfg = {
                .state_dir = fx->state,
                .journal_directory = fx->journals,
                .batch_max = batch_max,
                .cursor_save_usec = save_usec,
        };

        assert_null(fx->src);
        assert_int_equal(
                fl_source_journal_new(fx->event, &cfg, fl_recorder_record, &fx->rec, &fx->src), 0);
}

static void start(struct fixture *fx) {
        start_with(fx, 0, 0);
}

static void stop(struct fixture *fx) {
        assert_int_equal(fl_source_journal_flush_cursor(fx->src), 0);
        fx->src = fl_source_journal_free(fx->src);
}

static bool have_want(void *userdata) {
        struct fixture *fx = userdata;

        return fx->rec.n_events >= fx->want;
}

/* Runs the loop until `n` events in total were kept. */
static void wait_events(struct fixture *fx, size_t n) {
        fx->want = n;
        assert_int_equal(fl_test_run_until(fx->event, have_want, fx, TIMEOUT_USEC), 0);
}

/* Runs until `sentinel` arrives, then checks the kept messages are exactly
 * `expected` (NULL-terminated), sentinel last: anything replayed or extra
 * would sit before the sentinel. */
static void expect_messages(struct fixture *fx, const char *const *expected) {
        size_t n = 0;

        while (expected[n])
                n++;
        wait_events(fx, n);
        for (size_t i = 0; i < fx->rec.n_events && i < n; i++)
                if (strcmp(fl_recorded_field(&fx->rec.events[i], "MESSAGE"), expected[i]) != 0)
                        fail_msg("event %zu: \"%s\", expected \"%s\"", i,
                                fl_recorded_field(&fx->rec.events[i], "MESSAGE"), expected[i]);
        assert_int_equal(fx->rec.n_events, n);
}

static void test_kernel_form_fields(void **state) {
        struct fixture *fx = *state;
        const struct fl_recorded_event *e;
        const char *opts[] = {"-r", "1700000000000000", "-m", "5000000", "-f",
                "_KERNEL_DEVICE=+pci:0000:3b:00.0", "-f", "_KERNEL_SUBSYSTEM=pci", "-f",
                "_UDEV_DEVNODE=/dev/nvme0", NULL};
        _cleanup_free_ char *cursor_file = NULL, *cursor = NULL;
        struct fl_journal_stats st;
        size_t n;

        write_entries(fx, "a.journal", opts,
                (const char *[]){
                        "EDAC MC0: 1 CE memory read error on CPU_SrcID#0_Ha#0_Chan#0_DIMM#0",
                        "mce: [Hardware Error]: Machine check events logged", NULL});
        start(fx);
        wait_events(fx, 2);

        e = &fx->rec.events[0];
        assert_int_equal(e->source, FL_SOURCE_JOURNAL);
        assert_string_equal(e->kind, "journal");
        assert_int_equal(e->count, 1);
        assert_string_equal(fl_recorded_field(e, "MESSAGE"),
                "EDAC MC0: 1 CE memory read error on CPU_SrcID#0_Ha#0_Chan#0_DIMM#0");
        assert_string_equal(fl_recorded_field(e, "SYSLOG_IDENTIFIER"), "kernel");
        assert_string_equal(fl_recorded_field(e, "_TRANSPORT"), "kernel");
        assert_string_equal(fl_recorded_field(e, "SYSLOG_FACILITY"), "0");
        assert_string_equal(fl_recorded_field(e, "PRIORITY"), "3");
        assert_string_equal(fl_recorded_field(e, "_BOOT_ID"), fx->boot);
        assert_string_equal(fl_recorded_field(e, "_KERNEL_DEVICE"), "+pci:0000:3b:00.0");
        assert_string_equal(fl_recorded_field(e, "_KERNEL_SUBSYSTEM"), "pci");
        assert_string_equal(fl_recorded_field(e, "_UDEV_DEVNODE"), "/dev/nvme0");
        assert_null(fl_recorded_field(e, "_PID"));
        /* The kernel's own timestamps, so latency can be measured from them. */
        assert_int_equal(e->realtime_usec, 1700000000000000ULL);
        assert_int_equal(e->monotonic_usec, 5000000);
        assert_int_equal(strncmp(e->identity, "s=", 2), 0);
        /* The whole line stays in MESSAGE, unlike /dev/kmsg injection. */
        assert_string_equal(fl_recorded_field(&fx->rec.events[1], "MESSAGE"),
                "mce: [Hardware Error]: Machine check events logged");
        assert_int_equal(fx->rec.events[1].realtime_usec, 1700000000000001ULL);

        /* Caught up: the cursor of the last entry is on disk. */
        fl_source_journal_get_stats(fx->src, &st);
        assert_int_equal(st.lines, 2);
        assert_int_equal(st.cursor_saves, 1);
        assert_true(asprintf(&cursor_file, "%s/journal.cursor", fx->state) > 0);
        cursor = fl_test_read_file(cursor_file, &n);
        assert_int_equal(n, strlen(fx->rec.events[1].identity) + 1);
        assert_int_equal(strncmp(cursor, fx->rec.events[1].identity, n - 1), 0);
}

/* The persist barrier (the delivery's flush) runs before every cursor save,
 * after the events up to that cursor were handed out, while the file still
 * holds the previous position. */
struct barrier_log {
        struct fixture *fx;
        unsigned calls;
        size_t events_seen;
        bool cursor_file_had_last; /* at the call: already the newest cursor? */
};

static void on_barrier(void *userdata) {
        struct barrier_log *b = userdata;
        _cleanup_free_ char *file = NULL;
        struct fl_recorder *rec = &b->fx->rec;

        b->calls++;
        b->events_seen = rec->n_events;
        assert_true(asprintf(&file, "%s/journal.cursor", b->fx->state) > 0);
        b->cursor_file_had_last = false;
        if (access(file, F_OK) == 0 && rec->n_events > 0) {
                _cleanup_free_ char *cursor = fl_test_read_file(file, NULL);
                const char *last = rec->events[rec->n_events - 1].identity;
                b->cursor_file_had_last = strncmp(cursor, last, strlen(last)) == 0;
        }
}

static void test_barrier_before_cursor_save(void **state) {
        struct fixture *fx = *state;
        struct barrier_log b = {.fx = fx};
        struct fl_journal_config cfg = {
                .state_dir = fx->state,
                .journal_directory = fx->journals,
                .barrier = on_barrier,
                .barrier_userdata = &b,
        };
        struct fl_journal_stats st;

        write_entries(fx, "a.journal", NULL, (const char *[]){"one", "two", "three", NULL});
        assert_int_equal(
                fl_source_journal_new(fx->event, &cfg, fl_recorder_record, &fx->rec, &fx->src), 0);
        wait_events(fx, 3);
        fl_source_journal_get_stats(fx->src, &st);
        assert_int_equal(st.cursor_saves, 1);
        assert_int_equal(b.calls, 1);
        assert_int_equal(b.events_seen, 3);
        assert_false(b.cursor_file_had_last);

        /* Nothing new: no save, no barrier. */
        assert_int_equal(fl_source_journal_flush_cursor(fx->src), 0);
        assert_int_equal(b.calls, 1);
        write_entries(fx, "b.journal", NULL, (const char *[]){"four", NULL});
        wait_events(fx, 4);
        assert_int_equal(b.calls, 2);
        assert_int_equal(b.events_seen, 4);
        assert_false(b.cursor_file_had_last);
}

static void test_follow_new_files(void **state) {
        struct fixture *fx = *state;
        struct fl_journal_stats st;

        write_entries(fx, "a.journal", NULL, (const char *[]){"first", NULL});
        start(fx);
        expect_messages(fx, (const char *[]){"first", NULL});

        /* A file that appears while following, then more lines in both. */
        write_entries(fx, "b.journal", NULL, (const char *[]){"second", "third", NULL});
        expect_messages(fx, (const char *[]){"first", "second", "third", NULL});
        write_entries(fx, "a.journal", NULL, (const char *[]){"fourth", NULL});
        expect_messages(fx, (const char *[]){"first", "second", "third", "fourth", NULL});
        write_entries(fx, "c.journal", NULL, (const char *[]){"fifth", NULL});
        expect_messages(fx, (const char *[]){"first", "second", "third", "fourth", "fifth", NULL});

        fl_source_journal_get_stats(fx->src, &st);
        assert_true(st.invalidations >= 2);
        assert_int_equal(st.lines, 5);
}

static uint64_t clock_usec(clockid_t clock) {
        struct timespec ts;

        assert_int_equal(clock_gettime(clock, &ts), 0);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000;
}

/* Reads back the timestamps of the entries of one file, in order. */
static size_t read_timestamps(struct fixture *fx, const char *name, uint64_t *ret_realtime,
        uint64_t *ret_monotonic, size_t max) {
        _cleanup_free_ char *path = NULL;
        sd_journal *j = NULL;
        size_t n = 0;

        assert_true(asprintf(&path, "%s/%s", fx->journals, name) > 0);
        assert_int_equal(sd_journal_open_files(&j, (const char *[]){path, NULL}, 0), 0);
        assert_int_equal(sd_journal_seek_head(j), 0);
        while (n < max && sd_journal_next(j) > 0) {
                sd_id128_t boot;

                assert_int_equal(sd_journal_get_realtime_usec(j, &ret_realtime[n]), 0);
                assert_int_equal(sd_journal_get_monotonic_usec(j, &ret_monotonic[n], &boot), 0);
                n++;
        }
        sd_journal_close(j);
        return n;
}

/* The harness's default timestamps are the clocks at the time of writing,
 * however long the host has been up: every later write sorts after every
 * earlier one of the same boot, as with a real journald. It once clamped the
 * monotonic time at 2^31-1 us (awk printf "%d"), so from 35.8 minutes of
 * uptime on all default entries had the same monotonic time and sd-journal
 * interleaved files out of order (lost and replayed lines in the follow and
 * restart cases). */
static void test_harness_clocks(void **state) {
        struct fixture *fx = *state;
        /* Without root (/proc/timer_list unreadable) the harness falls back to
         * /proc/uptime: CLOCK_BOOTTIME, in 10 ms steps. */
        bool exact = access("/proc/timer_list", R_OK) == 0;
        clockid_t clock = exact ? CLOCK_MONOTONIC : CLOCK_BOOTTIME;
        uint64_t step = exact ? 0 : 10000;
        uint64_t rt[3], mono[3], m0, m1, r0, r1;
        _cleanup_free_ char *fake = NULL;

        m0 = clock_usec(clock);
        r0 = clock_usec(CLOCK_REALTIME);
        write_entries(fx, "a.journal", NULL, (const char *[]){"one", "two", NULL});
        r1 = clock_usec(CLOCK_REALTIME);
        m1 = clock_usec(clock);
        assert_int_equal(read_timestamps(fx, "a.journal", rt, mono, 3), 2);
        if (mono[0] + step < m0 || mono[0] > m1)
                fail_msg("monotonic %" PRIu64 " not within [%" PRIu64 ", %" PRIu64 "]", mono[0], m0,
                        m1);
        assert_true(rt[0] >= r0 && rt[0] <= r1);
        assert_int_equal(mono[1], mono[0] + 1);
        assert_int_equal(rt[1], rt[0] + 1);

        /* A host up for 58 days (beyond 2^32 us), deterministically. */
        fake = fl_test_write_file(fx->dir, "timer_list", "now at 5000000000123 nsecs\n");
        assert_int_equal(setenv("FL_TIMER_LIST", fake, 1), 0);
        write_entries(fx, "b.journal", NULL, (const char *[]){"one", "two", NULL});
        assert_int_equal(unsetenv("FL_TIMER_LIST"), 0);
        assert_int_equal(read_timestamps(fx, "b.journal", rt, mono, 3), 2);
        assert_int_equal(mono[0], 5000000000ULL);
        assert_int_equal(mono[1], 5000000001ULL);
}

/* Follow, then restart, across two files of this boot whose monotonic
 * times are beyond 2^32 us: nothing is lost, replayed or truncated. */
static void test_long_uptime(void **state) {
        struct fixture *fx = *state;
        const uint64_t base = 5000000000000ULL; /* 58 days */
        const uint64_t epoch = 1700000000000000ULL;
        char r[6][32], m[6][32];

        for (size_t i = 0; i < 6; i++) {
                snprintf(r[i], sizeof(r[i]), "%" PRIu64, epoch + i * 1000000);
                snprintf(m[i], sizeof(m[i]), "%" PRIu64, base + i * 1000000);
        }
        write_entries(fx, "a.journal", (const char *[]){"-r", r[0], "-m", m[0], NULL},
                (const char *[]){"1", NULL});
        start(fx);
        expect_messages(fx, (const char *[]){"1", NULL});
        assert_int_equal(fx->rec.events[0].monotonic_usec, base);
        write_entries(fx, "b.journal", (const char *[]){"-r", r[1], "-m", m[1], NULL},
                (const char *[]){"2", NULL});
        write_entries(fx, "a.journal", (const char *[]){"-r", r[2], "-m", m[2], NULL},
                (const char *[]){"3", NULL});
        expect_messages(fx, (const char *[]){"1", "2", "3", NULL});
        assert_int_equal(fx->rec.events[2].monotonic_usec, base + 2000000);
        stop(fx);

        write_entries(fx, "b.journal", (const char *[]){"-r", r[3], "-m", m[3], NULL},
                (const char *[]){"4", NULL});
        write_entries(fx, "a.journal", (const char *[]){"-r", r[4], "-m", m[4], NULL},
                (const char *[]){"5", NULL});
        fl_recorder_clear(&fx->rec);
        start(fx);
        expect_messages(fx, (const char *[]){"4", "5", NULL});
        write_entries(fx, "c.journal", (const char *[]){"-r", r[5], "-m", m[5], NULL},
                (const char *[]){"6", NULL});
        expect_messages(fx, (const char *[]){"4", "5", "6", NULL});
        assert_int_equal(fx->rec.events[2].monotonic_usec, base + 5000000);
}

/* Three boots in one directory: an older one, ours, and a later one (a
 * collected journal of a machine that rebooted since). */
static void write_three_boots(struct fixture *fx) {
        const char *old[] = {"-b", BOOT_OLD, "-r", "1600000000000000", "-m", "1000", NULL};
        const char *ours[] = {"-b", fx->boot, "-r", "1700000000000000", "-m", "2000", NULL};
        const char *later[] = {"-b", BOOT_NEW, "-r", "1800000000000000", "-m", "3000", NULL};

        write_entries(fx, "a.journal", old, (const char *[]){"old 1", "old 2", NULL});
        write_entries(fx, "a.journal", ours, (const char *[]){"ours 1", "ours 2", NULL});
        write_entries(fx, "a.journal", later, (const char *[]){"later 1", NULL});
}

static void test_first_start_at_current_boot(void **state) {
        struct fixture *fx = *state;

        write_three_boots(fx);
        start(fx);
        /* From the first entry of this boot on, later boots included. */
        expect_messages(fx, (const char *[]){"ours 1", "ours 2", "later 1", NULL});
        /* Another boot's monotonic clock is meaningless here: replaced by the
         * time we read it. */
        assert_int_equal(fx->rec.events[0].monotonic_usec, 2000);
        assert_true(fx->rec.events[2].monotonic_usec != 3000);
}

static void test_first_start_without_current_boot(void **state) {
        struct fixture *fx = *state;
        const char *old[] = {"-b", BOOT_OLD, NULL};

        /* Collected journals of other machines: all of it. */
        write_entries(fx, "a.journal", old, (const char *[]){"x 1", "x 2", NULL});
        start(fx);
        expect_messages(fx, (const char *[]){"x 1", "x 2", NULL});
}

static void test_restart_no_replay_no_loss(void **state) {
        struct fixture *fx = *state;

        write_entries(fx, "a.journal", NULL, (const char *[]){"1", "2", NULL});
        start(fx);
        expect_messages(fx, (const char *[]){"1", "2", NULL});
        stop(fx);

        /* Written while the agent was stopped, one into a new file. */
        write_entries(fx, "a.journal", NULL, (const char *[]){"3", NULL});
        write_entries(fx, "b.journal", NULL, (const char *[]){"4", NULL});
        fl_recorder_clear(&fx->rec);
        start(fx);
        expect_messages(fx, (const char *[]){"3", "4", NULL});
        write_entries(fx, "b.journal", NULL, (const char *[]){"5", NULL});
        expect_messages(fx, (const char *[]){"3", "4", "5", NULL});
}

static char *cursor_of(struct fixture *fx, const char *message) {
        _cleanup_free_ char *match = NULL;
        sd_journal *j = NULL;
        char *cursor = NULL;

        assert_true(asprintf(&match, "MESSAGE=%s", message) > 0);
        assert_int_equal(sd_journal_open_directory(&j, fx->journals, 0), 0);
        assert_int_equal(sd_journal_add_match(j, match, 0), 0);
        assert_int_equal(sd_journal_seek_head(j), 0);
        assert_int_equal(sd_journal_next(j), 1);
        assert_int_equal(sd_journal_get_cursor(j, &cursor), 0);
        sd_journal_close(j);
        return cursor;
}

static void test_cursor_from_older_boot(void **state) {
        struct fixture *fx = *state;
        _cleanup_free_ char *cursor = NULL, *line = NULL;

        write_three_boots(fx);
        /* The agent last ran in the older boot and saw "old 1": everything
         * after it is new, whatever boot it belongs to. */
        cursor = cursor_of(fx, "old 1");
        assert_true(asprintf(&line, "%s\n", cursor) > 0);
        free(fl_test_write_file(fx->state, "journal.cursor", line));
        start(fx);
        expect_messages(fx, (const char *[]){"old 2", "ours 1", "ours 2", "later 1", NULL});
}

struct bad_cursor_case {
        const char *content;
        int error;
};

static const struct bad_cursor_case bad_cursors[] = {
        {"", -EBADMSG},
        {"\n", -EBADMSG},
        {"not a cursor\n", -EINVAL},
        {"s=1;i=2\ns=3;i=4\n", -EBADMSG},
};

static void test_bad_cursor_file(void **state) {
        for (size_t i = 0; i < ELEMENTSOF(bad_cursors); i++) {
                struct fixture *fx;
                struct fl_journal_stats st;

                assert_int_equal(setup((void **) &fx), 0);
                write_three_boots(fx);
                free(fl_test_write_file(fx->state, "journal.cursor", bad_cursors[i].content));
                start(fx);
                fl_source_journal_get_stats(fx->src, &st);
                assert_int_equal(st.cursor_errors, 1);
                if (st.last_cursor_error != bad_cursors[i].error)
                        fail_msg("case %zu: error %d, expected %d", i, st.last_cursor_error,
                                bad_cursors[i].error);
                /* It falls back to a first start. */
                expect_messages(fx, (const char *[]){"ours 1", "ours 2", "later 1", NULL});
                assert_int_equal(teardown((void **) &fx), 0);
        }
}

struct competitor {
        struct fixture *fx;
        unsigned runs;
        /* Batches completed when the competitor last ran, to count the
         * batches it ran in between. */
        uint64_t last_batches;
        unsigned interleaved;
};

static int on_competitor(sd_event_source *es, int fd, uint32_t revents, void *userdata) {
        struct competitor *c = userdata;
        struct fl_journal_stats st;

        c->runs++;
        fl_source_journal_get_stats(c->fx->src, &st);
        if (st.batches > c->last_batches) {
                /* Only ever one batch between two of our runs: bounded work. */
                assert_int_equal(st.batches - c->last_batches, 1);
                c->interleaved++;
        }
        c->last_batches = st.batches;
        return 0;
}

static bool cursor_saved(void *userdata) {
        struct fixture *fx = userdata;
        struct fl_journal_stats st;

        fl_source_journal_get_stats(fx->src, &st);
        return st.cursor_saves > 0;
}

static void test_flood_is_bounded(void **state) {
        struct fixture *fx = *state;
        struct competitor c = {.fx = fx};
        sd_event_source *other = NULL;
        struct fl_journal_stats st;
        _cleanup_free_ char *path = NULL;
        FILE *f;
        pid_t pid;
        int fds[2], status;
        _cleanup_close_ int efd = -EBADF;

        /* 3000 entries through stdin of the helper. */
        assert_true(asprintf(&path, "%s/flood.journal", fx->journals) > 0);
        assert_int_equal(pipe(fds), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                dup2(fds[0], 0);
                close(fds[1]);
                execl(fx->script, fx->script, path, (char *) NULL);
                _exit(127);
        }
        close(fds[0]);
        f = fdopen(fds[1], "w");
        assert_non_null(f);
        for (int i = 0; i < 3000; i++)
                fprintf(f, "flood line %d\n", i);
        fclose(f);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);

        /* Saving the cursor is tied to catching up, not to batches. */
        start_with(fx, 100, 3600ULL * 1000 * 1000);
        /* Another source with work every iteration: an eventfd that stays
         * readable (level-triggered, never read). */
        efd = eventfd(1, EFD_CLOEXEC | EFD_NONBLOCK);
        assert_true(efd >= 0);
        assert_int_equal(sd_event_add_io(fx->event, &other, efd, EPOLLIN, on_competitor, &c), 0);
        wait_events(fx, 3000);
        fl_source_journal_get_stats(fx->src, &st);
        assert_int_equal(st.lines, 3000);
        assert_int_equal(st.max_batch, 100);
        assert_int_equal(st.batches, 30);
        if (c.interleaved < 29)
                fail_msg("competitor ran %u times, between %u batches", c.runs, c.interleaved);
        /* Saved once the drain notices it caught up; not before. */
        assert_int_equal(st.cursor_saves, 0);
        assert_int_equal(fl_test_run_until(fx->event, cursor_saved, fx, TIMEOUT_USEC), 0);
        fl_source_journal_get_stats(fx->src, &st);
        assert_int_equal(st.cursor_saves, 1);
        assert_int_equal(st.batches, 30);
        assert_string_equal(fl_recorded_field(&fx->rec.events[2999], "MESSAGE"), "flood line 2999");
        sd_event_source_disable_unref(other);
}

static void test_match_groups(void **state) {
        struct fixture *fx = *state;
        const char *smartd[] = {"-t", "syslog", "-i", "smartd", "-F", "3", NULL};
        const char *other[] = {"-t", "syslog", "-i", "cron", "-F", "3", NULL};
        const char *g1[] = {"SYSLOG_IDENTIFIER=smartd"};
        const char *g2[] = {"SYSLOG_IDENTIFIER=mdadm", "PRIORITY=2"};
        const struct fl_journal_match_group groups[] = {{g1, 1}, {g2, 2}};

        write_entries(fx, "a.journal", smartd, (const char *[]){"smartd before", NULL});
        write_entries(fx, "a.journal", NULL, (const char *[]){"kernel 1", NULL});
        start(fx);
        /* Only the kernel group so far. */
        expect_messages(fx, (const char *[]){"kernel 1", NULL});

        assert_int_equal(fl_source_journal_set_matches(fx->src, groups, ELEMENTSOF(groups)), 0);
        write_entries(fx, "a.journal", other, (const char *[]){"cron line", NULL});
        write_entries(fx, "a.journal", smartd,
                (const char *[]){"Device: /dev/sda [SAT], FAILED SMART self-check", NULL});
        write_entries(fx, "a.journal",
                (const char *[]){"-t", "syslog", "-i", "mdadm", "-p", "6", NULL},
                (const char *[]){"mdadm info", NULL});
        write_entries(fx, "a.journal",
                (const char *[]){"-t", "syslog", "-i", "mdadm", "-p", "2", NULL},
                (const char *[]){"mdadm: Fail event on /dev/sdb1", NULL});
        write_entries(fx, "a.journal", NULL, (const char *[]){"kernel 2", NULL});
        /* Continues after "kernel 1": the earlier smartd line is not
         * picked up by the new filter. */
        expect_messages(
                fx, (const char *[]){"kernel 1", "Device: /dev/sda [SAT], FAILED SMART self-check",
                            "mdadm: Fail event on /dev/sdb1", "kernel 2", NULL});
        assert_string_equal(fl_recorded_field(&fx->rec.events[1], "SYSLOG_IDENTIFIER"), "smartd");
        assert_string_equal(fl_recorded_field(&fx->rec.events[1], "_TRANSPORT"), "syslog");

        /* Back to the kernel only. */
        assert_int_equal(fl_source_journal_set_matches(fx->src, NULL, 0), 0);
        write_entries(fx, "a.journal", smartd, (const char *[]){"smartd after", NULL});
        write_entries(fx, "a.journal", NULL, (const char *[]){"kernel 3", NULL});
        wait_events(fx, 5);
        assert_string_equal(fl_recorded_field(&fx->rec.events[4], "MESSAGE"), "kernel 3");
        assert_int_equal(fx->rec.n_events, 5);
}

struct bad_matches_case {
        const char *const *matches;
        size_t n;
        int error;
};

static void test_bad_match_groups(void **state) {
        struct fixture *fx = *state;
        const char *good[] = {"SYSLOG_IDENTIFIER=smartd"};
        char big[FL_JOURNAL_MATCH_MAX + 8];
        const char *too_long[] = {big};
        const char *many[FL_JOURNAL_GROUP_MATCHES_MAX + 1];
        const struct bad_matches_case cases[] = {
                {(const char *[]){"syslog_identifier=smartd"}, 1, -EINVAL},
                {(const char *[]){"NOEQUALS"}, 1, -EINVAL},
                {(const char *[]){"=value"}, 1, -EINVAL},
                {(const char *[]){"1FIELD=x"}, 1, -EINVAL},
                {(const char *[]){"FIELD-X=x"}, 1, -EINVAL},
                {(const char *[]){"GOOD=x", NULL}, 2, -EINVAL},
                {good, 0, -EINVAL},
                {too_long, 1, -E2BIG},
                {many, ELEMENTSOF(many), -E2BIG},
        };
        struct fl_journal_match_group groups[FL_JOURNAL_GROUPS_MAX + 1];

        memset(big, 'A', sizeof(big) - 1);
        big[sizeof(big) - 1] = '\0';
        big[1] = '=';
        for (size_t i = 0; i < ELEMENTSOF(many); i++)
                many[i] = "PRIORITY=1";

        write_entries(fx, "a.journal", NULL, (const char *[]){"kernel 1", NULL});
        start(fx);
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct fl_journal_match_group g = {cases[i].matches, cases[i].n};
                int r = fl_source_journal_set_matches(fx->src, &g, 1);
                if (r != cases[i].error)
                        fail_msg("case %zu: %d, expected %d", i, r, cases[i].error);
        }
        for (size_t i = 0; i < ELEMENTSOF(groups); i++)
                groups[i] = (struct fl_journal_match_group){good, 1};
        assert_int_equal(
                fl_source_journal_set_matches(fx->src, groups, ELEMENTSOF(groups)), -E2BIG);
        assert_int_equal(fl_source_journal_set_matches(fx->src, NULL, 1), -EINVAL);
        assert_int_equal(fl_source_journal_set_matches(NULL, NULL, 0), -EINVAL);

        /* The failed calls left the kernel filter in force and the position
         * alone. */
        expect_messages(fx, (const char *[]){"kernel 1", NULL});
        write_entries(fx, "a.journal", (const char *[]){"-t", "syslog", "-i", "x", NULL},
                (const char *[]){"not kernel", NULL});
        write_entries(fx, "a.journal", NULL, (const char *[]){"kernel 2", NULL});
        expect_messages(fx, (const char *[]){"kernel 1", "kernel 2", NULL});
}

static void test_config_errors(void **state) {
        struct fixture *fx = *state;
        struct fl_journal_config cfg = {.journal_directory = fx->journals};
        struct fl_source_journal *j = NULL;
        _cleanup_free_ char *missing = NULL, *file = NULL;

        assert_int_equal(fl_source_journal_new(NULL, &cfg, NULL, NULL, &j), -EINVAL);
        cfg.boot_id = "xyz";
        assert_int_equal(fl_source_journal_new(fx->event, &cfg, NULL, NULL, &j), -EINVAL);
        cfg.boot_id = NULL;
        assert_true(asprintf(&missing, "%s/missing", fx->dir) > 0);
        cfg.journal_directory = missing;
        assert_int_equal(fl_source_journal_new(fx->event, &cfg, NULL, NULL, &j), -ENOENT);
        cfg.journal_directory = fx->journals;
        file = fl_test_write_file(fx->dir, "file", "x");
        cfg.state_dir = file;
        assert_int_equal(fl_source_journal_new(fx->event, &cfg, NULL, NULL, &j), -ENOTDIR);
        assert_null(j);
        assert_int_equal(fl_source_journal_flush_cursor(NULL), -EINVAL);
        assert_null(fl_source_journal_free(NULL));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_kernel_form_fields, setup, teardown),
                cmocka_unit_test_setup_teardown(test_barrier_before_cursor_save, setup, teardown),
                cmocka_unit_test_setup_teardown(test_follow_new_files, setup, teardown),
                cmocka_unit_test_setup_teardown(test_first_start_at_current_boot, setup, teardown),
                cmocka_unit_test_setup_teardown(
                        test_first_start_without_current_boot, setup, teardown),
                cmocka_unit_test_setup_teardown(test_restart_no_replay_no_loss, setup, teardown),
                cmocka_unit_test_setup_teardown(test_harness_clocks, setup, teardown),
                cmocka_unit_test_setup_teardown(test_long_uptime, setup, teardown),
                cmocka_unit_test_setup_teardown(test_cursor_from_older_boot, setup, teardown),
                cmocka_unit_test(test_bad_cursor_file),
                cmocka_unit_test_setup_teardown(test_flood_is_bounded, setup, teardown),
                cmocka_unit_test_setup_teardown(test_match_groups, setup, teardown),
                cmocka_unit_test_setup_teardown(test_bad_match_groups, setup, teardown),
                cmocka_unit_test_setup_teardown(test_config_errors, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
