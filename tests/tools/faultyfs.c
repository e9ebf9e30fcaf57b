/* SPDX-License-Identifier: Apache-2.0 */
/*
 * faultyfs: a FUSE file system holding one in-memory "disk" whose chosen
 * sectors fail reads with EIO, so that a loop device on top of it produces
 * real block-layer I/O errors (block_rq_error, "I/O error, dev loopN, sector
 * S" in the kernel log) without real broken hardware.
 *
 *   faultyfs [--sectors=N] [--bad=LIST] [FUSE options] MOUNTPOINT
 *
 * MOUNTPOINT/disk  N sectors of 512 bytes (default 2048). Reads touching a
 *                  bad sector fail with EIO; writes are kept in memory.
 * MOUNTPOINT/ctl   Write commands, one per line, to change the bad sectors
 *                  at runtime; read it for the current state:
 *                    bad 100          bad 100-107,4000
 *                    good 100-103     clear
 *                  Reading gives e.g. "sectors 2048\nbad 100-107\nread_errors 3\n".
 * LIST is sectors and inclusive ranges separated by commas: "100,200-207".
 *
 * Both files are opened with direct_io, so every read reaches this process
 * (nothing is served from the page cache) and a loop device can use
 * --direct-io=on. See diskfault.sh for the loop device and the teardown.
 */
#define FUSE_USE_VERSION 35
#include <errno.h>
#include <fuse.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define SECTOR_SIZE     512
#define SECTORS_DEFAULT 2048
#define SECTORS_MAX     (256u * 1024) /* 128 MiB of memory at most */
#define CTL_WRITE_MAX   4096
#define CTL_TEXT_MAX    65536

struct faultyfs {
        uint64_t n_sectors;
        uint8_t *data;
        uint8_t *bad; /* bitmap, one bit per sector */
        uint64_t read_errors;
};

struct options {
        unsigned long sectors;
        char *bad;
};

static struct faultyfs *state(void) {
        return fuse_get_context()->private_data;
}

static bool is_bad(const struct faultyfs *fs, uint64_t s) {
        return fs->bad[s / 8] & (1u << (s % 8));
}

static void set_bad(struct faultyfs *fs, uint64_t s, bool bad) {
        if (bad)
                fs->bad[s / 8] |= (uint8_t) (1u << (s % 8));
        else
                fs->bad[s / 8] &= (uint8_t) ~(1u << (s % 8));
}

/* Applies "S" or "S-E" items separated by commas; 0 or -EINVAL (nothing is
 * changed by a list that does not parse). */
static int apply_list(struct faultyfs *fs, const char *list, bool bad) {
        for (int pass = 0; pass < 2; pass++) {
                const char *p = list;

                while (*p) {
                        unsigned long long a, b;
                        char *end;

                        errno = 0;
                        a = strtoull(p, &end, 10);
                        if (errno || end == p)
                                return -EINVAL;
                        b = a;
                        if (*end == '-') {
                                p = end + 1;
                                b = strtoull(p, &end, 10);
                                if (errno || end == p)
                                        return -EINVAL;
                        }
                        if (a > b || b >= fs->n_sectors)
                                return -EINVAL;
                        if (pass == 1)
                                for (unsigned long long s = a; s <= b; s++)
                                        set_bad(fs, s, bad);
                        p = end;
                        if (*p == ',')
                                p++;
                        else if (*p)
                                return -EINVAL;
                }
        }
        return 0;
}

/* One ctl line: "bad LIST", "good LIST" or "clear". */
static int apply_command(struct faultyfs *fs, char *line) {
        char *arg;

        line[strcspn(line, "\r\n")] = '\0';
        if (line[0] == '\0')
                return 0;
        if (strcmp(line, "clear") == 0) {
                memset(fs->bad, 0, (fs->n_sectors + 7) / 8);
                return 0;
        }
        arg = strchr(line, ' ');
        if (!arg)
                return -EINVAL;
        *arg++ = '\0';
        if (strcmp(line, "bad") == 0)
                return apply_list(fs, arg, true);
        if (strcmp(line, "good") == 0)
                return apply_list(fs, arg, false);
        return -EINVAL;
}

