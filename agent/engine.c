/* SPDX-License-Identifier: Apache-2.0 */
#include "engine.h"

#include "hashmap.h"
#include "idempotency.h"
#include "macro.h"

#include <inttypes.h>
#include <stdbool.h>
#include <string.h>

#define KEY_MAX           256
#define PARAM_MAX         1024
#define KEYS_PER_RULE_MAX 4096
#define RING_MAX          1024
#define CAPTURES_MAX      32
#define CAPTURE_BYTES     4096

/* One occurrence (or several folded together) inside a key's window. */
struct occurrence {
        uint64_t t_usec;
        uint64_t n;
};

struct key_state {
        struct occurrence *ring;
        size_t cap, head, len;
        uint64_t sum;
        uint64_t last_fire_usec;
        bool fired;
        uint64_t last_seen_usec;
};

struct rule_state {
        uint64_t fingerprint;
        struct fl_hashmap *keys;
        struct fl_engine_rule_stats stats;
};

struct fl_engine {
        char *node;
        struct fl_ruleset *rules;
        struct fl_hashmap *states; /* rule name -> struct rule_state */
        /* "group\nkey" -> struct group_fire: the last firing of any rule of
         * a cooldown group for that key. */
        struct fl_hashmap *groups;
        pcre2_match_data *md;
};

struct group_fire {
        uint64_t last_fire_usec;
};

/* What templates and conditions can refer to while one event is evaluated. */
struct eval_ctx {
        const struct fl_engine *engine;
        const struct fl_rule *rule;
        const struct fl_event *ev;
        struct fl_field caps[CAPTURES_MAX];
        size_t n_caps;
        char cap_buf[CAPTURE_BYTES];
        size_t cap_used;
        const char *key;
        char count[24];
};

static void key_state_free(void *p) {
        struct key_state *k = p;
        if (k)
                free(k->ring);
        free(k);
}

static void rule_state_free(void *p) {
        struct rule_state *s = p;
        if (!s)
                return;
        fl_hashmap_free(s->keys, key_state_free);
        free(s);
}

struct fl_engine *fl_engine_free(struct fl_engine *e) {
        if (!e)
                return NULL;
        fl_hashmap_free(e->states, rule_state_free);
        fl_hashmap_free(e->groups, free);
        fl_ruleset_unref(e->rules);
        pcre2_match_data_free(e->md);
        free(e->node);
        free(e);
        return NULL;
}
FL_DEFINE_CLEANUP(struct fl_engine *, fl_engine_free);

int fl_engine_new(const char *node, struct fl_engine **ret) {
        _cleanup_(fl_engine_freep) struct fl_engine *e = calloc(1, sizeof(*e));

        if (!e)
                return -ENOMEM;
        e->node = strdup(node);
        e->states = fl_hashmap_new();
        e->groups = fl_hashmap_new();
        e->md = pcre2_match_data_create(CAPTURES_MAX + 1, NULL);
        e->rules = fl_ruleset_new();
        if (!e->node || !e->states || !e->groups || !e->md || !e->rules)
                return -ENOMEM;
        *ret = TAKE_PTR(e);
        return 0;
}

struct fl_ruleset *fl_engine_rules(const struct fl_engine *e) {
        return e->rules;
}

static const struct fl_rule *find_rule(const struct fl_ruleset *rs, const char *name) {
        for (size_t i = 0; i < rs->n_rules; i++)
                if (strcmp(rs->rules[i]->name, name) == 0)
                        return rs->rules[i];
        return NULL;
}

