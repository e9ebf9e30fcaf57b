/* SPDX-License-Identifier: Apache-2.0 */
#include "sender.h"

#include "sender_channel.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#ifndef FL_SENDER_LIBEXEC_PATH
#define FL_SENDER_LIBEXEC_PATH "/usr/libexec/faultline/" FL_SENDER_NAME
#endif
#ifndef FL_SENDER_LIBEXEC_RELATIVE /* the libexec directory relative to the bin directory */
#define FL_SENDER_LIBEXEC_RELATIVE "../libexec"
#endif

#define USEC_PER_SEC        UINT64_C(1000000)
#define USEC_PER_MSEC       UINT64_C(1000)
#define SENDER_FD           3
#define EXIT_WAIT_MSEC      1000
/* A result overdue by this much past the request's own timeout means the
 * sender is stuck: it is killed and its requests fail. */
#define RESULT_GRACE_USEC   (5 * USEC_PER_SEC)
#define TIMER_ACCURACY_USEC (100 * USEC_PER_MSEC)
#define MESSAGE_MAX         512

struct proc;

struct request {
        uint64_t id;
        uint64_t deadline_usec; /* BOOTTIME */
        fl_http_done_fn done;
        void *userdata;
        struct request *next;
};

/* One sender process, from spawn to reaping. */
struct proc {
        struct fl_sender *s;
        pid_t pid;
        int pidfd;
        sd_event_source *exit_source;
        sd_event_source *watchdog; /* the oldest request's deadline */
        struct fl_channel *ch;     /* NULL once closed */
        struct request *requests;
        unsigned n_requests;
        bool ready;
        bool killed; /* by us: what it still says is ignored */
        bool failed; /* its hello was refused: its requests failed already */
        int error;   /* ... with this errno */
        char *why;   /* what went wrong, for "sender exited: ..." */
        struct proc *next;
};

struct fl_sender {
        sd_event *event;
        struct fl_sender_hello hello; /* strings owned */
        uint64_t idle_release_usec;
        uint64_t start_usec;
        char *path;
        char *url;

        struct proc *current; /* takes posts; NULL: spawn on the next one */
        struct proc *exiting; /* closed, not reaped yet */
        sd_event_source *idle;
        uint64_t next_id;
        uint64_t crash_usec[FL_SENDER_CRASHES_MAX]; /* ring: the last abnormal exits */
        unsigned crash_next;
        char last_crash[MESSAGE_MAX]; /* why the latest one ended, for the cap's message */
        char error[MESSAGE_MAX];
        struct fl_sender_stats stats;
};

static uint64_t now_usec(const struct fl_sender *s) {
        uint64_t t = 0;

        (void) sd_event_now(s->event, CLOCK_BOOTTIME, &t);
        return t;
}

/* ---- locating the executable ---- */

static int locate(const char *override, char **ret) {
        char exe[PATH_MAX], *slash, *path = NULL;
        ssize_t n;

        if (override) {
                if (access(override, X_OK) < 0)
                        return negative_errno();
                path = strdup(override);
                goto found;
        }
        n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
        if (n > 0) {
                exe[n] = '\0';
                slash = strrchr(exe, '/');
                if (slash) {
                        *slash = '\0';
                        if (asprintf(&path, "%s/%s", exe, FL_SENDER_NAME) < 0)
                                return -ENOMEM;
                        if (access(path, X_OK) == 0)
                                goto found;
                        free(path);
                        if (asprintf(&path, "%s/%s/faultline/%s", exe, FL_SENDER_LIBEXEC_RELATIVE,
                                    FL_SENDER_NAME) < 0)
                                return -ENOMEM;
                        if (access(path, X_OK) == 0)
                                goto found;
                        free(path);
                }
        }
        if (access(FL_SENDER_LIBEXEC_PATH, X_OK) < 0)
                return -ENOENT;
        path = strdup(FL_SENDER_LIBEXEC_PATH);
found:
        if (!path)
                return -ENOMEM;
        *ret = path;
        return 0;
}

/* ---- requests ---- */

static void arm_idle(struct fl_sender *s);
static void arm_watchdog(struct proc *p);

