/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The schema-driven HCL decoder (see hcl_decode.h): walks a parsed body
 * against static attribute and block tables, stores values into C structs
 * and reports every problem with its position.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "duration.h"
#include "hcl_decode.h"
#include "hcl_json.h"
#include "suggest.h"

struct fl_hcl_decoder {
        const struct fl_hcl_file *file;
        struct fl_diags *diags;
        void *userdata;
        size_t n_errors;
        int fatal; /* < 0: stop */
};

#define FIELD(obj, off) ((void *) ((char *) (obj) + (off)))

int fl_hcl_decoder_error(
        struct fl_hcl_decoder *d, const struct fl_hcl_pos *pos, const char *fmt, ...) {
        va_list ap;
        int r = 0;

        d->n_errors++;
        if (d->diags) {
                va_start(ap, fmt);
                r = fl_diags_addv(d->diags, d->file->filename, pos->line, pos->column, fmt, ap);
                va_end(ap);
        }
        if (r == -ENOMEM) {
                d->fatal = -ENOMEM;
                return -ENOMEM;
        }
        return -EINVAL;
}

void *fl_hcl_decoder_userdata(const struct fl_hcl_decoder *d) {
        return d->userdata;
}

const struct fl_hcl_file *fl_hcl_decoder_file(const struct fl_hcl_decoder *d) {
        return d->file;
}

const char *fl_hcl_type_phrase(const struct fl_hcl_value *v) {
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
                return "a tuple";
        case FL_HCL_OBJECT:
                return "an object";
        }
        return "a value";
}

static int wrong_type(struct fl_hcl_decoder *d, const struct fl_hcl_attr_spec *spec,
        const struct fl_hcl_value *v, const char *expected) {
        return fl_hcl_decoder_error(d, &v->pos, "\"%s\" must be %s, not %s", spec->name, expected,
                fl_hcl_type_phrase(v));
}

static size_t count_labels(const struct fl_hcl_block_spec *b) {
        size_t n = 0;
        while (n < FL_HCL_MAX_LABELS && b->labels[n])
                n++;
        return n;
}

static size_t count_blocks(const struct fl_hcl_schema *s) {
        size_t n = 0;
        while (s->blocks && s->blocks[n].type)
                n++;
        return n;
}

static const struct fl_hcl_attr_spec *find_attr(const struct fl_hcl_schema *s, const char *name) {
        for (size_t i = 0; s->attrs && s->attrs[i].name; i++)
                if (strcmp(s->attrs[i].name, name) == 0)
                        return &s->attrs[i];
        return NULL;
}

static const struct fl_hcl_block_spec *find_block(const struct fl_hcl_schema *s, const char *type) {
        for (size_t i = 0; s->blocks && s->blocks[i].type; i++)
                if (strcmp(s->blocks[i].type, type) == 0)
                        return &s->blocks[i];
        return NULL;
}

/* The closest attribute (or block) name to `given`, or NULL. */
static const char *suggest_name(const struct fl_hcl_schema *s, const char *given, bool blocks) {
        const char *names[64];
        size_t n = 0;

        if (blocks)
                for (size_t i = 0; s->blocks && s->blocks[i].type && n < ELEMENTSOF(names); i++)
                        names[n++] = s->blocks[i].type;
        else
                for (size_t i = 0; s->attrs && s->attrs[i].name && n < ELEMENTSOF(names); i++)
                        names[n++] = s->attrs[i].name;
        return fl_suggest(given, names, n);
}

/* " in block "type"", or "" at the top level. */
static void where(const struct fl_hcl_block *block, char *buf, size_t size) {
        if (block)
                snprintf(buf, size, " in block \"%s\"", block->type);
        else
                buf[0] = '\0';
}

static const struct fl_hcl_pos top_pos = {.line = 1, .column = 1};

static int set_string(struct fl_hcl_decoder *d, char **field, const char *s, size_t len) {
        char *copy = strndup(s, len);

        if (!copy) {
                d->fatal = -ENOMEM;
                return -ENOMEM;
        }
        free(*field);
        *field = copy;
        return 0;
}

static bool has_nul(const struct fl_hcl_value *v) {
        return memchr(v->string.ptr, '\0', v->string.len) != NULL;
}

