/* SPDX-License-Identifier: Apache-2.0 */
/* faultlinectl outbox as a command: the table and --json for an outbox
 * written through lib/outbox (while that writer still holds its lock, as a
 * running agent does), an empty outbox, a damaged one, usage errors. */
#include "fl_test.h"
#include "macro.h"
#include "outbox.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>

#define SEC UINT64_C(1000000)

static uint64_t now_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * SEC + (uint64_t) ts.tv_nsec / 1000;
}

/* Runs faultlinectl with `args`; returns its exit status, stdout in *ret_out. */
static int ctl(const char *args, char **ret_out, char **ret_err) {
        _cleanup_free_ char *cmd = NULL, *errfile = NULL;
        const char *bin = getenv("FL_BINARY_DIR");
        char buf[4096];
        size_t n, size = 0;
        char *out = NULL;
        FILE *p, *o;
        int status;

        assert_non_null(bin);
        errfile = strdup("/tmp/fl-ctl-err-XXXXXX");
        int fd = mkstemp(errfile);
        assert_true(fd >= 0);
        close(fd);
        assert_true(asprintf(&cmd, "%s/faultlinectl %s 2>%s", bin, args, errfile) > 0);
        p = popen(cmd, "r");
        assert_non_null(p);
        o = open_memstream(&out, &size);
        while ((n = fread(buf, 1, sizeof(buf), p)) > 0)
                fwrite(buf, 1, n, o);
        fclose(o);
        status = pclose(p);
        *ret_out = out;
        if (ret_err)
                *ret_err = fl_test_read_file(errfile, NULL);
        unlink(errfile);
        return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_table_and_json(void **state) {
        _cleanup_free_ char *dir = fl_test_mkdtemp(), *args = NULL, *out = NULL, *err = NULL;
        struct fl_outbox *ob = NULL;
        uint64_t now = now_usec(), s1 = 0, s2 = 0;
        const char *b1 = "{\"node\":\"n\",\"workflow\":\"disk-replace\",\"rule\":\"disk-io\"}";
        const char *b2 = "{\"node\":\"n\",\"workflow\":\"dimm-retire\",\"rule\":\"edac-ce\"}";

        assert_int_equal(fl_outbox_open(dir, NULL, &ob, NULL), 0);
        assert_int_equal(fl_outbox_append(ob, "5f0c3b1e9a7d4c2e8b6a1f0d3c5e7a9b", "disk-io", "sda",
                                 b1, now - 125 * SEC, &s1),
                FL_OUTBOX_APPENDED);
        assert_int_equal(fl_outbox_append(ob, "0123456789abcdef0123456789abcdef", "edac-ce", "", b2,
                                 now - 7200 * SEC, &s2),
                FL_OUTBOX_APPENDED);
        assert_int_equal(fl_outbox_note_attempt(ob, s1, now - 41 * SEC, "http 503 deferred"), 0);
        assert_int_equal(fl_outbox_note_attempt(ob, s1, now - 41 * SEC, "http 503 deferred"), 0);

        /* The writer still holds the outbox: read-only access works. */
        assert_true(asprintf(&args, "outbox --state-dir %s", dir) > 0);
        assert_int_equal(ctl(args, &out, &err), 0);
        assert_string_equal(err, "");
        const char *lines[] = {
                "ID                                RULE     KEY  WORKFLOW      AGE   ATTEMPTS  "
                "LAST RESULT\n",
                "5f0c3b1e9a7d4c2e8b6a1f0d3c5e7a9b  disk-io  sda  disk-replace  2m5s  2         "
                "http 503 deferred (41s ago)\n",
                "0123456789abcdef0123456789abcdef  edac-ce  -    dimm-retire   2h0m  0         "
                "not tried yet\n",
                "2 pending triggers, ",
        };
        const char *p = out;
        for (size_t i = 0; i < ELEMENTSOF(lines); i++) {
                /* A second may tick between writing and listing. */
                if (strncmp(p, lines[i], strlen(lines[i])) != 0 &&
                        !(i == 1 && strstr(p, "2m6s  2         http 503 deferred (42s ago)")))
                        fail_msg("line %zu: expected\n%s\ngot\n%s", i, lines[i], out);
                p = strchr(p, '\n');
                assert_non_null(p);
                p++;
        }
        free(out);
        free(err);

        free(args);
        assert_true(asprintf(&args, "outbox --json --state-dir %s", dir) > 0);
        assert_int_equal(ctl(args, &out, &err), 0);
        json_auto_t *j = json_loads(out, 0, NULL);
        assert_true(json_is_array(j));
        assert_int_equal(json_array_size(j), 2);
        json_t *e = json_array_get(j, 0);
        assert_string_equal(
                json_string_value(json_object_get(e, "id")), "5f0c3b1e9a7d4c2e8b6a1f0d3c5e7a9b");
        assert_string_equal(json_string_value(json_object_get(e, "workflow")), "disk-replace");
        assert_string_equal(
                json_string_value(json_object_get(e, "last_result")), "http 503 deferred");
        assert_int_equal(json_integer_value(json_object_get(e, "attempts")), 2);
        assert_int_equal(json_integer_value(json_object_get(e, "seq")), s1);
        int64_t a = json_integer_value(json_object_get(e, "age_sec"));
        assert_true(a >= 125 && a <= 127);
        assert_null(json_object_get(json_array_get(j, 1), "last_result"));

        /* Decided ones disappear. */
        assert_int_equal(fl_outbox_complete(ob, s1, "started"), 0);
        free(out);
        free(err);
        assert_int_equal(ctl(args, &out, &err), 0);
        json_decref(j);
        j = json_loads(out, 0, NULL);
        assert_int_equal(json_array_size(j), 1);
        fl_outbox_free(ob);
        fl_test_rm_rf(dir);
}

static void test_empty_damaged_and_usage(void **state) {
        _cleanup_free_ char *dir = fl_test_mkdtemp(), *args = NULL, *out = NULL, *err = NULL,
                            *log = NULL;
        struct fl_outbox *ob = NULL;

        assert_true(asprintf(&args, "outbox --state-dir %s", dir) > 0);
        assert_int_equal(ctl(args, &out, &err), 0);
        assert_string_equal(out, "0 pending triggers, 0 bytes\n");
        free(out);
        free(err);

        /* A torn last record: listed without it, and said so. */
        assert_int_equal(fl_outbox_open(dir, NULL, &ob, NULL), 0);
        assert_int_equal(
                fl_outbox_append(ob, "id-torn-000001", "r", "k", "{}", now_usec(), NULL), 0);
        fl_outbox_free(ob);
        assert_true(asprintf(&log, "%s/outbox.log", dir) > 0);
        FILE *f = fopen(log, "a");
        fwrite("FLOB\001\000", 1, 6, f);
        fclose(f);
        assert_int_equal(ctl(args, &out, &err), 0);
        assert_non_null(strstr(out, "id-torn-000001"));
        assert_non_null(strstr(out, "1 pending trigger, "));
        assert_non_null(strstr(err, "ends with an incomplete record (6 bytes)"));
        free(out);
        free(err);

        assert_int_equal(ctl("outbox --state-dir /nonexistent-fl-dir", &out, &err), 1);
        assert_string_equal(err, "faultlinectl: /nonexistent-fl-dir: No such file or directory\n");
        free(out);
        free(err);
        assert_int_equal(ctl("outbox extra", &out, &err), 1);
        assert_non_null(strstr(err, "Usage: faultlinectl outbox [--state-dir DIR] [--json]"));
        free(out);
        free(err);
        assert_int_equal(ctl("outbox --help", &out, &err), 0);
        assert_non_null(strstr(out, "Usage: faultlinectl outbox"));
        free(out);
        out = NULL;
        free(err);
        err = NULL;
        fl_test_rm_rf(dir);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_table_and_json),
                cmocka_unit_test(test_empty_damaged_and_usage),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