int fl_engine_set_rules(struct fl_engine *e, struct fl_ruleset *rs) {
        const char *name;
        void *value;
        size_t iter = 0, n_drop = 0;
        _cleanup_free_ char **drop = calloc(fl_hashmap_size(e->states) + 1, sizeof(char *));

        if (!drop)
                return -ENOMEM;
        /* Keep counters only where the threshold definition is unchanged. */
        while (fl_hashmap_iterate(e->states, &iter, &name, &value)) {
                const struct rule_state *s = value;
                const struct fl_rule *r = find_rule(rs, name);
                if (!r || r->state_fingerprint != s->fingerprint)
                        drop[n_drop++] = (char *) name;
        }
        for (size_t i = 0; i < n_drop; i++) {
                /* The key string belongs to the map: copy before removal frees it. */
                _cleanup_free_ char *k = strdup(drop[i]);
                if (!k)
                        return -ENOMEM;
                rule_state_free(fl_hashmap_remove(e->states, k));
        }

        fl_ruleset_unref(e->rules);
        e->rules = fl_ruleset_ref(rs);
        return 0;
}

int fl_engine_rule_stats(
        const struct fl_engine *e, const char *name, struct fl_engine_rule_stats *ret) {
        const struct rule_state *s = fl_hashmap_get(e->states, name);

        if (!s) {
                if (!find_rule(e->rules, name))
                        return -ENOENT;
                *ret = (struct fl_engine_rule_stats){};
                return 0;
        }
        *ret = s->stats;
        return 0;
}

static const char *ctx_lookup(const char *name, void *userdata) {
        struct eval_ctx *c = userdata;
        const char *v;

        for (size_t i = 0; i < c->n_caps; i++)
                if (strcmp(c->caps[i].name, name) == 0)
                        return c->caps[i].value;
        v = fl_event_field(c->ev, name);
        if (v)
                return v;
        if (strcmp(name, "node") == 0)
                return c->engine->node;
        if (strcmp(name, "rule") == 0)
                return c->rule->name;
        if (strcmp(name, "kind") == 0)
                return c->ev->kind;
        if (strcmp(name, "source") == 0)
                return fl_source_to_string(c->ev->source);
        if (strcmp(name, "key") == 0)
                return c->key;
        if (strcmp(name, "count") == 0)
                return c->count[0] ? c->count : NULL;
        return NULL;
}

static bool parse_number(const char *s, double *ret) {
        char *end;
        double d;

        if (!s || !*s)
                return false;
        errno = 0;
        d = strtod(s, &end);
        if (errno != 0 || end == s)
                return false;
        while (*end == ' ')
                end++;
        if (*end)
                return false;
        *ret = d;
        return true;
}

static bool re_matches(const struct fl_engine *e, const pcre2_code *re, const char *s) {
        return pcre2_match(re, (PCRE2_SPTR) s, PCRE2_ZERO_TERMINATED, 0, 0, e->md, NULL) >= 0;
}

static bool cond_holds(struct eval_ctx *c, const struct fl_cond *cond) {
        const char *v = ctx_lookup(cond->field, c);
        double d;

        switch (cond->op) {
        case FL_COND_PRESENT:
                return v != NULL;
        case FL_COND_ABSENT:
                return v == NULL;
        case FL_COND_EQUALS:
                return v && strcmp(v, cond->str) == 0;
        case FL_COND_NOT_EQUALS:
                return !v || strcmp(v, cond->str) != 0;
        case FL_COND_IN:
                for (size_t i = 0; v && i < cond->n_strv; i++)
                        if (strcmp(v, cond->strv[i]) == 0)
                                return true;
                return false;
        case FL_COND_REGEX:
                return v && re_matches(c->engine, cond->re, v);
        case FL_COND_NOT_REGEX:
                return !v || !re_matches(c->engine, cond->re, v);
        case FL_COND_GTE:
                return parse_number(v, &d) && d >= cond->num;
        case FL_COND_GT:
                return parse_number(v, &d) && d > cond->num;
        case FL_COND_LTE:
                return parse_number(v, &d) && d <= cond->num;
        case FL_COND_LT:
                return parse_number(v, &d) && d < cond->num;
        }
        return false;
}

