/* SPDX-License-Identifier: Apache-2.0 */
#include "bpf_event.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "macro.h"

/* sysfs uevent files are a few hundred bytes; anything longer is not one. */
#define UEVENT_MAX 4096

static const struct {
        const char *name;
        const char *subsystem;
} kinds[FL_BPF_KIND_MAX] = {
        [FL_BPF_BLOCK_RQ_ERROR] = {"block_rq_error", "block"},
        [FL_BPF_MC_EVENT] = {"mc_event", "ras"},
        [FL_BPF_AER_EVENT] = {"aer_event", "ras"},
        [FL_BPF_MEMORY_FAILURE_EVENT] = {"memory_failure_event", "ras"},
        [FL_BPF_EXTLOG_MEM_EVENT] = {"extlog_mem_event", "ras"},
        [FL_BPF_ARM_EVENT] = {"arm_event", "ras"},
        [FL_BPF_NON_STANDARD_EVENT] = {"non_standard_event", "ras"},
        [FL_BPF_MCE_RECORD] = {"mce_record", "mce"},
        [FL_BPF_THERMAL_ZONE_TRIP] = {"thermal_zone_trip", "thermal"},
        [FL_BPF_THERMAL_TEMPERATURE] = {"thermal_temperature", "thermal"},
};

/* include/linux/blk_types.h. INVAL was 19 from 6.11 and became 18 when the
 * gap was closed; both spell the same. */
static const char *const blk_status_names[] = {
        "BLK_STS_OK",
        "BLK_STS_NOTSUPP",
        "BLK_STS_TIMEOUT",
        "BLK_STS_NOSPC",
        "BLK_STS_TRANSPORT",
        "BLK_STS_TARGET",
        "BLK_STS_RESV_CONFLICT",
        "BLK_STS_MEDIUM",
        "BLK_STS_PROTECTION",
        "BLK_STS_RESOURCE",
        "BLK_STS_IOERR",
        "BLK_STS_DM_REQUEUE",
        "BLK_STS_AGAIN",
        "BLK_STS_DEV_RESOURCE",
        "BLK_STS_ZONE_OPEN_RESOURCE",
        "BLK_STS_ZONE_ACTIVE_RESOURCE",
        "BLK_STS_OFFLINE",
        "BLK_STS_DURATION_LIMIT",
        "BLK_STS_INVAL",
        "BLK_STS_INVAL",
};

static const char *const mc_type_names[] = {
        [FL_BPF_MC_CORRECTED] = "Corrected",
        [FL_BPF_MC_UNCORRECTED] = "Uncorrected",
        [FL_BPF_MC_DEFERRED] = "Deferred",
        [FL_BPF_MC_FATAL] = "Fatal",
        [FL_BPF_MC_INFO] = "Info",
        [FL_BPF_MC_UNKNOWN] = "Unknown",
};

/* AER_NONFATAL, AER_FATAL, AER_CORRECTABLE */
static const char *const aer_severity_names[] = {"Uncorrected", "Fatal", "Corrected"};

struct bit_name {
        unsigned bit;
        const char *name;
};

/* PCIe AER status register bits, as the kernel's aer_event prints them. */
static const struct bit_name aer_correctable[] = {
        {0, "Receiver Error"},
        {6, "Bad TLP"},
        {7, "Bad DLLP"},
        {8, "RELAY_NUM Rollover"},
        {12, "Replay Timer Timeout"},
        {13, "Advisory Non-Fatal"},
        {14, "Corrected Internal Error"},
        {15, "Header Log Overflow"},
};

static const struct bit_name aer_uncorrectable[] = {
        {4, "Data Link Protocol"},
        {5, "Surprise Down Error"},
        {12, "Poisoned TLP"},
        {13, "Flow Control Protocol"},
        {14, "Completion Timeout"},
        {15, "Completer Abort"},
        {16, "Unexpected Completion"},
        {17, "Receiver Overflow"},
        {18, "Malformed TLP"},
        {19, "ECRC"},
        {20, "Unsupported Request"},
        {21, "ACS Violation"},
        {22, "Uncorrectable Internal Error"},
        {23, "MC Blocked TLP"},
        {24, "AtomicOp Egress Blocked"},
        {25, "TLP Prefix Blocked Error"},
        {26, "Poisoned TLP Egress Blocked"},
};

