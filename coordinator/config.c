/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "hcl.h"
#include "hcl_decode.h"
#include "httpsig.h"
#include "names.h"
#include "spiffe.h"

#include <arpa/inet.h>
#include <errno.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#define USEC_PER_MSEC UINT64_C(1000)
#define USEC_PER_SEC  UINT64_C(1000000)
#define HOUR_USEC     (3600 * USEC_PER_SEC)

/* ---- listen ------------------------------------------------------------- */

/* "127.0.0.1:7443", "[::1]:7443": numeric addresses only, so what the
 * daemon binds never depends on a resolver. */
static int parse_one_listen(
        struct fl_hcl_decoder *d, const struct fl_hcl_value *v, struct fl_listen_address *ret) {
        char q[FL_HCL_QUOTE_SIZE], host[INET6_ADDRSTRLEN + 1], *end;
        const char *s = v->string.ptr, *colon;
        unsigned char buf[sizeof(struct in6_addr)];
        size_t hlen;
        unsigned long port;
        bool v6 = false;

        if (memchr(s, '\0', v->string.len))
                goto bad;
        if (s[0] == '[') {
                const char *close = strchr(s, ']');
                if (!close || close[1] != ':')
                        goto bad;
                hlen = (size_t) (close - s - 1);
                if (hlen == 0 || hlen >= sizeof(host))
                        goto bad;
                memcpy(host, s + 1, hlen);
                colon = close + 1;
                v6 = true;
        } else {
                colon = strrchr(s, ':');
                if (!colon)
                        goto bad;
                hlen = (size_t) (colon - s);
                if (hlen == 0 || hlen >= sizeof(host))
                        goto bad;
                memcpy(host, s, hlen);
        }
        host[hlen] = '\0';
        if (inet_pton(v6 ? AF_INET6 : AF_INET, host, buf) != 1)
                goto bad;
        errno = 0;
        port = strtoul(colon + 1, &end, 10);
        if (colon[1] < '0' || colon[1] > '9' || *end || errno || port > 65535)
                goto bad;
        ret->host = strdup(host);
        if (!ret->host)
                return -ENOMEM;
        ret->port = (uint16_t) port;
        return 0;
bad:
        return fl_hcl_decoder_error(d, &v->pos,
                "invalid listen address %s: write IPV4:PORT or [IPV6]:PORT, e.g. "
                "\"127.0.0.1:7443\"",
                fl_hcl_quote(s, v->string.len, q));
}

struct listen_list {
        struct fl_listen_address items[FL_LISTEN_MAX];
        size_t n_items;
};

static void free_listen(void *field) {
        struct listen_list *l = field;

        for (size_t i = 0; i < l->n_items; i++)
                free(l->items[i].host);
        l->n_items = 0;
}

static int parse_listen(struct fl_hcl_decoder *d, const struct fl_hcl_value *v,
        const struct fl_hcl_attr_spec *spec, void *field) {
        struct listen_list *out = field, l = {};
        const struct fl_hcl_value *items = v;
        size_t n = 1;
        int r = 0;

        if (v->type == FL_HCL_TUPLE) {
                items = v->tuple.items;
                n = v->tuple.n_items;
                if (n == 0)
                        return fl_hcl_decoder_error(d, &v->pos, "\"listen\" must not be empty");
                if (n > FL_LISTEN_MAX)
                        return fl_hcl_decoder_error(
                                d, &v->pos, "\"listen\" has more than %d addresses", FL_LISTEN_MAX);
        } else if (v->type != FL_HCL_STRING)
                return fl_hcl_decoder_error(d, &v->pos,
                        "\"listen\" must be an address string or a list of them, not %s",
                        fl_hcl_type_phrase(v));
        for (size_t i = 0; i < n; i++) {
                int k;
                if (items[i].type != FL_HCL_STRING) {
                        r = fl_hcl_decoder_error(d, &items[i].pos,
                                "\"listen\" must be a list of address strings, but item %zu is %s",
                                i + 1, fl_hcl_type_phrase(&items[i]));
                        continue;
                }
                k = parse_one_listen(d, &items[i], &l.items[l.n_items]);
                if (k == -ENOMEM) {
                        free_listen(&l);
                        return k;
                }
                if (k < 0)
                        r = k;
                else
                        l.n_items++;
        }
        if (r < 0) {
                free_listen(&l);
                return r;
        }
        free_listen(out);
        *out = l;
        return 0;
}

/* ---- blocks -------------------------------------------------------------- */

static void tls_init(void *obj) {
        struct fl_tls_config *t = obj;

        t->ca_file = strdup("/etc/faultline/tls/ca.pem");
        t->cert_file = strdup("/etc/faultline/tls/coordinator.pem");
        t->key_file = strdup("/etc/faultline/tls/coordinator.key");
}

