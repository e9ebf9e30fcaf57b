/* SPDX-License-Identifier: Apache-2.0 */
/*
 * faultline-agent [--config FILE] [--rules-dir DIR] [--check] [--dry-run] [--version]
 *
 * Parses the options and runs the manager (agent/manager.h); docs/agent.md
 * says what the agent does.
 */
#include <bpf/libbpf.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "macro.h"
#include "manager.h"
#include "version.h"

static void usage(FILE *f) {
        fprintf(f,
                "Usage: faultline-agent [--config FILE] [--rules-dir DIR] [--check] [--dry-run] "
                "[--version]\n\n"
                "  -c, --config FILE     configuration (default %s)\n"
                "  -r, --rules-dir DIR   rules directory (default: rules_dir of the config)\n"
                "      --check           validate the configuration and every rule file, "
                "then exit\n"
                "      --dry-run         log rule firings to the journal, deliver nothing\n"
                "      --version         print the version and exit\n",
                FL_AGENT_CONFIG_DEFAULT_PATH);
}

/* libbpf's own messages: warnings only, to stderr (the journal under
 * systemd); its debug chatter is of no use to an operator. */
static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap) {
        if (level != LIBBPF_WARN)
                return 0;
        fputs("faultline-agent: ", stderr); /* libbpf writes its own "libbpf: " */
        return vfprintf(stderr, fmt, ap);
}

int main(int argc, char **argv) {
        enum { OPT_CHECK = 0x100, OPT_DRY_RUN, OPT_VERSION, OPT_HELP };
        static const struct option options[] = {
                {"config", required_argument, NULL, 'c'},
                {"rules-dir", required_argument, NULL, 'r'},
                {"check", no_argument, NULL, OPT_CHECK},
                {"dry-run", no_argument, NULL, OPT_DRY_RUN},
                {"version", no_argument, NULL, OPT_VERSION},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        struct fl_manager_options opts = {};
        _cleanup_(fl_manager_freep) struct fl_manager *m = NULL;
        bool check = false;
        int c, r;

        while ((c = getopt_long(argc, argv, "c:r:h", options, NULL)) >= 0) {
                switch (c) {
                case 'c':
                        opts.config_path = optarg;
                        break;
                case 'r':
                        opts.rules_dir = optarg;
                        break;
                case OPT_CHECK:
                        check = true;
                        break;
                case OPT_DRY_RUN:
                        opts.dry_run = true;
                        break;
                case OPT_VERSION:
                        printf("%s\n", fl_version_string());
                        return 0;
                case 'h':
                        usage(stdout);
                        return 0;
                default:
                        usage(stderr);
                        return 2;
                }
        }
        if (optind < argc) {
                fprintf(stderr, "faultline-agent: unexpected argument \"%s\"\n", argv[optind]);
                usage(stderr);
                return 2;
        }

        if (check) {
                r = fl_agent_check(opts.config_path, opts.rules_dir, stderr);
                if (r == -ENOMEM)
                        fprintf(stderr, "faultline-agent: out of memory\n");
                return r < 0 ? 1 : 0;
        }

        libbpf_set_print(libbpf_print);
        r = fl_manager_new(&opts, &m);
        if (r >= 0)
                r = fl_manager_run(m);
        if (r < 0 && r != -EINVAL)
                fprintf(stderr, "faultline-agent: %s\n", strerror(-r));
        return r < 0 ? 1 : 0;
}
