/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The transport half of the Temporal client: libcurl's multi interface on the
 * caller's libevent loop, retries, the circuit breaker and the callbacks. What
 * goes on the wire is temporal_wire.c.
 *
 * curl tells us which sockets to watch (CURLMOPT_SOCKETFUNCTION) and when to
 * call it back (CURLMOPT_TIMERFUNCTION); each socket gets one persistent
 * libevent event and the client one timer. After every curl_multi_socket_action
 * the finished transfers are collected and either retried (a libevent timer per
 * request holds the backoff) or delivered to their callback.
 */
#include "temporal.h"

#include "macro.h"
#include "temporal_wire.h"

#include <curl/curl.h>
#include <errno.h>
#include <limits.h>
#include <openssl/rand.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define USEC_PER_MSEC 1000ULL
#define USEC_PER_SEC  1000000ULL

#define DEFAULT_CONNECT_TIMEOUT_USEC  (1 * USEC_PER_SEC)
#define DEFAULT_ATTEMPT_TIMEOUT_USEC  (5 * USEC_PER_SEC)
#define DEFAULT_DEADLINE_USEC         (10 * USEC_PER_SEC)
#define DEFAULT_MAX_ATTEMPTS          5
#define DEFAULT_BACKOFF_INITIAL_USEC  (50 * USEC_PER_MSEC)
#define DEFAULT_BACKOFF_MAX_USEC      (2 * USEC_PER_SEC)
#define DEFAULT_BREAKER_THRESHOLD     3
#define DEFAULT_BREAKER_COOLDOWN_USEC (1 * USEC_PER_SEC)
#define DEFAULT_MAX_RESPONSE_BYTES    (4 * 1024 * 1024)
#define DEFAULT_MAX_CONNECTIONS       8
#define DEFAULT_MAX_PENDING           4096
#define DEFAULT_IDENTITY              "faultline-coordinator"
#define DEFAULT_LIST_PAGE_SIZE        100
#define MAX_LIST_PAGE_SIZE            1000

union callback {
        fl_temporal_start_fn start;
        fl_temporal_count_fn count;
        fl_temporal_list_fn list;
        fl_temporal_describe_fn describe;
        fl_temporal_done_fn done;
};

struct request {
        struct fl_temporal *t;
        struct request *prev, *next;
        enum fl_temporal_op op;
        unsigned flags;
        CURL *easy;
        char *url;
        char *body; /* NULL: GET */
        char *workflow_id;
        bool in_multi; /* added to the curl multi handle: on the wire */
        bool waiting;  /* in the queue for a free connection */
        struct request *wprev, *wnext;

        char *buf; /* the answer, NUL-terminated */
        size_t size, allocated;
        bool too_big, oom;
        char errbuf[CURL_ERROR_SIZE];

        struct event *retry;
        unsigned attempts;
        uint64_t submitted_usec, deadline_usec;
        char *last_error; /* why the last attempt failed, for the final message */
        long last_http;
        int last_grpc;

        union callback cb; /* the member for op */
        void *userdata;
};

struct fl_temporal {
        struct event_base *base;
        CURLM *multi;
        CURLSH *share;
        struct event *timer;
        struct curl_slist *headers;
        bool curl_initialized;

        char *ns_url;
        char *identity;
        char *ca_file, *cert_file, *key_file;
        char *user_agent;
        bool tls;

        uint64_t connect_timeout_usec, attempt_timeout_usec, deadline_usec;
        unsigned max_attempts;
        uint64_t backoff_initial_usec, backoff_max_usec;
        unsigned breaker_threshold;
        uint64_t breaker_cooldown_usec;
        bool breaker_off;
        size_t max_response_bytes;
        unsigned max_connections, max_pending;
        fl_temporal_observe_fn observe;
        void *observe_userdata;

        struct request *requests;
        /* Transfers beyond max_connections wait here, not in curl: curl would
         * run their connect timeout while they wait, and fail them as if
         * Temporal were unreachable when it is only busy. */
        struct request *wait_head, *wait_tail;
        unsigned active;
        bool closing;

        unsigned fail_streak;     /* consecutive attempts that found Temporal unreachable */
        uint64_t open_until_usec; /* breaker open until this CLOCK_MONOTONIC time */
        uint64_t rng;             /* xorshift64* state for the backoff jitter */
        struct fl_temporal_stats stats;
};

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000;
}

static struct timeval usec_to_timeval(uint64_t usec) {
        return (struct timeval){
                .tv_sec = (time_t) (usec / USEC_PER_SEC),
                .tv_usec = (suseconds_t) (usec % USEC_PER_SEC),
        };
}

