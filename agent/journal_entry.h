/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Builds one structured journal entry field by field and sends it with
 * sd_journal_sendv(), so values may hold anything (newlines, JSON, binary)
 * and field names are checked once here.
 *
 *   struct fl_jentry e;
 *   fl_jentry_init(&e, FL_MESSAGE_FIRING, LOG_WARNING, "faultline-agent");
 *   fl_jentry_add(&e, "FAULTLINE_RULE", "%s", rule);
 *   fl_jentry_add_normalized(&e, "FAULTLINE_EVENT_", "sector", "1000");  // FAULTLINE_EVENT_SECTOR
 *   r = fl_jentry_send(&e);                                              // also frees
 *
 * Every size is capped: at most FL_JENTRY_FIELDS_MAX fields; later ones are
 * dropped and the entry gets FAULTLINE_TRUNCATED=1.
 */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <sys/uio.h>

#include "macro.h"

#define FL_JENTRY_FIELDS_MAX 112
/* Longest journal field name journald accepts. */
#define FL_JENTRY_NAME_MAX   64

struct fl_jentry {
        struct iovec iov[FL_JENTRY_FIELDS_MAX + 1];
        size_t n;
        bool truncated;
        int error; /* first -errno met while building (sent anyway, without that field) */
};

/* Starts an entry with MESSAGE_ID (if not NULL), PRIORITY and SYSLOG_IDENTIFIER. */
void fl_jentry_init(struct fl_jentry *e, const char *message_id, int priority, const char *ident);

/* Adds NAME=value. `name` must be a valid journal field name (A-Z, 0-9, _,
 * not starting with a digit or _, at most 64 characters): a bad one is a
 * programmer error and is dropped (error -EINVAL). */
void fl_jentry_add(struct fl_jentry *e, const char *name, const char *fmt, ...) _printf_(3, 4);

/* Adds PREFIX + the normalised `name` = `value`: letters upper-cased, any
 * other character than A-Z, 0-9 becomes "_", leading "_" removed ("_BOOT_ID"
 * -> PREFIX "BOOT_ID", "dimm-label" -> PREFIX "DIMM_LABEL"). */
void fl_jentry_add_normalized(
        struct fl_jentry *e, const char *prefix, const char *name, const char *value);

/* Writes the normalised form of PREFIX + name into buf (FL_JENTRY_NAME_MAX +
 * 1 bytes). Returns 0, or -EINVAL when nothing valid remains or it is too long. */
int fl_jentry_field_name(const char *prefix, const char *name, char *buf, size_t size);

/* Sends and releases the entry. Returns 0 or -errno from sd_journal_sendv()
 * (e.g. no journald running). */
int fl_jentry_send(struct fl_jentry *e);

/* Releases without sending. */
void fl_jentry_done(struct fl_jentry *e);
