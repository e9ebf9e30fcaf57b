/* SPDX-License-Identifier: Apache-2.0 */
/*
 * faultlinectl outbox [--state-dir DIR] [--json]: the triggers the agent
 * keeps for the coordinator (DIR/outbox.log, lib/outbox.h), opened
 * read-only so it works while the agent runs:
 *
 *   ID                                RULE           KEY   WORKFLOW      AGE    ATTEMPTS  LAST
 * RESULT 5f0c3b1e9a7d4c2e8b6a1f0d3c5e7a9b  disk-io-error  sda   disk-replace  12m3s  7         http
 * 503 deferred (41s ago) 1 pending trigger, 612 bytes
 *
 * With --json, one array of objects with the same facts (times in
 * microseconds since the epoch, ages in seconds).
 */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "commands.h"
#include "macro.h"
#include "outbox.h"

#define DEFAULT_STATE_DIR "/var/lib/faultline"
#define USEC_PER_SEC      UINT64_C(1000000)

static void usage(FILE *f) {
        fprintf(f, "Usage: faultlinectl outbox [--state-dir DIR] [--json]\n"
                   "Lists the triggers faultline-agent keeps for the coordinator (default "
                   "DIR " DEFAULT_STATE_DIR ").\n");
}

static uint64_t now_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (uint64_t) ts.tv_sec * USEC_PER_SEC + (uint64_t) ts.tv_nsec / 1000;
}

/* "45s", "12m3s", "5h2m", "3d4h". */
static void format_age(uint64_t usec, char *buf, size_t size) {
        uint64_t s = usec / USEC_PER_SEC;

        if (s < 60)
                snprintf(buf, size, "%" PRIu64 "s", s);
        else if (s < 3600)
                snprintf(buf, size, "%" PRIu64 "m%" PRIu64 "s", s / 60, s % 60);
        else if (s < 86400)
                snprintf(buf, size, "%" PRIu64 "h%" PRIu64 "m", s / 3600, s % 3600 / 60);
        else
                snprintf(buf, size, "%" PRIu64 "d%" PRIu64 "h", s / 86400, s % 86400 / 3600);
}

static uint64_t age(uint64_t now, uint64_t then) {
        return then && now > then ? now - then : 0;
}

/* The body's workflow ("" when unreadable). */
static char *workflow_of(const char *body) {
        json_auto_t *j = json_loads(body, 0, NULL);
        const char *w = json_string_value(json_object_get(j, "workflow"));
        return strdup(w ? w : "");
}

