/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The rule loader: every validation error with its exact FILE:LINE:COL and
 * message, what a valid rule compiles to, the rules directory (last good
 * version per file, deleted files, duplicate names across files, unchanged
 * files not parsed again, names that are not rule files, caps), and what
 * the sources get from a rule set (BPF filter, journald matches).
 */
#include "bpf_event.h"
#include "engine.h"
#include "fl_test.h"
#include "macro.h"
#include "rules_catalog.h"
#include "rules_load.h"
#include "source_bpf.h"
#include "source_journal.h"
#include "source_sysfs.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* ---- helpers ---- */

static char *diags_text(const struct fl_diags *d) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        assert_non_null(f);
        assert_int_equal(fl_diags_print(d, f), 0);
        fclose(f);
        return buf;
}

static struct fl_ruleset *parse_ok(const char *src) {
        _cleanup_(fl_diags_freep) struct fl_diags *d = fl_diags_new();
        struct fl_ruleset *rs = NULL;
        int r = fl_rules_parse(src, strlen(src), "t.hcl", d, &rs);

        if (r != 0) {
                _cleanup_free_ char *text = diags_text(d);
                fprintf(stderr, "unexpected errors:\n%s", text);
        }
        assert_int_equal(r, 0);
        assert_non_null(rs);
        return rs;
}

static const struct fl_rule *find_rule(const struct fl_ruleset *rs, const char *name) {
        for (size_t i = 0; i < rs->n_rules; i++)
                if (strcmp(rs->rules[i]->name, name) == 0)
                        return rs->rules[i];
        return NULL;
}

/* "a,b,c": the rule names of a set, in order. */
static char *names_of(const struct fl_ruleset *rs) {
        char *buf = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&buf, &size);

        assert_non_null(f);
        for (size_t i = 0; i < rs->n_rules; i++)
                fprintf(f, "%s%s", i ? "," : "", rs->rules[i]->name);
        fclose(f);
        return buf;
}

static const char *rule_src(const char *name, const char *kind) {
        static char buf[512];
        snprintf(buf, sizeof(buf),
                "rule \"%s\" {\n  source = \"bpf\"\n  match { kind = \"%s\" }\n  workflow = "
                "\"w\"\n}\n",
                name, kind);
        return buf;
}

/* ---- every validation error ---- */

struct error_case {
        const char *name;
        const char *src;
        const char *expected;
};

#define RULE(body) "rule \"a\" {\n" body "}\n"
#define BPF_MC     "  source = \"bpf\"\n  match { kind = \"mc_event\" }\n"

