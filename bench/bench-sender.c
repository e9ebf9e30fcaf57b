/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench-sender PKI_DIR SENDER [COLD] [WARM]: what the first trigger after an idle
 * period costs now that the sender is a process (scripts/bench.d/delivery.sh).
 * Against a local HTTPS server with client certificates
 * (tests/lib/http_test_server.c), each timed from post to result:
 *
 *   delivery_sender_cold_post_*   a new faultline-agent-sender: fork, exec,
 *                                 hello (key, TLS files), libcurl loaded,
 *                                 TLS handshake, signed POST
 *   delivery_sender_warm_post_*   the running sender, kept-alive connection
 *   delivery_sender_spawn_call_*  of the cold post, the time inside
 *                                 fl_sender_post() (fork, exec, hello sent):
 *                                 what the caller's loop waits
 *   delivery_sender_start_*       fork, exec and hello alone (fl_sender_start)
 *   delivery_http_cold_post_*     for comparison, what it cost in-process
 *                                 before: libcurl loaded, TLS handshake
 *   delivery_http_warm_post_*     ... and a kept-alive connection then
 */
#include "fl_test.h"
#include "http_client.h"
#include "http_test_server.h"
#include "macro.h"
#include "sender.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#define USEC_PER_SEC UINT64_C(1000000)
#define BODY         "{\"node\":\"node-17\",\"idempotency_key\":\"0123456789abcdef\"}"

struct run {
        sd_event *event;
        bool done;
        int status;
};

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000;
}

static void on_done(const struct fl_http_result *res, void *userdata) {
        struct run *r = userdata;

        r->done = true;
        r->status = res->failure == FL_HTTP_OK ? res->status : -(int) res->failure;
        if (res->failure != FL_HTTP_OK)
                fprintf(stderr, "bench-sender: %s\n", res->error);
}

static int wait_done(struct run *r) {
        while (!r->done)
                if (sd_event_run(r->event, 10 * USEC_PER_SEC) < 0)
                        return -EIO;
        return r->status == 200 ? 0 : -EIO;
}

static int cmp_u64(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
        return x < y ? -1 : x > y;
}

static void report(const char *name, uint64_t *v, size_t n) {
        qsort(v, n, sizeof(*v), cmp_u64);
        printf("BENCH %s_p50_ms %.2f ms\n", name, v[n / 2] / 1000.0);
        printf("BENCH %s_p99_ms %.2f ms\n", name,
                v[(n * 99) / 100 < n ? (n * 99) / 100 : n - 1] / 1000.0);
}

