/* SPDX-License-Identifier: Apache-2.0 */
/*
 * faultline-agent as a process, next to a private real journald (run through
 * tests/harness/journal-ns.sh): the service protocol (READY, STATUS,
 * WATCHDOG, STOPPING on a NOTIFY_SOCKET), the journald source fed through
 * /dev/kmsg across a restart (no replay, no loss), live rule reloads
 * (inotify: new, invalid, deleted and moved-in files; SIGHUP), the sysfs
 * source on a fake tree with its metrics, --dry-run against the journald-only
 * delivery, and sources that fail to start.
 *
 * Everything is asserted on the agent's own journal entries (MESSAGE_IDs of
 * agent/messages.h, FAULTLINE_NODE unique per test). Kernel lines carry a
 * token unique to the run: the journald also imports every older kernel line.
 */
#include "agent_harness.h"
#include "fl_test.h"
#include "macro.h"
#include "messages.h"

#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

#define MATCH(...) ((const char *const[]){__VA_ARGS__, NULL})

static int setup(void **state) {
        fl_test_require(getenv("FL_JOURNAL_NS") != NULL,
                "a private journald (run through tests/harness/journal-ns.sh)");
        fl_test_require(access("/dev/kmsg", W_OK) == 0, "writable /dev/kmsg (root)");
        return 0;
}

/* Each test's agent: a failed assertion jumps out of the test, and the
 * teardown still stops the process and removes its directory. */
static int agent_setup(void **state) {
        struct agent *a = calloc(1, sizeof(*a));

        assert_non_null(a);
        *state = a;
        return 0;
}

static int agent_teardown(void **state) {
        agent_cleanup(*state);
        free(*state);
        return 0;
}

static char *fmt(const char *f, ...) __attribute__((format(printf, 1, 2)));
static char *fmt(const char *f, ...) {
        char *s = NULL;
        va_list ap;

        va_start(ap, f);
        assert_true(vasprintf(&s, f, ap) >= 0);
        va_end(ap);
        return s;
}

/* A journal rule firing once per line "TOKEN WORD N", keyed by N. */
static char *kmsg_rule(const char *name, const char *token, const char *word) {
        return fmt("rule \"%s\" {\n"
                   "  source = \"journal\"\n"
                   "  match { message = \"^%s %s (?<n>[0-9]+)$\" }\n"
                   "  threshold { key = \"{n}\" }\n"
                   "  workflow = \"wf-%s\"\n"
                   "  params = { n = \"{n}\" }\n"
                   "}\n",
                name, token, word, name);
}

static size_t count(const struct agent *a, const char *id, const char *const *matches) {
        struct jentries j;
        size_t n;

        agent_entries(a, id, matches, &j);
        n = j.n;
        jentries_free(&j);
        return n;
}

/* Waits for the firing of `rule` for key `n`; returns its entry count. */
static void wait_firing(const struct agent *a, const char *rule, const char *n) {
        _cleanup_free_ char *r = fmt("FAULTLINE_RULE=%s", rule), *k = fmt("FAULTLINE_KEY=%s", n);
        struct jentries j;

        agent_wait_entries(a, FL_MESSAGE_FIRING, MATCH(r, k), 1, &j);
        jentries_free(&j);
}

static size_t firings(const struct agent *a, const char *rule, const char *n) {
        _cleanup_free_ char *r = fmt("FAULTLINE_RULE=%s", rule), *k = fmt("FAULTLINE_KEY=%s", n);
        return count(a, FL_MESSAGE_FIRING, n ? MATCH(r, k) : MATCH(r));
}

/* ---- READY, STATUS, WATCHDOG, STOPPING ---- */

struct notify {
        int fd;
        char path[108];
};

static void notify_open(struct notify *n, const char *dir) {
        struct sockaddr_un sa = {.sun_family = AF_UNIX};

        snprintf(n->path, sizeof(n->path), "%s/notify", dir);
        snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", n->path);
        n->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        assert_true(n->fd >= 0);
        assert_int_equal(bind(n->fd, (struct sockaddr *) &sa, sizeof(sa)), 0);
}

