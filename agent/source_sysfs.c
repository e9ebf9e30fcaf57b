/* SPDX-License-Identifier: Apache-2.0 */
/*
 * Core of the sysfs source: the sensor registry, the poll/rescan cycle on one
 * CLOCK_BOOTTIME timer, POLLPRI watches, attribute reads and event delivery.
 * The families (EDAC, thermal, hwmon) plug in through sysfs_internal.h.
 */
#include "source_sysfs.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/stat.h>
#include <systemd/sd-id128.h>
#include <time.h>
#include <unistd.h>

#include "fileio.h"
#include "macro.h"
#include "sysfs_internal.h"

static const char *const kind_names[_FL_SYSFS_KIND_MAX] = {
        [FL_SYSFS_EDAC_CE] = "edac_ce",
        [FL_SYSFS_EDAC_UE] = "edac_ue",
        [FL_SYSFS_THERMAL_TRIP] = "thermal_trip",
        [FL_SYSFS_THERMAL_CLEAR] = "thermal_clear",
        [FL_SYSFS_HWMON_TEMP] = "hwmon_temp",
        [FL_SYSFS_HWMON_TEMP_CLEAR] = "hwmon_temp_clear",
        [FL_SYSFS_HWMON_ALARM] = "hwmon_alarm",
        [FL_SYSFS_HWMON_ALARM_CLEAR] = "hwmon_alarm_clear",
};

const char *fl_sysfs_kind_to_string(enum fl_sysfs_kind kind) {
        if ((unsigned) kind >= _FL_SYSFS_KIND_MAX)
                return NULL;
        return kind_names[kind];
}

/* ---- attribute access ---- */

int sysfs_path(char buf[static SYSFS_PATH_MAX], const char *format, ...) {
        va_list ap;
        int n;

        va_start(ap, format);
        n = vsnprintf(buf, SYSFS_PATH_MAX, format, ap);
        va_end(ap);
        if (n < 0)
                return -EINVAL;
        if (n >= SYSFS_PATH_MAX)
                return -ENAMETOOLONG;
        return 0;
}

bool sysfs_match_index(
        const char *name, const char *prefix, const char *suffix, unsigned *ret_index) {
        size_t lp = strlen(prefix), ls = strlen(suffix), ln = strlen(name);
        unsigned long v = 0;

        if (ln <= lp + ls || strncmp(name, prefix, lp) != 0 || strcmp(name + ln - ls, suffix) != 0)
                return false;
        for (size_t i = lp; i < ln - ls; i++) {
                if (name[i] < '0' || name[i] > '9')
                        return false;
                v = v * 10 + (unsigned) (name[i] - '0');
                if (v > 1000000)
                        return false;
        }
        if (ret_index)
                *ret_index = (unsigned) v;
        return true;
}

int sysfs_parse_int(const char *s, int64_t *ret) {
        char *end;
        long long v;

        errno = 0;
        v = strtoll(s, &end, 10);
        if (errno != 0 || end == s)
                return -EBADMSG;
        while (*end == ' ' || *end == '\t' || *end == '\n')
                end++;
        if (*end != '\0')
                return -EBADMSG;
        *ret = v;
        return 0;
}

/* Reads one attribute value from an open fd at offset 0 (pread, so a held
 * fd re-arms its POLLPRI notification). */
static int read_value_fd(int fd, char *buf, size_t size) {
        ssize_t n;

        do
                n = pread(fd, buf, size, 0);
        while (n < 0 && errno == EINTR);
        if (n < 0)
                return negative_errno();
        if ((size_t) n >= size)
                return -E2BIG;
        while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' ' || buf[n - 1] == '\t'))
                n--;
        buf[n] = '\0';
        /* A NUL inside means this is not a text attribute. */
        if (strlen(buf) != (size_t) n)
                return -EBADMSG;
        return (int) n;
}

