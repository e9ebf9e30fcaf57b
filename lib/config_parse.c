/* SPDX-License-Identifier: Apache-2.0 */
#include "config_parse.h"

#include "duration.h"
#include "macro.h"
#include "names.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define USEC_PER_MSEC UINT64_C(1000)
#define USEC_PER_SEC  UINT64_C(1000000)
#define NAMES_MAX     1024 /* entries of one list of names */

static bool has_nul(const struct fl_hcl_value *v) {
        return memchr(v->string.ptr, '\0', v->string.len) != NULL;
}

int fl_cfg_set_string(char **field, const struct fl_hcl_value *v) {
        char *copy = strndup(v->string.ptr, v->string.len);

        if (!copy)
                return -ENOMEM;
        free(*field);
        *field = copy;
        return 0;
}

void fl_cfg_free_string(void *field) {
        free(*(char **) field);
        *(char **) field = NULL;
}

static int name_error(struct fl_hcl_decoder *d, const struct fl_hcl_value *v, const char *what) {
        char q[FL_HCL_QUOTE_SIZE];

        return fl_hcl_decoder_error(d, &v->pos,
                "invalid %s %s: use 1 to %d letters, digits, '.', '_' or '-', starting with a "
                "letter or digit",
                what, fl_hcl_quote(v->string.ptr, v->string.len, q), FL_NAME_MAX);
}

int fl_cfg_parse_name(struct fl_hcl_decoder *d, const struct fl_hcl_value *v,
        const struct fl_hcl_attr_spec *spec, void *field) {
        char what[96];

        if (v->type != FL_HCL_STRING)
                return fl_hcl_decoder_error(d, &v->pos, "\"%s\" must be a string, not %s",
                        spec->name, fl_hcl_type_phrase(v));
        snprintf(what, sizeof(what), "\"%s\"", spec->name);
        if (has_nul(v) || !fl_name_valid(v->string.ptr))
                return name_error(d, v, what);
        return fl_cfg_set_string(field, v);
}

int fl_cfg_parse_rule_name(struct fl_hcl_decoder *d, const struct fl_hcl_value *v,
        const struct fl_hcl_attr_spec *spec, void *field) {
        char q[FL_HCL_QUOTE_SIZE];

        if (v->type != FL_HCL_STRING)
                return fl_hcl_decoder_error(d, &v->pos, "\"%s\" must be a string, not %s",
                        spec->name, fl_hcl_type_phrase(v));
        if (has_nul(v) || !fl_rule_name_valid(v->string.ptr))
                return fl_hcl_decoder_error(d, &v->pos,
                        "invalid \"%s\" %s: use 1 to %d letters, digits, '.', '_', ':' or '-', "
                        "starting with a letter or digit",
                        spec->name, fl_hcl_quote(v->string.ptr, v->string.len, q),
                        FL_RULE_NAME_MAX);
        return fl_cfg_set_string(field, v);
}

void fl_cfg_free_names(void *field) {
        struct fl_cfg_names *n = field;

        for (size_t i = 0; i < n->n_items; i++)
                free(n->items[i]);
        free(n->items);
        *n = (struct fl_cfg_names){};
}

int fl_cfg_parse_names(struct fl_hcl_decoder *d, const struct fl_hcl_value *v,
        const struct fl_hcl_attr_spec *spec, void *field) {
        struct fl_cfg_names *out = field, list = {};
        char what[96];
        int r = 0;

        if (v->type != FL_HCL_TUPLE)
                return fl_hcl_decoder_error(d, &v->pos, "\"%s\" must be a list of names, not %s",
                        spec->name, fl_hcl_type_phrase(v));
        if ((spec->flags & FL_HCL_NONEMPTY) && v->tuple.n_items == 0)
                return fl_hcl_decoder_error(d, &v->pos, "\"%s\" must not be empty", spec->name);
        if (v->tuple.n_items > NAMES_MAX)
                return fl_hcl_decoder_error(
                        d, &v->pos, "\"%s\" has more than %d entries", spec->name, NAMES_MAX);
        snprintf(what, sizeof(what), "name in \"%s\"", spec->name);
        for (size_t i = 0; i < v->tuple.n_items; i++) {
                const struct fl_hcl_value *e = &v->tuple.items[i];
                if (e->type != FL_HCL_STRING)
                        r = fl_hcl_decoder_error(d, &e->pos,
                                "\"%s\" must be a list of names, but item %zu is %s", spec->name,
                                i + 1, fl_hcl_type_phrase(e));
                else if (has_nul(e) || !fl_name_valid(e->string.ptr))
                        r = name_error(d, e, what);
        }
        if (r < 0)
                return r;
        list.items = calloc(v->tuple.n_items + 1, sizeof(char *));
        if (!list.items)
                return -ENOMEM;
        for (size_t i = 0; i < v->tuple.n_items; i++) {
                list.items[i] = strdup(v->tuple.items[i].string.ptr);
                if (!list.items[i]) {
                        fl_cfg_free_names(&list);
                        return -ENOMEM;
                }
                list.n_items++;
        }
        fl_cfg_free_names(out);
        *out = list;
        return 0;
}

