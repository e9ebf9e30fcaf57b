/* SPDX-License-Identifier: Apache-2.0 */
/* Signed delivery (agent/delivery_coordinator.c) on a real sd-event loop
 * against a scripted HTTP server (tests/lib/http_test_server.c): the outbox
 * written before any request, what each kind of answer does to a trigger
 * (decided, deferred with Retry-After, needs an operator, coordinator
 * unavailable), fresh signatures per attempt, a restart delivering what was
 * pending, an unwritable state_dir (memory only), limits, metrics. The real
 * coordinator and Temporal are in tests/delivery/ (integration). */
#include "config.h"
#include "delivery.h"
#include "event_recorder.h"
#include "fl_test.h"
#include "http_test_server.h"
#include "macro.h"
#include "outbox.h"
#include "report.h"

#include <jansson.h>
#include <openssl/pem.h>
#include <signal.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <time.h>

#define SEC  UINT64_C(1000000)
#define MSEC UINT64_C(1000)

struct fixture {
        char *dir;
        char *server_dir;
        char *state_dir;
        char *key_file;
        EVP_PKEY *key;
        sd_event *event;
        struct fl_reporter *reporter;
        struct fl_agent_config *config;
        struct fl_delivery *delivery;
        struct fl_http_test_server server;
        int port;
};

static int setup(void **state) {
        struct fixture *f = calloc(1, sizeof(*f));
        sigset_t mask;
        FILE *out;

        f->dir = fl_test_mkdtemp();
        assert_true(asprintf(&f->server_dir, "%s/server", f->dir) > 0);
        assert_true(asprintf(&f->state_dir, "%s/state", f->dir) > 0);
        assert_int_equal(mkdir(f->server_dir, 0700), 0);
        assert_int_equal(mkdir(f->state_dir, 0700), 0);
        f->key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
        assert_true(asprintf(&f->key_file, "%s/node.ed25519", f->dir) > 0);
        out = fopen(f->key_file, "w");
        assert_non_null(out);
        assert_int_equal(PEM_write_PrivateKey(out, f->key, NULL, NULL, 0, NULL, NULL), 1);
        fclose(out);
        /* The sender process is reaped by sd-event, with SIGCHLD blocked
         * (as the agent's manager does). */
        sigemptyset(&mask);
        sigaddset(&mask, SIGCHLD);
        assert_int_equal(sigprocmask(SIG_BLOCK, &mask, NULL), 0);
        assert_int_equal(sd_event_new(&f->event), 0);
        assert_int_equal(fl_reporter_new("node-t", LOG_DEBUG, &f->reporter), 0);
        fl_reporter_set_stderr(f->reporter, getenv("FL_TEST_VERBOSE") != NULL);
        /* A port for the server, free now (the server may start later). */
        fl_http_test_server_start(&f->server, f->server_dir, NULL);
        f->port = f->server.port;
        fl_http_test_server_stop(&f->server);
        *state = f;
        return 0;
}

static int teardown(void **state) {
        struct fixture *f = *state;

        fl_delivery_free(f->delivery);
        fl_http_test_server_stop(&f->server);
        fl_agent_config_free(f->config);
        fl_reporter_free(f->reporter);
        sd_event_unref(f->event);
        EVP_PKEY_free(f->key);
        fl_test_rm_rf(f->dir);
        free(f->dir);
        free(f->server_dir);
        free(f->state_dir);
        free(f->key_file);
        free(f);
        return 0;
}

static void server_up(struct fixture *f) {
        fl_http_test_server_start_on(&f->server, f->server_dir, NULL, f->port);
}