static int status_text(const struct faultyfs *fs, char *buf, size_t size) {
        size_t used = 0;
        int n;

        n = snprintf(buf, size, "sectors %" PRIu64 "\nbad", fs->n_sectors);
        if (n < 0 || (size_t) n >= size)
                return -ENOBUFS;
        used = (size_t) n;
        for (uint64_t s = 0; s < fs->n_sectors; s++) {
                uint64_t e = s;

                if (!is_bad(fs, s))
                        continue;
                while (e + 1 < fs->n_sectors && is_bad(fs, e + 1))
                        e++;
                if (e == s)
                        n = snprintf(buf + used, size - used, " %" PRIu64, s);
                else
                        n = snprintf(buf + used, size - used, " %" PRIu64 "-%" PRIu64, s, e);
                if (n < 0 || (size_t) n >= size - used)
                        return -ENOBUFS;
                used += (size_t) n;
                s = e;
        }
        n = snprintf(buf + used, size - used, "\nread_errors %" PRIu64 "\n", fs->read_errors);
        if (n < 0 || (size_t) n >= size - used)
                return -ENOBUFS;
        return (int) (used + (size_t) n);
}

static int ffs_getattr(const char *path, struct stat *st, struct fuse_file_info *fi) {
        struct faultyfs *fs = state();

        memset(st, 0, sizeof(*st));
        if (strcmp(path, "/") == 0) {
                st->st_mode = S_IFDIR | 0755;
                st->st_nlink = 2;
        } else if (strcmp(path, "/disk") == 0) {
                st->st_mode = S_IFREG | 0644;
                st->st_nlink = 1;
                st->st_size = (off_t) (fs->n_sectors * SECTOR_SIZE);
        } else if (strcmp(path, "/ctl") == 0) {
                st->st_mode = S_IFREG | 0600;
                st->st_nlink = 1;
        } else
                return -ENOENT;
        return 0;
}

static int ffs_readdir(const char *path, void *buf, fuse_fill_dir_t fill, off_t off,
        struct fuse_file_info *fi, enum fuse_readdir_flags flags) {
        if (strcmp(path, "/") != 0)
                return -ENOENT;
        fill(buf, ".", NULL, 0, 0);
        fill(buf, "..", NULL, 0, 0);
        fill(buf, "disk", NULL, 0, 0);
        fill(buf, "ctl", NULL, 0, 0);
        return 0;
}

static int ffs_open(const char *path, struct fuse_file_info *fi) {
        if (strcmp(path, "/disk") != 0 && strcmp(path, "/ctl") != 0)
                return -ENOENT;
        fi->direct_io = 1;
        return 0;
}

static int ffs_truncate(const char *path, off_t size, struct fuse_file_info *fi) {
        /* "echo ... > ctl" truncates first; the disk keeps its size. */
        if (strcmp(path, "/ctl") == 0)
                return 0;
        if (strcmp(path, "/disk") == 0)
                return size == (off_t) (state()->n_sectors * SECTOR_SIZE) ? 0 : -EPERM;
        return -ENOENT;
}

