/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Runs build/faultline-agent as a process for the daemon's integration
 * tests, and reads back what it wrote to the journal.
 *
 *   struct agent a;
 *   agent_init(&a, "sources { bpf = false }\n");   // temp dir with agent.hcl, rules.d, state
 *   agent_write_rule(&a, "t.hcl", "rule \"t\" { ... }");
 *   agent_start(&a, NULL, NULL);                     // waits for the "started" entry
 *   ...
 *   agent_wait_entries(&a, FL_MESSAGE_FIRING, (const char *[]){"FAULTLINE_RULE=t", NULL}, 1, ...);
 *   assert_int_equal(agent_stop(&a), 0);             // SIGTERM, exit status
 *   agent_cleanup(&a);
 *
 * Each agent gets a node name unique to the run (FAULTLINE_NODE), so journal
 * queries only see its own entries. Tests built with ASan run the ASan build
 * of the agent (build/tests/faultline-agent-asan), so leaks and memory errors
 * in the daemon fail them too.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#define AGENT_TIMEOUT_USEC (20ULL * 1000 * 1000)

struct agent {
        char *dir;
        char *config_path;
        char *rules_dir;
        char *state_dir;
        char node[64];
        pid_t pid;
        uint64_t starts; /* "started" entries seen so far */
        /* Start the agent without CAP_BPF, CAP_PERFMON and CAP_SYS_ADMIN
         * (dropped from the bounding set before exec): BPF is unavailable. */
        bool no_bpf_caps;
};

/* Creates DIR with agent.hcl (node name, rules_dir, state_dir, then `extra`
 * verbatim) and an empty rules.d. */
void agent_init(struct agent *a, const char *extra);

/* Rewrites agent.hcl (same node, dirs) with `extra`. */
void agent_write_config(struct agent *a, const char *extra);

/* Gives the agent a new unique node name (rewrite the config afterwards):
 * journal queries then only see entries of runs from now on. */
void agent_new_node(struct agent *a);

/* Writes rules.d/NAME with `text`. */
void agent_write_rule(struct agent *a, const char *name, const char *text);

/* The agent binary this test should run. Caller frees. */
char *agent_binary(void);

/* Starts the agent with --config and `args` (NULL-terminated, may be NULL)
 * and `env` additions ("NAME=value", may be NULL); waits until it logged its
 * "started" entry (fails the test if it exits first or after the timeout). */
void agent_start(struct agent *a, const char *const *args, const char *const *env);

/* Starts it without waiting; returns the pid. */
pid_t agent_spawn(struct agent *a, const char *const *args, const char *const *env);

/* Sends `sig` and waits for the exit; returns the exit status (128 + signal
 * if killed). */
int agent_kill_wait(struct agent *a, int sig);

/* SIGTERM and wait. */
int agent_stop(struct agent *a);

/* Stops it if running, removes DIR. */
void agent_cleanup(struct agent *a);

/* Journal entries of this agent with MESSAGE_ID `message_id` (NULL: any)
 * and every "FIELD=value" of `matches` (NULL-terminated, may be NULL). */
struct jentry {
        size_t n;
        char **fields; /* "NAME=value" */
};
struct jentries {
        size_t n;
        struct jentry *items;
};
void agent_entries(const struct agent *a, const char *message_id, const char *const *matches,
        struct jentries *ret);
/* Waits until there are at least `want` such entries (fails after
 * AGENT_TIMEOUT_USEC). */
void agent_wait_entries(const struct agent *a, const char *message_id, const char *const *matches,
        size_t want, struct jentries *ret);
/* Value of FIELD in an entry, or NULL. */
const char *jentry_get(const struct jentry *e, const char *field);
void jentries_free(struct jentries *j);

/* Writes "<3>fltest: TEXT" to /dev/kmsg (a kernel message to journald). */
void kmsg_write(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* A token unique to this run, for kernel lines and node names. */
void random_token(char *buf, size_t size);

uint64_t now_usec(void); /* CLOCK_MONOTONIC */
void sleep_usec(uint64_t usec);
