/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The schema decoder, durations and name suggestions: every kind of decoding
 * error with its exact position and message, the seed fixtures decoded into
 * structs, defaults, ownership and callbacks.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diag.h"
#include "duration.h"
#include "fl_test.h"
#include "hcl.h"
#include "hcl_decode.h"
#include "suggest.h"

#define USEC_PER_SEC UINT64_C(1000000)

/* ---- a test schema using every type and storage ---- */

enum color { RED = 1, GREEN, BLUE };

struct limits {
        int64_t max;
        int64_t min;
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
        int color;
        const struct fl_hcl_value *raw;
        json_t *params;
        int64_t even;
        struct limits limits;
        struct source *sources;
        size_t n_sources;
};

struct node {
        char *name;
        char *type;
};

struct config {
        char *state_dir;
        struct node node;
        struct rule *rules;
        size_t n_rules;
        size_t n_hooks;
        char *hook_names[4];
};

static int parse_even(struct fl_hcl_decoder *d, const struct fl_hcl_value *v,
        const struct fl_hcl_attr_spec *spec, void *field) {
        int64_t i;

        if (v->type != FL_HCL_NUMBER || fl_hcl_number_int64(v, &i) < 0 || i % 2 != 0)
                return fl_hcl_decoder_error(
                        d, &v->pos, "\"%s\" must be an even number", spec->name);
        *(int64_t *) field = i;
        return 0;
}

static const struct fl_hcl_enum colors[] = {
        FL_HCL_ENUM_VALUE("red", RED),
        FL_HCL_ENUM_VALUE("green", GREEN),
        FL_HCL_ENUM_VALUE("blue", BLUE),
        FL_HCL_ENUM_ALIAS("gren", GREEN),
        {},
};

static void init_limits(void *obj) {
        struct limits *l = obj;
        l->max = 10;
}

static int validate_limits(struct fl_hcl_decoder *d, const struct fl_hcl_block *block,
        const struct fl_hcl_body *body, void *obj) {
        const struct limits *l = obj;

        if (l->min > l->max)
                return fl_hcl_decoder_error(d, &fl_hcl_body_attribute(body, "min")->value.pos,
                        "\"min\" (%lld) is above \"max\" (%lld) in block \"%s\"",
                        (long long) l->min, (long long) l->max, block->type);
        return 0;
}

static const struct fl_hcl_attr_spec limits_attrs[] = {
        FL_HCL_ATTR_INT("max", struct limits, max, 0, .min = 1, .max = 100),
        FL_HCL_ATTR_INT("min", struct limits, min, 0),
        {},
};
static const struct fl_hcl_schema limits_schema = {
        .attrs = limits_attrs,
        .size = sizeof(struct limits),
        .init = init_limits,
        .validate = validate_limits,
};

static const struct fl_hcl_attr_spec source_attrs[] = {
        FL_HCL_ATTR_STRING(
                "tracepoint", struct source, tracepoint, FL_HCL_REQUIRED | FL_HCL_NONEMPTY),
        FL_HCL_ATTR_NUMBER("weight", struct source, weight, 0),
        {},
};
static const struct fl_hcl_schema source_schema = {
        .attrs = source_attrs,
        .size = sizeof(struct source),
};

static void init_rule(void *obj) {
        struct rule *r = obj;
        r->enabled = true;
        r->description = strdup("(none)");
        r->color = RED;
}

static const struct fl_hcl_attr_spec rule_attrs[] = {
        FL_HCL_ATTR_STRING("description", struct rule, description, 0),
        FL_HCL_ATTR_BOOL("enabled", struct rule, enabled, 0),
        FL_HCL_ATTR_INT(
                "threshold", struct rule, threshold, FL_HCL_REQUIRED, .min = 1, .max = 1000),
        FL_HCL_ATTR_NUMBER("ratio", struct rule, ratio, 0),
        FL_HCL_ATTR_DURATION("period", struct rule, period_usec, 0),
        FL_HCL_ATTR_STRING_LIST("devices", struct rule, devices, n_devices, FL_HCL_NONEMPTY),
        FL_HCL_ATTR_STRING_OR_NUMBER("value", struct rule, value, 0),
        FL_HCL_ATTR_ENUM("color", struct rule, color, colors, 0),
        FL_HCL_ATTR_RAW("raw", struct rule, raw, 0),
        FL_HCL_ATTR_JSON("params", struct rule, params, 0),
        FL_HCL_ATTR_CUSTOM("even", struct rule, even, parse_even, NULL, 0),
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
};

static const struct fl_hcl_attr_spec node_attrs[] = {
        FL_HCL_ATTR_STRING("name", struct node, name, FL_HCL_REQUIRED),
        FL_HCL_ATTR_STRING("type", struct node, type, 0),
        {},
};
static const struct fl_hcl_schema node_schema = {
        .attrs = node_attrs,
        .size = sizeof(struct node),
};

/* Callback storage: keeps the first label of each "hook" block, and fails
 * with -EIO (fatal) for a hook named "io-error". */
