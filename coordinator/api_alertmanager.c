/* SPDX-License-Identifier: Apache-2.0 */
/*
 * POST /v1/alertmanager: Prometheus Alertmanager's webhook (payload version
 * 4) as a source of triggers, so sites that alert from Prometheus today get
 * the same constraints, decisions and audit:
 *
 *   {"version": "4", "status": "firing", "receiver": "faultline",
 *    "alerts": [{"status": "firing", "labels": {"alertname": "DiskErrors",
 *                "instance": "node-17:9100", "device": "sda"},
 *                "annotations": {...}, "startsAt": "2026-11-26T18:18:18.147Z",
 *                "fingerprint": "b8abdb339b3edfaa", ...}], ...}
 *
 * One decision per firing alert; resolved alerts start nothing. The
 * alertmanager block maps alertnames to workflow configs and names the
 * label that holds the node; the node's type and datacenter come from the
 * agent_key that is bound to it (alerts carry no signature, so the node must
 * be one a key speaks for). The caller is authenticated by its mTLS identity:
 * the ACL, and on top of it the block's `callers`, since a public POST rule
 * (as in the seed) would otherwise let anyone ask for remediation.
 *
 * The idempotency key is "am-<fingerprint>-<startsAt in seconds>": resends
 * of one firing episode (Alertmanager repeats every repeat_interval) are
 * duplicates, a new episode of the same alert is a new trigger.
 *
 * The answer lists what happened to each alert. It is 503 when a decision
 * could not be made or was deferred (Alertmanager then sends the group
 * again), 200 otherwise.
 */
#include "submission.h"

#include "names.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ALERTS_MAX      1000
#define FINGERPRINT_MAX 32

struct batch {
        struct fl_manager *m;
        struct fl_request *r;
        json_t *results; /* one object per alert, in order */
        unsigned pending;
        bool retry; /* some alert needs Alertmanager to send it again */
};

static void batch_finish(struct batch *b) {
        fl_request_reply_json(
                b->r, b->retry ? 503 : 200, json_pack("{s:O}", "alerts", b->results), NULL, NULL);
        json_decref(b->results);
        free(b);
}

/* Where one alert's answer goes. */
struct slot {
        struct batch *b;
        size_t index;
};

static void on_decided(
        struct fl_submission *s, const struct fl_decision_result *res, void *userdata) {
        struct slot *k = userdata;
        struct batch *b = k->b;
        json_t *result = json_array_get(b->results, k->index), *answer = NULL;
        const char *header;
        char value[32];

        if (fl_api_decision_answer(b->m, res, &answer, &header, value, sizeof(value)) >= 0 &&
                answer && result)
                json_object_update(result, answer);
        json_decref(answer);
        if (res->decision == FL_DECISION_FAILED || res->decision == FL_DECISION_DEFERRED)
                b->retry = true;
        free(k);
        if (--b->pending == 0)
                batch_finish(b);
}

/* "node-17:9100" -> "node-17", "[::1]:9100" -> "::1" (not a valid name:
 * refused later), "node-17" unchanged. */
static void strip_port(char *s) {
        char *colon = strrchr(s, ':');

        if (s[0] == '[') {
                char *close = strchr(s, ']');
                if (close) {
                        memmove(s, s + 1, (size_t) (close - s - 1));
                        s[close - s - 1] = '\0';
                }
                return;
        }
        if (colon && strchr(s, ':') == colon)
                *colon = '\0';
}

static const struct fl_alertmanager_route *find_route(
        const struct fl_alertmanager_config *a, const char *alertname) {
        for (size_t i = 0; alertname && i < a->n_routes; i++)
                if (strcmp(a->routes[i].alertname, alertname) == 0)
                        return &a->routes[i];
        return NULL;
}

static bool hex(const char *s) {
        size_t n = s ? strlen(s) : 0;

        if (n == 0 || n > FINGERPRINT_MAX)
                return false;
        for (size_t i = 0; i < n; i++)
                if (!strchr("0123456789abcdefABCDEF", s[i]))
                        return false;
        return true;
}

/* Turns one firing alert into a trigger and queues its decision. Returns 0
 * when queued (the result comes through on_decided), or fills `result` with
 * why nothing was queued; *ret_retry when sending it again could help. */
