/* SPDX-License-Identifier: Apache-2.0 */
#include "server.h"

#include "acl.h"
#include "spiffe.h"
#include "tls.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <event2/listener.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <time.h>

#define HEADERS_MAX_BYTES (32u * 1024u)

enum conn_state {
        CONN_RECEIVING,  /* a request is arriving: header_timeout runs */
        CONN_PROCESSING, /* a handler has it: no timer */
        CONN_IDLE,       /* between requests: idle_timeout runs */
};

/* Per TLS connection, hung on the SSL object as ex_data so that it is freed
 * exactly when libevent frees the connection (SSL_free runs our free
 * callback), whatever the reason. */
struct conn {
        struct fl_server *server;
        struct bufferevent *bev;
        struct event *timer;
        enum conn_state state;
        bool identity_checked;
        char *identity;
        const char *identity_problem;
};

struct fl_server {
        struct event_base *base;
        const struct fl_coordinator_config *config;
        const struct fl_route *routes;
        void *userdata;
        fl_request_done_fn done;

        SSL_CTX *ssl_ctx;
        int ex_index;
        struct evhttp *http;
        struct evhttp_bound_socket *bound[FL_LISTEN_MAX];
        char *bound_names[FL_LISTEN_MAX];
        size_t n_bound;
        bool listening;
        bool accepting;

        uint64_t connections, connections_total, in_flight, timeouts;
};

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

const char *fl_method_to_string(unsigned method) {
        switch (method) {
        case FL_METHOD_GET:
                return "GET";
        case FL_METHOD_POST:
                return "POST";
        case FL_METHOD_PUT:
                return "PUT";
        case FL_METHOD_DELETE:
                return "DELETE";
        case FL_METHOD_PATCH:
                return "PATCH";
        case FL_METHOD_HEAD:
                return "HEAD";
        case FL_METHOD_OPTIONS:
                return "OPTIONS";
        }
        return "?";
}

static unsigned method_of(enum evhttp_cmd_type t) {
        switch (t) {
        case EVHTTP_REQ_GET:
                return FL_METHOD_GET;
        case EVHTTP_REQ_POST:
                return FL_METHOD_POST;
        case EVHTTP_REQ_PUT:
                return FL_METHOD_PUT;
        case EVHTTP_REQ_DELETE:
                return FL_METHOD_DELETE;
        case EVHTTP_REQ_PATCH:
                return FL_METHOD_PATCH;
        case EVHTTP_REQ_HEAD:
                return FL_METHOD_HEAD;
        case EVHTTP_REQ_OPTIONS:
                return FL_METHOD_OPTIONS;
        default:
                return 0;
        }
}

/* ---- connections ---------------------------------------------------------- */

static void update_accepting(struct fl_server *s) {
        bool want = s->listening && s->connections < (uint64_t) s->config->max_connections;

        if (want == s->accepting)
                return;
        for (size_t i = 0; i < s->n_bound; i++) {
                struct evconnlistener *l = evhttp_bound_socket_get_listener(s->bound[i]);
                if (want)
                        evconnlistener_enable(l);
                else
                        evconnlistener_disable(l);
        }
        s->accepting = want;
}

static void conn_arm(struct conn *c, enum conn_state state) {
        const struct fl_coordinator_config *cfg = c->server->config;
        uint64_t usec;
        struct timeval tv;

        c->state = state;
        if (state == CONN_PROCESSING) {
                evtimer_del(c->timer);
                return;
        }
        usec = state == CONN_RECEIVING ? cfg->header_timeout_usec : cfg->idle_timeout_usec;
        tv = (struct timeval){
                .tv_sec = (time_t) (usec / 1000000), .tv_usec = (suseconds_t) (usec % 1000000)};
        evtimer_add(c->timer, &tv);
}

/* Too slow, or idle too long: shut the socket down and let evhttp notice
 * the end of the stream and free the connection itself (freeing it here
 * would pull it from under evhttp). */
static void on_conn_timeout(evutil_socket_t fd, short what, void *userdata) {
        struct conn *c = userdata;
        evutil_socket_t sock = bufferevent_getfd(c->bev);

        c->server->timeouts++;
        if (sock >= 0)
                (void) shutdown(sock, SHUT_RDWR);
}