/* agent.hcl with short delays; `extra` goes into the coordinator block. */
static void configure(struct fixture *f, const char *state_dir, const char *extra) {
        _cleanup_free_ char *text = NULL, *path = NULL;
        _cleanup_(fl_diags_freep) struct fl_diags *diags = fl_diags_new();

        assert_true(asprintf(&text,
                            "node { name = \"node-t\" }\n"
                            "state_dir = \"%s\"\n"
                            "coordinator {\n"
                            "  url = \"http://127.0.0.1:%d\"\n"
                            "  signing_key_file = \"%s\"\n"
                            "  timeout = \"2s\"\n"
                            "  retry { initial = \"200ms\"  max = \"400ms\"  operator = \"1s\" }\n"
                            "%s\n"
                            "}\n",
                            state_dir ? state_dir : f->state_dir, f->port, f->key_file,
                            extra ? extra : "") > 0);
        free(fl_test_write_file(f->dir, "agent.hcl", text));
        assert_true(asprintf(&path, "%s/agent.hcl", f->dir) > 0);
        f->config = fl_agent_config_free(f->config);
        assert_int_equal(fl_agent_config_load(path, diags, &f->config), 0);
}

static void start(struct fixture *f) {
        struct fl_delivery_context ctx = {
                .event = f->event, .config = f->config, .reporter = f->reporter};

        assert_int_equal(fl_delivery_new(&ctx, &f->delivery), 0);
        assert_string_equal(fl_delivery_name(f->delivery), "coordinator");
}

static int submit(struct fixture *f, const char *id, const char *key) {
        json_auto_t *params = json_pack("{s:s}", "disk", key);
        json_auto_t *event = json_pack("{s:s,s:s}", "kind", "journal", "identity", id);
        struct fl_trigger t = {
                .node = "node-t",
                .workflow = "wf-a",
                .rule = "rule-a",
                .key = key,
                .idempotency_key = id,
                .params = params,
                .event = event,
                .observed_at_usec = 1795751880 * SEC,
        };
        return fl_delivery_submit(f->delivery, &t);
}

/* The outbox as faultlinectl sees it (read-only, while the delivery runs). */
static size_t outbox_pending(const struct fixture *f) {
        struct fl_outbox_options ro = {.read_only = true};
        struct fl_outbox *ob = NULL;
        size_t n;

        assert_int_equal(fl_outbox_open(f->state_dir, &ro, &ob, NULL), 0);
        n = fl_outbox_pending(ob);
        fl_outbox_free(ob);
        return n;
}

static uint64_t metric(struct fixture *f, const char *sample) {
        _cleanup_free_ char *text = NULL;
        size_t size = 0;
        FILE *m = open_memstream(&text, &size);
        const char *p;
        size_t n = strlen(sample);

        assert_int_equal(fl_delivery_write_metrics(f->delivery, m), 0);
        fclose(m);
        for (p = text; (p = strstr(p, sample)); p += n)
                if ((p == text || p[-1] == '\n') && p[n] == ' ')
                        return strtoull(p + n + 1, NULL, 10);
        fail_msg("no metric %s in:\n%s", sample, text);
        return 0;
}

static json_t *requests(const struct fixture *f) {
        _cleanup_free_ char *path = NULL, *text = NULL;
        json_t *all = json_array();
        char *line, *save = NULL;

        assert_true(asprintf(&path, "%s/requests.jsonl", f->server_dir) > 0);
        if (access(path, F_OK) < 0)
                return all;
        text = fl_test_read_file(path, NULL);
        for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
                json_array_append_new(all, json_loads(line, 0, NULL));
        return all;
}

/* The idempotency key of a logged request's body. */
static const char *request_id(json_t *req) {
        json_t *body = json_loads(json_string_value(json_object_get(req, "body")), 0, NULL);
        static char id[64];
        snprintf(id, sizeof(id), "%s", json_string_value(json_object_get(body, "idempotency_key")));
        json_decref(body);
        return id;
}

struct wait {
        struct fixture *f;
        const char *sample;
        uint64_t value;
        size_t requests;
};

static bool metric_reached(void *userdata) {
        struct wait *w = userdata;
        return metric(w->f, w->sample) >= w->value;
}

static void wait_metric(struct fixture *f, const char *sample, uint64_t value, uint64_t usec) {
        struct wait w = {.f = f, .sample = sample, .value = value};
        if (fl_test_run_until(f->event, metric_reached, &w, usec) < 0)
                fail_msg("%s stayed at %" PRIu64 ", expected %" PRIu64, sample, metric(f, sample),
                        value);
}

