/* SPDX-License-Identifier: Apache-2.0 */
/*
 * One rules file into compiled rules: the HCL decoder checks the shape
 * (blocks, attribute types, required keys), then each rule is compiled and
 * checked against what the sources produce (rules_catalog.h): kinds, fields,
 * operators, regexes, placeholders, thresholds. docs/rules.md is the
 * language; its first example:
 *
 *     rule "disk-io-error" {
 *       source = "bpf"
 *       match {
 *         kind = "block_rq_error"
 *         field "error_name" { in = ["BLK_STS_IOERR", "BLK_STS_MEDIUM"] }
 *       }
 *       threshold { count = 3  window = "10m"  key = "{disk}" }
 *       cooldown = "1h"
 *       workflow = "disk-io-error"
 *       params   = { disk = "{disk}", sector = "{sector}" }
 *     }
 *
 * Every problem is reported with its position; a compile step never stops at
 * the first one, and checks that depend on something already reported as
 * wrong (a rule with an unknown kind has no fields to check) are skipped
 * rather than piled on.
 */
#include "rules_internal.h"

#include "duration.h"
#include "macro.h"
#include "rules_load.h"
#include "suggest.h"
#include "template.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

FL_DEFINE_CLEANUP(struct fl_template *, fl_template_free);

/* ---- the decoded shape ---- */

struct threshold_spec {
        int64_t count;
        uint64_t window_usec;
        char *key;
};

struct match_spec {
        char *kind;
        char *message;
        char *exclude;
        char **journal_match;
        size_t n_journal_match;
};

struct rule_spec {
        char *description;
        int source;
        bool enabled;
        uint64_t cooldown_usec;
        char *cooldown_group;
        char *workflow;
        const struct fl_hcl_value *params;
        struct match_spec match;
        struct threshold_spec threshold;
};

struct file_spec {
        int unused;
};

static const struct fl_hcl_enum sources[] = {
        FL_HCL_ENUM_VALUE("bpf", FL_SOURCE_BPF),
        FL_HCL_ENUM_VALUE("sysfs", FL_SOURCE_SYSFS),
        FL_HCL_ENUM_VALUE("journal", FL_SOURCE_JOURNAL),
        {},
};

/* Field blocks are checked by the compiler, which knows the rule's kind; the
 * decoder only counts their labels and refuses duplicates. */
static int field_block(struct fl_hcl_decoder *d, const struct fl_hcl_block *block, void *obj) {
        return 0;
}

static const struct fl_hcl_attr_spec match_attrs[] = {
        FL_HCL_ATTR_STRING("kind", struct match_spec, kind, FL_HCL_NONEMPTY),
        FL_HCL_ATTR_STRING("message", struct match_spec, message, FL_HCL_NONEMPTY),
        FL_HCL_ATTR_STRING("exclude", struct match_spec, exclude, FL_HCL_NONEMPTY),
        FL_HCL_ATTR_STRING_LIST("journal_match", struct match_spec, journal_match, n_journal_match,
                FL_HCL_NONEMPTY),
        {},
};

static const struct fl_hcl_block_spec match_blocks[] = {
        FL_HCL_BLOCK_HANDLER("field", field_block, FL_HCL_UNIQUE_LABELS, .labels = {"name"}),
        {},
};

static const struct fl_hcl_schema match_schema = {
        .attrs = match_attrs,
        .blocks = match_blocks,
        .size = sizeof(struct match_spec),
};

static void threshold_init(void *obj) {
        struct threshold_spec *t = obj;
        t->count = 1;
}

static const struct fl_hcl_attr_spec threshold_attrs[] = {
        FL_HCL_ATTR_INT(
                "count", struct threshold_spec, count, 0, .min = 1, .max = FL_RULE_COUNT_MAX),
        FL_HCL_ATTR_DURATION("window", struct threshold_spec, window_usec, 0),
        FL_HCL_ATTR_STRING("key", struct threshold_spec, key, 0),
        {},
};

static const struct fl_hcl_schema threshold_schema = {
        .attrs = threshold_attrs,
        .size = sizeof(struct threshold_spec),
        .init = threshold_init,
};

static void rule_init(void *obj) {
        struct rule_spec *r = obj;
        r->source = -1; /* unknown until decoded: source checks are skipped */
        r->enabled = true;
}

static const struct fl_hcl_attr_spec rule_attrs[] = {
        FL_HCL_ATTR_STRING("description", struct rule_spec, description, 0),
        FL_HCL_ATTR_ENUM("source", struct rule_spec, source, sources, FL_HCL_REQUIRED),
        FL_HCL_ATTR_BOOL("enabled", struct rule_spec, enabled, 0),
        FL_HCL_ATTR_DURATION("cooldown", struct rule_spec, cooldown_usec, 0),
        FL_HCL_ATTR_STRING("cooldown_group", struct rule_spec, cooldown_group, FL_HCL_NONEMPTY),
        FL_HCL_ATTR_STRING(
                "workflow", struct rule_spec, workflow, FL_HCL_REQUIRED | FL_HCL_NONEMPTY),
        FL_HCL_ATTR_RAW("params", struct rule_spec, params, 0),
        {},
};

static const struct fl_hcl_block_spec rule_blocks[] = {
        FL_HCL_BLOCK_ONE("match", struct rule_spec, match, &match_schema, FL_HCL_REQUIRED),
        FL_HCL_BLOCK_ONE("threshold", struct rule_spec, threshold, &threshold_schema, 0),
        {},
};

static const struct fl_hcl_schema rule_schema = {
        .attrs = rule_attrs,
        .blocks = rule_blocks,
        .size = sizeof(struct rule_spec),
        .init = rule_init,
};

/* ---- compiling one rule ---- */

struct parse_ctx {
        const char *data; /* the file, for columns inside strings */
        size_t size;
        const char *filename;
        struct fl_rule **rules;
        size_t n_rules;
        size_t n_blocks;
};

