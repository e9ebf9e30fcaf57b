/* SPDX-License-Identifier: Apache-2.0 */
/*
 * lib/httpsig*.c against RFC 9421 itself and against every way a signature
 * can be refused.
 *
 * The RFC's Appendix B.2 examples come with their keys (B.1.2 test-key-rsa-pss,
 * B.1.4 test-key-ed25519) and signatures. Our signature bases must equal the
 * printed ones byte for byte, and each published signature must verify over
 * the base we build: RSA-PSS checked here with OpenSSL directly (our library
 * only does Ed25519), Ed25519 (B.2.6) through fl_httpsig_verify(), and our
 * signer must reproduce B.2.6's signature (Ed25519 is deterministic).
 */
#include <errno.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "digest.h"
#include "fl_test.h"
#include "httpsig.h"
#include "macro.h"

/* Table rows leave their trailing fields zero. */
#pragma clang diagnostic ignored "-Wmissing-field-initializers"

/* RFC 9421 B.1.4 */
static const char ed25519_private_pem[] =
        "-----BEGIN PRIVATE KEY-----\n"
        "MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF\n"
        "-----END PRIVATE KEY-----\n";
static const char ed25519_public_pem[] =
        "-----BEGIN PUBLIC KEY-----\n"
        "MCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=\n"
        "-----END PUBLIC KEY-----\n";
/* RFC 9421 B.1.2 */
static const char rsa_pss_public_pem[] =
        "-----BEGIN PUBLIC KEY-----\n"
        "MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAr4tmm3r20Wd/PbqvP1s2\n"
        "+QEtvpuRaV8Yq40gjUR8y2Rjxa6dpG2GXHbPfvMs8ct+Lh1GH45x28Rw3Ry53mm+\n"
        "oAXjyQ86OnDkZ5N8lYbggD4O3w6M6pAvLkhk95AndTrifbIFPNU8PPMO7OyrFAHq\n"
        "gDsznjPFmTOtCEcN2Z1FpWgchwuYLPL+Wokqltd11nqqzi+bJ9cvSKADYdUAAN5W\n"
        "Utzdpiy6LbTgSxP7ociU4Tn0g5I6aDZJ7A8Lzo0KSyZYoA485mqcO0GVAdVw9lq4\n"
        "aOT9v6d+nb4bnNkQVklLQ3fVAvJm+xdDOp9LCNCN48V2pnDOkFV6+U9nV5oyc6XI\n"
        "2wIDAQAB\n"
        "-----END PUBLIC KEY-----\n";

#define RFC_DIGEST          \
        "sha-512=:WZDPaVn/" \
        "7XgHaAy8pmojAkGWoRx2UFChF41A2svX+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:"

/* RFC 9421 B.2 test-request:
 *   POST /foo?param=Value&Pet=dog HTTP/1.1
 *   Host: example.com
 *   Date: Tue, 20 Apr 2021 02:07:55 GMT
 *   Content-Type: application/json
 *   Content-Digest: sha-512=:WZDPaVn/...:
 *   Content-Length: 18
 *
 *   {"hello": "world"}
 */
static const struct fl_http_header rfc_headers[] = {
        {"Host", "example.com"},
        {"Date", "Tue, 20 Apr 2021 02:07:55 GMT"},
        {"Content-Type", "application/json"},
        {"Content-Digest", RFC_DIGEST},
        {"Content-Length", "18"},
};

static const struct fl_http_request rfc_request = {
        .method = "POST",
        .target_uri = "https://example.com/foo?param=Value&Pet=dog",
        .headers = rfc_headers,
        .n_headers = ELEMENTSOF(rfc_headers),
};

/* The same request as a server sees it: Host header and request line. */
static const struct fl_http_request rfc_request_server = {
        .method = "POST",
        .scheme = "https",
        .authority = "example.com",
        .request_target = "/foo?param=Value&Pet=dog",
        .headers = rfc_headers,
        .n_headers = ELEMENTSOF(rfc_headers),
};

enum vector_alg { RSA_PSS_SHA512, ED25519 };

struct rfc_vector {
        const char *section;
        const char *params;
        const char *base;
        enum vector_alg alg;
        const char *signature;
};

static const struct rfc_vector rfc_vectors[] = {
        {"B.2.1 minimal",
                "();created=1618884473;keyid=\"test-key-rsa-pss\";nonce=\"b3k2pp5k7z-50gnwp.yemd\"",
                "\"@signature-params\": ();created=1618884473;keyid=\"test-key-rsa-pss\";nonce="
                "\"b3k2pp5k7z-50gnwp.yemd\"",
                RSA_PSS_SHA512,
                "d2pmTvmbncD3xQm8E9ZV2828BjQWGgiwAaw5bAkgibUopemLJcWDy/"
                "lkbbHAve4cRAtx31Iq786U7it++wgGx"
                "btRxf8Udx7zFZsckzXaJMkA7ChG52eSkFxykJeNqsrWH5S+oxNFlD4dzVuwe8DhTSja8xxbR/"
                "Z2cOGdCbzR7"
                "2rgFWhzx2VjBqJzsPLMIQKhO4DGezXehhWwE56YCE+"
                "O6c0mKZsfxVrogUvA4HELjVKWmAvtl6UnCh8jYzuV"
                "G5WSb/QEVPnP5TmcAnLH1g+s++v6d4s8m0gCw1fV5/"
                "SITLq9mhho8K3+7EPYTU8IU1bLhdxO5Nyt8C8ssin"
                "Q98Xw9Q=="},
        {"B.2.2 selective",
                "(\"@authority\" \"content-digest\" "
                "\"@query-param\";name=\"Pet\");created=1618884473;keyid=\"test-key-rsa-pss\";tag="
                "\"header-example\"",
                "\"@authority\": example.com\n"
                "\"content-digest\": " RFC_DIGEST "\n"
                "\"@query-param\";name=\"Pet\": dog\n"
                "\"@signature-params\": (\"@authority\" \"content-digest\" \"@query-param\";name="
                "\"Pet\");created=1618884473;keyid=\"test-key-rsa-pss\";tag=\"header-example\"",
                RSA_PSS_SHA512,
                "LjbtqUbfmvjj5C5kr1Ugj4PmLYvx9wVjZvD9GsTT4F7GrcQEdJzgI9qHxICagShLRiLMlAJjtq6N4CDfKt"
                "jvu"
                "JyE5qH7KT8UCMkSowOB4+ECxCmT8rtAmj/0PIXxi0A0nxKyB09RNrCQibbUjsLS/"
                "2YyFYXEu4TRJQzRw1rL"
                "EuEfY17SARYhpTlaqwZVtR8NV7+4UKkjqpcAoFqWFQh62s7Cl+H2fjBSpqfZUJcsIk4N6wiKYd4je2U/"
                "lan"
                "kenQ99PZfB4jY3I5rSV2DSBVkSFsURIjYErOs0tFTQosMTAoxk//0RoKUqiYY8Bh0aaUEb0rQl3/"
                "XaVe4bX"
                "TugEjHSw=="},
        {"B.2.3 full coverage",
                "(\"date\" \"@method\" \"@path\" \"@query\" \"@authority\" \"content-type\" "
                "\"content-digest\" "
                "\"content-length\");created=1618884473;keyid=\"test-key-rsa-pss\"",
                "\"date\": Tue, 20 Apr 2021 02:07:55 GMT\n"
                "\"@method\": POST\n"
                "\"@path\": /foo\n"
                "\"@query\": ?param=Value&Pet=dog\n"
                "\"@authority\": example.com\n"
                "\"content-type\": application/json\n"
                "\"content-digest\": " RFC_DIGEST "\n"
                "\"content-length\": 18\n"
                "\"@signature-params\": (\"date\" \"@method\" \"@path\" \"@query\" \"@authority\" "
                "\"content-type\" \"content-digest\" \"content-length\");created=1618884473;keyid="
                "\"test-key-rsa-pss\"",
                RSA_PSS_SHA512,
                "bbN8oArOxYoyylQQUU6QYwrTuaxLwjAC9fbY2F6SVWvh0yBiMIRGOnMYwZ/"
                "5MR6fb0Kh1rIRASVxFkeGt683+"
                "qRpRRU5p2voTp768ZrCUb38K0fUxN0O0iC59DzYx8DFll5GmydPxSmme9v6ULbMFkl+V5B1TP/"
                "yPViV7KsL"
                "NmvKiLJH1pFkh/aYA2HXXZzNBXmIkoQoLd7YfW91kE9o/"
                "CCoC1xMy7JA1ipwvKvfrs65ldmlu9bpG6A9Bmz"
                "huzF8Eim5f8ui9eH8LZH896+"
                "QIF61ka39VBrohr9iyMUJpvRX2Zbhl5ZJzSRxpJyoEZAFL2FUo5fTIztsDZ"
                "KEgM4cUA=="},
        {"B.2.6 ed25519",
                "(\"date\" \"@method\" \"@path\" \"@authority\" \"content-type\" "
                "\"content-length\");created=1618884473;keyid=\"test-key-ed25519\"",
                "\"date\": Tue, 20 Apr 2021 02:07:55 GMT\n"
                "\"@method\": POST\n"
                "\"@path\": /foo\n"
                "\"@authority\": example.com\n"
                "\"content-type\": application/json\n"
                "\"content-length\": 18\n"
                "\"@signature-params\": (\"date\" \"@method\" \"@path\" \"@authority\" "
                "\"content-type\" "
                "\"content-length\");created=1618884473;keyid=\"test-key-ed25519\"",
                ED25519,
                "wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpB"
                "KRC"
                "w=="},
};

