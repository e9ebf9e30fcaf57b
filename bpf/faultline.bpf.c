// SPDX-License-Identifier: GPL-2.0 OR Apache-2.0
/*
 * faultline's tracepoint programs: hardware fault events from the block, RAS,
 * MCE and thermal tracepoints, filtered in the kernel, counted per key and
 * sent to user space over one ring buffer (record layout: faultline.h).
 *
 * Every program is a raw_tp wrapper around an inline handler. raw_tp, unlike
 * tp_btf, loads even where its tracepoint is missing (it fails only at
 * attach) and can be driven by BPF_PROG_TEST_RUN with a crafted argument
 * array, which is how the handlers are tested. Kernel structures are read
 * through CO-RE with local "___fl" flavours that declare only the fields
 * used, so the object builds on a kernel whose BTF lacks them (this one has
 * no struct mce, cper_sec_mem_err or AER types) and relocates where they
 * exist.
 */
#include "vmlinux.h"

#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

#include "faultline.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/* Load-time facts about the running kernel, set by the loader before load;
 * the verifier then prunes the branches that do not apply. Nothing a rule
 * changes lives here (that is the `filter` map). */
const volatile __u32 fl_arm_nargs = 9;
const volatile __u32 fl_aer_layout = FL_BPF_AER_TLP_BUS_LAST;
/* Tests only: pointer arguments point into the calling process (crafted
 * BPF_PROG_TEST_RUN arguments), not into the kernel. Never set for attach. */
const volatile bool fl_user_ptrs = false;

/* Bumped after every ring-buffer drop has been counted in `counters` and
 * `stats`; user space reads it through the skeleton's mmap of .bss, without a
 * syscall, to know when to reconcile. */
__u64 fl_lost_total = 0;

struct {
        __uint(type, BPF_MAP_TYPE_RINGBUF);
        __uint(max_entries, 64 * 1024); /* resized by the loader */
} events SEC(".maps");

struct {
        __uint(type, BPF_MAP_TYPE_ARRAY);
        __uint(max_entries, 1);
        __type(key, __u32);
        __type(value, struct fl_bpf_filter);
} filter SEC(".maps");

struct {
        __uint(type, BPF_MAP_TYPE_HASH);
        __uint(max_entries, 4096);
        __type(key, struct fl_bpf_key);
        __type(value, struct fl_bpf_counter);
} counters SEC(".maps");

struct {
        __uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
        __uint(max_entries, FL_BPF_KIND_MAX);
        __type(key, __u32);
        __type(value, struct fl_bpf_kind_stats);
} stats SEC(".maps");

/* ---- local CO-RE flavours: only the fields read ---- */

struct gendisk___fl {
        int major;
        int first_minor;
        char disk_name[32];
} __attribute__((preserve_access_index));

struct request_queue___fl {
        struct gendisk___fl *disk;
} __attribute__((preserve_access_index));

struct request___fl {
        struct request_queue___fl *q;
        unsigned int cmd_flags;
        unsigned int __data_len;
        __u64 __sector;
} __attribute__((preserve_access_index));

struct thermal_zone_device___fl {
        int id;
        char type[20];
        int temperature;
        int last_temperature;
} __attribute__((preserve_access_index));

/* uapi struct mce; since Linux 6.10 mce_record passes struct mce_hw_err,
 * whose first member is the struct mce, so the same pointer works. */
struct mce___fl {
        __u64 status;
        __u64 misc;
        __u64 addr;
        __u64 mcgstatus;
        __u64 ip;
        __u64 tsc;
        __u64 time;
        __u8 cpuvendor;
        __u32 cpuid;
        __u8 cs;
        __u8 bank;
        __u32 extcpu;
        __u32 socketid;
        __u32 apicid;
        __u64 mcgcap;
        __u64 synd;
        __u64 ipid;
        __u64 ppin;
        __u32 microcode;
} __attribute__((preserve_access_index));

