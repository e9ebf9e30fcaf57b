/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Whole-file reads with a size cap, and atomic replacement of small state
 * files (journal cursor, sysfs counters) so a crash leaves either the old or
 * the new content, never a torn mix.
 */
#pragma once

#include <stddef.h>
#include <sys/types.h>

/* Reads the file at `path` (relative paths resolve against `dir_fd`, which may
 * be AT_FDCWD) into a NUL-terminated buffer the caller frees. Returns 0;
 * -EFBIG when the file holds more than `max_bytes`; -errno from open/read. */
int fl_read_file_at(
        int dir_fd, const char *path, size_t max_bytes, char **ret_data, size_t *ret_size);

/* Replaces `path` with `data`: writes a temporary file next to it, fsyncs it,
 * renames it over `path` and fsyncs the directory. Returns 0 or -errno; on
 * failure the previous file is untouched and no temporary file remains. */
int fl_write_file_atomic(const char *path, const void *data, size_t size, mode_t mode);

/* The same without the fsyncs: readers see the old or the new content, never
 * a torn mix, but a crash may leave the old one (or, on some file systems, an
 * empty file). For what is rewritten anyway and read by others, such as
 * metrics: two fsyncs every interval would stall the event loop for what can
 * be milliseconds on a busy disk. */
int fl_replace_file(const char *path, const void *data, size_t size, mode_t mode);

/* Creates `path` and any missing parents with `mode`. Returns 0 (also when it
 * exists as a directory) or -errno. */
int fl_mkdir_p(const char *path, mode_t mode);
