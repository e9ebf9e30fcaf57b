/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The default rule pack (rules/rules.d) through the real engine, fed with
 * what the real sources produce:
 *
 *   - journal: entries with the fields the journald source hands out for a
 *     real kernel line (MESSAGE, _TRANSPORT=kernel, SYSLOG_IDENTIFIER=kernel,
 *     SYSLOG_FACILITY=0, PRIORITY, _BOOT_ID), messages in the exact format
 *     of the kernel source that prints them; and the shape journald gives a
 *     line written to /dev/kmsg (what end-to-end tests inject);
 *   - bpf: ring-buffer records (bpf/faultline.h) formatted by the agent's own
 *     formatter (agent/bpf_event.c);
 *   - sysfs: the sysfs source itself, polling a fake sysfs tree.
 *
 * Each rule must fire at its threshold, not before, with the right key and
 * parameters, and be the only rule that fires; benign look-alike lines must
 * fire nothing anywhere in the pack, however often they repeat. Every rule
 * of the pack must be exercised, and every workflow it names must exist in
 * rules/workflows.d.
 */
#include "bpf_event.h"
#include "engine.h"
#include "fl_test.h"
#include "macro.h"
#include "rules_load.h"
#include "source_bpf.h"
#include "source_sysfs.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#define SEC            (1000ULL * 1000)
#define BOOT           "7add160ff7e04b33bbf0c5c548bd7fa9"
#define REALTIME_START (1700000000ULL * SEC)

struct firing {
        char rule[64];
        char workflow[64];
        char key[256];
        char params[2048];
        uint64_t count;
};

struct pack {
        struct fl_ruleset *rules;
        struct fl_engine *engine;
        uint64_t now; /* realtime of the next event */
        uint64_t seq; /* for identities */
        struct firing firings[64];
        size_t n_firings;
        /* Rules that fired at least once over the whole run. */
        char fired[128][64];
        size_t n_fired;
};

static void on_fire(const struct fl_firing *f, void *userdata) {
        struct pack *p = userdata;
        struct firing *x;
        char *params;

        assert_true(p->n_firings < ELEMENTSOF(p->firings));
        x = &p->firings[p->n_firings++];
        params = json_dumps(f->params, JSON_COMPACT | JSON_SORT_KEYS);
        assert_non_null(params);
        snprintf(x->rule, sizeof(x->rule), "%s", f->rule->name);
        snprintf(x->workflow, sizeof(x->workflow), "%s", f->rule->workflow);
        snprintf(x->key, sizeof(x->key), "%s", f->key);
        snprintf(x->params, sizeof(x->params), "%s", params);
        x->count = f->count;
        free(params);

        for (size_t i = 0; i < p->n_fired; i++)
                if (strcmp(p->fired[i], x->rule) == 0)
                        return;
        assert_true(p->n_fired < ELEMENTSOF(p->fired));
        snprintf(p->fired[p->n_fired++], sizeof(p->fired[0]), "%s", x->rule);
}

/* A fresh engine over the pack: counters and cooldowns start empty. */
static void reset(struct pack *p) {
        fl_engine_free(p->engine);
        p->engine = NULL;
        assert_int_equal(fl_engine_new("node-17", &p->engine), 0);
        assert_int_equal(fl_engine_set_rules(p->engine, p->rules), 0);
        p->n_firings = 0;
}

static void process(struct pack *p, const struct fl_event *ev) {
        assert_true(fl_engine_process(p->engine, ev, ev->realtime_usec, on_fire, p) >= 0);
}

static int setup(void **state) {
        _cleanup_(fl_rules_dir_freep) struct fl_rules_dir *d = NULL;
        _cleanup_(fl_diags_freep) struct fl_diags *diags = fl_diags_new();
        _cleanup_free_ char *dir = fl_test_source_path("rules/rules.d");
        struct pack *p = calloc(1, sizeof(*p));
        int r;

        assert_non_null(p);
        assert_int_equal(fl_rules_dir_new(dir, &d), 0);
        r = fl_rules_dir_reload(d, diags, &p->rules);
        if (r != 0)
                fl_diags_print(diags, stderr);
        assert_int_equal(r, 0);
        assert_int_equal(diags->n_items, 0);
        p->now = REALTIME_START;
        reset(p);
        *state = p;
        return 0;
}

static int teardown(void **state) {
        struct pack *p = *state;

        fl_engine_free(p->engine);
        fl_ruleset_unref(p->rules);
        free(p);
        return 0;
}

/* ---- journal entries ---- */

/* A kernel line as journald stores a real one, `gap` seconds after the last. */
static void kernel_line(struct pack *p, const char *message, uint64_t gap_sec) {
        char identity[128];
        struct fl_event ev = {
                .source = FL_SOURCE_JOURNAL,
                .kind = "journal",
                .count = 1,
                .identity = identity,
                .fields =
                        {
                                {"MESSAGE", message},
                                {"SYSLOG_IDENTIFIER", "kernel"},
                                {"_TRANSPORT", "kernel"},
                                {"PRIORITY", "3"},
                                {"SYSLOG_FACILITY", "0"},
                                {"_BOOT_ID", BOOT},
                        },
                .n_fields = 6,
        };

        p->now += gap_sec * SEC;
        ev.realtime_usec = p->now;
        ev.monotonic_usec = p->now - REALTIME_START;
        snprintf(identity, sizeof(identity), "s=5f0c;i=%" PRIx64 ";b=" BOOT ";m=%" PRIx64, ++p->seq,
                ev.monotonic_usec);
        process(p, &ev);
}

/* A line written to /dev/kmsg, as the private journald of tests/harness
 * stores it (checked there): facility user, and a leading "word:" split off
 * into SYSLOG_IDENTIFIER ("mce: [Hardware Error]: x" arrives as identifier
 * "mce", message "[Hardware Error]: x"). `ident` NULL: no split happened
 * ("EDAC MC0: ..." has a space before its colon). */
static void injected_line(struct pack *p, const char *ident, const char *message) {
        char identity[64];
        struct fl_event ev = {
                .source = FL_SOURCE_JOURNAL,
                .kind = "journal",
                .count = 1,
                .identity = identity,
                .fields =
                        {
                                {"MESSAGE", message},
                                {"_TRANSPORT", "kernel"},
                                {"PRIORITY", "3"},
                                {"SYSLOG_FACILITY", "1"},
                                {"_BOOT_ID", BOOT},
                        },
                .n_fields = 5,
        };

        if (ident)
                ev.fields[ev.n_fields++] = (struct fl_field){"SYSLOG_IDENTIFIER", ident};
        p->now += SEC;
        ev.realtime_usec = p->now;
        ev.monotonic_usec = p->now - REALTIME_START;
        snprintf(identity, sizeof(identity), "s=inj;i=%" PRIx64, ++p->seq);
        process(p, &ev);
}

/* ---- expectations ---- */

static void dump_firings(const struct pack *p) {
        for (size_t i = 0; i < p->n_firings; i++)
                fprintf(stderr, "  fired %s key=\"%s\" params=%s\n", p->firings[i].rule,
                        p->firings[i].key, p->firings[i].params);
}

static void expect_none(const struct pack *p, const char *what) {
        if (p->n_firings != 0) {
                fprintf(stderr, "%s: expected no firing\n", what);
                dump_firings(p);
        }
        assert_int_equal(p->n_firings, 0);
}

