/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Load generator for faultline-coordinator's POST /v1/triggers (run by
 * scripts/bench.d/coordinator.sh): N keep-alive mTLS connections on one
 * libevent loop, each sending a freshly signed trigger (lib/httpsig: new
 * created, new nonce, Content-Digest) as soon as the previous answer came
 * back (closed loop). Every trigger has its own idempotency key, so each is
 * a real decision, never a duplicate.
 *
 *   bench-coordinator --port P --ca CA --cert CERT --cert-key KEY
 *                     --signing-key ED25519.pem --keyid ID --workflow W
 *                     --node NODE [--node NODE...] [--connections N]
 *                     [--seconds S] [--warmup S] --expect STATUS --name NAME
 *
 * Prints, for answers after the warm-up:
 *   BENCH NAME_per_s         answers with the expected status per second
 *   BENCH NAME_p50_ms, NAME_p99_ms   request latency (signing excluded)
 * and fails (exit 1) if any answer had another status.
 */
#include "digest.h"
#include "httpsig.h"
#include "macro.h"

#include <errno.h>
#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <getopt.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NODES_MAX       1024
#define CONNECTIONS_MAX 1024

struct bench;

struct conn {
        struct bench *b;
        struct evhttp_connection *evcon;
        uint64_t sent_usec;
        bool nodelay;
};

struct bench {
        struct event_base *base;
        SSL_CTX *ctx;
        EVP_PKEY *key;
        const char *keyid, *workflow, *name;
        const char *nodes[NODES_MAX];
        size_t n_nodes;
        unsigned port;
        int expect;
        char authority[64];
        uint64_t measure_from, stop_at;
        uint64_t seq;

        uint64_t *lat; /* µs, answers in the measured window */
        size_t n_lat, n_lat_allocated;
        uint64_t ok, unexpected, failed;
        int last_bad_status;
        char last_bad_body[256];
        unsigned open;
};

static uint64_t now_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

static void send_next(struct conn *c);

static void record(struct bench *b, uint64_t sent, uint64_t done) {
        if (sent < b->measure_from)
                return;
        if (b->n_lat == b->n_lat_allocated) {
                size_t n = b->n_lat_allocated ? b->n_lat_allocated * 2 : 65536;
                uint64_t *v = realloc(b->lat, n * sizeof(*v));
                if (!v)
                        return;
                b->lat = v;
                b->n_lat_allocated = n;
        }
        b->lat[b->n_lat++] = done - sent;
}

static void on_response(struct evhttp_request *req, void *userdata) {
        struct conn *c = userdata;
        struct bench *b = c->b;
        uint64_t done = now_usec();
        int status = req ? evhttp_request_get_response_code(req) : 0;

        /* As agents (libcurl) do: no Nagle delay on the next request. */
        if (!c->nodelay) {
                evutil_socket_t fd = bufferevent_getfd(evhttp_connection_get_bufferevent(c->evcon));
                c->nodelay = fd >= 0 &&
                             setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &(int){1}, sizeof(int)) == 0;
        }

        if (status == b->expect) {
                if (c->sent_usec >= b->measure_from && done <= b->stop_at)
                        b->ok++;
                record(b, c->sent_usec, done);
        } else if (status == 0)
                b->failed++;
        else {
                struct evbuffer *in = evhttp_request_get_input_buffer(req);
                size_t n = evbuffer_get_length(in);
                if (n >= sizeof(b->last_bad_body))
                        n = sizeof(b->last_bad_body) - 1;
                evbuffer_copyout(in, b->last_bad_body, n);
                b->last_bad_body[n] = '\0';
                b->last_bad_status = status;
                b->unexpected++;
        }
        if (done >= b->stop_at || status == 0) {
                if (--b->open == 0)
                        event_base_loopbreak(b->base);
                return;
        }
        send_next(c);
}

