/* SPDX-License-Identifier: Apache-2.0 */
#include "config.h"

#include "config_parse.h"
#include "hcl.h"
#include "hcl_decode.h"
#include "macro.h"
#include "names.h"

#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#define USEC_PER_MSEC UINT64_C(1000)
#define USEC_PER_SEC  UINT64_C(1000000)

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

const char *fl_log_level_to_string(int level) {
        for (size_t i = 0; log_levels[i].name; i++)
                if (!log_levels[i].alias && log_levels[i].value == level)
                        return log_levels[i].name;
        return NULL;
}

/* ---- values checked as they are decoded ----
 *
 * These run for every attribute, whatever else is wrong in the file, so
 * --check reports all of them in one run (a block's validate callback only
 * runs when the block decoded cleanly).
 */

/* Paths must be absolute: the daemon runs with / as its working directory,
 * and --check run from elsewhere would otherwise look at other files. */
static int parse_path(struct fl_hcl_decoder *d, const struct fl_hcl_value *v,
        const struct fl_hcl_attr_spec *spec, void *field) {
        char q[FL_HCL_QUOTE_SIZE];

        if (v->type != FL_HCL_STRING)
                return fl_hcl_decoder_error(d, &v->pos, "\"%s\" must be a path string, not %s",
                        spec->name, fl_hcl_type_phrase(v));
        if (memchr(v->string.ptr, '\0', v->string.len) || v->string.ptr[0] != '/')
                return fl_hcl_decoder_error(d, &v->pos, "\"%s\" must be an absolute path, not %s",
                        spec->name, fl_hcl_quote(v->string.ptr, v->string.len, q));
        return fl_cfg_set_string(field, v);
}

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
                strpbrk(s, " \t\r\n"))
                return fl_hcl_decoder_error(d, &v->pos,
                        "\"%s\" must be an http:// or https:// URL with a host, not %s", spec->name,
                        fl_hcl_quote(s, v->string.len, q));
        return fl_cfg_set_string(field, v);
}

static int parse_ringbuf_size(struct fl_hcl_decoder *d, const struct fl_hcl_value *v,
        const struct fl_hcl_attr_spec *spec, void *field) {
        int64_t n;

        if (v->type != FL_HCL_NUMBER || fl_hcl_number_int64(v, &n) < 0 || n < 4096 ||
                n > (1 << 30) || (n & (n - 1)) != 0)
                return fl_hcl_decoder_error(d, &v->pos,
                        "\"%s\" must be a power of two between 4096 and 1073741824 (bytes)",
                        spec->name);
        *(int64_t *) field = n;
        return 0;
}

#define ATTR_PATH(n, st, m, fl) FL_HCL_ATTR_CUSTOM(n, st, m, parse_path, fl_cfg_free_string, fl)
/* Files of the coordinator block: a relative path is relative to the
 * directory of agent.hcl (resolved once decoding is done). */
#define ATTR_FILE(n, st, m, fl) \
        FL_HCL_ATTR_CUSTOM(n, st, m, fl_cfg_parse_path, fl_cfg_free_string, fl)
#define ATTR_DURATION(n, st, m, lo, hi) \
        FL_HCL_ATTR_CUSTOM(n, st, m, fl_cfg_parse_duration, NULL, 0, .min = (lo), .max = (hi))

/* ---- node ---- */

static int parse_node_name(struct fl_hcl_decoder *d, const struct fl_hcl_value *v,
        const struct fl_hcl_attr_spec *spec, void *field) {
        char q[FL_HCL_QUOTE_SIZE];

        if (v->type != FL_HCL_STRING)
                return fl_hcl_decoder_error(d, &v->pos, "\"%s\" must be a string, not %s",
                        spec->name, fl_hcl_type_phrase(v));
        if (strlen(v->string.ptr) != v->string.len || !fl_name_valid(v->string.ptr))
                return fl_hcl_decoder_error(d, &v->pos,
                        "\"%s\" must be 1 to %d letters, digits, \".\", \"_\" or \"-\", "
                        "starting with a letter or digit, not %s",
                        spec->name, FL_NAME_MAX, fl_hcl_quote(v->string.ptr, v->string.len, q));
        return fl_cfg_set_string(field, v);
}

static const struct fl_hcl_attr_spec node_attrs[] = {
        FL_HCL_ATTR_CUSTOM(
                "name", struct fl_agent_node, name, parse_node_name, fl_cfg_free_string, 0),
        FL_HCL_ATTR_STRING("type", struct fl_agent_node, type, FL_HCL_NONEMPTY),
        FL_HCL_ATTR_STRING("datacenter", struct fl_agent_node, datacenter, FL_HCL_NONEMPTY),
        {},
};

