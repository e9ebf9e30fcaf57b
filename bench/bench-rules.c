/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench-rules: the rule engine against the default rule pack.
 *
 *   - journal lines per second: kernel-form journal events (the fields the
 *     journald source hands out) through fl_engine_process(), a mix of a
 *     realistic kernel log (9 lines in 10 match no rule) and fault lines
 *     that match and fire (cooldowns then hold most of them);
 *   - decision latency for BPF records: from the ring-buffer record to the
 *     engine's decision (the agent's formatter, then the engine), per event,
 *     as p50/p99/max in microseconds;
 *   - the time to load and compile the pack.
 *
 *   bench-rules [--rules-dir DIR] [--lines N] [--events N]
 *
 * Prints `BENCH <name> <value> <unit>` lines (see scripts/bench.sh).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bpf_event.h"
#include "engine.h"
#include "macro.h"
#include "rules_load.h"

#define SEC (1000ULL * 1000)

/* A kernel log as servers write it: mostly drivers, network and mounts. */
static const char *const benign[] = {
        "e1000e 0000:00:1f.6 eth0: NIC Link is Up 1000 Mbps Full Duplex, Flow Control: None",
        "IPv6: ADDRCONF(NETDEV_CHANGE): eth0: link becomes ready",
        "EXT4-fs (sda1): mounted filesystem 3d6e8c1c-5b5e-4d64-9e0d-0f7c8f2b2a11 with ordered "
        "data mode. Quota mode: none.",
        "audit: type=1400 audit(1700000000.123:45): apparmor=\"STATUS\" operation=\"profile_load\"",
        "nvme nvme0: 32/0/0 default/read/poll queues",
        "ata1: SATA link up 6.0 Gbps (SStatus 133 SControl 300)",
        "sd 0:0:0:0: [sda] Attached SCSI disk",
        "EDAC MC0: Giving out device to module skx_edac controller Skylake Socket#0 IMC#0: DEV "
        "0000:3a:0a.0 (INTERRUPT)",
        "bond0: (slave eth1): link status definitely up, 25000 Mbps full duplex",
        "kvm: already loaded vendor module 'kvm_intel'",
        "xfs filesystem being mounted at /var/lib/docker supports timestamps until 2038",
        "perf: interrupt took too long (2510 > 2500), lowering kernel.perf_event_max_sample_rate",
        "device veth3a1b2c entered promiscuous mode",
        "br0: port 2(veth3a1b2c) entered forwarding state",
        "CPU0: Core temperature/speed normal",
        "pcieport 0000:00:1c.5: AER: Corrected error received: 0000:03:00.0",
        "EDAC MC0: 1 CE memory read error on CPU_SrcID#0_Ha#0_Chan#1_DIMM#0 (channel:1 slot:0 "
        "page:0x4d0c1 offset:0x240 grain:32 syndrome:0x0)",
        "systemd-journald[412]: Data hash table of /var/log/journal/x/system.journal has a fill "
        "level at 75.0",
};

static const char *const faults[] = {
        "I/O error, dev sdb, sector 81920 op 0x0:(READ) flags 0x0 phys_seg 1 prio class 2",
        "nvme nvme0: I/O tag 123 (007b) opcode 0x2 (Read) QID 4 timeout, aborting req_op:READ(0) "
        "size:4096",
        "mce: [Hardware Error]: Machine check events logged",
        "EDAC MC0: 1 UE memory read error on CPU_SrcID#0_MC#0_Chan#1_DIMM#0 (channel:1 slot:0 "
        "page:0x4b2d3c offset:0x0 grain:32)",
        "INFO: task kworker/u16:2:1234 blocked for more than 122 seconds.",
};

static uint64_t now_nsec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000000ULL + (uint64_t) ts.tv_nsec;
}

static void count_firing(const struct fl_firing *f, void *userdata) {
        (*(uint64_t *) userdata)++;
}

static int compare_u64(const void *a, const void *b) {
        uint64_t x = *(const uint64_t *) a, y = *(const uint64_t *) b;
        return x < y ? -1 : x > y;
}

