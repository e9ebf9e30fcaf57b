/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libcurl, loaded when the agent first has a trigger to send.
 *
 * Why not link it: Debian's libcurl4 pulls in 26 shared libraries (GnuTLS
 * through librtmp, Kerberos, LDAP, SASL, libssh2, p11-kit...), and their
 * constructors and relocations alone add about 3.7 MiB to the resident set
 * of an agent that, on a healthy machine, never sends anything (measured
 * with scripts/bench.sh agent: 10.5 MiB idle, 14.2 MiB with libcurl
 * loaded). So the agent dlopen()s libcurl on the first delivery and can
 * unload it again once delivery has been idle for a while
 * (agent/http_client.c). The same pattern as systemd's dlopen of optional
 * libraries: typed function pointers, resolved all at once, all or nothing.
 *
 * Everything else uses the real libcurl API and headers; only the calls go
 * through this table.
 */
#pragma once

#include <curl/curl.h>
#include <stdbool.h>

#include "macro.h"

#define FL_CURL_LIBRARY "libcurl.so.4"

struct fl_curl_api {
        void *dl;
        bool initialized; /* curl_global_init() succeeded */
        __typeof__(curl_global_init) *global_init;
        __typeof__(curl_global_cleanup) *global_cleanup;
        __typeof__(curl_version_info) *version_info;
        __typeof__(curl_multi_init) *multi_init;
        __typeof__(curl_multi_cleanup) *multi_cleanup;
        __typeof__(curl_multi_setopt) *multi_setopt;
        __typeof__(curl_multi_assign) *multi_assign;
        __typeof__(curl_multi_socket_action) *multi_socket_action;
        __typeof__(curl_multi_info_read) *multi_info_read;
        __typeof__(curl_multi_add_handle) *multi_add_handle;
        __typeof__(curl_multi_remove_handle) *multi_remove_handle;
        __typeof__(curl_multi_strerror) *multi_strerror;
        __typeof__(curl_easy_init) *easy_init;
        __typeof__(curl_easy_cleanup) *easy_cleanup;
        __typeof__(curl_easy_reset) *easy_reset;
        __typeof__(curl_easy_setopt) *easy_setopt;
        __typeof__(curl_easy_getinfo) *easy_getinfo;
        __typeof__(curl_easy_strerror) *easy_strerror;
        __typeof__(curl_slist_append) *slist_append;
        __typeof__(curl_slist_free_all) *slist_free_all;
};

/* Loads `library` (NULL: FL_CURL_LIBRARY), resolves every function, checks
 * that it is libcurl >= 7.85 with TLS, and runs curl_global_init(). Returns
 * 0, -ELIBACC when the library cannot be loaded, -ELIBBAD when a symbol is
 * missing or the library lacks what the agent needs, -EIO when global init
 * fails, -ENOMEM. `ret_error` (may be NULL) receives a static or
 * dlerror() message for the log, valid until the next dl call. */
int fl_curl_api_load(const char *library, struct fl_curl_api **ret, const char **ret_error);

/* curl_global_cleanup() and dlclose(); accepts NULL, returns NULL. The
 * caller must have cleaned up every multi and easy handle first. */
struct fl_curl_api *fl_curl_api_unload(struct fl_curl_api *api);
FL_DEFINE_CLEANUP(struct fl_curl_api *, fl_curl_api_unload);