static const struct fl_hcl_schema node_schema = {
        .attrs = node_attrs,
        .size = sizeof(struct fl_agent_node),
};

/* ---- coordinator ---- */

static void init_retry(void *obj) {
        struct fl_agent_retry *r = obj;

        r->initial_usec = 1 * USEC_PER_SEC;
        r->max_usec = 300 * USEC_PER_SEC;
        r->operator_usec = 300 * USEC_PER_SEC;
}

static int validate_retry(struct fl_hcl_decoder *d, const struct fl_hcl_block *block,
        const struct fl_hcl_body *body, void *obj) {
        const struct fl_agent_retry *r = obj;

        if (r->max_usec < r->initial_usec)
                return fl_hcl_decoder_error(d, fl_cfg_attr_pos(body, "max", &block->pos),
                        "\"max\" must not be less than \"initial\"");
        return 0;
}

static const struct fl_hcl_attr_spec retry_attrs[] = {
        ATTR_DURATION("initial", struct fl_agent_retry, initial_usec, USEC_PER_SEC / 10,
                3600 * USEC_PER_SEC),
        ATTR_DURATION("max", struct fl_agent_retry, max_usec, USEC_PER_SEC / 10,
                24 * 3600 * USEC_PER_SEC),
        ATTR_DURATION("operator", struct fl_agent_retry, operator_usec, USEC_PER_SEC / 10,
                24 * 3600 * USEC_PER_SEC),
        {},
};

static const struct fl_hcl_schema retry_schema = {
        .attrs = retry_attrs,
        .size = sizeof(struct fl_agent_retry),
        .init = init_retry,
        .validate = validate_retry,
};

#define OUTBOX_MIN_BYTES 4096
#define OUTBOX_MAX_BYTES (INT64_C(1) << 30) /* lib/outbox.c's FILE_MAX */

static void init_outbox(void *obj) {
        struct fl_agent_outbox *o = obj;

        o->soft_limit_bytes = 16 << 20;
        o->hard_limit_bytes = 64 << 20;
}

static int validate_outbox(struct fl_hcl_decoder *d, const struct fl_hcl_block *block,
        const struct fl_hcl_body *body, void *obj) {
        const struct fl_agent_outbox *o = obj;

        if (o->hard_limit_bytes < o->soft_limit_bytes)
                return fl_hcl_decoder_error(d, fl_cfg_attr_pos(body, "hard_limit", &block->pos),
                        "\"hard_limit\" must not be less than \"soft_limit\"");
        return 0;
}

static const struct fl_hcl_attr_spec outbox_attrs[] = {
        FL_HCL_ATTR_INT("soft_limit", struct fl_agent_outbox, soft_limit_bytes, 0,
                .min = OUTBOX_MIN_BYTES, .max = OUTBOX_MAX_BYTES),
        FL_HCL_ATTR_INT("hard_limit", struct fl_agent_outbox, hard_limit_bytes, 0,
                .min = OUTBOX_MIN_BYTES, .max = OUTBOX_MAX_BYTES),
        {},
};

static const struct fl_hcl_schema outbox_schema = {
        .attrs = outbox_attrs,
        .size = sizeof(struct fl_agent_outbox),
        .init = init_outbox,
        .validate = validate_outbox,
};

static void init_coordinator(void *obj) {
        struct fl_agent_coordinator *c = obj;

        c->timeout_usec = 10 * USEC_PER_SEC;
        c->max_in_flight = 8;
        c->idle_release_usec = 300 * USEC_PER_SEC;
}

static int validate_coordinator(struct fl_hcl_decoder *d, const struct fl_hcl_block *block,
        const struct fl_hcl_body *body, void *obj) {
        struct fl_agent_coordinator *c = obj;

        c->configured = true;
        if (!c->cert_file != !c->key_file)
                return fl_hcl_decoder_error(d, &block->pos,
                        "\"cert_file\" and \"key_file\" go together: set both or neither");
        if (strncmp(c->url, "https://", 8) == 0 && !c->cert_file)
                return fl_hcl_decoder_error(d, &block->pos,
                        "an https coordinator needs \"cert_file\" and \"key_file\" (mutual TLS)");
        return 0;
}

