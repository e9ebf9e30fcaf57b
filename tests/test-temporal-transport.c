/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The Temporal client's transport (libcurl multi on libevent, retries, breaker,
 * caps, keep-alive) against a scripted local HTTP server on the same loop.
 *
 * The server is not a Temporal fake: it replays canned statuses and bodies
 * (the real answers from tests/data/temporal/) to provoke what the real dev
 * server cannot be made to do on demand (429, 503, hangs, huge answers). The
 * Temporal semantics are tested against the real server in
 * test-temporal-integration.c.
 */
#include "fl_test.h"
#include "macro.h"
#include "temporal-sync.h"
#include "temporal.h"

#include <arpa/inet.h>
#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent_ssl.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>

#define MAX_STEPS 16
#define MAX_SEEN  64

struct step {
        int status;
        const char *body; /* NULL with file: the named file in tests/data/temporal */
        const char *file;
        size_t big;          /* > 0: a body of this many bytes */
        bool chunked;        /* send it chunked (no Content-Length) */
        bool hang;           /* never answer */
        uint64_t delay_usec; /* answer after this long */
};

struct seen {
        char *method, *uri, *body;
        char *content_type, *accept, *authorization, *user_agent, *expect;
        const void *conn;
};

struct server {
        struct event_base *base;
        struct evhttp *http;
        int port;
        struct step steps[MAX_STEPS];
        size_t n_steps, next;
        struct seen seen[MAX_SEEN];
        size_t n_seen;
};

static struct event_base *base;

static char *dup_or_null(const char *s) {
        return s ? strdup(s) : NULL;
}

static void send_step(struct evhttp_request *req, const struct step *st);

struct delayed {
        struct evhttp_request *req;
        const struct step *st;
        struct event *ev;
};

static void on_delay(evutil_socket_t fd, short what, void *userdata) {
        struct delayed *d = userdata;

        evhttp_connection_set_closecb(evhttp_request_get_connection(d->req), NULL, NULL);
        send_step(d->req, d->st);
        event_free(d->ev);
        free(d);
}

/* The client gave up (timeout) before the delayed answer: drop it. */
static void on_delayed_close(struct evhttp_connection *conn, void *userdata) {
        struct delayed *d = userdata;

        event_free(d->ev);
        free(d);
}

static void on_request(struct evhttp_request *req, void *userdata) {
        struct server *s = userdata;
        struct evkeyvalq *h = evhttp_request_get_input_headers(req);
        struct evbuffer *in = evhttp_request_get_input_buffer(req);
        const struct step *st;
        struct seen *sn;

        assert_true(s->n_steps > 0);
        st = &s->steps[s->next < s->n_steps ? s->next : s->n_steps - 1];
        s->next++;
        if (s->n_seen < MAX_SEEN) {
                size_t n = evbuffer_get_length(in);
                sn = &s->seen[s->n_seen++];
                sn->method = strdup(evhttp_request_get_command(req) == EVHTTP_REQ_POST  ? "POST"
                                    : evhttp_request_get_command(req) == EVHTTP_REQ_GET ? "GET"
                                                                                        : "OTHER");
                sn->uri = strdup(evhttp_request_get_uri(req));
                sn->body = calloc(1, n + 1);
                evbuffer_copyout(in, sn->body, n);
                sn->content_type = dup_or_null(evhttp_find_header(h, "Content-Type"));
                sn->accept = dup_or_null(evhttp_find_header(h, "Accept"));
                sn->authorization = dup_or_null(evhttp_find_header(h, "Authorization"));
                sn->user_agent = dup_or_null(evhttp_find_header(h, "User-Agent"));
                sn->expect = dup_or_null(evhttp_find_header(h, "Expect"));
                sn->conn = evhttp_request_get_connection(req);
        }
        if (st->hang)
                return;
        if (st->delay_usec) {
                struct delayed *d = calloc(1, sizeof(*d));
                struct timeval tv = {0, (suseconds_t) st->delay_usec};
                d->req = req;
                d->st = st;
                d->ev = evtimer_new(s->base, on_delay, d);
                evtimer_add(d->ev, &tv);
                evhttp_connection_set_closecb(
                        evhttp_request_get_connection(req), on_delayed_close, d);
                return;
        }
        send_step(req, st);
}

static void send_step(struct evhttp_request *req, const struct step *st) {
        struct evbuffer *out = evbuffer_new();

        if (st->big) {
                char *b = malloc(st->big);
                memset(b, ' ', st->big);
                b[0] = '{';
                b[st->big - 1] = '}';
                if (st->chunked) {
                        evhttp_send_reply_start(req, st->status, "X");
                        for (size_t off = 0; off < st->big; off += 1000) {
                                evbuffer_add(
                                        out, b + off, st->big - off < 1000 ? st->big - off : 1000);
                                evhttp_send_reply_chunk(req, out);
                        }
                        evhttp_send_reply_end(req);
                        free(b);
                        evbuffer_free(out);
                        return;
                }
                evbuffer_add(out, b, st->big);
                free(b);
        } else if (st->file) {
                _cleanup_free_ char *rel = NULL, *path = NULL, *text = NULL;
                assert_true(asprintf(&rel, "tests/data/temporal/%s", st->file) > 0);
                path = fl_test_source_path(rel);
                text = fl_test_read_file(path, NULL);
                evbuffer_add(out, text, strlen(text));
        } else if (st->body)
                evbuffer_add(out, st->body, strlen(st->body));
        evhttp_send_reply(req, st->status, "X", out);
        evbuffer_free(out);
}

