/* SPDX-License-Identifier: Apache-2.0 */
#include "acl.h"

#include <string.h>

bool fl_glob_match(const char *pattern, const char *s) {
        const char *star = NULL, *resume = NULL;

        /* Greedy with one backtrack point: on a mismatch, let the last '*'
         * absorb one more character. Linear in practice, O(n*m) at worst,
         * and both sides are bounded (config, request head limit). */
        while (*s) {
                if (*pattern == '*') {
                        star = pattern++;
                        resume = s;
                } else if (*pattern == *s) {
                        pattern++;
                        s++;
                } else if (star) {
                        pattern = star + 1;
                        s = ++resume;
                } else
                        return false;
        }
        while (*pattern == '*')
                pattern++;
        return *pattern == '\0';
}

static bool rule_matches(const struct fl_route_rule *r, unsigned method, const char *path) {
        if (!((unsigned) r->method & method))
                return false;
        for (size_t i = 0; i < r->n_route_patterns; i++)
                if (fl_glob_match(r->route_patterns[i], path))
                        return true;
        return false;
}

static bool rule_allows(const struct fl_route_rule *r, const char *identity) {
        if (r->allow_public)
                return true;
        for (size_t i = 0; identity && i < r->n_uris; i++)
                if (strcmp(r->uris[i], identity) == 0)
                        return true;
        return false;
}

void fl_acl_check(const struct fl_server_config *c, unsigned method, const char *path,
        const char *identity, struct fl_acl_decision *ret) {
        struct fl_acl_decision d = {};
        bool skip = false;

        for (size_t i = 0; i < c->n_route_rules; i++) {
                const struct fl_route_rule *r = &c->route_rules[i];

                if (!rule_matches(r, method, path))
                        continue;
                skip = skip || r->skip_log_match;
                if (!d.allowed && rule_allows(r, identity)) {
                        d.allowed = true;
                        d.rule = r->name;
                } else if (!d.matched)
                        d.rule = r->name;
                d.matched = true;
        }
        d.skip_log = d.allowed && skip;
        *ret = d;
}
