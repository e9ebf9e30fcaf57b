/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Shared between httpsig.c (signature bases, signing, verification) and
 * httpsig_components.c (deriving component values from a request). Not a
 * public interface.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "httpsig.h"
#include "sfv.h"
#include "strbuf.h"

/* The request split into the pieces derived components come from. Points
 * into the caller's strings; nothing is allocated. A NULL piece is unknown
 * (a component needing it is unavailable). */
struct fl_httpsig_view {
        const struct fl_http_request *req;
        const char *scheme;
        size_t scheme_len;
        const char *authority;
        size_t authority_len;
        const char *path; /* path_len 0 means "/" */
        size_t path_len;
        const char *query; /* after '?', NULL when there is no '?' */
        size_t query_len;
        const char *target_problem; /* why the target is unknown, or NULL */
};

void fl_httpsig_view_init(struct fl_httpsig_view *v, const struct fl_http_request *req);

/* Checks that a covered component identifier is one we can derive: a
 * String naming a known derived component or a lowercase field name, with
 * only parameters we support. Fills *error and returns -EINVAL if not. */
int fl_httpsig_component_check(const struct fl_sfv_item *id, struct fl_httpsig_error *error);

/* Appends the canonical value of a (checked) component. Returns 0, -EINVAL
 * with *error filled when it is not available in the request, -E2BIG or
 * -ENOMEM. */
int fl_httpsig_component_value(const struct fl_httpsig_view *v, const struct fl_sfv_item *id,
        struct fl_strbuf *sb, struct fl_httpsig_error *error);

/* Sets *error (if non-NULL) and returns r. */
_printf_(4, 5) int fl_httpsig_fail(
        struct fl_httpsig_error *error, enum fl_httpsig_status status, int r, const char *fmt, ...);

/* Combines the values of every header line named `name` (any case) as RFC
 * 9421 section 2.1 does. Returns 1 and appends when present, 0 when absent,
 * -EINVAL (with *error) when a value has characters a signature base cannot
 * hold, -E2BIG / -ENOMEM. */
int fl_httpsig_append_field(const struct fl_http_request *req, const char *name,
        struct fl_strbuf *sb, struct fl_httpsig_error *error);