/* The first bytes of a request start its header_timeout. */
static void on_conn_input(
        struct evbuffer *buf, const struct evbuffer_cb_info *info, void *userdata) {
        struct conn *c = userdata;

        if (info->n_added > 0 && c->state == CONN_IDLE)
                conn_arm(c, CONN_RECEIVING);
}

static void conn_ex_free(
        void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp) {
        struct conn *c = ptr;

        if (!c)
                return; /* an SSL object that is not one of ours */
        if (c->timer)
                event_free(c->timer);
        free(c->identity);
        c->server->connections--;
        update_accepting(c->server);
        free(c);
}

static struct bufferevent *on_new_connection(struct event_base *base, void *userdata) {
        struct fl_server *s = userdata;
        struct bufferevent *bev;
        struct conn *c;
        SSL *ssl;

        /* evhttp cannot be told "no": on failure it gets NULL and makes a
         * plain socket bufferevent, whose first TLS record is not HTTP and
         * fails as a bad request. */
        c = calloc(1, sizeof(*c));
        if (!c)
                return NULL;
        c->server = s;
        c->timer = evtimer_new(base, on_conn_timeout, c);
        ssl = SSL_new(s->ssl_ctx);
        if (!c->timer || !ssl) {
                if (c->timer)
                        event_free(c->timer);
                free(c);
                SSL_free(ssl);
                return NULL;
        }
        s->connections++;
        s->connections_total++;
        if (SSL_set_ex_data(ssl, s->ex_index, c) != 1) {
                /* Not ours yet: undo by hand. */
                event_free(c->timer);
                free(c);
                s->connections--;
                SSL_free(ssl);
                return NULL;
        }
        bev = bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
                BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);
        if (!bev) {
                SSL_free(ssl); /* frees c through conn_ex_free */
                return NULL;
        }
        bufferevent_openssl_set_allow_dirty_shutdown(bev, 1);
        c->bev = bev;
        (void) evbuffer_add_cb(bufferevent_get_input(bev), on_conn_input, c);
        conn_arm(c, CONN_RECEIVING); /* handshake and first request */
        update_accepting(s);
        return bev;
}

static struct conn *conn_of(struct fl_server *s, struct evhttp_request *req) {
        struct evhttp_connection *evcon = evhttp_request_get_connection(req);
        struct bufferevent *bev;
        SSL *ssl;

        if (!evcon)
                return NULL;
        bev = evhttp_connection_get_bufferevent(evcon);
        ssl = bev ? bufferevent_openssl_get_ssl(bev) : NULL;
        return ssl ? SSL_get_ex_data(ssl, s->ex_index) : NULL;
}

/* The caller's SPIFFE ID, from the verified client certificate (once per
 * connection). Without enable_tls no certificate is requested: no identity. */
static void conn_identity(struct fl_server *s, struct conn *c) {
        SSL *ssl;
        X509 *cert;

        if (c->identity_checked)
                return;
        c->identity_checked = true;
        if (!s->config->server_config.enable_tls)
                return;
        ssl = bufferevent_openssl_get_ssl(c->bev);
        cert = ssl ? SSL_get0_peer_certificate(ssl) : NULL;
        if (!cert)
                return;
        if (SSL_get_verify_result(ssl) != X509_V_OK) {
                c->identity_problem = "the client certificate was not verified";
                return;
        }
        if (fl_spiffe_id_from_cert(cert, &c->identity, &c->identity_problem) < 0)
                c->identity = NULL;
}

/* ---- requests --------------------------------------------------------------- */

static void request_free(struct fl_request *r) {
        free(r->path);
        free(r->query);
        free(r->identity);
        free(r->peer);
        free(r);
}

/* After evhttp_send_reply(): r->req may be gone already. */
static void finish(struct fl_request *r, int status, const char *route) {
        struct fl_server *s = r->server;

        s->in_flight--;
        if (s->done)
                s->done(r, route, status, now_usec() - r->start_usec, s->userdata);
        request_free(r);
}

