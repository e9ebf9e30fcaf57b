/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The journald source against a real, private systemd-journald (run through
 * tests/harness/journal-ns.sh), with kernel lines injected through
 * /dev/kmsg: live delivery and fields, restart from the saved cursor with
 * lines written while stopped (no replay, no loss), a first start reading
 * from the start of the current boot, extra match groups for user-space
 * lines, and journal rotation while following.
 *
 * Every line carries a token unique to this run, and only token lines are
 * asserted on: the journald also imports every other kernel line.
 */
#include "fl_test.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <systemd/sd-id128.h>
#include <systemd/sd-journal.h>
#include <time.h>
#include <unistd.h>

#include "event_recorder.h"
#include "macro.h"
#include "source_journal.h"

#define TIMEOUT_USEC (30ULL * 1000 * 1000)

struct fixture {
        char *dir;
        char *state;
        char token[40];
        char boot[33];
        sd_event *event;
        struct fl_source_journal *src;
        struct fl_recorder rec;
        size_t want;
};

static uint64_t now_usec(clockid_t clock) {
        struct timespec ts;

        assert_int_equal(clock_gettime(clock, &ts), 0);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000;
}

/* Writes "<3>fltest: TOKEN TEXT" to /dev/kmsg: journald stores it as a
 * kernel message with SYSLOG_IDENTIFIER=fltest and MESSAGE="TOKEN TEXT". */
static void kmsg(struct fixture *fx, const char *text) {
        _cleanup_close_ int fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
        char line[256];
        int n;

        assert_true(fd >= 0);
        n = snprintf(line, sizeof(line), "<3>fltest: %s %s\n", fx->token, text);
        assert_true(n > 0 && (size_t) n < sizeof(line));
        assert_int_equal(write(fd, line, (size_t) n), n);
}

static int setup(void **state) {
        struct fixture *fx = calloc(1, sizeof(*fx));
        uint8_t rnd[8];
        sd_id128_t boot;

        assert_non_null(fx);
        fl_test_require(getenv("FL_JOURNAL_NS") != NULL,
                "a private journald (run through tests/harness/journal-ns.sh)");
        fl_test_require(access("/dev/kmsg", W_OK) == 0, "writable /dev/kmsg (root)");
        assert_int_equal(getrandom(rnd, sizeof(rnd), 0), (ssize_t) sizeof(rnd));
        snprintf(fx->token, sizeof(fx->token), "tok%02x%02x%02x%02x%02x%02x%02x%02x-%d", rnd[0],
                rnd[1], rnd[2], rnd[3], rnd[4], rnd[5], rnd[6], rnd[7], (int) getpid());
        fx->rec.filter_field = "MESSAGE";
        fx->rec.filter = fx->token;
        fx->dir = fl_test_mkdtemp();
        assert_true(asprintf(&fx->state, "%s/state", fx->dir) > 0);
        assert_int_equal(sd_id128_get_boot(&boot), 0);
        sd_id128_to_string(boot, fx->boot);
        assert_int_equal(sd_event_new(&fx->event), 0);
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
        free(fx->state);
        free(fx);
        return 0;
}

static void start(struct fixture *fx) {
        struct fl_journal_config cfg = {.state_dir = fx->state};

        assert_null(fx->src);
        assert_int_equal(
                fl_source_journal_new(fx->event, &cfg, fl_recorder_record, &fx->rec, &fx->src), 0);
}

static void stop(struct fixture *fx) {
        assert_int_equal(fl_source_journal_flush_cursor(fx->src), 0);
        fx->src = fl_source_journal_free(fx->src);
}

static bool have_want(void *userdata) {
        struct fixture *fx = userdata;

        return fx->rec.n_events >= fx->want;
}

/* Runs until the kept (token) messages are exactly TOKEN + `expected`. */
static void expect_messages(struct fixture *fx, const char *const *expected) {
        size_t n = 0;

        while (expected[n])
                n++;
        fx->want = n;
        assert_int_equal(fl_test_run_until(fx->event, have_want, fx, TIMEOUT_USEC), 0);
        for (size_t i = 0; i < n; i++) {
                const char *msg = fl_recorded_field(&fx->rec.events[i], "MESSAGE");
                _cleanup_free_ char *want = NULL;

                assert_true(asprintf(&want, "%s %s", fx->token, expected[i]) > 0);
                if (strcmp(msg, want) != 0)
                        fail_msg("event %zu: \"%s\", expected \"%s\"", i, msg, want);
        }
        assert_int_equal(fx->rec.n_events, n);
}