static int open_attr(struct fl_source_sysfs *src, const char *path) {
        /* O_NONBLOCK: a FIFO or device node in a broken tree must not hang the loop. */
        int fd = openat(src->root_fd, path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
        return fd < 0 ? negative_errno() : fd;
}

int sysfs_read_string(struct fl_source_sysfs *src, const char *path, char *buf, size_t size) {
        _cleanup_close_ int fd = open_attr(src, path);

        if (fd < 0)
                return fd;
        return read_value_fd(fd, buf, size);
}

int sysfs_read_int(struct fl_source_sysfs *src, const char *path, int64_t *ret) {
        char buf[SYSFS_VALUE_MAX];
        int r = sysfs_read_string(src, path, buf, sizeof(buf));

        if (r < 0)
                return r;
        return sysfs_parse_int(buf, ret);
}

int sysfs_sensor_read(
        struct fl_source_sysfs *src, struct sysfs_sensor *sensor, char *buf, size_t size) {
        if (sensor->fd >= 0)
                return read_value_fd(sensor->fd, buf, size);
        return sysfs_read_string(src, sensor->path, buf, size);
}

bool sysfs_exists(struct fl_source_sysfs *src, const char *path) {
        struct stat st;

        return fstatat(src->root_fd, path, &st, 0) == 0;
}

int sysfs_identity(struct fl_source_sysfs *src, char buf[static SYSFS_IDENTITY_MAX],
        const char *key, uint64_t n, const char *suffix) {
        int k = snprintf(buf, SYSFS_IDENTITY_MAX, "sysfs:%s:%s:%" PRIu64 "%s%s", src->boot_id, key,
                n, suffix ? ":" : "", suffix ? suffix : "");

        return k < 0 || k >= SYSFS_IDENTITY_MAX ? -ENAMETOOLONG : 0;
}

int sysfs_opendir(struct fl_source_sysfs *src, const char *path, DIR **ret_dir) {
        int fd = openat(src->root_fd, path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        DIR *d;

        if (fd < 0)
                return negative_errno();
        d = fdopendir(fd);
        if (!d) {
                int r = negative_errno();
                close(fd);
                return r;
        }
        *ret_dir = d;
        return 0;
}

/* ---- events ---- */

static uint64_t now_usec(clockid_t clock) {
        struct timespec ts;

        if (clock_gettime(clock, &ts) < 0)
                return 0;
        return (uint64_t) ts.tv_sec * 1000000ULL + (uint64_t) ts.tv_nsec / 1000;
}

void sysfs_emit(struct fl_source_sysfs *src, enum fl_sysfs_kind kind, const char *identity,
        uint64_t count, const struct fl_field *fields, size_t n_fields) {
        struct fl_event ev = {
                .source = FL_SOURCE_SYSFS,
                .kind = fl_sysfs_kind_to_string(kind),
                .realtime_usec = now_usec(CLOCK_REALTIME),
                .monotonic_usec = now_usec(CLOCK_MONOTONIC),
                .identity = identity,
                .count = count,
        };

        for (size_t i = 0; i < n_fields && ev.n_fields < FL_EVENT_FIELDS_MAX; i++)
                if (fields[i].value)
                        ev.fields[ev.n_fields++] = fields[i];
        src->stats.events[kind]++;
        if (src->callback)
                src->callback(&ev, src->userdata);
}

/* ---- sensors ---- */

static void sensor_unwatch(struct sysfs_sensor *sensor) {
        sensor->notify_source = sd_event_source_disable_unref(sensor->notify_source);
        if (sensor->fd >= 0) {
                close(sensor->fd);
                sensor->fd = -EBADF;
        }
}

static struct sysfs_sensor *sensor_free(struct sysfs_sensor *sensor) {
        if (!sensor)
                return NULL;
        sensor_unwatch(sensor);
        if (sensor->data && sensor->ops->free_data)
                sensor->ops->free_data(sensor->data);
        free(sensor->path);
        free(sensor);
        return NULL;
}

static void sensor_degrade(struct fl_source_sysfs *src, struct sysfs_sensor *sensor, int error) {
        if (!sensor->degraded) {
                src->stats.degradations++;
                sysfs_debug(src, "sysfs: %s degraded: %s", sensor->path, strerror(-error));
        }
        sensor->degraded = true;
        sensor->error = error;
        /* A dead kernfs fd polls as EPOLLPRI|EPOLLERR forever: drop it, the
         * rescan reopens the attribute if it comes back. */
        sensor_unwatch(sensor);
}

static void sensor_run(struct fl_source_sysfs *src, struct sysfs_sensor *sensor) {
        int r = sensor->ops->read(src, sensor);

        if (r < 0) {
                sensor_degrade(src, sensor, r);
                return;
        }
        if (sensor->degraded)
                sysfs_debug(src, "sysfs: %s recovered", sensor->path);
        sensor->degraded = false;
        sensor->error = 0;
}

static int on_notify(sd_event_source *es, int fd, uint32_t revents, void *userdata) {
        struct sysfs_sensor *sensor = userdata;
        struct fl_source_sysfs *src = sensor->src;

        /* kernfs signals sysfs_notify() as EPOLLPRI|EPOLLERR; the pread in
         * the read function re-arms it. */
        sensor_run(src, sensor);
        if (sysfs_state_save(src) < 0)
                sysfs_debug(src, "sysfs: cannot save state after %s", sensor->path);
        return 0;
}

/* Holds the attribute open with a POLLPRI watch when the sensor asked for one
 * and the file supports poll (kernfs does; regular files in a fake tree do
 * not, and epoll says EPERM: such sensors are simply polled). */
static void sensor_watch(struct fl_source_sysfs *src, struct sysfs_sensor *sensor) {
        int fd, r;

        if (!sensor->want_notify || sensor->notify_source)
                return;
        fd = open_attr(src, sensor->path);
        if (fd < 0)
                return; /* the read reports it */
        r = sd_event_add_io(src->event, &sensor->notify_source, fd, EPOLLPRI, on_notify, sensor);
        if (r < 0) {
                close(fd);
                if (r == -EPERM)
                        sensor->want_notify = false;
                sysfs_debug(src, "sysfs: %s: no POLLPRI watch: %s", sensor->path, strerror(-r));
                return;
        }
        (void) sd_event_source_set_description(sensor->notify_source, "sysfs-notify");
        sensor->fd = fd;
}

static int sensor_cmp(const void *a, const void *b) {
        const char *key = a;
        const struct sysfs_sensor *const *s = b;

        return strcmp(key, (*s)->path);
}

/* Index of `path` in the sorted registry, or where it would be inserted
 * (then *ret_found is false). */
static size_t sensor_find(const struct fl_source_sysfs *src, const char *path, bool *ret_found) {
        size_t lo = 0, hi = src->n_sensors;

        while (lo < hi) {
                size_t mid = lo + (hi - lo) / 2;
                int c = sensor_cmp(path, &src->sensors[mid]);
                if (c == 0) {
                        *ret_found = true;
                        return mid;
                }
                if (c < 0)
                        hi = mid;
                else
                        lo = mid + 1;
        }
        *ret_found = false;
        return lo;
}

int sysfs_sensor_add(struct fl_source_sysfs *src, const char *path,
        const struct sysfs_sensor_ops *ops, void *data, bool notify) {
        struct sysfs_sensor *sensor;
        bool found;
        size_t i = sensor_find(src, path, &found);

        if (found) {
                sensor = src->sensors[i];
                if (sensor->data && sensor->ops->free_data)
                        sensor->ops->free_data(sensor->data);
                sensor->data = data;
                sensor->ops = ops;
                sensor->seen = true;
                return 0;
        }

        if (src->n_sensors == src->n_allocated) {
                size_t n = src->n_allocated ? src->n_allocated * 2 : 32;
                struct sysfs_sensor **p = reallocarray(src->sensors, n, sizeof(*p));
                if (!p)
                        goto oom;
                src->sensors = p;
                src->n_allocated = n;
        }
        sensor = calloc(1, sizeof(*sensor));
        if (!sensor)
                goto oom;
        sensor->path = strdup(path);
        if (!sensor->path) {
                free(sensor);
                goto oom;
        }
        sensor->src = src;
        sensor->ops = ops;
        sensor->data = data;
        sensor->fd = -EBADF;
        sensor->seen = true;
        sensor->late = src->walked;
        sensor->want_notify = notify;
        memmove(src->sensors + i + 1, src->sensors + i,
                (src->n_sensors - i) * sizeof(*src->sensors));
        src->sensors[i] = sensor;
        src->n_sensors++;
        return 0;
oom:
        if (data && ops->free_data)
                ops->free_data(data);
        return -ENOMEM;
}

static int (*const family_discover[_SYSFS_FAMILY_MAX])(struct fl_source_sysfs *) = {
        [SYSFS_FAMILY_EDAC] = sysfs_edac_discover,
        [SYSFS_FAMILY_THERMAL] = sysfs_thermal_discover,
        [SYSFS_FAMILY_HWMON] = sysfs_hwmon_discover,
};

static int rescan_tree(struct fl_source_sysfs *src) {
        size_t kept = 0;

        for (size_t i = 0; i < src->n_sensors; i++)
                src->sensors[i]->seen = false;

        for (int f = 0; f < _SYSFS_FAMILY_MAX; f++) {
                int r = family_discover[f](src);
                if (r == -ENOMEM)
                        return r;
                if (r < 0 && r != -ENOENT) {
                        /* A walk that failed half-way must not drop the family's
                         * sensors: keep them until a walk succeeds. */
                        sysfs_debug(src, "sysfs: walk of family %d failed: %s", f, strerror(-r));
                        for (size_t i = 0; i < src->n_sensors; i++)
                                if (src->sensors[i]->ops->family == (enum sysfs_family) f)
                                        src->sensors[i]->seen = true;
                }
        }

        for (size_t i = 0; i < src->n_sensors; i++) {
                struct sysfs_sensor *sensor = src->sensors[i];
                if (!sensor->seen) {
                        sysfs_debug(src, "sysfs: %s vanished", sensor->path);
                        src->stats.vanished++;
                        sensor_free(sensor);
                        continue;
                }
                src->sensors[kept++] = sensor;
        }
        src->n_sensors = kept;
        src->walked = true;
        src->stats.rescans++;
        return 0;
}

int fl_source_sysfs_poll(struct fl_source_sysfs *s, bool rescan) {
        int r;

        if (!s)
                return -EINVAL;
        if (rescan || !s->walked) {
                rescan = true;
                r = rescan_tree(s);
                if (r < 0)
                        return r;
                s->next_rescan_usec = now_usec(CLOCK_BOOTTIME) + s->rescan_usec;
        }

        for (size_t i = 0; i < s->n_sensors; i++) {
                struct sysfs_sensor *sensor = s->sensors[i];

                /* Degraded sensors wait for the next rescan. */
                if (sensor->degraded && !rescan)
                        continue;
                sensor_watch(s, sensor);
                sensor_run(s, sensor);
        }
        s->stats.polls++;
        return sysfs_state_save(s);
}

static int on_timer(sd_event_source *es, uint64_t usec, void *userdata) {
        struct fl_source_sysfs *s = userdata;
        uint64_t now = now_usec(CLOCK_BOOTTIME);
        int r;

        r = fl_source_sysfs_poll(s, now >= s->next_rescan_usec);
        if (r < 0)
                sysfs_debug(s, "sysfs: poll failed: %s", strerror(-r));

        /* Re-arm the one timer; never let an error disable the source. */
        r = sd_event_source_set_time(es, now + s->interval_usec);
        if (r >= 0)
                r = sd_event_source_set_enabled(es, SD_EVENT_ONESHOT);
        if (r < 0)
                sysfs_debug(s, "sysfs: cannot re-arm timer: %s", strerror(-r));
        return 0;
}

static int read_boot_id(const char *configured, char ret[static 33]) {
        sd_id128_t id;
        int r;

        if (configured)
                r = sd_id128_from_string(configured, &id);
        else
                r = sd_id128_get_boot(&id);
        if (r < 0)
                return configured ? -EINVAL : r;
        sd_id128_to_string(id, ret);
        return 0;
}

int fl_source_sysfs_new(sd_event *event, const struct fl_sysfs_config *config, fl_event_fn callback,
        void *userdata, struct fl_source_sysfs **ret) {
        struct fl_source_sysfs *s;
        const char *root;
        int r;

        if (!event || !config || !ret)
                return -EINVAL;

        s = calloc(1, sizeof(*s));
        if (!s)
                return -ENOMEM;
        s->root_fd = -EBADF;
        s->event = sd_event_ref(event);
        s->callback = callback;
        s->userdata = userdata;
        s->log = config->log;
        s->log_userdata = config->log_userdata;
        s->barrier = config->barrier;
        s->barrier_userdata = config->barrier_userdata;
        s->interval_usec =
                config->interval_usec ? config->interval_usec : FL_SYSFS_INTERVAL_USEC_DEFAULT;
        s->rescan_usec = config->rescan_usec ? config->rescan_usec : FL_SYSFS_RESCAN_USEC_DEFAULT;

        r = read_boot_id(config->boot_id, s->boot_id);
        if (r < 0)
                goto fail;

        root = config->sysfs_root ? config->sysfs_root : "/sys";
        s->root = strdup(root);
        if (!s->root) {
                r = -ENOMEM;
                goto fail;
        }
        s->root_fd = open(root, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
        if (s->root_fd < 0) {
                r = negative_errno();
                goto fail;
        }

        s->counters = json_object();
        s->thresholds = json_object();
        if (!s->counters || !s->thresholds) {
                r = -ENOMEM;
                goto fail;
        }
        if (config->state_dir) {
                r = fl_mkdir_p(config->state_dir, 0700);
                if (r < 0)
                        goto fail;
                if (asprintf(&s->state_path, "%s/sysfs.json", config->state_dir) < 0) {
                        s->state_path = NULL;
                        r = -ENOMEM;
                        goto fail;
                }
                r = sysfs_state_load(s);
                if (r == -ENOMEM)
                        goto fail;
                if (r < 0) {
                        /* Starting without the file loses only the "while the
                         * agent was down" deltas; refusing to start would lose
                         * everything. The caller sees it in the stats. */
                        s->stats.state_errors++;
                        s->stats.last_state_error = r;
                        sysfs_debug(s, "sysfs: ignoring %s: %s", s->state_path, strerror(-r));
                }
        }

        /* Usec 0 is already due: the first walk runs on the next iteration. */
        r = sd_event_add_time(event, &s->timer, CLOCK_BOOTTIME, 0,
                s->interval_usec / 10 > 1000000 ? 1000000 : s->interval_usec / 10, on_timer, s);
        if (r < 0)
                goto fail;
        (void) sd_event_source_set_description(s->timer, "sysfs-poll");

        *ret = s;
        return 0;
fail:
        fl_source_sysfs_free(s);
        return r;
}

struct fl_source_sysfs *fl_source_sysfs_free(struct fl_source_sysfs *s) {
        if (!s)
                return NULL;
        s->timer = sd_event_source_disable_unref(s->timer);
        for (size_t i = 0; i < s->n_sensors; i++)
                sensor_free(s->sensors[i]);
        free(s->sensors);
        json_decref(s->counters);
        json_decref(s->thresholds);
        if (s->root_fd >= 0)
                close(s->root_fd);
        free(s->root);
        free(s->state_path);
        sd_event_unref(s->event);
        free(s);
        return NULL;
}

int fl_source_sysfs_sensor_error(
        const struct fl_source_sysfs *s, const char *path, int *ret_error) {
        bool found;
        size_t i;

        if (!s || !path || !ret_error)
                return -EINVAL;
        i = sensor_find(s, path, &found);
        if (!found)
                return -ENOENT;
        *ret_error = s->sensors[i]->degraded ? s->sensors[i]->error : 0;
        return 0;
}

void fl_source_sysfs_get_stats(const struct fl_source_sysfs *s, struct fl_sysfs_stats *ret) {
        struct fl_sysfs_stats st;

        if (!s || !ret)
                return;
        st = s->stats;
        st.sensors_ok = st.sensors_degraded = st.sensors_notify = 0;
        for (size_t i = 0; i < s->n_sensors; i++) {
                if (s->sensors[i]->degraded)
                        st.sensors_degraded++;
                else
                        st.sensors_ok++;
                if (s->sensors[i]->notify_source)
                        st.sensors_notify++;
        }
        *ret = st;
}