static int decode_enum(struct fl_hcl_decoder *d, const struct fl_hcl_attr_spec *spec,
        const struct fl_hcl_value *v, int *field) {
        const char *names[64], *hint;
        char list[512], q[FL_HCL_QUOTE_SIZE];
        size_t n = 0, len = 0;

        if (v->type != FL_HCL_STRING)
                return wrong_type(d, spec, v, "a string");
        for (const struct fl_hcl_enum *e = spec->enums; e && e->name; e++)
                if (strlen(e->name) == v->string.len &&
                        memcmp(e->name, v->string.ptr, v->string.len) == 0) {
                        *field = e->value;
                        return 0;
                }
        for (const struct fl_hcl_enum *e = spec->enums; e && e->name && n < ELEMENTSOF(names); e++)
                if (!e->alias)
                        names[n++] = e->name;
        hint = has_nul(v) ? NULL : fl_suggest(v->string.ptr, names, n);
        if (hint)
                return fl_hcl_decoder_error(d, &v->pos,
                        "invalid value %s for \"%s\"; did you mean \"%s\"?",
                        fl_hcl_quote(v->string.ptr, v->string.len, q), spec->name, hint);
        list[0] = '\0';
        for (const struct fl_hcl_enum *e = spec->enums; e && e->name; e++) {
                int k;
                if (e->alias)
                        continue;
                k = snprintf(list + len, sizeof(list) - len, "%s\"%s\"", len ? ", " : "", e->name);
                if (k < 0 || (size_t) k >= sizeof(list) - len)
                        break;
                len += (size_t) k;
        }
        return fl_hcl_decoder_error(d, &v->pos, "invalid value %s for \"%s\" (expected one of: %s)",
                fl_hcl_quote(v->string.ptr, v->string.len, q), spec->name, list);
}

static int decode_string_list(struct fl_hcl_decoder *d, const struct fl_hcl_attr_spec *spec,
        const struct fl_hcl_value *v, void *obj) {
        char ***field = FIELD(obj, spec->offset);
        size_t *count = FIELD(obj, spec->count_offset);
        char **list;
        int r = 0;

        if (v->type != FL_HCL_TUPLE)
                return wrong_type(d, spec, v, "a list of strings");
        if ((spec->flags & FL_HCL_NONEMPTY) && v->tuple.n_items == 0)
                return fl_hcl_decoder_error(d, &v->pos, "\"%s\" must not be empty", spec->name);
        for (size_t i = 0; i < v->tuple.n_items; i++) {
                const struct fl_hcl_value *it = &v->tuple.items[i];
                if (it->type != FL_HCL_STRING)
                        r = fl_hcl_decoder_error(d, &it->pos,
                                "item %zu of \"%s\" must be a string, not %s", i + 1, spec->name,
                                fl_hcl_type_phrase(it));
                else if (has_nul(it))
                        r = fl_hcl_decoder_error(d, &it->pos,
                                "item %zu of \"%s\" must not contain NUL characters", i + 1,
                                spec->name);
        }
        if (r < 0)
                return r;
        list = calloc(v->tuple.n_items + 1, sizeof(char *));
        if (!list) {
                d->fatal = -ENOMEM;
                return -ENOMEM;
        }
        for (size_t i = 0; i < v->tuple.n_items; i++) {
                list[i] = strdup(v->tuple.items[i].string.ptr);
                if (!list[i]) {
                        for (size_t k = 0; k < i; k++)
                                free(list[k]);
                        free(list);
                        d->fatal = -ENOMEM;
                        return -ENOMEM;
                }
        }
        if (*field) {
                for (char **s = *field; *s; s++)
                        free(*s);
                free(*field);
        }
        *field = list;
        *count = v->tuple.n_items;
        return 0;
}

