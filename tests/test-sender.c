/* SPDX-License-Identifier: Apache-2.0 */
/* The sender process (agent/sender.c driving the real faultline-agent-sender
 * over a real socketpair) against the scripted HTTP server of
 * tests/lib/http_test_server.c: hello errors, a post whose signature the
 * coordinator's verifier accepts, oversized messages refused on both sides,
 * a sender killed mid-transfer (FL_HTTP_TRANSFER, then a new sender), the
 * idle close (the sender exits and is reaped), a hello refused when the
 * sender is started again (FL_HTTP_TLS_CONFIG), answers that are not UTF-8,
 * a sender that never answers (killed by the result watchdog), and an agent
 * killed with SIGKILL taking its sender with it. The -asan variant runs an
 * ASan+UBSan build of the sender. */
#include "digest.h"
#include "event_recorder.h"
#include "fl_test.h"
#include "http_test_server.h"
#include "httpsig.h"
#include "macro.h"
#include "sender.h"
#include "sender_channel.h"

#include <arpa/inet.h>
#include <jansson.h>
#include <netinet/in.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#define SEC  UINT64_C(1000000)
#define MSEC UINT64_C(1000)

#if defined(__SANITIZE_ADDRESS__)
#define SENDER_REL "tests/faultline-agent-sender-asan"
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SENDER_REL "tests/faultline-agent-sender-asan"
#endif
#endif
#ifndef SENDER_REL
#define SENDER_REL FL_SENDER_NAME
#endif

struct fixture {
        char *dir;
        char *server_dir;
        char *key_file;
        char *sender_path;
        EVP_PKEY *key;
        sd_event *event;
        struct fl_sender *sender;
        struct fl_http_test_server server;
        int listener; /* a TCP port that never answers */
        int listener_port;

        /* The last result. */
        int done;
        struct fl_http_result result;
        char *body, *error;
};

static int setup(void **state) {
        struct fixture *f = calloc(1, sizeof(*f));
        const char *bin = getenv("FL_BINARY_DIR");
        struct sockaddr_in sa = {.sin_family = AF_INET};
        socklen_t len = sizeof(sa);
        sigset_t mask;
        FILE *out;

        assert_non_null(bin);
        assert_true(asprintf(&f->sender_path, "%s/%s", bin, SENDER_REL) > 0);
        f->dir = fl_test_mkdtemp();
        assert_true(asprintf(&f->server_dir, "%s/server", f->dir) > 0);
        assert_int_equal(mkdir(f->server_dir, 0700), 0);
        f->key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
        assert_true(asprintf(&f->key_file, "%s/node.ed25519", f->dir) > 0);
        out = fopen(f->key_file, "w");
        assert_non_null(out);
        assert_int_equal(PEM_write_PrivateKey(out, f->key, NULL, NULL, 0, NULL, NULL), 1);
        fclose(out);
        /* sd-event reaps the sender through a pidfd only with SIGCHLD blocked. */
        sigemptyset(&mask);
        sigaddset(&mask, SIGCHLD);
        assert_int_equal(sigprocmask(SIG_BLOCK, &mask, NULL), 0);
        assert_int_equal(sd_event_new(&f->event), 0);
        fl_http_test_server_start(&f->server, f->server_dir, NULL);

        /* Connections complete in the backlog; nothing is ever read. */
        sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        f->listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        assert_true(f->listener >= 0);
        assert_int_equal(bind(f->listener, (struct sockaddr *) &sa, sizeof(sa)), 0);
        assert_int_equal(listen(f->listener, 16), 0);
        assert_int_equal(getsockname(f->listener, (struct sockaddr *) &sa, &len), 0);
        f->listener_port = ntohs(sa.sin_port);
        *state = f;
        return 0;
}

static int teardown(void **state) {
        struct fixture *f = *state;

        fl_sender_free(f->sender);
        fl_http_test_server_stop(&f->server);
        close(f->listener);
        sd_event_unref(f->event);
        EVP_PKEY_free(f->key);
        fl_test_rm_rf(f->dir);
        free(f->dir);
        free(f->server_dir);
        free(f->key_file);
        free(f->sender_path);
        free(f->body);
        free(f->error);
        free(f);
        return 0;
}

static void new_sender(struct fixture *f, const char *url, const char *key_file,
        const char *ca_file, uint64_t idle_release_usec) {
        struct fl_sender_options o = {
                .hello = {.url = url,
                        .signing_key_file = key_file,
                        .key_id = "node-17",
                        .ca_file = ca_file,
                        .timeout_usec = 10 * SEC,
                        .max_connections = 4},
                .idle_release_usec = idle_release_usec,
                .path = f->sender_path,
        };

        f->sender = fl_sender_free(f->sender);
        assert_int_equal(fl_sender_new(f->event, &o, &f->sender), 0);
}