#define B26_INPUT                                                                  \
        "sig-b26=(\"date\" \"@method\" \"@path\" \"@authority\" \"content-type\" " \
        "\"content-length\");created=1618884473;keyid=\"test-key-ed25519\""
#define B26_SIGNATURE                                                                       \
        "sig-b26=:"                                                                         \
        "wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPp" \
        "BKRCw==:"

static EVP_PKEY *key_from_pem(const char *pem, bool private) {
        EVP_PKEY *key = NULL;
        BIO *bio = BIO_new_mem_buf(pem, -1);

        assert_non_null(bio);
        key = private ? PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL)
                      : PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
        BIO_free(bio);
        assert_non_null(key);
        return key;
}

/* Verifies an RFC signature over our base with OpenSSL directly. */
static bool rfc_signature_verifies(const struct rfc_vector *v, const char *base) {
        _cleanup_evp_pkey_ EVP_PKEY *key = NULL;
        _cleanup_free_ uint8_t *sig = NULL;
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        EVP_PKEY_CTX *pctx = NULL;
        size_t sig_len;
        int ok = 0;

        assert_int_equal(fl_base64_decode(v->signature, strlen(v->signature), &sig, &sig_len), 0);
        if (v->alg == ED25519) {
                key = key_from_pem(ed25519_public_pem, false);
                assert_int_equal(EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, key), 1);
        } else {
                key = key_from_pem(rsa_pss_public_pem, false);
                assert_int_equal(EVP_DigestVerifyInit(ctx, &pctx, EVP_sha512(), NULL, key), 1);
                assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(pctx, RSA_PKCS1_PSS_PADDING), 1);
                assert_int_equal(EVP_PKEY_CTX_set_rsa_pss_saltlen(pctx, 64), 1);
                assert_int_equal(EVP_PKEY_CTX_set_rsa_mgf1_md(pctx, EVP_sha512()), 1);
        }
        ok = EVP_DigestVerify(ctx, sig, sig_len, (const unsigned char *) base, strlen(base));
        EVP_MD_CTX_free(ctx);
        return ok == 1;
}

static void test_rfc_signature_bases(void **state) {
        const struct fl_http_request *views[] = {&rfc_request, &rfc_request_server};

        for (size_t i = 0; i < ELEMENTSOF(rfc_vectors); i++)
                for (size_t k = 0; k < ELEMENTSOF(views); k++) {
                        const struct rfc_vector *v = &rfc_vectors[i];
                        struct fl_httpsig_error e = {};
                        _cleanup_free_ char *base = NULL;

                        if (fl_httpsig_signature_base(views[k], v->params, &base, &e) != 0)
                                fail_msg("%s: %s", v->section, e.message);
                        if (strcmp(base, v->base) != 0)
                                fail_msg("%s: base differs:\n%s\n---- want ----\n%s", v->section,
                                        base, v->base);
                        if (!rfc_signature_verifies(v, base))
                                fail_msg("%s: the RFC's signature does not verify", v->section);
                }
}

static int lookup_rfc_key(const char *keyid, void *userdata, EVP_PKEY **ret_key) {
        if (strcmp(keyid, "test-key-ed25519") != 0)
                return -ENOKEY;
        *ret_key = userdata;
        return 0;
}

static void test_rfc_b26_verify(void **state) {
        _cleanup_evp_pkey_ EVP_PKEY *pub = NULL;
        struct fl_http_header headers[ELEMENTSOF(rfc_headers) + 2];
        struct fl_http_request req = rfc_request_server;
        static const char *const required[] = {"date", "@method", "@path|@target-uri", NULL};
        struct fl_httpsig_result res = {};
        struct fl_httpsig_error e = {};

        assert_int_equal(
                fl_httpsig_parse_public_key(ed25519_public_pem, strlen(ed25519_public_pem), &pub),
                0);
        memcpy(headers, rfc_headers, sizeof(rfc_headers));
        headers[ELEMENTSOF(rfc_headers)] = (struct fl_http_header){"Signature-Input", B26_INPUT};
        headers[ELEMENTSOF(rfc_headers) + 1] = (struct fl_http_header){"signature", B26_SIGNATURE};
        req.headers = headers;
        req.n_headers = ELEMENTSOF(headers);

        struct fl_httpsig_policy policy = {
                .required_components = required,
                .required_params = FL_HTTPSIG_PARAM_CREATED | FL_HTTPSIG_PARAM_KEYID,
                .now = 1618884473 + 60,
                .skew_sec = 300,
                .key_lookup = lookup_rfc_key,
                .userdata = pub,
        };
        if (fl_httpsig_verify(&req, &policy, &res, &e) != 0)
                fail_msg("%s: %s", fl_httpsig_status_to_string(e.status), e.message);
        assert_int_equal(e.status, FL_HTTPSIG_OK);
        assert_string_equal(res.label, "sig-b26");
        assert_string_equal(res.keyid, "test-key-ed25519");
        assert_null(res.nonce);
        assert_null(res.tag);
        assert_int_equal(res.created, 1618884473);
        assert_int_equal(res.params, FL_HTTPSIG_PARAM_CREATED | FL_HTTPSIG_PARAM_KEYID);
        fl_httpsig_result_done(&res);
        assert_null(res.label);

        /* One bit less and it fails. */
        headers[ELEMENTSOF(rfc_headers) + 1].value =
                "sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1u02Gb04v9EDgwUPiu4A0w6vu"
                "Qv5lIp5WPpBKRCQ==:";
        assert_int_equal(fl_httpsig_verify(&req, &policy, &res, &e), -EACCES);
        assert_int_equal(e.status, FL_HTTPSIG_BAD_SIGNATURE);
        assert_null(res.label);
}

static void test_rfc_b26_sign(void **state) {
        _cleanup_evp_pkey_ EVP_PKEY *key = NULL;
        _cleanup_free_ char *input = NULL, *signature = NULL;
        static const char *const components[] = {
                "date", "@method", "@path", "@authority", "content-type", "content-length", NULL};
        struct fl_httpsig_sign_params p = {
                .components = components,
                .label = "sig-b26",
                .keyid = "test-key-ed25519",
                .created = 1618884473,
                .flags = FL_HTTPSIG_SIGN_NO_NONCE,
        };
        struct fl_httpsig_error e = {};

        assert_int_equal(fl_httpsig_parse_private_key(
                                 ed25519_private_pem, strlen(ed25519_private_pem), &key),
                0);
        if (fl_httpsig_sign(&rfc_request, &p, key, &input, &signature, &e) != 0)
                fail_msg("%s", e.message);
        assert_string_equal(input, B26_INPUT);
        assert_string_equal(signature, B26_SIGNATURE);
}

/* ---- component values (RFC 9421 section 2 examples) ---- */

/* RFC 9421 section 2.1's example fields, and 2.1.3's. */
static const struct fl_http_header field_headers[] = {
        {"Host", "www.example.com"},
        {"Date", "Tue, 20 Apr 2021 02:07:56 GMT"},
        {"X-OWS-Header", "   Leading and trailing whitespace.   "},
        {"X-Obs-Fold-Header", "Obsolete\r\n    line folding."},
        {"Cache-Control", "max-age=60"},
        {"Cache-Control", "   must-revalidate"},
        {"Example-Dict", " a=1,    b=2;x=1;y=2,   c=(a   b   c)"},
        {"X-Empty-Header", ""},
        {"Example-Header", "value, with, lots"},
        {"Example-Header", "of, commas"},
        {"X-Bad", "a\nb"},
        {"X-Latin1", "caf\xe9"},
        {"X-Bare-Cr", "a\rb"},
};

struct component_case {
        const char *name;
        const char *component; /* serialised identifier */
        const char *value;     /* expected value, or NULL on error */
        enum fl_httpsig_status status;
        const char *message;
        const char *method;
        const char *target_uri; /* or the three below */
        const char *scheme, *authority, *request_target;
};

