/* SPDX-License-Identifier: Apache-2.0 */
#include "spiffe.h"

#include "macro.h"

#include <errno.h>
#include <openssl/x509v3.h>
#include <string.h>

static bool lower_or_digit(char c) {
        return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
}

static bool segment_char(char c) {
        return lower_or_digit(c) || (c >= 'A' && c <= 'Z') || c == '.' || c == '-' || c == '_';
}

static int fail(const char **ret_reason, const char *reason) {
        if (ret_reason)
                *ret_reason = reason;
        return -EINVAL;
}

int fl_spiffe_id_check(const char *s, size_t len, const char **ret_reason) {
        static const char scheme[] = "spiffe://";
        size_t i = sizeof(scheme) - 1, td;

        if (len > FL_SPIFFE_ID_MAX)
                return fail(ret_reason, "longer than 2048 bytes");
        if (len < i || memcmp(s, scheme, i) != 0)
                return fail(ret_reason, "does not start with \"spiffe://\"");
        for (td = i; i < len && s[i] != '/'; i++)
                if (!lower_or_digit(s[i]) && s[i] != '.' && s[i] != '-' && s[i] != '_')
                        return fail(ret_reason,
                                "the trust domain may hold only lowercase letters, digits, '.', "
                                "'-' and '_'");
        if (i == td)
                return fail(ret_reason, "the trust domain is empty");
        while (i < len) {
                size_t start = ++i; /* past '/' */

                while (i < len && s[i] != '/') {
                        if (!segment_char(s[i]))
                                return fail(ret_reason,
                                        "a path segment may hold only letters, digits, '.', '-' "
                                        "and '_'");
                        i++;
                }
                if (i == start)
                        return fail(ret_reason, "the path has an empty segment or a trailing '/'");
                if ((i - start == 1 && s[start] == '.') ||
                        (i - start == 2 && s[start] == '.' && s[start + 1] == '.'))
                        return fail(ret_reason, "the path has a \".\" or \"..\" segment");
        }
        return 0;
}

int fl_spiffe_id_from_cert(X509 *cert, char **ret, const char **ret_reason) {
        GENERAL_NAMES *names;
        const ASN1_IA5STRING *uri = NULL;
        int n_uris = 0, r;
        char *id;

        names = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
        for (int i = 0; names && i < sk_GENERAL_NAME_num(names); i++) {
                const GENERAL_NAME *g = sk_GENERAL_NAME_value(names, i);
                if (g->type == GEN_URI) {
                        uri = g->d.uniformResourceIdentifier;
                        n_uris++;
                }
        }
        if (n_uris == 0) {
                GENERAL_NAMES_free(names);
                (void) fail(ret_reason, "the certificate has no URI SAN");
                return -ENOENT;
        }
        if (n_uris > 1) {
                GENERAL_NAMES_free(names);
                return fail(ret_reason, "the certificate has more than one URI SAN");
        }
        /* The check refuses NUL bytes too, so strndup() below keeps it all. */
        r = fl_spiffe_id_check((const char *) ASN1_STRING_get0_data(uri),
                (size_t) ASN1_STRING_length(uri), ret_reason);
        if (r < 0) {
                GENERAL_NAMES_free(names);
                return r;
        }
        id = strndup((const char *) ASN1_STRING_get0_data(uri), (size_t) ASN1_STRING_length(uri));
        GENERAL_NAMES_free(names);
        if (!id)
                return -ENOMEM;
        *ret = id;
        return 0;
}
