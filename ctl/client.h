/* SPDX-License-Identifier: Apache-2.0 */
/*
 * faultlinectl's side of the coordinator's REST API: one libcurl easy
 * handle, HTTPS only, TLS 1.2 or newer, the server verified against
 * ca_file (or the system store), a client certificate for mTLS when one is
 * configured. One request at a time, blocking: this is a command-line tool.
 *
 * Answers are read whole (at most 16 MiB) and decoded as JSON when they are
 * JSON. What an answer means for the exit status is the caller's call, with
 * fl_ctl_answer_fail() for the usual case.
 */
#pragma once

#include <jansson.h>
#include <stddef.h>

#include "ctl_config.h"
#include "macro.h"

#define FL_CTL_ANSWER_MAX (16u * 1024u * 1024u)

struct fl_ctl_client;

/* Checks that the configured files can be read and sets up the handle.
 * Returns 0, -EINVAL with a message (a file that cannot be read, a URL
 * curl refuses), -ENOMEM. */
int fl_ctl_client_new(
        const struct fl_ctl_config *config, struct fl_ctl_client **ret, char *err, size_t err_size);

struct fl_ctl_client *fl_ctl_client_free(struct fl_ctl_client *c);
FL_DEFINE_CLEANUP(struct fl_ctl_client *, fl_ctl_client_free);

/* BASE/v1/... for a path: what a signature must cover. Valid as long as the
 * client. */
const char *fl_ctl_client_base_url(const struct fl_ctl_client *c);

struct fl_ctl_answer {
        long status;       /* the HTTP status */
        char *body;        /* NUL-terminated */
        size_t size;       /* of body */
        json_t *json;      /* the body decoded, when it is JSON; else NULL */
        char *retry_after; /* the Retry-After header, or NULL */
};

/* Frees what an answer holds and zeroes it. */
void fl_ctl_answer_done(struct fl_ctl_answer *a);

/* METHOD BASE+path (path starts with '/', may carry a query) with an
 * optional body (sent as application/json unless `headers` says otherwise)
 * and extra header lines ("Name: value", NULL-terminated, may be NULL).
 * Returns 0 and an answer, whatever its status; -EHOSTUNREACH when no
 * answer came (connection, TLS handshake, timeout), -EINVAL when this side's
 * TLS material cannot be used, -EFBIG for an answer over FL_CTL_ANSWER_MAX,
 * -ENOMEM: with a message in err. */
int fl_ctl_request(struct fl_ctl_client *c, const char *method, const char *path,
        const char *const *headers, const char *body, size_t size, struct fl_ctl_answer *ret,
        char *err, size_t err_size);

/* Prints why a request failed ("faultlinectl: cannot reach the coordinator
 * at URL: ...") and returns the exit status for the error of
 * fl_ctl_request(). */
int fl_ctl_request_fail(const struct fl_ctl_client *c, int error, const char *message);

/* Prints an answer that is not what the command wanted: "faultlinectl: the
 * coordinator refused (403 forbidden): MESSAGE" for a 4xx (exit status 2),
 * "faultlinectl: the coordinator failed (503 temporal_unavailable): ..."
 * otherwise (3). Returns that exit status. */
int fl_ctl_answer_fail(const struct fl_ctl_answer *a);