#define URI(u)          .method = "GET", .target_uri = u
#define PIECES(s, a, t) .method = "GET", .scheme = s, .authority = a, .request_target = t

static const struct component_case component_cases[] = {
        /* 2.2 derived components */
        {"@method", "\"@method\"", "POST", .method = "POST", .target_uri = "https://example.com/"},
        {"@method case kept", "\"@method\"", "pOsT", .method = "pOsT",
                .target_uri = "https://example.com/"},
        {"@target-uri", "\"@target-uri\"", "https://www.example.com/path?param=value",
                URI("https://www.example.com/path?param=value")},
        {"@target-uri drops the fragment", "\"@target-uri\"", "https://www.example.com/p?q",
                URI("https://www.example.com/p?q#frag")},
        {"@target-uri empty path", "\"@target-uri\"", "https://example.com/",
                URI("https://example.com")},
        {"@target-uri from pieces", "\"@target-uri\"", "https://www.example.com/path?param=value",
                PIECES("https", "www.example.com", "/path?param=value")},
        {"@authority", "\"@authority\"", "www.example.com", URI("https://www.example.com/path")},
        {"@authority lowercased", "\"@authority\"", "www.example.com",
                URI("https://WWW.Example.COM/")},
        {"@authority default https port", "\"@authority\"", "example.com",
                URI("https://example.com:443/")},
        {"@authority default http port", "\"@authority\"", "example.com",
                URI("http://example.com:80/")},
        {"@authority port with zeros", "\"@authority\"", "example.com",
                URI("https://example.com:0443/")},
        {"@authority other port", "\"@authority\"", "example.com:8443",
                URI("https://example.com:8443/")},
        {"@authority http port on https", "\"@authority\"", "example.com:80",
                URI("https://example.com:80/")},
        {"@authority empty port", "\"@authority\"", "example.com", URI("https://example.com:/")},
        {"@authority IPv6", "\"@authority\"", "[::1]", URI("https://[::1]:443/")},
        {"@authority IPv6 port", "\"@authority\"", "[::1]:7443", URI("https://[::1]:7443/")},
        {"@authority from Host", "\"@authority\"", "coordinator:7443",
                PIECES("https", "Coordinator:7443", "/v1/triggers")},
        {"@scheme", "\"@scheme\"", "https", URI("HTTPS://example.com/")},
        {"@request-target", "\"@request-target\"", "/path?param=value",
                URI("https://www.example.com/path?param=value")},
        {"@request-target no query", "\"@request-target\"", "/path",
                URI("https://www.example.com/path")},
        {"@path", "\"@path\"", "/path", URI("https://www.example.com/path?param=value")},
        {"@path empty", "\"@path\"", "/", URI("https://www.example.com?x=1")},
        {"@path encoded kept", "\"@path\"", "/a%2Fb/c", URI("https://e.com/a%2Fb/c")},
        {"@query", "\"@query\"", "?param=value&foo=bar&baz=bat%2Dman",
                URI("https://www.example.com/path?param=value&foo=bar&baz=bat%2Dman")},
        {"@query absent", "\"@query\"", "?", URI("https://www.example.com/path")},
        {"@query empty", "\"@query\"", "?", URI("https://www.example.com/path?")},
        {"@query from pieces", "\"@query\"", "?a=1", PIECES("https", "e.com", "/p?a=1")},
        /* 2.2.8 */
        {"@query-param baz", "\"@query-param\";name=\"baz\"", "batman",
                URI("https://www.example.com/path?param=value&foo=bar&baz=batman&qux=")},
        {"@query-param empty value", "\"@query-param\";name=\"qux\"", "",
                URI("https://www.example.com/path?param=value&foo=bar&baz=batman&qux=")},
        {"@query-param param", "\"@query-param\";name=\"param\"", "value",
                URI("https://www.example.com/path?param=value&foo=bar&baz=batman&qux=")},
        {"@query-param encoded value", "\"@query-param\";name=\"var\"",
                "this%20is%20a%20big%0Amultiline%20value",
                URI("https://www.example.com/"
                    "parameters?var=this%20is%20a%20big%0Amultiline%20value&bar=with+plus+"
                    "whitespace&fa%C3%A7ade%22%3A%20=something")},
        {"@query-param plus is space", "\"@query-param\";name=\"bar\"", "with%20plus%20whitespace",
                URI("https://www.example.com/"
                    "parameters?var=this%20is%20a%20big%0Amultiline%20value&bar=with+plus+"
                    "whitespace&fa%C3%A7ade%22%3A%20=something")},
        {"@query-param encoded name", "\"@query-param\";name=\"fa%C3%A7ade%22%3A%20\"", "something",
                URI("https://www.example.com/"
                    "parameters?var=this%20is%20a%20big%0Amultiline%20value&bar=with+plus+"
                    "whitespace&fa%C3%A7ade%22%3A%20=something")},
        {"@query-param lowercase hex name", "\"@query-param\";name=\"a%2fb\"", "1",
                URI("https://e.com/?a%2fb=1")},
        {"@query-param tilde encoded", "\"@query-param\";name=\"a\"", "%7Ex*y",
                URI("https://e.com/?a=~x*y")},
        {"@query-param without '='", "\"@query-param\";name=\"flag\"", "",
                URI("https://e.com/?flag&x=1")},
        {"@query-param empty segments", "\"@query-param\";name=\"x\"", "1",
                URI("https://e.com/?&&x=1&&")},
        {"@query-param missing", "\"@query-param\";name=\"y\"", NULL,
                FL_HTTPSIG_UNAVAILABLE_COMPONENT, "the query has no parameter \"y\"",
                URI("https://e.com/?x=1")},
        {"@query-param no query", "\"@query-param\";name=\"y\"", NULL,
                FL_HTTPSIG_UNAVAILABLE_COMPONENT, "the query has no parameter \"y\"",
                URI("https://e.com/")},
        {"@query-param repeated", "\"@query-param\";name=\"a\"", NULL,
                FL_HTTPSIG_UNAVAILABLE_COMPONENT, "query parameter \"a\" occurs 2 times",
                URI("https://e.com/?a=1&b=2&a=3")},
        {"@query-param without name", "\"@query-param\"", NULL, FL_HTTPSIG_MALFORMED_HEADER,
                "\"@query-param\" needs a name parameter", URI("https://e.com/?a=1")},
        {"@query-param name not a string", "\"@query-param\";name=a", NULL,
                FL_HTTPSIG_MALFORMED_HEADER, "\"@query-param\" has a name that is not a String",
                URI("https://e.com/?a=1")},

        /* derivation problems */
        {"method with space", "\"@method\"", NULL, FL_HTTPSIG_UNAVAILABLE_COMPONENT,
                "@method: the method is not a token", .method = "GE T",
                .target_uri = "https://e.com/"},
        {"no method", "\"@method\"", NULL, FL_HTTPSIG_UNAVAILABLE_COMPONENT,
                "@method: the request has no method", .target_uri = "https://e.com/"},
        {"target with space", "\"@path\"", NULL, FL_HTTPSIG_UNAVAILABLE_COMPONENT,
                "@path: the request target has a character that is not visible ASCII",
                URI("https://e.com/a b")},
        {"target with newline", "\"@request-target\"", NULL, FL_HTTPSIG_UNAVAILABLE_COMPONENT,
                "@request-target: the request target has a character that is not visible ASCII",
                PIECES("https", "e.com", "/a\n\"x\": y")},
        {"relative target URI", "\"@path\"", NULL, FL_HTTPSIG_UNAVAILABLE_COMPONENT,
                "@path: the target URI is not absolute", URI("/path")},
        {"target URI without authority", "\"@path\"", NULL, FL_HTTPSIG_UNAVAILABLE_COMPONENT,
                "@path: the target URI has no authority", URI("https:///path")},
        {"asterisk target", "\"@path\"", NULL, FL_HTTPSIG_UNAVAILABLE_COMPONENT,
                "@path: the request target is not in origin form", PIECES("https", "e.com", "*")},
        {"no target", "\"@query\"", NULL, FL_HTTPSIG_UNAVAILABLE_COMPONENT,
                "@query: the request has no target", PIECES("https", "e.com", NULL)},
        {"no authority", "\"@authority\"", NULL, FL_HTTPSIG_UNAVAILABLE_COMPONENT,
                "@authority: the request has no authority", PIECES("https", NULL, "/")},
        {"no scheme", "\"@target-uri\"", NULL, FL_HTTPSIG_UNAVAILABLE_COMPONENT,
                "@target-uri: the request has no scheme", PIECES(NULL, "e.com", "/")},
        {"authority with space", "\"@authority\"", NULL, FL_HTTPSIG_UNAVAILABLE_COMPONENT,
                "@authority: the scheme or authority is empty or has a character that is not "
                "visible ASCII",
                PIECES("https", "e. com", "/")},
        {"unknown derived component", "\"@foo\"", NULL, FL_HTTPSIG_UNSUPPORTED_COMPONENT,
                "derived component \"@foo\" is not supported", URI("https://e.com/")},
        {"@status in a request", "\"@status\"", NULL, FL_HTTPSIG_UNSUPPORTED_COMPONENT,
                "derived component \"@status\" is not supported", URI("https://e.com/")},
        {"req parameter", "\"@method\";req", NULL, FL_HTTPSIG_UNSUPPORTED_COMPONENT,
                "parameter \"req\" on \"@method\" is not supported", URI("https://e.com/")},
        {"@signature-params covered", "\"@signature-params\"", NULL, FL_HTTPSIG_MALFORMED_HEADER,
                "\"@signature-params\" cannot be a covered component", URI("https://e.com/")},
        {"component is a token", "date", NULL, FL_HTTPSIG_MALFORMED_HEADER,
                "a covered component is a Token, not a String", URI("https://e.com/")},

        /* 2.1 fields */
        {"plain field", "\"date\"", "Tue, 20 Apr 2021 02:07:56 GMT", URI("https://e.com/")},
        {"whitespace trimmed", "\"x-ows-header\"", "Leading and trailing whitespace.",
                URI("https://e.com/")},
        {"obs-fold", "\"x-obs-fold-header\"", "Obsolete line folding.", URI("https://e.com/")},
        {"lines combined", "\"cache-control\"", "max-age=60, must-revalidate",
                URI("https://e.com/")},
        {"inner whitespace kept", "\"example-dict\"", "a=1,    b=2;x=1;y=2,   c=(a   b   c)",
                URI("https://e.com/")},
        {"empty field", "\"x-empty-header\"", "", URI("https://e.com/")},
        {"commas in lines", "\"example-header\"", "value, with, lots, of, commas",
                URI("https://e.com/")},
        /* 2.1.2 */
        {"key a", "\"example-dict\";key=\"a\"", "1", URI("https://e.com/")},
        {"key b", "\"example-dict\";key=\"b\"", "2;x=1;y=2", URI("https://e.com/")},
        {"key c", "\"example-dict\";key=\"c\"", "(a b c)", URI("https://e.com/")},
        {"key absent", "\"example-dict\";key=\"d\"", NULL, FL_HTTPSIG_UNAVAILABLE_COMPONENT,
                "field \"example-dict\" has no member \"d\"", URI("https://e.com/")},
        {"key on a non-dictionary", "\"date\";key=\"a\"", NULL, FL_HTTPSIG_UNAVAILABLE_COMPONENT,
                "field \"date\" is not a valid Dictionary", URI("https://e.com/")},
        {"key on an absent field", "\"x-none\";key=\"a\"", NULL, FL_HTTPSIG_UNAVAILABLE_COMPONENT,
                "the message has no \"x-none\" field", URI("https://e.com/")},
        {"key not a string", "\"example-dict\";key=a", NULL, FL_HTTPSIG_MALFORMED_HEADER,
                "\"example-dict\" has a key parameter that is not a String", URI("https://e.com/")},
        /* 2.1.3 */
        {"bs", "\"example-header\";bs",
                ":dmFsdWUsIHdpdGgsIGxvdHM=:, :b2YsIGNvbW1hcw==:", URI("https://e.com/")},
        {"bs holds non-ASCII", "\"x-latin1\";bs", ":Y2Fm6Q==:", URI("https://e.com/")},
        {"bs not true", "\"example-header\";bs=?0", NULL, FL_HTTPSIG_MALFORMED_HEADER,
                "\"example-header\" has a bs parameter that is not ?1", URI("https://e.com/")},
        {"bs and key", "\"example-dict\";key=\"a\";bs", NULL, FL_HTTPSIG_MALFORMED_HEADER,
                "\"example-dict\" combines the key and bs parameters", URI("https://e.com/")},
        {"sf unsupported", "\"example-dict\";sf", NULL, FL_HTTPSIG_UNSUPPORTED_COMPONENT,
                "parameter \"sf\" on \"example-dict\" is not supported", URI("https://e.com/")},
        {"tr unsupported", "\"date\";tr", NULL, FL_HTTPSIG_UNSUPPORTED_COMPONENT,
                "parameter \"tr\" on \"date\" is not supported", URI("https://e.com/")},
        {"absent field", "\"x-missing\"", NULL, FL_HTTPSIG_UNAVAILABLE_COMPONENT,
                "the message has no \"x-missing\" field", URI("https://e.com/")},
        {"uppercase field name", "\"Date\"", NULL, FL_HTTPSIG_MALFORMED_HEADER,
                "covered component \"Date\" is not a lowercase field name", URI("https://e.com/")},
        {"field name with space", "\"da te\"", NULL, FL_HTTPSIG_MALFORMED_HEADER,
                "covered component \"da te\" is not a lowercase field name", URI("https://e.com/")},
        {"empty field name", "\"\"", NULL, FL_HTTPSIG_MALFORMED_HEADER,
                "a covered component has an empty name", URI("https://e.com/")},
        {"newline in a value", "\"x-bad\"", NULL, FL_HTTPSIG_UNAVAILABLE_COMPONENT,
                "field \"x-bad\" has a control or non-ASCII character", URI("https://e.com/")},
        {"bare CR in a value", "\"x-bare-cr\"", NULL, FL_HTTPSIG_UNAVAILABLE_COMPONENT,
                "field \"x-bare-cr\" has a control or non-ASCII character", URI("https://e.com/")},
        {"non-ASCII in a value", "\"x-latin1\"", NULL, FL_HTTPSIG_UNAVAILABLE_COMPONENT,
                "field \"x-latin1\" has a control or non-ASCII character", URI("https://e.com/")},
};