static const struct fl_hcl_attr_spec tls_attrs[] = {
        FL_HCL_ATTR_CUSTOM(
                "ca_file", struct fl_tls_config, ca_file, fl_cfg_parse_path, fl_cfg_free_string, 0),
        FL_HCL_ATTR_CUSTOM("cert_file", struct fl_tls_config, cert_file, fl_cfg_parse_path,
                fl_cfg_free_string, 0),
        FL_HCL_ATTR_CUSTOM("key_file", struct fl_tls_config, key_file, fl_cfg_parse_path,
                fl_cfg_free_string, 0),
        {},
};

static const struct fl_hcl_schema tls_schema = {
        .attrs = tls_attrs,
        .size = sizeof(struct fl_tls_config),
        .init = tls_init,
};

static int parse_url(struct fl_hcl_decoder *d, const struct fl_hcl_value *v,
        const struct fl_hcl_attr_spec *spec, void *field) {
        char q[FL_HCL_QUOTE_SIZE];
        const char *host = NULL, *s = v->string.ptr;

        if (v->type != FL_HCL_STRING)
                return fl_hcl_decoder_error(d, &v->pos, "\"%s\" must be a URL string, not %s",
                        spec->name, fl_hcl_type_phrase(v));
        if (strncmp(s, "https://", 8) == 0)
                host = s + 8;
        else if (strncmp(s, "http://", 7) == 0)
                host = s + 7;
        if (!host || !*host || *host == '/' || memchr(s, '\0', v->string.len) ||
                strpbrk(s, " \t\r\n?#"))
                return fl_hcl_decoder_error(d, &v->pos,
                        "\"%s\" must be an http:// or https:// URL with a host, not %s", spec->name,
                        fl_hcl_quote(s, v->string.len, q));
        return fl_cfg_set_string(field, v);
}

static int parse_string(struct fl_hcl_decoder *d, const struct fl_hcl_value *v,
        const struct fl_hcl_attr_spec *spec, void *field) {
        if (v->type != FL_HCL_STRING)
                return fl_hcl_decoder_error(d, &v->pos, "\"%s\" must be a string, not %s",
                        spec->name, fl_hcl_type_phrase(v));
        if (v->string.len == 0 || v->string.len > 255 || memchr(v->string.ptr, '\0', v->string.len))
                return fl_hcl_decoder_error(
                        d, &v->pos, "\"%s\" must be 1 to 255 characters", spec->name);
        return fl_cfg_set_string(field, v);
}

static void temporal_init(void *obj) {
        struct fl_temporal_config *t = obj;

        t->url = strdup("http://127.0.0.1:7243");
        t->namespace = strdup("default");
        t->identity = strdup("faultline-coordinator");
        t->connect_timeout_usec = USEC_PER_SEC;
        t->attempt_timeout_usec = 5 * USEC_PER_SEC;
        t->deadline_usec = 10 * USEC_PER_SEC;
        t->max_connections = 8;
}

static int temporal_validate(struct fl_hcl_decoder *d, const struct fl_hcl_block *block,
        const struct fl_hcl_body *body, void *obj) {
        struct fl_temporal_config *t = obj;
        bool https = strncmp(t->url, "https://", 8) == 0;
        int r = 0;

        if (!https && (t->ca_file || t->cert_file || t->key_file))
                r = fl_hcl_decoder_error(d, fl_cfg_attr_pos(body, "url", &block->pos),
                        "TLS files toward Temporal need an https:// url");
        if (!t->cert_file != !t->key_file)
                r = fl_hcl_decoder_error(d,
                        fl_cfg_attr_pos(body, t->cert_file ? "cert_file" : "key_file", &block->pos),
                        "\"cert_file\" and \"key_file\" go together");
        if (t->attempt_timeout_usec > t->deadline_usec)
                r = fl_hcl_decoder_error(d, fl_cfg_attr_pos(body, "attempt_timeout", &block->pos),
                        "\"attempt_timeout\" must not exceed \"deadline\"");
        return r;
}

static const struct fl_hcl_attr_spec temporal_attrs[] = {
        FL_HCL_ATTR_CUSTOM("url", struct fl_temporal_config, url, parse_url, fl_cfg_free_string, 0),
        FL_HCL_ATTR_CUSTOM("namespace", struct fl_temporal_config, namespace, parse_string,
                fl_cfg_free_string, 0),
        FL_HCL_ATTR_CUSTOM("identity", struct fl_temporal_config, identity, parse_string,
                fl_cfg_free_string, 0),
        FL_HCL_ATTR_CUSTOM("ca_file", struct fl_temporal_config, ca_file, fl_cfg_parse_path,
                fl_cfg_free_string, 0),
        FL_HCL_ATTR_CUSTOM("cert_file", struct fl_temporal_config, cert_file, fl_cfg_parse_path,
                fl_cfg_free_string, 0),
        FL_HCL_ATTR_CUSTOM("key_file", struct fl_temporal_config, key_file, fl_cfg_parse_path,
                fl_cfg_free_string, 0),
        FL_HCL_ATTR_CUSTOM("api_key_file", struct fl_temporal_config, api_key_file,
                fl_cfg_parse_path, fl_cfg_free_string, 0),
        FL_HCL_ATTR_CUSTOM("connect_timeout", struct fl_temporal_config, connect_timeout_usec,
                fl_cfg_parse_duration, NULL, 0, .min = (int64_t) (10 * USEC_PER_MSEC),
                .max = (int64_t) (60 * USEC_PER_SEC)),
        FL_HCL_ATTR_CUSTOM("attempt_timeout", struct fl_temporal_config, attempt_timeout_usec,
                fl_cfg_parse_duration, NULL, 0, .min = (int64_t) (10 * USEC_PER_MSEC),
                .max = (int64_t) (300 * USEC_PER_SEC)),
        FL_HCL_ATTR_CUSTOM("deadline", struct fl_temporal_config, deadline_usec,
                fl_cfg_parse_duration, NULL, 0, .min = (int64_t) (10 * USEC_PER_MSEC),
                .max = (int64_t) (300 * USEC_PER_SEC)),
        FL_HCL_ATTR_INT("max_connections", struct fl_temporal_config, max_connections, 0, .min = 1,
                .max = 256),
        {},
};

