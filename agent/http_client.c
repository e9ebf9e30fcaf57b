/* SPDX-License-Identifier: Apache-2.0 */
#include "http_client.h"

#include "curl_api.h"
#include "strbuf.h"

#include <errno.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/epoll.h>

#define USEC_PER_MSEC       UINT64_C(1000)
#define DEFAULT_TIMEOUT     (10 * UINT64_C(1000000))
#define TIMER_ACCURACY_USEC (1 * USEC_PER_MSEC)
#define RETRY_AFTER_MAX     128u

/* A socket curl asked us to watch. */
struct sock {
        struct fl_http_client *c;
        sd_event_source *source;
        curl_socket_t fd;
        struct sock *prev, *next;
};

struct transfer {
        struct fl_http_client *c;
        CURL *easy;
        struct curl_slist *headers;
        char *url;
        char *body;
        size_t body_size;
        fl_http_done_fn done;
        void *userdata;

        struct fl_strbuf answer; /* up to FL_HTTP_BODY_MAX */
        bool too_large;
        char retry_after[RETRY_AFTER_MAX];
        char error[CURL_ERROR_SIZE];

        struct transfer *prev, *next;
};

struct fl_http_client {
        sd_event *event;
        char *ca_file, *cert_file, *key_file, *library;
        uint64_t timeout_usec;
        unsigned max_connections;
        uint64_t idle_release_usec;

        struct fl_curl_api *api; /* NULL while unloaded */
        CURLM *multi;
        sd_event_source *timer; /* curl's timeout */
        sd_event_source *idle;  /* unloads libcurl */
        CURL **pool;            /* idle easy handles, at most max_connections */
        size_t n_pool;
        struct transfer *transfers;
        struct sock *socks;

        struct fl_http_client_stats stats;
};

static uint64_t now_usec(struct fl_http_client *c) {
        uint64_t t = 0;

        (void) sd_event_now(c->event, CLOCK_BOOTTIME, &t);
        return t;
}

/* ---- sockets and the timer: curl -> sd-event ---- */

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata);

static struct sock *sock_free(struct sock *k) {
        if (!k)
                return NULL;
        sd_event_source_disable_unref(k->source);
        if (k->prev)
                k->prev->next = k->next;
        else
                k->c->socks = k->next;
        if (k->next)
                k->next->prev = k->prev;
        free(k);
        return NULL;
}

static uint32_t poll_events(int what) {
        return (what & CURL_POLL_IN ? EPOLLIN : 0) | (what & CURL_POLL_OUT ? EPOLLOUT : 0);
}

static int on_socket(CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp) {
        struct fl_http_client *c = userp;
        struct sock *k = socketp;
        int r;

        if (what == CURL_POLL_REMOVE) {
                if (k) {
                        (void) c->api->multi_assign(c->multi, fd, NULL);
                        sock_free(k);
                }
                return 0;
        }
        if (k)
                return sd_event_source_set_io_events(k->source, poll_events(what)) < 0 ? -1 : 0;

        k = calloc(1, sizeof(*k));
        if (!k)
                return -1;
        k->c = c;
        k->fd = fd;
        r = sd_event_add_io(c->event, &k->source, fd, poll_events(what), on_io, k);
        if (r < 0) {
                free(k);
                return -1;
        }
        (void) sd_event_source_set_description(k->source, "curl-socket");
        k->next = c->socks;
        if (c->socks)
                c->socks->prev = k;
        c->socks = k;
        (void) c->api->multi_assign(c->multi, fd, k);
        return 0;
}

static int on_timer_change(CURLM *multi, long timeout_ms, void *userp) {
        struct fl_http_client *c = userp;

        if (timeout_ms < 0)
                return sd_event_source_set_enabled(c->timer, SD_EVENT_OFF) < 0 ? -1 : 0;
        /* Never call curl from here: the loop runs it on the next iteration. */
        if (sd_event_source_set_time(
                    c->timer, now_usec(c) + (uint64_t) timeout_ms * USEC_PER_MSEC) < 0 ||
                sd_event_source_set_enabled(c->timer, SD_EVENT_ONESHOT) < 0)
                return -1;
        return 0;
}

/* ---- finished transfers ---- */

