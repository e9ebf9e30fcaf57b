/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The BPF source against the real kernel: which programs attach here (checked
 * against tracefs' own list of tracepoints), the skip and attach-failure
 * paths, every handler driven by BPF_PROG_TEST_RUN with crafted arguments,
 * the in-kernel filter, the per-key counters and exact accounting when the
 * ring buffer overflows. Needs root and BPF; the real disk fault is in
 * test-bpf-diskfault.c.
 *
 * Handlers run in test mode, where pointer arguments point into this
 * process: kernel structures (request, gendisk, thermal_zone_device...) are
 * faked in user memory at the offsets the running kernel's BTF gives, so
 * the CO-RE relocations are exercised too.
 */
#include "fl_test.h"

#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <systemd/sd-id128.h>
#include <unistd.h>

#include "bpf_capture.h"
#include "bpf_event.h"
#include "macro.h"
#include "source_bpf.h"

#define BIT(k)    (UINT32_C(1) << (k))
#define ALL_KINDS ((UINT32_C(1) << FL_BPF_KIND_MAX) - 1)

/* ---- environment ---- */

static int quiet_libbpf(enum libbpf_print_level level, const char *fmt, va_list ap) {
        /* The attach-failure test provokes warnings on purpose. */
        return 0;
}

/* The tracepoints the kernel lists in tracefs' available_events, as kind
 * bits: an independent answer to "which tracepoints exist here". tracefs is
 * mounted in a private mount namespace so nothing outside this test sees it. */
static uint32_t kernel_tracepoints(void) {
        _cleanup_free_ char *dir = fl_test_mkdtemp();
        _cleanup_free_ char *path = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        char line[256];
        uint32_t kinds = 0;

        assert_int_equal(unshare(CLONE_NEWNS), 0);
        assert_int_equal(mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL), 0);
        assert_int_equal(mount("tracefs", dir, "tracefs", 0, NULL), 0);
        assert_true(asprintf(&path, "%s/available_events", dir) > 0);
        f = fopen(path, "re");
        assert_non_null(f);
        while (fgets(line, sizeof(line), f)) {
                char *name = strchr(line, ':');
                int k;

                if (!name)
                        continue;
                *name++ = '\0';
                name[strcspn(name, "\n")] = '\0';
                k = fl_bpf_kind_from_string(name);
                if (k >= 0 && strcmp(line, fl_bpf_kind_subsystem((unsigned) k)) == 0)
                        kinds |= BIT(k);
        }
        fclose(TAKE_PTR(f));
        assert_int_equal(umount(dir), 0);
        rmdir(dir);
        return kinds;
}

struct env {
        sd_event *event;
        struct capture cap;
        struct source_bpf *src;
        struct btf *btf;
};

static int env_setup(void **state) {
        struct env *env = calloc(1, sizeof(*env));

        assert_non_null(env);
        assert_int_equal(sd_event_new(&env->event), 0);
        env->btf = btf__load_vmlinux_btf();
        assert_non_null(env->btf);
        *state = env;
        return 0;
}

static int env_teardown(void **state) {
        struct env *env = *state;

        source_bpf_free(env->src);
        capture_reset(&env->cap);
        btf__free(env->btf);
        sd_event_unref(env->event);
        free(env);
        return 0;
}

static struct source_bpf *open_source(struct env *env, const struct source_bpf_options *o) {
        assert_int_equal(
                source_bpf_new_with_options(env->event, o, capture_event, &env->cap, &env->src), 0);
        return env->src;
}

/* ---- attach and skip ---- */

static void assert_states(
        struct source_bpf *s, uint32_t attached, uint32_t absent, uint32_t failed) {
        struct source_bpf_stats st;
        unsigned n = 0;

        assert_int_equal(source_bpf_get_stats(s, &st), 0);
        for (unsigned k = 0; k < FL_BPF_KIND_MAX; k++) {
                enum source_bpf_prog_state want = attached & BIT(k) ? SOURCE_BPF_PROG_ATTACHED
                                                  : absent & BIT(k) ? SOURCE_BPF_PROG_ABSENT
                                                  : failed & BIT(k) ? SOURCE_BPF_PROG_FAILED
                                                                    : _SOURCE_BPF_PROG_STATE_MAX;

                if (st.kinds[k].state != want)
                        fail_msg("%s is %s, expected %s", fl_bpf_kind_to_string(k),
                                source_bpf_prog_state_to_string(st.kinds[k].state),
                                source_bpf_prog_state_to_string(want));
                if (want == SOURCE_BPF_PROG_FAILED)
                        assert_true(st.kinds[k].error < 0);
                else
                        assert_int_equal(st.kinds[k].error, 0);
                n += want == SOURCE_BPF_PROG_ATTACHED;
        }
        assert_int_equal(st.n_attached, n);
}

static void test_attach_matches_kernel(void **state) {
        struct env *env = *state;
        uint32_t present = kernel_tracepoints();
        _cleanup_free_ char *summary = NULL;

        /* This machine has at least block_rq_error; an empty list means the
         * tracefs read broke, not that the kernel has nothing. */
        assert_true(present & BIT(FL_BPF_BLOCK_RQ_ERROR));
        open_source(env, NULL);
        assert_states(env->src, present, ALL_KINDS & ~present, 0);

        assert_int_equal(source_bpf_summary(env->src, &summary), 0);
        print_message("tracepoints: %s\n", summary);
        assert_non_null(strstr(summary, "attached: block_rq_error"));
        if (present != ALL_KINDS)
                assert_non_null(strstr(summary, "; absent: "));
}

static void test_treat_as_absent(void **state) {
        struct env *env = *state;
        uint32_t present = kernel_tracepoints();
        struct source_bpf_options o = {.treat_as_absent = BIT(FL_BPF_BLOCK_RQ_ERROR)};
        _cleanup_free_ char *summary = NULL;

        open_source(env, &o);
        assert_states(env->src, present & ~BIT(FL_BPF_BLOCK_RQ_ERROR),
                (ALL_KINDS & ~present) | BIT(FL_BPF_BLOCK_RQ_ERROR), 0);
        assert_int_equal(source_bpf_summary(env->src, &summary), 0);
        assert_non_null(strstr(summary, "absent: block_rq_error"));
}

