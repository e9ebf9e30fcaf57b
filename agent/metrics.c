/* SPDX-License-Identifier: Apache-2.0 */
#include "metrics.h"

#include "bpf_event.h"
#include "macro.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define P "faultline_agent_"

static void source_metrics(FILE *f, const struct fl_metrics_view *v) {
        const struct fl_agent_counters *c = v->counters;
        char labels[64];

        fl_prom_header(f, P "source_up", "gauge",
                "1 when the source is running, 0 when it is configured but failed to start.");
        for (int s = 0; s < _FL_SOURCE_MAX; s++) {
                bool up = s == FL_SOURCE_BPF     ? v->bpf != NULL
                          : s == FL_SOURCE_SYSFS ? v->sysfs != NULL
                                                 : v->journal != NULL;
                if (!v->enabled[s])
                        continue;
                snprintf(labels, sizeof(labels), "source=\"%s\"", fl_source_to_string(s));
                fl_prom_sample(f, P "source_up", labels, up);
        }
        fl_prom_header(f, P "events_total", "counter", "Events received from each source.");
        for (int s = 0; s < _FL_SOURCE_MAX; s++) {
                snprintf(labels, sizeof(labels), "source=\"%s\"", fl_source_to_string(s));
                fl_prom_sample(f, P "events_total", labels, c->sources[s].events);
        }
        fl_prom_header(f, P "occurrences_total", "counter",
                "Occurrences those events stand for (counter deltas, reconciled drops).");
        for (int s = 0; s < _FL_SOURCE_MAX; s++) {
                snprintf(labels, sizeof(labels), "source=\"%s\"", fl_source_to_string(s));
                fl_prom_sample(f, P "occurrences_total", labels, c->sources[s].occurrences);
        }
        fl_prom_header(f, P "engine_errors_total", "counter",
                "Events the rule engine could not evaluate (out of memory).");
        for (int s = 0; s < _FL_SOURCE_MAX; s++) {
                snprintf(labels, sizeof(labels), "source=\"%s\"", fl_source_to_string(s));
                fl_prom_sample(f, P "engine_errors_total", labels, c->sources[s].engine_errors);
        }
        fl_prom_header(f, P "decision_latency_microseconds", "histogram",
                "From the kernel's timestamp of an event (sysfs: its read) to the rule decision.");
        for (int s = 0; s < _FL_SOURCE_MAX; s++) {
                snprintf(labels, sizeof(labels), "source=\"%s\"", fl_source_to_string(s));
                fl_prom_histogram(
                        f, P "decision_latency_microseconds", labels, &c->sources[s].latency);
        }
}

enum rule_field {
        RULE_MATCHED,
        RULE_FIRINGS,
        RULE_SUPPRESSED,
        RULE_KEYS_EVICTED,
        RULE_DELIVERY_ERRORS,
};

/* One per-rule counter family: the engine's live count plus what reloads
 * folded into the manager's base (so counters never go backwards). */
static void rule_family(FILE *f, const struct fl_metrics_view *v, const char *name,
        const char *help, enum rule_field field) {
        const struct fl_ruleset *rs = fl_engine_rules(v->engine);

        fl_prom_header(f, name, "counter", help);
        for (size_t i = 0; i < rs->n_rules; i++) {
                const struct fl_rule *r = rs->rules[i];
                const struct fl_rule_counters *base = fl_hashmap_get(v->rule_counters, r->name);
                const struct fl_rule_counters zero = {};
                struct fl_engine_rule_stats st = {};
                uint64_t value = 0;

                (void) fl_engine_rule_stats(v->engine, r->name, &st);
                if (!base)
                        base = &zero;
                switch (field) {
                case RULE_MATCHED:
                        value = st.matched + base->matched;
                        break;
                case RULE_FIRINGS:
                        value = st.firings + base->firings;
                        break;
                case RULE_SUPPRESSED:
                        value = st.suppressed + base->suppressed;
                        break;
                case RULE_KEYS_EVICTED:
                        value = st.keys_evicted + base->keys_evicted;
                        break;
                case RULE_DELIVERY_ERRORS:
                        value = base->delivery_errors;
                        break;
                }
                fprintf(f, "%s{rule=", name);
                fl_prom_label_value(f, r->name);
                fprintf(f, "} %" PRIu64 "\n", value);
        }
}

