/* SPDX-License-Identifier: Apache-2.0 */
#include "engine.h"
#include "fl_test.h"
#include "macro.h"

#include <string.h>

#define SEC 1000000ull

/* --- building rules by hand (the loader's job in production) --- */

static pcre2_code *re(const char *pattern) {
        int err;
        PCRE2_SIZE off;
        pcre2_code *c =
                pcre2_compile((PCRE2_SPTR) pattern, PCRE2_ZERO_TERMINATED, 0, &err, &off, NULL);
        assert_non_null(c);
        return c;
}

static struct fl_template *tmpl(const char *s) {
        struct fl_template *t = NULL;
        assert_int_equal(fl_template_compile(s, &t, NULL, NULL), 0);
        return t;
}

static struct fl_rule *rule_new(const char *name, enum fl_source src, const char *kind) {
        struct fl_rule *r = calloc(1, sizeof(*r));
        r->name = strdup(name);
        r->source = src;
        r->kind = kind ? strdup(kind) : NULL;
        r->workflow = strdup("wf");
        r->count = 1;
        r->state_fingerprint = 1;
        return r;
}

static struct fl_cond *cond_add(struct fl_rule *r, const char *field, enum fl_cond_op op) {
        r->conds = reallocarray(r->conds, r->n_conds + 1, sizeof(*r->conds));
        struct fl_cond *c = &r->conds[r->n_conds++];
        *c = (struct fl_cond){.field = strdup(field), .op = op};
        return c;
}

static void param_add(struct fl_rule *r, const char *name, const char *value) {
        r->params = reallocarray(r->params, r->n_params + 1, sizeof(*r->params));
        r->params[r->n_params++] = (struct fl_param){.name = strdup(name), .value = tmpl(value)};
}

/* --- events --- */

static struct fl_event ev_new(
        enum fl_source src, const char *kind, uint64_t t_sec, const char *identity) {
        return (struct fl_event){
                .source = src,
                .kind = kind,
                .realtime_usec = t_sec * SEC,
                .identity = identity,
                .count = 1,
        };
}

static void ev_set(struct fl_event *ev, const char *name, const char *value) {
        ev->fields[ev->n_fields++] = (struct fl_field){.name = name, .value = value};
}

/* --- collecting firings --- */

struct fired {
        int n;
        char rule[64];
        char key[64];
        char idem[64];
        uint64_t count;
        char params[512];
        char fields[1024];
};

static void on_fire(const struct fl_firing *f, void *userdata) {
        struct fired *x = userdata;
        x->n++;
        snprintf(x->rule, sizeof(x->rule), "%s", f->rule->name);
        snprintf(x->key, sizeof(x->key), "%s", f->key);
        snprintf(x->idem, sizeof(x->idem), "%s", f->idempotency_key);
        x->count = f->count;
        char *p = json_dumps(f->params, JSON_COMPACT | JSON_SORT_KEYS);
        char *fl = json_dumps(f->fields, JSON_COMPACT | JSON_SORT_KEYS);
        snprintf(x->params, sizeof(x->params), "%s", p);
        snprintf(x->fields, sizeof(x->fields), "%s", fl);
        free(p);
        free(fl);
}

static struct fl_engine *engine_with(struct fl_rule *r) {
        struct fl_engine *e = NULL;
        struct fl_ruleset *rs = fl_ruleset_new();
        assert_int_equal(fl_engine_new("node-a", &e), 0);
        assert_int_equal(fl_ruleset_add(rs, r), 0);
        assert_int_equal(fl_engine_set_rules(e, rs), 0);
        fl_ruleset_unref(rs);
        return e;
}

static int process(struct fl_engine *e, const struct fl_event *ev, struct fired *x) {
        return fl_engine_process(e, ev, 0, on_fire, x);
}

/* --- tests --- */