static struct server *server_new(void) {
        struct server *s = calloc(1, sizeof(*s));
        struct evhttp_bound_socket *bound;
        struct sockaddr_in sa;
        socklen_t len = sizeof(sa);

        s->base = base;
        s->http = evhttp_new(base);
        assert_non_null(s->http);
        evhttp_set_gencb(s->http, on_request, s);
        bound = evhttp_bind_socket_with_handle(s->http, "127.0.0.1", 0);
        assert_non_null(bound);
        assert_int_equal(
                getsockname(evhttp_bound_socket_get_fd(bound), (struct sockaddr *) &sa, &len), 0);
        s->port = ntohs(sa.sin_port);
        return s;
}

static struct bufferevent *on_tls_connection(struct event_base *b, void *userdata) {
        return bufferevent_openssl_socket_new(
                b, -1, SSL_new(userdata), BUFFEREVENT_SSL_ACCEPTING, BEV_OPT_CLOSE_ON_FREE);
}

/* Serves HTTPS with the test PKI and requires a client certificate. */
static SSL_CTX *server_tls(struct server *s, const char *pki) {
        _cleanup_free_ char *cert = NULL, *key = NULL, *ca = NULL;
        SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());

        assert_true(asprintf(&cert, "%s/server.pem", pki) > 0);
        assert_true(asprintf(&key, "%s/server.key", pki) > 0);
        assert_true(asprintf(&ca, "%s/ca.pem", pki) > 0);
        assert_non_null(ctx);
        assert_int_equal(SSL_CTX_use_certificate_chain_file(ctx, cert), 1);
        assert_int_equal(SSL_CTX_use_PrivateKey_file(ctx, key, SSL_FILETYPE_PEM), 1);
        assert_int_equal(SSL_CTX_load_verify_locations(ctx, ca, NULL), 1);
        SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
        evhttp_set_bevcb(s->http, on_tls_connection, ctx);
        return ctx;
}

static void server_script(struct server *s, const struct step *steps, size_t n) {
        assert_true(n <= MAX_STEPS);
        memcpy(s->steps, steps, n * sizeof(*steps));
        s->n_steps = n;
        s->next = 0;
}

static size_t server_connections(const struct server *s) {
        const void *distinct[MAX_SEEN];
        size_t n = 0;

        for (size_t i = 0; i < s->n_seen; i++) {
                bool known = false;
                for (size_t k = 0; k < n; k++)
                        known = known || distinct[k] == s->seen[i].conn;
                if (!known)
                        distinct[n++] = s->seen[i].conn;
        }
        return n;
}

static void server_free(struct server *s) {
        evhttp_free(s->http);
        for (size_t i = 0; i < s->n_seen; i++) {
                struct seen *sn = &s->seen[i];
                free(sn->method);
                free(sn->uri);
                free(sn->body);
                free(sn->content_type);
                free(sn->accept);
                free(sn->authorization);
                free(sn->user_agent);
                free(sn->expect);
        }
        free(s);
}

/* A port nothing listens on (bound, then closed). */
static int dead_port(void) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t len = sizeof(sa);

        assert_true(fd >= 0);
        assert_int_equal(bind(fd, (struct sockaddr *) &sa, len), 0);
        assert_int_equal(getsockname(fd, (struct sockaddr *) &sa, &len), 0);
        close(fd);
        return ntohs(sa.sin_port);
}

static struct fl_temporal *client(int port, struct fl_temporal_options o) {
        char url[64];
        struct fl_temporal *t = NULL;

        snprintf(url, sizeof(url), "http://127.0.0.1:%d", port);
        o.url = url;
        if (!o.backoff_initial_usec)
                o.backoff_initial_usec = 5000;
        if (!o.backoff_max_usec)
                o.backoff_max_usec = 20000;
        assert_int_equal(fl_temporal_new(base, &o, &t), 0);
        return t;
}

static void on_elapsed(evutil_socket_t fd, short what, void *userdata) {
        *(bool *) userdata = true;
}

/* Runs the loop (so the client's timers and sockets work) for a while. */
static void run_for_usec(uint64_t usec) {
        bool elapsed = false;
        struct event *ev = evtimer_new(base, on_elapsed, &elapsed);
        struct timeval tv = {.tv_sec = usec / 1000000, .tv_usec = usec % 1000000};

        evtimer_add(ev, &tv);
        fl_tsync_run_until(base, &elapsed, 10);
        event_free(ev);
}

static const struct fl_temporal_start a_start = {
        .workflow_id = "fl-wire-1",
        .workflow_type = "DiskRemediation",
        .task_queue = "node/node-17",
        .search_attributes = {.node = "node-17"},
};

/* ---- tests --------------------------------------------------------------------- */