static const struct error_case error_cases[] = {
        {"source unknown",
                RULE("  source = \"kernel\"\n  match { kind = \"mc_event\" }\n  workflow = "
                     "\"w\"\n"),
                "t.hcl:2:12: invalid value \"kernel\" for \"source\" (expected one of: \"bpf\", "
                "\"sysfs\", \"journal\")\n"},
        {"source missing", RULE("  match { kind = \"mc_event\" }\n  workflow = \"w\"\n"),
                "t.hcl:1:1: missing required attribute \"source\" in block \"rule\"\n"},
        {"kind unknown, with a hint",
                RULE("  source = \"bpf\"\n  match { kind = \"block_rq_eror\" }\n  workflow = "
                     "\"w\"\n"),
                "t.hcl:3:18: unknown kind \"block_rq_eror\"; did you mean \"block_rq_error\"?\n"},
        {"kind unknown, with the list",
                RULE("  source = \"sysfs\"\n  match { kind = \"nonsense\" }\n  workflow = \"w\"\n"),
                "t.hcl:3:18: unknown kind \"nonsense\" for source \"sysfs\" (expected one of: "
                "edac_ce, edac_ue, thermal_trip, thermal_clear, hwmon_temp, hwmon_temp_clear, "
                "hwmon_alarm, hwmon_alarm_clear)\n"},
        {"kind of another source",
                RULE("  source = \"bpf\"\n  match { kind = \"edac_ce\" }\n  workflow = \"w\"\n"),
                "t.hcl:3:18: kind \"edac_ce\" belongs to source \"sysfs\", not \"bpf\"\n"},
        {"journal kind on bpf",
                RULE("  source = \"bpf\"\n  match { kind = \"journal\" }\n  workflow = \"w\"\n"),
                "t.hcl:3:18: kind \"journal\" belongs to source \"journal\", not \"bpf\"\n"},
        {"kind missing",
                RULE("  source = \"sysfs\"\n  match {\n    field \"scope\" { equals = \"mc\" }\n  "
                     "}\n  workflow = \"w\"\n"),
                "t.hcl:3:3: missing required attribute \"kind\" in block \"match\": source "
                "\"sysfs\" needs one\n"},
        {"match missing", RULE("  source = \"bpf\"\n  workflow = \"w\"\n"),
                "t.hcl:1:1: missing required block \"match\" in block \"rule\"\n"},
        {"workflow missing", RULE(BPF_MC),
                "t.hcl:1:1: missing required attribute \"workflow\" in block \"rule\"\n"},
        {"operator unknown, with a hint",
                RULE("  source = \"bpf\"\n  match {\n    kind = \"block_rq_error\"\n    field "
                     "\"disk\" { equls = \"sda\" }\n  }\n  workflow = \"w\"\n"),
                "t.hcl:5:20: unknown operator \"equls\" for field \"disk\"; did you mean "
                "\"equals\"?\n"},
        {"operator unknown, with the list",
                RULE("  source = \"bpf\"\n  match {\n    kind = \"block_rq_error\"\n    field "
                     "\"disk\" { matches = \"sda\" }\n  }\n  workflow = \"w\"\n"),
                "t.hcl:5:20: unknown operator \"matches\" for field \"disk\" (expected one of: "
                "equals, not_equals, in, regex, not_regex, gte, gt, lte, lt, present, absent)\n"},
        {"field unknown",
                RULE("  source = \"bpf\"\n  match {\n    kind = \"block_rq_error\"\n    field "
                     "\"dsik\" { equals = \"sda\" }\n  }\n  workflow = \"w\"\n"),
                "t.hcl:5:11: unknown field \"dsik\": not a field of block_rq_error or a builtin; "
                "did you mean \"disk\"?\n"},
        {"journal field unknown",
                RULE("  source = \"journal\"\n  match {\n    message = \"dev (?<disk>\\\\w+)\"\n   "
                     " field \"device\" { equals = \"sda\" }\n  }\n  workflow = \"w\"\n"),
                "t.hcl:5:11: unknown field \"device\": not a journal field, a named capture of "
                "\"message\" or a builtin\n"},
        {"regex error at its column",
                RULE("  source = \"journal\"\n  match { message = \"abc(def\" }\n  workflow = "
                     "\"w\"\n"),
                "t.hcl:3:29: invalid regex in \"message\" at offset 7: missing closing "
                "parenthesis\n"},
        {"regex error in the middle",
                RULE("  source = \"journal\"\n  match { exclude = \"a{2,1}b\" }\n  workflow = "
                     "\"w\"\n"),
                "t.hcl:3:27: invalid regex in \"exclude\" at offset 5: numbers out of order in "
                "{} quantifier\n"},
        {"regex error after escapes", /* \\d, \", \u00e9 (2 bytes), \\w: columns, not bytes */
                RULE("  source = \"journal\"\n  match { message = \"\\\\d+ \\\"q\\\" \\u00e9 "
                     "(?<x>\\\\w+) [z\" }\n  workflow = \"w\"\n"),
                "t.hcl:3:53: invalid regex in \"message\" at offset 23: missing terminating ] for "
                "character class\n"},
        {"regex error in a heredoc: the value's position",
                RULE("  source = \"journal\"\n  match {\n    message = <<EOT\nabc(\nEOT\n  }\n  "
                     "workflow = \"w\"\n"),
                "t.hcl:4:15: invalid regex in \"message\" at offset 5: missing closing "
                "parenthesis\n"},
        {"regex error in a field",
                RULE("  source = \"bpf\"\n  match {\n    kind = \"block_rq_error\"\n    field "
                     "\"disk\" { not_regex = \"^sd[a-\" }\n  }\n  workflow = \"w\"\n"),
                "t.hcl:5:39: invalid regex in \"field \"disk\" not_regex\" at offset 6: missing "
                "terminating ] for character class\n"},
        {"regex with too many groups",
                RULE("  source = \"journal\"\n  match { message = "
                     "\"(a)(a)(a)(a)(a)(a)(a)(a)(a)(a)(a)(a)(a)(a)(a)(a)(a)(a)(a)(a)(a)(a)(a)(a)("
                     "a)(a)(a)(a)(a)(a)(a)(a)(a)\" }\n  workflow = \"w\"\n"),
                "t.hcl:3:21: \"message\" has 33 capture groups; at most 32 are supported\n"},
        {"capture hiding a builtin",
                RULE("  source = \"journal\"\n  match { message = \"(?<count>\\\\d+) errors\" }\n  "
                     "workflow = \"w\"\n"),
                "t.hcl:3:21: capture \"count\" in \"message\" would hide the builtin {count}; "
                "rename it\n"},
        {"placeholders in the key",
                RULE("  source = \"bpf\"\n  match { kind = \"block_rq_error\" }\n  threshold { "
                     "key = \"{dsk}/{count}\" }\n  workflow = \"w\"\n"),
                "t.hcl:4:22: unknown placeholder {dsk} in \"key\": not a field of block_rq_error "
                "or a builtin; did you mean {disk}?\n"
                "t.hcl:4:28: {count} cannot be used in the threshold key\n"},
        {"placeholder near a capture",
                RULE("  source = \"journal\"\n  match { message = \"dev (?<disk>\\\\w+)\" }\n  "
                     "workflow = \"w\"\n  params = { d = \"/dev/{dsk}\" }\n"),
                "t.hcl:5:24: unknown placeholder {dsk} in params.d: not a journal field, a named "
                "capture of \"message\" or a builtin; did you mean {disk}?\n"},
        {"placeholder of another kind",
                RULE("  source = \"sysfs\"\n  match { kind = \"thermal_trip\" }\n  workflow = "
                     "\"w\"\n  params = { z = \"{zone} {temp} {thermal_zone}\" }\n"),
                "t.hcl:5:33: unknown placeholder {thermal_zone} in params.z: not a field of "
                "thermal_trip or a builtin\n"},
        {"template syntax",
                RULE(BPF_MC "  workflow = \"w\"\n  params = { d = \"/dev/{label\", e = \"x}\", f "
                            "= \"{\\\"}\" }\n"),
                "t.hcl:5:24: invalid template in params.d: unterminated placeholder\n"
                "t.hcl:5:39: invalid template in params.e: unmatched '}' (write '}}' for a "
                "literal brace)\n"
                "t.hcl:5:49: invalid template in params.f: invalid character in placeholder "
                "name\n"},
        {"journal attributes on another source",
                RULE("  source = \"sysfs\"\n  match {\n    kind = \"edac_ce\"\n    message = "
                     "\"x\"\n    exclude = \"y\"\n    journal_match = "
                     "[\"SYSLOG_IDENTIFIER=smartd\"]\n  }\n  workflow = \"w\"\n"),
                "t.hcl:5:5: \"message\" is only for rules with source \"journal\"\n"
                "t.hcl:6:5: \"exclude\" is only for rules with source \"journal\"\n"
                "t.hcl:7:5: \"journal_match\" is only for rules with source \"journal\"\n"},
        {"journal matches",
                RULE("  source = \"journal\"\n  match {\n    journal_match = "
                     "[\"SYSLOG_IDENTIFIER=smartd\", \"syslog_identifier=x\", \"=x\", \"1A=b\", "
                     "\"_EXE=/usr/sbin/smartd\"]\n  }\n  workflow = \"w\"\n"),
                "t.hcl:4:50: invalid journal match \"syslog_identifier=x\": write FIELD=value, "
                "FIELD of A-Z, 0-9 and _ (at most 1024 characters)\n"
                "t.hcl:4:73: invalid journal match \"=x\": write FIELD=value, FIELD of A-Z, 0-9 "
                "and _ (at most 1024 characters)\n"
                "t.hcl:4:79: invalid journal match \"1A=b\": write FIELD=value, FIELD of A-Z, "
                "0-9 and _ (at most 1024 characters)\n"
                "t.hcl:4:87: journal match on \"_EXE\": the journal source does not pass that "
                "field to rules, so entries would be read but never match\n"},
        {"count below 1", RULE(BPF_MC "  threshold { count = 0 }\n  workflow = \"w\"\n"),
                "t.hcl:4:23: \"count\" must be between 1 and 1000000, not 0\n"},
        {"window missing",
                RULE(BPF_MC "  threshold { count = 5  key = \"{label}\" }\n  workflow = \"w\"\n"),
                "t.hcl:4:23: \"window\" is required when \"count\" is more than 1: 5 "
                "occurrences within what time?\n"},
        {"window and cooldown bounds",
                RULE(BPF_MC "  threshold { count = 5  window = \"500ms\" }\n  cooldown = "
                            "\"31d\"\n  workflow = \"w\"\n"),
                "t.hcl:4:35: \"window\" must be between 1s and 30d, not \"500ms\"\n"
                "t.hcl:5:14: \"cooldown\" must be between 0 and 30d, not \"31d\"\n"},
        {"cooldown group name",
                RULE(BPF_MC "  cooldown_group = \"disk io\"\n  workflow = \"w\"\n"),
                "t.hcl:4:20: invalid cooldown group \"disk io\": use letters, digits, \"-\", "
                "\"_\" and \".\", starting with a letter or digit, at most 64 characters\n"},
        {"window not a duration",
                RULE(BPF_MC "  threshold { count = 5  window = \"10 minutes\" }\n  workflow = "
                            "\"w\"\n"),
                "t.hcl:4:35: invalid duration \"10 minutes\" for \"window\": missing unit after a "
                "number (use ms, s, m, h or d)\n"},
        {"duplicate names in one file",
                RULE(BPF_MC "  workflow = \"w\"\n") RULE(BPF_MC "  workflow = \"w\"\n"),
                "t.hcl:6:1: duplicate block \"rule\" \"a\" (first at 1:1)\n"},
        {"names",
                "rule \"a b\" {\n" BPF_MC "  workflow = \"../w\"\n  params = { \"a b\" = \"x\", "
                "ok = 3, list = [\"x\"] }\n}\n"
                "rule \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\" "
                "{\n" BPF_MC "  workflow = \"w\"\n}\n",
                "t.hcl:1:6: invalid rule name \"a b\": use letters, digits, \"-\", \"_\" and "
                "\".\", "
                "starting with a letter or digit, at most 64 characters\n"
                "t.hcl:4:14: invalid workflow name \"../w\": use letters, digits, \"-\", \"_\" and "
                "\".\", starting with a letter or digit, at most 64 characters\n"
                "t.hcl:5:14: invalid parameter name \"a b\": use letters, digits, \"-\", \"_\" and "
                "\".\", at most 64 characters\n"
                "t.hcl:5:32: params.ok must be a string, not a number\n"
                "t.hcl:5:42: params.list must be a string, not a list\n"
                "t.hcl:7:6: invalid rule name "
                "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...\": use "
                "letters, digits, \"-\", \"_\" and \".\", starting with a letter or digit, at "
                "most 64 characters\n"},
        {"params not an object", RULE(BPF_MC "  workflow = \"w\"\n  params = [\"x\"]\n"),
                "t.hcl:5:12: \"params\" must be an object of strings, not a list\n"},
        {"values",
                RULE("  source = \"bpf\"\n  match {\n    kind = \"mc_event\"\n    field "
                     "\"error_type\" { in = [\"Corrected\", \"fatal\", \"Bogus\"] }\n    field "
                     "\"label\" { gte = 3 }\n    field \"mc_index\" { lt = \"3\" }\n    field "
                     "\"msg\" { in = [] }\n    field \"syndrome\" { equals = [\"x\"] }\n  }\n  "
                     "workflow = \"w\"\n"),
                "t.hcl:5:45: invalid value \"fatal\" for field \"error_type\" of mc_event; did you "
                "mean \"Fatal\"?\n"
                "t.hcl:5:54: invalid value \"Bogus\" for field \"error_type\" of mc_event "
                "(expected one of: \"Corrected\", \"Uncorrected\", \"Deferred\", \"Fatal\", "
                "\"Info\", \"Unknown\")\n"
                "t.hcl:6:21: \"gte\" compares numbers, but field \"label\" of mc_event is text\n"
                "t.hcl:7:29: \"lt\" of field \"mc_index\" must be a number, not a string\n"
                "t.hcl:8:24: \"in\" of field \"msg\" must hold 1 to 64 values, not 0\n"
                "t.hcl:9:33: \"equals\" of field \"syndrome\" must be a string, a number or a "
                "bool, "
                "not a list\n"},
        {"block status names",
                RULE("  source = \"bpf\"\n  match {\n    kind = \"block_rq_error\"\n    field "
                     "\"error_name\" { in = [\"BLK_STS_IOERR\", \"BLK_STS_25\", \"BLK_STS_IOER\"] "
                     "}\n  }\n  workflow = \"w\"\n"),
                "t.hcl:5:63: invalid value \"BLK_STS_IOER\" for field \"error_name\" of "
                "block_rq_error; did you mean \"BLK_STS_IOERR\"?\n"},
        {"presence and empty fields",
                RULE("  source = \"bpf\"\n  match {\n    kind = \"mc_event\"\n    field \"label\" "
                     "{\n      present = true\n      absent = true\n    }\n    field \"msg\" {}\n "
                     "   field \"address\" {\n      present = \"yes\"\n      inner { x = 1 }\n    "
                     "}\n  }\n  workflow = \"w\"\n"),
                "t.hcl:7:7: \"present\" and \"absent\" of field \"label\": use only one of them\n"
                "t.hcl:9:5: field \"msg\" has no condition (use equals, not_equals, in, regex, "
                "not_regex, gte, gt, lte, lt, present, absent)\n"
                "t.hcl:11:17: \"present\" of field \"address\" must be true or false, not a "
                "string\n"
                "t.hcl:12:7: block \"inner\" is not allowed in block \"field\"\n"},
        {"the same field twice",
                RULE("  source = \"bpf\"\n  match {\n    kind = \"mc_event\"\n    field \"label\" "
                     "{ present = true }\n    field \"label\" { equals = \"x\" }\n  }\n  workflow "
                     "= \"w\"\n"),
                "t.hcl:6:5: duplicate block \"field\" \"label\" (first at 5:5)\n"},
        {"HCL syntax", RULE("  source = \"bpf\" workflow = \"w\"\n"),
                "t.hcl:2:18: two attributes on one line (\"source\" and \"workflow\"): put each on "
                "its own line\n"},
        {"top level", "rules_dir = \"/x\"\nrules \"a\" {\n}\nrule {\n  source = \"bpf\"\n}\n",
                "t.hcl:1:1: unknown attribute \"rules_dir\"\n"
                "t.hcl:2:1: unknown block \"rules\"; did you mean \"rule\"?\n"
                "t.hcl:4:1: block \"rule\" needs 1 label (name), found 0\n"},
        {"a disabled rule is still checked",
                RULE("  enabled = false\n  source = \"bpf\"\n  match { kind = \"mc_evnt\" }\n  "
                     "workflow = \"w\"\n"),
                "t.hcl:4:18: unknown kind \"mc_evnt\"; did you mean \"mc_event\"?\n"},
        {"key template too long",
                RULE(BPF_MC
                        "  threshold { key = "
                        "\"kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
                        "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
                        "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
                        "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
                        "\" }\n  workflow = \"w\"\n"),
                "t.hcl:4:21: \"key\" is too long: 257 bytes (at most 256)\n"},
};