struct compile {
        struct fl_hcl_decoder *d;
        struct parse_ctx *ctx;
        const struct fl_hcl_block *block; /* the rule */
        const struct fl_hcl_block *match; /* its match block, or NULL */
        const struct rule_spec *spec;
        const struct fl_rule_kind_info *kind; /* NULL: unknown, checks skipped */
        const char *captures[FL_RULE_CAPTURES_MAX];
        size_t n_captures;
        struct fl_rule *rule;
        int r; /* -EINVAL once anything was reported, or a fatal -errno */
};

_printf_(3, 4) static void err(
        struct compile *c, const struct fl_hcl_pos *pos, const char *fmt, ...) {
        char msg[1024];
        va_list ap;
        int r;

        va_start(ap, fmt);
        (void) vsnprintf(msg, sizeof(msg), fmt, ap);
        va_end(ap);
        r = fl_hcl_decoder_error(c->d, pos, "%s", msg);
        if (c->r == 0 || r == -ENOMEM)
                c->r = r;
}

static void oom(struct compile *c) {
        c->r = -ENOMEM;
}

static const struct fl_hcl_block *find_block(const struct fl_hcl_body *body, const char *type) {
        for (size_t i = 0; i < body->n_blocks; i++)
                if (strcmp(body->blocks[i].type, type) == 0)
                        return &body->blocks[i];
        return NULL;
}

static const struct fl_hcl_value *attr_value(const struct fl_hcl_block *b, const char *name) {
        const struct fl_hcl_attribute *a = b ? fl_hcl_body_attribute(&b->body, name) : NULL;
        return a ? &a->value : NULL;
}

static const char *quote(const char *s, char *buf) {
        return fl_hcl_quote(s, strlen(s), buf);
}

/* "a string", "an object": what was found, for messages. */
static const char *a_type(const struct fl_hcl_value *v) {
        switch (v->type) {
        case FL_HCL_NULL:
                return "null";
        case FL_HCL_BOOL:
                return "a bool";
        case FL_HCL_NUMBER:
                return "a number";
        case FL_HCL_STRING:
                return "a string";
        case FL_HCL_TUPLE:
                return "a list";
        case FL_HCL_OBJECT:
                return "an object";
        }
        return "a value";
}

/* Bytes of the UTF-8 sequence starting with `c` (1 for anything invalid). */
static size_t utf8_len(unsigned char c) {
        return c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 1;
}

static size_t utf8_len_of(unsigned long cp) {
        return cp < 0x80 ? 1 : cp < 0x800 ? 2 : cp < 0x10000 ? 3 : 4;
}

/* The position of byte `off` of the decoded string `v`, found by walking its
 * source text escape by escape. A heredoc, or a source that does not look as
 * expected, gives the position of the value itself. */
static struct fl_hcl_pos string_pos(
        const struct compile *c, const struct fl_hcl_value *v, size_t off) {
        const char *data = c->ctx->data;
        size_t size = c->ctx->size, p = v->pos.offset, decoded = 0;
        struct fl_hcl_pos pos = v->pos;

        if (v->type != FL_HCL_STRING || v->string.heredoc || p >= size || data[p] != '"')
                return v->pos;
        p++;
        pos.column++;
        while (decoded < off && p < size && data[p] != '"') {
                /* Decoded bytes, source bytes and columns of this step. */
                size_t dk, pk, cols;

                if (data[p] == '\\' && p + 1 < size) {
                        char e = data[p + 1];
                        if (e == 'u' || e == 'U') {
                                size_t n = e == 'u' ? 4 : 8;
                                char hex[9] = "";
                                if (p + 2 + n > size)
                                        return v->pos;
                                memcpy(hex, data + p + 2, n);
                                dk = utf8_len_of(strtoul(hex, NULL, 16));
                                pk = cols = 2 + n;
                        } else {
                                dk = 1;
                                pk = cols = 2;
                        }
                } else if ((data[p] == '$' || data[p] == '%') && p + 2 < size &&
                           data[p + 1] == data[p] && data[p + 2] == '{') {
                        dk = 2; /* "$${" is "${" */
                        pk = cols = 3;
                } else {
                        dk = pk = utf8_len((unsigned char) data[p]);
                        cols = 1;
                }
                if (decoded + dk > off)
                        break; /* `off` is inside this escape: point at it */
                decoded += dk;
                p += pk;
                pos.column += (uint32_t) cols;
                pos.offset = (uint32_t) p;
        }
        return pos;
}

/* ---- regexes ---- */

#define STR_(x) #x
#define STR(x)  STR_(x)
static const char regex_prefix[] = "(*LIMIT_MATCH=" STR(FL_RULE_REGEX_MATCH_LIMIT) ")";

static pcre2_code *compile_regex(
        struct compile *c, const char *what, const struct fl_hcl_value *v, const char *pattern) {
        size_t len = strlen(pattern), prefix = sizeof(regex_prefix) - 1;
        _cleanup_free_ char *full = NULL;
        PCRE2_UCHAR msg[256];
        PCRE2_SIZE off;
        uint32_t groups = 0;
        pcre2_code *re;
        int code;

        if (len > FL_RULE_REGEX_MAX) {
                err(c, &v->pos, "\"%s\" is too long: %zu bytes (at most %u)", what, len,
                        FL_RULE_REGEX_MAX);
                return NULL;
        }
        full = malloc(prefix + len + 1);
        if (!full) {
                oom(c);
                return NULL;
        }
        memcpy(full, regex_prefix, prefix);
        memcpy(full + prefix, pattern, len + 1);

        re = pcre2_compile((PCRE2_SPTR) full, prefix + len,
                PCRE2_UTF | PCRE2_MATCH_INVALID_UTF | PCRE2_NEVER_BACKSLASH_C, &code, &off, NULL);
        if (!re) {
                struct fl_hcl_pos pos;
                size_t at = off > prefix ? off - prefix : 0;

                if (code == PCRE2_ERROR_NOMEMORY) {
                        oom(c);
                        return NULL;
                }
                if (pcre2_get_error_message(code, msg, sizeof(msg)) < 0)
                        snprintf((char *) msg, sizeof(msg), "error %d", code);
                pos = string_pos(c, v, at);
                err(c, &pos, "invalid regex in \"%s\" at offset %zu: %s", what, at, (char *) msg);
                return NULL;
        }
        (void) pcre2_pattern_info(re, PCRE2_INFO_CAPTURECOUNT, &groups);
        if (groups > FL_RULE_CAPTURES_MAX) {
                err(c, &v->pos, "\"%s\" has %u capture groups; at most %u are supported", what,
                        groups, FL_RULE_CAPTURES_MAX);
                pcre2_code_free(re);
                return NULL;
        }
        /* JIT when this platform has it; the interpreter otherwise. */
        (void) pcre2_jit_compile(re, PCRE2_JIT_COMPLETE);
        return re;
}

