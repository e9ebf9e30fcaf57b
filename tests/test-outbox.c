/* SPDX-License-Identifier: Apache-2.0 */
#include "fl_test.h"
#include "idempotency.h"
#include "macro.h"
#include "outbox.h"

#include <fcntl.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>

struct fixture {
        char *dir;
        char *log;
};

static int setup(void **state) {
        struct fixture *f = calloc(1, sizeof(*f));
        f->dir = fl_test_mkdtemp();
        assert_true(asprintf(&f->log, "%s/outbox.log", f->dir) > 0);
        *state = f;
        return 0;
}

static int teardown(void **state) {
        struct fixture *f = *state;
        fl_test_rm_rf(f->dir);
        free(f->dir);
        free(f->log);
        free(f);
        return 0;
}

static struct fl_outbox *open_ok(
        const char *dir, const struct fl_outbox_options *o, struct fl_outbox_recovery *rec) {
        struct fl_outbox *ob = NULL;
        assert_int_equal(fl_outbox_open(dir, o, &ob, rec), 0);
        assert_non_null(ob);
        return ob;
}

static uint64_t append_ok(struct fl_outbox *ob, const char *id, const char *key) {
        uint64_t seq = 0;
        assert_int_equal(fl_outbox_append(ob, id, "rule-a", key, "{\"node\":\"n1\"}", 1000, &seq),
                FL_OUTBOX_APPENDED);
        return seq;
}

static off_t file_size(const char *path) {
        struct stat st;
        assert_int_equal(stat(path, &st), 0);
        return st.st_size;
}

static void test_append_reopen_complete(void **state) {
        struct fixture *f = *state;
        struct fl_outbox *ob = open_ok(f->dir, NULL, NULL);
        uint64_t s1 = append_ok(ob, "id-000001", "k1");
        uint64_t s2 = append_ok(ob, "id-000002", "k2");

        assert_int_equal(s2, s1 + 1);
        assert_int_equal(fl_outbox_pending(ob), 2);
        fl_outbox_free(ob);

        ob = open_ok(f->dir, NULL, NULL);
        assert_int_equal(fl_outbox_pending(ob), 2);
        const struct fl_outbox_entry *e = fl_outbox_get(ob, 0);
        assert_string_equal(e->id, "id-000001");
        assert_string_equal(e->rule, "rule-a");
        assert_string_equal(e->key, "k1");
        assert_string_equal(e->body, "{\"node\":\"n1\"}");
        assert_int_equal(e->created_usec, 1000);
        assert_int_equal(fl_outbox_complete(ob, s1, "started"), 0);
        assert_int_equal(fl_outbox_complete(ob, s1, "started"), -ENOENT);
        fl_outbox_free(ob);

        ob = open_ok(f->dir, NULL, NULL);
        assert_int_equal(fl_outbox_pending(ob), 1);
        assert_string_equal(fl_outbox_get(ob, 0)->id, "id-000002");
        /* New records never reuse a sequence number still in the file. */
        assert_true(append_ok(ob, "id-000003", "k3") > s2);
        fl_outbox_free(ob);
}

static void test_duplicate_id(void **state) {
        struct fixture *f = *state;
        struct fl_outbox *ob = open_ok(f->dir, NULL, NULL);
        uint64_t s1 = append_ok(ob, "id-dup-0001", "k"), s = 0;

        assert_int_equal(
                fl_outbox_append(ob, "id-dup-0001", "rule-a", "k", "{}", 2, &s), FL_OUTBOX_EXISTS);
        assert_int_equal(s, s1);
        assert_int_equal(fl_outbox_pending(ob), 1);
        assert_int_equal(fl_outbox_append(ob, "", "r", "k", "{}", 2, &s), -EINVAL);
        fl_outbox_free(ob);
}

