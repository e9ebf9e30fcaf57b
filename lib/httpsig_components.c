/* SPDX-License-Identifier: Apache-2.0 */
/*
 * RFC 9421 section 2: the values of covered components, derived from the
 * caller's view of a request. Derived components follow section 2.2 (and,
 * where the RFC leaves room, what the http-message-signatures reference
 * implementation does, so that the two interoperate): @authority and
 * @scheme are lowercased and a default port is dropped; an empty path is
 * "/"; @query of a request without one is "?". Field values are trimmed,
 * obs-folds become one space, and several lines are joined with ", ".
 *
 * Anything that would let a value smuggle a line break or a non-ASCII byte
 * into the signature base makes the component unavailable instead.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "base64.h"
#include "httpsig_internal.h"
#include "macro.h"

int fl_httpsig_fail(struct fl_httpsig_error *error, enum fl_httpsig_status status, int r,
        const char *fmt, ...) {
        va_list ap;

        if (!error)
                return r;
        error->status = status;
        va_start(ap, fmt);
        (void) vsnprintf(error->message, sizeof(error->message), fmt, ap);
        va_end(ap);
        return r;
}

#define UNAVAILABLE(error, ...) \
        fl_httpsig_fail(error, FL_HTTPSIG_UNAVAILABLE_COMPONENT, -EINVAL, __VA_ARGS__)

static void split_target(struct fl_httpsig_view *v, const char *s) {
        size_t path_end = strcspn(s, "?#");

        v->path = s;
        v->path_len = path_end;
        if (s[path_end] == '?') {
                v->query = s + path_end + 1;
                v->query_len = strcspn(v->query, "#");
        }
}

void fl_httpsig_view_init(struct fl_httpsig_view *v, const struct fl_http_request *req) {
        const char *uri = req->target_uri, *sep;

        *v = (struct fl_httpsig_view){.req = req};
        if (!uri) {
                if (req->scheme) {
                        v->scheme = req->scheme;
                        v->scheme_len = strlen(req->scheme);
                }
                if (req->authority) {
                        v->authority = req->authority;
                        v->authority_len = strlen(req->authority);
                }
                if (!req->request_target)
                        v->target_problem = "the request has no target";
                else if (req->request_target[0] != '/')
                        v->target_problem = "the request target is not in origin form";
                else
                        split_target(v, req->request_target);
                return;
        }

        sep = strstr(uri, "://");
        if (!sep || sep == uri) {
                v->target_problem = "the target URI is not absolute";
                return;
        }
        v->scheme = uri;
        v->scheme_len = (size_t) (sep - uri);
        v->authority = sep + 3;
        v->authority_len = strcspn(v->authority, "/?#");
        if (v->authority_len == 0) {
                v->target_problem = "the target URI has no authority";
                return;
        }
        split_target(v, v->authority + v->authority_len);
}

static bool is_tchar(int c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               (c > 0 && strchr("!#$%&'*+-.^_`|~", c));
}

/* URI pieces may only hold visible ASCII. */
static bool is_uri_text(const char *s, size_t len) {
        for (size_t i = 0; i < len; i++)
                if ((unsigned char) s[i] <= 0x20 || (unsigned char) s[i] >= 0x7f)
                        return false;
        return true;
}

static const char *const derived_components[] = {
        "@method",
        "@target-uri",
        "@authority",
        "@scheme",
        "@request-target",
        "@path",
        "@query",
        "@query-param",
};

