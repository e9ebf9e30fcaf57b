/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench-agent-storm: an event storm into a RUNNING faultline-agent. Finds the
 * agent's raw_tp/mc_event program among the process's file descriptors
 * (/proc/PID/fdinfo: prog_id) and runs it N times with BPF_PROG_TEST_RUN, as
 * the kernel would on N corrected memory errors spread over 8 memory
 * controller layers. The agent then drains its ring buffer (or reconciles
 * what did not fit) on its own loop; scripts/bench.d/agent.sh reads what it
 * counted from its metrics file.
 *
 *   bench-agent-storm --pid PID [--events N]
 *
 * Prints `fired N` and `fire_seconds S` on stdout. Needs root.
 */
#include <bpf/bpf.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "macro.h"

#define PROG_NAME "fl_tp_mc_event"

static uint64_t clock_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

/* The fd (in this process) of the agent's program called PROG_NAME. */
static int find_prog(pid_t pid) {
        char path[64];
        struct dirent *de;
        DIR *d;

        snprintf(path, sizeof(path), "/proc/%d/fdinfo", (int) pid);
        d = opendir(path);
        if (!d)
                return -errno;
        while ((de = readdir(d))) {
                char file[320], line[256];
                unsigned id = 0;
                FILE *f;

                snprintf(file, sizeof(file), "%s/%s", path, de->d_name);
                f = fopen(file, "re");
                if (!f)
                        continue;
                while (fgets(line, sizeof(line), f))
                        if (sscanf(line, "prog_id: %u", &id) == 1)
                                break;
                fclose(f);
                if (id == 0)
                        continue;
                int fd = bpf_prog_get_fd_by_id(id);
                struct bpf_prog_info info = {};
                __u32 len = sizeof(info);
                if (fd < 0)
                        continue;
                if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0 &&
                        strcmp(info.name, PROG_NAME) == 0) {
                        closedir(d);
                        return fd;
                }
                close(fd);
        }
        closedir(d);
        return -ENOENT;
}

int main(int argc, char **argv) {
        static const struct option options[] = {
                {"pid", required_argument, NULL, 'p'},
                {"events", required_argument, NULL, 'n'},
                {},
        };
        uint64_t n = 100000, t0, t1;
        pid_t pid = 0;
        int c, fd;

        while ((c = getopt_long(argc, argv, "p:n:", options, NULL)) >= 0) {
                switch (c) {
                case 'p':
                        pid = (pid_t) strtol(optarg, NULL, 10);
                        break;
                case 'n':
                        n = strtoull(optarg, NULL, 10);
                        break;
                default:
                        fprintf(stderr, "usage: bench-agent-storm --pid PID [--events N]\n");
                        return 2;
                }
        }
        if (pid <= 0 || n == 0) {
                fprintf(stderr, "usage: bench-agent-storm --pid PID [--events N]\n");
                return 2;
        }
        fd = find_prog(pid);
        if (fd < 0) {
                fprintf(stderr, "bench-agent-storm: no %s program in process %d: %s\n", PROG_NAME,
                        (int) pid, strerror(-fd));
                return 1;
        }

        t0 = clock_usec();
        for (uint64_t i = 0; i < n; i++) {
                /* Tracepoint arguments (include/ras/ras_event.h mc_event):
                 * type, msg, label, count, mc, top, middle, lower, address,
                 * grain bits, syndrome, driver detail. Pointers stay NULL:
                 * the program reads them as kernel memory. */
                uint64_t args[12] = {0, 0, 0, 1, i % 2, i % 4 / 2, i % 8 / 4, UINT64_MAX,
                        0x1000 * (i % 4096), 6, 0, 0};
                LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = args, .ctx_size_in = sizeof(args));

                if (bpf_prog_test_run_opts(fd, &opts) < 0) {
                        fprintf(stderr, "bench-agent-storm: test run: %s\n", strerror(errno));
                        return 1;
                }
        }
        t1 = clock_usec();
        printf("fired %" PRIu64 "\nfire_seconds %.6f\n", n, (double) (t1 - t0) / 1e6);
        close(fd);
        return 0;
}