/* Exactly one firing since the last reset/clear, of `rule`. */
static void expect_one(struct pack *p, const char *rule, const char *key, const char *params) {
        if (p->n_firings != 1 || strcmp(p->firings[0].rule, rule) != 0 ||
                strcmp(p->firings[0].key, key) != 0 ||
                (params && strcmp(p->firings[0].params, params) != 0)) {
                fprintf(stderr, "expected one firing of %s key=\"%s\" params=%s\n", rule, key,
                        params ? params : "(any)");
                dump_firings(p);
        }
        assert_int_equal(p->n_firings, 1);
        assert_string_equal(p->firings[0].rule, rule);
        assert_string_equal(p->firings[0].key, key);
        if (params)
                assert_string_equal(p->firings[0].params, params);
        p->n_firings = 0;
}

/* ---- journal rules ---- */

struct line_case {
        const char *rule;
        const char *lines[12]; /* fed in order; the last completes the threshold */
        const char *key;
        const char *params; /* NULL: not checked */
};

static const struct line_case line_cases[] = {
        {"memory-ue-kernel-log",
                {"EDAC MC0: 1 UE memory read error on CPU_SrcID#0_MC#0_Chan#1_DIMM#0 (channel:1 "
                 "slot:0 page:0x4b2d3c offset:0x0 grain:32 - err_code:0x0000:0x009f "
                 "SystemAddress:0x4b2d3c000 ProcessorSocketId:0x0 MemoryControllerId:0x0 "
                 "ChannelAddress:0x12596000 ChannelId:0x1 RankAddress:0x9296000 PhysicalRankId:0x0 "
                 "DimmSlotId:0x0 Row:0x12f1 Column:0x3f0 Bank:0x1 BankGroup:0x0 ChipSelect:0x0 "
                 "ChipId:0x0)"},
                "mc0",
                "{\"label\":\"CPU_SrcID#0_MC#0_Chan#1_DIMM#0\",\"reason\":\"1 uncorrectable memory "
                "error(s) on memory controller 0 CPU_SrcID#0_MC#0_Chan#1_DIMM#0\"}"},
        /* ghes_edac: the firmware's location, "unknown memory" as label. */
        {"memory-ue-kernel-log",
                {"EDAC MC1: 2 UE Unknown on unknown memory ( page:0x0 offset:0x0 grain:1 - APEI "
                 "location: node:0 card:0 module:0 rank:0 bank:0 row:0 col:0 bit_pos:0)"},
                "mc1",
                "{\"label\":\"unknown memory\",\"reason\":\"2 uncorrectable memory error(s) on "
                "memory controller 1 unknown memory\"}"},
        {"memory-failure-kernel-log",
                {"Memory failure: 0x4b2d3c: recovery action for dirty LRU page: Recovered"}, "",
                "{\"pfn\":\"0x4b2d3c\",\"reason\":\"memory failure at pfn 0x4b2d3c (dirty LRU "
                "page): Recovered\"}"},
        {"memory-failure-kernel-log",
                {"Memory failure: 0x1f00d: recovery action for reserved kernel page: Ignored"}, "",
                "{\"pfn\":\"0x1f00d\",\"reason\":\"memory failure at pfn 0x1f00d (reserved kernel "
                "page): Ignored\"}"},
        {"machine-check-logged", {"mce: [Hardware Error]: Machine check events logged"}, "",
                "{\"reason\":\"corrected hardware error: mce: [Hardware Error]: Machine check "
                "events logged\"}"},
        {"machine-check-logged",
                {"mce: [Hardware Error]: CPU 2: Machine Check: 0 Bank 7: cc00008000010090",
                        "mce: [Hardware Error]: TSC 0 ADDR 3f5a7e000 MISC 200414a07180c086",
                        "mce: [Hardware Error]: PROCESSOR 0:50654 TIME 1700000000 SOCKET 0 APIC 4 "
                        "microcode 2007006"},
                "", NULL},
        /* A whole corrected firmware-first record fires once, on its severity. */
        {"machine-check-logged",
                {"{1}[Hardware Error]: Hardware error from APEI Generic Hardware Error Source: 0",
                        "{1}[Hardware Error]: It has been corrected by h/w and requires no further "
                        "action",
                        "{1}[Hardware Error]: event severity: corrected",
                        "{1}[Hardware Error]:  Error 0, type: corrected",
                        "{1}[Hardware Error]:   section_type: memory error",
                        "{1}[Hardware Error]:   physical_address: 0x000000393cfe5040"},
                "", NULL},
        {"machine-check-uncorrected",
                {"mce: [Hardware Error]: CPU 0: Machine Check Exception: 5 Bank 4: "
                 "b200000000000402"},
                "",
                "{\"reason\":\"uncorrected hardware error: mce: [Hardware Error]: CPU 0: Machine "
                "Check Exception: 5 Bank 4: b200000000000402\"}"},
        {"machine-check-uncorrected",
                {"{2}[Hardware Error]: Hardware error from APEI Generic Hardware Error Source: 1",
                        "{2}[Hardware Error]: event severity: fatal",
                        "{2}[Hardware Error]:  Error 0, type: fatal",
                        "{2}[Hardware Error]:   section_type: PCIe error"},
                "", NULL},
        {"machine-check-uncorrected", {"{3}[Hardware Error]: event severity: recoverable"}, "",
                NULL},
        {"machine-check-uncorrected",
                {"mce: Uncorrected hardware memory error in user-access at 3b116c400"}, "", NULL},
        /* block/blk-core.c, three reads failing on one disk. */
        {"disk-io-error-kernel-log",
                {"I/O error, dev sdb, sector 2048 op 0x0:(READ) flags 0x0 phys_seg 1 prio class 2",
                        "I/O error, dev sdb, sector 2056 op 0x0:(READ) flags 0x0 phys_seg 1 prio "
                        "class 2",
                        "I/O error, dev sdb, sector 2064 op 0x1:(WRITE) flags 0x800 phys_seg 1 "
                        "prio class 2"},
                "sdb",
                "{\"disk\":\"sdb\",\"reason\":\"3 I/O errors on sdb within 10m, last at sector "
                "2064\",\"sector\":\"2064\"}"},
        /* The real disk fault of tests/tools/diskfault.sh (machine.md). */
        {"disk-io-error-kernel-log",
                {"I/O error, dev loop0, sector 1000 op 0x0:(READ) flags 0x4000 phys_seg 1 prio "
                 "class 2",
                        "I/O error, dev loop0, sector 1000 op 0x0:(READ) flags 0x4000 phys_seg 1 "
                        "prio class 2",
                        "I/O error, dev loop0, sector 1001 op 0x0:(READ) flags 0x4000 phys_seg 1 "
                        "prio class 2"},
                "loop0", NULL},
        /* Older kernels: the caller in front, and other statuses. */
        {"disk-io-error-kernel-log",
                {"blk_update_request: I/O error, dev sdc, sector 12345 op 0x0:(READ) flags 0x80700 "
                 "phys_seg 1 prio class 0",
                        "blk_update_request: critical medium error, dev sdc, sector 12345 op "
                        "0x0:(READ) flags 0x0 phys_seg 1 prio class 0",
                        "end_request: I/O error, dev sdc, sector 12346"},
                "sdc", NULL},
        {"scsi-command-failed",
                {"sd 2:0:0:0: [sdb] tag#17 FAILED Result: hostbyte=DID_OK driverbyte=DRIVER_OK "
                 "cmd_age=3s",
                        "sd 2:0:0:0: [sdb] tag#3 FAILED Result: hostbyte=DID_OK "
                        "driverbyte=DRIVER_OK cmd_age=0s",
                        "sd 2:0:0:0: [sdb] FAILED Result: hostbyte=DID_OK "
                        "driverbyte=DRIVER_SENSE"},
                "sdb",
                "{\"disk\":\"sdb\",\"reason\":\"3 failed SCSI commands on sdb (2:0:0:0) within "
                "10m: DID_OK DRIVER_SENSE\"}"},
        /* libata: five error-handling rounds of one device. */
        {"ata-device-error",
                {"ata3.00: exception Emask 0x0 SAct 0x100000 SErr 0x0 action 0x0",
                        "ata3.00: failed command: READ FPDMA QUEUED",
                        "ata3.00: exception Emask 0x0 SAct 0x100000 SErr 0x0 action 0x0",
                        "ata3.00: failed command: READ FPDMA QUEUED",
                        "ata3.00: exception Emask 0x0 SAct 0x0 SErr 0x0 action 0x6 frozen",
                        "ata3.00: failed command: FLUSH CACHE EXT",
                        "ata3.00: exception Emask 0x0 SAct 0x40000 SErr 0x0 action 0x0",
                        "ata3.00: failed command: READ FPDMA QUEUED",
                        "ata3.00: exception Emask 0x0 SAct 0x40000 SErr 0x0 action 0x0",
                        "ata3.00: failed command: WRITE FPDMA QUEUED"},
                "ata3.00",
                "{\"device\":\"ata3.00\",\"reason\":\"10 ATA error lines for ata3.00 within "
                "10m\"}"},
        {"nvme-io-timeout",
                {"nvme nvme0: I/O tag 123 (007b) opcode 0x2 (Read) QID 4 timeout, aborting "
                 "req_op:READ(0) size:4096",
                        "nvme nvme0: I/O 77 QID 2 timeout, aborting",
                        "nvme nvme0: I/O tag 9 (1009) opcode 0x1 (Write) QID 7 timeout, aborting "
                        "req_op:WRITE(1) size:131072"},
                "nvme0",
                "{\"disk\":\"nvme0\",\"reason\":\"3 NVMe command timeouts on nvme0 within "
                "10m\"}"},
        {"nvme-controller-reset",
                {"nvme nvme1: controller is down; will reset: CSTS=0x3, PCI_STATUS=0x10",
                        "nvme nvme1: I/O tag 17 (0011) opcode 0x6 (Identify) QID 0 timeout, reset "
                        "controller"},
                "nvme1",
                "{\"disk\":\"nvme1\",\"reason\":\"2 NVMe controller resets on nvme1 within 1h\"}"},
        {"nvme-controller-reset",
                {"nvme nvme2: I/O 5 QID 0 timeout, reset controller",
                        "nvme nvme2: resetting controller"},
                "nvme2", NULL},
        {"nvme-controller-failed", {"nvme nvme3: Disabling device after reset failure: -19"},
                "nvme3",
                "{\"disk\":\"nvme3\",\"reason\":\"NVMe controller nvme3 failed: nvme nvme3: "
                "Disabling device after reset failure: -19\"}"},
        {"nvme-controller-failed", {"nvme nvme4: Removing after probe failure status: -19"},
                "nvme4", NULL},
        {"pcie-aer-uncorrected-kernel-log",
                {"pcieport 0000:00:1c.5: AER: Uncorrected (Non-Fatal) error received: "
                 "0000:03:00.0",
                        "pcieport 0000:00:1c.5: PCIe Bus Error: severity=Uncorrected "
                        "(Non-Fatal), type=Transaction Layer, (Requester ID)",
                        "pcieport 0000:00:1c.5:   device [8086:a33c] error "
                        "status/mask=00004000/00000000",
                        "pcieport 0000:00:1c.5:    [14] CmpltTO"},
                "0000:03:00.0",
                "{\"device\":\"0000:03:00.0\",\"reason\":\"PCIe AER Uncorrected (Non-Fatal) error "
                "on 0000:03:00.0 (reported by 0000:00:1c.5)\"}"},
        {"pcie-aer-uncorrected-kernel-log",
                {"pcieport 0000:00:1c.0: AER: Multiple Uncorrectable (Fatal) error message "
                 "received from 0000:73:00.1"},
                "0000:73:00.1", NULL},
        {"pcie-aer-uncorrected-kernel-log",
                {"pcieport 0000:00:03.0: AER: Uncorrected (Fatal) error received: 0000:00:03.0"},
                "0000:00:03.0", NULL},
        {"cpu-thermal-throttle",
                {"CPU0: Core temperature above threshold, cpu clock throttled (total events = 1)",
                        "CPU1: Core temperature above threshold, cpu clock throttled (total events "
                        "= 1)"},
                "",
                "{\"reason\":\"CPU0: Core temperature above threshold, cpu clock throttled (total "
                "events = 1)\"}"},
        {"cpu-thermal-throttle",
                {"CPU2: Package temperature is above threshold, cpu clock is throttled (total "
                 "events = 3)"},
                "", NULL},
        {"cpu-thermal-throttle",
                {"thermal thermal_zone0: acpitz: critical temperature reached, shutting down"}, "",
                NULL},
        {"cpu-thermal-throttle", {"Critical temperature reached (100 C), shutting down."}, "",
                NULL},
        {"fs-corruption-ext4",
                {"EXT4-fs error (device sda1): ext4_lookup:1855: inode #2: comm ls: deleted inode "
                 "referenced: 1234"},
                "sda1",
                "{\"disk\":\"sda1\",\"reason\":\"EXT4-fs error (device sda1): ext4_lookup:1855: "
                "inode #2: comm ls: deleted inode referenced: 1234\"}"},
        {"fs-corruption-ext4",
                {"EXT4-fs error (device dm-0) in ext4_reserve_inode_write:5732: IO failure"},
                "dm-0", NULL},
        {"fs-corruption-xfs",
                {"XFS (sdb1): Metadata corruption detected at xfs_dinode_verify+0x5a5/0x6d0 [xfs], "
                 "inode 0x8a3 dinode",
                        "XFS (sdb1): Unmount and run xfs_repair",
                        "XFS (sdb1): First 128 bytes of corrupted metadata buffer:"},
                "sdb1", NULL},
        {"fs-corruption-xfs",
                {"XFS (dm-3): Corruption of in-memory data (0x8) detected at "
                 "xfs_trans_cancel+0x13c/0x160 [xfs] (fs/xfs/xfs_trans.c:1097).  Shutting down "
                 "filesystem."},
                "dm-3", NULL},
        {"fs-corruption-btrfs",
                {"BTRFS critical (device sdc1): corrupt leaf: root=2 block=30408704 slot=4 "
                 "ino=257, invalid inode generation: has 13 expect [0, 12]"},
                "sdc1", NULL},
        {"fs-corruption-btrfs",
                {"BTRFS warning (device sdd1: state EA): csum failed root 5 ino 257 off 0 csum "
                 "0x8941f998 expected csum 0x98f94189 mirror 1",
                        "BTRFS error (device sdd1: state EA): bdev /dev/sdd1 errs: wr 0, rd 0, "
                        "flush 0, corrupt 1, gen 0"},
                "sdd1", NULL},
        {"hung-task",
                {"INFO: task kworker/u16:2:1234 blocked for more than 122 seconds.",
                        "      Not tainted 6.1.0-13-amd64 #1 Debian 6.1.55-1",
                        "\"echo 0 > /proc/sys/kernel/hung_task_timeout_secs\" disables this "
                        "message.",
                        "task:kworker/u16:2 state:D stack:0     pid:1234  ppid:2      "
                        "flags:0x00004000"},
                "", "{\"reason\":\"task kworker/u16:2 (1234) blocked for more than 122 s\"}"},
};