/* Next datagram within `timeout_ms` into buf; false on timeout. */
static bool notify_recv(struct notify *n, char *buf, size_t size, int timeout_ms) {
        struct pollfd p = {.fd = n->fd, .events = POLLIN};
        ssize_t k;

        if (poll(&p, 1, timeout_ms) <= 0)
                return false;
        k = recv(n->fd, buf, size - 1, 0);
        assert_true(k >= 0);
        buf[k] = '\0';
        return true;
}

static void test_notify(void **state) {
        struct agent *a = *state;
        struct notify n;
        _cleanup_free_ char *sock = NULL;
        char msg[4096];
        bool ready = false, status = false, stopping = false;
        unsigned watchdogs = 0;
        uint64_t t_ready = 0, deadline;

        agent_init(a, "sources {\n  bpf = false\n  sysfs = false\n}\n");
        agent_write_rule(a, "a.hcl",
                "rule \"a\" {\n  source = \"journal\"\n  match { message = "
                "\"^never$\" }\n  workflow = \"wf\"\n}\n");
        notify_open(&n, a->dir);
        sock = fmt("NOTIFY_SOCKET=%s", n.path);
        /* 600 ms: sd-event pings at a quarter to half of it. */
        agent_spawn(a, NULL, MATCH(sock, "WATCHDOG_USEC=600000"));

        deadline = now_usec() + AGENT_TIMEOUT_USEC;
        while (now_usec() < deadline && !(ready && watchdogs >= 3)) {
                if (!notify_recv(&n, msg, sizeof(msg), 100))
                        continue;
                if (strstr(msg, "READY=1")) {
                        ready = true;
                        t_ready = now_usec();
                }
                if (strncmp(msg, "STATUS=", 7) == 0) {
                        /* The summary names the rules and sources. */
                        assert_non_null(strstr(msg, "1 rules; sources: journal; 0 firings"));
                        status = true;
                }
                if (strstr(msg, "WATCHDOG=1") && ready)
                        watchdogs++;
        }
        assert_true(ready);
        assert_true(status);
        assert_true(watchdogs >= 3);
        /* At least three pings within about two periods: the interval is
         * set from WATCHDOG_USEC, not some long default. */
        assert_true(now_usec() - t_ready < 3 * 600000);

        assert_int_equal(kill(a->pid, SIGTERM), 0);
        deadline = now_usec() + AGENT_TIMEOUT_USEC;
        while (!stopping && now_usec() < deadline)
                if (notify_recv(&n, msg, sizeof(msg), 100) && strstr(msg, "STOPPING=1"))
                        stopping = true;
        assert_true(stopping);
        assert_int_equal(agent_kill_wait(a, 0), 0);
        assert_int_equal(count(a, FL_MESSAGE_STOPPED, MATCH("FAULTLINE_REASON=SIGTERM")), 1);
        close(n.fd);
}

/* ---- journald source: restart without replay or loss ---- */

static void test_kmsg_restart(void **state) {
        char token[32], n[8];
        _cleanup_free_ char *rule = NULL, *cursor = NULL;
        struct agent *a = *state;
        struct stat st;

        random_token(token, sizeof(token));
        agent_init(a, "sources {\n  bpf = false\n  sysfs = false\n}\n");
        rule = kmsg_rule("kmsg", token, "line");
        agent_write_rule(a, "kmsg.hcl", rule);

        agent_start(a, NULL, NULL);
        for (int i = 1; i <= 3; i++)
                kmsg_write("%s line %d", token, i);
        for (int i = 1; i <= 3; i++) {
                snprintf(n, sizeof(n), "%d", i);
                wait_firing(a, "kmsg", n);
        }
        assert_int_equal(agent_stop(a), 0);
        /* SIGTERM saved the cursor. */
        cursor = fmt("%s/journal.cursor", a->state_dir);
        assert_int_equal(stat(cursor, &st), 0);

        /* Lines logged while the agent is down are read after the restart;
         * the ones it already handled are not read again. */
        for (int i = 4; i <= 6; i++)
                kmsg_write("%s line %d", token, i);
        agent_start(a, NULL, NULL);
        for (int i = 4; i <= 6; i++) {
                snprintf(n, sizeof(n), "%d", i);
                wait_firing(a, "kmsg", n);
        }
        kmsg_write("%s line 7", token);
        wait_firing(a, "kmsg", "7");
        for (int i = 1; i <= 7; i++) {
                snprintf(n, sizeof(n), "%d", i);
                if (firings(a, "kmsg", n) != 1)
                        fail_msg("line %d fired %zu times", i, firings(a, "kmsg", n));
        }
        assert_int_equal(firings(a, "kmsg", NULL), 7);
        assert_int_equal(agent_stop(a), 0);
}