/* Records the named groups of the message regex as fields templates and
 * conditions may use. */
static void collect_captures(
        struct compile *c, const pcre2_code *re, const struct fl_hcl_value *v) {
        uint32_t count = 0, entry_size = 0;
        PCRE2_SPTR table = NULL;

        (void) pcre2_pattern_info(re, PCRE2_INFO_NAMECOUNT, &count);
        (void) pcre2_pattern_info(re, PCRE2_INFO_NAMEENTRYSIZE, &entry_size);
        (void) pcre2_pattern_info(re, PCRE2_INFO_NAMETABLE, &table);
        for (uint32_t i = 0; i < count && c->n_captures < FL_RULE_CAPTURES_MAX;
                i++, table += entry_size) {
                const char *name = (const char *) table + 2;
                if (fl_rule_is_builtin(name)) {
                        err(c, &v->pos,
                                "capture \"%s\" in \"message\" would hide the builtin {%s}; "
                                "rename it",
                                name, name);
                        continue;
                }
                c->captures[c->n_captures++] = name;
        }
}

static bool is_capture(const struct compile *c, const char *name) {
        for (size_t i = 0; i < c->n_captures; i++)
                if (strcmp(c->captures[i], name) == 0)
                        return true;
        return false;
}

/* The closest field of the kind or capture to `name`, for hints. */
static const char *suggest_field(const struct compile *c, const char *name) {
        const char *names[128];
        size_t n = 0;

        for (const struct fl_rule_field_info *f = c->kind->fields; f->name && n < 96; f++)
                names[n++] = f->name;
        for (size_t i = 0; i < c->n_captures; i++)
                names[n++] = c->captures[i];
        return fl_suggest(name, names, n);
}

/* What {name} or `field "name"` may refer to: a field of the kind, a
 * capture, or a builtin. */
static bool name_known(const struct compile *c, const char *name) {
        return fl_rule_kind_field(c->kind, name) || is_capture(c, name) || fl_rule_is_builtin(name);
}

/* What a name was expected to be, for "unknown field" messages. */
static const char *expected(const struct compile *c, char *buf, size_t size) {
        if (c->kind->source == FL_SOURCE_JOURNAL)
                snprintf(buf, size,
                        "not a journal field, a named capture of \"message\" or a builtin");
        else
                snprintf(buf, size, "not a field of %s or a builtin", c->kind->name);
        return buf;
}

/* ---- templates ---- */

/* Offsets of the placeholders' "{" in `s`, in order (template.h syntax). */
static size_t placeholder_offsets(const char *s, size_t *offs, size_t max) {
        size_t n = 0;

        for (size_t i = 0; s[i]; i++) {
                if ((s[i] == '{' && s[i + 1] == '{') || (s[i] == '}' && s[i + 1] == '}')) {
                        i++;
                        continue;
                }
                if (s[i] == '{' && n < max)
                        offs[n++] = i;
        }
        return n;
}

static struct fl_template *compile_template(
        struct compile *c, const char *what, const struct fl_hcl_value *v, bool is_key) {
        size_t max = is_key ? FL_RULE_KEY_TEMPLATE_MAX : FL_RULE_TEMPLATE_MAX;
        size_t offs[128], n_offs, len, eoff = 0;
        _cleanup_(fl_template_freep) struct fl_template *t = NULL;
        const char *emsg = NULL;
        struct fl_hcl_pos pos;
        char buf[256];
        int r;

        if (v->type != FL_HCL_STRING) {
                err(c, &v->pos, "%s must be a string, not %s", what, a_type(v));
                return NULL;
        }
        if (memchr(v->string.ptr, '\0', v->string.len)) {
                err(c, &v->pos, "%s must not contain NUL characters", what);
                return NULL;
        }
        len = v->string.len;
        if (len > max) {
                err(c, &v->pos, "%s is too long: %zu bytes (at most %zu)", what, len, max);
                return NULL;
        }
        r = fl_template_compile(v->string.ptr, &t, &emsg, &eoff);
        if (r == -ENOMEM) {
                oom(c);
                return NULL;
        }
        if (r < 0) {
                pos = string_pos(c, v, eoff);
                err(c, &pos, "invalid template in %s: %s", what, emsg ? emsg : "syntax error");
                return NULL;
        }

        n_offs = placeholder_offsets(v->string.ptr, offs, ELEMENTSOF(offs));
        for (size_t i = 0; i < fl_template_n_refs(t); i++) {
                const char *name = fl_template_ref(t, i), *hint;

                pos = string_pos(c, v, i < n_offs ? offs[i] : 0);
                if (is_key && (strcmp(name, "key") == 0 || strcmp(name, "count") == 0)) {
                        err(c, &pos, "{%s} cannot be used in the threshold key", name);
                        continue;
                }
                if (!c->kind || name_known(c, name))
                        continue;
                hint = suggest_field(c, name);
                if (hint)
                        err(c, &pos, "unknown placeholder {%s} in %s: %s; did you mean {%s}?", name,
                                what, expected(c, buf, sizeof(buf)), hint);
                else
                        err(c, &pos, "unknown placeholder {%s} in %s: %s", name, what,
                                expected(c, buf, sizeof(buf)));
        }
        return TAKE_PTR(t);
}

