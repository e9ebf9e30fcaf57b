/* SPDX-License-Identifier: Apache-2.0 */
/* The curl multi / sd-event glue (agent/http_client.c) against a real HTTP
 * server in a child process (tests/lib/http_test_server.c): request
 * content, keep-alive reuse, parallel transfers and the cap, answers with
 * Retry-After, timeouts, refused connections, oversized answers, mutual TLS
 * and its failures, unloading libcurl when idle and loading it again. */
#include "event_recorder.h"
#include "fl_test.h"
#include "http_client.h"
#include "http_test_server.h"
#include "macro.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

#define SEC         UINT64_C(1000000)
#define MAX_RESULTS 16

struct got {
        enum fl_http_failure failure;
        int status;
        char *body;
        char *retry_after;
        char *error;
        bool new_connection;
};

struct fixture {
        sd_event *event;
        char *dir;
        struct fl_http_test_server server;
        struct fl_http_client *client;
        struct got got[MAX_RESULTS];
        size_t n_got;
        /* chained requests: each done callback starts the next */
        size_t chain_left;
        const char *chain_url;
};

static int setup(void **state) {
        struct fixture *f = calloc(1, sizeof(*f));

        assert_int_equal(sd_event_new(&f->event), 0);
        f->dir = fl_test_mkdtemp();
        *state = f;
        return 0;
}

static int teardown(void **state) {
        struct fixture *f = *state;

        fl_http_client_free(f->client);
        fl_http_test_server_stop(&f->server);
        for (size_t i = 0; i < f->n_got; i++) {
                free(f->got[i].body);
                free(f->got[i].retry_after);
                free(f->got[i].error);
        }
        sd_event_unref(f->event);
        fl_test_rm_rf(f->dir);
        free(f->dir);
        free(f);
        return 0;
}

static void new_client(struct fixture *f, const struct fl_http_client_options *o) {
        assert_int_equal(fl_http_client_new(f->event, o, &f->client), 0);
}

static void on_done(const struct fl_http_result *r, void *userdata);

static void post(struct fixture *f, const char *url) {
        static const char *const headers[] = {
                "Content-Type: application/json", "X-Test: yes", NULL};
        const char *error = NULL;
        int r = fl_http_client_post(f->client, url, headers, "{\"a\":1}", 7, on_done, f, &error);
        if (r < 0)
                fail_msg("post %s: %s (%s)", url, strerror(-r), error ? error : "");
}

static void on_done(const struct fl_http_result *r, void *userdata) {
        struct fixture *f = userdata;
        struct got *g;

        assert_true(f->n_got < MAX_RESULTS);
        g = &f->got[f->n_got++];
        g->failure = r->failure;
        g->status = r->status;
        g->body = strdup(r->body);
        g->retry_after = r->retry_after ? strdup(r->retry_after) : NULL;
        g->error = r->error ? strdup(r->error) : NULL;
        g->new_connection = r->new_connection;
        assert_true(r->failure == FL_HTTP_OK ? r->status > 0 && !r->error
                                             : r->status == 0 && r->error != NULL);
        if (f->chain_left > 0) {
                f->chain_left--;
                post(f, f->chain_url);
        }
}

static size_t want_results;
static bool have_results(void *userdata) {
        const struct fixture *f = userdata;
        return f->n_got >= want_results;
}

static void wait_results(struct fixture *f, size_t n) {
        want_results = n;
        assert_int_equal(fl_test_run_until(f->event, have_results, f, 10 * SEC), 0);
        assert_int_equal(f->n_got, n);
}

static json_t *request_log(const struct fixture *f, size_t index) {
        _cleanup_free_ char *path = NULL, *text = NULL;
        char *line;

        assert_true(asprintf(&path, "%s/requests.jsonl", f->dir) > 0);
        text = fl_test_read_file(path, NULL);
        line = text;
        for (size_t i = 0; i < index; i++) {
                line = strchr(line, '\n');
                assert_non_null(line);
                line++;
        }
        *strchrnul(line, '\n') = '\0';
        json_t *j = json_loads(line, 0, NULL);
        assert_non_null(j);
        return j;
}

