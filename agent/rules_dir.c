/* SPDX-License-Identifier: Apache-2.0 */
/*
 * A rules directory and the last good version of each file in it.
 *
 * Per file the loader keeps two things: what its current contents compile
 * to (`parsed`, or the problems that stop them from compiling) and the
 * version in force (`good`, the last contents that compiled and were
 * accepted). A reload re-reads only files whose identity (device, inode,
 * size, mtime, ctime) changed, or whose mtime is so close to the last read
 * that an edit in the same timestamp tick could hide (those are read and
 * compared by a 128-bit content hash, lib/hash128.h). Then it decides per file:
 *
 *   contents compile, no clash        -> the new version goes in force
 *   contents do not compile           -> the last good version stays (if any)
 *   a rule name another file holds    -> the last good version stays
 *   file deleted                      -> its rules go
 *
 * A name belongs to the file that already has it in force; between two new
 * claims the file first in name order wins. The rule set is rebuilt from the
 * versions in force, files in name order, sharing the compiled rules by
 * reference, so unchanged files cost nothing.
 */
#include "rules_internal.h"

#include "hash128.h"
#include "hashmap.h"
#include "macro.h"
#include "rules_load.h"
#include "source_journal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* An edit this close to the read may share its timestamp: compare contents. */
#define RACY_USEC (2ULL * 1000 * 1000)

struct rule_list {
        struct fl_rule **v;
        size_t n;
};

struct rules_file {
        char *name; /* in the directory */
        char *path; /* as diagnostics name it */

        /* Identity of the contents last read. */
        bool have_identity;
        dev_t dev;
        ino_t ino;
        off_t size;
        struct timespec mtime, ctime;
        uint64_t read_usec; /* CLOCK_REALTIME of that read */
        uint8_t hash[FL_HASH128_SIZE];

        /* What those contents compile to, or why they do not. */
        bool parsed_ok;
        struct rule_list parsed;
        struct fl_diags *problems;

        /* The version in force; parsed_is_good when it is `parsed`. */
        bool has_good;
        bool parsed_is_good;
        struct rule_list good;

        /* This reload. */
        bool seen;
        bool rejected;                /* valid contents refused (clash, caps) */
        const struct rule_list *cand; /* what it contributes, or NULL */
};

struct fl_rules_dir {
        char *dir;
        struct rules_file **files; /* sorted by name */
        size_t n_files;
        struct fl_rules_dir_stats stats;
};

static void hashmap_freep(struct fl_hashmap **m) {
        fl_hashmap_free(*m, NULL);
}

static void rule_list_clear(struct rule_list *l) {
        fl_rule_list_free(l->v, l->n);
        *l = (struct rule_list){};
}

static int rule_list_copy(const struct rule_list *from, struct rule_list *to) {
        struct rule_list l = {};

        if (from->n > 0) {
                l.v = calloc(from->n, sizeof(*l.v));
                if (!l.v)
                        return -ENOMEM;
        }
        for (size_t i = 0; i < from->n; i++)
                l.v[i] = fl_rule_ref(from->v[i]);
        l.n = from->n;
        rule_list_clear(to);
        *to = l;
        return 0;
}

static struct rules_file *rules_file_free(struct rules_file *f) {
        if (!f)
                return NULL;
        free(f->name);
        free(f->path);
        rule_list_clear(&f->parsed);
        rule_list_clear(&f->good);
        fl_diags_free(f->problems);
        free(f);
        return NULL;
}

struct fl_rules_dir *fl_rules_dir_free(struct fl_rules_dir *d) {
        if (!d)
                return NULL;
        for (size_t i = 0; i < d->n_files; i++)
                rules_file_free(d->files[i]);
        free(d->files);
        free(d->dir);
        free(d);
        return NULL;
}