static void test_components(void **state) {
        unsigned failed = 0;

        for (size_t i = 0; i < ELEMENTSOF(component_cases); i++) {
                const struct component_case *c = &component_cases[i];
                struct fl_http_request req = {
                        .method = c->method,
                        .target_uri = c->target_uri,
                        .scheme = c->scheme,
                        .authority = c->authority,
                        .request_target = c->request_target,
                        .headers = field_headers,
                        .n_headers = ELEMENTSOF(field_headers),
                };
                struct fl_httpsig_error e = {};
                _cleanup_free_ char *params = NULL, *base = NULL, *want = NULL;
                int r;

                assert_true(asprintf(&params, "(%s)", c->component) > 0);
                r = fl_httpsig_signature_base(&req, params, &base, &e);
                if (c->value) {
                        assert_true(asprintf(&want, "%s: %s\n\"@signature-params\": %s",
                                            c->component, c->value, params) > 0);
                        if (r != 0 || strcmp(base, want) != 0) {
                                print_error("%s: got %d \"%s\" (%s), want \"%s\"\n", c->name, r,
                                        base ? base : "", e.message, want);
                                failed++;
                        }
                } else if (r != -EINVAL || e.status != c->status ||
                           strcmp(e.message, c->message) != 0) {
                        print_error("%s: got %d %s \"%s\", want %s \"%s\"\n", c->name, r,
                                fl_httpsig_status_to_string(e.status), e.message,
                                fl_httpsig_status_to_string(c->status), c->message);
                        failed++;
                }
        }
        assert_int_equal(failed, 0);
}

struct base_error_case {
        const char *params;
        const char *message;
};

static void test_signature_params_errors(void **state) {
        static const struct base_error_case cases[] = {
                {"\"@method\"", "signature parameters are not one Inner List"},
                {"(\"@method\"), (\"@path\")", "signature parameters are not one Inner List"},
                {"(\"@method\"", "signature parameters: inner list is not terminated at offset 10"},
                {"(\"@method\" \"@method\")", "component \"@method\" is covered twice"},
                {"(\"@query-param\";name=\"a\" \"@query-param\";name=\"a\")",
                        "component \"@query-param\" is covered twice"},
                {"();created=\"1\"", "parameter created has type String, expected Integer"},
                {"();keyid=1", "parameter keyid has type Integer, expected String"},
                {"();nonce=abc", "parameter nonce has type Token, expected String"},
                {"();alg=?1", "parameter alg has type Boolean, expected String"},
                {"();expires=1.5", "parameter expires has type Decimal, expected Integer"},
                {"();tag=:AA==:", "parameter tag has type Byte Sequence, expected String"},
                {"();created=-1", "created and expires cannot be negative"},
                {"();created=10;expires=9", "expires 9 is before created 10"},
        };
        unsigned failed = 0;

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct fl_httpsig_error e = {};
                char *base = NULL;
                int r = fl_httpsig_signature_base(&rfc_request, cases[i].params, &base, &e);

                if (r != -EINVAL || e.status != FL_HTTPSIG_MALFORMED_HEADER ||
                        strcmp(e.message, cases[i].message) != 0) {
                        print_error("%s: got %d %s\n", cases[i].params, r, e.message);
                        failed++;
                }
                assert_null(base);
        }
        assert_int_equal(failed, 0);

        /* Same name, different parameters: two components. */
        _cleanup_free_ char *base = NULL;
        assert_int_equal(
                fl_httpsig_signature_base(&rfc_request,
                        "(\"@query-param\";name=\"Pet\" \"@query-param\";name=\"param\");x=1",
                        &base, NULL),
                0);
        assert_string_equal(base, "\"@query-param\";name=\"Pet\": dog\n"
                                  "\"@query-param\";name=\"param\": Value\n"
                                  "\"@signature-params\": (\"@query-param\";name=\"Pet\" "
                                  "\"@query-param\";name=\"param\");x=1");
}