static uint64_t next_random(struct fl_temporal *t) {
        uint64_t x = t->rng;

        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        t->rng = x;
        return x * 0x2545F4914F6CDD1DULL;
}

static bool breaker_open(const struct fl_temporal *t, uint64_t now) {
        return !t->breaker_off && now < t->open_until_usec;
}

static void note_unreachable(struct fl_temporal *t) {
        if (t->fail_streak < UINT_MAX)
                t->fail_streak++;
        if (!t->breaker_off && t->fail_streak >= t->breaker_threshold)
                t->open_until_usec = now_usec() + t->breaker_cooldown_usec;
}

static void note_reachable(struct fl_temporal *t) {
        t->fail_streak = 0;
        t->open_until_usec = 0;
}

/* ---- requests ---------------------------------------------------------------- */

static void wait_unlink(struct request *q) {
        struct fl_temporal *t = q->t;

        if (!q->waiting)
                return;
        if (q->wprev)
                q->wprev->wnext = q->wnext;
        else
                t->wait_head = q->wnext;
        if (q->wnext)
                q->wnext->wprev = q->wprev;
        else
                t->wait_tail = q->wprev;
        q->wprev = q->wnext = NULL;
        q->waiting = false;
        t->stats.queued--;
}

static struct request *request_free(struct request *q) {
        if (!q)
                return NULL;
        wait_unlink(q);
        if (q->in_multi) {
                curl_multi_remove_handle(q->t->multi, q->easy);
                q->t->active--;
        }
        if (q->retry)
                event_free(q->retry);
        if (q->easy)
                curl_easy_cleanup(q->easy);
        if (q->prev)
                q->prev->next = q->next;
        else if (q->t->requests == q)
                q->t->requests = q->next;
        if (q->next)
                q->next->prev = q->prev;
        free(q->url);
        free(q->body);
        free(q->workflow_id);
        free(q->buf);
        free(q->last_error);
        free(q);
        return NULL;
}

static size_t on_write(char *data, size_t size, size_t nmemb, void *userdata) {
        struct request *q = userdata;
        size_t n = size * nmemb;

        if (n > q->t->max_response_bytes - q->size) {
                q->too_big = true;
                return 0; /* curl fails the transfer with CURLE_WRITE_ERROR */
        }
        if (q->size + n + 1 > q->allocated) {
                size_t want = q->allocated ? q->allocated : 4096;
                char *b;
                while (want < q->size + n + 1)
                        want *= 2;
                b = realloc(q->buf, want);
                if (!b) {
                        q->oom = true;
                        return 0;
                }
                q->buf = b;
                q->allocated = want;
        }
        memcpy(q->buf + q->size, data, n);
        q->size += n;
        q->buf[q->size] = '\0';
        return n;
}

/* Records the first failing curl_easy_setopt. */
#define SETOPT(rc, easy, opt, val)                              \
        do {                                                    \
                CURLcode _c = curl_easy_setopt(easy, opt, val); \
                if (_c != CURLE_OK && (rc) == CURLE_OK)         \
                        (rc) = _c;                              \
        } while (0)

static int request_setup_easy(struct request *q) {
        struct fl_temporal *t = q->t;
        CURLcode rc = CURLE_OK;

        q->easy = curl_easy_init();
        if (!q->easy)
                return -ENOMEM;
        SETOPT(rc, q->easy, CURLOPT_URL, q->url);
        SETOPT(rc, q->easy, CURLOPT_PRIVATE, q);
        SETOPT(rc, q->easy, CURLOPT_WRITEFUNCTION, on_write);
        SETOPT(rc, q->easy, CURLOPT_WRITEDATA, q);
        SETOPT(rc, q->easy, CURLOPT_ERRORBUFFER, q->errbuf);
        SETOPT(rc, q->easy, CURLOPT_HTTPHEADER, t->headers);
        SETOPT(rc, q->easy, CURLOPT_USERAGENT, t->user_agent);
        SETOPT(rc, q->easy, CURLOPT_NOSIGNAL, 1L);
        SETOPT(rc, q->easy, CURLOPT_PROTOCOLS_STR, "http,https");
        SETOPT(rc, q->easy, CURLOPT_TCP_KEEPALIVE, 1L);
        SETOPT(rc, q->easy, CURLOPT_MAXFILESIZE_LARGE, (curl_off_t) t->max_response_bytes);
        SETOPT(rc, q->easy, CURLOPT_SHARE, t->share);
        if (q->body) {
                SETOPT(rc, q->easy, CURLOPT_POSTFIELDS, q->body);
                SETOPT(rc, q->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) strlen(q->body));
        } else
                SETOPT(rc, q->easy, CURLOPT_HTTPGET, 1L);
        if (t->tls) {
                /* HTTP/2 (ALPN) multiplexes many calls on one connection: wait
                 * for it rather than opening more. Without TLS there is no
                 * HTTP/2 here and waiting would serialise every call. */
                SETOPT(rc, q->easy, CURLOPT_PIPEWAIT, 1L);
                SETOPT(rc, q->easy, CURLOPT_SSLVERSION, (long) CURL_SSLVERSION_TLSv1_2);
        }
        if (t->ca_file)
                SETOPT(rc, q->easy, CURLOPT_CAINFO, t->ca_file);
        if (t->cert_file)
                SETOPT(rc, q->easy, CURLOPT_SSLCERT, t->cert_file);
        if (t->key_file)
                SETOPT(rc, q->easy, CURLOPT_SSLKEY, t->key_file);
        if (rc == CURLE_OUT_OF_MEMORY)
                return -ENOMEM;
        return rc == CURLE_OK ? 0 : -EOPNOTSUPP;
}