static int on_hook(struct fl_hcl_decoder *d, const struct fl_hcl_block *block, void *obj) {
        struct config *c = obj;
        int *calls = fl_hcl_decoder_userdata(d);

        (*calls)++;
        if (strcmp(block->labels[0].text, "io-error") == 0)
                return -EIO;
        if (strcmp(block->labels[0].text, "bad") == 0)
                return fl_hcl_decoder_error(
                        d, &block->labels[0].pos, "hook \"bad\" is not allowed");
        if (c->n_hooks < ELEMENTSOF(c->hook_names)) {
                c->hook_names[c->n_hooks] = strdup(block->labels[0].text);
                assert_non_null(c->hook_names[c->n_hooks]);
                c->n_hooks++;
        }
        return 0;
}

static void init_config(void *obj) {
        struct config *c = obj;
        c->state_dir = strdup("/var/lib/faultline");
}

static const struct fl_hcl_attr_spec config_attrs[] = {
        FL_HCL_ATTR_STRING("state_dir", struct config, state_dir, 0),
        {},
};
static const struct fl_hcl_block_spec config_blocks[] = {
        FL_HCL_BLOCK_ONE("node", struct config, node, &node_schema, FL_HCL_REQUIRED),
        FL_HCL_BLOCK_REPEATED("rule", struct config, rules, n_rules, &rule_schema,
                FL_HCL_UNIQUE_LABELS, .labels = {"name"},
                .label_offsets = {offsetof(struct rule, name)}),
        FL_HCL_BLOCK_HANDLER("hook", on_hook, 0, .labels = {"name", "phase"}),
        {},
};
static const struct fl_hcl_schema config_schema = {
        .attrs = config_attrs,
        .blocks = config_blocks,
        .size = sizeof(struct config),
        .init = init_config,
};

static void free_config(struct config *c) {
        for (size_t i = 0; i < c->n_hooks; i++)
                free(c->hook_names[i]);
        c->n_hooks = 0; /* the decoder does not know these: handler storage */
        fl_hcl_decode_free(&config_schema, c);
}

static struct fl_hcl_file *parse(const char *text) {
        _cleanup_(fl_diags_freep) struct fl_diags *d = fl_diags_new();
        struct fl_hcl_file *f = NULL;

        assert_int_equal(fl_hcl_parse(text, strlen(text), "c.hcl", d, &f), 0);
        return f;
}

static char *diag_text(const struct fl_diags *d) {
        char *buf = NULL;
        size_t len = 0;
        FILE *f = open_memstream(&buf, &len);

        assert_non_null(f);
        for (size_t i = 0; i < d->n_items; i++)
                fprintf(f, "%u:%u: %s\n", d->items[i].line, d->items[i].column,
                        d->items[i].message);
        fclose(f);
        return buf;
}

/* ---- a valid file, every field ---- */

static void test_decode_all(void **state) {
        _cleanup_(fl_hcl_file_freep) struct fl_hcl_file *f =
                parse("node { name = \"node-17\"  type = \"storage\" }\n"
                      "rule \"disk\" {\n"
                      "  description = \"disk errors\"\n"
                      "  enabled = false\n"
                      "  threshold = 3\n"
                      "  ratio = -0.5\n"
                      "  period = \"1h30m\"\n"
                      "  devices = [\"sda\", \"sdb\"]\n"
                      "  value = 3\n"
                      "  color = \"gren\"\n"
                      "  raw = { a = [1, 2] }\n"
                      "  params = { queue: \"general\", n = 1.5e3, list = [true, null] }\n"
                      "  even = 4\n"
                      "  limits { max = 3 }\n"
                      "  source \"mce\" { tracepoint = \"ras/mce\" }\n"
                      "  source \"edac\" {\n"
                      "    tracepoint = \"ras/mc_event\"\n"
                      "    weight = 2.5\n"
                      "  }\n"
                      "}\n"
                      "rule \"minimal\" { threshold = 1 }\n"
                      "hook \"a\" \"pre\" {}\n"
                      "hook \"b\" \"post\" { anything = \"goes\" }\n");
        _cleanup_(fl_diags_freep) struct fl_diags *d = fl_diags_new();
        struct config c;
        const struct rule *r;
        char *s;
        int calls = 0;

        assert_int_equal(fl_hcl_decode(f, &config_schema, &calls, d, &c), 0);
        assert_int_equal(d->n_items, 0);
        assert_int_equal(calls, 2);
        assert_string_equal(c.state_dir, "/var/lib/faultline"); /* default from init */
        assert_string_equal(c.node.name, "node-17");
        assert_string_equal(c.node.type, "storage");
        assert_int_equal(c.n_hooks, 2);
        assert_string_equal(c.hook_names[0], "a");
        assert_string_equal(c.hook_names[1], "b");
        assert_int_equal(c.n_rules, 2);

        r = &c.rules[0];
        assert_string_equal(r->name, "disk");
        assert_string_equal(r->description, "disk errors");
        assert_false(r->enabled);
        assert_int_equal(r->threshold, 3);
        assert_true(r->ratio == -0.5);
        assert_int_equal(r->period_usec, 90 * 60 * USEC_PER_SEC);
        assert_int_equal(r->n_devices, 2);
        assert_string_equal(r->devices[0], "sda");
        assert_string_equal(r->devices[1], "sdb");
        assert_null(r->devices[2]);
        assert_string_equal(r->value, "3");
        assert_int_equal(r->color, GREEN);
        assert_int_equal(r->raw->type, FL_HCL_OBJECT);
        assert_int_equal(r->raw->pos.line, 11);
        s = json_dumps(r->params, JSON_SORT_KEYS | JSON_COMPACT);
        assert_string_equal(s, "{\"list\":[true,null],\"n\":1500,\"queue\":\"general\"}");
        free(s);
        assert_int_equal(r->even, 4);
        assert_int_equal(r->limits.max, 3);
        assert_int_equal(r->limits.min, 0);
        assert_int_equal(r->n_sources, 2);
        assert_string_equal(r->sources[0].kind, "mce");
        assert_string_equal(r->sources[0].tracepoint, "ras/mce");
        assert_true(r->sources[0].weight == 0);
        assert_string_equal(r->sources[1].kind, "edac");
        assert_true(r->sources[1].weight == 2.5);

        /* defaults: init of the rule, and of the embedded block it never had */
        r = &c.rules[1];
        assert_string_equal(r->name, "minimal");
        assert_string_equal(r->description, "(none)");
        assert_true(r->enabled);
        assert_int_equal(r->color, RED);
        assert_int_equal(r->limits.max, 10);
        assert_null(r->devices);
        assert_int_equal(r->n_devices, 0);
        assert_null(r->params);
        assert_null(r->raw);
        assert_int_equal(r->n_sources, 0);

        free_config(&c);
        assert_null(c.rules);
        assert_null(c.state_dir);
        assert_null(fl_hcl_decode_free(&config_schema, NULL));
}

