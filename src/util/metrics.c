/* The metrics registry (see metrics.h). Reading order: families and their slots, counting, collectors,
 * rendering, and the process facts. */
#include "util/metrics.h"

#include <dirent.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "util/sbuf.h"
#include "util/util.h"

enum { M_COUNTER, M_GAUGE, M_HISTOGRAM };

const double METRICS_LATENCY_BUCKETS[] = {0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                          0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,    10};
const size_t METRICS_LATENCY_NBUCKETS = sizeof METRICS_LATENCY_BUCKETS / sizeof METRICS_LATENCY_BUCKETS[0];

/* One label set. state goes 0 (free) -> 1 (ready) once, under the family's lock; readers that see 1 (acquire)
 * may read the labels and count into v without a lock. */
typedef struct series {
    atomic_int state;
    char *l1, *l2;
    _Atomic uint64_t *v; /* counter/gauge: v[0]; histogram: buckets[nb + 1] (+Inf last), count, sum (micro-units) */
} series_t;

struct metrics_family {
    char *name, *help;
    int type, nlabels;
    char *label[2];
    double *bounds;
    size_t nb;
    pthread_mutex_t lock; /* held only to publish a new series */
    series_t slots[METRICS_MAX_SERIES];
    size_t used; /* under lock */
    series_t other;
};

static pthread_mutex_t reg_lock = PTHREAD_MUTEX_INITIALIZER;
static metrics_family_t *families[METRICS_MAX_FAMILIES];
static _Atomic size_t nfamilies;

typedef struct collector {
    metrics_collect_fn fn;
    void *ctx;
} collector_t;
static collector_t collectors[16];
static size_t ncollectors; /* under reg_lock */

static size_t nvalues(const metrics_family_t *f)
{
    return f->type == M_HISTOGRAM ? f->nb + 3 : 1;
}

static metrics_family_t *family(int type, const char *name, const char *help, const char *labels, const double *bounds,
                                size_t nb)
{
    pthread_mutex_lock(&reg_lock);
    size_t n = atomic_load(&nfamilies);
    for (size_t i = 0; i < n; i++)
        if (strcmp(families[i]->name, name) == 0) {
            metrics_family_t *f = families[i];
            pthread_mutex_unlock(&reg_lock);
            if (f->type != type) {
                log_error("metrics: %s registered twice with different types", name);
                abort();
            }
            return f;
        }
    if (n == METRICS_MAX_FAMILIES) {
        pthread_mutex_unlock(&reg_lock);
        log_error("metrics: more than %d families; %s is not counted", METRICS_MAX_FAMILIES, name);
        return NULL;
    }
    metrics_family_t *f = calloc(1, sizeof *f);
    f->name = strdup(name);
    f->help = strdup(help);
    f->type = type;
    pthread_mutex_init(&f->lock, NULL);
    if (labels && *labels) {
        char *copy = strdup(labels), *comma = strchr(copy, ',');
        if (comma) {
            *comma = '\0';
            f->label[1] = strdup(comma + 1);
        }
        f->label[0] = strdup(copy);
        f->nlabels = comma ? 2 : 1;
        free(copy);
    }
    if (type == M_HISTOGRAM) {
        f->bounds = malloc(nb * sizeof *f->bounds);
        memcpy(f->bounds, bounds, nb * sizeof *bounds);
        f->nb = nb;
    }
    f->other.l1 = f->nlabels > 0 ? strdup("_other") : NULL;
    f->other.l2 = f->nlabels > 1 ? strdup("_other") : NULL;
    f->other.v = calloc(nvalues(f), sizeof *f->other.v);
    atomic_store(&f->other.state, 1);
    families[n] = f;
    atomic_store(&nfamilies, n + 1);
    pthread_mutex_unlock(&reg_lock);
    return f;
}

metrics_family_t *metrics_counter(const char *name, const char *help, const char *labels)
{
    return family(M_COUNTER, name, help, labels, NULL, 0);
}

