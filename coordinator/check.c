/* SPDX-License-Identifier: Apache-2.0 */
#include "check.h"

#include "config.h"
#include "diag.h"
#include "fileio.h"
#include "hcl.h"
#include "macro.h"
#include "pause.h"
#include "tls.h"
#include "workflows.h"

#include <errno.h>
#include <openssl/ssl.h>
#include <string.h>
#include <unistd.h>

/* Where `block { attr = ... }` (or the block, or the file) was written: the
 * config struct keeps values, not positions. */
static struct fl_hcl_pos pos_of(const struct fl_hcl_file *f, const char *block, const char *attr) {
        static const struct fl_hcl_pos top = {.line = 1, .column = 1};

        for (size_t i = 0; f && i < f->body.n_blocks; i++) {
                const struct fl_hcl_block *b = &f->body.blocks[i];
                const struct fl_hcl_attribute *a;

                if (strcmp(b->type, block) != 0)
                        continue;
                a = fl_hcl_body_attribute(&b->body, attr);
                return a ? a->value.pos : b->pos;
        }
        return top;
}

static int check_tls(const struct fl_coordinator_config *c, const struct fl_hcl_file *f,
        struct fl_diags *diags) {
        enum fl_tls_file which = FL_TLS_FILE_CERT;
        char err[256];
        SSL_CTX *ctx = NULL;
        struct fl_hcl_pos pos;
        int r;

        r = fl_tls_server_ctx_new(
                &c->tls, c->server_config.enable_tls, &ctx, &which, err, sizeof(err));
        SSL_CTX_free(ctx);
        if (r == 0 || r == -ENOMEM)
                return r;
        pos = pos_of(f, "tls", fl_tls_file_name(which));
        r = fl_diags_add(
                diags, c->path, pos.line, pos.column, "tls.%s: %s", fl_tls_file_name(which), err);
        return r == -ENOMEM ? r : -EINVAL;
}

static int check_readable(const struct fl_coordinator_config *c, const struct fl_hcl_file *f,
        const char *block, const char *attr, const char *path, struct fl_diags *diags) {
        struct fl_hcl_pos pos;
        int r;

        if (!path || access(path, R_OK) == 0)
                return 0;
        r = negative_errno();
        pos = pos_of(f, block, attr);
        r = fl_diags_add(diags, c->path, pos.line, pos.column, "%s.%s \"%s\": %s", block, attr,
                path, strerror(-r));
        return r == -ENOMEM ? r : -EINVAL;
}

int fl_coordinator_check(const char *config_path, const char *workflows_dir, FILE *out) {
        _cleanup_(fl_diags_freep) struct fl_diags *diags = fl_diags_new();
        _cleanup_(fl_coordinator_config_freep) struct fl_coordinator_config *c = NULL;
        _cleanup_(fl_hcl_file_freep) struct fl_hcl_file *f = NULL;
        _cleanup_(fl_workflow_set_freep) struct fl_workflow_set *set = NULL;
        _cleanup_(fl_pause_state_freep) struct fl_pause_state *pauses = NULL;
        size_t n_invalid = 0;
        int r, result = 0;

        if (!diags)
                return -ENOMEM;
        r = fl_coordinator_config_load(config_path, diags, &c);
        if (r == -ENOMEM)
                return r;
        if (r == 0) {
                /* Parsed again only for the positions of file names. */
                (void) fl_hcl_parse_file(config_path, NULL, &f);
                r = check_tls(c, f, diags);
                if (r == -ENOMEM)
                        return r;
                static const char *const temporal_files[] = {
                        "ca_file", "cert_file", "key_file", "api_key_file"};
                const char *const paths[] = {c->temporal.ca_file, c->temporal.cert_file,
                        c->temporal.key_file, c->temporal.api_key_file};
                for (size_t i = 0; i < ELEMENTSOF(paths); i++)
                        if (check_readable(c, f, "temporal", temporal_files[i], paths[i], diags) ==
                                -ENOMEM)
                                return -ENOMEM;
                r = fl_pause_state_load(c->state_dir, diags, &pauses);
                if (r == -ENOMEM)
                        return r;
                if (!workflows_dir)
                        workflows_dir = c->workflows_dir;
        } else
                result = -EINVAL;

        if (workflows_dir) {
                r = fl_workflow_set_load(workflows_dir, NULL, diags, &set, &n_invalid);
                if (r == -ENOMEM)
                        return r;
        }
        if (diags->n_items > 0 || diags->n_dropped > 0)
                result = -EINVAL;
        (void) fl_diags_print(diags, out);
        return result;
}