static void send_next(struct conn *c) {
        struct bench *b = c->b;
        char body[512], key[40], *digest = NULL, *input = NULL, *signature = NULL;
        unsigned char rnd[8];
        struct evhttp_request *req;
        struct evkeyvalq *h;
        int n;

        RAND_bytes(rnd, sizeof(rnd));
        snprintf(key, sizeof(key), "bench-%016" PRIx64 "-%02x%02x%02x%02x", b->seq, rnd[0], rnd[1],
                rnd[2], rnd[3]);
        n = snprintf(body, sizeof(body),
                "{\"node\":\"%s\",\"workflow\":\"%s\",\"rule\":\"bench\",\"idempotency_key\":\"%"
                "s\","
                "\"params\":{\"device\":\"sda\"},\"event\":{\"kind\":\"block_rq_error\","
                "\"sector\":2048},\"observed_at\":\"2026-11-27T03:58:00.123456Z\"}",
                b->nodes[b->seq % b->n_nodes], b->workflow, key);
        b->seq++;
        if (fl_digest_content_digest(body, (size_t) n, &digest) < 0)
                goto fail;
        struct fl_http_header headers[] = {
                {"Host", b->authority},
                {"Content-Type", "application/json"},
                {"Content-Digest", digest},
        };
        struct fl_http_request hr = {
                .method = "POST",
                .scheme = "https",
                .authority = b->authority,
                .request_target = "/v1/triggers",
                .headers = headers,
                .n_headers = ELEMENTSOF(headers),
        };
        struct fl_httpsig_sign_params p = {
                .components = fl_httpsig_trigger_components,
                .keyid = b->keyid,
                .created = (int64_t) time(NULL),
        };
        if (fl_httpsig_sign(&hr, &p, b->key, &input, &signature, NULL) < 0)
                goto fail;
        req = evhttp_request_new(on_response, c);
        if (!req)
                goto fail;
        h = evhttp_request_get_output_headers(req);
        evhttp_add_header(h, "Host", b->authority);
        evhttp_add_header(h, "Content-Type", "application/json");
        evhttp_add_header(h, "Content-Digest", digest);
        evhttp_add_header(h, "Signature-Input", input);
        evhttp_add_header(h, "Signature", signature);
        evbuffer_add(evhttp_request_get_output_buffer(req), body, (size_t) n);
        c->sent_usec = now_usec();
        if (evhttp_make_request(c->evcon, req, EVHTTP_REQ_POST, "/v1/triggers") < 0)
                goto fail;
        free(digest);
        free(input);
        free(signature);
        return;
fail:
        free(digest);
        free(input);
        free(signature);
        b->failed++;
        if (--b->open == 0)
                event_base_loopbreak(b->base);
}

static int cmp_u64(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
        return x < y ? -1 : x > y;
}

static double pct_ms(const uint64_t *v, size_t n, double p) {
        size_t k = (size_t) (p / 100.0 * (double) n + 0.999999);

        if (n == 0)
                return 0;
        if (k < 1)
                k = 1;
        if (k > n)
                k = n;
        return (double) v[k - 1] / 1000.0;
}

static int usage(void) {
        fprintf(stderr, "usage: bench-coordinator --port P --ca CA --cert CERT --cert-key KEY "
                        "--signing-key PEM --keyid ID --workflow W --node N... --expect STATUS "
                        "--name NAME [--connections N] [--seconds S] [--warmup S]\n");
        return 2;
}

