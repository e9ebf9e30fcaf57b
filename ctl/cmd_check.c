/* SPDX-License-Identifier: Apache-2.0 */
/*
 * faultlinectl check [--kind KIND] [--json] FILE...
 *
 * Validates configuration files with the decoders the daemons themselves
 * load them with (never a copy): agent.hcl (agent/config.h), a rules.d file
 * (agent/rules_load.h), coordinator.hcl (coordinator/config.h, its agent and
 * operator public keys included), a workflows.d file (coordinator/
 * workflows.h), faultlinectl.hcl (ctl_config.h), and worker.hcl through
 * `faultline-worker --check` (the worker is Go). The kind comes from --kind,
 * else the file's name, else its contents (kind.h).
 *
 * Each file on its own: what it includes (rules_dir, workflows_dir) and the
 * TLS files it names are the daemons' --check's business. Every problem is
 * printed on stderr as FILE:LINE:COL: message, each valid file as
 * "FILE: valid (KIND)" on stdout; with --json one array on
 * stdout: [{"file", "kind", "valid", "problems": [{"file", "line",
 * "column", "message"}]}]. Exit status 1 when any file has a problem.
 */
#include "commands.h"

#include "fileio.h"
#include "kind.h"
#include "rule.h"
#include "rules_load.h"
#include "workflows.h"

#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <limits.h>
#include <poll.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* Both daemons have a config.h: name each by its directory. */
#include "../agent/config.h"
#include "../coordinator/config.h"

#define WORKER_OUTPUT_MAX (1024u * 1024u)

extern char **environ;

enum {
        OPT_KIND = FL_CTL_OPT_FIRST_OWN,
};

static void usage(FILE *f) {
        fputs("Usage: faultlinectl check [--kind KIND] [--json] FILE...\n"
              "\n"
              "Validates configuration files with the daemons' own decoders and prints every\n"
              "problem as FILE:LINE:COL: message. The kind of each file comes from its name\n"
              "(agent.hcl, coordinator.hcl, worker.hcl, faultlinectl.hcl, rules.d/*.hcl,\n"
              "workflows.d/NAME.hcl), else from what it holds, or from --kind. Each file is\n"
              "checked on its own: for a whole installation run the daemons' --check.\n"
              "\n"
              "  --kind KIND            agent, coordinator, rules, workflow, worker or\n"
              "                         faultlinectl, for every FILE\n"
              "  --json                 [{\"file\", \"kind\", \"valid\", \"problems\": [...]}]\n"
              "\n"
              "Exit status: 0 every file is valid; 1 a file has problems, or usage.\n",
                f);
}

/* The directory this binary is in, where packages and the build put
 * faultline-worker next to it. */
static char *own_directory(void) {
        char buf[PATH_MAX];
        ssize_t n = readlink("/proc/self/exe", buf, sizeof(buf) - 1);

        if (n <= 0)
                return NULL;
        buf[n] = '\0';
        return strdup(dirname(buf));
}

/* One line of `faultline-worker --check`: FILE:LINE:COL: message, or FILE:
 * message (a problem of the whole file). */
static int worker_line(const char *path, const char *line, struct fl_diags *diags) {
        size_t plen = strlen(path);
        unsigned l, c;
        int used = 0;

        if (strncmp(line, path, plen) == 0 && line[plen] == ':') {
                const char *rest = line + plen + 1;

                if (sscanf(rest, "%u:%u: %n", &l, &c, &used) == 2 && used > 0)
                        return fl_diags_add(diags, path, l, c, "%s", rest + used);
                return fl_diags_add(diags, path, 1, 1, "%s", rest[0] == ' ' ? rest + 1 : rest);
        }
        return fl_diags_add(diags, path, 1, 1, "%s", line);
}