static void on_done(const struct fl_http_result *res, void *userdata) {
        struct fixture *f = userdata;

        f->done++;
        f->result = *res;
        free(f->body);
        free(f->error);
        f->body = strdup(res->body);
        f->error = res->error ? strdup(res->error) : NULL;
        f->result.body = f->body;
        f->result.error = f->error;
        f->result.retry_after = NULL;
}

static bool is_done(void *userdata) {
        return ((struct fixture *) userdata)->done > 0;
}

static void post_and_wait(struct fixture *f, const char *body) {
        f->done = 0;
        assert_int_equal(fl_sender_post(f->sender, body, strlen(body), on_done, f, NULL), 0);
        assert_int_equal(f->done, 0); /* never from inside post */
        assert_int_equal(fl_test_run_until(f->event, is_done, f, 15 * SEC), 0);
        assert_int_equal(f->done, 1);
}

static uint64_t boottime_usec(void) {
        struct timespec ts;

        assert_int_equal(clock_gettime(CLOCK_BOOTTIME, &ts), 0);
        return (uint64_t) ts.tv_sec * SEC + (uint64_t) ts.tv_nsec / 1000;
}

static void run_for(struct fixture *f, uint64_t usec) {
        struct timespec ts;
        uint64_t end, now;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        end = (uint64_t) ts.tv_sec * SEC + (uint64_t) ts.tv_nsec / 1000 + usec;
        for (;;) {
                clock_gettime(CLOCK_MONOTONIC, &ts);
                now = (uint64_t) ts.tv_sec * SEC + (uint64_t) ts.tv_nsec / 1000;
                if (now >= end)
                        return;
                assert_true(sd_event_run(f->event, end - now) >= 0);
        }
}

/* ---- hello ---- */

struct hello_case {
        const char *name;
        const char *key;  /* relative to the fixture's directory; NULL: the good key */
        const char *data; /* written to `key` first, when not NULL */
        const char *ca;   /* a CA file with this content, when not NULL */
        int error;
        const char *message; /* printf format, %s: the file's path */
};

static void check_hello(struct fixture *f, const struct hello_case *c) {
        _cleanup_free_ char *key = NULL, *ca = NULL, *expected = NULL, *error = NULL;
        const char *file;

        if (c->data)
                free(fl_test_write_file(f->dir, c->key, c->data));
        if (c->key)
                assert_true(asprintf(&key, "%s/%s", f->dir, c->key) > 0);
        if (c->ca)
                ca = fl_test_write_file(f->dir, "ca.pem", c->ca);
        new_sender(f, f->server.url, key ? key : f->key_file, ca, 0);
        assert_int_equal(fl_sender_start(f->sender, &error), c->error);
        file = c->ca ? ca : key;
        assert_true(asprintf(&expected, c->message, file) > 0);
        if (!error || strncmp(error, expected, strlen(expected)) != 0)
                fail_msg("%s: got \"%s\", expected \"%s...\"", c->name, error, expected);
}

static void test_hello_errors(void **state) {
        static const struct hello_case cases[] = {
                {"missing key", "missing.ed25519", NULL, NULL, -ENOENT,
                        "cannot read the signing key %s: No such file or directory"},
                {"not a key", "garbage.ed25519", "not a PEM file\n", NULL, -EBADMSG,
                        "cannot read the signing key %s: Bad message"},
                {"unusable CA file", NULL, NULL, "-----BEGIN CERTIFICATE-----\nAAAA\n", -EBADMSG,
                        "the CA file %s is unusable: "},
        };
        struct fixture *f = *state;
        struct fl_sender_stats st;
        struct fl_sender *s = NULL;

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                check_hello(f, &cases[i]);
                fl_sender_get_stats(f->sender, &st);
                assert_int_equal(st.spawns, 1);
        }
        /* No executable at all. */
        assert_int_equal(fl_sender_new(f->event,
                                 &(struct fl_sender_options){.hello = {.url = "http://x",
                                                                     .signing_key_file = "k",
                                                                     .key_id = "k"},
                                         .path = "/nonexistent/faultline-agent-sender"},
                                 &s),
                -ENOENT);
        assert_null(s);
}

/* ---- a post, signed ---- */

static int lookup(const char *keyid, void *userdata, EVP_PKEY **ret) {
        if (strcmp(keyid, "node-17") != 0)
                return -ENOKEY;
        *ret = userdata;
        return 0;
}

