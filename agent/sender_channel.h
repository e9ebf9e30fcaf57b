/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One end of the agent <-> faultline-agent-sender socket: a SOCK_SEQPACKET
 * socketpair carrying one JSON object per packet (the messages themselves
 * are agent/sender_protocol.h), driven by an sd-event loop.
 *
 * Packets keep message boundaries, so there is no framing to get wrong; a
 * packet larger than FL_SENDER_MESSAGE_MAX is refused (the receiver sees its
 * real size through MSG_TRUNC and closes the channel with -EMSGSIZE).
 * Sending never blocks: when the peer's queue is full (net.unix.
 * max_dgram_qlen packets, 10 by default), packets wait in a bounded queue
 * and go out when the socket is writable again.
 */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "macro.h"

/* A trigger body, before JSON escaping. */
#define FL_SENDER_BODY_MAX    (64u * 1024)
/* A packet: the worst JSON escaping of a 64 KiB body ("\u0001" per byte)
 * plus the envelope. Also covers an answer body of FL_HTTP_BODY_MAX. */
#define FL_SENDER_MESSAGE_MAX (6u * FL_SENDER_BODY_MAX + 4096u)
/* Packets waiting for the peer to read. Each side has at most
 * max_connections (<= 256) requests or results outstanding. */
#define FL_SENDER_QUEUE_MAX   1024u

struct fl_channel;

struct fl_channel_ops {
        /* A message: a JSON object whose "type" is a string (borrowed for
         * the call). */
        void (*message)(void *userdata, const char *type, json_t *message);
        /* The channel stopped reading: `error` 0 when the peer closed it,
         * -EMSGSIZE (a packet over the cap), -EBADMSG (not a JSON object
         * with a "type"), another -errno from the socket; `what` says it in
         * words. Called once; no message follows. */
        void (*closed)(void *userdata, int error, const char *what);
};

/* A SOCK_SEQPACKET socketpair, both ends close-on-exec, with send buffers
 * large enough for FL_SENDER_MESSAGE_MAX. Returns 0 or -errno. */
int fl_channel_socketpair(int ret_fds[2]);

/* Takes `fd` (closed on failure too) and watches it on `event`. Callbacks
 * must not free the channel. Returns 0, -ENOMEM or sd-event's error. */
int fl_channel_new(sd_event *event, int fd, const struct fl_channel_ops *ops, void *userdata,
        struct fl_channel **ret);
/* Closes the socket (the peer sees end of file); packets still queued are
 * dropped. Accepts NULL, returns NULL. */
struct fl_channel *fl_channel_free(struct fl_channel *ch);
FL_DEFINE_CLEANUP(struct fl_channel *, fl_channel_free);

/* Sends `message` (a JSON object; borrowed). Returns 0 (sent or queued),
 * -EMSGSIZE when its encoding exceeds FL_SENDER_MESSAGE_MAX, -ENOBUFS with
 * FL_SENDER_QUEUE_MAX packets queued, -EPIPE when the peer is gone, -ENOMEM.
 * Sending works after the channel stopped reading (last words); packets
 * queued then go out only through fl_channel_wait(). */
int fl_channel_send(struct fl_channel *ch, json_t *message);

/* Reads and dispatches every packet already received, without waiting
 * (e.g. the last words of a peer that has exited). */
void fl_channel_drain(struct fl_channel *ch);

/* Blocks up to `timeout_usec` (CLOCK_MONOTONIC): first until the queue is
 * sent, then, when `want_message`, until one message arrived and was
 * dispatched or the channel closed. For a start-up handshake before the
 * loop runs and for the last words before an exit. Returns 0, -ETIMEDOUT,
 * -EPIPE (the peer is gone, or no message can come), or a socket's -errno. */
int fl_channel_wait(struct fl_channel *ch, uint64_t timeout_usec, bool want_message);

/* Whether the channel still reads (closed() not called yet). */
bool fl_channel_is_open(const struct fl_channel *ch);
size_t fl_channel_queued(const struct fl_channel *ch);