static int journal_bench(struct fl_ruleset *rs, unsigned long lines) {
        struct fl_engine *e = NULL;
        uint64_t firings = 0, start, ns;
        char identity[64];
        int r;

        r = fl_engine_new("node-17", &e);
        if (r < 0)
                return r;
        r = fl_engine_set_rules(e, rs);
        if (r < 0)
                goto out;
        start = now_nsec();
        for (unsigned long i = 0; i < lines; i++) {
                const char *msg = i % 10 == 9 ? faults[(i / 10) % ELEMENTSOF(faults)]
                                              : benign[i % ELEMENTSOF(benign)];
                struct fl_event ev = {
                        .source = FL_SOURCE_JOURNAL,
                        .kind = "journal",
                        .realtime_usec = 1700000000ULL * SEC + i * 1000,
                        .identity = identity,
                        .count = 1,
                        .fields = {{"MESSAGE", msg}, {"SYSLOG_IDENTIFIER", "kernel"},
                                {"_TRANSPORT", "kernel"}, {"PRIORITY", "4"},
                                {"SYSLOG_FACILITY", "0"},
                                {"_BOOT_ID", "7add160ff7e04b33bbf0c5c548bd7fa9"}},
                        .n_fields = 6,
                };
                snprintf(identity, sizeof(identity), "s=1;i=%lx", i);
                r = fl_engine_process(e, &ev, ev.realtime_usec, count_firing, &firings);
                if (r < 0)
                        goto out;
        }
        ns = now_nsec() - start;
        printf("BENCH agent_rules_journal_lines_per_s %.0f lines/s\n",
                (double) lines / ((double) ns / 1e9));
        printf("BENCH agent_rules_journal_ns_per_line %.0f ns\n", (double) ns / (double) lines);
        fprintf(stderr, "bench-rules: %lu journal lines, %" PRIu64 " firings, %zu rules\n", lines,
                firings, rs->n_rules);
        r = 0;
out:
        fl_engine_free(e);
        return r;
}