static void test_errors(void **state) {
        for (size_t i = 0; i < ELEMENTSOF(error_cases); i++) {
                const struct error_case *c = &error_cases[i];
                _cleanup_(fl_diags_freep) struct fl_diags *d = fl_diags_new();
                struct fl_ruleset *rs = NULL;
                _cleanup_free_ char *got = NULL;
                int r;

                r = fl_rules_parse(c->src, strlen(c->src), "t.hcl", d, &rs);
                got = diags_text(d);
                if (r != -EINVAL || strcmp(got, c->expected) != 0)
                        fprintf(stderr, "case \"%s\": r=%d\n--- got\n%s--- expected\n%s", c->name,
                                r, got, c->expected);
                assert_int_equal(r, -EINVAL);
                assert_null(rs);
                assert_string_equal(got, c->expected);
        }
}

/* The size caps: rules per file, bytes per file. */
static void test_file_caps(void **state) {
        _cleanup_(fl_diags_freep) struct fl_diags *d = fl_diags_new();
        _cleanup_free_ char *src = NULL, *big = NULL, *got = NULL;
        struct fl_ruleset *rs = NULL;
        size_t len = 0, size = 0;
        FILE *f = open_memstream(&src, &size);

        for (int i = 0; i <= FL_RULES_PER_FILE_MAX; i++) {
                char name[16];
                snprintf(name, sizeof(name), "r%d", i);
                fputs(rule_src(name, "mc_event"), f);
        }
        fclose(f);
        assert_int_equal(fl_rules_parse(src, size, "t.hcl", d, &rs), -EINVAL);
        got = diags_text(d);
        /* Rule 257 starts on line 5 * 256 + 1. */
        assert_string_equal(got, "t.hcl:1281:1: too many rules in one file (at most 256)\n");
        /* 256 are fine. */
        *strstr(src, "rule \"r256\"") = '\0';
        rs = parse_ok(src);
        assert_int_equal(rs->n_rules, 256);
        fl_ruleset_unref(rs);

        len = FL_RULES_FILE_MAX_BYTES + 1;
        big = malloc(len);
        memset(big, '#', len);
        fl_diags_free(d);
        d = fl_diags_new();
        assert_int_equal(fl_rules_parse(big, len, "t.hcl", d, &rs), -EINVAL);
        free(got);
        got = diags_text(d);
        assert_string_equal(got, "t.hcl:1:1: file is too large: 1048577 bytes (at most 1048576)\n");
}

/* ---- what a valid rule compiles to ---- */

