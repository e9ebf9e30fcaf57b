/* SPDX-License-Identifier: Apache-2.0 */
/*
 * faultlinectl explain WORKFLOW --node NODE [--param KEY=VALUE]... [--rule RULE]
 *     [--idempotency-key KEY]
 *
 * A dry-run trigger (the coordinator evaluates everything a real one gets:
 * pause, duplicate, every constraint against fresh listings, and starts
 * nothing), then the workflow's constraints with what they count right now
 * for that node (GET /v1/workflows for the binding the dry run names), so
 * the answer reads as a reason:
 *
 *   disk-io-error for node-17 (storage in ams01): would be rejected
 *     decided by constraint 2 of 3: maxExecution 1/1h per node (/etc/.../disk-io-error.hcl:14)
 *     because: 1 started in the last 1h per node, limit 1
 *
 *     #  CONSTRAINT                      COUNTED FOR  NOW  LIMIT  VERDICT
 *     1  concurrency 1/15m per node      node         0    1      allows
 *     2  maxExecution 1/1h per node      node         1    1      REJECTS
 *     3  maxExecution 3/1d per global    global       1    3      not evaluated
 *
 * Constraints are evaluated in order and the first that refuses decides, so
 * those after it were not evaluated. The counts come from a second query
 * and may differ from the decision's by what started in between.
 */
#include "commands.h"
#include "ctl_trigger.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f) {
        fputs("Usage: faultlinectl explain WORKFLOW --node NODE [--param KEY=VALUE]... [--rule "
              "RULE]\n"
              "                            [--idempotency-key KEY] [OPTIONS]\n"
              "\n"
              "Dry-runs a trigger of WORKFLOW for NODE (nothing starts) and explains the "
              "decision:\n"
              "what would happen, which constraint (or pause, or earlier run) decides and why,\n"
              "and what every constraint of the workflow counts now for that node.\n"
              "\n"
              "  --node NODE            the node (required)\n"
              "  --param KEY=VALUE      as for trigger (repeatable)\n"
              "  --rule RULE            as for trigger (default " FL_CTL_DEFAULT_RULE ")\n"
              "  --idempotency-key KEY  explain a retry of that remediation (a duplicate)\n"
              "\n" FL_CTL_SIGNING_HELP FL_CTL_CONNECTION_HELP "\n"
              "Exit status: 0 it would start (or is a duplicate); 1 usage or configuration;\n"
              "2 it would be rejected or deferred, or the coordinator refused; 3 coordinator\n"
              "unreachable or failing.\n",
                f);
}

enum verdict { ALLOWS, REJECTS, NOT_EVALUATED };

static const char *const verdict_json[] = {"allows", "rejects", "not_evaluated"};
static const char *const verdict_text[] = {"allows", "REJECTS", "not evaluated"};

/* The index of the constraint that refused, matched by file and line. */
static ssize_t decided_index(json_t *constraints, json_t *refused) {
        const char *file = json_string_value(json_object_get(refused, "file"));
        json_int_t line = json_integer_value(json_object_get(refused, "line"));
        size_t i;
        json_t *c;

        json_array_foreach (constraints, i, c) {
                const char *f = json_string_value(json_object_get(c, "file"));
                if (file && f && strcmp(f, file) == 0 &&
                        json_integer_value(json_object_get(c, "line")) == line)
                        return (ssize_t) i;
        }
        return -1;
}

static enum verdict verdict_of(const char *would, ssize_t decided, size_t i) {
        if (strcmp(would, "started") == 0)
                return ALLOWS;
        if (strcmp(would, "rejected") == 0 && decided >= 0)
                return (ssize_t) i < decided    ? ALLOWS
                       : (ssize_t) i == decided ? REJECTS
                                                : NOT_EVALUATED;
        return NOT_EVALUATED;
}

/* The workflow's constraints as GET /v1/workflows counts them for the
 * target, or NULL (after saying why on stderr). */