static void run_for(struct fixture *f, uint64_t usec) {
        struct timespec ts;
        uint64_t end;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        end = (uint64_t) ts.tv_sec * SEC + (uint64_t) ts.tv_nsec / 1000 + usec;
        for (;;) {
                clock_gettime(CLOCK_MONOTONIC, &ts);
                uint64_t now = (uint64_t) ts.tv_sec * SEC + (uint64_t) ts.tv_nsec / 1000;
                if (now >= end)
                        return;
                assert_true(sd_event_run(f->event, end - now) >= 0);
        }
}

static void test_outbox_first_then_delivered(void **state) {
        struct fixture *f = *state;
        char id[40];

        configure(f, NULL, NULL);
        start(f);
        /* No coordinator yet: accepted, on disk before any network attempt. */
        for (int i = 0; i < 3; i++) {
                snprintf(id, sizeof(id), "id-first-%04d", i);
                assert_int_equal(submit(f, id, "sda"), 0);
                assert_int_equal(outbox_pending(f), (size_t) i + 1);
        }
        assert_int_equal(metric(f, "faultline_agent_delivery_attempts_total"), 0);
        wait_metric(f, "faultline_agent_delivery_errors_total{cause=\"connect\"}", 1, 5 * SEC);
        assert_int_equal(metric(f, "faultline_agent_delivery_coordinator_up"), 0);
        assert_int_equal(metric(f, "faultline_agent_outbox_pending"), 3);
        assert_int_equal(outbox_pending(f), 3);

        /* The coordinator comes up: everything goes, once. */
        server_up(f);
        fl_http_test_server_answer(&f->server, 202, NULL,
                "{\"decision\":\"started\",\"workflow_id\":\"wf-1\",\"run_id\":\"r\"}");
        wait_metric(
                f, "faultline_agent_delivery_decisions_total{decision=\"started\"}", 3, 5 * SEC);
        assert_int_equal(metric(f, "faultline_agent_outbox_pending"), 0);
        assert_int_equal(metric(f, "faultline_agent_delivery_coordinator_up"), 1);
        assert_int_equal(outbox_pending(f), 0);

        json_auto_t *reqs = requests(f);
        assert_int_equal(json_array_size(reqs), 3);
        for (size_t i = 0; i < 3; i++) {
                json_t *req = json_array_get(reqs, i), *h = json_object_get(req, "headers");
                assert_string_equal(
                        json_string_value(json_object_get(req, "path")), "/v1/triggers");
                assert_non_null(json_object_get(h, "Signature-Input"));
                assert_non_null(json_object_get(h, "Signature"));
                assert_non_null(strstr(
                        json_string_value(json_object_get(h, "Content-Digest")), "sha-256=:"));
                assert_string_equal(
                        json_string_value(json_object_get(h, "Content-Type")), "application/json");
        }
}

static void test_deferred_honours_retry_after(void **state) {
        struct fixture *f = *state;

        configure(f, NULL, NULL);
        server_up(f);
        fl_http_test_server_answer(&f->server, 503, "Retry-After: 1",
                "{\"decision\":\"deferred\",\"reason\":\"paused\"}");
        start(f);
        assert_int_equal(submit(f, "id-deferred-01", "sda"), 0);
        wait_metric(f, "faultline_agent_delivery_answers_total{verdict=\"retry\"}", 1, 5 * SEC);
        assert_int_equal(outbox_pending(f), 1); /* deferred is not a decision */
        fl_http_test_server_answer(
                &f->server, 200, NULL, "{\"decision\":\"duplicate\",\"workflow_id\":\"w\"}");
        wait_metric(
                f, "faultline_agent_delivery_decisions_total{decision=\"duplicate\"}", 1, 5 * SEC);
        assert_int_equal(outbox_pending(f), 0);

        json_auto_t *reqs = requests(f);
        assert_int_equal(json_array_size(reqs), 2);
        int64_t t0 = json_integer_value(json_object_get(json_array_get(reqs, 0), "at_usec"));
        int64_t t1 = json_integer_value(json_object_get(json_array_get(reqs, 1), "at_usec"));
        /* Retry-After (1 s) over the backoff (at most 400 ms here). */
        assert_true(t1 - t0 >= (int64_t) (SEC - 20 * MSEC));
        /* Signed afresh: another nonce, same body. */
        json_t *h0 = json_object_get(json_array_get(reqs, 0), "headers");
        json_t *h1 = json_object_get(json_array_get(reqs, 1), "headers");
        assert_string_not_equal(json_string_value(json_object_get(h0, "Signature-Input")),
                json_string_value(json_object_get(h1, "Signature-Input")));
        assert_string_equal(json_string_value(json_object_get(json_array_get(reqs, 0), "body")),
                json_string_value(json_object_get(json_array_get(reqs, 1), "body")));
}

