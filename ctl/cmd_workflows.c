/* SPDX-License-Identifier: Apache-2.0 */
/*
 * faultlinectl workflows [--node NODE --node-type TYPE --datacenter DC]
 *
 * GET /v1/workflows: every workflow config in force with each constraint
 * and what it counts now, one line per constraint:
 *
 *   WORKFLOW       TYPE        QUEUE  CONSTRAINT                  COUNTED FOR  COUNT  LIMIT
 *   disk-io-error  RunRunbook  node   concurrency 1/15m per node  all          0      1
 *   disk-io-error  RunRunbook  node   maxExecution 1/1h per node  all          1      1
 *   drain-node     DrainNode   node   -                           -            -      -
 *
 * Counts are fleet-wide ("all") unless a node and its binding are given:
 * then each is what a trigger for that node is counted against.
 */
#include "commands.h"
#include "session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
        OPT_NODE = FL_CTL_OPT_FIRST_OWN,
        OPT_NODE_TYPE,
        OPT_DATACENTER,
};

#define COLS 7

static void usage(FILE *f) {
        fputs("Usage: faultlinectl workflows [--node NODE --node-type TYPE --datacenter DC] "
              "[OPTIONS]\n"
              "\n"
              "Lists the workflow configs the coordinator has in force, each constraint with\n"
              "what it counts now against its limit: across the fleet, or with --node,\n"
              "--node-type and --datacenter (all three) exactly what a trigger for that node\n"
              "would be counted against.\n"
              "\n"
              "  --node NODE            count for this node ...\n"
              "  --node-type TYPE       ... of this type ...\n"
              "  --datacenter DC        ... in this datacenter\n"
              "\n" FL_CTL_CONNECTION_HELP "\n"
              "Exit status: 0 listed; 1 usage or configuration; 2 refused; 3 unreachable or\n"
              "failing.\n",
                f);
}

static int print_human(json_t *workflows) {
        static const char *const headers[COLS] = {
                "WORKFLOW", "TYPE", "QUEUE", "CONSTRAINT", "COUNTED FOR", "COUNT", "LIMIT"};
        size_t rows = 0, i, k;
        json_t *w, *c;
        char(*text)[3][256];
        const char **cells;

        json_array_foreach (workflows, i, w) {
                size_t n = json_array_size(json_object_get(w, "constraints"));
                rows += n ? n : 1;
        }
        text = calloc(rows ? rows : 1, sizeof(*text));
        cells = calloc((rows ? rows : 1) * COLS, sizeof(*cells));
        if (!text || !cells) {
                free(text);
                free(cells);
                return -1;
        }
        rows = 0;
        json_array_foreach (workflows, i, w) {
                json_t *cs = json_object_get(w, "constraints");
                const char *base[3] = {
                        json_string_value(json_object_get(w, "name")),
                        json_string_value(json_object_get(w, "workflow_type")),
                        json_string_value(json_object_get(w, "task_queue_target")),
                };

                if (json_array_size(cs) == 0) {
                        memcpy(&cells[rows * COLS], base, sizeof(base));
                        rows++; /* the rest stays NULL: "-" */
                        continue;
                }
                json_array_foreach (cs, k, c) {
                        json_t *count = json_object_get(c, "count");

                        memcpy(&cells[rows * COLS], base, sizeof(base));
                        fl_ctl_constraint_label(c, text[rows][0], sizeof(text[rows][0]));
                        if (json_is_integer(count))
                                snprintf(text[rows][1], sizeof(text[rows][1]), "%lld",
                                        (long long) json_integer_value(count));
                        else {
                                snprintf(text[rows][1], sizeof(text[rows][1]), "?");
                                fprintf(stderr, "faultlinectl: %s, %s: no count: %s\n", base[0],
                                        text[rows][0],
                                        json_string_value(json_object_get(c, "count_error"))
                                                ? json_string_value(
                                                          json_object_get(c, "count_error"))
                                                : "unknown");
                        }
                        snprintf(text[rows][2], sizeof(text[rows][2]), "%lld",
                                (long long) json_integer_value(json_object_get(c, "value")));
                        cells[rows * COLS + 3] = text[rows][0];
                        cells[rows * COLS + 4] =
                                json_string_value(json_object_get(c, "counted_for"));
                        cells[rows * COLS + 5] = text[rows][1];
                        cells[rows * COLS + 6] = text[rows][2];
                        rows++;
                }
        }
        if (rows == 0)
                printf("no workflow configs in force\n");
        else
                fl_ctl_print_table(stdout, "", headers, COLS, cells, rows);
        free(text);
        free(cells);
        return 0;
}

int fl_ctl_workflows(int argc, char **argv) {
        static const struct option options[] = {
                FL_CTL_CONNECTION_OPTIONS,
                {"node", required_argument, NULL, OPT_NODE},
                {"node-type", required_argument, NULL, OPT_NODE_TYPE},
                {"datacenter", required_argument, NULL, OPT_DATACENTER},
                {},
        };
        static const char *const names[] = {"node", "node_type", "datacenter"};
        const char *values[3] = {};
        _cleanup_free_ char *path = NULL;
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
                if (c >= OPT_NODE && c <= OPT_DATACENTER)
                        values[c - OPT_NODE] = optarg;
                else
                        return fl_ctl_getopt_error(argv[0], c, argv);
        }
        if (flags.help) {
                usage(stdout);
                return FL_CTL_EXIT_OK;
        }
        if (optind < argc)
                return fl_ctl_usage_error(argv[0], "unexpected argument \"%s\"", argv[optind]);
        if ((values[0] || values[1] || values[2]) && !(values[0] && values[1] && values[2]))
                return fl_ctl_usage_error(
                        argv[0], "--node, --node-type and --datacenter go together");
        path = fl_ctl_path_with_query("/v1/workflows", names, values, ELEMENTSOF(names));
        if (!path)
                return FL_CTL_EXIT_INVALID;
        r = fl_ctl_session_open(&flags, &s);
        if (r != FL_CTL_EXIT_OK)
                return r;
        r = fl_ctl_session_call(&s, "GET", path, NULL, &a);
        if (r == FL_CTL_EXIT_OK) {
                if (flags.json)
                        (void) fl_ctl_print_json(stdout, a.json);
                else
                        (void) print_human(json_object_get(a.json, "workflows"));
        }
        fl_ctl_answer_done(&a);
        fl_ctl_session_close(&s);
        return r;
}
