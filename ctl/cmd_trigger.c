/* SPDX-License-Identifier: Apache-2.0 */
/*
 * faultlinectl trigger WORKFLOW --node NODE [--dry-run] [--param KEY=VALUE]...
 *     [--rule RULE] [--idempotency-key KEY]
 *
 * Asks the coordinator for a remediation as an agent would, signed with the
 * operator's key (an operator_key of coordinator.hcl, docs/security.md):
 * the same checks, pauses and constraints apply. Prints the decision (the
 * answer itself with --json); the exit status says whether it started.
 */
#include "commands.h"
#include "ctl_trigger.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f) {
        fputs("Usage: faultlinectl trigger WORKFLOW --node NODE [--dry-run] [--param "
              "KEY=VALUE]...\n"
              "                            [--rule RULE] [--idempotency-key KEY] [OPTIONS]\n"
              "\n"
              "Asks the coordinator to start the remediation WORKFLOW (a workflows.d config) for\n"
              "NODE, signed with your operator key. Pauses and constraints apply as to an agent's\n"
              "trigger; the node's type and datacenter are those of its agent_key.\n"
              "\n"
              "  --node NODE            the node to remediate (required)\n"
              "  --dry-run              decide, start nothing (see also: faultlinectl explain)\n"
              "  --param KEY=VALUE      a parameter for the workflow (repeatable; the workflow\n"
              "                         config's own params win)\n"
              "  --rule RULE            recorded as FaultlineRule (default " FL_CTL_DEFAULT_RULE
              ")\n"
              "  --idempotency-key KEY  names this remediation: the same key again is a\n"
              "                         duplicate (default: a random one, a new remediation)\n"
              "\n" FL_CTL_SIGNING_HELP FL_CTL_CONNECTION_HELP "\n"
              "Exit status: 0 started, duplicate, or (--dry-run) would start; 1 usage or\n"
              "configuration; 2 rejected, deferred (paused) or refused; 3 coordinator\n"
              "unreachable or failing.\n",
                f);
}

int fl_ctl_trigger(int argc, char **argv) {
        static const struct option options[] = {
                FL_CTL_CONNECTION_OPTIONS,
                FL_CTL_SIGNING_OPTIONS,
                FL_CTL_TRIGGER_OPTIONS,
                {"dry-run", no_argument, NULL, FL_CTL_OPT_DRY_RUN},
                {},
        };
        json_auto_t *params = json_object();
        struct fl_ctl_flags flags = {};
        struct fl_ctl_trigger t = {};
        struct fl_ctl_session s = {};
        struct fl_ctl_answer a = {};
        int r;

        if (!params)
                return FL_CTL_EXIT_INVALID;
        r = fl_ctl_trigger_args(argc, argv, options, &flags, &t, params);
        if (r != FL_CTL_EXIT_OK || flags.help) {
                if (flags.help)
                        usage(stdout);
                return r;
        }

        r = fl_ctl_session_open(&flags, &s);
        if (r != FL_CTL_EXIT_OK)
                return r;
        r = fl_ctl_trigger_send(&s, &t, &a);
        if (r == FL_CTL_EXIT_OK) {
                if (!json_object_get(a.json, "decision"))
                        r = fl_ctl_answer_fail(&a);
                else {
                        if (flags.json)
                                (void) fl_ctl_print_json(stdout, a.json);
                        else
                                fl_ctl_print_decision(stdout, a.json);
                        r = fl_ctl_decision_exit(a.status, a.json);
                }
        }
        fl_ctl_answer_done(&a);
        fl_ctl_session_close(&s);
        return r;
}