static const struct fl_hcl_attr_spec coordinator_attrs[] = {
        FL_HCL_ATTR_CUSTOM("url", struct fl_agent_coordinator, url, parse_url, fl_cfg_free_string,
                FL_HCL_REQUIRED),
        ATTR_FILE("ca_file", struct fl_agent_coordinator, ca_file, 0),
        ATTR_FILE("cert_file", struct fl_agent_coordinator, cert_file, 0),
        ATTR_FILE("key_file", struct fl_agent_coordinator, key_file, 0),
        ATTR_FILE(
                "signing_key_file", struct fl_agent_coordinator, signing_key_file, FL_HCL_REQUIRED),
        FL_HCL_ATTR_STRING("key_id", struct fl_agent_coordinator, key_id, FL_HCL_NONEMPTY),
        ATTR_DURATION("timeout", struct fl_agent_coordinator, timeout_usec, USEC_PER_SEC / 10,
                600 * USEC_PER_SEC),
        FL_HCL_ATTR_INT("max_in_flight", struct fl_agent_coordinator, max_in_flight, 0, .min = 1,
                .max = 256),
        ATTR_DURATION("idle_release", struct fl_agent_coordinator, idle_release_usec, 0,
                24 * 3600 * USEC_PER_SEC),
        {},
};

static const struct fl_hcl_block_spec coordinator_blocks[] = {
        FL_HCL_BLOCK_ONE("retry", struct fl_agent_coordinator, retry, &retry_schema, 0),
        FL_HCL_BLOCK_ONE("outbox", struct fl_agent_coordinator, outbox, &outbox_schema, 0),
        {},
};

static const struct fl_hcl_schema coordinator_schema = {
        .attrs = coordinator_attrs,
        .blocks = coordinator_blocks,
        .size = sizeof(struct fl_agent_coordinator),
        .init = init_coordinator,
        .validate = validate_coordinator,
};

/* ---- sources ---- */

static void init_sources(void *obj) {
        struct fl_agent_sources *s = obj;

        s->bpf = s->sysfs = s->journal = true;
}

static const struct fl_hcl_attr_spec sources_attrs[] = {
        FL_HCL_ATTR_BOOL("bpf", struct fl_agent_sources, bpf, 0),
        FL_HCL_ATTR_BOOL("sysfs", struct fl_agent_sources, sysfs, 0),
        FL_HCL_ATTR_BOOL("journal", struct fl_agent_sources, journal, 0),
        FL_HCL_ATTR_BOOL("required", struct fl_agent_sources, required, 0),
        {},
};

static const struct fl_hcl_schema sources_schema = {
        .attrs = sources_attrs,
        .size = sizeof(struct fl_agent_sources),
        .init = init_sources,
};

/* ---- top level ---- */

static int set_default(char **p, const char *value) {
        if (*p || !value)
                return 0;
        *p = strdup(value);
        return *p ? 0 : -ENOMEM;
}

/* init cannot fail: a string it could not allocate stays NULL and
 * apply_defaults() tries again where an error can be returned. */
static int apply_defaults(struct fl_agent_config *c) {
        if (set_default(&c->rules_dir, "/etc/faultline/rules.d") < 0 ||
                set_default(&c->state_dir, "/var/lib/faultline") < 0 ||
                set_default(&c->sysfs_root, "/sys") < 0)
                return -ENOMEM;
        return 0;
}

static void init_config(void *obj) {
        struct fl_agent_config *c = obj;

        (void) apply_defaults(c);
        c->sysfs_interval_usec = 10 * USEC_PER_SEC;
        c->sysfs_rescan_usec = 60 * USEC_PER_SEC;
        c->bpf_ringbuf_bytes = 64 * 1024;
        c->reload_delay_usec = 200 * USEC_PER_MSEC;
        c->metrics_interval_usec = 15 * USEC_PER_SEC;
        c->log_level = LOG_INFO;
}

static const struct fl_hcl_attr_spec config_attrs[] = {
        ATTR_PATH("rules_dir", struct fl_agent_config, rules_dir, 0),
        ATTR_PATH("state_dir", struct fl_agent_config, state_dir, 0),
        ATTR_PATH("sysfs_root", struct fl_agent_config, sysfs_root, 0),
        ATTR_PATH("journal_directory", struct fl_agent_config, journal_directory, 0),
        ATTR_DURATION("sysfs_interval", struct fl_agent_config, sysfs_interval_usec, USEC_PER_SEC,
                24 * 3600 * USEC_PER_SEC),
        ATTR_DURATION("sysfs_rescan_interval", struct fl_agent_config, sysfs_rescan_usec,
                USEC_PER_SEC, 24 * 3600 * USEC_PER_SEC),
        FL_HCL_ATTR_CUSTOM("bpf_ringbuf_size", struct fl_agent_config, bpf_ringbuf_bytes,
                parse_ringbuf_size, NULL, 0),
        ATTR_DURATION(
                "reload_delay", struct fl_agent_config, reload_delay_usec, 0, 10 * USEC_PER_SEC),
        ATTR_PATH("metrics_file", struct fl_agent_config, metrics_file, 0),
        ATTR_DURATION("metrics_interval", struct fl_agent_config, metrics_interval_usec,
                USEC_PER_SEC, 3600 * USEC_PER_SEC),
        FL_HCL_ATTR_ENUM("log_level", struct fl_agent_config, log_level, log_levels, 0),
        {},
};

