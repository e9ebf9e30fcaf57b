/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Runs lib/sfv.c against the HTTP WG's structured-field test suite
 * (https://github.com/httpwg/structured-field-tests, JSON files, not kept in
 * this tree). Each parsing case joins its "raw" lines with ", ", parses them
 * as its header_type and compares the result with "expected", then checks
 * that serialising gives "canonical" (or the raw value); a case marked
 * must_fail has to be refused, one marked can_fail may be. Cases without
 * "raw" (serialisation-tests/) build the value from "expected" and check the
 * serialisation or its refusal.
 *
 *   sfv-conformance FILE.json...
 *
 * Prints every failing case and a summary; exits 1 if any case failed.
 */
#include <errno.h>
#include <fenv.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"
#include "sfv.h"

static const char b32[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

static char *base32_encode(const unsigned char *d, size_t n) {
        char *out = malloc((n + 4) / 5 * 8 + 1), *o = out;

        if (!out)
                abort();
        for (size_t i = 0; i < n; i += 5) {
                unsigned char blk[5] = {};
                size_t k = n - i < 5 ? n - i : 5, chars = (k * 8 + 4) / 5;
                uint64_t v = 0;

                memcpy(blk, d + i, k);
                for (size_t j = 0; j < 5; j++)
                        v = v << 8 | blk[j];
                for (size_t j = 0; j < 8; j++)
                        *o++ = j < chars ? b32[(v >> (35 - 5 * j)) & 31] : '=';
        }
        *o = '\0';
        return out;
}

static int base32_decode(const char *s, unsigned char **ret, size_t *ret_len) {
        size_t n = strlen(s), len = 0;
        unsigned char *out = malloc(n + 1);
        uint64_t acc = 0;
        int bits = 0;

        if (!out)
                abort();
        for (size_t i = 0; i < n && s[i] != '='; i++) {
                const char *p = strchr(b32, s[i]);
                if (!p || !s[i]) {
                        free(out);
                        return -EINVAL;
                }
                acc = acc << 5 | (uint64_t) (p - b32);
                bits += 5;
                if (bits >= 8) {
                        out[len++] = (unsigned char) (acc >> (bits - 8));
                        bits -= 8;
                }
        }
        *ret = out;
        *ret_len = len;
        return 0;
}

/* ---- our model -> the suite's JSON shape ---- */

static json_t *bare_to_json(const struct fl_sfv_bare *b) {
        switch (b->type) {
        case FL_SFV_INTEGER:
                return json_integer(b->integer);
        case FL_SFV_DECIMAL:
                return json_real((double) b->integer / 1000.0);
        case FL_SFV_STRING:
                return json_string(b->data);
        case FL_SFV_TOKEN:
                return json_pack("{s:s, s:s}", "__type", "token", "value", b->data);
        case FL_SFV_BYTES: {
                char *e = base32_encode((const unsigned char *) b->data, b->len);
                json_t *j = json_pack("{s:s, s:s}", "__type", "binary", "value", e);
                free(e);
                return j;
        }
        case FL_SFV_BOOLEAN:
                return json_boolean(b->integer);
        case FL_SFV_DATE:
                return json_pack("{s:s, s:I}", "__type", "date", "value", (json_int_t) b->integer);
        case FL_SFV_DISPLAY_STRING:
                return json_pack(
                        "{s:s, s:s%}", "__type", "displaystring", "value", b->data, b->len);
        }
        abort();
}

static json_t *params_to_json(const struct fl_sfv_params *ps) {
        json_t *a = json_array();

        for (size_t i = 0; i < ps->n; i++)
                json_array_append_new(
                        a, json_pack("[s, o]", ps->v[i].key, bare_to_json(&ps->v[i].value)));
        return a;
}

static json_t *member_to_json(const struct fl_sfv_member *m) {
        json_t *items;

        if (!m->inner)
                return json_pack("[o, o]", bare_to_json(&m->bare), params_to_json(&m->params));
        items = json_array();
        for (size_t i = 0; i < m->n_items; i++)
                json_array_append_new(items, json_pack("[o, o]", bare_to_json(&m->items[i].bare),
                                                     params_to_json(&m->items[i].params)));
        return json_pack("[o, o]", items, params_to_json(&m->params));
}

/* ---- the suite's JSON -> our model (serialisation cases) ---- */

static int bare_from_json(json_t *j, struct fl_sfv_bare *b) {
        *b = (struct fl_sfv_bare){};
        if (json_is_integer(j)) {
                b->type = FL_SFV_INTEGER;
                b->integer = json_integer_value(j);
                return 0;
        }
        if (json_is_real(j)) {
                double v = json_real_value(j) * 1000.0;
                fesetround(FE_TONEAREST); /* ties to even, as section 4.1.5 rounds */
                if (fabs(v) > 9e18)
                        return -EINVAL;
                b->type = FL_SFV_DECIMAL;
                b->integer = (int64_t) nearbyint(v);
                return 0;
        }
        if (json_is_string(j)) {
                b->type = FL_SFV_STRING;
                b->data = strdup(json_string_value(j));
                b->len = json_string_length(j);
                return 0;
        }
        if (json_is_boolean(j)) {
                b->type = FL_SFV_BOOLEAN;
                b->integer = json_is_true(j);
                return 0;
        }
        if (json_is_object(j)) {
                const char *type = json_string_value(json_object_get(j, "__type"));
                json_t *v = json_object_get(j, "value");

                if (!type)
                        return -EINVAL;
                if (strcmp(type, "token") == 0) {
                        b->type = FL_SFV_TOKEN;
                        b->len = json_string_length(v);
                        b->data = malloc(b->len + 1);
                        memcpy(b->data, json_string_value(v), b->len + 1);
                        return 0;
                }
                if (strcmp(type, "binary") == 0) {
                        unsigned char *d;
                        b->type = FL_SFV_BYTES;
                        if (base32_decode(json_string_value(v), &d, &b->len) < 0)
                                return -EINVAL;
                        b->data = (char *) d;
                        return 0;
                }
                if (strcmp(type, "date") == 0) {
                        b->type = FL_SFV_DATE;
                        b->integer = json_integer_value(v);
                        return 0;
                }
                if (strcmp(type, "displaystring") == 0) {
                        b->type = FL_SFV_DISPLAY_STRING;
                        b->len = json_string_length(v);
                        b->data = malloc(b->len + 1);
                        memcpy(b->data, json_string_value(v), b->len + 1);
                        return 0;
                }
        }
        return -EINVAL;
}

static int params_from_json(json_t *j, struct fl_sfv_params *ps) {
        size_t i;
        json_t *p;

        ps->n = json_array_size(j);
        ps->v = calloc(ps->n + 1, sizeof(ps->v[0]));
        json_array_foreach (j, i, p) {
                json_t *key = json_array_get(p, 0);
                ps->v[i].key = strdup(json_string_value(key));
                /* our keys are C strings: one with a NUL cannot be built */
                if (strlen(ps->v[i].key) != json_string_length(key))
                        return -EINVAL;
                if (bare_from_json(json_array_get(p, 1), &ps->v[i].value) < 0)
                        return -EINVAL;
        }
        return 0;
}

static int member_from_json(json_t *j, struct fl_sfv_member *m) {
        json_t *v = json_array_get(j, 0), *it;
        size_t i;

        *m = (struct fl_sfv_member){};
        if (params_from_json(json_array_get(j, 1), &m->params) < 0)
                return -EINVAL;
        if (!json_is_array(v))
                return bare_from_json(v, &m->bare);
        m->inner = true;
        m->n_items = json_array_size(v);
        m->items = calloc(m->n_items + 1, sizeof(m->items[0]));
        json_array_foreach (v, i, it) {
                if (bare_from_json(json_array_get(it, 0), &m->items[i].bare) < 0 ||
                        params_from_json(json_array_get(it, 1), &m->items[i].params) < 0)
                        return -EINVAL;
        }
        return 0;
}

/* ---- running cases ---- */

struct stats {
        unsigned passed, failed;
};

static void report(
        struct stats *st, const char *file, json_t *t, bool ok, const char *why, const char *got) {
        if (ok) {
                st->passed++;
                return;
        }
        st->failed++;
        printf("FAIL %s: %s: %s%s%s\n", file, json_string_value(json_object_get(t, "name")), why,
                got ? ": " : "", got ? got : "");
}

static char *expected_text(json_t *t, const char *joined) {
        json_t *canon = json_object_get(t, "canonical");

        if (!canon)
                return strdup(joined);
        if (json_array_size(canon) == 0)
                return strdup("");
        return strdup(json_string_value(json_array_get(canon, 0)));
}

static void run_parse_case(struct stats *st, const char *file, json_t *t) {
        const char *type = json_string_value(json_object_get(t, "header_type"));
        bool must_fail = json_is_true(json_object_get(t, "must_fail"));
        bool can_fail = json_is_true(json_object_get(t, "can_fail"));
        json_t *raw = json_object_get(t, "raw"), *line, *got = NULL;
        _cleanup_free_ char *joined = NULL, *want = NULL, *ser = NULL;
        struct fl_sfv_item *item = NULL;
        struct fl_sfv_list *list = NULL;
        struct fl_sfv_dict *dict = NULL;
        size_t i, len = 0;
        int r, s = -1;

        json_array_foreach (raw, i, line)
                len += json_string_length(line) + 2;
        joined = calloc(1, len + 1);
        len = 0;
        json_array_foreach (raw, i, line) {
                if (i > 0) {
                        memcpy(joined + len, ", ", 2);
                        len += 2;
                }
                memcpy(joined + len, json_string_value(line), json_string_length(line));
                len += json_string_length(line);
        }

        if (strcmp(type, "item") == 0) {
                r = fl_sfv_parse_item(joined, len, &item, NULL);
                if (r >= 0) {
                        got = json_pack(
                                "[o, o]", bare_to_json(&item->bare), params_to_json(&item->params));
                        s = fl_sfv_serialize_item(item, &ser);
                }
        } else if (strcmp(type, "list") == 0) {
                r = fl_sfv_parse_list(joined, len, &list, NULL);
                if (r >= 0) {
                        got = json_array();
                        for (i = 0; i < list->n; i++)
                                json_array_append_new(got, member_to_json(&list->v[i]));
                        s = fl_sfv_serialize_list(list, &ser);
                }
        } else {
                r = fl_sfv_parse_dict(joined, len, &dict, NULL);
                if (r >= 0) {
                        got = json_array();
                        for (i = 0; i < dict->n; i++)
                                json_array_append_new(
                                        got, json_pack("[s, o]", dict->v[i].key,
                                                     member_to_json(&dict->v[i].value)));
                        s = fl_sfv_serialize_dict(dict, &ser);
                }
        }

        if (must_fail) {
                report(st, file, t, r < 0, "parsed input that must fail", ser);
        } else if (r < 0) {
                report(st, file, t, can_fail, "refused valid input", NULL);
        } else if (!json_equal(got, json_object_get(t, "expected"))) {
                char *dump = json_dumps(got, JSON_COMPACT);
                report(st, file, t, false, "parsed to a different value", dump);
                free(dump);
        } else {
                want = expected_text(t, joined);
                report(st, file, t, s >= 0 && strcmp(ser, want) == 0, "serialised differently",
                        s >= 0 ? ser : "(failed)");
        }
        json_decref(got);
        fl_sfv_item_free(item);
        fl_sfv_list_free(list);
        fl_sfv_dict_free(dict);
}

static void run_serialize_case(struct stats *st, const char *file, json_t *t) {
        const char *type = json_string_value(json_object_get(t, "header_type"));
        bool must_fail = json_is_true(json_object_get(t, "must_fail"));
        json_t *exp = json_object_get(t, "expected"), *m;
        _cleanup_free_ char *ser = NULL, *want = NULL;
        size_t i;
        int r = 0;

        if (strcmp(type, "item") == 0) {
                struct fl_sfv_item *item = calloc(1, sizeof(*item));
                struct fl_sfv_member mm;
                r = member_from_json(exp, &mm);
                item->bare = mm.bare;
                item->params = mm.params;
                if (r >= 0)
                        r = fl_sfv_serialize_item(item, &ser);
                fl_sfv_item_free(item);
        } else if (strcmp(type, "list") == 0) {
                struct fl_sfv_list *list = calloc(1, sizeof(*list));
                list->v = calloc(json_array_size(exp) + 1, sizeof(list->v[0]));
                json_array_foreach (exp, i, m) {
                        list->n++;
                        if (r >= 0)
                                r = member_from_json(m, &list->v[i]);
                }
                if (r >= 0)
                        r = fl_sfv_serialize_list(list, &ser);
                fl_sfv_list_free(list);
        } else {
                struct fl_sfv_dict *dict = calloc(1, sizeof(*dict));
                dict->v = calloc(json_array_size(exp) + 1, sizeof(dict->v[0]));
                json_array_foreach (exp, i, m) {
                        dict->n++;
                        dict->v[i].key = strdup(json_string_value(json_array_get(m, 0)));
                        if (strlen(dict->v[i].key) != json_string_length(json_array_get(m, 0)))
                                r = -EINVAL;
                        if (r >= 0)
                                r = member_from_json(json_array_get(m, 1), &dict->v[i].value);
                }
                if (r >= 0)
                        r = fl_sfv_serialize_dict(dict, &ser);
                fl_sfv_dict_free(dict);
        }
        if (must_fail) {
                report(st, file, t, r < 0, "serialised a value that must fail", ser);
        } else {
                want = expected_text(t, "");
                report(st, file, t, r >= 0 && strcmp(ser, want) == 0, "serialised differently",
                        r >= 0 ? ser : "(failed)");
        }
}

int main(int argc, char *argv[]) {
        struct stats st = {};

        for (int a = 1; a < argc; a++) {
                json_error_t err;
                json_t *tests = json_load_file(argv[a], JSON_ALLOW_NUL, &err), *t;
                size_t i;

                if (!tests) {
                        fprintf(stderr, "%s:%d: %s\n", argv[a], err.line, err.text);
                        return 2;
                }
                json_array_foreach (tests, i, t) {
                        if (json_object_get(t, "raw"))
                                run_parse_case(&st, argv[a], t);
                        else
                                run_serialize_case(&st, argv[a], t);
                }
                json_decref(tests);
        }
        printf("sfv-conformance: %u passed, %u failed\n", st.passed, st.failed);
        return st.failed ? 1 : 0;
}
