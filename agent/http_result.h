/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The outcome of one HTTP request, shared by the two ends of delivery: the
 * curl client that makes the request (agent/http_client.h, in
 * faultline-agent-sender) and the agent that gets it back over the sender's
 * socket (agent/sender.h). Kept apart from http_client.h so that the agent
 * links none of the client.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Caps on what the peer controls. */
#define FL_HTTP_BODY_MAX        (64u * 1024) /* an answer's body */
#define FL_HTTP_HEADER_LINE_MAX 1024u        /* a Retry-After line worth reading */

/* Why a transfer got no answer. */
enum fl_http_failure {
        FL_HTTP_OK = 0,     /* an HTTP answer came back (any status) */
        FL_HTTP_CONNECT,    /* resolve or connect failed */
        FL_HTTP_TIMEOUT,    /* timeout_usec passed */
        FL_HTTP_TLS,        /* handshake failed, or the peer was not trusted */
        FL_HTTP_TLS_CONFIG, /* our own CA, certificate or key file is unusable */
        FL_HTTP_TOO_LARGE,  /* the answer's body exceeded FL_HTTP_BODY_MAX */
        FL_HTTP_TRANSFER,   /* the connection broke during the exchange, or else */
        _FL_HTTP_FAILURE_MAX,
};

/* A finished transfer, valid during the done callback only. */
struct fl_http_result {
        enum fl_http_failure failure;
        int status;       /* the HTTP status; 0 when failure != FL_HTTP_OK */
        const char *body; /* NUL-terminated; "" when none */
        size_t body_size;
        const char *retry_after; /* the Retry-After value, or NULL */
        const char *error;       /* the explanation when failure != FL_HTTP_OK */
        bool new_connection;     /* false: a kept-alive connection was reused */
        uint64_t elapsed_usec;
};

/* Called exactly once per request, from the loop (never from inside the
 * call that started the request), unless the client is freed first. It may
 * start new requests; it must not free the client. */
typedef void (*fl_http_done_fn)(const struct fl_http_result *result, void *userdata);

/* "connect", "timeout", "tls", "tls_config", "too_large", "transfer"; "ok". */
const char *fl_http_failure_to_string(enum fl_http_failure f);
/* The inverse; -EINVAL for an unknown name. */
int fl_http_failure_from_string(const char *s, enum fl_http_failure *ret);