static const char full_rule[] =
        "# comment\n"
        "rule \"disk-io\" {\n"
        "  description = \"Disk errors\"\n"
        "  source   = \"bpf\"\n"
        "  match {\n"
        "    kind = \"block_rq_error\"\n"
        "    field \"error_name\" { in = [\"BLK_STS_IOERR\", \"BLK_STS_MEDIUM\"] }\n"
        "    field \"sector\"     {\n"
        "      gte = 8\n"
        "      lt  = 1e6\n"
        "    }\n"
        "    field \"disk\"       { not_regex = \"^loop\" }\n"
        "    field \"rwbs\"       { present = false }\n"
        "    field \"reconciled\" { not_equals = true }\n"
        "  }\n"
        "  threshold { count = 3  window = \"10m\"  key = \"{disk}\" }\n"
        "  cooldown = \"1h\"\n"
        "  workflow = \"disk-io-error\"\n"
        "  params   = { device = \"/dev/{disk}\", sector = \"{sector}\", who = \"{node}/{rule}\" "
        "}\n"
        "}\n"
        "rule \"smartd\" {\n"
        "  source = \"journal\"\n"
        "  match {\n"
        "    message = \"Device: /dev/(?<disk>\\\\w+) \\\\[SAT\\\\], (?<n>\\\\d+) Currently "
        "unreadable\"\n"
        "    exclude = \"ignored\"\n"
        "    journal_match = [\"SYSLOG_IDENTIFIER=smartd\"]\n"
        "    field \"n\" { gte = 1 }\n"
        "  }\n"
        "  workflow = \"disk-io-error\"\n"
        "  params = { disk = \"{disk}\" }\n"
        "}\n"
        "rule \"off\" {\n"
        "  enabled = false\n"
        "  source = \"sysfs\"\n"
        "  match { kind = \"edac_ce\" }\n"
        "  workflow = \"w\"\n"
        "}\n";

static void test_compile(void **state) {
        struct fl_ruleset *rs = parse_ok(full_rule);
        const struct fl_rule *r;

        /* The disabled rule is checked but left out. */
        assert_int_equal(rs->n_rules, 2);
        r = find_rule(rs, "disk-io");
        assert_non_null(r);
        assert_string_equal(r->file, "t.hcl");
        assert_int_equal(r->line, 2);
        assert_int_equal(r->column, 1);
        assert_string_equal(r->description, "Disk errors");
        assert_int_equal(r->source, FL_SOURCE_BPF);
        assert_string_equal(r->kind, "block_rq_error");
        assert_int_equal(r->n_conds, 6);
        assert_string_equal(r->conds[0].field, "error_name");
        assert_int_equal(r->conds[0].op, FL_COND_IN);
        assert_int_equal(r->conds[0].n_strv, 2);
        assert_string_equal(r->conds[0].strv[1], "BLK_STS_MEDIUM");
        assert_int_equal(r->conds[1].op, FL_COND_GTE);
        assert_true(r->conds[1].num == 8);
        assert_int_equal(r->conds[2].op, FL_COND_LT);
        assert_true(r->conds[2].num == 1e6);
        assert_int_equal(r->conds[3].op, FL_COND_NOT_REGEX);
        assert_non_null(r->conds[3].re);
        assert_int_equal(r->conds[4].op, FL_COND_ABSENT); /* present = false */
        assert_int_equal(r->conds[5].op, FL_COND_NOT_EQUALS);
        assert_string_equal(r->conds[5].str, "true");
        assert_int_equal(r->count, 3);
        assert_int_equal(r->window_usec, 600ULL * 1000 * 1000);
        assert_int_equal(fl_template_n_refs(r->key), 1);
        assert_string_equal(fl_template_ref(r->key, 0), "disk");
        assert_int_equal(r->cooldown_usec, 3600ULL * 1000 * 1000);
        assert_string_equal(r->workflow, "disk-io-error");
        assert_int_equal(r->n_params, 3);
        assert_string_equal(r->params[0].name, "device");
        assert_string_equal(r->params[2].name, "who");
        assert_null(r->message_re);

        r = find_rule(rs, "smartd");
        assert_non_null(r);
        assert_int_equal(r->source, FL_SOURCE_JOURNAL);
        assert_null(r->kind); /* journal rules match kind "journal" */
        assert_non_null(r->message_re);
        assert_non_null(r->exclude_re);
        assert_int_equal(r->n_journal_matches, 1);
        assert_string_equal(r->journal_matches[0], "SYSLOG_IDENTIFIER=smartd");
        assert_int_equal(r->count, 1);
        assert_null(r->key);
        assert_int_equal(r->cooldown_usec, 0);
        fl_ruleset_unref(rs);
}

/* The fingerprint covers what counters depend on, nothing else. */
static uint64_t fingerprint_of(const char *threshold, const char *extra) {
        char src[1024];
        struct fl_ruleset *rs;
        uint64_t fp;

        snprintf(src, sizeof(src),
                "rule \"a\" {\n  source = \"bpf\"\n  match { kind = \"mc_event\" }\n  %s\n  %s\n  "
                "workflow = \"w\"\n}\n",
                threshold, extra);
        rs = parse_ok(src);
        fp = rs->rules[0]->state_fingerprint;
        fl_ruleset_unref(rs);
        return fp;
}

static void test_fingerprint(void **state) {
        const char *base = "threshold { count = 3  window = \"1h\"  key = \"{label}\" }";
        uint64_t fp = fingerprint_of(base, "cooldown = \"1h\"");

        assert_int_equal(fp, fingerprint_of(base, "cooldown = \"1h\"\n  description = \"x\""));
        assert_int_equal(fp, fingerprint_of(base, "cooldown = \"1h\"\n  params = { a = \"b\" }"));
        assert_int_not_equal(fp, fingerprint_of(base, "cooldown = \"2h\""));
        assert_int_not_equal(fp, fingerprint_of("threshold { count = 4  window = \"1h\"  key = "
                                                "\"{label}\" }",
                                         "cooldown = \"1h\""));
        assert_int_not_equal(fp, fingerprint_of("threshold { count = 3  window = \"2h\"  key = "
                                                "\"{label}\" }",
                                         "cooldown = \"1h\""));
        assert_int_not_equal(fp, fingerprint_of("threshold { count = 3  window = \"1h\"  key = "
                                                "\"{mc_index}\" }",
                                         "cooldown = \"1h\""));
}

/* The catalog knows every kind the sources produce. */
static void test_catalog(void **state) {
        const struct fl_rule_kind_info *k;

        for (unsigned i = 0; i < FL_BPF_KIND_MAX; i++) {
                k = fl_rule_kind_find(fl_bpf_kind_to_string(i));
                assert_non_null(k);
                assert_int_equal(k->source, FL_SOURCE_BPF);
                assert_non_null(fl_rule_kind_field(k, "reconciled"));
        }
        for (int i = 0; i < _FL_SYSFS_KIND_MAX; i++) {
                k = fl_rule_kind_find(fl_sysfs_kind_to_string((enum fl_sysfs_kind) i));
                assert_non_null(k);
                assert_int_equal(k->source, FL_SOURCE_SYSFS);
        }
        k = fl_rule_kind_find("journal");
        assert_non_null(k);
        assert_int_equal(k->source, FL_SOURCE_JOURNAL);
        assert_null(fl_rule_kind_find("nonsense"));
        /* The status names are the formatter's. */
        k = fl_rule_kind_find("block_rq_error");
        for (unsigned s = 0; fl_blk_status_to_string(s); s++) {
                const struct fl_rule_field_info *f = fl_rule_kind_field(k, "error_name");
                bool found = false;
                for (size_t v = 0; f->values[v]; v++)
                        found = found || strcmp(f->values[v], fl_blk_status_to_string(s)) == 0;
                assert_true(found);
        }
}