/* Tracepoints this kernel lacks, forced on: each fails to attach on its own
 * and everything else still attaches. */
static void test_attach_failure_is_isolated(void **state) {
        struct env *env = *state;
        uint32_t present = kernel_tracepoints();
        struct source_bpf_options o = {.treat_as_present = ALL_KINDS};
        _cleanup_free_ char *summary = NULL;

        if (present == ALL_KINDS) {
                print_message("every tracepoint exists here: no failure to provoke\n");
                return;
        }
        libbpf_set_print(quiet_libbpf);
        open_source(env, &o);
        libbpf_set_print(NULL);
        assert_states(env->src, present, 0, ALL_KINDS & ~present);
        assert_int_equal(source_bpf_summary(env->src, &summary), 0);
        assert_non_null(strstr(summary, "failed: "));
}

/* ---- fake kernel objects ---- */

/* Byte offset of `member` in `type` (anonymous members searched too), per the
 * running kernel's BTF. */
static long member_offset_in(
        const struct btf *btf, const struct btf_type *t, const char *member, long base) {
        const struct btf_member *m = btf_members(t);

        for (unsigned i = 0; i < btf_vlen(t); i++) {
                const char *name = btf__name_by_offset(btf, m[i].name_off);
                long off = base + (long) btf_member_bit_offset(t, i) / 8;

                if (name && strcmp(name, member) == 0)
                        return off;
                if (!name || !*name) {
                        const struct btf_type *mt =
                                btf__type_by_id(btf, btf__resolve_type(btf, m[i].type));
                        long r;

                        if (mt && btf_is_composite(mt)) {
                                r = member_offset_in(btf, mt, member, off);
                                if (r >= 0)
                                        return r;
                        }
                }
        }
        return -1;
}

static long member_offset(const struct btf *btf, const char *type, const char *member) {
        int id = btf__find_by_name_kind(btf, type, BTF_KIND_STRUCT);
        long off;

        assert_true(id > 0);
        off = member_offset_in(btf, btf__type_by_id(btf, id), member, 0);
        if (off < 0)
                fail_msg("struct %s has no %s", type, member);
        return off;
}

static void *fake_struct(const struct btf *btf, const char *type) {
        int id = btf__find_by_name_kind(btf, type, BTF_KIND_STRUCT);
        long size;
        void *p;

        assert_true(id > 0);
        size = btf__resolve_size(btf, id);
        assert_true(size > 0);
        p = calloc(1, (size_t) size);
        assert_non_null(p);
        return p;
}

#define PUT(btf, obj, type, member, ctype, value)                                           \
        do {                                                                                \
                ctype _v = (value);                                                         \
                memcpy((char *) (obj) + member_offset(btf, type, member), &_v, sizeof(_v)); \
        } while (0)

static void put_str(
        const struct btf *btf, void *obj, const char *type, const char *member, const char *s) {
        strcpy((char *) obj + member_offset(btf, type, member), s);
}

static long enum_value(const struct btf *btf, const char *type, const char *name) {
        int id = btf__find_by_name_kind(btf, type, BTF_KIND_ENUM);
        const struct btf_type *t;
        const struct btf_enum *e;

        assert_true(id > 0);
        t = btf__type_by_id(btf, id);
        e = btf_enum(t);
        for (unsigned i = 0; i < btf_vlen(t); i++)
                if (strcmp(btf__name_by_offset(btf, e[i].name_off), name) == 0)
                        return e[i].val;
        fail_msg("enum %s has no %s", type, name);
        return -1;
}

/* Objects a case's arguments point to; freed after the case. */
struct fakes {
        const struct btf *btf;
        void *obj[4];
};

static void fakes_free(struct fakes *k) {
        for (size_t i = 0; i < ELEMENTSOF(k->obj); i++) {
                free(k->obj[i]);
                k->obj[i] = NULL;
        }
}

/* ---- handler cases ---- */

struct mc_args {
        unsigned type; /* kernel enum hw_event_mc_err_type value */
        int count;
        const char *msg, *label, *detail;
        int mc, top, mid, low;
        uint64_t addr, synd;
        unsigned grain_bits;
};

static void build_mc_event(struct fakes *k, const void *p, uint64_t a[12]) {
        const struct mc_args *m = p;

        a[0] = m->type;
        a[1] = (uintptr_t) m->msg;
        a[2] = (uintptr_t) m->label;
        a[3] = (uint64_t) (int64_t) m->count;
        a[4] = (uint8_t) m->mc;
        a[5] = (uint64_t) (int64_t) m->top;
        a[6] = (uint64_t) (int64_t) m->mid;
        a[7] = (uint64_t) (int64_t) m->low;
        a[8] = m->addr;
        a[9] = m->grain_bits;
        a[10] = m->synd;
        a[11] = (uintptr_t) m->detail;
}

struct tz_args {
        int id, temp, prev, trip, trip_type;
        const char *type;
};

static void *fake_tz(struct fakes *k, const struct tz_args *t) {
        void *tz = k->obj[0] = fake_struct(k->btf, "thermal_zone_device");

        PUT(k->btf, tz, "thermal_zone_device", "id", int, t->id);
        PUT(k->btf, tz, "thermal_zone_device", "temperature", int, t->temp);
        PUT(k->btf, tz, "thermal_zone_device", "last_temperature", int, t->prev);
        put_str(k->btf, tz, "thermal_zone_device", "type", t->type);
        return tz;
}

static void build_thermal_temperature(struct fakes *k, const void *p, uint64_t a[12]) {
        a[0] = (uintptr_t) fake_tz(k, p);
}

static void build_thermal_zone_trip(struct fakes *k, const void *p, uint64_t a[12]) {
        const struct tz_args *t = p;

        a[0] = (uintptr_t) fake_tz(k, t);
        a[1] = (uint64_t) (int64_t) t->trip;
        a[2] = (uint64_t) t->trip_type;
}

