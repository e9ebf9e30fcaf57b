/* SPDX-License-Identifier: Apache-2.0 */
#include "fl_test.h"

#include <errno.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

bool fl_test_ci(void) {
        const char *ci = getenv("CI");
        return ci && (strcmp(ci, "true") == 0 || strcmp(ci, "1") == 0);
}

void fl_test_require(bool have, const char *what) {
        if (have)
                return;
        if (fl_test_ci()) {
                fprintf(stderr, "FAIL: %s is required under CI and is not available\n", what);
                exit(1);
        }
        fprintf(stderr, "SKIP: %s is not available\n", what);
        exit(77);
}

char *fl_test_mkdtemp(void) {
        const char *base = getenv("TMPDIR");
        char *path = NULL;

        if (asprintf(&path, "%s/fltest.XXXXXX", base ? base : "/tmp") < 0)
                abort();
        if (!mkdtemp(path)) {
                fprintf(stderr, "mkdtemp %s: %s\n", path, strerror(errno));
                abort();
        }
        return path;
}

static int rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
        (void) st, (void) flag, (void) ftw;
        return remove(path) < 0 ? -errno : 0;
}

void fl_test_rm_rf(const char *path) {
        if (path)
                (void) nftw(path, rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void mkdir_parents(char *path) {
        for (char *p = path + 1; *p; p++) {
                if (*p != '/')
                        continue;
                *p = '\0';
                (void) mkdir(path, 0755);
                *p = '/';
        }
}

char *fl_test_write_file(const char *dir, const char *name, const char *data) {
        char *path = NULL;
        FILE *f;

        if (asprintf(&path, "%s/%s", dir, name) < 0)
                abort();
        mkdir_parents(path);
        f = fopen(path, "we");
        if (!f || fputs(data, f) < 0 || fclose(f) != 0) {
                fprintf(stderr, "write %s: %s\n", path, strerror(errno));
                abort();
        }
        return path;
}

char *fl_test_source_path(const char *rel) {
        const char *top = getenv("FL_SOURCE_DIR");
        char *path = NULL;

        if (asprintf(&path, "%s/%s", top ? top : ".", rel) < 0)
                abort();
        return path;
}

char *fl_test_read_file(const char *path, size_t *ret_size) {
        FILE *f = fopen(path, "re");
        char *buf = NULL;
        size_t n = 0;

        if (!f) {
                fprintf(stderr, "open %s: %s\n", path, strerror(errno));
                abort();
        }
        FILE *mem = open_memstream(&buf, &n);
        char chunk[8192];
        size_t k;
        while ((k = fread(chunk, 1, sizeof(chunk), f)) > 0)
                fwrite(chunk, 1, k, mem);
        fclose(f);
        fclose(mem);
        if (ret_size)
                *ret_size = n;
        return buf;
}
