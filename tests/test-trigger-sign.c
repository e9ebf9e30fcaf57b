/* SPDX-License-Identifier: Apache-2.0 */
/* Signed trigger headers (agent/trigger_sign.c): what the coordinator's
 * verifier (lib/httpsig with the trigger policy, then the digest check)
 * accepts, a fresh nonce per attempt, the URL forms, key errors. */
#include "digest.h"
#include "fl_test.h"
#include "httpsig.h"
#include "macro.h"
#include "trigger_sign.h"

#include <openssl/pem.h>
#include <string.h>

#define NOW ((int64_t) 1795751880)

struct fixture {
        char *dir;
        char *key_file;
        EVP_PKEY *key;
};

static int setup(void **state) {
        struct fixture *f = calloc(1, sizeof(*f));
        FILE *out;

        f->dir = fl_test_mkdtemp();
        f->key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
        assert_non_null(f->key);
        assert_true(asprintf(&f->key_file, "%s/node.ed25519", f->dir) > 0);
        out = fopen(f->key_file, "w");
        assert_non_null(out);
        assert_int_equal(PEM_write_PrivateKey(out, f->key, NULL, NULL, 0, NULL, NULL), 1);
        fclose(out);
        *state = f;
        return 0;
}

static int teardown(void **state) {
        struct fixture *f = *state;
        EVP_PKEY_free(f->key);
        fl_test_rm_rf(f->dir);
        free(f->dir);
        free(f->key_file);
        free(f);
        return 0;
}

static int lookup(const char *keyid, void *userdata, EVP_PKEY **ret) {
        if (strcmp(keyid, "node-17") != 0)
                return -ENOKEY;
        *ret = userdata;
        return 0;
}

/* Splits "Name: value" lines into the request the coordinator sees. */
static void verify(const struct fixture *f, const struct fl_signed_headers *h, const char *host,
        const char *target, const char *body, struct fl_httpsig_result *ret) {
        struct fl_http_header headers[FL_SIGNED_HEADERS + 1];
        char names[FL_SIGNED_HEADERS][64];
        struct fl_httpsig_error error = {};
        const char *digest = NULL;
        size_t n = 0;

        for (size_t i = 0; h->lines[i]; i++) {
                const char *colon = strchr(h->lines[i], ':');
                assert_non_null(colon);
                assert_true((size_t) (colon - h->lines[i]) < sizeof(names[0]));
                snprintf(names[n], sizeof(names[n]), "%.*s", (int) (colon - h->lines[i]),
                        h->lines[i]);
                headers[n] = (struct fl_http_header){names[n], colon + 2};
                if (strcmp(names[n], "Content-Digest") == 0)
                        digest = colon + 2;
                n++;
        }
        assert_int_equal(n, FL_SIGNED_HEADERS);
        headers[n++] = (struct fl_http_header){"Host", host};
        struct fl_http_request req = {.method = "POST",
                .scheme = "https",
                .authority = host,
                .request_target = target,
                .headers = headers,
                .n_headers = n};
        struct fl_httpsig_policy policy = {.required_components = fl_httpsig_trigger_required,
                .required_params = FL_HTTPSIG_TRIGGER_REQUIRED_PARAMS,
                .now = NOW + 2,
                .skew_sec = 300,
                .key_lookup = lookup,
                .userdata = f->key};
        if (fl_httpsig_verify(&req, &policy, ret, &error) < 0)
                fail_msg("refused: %s: %s", fl_httpsig_status_to_string(error.status),
                        error.message);
        assert_non_null(digest);
        assert_int_equal(fl_digest_verify(digest, strlen(digest), body, strlen(body), NULL), 0);
}

