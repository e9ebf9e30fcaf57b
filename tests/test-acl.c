/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Access control: the glob, the seed's route rules as a matrix of caller x
 * method x path, and SPIFFE IDs (strings and certificates).
 */
#include "acl.h"
#include "fl_test.h"
#include "macro.h"
#include "spiffe.h"

#include <openssl/x509v3.h>
#include <string.h>

static void test_glob(void **state) {
        static const struct {
                const char *pattern, *s;
                bool match;
        } cases[] = {
                {"/*", "/", true},
                {"/*", "/v1/triggers", true},
                {"/*", "", false},
                {"*", "", true},
                {"*", "anything/at/all", true},
                {"/metrics", "/metrics", true},
                {"/metrics", "/metrics/", false},
                {"/metrics", "/metric", false},
                {"/metrics", "/metricsx", false},
                {"/v1/*", "/v1/", true},
                {"/v1/*", "/v1", false},
                {"/v1/*/x", "/v1/a/b/x", true},
                {"/v1/*/x", "/v1/a/b/y", false},
                {"/v1/*s", "/v1/triggers", true},
                {"/v1/*s", "/v1/trigger", false},
                {"/*/*/*", "/a/b/c", true},
                {"/*/*/*", "/a/b", false},
                {"**", "x", true},
                {"/a*b*c", "/aXbYbZc", true},
                {"/a*b*c", "/aXbYbZ", false},
                {"/v1/triggers", "/v1/%74riggers", false},
                {"/x?", "/xy", false}, /* '?' is not special */
                {"/x?", "/x?", true},
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++)
                if (fl_glob_match(cases[i].pattern, cases[i].s) != cases[i].match)
                        fail_msg("glob %s on \"%s\": expected %d", cases[i].pattern, cases[i].s,
                                cases[i].match);
}

/* The seed's server_config, as decoded (test-coordinator-config checks the
 * decoding of the file itself). */
static char *get_patterns[] = {"/*", NULL};
static char *post_patterns[] = {"/*", NULL};
static char *metrics_patterns[] = {"/metrics", NULL};
static char *admin[] = {"spiffe://example.com/worker-admin", NULL};
static struct fl_route_rule seed_rules[] = {
        {.name = "global_get",
                .method = FL_METHOD_GET,
                .route_patterns = get_patterns,
                .n_route_patterns = 1,
                .uris = admin,
                .n_uris = 1},
        {.name = "global_post",
                .method = FL_METHOD_POST,
                .route_patterns = post_patterns,
                .n_route_patterns = 1,
                .uris = admin,
                .n_uris = 1,
                .allow_public = true},
        {.name = "public_access",
                .method = FL_METHOD_GET,
                .route_patterns = metrics_patterns,
                .n_route_patterns = 1,
                .allow_public = true,
                .skip_log_match = true},
};
static const struct fl_server_config seed = {
        .enable_tls = true,
        .route_rules = seed_rules,
        .n_route_rules = ELEMENTSOF(seed_rules),
};

#define ADMIN "spiffe://example.com/worker-admin"
#define OTHER "spiffe://example.com/node-17"

static void test_seed_matrix(void **state) {
        static const struct {
                const char *identity; /* NULL: no client certificate */
                unsigned method;
                const char *path;
                bool allowed, matched, skip_log;
                const char *rule;
        } cases[] = {
                /* GET: the admin only, except /metrics which is public and unlogged. */
                {ADMIN, FL_METHOD_GET, "/v1/workflows", true, true, false, "global_get"},
                {ADMIN, FL_METHOD_GET, "/healthz", true, true, false, "global_get"},
                {OTHER, FL_METHOD_GET, "/v1/workflows", false, true, false, "global_get"},
                {NULL, FL_METHOD_GET, "/v1/workflows", false, true, false, "global_get"},
                {NULL, FL_METHOD_GET, "/healthz", false, true, false, "global_get"},
                {NULL, FL_METHOD_GET, "/metrics", true, true, true, "public_access"},
                {OTHER, FL_METHOD_GET, "/metrics", true, true, true, "public_access"},
                {ADMIN, FL_METHOD_GET, "/metrics", true, true, true, "global_get"},
                {NULL, FL_METHOD_GET, "/metrics/x", false, true, false, "global_get"},
                /* POST: global_post is public (the trigger signature still applies). */
                {NULL, FL_METHOD_POST, "/v1/triggers", true, true, false, "global_post"},
                {OTHER, FL_METHOD_POST, "/v1/pause", true, true, false, "global_post"},
                {ADMIN, FL_METHOD_POST, "/v1/triggers", true, true, false, "global_post"},
                /* No rule names DELETE, PUT or HEAD: denied for everyone. */
                {ADMIN, FL_METHOD_DELETE, "/v1/pause", false, false, false, NULL},
                {NULL, FL_METHOD_PUT, "/v1/triggers", false, false, false, NULL},
                {ADMIN, FL_METHOD_HEAD, "/metrics", false, false, false, NULL},
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                struct fl_acl_decision d;

                fl_acl_check(&seed, cases[i].method, cases[i].path, cases[i].identity, &d);
                if (d.allowed != cases[i].allowed || d.matched != cases[i].matched ||
                        d.skip_log != cases[i].skip_log ||
                        (cases[i].rule ? !d.rule || strcmp(d.rule, cases[i].rule) != 0 : !!d.rule))
                        fail_msg("case %zu (%s %u %s): allowed=%d matched=%d skip=%d rule=%s", i,
                                cases[i].identity ? cases[i].identity : "-", cases[i].method,
                                cases[i].path, d.allowed, d.matched, d.skip_log,
                                d.rule ? d.rule : "-");
        }
}

