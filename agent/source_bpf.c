/* SPDX-License-Identifier: Apache-2.0 */
#include "source_bpf.h"

#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include <errno.h>
#include <malloc.h>
#include <search.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-id128.h>
#include <time.h>
#include <unistd.h>

#include "bpf_event.h"
#include "faultline.skel.h"
#include "macro.h"

#define RINGBUF_DEFAULT_BYTES (64u * 1024)
#define RINGBUF_MAX_BYTES     (1024u * 1024 * 1024)
#define TEST_RUN_ARGS_MAX     12 /* MAX_BPF_FUNC_ARGS: what a raw_tp context holds */
/* After a burst, look once more for drops the kernel counted after the last
 * look (see arm_recheck()). */
#define RECHECK_USEC          (1000 * 1000ULL)
#define MF_TYPES_MAX          256
#define ALL_KINDS_MASK        ((UINT32_C(1) << FL_BPF_KIND_MAX) - 1)

/* A key's lost counter as far as reconciliation has passed it on. */
struct acked {
        struct fl_bpf_key key;
        uint64_t lost;
};

struct source_bpf {
        sd_event *event;
        sd_event_source *io;
        sd_event_source *recheck;
        struct faultline_bpf *skel;
        struct ring_buffer *rb;
        struct bpf_link *links[FL_BPF_KIND_MAX];
        enum source_bpf_prog_state state[FL_BPF_KIND_MAX];
        int error[FL_BPF_KIND_MAX];
        bool test_mode;

        fl_event_fn fn;
        void *userdata;

        struct fl_bpf_context ctx;
        char boot_id[SD_ID128_STRING_MAX];
        char *sysfs_root;
        char **mf_type_names;
        size_t n_mf_type_names;

        uint64_t delivered[FL_BPF_KIND_MAX];
        uint64_t reconciled[FL_BPF_KIND_MAX];
        uint64_t unkeyed_reported[FL_BPF_KIND_MAX];
        uint64_t invalid_records;
        uint64_t truncated_events;
        uint64_t process_errors;
        int last_process_error;
        uint64_t lost_seen; /* fl_lost_total when reconciliation last ran */
        void *acked;        /* tsearch() tree of struct acked */
        int n_passed;       /* events passed to fn by the current source_bpf_process() */

        struct fl_bpf_kind_stats *percpu; /* scratch for per-CPU map reads */
        size_t n_cpus;

        struct fl_bpf_event_buf buf;
};

/* What the running kernel looks like, found before load. */
struct kernel_probe {
        uint32_t present; /* kinds whose tracepoint exists */
        __u32 arm_nargs;
        __u32 aer_layout;
};

static const char *const state_names[_SOURCE_BPF_PROG_STATE_MAX] = {
        [SOURCE_BPF_PROG_ATTACHED] = "attached",
        [SOURCE_BPF_PROG_ABSENT] = "absent",
        [SOURCE_BPF_PROG_FAILED] = "failed",
        [SOURCE_BPF_PROG_LOADED] = "loaded",
};

const char *source_bpf_prog_state_to_string(enum source_bpf_prog_state state) {
        if ((unsigned) state >= ELEMENTSOF(state_names))
                return NULL;
        return state_names[state];
}

void source_bpf_filter_default(struct source_bpf_filter *ret) {
        *ret = (struct source_bpf_filter){
                .kinds = ALL_KINDS_MASK & ~(UINT32_C(1) << FL_BPF_THERMAL_TEMPERATURE),
                .thermal_temp_min_mc = INT32_MIN,
                .mc_error_types = (UINT32_C(1) << (FL_BPF_MC_UNKNOWN + 1)) - 1,
                .thermal_trip_types = 0xf,
        };
}

/* ---- what the kernel has ---- */

static bool tracefs_has(unsigned kind) {
        static const char *const roots[] = {"/sys/kernel/tracing", "/sys/kernel/debug/tracing"};

        for (size_t i = 0; i < ELEMENTSOF(roots); i++) {
                char path[256];
                int n = snprintf(path, sizeof(path), "%s/events/%s/%s", roots[i],
                        fl_bpf_kind_subsystem(kind), fl_bpf_kind_to_string(kind));

                if (n > 0 && (size_t) n < sizeof(path) && access(path, F_OK) == 0)
                        return true;
        }
        return false;
}

