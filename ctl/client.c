/* SPDX-License-Identifier: Apache-2.0 */
#include "client.h"

#include "common.h"
#include "strbuf.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#define CONNECT_TIMEOUT_MS 5000L
#define RETRY_AFTER_MAX    64

struct fl_ctl_client {
        CURL *curl;
        char *base; /* the URL without a trailing '/' */
        char errbuf[CURL_ERROR_SIZE];
};

struct sink {
        struct fl_strbuf data; /* up to FL_CTL_ANSWER_MAX */
        bool too_large;
        char *retry_after;
};

static size_t on_data(char *ptr, size_t size, size_t nmemb, void *userdata) {
        struct sink *s = userdata;
        size_t n = size * nmemb;

        int r = fl_strbuf_append(&s->data, ptr, n);

        if (r == -E2BIG)
                s->too_large = true;
        return r < 0 ? 0 : n; /* 0: curl stops with CURLE_WRITE_ERROR */
}

static size_t on_header(char *ptr, size_t size, size_t nmemb, void *userdata) {
        struct sink *s = userdata;
        size_t n = size * nmemb, name = strlen("Retry-After:");

        if (n > name && n < name + RETRY_AFTER_MAX && strncasecmp(ptr, "Retry-After:", name) == 0) {
                const char *v = ptr + name;
                size_t len = n - name;

                while (len > 0 && (*v == ' ' || *v == '\t'))
                        v++, len--;
                while (len > 0 && (v[len - 1] == '\r' || v[len - 1] == '\n' || v[len - 1] == ' '))
                        len--;
                free(s->retry_after);
                s->retry_after = strndup(v, len);
        }
        return n;
}

struct fl_ctl_client *fl_ctl_client_free(struct fl_ctl_client *c) {
        if (!c)
                return NULL;
        curl_easy_cleanup(c->curl);
        free(c->base);
        free(c);
        return NULL;
}

static int readable(const char *what, const char *path, char *err, size_t err_size) {
        if (!path || access(path, R_OK) == 0)
                return 0;
        snprintf(err, err_size, "%s \"%s\": %s", what, path, strerror(errno));
        return -EINVAL;
}

int fl_ctl_client_new(const struct fl_ctl_config *config, struct fl_ctl_client **ret, char *err,
        size_t err_size) {
        _cleanup_(fl_ctl_client_freep) struct fl_ctl_client *c = calloc(1, sizeof(*c));
        size_t n;
        int r;

        if (!c)
                return -ENOMEM;
        r = readable("ca_file", config->ca_file, err, err_size);
        if (r == 0)
                r = readable("cert_file", config->cert_file, err, err_size);
        if (r == 0)
                r = readable("key_file", config->key_file, err, err_size);
        if (r < 0)
                return r;
        n = strlen(config->url);
        while (n > 0 && config->url[n - 1] == '/')
                n--;
        c->base = strndup(config->url, n);
        c->curl = curl_easy_init();
        if (!c->base || !c->curl)
                return -ENOMEM;
        /* Settings that hold for every request of this client. */
        if (curl_easy_setopt(c->curl, CURLOPT_PROTOCOLS_STR, "https") != CURLE_OK ||
                curl_easy_setopt(c->curl, CURLOPT_SSLVERSION, (long) CURL_SSLVERSION_TLSv1_2) !=
                        CURLE_OK ||
                curl_easy_setopt(c->curl, CURLOPT_NOSIGNAL, 1L) != CURLE_OK ||
                curl_easy_setopt(c->curl, CURLOPT_ERRORBUFFER, c->errbuf) != CURLE_OK ||
                curl_easy_setopt(c->curl, CURLOPT_CONNECTTIMEOUT_MS,
                        (long) (config->timeout_usec / 1000) < CONNECT_TIMEOUT_MS
                                ? (long) (config->timeout_usec / 1000)
                                : CONNECT_TIMEOUT_MS) != CURLE_OK ||
                curl_easy_setopt(c->curl, CURLOPT_TIMEOUT_MS,
                        (long) (config->timeout_usec / 1000)) != CURLE_OK ||
                (config->ca_file &&
                        curl_easy_setopt(c->curl, CURLOPT_CAINFO, config->ca_file) != CURLE_OK) ||
                (config->cert_file && curl_easy_setopt(c->curl, CURLOPT_SSLCERT,
                                              config->cert_file) != CURLE_OK) ||
                (config->key_file &&
                        curl_easy_setopt(c->curl, CURLOPT_SSLKEY, config->key_file) != CURLE_OK)) {
                snprintf(err, err_size, "libcurl refuses the TLS settings (built without TLS?)");
                return -EINVAL;
        }
        *ret = TAKE_PTR(c);
        return 0;
}

const char *fl_ctl_client_base_url(const struct fl_ctl_client *c) {
        return c->base;
}

void fl_ctl_answer_done(struct fl_ctl_answer *a) {
        free(a->body);
        free(a->retry_after);
        json_decref(a->json);
        *a = (struct fl_ctl_answer){};
}

/* Errors that come from this side's certificate, key or CA file rather than
 * from the network or the server. */
static bool local_tls_error(CURLcode code) {
        return code == CURLE_SSL_CERTPROBLEM || code == CURLE_SSL_CACERT_BADFILE ||
               code == CURLE_SSL_CIPHER || code == CURLE_SSL_ENGINE_NOTFOUND ||
               code == CURLE_SSL_ENGINE_SETFAILED || code == CURLE_SSL_ENGINE_INITFAILED ||
               code == CURLE_UNSUPPORTED_PROTOCOL || code == CURLE_URL_MALFORMAT;
}