/* Puts the transfer on the wire; timeouts count from now. */
static int request_send(struct request *q) {
        struct fl_temporal *t = q->t;
        uint64_t now = now_usec(), left, attempt_usec, connect_usec;
        CURLcode rc = CURLE_OK;

        left = q->deadline_usec > now ? q->deadline_usec - now : 1000;
        attempt_usec = t->attempt_timeout_usec < left ? t->attempt_timeout_usec : left;
        connect_usec =
                t->connect_timeout_usec < attempt_usec ? t->connect_timeout_usec : attempt_usec;
        SETOPT(rc, q->easy, CURLOPT_TIMEOUT_MS, (long) ((attempt_usec + 999) / 1000));
        SETOPT(rc, q->easy, CURLOPT_CONNECTTIMEOUT_MS, (long) ((connect_usec + 999) / 1000));
        if (rc != CURLE_OK)
                return -EINVAL;

        q->size = 0;
        if (q->buf)
                q->buf[0] = '\0';
        q->too_big = q->oom = false;
        q->errbuf[0] = '\0';
        if (curl_multi_add_handle(t->multi, q->easy) != CURLM_OK)
                return -ENOMEM;
        q->in_multi = true;
        t->active++;
        q->attempts++;
        t->stats.attempts++;
        if (q->attempts > 1)
                t->stats.retries++;
        return 0;
}

/* Sends now, or queues behind earlier transfers when all connections are busy. */
static int request_attempt(struct request *q) {
        struct fl_temporal *t = q->t;

        if (!t->wait_head && t->active < t->max_connections)
                return request_send(q);
        q->wprev = t->wait_tail;
        q->wnext = NULL;
        if (t->wait_tail)
                t->wait_tail->wnext = q;
        else
                t->wait_head = q;
        t->wait_tail = q;
        q->waiting = true;
        t->stats.queued++;
        return 0;
}

/* ---- completion ---------------------------------------------------------------- */

static void deliver(
        struct request *q, int error, long http, int grpc, const char *message, json_t *root) {
        struct fl_temporal *t = q->t;
        struct fl_temporal_reply reply = {
                .error = error,
                .http_status = http,
                .grpc_code = grpc,
                .message = error ? (message ? message : "unknown error") : NULL,
                .attempts = q->attempts,
                .latency_usec = now_usec() - q->submitted_usec,
        };
        int r = 0;

        switch (q->op) {
        case FL_TEMPORAL_OP_START: {
                struct fl_temporal_started st = {};
                if (reply.error == 0 && http == 409) {
                        st = (struct fl_temporal_started){
                                .workflow_id = q->workflow_id,
                                .run_id = fl_temporal_wire_already_started_run(root),
                        };
                } else if (reply.error == 0)
                        r = fl_temporal_wire_parse_start(root, q->workflow_id, &st);
                if (r < 0) {
                        reply.error = r;
                        reply.message = "malformed StartWorkflowExecution answer";
                }
                q->cb.start(&reply, reply.error == 0 ? &st : NULL, q->userdata);
                break;
        }
        case FL_TEMPORAL_OP_COUNT: {
                int64_t n = 0;
                if (reply.error == 0)
                        r = fl_temporal_wire_parse_count(root, &n);
                if (r < 0) {
                        reply.error = r;
                        reply.message = "malformed CountWorkflowExecutions answer";
                }
                q->cb.count(&reply, reply.error == 0 ? n : 0, q->userdata);
                break;
        }
        case FL_TEMPORAL_OP_LIST: {
                struct fl_temporal_execution *v = NULL;
                const char *token = NULL;
                size_t n = 0;
                if (reply.error == 0)
                        r = fl_temporal_wire_parse_list(root, &v, &n, &token);
                if (r < 0) {
                        reply.error = r;
                        reply.message = "malformed ListWorkflowExecutions answer";
                }
                q->cb.list(&reply, v, n, token, q->userdata);
                for (size_t i = 0; i < n; i++)
                        fl_temporal_wire_execution_done(&v[i]);
                free(v);
                break;
        }
        case FL_TEMPORAL_OP_DESCRIBE: {
                struct fl_temporal_execution e = {};
                if (reply.error == 0)
                        r = fl_temporal_wire_parse_describe(root, &e);
                if (r < 0) {
                        reply.error = r;
                        reply.message = "malformed DescribeWorkflowExecution answer";
                }
                q->cb.describe(&reply, reply.error == 0 ? &e : NULL, reply.error == 0 ? root : NULL,
                        q->userdata);
                fl_temporal_wire_execution_done(&e);
                break;
        }
        case FL_TEMPORAL_OP_TERMINATE:
        default:
                q->cb.done(&reply, q->userdata);
                break;
        }

        t->stats.finished[q->op]++;
        if (reply.error != 0)
                t->stats.failed[q->op]++;
        t->stats.pending--;
        if (t->observe)
                t->observe(
                        q->op, reply.error, q->attempts, reply.latency_usec, t->observe_userdata);
        request_free(q);
}