static void test_every_event_fires(void **state) {
        struct fl_engine *e = engine_with(rule_new("disk", FL_SOURCE_BPF, "block_rq_error"));
        struct fired x = {};
        struct fl_event ev = ev_new(FL_SOURCE_BPF, "block_rq_error", 100, "bpf:1");
        char first[64];

        assert_int_equal(process(e, &ev, &x), 1);
        assert_int_equal(x.n, 1);
        assert_string_equal(x.rule, "disk");
        assert_string_equal(x.key, "");
        strcpy(first, x.idem);
        /* The same occurrence read again gives the same idempotency key... */
        assert_int_equal(process(e, &ev, &x), 1);
        assert_string_equal(x.idem, first);
        /* ...a different one a different key. */
        ev.identity = "bpf:2";
        process(e, &ev, &x);
        assert_string_not_equal(x.idem, first);
        assert_int_equal(x.n, 3);

        /* Other kinds and sources do not match. */
        struct fl_event other = ev_new(FL_SOURCE_BPF, "mc_event", 100, "bpf:3");
        assert_int_equal(process(e, &other, &x), 0);
        other = ev_new(FL_SOURCE_SYSFS, "block_rq_error", 100, "x");
        assert_int_equal(process(e, &other, &x), 0);
        assert_int_equal(x.n, 3);
        fl_engine_free(e);
}

static void test_threshold_window(void **state) {
        struct fl_rule *r = rule_new("ce-storm", FL_SOURCE_SYSFS, "edac_ce");
        r->count = 3;
        r->window_usec = 60 * SEC;
        struct fl_engine *e = engine_with(r);
        struct fired x = {};
        struct fl_event ev = ev_new(FL_SOURCE_SYSFS, "edac_ce", 0, "i");

        /* Spaced wider than the window: never three at once. */
        for (int i = 0; i < 5; i++) {
                ev.realtime_usec = (uint64_t) i * 61 * SEC;
                process(e, &ev, &x);
        }
        assert_int_equal(x.n, 0);

        /* Three within a minute: one firing, counting 3. */
        for (int i = 0; i < 3; i++) {
                ev.realtime_usec = 1000 * SEC + (uint64_t) i * 20 * SEC;
                process(e, &ev, &x);
        }
        assert_int_equal(x.n, 1);
        assert_int_equal(x.count, 3);
        /* The count starts over after a firing. */
        ev.realtime_usec = 1041 * SEC;
        process(e, &ev, &x);
        assert_int_equal(x.n, 1);

        struct fl_engine_rule_stats st;
        assert_int_equal(fl_engine_rule_stats(e, "ce-storm", &st), 0);
        assert_int_equal(st.matched, 9);
        assert_int_equal(st.firings, 1);
        assert_int_equal(fl_engine_rule_stats(e, "nope", &st), -ENOENT);
        fl_engine_free(e);
}

static void test_weighted_events(void **state) {
        struct fl_rule *r = rule_new("ce-storm", FL_SOURCE_SYSFS, "edac_ce");
        r->count = 10;
        r->window_usec = 3600 * SEC;
        struct fl_engine *e = engine_with(r);
        struct fired x = {};
        struct fl_event ev = ev_new(FL_SOURCE_SYSFS, "edac_ce", 10, "sysfs:a:4");

        ev.count = 4;
        process(e, &ev, &x);
        assert_int_equal(x.n, 0);
        ev.count = 50; /* a counter that jumped while we slept */
        ev.realtime_usec = 20 * SEC;
        process(e, &ev, &x);
        assert_int_equal(x.n, 1);
        assert_int_equal(x.count, 54);
        fl_engine_free(e);
}

static void test_per_key_and_cooldown(void **state) {
        struct fl_rule *r = rule_new("disk", FL_SOURCE_BPF, "block_rq_error");
        r->count = 2;
        r->window_usec = 60 * SEC;
        r->cooldown_usec = 600 * SEC;
        r->key = tmpl("{disk}");
        struct fl_engine *e = engine_with(r);
        struct fired x = {};
        struct fl_event a = ev_new(FL_SOURCE_BPF, "block_rq_error", 0, "a");
        struct fl_event b = ev_new(FL_SOURCE_BPF, "block_rq_error", 0, "b");
        ev_set(&a, "disk", "sda");
        ev_set(&b, "disk", "sdb");

        a.realtime_usec = 1 * SEC;
        process(e, &a, &x);
        b.realtime_usec = 2 * SEC;
        process(e, &b, &x);
        assert_int_equal(x.n, 0); /* one each: separate counters */
        a.realtime_usec = 3 * SEC;
        process(e, &a, &x);
        assert_int_equal(x.n, 1);
        assert_string_equal(x.key, "sda");

        /* sda again within the cooldown: counted but suppressed. */
        a.realtime_usec = 10 * SEC;
        process(e, &a, &x);
        a.realtime_usec = 11 * SEC;
        process(e, &a, &x);
        assert_int_equal(x.n, 1);
        /* sdb is not affected by sda's cooldown. */
        b.realtime_usec = 12 * SEC;
        process(e, &b, &x);
        assert_int_equal(x.n, 2);
        assert_string_equal(x.key, "sdb");
        /* After the cooldown sda fires again. */
        a.realtime_usec = 700 * SEC;
        process(e, &a, &x);
        a.realtime_usec = 701 * SEC;
        process(e, &a, &x);
        assert_int_equal(x.n, 3);
        assert_string_equal(x.key, "sda");

        struct fl_engine_rule_stats st;
        assert_int_equal(fl_engine_rule_stats(e, "disk", &st), 0);
        assert_int_equal(st.suppressed, 1);
        assert_int_equal(st.firings, 3);
        fl_engine_free(e);
}