static int bpf_bench(struct fl_ruleset *rs, unsigned long events) {
        const struct fl_bpf_context ctx = {
                .boot_id = "7add160ff7e04b33bbf0c5c548bd7fa9",
                .realtime_offset_usec = (int64_t) (1700000000ULL * SEC),
        };
        struct fl_bpf_event_buf *buf = calloc(1, sizeof(*buf));
        uint64_t *lat = calloc(events, sizeof(*lat));
        struct fl_engine *e = NULL;
        uint64_t firings = 0;
        int r = -ENOMEM;

        if (!buf || !lat)
                goto out;
        r = fl_engine_new("node-17", &e);
        if (r < 0)
                goto out;
        r = fl_engine_set_rules(e, rs);
        if (r < 0)
                goto out;
        for (unsigned long i = 0; i < events; i++) {
                union {
                        struct fl_bpf_block_rq_error block;
                        struct fl_bpf_mc_event mc;
                        struct fl_bpf_thermal_zone_trip trip;
                } rec = {};
                struct fl_bpf_header *h = &rec.block.h;
                size_t size;
                uint64_t t0;

                /* Disk errors, correctable memory errors and thermal trips,
                 * spread over devices so thresholds, keys and cooldowns all
                 * work as in a storm. */
                switch (i % 3) {
                case 0:
                        h->kind = FL_BPF_BLOCK_RQ_ERROR;
                        rec.block.dev = 8u << 20 | (uint32_t) (i % 64);
                        rec.block.error = 10;
                        rec.block.sector = i * 8;
                        rec.block.nr_sector = 8;
                        snprintf(rec.block.disk, sizeof(rec.block.disk), "sd%c",
                                (char) ('a' + i % 26));
                        snprintf(rec.block.rwbs, sizeof(rec.block.rwbs), "R");
                        size = sizeof(rec.block);
                        break;
                case 1:
                        h->kind = FL_BPF_MC_EVENT;
                        rec.mc.error_type = FL_BPF_MC_CORRECTED;
                        rec.mc.error_count = 1;
                        rec.mc.address = 0x4b2d3c000 + i * 64;
                        rec.mc.lower_layer = -1;
                        snprintf(rec.mc.label, sizeof(rec.mc.label),
                                "CPU_SrcID#0_MC#0_Chan#%lu_DIMM#0", i % 8);
                        snprintf(rec.mc.msg, sizeof(rec.mc.msg), "memory read error");
                        size = sizeof(rec.mc);
                        break;
                default:
                        h->kind = FL_BPF_THERMAL_ZONE_TRIP;
                        rec.trip.id = (int32_t) (i % 4);
                        rec.trip.trip_type = 1;
                        rec.trip.temp = 95000;
                        snprintf(rec.trip.type, sizeof(rec.trip.type), "x86_pkg_temp");
                        size = sizeof(rec.trip);
                        break;
                }
                h->mono_ns = (uint64_t) i * 1000000ULL;
                h->boot_ns = h->mono_ns;

                t0 = now_nsec();
                r = fl_bpf_record_to_event(&ctx, &rec, size, buf);
                if (r < 0)
                        goto out;
                r = fl_engine_process(e, &buf->ev, buf->ev.realtime_usec, count_firing, &firings);
                if (r < 0)
                        goto out;
                lat[i] = now_nsec() - t0;
        }
        qsort(lat, events, sizeof(*lat), compare_u64);
        printf("BENCH agent_rules_bpf_decision_p50_us %.2f us\n", (double) lat[events / 2] / 1e3);
        printf("BENCH agent_rules_bpf_decision_p99_us %.2f us\n",
                (double) lat[events * 99 / 100] / 1e3);
        printf("BENCH agent_rules_bpf_decision_max_us %.2f us\n", (double) lat[events - 1] / 1e3);
        fprintf(stderr, "bench-rules: %lu BPF events, %" PRIu64 " firings\n", events, firings);
        r = 0;
out:
        fl_engine_free(e);
        free(lat);
        free(buf);
        return r;
}

int main(int argc, char **argv) {
        static const struct option options[] = {
                {"rules-dir", required_argument, NULL, 'd'},
                {"lines", required_argument, NULL, 'l'},
                {"events", required_argument, NULL, 'e'},
                {},
        };
        const char *dir = "rules/rules.d";
        unsigned long lines = 1000000, events = 200000;
        struct fl_rules_dir *d = NULL;
        struct fl_diags *diags = fl_diags_new();
        struct fl_ruleset *rs = NULL;
        uint64_t start;
        int c, r;

        while ((c = getopt_long(argc, argv, "d:l:e:", options, NULL)) >= 0) {
                switch (c) {
                case 'd':
                        dir = optarg;
                        break;
                case 'l':
                        lines = strtoul(optarg, NULL, 10);
                        break;
                case 'e':
                        events = strtoul(optarg, NULL, 10);
                        break;
                default:
                        fprintf(stderr,
                                "usage: bench-rules [--rules-dir DIR] [--lines N] [--events N]\n");
                        return 2;
                }
        }
        if (!diags || lines == 0 || events == 0)
                return 2;

        start = now_nsec();
        r = fl_rules_dir_new(dir, &d);
        if (r >= 0)
                r = fl_rules_dir_reload(d, diags, &rs);
        if (r < 0) {
                fl_diags_print(diags, stderr);
                fprintf(stderr, "bench-rules: cannot load %s: %s\n", dir, strerror(-r));
                return 1;
        }
        printf("BENCH agent_rules_pack_load_ms %.2f ms\n", (double) (now_nsec() - start) / 1e6);

        r = journal_bench(rs, lines);
        if (r >= 0)
                r = bpf_bench(rs, events);
        if (r < 0)
                fprintf(stderr, "bench-rules: %s\n", strerror(-r));
        fl_ruleset_unref(rs);
        fl_rules_dir_free(d);
        fl_diags_free(diags);
        return r < 0 ? 1 : 0;
}