/* CPER section severities (cper_severity_str). */
static const char *const cper_severity_names[] = {"recoverable", "fatal", "corrected", "info"};

/* CPER memory error types (cper_mem_err_type_strs). */
static const char *const cper_mem_type_names[] = {
        "unknown",
        "no error",
        "single-bit ECC",
        "multi-bit ECC",
        "single-symbol chipkill ECC",
        "multi-symbol chipkill ECC",
        "master abort",
        "target abort",
        "parity error",
        "watchdog timeout",
        "invalid address",
        "mirror Broken",
        "memory sparing",
        "scrub corrected error",
        "scrub uncorrected error",
        "physical memory map-out event",
};

/* enum mf_result */
static const char *const mf_result_names[] = {"Ignored", "Failed", "Delayed", "Recovered"};

/* enum thermal_trip_type */
static const char *const trip_type_names[] = {"ACTIVE", "PASSIVE", "HOT", "CRITICAL"};

#define CPER_MEM_VALID_PA           0x0002
#define CPER_MEM_VALID_PA_MASK      0x0004
#define CPER_MEM_VALID_NODE         0x0008
#define CPER_MEM_VALID_CARD         0x0010
#define CPER_MEM_VALID_MODULE       0x0020
#define CPER_MEM_VALID_BANK         0x0040
#define CPER_MEM_VALID_DEVICE       0x0080
#define CPER_MEM_VALID_ROW          0x0100
#define CPER_MEM_VALID_COLUMN       0x0200
#define CPER_MEM_VALID_BIT_POSITION 0x0400
#define CPER_MEM_VALID_ERROR_TYPE   0x4000
#define CPER_MEM_VALID_RANK_NUMBER  0x8000

#define MCI_STATUS_UC (1ULL << 61)

const char *fl_bpf_kind_to_string(unsigned kind) {
        return kind < ELEMENTSOF(kinds) ? kinds[kind].name : NULL;
}

const char *fl_bpf_kind_subsystem(unsigned kind) {
        return kind < ELEMENTSOF(kinds) ? kinds[kind].subsystem : NULL;
}

int fl_bpf_kind_from_string(const char *s) {
        if (!s)
                return -EINVAL;
        for (unsigned i = 0; i < ELEMENTSOF(kinds); i++)
                if (strcmp(s, kinds[i].name) == 0)
                        return (int) i;
        return -EINVAL;
}

const char *fl_blk_status_to_string(unsigned status) {
        return status < ELEMENTSOF(blk_status_names) ? blk_status_names[status] : NULL;
}

static const char *boot_id(const struct fl_bpf_context *ctx) {
        return ctx->boot_id ? ctx->boot_id : "unknown";
}

static const char *table_name(const char *const *table, size_t n, unsigned v) {
        return v < n ? table[v] : NULL;
}

/* ---- building an event ---- */

static void buf_reset(struct fl_bpf_event_buf *buf, unsigned kind) {
        buf->ev = (struct fl_event){
                .source = FL_SOURCE_BPF,
                .kind = fl_bpf_kind_to_string(kind),
                .count = 1,
        };
        buf->used = 0;
        buf->truncated = false;
}

_printf_(2, 0) static const
        char *buf_vprintf(struct fl_bpf_event_buf *buf, const char *fmt, va_list ap) {
        size_t room = sizeof(buf->text) - buf->used;
        char *p = buf->text + buf->used;
        int n;

        n = vsnprintf(p, room, fmt, ap);
        if (n < 0 || (size_t) n >= room) {
                buf->truncated = true;
                return NULL;
        }
        buf->used += (size_t) n + 1;
        return p;
}

