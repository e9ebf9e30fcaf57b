/* SPDX-License-Identifier: Apache-2.0 */
#include "suggest.h"

#include <string.h>

#define MAX_LEN 64
#define FAR     1000u

static unsigned char lower(unsigned char c) {
        return c >= 'A' && c <= 'Z' ? (unsigned char) (c - 'A' + 'a') : c;
}

static unsigned min3(unsigned a, unsigned b, unsigned c) {
        unsigned m = a < b ? a : b;
        return m < c ? m : c;
}

unsigned fl_edit_distance(const char *a, const char *b) {
        size_t n = strlen(a), m = strlen(b);
        unsigned d[MAX_LEN + 1][MAX_LEN + 1];

        if (n > MAX_LEN || m > MAX_LEN)
                return FAR;
        for (size_t i = 0; i <= n; i++)
                d[i][0] = (unsigned) i;
        for (size_t j = 0; j <= m; j++)
                d[0][j] = (unsigned) j;
        for (size_t i = 1; i <= n; i++)
                for (size_t j = 1; j <= m; j++) {
                        unsigned char ca = lower((unsigned char) a[i - 1]);
                        unsigned char cb = lower((unsigned char) b[j - 1]);
                        unsigned cost = ca == cb ? 0 : 1;

                        d[i][j] = min3(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost);
                        if (i > 1 && j > 1 && ca == lower((unsigned char) b[j - 2]) &&
                                lower((unsigned char) a[i - 2]) == cb &&
                                d[i - 2][j - 2] + 1 < d[i][j])
                                d[i][j] = d[i - 2][j - 2] + 1;
                }
        return d[n][m];
}

static unsigned threshold(const char *given) {
        size_t n = strlen(given);
        return n <= 4 ? 1 : n <= 8 ? 2 : 3;
}

bool fl_suggest_close(const char *given, const char *candidate) {
        return fl_edit_distance(given, candidate) <= threshold(given);
}

const char *fl_suggest(const char *given, const char *const *candidates, size_t n_candidates) {
        const char *best = NULL;
        unsigned best_d = threshold(given) + 1;

        for (size_t i = 0; i < n_candidates; i++) {
                unsigned d;

                if (!candidates[i])
                        continue;
                d = fl_edit_distance(given, candidates[i]);
                if (d < best_d) {
                        best = candidates[i];
                        best_d = d;
                }
        }
        return best;
}