static void test_new_options(void **state) {
        _cleanup_free_ char *dir = fl_test_mkdtemp();
        _cleanup_free_ char *ca = fl_test_write_file(dir, "ca.pem", "x");
        _cleanup_free_ char *missing = NULL;
        struct {
                struct fl_temporal_options o;
                int ret;
        } cases[] = {
                {{.url = "http://127.0.0.1:7243"}, 0},
                {{.url = "https://temporal:7233", .ca_file = ca}, 0},
                {{.url = "https://temporal:7233",
                         .ca_file = ca,
                         .cert_file = ca,
                         .key_file = ca,
                         .api_key = "k"},
                        0},
                {{.url = NULL}, -EINVAL},
                {{.url = "ftp://h"}, -EINVAL},
                {{.url = "http://"}, -EINVAL},
                {{.url = "http://h", .namespace = ""}, -EINVAL},
                {{.url = "http://h", .ca_file = ca}, -EINVAL},
                {{.url = "https://h", .cert_file = ca}, -EINVAL},
                {{.url = "https://h", .key_file = ca}, -EINVAL},
                {{.url = "https://h", .api_key = "a\r\nX-Evil: 1"}, -EINVAL},
                {{.url = "https://h", .api_key = ""}, -EINVAL},
                {{.url = "https://h", .identity = "me\n"}, -EINVAL},
                {{.url = "https://h",
                         .ca_file = NULL,
                         .cert_file = NULL,
                         .key_file = NULL,
                         .api_key = NULL},
                        0},
                {{.url = "https://h", .ca_file = ""}, -ENOENT},
        };

        assert_true(asprintf(&missing, "%s/missing.pem", dir) > 0);
        cases[ELEMENTSOF(cases) - 1].o.ca_file = missing;
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct fl_temporal *t = (struct fl_temporal *) 0x1;
                int r = fl_temporal_new(base, &cases[i].o, &t);
                if (r != cases[i].ret)
                        fail_msg("case %zu: %d, want %d", i, r, cases[i].ret);
                if (r == 0)
                        assert_null(fl_temporal_free(t));
                else
                        assert_ptr_equal(t, (struct fl_temporal *) 0x1);
        }
        assert_int_equal(
                fl_temporal_new(NULL, &cases[0].o, &(struct fl_temporal *){NULL}), -EINVAL);
        assert_null(fl_temporal_free(NULL));
        fl_test_rm_rf(dir);
}

static void test_invalid_calls(void **state) {
        struct fl_temporal *t = client(dead_port(), (struct fl_temporal_options){});
        struct fl_temporal_start bad = a_start;
        struct fl_tsync_result r;

        bad.workflow_id = "a/b";
        assert_int_equal(fl_tsync_start(base, t, &bad, 0, &r), -EINVAL);
        assert_int_equal(r.submit, -EINVAL);
        bad = a_start;
        bad.task_queue = NULL;
        assert_int_equal(fl_tsync_start(base, t, &bad, 0, &r), -EINVAL);
        assert_int_equal(fl_temporal_start_workflow(t, &a_start, 0, NULL, NULL), -EINVAL);
        assert_int_equal(fl_temporal_count(t, "", 0, NULL, NULL), -EINVAL);
        assert_int_equal(fl_tsync_list(base, t, "", 1001, NULL, 0, &r), -EINVAL);
        assert_int_equal(fl_tsync_describe(base, t, "", NULL, 0, &r), -EINVAL);
        assert_int_equal(fl_tsync_terminate(base, t, "x/y", "r", 0, &r), -EINVAL);
        assert_int_equal(fl_tsync_terminate(base, t, "x", "\xff", 0, &r), -EINVAL);
        fl_temporal_free(t);
}