struct block_args {
        int major, minor;
        const char *disk;
        uint64_t sector;
        unsigned data_len, nr_bytes, op, error;
        const char *flags[4]; /* enum req_flag_bits names */
};

static void build_block_rq_error(struct fakes *k, const void *p, uint64_t a[12]) {
        const struct block_args *b = p;
        void *rq = k->obj[0] = fake_struct(k->btf, "request");
        void *q = k->obj[1] = fake_struct(k->btf, "request_queue");
        void *disk = k->obj[2] = fake_struct(k->btf, "gendisk");
        unsigned flags = b->op;

        for (size_t i = 0; i < ELEMENTSOF(b->flags) && b->flags[i]; i++)
                flags |= 1u << enum_value(k->btf, "req_flag_bits", b->flags[i]);
        PUT(k->btf, disk, "gendisk", "major", int, b->major);
        PUT(k->btf, disk, "gendisk", "first_minor", int, b->minor);
        put_str(k->btf, disk, "gendisk", "disk_name", b->disk);
        PUT(k->btf, q, "request_queue", "disk", void *, disk);
        PUT(k->btf, rq, "request", "q", void *, q);
        PUT(k->btf, rq, "request", "cmd_flags", unsigned, flags);
        PUT(k->btf, rq, "request", "__data_len", unsigned, b->data_len);
        PUT(k->btf, rq, "request", "__sector", uint64_t, b->sector);
        a[0] = (uintptr_t) rq;
        a[1] = b->error;
        a[2] = b->nr_bytes;
}

struct aer_args {
        const char *dev_name, *bus_type;
        unsigned status, severity, valid;
        uint32_t tlp[4];
};

/* The layout the loader assumes when BTF has no aer_event (this kernel):
 * dev_name, status, severity, tlp_header_valid, tlp, bus_type. */
static void build_aer_event(struct fakes *k, const void *p, uint64_t a[12]) {
        const struct aer_args *x = p;

        a[0] = (uintptr_t) x->dev_name;
        a[1] = x->status;
        a[2] = x->severity;
        a[3] = x->valid;
        a[4] = (uintptr_t) x->tlp;
        a[5] = (uintptr_t) x->bus_type;
}

struct mf_args {
        uint64_t pfn;
        int type; /* enum mf_action_page_type; its names come from BTF (test-bpf-event) */
        int result;
};

static void build_memory_failure_event(struct fakes *k, const void *p, uint64_t a[12]) {
        const struct mf_args *m = p;

        a[0] = m->pfn;
        a[1] = (uint64_t) m->type;
        a[2] = (uint64_t) m->result;
}

struct arm_args {
        unsigned valid, affinity, running, psci, sev, pei_len, ctx_len, oem_len;
        uint64_t mpidr, midr;
        int cpu;
};

static void build_arm_event(struct fakes *k, const void *p, uint64_t a[12]) {
        const struct arm_args *x = p;
        void *proc = k->obj[0] = fake_struct(k->btf, "cper_sec_proc_arm");

        PUT(k->btf, proc, "cper_sec_proc_arm", "validation_bits", uint32_t, x->valid);
        PUT(k->btf, proc, "cper_sec_proc_arm", "affinity_level", uint8_t, (uint8_t) x->affinity);
        PUT(k->btf, proc, "cper_sec_proc_arm", "mpidr", uint64_t, x->mpidr);
        PUT(k->btf, proc, "cper_sec_proc_arm", "midr", uint64_t, x->midr);
        PUT(k->btf, proc, "cper_sec_proc_arm", "running_state", uint32_t, x->running);
        PUT(k->btf, proc, "cper_sec_proc_arm", "psci_state", uint32_t, x->psci);
        a[0] = (uintptr_t) proc;
        a[2] = x->pei_len;
        a[4] = x->ctx_len;
        a[6] = x->oem_len;
        a[7] = x->sev;
        a[8] = (uint64_t) (int64_t) x->cpu;
}

struct ns_args {
        uint8_t sec_type[16], fru_id[16];
        const char *fru_text;
        unsigned sev, len;
};

static void build_non_standard_event(struct fakes *k, const void *p, uint64_t a[12]) {
        const struct ns_args *x = p;

        a[0] = (uintptr_t) x->sec_type;
        a[1] = (uintptr_t) x->fru_id;
        a[2] = (uintptr_t) x->fru_text;
        a[3] = x->sev;
        a[5] = x->len;
}

/* mce_record and extlog_mem_event: this kernel has no struct mce or
 * cper_sec_mem_err, so the programs load but must stay silent. */
static void build_opaque(struct fakes *k, const void *p, uint64_t a[12]) {
        static const uint8_t zeros[512];

        a[0] = (uintptr_t) zeros;
}

struct field {
        const char *name, *value;
};

struct handler_case {
        const char *name;
        unsigned kind;
        void (*build)(struct fakes *k, const void *param, uint64_t args[12]);
        const void *param;
        uint32_t kinds;      /* filter: enabled kinds */
        int32_t temp_min;    /* filter: thermal threshold */
        uint32_t mc_types;   /* filter: 0 means all */
        uint32_t trip_types; /* filter: 0 means all */
        bool needs_type;     /* skipped (with a note) if this kernel's BTF lacks `type` */
        const char *type;
        unsigned hits, filtered, submitted;
        struct field fields[24]; /* the event's fields; empty: no event expected */
};

static const struct mc_args mc_corrected = {
        .type = 0, /* HW_EVENT_ERR_CORRECTED */
        .count = 1,
        .msg = "memory read error",
        .label = "CPU_SrcID#0_MC#0_Chan#1_DIMM#0",
        .detail = "ProcessorSocketId:0x0 MemoryControllerId:0x0",
        .mc = 0,
        .top = 0,
        .mid = 1,
        .low = -1,
        .addr = 0x1234000,
        .synd = 0xbeef,
        .grain_bits = 5,
};

