/* SPDX-License-Identifier: Apache-2.0 */
/*
 * The journald-only delivery: until signed delivery to the coordinator
 * exists, a trigger is kept as a journal entry (FL_MESSAGE_TRIGGER_RECORDED)
 * whose FAULTLINE_TRIGGER field is the exact POST /v1/triggers body, so an
 * operator (or a later replay tool) sees what would have been sent.
 */
#include "delivery.h"

#include "macro.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>

struct journal_delivery {
        struct fl_reporter *reporter;
        uint64_t recorded;
        uint64_t failed;
};

static int journal_submit(void *impl, const struct fl_trigger *t) {
        struct journal_delivery *j = impl;
        _cleanup_free_ char *body = NULL;
        int r;

        r = fl_trigger_to_json(t, &body);
        if (r >= 0)
                r = fl_report_trigger_recorded(j->reporter, t, body);
        if (r < 0) {
                j->failed++;
                return r;
        }
        j->recorded++;
        return 0;
}

static int journal_write_metrics(void *impl, FILE *f) {
        const struct journal_delivery *j = impl;

        fprintf(f,
                "# HELP faultline_agent_delivery_recorded_total Triggers kept in the journal "
                "(journald-only delivery).\n"
                "# TYPE faultline_agent_delivery_recorded_total counter\n"
                "faultline_agent_delivery_recorded_total %" PRIu64 "\n"
                "# HELP faultline_agent_delivery_failed_total Triggers the journal refused.\n"
                "# TYPE faultline_agent_delivery_failed_total counter\n"
                "faultline_agent_delivery_failed_total %" PRIu64 "\n",
                j->recorded, j->failed);
        return ferror(f) ? -EIO : 0;
}

static void journal_free(void *impl) {
        free(impl);
}

static const struct fl_delivery_ops journal_ops = {
        .name = "journal",
        .submit = journal_submit,
        .write_metrics = journal_write_metrics,
        .free = journal_free,
};

int fl_delivery_journal_new(const struct fl_delivery_context *ctx, struct fl_delivery **ret) {
        struct journal_delivery *j = calloc(1, sizeof(*j));

        if (!j)
                return -ENOMEM;
        j->reporter = ctx->reporter;
        return fl_delivery_wrap(&journal_ops, j, ret);
}
