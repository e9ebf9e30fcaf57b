/* SPDX-License-Identifier: Apache-2.0 */
#include "agent_harness.h"

#include "fl_test.h"
#include "macro.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <systemd/sd-journal.h>
#include <time.h>
#include <unistd.h>

#define MESSAGE_STARTED "d617b25912594c17bb917e7a790e95da" /* messages.h */

uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

void sleep_usec(uint64_t usec) {
        struct timespec ts = {
                .tv_sec = (time_t) (usec / 1000000), .tv_nsec = (long) (usec % 1000000) * 1000};

        while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
                ;
}

void random_token(char *buf, size_t size) {
        uint8_t rnd[6];

        assert_int_equal(getrandom(rnd, sizeof(rnd), 0), (ssize_t) sizeof(rnd));
        snprintf(buf, size, "t%02x%02x%02x%02x%02x%02x", rnd[0], rnd[1], rnd[2], rnd[3], rnd[4],
                rnd[5]);
}

void agent_write_config(struct agent *a, const char *extra) {
        char *text = NULL;

        assert_true(asprintf(&text,
                            "node { name = \"%s\" }\n"
                            "rules_dir = \"%s\"\n"
                            "state_dir = \"%s\"\n"
                            "%s",
                            a->node, a->rules_dir, a->state_dir, extra ? extra : "") > 0);
        free(fl_test_write_file(a->dir, "agent.hcl", text));
        free(text);
}

void agent_new_node(struct agent *a) {
        char token[32];

        random_token(token, sizeof(token));
        snprintf(a->node, sizeof(a->node), "node-%s", token);
        a->starts = 0;
}

void agent_init(struct agent *a, const char *extra) {
        *a = (struct agent){};
        agent_new_node(a);
        a->dir = fl_test_mkdtemp();
        assert_true(asprintf(&a->config_path, "%s/agent.hcl", a->dir) > 0);
        assert_true(asprintf(&a->rules_dir, "%s/rules.d", a->dir) > 0);
        assert_true(asprintf(&a->state_dir, "%s/state", a->dir) > 0);
        assert_int_equal(mkdir(a->rules_dir, 0755), 0);
        agent_write_config(a, extra);
}

void agent_write_rule(struct agent *a, const char *name, const char *text) {
        _cleanup_free_ char *rel = NULL;

        assert_true(asprintf(&rel, "rules.d/%s", name) > 0);
        free(fl_test_write_file(a->dir, rel, text));
}

char *agent_binary(void) {
        const char *top = getenv("FL_BINARY_DIR");
        char *path = NULL;

#if defined(__SANITIZE_ADDRESS__)
        assert_true(asprintf(&path, "%s/tests/faultline-agent-asan", top ? top : "build") > 0);
#else
        assert_true(asprintf(&path, "%s/faultline-agent", top ? top : "build") > 0);
#endif
        return path;
}

pid_t agent_spawn(struct agent *a, const char *const *args, const char *const *env) {
        _cleanup_free_ char *bin = agent_binary();
        const char *argv[32] = {bin, "--config", a->config_path};
        size_t n = 3;
        pid_t pid;

        for (size_t i = 0; args && args[i]; i++) {
                assert_true(n + 1 < ELEMENTSOF(argv));
                argv[n++] = args[i];
        }
        argv[n] = NULL;
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                /* A test that dies (crash, timeout) takes its agent along. */
                (void) prctl(PR_SET_PDEATHSIG, SIGKILL);
                if (a->no_bpf_caps && (prctl(PR_CAPBSET_DROP, CAP_BPF) < 0 ||
                                              prctl(PR_CAPBSET_DROP, CAP_PERFMON) < 0 ||
                                              prctl(PR_CAPBSET_DROP, CAP_SYS_ADMIN) < 0))
                        _exit(126);
                for (size_t i = 0; env && env[i]; i++)
                        putenv((char *) env[i]);
                execv(bin, (char *const *) argv);
                fprintf(stderr, "exec %s: %s\n", bin, strerror(errno));
                _exit(127);
        }
        a->pid = pid;
        return pid;
}

void agent_start(struct agent *a, const char *const *args, const char *const *env) {
        struct jentries j = {};
        uint64_t deadline;
        int status;

        agent_spawn(a, args, env);
        deadline = now_usec() + AGENT_TIMEOUT_USEC;
        for (;;) {
                agent_entries(a, MESSAGE_STARTED, NULL, &j);
                if (j.n > a->starts)
                        break;
                jentries_free(&j);
                if (waitpid(a->pid, &status, WNOHANG) == a->pid) {
                        a->pid = 0;
                        fail_msg("the agent exited during start (status 0x%x)", status);
                }
                if (now_usec() > deadline)
                        fail_msg("the agent did not start in time");
                sleep_usec(20 * 1000);
        }
        a->starts = j.n;
        jentries_free(&j);
}

