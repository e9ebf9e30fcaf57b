/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for lib/sfv.c. The first byte picks Item, List or
 * Dictionary; the rest is the field value. Whatever parses must serialise,
 * and the serialisation must parse again to the same serialisation.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sfv.h"

static int parse_and_serialize(unsigned kind, const char *in, size_t size, char **ret) {
        void *obj = NULL;
        int r;

        switch (kind) {
        case 0:
                r = fl_sfv_parse_item(in, size, (struct fl_sfv_item **) &obj, NULL);
                if (r >= 0)
                        r = fl_sfv_serialize_item(obj, ret);
                fl_sfv_item_free(obj);
                return r;
        case 1:
                r = fl_sfv_parse_list(in, size, (struct fl_sfv_list **) &obj, NULL);
                if (r >= 0)
                        r = fl_sfv_serialize_list(obj, ret);
                fl_sfv_list_free(obj);
                return r;
        default:
                r = fl_sfv_parse_dict(in, size, (struct fl_sfv_dict **) &obj, NULL);
                if (r >= 0)
                        r = fl_sfv_serialize_dict(obj, ret);
                fl_sfv_dict_free(obj);
                return r;
        }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct fl_sfv_error e = {};
        char *first = NULL, *second = NULL;
        unsigned kind;
        int r;

        if (size < 1)
                return 0;
        kind = data[0] % 3;
        r = parse_and_serialize(kind, (const char *) data + 1, size - 1, &first);
        if (r == -EBADMSG || r == -E2BIG)
                return 0;
        if (r < 0) {
                fprintf(stderr, "parsed input failed to serialise: %d\n", r);
                abort();
        }
        /* Canonical output can be longer (padding, ", "); past the cap it
         * is refused like any other oversized field. */
        r = parse_and_serialize(kind, first, strlen(first), &second);
        if (r == -E2BIG && strlen(first) > FL_SFV_MAX_INPUT) {
                free(first);
                return 0;
        }
        if (r < 0 || strcmp(first, second) != 0) {
                fprintf(stderr, "round trip unstable (%d, %s): \"%s\" -> \"%s\"\n", r,
                        e.message ? e.message : "", first, second ? second : "");
                abort();
        }
        free(first);
        free(second);
        return 0;
}
