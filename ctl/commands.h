/* SPDX-License-Identifier: Apache-2.0 */
/*
 * faultlinectl subcommands. Each one lives in its own cmd_NAME.c and has the
 * fl_ctl_command_fn signature: argv[0] is the subcommand's name, the return
 * value is the process exit status (0 success, 1 failure). A subcommand
 * prints its own errors on stderr. To add one, declare it here and list it
 * in the table in main.c.
 */
#pragma once

typedef int (*fl_ctl_command_fn)(int argc, char **argv);

/* faultlinectl hcl2json FILE|-: the file as JSON, as hcl2json prints it. */
int fl_ctl_hcl2json(int argc, char **argv);

/* faultlinectl outbox [--state-dir DIR] [--json]: the agent's pending
 * triggers, read-only (works while the agent runs). */
int fl_ctl_outbox(int argc, char **argv);