static void test_post_and_keep_alive(void **state) {
        struct fixture *f = *state;
        struct fl_http_client_stats st;
        char url[128];

        fl_http_test_server_start(&f->server, f->dir, NULL);
        new_client(f, &(struct fl_http_client_options){.max_connections = 2});
        fl_http_client_get_stats(f->client, &st);
        assert_false(st.loaded); /* nothing loaded before the first request */

        fl_http_test_server_answer(&f->server, 202, "Retry-After: 7", "{\"decision\":\"started\"}");
        snprintf(url, sizeof(url), "%s/v1/triggers", f->server.url);
        f->chain_left = 4;
        f->chain_url = url;
        post(f, url);
        wait_results(f, 5);

        for (size_t i = 0; i < 5; i++) {
                json_auto_t *req = request_log(f, i);
                assert_int_equal(f->got[i].failure, FL_HTTP_OK);
                assert_int_equal(f->got[i].status, 202);
                assert_string_equal(f->got[i].body, "{\"decision\":\"started\"}");
                assert_string_equal(f->got[i].retry_after, "7");
                /* One connection, kept alive for every request. */
                assert_int_equal(f->got[i].new_connection, i == 0);
                assert_int_equal(json_integer_value(json_object_get(req, "connection")), 1);
                assert_string_equal(json_string_value(json_object_get(req, "method")), "POST");
                assert_string_equal(
                        json_string_value(json_object_get(req, "path")), "/v1/triggers");
                assert_string_equal(json_string_value(json_object_get(req, "body")), "{\"a\":1}");
                json_t *h = json_object_get(req, "headers");
                assert_string_equal(
                        json_string_value(json_object_get(h, "Content-Type")), "application/json");
                assert_string_equal(json_string_value(json_object_get(h, "X-Test")), "yes");
                assert_null(json_object_get(h, "Expect"));
                assert_string_equal(json_string_value(json_object_get(h, "Host")),
                        f->server.url + strlen("http://"));
        }
        fl_http_client_get_stats(f->client, &st);
        assert_int_equal(st.requests, 5);
        assert_int_equal(st.answers, 5);
        assert_int_equal(st.failures, 0);
        assert_int_equal(st.connections, 1);
        assert_int_equal(st.active, 0);
        assert_true(st.loaded);
        assert_int_equal(st.loads, 1);
}

static void test_parallel_and_cap(void **state) {
        struct fixture *f = *state;
        struct fl_http_client_stats st;
        char url[128];

        fl_http_test_server_start(&f->server, f->dir, NULL);
        new_client(f, &(struct fl_http_client_options){.max_connections = 3});
        snprintf(url, sizeof(url), "%s/x", f->server.url);
        for (int i = 0; i < 3; i++)
                post(f, url);
        assert_int_equal(
                fl_http_client_post(f->client, url, NULL, "", 0, on_done, f, NULL), -EBUSY);
        fl_http_client_get_stats(f->client, &st);
        assert_int_equal(st.active, 3);
        wait_results(f, 3);
        for (int i = 0; i < 3; i++) {
                assert_int_equal(f->got[i].status, 200);
                assert_string_equal(f->got[i].body, "{\"ok\":true}");
                assert_null(f->got[i].retry_after);
        }
        /* Three at once: three connections, reused by the next three. */
        for (int i = 0; i < 3; i++)
                post(f, url);
        wait_results(f, 6);
        fl_http_client_get_stats(f->client, &st);
        assert_int_equal(st.connections, 3);
}

static void test_closed_connection_reconnects(void **state) {
        struct fixture *f = *state;
        char url[128];

        fl_http_test_server_start(&f->server, f->dir, NULL);
        new_client(f, &(struct fl_http_client_options){.max_connections = 1});
        snprintf(url, sizeof(url), "%s/close", f->server.url);
        post(f, url);
        wait_results(f, 1);
        snprintf(url, sizeof(url), "%s/after", f->server.url);
        post(f, url);
        wait_results(f, 2);
        assert_int_equal(f->got[1].status, 200);
        assert_true(f->got[1].new_connection);
        json_auto_t *req = request_log(f, 1);
        assert_int_equal(json_integer_value(json_object_get(req, "connection")), 2);
}

