/* SPDX-License-Identifier: Apache-2.0 */
#include "workflows.h"

#include "config_parse.h"
#include "hcl.h"
#include "hcl_decode.h"
#include "names.h"
#include "suggest.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define USEC_PER_SEC UINT64_C(1000000)
#define DAY_USEC     (86400 * USEC_PER_SEC)

static const char *const target_names[_FL_QUEUE_MAX] = {
        [FL_QUEUE_NODE] = "node",
        [FL_QUEUE_NODE_TYPE] = "node_type",
        [FL_QUEUE_GENERAL] = "general",
};

const char *fl_queue_target_to_string(enum fl_queue_target t) {
        return (unsigned) t < _FL_QUEUE_MAX ? target_names[t] : NULL;
}

static const char *const input_names[] = {
        "node",
        "node_type",
        "datacenter",
        "workflow",
        "rule",
        "idempotency_key",
        "params",
        "event",
        "observed_at",
};

const char *fl_input_field_name(unsigned bit) {
        for (size_t i = 0; i < ELEMENTSOF(input_names); i++)
                if (bit == 1u << i)
                        return input_names[i];
        return NULL;
}

/* ---- the file's shape ----------------------------------------------------- */

struct constraint_hcl {
        int kind;
        uint64_t value;
        uint64_t period_usec;
        bool is_global;
        int scope; /* -1: not written */
        unsigned line, column;
};

struct workflow_hcl {
        char *workflow_type;
        int target;
        struct fl_cfg_names node_types;
        uint64_t execution_timeout_usec;
        unsigned input_fields;
        json_t *params;
        struct constraint_hcl *constraints;
        size_t n_constraints;
};

static const struct fl_hcl_enum kinds[] = {
        FL_HCL_ENUM_VALUE("concurrency", FL_CONSTRAINT_CONCURRENCY),
        FL_HCL_ENUM_ALIAS("concurency", FL_CONSTRAINT_CONCURRENCY), /* the seed's spelling */
        FL_HCL_ENUM_VALUE("maxExecution", FL_CONSTRAINT_MAX_EXECUTION),
        {},
};

static const struct fl_hcl_enum scopes[] = {
        FL_HCL_ENUM_VALUE("node", FL_SCOPE_NODE),
        FL_HCL_ENUM_VALUE("node_type", FL_SCOPE_NODE_TYPE),
        FL_HCL_ENUM_VALUE("datacenter", FL_SCOPE_DATACENTER),
        FL_HCL_ENUM_VALUE("global", FL_SCOPE_GLOBAL),
        {},
};

/* `value`: the seed writes "1" (a string); a number is accepted too. */
static int parse_value(struct fl_hcl_decoder *d, const struct fl_hcl_value *v,
        const struct fl_hcl_attr_spec *spec, void *field) {
        char q[FL_HCL_QUOTE_SIZE], *end;
        const char *text;
        unsigned long long n;

        if (v->type == FL_HCL_NUMBER)
                text = v->number.text;
        else if (v->type == FL_HCL_STRING && !memchr(v->string.ptr, '\0', v->string.len))
                text = v->string.ptr;
        else
                return fl_hcl_decoder_error(d, &v->pos,
                        "\"value\" must be a whole number (or a string holding one), not %s",
                        fl_hcl_type_phrase(v));
        errno = 0;
        n = strtoull(text, &end, 10);
        if (text[0] < '0' || text[0] > '9' || *end || errno || n < 1 || n > FL_CONSTRAINT_VALUE_MAX)
                return fl_hcl_decoder_error(d, &v->pos,
                        "\"value\" must be a whole number from 1 to %d, not %s",
                        FL_CONSTRAINT_VALUE_MAX, fl_hcl_quote(text, strlen(text), q));
        *(uint64_t *) field = n;
        return 0;
}

static void constraint_init(void *obj) {
        struct constraint_hcl *c = obj;

        c->scope = -1;
}