static const struct fl_hcl_schema temporal_schema = {
        .attrs = temporal_attrs,
        .size = sizeof(struct fl_temporal_config),
        .init = temporal_init,
        .validate = temporal_validate,
};

/* A key block's label (its keyid) names keys as rules are named. */
static int keyid_error(struct fl_hcl_decoder *d, const struct fl_hcl_block *block) {
        char q[FL_HCL_QUOTE_SIZE];

        return fl_hcl_decoder_error(d, &block->labels[0].pos,
                "invalid keyid %s: use 1 to %d letters, digits, '.', '_', ':' or '-', "
                "starting with a letter or digit",
                fl_hcl_quote(block->labels[0].text, block->labels[0].len, q), FL_RULE_NAME_MAX);
}

static int agent_key_validate(struct fl_hcl_decoder *d, const struct fl_hcl_block *block,
        const struct fl_hcl_body *body, void *obj) {
        struct fl_agent_key *k = obj;

        k->line = block->pos.line;
        k->column = block->pos.column;
        if (block->n_labels != 1)
                return 0; /* reported already; this is the scratch copy */
        if (!fl_rule_name_valid(k->keyid))
                return keyid_error(d, block);
        return 0;
}

static const struct fl_hcl_attr_spec agent_key_attrs[] = {
        FL_HCL_ATTR_CUSTOM("public_key_file", struct fl_agent_key, public_key_file,
                fl_cfg_parse_path, fl_cfg_free_string, FL_HCL_REQUIRED),
        FL_HCL_ATTR_CUSTOM("nodes", struct fl_agent_key, nodes, fl_cfg_parse_names,
                fl_cfg_free_names, FL_HCL_REQUIRED | FL_HCL_NONEMPTY),
        FL_HCL_ATTR_CUSTOM("node_type", struct fl_agent_key, node_type, fl_cfg_parse_name,
                fl_cfg_free_string, FL_HCL_REQUIRED),
        FL_HCL_ATTR_CUSTOM("datacenter", struct fl_agent_key, datacenter, fl_cfg_parse_name,
                fl_cfg_free_string, FL_HCL_REQUIRED),
        {},
};

static void free_agent_key_pkey(struct fl_agent_key *k) {
        EVP_PKEY_free(k->key);
        k->key = NULL;
}

static const struct fl_hcl_schema agent_key_schema = {
        .attrs = agent_key_attrs,
        .size = sizeof(struct fl_agent_key),
        .validate = agent_key_validate,
};

/* An operator_key: like an agent_key, but bound to no node type or
 * datacenter of its own (config.h). */
static int operator_key_validate(struct fl_hcl_decoder *d, const struct fl_hcl_block *block,
        const struct fl_hcl_body *body, void *obj) {
        struct fl_operator_key *k = obj;

        k->line = block->pos.line;
        k->column = block->pos.column;
        if (block->n_labels != 1)
                return 0; /* reported already */
        if (!fl_rule_name_valid(k->keyid))
                return keyid_error(d, block);
        /* A wildcard in `nodes` would be one typo away from a name; a
         * switch of its own says what it means. */
        if (k->all_nodes && k->nodes.n_items > 0)
                return fl_hcl_decoder_error(d, fl_cfg_attr_pos(body, "nodes", &block->pos),
                        "operator_key \"%s\": \"nodes\" and all_nodes = true exclude each other",
                        k->keyid);
        if (!k->all_nodes && k->nodes.n_items == 0)
                return fl_hcl_decoder_error(d, &block->pos,
                        "operator_key \"%s\" needs \"nodes\" (the nodes it may ask for) or "
                        "all_nodes = true",
                        k->keyid);
        return 0;
}

static const struct fl_hcl_attr_spec operator_key_attrs[] = {
        FL_HCL_ATTR_CUSTOM("public_key_file", struct fl_operator_key, public_key_file,
                fl_cfg_parse_path, fl_cfg_free_string, FL_HCL_REQUIRED),
        FL_HCL_ATTR_CUSTOM("nodes", struct fl_operator_key, nodes, fl_cfg_parse_names,
                fl_cfg_free_names, FL_HCL_NONEMPTY),
        FL_HCL_ATTR_BOOL("all_nodes", struct fl_operator_key, all_nodes, 0),
        {},
};