static void test_failures(void **state) {
        struct fixture *f = *state;
        struct sockaddr_in sin = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        socklen_t len = sizeof(sin);
        char url[128];
        int fd;

        fl_http_test_server_start(&f->server, f->dir, NULL);
        new_client(
                f, &(struct fl_http_client_options){.max_connections = 4, .timeout_usec = SEC / 2});

        snprintf(url, sizeof(url), "%s/slow", f->server.url);
        post(f, url);
        wait_results(f, 1);
        assert_int_equal(f->got[0].failure, FL_HTTP_TIMEOUT);
        assert_int_equal(f->got[0].status, 0);

        snprintf(url, sizeof(url), "%s/big", f->server.url);
        post(f, url);
        wait_results(f, 2);
        assert_int_equal(f->got[1].failure, FL_HTTP_TOO_LARGE);
        assert_string_equal(f->got[1].error, "the answer is larger than 65536 bytes");

        /* A port nobody listens on. */
        fd = socket(AF_INET, SOCK_STREAM, 0);
        assert_int_equal(bind(fd, (struct sockaddr *) &sin, sizeof(sin)), 0);
        assert_int_equal(getsockname(fd, (struct sockaddr *) &sin, &len), 0);
        close(fd);
        snprintf(url, sizeof(url), "http://127.0.0.1:%d/x", ntohs(sin.sin_port));
        post(f, url);
        wait_results(f, 3);
        assert_int_equal(f->got[2].failure, FL_HTTP_CONNECT);
        assert_non_null(strstr(f->got[2].error, "onnect"));

        /* Error statuses are answers, not failures. */
        fl_http_test_server_answer(
                &f->server, 503, "Retry-After: 30\nX-Other: 1", "{\"decision\":\"deferred\"}");
        snprintf(url, sizeof(url), "%s/v1/triggers", f->server.url);
        post(f, url);
        wait_results(f, 4);
        assert_int_equal(f->got[3].failure, FL_HTTP_OK);
        assert_int_equal(f->got[3].status, 503);
        assert_string_equal(f->got[3].retry_after, "30");

        assert_string_equal(fl_http_failure_to_string(FL_HTTP_TLS_CONFIG), "tls_config");
        assert_string_equal(fl_http_failure_to_string(_FL_HTTP_FAILURE_MAX), "unknown");
}

static char *make_pki(const char *dir) {
        _cleanup_free_ char *script = fl_test_source_path("tests/tools/mkcerts.sh"), *cmd = NULL;
        char *pki;

        assert_true(asprintf(&pki, "%s/pki", dir) > 0);
        assert_true(asprintf(&cmd, "sh %s %s", script, pki) > 0);
        fl_test_require(system(cmd) == 0, "openssl to make a test PKI");
        return pki;
}

static void test_mutual_tls(void **state) {
        struct fixture *f = *state;
        _cleanup_free_ char *pki = make_pki(f->dir), *ca = NULL, *other_ca = NULL, *cert = NULL,
                            *key = NULL, *missing = NULL;
        char url[128];

        assert_true(asprintf(&ca, "%s/ca.pem", pki) > 0);
        assert_true(asprintf(&other_ca, "%s/other-ca.pem", pki) > 0);
        assert_true(asprintf(&cert, "%s/client.pem", pki) > 0);
        assert_true(asprintf(&key, "%s/client.key", pki) > 0);
        assert_true(asprintf(&missing, "%s/missing.pem", pki) > 0);
        fl_http_test_server_start(&f->server, f->dir, pki);
        snprintf(url, sizeof(url), "%s/v1/triggers", f->server.url);

        /* The right CA and a client certificate: answered, connection kept. */
        new_client(f,
                &(struct fl_http_client_options){
                        .ca_file = ca, .cert_file = cert, .key_file = key, .max_connections = 1});
        f->chain_left = 1;
        f->chain_url = url;
        post(f, url);
        wait_results(f, 2);
        assert_int_equal(f->got[0].status, 200);
        assert_int_equal(f->got[1].status, 200);
        assert_true(f->got[0].new_connection);
        assert_false(f->got[1].new_connection);
        f->client = fl_http_client_free(f->client);

        /* A server certificate from a CA we do not trust. */
        new_client(f, &(struct fl_http_client_options){.ca_file = other_ca,
                              .cert_file = cert,
                              .key_file = key,
                              .max_connections = 1});
        post(f, url);
        wait_results(f, 3);
        assert_int_equal(f->got[2].failure, FL_HTTP_TLS);
        f->client = fl_http_client_free(f->client);

        /* Our own certificate file is missing. */
        new_client(f, &(struct fl_http_client_options){.ca_file = ca,
                              .cert_file = missing,
                              .key_file = key,
                              .max_connections = 1});
        post(f, url);
        wait_results(f, 4);
        assert_int_equal(f->got[3].failure, FL_HTTP_TLS_CONFIG);
        f->client = fl_http_client_free(f->client);

        /* No client certificate: the server refuses the handshake (TLS 1.3
         * reports it on the first read). Either way, no answer. */
        new_client(f, &(struct fl_http_client_options){.ca_file = ca, .max_connections = 1});
        post(f, url);
        wait_results(f, 5);
        assert_int_not_equal(f->got[4].failure, FL_HTTP_OK);
        assert_true(f->got[4].failure == FL_HTTP_TLS || f->got[4].failure == FL_HTTP_TRANSFER);
        /* Only the first two requests reached the server's handler. */
        assert_int_equal(fl_http_test_server_requests(&f->server), 2);
}