static int constraint_validate(struct fl_hcl_decoder *d, const struct fl_hcl_block *block,
        const struct fl_hcl_body *body, void *obj) {
        struct constraint_hcl *c = obj;

        c->line = block->pos.line;
        c->column = block->pos.column;
        if (c->is_global && c->scope >= 0 && c->scope != FL_SCOPE_GLOBAL)
                return fl_hcl_decoder_error(d, fl_cfg_attr_pos(body, "scope", &block->pos),
                        "scope = \"%s\" contradicts is_global = true (which means scope = "
                        "\"global\")",
                        fl_scope_to_string(c->scope));
        return 0;
}

static const struct fl_hcl_attr_spec constraint_attrs[] = {
        FL_HCL_ATTR_ENUM("kind", struct constraint_hcl, kind, kinds, FL_HCL_REQUIRED),
        FL_HCL_ATTR_CUSTOM(
                "value", struct constraint_hcl, value, parse_value, NULL, FL_HCL_REQUIRED),
        FL_HCL_ATTR_CUSTOM("period", struct constraint_hcl, period_usec, fl_cfg_parse_duration,
                NULL, FL_HCL_REQUIRED, .min = (int64_t) USEC_PER_SEC,
                .max = (int64_t) (366 * DAY_USEC)),
        FL_HCL_ATTR_BOOL("is_global", struct constraint_hcl, is_global, 0),
        FL_HCL_ATTR_ENUM("scope", struct constraint_hcl, scope, scopes, 0),
        {},
};

static const struct fl_hcl_schema constraint_schema = {
        .attrs = constraint_attrs,
        .size = sizeof(struct constraint_hcl),
        .init = constraint_init,
        .validate = constraint_validate,
};

/* task_queue_target: the seed's "<target>" is a placeholder of the document
 * it comes from; say so rather than "invalid value". */
static int parse_target(struct fl_hcl_decoder *d, const struct fl_hcl_value *v,
        const struct fl_hcl_attr_spec *spec, void *field) {
        char q[FL_HCL_QUOTE_SIZE];
        const char *hint;

        if (v->type != FL_HCL_STRING)
                return fl_hcl_decoder_error(d, &v->pos,
                        "\"task_queue_target\" must be a string, not %s", fl_hcl_type_phrase(v));
        for (int t = 0; t < _FL_QUEUE_MAX; t++)
                if (strlen(target_names[t]) == v->string.len &&
                        memcmp(target_names[t], v->string.ptr, v->string.len) == 0) {
                        *(int *) field = t;
                        return 0;
                }
        if (v->string.len == 8 && memcmp(v->string.ptr, "<target>", 8) == 0)
                return fl_hcl_decoder_error(d, &v->pos,
                        "task_queue_target \"<target>\" is a placeholder: write \"node\" (the "
                        "failing node's queue), \"node_type\" or \"general\"");
        hint = memchr(v->string.ptr, '\0', v->string.len)
                       ? NULL
                       : fl_suggest(v->string.ptr, target_names, _FL_QUEUE_MAX);
        if (hint)
                return fl_hcl_decoder_error(d, &v->pos,
                        "invalid value %s for \"task_queue_target\"; did you mean \"%s\"?",
                        fl_hcl_quote(v->string.ptr, v->string.len, q), hint);
        return fl_hcl_decoder_error(d, &v->pos,
                "invalid value %s for \"task_queue_target\" (expected one of: \"node\", "
                "\"node_type\", \"general\")",
                fl_hcl_quote(v->string.ptr, v->string.len, q));
}

static int parse_workflow_type(struct fl_hcl_decoder *d, const struct fl_hcl_value *v,
        const struct fl_hcl_attr_spec *spec, void *field) {
        char q[FL_HCL_QUOTE_SIZE];

        if (v->type != FL_HCL_STRING)
                return fl_hcl_decoder_error(d, &v->pos,
                        "\"workflow_type\" must be a string, not %s", fl_hcl_type_phrase(v));
        if (memchr(v->string.ptr, '\0', v->string.len) || !fl_rule_name_valid(v->string.ptr))
                return fl_hcl_decoder_error(d, &v->pos,
                        "invalid workflow_type %s: use 1 to %d letters, digits, '.', '_', ':' or "
                        "'-', starting with a letter or digit",
                        fl_hcl_quote(v->string.ptr, v->string.len, q), FL_RULE_NAME_MAX);
        free(*(char **) field);
        *(char **) field = strdup(v->string.ptr);
        return *(char **) field ? 0 : -ENOMEM;
}