static const struct fl_hcl_schema operator_key_schema = {
        .attrs = operator_key_attrs,
        .size = sizeof(struct fl_operator_key),
        .validate = operator_key_validate,
};

static const struct fl_hcl_enum methods[] = {
        FL_HCL_ENUM_VALUE("GET", FL_METHOD_GET),
        FL_HCL_ENUM_VALUE("POST", FL_METHOD_POST),
        FL_HCL_ENUM_VALUE("PUT", FL_METHOD_PUT),
        FL_HCL_ENUM_VALUE("DELETE", FL_METHOD_DELETE),
        FL_HCL_ENUM_VALUE("PATCH", FL_METHOD_PATCH),
        FL_HCL_ENUM_VALUE("HEAD", FL_METHOD_HEAD),
        FL_HCL_ENUM_VALUE("OPTIONS", FL_METHOD_OPTIONS),
        FL_HCL_ENUM_VALUE("*", FL_METHOD_ANY),
        FL_HCL_ENUM_ALIAS("get", FL_METHOD_GET),
        FL_HCL_ENUM_ALIAS("post", FL_METHOD_POST),
        FL_HCL_ENUM_ALIAS("put", FL_METHOD_PUT),
        FL_HCL_ENUM_ALIAS("delete", FL_METHOD_DELETE),
        FL_HCL_ENUM_ALIAS("patch", FL_METHOD_PATCH),
        FL_HCL_ENUM_ALIAS("head", FL_METHOD_HEAD),
        FL_HCL_ENUM_ALIAS("options", FL_METHOD_OPTIONS),
        {},
};

static int route_rule_validate(struct fl_hcl_decoder *d, const struct fl_hcl_block *block,
        const struct fl_hcl_body *body, void *obj) {
        struct fl_route_rule *rule = obj;
        const struct fl_hcl_attribute *a;
        char q[FL_HCL_QUOTE_SIZE];
        int r = 0;

        rule->line = block->pos.line;
        rule->column = block->pos.column;
        a = fl_hcl_body_attribute(body, "route_patterns");
        for (size_t i = 0; i < rule->n_route_patterns; i++) {
                const char *p = rule->route_patterns[i];
                if (p[0] != '/' && strcmp(p, "*") != 0)
                        r = fl_hcl_decoder_error(d, &a->value.tuple.items[i].pos,
                                "route pattern %s must start with '/' (or be \"*\")",
                                fl_hcl_quote(p, strlen(p), q));
                else if (strpbrk(p, "?# \t"))
                        r = fl_hcl_decoder_error(d, &a->value.tuple.items[i].pos,
                                "route pattern %s matches the path only: no query, fragment or "
                                "white space",
                                fl_hcl_quote(p, strlen(p), q));
        }
        a = fl_hcl_body_attribute(body, "uris");
        for (size_t i = 0; i < rule->n_uris; i++) {
                const char *why = NULL;
                if (fl_spiffe_id_check(rule->uris[i], strlen(rule->uris[i]), &why) < 0)
                        r = fl_hcl_decoder_error(d, &a->value.tuple.items[i].pos,
                                "%s is not a valid SPIFFE ID: %s",
                                fl_hcl_quote(rule->uris[i], strlen(rule->uris[i]), q), why);
        }
        if (!rule->name && asprintf(&rule->name, "rule@%u", block->pos.line) < 0) {
                rule->name = NULL;
                return -ENOMEM;
        }
        return r;
}

static const struct fl_hcl_attr_spec route_rule_attrs[] = {
        FL_HCL_ATTR_STRING("name", struct fl_route_rule, name, FL_HCL_NONEMPTY),
        FL_HCL_ATTR_ENUM("method", struct fl_route_rule, method, methods, FL_HCL_REQUIRED),
        FL_HCL_ATTR_STRING_LIST("route_patterns", struct fl_route_rule, route_patterns,
                n_route_patterns, FL_HCL_REQUIRED | FL_HCL_NONEMPTY),
        FL_HCL_ATTR_STRING_LIST("uris", struct fl_route_rule, uris, n_uris, 0),
        FL_HCL_ATTR_BOOL("allow_public", struct fl_route_rule, allow_public, 0),
        FL_HCL_ATTR_BOOL("skip_log_match", struct fl_route_rule, skip_log_match, 0),
        {},
};

static const struct fl_hcl_schema route_rule_schema = {
        .attrs = route_rule_attrs,
        .size = sizeof(struct fl_route_rule),
        .validate = route_rule_validate,
};

static void server_config_init(void *obj) {
        struct fl_server_config *s = obj;

        s->enable_tls = true;
}

static const struct fl_hcl_attr_spec server_config_attrs[] = {
        FL_HCL_ATTR_BOOL("enable_tls", struct fl_server_config, enable_tls, 0),
        {},
};

static const struct fl_hcl_block_spec server_config_blocks[] = {
        FL_HCL_BLOCK_REPEATED("route_rule", struct fl_server_config, route_rules, n_route_rules,
                &route_rule_schema, 0),
        {},
};

