/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Outbox log format
 * =================
 *
 * The outbox is one append-only file, DIR/outbox.log, of framed records.
 * Appending a firing is one pwrite() and one fdatasync() (or, with group
 * commit, one pwrite() per firing and one fdatasync() for all the firings of
 * a loop iteration), so a firing is on disk before the agent makes any
 * network attempt, and a crash at any moment leaves at most one incomplete
 * record at the tail.
 *
 * Every record is a 16-byte header and a JSON payload:
 *
 *   offset  size  field
 *   0       4     magic "FLOB"
 *   4       1     type: 1 PUT, 2 DONE, 3 ATTEMPT, 4 COALESCE
 *   5       3     zero
 *   8       4     payload length N, little endian, at most 1 MiB
 *   12      4     CRC-32 (zlib) of bytes 4..11 followed by the payload
 *   16      N     payload
 *
 * Payloads:
 *   PUT       {"seq":7,"id":"3f2a...","rule":"disk-io-error","key":"sda",
 *              "created":1795717088000000,"body":"{...trigger JSON...}"}
 *             (a compacted PUT also carries "attempts", "last_attempt",
 *              "last_result" and "coalesced")
 *   DONE      {"seq":7,"outcome":"started"}
 *   ATTEMPT   {"seq":7,"at":1795717089000000,"result":"http 503"}
 *   COALESCE  {"seq":7,"n":1}
 *
 * Replaying the file in order gives the pending set: PUTs without a DONE,
 * the first one per id. Only PUT is synced. A lost DONE (a crash, or a full
 * disk refusing it) means one redelivery, which the coordinator answers
 * "duplicate"; a lost ATTEMPT or COALESCE only loses a statistic.
 *
 * Recovery: a record whose magic, length or CRC is wrong is either the torn
 * tail (no valid record follows: the file is cut there) or damage in the
 * middle (skipped up to the next valid record, and the file is compacted).
 * Both are reported to the caller, which tells the operator.
 *
 * The log is rewritten (compacted) through a temporary file and rename()
 * once most of it is dead, so it stays near the size of the pending set.
 * The writer's exclusive flock is on DIR/outbox.lock, not on the log, because
 * compaction replaces the log's inode.
 */
#include "outbox.h"

#include "hashmap.h"
#include "macro.h"

#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <zlib.h>

#define RECORD_MAGIC       "FLOB"
#define HEADER_BYTES       16
#define PAYLOAD_MAX        (1u << 20)
#define FILE_MAX           (1ull << 30)
#define DEFAULT_SOFT_LIMIT (16ull << 20)
#define COMPACT_MIN_BYTES  (256u << 10)

enum record_type {
        RECORD_PUT = 1,
        RECORD_DONE = 2,
        RECORD_ATTEMPT = 3,
        RECORD_COALESCE = 4,
};

struct outbox_item {
        struct fl_outbox_entry e;
        char *rule_key; /* "rule\nkey", for coalescing */
        uint64_t record_bytes;
};

struct fl_outbox {
        char *dir;
        char *log_path;
        int fd;
        int lock_fd;
        bool read_only;
        bool defer_sync;
        bool unsynced; /* written since the last fdatasync (defer_sync) */
        uint64_t soft_limit;
        uint64_t hard_limit;

        uint64_t file_bytes;
        uint64_t pending_bytes;
        uint64_t next_seq;

        struct outbox_item *items;
        size_t n_items;
        size_t allocated;
        struct fl_hashmap *by_id; /* id -> seq of the pending record */
};

static void item_done(struct outbox_item *it) {
        free(it->e.id);
        free(it->e.rule);
        free(it->e.key);
        free(it->e.body);
        free(it->e.last_result);
        free(it->rule_key);
}