static void test_any_method_and_order(void **state) {
        static char *all[] = {"*", NULL};
        static char *ops[] = {"spiffe://example.com/ops", NULL};
        struct fl_route_rule rules[] = {
                {.name = "deny-ish",
                        .method = FL_METHOD_ANY,
                        .route_patterns = all,
                        .n_route_patterns = 1},
                {.name = "ops",
                        .method = FL_METHOD_ANY,
                        .route_patterns = all,
                        .n_route_patterns = 1,
                        .uris = ops,
                        .n_uris = 1},
        };
        struct fl_server_config c = {.route_rules = rules, .n_route_rules = 2};
        struct fl_acl_decision d;

        /* A rule that allows nobody does not stop another from allowing. */
        fl_acl_check(&c, FL_METHOD_DELETE, "/v1/pause", "spiffe://example.com/ops", &d);
        assert_true(d.allowed);
        assert_string_equal(d.rule, "ops");
        fl_acl_check(&c, FL_METHOD_PATCH, "/x", "spiffe://example.com/opsx", &d);
        assert_false(d.allowed);
        assert_true(d.matched);
        assert_string_equal(d.rule, "deny-ish");

        /* The same rules in the other order decide the same. */
        struct fl_route_rule swapped[] = {rules[1], rules[0]};
        c.route_rules = swapped;
        fl_acl_check(&c, FL_METHOD_DELETE, "/v1/pause", "spiffe://example.com/ops", &d);
        assert_true(d.allowed);
        assert_string_equal(d.rule, "ops");

        /* No rules at all: deny. */
        c.n_route_rules = 0;
        fl_acl_check(&c, FL_METHOD_GET, "/metrics", NULL, &d);
        assert_false(d.allowed);
        assert_false(d.matched);
}

