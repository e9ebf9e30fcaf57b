/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the HCL stack: parse, decode against a schema that
 * uses every attribute type and block storage, print as hcl2json would, and
 * convert values to jansson. Checks, beyond "no crash, no leak, no UB":
 * parsing is all-or-nothing, every problem has a position, and the printed
 * JSON is valid JSON.
 */
#include <errno.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "hcl.h"
#include "hcl_decode.h"
#include "hcl_json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

enum { K_ONE, K_TWO };

struct limits {
        int64_t max;
};

struct source {
        char *kind;
        char *tracepoint;
        double weight;
};

struct rule {
        char *name;
        char *description;
        bool enabled;
        int64_t threshold;
        double ratio;
        uint64_t period_usec;
        char **devices;
        size_t n_devices;
        char *value;
        int kind;
        const struct fl_hcl_value *raw;
        json_t *params;
        int64_t custom;
        struct limits limits;
        struct source *sources;
        size_t n_sources;
};

struct config {
        char *rules_dir;
        struct rule *rules;
        size_t n_rules;
        size_t n_other;
};

static int parse_even(struct fl_hcl_decoder *d, const struct fl_hcl_value *v,
        const struct fl_hcl_attr_spec *spec, void *field) {
        int64_t i;

        if (fl_hcl_number_int64(v, &i) < 0 || i % 2 != 0)
                return fl_hcl_decoder_error(
                        d, &v->pos, "\"%s\" must be an even number", spec->name);
        *(int64_t *) field = i;
        return 0;
}

static const struct fl_hcl_enum kinds[] = {
        FL_HCL_ENUM_VALUE("one", K_ONE),
        FL_HCL_ENUM_VALUE("two", K_TWO),
        FL_HCL_ENUM_ALIAS("tow", K_TWO),
        {},
};

static const struct fl_hcl_attr_spec limits_attrs[] = {
        FL_HCL_ATTR_INT("max", struct limits, max, FL_HCL_REQUIRED, .min = 1, .max = 100),
        {},
};
static const struct fl_hcl_schema limits_schema = {
        .attrs = limits_attrs,
        .size = sizeof(struct limits),
};

static const struct fl_hcl_attr_spec source_attrs[] = {
        FL_HCL_ATTR_STRING("tracepoint", struct source, tracepoint, FL_HCL_NONEMPTY),
        FL_HCL_ATTR_NUMBER("weight", struct source, weight, 0),
        {},
};
static const struct fl_hcl_schema source_schema = {
        .attrs = source_attrs,
        .size = sizeof(struct source),
};

static int validate_rule(struct fl_hcl_decoder *d, const struct fl_hcl_block *block,
        const struct fl_hcl_body *body, void *obj) {
        const struct rule *r = obj;

        if (r->threshold > 50 && !r->enabled)
                return fl_hcl_decoder_error(d, &block->pos, "a disabled rule with threshold > 50");
        return 0;
}

static void init_rule(void *obj) {
        struct rule *r = obj;
        r->enabled = true;
        r->description = strdup("none");
}

static const struct fl_hcl_attr_spec rule_attrs[] = {
        FL_HCL_ATTR_STRING("description", struct rule, description, 0),
        FL_HCL_ATTR_BOOL("enabled", struct rule, enabled, 0),
        FL_HCL_ATTR_INT("threshold", struct rule, threshold, FL_HCL_REQUIRED),
        FL_HCL_ATTR_NUMBER("ratio", struct rule, ratio, 0),
        FL_HCL_ATTR_DURATION("period", struct rule, period_usec, 0),
        FL_HCL_ATTR_STRING_LIST("devices", struct rule, devices, n_devices, FL_HCL_NONEMPTY),
        FL_HCL_ATTR_STRING_OR_NUMBER("value", struct rule, value, 0),
        FL_HCL_ATTR_ENUM("kind", struct rule, kind, kinds, 0),
        FL_HCL_ATTR_RAW("raw", struct rule, raw, 0),
        FL_HCL_ATTR_JSON("params", struct rule, params, 0),
        FL_HCL_ATTR_CUSTOM("even", struct rule, custom, parse_even, NULL, 0),
        {},
};
static const struct fl_hcl_block_spec rule_blocks[] = {
        FL_HCL_BLOCK_ONE("limits", struct rule, limits, &limits_schema, 0),
        FL_HCL_BLOCK_REPEATED("source", struct rule, sources, n_sources, &source_schema,
                FL_HCL_UNIQUE_LABELS, .labels = {"kind"},
                .label_offsets = {offsetof(struct source, kind)}),
        {},
};
static const struct fl_hcl_schema rule_schema = {
        .attrs = rule_attrs,
        .blocks = rule_blocks,
        .size = sizeof(struct rule),
        .init = init_rule,
        .validate = validate_rule,
};

