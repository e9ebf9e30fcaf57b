/* SPDX-License-Identifier: Apache-2.0 */
/*
 * faultlinectl check: which kind of configuration a file is, so that the
 * daemon's own decoder validates it. The name decides first (agent.hcl,
 * coordinator.hcl, worker.hcl, faultlinectl.hcl, a file in rules.d/ or
 * workflows.d/), then what the file holds (a `rule` block is a rules file,
 * `task_queue_target` a workflow config, `agent_key` a coordinator.hcl...);
 * --kind overrides both.
 */
#pragma once

#include "hcl.h"

enum fl_ctl_kind {
        FL_CTL_KIND_AGENT,
        FL_CTL_KIND_COORDINATOR,
        FL_CTL_KIND_RULES,
        FL_CTL_KIND_WORKFLOW,
        FL_CTL_KIND_WORKER,
        FL_CTL_KIND_FAULTLINECTL,
        _FL_CTL_KIND_MAX,
};

/* "agent", "coordinator", "rules", "workflow", "worker", "faultlinectl". */
const char *fl_ctl_kind_to_string(enum fl_ctl_kind k);

/* The kind named by --kind (also "agent.hcl", "rules.d", "workflows.d"...),
 * or -EINVAL. */
int fl_ctl_kind_from_string(const char *s);

/* The kind a path's name says, or -ENOENT when it says none. */
int fl_ctl_kind_from_name(const char *path);

/* The kind the top level of a parsed file says, or -ENOENT with a reason
 * (static) when nothing in it decides. */
int fl_ctl_kind_from_content(const struct fl_hcl_file *f, const char **ret_why);
