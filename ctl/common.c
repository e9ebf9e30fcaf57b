/* SPDX-License-Identifier: Apache-2.0 */
#include "common.h"

#include "duration.h"
#include "names.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#define USEC_PER_SEC     UINT64_C(1000000)
#define PARAMS_MAX       256 /* as the coordinator accepts */
#define PARAM_KEY_MAX    128
#define PAUSE_REASON_MAX 512

static int copy_flag(char **field, const char *value) {
        char *copy;

        if (!value)
                return 0;
        copy = strdup(value);
        if (!copy)
                return -ENOMEM;
        free(*field);
        *field = copy;
        return 0;
}

int fl_ctl_flags_take(struct fl_ctl_flags *f, int opt, const char *arg, char *err, size_t size) {
        const char *why = NULL;
        uint64_t usec;

        switch (opt) {
        case FL_CTL_OPT_CONFIG:
                f->config = arg;
                return 1;
        case FL_CTL_OPT_URL:
                if (strncmp(arg, "https://", 8) != 0 || !arg[8] || arg[8] == '/' ||
                        strpbrk(arg, " \t\r\n?#")) {
                        snprintf(err, size, "--url must be an https:// URL with a host, not \"%s\"",
                                arg);
                        return -EINVAL;
                }
                f->url = arg;
                return 1;
        case FL_CTL_OPT_CA_FILE:
                f->ca_file = arg;
                return 1;
        case FL_CTL_OPT_CERT_FILE:
                f->cert_file = arg;
                return 1;
        case FL_CTL_OPT_KEY_FILE:
                f->key_file = arg;
                return 1;
        case FL_CTL_OPT_SIGNING_KEY_FILE:
                f->signing_key_file = arg;
                return 1;
        case FL_CTL_OPT_KEY_ID:
                if (!fl_rule_name_valid(arg)) {
                        snprintf(err, size,
                                "--key-id \"%s\" is not a keyid: use 1 to %d letters, digits, "
                                "'.', '_', ':' or '-', starting with a letter or digit",
                                arg, FL_RULE_NAME_MAX);
                        return -EINVAL;
                }
                f->key_id = arg;
                return 1;
        case FL_CTL_OPT_TIMEOUT:
                if (fl_duration_parse(arg, &usec, &why) < 0) {
                        snprintf(err, size, "--timeout \"%s\": %s", arg,
                                why ? why : "not a duration");
                        return -EINVAL;
                }
                if (usec < USEC_PER_SEC || usec > 3600 * USEC_PER_SEC) {
                        snprintf(err, size, "--timeout \"%s\" must be from 1s to 1h", arg);
                        return -EINVAL;
                }
                f->timeout_usec = usec;
                return 1;
        case FL_CTL_OPT_JSON:
                f->json = true;
                return 1;
        case FL_CTL_OPT_HELP:
                f->help = true;
                return 1;
        default:
                return 0;
        }
}

int fl_ctl_config_resolve(
        const struct fl_ctl_flags *f, const char *env, FILE *errors, struct fl_ctl_config **ret) {
        _cleanup_(fl_ctl_config_freep) struct fl_ctl_config *c = NULL;
        _cleanup_(fl_diags_freep) struct fl_diags *diags = fl_diags_new();
        const char *path;
        bool required;
        int r;

        if (!diags)
                return -ENOMEM;
        path = fl_ctl_config_pick(f->config, env, FL_CTL_CONFIG_DEFAULT_PATH, &required);
        r = path ? fl_ctl_config_load(path, diags, &c) : fl_ctl_config_default(&c);
        if (r == -EINVAL) {
                (void) fl_diags_print(diags, errors);
                return r;
        }
        if (r < 0)
                return r;
        if (copy_flag(&c->url, f->url) < 0 || copy_flag(&c->ca_file, f->ca_file) < 0 ||
                copy_flag(&c->cert_file, f->cert_file) < 0 ||
                copy_flag(&c->key_file, f->key_file) < 0 ||
                copy_flag(&c->signing_key_file, f->signing_key_file) < 0 ||
                copy_flag(&c->key_id, f->key_id) < 0)
                return -ENOMEM;
        if (f->timeout_usec)
                c->timeout_usec = f->timeout_usec;
        if (!c->cert_file != !c->key_file) {
                fprintf(errors, "faultlinectl: a client certificate needs its key: give both "
                                "--cert-file and --key-file (or cert_file and key_file)\n");
                return -EINVAL;
        }
        *ret = TAKE_PTR(c);
        return 0;
}

