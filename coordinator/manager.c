/* SPDX-License-Identifier: Apache-2.0 */
#include "manager.h"

#include "fileio.h"
#include "messages.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <systemd/sd-daemon.h>
#include <time.h>

#define STATUS_INTERVAL_SEC 5
#define STOP_GRACE_USEC     (10 * 1000000ull)
#define API_KEY_MAX         (16 * 1024)

static const struct fl_route routes[] = {
        {"/v1/triggers", FL_METHOD_POST, "triggers", fl_api_triggers},
        {"/v1/workflows", FL_METHOD_GET, "workflows", fl_api_workflows},
        {"/v1/executions", FL_METHOD_GET, "executions", fl_api_executions},
        {"/v1/pause", FL_METHOD_GET | FL_METHOD_POST | FL_METHOD_DELETE, "pause", fl_api_pause},
        {"/v1/alertmanager", FL_METHOD_POST, "alertmanager", fl_api_alertmanager},
        {"/healthz", FL_METHOD_GET | FL_METHOD_HEAD, "healthz", fl_api_healthz},
        {"/metrics", FL_METHOD_GET, "metrics", fl_api_metrics},
        {},
};

static uint64_t mono_usec(void) {
        struct timespec ts;

        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

static void on_request_done(const struct fl_request *r, const char *route, int status,
        uint64_t duration_usec, void *userdata) {
        struct fl_manager *m = userdata;

        fl_metrics_request(m->metrics, route, status, duration_usec);
        if (!m->config->access_log || r->skip_log)
                return;
        fl_journal_access(m->journal, &(struct fl_journal_access){
                                              .method = fl_method_to_string(r->method),
                                              .path = r->path,
                                              .route = route,
                                              .caller = r->identity,
                                              .peer = r->peer,
                                              .detail = r->log_detail,
                                              .status = status,
                                              .duration_usec = duration_usec,
                                      });
}

static void update_status(struct fl_manager *m) {
        struct fl_decider_stats ds;

        fl_decider_get_stats(m->decider, &ds);
        sd_notifyf(0,
                "STATUS=%s: %zu workflows, %zu pauses, Temporal %s, %" PRIu64 " pending; %" PRIu64
                " started, %" PRIu64 " rejected, %" PRIu64 " duplicate",
                m->stopping ? "stopping" : "serving", fl_workflow_set_size(m->workflows),
                fl_pause_state_size(m->pauses),
                fl_temporal_available(m->temporal) ? "available" : "unavailable", ds.pending,
                m->decisions[FL_DECISION_STARTED], m->decisions[FL_DECISION_REJECTED],
                m->decisions[FL_DECISION_DUPLICATE]);
}

static void on_status(evutil_socket_t fd, short what, void *userdata) {
        update_status(userdata);
}

static void on_watchdog(evutil_socket_t fd, short what, void *userdata) {
        sd_notify(0, "WATCHDOG=1");
}

/* ---- workflow configs ------------------------------------------------------- */

static void log_diags(struct fl_manager *m, const struct fl_diags *d) {
        for (size_t i = 0; i < d->n_items; i++) {
                char file[4200], line[32];
                const char *fields[] = {file, line, NULL};

                snprintf(file, sizeof(file), "CONFIG_FILE=%s", d->items[i].file);
                snprintf(line, sizeof(line), "CONFIG_LINE=%u", d->items[i].line);
                fl_journal_message(m->journal, LOG_ERR, FL_MESSAGE_WORKFLOW_INVALID, fields,
                        "%s:%u:%u: %s", d->items[i].file, d->items[i].line, d->items[i].column,
                        d->items[i].message);
        }
        if (d->n_dropped > 0)
                fl_journal_message(m->journal, LOG_ERR, FL_MESSAGE_WORKFLOW_INVALID, NULL,
                        "... and %zu more problems", d->n_dropped);
}

/* Loads workflows.d; files with problems keep their last good version. */
static int load_workflows(struct fl_manager *m) {
        _cleanup_(fl_diags_freep) struct fl_diags *d = fl_diags_new();
        struct fl_workflow_set *set = NULL;
        size_t n_invalid = 0;
        int r;

        if (!d)
                return -ENOMEM;
        r = fl_workflow_set_load(m->workflows_dir, m->workflows, d, &set, &n_invalid);
        log_diags(m, d);
        if (r < 0)
                return r; /* the directory is unreadable: keep what we have */
        fl_workflow_set_free(m->workflows);
        m->workflows = set;
        fl_journal_message(m->journal, n_invalid ? LOG_WARNING : LOG_INFO,
                FL_MESSAGE_WORKFLOWS_LOADED, NULL,
                "%zu workflow configs in force from %s, %zu with problems (previous versions "
                "kept)",
                fl_workflow_set_size(set), m->workflows_dir, n_invalid);
        return 0;
}

static void on_sighup(evutil_socket_t fd, short what, void *userdata) {
        struct fl_manager *m = userdata;

        if (!m->stopping)
                (void) load_workflows(m);
        update_status(m);
}

/* ---- Temporal at startup -------------------------------------------------- */

/* A count over all five search attributes: Temporal refuses the query (400)
 * when one is not registered, which would otherwise only show when the first
 * workflow fails to start. Says so in the journal; never stops anything. */
static void on_probe(const struct fl_temporal_reply *reply, int64_t count, void *userdata) {
        struct fl_manager *m = userdata;

        if (reply->error == 0)
                return;
        if (reply->error == -EINVAL)
                fl_journal_message(m->journal, LOG_ERR, FL_MESSAGE_TEMPORAL_PROBLEM, NULL,
                        "Temporal namespace %s lacks faultline's search attributes (register "
                        "FaultlineNode, FaultlineNodeType, FaultlineDatacenter, FaultlineRule and "
                        "FaultlineWorkflow as Keyword, see docs/temporal.md): %s",
                        m->config->temporal.namespace, reply->message ? reply->message : "");
        else
                fl_journal_message(m->journal, LOG_WARNING, FL_MESSAGE_TEMPORAL_PROBLEM, NULL,
                        "Temporal at %s is not usable yet (%s): triggers are answered 503 until "
                        "it is",
                        m->config->temporal.url,
                        reply->message ? reply->message : strerror(-reply->error));
}

static void probe_temporal(struct fl_manager *m) {
        (void) fl_temporal_count(m->temporal,
                "FaultlineNode = '-' AND FaultlineNodeType = '-' AND FaultlineDatacenter = '-' "
                "AND FaultlineRule = '-' AND FaultlineWorkflow = '-'",
                FL_TEMPORAL_NO_RETRY, on_probe, m);
}

/* ---- stopping ------------------------------------------------------------- */

static void on_drain(evutil_socket_t fd, short what, void *userdata) {
        struct fl_manager *m = userdata;
        struct fl_decider_stats ds;

        fl_decider_get_stats(m->decider, &ds);
        if (ds.pending > 0 && mono_usec() < m->stop_deadline_usec)
                return;
        /* Replies just sent still have to reach their sockets: one more
         * short turn of the loop. */
        event_del(m->drain);
        struct timeval tv = {.tv_usec = 100000};
        event_base_loopexit(m->base, &tv);
}

static void on_stop(evutil_socket_t fd, short what, void *userdata) {
        struct fl_manager *m = userdata;
        struct timeval tv = {.tv_usec = 50000};

        if (m->stopping)
                return;
        m->stopping = true;
        sd_notify(0, "STOPPING=1");
        fl_server_stop_listening(m->server);
        fl_decider_shutdown(m->decider);
        update_status(m);
        m->stop_deadline_usec = mono_usec() + STOP_GRACE_USEC;
        m->drain = event_new(m->base, -1, EV_PERSIST, on_drain, m);
        if (!m->drain || event_add(m->drain, &tv) < 0)
                event_base_loopexit(m->base, NULL);
}

/* ---- setup ------------------------------------------------------------------ */

static int read_api_key(const char *path, char **ret) {
        _cleanup_free_ char *data = NULL;
        size_t size;
        int r;

        r = fl_read_file_at(AT_FDCWD, path, API_KEY_MAX, &data, &size);
        if (r < 0)
                return r;
        while (size > 0 &&
                (data[size - 1] == '\n' || data[size - 1] == '\r' || data[size - 1] == ' '))
                data[--size] = '\0';
        if (size == 0 || strpbrk(data, "\r\n"))
                return -EBADMSG;
        *ret = TAKE_PTR(data);
        return 0;
}

static void manager_free(struct fl_manager *m) {
        /* Order matters: queued decisions are cancelled and answered while
         * the server still holds their connections; freeing the Temporal
         * client ends the running ones (their callbacks point into the
         * decider); only then can the decider and the server go. */
        if (m->decider)
                fl_decider_shutdown(m->decider);
        m->temporal = fl_temporal_free(m->temporal);
        m->decider = fl_decider_free(m->decider);
        m->server = fl_server_free(m->server);
        m->nonces = fl_nonce_cache_free(m->nonces);
        if (m->journal)
                fl_journal_message(m->journal, LOG_INFO, FL_MESSAGE_STOPPED, NULL,
                        "faultline-coordinator stopped");
        m->journal = fl_journal_free(m->journal);
        m->metrics = fl_metrics_free(m->metrics);
        const struct event *events[] = {
                m->sigterm, m->sigint, m->sighup, m->watchdog, m->status, m->drain};
        for (size_t i = 0; i < ELEMENTSOF(events); i++)
                if (events[i])
                        event_free((struct event *) events[i]);
        fl_workflow_set_free(m->workflows);
        fl_pause_state_free(m->pauses);
        fl_coordinator_config_free(m->config);
        free(m->temporal_api_key);
        free(m->workflows_dir);
        if (m->base)
                event_base_free(m->base);
}

static int setup(struct fl_manager *m, const char *config_path, const char *workflows_dir) {
        _cleanup_(fl_diags_freep) struct fl_diags *d = fl_diags_new();
        const struct fl_coordinator_config *cfg;
        uint64_t watchdog_usec = 0;
        struct timeval tv;
        char err[512];
        int r;

        if (!d)
                return -ENOMEM;
        r = fl_coordinator_config_load(config_path, d, &m->config);
        if (r < 0) {
                fl_diags_print(d, stderr);
                return r;
        }
        cfg = m->config;
        m->workflows_dir = strdup(workflows_dir ? workflows_dir : cfg->workflows_dir);
        if (!m->workflows_dir)
                return -ENOMEM;
        r = fl_pause_state_load(cfg->state_dir, d, &m->pauses);
        if (r < 0) {
                fl_diags_print(d, stderr);
                fprintf(stderr, "faultline-coordinator: refusing to start without the pause "
                                "state (remove or repair the file)\n");
                return r;
        }
        if (cfg->temporal.api_key_file) {
                r = read_api_key(cfg->temporal.api_key_file, &m->temporal_api_key);
                if (r < 0) {
                        fprintf(stderr, "faultline-coordinator: temporal.api_key_file %s: %s\n",
                                cfg->temporal.api_key_file,
                                r == -EBADMSG ? "not one line of text" : strerror(-r));
                        return r;
                }
        }

        m->base = event_base_new();
        if (!m->base)
                return -ENOMEM;
        r = fl_journal_new(m->base,
                &(struct fl_journal_options){.fold_interval_usec = cfg->fold_interval_usec,
                        .max_priority = cfg->log_level},
                &m->journal);
        if (r < 0)
                return r;
        r = fl_metrics_new(&m->metrics);
        if (r < 0)
                return r;
        r = load_workflows(m);
        if (r < 0) {
                fprintf(stderr, "faultline-coordinator: cannot read %s: %s\n", m->workflows_dir,
                        strerror(-r));
                return r;
        }

        r = fl_temporal_new(m->base,
                &(struct fl_temporal_options){
                        .url = cfg->temporal.url,
                        .namespace = cfg->temporal.namespace,
                        .identity = cfg->temporal.identity,
                        .ca_file = cfg->temporal.ca_file,
                        .cert_file = cfg->temporal.cert_file,
                        .key_file = cfg->temporal.key_file,
                        .api_key = m->temporal_api_key,
                        .connect_timeout_usec = cfg->temporal.connect_timeout_usec,
                        .attempt_timeout_usec = cfg->temporal.attempt_timeout_usec,
                        .deadline_usec = cfg->temporal.deadline_usec,
                        .max_connections = (unsigned) cfg->temporal.max_connections,
                        .observe = fl_metrics_temporal,
                        .observe_userdata = m->metrics,
                },
                &m->temporal);
        if (r < 0) {
                fprintf(stderr, "faultline-coordinator: Temporal client for %s: %s\n",
                        cfg->temporal.url, strerror(-r));
                return r;
        }
        r = fl_decider_new(m->base,
                &(struct fl_decider_options){
                        .temporal = m->temporal,
                        .pauses = m->pauses,
                        .reject_cache_usec = cfg->reject_cache_usec,
                },
                &m->decider);
        if (r < 0)
                return r;
        r = fl_nonce_cache_new((size_t) cfg->nonce_cache_size, &m->nonces);
        if (r < 0)
                return r;
        r = fl_server_new(m->base,
                &(struct fl_server_options){
                        .config = cfg,
                        .routes = routes,
                        .userdata = m,
                        .done = on_request_done,
                },
                &m->server, err, sizeof(err));
        if (r < 0) {
                fprintf(stderr, "faultline-coordinator: %s\n", err);
                return r;
        }

        m->sigterm = evsignal_new(m->base, SIGTERM, on_stop, m);
        m->sigint = evsignal_new(m->base, SIGINT, on_stop, m);
        m->sighup = evsignal_new(m->base, SIGHUP, on_sighup, m);
        m->status = event_new(m->base, -1, EV_PERSIST, on_status, m);
        tv = (struct timeval){.tv_sec = STATUS_INTERVAL_SEC};
        if (!m->sigterm || !m->sigint || !m->sighup || !m->status ||
                event_add(m->sigterm, NULL) < 0 || event_add(m->sigint, NULL) < 0 ||
                event_add(m->sighup, NULL) < 0 || event_add(m->status, &tv) < 0)
                return -ENOMEM;
        if (sd_watchdog_enabled(0, &watchdog_usec) > 0 && watchdog_usec > 0) {
                m->watchdog = event_new(m->base, -1, EV_PERSIST, on_watchdog, m);
                tv = (struct timeval){.tv_sec = (time_t) (watchdog_usec / 2 / 1000000),
                        .tv_usec = (suseconds_t) (watchdog_usec / 2 % 1000000)};
                if (!m->watchdog || event_add(m->watchdog, &tv) < 0)
                        return -ENOMEM;
        }
        return 0;
}

int fl_manager_run(const char *config_path, const char *workflows_dir) {
        struct fl_manager m = {.started_usec = mono_usec()};
        char listening[1024] = "";
        size_t len = 0;
        int r;

        /* A client vanishing mid-answer must not kill the daemon. */
        signal(SIGPIPE, SIG_IGN);
        r = setup(&m, config_path, workflows_dir);
        if (r < 0) {
                if (r == -ENOMEM)
                        fprintf(stderr, "faultline-coordinator: out of memory\n");
                sd_notifyf(0, "STATUS=failed to start: %s", strerror(-r));
                manager_free(&m);
                return 1;
        }
        for (size_t i = 0; i < fl_server_n_bound(m.server) && len < sizeof(listening); i++) {
                int k = snprintf(listening + len, sizeof(listening) - len, "%s%s", i ? " " : "",
                        fl_server_bound(m.server, i));
                if (k > 0)
                        len += (size_t) k;
        }
        fl_journal_message(m.journal, LOG_INFO, FL_MESSAGE_STARTED, NULL,
                "faultline-coordinator listening on %s, Temporal %s namespace %s", listening,
                m.config->temporal.url, m.config->temporal.namespace);
        /* Tests and scripts read this line to learn the port of "listen =
         * 127.0.0.1:0". */
        fprintf(stderr, "faultline-coordinator: listening on %s\n", listening);
        sd_notify(0, "READY=1");
        update_status(&m);
        probe_temporal(&m);

        r = event_base_dispatch(m.base);
        manager_free(&m);
        return r < 0 ? 1 : 0;
}