static void test_torn_tail(void **state) {
        struct fixture *f = *state;
        struct fl_outbox_recovery rec = {};
        struct fl_outbox *ob = open_ok(f->dir, NULL, NULL);
        off_t good;

        append_ok(ob, "id-torn-01", "k1");
        append_ok(ob, "id-torn-02", "k2");
        good = file_size(f->log);
        append_ok(ob, "id-torn-03", "k3");
        fl_outbox_free(ob);

        /* Cut the last record in the middle, as a crash during write would. */
        assert_int_equal(truncate(f->log, file_size(f->log) - 5), 0);
        off_t torn = file_size(f->log);

        ob = open_ok(f->dir, NULL, &rec);
        assert_int_equal(fl_outbox_pending(ob), 2);
        assert_int_equal(rec.torn_tail_bytes, torn - good);
        assert_int_equal(rec.corrupt_regions, 0);
        assert_int_equal(file_size(f->log), good);
        append_ok(ob, "id-torn-04", "k4");
        fl_outbox_free(ob);

        ob = open_ok(f->dir, NULL, &rec);
        assert_int_equal(fl_outbox_pending(ob), 3);
        assert_int_equal(rec.torn_tail_bytes, 0);
        fl_outbox_free(ob);
}

static void test_corrupt_middle(void **state) {
        struct fixture *f = *state;
        struct fl_outbox_recovery rec = {};
        struct fl_outbox *ob = open_ok(f->dir, NULL, NULL);
        off_t first;
        int fd;
        char c;

        append_ok(ob, "id-corr-01", "k1");
        first = file_size(f->log);
        append_ok(ob, "id-corr-02", "k2");
        append_ok(ob, "id-corr-03", "k3");
        fl_outbox_free(ob);

        /* Flip one payload byte of the second record. */
        fd = open(f->log, O_RDWR);
        assert_true(fd >= 0);
        assert_int_equal(pread(fd, &c, 1, first + 20), 1);
        c ^= 0x20;
        assert_int_equal(pwrite(fd, &c, 1, first + 20), 1);
        close(fd);

        ob = open_ok(f->dir, NULL, &rec);
        assert_int_equal(fl_outbox_pending(ob), 2);
        assert_string_equal(fl_outbox_get(ob, 0)->id, "id-corr-01");
        assert_string_equal(fl_outbox_get(ob, 1)->id, "id-corr-03");
        assert_int_equal(rec.corrupt_regions, 1);
        assert_true(rec.corrupt_bytes > 0);
        assert_int_equal(rec.torn_tail_bytes, 0);
        fl_outbox_free(ob);

        /* Opening compacted the damage away. */
        ob = open_ok(f->dir, NULL, &rec);
        assert_int_equal(rec.corrupt_regions, 0);
        assert_int_equal(fl_outbox_pending(ob), 2);
        fl_outbox_free(ob);
}

static void test_garbage_file(void **state) {
        struct fixture *f = *state;
        struct fl_outbox_recovery rec = {};
        const char *text = "this is not an outbox at all, just text that happens to be here\n";
        _cleanup_free_ _unused_ char *p = fl_test_write_file(f->dir, "outbox.log", text);
        struct fl_outbox *ob = open_ok(f->dir, NULL, &rec);

        assert_int_equal(fl_outbox_pending(ob), 0);
        assert_int_equal(rec.torn_tail_bytes, strlen(text));
        assert_int_equal(file_size(f->log), 0);
        fl_outbox_free(ob);
}

