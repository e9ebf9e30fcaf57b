/* SPDX-License-Identifier: Apache-2.0 */
/*
 * faultlinectl: dispatches to one subcommand (see commands.h).
 */
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
        {"hcl2json", "FILE", "print an HCL file as JSON, as the hcl2json tool does",
                fl_ctl_hcl2json},
        {"outbox", "[--state-dir DIR] [--json]",
                "list the triggers the agent keeps for the coordinator", fl_ctl_outbox},
};

static void usage(FILE *f) {
        fprintf(f, "Usage: faultlinectl [--help] [--version] COMMAND [ARGS...]\n\nCommands:\n");
        for (size_t i = 0; i < ELEMENTSOF(commands); i++)
                fprintf(f, "  %-10s %-28s %s\n", commands[i].name, commands[i].args,
                        commands[i].summary);
}

int main(int argc, char **argv) {
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
                if (strcmp(argv[1], commands[i].name) == 0)
                        return commands[i].run(argc - 1, argv + 1);
        fprintf(stderr, "faultlinectl: unknown command \"%s\"\n", argv[1]);
        usage(stderr);
        return 1;
}