static int check_worker(const char *path, struct fl_diags *diags) {
        _cleanup_free_ char *dir = own_directory(), *binary = NULL, *out = NULL;
        char *argv[] = {NULL, "--check", "--config", (char *) path, NULL};
        posix_spawn_file_actions_t actions;
        size_t size = 0, allocated = 0;
        int fds[2], status = 0, r;
        pid_t pid;

        if (dir && asprintf(&binary, "%s/faultline-worker", dir) < 0)
                binary = NULL;
        argv[0] = binary && access(binary, X_OK) == 0 ? binary : "faultline-worker";
        if (pipe2(fds, O_CLOEXEC) < 0)
                return -errno;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_adddup2(&actions, fds[1], STDERR_FILENO);
        posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
        r = posix_spawnp(&pid, argv[0], &actions, NULL, argv, environ);
        posix_spawn_file_actions_destroy(&actions);
        close(fds[1]);
        if (r != 0) {
                close(fds[0]);
                r = fl_diags_add(diags, path, 1, 1,
                        "worker.hcl is checked by faultline-worker --check, which cannot run "
                        "here: %s",
                        strerror(r));
                return r == -ENOMEM ? r : -EINVAL;
        }
        for (;;) {
                char buf[4096];
                ssize_t n = read(fds[0], buf, sizeof(buf));

                if (n < 0 && errno == EINTR)
                        continue;
                if (n <= 0)
                        break;
                if (size + (size_t) n > WORKER_OUTPUT_MAX)
                        continue; /* keep draining; the rest is dropped */
                if (size + (size_t) n + 1 > allocated) {
                        char *p = realloc(out, (size + (size_t) n + 1) * 2);
                        if (!p)
                                continue;
                        out = p;
                        allocated = (size + (size_t) n + 1) * 2;
                }
                memcpy(out + size, buf, (size_t) n);
                size += (size_t) n;
                out[size] = '\0';
        }
        close(fds[0]);
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
                ;
        if (WIFEXITED(status) && WEXITSTATUS(status) == 0)
                return 0;
        for (char *line = out, *next; line && *line; line = next) {
                next = strchr(line, '\n');
                if (next)
                        *next++ = '\0';
                if (*line && worker_line(path, line, diags) == -ENOMEM)
                        return -ENOMEM;
        }
        if (diags->n_items == 0) {
                r = fl_diags_add(diags, path, 1, 1, "faultline-worker --check failed (%s %d)",
                        WIFEXITED(status) ? "exit status" : "signal",
                        WIFEXITED(status) ? WEXITSTATUS(status) : WTERMSIG(status));
                if (r == -ENOMEM)
                        return r;
        }
        return -EINVAL;
}

static int check_rules(const char *path, struct fl_diags *diags) {
        _cleanup_free_ char *data = NULL;
        struct fl_ruleset *rs = NULL;
        size_t size;
        int r;

        r = fl_read_file_at(AT_FDCWD, path, FL_RULES_FILE_MAX_BYTES, &data, &size);
        if (r < 0) {
                r = r == -EFBIG ? fl_diags_add(diags, path, 1, 1,
                                          "larger than %u bytes, the limit of a rules file",
                                          FL_RULES_FILE_MAX_BYTES)
                                : fl_diags_add(diags, path, 1, 1, "cannot read the rules file: %s",
                                          strerror(-r));
                return r == -ENOMEM ? r : -EINVAL;
        }
        r = fl_rules_parse(data, size, path, diags, &rs);
        fl_ruleset_unref(rs);
        return r;
}

/* Validates `path` as `kind`; problems go to `diags`. Returns 0 (valid),
 * -EINVAL (problems), -ENOMEM. */
static int check_one(const char *path, enum fl_ctl_kind kind, struct fl_diags *diags) {
        switch (kind) {
        case FL_CTL_KIND_AGENT: {
                _cleanup_(fl_agent_config_freep) struct fl_agent_config *c = NULL;
                return fl_agent_config_load(path, diags, &c);
        }
        case FL_CTL_KIND_COORDINATOR: {
                _cleanup_(fl_coordinator_config_freep) struct fl_coordinator_config *c = NULL;
                return fl_coordinator_config_load(path, diags, &c);
        }
        case FL_CTL_KIND_RULES:
                return check_rules(path, diags);
        case FL_CTL_KIND_WORKFLOW: {
                _cleanup_(fl_workflow_unrefp) struct fl_workflow *w = NULL;
                return fl_workflow_load(path, diags, &w);
        }
        case FL_CTL_KIND_WORKER:
                return check_worker(path, diags);
        case FL_CTL_KIND_FAULTLINECTL: {
                _cleanup_(fl_ctl_config_freep) struct fl_ctl_config *c = NULL;
                return fl_ctl_config_load(path, diags, &c);
        }
        default:
                return -EINVAL;
        }
}

/* The kind of `path` when --kind did not say: its name, else its contents.
 * Returns the kind, or -EINVAL after reporting why it cannot be told
 * (syntax errors included), -ENOMEM. */