static void test_operator_answers_keep_and_retry_slowly(void **state) {
        struct fixture *f = *state;
        static const int statuses[] = {401, 403, 404, 400};

        configure(f, NULL, NULL);
        server_up(f);
        start(f);
        for (size_t i = 0; i < ELEMENTSOF(statuses); i++) {
                char body[128], id[40];
                snprintf(body, sizeof(body), "{\"error\":\"e%d\",\"message\":\"fix me\"}",
                        statuses[i]);
                fl_http_test_server_answer(&f->server, statuses[i], NULL, body);
                snprintf(id, sizeof(id), "id-operator-%d", statuses[i]);
                assert_int_equal(submit(f, id, "sda"), 0);
                wait_metric(f, "faultline_agent_delivery_answers_total{verdict=\"operator\"}",
                        i + 1, 5 * SEC);
        }
        assert_int_equal(metric(f, "faultline_agent_delivery_waiting_for_operator"), 4);
        assert_int_equal(outbox_pending(f), 4);
        /* Not retried within retry.operator (1 s here)... */
        json_auto_t *before = requests(f);
        run_for(f, 500 * MSEC);
        json_auto_t *mid = requests(f);
        assert_int_equal(json_array_size(mid), json_array_size(before));
        /* ...and through once fixed. */
        fl_http_test_server_answer(&f->server, 202, NULL, "{\"decision\":\"started\"}");
        wait_metric(
                f, "faultline_agent_delivery_decisions_total{decision=\"started\"}", 4, 5 * SEC);
        assert_int_equal(outbox_pending(f), 0);
        assert_int_equal(metric(f, "faultline_agent_delivery_waiting_for_operator"), 0);
}

static void test_unavailable_waits_together(void **state) {
        struct fixture *f = *state;
        char id[40];

        configure(f, NULL, "max_in_flight = 4");
        server_up(f);
        fl_http_test_server_answer(&f->server, 500, NULL, "{\"error\":\"internal\"}");
        start(f);
        for (int i = 0; i < 10; i++) {
                snprintf(id, sizeof(id), "id-unavail-%04d", i);
                assert_int_equal(submit(f, id, "sda"), 0);
        }
        wait_metric(
                f, "faultline_agent_delivery_answers_total{verdict=\"unavailable\"}", 1, 5 * SEC);
        run_for(f, 1 * SEC);
        assert_int_equal(metric(f, "faultline_agent_delivery_coordinator_up"), 0);
        /* One probe at a time, at least 100 ms apart (half of retry.initial):
         * far fewer requests than 10 triggers retrying on their own. */
        json_auto_t *reqs = requests(f);
        assert_true(json_array_size(reqs) <= 4 + 12);
        assert_int_equal(outbox_pending(f), 10);

        fl_http_test_server_answer(&f->server, 202, NULL, "{\"decision\":\"started\"}");
        wait_metric(
                f, "faultline_agent_delivery_decisions_total{decision=\"started\"}", 10, 5 * SEC);
        assert_int_equal(metric(f, "faultline_agent_delivery_coordinator_up"), 1);
        assert_int_equal(outbox_pending(f), 0);
}