static void test_journal_regex_captures(void **state) {
        struct fl_rule *r = rule_new("io-error", FL_SOURCE_JOURNAL, NULL);
        r->message_re = re("I/O error, dev (?<disk>\\w+), sector (?<sector>\\d+)");
        r->exclude_re = re("ignore-me");
        r->key = tmpl("{disk}");
        param_add(r, "device", "/dev/{disk}");
        param_add(r, "where", "{node}:{sector} ({rule}, {{literal}})");
        struct fl_engine *e = engine_with(r);
        struct fired x = {};
        struct fl_event ev = ev_new(FL_SOURCE_JOURNAL, "journal", 5, "cursor-1");
        ev_set(&ev, "_TRANSPORT", "kernel");
        ev_set(&ev, "MESSAGE", "I/O error, dev loop3, sector 2048 op 0x0:(READ) flags 0x4800");

        assert_int_equal(process(e, &ev, &x), 1);
        assert_int_equal(x.n, 1);
        assert_string_equal(x.key, "loop3");
        assert_string_equal(x.params,
                "{\"device\":\"/dev/loop3\",\"where\":\"node-a:2048 (io-error, {literal})\"}");
        assert_non_null(strstr(x.fields, "\"disk\":\"loop3\""));
        assert_non_null(strstr(x.fields, "\"sector\":\"2048\""));

        /* Not from the kernel: out of scope for a rule without journal matches. */
        struct fl_event user = ev_new(FL_SOURCE_JOURNAL, "journal", 5, "cursor-2");
        ev_set(&user, "_TRANSPORT", "syslog");
        ev_set(&user, "MESSAGE", "I/O error, dev sda, sector 1");
        assert_int_equal(process(e, &user, &x), 0);
        /* Excluded look-alike. */
        struct fl_event ex = ev_new(FL_SOURCE_JOURNAL, "journal", 5, "cursor-3");
        ev_set(&ex, "_TRANSPORT", "kernel");
        ev_set(&ex, "MESSAGE", "I/O error, dev sda, sector 1 ignore-me");
        assert_int_equal(process(e, &ex, &x), 0);
        assert_int_equal(x.n, 1);
        fl_engine_free(e);
}

static void test_journal_matches(void **state) {
        struct fl_rule *r = rule_new("smart", FL_SOURCE_JOURNAL, NULL);
        r->journal_matches = calloc(1, sizeof(char *));
        r->journal_matches[0] = strdup("SYSLOG_IDENTIFIER=smartd");
        r->n_journal_matches = 1;
        r->message_re = re("FAILING_NOW");
        struct fl_engine *e = engine_with(r);
        struct fired x = {};
        struct fl_event ev = ev_new(FL_SOURCE_JOURNAL, "journal", 5, "c");
        ev_set(&ev, "_TRANSPORT", "syslog");
        ev_set(&ev, "SYSLOG_IDENTIFIER", "smartd");
        ev_set(&ev, "MESSAGE", "Device: /dev/sda, FAILING_NOW Reallocated_Sector_Ct");
        assert_int_equal(process(e, &ev, &x), 1);

        struct fl_event k = ev_new(FL_SOURCE_JOURNAL, "journal", 5, "d");
        ev_set(&k, "_TRANSPORT", "kernel");
        ev_set(&k, "MESSAGE", "FAILING_NOW");
        assert_int_equal(process(e, &k, &x), 0);
        fl_engine_free(e);
}

struct cond_case {
        enum fl_cond_op op;
        const char *str;
        double num;
        const char *value; /* NULL: field absent */
        bool expect;
};