static void reply(struct fl_request *r, int status, struct evbuffer *buf, const char *content_type,
        const char *header_name, const char *header_value) {
        struct evkeyvalq *h = evhttp_request_get_output_headers(r->req);
        const char *route = r->route ? r->route->name : "none";
        struct conn *c = conn_of(r->server, r->req);

        if (c)
                conn_arm(c, CONN_IDLE);
        evhttp_add_header(h, "Content-Type", content_type);
        evhttp_add_header(h, "Cache-Control", "no-store");
        if (header_name)
                evhttp_add_header(h, header_name, header_value);
        evhttp_send_reply(r->req, status, NULL, buf);
        finish(r, status, route);
}

void fl_request_reply_json(struct fl_request *r, int status, json_t *body, const char *header_name,
        const char *header_value) {
        struct evbuffer *buf = evbuffer_new();
        char *text = body ? json_dumps(body, JSON_COMPACT) : NULL;

        if (buf && text) {
                evbuffer_add(buf, text, strlen(text));
                evbuffer_add(buf, "\n", 1);
        } else if (buf && body) /* out of memory: an empty body beats no answer */
                status = 500;
        free(text);
        json_decref(body);
        reply(r, status, buf, "application/json", header_name, header_value);
        if (buf)
                evbuffer_free(buf);
}

void fl_request_reply_error(
        struct fl_request *r, int status, const char *code, const char *fmt, ...) {
        char message[512];
        va_list ap;

        va_start(ap, fmt);
        (void) vsnprintf(message, sizeof(message), fmt, ap);
        va_end(ap);
        if (!r->log_detail)
                r->log_detail = code;
        fl_request_reply_json(
                r, status, json_pack("{s:s, s:s}", "error", code, "message", message), NULL, NULL);
}

void fl_request_reply_text(
        struct fl_request *r, int status, const char *content_type, const char *text, size_t len) {
        struct evbuffer *buf = evbuffer_new();

        if (buf)
                evbuffer_add(buf, text, len);
        reply(r, status, buf, content_type, NULL, NULL);
        if (buf)
                evbuffer_free(buf);
}

const void *fl_request_body(struct fl_request *r, size_t *ret_size) {
        struct evbuffer *in = evhttp_request_get_input_buffer(r->req);
        size_t n = evbuffer_get_length(in);

        *ret_size = n;
        return n > 0 ? (const void *) evbuffer_pullup(in, -1) : (const void *) "";
}

const char *fl_request_header(struct fl_request *r, const char *name) {
        return evhttp_find_header(evhttp_request_get_input_headers(r->req), name);
}

void fl_request_headers(struct fl_request *r,
        void (*fn)(const char *name, const char *value, void *userdata), void *userdata) {
        struct evkeyval *kv;

        for (kv = TAILQ_FIRST(evhttp_request_get_input_headers(r->req)); kv;
                kv = TAILQ_NEXT(kv, next))
                fn(kv->key, kv->value, userdata);
}

static const struct fl_route *find_route(
        const struct fl_route *routes, const char *path, unsigned method, unsigned *ret_methods) {
        const struct fl_route *match = NULL;
        unsigned methods = 0;

        for (const struct fl_route *rt = routes; rt->path; rt++) {
                if (strcmp(rt->path, path) != 0)
                        continue;
                methods |= rt->methods;
                if ((rt->methods & method) && !match)
                        match = rt;
        }
        *ret_methods = methods;
        return match;
}

static void allow_header(unsigned methods, char *buf, size_t size) {
        size_t len = 0;

        buf[0] = '\0';
        for (unsigned m = 1; m < FL_METHOD_ANY; m <<= 1)
                if (methods & m) {
                        int k = snprintf(buf + len, size - len, "%s%s", len ? ", " : "",
                                fl_method_to_string(m));
                        if (k < 0 || (size_t) k >= size - len)
                                break;
                        len += (size_t) k;
                }
}

/* Stands for "the ACL refused it" in metrics and the access log. */
static const struct fl_route acl_route = {.name = "acl"};

