/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The signed header lines of one POST /v1/triggers, shared by the agent's
 * delivery and faultlinectl: the coordinator verifies an operator's trigger
 * exactly as an agent's, so both must sign the same way.
 */
#include "httpsig.h"

#include "digest.h"
#include "macro.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONTENT_TYPE "application/json"

void fl_httpsig_trigger_headers_done(char *lines[static FL_HTTPSIG_TRIGGER_HEADERS + 1]) {
        for (size_t i = 0; i < FL_HTTPSIG_TRIGGER_HEADERS + 1; i++) {
                free(lines[i]);
                lines[i] = NULL;
        }
}

static char *header_line(const char *name, const char *value) {
        char *line;
        return asprintf(&line, "%s: %s", name, value) < 0 ? NULL : line;
}

int fl_httpsig_trigger_headers(const char *url, EVP_PKEY *key, const char *key_id, const char *body,
        size_t size, int64_t now, char *ret_lines[static FL_HTTPSIG_TRIGGER_HEADERS + 1],
        struct fl_httpsig_error *error) {
        _cleanup_free_ char *digest = NULL, *input = NULL, *signature = NULL;
        char *lines[FL_HTTPSIG_TRIGGER_HEADERS + 1] = {};
        int r;

        r = fl_digest_content_digest(body, size, &digest);
        if (r < 0)
                return r;

        /* Exactly the header lines that will be sent; the coordinator sees
         * Host as the HTTP client derives it from the same URL. */
        const struct fl_http_header headers[] = {
                {"Content-Type", CONTENT_TYPE},
                {"Content-Digest", digest},
        };
        const struct fl_http_request req = {
                .method = "POST",
                .target_uri = url,
                .headers = headers,
                .n_headers = ELEMENTSOF(headers),
        };
        const struct fl_httpsig_sign_params params = {
                .components = fl_httpsig_trigger_components,
                .keyid = key_id,
                .created = now,
        };

        r = fl_httpsig_sign(&req, &params, key, &input, &signature, error);
        if (r < 0)
                return r;
        lines[0] = header_line("Content-Type", CONTENT_TYPE);
        lines[1] = header_line("Content-Digest", digest);
        lines[2] = header_line("Signature-Input", input);
        lines[3] = header_line("Signature", signature);
        for (size_t i = 0; i < FL_HTTPSIG_TRIGGER_HEADERS; i++)
                if (!lines[i]) {
                        fl_httpsig_trigger_headers_done(lines);
                        return -ENOMEM;
                }
        memcpy(ret_lines, lines, sizeof(lines));
        return 0;
}
