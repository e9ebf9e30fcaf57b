/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The record formatter (agent/bpf_event.c) on crafted ring-buffer records:
 * every kind's fields, the bounds on kernel strings, disk names from a fake
 * sysfs tree, reconciliation events and the malformed-record errors. No BPF.
 */
#include "fl_test.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "bpf_event.h"
#include "macro.h"

#define BOOT_ID "0123456789abcdef0123456789abcdef"

struct field {
        const char *name, *value;
};

struct record_case {
        const char *name;
        const void *rec;
        size_t size;
        bool with_sysfs; /* point sysfs_root at the fake tree */
        bool with_mf_names;
        struct field fields[24];
        const char *absent[8]; /* fields that must not be there */
};

static const char *field(const struct fl_event *ev, const char *name) {
        return fl_event_field(ev, name);
}

static void check_fields(const char *what, const struct fl_event *ev, const struct field *fields,
        size_t n, const char *const *absent, size_t n_absent) {
        for (size_t i = 0; i < n && fields[i].name; i++) {
                const char *v = field(ev, fields[i].name);

                if (!v)
                        fail_msg("%s: no field %s", what, fields[i].name);
                if (strcmp(v, fields[i].value) != 0)
                        fail_msg("%s: %s = '%s', expected '%s'", what, fields[i].name, v,
                                fields[i].value);
        }
        for (size_t i = 0; i < n_absent && absent[i]; i++)
                if (field(ev, absent[i]))
                        fail_msg("%s: unexpected field %s = '%s'", what, absent[i],
                                field(ev, absent[i]));
}

static const struct fl_bpf_block_rq_error blk_named = {
        .h = {.mono_ns = 5021331000,
                .boot_ns = 5021400123,
                .kind = FL_BPF_BLOCK_RQ_ERROR,
                .cpu = 1},
        .sector = 2048,
        .dev = 7u << 20 | 0,
        .error = 10,
        .nr_sector = 8,
        .rwbs = "R",
        .disk = "loop0",
};
static const struct fl_bpf_block_rq_error blk_unnamed = {
        .h = {.kind = FL_BPF_BLOCK_RQ_ERROR},
        .sector = 7,
        .dev = 7u << 20 | 5,
        .error = 42,
        .nr_sector = 1,
        .rwbs = "WS",
};
static const struct fl_bpf_block_rq_error blk_unknown_dev = {
        .h = {.kind = FL_BPF_BLOCK_RQ_ERROR},
        .dev = 8u << 20 | 16,
        .error = 7,
        .rwbs = "R",
};

static struct fl_bpf_mc_event mc_long_label(void) {
        struct fl_bpf_mc_event e = {
                .h = {.kind = FL_BPF_MC_EVENT},
                .error_type = FL_BPF_MC_UNCORRECTED,
                .error_count = 1,
                .mc_index = 2,
                .top_layer = 1,
                .middle_layer = 0,
                .lower_layer = -1,
                .grain_bits = 12,
                .address = 0xabc000,
                .syndrome = 0,
                .msg = "memory scrubbing error",
        };

        /* Not terminated: the formatter must stop at the array's end. */
        memset(e.label, 'A', sizeof(e.label));
        memset(e.driver_detail, 'd', sizeof(e.driver_detail));
        return e;
}

static const struct fl_bpf_aer_event aer_nonfatal = {
        .h = {.kind = FL_BPF_AER_EVENT},
        .status = 1u << 20,
        .severity = 0,
        .dev_name = "0000:af:00.1",
};

static const struct fl_bpf_memory_failure_event mf_named = {
        .h = {.kind = FL_BPF_MEMORY_FAILURE_EVENT},
        .pfn = 0x1f00d,
        .type = 1,
        .result = 1,
};
static const struct fl_bpf_memory_failure_event mf_unnamed = {
        .h = {.kind = FL_BPF_MEMORY_FAILURE_EVENT},
        .pfn = 1,
        .type = 99,
        .result = 9,
};

static const struct fl_bpf_extlog_mem_event extlog = {
        .h = {.kind = FL_BPF_EXTLOG_MEM_EVENT},
        .validation_bits = 0x0002 | 0x0004 | 0x4000 | 0x0008 | 0x8000,
        .physical_addr = 0x7f001000,
        .physical_addr_mask = 0xfffffffffffff000ull,
        .err_seq = 17,
        .node = 1,
        .card = 9,
        .rank = 3,
        .error_type = 2,
        .severity = 2,
        .fru_id = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0d,
                0x0e, 0x0f, 0x10},
        .fru_text = "DIMM_C1",
};

