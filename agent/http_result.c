/* SPDX-License-Identifier: Apache-2.0 */
#include "http_result.h"

#include <errno.h>
#include <string.h>

static const char *const failure_names[_FL_HTTP_FAILURE_MAX] = {
        [FL_HTTP_OK] = "ok",
        [FL_HTTP_CONNECT] = "connect",
        [FL_HTTP_TIMEOUT] = "timeout",
        [FL_HTTP_TLS] = "tls",
        [FL_HTTP_TLS_CONFIG] = "tls_config",
        [FL_HTTP_TOO_LARGE] = "too_large",
        [FL_HTTP_TRANSFER] = "transfer",
};

const char *fl_http_failure_to_string(enum fl_http_failure f) {
        return f >= 0 && f < _FL_HTTP_FAILURE_MAX ? failure_names[f] : "unknown";
}

int fl_http_failure_from_string(const char *s, enum fl_http_failure *ret) {
        for (int f = 0; s && f < _FL_HTTP_FAILURE_MAX; f++)
                if (strcmp(s, failure_names[f]) == 0) {
                        *ret = (enum fl_http_failure) f;
                        return 0;
                }
        return -EINVAL;
}