static enum fl_http_failure failure_of(CURLcode cc, const struct transfer *t) {
        switch (cc) {
        case CURLE_OK:
                return FL_HTTP_OK;
        case CURLE_COULDNT_RESOLVE_PROXY:
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_CONNECT:
                return FL_HTTP_CONNECT;
        case CURLE_OPERATION_TIMEDOUT:
                return FL_HTTP_TIMEOUT;
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_PEER_FAILED_VERIFICATION:
        case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
        case CURLE_SSL_INVALIDCERTSTATUS:
                return FL_HTTP_TLS;
        case CURLE_SSL_ENGINE_NOTFOUND:
        case CURLE_SSL_ENGINE_SETFAILED:
        case CURLE_SSL_CERTPROBLEM:
        case CURLE_SSL_CIPHER:
        case CURLE_SSL_ENGINE_INITFAILED:
        case CURLE_SSL_CACERT_BADFILE:
        case CURLE_SSL_CRL_BADFILE:
        case CURLE_SSL_ISSUER_ERROR:
                return FL_HTTP_TLS_CONFIG;
        case CURLE_WRITE_ERROR:
                return t->too_large ? FL_HTTP_TOO_LARGE : FL_HTTP_TRANSFER;
        default:
                return FL_HTTP_TRANSFER;
        }
}

static void transfer_unlink(struct transfer *t) {
        struct fl_http_client *c = t->c;

        if (t->prev)
                t->prev->next = t->next;
        else
                c->transfers = t->next;
        if (t->next)
                t->next->prev = t->prev;
        t->prev = t->next = NULL;
        c->stats.active--;
}

/* Detaches the easy handle (pooled for the next request) and frees the
 * rest. */
static void transfer_free(struct transfer *t) {
        struct fl_http_client *c = t->c;

        if (t->easy) {
                (void) c->api->multi_remove_handle(c->multi, t->easy);
                if (c->n_pool < c->max_connections)
                        c->pool[c->n_pool++] = t->easy;
                else
                        c->api->easy_cleanup(t->easy);
        }
        if (t->headers)
                c->api->slist_free_all(t->headers);
        free(t->url);
        free(t->body);
        fl_strbuf_done(&t->answer);
        free(t);
}

static void arm_idle(struct fl_http_client *c);

static void finish(struct transfer *t, CURLcode cc) {
        struct fl_http_client *c = t->c;
        struct fl_http_result res = {.body = ""};
        long status = 0, connects = 0;
        curl_off_t total = 0;

        res.failure = failure_of(cc, t);
        if (res.failure == FL_HTTP_OK) {
                (void) c->api->easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
                res.status = (int) status;
                res.body = t->answer.data ? t->answer.data : "";
                res.body_size = t->answer.len;
                res.retry_after = t->retry_after[0] ? t->retry_after : NULL;
                c->stats.answers++;
        } else {
                if (t->too_large)
                        snprintf(t->error, sizeof(t->error), "the answer is larger than %u bytes",
                                FL_HTTP_BODY_MAX);
                else if (!t->error[0])
                        snprintf(t->error, sizeof(t->error), "%s", c->api->easy_strerror(cc));
                res.error = t->error;
                c->stats.failures++;
        }
        (void) c->api->easy_getinfo(t->easy, CURLINFO_NUM_CONNECTS, &connects);
        (void) c->api->easy_getinfo(t->easy, CURLINFO_TOTAL_TIME_T, &total);
        res.new_connection = connects > 0;
        res.elapsed_usec = total > 0 ? (uint64_t) total : 0;
        if (connects > 0)
                c->stats.connections += (uint64_t) connects;

        transfer_unlink(t);
        t->done(&res, t->userdata);
        transfer_free(t);
        arm_idle(c);
}

static void check_finished(struct fl_http_client *c) {
        CURLMsg *msg;
        int left;

        /* A callback may add transfers (never remove other ones), so the
         * message queue only holds transfers that are still ours. */
        while ((msg = c->api->multi_info_read(c->multi, &left))) {
                struct transfer *t = NULL;

                if (msg->msg != CURLMSG_DONE)
                        continue;
                (void) c->api->easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **) &t);
                if (t)
                        finish(t, msg->data.result);
        }
}

