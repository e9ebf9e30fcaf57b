/* SPDX-License-Identifier: Apache-2.0 */
/*
 * faultlinectl hcl2json FILE: prints FILE ("-" for standard input) as JSON in
 * the shape of the reference tool hcl2json (see lib/hcl_json.h). Every
 * problem goes to stderr as FILE:LINE:COL: message; exit status 1.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "commands.h"
#include "diag.h"
#include "fileio.h"
#include "hcl.h"
#include "hcl_json.h"

int fl_ctl_hcl2json(int argc, char **argv) {
        _cleanup_(fl_diags_freep) struct fl_diags *diags = NULL;
        _cleanup_(fl_hcl_file_freep) struct fl_hcl_file *f = NULL;
        _cleanup_free_ char *json = NULL, *input = NULL;
        const char *path;
        size_t len;
        int r;

        if (argc == 2 && strcmp(argv[1], "--help") == 0) {
                printf("Usage: faultlinectl hcl2json FILE\n"
                       "\n"
                       "Prints the HCL file FILE (- for standard input) as JSON, in the shape the\n"
                       "hcl2json tool prints. Problems go to stderr as FILE:LINE:COL: message.\n"
                       "\n"
                       "Exit status: 0 printed; 1 the file has problems, or usage.\n");
                return 0;
        }
        if (argc != 2) {
                fprintf(stderr, "Usage: faultlinectl hcl2json FILE\n");
                return 1;
        }
        path = argv[1];
        diags = fl_diags_new();
        if (!diags) {
                fprintf(stderr, "faultlinectl: out of memory\n");
                return 1;
        }
        if (strcmp(path, "-") == 0) {
                r = fl_read_file_at(AT_FDCWD, "/dev/stdin", FL_HCL_MAX_FILE_SIZE, &input, &len);
                if (r == -EFBIG)
                        (void) fl_diags_add(diags, "<stdin>", 1, 1,
                                "file is too large (more than %u MiB)",
                                FL_HCL_MAX_FILE_SIZE / (1024u * 1024u));
                if (r >= 0)
                        r = fl_hcl_parse(input, len, "<stdin>", diags, &f);
        } else
                r = fl_hcl_parse_file(path, diags, &f);
        if (r >= 0)
                r = fl_hcl_to_json_text(f, diags, &json, &len);
        if (r < 0) {
                if (diags->n_items > 0)
                        (void) fl_diags_print(diags, stderr);
                else
                        fprintf(stderr, "%s: %s\n", path, strerror(-r));
                return 1;
        }
        if (fwrite(json, 1, len, stdout) != len || fflush(stdout) != 0) {
                fprintf(stderr, "faultlinectl: writing the output: %s\n", strerror(errno));
                return 1;
        }
        return 0;
}