/* The request the server logged, verified as the coordinator does. */
static void verify_logged(struct fixture *f, json_t *req, const char *body) {
        json_t *h = json_object_get(req, "headers"), *v;
        struct fl_http_header headers[16];
        struct fl_httpsig_error error = {};
        struct fl_httpsig_result res = {};
        const char *name, *digest;
        char host[64];
        size_t n = 0;

        json_object_foreach (h, name, v) {
                if (n < ELEMENTSOF(headers))
                        headers[n++] = (struct fl_http_header){name, json_string_value(v)};
        }
        snprintf(host, sizeof(host), "127.0.0.1:%d", f->server.port);
        struct fl_http_request hr = {.method = "POST",
                .scheme = "http",
                .authority = host,
                .request_target = json_string_value(json_object_get(req, "path")),
                .headers = headers,
                .n_headers = n};
        struct fl_httpsig_policy policy = {.required_components = fl_httpsig_trigger_required,
                .required_params = FL_HTTPSIG_TRIGGER_REQUIRED_PARAMS,
                .now = time(NULL),
                .skew_sec = 300,
                .key_lookup = lookup,
                .userdata = f->key};
        if (fl_httpsig_verify(&hr, &policy, &res, &error) < 0)
                fail_msg("refused: %s: %s", fl_httpsig_status_to_string(error.status),
                        error.message);
        assert_string_equal(res.keyid, "node-17");
        fl_httpsig_result_done(&res);
        digest = json_string_value(json_object_get(h, "Content-Digest"));
        assert_non_null(digest);
        assert_int_equal(fl_digest_verify(digest, strlen(digest), body, strlen(body), NULL), 0);
        assert_string_equal(json_string_value(json_object_get(req, "body")), body);
}

static json_t *logged_requests(const struct fixture *f) {
        _cleanup_free_ char *path = NULL, *text = NULL;
        json_t *all = json_array();
        char *line, *save = NULL;

        assert_true(asprintf(&path, "%s/requests.jsonl", f->server_dir) > 0);
        if (access(path, F_OK) < 0)
                return all;
        text = fl_test_read_file(path, NULL);
        for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
                json_array_append_new(all, json_loads(line, 0, NULL));
        return all;
}

static void test_post_signed(void **state) {
        struct fixture *f = *state;
        const char *body = "{\"node\":\"node-17\",\"idempotency_key\":\"0123456789abcdef\"}";
        _cleanup_free_ char *error = NULL, *url = NULL;
        struct fl_sender_stats st;
        json_auto_t *reqs = NULL;
        int pid;

        new_sender(f, f->server.url, f->key_file, NULL, 0);
        assert_int_equal(fl_sender_start(f->sender, &error), 0);
        assert_null(error);
        assert_true(asprintf(&url, "%s/v1/triggers", f->server.url) > 0);
        assert_string_equal(fl_sender_url(f->sender), url);
        pid = fl_sender_pid(f->sender);
        assert_true(pid > 0 && pid != getpid());

        fl_http_test_server_answer(&f->server, 202, "Retry-After: 7",
                "{\"decision\":\"started\",\"workflow_id\":\"wf-1\"}");
        post_and_wait(f, body);
        assert_int_equal(f->result.failure, FL_HTTP_OK);
        assert_int_equal(f->result.status, 202);
        assert_string_equal(f->body, "{\"decision\":\"started\",\"workflow_id\":\"wf-1\"}");
        assert_int_equal(f->result.body_size, strlen(f->body));
        assert_true(f->result.new_connection);
        assert_true(f->result.elapsed_usec > 0);
        /* A second post: the same process, the kept-alive connection. */
        post_and_wait(f, body);
        assert_false(f->result.new_connection);
        assert_int_equal(fl_sender_pid(f->sender), pid);

        reqs = logged_requests(f);
        assert_int_equal(json_array_size(reqs), 2);
        for (size_t i = 0; i < 2; i++)
                verify_logged(f, json_array_get(reqs, i), body);
        /* Signed at send time: a fresh nonce per request. */
        assert_string_not_equal(
                json_string_value(json_object_get(
                        json_object_get(json_array_get(reqs, 0), "headers"), "Signature-Input")),
                json_string_value(json_object_get(
                        json_object_get(json_array_get(reqs, 1), "headers"), "Signature-Input")));
        fl_sender_get_stats(f->sender, &st);
        assert_int_equal(st.spawns, 1);
        assert_int_equal(st.requests, 2);
        assert_int_equal(st.answers, 2);
        assert_int_equal(st.connections, 1);
        assert_int_equal(st.running, 1);
        assert_int_equal(st.active, 0);
}

/* ---- oversized messages ---- */

/* A stand-in sender (python) that answers hello, then answers a post with a
 * packet over the cap. */
static const char *const fake_sender =
        "#!/usr/bin/env python3\n"
        "import json, socket\n"
        "s = socket.socket(fileno=3)\n"
        "s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 1 << 20)\n"
        "s.recv(1 << 20)\n"
        "s.send(json.dumps({'type': 'ready', 'url': 'http://x/v1/triggers'}).encode())\n"
        "s.recv(1 << 20)\n"
        "s.send(b'{\"type\":\"result\",\"body\":\"' + b'x' * 400000 + b'\"}')\n"
        "s.recv(1)\n";

