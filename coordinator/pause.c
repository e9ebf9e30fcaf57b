/* SPDX-License-Identifier: Apache-2.0 */
#include "pause.h"

#include "fileio.h"
#include "names.h"
#include "temporal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#define PAUSE_FILE_MAX (4u << 20)

struct fl_pause_state {
        char *dir;
        char *path;
        struct fl_pause *items;
        size_t n_items;
};

static const char *const scope_names[_FL_PAUSE_SCOPE_MAX] = {
        [FL_PAUSE_ALL] = "all",
        [FL_PAUSE_WORKFLOW] = "workflow",
        [FL_PAUSE_DATACENTER] = "datacenter",
};

const char *fl_pause_scope_to_string(enum fl_pause_scope s) {
        return (unsigned) s < _FL_PAUSE_SCOPE_MAX ? scope_names[s] : NULL;
}

int fl_pause_scope_from_string(const char *s) {
        for (int i = 0; s && i < _FL_PAUSE_SCOPE_MAX; i++)
                if (strcmp(s, scope_names[i]) == 0)
                        return i;
        return -EINVAL;
}

static void pause_done(struct fl_pause *p) {
        free(p->value);
        free(p->reason);
        free(p->by);
        *p = (struct fl_pause){};
}

static int pause_copy(const struct fl_pause *src, struct fl_pause *ret) {
        struct fl_pause p = {.scope = src->scope, .since_usec = src->since_usec};

        if ((src->value && !(p.value = strdup(src->value))) ||
                (src->reason && !(p.reason = strdup(src->reason))) ||
                (src->by && !(p.by = strdup(src->by)))) {
                pause_done(&p);
                return -ENOMEM;
        }
        *ret = p;
        return 0;
}

struct fl_pause_state *fl_pause_state_free(struct fl_pause_state *s) {
        if (!s)
                return NULL;
        for (size_t i = 0; i < s->n_items; i++)
                pause_done(&s->items[i]);
        free(s->items);
        free(s->dir);
        free(s->path);
        free(s);
        return NULL;
}

json_t *fl_pause_json(const struct fl_pause *p) {
        char since[FL_TEMPORAL_TIME_MAX];
        json_t *o = json_pack("{s:s}", "scope", fl_pause_scope_to_string(p->scope));

        if (!o)
                return NULL;
        if (p->value && json_object_set_new(
                                o, fl_pause_scope_to_string(p->scope), json_string(p->value)) < 0)
                goto fail;
        if (p->reason && json_object_set_new(o, "reason", json_string(p->reason)) < 0)
                goto fail;
        if (p->by && json_object_set_new(o, "by", json_string(p->by)) < 0)
                goto fail;
        if (fl_temporal_format_time(p->since_usec, since) == 0 &&
                json_object_set_new(o, "since", json_string(since)) < 0)
                goto fail;
        return o;
fail:
        json_decref(o);
        return NULL;
}

json_t *fl_pause_state_json(const struct fl_pause_state *s) {
        json_t *a = json_array();

        for (size_t i = 0; a && i < s->n_items; i++)
                if (json_array_append_new(a, fl_pause_json(&s->items[i])) < 0) {
                        json_decref(a);
                        return NULL;
                }
        return a;
}

/* One entry of the file, or -EINVAL with a static reason. */
static int pause_from_json(json_t *o, struct fl_pause *ret, const char **why) {
        struct fl_pause p = {};
        const char *scope, *value = NULL, *reason, *by, *since;
        int s;

        scope = json_string_value(json_object_get(o, "scope"));
        s = fl_pause_scope_from_string(scope);
        if (s < 0) {
                *why = "a pause needs \"scope\": \"all\", \"workflow\" or \"datacenter\"";
                return -EINVAL;
        }
        p.scope = (enum fl_pause_scope) s;
        if (p.scope != FL_PAUSE_ALL) {
                value = json_string_value(json_object_get(o, scope));
                if (!fl_name_valid(value)) {
                        *why = "a workflow or datacenter pause needs a valid name";
                        return -EINVAL;
                }
        }
        reason = json_string_value(json_object_get(o, "reason"));
        by = json_string_value(json_object_get(o, "by"));
        since = json_string_value(json_object_get(o, "since"));
        if (since && fl_temporal_parse_time(since, &p.since_usec) < 0) {
                *why = "\"since\" is not an RFC 3339 time";
                return -EINVAL;
        }
        p.value = (char *) value;
        p.reason = (char *) reason;
        p.by = (char *) by;
        return pause_copy(&p, ret);
}

