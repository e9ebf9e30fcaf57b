/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Turns the BPF programs' ring-buffer records (bpf/faultline.h) into the
 * agent's normalised events (event.h): kind = the tracepoint's name, string
 * fields named after the tracepoint's fields. Pure formatting, no BPF: the
 * only I/O is the sysfs lookup of a disk name the record did not carry.
 *
 * Example, a struct fl_bpf_mc_event for a corrected error on DIMM_A1 becomes
 *
 *   kind = "mc_event", count = 1, identity = "bpf:<boot_id>:<boot_ns>:<cpu>",
 *   error_type = "Corrected", error_count = "1", msg = "memory read error",
 *   label = "DIMM_A1", mc_index = "0", top_layer = "0", middle_layer = "0",
 *   lower_layer = "-1", address = "0x1234000", grain = "32", grain_bits = "5",
 *   syndrome = "0x0", driver_detail = "..."
 */
#pragma once

#include <linux/types.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "faultline.h"

#define FL_BPF_EVENT_TEXT_MAX 4096

/* What the formatter needs to know about the running system. */
struct fl_bpf_context {
        const char *boot_id;    /* 32 hex digits, part of every identity */
        const char *sysfs_root; /* disk names from ROOT/dev/block/MAJ:MIN/uevent; NULL: never */
        int64_t realtime_offset_usec;     /* CLOCK_REALTIME - CLOCK_MONOTONIC, or 0: unknown */
        const char *const *mf_type_names; /* enum mf_action_page_type names by value, or NULL */
        size_t n_mf_type_names;
};

/* One event under construction: the event and the storage its strings
 * point into. The event is valid until the buffer is reused. */
struct fl_bpf_event_buf {
        struct fl_event ev;
        char text[FL_BPF_EVENT_TEXT_MAX];
        size_t used;
        bool truncated; /* a field did not fit and was left out */
};

/* "block_rq_error", "mc_event", ...; NULL for an invalid kind. */
const char *fl_bpf_kind_to_string(unsigned kind);
/* The kind, or -EINVAL. */
int fl_bpf_kind_from_string(const char *s);
/* The tracepoint's subsystem ("block", "ras", "mce", "thermal"); NULL if invalid. */
const char *fl_bpf_kind_subsystem(unsigned kind);

/* "BLK_STS_IOERR" for 10 and so on; NULL for a value without a name. */
const char *fl_blk_status_to_string(unsigned status);

/* Fills `buf` from one ring-buffer record. Returns 0, -EBADMSG when the size
 * does not match the record's kind, -EINVAL for an unknown kind. */
int fl_bpf_record_to_event(const struct fl_bpf_context *ctx, const void *rec, size_t size,
        struct fl_bpf_event_buf *buf);

/* Fills `buf` with the event standing for `count` occurrences of `key` that
 * found the ring buffer full. `lost_total` (the key's lost counter including
 * them) makes the identity unique. `now_usec` is CLOCK_MONOTONIC. The fields
 * are those the key carries, plus reconciled = "true". Returns 0 or -EINVAL. */
int fl_bpf_lost_to_event(const struct fl_bpf_context *ctx, const struct fl_bpf_key *key,
        uint64_t count, uint64_t lost_total, uint64_t now_usec, struct fl_bpf_event_buf *buf);

/* Like fl_bpf_lost_to_event() for occurrences whose key is unknown (the
 * counters table was full too): only the kind, reconciled = "true" and
 * unkeyed = "true". */
int fl_bpf_unkeyed_to_event(const struct fl_bpf_context *ctx, unsigned kind, uint64_t count,
        uint64_t lost_total, uint64_t now_usec, struct fl_bpf_event_buf *buf);