/* ---- every error, with its exact position and message ---- */

static const struct {
        const char *name;
        const char *input;
        const char *errors;
} error_cases[] = {
        {"missing required block", "state_dir = \"/x\"\n",
                "1:1: missing required block \"node\"\n"},
        {"missing required attribute", "node {}\n",
                "1:1: missing required attribute \"name\" in block \"node\"\n"},
        {"missing required in repeated block", "node { name = \"n\" }\nrule \"r\" {\n}\n",
                "2:1: missing required attribute \"threshold\" in block \"rule\"\n"},
        {"unknown attribute with hint", "node { name = \"n\"  nmae = \"x\" }\n",
                "1:20: unknown attribute \"nmae\" in block \"node\"; did you mean \"name\"?\n"},
        {"unknown attribute without hint", "node { name = \"n\" }\nzzz = 1\n",
                "2:1: unknown attribute \"zzz\"\n"},
        {"unknown top-level attribute with hint", "node { name = \"n\" }\nstate_dri = \"/x\"\n",
                "2:1: unknown attribute \"state_dri\"; did you mean \"state_dir\"?\n"},
        {"unknown block with hint", "node { name = \"n\" }\nrul \"x\" {}\n",
                "2:1: unknown block \"rul\"; did you mean \"rule\"?\n"},
        {"unknown nested block",
                "node { name = \"n\" }\nrule \"x\" {\n  threshold = 1\n  limit {}\n}\n",
                "4:3: unknown block \"limit\" in block \"rule\"; did you mean \"limits\"?\n"},
        {"unknown block without hint", "node { name = \"n\" }\nwhatever {}\n",
                "2:1: unknown block \"whatever\"\n"},
        {"attribute written as block", "node { name = \"n\" }\nstate_dir {}\n",
                "2:1: \"state_dir\" is an attribute, not a block (write state_dir = ...)\n"},
        {"block written as attribute", "node = { name = \"n\" }\n",
                "1:1: \"node\" is a block, not an attribute (write node { ... })\n"
                "1:1: missing required block \"node\"\n"},
        {"label on unlabelled block", "node \"x\" { name = \"n\" }\n",
                "1:1: block \"node\" takes no labels, found 1\n"},
        {"missing label", "node { name = \"n\" }\nrule { threshold = 1 }\n",
                "2:1: block \"rule\" needs 1 label (name), found 0\n"},
        {"two labels needed", "node { name = \"n\" }\nhook \"x\" {}\n",
                "2:1: block \"hook\" needs 2 labels (name, phase), found 1\n"},
        {"label with NUL", "node { name = \"n\" }\nrule \"a\\u0000b\" { threshold = 1 }\n",
                "2:6: label of block \"rule\" must not contain NUL characters\n"},
        {"duplicate single block", "node { name = \"a\" }\nnode { name = \"b\" }\n",
                "2:1: duplicate block \"node\" (first at 1:1); only one is allowed\n"},
        {"duplicate labels",
                "node { name = \"n\" }\nrule \"r\" { threshold = 1 }\nrule \"q\" { threshold = 1 "
                "}\n"
                "rule \"r\" { threshold = 2 }\n",
                "4:1: duplicate block \"rule\" \"r\" (first at 2:1)\n"},
        {"duplicate nested labels",
                "node { name = \"n\" }\nrule \"r\" {\n  threshold = 1\n  source \"a\" { tracepoint "
                "= \"x\" }\n"
                "  source \"a\" { tracepoint = \"y\" }\n}\n",
                "5:3: duplicate block \"source\" \"a\" (first at 4:3)\n"},
        {"string wrong type", "node { name = 17 }\n",
                "1:15: \"name\" must be a string, not a number\n"},
        {"bool wrong type",
                "node { name = \"n\" }\nrule \"r\" {\n  threshold = 1\n  enabled = \"yes\"\n}\n",
                "4:13: \"enabled\" must be a bool (true or false), not a string\n"},
        {"int wrong type", "node { name = \"n\" }\nrule \"r\" { threshold = \"5\" }\n",
                "2:24: \"threshold\" must be a whole number, not a string\n"},
        {"int fraction", "node { name = \"n\" }\nrule \"r\" { threshold = 2.5 }\n",
                "2:24: \"threshold\" must be a whole number, not 2.5\n"},
        {"int range", "node { name = \"n\" }\nrule \"r\" { threshold = 1e4 }\n",
                "2:24: \"threshold\" must be between 1 and 1000, not 1e4\n"},
        {"int below range", "node { name = \"n\" }\nrule \"r\" { threshold = -1 }\n",
                "2:24: \"threshold\" must be between 1 and 1000, not -1\n"},
        {"int64 overflow",
                "node { name = \"n\" }\nrule \"r\" {\n  threshold = 1\n  limits { min = 1e30 "
                "}\n}\n",
                "4:18: \"min\" is out of range: 1e30\n"},
        {"number wrong type",
                "node { name = \"n\" }\nrule \"r\" {\n  threshold = 1\n  ratio = true\n}\n",
                "4:11: \"ratio\" must be a number, not a bool\n"},
        {"number out of range",
                "node { name = \"n\" }\nrule \"r\" {\n  threshold = 1\n  ratio = -1e999\n}\n",
                "4:11: \"ratio\" is out of range: -1e999\n"},
        {"duration wrong type",
                "node { name = \"n\" }\nrule \"r\" {\n  threshold = 1\n  period = 900\n}\n",
                "4:12: \"period\" must be a duration string such as \"15m\", not a number\n"},
        {"duration bad unit",
                "node { name = \"n\" }\nrule \"r\" {\n  threshold = 1\n  period = \"15min\"\n}\n",
                "4:12: invalid duration \"15min\" for \"period\": unknown unit (use ms, s, m, h or "
                "d)\n"},
        {"duration order",
                "node { name = \"n\" }\nrule \"r\" {\n  threshold = 1\n  period = \"30m1h\"\n}\n",
                "4:12: invalid duration \"30m1h\" for \"period\": units must go from largest to "
                "smallest, "
                "each at most once (e.g. 1h30m)\n"},
        {"list wrong type",
                "node { name = \"n\" }\nrule \"r\" {\n  threshold = 1\n  devices = \"sda\"\n}\n",
                "4:13: \"devices\" must be a list of strings, not a string\n"},
        {"list item wrong type",
                "node { name = \"n\" }\nrule \"r\" {\n  threshold = 1\n  devices = [\"a\", 2, "
                "{}]\n}\n",
                "4:19: item 2 of \"devices\" must be a string, not a number\n"
                "4:22: item 3 of \"devices\" must be a string, not an object\n"},
        {"empty list", "node { name = \"n\" }\nrule \"r\" {\n  threshold = 1\n  devices = []\n}\n",
                "4:13: \"devices\" must not be empty\n"},
        {"empty string",
                "node { name = \"n\" }\nrule \"r\" {\n  threshold = 1\n  source \"s\" { tracepoint "
                "= \"\" }\n}\n",
                "4:29: \"tracepoint\" must not be empty\n"},
        {"string with NUL", "node { name = \"a\\u0000\" }\n",
                "1:15: \"name\" must not contain NUL characters\n"},
        {"string or number wrong type",
                "node { name = \"n\" }\nrule \"r\" {\n  threshold = 1\n  value = [1]\n}\n",
                "4:11: \"value\" must be a string or a number, not a tuple\n"},
        {"enum did you mean",
                "node { name = \"n\" }\nrule \"r\" {\n  threshold = 1\n  color = \"bleu\"\n}\n",
                "4:11: invalid value \"bleu\" for \"color\"; did you mean \"blue\"?\n"},
        {"enum with control characters",
                "node { name = \"n\" }\nrule \"r\" {\n  threshold = 1\n  color = \"re\\nd\"\n}\n",
                "4:11: invalid value \"re\\nd\" for \"color\"; did you mean \"red\"?\n"},
        {"enum list",
                "node { name = \"n\" }\nrule \"r\" {\n  threshold = 1\n  color = \"purple\"\n}\n",
                "4:11: invalid value \"purple\" for \"color\" (expected one of: \"red\", "
                "\"green\", "
                "\"blue\")\n"},
        {"enum wrong type",
                "node { name = \"n\" }\nrule \"r\" {\n  threshold = 1\n  color = 1\n}\n",
                "4:11: \"color\" must be a string, not a number\n"},
        {"json out of range",
                "node { name = \"n\" }\nrule \"r\" {\n  threshold = 1\n  params = { x = [1e999] "
                "}\n}\n",
                "4:12: a number in \"params\" is out of range\n"},
        {"custom parser", "node { name = \"n\" }\nrule \"r\" {\n  threshold = 1\n  even = 3\n}\n",
                "4:10: \"even\" must be an even number\n"},
        {"validator",
                "node { name = \"n\" }\nrule \"r\" {\n  threshold = 1\n  limits {\n    min = 50\n"
                "    max = 20\n  }\n}\n",
                "5:11: \"min\" (50) is above \"max\" (20) in block \"limits\"\n"},
        {"validator skipped after errors",
                "node { name = \"n\" }\nrule \"r\" {\n  threshold = 1\n  limits {\n    min = 50\n"
                "    max = 200\n  }\n}\n",
                "6:11: \"max\" must be between 1 and 100, not 200\n"},
        {"handler error", "node { name = \"n\" }\nhook \"bad\" \"x\" {}\n",
                "2:6: hook \"bad\" is not allowed\n"},
        {"all errors in one run",
                "node { nam = \"n\" }\nrule \"r\" {\n  threshold = 0\n  period = \"1x\"\n  color = "
                "\"rde\"\n}\n"
                "rule {}\nextra = 1\n",
                "1:1: missing required attribute \"name\" in block \"node\"\n"
                "1:8: unknown attribute \"nam\" in block \"node\"; did you mean \"name\"?\n"
                "3:15: \"threshold\" must be between 1 and 1000, not 0\n"
                "4:12: invalid duration \"1x\" for \"period\": unknown unit (use ms, s, m, h or "
                "d)\n"
                "5:11: invalid value \"rde\" for \"color\"; did you mean \"red\"?\n"
                "7:1: block \"rule\" needs 1 label (name), found 0\n"
                "7:1: missing required attribute \"threshold\" in block \"rule\"\n"
                "8:1: unknown attribute \"extra\"\n"},
        {"wrongly labelled block still checked", "node \"x\" { nme = \"n\" }\n",
                "1:1: block \"node\" takes no labels, found 1\n"
                "1:1: missing required attribute \"name\" in block \"node\"\n"
                "1:12: unknown attribute \"nme\" in block \"node\"; did you mean \"name\"?\n"},
        {"second single block still checked", "node { name = \"a\" }\nnode { name = 1 }\n",
                "2:1: duplicate block \"node\" (first at 1:1); only one is allowed\n"
                "2:15: \"name\" must be a string, not a number\n"},
};