int fl_ctl_param_parse(const char *arg, json_t *params, char *err, size_t size) {
        const char *eq = strchr(arg, '=');
        size_t klen = eq ? (size_t) (eq - arg) : 0;
        char key[PARAM_KEY_MAX + 1];

        if (!eq || klen == 0) {
                snprintf(err, size, "--param \"%s\" must be KEY=VALUE", arg);
                return -EINVAL;
        }
        if (klen > PARAM_KEY_MAX ||
                strspn(arg, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-") !=
                        klen) {
                snprintf(err, size,
                        "--param \"%s\": the key must be 1 to %d letters, digits, '_', '.' or '-'",
                        arg, PARAM_KEY_MAX);
                return -EINVAL;
        }
        memcpy(key, arg, klen);
        key[klen] = '\0';
        if (json_object_get(params, key)) {
                snprintf(err, size, "--param %s is given twice", key);
                return -EINVAL;
        }
        if (json_object_size(params) >= PARAMS_MAX) {
                snprintf(err, size, "more than %d --param", PARAMS_MAX);
                return -EINVAL;
        }
        if (json_object_set_new(params, key, json_string(eq + 1)) < 0) {
                snprintf(err, size, "--param %s: the value is not UTF-8 text", key);
                return -EINVAL;
        }
        return 0;
}

int fl_ctl_pause_target(const char *scope, const char *workflow, const char *datacenter,
        const char *reason, json_t **ret, char *err, size_t size) {
        const char *name = NULL;
        json_t *o;

        if (!scope) {
                if (workflow && datacenter) {
                        snprintf(err, size,
                                "give --scope: both --workflow and --datacenter are given");
                        return -EINVAL;
                }
                if (!workflow && !datacenter) {
                        snprintf(err, size,
                                "say what: --scope all, --workflow WORKFLOW or --datacenter DC");
                        return -EINVAL;
                }
                scope = workflow ? "workflow" : "datacenter";
        }
        if (strcmp(scope, "all") == 0) {
                if (workflow || datacenter) {
                        snprintf(err, size, "--scope all takes no --workflow or --datacenter");
                        return -EINVAL;
                }
        } else if (strcmp(scope, "workflow") == 0) {
                if (!workflow || datacenter) {
                        snprintf(err, size,
                                "--scope workflow needs --workflow (and no "
                                "--datacenter)");
                        return -EINVAL;
                }
                name = workflow;
        } else if (strcmp(scope, "datacenter") == 0) {
                if (!datacenter || workflow) {
                        snprintf(err, size,
                                "--scope datacenter needs --datacenter (and no "
                                "--workflow)");
                        return -EINVAL;
                }
                name = datacenter;
        } else {
                snprintf(err, size, "--scope must be all, workflow or datacenter, not \"%s\"",
                        scope);
                return -EINVAL;
        }
        if (name && !fl_name_valid(name)) {
                snprintf(err, size,
                        "--%s \"%s\" is not a name: use 1 to %d letters, digits, '.', '_' or '-', "
                        "starting with a letter or digit",
                        scope, name, FL_NAME_MAX);
                return -EINVAL;
        }
        if (reason && (!*reason || strlen(reason) > PAUSE_REASON_MAX)) {
                snprintf(err, size, "--reason must be 1 to %d bytes", PAUSE_REASON_MAX);
                return -EINVAL;
        }
        o = json_pack("{s:s}", "scope", scope);
        if (!o || (name && json_object_set_new(o, scope, json_string(name)) < 0) ||
                (reason && json_object_set_new(o, "reason", json_string(reason)) < 0)) {
                json_decref(o);
                return -ENOMEM;
        }
        *ret = o;
        return 0;
}

void fl_ctl_constraint_label(json_t *c, char *buf, size_t size) {
        const char *kind = json_string_value(json_object_get(c, "kind"));
        const char *period = json_string_value(json_object_get(c, "period"));
        const char *scope = json_string_value(json_object_get(c, "scope"));

        snprintf(buf, size, "%s %lld/%s per %s", kind ? kind : "?",
                (long long) json_integer_value(json_object_get(c, "value")), period ? period : "?",
                scope ? scope : "?");
}

int fl_ctl_print_json(FILE *f, json_t *value) {
        _cleanup_free_ char *text = json_dumps(value, JSON_INDENT(2) | JSON_ENCODE_ANY);

        if (!text || fprintf(f, "%s\n", text) < 0)
                return -EIO;
        return 0;
}

void fl_ctl_print_table(FILE *f, const char *indent, const char *const *headers, size_t n_cols,
        const char *const *cells, size_t n_rows) {
        size_t width[16] = {};

        if (n_cols == 0 || n_cols > ELEMENTSOF(width))
                return;
        for (size_t c = 0; c < n_cols; c++)
                width[c] = strlen(headers[c]);
        for (size_t r = 0; r < n_rows; r++)
                for (size_t c = 0; c < n_cols; c++) {
                        const char *s = cells[r * n_cols + c];
                        size_t n = strlen(s ? s : "-");
                        if (n > width[c])
                                width[c] = n;
                }
        for (size_t r = 0; r <= n_rows; r++)
                for (size_t c = 0; c < n_cols; c++) {
                        const char *s = r == 0 ? headers[c] : cells[(r - 1) * n_cols + c];

                        if (!s)
                                s = "-";
                        if (c == 0)
                                fputs(indent, f);
                        if (c + 1 < n_cols)
                                fprintf(f, "%-*s  ", (int) width[c], s);
                        else
                                fprintf(f, "%s\n", s);
                }
}

int fl_ctl_usage_error(const char *command, const char *fmt, ...) {
        va_list ap;

        fprintf(stderr, "faultlinectl %s: ", command);
        va_start(ap, fmt);
        vfprintf(stderr, fmt, ap);
        va_end(ap);
        fprintf(stderr, "\n(faultlinectl %s --help shows the options)\n", command);
        return FL_CTL_EXIT_INVALID;
}

int fl_ctl_getopt_error(const char *command, int c, char **argv) {
        const char *arg = optind > 0 ? argv[optind - 1] : "?";

        if (c == ':')
                return fl_ctl_usage_error(command, "%s needs a value", arg);
        if (optopt && optopt < 0x100)
                return fl_ctl_usage_error(command, "unknown option -%c", optopt);
        return fl_ctl_usage_error(command, "unknown option %s", arg);
}