static void test_requests_on_the_wire(void **state) {
        struct server *s = server_new();
        struct fl_temporal *t = client(s->port,
                (struct fl_temporal_options){
                        .api_key = "secret-key", .namespace = "ns 1", .identity = "fl-test"});
        const struct step steps[] = {
                {200, .file = "start-started.json"},
                {200, .file = "count-1.json"},
                {200, .file = "list.json"},
                {200, .file = "describe-running.json"},
                {200, .file = "terminate.json"},
        };
        struct fl_temporal_start req = a_start;
        struct fl_tsync_result r;
        json_t *body;

        server_script(s, steps, ELEMENTSOF(steps));
        req.request_id = "req-42";
        req.input = json_pack("{s:s}", "device", "sda");
        assert_int_equal(fl_tsync_start(base, t, &req, 0, &r), 0);
        assert_true(r.started);
        assert_string_equal(r.run_id, "01a21b30-fe90-7390-be2b-ef5f3f5eed70");
        assert_int_equal(r.http_status, 200);
        assert_int_equal(r.attempts, 1);
        assert_null(r.message);
        fl_tsync_result_done(&r);
        json_decref(req.input);

        assert_int_equal(fl_tsync_count(base, t, "FaultlineNode='node-17'", 0, &r), 0);
        assert_int_equal(r.count, 1);
        fl_tsync_result_done(&r);
        assert_int_equal(fl_tsync_list(base, t, "", 0, "tok+/=", 0, &r), 0);
        assert_int_equal(json_array_size(r.executions), 1);
        fl_tsync_result_done(&r);
        assert_int_equal(fl_tsync_describe(base, t, "fl-wire-1", "run 1", 0, &r), 0);
        assert_string_equal(
                json_string_value(json_object_get(json_array_get(r.executions, 0), "workflow_id")),
                "fl-wire-1");
        assert_non_null(json_object_get(r.raw, "executionConfig"));
        fl_tsync_result_done(&r);
        assert_int_equal(fl_tsync_terminate(base, t, "fl-wire-1", "bad disk", 0, &r), 0);
        fl_tsync_result_done(&r);

        assert_int_equal(s->n_seen, 5);
        for (size_t i = 0; i < s->n_seen; i++) {
                assert_string_equal(s->seen[i].content_type, "application/json");
                assert_string_equal(s->seen[i].accept, "application/json");
                assert_string_equal(s->seen[i].authorization, "Bearer secret-key");
                assert_null(s->seen[i].expect);
                assert_memory_equal(s->seen[i].user_agent, "faultline-coordinator/", 22);
        }
        assert_string_equal(s->seen[0].method, "POST");
        assert_string_equal(s->seen[0].uri, "/api/v1/namespaces/ns%201/workflows/fl-wire-1");
        body = json_loads(s->seen[0].body, 0, NULL);
        assert_string_equal(json_string_value(json_object_get(body, "requestId")), "req-42");
        assert_string_equal(json_string_value(json_object_get(body, "identity")), "fl-test");
        assert_string_equal(json_string_value(json_object_get(
                                    json_array_get(json_object_get(body, "input"), 0), "device")),
                "sda");
        json_decref(body);
        assert_string_equal(s->seen[1].method, "GET");
        assert_string_equal(s->seen[1].uri,
                "/api/v1/namespaces/ns%201/workflow-count?query=FaultlineNode%3D%27node-17%27");
        assert_string_equal(s->seen[2].uri,
                "/api/v1/namespaces/ns%201/"
                "workflows?query=&pageSize=100&nextPageToken=tok%2B%2F%3D"
                "&noPayloadShorthand=true");
        assert_string_equal(s->seen[3].uri,
                "/api/v1/namespaces/ns%201/workflows/fl-wire-1?execution.runId=run%201"
                "&noPayloadShorthand=true");
        assert_string_equal(s->seen[4].method, "POST");
        assert_string_equal(
                s->seen[4].uri, "/api/v1/namespaces/ns%201/workflows/fl-wire-1/terminate");
        body = json_loads(s->seen[4].body, 0, NULL);
        assert_string_equal(json_string_value(json_object_get(body, "reason")), "bad disk");
        json_decref(body);
        /* Five calls, one kept-alive connection. */
        assert_int_equal(server_connections(s), 1);
        fl_temporal_free(t);
        server_free(s);
}

static void test_already_started(void **state) {
        struct server *s = server_new();
        struct fl_temporal *t = client(s->port, (struct fl_temporal_options){});
        const struct step steps[] = {
                {200, .file = "start-existing-running.json"},
                {409, .file = "start-existing-closed-409.json"},
                {409, .body = "{\"code\": 6, \"message\": \"namespace exists\"}"},
        };
        struct fl_tsync_result r;

        server_script(s, steps, ELEMENTSOF(steps));
        /* Running, conflict policy USE_EXISTING: 200 without "started". */
        assert_int_equal(fl_tsync_start(base, t, &a_start, 0, &r), 0);
        assert_false(r.started);
        assert_string_equal(r.run_id, "01a21b30-fe90-7390-be2b-ef5f3f5eed70");
        fl_tsync_result_done(&r);
        /* Closed, reuse policy REJECT_DUPLICATE: 409 with the run id. */
        assert_int_equal(fl_tsync_start(base, t, &a_start, 0, &r), 0);
        assert_false(r.started);
        assert_int_equal(r.http_status, 409);
        assert_string_equal(r.run_id, "01a21b30-fe90-7390-be2b-ef5f3f5eed70");
        fl_tsync_result_done(&r);
        /* Another conflict is an error. */
        assert_int_equal(fl_tsync_start(base, t, &a_start, 0, &r), -EEXIST);
        assert_int_equal(r.grpc_code, 6);
        assert_string_equal(r.message, "namespace exists");
        assert_null(r.run_id);
        fl_tsync_result_done(&r);
        fl_temporal_free(t);
        server_free(s);
}

static void test_error_answers(void **state) {
        static const struct {
                struct step step;
                int ret;
                int grpc;
                const char *message;
        } cases[] = {
                {{400, .file = "count-bad-query-400.json"}, -EINVAL, 3,
                        "invalid query: invalid search attribute: Nope"},
                {{404, .file = "describe-404.json"}, -ENOENT, 5,
                        "workflow not found for ID: no-such"},
                {{403, .body = "{\"code\": 7, \"message\": \"denied\"}"}, -EACCES, 7, "denied"},
                {{401, .body = ""}, -EACCES, 0, "empty answer"},
                {{500, .body = "{\"code\": 13, \"message\": \"boom\"}"}, -EIO, 13, "boom"},
                {{501, .body = "no"}, -EOPNOTSUPP, 0, "no"},
                {{200, .body = "not json"}, -EBADMSG, 0, "answer is not JSON"},
                {{200, .body = "{\"count\": \"many\"}"}, -EBADMSG, 0,
                        "malformed CountWorkflowExecutions answer"},
        };
        struct server *s = server_new();
        struct fl_temporal *t = client(s->port, (struct fl_temporal_options){});

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct fl_tsync_result r;
                server_script(s, &cases[i].step, 1);
                assert_int_equal(fl_tsync_count(base, t, "", 0, &r), cases[i].ret);
                assert_int_equal(r.grpc_code, cases[i].grpc);
                assert_int_equal(r.http_status, cases[i].step.status);
                assert_string_equal(r.message, cases[i].message);
                assert_int_equal(r.attempts, 1); /* none of these is retried */
                assert_int_equal(r.count, 0);
                fl_tsync_result_done(&r);
        }
        fl_temporal_free(t);
        server_free(s);
}

