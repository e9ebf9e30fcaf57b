/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 9421 signature bases (section 2.5), creation (3.1) and verification
 * (3.2) with Ed25519 (3.3.6). Component values come from
 * httpsig_components.c; the structured fields from sfv.c.
 */
#include <errno.h>
#include <inttypes.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <stdlib.h>
#include <string.h>

#include "base64.h"
#include "httpsig.h"
#include "httpsig_internal.h"
#include "macro.h"
#include "sfv.h"
#include "strbuf.h"

#define ED25519_SIGNATURE_SIZE 64

const char *const fl_httpsig_trigger_components[] = {
        "@method",
        "@authority",
        "@path",
        "content-type",
        "content-digest",
        NULL,
};

const char *const fl_httpsig_trigger_required[] = {
        "@method",
        "@path|@target-uri",
        "content-digest",
        NULL,
};

static const char *const status_names[_FL_HTTPSIG_STATUS_MAX] = {
        [FL_HTTPSIG_OK] = "ok",
        [FL_HTTPSIG_MISSING_HEADER] = "missing_header",
        [FL_HTTPSIG_MALFORMED_HEADER] = "malformed_header",
        [FL_HTTPSIG_UNKNOWN_LABEL] = "unknown_label",
        [FL_HTTPSIG_AMBIGUOUS_LABEL] = "ambiguous_label",
        [FL_HTTPSIG_MISSING_COMPONENT] = "missing_component",
        [FL_HTTPSIG_UNAVAILABLE_COMPONENT] = "unavailable_component",
        [FL_HTTPSIG_UNSUPPORTED_COMPONENT] = "unsupported_component",
        [FL_HTTPSIG_MISSING_PARAM] = "missing_param",
        [FL_HTTPSIG_UNSUPPORTED_ALG] = "unsupported_alg",
        [FL_HTTPSIG_UNKNOWN_KEY] = "unknown_key",
        [FL_HTTPSIG_EXPIRED] = "expired",
        [FL_HTTPSIG_TOO_NEW] = "too_new",
        [FL_HTTPSIG_BAD_SIGNATURE] = "bad_signature",
        [FL_HTTPSIG_INTERNAL] = "internal",
};

const char *fl_httpsig_status_to_string(enum fl_httpsig_status status) {
        if ((unsigned) status >= ELEMENTSOF(status_names))
                return "unknown";
        return status_names[status];
}

#define MALFORMED(error, ...) \
        fl_httpsig_fail(error, FL_HTTPSIG_MALFORMED_HEADER, -EINVAL, __VA_ARGS__)

static bool bare_equal(const struct fl_sfv_bare *a, const struct fl_sfv_bare *b) {
        if (a->type != b->type || a->integer != b->integer || a->len != b->len)
                return false;
        return a->len == 0 || memcmp(a->data, b->data, a->len) == 0;
}

/* Same name and the same parameters, in any order (section 2). */
static bool component_equal(const struct fl_sfv_item *a, const struct fl_sfv_item *b) {
        if (!bare_equal(&a->bare, &b->bare) || a->params.n != b->params.n)
                return false;
        for (size_t i = 0; i < a->params.n; i++) {
                const struct fl_sfv_bare *v = fl_sfv_params_get(&b->params, a->params.v[i].key);
                if (!v || !bare_equal(v, &a->params.v[i].value))
                        return false;
        }
        return true;
}

static int check_components(const struct fl_sfv_member *m, struct fl_httpsig_error *error) {
        int r;

        if (m->n_items > FL_HTTPSIG_MAX_COMPONENTS)
                return MALFORMED(error, "the signature covers %zu components, more than %u",
                        m->n_items, FL_HTTPSIG_MAX_COMPONENTS);
        for (size_t i = 0; i < m->n_items; i++) {
                r = fl_httpsig_component_check(&m->items[i], error);
                if (r < 0)
                        return r;
                for (size_t j = 0; j < i; j++)
                        if (component_equal(&m->items[i], &m->items[j]))
                                return MALFORMED(error, "component \"%.64s\" is covered twice",
                                        m->items[i].bare.data);
        }
        return 0;
}