/* Feeds a case's lines; the rule fires with the last line that completes
 * its threshold (lines after that one are the same incident's details and
 * must fire nothing). */
static void run_line_case(struct pack *p, const struct line_case *c) {
        size_t n = 0;

        while (n < ELEMENTSOF(c->lines) && c->lines[n])
                n++;
        reset(p);
        for (size_t i = 0; i < n; i++) {
                kernel_line(p, c->lines[i], 1);
                if (p->n_firings > 0) {
                        expect_one(p, c->rule, c->key, c->params);
                        for (size_t k = i + 1; k < n; k++)
                                kernel_line(p, c->lines[k], 1);
                        expect_none(p, "the same incident's detail lines");
                        return;
                }
        }
        fprintf(stderr, "case %s (%s): did not fire\n", c->rule, c->lines[0]);
        fail();
}

static void test_journal_rules(void **state) {
        struct pack *p = *state;

        for (size_t i = 0; i < ELEMENTSOF(line_cases); i++)
                run_line_case(p, &line_cases[i]);
}

/* Thresholds: one fewer than the count fires nothing; occurrences spread
 * wider than the window never fire; the cooldown holds a second burst. */
static void test_journal_thresholds(void **state) {
        struct pack *p = *state;
        const char *io = "I/O error, dev sdb, sector 8 op 0x0:(READ) flags 0x0 phys_seg 1 prio "
                         "class 2";

        reset(p);
        kernel_line(p, io, 1);
        kernel_line(p, io, 1);
        expect_none(p, "two I/O errors");
        /* Another disk does not add to sdb's count. */
        kernel_line(p,
                "I/O error, dev sdc, sector 8 op 0x0:(READ) flags 0x0 phys_seg 1 prio "
                "class 2",
                1);
        expect_none(p, "errors on two disks");
        kernel_line(p, io, 1);
        expect_one(p, "disk-io-error-kernel-log", "sdb", NULL);
        /* Three more within the hour: held by the cooldown. */
        for (int i = 0; i < 3; i++)
                kernel_line(p, io, 60);
        expect_none(p, "cooldown");
        /* After it, three within ten minutes fire again. */
        kernel_line(p, io, 3600);
        kernel_line(p, io, 1);
        kernel_line(p, io, 1);
        expect_one(p, "disk-io-error-kernel-log", "sdb", NULL);

        /* Spread wider than the window: never three at once. */
        reset(p);
        for (int i = 0; i < 10; i++)
                kernel_line(p, io, 301);
        expect_none(p, "I/O errors every 5 minutes");

        /* nvme resets: two within the hour, not two hours apart. */
        reset(p);
        kernel_line(p, "nvme nvme0: resetting controller", 1);
        kernel_line(p, "nvme nvme0: resetting controller", 3601);
        expect_none(p, "resets two hours apart");
        kernel_line(p, "nvme nvme0: resetting controller", 600);
        expect_one(p, "nvme-controller-reset", "nvme0", NULL);

        /* Uncorrectable errors: once per controller per cooldown. */
        reset(p);
        kernel_line(p,
                "EDAC MC0: 1 UE memory read error on DIMM_A1 (channel:0 slot:0 page:0x1 "
                "offset:0x0 grain:32)",
                1);
        kernel_line(p,
                "EDAC MC0: 1 UE memory read error on DIMM_A1 (channel:0 slot:0 page:0x2 "
                "offset:0x0 grain:32)",
                1);
        kernel_line(p,
                "EDAC MC1: 1 UE memory read error on DIMM_B1 (channel:0 slot:0 page:0x2 "
                "offset:0x0 grain:32)",
                1);
        assert_int_equal(p->n_firings, 2);
        assert_string_equal(p->firings[0].key, "mc0");
        assert_string_equal(p->firings[1].key, "mc1");
}

