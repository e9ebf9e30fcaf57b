/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Rule templates: the strings a rule uses for its threshold key and for the
 * parameters it hands to the workflow, e.g.
 *
 *   key    = "{disk}"
 *   params = { device = "/dev/{disk}", sector = "{sector}" }
 *
 * `{name}` is replaced by the event field (or regex capture) `name`; `{{` and
 * `}}` stand for literal braces. HCL's own `${...}` interpolation is not used:
 * the configuration language refuses it, so templates stay plain strings.
 */
#pragma once

#include <stddef.h>

struct fl_template;

/* Compiles `s`. On a syntax error returns -EINVAL and, if `ret_error` is
 * non-NULL, a static message and the 0-based character offset of the error. */
int fl_template_compile(
        const char *s, struct fl_template **ret, const char **ret_error, size_t *ret_offset);
struct fl_template *fl_template_free(struct fl_template *t);

/* Number of placeholders and the name of the i-th (for load-time checks). */
size_t fl_template_n_refs(const struct fl_template *t);
const char *fl_template_ref(const struct fl_template *t, size_t i);

/* Looks up a placeholder; returns NULL when the name is unknown. */
typedef const char *(*fl_template_lookup_fn)(const char *name, void *userdata);

/* Renders into `buf` (always NUL-terminated). A placeholder without a value
 * renders empty. Returns the rendered length, or -ENOBUFS if it was cut. */
int fl_template_render(const struct fl_template *t, fl_template_lookup_fn lookup, void *userdata,
        char *buf, size_t size);
