/* The metrics registry: counters, gauges and histograms with up to two labels, rendered in the Prometheus
 * text format (version 0.0.4) for GET /metrics. It sits low in the house so that the server, the engine and the
 * store can all count without upward arrows.
 *
 * Cost: counting is lock-free. A series (one set of label values) is found by hashing into a fixed table of
 * slots and bumped with relaxed atomics; only the first sighting of a label set takes the family's mutex to
 * publish its slot. Each family holds at most METRICS_MAX_SERIES series; label sets past that are counted in
 * one series whose labels are all "_other" (the bound on everything that grows).
 *
 * Families are registered once and live for the process. A name registered again with the same type returns
 * the same family, so any module may ask for a family by name (e.g. the event deliveries counter). */
#ifndef GLUED_METRICS_H
#define GLUED_METRICS_H

#include <stddef.h>
#include <stdint.h>

#define METRICS_MAX_FAMILIES 64
#define METRICS_MAX_SERIES   512

typedef struct metrics_family metrics_family_t;

/* labels: up to two comma-separated label names ("op,code"), or NULL for none. */
metrics_family_t *metrics_counter(const char *name, const char *help, const char *labels);
metrics_family_t *metrics_gauge(const char *name, const char *help, const char *labels);
/* bounds: the upper bounds of the buckets, increasing, in the unit observed (seconds for durations). */
metrics_family_t *metrics_histogram(const char *name, const char *help, const char *labels, const double *bounds,
                                    size_t nbounds);
/* Buckets for latencies from 100 us to 10 s. */
extern const double METRICS_LATENCY_BUCKETS[];
extern const size_t METRICS_LATENCY_NBUCKETS;

/* Label values: as many as the family has labels (unused ones NULL). NULL families are ignored. */
void metrics_add(metrics_family_t *f, const char *l1, const char *l2, uint64_t n); /* counter */
void metrics_set(metrics_family_t *f, const char *l1, const char *l2, int64_t v);  /* gauge */
void metrics_gauge_add(metrics_family_t *f, const char *l1, const char *l2, int64_t d);
void metrics_observe(metrics_family_t *f, const char *l1, const char *l2, double x); /* histogram */

/* Scrape-time facts (resident memory, counts read from the store): fn appends complete families to out with
 * metrics_append. Collectors run on the scraping thread, in registration order. */
typedef struct metrics_buf metrics_buf_t;
typedef void (*metrics_collect_fn)(void *ctx, metrics_buf_t *out);
void metrics_collector(metrics_collect_fn fn, void *ctx);
void metrics_append(metrics_buf_t *out, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The whole exposition (heap, NUL-terminated); *len gets its length. NULL when out of memory. */
char *metrics_render(size_t *len);

/* Process facts (start time, resident memory, open descriptors, CPU seconds) and the families that belong to
 * no one module yet. Registered once, at start. */
void metrics_process_init(void);

/* Event deliveries (EventBridge events handed to EVENT triggers): whoever delivers adds n to this counter under
 * its outcome ("delivered", "dropped", "unmatched"). Always exposed, from metrics_process_init on. */
#define METRICS_EVENT_DELIVERIES "glued_event_deliveries_total"
void metrics_event_delivered(const char *outcome, uint64_t n);

#endif