_printf_(2, 3) static const char *buf_printf(struct fl_bpf_event_buf *buf, const char *fmt, ...) {
        const char *p;
        va_list ap;

        va_start(ap, fmt);
        p = buf_vprintf(buf, fmt, ap);
        va_end(ap);
        return p;
}

/* `name` must be a string literal: the event only borrows it. */
_printf_(3, 4) static void add(
        struct fl_bpf_event_buf *buf, const char *name, const char *fmt, ...) {
        const char *value;
        va_list ap;

        if (buf->ev.n_fields >= FL_EVENT_FIELDS_MAX) {
                buf->truncated = true;
                return;
        }
        va_start(ap, fmt);
        value = buf_vprintf(buf, fmt, ap);
        va_end(ap);
        if (!value)
                return;
        buf->ev.fields[buf->ev.n_fields++] = (struct fl_field){.name = name, .value = value};
}

/* A fixed-size char array from the kernel: never trusted to be terminated. */
static void add_chars(struct fl_bpf_event_buf *buf, const char *name, const char *s, size_t size) {
        add(buf, name, "%.*s", (int) strnlen(s, size), s);
}

static void add_name_or_number(struct fl_bpf_event_buf *buf, const char *name,
        const char *const *table, size_t n, unsigned v) {
        const char *s = table_name(table, n, v);

        if (s)
                add(buf, name, "%s", s);
        else
                add(buf, name, "%u", v);
}

static void add_guid(struct fl_bpf_event_buf *buf, const char *name, const __u8 g[16]) {
        /* guid_t as the kernel prints it (%pUl): the first three groups are
         * little-endian. */
        add(buf, name, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", g[3],
                g[2], g[1], g[0], g[5], g[4], g[7], g[6], g[8], g[9], g[10], g[11], g[12], g[13],
                g[14], g[15]);
}

static void add_flags(struct fl_bpf_event_buf *buf, const char *name, const struct bit_name *bits,
        size_t n, uint32_t v) {
        char s[512];
        size_t used = 0;

        s[0] = '\0';
        for (size_t i = 0; i < n; i++) {
                int k;

                if (!(v & (UINT32_C(1) << bits[i].bit)))
                        continue;
                k = snprintf(s + used, sizeof(s) - used, "%s%s", used ? "|" : "", bits[i].name);
                if (k < 0 || (size_t) k >= sizeof(s) - used)
                        break;
                used += (size_t) k;
        }
        add(buf, name, "%s", s);
}

static void set_header(const struct fl_bpf_context *ctx, const struct fl_bpf_header *h,
        struct fl_bpf_event_buf *buf) {
        buf->ev.monotonic_usec = h->mono_ns / 1000;
        if (ctx->realtime_offset_usec != 0)
                buf->ev.realtime_usec =
                        (uint64_t) ((int64_t) buf->ev.monotonic_usec + ctx->realtime_offset_usec);
        buf->ev.identity = buf_printf(
                buf, "bpf:%s:%" PRIu64 ":%u", boot_id(ctx), (uint64_t) h->boot_ns, h->cpu);
}

/* Looks up DEVNAME in ROOT/dev/block/MAJ:MIN/uevent; 0 and the name in
 * `ret` (size bytes), or -errno. */
static int disk_name_from_sysfs(
        const char *root, unsigned major, unsigned minor, char *ret, size_t size) {
        _cleanup_free_ char *path = NULL;
        _cleanup_fclose_ FILE *f = NULL;
        char line[256];
        size_t total = 0;

        if (asprintf(&path, "%s/dev/block/%u:%u/uevent", root, major, minor) < 0)
                return -ENOMEM;
        f = fopen(path, "re");
        if (!f)
                return negative_errno();
        while (fgets(line, sizeof(line), f)) {
                size_t n = strlen(line);

                total += n;
                if (total > UEVENT_MAX)
                        return -EFBIG;
                if (strncmp(line, "DEVNAME=", 8) != 0)
                        continue;
                line[strcspn(line, "\n")] = '\0';
                if (strlen(line + 8) >= size || line[8] == '\0')
                        return -EBADMSG;
                strcpy(ret, line + 8);
                return 0;
        }
        return -ENOENT;
}

