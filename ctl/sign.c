/* SPDX-License-Identifier: Apache-2.0 */
#include "sign.h"

#include "digest.h"
#include "httpsig.h"
#include "macro.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CONTENT_TYPE "application/json"

void fl_ctl_signed_headers_done(char *headers[static FL_CTL_SIGNED_HEADERS + 1]) {
        for (size_t i = 0; i < FL_CTL_SIGNED_HEADERS + 1; i++) {
                free(headers[i]);
                headers[i] = NULL;
        }
}

int fl_ctl_sign_trigger(const char *url, EVP_PKEY *key, const char *key_id, const char *body,
        size_t size, int64_t now, char *ret_headers[static FL_CTL_SIGNED_HEADERS + 1], char *err,
        size_t err_size) {
        _cleanup_free_ char *digest = NULL, *input = NULL, *signature = NULL;
        struct fl_httpsig_error why = {};
        char *lines[FL_CTL_SIGNED_HEADERS + 1] = {};
        int r;

        r = fl_digest_content_digest(body, size, &digest);
        if (r < 0)
                return r;
        /* Exactly the header lines that will be sent; the coordinator sees
         * Host as curl derives it from the same URL. */
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
        r = fl_httpsig_sign(&req, &params, key, &input, &signature, &why);
        if (r < 0) {
                snprintf(err, err_size, "cannot sign the trigger: %s",
                        why.message[0] ? why.message : strerror(-r));
                return r;
        }
        if (asprintf(&lines[0], "Content-Type: %s", CONTENT_TYPE) < 0)
                lines[0] = NULL;
        if (asprintf(&lines[1], "Content-Digest: %s", digest) < 0)
                lines[1] = NULL;
        if (asprintf(&lines[2], "Signature-Input: %s", input) < 0)
                lines[2] = NULL;
        if (asprintf(&lines[3], "Signature: %s", signature) < 0)
                lines[3] = NULL;
        for (size_t i = 0; i < FL_CTL_SIGNED_HEADERS; i++)
                if (!lines[i]) {
                        fl_ctl_signed_headers_done(lines);
                        return -ENOMEM;
                }
        memcpy(ret_headers, lines, sizeof(lines));
        return 0;
}

int fl_ctl_load_signing_key(const char *path, EVP_PKEY **ret, char *err, size_t err_size) {
        int r = fl_httpsig_load_private_key(path, ret);

        if (r < 0)
                snprintf(err, err_size, "signing_key_file \"%s\": %s", path,
                        r == -EBADMSG        ? "no unencrypted PEM \"PRIVATE KEY\" in it (create "
                                               "one with: openssl genpkey -algorithm ed25519)"
                        : r == -EKEYREJECTED ? "not an Ed25519 key"
                        : r == -EFBIG        ? "larger than 64 KiB"
                                             : strerror(-r));
        return r;
}