static void test_oversized(void **state) {
        struct fixture *f = *state;
        _cleanup_free_ char *big = malloc(FL_SENDER_BODY_MAX + 2), *fake = NULL, *error = NULL;
        _cleanup_free_ char *expected = NULL;
        const char *message = NULL;
        struct fl_sender_options o = {
                .hello = {.url = "http://127.0.0.1:1",
                        .signing_key_file = f->key_file,
                        .key_id = "node-17",
                        .max_connections = 1},
        };
        int fds[2], status = 0;
        char buf[4096];
        ssize_t n;
        pid_t pid;

        /* The agent refuses a body over the cap, before any process. */
        memset(big, 'a', FL_SENDER_BODY_MAX + 1);
        big[FL_SENDER_BODY_MAX + 1] = '\0';
        new_sender(f, f->server.url, f->key_file, NULL, 0);
        assert_int_equal(
                fl_sender_post(f->sender, big, FL_SENDER_BODY_MAX + 1, on_done, f, &message),
                -EMSGSIZE);
        assert_string_equal(message, "a trigger body of 65537 bytes, more than the 65536 allowed");
        assert_int_equal(fl_sender_pid(f->sender), 0);

        /* The sender refuses a packet over the cap: says so, exits 2. */
        assert_int_equal(fl_channel_socketpair(fds), 0);
        pid = fork();
        assert_true(pid >= 0);
        if (pid == 0) {
                dup2(fds[1], 3);
                execl(f->sender_path, FL_SENDER_NAME, (char *) NULL);
                _exit(127);
        }
        close(fds[1]);
        {
                size_t size = FL_SENDER_MESSAGE_MAX + 1;
                char *packet = malloc(size);
                memset(packet, ' ', size);
                assert_int_equal(send(fds[0], packet, size, MSG_NOSIGNAL), (ssize_t) size);
                free(packet);
        }
        n = recv(fds[0], buf, sizeof(buf) - 1, 0);
        assert_true(n > 0);
        buf[n] = '\0';
        {
                json_auto_t *m = json_loads(buf, 0, NULL);
                assert_string_equal(json_string_value(json_object_get(m, "type")), "error");
                assert_int_equal(json_integer_value(json_object_get(m, "errno")), EMSGSIZE);
                assert_string_equal(json_string_value(json_object_get(m, "message")),
                        "sender: protocol error: a message of 397313 bytes, more than the "
                        "397312 allowed");
        }
        assert_int_equal(recv(fds[0], buf, sizeof(buf), 0), 0); /* then end of file */
        assert_int_equal(waitpid(pid, &status, 0), pid);
        assert_true(WIFEXITED(status));
        assert_int_equal(WEXITSTATUS(status), 2);
        close(fds[0]);

        /* A sender answering with a packet over the cap is killed; the
         * request fails with the reason. */
        fake = fl_test_write_file(f->dir, "fake-sender", fake_sender);
        assert_int_equal(chmod(fake, 0755), 0);
        o.path = fake;
        f->sender = fl_sender_free(f->sender);
        assert_int_equal(fl_sender_new(f->event, &o, &f->sender), 0);
        assert_int_equal(fl_sender_start(f->sender, &error), 0);
        post_and_wait(f, "{}");
        assert_int_equal(f->result.failure, FL_HTTP_TRANSFER);
        assert_true(asprintf(&expected,
                            "sender exited: killed by signal 9 (KILL): protocol error: a message "
                            "of %d bytes, more than the 397312 allowed",
                            400000 + (int) strlen("{\"type\":\"result\",\"body\":\"\"}")) > 0);
        assert_string_equal(f->error, expected);
}

/* ---- the sender's lifetime ---- */

static void test_killed_mid_transfer(void **state) {
        struct fixture *f = *state;
        _cleanup_free_ char *url = NULL, *error = NULL;
        struct fl_sender_stats st;
        int pid, status;

        /* A coordinator that accepts the connection and never answers. */
        assert_true(asprintf(&url, "http://127.0.0.1:%d", f->listener_port) > 0);
        new_sender(f, url, f->key_file, NULL, 0);
        assert_int_equal(fl_sender_start(f->sender, &error), 0);
        pid = fl_sender_pid(f->sender);
        f->done = 0;
        assert_int_equal(fl_sender_post(f->sender, "{}", 2, on_done, f, NULL), 0);
        run_for(f, 300 * MSEC);
        assert_int_equal(f->done, 0);
        assert_int_equal(kill(pid, SIGKILL), 0);
        assert_int_equal(fl_test_run_until(f->event, is_done, f, 5 * SEC), 0);
        assert_int_equal(f->result.failure, FL_HTTP_TRANSFER);
        assert_string_equal(f->error, "sender exited: killed by signal 9 (KILL)");
        /* Reaped: no zombie left. */
        assert_int_equal(waitpid(pid, &status, WNOHANG), -1);
        assert_int_equal(errno, ECHILD);
        fl_sender_get_stats(f->sender, &st);
        assert_int_equal(st.crashes, 1);
        assert_int_equal(st.running, 0);
        assert_int_equal(fl_sender_pid(f->sender), 0);

        /* The next post starts another sender. */
        f->done = 0;
        assert_int_equal(fl_sender_post(f->sender, "{}", 2, on_done, f, NULL), 0);
        assert_true(fl_sender_pid(f->sender) > 0);
        assert_int_not_equal(fl_sender_pid(f->sender), pid);
        fl_sender_get_stats(f->sender, &st);
        assert_int_equal(st.spawns, 2);
        assert_int_equal(st.running, 1);
        assert_int_equal(st.active, 1);
}