static char *first_kernel_cursor_of_boot(struct fixture *fx) {
        _cleanup_free_ char *match = NULL;
        sd_journal *j = NULL;
        char *cursor = NULL;

        assert_true(asprintf(&match, "_BOOT_ID=%s", fx->boot) > 0);
        assert_int_equal(sd_journal_open(&j, SD_JOURNAL_LOCAL_ONLY | SD_JOURNAL_SYSTEM), 0);
        assert_int_equal(sd_journal_add_match(j, match, 0), 0);
        assert_int_equal(sd_journal_add_match(j, "_TRANSPORT=kernel", 0), 0);
        assert_int_equal(sd_journal_seek_head(j), 0);
        assert_int_equal(sd_journal_next(j), 1);
        assert_int_equal(sd_journal_get_cursor(j, &cursor), 0);
        sd_journal_close(j);
        return cursor;
}

static void test_live_kernel_lines(void **state) {
        struct fixture *fx = *state;
        const struct fl_recorded_event *e;
        uint64_t before = now_usec(CLOCK_REALTIME), mono_before = now_usec(CLOCK_MONOTONIC);

        start(fx);
        kmsg(fx, "line 1");
        kmsg(fx, "line 2");
        kmsg(fx, "line 3");
        expect_messages(fx, (const char *[]){"line 1", "line 2", "line 3", NULL});

        e = &fx->rec.events[0];
        assert_int_equal(e->source, FL_SOURCE_JOURNAL);
        assert_string_equal(e->kind, "journal");
        assert_int_equal(e->count, 1);
        assert_string_equal(fl_recorded_field(e, "_TRANSPORT"), "kernel");
        /* User-space writes to /dev/kmsg: facility user, and journald split
         * off "fltest:" as the identifier. */
        assert_string_equal(fl_recorded_field(e, "SYSLOG_IDENTIFIER"), "fltest");
        assert_string_equal(fl_recorded_field(e, "SYSLOG_FACILITY"), "1");
        assert_string_equal(fl_recorded_field(e, "PRIORITY"), "3");
        assert_string_equal(fl_recorded_field(e, "_BOOT_ID"), fx->boot);
        assert_int_equal(strncmp(e->identity, "s=", 2), 0);
        /* Times from the entry: the kernel's timestamp, within this run. */
        assert_true(e->realtime_usec >= before - 1000000 &&
                    e->realtime_usec <= now_usec(CLOCK_REALTIME));
        assert_true(e->monotonic_usec >= mono_before - 1000000);
        assert_true(e->monotonic_usec <= now_usec(CLOCK_MONOTONIC));
        assert_true(fx->rec.events[1].monotonic_usec >= e->monotonic_usec);
        assert_string_not_equal(fx->rec.events[0].identity, fx->rec.events[1].identity);
}

static void test_restart_no_replay_no_loss(void **state) {
        struct fixture *fx = *state;
        _cleanup_free_ char *cursor_file = NULL, *cursor = NULL, *first = NULL;
        size_t n;

        start(fx);
        kmsg(fx, "1");
        kmsg(fx, "2");
        kmsg(fx, "3");
        expect_messages(fx, (const char *[]){"1", "2", "3", NULL});
        stop(fx);
        assert_true(asprintf(&cursor_file, "%s/journal.cursor", fx->state) > 0);
        cursor = fl_test_read_file(cursor_file, &n);
        assert_true(n > 10);

        /* Logged while the agent is down. */
        kmsg(fx, "4");
        kmsg(fx, "5");
        fl_recorder_clear(&fx->rec);
        start(fx);
        kmsg(fx, "6");
        expect_messages(fx, (const char *[]){"4", "5", "6", NULL});
        /* Reading resumed right after the saved entry, not at the boot start. */
        first = first_kernel_cursor_of_boot(fx);
        assert_string_not_equal(fx->rec.first_identity, first);
        assert_int_not_equal(
                strncmp(fx->rec.first_identity, cursor, strlen(fx->rec.first_identity)), 0);

        /* And once more, with nothing in between. */
        stop(fx);
        fl_recorder_clear(&fx->rec);
        start(fx);
        kmsg(fx, "7");
        expect_messages(fx, (const char *[]){"7", NULL});
}

static bool reopened(void *userdata) {
        struct fixture *fx = userdata;
        struct fl_journal_stats st;

        fl_source_journal_get_stats(fx->src, &st);
        return st.reopens > 0;
}

/* After a backlog longer than a batch the journal is opened again (to let
 * go of what sd-journal mapped while reading it): nothing read twice, nothing
 * logged around the reopen missed. */
static void test_reopen_after_backlog(void **state) {
        struct fixture *fx = *state;
        struct fl_journal_config cfg = {.state_dir = fx->state, .batch_max = 2};
        struct fl_journal_stats st;

        for (int i = 1; i <= 5; i++) {
                char text[8];
                snprintf(text, sizeof(text), "b%d", i);
                kmsg(fx, text);
        }
        assert_int_equal(
                fl_source_journal_new(fx->event, &cfg, fl_recorder_record, &fx->rec, &fx->src), 0);
        expect_messages(fx, (const char *[]){"b1", "b2", "b3", "b4", "b5", NULL});
        assert_int_equal(fl_test_run_until(fx->event, reopened, fx, TIMEOUT_USEC), 0);

        kmsg(fx, "after");
        expect_messages(fx, (const char *[]){"b1", "b2", "b3", "b4", "b5", "after", NULL});
        fl_source_journal_get_stats(fx->src, &st);
        assert_int_equal(st.reopens, 1);
}