static void test_decode_errors(void **state) {
        size_t failed = 0;

        for (size_t i = 0; i < ELEMENTSOF(error_cases); i++) {
                _cleanup_(fl_hcl_file_freep) struct fl_hcl_file *f = parse(error_cases[i].input);
                _cleanup_(fl_diags_freep) struct fl_diags *d = fl_diags_new();
                _cleanup_free_ char *errs = NULL;
                struct config c;
                int calls = 0, r;

                memset(&c, 0xAA, sizeof(c));
                r = fl_hcl_decode(f, &config_schema, &calls, d, &c);
                errs = diag_text(d);
                for (size_t k = 0; k < d->n_items; k++)
                        assert_string_equal(d->items[k].file, "c.hcl");
                if (r != -EINVAL || strcmp(errs, error_cases[i].errors) != 0) {
                        printf("FAIL %s: r=%d\n  got:\n%s  expected:\n%s", error_cases[i].name, r,
                                errs, error_cases[i].errors);
                        failed++;
                }
                /* untouched on failure */
                for (size_t k = 0; k < sizeof(c); k++)
                        assert_int_equal(((unsigned char *) &c)[k], 0xAA);
        }
        printf("decoder error cases: %zu, failed %zu\n", ELEMENTSOF(error_cases), failed);
        assert_int_equal(failed, 0);
}