static int decode_attr(struct fl_hcl_decoder *d, const struct fl_hcl_attr_spec *spec,
        const struct fl_hcl_value *v, void *obj) {
        void *field = FIELD(obj, spec->offset);
        char q[FL_HCL_QUOTE_SIZE];
        const char *why = NULL;
        uint64_t usec;
        int64_t i;
        json_t *j;
        int r;

        switch (spec->type) {
        case FL_HCL_DEC_STRING:
                if (v->type != FL_HCL_STRING)
                        return wrong_type(d, spec, v, "a string");
                if (has_nul(v))
                        return fl_hcl_decoder_error(
                                d, &v->pos, "\"%s\" must not contain NUL characters", spec->name);
                if ((spec->flags & FL_HCL_NONEMPTY) && v->string.len == 0)
                        return fl_hcl_decoder_error(
                                d, &v->pos, "\"%s\" must not be empty", spec->name);
                return set_string(d, field, v->string.ptr, v->string.len);
        case FL_HCL_DEC_BOOL:
                if (v->type != FL_HCL_BOOL)
                        return wrong_type(d, spec, v, "a bool (true or false)");
                *(bool *) field = v->boolean;
                return 0;
        case FL_HCL_DEC_INT:
                if (v->type != FL_HCL_NUMBER)
                        return wrong_type(d, spec, v, "a whole number");
                r = fl_hcl_number_int64(v, &i);
                if (r == -EDOM)
                        return fl_hcl_decoder_error(d, &v->pos,
                                "\"%s\" must be a whole number, not %.40s", spec->name,
                                v->number.text);
                if (r < 0 ||
                        ((spec->min != 0 || spec->max != 0) && (i < spec->min || i > spec->max))) {
                        if (spec->min != 0 || spec->max != 0)
                                return fl_hcl_decoder_error(d, &v->pos,
                                        "\"%s\" must be between %" PRId64 " and %" PRId64
                                        ", not %.40s",
                                        spec->name, spec->min, spec->max, v->number.text);
                        return fl_hcl_decoder_error(d, &v->pos, "\"%s\" is out of range: %.40s",
                                spec->name, v->number.text);
                }
                *(int64_t *) field = i;
                return 0;
        case FL_HCL_DEC_NUMBER:
                if (v->type != FL_HCL_NUMBER)
                        return wrong_type(d, spec, v, "a number");
                if (!isfinite(v->number.value))
                        return fl_hcl_decoder_error(d, &v->pos, "\"%s\" is out of range: %.40s",
                                spec->name, v->number.text);
                *(double *) field = v->number.value;
                return 0;
        case FL_HCL_DEC_DURATION:
                if (v->type != FL_HCL_STRING)
                        return wrong_type(d, spec, v, "a duration string such as \"15m\"");
                if (has_nul(v) || fl_duration_parse(v->string.ptr, &usec, &why) < 0)
                        return fl_hcl_decoder_error(d, &v->pos,
                                "invalid duration %s for \"%s\": %s",
                                fl_hcl_quote(v->string.ptr, v->string.len, q), spec->name,
                                why ? why : "contains a NUL character");
                *(uint64_t *) field = usec;
                return 0;
        case FL_HCL_DEC_STRING_LIST:
                return decode_string_list(d, spec, v, obj);
        case FL_HCL_DEC_STRING_OR_NUMBER:
                if (v->type == FL_HCL_NUMBER)
                        return set_string(d, field, v->number.text, strlen(v->number.text));
                if (v->type != FL_HCL_STRING)
                        return wrong_type(d, spec, v, "a string or a number");
                if (has_nul(v))
                        return fl_hcl_decoder_error(
                                d, &v->pos, "\"%s\" must not contain NUL characters", spec->name);
                if ((spec->flags & FL_HCL_NONEMPTY) && v->string.len == 0)
                        return fl_hcl_decoder_error(
                                d, &v->pos, "\"%s\" must not be empty", spec->name);
                return set_string(d, field, v->string.ptr, v->string.len);
        case FL_HCL_DEC_ENUM:
                return decode_enum(d, spec, v, field);
        case FL_HCL_DEC_RAW:
                *(const struct fl_hcl_value **) field = v;
                return 0;
        case FL_HCL_DEC_JSON:
                r = fl_hcl_value_to_json(v, &j);
                if (r == -ERANGE)
                        return fl_hcl_decoder_error(
                                d, &v->pos, "a number in \"%s\" is out of range", spec->name);
                if (r < 0) {
                        d->fatal = r;
                        return r;
                }
                json_decref(*(json_t **) field);
                *(json_t **) field = j;
                return 0;
        case FL_HCL_DEC_CUSTOM:
                r = spec->parse(d, v, spec, field);
                if (r < 0 && r != -EINVAL)
                        d->fatal = r;
                return r;
        }
        return -EINVAL;
}