static int print_json(const struct fl_outbox *ob, uint64_t now) {
        json_auto_t *all = json_array();
        _cleanup_free_ char *text = NULL;

        if (!all)
                return -ENOMEM;
        for (size_t i = 0; i < fl_outbox_pending(ob); i++) {
                const struct fl_outbox_entry *e = fl_outbox_get(ob, i);
                _cleanup_free_ char *workflow = workflow_of(e->body);
                json_t *o = json_pack("{s:I,s:s,s:s,s:s,s:s,s:I,s:I,s:I,s:I,s:s*,s:I}", "seq",
                        (json_int_t) e->seq, "id", e->id, "rule", e->rule, "key", e->key,
                        "workflow", workflow, "created", (json_int_t) e->created_usec, "age_sec",
                        (json_int_t) (age(now, e->created_usec) / USEC_PER_SEC), "attempts",
                        (json_int_t) e->attempts, "last_attempt", (json_int_t) e->last_attempt_usec,
                        "last_result", e->last_result, "coalesced", (json_int_t) e->coalesced);
                if (!o || json_array_append_new(all, o) < 0)
                        return -ENOMEM;
        }
        text = json_dumps(all, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (!text)
                return -ENOMEM;
        printf("%s\n", text);
        return 0;
}

struct row {
        char *cells[7];
};

/* Columns padded to their width; the last one as it is. */
static void print_row(const char *const *cells, const size_t *width) {
        for (size_t c = 0; c < 6; c++)
                printf("%-*s  ", (int) width[c], cells[c]);
        printf("%s\n", cells[6]);
}

static int print_table(const struct fl_outbox *ob, uint64_t now) {
        static const char *const head[] = {
                "ID", "RULE", "KEY", "WORKFLOW", "AGE", "ATTEMPTS", "LAST RESULT"};
        size_t n = fl_outbox_pending(ob), width[7];
        _cleanup_free_ struct row *rows = calloc(n + 1, sizeof(*rows));
        int r = 0;

        if (!rows)
                return -ENOMEM;
        for (size_t c = 0; c < 7; c++)
                width[c] = strlen(head[c]);
        for (size_t i = 0; i < n && r == 0; i++) {
                const struct fl_outbox_entry *e = fl_outbox_get(ob, i);
                char a[32], last[32], attempts[48];
                char **cell = rows[i].cells;

                format_age(age(now, e->created_usec), a, sizeof(a));
                format_age(age(now, e->last_attempt_usec), last, sizeof(last));
                if (e->coalesced)
                        snprintf(attempts, sizeof(attempts), "%" PRIu32 " (+%" PRIu64 " folded)",
                                e->attempts, e->coalesced);
                else
                        snprintf(attempts, sizeof(attempts), "%" PRIu32, e->attempts);
                cell[0] = strdup(e->id);
                cell[1] = strdup(e->rule);
                cell[2] = strdup(*e->key ? e->key : "-");
                cell[3] = workflow_of(e->body);
                cell[4] = strdup(a);
                cell[5] = strdup(attempts);
                if (!e->last_attempt_usec ||
                        asprintf(&cell[6], "%s (%s ago)", e->last_result ? e->last_result : "?",
                                last) < 0)
                        cell[6] = strdup(e->attempts ? "?" : "not tried yet");
                for (size_t c = 0; c < 7; c++) {
                        if (!cell[c]) {
                                r = -ENOMEM;
                                break;
                        }
                        if (strlen(cell[c]) > width[c])
                                width[c] = strlen(cell[c]);
                }
        }
        if (r == 0 && n > 0) {
                print_row(head, width);
                for (size_t i = 0; i < n; i++)
                        print_row((const char *const *) rows[i].cells, width);
        }
        for (size_t i = 0; i < n; i++)
                for (size_t c = 0; c < 7; c++)
                        free(rows[i].cells[c]);
        if (r < 0)
                return r;
        printf("%zu pending trigger%s, %" PRIu64 " bytes\n", n, n == 1 ? "" : "s",
                fl_outbox_pending_bytes(ob));
        return 0;
}

int fl_ctl_outbox(int argc, char **argv) {
        static const struct option options[] = {
                {"state-dir", required_argument, NULL, 'd'},
                {"json", no_argument, NULL, 'j'},
                {"help", no_argument, NULL, 'h'},
                {},
        };
        _cleanup_(fl_outbox_freep) struct fl_outbox *ob = NULL;
        struct fl_outbox_options o = {.read_only = true};
        struct fl_outbox_recovery rec = {};
        const char *dir = DEFAULT_STATE_DIR;
        bool json = false;
        struct stat st;
        int c, r;

        optind = 1;
        while ((c = getopt_long(argc, argv, "d:jh", options, NULL)) >= 0)
                switch (c) {
                case 'd':
                        dir = optarg;
                        break;
                case 'j':
                        json = true;
                        break;
                case 'h':
                        usage(stdout);
                        return 0;
                default:
                        usage(stderr);
                        return 1;
                }
        if (optind < argc) {
                usage(stderr);
                return 1;
        }
        /* A missing file is an empty outbox; a missing directory a mistake. */
        if (stat(dir, &st) < 0) {
                fprintf(stderr, "faultlinectl: %s: %s\n", dir, strerror(errno));
                return 1;
        }
        if (!S_ISDIR(st.st_mode)) {
                fprintf(stderr, "faultlinectl: %s: %s\n", dir, strerror(ENOTDIR));
                return 1;
        }
        r = fl_outbox_open(dir, &o, &ob, &rec);
        if (r < 0) {
                fprintf(stderr, "faultlinectl: cannot read %s/outbox.log: %s\n", dir, strerror(-r));
                return 1;
        }
        if (rec.corrupt_regions)
                fprintf(stderr,
                        "faultlinectl: %s/outbox.log has %u damaged region%s (%" PRIu64
                        " bytes), skipped; the agent drops them at its next start\n",
                        dir, rec.corrupt_regions, rec.corrupt_regions == 1 ? "" : "s",
                        rec.corrupt_bytes);
        if (rec.torn_tail_bytes)
                fprintf(stderr,
                        "faultlinectl: %s/outbox.log ends with an incomplete record (%" PRIu64
                        " bytes): being written, or torn by a crash (the agent cuts it at its "
                        "next start)\n",
                        dir, rec.torn_tail_bytes);
        r = json ? print_json(ob, now_usec()) : print_table(ob, now_usec());
        if (r < 0) {
                fprintf(stderr, "faultlinectl: %s\n", strerror(-r));
                return 1;
        }
        return fflush(stdout) == 0 ? 0 : 1;
}