int fl_httpsig_component_check(const struct fl_sfv_item *id, struct fl_httpsig_error *error) {
        const char *name;
        bool known = false, has_key = false, has_bs = false, has_name = false;

        if (id->bare.type != FL_SFV_STRING)
                return fl_httpsig_fail(error, FL_HTTPSIG_MALFORMED_HEADER, -EINVAL,
                        "a covered component is a %s, not a String",
                        fl_sfv_type_to_string(id->bare.type));
        name = id->bare.data;

        if (name[0] == '@') {
                if (strcmp(name, "@signature-params") == 0)
                        return fl_httpsig_fail(error, FL_HTTPSIG_MALFORMED_HEADER, -EINVAL,
                                "\"@signature-params\" cannot be a covered component");
                for (size_t i = 0; i < ELEMENTSOF(derived_components); i++)
                        if (strcmp(name, derived_components[i]) == 0)
                                known = true;
                if (!known)
                        return fl_httpsig_fail(error, FL_HTTPSIG_UNSUPPORTED_COMPONENT, -EINVAL,
                                "derived component \"%.64s\" is not supported", name);
                for (size_t i = 0; i < id->params.n; i++) {
                        const struct fl_sfv_param *p = &id->params.v[i];

                        if (strcmp(name, "@query-param") == 0 && strcmp(p->key, "name") == 0) {
                                if (p->value.type != FL_SFV_STRING)
                                        return fl_httpsig_fail(error, FL_HTTPSIG_MALFORMED_HEADER,
                                                -EINVAL,
                                                "\"@query-param\" has a name that is not a "
                                                "String");
                                has_name = true;
                                continue;
                        }
                        return fl_httpsig_fail(error, FL_HTTPSIG_UNSUPPORTED_COMPONENT, -EINVAL,
                                "parameter \"%.64s\" on \"%s\" is not supported", p->key, name);
                }
                if (strcmp(name, "@query-param") == 0 && !has_name)
                        return fl_httpsig_fail(error, FL_HTTPSIG_MALFORMED_HEADER, -EINVAL,
                                "\"@query-param\" needs a name parameter");
                return 0;
        }

        if (name[0] == '\0')
                return fl_httpsig_fail(error, FL_HTTPSIG_MALFORMED_HEADER, -EINVAL,
                        "a covered component has an empty name");
        for (const char *c = name; *c; c++)
                if (!is_tchar((unsigned char) *c) || (*c >= 'A' && *c <= 'Z'))
                        return fl_httpsig_fail(error, FL_HTTPSIG_MALFORMED_HEADER, -EINVAL,
                                "covered component \"%.64s\" is not a lowercase field name", name);
        for (size_t i = 0; i < id->params.n; i++) {
                const struct fl_sfv_param *p = &id->params.v[i];

                if (strcmp(p->key, "key") == 0) {
                        if (p->value.type != FL_SFV_STRING)
                                return fl_httpsig_fail(error, FL_HTTPSIG_MALFORMED_HEADER, -EINVAL,
                                        "\"%.64s\" has a key parameter that is not a String", name);
                        has_key = true;
                } else if (strcmp(p->key, "bs") == 0) {
                        if (p->value.type != FL_SFV_BOOLEAN || p->value.integer != 1)
                                return fl_httpsig_fail(error, FL_HTTPSIG_MALFORMED_HEADER, -EINVAL,
                                        "\"%.64s\" has a bs parameter that is not ?1", name);
                        has_bs = true;
                } else {
                        return fl_httpsig_fail(error, FL_HTTPSIG_UNSUPPORTED_COMPONENT, -EINVAL,
                                "parameter \"%.64s\" on \"%.64s\" is not supported", p->key, name);
                }
        }
        if (has_key && has_bs)
                return fl_httpsig_fail(error, FL_HTTPSIG_MALFORMED_HEADER, -EINVAL,
                        "\"%.64s\" combines the key and bs parameters", name);
        return 0;
}

/* One field line, trimmed and with obs-folds replaced by a space. With
 * `binary` every byte is allowed (it will be base64-wrapped); otherwise
 * only visible ASCII, SP and HTAB. */
static int append_line(struct fl_strbuf *sb, const char *name, const char *value, bool binary,
        struct fl_httpsig_error *error) {
        size_t start = sb->len, len = strlen(value), b = 0, e = len;
        int r = 0;

        while (b < e && (value[b] == ' ' || value[b] == '\t'))
                b++;
        while (e > b && (value[e - 1] == ' ' || value[e - 1] == '\t'))
                e--;
        for (size_t i = b; i < e && r >= 0; i++) {
                unsigned char c = value[i];

                if (c == '\r' && i + 2 < e && value[i + 1] == '\n' &&
                        (value[i + 2] == ' ' || value[i + 2] == '\t')) {
                        /* obs-fold = OWS CRLF RWS becomes one SP */
                        while (sb->len > start &&
                                (sb->data[sb->len - 1] == ' ' || sb->data[sb->len - 1] == '\t'))
                                fl_strbuf_truncate(sb, sb->len - 1);
                        i += 2;
                        while (i + 1 < e && (value[i + 1] == ' ' || value[i + 1] == '\t'))
                                i++;
                        r = fl_strbuf_append_char(sb, ' ');
                        continue;
                }
                if (!binary && ((c < 0x20 && c != '\t') || c >= 0x7f))
                        return UNAVAILABLE(error,
                                "field \"%.64s\" has a control or non-ASCII character", name);
                r = fl_strbuf_append_char(sb, (char) c);
        }
        return r;
}