int fl_pause_state_load(
        const char *state_dir, struct fl_diags *diags, struct fl_pause_state **ret) {
        _cleanup_(fl_pause_state_freep) struct fl_pause_state *s = NULL;
        _cleanup_(json_decrefp) json_t *root = NULL;
        _cleanup_free_ char *data = NULL;
        json_error_t error;
        json_t *list, *e;
        size_t size, i;
        int r;

        s = calloc(1, sizeof(*s));
        if (!s || !(s->dir = strdup(state_dir)) ||
                asprintf(&s->path, "%s/%s", state_dir, FL_PAUSE_FILE) < 0) {
                if (s)
                        s->path = NULL;
                return -ENOMEM;
        }
        r = fl_read_file_at(AT_FDCWD, s->path, PAUSE_FILE_MAX, &data, &size);
        if (r == -ENOENT || r == -ENOTDIR) {
                *ret = TAKE_PTR(s);
                return 0;
        }
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                r = fl_diags_add(diags, s->path, 1, 1, "cannot read the pause state: %s",
                        r == -EFBIG ? "larger than 4 MiB" : strerror(-r));
                return r == -ENOMEM ? r : -EINVAL;
        }
        root = json_loadb(data, size, JSON_REJECT_DUPLICATES, &error);
        if (!root) {
                r = fl_diags_add(diags, s->path, error.line > 0 ? (unsigned) error.line : 1,
                        error.column > 0 ? (unsigned) error.column : 1, "invalid pause state: %s",
                        error.text);
                return r == -ENOMEM ? r : -EINVAL;
        }
        list = json_object_get(root, "pauses");
        if (json_integer_value(json_object_get(root, "version")) != 1 || !json_is_array(list) ||
                json_array_size(list) > FL_PAUSES_MAX) {
                r = fl_diags_add(diags, s->path, 1, 1,
                        "invalid pause state: expected {\"version\": 1, \"pauses\": [...]} with "
                        "at most %d pauses",
                        FL_PAUSES_MAX);
                return r == -ENOMEM ? r : -EINVAL;
        }
        s->items = calloc(json_array_size(list) + 1, sizeof(struct fl_pause));
        if (!s->items)
                return -ENOMEM;
        json_array_foreach (list, i, e) {
                const char *why = NULL;

                r = pause_from_json(e, &s->items[s->n_items], &why);
                if (r == -ENOMEM)
                        return r;
                if (r < 0) {
                        r = fl_diags_add(diags, s->path, 1, 1, "invalid pause state: entry %zu: %s",
                                i + 1, why);
                        return r == -ENOMEM ? r : -EINVAL;
                }
                s->n_items++;
        }
        *ret = TAKE_PTR(s);
        return 0;
}

static int save(const struct fl_pause_state *s, const struct fl_pause *items, size_t n) {
        _cleanup_(json_decrefp) json_t *root = NULL, *list = NULL;
        _cleanup_free_ char *text = NULL;
        int r;

        list = json_array();
        if (!list)
                return -ENOMEM;
        for (size_t i = 0; i < n; i++)
                if (json_array_append_new(list, fl_pause_json(&items[i])) < 0)
                        return -ENOMEM;
        root = json_pack("{s:i, s:O}", "version", 1, "pauses", list);
        if (!root)
                return -ENOMEM;
        text = json_dumps(root, JSON_INDENT(2));
        if (!text)
                return -ENOMEM;
        r = fl_mkdir_p(s->dir, 0755);
        if (r < 0)
                return r;
        return fl_write_file_atomic(s->path, text, strlen(text), 0644);
}

static ssize_t find(const struct fl_pause_state *s, enum fl_pause_scope scope, const char *value) {
        for (size_t i = 0; i < s->n_items; i++) {
                const struct fl_pause *p = &s->items[i];
                if (p->scope == scope &&
                        (scope == FL_PAUSE_ALL || (value && strcmp(p->value, value) == 0)))
                        return (ssize_t) i;
        }
        return -1;
}

int fl_pause_state_add(struct fl_pause_state *s, const struct fl_pause *p) {
        struct fl_pause copy, *items;
        ssize_t at = find(s, p->scope, p->value);
        size_t n = s->n_items;
        int r;

        if ((p->scope != FL_PAUSE_ALL && !fl_name_valid(p->value)) ||
                (unsigned) p->scope >= _FL_PAUSE_SCOPE_MAX)
                return -EINVAL;
        if (at < 0 && n >= FL_PAUSES_MAX)
                return -ENOSPC;
        r = pause_copy(p, &copy);
        if (r < 0)
                return r;
        if (p->scope == FL_PAUSE_ALL) {
                free(copy.value);
                copy.value = NULL;
        }
        /* Persist the new list first; only then change memory. */
        items = calloc(n + 1, sizeof(*items));
        if (!items) {
                pause_done(&copy);
                return -ENOMEM;
        }
        if (n > 0)
                memcpy(items, s->items, n * sizeof(*items));
        if (at >= 0)
                items[at] = copy;
        else
                items[n++] = copy;
        r = save(s, items, n);
        if (r < 0) {
                free(items);
                pause_done(&copy);
                return r;
        }
        if (at >= 0)
                pause_done(&s->items[at]);
        free(s->items);
        s->items = items;
        s->n_items = n;
        return at >= 0 ? 0 : 1;
}

int fl_pause_state_remove(struct fl_pause_state *s, enum fl_pause_scope scope, const char *value) {
        ssize_t at = find(s, scope, value);
        struct fl_pause *items;
        size_t n = 0;
        int r;

        if (at < 0)
                return -ENOENT;
        items = calloc(s->n_items, sizeof(*items));
        if (!items)
                return -ENOMEM;
        for (size_t i = 0; i < s->n_items; i++)
                if ((ssize_t) i != at)
                        items[n++] = s->items[i];
        r = save(s, items, n);
        if (r < 0) {
                free(items);
                return r;
        }
        pause_done(&s->items[at]);
        free(s->items);
        s->items = items;
        s->n_items = n;
        return 0;
}

const struct fl_pause *fl_pause_state_match(
        const struct fl_pause_state *s, const char *workflow, const char *datacenter) {
        ssize_t at;

        if (!s || s->n_items == 0)
                return NULL;
        at = find(s, FL_PAUSE_ALL, NULL);
        if (at < 0 && workflow)
                at = find(s, FL_PAUSE_WORKFLOW, workflow);
        if (at < 0 && datacenter)
                at = find(s, FL_PAUSE_DATACENTER, datacenter);
        return at >= 0 ? &s->items[at] : NULL;
}

size_t fl_pause_state_size(const struct fl_pause_state *s) {
        return s ? s->n_items : 0;
}
