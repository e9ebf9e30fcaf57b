/* SPDX-License-Identifier: Apache-2.0 */
#include "base64.h"

#include <errno.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "macro.h"

int fl_base64_append(struct fl_strbuf *sb, const void *data, size_t size) {
        size_t out = (size + 2) / 3 * 4;
        char *p;
        int n, r;

        if (size > FL_BASE64_MAX_INPUT)
                return -E2BIG;
        r = fl_strbuf_reserve(sb, out, &p);
        if (r < 0)
                return r;
        n = EVP_EncodeBlock((unsigned char *) p, data, (int) size);
        if (n < 0 || (size_t) n != out)
                return -EIO;
        fl_strbuf_commit(sb, out);
        return 0;
}

int fl_base64_encode(const void *data, size_t size, char **ret) {
        struct fl_strbuf sb = {.max_len = FL_BASE64_MAX_INPUT * 2};
        char *s;
        int r;

        r = fl_base64_append(&sb, data, size);
        if (r < 0) {
                fl_strbuf_done(&sb);
                return r;
        }
        s = fl_strbuf_steal(&sb);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

int fl_base64url_encode(const void *data, size_t size, char **ret) {
        char *s;
        size_t n;
        int r;

        r = fl_base64_encode(data, size, &s);
        if (r < 0)
                return r;
        n = strlen(s);
        while (n > 0 && s[n - 1] == '=')
                s[--n] = '\0';
        for (char *p = s; *p; p++) {
                if (*p == '+')
                        *p = '-';
                else if (*p == '/')
                        *p = '_';
        }
        *ret = s;
        return 0;
}

static bool is_b64_char(char c) {
        return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
               c == '+' || c == '/';
}

int fl_base64_decode(const char *s, size_t len, uint8_t **ret, size_t *ret_size) {
        _cleanup_free_ char *padded = NULL;
        _cleanup_free_ uint8_t *out = NULL;
        size_t body = len, pad, full;
        int n;

        if (len > FL_BASE64_MAX_INPUT)
                return -E2BIG;
        while (body > 0 && s[body - 1] == '=')
                body--;
        if (len - body > 2)
                return -EBADMSG;
        for (size_t i = 0; i < body; i++)
                if (!is_b64_char(s[i]))
                        return -EBADMSG;
        /* One leftover character carries only 6 bits: not a whole byte. */
        if (body % 4 == 1)
                return -EBADMSG;
        /* Padding, when present, must complete the last quantum exactly. */
        pad = (4 - body % 4) % 4;
        if (len != body && len - body != pad)
                return -EBADMSG;

        full = body + pad;
        padded = malloc(full + 1);
        out = malloc(full / 4 * 3 + 1);
        if (!padded || !out)
                return -ENOMEM;
        memcpy(padded, s, body);
        memset(padded + body, '=', pad);
        padded[full] = '\0';
        n = EVP_DecodeBlock(out, (const unsigned char *) padded, (int) full);
        if (n < 0 || (size_t) n != full / 4 * 3)
                return -EBADMSG;
        /* EVP_DecodeBlock counts each '=' as a zero byte. */
        n -= (int) pad;
        out[n] = 0;
        *ret = TAKE_PTR(out);
        *ret_size = (size_t) n;
        return 0;
}