static struct request *take_request(struct proc *p, uint64_t id) {
        for (struct request **r = &p->requests; *r; r = &(*r)->next)
                if ((*r)->id == id) {
                        struct request *q = *r;
                        *r = q->next;
                        p->n_requests--;
                        p->s->stats.active--;
                        return q;
                }
        return NULL;
}

static void complete(struct proc *p, struct request *q, const struct fl_http_result *res) {
        struct fl_sender *s = p->s;

        if (res->failure == FL_HTTP_OK)
                s->stats.answers++;
        else
                s->stats.failures++;
        if (res->new_connection)
                s->stats.connections++;
        q->done(res, q->userdata);
        free(q);
}

/* Fails every request of `p` with `failure` and `error`. The callbacks may
 * post again (to another process: `p` is no longer current). */
static void fail_requests(struct proc *p, enum fl_http_failure failure, const char *error) {
        struct fl_http_result res = {.failure = failure, .body = "", .error = error};

        while (p->requests) {
                struct request *q = take_request(p, p->requests->id);
                complete(p, q, &res);
        }
        arm_watchdog(p);
}

/* ---- processes ---- */

static struct proc *proc_free(struct proc *p) {
        if (!p)
                return NULL;
        while (p->requests) {
                struct request *q = p->requests;
                p->requests = q->next;
                p->s->stats.active--;
                free(q);
        }
        sd_event_source_disable_unref(p->exit_source);
        sd_event_source_disable_unref(p->watchdog);
        fl_channel_free(p->ch);
        if (p->pidfd >= 0)
                close(p->pidfd);
        free(p->why);
        free(p);
        return NULL;
}

static void unlink_proc(struct proc *p) {
        struct fl_sender *s = p->s;

        if (s->current == p) {
                s->current = NULL;
                return;
        }
        for (struct proc **i = &s->exiting; *i; i = &(*i)->next)
                if (*i == p) {
                        *i = p->next;
                        return;
                }
}

/* No new posts for `p`: it is on its way out (the exit source reaps it). */
static void retire(struct proc *p) {
        struct fl_sender *s = p->s;

        if (s->current != p)
                return;
        s->current = NULL;
        p->next = s->exiting;
        s->exiting = p;
        if (s->idle)
                (void) sd_event_source_set_enabled(s->idle, SD_EVENT_OFF);
}

static void set_why(struct proc *p, const char *why) {
        if (!p->why)
                p->why = strdup(why);
}

/* The sender broke the protocol or got stuck: it is killed; its requests
 * fail when it has been reaped. (The channel stays until then: this may
 * run inside its callbacks.) */
static void kill_proc(struct proc *p, const char *why) {
        set_why(p, why);
        p->killed = true;
        (void) kill(p->pid, SIGKILL);
        retire(p);
}

static void on_ready(struct proc *p, json_t *m) {
        struct fl_sender *s = p->s;
        const char *url = json_string_value(json_object_get(m, "url"));
        char *copy;

        if (p->ready || p->failed || !url)
                return kill_proc(p, "protocol error: an unexpected \"ready\"");
        p->ready = true;
        if (!s->url || strcmp(s->url, url) != 0) {
                copy = strdup(url);
                if (copy) {
                        free(s->url);
                        s->url = copy;
                }
        }
}

static void on_error(struct proc *p, json_t *m) {
        const char *message;
        int error;

        if (fl_sender_error_from_json(m, &error, &message) < 0)
                return kill_proc(p, "protocol error: a malformed \"error\"");
        set_why(p, message);
        if (p->ready)
                return; /* its exit follows: the requests fail then */
        /* Hello refused: our own files are unusable, an operator's job. */
        p->failed = true;
        p->error = error;
        retire(p);
        fail_requests(p, FL_HTTP_TLS_CONFIG, message);
}

static void on_result(struct proc *p, json_t *m) {
        struct fl_http_result res;
        struct request *q;
        uint64_t id;

        if (fl_sender_result_from_json(m, &id, &res) < 0)
                return kill_proc(p, "protocol error: a malformed \"result\"");
        q = take_request(p, id);
        if (!q)
                return kill_proc(p, "protocol error: a result for no request");
        arm_watchdog(p);
        complete(p, q, &res);
        arm_idle(p->s);
}