/* ---- the rules directory ---- */

static void write_aged(const char *dir, const char *name, const char *data) {
        /* An mtime well before the read, so the timestamps alone prove the
         * file unchanged afterwards (no same-tick race to guard against). */
        struct timespec t[2];
        char *path = fl_test_write_file(dir, name, data);

        clock_gettime(CLOCK_REALTIME, &t[0]);
        t[0].tv_sec -= 100;
        t[1] = t[0];
        assert_int_equal(utimensat(AT_FDCWD, path, t, 0), 0);
        free(path);
}

static void remove_file(const char *dir, const char *name) {
        char path[PATH_MAX];
        snprintf(path, sizeof(path), "%s/%s", dir, name);
        assert_int_equal(unlink(path), 0);
}

struct reload {
        int r;
        struct fl_ruleset *rs;
        char *names;
        char *diags;
};

static struct reload reload(struct fl_rules_dir *d) {
        _cleanup_(fl_diags_freep) struct fl_diags *diags = fl_diags_new();
        struct reload x = {};

        x.r = fl_rules_dir_reload(d, diags, &x.rs);
        x.diags = diags_text(diags);
        x.names = x.rs ? names_of(x.rs) : strdup("(none)");
        return x;
}

static void reload_done(struct reload *x) {
        fl_ruleset_unref(x->rs);
        free(x->names);
        free(x->diags);
        *x = (struct reload){};
}

/* "DIR/NAME:L:C: message\n" */
static char *diag_line(const char *dir, const char *name, const char *rest) {
        char *s;
        assert_true(asprintf(&s, "%s/%s:%s\n", dir, name, rest) > 0);
        return s;
}

static void test_dir_last_good(void **state) {
        _cleanup_free_ char *dir = fl_test_mkdtemp();
        _cleanup_(fl_rules_dir_freep) struct fl_rules_dir *d = NULL;
        _cleanup_free_ char *expected = NULL;
        struct fl_rules_dir_stats st;
        const struct fl_rule *a1;
        struct reload x;

        assert_int_equal(fl_rules_dir_new(dir, &d), 0);
        write_aged(dir, "a.hcl", rule_src("a1", "mc_event"));
        write_aged(dir, "b.hcl", rule_src("b1", "block_rq_error"));
        x = reload(d);
        assert_int_equal(x.r, 0);
        assert_string_equal(x.names, "a1,b1");
        assert_string_equal(x.diags, "");
        a1 = x.rs->rules[0];
        expected = diag_line(dir, "a.hcl", "");
        expected[strlen(expected) - 2] = '\0'; /* DIR/a.hcl */
        assert_string_equal(a1->file, expected);
        free(expected);
        reload_done(&x);

        /* An invalid edit keeps the last good rules, and says why. */
        write_aged(dir, "a.hcl",
                "rule \"a2\" {\n  source = \"bfp\"\n  match { kind = \"mc_event\" }\n  workflow "
                "= \"w\"\n}\n");
        x = reload(d);
        assert_int_equal(x.r, -EINVAL);
        assert_string_equal(x.names, "a1,b1");
        expected = diag_line(
                dir, "a.hcl", "2:12: invalid value \"bfp\" for \"source\"; did you mean \"bpf\"?");
        assert_string_equal(x.diags, expected);
        fl_rules_dir_get_stats(d, &st);
        assert_int_equal(st.files, 2);
        assert_int_equal(st.files_invalid, 1);
        assert_int_equal(st.rules, 2);
        assert_int_equal(st.files_parsed, 3);
        reload_done(&x);

        /* Unchanged and still invalid: reported again, not parsed again. */
        x = reload(d);
        assert_int_equal(x.r, -EINVAL);
        assert_string_equal(x.diags, expected);
        assert_string_equal(x.names, "a1,b1");
        fl_rules_dir_get_stats(d, &st);
        assert_int_equal(st.files_parsed, 3);
        reload_done(&x);

        /* Fixed: the new version goes in force. */
        write_aged(dir, "a.hcl", rule_src("a2", "mc_event"));
        x = reload(d);
        assert_int_equal(x.r, 0);
        assert_string_equal(x.names, "a2,b1");
        assert_string_equal(x.diags, "");
        reload_done(&x);

        /* A deleted file's rules go. */
        remove_file(dir, "b.hcl");
        x = reload(d);
        assert_int_equal(x.r, 0);
        assert_string_equal(x.names, "a2");
        reload_done(&x);

        /* A new file that never loaded contributes nothing. */
        write_aged(dir, "c.hcl", "rule \"c\" {\n");
        x = reload(d);
        assert_int_equal(x.r, -EINVAL);
        assert_string_equal(x.names, "a2");
        assert_non_null(strstr(x.diags, "/c.hcl:1:1: unterminated block \"rule\""));
        reload_done(&x);

        /* Deleting the invalid file makes the directory valid again. */
        remove_file(dir, "c.hcl");
        x = reload(d);
        assert_int_equal(x.r, 0);
        reload_done(&x);
        fl_test_rm_rf(dir);
}

static void test_dir_unchanged(void **state) {
        _cleanup_free_ char *dir = fl_test_mkdtemp();
        _cleanup_(fl_rules_dir_freep) struct fl_rules_dir *d = NULL;
        struct fl_rules_dir_stats st;
        struct fl_rule *before;
        char *path;
        struct reload x;

        assert_int_equal(fl_rules_dir_new(dir, &d), 0);
        write_aged(dir, "a.hcl", rule_src("a", "mc_event"));
        path = fl_test_write_file(dir, "fresh.hcl", rule_src("f", "mc_event"));
        x = reload(d);
        assert_int_equal(x.r, 0);
        before = x.rs->rules[0];
        reload_done(&x);
        fl_rules_dir_get_stats(d, &st);
        assert_int_equal(st.files_read, 2);
        assert_int_equal(st.files_parsed, 2);

        /* a.hcl: same identity, old mtime: not even read. fresh.hcl was
         * modified within the racy interval: read and compared, not parsed. */
        x = reload(d);
        assert_int_equal(x.r, 0);
        assert_ptr_equal(x.rs->rules[0], before); /* the same compiled rule */
        reload_done(&x);
        fl_rules_dir_get_stats(d, &st);
        assert_int_equal(st.files_read, 3);
        assert_int_equal(st.files_parsed, 2);
        assert_int_equal(st.files_unchanged, 2);

        /* Touched with the same contents: read, not parsed. */
        write_aged(dir, "fresh.hcl", rule_src("f", "mc_event"));
        x = reload(d);
        reload_done(&x);
        fl_rules_dir_get_stats(d, &st);
        assert_int_equal(st.files_read, 4);
        assert_int_equal(st.files_parsed, 2);

        /* Now both are old: nothing is read. */
        x = reload(d);
        reload_done(&x);
        fl_rules_dir_get_stats(d, &st);
        assert_int_equal(st.files_read, 4);
        assert_int_equal(st.reloads, 4);

        /* Same size, new contents, within the racy interval: parsed. */
        free(path);
        path = fl_test_write_file(dir, "fresh.hcl", rule_src("g", "mc_event"));
        x = reload(d);
        assert_string_equal(x.names, "a,g");
        reload_done(&x);
        fl_rules_dir_get_stats(d, &st);
        assert_int_equal(st.files_parsed, 3);
        free(path);
        fl_test_rm_rf(dir);
}