static void test_restart_delivers_pending(void **state) {
        struct fixture *f = *state;
        char id[40];

        configure(f, NULL, NULL);
        start(f);
        for (int i = 0; i < 5; i++) {
                snprintf(id, sizeof(id), "id-restart-%04d", i);
                assert_int_equal(submit(f, id, "sda"), 0);
        }
        f->delivery = fl_delivery_free(f->delivery);
        assert_int_equal(outbox_pending(f), 5);

        server_up(f);
        fl_http_test_server_answer(&f->server, 202, NULL, "{\"decision\":\"started\"}");
        start(f);
        assert_int_equal(metric(f, "faultline_agent_outbox_pending"), 5);
        /* Already pending: the same firing again adds nothing. */
        assert_int_equal(submit(f, "id-restart-0002", "sda"), 0);
        assert_int_equal(
                metric(f, "faultline_agent_delivery_firings_total{result=\"repeated\"}"), 1);
        wait_metric(
                f, "faultline_agent_delivery_decisions_total{decision=\"started\"}", 5, 5 * SEC);
        json_auto_t *reqs = requests(f);
        assert_int_equal(json_array_size(reqs), 5);
        for (int i = 0; i < 5; i++) {
                snprintf(id, sizeof(id), "id-restart-%04d", i);
                bool found = false;
                for (size_t k = 0; k < 5; k++)
                        found |= strcmp(request_id(json_array_get(reqs, k)), id) == 0;
                assert_true(found);
        }
}

static void test_unwritable_state_dir_keeps_in_memory(void **state) {
        struct fixture *f = *state;
        _cleanup_free_ char *not_a_dir = fl_test_write_file(f->dir, "file", "x");

        configure(f, not_a_dir, NULL);
        start(f);
        assert_int_equal(submit(f, "id-memory-0001", "sda"), 0);
        assert_int_equal(submit(f, "id-memory-0002", "sdb"), 0);
        assert_int_equal(metric(f, "faultline_agent_outbox_memory_only"), 2);
        assert_int_equal(
                metric(f, "faultline_agent_delivery_firings_total{result=\"memory_only\"}"), 2);
        assert_true(metric(f, "faultline_agent_outbox_write_errors_total") >= 1);
        server_up(f);
        fl_http_test_server_answer(&f->server, 202, NULL, "{\"decision\":\"started\"}");
        wait_metric(
                f, "faultline_agent_delivery_decisions_total{decision=\"started\"}", 2, 5 * SEC);
        assert_int_equal(metric(f, "faultline_agent_outbox_memory_only"), 0);
        assert_int_equal(metric(f, "faultline_agent_outbox_pending"), 0);
}

static void test_limits_coalesce_then_refuse(void **state) {
        struct fixture *f = *state;
        uint64_t appended;
        char id[40], key[16];
        int r = 0;

        configure(f, NULL, "outbox {\n soft_limit = 4096\n hard_limit = 8192\n}");
        start(f);
        for (int i = 0; r == 0 && i < 100; i++) {
                snprintf(id, sizeof(id), "id-limit-a-%04d", i);
                r = submit(f, id, "sda");
        }
        assert_int_equal(r, 0); /* one rule and key: folded, never refused */
        appended = metric(f, "faultline_agent_delivery_firings_total{result=\"appended\"}");
        assert_true(appended < 100);
        assert_int_equal(metric(f, "faultline_agent_delivery_firings_total{result=\"coalesced\"}"),
                100 - appended);
        for (int i = 0; r == 0 && i < 100; i++) {
                snprintf(id, sizeof(id), "id-limit-b-%04d", i);
                snprintf(key, sizeof(key), "k%d", i);
                r = submit(f, id, key);
        }
        assert_int_equal(r, -ENOBUFS);
        assert_int_equal(
                metric(f, "faultline_agent_delivery_firings_total{result=\"refused\"}"), 1);
        assert_true(metric(f, "faultline_agent_outbox_bytes") >= 8192);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_outbox_first_then_delivered, setup, teardown),
                cmocka_unit_test_setup_teardown(test_deferred_honours_retry_after, setup, teardown),
                cmocka_unit_test_setup_teardown(
                        test_operator_answers_keep_and_retry_slowly, setup, teardown),
                cmocka_unit_test_setup_teardown(test_unavailable_waits_together, setup, teardown),
                cmocka_unit_test_setup_teardown(test_restart_delivers_pending, setup, teardown),
                cmocka_unit_test_setup_teardown(
                        test_unwritable_state_dir_keeps_in_memory, setup, teardown),
                cmocka_unit_test_setup_teardown(test_limits_coalesce_then_refuse, setup, teardown),
        };
        return cmocka_run_group_tests(tests, NULL, NULL);
}