static void test_coalesce_and_limits(void **state) {
        struct fixture *f = *state;
        struct fl_outbox_options o = {.soft_limit_bytes = 300, .hard_limit_bytes = 600};
        struct fl_outbox *ob = open_ok(f->dir, &o, NULL);
        uint64_t s1, s = 0;
        char id[32];
        int r, appended = 0;

        s1 = append_ok(ob, "id-lim-0000", "dimm0");
        append_ok(ob, "id-lim-0001", "dimm1");
        append_ok(ob, "id-lim-0002", "dimm2");
        assert_true(fl_outbox_pending_bytes(ob) >= 300);

        /* Over the soft limit, the same rule and key fold into the pending record. */
        assert_int_equal(fl_outbox_append(ob, "id-lim-0100", "rule-a", "dimm0", "{}", 5, &s),
                FL_OUTBOX_COALESCED);
        assert_int_equal(s, s1);
        assert_int_equal(fl_outbox_find(ob, s1)->coalesced, 1);

        /* Other keys still go in until the hard limit, then are refused loudly. */
        for (int i = 0; i < 20; i++) {
                snprintf(id, sizeof(id), "id-lim-1%03d", i);
                char key[16];
                snprintf(key, sizeof(key), "other%d", i);
                r = fl_outbox_append(ob, id, "rule-a", key, "{}", 5, &s);
                if (r == -ENOBUFS)
                        break;
                assert_int_equal(r, FL_OUTBOX_APPENDED);
                appended++;
        }
        assert_int_equal(r, -ENOBUFS);
        assert_true(appended > 0);
        assert_true(fl_outbox_pending_bytes(ob) >= 600);
        fl_outbox_free(ob);

        ob = open_ok(f->dir, &o, NULL);
        assert_int_equal(fl_outbox_find(ob, s1)->coalesced, 1);
        fl_outbox_free(ob);
}

static void test_attempts_persist(void **state) {
        struct fixture *f = *state;
        struct fl_outbox *ob = open_ok(f->dir, NULL, NULL);
        uint64_t s = append_ok(ob, "id-att-0001", "k");

        assert_int_equal(fl_outbox_note_attempt(ob, s, 2000, "http 503"), 0);
        assert_int_equal(fl_outbox_note_attempt(ob, s, 3000, "connect: Connection refused"), 0);
        assert_int_equal(fl_outbox_note_attempt(ob, 999, 3000, "x"), -ENOENT);
        fl_outbox_free(ob);

        ob = open_ok(f->dir, NULL, NULL);
        const struct fl_outbox_entry *e = fl_outbox_find(ob, s);
        assert_non_null(e);
        assert_int_equal(e->attempts, 2);
        assert_int_equal(e->last_attempt_usec, 3000);
        assert_string_equal(e->last_result, "connect: Connection refused");
        /* Compaction keeps the statistics. */
        assert_int_equal(fl_outbox_compact(ob), 0);
        fl_outbox_free(ob);
        ob = open_ok(f->dir, NULL, NULL);
        e = fl_outbox_find(ob, s);
        assert_int_equal(e->attempts, 2);
        assert_string_equal(e->last_result, "connect: Connection refused");
        fl_outbox_free(ob);
}

static void test_lock_and_reader(void **state) {
        struct fixture *f = *state;
        struct fl_outbox_options ro = {.read_only = true};
        struct fl_outbox *ob = open_ok(f->dir, NULL, NULL), *other = NULL, *reader;

        append_ok(ob, "id-lock-001", "k");
        assert_int_equal(fl_outbox_open(f->dir, NULL, &other, NULL), -EWOULDBLOCK);
        assert_null(other);

        reader = open_ok(f->dir, &ro, NULL);
        assert_int_equal(fl_outbox_pending(reader), 1);
        assert_int_equal(fl_outbox_append(reader, "x-000000001", "r", "k", "{}", 1, NULL), -EROFS);
        fl_outbox_free(reader);
        fl_outbox_free(ob);
}

static void test_reader_missing_dir_file(void **state) {
        struct fixture *f = *state;
        struct fl_outbox_options ro = {.read_only = true};
        struct fl_outbox *reader = open_ok(f->dir, &ro, NULL);

        assert_int_equal(fl_outbox_pending(reader), 0);
        fl_outbox_free(reader);
}

static void test_compaction_bounds_file(void **state) {
        struct fixture *f = *state;
        struct fl_outbox *ob = open_ok(f->dir, NULL, NULL);
        char id[32];

        for (int i = 0; i < 3000; i++) {
                snprintf(id, sizeof(id), "id-cmp-%05d", i);
                uint64_t s = append_ok(ob, id, "k");
                if (i % 10 != 0)
                        assert_int_equal(fl_outbox_complete(ob, s, "started"), 0);
        }
        /* 300 pending records stay; the file stays near their size. */
        assert_int_equal(fl_outbox_pending(ob), 300);
        assert_true(fl_outbox_file_bytes(ob) < 3 * fl_outbox_pending_bytes(ob) + (256u << 10));
        fl_outbox_free(ob);

        ob = open_ok(f->dir, NULL, NULL);
        assert_int_equal(fl_outbox_pending(ob), 300);
        assert_string_equal(fl_outbox_get(ob, 299)->id, "id-cmp-02990");
        fl_outbox_free(ob);
}