/* The prototype behind typedef btf_trace_<name>, or NULL. */
static const struct btf_type *trace_proto(const struct btf *btf, const char *name) {
        const struct btf_type *t;
        char typedef_name[64];
        int id;

        if (snprintf(typedef_name, sizeof(typedef_name), "btf_trace_%s", name) >=
                (int) sizeof(typedef_name))
                return NULL;
        id = btf__find_by_name_kind(btf, typedef_name, BTF_KIND_TYPEDEF);
        if (id < 0)
                return NULL;
        t = btf__type_by_id(btf, id);
        t = t ? btf__type_by_id(btf, t->type) : NULL; /* pointer */
        if (!t || !btf_is_ptr(t))
                return NULL;
        t = btf__type_by_id(btf, t->type);
        return t && btf_is_func_proto(t) ? t : NULL;
}

static bool param_is_pointer(const struct btf *btf, const struct btf_type *proto, unsigned i) {
        int id;

        if (i >= btf_vlen(proto))
                return false;
        id = btf__resolve_type(btf, btf_params(proto)[i].type);
        return id >= 0 && btf_is_ptr(btf__type_by_id(btf, id));
}

/* The first prototype parameter is the tracepoint's private data pointer;
 * the tracepoint's own arguments follow. */
static void probe_layouts(const struct btf *btf, struct kernel_probe *p) {
        const struct btf_type *proto;

        proto = trace_proto(btf, "arm_event");
        if (proto)
                p->arm_nargs = btf_vlen(proto) - 1;

        proto = trace_proto(btf, "aer_event");
        if (proto) {
                unsigned nargs = btf_vlen(proto) - 1;

                if (nargs <= 3)
                        p->aer_layout = FL_BPF_AER_3ARGS;
                else if (nargs == 5)
                        p->aer_layout = FL_BPF_AER_TLP;
                else if (param_is_pointer(btf, proto, 2))
                        p->aer_layout = FL_BPF_AER_BUS_SECOND;
                else
                        p->aer_layout = FL_BPF_AER_TLP_BUS_LAST;
        }
}

/* enum mf_action_page_type's names by value: the list changes between kernel
 * versions, so it is read from the running kernel. */
static int load_mf_type_names(struct source_bpf *s, const struct btf *btf) {
        const struct btf_type *t;
        const struct btf_enum *e;
        size_t n = 0;
        int id;

        id = btf__find_by_name_kind(btf, "mf_action_page_type", BTF_KIND_ENUM);
        if (id < 0)
                return 0;
        t = btf__type_by_id(btf, id);
        e = btf_enum(t);
        for (unsigned i = 0; i < btf_vlen(t); i++)
                if (e[i].val >= 0 && (size_t) e[i].val < MF_TYPES_MAX && (size_t) e[i].val >= n)
                        n = (size_t) e[i].val + 1;
        if (n == 0)
                return 0;
        s->mf_type_names = calloc(n, sizeof(char *));
        if (!s->mf_type_names)
                return -ENOMEM;
        s->n_mf_type_names = n;
        for (unsigned i = 0; i < btf_vlen(t); i++) {
                if (e[i].val < 0 || (size_t) e[i].val >= n || s->mf_type_names[e[i].val])
                        continue;
                s->mf_type_names[e[i].val] = strdup(btf__name_by_offset(btf, e[i].name_off));
                if (!s->mf_type_names[e[i].val])
                        return -ENOMEM;
        }
        return 0;
}

static int probe_kernel(struct source_bpf *s, struct kernel_probe *ret) {
        struct kernel_probe p = {
                .arm_nargs = 9,
                .aer_layout = FL_BPF_AER_TLP_BUS_LAST,
        };
        struct btf *btf;
        int r;

        /* CO-RE needs the kernel's BTF anyway: without it nothing can load. */
        btf = btf__load_vmlinux_btf();
        if (!btf)
                return negative_errno();

        for (unsigned k = 0; k < FL_BPF_KIND_MAX; k++)
                /* Tracepoints of modules have their typedef in the module's
                 * BTF, which tracefs (when mounted) covers. */
                if (trace_proto(btf, fl_bpf_kind_to_string(k)) || tracefs_has(k))
                        p.present |= UINT32_C(1) << k;
        probe_layouts(btf, &p);
        r = load_mf_type_names(s, btf);
        btf__free(btf);
        if (r < 0)
                return r;
        *ret = p;
        return 0;
}