static void test_retry_then_success(void **state) {
        struct server *s = server_new();
        struct fl_temporal *t = client(s->port, (struct fl_temporal_options){.breaker_off = true});
        const struct step steps[] = {
                {503, .body = "{\"code\": 14, \"message\": \"unavailable\"}"},
                {429, .body = "{\"code\": 8, \"message\": \"slow down\"}"},
                {502, .body = "<html>bad gateway</html>"},
                {200, .file = "start-started.json"},
        };
        struct fl_temporal_stats st;
        struct fl_tsync_result r;
        json_t *b0, *b3;

        server_script(s, steps, ELEMENTSOF(steps));
        assert_int_equal(fl_tsync_start(base, t, &a_start, 0, &r), 0);
        assert_true(r.started);
        assert_int_equal(r.attempts, 4);
        fl_tsync_result_done(&r);
        /* Every attempt carries the same generated request id, so Temporal
         * deduplicates a start whose answer was lost. */
        b0 = json_loads(s->seen[0].body, 0, NULL);
        b3 = json_loads(s->seen[3].body, 0, NULL);
        assert_int_equal(strlen(json_string_value(json_object_get(b0, "requestId"))), 36);
        assert_string_equal(json_string_value(json_object_get(b0, "requestId")),
                json_string_value(json_object_get(b3, "requestId")));
        json_decref(b0);
        json_decref(b3);
        fl_temporal_get_stats(t, &st);
        assert_int_equal(st.attempts, 4);
        assert_int_equal(st.retries, 3);
        assert_int_equal(st.finished[FL_TEMPORAL_OP_START], 1);
        assert_int_equal(st.failed[FL_TEMPORAL_OP_START], 0);
        assert_int_equal(st.pending, 0);

        /* A new call gets a new request id. */
        const struct step ok = {200, .file = "start-started.json"};
        server_script(s, &ok, 1);
        assert_int_equal(fl_tsync_start(base, t, &a_start, 0, &r), 0);
        fl_tsync_result_done(&r);
        b0 = json_loads(s->seen[0].body, 0, NULL);
        b3 = json_loads(s->seen[4].body, 0, NULL);
        assert_string_not_equal(json_string_value(json_object_get(b0, "requestId")),
                json_string_value(json_object_get(b3, "requestId")));
        json_decref(b0);
        json_decref(b3);
        fl_temporal_free(t);
        server_free(s);
}

static void test_retries_exhausted(void **state) {
        struct server *s = server_new();
        struct fl_temporal *t = client(
                s->port, (struct fl_temporal_options){.breaker_off = true, .max_attempts = 3});
        const struct step busy = {429, .body = "{\"code\": 8, \"message\": \"slow down\"}"};
        struct fl_tsync_result r;

        server_script(s, &busy, 1);
        assert_int_equal(fl_tsync_count(base, t, "", 0, &r), -EAGAIN);
        assert_int_equal(r.attempts, 3);
        assert_int_equal(r.http_status, 429);
        assert_int_equal(r.grpc_code, 8);
        assert_string_equal(r.message,
                "Temporal unavailable (attempts exhausted after 3 attempts): "
                "HTTP 429: slow down");
        fl_tsync_result_done(&r);
        assert_int_equal(s->n_seen, 3);

        assert_int_equal(fl_tsync_count(base, t, "", FL_TEMPORAL_NO_RETRY, &r), -EAGAIN);
        assert_int_equal(r.attempts, 1);
        assert_string_equal(r.message, "Temporal unavailable (no retry requested after 1 attempt): "
                                       "HTTP 429: slow down");
        fl_tsync_result_done(&r);
        assert_int_equal(s->n_seen, 4);
        fl_temporal_free(t);
        server_free(s);
}

static void test_deadline(void **state) {
        struct server *s = server_new();
        struct fl_temporal *t = client(s->port, (struct fl_temporal_options){.breaker_off = true,
                                                        .max_attempts = 1000,
                                                        .backoff_initial_usec = 100000,
                                                        .backoff_max_usec = 100000,
                                                        .deadline_usec = 400000});
        const struct step down = {503, .body = "{}"};
        struct fl_tsync_result r;

        server_script(s, &down, 1);
        assert_int_equal(fl_tsync_count(base, t, "", 0, &r), -EAGAIN);
        /* Backoffs of 50-100 ms within 400 ms: at most 9 attempts, not 1000.
         * The end is the deadline, give or take the loop's scheduling on a
         * busy machine. */
        assert_true(r.attempts >= 2 && r.attempts <= 9);
        assert_true(r.latency_usec < 400000 + 300000);
        assert_non_null(strstr(r.message, "deadline reached"));
        fl_tsync_result_done(&r);
        fl_temporal_free(t);
        server_free(s);
}

