/* SPDX-License-Identifier: Apache-2.0 */
#include "temporal-sync.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct pending {
        bool done;
        struct fl_tsync_result *r;
};

uint64_t fl_tsync_now_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_MONOTONIC, &ts);
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

int64_t fl_tsync_realtime_usec(void) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void on_guard(evutil_socket_t fd, short what, void *userdata) {
        fprintf(stderr, "fl_tsync: operation did not finish within %u s\n", *(unsigned *) userdata);
        abort();
}

void fl_tsync_run_until(struct event_base *base, const bool *done, unsigned timeout_sec) {
        struct event *guard = evtimer_new(base, on_guard, &timeout_sec);
        struct timeval tv = {.tv_sec = timeout_sec};

        if (!guard)
                abort();
        evtimer_add(guard, &tv);
        while (!*done)
                if (event_base_loop(base, EVLOOP_ONCE) < 0)
                        abort();
        event_free(guard);
}

void fl_tsync_result_done(struct fl_tsync_result *r) {
        free(r->message);
        free(r->run_id);
        free(r->next_page_token);
        json_decref(r->executions);
        json_decref(r->raw);
        *r = (struct fl_tsync_result){};
}

static void copy_reply(struct fl_tsync_result *r, const struct fl_temporal_reply *reply) {
        r->error = reply->error;
        r->http_status = reply->http_status;
        r->grpc_code = reply->grpc_code;
        r->message = reply->message ? strdup(reply->message) : NULL;
        r->attempts = reply->attempts;
        r->latency_usec = reply->latency_usec;
}

static json_t *str_or_null(const char *s) {
        return s ? json_string(s) : json_null();
}

json_t *fl_tsync_execution_json(const struct fl_temporal_execution *e) {
        const char *status = fl_temporal_status_to_string(e->status);

        return json_pack(
                "{s:o, s:o, s:o, s:o, s:o, s:I, s:I, s:{s:o, s:o, s:o, s:o, s:o}, s:O, s:O}",
                "workflow_id", str_or_null(e->workflow_id), "run_id", str_or_null(e->run_id),
                "workflow_type", str_or_null(e->workflow_type), "task_queue",
                str_or_null(e->task_queue), "status", str_or_null(status), "start_time_usec",
                (json_int_t) e->start_time_usec, "close_time_usec", (json_int_t) e->close_time_usec,
                "search_attributes", "node", str_or_null(e->search_attributes.node), "node_type",
                str_or_null(e->search_attributes.node_type), "datacenter",
                str_or_null(e->search_attributes.datacenter), "rule",
                str_or_null(e->search_attributes.rule), "workflow",
                str_or_null(e->search_attributes.workflow), "all_search_attributes",
                e->all_search_attributes, "memo", e->memo);
}

static void on_start(const struct fl_temporal_reply *reply, const struct fl_temporal_started *s,
        void *userdata) {
        struct pending *p = userdata;

        copy_reply(p->r, reply);
        if (s) {
                p->r->started = s->started;
                p->r->run_id = s->run_id ? strdup(s->run_id) : NULL;
        }
        p->done = true;
}

static void on_count(const struct fl_temporal_reply *reply, int64_t count, void *userdata) {
        struct pending *p = userdata;

        copy_reply(p->r, reply);
        p->r->count = count;
        p->done = true;
}

static void on_list(const struct fl_temporal_reply *reply, const struct fl_temporal_execution *v,
        size_t n, const char *token, void *userdata) {
        struct pending *p = userdata;

        copy_reply(p->r, reply);
        p->r->executions = json_array();
        for (size_t i = 0; i < n; i++)
                json_array_append_new(p->r->executions, fl_tsync_execution_json(&v[i]));
        p->r->next_page_token = token ? strdup(token) : NULL;
        p->done = true;
}

static void on_describe(const struct fl_temporal_reply *reply,
        const struct fl_temporal_execution *e, json_t *raw, void *userdata) {
        struct pending *p = userdata;

        copy_reply(p->r, reply);
        p->r->executions = json_array();
        if (e)
                json_array_append_new(p->r->executions, fl_tsync_execution_json(e));
        p->r->raw = json_incref(raw);
        p->done = true;
}

static void on_done(const struct fl_temporal_reply *reply, void *userdata) {
        struct pending *p = userdata;

        copy_reply(p->r, reply);
        p->done = true;
}

static int finish(struct event_base *base, struct pending *p, int submit) {
        p->r->submit = submit;
        if (submit < 0) {
                p->r->error = submit;
                return submit;
        }
        fl_tsync_run_until(base, &p->done, 60);
        return p->r->error;
}

int fl_tsync_start(struct event_base *base, struct fl_temporal *t,
        const struct fl_temporal_start *req, unsigned flags, struct fl_tsync_result *r) {
        struct pending p = {.r = r};
        *r = (struct fl_tsync_result){};
        return finish(base, &p, fl_temporal_start_workflow(t, req, flags, on_start, &p));
}

int fl_tsync_count(struct event_base *base, struct fl_temporal *t, const char *query,
        unsigned flags, struct fl_tsync_result *r) {
        struct pending p = {.r = r};
        *r = (struct fl_tsync_result){};
        return finish(base, &p, fl_temporal_count(t, query, flags, on_count, &p));
}

int fl_tsync_list(struct event_base *base, struct fl_temporal *t, const char *query,
        unsigned page_size, const char *token, unsigned flags, struct fl_tsync_result *r) {
        struct pending p = {.r = r};
        *r = (struct fl_tsync_result){};
        return finish(base, &p, fl_temporal_list(t, query, page_size, token, flags, on_list, &p));
}

int fl_tsync_describe(struct event_base *base, struct fl_temporal *t, const char *workflow_id,
        const char *run_id, unsigned flags, struct fl_tsync_result *r) {
        struct pending p = {.r = r};
        *r = (struct fl_tsync_result){};
        return finish(
                base, &p, fl_temporal_describe(t, workflow_id, run_id, flags, on_describe, &p));
}

int fl_tsync_terminate(struct event_base *base, struct fl_temporal *t, const char *workflow_id,
        const char *reason, unsigned flags, struct fl_tsync_result *r) {
        struct pending p = {.r = r};
        *r = (struct fl_tsync_result){};
        return finish(base, &p, fl_temporal_terminate(t, workflow_id, reason, flags, on_done, &p));
}
