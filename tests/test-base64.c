/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lib/base64.c: the RFC 4648 section 10 vectors, the URL-safe variant and
 * the strictness rules of the decoder.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "fl_test.h"
#include "macro.h"

struct vector {
        const char *plain, *encoded, *url;
};

static const struct vector vectors[] = {
        {"", "", ""},
        {"f", "Zg==", "Zg"},
        {"fo", "Zm8=", "Zm8"},
        {"foo", "Zm9v", "Zm9v"},
        {"foob", "Zm9vYg==", "Zm9vYg"},
        {"fooba", "Zm9vYmE=", "Zm9vYmE"},
        {"foobar", "Zm9vYmFy", "Zm9vYmFy"},
        {"\xfb\xff\xbf", "+/+/", "-_-_"},
};

static void test_vectors(void **state) {
        for (size_t i = 0; i < ELEMENTSOF(vectors); i++) {
                const struct vector *v = &vectors[i];
                _cleanup_free_ char *enc = NULL, *url = NULL;
                _cleanup_free_ uint8_t *dec = NULL;
                size_t n = 0;

                assert_int_equal(fl_base64_encode(v->plain, strlen(v->plain), &enc), 0);
                assert_string_equal(enc, v->encoded);
                assert_int_equal(fl_base64url_encode(v->plain, strlen(v->plain), &url), 0);
                assert_string_equal(url, v->url);
                assert_int_equal(fl_base64_decode(v->encoded, strlen(v->encoded), &dec, &n), 0);
                assert_int_equal(n, strlen(v->plain));
                assert_memory_equal(dec, v->plain, n);
                assert_int_equal(dec[n], 0);
        }
}

struct decode_case {
        const char *in;
        int error;
        const char *out;
};

static const struct decode_case decode_cases[] = {
        {"Zg", 0, "f"}, /* padding may be left out */
        {"Zm8", 0, "fo"},
        {"Zh==", 0, "f"},      /* non-zero pad bits are tolerated */
        {"Z", -EBADMSG, NULL}, /* 6 bits are no byte */
        {"Zm9vY", -EBADMSG, NULL},
        {"Zg=", -EBADMSG, NULL}, /* padding must complete the quantum */
        {"Zm9v=", -EBADMSG, NULL},
        {"Zg===", -EBADMSG, NULL},
        {"=Zg=", -EBADMSG, NULL}, /* '=' only at the end */
        {"Z=g=", -EBADMSG, NULL},
        {"Zm 9v", -EBADMSG, NULL}, /* no whitespace */
        {"Zm9v\n", -EBADMSG, NULL},
        {"Zm9-", -EBADMSG, NULL}, /* not the URL alphabet */
        {"Zm9_", -EBADMSG, NULL},
};

static void test_decode(void **state) {
        for (size_t i = 0; i < ELEMENTSOF(decode_cases); i++) {
                const struct decode_case *c = &decode_cases[i];
                uint8_t *dec = NULL;
                size_t n = 12345;
                int r = fl_base64_decode(c->in, strlen(c->in), &dec, &n);

                if (r != c->error)
                        fail_msg("\"%s\": got %d, want %d", c->in, r, c->error);
                if (c->error) {
                        assert_null(dec);
                        assert_int_equal(n, 12345);
                } else {
                        assert_int_equal(n, strlen(c->out));
                        assert_memory_equal(dec, c->out, n);
                        free(dec);
                }
        }
}

static void test_caps(void **state) {
        uint8_t *dec = NULL;
        char *enc = NULL;
        size_t n;

        /* Lengths are checked before the (absent) data is read. */
        assert_int_equal(fl_base64_decode("", FL_BASE64_MAX_INPUT + 1, &dec, &n), -E2BIG);
        assert_int_equal(fl_base64_encode("", FL_BASE64_MAX_INPUT + 1, &enc), -E2BIG);
        assert_null(dec);
        assert_null(enc);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_vectors),
                cmocka_unit_test(test_decode),
                cmocka_unit_test(test_caps),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