/* ---- load and attach ---- */

static struct bpf_program *kind_program(struct faultline_bpf *skel, unsigned kind) {
        char name[64];

        snprintf(name, sizeof(name), "fl_tp_%s", fl_bpf_kind_to_string(kind));
        return bpf_object__find_program_by_name(skel->obj, name);
}

static int open_and_load(const struct kernel_probe *p, uint32_t load_mask, bool test_mode,
        size_t ringbuf_bytes, struct faultline_bpf **ret) {
        struct faultline_bpf *skel;
        int r;

        skel = faultline_bpf__open();
        if (!skel)
                return negative_errno();

        skel->rodata->fl_arm_nargs = p->arm_nargs;
        skel->rodata->fl_aer_layout = p->aer_layout;
        skel->rodata->fl_user_ptrs = test_mode;
        r = bpf_map__set_max_entries(skel->maps.events, (__u32) ringbuf_bytes);
        for (unsigned k = 0; r >= 0 && k < FL_BPF_KIND_MAX; k++) {
                struct bpf_program *prog = kind_program(skel, k);

                r = prog ? bpf_program__set_autoload(prog, load_mask & (UINT32_C(1) << k))
                         : -ENOENT;
        }
        if (r >= 0)
                r = faultline_bpf__load(skel);
        if (r < 0) {
                faultline_bpf__destroy(skel);
                return r;
        }
        *ret = skel;
        return 0;
}

/* Loads every program in `want`. libbpf fails the whole object when one
 * program fails verification, so on failure each program is tried alone and
 * the ones that cannot load are left out (state FAILED) rather than taking
 * the rest down with them. */
static int load(
        struct source_bpf *s, const struct kernel_probe *p, uint32_t want, size_t ringbuf_bytes) {
        uint32_t ok = 0;
        int r, first_error = 0;

        r = open_and_load(p, want, s->test_mode, ringbuf_bytes, &s->skel);
        if (r >= 0)
                return 0;

        for (unsigned k = 0; k < FL_BPF_KIND_MAX; k++) {
                struct faultline_bpf *one = NULL;

                if (!(want & (UINT32_C(1) << k)))
                        continue;
                r = open_and_load(p, UINT32_C(1) << k, s->test_mode, ringbuf_bytes, &one);
                if (r < 0) {
                        s->state[k] = SOURCE_BPF_PROG_FAILED;
                        s->error[k] = r;
                        if (first_error == 0)
                                first_error = r;
                        continue;
                }
                faultline_bpf__destroy(one);
                ok |= UINT32_C(1) << k;
        }
        r = open_and_load(p, ok, s->test_mode, ringbuf_bytes, &s->skel);
        /* Not even the maps: report what the programs ran into. */
        return r < 0 ? (first_error < 0 ? first_error : r) : 0;
}

static void attach_all(struct source_bpf *s, uint32_t loaded) {
        for (unsigned k = 0; k < FL_BPF_KIND_MAX; k++) {
                struct bpf_program *prog;

                if (!(loaded & (UINT32_C(1) << k)) || s->state[k] == SOURCE_BPF_PROG_FAILED)
                        continue;
                if (s->test_mode) {
                        s->state[k] = SOURCE_BPF_PROG_LOADED;
                        continue;
                }
                prog = kind_program(s->skel, k);
                s->links[k] = bpf_program__attach_raw_tracepoint(prog, fl_bpf_kind_to_string(k));
                if (!s->links[k]) {
                        s->state[k] = SOURCE_BPF_PROG_FAILED;
                        s->error[k] = negative_errno();
                        continue;
                }
                s->state[k] = SOURCE_BPF_PROG_ATTACHED;
        }
}

/* ---- delivery ---- */

static void update_clock_offset(struct source_bpf *s) {
        struct timespec rt, mono;

        if (clock_gettime(CLOCK_REALTIME, &rt) < 0 || clock_gettime(CLOCK_MONOTONIC, &mono) < 0)
                return;
        s->ctx.realtime_offset_usec = ((int64_t) rt.tv_sec - (int64_t) mono.tv_sec) * 1000000 +
                                      ((int64_t) rt.tv_nsec - (int64_t) mono.tv_nsec) / 1000;
}