static void test_handler_fatal(void **state) {
        _cleanup_(fl_hcl_file_freep) struct fl_hcl_file *f = parse(
                "node { name = \"n\" }\nhook \"io-error\" \"x\" {}\nhook \"later\" \"x\" {}\n");
        _cleanup_(fl_diags_freep) struct fl_diags *d = fl_diags_new();
        struct config c;
        int calls = 0;

        assert_int_equal(fl_hcl_decode(f, &config_schema, &calls, d, &c), -EIO);
        assert_int_equal(calls, 1); /* stopped at the fatal error */
        assert_int_equal(d->n_items, 0);
}

/* ---- the seeds, decoded with the schemas their configs will use ---- */

enum kind { KIND_CONCURRENCY = 1, KIND_MAX_EXECUTION };
enum target { TARGET_NODE = 1, TARGET_NODE_TYPE, TARGET_GENERAL };

struct constraint {
        int kind;
        char *value;
        uint64_t period_usec;
        bool is_global;
};

struct workflow {
        int task_queue_target;
        struct constraint *constraints;
        size_t n_constraints;
};

static const struct fl_hcl_enum kinds[] = {
        FL_HCL_ENUM_VALUE("concurrency", KIND_CONCURRENCY),
        FL_HCL_ENUM_ALIAS("concurency", KIND_CONCURRENCY),
        FL_HCL_ENUM_VALUE("maxExecution", KIND_MAX_EXECUTION),
        {},
};
static const struct fl_hcl_enum targets[] = {
        FL_HCL_ENUM_VALUE("node", TARGET_NODE),
        FL_HCL_ENUM_VALUE("node_type", TARGET_NODE_TYPE),
        FL_HCL_ENUM_VALUE("general", TARGET_GENERAL),
        {},
};
static const struct fl_hcl_attr_spec constraint_attrs[] = {
        FL_HCL_ATTR_ENUM("kind", struct constraint, kind, kinds, FL_HCL_REQUIRED),
        FL_HCL_ATTR_STRING_OR_NUMBER("value", struct constraint, value, FL_HCL_REQUIRED),
        FL_HCL_ATTR_DURATION("period", struct constraint, period_usec, FL_HCL_REQUIRED),
        FL_HCL_ATTR_BOOL("is_global", struct constraint, is_global, 0),
        {},
};
static const struct fl_hcl_schema constraint_schema = {
        .attrs = constraint_attrs,
        .size = sizeof(struct constraint),
};
static const struct fl_hcl_attr_spec workflow_attrs[] = {
        FL_HCL_ATTR_ENUM(
                "task_queue_target", struct workflow, task_queue_target, targets, FL_HCL_REQUIRED),
        {},
};
static const struct fl_hcl_block_spec workflow_blocks[] = {
        FL_HCL_BLOCK_REPEATED(
                "constraint", struct workflow, constraints, n_constraints, &constraint_schema, 0),
        {},
};
static const struct fl_hcl_schema workflow_schema = {
        .attrs = workflow_attrs,
        .blocks = workflow_blocks,
        .size = sizeof(struct workflow),
};