static int on_io(sd_event_source *s, int fd, uint32_t revents, void *userdata) {
        struct sock *k = userdata;
        struct fl_http_client *c = k->c;
        int flags = 0, running;

        if (revents & EPOLLIN)
                flags |= CURL_CSELECT_IN;
        if (revents & EPOLLOUT)
                flags |= CURL_CSELECT_OUT;
        if (revents & (EPOLLERR | EPOLLHUP))
                flags |= CURL_CSELECT_ERR;
        /* `k` may be freed in here (CURL_POLL_REMOVE): not used after. */
        (void) c->api->multi_socket_action(c->multi, fd, flags, &running);
        check_finished(c);
        return 0;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        struct fl_http_client *c = userdata;
        int running;

        (void) c->api->multi_socket_action(c->multi, CURL_SOCKET_TIMEOUT, 0, &running);
        check_finished(c);
        return 0;
}

/* ---- loading and unloading libcurl ---- */

static void release(struct fl_http_client *c) {
        while (c->transfers) {
                struct transfer *t = c->transfers;
                transfer_unlink(t);
                transfer_free(t);
        }
        if (c->api) {
                for (size_t i = 0; i < c->n_pool; i++)
                        c->api->easy_cleanup(c->pool[i]);
                c->n_pool = 0;
                /* Closes the cached connections (telling on_socket()). */
                if (c->multi)
                        (void) c->api->multi_cleanup(c->multi);
        }
        c->multi = NULL;
        while (c->socks)
                sock_free(c->socks);
        c->timer = sd_event_source_disable_unref(c->timer);
        c->idle = sd_event_source_disable_unref(c->idle);
        if (c->api) {
                c->stats.releases++;
                c->api = fl_curl_api_unload(c->api);
                /* What libcurl and its libraries allocated is free now:
                 * give those heap pages back to the system. */
                (void) malloc_trim(0);
        }
        c->stats.loaded = false;
}

static int load(struct fl_http_client *c, const char **ret_error) {
        CURLM *m;
        int r;

        if (c->api)
                return 0;
        r = fl_curl_api_load(c->library, &c->api, ret_error);
        if (r < 0)
                return r;
        m = c->multi = c->api->multi_init();
        if (!m) {
                release(c);
                return -ENOMEM;
        }
        if (c->api->multi_setopt(m, CURLMOPT_SOCKETFUNCTION, on_socket) != CURLM_OK ||
                c->api->multi_setopt(m, CURLMOPT_SOCKETDATA, c) != CURLM_OK ||
                c->api->multi_setopt(m, CURLMOPT_TIMERFUNCTION, on_timer_change) != CURLM_OK ||
                c->api->multi_setopt(m, CURLMOPT_TIMERDATA, c) != CURLM_OK ||
                /* HTTP/1.1, one request per connection at a time. */
                c->api->multi_setopt(m, CURLMOPT_PIPELINING, (long) CURLPIPE_NOTHING) != CURLM_OK ||
                c->api->multi_setopt(m, CURLMOPT_MAX_HOST_CONNECTIONS, (long) c->max_connections) !=
                        CURLM_OK ||
                c->api->multi_setopt(m, CURLMOPT_MAXCONNECTS, (long) c->max_connections) !=
                        CURLM_OK) {
                release(c);
                if (ret_error)
                        *ret_error = "curl_multi_setopt() failed";
                return -ELIBBAD;
        }
        r = sd_event_add_time(
                c->event, &c->timer, CLOCK_BOOTTIME, 0, TIMER_ACCURACY_USEC, on_timer, c);
        if (r >= 0)
                r = sd_event_source_set_enabled(c->timer, SD_EVENT_OFF);
        if (r < 0) {
                release(c);
                return r;
        }
        (void) sd_event_source_set_description(c->timer, "curl-timer");
        c->stats.loads++;
        c->stats.loaded = true;
        return 0;
}

/* A resolver thread of curl's may outlive its transfer: unloading the
 * library under it would crash. Only a single-threaded process unloads. */
static bool single_threaded(void) {
        _cleanup_fclose_ FILE *f = fopen("/proc/self/status", "re");
        char line[128];
        unsigned n = 0;

        while (f && fgets(line, sizeof(line), f))
                if (sscanf(line, "Threads: %u", &n) == 1)
                        return n == 1;
        return false;
}