static const struct fl_hcl_schema server_config_schema = {
        .attrs = server_config_attrs,
        .blocks = server_config_blocks,
        .size = sizeof(struct fl_server_config),
        .init = server_config_init,
};

static int am_route_validate(struct fl_hcl_decoder *d, const struct fl_hcl_block *block,
        const struct fl_hcl_body *body, void *obj) {
        struct fl_alertmanager_route *rt = obj;
        char q[FL_HCL_QUOTE_SIZE];

        if (block->n_labels != 1)
                return 0; /* reported already */
        if (!fl_rule_name_valid(rt->alertname))
                return fl_hcl_decoder_error(d, &block->labels[0].pos,
                        "invalid alertname %s: use letters, digits, '.', '_', ':' or '-'",
                        fl_hcl_quote(block->labels[0].text, block->labels[0].len, q));
        return 0;
}

static void am_route_init(void *obj) {
        struct fl_alertmanager_route *rt = obj;

        rt->rule = strdup("alertmanager");
}

static const struct fl_hcl_attr_spec am_route_attrs[] = {
        FL_HCL_ATTR_CUSTOM("workflow", struct fl_alertmanager_route, workflow, fl_cfg_parse_name,
                fl_cfg_free_string, FL_HCL_REQUIRED),
        FL_HCL_ATTR_CUSTOM("rule", struct fl_alertmanager_route, rule, fl_cfg_parse_rule_name,
                fl_cfg_free_string, 0),
        FL_HCL_ATTR_STRING_LIST("params", struct fl_alertmanager_route, params, n_params, 0),
        {},
};

static const struct fl_hcl_schema am_route_schema = {
        .attrs = am_route_attrs,
        .size = sizeof(struct fl_alertmanager_route),
        .init = am_route_init,
        .validate = am_route_validate,
};

static void alertmanager_init(void *obj) {
        struct fl_alertmanager_config *a = obj;

        a->node_label = strdup("node");
        a->strip_port = true;
}

static int alertmanager_validate(struct fl_hcl_decoder *d, const struct fl_hcl_block *block,
        const struct fl_hcl_body *body, void *obj) {
        struct fl_alertmanager_config *a = obj;
        const struct fl_hcl_attribute *attr = fl_hcl_body_attribute(body, "callers");
        char q[FL_HCL_QUOTE_SIZE];
        int r = 0;

        a->configured = true;
        for (size_t i = 0; i < a->n_callers; i++) {
                const char *why = NULL;
                if (fl_spiffe_id_check(a->callers[i], strlen(a->callers[i]), &why) < 0)
                        r = fl_hcl_decoder_error(d, &attr->value.tuple.items[i].pos,
                                "%s is not a valid SPIFFE ID: %s",
                                fl_hcl_quote(a->callers[i], strlen(a->callers[i]), q), why);
        }
        return r;
}

static const struct fl_hcl_attr_spec alertmanager_attrs[] = {
        FL_HCL_ATTR_STRING_LIST("callers", struct fl_alertmanager_config, callers, n_callers,
                FL_HCL_REQUIRED | FL_HCL_NONEMPTY),
        FL_HCL_ATTR_STRING(
                "node_label", struct fl_alertmanager_config, node_label, FL_HCL_NONEMPTY),
        FL_HCL_ATTR_BOOL("strip_port", struct fl_alertmanager_config, strip_port, 0),
        {},
};

static const struct fl_hcl_block_spec alertmanager_blocks[] = {
        FL_HCL_BLOCK_REPEATED("route", struct fl_alertmanager_config, routes, n_routes,
                &am_route_schema, FL_HCL_UNIQUE_LABELS, .labels = {"alertname"},
                .label_offsets = {offsetof(struct fl_alertmanager_route, alertname)}),
        {},
};

static const struct fl_hcl_schema alertmanager_schema = {
        .attrs = alertmanager_attrs,
        .blocks = alertmanager_blocks,
        .size = sizeof(struct fl_alertmanager_config),
        .init = alertmanager_init,
        .validate = alertmanager_validate,
};

/* ---- top level ----------------------------------------------------------- */

/* The decoded file: the config minus what loading adds (path, keys). */
struct config_hcl {
        struct listen_list listen;
        struct fl_tls_config tls;
        struct fl_temporal_config temporal;
        char *workflows_dir;
        char *state_dir;
        struct fl_agent_key *agent_keys;
        size_t n_agent_keys;
        struct fl_operator_key *operator_keys;
        size_t n_operator_keys;
        uint64_t clock_skew_usec;
        int64_t nonce_cache_size;
        int64_t body_limit;
        uint64_t header_timeout_usec;
        uint64_t idle_timeout_usec;
        int64_t max_connections;
        uint64_t reject_cache_usec;
        uint64_t retry_after_usec;
        uint64_t fold_interval_usec;
        bool access_log;
        int log_level;
        struct fl_server_config server_config;
        struct fl_alertmanager_config alertmanager;
};