static void add_disk(const struct fl_bpf_context *ctx, struct fl_bpf_event_buf *buf, __u32 dev,
        const char *disk, size_t size) {
        char name[FL_BPF_DISK_NAME_LEN + 1];

        if (strnlen(disk, size) > 0) {
                add_chars(buf, "disk", disk, size);
                return;
        }
        /* dev 0: the request had no disk; nothing to look up. */
        if (dev != 0 && ctx->sysfs_root &&
                disk_name_from_sysfs(
                        ctx->sysfs_root, dev >> 20, dev & 0xfffff, name, sizeof(name)) >= 0)
                add(buf, "disk", "%s", name);
}

/* ---- one formatter per kind ---- */

static void fmt_block_rq_error(
        const struct fl_bpf_context *ctx, const void *rec, struct fl_bpf_event_buf *buf) {
        const struct fl_bpf_block_rq_error *e = rec;
        const char *name = fl_blk_status_to_string(e->error);

        add(buf, "dev", "%u:%u", e->dev >> 20, e->dev & 0xfffff);
        add_disk(ctx, buf, e->dev, e->disk, sizeof(e->disk));
        add(buf, "sector", "%" PRIu64, (uint64_t) e->sector);
        add(buf, "nr_sector", "%u", e->nr_sector);
        add(buf, "error", "%u", e->error);
        if (name)
                add(buf, "error_name", "%s", name);
        else
                add(buf, "error_name", "BLK_STS_%u", e->error);
        add_chars(buf, "rwbs", e->rwbs, sizeof(e->rwbs));
}

static void fmt_mc_event(
        const struct fl_bpf_context *ctx, const void *rec, struct fl_bpf_event_buf *buf) {
        const struct fl_bpf_mc_event *e = rec;

        add_name_or_number(
                buf, "error_type", mc_type_names, ELEMENTSOF(mc_type_names), e->error_type);
        add(buf, "error_count", "%d", e->error_count);
        add_chars(buf, "msg", e->msg, sizeof(e->msg));
        add_chars(buf, "label", e->label, sizeof(e->label));
        add(buf, "mc_index", "%u", e->mc_index);
        add(buf, "top_layer", "%d", e->top_layer);
        add(buf, "middle_layer", "%d", e->middle_layer);
        add(buf, "lower_layer", "%d", e->lower_layer);
        add(buf, "address", "0x%" PRIx64, (uint64_t) e->address);
        if (e->grain_bits < 64)
                add(buf, "grain", "%" PRIu64, UINT64_C(1) << e->grain_bits);
        add(buf, "grain_bits", "%u", e->grain_bits);
        add(buf, "syndrome", "0x%" PRIx64, (uint64_t) e->syndrome);
        add_chars(buf, "driver_detail", e->driver_detail, sizeof(e->driver_detail));
}

static void fmt_aer_event(
        const struct fl_bpf_context *ctx, const void *rec, struct fl_bpf_event_buf *buf) {
        const struct fl_bpf_aer_event *e = rec;

        add_chars(buf, "dev_name", e->dev_name, sizeof(e->dev_name));
        if (strnlen(e->bus_type, sizeof(e->bus_type)) > 0)
                add_chars(buf, "bus_type", e->bus_type, sizeof(e->bus_type));
        add(buf, "status", "0x%x", e->status);
        add_name_or_number(
                buf, "severity", aer_severity_names, ELEMENTSOF(aer_severity_names), e->severity);
        if (e->severity == 2)
                add_flags(buf, "errors", aer_correctable, ELEMENTSOF(aer_correctable), e->status);
        else
                add_flags(
                        buf, "errors", aer_uncorrectable, ELEMENTSOF(aer_uncorrectable), e->status);
        add(buf, "tlp_header_valid", "%u", e->tlp_header_valid);
        if (e->tlp_header_valid)
                add(buf, "tlp_header", "%08x %08x %08x %08x", e->tlp_header[0], e->tlp_header[1],
                        e->tlp_header[2], e->tlp_header[3]);
}