/* Copies the named groups of the last match into the context. */
static void collect_captures(struct eval_ctx *c, const pcre2_code *re, const char *subject) {
        PCRE2_SIZE *ov = pcre2_get_ovector_pointer(c->engine->md);
        uint32_t count = 0, entry_size = 0;
        PCRE2_SPTR table = NULL;

        (void) pcre2_pattern_info(re, PCRE2_INFO_NAMECOUNT, &count);
        (void) pcre2_pattern_info(re, PCRE2_INFO_NAMEENTRYSIZE, &entry_size);
        (void) pcre2_pattern_info(re, PCRE2_INFO_NAMETABLE, &table);

        for (uint32_t i = 0; i < count && c->n_caps < CAPTURES_MAX; i++, table += entry_size) {
                unsigned group = (unsigned) (table[0] << 8 | table[1]);
                const char *name = (const char *) table + 2;
                PCRE2_SIZE start = ov[2 * group], end = ov[2 * group + 1];
                size_t len;

                if (group > CAPTURES_MAX || start == PCRE2_UNSET)
                        continue; /* an optional group that did not take part */
                len = end - start;
                if (c->cap_used + len + 1 > sizeof(c->cap_buf))
                        break;
                char *dst = c->cap_buf + c->cap_used;
                memcpy(dst, subject + start, len);
                dst[len] = '\0';
                c->cap_used += len + 1;
                c->caps[c->n_caps++] = (struct fl_field){.name = name, .value = dst};
        }
}

static bool journal_scope_matches(const struct fl_rule *r, const struct fl_event *ev) {
        if (r->n_journal_matches == 0) {
                const char *t = fl_event_field(ev, "_TRANSPORT");
                return t && strcmp(t, "kernel") == 0;
        }
        for (size_t i = 0; i < r->n_journal_matches; i++) {
                const char *m = r->journal_matches[i], *eq = strchr(m, '=');
                if (!eq)
                        continue;
                _cleanup_free_ char *name = strndup(m, (size_t) (eq - m));
                const char *v = name ? fl_event_field(ev, name) : NULL;
                if (v && strcmp(v, eq + 1) == 0)
                        return true;
        }
        return false;
}

static bool rule_matches(struct eval_ctx *c) {
        const struct fl_rule *r = c->rule;
        const struct fl_event *ev = c->ev;

        if (ev->source != r->source)
                return false;
        if (r->kind && strcmp(r->kind, ev->kind) != 0)
                return false;

        if (r->source == FL_SOURCE_JOURNAL) {
                const char *msg = fl_event_field(ev, "MESSAGE");
                if (!journal_scope_matches(r, ev))
                        return false;
                if (r->exclude_re && msg && re_matches(c->engine, r->exclude_re, msg))
                        return false;
                if (r->message_re) {
                        if (!msg || !re_matches(c->engine, r->message_re, msg))
                                return false;
                        collect_captures(c, r->message_re, msg);
                }
        }

        for (size_t i = 0; i < r->n_conds; i++)
                if (!cond_holds(c, &r->conds[i]))
                        return false;
        return true;
}

static struct rule_state *get_rule_state(struct fl_engine *e, const struct fl_rule *r) {
        struct rule_state *s = fl_hashmap_get(e->states, r->name);

        if (s)
                return s;
        s = calloc(1, sizeof(*s));
        if (!s)
                return NULL;
        s->fingerprint = r->state_fingerprint;
        s->keys = fl_hashmap_new();
        if (!s->keys || fl_hashmap_put(e->states, r->name, s, NULL) < 0) {
                rule_state_free(s);
                return NULL;
        }
        return s;
}

/* Keeps the number of keys per rule bounded: a storm over many devices must
 * not grow memory without limit. The least recently seen key goes. */
static void evict_one_key(struct rule_state *s) {
        const char *name, *victim = NULL;
        uint64_t oldest = UINT64_MAX;
        size_t iter = 0;
        void *value;

        while (fl_hashmap_iterate(s->keys, &iter, &name, &value)) {
                const struct key_state *k = value;
                if (k->last_seen_usec < oldest) {
                        oldest = k->last_seen_usec;
                        victim = name;
                }
        }
        if (victim) {
                _cleanup_free_ char *copy = strdup(victim);
                if (copy) {
                        key_state_free(fl_hashmap_remove(s->keys, copy));
                        s->stats.keys_evicted++;
                }
        }
}