#define CAP_MESSAGE "the sender failed 5 times within 60 s: not started again for "
#define CAP_CAUSE   "; the last: sender exited: killed by signal 9 (KILL)"

static void test_respawn_cap(void **state) {
        struct fixture *f = *state;
        _cleanup_free_ char *url = NULL;
        const char *message = NULL;
        struct fl_sender_stats st;

        assert_true(asprintf(&url, "http://127.0.0.1:%d", f->listener_port) > 0);
        new_sender(f, url, f->key_file, NULL, 0);
        for (int i = 0; i < FL_SENDER_CRASHES_MAX; i++) {
                f->done = 0;
                assert_int_equal(fl_sender_post(f->sender, "{}", 2, on_done, f, NULL), 0);
                assert_int_equal(kill(fl_sender_pid(f->sender), SIGKILL), 0);
                assert_int_equal(fl_test_run_until(f->event, is_done, f, 5 * SEC), 0);
                assert_int_equal(f->result.failure, FL_HTTP_TRANSFER);
        }
        assert_int_equal(fl_sender_post(f->sender, "{}", 2, on_done, f, &message), -EAGAIN);
        /* "... for 60 s" (59 on a slow machine). */
        assert_non_null(message);
        assert_int_equal(strncmp(message, CAP_MESSAGE, strlen(CAP_MESSAGE)), 0);
        /* ... and why the last one ended. */
        assert_true(strncmp(message + strlen(CAP_MESSAGE), "60 s" CAP_CAUSE,
                            strlen("60 s" CAP_CAUSE)) == 0 ||
                    strncmp(message + strlen(CAP_MESSAGE), "59 s" CAP_CAUSE,
                            strlen("59 s" CAP_CAUSE)) == 0);
        fl_sender_get_stats(f->sender, &st);
        assert_int_equal(st.spawns, FL_SENDER_CRASHES_MAX);
        assert_int_equal(st.crashes, FL_SENDER_CRASHES_MAX);
}

static bool sender_gone(void *userdata) {
        struct fl_sender_stats st;

        fl_sender_get_stats(userdata, &st);
        return st.running == 0;
}

static void test_idle_close(void **state) {
        struct fixture *f = *state;
        _cleanup_free_ char *error = NULL;
        struct fl_sender_stats st;
        int pid, status;

        new_sender(f, f->server.url, f->key_file, NULL, 300 * MSEC);
        assert_int_equal(fl_sender_start(f->sender, &error), 0);
        pid = fl_sender_pid(f->sender);
        post_and_wait(f, "{}");
        assert_int_equal(f->result.status, 200);
        /* Busy a moment ago: still there. */
        run_for(f, 100 * MSEC);
        assert_int_equal(fl_sender_pid(f->sender), pid);
        assert_int_equal(fl_test_run_until(f->event, sender_gone, f->sender, 5 * SEC), 0);
        assert_int_equal(fl_sender_pid(f->sender), 0);
        /* It exited on its own (end of file) and was reaped. */
        assert_int_equal(waitpid(pid, &status, WNOHANG), -1);
        assert_int_equal(errno, ECHILD);
        assert_int_equal(kill(pid, 0), -1);
        fl_sender_get_stats(f->sender, &st);
        assert_int_equal(st.exits, 1);
        assert_int_equal(st.crashes, 0);

        /* The next trigger pays for a new one. */
        post_and_wait(f, "{}");
        assert_int_equal(f->result.status, 200);
        assert_true(f->result.new_connection);
        fl_sender_get_stats(f->sender, &st);
        assert_int_equal(st.spawns, 2);
}

/* ---- hello refused when the sender is started again ---- */

static void write_key(const struct fixture *f, const char *path) {
        FILE *out = fopen(path, "we");

        assert_non_null(out);
        assert_int_equal(PEM_write_PrivateKey(out, f->key, NULL, NULL, 0, NULL, NULL), 1);
        assert_int_equal(fclose(out), 0);
}