struct fl_outbox *fl_outbox_free(struct fl_outbox *ob) {
        if (!ob)
                return NULL;
        /* A clean stop leaves nothing unsynced (best effort). */
        if (ob->unsynced && ob->fd >= 0)
                (void) fdatasync(ob->fd);
        for (size_t i = 0; i < ob->n_items; i++)
                item_done(&ob->items[i]);
        free(ob->items);
        fl_hashmap_free(ob->by_id, NULL);
        if (ob->fd >= 0)
                close(ob->fd);
        if (ob->lock_fd >= 0)
                close(ob->lock_fd);
        free(ob->dir);
        free(ob->log_path);
        free(ob);
        return NULL;
}

static void put_le32(uint8_t *p, uint32_t v) {
        p[0] = v & 0xff;
        p[1] = (v >> 8) & 0xff;
        p[2] = (v >> 16) & 0xff;
        p[3] = (v >> 24) & 0xff;
}

static uint32_t get_le32(const uint8_t *p) {
        return (uint32_t) p[0] | (uint32_t) p[1] << 8 | (uint32_t) p[2] << 16 |
               (uint32_t) p[3] << 24;
}

static uint32_t record_crc(const uint8_t *hdr, const uint8_t *payload, uint32_t len) {
        uLong crc = crc32(0L, Z_NULL, 0);
        crc = crc32(crc, hdr + 4, 8);
        crc = crc32(crc, payload, len);
        return (uint32_t) crc;
}

/* Binary search: items are kept in seq order. */
static struct outbox_item *find_item(const struct fl_outbox *ob, uint64_t seq, size_t *ret_idx) {
        size_t lo = 0, hi = ob->n_items;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                uint64_t s = ob->items[mid].e.seq;
                if (s == seq) {
                        if (ret_idx)
                                *ret_idx = mid;
                        return &ob->items[mid];
                }
                if (s < seq)
                        lo = mid + 1;
                else
                        hi = mid;
        }
        return NULL;
}

static const char *json_str(const json_t *o, const char *name) {
        return json_string_value(json_object_get(o, name));
}

static uint64_t json_u64(const json_t *o, const char *name) {
        json_int_t v = json_integer_value(json_object_get(o, name));
        return v > 0 ? (uint64_t) v : 0;
}

static int add_item(struct fl_outbox *ob, const json_t *p, uint64_t record_bytes) {
        const char *id = json_str(p, "id"), *rule = json_str(p, "rule"), *key = json_str(p, "key"),
                   *body = json_str(p, "body"), *last = json_str(p, "last_result");
        uint64_t seq = json_u64(p, "seq");
        struct outbox_item it = {};

        if (!id || !rule || !key || !body || seq == 0)
                return -EBADMSG;
        if (seq >= ob->next_seq)
                ob->next_seq = seq + 1;
        if (find_item(ob, seq, NULL))
                return 0; /* replayed twice: keep the first */
        /* The same firing again (its first DONE was lost to a full disk): one
         * pending record per id, the oldest. */
        if (fl_hashmap_get(ob->by_id, id))
                return 0;
        if (ob->n_items > 0 && seq < ob->items[ob->n_items - 1].e.seq)
                return -EBADMSG; /* PUTs are written in seq order */

        if (ob->n_items == ob->allocated) {
                size_t n = ob->allocated ? ob->allocated * 2 : 16;
                struct outbox_item *a = reallocarray(ob->items, n, sizeof(*a));
                if (!a)
                        return -ENOMEM;
                ob->items = a;
                ob->allocated = n;
        }

        it.e.seq = seq;
        it.e.id = strdup(id);
        it.e.rule = strdup(rule);
        it.e.key = strdup(key);
        it.e.body = strdup(body);
        it.e.last_result = last ? strdup(last) : NULL;
        it.e.created_usec = json_u64(p, "created");
        it.e.attempts = (uint32_t) json_u64(p, "attempts");
        it.e.last_attempt_usec = json_u64(p, "last_attempt");
        it.e.coalesced = json_u64(p, "coalesced");
        it.record_bytes = record_bytes;
        if (asprintf(&it.rule_key, "%s\n%s", rule, key) < 0)
                it.rule_key = NULL;
        if (!it.e.id || !it.e.rule || !it.e.key || !it.e.body || (last && !it.e.last_result) ||
                !it.rule_key) {
                item_done(&it);
                return -ENOMEM;
        }

        if (fl_hashmap_put(ob->by_id, it.e.id, (void *) (uintptr_t) seq, NULL) < 0) {
                item_done(&it);
                return -ENOMEM;
        }
        ob->items[ob->n_items++] = it;
        ob->pending_bytes += record_bytes;
        return 0;
}

