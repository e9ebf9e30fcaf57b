/* SPDX-License-Identifier: Apache-2.0 */
#include "rules_catalog.h"

#include "macro.h"

#include <string.h>

#define N FL_RULE_FIELD_NUMERIC

const char *const fl_rule_builtins[] = {"node", "rule", "kind", "source", "key", "count", NULL};

static const char *const true_only[] = {"true", NULL};
static const char *const true_false[] = {"true", "false", NULL};

/* agent/bpf_event.c spells these; the rule pack test feeds its events. */
static const char *const blk_status[] = {"BLK_STS_OK", "BLK_STS_NOTSUPP", "BLK_STS_TIMEOUT",
        "BLK_STS_NOSPC", "BLK_STS_TRANSPORT", "BLK_STS_TARGET", "BLK_STS_RESV_CONFLICT",
        "BLK_STS_MEDIUM", "BLK_STS_PROTECTION", "BLK_STS_RESOURCE", "BLK_STS_IOERR",
        "BLK_STS_DM_REQUEUE", "BLK_STS_AGAIN", "BLK_STS_DEV_RESOURCE", "BLK_STS_ZONE_OPEN_RESOURCE",
        "BLK_STS_ZONE_ACTIVE_RESOURCE", "BLK_STS_OFFLINE", "BLK_STS_DURATION_LIMIT",
        "BLK_STS_INVAL", NULL};
static const char *const mc_types[] = {
        "Corrected", "Uncorrected", "Deferred", "Fatal", "Info", "Unknown", NULL};
static const char *const aer_severities[] = {"Uncorrected", "Fatal", "Corrected", NULL};
static const char *const mf_results[] = {"Ignored", "Failed", "Delayed", "Recovered", NULL};
static const char *const cper_severities[] = {"recoverable", "fatal", "corrected", "info", NULL};
static const char *const bpf_trip_types[] = {"ACTIVE", "PASSIVE", "HOT", "CRITICAL", NULL};
static const char *const sysfs_trip_types[] = {"active", "passive", "hot", "critical", NULL};
static const char *const edac_scopes[] = {
        "mc", "mc_noinfo", "csrow", "channel", "dimm", "rank", NULL};
static const char *const hwmon_limits[] = {"crit", "max", NULL};

/* Every BPF event may be a reconciliation event standing for occurrences the
 * ring buffer dropped (docs/bpf.md). */
#define BPF_COMMON                      \
        {"reconciled", 0, true_only}, { \
                "unkeyed", 0, true_only \
        }

static const struct fl_rule_field_info block_rq_error[] = {
        {"dev", 0, NULL},
        {"disk", 0, NULL},
        {"sector", N, NULL},
        {"nr_sector", N, NULL},
        {"error", N, NULL},
        {"error_name", 0, blk_status},
        {"rwbs", 0, NULL},
        BPF_COMMON,
        {},
};

static const struct fl_rule_field_info mc_event[] = {
        {"error_type", 0, mc_types},
        {"error_count", N, NULL},
        {"msg", 0, NULL},
        {"label", 0, NULL},
        {"mc_index", N, NULL},
        {"top_layer", N, NULL},
        {"middle_layer", N, NULL},
        {"lower_layer", N, NULL},
        {"address", N, NULL},
        {"grain", N, NULL},
        {"grain_bits", N, NULL},
        {"syndrome", N, NULL},
        {"driver_detail", 0, NULL},
        BPF_COMMON,
        {},
};

static const struct fl_rule_field_info aer_event[] = {
        {"dev_name", 0, NULL},
        {"bus_type", 0, NULL},
        {"status", N, NULL},
        {"severity", 0, aer_severities},
        {"errors", 0, NULL},
        {"tlp_header_valid", N, NULL},
        {"tlp_header", 0, NULL},
        BPF_COMMON,
        {},
};

static const struct fl_rule_field_info memory_failure_event[] = {
        {"pfn", N, NULL},
        {"type", 0, NULL},
        {"result", 0, mf_results},
        BPF_COMMON,
        {},
};