static const struct mc_args mc_fatal = {
        .type = 3, /* HW_EVENT_ERR_FATAL */
        .count = 2,
        .msg = "",
        .label = "DIMM_B2",
        .detail = "",
        .mc = 1,
        .top = 2,
        .mid = -1,
        .low = -1,
        .addr = 0,
        .grain_bits = 0,
};

static const struct tz_args tz_hot = {
        .id = 3, .temp = 80000, .prev = 79000, .type = "x86_pkg_temp"};
static const struct tz_args tz_cool = {
        .id = 3, .temp = 79999, .prev = 79000, .type = "x86_pkg_temp"};
static const struct tz_args tz_trip_crit = {
        .id = 1, .temp = 105000, .trip = 2, .trip_type = 3, .type = "acpitz"};
static const struct tz_args tz_trip_passive = {
        .id = 1, .temp = 95000, .trip = 0, .trip_type = 1, .type = "acpitz"};

static const struct block_args blk_read = {
        .major = 7,
        .minor = 3,
        .disk = "loop3",
        .sector = 2048,
        .data_len = 4096,
        .nr_bytes = 4096,
        .op = 0 /* REQ_OP_READ */,
        .error = 10,
};
static const struct block_args blk_write_sync_fua = {
        .major = 259,
        .minor = 1048575,
        .disk = "nvme0n1",
        .sector = 123456789,
        .data_len = 512,
        .nr_bytes = 512,
        .op = 1 /* REQ_OP_WRITE */,
        .error = 2,
        .flags = {"__REQ_SYNC", "__REQ_FUA", "__REQ_META"},
};
static const struct block_args blk_flush = {
        .major = 8,
        .minor = 0,
        .disk = "sda",
        .sector = 0,
        .data_len = 0,
        .nr_bytes = 0,
        .op = 2 /* REQ_OP_FLUSH */,
        .error = 4,
        .flags = {"__REQ_PREFLUSH"},
};

static const struct aer_args aer_fatal = {
        .dev_name = "0000:3b:00.0",
        .bus_type = "PCIe",
        .status = (1u << 14) | (1u << 18),
        .severity = 1,
        .valid = 1,
        .tlp = {0x4a000001, 0x0100000f, 0xdeadbeef, 0x0},
};
static const struct aer_args aer_corrected = {
        .dev_name = "0000:00:1c.0",
        .bus_type = "",
        .status = 1u << 0,
        .severity = 2,
};

static const struct mf_args mf_recovered = {.pfn = 0x12345, .type = 7, .result = 3};

static const struct arm_args arm_full = {
        .valid = 0x7,
        .affinity = 2,
        .running = 1,
        .psci = 0,
        .sev = 1,
        .pei_len = 32,
        .ctx_len = 0,
        .oem_len = 0,
        .mpidr = 0x81000100,
        .midr = 0x410fd0c0,
        .cpu = 5,
};

static const struct ns_args ns_event = {
        /* 6e3e5f8c-1ba3-4a3b-9c68-9f1c9e1e3d12 as guid_t bytes */
        .sec_type = {0x8c, 0x5f, 0x3e, 0x6e, 0xa3, 0x1b, 0x3b, 0x4a, 0x9c, 0x68, 0x9f, 0x1c, 0x9e,
                0x1e, 0x3d, 0x12},
        .fru_id = {0},
        .fru_text = "PSU1",
        .sev = 0,
        .len = 48,
};