static void test_base_size_cap(void **state) {
        _cleanup_free_ char *big = malloc(40000), *base = NULL;
        struct fl_http_header h[2];
        struct fl_http_request req = {
                .method = "GET", .target_uri = "https://e.com/", .headers = h, .n_headers = 2};
        struct fl_httpsig_error e = {};

        memset(big, 'a', 39999);
        big[39999] = '\0';
        h[0] = (struct fl_http_header){"x-big", big};
        h[1] = (struct fl_http_header){"x-big", big};
        assert_int_equal(fl_httpsig_signature_base(&req, "(\"x-big\")", &base, &e), -EINVAL);
        assert_int_equal(e.status, FL_HTTPSIG_MALFORMED_HEADER);
        assert_string_equal(e.message, "the signature base would exceed 65536 bytes");
        h[1].name = "x-other";
        assert_int_equal(fl_httpsig_signature_base(&req, "(\"x-big\")", &base, &e), 0);
}

/* ---- signing and verifying the trigger profile ---- */

#define NOW  INT64_C(1700000000)
#define SKEW 300
#define BODY "{\"node\":\"node-17\",\"workflow\":\"disk-replace\",\"idempotency_key\":\"k1\"}"

struct keys {
        EVP_PKEY *good;  /* node-17's key, signs and verifies */
        EVP_PKEY *other; /* another Ed25519 key */
        EVP_PKEY *ec;    /* not Ed25519 */
};

static int setup_keys(void **state) {
        struct keys *k = calloc(1, sizeof(*k));

        k->good = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
        k->other = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
        k->ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
        if (!k->good || !k->other || !k->ec)
                return -1;
        *state = k;
        return 0;
}

static int teardown_keys(void **state) {
        struct keys *k = *state;

        EVP_PKEY_free(k->good);
        EVP_PKEY_free(k->other);
        EVP_PKEY_free(k->ec);
        free(k);
        return 0;
}

enum lookup_mode { LOOKUP_GOOD, LOOKUP_OTHER, LOOKUP_EC, LOOKUP_FAIL, LOOKUP_NULL };

struct lookup {
        struct keys *keys;
        enum lookup_mode mode;
        unsigned calls;
};

static int lookup(const char *keyid, void *userdata, EVP_PKEY **ret_key) {
        struct lookup *l = userdata;

        l->calls++;
        if (l->mode == LOOKUP_FAIL)
                return -EIO;
        if (strcmp(keyid, "node-17") != 0)
                return -ENOKEY;
        switch (l->mode) {
        case LOOKUP_GOOD:
                *ret_key = l->keys->good;
                break;
        case LOOKUP_OTHER:
                *ret_key = l->keys->other;
                break;
        case LOOKUP_EC:
                *ret_key = l->keys->ec;
                break;
        default:
                *ret_key = NULL;
                break;
        }
        return 0;
}

/* A trigger request the agent would send, with room for the signature. */
struct message {
        struct fl_http_header h[16];
        size_t n;
        char *owned[8];
        size_t n_owned;
        struct fl_http_request req;
};

static void message_init(struct message *m, const char *body) {
        char *digest = NULL;

        *m = (struct message){};
        assert_int_equal(fl_digest_content_digest(body, strlen(body), &digest), 0);
        m->owned[m->n_owned++] = digest;
        m->h[m->n++] = (struct fl_http_header){"Host", "coordinator.example:7443"};
        m->h[m->n++] = (struct fl_http_header){"Content-Type", "application/json"};
        m->h[m->n++] = (struct fl_http_header){"Content-Digest", digest};
        m->req = (struct fl_http_request){
                .method = "POST",
                .target_uri = "https://coordinator.example:7443/v1/triggers",
                .headers = m->h,
        };
}

/* Replaces the first header called `name` (or adds one); NULL removes it. */
static void message_set(struct message *m, const char *name, const char *value) {
        for (size_t i = 0; i < m->n; i++)
                if (strcasecmp(m->h[i].name, name) == 0) {
                        if (value) {
                                m->h[i].value = value;
                        } else {
                                memmove(&m->h[i], &m->h[i + 1], (m->n - i - 1) * sizeof(m->h[0]));
                                m->n--;
                        }
                        return;
                }
        if (value)
                m->h[m->n++] = (struct fl_http_header){name, value};
}

static void message_add(struct message *m, const char *name, char *value) {
        m->owned[m->n_owned++] = value;
        m->h[m->n++] = (struct fl_http_header){name, value};
}

static void message_done(struct message *m) {
        for (size_t i = 0; i < m->n_owned; i++)
                free(m->owned[i]);
}

/* The server's view of the message: Host header and request line. */
static struct fl_http_request message_server_view(struct message *m) {
        m->req.n_headers = m->n;
        return (struct fl_http_request){
                .method = m->req.method,
                .scheme = "https",
                .authority = "coordinator.example:7443",
                .request_target = "/v1/triggers",
                .headers = m->h,
                .n_headers = m->n,
        };
}

static void sign_into(struct message *m, EVP_PKEY *key, const struct fl_httpsig_sign_params *p) {
        char *input = NULL, *signature = NULL;
        struct fl_httpsig_error e = {};

        m->req.n_headers = m->n;
        if (fl_httpsig_sign(&m->req, p, key, &input, &signature, &e) != 0)
                fail_msg("signing failed: %s", e.message);
        message_add(m, "Signature-Input", input);
        message_add(m, "Signature", signature);
}

static void test_trigger_round_trip(void **state) {
        struct keys *keys = *state;
        struct lookup l = {.keys = keys};
        struct message m;
        struct fl_httpsig_sign_params p = {
                .components = fl_httpsig_trigger_components,
                .keyid = "node-17",
                .created = NOW,
        };
        struct fl_httpsig_policy policy = {
                .required_components = fl_httpsig_trigger_required,
                .required_params = FL_HTTPSIG_TRIGGER_REQUIRED_PARAMS,
                .now = NOW,
                .skew_sec = SKEW,
                .key_lookup = lookup,
                .userdata = &l,
        };
        struct fl_httpsig_result res = {};
        struct fl_httpsig_error e = {};
        struct fl_http_request server;
        const char *digest;

        message_init(&m, BODY);
        sign_into(&m, keys->good, &p);
        server = message_server_view(&m);
        if (fl_httpsig_verify(&server, &policy, &res, &e) != 0)
                fail_msg("%s", e.message);
        assert_int_equal(l.calls, 1);
        assert_string_equal(res.label, "sig1");
        assert_string_equal(res.keyid, "node-17");
        assert_int_equal(res.created, NOW);
        assert_int_equal(strlen(res.nonce), FL_HTTPSIG_NONCE_SIZE - 1);
        assert_int_equal(strspn(res.nonce, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
                                           "0123456789-_"),
                FL_HTTPSIG_NONCE_SIZE - 1);
        assert_int_equal(res.params,
                FL_HTTPSIG_PARAM_CREATED | FL_HTTPSIG_PARAM_KEYID | FL_HTTPSIG_PARAM_NONCE);
        /* The signed Content-Digest is what ties the body to the signature. */
        digest = m.h[2].value;
        assert_int_equal(fl_digest_verify(digest, strlen(digest), BODY, strlen(BODY), NULL), 0);
        assert_int_equal(fl_digest_verify(digest, strlen(digest), BODY " ", strlen(BODY) + 1, NULL),
                -EILSEQ);
        fl_httpsig_result_done(&res);
        fl_httpsig_result_done(NULL);
        message_done(&m);
}

static const char *const no_digest[] = {"@method", "@path", NULL};
static const char *const no_path[] = {"@method", "@authority", "content-digest", NULL};
static const char *const target_uri[] = {"@method", "@target-uri", "content-digest", NULL};