static json_t *constraints_for(struct fl_ctl_session *s, const char *workflow, json_t *dry) {
        const char *names[] = {"node", "node_type", "datacenter"};
        const char *values[] = {
                json_string_value(json_object_get(dry, "node")),
                json_string_value(json_object_get(dry, "node_type")),
                json_string_value(json_object_get(dry, "datacenter")),
        };
        _cleanup_free_ char *path = NULL;
        struct fl_ctl_answer a = {};
        json_t *w, *found = NULL;
        size_t i;

        if (!values[0] || !values[1] || !values[2]) {
                fprintf(stderr, "faultlinectl: this coordinator's dry run does not name the "
                                "binding: no counts\n");
                return NULL;
        }
        path = fl_ctl_path_with_query("/v1/workflows", names, values, ELEMENTSOF(names));
        if (!path || fl_ctl_session_call(s, "GET", path, NULL, &a) != FL_CTL_EXIT_OK)
                return NULL;
        json_array_foreach (json_object_get(a.json, "workflows"), i, w) {
                const char *name = json_string_value(json_object_get(w, "name"));
                if (name && strcmp(name, workflow) == 0) {
                        found = json_incref(json_object_get(w, "constraints"));
                        break;
                }
        }
        fl_ctl_answer_done(&a);
        if (!json_is_array(found)) {
                json_decref(found);
                fprintf(stderr, "faultlinectl: GET /v1/workflows does not list %s\n", workflow);
                return NULL;
        }
        return found;
}

static void print_reason(json_t *dry, const char *would, ssize_t decided, size_t n) {
        const char *reason = json_string_value(json_object_get(dry, "reason"));
        const char *id = json_string_value(json_object_get(dry, "workflow_id"));
        const char *run = json_string_value(json_object_get(dry, "run_id"));
        const char *queue = json_string_value(json_object_get(dry, "task_queue"));
        json_t *c = json_object_get(dry, "constraint"), *pause = json_object_get(dry, "pause");
        char label[256];

        if (strcmp(would, "started") == 0) {
                printf("would start %s on task queue %s\n", id ? id : "?", queue ? queue : "?");
                printf(n > 0 ? "  every constraint allows it:\n"
                             : "  the workflow has no constraints.\n");
        } else if (strcmp(would, "duplicate") == 0) {
                printf("would be a duplicate of %s%s%s%s\n", id ? id : "?", run ? " (run " : "",
                        run ? run : "", run ? ")" : "");
                printf("  that idempotency key was used already: nothing new would start (a\n"
                       "  duplicate is found before any constraint is evaluated)\n");
        } else if (strcmp(would, "rejected") == 0) {
                fl_ctl_constraint_label(c, label, sizeof(label));
                printf("would be rejected\n");
                if (decided >= 0)
                        printf("  decided by constraint %zd of %zu: ", decided + 1, n);
                else
                        printf("  decided by ");
                printf("%s (%s:%lld)\n", label,
                        json_string_value(json_object_get(c, "file"))
                                ? json_string_value(json_object_get(c, "file"))
                                : "?",
                        (long long) json_integer_value(json_object_get(c, "line")));
                printf("  because: %s\n", reason ? reason : "?");
        } else if (strcmp(would, "deferred") == 0) {
                const char *by = json_string_value(json_object_get(pause, "by"));
                const char *since = json_string_value(json_object_get(pause, "since"));

                printf("would be deferred\n");
                printf("  decided by a pause%s%s%s%s: %s\n", by ? " set by " : "", by ? by : "",
                        since ? " at " : "", since ? since : "", reason ? reason : "?");
                if (n > 0)
                        printf("  the constraints are evaluated once the pause is lifted:\n");
        } else
                printf("would be %s\n", would);
}

static void print_table(json_t *constraints, const char *would, ssize_t decided) {
        size_t n = json_array_size(constraints), i;
        char(*cells)[5][256] = calloc(n ? n : 1, sizeof(*cells));
        const char **ptrs = calloc((n ? n : 1) * 6, sizeof(*ptrs));
        static const char *const headers[] = {
                "#", "CONSTRAINT", "COUNTED FOR", "NOW", "LIMIT", "VERDICT"};
        json_t *c;

        if (!cells || !ptrs || n == 0)
                goto out;
        json_array_foreach (constraints, i, c) {
                json_t *count = json_object_get(c, "count");

                snprintf(cells[i][0], sizeof(cells[i][0]), "%zu", i + 1);
                fl_ctl_constraint_label(c, cells[i][1], sizeof(cells[i][1]));
                snprintf(cells[i][2], sizeof(cells[i][2]), "%s",
                        json_string_value(json_object_get(c, "counted_for"))
                                ? json_string_value(json_object_get(c, "counted_for"))
                                : "?");
                if (json_is_integer(count))
                        snprintf(cells[i][3], sizeof(cells[i][3]), "%lld",
                                (long long) json_integer_value(count));
                else
                        snprintf(cells[i][3], sizeof(cells[i][3]), "?");
                snprintf(cells[i][4], sizeof(cells[i][4]), "%lld",
                        (long long) json_integer_value(json_object_get(c, "value")));
                for (size_t k = 0; k < 5; k++)
                        ptrs[i * 6 + k] = cells[i][k];
                ptrs[i * 6 + 5] = verdict_text[verdict_of(would, decided, i)];
        }
        printf("\n");
        fl_ctl_print_table(stdout, "  ", headers, 6, ptrs, n);
out:
        free(cells);
        free(ptrs);
}