static const struct fl_bpf_arm_event arm_old_kernel = {
        .h = {.kind = FL_BPF_ARM_EVENT},
        .mpidr = 0x100,
        .midr = 0x410fd0c0,
        .affinity_level = 0xff,
        .severity = 0xff,
        .cpu_arg = -1,
};

static const struct fl_bpf_mce_record mce_uc = {
        .h = {.kind = FL_BPF_MCE_RECORD},
        .status = 0xbe00000000800400ull,
        .addr = 0x1234,
        .bank = 4,
        .cpu = 12,
        .socketid = 1,
        .microcode = 0x2b000590,
};

static const struct fl_bpf_thermal_zone_trip trip_odd = {
        .h = {.kind = FL_BPF_THERMAL_ZONE_TRIP},
        .id = 0,
        .trip = 4,
        .trip_type = 7,
        .temp = -5000,
        .type = "soc_dts0",
};

static const struct fl_bpf_non_standard_event ns = {
        .h = {.kind = FL_BPF_NON_STANDARD_EVENT},
        .sec_type = {0xff},
        .severity = 3,
        .len = 0,
        .fru_text = "",
};

static void test_records(void **state) {
        _cleanup_free_ char *sysfs = fl_test_mkdtemp();
        _cleanup_free_ char *uevent = NULL;
        struct fl_bpf_mc_event mc = mc_long_label();
        static const char *const mf_names[] = {"MF_MSG_KERNEL", "MF_MSG_KERNEL_HIGH_ORDER"};
        char long_label[129], long_detail[257];
        const struct record_case cases[] = {
                {
                        .name = "block, disk name from the kernel",
                        .rec = &blk_named,
                        .size = sizeof(blk_named),
                        .fields =
                                {
                                        {"dev", "7:0"},
                                        {"disk", "loop0"},
                                        {"sector", "2048"},
                                        {"nr_sector", "8"},
                                        {"error", "10"},
                                        {"error_name", "BLK_STS_IOERR"},
                                        {"rwbs", "R"},
                                },
                },
                {
                        .name = "block, disk name from sysfs, unknown status",
                        .rec = &blk_unnamed,
                        .size = sizeof(blk_unnamed),
                        .with_sysfs = true,
                        .fields =
                                {
                                        {"dev", "7:5"},
                                        {"disk", "loop5"},
                                        {"error", "42"},
                                        {"error_name", "BLK_STS_42"},
                                        {"rwbs", "WS"},
                                },
                },
                {
                        .name = "block, device sysfs does not know",
                        .rec = &blk_unknown_dev,
                        .size = sizeof(blk_unknown_dev),
                        .with_sysfs = true,
                        .fields = {{"dev", "8:16"}, {"error_name", "BLK_STS_MEDIUM"}},
                        .absent = {"disk"},
                },
                {
                        .name = "mc_event, unterminated strings",
                        .rec = &mc,
                        .size = sizeof(mc),
                        .fields =
                                {
                                        {"error_type", "Uncorrected"},
                                        {"mc_index", "2"},
                                        {"top_layer", "1"},
                                        {"middle_layer", "0"},
                                        {"lower_layer", "-1"},
                                        {"grain", "4096"},
                                        {"address", "0xabc000"},
                                        {"msg", "memory scrubbing error"},
                                        {"label", long_label},
                                        {"driver_detail", long_detail},
                                },
                },
                {
                        .name = "aer_event, uncorrected non-fatal",
                        .rec = &aer_nonfatal,
                        .size = sizeof(aer_nonfatal),
                        .fields =
                                {
                                        {"dev_name", "0000:af:00.1"},
                                        {"severity", "Uncorrected"},
                                        {"errors", "Unsupported Request"},
                                        {"status", "0x100000"},
                                        {"tlp_header_valid", "0"},
                                },
                        .absent = {"bus_type", "tlp_header"},
                },
                {
                        .name = "memory_failure_event, names from BTF",
                        .rec = &mf_named,
                        .size = sizeof(mf_named),
                        .with_mf_names = true,
                        .fields =
                                {
                                        {"pfn", "0x1f00d"},
                                        {"type", "MF_MSG_KERNEL_HIGH_ORDER"},
                                        {"result", "Failed"},
                                },
                },
                {
                        .name = "memory_failure_event, values without names",
                        .rec = &mf_unnamed,
                        .size = sizeof(mf_unnamed),
                        .with_mf_names = true,
                        .fields = {{"type", "99"}, {"result", "9"}},
                },
                {
                        .name = "extlog_mem_event, only valid fields",
                        .rec = &extlog,
                        .size = sizeof(extlog),
                        .fields =
                                {
                                        {"err_seq", "17"},
                                        {"etype", "single-bit ECC"},
                                        {"pa", "0x7f001000"},
                                        {"pa_mask_lsb", "12"},
                                        {"fru_id", "04030201-0605-0807-090a-0b0c0d0e0f10"},
                                        {"fru_text", "DIMM_C1"},
                                        {"sev", "corrected"},
                                        {"node", "1"},
                                        {"rank", "3"},
                                },
                        .absent = {"card", "module", "bank", "row", "column"},
                },
                {
                        .name = "arm_event from a kernel with the one-argument tracepoint",
                        .rec = &arm_old_kernel,
                        .size = sizeof(arm_old_kernel),
                        .fields = {{"mpidr", "0x100"}, {"midr", "0x410fd0c0"}},
                        .absent = {"sev", "cpu", "affinity", "pei_len"},
                },
                {
                        .name = "mce_record uncorrected",
                        .rec = &mce_uc,
                        .size = sizeof(mce_uc),
                        .fields =
                                {
                                        {"bank", "4"},
                                        {"cpu", "12"},
                                        {"uncorrected", "true"},
                                        {"status", "0xbe00000000800400"},
                                        {"addr", "0x1234"},
                                        {"socketid", "1"},
                                        {"microcode", "0x2b000590"},
                                },
                },
                {
                        .name = "thermal_zone_trip, unknown trip type",
                        .rec = &trip_odd,
                        .size = sizeof(trip_odd),
                        .fields =
                                {
                                        {"thermal_zone", "soc_dts0"},
                                        {"trip", "4"},
                                        {"trip_type", "7"},
                                        {"temp", "-5000"},
                                },
                },
                {
                        .name = "non_standard_event",
                        .rec = &ns,
                        .size = sizeof(ns),
                        .fields =
                                {
                                        {"sec_type", "000000ff-0000-0000-0000-000000000000"},
                                        {"sev", "info"},
                                        {"fru_text", ""},
                                        {"len", "0"},
                                },
                },
        };

        memset(long_label, 'A', 128);
        long_label[128] = '\0';
        memset(long_detail, 'd', 256);
        long_detail[256] = '\0';
        uevent = fl_test_write_file(sysfs, "dev/block/7:5/uevent",
                "MAJOR=7\nMINOR=5\nDEVNAME=loop5\nDEVTYPE=disk\nDISKSEQ=12\n");

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                const struct record_case *c = &cases[i];
                struct fl_bpf_context ctx = {
                        .boot_id = BOOT_ID,
                        .sysfs_root = c->with_sysfs ? sysfs : NULL,
                        .mf_type_names = c->with_mf_names ? mf_names : NULL,
                        .n_mf_type_names = c->with_mf_names ? ELEMENTSOF(mf_names) : 0,
                };
                struct fl_bpf_event_buf *buf = malloc(sizeof(*buf));

                assert_non_null(buf);
                assert_int_equal(fl_bpf_record_to_event(&ctx, c->rec, c->size, buf), 0);
                assert_string_equal(buf->ev.kind,
                        fl_bpf_kind_to_string(((const struct fl_bpf_header *) c->rec)->kind));
                assert_int_equal(buf->ev.source, FL_SOURCE_BPF);
                assert_int_equal(buf->ev.count, 1);
                assert_false(buf->truncated);
                check_fields(c->name, &buf->ev, c->fields, ELEMENTSOF(c->fields), c->absent,
                        ELEMENTSOF(c->absent));
                free(buf);
        }
        fl_test_rm_rf(sysfs);
}