int fl_httpsig_append_field(const struct fl_http_request *req, const char *name,
        struct fl_strbuf *sb, struct fl_httpsig_error *error) {
        bool found = false;
        int r;

        for (size_t i = 0; i < req->n_headers; i++) {
                if (strcasecmp(req->headers[i].name, name) != 0)
                        continue;
                if (found) {
                        r = fl_strbuf_append(sb, ", ", 2);
                        if (r < 0)
                                return r;
                }
                r = append_line(sb, name, req->headers[i].value, false, error);
                if (r < 0)
                        return r;
                found = true;
        }
        return found;
}

/* Section 2.1.3: each line as a Byte Sequence, joined with ", ". */
static int append_field_bs(const struct fl_http_request *req, const char *name,
        struct fl_strbuf *sb, struct fl_httpsig_error *error) {
        bool found = false;
        int r;

        for (size_t i = 0; i < req->n_headers; i++) {
                struct fl_strbuf line = {.max_len = FL_HTTPSIG_MAX_BASE_SIZE};

                if (strcasecmp(req->headers[i].name, name) != 0)
                        continue;
                r = append_line(&line, name, req->headers[i].value, true, error);
                if (r >= 0 && found)
                        r = fl_strbuf_append(sb, ", ", 2);
                if (r >= 0)
                        r = fl_sfv_append_bare(
                                sb, &(struct fl_sfv_bare){.type = FL_SFV_BYTES,
                                            .data = line.data ? line.data : (char *) "",
                                            .len = line.len});
                fl_strbuf_done(&line);
                if (r < 0)
                        return r;
                found = true;
        }
        return found;
}

/* Section 2.1.2: the serialised member `key` of a Dictionary field. */
static int append_field_key(const struct fl_http_request *req, const char *name, const char *key,
        struct fl_strbuf *sb, struct fl_httpsig_error *error) {
        _cleanup_(fl_sfv_dict_freep) struct fl_sfv_dict *dict = NULL;
        struct fl_strbuf value = {.max_len = FL_HTTPSIG_MAX_BASE_SIZE};
        const struct fl_sfv_member *m;
        int r;

        r = fl_httpsig_append_field(req, name, &value, error);
        if (r == 0)
                r = UNAVAILABLE(error, "the message has no \"%.64s\" field", name);
        if (r > 0) {
                r = fl_sfv_parse_dict(value.data, value.len, &dict, NULL);
                if (r == -EBADMSG || r == -E2BIG)
                        r = UNAVAILABLE(error, "field \"%.64s\" is not a valid Dictionary", name);
        }
        fl_strbuf_done(&value);
        if (r < 0)
                return r;
        m = fl_sfv_dict_get(dict, key);
        if (!m)
                return UNAVAILABLE(error, "field \"%.64s\" has no member \"%.64s\"", name, key);
        return fl_sfv_append_member(sb, m);
}

static int hex_digit(int c) {
        if (c >= '0' && c <= '9')
                return c - '0';
        if (c >= 'a' && c <= 'f')
                return c - 'a' + 10;
        if (c >= 'A' && c <= 'F')
                return c - 'A' + 10;
        return -1;
}

/* Section 2.2.8: application/x-www-form-urlencoded decoding (WHATWG URL
 * 5.1, '+' is a space in a query but not in the name parameter), then
 * percent-encoding of everything but ALPHA DIGIT * - . _ with uppercase
 * hex, a space becoming %20. Decoding then encoding gives one canonical
 * form, so names and values compare byte for byte. */
