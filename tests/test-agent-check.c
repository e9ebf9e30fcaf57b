/* SPDX-License-Identifier: Apache-2.0 */
/*
 * faultline-agent's command line: --check on the packaged configuration and
 * rule pack (valid, silent, exit 0) and on broken ones (every problem of
 * agent.hcl and of every rule file in one run, as FILE:LINE:COL: message,
 * exit 1), unreadable inputs, --version and bad options.
 */
#include "agent_harness.h"
#include "fl_test.h"
#include "macro.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

struct run {
        int status;
        char *out;
        char *err;
};

static char *drain(int fd) {
        char *buf = NULL, chunk[4096];
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);
        ssize_t n;

        assert_non_null(f);
        while ((n = read(fd, chunk, sizeof(chunk))) > 0)
                fwrite(chunk, 1, (size_t) n, f);
        assert_int_equal(fclose(f), 0);
        close(fd);
        return buf;
}

/* Runs the agent with `args` from directory `cwd`; small outputs only (read
 * after the exit). */
static void run(const char *cwd, const char *const *args, struct run *ret) {
        _cleanup_free_ char *bin = agent_binary();
        const char *argv[16] = {bin};
        int out[2], err[2], status;
        size_t n = 1;
        pid_t pid;

        for (size_t i = 0; args[i]; i++)
                argv[n++] = args[i];
        argv[n] = NULL;
        assert_int_equal(pipe2(out, O_CLOEXEC), 0);
        assert_int_equal(pipe2(err, O_CLOEXEC), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                dup2(out[1], STDOUT_FILENO);
                dup2(err[1], STDERR_FILENO);
                if (chdir(cwd) < 0)
                        _exit(126);
                execv(bin, (char *const *) argv);
                _exit(127);
        }
        close(out[1]);
        close(err[1]);
        ret->out = drain(out[0]);
        ret->err = drain(err[0]);
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        ret->status = WEXITSTATUS(status);
}

static void run_free(struct run *r) {
        free(r->out);
        free(r->err);
}

static void test_packaged_is_valid(void **state) {
        _cleanup_free_ char *top = fl_test_source_path("");
        struct run r;

        run(top,
                (const char *[]){"--check", "--config", "rules/agent.hcl", "--rules-dir",
                        "rules/rules.d", NULL},
                &r);
        assert_string_equal(r.err, "");
        assert_string_equal(r.out, "");
        assert_int_equal(r.status, 0);
        run_free(&r);
}

static void test_every_problem_once(void **state) {
        _cleanup_free_ char *dir = fl_test_mkdtemp(),
                            *disk = fl_test_source_path("rules/rules.d/disk.hcl");
        _cleanup_free_ char *good = fl_test_read_file(disk, NULL);
        struct run r;

        free(fl_test_write_file(dir, "agent.hcl",
                "node { name = \"bad name\" }\nstate_dir = \"relative\"\n"
                "rules_dir = \"/etc/faultline/rules.d\"\n"));
        free(fl_test_write_file(dir, "rules.d/r1.hcl",
                "rule \"x\" {\n  source = \"jornal\"\n  match { message = \"a\" }\n  workflow = "
                "\"wf\"\n}\n"));
        free(fl_test_write_file(dir, "rules.d/r2.hcl",
                "rule \"y\" {\n  source = \"journal\"\n  match { message = \"(\" }\n  threshold "
                "{ count = 0 }\n  workflow = \"w\"\n}\n"));
        free(fl_test_write_file(dir, "rules.d/r3.hcl", "rule \"z\" {\n"));
        free(fl_test_write_file(dir, "rules.d/disk.hcl", good));
        /* Not a rule file: ignored. */
        free(fl_test_write_file(dir, "rules.d/notes.txt", "rule {"));

        run(dir,
                (const char *[]){
                        "--check", "--config", "agent.hcl", "--rules-dir", "rules.d", NULL},
                &r);
        assert_string_equal(r.err,
                "agent.hcl:1:15: \"name\" must be 1 to 64 letters, digits, \".\", \"_\" or \"-\", "
                "starting with a letter or digit, not \"bad name\"\n"
                "agent.hcl:2:13: \"state_dir\" must be an absolute path, not \"relative\"\n"
                "rules.d/r1.hcl:2:12: invalid value \"jornal\" for \"source\"; did you mean "
                "\"journal\"?\n"
                "rules.d/r2.hcl:3:23: invalid regex in \"message\" at offset 1: missing closing "
                "parenthesis\n"
                "rules.d/r2.hcl:4:23: \"count\" must be between 1 and 1000000, not 0\n"
                "rules.d/r3.hcl:1:1: unterminated block \"rule\": no \"}\" closes it\n");
        assert_int_equal(r.status, 1);
        run_free(&r);

        /* Without --rules-dir, the configuration's rules_dir is checked. */
        free(fl_test_write_file(dir, "agent2.hcl", "rules_dir = \"/nonexistent-fl/rules.d\"\n"));
        run(dir, (const char *[]){"--check", "--config", "agent2.hcl", NULL}, &r);
        assert_string_equal(r.err, "/nonexistent-fl/rules.d:1:1: cannot read the rules directory: "
                                   "No such file or directory\n");
        assert_int_equal(r.status, 1);
        run_free(&r);
        fl_test_rm_rf(dir);
}

static void test_unreadable(void **state) {
        _cleanup_free_ char *top = fl_test_source_path("");
        struct run r;

        run(top, (const char *[]){"--check", "--config", "nope.hcl", "--rules-dir", "nodir", NULL},
                &r);
        assert_string_equal(r.err, "nope.hcl:1:1: cannot read the file: No such file or directory\n"
                                   "nodir:1:1: cannot read the rules directory: No such file or "
                                   "directory\n");
        assert_int_equal(r.status, 1);
        run_free(&r);

        /* Without --check, an invalid configuration stops the agent at once
         * with the same messages. */
        run(top, (const char *[]){"--config", "nope.hcl", NULL}, &r);
        assert_string_equal(
                r.err, "nope.hcl:1:1: cannot read the file: No such file or directory\n");
        assert_int_equal(r.status, 1);
        run_free(&r);
}

static void test_options(void **state) {
        _cleanup_free_ char *top = fl_test_source_path("");
        struct run r;

        run(top, (const char *[]){"--version", NULL}, &r);
        assert_string_equal(r.out, "faultline " FL_VERSION "\n");
        assert_int_equal(r.status, 0);
        run_free(&r);

        run(top, (const char *[]){"--bogus", NULL}, &r);
        assert_non_null(strstr(r.err, "Usage: faultline-agent [--config FILE] [--rules-dir DIR] "
                                      "[--check] [--dry-run] [--version]"));
        assert_int_equal(r.status, 2);
        run_free(&r);

        run(top, (const char *[]){"extra", NULL}, &r);
        assert_non_null(strstr(r.err, "unexpected argument \"extra\""));
        assert_int_equal(r.status, 2);
        run_free(&r);

        run(top, (const char *[]){"--help", NULL}, &r);
        assert_non_null(strstr(r.out, "--dry-run"));
        assert_int_equal(r.status, 0);
        run_free(&r);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_packaged_is_valid),
                cmocka_unit_test(test_every_problem_once),
                cmocka_unit_test(test_unreadable),
                cmocka_unit_test(test_options),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