static void test_header(void **state) {
        struct fl_bpf_context ctx = {.boot_id = BOOT_ID, .realtime_offset_usec = 1000000000000};
        struct fl_bpf_event_buf buf;

        assert_int_equal(fl_bpf_record_to_event(&ctx, &blk_named, sizeof(blk_named), &buf), 0);
        assert_string_equal(buf.ev.identity, "bpf:" BOOT_ID ":5021400123:1");
        assert_int_equal(buf.ev.monotonic_usec, 5021331);
        assert_int_equal(buf.ev.realtime_usec, 1000000000000 + 5021331);

        /* No offset known: no wall clock rather than a wrong one. */
        ctx.realtime_offset_usec = 0;
        ctx.boot_id = NULL;
        assert_int_equal(fl_bpf_record_to_event(&ctx, &blk_named, sizeof(blk_named), &buf), 0);
        assert_int_equal(buf.ev.realtime_usec, 0);
        assert_string_equal(buf.ev.identity, "bpf:unknown:5021400123:1");
}

static void test_malformed(void **state) {
        struct fl_bpf_context ctx = {.boot_id = BOOT_ID};
        struct fl_bpf_block_rq_error bad_kind = blk_named;
        struct fl_bpf_event_buf buf;

        bad_kind.h.kind = FL_BPF_KIND_MAX;
        assert_int_equal(
                fl_bpf_record_to_event(&ctx, &blk_named, sizeof(blk_named) - 1, &buf), -EBADMSG);
        assert_int_equal(
                fl_bpf_record_to_event(&ctx, &blk_named, sizeof(blk_named) + 8, &buf), -EBADMSG);
        assert_int_equal(fl_bpf_record_to_event(&ctx, &blk_named, 8, &buf), -EBADMSG);
        /* A header of another kind with this kind's size. */
        assert_int_equal(fl_bpf_record_to_event(&ctx, &mce_uc, sizeof(blk_named), &buf), -EBADMSG);
        assert_int_equal(fl_bpf_record_to_event(&ctx, &bad_kind, sizeof(bad_kind), &buf), -EINVAL);
        assert_int_equal(
                fl_bpf_record_to_event(NULL, &blk_named, sizeof(blk_named), &buf), -EINVAL);
}