static int guess_kind(const char *path, struct fl_diags *diags) {
        _cleanup_(fl_hcl_file_freep) struct fl_hcl_file *f = NULL;
        const char *why = NULL;
        int k, r;

        k = fl_ctl_kind_from_name(path);
        if (k >= 0)
                return k;
        r = fl_hcl_parse_file(path, diags, &f);
        if (r == -ENOMEM)
                return r;
        if (r < 0 && r != -EINVAL && r != -EFBIG) {
                r = fl_diags_add(diags, path, 1, 1, "cannot read: %s", strerror(-r));
                return r == -ENOMEM ? r : -EINVAL;
        }
        if (r < 0)
                return -EINVAL; /* the syntax errors say enough */
        k = fl_ctl_kind_from_content(f, &why);
        if (k >= 0)
                return k;
        r = fl_diags_add(diags, path, 1, 1,
                "cannot tell which configuration this is (%s): name it agent.hcl, "
                "coordinator.hcl, worker.hcl, faultlinectl.hcl, rules.d/NAME.hcl or "
                "workflows.d/NAME.hcl, or pass --kind",
                why);
        return r == -ENOMEM ? r : -EINVAL;
}

static json_t *problems_json(const struct fl_diags *d) {
        json_t *a = json_array();

        for (size_t i = 0; a && i < d->n_items; i++)
                json_array_append_new(a,
                        json_pack("{s:s, s:I, s:I, s:s}", "file", d->items[i].file, "line",
                                (json_int_t) d->items[i].line, "column",
                                (json_int_t) d->items[i].column, "message", d->items[i].message));
        if (a && d->n_dropped > 0)
                json_array_append_new(
                        a, json_pack("{s:n, s:n, s:n, s:s+}", "file", "line", "column", "message",
                                   "more problems were left out: ", "the list is full"));
        return a;
}

int fl_ctl_check(int argc, char **argv) {
        static const struct option options[] = {
                {"kind", required_argument, NULL, OPT_KIND},
                {"json", no_argument, NULL, FL_CTL_OPT_JSON},
                {"help", no_argument, NULL, FL_CTL_OPT_HELP},
                {},
        };
        json_auto_t *report = json_array();
        bool json = false, failed = false;
        int kind = -1, c;

        if (!report)
                return FL_CTL_EXIT_INVALID;
        opterr = 0;
        while ((c = getopt_long(argc, argv, FL_CTL_GETOPT, options, NULL)) >= 0) {
                switch (c) {
                case OPT_KIND:
                        kind = fl_ctl_kind_from_string(optarg);
                        if (kind < 0)
                                return fl_ctl_usage_error(argv[0],
                                        "--kind must be agent, coordinator, rules, workflow, "
                                        "worker or faultlinectl, not \"%s\"",
                                        optarg);
                        break;
                case FL_CTL_OPT_JSON:
                        json = true;
                        break;
                case FL_CTL_OPT_HELP:
                        usage(stdout);
                        return FL_CTL_EXIT_OK;
                default:
                        return fl_ctl_getopt_error(argv[0], c, argv);
                }
        }
        if (optind >= argc)
                return fl_ctl_usage_error(argv[0], "which FILE?");

        for (int i = optind; i < argc; i++) {
                _cleanup_(fl_diags_freep) struct fl_diags *diags = fl_diags_new();
                const char *path = argv[i];
                int k = kind, r;

                if (!diags)
                        return FL_CTL_EXIT_INVALID;
                if (k < 0)
                        k = guess_kind(path, diags);
                r = k >= 0 ? check_one(path, (enum fl_ctl_kind) k, diags) : k;
                if (r == -ENOMEM) {
                        fprintf(stderr, "faultlinectl: out of memory\n");
                        return FL_CTL_EXIT_INVALID;
                }
                /* A loader that failed without saying why still fails. */
                if (r < 0 && diags->n_items == 0 && diags->n_dropped == 0)
                        (void) fl_diags_add(diags, path, 1, 1, "invalid (%s)", strerror(-r));
                if (r < 0 || diags->n_items > 0)
                        failed = true;
                if (json)
                        json_array_append_new(report,
                                json_pack("{s:s, s:s?, s:b, s:o}", "file", path, "kind",
                                        k >= 0 ? fl_ctl_kind_to_string((enum fl_ctl_kind) k) : NULL,
                                        "valid", r == 0 && diags->n_items == 0, "problems",
                                        problems_json(diags)));
                else if (r == 0 && diags->n_items == 0)
                        printf("%s: valid (%s)\n", path,
                                fl_ctl_kind_to_string((enum fl_ctl_kind) k));
                else
                        (void) fl_diags_print(diags, stderr);
        }
        if (json && fl_ctl_print_json(stdout, report) < 0)
                return FL_CTL_EXIT_INVALID;
        return failed ? FL_CTL_EXIT_INVALID : FL_CTL_EXIT_OK;
}