/* Types of the parameters section 2.3 defines; others are signed as they
 * are. */
static int check_params(const struct fl_sfv_params *ps, struct fl_httpsig_error *error) {
        static const struct {
                const char *name;
                enum fl_sfv_type type;
        } known[] = {
                {"created", FL_SFV_INTEGER},
                {"expires", FL_SFV_INTEGER},
                {"keyid", FL_SFV_STRING},
                {"nonce", FL_SFV_STRING},
                {"alg", FL_SFV_STRING},
                {"tag", FL_SFV_STRING},
        };
        const struct fl_sfv_bare *created, *expires;

        for (size_t i = 0; i < ps->n; i++)
                for (size_t k = 0; k < ELEMENTSOF(known); k++)
                        if (strcmp(ps->v[i].key, known[k].name) == 0 &&
                                ps->v[i].value.type != known[k].type)
                                return MALFORMED(error, "parameter %s has type %s, expected %s",
                                        known[k].name, fl_sfv_type_to_string(ps->v[i].value.type),
                                        fl_sfv_type_to_string(known[k].type));
        created = fl_sfv_params_get(ps, "created");
        expires = fl_sfv_params_get(ps, "expires");
        if ((created && created->integer < 0) || (expires && expires->integer < 0))
                return MALFORMED(error, "created and expires cannot be negative");
        if (created && expires && expires->integer < created->integer)
                return MALFORMED(error, "expires %" PRId64 " is before created %" PRId64,
                        expires->integer, created->integer);
        return 0;
}

/* Section 2.5 for a checked signature-params Inner List. */
static int build_base(const struct fl_http_request *req, const struct fl_sfv_member *m,
        struct fl_strbuf *sb, struct fl_httpsig_error *error) {
        struct fl_httpsig_view view;
        int r = 0;

        fl_httpsig_view_init(&view, req);
        sb->max_len = FL_HTTPSIG_MAX_BASE_SIZE;
        for (size_t i = 0; i < m->n_items && r >= 0; i++) {
                r = fl_sfv_append_item(sb, &m->items[i]);
                if (r >= 0)
                        r = fl_strbuf_append(sb, ": ", 2);
                if (r >= 0)
                        r = fl_httpsig_component_value(&view, &m->items[i], sb, error);
                if (r >= 0)
                        r = fl_strbuf_append_char(sb, '\n');
        }
        if (r >= 0)
                r = fl_strbuf_append_str(sb, "\"@signature-params\": ");
        if (r >= 0)
                r = fl_sfv_append_member(sb, m);
        if (r == -E2BIG)
                return MALFORMED(error, "the signature base would exceed %u bytes",
                        FL_HTTPSIG_MAX_BASE_SIZE);
        if (r == -ENOMEM)
                return fl_httpsig_fail(error, FL_HTTPSIG_INTERNAL, r, "out of memory");
        return r;
}

int fl_httpsig_signature_base(const struct fl_http_request *req, const char *signature_params,
        char **ret_base, struct fl_httpsig_error *error) {
        _cleanup_(fl_sfv_list_freep) struct fl_sfv_list *list = NULL;
        struct fl_sfv_error e = {};
        struct fl_strbuf sb = {};
        char *base;
        int r;

        if (!req || !signature_params || !ret_base)
                return -EINVAL;
        r = fl_sfv_parse_list(signature_params, strlen(signature_params), &list, &e);
        if (r == -ENOMEM)
                return r;
        if (r < 0)
                return MALFORMED(
                        error, "signature parameters: %s at offset %zu", e.message, e.offset);
        if (list->n != 1 || !list->v[0].inner)
                return MALFORMED(error, "signature parameters are not one Inner List");
        r = check_params(&list->v[0].params, error);
        if (r < 0)
                return r;
        r = check_components(&list->v[0], error);
        if (r < 0)
                return r;
        r = build_base(req, &list->v[0], &sb, error);
        if (r < 0) {
                fl_strbuf_done(&sb);
                return r;
        }
        base = fl_strbuf_steal(&sb);
        if (!base)
                return -ENOMEM;
        *ret_base = base;
        return 0;
}