/* Lines written to /dev/kmsg by end-to-end tests arrive as journald stores
 * them (see injected_line). */
static void test_injected_lines(void **state) {
        struct pack *p = *state;

        reset(p);
        injected_line(p, NULL,
                "EDAC MC0: 1 UE memory read error on DIMM_A1 (channel:0 slot:0 page:0x1234 "
                "offset:0x0 grain:32)");
        expect_one(p, "memory-ue-kernel-log", "mc0",
                "{\"label\":\"DIMM_A1\",\"reason\":\"1 uncorrectable memory error(s) on memory "
                "controller 0 DIMM_A1\"}");
        injected_line(p, NULL, "EDAC MC1: 1 UE test");
        expect_one(p, "memory-ue-kernel-log", "mc1", NULL);
        injected_line(p, "mce", "[Hardware Error]: Machine check events logged");
        expect_one(p, "machine-check-logged", "", NULL);
        injected_line(p, "blk_update_request",
                "I/O error, dev sdb, sector 1 op 0x0:(READ) flags 0x0 phys_seg 1 prio class 0");
        injected_line(p, "blk_update_request",
                "I/O error, dev sdb, sector 2 op 0x0:(READ) flags 0x0 phys_seg 1 prio class 0");
        injected_line(p, "blk_update_request",
                "I/O error, dev sdb, sector 3 op 0x0:(READ) flags 0x0 phys_seg 1 prio class 0");
        expect_one(p, "disk-io-error-kernel-log", "sdb", NULL);
        /* Not a kernel line: the rules read kernel messages only. */
        struct fl_event ev = {
                .source = FL_SOURCE_JOURNAL,
                .kind = "journal",
                .realtime_usec = p->now + SEC,
                .identity = "s=user",
                .count = 1,
                .fields = {{"MESSAGE", "EDAC MC0: 1 UE memory read error on DIMM_A1 (x)"},
                        {"_TRANSPORT", "journal"}, {"SYSLOG_IDENTIFIER", "logger"}},
                .n_fields = 3,
        };
        process(p, &ev);
        expect_none(p, "a user-space line that looks like a kernel one");
}

/* Lines that look like faults and are not. Each is repeated well past every
 * threshold of the pack. */
