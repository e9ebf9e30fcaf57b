/* SPDX-License-Identifier: Apache-2.0 */
#include "manager.h"

#include "bpf_event.h"
#include "delivery.h"
#include "dispatch.h"
#include "metrics.h"
#include "prom.h"
#include "report.h"
#include "rules_load.h"
#include "rules_watch.h"
#include "source_bpf.h"
#include "source_journal.h"
#include "source_sysfs.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <systemd/sd-daemon.h>

#define TICK_ACCURACY_USEC (1000 * 1000)

struct fl_manager {
        struct fl_agent_config *config;
        char *rules_dir;
        bool dry_run;

        sd_event *event;
        sd_event_source *sigterm, *sigint, *sighup;
        sd_event_source *tick;

        struct fl_reporter *reporter;
        struct fl_engine *engine;
        struct fl_rules_dir *rules;
        struct fl_rules_watch *watch;
        struct fl_delivery *delivery;
        struct fl_agent_counters counters;
        struct fl_hashmap *rule_counters;
        struct fl_dispatch dispatch;

        struct source_bpf *bpf;
        struct fl_source_sysfs *sysfs;
        struct fl_source_journal *journal;
        int source_error[_FL_SOURCE_MAX]; /* why a configured source is not running */
        unsigned bpf_attached;

        struct fl_textfile *metrics;
        bool metrics_failing;

        /* Health as last reported, so each change is reported once. */
        unsigned sysfs_degraded;
        uint64_t bpf_process_errors;
        uint64_t journal_read_errors;
        uint64_t journal_cursor_errors;

        bool running; /* READY=1 sent */
        char *status; /* last STATUS= sent */
        const char *stop_reason;
};

static void log_from_module(int priority, const char *message, void *userdata) {
        fl_report_log(userdata, priority, "%s", message);
}

/* A source is about to persist its position: the triggers it caused first.
 * A failure is the delivery's to report (and it keeps them in memory). */
static void persist_barrier(void *userdata) {
        struct fl_manager *m = userdata;
        (void) fl_delivery_flush(m->delivery);
}

/* ---- status ---- */

static char *compose_status(struct fl_manager *m) {
        const struct fl_ruleset *rs = fl_engine_rules(m->engine);
        _cleanup_free_ char *text = NULL;
        size_t size = 0;
        FILE *f = open_memstream(&text, &size);

        if (!f)
                return NULL;
        fprintf(f, "%zu rules", rs->n_rules);
        if (m->counters.rule_problems)
                fprintf(f, " (%" PRIu64 " problems)", m->counters.rule_problems);
        fputs("; sources:", f);
        if (m->bpf)
                fprintf(f, " bpf %u/%u", m->bpf_attached, (unsigned) FL_BPF_KIND_MAX);
        if (m->journal)
                fputs(" journal", f);
        if (m->sysfs) {
                struct fl_sysfs_stats st;
                fl_source_sysfs_get_stats(m->sysfs, &st);
                fprintf(f, " sysfs %u sensors", st.sensors_ok);
                if (st.sensors_degraded)
                        fprintf(f, " (%u degraded)", st.sensors_degraded);
        }
        if (!m->bpf && !m->journal && !m->sysfs)
                fputs(" none", f);
        fprintf(f, "; %" PRIu64 " firings", m->counters.firings);
        if (m->dry_run)
                fputs("; dry run", f);
        else
                fprintf(f, "; delivery %s", fl_delivery_name(m->delivery));
        if (fclose(f) != 0)
                return NULL;
        return TAKE_PTR(text);
}

static void update_status(struct fl_manager *m) {
        _cleanup_free_ char *s = NULL;

        /* Before READY=1 the sources are not all up: fl_manager_run()
         * sends the first summary. */
        if (!m->running)
                return;
        s = compose_status(m);
        if (!s || (m->status && strcmp(s, m->status) == 0))
                return;
        (void) sd_notifyf(0, "STATUS=%s", s);
        free(m->status);
        m->status = TAKE_PTR(s);
}

/* ---- rules ---- */