static uint64_t now_monotonic_usec(void) {
        struct timespec ts;

        if (clock_gettime(CLOCK_MONOTONIC, &ts) < 0)
                return 0;
        return (uint64_t) ts.tv_sec * 1000000 + (uint64_t) ts.tv_nsec / 1000;
}

static void pass_on(struct source_bpf *s) {
        if (s->buf.truncated)
                s->truncated_events++;
        s->n_passed++;
        s->fn(&s->buf.ev, s->userdata);
}

static int on_sample(void *userdata, void *data, size_t size) {
        struct source_bpf *s = userdata;
        const struct fl_bpf_header *h = data;

        if (fl_bpf_record_to_event(&s->ctx, data, size, &s->buf) < 0) {
                s->invalid_records++;
                return 0;
        }
        s->delivered[h->kind]++;
        pass_on(s);
        return 0;
}

static int compare_acked(const void *a, const void *b) {
        return memcmp(&((const struct acked *) a)->key, &((const struct acked *) b)->key,
                sizeof(struct fl_bpf_key));
}

/* How much of `lost` for this key is new since the last reconciliation;
 * remembers `lost` as passed on. */
static int take_new_lost(
        struct source_bpf *s, const struct fl_bpf_key *key, uint64_t lost, uint64_t *ret_new) {
        struct acked probe = {.key = *key};
        struct acked **found, *a;

        found = tfind(&probe, &s->acked, compare_acked);
        if (found) {
                a = *found;
                *ret_new = lost > a->lost ? lost - a->lost : 0;
                a->lost = lost;
                return 0;
        }
        a = malloc(sizeof(*a));
        if (!a)
                return -ENOMEM;
        *a = (struct acked){.key = *key, .lost = lost};
        found = tsearch(a, &s->acked, compare_acked);
        if (!found) {
                free(a);
                return -ENOMEM;
        }
        *ret_new = lost;
        return 0;
}

static int read_kind_stats(struct source_bpf *s, unsigned kind, struct fl_bpf_kind_stats *ret) {
        struct fl_bpf_kind_stats sum = {};
        __u32 key = kind;
        int r;

        r = bpf_map__lookup_elem(s->skel->maps.stats, &key, sizeof(key), s->percpu,
                s->n_cpus * sizeof(*s->percpu), 0);
        if (r < 0)
                return r;
        for (size_t c = 0; c < s->n_cpus; c++) {
                sum.hits += s->percpu[c].hits;
                sum.filtered += s->percpu[c].filtered;
                sum.submitted += s->percpu[c].submitted;
                sum.lost += s->percpu[c].lost;
                sum.lost_unkeyed += s->percpu[c].lost_unkeyed;
                sum.unkeyed += s->percpu[c].unkeyed;
        }
        *ret = sum;
        return 0;
}

/* Passes on the occurrences the ring buffer had no room for. Runs only when
 * the kernel's drop counter moved. The counter is read before the walk and
 * the kernel bumps it after the key's own counter, so a drop this walk
 * misses moves the counter past what is remembered here and is found by the
 * next one. */
static int reconcile(struct source_bpf *s) {
        uint64_t lost_total = __atomic_load_n(&s->skel->bss->fl_lost_total, __ATOMIC_ACQUIRE);
        int fd = bpf_map__fd(s->skel->maps.counters);
        struct fl_bpf_key key, next;
        const void *prev = NULL;
        uint64_t now;
        int r;

        if (lost_total == s->lost_seen)
                return 0;
        now = now_monotonic_usec();

        for (;;) {
                struct fl_bpf_counter c;
                uint64_t n;

                r = bpf_map_get_next_key(fd, prev, &next);
                if (r == -ENOENT)
                        break;
                if (r < 0)
                        return r;
                key = next;
                prev = &key;
                if (bpf_map_lookup_elem(fd, &key, &c) < 0 || c.lost == 0 ||
                        key.kind >= FL_BPF_KIND_MAX)
                        continue;
                r = take_new_lost(s, &key, c.lost, &n);
                if (r < 0)
                        return r;
                if (n == 0)
                        continue;
                if (fl_bpf_lost_to_event(&s->ctx, &key, n, c.lost, now, &s->buf) < 0)
                        continue;
                s->reconciled[key.kind] += n;
                pass_on(s);
        }

        for (unsigned k = 0; k < FL_BPF_KIND_MAX; k++) {
                struct fl_bpf_kind_stats st;
                uint64_t n;

                r = read_kind_stats(s, k, &st);
                if (r < 0)
                        return r;
                if (st.lost_unkeyed <= s->unkeyed_reported[k])
                        continue;
                n = st.lost_unkeyed - s->unkeyed_reported[k];
                s->unkeyed_reported[k] = st.lost_unkeyed;
                if (fl_bpf_unkeyed_to_event(&s->ctx, k, n, st.lost_unkeyed, now, &s->buf) < 0)
                        continue;
                s->reconciled[k] += n;
                pass_on(s);
        }

        s->lost_seen = lost_total;
        return 0;
}