static const struct handler_case handler_cases[] = {
        {
                .name = "mc_event corrected",
                .kind = FL_BPF_MC_EVENT,
                .build = build_mc_event,
                .param = &mc_corrected,
                .kinds = ALL_KINDS,
                .hits = 1,
                .submitted = 1,
                .fields =
                        {
                                {"error_type", "Corrected"},
                                {"error_count", "1"},
                                {"msg", "memory read error"},
                                {"label", "CPU_SrcID#0_MC#0_Chan#1_DIMM#0"},
                                {"mc_index", "0"},
                                {"top_layer", "0"},
                                {"middle_layer", "1"},
                                {"lower_layer", "-1"},
                                {"address", "0x1234000"},
                                {"grain", "32"},
                                {"grain_bits", "5"},
                                {"syndrome", "0xbeef"},
                                {"driver_detail", "ProcessorSocketId:0x0 MemoryControllerId:0x0"},
                        },
        },
        {
                .name = "mc_event fatal",
                .kind = FL_BPF_MC_EVENT,
                .build = build_mc_event,
                .param = &mc_fatal,
                .kinds = ALL_KINDS,
                .hits = 1,
                .submitted = 1,
                .fields =
                        {
                                {"error_type", "Fatal"},
                                {"error_count", "2"},
                                {"msg", ""},
                                {"label", "DIMM_B2"},
                                {"mc_index", "1"},
                                {"top_layer", "2"},
                                {"middle_layer", "-1"},
                                {"lower_layer", "-1"},
                                {"address", "0x0"},
                                {"grain", "1"},
                                {"driver_detail", ""},
                        },
        },
        {
                .name = "mc_event corrected, filter wants uncorrected only",
                .kind = FL_BPF_MC_EVENT,
                .build = build_mc_event,
                .param = &mc_corrected,
                .kinds = ALL_KINDS,
                .mc_types = 1u << FL_BPF_MC_UNCORRECTED,
                .hits = 1,
                .filtered = 1,
        },
        {
                .name = "mc_event with the kind disabled",
                .kind = FL_BPF_MC_EVENT,
                .build = build_mc_event,
                .param = &mc_fatal,
                .kinds = ALL_KINDS & ~BIT(FL_BPF_MC_EVENT),
                .hits = 1,
                .filtered = 1,
        },
        {
                .name = "thermal_temperature at the threshold",
                .kind = FL_BPF_THERMAL_TEMPERATURE,
                .build = build_thermal_temperature,
                .param = &tz_hot,
                .kinds = ALL_KINDS,
                .temp_min = 80000,
                .hits = 1,
                .submitted = 1,
                .fields =
                        {
                                {"thermal_zone", "x86_pkg_temp"},
                                {"id", "3"},
                                {"temp_prev", "79000"},
                                {"temp", "80000"},
                        },
        },
        {
                .name = "thermal_temperature below the threshold stays in the kernel",
                .kind = FL_BPF_THERMAL_TEMPERATURE,
                .build = build_thermal_temperature,
                .param = &tz_cool,
                .kinds = ALL_KINDS,
                .temp_min = 80000,
                .hits = 1,
                .filtered = 1,
        },
        {
                .name = "thermal_temperature is off by default",
                .kind = FL_BPF_THERMAL_TEMPERATURE,
                .build = build_thermal_temperature,
                .param = &tz_hot,
                .kinds = ALL_KINDS & ~BIT(FL_BPF_THERMAL_TEMPERATURE),
                .hits = 1,
                .filtered = 1,
        },
        {
                .name = "thermal_zone_trip critical",
                .kind = FL_BPF_THERMAL_ZONE_TRIP,
                .build = build_thermal_zone_trip,
                .param = &tz_trip_crit,
                .kinds = ALL_KINDS,
                .hits = 1,
                .submitted = 1,
                .fields =
                        {
                                {"thermal_zone", "acpitz"},
                                {"id", "1"},
                                {"trip", "2"},
                                {"trip_type", "CRITICAL"},
                                {"temp", "105000"},
                        },
        },
        {
                .name = "thermal_zone_trip passive, filter wants hot and critical",
                .kind = FL_BPF_THERMAL_ZONE_TRIP,
                .build = build_thermal_zone_trip,
                .param = &tz_trip_passive,
                .kinds = ALL_KINDS,
                .trip_types = 0xc,
                .hits = 1,
                .filtered = 1,
        },
        {
                .name = "block_rq_error read EIO",
                .kind = FL_BPF_BLOCK_RQ_ERROR,
                .build = build_block_rq_error,
                .param = &blk_read,
                .kinds = ALL_KINDS,
                .hits = 1,
                .submitted = 1,
                .fields =
                        {
                                {"dev", "7:3"},
                                {"disk", "loop3"},
                                {"sector", "2048"},
                                {"nr_sector", "8"},
                                {"error", "10"},
                                {"error_name", "BLK_STS_IOERR"},
                                {"rwbs", "R"},
                        },
        },
        {
                .name = "block_rq_error sync FUA metadata write timeout, largest minor",
                .kind = FL_BPF_BLOCK_RQ_ERROR,
                .build = build_block_rq_error,
                .param = &blk_write_sync_fua,
                .kinds = ALL_KINDS,
                .hits = 1,
                .submitted = 1,
                .fields =
                        {
                                {"dev", "259:1048575"},
                                {"disk", "nvme0n1"},
                                {"sector", "123456789"},
                                {"nr_sector", "1"},
                                {"error", "2"},
                                {"error_name", "BLK_STS_TIMEOUT"},
                                {"rwbs", "WFSM"},
                        },
        },
        {
                .name = "block_rq_error preflush flush transport error",
                .kind = FL_BPF_BLOCK_RQ_ERROR,
                .build = build_block_rq_error,
                .param = &blk_flush,
                .kinds = ALL_KINDS,
                .hits = 1,
                .submitted = 1,
                .fields =
                        {
                                {"dev", "8:0"},
                                {"disk", "sda"},
                                {"sector", "0"},
                                {"nr_sector", "0"},
                                {"error", "4"},
                                {"error_name", "BLK_STS_TRANSPORT"},
                                {"rwbs", "FF"},
                        },
        },
        {
                .name = "aer_event fatal with TLP header",
                .kind = FL_BPF_AER_EVENT,
                .build = build_aer_event,
                .param = &aer_fatal,
                .kinds = ALL_KINDS,
                .hits = 1,
                .submitted = 1,
                .fields =
                        {
                                {"dev_name", "0000:3b:00.0"},
                                {"bus_type", "PCIe"},
                                {"status", "0x44000"},
                                {"severity", "Fatal"},
                                {"errors", "Completion Timeout|Malformed TLP"},
                                {"tlp_header_valid", "1"},
                                {"tlp_header", "4a000001 0100000f deadbeef 00000000"},
                        },
        },
        {
                .name = "aer_event corrected",
                .kind = FL_BPF_AER_EVENT,
                .build = build_aer_event,
                .param = &aer_corrected,
                .kinds = ALL_KINDS,
                .hits = 1,
                .submitted = 1,
                .fields =
                        {
                                {"dev_name", "0000:00:1c.0"},
                                {"status", "0x1"},
                                {"severity", "Corrected"},
                                {"errors", "Receiver Error"},
                                {"tlp_header_valid", "0"},
                        },
        },
        {
                .name = "memory_failure_event recovered",
                .kind = FL_BPF_MEMORY_FAILURE_EVENT,
                .build = build_memory_failure_event,
                .param = &mf_recovered,
                .kinds = ALL_KINDS,
                .hits = 1,
                .submitted = 1,
                .fields =
                        {
                                {"pfn", "0x12345"},
                                {"result", "Recovered"},
                        },
        },
        {
                .name = "arm_event",
                .kind = FL_BPF_ARM_EVENT,
                .build = build_arm_event,
                .param = &arm_full,
                .kinds = ALL_KINDS,
                .needs_type = true,
                .type = "cper_sec_proc_arm",
                .hits = 1,
                .submitted = 1,
                .fields =
                        {
                                {"mpidr", "0x81000100"},
                                {"midr", "0x410fd0c0"},
                                {"running_state", "1"},
                                {"psci_state", "0"},
                                {"affinity", "2"},
                                {"sev", "fatal"},
                                {"cpu", "5"},
                                {"pei_len", "32"},
                                {"ctx_len", "0"},
                                {"oem_len", "0"},
                        },
        },
        {
                .name = "non_standard_event",
                .kind = FL_BPF_NON_STANDARD_EVENT,
                .build = build_non_standard_event,
                .param = &ns_event,
                .kinds = ALL_KINDS,
                .hits = 1,
                .submitted = 1,
                .fields =
                        {
                                {"sec_type", "6e3e5f8c-1ba3-4a3b-9c68-9f1c9e1e3d12"},
                                {"fru_id", "00000000-0000-0000-0000-000000000000"},
                                {"fru_text", "PSU1"},
                                {"sev", "recoverable"},
                                {"len", "48"},
                        },
        },
        {
                .name = "mce_record without struct mce in BTF stays silent",
                .kind = FL_BPF_MCE_RECORD,
                .build = build_opaque,
                .kinds = ALL_KINDS,
                .needs_type = false,
                .type = "!mce",
        },
        {
                .name = "extlog_mem_event without cper_sec_mem_err in BTF stays silent",
                .kind = FL_BPF_EXTLOG_MEM_EVENT,
                .build = build_opaque,
                .kinds = ALL_KINDS,
                .needs_type = false,
                .type = "!cper_sec_mem_err",
        },
};

