/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Helpers shared by the test programs. The rule they enforce: a test that
 * needs something this machine lacks (root, BPF, FUSE, journald, Temporal)
 * skips locally (exit 77, which ctest reports as skipped) but FAILS when
 * CI=true, so CI can never go green by skipping.
 */
#pragma once

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

/* True when running under CI (CI=true or CI=1). */
bool fl_test_ci(void);

/* Exits the test program unless `have`: 77 (skip) locally, 1 under CI. */
void fl_test_require(bool have, const char *what);

/* Creates a private temporary directory and returns its path (static
 * storage per call is not used: the caller frees). Aborts the test on error. */
char *fl_test_mkdtemp(void);

/* Removes a directory tree created by a test. */
void fl_test_rm_rf(const char *path);

/* Writes `data` to DIR/NAME (creating parent directories); aborts on error.
 * Returns the full path (caller frees). */
char *fl_test_write_file(const char *dir, const char *name, const char *data);

/* Path of a file in the source tree (FL_SOURCE_DIR); caller frees. */
char *fl_test_source_path(const char *rel);

/* Reads a whole file into a NUL-terminated buffer; aborts on error. */
char *fl_test_read_file(const char *path, size_t *ret_size);
