/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench-bpf-storm: an event storm through the BPF source. Fires N mc_event
 * occurrences (corrected errors spread over 8 DIMMs) with BPF_PROG_TEST_RUN
 * and drains them through source_bpf on an sd-event loop, as the agent
 * does; then checks that the kernel's counters equal what user space got
 * (records delivered + occurrences reconciled after ring-buffer drops).
 *
 *   bench-bpf-storm [--events N] [--batch B] [--ringbuf BYTES]
 *
 * B occurrences are fired between two drains (default 64); a small ring
 * buffer with a large batch forces drops and so measures reconciliation.
 * Prints `BENCH <name> <value> <unit>` lines (see scripts/bench.sh) and
 * exits 1 if any occurrence went uncounted. Needs root.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>
#include <unistd.h>

#include "macro.h"
#include "source_bpf.h"

#define N_DIMMS 8

struct totals {
        uint64_t events;      /* callback invocations */
        uint64_t occurrences; /* sum of their counts */
        uint64_t reconciled_events;
        uint64_t labels_seen;
};

static void on_event(const struct fl_event *ev, void *userdata) {
        struct totals *t = userdata;

        t->events++;
        t->occurrences += ev->count;
        if (fl_event_field(ev, "reconciled"))
                t->reconciled_events++;
        /* What a rule would look at first. */
        if (fl_event_field(ev, "label"))
                t->labels_seen++;
}

