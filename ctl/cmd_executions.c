/* SPDX-License-Identifier: Apache-2.0 */
/*
 * faultlinectl executions [--workflow W] [--node N] [--status running|closed]
 *     [--limit N] [--page-token TOKEN]
 *
 * GET /v1/executions: the remediations faultline started, from Temporal
 * visibility, newest first:
 *
 *   WORKFLOW ID                        STATUS   WORKFLOW       NODE     RULE            STARTED
 * CLOSED faultline-disk-io-error-5f0c...    Running  disk-io-error  node-17  disk-io-errors
 * 2026-... -
 *
 * When more remain, a last line says how to ask for them.
 */
#include "commands.h"
#include "session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
        OPT_WORKFLOW = FL_CTL_OPT_FIRST_OWN,
        OPT_NODE,
        OPT_STATUS,
        OPT_LIMIT,
        OPT_PAGE_TOKEN,
};

#define COLS 7

static void usage(FILE *f) {
        fputs("Usage: faultlinectl executions [--workflow WORKFLOW] [--node NODE]\n"
              "                               [--status running|closed] [--limit N]\n"
              "                               [--page-token TOKEN] [OPTIONS]\n"
              "\n"
              "Lists the remediations faultline started (Temporal visibility), newest first.\n"
              "\n"
              "  --workflow WORKFLOW    of this workflow config only\n"
              "  --node NODE            for this node only\n"
              "  --status STATUS        running or closed\n"
              "  --limit N              at most N (1 to 1000, default 100)\n"
              "  --page-token TOKEN     the next page, as the previous listing said\n"
              "\n" FL_CTL_CONNECTION_HELP "\n"
              "Exit status: 0 listed; 1 usage or configuration; 2 refused; 3 unreachable or\n"
              "failing.\n",
                f);
}

static void print_human(json_t *answer) {
        static const char *const headers[COLS] = {
                "WORKFLOW ID", "STATUS", "WORKFLOW", "NODE", "RULE", "STARTED", "CLOSED"};
        static const char *const fields[COLS] = {
                "workflow_id", "status", "workflow", "node", "rule", "start_time", "close_time"};
        json_t *list = json_object_get(answer, "executions"), *e;
        size_t n = json_array_size(list), i;
        const char **cells = calloc(n ? n * COLS : 1, sizeof(*cells));
        const char *token = json_string_value(json_object_get(answer, "next_page_token"));

        if (!cells)
                return;
        json_array_foreach (list, i, e)
                for (size_t k = 0; k < COLS; k++)
                        cells[i * COLS + k] = json_string_value(json_object_get(e, fields[k]));
        if (n == 0)
                printf("no executions\n");
        else
                fl_ctl_print_table(stdout, "", headers, COLS, cells, n);
        if (token)
                printf("(more: add --page-token %s)\n", token);
        free(cells);
}

int fl_ctl_executions(int argc, char **argv) {
        static const struct option options[] = {
                FL_CTL_CONNECTION_OPTIONS,
                {"workflow", required_argument, NULL, OPT_WORKFLOW},
                {"node", required_argument, NULL, OPT_NODE},
                {"status", required_argument, NULL, OPT_STATUS},
                {"limit", required_argument, NULL, OPT_LIMIT},
                {"page-token", required_argument, NULL, OPT_PAGE_TOKEN},
                {},
        };
        static const char *const names[] = {"workflow", "node", "status", "limit", "page_token"};
        const char *values[ELEMENTSOF(names)] = {};
        _cleanup_free_ char *path = NULL;
        struct fl_ctl_flags flags = {};
        struct fl_ctl_session s = {};
        struct fl_ctl_answer a = {};
        char err[512], *end;
        unsigned long limit;
        int c, r;

        opterr = 0;
        while ((c = getopt_long(argc, argv, FL_CTL_GETOPT, options, NULL)) >= 0) {
                r = fl_ctl_flags_take(&flags, c, optarg, err, sizeof(err));
                if (r < 0)
                        return fl_ctl_usage_error(argv[0], "%s", err);
                if (r > 0)
                        continue;
                switch (c) {
                case OPT_STATUS:
                        if (strcmp(optarg, "running") != 0 && strcmp(optarg, "closed") != 0)
                                return fl_ctl_usage_error(argv[0],
                                        "--status must be running or closed, not \"%s\"", optarg);
                        break;
                case OPT_LIMIT:
                        limit = strtoul(optarg, &end, 10);
                        if (!*optarg || *end || limit < 1 || limit > 1000)
                                return fl_ctl_usage_error(argv[0],
                                        "--limit must be a number from 1 to 1000, not \"%s\"",
                                        optarg);
                        break;
                case OPT_WORKFLOW:
                case OPT_NODE:
                case OPT_PAGE_TOKEN:
                        break;
                default:
                        return fl_ctl_getopt_error(argv[0], c, argv);
                }
                values[c - OPT_WORKFLOW] = optarg;
        }
        if (flags.help) {
                usage(stdout);
                return FL_CTL_EXIT_OK;
        }
        if (optind < argc)
                return fl_ctl_usage_error(argv[0], "unexpected argument \"%s\"", argv[optind]);
        path = fl_ctl_path_with_query("/v1/executions", names, values, ELEMENTSOF(names));
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
                        print_human(a.json);
        }
        fl_ctl_answer_done(&a);
        fl_ctl_session_close(&s);
        return r;
}