static void apply_filters(struct fl_manager *m) {
        const struct fl_ruleset *rs = fl_engine_rules(m->engine);
        int r;

        if (m->bpf) {
                struct source_bpf_filter filter;

                fl_ruleset_bpf_filter(rs, &filter);
                r = source_bpf_set_filter(m->bpf, &filter);
                if (r < 0)
                        fl_report_log(m->reporter, LOG_ERR,
                                "cannot update the in-kernel BPF filter: %s", strerror(-r));
        }
        if (m->journal) {
                _cleanup_free_ struct fl_journal_match_group *groups = NULL;
                size_t n = 0;

                r = fl_ruleset_journal_matches(rs, &groups, &n);
                if (r >= 0)
                        r = fl_source_journal_set_matches(m->journal, groups, n);
                if (r < 0)
                        fl_report_log(m->reporter, LOG_ERR,
                                "cannot update the journald matches: %s (the previous ones stay)",
                                strerror(-r));
        }
}

static int reload_rules(struct fl_manager *m, const char *why) {
        _cleanup_(fl_diags_freep) struct fl_diags *diags = fl_diags_new();
        struct fl_ruleset *rs = NULL;
        size_t problems;
        int r;

        if (!diags)
                return -ENOMEM;
        m->counters.reloads++;
        r = fl_rules_dir_reload(m->rules, diags, &rs);
        if (r < 0 && r != -EINVAL) {
                m->counters.reloads_failed++;
                fl_report_log(m->reporter, LOG_ERR,
                        "cannot read the rules in %s: %s (the rules in force stay)", m->rules_dir,
                        strerror(-r));
                return r;
        }
        for (size_t i = 0; i < diags->n_items; i++)
                (void) fl_report_rule_problem(m->reporter, &diags->items[i]);
        problems = diags->n_items + diags->n_dropped;
        if (problems)
                m->counters.reloads_failed++;
        m->counters.rule_problems = problems;

        r = fl_dispatch_set_rules(&m->dispatch, rs);
        fl_ruleset_unref(rs);
        if (r < 0) {
                fl_report_log(m->reporter, LOG_ERR, "cannot put the new rules in force: %s",
                        strerror(-r));
                return r;
        }
        apply_filters(m);
        (void) fl_report_rules_reloaded(
                m->reporter, m->rules_dir, why, fl_engine_rules(m->engine)->n_rules, problems);
        update_status(m);
        return 0;
}

static void on_rules_changed(void *userdata) {
        (void) reload_rules(userdata, "inotify");
}

/* ---- sources ---- */

static int source_failed(struct fl_manager *m, enum fl_source s, int error) {
        m->source_error[s] = error;
        (void) fl_report_source_degraded(
                m->reporter, fl_source_to_string(s), NULL, error, "failed to start");
        return m->config->sources.required ? error : 0;
}

static int start_bpf(struct fl_manager *m) {
        struct source_bpf_options opts = {
                .ringbuf_size_bytes = (size_t) m->config->bpf_ringbuf_bytes,
                .sysfs_root = m->config->sysfs_root,
        };
        _cleanup_free_ char *summary = NULL;
        struct source_bpf_stats st;
        int r;

        r = source_bpf_new_with_options(m->event, &opts, fl_dispatch_event, &m->dispatch, &m->bpf);
        if (r < 0)
                return source_failed(m, FL_SOURCE_BPF, r);
        r = source_bpf_get_stats(m->bpf, &st);
        if (r >= 0)
                m->bpf_attached = st.n_attached;
        if (source_bpf_summary(m->bpf, &summary) >= 0)
                (void) fl_report_bpf_attach(m->reporter, summary, m->bpf_attached);
        /* Absent tracepoints are normal (another kernel); one that exists
         * but would not load or attach is a degradation. */
        for (unsigned k = 0; r >= 0 && k < FL_BPF_KIND_MAX; k++)
                if (st.kinds[k].state == SOURCE_BPF_PROG_FAILED)
                        (void) fl_report_source_degraded(m->reporter, "bpf",
                                fl_bpf_kind_to_string(k), st.kinds[k].error,
                                "tracepoint failed to load or attach");
        if (m->bpf_attached == 0) {
                (void) fl_report_source_degraded(
                        m->reporter, "bpf", NULL, 0, "no tracepoint could be attached");
                if (m->config->sources.required)
                        return -ENODEV;
        }
        return 0;
}