int fl_cfg_parse_path(struct fl_hcl_decoder *d, const struct fl_hcl_value *v,
        const struct fl_hcl_attr_spec *spec, void *field) {
        if (v->type != FL_HCL_STRING)
                return fl_hcl_decoder_error(d, &v->pos, "\"%s\" must be a path string, not %s",
                        spec->name, fl_hcl_type_phrase(v));
        if (v->string.len == 0 || has_nul(v))
                return fl_hcl_decoder_error(
                        d, &v->pos, "\"%s\" must be a non-empty path", spec->name);
        return fl_cfg_set_string(field, v);
}

void fl_cfg_format_duration(uint64_t usec, char *buf, size_t size) {
        static const struct {
                uint64_t usec;
                const char *unit;
        } units[] = {
                {24 * 3600 * USEC_PER_SEC, "d"},
                {3600 * USEC_PER_SEC, "h"},
                {60 * USEC_PER_SEC, "m"},
                {USEC_PER_SEC, "s"},
                {USEC_PER_MSEC, "ms"},
        };

        if (usec == 0) {
                snprintf(buf, size, "0");
                return;
        }
        for (size_t i = 0; i < ELEMENTSOF(units); i++)
                if (usec >= units[i].usec && usec % units[i].usec == 0) {
                        snprintf(buf, size, "%" PRIu64 "%s", usec / units[i].usec, units[i].unit);
                        return;
                }
        snprintf(buf, size, "%" PRIu64 "us", usec);
}

int fl_cfg_parse_duration(struct fl_hcl_decoder *d, const struct fl_hcl_value *v,
        const struct fl_hcl_attr_spec *spec, void *field) {
        char q[FL_HCL_QUOTE_SIZE], lo[32], hi[32];
        const char *why = NULL;
        uint64_t usec;

        if (v->type != FL_HCL_STRING)
                return fl_hcl_decoder_error(d, &v->pos,
                        "\"%s\" must be a duration string such as \"15m\", not %s", spec->name,
                        fl_hcl_type_phrase(v));
        if (has_nul(v) || fl_duration_parse(v->string.ptr, &usec, &why) < 0)
                return fl_hcl_decoder_error(d, &v->pos, "invalid duration %s for \"%s\": %s",
                        fl_hcl_quote(v->string.ptr, v->string.len, q), spec->name,
                        why ? why : "contains a NUL character");
        if (usec < (uint64_t) spec->min || usec > (uint64_t) spec->max) {
                fl_cfg_format_duration((uint64_t) spec->min, lo, sizeof(lo));
                fl_cfg_format_duration((uint64_t) spec->max, hi, sizeof(hi));
                return fl_hcl_decoder_error(d, &v->pos, "\"%s\" must be between %s and %s, not %s",
                        spec->name, lo, hi, fl_hcl_quote(v->string.ptr, v->string.len, q));
        }
        *(uint64_t *) field = usec;
        return 0;
}

int fl_cfg_resolve(const char *dir, char **path) {
        char *joined;

        if (!*path || (*path)[0] == '/' || !dir)
                return 0;
        if (asprintf(&joined, "%s/%s", dir, *path) < 0)
                return -ENOMEM;
        free(*path);
        *path = joined;
        return 0;
}

const struct fl_hcl_pos *fl_cfg_attr_pos(
        const struct fl_hcl_body *body, const char *name, const struct fl_hcl_pos *fallback) {
        const struct fl_hcl_attribute *a = body ? fl_hcl_body_attribute(body, name) : NULL;

        return a ? &a->value.pos : fallback;
}