/* Fills free connections from the queue. */
static void dispatch_waiting(struct fl_temporal *t) {
        while (t->wait_head && t->active < t->max_connections && !t->closing) {
                struct request *q = t->wait_head;
                int r;

                wait_unlink(q);
                if (now_usec() >= q->deadline_usec) {
                        deliver(q, -EAGAIN, q->last_http, q->last_grpc,
                                "Temporal client overloaded: deadline reached while waiting for "
                                "a connection",
                                NULL);
                        continue;
                }
                r = request_send(q);
                if (r < 0)
                        deliver(q, r, 0, 0, "could not send the request", NULL);
        }
}

static void on_retry(evutil_socket_t fd, short what, void *userdata) {
        struct request *q = userdata;
        struct fl_temporal *t = q->t;
        int r;

        r = request_attempt(q);
        if (r < 0)
                deliver(q, r, 0, 0, "could not restart the request", NULL);
        dispatch_waiting(t);
}

static void set_last_error(struct request *q, long http, int grpc, const char *fmt, ...)
        _printf_(4, 5);

static void set_last_error(struct request *q, long http, int grpc, const char *fmt, ...) {
        va_list ap;
        char *m = NULL;

        va_start(ap, fmt);
        if (vasprintf(&m, fmt, ap) < 0)
                m = NULL;
        va_end(ap);
        free(q->last_error);
        q->last_error = m;
        q->last_http = http;
        q->last_grpc = grpc;
}

/* The attempt failed in a way worth retrying (q->last_error says how): retry
 * after a backoff, or give up with -EAGAIN. */
static void retry_or_fail(struct request *q) {
        struct fl_temporal *t = q->t;
        uint64_t now = now_usec(), delay, base;
        _cleanup_free_ char *msg = NULL;
        const char *why = NULL;

        if (q->flags & FL_TEMPORAL_NO_RETRY)
                why = "no retry requested";
        else if (q->attempts >= t->max_attempts)
                why = "attempts exhausted";
        else if (breaker_open(t, now))
                why = "circuit breaker open";

        if (!why) {
                /* Exponential: initial, 2*initial, ... capped; then jitter to
                 * [d/2, d] so that callers failing together do not come back
                 * together. */
                base = t->backoff_initial_usec;
                for (unsigned i = 1; i < q->attempts && base < t->backoff_max_usec; i++)
                        base *= 2;
                if (base > t->backoff_max_usec)
                        base = t->backoff_max_usec;
                delay = base / 2 + next_random(t) % (base / 2 + 1);
                if (now + delay >= q->deadline_usec)
                        why = "deadline reached";
                else {
                        struct timeval tv = usec_to_timeval(delay);
                        if (evtimer_add(q->retry, &tv) == 0)
                                return;
                        why = "could not arm the retry timer";
                }
        }
        if (asprintf(&msg, "Temporal unavailable (%s after %u attempt%s): %s", why, q->attempts,
                    q->attempts == 1 ? "" : "s",
                    q->last_error ? q->last_error : "unknown error") < 0)
                msg = NULL;
        deliver(q, -EAGAIN, q->last_http, q->last_grpc, msg ? msg : "Temporal unavailable", NULL);
}

/* Transport failures that mean "Temporal not reachable right now". */
static bool curl_unreachable(CURLcode c) {
        switch (c) {
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_CONNECT:
        case CURLE_OPERATION_TIMEDOUT:
        case CURLE_SEND_ERROR:
        case CURLE_RECV_ERROR:
        case CURLE_GOT_NOTHING:
        case CURLE_PARTIAL_FILE:
        case CURLE_HTTP2:
        case CURLE_HTTP2_STREAM:
                return true;
        default:
                return false;
        }
}