/* ---- live reload ---- */

static void wait_reload(struct agent *a, const char *why, const char *field, size_t want) {
        _cleanup_free_ char *w = fmt("FAULTLINE_RELOAD_REASON=%s", why);
        struct jentries j;

        agent_wait_entries(a, FL_MESSAGE_RULES_RELOADED, MATCH(w, field), want, &j);
        jentries_free(&j);
}

static void test_reload(void **state) {
        char token[32];
        _cleanup_free_ char *alpha = NULL, *beta = NULL, *gamma = NULL, *tmp = NULL, *dst = NULL,
                            *apath = NULL, *afile = NULL;
        struct jentries j;
        struct agent *a = *state;

        random_token(token, sizeof(token));
        agent_init(a, "sources {\n  bpf = false\n  sysfs = false\n}\nreload_delay = \"100ms\"\n");
        alpha = kmsg_rule("alpha", token, "alpha");
        beta = kmsg_rule("beta", token, "beta");
        gamma = kmsg_rule("gamma", token, "gamma");
        agent_write_rule(a, "a.hcl", alpha);
        agent_start(a, NULL, NULL);
        assert_int_equal(count(a, FL_MESSAGE_RULES_RELOADED,
                                 MATCH("FAULTLINE_RELOAD_REASON=start", "FAULTLINE_RULES=1")),
                1);
        kmsg_write("%s alpha 1", token);
        wait_firing(a, "alpha", "1");

        /* A new file. */
        agent_write_rule(a, "b.hcl", beta);
        wait_reload(a, "inotify", "FAULTLINE_RULES=2", 1);
        kmsg_write("%s beta 1", token);
        wait_firing(a, "beta", "1");

        /* An invalid version of a.hcl: reported at its position, and its
         * last good version stays in force. */
        agent_write_rule(a, "a.hcl",
                "rule \"alpha\" {\n  source = \"journal\"\n  match { message = \"(\" }\n  "
                "workflow = \"wf\"\n}\n");
        wait_reload(a, "inotify", "FAULTLINE_PROBLEMS=1", 1);
        apath = fmt("%s/a.hcl", a->rules_dir);
        afile = fmt("FAULTLINE_RULE_FILE=%s", apath);
        agent_wait_entries(a, FL_MESSAGE_RULE_FILE_INVALID, MATCH(afile), 1, &j);
        assert_string_equal(jentry_get(&j.items[0], "FAULTLINE_LINE"), "3");
        assert_non_null(strstr(jentry_get(&j.items[0], "MESSAGE"), apath));
        assert_non_null(strstr(jentry_get(&j.items[0], "MESSAGE"), ":3:"));
        jentries_free(&j);
        kmsg_write("%s alpha 2", token);
        wait_firing(a, "alpha", "2");

        /* A deleted file: its rule goes. The alpha line after the beta
         * line proves the beta line was read (and ignored). */
        free(dst);
        dst = fmt("%s/b.hcl", a->rules_dir);
        assert_int_equal(unlink(dst), 0);
        wait_reload(a, "inotify", "FAULTLINE_RULES=1", 1);
        kmsg_write("%s beta 2", token);
        kmsg_write("%s alpha 3", token);
        wait_firing(a, "alpha", "3");
        assert_int_equal(firings(a, "beta", NULL), 1);

        /* A file moved in (editors and package managers rename into place);
         * a non-.hcl name does not count. */
        tmp = fmt("%s/c.hcl.tmp", a->rules_dir);
        free(fl_test_write_file(a->rules_dir, "c.hcl.tmp", gamma));
        free(dst);
        dst = fmt("%s/c.hcl", a->rules_dir);
        assert_int_equal(rename(tmp, dst), 0);
        wait_reload(a, "inotify", "FAULTLINE_RULES=2", 3);
        kmsg_write("%s gamma 1", token);
        wait_firing(a, "gamma", "1");

        /* Fixing a.hcl brings the new version in force. */
        agent_write_rule(a, "a.hcl", alpha);
        wait_reload(a, "inotify", "FAULTLINE_PROBLEMS=0", 2);

        /* SIGHUP reloads at once. */
        assert_int_equal(kill(a->pid, SIGHUP), 0);
        wait_reload(a, "SIGHUP", "FAULTLINE_RULES=2", 1);

        assert_int_equal(agent_stop(a), 0);
}

