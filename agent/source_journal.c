/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The journald source (see source_journal.h for the contract).
 *
 * Position. The source always knows where it stands as a cursor plus a flag:
 * the last entry handed out (flag "done": skip it when seeking back), or a
 * starting entry not yet handed out (the first entry of the current boot),
 * or no cursor at all (start at the head). reposition() seeks there; it runs
 * at start, after the filter changes and after the journal files change
 * (SD_JOURNAL_INVALIDATE), so none of those can skip or repeat an entry.
 *
 * STATE_DIR/journal.cursor holds one line, the cursor of the last entry
 * handed out, e.g.
 *   s=94986e4c1ba147deb9901cb92b0b64ce;i=15d;b=7add160ff7e04b33bbf0c5c548bd7fa9;m=1be4fece;t=6613a251bbad4;x=960d1675e2243b7a
 */
#include "source_journal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <systemd/sd-id128.h>
#include <systemd/sd-journal.h>
#include <time.h>

#include "fileio.h"
#include "macro.h"

#define CURSOR_FILE_MAX      4096
/* At most one reopen a minute, however bursty the log. */
#define REOPEN_INTERVAL_USEC (60 * UINT64_C(1000000))

#define journal_debug(j, ...) fl_logf((j)->log, (j)->log_userdata, LOG_DEBUG, __VA_ARGS__)

/* The entry fields handed to rules. */
enum {
        F_MESSAGE,
        F_SYSLOG_IDENTIFIER,
        F_TRANSPORT,
        F_PRIORITY,
        F_SYSLOG_FACILITY,
        F_BOOT_ID,
        F_KERNEL_DEVICE,
        F_KERNEL_SUBSYSTEM,
        F_UDEV_DEVNODE,
        F_HOSTNAME,
        F_COMM,
        F_PID,
        F_SYSTEMD_UNIT,
        _F_EXPORTED,
        /* Read for timing only. */
        F_SOURCE_MONOTONIC = _F_EXPORTED,
        _F_MAX,
};

static const char *const field_names[_F_MAX] = {
        [F_MESSAGE] = "MESSAGE",
        [F_SYSLOG_IDENTIFIER] = "SYSLOG_IDENTIFIER",
        [F_TRANSPORT] = "_TRANSPORT",
        [F_PRIORITY] = "PRIORITY",
        [F_SYSLOG_FACILITY] = "SYSLOG_FACILITY",
        [F_BOOT_ID] = "_BOOT_ID",
        [F_KERNEL_DEVICE] = "_KERNEL_DEVICE",
        [F_KERNEL_SUBSYSTEM] = "_KERNEL_SUBSYSTEM",
        [F_UDEV_DEVNODE] = "_UDEV_DEVNODE",
        [F_HOSTNAME] = "_HOSTNAME",
        [F_COMM] = "_COMM",
        [F_PID] = "_PID",
        [F_SYSTEMD_UNIT] = "_SYSTEMD_UNIT",
        [F_SOURCE_MONOTONIC] = "_SOURCE_MONOTONIC_TIMESTAMP",
};

struct match_set {
        char **matches; /* all groups' matches, group after group */
        size_t *group_sizes;
        size_t n_groups;
};

struct fl_source_journal {
        sd_event *event;
        sd_journal *journal;
        sd_event_source *io;
        sd_event_source *timeout;
        sd_event_source *drain;

        char *cursor_path;
        char *directory; /* journal_directory, or NULL: the system journal */
        bool backlog;    /* a drain found more than one batch waiting */
        uint64_t reopened_usec;
        char boot_id[33];
        sd_id128_t boot;
        unsigned batch_max;
        uint64_t cursor_save_usec;

        /* Position, see the top of the file. */
        char *cursor;
        bool cursor_done;
        bool skip_pending; /* next entry read may be the done one */
        bool cursor_dirty;
        uint64_t cursor_saved_usec;

        struct match_set matches;

        fl_event_fn callback;
        void *userdata;
        fl_log_fn log;
        void *log_userdata;
        fl_persist_barrier_fn barrier;
        void *barrier_userdata;

        /* Field values of the entry being handed out. */
        char *values[_F_MAX];
        bool present[_F_MAX];

        struct fl_journal_stats stats;
};

static uint64_t now_usec(clockid_t clock) {
        struct timespec ts;

        if (clock_gettime(clock, &ts) < 0)
                return 0;
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000;
}

/* ---- matches ---- */