static void fmt_memory_failure_event(
        const struct fl_bpf_context *ctx, const void *rec, struct fl_bpf_event_buf *buf) {
        const struct fl_bpf_memory_failure_event *e = rec;

        add(buf, "pfn", "0x%" PRIx64, (uint64_t) e->pfn);
        if (e->type >= 0 && (size_t) e->type < ctx->n_mf_type_names && ctx->mf_type_names &&
                ctx->mf_type_names[e->type])
                add(buf, "type", "%s", ctx->mf_type_names[e->type]);
        else
                add(buf, "type", "%d", e->type);
        add_name_or_number(
                buf, "result", mf_result_names, ELEMENTSOF(mf_result_names), (unsigned) e->result);
}

static void fmt_extlog_mem_event(
        const struct fl_bpf_context *ctx, const void *rec, struct fl_bpf_event_buf *buf) {
        const struct fl_bpf_extlog_mem_event *e = rec;
        uint64_t v = e->validation_bits;

        add(buf, "err_seq", "%u", e->err_seq);
        if (v & CPER_MEM_VALID_ERROR_TYPE)
                add_name_or_number(buf, "etype", cper_mem_type_names,
                        ELEMENTSOF(cper_mem_type_names), e->error_type);
        if (v & CPER_MEM_VALID_PA)
                add(buf, "pa", "0x%" PRIx64, (uint64_t) e->physical_addr);
        if ((v & CPER_MEM_VALID_PA_MASK) && e->physical_addr_mask != 0)
                add(buf, "pa_mask_lsb", "%d", __builtin_ctzll(e->physical_addr_mask));
        add_guid(buf, "fru_id", e->fru_id);
        add_chars(buf, "fru_text", e->fru_text, sizeof(e->fru_text));
        add_name_or_number(
                buf, "sev", cper_severity_names, ELEMENTSOF(cper_severity_names), e->severity);
        if (v & CPER_MEM_VALID_NODE)
                add(buf, "node", "%u", e->node);
        if (v & CPER_MEM_VALID_CARD)
                add(buf, "card", "%u", e->card);
        if (v & CPER_MEM_VALID_MODULE)
                add(buf, "module", "%u", e->module);
        if (v & CPER_MEM_VALID_BANK)
                add(buf, "bank", "%u", e->bank);
        if (v & CPER_MEM_VALID_DEVICE)
                add(buf, "device", "%u", e->device);
        if (v & CPER_MEM_VALID_ROW)
                add(buf, "row", "%u", e->row);
        if (v & CPER_MEM_VALID_COLUMN)
                add(buf, "column", "%u", e->column);
        if (v & CPER_MEM_VALID_BIT_POSITION)
                add(buf, "bit_pos", "%u", e->bit_pos);
        if (v & CPER_MEM_VALID_RANK_NUMBER)
                add(buf, "rank", "%u", e->rank);
}

static void fmt_arm_event(
        const struct fl_bpf_context *ctx, const void *rec, struct fl_bpf_event_buf *buf) {
        const struct fl_bpf_arm_event *e = rec;

        add(buf, "mpidr", "0x%" PRIx64, (uint64_t) e->mpidr);
        add(buf, "midr", "0x%" PRIx64, (uint64_t) e->midr);
        add(buf, "running_state", "%u", e->running_state);
        add(buf, "psci_state", "%u", e->psci_state);
        if (e->affinity_level != 0xff)
                add(buf, "affinity", "%u", e->affinity_level);
        if (e->severity != 0xff)
                add_name_or_number(buf, "sev", cper_severity_names, ELEMENTSOF(cper_severity_names),
                        e->severity);
        if (e->cpu_arg >= 0) {
                add(buf, "cpu", "%d", e->cpu_arg);
                add(buf, "pei_len", "%u", e->pei_len);
                add(buf, "ctx_len", "%u", e->ctx_len);
                add(buf, "oem_len", "%u", e->oem_len);
        }
}

