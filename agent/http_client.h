/* SPDX-License-Identifier: Apache-2.0 */
/*
 * HTTP(S) POSTs on the agent's sd-event loop: libcurl's multi interface,
 * driven by the loop instead of by a thread or a blocking call.
 *
 *   curl wants a socket watched  --CURLMOPT_SOCKETFUNCTION-->  sd_event_add_io
 *   curl wants a timeout         --CURLMOPT_TIMERFUNCTION-->   one CLOCK_BOOTTIME
 *                                                              timer, re-armed
 *   the socket is ready / the timer fires  -->  curl_multi_socket_action()
 *                                          -->  finished transfers: done callback
 *
 * One multi handle for the client's lifetime holds the connection cache,
 * so requests reuse kept-alive HTTP/1.1 connections (and their TLS
 * sessions); easy handles are pooled. Nothing here blocks: name resolution
 * of an IP literal or "localhost" is done by curl inline, any other name by
 * curl's resolver (a short-lived thread per lookup in Debian's build).
 *
 * libcurl itself is loaded on the first request (agent/curl_api.h) and, when
 * idle_release_usec is set, unloaded again after that long without a
 * transfer, so an agent with nothing to send does not carry it.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "http_result.h"
#include "macro.h"

struct fl_http_client;

struct fl_http_client_options {
        const char *ca_file;   /* trust anchors; NULL: the system's */
        const char *cert_file; /* client certificate (mutual TLS); NULL: none */
        const char *key_file;
        uint64_t timeout_usec;      /* a whole transfer, connect included; 0: 10 s */
        unsigned max_connections;   /* kept-alive connections (and parallel transfers) */
        uint64_t idle_release_usec; /* unload libcurl after this long idle; 0: never */
        const char *library;        /* NULL: FL_CURL_LIBRARY (tests name another) */
};

struct fl_http_client_stats {
        uint64_t requests;        /* started */
        uint64_t answers;         /* got an HTTP answer */
        uint64_t failures;        /* got none */
        uint64_t connections;     /* new connections opened */
        uint64_t loads, releases; /* times libcurl was loaded and unloaded */
        bool loaded;
        unsigned active; /* transfers in progress */
};

/* Copies the options' strings. libcurl is not loaded yet. Returns 0 or
 * -ENOMEM. */
int fl_http_client_new(
        sd_event *event, const struct fl_http_client_options *o, struct fl_http_client **ret);

/* Transfers in progress are dropped without their callbacks; connections
 * closed; libcurl unloaded. Accepts NULL, returns NULL. */
struct fl_http_client *fl_http_client_free(struct fl_http_client *c);
FL_DEFINE_CLEANUP(struct fl_http_client *, fl_http_client_free);

/* Starts POST `url` with `body` and the header lines `headers` ("Name:
 * value", NULL-terminated; both copied). Returns 0, or -errno when nothing
 * was started: -ELIBACC/-ELIBBAD when libcurl cannot be loaded (with
 * `ret_error`, which may be NULL, set to a message valid until the next
 * call), -EBUSY at max_connections transfers, -ENOMEM, -EIO. */
int fl_http_client_post(struct fl_http_client *c, const char *url, const char *const *headers,
        const char *body, size_t size, fl_http_done_fn done, void *userdata,
        const char **ret_error);

void fl_http_client_get_stats(const struct fl_http_client *c, struct fl_http_client_stats *ret);
