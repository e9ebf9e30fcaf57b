/* SPDX-License-Identifier: Apache-2.0 */
#include "rule.h"

#include "macro.h"

#include <string.h>

static void strv_free(char **v, size_t n) {
        for (size_t i = 0; i < n; i++)
                free(v[i]);
        free(v);
}

struct fl_rule *fl_rule_free(struct fl_rule *r) {
        if (!r)
                return NULL;
        free(r->name);
        free(r->description);
        free(r->file);
        free(r->kind);
        for (size_t i = 0; i < r->n_conds; i++) {
                free(r->conds[i].field);
                free(r->conds[i].str);
                strv_free(r->conds[i].strv, r->conds[i].n_strv);
                pcre2_code_free(r->conds[i].re);
        }
        free(r->conds);
        pcre2_code_free(r->message_re);
        pcre2_code_free(r->exclude_re);
        strv_free(r->journal_matches, r->n_journal_matches);
        fl_template_free(r->key);
        free(r->cooldown_group);
        free(r->workflow);
        for (size_t i = 0; i < r->n_params; i++) {
                free(r->params[i].name);
                fl_template_free(r->params[i].value);
        }
        free(r->params);
        free(r);
        return NULL;
}

struct fl_rule *fl_rule_ref(struct fl_rule *r) {
        if (r)
                r->n_ref = (r->n_ref ? r->n_ref : 1) + 1;
        return r;
}

struct fl_rule *fl_rule_unref(struct fl_rule *r) {
        if (!r)
                return NULL;
        if (r->n_ref > 1) {
                r->n_ref--;
                return NULL;
        }
        return fl_rule_free(r);
}

struct fl_ruleset *fl_ruleset_new(void) {
        struct fl_ruleset *rs = calloc(1, sizeof(*rs));
        if (rs)
                rs->n_ref = 1;
        return rs;
}

struct fl_ruleset *fl_ruleset_ref(struct fl_ruleset *rs) {
        if (rs)
                rs->n_ref++;
        return rs;
}

struct fl_ruleset *fl_ruleset_unref(struct fl_ruleset *rs) {
        if (!rs || --rs->n_ref > 0)
                return NULL;
        for (size_t i = 0; i < rs->n_rules; i++)
                fl_rule_unref(rs->rules[i]);
        free(rs->rules);
        free(rs);
        return NULL;
}

int fl_ruleset_add(struct fl_ruleset *rs, struct fl_rule *r) {
        struct fl_rule **a = reallocarray(rs->rules, rs->n_rules + 1, sizeof(*a));

        if (!a) {
                fl_rule_unref(r);
                return -ENOMEM;
        }
        rs->rules = a;
        rs->rules[rs->n_rules++] = r;
        return 0;
}