static void test_write_failure_leaves_no_torn_record(void **state) {
        struct fixture *f = *state;
        struct fl_outbox_recovery rec = {};
        struct fl_outbox *ob = open_ok(f->dir, NULL, NULL);
        struct rlimit old, lim;
        off_t before;
        int r;

        append_ok(ob, "id-full-001", "k");
        before = file_size(f->log);

        /* A file size limit makes the kernel refuse the write like a full disk. */
        signal(SIGXFSZ, SIG_IGN);
        assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
        lim = old;
        lim.rlim_cur = (rlim_t) before + 10;
        assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
        r = fl_outbox_append(ob, "id-full-002", "rule-a", "k2", "{\"node\":\"n1\"}", 1, NULL);
        assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
        signal(SIGXFSZ, SIG_DFL);

        assert_true(r == -EFBIG || r == -ENOSPC);
        assert_int_equal(file_size(f->log), before);
        assert_int_equal(fl_outbox_pending(ob), 1);
        append_ok(ob, "id-full-003", "k3");
        fl_outbox_free(ob);

        ob = open_ok(f->dir, NULL, &rec);
        assert_int_equal(rec.torn_tail_bytes, 0);
        assert_int_equal(fl_outbox_pending(ob), 2);
        fl_outbox_free(ob);
}

/* A DONE the disk refuses still takes the record out of the pending set
 * (the coordinator decided); the log keeps it, so a restart offers it once
 * more, and the same firing appended again meanwhile stays one record. */
static void test_complete_on_full_disk(void **state) {
        struct fixture *f = *state;
        struct fl_outbox *ob = open_ok(f->dir, NULL, NULL);
        struct rlimit old, lim;
        uint64_t s1, s2, s = 0;
        off_t before;
        int r;

        s1 = append_ok(ob, "id-done-001", "k1");
        s2 = append_ok(ob, "id-done-002", "k2");
        before = file_size(f->log);

        signal(SIGXFSZ, SIG_IGN);
        assert_int_equal(getrlimit(RLIMIT_FSIZE, &old), 0);
        lim = old;
        lim.rlim_cur = (rlim_t) before + 4;
        assert_int_equal(setrlimit(RLIMIT_FSIZE, &lim), 0);
        r = fl_outbox_complete(ob, s1, "started");
        assert_int_equal(setrlimit(RLIMIT_FSIZE, &old), 0);
        signal(SIGXFSZ, SIG_DFL);

        assert_true(r == -EFBIG || r == -ENOSPC);
        assert_int_equal(file_size(f->log), before);
        assert_int_equal(fl_outbox_pending(ob), 1);
        assert_null(fl_outbox_find(ob, s1));
        assert_int_equal(fl_outbox_complete(ob, s1, "started"), -ENOENT);
        /* The same firing again (re-read after a crash): a new record. */
        s = append_ok(ob, "id-done-001", "k1");
        assert_true(s > s2);
        fl_outbox_free(ob);

        /* Both PUTs of id-done-001 are in the log: one pending record. */
        ob = open_ok(f->dir, NULL, NULL);
        assert_int_equal(fl_outbox_pending(ob), 2);
        assert_string_equal(fl_outbox_get(ob, 0)->id, "id-done-001");
        assert_string_equal(fl_outbox_get(ob, 1)->id, "id-done-002");
        assert_int_equal(
                fl_outbox_append(ob, "id-done-001", "rule-a", "k1", "{}", 2, &s), FL_OUTBOX_EXISTS);
        assert_int_equal(s, s1);
        assert_int_equal(fl_outbox_complete(ob, s1, "duplicate"), 0);
        assert_int_equal(fl_outbox_append(ob, "id-done-003", "rule-a", "k3", "{}", 2, &s),
                FL_OUTBOX_APPENDED);
        fl_outbox_free(ob);

        ob = open_ok(f->dir, NULL, NULL);
        assert_int_equal(fl_outbox_pending(ob), 2);
        assert_string_equal(fl_outbox_get(ob, 0)->id, "id-done-002");
        assert_string_equal(fl_outbox_get(ob, 1)->id, "id-done-003");
        fl_outbox_free(ob);
}

