/* SPDX-License-Identifier: Apache-2.0 */
#include "sender_protocol.h"

#include "macro.h"
#include "sender_channel.h"

#include <errno.h>
#include <string.h>

#define CONNECTIONS_MAX 256u

/* A JSON string or null: json_null() for NULL. */
static json_t *string_or_null(const char *s) {
        return s ? json_string(s) : json_null();
}

json_t *fl_sender_hello_to_json(const struct fl_sender_hello *h) {
        return json_pack("{s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:I, s:I}", "type", "hello", "url",
                h->url, "signing_key_file", h->signing_key_file, "key_id", h->key_id, "ca_file",
                string_or_null(h->ca_file), "cert_file", string_or_null(h->cert_file), "key_file",
                string_or_null(h->key_file), "timeout_usec", (json_int_t) h->timeout_usec,
                "max_connections", (json_int_t) h->max_connections);
}

json_t *fl_sender_ready_to_json(const char *url) {
        return json_pack("{s:s, s:s}", "type", "ready", "url", url);
}

json_t *fl_sender_error_to_json(int error, const char *message) {
        return json_pack("{s:s, s:i, s:s}", "type", "error", "errno", error < 0 ? -error : error,
                "message", message);
}

json_t *fl_sender_post_to_json(uint64_t id, const char *body, size_t size) {
        return json_pack(
                "{s:s, s:I, s:s%}", "type", "post", "id", (json_int_t) id, "body", body, size);
}

/* `s` as a JSON string; bytes that are not UTF-8 become '?'. */
static json_t *string_lossy(const char *s, size_t size) {
        _cleanup_free_ char *copy = NULL;
        json_t *j = json_stringn(s, size);

        if (j)
                return j;
        copy = malloc(size + 1);
        if (!copy)
                return NULL;
        memcpy(copy, s, size);
        copy[size] = '\0';
        /* Every non-ASCII byte, valid sequences included: an answer that
         * is not UTF-8 is no decision anyway, only its text is kept. */
        for (size_t i = 0; i < size; i++)
                if ((unsigned char) copy[i] >= 0x80)
                        copy[i] = '?';
        return json_stringn(copy, size);
}

json_t *fl_sender_result_to_json(uint64_t id, const struct fl_http_result *r) {
        json_t *body = string_lossy(r->body ? r->body : "", r->body ? r->body_size : 0);

        if (!body)
                return NULL;
        return json_pack("{s:s, s:I, s:s, s:i, s:o, s:o, s:o, s:b, s:I}", "type", "result", "id",
                (json_int_t) id, "failure", fl_http_failure_to_string(r->failure), "status",
                r->status, "body", body, "retry_after", string_or_null(r->retry_after), "error",
                string_or_null(r->error), "new_connection", r->new_connection, "elapsed_usec",
                (json_int_t) r->elapsed_usec);
}

/* An optional string: absent or null gives NULL. */
static int optional_string(json_t *m, const char *key, const char **ret) {
        json_t *v = json_object_get(m, key);

        if (!v || json_is_null(v)) {
                *ret = NULL;
                return 0;
        }
        if (!json_is_string(v))
                return -EBADMSG;
        *ret = json_string_value(v);
        return 0;
}

static int required_string(json_t *m, const char *key, const char **ret) {
        const char *s = json_string_value(json_object_get(m, key));

        if (!s)
                return -EBADMSG;
        *ret = s;
        return 0;
}

static int unsigned_integer(json_t *m, const char *key, uint64_t *ret) {
        json_t *v = json_object_get(m, key);

        if (!json_is_integer(v) || json_integer_value(v) < 0)
                return -EBADMSG;
        *ret = (uint64_t) json_integer_value(v);
        return 0;
}

int fl_sender_hello_from_json(json_t *m, struct fl_sender_hello *ret) {
        struct fl_sender_hello h = {};
        uint64_t n = 0;

        if (required_string(m, "url", &h.url) < 0 ||
                required_string(m, "signing_key_file", &h.signing_key_file) < 0 ||
                required_string(m, "key_id", &h.key_id) < 0 ||
                optional_string(m, "ca_file", &h.ca_file) < 0 ||
                optional_string(m, "cert_file", &h.cert_file) < 0 ||
                optional_string(m, "key_file", &h.key_file) < 0 ||
                unsigned_integer(m, "timeout_usec", &h.timeout_usec) < 0 ||
                unsigned_integer(m, "max_connections", &n) < 0 || n == 0 || n > CONNECTIONS_MAX)
                return -EBADMSG;
        h.max_connections = (unsigned) n;
        *ret = h;
        return 0;
}

int fl_sender_post_from_json(json_t *m, uint64_t *ret_id, const char **ret_body, size_t *ret_size) {
        json_t *body = json_object_get(m, "body");
        uint64_t id;

        if (unsigned_integer(m, "id", &id) < 0 || !json_is_string(body) ||
                json_string_length(body) > FL_SENDER_BODY_MAX)
                return -EBADMSG;
        *ret_id = id;
        *ret_body = json_string_value(body);
        *ret_size = json_string_length(body);
        return 0;
}

int fl_sender_result_from_json(json_t *m, uint64_t *ret_id, struct fl_http_result *ret) {
        struct fl_http_result r = {};
        json_t *body = json_object_get(m, "body"), *status = json_object_get(m, "status"),
               *nc = json_object_get(m, "new_connection");
        const char *failure;
        uint64_t id;

        if (unsigned_integer(m, "id", &id) < 0 || required_string(m, "failure", &failure) < 0 ||
                fl_http_failure_from_string(failure, &r.failure) < 0 || !json_is_string(body) ||
                json_string_length(body) > FL_HTTP_BODY_MAX || !json_is_integer(status) ||
                json_integer_value(status) < 0 || json_integer_value(status) > 999 ||
                !json_is_boolean(nc) || optional_string(m, "retry_after", &r.retry_after) < 0 ||
                optional_string(m, "error", &r.error) < 0 ||
                unsigned_integer(m, "elapsed_usec", &r.elapsed_usec) < 0)
                return -EBADMSG;
        r.status = (int) json_integer_value(status);
        r.body = json_string_value(body);
        r.body_size = json_string_length(body);
        r.new_connection = json_is_true(nc);
        if (r.failure != FL_HTTP_OK && !r.error)
                r.error = fl_http_failure_to_string(r.failure);
        *ret_id = id;
        *ret = r;
        return 0;
}

int fl_sender_error_from_json(json_t *m, int *ret_errno, const char **ret_message) {
        json_t *e = json_object_get(m, "errno");
        const char *message;

        if (required_string(m, "message", &message) < 0)
                return -EBADMSG;
        *ret_errno = json_is_integer(e) && json_integer_value(e) > 0 && json_integer_value(e) < 4096
                             ? (int) json_integer_value(e)
                             : EIO;
        *ret_message = message;
        return 0;
}