int source_bpf_process(struct source_bpf *s) {
        int r;

        if (!s)
                return -EINVAL;
        s->n_passed = 0;
        update_clock_offset(s);
        r = ring_buffer__consume(s->rb);
        if (r < 0)
                return r;
        r = reconcile(s);
        if (r < 0)
                return r;
        return s->n_passed;
}

/* A drop can be counted an instant after the look that followed the last
 * record, and nothing would wake us for it: so after every burst, look once
 * more a second later. An idle machine has no bursts and so no wakeups. */
static void arm_recheck(struct source_bpf *s) {
        int enabled = SD_EVENT_OFF;

        if (sd_event_source_get_enabled(s->recheck, &enabled) >= 0 && enabled != SD_EVENT_OFF)
                return;
        if (sd_event_source_set_time_relative(s->recheck, RECHECK_USEC) >= 0)
                (void) sd_event_source_set_enabled(s->recheck, SD_EVENT_ONESHOT);
}

/* A failure here (a map read) is retried on the next wakeup; returning it
 * would make sd-event disable the source for good, so it goes to the stats
 * instead, where the agent's metrics and watchdog see it. */
static void process_from_loop(struct source_bpf *s) {
        int r = source_bpf_process(s);

        if (r < 0) {
                s->process_errors++;
                s->last_process_error = r;
        }
}

static int on_io(sd_event_source *es, int fd, uint32_t revents, void *userdata) {
        struct source_bpf *s = userdata;

        process_from_loop(s);
        arm_recheck(s);
        return 0;
}

static int on_recheck(sd_event_source *es, uint64_t usec, void *userdata) {
        process_from_loop(userdata);
        return 0;
}

/* ---- public ---- */

static int validate_ringbuf(size_t bytes) {
        long page = sysconf(_SC_PAGESIZE);

        if (bytes < (size_t) (page > 0 ? page : 4096) || bytes > RINGBUF_MAX_BYTES ||
                (bytes & (bytes - 1)) != 0)
                return -EINVAL;
        return 0;
}