static int append_form_canonical(
        struct fl_strbuf *sb, const char *s, size_t len, bool plus_is_space) {
        for (size_t i = 0; i < len; i++) {
                unsigned char c = s[i];
                int r;

                if (c == '+' && plus_is_space) {
                        c = ' ';
                } else if (c == '%' && i + 2 < len && hex_digit(s[i + 1]) >= 0 &&
                           hex_digit(s[i + 2]) >= 0) {
                        c = (unsigned char) (hex_digit(s[i + 1]) << 4 | hex_digit(s[i + 2]));
                        i += 2;
                }
                if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                        c == '*' || c == '-' || c == '.' || c == '_')
                        r = fl_strbuf_append_char(sb, (char) c);
                else
                        r = fl_strbuf_appendf(sb, "%%%02X", c);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int append_query_param(const struct fl_httpsig_view *v, const struct fl_sfv_item *id,
        struct fl_strbuf *sb, struct fl_httpsig_error *error) {
        const struct fl_sfv_bare *name = fl_sfv_params_get(&id->params, "name");
        struct fl_strbuf want = {.max_len = FL_HTTPSIG_MAX_BASE_SIZE};
        struct fl_strbuf have = {.max_len = FL_HTTPSIG_MAX_BASE_SIZE};
        const char *value = NULL;
        size_t value_len = 0, found = 0;
        int r;

        r = append_form_canonical(&want, name->data, name->len, false);
        for (size_t i = 0; r >= 0 && v->query && i <= v->query_len;) {
                const char *seg = v->query + i;
                size_t seg_len = strcspn(seg, "&#"), key_len;

                if (i + seg_len > v->query_len)
                        seg_len = v->query_len - i;
                i += seg_len + 1;
                if (seg_len == 0)
                        continue;
                key_len = strcspn(seg, "=&#");
                if (key_len > seg_len)
                        key_len = seg_len;
                fl_strbuf_truncate(&have, 0);
                r = append_form_canonical(&have, seg, key_len, true);
                if (r < 0 || have.len != want.len ||
                        (want.len > 0 && memcmp(have.data, want.data, want.len) != 0))
                        continue;
                found++;
                value = key_len < seg_len ? seg + key_len + 1 : seg + key_len;
                value_len = key_len < seg_len ? seg_len - key_len - 1 : 0;
        }
        if (r >= 0 && found == 0)
                r = UNAVAILABLE(error, "the query has no parameter \"%.64s\"", name->data);
        else if (r >= 0 && found > 1)
                r = UNAVAILABLE(
                        error, "query parameter \"%.64s\" occurs %zu times", name->data, found);
        else if (r >= 0)
                r = append_form_canonical(sb, value, value_len, true);
        fl_strbuf_done(&want);
        fl_strbuf_done(&have);
        return r;
}

/* Section 2.2.3: lowercase host, no default port. */
static int append_authority(const struct fl_httpsig_view *v, struct fl_strbuf *sb) {
        const char *a = v->authority, *port = NULL;
        size_t host_len = v->authority_len, port_len = 0;
        bool drop = false;
        int r;

        if (a[0] == '[') {
                const char *close = memchr(a, ']', v->authority_len);
                if (close) {
                        host_len = (size_t) (close - a) + 1;
                }
        } else {
                const char *colon = memchr(a, ':', v->authority_len);
                if (colon)
                        host_len = (size_t) (colon - a);
        }
        if (host_len < v->authority_len && a[host_len] == ':') {
                port = a + host_len + 1;
                port_len = v->authority_len - host_len - 1;
                while (port_len > 1 && port[0] == '0')
                        port++, port_len--;
                if (port_len == 0)
                        drop = true;
                else if (v->scheme && v->scheme_len == 5 && strncasecmp(v->scheme, "https", 5) == 0)
                        drop = port_len == 3 && memcmp(port, "443", 3) == 0;
                else if (v->scheme && v->scheme_len == 4 && strncasecmp(v->scheme, "http", 4) == 0)
                        drop = port_len == 2 && memcmp(port, "80", 2) == 0;
        }
        for (size_t i = 0; i < host_len; i++) {
                char c = a[i];
                r = fl_strbuf_append_char(sb, c >= 'A' && c <= 'Z' ? (char) (c - 'A' + 'a') : c);
                if (r < 0)
                        return r;
        }
        if (port && !drop) {
                /* as sent, leading zeros included */
                r = fl_strbuf_append(sb, a + host_len, v->authority_len - host_len);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int append_lower(struct fl_strbuf *sb, const char *s, size_t len) {
        for (size_t i = 0; i < len; i++) {
                int r = fl_strbuf_append_char(
                        sb, s[i] >= 'A' && s[i] <= 'Z' ? (char) (s[i] - 'A' + 'a') : s[i]);
                if (r < 0)
                        return r;
        }
        return 0;
}

static int append_path_query(
        const struct fl_httpsig_view *v, struct fl_strbuf *sb, bool with_query) {
        int r;

        r = v->path_len ? fl_strbuf_append(sb, v->path, v->path_len)
                        : fl_strbuf_append_char(sb, '/');
        if (r >= 0 && with_query && v->query) {
                r = fl_strbuf_append_char(sb, '?');
                if (r >= 0)
                        r = fl_strbuf_append(sb, v->query, v->query_len);
        }
        return r;
}

static int derived_value(const struct fl_httpsig_view *v, const struct fl_sfv_item *id,
        struct fl_strbuf *sb, struct fl_httpsig_error *error) {
        const char *name = id->bare.data;
        const struct fl_http_request *req = v->req;
        bool need_target = strcmp(name, "@method") != 0 && strcmp(name, "@scheme") != 0 &&
                           strcmp(name, "@authority") != 0;
        int r;

        if (need_target && v->target_problem)
                return UNAVAILABLE(error, "%s: %s", name, v->target_problem);
        if (need_target && (!is_uri_text(v->path, v->path_len) ||
                                   (v->query && !is_uri_text(v->query, v->query_len))))
                return UNAVAILABLE(error,
                        "%s: the request target has a character that is not "
                        "visible ASCII",
                        name);
        if ((strcmp(name, "@scheme") == 0 || strcmp(name, "@target-uri") == 0 ||
                    strcmp(name, "@authority") == 0)) {
                if (!v->scheme || !v->authority)
                        return UNAVAILABLE(error, "%s: the request has no %s", name,
                                v->scheme ? "authority" : "scheme");
                if (!is_uri_text(v->scheme, v->scheme_len) ||
                        !is_uri_text(v->authority, v->authority_len) || v->authority_len == 0)
                        return UNAVAILABLE(error,
                                "%s: the scheme or authority is empty or has a "
                                "character that is not visible ASCII",
                                name);
        }

        if (strcmp(name, "@method") == 0) {
                if (!req->method || !req->method[0])
                        return UNAVAILABLE(error, "@method: the request has no method");
                for (const char *c = req->method; *c; c++)
                        if (!is_tchar((unsigned char) *c))
                                return UNAVAILABLE(error, "@method: the method is not a token");
                return fl_strbuf_append_str(sb, req->method);
        }
        if (strcmp(name, "@target-uri") == 0) {
                r = fl_strbuf_append(sb, v->scheme, v->scheme_len);
                if (r >= 0)
                        r = fl_strbuf_append(sb, "://", 3);
                if (r >= 0)
                        r = fl_strbuf_append(sb, v->authority, v->authority_len);
                return r < 0 ? r : append_path_query(v, sb, true);
        }
        if (strcmp(name, "@authority") == 0)
                return append_authority(v, sb);
        if (strcmp(name, "@scheme") == 0)
                return append_lower(sb, v->scheme, v->scheme_len);
        if (strcmp(name, "@request-target") == 0)
                return append_path_query(v, sb, true);
        if (strcmp(name, "@path") == 0)
                return append_path_query(v, sb, false);
        if (strcmp(name, "@query") == 0) {
                r = fl_strbuf_append_char(sb, '?');
                return r < 0 || !v->query ? r : fl_strbuf_append(sb, v->query, v->query_len);
        }
        if (strcmp(name, "@query-param") == 0)
                return append_query_param(v, id, sb, error);
        return fl_httpsig_fail(error, FL_HTTPSIG_UNSUPPORTED_COMPONENT, -EINVAL,
                "derived component \"%.64s\" is not supported", name);
}

int fl_httpsig_component_value(const struct fl_httpsig_view *v, const struct fl_sfv_item *id,
        struct fl_strbuf *sb, struct fl_httpsig_error *error) {
        const char *name = id->bare.data;
        const struct fl_sfv_bare *key;
        int r;

        if (name[0] == '@')
                return derived_value(v, id, sb, error);
        key = fl_sfv_params_get(&id->params, "key");
        if (key)
                return append_field_key(v->req, name, key->data, sb, error);
        if (fl_sfv_params_get(&id->params, "bs"))
                r = append_field_bs(v->req, name, sb, error);
        else
                r = fl_httpsig_append_field(v->req, name, sb, error);
        if (r == 0)
                return UNAVAILABLE(error, "the message has no \"%.64s\" field", name);
        return r < 0 ? r : 0;
}
