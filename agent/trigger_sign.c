/* SPDX-License-Identifier: Apache-2.0 */
#include "trigger_sign.h"

#include "httpsig.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int fl_trigger_sign(const struct fl_trigger_signer *s, const char *body, size_t size, int64_t now,
        struct fl_signed_headers *ret) {
        char *lines[FL_HTTPSIG_TRIGGER_HEADERS + 1] = {};
        struct fl_signed_headers h = {};
        int r;

        r = fl_httpsig_trigger_headers(s->url, s->key, s->key_id, body, size, now, lines, NULL);
        if (r < 0)
                return r;
        /* Content-Type, Accept (not covered by the signature), then the
         * digest and the signature lines. */
        h.lines[0] = lines[0];
        h.lines[2] = lines[1];
        h.lines[3] = lines[2];
        h.lines[4] = lines[3];
        if (asprintf(&h.lines[1], "Accept: application/json") < 0) {
                h.lines[1] = NULL;
                fl_signed_headers_done(&h);
                return -ENOMEM;
        }
        *ret = h;
        return 0;
}
