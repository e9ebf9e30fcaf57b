/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The default rule pack behind the real journald source:
 *
 *   - exact kernel-form entries (tests/harness/kernel-journal.sh through
 *     systemd-journal-remote) followed in journal_directory mode: the rules
 *     fire on lines exactly as journald stores real kernel lines;
 *   - lines written to /dev/kmsg, read back from a private, real journald
 *     (run through tests/harness/journal-ns.sh): the path end-to-end tests
 *     and the demo use, where journald stores lines differently (facility
 *     user, a leading "word:" split off into SYSLOG_IDENTIFIER).
 *
 * Disk names, DIMM labels and controller numbers carry a token unique to
 * the run, so keys never collide with lines other tests left in the kernel
 * ring buffer (a fresh journald imports all of it).
 */
#include "fl_test.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "engine.h"
#include "event_recorder.h"
#include "macro.h"
#include "rules_load.h"
#include "source_journal.h"

#define TIMEOUT_USEC (30ULL * 1000 * 1000)

struct firing {
        char rule[64];
        char key[128];
        char params[1024];
};

struct fixture {
        char *dir;
        char token[24];
        unsigned mc; /* a memory controller number unique to the run */
        sd_event *event;
        struct fl_ruleset *rules;
        struct fl_engine *engine;
        struct fl_source_journal *src;
        struct firing firings[256];
        size_t n_firings;
        size_t want;
        const char *want_rule[4];
        const char *want_key[4];
};

static void on_fire(const struct fl_firing *f, void *userdata) {
        struct fixture *fx = userdata;
        struct firing *x;
        char *p;

        if (fx->n_firings == ELEMENTSOF(fx->firings))
                return; /* other tests' old lines; ours are looked for below */
        x = &fx->firings[fx->n_firings++];
        p = json_dumps(f->params, JSON_COMPACT | JSON_SORT_KEYS);
        snprintf(x->rule, sizeof(x->rule), "%s", f->rule->name);
        snprintf(x->key, sizeof(x->key), "%s", f->key);
        snprintf(x->params, sizeof(x->params), "%s", p ? p : "");
        free(p);
}

static void on_event(const struct fl_event *ev, void *userdata) {
        struct fixture *fx = userdata;

        assert_true(fl_engine_process(fx->engine, ev, ev->realtime_usec, on_fire, fx) >= 0);
}

static const struct firing *find(const struct fixture *fx, const char *rule, const char *key) {
        for (size_t i = 0; i < fx->n_firings; i++)
                if (strcmp(fx->firings[i].rule, rule) == 0 && strcmp(fx->firings[i].key, key) == 0)
                        return &fx->firings[i];
        return NULL;
}

static bool have_all(void *userdata) {
        struct fixture *fx = userdata;

        for (size_t i = 0; i < fx->want; i++)
                if (!find(fx, fx->want_rule[i], fx->want_key[i]))
                        return false;
        return true;
}

static int setup(void **state) {
        struct fixture *fx = calloc(1, sizeof(*fx));
        _cleanup_(fl_diags_freep) struct fl_diags *diags = fl_diags_new();
        _cleanup_free_ char *pack = fl_test_source_path("rules/rules.d");
        _cleanup_(fl_rules_dir_freep) struct fl_rules_dir *d = NULL;
        uint8_t rnd[8];

        assert_non_null(fx);
        assert_int_equal(getrandom(rnd, sizeof(rnd), 0), (ssize_t) sizeof(rnd));
        snprintf(fx->token, sizeof(fx->token), "fl%02x%02x%02x%02x%02x%02x", rnd[0], rnd[1], rnd[2],
                rnd[3], rnd[4], rnd[5]);
        fx->mc = 1000 + (unsigned) (rnd[6] << 8 | rnd[7]) % 50000;
        fx->dir = fl_test_mkdtemp();
        assert_int_equal(fl_rules_dir_new(pack, &d), 0);
        assert_int_equal(fl_rules_dir_reload(d, diags, &fx->rules), 0);
        assert_int_equal(sd_event_new(&fx->event), 0);
        *state = fx;
        return 0;
}

static int teardown(void **state) {
        struct fixture *fx = *state;

        fl_source_journal_free(fx->src);
        fl_engine_free(fx->engine);
        fl_ruleset_unref(fx->rules);
        sd_event_unref(fx->event);
        fl_test_rm_rf(fx->dir);
        free(fx->dir);
        free(fx);
        return 0;
}

static void start(struct fixture *fx, const char *journal_directory) {
        struct fl_journal_config cfg = {.journal_directory = journal_directory};

        fx->src = fl_source_journal_free(fx->src);
        fl_engine_free(fx->engine);
        assert_int_equal(fl_engine_new("node-17", &fx->engine), 0);
        assert_int_equal(fl_engine_set_rules(fx->engine, fx->rules), 0);
        fx->n_firings = 0;
        assert_int_equal(fl_source_journal_new(fx->event, &cfg, on_event, fx, &fx->src), 0);
}

static void expect(struct fixture *fx, const char *rule, const char *key, const char *params) {
        const struct firing *f = find(fx, rule, key);

        if (!f) {
                fprintf(stderr, "no firing of %s with key %s among %zu\n", rule, key,
                        fx->n_firings);
                fail();
        }
        if (params)
                assert_string_equal(f->params, params);
}

