/* SPDX-License-Identifier: Apache-2.0 */
/*
 * faultline-agent --check: every problem of agent.hcl and of every rule file,
 * in one run, as FILE:LINE:COL: message.
 */
#include "manager.h"

#include "rules_load.h"

#include <errno.h>
#include <string.h>

int fl_agent_check(const char *config_path, const char *rules_dir, FILE *out) {
        _cleanup_(fl_diags_freep) struct fl_diags *diags = fl_diags_new();
        _cleanup_(fl_agent_config_freep) struct fl_agent_config *config = NULL;
        const char *path = config_path ? config_path : FL_AGENT_CONFIG_DEFAULT_PATH;
        const char *dir;
        int r, k;

        if (!diags)
                return -ENOMEM;
        r = fl_agent_config_load(path, diags, &config);
        if (r == -ENOMEM)
                return r;
        /* An invalid config still gets its rules checked: the explicit
         * --rules-dir, else the default. */
        dir = rules_dir ? rules_dir : config ? config->rules_dir : "/etc/faultline/rules.d";
        k = fl_rules_check_dir(dir, diags);
        if (k == -ENOMEM)
                return k;
        if (k < 0 && k != -EINVAL) {
                /* The directory itself cannot be read: still FILE:LINE:COL. */
                k = fl_diags_add(
                        diags, dir, 1, 1, "cannot read the rules directory: %s", strerror(-k));
                if (k == -ENOMEM)
                        return k;
        }
        (void) fl_diags_print(diags, out);
        return diags->n_items + diags->n_dropped > 0 ? -EINVAL : 0;
}