static void test_sign_verifies(void **state) {
        struct fixture *f = *state;
        const char *body = "{\"node\":\"node-17\",\"idempotency_key\":\"0123456789abcdef\"}";
        struct fl_trigger_signer *s = NULL;
        struct fl_signed_headers h1 = {}, h2 = {};
        struct fl_httpsig_result r1 = {}, r2 = {};

        assert_int_equal(
                fl_trigger_signer_new("https://Coordinator:7443/", f->key_file, "node-17", &s), 0);
        assert_string_equal(fl_trigger_signer_url(s), "https://Coordinator:7443/v1/triggers");
        assert_int_equal(fl_trigger_sign(s, body, strlen(body), NOW, &h1), 0);
        assert_string_equal(h1.lines[0], "Content-Type: application/json");
        assert_string_equal(h1.lines[1], "Accept: application/json");
        assert_null(h1.lines[FL_SIGNED_HEADERS]);
        assert_non_null(strstr(h1.lines[3],
                "Signature-Input: sig1=(\"@method\" \"@authority\" \"@path\" \"content-type\" "
                "\"content-digest\");created=1795751880;keyid=\"node-17\";nonce=\""));

        /* The coordinator's view: Host as curl sends it (case and all). */
        verify(f, &h1, "Coordinator:7443", "/v1/triggers", body, &r1);
        assert_string_equal(r1.keyid, "node-17");
        assert_int_equal(r1.created, NOW);

        /* A retry: same body, new created and nonce. */
        assert_int_equal(fl_trigger_sign(s, body, strlen(body), NOW + 1, &h2), 0);
        verify(f, &h2, "coordinator:7443", "/v1/triggers", body, &r2);
        assert_int_equal(r2.created, NOW + 1);
        assert_string_not_equal(r1.nonce, r2.nonce);
        assert_string_equal(h1.lines[2], h2.lines[2]); /* the digest */

        fl_httpsig_result_done(&r1);
        fl_httpsig_result_done(&r2);
        fl_signed_headers_done(&h1);
        fl_signed_headers_done(&h2);
        assert_null(h1.lines[0]);
        fl_trigger_signer_free(s);
}

static void test_tampering_is_refused(void **state) {
        struct fixture *f = *state;
        const char *body = "{\"node\":\"node-17\"}";
        struct fl_trigger_signer *s = NULL;
        struct fl_signed_headers h = {};
        struct fl_http_header headers[FL_SIGNED_HEADERS + 1];
        char names[FL_SIGNED_HEADERS][64];
        struct fl_httpsig_error error = {};
        size_t n = 0;

        assert_int_equal(
                fl_trigger_signer_new("https://127.0.0.1:7443/prefix", f->key_file, "node-17", &s),
                0);
        assert_string_equal(fl_trigger_signer_url(s), "https://127.0.0.1:7443/prefix/v1/triggers");
        assert_int_equal(fl_trigger_sign(s, body, strlen(body), NOW, &h), 0);
        for (size_t i = 0; h.lines[i]; i++) {
                const char *colon = strchr(h.lines[i], ':');
                snprintf(
                        names[n], sizeof(names[n]), "%.*s", (int) (colon - h.lines[i]), h.lines[i]);
                headers[n] = (struct fl_http_header){names[n], colon + 2};
                n++;
        }
        headers[n++] = (struct fl_http_header){"Host", "127.0.0.1:7443"};
        /* Another path than the one signed. */
        struct fl_http_request req = {.method = "POST",
                .scheme = "https",
                .authority = "127.0.0.1:7443",
                .request_target = "/v1/triggers",
                .headers = headers,
                .n_headers = n};
        struct fl_httpsig_policy policy = {.required_components = fl_httpsig_trigger_required,
                .required_params = FL_HTTPSIG_TRIGGER_REQUIRED_PARAMS,
                .now = NOW,
                .skew_sec = 300,
                .key_lookup = lookup,
                .userdata = f->key};
        assert_int_equal(fl_httpsig_verify(&req, &policy, NULL, &error), -EACCES);
        assert_int_equal(error.status, FL_HTTPSIG_BAD_SIGNATURE);
        req.request_target = "/prefix/v1/triggers";
        assert_int_equal(fl_httpsig_verify(&req, &policy, NULL, &error), 0);
        /* Another body than the one digested. */
        const char *digest = headers[2].value;
        assert_int_equal(fl_digest_verify(digest, strlen(digest), "{}", 2, NULL), -EILSEQ);
        fl_signed_headers_done(&h);
        fl_trigger_signer_free(s);
}

static void test_key_errors(void **state) {
        struct fixture *f = *state;
        struct fl_trigger_signer *s = NULL;
        _cleanup_free_ char *missing = NULL, *notkey = NULL;

        assert_true(asprintf(&missing, "%s/none", f->dir) > 0);
        assert_int_equal(fl_trigger_signer_new("https://c:1", missing, "k", &s), -ENOENT);
        notkey = fl_test_write_file(f->dir, "notkey.pem", "hello\n");
        assert_int_equal(fl_trigger_signer_new("https://c:1", notkey, "k", &s), -EBADMSG);
        assert_null(s);
        assert_null(fl_trigger_signer_free(NULL));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_sign_verifies, setup, teardown),
                cmocka_unit_test_setup_teardown(test_tampering_is_refused, setup, teardown),
                cmocka_unit_test_setup_teardown(test_key_errors, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