/* ---- field conditions ---- */

static const struct {
        const char *name;
        enum fl_cond_op op;
} ops[] = {
        {"equals", FL_COND_EQUALS},
        {"not_equals", FL_COND_NOT_EQUALS},
        {"in", FL_COND_IN},
        {"regex", FL_COND_REGEX},
        {"not_regex", FL_COND_NOT_REGEX},
        {"gte", FL_COND_GTE},
        {"gt", FL_COND_GT},
        {"lte", FL_COND_LTE},
        {"lt", FL_COND_LT},
        {"present", FL_COND_PRESENT},
        {"absent", FL_COND_ABSENT},
};

static const char op_list[] =
        "equals, not_equals, in, regex, not_regex, gte, gt, lte, lt, present, absent";

/* The text a value compares as: strings as they are, numbers as written,
 * bools as "true"/"false". NULL (after reporting) for anything else. */
static const char *value_text(struct compile *c, const char *what, const struct fl_hcl_value *v) {
        switch (v->type) {
        case FL_HCL_STRING:
                if (memchr(v->string.ptr, '\0', v->string.len)) {
                        err(c, &v->pos, "%s must not contain NUL characters", what);
                        return NULL;
                }
                return v->string.ptr;
        case FL_HCL_NUMBER:
                return v->number.text;
        case FL_HCL_BOOL:
                return v->boolean ? "true" : "false";
        default:
                err(c, &v->pos, "%s must be a string, a number or a bool, not %s", what, a_type(v));
                return NULL;
        }
}

/* BLK_STS_<n> is how the formatter spells a status it has no name for. */
static bool blk_status_number(const char *s) {
        if (strncmp(s, "BLK_STS_", 8) != 0 || !s[8])
                return false;
        for (s += 8; *s; s++)
                if (*s < '0' || *s > '9')
                        return false;
        return true;
}

/* A value of a field that only takes a few values must be one of them. */
static void check_value(struct compile *c, const struct fl_rule_field_info *f, const char *s,
        const struct fl_hcl_value *v) {
        char list[512], q[FL_HCL_QUOTE_SIZE];
        const char *hint;
        size_t len = 0, n = 0;

        if (!f || !f->values)
                return;
        for (n = 0; f->values[n]; n++)
                if (strcmp(f->values[n], s) == 0)
                        return;
        if (strcmp(f->name, "error_name") == 0 && blk_status_number(s))
                return;
        hint = fl_suggest(s, f->values, n);
        if (hint) {
                err(c, &v->pos, "invalid value %s for field \"%s\" of %s; did you mean \"%s\"?",
                        quote(s, q), f->name, c->kind->name, hint);
                return;
        }
        list[0] = '\0';
        for (size_t i = 0; i < n; i++) {
                int k = snprintf(
                        list + len, sizeof(list) - len, "%s\"%s\"", i ? ", " : "", f->values[i]);
                if (k < 0 || (size_t) k >= sizeof(list) - len)
                        break;
                len += (size_t) k;
        }
        err(c, &v->pos, "invalid value %s for field \"%s\" of %s (expected one of: %s)",
                quote(s, q), f->name, c->kind->name, list);
}

static struct fl_cond *cond_add(struct compile *c, const char *field, enum fl_cond_op op) {
        struct fl_rule *r = c->rule;
        struct fl_cond *a, *cond;

        a = reallocarray(r->conds, r->n_conds + 1, sizeof(*a));
        if (!a) {
                oom(c);
                return NULL;
        }
        r->conds = a;
        cond = &r->conds[r->n_conds];
        *cond = (struct fl_cond){.op = op, .field = strdup(field)};
        if (!cond->field) {
                oom(c);
                return NULL;
        }
        r->n_conds++;
        return cond;
}