static void fmt_non_standard_event(
        const struct fl_bpf_context *ctx, const void *rec, struct fl_bpf_event_buf *buf) {
        const struct fl_bpf_non_standard_event *e = rec;

        add_guid(buf, "sec_type", e->sec_type);
        add_guid(buf, "fru_id", e->fru_id);
        add_chars(buf, "fru_text", e->fru_text, sizeof(e->fru_text));
        add_name_or_number(
                buf, "sev", cper_severity_names, ELEMENTSOF(cper_severity_names), e->severity);
        add(buf, "len", "%u", e->len);
}

static void fmt_mce_record(
        const struct fl_bpf_context *ctx, const void *rec, struct fl_bpf_event_buf *buf) {
        const struct fl_bpf_mce_record *e = rec;

        add(buf, "cpu", "%u", e->cpu);
        add(buf, "bank", "%u", e->bank);
        add(buf, "status", "0x%016" PRIx64, (uint64_t) e->status);
        add(buf, "uncorrected", "%s", e->status & MCI_STATUS_UC ? "true" : "false");
        add(buf, "addr", "0x%" PRIx64, (uint64_t) e->addr);
        add(buf, "misc", "0x%" PRIx64, (uint64_t) e->misc);
        add(buf, "synd", "0x%" PRIx64, (uint64_t) e->synd);
        add(buf, "ipid", "0x%" PRIx64, (uint64_t) e->ipid);
        add(buf, "mcgcap", "0x%" PRIx64, (uint64_t) e->mcgcap);
        add(buf, "mcgstatus", "0x%" PRIx64, (uint64_t) e->mcgstatus);
        add(buf, "ip", "0x%" PRIx64, (uint64_t) e->ip);
        add(buf, "cs", "%u", e->cs);
        add(buf, "tsc", "%" PRIu64, (uint64_t) e->tsc);
        add(buf, "walltime", "%" PRIu64, (uint64_t) e->walltime);
        add(buf, "ppin", "0x%" PRIx64, (uint64_t) e->ppin);
        add(buf, "cpuid", "0x%x", e->cpuid);
        add(buf, "apicid", "%u", e->apicid);
        add(buf, "socketid", "%u", e->socketid);
        add(buf, "cpuvendor", "%u", e->cpuvendor);
        add(buf, "microcode", "0x%x", e->microcode);
}

static void fmt_thermal_zone_trip(
        const struct fl_bpf_context *ctx, const void *rec, struct fl_bpf_event_buf *buf) {
        const struct fl_bpf_thermal_zone_trip *e = rec;

        add_chars(buf, "thermal_zone", e->type, sizeof(e->type));
        add(buf, "id", "%d", e->id);
        add(buf, "trip", "%d", e->trip);
        add_name_or_number(
                buf, "trip_type", trip_type_names, ELEMENTSOF(trip_type_names), e->trip_type);
        add(buf, "temp", "%d", e->temp);
}

static void fmt_thermal_temperature(
        const struct fl_bpf_context *ctx, const void *rec, struct fl_bpf_event_buf *buf) {
        const struct fl_bpf_thermal_temperature *e = rec;

        add_chars(buf, "thermal_zone", e->type, sizeof(e->type));
        add(buf, "id", "%d", e->id);
        add(buf, "temp_prev", "%d", e->temp_prev);
        add(buf, "temp", "%d", e->temp);
}

typedef void (*fmt_fn)(
        const struct fl_bpf_context *ctx, const void *rec, struct fl_bpf_event_buf *buf);

