/* SPDX-License-Identifier: Apache-2.0 */
#include "fl_test.h"
#include "macro.h"

#include <fcntl.h>
#include <string.h>

static void test_take_ptr(void **state) {
        _cleanup_free_ char *p = strdup("x");
        char *q = TAKE_PTR(p);

        assert_null(p);
        assert_string_equal(q, "x");
        free(q);
}

static void test_take_fd(void **state) {
        _cleanup_close_ int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);
        int other;

        assert_true(fd >= 0);
        other = TAKE_FD(fd);
        assert_int_equal(fd, -EBADF);
        assert_int_equal(close(other), 0);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test(test_take_ptr),
                cmocka_unit_test(test_take_fd),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
