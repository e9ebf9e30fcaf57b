/* SPDX-License-Identifier: Apache-2.0 */
/*
 * HTTP Message Signatures (RFC 9421) with Ed25519, for requests.
 *
 * The signer lists the message components it covers and some metadata; both
 * sides rebuild the same "signature base" from their own view of the request,
 * and the Ed25519 signature is over that base. For the trigger the agent
 * sends (docs/signatures.md):
 *
 *   "@method": POST
 *   "@authority": coordinator.example:7443
 *   "@path": /v1/triggers
 *   "content-type": application/json
 *   "content-digest": sha-256=:X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=:
 *   "@signature-params": ("@method" "@authority" "@path" "content-type" \
 *       "content-digest");created=1618884473;keyid="node-17";nonce="..."
 *
 * carried in two Dictionary fields keyed by a label:
 *
 *   Signature-Input: sig1=("@method" "@authority" ...);created=...;keyid=...
 *   Signature: sig1=:<64 bytes of Ed25519 signature, base64>:
 *
 * Supported components: @method, @target-uri, @authority, @scheme,
 * @request-target, @path, @query, @query-param (with name=), and header
 * fields, plain or with the `key` (Dictionary member) or `bs` (Byte Sequence
 * wrapping) parameter. `sf`, `req` and `tr`, and @status, are refused with
 * FL_HTTPSIG_UNSUPPORTED_COMPONENT.
 */
#pragma once

#include <openssl/evp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "macro.h"

#define FL_HTTPSIG_DEFAULT_LABEL  "sig1"
#define FL_HTTPSIG_ALG            "ed25519"
/* Caps on what a peer controls. */
#define FL_HTTPSIG_MAX_FIELD_SIZE 8192u  /* Signature-Input or Signature, all lines */
#define FL_HTTPSIG_MAX_COMPONENTS 64u    /* covered components of one signature */
#define FL_HTTPSIG_MAX_BASE_SIZE  65536u /* bytes of one signature base */
/* A generated nonce: 128 random bits, base64url without padding (22 chars). */
#define FL_HTTPSIG_NONCE_SIZE     23u

/* One header field line. Names are matched case-insensitively; several lines
 * with the same name are combined in order, as RFC 9421 section 2.1 says. */
struct fl_http_header {
        const char *name;
        const char *value;
};

/* The request as the caller sees it. Give either `target_uri` (absolute,
 * e.g. "https://coordinator:7443/v1/triggers?x=1") or all of `scheme`,
 * `authority` (the Host header) and `request_target` (origin form, e.g.
 * "/v1/triggers?x=1"); a fragment is ignored. Nothing is copied: the
 * pointers must stay valid during the call. */
struct fl_http_request {
        const char *method;
        const char *target_uri;
        const char *scheme;
        const char *authority;
        const char *request_target;
        const struct fl_http_header *headers;
        size_t n_headers;
};

/* Why a signature was refused (or could not be made). */
enum fl_httpsig_status {
        FL_HTTPSIG_OK = 0,
        FL_HTTPSIG_MISSING_HEADER,        /* no Signature-Input or no Signature field */
        FL_HTTPSIG_MALFORMED_HEADER,      /* not a valid Dictionary, or wrong member/param types */
        FL_HTTPSIG_UNKNOWN_LABEL,         /* the chosen label is not in both fields */
        FL_HTTPSIG_AMBIGUOUS_LABEL,       /* several signatures and no label chosen */
        FL_HTTPSIG_MISSING_COMPONENT,     /* a component the policy requires is not covered */
        FL_HTTPSIG_UNAVAILABLE_COMPONENT, /* a covered component is not in the message */
        FL_HTTPSIG_UNSUPPORTED_COMPONENT, /* a covered component or parameter we cannot derive */
        FL_HTTPSIG_MISSING_PARAM,         /* created/keyid/nonce/... required but absent */
        FL_HTTPSIG_UNSUPPORTED_ALG,       /* alg is not ed25519, or the key is not Ed25519 */
        FL_HTTPSIG_UNKNOWN_KEY,           /* keyid absent or not known to the key lookup */
        FL_HTTPSIG_EXPIRED,               /* created too old, or expires passed */
        FL_HTTPSIG_TOO_NEW,               /* created in the future beyond the skew */
        FL_HTTPSIG_BAD_SIGNATURE,         /* the signature does not verify */
        FL_HTTPSIG_INTERNAL,              /* out of memory, crypto or key lookup failure */
        _FL_HTTPSIG_STATUS_MAX,
};