static void test_first_start_reads_current_boot(void **state) {
        struct fixture *fx = *state;
        _cleanup_free_ char *first = NULL;

        /* A fault logged before the agent ever ran (no saved cursor). */
        kmsg(fx, "logged before the agent started");
        start(fx);
        expect_messages(fx, (const char *[]){"logged before the agent started", NULL});
        /* Reading began at the first kernel entry of this boot. */
        first = first_kernel_cursor_of_boot(fx);
        assert_string_equal(fx->rec.first_identity, first);
}

static void test_match_groups_for_daemons(void **state) {
        struct fixture *fx = *state;
        _cleanup_free_ char *ident = NULL, *other = NULL;
        const char *g[1];
        const struct fl_journal_match_group groups[] = {{g, 1}};

        assert_true(asprintf(&ident, "SYSLOG_IDENTIFIER=fltest-%s", fx->token) > 0);
        assert_true(asprintf(&other, "fltest-other-%s", fx->token) > 0);
        g[0] = ident;
        start(fx);
        assert_int_equal(fl_source_journal_set_matches(fx->src, groups, 1), 0);
        /* Same socket, so in this order; a delivered "not matched" would
         * take one of the two places. */
        assert_int_equal(sd_journal_send("MESSAGE=%s not matched", fx->token,
                                 "SYSLOG_IDENTIFIER=%s", other, NULL),
                0);
        assert_int_equal(sd_journal_send("MESSAGE=%s smartd-like line", fx->token, "%s", ident,
                                 "PRIORITY=2", NULL),
                0);
        /* journald reads /dev/kmsg and its socket independently: no order
         * between the two transports. */
        kmsg(fx, "kernel line");
        fx->want = 2;
        assert_int_equal(fl_test_run_until(fx->event, have_want, fx, TIMEOUT_USEC), 0);
        assert_int_equal(fx->rec.n_events, 2);
        for (size_t i = 0; i < 2; i++) {
                const struct fl_recorded_event *e = &fx->rec.events[i];
                const char *msg = strchr(fl_recorded_field(e, "MESSAGE"), ' ') + 1;

                if (strcmp(msg, "kernel line") == 0) {
                        assert_string_equal(fl_recorded_field(e, "_TRANSPORT"), "kernel");
                        continue;
                }
                assert_string_equal(msg, "smartd-like line");
                assert_string_equal(fl_recorded_field(e, "_TRANSPORT"), "journal");
                assert_string_equal(fl_recorded_field(e, "PRIORITY"), "2");
                assert_string_equal(fl_recorded_field(e, "SYSLOG_IDENTIFIER"), ident + 18);
                assert_non_null(fl_recorded_field(e, "_PID"));
                assert_non_null(fl_recorded_field(e, "_COMM"));
        }
        assert_string_not_equal(fl_recorded_field(&fx->rec.events[0], "MESSAGE"),
                fl_recorded_field(&fx->rec.events[1], "MESSAGE"));
}

static void run_journalctl(const char *arg) {
        pid_t pid = fork();
        int status;

        assert_true(pid >= 0);
        if (pid == 0) {
                execlp("journalctl", "journalctl", arg, (char *) NULL);
                _exit(127);
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void test_rotation_while_following(void **state) {
        struct fixture *fx = *state;
        struct fl_journal_stats st;

        start(fx);
        kmsg(fx, "before rotation 1");
        kmsg(fx, "before rotation 2");
        expect_messages(fx, (const char *[]){"before rotation 1", "before rotation 2", NULL});
        run_journalctl("--rotate");
        kmsg(fx, "after rotation 1");
        kmsg(fx, "after rotation 2");
        expect_messages(fx, (const char *[]){"before rotation 1", "before rotation 2",
                                    "after rotation 1", "after rotation 2", NULL});
        fl_source_journal_get_stats(fx->src, &st);
        assert_true(st.invalidations >= 1);

        /* A restart after the rotation continues from the archived file's
         * last entry into the new one. */
        stop(fx);
        kmsg(fx, "while stopped");
        fl_recorder_clear(&fx->rec);
        start(fx);
        expect_messages(fx, (const char *[]){"while stopped", NULL});
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_live_kernel_lines, setup, teardown),
                cmocka_unit_test_setup_teardown(test_restart_no_replay_no_loss, setup, teardown),
                cmocka_unit_test_setup_teardown(test_reopen_after_backlog, setup, teardown),
                cmocka_unit_test_setup_teardown(
                        test_first_start_reads_current_boot, setup, teardown),
                cmocka_unit_test_setup_teardown(test_match_groups_for_daemons, setup, teardown),
                cmocka_unit_test_setup_teardown(test_rotation_while_following, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