static void test_dir_duplicates(void **state) {
        _cleanup_free_ char *dir = fl_test_mkdtemp();
        _cleanup_(fl_rules_dir_freep) struct fl_rules_dir *d = NULL;
        _cleanup_free_ char *expected = NULL, *rest = NULL;
        char two[1024];
        struct reload x;

        assert_int_equal(fl_rules_dir_new(dir, &d), 0);
        write_aged(dir, "m.hcl", rule_src("x", "mc_event"));
        x = reload(d);
        assert_string_equal(x.names, "x");
        reload_done(&x);

        /* A new file claiming a name m.hcl holds is refused, even though it
         * sorts first; both positions are named. */
        snprintf(two, sizeof(two), "%s%s", rule_src("y", "mc_event"), "");
        strcat(two, rule_src("x", "aer_event"));
        write_aged(dir, "a.hcl", two);
        x = reload(d);
        assert_int_equal(x.r, -EINVAL);
        assert_string_equal(x.names, "x");
        assert_string_equal(x.rs->rules[0]->kind, "mc_event");
        assert_true(asprintf(&rest, "6:1: duplicate rule \"x\" (also defined at %s/m.hcl:1:1)",
                            dir) > 0);
        expected = diag_line(dir, "a.hcl", rest);
        assert_string_equal(x.diags, expected);
        reload_done(&x);

        /* Editing the holder while the clash lasts keeps its name. */
        snprintf(two, sizeof(two), "%s", rule_src("x", "thermal_zone_trip"));
        write_aged(dir, "m.hcl", two);
        x = reload(d);
        assert_int_equal(x.r, -EINVAL);
        assert_string_equal(x.names, "x");
        assert_string_equal(x.rs->rules[0]->kind, "thermal_zone_trip");
        assert_string_equal(x.diags, expected);
        reload_done(&x);

        /* The holder lets the name go: the other file's version loads. */
        write_aged(dir, "m.hcl", rule_src("z", "mc_event"));
        x = reload(d);
        assert_int_equal(x.r, 0);
        assert_string_equal(x.names, "y,x,z");
        assert_string_equal(x.rs->rules[1]->kind, "aer_event");
        reload_done(&x);
        fl_test_rm_rf(dir);

        /* Two new claims: the first file in name order wins (--check). */
        free(dir);
        dir = fl_test_mkdtemp();
        write_aged(dir, "b.hcl", rule_src("dup", "mc_event"));
        write_aged(dir, "c.hcl", rule_src("dup", "mc_event"));
        _cleanup_(fl_diags_freep) struct fl_diags *diags = fl_diags_new();
        assert_int_equal(fl_rules_check_dir(dir, diags), -EINVAL);
        free(rest);
        free(expected);
        assert_true(asprintf(&rest, "1:1: duplicate rule \"dup\" (also defined at %s/b.hcl:1:1)",
                            dir) > 0);
        expected = diag_line(dir, "c.hcl", rest);
        _cleanup_free_ char *got = diags_text(diags);
        assert_string_equal(got, expected);
        fl_test_rm_rf(dir);
}

static void test_dir_names(void **state) {
        _cleanup_free_ char *dir = fl_test_mkdtemp();
        _cleanup_free_ char *slash = NULL, *expected = NULL, *e2 = NULL;
        _cleanup_(fl_rules_dir_freep) struct fl_rules_dir *d = NULL;
        char path[PATH_MAX];
        struct reload x;

        /* Not rule files: garbage in them must not matter. */
        static const char *const ignored[] = {".hidden.hcl", "x.hcl~", ".#x.hcl", "x.hcl.swp",
                "README", "x.HCL", ".hcl", "x.hcl.dpkg-old", "#x.hcl#"};
        for (size_t i = 0; i < ELEMENTSOF(ignored); i++)
                free(fl_test_write_file(dir, ignored[i], "garbage {{{"));
        write_aged(dir, "ok.hcl", rule_src("ok", "mc_event"));
        /* A trailing slash does not double in messages. */
        assert_true(asprintf(&slash, "%s/", dir) > 0);
        assert_int_equal(fl_rules_dir_new(slash, &d), 0);
        x = reload(d);
        assert_int_equal(x.r, 0);
        assert_string_equal(x.names, "ok");
        assert_string_equal(x.diags, "");
        reload_done(&x);

        /* Named like a rule file but not a regular file; a FIFO must not
         * block the reload. */
        snprintf(path, sizeof(path), "%s/dir.hcl", dir);
        assert_int_equal(mkdir(path, 0755), 0);
        snprintf(path, sizeof(path), "%s/fifo.hcl", dir);
        assert_int_equal(mkfifo(path, 0644), 0);
        x = reload(d);
        assert_int_equal(x.r, -EINVAL);
        assert_string_equal(x.names, "ok");
        expected = diag_line(dir, "dir.hcl", "1:1: not a regular file");
        e2 = diag_line(dir, "fifo.hcl", "1:1: not a regular file");
        char both[2 * PATH_MAX];
        snprintf(both, sizeof(both), "%s%s", expected, e2);
        assert_string_equal(x.diags, both);
        reload_done(&x);

        /* Empty and missing directories. */
        assert_int_equal(fl_rules_dir_new("", &d), -EINVAL);
        fl_test_rm_rf(dir);
        {
                _cleanup_(fl_rules_dir_freep) struct fl_rules_dir *gone = NULL;
                struct fl_ruleset *untouched = (struct fl_ruleset *) 0x1;
                assert_int_equal(fl_rules_dir_new(dir, &gone), 0);
                assert_int_equal(fl_rules_dir_reload(gone, NULL, &untouched), -ENOENT);
                assert_ptr_equal(untouched, (struct fl_ruleset *) 0x1);
                assert_int_equal(fl_rules_check_dir(dir, NULL), -ENOENT);
        }
        /* The state survives a vanished directory. */
        x = reload(d);
        assert_int_equal(x.r, -ENOENT);
        assert_null(x.rs);
        reload_done(&x);
}

static void test_dir_journal_cap(void **state) {
        _cleanup_free_ char *dir = fl_test_mkdtemp();
        _cleanup_(fl_rules_dir_freep) struct fl_rules_dir *d = NULL;
        _cleanup_free_ char *expected = NULL;
        struct reload x;

        /* Five files of 16 distinct journal matches: the fifth would make
         * 80 groups, more than the journal source takes. */
        for (int f = 0; f < 5; f++) {
                char src[4096], name[16];
                size_t len = (size_t) snprintf(src, sizeof(src),
                        "rule \"j%d\" {\n  source = \"journal\"\n  match {\n    journal_match = [",
                        f);
                for (int m = 0; m < 16; m++)
                        len += (size_t) snprintf(src + len, sizeof(src) - len,
                                "%s\"SYSLOG_IDENTIFIER=d%d\"", m ? ", " : "", f * 16 + m);
                snprintf(src + len, sizeof(src) - len, "]\n  }\n  workflow = \"w\"\n}\n");
                snprintf(name, sizeof(name), "%d.hcl", f);
                write_aged(dir, name, src);
        }
        assert_int_equal(fl_rules_dir_new(dir, &d), 0);
        x = reload(d);
        assert_int_equal(x.r, -EINVAL);
        assert_string_equal(x.names, "j0,j1,j2,j3");
        expected = diag_line(dir, "4.hcl",
                "1:1: this version is not loaded: the rules directory would hold more than 4096 "
                "rules or 64 distinct journal matches");
        assert_string_equal(x.diags, expected);

        struct fl_journal_match_group *groups = NULL;
        size_t n = 0;
        assert_int_equal(fl_ruleset_journal_matches(x.rs, &groups, &n), 0);
        assert_int_equal(n, 64);
        free(groups);
        reload_done(&x);
        fl_test_rm_rf(dir);
}