static void on_message(void *userdata, const char *type, json_t *m) {
        struct proc *p = userdata;
        char why[128];

        if (p->killed)
                return;
        if (strcmp(type, "result") == 0)
                on_result(p, m);
        else if (strcmp(type, "ready") == 0)
                on_ready(p, m);
        else if (strcmp(type, "error") == 0)
                on_error(p, m);
        else {
                snprintf(why, sizeof(why), "protocol error: an unknown message type \"%.64s\"",
                        type);
                kill_proc(p, why);
        }
}

static void on_closed(void *userdata, int error, const char *what) {
        struct proc *p = userdata;
        char why[256];

        if (p->killed)
                return;
        if (error != 0) {
                snprintf(why, sizeof(why), "protocol error: %s", what);
                kill_proc(p, why);
                return;
        }
        /* End of file: the sender is exiting; its exit fails what is left. */
        retire(p);
}

static const struct fl_channel_ops channel_ops = {
        .message = on_message,
        .closed = on_closed,
};

static void describe_exit(const siginfo_t *si, char *buf, size_t size) {
        if (si->si_code == CLD_EXITED)
                snprintf(buf, size, "exit status %d", si->si_status);
        else
                snprintf(buf, size, "killed by signal %d (%s)", si->si_status,
                        sigabbrev_np(si->si_status) ? sigabbrev_np(si->si_status) : "?");
}

static void note_crash(struct fl_sender *s) {
        s->stats.crashes++;
        s->crash_usec[s->crash_next] = now_usec(s);
        s->crash_next = (s->crash_next + 1) % FL_SENDER_CRASHES_MAX;
}

static int on_proc_exit(sd_event_source *source, const siginfo_t *si, void *userdata) {
        struct proc *p = userdata;
        struct fl_sender *s = p->s;
        char how[64], error[MESSAGE_MAX + 80];
        siginfo_t reaped = {};

        /* Its last results may still wait in the socket. */
        if (p->ch && !p->killed)
                fl_channel_drain(p->ch);
        describe_exit(si, how, sizeof(how));
        s->stats.exits++;
        s->stats.running--;
        unlink_proc(p);
        snprintf(error, sizeof(error), "sender exited: %s%s%s", how, p->why ? ": " : "",
                p->why ? p->why : "");
        if (si->si_code != CLD_EXITED || si->si_status != 0) {
                note_crash(s);
                snprintf(s->last_crash, sizeof(s->last_crash), "%s", error);
        }
        fail_requests(p, FL_HTTP_TRANSFER, error);
        /* Reaped here: the source goes with the process. */
        (void) waitid(P_PIDFD, (id_t) p->pidfd, &reaped, WEXITED | WNOHANG);
        proc_free(p);
        arm_idle(s);
        return 0;
}

static int on_watchdog(sd_event_source *source, uint64_t usec, void *userdata) {
        struct proc *p = userdata;

        kill_proc(p, "no result in time: the sender was stuck");
        return 0;
}

static void arm_watchdog(struct proc *p) {
        uint64_t first = UINT64_MAX;

        for (struct request *q = p->requests; q; q = q->next)
                if (q->deadline_usec < first)
                        first = q->deadline_usec;
        if (first == UINT64_MAX) {
                (void) sd_event_source_set_enabled(p->watchdog, SD_EVENT_OFF);
                return;
        }
        if (!p->watchdog) {
                if (sd_event_add_time(p->s->event, &p->watchdog, CLOCK_BOOTTIME, first,
                            TIMER_ACCURACY_USEC, on_watchdog, p) < 0)
                        return; /* the sender's own timeouts still apply */
                (void) sd_event_source_set_description(p->watchdog, "sender-watchdog");
                return;
        }
        (void) sd_event_source_set_time(p->watchdog, first);
        (void) sd_event_source_set_enabled(p->watchdog, SD_EVENT_ONESHOT);
}

