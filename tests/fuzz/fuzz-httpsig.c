/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the path a signed request takes through the
 * coordinator: Signature-Input + Signature + arbitrary headers into
 * fl_httpsig_verify(), the Signature-Input text into
 * fl_httpsig_signature_base(), and Content-Digest against a body.
 *
 * Input: one flags byte, then lines: the Signature-Input value, the
 * Signature value, then "name: value" header lines up to an empty line;
 * what follows is the body. Flags pick the label policy and the request
 * form. The verifier trusts RFC 9421's test-key-ed25519 at the time of its
 * B.2.6 example, so the seed corpus reaches a real verification.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "httpsig.h"

#define MAX_HEADERS 32

/* RFC 9421 B.1.4's public key, raw (PEM decoding would dominate the run time). */
static const unsigned char rfc_public_key[32] = {
        0x26,
        0xb4,
        0x0b,
        0x8f,
        0x93,
        0xff,
        0xf3,
        0xd8,
        0x97,
        0x11,
        0x2f,
        0x7e,
        0xbc,
        0x58,
        0x2b,
        0x23,
        0x2d,
        0xbd,
        0x72,
        0x51,
        0x7d,
        0x08,
        0x2f,
        0xe8,
        0x3c,
        0xfb,
        0x30,
        0xdd,
        0xce,
        0x43,
        0xd1,
        0xbb,
};

static int lookup(const char *keyid, void *userdata, EVP_PKEY **ret_key) {
        if (strcmp(keyid, "test-key-ed25519") != 0)
                return -ENOKEY;
        *ret_key = userdata;
        return 0;
}

static char *next_line(char **cursor, char *end) {
        char *line = *cursor, *nl;

        if (line >= end)
                return NULL;
        nl = memchr(line, '\n', (size_t) (end - line));
        if (!nl)
                nl = end;
        *nl = '\0';
        *cursor = nl + 1;
        return line;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct fl_http_header headers[MAX_HEADERS + 2];
        struct fl_httpsig_result res = {};
        struct fl_httpsig_error e = {};
        static const char *const required[] = {"@method", "@path|@target-uri", NULL};
        EVP_PKEY *key = NULL;
        char *buf, *cursor, *end, *line, *body, *base = NULL;
        const char *digest = NULL, *input;
        size_t n = 0;
        uint8_t flags;
        int r;

        if (size < 1 || size > 65536)
                return 0;
        flags = data[0];
        buf = malloc(size + 1);
        if (!buf)
                return 0;
        memcpy(buf, data + 1, size - 1);
        buf[size - 1] = '\0';
        cursor = buf;
        end = buf + size - 1;

        input = next_line(&cursor, end);
        if (input)
                headers[n++] = (struct fl_http_header){"Signature-Input", input};
        line = next_line(&cursor, end);
        if (line)
                headers[n++] = (struct fl_http_header){"Signature", line};
        while (n < MAX_HEADERS + 2 && (line = next_line(&cursor, end)) && *line) {
                char *colon = strchr(line, ':');
                if (!colon)
                        continue;
                *colon++ = '\0';
                while (*colon == ' ')
                        colon++;
                headers[n++] = (struct fl_http_header){line, colon};
                if (strcasecmp(line, "content-digest") == 0)
                        digest = colon;
        }
        body = cursor < end ? cursor : end;

        struct fl_http_request req = {
                .method = "POST",
                .headers = headers,
                .n_headers = n,
        };
        if (flags & 1) {
                req.target_uri = "https://example.com/foo?param=Value&Pet=dog";
        } else {
                req.scheme = "https";
                req.authority = "example.com";
                req.request_target = "/foo?param=Value&Pet=dog";
        }

        key = EVP_PKEY_new_raw_public_key(
                EVP_PKEY_ED25519, NULL, rfc_public_key, sizeof(rfc_public_key));
        if (!key)
                abort();
        struct fl_httpsig_policy policy = {
                .label = (flags & 2) ? "sig-b26" : NULL,
                .required_components = (flags & 4) ? required : NULL,
                .required_params =
                        (flags & 8) ? FL_HTTPSIG_PARAM_CREATED | FL_HTTPSIG_PARAM_KEYID : 0,
                .now = 1618884473,
                .skew_sec = 300,
                .key_lookup = lookup,
                .userdata = key,
        };
        r = fl_httpsig_verify(&req, &policy, &res, &e);
        if (r == 0 && (e.status != FL_HTTPSIG_OK || !res.label))
                abort();
        if (r < 0 && (e.status == FL_HTTPSIG_OK || e.message[0] == '\0' || res.label))
                abort();
        fl_httpsig_result_done(&res);

        if (input) {
                r = fl_httpsig_signature_base(&req, input, &base, &e);
                if (r == 0 && !base)
                        abort();
                free(base);
        }
        if (digest)
                (void) fl_digest_verify(digest, strlen(digest), body, (size_t) (end - body), NULL);

        EVP_PKEY_free(key);
        free(buf);
        return 0;
}