struct lost_case {
        struct fl_bpf_key key;
        uint64_t count, lost_total;
        const char *identity;
        struct field fields[8];
};

static void test_lost(void **state) {
        const struct lost_case cases[] = {
                {
                        .key = {.kind = FL_BPF_BLOCK_RQ_ERROR,
                                .code = 10,
                                .a = 7u << 20 | 2,
                                .name = "loop2"},
                        .count = 17,
                        .lost_total = 40,
                        .identity = "bpf:" BOOT_ID ":lost:block_rq_error:10:7340034:0:loop2:40",
                        .fields = {{"dev", "7:2"}, {"disk", "loop2"}, {"error", "10"},
                                {"error_name", "BLK_STS_IOERR"}, {"reconciled", "true"}},
                },
                {
                        .key = {.kind = FL_BPF_MC_EVENT,
                                .code = FL_BPF_MC_CORRECTED,
                                .a = 1,
                                .b = 0x0201ff,
                                .name = "DIMM_A1"},
                        .count = 1000,
                        .lost_total = 1000,
                        .identity = "bpf:" BOOT_ID ":lost:mc_event:0:1:131583:DIMM_A1:1000",
                        .fields = {{"error_type", "Corrected"}, {"mc_index", "1"},
                                {"top_layer", "2"}, {"middle_layer", "1"}, {"lower_layer", "-1"},
                                {"label", "DIMM_A1"}},
                },
                {
                        .key = {.kind = FL_BPF_THERMAL_ZONE_TRIP,
                                .code = 1,
                                .a = 4,
                                .b = 3,
                                .name = "acpitz"},
                        .count = 2,
                        .lost_total = 2,
                        .identity = "bpf:" BOOT_ID ":lost:thermal_zone_trip:1:4:3:acpitz:2",
                        .fields = {{"thermal_zone", "acpitz"}, {"id", "4"}, {"trip", "1"},
                                {"trip_type", "CRITICAL"}},
                },
                {
                        .key = {.kind = FL_BPF_AER_EVENT, .code = 1, .name = "0000:3b:00.0"},
                        .count = 3,
                        .lost_total = 3,
                        .identity = "bpf:" BOOT_ID ":lost:aer_event:1:0:0:0000:3b:00.0:3",
                        .fields = {{"dev_name", "0000:3b:00.0"}, {"severity", "Fatal"}},
                },
                {
                        .key = {.kind = FL_BPF_MCE_RECORD, .code = 5, .a = 1, .b = 1},
                        .count = 9,
                        .lost_total = 9,
                        .identity = "bpf:" BOOT_ID ":lost:mce_record:5:1:1::9",
                        .fields = {{"bank", "5"}, {"socketid", "1"}, {"uncorrected", "true"}},
                },
        };
        struct fl_bpf_context ctx = {.boot_id = BOOT_ID, .realtime_offset_usec = 10};
        struct fl_bpf_event_buf buf;
        struct fl_bpf_key bad = {.kind = FL_BPF_KIND_MAX};

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                const struct lost_case *c = &cases[i];

                assert_int_equal(
                        fl_bpf_lost_to_event(&ctx, &c->key, c->count, c->lost_total, 777, &buf), 0);
                assert_string_equal(buf.ev.kind, fl_bpf_kind_to_string(c->key.kind));
                assert_int_equal(buf.ev.count, c->count);
                assert_int_equal(buf.ev.monotonic_usec, 777);
                assert_int_equal(buf.ev.realtime_usec, 787);
                assert_string_equal(buf.ev.identity, c->identity);
                assert_string_equal(field(&buf.ev, "reconciled"), "true");
                check_fields(c->identity, &buf.ev, c->fields, ELEMENTSOF(c->fields), NULL, 0);
        }

        assert_int_equal(fl_bpf_unkeyed_to_event(&ctx, FL_BPF_MC_EVENT, 5, 12, 1, &buf), 0);
        assert_int_equal(buf.ev.count, 5);
        assert_string_equal(buf.ev.identity, "bpf:" BOOT_ID ":lost:mc_event:unkeyed:12");
        assert_string_equal(field(&buf.ev, "unkeyed"), "true");
        assert_string_equal(field(&buf.ev, "reconciled"), "true");

        assert_int_equal(fl_bpf_lost_to_event(&ctx, &bad, 1, 1, 1, &buf), -EINVAL);
        assert_int_equal(fl_bpf_lost_to_event(&ctx, NULL, 1, 1, 1, &buf), -EINVAL);
        assert_int_equal(fl_bpf_unkeyed_to_event(&ctx, FL_BPF_KIND_MAX, 1, 1, 1, &buf), -EINVAL);
}