static void free_labels(const struct fl_hcl_block_spec *b, void *elem) {
        for (size_t i = 0; i < count_labels(b); i++) {
                char **l = FIELD(elem, b->label_offsets[i]);
                free(*l);
                *l = NULL;
        }
}

static int store_labels(struct fl_hcl_decoder *d, const struct fl_hcl_block_spec *b,
        const struct fl_hcl_block *block, void *elem) {
        for (size_t i = 0; i < block->n_labels; i++) {
                char **l = FIELD(elem, b->label_offsets[i]);
                char *copy = strndup(block->labels[i].text, block->labels[i].len);

                if (!copy) {
                        d->fatal = -ENOMEM;
                        return -ENOMEM;
                }
                free(*l);
                *l = copy;
        }
        return 0;
}

static int check_labels(struct fl_hcl_decoder *d, const struct fl_hcl_block_spec *b,
        const struct fl_hcl_block *block) {
        size_t want = count_labels(b);
        char names[256];
        size_t len = 0;

        for (size_t i = 0; i < block->n_labels && i < want; i++)
                if (memchr(block->labels[i].text, '\0', block->labels[i].len))
                        return fl_hcl_decoder_error(d, &block->labels[i].pos,
                                "label of block \"%s\" must not contain NUL characters", b->type);
        if (block->n_labels == want)
                return 0;
        if (want == 0)
                return fl_hcl_decoder_error(d, &block->pos,
                        "block \"%s\" takes no labels, found %zu", b->type, block->n_labels);
        names[0] = '\0';
        for (size_t i = 0; i < want; i++) {
                int k = snprintf(
                        names + len, sizeof(names) - len, "%s%s", i ? ", " : "", b->labels[i]);
                if (k < 0 || (size_t) k >= sizeof(names) - len)
                        break;
                len += (size_t) k;
        }
        return fl_hcl_decoder_error(d, &block->pos,
                "block \"%s\" needs %zu label%s (%s), found %zu", b->type, want,
                want == 1 ? "" : "s", names, block->n_labels);
}

static int compare_label_blocks(const void *pa, const void *pb) {
        const struct fl_hcl_block *a = *(const struct fl_hcl_block *const *) pa;
        const struct fl_hcl_block *b = *(const struct fl_hcl_block *const *) pb;

        for (size_t i = 0; i < a->n_labels && i < b->n_labels; i++) {
                size_t n =
                        a->labels[i].len < b->labels[i].len ? a->labels[i].len : b->labels[i].len;
                int c = memcmp(a->labels[i].text, b->labels[i].text, n);
                if (c != 0)
                        return c;
                if (a->labels[i].len != b->labels[i].len)
                        return a->labels[i].len < b->labels[i].len ? -1 : 1;
        }
        return a->pos.offset < b->pos.offset ? -1 : a->pos.offset > b->pos.offset ? 1 : 0;
}

/* FL_HCL_UNIQUE_LABELS: reports each block whose labels an earlier block of
 * the same type already used. */
static int check_unique(struct fl_hcl_decoder *d, const struct fl_hcl_block_spec *b,
        const struct fl_hcl_body *body) {
        size_t want = count_labels(b), n = 0;
        const struct fl_hcl_block **v;
        char q[FL_HCL_QUOTE_SIZE];

        v = calloc(body->n_blocks ? body->n_blocks : 1, sizeof(*v));
        if (!v) {
                d->fatal = -ENOMEM;
                return -ENOMEM;
        }
        for (size_t i = 0; i < body->n_blocks; i++)
                if (strcmp(body->blocks[i].type, b->type) == 0 && body->blocks[i].n_labels == want)
                        v[n++] = &body->blocks[i];
        qsort(v, n, sizeof(*v), compare_label_blocks);
        for (size_t i = 1, first = 0; i < n; i++) {
                bool same = true;

                for (size_t k = 0; k < want && same; k++)
                        same = v[i]->labels[k].len == v[first]->labels[k].len &&
                               memcmp(v[i]->labels[k].text, v[first]->labels[k].text,
                                       v[i]->labels[k].len) == 0;
                if (!same) {
                        first = i;
                        continue;
                }
                if (want == 1)
                        (void) fl_hcl_decoder_error(d, &v[i]->pos,
                                "duplicate block \"%s\" %s (first at %u:%u)", b->type,
                                fl_hcl_quote(v[i]->labels[0].text, v[i]->labels[0].len, q),
                                v[first]->pos.line, v[first]->pos.column);
                else
                        (void) fl_hcl_decoder_error(d, &v[i]->pos,
                                "duplicate block \"%s\" with the same labels (first at %u:%u)",
                                b->type, v[first]->pos.line, v[first]->pos.column);
        }
        free(v);
        return 0;
}