static int parse_input_fields(struct fl_hcl_decoder *d, const struct fl_hcl_value *v,
        const struct fl_hcl_attr_spec *spec, void *field) {
        char q[FL_HCL_QUOTE_SIZE];
        unsigned bits = 0;
        int r = 0;

        if (v->type != FL_HCL_TUPLE)
                return fl_hcl_decoder_error(d, &v->pos,
                        "\"input_fields\" must be a list of field names, not %s",
                        fl_hcl_type_phrase(v));
        for (size_t i = 0; i < v->tuple.n_items; i++) {
                const struct fl_hcl_value *e = &v->tuple.items[i];
                const char *hint;
                size_t k;

                if (e->type != FL_HCL_STRING) {
                        r = fl_hcl_decoder_error(d, &e->pos,
                                "\"input_fields\" must be a list of field names, but item %zu "
                                "is %s",
                                i + 1, fl_hcl_type_phrase(e));
                        continue;
                }
                for (k = 0; k < ELEMENTSOF(input_names); k++)
                        if (strlen(input_names[k]) == e->string.len &&
                                memcmp(input_names[k], e->string.ptr, e->string.len) == 0)
                                break;
                if (k < ELEMENTSOF(input_names)) {
                        bits |= 1u << k;
                        continue;
                }
                hint = memchr(e->string.ptr, '\0', e->string.len)
                               ? NULL
                               : fl_suggest(e->string.ptr, input_names, ELEMENTSOF(input_names));
                if (hint)
                        r = fl_hcl_decoder_error(d, &e->pos,
                                "unknown input field %s; did you mean \"%s\"?",
                                fl_hcl_quote(e->string.ptr, e->string.len, q), hint);
                else
                        r = fl_hcl_decoder_error(d, &e->pos,
                                "unknown input field %s (known: node, node_type, datacenter, "
                                "workflow, rule, idempotency_key, params, event, observed_at)",
                                fl_hcl_quote(e->string.ptr, e->string.len, q));
        }
        if (r < 0)
                return r;
        *(unsigned *) field = bits;
        return 0;
}

/* params: an object of strings; numbers and bools are kept as written
 * ("3", "true") because the worker reads every parameter as a string. */
static int parse_params(struct fl_hcl_decoder *d, const struct fl_hcl_value *v,
        const struct fl_hcl_attr_spec *spec, void *field) {
        _cleanup_(json_decrefp) json_t *o = NULL;
        int r = 0;

        if (v->type != FL_HCL_OBJECT)
                return fl_hcl_decoder_error(d, &v->pos,
                        "\"params\" must be an object of strings, not %s", fl_hcl_type_phrase(v));
        o = json_object();
        if (!o)
                return -ENOMEM;
        for (size_t i = 0; i < v->object.n_items; i++) {
                const struct fl_hcl_object_item *it = &v->object.items[i];
                const struct fl_hcl_value *e = &it->value;
                json_t *s = NULL;

                if (memchr(it->key, '\0', it->key_len) || it->key_len == 0) {
                        r = fl_hcl_decoder_error(
                                d, &it->key_pos, "a \"params\" key must be a non-empty name");
                        continue;
                }
                if (e->type == FL_HCL_STRING && !memchr(e->string.ptr, '\0', e->string.len))
                        s = json_stringn(e->string.ptr, e->string.len);
                else if (e->type == FL_HCL_NUMBER)
                        s = json_string(e->number.text);
                else if (e->type == FL_HCL_BOOL)
                        s = json_string(e->boolean ? "true" : "false");
                else {
                        r = fl_hcl_decoder_error(d, &e->pos,
                                "params.%s must be a string, a number or a bool, not %s", it->key,
                                fl_hcl_type_phrase(e));
                        continue;
                }
                if (!s) /* invalid UTF-8 cannot reach here: the parser refuses it */
                        return -ENOMEM;
                if (json_object_set_new(o, it->key, s) < 0)
                        return -ENOMEM;
        }
        if (r < 0)
                return r;
        json_decref(*(json_t **) field);
        *(json_t **) field = TAKE_PTR(o);
        return 0;
}