static struct key_state *get_key_state(struct rule_state *s, const char *key) {
        struct key_state *k = fl_hashmap_get(s->keys, key);

        if (k)
                return k;
        if (fl_hashmap_size(s->keys) >= KEYS_PER_RULE_MAX)
                evict_one_key(s);
        k = calloc(1, sizeof(*k));
        if (!k)
                return NULL;
        if (fl_hashmap_put(s->keys, key, k, NULL) < 0) {
                free(k);
                return NULL;
        }
        return k;
}

static void window_expire(struct key_state *k, uint64_t t, uint64_t window) {
        while (k->len > 0) {
                struct occurrence *o = &k->ring[k->head];
                if (window == 0 || o->t_usec + window >= t)
                        break;
                k->sum -= o->n;
                k->head = (k->head + 1) % k->cap;
                k->len--;
        }
}

static int window_push(struct key_state *k, uint64_t t, uint64_t n, uint64_t threshold) {
        if (!k->ring) {
                /* Never more entries than the threshold needs (each holds >= 1). */
                k->cap = threshold < RING_MAX ? (size_t) threshold : RING_MAX;
                if (k->cap == 0)
                        k->cap = 1;
                k->ring = calloc(k->cap, sizeof(*k->ring));
                if (!k->ring)
                        return -ENOMEM;
        }
        if (k->len == k->cap) {
                /* Full (only for thresholds above RING_MAX): fold the oldest
                 * two, keeping the newer time, so nothing is uncounted. */
                size_t a = k->head, b = (k->head + 1) % k->cap;
                k->ring[b].n += k->ring[a].n;
                k->head = b;
                k->len--;
        }
        k->ring[(k->head + k->len) % k->cap] = (struct occurrence){.t_usec = t, .n = n};
        k->len++;
        k->sum += n;
        return 0;
}

static json_t *fields_json(const struct eval_ctx *c) {
        json_t *o = json_object();

        if (!o)
                return NULL;
        for (size_t i = 0; i < c->ev->n_fields; i++)
                json_object_set_new(o, c->ev->fields[i].name, json_string(c->ev->fields[i].value));
        for (size_t i = 0; i < c->n_caps; i++)
                json_object_set_new(o, c->caps[i].name, json_string(c->caps[i].value));
        return o;
}

static json_t *params_json(struct eval_ctx *c) {
        json_t *o = json_object();
        char buf[PARAM_MAX];

        if (!o)
                return NULL;
        for (size_t i = 0; i < c->rule->n_params; i++) {
                (void) fl_template_render(
                        c->rule->params[i].value, ctx_lookup, c, buf, sizeof(buf));
                json_object_set_new(o, c->rule->params[i].name, json_string(buf));
        }
        return o;
}

static int fire(struct eval_ctx *c, struct key_state *k, fl_firing_fn fn, void *userdata) {
        char idem[FL_IDEMPOTENCY_KEY_LEN + 1];
        json_auto_t *params = NULL, *fields = NULL;
        struct fl_firing f;
        int r;

        r = fl_idempotency_key(c->engine->node, c->rule->name, c->key,
                c->ev->identity ? c->ev->identity : "", idem);
        if (r < 0)
                return r;
        snprintf(c->count, sizeof(c->count), "%" PRIu64, k->sum);
        params = params_json(c);
        fields = fields_json(c);
        if (!params || !fields)
                return -ENOMEM;

        f = (struct fl_firing){
                .rule = c->rule,
                .event = c->ev,
                .key = c->key,
                .count = k->sum,
                .first_usec = k->ring[k->head].t_usec,
                .last_usec = k->ring[(k->head + k->len - 1) % k->cap].t_usec,
                .idempotency_key = idem,
                .params = params,
                .fields = fields,
        };
        if (fn)
                fn(&f, userdata);
        return 0;
}

/* The cooldown group's record for `key`, created on demand; NULL without a
 * group or on allocation failure (then only the rule's own cooldown holds). */