static void handle_done(struct request *q, CURLcode result) {
        struct fl_temporal *t = q->t;
        _cleanup_free_ char *message = NULL;
        json_t *root = NULL;
        long http = 0;
        int grpc = 0, r;

        curl_multi_remove_handle(t->multi, q->easy);
        q->in_multi = false;
        t->active--;
        (void) curl_easy_getinfo(q->easy, CURLINFO_RESPONSE_CODE, &http);

        if (result != CURLE_OK) {
                const char *detail = q->errbuf[0] ? q->errbuf : curl_easy_strerror(result);
                if (q->too_big || result == CURLE_FILESIZE_EXCEEDED) {
                        if (asprintf(&message, "answer larger than %zu bytes",
                                    t->max_response_bytes) < 0)
                                message = NULL;
                        deliver(q, -EFBIG, http, 0, message, NULL);
                } else if (q->oom)
                        deliver(q, -ENOMEM, http, 0, "out of memory reading the answer", NULL);
                else if (curl_unreachable(result)) {
                        note_unreachable(t);
                        set_last_error(q, 0, 0, "%s", detail);
                        retry_or_fail(q);
                } else
                        deliver(q, -EIO, http, 0, detail, NULL);
                return;
        }

        if (q->size > 0) {
                root = json_loadb(q->buf, q->size, 0, NULL);
        } else
                root = json_object(); /* some answers are empty: nothing to say */

        if (http >= 200 && http < 300) {
                note_reachable(t);
                if (!root)
                        deliver(q, -EBADMSG, http, 0, "answer is not JSON", NULL);
                else
                        deliver(q, 0, http, 0, NULL, root);
                json_decref(root);
                return;
        }

        r = fl_temporal_wire_parse_status(root, q->buf ? q->buf : "", q->size, &grpc, &message);
        if (r < 0) {
                json_decref(root);
                deliver(q, r, http, 0, "out of memory", NULL);
                return;
        }
        if (fl_temporal_wire_retryable(http, grpc)) {
                /* 502/503/504 come from Temporal (or a proxy) unable to serve:
                 * count them as unreachable. 429 means reachable but busy. */
                if (http == 429)
                        note_reachable(t);
                else
                        note_unreachable(t);
                set_last_error(q, http, grpc, "HTTP %ld: %s", http, message);
                json_decref(root);
                retry_or_fail(q);
                return;
        }
        note_reachable(t);
        if (q->op == FL_TEMPORAL_OP_START && http == 409 &&
                fl_temporal_wire_already_started_run(root))
                deliver(q, 0, http, grpc, NULL, root); /* exists: started = false */
        else
                deliver(q, fl_temporal_wire_errno(http, grpc), http, grpc, message, NULL);
        json_decref(root);
}

static void process_messages(struct fl_temporal *t) {
        CURLMsg *m;
        int left;

        while ((m = curl_multi_info_read(t->multi, &left))) {
                struct request *q = NULL;
                if (m->msg != CURLMSG_DONE)
                        continue;
                (void) curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **) &q);
                if (q)
                        handle_done(q, m->data.result);
        }
        dispatch_waiting(t);
}

/* ---- curl <-> libevent ---------------------------------------------------------- */

static void on_socket(evutil_socket_t fd, short what, void *userdata) {
        struct fl_temporal *t = userdata;
        int flags = 0, running;

        if (what & EV_READ)
                flags |= CURL_CSELECT_IN;
        if (what & EV_WRITE)
                flags |= CURL_CSELECT_OUT;
        (void) curl_multi_socket_action(t->multi, fd, flags, &running);
        process_messages(t);
}

static void on_timer(evutil_socket_t fd, short what, void *userdata) {
        struct fl_temporal *t = userdata;
        int running;

        (void) curl_multi_socket_action(t->multi, CURL_SOCKET_TIMEOUT, 0, &running);
        process_messages(t);
}

static int socket_cb(CURL *easy, curl_socket_t fd, int what, void *userdata, void *socketp) {
        struct fl_temporal *t = userdata;
        struct event *ev = socketp;
        short kind;

        if (what == CURL_POLL_REMOVE) {
                if (ev) {
                        event_free(ev);
                        curl_multi_assign(t->multi, fd, NULL);
                }
                return 0;
        }
        kind = EV_PERSIST;
        if (what & CURL_POLL_IN)
                kind |= EV_READ;
        if (what & CURL_POLL_OUT)
                kind |= EV_WRITE;
        if (ev) {
                event_del(ev);
                if (event_assign(ev, t->base, fd, kind, on_socket, t) < 0)
                        return -1;
        } else {
                ev = event_new(t->base, fd, kind, on_socket, t);
                if (!ev)
                        return -1;
                curl_multi_assign(t->multi, fd, ev);
        }
        return event_add(ev, NULL) < 0 ? -1 : 0;
}