/* A status and a one-line explanation naming the label, component or
 * parameter concerned, e.g. "created 1618884000 is 473 s before now, more
 * than the allowed skew of 300 s". */
struct fl_httpsig_error {
        enum fl_httpsig_status status;
        char message[256];
};

/* Stable snake_case name of a status ("bad_signature"), for logs and API
 * error bodies. */
const char *fl_httpsig_status_to_string(enum fl_httpsig_status status);

/* Signature parameters, as flags. */
enum {
        FL_HTTPSIG_PARAM_CREATED = 1u << 0,
        FL_HTTPSIG_PARAM_EXPIRES = 1u << 1,
        FL_HTTPSIG_PARAM_KEYID = 1u << 2,
        FL_HTTPSIG_PARAM_NONCE = 1u << 3,
        FL_HTTPSIG_PARAM_ALG = 1u << 4,
        FL_HTTPSIG_PARAM_TAG = 1u << 5,
};

/* Flags for fl_httpsig_sign_params.flags. */
enum {
        FL_HTTPSIG_SIGN_ALG = 1u << 0,        /* add alg="ed25519" */
        FL_HTTPSIG_SIGN_NO_CREATED = 1u << 1, /* omit created */
        FL_HTTPSIG_SIGN_NO_NONCE = 1u << 2,   /* omit nonce (no random one either) */
};

struct fl_httpsig_sign_params {
        /* NULL-terminated covered components, in order: a component name
         * ("@method", "content-digest") or a serialised component identifier
         * ("\"@query-param\";name=\"id\"", "\"example-dict\";key=\"a\""). */
        const char *const *components;
        const char *label; /* NULL: "sig1" */
        const char *keyid; /* NULL: omitted */
        int64_t created;   /* Unix seconds, unless FL_HTTPSIG_SIGN_NO_CREATED */
        int64_t expires;   /* Unix seconds; 0: omitted */
        const char *nonce; /* NULL: a fresh random one, unless FL_HTTPSIG_SIGN_NO_NONCE */
        const char *tag;   /* NULL: omitted */
        unsigned flags;    /* FL_HTTPSIG_SIGN_* */
};

/* Signs `req`. Parameters appear in the order created, expires, keyid,
 * nonce, alg, tag. Returns 0 with the Signature-Input and Signature field
 * values as new strings ("sig1=(...);created=...", "sig1=:...:"), or
 * -EINVAL (bad parameters, or a component that cannot be derived: see
 * *error), -ENOMEM, -EIO (crypto failure). `error` may be NULL. */
int fl_httpsig_sign(const struct fl_http_request *req, const struct fl_httpsig_sign_params *params,
        EVP_PKEY *key, char **ret_signature_input, char **ret_signature,
        struct fl_httpsig_error *error);

/* Looks up the public key for a keyid. Returns 0 and a key the callee keeps
 * owning (it must stay valid until fl_httpsig_verify() returns), -ENOKEY
 * when the keyid is unknown, or another -errno on failure. */
typedef int (*fl_httpsig_key_lookup_fn)(const char *keyid, void *userdata, EVP_PKEY **ret_key);

/* What a verifier demands. */
struct fl_httpsig_policy {
        /* NULL: the message must carry exactly one signature. */
        const char *label;
        /* NULL-terminated; each entry names a component that must be covered
         * without parameters, "a|b" meaning either. May be NULL. */
        const char *const *required_components;
        unsigned required_params; /* FL_HTTPSIG_PARAM_* */
        /* created (when present) must lie within [now - skew_sec, now +
         * skew_sec]; expires (when present) must not be before now. */
        int64_t now;
        int64_t skew_sec;
        fl_httpsig_key_lookup_fn key_lookup;
        void *userdata;
};

/* What a successful verification found, for replay detection and binding.
 * Strings are owned by the result; absent ones are NULL. */
struct fl_httpsig_result {
        char *label;
        char *keyid;
        char *nonce;
        char *tag;
        int64_t created; /* valid when params & FL_HTTPSIG_PARAM_CREATED */
        int64_t expires; /* valid when params & FL_HTTPSIG_PARAM_EXPIRES */
        unsigned params; /* FL_HTTPSIG_PARAM_* present in the signature */
};

/* Frees the strings of a result and zeroes it; accepts a zeroed result. */
void fl_httpsig_result_done(struct fl_httpsig_result *result);