int fl_ctl_request(struct fl_ctl_client *c, const char *method, const char *path,
        const char *const *headers, const char *body, size_t size, struct fl_ctl_answer *ret,
        char *err, size_t err_size) {
        _cleanup_free_ char *url = NULL;
        struct curl_slist *list = NULL, *l;
        struct sink sink = {.data.max_len = FL_CTL_ANSWER_MAX};
        char *answer;
        size_t answer_size;
        bool has_type = false;
        CURLcode code;
        long status = 0;
        int r = 0;

        if (asprintf(&url, "%s%s", c->base, path) < 0)
                return -ENOMEM;
        for (size_t i = 0; headers && headers[i]; i++) {
                if (strncasecmp(headers[i], "Content-Type:", 13) == 0)
                        has_type = true;
                l = curl_slist_append(list, headers[i]);
                if (!l)
                        goto oom;
                list = l;
        }
        if (!(l = curl_slist_append(list, "Accept: application/json")))
                goto oom;
        list = l;
        if (body && !has_type) {
                if (!(l = curl_slist_append(list, "Content-Type: application/json")))
                        goto oom;
                list = l;
        }
        /* A signature covers the body as sent: never let curl wait for a
         * 100-continue or change anything. */
        if (!(l = curl_slist_append(list, "Expect:")))
                goto oom;
        list = l;

        c->errbuf[0] = '\0';
        curl_easy_setopt(c->curl, CURLOPT_URL, url);
        curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, list);
        curl_easy_setopt(c->curl, CURLOPT_WRITEFUNCTION, on_data);
        curl_easy_setopt(c->curl, CURLOPT_WRITEDATA, &sink);
        curl_easy_setopt(c->curl, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(c->curl, CURLOPT_HEADERDATA, &sink);
        if (body) {
                curl_easy_setopt(c->curl, CURLOPT_POSTFIELDS, body);
                curl_easy_setopt(c->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) size);
        } else
                curl_easy_setopt(c->curl, CURLOPT_HTTPGET, 1L);
        curl_easy_setopt(c->curl, CURLOPT_CUSTOMREQUEST,
                strcmp(method, body ? "POST" : "GET") == 0 ? NULL : method);

        code = curl_easy_perform(c->curl);
        curl_easy_setopt(c->curl, CURLOPT_HTTPHEADER, NULL);
        curl_slist_free_all(list);
        list = NULL;
        if (sink.too_large) {
                snprintf(err, err_size, "the answer is larger than %u MiB",
                        FL_CTL_ANSWER_MAX / (1024u * 1024u));
                r = -EFBIG;
                goto fail;
        }
        if (code != CURLE_OK) {
                snprintf(err, err_size, "%s", c->errbuf[0] ? c->errbuf : curl_easy_strerror(code));
                r = local_tls_error(code)         ? -EINVAL
                    : code == CURLE_OUT_OF_MEMORY ? -ENOMEM
                                                  : -EHOSTUNREACH;
                goto fail;
        }
        curl_easy_getinfo(c->curl, CURLINFO_RESPONSE_CODE, &status);
        answer_size = sink.data.len;
        answer = fl_strbuf_steal(&sink.data);
        if (!answer)
                goto oom;
        *ret = (struct fl_ctl_answer){
                .status = status,
                .body = answer,
                .size = answer_size,
                .json = json_loadb(answer, answer_size, 0, NULL),
                .retry_after = sink.retry_after,
        };
        return 0;
oom:
        curl_slist_free_all(list);
        snprintf(err, err_size, "out of memory");
        r = -ENOMEM;
fail:
        fl_strbuf_done(&sink.data);
        free(sink.retry_after);
        return r;
}

int fl_ctl_request_fail(const struct fl_ctl_client *c, int error, const char *message) {
        switch (error) {
        case -EHOSTUNREACH:
                fprintf(stderr, "faultlinectl: cannot reach the coordinator at %s: %s\n", c->base,
                        message);
                return FL_CTL_EXIT_UNREACHABLE;
        case -EFBIG:
                fprintf(stderr, "faultlinectl: the coordinator at %s: %s\n", c->base, message);
                return FL_CTL_EXIT_UNREACHABLE;
        case -EINVAL:
                fprintf(stderr, "faultlinectl: cannot use this side's TLS files for %s: %s\n",
                        c->base, message);
                return FL_CTL_EXIT_INVALID;
        default:
                fprintf(stderr, "faultlinectl: %s\n", message);
                return FL_CTL_EXIT_INVALID;
        }
}

int fl_ctl_answer_fail(const struct fl_ctl_answer *a) {
        bool refused = a->status >= 400 && a->status < 500;
        const char *code = json_string_value(json_object_get(a->json, "error"));
        const char *message = json_string_value(json_object_get(a->json, "message"));
        int len;

        if (code)
                fprintf(stderr, "faultlinectl: the coordinator %s (%ld %s): %s\n",
                        refused ? "refused" : "failed", a->status, code, message ? message : "");
        else {
                /* Not the API's JSON (libevent's own 413, a proxy): its first
                 * line, short. */
                len = (int) strcspn(a->body ? a->body : "", "\r\n");
                fprintf(stderr, "faultlinectl: the coordinator %s (HTTP %ld)%s%.*s\n",
                        refused ? "refused" : "failed", a->status, len ? ": " : "",
                        len > 200 ? 200 : len, a->body ? a->body : "");
        }
        return refused ? FL_CTL_EXIT_REFUSED : FL_CTL_EXIT_UNREACHABLE;
}
