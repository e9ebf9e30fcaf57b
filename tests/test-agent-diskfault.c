/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A real disk fault detected by the running agent with the default rule
 * pack: reads of bad sectors of a faultyfs-backed loop device fail with EIO
 * in the block layer, the kernel fires block:block_rq_error and logs "I/O
 * error, dev loopN, sector S ...", and faultline-agent must fire
 *   - disk-io-error (BPF tracepoint) for that disk with the sector of the
 *     third error, and
 *   - disk-io-error-kernel-log (journald, the real kernel line),
 * each once (3 errors within 10 minutes, then an hour of cooldown).
 *
 * Run as `diskfault.sh run -- journal-ns.sh TEST`: the loop device exists
 * (FL_DISKFAULT_DEV, FL_DISKFAULT_DIR) and a private journald reads the
 * kernel's log. Every source is required, so a missing BPF fails the test.
 *
 * The private journald imports older kernel lines, perhaps I/O errors of the
 * same loop device from earlier runs. So the agent runs once to read up to
 * now (a marker line makes that observable) and saves its cursor; the second
 * run, under another node name, starts with fresh rule state after it.
 */
#include "agent_harness.h"
#include "fl_test.h"
#include "macro.h"
#include "messages.h"

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#define MATCH(...) ((const char *const[]){__VA_ARGS__, NULL})

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...) {
        char *s = NULL;
        va_list ap;

        va_start(ap, f);
        assert_true(vasprintf(&s, f, ap) >= 0);
        va_end(ap);
        return s;
}

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

/* Copies the default pack into DIR/rules.d and adds a marker rule. */
static void install_rules(struct agent *a, const char *token) {
        static const char *const files[] = {"disk.hcl", "filesystem.hcl", "hung-task.hcl",
                "machine-check.hcl", "memory.hcl", "nvme.hcl", "pcie.hcl", "thermal.hcl"};
        _cleanup_free_ char *marker = NULL;

        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                _cleanup_free_ char *rel = fmt("rules/rules.d/%s", files[i]);
                _cleanup_free_ char *src = fl_test_source_path(rel);
                _cleanup_free_ char *text = fl_test_read_file(src, NULL);
                agent_write_rule(a, files[i], text);
        }
        marker = fmt("rule \"zz-marker\" {\n  source = \"journal\"\n  match { message = \"^%s "
                     "marker\" }\n  workflow = \"none\"\n}\n",
                token);
        agent_write_rule(a, "zz-marker.hcl", marker);
}