static void test_conditions(void **state) {
        static const struct cond_case cases[] = {
                {FL_COND_EQUALS, "Corrected", 0, "Corrected", true},
                {FL_COND_EQUALS, "Corrected", 0, "Uncorrected", false},
                {FL_COND_EQUALS, "Corrected", 0, NULL, false},
                {FL_COND_NOT_EQUALS, "Corrected", 0, "Fatal", true},
                {FL_COND_NOT_EQUALS, "Corrected", 0, NULL, true},
                {FL_COND_NOT_EQUALS, "Corrected", 0, "Corrected", false},
                {FL_COND_REGEX, "^Unc|^Fatal", 0, "Fatal", true},
                {FL_COND_REGEX, "^Unc|^Fatal", 0, "Corrected", false},
                {FL_COND_REGEX, "x", 0, NULL, false},
                {FL_COND_NOT_REGEX, "^Corr", 0, "Fatal", true},
                {FL_COND_NOT_REGEX, "^Corr", 0, "Corrected", false},
                {FL_COND_GTE, NULL, 90000, "90000", true},
                {FL_COND_GTE, NULL, 90000, "89999", false},
                {FL_COND_GTE, NULL, 90000, "hot", false},
                {FL_COND_GTE, NULL, 90000, NULL, false},
                {FL_COND_GT, NULL, 5, "5", false},
                {FL_COND_GT, NULL, 5, "0x10", true},
                {FL_COND_LTE, NULL, -1, "-1", true},
                {FL_COND_LT, NULL, 1.5, "1.25", true},
                {FL_COND_LT, NULL, 1.5, "", false},
                {FL_COND_PRESENT, NULL, 0, "", true},
                {FL_COND_PRESENT, NULL, 0, NULL, false},
                {FL_COND_ABSENT, NULL, 0, NULL, true},
                {FL_COND_ABSENT, NULL, 0, "x", false},
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                const struct cond_case *t = &cases[i];
                struct fl_rule *r = rule_new("c", FL_SOURCE_BPF, "mc_event");
                struct fl_cond *c = cond_add(r, "v", t->op);
                if (t->op == FL_COND_REGEX || t->op == FL_COND_NOT_REGEX)
                        c->re = re(t->str);
                else if (t->str)
                        c->str = strdup(t->str);
                c->num = t->num;
                struct fl_engine *e = engine_with(r);
                struct fl_event ev = ev_new(FL_SOURCE_BPF, "mc_event", 1, "i");
                if (t->value)
                        ev_set(&ev, "v", t->value);
                struct fired x = {};
                int m = process(e, &ev, &x);
                if (m != (t->expect ? 1 : 0))
                        fail_msg("case %zu: op %d value %s: expected %d got %d", i, t->op,
                                t->value ? t->value : "(absent)", t->expect, m);
                fl_engine_free(e);
        }

        /* IN */
        struct fl_rule *r = rule_new("in", FL_SOURCE_BPF, "mc_event");
        struct fl_cond *c = cond_add(r, "error_type", FL_COND_IN);
        c->strv = calloc(2, sizeof(char *));
        c->strv[0] = strdup("Uncorrected");
        c->strv[1] = strdup("Fatal");
        c->n_strv = 2;
        struct fl_engine *e = engine_with(r);
        struct fired x = {};
        struct fl_event ev = ev_new(FL_SOURCE_BPF, "mc_event", 1, "i");
        ev_set(&ev, "error_type", "Fatal");
        assert_int_equal(process(e, &ev, &x), 1);
        ev.fields[0].value = "Corrected";
        assert_int_equal(process(e, &ev, &x), 0);
        fl_engine_free(e);
}