static void remove_item(struct fl_outbox *ob, size_t idx) {
        struct outbox_item *it = &ob->items[idx];

        ob->pending_bytes -= it->record_bytes;
        if ((uintptr_t) fl_hashmap_get(ob->by_id, it->e.id) == it->e.seq)
                (void) fl_hashmap_remove(ob->by_id, it->e.id);
        item_done(it);
        memmove(it, it + 1, (ob->n_items - idx - 1) * sizeof(*it));
        ob->n_items--;
}

static int apply_record(struct fl_outbox *ob, uint8_t type, const uint8_t *payload, uint32_t len) {
        json_auto_t *p = json_loadb((const char *) payload, len, 0, NULL);
        struct outbox_item *it;
        size_t idx;
        uint64_t seq;

        if (!json_is_object(p))
                return -EBADMSG;
        seq = json_u64(p, "seq");

        switch (type) {
        case RECORD_PUT:
                return add_item(ob, p, HEADER_BYTES + (uint64_t) len);
        case RECORD_DONE:
                if (seq >= ob->next_seq)
                        ob->next_seq = seq + 1;
                if (find_item(ob, seq, &idx))
                        remove_item(ob, idx);
                return 0;
        case RECORD_ATTEMPT: {
                const char *result = json_str(p, "result");
                it = find_item(ob, seq, NULL);
                if (!it)
                        return 0;
                it->e.attempts++;
                it->e.last_attempt_usec = json_u64(p, "at");
                if (result) {
                        char *r = strdup(result);
                        if (!r)
                                return -ENOMEM;
                        free(it->e.last_result);
                        it->e.last_result = r;
                }
                return 0;
        }
        case RECORD_COALESCE:
                it = find_item(ob, seq, NULL);
                if (it)
                        it->e.coalesced += json_u64(p, "n");
                return 0;
        default:
                return -EBADMSG;
        }
}

/* Is there a complete, CRC-valid record at `pos`? Returns its total size or 0. */
static uint64_t valid_record_at(const uint8_t *data, uint64_t size, uint64_t pos) {
        const uint8_t *h = data + pos;
        uint32_t len;

        if (size - pos < HEADER_BYTES || memcmp(h, RECORD_MAGIC, 4) != 0)
                return 0;
        len = get_le32(h + 8);
        if (len > PAYLOAD_MAX || size - pos - HEADER_BYTES < len)
                return 0;
        if (h[5] || h[6] || h[7] || record_crc(h, h + HEADER_BYTES, len) != get_le32(h + 12))
                return 0;
        return HEADER_BYTES + (uint64_t) len;
}

static uint64_t next_valid_record(const uint8_t *data, uint64_t size, uint64_t from) {
        for (uint64_t p = from; p < size; p++) {
                const uint8_t *m = memmem(data + p, size - p, RECORD_MAGIC, 4);
                if (!m)
                        break;
                p = (uint64_t) (m - data);
                if (valid_record_at(data, size, p))
                        return p;
        }
        return size;
}

/* Replays `data`; returns the offset where valid data ends (the repair
 * point) and fills the recovery report. */