static void test_hang_times_out(void **state) {
        struct server *s = server_new();
        struct fl_temporal *t = client(s->port,
                (struct fl_temporal_options){
                        .breaker_off = true, .attempt_timeout_usec = 150000, .max_attempts = 2});
        const struct step hang = {.hang = true};
        struct fl_tsync_result r;

        server_script(s, &hang, 1);
        assert_int_equal(fl_tsync_count(base, t, "", 0, &r), -EAGAIN);
        assert_int_equal(r.attempts, 2);
        assert_int_equal(r.http_status, 0);
        assert_true(r.latency_usec >= 300000);
        assert_non_null(strstr(r.message, "attempts exhausted after 2 attempts"));
        assert_non_null(strstr(r.message, "timed out")); /* curl: "Operation timed out ..." */
        fl_tsync_result_done(&r);
        fl_temporal_free(t);
        server_free(s);
}

static void test_unreachable_and_breaker(void **state) {
        int port = dead_port();
        struct fl_temporal *t = client(port, (struct fl_temporal_options){.breaker_threshold = 2,
                                                     .breaker_cooldown_usec = 200000});
        struct fl_temporal_stats st;
        struct fl_tsync_result r;

        assert_true(fl_temporal_available(t));
        assert_int_equal(fl_tsync_count(base, t, "", 0, &r), -EAGAIN);
        assert_int_equal(r.attempts, 2); /* the second failure opens the breaker */
        assert_int_equal(r.http_status, 0);
        assert_non_null(strstr(r.message, "circuit breaker open after 2 attempts"));
        fl_tsync_result_done(&r);
        assert_false(fl_temporal_available(t));

        /* Open: refused at once, without a callback. */
        assert_int_equal(fl_tsync_count(base, t, "", 0, &r), -EAGAIN);
        assert_int_equal(r.submit, -EAGAIN);
        fl_temporal_get_stats(t, &st);
        assert_int_equal(st.refused, 1);
        assert_false(st.available);

        /* After the cool-down one attempt is let through; failing, it reopens. */
        run_for_usec(250000);
        assert_true(fl_temporal_available(t));
        assert_int_equal(fl_tsync_count(base, t, "", 0, &r), -EAGAIN);
        assert_int_equal(r.attempts, 1);
        fl_tsync_result_done(&r);
        assert_false(fl_temporal_available(t));
        fl_temporal_free(t);
}

static void test_breaker_closes_on_success(void **state) {
        struct server *s = server_new();
        struct fl_temporal *t = client(s->port, (struct fl_temporal_options){.breaker_threshold = 2,
                                                        .breaker_cooldown_usec = 100000});
        const struct step down = {503, .body = "{\"code\": 14, \"message\": \"down\"}"};
        const struct step up = {200, .file = "count-1.json"};
        struct fl_tsync_result r;

        server_script(s, &down, 1);
        assert_int_equal(fl_tsync_count(base, t, "", 0, &r), -EAGAIN);
        assert_int_equal(r.attempts, 2);
        assert_string_equal(r.message, "Temporal unavailable (circuit breaker open after 2 "
                                       "attempts): HTTP 503: down");
        fl_tsync_result_done(&r);
        assert_false(fl_temporal_available(t));
        server_script(s, &up, 1);
        run_for_usec(150000);
        assert_int_equal(fl_tsync_count(base, t, "", 0, &r), 0);
        assert_int_equal(r.count, 1);
        fl_tsync_result_done(&r);
        assert_true(fl_temporal_available(t));
        fl_temporal_free(t);
        server_free(s);
}

static void test_response_cap(void **state) {
        static const struct step cases[] = {
                {200, .big = 5000},                  /* Content-Length known */
                {200, .big = 5000, .chunked = true}, /* found while reading */
                {500, .big = 5000},                  /* error answers are capped too */
        };
        struct server *s = server_new();
        struct fl_temporal *t =
                client(s->port, (struct fl_temporal_options){.max_response_bytes = 1000});

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct fl_tsync_result r;
                server_script(s, &cases[i], 1);
                assert_int_equal(fl_tsync_count(base, t, "", 0, &r), -EFBIG);
                assert_string_equal(r.message, "answer larger than 1000 bytes");
                assert_int_equal(r.attempts, 1);
                fl_tsync_result_done(&r);
        }
        /* Just under the cap is fine. */
        const struct step fits = {200, .big = 1000};
        struct fl_tsync_result r;
        server_script(s, &fits, 1);
        assert_int_equal(fl_tsync_count(base, t, "", 0, &r), 0);
        fl_tsync_result_done(&r);
        fl_temporal_free(t);
        server_free(s);
}

static void on_count_cb(const struct fl_temporal_reply *reply, int64_t count, void *userdata) {
        int *v = userdata;
        v[0]++;
        if (reply->error == 0 && count == 1)
                v[1]++;
        if (reply->error == -ECANCELED)
                v[2]++;
}

