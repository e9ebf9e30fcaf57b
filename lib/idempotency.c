/* SPDX-License-Identifier: Apache-2.0 */
#include "idempotency.h"

#include <errno.h>
#include <openssl/evp.h>
#include <string.h>

int fl_idempotency_key(const char *node, const char *rule, const char *key, const char *identity,
        char ret[static FL_IDEMPOTENCY_KEY_LEN + 1]) {
        const char *parts[] = {node, rule, key, identity};
        unsigned char md[EVP_MAX_MD_SIZE];
        unsigned md_len = 0;
        EVP_MD_CTX *ctx;
        int ok = 1;

        for (size_t i = 0; i < 4; i++)
                if (!parts[i])
                        return -EINVAL;
        ctx = EVP_MD_CTX_new();
        if (!ctx)
                return -ENOMEM;
        ok = EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
        /* The NUL separators keep ("ab","c") and ("a","bc") apart. */
        for (size_t i = 0; ok && i < 4; i++)
                ok = EVP_DigestUpdate(ctx, parts[i], strlen(parts[i]) + 1);
        ok = ok && EVP_DigestFinal_ex(ctx, md, &md_len);
        EVP_MD_CTX_free(ctx);
        if (!ok || md_len < FL_IDEMPOTENCY_KEY_LEN / 2)
                return -EIO;

        for (size_t i = 0; i < FL_IDEMPOTENCY_KEY_LEN / 2; i++) {
                static const char hex[] = "0123456789abcdef";
                ret[2 * i] = hex[md[i] >> 4];
                ret[2 * i + 1] = hex[md[i] & 0xf];
        }
        ret[FL_IDEMPOTENCY_KEY_LEN] = '\0';
        return 0;
}

int fl_idempotency_key_valid(const char *s) {
        size_t n = s ? strlen(s) : 0;

        if (n < 8 || n > 64)
                return 0;
        for (size_t i = 0; i < n; i++) {
                char c = s[i];
                if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                            c == '.' || c == '_' || c == '-'))
                        return 0;
        }
        return 1;
}