static size_t n_fields(const struct handler_case *c) {
        size_t n = 0;

        while (n < ELEMENTSOF(c->fields) && c->fields[n].name)
                n++;
        return n;
}

static void run_handler_case(struct env *env, const struct handler_case *c) {
        struct source_bpf_stats before, after;
        struct source_bpf_filter f;
        struct fakes k = {.btf = env->btf};
        uint64_t args[12] = {};
        size_t want = n_fields(c) > 0;
        _cleanup_free_ char *id_prefix = NULL;
        sd_id128_t boot;

        print_message("case: %s\n", c->name);
        if (c->type && c->type[0] == '!') {
                /* The silent cases only make sense where the type is absent. */
                if (btf__find_by_name_kind(env->btf, c->type + 1, BTF_KIND_STRUCT) > 0) {
                        print_message("  (struct %s exists here; skipped)\n", c->type + 1);
                        return;
                }
        } else if (c->needs_type &&
                   btf__find_by_name_kind(env->btf, c->type, BTF_KIND_STRUCT) <= 0) {
                print_message("  (no struct %s here; skipped)\n", c->type);
                return;
        }

        source_bpf_filter_default(&f);
        f.kinds = c->kinds;
        f.thermal_temp_min_mc = c->temp_min;
        if (c->mc_types)
                f.mc_error_types = c->mc_types;
        if (c->trip_types)
                f.thermal_trip_types = c->trip_types;
        assert_int_equal(source_bpf_set_filter(env->src, &f), 0);

        capture_reset(&env->cap);
        assert_int_equal(source_bpf_get_stats(env->src, &before), 0);
        c->build(&k, c->param, args);
        assert_int_equal(source_bpf_test_run(env->src, c->kind, args, ELEMENTSOF(args)), 0);
        assert_int_equal(source_bpf_process(env->src), (int) want);
        assert_int_equal(source_bpf_get_stats(env->src, &after), 0);
        fakes_free(&k);

        assert_int_equal(after.kinds[c->kind].hits - before.kinds[c->kind].hits, c->hits);
        assert_int_equal(
                after.kinds[c->kind].filtered - before.kinds[c->kind].filtered, c->filtered);
        assert_int_equal(
                after.kinds[c->kind].submitted - before.kinds[c->kind].submitted, c->submitted);
        assert_int_equal(after.kinds[c->kind].delivered - before.kinds[c->kind].delivered, want);
        assert_int_equal(after.invalid_records, 0);

        assert_int_equal(env->cap.n, want);
        if (!want)
                return;
        assert_string_equal(env->cap.events[0].kind, fl_bpf_kind_to_string(c->kind));
        assert_int_equal(env->cap.events[0].count, 1);
        assert_int_equal(sd_id128_get_boot(&boot), 0);
        assert_true(asprintf(&id_prefix, "bpf:" SD_ID128_FORMAT_STR ":",
                            SD_ID128_FORMAT_VAL(boot)) > 0);
        assert_true(strncmp(env->cap.events[0].identity, id_prefix, strlen(id_prefix)) == 0);
        assert_true(env->cap.events[0].monotonic_usec > 0);
        assert_true(env->cap.events[0].realtime_usec > env->cap.events[0].monotonic_usec);
        for (size_t i = 0; i < n_fields(c); i++) {
                const char *v = capture_field(&env->cap, 0, c->fields[i].name);

                if (!v)
                        fail_msg("%s: no field %s", c->name, c->fields[i].name);
                if (strcmp(v, c->fields[i].value) != 0)
                        fail_msg("%s: %s = '%s', expected '%s'", c->name, c->fields[i].name, v,
                                c->fields[i].value);
        }
}

static void test_handlers(void **state) {
        struct env *env = *state;
        struct source_bpf_options o = {.test_mode = true};
        struct source_bpf_stats st;

        open_source(env, &o);
        assert_int_equal(source_bpf_get_stats(env->src, &st), 0);
        for (unsigned k = 0; k < FL_BPF_KIND_MAX; k++)
                assert_int_equal(st.kinds[k].state, SOURCE_BPF_PROG_LOADED);
        assert_int_equal(st.n_attached, 0);

        for (size_t i = 0; i < ELEMENTSOF(handler_cases); i++)
                run_handler_case(env, &handler_cases[i]);
}

/* ---- per-key counters ---- */

static const struct source_bpf_counter *find_counter(
        const struct source_bpf_counter *v, size_t n, unsigned kind, uint64_t a, const char *name) {
        for (size_t i = 0; i < n; i++)
                if (v[i].key.kind == kind && v[i].key.a == a &&
                        strncmp(v[i].key.name, name, sizeof(v[i].key.name)) == 0)
                        return &v[i];
        return NULL;
}

static void fire_mc(struct env *env, unsigned mc, const char *label, unsigned times) {
        struct mc_args m = mc_corrected;
        struct fakes k = {.btf = env->btf};
        uint64_t args[12];

        m.mc = (int) mc;
        m.label = label;
        build_mc_event(&k, &m, args);
        for (unsigned i = 0; i < times; i++)
                assert_int_equal(source_bpf_test_run(env->src, FL_BPF_MC_EVENT, args, 12), 0);
}