static const struct fl_hcl_enum log_levels[] = {
        FL_HCL_ENUM_VALUE("emerg", LOG_EMERG),
        FL_HCL_ENUM_VALUE("alert", LOG_ALERT),
        FL_HCL_ENUM_VALUE("crit", LOG_CRIT),
        FL_HCL_ENUM_VALUE("err", LOG_ERR),
        FL_HCL_ENUM_ALIAS("error", LOG_ERR),
        FL_HCL_ENUM_VALUE("warning", LOG_WARNING),
        FL_HCL_ENUM_ALIAS("warn", LOG_WARNING),
        FL_HCL_ENUM_VALUE("notice", LOG_NOTICE),
        FL_HCL_ENUM_VALUE("info", LOG_INFO),
        FL_HCL_ENUM_VALUE("debug", LOG_DEBUG),
        {},
};

static void config_init(void *obj) {
        struct config_hcl *c = obj;

        c->workflows_dir = strdup("/etc/faultline/workflows.d");
        c->state_dir = strdup("/var/lib/faultline/coordinator");
        c->clock_skew_usec = 300 * USEC_PER_SEC;
        c->nonce_cache_size = 1000000;
        c->body_limit = 64 * 1024;
        c->header_timeout_usec = 10 * USEC_PER_SEC;
        c->idle_timeout_usec = 60 * USEC_PER_SEC;
        c->max_connections = 1024;
        c->reject_cache_usec = USEC_PER_SEC;
        c->retry_after_usec = 60 * USEC_PER_SEC;
        c->fold_interval_usec = 60 * USEC_PER_SEC;
        c->access_log = true;
        c->log_level = LOG_INFO;
}

static const struct fl_hcl_attr_spec config_attrs[] = {
        FL_HCL_ATTR_CUSTOM("listen", struct config_hcl, listen, parse_listen, free_listen, 0),
        FL_HCL_ATTR_CUSTOM("workflows_dir", struct config_hcl, workflows_dir, fl_cfg_parse_path,
                fl_cfg_free_string, 0),
        FL_HCL_ATTR_CUSTOM("state_dir", struct config_hcl, state_dir, fl_cfg_parse_path,
                fl_cfg_free_string, 0),
        FL_HCL_ATTR_CUSTOM("clock_skew", struct config_hcl, clock_skew_usec, fl_cfg_parse_duration,
                NULL, 0, .min = (int64_t) USEC_PER_SEC, .max = (int64_t) HOUR_USEC),
        FL_HCL_ATTR_INT("nonce_cache_size", struct config_hcl, nonce_cache_size, 0, .min = 1000,
                .max = 100000000),
        FL_HCL_ATTR_INT("body_limit", struct config_hcl, body_limit, 0, .min = 1024,
                .max = 16 * 1024 * 1024),
        FL_HCL_ATTR_CUSTOM("header_timeout", struct config_hcl, header_timeout_usec,
                fl_cfg_parse_duration, NULL, 0, .min = (int64_t) (100 * USEC_PER_MSEC),
                .max = (int64_t) (300 * USEC_PER_SEC)),
        FL_HCL_ATTR_CUSTOM("idle_timeout", struct config_hcl, idle_timeout_usec,
                fl_cfg_parse_duration, NULL, 0, .min = (int64_t) (100 * USEC_PER_MSEC),
                .max = (int64_t) HOUR_USEC),
        FL_HCL_ATTR_INT(
                "max_connections", struct config_hcl, max_connections, 0, .min = 1, .max = 1000000),
        FL_HCL_ATTR_CUSTOM("reject_cache", struct config_hcl, reject_cache_usec,
                fl_cfg_parse_duration, NULL, 0, .min = 0, .max = (int64_t) (60 * USEC_PER_SEC)),
        FL_HCL_ATTR_CUSTOM("retry_after", struct config_hcl, retry_after_usec,
                fl_cfg_parse_duration, NULL, 0, .min = (int64_t) USEC_PER_SEC,
                .max = (int64_t) HOUR_USEC),
        FL_HCL_ATTR_CUSTOM("fold_interval", struct config_hcl, fold_interval_usec,
                fl_cfg_parse_duration, NULL, 0, .min = 0, .max = (int64_t) HOUR_USEC),
        FL_HCL_ATTR_BOOL("access_log", struct config_hcl, access_log, 0),
        FL_HCL_ATTR_ENUM("log_level", struct config_hcl, log_level, log_levels, 0),
        {},
};

static const struct fl_hcl_block_spec config_blocks[] = {
        FL_HCL_BLOCK_ONE("tls", struct config_hcl, tls, &tls_schema, 0),
        FL_HCL_BLOCK_ONE("temporal", struct config_hcl, temporal, &temporal_schema, 0),
        FL_HCL_BLOCK_REPEATED("agent_key", struct config_hcl, agent_keys, n_agent_keys,
                &agent_key_schema, FL_HCL_UNIQUE_LABELS, .labels = {"keyid"},
                .label_offsets = {offsetof(struct fl_agent_key, keyid)}),
        FL_HCL_BLOCK_REPEATED("operator_key", struct config_hcl, operator_keys, n_operator_keys,
                &operator_key_schema, FL_HCL_UNIQUE_LABELS, .labels = {"keyid"},
                .label_offsets = {offsetof(struct fl_operator_key, keyid)}),
        FL_HCL_BLOCK_ONE(
                "server_config", struct config_hcl, server_config, &server_config_schema, 0),
        FL_HCL_BLOCK_ONE("alertmanager", struct config_hcl, alertmanager, &alertmanager_schema, 0),
        {},
};