static char *seed_text(const char *name) {
        _cleanup_free_ char *path = NULL;
        char rel[128];

        snprintf(rel, sizeof(rel), "tests/data/seed/%s", name);
        path = fl_test_source_path(rel);
        return fl_test_read_file(path, NULL);
}

static void test_seed_workflow(void **state) {
        _cleanup_free_ char *path = NULL, *text = seed_text("workflow-constraints.hcl");
        _cleanup_(fl_diags_freep) struct fl_diags *d = fl_diags_new();
        _cleanup_free_ char *errs = NULL;
        struct workflow w;

        /* as written: only the placeholder is wrong */
        path = fl_test_source_path("tests/data/seed/workflow-constraints.hcl");
        assert_int_equal(fl_hcl_decode_file(path, &workflow_schema, NULL, d, &w, NULL), -EINVAL);
        assert_int_equal(d->n_items, 1);
        assert_string_equal(d->items[0].file, path);
        errs = diag_text(d);
        assert_string_equal(errs, "1:21: invalid value \"<target>\" for \"task_queue_target\" "
                                  "(expected one of: \"node\", \"node_type\", \"general\")\n");

        /* with a real target in place of the placeholder, valid as written */
        assert_true(strncmp(text, "task_queue_target = \"<target>\"\n", 31) == 0);
        for (size_t t = 0; t < 3; t++) {
                static const char *names[] = {"node", "node_type", "general"};
                static const int values[] = {TARGET_NODE, TARGET_NODE_TYPE, TARGET_GENERAL};
                _cleanup_free_ char *variant = NULL;
                _cleanup_(fl_hcl_file_freep) struct fl_hcl_file *f = NULL;

                assert_true(asprintf(&variant, "task_queue_target = \"%s\"%s", names[t],
                                    strchr(text, '\n')) > 0);
                f = parse(variant);
                assert_int_equal(fl_hcl_decode(f, &workflow_schema, NULL, d, &w), 0);
                assert_int_equal(d->n_items, 1);
                assert_int_equal(w.task_queue_target, values[t]);
                assert_int_equal(w.n_constraints, 3);
                assert_int_equal(w.constraints[0].kind, KIND_CONCURRENCY); /* "concurency" */
                assert_string_equal(w.constraints[0].value, "1");
                assert_int_equal(w.constraints[0].period_usec, 15 * 60 * USEC_PER_SEC);
                assert_false(w.constraints[0].is_global);
                assert_int_equal(w.constraints[1].kind, KIND_MAX_EXECUTION);
                assert_string_equal(w.constraints[1].value, "1");
                assert_int_equal(w.constraints[1].period_usec, 3600 * USEC_PER_SEC);
                assert_false(w.constraints[1].is_global);
                assert_int_equal(w.constraints[2].kind, KIND_MAX_EXECUTION);
                assert_string_equal(w.constraints[2].value, "3");
                assert_int_equal(w.constraints[2].period_usec, 24 * 3600 * USEC_PER_SEC);
                assert_true(w.constraints[2].is_global);
                fl_hcl_decode_free(&workflow_schema, &w);
        }
}

struct route_rule {
        char *name;
        char *method;
        char **route_patterns;
        size_t n_route_patterns;
        char **uris;
        size_t n_uris;
        bool allow_public;
        bool skip_log_match;
};

struct server_config {
        bool enable_tls;
        struct route_rule *rules;
        size_t n_rules;
};

struct acl_file {
        struct server_config server;
};

static const struct fl_hcl_attr_spec route_attrs[] = {
        FL_HCL_ATTR_STRING("name", struct route_rule, name, FL_HCL_REQUIRED),
        FL_HCL_ATTR_STRING("method", struct route_rule, method, FL_HCL_REQUIRED),
        FL_HCL_ATTR_STRING_LIST("route_patterns", struct route_rule, route_patterns,
                n_route_patterns, FL_HCL_REQUIRED | FL_HCL_NONEMPTY),
        FL_HCL_ATTR_STRING_LIST("uris", struct route_rule, uris, n_uris, FL_HCL_REQUIRED),
        FL_HCL_ATTR_BOOL("allow_public", struct route_rule, allow_public, 0),
        FL_HCL_ATTR_BOOL("skip_log_match", struct route_rule, skip_log_match, 0),
        {},
};
static const struct fl_hcl_schema route_schema = {
        .attrs = route_attrs,
        .size = sizeof(struct route_rule),
};
static const struct fl_hcl_attr_spec server_attrs[] = {
        FL_HCL_ATTR_BOOL("enable_tls", struct server_config, enable_tls, 0),
        {},
};
static const struct fl_hcl_block_spec server_blocks[] = {
        FL_HCL_BLOCK_REPEATED("route_rule", struct server_config, rules, n_rules, &route_schema, 0),
        {},
};
static const struct fl_hcl_schema server_schema = {
        .attrs = server_attrs,
        .blocks = server_blocks,
        .size = sizeof(struct server_config),
};
static const struct fl_hcl_block_spec acl_blocks[] = {
        FL_HCL_BLOCK_ONE("server_config", struct acl_file, server, &server_schema, FL_HCL_REQUIRED),
        {},
};
static const struct fl_hcl_schema acl_schema = {
        .blocks = acl_blocks,
        .size = sizeof(struct acl_file),
};