static void test_concurrency_and_keepalive(void **state) {
        struct server *s = server_new();
        struct fl_temporal *t = client(s->port, (struct fl_temporal_options){.max_connections = 2});
        const struct step ok = {200, .file = "count-1.json"};
        int v[3] = {};

        server_script(s, &ok, 1);
        for (int round = 1; round <= 2; round++) {
                for (int i = 0; i < 20; i++)
                        assert_int_equal(fl_temporal_count(t, "", 0, on_count_cb, v), 0);
                while (v[0] < 20 * round)
                        assert_true(event_base_loop(base, EVLOOP_ONCE) == 0);
        }
        assert_int_equal(v[1], 40);
        assert_int_equal(s->n_seen, 40);
        assert_true(server_connections(s) <= 2);
        fl_temporal_free(t);
        server_free(s);
}

/* Operations beyond max_connections wait in the client, where curl's connect
 * timeout does not run: five answers of 60 ms over one connection take longer
 * than the 100 ms connect timeout, and all succeed. */
struct pending_count {
        struct fl_tsync_result *r;
        bool *done;
};

static void on_count_result(const struct fl_temporal_reply *reply, int64_t count, void *userdata) {
        struct pending_count *p = userdata;

        p->r->error = reply->error;
        p->r->attempts = reply->attempts;
        p->r->message = reply->message ? strdup(reply->message) : NULL;
        p->r->count = count;
        *p->done = true;
        free(p);
}

static void test_queue_behind_busy_connections(void **state) {
        struct server *s = server_new();
        struct fl_temporal *t = client(s->port,
                (struct fl_temporal_options){.max_connections = 1, .connect_timeout_usec = 100000});
        const struct step slow = {200, .file = "count-1.json", .delay_usec = 60000};
        struct fl_temporal_stats st;
        int v[3] = {};

        server_script(s, &slow, 1);
        for (int i = 0; i < 5; i++)
                assert_int_equal(fl_temporal_count(t, "", 0, on_count_cb, v), 0);
        fl_temporal_get_stats(t, &st);
        assert_int_equal(st.pending, 5);
        assert_int_equal(st.queued, 4);
        while (v[0] < 5)
                assert_true(event_base_loop(base, EVLOOP_ONCE) == 0);
        assert_int_equal(v[1], 5);
        assert_int_equal(server_connections(s), 1);
        fl_temporal_get_stats(t, &st);
        assert_int_equal(st.queued, 0);
        assert_int_equal(st.attempts, 5);

        /* Waiting also counts against the deadline: the first call hangs until
         * its deadline, by then the two queued behind it are past theirs and
         * fail without being sent. */
        fl_temporal_free(t);
        t = client(s->port,
                (struct fl_temporal_options){
                        .max_connections = 1, .deadline_usec = 100000, .breaker_off = true});
        const struct step hang = {.hang = true};
        struct fl_tsync_result r[3] = {};
        bool done[3] = {};
        size_t seen;
        server_script(s, &hang, 1);
        seen = s->n_seen;
        for (int i = 0; i < 3; i++) {
                struct pending_count *p = calloc(1, sizeof(*p));
                p->r = &r[i];
                p->done = &done[i];
                assert_int_equal(fl_temporal_count(t, "", 0, on_count_result, p), 0);
        }
        fl_tsync_run_until(base, &done[2], 10);
        assert_true(done[0] && done[1]);
        assert_int_equal(r[0].error, -EAGAIN);
        assert_non_null(strstr(r[0].message, "timed out"));
        for (int i = 1; i < 3; i++) {
                assert_int_equal(r[i].error, -EAGAIN);
                assert_int_equal(r[i].attempts, 0);
                assert_string_equal(r[i].message, "Temporal client overloaded: deadline reached "
                                                  "while waiting for a connection");
        }
        assert_int_equal(s->n_seen, seen + 1);
        for (int i = 0; i < 3; i++)
                fl_tsync_result_done(&r[i]);
        fl_temporal_free(t);
        server_free(s);
}

static void test_free_cancels_and_max_pending(void **state) {
        struct server *s = server_new();
        struct fl_temporal *t = client(s->port, (struct fl_temporal_options){.max_pending = 3});
        const struct step hang = {.hang = true};
        struct fl_temporal_stats st;
        int v[3] = {};

        server_script(s, &hang, 1);
        for (int i = 0; i < 3; i++)
                assert_int_equal(fl_temporal_count(t, "", 0, on_count_cb, v), 0);
        assert_int_equal(fl_temporal_count(t, "", 0, on_count_cb, v), -ENOBUFS);
        /* Let the requests reach the server, then shut down. */
        while (s->n_seen < 3)
                assert_true(event_base_loop(base, EVLOOP_ONCE) == 0);
        fl_temporal_get_stats(t, &st);
        assert_int_equal(st.pending, 3);
        assert_int_equal(st.refused, 1);
        assert_int_equal(v[0], 0); /* never called from the submitting call */
        fl_temporal_free(t);
        assert_int_equal(v[0], 3);
        assert_int_equal(v[2], 3);
        server_free(s);
}

struct observed {
        unsigned calls;
        enum fl_temporal_op op;
        int error;
        unsigned attempts;
        uint64_t latency_usec;
};

static void on_observe(enum fl_temporal_op op, int error, unsigned attempts, uint64_t latency_usec,
        void *userdata) {
        struct observed *o = userdata;
        o->calls++;
        o->op = op;
        o->error = error;
        o->attempts = attempts;
        o->latency_usec = latency_usec;
}