static int replay(struct fl_outbox *ob, const uint8_t *data, uint64_t size,
        struct fl_outbox_recovery *rec, uint64_t *ret_end) {
        uint64_t pos = 0;

        while (pos < size) {
                uint64_t n = valid_record_at(data, size, pos);
                if (n > 0) {
                        int r = apply_record(ob, data[pos + 4], data + pos + HEADER_BYTES,
                                (uint32_t) (n - HEADER_BYTES));
                        if (r == -ENOMEM)
                                return r;
                        if (r < 0) {
                                /* CRC-valid but meaningless: count it as damage. */
                                rec->corrupt_bytes += n;
                                rec->corrupt_regions++;
                        }
                        pos += n;
                        continue;
                }

                /* Damage or torn tail: a valid record further on means damage. */
                uint64_t next = next_valid_record(data, size, pos + 1);
                if (next >= size) {
                        rec->torn_tail_bytes = size - pos;
                        break;
                }
                rec->corrupt_bytes += next - pos;
                rec->corrupt_regions++;
                pos = next;
        }
        *ret_end = pos;
        return 0;
}

static int read_all(int fd, uint8_t **ret_data, uint64_t *ret_size) {
        struct stat st;
        _cleanup_free_ uint8_t *data = NULL;
        uint64_t got = 0;

        if (fstat(fd, &st) < 0)
                return -errno;
        if ((uint64_t) st.st_size > FILE_MAX)
                return -EFBIG;
        data = malloc(st.st_size ? (size_t) st.st_size : 1);
        if (!data)
                return -ENOMEM;
        while (got < (uint64_t) st.st_size) {
                ssize_t n = pread(fd, data + got, (size_t) st.st_size - got, (off_t) got);
                if (n < 0) {
                        if (errno == EINTR)
                                continue;
                        return -errno;
                }
                if (n == 0)
                        break; /* shrank under us (a reader racing compaction) */
                got += (uint64_t) n;
        }
        *ret_data = TAKE_PTR(data);
        *ret_size = got;
        return 0;
}

static int fsync_dir(const char *dir) {
        _cleanup_close_ int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

        if (fd < 0)
                return -errno;
        return fsync(fd) < 0 ? -errno : 0;
}

/* Writes one record at the end of the file; on any failure the file is cut
 * back so no partial record is left behind. */
static int write_record(int fd, uint64_t *file_bytes, uint8_t type, const json_t *payload,
        bool sync, uint64_t *ret_bytes) {
        _cleanup_free_ char *s = json_dumps(payload, JSON_COMPACT);
        _cleanup_free_ uint8_t *buf = NULL;
        size_t len, total;
        ssize_t n;

        if (!s)
                return -ENOMEM;
        len = strlen(s);
        if (len > PAYLOAD_MAX)
                return -E2BIG;
        total = HEADER_BYTES + len;
        buf = malloc(total);
        if (!buf)
                return -ENOMEM;
        memcpy(buf, RECORD_MAGIC, 4);
        buf[4] = type;
        buf[5] = buf[6] = buf[7] = 0;
        put_le32(buf + 8, (uint32_t) len);
        memcpy(buf + HEADER_BYTES, s, len);
        put_le32(buf + 12, record_crc(buf, buf + HEADER_BYTES, (uint32_t) len));

        do
                n = pwrite(fd, buf, total, (off_t) *file_bytes);
        while (n < 0 && errno == EINTR);
        if (n != (ssize_t) total) {
                int r = n < 0 ? -errno : -ENOSPC;
                (void) ftruncate(fd, (off_t) *file_bytes);
                return r;
        }
        if (sync && fdatasync(fd) < 0) {
                int r = -errno;
                (void) ftruncate(fd, (off_t) *file_bytes);
                return r;
        }
        *file_bytes += total;
        if (ret_bytes)
                *ret_bytes = total;
        return 0;
}

