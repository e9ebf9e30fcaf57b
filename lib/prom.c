/* SPDX-License-Identifier: Apache-2.0 */
#include "prom.h"

#include "fileio.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static const uint64_t bounds[FL_HISTOGRAM_BUCKETS] = {
        5,
        10,
        20,
        30,
        40,
        50,
        60,
        80,
        100,
        125,
        150,
        175,
        200,
        250,
        300,
        400,
        500,
        750,
        1000,
        2500,
        5000,
        10000,
        25000,
        50000,
        100000,
        250000,
        500000,
        1000000,
        5000000,
        10000000,
};

uint64_t fl_histogram_bound(size_t i) {
        return i < FL_HISTOGRAM_BUCKETS ? bounds[i] : UINT64_MAX;
}

void fl_histogram_observe(struct fl_histogram *h, uint64_t value) {
        size_t lo = 0, hi = FL_HISTOGRAM_BUCKETS;

        /* First bound >= value (le semantics), FL_HISTOGRAM_BUCKETS if none. */
        while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                if (bounds[mid] >= value)
                        hi = mid;
                else
                        lo = mid + 1;
        }
        h->buckets[lo]++;
        h->count++;
        h->sum += value;
}

double fl_histogram_quantile(const struct fl_histogram *h, double q) {
        double rank = q * (double) h->count;
        uint64_t cum = 0;

        if (h->count == 0)
                return 0;
        for (size_t i = 0; i < FL_HISTOGRAM_BUCKETS; i++) {
                uint64_t prev = cum;
                cum += h->buckets[i];
                if ((double) cum >= rank && h->buckets[i] > 0) {
                        double lower = i == 0 ? 0 : (double) bounds[i - 1];
                        return lower + ((double) bounds[i] - lower) * (rank - (double) prev) /
                                               (double) h->buckets[i];
                }
        }
        return (double) bounds[FL_HISTOGRAM_BUCKETS - 1];
}

void fl_prom_header(FILE *f, const char *name, const char *type, const char *help) {
        fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

void fl_prom_label_value(FILE *f, const char *s) {
        fputc('"', f);
        for (; *s; s++) {
                if (*s == '\\' || *s == '"')
                        fprintf(f, "\\%c", *s);
                else if (*s == '\n')
                        fputs("\\n", f);
                else
                        fputc(*s, f);
        }
        fputc('"', f);
}

void fl_prom_sample(FILE *f, const char *name, const char *labels, uint64_t value) {
        if (labels && *labels)
                fprintf(f, "%s{%s} %" PRIu64 "\n", name, labels, value);
        else
                fprintf(f, "%s %" PRIu64 "\n", name, value);
}

void fl_prom_histogram(
        FILE *f, const char *name, const char *labels, const struct fl_histogram *h) {
        const char *sep = labels && *labels ? "," : "";
        uint64_t cum = 0;

        if (!labels)
                labels = "";
        for (size_t i = 0; i < FL_HISTOGRAM_BUCKETS; i++) {
                cum += h->buckets[i];
                fprintf(f, "%s_bucket{%s%sle=\"%" PRIu64 "\"} %" PRIu64 "\n", name, labels, sep,
                        bounds[i], cum);
        }
        fprintf(f, "%s_bucket{%s%sle=\"+Inf\"} %" PRIu64 "\n", name, labels, sep, h->count);
        fprintf(f, "%s_sum%s%s%s %" PRIu64 "\n", name, *labels ? "{" : "", labels,
                *labels ? "}" : "", h->sum);
        fprintf(f, "%s_count%s%s%s %" PRIu64 "\n", name, *labels ? "{" : "", labels,
                *labels ? "}" : "", h->count);
}

struct fl_textfile {
        char *path;
        char *last; /* content of the last successful write */
        size_t last_size;
        bool written;
};

int fl_textfile_new(const char *path, struct fl_textfile **ret) {
        struct fl_textfile *t = calloc(1, sizeof(*t));

        if (!t)
                return -ENOMEM;
        t->path = strdup(path);
        if (!t->path) {
                free(t);
                return -ENOMEM;
        }
        *ret = t;
        return 0;
}

struct fl_textfile *fl_textfile_free(struct fl_textfile *t) {
        if (!t)
                return NULL;
        free(t->path);
        free(t->last);
        free(t);
        return NULL;
}

int fl_textfile_update(struct fl_textfile *t, const char *data, size_t size) {
        char *copy;
        int r;

        if (t->written && size == t->last_size && memcmp(data, t->last, size) == 0)
                return 0;
        copy = malloc(size ? size : 1);
        if (!copy)
                return -ENOMEM;
        memcpy(copy, data, size);
        r = fl_replace_file(t->path, data, size, 0644);
        if (r < 0) {
                free(copy);
                return r;
        }
        free(t->last);
        t->last = copy;
        t->last_size = size;
        t->written = true;
        return 1;
}