metrics_family_t *metrics_gauge(const char *name, const char *help, const char *labels)
{
    return family(M_GAUGE, name, help, labels, NULL, 0);
}

metrics_family_t *metrics_histogram(const char *name, const char *help, const char *labels, const double *bounds,
                                    size_t nbounds)
{
    return family(M_HISTOGRAM, name, help, labels, bounds, nbounds);
}

static uint64_t hash(const char *a, const char *b)
{
    uint64_t h = 1469598103934665603u; /* FNV-1a */
    for (const char *p = a ? a : ""; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211u;
    h = (h ^ 0xff) * 1099511628211u;
    for (const char *p = b ? b : ""; *p; p++)
        h = (h ^ (unsigned char)*p) * 1099511628211u;
    return h;
}

static bool same(const char *x, const char *y)
{
    return strcmp(x ? x : "", y ? y : "") == 0;
}

/* The series for (l1, l2): lock-free when it exists, published under the lock the first time. */
static series_t *find(metrics_family_t *f, const char *l1, const char *l2)
{
    if (f->nlabels < 2)
        l2 = NULL;
    if (f->nlabels < 1)
        l1 = NULL;
    size_t start = (size_t)(hash(l1, l2) % METRICS_MAX_SERIES);
    for (size_t k = 0; k < METRICS_MAX_SERIES; k++) {
        series_t *s = &f->slots[(start + k) % METRICS_MAX_SERIES];
        if (atomic_load_explicit(&s->state, memory_order_acquire) == 0)
            break;
        if (same(s->l1, l1) && same(s->l2, l2))
            return s;
    }
    pthread_mutex_lock(&f->lock);
    series_t *found = NULL;
    for (size_t k = 0; k < METRICS_MAX_SERIES; k++) {
        series_t *s = &f->slots[(start + k) % METRICS_MAX_SERIES];
        if (atomic_load_explicit(&s->state, memory_order_relaxed) == 0) {
            if (f->used + 1 >= METRICS_MAX_SERIES) /* keep one slot free so lookups always end */
                break;
            s->l1 = l1 ? strdup(l1) : NULL;
            s->l2 = l2 ? strdup(l2) : NULL;
            s->v = calloc(nvalues(f), sizeof *s->v);
            f->used++;
            atomic_store_explicit(&s->state, 1, memory_order_release);
            found = s;
            break;
        }
        if (same(s->l1, l1) && same(s->l2, l2)) {
            found = s;
            break;
        }
    }
    pthread_mutex_unlock(&f->lock);
    return found ? found : &f->other;
}

void metrics_add(metrics_family_t *f, const char *l1, const char *l2, uint64_t n)
{
    if (f)
        atomic_fetch_add_explicit(&find(f, l1, l2)->v[0], n, memory_order_relaxed);
}

void metrics_set(metrics_family_t *f, const char *l1, const char *l2, int64_t v)
{
    if (f)
        atomic_store_explicit(&find(f, l1, l2)->v[0], (uint64_t)v, memory_order_relaxed);
}

void metrics_gauge_add(metrics_family_t *f, const char *l1, const char *l2, int64_t d)
{
    if (f)
        atomic_fetch_add_explicit(&find(f, l1, l2)->v[0], (uint64_t)d, memory_order_relaxed);
}

void metrics_observe(metrics_family_t *f, const char *l1, const char *l2, double x)
{
    if (!f || f->type != M_HISTOGRAM)
        return;
    series_t *s = find(f, l1, l2);
    size_t b = 0;
    while (b < f->nb && x > f->bounds[b])
        b++;
    atomic_fetch_add_explicit(&s->v[b], 1, memory_order_relaxed);
    atomic_fetch_add_explicit(&s->v[f->nb + 1], 1, memory_order_relaxed);
    uint64_t micro = x > 0 ? (uint64_t)(x * 1e6 + 0.5) : 0;
    atomic_fetch_add_explicit(&s->v[f->nb + 2], micro, memory_order_relaxed);
}

/* ---- collectors and the output buffer ---- */

struct metrics_buf {
    sbuf_t s;
};

void metrics_append(metrics_buf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sbuf_vprintf(&b->s, fmt, ap);
    va_end(ap);
}

void metrics_collector(metrics_collect_fn fn, void *ctx)
{
    pthread_mutex_lock(&reg_lock);
    if (ncollectors < sizeof collectors / sizeof collectors[0])
        collectors[ncollectors++] = (collector_t){fn, ctx};
    pthread_mutex_unlock(&reg_lock);
}

/* ---- rendering ---- */

static void label_value(metrics_buf_t *b, const char *v)
{
    for (const char *p = v ? v : ""; *p; p++) {
        if (*p == '\\')
            metrics_append(b, "\\\\");
        else if (*p == '"')
            metrics_append(b, "\\\"");
        else if (*p == '\n')
            metrics_append(b, "\\n");
        else
            metrics_append(b, "%c", *p);
    }
}

/* {a="x",b="y"[,le="..."]} or nothing */
static void labels(metrics_buf_t *b, const metrics_family_t *f, const series_t *s, const char *le)
{
    if (f->nlabels == 0 && !le)
        return;
    metrics_append(b, "{");
    const char *vals[2] = {s->l1, s->l2};
    for (int i = 0; i < f->nlabels; i++) {
        metrics_append(b, "%s%s=\"", i ? "," : "", f->label[i]);
        label_value(b, vals[i]);
        metrics_append(b, "\"");
    }
    if (le)
        metrics_append(b, "%sle=\"%s\"", f->nlabels ? "," : "", le);
    metrics_append(b, "}");
}

static void series_lines(metrics_buf_t *b, const metrics_family_t *f, const series_t *s)
{
    if (f->type == M_COUNTER || f->type == M_GAUGE) {
        uint64_t v = atomic_load_explicit(&s->v[0], memory_order_relaxed);
        metrics_append(b, "%s", f->name);
        labels(b, f, s, NULL);
        if (f->type == M_GAUGE)
            metrics_append(b, " %lld\n", (long long)(int64_t)v);
        else
            metrics_append(b, " %llu\n", (unsigned long long)v);
        return;
    }
    uint64_t cum = 0;
    char le[32];
    for (size_t i = 0; i <= f->nb; i++) {
        cum += atomic_load_explicit(&s->v[i], memory_order_relaxed);
        if (i < f->nb)
            snprintf(le, sizeof le, "%g", f->bounds[i]);
        else
            snprintf(le, sizeof le, "+Inf");
        metrics_append(b, "%s_bucket", f->name);
        labels(b, f, s, le);
        metrics_append(b, " %llu\n", (unsigned long long)cum);
    }
    /* count is the +Inf bucket, so that a scrape racing an observation stays consistent */
    metrics_append(b, "%s_sum", f->name);
    labels(b, f, s, NULL);
    metrics_append(b, " %.6f\n", (double)atomic_load_explicit(&s->v[f->nb + 2], memory_order_relaxed) / 1e6);
    metrics_append(b, "%s_count", f->name);
    labels(b, f, s, NULL);
    metrics_append(b, " %llu\n", (unsigned long long)cum);
}

char *metrics_render(size_t *len)
{
    metrics_buf_t b = {0};
    sbuf_add(&b.s, "", 0);
    if (b.s.failed)
        return NULL;
    static const char *const types[] = {"counter", "gauge", "histogram"};
    size_t n = atomic_load(&nfamilies);
    for (size_t i = 0; i < n; i++) {
        metrics_family_t *f = families[i];
        metrics_append(&b, "# HELP %s %s\n# TYPE %s %s\n", f->name, f->help, f->name, types[f->type]);
        bool any = false;
        for (size_t k = 0; k < METRICS_MAX_SERIES; k++)
            if (atomic_load_explicit(&f->slots[k].state, memory_order_acquire)) {
                series_lines(&b, f, &f->slots[k]);
                any = true;
            }
        bool other_used = false;
        for (size_t k = 0; k < nvalues(f); k++)
            other_used |= atomic_load_explicit(&f->other.v[k], memory_order_relaxed) != 0;
        /* a family without labels has its one series from the start, at zero (a rate or an absence alert sees
         * it before the first event); one with labels has none until a label value is seen */
        if (other_used || (f->nlabels == 0 && !any))
            series_lines(&b, f, &f->other);
    }
    pthread_mutex_lock(&reg_lock);
    collector_t cs[sizeof collectors / sizeof collectors[0]];
    size_t nc = ncollectors;
    memcpy(cs, collectors, nc * sizeof *cs);
    pthread_mutex_unlock(&reg_lock);
    for (size_t i = 0; i < nc; i++)
        cs[i].fn(cs[i].ctx, &b);
    *len = b.s.len;
    return sbuf_take(&b.s);
}

/* ---- process facts ---- */

static int64_t start_ms;

static void process_facts(void *ctx, metrics_buf_t *out)
{
    (void)ctx;
    long page = sysconf(_SC_PAGESIZE);
    long long rss = 0, size = 0;
    FILE *f = fopen("/proc/self/statm", "re");
    if (f) {
        if (fscanf(f, "%lld %lld", &size, &rss) != 2)
            rss = size = 0;
        fclose(f);
    }
    long fds = 0;
    DIR *d = opendir("/proc/self/fd");
    if (d) {
        struct dirent *de;
        while ((de = readdir(d)))
            fds += de->d_name[0] != '.';
        fds--; /* the directory stream's own descriptor */
        closedir(d);
    }
    struct rlimit rl;
    long long maxfds = getrlimit(RLIMIT_NOFILE, &rl) == 0 ? (long long)rl.rlim_cur : 0;
    struct rusage ru;
    double cpu = 0;
    if (getrusage(RUSAGE_SELF, &ru) == 0)
        cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
              ((double)ru.ru_utime.tv_usec + (double)ru.ru_stime.tv_usec) / 1e6;
    metrics_append(out,
                   "# HELP process_resident_memory_bytes Resident memory size in bytes.\n"
                   "# TYPE process_resident_memory_bytes gauge\nprocess_resident_memory_bytes %lld\n"
                   "# HELP process_virtual_memory_bytes Virtual memory size in bytes.\n"
                   "# TYPE process_virtual_memory_bytes gauge\nprocess_virtual_memory_bytes %lld\n"
                   "# HELP process_open_fds Number of open file descriptors.\n"
                   "# TYPE process_open_fds gauge\nprocess_open_fds %ld\n"
                   "# HELP process_max_fds Maximum number of open file descriptors.\n"
                   "# TYPE process_max_fds gauge\nprocess_max_fds %lld\n"
                   "# HELP process_cpu_seconds_total Total user and system CPU time spent in seconds.\n"
                   "# TYPE process_cpu_seconds_total counter\nprocess_cpu_seconds_total %.3f\n"
                   "# HELP process_start_time_seconds Start time of the process since unix epoch in seconds.\n"
                   "# TYPE process_start_time_seconds gauge\nprocess_start_time_seconds %.3f\n",
                   rss * page, size * page, fds, maxfds, cpu, (double)start_ms / 1000.0);
}

static metrics_family_t *event_deliveries(void)
{
    return metrics_counter(METRICS_EVENT_DELIVERIES, "Events delivered to EVENT triggers, by outcome.", "outcome");
}

void metrics_process_init(void)
{
    static atomic_bool done;
    if (atomic_exchange(&done, true))
        return;
    start_ms = util_now_ms();
    event_deliveries();
    metrics_collector(process_facts, NULL);
}

void metrics_event_delivered(const char *outcome, uint64_t n)
{
    if (n == 0)
        return;
    static metrics_family_t *_Atomic f;
    metrics_family_t *fam = atomic_load_explicit(&f, memory_order_acquire);
    if (!fam) {
        fam = event_deliveries();
        atomic_store_explicit(&f, fam, memory_order_release);
    }
    metrics_add(fam, outcome, NULL, n);
}