/* One refusal: how to sign, how to tamper, what the verifier demands and
 * what it must answer. Unset fields mean: the trigger profile, signed now
 * by node-17's key as sig1, verified with node-17's key under the trigger
 * policy. */
struct verify_case {
        const char *name;
        /* signing */
        const char *const *components;
        unsigned sign_flags;
        int64_t created_offset;
        int64_t expires_offset; /* 0: none */
        const char *keyid;
        const char *nonce;
        const char *tag;
        bool sign_with_other_key;
        bool second_signature; /* also sign as sig2 */
        /* tampering */
        const char *set_name, *set_value;
        const char *set2_name, *set2_value;
        bool remove_set_name; /* remove set_name instead */
        const char *method;
        const char *request_target;
        /* policy */
        const char *label;
        const char *const *required;
        bool no_required_params;
        unsigned required_params;
        enum lookup_mode lookup;
        /* expectation */
        int r;
        enum fl_httpsig_status status;
        const char *message;
};

static const struct verify_case verify_cases[] = {
        {"valid", .r = 0, .status = FL_HTTPSIG_OK, .message = ""},
        {"valid with alg", .sign_flags = FL_HTTPSIG_SIGN_ALG, .r = 0, .message = ""},
        {"valid with @target-uri", .components = target_uri, .r = 0, .message = ""},
        {"valid at the edge of the skew", .created_offset = -SKEW, .r = 0, .message = ""},
        {"valid with a tag and expiry", .tag = "trigger", .expires_offset = 60, .r = 0,
                .message = ""},
        {"chosen label among two", .second_signature = true, .label = "sig2", .r = 0,
                .message = ""},

        {"no Signature-Input", .set_name = "Signature-Input", .remove_set_name = true, .r = -EACCES,
                .status = FL_HTTPSIG_MISSING_HEADER,
                .message = "the request has no Signature-Input field"},
        {"no Signature", .set_name = "Signature", .remove_set_name = true, .r = -EACCES,
                .status = FL_HTTPSIG_MISSING_HEADER,
                .message = "the request has no Signature field"},
        {"empty Signature-Input", .set_name = "Signature-Input", .set_value = "", .r = -EACCES,
                .status = FL_HTTPSIG_MISSING_HEADER,
                .message = "the Signature-Input field is empty"},
        {"malformed Signature-Input", .set_name = "Signature-Input",
                .set_value = "sig1=(\"@method\"", .r = -EACCES,
                .status = FL_HTTPSIG_MALFORMED_HEADER,
                .message = "the Signature-Input field is not a valid Dictionary: inner list is "
                           "not terminated at offset 15"},
        {"malformed Signature", .set_name = "Signature", .set_value = "sig1=:AAAA", .r = -EACCES,
                .status = FL_HTTPSIG_MALFORMED_HEADER,
                .message = "the Signature field is not a valid Dictionary: byte sequence is not "
                           "terminated at offset 10"},
        {"control character in Signature", .set_name = "Signature",
                .set_value = "sig1=:AA\n==:", .r = -EACCES, .status = FL_HTTPSIG_MALFORMED_HEADER,
                .message = "the Signature field has a control or non-ASCII character"},
        {"Signature-Input member not a list", .set_name = "Signature-Input",
                .set_value = "sig1=\"@method\"", .r = -EACCES,
                .status = FL_HTTPSIG_MALFORMED_HEADER,
                .message = "Signature-Input member \"sig1\" is not an Inner List"},
        {"Signature member not bytes", .set_name = "Signature", .set_value = "sig1=\"abc\"",
                .r = -EACCES, .status = FL_HTTPSIG_MALFORMED_HEADER,
                .message = "Signature member \"sig1\" is not a Byte Sequence"},
        {"unknown label", .label = "sig9", .r = -EACCES, .status = FL_HTTPSIG_UNKNOWN_LABEL,
                .message = "Signature-Input has no signature labelled \"sig9\""},
        {"label missing from Signature", .set_name = "Signature",
                .set_value = "other=:AAAA:", .r = -EACCES, .status = FL_HTTPSIG_UNKNOWN_LABEL,
                .message = "the Signature field has no signature labelled \"sig1\""},
        {"two labels, none chosen", .second_signature = true, .r = -EACCES,
                .status = FL_HTTPSIG_AMBIGUOUS_LABEL,
                .message = "Signature-Input has 2 signatures (\"sig1\", \"sig2\") and no label "
                           "was chosen"},
        {"duplicate component", .set_name = "Signature-Input",
                .set_value = "sig1=(\"@method\" \"@method\");created=1700000000;keyid=\"node-17\";"
                             "nonce=\"n\"",
                .r = -EACCES, .status = FL_HTTPSIG_MALFORMED_HEADER,
                .message = "component \"@method\" is covered twice"},
        {"unsupported component", .set_name = "Signature-Input",
                .set_value = "sig1=(\"@method\" \"@path\" \"content-digest\" \"content-type\";sf)"
                             ";created=1700000000;keyid=\"node-17\";nonce=\"n\"",
                .r = -EACCES, .status = FL_HTTPSIG_UNSUPPORTED_COMPONENT,
                .message = "parameter \"sf\" on \"content-type\" is not supported"},
        {"created not an integer", .set_name = "Signature-Input",
                .set_value = "sig1=(\"@method\" \"@path\" \"content-digest\");created=\"now\";"
                             "keyid=\"node-17\";nonce=\"n\"",
                .r = -EACCES, .status = FL_HTTPSIG_MALFORMED_HEADER,
                .message = "parameter created has type String, expected Integer"},
        {"missing content-digest", .components = no_digest, .r = -EACCES,
                .status = FL_HTTPSIG_MISSING_COMPONENT,
                .message = "the signature does not cover content-digest"},
        {"missing @path or @target-uri", .components = no_path, .r = -EACCES,
                .status = FL_HTTPSIG_MISSING_COMPONENT,
                .message = "the signature does not cover any of @path|@target-uri"},
        {"missing nonce", .sign_flags = FL_HTTPSIG_SIGN_NO_NONCE, .r = -EACCES,
                .status = FL_HTTPSIG_MISSING_PARAM,
                .message = "the signature has no nonce parameter"},
        {"empty nonce", .nonce = "", .r = -EACCES, .status = FL_HTTPSIG_MISSING_PARAM,
                .message = "the signature's nonce parameter is empty"},
        {"missing keyid", .keyid = "", .r = -EACCES, .status = FL_HTTPSIG_MISSING_PARAM,
                .message = "the signature has no keyid parameter"},
        {"missing created", .sign_flags = FL_HTTPSIG_SIGN_NO_CREATED, .r = -EACCES,
                .status = FL_HTTPSIG_MISSING_PARAM,
                .message = "the signature has no created parameter"},
        {"missing tag when required", .required_params = FL_HTTPSIG_PARAM_TAG, .r = -EACCES,
                .status = FL_HTTPSIG_MISSING_PARAM,
                .message = "the signature has no tag parameter"},
        {"unknown alg", .set_name = "Signature-Input",
                .set_value = "sig1=(\"@method\" \"@path\" \"content-digest\");created=1700000000;"
                             "keyid=\"node-17\";nonce=\"n\";alg=\"rsa-pss-sha512\"",
                .r = -EACCES, .status = FL_HTTPSIG_UNSUPPORTED_ALG,
                .message = "alg \"rsa-pss-sha512\" is not supported (only ed25519)"},
        {"key is not Ed25519", .lookup = LOOKUP_EC, .r = -EACCES,
                .status = FL_HTTPSIG_UNSUPPORTED_ALG,
                .message = "the key for keyid \"node-17\" is not an Ed25519 key"},
        {"expired", .created_offset = -SKEW - 1, .r = -EACCES, .status = FL_HTTPSIG_EXPIRED,
                .message = "created 1699999699 is 301 s before now, more than the allowed skew "
                           "of 300 s"},
        {"created in the future", .created_offset = SKEW + 1, .r = -EACCES,
                .status = FL_HTTPSIG_TOO_NEW,
                .message = "created 1700000301 is 301 s in the future, more than the allowed "
                           "skew of 300 s"},
        {"expires passed", .created_offset = -200, .expires_offset = -100, .r = -EACCES,
                .status = FL_HTTPSIG_EXPIRED,
                .message = "the signature expired at 1699999900, 100 s ago"},
        {"unknown keyid", .keyid = "node-99", .r = -EACCES, .status = FL_HTTPSIG_UNKNOWN_KEY,
                .message = "keyid \"node-99\" is not a trusted key"},
        {"no keyid, not required", .keyid = "", .no_required_params = true, .r = -EACCES,
                .status = FL_HTTPSIG_UNKNOWN_KEY,
                .message = "the signature has no keyid, so no key can verify it"},
        {"lookup returns no key", .lookup = LOOKUP_NULL, .r = -EACCES,
                .status = FL_HTTPSIG_UNKNOWN_KEY,
                .message = "keyid \"node-17\" is not a trusted key"},
        {"lookup fails", .lookup = LOOKUP_FAIL, .r = -EIO, .status = FL_HTTPSIG_INTERNAL,
                .message = "looking up keyid \"node-17\" failed"},
        {"wrong key", .sign_with_other_key = true, .r = -EACCES, .status = FL_HTTPSIG_BAD_SIGNATURE,
                .message = "the signature does not verify with the key of keyid \"node-17\""},
        {"verified with another key", .lookup = LOOKUP_OTHER, .r = -EACCES,
                .status = FL_HTTPSIG_BAD_SIGNATURE,
                .message = "the signature does not verify with the key of keyid \"node-17\""},
        {"tampered content-type", .set_name = "Content-Type", .set_value = "text/plain",
                .r = -EACCES, .status = FL_HTTPSIG_BAD_SIGNATURE,
                .message = "the signature does not verify with the key of keyid \"node-17\""},
        {"tampered content-digest (new body)", .set_name = "Content-Digest",
                .set_value = "sha-256=:iXtuF+sO1ZNyFlcXPmJU9PgArDgBAZd2yqCYBrCZ59U=:", .r = -EACCES,
                .status = FL_HTTPSIG_BAD_SIGNATURE,
                .message = "the signature does not verify with the key of keyid \"node-17\""},
        {"tampered method", .method = "PUT", .r = -EACCES, .status = FL_HTTPSIG_BAD_SIGNATURE,
                .message = "the signature does not verify with the key of keyid \"node-17\""},
        {"tampered path", .request_target = "/v1/pause", .r = -EACCES,
                .status = FL_HTTPSIG_BAD_SIGNATURE,
                .message = "the signature does not verify with the key of keyid \"node-17\""},
        {"tampered authority", .set_name = "Host", .set_value = "other:7443", .r = -EACCES,
                .status = FL_HTTPSIG_BAD_SIGNATURE,
                .message = "the signature does not verify with the key of keyid \"node-17\""},
        {"tampered created", .set_name = "Signature-Input", .set2_name = "x-use-tampered",
                .r = -EACCES, .status = FL_HTTPSIG_BAD_SIGNATURE,
                .message = "the signature does not verify with the key of keyid \"node-17\""},
        {"covered header removed", .set_name = "Content-Type", .remove_set_name = true,
                .r = -EACCES, .status = FL_HTTPSIG_UNAVAILABLE_COMPONENT,
                .message = "the message has no \"content-type\" field"},
        {"short signature", .set_name = "Signature", .set_value = "sig1=:AAAA:", .r = -EACCES,
                .status = FL_HTTPSIG_BAD_SIGNATURE,
                .message = "the signature is 3 bytes, an Ed25519 signature is 64"},
        {"Signature-Input too large", .set_name = "Signature-Input", .set2_name = "x-use-large",
                .r = -EACCES, .status = FL_HTTPSIG_MALFORMED_HEADER,
                .message = "the Signature-Input field is longer than 8192 bytes"},
};