int source_bpf_new_with_options(sd_event *e, const struct source_bpf_options *opts, fl_event_fn fn,
        void *userdata, struct source_bpf **ret) {
        struct source_bpf_options defaults = {};
        size_t ringbuf_bytes;
        struct source_bpf_filter filter;
        struct kernel_probe probe;
        struct source_bpf *s;
        uint32_t want;
        sd_id128_t boot;
        int r, n_cpus;

        if (!e || !fn || !ret)
                return -EINVAL;
        if (!opts)
                opts = &defaults;
        ringbuf_bytes = opts->ringbuf_size_bytes ? opts->ringbuf_size_bytes : RINGBUF_DEFAULT_BYTES;
        r = validate_ringbuf(ringbuf_bytes);
        if (r < 0)
                return r;
        n_cpus = libbpf_num_possible_cpus();
        if (n_cpus <= 0)
                return n_cpus < 0 ? n_cpus : -EINVAL;

        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->event = sd_event_ref(e);
        s->fn = fn;
        s->userdata = userdata;
        s->test_mode = opts->test_mode;
        s->n_cpus = (size_t) n_cpus;
        s->percpu = calloc(s->n_cpus, sizeof(*s->percpu));
        s->sysfs_root = strdup(opts->sysfs_root ? opts->sysfs_root : "/sys");
        if (!s->percpu || !s->sysfs_root) {
                r = -ENOMEM;
                goto fail;
        }

        r = sd_id128_get_boot(&boot);
        if (r < 0)
                goto fail;
        sd_id128_to_string(boot, s->boot_id);

        r = probe_kernel(s, &probe);
        if (r < 0)
                goto fail;
        s->ctx = (struct fl_bpf_context){
                .boot_id = s->boot_id,
                .sysfs_root = s->sysfs_root,
                .mf_type_names = (const char *const *) s->mf_type_names,
                .n_mf_type_names = s->n_mf_type_names,
        };

        want = (s->test_mode ? ALL_KINDS_MASK : probe.present | opts->treat_as_present) &
               ~opts->treat_as_absent;
        for (unsigned k = 0; k < FL_BPF_KIND_MAX; k++)
                if (!(want & (UINT32_C(1) << k)))
                        s->state[k] = SOURCE_BPF_PROG_ABSENT;

        r = load(s, &probe, want, ringbuf_bytes);
        if (r < 0)
                goto fail;
        /* Parsing the kernel's BTF (here and in libbpf) took several MiB of
         * heap that is free now; give it back so the agent idles small. */
        (void) malloc_trim(0);

        /* The filter must be in place before anything is attached: a
         * zero filter lets nothing through. */
        source_bpf_filter_default(&filter);
        r = source_bpf_set_filter(s, &filter);
        if (r < 0)
                goto fail;

        s->rb = ring_buffer__new(bpf_map__fd(s->skel->maps.events), on_sample, s, NULL);
        if (!s->rb) {
                r = negative_errno();
                goto fail;
        }
        r = sd_event_add_io(e, &s->io, ring_buffer__epoll_fd(s->rb), EPOLLIN, on_io, s);
        if (r < 0)
                goto fail;
        (void) sd_event_source_set_description(s->io, "bpf-ringbuf");
        r = sd_event_add_time_relative(
                e, &s->recheck, CLOCK_BOOTTIME, RECHECK_USEC, 100 * 1000, on_recheck, s);
        if (r < 0)
                goto fail;
        r = sd_event_source_set_enabled(s->recheck, SD_EVENT_OFF);
        if (r < 0)
                goto fail;
        (void) sd_event_source_set_description(s->recheck, "bpf-recheck");

        attach_all(s, want);
        *ret = s;
        return 0;

fail:
        source_bpf_free(s);
        return r;
}

int source_bpf_new(sd_event *e, fl_event_fn fn, void *userdata, struct source_bpf **ret) {
        return source_bpf_new_with_options(e, NULL, fn, userdata, ret);
}

struct source_bpf *source_bpf_free(struct source_bpf *s) {
        if (!s)
                return NULL;
        for (unsigned k = 0; k < FL_BPF_KIND_MAX; k++)
                bpf_link__destroy(s->links[k]);
        s->io = sd_event_source_disable_unref(s->io);
        s->recheck = sd_event_source_disable_unref(s->recheck);
        ring_buffer__free(s->rb);
        faultline_bpf__destroy(s->skel);
        tdestroy(s->acked, free);
        for (size_t i = 0; i < s->n_mf_type_names; i++)
                free(s->mf_type_names[i]);
        free(s->mf_type_names);
        free(s->sysfs_root);
        free(s->percpu);
        sd_event_unref(s->event);
        free(s);
        return NULL;
}

int source_bpf_set_filter(struct source_bpf *s, const struct source_bpf_filter *f) {
        struct fl_bpf_filter v;
        __u32 key = 0;

        if (!s || !f || (f->kinds & ~ALL_KINDS_MASK))
                return -EINVAL;
        v = (struct fl_bpf_filter){
                .kinds = f->kinds,
                .thermal_temp_min_mc = f->thermal_temp_min_mc,
                .mc_types = f->mc_error_types,
                .thermal_trip_types = f->thermal_trip_types,
        };
        return bpf_map__update_elem(
                s->skel->maps.filter, &key, sizeof(key), &v, sizeof(v), BPF_ANY);
}