static const struct fl_hcl_schema config_schema = {
        .attrs = config_attrs,
        .blocks = config_blocks,
        .size = sizeof(struct config_hcl),
        .init = config_init,
};

/* ---- loading -------------------------------------------------------------- */

struct fl_coordinator_config *fl_coordinator_config_free(struct fl_coordinator_config *c) {
        struct config_hcl h;

        if (!c)
                return NULL;
        for (size_t i = 0; i < c->n_agent_keys; i++)
                free_agent_key_pkey(&c->agent_keys[i]);
        for (size_t i = 0; i < c->n_operator_keys; i++) {
                EVP_PKEY_free(c->operator_keys[i].key);
                c->operator_keys[i].key = NULL;
        }
        /* Hand the decoded members back to the schema that owns them. */
        h = (struct config_hcl){
                .tls = c->tls,
                .temporal = c->temporal,
                .workflows_dir = c->workflows_dir,
                .state_dir = c->state_dir,
                .agent_keys = c->agent_keys,
                .n_agent_keys = c->n_agent_keys,
                .operator_keys = c->operator_keys,
                .n_operator_keys = c->n_operator_keys,
                .server_config = c->server_config,
                .alertmanager = c->alertmanager,
        };
        memcpy(h.listen.items, c->listen, sizeof(c->listen));
        h.listen.n_items = c->n_listen;
        fl_hcl_decode_free(&config_schema, &h);
        free(c->path);
        free(c);
        return NULL;
}

static int resolve_paths(const char *dir, struct fl_coordinator_config *c) {
        char **paths[] = {
                &c->tls.ca_file,
                &c->tls.cert_file,
                &c->tls.key_file,
                &c->temporal.ca_file,
                &c->temporal.cert_file,
                &c->temporal.key_file,
                &c->temporal.api_key_file,
                &c->workflows_dir,
                &c->state_dir,
        };
        int r;

        for (size_t i = 0; i < ELEMENTSOF(paths); i++) {
                r = fl_cfg_resolve(dir, paths[i]);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < c->n_agent_keys; i++) {
                r = fl_cfg_resolve(dir, &c->agent_keys[i].public_key_file);
                if (r < 0)
                        return r;
        }
        for (size_t i = 0; i < c->n_operator_keys; i++) {
                r = fl_cfg_resolve(dir, &c->operator_keys[i].public_key_file);
                if (r < 0)
                        return r;
        }
        return 0;
}

/* Loads one public key; a problem is reported at the key's block. Returns
 * 0, -EINVAL (reported) or -ENOMEM. */
static int load_key(const struct fl_coordinator_config *c, const char *block, const char *keyid,
        const char *file, unsigned line, unsigned column, struct fl_diags *diags, EVP_PKEY **ret) {
        int r = fl_httpsig_load_public_key(file, ret);
        const char *why;

        if (r == 0 || r == -ENOMEM)
                return r;
        why = r == -EBADMSG        ? "no PEM \"PUBLIC KEY\" in it"
              : r == -EKEYREJECTED ? "not an Ed25519 key"
              : r == -EFBIG        ? "larger than 64 KiB"
                                   : strerror(-r);
        r = fl_diags_add(diags, c->path, line, column,
                "%s \"%s\": cannot use public_key_file \"%s\": %s", block, keyid, file, why);
        return r == -ENOMEM ? r : -EINVAL;
}

static int load_keys(struct fl_coordinator_config *c, struct fl_diags *diags) {
        int result = 0, r;

        for (size_t i = 0; i < c->n_agent_keys; i++) {
                struct fl_agent_key *k = &c->agent_keys[i];

                r = load_key(c, "agent_key", k->keyid, k->public_key_file, k->line, k->column,
                        diags, &k->key);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        result = r;
        }
        for (size_t i = 0; i < c->n_operator_keys; i++) {
                struct fl_operator_key *k = &c->operator_keys[i];
                const struct fl_agent_key *other = fl_coordinator_config_key(c, k->keyid);

                /* A signature names only its keyid: one keyid, one key. */
                if (other) {
                        r = fl_diags_add(diags, c->path, k->line, k->column,
                                "operator_key \"%s\": the keyid is already an agent_key's "
                                "(at %u:%u)",
                                k->keyid, other->line, other->column);
                        if (r == -ENOMEM)
                                return r;
                        result = -EINVAL;
                        continue;
                }
                r = load_key(c, "operator_key", k->keyid, k->public_key_file, k->line, k->column,
                        diags, &k->key);
                if (r == -ENOMEM)
                        return r;
                if (r < 0)
                        result = r;
        }
        return result;
}