/* Group commit: appends are written at once (a reader sees them) and made
 * durable together by fl_outbox_sync(); closing syncs what is left. */
static void test_group_sync(void **state) {
        struct fixture *f = *state;
        struct fl_outbox_options o = {.defer_sync = true, .soft_limit_bytes = 200};
        struct fl_outbox_options ro = {.read_only = true};
        struct fl_outbox *ob = open_ok(f->dir, &o, NULL), *reader;
        uint64_t s = 0;

        assert_false(fl_outbox_unsynced(ob));
        assert_int_equal(fl_outbox_sync(ob), 0);
        append_ok(ob, "id-group-01", "k1");
        append_ok(ob, "id-group-02", "k2");
        assert_true(fl_outbox_unsynced(ob));
        reader = open_ok(f->dir, &ro, NULL);
        assert_int_equal(fl_outbox_pending(reader), 2);
        fl_outbox_free(reader);
        assert_int_equal(fl_outbox_sync(ob), 0);
        assert_false(fl_outbox_unsynced(ob));

        /* Coalescing (over the soft limit) also waits for the sync. */
        assert_int_equal(fl_outbox_append(ob, "id-group-03", "rule-a", "k1", "{}", 5, &s),
                FL_OUTBOX_COALESCED);
        assert_true(fl_outbox_unsynced(ob));
        assert_int_equal(fl_outbox_sync(ob), 0);
        /* DONE and ATTEMPT records never needed a sync. */
        assert_int_equal(fl_outbox_note_attempt(ob, s, 9, "http 503"), 0);
        assert_int_equal(fl_outbox_complete(ob, s, "started"), 0);
        assert_false(fl_outbox_unsynced(ob));
        append_ok(ob, "id-group-04", "k4");
        assert_true(fl_outbox_compact(ob) == 0);
        assert_false(fl_outbox_unsynced(ob));
        append_ok(ob, "id-group-05", "k5");
        fl_outbox_free(ob); /* syncs */

        ob = open_ok(f->dir, NULL, NULL);
        assert_int_equal(fl_outbox_pending(ob), 3);
        assert_false(fl_outbox_unsynced(ob));
        fl_outbox_free(ob);
}

static void test_unwritable_dir(void **state) {
        struct fl_outbox *ob = NULL;

        assert_int_equal(fl_outbox_open("/proc/self/nonexistent-dir", NULL, &ob, NULL), -ENOENT);
        assert_null(ob);
}

/* A child appends records and reports each seq once append returned; it is
 * SIGKILLed at a random moment. Every reported record must survive, and the
 * log must open cleanly (a torn tail at most). */