static void compile_op(struct compile *c, const char *field, const struct fl_rule_field_info *f,
        const struct fl_hcl_attribute *a, enum fl_cond_op op) {
        const struct fl_hcl_value *v = &a->value;
        struct fl_cond *cond;
        char what[160];
        const char *s;

        snprintf(what, sizeof(what), "\"%s\" of field \"%s\"", a->name, field);
        switch (op) {
        case FL_COND_EQUALS:
        case FL_COND_NOT_EQUALS:
                s = value_text(c, what, v);
                if (!s)
                        return;
                check_value(c, f, s, v);
                cond = cond_add(c, field, op);
                if (cond) {
                        cond->str = strdup(s);
                        if (!cond->str)
                                oom(c);
                }
                return;
        case FL_COND_IN: {
                char **strv;

                if (v->type != FL_HCL_TUPLE) {
                        err(c, &v->pos, "%s must be a list, not %s", what, a_type(v));
                        return;
                }
                if (v->tuple.n_items == 0 || v->tuple.n_items > FL_RULE_IN_MAX) {
                        err(c, &v->pos, "%s must hold 1 to %u values, not %zu", what,
                                FL_RULE_IN_MAX, v->tuple.n_items);
                        return;
                }
                strv = calloc(v->tuple.n_items, sizeof(char *));
                if (!strv) {
                        oom(c);
                        return;
                }
                cond = cond_add(c, field, op);
                if (!cond) {
                        free(strv);
                        return;
                }
                cond->strv = strv;
                for (size_t i = 0; i < v->tuple.n_items; i++) {
                        s = value_text(c, what, &v->tuple.items[i]);
                        if (!s)
                                continue;
                        check_value(c, f, s, &v->tuple.items[i]);
                        strv[cond->n_strv] = strdup(s);
                        if (!strv[cond->n_strv]) {
                                oom(c);
                                return;
                        }
                        cond->n_strv++;
                }
                return;
        }
        case FL_COND_REGEX:
        case FL_COND_NOT_REGEX: {
                pcre2_code *re;

                if (v->type != FL_HCL_STRING) {
                        err(c, &v->pos, "%s must be a string, not %s", what, a_type(v));
                        return;
                }
                if (memchr(v->string.ptr, '\0', v->string.len)) {
                        err(c, &v->pos, "%s must not contain NUL characters", what);
                        return;
                }
                snprintf(what, sizeof(what), "field \"%s\" %s", field, a->name);
                re = compile_regex(c, what, v, v->string.ptr);
                if (!re)
                        return;
                cond = cond_add(c, field, op);
                if (cond)
                        cond->re = re;
                else
                        pcre2_code_free(re);
                return;
        }
        case FL_COND_GTE:
        case FL_COND_GT:
        case FL_COND_LTE:
        case FL_COND_LT:
                if (v->type != FL_HCL_NUMBER) {
                        err(c, &v->pos, "%s must be a number, not %s", what, a_type(v));
                        return;
                }
                if (!isfinite(v->number.value)) {
                        err(c, &v->pos, "%s is out of range: %.40s", what, v->number.text);
                        return;
                }
                if (f && !(f->flags & FL_RULE_FIELD_NUMERIC)) {
                        err(c, &a->pos, "\"%s\" compares numbers, but field \"%s\" of %s is text",
                                a->name, field, c->kind->name);
                        return;
                }
                cond = cond_add(c, field, op);
                if (cond)
                        cond->num = v->number.value;
                return;
        case FL_COND_PRESENT:
        case FL_COND_ABSENT:
                if (v->type != FL_HCL_BOOL) {
                        err(c, &v->pos, "%s must be true or false, not %s", what, a_type(v));
                        return;
                }
                /* present = false is absent = true, and the other way round. */
                if (!v->boolean)
                        op = op == FL_COND_PRESENT ? FL_COND_ABSENT : FL_COND_PRESENT;
                (void) cond_add(c, field, op);
                return;
        }
}

static void compile_field(struct compile *c, const struct fl_hcl_block *fb) {
        const char *name = fb->labels[0].text, *hint;
        const struct fl_rule_field_info *f = NULL;
        const struct fl_hcl_attribute *presence = NULL;
        char q[FL_HCL_QUOTE_SIZE], buf[256];

        if (memchr(name, '\0', fb->labels[0].len))
                return; /* reported by the decoder */
        if (fb->labels[0].len == 0) {
                err(c, &fb->labels[0].pos, "a field name must not be empty");
                return;
        }
        if (c->kind) {
                f = fl_rule_kind_field(c->kind, name);
                if (!name_known(c, name)) {
                        hint = suggest_field(c, name);
                        if (hint)
                                err(c, &fb->labels[0].pos,
                                        "unknown field %s: %s; did you mean \"%s\"?",
                                        quote(name, q), expected(c, buf, sizeof(buf)), hint);
                        else
                                err(c, &fb->labels[0].pos, "unknown field %s: %s", quote(name, q),
                                        expected(c, buf, sizeof(buf)));
                }
        }
        for (size_t i = 0; i < fb->body.n_blocks; i++)
                err(c, &fb->body.blocks[i].pos, "block \"%s\" is not allowed in block \"field\"",
                        fb->body.blocks[i].type);
        if (fb->body.n_attributes == 0) {
                err(c, &fb->pos, "field %s has no condition (use %s)", quote(name, q), op_list);
                return;
        }
        for (size_t i = 0; i < fb->body.n_attributes; i++) {
                const struct fl_hcl_attribute *a = &fb->body.attributes[i];
                const char *names[ELEMENTSOF(ops)];
                size_t k;

                for (k = 0; k < ELEMENTSOF(ops); k++)
                        if (strcmp(ops[k].name, a->name) == 0)
                                break;
                if (k == ELEMENTSOF(ops)) {
                        for (size_t j = 0; j < ELEMENTSOF(ops); j++)
                                names[j] = ops[j].name;
                        hint = fl_suggest(a->name, names, ELEMENTSOF(ops));
                        if (hint)
                                err(c, &a->pos,
                                        "unknown operator \"%s\" for field %s; did you mean "
                                        "\"%s\"?",
                                        a->name, quote(name, q), hint);
                        else
                                err(c, &a->pos,
                                        "unknown operator \"%s\" for field %s (expected one of: "
                                        "%s)",
                                        a->name, quote(name, q), op_list);
                        continue;
                }
                if (ops[k].op == FL_COND_PRESENT || ops[k].op == FL_COND_ABSENT) {
                        if (presence) {
                                err(c, &a->pos,
                                        "\"%s\" and \"%s\" of field %s: use only one of them",
                                        presence->name, a->name, quote(name, q));
                                continue;
                        }
                        presence = a;
                }
                if (c->rule->n_conds >= FL_RULE_CONDS_MAX) {
                        err(c, &a->pos, "too many conditions in one rule (at most %u)",
                                FL_RULE_CONDS_MAX);
                        return;
                }
                compile_op(c, name, f, a, ops[k].op);
        }
}

/* ---- the parts of a rule ---- */

static bool name_ok(const char *s, size_t len) {
        if (len == 0 || len > FL_RULE_NAME_MAX || strlen(s) != len)
                return false;
        for (size_t i = 0; i < len; i++) {
                char ch = s[i];
                bool alnum = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
                             (ch >= '0' && ch <= '9');
                if (!alnum && (i == 0 || (ch != '-' && ch != '_' && ch != '.')))
                        return false;
        }
        return true;
}