/* A self-signed certificate (the fixture's key): a CA file OpenSSL loads. */
static void write_ca(const struct fixture *f, const char *path) {
        X509 *x = X509_new();
        X509_NAME *name;
        FILE *out;

        assert_non_null(x);
        assert_int_equal(X509_set_version(x, X509_VERSION_3), 1);
        assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), 1), 1);
        assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), 0));
        assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), 86400));
        name = X509_get_subject_name(x);
        assert_int_equal(X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                                 (const unsigned char *) "faultline-test-ca", -1, -1, 0),
                1);
        assert_int_equal(X509_set_issuer_name(x, name), 1);
        assert_int_equal(X509_set_pubkey(x, f->key), 1);
        assert_true(X509_sign(x, f->key, NULL) > 0);
        out = fopen(path, "we");
        assert_non_null(out);
        assert_int_equal(PEM_write_X509(out, x), 1);
        assert_int_equal(fclose(out), 0);
        X509_free(x);
}

struct respawn_case {
        const char *name;
        bool ca;          /* the CA file goes bad, else the signing key */
        const char *data; /* its new content; NULL: it is removed */
        bool kill;        /* the first sender is killed, else it exits idle */
        /* printf format, %s: the file's path; ending in ": " it is a prefix
         * (OpenSSL's words follow). */
        const char *message;
};

static void check_respawn(struct fixture *f, const struct respawn_case *c) {
        _cleanup_free_ char *key = NULL, *ca = NULL, *expected = NULL;
        const char *file;
        struct fl_sender_stats st;
        int pid, refused, status;
        size_t n;

        assert_true(asprintf(&key, "%s/respawn.ed25519", f->dir) > 0);
        assert_true(asprintf(&ca, "%s/respawn-ca.pem", f->dir) > 0);
        write_key(f, key);
        write_ca(f, ca);
        file = c->ca ? ca : key;
        new_sender(f, f->server.url, key, ca, c->kill ? 0 : 200 * MSEC);

        /* The first one starts and delivers. */
        post_and_wait(f, "{}");
        assert_int_equal(f->result.failure, FL_HTTP_OK);
        assert_int_equal(f->result.status, 200);
        pid = fl_sender_pid(f->sender);
        assert_true(pid > 0);

        /* Its file goes bad under it, and it goes away. */
        if (c->data)
                free(fl_test_write_file(f->dir, strrchr(file, '/') + 1, c->data));
        else
                assert_int_equal(unlink(file), 0);
        if (c->kill)
                assert_int_equal(kill(pid, SIGKILL), 0);
        assert_int_equal(fl_test_run_until(f->event, sender_gone, f->sender, 5 * SEC), 0);
        assert_int_equal(fl_sender_pid(f->sender), 0);

        /* The next post starts another, whose hello is refused: the post
         * fails with the sender's message, once. */
        f->done = 0;
        assert_int_equal(fl_sender_post(f->sender, "{}", 2, on_done, f, NULL), 0);
        assert_int_equal(f->done, 0);
        refused = fl_sender_pid(f->sender);
        assert_true(refused > 0 && refused != pid);
        assert_int_equal(fl_test_run_until(f->event, is_done, f, 5 * SEC), 0);
        assert_int_equal(f->result.failure, FL_HTTP_TLS_CONFIG);
        assert_int_equal(f->result.status, 0);
        assert_string_equal(f->body, "");
        assert_true(asprintf(&expected, c->message, file) > 0);
        n = strlen(expected);
        if (!f->error ||
                (n >= 2 && strcmp(expected + n - 2, ": ") == 0 ? strncmp(f->error, expected, n)
                                                               : strcmp(f->error, expected)) != 0)
                fail_msg("%s: got \"%s\", expected \"%s\"", c->name, f->error, expected);
        /* Its process no longer takes posts; it exits (status 1) and is reaped. */
        assert_int_equal(fl_sender_pid(f->sender), 0);
        assert_int_equal(fl_test_run_until(f->event, sender_gone, f->sender, 5 * SEC), 0);
        assert_int_equal(f->done, 1);
        assert_int_equal(waitpid(refused, &status, WNOHANG), -1);
        assert_int_equal(errno, ECHILD);
        fl_sender_get_stats(f->sender, &st);
        assert_int_equal(st.spawns, 2);
        assert_int_equal(st.exits, 2);
        /* A refused hello counts as a crash (towards the respawn cap). */
        assert_int_equal(st.crashes, c->kill ? 2 : 1);
        assert_int_equal(st.failures, 1);
        assert_int_equal(st.active, 0);

        /* Repaired: the next post starts a sender that delivers. */
        if (c->ca)
                write_ca(f, ca);
        else
                write_key(f, key);
        post_and_wait(f, "{}");
        assert_int_equal(f->result.failure, FL_HTTP_OK);
        assert_int_equal(f->result.status, 200);
        fl_sender_get_stats(f->sender, &st);
        assert_int_equal(st.spawns, 3);
}