/* Sanitizer builds keep libcurl mapped (agent/curl_api.c says why). */
#ifndef __has_feature
#define __has_feature(x) 0
#endif
#if __has_feature(address_sanitizer) || defined(__SANITIZE_ADDRESS__)
#define UNMAPS 0
#else
#define UNMAPS 1
#endif

static bool mapped(const char *library) {
        _cleanup_free_ char *maps = fl_test_read_file("/proc/self/maps", NULL);
        return strstr(maps, library) != NULL;
}

static bool unloaded(void *userdata) {
        struct fixture *f = userdata;
        struct fl_http_client_stats st;

        fl_http_client_get_stats(f->client, &st);
        return !st.loaded;
}

static void test_idle_release(void **state) {
        struct fixture *f = *state;
        struct fl_http_client_stats st;
        char url[128];

        fl_http_test_server_start(&f->server, f->dir, NULL);
        new_client(f, &(struct fl_http_client_options){
                              .max_connections = 1, .idle_release_usec = SEC / 5});
        snprintf(url, sizeof(url), "%s/x", f->server.url);
        if (UNMAPS)
                assert_false(mapped("libcurl.so"));
        post(f, url);
        wait_results(f, 1);
        assert_true(mapped("libcurl.so"));
        assert_int_equal(fl_test_run_until(f->event, unloaded, f, 5 * SEC), 0);
        fl_http_client_get_stats(f->client, &st);
        assert_int_equal(st.releases, 1);
        /* Really gone from the address space, with what it pulled in. */
        if (UNMAPS) {
                assert_false(mapped("libcurl.so"));
                assert_false(mapped("libgnutls.so"));
        }

        /* Loaded again on demand, on a new connection. */
        post(f, url);
        wait_results(f, 2);
        assert_int_equal(f->got[1].status, 200);
        assert_true(f->got[1].new_connection);
        fl_http_client_get_stats(f->client, &st);
        assert_int_equal(st.loads, 2);
}

static void test_library_missing(void **state) {
        struct fixture *f = *state;
        const char *error = NULL;

        new_client(f, &(struct fl_http_client_options){.library = "libcurl-not-here.so.4"});
        assert_int_equal(fl_http_client_post(
                                 f->client, "http://127.0.0.1:1/", NULL, "", 0, on_done, f, &error),
                -ELIBACC);
        assert_non_null(error);
        assert_non_null(strstr(error, "libcurl-not-here.so.4"));
}

static void test_free_with_transfers(void **state) {
        struct fixture *f = *state;
        char url[128];

        fl_http_test_server_start(&f->server, f->dir, NULL);
        new_client(f, &(struct fl_http_client_options){.max_connections = 2});
        snprintf(url, sizeof(url), "%s/slow", f->server.url);
        post(f, url);
        post(f, url);
        (void) sd_event_run(f->event, 100 * 1000);
        f->client = fl_http_client_free(f->client);
        (void) sd_event_run(f->event, 100 * 1000);
        assert_int_equal(f->n_got, 0); /* dropped without callbacks */
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_post_and_keep_alive, setup, teardown),
                cmocka_unit_test_setup_teardown(test_parallel_and_cap, setup, teardown),
                cmocka_unit_test_setup_teardown(test_closed_connection_reconnects, setup, teardown),
                cmocka_unit_test_setup_teardown(test_failures, setup, teardown),
                cmocka_unit_test_setup_teardown(test_mutual_tls, setup, teardown),
                cmocka_unit_test_setup_teardown(test_idle_release, setup, teardown),
                cmocka_unit_test_setup_teardown(test_library_missing, setup, teardown),
                cmocka_unit_test_setup_teardown(test_free_with_transfers, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
