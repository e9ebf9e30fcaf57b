/* SPDX-License-Identifier: Apache-2.0 */
#include "rules_watch.h"

#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <time.h>

#define WATCH_MASK                                                                               \
        (IN_CREATE | IN_CLOSE_WRITE | IN_MOVED_TO | IN_DELETE | IN_MOVED_FROM | IN_DELETE_SELF | \
                IN_MOVE_SELF | IN_ONLYDIR)
#define MAX_POSTPONE 10

struct fl_rules_watch {
        sd_event *event;
        char *dir;
        uint64_t delay_usec;
        fl_rules_watch_fn fn;
        void *userdata;
        sd_event_source *inotify;
        sd_event_source *timer;
        uint64_t first_change_usec; /* CLOCK_BOOTTIME of the first change not yet reported */
        uint64_t changes;
};

static bool is_rule_file(const char *name) {
        size_t n = strlen(name);
        return n > 4 && name[0] != '.' && strcmp(name + n - 4, ".hcl") == 0;
}

static void arm(struct fl_rules_watch *w) {
        uint64_t now;

        if (sd_event_now(w->event, CLOCK_BOOTTIME, &now) < 0)
                now = 0;
        if (!w->first_change_usec)
                w->first_change_usec = now;
        /* Past the postponement cap the pending expiry is left alone. */
        if (now - w->first_change_usec > MAX_POSTPONE * w->delay_usec)
                return;
        if (sd_event_source_set_time(w->timer, now + w->delay_usec) >= 0)
                (void) sd_event_source_set_enabled(w->timer, SD_EVENT_ONESHOT);
}

static int on_inotify(sd_event_source *s, const struct inotify_event *ev, void *userdata) {
        struct fl_rules_watch *w = userdata;

        if (ev->mask & (IN_DELETE_SELF | IN_MOVE_SELF | IN_IGNORED)) {
                /* The watch is gone with the directory; drop our source so
                 * fl_rules_watch_rearm() can add a new one. */
                w->inotify = sd_event_source_disable_unref(w->inotify);
        } else if (!(ev->len > 0 && is_rule_file(ev->name))) {
                return 0;
        }
        w->changes++;
        arm(w);
        return 0;
}

static int on_timer(sd_event_source *s, uint64_t usec, void *userdata) {
        struct fl_rules_watch *w = userdata;

        w->first_change_usec = 0;
        (void) fl_rules_watch_rearm(w);
        w->fn(w->userdata);
        return 0;
}

int fl_rules_watch_rearm(struct fl_rules_watch *w) {
        int r;

        if (w->inotify)
                return 0;
        r = sd_event_add_inotify(w->event, &w->inotify, w->dir, WATCH_MASK, on_inotify, w);
        if (r < 0)
                return r;
        (void) sd_event_source_set_description(w->inotify, "rules-inotify");
        return 0;
}

int fl_rules_watch_new(sd_event *event, const char *dir, uint64_t delay_usec, fl_rules_watch_fn fn,
        void *userdata, struct fl_rules_watch **ret) {
        _cleanup_(fl_rules_watch_freep) struct fl_rules_watch *w = calloc(1, sizeof(*w));
        int r;

        if (!w)
                return -ENOMEM;
        w->event = sd_event_ref(event);
        w->dir = strdup(dir);
        if (!w->dir)
                return -ENOMEM;
        w->delay_usec = delay_usec;
        w->fn = fn;
        w->userdata = userdata;
        r = sd_event_add_time(event, &w->timer, CLOCK_BOOTTIME, UINT64_MAX, 10 * 1000, on_timer, w);
        if (r < 0)
                return r;
        r = sd_event_source_set_enabled(w->timer, SD_EVENT_OFF);
        if (r < 0)
                return r;
        (void) sd_event_source_set_description(w->timer, "rules-debounce");
        r = fl_rules_watch_rearm(w);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(w);
        return 0;
}

struct fl_rules_watch *fl_rules_watch_free(struct fl_rules_watch *w) {
        if (!w)
                return NULL;
        sd_event_source_disable_unref(w->inotify);
        sd_event_source_disable_unref(w->timer);
        sd_event_unref(w->event);
        free(w->dir);
        free(w);
        return NULL;
}

uint64_t fl_rules_watch_changes(const struct fl_rules_watch *w) {
        return w->changes;
}
