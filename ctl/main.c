/* SPDX-License-Identifier: Apache-2.0 */
/*
 * faultlinectl: dispatches to one subcommand (see commands.h).
 */
#include <curl/curl.h>
#include <stdio.h>
#include <string.h>

#include "commands.h"
#include "macro.h"
#include "version.h"

static const struct {
        const char *name;
        const char *args;
        const char *summary;
        fl_ctl_command_fn run;
} commands[] = {
        {"trigger",
                "WORKFLOW --node NODE [--dry-run] [--param KEY=VALUE]... [--rule RULE]\n"
                "            [--idempotency-key KEY]",
                "ask for a remediation, signed with your operator key", fl_ctl_trigger},
        {"explain", "WORKFLOW --node NODE [--param KEY=VALUE]... [--rule RULE]",
                "dry-run a trigger: which constraint would decide, and why", fl_ctl_explain},
        {"workflows", "[--node NODE --node-type TYPE --datacenter DC]",
                "each workflow config with its current counts against its limits",
                fl_ctl_workflows},
        {"executions",
                "[--workflow WORKFLOW] [--node NODE] [--status running|closed] [--limit N]\n"
                "            [--page-token TOKEN]",
                "remediations in Temporal, newest first", fl_ctl_executions},
        {"pauses", "", "the pauses in force", fl_ctl_pauses},
        {"pause",
                "--scope all|workflow|datacenter [--workflow WORKFLOW] [--datacenter DC]\n"
                "            [--reason TEXT]",
                "pause remediation in a scope (its triggers are deferred)", fl_ctl_pause},
        {"resume", "--scope all|workflow|datacenter [--workflow WORKFLOW] [--datacenter DC]",
                "lift a pause", fl_ctl_resume},
        {"cancel", "WORKFLOW_ID --reason TEXT", "terminate a running remediation", fl_ctl_cancel},
        {"check", "[--kind KIND] FILE...", "validate configuration files of any kind",
                fl_ctl_check},
        {"hcl2json", "FILE", "print an HCL file as JSON, as the hcl2json tool does",
                fl_ctl_hcl2json},
        {"outbox", "[--state-dir DIR] [--json]",
                "list the triggers the agent keeps for the coordinator", fl_ctl_outbox},
};

static void usage(FILE *f) {
        fputs("Usage: faultlinectl [--help] [--version] COMMAND [OPTIONS] [ARGS...]\n"
              "\n"
              "faultline's operator tool: works with the coordinator's REST API over mutual TLS\n"
              "and validates configuration files.\n"
              "\nCommands:\n",
                f);
        for (size_t i = 0; i < ELEMENTSOF(commands); i++)
                fprintf(f, "  %s%s%s\n      %s\n", commands[i].name, *commands[i].args ? " " : "",
                        commands[i].args, commands[i].summary);
        fputs("\nThe commands that talk to the coordinator also take:\n" FL_CTL_CONNECTION_HELP
              "trigger and explain sign with your operator key:\n" FL_CTL_SIGNING_HELP
              "check takes --json too.\n"
              "\n"
              "Exit status:\n"
              "  0  success (a trigger started or was a duplicate; a dry run would start)\n"
              "  1  usage error, invalid configuration, a checked file has problems\n"
              "  2  the coordinator refused: a 4xx answer, or a trigger rejected or deferred\n"
              "  3  the coordinator is unreachable (connection, TLS, timeout) or failing (5xx)\n"
              "\n"
              "faultlinectl COMMAND --help describes a command; man faultlinectl has it all.\n",
                f);
}

int main(int argc, char **argv) {
        int r;

        if (argc < 2) {
                usage(stderr);
                return 1;
        }
        if (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0) {
                usage(stdout);
                return 0;
        }
        if (strcmp(argv[1], "--version") == 0) {
                printf("%s\n", fl_version_string());
                return 0;
        }
        for (size_t i = 0; i < ELEMENTSOF(commands); i++)
                if (strcmp(argv[1], commands[i].name) == 0) {
                        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
                                fprintf(stderr, "faultlinectl: cannot initialise libcurl\n");
                                return 1;
                        }
                        r = commands[i].run(argc - 1, argv + 1);
                        curl_global_cleanup();
                        return r;
                }
        fprintf(stderr, "faultlinectl: unknown command \"%s\"\n", argv[1]);
        usage(stderr);
        return 1;
}
