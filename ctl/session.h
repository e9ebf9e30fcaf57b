/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One command's conversation with the coordinator: the configuration
 * resolved from faultlinectl.hcl and the flags, the HTTPS client, and the
 * calls most commands make (a JSON request whose 2xx answer they print).
 * These helpers print their own errors and return exit statuses
 * (common.h), because that is what a command hands back to main().
 */
#pragma once

#include <jansson.h>

#include "client.h"
#include "common.h"

struct fl_ctl_session {
        struct fl_ctl_config *config;
        struct fl_ctl_client *client;
};

/* Resolves the configuration and opens the client. Returns FL_CTL_EXIT_OK,
 * or the exit status after printing why. */
int fl_ctl_session_open(const struct fl_ctl_flags *flags, struct fl_ctl_session *ret);

void fl_ctl_session_close(struct fl_ctl_session *s);

/* METHOD path with `body` (may be NULL). Returns FL_CTL_EXIT_OK with the
 * answer when it is 2xx and JSON; otherwise prints why (unreachable, a
 * refusal, a failure, an answer that is not JSON) and returns the exit
 * status, *ret untouched. */
int fl_ctl_session_call(struct fl_ctl_session *s, const char *method, const char *path,
        json_t *body, struct fl_ctl_answer *ret);

/* `path` with a query string of the `n` name/value pairs (NULL values
 * skipped), each value percent-encoded. Returns a new string or NULL (out
 * of memory). */
char *fl_ctl_path_with_query(
        const char *path, const char *const *names, const char *const *values, size_t n);