static int on_idle(sd_event_source *s, uint64_t usec, void *userdata) {
        struct fl_http_client *c = userdata;

        if (c->stats.active > 0)
                return 0; /* re-armed when the last one finishes */
        if (!single_threaded()) {
                (void) sd_event_source_set_time_relative(s, c->idle_release_usec);
                (void) sd_event_source_set_enabled(s, SD_EVENT_ONESHOT);
                return 0;
        }
        release(c);
        return 0;
}

static void arm_idle(struct fl_http_client *c) {
        if (c->idle_release_usec == 0 || c->stats.active > 0 || !c->api)
                return;
        if (!c->idle) {
                if (sd_event_add_time_relative(c->event, &c->idle, CLOCK_BOOTTIME,
                            c->idle_release_usec, 1000 * USEC_PER_MSEC, on_idle, c) < 0)
                        return; /* stays loaded: harmless */
                (void) sd_event_source_set_description(c->idle, "curl-idle");
                return;
        }
        (void) sd_event_source_set_time_relative(c->idle, c->idle_release_usec);
        (void) sd_event_source_set_enabled(c->idle, SD_EVENT_ONESHOT);
}

/* ---- transfers ---- */

static size_t on_body(char *data, size_t size, size_t n, void *userdata) {
        struct transfer *t = userdata;
        size_t len = size * n;

        int r = fl_strbuf_append(&t->answer, data, len);

        if (r == -E2BIG)
                t->too_large = true;
        return r < 0 ? 0 : len; /* 0 aborts the transfer */
}

static size_t on_header(char *data, size_t size, size_t n, void *userdata) {
        struct transfer *t = userdata;
        size_t len = size * n;
        const char *v, *end;

        if (len > FL_HTTP_HEADER_LINE_MAX)
                return len; /* nothing of ours is that long: skipped */
        if (len >= 5 && memcmp(data, "HTTP/", 5) == 0) {
                t->retry_after[0] = '\0'; /* a new response (after a 1xx) */
                return len;
        }
        if (len < 12 || strncasecmp(data, "Retry-After:", 12) != 0)
                return len;
        v = data + 12;
        end = data + len;
        while (v < end && (*v == ' ' || *v == '\t'))
                v++;
        while (end > v && (end[-1] == '\r' || end[-1] == '\n' || end[-1] == ' ' || end[-1] == '\t'))
                end--;
        if ((size_t) (end - v) < sizeof(t->retry_after))
                snprintf(t->retry_after, sizeof(t->retry_after), "%.*s", (int) (end - v), v);
        return len;
}

/* Sets every option, so a pooled handle needs no reset. */
static int setup_easy(struct fl_http_client *c, struct transfer *t) {
        const struct fl_curl_api *a = c->api;
        CURL *e = t->easy;
        long timeout_ms = (long) ((c->timeout_usec + USEC_PER_MSEC - 1) / USEC_PER_MSEC);
        CURLcode cc = CURLE_OK;

#define SET(opt, val)                                     \
        do {                                              \
                if (cc == CURLE_OK)                       \
                        cc = a->easy_setopt(e, opt, val); \
        } while (0)
        SET(CURLOPT_URL, t->url);
        SET(CURLOPT_POST, 1L);
        SET(CURLOPT_POSTFIELDS, t->body);
        SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) t->body_size);
        SET(CURLOPT_HTTPHEADER, t->headers);
        SET(CURLOPT_HTTP_VERSION, (long) CURL_HTTP_VERSION_1_1);
        SET(CURLOPT_PROTOCOLS_STR, "http,https");
        SET(CURLOPT_FOLLOWLOCATION, 0L);
        /* Never a proxy from the environment: triggers go where configured. */
        SET(CURLOPT_PROXY, "");
        SET(CURLOPT_NOSIGNAL, 1L);
        SET(CURLOPT_TIMEOUT_MS, timeout_ms);
        SET(CURLOPT_CONNECTTIMEOUT_MS, timeout_ms);
        SET(CURLOPT_SSL_VERIFYPEER, 1L);
        SET(CURLOPT_SSL_VERIFYHOST, 2L);
        SET(CURLOPT_CAINFO, c->ca_file);
        SET(CURLOPT_SSLCERT, c->cert_file);
        SET(CURLOPT_SSLKEY, c->key_file);
        SET(CURLOPT_WRITEFUNCTION, on_body);
        SET(CURLOPT_WRITEDATA, t);
        SET(CURLOPT_HEADERFUNCTION, on_header);
        SET(CURLOPT_HEADERDATA, t);
        SET(CURLOPT_ERRORBUFFER, t->error);
        SET(CURLOPT_PRIVATE, t);