static void compile_kind(struct compile *c) {
        const struct fl_hcl_value *v = attr_value(c->match, "kind");
        const char *given = c->spec->match.kind, *hint;
        enum fl_source source = (enum fl_source) c->spec->source;
        const struct fl_rule_kind_info *all, *k;
        const char *names[32];
        char q[FL_HCL_QUOTE_SIZE], list[512];
        size_t n_all, n = 0, len = 0;

        if (!v) {
                if (c->spec->source < 0 || !c->match)
                        return;
                if (source == FL_SOURCE_JOURNAL)
                        c->kind = fl_rule_kind_find(FL_RULE_JOURNAL_KIND);
                else
                        err(c, &c->match->pos,
                                "missing required attribute \"kind\" in block \"match\": "
                                "source \"%s\" needs one",
                                fl_source_to_string(source));
                return;
        }
        if (!given)
                return; /* wrong type: reported by the decoder */
        k = fl_rule_kind_find(given);
        if (k && c->spec->source >= 0 && k->source != source) {
                err(c, &v->pos, "kind %s belongs to source \"%s\", not \"%s\"", quote(given, q),
                        fl_source_to_string(k->source), fl_source_to_string(source));
                return;
        }
        if (k) {
                c->kind = k;
                return;
        }
        all = fl_rule_kinds(&n_all);
        for (size_t i = 0; i < n_all; i++) {
                int w;
                if (c->spec->source >= 0 && all[i].source != source)
                        continue;
                names[n++] = all[i].name;
                w = snprintf(list + len, sizeof(list) - len, "%s%s", len ? ", " : "", all[i].name);
                if (w > 0 && (size_t) w < sizeof(list) - len)
                        len += (size_t) w;
        }
        hint = fl_suggest(given, names, n);
        if (hint)
                err(c, &v->pos, "unknown kind %s; did you mean \"%s\"?", quote(given, q), hint);
        else if (c->spec->source >= 0)
                err(c, &v->pos, "unknown kind %s for source \"%s\" (expected one of: %s)",
                        quote(given, q), fl_source_to_string(source), list);
        else
                err(c, &v->pos, "unknown kind %s", quote(given, q));
}