static void match_set_clear(struct match_set *m) {
        size_t n = 0;

        for (size_t g = 0; g < m->n_groups; g++)
                n += m->group_sizes[g];
        for (size_t i = 0; i < n; i++)
                free(m->matches[i]);
        free(m->matches);
        free(m->group_sizes);
        *m = (struct match_set){};
}

static bool match_valid(const char *match) {
        const char *eq = strchr(match, '=');

        if (!eq || eq == match || eq - match > 64)
                return false;
        if (match[0] >= '0' && match[0] <= '9')
                return false;
        for (const char *p = match; p < eq; p++)
                if (!((*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_'))
                        return false;
        return true;
}

static int match_set_copy(
        const struct fl_journal_match_group *groups, size_t n_groups, struct match_set *ret) {
        struct match_set m = {};
        size_t n = 0, k = 0;

        if (n_groups > FL_JOURNAL_GROUPS_MAX)
                return -E2BIG;
        for (size_t g = 0; g < n_groups; g++) {
                if (groups[g].n_matches == 0 || !groups[g].matches)
                        return -EINVAL;
                if (groups[g].n_matches > FL_JOURNAL_GROUP_MATCHES_MAX)
                        return -E2BIG;
                for (size_t i = 0; i < groups[g].n_matches; i++) {
                        const char *s = groups[g].matches[i];
                        if (!s)
                                return -EINVAL;
                        if (strlen(s) > FL_JOURNAL_MATCH_MAX)
                                return -E2BIG;
                        if (!match_valid(s))
                                return -EINVAL;
                }
                n += groups[g].n_matches;
        }
        if (n_groups == 0) {
                *ret = m;
                return 0;
        }

        m.matches = calloc(n, sizeof(char *));
        m.group_sizes = calloc(n_groups, sizeof(size_t));
        if (!m.matches || !m.group_sizes)
                goto oom;
        for (size_t g = 0; g < n_groups; g++) {
                m.group_sizes[g] = groups[g].n_matches;
                m.n_groups = g + 1;
                for (size_t i = 0; i < groups[g].n_matches; i++) {
                        m.matches[k] = strdup(groups[g].matches[i]);
                        if (!m.matches[k])
                                goto oom;
                        k++;
                }
        }
        *ret = m;
        return 0;
oom:
        /* match_set_clear() frees per group size: count only what exists. */
        for (size_t i = 0; i < k; i++)
                free(m.matches[i]);
        free(m.matches);
        free(m.group_sizes);
        return -ENOMEM;
}

/* Installs the kernel group plus `m` as the journal's filter. */
static int apply_matches(sd_journal *journal, const struct match_set *m) {
        size_t k = 0;
        int r;

        sd_journal_flush_matches(journal);
        r = sd_journal_add_match(journal, "_TRANSPORT=kernel", 0);
        for (size_t g = 0; r >= 0 && g < m->n_groups; g++) {
                r = sd_journal_add_disjunction(journal);
                for (size_t i = 0; r >= 0 && i < m->group_sizes[g]; i++, k++)
                        r = sd_journal_add_match(journal, m->matches[k], 0);
        }
        return r < 0 ? r : 0;
}

/* ---- the journal itself ---- */

static int open_journal(const struct fl_source_journal *j, sd_journal **ret) {
        sd_journal *journal;
        int r;

        if (j->directory)
                r = sd_journal_open_directory(&journal, j->directory, 0);
        else
                r = sd_journal_open(&journal, SD_JOURNAL_LOCAL_ONLY | SD_JOURNAL_SYSTEM);
        if (r < 0)
                return r;
        /* Cap what decompression may produce for one field. */
        r = sd_journal_set_data_threshold(journal, FL_JOURNAL_MESSAGE_MAX + 64);
        if (r < 0) {
                sd_journal_close(journal);
                return r;
        }
        *ret = journal;
        return 0;
}

/* ---- position ---- */

static int reposition(struct fl_source_journal *j) {
        int r;

        if (j->cursor) {
                r = sd_journal_seek_cursor(j->journal, j->cursor);
                j->skip_pending = r >= 0 && j->cursor_done;
        } else {
                r = sd_journal_seek_head(j->journal);
                j->skip_pending = false;
        }
        return r;
}

/* Takes ownership of `cursor` (may be NULL: the head). */
static void set_position(struct fl_source_journal *j, char *cursor, bool done) {
        free(j->cursor);
        j->cursor = cursor;
        j->cursor_done = done;
}

/* Where a first run starts: the first entry of our boot, looked up with a
 * temporary _BOOT_ID match that is dropped again so later boots (and other
 * sources) are not filtered out. Without any entry of this boot: after the
 * newest entry of the system journal (nothing of this boot was logged yet),
 * or the head of a journal directory (collected journals of other machines). */
static int find_boot_start(struct fl_source_journal *j, bool directory) {
        _cleanup_free_ char *match = NULL;
        char *cursor = NULL;
        int r;

        if (asprintf(&match, "_BOOT_ID=%s", j->boot_id) < 0)
                return -ENOMEM;
        sd_journal_flush_matches(j->journal);
        r = sd_journal_add_match(j->journal, match, 0);
        if (r >= 0)
                r = sd_journal_seek_head(j->journal);
        if (r >= 0)
                r = sd_journal_next(j->journal);
        if (r > 0)
                r = sd_journal_get_cursor(j->journal, &cursor);
        sd_journal_flush_matches(j->journal);
        if (r < 0)
                return r;
        if (cursor || directory) {
                set_position(j, cursor, false);
                return 0;
        }

        r = apply_matches(j->journal, &j->matches);
        if (r >= 0)
                r = sd_journal_seek_tail(j->journal);
        if (r >= 0)
                r = sd_journal_previous(j->journal);
        if (r > 0)
                r = sd_journal_get_cursor(j->journal, &cursor);
        if (r < 0)
                return r;
        set_position(j, cursor, cursor != NULL);
        return 0;
}

static int load_cursor(struct fl_source_journal *j) {
        _cleanup_free_ char *data = NULL;
        size_t n;
        int r;

        if (!j->cursor_path)
                return 0;
        r = fl_read_file_at(AT_FDCWD, j->cursor_path, CURSOR_FILE_MAX, &data, &n);
        if (r == -ENOENT)
                return 0;
        if (r < 0)
                return r;
        while (n > 0 && (data[n - 1] == '\n' || data[n - 1] == ' '))
                data[--n] = '\0';
        if (n == 0 || strlen(data) != n || strchr(data, '\n'))
                return -EBADMSG;
        /* sd-journal checks the cursor's syntax when seeking: try it now so a
         * bad file falls back to the boot start instead of failing later. */
        r = sd_journal_seek_cursor(j->journal, data);
        if (r < 0)
                return r;
        set_position(j, TAKE_PTR(data), true);
        return 0;
}

static int save_cursor(struct fl_source_journal *j) {
        _cleanup_free_ char *line = NULL;
        int r;

        if (!j->cursor_path || !j->cursor_dirty || !j->cursor)
                return 0;
        if (asprintf(&line, "%s\n", j->cursor) < 0)
                return -ENOMEM;
        if (j->barrier)
                j->barrier(j->barrier_userdata);
        r = fl_write_file_atomic(j->cursor_path, line, strlen(line), 0600);
        if (r < 0) {
                j->stats.cursor_errors++;
                j->stats.last_cursor_error = r;
                return r;
        }
        j->cursor_dirty = false;
        j->cursor_saved_usec = now_usec(CLOCK_MONOTONIC);
        j->stats.cursor_saves++;
        return 0;
}

int fl_source_journal_flush_cursor(struct fl_source_journal *j) {
        if (!j)
                return -EINVAL;
        return save_cursor(j);
}

/* ---- entries ---- */

static void store_field(struct fl_source_journal *j, int f, const char *value, size_t len) {
        size_t cap = f == F_MESSAGE ? FL_JOURNAL_MESSAGE_MAX : FL_JOURNAL_FIELD_MAX;
        const char *nul = memchr(value, '\0', len);

        /* Values are text to the rules: stop at an embedded NUL. */
        if (nul)
                len = (size_t) (nul - value);
        if (len > cap) {
                len = cap;
                j->stats.truncated++;
        }
        memcpy(j->values[f], value, len);
        j->values[f][len] = '\0';
        j->present[f] = true;
}

static int collect_fields(struct fl_source_journal *j) {
        const void *data;
        size_t len;
        int r;

        memset(j->present, 0, sizeof(j->present));
        sd_journal_restart_data(j->journal);
        while ((r = sd_journal_enumerate_available_data(j->journal, &data, &len)) > 0) {
                const char *d = data, *eq = memchr(d, '=', len);
                size_t name_len;

                if (!eq)
                        continue;
                name_len = (size_t) (eq - d);
                for (int f = 0; f < _F_MAX; f++) {
                        if (j->present[f] || strlen(field_names[f]) != name_len ||
                                memcmp(field_names[f], d, name_len) != 0)
                                continue;
                        store_field(j, f, eq + 1, len - name_len - 1);
                        break;
                }
        }
        return r;
}

/* The event's monotonic time: when the kernel logged it if it did in this
 * boot (the kmsg timestamp, else the entry's), else when we read it, since
 * another boot's monotonic clock means nothing here. */
static uint64_t entry_monotonic(struct fl_source_journal *j) {
        sd_id128_t boot;
        uint64_t mono;
        char *end;

        if (sd_journal_get_monotonic_usec(j->journal, &mono, &boot) < 0 ||
                !sd_id128_equal(boot, j->boot))
                return now_usec(CLOCK_MONOTONIC);
        if (j->present[F_SOURCE_MONOTONIC]) {
                unsigned long long v;

                errno = 0;
                v = strtoull(j->values[F_SOURCE_MONOTONIC], &end, 10);
                if (errno == 0 && *end == '\0' && end != j->values[F_SOURCE_MONOTONIC])
                        return v;
        }
        return mono;
}

static int hand_out(struct fl_source_journal *j, char *cursor) {
        struct fl_event ev = {
                .source = FL_SOURCE_JOURNAL,
                .kind = "journal",
                .identity = cursor,
                .count = 1,
        };
        int r;

        r = collect_fields(j);
        if (r < 0)
                return r;
        if (sd_journal_get_realtime_usec(j->journal, &ev.realtime_usec) < 0)
                ev.realtime_usec = 0;
        ev.monotonic_usec = entry_monotonic(j);
        for (int f = 0; f < _F_EXPORTED; f++)
                if (j->present[f])
                        ev.fields[ev.n_fields++] = (struct fl_field){field_names[f], j->values[f]};
        if (j->callback)
                j->callback(&ev, j->userdata);
        return 0;
}

/* Hands out up to batch_max entries. Returns 1 when more are waiting, 0 when
 * caught up, -errno when the journal cannot be read. */
static int drain_batch(struct fl_source_journal *j) {
        unsigned n = 0;
        int r = 0;

        while (n < j->batch_max) {
                char *cursor = NULL;

                r = sd_journal_next(j->journal);
                if (r < 0)
                        j->stats.read_errors++;
                if (r <= 0)
                        break;
                if (j->skip_pending) {
                        j->skip_pending = false;
                        if (sd_journal_test_cursor(j->journal, j->cursor) > 0)
                                continue;
                }
                r = sd_journal_get_cursor(j->journal, &cursor);
                if (r < 0) {
                        /* Without a cursor it has no identity and no position:
                         * skip it rather than stall. */
                        j->stats.read_errors++;
                        continue;
                }
                if (hand_out(j, cursor) < 0)
                        j->stats.read_errors++;
                else
                        j->stats.lines++;
                set_position(j, cursor, true);
                j->cursor_dirty = true;
                n++;
        }
        if (n > 0) {
                j->stats.batches++;
                j->stats.last_batch = n;
                if (n > j->stats.max_batch)
                        j->stats.max_batch = n;
        }
        if (r < 0)
                return r;
        return n == j->batch_max ? 1 : 0;
}

static void kick(struct fl_source_journal *j);
static void rearm_timeout(struct fl_source_journal *j);

/* sd-journal keeps every page it read mapped until the journal is closed:
 * after the boot's backlog (or a burst) that is most of a megabyte of an
 * agent that should idle in a few. Opening it again and seeking back by
 * cursor lets go of them. The new instance watches before the old one is
 * closed, so nothing written in between is missed. */
static int reopen(struct fl_source_journal *j) {
        sd_journal *journal = NULL;
        int fd, events, r;

        r = open_journal(j, &journal);
        if (r >= 0)
                r = apply_matches(journal, &j->matches);
        if (r >= 0)
                r = fd = sd_journal_get_fd(journal);
        if (r >= 0)
                r = events = sd_journal_get_events(journal);
        if (r >= 0)
                r = sd_event_source_set_io_fd(j->io, fd);
        if (r < 0) {
                sd_journal_close(journal);
                return r;
        }
        (void) sd_event_source_set_io_events(j->io, (uint32_t) events);
        sd_journal_close(j->journal);
        j->journal = journal;
        j->stats.reopens++;
        j->reopened_usec = now_usec(CLOCK_MONOTONIC);
        r = reposition(j);
        rearm_timeout(j);
        return r;
}

static int on_drain(sd_event_source *es, uint64_t usec, void *userdata) {
        struct fl_source_journal *j = userdata;
        int r = drain_batch(j);

        if (r < 0)
                journal_debug(j, "journal: read failed: %s", strerror(-r));
        if (r <= 0) {
                /* Caught up (or stuck until the journal changes): the one-shot
                 * drain stays off until the journal fd reports news. */
                (void) save_cursor(j);
                if (r == 0 && j->backlog &&
                        now_usec(CLOCK_MONOTONIC) - j->reopened_usec >= REOPEN_INTERVAL_USEC) {
                        j->backlog = false;
                        r = reopen(j);
                        if (r < 0)
                                journal_debug(j, "journal: cannot reopen: %s", strerror(-r));
                        kick(j);
                }
                return 0;
        }
        j->backlog = true;
        /* More is waiting: come back after the loop's other sources had a
         * turn. */
        (void) sd_event_source_set_enabled(es, SD_EVENT_ONESHOT);
        if (now_usec(CLOCK_MONOTONIC) - j->cursor_saved_usec >= j->cursor_save_usec)
                (void) save_cursor(j);
        return 0;
}

static void kick(struct fl_source_journal *j) {
        (void) sd_event_source_set_enabled(j->drain, SD_EVENT_ONESHOT);
}

static void rearm_timeout(struct fl_source_journal *j) {
        uint64_t t = UINT64_MAX;

        /* Only journals sd-journal cannot watch with inotify (network file
         * systems) ask for a timeout. */
        if (sd_journal_get_timeout(j->journal, &t) < 0 || t == UINT64_MAX) {
                (void) sd_event_source_set_enabled(j->timeout, SD_EVENT_OFF);
                return;
        }
        (void) sd_event_source_set_time(j->timeout, t);
        (void) sd_event_source_set_enabled(j->timeout, SD_EVENT_ONESHOT);
}

static void process(struct fl_source_journal *j) {
        int change = sd_journal_process(j->journal), r;

        if (change < 0)
                journal_debug(j, "journal: processing changes failed: %s", strerror(-change));
        else if (change == SD_JOURNAL_INVALIDATE) {
                /* Files were added, removed or rotated: seek back to where we
                 * are by cursor so nothing is skipped or repeated. */
                j->stats.invalidations++;
                r = reposition(j);
                if (r < 0)
                        journal_debug(j, "journal: cannot seek back: %s", strerror(-r));
        }
        if (change != SD_JOURNAL_NOP)
                kick(j);
        r = sd_journal_get_events(j->journal);
        if (r > 0)
                (void) sd_event_source_set_io_events(j->io, (uint32_t) r);
        rearm_timeout(j);
}

static int on_io(sd_event_source *es, int fd, uint32_t revents, void *userdata) {
        process(userdata);
        return 0;
}

static int on_timeout(sd_event_source *es, uint64_t usec, void *userdata) {
        process(userdata);
        return 0;
}

int fl_source_journal_set_matches(
        struct fl_source_journal *j, const struct fl_journal_match_group *groups, size_t n_groups) {
        struct match_set m;
        int r;

        if (!j || (n_groups > 0 && !groups))
                return -EINVAL;
        r = match_set_copy(groups, n_groups, &m);
        if (r < 0)
                return r;
        r = apply_matches(j->journal, &m);
        if (r < 0) {
                (void) apply_matches(j->journal, &j->matches);
                match_set_clear(&m);
                (void) reposition(j);
                return r;
        }
        match_set_clear(&j->matches);
        j->matches = m;
        r = reposition(j);
        kick(j);
        return r < 0 ? r : 0;
}

static int read_boot_id(const char *configured, sd_id128_t *ret_id, char ret[static 33]) {
        sd_id128_t id;
        int r;

        if (configured)
                r = sd_id128_from_string(configured, &id);
        else
                r = sd_id128_get_boot(&id);
        if (r < 0)
                return configured ? -EINVAL : r;
        sd_id128_to_string(id, ret);
        *ret_id = id;
        return 0;
}

int fl_source_journal_new(sd_event *event, const struct fl_journal_config *config,
        fl_event_fn callback, void *userdata, struct fl_source_journal **ret) {
        struct fl_source_journal *j;
        int fd, r;

        if (!event || !config || !ret)
                return -EINVAL;

        j = calloc(1, sizeof(*j));
        if (!j)
                return -ENOMEM;
        j->event = sd_event_ref(event);
        j->callback = callback;
        j->userdata = userdata;
        j->log = config->log;
        j->log_userdata = config->log_userdata;
        j->barrier = config->barrier;
        j->barrier_userdata = config->barrier_userdata;
        j->batch_max = config->batch_max ? config->batch_max : FL_JOURNAL_BATCH_DEFAULT;
        j->cursor_save_usec = config->cursor_save_usec ? config->cursor_save_usec
                                                       : FL_JOURNAL_CURSOR_SAVE_USEC_DEFAULT;
        j->cursor_saved_usec = now_usec(CLOCK_MONOTONIC);

        r = read_boot_id(config->boot_id, &j->boot, j->boot_id);
        if (r < 0)
                goto fail;
        for (int f = 0; f < _F_MAX; f++) {
                j->values[f] = malloc(
                        (f == F_MESSAGE ? FL_JOURNAL_MESSAGE_MAX : FL_JOURNAL_FIELD_MAX) + 1);
                if (!j->values[f]) {
                        r = -ENOMEM;
                        goto fail;
                }
        }

        if (config->state_dir) {
                r = fl_mkdir_p(config->state_dir, 0700);
                if (r < 0)
                        goto fail;
                if (asprintf(&j->cursor_path, "%s/journal.cursor", config->state_dir) < 0) {
                        j->cursor_path = NULL;
                        r = -ENOMEM;
                        goto fail;
                }
        }

        if (config->journal_directory) {
                j->directory = strdup(config->journal_directory);
                if (!j->directory) {
                        r = -ENOMEM;
                        goto fail;
                }
        }
        r = open_journal(j, &j->journal);
        if (r < 0)
                goto fail;

        /* Watch before reading, so nothing written in between is missed. */
        fd = sd_journal_get_fd(j->journal);
        if (fd < 0) {
                r = fd;
                goto fail;
        }
        r = sd_journal_get_events(j->journal);
        if (r < 0)
                goto fail;
        r = sd_event_add_io(event, &j->io, fd, (uint32_t) r, on_io, j);
        if (r < 0)
                goto fail;
        (void) sd_event_source_set_description(j->io, "journal-io");
        r = sd_event_add_time(event, &j->timeout, CLOCK_MONOTONIC, UINT64_MAX, 0, on_timeout, j);
        if (r < 0)
                goto fail;
        (void) sd_event_source_set_enabled(j->timeout, SD_EVENT_OFF);
        rearm_timeout(j);
        /* The drain is a timer that is always due rather than a defer
         * source: sd-event ranks a defer source as pending since its creation,
         * so it would win every iteration, while a due timer is pending since
         * the current one and queues behind every source already waiting. */
        r = sd_event_add_time(event, &j->drain, CLOCK_MONOTONIC, 0, 0, on_drain, j);
        if (r < 0)
                goto fail;
        (void) sd_event_source_set_description(j->drain, "journal-drain");

        r = load_cursor(j);
        if (r < 0) {
                if (r == -ENOMEM)
                        goto fail;
                j->stats.cursor_errors++;
                j->stats.last_cursor_error = r;
                journal_debug(j, "journal: ignoring saved cursor: %s", strerror(-r));
        }
        if (!j->cursor) {
                r = find_boot_start(j, config->journal_directory != NULL);
                if (r < 0)
                        goto fail;
        }
        r = apply_matches(j->journal, &j->matches);
        if (r < 0)
                goto fail;
        r = reposition(j);
        if (r < 0)
                goto fail;

        *ret = j;
        return 0;
fail:
        fl_source_journal_free(j);
        return r;
}

struct fl_source_journal *fl_source_journal_free(struct fl_source_journal *j) {
        if (!j)
                return NULL;
        if (j->journal)
                (void) save_cursor(j);
        j->io = sd_event_source_disable_unref(j->io);
        j->timeout = sd_event_source_disable_unref(j->timeout);
        j->drain = sd_event_source_disable_unref(j->drain);
        sd_journal_close(j->journal);
        match_set_clear(&j->matches);
        for (int f = 0; f < _F_MAX; f++)
                free(j->values[f]);
        free(j->cursor);
        free(j->cursor_path);
        free(j->directory);
        sd_event_unref(j->event);
        free(j);
        return NULL;
}

void fl_source_journal_get_stats(const struct fl_source_journal *j, struct fl_journal_stats *ret) {
        if (j && ret)
                *ret = j->stats;
}