static void test_reload_keeps_unchanged_state(void **state) {
        struct fl_rule *r = rule_new("storm", FL_SOURCE_SYSFS, "edac_ce");
        r->count = 2;
        r->window_usec = 60 * SEC;
        struct fl_engine *e = engine_with(r);
        struct fired x = {};
        struct fl_event ev = ev_new(FL_SOURCE_SYSFS, "edac_ce", 1, "i");

        process(e, &ev, &x);
        /* Reload with an identical rule: the first occurrence still counts. */
        struct fl_ruleset *rs = fl_ruleset_new();
        struct fl_rule *same = rule_new("storm", FL_SOURCE_SYSFS, "edac_ce");
        same->count = 2;
        same->window_usec = 60 * SEC;
        fl_ruleset_add(rs, same);
        assert_int_equal(fl_engine_set_rules(e, rs), 0);
        fl_ruleset_unref(rs);
        ev.realtime_usec = 2 * SEC;
        process(e, &ev, &x);
        assert_int_equal(x.n, 1);

        /* A changed definition starts over. */
        process(e, &ev, &x);
        rs = fl_ruleset_new();
        struct fl_rule *changed = rule_new("storm", FL_SOURCE_SYSFS, "edac_ce");
        changed->count = 2;
        changed->window_usec = 60 * SEC;
        changed->state_fingerprint = 2;
        fl_ruleset_add(rs, changed);
        assert_int_equal(fl_engine_set_rules(e, rs), 0);
        fl_ruleset_unref(rs);
        process(e, &ev, &x);
        assert_int_equal(x.n, 1);
        process(e, &ev, &x);
        assert_int_equal(x.n, 2);
        fl_engine_free(e);
}

static void test_key_eviction_bounds_memory(void **state) {
        struct fl_rule *r = rule_new("many", FL_SOURCE_BPF, "block_rq_error");
        r->count = 2;
        r->window_usec = 3600 * SEC;
        r->key = tmpl("{disk}");
        struct fl_engine *e = engine_with(r);
        struct fired x = {};
        char disk[32];

        for (int i = 0; i < 5000; i++) {
                struct fl_event ev = ev_new(FL_SOURCE_BPF, "block_rq_error", 1 + (uint64_t) i, "i");
                snprintf(disk, sizeof(disk), "disk%d", i);
                ev_set(&ev, "disk", disk);
                process(e, &ev, &x);
        }
        struct fl_engine_rule_stats st;
        assert_int_equal(fl_engine_rule_stats(e, "many", &st), 0);
        assert_int_equal(st.keys_evicted, 5000 - 4096);
        assert_int_equal(x.n, 0);
        fl_engine_free(e);
}

static void test_large_threshold_folds(void **state) {
        struct fl_rule *r = rule_new("big", FL_SOURCE_BPF, "block_rq_error");
        r->count = 5000;
        r->window_usec = 3600 * SEC;
        struct fl_engine *e = engine_with(r);
        struct fired x = {};
        struct fl_event ev = ev_new(FL_SOURCE_BPF, "block_rq_error", 1, "i");

        for (int i = 0; i < 4999; i++) {
                ev.realtime_usec = SEC + (uint64_t) i;
                process(e, &ev, &x);
        }
        assert_int_equal(x.n, 0);
        process(e, &ev, &x);
        assert_int_equal(x.n, 1);
        assert_int_equal(x.count, 5000);
        fl_engine_free(e);
}

static void test_cooldown_group(void **state) {
        struct fl_rule *bpf = rule_new("disk-bpf", FL_SOURCE_BPF, "block_rq_error");
        struct fl_rule *log = rule_new("disk-log", FL_SOURCE_JOURNAL, NULL);
        struct fl_rule *other = rule_new("disk-other", FL_SOURCE_JOURNAL, NULL);
        struct fl_ruleset *rs = fl_ruleset_new();
        struct fl_engine *e = NULL;
        struct fired x = {};

        bpf->key = tmpl("{disk}");
        bpf->cooldown_usec = 3600 * SEC;
        bpf->cooldown_group = strdup("disk");
        log->key = tmpl("{disk}");
        log->message_re = re("I/O error, dev (?<disk>\\w+)");
        log->cooldown_usec = 3600 * SEC;
        log->cooldown_group = strdup("disk");
        /* Same lines, no group: unaffected by the others' firings. */
        other->key = tmpl("{disk}");
        other->message_re = re("I/O error, dev (?<disk>\\w+)");
        other->cooldown_usec = 3600 * SEC;
        assert_int_equal(fl_engine_new("node-a", &e), 0);
        fl_ruleset_add(rs, bpf);
        fl_ruleset_add(rs, log);
        fl_ruleset_add(rs, other);
        assert_int_equal(fl_engine_set_rules(e, rs), 0);
        fl_ruleset_unref(rs);

        struct fl_event tp = ev_new(FL_SOURCE_BPF, "block_rq_error", 100, "bpf:1");
        ev_set(&tp, "disk", "sda");
        process(e, &tp, &x);
        assert_int_equal(x.n, 1);
        assert_string_equal(x.rule, "disk-bpf");

        /* The kernel's line about the same failure, a moment later. */
        struct fl_event line = ev_new(FL_SOURCE_JOURNAL, "journal", 101, "cursor-1");
        ev_set(&line, "_TRANSPORT", "kernel");
        ev_set(&line, "MESSAGE", "I/O error, dev sda, sector 8 op 0x0:(READ)");
        process(e, &line, &x);
        assert_int_equal(x.n, 2);
        assert_string_equal(x.rule, "disk-other");

        /* Another disk is its own key. */
        struct fl_event line2 = ev_new(FL_SOURCE_JOURNAL, "journal", 102, "cursor-2");
        ev_set(&line2, "_TRANSPORT", "kernel");
        ev_set(&line2, "MESSAGE", "I/O error, dev sdb, sector 8 op 0x0:(READ)");
        process(e, &line2, &x);
        assert_int_equal(x.n, 4); /* disk-log and disk-other for sdb */

        /* After the group's cooldown the log rule fires again for sda. */
        line.realtime_usec = 100 * SEC + 3601 * SEC;
        process(e, &line, &x);
        assert_int_equal(x.n, 6);

        struct fl_engine_rule_stats st;
        assert_int_equal(fl_engine_rule_stats(e, "disk-log", &st), 0);
        assert_int_equal(st.suppressed, 1);
        assert_int_equal(st.firings, 2);
        fl_engine_free(e);
}

