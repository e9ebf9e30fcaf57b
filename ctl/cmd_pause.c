/* SPDX-License-Identifier: Apache-2.0 */
/*
 * faultlinectl pauses | pause SCOPE... [--reason R] | resume SCOPE...
 *
 * Pauses (docs/coordinator.md, "Pauses"): while one is in force for a
 * trigger's scope (everything, its workflow, or its node's datacenter) the
 * coordinator answers `deferred`: agents keep the trigger and send it again
 * after the resume. The scope is --scope all, --scope workflow --workflow
 * W (or just --workflow W), --scope datacenter --datacenter D (or just
 * --datacenter D). After a change the pauses in force are listed:
 *
 *   paused workflow drain-node: firmware rollout
 *   SCOPE     NAME        REASON            BY                                    SINCE
 *   workflow  drain-node  firmware rollout  spiffe://faultline.example/operator  2026-...
 */
#include "commands.h"
#include "session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
        OPT_SCOPE = FL_CTL_OPT_FIRST_OWN,
        OPT_WORKFLOW,
        OPT_DATACENTER,
        OPT_REASON,
};

#define COLS 5

static void usage(FILE *f, const char *command) {
        if (strcmp(command, "pauses") == 0) {
                fputs("Usage: faultlinectl pauses [OPTIONS]\n"
                      "\n"
                      "Lists the pauses in force: scope, name, reason, who set it and when.\n",
                        f);
        } else {
                fprintf(f,
                        "Usage: faultlinectl %s --scope all|workflow|datacenter [--workflow "
                        "WORKFLOW]\n"
                        "                   [--datacenter DC]%s [OPTIONS]\n\n",
                        command, strcmp(command, "pause") == 0 ? " [--reason TEXT]" : "");
                if (strcmp(command, "pause") == 0)
                        fputs("Pauses remediation in a scope: triggers for it are answered "
                              "deferred, kept\n"
                              "by the agents and sent again once it is resumed. Pauses "
                              "survive coordinator\n"
                              "restarts; the same scope again replaces the reason.\n",
                                f);
                else
                        fputs("Lifts the pause of a scope; deferred triggers then proceed if "
                              "still allowed.\n",
                                f);
                fputs("\n"
                      "  --scope SCOPE          all, workflow or datacenter (implied by "
                      "--workflow or\n"
                      "                         --datacenter alone)\n"
                      "  --workflow WORKFLOW    the workflow config of a workflow pause\n"
                      "  --datacenter DC        the datacenter of a datacenter pause\n",
                        f);
                if (strcmp(command, "pause") == 0)
                        fputs("  --reason TEXT          why (shown with deferred answers)\n", f);
        }
        fputs("\n" FL_CTL_CONNECTION_HELP "\n"
              "Exit status: 0 done; 1 usage or configuration; 2 refused (resume: no such "
              "pause);\n"
              "3 unreachable or failing.\n",
                f);
}

static void print_pauses(json_t *pauses) {
        static const char *const headers[COLS] = {"SCOPE", "NAME", "REASON", "BY", "SINCE"};
        size_t n = json_array_size(pauses), i;
        const char **cells = calloc(n ? n * COLS : 1, sizeof(*cells));
        json_t *p;

        if (!cells)
                return;
        json_array_foreach (pauses, i, p) {
                const char *scope = json_string_value(json_object_get(p, "scope"));

                cells[i * COLS] = scope;
                cells[i * COLS + 1] = scope ? json_string_value(json_object_get(p, scope)) : NULL;
                cells[i * COLS + 2] = json_string_value(json_object_get(p, "reason"));
                cells[i * COLS + 3] = json_string_value(json_object_get(p, "by"));
                cells[i * COLS + 4] = json_string_value(json_object_get(p, "since"));
        }
        if (n == 0)
                printf("no pauses in force\n");
        else
                fl_ctl_print_table(stdout, "", headers, COLS, cells, n);
        free(cells);
}

static int run(int argc, char **argv, const char *method) {
        static const struct option options[] = {
                FL_CTL_CONNECTION_OPTIONS,
                {"scope", required_argument, NULL, OPT_SCOPE},
                {"workflow", required_argument, NULL, OPT_WORKFLOW},
                {"datacenter", required_argument, NULL, OPT_DATACENTER},
                {"reason", required_argument, NULL, OPT_REASON},
                {},
        };
        const char *scope = NULL, *workflow = NULL, *datacenter = NULL, *reason = NULL;
        bool list = strcmp(method, "GET") == 0, set = strcmp(method, "POST") == 0;
        json_auto_t *target = NULL;
        struct fl_ctl_flags flags = {};
        struct fl_ctl_session s = {};
        struct fl_ctl_answer a = {};
        char err[512];
        int c, r;

        opterr = 0;
        while ((c = getopt_long(argc, argv, FL_CTL_GETOPT, options, NULL)) >= 0) {
                r = fl_ctl_flags_take(&flags, c, optarg, err, sizeof(err));
                if (r < 0)
                        return fl_ctl_usage_error(argv[0], "%s", err);
                if (r > 0)
                        continue;
                if (list && c >= OPT_SCOPE && c <= OPT_REASON)
                        return fl_ctl_usage_error(argv[0], "takes no scope: it lists them all");
                if (c == OPT_REASON && !set)
                        return fl_ctl_usage_error(argv[0], "takes no --reason");
                switch (c) {
                case OPT_SCOPE:
                        scope = optarg;
                        break;
                case OPT_WORKFLOW:
                        workflow = optarg;
                        break;
                case OPT_DATACENTER:
                        datacenter = optarg;
                        break;
                case OPT_REASON:
                        reason = optarg;
                        break;
                default:
                        return fl_ctl_getopt_error(argv[0], c, argv);
                }
        }
        if (flags.help) {
                usage(stdout, argv[0]);
                return FL_CTL_EXIT_OK;
        }
        if (optind < argc)
                return fl_ctl_usage_error(argv[0], "unexpected argument \"%s\"", argv[optind]);
        if (!list && fl_ctl_pause_target(
                             scope, workflow, datacenter, reason, &target, err, sizeof(err)) < 0)
                return fl_ctl_usage_error(argv[0], "%s", err);

        r = fl_ctl_session_open(&flags, &s);
        if (r != FL_CTL_EXIT_OK)
                return r;
        r = fl_ctl_session_call(&s, method, "/v1/pause", target, &a);
        if (r == FL_CTL_EXIT_OK) {
                if (flags.json)
                        (void) fl_ctl_print_json(stdout, a.json);
                else {
                        if (!list) {
                                const char *sc =
                                        json_string_value(json_object_get(target, "scope"));
                                const char *name = json_string_value(json_object_get(target, sc));

                                printf("%s %s%s%s%s%s\n", set ? "paused" : "resumed", sc,
                                        name ? " " : "", name ? name : "", reason ? ": " : "",
                                        reason ? reason : "");
                        }
                        print_pauses(json_object_get(a.json, "pauses"));
                }
        }
        fl_ctl_answer_done(&a);
        fl_ctl_session_close(&s);
        return r;
}

int fl_ctl_pauses(int argc, char **argv) {
        return run(argc, argv, "GET");
}

int fl_ctl_pause(int argc, char **argv) {
        return run(argc, argv, "POST");
}

int fl_ctl_resume(int argc, char **argv) {
        return run(argc, argv, "DELETE");
}