static void test_names(void **state) {
        static const char *const kinds[FL_BPF_KIND_MAX] = {
                "block_rq_error",
                "mc_event",
                "aer_event",
                "memory_failure_event",
                "extlog_mem_event",
                "arm_event",
                "non_standard_event",
                "mce_record",
                "thermal_zone_trip",
                "thermal_temperature",
        };
        static const struct {
                unsigned status;
                const char *name;
        } statuses[] = {
                {0, "BLK_STS_OK"},
                {1, "BLK_STS_NOTSUPP"},
                {10, "BLK_STS_IOERR"},
                {13, "BLK_STS_DEV_RESOURCE"},
                {16, "BLK_STS_OFFLINE"},
                {17, "BLK_STS_DURATION_LIMIT"},
                {18, "BLK_STS_INVAL"},
                {19, "BLK_STS_INVAL"},
        };

        for (unsigned k = 0; k < FL_BPF_KIND_MAX; k++) {
                assert_string_equal(fl_bpf_kind_to_string(k), kinds[k]);
                assert_int_equal(fl_bpf_kind_from_string(kinds[k]), (int) k);
        }
        assert_null(fl_bpf_kind_to_string(FL_BPF_KIND_MAX));
        assert_null(fl_bpf_kind_subsystem(FL_BPF_KIND_MAX));
        assert_int_equal(fl_bpf_kind_from_string("block"), -EINVAL);
        assert_int_equal(fl_bpf_kind_from_string(NULL), -EINVAL);
        assert_string_equal(fl_bpf_kind_subsystem(FL_BPF_MCE_RECORD), "mce");
        for (size_t i = 0; i < ELEMENTSOF(statuses); i++)
                assert_string_equal(fl_blk_status_to_string(statuses[i].status), statuses[i].name);
        assert_null(fl_blk_status_to_string(20));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_records),
                cmocka_unit_test(test_header),
                cmocka_unit_test(test_malformed),
                cmocka_unit_test(test_lost),
                cmocka_unit_test(test_names),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