int fl_coordinator_config_load(
        const char *path, struct fl_diags *diags, struct fl_coordinator_config **ret) {
        _cleanup_(fl_hcl_file_freep) struct fl_hcl_file *file = NULL;
        _cleanup_(fl_coordinator_config_freep) struct fl_coordinator_config *c = NULL;
        _cleanup_free_ char *copy = NULL, *dir = NULL;
        const char *base;
        struct config_hcl h;
        int r;

        r = fl_hcl_parse_file(path, diags, &file);
        if (r == -ENOMEM)
                return r;
        if (r < 0 && r != -EINVAL && r != -EFBIG) {
                if (fl_diags_add(diags, path, 1, 1, "cannot read configuration: %s",
                            strerror(-r)) == -ENOMEM)
                        return -ENOMEM;
                return -EINVAL;
        }
        if (r < 0)
                return -EINVAL;
        r = fl_hcl_decode(file, &config_schema, NULL, diags, &h);
        if (r < 0)
                return r;

        c = calloc(1, sizeof(*c));
        if (!c) {
                fl_hcl_decode_free(&config_schema, &h);
                return -ENOMEM;
        }
        /* From here on `c` owns everything decoded. */
        c->path = strdup(path);
        memcpy(c->listen, h.listen.items, sizeof(c->listen));
        c->n_listen = h.listen.n_items;
        c->tls = h.tls;
        c->temporal = h.temporal;
        c->workflows_dir = h.workflows_dir;
        c->state_dir = h.state_dir;
        c->agent_keys = h.agent_keys;
        c->n_agent_keys = h.n_agent_keys;
        c->operator_keys = h.operator_keys;
        c->n_operator_keys = h.n_operator_keys;
        c->clock_skew_usec = h.clock_skew_usec;
        c->nonce_cache_size = h.nonce_cache_size;
        c->body_limit = h.body_limit;
        c->header_timeout_usec = h.header_timeout_usec;
        c->idle_timeout_usec = h.idle_timeout_usec;
        c->max_connections = h.max_connections;
        c->reject_cache_usec = h.reject_cache_usec;
        c->retry_after_usec = h.retry_after_usec;
        c->fold_interval_usec = h.fold_interval_usec;
        c->access_log = h.access_log;
        c->log_level = h.log_level;
        c->server_config = h.server_config;
        c->alertmanager = h.alertmanager;
        if (!c->path)
                return -ENOMEM;
        if (c->n_listen == 0) {
                c->listen[0].host = strdup("127.0.0.1");
                if (!c->listen[0].host)
                        return -ENOMEM;
                c->listen[0].port = 7443;
                c->n_listen = 1;
        }

        /* Absolute, so paths in logs and answers do not depend on where the
         * daemon was started from. */
        copy = strdup(path);
        if (!copy)
                return -ENOMEM;
        base = dirname(copy);
        dir = realpath(base, NULL);
        r = resolve_paths(dir ? dir : base, c);
        if (r < 0)
                return r;
        r = load_keys(c, diags);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(c);
        return 0;
}

const struct fl_agent_key *fl_coordinator_config_key(
        const struct fl_coordinator_config *c, const char *keyid) {
        for (size_t i = 0; keyid && i < c->n_agent_keys; i++)
                if (strcmp(c->agent_keys[i].keyid, keyid) == 0)
                        return &c->agent_keys[i];
        return NULL;
}

const struct fl_operator_key *fl_coordinator_config_operator_key(
        const struct fl_coordinator_config *c, const char *keyid) {
        for (size_t i = 0; keyid && i < c->n_operator_keys; i++)
                if (strcmp(c->operator_keys[i].keyid, keyid) == 0)
                        return &c->operator_keys[i];
        return NULL;
}

EVP_PKEY *fl_coordinator_config_signing_key(
        const struct fl_coordinator_config *c, const char *keyid) {
        const struct fl_agent_key *a = fl_coordinator_config_key(c, keyid);
        const struct fl_operator_key *o;

        if (a)
                return a->key;
        o = fl_coordinator_config_operator_key(c, keyid);
        return o ? o->key : NULL;
}

const struct fl_agent_key *fl_coordinator_config_node_binding(
        const struct fl_coordinator_config *c, const char *node) {
        for (size_t i = 0; i < c->n_agent_keys; i++)
                if (fl_agent_key_allows_node(&c->agent_keys[i], node))
                        return &c->agent_keys[i];
        return NULL;
}

bool fl_agent_key_allows_node(const struct fl_agent_key *k, const char *node) {
        for (size_t i = 0; node && i < k->nodes.n_items; i++)
                if (strcmp(k->nodes.items[i], node) == 0)
                        return true;
        return false;
}

bool fl_operator_key_allows_node(const struct fl_operator_key *k, const char *node) {
        if (!node)
                return false;
        if (k->all_nodes)
                return true;
        for (size_t i = 0; i < k->nodes.n_items; i++)
                if (strcmp(k->nodes.items[i], node) == 0)
                        return true;
        return false;
}