static int alert_submit(
        struct batch *b, json_t *alert, size_t index, json_t *result, bool *ret_retry) {
        const struct fl_alertmanager_config *a = &b->m->config->alertmanager;
        json_t *labels = json_object_get(alert, "labels"), *params, *event, *trigger;
        const char *alertname = json_string_value(json_object_get(labels, "alertname"));
        const char *fingerprint = json_string_value(json_object_get(alert, "fingerprint"));
        const char *starts = json_string_value(json_object_get(alert, "startsAt"));
        const struct fl_alertmanager_route *route = find_route(a, alertname);
        const struct fl_agent_key *key;
        struct fl_trigger_request t = {};
        struct fl_submission *s;
        struct slot *k;
        char node[FL_NAME_MAX * 4], idem[80], err[256], *text;
        const char *error;
        int64_t starts_usec;
        int r;

        json_object_set_new(result, "alertname", json_string(alertname ? alertname : ""));
        if (!route) {
                json_object_set_new(result, "decision", json_string("ignored"));
                json_object_set_new(result, "reason", json_string("no route for this alertname"));
                return -ENOENT;
        }
        snprintf(node, sizeof(node), "%s",
                json_string_value(json_object_get(labels, a->node_label))
                        ? json_string_value(json_object_get(labels, a->node_label))
                        : "");
        if (a->strip_port)
                strip_port(node);
        json_object_set_new(result, "node", json_string(node));
        key = fl_name_valid(node) ? fl_coordinator_config_node_binding(b->m->config, node) : NULL;
        if (!key) {
                json_object_set_new(result, "error", json_string("unknown_node"));
                json_object_set_new(result, "message",
                        json_string("the node label names no node an agent_key is bound to"));
                return -ENOENT;
        }
        if (!hex(fingerprint) || !starts || fl_temporal_parse_time(starts, &starts_usec) < 0) {
                json_object_set_new(result, "error", json_string("bad_request"));
                json_object_set_new(result, "message",
                        json_string("a firing alert needs a hex fingerprint and startsAt"));
                return -EINVAL;
        }
        snprintf(
                idem, sizeof(idem), "am-%s-%lld", fingerprint, (long long) (starts_usec / 1000000));

        params = json_object();
        for (size_t i = 0; params && i < route->n_params; i++) {
                json_t *v = json_object_get(labels, route->params[i]);
                if (json_is_string(v))
                        json_object_set(params, route->params[i], v);
        }
        event = json_pack("{s:s, s:O?, s:O?, s:s, s:s, s:O?}", "source", "alertmanager", "labels",
                labels, "annotations", json_object_get(alert, "annotations"), "fingerprint",
                fingerprint, "startsAt", starts, "generatorURL",
                json_object_get(alert, "generatorURL"));
        trigger = json_pack("{s:s, s:s, s:s, s:s, s:o?, s:o?, s:s}", "node", node, "workflow",
                route->workflow, "rule", route->rule, "idempotency_key", idem, "params", params,
                "event", event, "observed_at", starts);
        text = trigger ? json_dumps(trigger, JSON_COMPACT) : NULL;
        json_decref(trigger);
        /* The same checks as a signed trigger's body. */
        r = text ? fl_trigger_decode(text, strlen(text), &t, err, sizeof(err)) : -ENOMEM;
        free(text);
        if (r < 0) {
                json_object_set_new(result, "error", json_string("bad_request"));
                json_object_set_new(
                        result, "message", json_string(r == -ENOMEM ? "out of memory" : err));
                *ret_retry = r == -ENOMEM;
                return r;
        }
        k = calloc(1, sizeof(*k));
        s = k ? fl_submission_new(
                        b->m, &t, key, false, b->r->identity, "alertmanager", on_decided, k)
              : NULL;
        if (!s) {
                free(k);
                fl_trigger_request_done(&t);
                *ret_retry = true;
                return -ENOMEM;
        }
        *k = (struct slot){b, index};
        b->pending++;
        r = fl_submission_start(s, &error, err, sizeof(err));
        if (r == 0)
                return 0;
        b->pending--;
        json_object_set_new(result, "error", json_string(error));
        json_object_set_new(result, "message", json_string(err));
        fl_submission_free(s);
        free(k);
        *ret_retry = r >= 500 || r == 429;
        return -EIO;
}

void fl_api_alertmanager(struct fl_request *r, void *userdata) {
        struct fl_manager *m = userdata;
        const struct fl_alertmanager_config *a = &m->config->alertmanager;
        json_error_t jerr;
        json_t *body, *alerts, *alert;
        struct batch *b;
        const void *data;
        size_t size, i;
        bool allowed = false;

        if (!a->configured) {
                fl_request_reply_error(r, 404, "not_found",
                        "the Alertmanager receiver is not configured (alertmanager block)");
                return;
        }
        for (i = 0; r->identity && i < a->n_callers; i++)
                allowed = allowed || strcmp(a->callers[i], r->identity) == 0;
        if (!allowed) {
                fl_metrics_refusal(m->metrics, "forbidden");
                fl_request_reply_error(r, 403, "forbidden",
                        "%s may not post alerts (alertmanager.callers)",
                        r->identity ? r->identity : "a client without identity");
                return;
        }
        data = fl_request_body(r, &size);
        body = json_loadb(data, size, JSON_REJECT_DUPLICATES, &jerr);
        alerts = json_object_get(body, "alerts");
        if (!body || !json_is_object(body) ||
                !json_string_value(json_object_get(body, "version")) ||
                strcmp(json_string_value(json_object_get(body, "version")), "4") != 0 ||
                !json_is_array(alerts) || json_array_size(alerts) > ALERTS_MAX) {
                fl_request_reply_error(r, 400, "bad_request",
                        body ? "expected an Alertmanager webhook payload, version \"4\", with at "
                               "most 1000 alerts"
                             : "malformed JSON: %s",
                        jerr.text);
                json_decref(body);
                return;
        }
        b = calloc(1, sizeof(*b));
        if (!b || !(b->results = json_array())) {
                free(b);
                json_decref(body);
                fl_request_reply_error(r, 500, "internal", "out of memory");
                return;
        }
        b->m = m;
        b->r = r;
        b->pending = 1; /* until every alert is queued */
        json_array_foreach (alerts, i, alert) {
                const char *status = json_string_value(json_object_get(alert, "status"));
                json_t *result = json_pack("{s:s?, s:s?}", "fingerprint",
                        json_string_value(json_object_get(alert, "fingerprint")), "status", status);
                bool retry = false;

                if (!result || json_array_append_new(b->results, result) < 0) {
                        b->retry = true;
                        continue;
                }
                if (!status || strcmp(status, "firing") != 0) {
                        /* Resolved: nothing to start (running remediation
                         * goes on; stopping it is an operator's call). */
                        json_object_set_new(result, "decision", json_string("ignored"));
                        json_object_set_new(
                                result, "reason", json_string("only firing alerts start anything"));
                        continue;
                }
                if (alert_submit(b, alert, i, result, &retry) < 0 && retry)
                        b->retry = true;
        }
        json_decref(body);
        if (--b->pending == 0)
                batch_finish(b);
}