static void test_observe_hook(void **state) {
        struct server *s = server_new();
        struct observed o = {};
        struct fl_temporal *t = client(s->port,
                (struct fl_temporal_options){
                        .observe = on_observe, .observe_userdata = &o, .breaker_off = true});
        const struct step steps[] = {
                {503, .body = "{}"},
                {404, .file = "describe-404.json"},
        };
        struct fl_tsync_result r;

        server_script(s, steps, ELEMENTSOF(steps));
        assert_int_equal(fl_tsync_describe(base, t, "no-such", NULL, 0, &r), -ENOENT);
        assert_int_equal(o.calls, 1);
        assert_int_equal(o.op, FL_TEMPORAL_OP_DESCRIBE);
        assert_int_equal(o.error, -ENOENT);
        assert_int_equal(o.attempts, 2);
        assert_int_equal(o.latency_usec, r.latency_usec);
        fl_tsync_result_done(&r);
        fl_temporal_free(t);
        server_free(s);
}

static void test_tls(void **state) {
        _cleanup_free_ char *pki = fl_test_mkdtemp(), *cmd = NULL, *tool = NULL;
        _cleanup_free_ char *ca = NULL, *other_ca = NULL, *cert = NULL, *key = NULL;
        struct server *s = server_new();
        const struct step ok = {200, .file = "count-1.json"};
        char url[64];
        SSL_CTX *ctx;

        tool = fl_test_source_path("tests/tools/mkcerts.sh");
        assert_true(asprintf(&cmd, "%s %s", tool, pki) > 0);
        assert_int_equal(system(cmd), 0);
        assert_true(asprintf(&ca, "%s/ca.pem", pki) > 0);
        assert_true(asprintf(&other_ca, "%s/other-ca.pem", pki) > 0);
        assert_true(asprintf(&cert, "%s/client.pem", pki) > 0);
        assert_true(asprintf(&key, "%s/client.key", pki) > 0);
        ctx = server_tls(s, pki);
        server_script(s, &ok, 1);
        snprintf(url, sizeof(url), "https://127.0.0.1:%d", s->port);

        const struct {
                const char *ca, *cert, *key;
                int ret;
                const char *message; /* part of it */
        } cases[] = {
                {ca, cert, key, 0, NULL},
                /* The server's certificate is not signed by the CA we trust. */
                {other_ca, cert, key, -EIO, "certificate"},
                /* No client certificate: the server refuses (TLS 1.3 says so
                 * only after the handshake, so it surfaces as a failed read). */
                {ca, NULL, NULL, -EAGAIN, "certificate required"},
                /* The client key does not belong to the certificate. */
                {ca, cert, ca, -EIO, NULL},
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct fl_temporal_options o = {
                        .url = url,
                        .ca_file = cases[i].ca,
                        .cert_file = cases[i].cert,
                        .key_file = cases[i].key,
                        .api_key = "k",
                        .max_attempts = 2,
                        .backoff_initial_usec = 1000,
                        .breaker_off = true,
                };
                struct fl_temporal *t = NULL;
                struct fl_tsync_result r;
                size_t seen = s->n_seen;

                assert_int_equal(fl_temporal_new(base, &o, &t), 0);
                if (fl_tsync_count(base, t, "", 0, &r) != cases[i].ret)
                        fail_msg("TLS case %zu: %d (%s), want %d", i, r.error, r.message,
                                cases[i].ret);
                if (cases[i].ret == 0) {
                        assert_int_equal(r.count, 1);
                        assert_int_equal(s->n_seen, seen + 1);
                        assert_string_equal(s->seen[seen].authorization, "Bearer k");
                } else {
                        assert_int_equal(s->n_seen, seen); /* nothing reached the server */
                        if (cases[i].message && !strstr(r.message, cases[i].message))
                                fail_msg("TLS case %zu: message '%s'", i, r.message);
                }
                fl_tsync_result_done(&r);
                fl_temporal_free(t);
        }
        server_free(s);
        SSL_CTX_free(ctx);
        fl_test_rm_rf(pki);
}

static int setup(void **state) {
        base = event_base_new();
        return base ? 0 : -1;
}

static int teardown(void **state) {
        event_base_free(base);
        return 0;
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_new_options),
                cmocka_unit_test(test_invalid_calls),
                cmocka_unit_test(test_requests_on_the_wire),
                cmocka_unit_test(test_already_started),
                cmocka_unit_test(test_error_answers),
                cmocka_unit_test(test_retry_then_success),
                cmocka_unit_test(test_retries_exhausted),
                cmocka_unit_test(test_deadline),
                cmocka_unit_test(test_hang_times_out),
                cmocka_unit_test(test_unreachable_and_breaker),
                cmocka_unit_test(test_breaker_closes_on_success),
                cmocka_unit_test(test_response_cap),
                cmocka_unit_test(test_concurrency_and_keepalive),
                cmocka_unit_test(test_queue_behind_busy_connections),
                cmocka_unit_test(test_free_cancels_and_max_pending),
                cmocka_unit_test(test_observe_hook),
                cmocka_unit_test(test_tls),
        };
        /* FL_TEST_FILTER=test_name runs one test (cmocka glob). */
        if (getenv("FL_TEST_FILTER"))
                cmocka_set_test_filter(getenv("FL_TEST_FILTER"));
        return cmocka_run_group_tests(tests, setup, teardown);
}
