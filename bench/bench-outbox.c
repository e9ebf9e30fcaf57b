/* SPDX-License-Identifier: Apache-2.0 */
/*
 * fl_outbox_append() as the agent calls it for every firing: one framed
 * record written and fdatasync'ed, on the disk holding DIR. Steady state
 * like a delivering agent: each record is completed (DONE) and an attempt
 * noted a few appends later, so the log is compacted as it goes. Only the
 * appends are timed.
 *
 *   bench-outbox DIR [N [GROUP]]     (default 2000 appends, GROUP 1)
 *
 * GROUP 1 (each append written and synced on its own, fl_outbox_append()'s
 * plain contract) prints BENCH outbox_append_p50_us, _p99_us, _max_us and
 * outbox_appends_per_s. GROUP > 1 is the agent's group commit (defer_sync):
 * GROUP appends, then one fl_outbox_sync(); it prints
 * outbox_group<GROUP>_commit_p50_us and _p99_us (the appends and their sync)
 * and outbox_group<GROUP>_appends_per_s.
 */
#include "idempotency.h"
#include "macro.h"
#include "outbox.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LAG 8 /* records pending at any time */

static uint64_t now_usec(clockid_t clock) {
        struct timespec ts;
        clock_gettime(clock, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

static int cmp_u64(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
        return x < y ? -1 : x > y;
}

int main(int argc, char **argv) {
        struct fl_outbox *ob = NULL;
        size_t n = argc > 2 ? strtoul(argv[2], NULL, 10) : 2000;
        size_t group = argc > 3 ? strtoul(argv[3], NULL, 10) : 1;
        struct fl_outbox_options o = {.defer_sync = group > 1};
        size_t n_lat = 0;
        uint64_t group_start = 0;
        _cleanup_free_ uint64_t *lat = NULL, *seqs = NULL;
        uint64_t t0, total;
        int r;

        if (argc < 2 || n == 0 || group == 0) {
                fprintf(stderr, "usage: bench-outbox DIR [N [GROUP]]\n");
                return 2;
        }
        lat = calloc(n, sizeof(*lat));
        seqs = calloc(n, sizeof(*seqs));
        if (!lat || !seqs)
                return 1;
        r = fl_outbox_open(argv[1], &o, &ob, NULL);
        if (r < 0) {
                fprintf(stderr, "bench-outbox: %s: %s\n", argv[1], strerror(-r));
                return 1;
        }
        t0 = now_usec(CLOCK_MONOTONIC);
        for (size_t i = 0; i < n; i++) {
                char id[FL_IDEMPOTENCY_KEY_LEN + 1], identity[64], key[16], body[1024];
                uint64_t a, b;

                snprintf(identity, sizeof(identity), "s=bench;i=%zu", i);
                snprintf(key, sizeof(key), "sd%c", 'a' + (int) (i % 26));
                (void) fl_idempotency_key("node-17", "disk-io-error", key, identity, id);
                /* The size and shape of a real trigger body (docs/agent.md). */
                snprintf(body, sizeof(body),
                        "{\"node\":\"node-17\",\"workflow\":\"disk-io-error\",\"rule\":"
                        "\"disk-io-error\",\"idempotency_key\":\"%s\",\"params\":{\"dev\":\"8:0\","
                        "\"disk\":\"%s\",\"reason\":\"3 failed I/Os in 10m\",\"sector\":\"%zu\"},"
                        "\"event\":{\"dev\":\"8:0\",\"disk\":\"%s\",\"error\":\"10\","
                        "\"error_name\":\"BLK_STS_IOERR\",\"nr_sector\":\"8\",\"rwbs\":\"R\","
                        "\"sector\":\"%zu\",\"source\":\"bpf\",\"kind\":\"block_rq_error\","
                        "\"count\":1,\"identity\":\"bpf:3d12c8e1:%zu:1\"},\"observed_at\":"
                        "\"2026-11-27T05:31:02.481234Z\",\"dry_run\":false}",
                        id, key, i * 8, key, i * 8, i);
                a = now_usec(CLOCK_MONOTONIC);
                if (i % group == 0)
                        group_start = a;
                r = fl_outbox_append(
                        ob, id, "disk-io-error", key, body, now_usec(CLOCK_REALTIME), &seqs[i]);
                if (r == FL_OUTBOX_APPENDED && (i + 1) % group == 0)
                        r = fl_outbox_sync(ob);
                b = now_usec(CLOCK_MONOTONIC);
                if (r != FL_OUTBOX_APPENDED) {
                        fprintf(stderr, "bench-outbox: append %zu: %d\n", i, r);
                        return 1;
                }
                if (group == 1)
                        lat[n_lat++] = b - a;
                else if ((i + 1) % group == 0)
                        lat[n_lat++] = b - group_start;
                if (i >= LAG) {
                        (void) fl_outbox_note_attempt(
                                ob, seqs[i - LAG], now_usec(CLOCK_REALTIME), "http 202 started");
                        (void) fl_outbox_complete(ob, seqs[i - LAG], "started");
                }
        }
        total = now_usec(CLOCK_MONOTONIC) - t0;
        fl_outbox_free(ob);
        if (n_lat == 0)
                return 1;
        qsort(lat, n_lat, sizeof(*lat), cmp_u64);
        if (group == 1) {
                printf("BENCH outbox_append_p50_us %" PRIu64 " us\n", lat[n_lat / 2]);
                printf("BENCH outbox_append_p99_us %" PRIu64 " us\n", lat[(n_lat * 99) / 100]);
                printf("BENCH outbox_append_max_us %" PRIu64 " us\n", lat[n_lat - 1]);
                printf("BENCH outbox_appends_per_s %.0f /s\n", (double) n * 1e6 / (double) total);
                return 0;
        }
        printf("BENCH outbox_group%zu_commit_p50_us %" PRIu64 " us\n", group, lat[n_lat / 2]);
        printf("BENCH outbox_group%zu_commit_p99_us %" PRIu64 " us\n", group,
                lat[(n_lat * 99) / 100]);
        printf("BENCH outbox_group%zu_appends_per_s %.0f /s\n", group,
                (double) n * 1e6 / (double) total);
        return 0;
}
