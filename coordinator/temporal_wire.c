/* SPDX-License-Identifier: Apache-2.0 */
#include "temporal_wire.h"

#include "macro.h"

#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* jansson provides json_decrefp(json_t **). */
#define _cleanup_json_ _cleanup_(json_decrefp)

static const char *const op_names[_FL_TEMPORAL_OP_MAX] = {
        [FL_TEMPORAL_OP_START] = "start",
        [FL_TEMPORAL_OP_COUNT] = "count",
        [FL_TEMPORAL_OP_LIST] = "list",
        [FL_TEMPORAL_OP_DESCRIBE] = "describe",
        [FL_TEMPORAL_OP_TERMINATE] = "terminate",
};

const char *fl_temporal_op_to_string(enum fl_temporal_op op) {
        if ((unsigned) op >= _FL_TEMPORAL_OP_MAX)
                return NULL;
        return op_names[op];
}

/* Query names (ExecutionStatus='Running') and API enum names side by side. */
static const struct {
        const char *query;
        const char *api;
} status_names[_FL_TEMPORAL_STATUS_MAX] = {
        [FL_TEMPORAL_STATUS_UNSPECIFIED] = {NULL, "WORKFLOW_EXECUTION_STATUS_UNSPECIFIED"},
        [FL_TEMPORAL_STATUS_RUNNING] = {"Running", "WORKFLOW_EXECUTION_STATUS_RUNNING"},
        [FL_TEMPORAL_STATUS_COMPLETED] = {"Completed", "WORKFLOW_EXECUTION_STATUS_COMPLETED"},
        [FL_TEMPORAL_STATUS_FAILED] = {"Failed", "WORKFLOW_EXECUTION_STATUS_FAILED"},
        [FL_TEMPORAL_STATUS_CANCELED] = {"Canceled", "WORKFLOW_EXECUTION_STATUS_CANCELED"},
        [FL_TEMPORAL_STATUS_TERMINATED] = {"Terminated", "WORKFLOW_EXECUTION_STATUS_TERMINATED"},
        [FL_TEMPORAL_STATUS_CONTINUED_AS_NEW] = {"ContinuedAsNew",
                "WORKFLOW_EXECUTION_STATUS_CONTINUED_AS_NEW"},
        [FL_TEMPORAL_STATUS_TIMED_OUT] = {"TimedOut", "WORKFLOW_EXECUTION_STATUS_TIMED_OUT"},
};

const char *fl_temporal_status_to_string(enum fl_temporal_status s) {
        if ((unsigned) s >= _FL_TEMPORAL_STATUS_MAX)
                return NULL;
        return status_names[s].query;
}

int fl_temporal_status_from_string(const char *s) {
        if (!s)
                return -EINVAL;
        for (size_t i = 0; i < ELEMENTSOF(status_names); i++)
                if ((status_names[i].query && strcmp(s, status_names[i].query) == 0) ||
                        strcmp(s, status_names[i].api) == 0)
                        return (int) i;
        return -EINVAL;
}

static const char *const reuse_names[_FL_TEMPORAL_REUSE_MAX] = {
        [FL_TEMPORAL_REUSE_DEFAULT] = "WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE",
        [FL_TEMPORAL_REUSE_ALLOW_DUPLICATE] = "WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE",
        [FL_TEMPORAL_REUSE_ALLOW_DUPLICATE_FAILED_ONLY] =
                "WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE_FAILED_ONLY",
        [FL_TEMPORAL_REUSE_REJECT_DUPLICATE] = "WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE",
};

static const char *const conflict_names[_FL_TEMPORAL_CONFLICT_MAX] = {
        [FL_TEMPORAL_CONFLICT_DEFAULT] = "WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING",
        [FL_TEMPORAL_CONFLICT_FAIL] = "WORKFLOW_ID_CONFLICT_POLICY_FAIL",
        [FL_TEMPORAL_CONFLICT_USE_EXISTING] = "WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING",
        [FL_TEMPORAL_CONFLICT_TERMINATE_EXISTING] =
                "WORKFLOW_ID_CONFLICT_POLICY_TERMINATE_EXISTING",
};

/* ---- time ------------------------------------------------------------------ */

