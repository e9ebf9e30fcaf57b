/* SPDX-License-Identifier: Apache-2.0 */
#include "trigger_sign.h"

#include "digest.h"
#include "httpsig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONTENT_TYPE "application/json"

struct fl_trigger_signer {
        EVP_PKEY *key;
        char *key_id;
        char *url;
};

struct fl_trigger_signer *fl_trigger_signer_free(struct fl_trigger_signer *s) {
        if (!s)
                return NULL;
        EVP_PKEY_free(s->key);
        free(s->key_id);
        free(s->url);
        free(s);
        return NULL;
}

int fl_trigger_signer_new(const char *base_url, const char *key_file, const char *key_id,
        struct fl_trigger_signer **ret) {
        _cleanup_(fl_trigger_signer_freep) struct fl_trigger_signer *s = calloc(1, sizeof(*s));
        size_t n = strlen(base_url);
        int r;

        if (!s)
                return -ENOMEM;
        while (n > 0 && base_url[n - 1] == '/')
                n--;
        if (asprintf(&s->url, "%.*s/v1/triggers", (int) n, base_url) < 0) {
                s->url = NULL;
                return -ENOMEM;
        }
        s->key_id = strdup(key_id);
        if (!s->key_id)
                return -ENOMEM;
        r = fl_httpsig_load_private_key(key_file, &s->key);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(s);
        return 0;
}

const char *fl_trigger_signer_url(const struct fl_trigger_signer *s) {
        return s->url;
}

void fl_signed_headers_done(struct fl_signed_headers *h) {
        for (size_t i = 0; i < ELEMENTSOF(h->lines); i++) {
                free(h->lines[i]);
                h->lines[i] = NULL;
        }
}

/* "Name: value", or NULL without memory. */
static char *header_line(const char *name, const char *value) {
        char *line;
        return asprintf(&line, "%s: %s", name, value) < 0 ? NULL : line;
}

int fl_trigger_sign(const struct fl_trigger_signer *s, const char *body, size_t size, int64_t now,
        struct fl_signed_headers *ret) {
        _cleanup_free_ char *digest = NULL, *input = NULL, *signature = NULL;
        struct fl_signed_headers h = {};
        int r;

        r = fl_digest_content_digest(body, size, &digest);
        if (r < 0)
                return r;

        /* What the coordinator will see: these header lines, and Host from
         * the URL (curl derives it the same way). */
        const struct fl_http_header headers[] = {
                {"Content-Type", CONTENT_TYPE},
                {"Content-Digest", digest},
        };
        const struct fl_http_request req = {
                .method = "POST",
                .target_uri = s->url,
                .headers = headers,
                .n_headers = ELEMENTSOF(headers),
        };
        const struct fl_httpsig_sign_params params = {
                .components = fl_httpsig_trigger_components,
                .keyid = s->key_id,
                .created = now,
        };

        r = fl_httpsig_sign(&req, &params, s->key, &input, &signature, NULL);
        if (r < 0)
                return r;
        h.lines[0] = header_line("Content-Type", CONTENT_TYPE);
        h.lines[1] = header_line("Accept", "application/json");
        h.lines[2] = header_line("Content-Digest", digest);
        h.lines[3] = header_line("Signature-Input", input);
        h.lines[4] = header_line("Signature", signature);
        for (size_t i = 0; i < FL_SIGNED_HEADERS; i++)
                if (!h.lines[i]) {
                        fl_signed_headers_done(&h);
                        return -ENOMEM;
                }
        *ret = h;
        return 0;
}