static void test_kernel_form_entries(void **state) {
        struct fixture *fx = *state;
        _cleanup_free_ char *script = fl_test_source_path("tests/harness/kernel-journal.sh");
        _cleanup_free_ char *journals = NULL, *out = NULL, *mc = NULL;
        char lines[6][256], params[512];
        const char *argv[16];
        size_t n = 0;
        int status;
        pid_t pid;

        fl_test_require(access("/lib/systemd/systemd-journal-remote", X_OK) == 0,
                "systemd-journal-remote (apt package systemd-journal-remote)");
        assert_true(asprintf(&journals, "%s/journals", fx->dir) > 0);
        assert_int_equal(mkdir(journals, 0755), 0);
        assert_true(asprintf(&out, "%s/kernel.journal", journals) > 0);
        for (int i = 0; i < 3; i++)
                snprintf(lines[i], sizeof(lines[i]),
                        "I/O error, dev %s, sector %d op 0x0:(READ) flags 0x0 phys_seg 1 prio "
                        "class 2",
                        fx->token, 2048 + 8 * i);
        snprintf(lines[3], sizeof(lines[3]), "EDAC MC: Ver: 3.0.0");
        snprintf(lines[4], sizeof(lines[4]),
                "EDAC MC%u: 1 UE memory read error on DIMM_%s (channel:0 slot:0 page:0x1234 "
                "offset:0x0 grain:32)",
                fx->mc, fx->token);
        snprintf(lines[5], sizeof(lines[5]),
                "INFO: task %s:4242 blocked for more than 122 seconds.", fx->token);
        argv[n++] = script;
        argv[n++] = out;
        for (size_t i = 0; i < ELEMENTSOF(lines); i++)
                argv[n++] = lines[i];
        argv[n] = NULL;
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                execv(argv[0], (char *const *) argv);
                _exit(127);
        }
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);

        assert_true(asprintf(&mc, "mc%u", fx->mc) > 0);
        fx->want = 3;
        fx->want_rule[0] = "disk-io-error-kernel-log";
        fx->want_key[0] = fx->token;
        fx->want_rule[1] = "memory-ue-kernel-log";
        fx->want_key[1] = mc;
        fx->want_rule[2] = "hung-task";
        fx->want_key[2] = "";
        start(fx, journals);
        assert_int_equal(fl_test_run_until(fx->event, have_all, fx, TIMEOUT_USEC), 0);
        /* Only our entries are in that directory: nothing else fired. */
        assert_int_equal(fx->n_firings, 3);
        snprintf(params, sizeof(params),
                "{\"disk\":\"%s\",\"reason\":\"3 I/O errors on %s within 10m, last at sector "
                "2064\",\"sector\":\"2064\"}",
                fx->token, fx->token);
        expect(fx, "disk-io-error-kernel-log", fx->token, params);
        snprintf(params, sizeof(params),
                "{\"label\":\"DIMM_%s\",\"reason\":\"1 uncorrectable memory error(s) on memory "
                "controller %u DIMM_%s\"}",
                fx->token, fx->mc, fx->token);
        expect(fx, "memory-ue-kernel-log", mc, params);
        snprintf(params, sizeof(params),
                "{\"reason\":\"task %s (4242) blocked for more than 122 s\"}", fx->token);
        expect(fx, "hung-task", "", params);
}

static void kmsg(const char *line) {
        _cleanup_close_ int fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
        size_t len = strlen(line);

        assert_true(fd >= 0);
        assert_int_equal(write(fd, line, len), (ssize_t) len);
}

static void test_injected_lines(void **state) {
        struct fixture *fx = *state;
        _cleanup_free_ char *mc = NULL;
        char line[256], params[512];

        fl_test_require(getenv("FL_JOURNAL_NS") != NULL,
                "a private journald (run through tests/harness/journal-ns.sh)");
        fl_test_require(access("/dev/kmsg", W_OK) == 0, "writable /dev/kmsg (root)");

        start(fx, NULL);
        snprintf(line, sizeof(line),
                "<3>EDAC MC%u: 1 UE memory read error on DIMM_%s (channel:0 slot:0 page:0x1234 "
                "offset:0x0 grain:32)\n",
                fx->mc, fx->token);
        kmsg(line);
        for (int i = 0; i < 3; i++) {
                snprintf(line, sizeof(line),
                        "<3>blk_update_request: I/O error, dev %s, sector %d op 0x0:(READ) flags "
                        "0x0 phys_seg 1 prio class 0\n",
                        fx->token, i);
                kmsg(line);
        }
        assert_true(asprintf(&mc, "mc%u", fx->mc) > 0);
        fx->want = 2;
        fx->want_rule[0] = "memory-ue-kernel-log";
        fx->want_key[0] = mc;
        fx->want_rule[1] = "disk-io-error-kernel-log";
        fx->want_key[1] = fx->token;
        assert_int_equal(fl_test_run_until(fx->event, have_all, fx, TIMEOUT_USEC), 0);
        snprintf(params, sizeof(params),
                "{\"label\":\"DIMM_%s\",\"reason\":\"1 uncorrectable memory error(s) on memory "
                "controller %u DIMM_%s\"}",
                fx->token, fx->mc, fx->token);
        expect(fx, "memory-ue-kernel-log", mc, params);
        expect(fx, "disk-io-error-kernel-log", fx->token, NULL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_kernel_form_entries),
                cmocka_unit_test(test_injected_lines),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