static void test_seed_acl(void **state) {
        _cleanup_free_ char *path = fl_test_source_path("tests/data/seed/coordinator-acl.hcl");
        _cleanup_(fl_diags_freep) struct fl_diags *d = fl_diags_new();
        _cleanup_(fl_hcl_file_freep) struct fl_hcl_file *f = NULL;
        struct acl_file a;
        const struct route_rule *r;

        assert_int_equal(fl_hcl_decode_file(path, &acl_schema, NULL, d, &a, &f), 0);
        assert_non_null(f);
        assert_int_equal(d->n_items, 0);
        assert_true(a.server.enable_tls);
        assert_int_equal(a.server.n_rules, 3);
        r = &a.server.rules[0];
        assert_string_equal(r->name, "global_get");
        assert_string_equal(r->method, "GET");
        assert_int_equal(r->n_route_patterns, 1);
        assert_string_equal(r->route_patterns[0], "/*");
        assert_int_equal(r->n_uris, 1);
        assert_string_equal(r->uris[0], "spiffe://example.com/worker-admin");
        assert_false(r->allow_public);
        assert_false(r->skip_log_match);
        r = &a.server.rules[1];
        assert_string_equal(r->name, "global_post");
        assert_string_equal(r->method, "POST");
        assert_string_equal(r->route_patterns[0], "/*");
        assert_string_equal(r->uris[0], "spiffe://example.com/worker-admin");
        assert_true(r->allow_public);
        assert_false(r->skip_log_match);
        r = &a.server.rules[2];
        assert_string_equal(r->name, "public_access");
        assert_string_equal(r->method, "GET");
        assert_string_equal(r->route_patterns[0], "/metrics");
        assert_int_equal(r->n_uris, 0); /* uris = [] */
        assert_non_null(r->uris);
        assert_null(r->uris[0]);
        assert_true(r->allow_public);
        assert_true(r->skip_log_match);
        fl_hcl_decode_free(&acl_schema, &a);
}

/* ---- durations ---- */

static void test_durations(void **state) {
        static const struct {
                const char *text;
                uint64_t usec;
        } ok[] = {
                {"0", 0},
                {"0s", 0},
                {"500ms", 500000},
                {"1s", USEC_PER_SEC},
                {"90s", 90 * USEC_PER_SEC},
                {"15m", 15 * 60 * USEC_PER_SEC},
                {"1h", 3600 * USEC_PER_SEC},
                {"1h30m", 5400 * USEC_PER_SEC},
                {"24h", 86400 * USEC_PER_SEC},
                {"7d", 7 * 86400 * USEC_PER_SEC},
                {"1d12h", 36 * 3600 * USEC_PER_SEC},
                {"2h0m5s250ms", (7205 * USEC_PER_SEC) + 250000},
                {"1d2h3m4s5ms", ((((24 + 2) * 60 + 3) * 60 + 4) * USEC_PER_SEC) + 5000},
                {"213503982d", UINT64_C(213503982) * 86400 * USEC_PER_SEC},
        };
        static const struct {
                const char *text;
                int r;
                const char *why;
        } bad[] = {
                {"", -EINVAL, "empty duration"},
                {"15", -EINVAL, "missing unit after a number (use ms, s, m, h or d)"},
                {"m", -EINVAL, "expected a number, such as 15m or 1h30m"},
                {"-5m", -EINVAL, "durations cannot be negative"},
                {"1.5h", -EINVAL, "fractions are not supported (write 90m rather than 1.5h)"},
                {"15min", -EINVAL, "unknown unit (use ms, s, m, h or d)"},
                {"15 m", -EINVAL, "missing unit after a number (use ms, s, m, h or d)"},
                {"1w", -EINVAL, "unknown unit (use ms, s, m, h or d)"},
                {"15M", -EINVAL, "unknown unit (use ms, s, m, h or d)"},
                {"30m1h", -EINVAL,
                        "units must go from largest to smallest, each at most once (e.g. 1h30m)"},
                {"1m1m", -EINVAL,
                        "units must go from largest to smallest, each at most once (e.g. 1h30m)"},
                {"1h ", -EINVAL, "expected a number, such as 15m or 1h30m"},
                {"213503983d", -ERANGE, "duration is too large"},
                {"99999999999999999999s", -ERANGE, "duration is too large"},
                {"18446744073709551615ms", -ERANGE, "duration is too large"},
                {"213503982d1000h", -ERANGE, "duration is too large"},
        };

        for (size_t i = 0; i < ELEMENTSOF(ok); i++) {
                uint64_t u = 1;
                const char *why = NULL;

                if (fl_duration_parse(ok[i].text, &u, &why) != 0)
                        fail_msg("%s: %s", ok[i].text, why);
                assert_int_equal(u, ok[i].usec);
        }
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                uint64_t u = 12345;
                const char *why = NULL;
                int r = fl_duration_parse(bad[i].text, &u, &why);

                if (r != bad[i].r || !why || strcmp(why, bad[i].why) != 0)
                        fail_msg("\"%s\": got %d \"%s\"", bad[i].text, r, why ? why : "(null)");
                assert_int_equal(u, 12345);
        }
        assert_int_equal(fl_duration_parse(NULL, &(uint64_t){0}, NULL), -EINVAL);
}

