/* SPDX-License-Identifier: Apache-2.0 */
/*
 * coordinator.hcl, the coordinator's configuration
 * (/etc/faultline/coordinator.hcl), decoded with its full schema. Every key
 * is listed in docs/coordinator.md; the packaged default is
 * rules/coordinator.hcl. Example:
 *
 *   listen = "127.0.0.1:7443"              # or a list: ["127.0.0.1:7443", "[::1]:7443"]
 *   tls { ca_file = "ca.pem"  cert_file = "coordinator.pem"  key_file = "coordinator.key" }
 *   temporal { url = "http://127.0.0.1:7243"  namespace = "default" }
 *   workflows_dir = "/etc/faultline/workflows.d"
 *   state_dir     = "/var/lib/faultline/coordinator"
 *   agent_key "node-17" {
 *     public_key_file = "keys/node-17.pub"
 *     nodes = ["node-17"]  node_type = "storage"  datacenter = "ams01"
 *   }
 *   server_config {
 *     enable_tls = true
 *     route_rule {
 *       name = "agents"  method = "POST"  route_patterns = ["/v1/triggers"]
 *       uris = ["spiffe://example.com/agent"]
 *     }
 *   }
 *
 * Relative file names are relative to the directory of coordinator.hcl.
 * Unknown keys are errors, so a typo never silently falls back to a default.
 * Loading also reads the agents' public keys; --check additionally opens the
 * TLS files and the workflow configs (check.c).
 */
#pragma once

#include <openssl/evp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config_parse.h"
#include "diag.h"
#include "macro.h"

#define FL_COORDINATOR_CONFIG_DEFAULT_PATH "/etc/faultline/coordinator.hcl"
#define FL_LISTEN_MAX                      16

struct fl_listen_address {
        char *host; /* "127.0.0.1", "::1", "0.0.0.0"... (no brackets) */
        uint16_t port;
};

struct fl_tls_config {
        char *ca_file;   /* verifies client certificates (enable_tls = true) */
        char *cert_file; /* the server's certificate chain (PEM) */
        char *key_file;
};

struct fl_temporal_config {
        char *url;       /* HTTP API, default http://127.0.0.1:7243 */
        char *namespace; /* default "default" */
        char *identity;  /* default "faultline-coordinator" */
        char *ca_file;   /* https only */
        char *cert_file;
        char *key_file;
        char *api_key_file; /* a file holding the API key (kept out of this file) */
        uint64_t connect_timeout_usec;
        uint64_t attempt_timeout_usec;
        uint64_t deadline_usec;
        int64_t max_connections;
};

/* A trusted agent signing key and what it may speak for. */
struct fl_agent_key {
        char *keyid; /* the block's label: the keyid of the signatures */
        char *public_key_file;
        struct fl_cfg_names nodes; /* node names the key may ask for */
        char *node_type;
        char *datacenter;
        unsigned line, column;
        EVP_PKEY *key; /* loaded by fl_coordinator_config_load() */
};

/* HTTP methods as bits, so a rule can name one or all ("*"). */
enum {
        FL_METHOD_GET = 1u << 0,
        FL_METHOD_POST = 1u << 1,
        FL_METHOD_PUT = 1u << 2,
        FL_METHOD_DELETE = 1u << 3,
        FL_METHOD_PATCH = 1u << 4,
        FL_METHOD_HEAD = 1u << 5,
        FL_METHOD_OPTIONS = 1u << 6,
        FL_METHOD_ANY = (1u << 7) - 1,
};

struct fl_route_rule {
        char *name;            /* for logs; default "rule@LINE" */
        int method;            /* FL_METHOD_* bit, or FL_METHOD_ANY for "*" */
        char **route_patterns; /* NULL-terminated; '*' matches any characters, '/' included */
        size_t n_route_patterns;
        char **uris; /* SPIFFE IDs allowed */
        size_t n_uris;
        bool allow_public;   /* no client identity needed */
        bool skip_log_match; /* no access log line for requests this rule matches */
        unsigned line, column;
};

struct fl_server_config {
        bool enable_tls; /* client certificates requested and verified; identity = SPIFFE ID */
        struct fl_route_rule *route_rules;
        size_t n_route_rules;
};

/* POST /v1/alertmanager: alerts (Alertmanager webhook v4) mapped to
 * workflows, one route per alertname. */
struct fl_alertmanager_route {
        char *alertname; /* the block's label */
        char *workflow;
        char *rule;    /* FaultlineRule of what it starts; default "alertmanager" */
        char **params; /* labels copied into the trigger's params */
        size_t n_params;
};

struct fl_alertmanager_config {
        bool configured; /* the block is present */
        char **callers;  /* SPIFFE IDs that may post alerts (on top of the ACL) */
        size_t n_callers;
        char *node_label; /* the label naming the node; default "node" */
        bool strip_port;  /* "node-17:9100" -> "node-17"; default true */
        struct fl_alertmanager_route *routes;
        size_t n_routes;
};

struct fl_coordinator_config {
        char *path; /* the file it was read from */

        struct fl_listen_address listen[FL_LISTEN_MAX];
        size_t n_listen;
        struct fl_tls_config tls;
        struct fl_temporal_config temporal;
        char *workflows_dir; /* default /etc/faultline/workflows.d */
        char *state_dir;     /* pause state; default /var/lib/faultline/coordinator */

        struct fl_agent_key *agent_keys;
        size_t n_agent_keys;

        uint64_t clock_skew_usec;     /* signature `created` tolerance; default 5 min */
        int64_t nonce_cache_size;     /* replay cache entries; default 1,000,000 */
        int64_t body_limit;           /* request body bytes; default 65536 */
        uint64_t header_timeout_usec; /* request head+body once started; default 10 s */
        uint64_t idle_timeout_usec;   /* keep-alive idle; default 60 s */
        int64_t max_connections;      /* default 1024 */
        uint64_t reject_cache_usec;   /* visibility listing reused for rejections; default 1 s */
        uint64_t retry_after_usec;    /* Retry-After of deferred answers; default 60 s */
        uint64_t fold_interval_usec;  /* identical rejections folded in the journal; default 60 s */
        bool access_log;              /* default true */
        int log_level; /* syslog priority: access log and notices less important than it
                        * are not written (decisions always are); default LOG_INFO */

        struct fl_server_config server_config;
        struct fl_alertmanager_config alertmanager;
};

/* Reads and decodes `path`, resolves relative file names and loads the
 * agents' public keys. Returns 0 and a new config; -EINVAL after appending
 * every problem to `diags` as FILE:LINE:COL: message (an unreadable file at
 * 1:1); -ENOMEM. */
int fl_coordinator_config_load(
        const char *path, struct fl_diags *diags, struct fl_coordinator_config **ret);

struct fl_coordinator_config *fl_coordinator_config_free(struct fl_coordinator_config *c);
FL_DEFINE_CLEANUP(struct fl_coordinator_config *, fl_coordinator_config_free);

/* The agent key with this keyid, or NULL. */
const struct fl_agent_key *fl_coordinator_config_key(
        const struct fl_coordinator_config *c, const char *keyid);

/* The first agent key bound to `node` (its type and datacenter), or NULL:
 * how alerts, which carry no signature, get a binding. */
const struct fl_agent_key *fl_coordinator_config_node_binding(
        const struct fl_coordinator_config *c, const char *node);

/* True when the key may speak for `node`. */
bool fl_agent_key_allows_node(const struct fl_agent_key *k, const char *node);
