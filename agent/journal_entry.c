/* SPDX-License-Identifier: Apache-2.0 */
#include "journal_entry.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-journal.h>

static bool name_valid(const char *name, size_t len) {
        if (len == 0 || len > FL_JENTRY_NAME_MAX || name[0] == '_' ||
                (name[0] >= '0' && name[0] <= '9'))
                return false;
        for (size_t i = 0; i < len; i++)
                if (!((name[i] >= 'A' && name[i] <= 'Z') || (name[i] >= '0' && name[i] <= '9') ||
                            name[i] == '_'))
                        return false;
        return true;
}

/* Takes ownership of `field` ("NAME=value", malloc'd). */
static void push(struct fl_jentry *e, char *field, size_t len) {
        if (e->n >= FL_JENTRY_FIELDS_MAX) {
                e->truncated = true;
                free(field);
                return;
        }
        e->iov[e->n++] = (struct iovec){.iov_base = field, .iov_len = len};
}

static void set_error(struct fl_jentry *e, int error) {
        if (e->error == 0)
                e->error = error;
}

static void push_pair(struct fl_jentry *e, const char *name, const char *value, size_t value_len) {
        size_t name_len = strlen(name);
        char *field = malloc(name_len + 1 + value_len);

        if (!field) {
                set_error(e, -ENOMEM);
                return;
        }
        memcpy(field, name, name_len);
        field[name_len] = '=';
        memcpy(field + name_len + 1, value, value_len);
        push(e, field, name_len + 1 + value_len);
}

void fl_jentry_init(struct fl_jentry *e, const char *message_id, int priority, const char *ident) {
        char prio[2] = {(char) ('0' + (priority & 7)), '\0'};

        *e = (struct fl_jentry){};
        if (message_id)
                push_pair(e, "MESSAGE_ID", message_id, strlen(message_id));
        push_pair(e, "PRIORITY", prio, 1);
        if (ident)
                push_pair(e, "SYSLOG_IDENTIFIER", ident, strlen(ident));
}

void fl_jentry_add(struct fl_jentry *e, const char *name, const char *fmt, ...) {
        char *value;
        va_list ap;
        int n;

        if (!name_valid(name, strlen(name))) {
                set_error(e, -EINVAL);
                return;
        }
        va_start(ap, fmt);
        n = vasprintf(&value, fmt, ap);
        va_end(ap);
        if (n < 0) {
                set_error(e, -ENOMEM);
                return;
        }
        push_pair(e, name, value, (size_t) n);
        free(value);
}

int fl_jentry_field_name(const char *prefix, const char *name, char *buf, size_t size) {
        size_t n = 0, plen = strlen(prefix);

        if (plen >= size)
                return -EINVAL;
        memcpy(buf, prefix, plen);
        n = plen;
        while (*name == '_')
                name++;
        for (; *name; name++) {
                char c = *name;
                if (n + 1 >= size)
                        return -EINVAL;
                if (c >= 'a' && c <= 'z')
                        c = (char) (c - 'a' + 'A');
                else if (!((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')))
                        c = '_';
                buf[n++] = c;
        }
        buf[n] = '\0';
        return name_valid(buf, n) ? 0 : -EINVAL;
}

void fl_jentry_add_normalized(
        struct fl_jentry *e, const char *prefix, const char *name, const char *value) {
        char buf[FL_JENTRY_NAME_MAX + 1];

        if (fl_jentry_field_name(prefix, name, buf, sizeof(buf)) < 0) {
                /* A field named by a peer (regex capture, journal field):
                 * too long or empty names are left out, not an error. */
                e->truncated = true;
                return;
        }
        push_pair(e, buf, value, strlen(value));
}

void fl_jentry_done(struct fl_jentry *e) {
        for (size_t i = 0; i < e->n; i++)
                free(e->iov[i].iov_base);
        e->n = 0;
}

int fl_jentry_send(struct fl_jentry *e) {
        int r;

        if (e->truncated) {
                /* Always room: the cap leaves one slot for this field. */
                char *f = strdup("FAULTLINE_TRUNCATED=1");
                if (f)
                        e->iov[e->n++] = (struct iovec){.iov_base = f, .iov_len = strlen(f)};
        }
        r = sd_journal_sendv(e->iov, (int) e->n);
        fl_jentry_done(e);
        return r < 0 ? r : 0;
}