static int start_sysfs(struct fl_manager *m) {
        struct fl_sysfs_config cfg = {
                .sysfs_root = m->config->sysfs_root,
                /* A dry run leaves the real agent's baselines alone. */
                .state_dir = m->dry_run ? NULL : m->config->state_dir,
                .interval_usec = m->config->sysfs_interval_usec,
                .rescan_usec = m->config->sysfs_rescan_usec,
                .log = log_from_module,
                .log_userdata = m->reporter,
                .barrier = persist_barrier,
                .barrier_userdata = m,
        };
        struct fl_sysfs_stats st;
        int r;

        r = fl_source_sysfs_new(m->event, &cfg, fl_dispatch_event, &m->dispatch, &m->sysfs);
        if (r < 0)
                return source_failed(m, FL_SOURCE_SYSFS, r);
        fl_source_sysfs_get_stats(m->sysfs, &st);
        if (st.state_errors)
                (void) fl_report_source_degraded(m->reporter, "sysfs", NULL, st.last_state_error,
                        "state file unusable, starting from fresh baselines");
        return 0;
}

static int start_journal(struct fl_manager *m) {
        struct fl_journal_config cfg = {
                /* A dry run neither reads nor moves the real agent's cursor:
                 * it reads the current boot from its start. */
                .state_dir = m->dry_run ? NULL : m->config->state_dir,
                .journal_directory = m->config->journal_directory,
                .log = log_from_module,
                .log_userdata = m->reporter,
                .barrier = persist_barrier,
                .barrier_userdata = m,
        };
        struct fl_journal_stats st;
        int r;

        r = fl_source_journal_new(m->event, &cfg, fl_dispatch_event, &m->dispatch, &m->journal);
        if (r < 0)
                return source_failed(m, FL_SOURCE_JOURNAL, r);
        fl_source_journal_get_stats(m->journal, &st);
        m->journal_cursor_errors = st.cursor_errors;
        if (st.cursor_errors)
                (void) fl_report_source_degraded(m->reporter, "journal", NULL, st.last_cursor_error,
                        "saved cursor unusable, reading from the start of this boot");
        return 0;
}

static int start_sources(struct fl_manager *m) {
        const struct fl_agent_sources *s = &m->config->sources;

        int r = 0;

        if (s->bpf)
                r = start_bpf(m);
        if (r >= 0 && s->sysfs)
                r = start_sysfs(m);
        if (r >= 0 && s->journal)
                r = start_journal(m);
        return r;
}

/* Reports each change of a source's health once. */
static void check_health(struct fl_manager *m) {
        char reason[128];

        if (m->sysfs) {
                struct fl_sysfs_stats st;

                fl_source_sysfs_get_stats(m->sysfs, &st);
                if (st.sensors_degraded > m->sysfs_degraded) {
                        snprintf(reason, sizeof(reason), "%u of %u sensors cannot be read",
                                st.sensors_degraded, st.sensors_ok + st.sensors_degraded);
                        (void) fl_report_source_degraded(m->reporter, "sysfs", NULL, 0, reason);
                } else if (st.sensors_degraded == 0 && m->sysfs_degraded > 0) {
                        (void) fl_report_source_recovered(
                                m->reporter, "sysfs", NULL, "every sensor reads again");
                }
                m->sysfs_degraded = st.sensors_degraded;
        }
        if (m->bpf) {
                struct source_bpf_stats st;

                if (source_bpf_get_stats(m->bpf, &st) >= 0 &&
                        st.process_errors > m->bpf_process_errors) {
                        snprintf(reason, sizeof(reason),
                                "%" PRIu64 " failed reads of the ring buffer or maps",
                                st.process_errors - m->bpf_process_errors);
                        (void) fl_report_source_degraded(
                                m->reporter, "bpf", NULL, st.last_process_error, reason);
                        m->bpf_process_errors = st.process_errors;
                }
        }
        if (m->journal) {
                struct fl_journal_stats st;

                fl_source_journal_get_stats(m->journal, &st);
                if (st.read_errors > m->journal_read_errors) {
                        snprintf(reason, sizeof(reason),
                                "%" PRIu64 " journal entries could not be read",
                                st.read_errors - m->journal_read_errors);
                        (void) fl_report_source_degraded(m->reporter, "journal", NULL, 0, reason);
                        m->journal_read_errors = st.read_errors;
                }
                if (st.cursor_errors > m->journal_cursor_errors) {
                        (void) fl_report_source_degraded(m->reporter, "journal", NULL,
                                st.last_cursor_error, "cannot save the journal cursor");
                        m->journal_cursor_errors = st.cursor_errors;
                }
        }
}

/* ---- metrics ---- */