/* SIGHUP picks up a change before the debounce timer would. */
static void test_sighup_before_debounce(void **state) {
        char token[32];
        _cleanup_free_ char *alpha = NULL;
        struct agent *a = *state;

        random_token(token, sizeof(token));
        agent_init(a, "sources {\n  bpf = false\n  sysfs = false\n}\nreload_delay = \"10s\"\n");
        agent_start(a, NULL, NULL);
        alpha = kmsg_rule("alpha", token, "alpha");
        agent_write_rule(a, "a.hcl", alpha);
        assert_int_equal(kill(a->pid, SIGHUP), 0);
        wait_reload(a, "SIGHUP", "FAULTLINE_RULES=1", 1);
        kmsg_write("%s alpha 1", token);
        wait_firing(a, "alpha", "1");
        assert_int_equal(
                count(a, FL_MESSAGE_RULES_RELOADED, MATCH("FAULTLINE_RELOAD_REASON=inotify")), 0);
        assert_int_equal(agent_stop(a), 0);
}

/* ---- sysfs source on a fake tree, and the metrics file ---- */

#define MC "sys/devices/system/edac/mc/mc0"
#define TZ "sys/class/thermal/thermal_zone0"

/* Replaces DIR/PATH atomically (write aside, rename): a poll must never see
 * the file truncated but not yet written, which real sysfs never shows. */
static void put(struct agent *a, const char *path, const char *value) {
        _cleanup_free_ char *data = fmt("%s\n", value), *tmp = fmt("%s.new", path);
        _cleanup_free_ char *from = fl_test_write_file(a->dir, tmp, data);
        _cleanup_free_ char *to = fmt("%s/%s", a->dir, path);

        assert_int_equal(rename(from, to), 0);
}

static void set_ce(struct agent *a, const char *n) {
        put(a, MC "/ce_count", n);
        put(a, MC "/dimm0/dimm_ce_count", n);
}

/* Waits until the metrics file holds `line`. */
static void wait_metric(const char *path, const char *line) {
        uint64_t deadline = now_usec() + AGENT_TIMEOUT_USEC;

        for (;;) {
                if (access(path, R_OK) == 0) {
                        _cleanup_free_ char *text = fl_test_read_file(path, NULL);
                        if (strstr(text, line))
                                return;
                        if (now_usec() > deadline)
                                fail_msg("no \"%s\" in %s:\n%s", line, path, text);
                } else if (now_usec() > deadline) {
                        fail_msg("no metrics file %s", path);
                }
                sleep_usec(50 * 1000);
        }
}