static const struct {
        size_t size;
        fmt_fn fmt;
} formats[FL_BPF_KIND_MAX] = {
        [FL_BPF_BLOCK_RQ_ERROR] = {sizeof(struct fl_bpf_block_rq_error), fmt_block_rq_error},
        [FL_BPF_MC_EVENT] = {sizeof(struct fl_bpf_mc_event), fmt_mc_event},
        [FL_BPF_AER_EVENT] = {sizeof(struct fl_bpf_aer_event), fmt_aer_event},
        [FL_BPF_MEMORY_FAILURE_EVENT] = {sizeof(struct fl_bpf_memory_failure_event),
                fmt_memory_failure_event},
        [FL_BPF_EXTLOG_MEM_EVENT] = {sizeof(struct fl_bpf_extlog_mem_event), fmt_extlog_mem_event},
        [FL_BPF_ARM_EVENT] = {sizeof(struct fl_bpf_arm_event), fmt_arm_event},
        [FL_BPF_NON_STANDARD_EVENT] = {sizeof(struct fl_bpf_non_standard_event),
                fmt_non_standard_event},
        [FL_BPF_MCE_RECORD] = {sizeof(struct fl_bpf_mce_record), fmt_mce_record},
        [FL_BPF_THERMAL_ZONE_TRIP] = {sizeof(struct fl_bpf_thermal_zone_trip),
                fmt_thermal_zone_trip},
        [FL_BPF_THERMAL_TEMPERATURE] = {sizeof(struct fl_bpf_thermal_temperature),
                fmt_thermal_temperature},
};

int fl_bpf_record_to_event(const struct fl_bpf_context *ctx, const void *rec, size_t size,
        struct fl_bpf_event_buf *buf) {
        const struct fl_bpf_header *h = rec;

        if (!ctx || !rec || !buf || size < sizeof(*h))
                return size < sizeof(*h) ? -EBADMSG : -EINVAL;
        if (h->kind >= FL_BPF_KIND_MAX)
                return -EINVAL;
        if (size != formats[h->kind].size)
                return -EBADMSG;

        buf_reset(buf, h->kind);
        set_header(ctx, h, buf);
        formats[h->kind].fmt(ctx, rec, buf);
        return 0;
}

/* ---- reconciliation events ---- */

static void lost_reset(const struct fl_bpf_context *ctx, unsigned kind, uint64_t count,
        uint64_t now_usec, struct fl_bpf_event_buf *buf) {
        buf_reset(buf, kind);
        buf->ev.count = count;
        buf->ev.monotonic_usec = now_usec;
        if (ctx->realtime_offset_usec != 0)
                buf->ev.realtime_usec = (uint64_t) ((int64_t) now_usec + ctx->realtime_offset_usec);
        add(buf, "reconciled", "true");
}

