/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Small helpers every file uses: cleanup attributes, ownership transfer and
 * array sizes. Kept dependency-free so BPF-independent code and tests can use
 * them alike.
 */
#pragma once

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#define _cleanup_(f) __attribute__((cleanup(f)))
#define _unused_ __attribute__((unused))
#define _printf_(a, b) __attribute__((format(printf, a, b)))
#define _likely_(x) __builtin_expect(!!(x), 1)
#define _unlikely_(x) __builtin_expect(!!(x), 0)

#define ELEMENTSOF(x) (sizeof(x) / sizeof((x)[0]))

/* Hands ownership of a pointer (or fd) to the caller: the variable is reset so
 * its cleanup handler does nothing. */
#define TAKE_PTR(p)                                                                                \
        ({                                                                                         \
                __typeof__(p) _took = (p);                                                         \
                (p) = NULL;                                                                        \
                _took;                                                                             \
        })
#define TAKE_FD(fd)                                                                                \
        ({                                                                                         \
                int _took = (fd);                                                                  \
                (fd) = -EBADF;                                                                     \
                _took;                                                                             \
        })

/* Defines NAMEp(type *) that calls NAME on a non-NULL pointer, for _cleanup_. */
#define FL_DEFINE_CLEANUP(type, func)                                                              \
        static inline void func##p(type *p) {                                                      \
                if (*p)                                                                            \
                        func(*p);                                                                  \
        }

static inline void freep(void *p) {
        free(*(void **) p);
}
#define _cleanup_free_ _cleanup_(freep)

static inline void closep(int *fd) {
        if (*fd >= 0)
                close(*fd);
}
#define _cleanup_close_ _cleanup_(closep)

static inline void fclosep(FILE **f) {
        if (*f)
                fclose(*f);
}
#define _cleanup_fclose_ _cleanup_(fclosep)

/* Returns -errno from the last failed libc call, never 0 (a caller that saw
 * failure must not report success because errno was clobbered). */
static inline int negative_errno(void) {
        return errno > 0 ? -errno : -EIO;
}