static void test_hello_refused_on_respawn(void **state) {
        static const struct respawn_case cases[] = {
                {"key removed, idle exit", false, NULL, false,
                        "cannot read the signing key %s: No such file or directory"},
                {"key overwritten, killed", false, "not a PEM file\n", true,
                        "cannot read the signing key %s: Bad message"},
                {"CA file overwritten, idle exit", true, "-----BEGIN CERTIFICATE-----\nAAAA\n",
                        false, "the CA file %s is unusable: "},
                {"CA file removed, killed", true, NULL, true, "the CA file %s is unusable: "},
        };
        struct fixture *f = *state;

        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                check_respawn(f, &cases[i]);
}

/* ---- answers that are not UTF-8 ---- */

struct body_case {
        const char *name;
        int status;
        const char *answer;   /* the body the server sends */
        const char *expected; /* the body the agent gets */
};

static void test_answer_not_utf8(void **state) {
        /* UTF-8 passes as it is; otherwise every byte >= 0x80 becomes '?',
         * those of valid sequences included (agent/sender_protocol.c). */
        static const struct body_case cases[] = {
                {"valid UTF-8", 202, "{\"text\":\"caf\xc3\xa9 \xe2\x82\xac\"}",
                        "{\"text\":\"caf\xc3\xa9 \xe2\x82\xac\"}"},
                {"a stray byte", 503, "{\"x\":\"\xff\"}", "{\"x\":\"?\"}"},
                {"valid and invalid", 400, "caf\xc3\xa9 \xff ok", "caf?? ? ok"},
                {"a truncated sequence", 500, "\xe2\x82 end", "?? end"},
                {"an overlong encoding", 200, "\xc0\xaf", "??"},
                {"latin-1", 429, "d\xe9j\xe0 vu", "d?j? vu"},
        };
        struct fixture *f = *state;
        _cleanup_free_ char *error = NULL;
        struct fl_sender_stats st;

        new_sender(f, f->server.url, f->key_file, NULL, 0);
        assert_int_equal(fl_sender_start(f->sender, &error), 0);
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                const struct body_case *c = &cases[i];

                fl_http_test_server_answer(&f->server, c->status, NULL, c->answer);
                post_and_wait(f, "{}");
                if (f->result.failure != FL_HTTP_OK || f->result.status != c->status ||
                        strcmp(f->body, c->expected) != 0 ||
                        f->result.body_size != strlen(c->expected))
                        fail_msg("%s: got %s %d \"%s\" (%zu bytes), expected %d \"%s\"", c->name,
                                fl_http_failure_to_string(f->result.failure), f->result.status,
                                f->body, f->result.body_size, c->status, c->expected);
        }
        /* All answered by the one sender. */
        fl_sender_get_stats(f->sender, &st);
        assert_int_equal(st.spawns, 1);
        assert_int_equal(st.answers, ELEMENTSOF(cases));
        assert_int_equal(st.crashes, 0);
}

/* A stand-in sender that answers hello and then ignores its socket: only
 * PR_SET_PDEATHSIG can end it. */
static const char *const deaf_sender =
        "#!/usr/bin/env python3\n"
        "import json, socket, time\n"
        "s = socket.socket(fileno=3)\n"
        "s.recv(1 << 20)\n"
        "s.send(json.dumps({'type': 'ready', 'url': 'http://x/v1/triggers'}).encode())\n"
        "time.sleep(3600)\n";

/* ---- the result watchdog ---- */