static uint64_t clock_usec(clockid_t id) {
        struct timespec ts;

        clock_gettime(id, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

static uint64_t rusage_usec(void) {
        struct rusage ru;

        getrusage(RUSAGE_SELF, &ru);
        return (uint64_t) (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 +
               (uint64_t) (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

static int drain(sd_event *e, uint64_t *drain_cpu_usec) {
        uint64_t t0 = clock_usec(CLOCK_THREAD_CPUTIME_ID);
        int r;

        do
                r = sd_event_run(e, 0);
        while (r > 0);
        *drain_cpu_usec += clock_usec(CLOCK_THREAD_CPUTIME_ID) - t0;
        return r;
}

static int parse_u64(const char *s, uint64_t min, uint64_t max, uint64_t *ret) {
        unsigned long long v;
        char *end;

        errno = 0;
        v = strtoull(s, &end, 10);
        if (errno || end == s || *end || v < min || v > max)
                return -EINVAL;
        *ret = v;
        return 0;
}

int main(int argc, char *argv[]) {
        static const struct option long_options[] = {
                {"events", required_argument, NULL, 'n'},
                {"batch", required_argument, NULL, 'b'},
                {"ringbuf", required_argument, NULL, 'r'},
                {},
        };
        static const char *const labels[N_DIMMS] = {
                "CPU_SrcID#0_MC#0_Chan#0_DIMM#0",
                "CPU_SrcID#0_MC#0_Chan#1_DIMM#0",
                "CPU_SrcID#0_MC#1_Chan#0_DIMM#0",
                "CPU_SrcID#0_MC#1_Chan#1_DIMM#0",
                "CPU_SrcID#1_MC#0_Chan#0_DIMM#0",
                "CPU_SrcID#1_MC#0_Chan#1_DIMM#0",
                "CPU_SrcID#1_MC#1_Chan#0_DIMM#0",
                "CPU_SrcID#1_MC#1_Chan#1_DIMM#0",
        };
        uint64_t n_events = 100000, batch = 64, ringbuf = 256 * 1024;
        struct source_bpf_options opts = {.test_mode = true};
        _cleanup_free_ struct source_bpf_counter *counters = NULL;
        struct source_bpf *src = NULL;
        struct source_bpf_stats st;
        struct source_bpf_filter f;
        const struct source_bpf_kind_stats *mc;
        struct totals t = {};
        sd_event *e = NULL;
        uint64_t wall0, cpu0, wall, cpu, drain_cpu = 0, key_total = 0, uncounted;
        size_t n_counters = 0;
        bool consistent;
        int c, r;

        while ((c = getopt_long(argc, argv, "", long_options, NULL)) >= 0) {
                uint64_t *dst = c == 'n' ? &n_events : c == 'b' ? &batch : &ringbuf;

                if (c == '?' || parse_u64(optarg, 1, UINT64_C(1) << 32, dst) < 0) {
                        fprintf(stderr, "usage: %s [--events N] [--batch B] [--ringbuf BYTES]\n",
                                argv[0]);
                        return 2;
                }
        }
        opts.ringbuf_size_bytes = ringbuf;

        r = sd_event_new(&e);
        if (r >= 0)
                r = source_bpf_new_with_options(e, &opts, on_event, &t, &src);
        if (r < 0) {
                fprintf(stderr, "bench-bpf-storm: cannot start the BPF source: %s\n", strerror(-r));
                sd_event_unref(e);
                return 1;
        }
        source_bpf_filter_default(&f);
        r = source_bpf_set_filter(src, &f);
        if (r < 0) {
                fprintf(stderr, "bench-bpf-storm: setting the filter: %s\n", strerror(-r));
                goto out;
        }

        wall0 = clock_usec(CLOCK_MONOTONIC);
        cpu0 = rusage_usec();
        for (uint64_t i = 0; i < n_events; i++) {
                uint64_t args[12] = {
                        0, /* HW_EVENT_ERR_CORRECTED */
                        (uintptr_t) "memory read error",
                        (uintptr_t) labels[i % N_DIMMS],
                        1,
                        i % N_DIMMS / 4, /* mc */
                        i % 2,
                        0,
                        UINT64_MAX, /* -1 */
                        0x1000 * (i % 4096),
                        6,
                        0,
                        (uintptr_t) "ProcessorSocketId:0x0 MemoryControllerId:0x0",
                };

                r = source_bpf_test_run(src, FL_BPF_MC_EVENT, args, ELEMENTSOF(args));
                if (r < 0) {
                        fprintf(stderr, "bench-bpf-storm: test run: %s\n", strerror(-r));
                        goto out;
                }
                if ((i + 1) % batch == 0 && drain(e, &drain_cpu) < 0)
                        goto out;
        }
        if (drain(e, &drain_cpu) < 0)
                goto out;
        /* Drops counted after the loop's last look: what the agent's one
         * second recheck would pick up. */
        r = source_bpf_process(src);
        if (r < 0) {
                fprintf(stderr, "bench-bpf-storm: processing: %s\n", strerror(-r));
                goto out;
        }
        wall = clock_usec(CLOCK_MONOTONIC) - wall0;
        cpu = rusage_usec() - cpu0;

        r = source_bpf_get_stats(src, &st);
        if (r >= 0)
                r = source_bpf_get_counters(src, &counters, &n_counters);
        if (r < 0) {
                fprintf(stderr, "bench-bpf-storm: reading counters: %s\n", strerror(-r));
                goto out;
        }
        for (size_t i = 0; i < n_counters; i++)
                key_total += counters[i].count;
        mc = &st.kinds[FL_BPF_MC_EVENT];
        uncounted = n_events > t.occurrences ? n_events - t.occurrences : 0;
        consistent = mc->hits == n_events && key_total == n_events && t.occurrences == n_events &&
                     mc->delivered + mc->reconciled == n_events && mc->lost_unkeyed == 0;

        fprintf(stderr,
                "bench-bpf-storm: %" PRIu64 " occurrences in %.3f s: kernel hits %" PRIu64
                ", per-key counters %" PRIu64 ", ring-buffer records delivered %" PRIu64
                ", dropped and reconciled %" PRIu64 " (in %" PRIu64
                " events), callback saw %" PRIu64
                " occurrences; CPU %.3f s total (BPF_PROG_TEST_RUN included), %.3f s draining\n",
                n_events, (double) wall / 1e6, (uint64_t) mc->hits, key_total,
                (uint64_t) mc->delivered, (uint64_t) mc->reconciled, t.reconciled_events,
                t.occurrences, (double) cpu / 1e6, (double) drain_cpu / 1e6);
        printf("BENCH bpf_storm_events_per_s %.0f events/s\n",
                (double) n_events * 1e6 / (double) wall);
        printf("BENCH bpf_storm_cpu_total_ms %.1f ms\n", (double) cpu / 1e3);
        printf("BENCH bpf_storm_cpu_drain_ms %.1f ms\n", (double) drain_cpu / 1e3);
        printf("BENCH bpf_storm_drain_us_per_event %.3f us\n",
                (double) drain_cpu / (double) n_events);
        printf("BENCH bpf_storm_ringbuf_drops %" PRIu64 " events\n", (uint64_t) st.ringbuf_drops);
        printf("BENCH bpf_storm_uncounted %" PRIu64 " events\n", uncounted);
        if (!consistent)
                fprintf(stderr, "bench-bpf-storm: counters disagree: occurrences went uncounted\n");
        r = consistent ? 0 : -EBADMSG;

out:
        source_bpf_free(src);
        sd_event_unref(e);
        return r < 0 ? 1 : 0;
}