struct cper_sec_mem_err___fl {
        __u64 validation_bits;
        __u64 physical_addr;
        __u64 physical_addr_mask;
        __u16 node;
        __u16 card;
        __u16 module;
        __u16 bank;
        __u16 device;
        __u16 row;
        __u16 column;
        __u16 bit_pos;
        __u8 error_type;
        __u16 rank;
} __attribute__((preserve_access_index));

struct cper_sec_proc_arm___fl {
        __u32 validation_bits;
        __u8 affinity_level;
        __u64 mpidr;
        __u64 midr;
        __u32 running_state;
        __u32 psci_state;
} __attribute__((preserve_access_index));

/* The AER TLP header log: struct pcie_tlp_log since Linux 6.10 (dw[] first),
 * struct aer_header_log_regs before (dw0..dw3 first): the four header words
 * sit at offset 0 in both, which is what the fallback read relies on. */
struct pcie_tlp_log___fl {
        __u32 dw[4];
} __attribute__((preserve_access_index));

enum hw_event_mc_err_type___fl {
        HW_EVENT_ERR_CORRECTED___fl,
        HW_EVENT_ERR_UNCORRECTED___fl,
        HW_EVENT_ERR_DEFERRED___fl,
        HW_EVENT_ERR_FATAL___fl,
        HW_EVENT_ERR_INFO___fl,
};

enum req_flag_bits___fl {
        __REQ_SYNC___fl,
        __REQ_META___fl,
        __REQ_FUA___fl,
        __REQ_PREFLUSH___fl,
        __REQ_RAHEAD___fl,
};

#define FL_REQ_OP_MASK       0xffu /* REQ_OP_BITS = 8 since Linux 4.10 */
#define FL_REQ_OP_READ       0
#define FL_REQ_OP_WRITE      1
#define FL_REQ_OP_FLUSH      2
#define FL_REQ_OP_DISCARD    3
#define FL_REQ_OP_SECURE_ERA 5
#define FL_REQ_OP_DRV_IN     34

#define FL_CPER_ARM_VALID_MPIDR          (1u << 0)
#define FL_CPER_ARM_VALID_AFFINITY_LEVEL (1u << 1)
#define FL_CPER_ARM_VALID_RUNNING_STATE  (1u << 2)

#define FL_MCI_STATUS_UC (1ull << 61)

/* ---- reads that follow fl_user_ptrs ---- */

