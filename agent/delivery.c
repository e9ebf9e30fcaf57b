/* SPDX-License-Identifier: Apache-2.0 */
#include "delivery.h"

#include <errno.h>
#include <stdlib.h>

int fl_delivery_wrap(const struct fl_delivery_ops *ops, void *impl, struct fl_delivery **ret) {
        struct fl_delivery *d = calloc(1, sizeof(*d));

        if (!d) {
                ops->free(impl);
                return -ENOMEM;
        }
        d->ops = ops;
        d->impl = impl;
        *ret = d;
        return 0;
}

int fl_delivery_new(const struct fl_delivery_context *ctx, struct fl_delivery **ret) {
        if (ctx->config->coordinator.configured)
                return fl_delivery_coordinator_new(ctx, ret);
        return fl_delivery_journal_new(ctx, ret);
}

int fl_delivery_submit(struct fl_delivery *d, const struct fl_trigger *t) {
        return d->ops->submit(d->impl, t);
}

int fl_delivery_flush(struct fl_delivery *d) {
        return d && d->ops->flush ? d->ops->flush(d->impl) : 0;
}

int fl_delivery_write_metrics(struct fl_delivery *d, FILE *f) {
        return d->ops->write_metrics ? d->ops->write_metrics(d->impl, f) : 0;
}

const char *fl_delivery_name(const struct fl_delivery *d) {
        return d->ops->name;
}

struct fl_delivery *fl_delivery_free(struct fl_delivery *d) {
        if (!d)
                return NULL;
        if (d->ops->stop)
                d->ops->stop(d->impl);
        d->ops->free(d->impl);
        free(d);
        return NULL;
}