static void free_json(void *field) {
        json_decref(*(json_t **) field);
        *(json_t **) field = NULL;
}

static void workflow_init(void *obj) {
        struct workflow_hcl *w = obj;

        w->target = -1;
        w->execution_timeout_usec = 3600 * USEC_PER_SEC;
        w->input_fields = FL_INPUT_ALL;
}

static const struct fl_hcl_attr_spec workflow_attrs[] = {
        FL_HCL_ATTR_CUSTOM("workflow_type", struct workflow_hcl, workflow_type, parse_workflow_type,
                fl_cfg_free_string, 0),
        FL_HCL_ATTR_CUSTOM("task_queue_target", struct workflow_hcl, target, parse_target, NULL,
                FL_HCL_REQUIRED),
        FL_HCL_ATTR_CUSTOM("node_types", struct workflow_hcl, node_types, fl_cfg_parse_names,
                fl_cfg_free_names, FL_HCL_NONEMPTY),
        FL_HCL_ATTR_CUSTOM("execution_timeout", struct workflow_hcl, execution_timeout_usec,
                fl_cfg_parse_duration, NULL, 0, .min = (int64_t) USEC_PER_SEC,
                .max = (int64_t) (366 * DAY_USEC)),
        FL_HCL_ATTR_CUSTOM(
                "input_fields", struct workflow_hcl, input_fields, parse_input_fields, NULL, 0),
        FL_HCL_ATTR_CUSTOM("params", struct workflow_hcl, params, parse_params, free_json, 0),
        {},
};

static const struct fl_hcl_block_spec workflow_blocks[] = {
        FL_HCL_BLOCK_REPEATED("constraint", struct workflow_hcl, constraints, n_constraints,
                &constraint_schema, 0),
        {},
};

static const struct fl_hcl_schema workflow_schema = {
        .attrs = workflow_attrs,
        .blocks = workflow_blocks,
        .size = sizeof(struct workflow_hcl),
        .init = workflow_init,
};

/* ---- loading -------------------------------------------------------------- */

struct fl_workflow *fl_workflow_ref(struct fl_workflow *w) {
        if (w)
                w->n_ref++;
        return w;
}

static void workflow_free(struct fl_workflow *w) {
        free(w->name);
        free(w->path);
        free(w->workflow_type);
        for (size_t i = 0; i < w->n_node_types; i++)
                free(w->node_types[i]);
        free(w->node_types);
        json_decref(w->params);
        free(w->constraints);
        free(w);
}

struct fl_workflow *fl_workflow_unref(struct fl_workflow *w) {
        if (w && --w->n_ref == 0)
                workflow_free(w);
        return NULL;
}

/* NAME of ".../NAME.hcl", or NULL when the file is not named that way. */
static char *name_of(const char *path) {
        const char *base = strrchr(path, '/');
        size_t len;

        base = base ? base + 1 : path;
        len = strlen(base);
        if (len <= 4 || strcmp(base + len - 4, ".hcl") != 0)
                return NULL;
        return strndup(base, len - 4);
}