/* FIELD=value, FIELD as sd-journal wants it, and a field rules can see. */
static void compile_journal_matches(struct compile *c) {
        const struct fl_hcl_value *v = attr_value(c->match, "journal_match");
        const struct fl_rule_kind_info *journal = fl_rule_kind_find(FL_RULE_JOURNAL_KIND);
        struct fl_rule *r = c->rule;
        char q[FL_HCL_QUOTE_SIZE];

        if (!v || !c->spec->match.journal_match)
                return;
        if (c->spec->match.n_journal_match > FL_RULE_JOURNAL_MATCHES_MAX) {
                err(c, &v->pos, "\"journal_match\" holds %zu matches (at most %u)",
                        c->spec->match.n_journal_match, FL_RULE_JOURNAL_MATCHES_MAX);
                return;
        }
        r->journal_matches = calloc(c->spec->match.n_journal_match, sizeof(char *));
        if (!r->journal_matches) {
                oom(c);
                return;
        }
        for (size_t i = 0; i < c->spec->match.n_journal_match; i++) {
                const char *m = c->spec->match.journal_match[i], *eq = strchr(m, '=');
                const struct fl_hcl_value *item = &v->tuple.items[i];
                bool ok = eq && eq > m && !(m[0] >= '0' && m[0] <= '9');
                _cleanup_free_ char *field = NULL;

                for (const char *p = m; ok && p < eq; p++)
                        ok = (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_';
                if (!ok || strlen(m) > 1024) {
                        err(c, &item->pos,
                                "invalid journal match %s: write FIELD=value, FIELD of A-Z, 0-9 "
                                "and _ (at most 1024 characters)",
                                quote(m, q));
                        continue;
                }
                field = strndup(m, (size_t) (eq - m));
                if (!field) {
                        oom(c);
                        return;
                }
                if (!fl_rule_kind_field(journal, field)) {
                        err(c, &item->pos,
                                "journal match on %s: the journal source does not pass that "
                                "field to rules, so entries would be read but never match",
                                quote(field, q));
                        continue;
                }
                r->journal_matches[r->n_journal_matches] = strdup(m);
                if (!r->journal_matches[r->n_journal_matches]) {
                        oom(c);
                        return;
                }
                r->n_journal_matches++;
        }
}

static void compile_match(struct compile *c) {
        static const char *const journal_only[] = {"message", "exclude", "journal_match"};
        enum fl_source source = (enum fl_source) c->spec->source;
        const struct fl_hcl_value *v;
        size_t n_fields = 0;

        if (!c->match)
                return;
        compile_kind(c);
        for (size_t i = 0; i < ELEMENTSOF(journal_only); i++) {
                const struct fl_hcl_attribute *a =
                        fl_hcl_body_attribute(&c->match->body, journal_only[i]);
                if (a && c->spec->source >= 0 && source != FL_SOURCE_JOURNAL)
                        err(c, &a->pos, "\"%s\" is only for rules with source \"journal\"",
                                journal_only[i]);
        }
        if (c->spec->source == FL_SOURCE_JOURNAL) {
                v = attr_value(c->match, "message");
                if (v && c->spec->match.message) {
                        c->rule->message_re =
                                compile_regex(c, "message", v, c->spec->match.message);
                        if (c->rule->message_re)
                                collect_captures(c, c->rule->message_re, v);
                }
                v = attr_value(c->match, "exclude");
                if (v && c->spec->match.exclude)
                        c->rule->exclude_re =
                                compile_regex(c, "exclude", v, c->spec->match.exclude);
                compile_journal_matches(c);
        }
        for (size_t i = 0; i < c->match->body.n_blocks && c->r != -ENOMEM; i++) {
                const struct fl_hcl_block *fb = &c->match->body.blocks[i];

                if (strcmp(fb->type, "field") != 0 || fb->n_labels != 1)
                        continue;
                if (++n_fields > FL_RULE_FIELDS_MAX) {
                        err(c, &fb->pos, "too many field blocks in one rule (at most %u)",
                                FL_RULE_FIELDS_MAX);
                        break;
                }
                compile_field(c, fb);
        }
}

static void check_duration(struct compile *c, const struct fl_hcl_block *b, const char *name,
        uint64_t usec, uint64_t min) {
        const struct fl_hcl_value *v = attr_value(b, name);
        char q[FL_HCL_QUOTE_SIZE];
        uint64_t parsed;

        /* Not a valid duration at all: the decoder said so already. */
        if (!v || v->type != FL_HCL_STRING || fl_duration_parse(v->string.ptr, &parsed, NULL) < 0)
                return;
        if (usec < min || usec > FL_RULE_DURATION_MAX_USEC)
                err(c, &v->pos, "\"%s\" must be between %s and 30d, not %s", name, min ? "1s" : "0",
                        fl_hcl_quote(v->string.ptr, v->string.len, q));
}

static void compile_threshold(struct compile *c) {
        const struct fl_hcl_block *tb = find_block(&c->block->body, "threshold");
        const struct threshold_spec *t = &c->spec->threshold;
        const struct fl_hcl_value *v;

        c->rule->count = (uint64_t) t->count;
        c->rule->window_usec = t->window_usec;
        if (!tb)
                return;
        check_duration(c, tb, "window", t->window_usec, FL_RULE_WINDOW_MIN_USEC);
        v = attr_value(tb, "count");
        if (t->count > 1 && !attr_value(tb, "window"))
                err(c, v ? &v->pos : &tb->pos,
                        "\"window\" is required when \"count\" is more than 1: %" PRId64
                        " occurrences within what time?",
                        t->count);
        v = attr_value(tb, "key");
        if (v && t->key)
                c->rule->key = compile_template(c, "\"key\"", v, true);
}

static void compile_params(struct compile *c) {
        const struct fl_hcl_value *v = c->spec->params;
        struct fl_rule *r = c->rule;
        char what[160], q[FL_HCL_QUOTE_SIZE];

        if (!v)
                return;
        if (v->type != FL_HCL_OBJECT) {
                err(c, &v->pos, "\"params\" must be an object of strings, not %s", a_type(v));
                return;
        }
        if (v->object.n_items > FL_RULE_PARAMS_MAX) {
                err(c, &v->pos, "\"params\" holds %zu entries (at most %u)", v->object.n_items,
                        FL_RULE_PARAMS_MAX);
                return;
        }
        r->params = calloc(v->object.n_items ? v->object.n_items : 1, sizeof(*r->params));
        if (!r->params) {
                oom(c);
                return;
        }
        for (size_t i = 0; i < v->object.n_items; i++) {
                const struct fl_hcl_object_item *it = &v->object.items[i];
                struct fl_template *t;

                if (!name_ok(it->key, it->key_len)) {
                        err(c, &it->key_pos,
                                "invalid parameter name %s: use letters, digits, \"-\", \"_\" "
                                "and \".\", at most %u characters",
                                fl_hcl_quote(it->key, it->key_len, q), FL_RULE_NAME_MAX);
                        continue;
                }
                snprintf(what, sizeof(what), "params.%s", it->key);
                t = compile_template(c, what, &it->value, false);
                if (!t)
                        continue;
                r->params[r->n_params].name = strdup(it->key);
                r->params[r->n_params].value = t;
                r->n_params++;
                if (!r->params[r->n_params - 1].name)
                        oom(c);
        }
}

/* FNV-1a over what counters depend on: a reload keeps a rule's counters
 * only when this is unchanged. */
static uint64_t fnv1a(uint64_t h, const void *p, size_t n) {
        const unsigned char *b = p;

        for (size_t i = 0; i < n; i++) {
                h ^= b[i];
                h *= 0x100000001b3ULL;
        }
        return h;
}

static uint64_t fingerprint(const struct fl_rule *r, const char *key) {
        uint64_t h = 0xcbf29ce484222325ULL;

        h = fnv1a(h, r->name, strlen(r->name) + 1);
        h = fnv1a(h, &r->count, sizeof(r->count));
        h = fnv1a(h, &r->window_usec, sizeof(r->window_usec));
        h = fnv1a(h, key ? key : "", key ? strlen(key) + 1 : 1);
        h = fnv1a(h, &r->cooldown_usec, sizeof(r->cooldown_usec));
        return h;
}

static int compile_rule(struct compile *c) {
        const struct rule_spec *s = c->spec;
        const struct fl_hcl_value *v;
        struct fl_rule *r;
        char q[FL_HCL_QUOTE_SIZE];

        r = c->rule = calloc(1, sizeof(*r));
        if (!r)
                return -ENOMEM;
        r->name = strndup(c->block->labels[0].text, c->block->labels[0].len);
        r->file = strdup(c->ctx->filename);
        if (!r->name || !r->file)
                return -ENOMEM;
        r->line = c->block->pos.line;
        r->column = c->block->pos.column;
        r->source = s->source >= 0 ? (enum fl_source) s->source : FL_SOURCE_BPF;

        if (!name_ok(c->block->labels[0].text, c->block->labels[0].len))
                err(c, &c->block->labels[0].pos,
                        "invalid rule name %s: use letters, digits, \"-\", \"_\" and \".\", "
                        "starting with a letter or digit, at most %u characters",
                        fl_hcl_quote(c->block->labels[0].text, c->block->labels[0].len, q),
                        FL_RULE_NAME_MAX);

        c->match = find_block(&c->block->body, "match");
        compile_match(c);
        compile_threshold(c);

        check_duration(c, c->block, "cooldown", s->cooldown_usec, 0);
        r->cooldown_usec = s->cooldown_usec;
        v = attr_value(c->block, "cooldown_group");
        if (v && s->cooldown_group) {
                if (!name_ok(s->cooldown_group, strlen(s->cooldown_group)))
                        err(c, &v->pos,
                                "invalid cooldown group %s: use letters, digits, \"-\", \"_\" "
                                "and \".\", starting with a letter or digit, at most %u "
                                "characters",
                                quote(s->cooldown_group, q), FL_RULE_NAME_MAX);
                r->cooldown_group = strdup(s->cooldown_group);
                if (!r->cooldown_group)
                        return -ENOMEM;
        }

        v = attr_value(c->block, "workflow");
        if (v && s->workflow) {
                if (!name_ok(s->workflow, strlen(s->workflow)))
                        err(c, &v->pos,
                                "invalid workflow name %s: use letters, digits, \"-\", \"_\" "
                                "and \".\", starting with a letter or digit, at most %u "
                                "characters",
                                quote(s->workflow, q), FL_RULE_NAME_MAX);
                r->workflow = strdup(s->workflow);
                if (!r->workflow)
                        return -ENOMEM;
        }
        v = attr_value(c->block, "description");
        if (v && s->description) {
                if (strlen(s->description) > FL_RULE_DESCRIPTION_MAX)
                        err(c, &v->pos, "\"description\" is too long: %zu bytes (at most %u)",
                                strlen(s->description), FL_RULE_DESCRIPTION_MAX);
                r->description = strdup(s->description);
                if (!r->description)
                        return -ENOMEM;
        }
        /* Without a known kind only the shape of the templates is checked. */
        compile_params(c);
        if (c->r == -ENOMEM)
                return -ENOMEM;

        if (c->kind && c->kind->source != FL_SOURCE_JOURNAL) {
                r->kind = strdup(c->kind->name);
                if (!r->kind)
                        return -ENOMEM;
        }
        r->state_fingerprint = fingerprint(r, s->threshold.key);
        return c->r;
}

static int on_rule(struct fl_hcl_decoder *d, const struct fl_hcl_block *block, void *obj) {
        struct parse_ctx *ctx = fl_hcl_decoder_userdata(d);
        struct rule_spec spec;
        struct compile c = {.d = d, .ctx = ctx, .block = block, .spec = &spec};
        struct fl_rule **a;
        bool enabled;
        int r, rd;

        if (++ctx->n_blocks > FL_RULES_PER_FILE_MAX) {
                if (ctx->n_blocks == FL_RULES_PER_FILE_MAX + 1)
                        return fl_hcl_decoder_error(d, &block->pos,
                                "too many rules in one file (at most %u)", FL_RULES_PER_FILE_MAX);
                return -EINVAL;
        }

        fl_hcl_decode_init(&rule_schema, &spec);
        rd = fl_hcl_decode_body(d, block, &block->body, &rule_schema, &spec);
        if (rd < 0 && rd != -EINVAL) {
                fl_hcl_decode_free(&rule_schema, &spec);
                return rd;
        }
        r = compile_rule(&c);
        enabled = spec.enabled;
        fl_hcl_decode_free(&rule_schema, &spec);
        if (r == 0 && rd == 0 && enabled) {
                a = reallocarray(ctx->rules, ctx->n_rules + 1, sizeof(*a));
                if (!a) {
                        fl_rule_free(c.rule);
                        return -ENOMEM;
                }
                ctx->rules = a;
                ctx->rules[ctx->n_rules++] = c.rule;
                return 0;
        }
        fl_rule_free(c.rule);
        return r < 0 ? r : rd;
}

static const struct fl_hcl_block_spec file_blocks[] = {
        FL_HCL_BLOCK_HANDLER("rule", on_rule, FL_HCL_UNIQUE_LABELS, .labels = {"name"}),
        {},
};

static const struct fl_hcl_schema file_schema = {
        .blocks = file_blocks,
        .size = sizeof(struct file_spec),
};

void fl_rule_list_free(struct fl_rule **rules, size_t n) {
        for (size_t i = 0; i < n; i++)
                fl_rule_unref(rules[i]);
        free(rules);
}

int fl_rules_parse_list(const char *data, size_t size, const char *filename, struct fl_diags *diags,
        struct fl_rule ***ret_rules, size_t *ret_n) {
        _cleanup_(fl_hcl_file_freep) struct fl_hcl_file *f = NULL;
        struct parse_ctx ctx = {.data = data, .size = size, .filename = filename};
        struct file_spec fs;
        int r;

        if (size > FL_RULES_FILE_MAX_BYTES) {
                r = diags ? fl_diags_add(diags, filename, 1, 1,
                                    "file is too large: %zu bytes (at most %u)", size,
                                    FL_RULES_FILE_MAX_BYTES)
                          : 0;
                return r == -ENOMEM ? r : -EINVAL;
        }
        r = fl_hcl_parse(data, size, filename, diags, &f);
        if (r == -EFBIG)
                return -EINVAL; /* reported in diags */
        if (r < 0)
                return r;
        r = fl_hcl_decode(f, &file_schema, &ctx, diags, &fs);
        if (r < 0) {
                fl_rule_list_free(ctx.rules, ctx.n_rules);
                return r;
        }
        fl_hcl_decode_free(&file_schema, &fs);
        *ret_rules = ctx.rules;
        *ret_n = ctx.n_rules;
        return 0;
}

int fl_rules_parse(const char *data, size_t size, const char *filename, struct fl_diags *diags,
        struct fl_ruleset **ret) {
        struct fl_rule **rules = NULL;
        struct fl_ruleset *rs;
        size_t n = 0;
        int r;

        r = fl_rules_parse_list(data, size, filename, diags, &rules, &n);
        if (r < 0)
                return r;
        rs = fl_ruleset_new();
        if (!rs) {
                fl_rule_list_free(rules, n);
                return -ENOMEM;
        }
        for (size_t i = 0; i < n; i++) {
                r = fl_ruleset_add(rs, rules[i]);
                rules[i] = NULL;
                if (r < 0) {
                        fl_rule_list_free(rules, n);
                        fl_ruleset_unref(rs);
                        return r;
                }
        }
        free(rules);
        *ret = rs;
        return 0;
}
