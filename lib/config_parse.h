/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Attribute parsers shared by the config formats (the coordinator's
 * coordinator.hcl and workflows.d/NAME.hcl, the agent's agent.hcl,
 * faultlinectl's config), for FL_HCL_ATTR_CUSTOM entries. Each reports a problem at the value's
 * position and returns fl_hcl_decoder_error()'s result, so --check lists every bad value of a file
 * in one run.
 */
#pragma once

#include <stddef.h>
#include <stdint.h>

#include "hcl_decode.h"

/* char *: a name as fl_name_valid() accepts. */
int fl_cfg_parse_name(struct fl_hcl_decoder *d, const struct fl_hcl_value *v,
        const struct fl_hcl_attr_spec *spec, void *field);

/* char *: a name as fl_rule_name_valid() accepts (rules, key ids). */
int fl_cfg_parse_rule_name(struct fl_hcl_decoder *d, const struct fl_hcl_value *v,
        const struct fl_hcl_attr_spec *spec, void *field);

/* A list of fl_name_valid() names: FL_HCL_ATTR_CUSTOM with
 * fl_cfg_parse_names and fl_cfg_free_names. `items` is NULL-terminated. */
struct fl_cfg_names {
        char **items;
        size_t n_items;
};
int fl_cfg_parse_names(struct fl_hcl_decoder *d, const struct fl_hcl_value *v,
        const struct fl_hcl_attr_spec *spec, void *field);
void fl_cfg_free_names(void *field);

/* char *: a non-empty path without NUL characters. Relative paths are
 * resolved later against the config file's directory (fl_cfg_resolve). */
int fl_cfg_parse_path(struct fl_hcl_decoder *d, const struct fl_hcl_value *v,
        const struct fl_hcl_attr_spec *spec, void *field);

/* uint64_t µs: a duration string within [spec->min, spec->max] µs. */
int fl_cfg_parse_duration(struct fl_hcl_decoder *d, const struct fl_hcl_value *v,
        const struct fl_hcl_attr_spec *spec, void *field);

/* For FL_HCL_ATTR_CUSTOM string fields: stores a copy of the string value
 * (replacing the previous one; 0 or -ENOMEM), and frees it. */
int fl_cfg_set_string(char **field, const struct fl_hcl_value *v);
void fl_cfg_free_string(void *field);

/* "1s", "24h", "200ms": the largest unit that divides the value. */
void fl_cfg_format_duration(uint64_t usec, char *buf, size_t size);

/* Replaces a relative *path with "<dir>/<path>". Returns 0 or -ENOMEM. */
int fl_cfg_resolve(const char *dir, char **path);

/* Where an attribute's value was written in `body`, or `fallback` when the
 * attribute is absent (a default). */
const struct fl_hcl_pos *fl_cfg_attr_pos(
        const struct fl_hcl_body *body, const char *name, const struct fl_hcl_pos *fallback);