int fl_workflow_load(const char *path, struct fl_diags *diags, struct fl_workflow **ret) {
        _cleanup_(fl_hcl_file_freep) struct fl_hcl_file *file = NULL;
        _cleanup_free_ char *name = NULL;
        struct fl_workflow *w;
        struct workflow_hcl h;
        int r;

        name = name_of(path);
        if (!name || !fl_name_valid(name)) {
                r = fl_diags_add(diags, path, 1, 1,
                        "a workflow config must be named NAME.hcl, NAME being 1 to %d letters, "
                        "digits, '.', '_' or '-' starting with a letter or digit",
                        FL_NAME_MAX);
                return r == -ENOMEM ? r : -EINVAL;
        }
        r = fl_hcl_parse_file(path, diags, &file);
        if (r == -ENOMEM)
                return r;
        if (r < 0 && r != -EINVAL && r != -EFBIG) {
                if (fl_diags_add(diags, path, 1, 1, "cannot read workflow config: %s",
                            strerror(-r)) == -ENOMEM)
                        return -ENOMEM;
                return -EINVAL;
        }
        if (r < 0)
                return -EINVAL;
        r = fl_hcl_decode(file, &workflow_schema, NULL, diags, &h);
        if (r < 0)
                return r;

        w = calloc(1, sizeof(*w));
        if (!w) {
                fl_hcl_decode_free(&workflow_schema, &h);
                return -ENOMEM;
        }
        w->n_ref = 1;
        w->name = TAKE_PTR(name);
        w->path = strdup(path);
        w->workflow_type = h.workflow_type ? TAKE_PTR(h.workflow_type) : strdup(w->name);
        w->target = (enum fl_queue_target) h.target;
        w->node_types = TAKE_PTR(h.node_types.items);
        w->n_node_types = h.node_types.n_items;
        h.node_types.n_items = 0;
        w->execution_timeout_usec = h.execution_timeout_usec;
        w->input_fields = h.input_fields;
        w->params = h.params ? TAKE_PTR(h.params) : json_object();
        if (h.n_constraints > 0)
                w->constraints = calloc(h.n_constraints, sizeof(struct fl_constraint));
        if (!w->path || !w->workflow_type || !w->params ||
                (h.n_constraints > 0 && !w->constraints)) {
                fl_hcl_decode_free(&workflow_schema, &h);
                workflow_free(w);
                return -ENOMEM;
        }
        for (size_t i = 0; i < h.n_constraints; i++) {
                const struct constraint_hcl *c = &h.constraints[i];
                enum fl_scope scope = c->is_global    ? FL_SCOPE_GLOBAL
                                      : c->scope >= 0 ? (enum fl_scope) c->scope
                                                      : FL_SCOPE_NODE;

                w->constraints[i] = (struct fl_constraint){
                        .kind = (enum fl_constraint_kind) c->kind,
                        .value = c->value,
                        .period_usec = c->period_usec,
                        .scope = scope,
                        .line = c->line,
                        .column = c->column,
                };
                if (c->period_usec > w->lookback_usec)
                        w->lookback_usec = c->period_usec;
        }
        w->n_constraints = h.n_constraints;
        w->lock_scope = fl_constraints_lock_scope(w->constraints, w->n_constraints);
        fl_hcl_decode_free(&workflow_schema, &h);
        *ret = w;
        return 0;
}

bool fl_workflow_allows_node_type(const struct fl_workflow *w, const char *node_type) {
        if (w->n_node_types == 0)
                return true;
        for (size_t i = 0; i < w->n_node_types; i++)
                if (node_type && strcmp(w->node_types[i], node_type) == 0)
                        return true;
        return false;
}

json_t *fl_workflow_constraint_json(const struct fl_workflow *w, size_t i) {
        const struct fl_constraint *c = &w->constraints[i];
        char period[32];

        fl_cfg_format_duration(c->period_usec, period, sizeof(period));
        return json_pack("{s:s, s:I, s:s, s:s, s:s, s:i}", "kind",
                fl_constraint_kind_to_string(c->kind), "value", (json_int_t) c->value, "period",
                period, "scope", fl_scope_to_string(c->scope), "file", w->path, "line",
                (int) c->line);
}

void fl_workflow_constraint_label(const struct fl_workflow *w, size_t i, char *buf, size_t size) {
        const struct fl_constraint *c = &w->constraints[i];
        char period[32];

        fl_cfg_format_duration(c->period_usec, period, sizeof(period));
        snprintf(buf, size, "%s %" PRIu64 "/%s per %s (%s:%u)",
                fl_constraint_kind_to_string(c->kind), c->value, period,
                fl_scope_to_string(c->scope), w->path, c->line);
}

/* ---- the set -------------------------------------------------------------- */