static const char *const benign_lines[] = {
        "EDAC MC: Ver: 3.0.0",
        "EDAC MC0: Giving out device to module skx_edac controller Skylake Socket#0 IMC#0: DEV "
        "0000:3a:0a.0 (INTERRUPT)",
        "EDAC MC1: Giving out device to module ie31200_edac controller IE31200: DEV 0000:00:00.0 "
        "(POLLED)",
        "EDAC MC0: 1 CE memory read error on CPU_SrcID#0_MC#0_Chan#1_DIMM#0 (channel:1 slot:0 "
        "page:0x4b2d3c offset:0x0 grain:32 syndrome:0x0 - err_code:0x0000:0x009f)",
        "EDAC sbridge: Seeking for: PCI ID 8086:2fa0",
        "EDAC skx: ECC is disabled on imc 0",
        "EDAC PCI0: Giving out device to module amd64_edac controller EDAC PCI controller: DEV "
        "0000:00:18.2 (POLLED)",
        "mce: CPU0: Thermal monitoring enabled (TM1)",
        "therm_throt: CPU0: Thermal monitoring enabled (TM1)",
        "Thermal monitoring enabled (TM1)",
        "mce: CMCI storm detected: switching to poll mode",
        "mce: CMCI storm subsided: switching to interrupt mode",
        "RAS: Correctable Errors collector initialized.",
        "MCE: In-kernel MCE decoding enabled.",
        "mce: Using 22 MCE banks",
        "GHES: APEI firmware first mode is enabled by APEI bit and WHEA _OSC.",
        "HEST: Table parsing has been initialized.",
        "ERST: Error Record Serialization Table (ERST) support is initialized.",
        "{1}[Hardware Error]: Hardware error from APEI Generic Hardware Error Source: 0",
        "{1}[Hardware Error]: It has been corrected by h/w and requires no further action",
        "ACPI: thermal: Thermal Zone [TZ00] (28 C)",
        "ACPI: Thermal Zone [THM0] (27 C)",
        "thermal LNXTHERM:00: registered as thermal_zone0",
        "CPU0: Core temperature/speed normal",
        "CPU3: Package temperature/speed normal (total events = 4)",
        "CPU0: Core power limit notification (total events = 1)",
        "intel_powerclamp: No package C-state available",
        "thermal thermal_zone2: failed to read out thermal zone (-61)",
        "nvme nvme0: 8/0/0 default/read/poll queues",
        "nvme nvme0: pci function 0000:01:00.0",
        "nvme nvme0: Shutdown timeout set to 8 seconds",
        "nvme nvme0: allocated 64 MiB host memory buffer.",
        "nvme nvme0: 32/0/0 default/read/poll queues",
        " nvme0n1: p1 p2 p3",
        "ata1: SATA link up 6.0 Gbps (SStatus 133 SControl 300)",
        "ata1.00: ATA-10: ST4000NM0035-1V4107, TNC3, max UDMA/133",
        "ata1.00: 7814037168 sectors, multi 16: LBA48 NCQ (depth 32), AA",
        "ata1.00: configured for UDMA/133",
        "ata1: hard resetting link",
        "ata3: exception Emask 0x10 SAct 0x0 SErr 0x4040000 action 0xe frozen",
        "ata3: irq_stat 0x00000040, connection status changed",
        "ata1: EH complete",
        "scsi 0:0:0:0: Direct-Access     ATA      ST4000NM0035-1V4 TNC3 PQ: 0 ANSI: 5",
        "sd 0:0:0:0: [sda] 7814037168 512-byte logical blocks: (4.00 TB/3.64 TiB)",
        "sd 0:0:0:0: [sda] Write cache: enabled, read cache: enabled, doesn't support DPO or FUA",
        "sd 0:0:0:0: [sda] Attached SCSI disk",
        "sd 0:0:0:0: [sda] Synchronizing SCSI cache",
        "blk_update_request: operation not supported error, dev loop0, sector 0 op "
        "0x9:(WRITE_ZEROES) flags 0x800 phys_seg 0 prio class 0",
        "operation not supported error, dev loop0, sector 0 op 0x9:(WRITE_ZEROES) flags 0x800800 "
        "phys_seg 0 prio class 2",
        "critical space allocation error, dev dm-4, sector 1024 op 0x1:(WRITE) flags 0x0 "
        "phys_seg 1 prio class 2",
        "Buffer I/O error on dev sda1, logical block 0, async page read",
        "EXT4-fs (sda1): mounted filesystem 3d6e8c1c-5b5e-4d64-9e0d-0f7c8f2b2a11 with ordered "
        "data mode. Quota mode: none.",
        "EXT4-fs (sda1): error count since last fsck: 3",
        "EXT4-fs (sda1): initial error at time 1700000000: ext4_lookup:1855: inode 2",
        "EXT4-fs (sda1): last error at time 1700000100: ext4_lookup:1855: inode 2",
        "EXT4-fs warning (device sda1): ext4_dx_add_entry:2461: Directory (ino: 1234) index full, "
        "reach max htree level :2",
        "EXT4-fs (sda1): re-mounted 3d6e8c1c-5b5e-4d64-9e0d-0f7c8f2b2a11. Quota mode: none.",
        "XFS (sdb1): Mounting V5 Filesystem 0d2f5b5c-8d8e-4a3e-9f0e-4e2b7c1d9a77",
        "XFS (sdb1): Ending clean mount",
        "XFS (sdb1): Unmounting Filesystem 0d2f5b5c-8d8e-4a3e-9f0e-4e2b7c1d9a77",
        "BTRFS info (device sdc1): bdev /dev/sdc1 errs: wr 0, rd 0, flush 0, corrupt 3, gen 0",
        "BTRFS info (device sdc1): using crc32c (crc32c-intel) checksum algorithm",
        "BTRFS info (device sdc1): disk space caching is enabled",
        "BTRFS error (device sdc1): bdev /dev/sdc1 errs: wr 1, rd 0, flush 0, corrupt 0, gen 0",
        "\"echo 0 > /proc/sys/kernel/hung_task_timeout_secs\" disables this message.",
        "task:kworker/u16:2 state:D stack:0     pid:1234  ppid:2      flags:0x00004000",
        "      Not tainted 6.1.0-13-amd64 #1 Debian 6.1.55-1",
        "INFO: task kworker/u16:2:1234 is blocked on a mutex likely owned by task "
        "kworker/u16:3:1235.",
        "pcieport 0000:00:1c.5: AER: Corrected error received: 0000:03:00.0",
        "pcieport 0000:00:1c.5: PCIe Bus Error: severity=Corrected, type=Physical Layer, "
        "(Receiver ID)",
        "pcieport 0000:00:1c.5: AER: Multiple Correctable error message received from "
        "0000:03:00.0",
        "pcieport 0000:00:1c.5: PCIe Bus Error: severity=Uncorrected (Non-Fatal), "
        "type=Transaction Layer, (Requester ID)",
        "pcieport 0000:00:01.0: AER: enabled with IRQ 122",
        "acpi PNP0A08:00: _OSC: OS now controls [PCIeHotplug SHPCHotplug PME AER PCIeCapability "
        "LTR]",
        "Memory failure: 0x4b2d3c: Sending SIGBUS to app:1234 due to hardware memory corruption",
        "Soft offlining pfn 0x4b2d3c at process virtual address 0x7f0000000000",
        "megaraid_sas 0000:18:00.0: FW provided supportMaxExtLDs: 1 max_lds: 64",
        "ixgbe 0000:3b:00.0: Intel(R) 10 Gigabit Network Connection",
        "Linux version 6.1.0-13-amd64 (debian-kernel@lists.debian.org)",
};

static void test_benign_lines(void **state) {
        struct pack *p = *state;

        for (size_t i = 0; i < ELEMENTSOF(benign_lines); i++) {
                reset(p);
                for (int k = 0; k < 12; k++)
                        kernel_line(p, benign_lines[i], 1);
                expect_none(p, benign_lines[i]);
        }
}

/* ---- BPF events, through the agent's formatter ---- */

static const char *const mf_types[] = {"MF_MSG_KERNEL", "MF_MSG_KERNEL_HIGH_ORDER",
        "MF_MSG_DIFFERENT_COMPOUND", "MF_MSG_HUGE", "MF_MSG_FREE_HUGE", "MF_MSG_GET_HWPOISON",
        "MF_MSG_UNMAP_FAILED", "MF_MSG_DIRTY_SWAPCACHE", "MF_MSG_CLEAN_SWAPCACHE",
        "MF_MSG_DIRTY_MLOCKED_LRU", "MF_MSG_CLEAN_MLOCKED_LRU", "MF_MSG_DIRTY_UNEVICTABLE_LRU",
        "MF_MSG_CLEAN_UNEVICTABLE_LRU", "MF_MSG_DIRTY_LRU", "MF_MSG_CLEAN_LRU"};