int source_bpf_test_run(struct source_bpf *s, unsigned kind, const uint64_t *args, size_t n_args) {
        __u64 ctx[TEST_RUN_ARGS_MAX] = {};
        LIBBPF_OPTS(bpf_test_run_opts, opts, .ctx_in = ctx, .ctx_size_in = sizeof(ctx));
        struct bpf_program *prog;
        int fd;

        if (!s || kind >= FL_BPF_KIND_MAX || n_args > TEST_RUN_ARGS_MAX || (n_args && !args))
                return -EINVAL;
        prog = kind_program(s->skel, kind);
        fd = prog ? bpf_program__fd(prog) : -1;
        if (fd < 0)
                return -ENOENT;
        for (size_t i = 0; i < n_args; i++)
                ctx[i] = args[i];
        return bpf_prog_test_run_opts(fd, &opts);
}

int source_bpf_get_stats(struct source_bpf *s, struct source_bpf_stats *ret) {
        struct source_bpf_stats st = {};

        if (!s || !ret)
                return -EINVAL;
        for (unsigned k = 0; k < FL_BPF_KIND_MAX; k++) {
                struct source_bpf_kind_stats *o = &st.kinds[k];
                struct fl_bpf_kind_stats ks;
                int r;

                r = read_kind_stats(s, k, &ks);
                if (r < 0)
                        return r;
                *o = (struct source_bpf_kind_stats){
                        .state = s->state[k],
                        .error = s->error[k],
                        .hits = ks.hits,
                        .filtered = ks.filtered,
                        .submitted = ks.submitted,
                        .lost = ks.lost,
                        .lost_unkeyed = ks.lost_unkeyed,
                        .unkeyed = ks.unkeyed,
                        .delivered = s->delivered[k],
                        .reconciled = s->reconciled[k],
                };
                st.ringbuf_drops += ks.lost;
                if (s->state[k] == SOURCE_BPF_PROG_ATTACHED)
                        st.n_attached++;
        }
        st.invalid_records = s->invalid_records;
        st.truncated_events = s->truncated_events;
        st.process_errors = s->process_errors;
        st.last_process_error = s->last_process_error;
        *ret = st;
        return 0;
}

int source_bpf_get_counters(struct source_bpf *s, struct source_bpf_counter **ret, size_t *ret_n) {
        _cleanup_free_ struct source_bpf_counter *v = NULL;
        size_t n = 0, allocated = 0;
        struct fl_bpf_key key, next;
        const void *prev = NULL;
        int fd, r;

        if (!s || !ret || !ret_n)
                return -EINVAL;
        fd = bpf_map__fd(s->skel->maps.counters);
        for (;;) {
                struct fl_bpf_counter c;

                r = bpf_map_get_next_key(fd, prev, &next);
                if (r == -ENOENT)
                        break;
                if (r < 0)
                        return r;
                key = next;
                prev = &key;
                if (bpf_map_lookup_elem(fd, &key, &c) < 0)
                        continue;
                if (n == allocated) {
                        size_t want = allocated ? allocated * 2 : 64;
                        struct source_bpf_counter *p = reallocarray(v, want, sizeof(*v));

                        if (!p)
                                return -ENOMEM;
                        v = p;
                        allocated = want;
                }
                v[n++] = (struct source_bpf_counter){.key = key, .count = c.count, .lost = c.lost};
        }
        *ret = TAKE_PTR(v);
        *ret_n = n;
        return 0;
}

int source_bpf_summary(struct source_bpf *s, char **ret) {
        _cleanup_free_ char *text = NULL;
        size_t size = 0;
        FILE *f;

        if (!s || !ret)
                return -EINVAL;
        f = open_memstream(&text, &size);
        if (!f)
                return -ENOMEM;
        for (int st = 0; st < _SOURCE_BPF_PROG_STATE_MAX; st++) {
                bool first = true;

                for (unsigned k = 0; k < FL_BPF_KIND_MAX; k++) {
                        if ((int) s->state[k] != st)
                                continue;
                        fprintf(f, "%s%s%s", first ? (ftell(f) > 0 ? "; " : "") : " ",
                                first ? source_bpf_prog_state_to_string(st) : "",
                                first ? ": " : "");
                        fputs(fl_bpf_kind_to_string(k), f);
                        if (st == SOURCE_BPF_PROG_FAILED)
                                fprintf(f, " (%s)", strerror(-s->error[k]));
                        first = false;
                }
        }
        if (fclose(f) != 0)
                return -ENOMEM;
        *ret = TAKE_PTR(text);
        return 0;
}