/* In the child, between fork and exec: async-signal-safe calls only. */
_Noreturn static void exec_child(const char *path, int fd, pid_t parent) {
        char *const argv[] = {(char *) FL_SENDER_NAME, NULL};
        sigset_t none;

        /* Dies with the agent, even on SIGKILL; and if the agent died
         * already, before this took effect, now. */
        if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent)
                _exit(127);
        if (fd == SENDER_FD) {
                if (fcntl(fd, F_SETFD, 0) < 0)
                        _exit(127);
        } else if (dup2(fd, SENDER_FD) < 0)
                _exit(127);
        /* Nothing else of ours: BPF maps and programs, the journal, the
         * outbox and its lock stay in the agent. */
        if (syscall(SYS_close_range, SENDER_FD + 1, ~0U, 0) < 0)
                for (int i = SENDER_FD + 1; i < 65536; i++)
                        (void) close(i);
        sigemptyset(&none);
        (void) sigprocmask(SIG_SETMASK, &none, NULL);
        execv(path, argv);
        _exit(127);
}

static int spawn(struct fl_sender *s, const char **ret_error) {
        _cleanup_close_ int parent_fd = -EBADF, child_fd = -EBADF;
        struct proc *p;
        json_auto_t *hello = NULL;
        pid_t parent = getpid(), pid;
        int fds[2], r;

        r = fl_channel_socketpair(fds);
        if (r < 0) {
                snprintf(s->error, sizeof(s->error), "cannot create the sender's socket: %s",
                        strerror(-r));
                goto fail;
        }
        parent_fd = fds[0];
        child_fd = fds[1];
        p = calloc(1, sizeof(*p));
        if (!p)
                return -ENOMEM;
        p->s = s;
        p->pidfd = -EBADF;

        pid = fork();
        if (pid < 0) {
                r = negative_errno();
                snprintf(s->error, sizeof(s->error), "cannot start %s: %s", s->path, strerror(-r));
                proc_free(p);
                goto fail;
        }
        if (pid == 0)
                exec_child(s->path, child_fd, parent);

        p->pid = pid;
        s->stats.spawns++;
        s->stats.running++;
        p->pidfd = (int) syscall(SYS_pidfd_open, pid, 0);
        if (p->pidfd < 0) {
                r = negative_errno();
                /* Without a pidfd there is no reaping through the loop. */
                (void) kill(pid, SIGKILL);
                (void) waitpid(pid, NULL, 0);
                s->stats.running--;
                s->stats.exits++;
                proc_free(p);
                snprintf(s->error, sizeof(s->error), "pidfd_open: %s", strerror(-r));
                goto fail;
        }
        /* From here on the exit source reaps it, whatever happens. */
        r = sd_event_add_child_pidfd(s->event, &p->exit_source, p->pidfd, WEXITED, on_proc_exit, p);
        if (r < 0) {
                (void) kill(pid, SIGKILL);
                (void) waitid(P_PIDFD, (id_t) p->pidfd, &(siginfo_t){}, WEXITED);
                s->stats.running--;
                s->stats.exits++;
                proc_free(p);
                snprintf(s->error, sizeof(s->error), "cannot watch the sender: %s%s", strerror(-r),
                        r == -EBUSY ? " (SIGCHLD must be blocked)" : "");
                goto fail;
        }
        (void) sd_event_source_set_description(p->exit_source, "sender-exit");
        s->current = p;
        r = fl_channel_new(s->event, TAKE_FD(parent_fd), &channel_ops, p, &p->ch);
        hello = r >= 0 ? fl_sender_hello_to_json(&s->hello) : NULL;
        r = hello ? fl_channel_send(p->ch, hello) : -ENOMEM;
        if (r < 0) {
                /* The exit source reaps it. */
                kill_proc(p, "cannot send hello");
                snprintf(s->error, sizeof(s->error), "cannot talk to the sender: %s", strerror(-r));
                goto fail;
        }
        return 0;
fail:
        if (ret_error)
                *ret_error = s->error;
        return r;
}

/* ---- idle ---- */

