/* SPDX-License-Identifier: Apache-2.0 */
/*
 * bench-hcl FILE [RUNS]: parses FILE RUNS times (default 7) and prints the
 * median throughput of our HCL parser, and of parsing plus the hcl2json
 * conversion, as scripts/bench.sh lines:
 *
 *     BENCH hcl_parse_mb_per_s 251.3 MB/s
 *     BENCH hcl_to_json_mb_per_s 120.7 MB/s
 *
 * MB is 10^6 bytes. The file is read once; each run parses from memory and
 * frees the tree, so the figure is the parser's, not the disk's.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "diag.h"
#include "hcl.h"
#include "hcl_json.h"

static double now_sec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (double) ts.tv_sec + (double) ts.tv_nsec / 1e9;
}

static int compare_double(const void *a, const void *b) {
        double x = *(const double *) a, y = *(const double *) b;
        return x < y ? -1 : x > y;
}

static char *read_all(const char *path, size_t *ret_len) {
        FILE *f = fopen(path, "re");
        char *buf = NULL;
        long n;

        if (!f)
                return NULL;
        if (fseek(f, 0, SEEK_END) == 0 && (n = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
                (buf = malloc((size_t) n + 1)) && fread(buf, 1, (size_t) n, f) == (size_t) n)
                *ret_len = (size_t) n;
        else {
                free(buf);
                buf = NULL;
        }
        fclose(f);
        return buf;
}

int main(int argc, char **argv) {
        int runs = argc > 2 ? atoi(argv[2]) : 7;
        double parse_t[64], json_t[64];
        size_t len = 0;
        char *data;

        if (argc < 2 || runs < 1 || runs > 64) {
                fprintf(stderr, "usage: bench-hcl FILE [RUNS (1-64)]\n");
                return 1;
        }
        data = read_all(argv[1], &len);
        if (!data) {
                fprintf(stderr, "bench-hcl: cannot read %s\n", argv[1]);
                return 1;
        }
        for (int i = 0; i < runs; i++) {
                struct fl_diags *diags = fl_diags_new();
                struct fl_hcl_file *f = NULL;
                char *json = NULL;
                double t0, t1, t2;
                int r;

                t0 = now_sec();
                r = fl_hcl_parse(data, len, argv[1], diags, &f);
                t1 = now_sec();
                if (r < 0) {
                        fl_diags_print(diags, stderr);
                        fprintf(stderr, "bench-hcl: parsing failed: %s\n", strerror(-r));
                        return 1;
                }
                r = fl_hcl_to_json_text(f, diags, &json, NULL);
                t2 = now_sec();
                if (r < 0) {
                        fl_diags_print(diags, stderr);
                        return 1;
                }
                free(json);
                fl_hcl_file_free(f);
                fl_diags_free(diags);
                parse_t[i] = t1 - t0;
                json_t[i] = t2 - t0;
        }
        qsort(parse_t, (size_t) runs, sizeof(double), compare_double);
        qsort(json_t, (size_t) runs, sizeof(double), compare_double);
        printf("BENCH hcl_parse_mb_per_s %.1f MB/s\n", (double) len / 1e6 / parse_t[runs / 2]);
        printf("BENCH hcl_to_json_mb_per_s %.1f MB/s\n", (double) len / 1e6 / json_t[runs / 2]);
        free(data);
        return 0;
}
