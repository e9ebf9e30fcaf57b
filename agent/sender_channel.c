/* SPDX-License-Identifier: Apache-2.0 */
#include "sender_channel.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>

#define USEC_PER_SEC  UINT64_C(1000000)
#define USEC_PER_MSEC UINT64_C(1000)

struct packet {
        char *data;
        size_t size;
        struct packet *next;
};

struct fl_channel {
        int fd;
        sd_event_source *io;
        const struct fl_channel_ops *ops;
        void *userdata;
        char *buf; /* FL_SENDER_MESSAGE_MAX + 1, allocated on first read */
        struct packet *head, *tail;
        size_t queued;
        bool open;
        bool got_message; /* for fl_channel_wait() */
};

int fl_channel_socketpair(int ret_fds[2]) {
        /* Doubled by the kernel, clamped by net.core.wmem_max first: at
         * least 2 * 212992 bytes even with the default maximum. */
        int size = (int) FL_SENDER_MESSAGE_MAX;
        int fds[2];

        if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, fds) < 0)
                return negative_errno();
        for (int i = 0; i < 2; i++)
                (void) setsockopt(fds[i], SOL_SOCKET, SO_SNDBUF, &size, sizeof(size));
        ret_fds[0] = fds[0];
        ret_fds[1] = fds[1];
        return 0;
}

static void close_channel(struct fl_channel *ch, int error, const char *what) {
        if (!ch->open)
                return;
        ch->open = false;
        (void) sd_event_source_set_enabled(ch->io, SD_EVENT_OFF);
        if (ch->ops->closed)
                ch->ops->closed(ch->userdata, error, what);
}

static void update_events(struct fl_channel *ch) {
        if (ch->open)
                (void) sd_event_source_set_io_events(
                        ch->io, EPOLLIN | (ch->head ? (uint32_t) EPOLLOUT : 0));
}

/* Sends queued packets until the socket pushes back. Returns 0, or -errno
 * when the peer is gone. */
static int flush_queue(struct fl_channel *ch) {
        while (ch->head) {
                struct packet *p = ch->head;
                ssize_t n = send(ch->fd, p->data, p->size, MSG_DONTWAIT | MSG_NOSIGNAL);

                if (n < 0) {
                        if (errno == EAGAIN || errno == EINTR)
                                break;
                        return negative_errno();
                }
                ch->head = p->next;
                if (!ch->head)
                        ch->tail = NULL;
                ch->queued--;
                free(p->data);
                free(p);
        }
        update_events(ch);
        return 0;
}

int fl_channel_send(struct fl_channel *ch, json_t *message) {
        _cleanup_free_ char *data = NULL;
        struct packet *p;
        size_t size;
        int r;

        data = json_dumps(message, JSON_COMPACT);
        if (!data)
                return -ENOMEM;
        size = strlen(data);
        if (size > FL_SENDER_MESSAGE_MAX)
                return -EMSGSIZE;
        if (ch->queued >= FL_SENDER_QUEUE_MAX)
                return -ENOBUFS;
        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        p->data = TAKE_PTR(data);
        p->size = size;
        if (ch->tail)
                ch->tail->next = p;
        else
                ch->head = p;
        ch->tail = p;
        ch->queued++;
        r = flush_queue(ch);
        if (r < 0)
                return r == -ECONNRESET ? -EPIPE : r;
        return 0;
}

/* Reads one packet. Returns 1 (dispatched), 0 (nothing waiting), or the
 * channel was closed (< 0). */
static int read_one(struct fl_channel *ch) {
        json_auto_t *m = NULL;
        const char *type;
        char what[128];
        ssize_t n;

        if (!ch->buf) {
                ch->buf = malloc(FL_SENDER_MESSAGE_MAX + 1);
                if (!ch->buf) {
                        close_channel(ch, -ENOMEM, "out of memory");
                        return -ENOMEM;
                }
        }
        /* MSG_TRUNC: the packet's real size, even when it does not fit. */
        n = recv(ch->fd, ch->buf, FL_SENDER_MESSAGE_MAX + 1, MSG_DONTWAIT | MSG_TRUNC);
        if (n < 0) {
                if (errno == EAGAIN || errno == EINTR)
                        return 0;
                snprintf(what, sizeof(what), "cannot read the socket: %s", strerror(errno));
                close_channel(ch, -errno, what);
                return -EPIPE;
        }
        if (n == 0) {
                /* SOCK_SEQPACKET: an empty read is the peer's close (we
                 * never send empty packets). */
                close_channel(ch, 0, "end of file");
                return -EPIPE;
        }
        if ((size_t) n > FL_SENDER_MESSAGE_MAX) {
                snprintf(what, sizeof(what), "a message of %zd bytes, more than the %u allowed", n,
                        FL_SENDER_MESSAGE_MAX);
                close_channel(ch, -EMSGSIZE, what);
                return -EMSGSIZE;
        }
        m = json_loadb(ch->buf, (size_t) n, JSON_REJECT_DUPLICATES, NULL);
        type = json_string_value(json_object_get(m, "type"));
        if (!json_is_object(m) || !type) {
                close_channel(ch, -EBADMSG, "a message that is not a JSON object with a \"type\"");
                return -EBADMSG;
        }
        ch->got_message = true;
        ch->ops->message(ch->userdata, type, m);
        return ch->open ? 1 : -EPIPE;
}

