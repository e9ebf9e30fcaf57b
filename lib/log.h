/* SPDX-License-Identifier: Apache-2.0 */
/*
 * How library code hands a debug message to whoever owns logging. Modules
 * never write to stderr or the journal themselves: their configuration takes
 * an optional fl_log_fn, and the daemon decides where (and whether) messages
 * go. A NULL function makes every message a no-op that formats nothing.
 */
#pragma once

#include "macro.h"

/* `priority` is a syslog level (LOG_DEBUG...); `message` is borrowed. */
typedef void (*fl_log_fn)(int priority, const char *message, void *userdata);

/* Formats and passes one message to `fn` when `fn` is set. */
void fl_logf(fl_log_fn fn, void *userdata, int priority, const char *format, ...) _printf_(4, 5);