/* Verifies the signature on `req` under `policy`. The checks run in this
 * order, the first failure deciding the status: fields present and well
 * formed, label, covered components well formed, required components,
 * required parameters, alg, created/expires against now, key lookup, the
 * signature base (covered components present), the Ed25519 signature.
 *
 * Returns 0 and fills *ret_result; -EACCES when the signature is refused
 * (error->status says why); -EINVAL for an invalid policy; -ENOMEM or the
 * key lookup's error for internal failures (status FL_HTTPSIG_INTERNAL).
 * `error` may be NULL; `ret_result` may be NULL. Content-Digest is not
 * checked here: cover it and check it with fl_digest_verify(). */
int fl_httpsig_verify(const struct fl_http_request *req, const struct fl_httpsig_policy *policy,
        struct fl_httpsig_result *ret_result, struct fl_httpsig_error *error);

/* Builds the signature base of `req` for a serialised signature-params
 * value, i.e. an Inner List with parameters such as
 * ("@method" "@path");created=1618884473;keyid="k". Returns 0 and the base
 * (without a trailing newline) as a new string, -EINVAL with *error filled
 * when the value is malformed or a component cannot be derived, -ENOMEM. */
int fl_httpsig_signature_base(const struct fl_http_request *req, const char *signature_params,
        char **ret_base, struct fl_httpsig_error *error);

/* Writes a fresh nonce (FL_HTTPSIG_NONCE_SIZE bytes with the NUL) from the
 * OpenSSL CSPRNG. Returns 0 or -EIO. */
int fl_httpsig_nonce(char ret[static FL_HTTPSIG_NONCE_SIZE]);

/* Ed25519 keys in PEM: PKCS#8 "PRIVATE KEY" (as written by
 * `openssl genpkey -algorithm ed25519`) and SPKI "PUBLIC KEY" (`openssl pkey
 * -pubout`). Encrypted private keys are refused (no passphrase prompt).
 * Return 0 and a new EVP_PKEY, -ENOENT/-EACCES/... from opening the file,
 * -EFBIG for a file over 64 KiB, -EBADMSG when there is no such PEM key, or
 * -EKEYREJECTED when the key is not Ed25519. */
int fl_httpsig_load_private_key(const char *path, EVP_PKEY **ret);
int fl_httpsig_load_public_key(const char *path, EVP_PKEY **ret);
int fl_httpsig_parse_private_key(const char *pem, size_t size, EVP_PKEY **ret);
int fl_httpsig_parse_public_key(const char *pem, size_t size, EVP_PKEY **ret);

static inline void fl_evp_pkey_freep(EVP_PKEY **p) {
        EVP_PKEY_free(*p);
}
#define _cleanup_evp_pkey_ _cleanup_(fl_evp_pkey_freep)

/* The profile of POST /v1/triggers (CONTRACT.md, docs/signatures.md): what
 * the agent covers, and what the coordinator requires (NULL-terminated). */
extern const char *const fl_httpsig_trigger_components[];
extern const char *const fl_httpsig_trigger_required[];
#define FL_HTTPSIG_TRIGGER_REQUIRED_PARAMS \
        (FL_HTTPSIG_PARAM_CREATED | FL_HTTPSIG_PARAM_KEYID | FL_HTTPSIG_PARAM_NONCE)

#define FL_HTTPSIG_TRIGGER_HEADERS 4

/* The header lines ("Content-Type: ...", "Content-Digest: ...",
 * "Signature-Input: ...", "Signature: ...") of a POST of `body` to `url`
 * (the absolute URL the request goes to), signed over the trigger profile
 * with `key`, `key_id`, created = `now` (Unix seconds) and a fresh nonce.
 * NULL-terminated. Returns 0 and new strings (release them with
 * fl_httpsig_trigger_headers_done()), -EINVAL (a URL the signature cannot
 * cover; `error` says why if non-NULL), -EIO (crypto) or -ENOMEM. */
int fl_httpsig_trigger_headers(const char *url, EVP_PKEY *key, const char *key_id, const char *body,
        size_t size, int64_t now, char *ret_lines[static FL_HTTPSIG_TRIGGER_HEADERS + 1],
        struct fl_httpsig_error *error);
void fl_httpsig_trigger_headers_done(char *lines[static FL_HTTPSIG_TRIGGER_HEADERS + 1]);