int fl_httpsig_nonce(char ret[static FL_HTTPSIG_NONCE_SIZE]) {
        unsigned char raw[16];
        _cleanup_free_ char *s = NULL;
        int r;

        if (RAND_bytes(raw, sizeof(raw)) != 1) {
                ERR_clear_error();
                return -EIO;
        }
        r = fl_base64url_encode(raw, sizeof(raw), &s);
        if (r < 0)
                return r;
        if (strlen(s) != FL_HTTPSIG_NONCE_SIZE - 1)
                return -EIO;
        memcpy(ret, s, FL_HTTPSIG_NONCE_SIZE);
        return 0;
}

static bool key_is_ed25519(EVP_PKEY *key) {
        return key && EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519;
}

static int ed25519_sign(EVP_PKEY *key, const char *msg, size_t len,
        unsigned char sig[static ED25519_SIGNATURE_SIZE]) {
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        size_t sig_len = ED25519_SIGNATURE_SIZE;
        int r = -EIO;

        if (!ctx)
                return -ENOMEM;
        if (EVP_DigestSignInit(ctx, NULL, NULL, NULL, key) == 1 &&
                EVP_DigestSign(ctx, sig, &sig_len, (const unsigned char *) msg, len) == 1 &&
                sig_len == ED25519_SIGNATURE_SIZE)
                r = 0;
        EVP_MD_CTX_free(ctx);
        ERR_clear_error();
        return r;
}

/* 1 when valid, 0 when not, -errno on failure. */
static int ed25519_verify(
        EVP_PKEY *key, const char *msg, size_t len, const unsigned char *sig, size_t sig_len) {
        EVP_MD_CTX *ctx = EVP_MD_CTX_new();
        int r = -EIO, k;

        if (!ctx)
                return -ENOMEM;
        if (EVP_DigestVerifyInit(ctx, NULL, NULL, NULL, key) == 1) {
                k = EVP_DigestVerify(ctx, sig, sig_len, (const unsigned char *) msg, len);
                r = k == 1;
        }
        EVP_MD_CTX_free(ctx);
        ERR_clear_error();
        return r;
}

static int append_sign_params(struct fl_strbuf *sb, const struct fl_httpsig_sign_params *p,
        struct fl_httpsig_error *error) {
        char nonce[FL_HTTPSIG_NONCE_SIZE];
        int r;

        r = fl_strbuf_append_char(sb, '(');
        for (size_t i = 0; p->components[i] && r >= 0; i++) {
                const char *c = p->components[i];

                if (i > 0)
                        r = fl_strbuf_append_char(sb, ' ');
                if (r < 0)
                        break;
                if (c[0] == '"') {
                        _cleanup_(fl_sfv_item_freep) struct fl_sfv_item *item = NULL;

                        r = fl_sfv_parse_item(c, strlen(c), &item, NULL);
                        if (r == -ENOMEM)
                                return r;
                        if (r < 0)
                                return MALFORMED(
                                        error, "component %.64s is not a serialised Item", c);
                        r = fl_sfv_append_item(sb, item);
                } else {
                        r = fl_sfv_append_string(sb, c, strlen(c));
                }
        }
        if (r >= 0)
                r = fl_strbuf_append_char(sb, ')');
        if (r >= 0 && !(p->flags & FL_HTTPSIG_SIGN_NO_CREATED)) {
                r = fl_strbuf_append_str(sb, ";created=");
                if (r >= 0)
                        r = fl_sfv_append_integer(sb, p->created);
        }
        if (r >= 0 && p->expires != 0) {
                r = fl_strbuf_append_str(sb, ";expires=");
                if (r >= 0)
                        r = fl_sfv_append_integer(sb, p->expires);
        }
        if (r >= 0 && p->keyid) {
                r = fl_strbuf_append_str(sb, ";keyid=");
                if (r >= 0)
                        r = fl_sfv_append_string(sb, p->keyid, strlen(p->keyid));
        }
        if (r >= 0 && !(p->flags & FL_HTTPSIG_SIGN_NO_NONCE)) {
                const char *n = p->nonce;

                if (!n) {
                        r = fl_httpsig_nonce(nonce);
                        n = nonce;
                }
                if (r >= 0)
                        r = fl_strbuf_append_str(sb, ";nonce=");
                if (r >= 0)
                        r = fl_sfv_append_string(sb, n, strlen(n));
        }
        if (r >= 0 && (p->flags & FL_HTTPSIG_SIGN_ALG))
                r = fl_strbuf_append_str(sb, ";alg=\"" FL_HTTPSIG_ALG "\"");
        if (r >= 0 && p->tag) {
                r = fl_strbuf_append_str(sb, ";tag=");
                if (r >= 0)
                        r = fl_sfv_append_string(sb, p->tag, strlen(p->tag));
        }
        if (r == -EINVAL)
                return MALFORMED(error, "a component name, keyid, nonce or tag has a character "
                                        "a String cannot hold, or created/expires is out of range");
        return r;
}