int fl_bpf_lost_to_event(const struct fl_bpf_context *ctx, const struct fl_bpf_key *key,
        uint64_t count, uint64_t lost_total, uint64_t now_usec, struct fl_bpf_event_buf *buf) {
        const char *name;
        size_t name_len;

        if (!ctx || !key || !buf || key->kind >= FL_BPF_KIND_MAX)
                return -EINVAL;

        name = key->name;
        name_len = strnlen(key->name, sizeof(key->name));
        lost_reset(ctx, key->kind, count, now_usec, buf);
        buf->ev.identity =
                buf_printf(buf, "bpf:%s:lost:%s:%u:%" PRIu64 ":%" PRIu64 ":%.*s:%" PRIu64,
                        boot_id(ctx), fl_bpf_kind_to_string(key->kind), key->code,
                        (uint64_t) key->a, (uint64_t) key->b, (int) name_len, name, lost_total);

        switch (key->kind) {
        case FL_BPF_BLOCK_RQ_ERROR: {
                const char *s = fl_blk_status_to_string(key->code);
                __u32 dev = (__u32) key->a;

                add(buf, "dev", "%u:%u", dev >> 20, dev & 0xfffff);
                add_disk(ctx, buf, dev, key->name, sizeof(key->name));
                add(buf, "error", "%u", key->code);
                if (s)
                        add(buf, "error_name", "%s", s);
                else
                        add(buf, "error_name", "BLK_STS_%u", key->code);
                break;
        }
        case FL_BPF_MC_EVENT:
                add_name_or_number(
                        buf, "error_type", mc_type_names, ELEMENTSOF(mc_type_names), key->code);
                add(buf, "mc_index", "%" PRIu64, (uint64_t) key->a);
                add(buf, "top_layer", "%d", (int8_t) (key->b >> 16));
                add(buf, "middle_layer", "%d", (int8_t) (key->b >> 8));
                add(buf, "lower_layer", "%d", (int8_t) key->b);
                add_chars(buf, "label", name, sizeof(key->name));
                break;
        case FL_BPF_AER_EVENT:
                add_chars(buf, "dev_name", name, sizeof(key->name));
                add_name_or_number(buf, "severity", aer_severity_names,
                        ELEMENTSOF(aer_severity_names), key->code);
                break;
        case FL_BPF_MEMORY_FAILURE_EVENT:
                if (key->a < ctx->n_mf_type_names && ctx->mf_type_names &&
                        ctx->mf_type_names[key->a])
                        add(buf, "type", "%s", ctx->mf_type_names[key->a]);
                else
                        add(buf, "type", "%d", (int32_t) key->a);
                add_name_or_number(
                        buf, "result", mf_result_names, ELEMENTSOF(mf_result_names), key->code);
                break;
        case FL_BPF_EXTLOG_MEM_EVENT:
                add_name_or_number(buf, "etype", cper_mem_type_names,
                        ELEMENTSOF(cper_mem_type_names), (unsigned) key->a);
                add_name_or_number(buf, "sev", cper_severity_names, ELEMENTSOF(cper_severity_names),
                        key->code);
                break;
        case FL_BPF_ARM_EVENT:
                add(buf, "mpidr", "0x%" PRIx64, (uint64_t) key->a);
                if (key->code != 0xff)
                        add_name_or_number(buf, "sev", cper_severity_names,
                                ELEMENTSOF(cper_severity_names), key->code);
                break;
        case FL_BPF_NON_STANDARD_EVENT: {
                __u8 guid[16];

                memcpy(guid, &key->a, 8);
                memcpy(guid + 8, &key->b, 8);
                add_guid(buf, "sec_type", guid);
                add_name_or_number(buf, "sev", cper_severity_names, ELEMENTSOF(cper_severity_names),
                        key->code);
                break;
        }
        case FL_BPF_MCE_RECORD:
                add(buf, "bank", "%u", key->code);
                add(buf, "socketid", "%" PRIu64, (uint64_t) key->a);
                add(buf, "uncorrected", "%s", key->b ? "true" : "false");
                break;
        case FL_BPF_THERMAL_ZONE_TRIP:
                add_chars(buf, "thermal_zone", name, sizeof(key->name));
                add(buf, "id", "%d", (int32_t) key->a);
                add(buf, "trip", "%d", (int32_t) key->code);
                add_name_or_number(buf, "trip_type", trip_type_names, ELEMENTSOF(trip_type_names),
                        (unsigned) key->b);
                break;
        case FL_BPF_THERMAL_TEMPERATURE:
                add_chars(buf, "thermal_zone", name, sizeof(key->name));
                add(buf, "id", "%d", (int32_t) key->a);
                break;
        }
        return 0;
}

int fl_bpf_unkeyed_to_event(const struct fl_bpf_context *ctx, unsigned kind, uint64_t count,
        uint64_t lost_total, uint64_t now_usec, struct fl_bpf_event_buf *buf) {
        if (!ctx || !buf || kind >= FL_BPF_KIND_MAX)
                return -EINVAL;
        lost_reset(ctx, kind, count, now_usec, buf);
        add(buf, "unkeyed", "true");
        buf->ev.identity = buf_printf(buf, "bpf:%s:lost:%s:unkeyed:%" PRIu64, boot_id(ctx),
                fl_bpf_kind_to_string(kind), lost_total);
        return 0;
}
