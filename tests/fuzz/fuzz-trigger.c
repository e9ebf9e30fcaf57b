/* SPDX-License-Identifier: Apache-2.0 */
/*
 * libFuzzer target for the POST /v1/triggers body decoder
 * (coordinator/trigger.c). Whatever the input, the decoder must not crash or
 * leak; when it accepts, every name must satisfy the rules that let it go
 * into visibility queries, task queue names and workflow ids unescaped, and
 * the workflow id built from it must fit; when it refuses, it must say why.
 */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "idempotency.h"
#include "names.h"
#include "trigger.h"

/* Not check(): release builds define NDEBUG. */
#define check(x)                 \
        do {                     \
                if (!(x))        \
                        abort(); \
        } while (0)

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        struct fl_trigger_request t;
        char err[256] = "", id[FL_WORKFLOW_ID_MAX];
        int r;

        r = fl_trigger_decode(data, size, &t, err, sizeof(err));
        if (r < 0) {
                check(r == -EINVAL || r == -ENOMEM);
                check(r == -ENOMEM || err[0] != '\0');
                return 0;
        }
        check(fl_name_valid(t.node));
        check(fl_name_valid(t.workflow));
        check(fl_rule_name_valid(t.rule));
        check(fl_idempotency_key_valid(t.idempotency_key));
        check(!strpbrk(t.node, "'\"\\/ "));
        check(fl_workflow_id(t.workflow, t.idempotency_key, id, sizeof(id)) == 0);
        check(!strchr(id, '/'));
        check(!t.params || json_is_object(t.params));
        check(!t.event || json_is_object(t.event));
        fl_trigger_request_done(&t);
        return 0;
}