static int decode_body(struct fl_hcl_decoder *d, const struct fl_hcl_block *block,
        const struct fl_hcl_body *body, const struct fl_hcl_schema *schema, void *obj);

/* A block that cannot be stored (wrong labels, a second single block) is
 * still decoded into a scratch object, so its own problems are reported in
 * the same run. */
static void decode_discarded(struct fl_hcl_decoder *d, const struct fl_hcl_block_spec *b,
        const struct fl_hcl_block *blk) {
        void *scratch;

        if (b->storage == FL_HCL_BLOCK_CALLBACK)
                return;
        scratch = malloc(b->schema->size ? b->schema->size : 1);
        if (!scratch) {
                d->fatal = -ENOMEM;
                return;
        }
        fl_hcl_decode_init(b->schema, scratch);
        (void) decode_body(d, blk, &blk->body, b->schema, scratch);
        fl_hcl_decode_free(b->schema, scratch);
        free(scratch);
}

static int decode_blocks(struct fl_hcl_decoder *d, const struct fl_hcl_block *parent,
        const struct fl_hcl_body *body, const struct fl_hcl_schema *schema, void *obj) {
        size_t nb = count_blocks(schema);
        char in[96];

        where(parent, in, sizeof(in));
        for (size_t s = 0; s < nb && d->fatal == 0; s++) {
                const struct fl_hcl_block_spec *b = &schema->blocks[s];
                const struct fl_hcl_block *first = NULL;
                size_t n = 0, want = count_labels(b);
                void **array = FIELD(obj, b->offset);
                size_t *count = FIELD(obj, b->count_offset);

                for (size_t i = 0; i < body->n_blocks; i++)
                        if (strcmp(body->blocks[i].type, b->type) == 0 &&
                                body->blocks[i].n_labels == want)
                                n++;
                if (b->flags & FL_HCL_UNIQUE_LABELS && want > 0)
                        (void) check_unique(d, b, body);
                if (b->storage == FL_HCL_BLOCK_ARRAY && n > 0) {
                        void *a = calloc(n, b->schema->size);
                        if (!a) {
                                d->fatal = -ENOMEM;
                                return -ENOMEM;
                        }
                        *array = a;
                        *count = 0;
                }
                for (size_t i = 0; i < body->n_blocks && d->fatal == 0; i++) {
                        const struct fl_hcl_block *blk = &body->blocks[i];
                        void *elem;

                        if (strcmp(blk->type, b->type) != 0)
                                continue;
                        if (check_labels(d, b, blk) < 0) {
                                decode_discarded(d, b, blk);
                                continue;
                        }
                        switch (b->storage) {
                        case FL_HCL_BLOCK_EMBEDDED:
                                if (first) {
                                        (void) fl_hcl_decoder_error(d, &blk->pos,
                                                "duplicate block \"%s\" (first at %u:%u); only one "
                                                "is allowed",
                                                b->type, first->pos.line, first->pos.column);
                                        decode_discarded(d, b, blk);
                                        continue;
                                }
                                elem = FIELD(obj, b->offset);
                                if (store_labels(d, b, blk, elem) < 0)
                                        return d->fatal;
                                (void) decode_body(d, blk, &blk->body, b->schema, elem);
                                break;
                        case FL_HCL_BLOCK_ARRAY:
                                elem = (char *) *array + *count * b->schema->size;
                                (*count)++;
                                fl_hcl_decode_init(b->schema, elem);
                                if (store_labels(d, b, blk, elem) < 0)
                                        return d->fatal;
                                (void) decode_body(d, blk, &blk->body, b->schema, elem);
                                break;
                        case FL_HCL_BLOCK_CALLBACK: {
                                int r = b->handler(d, blk, obj);
                                if (r < 0 && r != -EINVAL && d->fatal == 0)
                                        d->fatal = r;
                                break;
                        }
                        }
                        if (!first)
                                first = blk;
                }
                if ((b->flags & FL_HCL_REQUIRED) && d->fatal == 0) {
                        bool any = false;
                        for (size_t i = 0; i < body->n_blocks; i++)
                                any = any || strcmp(body->blocks[i].type, b->type) == 0;
                        if (!any) /* a block with wrong labels was reported already */
                                (void) fl_hcl_decoder_error(d, parent ? &parent->pos : &top_pos,
                                        "missing required block \"%s\"%s", b->type, in);
                }
        }
        return d->fatal;
}

