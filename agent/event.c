/* SPDX-License-Identifier: Apache-2.0 */
#include "event.h"

#include <errno.h>
#include <string.h>

static const char *const source_names[_FL_SOURCE_MAX] = {
        [FL_SOURCE_BPF] = "bpf",
        [FL_SOURCE_SYSFS] = "sysfs",
        [FL_SOURCE_JOURNAL] = "journal",
};

const char *fl_source_to_string(enum fl_source s) {
        return (unsigned) s < _FL_SOURCE_MAX ? source_names[s] : NULL;
}

int fl_source_from_string(const char *s) {
        for (int i = 0; i < _FL_SOURCE_MAX; i++)
                if (s && strcmp(s, source_names[i]) == 0)
                        return i;
        return -EINVAL;
}

const char *fl_event_field(const struct fl_event *ev, const char *name) {
        for (size_t i = 0; i < ev->n_fields; i++)
                if (strcmp(ev->fields[i].name, name) == 0)
                        return ev->fields[i].value;
        return NULL;
}