static const struct fl_rule_field_info extlog_mem_event[] = {
        {"err_seq", N, NULL},
        {"etype", 0, NULL},
        {"pa", N, NULL},
        {"pa_mask_lsb", N, NULL},
        {"fru_id", 0, NULL},
        {"fru_text", 0, NULL},
        {"sev", 0, cper_severities},
        {"node", N, NULL},
        {"card", N, NULL},
        {"module", N, NULL},
        {"bank", N, NULL},
        {"device", N, NULL},
        {"row", N, NULL},
        {"column", N, NULL},
        {"bit_pos", N, NULL},
        {"rank", N, NULL},
        BPF_COMMON,
        {},
};

static const struct fl_rule_field_info arm_event[] = {
        {"mpidr", N, NULL},
        {"midr", N, NULL},
        {"running_state", N, NULL},
        {"psci_state", N, NULL},
        {"affinity", N, NULL},
        {"sev", 0, cper_severities},
        {"cpu", N, NULL},
        {"pei_len", N, NULL},
        {"ctx_len", N, NULL},
        {"oem_len", N, NULL},
        BPF_COMMON,
        {},
};

static const struct fl_rule_field_info non_standard_event[] = {
        {"sec_type", 0, NULL},
        {"fru_id", 0, NULL},
        {"fru_text", 0, NULL},
        {"sev", 0, cper_severities},
        {"len", N, NULL},
        BPF_COMMON,
        {},
};

static const struct fl_rule_field_info mce_record[] = {
        {"cpu", N, NULL},
        {"bank", N, NULL},
        {"status", N, NULL},
        {"uncorrected", 0, true_false},
        {"addr", N, NULL},
        {"misc", N, NULL},
        {"synd", N, NULL},
        {"ipid", N, NULL},
        {"mcgcap", N, NULL},
        {"mcgstatus", N, NULL},
        {"ip", N, NULL},
        {"cs", N, NULL},
        {"tsc", N, NULL},
        {"walltime", N, NULL},
        {"ppin", N, NULL},
        {"cpuid", N, NULL},
        {"apicid", N, NULL},
        {"socketid", N, NULL},
        {"cpuvendor", N, NULL},
        {"microcode", N, NULL},
        BPF_COMMON,
        {},
};

static const struct fl_rule_field_info thermal_zone_trip[] = {
        {"thermal_zone", 0, NULL},
        {"id", N, NULL},
        {"trip", N, NULL},
        {"trip_type", 0, bpf_trip_types},
        {"temp", N, NULL},
        BPF_COMMON,
        {},
};

static const struct fl_rule_field_info thermal_temperature[] = {
        {"thermal_zone", 0, NULL},
        {"id", N, NULL},
        {"temp_prev", N, NULL},
        {"temp", N, NULL},
        BPF_COMMON,
        {},
};

static const struct fl_rule_field_info edac[] = {
        {"scope", 0, edac_scopes},
        {"mc", N, NULL},
        {"mc_name", 0, NULL},
        {"csrow", N, NULL},
        {"channel", N, NULL},
        {"dimm", N, NULL},
        {"rank", N, NULL},
        {"label", 0, NULL},
        {"location", 0, NULL},
        {"total", N, NULL},
        {"delta", N, NULL},
        {"path", 0, NULL},
        {},
};

static const struct fl_rule_field_info thermal_zone[] = {
        {"zone", 0, NULL},
        {"type", 0, NULL},
        {"temp", N, NULL},
        {"trip", N, NULL},
        {"trip_type", 0, sysfs_trip_types},
        {"trip_temp", N, NULL},
        {"hyst", N, NULL},
        {"path", 0, NULL},
        {},
};