int main(int argc, char *argv[]) {
        static const struct option opts[] = {
                {"port", required_argument, NULL, 'p'},
                {"ca", required_argument, NULL, 'a'},
                {"cert", required_argument, NULL, 'c'},
                {"cert-key", required_argument, NULL, 'k'},
                {"signing-key", required_argument, NULL, 's'},
                {"keyid", required_argument, NULL, 'i'},
                {"workflow", required_argument, NULL, 'w'},
                {"node", required_argument, NULL, 'n'},
                {"connections", required_argument, NULL, 'C'},
                {"seconds", required_argument, NULL, 'S'},
                {"warmup", required_argument, NULL, 'W'},
                {"expect", required_argument, NULL, 'e'},
                {"name", required_argument, NULL, 'N'},
                {},
        };
        const char *ca = NULL, *cert = NULL, *cert_key = NULL, *signing_key = NULL;
        struct bench b = {.expect = 0};
        unsigned connections = 16;
        double seconds = 10, warmup = 1;
        struct conn *conns;
        uint64_t start;
        int o;

        while ((o = getopt_long(argc, argv, "", opts, NULL)) >= 0)
                switch (o) {
                case 'p':
                        b.port = (unsigned) atoi(optarg);
                        break;
                case 'a':
                        ca = optarg;
                        break;
                case 'c':
                        cert = optarg;
                        break;
                case 'k':
                        cert_key = optarg;
                        break;
                case 's':
                        signing_key = optarg;
                        break;
                case 'i':
                        b.keyid = optarg;
                        break;
                case 'w':
                        b.workflow = optarg;
                        break;
                case 'n':
                        if (b.n_nodes < NODES_MAX)
                                b.nodes[b.n_nodes++] = optarg;
                        break;
                case 'C':
                        connections = (unsigned) atoi(optarg);
                        break;
                case 'S':
                        seconds = atof(optarg);
                        break;
                case 'W':
                        warmup = atof(optarg);
                        break;
                case 'e':
                        b.expect = atoi(optarg);
                        break;
                case 'N':
                        b.name = optarg;
                        break;
                default:
                        return usage();
                }
        if (!b.port || !ca || !signing_key || !b.keyid || !b.workflow || !b.n_nodes || !b.expect ||
                !b.name || connections < 1 || connections > CONNECTIONS_MAX)
                return usage();
        snprintf(b.authority, sizeof(b.authority), "127.0.0.1:%u", b.port);
        if (fl_httpsig_load_private_key(signing_key, &b.key) < 0) {
                fprintf(stderr, "bench-coordinator: cannot load %s\n", signing_key);
                return 1;
        }
        b.ctx = SSL_CTX_new(TLS_client_method());
        if (!b.ctx || SSL_CTX_load_verify_locations(b.ctx, ca, NULL) != 1 ||
                (cert && SSL_CTX_use_certificate_chain_file(b.ctx, cert) != 1) ||
                (cert_key && SSL_CTX_use_PrivateKey_file(b.ctx, cert_key, SSL_FILETYPE_PEM) != 1)) {
                fprintf(stderr, "bench-coordinator: TLS setup failed\n");
                return 1;
        }
        SSL_CTX_set_verify(b.ctx, SSL_VERIFY_PEER, NULL);
        b.base = event_base_new();
        conns = calloc(connections, sizeof(*conns));
        if (!b.base || !conns)
                return 1;

        start = now_usec();
        b.measure_from = start + (uint64_t) (warmup * 1e6);
        b.stop_at = b.measure_from + (uint64_t) (seconds * 1e6);
        for (unsigned i = 0; i < connections; i++) {
                SSL *ssl = SSL_new(b.ctx);
                struct bufferevent *bev =
                        bufferevent_openssl_socket_new(b.base, -1, ssl, BUFFEREVENT_SSL_CONNECTING,
                                BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS);

                conns[i].b = &b;
                conns[i].evcon = evhttp_connection_base_bufferevent_new(
                        b.base, NULL, bev, "127.0.0.1", (unsigned short) b.port);
                if (!conns[i].evcon)
                        return 1;
                evhttp_connection_set_timeout(conns[i].evcon, 30);
                b.open++;
                send_next(&conns[i]);
        }
        event_base_dispatch(b.base);

        qsort(b.lat, b.n_lat, sizeof(*b.lat), cmp_u64);
        printf("BENCH %s_per_s %.0f 1/s\n", b.name, (double) b.ok / seconds);
        printf("BENCH %s_p50_ms %.2f ms\n", b.name, pct_ms(b.lat, b.n_lat, 50));
        printf("BENCH %s_p99_ms %.2f ms\n", b.name, pct_ms(b.lat, b.n_lat, 99));
        fprintf(stderr,
                "bench-coordinator: %s: %u connections, %" PRIu64 " answered %d in %.1f s, %" PRIu64
                " other answers, %" PRIu64 " failures\n",
                b.name, connections, b.ok, b.expect, seconds, b.unexpected, b.failed);
        if (b.unexpected)
                fprintf(stderr, "bench-coordinator: last unexpected answer: %d %s\n",
                        b.last_bad_status, b.last_bad_body);
        for (unsigned i = 0; i < connections; i++)
                evhttp_connection_free(conns[i].evcon);
        free(conns);
        free(b.lat);
        EVP_PKEY_free(b.key);
        SSL_CTX_free(b.ctx);
        event_base_free(b.base);
        return b.unexpected || b.failed ? 1 : 0;
}
