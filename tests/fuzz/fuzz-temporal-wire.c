/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for coordinator/temporal_wire.c: every input goes through
 * every decoder of Temporal answers (as JSON), the timestamp parser and the
 * query quoter. Decoders must not crash or leak on anything; a timestamp that
 * parses must format and parse back to the same instant; a quoted value must
 * start and end with a quote and have every inner quote doubled.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "temporal_wire.h"

static void decode_json(json_t *root, const char *text, size_t size) {
        struct fl_temporal_execution *v = NULL, e = {};
        struct fl_temporal_started st;
        const char *token;
        char *msg = NULL;
        int64_t n;
        json_t *p = NULL;
        size_t k = 0;
        int code;

        (void) fl_temporal_wire_parse_start(root, "w", &st);
        (void) fl_temporal_wire_parse_count(root, &n);
        (void) fl_temporal_wire_already_started_run(root);
        if (fl_temporal_wire_parse_status(root, text, size, &code, &msg) == 0)
                free(msg);
        if (fl_temporal_wire_parse_list(root, &v, &k, &token) == 0) {
                for (size_t i = 0; i < k; i++)
                        fl_temporal_wire_execution_done(&v[i]);
                free(v);
        }
        if (fl_temporal_wire_parse_describe(root, &e) == 0)
                fl_temporal_wire_execution_done(&e);
        if (fl_temporal_wire_parse_execution(root, &e) == 0)
                fl_temporal_wire_execution_done(&e);
        if (fl_temporal_wire_decode_payload(root, &p) == 0)
                json_decref(p);
}

static void check_time(const char *s) {
        char buf[FL_TEMPORAL_TIME_MAX];
        int64_t usec, back;

        if (fl_temporal_parse_time(s, &usec) < 0)
                return;
        if (fl_temporal_format_time(usec, buf) < 0)
                return; /* before 1970 or after 9999 */
        if (fl_temporal_parse_time(buf, &back) < 0 || back != usec)
                abort();
}

static void check_quote(const char *s) {
        char *q = NULL;
        size_t n, quotes = 0, inner = 0;

        if (fl_temporal_query_quote(s, &q) < 0)
                return;
        n = strlen(q);
        if (n < 2 || q[0] != '\'' || q[n - 1] != '\'')
                abort();
        for (size_t i = 1; i + 1 < n; i++)
                inner += q[i] == '\'';
        for (const char *p = s; *p; p++)
                quotes += *p == '\'';
        if (inner != 2 * quotes || n != strlen(s) + quotes + 2)
                abort();
        free(q);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        char *text = malloc(size + 1);
        json_t *root;

        if (!text)
                return 0;
        memcpy(text, data, size);
        text[size] = '\0';
        root = json_loadb(text, size, JSON_DECODE_ANY, NULL);
        if (root) {
                decode_json(root, text, size);
                json_decref(root);
        }
        check_time(text);
        check_quote(text);
        free(text);
        return 0;
}
