/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The one contract between faultline's BPF programs (bpf/faultline.bpf.c) and
 * the agent's loader (agent/source_bpf.c). Fixed-width types only and no
 * includes: the BPF side gets __u8..__u64 from vmlinux.h, user space from
 * <linux/types.h>, included before this file.
 *
 * Ring buffer records. Every record starts with struct fl_bpf_header; the
 * header's kind says which of the fl_bpf_<kind> structs below it is, and each
 * record is exactly sizeof() that struct (user space rejects anything else).
 * Strings are NUL-terminated when the kernel read succeeded and all zero when
 * it failed; user space still bounds every read by the array size. Example: a
 * read error on loop0 sector 2048 becomes a struct fl_bpf_block_rq_error of
 *
 *   h   = { .mono_ns = 5021331000, .boot_ns = 5021400000, .kind = 0, .cpu = 1 }
 *   dev = 7 << 20 | 0, error = 10 (BLK_STS_IOERR), sector = 2048,
 *   nr_sector = 8, rwbs = "R", disk = "loop0"
 *
 * Maps (names as in the skeleton):
 *   events     ring buffer of the records above
 *   filter     ARRAY[1] of struct fl_bpf_filter, written by user space; a
 *              rule reload rewrites it, so it is a map, not rodata
 *   counters   HASH struct fl_bpf_key -> struct fl_bpf_counter: every
 *              occurrence that passed the filter, per key, and how many of
 *              them the ring buffer had no room for
 *   stats      PERCPU_ARRAY[FL_BPF_KIND_MAX] of struct fl_bpf_kind_stats
 *
 * Exact accounting: for each kind, hits = filtered + submitted + lost; for each
 * key, count = records submitted for it + lost. User space delivers the
 * submitted records and, for lost ones, emits one event per key whose count is
 * the growth of `lost` since it last looked, so no occurrence goes uncounted
 * even when the ring buffer overflows. Only when the counters table is full as
 * well (lost_unkeyed) is the key unknown; those are still reported per kind.
 */
#pragma once

/* Event kinds, one per tracepoint; also the index into `stats` and the bit
 * in fl_bpf_filter.kinds. The names user space shows are the tracepoints'. */
enum fl_bpf_kind {
        FL_BPF_BLOCK_RQ_ERROR = 0,
        FL_BPF_MC_EVENT = 1,
        FL_BPF_AER_EVENT = 2,
        FL_BPF_MEMORY_FAILURE_EVENT = 3,
        FL_BPF_EXTLOG_MEM_EVENT = 4,
        FL_BPF_ARM_EVENT = 5,
        FL_BPF_NON_STANDARD_EVENT = 6,
        FL_BPF_MCE_RECORD = 7,
        FL_BPF_THERMAL_ZONE_TRIP = 8,
        FL_BPF_THERMAL_TEMPERATURE = 9,
        FL_BPF_KIND_MAX = 10,
};

/* mc_event error types, normalised from the kernel's enum
 * hw_event_mc_err_type (whose values moved when DEFERRED was added). */
enum fl_bpf_mc_type {
        FL_BPF_MC_CORRECTED = 0,
        FL_BPF_MC_UNCORRECTED = 1,
        FL_BPF_MC_DEFERRED = 2,
        FL_BPF_MC_FATAL = 3,
        FL_BPF_MC_INFO = 4,
        FL_BPF_MC_UNKNOWN = 5,
};

/* The argument layouts aer_event has had; user space picks one from the
 * kernel's btf_trace_aer_event prototype before load. */
enum fl_bpf_aer_layout {
        FL_BPF_AER_3ARGS = 0,        /* dev_name, status, severity */
        FL_BPF_AER_TLP = 1,          /* ..., tlp_header_valid, tlp */
        FL_BPF_AER_TLP_BUS_LAST = 2, /* ..., tlp_header_valid, tlp, bus_type */
        FL_BPF_AER_BUS_SECOND = 3,   /* dev_name, bus_type, status, severity, valid, tlp */
};

/* What may leave the kernel. Zero-initialised means nothing does: user space
 * writes it before it attaches anything. */
struct fl_bpf_filter {
        __u32 kinds;               /* bit (1 << fl_bpf_kind): kind enabled */
        __s32 thermal_temp_min_mc; /* thermal_temperature below this is dropped */
        __u32 mc_types;            /* bit (1 << fl_bpf_mc_type) */
        __u32 thermal_trip_types;  /* bit (1 << THERMAL_TRIP_*: 0 active .. 3 critical) */
};

#define FL_BPF_KEY_NAME_LEN 32

/* Identifies what an occurrence happened to, so counts stay per device / DIMM
 * / zone. The fields mean, per kind:
 *   block_rq_error       a = dev, code = error, name = disk
 *   mc_event             a = mc_index, b = layers (top << 16 | middle << 8 | lower,
 *                        each as u8), code = fl_bpf_mc_type, name = label prefix
 *   aer_event            code = severity, name = dev_name
 *   memory_failure_event a = type, code = result
 *   extlog_mem_event     a = error_type, code = severity
 *   arm_event            a = mpidr, code = severity
 *   non_standard_event   a, b = section type GUID, code = severity
 *   mce_record           a = socketid, b = uncorrected (MCi_STATUS.UC), code = bank
 *   thermal_zone_trip    a = zone id, b = trip type, code = trip, name = zone type
 *   thermal_temperature  a = zone id, name = zone type
 * The whole struct is zeroed before it is filled, padding-free, so it hashes
 * the same every time. */