static void write_metrics(struct fl_manager *m) {
        struct fl_metrics_view v = {
                .counters = &m->counters,
                .rule_counters = m->rule_counters,
                .engine = m->engine,
                .bpf = m->bpf,
                .sysfs = m->sysfs,
                .journal = m->journal,
                .delivery = m->delivery,
                .enabled = {[FL_SOURCE_BPF] = m->config->sources.bpf,
                        [FL_SOURCE_SYSFS] = m->config->sources.sysfs,
                        [FL_SOURCE_JOURNAL] = m->config->sources.journal},
        };
        _cleanup_free_ char *text = NULL;
        size_t size = 0;
        int r;

        if (!m->metrics)
                return;
        r = fl_metrics_render(&v, &text, &size);
        if (r >= 0)
                r = fl_textfile_update(m->metrics, text, size);
        if (r < 0) {
                m->counters.metrics_errors++;
                if (!m->metrics_failing)
                        fl_report_log(m->reporter, LOG_WARNING, "cannot write %s: %s",
                                m->config->metrics_file, strerror(-r));
                m->metrics_failing = true;
        } else if (m->metrics_failing) {
                fl_report_log(m->reporter, LOG_NOTICE, "writing %s again", m->config->metrics_file);
                m->metrics_failing = false;
        }
}

static int on_tick(sd_event_source *s, uint64_t usec, void *userdata) {
        struct fl_manager *m = userdata;

        check_health(m);
        update_status(m);
        write_metrics(m);
        /* From now, not from the planned expiry: a loop that was busy for
         * longer than an interval does not get a burst of catch-up ticks. */
        (void) sd_event_source_set_time_relative(s, m->config->metrics_interval_usec);
        return 0;
}

/* ---- signals ---- */

static int on_stop_signal(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        struct fl_manager *m = userdata;

        m->stop_reason = si->ssi_signo == SIGTERM ? "SIGTERM" : "SIGINT";
        return sd_event_exit(sd_event_source_get_event(s), 0);
}

static int on_sighup(sd_event_source *s, const struct signalfd_siginfo *si, void *userdata) {
        struct fl_manager *m = userdata;

        /* The directory may have been replaced since the watch was lost. */
        (void) fl_rules_watch_rearm(m->watch);
        (void) reload_rules(m, "SIGHUP");
        return 0;
}

static int setup_loop(struct fl_manager *m) {
        sigset_t mask;
        int r;

        r = sd_event_new(&m->event);
        if (r < 0)
                return r;
        /* sd-event reads signals from a signalfd: they must be blocked. */
        sigemptyset(&mask);
        sigaddset(&mask, SIGTERM);
        sigaddset(&mask, SIGINT);
        sigaddset(&mask, SIGHUP);
        /* The sender process is reaped through a pidfd child source, which
         * sd-event allows only with SIGCHLD blocked. */
        sigaddset(&mask, SIGCHLD);
        if (sigprocmask(SIG_BLOCK, &mask, NULL) < 0)
                return -errno;
        r = sd_event_add_signal(m->event, &m->sigterm, SIGTERM, on_stop_signal, m);
        if (r >= 0)
                r = sd_event_add_signal(m->event, &m->sigint, SIGINT, on_stop_signal, m);
        if (r >= 0)
                r = sd_event_add_signal(m->event, &m->sighup, SIGHUP, on_sighup, m);
        if (r < 0)
                return r;
        /* WATCHDOG=1 at half the service's WatchdogSec, only when set. */
        r = sd_event_set_watchdog(m->event, true);
        if (r < 0)
                return r;
        r = sd_event_add_time_relative(m->event, &m->tick, CLOCK_BOOTTIME,
                m->config->metrics_interval_usec, TICK_ACCURACY_USEC, on_tick, m);
        if (r < 0)
                return r;
        (void) sd_event_source_set_description(m->tick, "housekeeping");
        return sd_event_source_set_enabled(m->tick, SD_EVENT_ON);
}

/* ---- lifecycle ---- */

static int load_config(const struct fl_manager_options *opts, struct fl_agent_config **ret) {
        _cleanup_(fl_diags_freep) struct fl_diags *diags = fl_diags_new();
        const char *path = opts->config_path ? opts->config_path : FL_AGENT_CONFIG_DEFAULT_PATH;
        int r;

        if (!diags)
                return -ENOMEM;
        r = fl_agent_config_load(path, diags, ret);
        if (r == -EINVAL)
                (void) fl_diags_print(diags, stderr);
        return r;
}