int fl_rules_dir_new(const char *dir, struct fl_rules_dir **ret) {
        struct fl_rules_dir *d;
        size_t len;

        if (!dir || !*dir)
                return -EINVAL;
        d = calloc(1, sizeof(*d));
        if (!d)
                return -ENOMEM;
        len = strlen(dir);
        while (len > 1 && dir[len - 1] == '/')
                len--;
        d->dir = strndup(dir, len);
        if (!d->dir)
                return fl_rules_dir_free(d), -ENOMEM;
        *ret = d;
        return 0;
}

void fl_rules_dir_get_stats(const struct fl_rules_dir *d, struct fl_rules_dir_stats *ret) {
        *ret = d->stats;
}

/* ---- which names are rule files ---- */

static bool is_rule_file(const char *name) {
        size_t len = strlen(name);

        /* Dotfiles cover editor locks and swap files (.#x.hcl, .x.hcl.swp);
         * anything not ending in .hcl covers backups (x.hcl~, x.hcl.dpkg-old). */
        return len > 4 && name[0] != '.' && strcmp(name + len - 4, ".hcl") == 0;
}

static int compare_names(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

/* The sorted rule file names in `dir_fd`. */
static int list_names(int dir_fd, char ***ret, size_t *ret_n) {
        _cleanup_free_ char **names = NULL;
        size_t n = 0, cap = 0;
        DIR *dir;
        int fd, r = 0;

        fd = dup(dir_fd);
        if (fd < 0)
                return negative_errno();
        dir = fdopendir(fd);
        if (!dir) {
                r = negative_errno();
                close(fd);
                return r;
        }
        for (;;) {
                struct dirent *de;

                errno = 0;
                de = readdir(dir);
                if (!de) {
                        r = errno > 0 ? -errno : 0;
                        break;
                }
                if (!is_rule_file(de->d_name))
                        continue;
                if (n == cap) {
                        size_t c2 = cap ? cap * 2 : 16;
                        char **a = reallocarray(names, c2, sizeof(*a));
                        if (!a) {
                                r = -ENOMEM;
                                break;
                        }
                        names = a;
                        cap = c2;
                }
                names[n] = strdup(de->d_name);
                if (!names[n]) {
                        r = -ENOMEM;
                        break;
                }
                n++;
        }
        closedir(dir);
        if (r < 0) {
                for (size_t i = 0; i < n; i++)
                        free(names[i]);
                return r;
        }
        if (n > 0)
                qsort(names, n, sizeof(*names), compare_names);
        *ret = TAKE_PTR(names);
        *ret_n = n;
        return 0;
}

/* ---- reading one file ---- */

static uint64_t realtime_usec(void) {
        struct timespec ts;

        (void) clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000;
}

static uint64_t ts_usec(const struct timespec *ts) {
        return ts->tv_sec < 0 ? 0
                              : (uint64_t) ts->tv_sec * 1000000ULL + (uint64_t) ts->tv_nsec / 1000;
}

static bool same_ts(const struct timespec *a, const struct timespec *b) {
        return a->tv_sec == b->tv_sec && a->tv_nsec == b->tv_nsec;
}

static bool same_identity(const struct rules_file *f, const struct stat *st) {
        return f->have_identity && f->dev == st->st_dev && f->ino == st->st_ino &&
               f->size == st->st_size && same_ts(&f->mtime, &st->st_mtim) &&
               same_ts(&f->ctime, &st->st_ctim);
}

static void set_identity(struct rules_file *f, const struct stat *st, uint64_t now) {
        f->have_identity = true;
        f->dev = st->st_dev;
        f->ino = st->st_ino;
        f->size = st->st_size;
        f->mtime = st->st_mtim;
        f->ctime = st->st_ctim;
        f->read_usec = now;
}

/* The contents are unknown (cannot be read): report why, keep the version
 * in force, and read again next time. */
static int set_problem(struct rules_file *f, const char *fmt, const char *what) {
        f->have_identity = false;
        f->parsed_ok = false;
        f->parsed_is_good = false;
        rule_list_clear(&f->parsed);
        fl_diags_free(f->problems);
        f->problems = fl_diags_new();
        if (!f->problems)
                return -ENOMEM;
        return fl_diags_add(f->problems, f->path, 1, 1, fmt, what) == -ENOMEM ? -ENOMEM : 0;
}

static int read_contents(
        int dir_fd, const char *name, char **ret, size_t *ret_size, struct stat *ret_st) {
        _cleanup_close_ int fd = -EBADF;
        _cleanup_free_ char *buf = NULL;
        struct stat st;
        size_t n = 0;

        /* O_NONBLOCK: a FIFO given a rule file's name must not hang us. */
        fd = openat(dir_fd, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        if (fd < 0)
                return negative_errno();
        if (fstat(fd, &st) < 0)
                return negative_errno();
        if (!S_ISREG(st.st_mode))
                return -EBADFD;
        if (st.st_size > (off_t) FL_RULES_FILE_MAX_BYTES)
                return -EFBIG;
        buf = malloc(FL_RULES_FILE_MAX_BYTES + 2);
        if (!buf)
                return -ENOMEM;
        for (;;) {
                ssize_t k = read(fd, buf + n, FL_RULES_FILE_MAX_BYTES + 1 - n);
                if (k < 0) {
                        if (errno == EINTR)
                                continue;
                        return negative_errno();
                }
                if (k == 0)
                        break;
                n += (size_t) k;
                if (n > FL_RULES_FILE_MAX_BYTES)
                        return -EFBIG; /* grew while we read */
        }
        buf[n] = '\0';
        *ret = TAKE_PTR(buf);
        *ret_size = n;
        *ret_st = st;
        return 0;
}

/* Brings f->parsed up to date with the file. Returns 0, 1 when the file is
 * gone, or -ENOMEM. */
static int refresh(struct fl_rules_dir *d, int dir_fd, struct rules_file *f) {
        _cleanup_free_ char *data = NULL;
        uint8_t hash[FL_HASH128_SIZE];
        struct stat st;
        uint64_t now = realtime_usec();
        size_t size;
        int r;

        if (fstatat(dir_fd, f->name, &st, 0) < 0) {
                if (errno == ENOENT)
                        return 1; /* deleted, or a dangling symlink */
                return set_problem(f, "cannot read the file: %s", strerror(errno));
        }
        if (same_identity(f, &st) && ts_usec(&st.st_mtim) + RACY_USEC < f->read_usec) {
                d->stats.files_unchanged++;
                return 0;
        }

        r = read_contents(dir_fd, f->name, &data, &size, &st);
        if (r == -ENOENT)
                return 1;
        if (r == -ENOMEM)
                return r;
        if (r == -EBADFD)
                return set_problem(f, "%s", "not a regular file");
        if (r == -EFBIG) {
                char limit[64];
                snprintf(limit, sizeof(limit), "%u bytes", FL_RULES_FILE_MAX_BYTES);
                return set_problem(f, "file is too large (at most %s)", limit);
        }
        if (r < 0)
                return set_problem(f, "cannot read the file: %s", strerror(-r));
        d->stats.files_read++;

        r = fl_hash128(data, size, hash);
        if (r < 0)
                return set_problem(f, "cannot hash the file: %s", strerror(-r));
        if (f->have_identity && memcmp(f->hash, hash, sizeof(hash)) == 0) {
                /* Touched or rewritten with the same bytes. */
                set_identity(f, &st, now);
                d->stats.files_unchanged++;
                return 0;
        }

        _cleanup_(fl_diags_freep) struct fl_diags *problems = fl_diags_new();
        struct rule_list parsed = {};
        if (!problems)
                return -ENOMEM;
        r = fl_rules_parse_list(data, size, f->path, problems, &parsed.v, &parsed.n);
        if (r == -ENOMEM)
                return r;
        d->stats.files_parsed++;

        set_identity(f, &st, now);
        memcpy(f->hash, hash, sizeof(hash));
        rule_list_clear(&f->parsed);
        fl_diags_free(f->problems);
        f->problems = NULL;
        f->parsed_is_good = false;
        if (r < 0) {
                f->parsed_ok = false;
                f->problems = TAKE_PTR(problems);
        } else {
                f->parsed_ok = true;
                f->parsed = parsed;
        }
        return 0;
}

/* ---- deciding what goes in force ---- */

static bool fresh(const struct rules_file *f) {
        return f->cand == &f->parsed && !f->parsed_is_good;
}

static const struct rule_list *fallback(const struct rules_file *f) {
        return f->has_good ? &f->good : NULL;
}

/* The rule called `name` among the candidates of files other than `except`. */
static const struct fl_rule *find_claim(
        const struct fl_rules_dir *d, const struct rules_file *except, const char *name) {
        for (size_t i = 0; i < d->n_files; i++) {
                const struct rules_file *f = d->files[i];
                if (f == except || !f->cand)
                        continue;
                for (size_t k = 0; k < f->cand->n; k++)
                        if (strcmp(f->cand->v[k]->name, name) == 0)
                                return f->cand->v[k];
        }
        return NULL;
}

static int add_diag(struct fl_diags *diags, const char *file, unsigned line, unsigned col,
        const char *fmt, ...) _printf_(5, 6);
static int add_diag(struct fl_diags *diags, const char *file, unsigned line, unsigned col,
        const char *fmt, ...) {
        va_list ap;
        int r;

        if (!diags)
                return 0;
        va_start(ap, fmt);
        r = fl_diags_addv(diags, file, line, col, fmt, ap);
        va_end(ap);
        return r == -ENOMEM ? r : 0;
}

/* Refuses `f`'s candidate because of a rule name another file holds: every
 * clashing name is reported, and its last good version stands in. */
static int reject_clash(struct fl_rules_dir *d, struct rules_file *f, struct fl_diags *diags) {
        const struct rule_list *c = f->cand;
        char q[FL_HCL_QUOTE_SIZE];
        int r;

        for (size_t k = 0; k < c->n; k++) {
                const struct fl_rule *other = find_claim(d, f, c->v[k]->name);
                if (!other)
                        continue;
                r = add_diag(diags, f->path, c->v[k]->line, c->v[k]->column,
                        "duplicate rule %s (also defined at %s:%u:%u)",
                        fl_hcl_quote(c->v[k]->name, strlen(c->v[k]->name), q), other->file,
                        other->line, other->column);
                if (r < 0)
                        return r;
        }
        f->rejected = true;
        /* A version in force that clashes (only when two of them were both
         * new) contributes nothing rather than loop. */
        f->cand = fresh(f) ? fallback(f) : NULL;
        return 0;
}

/* Whether `name` is in the version of `f` in force until now. */
static bool held(const struct rules_file *f, const char *name) {
        for (size_t k = 0; f->has_good && k < f->good.n; k++)
                if (strcmp(f->good.v[k]->name, name) == 0)
                        return true;
        return false;
}

/* Settles rule name clashes between the files' candidates. */
static int resolve_clashes(struct fl_rules_dir *d, struct fl_diags *diags) {
        for (;;) {
                _cleanup_(hashmap_freep) struct fl_hashmap *owner = fl_hashmap_new();
                struct rules_file *offender = NULL;

                if (!owner)
                        return -ENOMEM;
                for (size_t i = 0; i < d->n_files && !offender; i++) {
                        struct rules_file *f = d->files[i];
                        for (size_t k = 0; f->cand && k < f->cand->n && !offender; k++) {
                                struct rules_file *g = fl_hashmap_get(owner, f->cand->v[k]->name);
                                if (!g) {
                                        if (fl_hashmap_put(owner, f->cand->v[k]->name, f, NULL) < 0)
                                                return -ENOMEM;
                                        continue;
                                }
                                /* g is earlier in name order: it keeps the
                                 * name unless only f had it in force. */
                                const char *name = f->cand->v[k]->name;
                                offender = held(f, name) && !held(g, name) ? g : f;
                        }
                }
                if (!offender)
                        return 0;
                int r = reject_clash(d, offender, diags);
                if (r < 0)
                        return r;
        }
}

/* Keeps the total number of rules and of journald match groups within the
 * caps, refusing whole files (new versions first) in name order. */
static int enforce_caps(struct fl_rules_dir *d, struct fl_diags *diags) {
        _cleanup_(hashmap_freep) struct fl_hashmap *matches = fl_hashmap_new();
        size_t total = 0;

        if (!matches)
                return -ENOMEM;
        for (size_t i = 0; i < d->n_files; i++) {
                struct rules_file *f = d->files[i];

                while (f->cand) {
                        size_t n_new = 0;
                        bool fits;

                        for (size_t k = 0; k < f->cand->n; k++)
                                for (size_t m = 0; m < f->cand->v[k]->n_journal_matches; m++)
                                        if (!fl_hashmap_get(
                                                    matches, f->cand->v[k]->journal_matches[m]))
                                                n_new++; /* may count a repeat twice: errs on the
                                                            safe side */
                        fits = total + f->cand->n <= FL_RULES_TOTAL_MAX &&
                               fl_hashmap_size(matches) + n_new <= FL_JOURNAL_GROUPS_MAX;
                        if (fits)
                                break;
                        int r = add_diag(diags, f->path, 1, 1,
                                "%s not loaded: the rules directory would hold more than %u rules "
                                "or %u distinct journal matches",
                                fresh(f) ? "this version is" : "these rules are",
                                FL_RULES_TOTAL_MAX, FL_JOURNAL_GROUPS_MAX);
                        if (r < 0)
                                return r;
                        f->rejected = true;
                        f->cand = fresh(f) ? fallback(f) : NULL;
                }
                if (!f->cand)
                        continue;
                total += f->cand->n;
                for (size_t k = 0; k < f->cand->n; k++)
                        for (size_t m = 0; m < f->cand->v[k]->n_journal_matches; m++)
                                if (fl_hashmap_put(matches, f->cand->v[k]->journal_matches[m],
                                            (void *) 1, NULL) < 0)
                                        return -ENOMEM;
        }
        return 0;
}

/* ---- the reload ---- */

static int find_or_add(struct fl_rules_dir *d, const char *name, struct rules_file **ret) {
        struct rules_file *f, **a;

        for (size_t i = 0; i < d->n_files; i++)
                if (strcmp(d->files[i]->name, name) == 0) {
                        *ret = d->files[i];
                        return 0;
                }
        f = calloc(1, sizeof(*f));
        if (!f)
                return -ENOMEM;
        f->name = strdup(name);
        if (!f->name || asprintf(&f->path, "%s/%s", d->dir, name) < 0) {
                f->path = NULL;
                rules_file_free(f);
                return -ENOMEM;
        }
        a = reallocarray(d->files, d->n_files + 1, sizeof(*a));
        if (!a) {
                rules_file_free(f);
                return -ENOMEM;
        }
        d->files = a;
        d->files[d->n_files++] = f;
        *ret = f;
        return 0;
}

static int compare_files(const void *a, const void *b) {
        return strcmp(
                (*(struct rules_file *const *) a)->name, (*(struct rules_file *const *) b)->name);
}

static int copy_problems(const struct fl_diags *from, struct fl_diags *to) {
        for (size_t i = 0; from && to && i < from->n_items; i++) {
                const struct fl_diag *x = &from->items[i];
                if (fl_diags_add(to, x->file, x->line, x->column, "%s", x->message) == -ENOMEM)
                        return -ENOMEM;
        }
        return 0;
}

int fl_rules_dir_reload(struct fl_rules_dir *d, struct fl_diags *diags, struct fl_ruleset **ret) {
        _cleanup_close_ int dir_fd = -EBADF;
        _cleanup_free_ char **names = NULL;
        struct fl_ruleset *rs = NULL;
        size_t n_names = 0, n_invalid = 0;
        int r;

        dir_fd = open(d->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (dir_fd < 0)
                return negative_errno();
        r = list_names(dir_fd, &names, &n_names);
        if (r < 0)
                return r;
        d->stats.reloads++;

        for (size_t i = 0; i < d->n_files; i++)
                d->files[i]->seen = false;
        for (size_t i = 0; i < n_names; i++) {
                struct rules_file *f;

                if (i >= FL_RULES_FILES_MAX) {
                        _cleanup_free_ char *path = NULL;
                        if (asprintf(&path, "%s/%s", d->dir, names[i]) < 0)
                                r = -ENOMEM;
                        else
                                r = add_diag(diags, path, 1, 1,
                                        "ignored: the rules directory holds more than %u rule "
                                        "files",
                                        FL_RULES_FILES_MAX);
                        if (r < 0)
                                goto finish;
                        continue;
                }
                r = find_or_add(d, names[i], &f);
                if (r < 0)
                        goto finish;
                r = refresh(d, dir_fd, f);
                if (r < 0)
                        goto finish;
                f->seen = r == 0;
        }

        /* Deleted files take their rules with them. */
        for (size_t i = 0; i < d->n_files;) {
                if (d->files[i]->seen) {
                        i++;
                        continue;
                }
                rules_file_free(d->files[i]);
                d->files[i] = d->files[--d->n_files];
        }
        if (d->n_files > 0)
                qsort(d->files, d->n_files, sizeof(*d->files), compare_files);

        for (size_t i = 0; i < d->n_files; i++) {
                struct rules_file *f = d->files[i];
                f->rejected = false;
                f->cand = f->parsed_ok ? &f->parsed : fallback(f);
                r = copy_problems(f->problems, diags);
                if (r < 0)
                        goto finish;
        }
        r = resolve_clashes(d, diags);
        if (r < 0)
                goto finish;
        r = enforce_caps(d, diags);
        if (r < 0)
                goto finish;

        rs = fl_ruleset_new();
        if (!rs) {
                r = -ENOMEM;
                goto finish;
        }
        for (size_t i = 0; i < d->n_files; i++) {
                const struct rules_file *f = d->files[i];
                for (size_t k = 0; f->cand && k < f->cand->n; k++) {
                        r = fl_ruleset_add(rs, fl_rule_ref(f->cand->v[k]));
                        if (r < 0)
                                goto finish;
                }
        }

        /* Commit: accepted new versions become the last good ones. */
        for (size_t i = 0; i < d->n_files; i++) {
                struct rules_file *f = d->files[i];
                if (fresh(f)) {
                        r = rule_list_copy(&f->parsed, &f->good);
                        if (r < 0)
                                goto finish;
                        f->has_good = true;
                        f->parsed_is_good = true;
                        f->cand = &f->good;
                }
                if (!f->parsed_ok || f->rejected)
                        n_invalid++;
        }
        d->stats.files = (unsigned) d->n_files;
        d->stats.files_invalid = (unsigned) n_invalid;
        d->stats.rules = (unsigned) rs->n_rules;
        *ret = TAKE_PTR(rs);
        r = n_invalid > 0 || n_names > FL_RULES_FILES_MAX ? -EINVAL : 0;

finish:
        fl_ruleset_unref(rs);
        for (size_t i = 0; i < n_names; i++)
                free(names[i]);
        return r;
}

int fl_rules_check_dir(const char *dir, struct fl_diags *diags) {
        _cleanup_(fl_rules_dir_freep) struct fl_rules_dir *d = NULL;
        struct fl_ruleset *rs = NULL;
        int r;

        r = fl_rules_dir_new(dir, &d);
        if (r < 0)
                return r;
        r = fl_rules_dir_reload(d, diags, &rs);
        fl_ruleset_unref(rs);
        return r;
}