int fl_httpsig_sign(const struct fl_http_request *req, const struct fl_httpsig_sign_params *params,
        EVP_PKEY *key, char **ret_signature_input, char **ret_signature,
        struct fl_httpsig_error *error) {
        const char *label = params && params->label ? params->label : FL_HTTPSIG_DEFAULT_LABEL;
        struct fl_strbuf sp = {}, si = {}, sig = {};
        _cleanup_free_ char *base = NULL;
        unsigned char raw[ED25519_SIGNATURE_SIZE];
        char *a, *b;
        int r;

        if (error)
                *error = (struct fl_httpsig_error){};
        if (!req || !params || !params->components || !ret_signature_input || !ret_signature)
                return fl_httpsig_fail(error, FL_HTTPSIG_INTERNAL, -EINVAL, "invalid arguments");
        if (!key_is_ed25519(key))
                return fl_httpsig_fail(error, FL_HTTPSIG_UNSUPPORTED_ALG, -EINVAL,
                        "the signing key is not an Ed25519 key");
        if (!fl_sfv_key_is_valid(label))
                return fl_httpsig_fail(error, FL_HTTPSIG_MALFORMED_HEADER, -EINVAL,
                        "label \"%.64s\" is not a valid Dictionary key", label);

        r = append_sign_params(&sp, params, error);
        if (r >= 0)
                r = fl_httpsig_signature_base(req, sp.data, &base, error);
        if (r >= 0)
                r = ed25519_sign(key, base, strlen(base), raw);
        if (r == -EIO)
                (void) fl_httpsig_fail(error, FL_HTTPSIG_INTERNAL, r, "Ed25519 signing failed");
        if (r >= 0)
                r = fl_strbuf_appendf(&si, "%s=%s", label, sp.data);
        if (r >= 0)
                r = fl_strbuf_appendf(&sig, "%s=", label);
        if (r >= 0)
                r = fl_sfv_append_bare(&sig,
                        &(struct fl_sfv_bare){
                                .type = FL_SFV_BYTES, .data = (char *) raw, .len = sizeof(raw)});
        fl_strbuf_done(&sp);
        if (r < 0) {
                fl_strbuf_done(&si);
                fl_strbuf_done(&sig);
                if (r == -ENOMEM)
                        (void) fl_httpsig_fail(error, FL_HTTPSIG_INTERNAL, r, "out of memory");
                return r;
        }
        a = fl_strbuf_steal(&si);
        b = fl_strbuf_steal(&sig);
        if (!a || !b) {
                free(a);
                free(b);
                return -ENOMEM;
        }
        *ret_signature_input = a;
        *ret_signature = b;
        return 0;
}

void fl_httpsig_result_done(struct fl_httpsig_result *result) {
        if (!result)
                return;
        free(result->label);
        free(result->keyid);
        free(result->nonce);
        free(result->tag);
        *result = (struct fl_httpsig_result){};
}