struct fl_workflow_set {
        struct fl_workflow **items; /* sorted by name */
        size_t n_items;
};

struct fl_workflow_set *fl_workflow_set_free(struct fl_workflow_set *s) {
        if (!s)
                return NULL;
        for (size_t i = 0; i < s->n_items; i++)
                fl_workflow_unref(s->items[i]);
        free(s->items);
        free(s);
        return NULL;
}

static int compare_names(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static bool wanted(const char *name) {
        size_t len = strlen(name);

        return name[0] != '.' && len > 4 && strcmp(name + len - 4, ".hcl") == 0;
}

struct fl_workflow *fl_workflow_set_get(const struct fl_workflow_set *s, const char *name) {
        size_t lo = 0, hi = s ? s->n_items : 0;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int c = strcmp(s->items[mid]->name, name);
                if (c == 0)
                        return s->items[mid];
                if (c < 0)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return NULL;
}

size_t fl_workflow_set_size(const struct fl_workflow_set *s) {
        return s ? s->n_items : 0;
}

struct fl_workflow *fl_workflow_set_at(const struct fl_workflow_set *s, size_t i) {
        return s && i < s->n_items ? s->items[i] : NULL;
}

int fl_workflow_set_load(const char *dir, const struct fl_workflow_set *previous,
        struct fl_diags *diags, struct fl_workflow_set **ret, size_t *ret_n_invalid) {
        _cleanup_(fl_workflow_set_freep) struct fl_workflow_set *s = NULL;
        _cleanup_free_ char **names = NULL;
        size_t n_names = 0, n_invalid = 0;
        struct dirent *de;
        DIR *d;
        int r = 0;

        d = opendir(dir);
        if (!d) {
                r = negative_errno();
                if (fl_diags_add(diags, dir, 1, 1, "cannot read workflows directory: %s",
                            strerror(-r)) == -ENOMEM)
                        return -ENOMEM;
                return r;
        }
        names = calloc(FL_WORKFLOW_FILES_MAX + 1, sizeof(char *));
        if (!names) {
                closedir(d);
                return -ENOMEM;
        }
        while ((de = readdir(d))) {
                if (!wanted(de->d_name))
                        continue;
                if (n_names >= FL_WORKFLOW_FILES_MAX) {
                        r = -E2BIG;
                        break;
                }
                names[n_names] = strdup(de->d_name);
                if (!names[n_names]) {
                        r = -ENOMEM;
                        break;
                }
                n_names++;
        }
        closedir(d);
        if (r == -E2BIG && fl_diags_add(diags, dir, 1, 1,
                                   "more than %d workflow configs; the rest are ignored",
                                   FL_WORKFLOW_FILES_MAX) == -ENOMEM)
                r = -ENOMEM;
        if (r == -ENOMEM)
                goto out;
        r = 0;
        qsort(names, n_names, sizeof(char *), compare_names);

        s = calloc(1, sizeof(*s));
        if (!s || (n_names > 0 && !(s->items = calloc(n_names, sizeof(*s->items))))) {
                r = -ENOMEM;
                goto out;
        }
        for (size_t i = 0; i < n_names; i++) {
                _cleanup_free_ char *path = NULL, *name = NULL;
                struct fl_workflow *w = NULL;

                if (asprintf(&path, "%s/%s", dir, names[i]) < 0) {
                        r = -ENOMEM;
                        goto out;
                }
                r = fl_workflow_load(path, diags, &w);
                if (r == -ENOMEM)
                        goto out;
                if (r < 0) {
                        n_invalid++;
                        name = name_of(path);
                        if (!name) {
                                r = -ENOMEM;
                                goto out;
                        }
                        w = fl_workflow_ref(fl_workflow_set_get(previous, name));
                        r = 0;
                        if (!w)
                                continue;
                }
                s->items[s->n_items++] = w; /* already sorted: names came sorted */
        }
        if (ret_n_invalid)
                *ret_n_invalid = n_invalid;
        *ret = TAKE_PTR(s);
out:
        for (size_t i = 0; i < n_names; i++)
                free(names[i]);
        return r;
}
