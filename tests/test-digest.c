/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lib/digest.c: Content-Digest (RFC 9530) for the body of RFC 9421's test
 * request, {"hello": "world"}, whose sha-256 and sha-512 digests are the
 * ones the RFCs print.
 */
#include <errno.h>
#include <string.h>

#include "digest.h"
#include "fl_test.h"
#include "macro.h"

#define BODY   "{\"hello\": \"world\"}"
#define SHA256 "sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:"
#define SHA512              \
        "sha-512=:WZDPaVn/" \
        "7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:"
#define SHA256X "sha-256=:iXtuF+sO1ZNyFlcXPmJU9PgArDgBAZd2yqCYBrCZ59U=:" /* of BODY "x" */

static void test_produce(void **state) {
        _cleanup_free_ char *a = NULL, *b = NULL;

        assert_int_equal(fl_digest_content_digest(BODY, strlen(BODY), &a), 0);
        assert_string_equal(a, SHA256);
        assert_int_equal(fl_digest_content_digest("", 0, &b), 0);
        assert_string_equal(b, "sha-256=:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=:");
}

struct verify_case {
        const char *name;
        const char *header;
        const char *body;
        int error;
        const char *reason;
};

static const struct verify_case verify_cases[] = {
        {"sha-256", SHA256, BODY, 0, NULL},
        {"sha-512", SHA512, BODY, 0, NULL},
        {"both", SHA256 ", " SHA512, BODY, 0, NULL},
        {"unknown algorithm ignored", "md5=:AAAA:, " SHA256 ", unixsum=:AA==:", BODY, 0, NULL},
        {"unknown member type ignored", "foo=(1 2), " SHA256, BODY, 0, NULL},
        {"parameters ignored", SHA256 ";x=1", BODY, 0, NULL},
        {"tampered body", SHA256, BODY "x", -EILSEQ, "Content-Digest does not match the body"},
        {"digest of another body", SHA256X, BODY, -EILSEQ,
                "Content-Digest does not match the body"},
        {"one of two mismatches", SHA512 ", " SHA256X, BODY, -EILSEQ,
                "Content-Digest does not match the body"},
        {"empty body", SHA256, "", -EILSEQ, "Content-Digest does not match the body"},
        {"only unknown algorithms", "md5=:HUXZLQLMuI/KZ5KDcJPcOA==:, sha=:AAAA:", BODY, -EOPNOTSUPP,
                "Content-Digest has no sha-256 or sha-512 member"},
        {"empty field", "", BODY, -EOPNOTSUPP, "Content-Digest has no sha-256 or sha-512 member"},
        {"uppercase algorithm is another key",
                "SHA-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:", BODY, -EBADMSG,
                "Content-Digest is not a valid Dictionary"},
        {"legacy Digest syntax", "SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=", BODY,
                -EBADMSG, "Content-Digest is not a valid Dictionary"},
        {"token instead of bytes", "sha-256=abc", BODY, -EBADMSG,
                "Content-Digest member is not a Byte Sequence"},
        {"inner list", "sha-256=(:AAAA:)", BODY, -EBADMSG,
                "Content-Digest member is not a Byte Sequence"},
        {"bare key", "sha-256", BODY, -EBADMSG, "Content-Digest member is not a Byte Sequence"},
        {"short digest", "sha-256=:AAAA:", BODY, -EBADMSG,
                "Content-Digest member has the wrong length for its algorithm"},
        {"sha-512 length for sha-256",
                "sha-256=:WZDPaVn/"
                "7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:",
                BODY, -EBADMSG, "Content-Digest member has the wrong length for its algorithm"},
        {"bad base64", "sha-256=:X48E9qOo!:", BODY, -EBADMSG,
                "Content-Digest is not a valid Dictionary"},
};

static void test_verify(void **state) {
        unsigned failed = 0;

        for (size_t i = 0; i < ELEMENTSOF(verify_cases); i++) {
                const struct verify_case *c = &verify_cases[i];
                const char *reason = NULL;
                int r;

                r = fl_digest_verify(
                        c->header, strlen(c->header), c->body, strlen(c->body), &reason);
                if (r != c->error || (c->reason && (!reason || strcmp(reason, c->reason) != 0)) ||
                        (!c->reason && reason)) {
                        print_error("%s: got %d \"%s\", want %d \"%s\"\n", c->name, r,
                                reason ? reason : "", c->error, c->reason ? c->reason : "");
                        failed++;
                }
        }
        assert_int_equal(failed, 0);
}

static void test_verify_binary_body(void **state) {
        static const unsigned char body[] = {0, 1, 2, 0xff};
        _cleanup_free_ char *h = NULL;

        assert_int_equal(fl_digest_content_digest(body, sizeof(body), &h), 0);
        assert_int_equal(fl_digest_verify(h, strlen(h), body, sizeof(body), NULL), 0);
        assert_int_equal(fl_digest_verify(h, strlen(h), body, sizeof(body) - 1, NULL), -EILSEQ);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_produce),
                cmocka_unit_test(test_verify),
                cmocka_unit_test(test_verify_binary_body),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
