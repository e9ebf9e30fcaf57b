/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Benchmark of the Temporal client against the real dev server (run by
 * scripts/bench.d/temporal.sh under `python3 -m flharness temporal run`).
 *
 *   bench-temporal [N [CONNECTIONS]]      (defaults 200 and the client's 8)
 *
 * Prints BENCH lines: start and count latency (mean, median, p99) over N
 * sequential calls, starts per second with N submitted at once, and how long
 * visibility (what the coordinator counts) trails a completed start: per start
 * (polling WorkflowId='...' every 5 ms) and for the whole burst of N. Run it
 * with the dev server's visibility limit lifted (see scripts/bench.d/temporal.sh),
 * else counts beyond ~100/s measure the client's backoff after 429s.
 */
#include "macro.h"
#include "temporal-sync.h"
#include "temporal.h"

#include <inttypes.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct bench {
        struct event_base *base;
        struct fl_temporal *t;
        char tag[32];
        unsigned seq;
};

static int cmp_u64(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
        return x < y ? -1 : x > y;
}

/* Nearest-rank percentile of n sorted values. */
static double pct_ms(uint64_t *v, size_t n, double p) {
        size_t k = (size_t) (p / 100.0 * (double) n + 0.999999);
        if (k < 1)
                k = 1;
        if (k > n)
                k = n;
        return (double) v[k - 1] / 1000.0;
}

static void report(const char *name, uint64_t *v, size_t n) {
        uint64_t sum = 0;

        for (size_t i = 0; i < n; i++)
                sum += v[i];
        qsort(v, n, sizeof(*v), cmp_u64);
        printf("BENCH %s_mean_ms %.2f ms\n", name, (double) sum / (double) n / 1000.0);
        printf("BENCH %s_p50_ms %.2f ms\n", name, pct_ms(v, n, 50));
        printf("BENCH %s_p99_ms %.2f ms\n", name, pct_ms(v, n, 99));
}

static struct fl_temporal_start start_of(struct bench *b, char *id, size_t size) {
        snprintf(id, size, "bench-%s-%u", b->tag, b->seq++);
        return (struct fl_temporal_start){
                .workflow_id = id,
                .workflow_type = "FaultlineBench",
                .task_queue = "node/bench",
                .search_attributes = {.node = b->tag, .rule = "bench"},
        };
}

static void die(const char *what, const struct fl_tsync_result *r) {
        fprintf(stderr, "bench-temporal: %s: %d %s\n", what, r->error,
                r->message ? r->message : "");
        exit(1);
}

static uint64_t count_of(struct bench *b, const char *q) {
        struct fl_tsync_result r;
        int64_t n;

        if (fl_tsync_count(b->base, b->t, q, 0, &r) != 0)
                die("count", &r);
        n = r.count;
        fl_tsync_result_done(&r);
        return (uint64_t) n;
}

static void pause_usec(struct event_base *base, uint64_t usec) {
        struct timeval tv = {.tv_sec = usec / 1000000, .tv_usec = usec % 1000000};
        event_base_loopexit(base, &tv);
        event_base_dispatch(base);
}

struct burst {
        unsigned done, failed;
};

static void on_burst(const struct fl_temporal_reply *reply, const struct fl_temporal_started *s,
        void *userdata) {
        struct burst *bu = userdata;
        bu->done++;
        if (reply->error != 0 || !s->started) {
                if (bu->failed++ == 0)
                        fprintf(stderr, "bench-temporal: burst start failed: %d %s\n", reply->error,
                                reply->message ? reply->message : "not started");
        }
}