#undef SET
        return cc == CURLE_OK ? 0 : -EIO;
}

int fl_http_client_post(struct fl_http_client *c, const char *url, const char *const *headers,
        const char *body, size_t size, fl_http_done_fn done, void *userdata,
        const char **ret_error) {
        struct transfer *t;
        CURLMcode mc;
        int r;

        if (c->stats.active >= c->max_connections)
                return -EBUSY;
        r = load(c, ret_error);
        if (r < 0)
                return r;
        t = calloc(1, sizeof(*t));
        if (!t)
                return -ENOMEM;
        t->c = c;
        t->answer.max_len = FL_HTTP_BODY_MAX;
        t->done = done;
        t->userdata = userdata;
        t->url = strdup(url);
        t->body = malloc(size + 1);
        t->body_size = size;
        r = -ENOMEM;
        if (!t->url || !t->body)
                goto fail;
        memcpy(t->body, body, size);
        t->body[size] = '\0';
        for (size_t i = 0; headers && headers[i]; i++) {
                struct curl_slist *l = c->api->slist_append(t->headers, headers[i]);
                if (!l)
                        goto fail;
                t->headers = l;
        }
        /* No "Expect: 100-continue" round trip before the body. */
        {
                struct curl_slist *l = c->api->slist_append(t->headers, "Expect:");
                if (!l)
                        goto fail;
                t->headers = l;
        }
        t->easy = c->n_pool > 0 ? c->pool[--c->n_pool] : c->api->easy_init();
        if (!t->easy)
                goto fail;
        r = setup_easy(c, t);
        if (r < 0) {
                if (ret_error)
                        *ret_error = "curl_easy_setopt() failed";
                goto fail;
        }
        mc = c->api->multi_add_handle(c->multi, t->easy);
        if (mc != CURLM_OK) {
                if (ret_error)
                        *ret_error = c->api->multi_strerror(mc);
                r = mc == CURLM_OUT_OF_MEMORY ? -ENOMEM : -EIO;
                goto fail;
        }
        t->next = c->transfers;
        if (c->transfers)
                c->transfers->prev = t;
        c->transfers = t;
        c->stats.active++;
        c->stats.requests++;
        if (c->idle)
                (void) sd_event_source_set_enabled(c->idle, SD_EVENT_OFF);
        return 0;
fail:
        /* Not added to the multi handle: transfer_free()'s remove is a no-op. */
        transfer_free(t);
        return r;
}

int fl_http_client_new(
        sd_event *event, const struct fl_http_client_options *o, struct fl_http_client **ret) {
        _cleanup_(fl_http_client_freep) struct fl_http_client *c = calloc(1, sizeof(*c));

        if (!c)
                return -ENOMEM;
        c->event = sd_event_ref(event);
        c->timeout_usec = o->timeout_usec ? o->timeout_usec : DEFAULT_TIMEOUT;
        c->max_connections = o->max_connections ? o->max_connections : 1;
        c->idle_release_usec = o->idle_release_usec;
        c->pool = calloc(c->max_connections, sizeof(*c->pool));
        if (!c->pool)
                return -ENOMEM;
        const struct {
                const char *from;
                char **to;
        } strings[] = {
                {o->ca_file, &c->ca_file},
                {o->cert_file, &c->cert_file},
                {o->key_file, &c->key_file},
                {o->library, &c->library},
        };
        for (size_t i = 0; i < ELEMENTSOF(strings); i++)
                if (strings[i].from && !(*strings[i].to = strdup(strings[i].from)))
                        return -ENOMEM;
        *ret = TAKE_PTR(c);
        return 0;
}

struct fl_http_client *fl_http_client_free(struct fl_http_client *c) {
        if (!c)
                return NULL;
        release(c);
        free(c->pool);
        free(c->ca_file);
        free(c->cert_file);
        free(c->key_file);
        free(c->library);
        sd_event_unref(c->event);
        free(c);
        return NULL;
}

void fl_http_client_get_stats(const struct fl_http_client *c, struct fl_http_client_stats *ret) {
        *ret = c->stats;
}