static json_t *put_payload(const struct outbox_item *it, bool with_state) {
        const struct fl_outbox_entry *e = &it->e;
        json_t *p = json_pack("{s:I,s:s,s:s,s:s,s:I,s:s}", "seq", (json_int_t) e->seq, "id", e->id,
                "rule", e->rule, "key", e->key, "created", (json_int_t) e->created_usec, "body",
                e->body);

        if (p && with_state) {
                if (e->attempts)
                        json_object_set_new(p, "attempts", json_integer(e->attempts));
                if (e->last_attempt_usec)
                        json_object_set_new(
                                p, "last_attempt", json_integer((json_int_t) e->last_attempt_usec));
                if (e->last_result)
                        json_object_set_new(p, "last_result", json_string(e->last_result));
                if (e->coalesced)
                        json_object_set_new(
                                p, "coalesced", json_integer((json_int_t) e->coalesced));
        }
        return p;
}

int fl_outbox_compact(struct fl_outbox *ob) {
        _cleanup_free_ char *tmp = NULL;
        _cleanup_free_ uint64_t *sizes = NULL;
        _cleanup_close_ int fd = -EBADF;
        uint64_t bytes = 0;
        int r;

        if (ob->read_only)
                return -EROFS;
        if (asprintf(&tmp, "%s/outbox.log.tmp", ob->dir) < 0)
                return -ENOMEM;
        sizes = calloc(ob->n_items + 1, sizeof(*sizes));
        if (!sizes)
                return -ENOMEM;
        fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
        if (fd < 0)
                return -errno;

        for (size_t i = 0; i < ob->n_items; i++) {
                json_auto_t *p = put_payload(&ob->items[i], true);
                if (!p) {
                        r = -ENOMEM;
                        goto fail;
                }
                r = write_record(fd, &bytes, RECORD_PUT, p, false, &sizes[i]);
                if (r < 0)
                        goto fail;
        }
        if (fsync(fd) < 0 || rename(tmp, ob->log_path) < 0) {
                r = -errno;
                goto fail;
        }
        (void) fsync_dir(ob->dir);

        close(ob->fd);
        ob->fd = TAKE_FD(fd);
        ob->unsynced = false;
        ob->file_bytes = bytes;
        ob->pending_bytes = bytes;
        for (size_t i = 0; i < ob->n_items; i++)
                ob->items[i].record_bytes = sizes[i];
        return 0;
fail:
        (void) unlink(tmp);
        return r;
}

static int maybe_compact(struct fl_outbox *ob) {
        if (ob->file_bytes < COMPACT_MIN_BYTES || ob->pending_bytes * 2 > ob->file_bytes)
                return 0;
        return fl_outbox_compact(ob);
}