static void test_disk_fault(void **state) {
        const char *dev = getenv("FL_DISKFAULT_DEV"), *dfdir = getenv("FL_DISKFAULT_DIR");
        _cleanup_free_ char *copy = NULL, *key = NULL, *devid = NULL, *extra = NULL;
        _cleanup_free_ char *metrics = NULL, *bad = NULL;
        char token[32], sectors[9][16];
        struct agent *a = *state;
        const char *disk, *sector;
        struct jentries j = {};
        bool kernel_fired = false;
        uint16_t rnd;
        struct stat st;
        size_t used = 0;

        assert_int_equal(stat(dev, &st), 0);
        devid = fmt("%u:%u", major(st.st_rdev), minor(st.st_rdev));
        copy = strdup(dev);
        disk = basename(copy);
        key = fmt("FAULTLINE_KEY=%s", disk);
        random_token(token, sizeof(token));
        /* Distinct sectors per run, within the 2048 of the device. */
        assert_int_equal(getrandom(&rnd, sizeof(rnd), 0), (ssize_t) sizeof(rnd));
        for (size_t i = 0; i < ELEMENTSOF(sectors); i++)
                snprintf(sectors[i], sizeof(sectors[i]), "%u",
                        100 + (rnd % 180) * 10 + (unsigned) i);

        agent_init(a, NULL);
        metrics = fmt("%s/agent.prom", a->dir);
        extra = fmt("sources {\n  sysfs = false\n  required = true\n}\n"
                    "metrics_file = \"%s\"\nmetrics_interval = \"1s\"\n",
                metrics);
        agent_write_config(a, extra);
        install_rules(a, token);

        /* Run 1: read the journal up to now, save the cursor. */
        agent_start(a, NULL, NULL);
        kmsg_write("%s marker", token);
        agent_wait_entries(a, FL_MESSAGE_FIRING, MATCH("FAULTLINE_RULE=zz-marker"), 1, &j);
        jentries_free(&j);
        assert_int_equal(agent_stop(a), 0);
        /* Entries of run 2 only (run 1 may have fired on older lines). */
        agent_new_node(a);
        agent_write_config(a, extra);

        /* Run 2: three bad sectors read, each a failed request. Kernel
         * lines may be rate-limited (printk_ratelimited: 10 per 5 s), so
         * further rounds of three follow until the log rule fired. */
        agent_start(a, NULL, NULL);
        for (int round = 0; round < 3 && !kernel_fired; round++) {
                free(bad);
                bad = fmt("%s,%s,%s", sectors[used], sectors[used + 1], sectors[used + 2]);
                assert_int_equal(diskfault("bad", dfdir, bad), 0);
                for (int i = 0; i < 3; i++)
                        assert_int_equal(diskfault("read", dev, sectors[used++]), 1);
                if (round == 0) {
                        /* The tracepoint rule: exactly the third error. */
                        agent_wait_entries(a, FL_MESSAGE_FIRING,
                                MATCH("FAULTLINE_RULE=disk-io-error", key), 1, &j);
                        assert_string_equal(jentry_get(&j.items[0], "FAULTLINE_SOURCE"), "bpf");
                        assert_string_equal(
                                jentry_get(&j.items[0], "FAULTLINE_KIND"), "block_rq_error");
                        assert_string_equal(jentry_get(&j.items[0], "FAULTLINE_COUNT"), "3");
                        assert_string_equal(jentry_get(&j.items[0], "FAULTLINE_EVENT_DEV"), devid);
                        assert_string_equal(jentry_get(&j.items[0], "FAULTLINE_EVENT_DISK"), disk);
                        assert_string_equal(
                                jentry_get(&j.items[0], "FAULTLINE_EVENT_SECTOR"), sectors[2]);
                        assert_string_equal(jentry_get(&j.items[0], "FAULTLINE_EVENT_ERROR_NAME"),
                                "BLK_STS_IOERR");
                        assert_string_equal(
                                jentry_get(&j.items[0], "FAULTLINE_WORKFLOW"), "disk-io-error");
                        assert_non_null(jentry_get(&j.items[0], "FAULTLINE_LATENCY_USEC"));
                        jentries_free(&j);
                }
                for (int k = 0; k < 80 && !kernel_fired; k++) {
                        agent_entries(a, FL_MESSAGE_FIRING,
                                MATCH("FAULTLINE_RULE=disk-io-error-kernel-log", key), &j);
                        kernel_fired = j.n > 0;
                        if (!kernel_fired) {
                                jentries_free(&j);
                                sleep_usec(100 * 1000);
                        }
                }
        }
        assert_true(kernel_fired);
        assert_int_equal(j.n, 1);
        assert_string_equal(jentry_get(&j.items[0], "FAULTLINE_SOURCE"), "journal");
        assert_string_equal(jentry_get(&j.items[0], "FAULTLINE_EVENT_DISK"), disk);
        assert_string_equal(jentry_get(&j.items[0], "FAULTLINE_EVENT_SYSLOG_IDENTIFIER"), "kernel");
        sector = jentry_get(&j.items[0], "FAULTLINE_EVENT_SECTOR");
        assert_non_null(sector);
        {
                bool ours = false;
                for (size_t i = 0; i < used; i++)
                        ours |= strcmp(sector, sectors[i]) == 0;
                assert_true(ours);
        }
        {
                _cleanup_free_ char *line = fmt("I/O error, dev %s, sector %s ", disk, sector);
                assert_non_null(strstr(jentry_get(&j.items[0], "FAULTLINE_EVENT_MESSAGE"), line));
        }
        jentries_free(&j);

        /* Each rule fired once: later errors fall in its cooldown. */
        agent_entries(a, FL_MESSAGE_FIRING, MATCH("FAULTLINE_RULE=disk-io-error", key), &j);
        assert_int_equal(j.n, 1);
        jentries_free(&j);
        /* And the firing became a trigger naming the sector. */
        {
                _cleanup_free_ char *want = fmt("\"sector\":\"%s\"", sectors[2]);
                agent_wait_entries(a, FL_MESSAGE_TRIGGER_RECORDED,
                        MATCH("FAULTLINE_RULE=disk-io-error", key), 1, &j);
                assert_non_null(strstr(jentry_get(&j.items[0], "FAULTLINE_TRIGGER"), want));
                jentries_free(&j);
        }
        assert_int_equal(agent_stop(a), 0);
        {
                _cleanup_free_ char *text = fl_test_read_file(metrics, NULL);
                assert_non_null(strstr(text, "faultline_agent_bpf_program_attached{tracepoint="
                                             "\"block_rq_error\"} 1\n"));
                /* At least ours: the tracepoint sees every disk on the host, and
                 * another process's failing loop device may fire the rule too. */
                const char *m = strstr(text, "faultline_agent_rule_firings_total{rule=\"disk-io-"
                                             "error\"} ");
                assert_non_null(m);
                assert_true(strtoull(m + strlen("faultline_agent_rule_firings_total{rule=\"disk-io-"
                                                "error\"} "),
                                    NULL, 10) >= 1);
        }
}

static int agent_setup(void **state) {
        struct agent *a = calloc(1, sizeof(*a));

        fl_test_require(getenv("FL_JOURNAL_NS") != NULL,
                "a private journald (run through tests/harness/journal-ns.sh)");
        fl_test_require(getenv("FL_DISKFAULT_DEV") != NULL,
                "a faulty loop device (run through tests/tools/diskfault.sh run)");
        assert_non_null(a);
        *state = a;
        return 0;
}

static int agent_teardown(void **state) {
        agent_cleanup(*state);
        free(*state);
        return 0;
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_disk_fault, agent_setup, agent_teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