static const struct fl_bpf_context bpf_ctx = {
        .boot_id = BOOT,
        .realtime_offset_usec = (int64_t) REALTIME_START,
        .mf_type_names = mf_types,
        .n_mf_type_names = ELEMENTSOF(mf_types),
};

/* Stamps the record `gap` seconds after the previous event, formats it and
 * hands it to the engine. */
static void bpf_record(struct pack *p, void *rec, size_t size, unsigned kind, uint64_t gap_sec) {
        struct fl_bpf_header *h = rec;
        struct fl_bpf_event_buf *buf = calloc(1, sizeof(*buf));

        assert_non_null(buf);
        p->now += gap_sec * SEC;
        h->mono_ns = (p->now - REALTIME_START) * 1000;
        h->boot_ns = h->mono_ns + 1000;
        h->kind = kind;
        h->cpu = 1;
        assert_int_equal(fl_bpf_record_to_event(&bpf_ctx, rec, size, buf), 0);
        assert_false(buf->truncated);
        assert_int_equal(buf->ev.realtime_usec, p->now);
        process(p, &buf->ev);
        free(buf);
}

static void block_error(struct pack *p, const char *disk, uint32_t dev, uint32_t status,
        uint64_t sector, uint64_t gap) {
        struct fl_bpf_block_rq_error e = {
                .sector = sector,
                .dev = dev,
                .error = status,
                .nr_sector = 8,
                .rwbs = "R",
        };

        snprintf(e.disk, sizeof(e.disk), "%s", disk);
        bpf_record(p, &e, sizeof(e), FL_BPF_BLOCK_RQ_ERROR, gap);
}

static void mc_event(struct pack *p, unsigned type, const char *label, uint64_t address) {
        struct fl_bpf_mc_event e = {
                .address = address,
                .error_type = type,
                .error_count = 1,
                .mc_index = 0,
                .top_layer = 0,
                .middle_layer = 1,
                .lower_layer = -1,
                .grain_bits = 5,
                .msg = "memory read error",
        };

        snprintf(e.label, sizeof(e.label), "%s", label);
        bpf_record(p, &e, sizeof(e), FL_BPF_MC_EVENT, 60);
}

static void test_bpf_disk(void **state) {
        struct pack *p = *state;
        const uint32_t sdb = 8u << 20 | 16;

        reset(p);
        block_error(p, "sdb", sdb, 10, 2048, 1);
        block_error(p, "sdb", sdb, 7, 2056, 1); /* BLK_STS_MEDIUM */
        expect_none(p, "two failed I/Os");
        block_error(p, "sdb", sdb, 10, 2064, 1);
        expect_one(p, "disk-io-error", "sdb",
                "{\"dev\":\"8:16\",\"disk\":\"sdb\",\"reason\":\"3 failed I/Os on sdb within 10m, "
                "last BLK_STS_IOERR at sector 2064\",\"sector\":\"2064\"}");
        assert_string_equal(p->firings[0].workflow, "disk-io-error");

        /* The real fault of tests/tools/diskfault.sh: a loop device. */
        for (int i = 0; i < 3; i++)
                block_error(p, "loop0", 7u << 20, 10, 1000, 1);
        expect_one(p, "disk-io-error", "loop0", NULL);

        /* Statuses that are not the disk's fault never count. */
        reset(p);
        for (int i = 0; i < 10; i++) {
                block_error(p, "sdc", 8u << 20 | 32, 1, 0, 1);  /* NOTSUPP: discard */
                block_error(p, "sdc", 8u << 20 | 32, 3, 0, 1);  /* NOSPC */
                block_error(p, "sdc", 8u << 20 | 32, 12, 0, 1); /* AGAIN */
                block_error(p, "sdc", 8u << 20 | 32, 18, 0, 1); /* INVAL */
        }
        expect_none(p, "statuses that are not disk faults");
}

static void test_bpf_memory(void **state) {
        struct pack *p = *state;
        const char *dimm = "CPU_SrcID#0_MC#0_Chan#1_DIMM#0";
        struct fl_bpf_event_buf *buf = calloc(1, sizeof(*buf));
        struct fl_bpf_key key = {.kind = FL_BPF_MC_EVENT, .code = FL_BPF_MC_CORRECTED};

        reset(p);
        for (int i = 0; i < 9; i++)
                mc_event(p, FL_BPF_MC_CORRECTED, dimm, 0x4b2d3c000 + (uint64_t) i * 64);
        /* Other DIMMs and the ring buffer's reconciliation events (no
         * address) do not add to this DIMM's storm. */
        mc_event(p, FL_BPF_MC_CORRECTED, "CPU_SrcID#0_MC#0_Chan#0_DIMM#0", 0x1000);
        snprintf(key.name, sizeof(key.name), "%s", dimm);
        assert_int_equal(
                fl_bpf_lost_to_event(&bpf_ctx, &key, 50, 50, p->now - REALTIME_START, buf), 0);
        buf->ev.realtime_usec = p->now;
        process(p, &buf->ev);
        free(buf);
        expect_none(p, "nine correctable errors");
        mc_event(p, FL_BPF_MC_CORRECTED, dimm, 0x4b2d3c240);
        expect_one(p, "dimm-ce-storm", dimm,
                "{\"address\":\"0x4b2d3c240\",\"label\":\"CPU_SrcID#0_MC#0_Chan#1_DIMM#0\","
                "\"reason\":\"10 correctable memory errors on CPU_SrcID#0_MC#0_Chan#1_DIMM#0 "
                "within 24h\"}");
        assert_string_equal(p->firings[0].workflow, "offline-memory-page");

        /* Ten spread over more than a day are not a storm. */
        reset(p);
        for (int i = 0; i < 12; i++) {
                mc_event(p, FL_BPF_MC_CORRECTED, dimm, 0x1000);
                p->now += 3 * 3600 * SEC;
        }
        expect_none(p, "correctable errors every three hours");

        reset(p);
        mc_event(p, FL_BPF_MC_UNCORRECTED, dimm, 0x4b2d3c000);
        expect_one(p, "memory-ue", "mc0",
                "{\"address\":\"0x4b2d3c000\",\"label\":\"CPU_SrcID#0_MC#0_Chan#1_DIMM#0\","
                "\"reason\":\"Uncorrected memory error on CPU_SrcID#0_MC#0_Chan#1_DIMM#0\"}");
        mc_event(p, FL_BPF_MC_FATAL, dimm, 0x4b2d3c000);
        expect_none(p, "a second one within the cooldown");
        reset(p);
        mc_event(p, FL_BPF_MC_DEFERRED, dimm, 0x4b2d3c000);
        expect_one(p, "memory-ue", "mc0", NULL);
        reset(p);
        for (int i = 0; i < 20; i++)
                mc_event(p, FL_BPF_MC_INFO, dimm, 0x1000);
        expect_none(p, "informational mc_events");

        reset(p);
        struct fl_bpf_memory_failure_event mf = {.pfn = 0x4b2d3c, .type = 13, .result = 3};
        bpf_record(p, &mf, sizeof(mf), FL_BPF_MEMORY_FAILURE_EVENT, 1);
        expect_one(p, "memory-failure", "",
                "{\"pfn\":\"0x4b2d3c\",\"reason\":\"memory failure at pfn 0x4b2d3c "
                "(MF_MSG_DIRTY_LRU): Recovered\"}");
        assert_string_equal(p->firings[0].workflow, "memory-uncorrectable");

        reset(p);
        struct fl_bpf_extlog_mem_event ext = {
                .validation_bits = 0x4002, /* physical address, error type */
                .physical_addr = 0x393cfe5040,
                .error_type = 3, /* multi-bit ECC */
                .severity = 1,   /* fatal */
                .fru_text = "DIMM_B2",
        };
        bpf_record(p, &ext, sizeof(ext), FL_BPF_EXTLOG_MEM_EVENT, 1);
        expect_one(p, "memory-ue-extlog", "",
                "{\"address\":\"0x393cfe5040\",\"reason\":\"fatal multi-bit ECC memory error on "
                "DIMM_B2\"}");
        ext.severity = 2; /* corrected */
        for (int i = 0; i < 20; i++)
                bpf_record(p, &ext, sizeof(ext), FL_BPF_EXTLOG_MEM_EVENT, 1);
        expect_none(p, "corrected extlog events");
}