static int decode_body(struct fl_hcl_decoder *d, const struct fl_hcl_block *block,
        const struct fl_hcl_body *body, const struct fl_hcl_schema *schema, void *obj) {
        size_t errors = d->n_errors;
        char in[96];

        where(block, in, sizeof(in));
        for (size_t i = 0; i < body->n_attributes && d->fatal == 0; i++) {
                const struct fl_hcl_attribute *a = &body->attributes[i];
                const struct fl_hcl_attr_spec *spec = find_attr(schema, a->name);
                const char *hint;

                if (spec) {
                        (void) decode_attr(d, spec, &a->value, obj);
                        continue;
                }
                if (find_block(schema, a->name)) {
                        (void) fl_hcl_decoder_error(d, &a->pos,
                                "\"%s\" is a block, not an attribute (write %s { ... })", a->name,
                                a->name);
                        continue;
                }
                hint = suggest_name(schema, a->name, false);
                if (hint)
                        (void) fl_hcl_decoder_error(d, &a->pos,
                                "unknown attribute \"%s\"%s; did you mean \"%s\"?", a->name, in,
                                hint);
                else
                        (void) fl_hcl_decoder_error(
                                d, &a->pos, "unknown attribute \"%s\"%s", a->name, in);
        }
        for (size_t i = 0; schema->attrs && schema->attrs[i].name && d->fatal == 0; i++)
                if ((schema->attrs[i].flags & FL_HCL_REQUIRED) &&
                        !fl_hcl_body_attribute(body, schema->attrs[i].name))
                        (void) fl_hcl_decoder_error(d, block ? &block->pos : &top_pos,
                                "missing required attribute \"%s\"%s", schema->attrs[i].name, in);

        for (size_t i = 0; i < body->n_blocks && d->fatal == 0; i++) {
                const struct fl_hcl_block *blk = &body->blocks[i];
                const char *hint;

                if (find_block(schema, blk->type))
                        continue;
                if (find_attr(schema, blk->type)) {
                        (void) fl_hcl_decoder_error(d, &blk->pos,
                                "\"%s\" is an attribute, not a block (write %s = ...)", blk->type,
                                blk->type);
                        continue;
                }
                hint = suggest_name(schema, blk->type, true);
                if (hint)
                        (void) fl_hcl_decoder_error(d, &blk->pos,
                                "unknown block \"%s\"%s; did you mean \"%s\"?", blk->type, in,
                                hint);
                else
                        (void) fl_hcl_decoder_error(
                                d, &blk->pos, "unknown block \"%s\"%s", blk->type, in);
        }
        if (d->fatal == 0)
                (void) decode_blocks(d, block, body, schema, obj);

        if (d->fatal == 0 && d->n_errors == errors && schema->validate) {
                int r = schema->validate(d, block, body, obj);
                if (r < 0 && r != -EINVAL && d->fatal == 0)
                        d->fatal = r;
        }
        if (d->fatal < 0)
                return d->fatal;
        return d->n_errors == errors ? 0 : -EINVAL;
}