static void test_sigkill_loop(void **state) {
        struct fixture *f = *state;
        unsigned seed = (unsigned) getpid();

        for (int round = 0; round < 20; round++) {
                int pfd[2];
                pid_t pid;

                assert_int_equal(pipe(pfd), 0);
                pid = fork();
                assert_true(pid >= 0);
                if (pid == 0) {
                        struct fl_outbox *ob = NULL;
                        close(pfd[0]);
                        if (fl_outbox_open(f->dir, NULL, &ob, NULL) < 0)
                                _exit(3);
                        for (int i = 0;; i++) {
                                char id[48];
                                uint64_t s;
                                snprintf(id, sizeof(id), "id-kill-%02d-%06d", round, i);
                                if (fl_outbox_append(ob, id, "r", "k", "{\"x\":1}", 1, &s) != 0)
                                        _exit(4);
                                if (write(pfd[1], id, sizeof(id)) != sizeof(id))
                                        _exit(5);
                                if (i % 3 == 0)
                                        (void) fl_outbox_complete(ob, s, "started");
                        }
                }
                close(pfd[1]);
                /* Wait for the first acknowledged append, then kill at a random point. */
                char first[48];
                assert_int_equal(read(pfd[0], first, sizeof(first)), sizeof(first));
                usleep(rand_r(&seed) % 20000);
                kill(pid, SIGKILL);
                assert_int_equal(waitpid(pid, NULL, 0), pid);

                /* Collect the ids whose append had returned. */
                struct fl_outbox_recovery rec = {};
                struct fl_outbox *ob = open_ok(f->dir, NULL, &rec);
                char id[48];
                int acknowledged = 0, i = 0;
                memcpy(id, first, sizeof(id));
                do {
                        acknowledged++;
                        bool found = false;
                        for (size_t j = 0; j < fl_outbox_pending(ob) && !found; j++)
                                found = strcmp(fl_outbox_get(ob, j)->id, id) == 0;
                        /* Every third one was completed: it may or may not be gone. */
                        if (i % 3 != 0 && !found)
                                fail_msg("record %s lost after SIGKILL", id);
                        i++;
                } while (read(pfd[0], id, sizeof(id)) == sizeof(id));
                close(pfd[0]);
                assert_int_equal(rec.corrupt_regions, 0);
                assert_true(acknowledged > 0);
                fl_outbox_free(ob);
        }
}

static void test_idempotency_key(void **state) {
        char a[FL_IDEMPOTENCY_KEY_LEN + 1], b[FL_IDEMPOTENCY_KEY_LEN + 1];

        assert_int_equal(fl_idempotency_key("n1", "rule", "sda", "cursor=1", a), 0);
        assert_int_equal(fl_idempotency_key("n1", "rule", "sda", "cursor=1", b), 0);
        assert_string_equal(a, b);
        assert_int_equal(strlen(a), FL_IDEMPOTENCY_KEY_LEN);
        assert_true(fl_idempotency_key_valid(a));
        /* Separators keep shifted boundaries apart. */
        assert_int_equal(fl_idempotency_key("n1", "rul", "esda", "cursor=1", b), 0);
        assert_string_not_equal(a, b);
        assert_int_equal(fl_idempotency_key("n1", "rule", "sda", "cursor=2", b), 0);
        assert_string_not_equal(a, b);
        assert_int_equal(fl_idempotency_key(NULL, "rule", "sda", "c", b), -EINVAL);

        assert_false(fl_idempotency_key_valid("short"));
        assert_false(fl_idempotency_key_valid("has space in it"));
        assert_false(fl_idempotency_key_valid(NULL));
        assert_true(fl_idempotency_key_valid("retry-of-job_42.x"));
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_append_reopen_complete, setup, teardown),
                cmocka_unit_test_setup_teardown(test_duplicate_id, setup, teardown),
                cmocka_unit_test_setup_teardown(test_torn_tail, setup, teardown),
                cmocka_unit_test_setup_teardown(test_corrupt_middle, setup, teardown),
                cmocka_unit_test_setup_teardown(test_garbage_file, setup, teardown),
                cmocka_unit_test_setup_teardown(test_coalesce_and_limits, setup, teardown),
                cmocka_unit_test_setup_teardown(test_attempts_persist, setup, teardown),
                cmocka_unit_test_setup_teardown(test_lock_and_reader, setup, teardown),
                cmocka_unit_test_setup_teardown(test_reader_missing_dir_file, setup, teardown),
                cmocka_unit_test_setup_teardown(test_compaction_bounds_file, setup, teardown),
                cmocka_unit_test_setup_teardown(
                        test_write_failure_leaves_no_torn_record, setup, teardown),
                cmocka_unit_test_setup_teardown(test_complete_on_full_disk, setup, teardown),
                cmocka_unit_test_setup_teardown(test_group_sync, setup, teardown),
                cmocka_unit_test(test_unwritable_dir),
                cmocka_unit_test_setup_teardown(test_sigkill_loop, setup, teardown),
                cmocka_unit_test(test_idempotency_key),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
