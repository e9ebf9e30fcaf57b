/* SPDX-License-Identifier: Apache-2.0 */
/*
 * What the faultlinectl commands share: exit statuses, the options that say
 * how to reach the coordinator, and the small parsers of command-line
 * values (kept pure, so tests/test-ctl.c checks them table-driven).
 */
#pragma once

#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "ctl_config.h"

/* Exit statuses (faultlinectl --help and the man page list them). */
enum {
        FL_CTL_EXIT_OK = 0,
        FL_CTL_EXIT_INVALID = 1,     /* usage, configuration, a file with problems, local */
        FL_CTL_EXIT_REFUSED = 2,     /* a 4xx answer, or a decision rejected or deferred */
        FL_CTL_EXIT_UNREACHABLE = 3, /* no answer (connection, TLS, timeout), or a 5xx */
};

/* Long options every coordinator command takes. */
enum {
        FL_CTL_OPT_CONFIG = 0x100,
        FL_CTL_OPT_URL,
        FL_CTL_OPT_CA_FILE,
        FL_CTL_OPT_CERT_FILE,
        FL_CTL_OPT_KEY_FILE,
        FL_CTL_OPT_SIGNING_KEY_FILE,
        FL_CTL_OPT_KEY_ID,
        FL_CTL_OPT_TIMEOUT,
        FL_CTL_OPT_JSON,
        FL_CTL_OPT_HELP,
        FL_CTL_OPT_FIRST_OWN, /* commands number their own options from here */
};

#define FL_CTL_CONNECTION_OPTIONS                                             \
        {"config", required_argument, NULL, FL_CTL_OPT_CONFIG},               \
                {"url", required_argument, NULL, FL_CTL_OPT_URL},             \
                {"ca-file", required_argument, NULL, FL_CTL_OPT_CA_FILE},     \
                {"cert-file", required_argument, NULL, FL_CTL_OPT_CERT_FILE}, \
                {"key-file", required_argument, NULL, FL_CTL_OPT_KEY_FILE},   \
                {"timeout", required_argument, NULL, FL_CTL_OPT_TIMEOUT},     \
                {"json", no_argument, NULL, FL_CTL_OPT_JSON}, {               \
                "help", no_argument, NULL, FL_CTL_OPT_HELP                    \
        }
#define FL_CTL_SIGNING_OPTIONS                                                        \
        {"signing-key-file", required_argument, NULL, FL_CTL_OPT_SIGNING_KEY_FILE}, { \
                "key-id", required_argument, NULL, FL_CTL_OPT_KEY_ID                  \
        }

/* The same, for --help texts. */
#define FL_CTL_CONNECTION_HELP                                                            \
        "Connection (override faultlinectl.hcl):\n"                                       \
        "  --config FILE          faultlinectl.hcl (default $FAULTLINECTL_CONFIG, else\n" \
        "                         " FL_CTL_CONFIG_DEFAULT_PATH " when present)\n"         \
        "  --url URL              the coordinator (default " FL_CTL_DEFAULT_URL ")\n"     \
        "  --ca-file FILE         CA certificates for the coordinator's certificate\n"    \
        "  --cert-file FILE       client certificate (mTLS: your SPIFFE identity)\n"      \
        "  --key-file FILE        its private key\n"                                      \
        "  --timeout DURATION     for the whole request (default 30s)\n"                  \
        "  --json                 print the answer as JSON\n"
#define FL_CTL_SIGNING_HELP                                                                  \
        "  --signing-key-file FILE  Ed25519 private key (PKCS#8 PEM) of your operator_key\n" \
        "  --key-id ID            its keyid in the coordinator's coordinator.hcl\n"

/* What the command line said about the coordinator (NULL/0: not given). */
struct fl_ctl_flags {
        const char *config;
        const char *url;
        const char *ca_file;
        const char *cert_file;
        const char *key_file;
        const char *signing_key_file;
        const char *key_id;
        uint64_t timeout_usec;
        bool json;
        bool help;
};

/* Takes one of the shared options. Returns 1 when `opt` was one (stored),
 * 0 when it is not one of them, -EINVAL for a bad value (message in err). */
int fl_ctl_flags_take(struct fl_ctl_flags *f, int opt, const char *arg, char *err, size_t size);

/* The configuration to use: the file fl_ctl_config_pick() names (its
 * problems printed to `errors` as FILE:LINE:COL: message) with the flags
 * applied over it. `env` is $FAULTLINECTL_CONFIG. Returns 0, -EINVAL
 * (printed), -ENOMEM. */
int fl_ctl_config_resolve(
        const struct fl_ctl_flags *f, const char *env, FILE *errors, struct fl_ctl_config **ret);

/* --param KEY=VALUE into `params` (an object of strings). Returns 0, or
 * -EINVAL with a message: no '=', an empty or invalid key, a key given
 * twice. */
int fl_ctl_param_parse(const char *arg, json_t *params, char *err, size_t size);

/* The pause a command line names: --scope SCOPE (may be NULL: implied by
 * --workflow or --datacenter), --workflow W, --datacenter D, and for pause
 * an optional reason. Returns 0 and {"scope", "workflow"|"datacenter",
 * "reason"}, or -EINVAL with a message, -ENOMEM. */
int fl_ctl_pause_target(const char *scope, const char *workflow, const char *datacenter,
        const char *reason, json_t **ret, char *err, size_t size);

/* "maxExecution 1/1h per node" for a constraint object of the API. */
void fl_ctl_constraint_label(json_t *constraint, char *buf, size_t size);

/* Prints `value` indented as JSON with a newline. Returns 0 or -EIO. */
int fl_ctl_print_json(FILE *f, json_t *value);

/* Prints a table: `n_cols` headers, then rows of strings (NULL prints "-"),
 * columns padded to their widest cell, the last one unpadded, every line
 * after `indent`. */
void fl_ctl_print_table(FILE *f, const char *indent, const char *const *headers, size_t n_cols,
        const char *const *cells, size_t n_rows);

/* getopt_long's option string for every command: options anywhere, ':' to
 * tell a missing value from an unknown option. Set opterr = 0. */
#define FL_CTL_GETOPT ":"

/* For getopt_long's ':' and '?': "--node needs a value", "unknown option
 * --nod". Returns FL_CTL_EXIT_INVALID. */
int fl_ctl_getopt_error(const char *command, int c, char **argv);

/* Usage errors: "faultlinectl CMD: message" and a hint to --help; returns
 * FL_CTL_EXIT_INVALID. */
int fl_ctl_usage_error(const char *command, const char *fmt, ...) _printf_(2, 3);