static void test_sysfs_and_metrics(void **state) {
        _cleanup_free_ char *extra = NULL, *metrics = NULL;
        struct jentries j;
        struct agent *a = *state;

        agent_init(a, NULL);
        metrics = fmt("%s/agent.prom", a->dir);
        extra = fmt("sources {\n  bpf = false\n  journal = false\n}\n"
                    "sysfs_root = \"%s/sys\"\n"
                    "sysfs_interval = \"1s\"\n"
                    "sysfs_rescan_interval = \"1s\"\n"
                    "metrics_file = \"%s\"\n"
                    "metrics_interval = \"1s\"\n",
                a->dir, metrics);
        agent_write_config(a, extra);
        put(a, MC "/ce_count", "0");
        put(a, MC "/ue_count", "0");
        put(a, MC "/dimm0/dimm_ce_count", "0");
        put(a, MC "/dimm0/dimm_ue_count", "0");
        put(a, MC "/dimm0/dimm_label", "CPU_SrcID#0_Ha#0_Chan#0_DIMM#0");
        put(a, TZ "/type", "x86_pkg_temp");
        put(a, TZ "/temp", "50000");
        put(a, TZ "/trip_point_0_temp", "80000");
        put(a, TZ "/trip_point_0_type", "passive");
        agent_write_rule(a, "sysfs.hcl",
                "rule \"dimm-ce\" {\n"
                "  source = \"sysfs\"\n"
                "  match {\n"
                "    kind = \"edac_ce\"\n"
                "    field \"scope\" { equals = \"dimm\" }\n"
                "  }\n"
                "  threshold {\n"
                "    count = 3\n"
                "    window = \"1h\"\n"
                "    key = \"{label}\"\n"
                "  }\n"
                "  workflow = \"offline-memory-page\"\n"
                "  params = { dimm = \"{label}\" }\n"
                "}\n"
                "rule \"zone-trip\" {\n"
                "  source = \"sysfs\"\n"
                "  match { kind = \"thermal_trip\" }\n"
                "  threshold { key = \"{zone}\" }\n"
                "  workflow = \"thermal-throttle\"\n"
                "}\n");
        agent_start(a, NULL, NULL);
        /* The first read is the baseline. */
        wait_metric(metrics, "faultline_agent_sysfs_sensors{state=\"ok\"} ");

        /* 2 then 1 more corrected errors on the DIMM: fires at 3. */
        set_ce(a, "2");
        wait_metric(metrics, "faultline_agent_rule_matched_total{rule=\"dimm-ce\"} 2\n");
        assert_int_equal(firings(a, "dimm-ce", NULL), 0);
        set_ce(a, "3");
        agent_wait_entries(a, FL_MESSAGE_FIRING, MATCH("FAULTLINE_RULE=dimm-ce"), 1, &j);
        assert_string_equal(
                jentry_get(&j.items[0], "FAULTLINE_KEY"), "CPU_SrcID#0_Ha#0_Chan#0_DIMM#0");
        assert_string_equal(jentry_get(&j.items[0], "FAULTLINE_COUNT"), "3");
        assert_string_equal(jentry_get(&j.items[0], "FAULTLINE_SOURCE"), "sysfs");
        assert_string_equal(jentry_get(&j.items[0], "FAULTLINE_EVENT_TOTAL"), "3");
        assert_string_equal(jentry_get(&j.items[0], "FAULTLINE_PARAMS"),
                "{\"dimm\":\"CPU_SrcID#0_Ha#0_Chan#0_DIMM#0\"}");
        jentries_free(&j);

        /* A thermal trip. */
        put(a, TZ "/temp", "85000");
        agent_wait_entries(a, FL_MESSAGE_FIRING, MATCH("FAULTLINE_RULE=zone-trip"), 1, &j);
        assert_string_equal(jentry_get(&j.items[0], "FAULTLINE_KEY"), "thermal_zone0");
        assert_string_equal(jentry_get(&j.items[0], "FAULTLINE_EVENT_TRIP_TYPE"), "passive");
        jentries_free(&j);

        /* A sensor that stops reading degrades only itself; it is reported
         * once, and again when it recovers. */
        put(a, TZ "/temp", "garbage");
        agent_wait_entries(a, FL_MESSAGE_SOURCE_DEGRADED, MATCH("FAULTLINE_SOURCE=sysfs"), 1, &j);
        jentries_free(&j);
        wait_metric(metrics, "faultline_agent_sysfs_sensors{state=\"degraded\"} 1\n");
        set_ce(a, "6");
        agent_wait_entries(a, FL_MESSAGE_FIRING, MATCH("FAULTLINE_RULE=dimm-ce"), 2, &j);
        jentries_free(&j);
        put(a, TZ "/temp", "86000");
        agent_wait_entries(a, FL_MESSAGE_SOURCE_RECOVERED, MATCH("FAULTLINE_SOURCE=sysfs"), 1, &j);
        jentries_free(&j);
        assert_int_equal(count(a, FL_MESSAGE_SOURCE_DEGRADED, MATCH("FAULTLINE_SOURCE=sysfs")), 1);

        wait_metric(metrics, "faultline_agent_rule_firings_total{rule=\"dimm-ce\"} 2\n");
        wait_metric(metrics, "faultline_agent_rule_matched_total{rule=\"dimm-ce\"} 6\n");
        wait_metric(metrics, "faultline_agent_rule_firings_total{rule=\"zone-trip\"} 1\n");
        wait_metric(metrics, "faultline_agent_firings_total 3\n");
        wait_metric(metrics, "faultline_agent_occurrences_total{source=\"sysfs\"} ");
        wait_metric(metrics, "faultline_agent_source_up{source=\"sysfs\"} 1\n");
        wait_metric(metrics, "faultline_agent_delivery_recorded_total 3\n");
        wait_metric(metrics, "faultline_agent_rules 2\n");
        assert_int_equal(agent_stop(a), 0);
}