static void rule_metrics(FILE *f, const struct fl_metrics_view *v) {
        const struct fl_agent_counters *c = v->counters;

        fl_prom_header(f, P "rules", "gauge", "Rules in force.");
        fl_prom_sample(f, P "rules", NULL, fl_engine_rules(v->engine)->n_rules);
        fl_prom_header(f, P "rule_problems", "gauge",
                "Problems found by the last rules.d reload (those files keep their last good "
                "version).");
        fl_prom_sample(f, P "rule_problems", NULL, c->rule_problems);
        fl_prom_header(f, P "rule_reloads_total", "counter", "rules.d reloads.");
        fl_prom_sample(f, P "rule_reloads_total", NULL, c->reloads);
        fl_prom_header(f, P "rule_reload_errors_total", "counter",
                "rules.d reloads that found at least one invalid file.");
        fl_prom_sample(f, P "rule_reload_errors_total", NULL, c->reloads_failed);
        fl_prom_header(f, P "firings_total", "counter", "Rule firings, all rules.");
        fl_prom_sample(f, P "firings_total", NULL, c->firings);
        fl_prom_header(f, P "delivery_errors_total", "counter",
                "Triggers the delivery refused, all rules.");
        fl_prom_sample(f, P "delivery_errors_total", NULL, c->delivery_errors);

        rule_family(
                f, v, P "rule_matched_total", "Occurrences that matched the rule.", RULE_MATCHED);
        rule_family(f, v, P "rule_firings_total", "Times the rule fired.", RULE_FIRINGS);
        rule_family(f, v, P "rule_suppressed_total",
                "Thresholds reached during the rule's cooldown (no firing).", RULE_SUPPRESSED);
        rule_family(f, v, P "rule_keys_evicted_total",
                "Per-key windows dropped because the rule had too many keys.", RULE_KEYS_EVICTED);
        rule_family(f, v, P "rule_delivery_errors_total",
                "Firings of the rule whose trigger the delivery refused.", RULE_DELIVERY_ERRORS);
}

static void bpf_metrics(FILE *f, struct source_bpf *bpf) {
        static const struct {
                const char *name, *help;
                size_t offset;
        } kc[] = {
                {P "bpf_hits_total", "Tracepoint hits seen by the BPF program.",
                        offsetof(struct source_bpf_kind_stats, hits)},
                {P "bpf_filtered_total", "Hits the in-kernel filter kept from user space.",
                        offsetof(struct source_bpf_kind_stats, filtered)},
                {P "bpf_submitted_total", "Records put on the ring buffer.",
                        offsetof(struct source_bpf_kind_stats, submitted)},
                {P "bpf_ringbuf_drops_total",
                        "Occurrences that found the ring buffer full (counted in the kernel, "
                        "reconciled later).",
                        offsetof(struct source_bpf_kind_stats, lost)},
                {P "bpf_delivered_total", "Records read from the ring buffer.",
                        offsetof(struct source_bpf_kind_stats, delivered)},
                {P "bpf_reconciled_total",
                        "Dropped occurrences passed on from the kernel's counters.",
                        offsetof(struct source_bpf_kind_stats, reconciled)},
        };
        struct source_bpf_stats st;
        char labels[64];

        if (source_bpf_get_stats(bpf, &st) < 0)
                return;
        fl_prom_header(f, P "bpf_program_attached", "gauge",
                "1 when the tracepoint's program is attached.");
        for (unsigned k = 0; k < FL_BPF_KIND_MAX; k++) {
                snprintf(labels, sizeof(labels), "tracepoint=\"%s\"", fl_bpf_kind_to_string(k));
                fl_prom_sample(f, P "bpf_program_attached", labels,
                        st.kinds[k].state == SOURCE_BPF_PROG_ATTACHED);
        }
        for (size_t i = 0; i < ELEMENTSOF(kc); i++) {
                fl_prom_header(f, kc[i].name, "counter", kc[i].help);
                for (unsigned k = 0; k < FL_BPF_KIND_MAX; k++) {
                        uint64_t value;

                        if (st.kinds[k].state != SOURCE_BPF_PROG_ATTACHED &&
                                st.kinds[k].state != SOURCE_BPF_PROG_LOADED)
                                continue;
                        memcpy(&value, (const char *) &st.kinds[k] + kc[i].offset, sizeof(value));
                        snprintf(labels, sizeof(labels), "tracepoint=\"%s\"",
                                fl_bpf_kind_to_string(k));
                        fl_prom_sample(f, kc[i].name, labels, value);
                }
        }
        fl_prom_header(f, P "bpf_invalid_records_total", "counter",
                "Ring-buffer records of the wrong size or kind.");
        fl_prom_sample(f, P "bpf_invalid_records_total", NULL, st.invalid_records);
        fl_prom_header(f, P "bpf_process_errors_total", "counter",
                "Failed reads of the ring buffer or maps.");
        fl_prom_sample(f, P "bpf_process_errors_total", NULL, st.process_errors);
}

