/* SPDX-License-Identifier: Apache-2.0 */
#include "http_test_server.h"

#include "fl_test.h"
#include "macro.h"

#include <arpa/inet.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/ssl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_CONNECTIONS 4096

struct server {
        const char *dir;
        SSL_CTX *ssl;
        unsigned n_connections;
        struct bufferevent *bevs[MAX_CONNECTIONS]; /* index: connection number - 1 */
};

static struct bufferevent *on_connection(struct event_base *base, void *arg) {
        struct server *s = arg;
        struct bufferevent *bev;

        if (s->ssl)
                bev = bufferevent_openssl_socket_new(base, -1, SSL_new(s->ssl),
                        BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
        else
                bev = bufferevent_socket_new(base, -1, BEV_OPT_CLOSE_ON_FREE);
        if (bev && s->n_connections < MAX_CONNECTIONS)
                s->bevs[s->n_connections++] = bev;
        return bev;
}

/* The newest connection with this bufferevent (addresses get reused). */
static unsigned connection_number(const struct server *s, struct evhttp_request *req) {
        struct bufferevent *bev =
                evhttp_connection_get_bufferevent(evhttp_request_get_connection(req));

        for (unsigned i = s->n_connections; i > 0; i--)
                if (s->bevs[i - 1] == bev)
                        return i;
        return 0;
}

static void log_request(const struct server *s, struct evhttp_request *req, const char *path) {
        struct evkeyvalq *in = evhttp_request_get_input_headers(req);
        struct evbuffer *buf = evhttp_request_get_input_buffer(req);
        size_t len = evbuffer_get_length(buf);
        json_auto_t *line = json_object(), *headers = json_object();
        _cleanup_free_ char *body = malloc(len + 1), *text = NULL, *file = NULL;
        struct evkeyval *h;
        int fd;

        evbuffer_copyout(buf, body, len);
        body[len] = '\0';
        TAILQ_FOREACH(h, in, next)
        json_object_set_new(headers, h->key, json_string(h->value));
        json_object_set_new(line, "connection", json_integer(connection_number(s, req)));
        json_object_set_new(line, "method",
                json_string(evhttp_request_get_command(req) == EVHTTP_REQ_POST ? "POST" : "other"));
        json_object_set_new(line, "path", json_string(path));
        json_object_set(line, "headers", headers);
        json_object_set_new(line, "body", json_stringn(body, len));
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        json_object_set_new(line, "at_usec",
                json_integer((json_int_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000));
        text = json_dumps(line, JSON_COMPACT);
        if (asprintf(&file, "%s/requests.jsonl", s->dir) < 0 || !text)
                _exit(2);
        fd = open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
        if (fd < 0 || dprintf(fd, "%s\n", text) < 0)
                _exit(2);
        close(fd);
}

static void answer_from_file(const struct server *s, struct evhttp_request *req) {
        _cleanup_free_ char *file = NULL, *data = NULL;
        struct evbuffer *out = evbuffer_new();
        char *p, *line_end;
        int status = 200;
        size_t size = 0;
        FILE *f;

        if (asprintf(&file, "%s/answer", s->dir) < 0)
                _exit(2);
        f = fopen(file, "re");
        if (!f) {
                evhttp_add_header(
                        evhttp_request_get_output_headers(req), "Content-Type", "application/json");
                evbuffer_add_printf(out, "{\"ok\":true}");
                evhttp_send_reply(req, 200, "OK", out);
                evbuffer_free(out);
                return;
        }
        data = calloc(1, 1 << 20);
        size = fread(data, 1, (1 << 20) - 1, f);
        fclose(f);
        data[size] = '\0';

        p = data;
        status = atoi(p);
        p = strchr(p, '\n');
        p = p ? p + 1 : data + size;
        while (*p && *p != '\n') {
                line_end = strchr(p, '\n');
                if (line_end)
                        *line_end = '\0';
                char *colon = strchr(p, ':');
                if (colon) {
                        *colon = '\0';
                        const char *v = colon + 1;
                        while (*v == ' ')
                                v++;
                        evhttp_add_header(evhttp_request_get_output_headers(req), p, v);
                }
                p = line_end ? line_end + 1 : data + size;
        }
        if (*p == '\n')
                p++;
        evhttp_add_header(
                evhttp_request_get_output_headers(req), "Content-Type", "application/json");
        evbuffer_add(out, p, strlen(p));
        evhttp_send_reply(req, status, "Scripted", out);
        evbuffer_free(out);
}

static void on_request(struct evhttp_request *req, void *arg) {
        struct server *s = arg;
        const char *uri = evhttp_request_get_uri(req);
        char path[256];

        snprintf(path, sizeof(path), "%.*s", (int) strcspn(uri, "?"), uri);
        log_request(s, req, path);
        if (strcmp(path, "/slow") == 0)
                return; /* never answered */
        if (strcmp(path, "/big") == 0) {
                struct evbuffer *out = evbuffer_new();
                static char chunk[1024];
                memset(chunk, 'x', sizeof(chunk));
                for (int i = 0; i < 100; i++)
                        evbuffer_add(out, chunk, sizeof(chunk));
                evhttp_send_reply(req, 200, "OK", out);
                evbuffer_free(out);
                return;
        }
        if (strcmp(path, "/close") == 0) {
                struct evbuffer *out = evbuffer_new();
                evhttp_add_header(evhttp_request_get_output_headers(req), "Connection", "close");
                evbuffer_add_printf(out, "{\"ok\":true}");
                evhttp_send_reply(req, 200, "OK", out);
                evbuffer_free(out);
                return;
        }
        answer_from_file(s, req);
}

static SSL_CTX *server_tls(const char *pki) {
        char cert[512], key[512], ca[512];
        SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

        snprintf(cert, sizeof(cert), "%s/server.pem", pki);
        snprintf(key, sizeof(key), "%s/server.key", pki);
        snprintf(ca, sizeof(ca), "%s/ca.pem", pki);
        if (!ctx || SSL_CTX_use_certificate_chain_file(ctx, cert) != 1 ||
                SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM) != 1 ||
                SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1)
                _exit(3);
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
        return ctx;
}

static __attribute__((noreturn)) void run_child(
        const char *dir, const char *pki, int want_port, int report) {
        static struct server s;
        struct evhttp_bound_socket *bound;
        struct sockaddr_in sin;
        socklen_t len = sizeof(sin);
        struct event_base *base;
        struct evhttp *http;
        int port;

        (void) prctl(PR_SET_PDEATHSIG, SIGKILL);
        s.dir = dir;
        if (pki)
                s.ssl = server_tls(pki);
        base = event_base_new();
        http = base ? evhttp_new(base) : NULL;
        if (!http)
                _exit(3);
        evhttp_set_bevcb(http, on_connection, &s);
        evhttp_set_gencb(http, on_request, &s);
        evhttp_set_timeout(http, 3600);
        bound = evhttp_bind_socket_with_handle(http, "127.0.0.1", (ev_uint16_t) want_port);
        if (!bound ||
                getsockname(evhttp_bound_socket_get_fd(bound), (struct sockaddr *) &sin, &len) < 0)
                _exit(3);
        port = ntohs(sin.sin_port);
        if (write(report, &port, sizeof(port)) != sizeof(port))
                _exit(3);
        close(report);
        event_base_dispatch(base);
        _exit(0);
}

void fl_http_test_server_start(struct fl_http_test_server *s, const char *dir, const char *pki) {
        fl_http_test_server_start_on(s, dir, pki, 0);
}

void fl_http_test_server_start_on(
        struct fl_http_test_server *s, const char *dir, const char *pki, int port) {
        int pfd[2];