static int on_idle(sd_event_source *source, uint64_t usec, void *userdata) {
        struct fl_sender *s = userdata;
        struct proc *p = s->current;

        if (!p || p->n_requests > 0)
                return 0;
        /* End of file tells it to exit; the exit source reaps it. */
        p->ch = fl_channel_free(p->ch);
        retire(p);
        return 0;
}

static void arm_idle(struct fl_sender *s) {
        if (s->idle_release_usec == 0 || !s->current || s->current->n_requests > 0)
                return;
        if (!s->idle) {
                if (sd_event_add_time_relative(s->event, &s->idle, CLOCK_BOOTTIME,
                            s->idle_release_usec, TIMER_ACCURACY_USEC, on_idle, s) < 0)
                        return; /* it stays: harmless */
                (void) sd_event_source_set_description(s->idle, "sender-idle");
                return;
        }
        (void) sd_event_source_set_time_relative(s->idle, s->idle_release_usec);
        (void) sd_event_source_set_enabled(s->idle, SD_EVENT_ONESHOT);
}

/* ---- public ---- */

static bool too_many_crashes(struct fl_sender *s) {
        /* The ring's next slot holds the oldest of the last N crashes. */
        uint64_t oldest = s->crash_usec[s->crash_next];

        if (oldest == 0 || now_usec(s) >= oldest + FL_SENDER_CRASH_WINDOW_USEC)
                return false;
        /* Name the cause too: a refused hello (an unusable key) ends the
         * same way every time, and the cap must not hide why. */
        snprintf(s->error, sizeof(s->error),
                "the sender failed %d times within %" PRIu64 " s: not started again for %" PRIu64
                " s; the last: %s",
                FL_SENDER_CRASHES_MAX, FL_SENDER_CRASH_WINDOW_USEC / USEC_PER_SEC,
                (oldest + FL_SENDER_CRASH_WINDOW_USEC - now_usec(s)) / USEC_PER_SEC + 1,
                s->last_crash);
        return true;
}

int fl_sender_post(struct fl_sender *s, const char *body, size_t size, fl_http_done_fn done,
        void *userdata, const char **ret_error) {
        struct request *q;
        json_auto_t *m = NULL;
        int r;

        if (size > FL_SENDER_BODY_MAX) {
                snprintf(s->error, sizeof(s->error),
                        "a trigger body of %zu bytes, more than the %u allowed", size,
                        FL_SENDER_BODY_MAX);
                r = -EMSGSIZE;
                goto fail;
        }
        if (s->stats.active >= s->hello.max_connections)
                return -EBUSY;
        if (!s->current) {
                if (too_many_crashes(s)) {
                        r = -EAGAIN;
                        goto fail;
                }
                r = spawn(s, ret_error);
                if (r < 0)
                        return r;
        }
        q = calloc(1, sizeof(*q));
        if (!q)
                return -ENOMEM;
        m = fl_sender_post_to_json(s->next_id + 1, body, size);
        r = m ? fl_channel_send(s->current->ch, m) : -ENOMEM;
        if (r < 0 && r != -EPIPE) {
                free(q);
                snprintf(s->error, sizeof(s->error), "cannot hand the trigger to the sender: %s",
                        strerror(-r));
                goto fail;
        }
        /* -EPIPE: the sender is exiting; its exit fails this request. */
        q->id = ++s->next_id;
        q->deadline_usec = now_usec(s) + s->hello.timeout_usec + RESULT_GRACE_USEC;
        q->done = done;
        q->userdata = userdata;
        q->next = s->current->requests;
        s->current->requests = q;
        s->current->n_requests++;
        s->stats.active++;
        s->stats.requests++;
        arm_watchdog(s->current);
        if (s->idle)
                (void) sd_event_source_set_enabled(s->idle, SD_EVENT_OFF);
        return 0;
fail:
        if (ret_error)
                *ret_error = s->error;
        return r;
}

