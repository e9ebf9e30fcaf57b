/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The agent's eBPF event source: loads bpf/faultline.bpf.c (embedded through
 * its skeleton), attaches one raw tracepoint program per fault kind the
 * running kernel has, and turns every ring-buffer record into a struct
 * fl_event for the callback, from the agent's single sd-event loop.
 *
 * Kinds are the tracepoint names (block_rq_error, mc_event, aer_event,
 * memory_failure_event, extlog_mem_event, arm_event, non_standard_event,
 * mce_record, thermal_zone_trip, thermal_temperature); fields are described in
 * docs/bpf.md. The kernel counts every occurrence per key (device, memory
 * controller and layer, zone...), so when the ring buffer overflows the
 * occurrences it could not carry still reach the callback, as one event per
 * key whose `count` is the number missed and with field reconciled = "true".
 *
 * Nothing here logs: source_bpf_summary() gives the one line the caller logs
 * about what attached and what was skipped. libbpf itself prints through its
 * own print callback, which the caller owns (libbpf_set_print()).
 */
#pragma once

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <systemd/sd-event.h>

#include "event.h"
#include "faultline.h"

struct source_bpf;

enum source_bpf_prog_state {
        SOURCE_BPF_PROG_ATTACHED,
        SOURCE_BPF_PROG_ABSENT, /* this kernel has no such tracepoint (or told to act so) */
        SOURCE_BPF_PROG_FAILED, /* the tracepoint exists, but load or attach failed: see error */
        SOURCE_BPF_PROG_LOADED, /* test mode: loaded for BPF_PROG_TEST_RUN, not attached */
        _SOURCE_BPF_PROG_STATE_MAX,
};

/* "attached", "absent", "failed", "loaded"; NULL for an invalid value. */
const char *source_bpf_prog_state_to_string(enum source_bpf_prog_state state);

/* What may leave the kernel; the rule engine computes it from the rules so
 * that occurrences no rule can use never wake user space. */
struct source_bpf_filter {
        uint32_t kinds;              /* bit (1u << FL_BPF_<KIND>): kind enabled */
        int32_t thermal_temp_min_mc; /* thermal_temperature below this stays in the kernel */
        uint32_t mc_error_types;     /* bit (1u << FL_BPF_MC_<TYPE>) */
        uint32_t thermal_trip_types; /* bit (1u << trip type: 0 active, 1 passive, 2 hot, 3
                                        critical) */
};

/* The filter in force until the first source_bpf_set_filter(): every kind,
 * error type and trip type, except thermal_temperature, which fires on every
 * sensor update and so stays off until a rule sets its threshold. */
void source_bpf_filter_default(struct source_bpf_filter *ret);

struct source_bpf_options {
        /* Ring buffer size; 0 means 256 KiB. A power of two, at least the page
         * size, at most 1 GiB. */
        size_t ringbuf_size_bytes;
        /* Kinds (bits) to handle as if the kernel lacked their tracepoint. */
        uint32_t treat_as_absent;
        /* Kinds (bits) to load and attach even if the kernel seems to lack
         * their tracepoint (tests of the attach-failure path). */
        uint32_t treat_as_present;
        /* Tests and benchmarks: load every program the kernel can load, attach
         * none, and read pointer arguments as memory of the process calling
         * source_bpf_test_run(). Never for production. */
        bool test_mode;
        /* Where disk names are looked up when the kernel record lacks one;
         * NULL means "/sys". */
        const char *sysfs_root;
};

/* Opens, decides which programs the kernel supports, loads, attaches, and
 * adds the ring buffer's epoll fd as an sd_event io source. Each ring-buffer
 * record becomes a struct fl_event passed to fn (borrowed, see event.h); fn
 * must not free the source. Tracepoints the kernel lacks are skipped, and one
 * that fails to attach does not stop the others. Returns 0, or -errno when
 * nothing can work (no BTF, no BPF permission, no ring buffer). */
int source_bpf_new(sd_event *e, fl_event_fn fn, void *userdata, struct source_bpf **ret);
/* Same, with options (NULL: defaults). -EINVAL for a bad ring buffer size. */
int source_bpf_new_with_options(sd_event *e, const struct source_bpf_options *opts, fl_event_fn fn,
        void *userdata, struct source_bpf **ret);

/* Detaches everything and frees; accepts NULL, returns NULL. */
struct source_bpf *source_bpf_free(struct source_bpf *s);

/* Replaces the in-kernel filter; takes effect for the next occurrence.
 * Returns 0, -EINVAL for unknown kind bits, or -errno from the map update. */
int source_bpf_set_filter(struct source_bpf *s, const struct source_bpf_filter *f);

/* Delivers what is waiting now: ring-buffer records, then reconciliation
 * events for occurrences the ring buffer dropped. The io source does this by
 * itself; tests and benchmarks call it to drain synchronously. Returns the
 * number of events passed to the callback, or -errno. */
int source_bpf_process(struct source_bpf *s);

/* Runs the program of `kind` once through BPF_PROG_TEST_RUN with the given
 * tracepoint arguments (at most 12, the rest are zero). For tests and
 * benchmarks. Returns 0, -EINVAL for a bad kind or too many arguments,
 * -ENOENT when that program is not loaded, or -errno from the kernel. */
int source_bpf_test_run(struct source_bpf *s, unsigned kind, const uint64_t *args, size_t n_args);

struct source_bpf_kind_stats {
        enum source_bpf_prog_state state;
        int error; /* -errno when state is FAILED, else 0 */
        /* Counted in the kernel, summed over CPUs (struct fl_bpf_kind_stats). */
        uint64_t hits;
        uint64_t filtered;
        uint64_t submitted;
        uint64_t lost; /* ring buffer full */
        uint64_t lost_unkeyed;
        uint64_t unkeyed;
        /* Counted here. */
        uint64_t delivered;  /* records passed to the callback */
        uint64_t reconciled; /* occurrences passed on through reconciliation events */
};

struct source_bpf_stats {
        struct source_bpf_kind_stats kinds[FL_BPF_KIND_MAX];
        uint64_t ringbuf_drops;    /* sum of the kinds' `lost` */
        uint64_t invalid_records;  /* records of the wrong size or kind (object/loader mismatch) */
        uint64_t truncated_events; /* events passed on with a field left out for lack of room */
        uint64_t process_errors;   /* failed reads of the ring buffer or maps from the loop */
        int last_process_error;    /* -errno of the last of those, 0 if none */
        unsigned n_attached;
};

/* Counters for metrics. Returns 0 or -errno from reading the maps. */
int source_bpf_get_stats(struct source_bpf *s, struct source_bpf_stats *ret);

/* One per-key counter of the kernel (see struct fl_bpf_key for what a key
 * holds per kind): every occurrence that passed the filter, and how many of
 * them found the ring buffer full. */
struct source_bpf_counter {
        struct fl_bpf_key key;
        uint64_t count;
        uint64_t lost;
};

/* All per-key counters, e.g. for per-DIMM or per-disk metrics. Returns 0 and
 * an array the caller frees (NULL when there is none), or -errno. */
int source_bpf_get_counters(struct source_bpf *s, struct source_bpf_counter **ret, size_t *ret_n);

/* One line for the log: "attached: block_rq_error mc_event ...; absent: aer_event ...;
 * failed: x (reason)". Returns 0 and a string the caller frees, or -ENOMEM. */
int source_bpf_summary(struct source_bpf *s, char **ret);
