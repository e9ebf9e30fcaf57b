/* SPDX-License-Identifier: Apache-2.0 */
#include "sign.h"

#include "httpsig.h"
#include "macro.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void fl_ctl_signed_headers_done(char *headers[static FL_CTL_SIGNED_HEADERS + 1]) {
        fl_httpsig_trigger_headers_done(headers);
}

int fl_ctl_sign_trigger(const char *url, EVP_PKEY *key, const char *key_id, const char *body,
        size_t size, int64_t now, char *ret_headers[static FL_CTL_SIGNED_HEADERS + 1], char *err,
        size_t err_size) {
        struct fl_httpsig_error why = {};
        int r;

        r = fl_httpsig_trigger_headers(url, key, key_id, body, size, now, ret_headers, &why);
        if (r < 0)
                snprintf(err, err_size, "cannot sign the trigger: %s",
                        why.message[0] ? why.message : strerror(-r));
        return r;
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
