/* SPDX-License-Identifier: Apache-2.0 */
/*
 * faultline-coordinator [--config FILE] [--workflows-dir DIR] [--check] [--version]
 *
 * Options only: the daemon is manager.c, --check is check.c.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "config.h"
#include "manager.h"
#include "version.h"

static void usage(FILE *f) {
        fprintf(f,
                "Usage: faultline-coordinator [--config FILE] [--workflows-dir DIR] [--check] "
                "[--version]\n\n"
                "  --config FILE        configuration (default %s)\n"
                "  --workflows-dir DIR  workflow configs (default: workflows_dir of the config)\n"
                "  --check              validate the configuration and every workflow config, "
                "print\n"
                "                       each problem as FILE:LINE:COL: message, exit 0 or 1\n"
                "  --version            print the version\n",
                FL_COORDINATOR_CONFIG_DEFAULT_PATH);
}

int main(int argc, char **argv) {
        static const struct option options[] = {
                {"config", required_argument, NULL, 'c'},
                {"workflows-dir", required_argument, NULL, 'w'},
                {"check", no_argument, NULL, 'k'},
                {"version", no_argument, NULL, 'V'},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        const char *config = FL_COORDINATOR_CONFIG_DEFAULT_PATH, *workflows_dir = NULL;
        int c, r;
        bool check = false;

        while ((c = getopt_long(argc, argv, "c:w:h", options, NULL)) >= 0)
                switch (c) {
                case 'c':
                        config = optarg;
                        break;
                case 'w':
                        workflows_dir = optarg;
                        break;
                case 'k':
                        check = true;
                        break;
                case 'V':
                        printf("%s\n", fl_version_string());
                        return 0;
                case 'h':
                        usage(stdout);
                        return 0;
                default:
                        usage(stderr);
                        return 2;
                }
        if (optind < argc) {
                fprintf(stderr, "faultline-coordinator: unexpected argument \"%s\"\n",
                        argv[optind]);
                usage(stderr);
                return 2;
        }
        if (check) {
                r = fl_coordinator_check(config, workflows_dir, stderr);
                if (r == -ENOMEM)
                        fprintf(stderr, "faultline-coordinator: out of memory\n");
                return r < 0 ? 1 : 0;
        }
        return fl_manager_run(config, workflows_dir);
}
