/* SPDX-License-Identifier: Apache-2.0 */
/*
 * faultlinectl subcommands. Each one lives in its own cmd_NAME.c and has the
 * fl_ctl_command_fn signature: argv[0] is the subcommand's name, the return
 * value is the process exit status (common.h: 0 success, 1 usage or
 * validation, 2 refused by the coordinator, 3 coordinator unreachable or
 * failing). A subcommand prints its own errors on stderr and its help on
 * --help. To add one, declare it here and list it in the table in main.c.
 */
#pragma once

#include "common.h"

typedef int (*fl_ctl_command_fn)(int argc, char **argv);

/* faultlinectl hcl2json FILE|-: the file as JSON, as hcl2json prints it. */
int fl_ctl_hcl2json(int argc, char **argv);

/* faultlinectl trigger WORKFLOW --node NODE [--dry-run] [--param K=V]...: a
 * signed trigger. */
int fl_ctl_trigger(int argc, char **argv);

/* faultlinectl explain WORKFLOW --node NODE: a dry run, and why. */
int fl_ctl_explain(int argc, char **argv);

/* faultlinectl workflows: configs and their counts against their limits. */
int fl_ctl_workflows(int argc, char **argv);

/* faultlinectl executions [--workflow W] [--node N]: remediations. */
int fl_ctl_executions(int argc, char **argv);

/* faultlinectl pauses / pause / resume: the pauses in force, set, lift. */
int fl_ctl_pauses(int argc, char **argv);
int fl_ctl_pause(int argc, char **argv);
int fl_ctl_resume(int argc, char **argv);

/* faultlinectl cancel WORKFLOW_ID --reason R: terminate a remediation. */
int fl_ctl_cancel(int argc, char **argv);

/* faultlinectl check [--kind KIND] FILE...: validate configuration files. */
int fl_ctl_check(int argc, char **argv);

/* faultlinectl outbox [--state-dir DIR] [--json]: the agent's pending
 * triggers, read-only (works while the agent runs). */
int fl_ctl_outbox(int argc, char **argv);