static void on_request(struct evhttp_request *req, void *userdata) {
        struct fl_server *s = userdata;
        const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
        struct evhttp_connection *evcon = evhttp_request_get_connection(req);
        struct fl_acl_decision acl;
        struct fl_request *r;
        struct conn *c = conn_of(s, req);
        const char *path, *query;
        unsigned methods;
        char *host = NULL;
        ev_uint16_t port = 0;

        r = calloc(1, sizeof(*r));
        path = uri ? evhttp_uri_get_path(uri) : NULL;
        query = uri ? evhttp_uri_get_query(uri) : NULL;
        if (!r || !(r->path = strdup(path && *path ? path : "/")) ||
                (query && !(r->query = strdup(query)))) {
                if (r)
                        request_free(r);
                evhttp_send_error(req, 500, NULL);
                return;
        }
        r->req = req;
        r->server = s;
        r->start_usec = now_usec();
        r->method = method_of(evhttp_request_get_command(req));
        s->in_flight++;
        if (c) {
                conn_arm(c, CONN_PROCESSING);
                conn_identity(s, c);
                if (c->identity)
                        r->identity = strdup(c->identity);
                r->identity_problem = c->identity_problem;
        }
        if (evcon) {
                evhttp_connection_get_peer(evcon, &host, &port);
                if (host &&
                        asprintf(&r->peer, strchr(host, ':') ? "[%s]:%u" : "%s:%u", host, port) < 0)
                        r->peer = NULL;
        }

        fl_acl_check(&s->config->server_config, r->method, r->path, r->identity, &acl);
        if (!acl.allowed) {
                r->route = &acl_route;
                if (!acl.matched)
                        fl_request_reply_error(r, 403, "forbidden", "no access rule covers %s %s",
                                fl_method_to_string(r->method), r->path);
                else if (r->identity)
                        fl_request_reply_error(r, 403, "forbidden",
                                "%s may not call %s %s (route_rule \"%s\")", r->identity,
                                fl_method_to_string(r->method), r->path, acl.rule);
                else if (r->identity_problem)
                        fl_request_reply_error(r, 403, "forbidden",
                                "%s %s needs a client identity, and the client certificate has "
                                "none: %s",
                                fl_method_to_string(r->method), r->path, r->identity_problem);
                else
                        fl_request_reply_error(r, 403, "forbidden",
                                "%s %s needs a client certificate with an allowed SPIFFE ID",
                                fl_method_to_string(r->method), r->path);
                return;
        }
        r->skip_log = acl.skip_log;

        r->route = find_route(s->routes, r->path, r->method, &methods);
        if (!r->route) {
                char allow[96];
                if (!methods) {
                        fl_request_reply_error(
                                r, 404, "not_found", "no such endpoint: %s", r->path);
                        return;
                }
                allow_header(methods, allow, sizeof(allow));
                fl_request_reply_json(r, 405,
                        json_pack("{s:s, s:s}", "error", "method_not_allowed", "message",
                                "this endpoint does not take that method"),
                        "Allow", allow);
                return;
        }
        r->route->handler(r, s->userdata);
}

/* ---- setup ---------------------------------------------------------------- */

static int bind_one(
        struct fl_server *s, const struct fl_listen_address *a, char *err, size_t err_size) {
        struct evhttp_bound_socket *b;
        struct sockaddr_storage ss;
        socklen_t len = sizeof(ss);
        char host[INET6_ADDRSTRLEN];
        evutil_socket_t fd;
        uint16_t port;

        b = evhttp_bind_socket_with_handle(s->http, a->host, a->port);
        if (!b) {
                int r = negative_errno();
                snprintf(err, err_size, "cannot listen on %s%s%s:%u: %s",
                        strchr(a->host, ':') ? "[" : "", a->host, strchr(a->host, ':') ? "]" : "",
                        a->port, strerror(-r));
                return r;
        }
        s->bound[s->n_bound] = b;
        fd = evhttp_bound_socket_get_fd(b);
        /* Accepted sockets inherit it: answers go out at once instead of
         * waiting for the client's delayed ACK of the previous segment
         * (40 ms per request on a keep-alive connection otherwise). */
        if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){1}, sizeof(int)) < 0)
                return negative_errno();
        if (getsockname(fd, (struct sockaddr *) &ss, &len) < 0)
                return negative_errno();
        if (ss.ss_family == AF_INET6) {
                struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) &ss;
                inet_ntop(AF_INET6, &in6->sin6_addr, host, sizeof(host));
                port = ntohs(in6->sin6_port);
                if (asprintf(&s->bound_names[s->n_bound], "[%s]:%u", host, port) < 0)
                        return -ENOMEM;
        } else {
                struct sockaddr_in *in = (struct sockaddr_in *) &ss;
                inet_ntop(AF_INET, &in->sin_addr, host, sizeof(host));
                port = ntohs(in->sin_port);
                if (asprintf(&s->bound_names[s->n_bound], "%s:%u", host, port) < 0)
                        return -ENOMEM;
        }
        s->n_bound++;
        return 0;
}

