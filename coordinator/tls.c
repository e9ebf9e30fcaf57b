/* SPDX-License-Identifier: Apache-2.0 */
#include "tls.h"

#include "macro.h"

#include <errno.h>
#include <openssl/err.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

/* Resumed sessions must keep the verified client identity: OpenSSL refuses
 * to resume without a session id context once peers are verified. */
static const unsigned char session_context[] = "faultline-coordinator";

const char *fl_tls_file_name(enum fl_tls_file f) {
        switch (f) {
        case FL_TLS_FILE_CA:
                return "ca_file";
        case FL_TLS_FILE_CERT:
                return "cert_file";
        case FL_TLS_FILE_KEY:
                return "key_file";
        }
        return NULL;
}

/* `what`, with the first (most specific) OpenSSL reason: "no usable PEM
 * private key (unsupported)". */
static void openssl_reason(char *err, size_t size, const char *what) {
        unsigned long e = ERR_peek_error();
        const char *reason = e ? ERR_reason_error_string(e) : NULL;

        if (reason)
                snprintf(err, size, "%s (%s)", what, reason);
        else
                snprintf(err, size, "%s", what);
        ERR_clear_error();
}

/* Distinguishes "cannot open" (-errno) from "OpenSSL refuses the content". */
static int fail_file(const char *path, enum fl_tls_file which, enum fl_tls_file *ret_which,
        char *err, size_t size, const char *what) {
        *ret_which = which;
        if (access(path, R_OK) < 0) {
                int r = negative_errno();
                snprintf(err, size, "%s", strerror(-r));
                ERR_clear_error();
                return r;
        }
        openssl_reason(err, size, what);
        return -EINVAL;
}

int fl_tls_server_ctx_new(const struct fl_tls_config *files, bool verify_clients, SSL_CTX **ret,
        enum fl_tls_file *ret_which, char *err, size_t err_size) {
        SSL_CTX *ctx;
        int r;

        ctx = SSL_CTX_new(TLS_server_method());
        if (!ctx) {
                snprintf(err, err_size, "cannot create a TLS context");
                return -ENOMEM;
        }
        SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
        SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE);
        if (SSL_CTX_use_certificate_chain_file(ctx, files->cert_file) != 1) {
                r = fail_file(files->cert_file, FL_TLS_FILE_CERT, ret_which, err, err_size,
                        "no usable PEM certificate");
                goto fail;
        }
        if (SSL_CTX_use_PrivateKey_file(ctx, files->key_file, SSL_FILETYPE_PEM) != 1) {
                r = fail_file(files->key_file, FL_TLS_FILE_KEY, ret_which, err, err_size,
                        "no usable PEM private key");
                goto fail;
        }
        if (SSL_CTX_check_private_key(ctx) != 1) {
                *ret_which = FL_TLS_FILE_KEY;
                openssl_reason(err, err_size, "the key does not match the certificate");
                r = -EINVAL;
                goto fail;
        }
        if (verify_clients) {
                STACK_OF(X509_NAME) * names;

                if (SSL_CTX_load_verify_locations(ctx, files->ca_file, NULL) != 1) {
                        r = fail_file(files->ca_file, FL_TLS_FILE_CA, ret_which, err, err_size,
                                "no usable PEM CA certificate");
                        goto fail;
                }
                /* Tells clients which CA to pick a certificate for. */
                names = SSL_load_client_CA_file(files->ca_file);
                if (!names) {
                        r = fail_file(files->ca_file, FL_TLS_FILE_CA, ret_which, err, err_size,
                                "no usable PEM CA certificate");
                        goto fail;
                }
                SSL_CTX_set_client_CA_list(ctx, names);
                SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
                SSL_CTX_set_verify_depth(ctx, 8);
        }
        if (SSL_CTX_set_session_id_context(ctx, session_context, sizeof(session_context) - 1) !=
                1) {
                snprintf(err, err_size, "cannot set the session id context");
                r = -ENOMEM;
                goto fail;
        }
        *ret = ctx;
        return 0;
fail:
        SSL_CTX_free(ctx);
        return r;
}