static void test_spiffe_strings(void **state) {
        static const struct {
                const char *id;
                const char *reason; /* NULL: valid */
        } cases[] = {
                {"spiffe://example.com", NULL},
                {"spiffe://example.com/worker-admin", NULL},
                {"spiffe://a.b-c_d/A/b.c/D_e-f", NULL},
                {"spiffe://td/.x/..y", NULL},
                {"SPIFFE://example.com/a", "does not start with \"spiffe://\""},
                {"spiffe:/example.com/a", "does not start with \"spiffe://\""},
                {"https://example.com/a", "does not start with \"spiffe://\""},
                {"spiffe://", "the trust domain is empty"},
                {"spiffe:///a", "the trust domain is empty"},
                {"spiffe://Example.com/a",
                        "the trust domain may hold only lowercase letters, digits, '.', '-' and "
                        "'_'"},
                {"spiffe://example.com:443/a",
                        "the trust domain may hold only lowercase letters, digits, '.', '-' and "
                        "'_'"},
                {"spiffe://user@example.com/a",
                        "the trust domain may hold only lowercase letters, digits, '.', '-' and "
                        "'_'"},
                {"spiffe://example.com/", "the path has an empty segment or a trailing '/'"},
                {"spiffe://example.com//a", "the path has an empty segment or a trailing '/'"},
                {"spiffe://example.com/a/./b", "the path has a \".\" or \"..\" segment"},
                {"spiffe://example.com/..", "the path has a \".\" or \"..\" segment"},
                {"spiffe://example.com/a%20b",
                        "a path segment may hold only letters, digits, '.', '-' and '_'"},
                {"spiffe://example.com/a?x=1",
                        "a path segment may hold only letters, digits, '.', '-' and '_'"},
                {"spiffe://example.com/a#f",
                        "a path segment may hold only letters, digits, '.', '-' and '_'"},
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                const char *why = NULL;
                int r = fl_spiffe_id_check(cases[i].id, strlen(cases[i].id), &why);

                if (cases[i].reason) {
                        if (r != -EINVAL || !why || strcmp(why, cases[i].reason) != 0)
                                fail_msg("%s: r=%d why=%s", cases[i].id, r, why ? why : "-");
                } else if (r != 0)
                        fail_msg("%s: r=%d why=%s", cases[i].id, r, why ? why : "-");
        }

        /* NUL bytes and the length cap. */
        const char *why = NULL;
        assert_int_equal(fl_spiffe_id_check("spiffe://a/b\0c", 14, &why), -EINVAL);
        char long_id[2100];
        memset(long_id, 'a', sizeof(long_id));
        memcpy(long_id, "spiffe://td/", 12);
        assert_int_equal(fl_spiffe_id_check(long_id, 2048, NULL), 0);
        assert_int_equal(fl_spiffe_id_check(long_id, 2049, &why), -EINVAL);
        assert_string_equal(why, "longer than 2048 bytes");
}

/* A self-signed certificate with `san` ("URI:...,DNS:..." or NULL). */
static X509 *make_cert(const char *san) {
        EVP_PKEY *key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
        X509 *x = X509_new();
        X509V3_CTX v3;

        assert_non_null(key);
        assert_non_null(x);
        ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
        X509_gmtime_adj(X509_getm_notBefore(x), 0);
        X509_gmtime_adj(X509_getm_notAfter(x), 3600);
        X509_set_pubkey(x, key);
        X509_NAME_add_entry_by_txt(
                X509_get_subject_name(x), "CN", MBSTRING_ASC, (unsigned char *) "t", -1, -1, 0);
        X509_set_issuer_name(x, X509_get_subject_name(x));
        if (san) {
                X509V3_set_ctx(&v3, x, x, NULL, NULL, 0);
                X509_EXTENSION *ext = X509V3_EXT_conf_nid(NULL, &v3, NID_subject_alt_name, san);
                assert_non_null(ext);
                X509_add_ext(x, ext, -1);
                X509_EXTENSION_free(ext);
        }
        assert_true(X509_sign(x, key, NULL) > 0);
        EVP_PKEY_free(key);
        return x;
}

static void test_spiffe_from_cert(void **state) {
        static const struct {
                const char *san;
                int r;
                const char *id_or_reason;
        } cases[] = {
                {"URI:spiffe://example.com/worker-admin", 0, "spiffe://example.com/worker-admin"},
                {"DNS:node-17,URI:spiffe://example.com/agent/node-17,IP:127.0.0.1", 0,
                        "spiffe://example.com/agent/node-17"},
                {NULL, -ENOENT, "the certificate has no URI SAN"},
                {"DNS:node-17", -ENOENT, "the certificate has no URI SAN"},
                {"URI:spiffe://example.com/a,URI:spiffe://example.com/b", -EINVAL,
                        "the certificate has more than one URI SAN"},
                {"URI:https://example.com/a", -EINVAL, "does not start with \"spiffe://\""},
                {"URI:spiffe://example.com/a/", -EINVAL,
                        "the path has an empty segment or a trailing '/'"},
        };

        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                X509 *x = make_cert(cases[i].san);
                const char *why = NULL;
                char *id = NULL;
                int r = fl_spiffe_id_from_cert(x, &id, &why);

                assert_int_equal(r, cases[i].r);
                if (r == 0)
                        assert_string_equal(id, cases[i].id_or_reason);
                else {
                        assert_null(id);
                        assert_string_equal(why, cases[i].id_or_reason);
                }
                free(id);
                X509_free(x);
        }
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_glob),
                cmocka_unit_test(test_seed_matrix),
                cmocka_unit_test(test_any_method_and_order),
                cmocka_unit_test(test_spiffe_strings),
                cmocka_unit_test(test_spiffe_from_cert),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