static void test_check_dir(void **state) {
        _cleanup_free_ char *dir = fl_test_mkdtemp();
        _cleanup_(fl_diags_freep) struct fl_diags *diags = fl_diags_new();
        _cleanup_free_ char *got = NULL;

        assert_int_equal(fl_rules_check_dir(dir, diags), 0);
        write_aged(dir, "a.hcl", rule_src("a", "mc_evnt"));
        write_aged(dir, "b.hcl", rule_src("b", "mc_event"));
        write_aged(dir, "c.hcl",
                "rule \"c\" {\n  source = \"journal\"\n  match { message = \"(\" }\n  workflow = "
                "\"w\"\n}\n");
        assert_int_equal(fl_rules_check_dir(dir, diags), -EINVAL);
        got = diags_text(diags);
        /* Every problem of every file, in file order. */
        assert_non_null(
                strstr(got, "/a.hcl:3:18: unknown kind \"mc_evnt\"; did you mean \"mc_event\"?\n"));
        assert_non_null(strstr(got, "/c.hcl:3:23: invalid regex in \"message\" at offset 1: "
                                    "missing closing parenthesis\n"));
        assert_int_equal(diags->n_items, 2);
        fl_test_rm_rf(dir);
}

/* ---- what the sources get ---- */

static struct fl_ruleset *ruleset_of(const char *const *srcs) {
        struct fl_ruleset *all = fl_ruleset_new();

        for (size_t i = 0; srcs[i]; i++) {
                struct fl_ruleset *rs = parse_ok(srcs[i]);
                for (size_t k = 0; k < rs->n_rules; k++)
                        assert_int_equal(fl_ruleset_add(all, fl_rule_ref(rs->rules[k])), 0);
                fl_ruleset_unref(rs);
        }
        return all;
}

#define BPF_RULE(name, kind, fields)                                                           \
        "rule \"" name "\" {\n  source = \"bpf\"\n  match {\n    kind = \"" kind "\"\n" fields \
        "  }\n  workflow = \"w\"\n}\n"

#define BIT(x)  (UINT32_C(1) << (x))
#define MC(x)   BIT(FL_BPF_MC_##x)
#define KIND(x) BIT(FL_BPF_##x)

struct filter_case {
        const char *name;
        const char *srcs[5];
        struct source_bpf_filter expected;
};

static const struct filter_case filter_cases[] = {
        {"no rules", {NULL}, {.kinds = 0, .thermal_temp_min_mc = INT32_MAX}},
        {"journal and sysfs rules need nothing from BPF",
                {"rule \"j\" {\n  source = \"journal\"\n  match { message = \"x\" }\n  workflow = "
                 "\"w\"\n}\n",
                        "rule \"s\" {\n  source = \"sysfs\"\n  match { kind = \"edac_ce\" }\n  "
                        "workflow = \"w\"\n}\n",
                        NULL},
                {.kinds = 0, .thermal_temp_min_mc = INT32_MAX}},
        {"kinds only", {BPF_RULE("a", "block_rq_error", ""), BPF_RULE("b", "aer_event", ""), NULL},
                {.kinds = KIND(BLOCK_RQ_ERROR) | KIND(AER_EVENT),
                        .thermal_temp_min_mc = INT32_MAX}},
        {"mc types from equals and in",
                {BPF_RULE("a", "mc_event", "    field \"error_type\" { equals = \"Corrected\" }\n"),
                        BPF_RULE("b", "mc_event",
                                "    field \"error_type\" { in = [\"Uncorrected\", \"Fatal\"] }\n"),
                        NULL},
                {.kinds = KIND(MC_EVENT),
                        .mc_error_types = MC(CORRECTED) | MC(UNCORRECTED) | MC(FATAL),
                        .thermal_temp_min_mc = INT32_MAX}},
        {"mc types from not_equals",
                {BPF_RULE("a", "mc_event", "    field \"error_type\" { not_equals = \"Info\" }\n"),
                        NULL},
                {.kinds = KIND(MC_EVENT),
                        .mc_error_types = MC(CORRECTED) | MC(UNCORRECTED) | MC(DEFERRED) |
                                          MC(FATAL) | MC(UNKNOWN),
                        .thermal_temp_min_mc = INT32_MAX}},
        {"mc types: a regex cannot narrow",
                {BPF_RULE("a", "mc_event", "    field \"error_type\" { regex = \"^C\" }\n"), NULL},
                {.kinds = KIND(MC_EVENT),
                        .mc_error_types = 0x3f,
                        .thermal_temp_min_mc = INT32_MAX}},
        {"mc types: two conditions intersect",
                {BPF_RULE("a", "mc_event",
                         "    field \"error_type\" {\n      in = [\"Corrected\", \"Fatal\"]\n      "
                         "not_equals = \"Fatal\"\n    }\n"),
                        NULL},
                {.kinds = KIND(MC_EVENT),
                        .mc_error_types = MC(CORRECTED),
                        .thermal_temp_min_mc = INT32_MAX}},
        {"trip types",
                {BPF_RULE("a", "thermal_zone_trip",
                         "    field \"trip_type\" { in = [\"PASSIVE\", \"HOT\", \"CRITICAL\"] }\n"),
                        NULL},
                {.kinds = KIND(THERMAL_ZONE_TRIP),
                        .thermal_trip_types = 0xe,
                        .thermal_temp_min_mc = INT32_MAX}},
        {"lowest temperature threshold",
                {BPF_RULE("a", "thermal_temperature", "    field \"temp\" { gte = 85000 }\n"),
                        BPF_RULE("b", "thermal_temperature",
                                "    field \"temp\" {\n      gt = 80000.5\n      lt = 90000\n    "
                                "}\n"),
                        NULL},
                {.kinds = KIND(THERMAL_TEMPERATURE), .thermal_temp_min_mc = 80000}},
        {"a temperature rule without a bound",
                {BPF_RULE("a", "thermal_temperature", "    field \"temp\" { gte = 85000 }\n"),
                        BPF_RULE("b", "thermal_temperature",
                                "    field \"thermal_zone\" { equals = \"acpitz\" }\n"),
                        NULL},
                {.kinds = KIND(THERMAL_TEMPERATURE), .thermal_temp_min_mc = INT32_MIN}},
};

static void test_bpf_filter(void **state) {
        for (size_t i = 0; i < ELEMENTSOF(filter_cases); i++) {
                const struct filter_case *c = &filter_cases[i];
                struct fl_ruleset *rs = ruleset_of(c->srcs);
                struct source_bpf_filter f;

                memset(&f, 0xaa, sizeof(f));
                fl_ruleset_bpf_filter(rs, &f);
                if (memcmp(&f, &c->expected, sizeof(f)) != 0)
                        fprintf(stderr,
                                "case \"%s\": kinds %#x mc %#x trips %#x temp %d, expected %#x %#x "
                                "%#x %d\n",
                                c->name, f.kinds, f.mc_error_types, f.thermal_trip_types,
                                f.thermal_temp_min_mc, c->expected.kinds,
                                c->expected.mc_error_types, c->expected.thermal_trip_types,
                                c->expected.thermal_temp_min_mc);
                assert_memory_equal(&f, &c->expected, sizeof(f));
                fl_ruleset_unref(rs);
        }
}

