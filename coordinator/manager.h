/* SPDX-License-Identifier: Apache-2.0 */
/*
 * faultline-coordinator as a daemon: one event_base owning every event
 * source (the HTTPS server, the Temporal client's curl multi, signals, the
 * watchdog and timers), the configuration, the workflow configs (reloaded on
 * SIGHUP), the pause state, the replay cache, the decider, the journal and
 * the metrics. main.c only parses options and calls fl_manager_run().
 *
 * Lifecycle: READY=1 once the listeners are bound; WATCHDOG=1 every half
 * WatchdogSec while the loop runs; STATUS= a one-line summary every few
 * seconds. SIGTERM (or SIGINT) stops accepting connections, lets pending
 * decisions finish (at most 10 s), answers the rest 503 and exits 0.
 */
#pragma once

#include <event2/event.h>
#include <stdbool.h>
#include <stdint.h>

#include "config.h"
#include "decide.h"
#include "journal.h"
#include "metrics.h"
#include "nonce.h"
#include "pause.h"
#include "server.h"
#include "temporal.h"
#include "workflows.h"

struct fl_manager {
        struct event_base *base;
        char *workflows_dir;
        struct fl_coordinator_config *config;
        struct fl_workflow_set *workflows;
        struct fl_pause_state *pauses;
        char *temporal_api_key;

        struct fl_journal *journal;
        struct fl_metrics *metrics;
        struct fl_temporal *temporal;
        struct fl_decider *decider;
        struct fl_nonce_cache *nonces;
        struct fl_server *server;

        struct event *sigterm, *sigint, *sighup, *watchdog, *status, *drain;
        uint64_t started_usec;
        uint64_t stop_deadline_usec;
        bool stopping;
        uint64_t decisions[_FL_DECISION_MAX];
};

/* Runs the daemon until SIGTERM. Returns the process exit status: 0 after a
 * clean stop, 1 when it could not start (the reason is on stderr). */
int fl_manager_run(const char *config_path, const char *workflows_dir);

/* The HTTP handlers (api_*.c); userdata is the struct fl_manager. */
void fl_api_triggers(struct fl_request *r, void *userdata);
void fl_api_healthz(struct fl_request *r, void *userdata);
void fl_api_metrics(struct fl_request *r, void *userdata);
void fl_api_workflows(struct fl_request *r, void *userdata);
void fl_api_executions(struct fl_request *r, void *userdata);
void fl_api_pause(struct fl_request *r, void *userdata);
void fl_api_alertmanager(struct fl_request *r, void *userdata);
