/* SPDX-License-Identifier: Apache-2.0 */
#include "names.h"

#include "idempotency.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static bool alnum(char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

static bool valid(const char *s, size_t max, const char *extra) {
        size_t n = 0;

        if (!s || !alnum(s[0]))
                return false;
        for (; s[n]; n++)
                if (n >= max || !(alnum(s[n]) || strchr(extra, s[n])))
                        return false;
        return true;
}

bool fl_name_valid(const char *s) {
        return valid(s, FL_NAME_MAX, "._-");
}

bool fl_rule_name_valid(const char *s) {
        return valid(s, FL_RULE_NAME_MAX, "._:-");
}

int fl_workflow_id(const char *workflow, const char *idempotency_key, char *buf, size_t size) {
        int n;

        if (!fl_name_valid(workflow) || !fl_idempotency_key_valid(idempotency_key))
                return -EINVAL;
        n = snprintf(buf, size, "faultline-%s-%s", workflow, idempotency_key);
        return n < 0 || (size_t) n >= size ? -EINVAL : 0;
}
