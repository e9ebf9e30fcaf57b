/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The coordinator's HTTPS front: libevent's evhttp over OpenSSL
 * bufferevents, on the daemon's one event_base.
 *
 * Per request, in this order:
 *   1. the caller's identity: the SPIFFE ID of the verified client
 *      certificate (read once per connection and kept with it);
 *   2. the ACL (acl.h): a request no matching rule allows gets 403;
 *   3. the route table: an unknown path gets 404, a known path with another
 *      method 405 (with Allow);
 *   4. the route's handler, which answers now or later (decisions wait for
 *      Temporal): every request is answered exactly once, through
 *      fl_request_reply*(), which also frees it.
 *
 * Bad and slow clients: the request head is capped (32 KiB), the body by
 * body_limit (413, sent by libevent itself with Connection: close: see
 * docs/coordinator.md); a request must arrive whole within header_timeout
 * of its first byte (or of the connection's opening); a keep-alive
 * connection idle for idle_timeout is closed; beyond max_connections the
 * listeners stop accepting until a connection closes (new clients wait in
 * the kernel's backlog rather than being reset).
 */
#pragma once

#include <event2/event.h>
#include <jansson.h>
#include <openssl/ssl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "macro.h"

struct fl_server;
struct fl_request;
struct evhttp_request;

typedef void (*fl_route_fn)(struct fl_request *r, void *userdata);

struct fl_route {
        const char *path; /* exact */
        unsigned methods; /* FL_METHOD_* */
        const char *name; /* for metrics and logs: "triggers" */
        fl_route_fn handler;
};

/* Called once per answered request (for metrics and the access log).
 * `route` is the route's name, "acl" for ACL denials, "none" for 404/405. */
typedef void (*fl_request_done_fn)(const struct fl_request *r, const char *route, int status,
        uint64_t duration_usec, void *userdata);

struct fl_server_options {
        const struct fl_coordinator_config *config; /* borrowed; outlives the server */
        const struct fl_route *routes;              /* terminated by { NULL } */
        void *userdata;                             /* for handlers and callbacks */
        fl_request_done_fn done;
};

/* Loads the TLS context and binds every listen address. Returns 0, or
 * -errno with an explanation in `err` (TLS file problems, bind failures). */
int fl_server_new(struct event_base *base, const struct fl_server_options *options,
        struct fl_server **ret, char *err, size_t err_size);

/* Closes the listeners (no new connections); open ones stay. */
void fl_server_stop_listening(struct fl_server *s);

/* Frees the server and every connection. Requests still unanswered are
 * dropped with their connection: answer them first. NULL-safe; returns NULL. */
struct fl_server *fl_server_free(struct fl_server *s);
FL_DEFINE_CLEANUP(struct fl_server *, fl_server_free);

/* The addresses actually bound ("127.0.0.1:41234"), for logs and tests. */
size_t fl_server_n_bound(const struct fl_server *s);
const char *fl_server_bound(const struct fl_server *s, size_t i);

struct fl_server_stats {
        uint64_t connections;        /* open now */
        uint64_t connections_total;  /* accepted since start */
        uint64_t requests_in_flight; /* handlers not answered yet */
        uint64_t timeouts;           /* connections closed for header/idle timeouts */
        bool accepting;              /* false while at max_connections */
};
void fl_server_get_stats(const struct fl_server *s, struct fl_server_stats *ret);

/* ---- one request ---------------------------------------------------------- */

struct fl_request {
        struct evhttp_request *req;
        struct fl_server *server;
        unsigned method;              /* one FL_METHOD_* bit */
        char *path;                   /* as received, no query */
        char *query;                  /* after '?', or NULL */
        char *identity;               /* caller's SPIFFE ID, or NULL */
        const char *identity_problem; /* why a presented certificate has none (static) */
        char *peer;                   /* "address:port" */
        const struct fl_route *route;
        uint64_t start_usec;    /* CLOCK_MONOTONIC */
        bool skip_log;          /* the ACL says: no access log line */
        const char *log_detail; /* optional, static: e.g. the refusal code, for the access log */
};

/* The request body (not NUL-terminated; may be empty). Valid until the
 * reply. */
const void *fl_request_body(struct fl_request *r, size_t *ret_size);

/* The value of a header (case-insensitive name), or NULL. */
const char *fl_request_header(struct fl_request *r, const char *name);

/* Calls fn for every header line in order (name, value). */
void fl_request_headers(struct fl_request *r,
        void (*fn)(const char *name, const char *value, void *userdata), void *userdata);

/* Answers with `body` (stolen, may be NULL for no body) as
 * application/json, plus one optional extra header (name NULL for none),
 * then frees `r`. */
void fl_request_reply_json(struct fl_request *r, int status, json_t *body, const char *header_name,
        const char *header_value);

/* {"error": code, "message": formatted} */
void fl_request_reply_error(
        struct fl_request *r, int status, const char *code, const char *fmt, ...) _printf_(4, 5);

/* Answers with a text body (e.g. Prometheus metrics) and frees `r`. */
void fl_request_reply_text(
        struct fl_request *r, int status, const char *content_type, const char *text, size_t len);

/* "GET", "POST"...; "?" for anything else. */
const char *fl_method_to_string(unsigned method);