int fl_temporal_format_time(int64_t usec, char buf[static FL_TEMPORAL_TIME_MAX]) {
        struct tm tm;
        time_t sec;
        int n;

        if (usec < 0)
                return -EINVAL;
        sec = (time_t) (usec / 1000000);
        if (!gmtime_r(&sec, &tm) || tm.tm_year + 1900 > 9999)
                return -EINVAL;
        n = snprintf(buf, FL_TEMPORAL_TIME_MAX, "%04d-%02d-%02dT%02d:%02d:%02d.%06dZ",
                tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                (int) (usec % 1000000));
        if (n < 0 || n >= FL_TEMPORAL_TIME_MAX)
                return -EINVAL;
        return 0;
}

/* Reads exactly `width` decimal digits. */
static int read_digits(const char **p, int width, int *ret) {
        int v = 0;

        for (int i = 0; i < width; i++) {
                char c = (*p)[i];
                if (c < '0' || c > '9')
                        return -EINVAL;
                v = v * 10 + (c - '0');
        }
        *p += width;
        *ret = v;
        return 0;
}

static int expect_char(const char **p, const char *any) {
        if (**p == '\0' || !strchr(any, **p))
                return -EINVAL;
        (*p)++;
        return 0;
}

int fl_temporal_parse_time(const char *s, int64_t *ret_usec) {
        int year, mon, day, hour, min, sec, off_h = 0, off_m = 0, sign = 0;
        int64_t frac_usec = 0;
        struct tm tm = {};
        const char *p = s;
        time_t t;

        if (!s)
                return -EINVAL;
        if (read_digits(&p, 4, &year) < 0 || expect_char(&p, "-") < 0 ||
                read_digits(&p, 2, &mon) < 0 || expect_char(&p, "-") < 0 ||
                read_digits(&p, 2, &day) < 0 || expect_char(&p, "Tt") < 0 ||
                read_digits(&p, 2, &hour) < 0 || expect_char(&p, ":") < 0 ||
                read_digits(&p, 2, &min) < 0 || expect_char(&p, ":") < 0 ||
                read_digits(&p, 2, &sec) < 0)
                return -EINVAL;
        if (mon < 1 || mon > 12 || day < 1 || day > 31 || hour > 23 || min > 59 || sec > 60)
                return -EINVAL;
        if (*p == '.') {
                int digits = 0;
                p++;
                for (; *p >= '0' && *p <= '9'; p++, digits++)
                        if (digits < 6)
                                frac_usec = frac_usec * 10 + (*p - '0');
                if (digits < 1 || digits > 9)
                        return -EINVAL;
                for (int i = digits; i < 6; i++)
                        frac_usec *= 10;
        }
        if (*p == 'Z' || *p == 'z')
                p++;
        else if (*p == '+' || *p == '-') {
                sign = *p == '+' ? 1 : -1;
                p++;
                if (read_digits(&p, 2, &off_h) < 0 || expect_char(&p, ":") < 0 ||
                        read_digits(&p, 2, &off_m) < 0 || off_h > 23 || off_m > 59)
                        return -EINVAL;
        } else
                return -EINVAL;
        if (*p != '\0')
                return -EINVAL;

        tm.tm_year = year - 1900;
        tm.tm_mon = mon - 1;
        tm.tm_mday = day;
        tm.tm_hour = hour;
        tm.tm_min = min;
        tm.tm_sec = sec;
        t = timegm(&tm);
        if (t == (time_t) -1 || tm.tm_mday != day)
                return -EINVAL; /* also refuses 2026-02-31, which timegm would roll over */
        t -= (time_t) sign * (off_h * 3600 + off_m * 60);
        *ret_usec = (int64_t) t * 1000000 + frac_usec;
        return 0;
}

int fl_temporal_query_quote(const char *value, char **ret) {
        size_t n = 2, i = 0;
        char *out;

        if (!value)
                return -EINVAL;
        for (const char *p = value; *p; p++) {
                unsigned char c = (unsigned char) *p;
                if (c == '"' || c == '\\' || c < 0x20 || c == 0x7f)
                        return -EINVAL;
                n += c == '\'' ? 2 : 1;
        }
        out = malloc(n + 1);
        if (!out)
                return -ENOMEM;
        out[i++] = '\'';
        for (const char *p = value; *p; p++) {
                if (*p == '\'')
                        out[i++] = '\'';
                out[i++] = *p;
        }
        out[i++] = '\'';
        out[i] = '\0';
        *ret = out;
        return 0;
}