static int print_json(json_t *dry, json_t *constraints, const char *workflow, const char *node,
        const char *would, ssize_t decided) {
        json_auto_t *out = NULL;
        json_t *list = json_array(), *by = json_null(), *c;
        size_t i;

        json_array_foreach (constraints, i, c) {
                json_t *copy = json_copy(c);
                if (copy)
                        json_object_set_new(copy, "verdict",
                                json_string(verdict_json[verdict_of(would, decided, i)]));
                json_array_append_new(list, copy);
        }
        if (strcmp(would, "rejected") == 0)
                by = json_pack("{s:s, s:O?, s:o}", "kind", "constraint", "constraint",
                        json_object_get(dry, "constraint"), "index",
                        decided >= 0 ? json_integer(decided + 1) : json_null());
        else if (strcmp(would, "deferred") == 0)
                by = json_pack(
                        "{s:s, s:O?}", "kind", "pause", "pause", json_object_get(dry, "pause"));
        else if (strcmp(would, "duplicate") == 0)
                by = json_pack("{s:s}", "kind", "duplicate");
        out = json_pack("{s:s, s:s, s:O?, s:O?, s:s, s:O?, s:O?, s:o, s:o, s:O}", "workflow",
                workflow, "node", node, "node_type", json_object_get(dry, "node_type"),
                "datacenter", json_object_get(dry, "datacenter"), "would", would, "workflow_id",
                json_object_get(dry, "workflow_id"), "reason", json_object_get(dry, "reason"),
                "decided_by", by ? by : json_null(), "constraints",
                constraints ? list : (json_decref(list), json_null()), "answer", dry);
        if (!out)
                return -ENOMEM;
        return fl_ctl_print_json(stdout, out);
}

int fl_ctl_explain(int argc, char **argv) {
        static const struct option options[] = {
                FL_CTL_CONNECTION_OPTIONS,
                FL_CTL_SIGNING_OPTIONS,
                FL_CTL_TRIGGER_OPTIONS,
                {},
        };
        json_auto_t *params = json_object(), *constraints = NULL;
        struct fl_ctl_flags flags = {};
        struct fl_ctl_trigger t = {.dry_run = true};
        struct fl_ctl_session s = {};
        struct fl_ctl_answer a = {};
        const char *would;
        ssize_t decided = -1;
        int r;

        if (!params)
                return FL_CTL_EXIT_INVALID;
        r = fl_ctl_trigger_args(argc, argv, options, &flags, &t, params);
        if (r != FL_CTL_EXIT_OK || flags.help) {
                if (flags.help)
                        usage(stdout);
                return r;
        }

        r = fl_ctl_session_open(&flags, &s);
        if (r != FL_CTL_EXIT_OK)
                return r;
        r = fl_ctl_trigger_send(&s, &t, &a);
        if (r != FL_CTL_EXIT_OK)
                goto out;
        would = json_string_value(json_object_get(a.json, "would"));
        if (!would) {
                r = json_object_get(a.json, "decision")
                            ? (fprintf(stderr, "faultlinectl: the answer is not a dry run\n"),
                                      FL_CTL_EXIT_UNREACHABLE)
                            : fl_ctl_answer_fail(&a);
                goto out;
        }
        constraints = constraints_for(&s, t.workflow, a.json);
        if (strcmp(would, "rejected") == 0)
                decided = decided_index(constraints, json_object_get(a.json, "constraint"));
        if (flags.json)
                (void) print_json(a.json, constraints, t.workflow, t.node, would, decided);
        else {
                const char *type = json_string_value(json_object_get(a.json, "node_type"));
                const char *dc = json_string_value(json_object_get(a.json, "datacenter"));

                printf("%s for %s", t.workflow, t.node);
                if (type && dc)
                        printf(" (%s in %s)", type, dc);
                printf(": ");
                print_reason(a.json, would, decided, json_array_size(constraints));
                if (constraints && strcmp(would, "duplicate") != 0)
                        print_table(constraints, would, decided);
        }
        r = fl_ctl_decision_exit(a.status, a.json);
out:
        fl_ctl_answer_done(&a);
        fl_ctl_session_close(&s);
        return r;
}