static void journal_metrics(FILE *f, const struct fl_source_journal *j) {
        struct fl_journal_stats st;

        fl_source_journal_get_stats(j, &st);
        fl_prom_header(f, P "journal_lines_total", "counter", "Journal entries read.");
        fl_prom_sample(f, P "journal_lines_total", NULL, st.lines);
        fl_prom_header(f, P "journal_truncated_total", "counter", "Field values cut at their cap.");
        fl_prom_sample(f, P "journal_truncated_total", NULL, st.truncated);
        fl_prom_header(f, P "journal_read_errors_total", "counter",
                "Journal entries that could not be read (skipped).");
        fl_prom_sample(f, P "journal_read_errors_total", NULL, st.read_errors);
        fl_prom_header(f, P "journal_cursor_errors_total", "counter",
                "Cursor file problems (unusable at start, failed saves).");
        fl_prom_sample(f, P "journal_cursor_errors_total", NULL, st.cursor_errors);
        fl_prom_header(f, P "journal_reopens_total", "counter",
                "Journal reopened after a backlog, to release the pages it mapped.");
        fl_prom_sample(f, P "journal_reopens_total", NULL, st.reopens);
}

static void sysfs_metrics(FILE *f, const struct fl_source_sysfs *s) {
        struct fl_sysfs_stats st;

        fl_source_sysfs_get_stats(s, &st);
        fl_prom_header(f, P "sysfs_sensors", "gauge", "Sensors read, by state.");
        fl_prom_sample(f, P "sysfs_sensors", "state=\"ok\"", st.sensors_ok);
        fl_prom_sample(f, P "sysfs_sensors", "state=\"degraded\"", st.sensors_degraded);
        /* No poll counter: it would change the file at every interval
         * and so defeat writing it only when something happened. */
        fl_prom_header(f, P "sysfs_degradations_total", "counter",
                "Sensors that stopped reading (ENODATA, EINVAL, vanished...).");
        fl_prom_sample(f, P "sysfs_degradations_total", NULL, st.degradations);
        fl_prom_header(f, P "sysfs_state_errors_total", "counter",
                "Failures to load or save the sysfs state file.");
        fl_prom_sample(f, P "sysfs_state_errors_total", NULL, st.state_errors);
}

int fl_metrics_render(const struct fl_metrics_view *v, char **ret, size_t *ret_size) {
        _cleanup_free_ char *text = NULL;
        size_t size = 0;
        FILE *f;
        int r = 0;

        f = open_memstream(&text, &size);
        if (!f)
                return -ENOMEM;
        source_metrics(f, v);
        rule_metrics(f, v);
        if (v->bpf)
                bpf_metrics(f, v->bpf);
        if (v->journal)
                journal_metrics(f, v->journal);
        if (v->sysfs)
                sysfs_metrics(f, v->sysfs);
        fl_prom_header(f, P "metrics_errors_total", "counter", "Failed writes of this file.");
        fl_prom_sample(f, P "metrics_errors_total", NULL, v->counters->metrics_errors);
        if (v->delivery)
                r = fl_delivery_write_metrics(v->delivery, f);
        if (ferror(f) && r == 0)
                r = -ENOMEM;
        if (fclose(f) != 0 && r == 0)
                r = -ENOMEM;
        if (r < 0)
                return r;
        *ret = TAKE_PTR(text);
        *ret_size = size;
        return 0;
}