static const struct fl_rule_field_info hwmon_temp[] = {
        {"hwmon", 0, NULL},
        {"chip", 0, NULL},
        {"sensor", 0, NULL},
        {"label", 0, NULL},
        {"temp", N, NULL},
        {"limit", N, NULL},
        {"limit_kind", 0, hwmon_limits},
        {"hyst", N, NULL},
        {"path", 0, NULL},
        {},
};

static const struct fl_rule_field_info hwmon_alarm[] = {
        {"hwmon", 0, NULL},
        {"chip", 0, NULL},
        {"attribute", 0, NULL},
        {"sensor", 0, NULL},
        {"label", 0, NULL},
        {"value", N, NULL},
        {"path", 0, NULL},
        {},
};

/* agent/source_journal.c: the fields it hands to rules. */
static const struct fl_rule_field_info journal[] = {
        {"MESSAGE", 0, NULL},
        {"SYSLOG_IDENTIFIER", 0, NULL},
        {"_TRANSPORT", 0, NULL},
        {"PRIORITY", N, NULL},
        {"SYSLOG_FACILITY", N, NULL},
        {"_BOOT_ID", 0, NULL},
        {"_KERNEL_DEVICE", 0, NULL},
        {"_KERNEL_SUBSYSTEM", 0, NULL},
        {"_UDEV_DEVNODE", 0, NULL},
        {"_HOSTNAME", 0, NULL},
        {"_COMM", 0, NULL},
        {"_PID", N, NULL},
        {"_SYSTEMD_UNIT", 0, NULL},
        {},
};

static const struct fl_rule_kind_info kinds[] = {
        {"block_rq_error", FL_SOURCE_BPF, block_rq_error},
        {"mc_event", FL_SOURCE_BPF, mc_event},
        {"aer_event", FL_SOURCE_BPF, aer_event},
        {"memory_failure_event", FL_SOURCE_BPF, memory_failure_event},
        {"extlog_mem_event", FL_SOURCE_BPF, extlog_mem_event},
        {"arm_event", FL_SOURCE_BPF, arm_event},
        {"non_standard_event", FL_SOURCE_BPF, non_standard_event},
        {"mce_record", FL_SOURCE_BPF, mce_record},
        {"thermal_zone_trip", FL_SOURCE_BPF, thermal_zone_trip},
        {"thermal_temperature", FL_SOURCE_BPF, thermal_temperature},
        {"edac_ce", FL_SOURCE_SYSFS, edac},
        {"edac_ue", FL_SOURCE_SYSFS, edac},
        {"thermal_trip", FL_SOURCE_SYSFS, thermal_zone},
        {"thermal_clear", FL_SOURCE_SYSFS, thermal_zone},
        {"hwmon_temp", FL_SOURCE_SYSFS, hwmon_temp},
        {"hwmon_temp_clear", FL_SOURCE_SYSFS, hwmon_temp},
        {"hwmon_alarm", FL_SOURCE_SYSFS, hwmon_alarm},
        {"hwmon_alarm_clear", FL_SOURCE_SYSFS, hwmon_alarm},
        {FL_RULE_JOURNAL_KIND, FL_SOURCE_JOURNAL, journal},
};

const struct fl_rule_kind_info *fl_rule_kinds(size_t *ret_n) {
        *ret_n = ELEMENTSOF(kinds);
        return kinds;
}

const struct fl_rule_kind_info *fl_rule_kind_find(const char *name) {
        for (size_t i = 0; name && i < ELEMENTSOF(kinds); i++)
                if (strcmp(kinds[i].name, name) == 0)
                        return &kinds[i];
        return NULL;
}

const struct fl_rule_field_info *fl_rule_kind_field(
        const struct fl_rule_kind_info *k, const char *name) {
        for (const struct fl_rule_field_info *f = k->fields; f->name; f++)
                if (strcmp(f->name, name) == 0)
                        return f;
        return NULL;
}

bool fl_rule_is_builtin(const char *name) {
        for (size_t i = 0; fl_rule_builtins[i]; i++)
                if (strcmp(fl_rule_builtins[i], name) == 0)
                        return true;
        return false;
}