static void test_bpf_other(void **state) {
        struct pack *p = *state;

        reset(p);
        struct fl_bpf_mce_record mce = {
                .status = 0xbd80000000100134ULL, /* VAL OVER UC EN MISCV ADDRV PCC */
                .cpu = 3,
                .bank = 4,
        };
        bpf_record(p, &mce, sizeof(mce), FL_BPF_MCE_RECORD, 1);
        expect_one(p, "mce-record-uncorrected", "",
                "{\"reason\":\"uncorrected machine check on CPU 3 bank 4: status "
                "0xbd80000000100134\"}");
        assert_string_equal(p->firings[0].workflow, "drain-node");
        reset(p);
        mce.status = 0x9c00000000010090ULL; /* corrected */
        for (int i = 0; i < 20; i++)
                bpf_record(p, &mce, sizeof(mce), FL_BPF_MCE_RECORD, 1);
        expect_none(p, "corrected machine checks");

        reset(p);
        struct fl_bpf_aer_event aer = {
                .status = 1u << 14, /* Completion Timeout */
                .severity = 0,      /* uncorrected, non-fatal */
                .dev_name = "0000:03:00.0",
        };
        bpf_record(p, &aer, sizeof(aer), FL_BPF_AER_EVENT, 1);
        expect_one(p, "pcie-aer-uncorrected", "0000:03:00.0",
                "{\"device\":\"0000:03:00.0\",\"reason\":\"PCIe AER Uncorrected error on "
                "0000:03:00.0: Completion Timeout\"}");
        assert_string_equal(p->firings[0].workflow, "pcie-aer");
        aer.severity = 1;
        snprintf(aer.dev_name, sizeof(aer.dev_name), "0000:5e:00.0");
        bpf_record(p, &aer, sizeof(aer), FL_BPF_AER_EVENT, 1);
        expect_one(p, "pcie-aer-uncorrected", "0000:5e:00.0", NULL);
        aer.severity = 2; /* corrected */
        aer.status = 1;   /* Receiver Error */
        for (int i = 0; i < 20; i++)
                bpf_record(p, &aer, sizeof(aer), FL_BPF_AER_EVENT, 1);
        expect_none(p, "corrected AER errors");

        reset(p);
        struct fl_bpf_thermal_zone_trip trip = {
                .id = 0,
                .trip = 1,
                .trip_type = 1, /* passive */
                .temp = 95000,
                .type = "x86_pkg_temp",
        };
        bpf_record(p, &trip, sizeof(trip), FL_BPF_THERMAL_ZONE_TRIP, 1);
        expect_one(p, "thermal-zone-trip", "thermal_zone0",
                "{\"reason\":\"x86_pkg_temp (thermal_zone0) reached its PASSIVE trip point at "
                "95000 m°C\",\"temp\":\"95000\",\"zone\":\"thermal_zone0\"}");
        assert_string_equal(p->firings[0].workflow, "thermal-throttle");
        bpf_record(p, &trip, sizeof(trip), FL_BPF_THERMAL_ZONE_TRIP, 60);
        expect_none(p, "the zone oscillating within the hour");
        trip.trip_type = 3;
        trip.id = 2;
        bpf_record(p, &trip, sizeof(trip), FL_BPF_THERMAL_ZONE_TRIP, 1);
        expect_one(p, "thermal-zone-trip", "thermal_zone2", NULL);
        trip.trip_type = 0; /* active: a fan step */
        trip.id = 5;
        for (int i = 0; i < 20; i++)
                bpf_record(p, &trip, sizeof(trip), FL_BPF_THERMAL_ZONE_TRIP, 1);
        expect_none(p, "active trip points");
}

/* ---- sysfs events, from the sysfs source ---- */

struct sysfs_fx {
        struct pack *p;
        char *root;
        sd_event *event;
        struct fl_source_sysfs *src;
};

static void sysfs_event(const struct fl_event *ev, void *userdata) {
        struct sysfs_fx *fx = userdata;
        struct fl_event copy = *ev;

        fx->p->now += SEC;
        copy.realtime_usec = fx->p->now; /* the engine's clock, not this machine's */
        process(fx->p, &copy);
}

static void put(struct sysfs_fx *fx, const char *path, const char *value) {
        _cleanup_free_ char *data = NULL;

        assert_true(asprintf(&data, "%s\n", value) > 0);
        free(fl_test_write_file(fx->root, path, data));
}

#define MC "devices/system/edac/mc/mc0"
#define TZ "class/thermal/thermal_zone0"
#define HW "class/hwmon/hwmon1"