        memset(s, 0, sizeof(*s));
        assert_int_equal(pipe2(pfd, O_CLOEXEC), 0);
        s->pid = fork();
        assert_true(s->pid >= 0);
        if (s->pid == 0) {
                close(pfd[0]);
                run_child(dir, pki, port, pfd[1]);
        }
        close(pfd[1]);
        if (read(pfd[0], &s->port, sizeof(s->port)) != sizeof(s->port))
                fail_msg("the test HTTP server did not start");
        close(pfd[0]);
        s->dir = strdup(dir);
        snprintf(s->url, sizeof(s->url), "%s://127.0.0.1:%d", pki ? "https" : "http", s->port);
}

void fl_http_test_server_stop(struct fl_http_test_server *s) {
        if (s->pid > 0) {
                kill(s->pid, SIGKILL);
                (void) waitpid(s->pid, NULL, 0);
        }
        s->pid = 0;
        free(s->dir);
        s->dir = NULL;
}

void fl_http_test_server_answer(
        const struct fl_http_test_server *s, int status, const char *headers, const char *body) {
        _cleanup_free_ char *tmp = NULL, *file = NULL;
        FILE *f;

        assert_true(asprintf(&tmp, "%s/answer.tmp", s->dir) > 0);
        assert_true(asprintf(&file, "%s/answer", s->dir) > 0);
        f = fopen(tmp, "we");
        assert_non_null(f);
        fprintf(f, "%d\n%s%s\n%s", status, headers ? headers : "", headers && *headers ? "\n" : "",
                body ? body : "");
        assert_int_equal(fclose(f), 0);
        assert_int_equal(rename(tmp, file), 0);
}

size_t fl_http_test_server_requests(const struct fl_http_test_server *s) {
        _cleanup_free_ char *file = NULL;
        size_t n = 0;
        FILE *f;
        int c;

        assert_true(asprintf(&file, "%s/requests.jsonl", s->dir) > 0);
        f = fopen(file, "re");
        if (!f)
                return 0;
        while ((c = fgetc(f)) != EOF)
                n += c == '\n';
        fclose(f);
        return n;
}
