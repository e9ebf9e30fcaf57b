/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench-journal-source: how fast the journald source hands out entries. Writes
 * N exact kernel-form entries into a journal directory (through
 * tests/harness/kernel-journal.sh and systemd-journal-remote), then follows
 * it with source_journal on an sd-event loop until all N were handed out, as
 * the agent does on a first start after a flood. The figure is the source
 * alone (field extraction, cursor per entry, batching, one cursor save): no
 * rules are evaluated.
 *
 *   bench-journal-source [--lines N] [--batch B] [--script PATH]
 *
 * Prints `BENCH <name> <value> <unit>` lines; exits 1 if any entry is missing.
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "macro.h"
#include "source_journal.h"

static const char *const samples[] = {
        "EDAC MC0: 1 CE memory read error on CPU_SrcID#0_Ha#0_Chan#1_DIMM#0 (channel:1 slot:0 "
        "page:0x4d0c1 offset:0x240 grain:32 syndrome:0x0)",
        "blk_update_request: I/O error, dev sdb, sector 81920 op 0x0:(READ) flags 0x0 phys_seg 1 "
        "prio class 0",
        "nvme nvme0: I/O 123 QID 4 timeout, aborting",
        "mce: [Hardware Error]: Machine check events logged",
        "e1000e 0000:00:1f.6 eth0: NIC Link is Up 1000 Mbps Full Duplex, Flow Control: None",
};

static uint64_t usec_of(clockid_t clock) {
        struct timespec ts;

        clock_gettime(clock, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000;
}

static uint64_t cpu_usec(void) {
        struct rusage ru;

        getrusage(RUSAGE_SELF, &ru);
        return (uint64_t) (ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000ULL +
               (uint64_t) (ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
}

static int write_journal(const char *script, const char *path, unsigned long lines) {
        int fds[2], status;
        pid_t pid;
        FILE *f;

        if (pipe(fds) < 0)
                return -errno;
        pid = fork();
        if (pid < 0)
                return -errno;
        if (pid == 0) {
                dup2(fds[0], 0);
                close(fds[0]);
                close(fds[1]);
                execl(script, script, path, (char *) NULL);
                _exit(127);
        }
        close(fds[0]);
        f = fdopen(fds[1], "w");
        if (!f)
                return -errno;
        for (unsigned long i = 0; i < lines; i++)
                fprintf(f, "%s #%lu\n", samples[i % ELEMENTSOF(samples)], i);
        fclose(f);
        if (waitpid(pid, &status, 0) < 0)
                return -errno;
        return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
}

static void count(const struct fl_event *ev, void *userdata) {
        uint64_t *n = userdata;

        if (fl_event_field(ev, "MESSAGE"))
                (*n)++;
}

int main(int argc, char **argv) {
        static const struct option options[] = {
                {"lines", required_argument, NULL, 'n'},
                {"batch", required_argument, NULL, 'b'},
                {"script", required_argument, NULL, 's'},
                {},
        };
        unsigned long lines = 100000, batch = 0;
        const char *script = "tests/harness/kernel-journal.sh";
        char dir[] = "/tmp/bench-journal.XXXXXX";
        _cleanup_free_ char *journal = NULL, *cmd = NULL;
        struct fl_journal_config cfg = {};
        struct fl_source_journal *src = NULL;
        struct fl_journal_stats st;
        sd_event *event = NULL;
        uint64_t seen = 0, t0, c0, wall, cpu;
        int opt, r;

        while ((opt = getopt_long(argc, argv, "n:b:s:", options, NULL)) >= 0) {
                switch (opt) {
                case 'n':
                        lines = strtoul(optarg, NULL, 10);
                        break;
                case 'b':
                        batch = strtoul(optarg, NULL, 10);
                        break;
                case 's':
                        script = optarg;
                        break;
                default:
                        return 2;
                }
        }
        if (lines == 0 || !mkdtemp(dir))
                return 2;
        if (asprintf(&journal, "%s/bench.journal", dir) < 0)
                return 1;
        r = write_journal(script, journal, lines);
        if (r < 0) {
                fprintf(stderr, "bench-journal-source: writing %s: %s\n", journal, strerror(-r));
                goto out;
        }

        cfg.journal_directory = dir;
        cfg.state_dir = dir;
        cfg.batch_max = (unsigned) batch;
        r = sd_event_new(&event);
        if (r >= 0)
                r = fl_source_journal_new(event, &cfg, count, &seen, &src);
        if (r < 0) {
                fprintf(stderr, "bench-journal-source: %s\n", strerror(-r));
                goto out;
        }
        t0 = usec_of(CLOCK_MONOTONIC);
        c0 = cpu_usec();
        while (seen < lines) {
                r = sd_event_run(event, 5 * 1000 * 1000);
                if (r <= 0)
                        break;
        }
        wall = usec_of(CLOCK_MONOTONIC) - t0;
        cpu = cpu_usec() - c0;
        fl_source_journal_get_stats(src, &st);

        printf("BENCH journal_source_lines_per_s %.0f lines/s\n",
                (double) seen * 1e6 / (double) wall);
        printf("BENCH journal_source_cpu_us_per_line %.2f us\n", (double) cpu / (double) seen);
        printf("BENCH journal_source_batches %" PRIu64 " batches\n", st.batches);
        printf("BENCH journal_source_missing %" PRIu64 " lines\n", (uint64_t) lines - seen);
        r = seen == lines ? 0 : -EIO;
out:
        fl_source_journal_free(src);
        sd_event_unref(event);
        if (asprintf(&cmd, "rm -rf -- '%s'", dir) > 0 && system(cmd) != 0)
                fprintf(stderr, "bench-journal-source: cannot remove %s\n", dir);
        return r < 0 ? 1 : 0;
}