static void test_sysfs(void **state) {
        struct sysfs_fx fx = {.p = *state};
        struct fl_sysfs_config cfg = {.boot_id = BOOT};
        const char *label = "CPU_SrcID#0_Ha#0_Chan#0_DIMM#0";

        fx.root = fl_test_mkdtemp();
        assert_int_equal(sd_event_new(&fx.event), 0);
        put(&fx, MC "/mc_name", "Skylake Socket#0 IMC#0");
        put(&fx, MC "/ce_count", "0");
        put(&fx, MC "/ue_count", "0");
        put(&fx, MC "/ce_noinfo_count", "0");
        put(&fx, MC "/ue_noinfo_count", "0");
        put(&fx, MC "/csrow0/ce_count", "0");
        put(&fx, MC "/csrow0/ue_count", "0");
        put(&fx, MC "/csrow0/ch0_ce_count", "0");
        put(&fx, MC "/csrow0/ch0_dimm_label", label);
        put(&fx, MC "/dimm0/dimm_ce_count", "0");
        put(&fx, MC "/dimm0/dimm_ue_count", "0");
        put(&fx, MC "/dimm0/dimm_label", label);
        put(&fx, MC "/dimm0/dimm_location", "channel 0 slot 0 ");
        put(&fx, TZ "/type", "x86_pkg_temp");
        put(&fx, TZ "/temp", "50000");
        put(&fx, TZ "/trip_point_0_temp", "60000");
        put(&fx, TZ "/trip_point_0_type", "active");
        put(&fx, TZ "/trip_point_1_temp", "90000");
        put(&fx, TZ "/trip_point_1_type", "passive");
        put(&fx, HW "/name", "coretemp");
        put(&fx, HW "/temp1_input", "40000");
        put(&fx, HW "/temp1_label", "Package id 0");
        put(&fx, HW "/temp1_max", "80000");
        put(&fx, HW "/temp1_crit", "100000");
        put(&fx, HW "/temp1_crit_alarm", "0");
        cfg.sysfs_root = fx.root;

        reset(fx.p);
        assert_int_equal(fl_source_sysfs_new(fx.event, &cfg, sysfs_event, &fx, &fx.src), 0);
        assert_int_equal(fl_source_sysfs_poll(fx.src, true), 0); /* baseline */
        expect_none(fx.p, "the baseline");

        /* Nine correctable errors on the DIMM (every scope counts them). */
        put(&fx, MC "/ce_count", "9");
        put(&fx, MC "/csrow0/ce_count", "9");
        put(&fx, MC "/csrow0/ch0_ce_count", "9");
        put(&fx, MC "/dimm0/dimm_ce_count", "9");
        assert_int_equal(fl_source_sysfs_poll(fx.src, false), 0);
        expect_none(fx.p, "nine correctable errors");
        put(&fx, MC "/ce_count", "10");
        put(&fx, MC "/csrow0/ce_count", "10");
        put(&fx, MC "/csrow0/ch0_ce_count", "10");
        put(&fx, MC "/dimm0/dimm_ce_count", "10");
        assert_int_equal(fl_source_sysfs_poll(fx.src, false), 0);
        expect_one(fx.p, "dimm-ce-storm-edac", label,
                "{\"label\":\"CPU_SrcID#0_Ha#0_Chan#0_DIMM#0\",\"reason\":\"10 correctable "
                "memory errors on CPU_SrcID#0_Ha#0_Chan#0_DIMM#0 within 24h\"}");
        assert_string_equal(fx.p->firings[0].workflow, "collect-diagnostics");

        /* One uncorrectable error, counted by controller, csrow and DIMM:
         * one firing, from the controller's counter. */
        put(&fx, MC "/ue_count", "1");
        put(&fx, MC "/csrow0/ue_count", "1");
        put(&fx, MC "/dimm0/dimm_ue_count", "1");
        assert_int_equal(fl_source_sysfs_poll(fx.src, false), 0);
        expect_one(fx.p, "memory-ue-edac", "mc0",
                "{\"reason\":\"1 new uncorrectable memory error(s) on memory controller 0\"}");

        /* Over the active trip (a fan step): nothing. Over the passive one:
         * throttling. */
        put(&fx, TZ "/temp", "65000");
        assert_int_equal(fl_source_sysfs_poll(fx.src, false), 0);
        expect_none(fx.p, "an active trip point");
        put(&fx, TZ "/temp", "91000");
        assert_int_equal(fl_source_sysfs_poll(fx.src, false), 0);
        expect_one(fx.p, "thermal-trip-sysfs", "thermal_zone0",
                "{\"reason\":\"x86_pkg_temp (thermal_zone0) reached its passive trip point 90000 "
                "m°C at 91000 m°C\",\"temp\":\"91000\",\"zone\":\"thermal_zone0\"}");

        /* hwmon: the max limit is a warning level, the critical one acts. */
        put(&fx, HW "/temp1_input", "85000");
        assert_int_equal(fl_source_sysfs_poll(fx.src, false), 0);
        expect_none(fx.p, "an hwmon max limit");
        put(&fx, HW "/temp1_input", "100000");
        put(&fx, HW "/temp1_crit_alarm", "1");
        assert_int_equal(fl_source_sysfs_poll(fx.src, false), 0);
        assert_int_equal(fx.p->n_firings, 2);
        assert_string_equal(fx.p->firings[0].rule, "hwmon-crit-alarm");
        assert_string_equal(fx.p->firings[0].key, "hwmon1/temp1");
        assert_string_equal(fx.p->firings[0].params,
                "{\"reason\":\"coretemp Package id 0 raised temp1_crit_alarm\",\"zone\":\"coretemp/"
                "Package id 0\"}");
        assert_string_equal(fx.p->firings[1].rule, "hwmon-temp-crit");
        assert_string_equal(fx.p->firings[1].key, "hwmon1/temp1");
        assert_string_equal(fx.p->firings[1].params,
                "{\"reason\":\"coretemp Package id 0 at 100000 m°C reached its critical limit "
                "100000 m°C\",\"temp\":\"100000\",\"zone\":\"coretemp/Package id 0\"}");

        fl_source_sysfs_free(fx.src);
        sd_event_unref(fx.event);
        fl_test_rm_rf(fx.root);
        free(fx.root);
}

/* ---- the pack as a whole ---- */

/* Every rule of the pack was fired by the tests above. */
static void test_every_rule_exercised(void **state) {
        struct pack *p = *state;

        for (size_t i = 0; i < p->rules->n_rules; i++) {
                bool found = false;
                for (size_t k = 0; k < p->n_fired && !found; k++)
                        found = strcmp(p->fired[k], p->rules->rules[i]->name) == 0;
                if (!found)
                        fprintf(stderr, "rule %s was never fired by this test\n",
                                p->rules->rules[i]->name);
                assert_true(found);
        }
}

static void test_workflows_exist(void **state) {
        struct pack *p = *state;

        for (size_t i = 0; i < p->rules->n_rules; i++) {
                const struct fl_rule *r = p->rules->rules[i];
                _cleanup_free_ char *rel = NULL, *path = NULL;
                struct stat st;

                assert_true(asprintf(&rel, "rules/workflows.d/%s.hcl", r->workflow) > 0);
                path = fl_test_source_path(rel);
                if (stat(path, &st) < 0)
                        fprintf(stderr, "rule %s asks for workflow %s: %s is missing\n", r->name,
                                r->workflow, path);
                assert_int_equal(stat(path, &st), 0);
                assert_true(S_ISREG(st.st_mode));
        }
}

/* What the sources are told by the pack. */
static void test_pack_filter(void **state) {
        struct pack *p = *state;
        struct source_bpf_filter f;
        struct fl_journal_match_group *groups = NULL;
        size_t n = 1;

        fl_ruleset_bpf_filter(p->rules, &f);
        assert_int_equal(f.kinds,
                (1u << FL_BPF_BLOCK_RQ_ERROR) | (1u << FL_BPF_MC_EVENT) | (1u << FL_BPF_AER_EVENT) |
                        (1u << FL_BPF_MEMORY_FAILURE_EVENT) | (1u << FL_BPF_EXTLOG_MEM_EVENT) |
                        (1u << FL_BPF_MCE_RECORD) | (1u << FL_BPF_THERMAL_ZONE_TRIP));
        assert_int_equal(
                f.mc_error_types, (1u << FL_BPF_MC_CORRECTED) | (1u << FL_BPF_MC_UNCORRECTED) |
                                          (1u << FL_BPF_MC_FATAL) | (1u << FL_BPF_MC_DEFERRED));
        assert_int_equal(f.thermal_trip_types, 0xe); /* passive, hot, critical */
        assert_int_equal(fl_ruleset_journal_matches(p->rules, &groups, &n), 0);
        assert_int_equal(n, 0); /* kernel messages only */
        assert_null(groups);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_journal_rules),
                cmocka_unit_test(test_journal_thresholds),
                cmocka_unit_test(test_injected_lines),
                cmocka_unit_test(test_benign_lines),
                cmocka_unit_test(test_bpf_disk),
                cmocka_unit_test(test_bpf_memory),
                cmocka_unit_test(test_bpf_other),
                cmocka_unit_test(test_sysfs),
                cmocka_unit_test(test_every_rule_exercised),
                cmocka_unit_test(test_workflows_exist),
                cmocka_unit_test(test_pack_filter),
        };
        return cmocka_run_group_tests(tests, setup, teardown);
}
