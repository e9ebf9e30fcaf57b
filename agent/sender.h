/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The agent's side of faultline-agent-sender: signed POST /v1/triggers
 * requests made by a short-lived helper process, with the same shape as
 * fl_http_client (post with a done callback, stats), so that the agent
 * itself never maps libcrypto, libssl or libcurl (docs/delivery.md, "The
 * sender process").
 *
 *   fl_sender_start()  spawn, hello, wait (bounded) for ready or error:
 *                      a bad signing key or TLS file fails the agent's start
 *   fl_sender_post()   body -> the sender (spawned again if it is not
 *                      running) -> signed there at send time -> result
 *   idle_release       with nothing in flight for that long, the agent
 *                      closes its end; the sender exits on end of file and
 *                      is reaped through the loop (pidfd child source)
 *
 * The child gets PR_SET_PDEATHSIG(SIGKILL), its end of the socket as fd 3
 * and no other descriptor of ours. When it exits or crashes with requests
 * in flight, each gets a FL_HTTP_TRANSFER result ("sender exited: ...");
 * after FL_SENDER_CRASHES_MAX abnormal exits within FL_SENDER_CRASH_WINDOW_USEC
 * it is not started again until the oldest leaves the window.
 *
 * The process using this must block SIGCHLD (sd-event reaps children
 * through a pidfd but insists on it).
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "http_result.h"
#include "macro.h"
#include "sender_protocol.h"

#define FL_SENDER_NAME              "faultline-agent-sender"
#define FL_SENDER_START_USEC        (5 * UINT64_C(1000000))
#define FL_SENDER_CRASHES_MAX       5
#define FL_SENDER_CRASH_WINDOW_USEC (60 * UINT64_C(1000000))

struct fl_sender;

struct fl_sender_options {
        struct fl_sender_hello hello; /* what the sender needs (strings copied) */
        uint64_t idle_release_usec;   /* close the sender after this long idle; 0: never */
        uint64_t start_usec;          /* fl_sender_start()'s bound; 0: FL_SENDER_START_USEC */
        /* The executable; NULL: FL_SENDER_NAME next to /proc/self/exe (the
         * build tree), else in the libexec directory relative to it
         * (BINDIR/../libexec/faultline), else the compiled-in one. */
        const char *path;
};

struct fl_sender_stats {
        uint64_t requests;    /* posts handed to a sender */
        uint64_t answers;     /* results with an HTTP answer */
        uint64_t failures;    /* results without one (sender exits included) */
        uint64_t connections; /* new connections the sender opened */
        uint64_t spawns;      /* sender processes started */
        uint64_t exits;       /* ... and reaped */
        uint64_t crashes;     /* of those, abnormal (a signal, a status other than 0) */
        unsigned running;     /* sender processes alive (1, briefly 2 while one exits) */
        unsigned active;      /* requests in progress */
};

/* Copies the options; starts nothing. Returns 0, -ENOMEM, or -ENOENT when
 * no executable is found. */
int fl_sender_new(sd_event *event, const struct fl_sender_options *o, struct fl_sender **ret);

/* Closes the sender's socket, waits up to a second for it to exit (then
 * SIGKILL) and reaps it. Requests in progress are dropped without their
 * callbacks. Accepts NULL, returns NULL. */
struct fl_sender *fl_sender_free(struct fl_sender *s);
FL_DEFINE_CLEANUP(struct fl_sender *, fl_sender_free);

/* Starts the sender and waits, blocking up to start_usec, for its answer
 * to hello. Returns 0 when it is ready; the sender's error (-ENOENT,
 * -EACCES, -EBADMSG, -EKEYREJECTED...) with *ret_error set to its message
 * (owned by the caller); -ETIMEDOUT; fork/exec errors. */
int fl_sender_start(struct fl_sender *s, char **ret_error);

/* Sends `body` (copied) to be signed and POSTed; `done` is called exactly
 * once from the loop, never from inside this call, unless the sender is
 * freed first. Returns 0, or -errno when nothing was started: -EMSGSIZE
 * (over FL_SENDER_BODY_MAX), -EBUSY (max_connections in progress), -EAGAIN
 * (too many crashes lately), spawn errors (-ENOENT...), -ENOMEM.
 * `ret_error` (may be NULL) then points to a message valid until the next
 * call. */
int fl_sender_post(struct fl_sender *s, const char *body, size_t size, fl_http_done_fn done,
        void *userdata, const char **ret_error);

/* BASE/v1/triggers as the sender reported it, or NULL before it was ready
 * once. */
const char *fl_sender_url(const struct fl_sender *s);
/* The pid of the running sender, or 0 (tests, diagnostics). */
int fl_sender_pid(const struct fl_sender *s);
void fl_sender_get_stats(const struct fl_sender *s, struct fl_sender_stats *ret);