/* ---- requests ---------------------------------------------------------------- */

int fl_temporal_wire_check_start(const struct fl_temporal_start *req, const char **ret_reason) {
        const char *const sa[] = {
                req->search_attributes.node,
                req->search_attributes.node_type,
                req->search_attributes.datacenter,
                req->search_attributes.rule,
        };
        const char *why = NULL;

        if (!req->workflow_id || !*req->workflow_id)
                why = "workflow id missing";
        else if (strchr(req->workflow_id, '/'))
                why = "workflow id contains '/'";
        else if (strlen(req->workflow_id) > FL_TEMPORAL_ID_MAX)
                why = "workflow id too long";
        else if (!req->workflow_type || !*req->workflow_type)
                why = "workflow type missing";
        else if (!req->task_queue || !*req->task_queue)
                why = "task queue missing";
        else if (req->memo && !json_is_object(req->memo))
                why = "memo is not an object";
        else if (req->request_id && !*req->request_id)
                why = "request id empty";
        else if ((unsigned) req->reuse_policy >= _FL_TEMPORAL_REUSE_MAX)
                why = "invalid reuse policy";
        else if ((unsigned) req->conflict_policy >= _FL_TEMPORAL_CONFLICT_MAX)
                why = "invalid conflict policy";
        for (size_t i = 0; !why && i < ELEMENTSOF(sa); i++)
                if (sa[i] && !*sa[i])
                        why = "empty search attribute value";
        if (why) {
                if (ret_reason)
                        *ret_reason = why;
                return -EINVAL;
        }
        return 0;
}

static int set_duration(json_t *o, const char *key, uint64_t usec) {
        char buf[48];

        if (usec % 1000000 == 0)
                snprintf(buf, sizeof(buf), "%" PRIu64 "s", usec / 1000000);
        else
                snprintf(buf, sizeof(buf), "%" PRIu64 ".%06" PRIu64 "s", usec / 1000000,
                        usec % 1000000);
        return json_object_set_new(o, key, json_string(buf)) < 0 ? -ENOMEM : 0;
}

static char *dump(json_t *o) {
        return json_dumps(o, JSON_COMPACT);
}