/* ---- --dry-run and the journald-only delivery ---- */

static void test_dry_run(void **state) {
        char token[32];
        _cleanup_free_ char *rule = NULL;
        json_auto_t *body = NULL;
        json_error_t err;
        struct jentries j, t;
        struct agent *a = *state;

        random_token(token, sizeof(token));
        agent_init(a, "sources {\n  bpf = false\n  sysfs = false\n}\n");
        rule = kmsg_rule("dry", token, "dry");
        agent_write_rule(a, "dry.hcl", rule);

        agent_start(a, MATCH("--dry-run"), NULL);
        kmsg_write("%s dry 1", token);
        agent_wait_entries(a, FL_MESSAGE_FIRING, MATCH("FAULTLINE_RULE=dry"), 1, &j);
        assert_string_equal(jentry_get(&j.items[0], "FAULTLINE_DRY_RUN"), "1");
        assert_non_null(strstr(jentry_get(&j.items[0], "MESSAGE"), "(dry run)"));
        jentries_free(&j);
        kmsg_write("%s dry 2", token);
        wait_firing(a, "dry", "2");
        assert_int_equal(count(a, FL_MESSAGE_TRIGGER_RECORDED, NULL), 0);
        assert_int_equal(agent_stop(a), 0);

        /* The dry run neither saved nor used a cursor: the real run reads
         * this boot from its start and so sees both lines again, and hands
         * each firing to the delivery. */
        agent_start(a, NULL, NULL);
        agent_wait_entries(
                a, FL_MESSAGE_FIRING, MATCH("FAULTLINE_RULE=dry", "FAULTLINE_DRY_RUN=0"), 2, &j);
        agent_wait_entries(a, FL_MESSAGE_TRIGGER_RECORDED, MATCH("FAULTLINE_RULE=dry"), 2, &t);
        for (size_t i = 0; i < 2; i++) {
                const char *idem = jentry_get(&t.items[i], "FAULTLINE_IDEMPOTENCY_KEY");
                bool matched = false;

                for (size_t k = 0; k < j.n; k++)
                        matched |= strcmp(jentry_get(&j.items[k], "FAULTLINE_IDEMPOTENCY_KEY"),
                                           idem) == 0;
                assert_true(matched);
                body = json_loads(jentry_get(&t.items[i], "FAULTLINE_TRIGGER"), 0, &err);
                assert_non_null(body);
                assert_string_equal(json_string_value(json_object_get(body, "node")), a->node);
                assert_string_equal(json_string_value(json_object_get(body, "workflow")), "wf-dry");
                assert_string_equal(json_string_value(json_object_get(body, "rule")), "dry");
                assert_string_equal(
                        json_string_value(json_object_get(body, "idempotency_key")), idem);
                assert_true(json_is_false(json_object_get(body, "dry_run")));
                assert_string_equal(json_string_value(json_object_get(
                                            json_object_get(body, "event"), "source")),
                        "journal");
                assert_non_null(json_object_get(json_object_get(body, "params"), "n"));
                assert_int_equal(strlen(json_string_value(json_object_get(body, "observed_at"))),
                        strlen("2026-11-27T03:58:00.123456Z"));
                json_decref(TAKE_PTR(body));
        }
        jentries_free(&t);
        jentries_free(&j);
        assert_int_equal(agent_stop(a), 0);
}

/* ---- sources that fail to start ---- */