static int timer_cb(CURLM *multi, long timeout_ms, void *userdata) {
        struct fl_temporal *t = userdata;
        struct timeval tv;

        if (timeout_ms < 0)
                return event_del(t->timer) < 0 ? -1 : 0;
        /* Even for 0 the call happens from the loop, never from inside curl. */
        tv = usec_to_timeval((uint64_t) timeout_ms * USEC_PER_MSEC);
        return evtimer_add(t->timer, &tv) < 0 ? -1 : 0;
}

/* ---- lifecycle ------------------------------------------------------------------ */

static int dup_opt(const char *s, char **ret) {
        if (!s) {
                *ret = NULL;
                return 0;
        }
        *ret = strdup(s);
        return *ret ? 0 : -ENOMEM;
}

static bool has_newline(const char *s) {
        return s && strpbrk(s, "\r\n");
}

int fl_temporal_new(
        struct event_base *base, const struct fl_temporal_options *o, struct fl_temporal **ret) {
        struct fl_temporal *t = NULL;
        const char *files[3];
        bool tls;
        int r;

        if (!base || !o || !o->url)
                return -EINVAL;
        files[0] = o->ca_file;
        files[1] = o->cert_file;
        files[2] = o->key_file;
        tls = strncasecmp(o->url, "https://", 8) == 0;
        if (!tls && (o->ca_file || o->cert_file || o->key_file))
                return -EINVAL;
        if (!!o->cert_file != !!o->key_file || has_newline(o->api_key) ||
                has_newline(o->identity) || (o->api_key && !*o->api_key))
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(files); i++)
                if (files[i] && access(files[i], R_OK) < 0)
                        return -errno;

        t = calloc(1, sizeof(*t));
        if (!t)
                return -ENOMEM;
        t->base = base;
        t->tls = tls;
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
                free(t);
                return -EIO;
        }
        t->curl_initialized = true;

        r = fl_temporal_wire_namespace_url(
                o->url, o->namespace ? o->namespace : "default", &t->ns_url);
        if (r < 0)
                goto fail;
        if (dup_opt(o->identity ? o->identity : DEFAULT_IDENTITY, &t->identity) < 0 ||
                dup_opt(o->ca_file, &t->ca_file) < 0 || dup_opt(o->cert_file, &t->cert_file) < 0 ||
                dup_opt(o->key_file, &t->key_file) < 0 ||
                asprintf(&t->user_agent, "faultline-coordinator/%s", FL_VERSION) < 0) {
                t->user_agent = NULL;
                r = -ENOMEM;
                goto fail;
        }

        t->connect_timeout_usec = o->connect_timeout_usec ?: DEFAULT_CONNECT_TIMEOUT_USEC;
        t->attempt_timeout_usec = o->attempt_timeout_usec ?: DEFAULT_ATTEMPT_TIMEOUT_USEC;
        t->deadline_usec = o->deadline_usec ?: DEFAULT_DEADLINE_USEC;
        t->max_attempts = o->max_attempts ?: DEFAULT_MAX_ATTEMPTS;
        t->backoff_initial_usec = o->backoff_initial_usec ?: DEFAULT_BACKOFF_INITIAL_USEC;
        t->backoff_max_usec = o->backoff_max_usec ?: DEFAULT_BACKOFF_MAX_USEC;
        t->breaker_threshold = o->breaker_threshold ?: DEFAULT_BREAKER_THRESHOLD;
        t->breaker_cooldown_usec = o->breaker_cooldown_usec ?: DEFAULT_BREAKER_COOLDOWN_USEC;
        t->breaker_off = o->breaker_off;
        t->max_response_bytes = o->max_response_bytes ?: DEFAULT_MAX_RESPONSE_BYTES;
        t->max_connections = o->max_connections ?: DEFAULT_MAX_CONNECTIONS;
        t->max_pending = o->max_pending ?: DEFAULT_MAX_PENDING;
        t->observe = o->observe;
        t->observe_userdata = o->observe_userdata;
        if (t->backoff_max_usec < t->backoff_initial_usec)
                t->backoff_max_usec = t->backoff_initial_usec;
        if (RAND_bytes((unsigned char *) &t->rng, sizeof(t->rng)) != 1) {
                r = -EIO;
                goto fail;
        }
        t->rng |= 1; /* xorshift state must not be 0 */

        {
                struct curl_slist *h = NULL, *n;
                const char *fixed[] = {
                        "Content-Type: application/json", "Accept: application/json", "Expect:"};
                _cleanup_free_ char *auth = NULL;

                for (size_t i = 0; i < ELEMENTSOF(fixed); i++) {
                        n = curl_slist_append(h, fixed[i]);
                        if (!n)
                                break;
                        h = n;
                }
                if (o->api_key && asprintf(&auth, "Authorization: Bearer %s", o->api_key) < 0)
                        auth = NULL;
                if (o->api_key && auth && (n = curl_slist_append(h, auth)))
                        h = n;
                t->headers = h;
                if (!h || (o->api_key && !auth)) {
                        r = -ENOMEM;
                        goto fail;
                }
        }

        t->share = curl_share_init();
        t->multi = curl_multi_init();
        t->timer = evtimer_new(base, on_timer, t);
        if (!t->share || !t->multi || !t->timer) {
                r = -ENOMEM;
                goto fail;
        }
        /* One thread: the share needs no lock callbacks. Sharing DNS and TLS
         * sessions lets a new connection skip the lookup and full handshake. */
        if (curl_share_setopt(t->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_DNS) != CURLSHE_OK ||
                curl_share_setopt(t->share, CURLSHOPT_SHARE, CURL_LOCK_DATA_SSL_SESSION) !=
                        CURLSHE_OK ||
                curl_multi_setopt(t->multi, CURLMOPT_SOCKETFUNCTION, socket_cb) != CURLM_OK ||
                curl_multi_setopt(t->multi, CURLMOPT_SOCKETDATA, t) != CURLM_OK ||
                curl_multi_setopt(t->multi, CURLMOPT_TIMERFUNCTION, timer_cb) != CURLM_OK ||
                curl_multi_setopt(t->multi, CURLMOPT_TIMERDATA, t) != CURLM_OK ||
                curl_multi_setopt(t->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
                        (long) t->max_connections) != CURLM_OK ||
                curl_multi_setopt(t->multi, CURLMOPT_MAXCONNECTS, (long) t->max_connections) !=
                        CURLM_OK) {
                r = -EIO;
                goto fail;
        }
        t->stats.available = true;
        *ret = t;
        return 0;