static int ffs_read(
        const char *path, char *buf, size_t size, off_t off, struct fuse_file_info *fi) {
        struct faultyfs *fs = state();
        uint64_t total = fs->n_sectors * SECTOR_SIZE;

        if (off < 0)
                return -EINVAL;
        if (strcmp(path, "/ctl") == 0) {
                char *text = malloc(CTL_TEXT_MAX);
                int n;

                if (!text)
                        return -ENOMEM;
                n = status_text(fs, text, CTL_TEXT_MAX);
                if (n >= 0) {
                        size_t len = (size_t) n;

                        n = (uint64_t) off >= len
                                    ? 0
                                    : (int) (size < len - (size_t) off ? size : len - (size_t) off);
                        memcpy(buf, text + off, (size_t) n);
                }
                free(text);
                return n;
        }
        if (strcmp(path, "/disk") != 0)
                return -ENOENT;
        if ((uint64_t) off >= total || size == 0)
                return 0;
        if (size > total - (uint64_t) off)
                size = (size_t) (total - (uint64_t) off);
        for (uint64_t s = (uint64_t) off / SECTOR_SIZE;
                s <= ((uint64_t) off + size - 1) / SECTOR_SIZE; s++)
                if (is_bad(fs, s)) {
                        fs->read_errors++;
                        return -EIO;
                }
        memcpy(buf, fs->data + off, size);
        return (int) size;
}

static int ffs_write(
        const char *path, const char *buf, size_t size, off_t off, struct fuse_file_info *fi) {
        struct faultyfs *fs = state();
        uint64_t total = fs->n_sectors * SECTOR_SIZE;

        if (off < 0)
                return -EINVAL;
        if (strcmp(path, "/ctl") == 0) {
                char text[CTL_WRITE_MAX + 1];
                char *line, *save = NULL;

                if (size > CTL_WRITE_MAX)
                        return -EFBIG;
                memcpy(text, buf, size);
                text[size] = '\0';
                for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
                        int r = apply_command(fs, line);

                        if (r < 0)
                                return r;
                }
                return (int) size;
        }
        if (strcmp(path, "/disk") != 0)
                return -ENOENT;
        if ((uint64_t) off >= total)
                return -ENOSPC;
        if (size > total - (uint64_t) off)
                size = (size_t) (total - (uint64_t) off);
        memcpy(fs->data + off, buf, size);
        return (int) size;
}

static const struct fuse_operations ops = {
        .getattr = ffs_getattr,
        .readdir = ffs_readdir,
        .open = ffs_open,
        .truncate = ffs_truncate,
        .read = ffs_read,
        .write = ffs_write,
};

static const struct fuse_opt option_spec[] = {
        {"--sectors=%lu", offsetof(struct options, sectors), 0},
        {"--bad=%s", offsetof(struct options, bad), 0},
        FUSE_OPT_END,
};

int main(int argc, char *argv[]) {
        struct fuse_args args = FUSE_ARGS_INIT(argc, argv);
        struct options o = {.sectors = SECTORS_DEFAULT};
        struct faultyfs fs = {};
        int r;

        if (fuse_opt_parse(&args, &o, option_spec, NULL) < 0)
                return 2;
        if (o.sectors == 0 || o.sectors > SECTORS_MAX) {
                fprintf(stderr, "faultyfs: --sectors must be 1..%u\n", SECTORS_MAX);
                return 2;
        }
        fs.n_sectors = o.sectors;
        fs.data = calloc(fs.n_sectors, SECTOR_SIZE);
        fs.bad = calloc((fs.n_sectors + 7) / 8, 1);
        if (!fs.data || !fs.bad) {
                fprintf(stderr, "faultyfs: out of memory\n");
                return 1;
        }
        /* Each sector starts with its own number, so a reader can tell
         * sectors apart. */
        for (uint64_t s = 0; s < fs.n_sectors; s++)
                snprintf(
                        (char *) fs.data + s * SECTOR_SIZE, SECTOR_SIZE, "sector %" PRIu64 "\n", s);
        if (o.bad && apply_list(&fs, o.bad, true) < 0) {
                fprintf(stderr,
                        "faultyfs: bad sector list '%s' does not parse or is out of range\n",
                        o.bad);
                return 2;
        }

        r = fuse_main(args.argc, args.argv, &ops, &fs);
        fuse_opt_free_args(&args);
        free(o.bad);
        free(fs.data);
        free(fs.bad);
        return r;
}