#define FL_READ(src, a, ...)                                      \
        (fl_user_ptrs ? BPF_CORE_READ_USER(src, a, ##__VA_ARGS__) \
                      : BPF_CORE_READ(src, a, ##__VA_ARGS__))

#define FL_READ_INTO(dst, src, a, ...)                                      \
        (fl_user_ptrs ? BPF_CORE_READ_USER_INTO(dst, src, a, ##__VA_ARGS__) \
                      : BPF_CORE_READ_INTO(dst, src, a, ##__VA_ARGS__))

#define FL_READ_STR_INTO(dst, src, a, ...)                                      \
        (fl_user_ptrs ? BPF_CORE_READ_USER_STR_INTO(dst, src, a, ##__VA_ARGS__) \
                      : BPF_CORE_READ_STR_INTO(dst, src, a, ##__VA_ARGS__))

static __always_inline void fl_read_str(void *dst, __u32 size, const void *src) {
        if (!src)
                return;
        if (fl_user_ptrs)
                bpf_probe_read_user_str(dst, size, src);
        else
                bpf_probe_read_kernel_str(dst, size, src);
}

static __always_inline void fl_read(void *dst, __u32 size, const void *src) {
        if (!src)
                return;
        if (fl_user_ptrs)
                bpf_probe_read_user(dst, size, src);
        else
                bpf_probe_read_kernel(dst, size, src);
}

/* ---- accounting ---- */

/* Per-CPU slots, so plain increments: a program does not nest with itself
 * on one CPU (the kernel skips recursive runs), and other kinds have their
 * own slots. The shared per-key counters use atomics instead. */
static __always_inline struct fl_bpf_kind_stats *fl_stats(__u32 kind) {
        return bpf_map_lookup_elem(&stats, &kind);
}

static __always_inline struct fl_bpf_filter *fl_filter(void) {
        __u32 zero = 0;

        return bpf_map_lookup_elem(&filter, &zero);
}

/* Counts one hit of `kind`; returns whether the kind is enabled at all. */
static __always_inline bool fl_begin(
        __u32 kind, struct fl_bpf_kind_stats **ret_st, struct fl_bpf_filter **ret_f) {
        struct fl_bpf_kind_stats *st = fl_stats(kind);
        struct fl_bpf_filter *f = fl_filter();

        if (!st || !f)
                return false;
        st->hits++;
        if (!(f->kinds & (1u << kind))) {
                st->filtered++;
                return false;
        }
        *ret_st = st;
        *ret_f = f;
        return true;
}

static __always_inline struct fl_bpf_counter *fl_count(
        const struct fl_bpf_key *key, struct fl_bpf_kind_stats *st) {
        struct fl_bpf_counter *c = bpf_map_lookup_elem(&counters, key);

        if (!c) {
                struct fl_bpf_counter zero = {};

                /* Another CPU may insert the same key first: EEXIST is fine. */
                bpf_map_update_elem(&counters, key, &zero, BPF_NOEXIST);
                c = bpf_map_lookup_elem(&counters, key);
                if (!c) {
                        st->unkeyed++;
                        return NULL;
                }
        }
        __sync_fetch_and_add(&c->count, 1);
        return c;
}

/* Reserves a record after counting the occurrence; NULL when the ring buffer
 * is full, in which case the loss is already accounted for. */
static __always_inline void *fl_reserve(
        const struct fl_bpf_key *key, struct fl_bpf_kind_stats *st, __u64 size) {
        struct fl_bpf_counter *c = fl_count(key, st);
        struct fl_bpf_header *h = bpf_ringbuf_reserve(&events, size, 0);

        if (!h) {
                st->lost++;
                if (c)
                        __sync_fetch_and_add(&c->lost, 1);
                else
                        st->lost_unkeyed++;
                __sync_fetch_and_add(&fl_lost_total, 1);
                return NULL;
        }
        h->mono_ns = bpf_ktime_get_ns();
        h->boot_ns = bpf_ktime_get_boot_ns();
        h->kind = key->kind;
        h->cpu = bpf_get_smp_processor_id();
        return h;
}

static __always_inline void fl_submit(void *rec, struct fl_bpf_kind_stats *st) {
        st->submitted++;
        bpf_ringbuf_submit(rec, 0);
}

static __always_inline void fl_key_init(struct fl_bpf_key *key, __u32 kind) {
        __builtin_memset(key, 0, sizeof(*key));
        key->kind = kind;
}

/* ---- block ---- */

static __always_inline void fl_rwbs(char *rwbs, __u32 flags) {
        __u32 op = flags & FL_REQ_OP_MASK;
        int i = 0;

        if (flags & (1u << bpf_core_enum_value(enum req_flag_bits___fl, __REQ_PREFLUSH___fl)))
                rwbs[i++] = 'F';
        switch (op) {
        case FL_REQ_OP_WRITE:
                rwbs[i++] = 'W';
                break;
        case FL_REQ_OP_DISCARD:
                rwbs[i++] = 'D';
                break;
        case FL_REQ_OP_SECURE_ERA:
                rwbs[i++] = 'D';
                rwbs[i++] = 'E';
                break;
        case FL_REQ_OP_FLUSH:
                rwbs[i++] = 'F';
                break;
        case FL_REQ_OP_READ:
                rwbs[i++] = 'R';
                break;
        default:
                rwbs[i++] = 'N';
        }
        if (flags & (1u << bpf_core_enum_value(enum req_flag_bits___fl, __REQ_FUA___fl)))
                rwbs[i++] = 'F';
        if (flags & (1u << bpf_core_enum_value(enum req_flag_bits___fl, __REQ_RAHEAD___fl)))
                rwbs[i++] = 'A';
        if (flags & (1u << bpf_core_enum_value(enum req_flag_bits___fl, __REQ_SYNC___fl)))
                rwbs[i++] = 'S';
        if (flags & (1u << bpf_core_enum_value(enum req_flag_bits___fl, __REQ_META___fl)))
                rwbs[i++] = 'M';
        rwbs[i] = '\0';
}

static __always_inline int fl_block_rq_error(__u64 *ctx) {
        struct request___fl *rq = (void *) ctx[0];
        struct fl_bpf_block_rq_error *e;
        struct fl_bpf_kind_stats *st;
        struct gendisk___fl *disk;
        struct fl_bpf_filter *f;
        struct fl_bpf_key key;
        __u32 dev = 0, flags;

        if (!fl_begin(FL_BPF_BLOCK_RQ_ERROR, &st, &f))
                return 0;

        fl_key_init(&key, FL_BPF_BLOCK_RQ_ERROR);
        disk = FL_READ(rq, q, disk);
        if (disk) {
                dev = (__u32) FL_READ(disk, major) << 20 | (__u32) FL_READ(disk, first_minor);
                FL_READ_STR_INTO(&key.name, disk, disk_name);
        }
        key.a = dev;
        key.code = (__u8) ctx[1]; /* blk_status_t is a u8 */

        e = fl_reserve(&key, st, sizeof(*e));
        if (!e)
                return 0;
        flags = FL_READ(rq, cmd_flags);
        e->dev = dev;
        e->error = key.code;
        e->cmd_flags = flags;
        /* As the tracepoint does: passthrough requests have no sector. */
        if ((flags & FL_REQ_OP_MASK) >= FL_REQ_OP_DRV_IN) {
                e->sector = 0;
                e->nr_sector = 0;
        } else {
                e->sector = FL_READ(rq, __sector);
                e->nr_sector = (__u32) ctx[2] >> 9;
        }
        fl_rwbs(e->rwbs, flags);
        __builtin_memcpy(e->disk, key.name, sizeof(e->disk));
        fl_submit(e, st);
        return 0;
}

SEC("raw_tp/block_rq_error")
int fl_tp_block_rq_error(__u64 *ctx) {
        return fl_block_rq_error(ctx);
}

/* ---- ras: mc_event ---- */

static __always_inline __u32 fl_mc_type(__u32 raw) {
        if (raw == bpf_core_enum_value(enum hw_event_mc_err_type___fl, HW_EVENT_ERR_CORRECTED___fl))
                return FL_BPF_MC_CORRECTED;
        if (raw ==
                bpf_core_enum_value(enum hw_event_mc_err_type___fl, HW_EVENT_ERR_UNCORRECTED___fl))
                return FL_BPF_MC_UNCORRECTED;
        if (bpf_core_enum_value_exists(
                    enum hw_event_mc_err_type___fl, HW_EVENT_ERR_DEFERRED___fl) &&
                raw == bpf_core_enum_value(
                               enum hw_event_mc_err_type___fl, HW_EVENT_ERR_DEFERRED___fl))
                return FL_BPF_MC_DEFERRED;
        if (raw == bpf_core_enum_value(enum hw_event_mc_err_type___fl, HW_EVENT_ERR_FATAL___fl))
                return FL_BPF_MC_FATAL;
        if (raw == bpf_core_enum_value(enum hw_event_mc_err_type___fl, HW_EVENT_ERR_INFO___fl))
                return FL_BPF_MC_INFO;
        return FL_BPF_MC_UNKNOWN;
}

static __always_inline int fl_mc_event(__u64 *ctx) {
        struct fl_bpf_kind_stats *st;
        struct fl_bpf_mc_event *e;
        struct fl_bpf_filter *f;
        struct fl_bpf_key key;
        __u32 type;

        if (!fl_begin(FL_BPF_MC_EVENT, &st, &f))
                return 0;
        type = fl_mc_type((__u32) ctx[0]);
        if (!(f->mc_types & (1u << type))) {
                st->filtered++;
                return 0;
        }

        fl_key_init(&key, FL_BPF_MC_EVENT);
        key.code = type;
        key.a = (__u8) ctx[4];
        key.b = (__u64) (__u8) ctx[5] << 16 | (__u64) (__u8) ctx[6] << 8 | (__u8) ctx[7];
        fl_read_str(key.name, sizeof(key.name), (const void *) ctx[2]);

        e = fl_reserve(&key, st, sizeof(*e));
        if (!e)
                return 0;
        e->error_type = type;
        e->error_count = (__s32) ctx[3];
        e->mc_index = (__u8) ctx[4];
        e->top_layer = (__s8) ctx[5];
        e->middle_layer = (__s8) ctx[6];
        e->lower_layer = (__s8) ctx[7];
        e->address = ctx[8];
        e->grain_bits = (__u8) ctx[9];
        e->syndrome = ctx[10];
        e->msg[0] = e->label[0] = e->driver_detail[0] = '\0';
        fl_read_str(e->msg, sizeof(e->msg), (const void *) ctx[1]);
        fl_read_str(e->label, sizeof(e->label), (const void *) ctx[2]);
        fl_read_str(e->driver_detail, sizeof(e->driver_detail), (const void *) ctx[11]);
        fl_submit(e, st);
        return 0;
}

SEC("raw_tp/mc_event")
int fl_tp_mc_event(__u64 *ctx) {
        return fl_mc_event(ctx);
}

/* ---- ras: aer_event ---- */

static __always_inline int fl_aer_event(__u64 *ctx) {
        const void *bus_type = NULL, *tlp = NULL;
        struct fl_bpf_kind_stats *st;
        struct fl_bpf_aer_event *e;
        struct fl_bpf_filter *f;
        struct fl_bpf_key key;
        __u32 status, severity, valid = 0;

        if (!fl_begin(FL_BPF_AER_EVENT, &st, &f))
                return 0;

        if (fl_aer_layout == FL_BPF_AER_BUS_SECOND) {
                bus_type = (const void *) ctx[1];
                status = (__u32) ctx[2];
                severity = (__u8) ctx[3];
                valid = (__u8) ctx[4];
                tlp = (const void *) ctx[5];
        } else {
                status = (__u32) ctx[1];
                severity = (__u8) ctx[2];
                if (fl_aer_layout != FL_BPF_AER_3ARGS) {
                        valid = (__u8) ctx[3];
                        tlp = (const void *) ctx[4];
                }
                if (fl_aer_layout == FL_BPF_AER_TLP_BUS_LAST)
                        bus_type = (const void *) ctx[5];
        }

        fl_key_init(&key, FL_BPF_AER_EVENT);
        key.code = severity;
        fl_read_str(key.name, sizeof(key.name), (const void *) ctx[0]);

        e = fl_reserve(&key, st, sizeof(*e));
        if (!e)
                return 0;
        e->status = status;
        e->severity = severity;
        e->tlp_header_valid = valid;
        __builtin_memset(e->tlp_header, 0, sizeof(e->tlp_header));
        if (valid && tlp) {
                if (bpf_core_type_exists(struct pcie_tlp_log___fl))
                        FL_READ_INTO(&e->tlp_header, (struct pcie_tlp_log___fl *) tlp, dw);
                else
                        fl_read(e->tlp_header, sizeof(e->tlp_header), tlp);
        }
        __builtin_memcpy(e->dev_name, key.name, sizeof(e->dev_name));
        e->bus_type[0] = '\0';
        fl_read_str(e->bus_type, sizeof(e->bus_type), bus_type);
        fl_submit(e, st);
        return 0;
}

SEC("raw_tp/aer_event")
int fl_tp_aer_event(__u64 *ctx) {
        return fl_aer_event(ctx);
}

/* ---- ras: memory_failure_event ---- */

static __always_inline int fl_memory_failure_event(__u64 *ctx) {
        struct fl_bpf_memory_failure_event *e;
        struct fl_bpf_kind_stats *st;
        struct fl_bpf_filter *f;
        struct fl_bpf_key key;

        if (!fl_begin(FL_BPF_MEMORY_FAILURE_EVENT, &st, &f))
                return 0;

        fl_key_init(&key, FL_BPF_MEMORY_FAILURE_EVENT);
        key.a = (__u32) ctx[1];
        key.code = (__u32) ctx[2];
        e = fl_reserve(&key, st, sizeof(*e));
        if (!e)
                return 0;
        e->pfn = ctx[0];
        e->type = (__s32) ctx[1];
        e->result = (__s32) ctx[2];
        fl_submit(e, st);
        return 0;
}

SEC("raw_tp/memory_failure_event")
int fl_tp_memory_failure_event(__u64 *ctx) {
        return fl_memory_failure_event(ctx);
}

/* ---- ras: extlog_mem_event ---- */

static __always_inline int fl_extlog_mem_event(__u64 *ctx) {
        struct cper_sec_mem_err___fl *mem = (void *) ctx[0];
        struct fl_bpf_extlog_mem_event *e;
        struct fl_bpf_kind_stats *st;
        struct fl_bpf_filter *f;
        struct fl_bpf_key key;
        __u8 etype;

        /* Without the type there is nothing to relocate against: such a
         * kernel has no extlog_mem_event either. */
        if (!bpf_core_type_exists(struct cper_sec_mem_err___fl))
                return 0;
        if (!fl_begin(FL_BPF_EXTLOG_MEM_EVENT, &st, &f))
                return 0;

        etype = FL_READ(mem, error_type);
        fl_key_init(&key, FL_BPF_EXTLOG_MEM_EVENT);
        key.a = etype;
        key.code = (__u8) ctx[4];
        e = fl_reserve(&key, st, sizeof(*e));
        if (!e)
                return 0;
        e->validation_bits = FL_READ(mem, validation_bits);
        e->physical_addr = FL_READ(mem, physical_addr);
        e->physical_addr_mask = FL_READ(mem, physical_addr_mask);
        e->node = FL_READ(mem, node);
        e->card = FL_READ(mem, card);
        e->module = FL_READ(mem, module);
        e->bank = FL_READ(mem, bank);
        e->device = FL_READ(mem, device);
        e->row = FL_READ(mem, row);
        e->column = FL_READ(mem, column);
        e->bit_pos = FL_READ(mem, bit_pos);
        e->rank = bpf_core_field_exists(mem->rank) ? FL_READ(mem, rank) : 0;
        e->error_type = etype;
        e->err_seq = (__u32) ctx[1];
        e->severity = (__u8) ctx[4];
        __builtin_memset(e->fru_id, 0, sizeof(e->fru_id));
        fl_read(e->fru_id, sizeof(e->fru_id), (const void *) ctx[2]);
        e->fru_text[0] = '\0';
        fl_read_str(e->fru_text, sizeof(e->fru_text), (const void *) ctx[3]);
        fl_submit(e, st);
        return 0;
}

SEC("raw_tp/extlog_mem_event")
int fl_tp_extlog_mem_event(__u64 *ctx) {
        return fl_extlog_mem_event(ctx);
}

/* ---- ras: arm_event ---- */

static __always_inline int fl_arm_event(__u64 *ctx) {
        struct cper_sec_proc_arm___fl *proc = (void *) ctx[0];
        struct fl_bpf_kind_stats *st;
        struct fl_bpf_arm_event *e;
        struct fl_bpf_filter *f;
        struct fl_bpf_key key;
        __u32 valid;
        __u8 sev = 0xff;

        if (!bpf_core_type_exists(struct cper_sec_proc_arm___fl))
                return 0;
        if (!fl_begin(FL_BPF_ARM_EVENT, &st, &f))
                return 0;

        valid = FL_READ(proc, validation_bits);
        if (fl_arm_nargs >= 9)
                sev = (__u8) ctx[7];
        fl_key_init(&key, FL_BPF_ARM_EVENT);
        key.a = valid & FL_CPER_ARM_VALID_MPIDR ? FL_READ(proc, mpidr) : 0;
        key.code = sev;
        e = fl_reserve(&key, st, sizeof(*e));
        if (!e)
                return 0;
        e->mpidr = key.a;
        e->midr = FL_READ(proc, midr);
        e->affinity_level =
                valid & FL_CPER_ARM_VALID_AFFINITY_LEVEL ? FL_READ(proc, affinity_level) : 0xff;
        if (valid & FL_CPER_ARM_VALID_RUNNING_STATE) {
                e->running_state = FL_READ(proc, running_state);
                e->psci_state = FL_READ(proc, psci_state);
        } else {
                e->running_state = 0;
                e->psci_state = 0;
        }
        e->severity = sev;
        if (fl_arm_nargs >= 9) {
                e->pei_len = (__u32) ctx[2];
                e->ctx_len = (__u32) ctx[4];
                e->oem_len = (__u32) ctx[6];
                e->cpu_arg = (__s32) ctx[8];
        } else {
                e->pei_len = e->ctx_len = e->oem_len = 0;
                e->cpu_arg = -1;
        }
        fl_submit(e, st);
        return 0;
}

SEC("raw_tp/arm_event")
int fl_tp_arm_event(__u64 *ctx) {
        return fl_arm_event(ctx);
}

/* ---- ras: non_standard_event ---- */

static __always_inline int fl_non_standard_event(__u64 *ctx) {
        struct fl_bpf_non_standard_event *e;
        struct fl_bpf_kind_stats *st;
        struct fl_bpf_filter *f;
        struct fl_bpf_key key;
        __u64 sec[2] = {};

        if (!fl_begin(FL_BPF_NON_STANDARD_EVENT, &st, &f))
                return 0;

        fl_read(sec, sizeof(sec), (const void *) ctx[0]);
        fl_key_init(&key, FL_BPF_NON_STANDARD_EVENT);
        key.a = sec[0];
        key.b = sec[1];
        key.code = (__u8) ctx[3];
        e = fl_reserve(&key, st, sizeof(*e));
        if (!e)
                return 0;
        __builtin_memcpy(e->sec_type, sec, sizeof(e->sec_type));
        __builtin_memset(e->fru_id, 0, sizeof(e->fru_id));
        fl_read(e->fru_id, sizeof(e->fru_id), (const void *) ctx[1]);
        e->fru_text[0] = '\0';
        fl_read_str(e->fru_text, sizeof(e->fru_text), (const void *) ctx[2]);
        e->severity = (__u8) ctx[3];
        e->len = (__u32) ctx[5];
        fl_submit(e, st);
        return 0;
}

SEC("raw_tp/non_standard_event")
int fl_tp_non_standard_event(__u64 *ctx) {
        return fl_non_standard_event(ctx);
}

/* ---- mce: mce_record ---- */

static __always_inline int fl_mce_record(__u64 *ctx) {
        struct mce___fl *m = (void *) ctx[0];
        struct fl_bpf_mce_record *e;
        struct fl_bpf_kind_stats *st;
        struct fl_bpf_filter *f;
        struct fl_bpf_key key;
        __u64 status;

        if (!bpf_core_type_exists(struct mce___fl))
                return 0;
        if (!fl_begin(FL_BPF_MCE_RECORD, &st, &f))
                return 0;

        status = FL_READ(m, status);
        fl_key_init(&key, FL_BPF_MCE_RECORD);
        key.code = FL_READ(m, bank);
        key.a = FL_READ(m, socketid);
        key.b = !!(status & FL_MCI_STATUS_UC);
        e = fl_reserve(&key, st, sizeof(*e));
        if (!e)
                return 0;
        e->status = status;
        e->bank = key.code;
        e->socketid = key.a;
        e->mcgcap = FL_READ(m, mcgcap);
        e->mcgstatus = FL_READ(m, mcgstatus);
        e->addr = FL_READ(m, addr);
        e->misc = FL_READ(m, misc);
        e->ip = FL_READ(m, ip);
        e->tsc = FL_READ(m, tsc);
        e->walltime = FL_READ(m, time);
        e->cpu = FL_READ(m, extcpu);
        e->cpuid = FL_READ(m, cpuid);
        e->apicid = FL_READ(m, apicid);
        e->cs = FL_READ(m, cs);
        e->cpuvendor = FL_READ(m, cpuvendor);
        /* Fields younger than the struct itself. */
        e->synd = bpf_core_field_exists(m->synd) ? FL_READ(m, synd) : 0;
        e->ipid = bpf_core_field_exists(m->ipid) ? FL_READ(m, ipid) : 0;
        e->ppin = bpf_core_field_exists(m->ppin) ? FL_READ(m, ppin) : 0;
        e->microcode = bpf_core_field_exists(m->microcode) ? FL_READ(m, microcode) : 0;
        fl_submit(e, st);
        return 0;
}

SEC("raw_tp/mce_record")
int fl_tp_mce_record(__u64 *ctx) {
        return fl_mce_record(ctx);
}

/* ---- thermal ---- */

static __always_inline int fl_thermal_zone_trip(__u64 *ctx) {
        struct thermal_zone_device___fl *tz = (void *) ctx[0];
        struct fl_bpf_thermal_zone_trip *e;
        struct fl_bpf_kind_stats *st;
        struct fl_bpf_filter *f;
        struct fl_bpf_key key;
        __u32 trip_type = (__u32) ctx[2];

        if (!fl_begin(FL_BPF_THERMAL_ZONE_TRIP, &st, &f))
                return 0;
        if (trip_type >= 32 || !(f->thermal_trip_types & (1u << trip_type))) {
                st->filtered++;
                return 0;
        }

        fl_key_init(&key, FL_BPF_THERMAL_ZONE_TRIP);
        key.a = (__u32) FL_READ(tz, id);
        key.b = trip_type;
        key.code = (__u32) ctx[1];
        FL_READ_STR_INTO(&key.name, tz, type);
        e = fl_reserve(&key, st, sizeof(*e));
        if (!e)
                return 0;
        e->id = (__s32) key.a;
        e->trip = (__s32) ctx[1];
        e->trip_type = trip_type;
        e->temp = FL_READ(tz, temperature);
        __builtin_memcpy(e->type, key.name, sizeof(e->type));
        fl_submit(e, st);
        return 0;
}

SEC("raw_tp/thermal_zone_trip")
int fl_tp_thermal_zone_trip(__u64 *ctx) {
        return fl_thermal_zone_trip(ctx);
}

static __always_inline int fl_thermal_temperature(__u64 *ctx) {
        struct thermal_zone_device___fl *tz = (void *) ctx[0];
        struct fl_bpf_thermal_temperature *e;
        struct fl_bpf_kind_stats *st;
        struct fl_bpf_filter *f;
        struct fl_bpf_key key;
        int temp;

        if (!fl_begin(FL_BPF_THERMAL_TEMPERATURE, &st, &f))
                return 0;
        /* The common case on a healthy machine: one update per zone per
         * polling interval, none of which should wake user space. */
        temp = FL_READ(tz, temperature);
        if (temp < f->thermal_temp_min_mc) {
                st->filtered++;
                return 0;
        }

        fl_key_init(&key, FL_BPF_THERMAL_TEMPERATURE);
        key.a = (__u32) FL_READ(tz, id);
        FL_READ_STR_INTO(&key.name, tz, type);
        e = fl_reserve(&key, st, sizeof(*e));
        if (!e)
                return 0;
        e->id = (__s32) key.a;
        e->temp = temp;
        e->temp_prev = FL_READ(tz, last_temperature);
        e->pad = 0;
        __builtin_memcpy(e->type, key.name, sizeof(e->type));
        fl_submit(e, st);
        return 0;
}

SEC("raw_tp/thermal_temperature")
int fl_tp_thermal_temperature(__u64 *ctx) {
        return fl_thermal_temperature(ctx);
}