struct tmpl_case {
        const char *src;
        const char *error; /* NULL: valid */
        size_t offset;
        const char *rendered;
};

static const char *lookup(const char *name, void *userdata) {
        if (strcmp(name, "disk") == 0)
                return "sda";
        if (strcmp(name, "n") == 0)
                return "42";
        return NULL;
}

static void test_templates(void **state) {
        static const struct tmpl_case cases[] = {
                {"plain", NULL, 0, "plain"},
                {"", NULL, 0, ""},
                {"/dev/{disk}", NULL, 0, "/dev/sda"},
                {"{disk}{n}", NULL, 0, "sda42"},
                {"{{disk}}", NULL, 0, "{disk}"},
                {"{missing}-x", NULL, 0, "-x"},
                {"{disk", "unterminated placeholder", 0, NULL},
                {"a}", "unmatched '}' (write '}}' for a literal brace)", 1, NULL},
                {"{}", "empty placeholder", 0, NULL},
                {"{a b}", "invalid character in placeholder name", 2, NULL},
                {"${disk}", NULL, 0, "$sda"},
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                const struct tmpl_case *t = &cases[i];
                struct fl_template *c = NULL;
                const char *err = NULL;
                size_t off = 99;
                int r = fl_template_compile(t->src, &c, &err, &off);
                if (t->error) {
                        assert_int_equal(r, -EINVAL);
                        assert_string_equal(err, t->error);
                        assert_int_equal(off, t->offset);
                        continue;
                }
                assert_int_equal(r, 0);
                char buf[64];
                assert_int_equal(fl_template_render(c, lookup, NULL, buf, sizeof(buf)),
                        (int) strlen(t->rendered));
                assert_string_equal(buf, t->rendered);
                fl_template_free(c);
        }

        struct fl_template *c = tmpl("/dev/{disk}/{n}");
        char small[6];
        assert_int_equal(fl_template_n_refs(c), 2);
        assert_string_equal(fl_template_ref(c, 1), "n");
        assert_null(fl_template_ref(c, 2));
        assert_int_equal(fl_template_render(c, lookup, NULL, small, sizeof(small)), -ENOBUFS);
        assert_string_equal(small, "/dev/");
        fl_template_free(c);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_every_event_fires),
                cmocka_unit_test(test_threshold_window),
                cmocka_unit_test(test_weighted_events),
                cmocka_unit_test(test_per_key_and_cooldown),
                cmocka_unit_test(test_journal_regex_captures),
                cmocka_unit_test(test_journal_matches),
                cmocka_unit_test(test_conditions),
                cmocka_unit_test(test_reload_keeps_unchanged_state),
                cmocka_unit_test(test_key_eviction_bounds_memory),
                cmocka_unit_test(test_large_threshold_folds),
                cmocka_unit_test(test_cooldown_group),
                cmocka_unit_test(test_templates),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
