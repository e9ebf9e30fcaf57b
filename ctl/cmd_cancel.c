/* SPDX-License-Identifier: Apache-2.0 */
/*
 * faultlinectl cancel WORKFLOW_ID --reason TEXT
 *
 * POST /v1/executions/WORKFLOW_ID/cancel: the coordinator terminates the
 * running remediation in Temporal with the reason and journals who did it.
 * Only a caller a route_rule names may (docs/coordinator.md).
 *
 *   cancelled faultline-disk-io-error-5f0c... (disk-io-error on node-17): disk replaced by hand
 */
#include "commands.h"
#include "session.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
        OPT_REASON = FL_CTL_OPT_FIRST_OWN,
};

#define WORKFLOW_ID_MAX 255
#define REASON_MAX      512

static void usage(FILE *f) {
        fputs("Usage: faultlinectl cancel WORKFLOW_ID --reason TEXT [OPTIONS]\n"
              "\n"
              "Stops a running remediation: the coordinator terminates the Temporal workflow\n"
              "WORKFLOW_ID (as `faultlinectl executions` lists it) with the reason, which its\n"
              "history keeps, and the journal names you. Only faultline's executions can be\n"
              "cancelled, and only by an identity a route_rule names.\n"
              "\n"
              "  --reason TEXT          why (required; one line, at most 512 bytes)\n"
              "\n" FL_CTL_CONNECTION_HELP "\n"
              "Exit status: 0 cancelled; 1 usage or configuration; 2 refused (not yours to\n"
              "cancel, unknown, or not running any more); 3 unreachable or failing.\n",
                f);
}

int fl_ctl_cancel(int argc, char **argv) {
        static const struct option options[] = {
                FL_CTL_CONNECTION_OPTIONS,
                {"reason", required_argument, NULL, OPT_REASON},
                {},
        };
        json_auto_t *body = NULL;
        _cleanup_free_ char *path = NULL;
        struct fl_ctl_flags flags = {};
        struct fl_ctl_session s = {};
        struct fl_ctl_answer a = {};
        const char *reason = NULL, *id;
        char err[512];
        int c, r;

        opterr = 0;
        while ((c = getopt_long(argc, argv, FL_CTL_GETOPT, options, NULL)) >= 0) {
                r = fl_ctl_flags_take(&flags, c, optarg, err, sizeof(err));
                if (r < 0)
                        return fl_ctl_usage_error(argv[0], "%s", err);
                if (r > 0)
                        continue;
                if (c != OPT_REASON)
                        return fl_ctl_getopt_error(argv[0], c, argv);
                reason = optarg;
        }
        if (flags.help) {
                usage(stdout);
                return FL_CTL_EXIT_OK;
        }
        if (optind != argc - 1)
                return fl_ctl_usage_error(
                        argv[0], optind >= argc ? "which WORKFLOW_ID?" : "one WORKFLOW_ID only");
        id = argv[optind];
        if (!*id || strlen(id) > WORKFLOW_ID_MAX ||
                strspn(id, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._:-") !=
                        strlen(id))
                return fl_ctl_usage_error(argv[0],
                        "\"%s\" is not a faultline workflow id (faultline-WORKFLOW-KEY)", id);
        if (!reason || !*reason)
                return fl_ctl_usage_error(argv[0], "--reason TEXT is required: say why");
        if (strlen(reason) > REASON_MAX || strpbrk(reason, "\r\n"))
                return fl_ctl_usage_error(
                        argv[0], "--reason must be one line of at most %d bytes", REASON_MAX);
        body = json_pack("{s:s}", "reason", reason);
        if (!body || asprintf(&path, "/v1/executions/%s/cancel", id) < 0) {
                path = NULL;
                fprintf(stderr, "faultlinectl: out of memory\n");
                return FL_CTL_EXIT_INVALID;
        }

        r = fl_ctl_session_open(&flags, &s);
        if (r != FL_CTL_EXIT_OK)
                return r;
        r = fl_ctl_session_call(&s, "POST", path, body, &a);
        if (r == FL_CTL_EXIT_OK) {
                if (flags.json)
                        (void) fl_ctl_print_json(stdout, a.json);
                else
                        printf("cancelled %s (%s on %s): %s\n", id,
                                json_string_value(json_object_get(a.json, "workflow"))
                                        ? json_string_value(json_object_get(a.json, "workflow"))
                                        : "?",
                                json_string_value(json_object_get(a.json, "node"))
                                        ? json_string_value(json_object_get(a.json, "node"))
                                        : "?",
                                reason);
        }
        fl_ctl_answer_done(&a);
        fl_ctl_session_close(&s);
        return r;
}
