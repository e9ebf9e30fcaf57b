/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The coordinator's access control: server_config's route_rule blocks
 * (docs/coordinator.md, "Access control").
 *
 * A rule matches a request when its method is the request's (or "*") and
 * one of its route_patterns matches the request's path. A request is
 * allowed when ANY matching rule allows its caller: the caller's SPIFFE ID is
 * in the rule's `uris`, or the rule has allow_public = true (no identity
 * needed). Rule order does not matter. No matching rule, or no matching rule
 * that allows the caller: denied (403). The access log skips a request when
 * it was allowed and any matching rule has skip_log_match = true; denials are
 * always logged.
 *
 * Patterns are globs in which '*' matches any run of characters, '/'
 * included, and every other character only itself: "/v1/" followed by '*'
 * matches "/v1/triggers" and "/v1/a/b"; "/metrics" only "/metrics". They are matched
 * against the path exactly as received (no percent-decoding, no dot
 * removal); the router uses the same string, so a path written differently
 * can only miss a route, never reach one under another rule.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "config.h"

struct fl_acl_decision {
        bool allowed;
        bool matched;  /* some rule matched method and path */
        bool skip_log; /* allowed, and a matching rule has skip_log_match */
        /* The rule that allowed (allowed), or the first matching one that did
         * not (matched && !allowed); NULL when none matched. Borrowed. */
        const char *rule;
};

/* `method` is one FL_METHOD_* bit; `identity` the caller's SPIFFE ID, NULL
 * for none (no client certificate, or an invalid one). */
void fl_acl_check(const struct fl_server_config *c, unsigned method, const char *path,
        const char *identity, struct fl_acl_decision *ret);

/* '*' matches any characters ('/' included); others match themselves. */
bool fl_glob_match(const char *pattern, const char *s);