fail:
        fl_temporal_free(t);
        return r;
}

struct fl_temporal *fl_temporal_free(struct fl_temporal *t) {
        if (!t)
                return NULL;
        t->closing = true;
        while (t->requests)
                deliver(t->requests, -ECANCELED, 0, 0, "Temporal client shut down", NULL);
        if (t->multi)
                curl_multi_cleanup(t->multi);
        if (t->share)
                curl_share_cleanup(t->share);
        if (t->timer)
                event_free(t->timer);
        curl_slist_free_all(t->headers);
        free(t->ns_url);
        free(t->identity);
        free(t->ca_file);
        free(t->cert_file);
        free(t->key_file);
        free(t->user_agent);
        if (t->curl_initialized)
                curl_global_cleanup();
        free(t);
        return NULL;
}

bool fl_temporal_available(const struct fl_temporal *t) {
        return t && !breaker_open(t, now_usec());
}

void fl_temporal_get_stats(const struct fl_temporal *t, struct fl_temporal_stats *ret) {
        *ret = t->stats;
        ret->available = fl_temporal_available(t);
}

/* Takes url and body (also on failure). */
static int submit(struct fl_temporal *t, enum fl_temporal_op op, unsigned flags, char *url,
        char *body, const char *workflow_id, union callback cb, void *userdata) {
        _cleanup_free_ char *u = url, *b = body;
        struct request *q;
        uint64_t now = now_usec();
        int r;

        if (t->closing)
                return -ECANCELED;
        if (breaker_open(t, now) || t->stats.pending >= t->max_pending) {
                t->stats.refused++;
                return breaker_open(t, now) ? -EAGAIN : -ENOBUFS;
        }
        q = calloc(1, sizeof(*q));
        if (!q)
                return -ENOMEM;
        q->t = t;
        q->op = op;
        q->flags = flags;
        q->url = TAKE_PTR(u);
        q->body = TAKE_PTR(b);
        q->submitted_usec = now;
        q->deadline_usec = now + t->deadline_usec;
        q->cb = cb;
        q->userdata = userdata;
        /* Linked first so that request_free can unlink it on every path. */
        q->next = t->requests;
        if (t->requests)
                t->requests->prev = q;
        t->requests = q;

        if (workflow_id && !(q->workflow_id = strdup(workflow_id))) {
                request_free(q);
                return -ENOMEM;
        }
        q->retry = evtimer_new(t->base, on_retry, q);
        if (!q->retry) {
                request_free(q);
                return -ENOMEM;
        }
        r = request_setup_easy(q);
        if (r >= 0)
                r = request_attempt(q);
        if (r < 0) {
                request_free(q);
                return r;
        }
        t->stats.pending++;
        return 0;
}