#define REFUSE(error, status, ...) fl_httpsig_fail(error, status, -EACCES, __VA_ARGS__)

/* Reads and parses one of the two signature fields (all its lines). */
static int parse_field(const struct fl_http_request *req, const char *name, const char *display,
        struct fl_sfv_dict **ret, struct fl_httpsig_error *error) {
        struct fl_strbuf sb = {.max_len = FL_HTTPSIG_MAX_FIELD_SIZE};
        struct fl_sfv_error e = {};
        int r;

        r = fl_httpsig_append_field(req, name, &sb, error);
        if (r == 0)
                r = REFUSE(
                        error, FL_HTTPSIG_MISSING_HEADER, "the request has no %s field", display);
        else if (r == -E2BIG)
                r = REFUSE(error, FL_HTTPSIG_MALFORMED_HEADER,
                        "the %s field is longer than %u bytes", display, FL_HTTPSIG_MAX_FIELD_SIZE);
        else if (r == -EINVAL)
                r = REFUSE(error, FL_HTTPSIG_MALFORMED_HEADER,
                        "the %s field has a control or "
                        "non-ASCII character",
                        display);
        if (r > 0) {
                r = fl_sfv_parse_dict(sb.data, sb.len, ret, &e);
                if (r == -EBADMSG || r == -E2BIG)
                        r = REFUSE(error, FL_HTTPSIG_MALFORMED_HEADER,
                                "the %s field is not a valid Dictionary: %s at offset %zu", display,
                                e.message, e.offset);
        }
        fl_strbuf_done(&sb);
        return r;
}

static bool covers(const struct fl_sfv_member *m, const char *name, size_t len) {
        for (size_t i = 0; i < m->n_items; i++)
                if (m->items[i].params.n == 0 && m->items[i].bare.len == len &&
                        memcmp(m->items[i].bare.data, name, len) == 0)
                        return true;
        return false;
}

static int check_required_components(const struct fl_sfv_member *m, const char *const *required,
        struct fl_httpsig_error *error) {
        for (size_t i = 0; required && required[i]; i++) {
                const char *alt = required[i];
                bool ok = false;

                while (!ok) {
                        size_t len = strcspn(alt, "|");

                        ok = covers(m, alt, len);
                        if (!alt[len])
                                break;
                        alt += len + 1;
                }
                if (!ok)
                        return REFUSE(error, FL_HTTPSIG_MISSING_COMPONENT,
                                "the signature does not cover %s%s",
                                strchr(required[i], '|') ? "any of " : "", required[i]);
        }
        return 0;
}

static const char *param_string(const struct fl_sfv_params *ps, const char *name) {
        const struct fl_sfv_bare *b = fl_sfv_params_get(ps, name);
        return b ? b->data : NULL;
}

static int check_required_params(
        const struct fl_sfv_params *ps, unsigned required, struct fl_httpsig_error *error) {
        static const struct {
                unsigned flag;
                const char *name;
                bool string;
        } all[] = {
                {FL_HTTPSIG_PARAM_CREATED, "created", false},
                {FL_HTTPSIG_PARAM_EXPIRES, "expires", false},
                {FL_HTTPSIG_PARAM_KEYID, "keyid", true},
                {FL_HTTPSIG_PARAM_NONCE, "nonce", true},
                {FL_HTTPSIG_PARAM_ALG, "alg", true},
                {FL_HTTPSIG_PARAM_TAG, "tag", true},
        };

        for (size_t i = 0; i < ELEMENTSOF(all); i++) {
                const struct fl_sfv_bare *b;

                if (!(required & all[i].flag))
                        continue;
                b = fl_sfv_params_get(ps, all[i].name);
                if (!b)
                        return REFUSE(error, FL_HTTPSIG_MISSING_PARAM,
                                "the signature has no %s parameter", all[i].name);
                if (all[i].string && b->len == 0)
                        return REFUSE(error, FL_HTTPSIG_MISSING_PARAM,
                                "the signature's %s parameter is empty", all[i].name);
        }
        return 0;
}

