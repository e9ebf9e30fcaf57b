/* SPDX-License-Identifier: Apache-2.0 */
#include "curl_api.h"

#include <dlfcn.h>
#include <errno.h>
#include <stdlib.h>

/* CURLOPT_PROTOCOLS_STR and CURLINFO_*_T getters. */
#define MIN_VERSION 0x075500 /* 7.85.0 */

/* LeakSanitizer's tracer crashes at exit (SIGSEGV in StopTheWorld, "Tracer
 * caught signal 11") now and then once libraries with dynamic TLS were
 * dlclose()d, which libcurl's dependencies are: sanitizer builds keep the
 * library mapped after unloading (everything else about unloading, curl's
 * global cleanup included, still happens). */
#ifndef __has_feature
#define __has_feature(x) 0
#endif
#if __has_feature(address_sanitizer) || defined(__SANITIZE_ADDRESS__)
#define KEEP_MAPPED 1
#else
#define KEEP_MAPPED 0
#endif

struct fl_curl_api *fl_curl_api_unload(struct fl_curl_api *api) {
        if (!api)
                return NULL;
        if (api->initialized)
                api->global_cleanup();
        if (api->dl && !KEEP_MAPPED)
                (void) dlclose(api->dl);
        free(api);
        return NULL;
}

int fl_curl_api_load(const char *library, struct fl_curl_api **ret, const char **ret_error) {
        _cleanup_(fl_curl_api_unloadp) struct fl_curl_api *api = calloc(1, sizeof(*api));
        const curl_version_info_data *info;
        CURLcode cc;

        if (!api)
                return -ENOMEM;
        /* Debian's libcurl links GnuTLS (through librtmp, for RTMPS, a
         * protocol the agent never enables). GnuTLS initialises itself when
         * loaded, and that loads p11-kit's trust module and parses the
         * system's CA bundle: megabytes of memory, and p11-kit then stays
         * mapped after libcurl is unloaded. Its documented switch skips
         * that; curl itself uses OpenSSL. Not overwritten if set. */
        (void) setenv("GNUTLS_NO_IMPLICIT_INIT", "1", 0);
        /* RTLD_LOCAL: its dependencies' symbols never interpose ours. */
        api->dl = dlopen(library ? library : FL_CURL_LIBRARY, RTLD_NOW | RTLD_LOCAL);
        if (!api->dl) {
                if (ret_error)
                        *ret_error = dlerror();
                return -ELIBACC;
        }

        const struct {
                const char *name;
                void **ptr;
        } symbols[] = {
#define SYM(field, name) {#name, (void **) &api->field}
                SYM(global_init, curl_global_init),
                SYM(global_cleanup, curl_global_cleanup),
                SYM(version_info, curl_version_info),
                SYM(multi_init, curl_multi_init),
                SYM(multi_cleanup, curl_multi_cleanup),
                SYM(multi_setopt, curl_multi_setopt),
                SYM(multi_assign, curl_multi_assign),
                SYM(multi_socket_action, curl_multi_socket_action),
                SYM(multi_info_read, curl_multi_info_read),
                SYM(multi_add_handle, curl_multi_add_handle),
                SYM(multi_remove_handle, curl_multi_remove_handle),
                SYM(multi_strerror, curl_multi_strerror),
                SYM(easy_init, curl_easy_init),
                SYM(easy_cleanup, curl_easy_cleanup),
                SYM(easy_reset, curl_easy_reset),
                SYM(easy_setopt, curl_easy_setopt),
                SYM(easy_getinfo, curl_easy_getinfo),
                SYM(easy_strerror, curl_easy_strerror),
                SYM(slist_append, curl_slist_append),
                SYM(slist_free_all, curl_slist_free_all),
#undef SYM
        };

        for (size_t i = 0; i < ELEMENTSOF(symbols); i++) {
                void *p = dlsym(api->dl, symbols[i].name);
                if (!p) {
                        if (ret_error)
                                *ret_error = dlerror();
                        return -ELIBBAD;
                }
                *symbols[i].ptr = p;
        }

        info = api->version_info(CURLVERSION_NOW);
        if (!info || info->version_num < MIN_VERSION) {
                if (ret_error)
                        *ret_error = "libcurl older than 7.85";
                return -ELIBBAD;
        }
        if (!(info->features & CURL_VERSION_SSL)) {
                if (ret_error)
                        *ret_error = "libcurl built without TLS";
                return -ELIBBAD;
        }
        /* Not CURL_GLOBAL_ALL's win32 part; OpenSSL is already initialised
         * by the agent's own use of libcrypto, this adds libssl. */
        cc = api->global_init(CURL_GLOBAL_SSL);
        if (cc != CURLE_OK) {
                if (ret_error)
                        *ret_error = "curl_global_init() failed";
                return -EIO;
        }
        api->initialized = true;
        *ret = TAKE_PTR(api);
        return 0;
}
