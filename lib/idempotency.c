/* SPDX-License-Identifier: Apache-2.0 */
#include "idempotency.h"

#include "hash128.h"
#include "macro.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>

int fl_idempotency_key(const char *node, const char *rule, const char *key, const char *identity,
        char ret[static FL_IDEMPOTENCY_KEY_LEN + 1]) {
        const void *parts[] = {node, rule, key, identity};
        size_t sizes[ELEMENTSOF(parts)];
        uint8_t md[FL_HASH128_SIZE];
        int r;

        /* The NUL separators keep ("ab","c") and ("a","bc") apart. */
        for (size_t i = 0; i < ELEMENTSOF(parts); i++) {
                if (!parts[i])
                        return -EINVAL;
                sizes[i] = strlen(parts[i]) + 1;
        }
        r = fl_hash128_parts(parts, sizes, ELEMENTSOF(parts), md);
        if (r < 0)
                return r;
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