int fl_hcl_decode_body(struct fl_hcl_decoder *d, const struct fl_hcl_block *block,
        const struct fl_hcl_body *body, const struct fl_hcl_schema *schema, void *obj) {
        return decode_body(d, block, body, schema, obj);
}

void fl_hcl_decode_init(const struct fl_hcl_schema *schema, void *obj) {
        memset(obj, 0, schema->size);
        for (size_t i = 0; schema->blocks && schema->blocks[i].type; i++)
                if (schema->blocks[i].storage == FL_HCL_BLOCK_EMBEDDED)
                        fl_hcl_decode_init(
                                schema->blocks[i].schema, FIELD(obj, schema->blocks[i].offset));
        if (schema->init)
                schema->init(obj);
}

void *fl_hcl_decode_free(const struct fl_hcl_schema *schema, void *obj) {
        if (!obj)
                return NULL;
        for (size_t i = 0; schema->attrs && schema->attrs[i].name; i++) {
                const struct fl_hcl_attr_spec *a = &schema->attrs[i];
                void *field = FIELD(obj, a->offset);

                switch (a->type) {
                case FL_HCL_DEC_STRING:
                case FL_HCL_DEC_STRING_OR_NUMBER:
                        free(*(char **) field);
                        break;
                case FL_HCL_DEC_STRING_LIST:
                        if (*(char ***) field) {
                                for (char **s = *(char ***) field; *s; s++)
                                        free(*s);
                                free(*(char ***) field);
                        }
                        break;
                case FL_HCL_DEC_JSON:
                        json_decref(*(json_t **) field);
                        break;
                case FL_HCL_DEC_CUSTOM:
                        if (a->free)
                                a->free(field);
                        break;
                default:
                        break;
                }
        }
        for (size_t i = 0; schema->blocks && schema->blocks[i].type; i++) {
                const struct fl_hcl_block_spec *b = &schema->blocks[i];

                if (b->storage == FL_HCL_BLOCK_EMBEDDED) {
                        void *elem = FIELD(obj, b->offset);
                        free_labels(b, elem);
                        fl_hcl_decode_free(b->schema, elem);
                } else if (b->storage == FL_HCL_BLOCK_ARRAY) {
                        char *array = *(char **) FIELD(obj, b->offset);
                        size_t n = *(size_t *) FIELD(obj, b->count_offset);

                        for (size_t k = 0; array && k < n; k++) {
                                free_labels(b, array + k * b->schema->size);
                                fl_hcl_decode_free(b->schema, array + k * b->schema->size);
                        }
                        free(array);
                }
        }
        memset(obj, 0, schema->size);
        return NULL;
}

int fl_hcl_decode(const struct fl_hcl_file *file, const struct fl_hcl_schema *schema,
        void *userdata, struct fl_diags *diags, void *ret_obj) {
        struct fl_hcl_decoder d = {.file = file, .diags = diags, .userdata = userdata};
        size_t diag_start = diags ? diags->n_items : 0;
        void *obj;
        int r;

        obj = malloc(schema->size ? schema->size : 1);
        if (!obj)
                return -ENOMEM;
        fl_hcl_decode_init(schema, obj);
        r = decode_body(&d, NULL, &file->body, schema, obj);
        if (diags)
                fl_diags_sort_from(diags, diag_start);
        if (d.fatal < 0)
                r = d.fatal;
        else if (d.n_errors > 0)
                r = -EINVAL;
        if (r < 0) {
                fl_hcl_decode_free(schema, obj);
                free(obj);
                return r;
        }
        memcpy(ret_obj, obj, schema->size);
        free(obj);
        return 0;
}

int fl_hcl_decode_file(const char *path, const struct fl_hcl_schema *schema, void *userdata,
        struct fl_diags *diags, void *ret_obj, struct fl_hcl_file **ret_file) {
        _cleanup_(fl_hcl_file_freep) struct fl_hcl_file *f = NULL;
        int r;

        r = fl_hcl_parse_file(path, diags, &f);
        if (r < 0)
                return r;
        r = fl_hcl_decode(f, schema, userdata, diags, ret_obj);
        if (r < 0)
                return r;
        if (ret_file)
                *ret_file = TAKE_PTR(f);
        return 0;
}
