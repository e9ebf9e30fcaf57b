/* SPDX-License-Identifier: Apache-2.0 */
#include "kind.h"

#include "macro.h"

#include <errno.h>
#include <string.h>

static const char *const kind_names[_FL_CTL_KIND_MAX] = {
        [FL_CTL_KIND_AGENT] = "agent",
        [FL_CTL_KIND_COORDINATOR] = "coordinator",
        [FL_CTL_KIND_RULES] = "rules",
        [FL_CTL_KIND_WORKFLOW] = "workflow",
        [FL_CTL_KIND_WORKER] = "worker",
        [FL_CTL_KIND_FAULTLINECTL] = "faultlinectl",
};

/* File and directory names as packages install them. */
static const struct {
        const char *name;
        enum fl_ctl_kind kind;
} file_names[] =
        {
                {"agent.hcl", FL_CTL_KIND_AGENT},
                {"coordinator.hcl", FL_CTL_KIND_COORDINATOR},
                {"worker.hcl", FL_CTL_KIND_WORKER},
                {"faultlinectl.hcl", FL_CTL_KIND_FAULTLINECTL},
},
  dir_names[] = {
          {"rules.d", FL_CTL_KIND_RULES},
          {"workflows.d", FL_CTL_KIND_WORKFLOW},
};

const char *fl_ctl_kind_to_string(enum fl_ctl_kind k) {
        return (unsigned) k < _FL_CTL_KIND_MAX ? kind_names[k] : NULL;
}

int fl_ctl_kind_from_string(const char *s) {
        for (size_t i = 0; s && i < _FL_CTL_KIND_MAX; i++)
                if (strcmp(s, kind_names[i]) == 0)
                        return (int) i;
        for (size_t i = 0; s && i < ELEMENTSOF(file_names); i++)
                if (strcmp(s, file_names[i].name) == 0)
                        return (int) file_names[i].kind;
        for (size_t i = 0; s && i < ELEMENTSOF(dir_names); i++)
                if (strcmp(s, dir_names[i].name) == 0)
                        return (int) dir_names[i].kind;
        return -EINVAL;
}

int fl_ctl_kind_from_name(const char *path) {
        const char *base = strrchr(path, '/'), *dir;
        size_t dir_len;

        base = base ? base + 1 : path;
        for (size_t i = 0; i < ELEMENTSOF(file_names); i++)
                if (strcmp(base, file_names[i].name) == 0)
                        return (int) file_names[i].kind;
        if (base == path)
                return -ENOENT;
        /* The directory's last component. */
        dir_len = (size_t) (base - 1 - path);
        while (dir_len > 0 && path[dir_len - 1] == '/')
                dir_len--;
        dir = path + dir_len;
        while (dir > path && dir[-1] != '/')
                dir--;
        for (size_t i = 0; i < ELEMENTSOF(dir_names); i++)
                if (strlen(dir_names[i].name) == (size_t) (path + dir_len - dir) &&
                        strncmp(dir, dir_names[i].name, (size_t) (path + dir_len - dir)) == 0)
                        return (int) dir_names[i].kind;
        return -ENOENT;
}

static bool has_block(const struct fl_hcl_body *b, const char *type) {
        for (size_t i = 0; i < b->n_blocks; i++)
                if (strcmp(b->blocks[i].type, type) == 0)
                        return true;
        return false;
}

static bool has_any(
        const struct fl_hcl_body *b, const char *const *blocks, const char *const *attrs) {
        for (size_t i = 0; blocks && blocks[i]; i++)
                if (has_block(b, blocks[i]))
                        return true;
        for (size_t i = 0; attrs && attrs[i]; i++)
                if (fl_hcl_body_attribute(b, attrs[i]))
                        return true;
        return false;
}

int fl_ctl_kind_from_content(const struct fl_hcl_file *f, const char **ret_why) {
        const struct fl_hcl_body *b = &f->body;

        /* The most specific marks first: a rules file is rule blocks; a
         * workflow config has its queue target; then what only
         * coordinator.hcl, worker.hcl or agent.hcl have. */
        if (has_block(b, "rule"))
                return FL_CTL_KIND_RULES;
        if (has_any(b, (const char *const[]){"constraint", NULL},
                    (const char *const[]){"task_queue_target", "workflow_type", "execution_timeout",
                            "input_fields", NULL}))
                return FL_CTL_KIND_WORKFLOW;
        if (has_any(b,
                    (const char *const[]){"agent_key", "operator_key", "server_config", "tls",
                            "alertmanager", NULL},
                    (const char *const[]){"listen", "workflows_dir", "clock_skew",
                            "nonce_cache_size", "body_limit", NULL}))
                return FL_CTL_KIND_COORDINATOR;
        if (has_any(b, NULL,
                    (const char *const[]){"runbooks_dir", "runbook_timeout", "kernel_log_command",
                            "max_concurrent_activities", NULL}) ||
                (has_block(b, "node") && has_block(b, "temporal")))
                return FL_CTL_KIND_WORKER;
        if (has_any(b, (const char *const[]){"node", "sources", NULL},
                    (const char *const[]){"rules_dir", "state_dir", "sysfs_root",
                            "journal_directory", "metrics_file", NULL}))
                return FL_CTL_KIND_AGENT;
        *ret_why = has_block(b, "coordinator")
                           ? "only a coordinator block: an agent.hcl or a faultlinectl.hcl?"
                           : "nothing in it says which kind of configuration it is";
        return -ENOENT;
}