static void test_journal_matches(void **state) {
        static const char *const srcs[] = {
                "rule \"a\" {\n  source = \"journal\"\n  match { journal_match = "
                "[\"SYSLOG_IDENTIFIER=smartd\", \"_SYSTEMD_UNIT=smartd.service\"] }\n  workflow "
                "= \"w\"\n}\n",
                "rule \"k\" {\n  source = \"journal\"\n  match { message = \"x\" }\n  workflow = "
                "\"w\"\n}\n",
                BPF_RULE("b", "mc_event", ""),
                "rule \"c\" {\n  source = \"journal\"\n  match { journal_match = "
                "[\"_SYSTEMD_UNIT=smartd.service\", \"_TRANSPORT=kernel\"] }\n  workflow = "
                "\"w\"\n}\n",
                NULL,
        };
        static const char *const none[] = {BPF_RULE("b", "mc_event", ""), NULL};
        struct fl_ruleset *rs = ruleset_of(srcs);
        struct fl_journal_match_group *g = (void *) 1;
        size_t n = 7;

        assert_int_equal(fl_ruleset_journal_matches(rs, &g, &n), 0);
        assert_int_equal(n, 3);
        for (size_t i = 0; i < n; i++)
                assert_int_equal(g[i].n_matches, 1);
        assert_string_equal(g[0].matches[0], "SYSLOG_IDENTIFIER=smartd");
        assert_string_equal(g[1].matches[0], "_SYSTEMD_UNIT=smartd.service");
        assert_string_equal(g[2].matches[0], "_TRANSPORT=kernel");
        free(g);
        fl_ruleset_unref(rs);

        rs = ruleset_of(none);
        assert_int_equal(fl_ruleset_journal_matches(rs, &g, &n), 0);
        assert_null(g);
        assert_int_equal(n, 0);

        /* Sets built by hand may exceed what the journal source takes. */
        for (int i = 0; i < 5; i++) {
                char src[2048];
                size_t len = (size_t) snprintf(src, sizeof(src),
                        "rule \"j%d\" {\n  source = \"journal\"\n  match { journal_match = [", i);
                for (int m = 0; m < 16; m++)
                        len += (size_t) snprintf(src + len, sizeof(src) - len, "%s\"_PID=%d\"",
                                m ? ", " : "", i * 16 + m);
                snprintf(src + len, sizeof(src) - len, "] }\n  workflow = \"w\"\n}\n");
                const char *one[] = {src, NULL};
                struct fl_ruleset *more = ruleset_of(one);
                assert_int_equal(fl_ruleset_add(rs, fl_rule_ref(more->rules[0])), 0);
                fl_ruleset_unref(more);
        }
        assert_int_equal(fl_ruleset_journal_matches(rs, &g, &n), -E2BIG);
        fl_ruleset_unref(rs);
}

/* ---- loaded rules drive the engine ---- */

struct fired {
        int n;
        char key[64];
        char params[512];
};

static void on_fire(const struct fl_firing *f, void *userdata) {
        struct fired *x = userdata;
        char *p = json_dumps(f->params, JSON_COMPACT | JSON_SORT_KEYS);

        x->n++;
        snprintf(x->key, sizeof(x->key), "%s", f->key);
        snprintf(x->params, sizeof(x->params), "%s", p);
        free(p);
}

static void test_engine(void **state) {
        static const char v1[] =
                "rule \"io\" {\n  source = \"bpf\"\n  match {\n    kind = \"block_rq_error\"\n    "
                "field \"error_name\" { equals = \"BLK_STS_IOERR\" }\n  }\n  threshold { count = 2 "
                " window = \"1h\"  key = \"{disk}\" }\n  workflow = \"disk-io-error\"\n  params = "
                "{ "
                "device = \"/dev/{disk}\", who = \"{node}:{rule}:{count}\" }\n}\n";
        static const char v2_description[] =
                "rule \"io\" {\n  description = \"same threshold\"\n  source = \"bpf\"\n  match "
                "{\n    kind = \"block_rq_error\"\n    field \"error_name\" { equals = "
                "\"BLK_STS_IOERR\" }\n  }\n  threshold { count = 2  window = \"1h\"  key = "
                "\"{disk}\" }\n  workflow = \"disk-io-error\"\n  params = { device = "
                "\"/dev/{disk}\", who = \"{node}:{rule}:{count}\" }\n}\n";
        static const char v3_count[] =
                "rule \"io\" {\n  source = \"bpf\"\n  match {\n    kind = \"block_rq_error\"\n  "
                "}\n "
                " threshold { count = 3  window = \"1h\"  key = \"{disk}\" }\n  workflow = "
                "\"disk-io-error\"\n}\n";
        struct fl_event ev = {
                .source = FL_SOURCE_BPF,
                .kind = "block_rq_error",
                .realtime_usec = 1000000,
                .identity = "bpf:1",
                .count = 1,
                .fields = {{"disk", "sdb"}, {"error_name", "BLK_STS_IOERR"}},
                .n_fields = 2,
        };
        struct fl_engine *e = NULL;
        struct fl_ruleset *rs;
        struct fired x = {};

        assert_int_equal(fl_engine_new("node-a", &e), 0);
        rs = parse_ok(v1);
        assert_int_equal(fl_engine_set_rules(e, rs), 0);
        fl_ruleset_unref(rs);
        assert_int_equal(fl_engine_process(e, &ev, 0, on_fire, &x), 1);
        assert_int_equal(x.n, 0);

        /* A reload that keeps the threshold keeps the count... */
        rs = parse_ok(v2_description);
        assert_int_equal(fl_engine_set_rules(e, rs), 0);
        fl_ruleset_unref(rs);
        assert_int_equal(fl_engine_process(e, &ev, 0, on_fire, &x), 1);
        assert_int_equal(x.n, 1);
        assert_string_equal(x.key, "sdb");
        assert_string_equal(x.params, "{\"device\":\"/dev/sdb\",\"who\":\"node-a:io:2\"}");

        /* ...one that changes it starts over. */
        assert_int_equal(fl_engine_process(e, &ev, 0, on_fire, &x), 1);
        rs = parse_ok(v3_count);
        assert_int_equal(fl_engine_set_rules(e, rs), 0);
        fl_ruleset_unref(rs);
        assert_int_equal(fl_engine_process(e, &ev, 0, on_fire, &x), 1);
        assert_int_equal(fl_engine_process(e, &ev, 0, on_fire, &x), 1);
        assert_int_equal(x.n, 1);
        assert_int_equal(fl_engine_process(e, &ev, 0, on_fire, &x), 1);
        assert_int_equal(x.n, 2);
        fl_engine_free(e);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_errors),
                cmocka_unit_test(test_file_caps),
                cmocka_unit_test(test_compile),
                cmocka_unit_test(test_fingerprint),
                cmocka_unit_test(test_catalog),
                cmocka_unit_test(test_dir_last_good),
                cmocka_unit_test(test_dir_unchanged),
                cmocka_unit_test(test_dir_duplicates),
                cmocka_unit_test(test_dir_names),
                cmocka_unit_test(test_dir_journal_cap),
                cmocka_unit_test(test_check_dir),
                cmocka_unit_test(test_bpf_filter),
                cmocka_unit_test(test_journal_matches),
                cmocka_unit_test(test_engine),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