struct fl_bpf_key {
        __u32 kind;
        __u32 code;
        __u64 a;
        __u64 b;
        char name[FL_BPF_KEY_NAME_LEN];
};

struct fl_bpf_counter {
        __u64 count; /* occurrences that passed the filter */
        __u64 lost;  /* of those, found the ring buffer full */
};

struct fl_bpf_kind_stats {
        __u64 hits;         /* tracepoint fired */
        __u64 filtered;     /* dropped by the filter (kind disabled, below threshold) */
        __u64 submitted;    /* records written to the ring buffer */
        __u64 lost;         /* ring buffer full: counted in `counters` instead */
        __u64 lost_unkeyed; /* ring buffer and counters table both full */
        __u64 unkeyed;      /* counters table full (submitted or not) */
};

struct fl_bpf_header {
        __u64 mono_ns; /* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
        __u64 boot_ns; /* bpf_ktime_get_boot_ns(): CLOCK_BOOTTIME, for identities */
        __u32 kind;
        __u32 cpu;
};

#define FL_BPF_DISK_NAME_LEN    32
#define FL_BPF_THERMAL_NAME_LEN 24 /* THERMAL_NAME_LENGTH is 20 */

struct fl_bpf_block_rq_error {
        struct fl_bpf_header h;
        __u64 sector;
        __u32 dev;   /* kernel dev_t: major << 20 | minor */
        __u32 error; /* raw blk_status_t (10 = BLK_STS_IOERR), not an errno */
        __u32 nr_sector;
        __u32 cmd_flags;
        char rwbs[8];
        char disk[FL_BPF_DISK_NAME_LEN];
};

struct fl_bpf_mc_event {
        struct fl_bpf_header h;
        __u64 address;
        __u64 syndrome;
        __u32 error_type; /* enum fl_bpf_mc_type */
        __s32 error_count;
        __u8 mc_index;
        __s8 top_layer; /* -1: layer not known */
        __s8 middle_layer;
        __s8 lower_layer;
        __u8 grain_bits;
        __u8 pad[3];
        char msg[64];
        char label[128];
        char driver_detail[256];
};

struct fl_bpf_aer_event {
        struct fl_bpf_header h;
        __u32 status;
        __u32 tlp_header[4];
        __u8 severity; /* 0 uncorrected non-fatal, 1 fatal, 2 corrected */
        __u8 tlp_header_valid;
        __u8 pad[2];
        char dev_name[32];
        char bus_type[8];
};

struct fl_bpf_memory_failure_event {
        struct fl_bpf_header h;
        __u64 pfn;
        __s32 type;   /* enum mf_action_page_type */
        __s32 result; /* enum mf_result */
};

struct fl_bpf_extlog_mem_event {
        struct fl_bpf_header h;
        __u64 validation_bits; /* CPER_MEM_VALID_*: which fields below mean anything */
        __u64 physical_addr;
        __u64 physical_addr_mask;
        __u32 err_seq;
        __u16 node;
        __u16 card;
        __u16 module;
        __u16 bank;
        __u16 device;
        __u16 row;
        __u16 column;
        __u16 bit_pos;
        __u16 rank;
        __u8 error_type;
        __u8 severity; /* CPER: 0 recoverable, 1 fatal, 2 corrected, 3 informational */
        __u8 fru_id[16];
        char fru_text[64];
};

struct fl_bpf_arm_event {
        struct fl_bpf_header h;
        __u64 mpidr;
        __u64 midr;
        __u32 running_state;
        __u32 psci_state;
        __u32 pei_len;
        __u32 ctx_len;
        __u32 oem_len;
        __s32 cpu_arg; /* the CPU the firmware reported; -1 on kernels without it */
        __u8 affinity_level;
        __u8 severity;
        __u8 pad[6];
};

struct fl_bpf_non_standard_event {
        struct fl_bpf_header h;
        __u8 sec_type[16];
        __u8 fru_id[16];
        __u32 len;
        __u8 severity;
        __u8 pad[3];
        char fru_text[64];
};

struct fl_bpf_mce_record {
        struct fl_bpf_header h;
        __u64 mcgcap;
        __u64 mcgstatus;
        __u64 status;
        __u64 addr;
        __u64 misc;
        __u64 synd;
        __u64 ipid;
        __u64 ip;
        __u64 tsc;
        __u64 walltime;
        __u64 ppin;
        __u32 cpu; /* extcpu */
        __u32 cpuid;
        __u32 apicid;
        __u32 socketid;
        __u32 microcode;
        __u8 cs;
        __u8 bank;
        __u8 cpuvendor;
        __u8 pad;
};

struct fl_bpf_thermal_zone_trip {
        struct fl_bpf_header h;
        __s32 id;
        __s32 trip;
        __u32 trip_type; /* THERMAL_TRIP_*: 0 active, 1 passive, 2 hot, 3 critical */
        __s32 temp;      /* the zone's temperature when it tripped, millidegrees C */
        char type[FL_BPF_THERMAL_NAME_LEN];
};

struct fl_bpf_thermal_temperature {
        struct fl_bpf_header h;
        __s32 id;
        __s32 temp; /* millidegrees C */
        __s32 temp_prev;
        __u32 pad;
        char type[FL_BPF_THERMAL_NAME_LEN];
};
