/* SPDX-License-Identifier: Apache-2.0 */
#include "diag.h"

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct fl_diags *fl_diags_new(void) {
        return calloc(1, sizeof(struct fl_diags));
}

struct fl_diags *fl_diags_free(struct fl_diags *d) {
        if (!d)
                return NULL;
        for (size_t i = 0; i < d->n_items; i++) {
                free(d->items[i].file);
                free(d->items[i].message);
        }
        free(d->items);
        free(d);
        return NULL;
}

bool fl_diags_full(const struct fl_diags *d) {
        return d->n_items >= FL_DIAGS_MAX;
}

int fl_diags_addv(struct fl_diags *d, const char *file, unsigned line, unsigned column,
        const char *fmt, va_list ap) {
        _cleanup_free_ char *msg = NULL, *f = NULL;

        if (fl_diags_full(d)) {
                d->n_dropped++;
                return -ENOSPC;
        }
        if (d->n_items == d->n_allocated) {
                size_t n = d->n_allocated ? d->n_allocated * 2 : 16;
                struct fl_diag *items = reallocarray(d->items, n, sizeof(*items));
                if (!items)
                        return -ENOMEM;
                d->items = items;
                d->n_allocated = n;
        }
        if (vasprintf(&msg, fmt, ap) < 0) {
                msg = NULL;
                return -ENOMEM;
        }
        f = strdup(file ? file : "<input>");
        if (!f)
                return -ENOMEM;
        d->items[d->n_items++] = (struct fl_diag){
                .file = TAKE_PTR(f),
                .line = line,
                .column = column,
                .message = TAKE_PTR(msg),
        };
        return 0;
}

int fl_diags_add(struct fl_diags *d, const char *file, unsigned line, unsigned column,
        const char *fmt, ...) {
        va_list ap;
        int r;

        va_start(ap, fmt);
        r = fl_diags_addv(d, file, line, column, fmt, ap);
        va_end(ap);
        return r;
}

/* Insertion sort: ranges are short and mostly sorted already, and it is
 * stable, which qsort is not. */
void fl_diags_sort_from(struct fl_diags *d, size_t from) {
        for (size_t i = from + 1; i < d->n_items; i++) {
                struct fl_diag x = d->items[i];
                size_t j = i;

                while (j > from && (d->items[j - 1].line > x.line ||
                                           (d->items[j - 1].line == x.line &&
                                                   d->items[j - 1].column > x.column))) {
                        d->items[j] = d->items[j - 1];
                        j--;
                }
                d->items[j] = x;
        }
}

int fl_diags_print(const struct fl_diags *d, FILE *f) {
        for (size_t i = 0; i < d->n_items; i++) {
                const struct fl_diag *e = &d->items[i];
                if (fprintf(f, "%s:%u:%u: %s\n", e->file, e->line, e->column, e->message) < 0)
                        return negative_errno();
        }
        if (d->n_dropped > 0 &&
                fprintf(f, "... and %zu more problems not shown\n", d->n_dropped) < 0)
                return negative_errno();
        return 0;
}
