/* SPDX-License-Identifier: Apache-2.0 */
#include "session.h"

#include <curl/curl.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int fl_ctl_session_open(const struct fl_ctl_flags *flags, struct fl_ctl_session *ret) {
        struct fl_ctl_session s = {};
        char err[512];
        int r;

        r = fl_ctl_config_resolve(flags, getenv(FL_CTL_CONFIG_ENV), stderr, &s.config);
        if (r == -ENOMEM) {
                fprintf(stderr, "faultlinectl: out of memory\n");
                return FL_CTL_EXIT_INVALID;
        }
        if (r < 0)
                return FL_CTL_EXIT_INVALID;
        r = fl_ctl_client_new(s.config, &s.client, err, sizeof(err));
        if (r < 0) {
                fprintf(stderr, "faultlinectl: %s\n", r == -ENOMEM ? "out of memory" : err);
                fl_ctl_config_free(s.config);
                return FL_CTL_EXIT_INVALID;
        }
        *ret = s;
        return FL_CTL_EXIT_OK;
}

void fl_ctl_session_close(struct fl_ctl_session *s) {
        s->client = fl_ctl_client_free(s->client);
        s->config = fl_ctl_config_free(s->config);
}

int fl_ctl_session_call(struct fl_ctl_session *s, const char *method, const char *path,
        json_t *body, struct fl_ctl_answer *ret) {
        _cleanup_free_ char *text = NULL;
        struct fl_ctl_answer a = {};
        char err[CURL_ERROR_SIZE + 128];
        int r;

        if (body && !(text = json_dumps(body, JSON_COMPACT))) {
                fprintf(stderr, "faultlinectl: out of memory\n");
                return FL_CTL_EXIT_INVALID;
        }
        r = fl_ctl_request(
                s->client, method, path, NULL, text, text ? strlen(text) : 0, &a, err, sizeof(err));
        if (r < 0)
                return fl_ctl_request_fail(s->client, r, err);
        if (a.status < 200 || a.status > 299) {
                r = fl_ctl_answer_fail(&a);
                fl_ctl_answer_done(&a);
                return r;
        }
        if (!a.json) {
                fprintf(stderr, "faultlinectl: the coordinator's answer to %s %s is not JSON\n",
                        method, path);
                fl_ctl_answer_done(&a);
                return FL_CTL_EXIT_UNREACHABLE;
        }
        *ret = a;
        return FL_CTL_EXIT_OK;
}

char *fl_ctl_path_with_query(
        const char *path, const char *const *names, const char *const *values, size_t n) {
        char *out = NULL;
        size_t len = 0;
        bool first = true;
        FILE *f = open_memstream(&out, &len);

        if (!f)
                return NULL;
        fputs(path, f);
        for (size_t i = 0; i < n; i++) {
                char *e;

                if (!values[i])
                        continue;
                e = curl_easy_escape(NULL, values[i], 0);
                if (!e) {
                        fclose(f);
                        free(out);
                        return NULL;
                }
                fprintf(f, "%c%s=%s", first ? '?' : '&', names[i], e);
                curl_free(e);
                first = false;
        }
        if (fclose(f) != 0) {
                free(out);
                return NULL;
        }
        return out;
}