/* Callback storage: decodes the body with its own schema and throws it away. */
static int other_block(struct fl_hcl_decoder *d, const struct fl_hcl_block *block, void *obj) {
        struct config *c = obj;
        struct limits l;
        int r;

        fl_hcl_decode_init(&limits_schema, &l);
        r = fl_hcl_decode_body(d, block, &block->body, &limits_schema, &l);
        fl_hcl_decode_free(&limits_schema, &l);
        c->n_other++;
        return r;
}

static const struct fl_hcl_attr_spec config_attrs[] = {
        FL_HCL_ATTR_STRING("rules_dir", struct config, rules_dir, 0),
        {},
};
static const struct fl_hcl_block_spec config_blocks[] = {
        FL_HCL_BLOCK_REPEATED("rule", struct config, rules, n_rules, &rule_schema,
                FL_HCL_UNIQUE_LABELS, .labels = {"name"},
                .label_offsets = {offsetof(struct rule, name)}),
        FL_HCL_BLOCK_HANDLER("other", other_block, 0, .labels = {"a", "b"}),
        {},
};
static const struct fl_hcl_schema config_schema = {
        .attrs = config_attrs,
        .blocks = config_blocks,
        .size = sizeof(struct config),
};

static void check_diags(const struct fl_diags *d, size_t from) {
        for (size_t i = from; i < d->n_items; i++)
                if (d->items[i].line == 0 || d->items[i].column == 0 || !d->items[i].message[0])
                        abort();
}

static void to_json_values(const struct fl_hcl_body *body) {
        for (size_t i = 0; i < body->n_attributes; i++) {
                json_t *j = NULL;
                int64_t x;
                int r = fl_hcl_value_to_json(&body->attributes[i].value, &j);

                if (r < 0 && r != -ERANGE)
                        abort();
                json_decref(j);
                if (body->attributes[i].value.type == FL_HCL_NUMBER)
                        (void) fl_hcl_number_int64(&body->attributes[i].value, &x);
        }
        for (size_t i = 0; i < body->n_blocks; i++)
                to_json_values(&body->blocks[i].body);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        _cleanup_(fl_diags_freep) struct fl_diags *diags = fl_diags_new();
        _cleanup_(fl_hcl_file_freep) struct fl_hcl_file *f = NULL;
        struct config c;
        char *json = NULL;
        size_t len;
        int r;

        if (!diags)
                return 0;
        r = fl_hcl_parse((const char *) data, size, "fuzz.hcl", diags, &f);
        check_diags(diags, 0);
        if (r < 0) {
                /* all-or-nothing: an error always comes with a message */
                if (r == -EINVAL && diags->n_items == 0)
                        abort();
                return 0;
        }
        if (diags->n_items != 0)
                abort();

        r = fl_hcl_decode(f, &config_schema, NULL, diags, &c);
        check_diags(diags, 0);
        if (r == 0)
                fl_hcl_decode_free(&config_schema, &c);
        else if (r != -EINVAL || diags->n_items == 0)
                abort();

        to_json_values(&f->body);

        r = fl_hcl_to_json_text(f, diags, &json, &len);
        if (r == 0) {
                json_error_t err;
                json_t *j = json_loadb(json, len,
                        JSON_ALLOW_NUL | JSON_DECODE_ANY | JSON_DECODE_INT_AS_REAL, &err);
                /* jansson's own limits: doubles and NUL-free keys */
                if (!j && !strstr(err.text, "overflow") &&
                        !strstr(err.text, "NUL byte in object key"))
                        abort();
                json_decref(j);
                free(json);
        } else if (r != -EINVAL)
                abort();
        return 0;
}