static const struct fl_hcl_block_spec config_blocks[] = {
        FL_HCL_BLOCK_ONE("node", struct fl_agent_config, node, &node_schema, 0),
        FL_HCL_BLOCK_ONE(
                "coordinator", struct fl_agent_config, coordinator, &coordinator_schema, 0),
        FL_HCL_BLOCK_ONE("sources", struct fl_agent_config, sources, &sources_schema, 0),
        {},
};

static const struct fl_hcl_schema config_schema = {
        .attrs = config_attrs,
        .blocks = config_blocks,
        .size = sizeof(struct fl_agent_config),
        .init = init_config,
};

struct fl_agent_config *fl_agent_config_free(struct fl_agent_config *c) {
        if (!c)
                return NULL;
        fl_hcl_decode_free(&config_schema, c);
        free(c);
        return NULL;
}

/* Makes *p absolute against the directory of `config_path` (which was
 * just read, so its directory exists). Returns 0 or -ENOMEM. */
static int resolve_relative(const char *config_path, char **p) {
        _cleanup_free_ char *copy = NULL, *dir = NULL;
        char *joined;

        if (!*p || (*p)[0] == '/')
                return 0;
        copy = strdup(config_path);
        if (!copy)
                return -ENOMEM;
        dir = realpath(dirname(copy), NULL);
        if (!dir)
                return -ENOMEM;
        if (asprintf(&joined, "%s%s%s", dir, strcmp(dir, "/") == 0 ? "" : "/", *p) < 0)
                return -ENOMEM;
        free(*p);
        *p = joined;
        return 0;
}

/* Defaults that depend on other keys or on the host, applied after a
 * successful decode. */
static int finish(const char *path, struct fl_agent_config *c, struct fl_diags *diags) {
        char host[HOST_NAME_MAX + 1] = "";
        char q[FL_HCL_QUOTE_SIZE];

        if (apply_defaults(c) < 0)
                return -ENOMEM;
        if (!c->node.name) {
                if (gethostname(host, sizeof(host) - 1) < 0)
                        host[0] = '\0';
                if (!fl_name_valid(host)) {
                        int r = fl_diags_add(diags, path, 1, 1,
                                "the node name defaults to the host name, and %s is not a valid "
                                "one: set node { name = \"...\" }",
                                fl_hcl_quote(host, strlen(host), q));
                        return r == -ENOMEM ? r : -EINVAL;
                }
                c->node.name = strdup(host);
                if (!c->node.name)
                        return -ENOMEM;
        }
        if (c->coordinator.configured) {
                char **files[] = {&c->coordinator.ca_file, &c->coordinator.cert_file,
                        &c->coordinator.key_file, &c->coordinator.signing_key_file};
                for (size_t i = 0; i < ELEMENTSOF(files); i++)
                        if (resolve_relative(path, files[i]) < 0)
                                return -ENOMEM;
        }
        if (c->coordinator.configured && !c->coordinator.key_id) {
                c->coordinator.key_id = strdup(c->node.name);
                if (!c->coordinator.key_id)
                        return -ENOMEM;
        }
        return 0;
}

int fl_agent_config_load(const char *path, struct fl_diags *diags, struct fl_agent_config **ret) {
        _cleanup_(fl_agent_config_freep) struct fl_agent_config *c = calloc(1, sizeof(*c));
        int r;

        if (!c)
                return -ENOMEM;
        r = fl_hcl_decode_file(path, &config_schema, NULL, diags, c, NULL);
        if (r == -EINVAL || r == -EFBIG)
                return -EINVAL; /* reported in diags */
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                /* Not parsed at all (missing, unreadable): still one FILE:LINE:COL line. */
                r = fl_diags_add(diags, path, 1, 1, "cannot read the file: %s", strerror(-r));
                return r == -ENOMEM ? r : -EINVAL;
        }
        r = finish(path, c, diags);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(c);
        return 0;
}

int fl_agent_config_default(struct fl_agent_config **ret) {
        _cleanup_(fl_agent_config_freep) struct fl_agent_config *c = calloc(1, sizeof(*c));
        _cleanup_(fl_diags_freep) struct fl_diags *diags = fl_diags_new();
        int r;

        if (!c || !diags)
                return -ENOMEM;
        fl_hcl_decode_init(&config_schema, c);
        r = finish("<defaults>", c, diags);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(c);
        return 0;
}