static void test_counters_per_key(void **state) {
        struct env *env = *state;
        struct source_bpf_options o = {.test_mode = true};
        _cleanup_free_ struct source_bpf_counter *v = NULL;
        const struct source_bpf_counter *c;
        struct fakes k = {.btf = env->btf};
        uint64_t args[12] = {};
        size_t n;

        open_source(env, &o);
        fire_mc(env, 0, "DIMM_A1", 3);
        fire_mc(env, 1, "DIMM_B1", 2);
        build_block_rq_error(&k, &blk_read, args);
        for (int i = 0; i < 4; i++)
                assert_int_equal(source_bpf_test_run(env->src, FL_BPF_BLOCK_RQ_ERROR, args, 12), 0);
        fakes_free(&k);
        assert_int_equal(source_bpf_process(env->src), 9);

        assert_int_equal(source_bpf_get_counters(env->src, &v, &n), 0);
        assert_int_equal(n, 3);
        c = find_counter(v, n, FL_BPF_MC_EVENT, 0, "DIMM_A1");
        assert_non_null(c);
        assert_int_equal(c->count, 3);
        assert_int_equal(c->lost, 0);
        assert_int_equal(c->key.code, FL_BPF_MC_CORRECTED);
        assert_int_equal(c->key.b, 0x0001ff); /* layers 0, 1, -1 */
        c = find_counter(v, n, FL_BPF_MC_EVENT, 1, "DIMM_B1");
        assert_non_null(c);
        assert_int_equal(c->count, 2);
        c = find_counter(v, n, FL_BPF_BLOCK_RQ_ERROR, 7u << 20 | 3, "loop3");
        assert_non_null(c);
        assert_int_equal(c->count, 4);
        assert_int_equal(c->key.code, 10);
}

/* ---- ring buffer overflow ---- */

struct per_label {
        const char *label;
        unsigned mc;
        unsigned fired;
};

static uint64_t captured_for(const struct capture *cap, const char *label) {
        uint64_t sum = 0;

        for (size_t i = 0; i < cap->n; i++) {
                const char *l = capture_field(cap, i, "label");

                if (l && strcmp(l, label) == 0)
                        sum += cap->events[i].count;
        }
        return sum;
}

static void assert_accounted(struct env *env, const struct per_label *labels, size_t n) {
        struct source_bpf_stats st;
        const struct source_bpf_kind_stats *mc;
        uint64_t fired = 0;

        assert_int_equal(source_bpf_get_stats(env->src, &st), 0);
        mc = &st.kinds[FL_BPF_MC_EVENT];
        for (size_t i = 0; i < n; i++) {
                assert_int_equal(captured_for(&env->cap, labels[i].label), labels[i].fired);
                fired += labels[i].fired;
        }
        assert_int_equal(mc->hits, fired);
        assert_int_equal(mc->submitted + mc->lost, fired);
        assert_int_equal(mc->delivered, mc->submitted);
        assert_int_equal(mc->reconciled, mc->lost);
        assert_int_equal(mc->lost_unkeyed, 0);
        assert_int_equal(st.ringbuf_drops, mc->lost);
        assert_int_equal(capture_total(&env->cap), fired);
}

static void test_overflow_reconciled(void **state) {
        struct env *env = *state;
        struct source_bpf_options o = {.test_mode = true, .ringbuf_size_bytes = 4096};
        struct per_label labels[] = {
                {"DIMM_A1", 0, 0},
                {"DIMM_A2", 1, 0},
                {"DIMM_B1", 2, 0},
        };
        struct source_bpf_stats st;
        size_t reconciled_events = 0;

        open_source(env, &o);
        /* A 4 KiB ring holds a handful of 560-byte mc_event records; nothing
         * is consumed while 3000 occurrences arrive. */
        for (unsigned round = 0; round < 3; round++)
                for (size_t i = 0; i < ELEMENTSOF(labels); i++) {
                        unsigned times = 1000 / (unsigned) (i + 1);

                        fire_mc(env, labels[i].mc, labels[i].label, times);
                        labels[i].fired += times;
                }
        assert_true(source_bpf_process(env->src) > 0);
        assert_int_equal(source_bpf_get_stats(env->src, &st), 0);
        assert_true(st.kinds[FL_BPF_MC_EVENT].lost > 1000);
        for (size_t i = 0; i < env->cap.n; i++)
                if (capture_field(&env->cap, i, "reconciled")) {
                        reconciled_events++;
                        assert_true(env->cap.events[i].count >= 1);
                        assert_non_null(strstr(env->cap.events[i].identity, ":lost:mc_event:"));
                        assert_string_equal(capture_field(&env->cap, i, "error_type"), "Corrected");
                }
        /* One reconciliation event per key, not one per lost occurrence. */
        assert_int_equal(reconciled_events, ELEMENTSOF(labels));
        assert_accounted(env, labels, ELEMENTSOF(labels));

        /* A second overflow: only what is new is passed on. */
        fire_mc(env, labels[0].mc, labels[0].label, 500);
        labels[0].fired += 500;
        assert_true(source_bpf_process(env->src) > 0);
        assert_accounted(env, labels, ELEMENTSOF(labels));

        /* Nothing new: nothing passed on. */
        assert_int_equal(source_bpf_process(env->src), 0);
}

/* The same through the sd-event loop, as the agent runs it: the ring
 * buffer's io source delivers and reconciles without explicit calls. */
static void test_overflow_through_loop(void **state) {
        struct env *env = *state;
        struct source_bpf_options o = {.test_mode = true, .ringbuf_size_bytes = 4096};
        struct per_label labels[] = {{"DIMM_C1", 3, 1000}};

        open_source(env, &o);
        fire_mc(env, labels[0].mc, labels[0].label, labels[0].fired);
        for (int i = 0; i < 100 && capture_total(&env->cap) < labels[0].fired; i++)
                assert_true(sd_event_run(env->event, 20 * 1000) >= 0);
        assert_accounted(env, labels, ELEMENTSOF(labels));
}