int fl_outbox_open(const char *dir, const struct fl_outbox_options *opts, struct fl_outbox **ret,
        struct fl_outbox_recovery *ret_recovery) {
        _cleanup_(fl_outbox_freep) struct fl_outbox *ob = NULL;
        struct fl_outbox_recovery rec = {};
        _cleanup_free_ uint8_t *data = NULL;
        _cleanup_free_ char *lock_path = NULL;
        uint64_t size = 0, end = 0;
        int r;

        ob = calloc(1, sizeof(*ob));
        if (!ob)
                return -ENOMEM;
        ob->fd = ob->lock_fd = -EBADF;
        ob->read_only = opts && opts->read_only;
        ob->defer_sync = opts && opts->defer_sync;
        ob->soft_limit =
                opts && opts->soft_limit_bytes ? opts->soft_limit_bytes : DEFAULT_SOFT_LIMIT;
        ob->hard_limit =
                opts && opts->hard_limit_bytes ? opts->hard_limit_bytes : ob->soft_limit * 4;
        ob->next_seq = 1;
        ob->dir = strdup(dir);
        ob->by_id = fl_hashmap_new();
        if (!ob->dir || !ob->by_id || asprintf(&ob->log_path, "%s/outbox.log", dir) < 0 ||
                asprintf(&lock_path, "%s/outbox.lock", dir) < 0)
                return -ENOMEM;

        if (ob->read_only) {
                ob->fd = open(ob->log_path, O_RDONLY | O_CLOEXEC);
                if (ob->fd < 0 && errno != ENOENT)
                        return -errno;
                if (ob->fd < 0) { /* nothing was ever spooled */
                        if (ret_recovery)
                                *ret_recovery = rec;
                        *ret = TAKE_PTR(ob);
                        return 0;
                }
        } else {
                ob->lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
                if (ob->lock_fd < 0)
                        return -errno;
                if (flock(ob->lock_fd, LOCK_EX | LOCK_NB) < 0)
                        return -errno;
                ob->fd = open(ob->log_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
                if (ob->fd < 0)
                        return -errno;
        }

        r = read_all(ob->fd, &data, &size);
        if (r < 0)
                return r;
        r = replay(ob, data, size, &rec, &end);
        if (r < 0)
                return r;
        ob->file_bytes = end;

        if (!ob->read_only) {
                if (end < size) {
                        if (ftruncate(ob->fd, (off_t) end) < 0 || fsync(ob->fd) < 0)
                                return -errno;
                }
                if (rec.corrupt_regions > 0) {
                        r = fl_outbox_compact(ob);
                        if (r < 0)
                                return r;
                } else if (size == 0) {
                        (void) fsync_dir(dir); /* the log's directory entry is durable */
                }
        }

        if (ret_recovery)
                *ret_recovery = rec;
        *ret = TAKE_PTR(ob);
        return 0;
}

static struct outbox_item *find_id(const struct fl_outbox *ob, const char *id) {
        uintptr_t seq = (uintptr_t) fl_hashmap_get(ob->by_id, id);
        return seq ? find_item(ob, seq, NULL) : NULL;
}

static struct outbox_item *find_rule_key(
        const struct fl_outbox *ob, const char *rule, const char *key) {
        size_t lr = strlen(rule);

        /* Newest first: the record most likely still waiting. */
        for (size_t i = ob->n_items; i > 0; i--) {
                const char *rk = ob->items[i - 1].rule_key;
                if (strncmp(rk, rule, lr) == 0 && rk[lr] == '\n' && strcmp(rk + lr + 1, key) == 0)
                        return &ob->items[i - 1];
        }
        return NULL;
}

int fl_outbox_append(struct fl_outbox *ob, const char *id, const char *rule, const char *key,
        const char *body, uint64_t now_usec, uint64_t *ret_seq) {
        struct outbox_item tmp = {}, *it;
        json_auto_t *p = NULL;
        uint64_t bytes;
        int r;

        if (ob->read_only)
                return -EROFS;
        if (!id || !*id || !rule || !key || !body)
                return -EINVAL;

        it = find_id(ob, id);
        if (it) {
                if (ret_seq)
                        *ret_seq = it->e.seq;
                return FL_OUTBOX_EXISTS;
        }

        if (ob->pending_bytes >= ob->soft_limit) {
                it = find_rule_key(ob, rule, key);
                if (it) {
                        json_auto_t *c =
                                json_pack("{s:I,s:i}", "seq", (json_int_t) it->e.seq, "n", 1);
                        if (!c)
                                return -ENOMEM;
                        r = write_record(
                                ob->fd, &ob->file_bytes, RECORD_COALESCE, c, !ob->defer_sync, NULL);
                        if (r < 0)
                                return r;
                        ob->unsynced |= ob->defer_sync;
                        it->e.coalesced++;
                        if (ret_seq)
                                *ret_seq = it->e.seq;
                        return FL_OUTBOX_COALESCED;
                }
                if (ob->pending_bytes >= ob->hard_limit)
                        return -ENOBUFS;
        }

        /* Build the payload through the same path replay uses. */
        tmp.e.seq = ob->next_seq;
        tmp.e.id = (char *) id;
        tmp.e.rule = (char *) rule;
        tmp.e.key = (char *) key;
        tmp.e.body = (char *) body;
        tmp.e.created_usec = now_usec;
        p = put_payload(&tmp, false);
        if (!p)
                return -ENOMEM;

        r = write_record(ob->fd, &ob->file_bytes, RECORD_PUT, p, !ob->defer_sync, &bytes);
        if (r < 0)
                return r;
        ob->unsynced |= ob->defer_sync;
        r = add_item(ob, p, bytes);
        if (r < 0)
                return r;
        if (ret_seq)
                *ret_seq = tmp.e.seq;
        return FL_OUTBOX_APPENDED;
}

int fl_outbox_complete(struct fl_outbox *ob, uint64_t seq, const char *outcome) {
        json_auto_t *p = NULL;
        size_t idx;
        int r;

        if (ob->read_only)
                return -EROFS;
        if (!find_item(ob, seq, &idx))
                return -ENOENT;
        p = json_pack("{s:I,s:s}", "seq", (json_int_t) seq, "outcome", outcome ? outcome : "");
        r = p ? write_record(ob->fd, &ob->file_bytes, RECORD_DONE, p, false, NULL) : -ENOMEM;
        /* The coordinator decided: the record leaves the pending set even
         * when its DONE could not be written (full disk). The log then still
         * holds it, so the next start offers it once more and the
         * coordinator answers "duplicate"; a later compaction drops it. */
        remove_item(ob, idx);
        if (r < 0)
                return r;
        (void) maybe_compact(ob); /* best effort: a failed compaction leaves a valid log */
        return 0;
}

int fl_outbox_note_attempt(
        struct fl_outbox *ob, uint64_t seq, uint64_t now_usec, const char *result) {
        json_auto_t *p = NULL;
        struct outbox_item *it;
        char *copy = NULL;
        int r;

        if (ob->read_only)
                return -EROFS;
        it = find_item(ob, seq, NULL);
        if (!it)
                return -ENOENT;
        if (result) {
                copy = strdup(result);
                if (!copy)
                        return -ENOMEM;
        }
        p = json_pack("{s:I,s:I,s:s}", "seq", (json_int_t) seq, "at", (json_int_t) now_usec,
                "result", result ? result : "");
        if (!p) {
                free(copy);
                return -ENOMEM;
        }
        r = write_record(ob->fd, &ob->file_bytes, RECORD_ATTEMPT, p, false, NULL);
        if (r < 0) {
                free(copy);
                return r;
        }
        it->e.attempts++;
        it->e.last_attempt_usec = now_usec;
        if (copy) {
                free(it->e.last_result);
                it->e.last_result = copy;
        }
        return 0;
}

int fl_outbox_sync(struct fl_outbox *ob) {
        int r;

        if (!ob->unsynced)
                return 0;
        if (fdatasync(ob->fd) >= 0) {
                ob->unsynced = false;
                return 0;
        }
        /* After a failed fdatasync() the kernel may have dropped the dirty
         * pages: rewrite what must be there. */
        r = -errno;
        if (fl_outbox_compact(ob) >= 0)
                return 0;
        return r;
}

bool fl_outbox_unsynced(const struct fl_outbox *ob) {
        return ob->unsynced;
}

size_t fl_outbox_pending(const struct fl_outbox *ob) {
        return ob->n_items;
}

const struct fl_outbox_entry *fl_outbox_get(const struct fl_outbox *ob, size_t i) {
        return i < ob->n_items ? &ob->items[i].e : NULL;
}

const struct fl_outbox_entry *fl_outbox_find(const struct fl_outbox *ob, uint64_t seq) {
        struct outbox_item *it = find_item(ob, seq, NULL);
        return it ? &it->e : NULL;
}

uint64_t fl_outbox_file_bytes(const struct fl_outbox *ob) {
        return ob->file_bytes;
}

uint64_t fl_outbox_pending_bytes(const struct fl_outbox *ob) {
        return ob->pending_bytes;
}
