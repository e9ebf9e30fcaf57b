/* SPDX-License-Identifier: Apache-2.0 */
/*
 * SPIFFE IDs (github.com/spiffe/spiffe, standards/SPIFFE-ID.md): the caller
 * identity of the coordinator's ACL, carried as the one URI SAN of an X.509
 * client certificate.
 *
 *   spiffe://example.com/worker-admin
 *   \____/   \_________/\___________/
 *   scheme   trust domain   path
 *
 * Trust domain: lowercase letters, digits, '.', '-', '_'; no port, no user
 * info. Path: zero or more "/segment", each of letters, digits, '.', '-',
 * '_', never empty, "." or ".."; no trailing '/', no query, no fragment. At
 * most 2048 bytes. IDs are compared byte for byte, so anything that could
 * be written two ways (uppercase scheme or trust domain, percent-encoding) is
 * refused rather than normalised.
 */
#pragma once

#include <openssl/x509.h>
#include <stdbool.h>
#include <stddef.h>

#define FL_SPIFFE_ID_MAX 2048

/* Checks `len` bytes of `s`. Returns 0, or -EINVAL with a static reason in
 * *ret_reason (may be NULL). */
int fl_spiffe_id_check(const char *s, size_t len, const char **ret_reason);

/* The SPIFFE ID of a (verified) certificate: its only URI SAN, which must be
 * a valid SPIFFE ID. Returns 0 and a new string; -ENOENT when the
 * certificate has no URI SAN; -EINVAL when it has several, or one that is
 * not a valid SPIFFE ID (reason in *ret_reason); -ENOMEM. */
int fl_spiffe_id_from_cert(X509 *cert, char **ret, const char **ret_reason);