static struct group_fire *get_group_fire(struct fl_engine *e, const struct fl_rule *r,
        const char *key) {
        _cleanup_free_ char *gk = NULL;
        struct group_fire *g;

        if (!r->cooldown_group || asprintf(&gk, "%s\n%s", r->cooldown_group, key) < 0)
                return NULL;
        g = fl_hashmap_get(e->groups, gk);
        if (g)
                return g;
        /* Bounded like per-rule keys: forget the oldest group record. */
        if (fl_hashmap_size(e->groups) >= KEYS_PER_RULE_MAX) {
                const char *name, *victim = NULL;
                uint64_t oldest = UINT64_MAX;
                size_t iter = 0;
                void *value;
                while (fl_hashmap_iterate(e->groups, &iter, &name, &value)) {
                        const struct group_fire *x = value;
                        if (x->last_fire_usec < oldest) {
                                oldest = x->last_fire_usec;
                                victim = name;
                        }
                }
                if (victim) {
                        _cleanup_free_ char *copy = strdup(victim);
                        if (copy)
                                free(fl_hashmap_remove(e->groups, copy));
                }
        }
        g = calloc(1, sizeof(*g));
        if (!g || fl_hashmap_put(e->groups, gk, g, NULL) < 0) {
                free(g);
                return NULL;
        }
        return g;
}

static bool in_cooldown(const struct fl_rule *r, const struct key_state *k,
        const struct group_fire *g, uint64_t t) {
        if (r->cooldown_usec == 0)
                return false;
        if (k->fired && t < k->last_fire_usec + r->cooldown_usec)
                return true;
        return g && g->last_fire_usec && t < g->last_fire_usec + r->cooldown_usec;
}

static int evaluate(struct fl_engine *e, struct eval_ctx *c, uint64_t now_usec, fl_firing_fn fn,
        void *userdata) {
        const struct fl_rule *r = c->rule;
        uint64_t t = c->ev->realtime_usec ? c->ev->realtime_usec : now_usec;
        uint64_t threshold = r->count ? r->count : 1;
        char key[KEY_MAX] = "";
        struct rule_state *s;
        struct key_state *k;
        struct group_fire *g;
        int ret;

        s = get_rule_state(e, r);
        if (!s)
                return -ENOMEM;
        s->stats.matched += c->ev->count ? c->ev->count : 1;

        if (r->key)
                (void) fl_template_render(r->key, ctx_lookup, c, key, sizeof(key));
        c->key = key;
        k = get_key_state(s, key);
        if (!k)
                return -ENOMEM;
        k->last_seen_usec = t;

        window_expire(k, t, r->window_usec);
        ret = window_push(k, t, c->ev->count ? c->ev->count : 1, threshold);
        if (ret < 0)
                return ret;
        if (k->sum < threshold)
                return 0;

        g = get_group_fire(e, r, key);
        if (in_cooldown(r, k, g, t)) {
                s->stats.suppressed++;
        } else {
                ret = fire(c, k, fn, userdata);
                if (ret < 0)
                        return ret;
                k->fired = true;
                k->last_fire_usec = t;
                if (g && t > g->last_fire_usec)
                        g->last_fire_usec = t;
                s->stats.firings++;
        }
        /* Either way the next firing needs a full new count. */
        k->len = 0;
        k->sum = 0;
        return 0;
}

int fl_engine_process(struct fl_engine *e, const struct fl_event *ev, uint64_t now_usec,
        fl_firing_fn fn, void *userdata) {
        const struct fl_ruleset *rs = e->rules;
        int matched = 0, r = 0;

        for (size_t i = 0; i < rs->n_rules; i++) {
                struct eval_ctx c = {.engine = e, .rule = rs->rules[i], .ev = ev};
                if (!rule_matches(&c))
                        continue;
                matched++;
                r = evaluate(e, &c, now_usec, fn, userdata);
                if (r < 0)
                        break;
        }
        return r < 0 ? r : matched;
}
