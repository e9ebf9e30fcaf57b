/* SPDX-License-Identifier: Apache-2.0 */
/*
 * agent.hcl, the agent's configuration (/etc/faultline/agent.hcl), decoded
 * with its full schema. Every key is listed in docs/agent.md; the packaged
 * default is rules/agent.hcl. Example:
 *
 *   node { name = "node-17"  type = "storage"  datacenter = "ams01" }
 *   coordinator {
 *     url              = "https://coordinator:7443"
 *     ca_file          = "/etc/faultline/tls/ca.pem"
 *     cert_file        = "/etc/faultline/tls/node-17.pem"
 *     key_file         = "/etc/faultline/tls/node-17.key"
 *     signing_key_file = "/etc/faultline/keys/node-17.ed25519"
 *     key_id           = "node-17"
 *     timeout          = "10s"
 *     retry { initial = "1s"  max = "5m"  operator = "5m" }
 *     max_in_flight    = 8
 *     idle_release     = "5m"
 *     outbox { soft_limit = 16777216  hard_limit = 67108864 }
 *   }
 *   rules_dir    = "/etc/faultline/rules.d"
 *   state_dir    = "/var/lib/faultline"
 *   sysfs_root   = "/sys"
 *   metrics_file = "/var/lib/prometheus/node-exporter/faultline-agent.prom"
 *
 * Everything but the node's name has a default; the name defaults to the
 * host name. The coordinator block is optional: without it (or with
 * --dry-run) firings only go to the journal. Unknown keys are errors, so a
 * typo never silently falls back to a default.
 */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "diag.h"

#define FL_AGENT_CONFIG_DEFAULT_PATH "/etc/faultline/agent.hcl"

struct fl_agent_node {
        char *name; /* [A-Za-z0-9][A-Za-z0-9._-]{0,63}; default: the host name */
        char *type;
        char *datacenter;
};

struct fl_agent_retry {
        uint64_t initial_usec;  /* first delay after a failed delivery; default 1 s */
        uint64_t max_usec;      /* the delay doubles up to this; default 5 min */
        uint64_t operator_usec; /* between attempts an operator must unblock; default 5 min */
};

/* The outbox in state_dir (lib/outbox.h). */
struct fl_agent_outbox {
        int64_t soft_limit_bytes; /* above: firings with a pending rule+key coalesce; 16 MiB */
        int64_t hard_limit_bytes; /* above: other firings are refused; 64 MiB */
};

/* Where and how triggers are delivered (signed POST /v1/triggers over mTLS).
 * Decoded and validated here; the delivery (agent/delivery.h) uses it. */
struct fl_agent_coordinator {
        bool configured;        /* the block is present */
        char *url;              /* http:// or https://; required in the block */
        char *ca_file;          /* TLS trust anchors; NULL: the system's */
        char *cert_file;        /* client certificate (mTLS); required for https */
        char *key_file;         /* its key; required for https */
        char *signing_key_file; /* Ed25519 private key (RFC 9421 signatures); required */
        char *key_id;           /* keyid of the signatures; default: the node's name */
        uint64_t timeout_usec;  /* per request; default 10 s */
        struct fl_agent_retry retry;
        int64_t max_in_flight;      /* requests at once; default 8 */
        uint64_t idle_release_usec; /* stop the sender after this long idle; 0 never; 5 min */
        struct fl_agent_outbox outbox;
};

/* Which sources run. A source that fails to start is logged and skipped
 * unless `required`, which makes any enabled source's failure fatal. */
struct fl_agent_sources {
        bool bpf;
        bool sysfs;
        bool journal;
        bool required;
};

struct fl_agent_config {
        struct fl_agent_node node;
        struct fl_agent_coordinator coordinator;
        struct fl_agent_sources sources;

        char *rules_dir;         /* default /etc/faultline/rules.d */
        char *state_dir;         /* default /var/lib/faultline */
        char *sysfs_root;        /* default /sys */
        char *journal_directory; /* NULL: the system journal */

        uint64_t sysfs_interval_usec; /* default 10 s */
        uint64_t sysfs_rescan_usec;   /* default 60 s */
        int64_t bpf_ringbuf_bytes;    /* default 256 KiB; a power of two */
        uint64_t reload_delay_usec;   /* rules.d debounce; default 200 ms */

        char *metrics_file;             /* Prometheus textfile; NULL: none */
        uint64_t metrics_interval_usec; /* at most one write per interval; default 15 s */

        int log_level; /* syslog priority: messages above it are not logged; default LOG_INFO */
};

/* Reads and decodes `path`. Returns 0 and a new config; -EINVAL after
 * appending every problem to `diags` as FILE:LINE:COL: message (including an
 * unreadable file, reported at 1:1); -ENOMEM. */
int fl_agent_config_load(const char *path, struct fl_diags *diags, struct fl_agent_config **ret);

/* The defaults alone, as if the file were empty. Returns 0 or -ENOMEM. */
int fl_agent_config_default(struct fl_agent_config **ret);

struct fl_agent_config *fl_agent_config_free(struct fl_agent_config *c);
FL_DEFINE_CLEANUP(struct fl_agent_config *, fl_agent_config_free);

/* "emerg" ... "debug" for a syslog priority; NULL if invalid. */
const char *fl_log_level_to_string(int level);