int main(int argc, char **argv) {
        size_t cold = argc > 3 ? strtoul(argv[3], NULL, 10) : 20;
        size_t warm = argc > 4 ? strtoul(argv[4], NULL, 10) : 200;
        _cleanup_free_ char *dir = NULL, *key_file = NULL, *ca = NULL, *cert = NULL, *ckey = NULL,
                            *server_dir = NULL;
        _cleanup_free_ uint64_t *t = NULL, *spawn = NULL;
        struct fl_http_test_server server = {};
        struct run r = {};
        EVP_PKEY *key;
        sigset_t mask;
        FILE *out;

        if (argc < 3 || cold == 0 || warm == 0) {
                fprintf(stderr, "usage: bench-sender PKI_DIR SENDER [COLD] [WARM]\n");
                return 2;
        }
        t = calloc(cold > warm ? cold : warm, sizeof(*t));
        spawn = calloc(cold, sizeof(*spawn));
        dir = fl_test_mkdtemp();
        if (asprintf(&key_file, "%s/node.ed25519", dir) < 0 ||
                asprintf(&server_dir, "%s/server", dir) < 0 ||
                asprintf(&ca, "%s/ca.pem", argv[1]) < 0 ||
                asprintf(&cert, "%s/client.pem", argv[1]) < 0 ||
                asprintf(&ckey, "%s/client.key", argv[1]) < 0 || !t || !spawn ||
                mkdir(server_dir, 0700) < 0)
                return 1;
        key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
        out = fopen(key_file, "w");
        if (!key || !out || PEM_write_PrivateKey(out, key, NULL, NULL, 0, NULL, NULL) != 1)
                return 1;
        fclose(out);
        EVP_PKEY_free(key);
        sigemptyset(&mask);
        sigaddset(&mask, SIGCHLD);
        sigprocmask(SIG_BLOCK, &mask, NULL);
        if (sd_event_new(&r.event) < 0)
                return 1;
        fl_http_test_server_start(&server, server_dir, argv[1]);

        struct fl_sender_options o = {
                .hello = {.url = server.url,
                        .signing_key_file = key_file,
                        .key_id = "node-17",
                        .ca_file = ca,
                        .cert_file = cert,
                        .key_file = ckey,
                        .timeout_usec = 10 * USEC_PER_SEC,
                        .max_connections = 1},
                .path = argv[2],
        };
        struct fl_sender *s = NULL;

        for (size_t i = 0; i < cold; i++) {
                uint64_t t0;

                if (fl_sender_new(r.event, &o, &s) < 0)
                        return 1;
                r.done = false;
                t0 = now_usec();
                if (fl_sender_post(s, BODY, strlen(BODY), on_done, &r, NULL) < 0)
                        return 1;
                spawn[i] = now_usec() - t0;
                if (wait_done(&r) < 0)
                        return 1;
                t[i] = now_usec() - t0;
                if (i + 1 < cold)
                        s = fl_sender_free(s);
        }
        report("delivery_sender_cold_post", t, cold);
        report("delivery_sender_spawn_call", spawn, cold);
        for (size_t i = 0; i < warm; i++) {
                uint64_t t0 = now_usec();

                r.done = false;
                if (fl_sender_post(s, BODY, strlen(BODY), on_done, &r, NULL) < 0 ||
                        wait_done(&r) < 0)
                        return 1;
                t[i] = now_usec() - t0;
        }
        report("delivery_sender_warm_post", t, warm);
        fl_sender_free(s);

        /* The process alone: fork, exec, hello (key and TLS files read). */
        for (size_t i = 0; i < cold; i++) {
                uint64_t t0;

                if (fl_sender_new(r.event, &o, &s) < 0)
                        return 1;
                t0 = now_usec();
                if (fl_sender_start(s, NULL) < 0)
                        return 1;
                t[i] = now_usec() - t0;
                s = fl_sender_free(s);
        }
        report("delivery_sender_start", t, cold);

        /* Before: the client in-process, loaded anew (no signing here). */
        struct fl_http_client_options ho = {
                .ca_file = ca, .cert_file = cert, .key_file = ckey, .max_connections = 1};
        struct fl_http_client *last = NULL;
        char url[128];

        snprintf(url, sizeof(url), "%s/v1/triggers", server.url);
        for (size_t i = 0; i < cold; i++) {
                struct fl_http_client *c = NULL;
                uint64_t t0;

                if (fl_http_client_new(r.event, &ho, &c) < 0)
                        return 1;
                r.done = false;
                t0 = now_usec();
                if (fl_http_client_post(c, url, NULL, BODY, strlen(BODY), on_done, &r, NULL) < 0 ||
                        wait_done(&r) < 0)
                        return 1;
                t[i] = now_usec() - t0;
                if (i + 1 < cold)
                        fl_http_client_free(c);
                else
                        last = c;
        }
        report("delivery_http_cold_post", t, cold);
        for (size_t i = 0; i < warm; i++) {
                uint64_t t0 = now_usec();

                r.done = false;
                if (fl_http_client_post(last, url, NULL, BODY, strlen(BODY), on_done, &r, NULL) <
                                0 ||
                        wait_done(&r) < 0)
                        return 1;
                t[i] = now_usec() - t0;
        }
        report("delivery_http_warm_post", t, warm);
        fl_http_client_free(last);

        fl_http_test_server_stop(&server);
        sd_event_unref(r.event);
        fl_test_rm_rf(dir);
        return 0;
}