int main(int argc, char **argv) {
        size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 200, lag_n = n < 50 ? n : 50;
        _cleanup_free_ uint64_t *lat = calloc(n ? n : 1, sizeof(uint64_t));
        _cleanup_free_ char *q = NULL;
        struct fl_temporal_options o = {
                .url = getenv("FL_TEMPORAL_HTTP"),
                .max_connections = argc > 2 ? (unsigned) strtoul(argv[2], NULL, 10) : 0,
        };
        char t0[FL_TEMPORAL_TIME_MAX];
        struct bench b = {};
        struct fl_tsync_result r;
        uint8_t rnd[4];
        char id[96];

        if (!o.url || n == 0 || !lat) {
                fprintf(stderr, "bench-temporal: needs FL_TEMPORAL_HTTP (run under flharness) "
                                "and N > 0\n");
                return 1;
        }
        if (RAND_bytes(rnd, sizeof(rnd)) != 1)
                return 1;
        snprintf(b.tag, sizeof(b.tag), "b%02x%02x%02x%02x", rnd[0], rnd[1], rnd[2], rnd[3]);
        b.base = event_base_new();
        if (!b.base || fl_temporal_new(b.base, &o, &b.t) < 0)
                return 1;
        if (fl_temporal_format_time(fl_tsync_realtime_usec() - 60000000, t0) < 0)
                return 1;

        /* Warm-up: one connection and the server's caches. */
        {
                struct fl_temporal_start s = start_of(&b, id, sizeof(id));
                if (fl_tsync_start(b.base, b.t, &s, 0, &r) != 0)
                        die("start", &r);
                fl_tsync_result_done(&r);
        }

        for (size_t i = 0; i < n; i++) {
                struct fl_temporal_start s = start_of(&b, id, sizeof(id));
                if (fl_tsync_start(b.base, b.t, &s, 0, &r) != 0 || !r.started)
                        die("start", &r);
                lat[i] = r.latency_usec;
                fl_tsync_result_done(&r);
        }
        report("temporal_start", lat, n);

        if (asprintf(&q,
                    "WorkflowType='FaultlineBench' AND FaultlineNode='%s' AND "
                    "ExecutionStatus='Running' AND StartTime > '%s'",
                    b.tag, t0) < 0)
                return 1;
        for (size_t i = 0; i < n; i++) {
                if (fl_tsync_count(b.base, b.t, q, 0, &r) != 0)
                        die("count", &r);
                lat[i] = r.latency_usec;
                fl_tsync_result_done(&r);
        }
        report("temporal_count", lat, n);

        /* Visibility lag of single starts: completed start -> counted. */
        for (size_t i = 0; i < lag_n; i++) {
                struct fl_temporal_start s = start_of(&b, id, sizeof(id));
                _cleanup_free_ char *qi = NULL;
                uint64_t done;
                if (fl_tsync_start(b.base, b.t, &s, 0, &r) != 0)
                        die("start", &r);
                fl_tsync_result_done(&r);
                done = fl_tsync_now_usec();
                if (asprintf(&qi, "WorkflowId='%s'", id) < 0)
                        return 1;
                while (count_of(&b, qi) != 1)
                        pause_usec(b.base, 5000);
                lat[i] = fl_tsync_now_usec() - done;
        }
        qsort(lat, lag_n, sizeof(*lat), cmp_u64);
        printf("BENCH temporal_visibility_lag_p50_ms %.2f ms\n", pct_ms(lat, lag_n, 50));
        printf("BENCH temporal_visibility_lag_p99_ms %.2f ms\n", pct_ms(lat, lag_n, 99));
        printf("BENCH temporal_visibility_lag_max_ms %.2f ms\n", (double) lat[lag_n - 1] / 1000);

        /* A burst: n starts submitted together. */
        {
                struct burst bu = {};
                uint64_t began = fl_tsync_now_usec(), elapsed, visible;
                uint64_t before = count_of(&b, q);
                bool all = false;
                for (size_t i = 0; i < n; i++) {
                        struct fl_temporal_start s = start_of(&b, id, sizeof(id));
                        if (fl_temporal_start_workflow(b.t, &s, 0, on_burst, &bu) < 0) {
                                fprintf(stderr, "bench-temporal: burst submit failed\n");
                                return 1;
                        }
                }
                while (bu.done < n)
                        event_base_loop(b.base, EVLOOP_ONCE);
                elapsed = fl_tsync_now_usec() - began;
                if (bu.failed) {
                        fprintf(stderr, "bench-temporal: %u burst starts failed\n", bu.failed);
                        return 1;
                }
                printf("BENCH temporal_start_concurrent_per_s %.0f /s\n",
                        (double) n / ((double) elapsed / 1e6));
                began = fl_tsync_now_usec();
                while (!all) {
                        all = count_of(&b, q) >= before + n;
                        if (!all)
                                pause_usec(b.base, 2000);
                }
                visible = fl_tsync_now_usec() - began;
                printf("BENCH temporal_burst_visible_ms %.2f ms\n", (double) visible / 1000);
        }

        {
                struct fl_temporal_stats st;
                fl_temporal_get_stats(b.t, &st);
                printf("BENCH temporal_client_retries %" PRIu64 " count\n", st.retries);
        }
        fl_temporal_free(b.t);
        event_base_free(b.base);
        return 0;
}
