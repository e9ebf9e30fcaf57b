/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The coordinator's server-side TLS context (OpenSSL 3): TLS 1.2 or newer,
 * the server certificate chain and key of the tls block, and, with
 * server_config.enable_tls = true, client certificates requested and
 * verified against tls.ca_file. A client may still connect without a
 * certificate (routes with allow_public need no identity); one that presents
 * a certificate the CA did not sign fails the handshake.
 */
#pragma once

#include <openssl/ssl.h>
#include <stdbool.h>
#include <stddef.h>

#include "config.h"

enum fl_tls_file {
        FL_TLS_FILE_CA,
        FL_TLS_FILE_CERT,
        FL_TLS_FILE_KEY,
};

/* "ca_file", "cert_file", "key_file". */
const char *fl_tls_file_name(enum fl_tls_file f);

/* Creates the context. Returns 0; on failure -errno (-ENOENT, -EACCES... for
 * a file that cannot be opened, -EINVAL for one OpenSSL refuses or a key that
 * does not match the certificate, -ENOMEM), the file at fault in *ret_which
 * and an explanation in `err`. */
int fl_tls_server_ctx_new(const struct fl_tls_config *files, bool verify_clients, SSL_CTX **ret,
        enum fl_tls_file *ret_which, char *err, size_t err_size);
