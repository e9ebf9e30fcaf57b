/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A small HTTP/1.1 server (libevent, optionally TLS with required client
 * certificates) in a child process, for tests of the agent's HTTP client and
 * delivery. It is scripted through files in its directory, so a test can
 * change its answers while it runs:
 *
 *   DIR/answer          what to answer (re-read for every request):
 *                         line 1: the status, e.g. "503"
 *                         then header lines ("Retry-After: 2") up to an
 *                         empty line, then the body
 *                       absent: 200 {"ok":true}
 *   DIR/requests.jsonl  one line per request received:
 *                       {"connection":N,"method":"POST","path":"/v1/triggers",
 *                        "headers":{"Content-Type":"...",...},"body":"...",
 *                        "at_usec":CLOCK_MONOTONIC}
 *                       (N counts the connections accepted, from 1)
 *
 * Fixed paths: /slow never answers, /big answers 200 with 100 KiB,
 * /close answers 200 and closes the connection.
 */
#pragma once

#include <stdbool.h>
#include <sys/types.h>

struct fl_http_test_server {
        pid_t pid;
        int port;
        char *dir;    /* the script directory (the caller's) */
        char url[64]; /* http(s)://127.0.0.1:PORT */
};

/* Starts the server on a free port of 127.0.0.1. With `pki` (a directory
 * made by tests/tools/mkcerts.sh) it speaks TLS with server.pem and
 * requires a client certificate issued by ca.pem. Aborts the test on
 * failure. */
void fl_http_test_server_start(struct fl_http_test_server *s, const char *dir, const char *pki);
/* The same on a given port (0: any), e.g. to come back where a stopped one was. */
void fl_http_test_server_start_on(
        struct fl_http_test_server *s, const char *dir, const char *pki, int port);

/* SIGKILLs and reaps the server (the port is free again at return). */
void fl_http_test_server_stop(struct fl_http_test_server *s);

/* Sets DIR/answer atomically (status, optional header lines joined by
 * "\n", body). */
void fl_http_test_server_answer(
        const struct fl_http_test_server *s, int status, const char *headers, const char *body);

/* Lines of DIR/requests.jsonl so far. */
size_t fl_http_test_server_requests(const struct fl_http_test_server *s);
