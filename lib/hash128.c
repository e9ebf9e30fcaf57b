/* SPDX-License-Identifier: Apache-2.0 */
#include "hash128.h"

#include <errno.h>
#include <string.h>
#include <xxhash.h>

static void canonical(XXH128_hash_t h, uint8_t ret[static FL_HASH128_SIZE]) {
        XXH128_canonical_t c;

        XXH128_canonicalFromHash(&c, h);
        memcpy(ret, c.digest, FL_HASH128_SIZE);
}

int fl_hash128(const void *data, size_t size, uint8_t ret[static FL_HASH128_SIZE]) {
        canonical(XXH3_128bits(data, size), ret);
        return 0;
}

int fl_hash128_parts(const void *const *data, const size_t *sizes, size_t n,
        uint8_t ret[static FL_HASH128_SIZE]) {
        XXH3_state_t *state = XXH3_createState();
        int r = 0;

        /* The streaming state is heap-allocated: its layout is not part of
         * the shared library's ABI. */
        if (!state)
                return -ENOMEM;
        if (XXH3_128bits_reset(state) != XXH_OK)
                r = -EIO;
        for (size_t i = 0; r == 0 && i < n; i++)
                if (XXH3_128bits_update(state, data[i], sizes[i]) != XXH_OK)
                        r = -EIO;
        if (r == 0)
                canonical(XXH3_128bits_digest(state), ret);
        XXH3_freeState(state);
        return r;
}