static int check_times(
        const struct fl_sfv_params *ps, int64_t now, int64_t skew, struct fl_httpsig_error *error) {
        const struct fl_sfv_bare *created = fl_sfv_params_get(ps, "created");
        const struct fl_sfv_bare *expires = fl_sfv_params_get(ps, "expires");

        if (created && created->integer < now - skew)
                return REFUSE(error, FL_HTTPSIG_EXPIRED,
                        "created %" PRId64 " is %" PRId64 " s before now, more than the allowed "
                        "skew of %" PRId64 " s",
                        created->integer, now - created->integer, skew);
        if (created && created->integer > now + skew)
                return REFUSE(error, FL_HTTPSIG_TOO_NEW,
                        "created %" PRId64 " is %" PRId64 " s in the future, more than the "
                        "allowed skew of %" PRId64 " s",
                        created->integer, created->integer - now, skew);
        if (expires && expires->integer < now)
                return REFUSE(error, FL_HTTPSIG_EXPIRED,
                        "the signature expired at %" PRId64 ", %" PRId64 " s ago", expires->integer,
                        now - expires->integer);
        return 0;
}

static int select_label(const struct fl_sfv_dict *inputs, const char *wanted,
        const char **ret_label, struct fl_httpsig_error *error) {
        if (inputs->n == 0)
                return REFUSE(
                        error, FL_HTTPSIG_MISSING_HEADER, "the Signature-Input field is empty");
        if (wanted) {
                if (!fl_sfv_dict_get(inputs, wanted))
                        return REFUSE(error, FL_HTTPSIG_UNKNOWN_LABEL,
                                "Signature-Input has no signature labelled \"%.64s\"", wanted);
                *ret_label = wanted;
                return 0;
        }
        if (inputs->n > 1)
                return REFUSE(error, FL_HTTPSIG_AMBIGUOUS_LABEL,
                        "Signature-Input has %zu signatures (\"%.32s\", \"%.32s\"%s) and no "
                        "label was chosen",
                        inputs->n, inputs->v[0].key, inputs->v[1].key,
                        inputs->n > 2 ? ", ..." : "");
        *ret_label = inputs->v[0].key;
        return 0;
}

static int fill_result(
        const char *label, const struct fl_sfv_params *ps, struct fl_httpsig_result *ret) {
        struct fl_httpsig_result res = {};
        static const char *const names[] = {"created", "expires", "keyid", "nonce", "alg", "tag"};
        char **strings[] = {&res.label, &res.keyid, &res.nonce, &res.tag};
        const char *values[] = {label, param_string(ps, "keyid"), param_string(ps, "nonce"),
                param_string(ps, "tag")};

        for (size_t i = 0; i < ELEMENTSOF(names); i++)
                if (fl_sfv_params_get(ps, names[i]))
                        res.params |= 1u << i;
        if (res.params & FL_HTTPSIG_PARAM_CREATED)
                res.created = fl_sfv_params_get(ps, "created")->integer;
        if (res.params & FL_HTTPSIG_PARAM_EXPIRES)
                res.expires = fl_sfv_params_get(ps, "expires")->integer;
        for (size_t i = 0; i < ELEMENTSOF(strings); i++) {
                if (!values[i])
                        continue;
                *strings[i] = strdup(values[i]);
                if (!*strings[i]) {
                        fl_httpsig_result_done(&res);
                        return -ENOMEM;
                }
        }
        *ret = res;
        return 0;
}