/* ---- suggestions ---- */

static void test_suggest(void **state) {
        static const char *names[] = {"name", "type", "datacenter", "threshold", "period"};

        assert_int_equal(fl_edit_distance("name", "name"), 0);
        assert_int_equal(fl_edit_distance("nmae", "name"), 1); /* transposition */
        assert_int_equal(fl_edit_distance("Name", "name"), 0); /* case-insensitive */
        assert_int_equal(fl_edit_distance("nam", "name"), 1);
        assert_int_equal(fl_edit_distance("names", "name"), 1);
        assert_int_equal(fl_edit_distance("kitten", "sitting"), 3);
        assert_int_equal(fl_edit_distance("", "abc"), 3);
        assert_true(fl_edit_distance(
                            "a-very-long-name-that-nobody-would-ever-misspell-because-it-is-long-x",
                            "a") >= 100);

        assert_string_equal(fl_suggest("nmae", names, ELEMENTSOF(names)), "name");
        assert_string_equal(fl_suggest("datacentre", names, ELEMENTSOF(names)), "datacenter");
        assert_string_equal(fl_suggest("treshold", names, ELEMENTSOF(names)), "threshold");
        assert_string_equal(fl_suggest("tpye", names, ELEMENTSOF(names)), "type");
        assert_null(fl_suggest("zone", names, ELEMENTSOF(names)));
        assert_null(fl_suggest("x", names, ELEMENTSOF(names)));
        assert_null(fl_suggest("name", NULL, 0));
        assert_true(fl_suggest_close("perod", "period"));
        assert_false(fl_suggest_close("pe", "period"));
}

/* ---- callbacks decoding nested bodies with another schema ---- */

struct plugin_list {
        int n;
        int64_t maxes[4];
};

static int on_plugin(struct fl_hcl_decoder *d, const struct fl_hcl_block *block, void *obj) {
        struct plugin_list *p = fl_hcl_decoder_userdata(d);
        struct limits l;
        int r;

        const struct fl_hcl_body *top = &fl_hcl_decoder_file(d)->body;

        assert_true(block >= top->blocks && block < top->blocks + top->n_blocks);
        fl_hcl_decode_init(&limits_schema, &l);
        assert_int_equal(l.max, 10);
        r = fl_hcl_decode_body(d, block, &block->body, &limits_schema, &l);
        if (r == 0 && p->n < 4)
                p->maxes[p->n++] = l.max;
        fl_hcl_decode_free(&limits_schema, &l);
        return r;
}

static void test_handler_nested(void **state) {
        static const struct fl_hcl_block_spec blocks[] = {
                FL_HCL_BLOCK_HANDLER("plugin", on_plugin, FL_HCL_REQUIRED | FL_HCL_UNIQUE_LABELS,
                        .labels = {"name"}),
                {},
        };
        static const struct fl_hcl_schema schema = {.blocks = blocks};
        _cleanup_(fl_hcl_file_freep) struct fl_hcl_file *f =
                parse("plugin \"a\" { max = 5 }\nplugin \"b\" {}\nplugin \"c\" { max = 500 "
                      "}\nplugin \"a\" {}\n");
        _cleanup_(fl_hcl_file_freep) struct fl_hcl_file *none = parse("# nothing\n");
        _cleanup_(fl_diags_freep) struct fl_diags *d = fl_diags_new();
        _cleanup_free_ char *errs = NULL;
        struct plugin_list p = {};
        char dummy;

        assert_int_equal(fl_hcl_decode(f, &schema, &p, d, &dummy), -EINVAL);
        errs = diag_text(d);
        assert_string_equal(errs, "3:20: \"max\" must be between 1 and 100, not 500\n"
                                  "4:1: duplicate block \"plugin\" \"a\" (first at 1:1)\n");
        assert_int_equal(p.n, 3);
        assert_int_equal(p.maxes[0], 5);
        assert_int_equal(p.maxes[1], 10);
        assert_int_equal(p.maxes[2], 10);

        free(errs);
        d = fl_diags_free(d);
        d = fl_diags_new();
        assert_int_equal(fl_hcl_decode(none, &schema, &p, d, &dummy), -EINVAL);
        errs = diag_text(d);
        assert_string_equal(errs, "1:1: missing required block \"plugin\"\n");
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_decode_all),
                cmocka_unit_test(test_decode_errors),
                cmocka_unit_test(test_handler_fatal),
                cmocka_unit_test(test_seed_workflow),
                cmocka_unit_test(test_seed_acl),
                cmocka_unit_test(test_durations),
                cmocka_unit_test(test_suggest),
                cmocka_unit_test(test_handler_nested),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