int fl_temporal_start_workflow(struct fl_temporal *t, const struct fl_temporal_start *req,
        unsigned flags, fl_temporal_start_fn cb, void *userdata) {
        char request_id[FL_TEMPORAL_UUID_MAX];
        char *url = NULL, *body = NULL;
        int r;

        if (!t || !req || !cb)
                return -EINVAL;
        r = fl_temporal_wire_check_start(req, NULL);
        if (r < 0)
                return r;
        if (!req->request_id) {
                uint8_t raw[16];
                if (RAND_bytes(raw, sizeof(raw)) != 1)
                        return -EIO;
                fl_temporal_wire_uuid(raw, request_id);
        }
        r = fl_temporal_wire_workflow_url(t->ns_url, req->workflow_id, NULL, &url);
        if (r < 0)
                return r;
        r = fl_temporal_wire_start_body(
                req, req->request_id ? req->request_id : request_id, t->identity, &body);
        if (r < 0) {
                free(url);
                return r;
        }
        return submit(t, FL_TEMPORAL_OP_START, flags, url, body, req->workflow_id,
                (union callback){.start = cb}, userdata);
}

int fl_temporal_count(struct fl_temporal *t, const char *query, unsigned flags,
        fl_temporal_count_fn cb, void *userdata) {
        const char *const names[] = {"query", NULL};
        const char *const values[] = {query ? query : "", NULL};
        char *url = NULL;
        int r;

        if (!t || !cb)
                return -EINVAL;
        r = fl_temporal_wire_query_url(t->ns_url, "/workflow-count", names, values, &url);
        if (r < 0)
                return r;
        return submit(t, FL_TEMPORAL_OP_COUNT, flags, url, NULL, NULL,
                (union callback){.count = cb}, userdata);
}

int fl_temporal_list(struct fl_temporal *t, const char *query, unsigned page_size,
        const char *page_token, unsigned flags, fl_temporal_list_fn cb, void *userdata) {
        char size[16];
        /* noPayloadShorthand: memo values come back as full payloads, so a
         * memo that itself looks like {"metadata", "data"} decodes right. */
        const char *const names[] = {
                "query", "pageSize", "nextPageToken", "noPayloadShorthand", NULL};
        const char *const values[] = {query ? query : "", size, page_token, "true", NULL};
        char *url = NULL;
        int r;

        if (!t || !cb || page_size > MAX_LIST_PAGE_SIZE)
                return -EINVAL;
        snprintf(size, sizeof(size), "%u", page_size ? page_size : DEFAULT_LIST_PAGE_SIZE);
        r = fl_temporal_wire_query_url(t->ns_url, "/workflows", names, values, &url);
        if (r < 0)
                return r;
        return submit(t, FL_TEMPORAL_OP_LIST, flags, url, NULL, NULL, (union callback){.list = cb},
                userdata);
}

int fl_temporal_describe(struct fl_temporal *t, const char *workflow_id, const char *run_id,
        unsigned flags, fl_temporal_describe_fn cb, void *userdata) {
        _cleanup_free_ char *base = NULL;
        const char *const names[] = {"execution.runId", "noPayloadShorthand", NULL};
        const char *const values[] = {run_id, "true", NULL};
        char *url = NULL;
        int r;

        if (!t || !cb)
                return -EINVAL;
        r = fl_temporal_wire_workflow_url(t->ns_url, workflow_id, NULL, &base);
        if (r < 0)
                return r;
        r = fl_temporal_wire_query_url(base, "", names, values, &url);
        if (r < 0)
                return r;
        return submit(t, FL_TEMPORAL_OP_DESCRIBE, flags, url, NULL, workflow_id,
                (union callback){.describe = cb}, userdata);
}

int fl_temporal_terminate(struct fl_temporal *t, const char *workflow_id, const char *reason,
        unsigned flags, fl_temporal_done_fn cb, void *userdata) {
        char *url = NULL, *body = NULL;
        int r;

        if (!t || !cb)
                return -EINVAL;
        r = fl_temporal_wire_workflow_url(t->ns_url, workflow_id, "/terminate", &url);
        if (r < 0)
                return r;
        r = fl_temporal_wire_terminate_body(reason, t->identity, &body);
        if (r < 0) {
                free(url);
                return r;
        }
        return submit(t, FL_TEMPORAL_OP_TERMINATE, flags, url, body, workflow_id,
                (union callback){.done = cb}, userdata);
}