static void run_verify_case(struct keys *keys, const struct verify_case *c, unsigned *failed) {
        struct lookup l = {.keys = keys, .mode = c->lookup};
        struct fl_httpsig_sign_params p = {
                .components = c->components ? c->components : fl_httpsig_trigger_components,
                .keyid = c->keyid ? (c->keyid[0] ? c->keyid : NULL) : "node-17",
                .created = NOW + c->created_offset,
                .expires = c->expires_offset ? NOW + c->expires_offset : 0,
                .nonce = c->nonce,
                .tag = c->tag,
                .flags = c->sign_flags,
        };
        struct fl_httpsig_policy policy = {
                .label = c->label,
                .required_components = c->required ? c->required : fl_httpsig_trigger_required,
                .required_params = c->no_required_params ? 0
                                                         : FL_HTTPSIG_TRIGGER_REQUIRED_PARAMS |
                                                                   c->required_params,
                .now = NOW,
                .skew_sec = SKEW,
                .key_lookup = lookup,
                .userdata = &l,
        };
        _cleanup_free_ char *tampered = NULL;
        struct fl_httpsig_result res = {};
        struct fl_httpsig_error e = {};
        struct fl_http_request server;
        struct message m;
        int r;

        message_init(&m, BODY);
        sign_into(&m, c->sign_with_other_key ? keys->other : keys->good, &p);
        if (c->second_signature) {
                struct fl_httpsig_sign_params p2 = p;
                struct message m2;
                char *a = NULL, *b = NULL;

                p2.label = "sig2";
                message_init(&m2, BODY);
                sign_into(&m2, keys->good, &p2);
                /* A second field line each: combined as "sig1=..., sig2=..." */
                assert_true(asprintf(&a, "%s", m2.h[m2.n - 2].value) > 0);
                assert_true(asprintf(&b, "%s", m2.h[m2.n - 1].value) > 0);
                message_add(&m, "signature-input", a);
                message_add(&m, "SIGNATURE", b);
                message_done(&m2);
        }
        if (c->set2_name && strcmp(c->set2_name, "x-use-tampered") == 0) {
                /* The same Signature-Input with created moved by one second. */
                const char *si = NULL;
                for (size_t i = 0; i < m.n; i++)
                        if (strcmp(m.h[i].name, "Signature-Input") == 0)
                                si = m.h[i].value;
                tampered = strdup(si);
                *strstr(tampered, "created=1700000000") = '\0';
                char *t2 = NULL;
                assert_true(asprintf(&t2, "%screated=1700000001%s", tampered,
                                    strstr(si, "created=1700000000") + 18) > 0);
                free(tampered);
                tampered = t2;
                message_set(&m, "Signature-Input", tampered);
        } else if (c->set2_name && strcmp(c->set2_name, "x-use-large") == 0) {
                tampered = malloc(9000);
                memset(tampered, 'a', 8999);
                memcpy(tampered, "sig1=();a=\"", 11);
                tampered[8998] = '"';
                tampered[8999] = '\0';
                message_set(&m, "Signature-Input", tampered);
        } else if (c->set_name) {
                message_set(&m, c->set_name, c->remove_set_name ? NULL : c->set_value);
        }
        server = message_server_view(&m);
        if (c->method)
                server.method = c->method;
        if (c->request_target)
                server.request_target = c->request_target;
        for (size_t i = 0; i < server.n_headers; i++)
                if (strcmp(server.headers[i].name, "Host") == 0)
                        server.authority = server.headers[i].value;

        r = fl_httpsig_verify(&server, &policy, &res, &e);
        if (r != c->r || e.status != c->status || strcmp(e.message, c->message) != 0) {
                print_error("%s: got %d %s \"%s\", want %d %s \"%s\"\n", c->name, r,
                        fl_httpsig_status_to_string(e.status), e.message, c->r,
                        fl_httpsig_status_to_string(c->status), c->message);
                (*failed)++;
        }
        if (r == 0)
                assert_non_null(res.label);
        else
                assert_null(res.label); /* untouched on failure */
        fl_httpsig_result_done(&res);
        message_done(&m);
}

static void test_verify_failures(void **state) {
        unsigned failed = 0;

        for (size_t i = 0; i < ELEMENTSOF(verify_cases); i++)
                run_verify_case(*state, &verify_cases[i], &failed);
        assert_int_equal(failed, 0);
}

static void test_verify_invalid_policy(void **state) {
        struct fl_httpsig_policy policy = {.skew_sec = 1};
        struct fl_httpsig_error e = {};

        assert_int_equal(fl_httpsig_verify(&rfc_request, &policy, NULL, &e), -EINVAL);
        assert_int_equal(e.status, FL_HTTPSIG_INTERNAL);
        assert_string_equal(e.message, "invalid policy");
        policy.key_lookup = lookup;
        policy.skew_sec = -1;
        assert_int_equal(fl_httpsig_verify(&rfc_request, &policy, NULL, NULL), -EINVAL);
        assert_int_equal(fl_httpsig_verify(NULL, &policy, NULL, NULL), -EINVAL);
}