int fl_httpsig_verify(const struct fl_http_request *req, const struct fl_httpsig_policy *policy,
        struct fl_httpsig_result *ret_result, struct fl_httpsig_error *error) {
        _cleanup_(fl_sfv_dict_freep) struct fl_sfv_dict *inputs = NULL, *signatures = NULL;
        const struct fl_sfv_member *input, *signature;
        struct fl_strbuf base = {};
        const char *label, *keyid, *alg;
        EVP_PKEY *key = NULL;
        int r;

        if (error)
                *error = (struct fl_httpsig_error){};
        if (!req || !policy || !policy->key_lookup || policy->skew_sec < 0)
                return fl_httpsig_fail(error, FL_HTTPSIG_INTERNAL, -EINVAL, "invalid policy");

        r = parse_field(req, "signature-input", "Signature-Input", &inputs, error);
        if (r < 0)
                return r;
        r = parse_field(req, "signature", "Signature", &signatures, error);
        if (r < 0)
                return r;
        r = select_label(inputs, policy->label, &label, error);
        if (r < 0)
                return r;
        input = fl_sfv_dict_get(inputs, label);
        signature = fl_sfv_dict_get(signatures, label);
        if (!signature)
                return REFUSE(error, FL_HTTPSIG_UNKNOWN_LABEL,
                        "the Signature field has no signature labelled \"%.64s\"", label);
        if (!input->inner)
                return REFUSE(error, FL_HTTPSIG_MALFORMED_HEADER,
                        "Signature-Input member \"%.64s\" is not an Inner List", label);
        if (signature->inner || signature->bare.type != FL_SFV_BYTES)
                return REFUSE(error, FL_HTTPSIG_MALFORMED_HEADER,
                        "Signature member \"%.64s\" is not a Byte Sequence", label);

        r = check_params(&input->params, error);
        if (r >= 0)
                r = check_components(input, error);
        if (r < 0)
                return -EACCES;
        r = check_required_components(input, policy->required_components, error);
        if (r >= 0)
                r = check_required_params(&input->params, policy->required_params, error);
        if (r < 0)
                return r;

        alg = param_string(&input->params, "alg");
        if (alg && strcmp(alg, FL_HTTPSIG_ALG) != 0)
                return REFUSE(error, FL_HTTPSIG_UNSUPPORTED_ALG,
                        "alg \"%.64s\" is not supported (only " FL_HTTPSIG_ALG ")", alg);
        r = check_times(&input->params, policy->now, policy->skew_sec, error);
        if (r < 0)
                return r;

        keyid = param_string(&input->params, "keyid");
        if (!keyid)
                return REFUSE(error, FL_HTTPSIG_UNKNOWN_KEY,
                        "the signature has no keyid, so no key can verify it");
        r = policy->key_lookup(keyid, policy->userdata, &key);
        if (r == -ENOKEY || r == -ENOENT || (r >= 0 && !key))
                return REFUSE(error, FL_HTTPSIG_UNKNOWN_KEY, "keyid \"%.64s\" is not a trusted key",
                        keyid);
        if (r < 0)
                return fl_httpsig_fail(
                        error, FL_HTTPSIG_INTERNAL, r, "looking up keyid \"%.64s\" failed", keyid);
        if (!key_is_ed25519(key))
                return REFUSE(error, FL_HTTPSIG_UNSUPPORTED_ALG,
                        "the key for keyid \"%.64s\" is not an Ed25519 key", keyid);

        r = build_base(req, input, &base, error);
        if (r >= 0 && signature->bare.len != ED25519_SIGNATURE_SIZE)
                r = REFUSE(error, FL_HTTPSIG_BAD_SIGNATURE,
                        "the signature is %zu bytes, an Ed25519 signature is 64",
                        signature->bare.len);
        if (r >= 0) {
                r = ed25519_verify(key, base.data, base.len,
                        (const unsigned char *) signature->bare.data, signature->bare.len);
                if (r == 0)
                        r = REFUSE(error, FL_HTTPSIG_BAD_SIGNATURE,
                                "the signature does not verify with the key of keyid \"%.64s\"",
                                keyid);
                else if (r < 0)
                        (void) fl_httpsig_fail(error, FL_HTTPSIG_INTERNAL, r,
                                "Ed25519 verification failed to run");
        }
        fl_strbuf_done(&base);
        if (r == -EINVAL)
                return -EACCES; /* a component problem: refused, status already set */
        if (r < 0)
                return r;

        if (ret_result) {
                r = fill_result(label, &input->params, ret_result);
                if (r < 0)
                        return fl_httpsig_fail(error, FL_HTTPSIG_INTERNAL, r, "out of memory");
        }
        return 0;
}