int fl_sender_start(struct fl_sender *s, char **ret_error) {
        const char *error = NULL;
        struct proc *p;
        int r;

        if (s->current && s->current->ready)
                return 0;
        if (!s->current) {
                r = spawn(s, &error);
                if (r < 0)
                        goto fail;
        }
        p = s->current;
        r = fl_channel_wait(p->ch, s->start_usec, true);
        if (s->current == p && p->ready)
                return 0;
        if (r == -ETIMEDOUT) {
                snprintf(s->error, sizeof(s->error), "%s did not answer within %" PRIu64 " ms",
                        s->path, s->start_usec / USEC_PER_MSEC);
                kill_proc(p, "did not answer hello");
        } else if (p->failed) {
                snprintf(s->error, sizeof(s->error), "%s", p->why);
                r = -p->error;
        } else {
                snprintf(s->error, sizeof(s->error), "%s exited without answering%s%s", s->path,
                        p->why ? ": " : "", p->why ? p->why : "");
                kill_proc(p, "no answer to hello");
                r = -ECHILD;
        }
        error = s->error;
fail:
        if (ret_error)
                *ret_error = strdup(error ? error : strerror(-r));
        return r;
}

static void reap_now(struct proc *p) {
        struct pollfd pfd = {.fd = p->pidfd, .events = POLLIN};
        siginfo_t si = {};

        /* End of file first: a sender that exits on its own says so. */
        p->ch = fl_channel_free(p->ch);
        if (p->pidfd < 0)
                return;
        if (poll(&pfd, 1, EXIT_WAIT_MSEC) <= 0)
                (void) kill(p->pid, SIGKILL);
        (void) waitid(P_PIDFD, (id_t) p->pidfd, &si, WEXITED);
        p->s->stats.running--;
        p->s->stats.exits++;
}

struct fl_sender *fl_sender_free(struct fl_sender *s) {
        if (!s)
                return NULL;
        while (s->current || s->exiting) {
                struct proc *p;

                if (s->current)
                        retire(s->current);
                p = s->exiting;
                s->exiting = p->next;
                reap_now(p);
                proc_free(p);
        }
        sd_event_source_disable_unref(s->idle);
        free((char *) s->hello.url);
        free((char *) s->hello.signing_key_file);
        free((char *) s->hello.key_id);
        free((char *) s->hello.ca_file);
        free((char *) s->hello.cert_file);
        free((char *) s->hello.key_file);
        free(s->path);
        free(s->url);
        sd_event_unref(s->event);
        free(s);
        return NULL;
}

int fl_sender_new(sd_event *event, const struct fl_sender_options *o, struct fl_sender **ret) {
        _cleanup_(fl_sender_freep) struct fl_sender *s = calloc(1, sizeof(*s));
        const struct {
                const char *from;
                const char **to;
        } strings[] = {
                {o->hello.url, &s->hello.url},
                {o->hello.signing_key_file, &s->hello.signing_key_file},
                {o->hello.key_id, &s->hello.key_id},
                {o->hello.ca_file, &s->hello.ca_file},
                {o->hello.cert_file, &s->hello.cert_file},
                {o->hello.key_file, &s->hello.key_file},
        };
        int r;

        if (!s)
                return -ENOMEM;
        s->event = sd_event_ref(event);
        for (size_t i = 0; i < ELEMENTSOF(strings); i++)
                if (strings[i].from && !(*strings[i].to = strdup(strings[i].from)))
                        return -ENOMEM;
        s->hello.timeout_usec = o->hello.timeout_usec ? o->hello.timeout_usec : 10 * USEC_PER_SEC;
        s->hello.max_connections = o->hello.max_connections ? o->hello.max_connections : 1;
        s->idle_release_usec = o->idle_release_usec;
        s->start_usec = o->start_usec ? o->start_usec : FL_SENDER_START_USEC;
        r = locate(o->path, &s->path);
        if (r < 0)
                return r;
        *ret = TAKE_PTR(s);
        return 0;
}

const char *fl_sender_url(const struct fl_sender *s) {
        return s->url;
}

int fl_sender_pid(const struct fl_sender *s) {
        return s->current ? (int) s->current->pid : 0;
}

void fl_sender_get_stats(const struct fl_sender *s, struct fl_sender_stats *ret) {
        *ret = s->stats;
}