static void test_sign_errors(void **state) {
        struct keys *keys = *state;
        static const char *const missing[] = {"@method", "x-absent", NULL};
        static const char *const bad_item[] = {"\"@method", NULL};
        static const char *const ok[] = {"@method", NULL};
        struct fl_httpsig_sign_params p = {.components = ok, .keyid = "k", .created = NOW};
        struct fl_httpsig_error e = {};
        char *a = NULL, *b = NULL;

        assert_int_equal(fl_httpsig_sign(&rfc_request, &p, keys->ec, &a, &b, &e), -EINVAL);
        assert_int_equal(e.status, FL_HTTPSIG_UNSUPPORTED_ALG);
        assert_string_equal(e.message, "the signing key is not an Ed25519 key");
        assert_int_equal(fl_httpsig_sign(&rfc_request, &p, NULL, &a, &b, &e), -EINVAL);

        p.label = "Sig1";
        assert_int_equal(fl_httpsig_sign(&rfc_request, &p, keys->good, &a, &b, &e), -EINVAL);
        assert_int_equal(e.status, FL_HTTPSIG_MALFORMED_HEADER);
        assert_string_equal(e.message, "label \"Sig1\" is not a valid Dictionary key");
        p.label = NULL;

        p.components = missing;
        assert_int_equal(fl_httpsig_sign(&rfc_request, &p, keys->good, &a, &b, &e), -EINVAL);
        assert_int_equal(e.status, FL_HTTPSIG_UNAVAILABLE_COMPONENT);
        assert_string_equal(e.message, "the message has no \"x-absent\" field");

        p.components = bad_item;
        assert_int_equal(fl_httpsig_sign(&rfc_request, &p, keys->good, &a, &b, &e), -EINVAL);
        assert_int_equal(e.status, FL_HTTPSIG_MALFORMED_HEADER);
        assert_string_equal(e.message, "component \"@method is not a serialised Item");

        p.components = ok;
        p.keyid = "a\nb";
        assert_int_equal(fl_httpsig_sign(&rfc_request, &p, keys->good, &a, &b, &e), -EINVAL);
        assert_int_equal(e.status, FL_HTTPSIG_MALFORMED_HEADER);
        assert_string_equal(e.message, "a component name, keyid, nonce or tag has a character a "
                                       "String cannot hold, or created/expires is out of range");
        p.keyid = "k";
        p.created = INT64_C(1000000000000000);
        assert_int_equal(fl_httpsig_sign(&rfc_request, &p, keys->good, &a, &b, &e), -EINVAL);
        assert_int_equal(e.status, FL_HTTPSIG_MALFORMED_HEADER);

        p.components = NULL;
        assert_int_equal(fl_httpsig_sign(&rfc_request, &p, keys->good, &a, &b, &e), -EINVAL);
        assert_int_equal(e.status, FL_HTTPSIG_INTERNAL);
        assert_null(a);
        assert_null(b);
}

static void test_sign_options(void **state) {
        struct keys *keys = *state;
        static const char *const comps[] = {"@method", "\"@query-param\";name=\"Pet\"", NULL};
        struct fl_httpsig_sign_params p = {
                .components = comps,
                .label = "a-1",
                .keyid = "k\"1",
                .created = 1,
                .expires = 2,
                .nonce = "n",
                .tag = "t",
                .flags = FL_HTTPSIG_SIGN_ALG,
        };
        _cleanup_free_ char *a = NULL, *b = NULL;

        assert_int_equal(fl_httpsig_sign(&rfc_request, &p, keys->good, &a, &b, NULL), 0);
        assert_string_equal(a,
                "a-1=(\"@method\" \"@query-param\";name=\"Pet\");created=1;expires=2;"
                "keyid=\"k\\\"1\";nonce=\"n\";alg=\"ed25519\";tag=\"t\"");
        assert_int_equal(strncmp(b, "a-1=:", 5), 0);
        assert_int_equal(strlen(b), 5 + 88 + 1);
}

static void test_nonce(void **state) {
        char a[FL_HTTPSIG_NONCE_SIZE], b[FL_HTTPSIG_NONCE_SIZE];

        assert_int_equal(fl_httpsig_nonce(a), 0);
        assert_int_equal(fl_httpsig_nonce(b), 0);
        assert_int_equal(strlen(a), 22);
        assert_int_equal(
                strspn(a, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"), 22);
        assert_string_not_equal(a, b);
}

static void test_status_names(void **state) {
        for (int s = 0; s < _FL_HTTPSIG_STATUS_MAX; s++)
                assert_string_not_equal(fl_httpsig_status_to_string(s), "unknown");
        assert_string_equal(fl_httpsig_status_to_string(FL_HTTPSIG_BAD_SIGNATURE), "bad_signature");
        assert_string_equal(fl_httpsig_status_to_string(_FL_HTTPSIG_STATUS_MAX), "unknown");
        assert_string_equal(fl_httpsig_status_to_string(-1), "unknown");
}

static char *write_pem(
        const char *dir, const char *name, EVP_PKEY *key, bool private, const char *passphrase) {
        _cleanup_free_ char *path = NULL;
        FILE *f;

        assert_true(asprintf(&path, "%s/%s", dir, name) > 0);
        f = fopen(path, "we");
        assert_non_null(f);
        if (!private)
                assert_int_equal(PEM_write_PUBKEY(f, key), 1);
        else if (passphrase)
                assert_int_equal(PEM_write_PKCS8PrivateKey(f, key, EVP_aes_256_cbc(), NULL, 0, NULL,
                                         (void *) passphrase),
                        1);
        else
                assert_int_equal(PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL), 1);
        assert_int_equal(fclose(f), 0);
        return TAKE_PTR(path);
}

static void test_keys(void **state) {
        struct keys *keys = *state;
        _cleanup_free_ char *dir = fl_test_mkdtemp();
        _cleanup_free_ char *priv = write_pem(dir, "priv.pem", keys->good, true, NULL);
        _cleanup_free_ char *pub = write_pem(dir, "pub.pem", keys->good, false, NULL);
        _cleanup_free_ char *enc = write_pem(dir, "enc.pem", keys->good, true, "secret");
        _cleanup_free_ char *ec = write_pem(dir, "ec.pem", keys->ec, true, NULL);
        _cleanup_free_ char *ecpub = write_pem(dir, "ecpub.pem", keys->ec, false, NULL);
        _cleanup_free_ char *junk = fl_test_write_file(dir, "junk.pem", "not a key\n");
        _cleanup_free_ char *big = NULL, *huge = malloc(70000);
        EVP_PKEY *k = NULL;

        assert_int_equal(fl_httpsig_load_private_key(priv, &k), 0);
        assert_int_equal(EVP_PKEY_eq(k, keys->good), 1);
        EVP_PKEY_free(k);
        k = NULL;
        assert_int_equal(fl_httpsig_load_public_key(pub, &k), 0);
        assert_int_equal(EVP_PKEY_eq(k, keys->good), 1);
        EVP_PKEY_free(k);
        k = NULL;

        assert_int_equal(fl_httpsig_load_private_key(enc, &k), -EBADMSG);
        assert_int_equal(fl_httpsig_load_private_key(ec, &k), -EKEYREJECTED);
        assert_int_equal(fl_httpsig_load_public_key(ecpub, &k), -EKEYREJECTED);
        assert_int_equal(fl_httpsig_load_private_key(junk, &k), -EBADMSG);
        assert_int_equal(fl_httpsig_load_public_key(priv, &k), -EBADMSG);
        assert_int_equal(fl_httpsig_load_private_key(pub, &k), -EBADMSG);
        assert_int_equal(fl_httpsig_load_private_key("/nonexistent/key.pem", &k), -ENOENT);
        memset(huge, 'A', 69999);
        huge[69999] = '\0';
        big = fl_test_write_file(dir, "big.pem", huge);
        assert_int_equal(fl_httpsig_load_public_key(big, &k), -EFBIG);
        assert_null(k);

        assert_int_equal(
                fl_httpsig_parse_private_key(ed25519_private_pem, strlen(ed25519_private_pem), &k),
                0);
        EVP_PKEY_free(k);
        k = NULL;
        assert_int_equal(
                fl_httpsig_parse_public_key(rsa_pss_public_pem, strlen(rsa_pss_public_pem), &k),
                -EKEYREJECTED);
        fl_test_rm_rf(dir);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_rfc_signature_bases),
                cmocka_unit_test(test_rfc_b26_verify),
                cmocka_unit_test(test_rfc_b26_sign),
                cmocka_unit_test(test_components),
                cmocka_unit_test(test_signature_params_errors),
                cmocka_unit_test(test_base_size_cap),
                cmocka_unit_test(test_trigger_round_trip),
                cmocka_unit_test(test_verify_failures),
                cmocka_unit_test(test_verify_invalid_policy),
                cmocka_unit_test(test_sign_errors),
                cmocka_unit_test(test_sign_options),
                cmocka_unit_test(test_nonce),
                cmocka_unit_test(test_status_names),
                cmocka_unit_test(test_keys),
        };
        return cmocka_run_group_tests(tests, setup_keys, teardown_keys);
}
