/* SPDX-License-Identifier: Apache-2.0 */
#include "trigger.h"

#include "idempotency.h"
#include "macro.h"
#include "names.h"
#include "temporal.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int fail(char *err, size_t size, const char *fmt, ...) _printf_(3, 4);
static int fail(char *err, size_t size, const char *fmt, ...) {
        va_list ap;

        va_start(ap, fmt);
        (void) vsnprintf(err, size, fmt, ap);
        va_end(ap);
        return -EINVAL;
}

static const char *kind_of(const json_t *v) {
        switch (json_typeof(v)) {
        case JSON_OBJECT:
                return "an object";
        case JSON_ARRAY:
                return "an array";
        case JSON_STRING:
                return "a string";
        case JSON_INTEGER:
        case JSON_REAL:
                return "a number";
        case JSON_TRUE:
        case JSON_FALSE:
                return "a bool";
        case JSON_NULL:
                return "null";
        }
        return "a value";
}

/* The member as a string, or NULL when absent or null. */
static int get_string(
        json_t *root, const char *name, bool required, const char **ret, char *err, size_t size) {
        json_t *v = json_object_get(root, name);

        if (!v || json_is_null(v)) {
                if (required)
                        return fail(err, size, "\"%s\" is required", name);
                *ret = NULL;
                return 0;
        }
        if (!json_is_string(v))
                return fail(err, size, "\"%s\" must be a string, not %s", name, kind_of(v));
        *ret = json_string_value(v);
        return 0;
}

static int check_params(json_t *params, char *err, size_t size) {
        const char *key;
        json_t *v;

        if (json_object_size(params) > FL_TRIGGER_PARAMS_MAX)
                return fail(
                        err, size, "\"params\" has more than %d entries", FL_TRIGGER_PARAMS_MAX);
        json_object_foreach (params, key, v) {
                if (strlen(key) == 0 || strlen(key) > FL_TRIGGER_PARAM_KEY_MAX)
                        return fail(err, size, "a \"params\" key must be 1 to %d bytes",
                                FL_TRIGGER_PARAM_KEY_MAX);
                if (!json_is_string(v))
                        return fail(err, size, "params.%.64s must be a string, not %s", key,
                                kind_of(v));
        }
        return 0;
}

int fl_trigger_decode(
        const void *body, size_t size, struct fl_trigger_request *ret, char *err, size_t err_size) {
        _cleanup_(json_decrefp) json_t *root = NULL;
        struct fl_trigger_request t = {};
        json_error_t error;
        json_t *v;
        int r;

        root = json_loadb(body, size, JSON_REJECT_DUPLICATES, &error);
        if (!root)
                return fail(err, err_size, "malformed JSON at line %d column %d: %s", error.line,
                        error.column, error.text);
        if (!json_is_object(root))
                return fail(err, err_size, "the body must be a JSON object, not %s", kind_of(root));

        r = get_string(root, "node", true, &t.node, err, err_size);
        if (r < 0)
                return r;
        if (!fl_name_valid(t.node))
                return fail(err, err_size,
                        "\"node\" must be 1 to %d letters, digits, '.', '_' or '-', starting with "
                        "a letter or digit",
                        FL_NAME_MAX);
        r = get_string(root, "workflow", true, &t.workflow, err, err_size);
        if (r < 0)
                return r;
        if (!fl_name_valid(t.workflow))
                return fail(err, err_size,
                        "\"workflow\" must be 1 to %d letters, digits, '.', '_' or '-', starting "
                        "with a letter or digit",
                        FL_NAME_MAX);
        r = get_string(root, "rule", true, &t.rule, err, err_size);
        if (r < 0)
                return r;
        if (!fl_rule_name_valid(t.rule))
                return fail(err, err_size,
                        "\"rule\" must be 1 to %d letters, digits, '.', '_', ':' or '-', "
                        "starting with a letter or digit",
                        FL_RULE_NAME_MAX);
        r = get_string(root, "idempotency_key", true, &t.idempotency_key, err, err_size);
        if (r < 0)
                return r;
        if (!fl_idempotency_key_valid(t.idempotency_key))
                return fail(err, err_size,
                        "\"idempotency_key\" must be 8 to 64 letters, digits, '.', '_' or '-'");

        v = json_object_get(root, "params");
        if (v && !json_is_null(v)) {
                if (!json_is_object(v))
                        return fail(
                                err, err_size, "\"params\" must be an object, not %s", kind_of(v));
                r = check_params(v, err, err_size);
                if (r < 0)
                        return r;
                t.params = v;
        }
        v = json_object_get(root, "event");
        if (v && !json_is_null(v)) {
                if (!json_is_object(v))
                        return fail(
                                err, err_size, "\"event\" must be an object, not %s", kind_of(v));
                t.event = v;
        }
        r = get_string(root, "observed_at", false, &t.observed_at, err, err_size);
        if (r < 0)
                return r;
        if (t.observed_at && fl_temporal_parse_time(t.observed_at, &t.observed_at_usec) < 0)
                return fail(err, err_size,
                        "\"observed_at\" must be an RFC 3339 time such as "
                        "\"2026-11-27T03:58:00.123456Z\"");
        v = json_object_get(root, "dry_run");
        if (v && !json_is_null(v)) {
                if (!json_is_boolean(v))
                        return fail(
                                err, err_size, "\"dry_run\" must be a bool, not %s", kind_of(v));
                t.dry_run = json_is_true(v);
        }
        t.root = TAKE_PTR(root);
        *ret = t;
        return 0;
}

void fl_trigger_request_done(struct fl_trigger_request *t) {
        if (!t)
                return;
        json_decref(t->root);
        *t = (struct fl_trigger_request){};
}