static void test_source_failure(void **state) {
        _cleanup_free_ char *extra = NULL;
        struct jentries j;
        struct agent *a = *state;

        agent_init(a, NULL);
        extra = fmt("sources {\n  bpf = false\n}\njournal_directory = \"%s/missing\"\n"
                    "sysfs_root = \"%s\"\n",
                a->dir, a->dir);
        agent_write_config(a, extra);
        /* The journal source cannot start; sysfs runs: the agent starts. */
        agent_start(a, NULL, NULL);
        agent_wait_entries(a, FL_MESSAGE_SOURCE_DEGRADED, MATCH("FAULTLINE_SOURCE=journal"), 1, &j);
        assert_string_equal(jentry_get(&j.items[0], "ERRNO"), "2");
        jentries_free(&j);
        agent_entries(a, FL_MESSAGE_STARTED, NULL, &j);
        assert_non_null(strstr(jentry_get(&j.items[0], "FAULTLINE_STATUS"), "sources: sysfs"));
        jentries_free(&j);
        assert_int_equal(agent_stop(a), 0);

        /* With every source required, the same failure stops the agent. */
        free(extra);
        extra = fmt("sources {\n  bpf = false\n  required = true\n}\n"
                    "journal_directory = \"%s/missing\"\nsysfs_root = \"%s\"\n",
                a->dir, a->dir);
        agent_write_config(a, extra);
        agent_spawn(a, NULL, NULL);
        assert_int_equal(agent_kill_wait(a, 0), 1);
        assert_int_equal(count(a, FL_MESSAGE_STARTED, NULL), 1);
}

/* BPF unavailable (no CAP_BPF, CAP_PERFMON, CAP_SYS_ADMIN): the other sources
 * run; with every source required, the agent does not start. */
static void test_bpf_unavailable(void **state) {
        _cleanup_free_ char *extra = NULL;
        struct agent *a = *state;
        struct jentries j;

        agent_init(a, NULL);
        extra = fmt("sysfs_root = \"%s\"\n", a->dir);
        agent_write_config(a, extra);
        a->no_bpf_caps = true;
        agent_start(a, NULL, NULL);
        agent_wait_entries(a, FL_MESSAGE_SOURCE_DEGRADED, MATCH("FAULTLINE_SOURCE=bpf"), 1, &j);
        assert_string_equal(jentry_get(&j.items[0], "FAULTLINE_REASON"), "failed to start");
        assert_non_null(jentry_get(&j.items[0], "ERRNO"));
        jentries_free(&j);
        agent_entries(a, FL_MESSAGE_STARTED, NULL, &j);
        assert_non_null(strstr(
                jentry_get(&j.items[0], "FAULTLINE_STATUS"), "sources: journal sysfs 0 sensors;"));
        jentries_free(&j);
        assert_int_equal(count(a, FL_MESSAGE_BPF_ATTACH, NULL), 0);
        assert_int_equal(agent_stop(a), 0);

        free(extra);
        extra = fmt("sysfs_root = \"%s\"\nsources { required = true }\n", a->dir);
        agent_write_config(a, extra);
        agent_spawn(a, NULL, NULL);
        assert_int_equal(agent_kill_wait(a, 0), 1);
        assert_int_equal(count(a, FL_MESSAGE_STARTED, NULL), 1);
        assert_int_equal(count(a, FL_MESSAGE_SOURCE_DEGRADED, MATCH("FAULTLINE_SOURCE=bpf")), 2);
}

int main(void) {
        const struct CMUnitTest tests[] = {
                cmocka_unit_test_setup_teardown(test_notify, agent_setup, agent_teardown),
                cmocka_unit_test_setup_teardown(test_kmsg_restart, agent_setup, agent_teardown),
                cmocka_unit_test_setup_teardown(test_reload, agent_setup, agent_teardown),
                cmocka_unit_test_setup_teardown(
                        test_sighup_before_debounce, agent_setup, agent_teardown),
                cmocka_unit_test_setup_teardown(
                        test_sysfs_and_metrics, agent_setup, agent_teardown),
                cmocka_unit_test_setup_teardown(test_dry_run, agent_setup, agent_teardown),
                cmocka_unit_test_setup_teardown(test_source_failure, agent_setup, agent_teardown),
                cmocka_unit_test_setup_teardown(test_bpf_unavailable, agent_setup, agent_teardown),
        };
        /* FL_TEST_FILTER=test_reload runs one test (cmocka glob). */
        if (getenv("FL_TEST_FILTER"))
                cmocka_set_test_filter(getenv("FL_TEST_FILTER"));
        return cmocka_run_group_tests(tests, setup, NULL);
}
