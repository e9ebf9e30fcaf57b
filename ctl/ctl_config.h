/* SPDX-License-Identifier: Apache-2.0 */
/*
 * faultlinectl.hcl: where the coordinator is and how to prove who you are,
 * for the commands that talk to it. The same `coordinator` block as in
 * agent.hcl, so one habit serves both:
 *
 *   coordinator {
 *     url              = "https://coordinator.example:7443"
 *     ca_file          = "/etc/faultline/tls/ca.pem"        # trust anchors for the server
 *     cert_file        = "/home/alice/.faultline/alice.pem" # mTLS client certificate
 *     key_file         = "/home/alice/.faultline/alice.key"
 *     signing_key_file = "/home/alice/.faultline/alice.ed25519"  # trigger, explain
 *     key_id           = "alice"                            # its operator_key
 *     timeout          = "30s"
 *   }
 *
 * Where it is read from: --config FILE, else $FAULTLINECTL_CONFIG, else
 * /etc/faultline/faultlinectl.hcl when that exists (the first two must
 * exist). Command-line flags override the file. Relative file names are
 * relative to the config file's directory. Unknown keys are errors.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "diag.h"
#include "macro.h"

#define FL_CTL_CONFIG_DEFAULT_PATH "/etc/faultline/faultlinectl.hcl"
#define FL_CTL_CONFIG_ENV          "FAULTLINECTL_CONFIG"
#define FL_CTL_DEFAULT_URL         "https://127.0.0.1:7443"
#define FL_CTL_DEFAULT_TIMEOUT_SEC 30

struct fl_ctl_config {
        char *path; /* the file read, or NULL when none was */
        char *url;  /* https://host:port[/prefix]; default FL_CTL_DEFAULT_URL */
        char *ca_file;
        char *cert_file;
        char *key_file;
        char *signing_key_file;
        char *key_id;
        uint64_t timeout_usec; /* whole request; default 30 s */
};

/* Decodes `path` (every problem appended to `diags`, FILE:LINE:COL).
 * Returns 0 and a new config, -EINVAL (problems in diags; an unreadable
 * file at 1:1), -ENOMEM. */
int fl_ctl_config_load(const char *path, struct fl_diags *diags, struct fl_ctl_config **ret);

/* The defaults alone. Returns 0 or -ENOMEM. */
int fl_ctl_config_default(struct fl_ctl_config **ret);

struct fl_ctl_config *fl_ctl_config_free(struct fl_ctl_config *c);
FL_DEFINE_CLEANUP(struct fl_ctl_config *, fl_ctl_config_free);

/* Which file to read: `explicit_path` (--config), else the environment's
 * `env_value`, else the default when it exists. *ret_required says whether
 * its absence is an error. Returns the path (borrowed or static), or NULL
 * when there is none to read. */
const char *fl_ctl_config_pick(const char *explicit_path, const char *env_value,
        const char *default_path, bool *ret_required);