/* The counters table full as well: occurrences are still counted per kind
 * and passed on as one unkeyed event. */
static void test_overflow_unkeyed(void **state) {
        struct env *env = *state;
        struct source_bpf_options o = {.test_mode = true, .ringbuf_size_bytes = 4096};
        struct source_bpf_stats st;
        struct fakes k = {.btf = env->btf};
        uint64_t args[12] = {};
        uint64_t unkeyed_count = 0;
        unsigned type_value;
        size_t n_keys = 0;

        open_source(env, &o);
        /* Fill the 4096-entry table with distinct keys (memory_failure_event
         * key = type + result), draining as we go so nothing is lost. */
        build_memory_failure_event(&k, &mf_recovered, args);
        type_value = (unsigned) args[1];
        for (unsigned key = 0; n_keys < 4096; key++) {
                args[1] = type_value + key / 16;
                args[2] = key % 16;
                assert_int_equal(
                        source_bpf_test_run(env->src, FL_BPF_MEMORY_FAILURE_EVENT, args, 12), 0);
                n_keys++;
                if (n_keys % 4 == 0)
                        assert_true(source_bpf_process(env->src) >= 0);
        }
        assert_true(source_bpf_process(env->src) >= 0);
        capture_reset(&env->cap);
        assert_int_equal(source_bpf_get_stats(env->src, &st), 0);
        assert_int_equal(st.kinds[FL_BPF_MEMORY_FAILURE_EVENT].lost, 0);
        assert_int_equal(st.kinds[FL_BPF_MEMORY_FAILURE_EVENT].unkeyed, 0);

        /* New keys now have no slot; with the ring full they are lost. */
        args[1] = 100000;
        for (unsigned i = 0; i < 200; i++) {
                args[2] = i;
                assert_int_equal(
                        source_bpf_test_run(env->src, FL_BPF_MEMORY_FAILURE_EVENT, args, 12), 0);
        }
        assert_true(source_bpf_process(env->src) > 0);
        assert_int_equal(source_bpf_get_stats(env->src, &st), 0);
        assert_int_equal(st.kinds[FL_BPF_MEMORY_FAILURE_EVENT].unkeyed, 200);
        assert_true(st.kinds[FL_BPF_MEMORY_FAILURE_EVENT].lost_unkeyed > 0);
        for (size_t i = 0; i < env->cap.n; i++)
                if (capture_field(&env->cap, i, "unkeyed"))
                        unkeyed_count += env->cap.events[i].count;
        assert_int_equal(unkeyed_count, st.kinds[FL_BPF_MEMORY_FAILURE_EVENT].lost_unkeyed);
        assert_int_equal(capture_total(&env->cap), 200);
        fakes_free(&k);
}

/* ---- errors ---- */

static void test_errors(void **state) {
        struct env *env = *state;
        struct source_bpf_options bad_size = {.test_mode = true, .ringbuf_size_bytes = 12288};
        struct source_bpf_options tiny = {.test_mode = true, .ringbuf_size_bytes = 1024};
        struct source_bpf_options o = {
                .test_mode = true,
                .treat_as_absent = BIT(FL_BPF_AER_EVENT),
        };
        struct source_bpf_filter f;
        struct source_bpf *s = NULL;
        uint64_t args[13] = {};

        assert_int_equal(
                source_bpf_new_with_options(env->event, &bad_size, capture_event, &env->cap, &s),
                -EINVAL);
        assert_int_equal(
                source_bpf_new_with_options(env->event, &tiny, capture_event, &env->cap, &s),
                -EINVAL);
        assert_int_equal(source_bpf_new(NULL, capture_event, &env->cap, &s), -EINVAL);
        assert_int_equal(source_bpf_new(env->event, NULL, &env->cap, &s), -EINVAL);
        assert_null(s);

        open_source(env, &o);
        assert_int_equal(source_bpf_test_run(env->src, FL_BPF_KIND_MAX, args, 12), -EINVAL);
        assert_int_equal(source_bpf_test_run(env->src, FL_BPF_MC_EVENT, args, 13), -EINVAL);
        assert_int_equal(source_bpf_test_run(env->src, FL_BPF_MC_EVENT, NULL, 3), -EINVAL);
        assert_int_equal(source_bpf_test_run(env->src, FL_BPF_AER_EVENT, args, 12), -ENOENT);

        source_bpf_filter_default(&f);
        f.kinds = BIT(FL_BPF_KIND_MAX);
        assert_int_equal(source_bpf_set_filter(env->src, &f), -EINVAL);
        assert_int_equal(source_bpf_set_filter(env->src, NULL), -EINVAL);
        assert_null(source_bpf_free(NULL));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(
                        test_attach_matches_kernel, env_setup, env_teardown),
                cmocka_unit_test_setup_teardown(test_treat_as_absent, env_setup, env_teardown),
                cmocka_unit_test_setup_teardown(
                        test_attach_failure_is_isolated, env_setup, env_teardown),
                cmocka_unit_test_setup_teardown(test_handlers, env_setup, env_teardown),
                cmocka_unit_test_setup_teardown(test_counters_per_key, env_setup, env_teardown),
                cmocka_unit_test_setup_teardown(test_overflow_reconciled, env_setup, env_teardown),
                cmocka_unit_test_setup_teardown(
                        test_overflow_through_loop, env_setup, env_teardown),
                cmocka_unit_test_setup_teardown(test_overflow_unkeyed, env_setup, env_teardown),
                cmocka_unit_test_setup_teardown(test_errors, env_setup, env_teardown),
        };

        fl_test_require(geteuid() == 0, "root");
        fl_test_require(access("/sys/kernel/btf/vmlinux", R_OK) == 0, "kernel BTF");
        return cmocka_run_group_tests(tests, NULL, NULL);
}