int fl_server_new(struct event_base *base, const struct fl_server_options *options,
        struct fl_server **ret, char *err, size_t err_size) {
        _cleanup_(fl_server_freep) struct fl_server *s = NULL;
        const struct fl_coordinator_config *cfg = options->config;
        enum fl_tls_file which;
        char why[256];
        struct timeval tv;
        int r;

        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->base = base;
        s->config = cfg;
        s->routes = options->routes;
        s->userdata = options->userdata;
        s->done = options->done;
        s->ex_index = -1;

        r = fl_tls_server_ctx_new(
                &cfg->tls, cfg->server_config.enable_tls, &s->ssl_ctx, &which, why, sizeof(why));
        if (r < 0) {
                snprintf(err, err_size, "tls.%s: %s", fl_tls_file_name(which), why);
                return r;
        }
        s->ex_index = SSL_get_ex_new_index(0, NULL, NULL, NULL, conn_ex_free);
        s->http = evhttp_new(base);
        if (s->ex_index < 0 || !s->http) {
                snprintf(err, err_size, "out of memory");
                return -ENOMEM;
        }
        evhttp_set_bevcb(s->http, on_new_connection, s);
        evhttp_set_gencb(s->http, on_request, s);
        evhttp_set_allowed_methods(s->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_PUT |
                                                    EVHTTP_REQ_DELETE | EVHTTP_REQ_PATCH |
                                                    EVHTTP_REQ_HEAD | EVHTTP_REQ_OPTIONS);
        evhttp_set_max_headers_size(s->http, HEADERS_MAX_BYTES);
        evhttp_set_max_body_size(s->http, cfg->body_limit);
        /* Read the rest of an oversized body before closing, so the client
         * sees the 413 instead of a reset. */
        evhttp_set_flags(s->http, EVHTTP_SERVER_LINGERING_CLOSE);
        /* evhttp's own inactivity timeout, a backstop behind ours. */
        tv = (struct timeval){.tv_sec = (time_t) (cfg->idle_timeout_usec / 1000000) + 1};
        evhttp_set_timeout_tv(s->http, &tv);

        s->listening = true;
        s->accepting = true;
        for (size_t i = 0; i < cfg->n_listen; i++) {
                r = bind_one(s, &cfg->listen[i], err, err_size);
                if (r < 0)
                        return r;
        }
        update_accepting(s);
        *ret = TAKE_PTR(s);
        return 0;
}

void fl_server_stop_listening(struct fl_server *s) {
        if (!s || !s->listening)
                return;
        for (size_t i = 0; i < s->n_bound; i++)
                evhttp_del_accept_socket(s->http, s->bound[i]);
        s->n_bound = 0;
        s->listening = false;
        s->accepting = false;
}

struct fl_server *fl_server_free(struct fl_server *s) {
        if (!s)
                return NULL;
        s->listening = false; /* connections closing below must not re-enable listeners */
        s->n_bound = 0;
        if (s->http)
                evhttp_free(s->http);
        SSL_CTX_free(s->ssl_ctx);
        if (s->ex_index >= 0)
                CRYPTO_free_ex_index(CRYPTO_EX_INDEX_SSL, s->ex_index);
        for (size_t i = 0; i < FL_LISTEN_MAX; i++)
                free(s->bound_names[i]);
        free(s);
        return NULL;
}

size_t fl_server_n_bound(const struct fl_server *s) {
        size_t n = 0;

        for (size_t i = 0; i < FL_LISTEN_MAX; i++)
                n += s->bound_names[i] != NULL;
        return n;
}

const char *fl_server_bound(const struct fl_server *s, size_t i) {
        return i < FL_LISTEN_MAX ? s->bound_names[i] : NULL;
}

void fl_server_get_stats(const struct fl_server *s, struct fl_server_stats *ret) {
        *ret = (struct fl_server_stats){
                .connections = s->connections,
                .connections_total = s->connections_total,
                .requests_in_flight = s->in_flight,
                .timeouts = s->timeouts,
                .accepting = s->accepting,
        };
}