int fl_temporal_wire_start_body(const struct fl_temporal_start *req, const char *request_id,
        const char *identity, char **ret) {
        static const char *const sa_names[] = {
                "FaultlineNode",
                "FaultlineNodeType",
                "FaultlineDatacenter",
                "FaultlineRule",
                "FaultlineWorkflow",
        };
        const char *const sa_values[] = {
                req->search_attributes.node,
                req->search_attributes.node_type,
                req->search_attributes.datacenter,
                req->search_attributes.rule,
                req->search_attributes.workflow,
        };
        _cleanup_json_ json_t *body = NULL;
        json_t *fields;
        char *s;
        int r;

        r = fl_temporal_wire_check_start(req, NULL);
        if (r < 0)
                return r;
        if (!request_id || !identity)
                return -EINVAL;

        body = json_pack("{s:{s:s}, s:{s:s}, s:s, s:s, s:s, s:s}", "workflowType", "name",
                req->workflow_type, "taskQueue", "name", req->task_queue, "requestId", request_id,
                "identity", identity, "workflowIdReusePolicy", reuse_names[req->reuse_policy],
                "workflowIdConflictPolicy", conflict_names[req->conflict_policy]);
        if (!body)
                return -EINVAL; /* json_pack fails on invalid UTF-8 */

        /* A list of one plain JSON value: the HTTP API turns it into one
         * json/plain payload, the workflow function's single argument. */
        if (req->input && json_object_set_new(body, "input", json_pack("[O]", req->input)) < 0)
                return -ENOMEM;
        if (req->memo &&
                json_object_set_new(body, "memo", json_pack("{s:O}", "fields", req->memo)) < 0)
                return -ENOMEM;
        if (req->execution_timeout_usec > 0) {
                r = set_duration(body, "workflowExecutionTimeout", req->execution_timeout_usec);
                if (r < 0)
                        return r;
        }

        /* Shorthand values: the server adds the json/plain encoding and the
         * registered type (Keyword) itself (checked on Server 1.32). */
        fields = json_object();
        if (!fields || json_object_set_new(body, "searchAttributes",
                               json_pack("{s:o}", "indexedFields", fields)) < 0)
                return -ENOMEM;
        for (size_t i = 0; i < ELEMENTSOF(sa_names); i++) {
                json_t *v;
                if (!sa_values[i])
                        continue;
                v = json_string(sa_values[i]);
                if (!v)
                        return -EINVAL;
                if (json_object_set_new(fields, sa_names[i], v) < 0)
                        return -ENOMEM;
        }

        s = dump(body);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

int fl_temporal_wire_terminate_body(const char *reason, const char *identity, char **ret) {
        _cleanup_json_ json_t *body = NULL;
        char *s;

        body = json_pack(
                "{s:s, s:s}", "reason", reason ? reason : "", "identity", identity ? identity : "");
        if (!body)
                return -EINVAL;
        s = dump(body);
        if (!s)
                return -ENOMEM;
        *ret = s;
        return 0;
}

/* Percent-encodes everything but RFC 3986 unreserved characters. */
static char *escape(const char *s) {
        char *e = curl_easy_escape(NULL, s, 0);
        char *copy;

        if (!e)
                return NULL;
        copy = strdup(e);
        curl_free(e);
        return copy;
}

int fl_temporal_wire_namespace_url(const char *base, const char *ns, char **ret) {
        _cleanup_free_ char *e = NULL;
        size_t n, scheme;
        char *s;

        if (!base || !ns || !*ns)
                return -EINVAL;
        if (strncasecmp(base, "http://", 7) == 0)
                scheme = 7;
        else if (strncasecmp(base, "https://", 8) == 0)
                scheme = 8;
        else
                return -EINVAL;
        n = strlen(base);
        while (n > scheme && base[n - 1] == '/')
                n--;
        if (n == scheme) /* no host */
                return -EINVAL;
        e = escape(ns);
        if (!e)
                return -ENOMEM;
        if (asprintf(&s, "%.*s/api/v1/namespaces/%s", (int) n, base, e) < 0)
                return -ENOMEM;
        *ret = s;
        return 0;
}

int fl_temporal_wire_workflow_url(
        const char *ns_url, const char *workflow_id, const char *suffix, char **ret) {
        _cleanup_free_ char *e = NULL;
        char *s;

        if (!workflow_id || !*workflow_id || strchr(workflow_id, '/') ||
                strlen(workflow_id) > FL_TEMPORAL_ID_MAX)
                return -EINVAL;
        e = escape(workflow_id);
        if (!e)
                return -ENOMEM;
        if (asprintf(&s, "%s/workflows/%s%s", ns_url, e, suffix ? suffix : "") < 0)
                return -ENOMEM;
        *ret = s;
        return 0;
}

int fl_temporal_wire_query_url(const char *ns_url, const char *path, const char *const *names,
        const char *const *values, char **ret) {
        _cleanup_free_ char *buf = NULL;
        size_t size = 0;
        FILE *f;
        char sep = '?';

        f = open_memstream(&buf, &size);
        if (!f)
                return -ENOMEM;
        fputs(ns_url, f);
        fputs(path, f);
        for (size_t i = 0; names[i]; i++) {
                _cleanup_free_ char *e = NULL;
                if (!values[i])
                        continue;
                e = escape(values[i]);
                if (!e) {
                        fclose(f);
                        return -ENOMEM;
                }
                fprintf(f, "%c%s=%s", sep, names[i], e);
                sep = '&';
        }
        if (fclose(f) != 0)
                return -ENOMEM;
        *ret = TAKE_PTR(buf);
        return 0;
}

void fl_temporal_wire_uuid(const uint8_t bytes[16], char buf[static FL_TEMPORAL_UUID_MAX]) {
        uint8_t b[16];

        memcpy(b, bytes, sizeof(b));
        b[6] = (b[6] & 0x0f) | 0x40; /* version 4 */
        b[8] = (b[8] & 0x3f) | 0x80; /* RFC 4122 variant */
        snprintf(buf, FL_TEMPORAL_UUID_MAX,
                "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0], b[1],
                b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
                b[15]);
}

/* ---- answers ----------------------------------------------------------------- */

int fl_temporal_wire_errno(long http_status, int grpc_code) {
        switch (grpc_code) {
        case FL_GRPC_INVALID_ARGUMENT:
        case FL_GRPC_OUT_OF_RANGE:
                return -EINVAL;
        case FL_GRPC_NOT_FOUND:
                return -ENOENT;
        case FL_GRPC_ALREADY_EXISTS:
                return -EEXIST;
        case FL_GRPC_PERMISSION_DENIED:
        case FL_GRPC_UNAUTHENTICATED:
                return -EACCES;
        case FL_GRPC_DEADLINE_EXCEEDED:
        case FL_GRPC_RESOURCE_EXHAUSTED:
        case FL_GRPC_ABORTED:
        case FL_GRPC_UNAVAILABLE:
                return -EAGAIN;
        case FL_GRPC_FAILED_PRECONDITION:
                return -ENOTRECOVERABLE;
        case FL_GRPC_UNIMPLEMENTED:
                return -EOPNOTSUPP;
        case FL_GRPC_CANCELLED:
                return -ECANCELED;
        default:
                break; /* UNKNOWN, INTERNAL, none: decide by the HTTP status */
        }
        if (http_status >= 200 && http_status < 300)
                return 0;
        switch (http_status) {
        case 400:
                return -EINVAL;
        case 401:
        case 403:
                return -EACCES;
        case 404:
                return -ENOENT;
        case 409:
                return -EEXIST;
        case 412:
                return -ENOTRECOVERABLE;
        case 413:
                return -EFBIG;
        case 408:
        case 429:
        case 502:
        case 503:
        case 504:
                return -EAGAIN;
        case 501:
                return -EOPNOTSUPP;
        default:
                return -EIO;
        }
}

bool fl_temporal_wire_retryable(long http_status, int grpc_code) {
        if (grpc_code == FL_GRPC_UNAVAILABLE || grpc_code == FL_GRPC_RESOURCE_EXHAUSTED ||
                grpc_code == FL_GRPC_DEADLINE_EXCEEDED)
                return true;
        return http_status == 429 || http_status == 502 || http_status == 503 || http_status == 504;
}

#define STATUS_BODY_EXCERPT 200

int fl_temporal_wire_parse_status(
        json_t *root, const char *body, size_t size, int *ret_code, char **ret_message) {
        json_t *code = json_object_get(root, "code");
        const char *msg = json_string_value(json_object_get(root, "message"));
        char *m;

        if (msg && *msg)
                m = strdup(msg);
        else if (size == 0)
                m = strdup("empty answer");
        else {
                size_t n = size < STATUS_BODY_EXCERPT ? size : STATUS_BODY_EXCERPT;
                m = strndup(body, n);
                /* The excerpt ends up in logs: no control characters. */
                for (char *p = m; p && *p; p++)
                        if ((unsigned char) *p < 0x20 || *p == 0x7f)
                                *p = ' ';
        }
        if (!m)
                return -ENOMEM;
        *ret_code = json_is_integer(code) ? (int) json_integer_value(code) : 0;
        *ret_message = m;
        return 0;
}

static bool ends_with(const char *s, const char *suffix) {
        size_t n = strlen(s), k = strlen(suffix);
        return n >= k && strcmp(s + n - k, suffix) == 0;
}

const char *fl_temporal_wire_already_started_run(json_t *root) {
        json_t *details = json_object_get(root, "details"), *d;
        size_t i;

        json_array_foreach (details, i, d) {
                const char *type = json_string_value(json_object_get(d, "@type"));
                const char *run = json_string_value(json_object_get(d, "runId"));
                if (type && ends_with(type, ".WorkflowExecutionAlreadyStartedFailure") && run &&
                        *run)
                        return run;
        }
        return NULL;
}

static enum fl_temporal_status status_of(json_t *v) {
        int s = fl_temporal_status_from_string(json_string_value(v));
        /* A status this build does not know (a newer server) is "unspecified",
         * not an error: the rest of the answer is still good. */
        return s < 0 ? FL_TEMPORAL_STATUS_UNSPECIFIED : (enum fl_temporal_status) s;
}

int fl_temporal_wire_parse_start(
        json_t *root, const char *workflow_id, struct fl_temporal_started *ret) {
        const char *run = json_string_value(json_object_get(root, "runId"));
        json_t *started = json_object_get(root, "started");

        if (!json_is_object(root) || !run || !*run || (started && !json_is_boolean(started)))
                return -EBADMSG;
        *ret = (struct fl_temporal_started){
                .workflow_id = workflow_id,
                .run_id = run,
                .started = json_is_true(started),
                .status = status_of(json_object_get(root, "status")),
        };
        return 0;
}

/* int64 fields arrive as JSON strings; accept plain integers too. */
static int parse_int64(json_t *v, int64_t *ret) {
        const char *s = json_string_value(v);
        char *end;
        long long n;

        if (json_is_integer(v)) {
                *ret = json_integer_value(v);
                return 0;
        }
        if (!s || !*s)
                return -EBADMSG;
        errno = 0;
        n = strtoll(s, &end, 10);
        if (errno != 0 || *end != '\0')
                return -EBADMSG;
        *ret = n;
        return 0;
}

int fl_temporal_wire_parse_count(json_t *root, int64_t *ret) {
        json_t *v = json_object_get(root, "count");
        int64_t n = 0;

        if (!json_is_object(root))
                return -EBADMSG;
        if (v && parse_int64(v, &n) < 0)
                return -EBADMSG;
        if (n < 0)
                return -EBADMSG;
        *ret = n;
        return 0;
}

static int base64_decode(const char *in, uint8_t **ret, size_t *ret_size) {
        size_t n = strlen(in), pad = 0;
        _cleanup_free_ uint8_t *out = NULL;
        int k;

        if (n % 4 != 0 || n > INT32_MAX)
                return -EBADMSG;
        out = malloc(n / 4 * 3 + 1);
        if (!out)
                return -ENOMEM;
        if (n == 0) {
                *ret_size = 0;
                *ret = TAKE_PTR(out);
                return 0;
        }
        k = EVP_DecodeBlock(out, (const unsigned char *) in, (int) n);
        if (k < 0)
                return -EBADMSG;
        /* EVP_DecodeBlock counts the padding as zero bytes. */
        while (pad < 2 && n > pad && in[n - 1 - pad] == '=')
                pad++;
        *ret_size = (size_t) k - pad;
        out[*ret_size] = 0;
        *ret = TAKE_PTR(out);
        return 0;
}

/* A payload metadata value: base64 text. Returns an allocated string. */
static int metadata_string(json_t *metadata, const char *key, char **ret) {
        const char *b64 = json_string_value(json_object_get(metadata, key));
        uint8_t *raw;
        size_t n;
        int r;

        if (!b64) {
                *ret = NULL;
                return 0;
        }
        r = base64_decode(b64, &raw, &n);
        if (r < 0)
                return r;
        if (memchr(raw, 0, n)) {
                free(raw);
                return -EBADMSG;
        }
        *ret = (char *) raw;
        return 0;
}

static bool is_full_payload(json_t *p) {
        const char *key;
        json_t *v;

        if (!json_is_object(p) || !json_is_object(json_object_get(p, "metadata")))
                return false;
        json_object_foreach (p, key, v)
                if (strcmp(key, "metadata") != 0 && strcmp(key, "data") != 0)
                        return false;
        return true;
}

int fl_temporal_wire_decode_payload(json_t *payload, json_t **ret) {
        _cleanup_free_ char *encoding = NULL;
        _cleanup_free_ uint8_t *data = NULL;
        json_t *dv, *v;
        size_t n = 0;
        int r;

        if (!payload)
                return -EBADMSG;
        if (!is_full_payload(payload)) {
                *ret = json_incref(payload);
                return 0;
        }
        r = metadata_string(json_object_get(payload, "metadata"), "encoding", &encoding);
        if (r < 0)
                return r;
        dv = json_object_get(payload, "data");
        if (dv && !json_is_string(dv))
                return -EBADMSG;
        r = base64_decode(dv ? json_string_value(dv) : "", &data, &n);
        if (r < 0)
                return r;
        if (encoding && strcmp(encoding, "binary/null") == 0) {
                *ret = json_null();
                return 0;
        }
        if (!encoding || strcmp(encoding, "json/plain") != 0)
                return -EOPNOTSUPP;
        v = json_loadb((const char *) data, n, JSON_DECODE_ANY, NULL);
        if (!v)
                return -EBADMSG;
        *ret = v;
        return 0;
}

/* {name: payload} -> {name: value}. A field that cannot be decoded is left
 * out rather than failing the whole execution. */
static json_t *decode_fields(json_t *fields) {
        json_t *out = json_object(), *v;
        const char *key;

        if (!out)
                return NULL;
        json_object_foreach (fields, key, v) {
                json_t *d;
                if (fl_temporal_wire_decode_payload(v, &d) < 0)
                        continue;
                if (json_object_set_new(out, key, d) < 0) {
                        json_decref(out);
                        return NULL;
                }
        }
        return out;
}

static int parse_time_field(json_t *o, const char *key, int64_t *ret) {
        json_t *v = json_object_get(o, key);

        if (!v) {
                *ret = 0;
                return 0;
        }
        if (!json_is_string(v))
                return -EBADMSG;
        return fl_temporal_parse_time(json_string_value(v), ret) < 0 ? -EBADMSG : 0;
}

int fl_temporal_wire_parse_execution(json_t *info, struct fl_temporal_execution *ret) {
        json_t *exec = json_object_get(info, "execution"), *memo, *sa;
        _cleanup_json_ json_t *owned = NULL;
        struct fl_temporal_execution e = {};
        const char *wid = json_string_value(json_object_get(exec, "workflowId"));
        const char *rid = json_string_value(json_object_get(exec, "runId"));

        if (!json_is_object(info) || !wid || !*wid || !rid || !*rid)
                return -EBADMSG;
        e.workflow_id = wid;
        e.run_id = rid;
        e.workflow_type = json_string_value(json_object_get(json_object_get(info, "type"), "name"));
        e.task_queue = json_string_value(json_object_get(info, "taskQueue"));
        e.status = status_of(json_object_get(info, "status"));
        if (parse_time_field(info, "startTime", &e.start_time_usec) < 0 ||
                parse_time_field(info, "closeTime", &e.close_time_usec) < 0)
                return -EBADMSG;

        memo = decode_fields(json_object_get(json_object_get(info, "memo"), "fields"));
        sa = decode_fields(
                json_object_get(json_object_get(info, "searchAttributes"), "indexedFields"));
        if (!memo || !sa) {
                json_decref(memo);
                json_decref(sa);
                return -ENOMEM;
        }
        owned = json_pack("{s:o, s:o}", "memo", memo, "sa", sa); /* steals both, also on failure */
        if (!owned)
                return -ENOMEM;
        e.memo = memo;
        e.all_search_attributes = sa;
        e.search_attributes = (struct fl_temporal_search_attributes){
                .node = json_string_value(json_object_get(sa, "FaultlineNode")),
                .node_type = json_string_value(json_object_get(sa, "FaultlineNodeType")),
                .datacenter = json_string_value(json_object_get(sa, "FaultlineDatacenter")),
                .rule = json_string_value(json_object_get(sa, "FaultlineRule")),
                .workflow = json_string_value(json_object_get(sa, "FaultlineWorkflow")),
        };
        e.owned = TAKE_PTR(owned);
        *ret = e;
        return 0;
}

void fl_temporal_wire_execution_done(struct fl_temporal_execution *e) {
        if (!e)
                return;
        json_decref(e->owned);
        *e = (struct fl_temporal_execution){};
}

int fl_temporal_wire_parse_list(json_t *root, struct fl_temporal_execution **ret_executions,
        size_t *ret_n, const char **ret_next_page_token) {
        json_t *list = json_object_get(root, "executions"), *info;
        const char *token = json_string_value(json_object_get(root, "nextPageToken"));
        struct fl_temporal_execution *out;
        size_t n = 0, i;

        if (!json_is_object(root) || (list && !json_is_array(list)))
                return -EBADMSG;
        out = calloc(json_array_size(list) + 1, sizeof(*out));
        if (!out)
                return -ENOMEM;
        json_array_foreach (list, i, info) {
                int r = fl_temporal_wire_parse_execution(info, &out[n]);
                if (r < 0) {
                        while (n > 0)
                                fl_temporal_wire_execution_done(&out[--n]);
                        free(out);
                        return r;
                }
                n++;
        }
        *ret_executions = out;
        *ret_n = n;
        *ret_next_page_token = token && *token ? token : NULL;
        return 0;
}

int fl_temporal_wire_parse_describe(json_t *root, struct fl_temporal_execution *ret) {
        if (!json_is_object(root))
                return -EBADMSG;
        return fl_temporal_wire_parse_execution(
                json_object_get(root, "workflowExecutionInfo"), ret);
}