int fl_manager_new(const struct fl_manager_options *opts, struct fl_manager **ret) {
        _cleanup_(fl_manager_freep) struct fl_manager *m = calloc(1, sizeof(*m));
        int r;

        if (!m)
                return -ENOMEM;
        m->dry_run = opts->dry_run;
        r = load_config(opts, &m->config);
        if (r < 0)
                return r;
        m->rules_dir = strdup(opts->rules_dir ? opts->rules_dir : m->config->rules_dir);
        if (!m->rules_dir)
                return -ENOMEM;
        r = fl_reporter_new(m->config->node.name, m->config->log_level, &m->reporter);
        if (r < 0)
                return r;
        r = setup_loop(m);
        if (r < 0) {
                fl_report_log(
                        m->reporter, LOG_ERR, "cannot set up the event loop: %s", strerror(-r));
                return r;
        }

        m->rule_counters = fl_hashmap_new();
        if (!m->rule_counters)
                return -ENOMEM;
        r = fl_engine_new(m->config->node.name, &m->engine);
        if (r < 0)
                return r;
        if (!m->dry_run) {
                struct fl_delivery_context ctx = {
                        .event = m->event, .config = m->config, .reporter = m->reporter};
                r = fl_delivery_new(&ctx, &m->delivery);
                if (r < 0) {
                        fl_report_log(
                                m->reporter, LOG_ERR, "cannot set up delivery: %s", strerror(-r));
                        return r;
                }
        }
        m->dispatch = (struct fl_dispatch){
                .node = m->config->node.name,
                .engine = m->engine,
                .reporter = m->reporter,
                .delivery = m->delivery,
                .counters = &m->counters,
                .rule_counters = m->rule_counters,
        };

        r = fl_rules_dir_new(m->rules_dir, &m->rules);
        if (r < 0)
                return r;
        r = fl_rules_watch_new(m->event, m->rules_dir, m->config->reload_delay_usec,
                on_rules_changed, m, &m->watch);
        if (r < 0) {
                fl_report_log(m->reporter, LOG_ERR, "cannot watch the rules directory %s: %s",
                        m->rules_dir, strerror(-r));
                return r;
        }
        /* Rules before sources: the engine is ready for the first event. */
        r = reload_rules(m, "start");
        if (r < 0)
                return r;

        r = start_sources(m);
        if (r < 0) {
                fl_report_log(m->reporter, LOG_ERR,
                        "a required source failed to start (sources { required = true })");
                return r;
        }
        apply_filters(m);

        if (m->config->metrics_file) {
                r = fl_textfile_new(m->config->metrics_file, &m->metrics);
                if (r < 0)
                        return r;
        }
        *ret = TAKE_PTR(m);
        return 0;
}

int fl_manager_run(struct fl_manager *m) {
        int r;

        m->stop_reason = "event loop ended";
        m->running = true;
        update_status(m);
        (void) sd_notify(0, "READY=1");
        (void) fl_report_started(m->reporter, m->status ? m->status : "", m->dry_run);
        write_metrics(m);

        r = sd_event_loop(m->event);

        (void) sd_notify(0, "STOPPING=1\nSTATUS=stopping");
        if (m->journal) {
                int k = fl_source_journal_flush_cursor(m->journal);
                if (k < 0)
                        fl_report_log(m->reporter, LOG_ERR, "cannot save the journal cursor: %s",
                                strerror(-k));
        }
        write_metrics(m);
        if (r < 0)
                fl_report_log(m->reporter, LOG_ERR, "event loop failed: %s", strerror(-r));
        (void) fl_report_stopped(m->reporter, r < 0 ? "event loop failed" : m->stop_reason);
        return r < 0 ? r : 0;
}

struct fl_manager *fl_manager_free(struct fl_manager *m) {
        if (!m)
                return NULL;
        /* Sources first: they call into the dispatch. */
        source_bpf_free(m->bpf);
        fl_source_sysfs_free(m->sysfs);
        fl_source_journal_free(m->journal);
        fl_rules_watch_free(m->watch);
        fl_delivery_free(m->delivery);
        fl_engine_free(m->engine);
        fl_rules_dir_free(m->rules);
        fl_rule_counters_free(m->rule_counters);
        fl_textfile_free(m->metrics);
        sd_event_source_disable_unref(m->tick);
        sd_event_source_disable_unref(m->sigterm);
        sd_event_source_disable_unref(m->sigint);
        sd_event_source_disable_unref(m->sighup);
        sd_event_unref(m->event);
        fl_reporter_free(m->reporter);
        fl_agent_config_free(m->config);
        free(m->rules_dir);
        free(m->status);
        free(m);
        return NULL;
}
