/* SPDX-License-Identifier: Apache-2.0 */
#include "ctl_config.h"

#include "config_parse.h"
#include "hcl.h"
#include "hcl_decode.h"
#include "names.h"

#include <errno.h>
#include <libgen.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define USEC_PER_SEC UINT64_C(1000000)

/* The decoded file: one `coordinator` block. */
struct ctl_hcl {
        struct fl_ctl_config coordinator;
};

/* https:// only: the coordinator speaks nothing else. */
static int parse_url(struct fl_hcl_decoder *d, const struct fl_hcl_value *v,
        const struct fl_hcl_attr_spec *spec, void *field) {
        char q[FL_HCL_QUOTE_SIZE];
        const char *s = v->string.ptr;

        if (v->type != FL_HCL_STRING)
                return fl_hcl_decoder_error(d, &v->pos, "\"%s\" must be a URL string, not %s",
                        spec->name, fl_hcl_type_phrase(v));
        if (strncmp(s, "https://", 8) != 0 || !s[8] || s[8] == '/' ||
                memchr(s, '\0', v->string.len) || strpbrk(s, " \t\r\n?#"))
                return fl_hcl_decoder_error(d, &v->pos,
                        "\"%s\" must be an https:// URL with a host (and no query), not %s",
                        spec->name, fl_hcl_quote(s, v->string.len, q));
        return fl_cfg_set_string(field, v);
}

static void coordinator_init(void *obj) {
        struct fl_ctl_config *c = obj;

        c->url = strdup(FL_CTL_DEFAULT_URL);
        c->timeout_usec = FL_CTL_DEFAULT_TIMEOUT_SEC * USEC_PER_SEC;
}

static int coordinator_validate(struct fl_hcl_decoder *d, const struct fl_hcl_block *block,
        const struct fl_hcl_body *body, void *obj) {
        struct fl_ctl_config *c = obj;

        if (!block)
                return 0;
        if (!c->cert_file != !c->key_file)
                return fl_hcl_decoder_error(d,
                        fl_cfg_attr_pos(body, c->cert_file ? "cert_file" : "key_file", &block->pos),
                        "\"cert_file\" and \"key_file\" go together");
        return 0;
}

#define ATTR_FILE(n, m) \
        FL_HCL_ATTR_CUSTOM(n, struct fl_ctl_config, m, fl_cfg_parse_path, fl_cfg_free_string, 0)

static const struct fl_hcl_attr_spec coordinator_attrs[] = {
        FL_HCL_ATTR_CUSTOM("url", struct fl_ctl_config, url, parse_url, fl_cfg_free_string, 0),
        ATTR_FILE("ca_file", ca_file),
        ATTR_FILE("cert_file", cert_file),
        ATTR_FILE("key_file", key_file),
        ATTR_FILE("signing_key_file", signing_key_file),
        FL_HCL_ATTR_CUSTOM("key_id", struct fl_ctl_config, key_id, fl_cfg_parse_rule_name,
                fl_cfg_free_string, 0),
        FL_HCL_ATTR_CUSTOM("timeout", struct fl_ctl_config, timeout_usec, fl_cfg_parse_duration,
                NULL, 0, .min = (int64_t) USEC_PER_SEC, .max = (int64_t) (3600 * USEC_PER_SEC)),
        {},
};

static const struct fl_hcl_schema coordinator_schema = {
        .attrs = coordinator_attrs,
        .size = sizeof(struct fl_ctl_config),
        .init = coordinator_init,
        .validate = coordinator_validate,
};

static const struct fl_hcl_block_spec ctl_blocks[] = {
        FL_HCL_BLOCK_ONE("coordinator", struct ctl_hcl, coordinator, &coordinator_schema, 0),
        {},
};

static const struct fl_hcl_schema ctl_schema = {
        .blocks = ctl_blocks,
        .size = sizeof(struct ctl_hcl),
};

struct fl_ctl_config *fl_ctl_config_free(struct fl_ctl_config *c) {
        if (!c)
                return NULL;
        free(c->path);
        c->path = NULL;
        fl_hcl_decode_free(&coordinator_schema, c);
        free(c);
        return NULL;
}

int fl_ctl_config_default(struct fl_ctl_config **ret) {
        struct fl_ctl_config *c = calloc(1, sizeof(*c));

        if (!c)
                return -ENOMEM;
        fl_hcl_decode_init(&coordinator_schema, c);
        if (!c->url) {
                free(c);
                return -ENOMEM;
        }
        *ret = c;
        return 0;
}

int fl_ctl_config_load(const char *path, struct fl_diags *diags, struct fl_ctl_config **ret) {
        _cleanup_(fl_hcl_file_freep) struct fl_hcl_file *file = NULL;
        _cleanup_(fl_ctl_config_freep) struct fl_ctl_config *c = NULL;
        _cleanup_free_ char *copy = NULL, *dir = NULL;
        struct ctl_hcl h;
        int r;

        r = fl_hcl_parse_file(path, diags, &file);
        if (r == -ENOMEM)
                return r;
        if (r < 0 && r != -EINVAL && r != -EFBIG) {
                r = fl_diags_add(diags, path, 1, 1, "cannot read configuration: %s", strerror(-r));
                return r == -ENOMEM ? r : -EINVAL;
        }
        if (r < 0)
                return -EINVAL;
        r = fl_hcl_decode(file, &ctl_schema, NULL, diags, &h);
        if (r < 0)
                return r;
        c = malloc(sizeof(*c));
        if (!c) {
                fl_hcl_decode_free(&ctl_schema, &h);
                return -ENOMEM;
        }
        *c = h.coordinator;
        c->path = strdup(path);
        copy = strdup(path);
        if (!c->path || !copy)
                return -ENOMEM;
        dir = realpath(dirname(copy), NULL);
        if (!dir)
                dir = strdup(".");
        if (!dir)
                return -ENOMEM;
        char **files[] = {&c->ca_file, &c->cert_file, &c->key_file, &c->signing_key_file};
        for (size_t i = 0; i < ELEMENTSOF(files); i++) {
                r = fl_cfg_resolve(dir, files[i]);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(c);
        return 0;
}

const char *fl_ctl_config_pick(const char *explicit_path, const char *env_value,
        const char *default_path, bool *ret_required) {
        if (explicit_path) {
                *ret_required = true;
                return explicit_path;
        }
        if (env_value && *env_value) {
                *ret_required = true;
                return env_value;
        }
        *ret_required = false;
        return access(default_path, F_OK) == 0 ? default_path : NULL;
}
