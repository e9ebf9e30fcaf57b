/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for rule files: decode and compile, then use what was
 * compiled the way the agent does (BPF filter, journal matches, the engine
 * evaluating a journal line, a BPF event and a sysfs event against it), so
 * regexes, templates and conditions built from hostile input are exercised,
 * not only parsed. Checks, beyond "no crash, no leak, no UB": a file either
 * loads without a single diagnostic or fails with at least one, each with a
 * position, and a failure never returns a rule set.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine.h"
#include "rules_load.h"
#include "source_bpf.h"
#include "source_journal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void on_fire(const struct fl_firing *f, void *userdata) {
        size_t *n = userdata;

        if (!f->rule || !f->key || !f->params || !f->idempotency_key)
                abort();
        (*n)++;
}

static void evaluate(struct fl_ruleset *rs) {
        static const struct fl_event events[] = {
                {
                        .source = FL_SOURCE_JOURNAL,
                        .kind = "journal",
                        .realtime_usec = 1,
                        .identity = "s=1",
                        .count = 1,
                        .fields = {{"MESSAGE", "EDAC MC0: 1 UE memory read error on DIMM_A1 "
                                               "(page:0x10) I/O error, dev sdb, sector 8"},
                                {"_TRANSPORT", "kernel"}, {"SYSLOG_IDENTIFIER", "kernel"},
                                {"PRIORITY", "3"}},
                        .n_fields = 4,
                },
                {
                        .source = FL_SOURCE_BPF,
                        .kind = "block_rq_error",
                        .realtime_usec = 2,
                        .identity = "bpf:1",
                        .count = 1,
                        .fields = {{"dev", "8:16"}, {"disk", "sdb"}, {"sector", "2048"},
                                {"error_name", "BLK_STS_IOERR"}},
                        .n_fields = 4,
                },
                {
                        .source = FL_SOURCE_SYSFS,
                        .kind = "edac_ce",
                        .realtime_usec = 3,
                        .identity = "sysfs:1",
                        .count = 7,
                        .fields = {{"scope", "dimm"}, {"label", "DIMM_A1"}, {"delta", "7"}},
                        .n_fields = 3,
                },
        };
        struct fl_engine *e = NULL;
        size_t n = 0;

        if (fl_engine_new("fuzz", &e) < 0)
                return;
        if (fl_engine_set_rules(e, rs) == 0)
                for (int round = 0; round < 3; round++)
                        for (size_t i = 0; i < sizeof(events) / sizeof(events[0]); i++)
                                (void) fl_engine_process(e, &events[i], 10, on_fire, &n);
        fl_engine_free(e);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct fl_diags *diags = fl_diags_new();
        struct fl_ruleset *rs = NULL;
        struct source_bpf_filter filter;
        struct fl_journal_match_group *groups = NULL;
        size_t n_groups = 0;
        int r;

        if (!diags)
                return 0;
        r = fl_rules_parse((const char *) data, size, "fuzz.hcl", diags, &rs);
        if (r == 0) {
                if (!rs || diags->n_items != 0)
                        abort();
                fl_ruleset_bpf_filter(rs, &filter);
                r = fl_ruleset_journal_matches(rs, &groups, &n_groups);
                if (r < 0 && r != -ENOMEM && r != -E2BIG)
                        abort();
                for (size_t i = 0; i < n_groups; i++)
                        if (groups[i].n_matches != 1 || !strchr(groups[i].matches[0], '='))
                                abort();
                free(groups);
                evaluate(rs);
                fl_ruleset_unref(rs);
        } else if (r == -EINVAL) {
                if (rs || diags->n_items + diags->n_dropped == 0)
                        abort();
                for (size_t i = 0; i < diags->n_items; i++)
                        if (diags->items[i].line == 0 || diags->items[i].column == 0)
                                abort();
        } else if (r != -ENOMEM) {
                abort();
        }
        fl_diags_free(diags);
        return 0;
}