static void test_result_watchdog(void **state) {
        struct fixture *f = *state;
        _cleanup_free_ char *deaf = NULL, *error = NULL;
        const uint64_t timeout = 200 * MSEC;
        struct fl_sender_options o = {
                .hello = {.url = f->server.url,
                        .signing_key_file = f->key_file,
                        .key_id = "node-17",
                        .timeout_usec = timeout,
                        .max_connections = 1},
        };
        struct fl_sender_stats st;
        uint64_t posted;
        int pid, status;

        /* It takes the post (into its socket) and never answers. */
        deaf = fl_test_write_file(f->dir, "deaf-sender", deaf_sender);
        assert_int_equal(chmod(deaf, 0755), 0);
        o.path = deaf;
        f->sender = fl_sender_free(f->sender);
        assert_int_equal(fl_sender_new(f->event, &o, &f->sender), 0);
        assert_int_equal(fl_sender_start(f->sender, &error), 0);
        pid = fl_sender_pid(f->sender);
        /* The time the deadline counts from (the loop's clock). */
        assert_true(sd_event_now(f->event, CLOCK_BOOTTIME, &posted) >= 0);
        f->done = 0;
        assert_int_equal(fl_sender_post(f->sender, "{}", 2, on_done, f, NULL), 0);
        assert_int_equal(fl_test_run_until(f->event, is_done, f, 15 * SEC), 0);
        /* Not before the request's timeout and 5 s of grace. */
        assert_true(boottime_usec() - posted >= timeout + 5 * SEC);
        assert_int_equal(f->done, 1);
        assert_int_equal(f->result.failure, FL_HTTP_TRANSFER);
        assert_int_equal(f->result.status, 0);
        assert_string_equal(f->error, "sender exited: killed by signal 9 (KILL): no result in "
                                      "time: the sender was stuck");
        /* Killed and reaped. */
        assert_int_equal(waitpid(pid, &status, WNOHANG), -1);
        assert_int_equal(errno, ECHILD);
        assert_int_equal(kill(pid, 0), -1);
        fl_sender_get_stats(f->sender, &st);
        assert_int_equal(st.crashes, 1);
        assert_int_equal(st.failures, 1);
        assert_int_equal(st.running, 0);
        assert_int_equal(st.active, 0);
        assert_int_equal(fl_sender_pid(f->sender), 0);
}

/* Runs an "agent" (a child with a started sender), SIGKILLs it, and
 * returns the sender's wait status once it is gone. */
static int kill_agent(struct fixture *f, const char *path) {
        int pipefd[2], status = 0, sender_pid = 0;
        pid_t agent;

        /* Orphans come to us, so the sender's end can be observed. */
        assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 1), 0);
        assert_int_equal(pipe(pipefd), 0);
        agent = fork();
        assert_true(agent >= 0);
        if (agent == 0) {
                struct fl_sender_options o = {
                        .hello = {.url = f->server.url,
                                .signing_key_file = f->key_file,
                                .key_id = "node-17",
                                .max_connections = 1},
                        .path = path,
                };
                struct fl_sender *s = NULL;
                sd_event *e = NULL;
                char *error = NULL;
                int pid;

                close(pipefd[0]);
                /* sd-event objects do not cross fork(). */
                if (sd_event_new(&e) < 0 || fl_sender_new(e, &o, &s) < 0 ||
                        fl_sender_start(s, &error) < 0)
                        _exit(1);
                pid = fl_sender_pid(s);
                if (write(pipefd[1], &pid, sizeof(pid)) != sizeof(pid))
                        _exit(1);
                for (;;)
                        pause();
        }
        close(pipefd[1]);
        assert_int_equal(read(pipefd[0], &sender_pid, sizeof(sender_pid)), sizeof(sender_pid));
        close(pipefd[0]);
        assert_true(sender_pid > 0);
        assert_int_equal(kill(agent, SIGKILL), 0);
        assert_int_equal(waitpid(agent, &status, 0), agent);
        status = -1;
        for (int i = 0; i < 500 && waitpid(sender_pid, &status, WNOHANG) == 0; i++)
                usleep(10000);
        assert_int_equal(kill(sender_pid, 0), -1); /* gone, and reaped */
        assert_int_equal(prctl(PR_SET_CHILD_SUBREAPER, 0), 0);
        return status;
}

static void test_agent_killed(void **state) {
        struct fixture *f = *state;
        _cleanup_free_ char *deaf = NULL;
        int status;

        /* The real sender: PR_SET_PDEATHSIG's SIGKILL, or the end of file on
         * its socket if that came first (both happen as the agent exits). */
        status = kill_agent(f, f->sender_path);
        assert_true((WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) ||
                    (WIFEXITED(status) && WEXITSTATUS(status) == 0));
        /* One that would never notice: SIGKILL it is. */
        deaf = fl_test_write_file(f->dir, "deaf-sender", deaf_sender);
        assert_int_equal(chmod(deaf, 0755), 0);
        status = kill_agent(f, deaf);
        assert_true(WIFSIGNALED(status));
        assert_int_equal(WTERMSIG(status), SIGKILL);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_hello_errors, setup, teardown),
                cmocka_unit_test_setup_teardown(test_post_signed, setup, teardown),
                cmocka_unit_test_setup_teardown(test_oversized, setup, teardown),
                cmocka_unit_test_setup_teardown(test_killed_mid_transfer, setup, teardown),
                cmocka_unit_test_setup_teardown(test_respawn_cap, setup, teardown),
                cmocka_unit_test_setup_teardown(test_idle_close, setup, teardown),
                cmocka_unit_test_setup_teardown(test_hello_refused_on_respawn, setup, teardown),
                cmocka_unit_test_setup_teardown(test_answer_not_utf8, setup, teardown),
                cmocka_unit_test_setup_teardown(test_result_watchdog, setup, teardown),
                cmocka_unit_test_setup_teardown(test_agent_killed, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