void fl_channel_drain(struct fl_channel *ch) {
        while (ch->open && read_one(ch) > 0)
                ;
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        struct fl_channel *ch = userdata;
        char what[128];
        int r;

        if (revents & EPOLLOUT) {
                r = flush_queue(ch);
                if (r < 0 && r != -EPIPE && r != -ECONNRESET) {
                        snprintf(what, sizeof(what), "cannot write the socket: %s", strerror(-r));
                        close_channel(ch, r, what);
                        return 0;
                }
        }
        /* Read what is there even after a hang-up: the peer's last words. */
        if (revents & (EPOLLIN | EPOLLHUP | EPOLLERR))
                fl_channel_drain(ch);
        if (ch->open && (revents & EPOLLHUP) && !(revents & EPOLLIN))
                close_channel(ch, 0, "end of file");
        return 0;
}

int fl_channel_new(sd_event *event, int fd, const struct fl_channel_ops *ops, void *userdata,
        struct fl_channel **ret) {
        struct fl_channel *ch = calloc(1, sizeof(*ch));
        int r;

        if (!ch) {
                close(fd);
                return -ENOMEM;
        }
        ch->fd = fd;
        ch->ops = ops;
        ch->userdata = userdata;
        r = sd_event_add_io(event, &ch->io, fd, EPOLLIN, on_io, ch);
        if (r < 0) {
                fl_channel_free(ch);
                return r;
        }
        (void) sd_event_source_set_description(ch->io, "sender-socket");
        ch->open = true;
        *ret = ch;
        return 0;
}

struct fl_channel *fl_channel_free(struct fl_channel *ch) {
        if (!ch)
                return NULL;
        sd_event_source_disable_unref(ch->io);
        if (ch->fd >= 0)
                close(ch->fd);
        while (ch->head) {
                struct packet *p = ch->head;
                ch->head = p->next;
                free(p->data);
                free(p);
        }
        free(ch->buf);
        free(ch);
        return NULL;
}

static uint64_t now_monotonic(void) {
        struct timespec ts;

        (void) clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000;
}

int fl_channel_wait(struct fl_channel *ch, uint64_t timeout_usec, bool want_message) {
        uint64_t deadline = now_monotonic() + timeout_usec;

        ch->got_message = false;
        for (;;) {
                struct pollfd pfd = {.fd = ch->fd};
                uint64_t now;
                int r;

                if (!ch->open && want_message)
                        return -EPIPE;
                r = flush_queue(ch);
                if (r < 0)
                        return r == -ECONNRESET ? -EPIPE : r;
                if (!ch->head && !want_message)
                        return 0;
                if (!ch->head) {
                        fl_channel_drain(ch);
                        if (ch->got_message)
                                return 0;
                        if (!ch->open)
                                return -EPIPE;
                }
                now = now_monotonic();
                if (now >= deadline)
                        return -ETIMEDOUT;
                pfd.events = (short) (ch->head ? POLLOUT : POLLIN);
                r = poll(&pfd, 1, (int) ((deadline - now + USEC_PER_MSEC - 1) / USEC_PER_MSEC));
                if (r < 0 && errno != EINTR)
                        return negative_errno();
                if (!ch->head && (pfd.revents & POLLHUP) && !(pfd.revents & POLLIN)) {
                        close_channel(ch, 0, "end of file");
                        return -EPIPE;
                }
        }
}

bool fl_channel_is_open(const struct fl_channel *ch) {
        return ch && ch->open;
}

size_t fl_channel_queued(const struct fl_channel *ch) {
        return ch ? ch->queued : 0;
}