int agent_kill_wait(struct agent *a, int sig) {
        int status;

        assert_true(a->pid > 0);
        assert_int_equal(kill(a->pid, sig), 0);
        assert_int_equal(waitpid(a->pid, &status, 0), a->pid);
        a->pid = 0;
        if (WIFSIGNALED(status))
                return 128 + WTERMSIG(status);
        return WEXITSTATUS(status);
}

int agent_stop(struct agent *a) {
        return agent_kill_wait(a, SIGTERM);
}

void agent_cleanup(struct agent *a) {
        if (a->pid > 0) {
                (void) kill(a->pid, SIGKILL);
                (void) waitpid(a->pid, NULL, 0);
        }
        fl_test_rm_rf(a->dir);
        free(a->dir);
        free(a->config_path);
        free(a->rules_dir);
        free(a->state_dir);
        *a = (struct agent){};
}

static void entry_add(struct jentries *j, sd_journal *jr) {
        struct jentry e = {};
        const void *data;
        size_t len;

        SD_JOURNAL_FOREACH_DATA(jr, data, len) {
                e.fields = reallocarray(e.fields, e.n + 1, sizeof(char *));
                assert_non_null(e.fields);
                e.fields[e.n] = strndup(data, len);
                assert_non_null(e.fields[e.n]);
                e.n++;
        }
        j->items = reallocarray(j->items, j->n + 1, sizeof(*j->items));
        assert_non_null(j->items);
        j->items[j->n++] = e;
}

void agent_entries(const struct agent *a, const char *message_id, const char *const *matches,
        struct jentries *ret) {
        _cleanup_free_ char *node = NULL, *mid = NULL;
        struct jentries j = {};
        sd_journal *jr;

        assert_int_equal(sd_journal_open(&jr, SD_JOURNAL_LOCAL_ONLY), 0);
        /* The data of large entries (a firing with a 16 KiB MESSAGE) must
         * come back whole. */
        assert_int_equal(sd_journal_set_data_threshold(jr, 0), 0);
        assert_true(asprintf(&node, "FAULTLINE_NODE=%s", a->node) > 0);
        assert_int_equal(sd_journal_add_match(jr, node, 0), 0);
        if (message_id) {
                assert_true(asprintf(&mid, "MESSAGE_ID=%s", message_id) > 0);
                assert_int_equal(sd_journal_add_match(jr, mid, 0), 0);
        }
        for (size_t i = 0; matches && matches[i]; i++)
                assert_int_equal(sd_journal_add_match(jr, matches[i], 0), 0);
        SD_JOURNAL_FOREACH(jr) entry_add(&j, jr);
        sd_journal_close(jr);
        *ret = j;
}

void agent_wait_entries(const struct agent *a, const char *message_id, const char *const *matches,
        size_t want, struct jentries *ret) {
        uint64_t deadline = now_usec() + AGENT_TIMEOUT_USEC;

        for (;;) {
                agent_entries(a, message_id, matches, ret);
                if (ret->n >= want)
                        return;
                if (now_usec() > deadline)
                        fail_msg("%zu journal entries %s%s, expected %zu", ret->n,
                                message_id ? message_id : "",
                                matches && matches[0] ? matches[0] : "", want);
                jentries_free(ret);
                sleep_usec(20 * 1000);
        }
}

const char *jentry_get(const struct jentry *e, const char *field) {
        size_t n = strlen(field);

        for (size_t i = 0; i < e->n; i++)
                if (strncmp(e->fields[i], field, n) == 0 && e->fields[i][n] == '=')
                        return e->fields[i] + n + 1;
        return NULL;
}

void jentries_free(struct jentries *j) {
        for (size_t i = 0; i < j->n; i++) {
                for (size_t k = 0; k < j->items[i].n; k++)
                        free(j->items[i].fields[k]);
                free(j->items[i].fields);
        }
        free(j->items);
        *j = (struct jentries){};
}

void kmsg_write(const char *fmt, ...) {
        char text[512], line[600];
        va_list ap;
        int fd, n;

        va_start(ap, fmt);
        vsnprintf(text, sizeof(text), fmt, ap);
        va_end(ap);
        n = snprintf(line, sizeof(line), "<3>fltest: %s\n", text);
        assert_true(n > 0 && (size_t) n < sizeof(line));
        fd = open("/dev/kmsg", O_WRONLY | O_CLOEXEC);
        assert_true(fd >= 0);
        assert_int_equal(write(fd, line, (size_t) n), n);
        close(fd);
}
