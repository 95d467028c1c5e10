/* The store's event-driven state: the fires of schedules (keyed by schedule and fire time, so a fire time is
 * claimed once across restarts and nodes), EventBridge rules and their targets, and the events waiting in an
 * EVENT trigger's batch. Same conventions as store.h: statuses, explicit transactions, opaque documents. */
#ifndef GLUED_STORE_EVENTS_H
#define GLUED_STORE_EVENTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* ---- schedule fires ----
 * A schedule is (kind, name): kind "trigger" or "crawler". */

/* Claims fire time fire_s (epoch seconds) of a schedule, inside the transaction that does the fire's work:
 * STORE_OK when this call claimed it, STORE_EXISTS when it was claimed before (an earlier life of this node,
 * or another node). Claims older than a day before fire_s are pruned, so the table stays small. */
int store_fire_claim(store_tx_t *tx, const char *kind, const char *name, int64_t fire_s, int64_t now_ms);
/* The newest claimed fire time of a schedule, or STORE_NOTFOUND. */
int store_fire_last(store_tx_t *tx, const char *kind, const char *name, int64_t *fire_s);
/* ---- marks: times up to which something is done, in meta, that only move forward ----
 * "fires_settled_ms": when a start of glued last settled the fire times missed while it was down (fired or
 * skipped them), so that they are not missed again at a later start (glued's clock);
 * "s3_seen_ns:NODE": up to when every file landing under NODE's S3 root was delivered as an event (real time, ns
 * since the epoch), so that a start reports what landed while it was down. */
#define STORE_MARK_FIRES "fires_settled_ms"
#define STORE_MARK_S3    "s3_seen_ns:"
/* The mark's time, or STORE_NOTFOUND before the first. */
int store_mark_get(store_tx_t *tx, const char *key, int64_t *t);
/* Records t, unless the mark is at t or later already. */
int store_mark_raise(store_tx_t *tx, const char *key, int64_t t);

/* ---- rules (EventBridge), on an event bus ---- */
typedef struct store_rule {
    char *bus, *name;
    char *pattern;     /* the EventPattern as given */
    char *state;       /* ENABLED, DISABLED, ENABLED_WITH_ALL_CLOUDTRAIL_MANAGEMENT_EVENTS */
    char *description; /* NULL when none */
    char *role_arn;    /* NULL when none */
    char *tags;        /* opaque encoded map, NULL when none */
    int64_t created_ms, modified_ms;
} store_rule_t;
void store_rule_cleanup(store_rule_t *r);
void store_rule_list_free(store_rule_t *v, size_t n);

/* create or replace (PutRule): a new rule past max_rules of its bus (0 = none) is STORE_LIMIT; *created says
 * which it was. A replaced rule keeps its tags and creation time. */
int store_rule_put(store_tx_t *tx, const store_rule_t *r, int64_t max_rules, bool *created);
int store_rule_get(store_tx_t *tx, const char *bus, const char *name, store_rule_t *r);
int store_rule_set_state(store_tx_t *tx, const char *bus, const char *name, const char *state, int64_t now_ms);
/* deletes a rule that has no targets: STORE_NOTFOUND, STORE_EXISTS while targets remain */
int store_rule_delete(store_tx_t *tx, const char *bus, const char *name);
/* rules of a bus in name order, whose names start with prefix (NULL = all) and come after `after` (NULL = from
 * the start), at most limit */
int store_rule_list(store_tx_t *tx, const char *bus, const char *prefix, const char *after, int limit,
                    store_rule_t **out, size_t *n);
/* Where events go: each target of each rule of the bus that is not DISABLED, with the rule's pattern, in rule
 * then target order. */
typedef struct store_route {
    char *rule, *pattern, *target_id, *arn;
} store_route_t;
int store_routes(store_tx_t *tx, const char *bus, store_route_t **out, size_t *n);
void store_route_list_free(store_route_t *v, size_t n);

/* ---- targets of a rule ---- */
typedef struct store_target {
    char *bus, *rule, *id;
    char *arn;
    char *doc; /* the Target structure, opaque */
} store_target_t;
void store_target_cleanup(store_target_t *t);
void store_target_list_free(store_target_t *v, size_t n);

/* create or replace one target (by id) */
int store_target_put(store_tx_t *tx, const store_target_t *t);
int store_target_delete(store_tx_t *tx, const char *bus, const char *rule, const char *id);
int store_target_count(store_tx_t *tx, const char *bus, const char *rule, int64_t *n);
/* whether a target id exists on a rule: STORE_OK or STORE_NOTFOUND */
int store_target_exists(store_tx_t *tx, const char *bus, const char *rule, const char *id);
/* targets of a rule in id order after `after` (NULL = from the start), at most limit (0 = all) */
int store_target_list(store_tx_t *tx, const char *bus, const char *rule, const char *after, int limit,
                      store_target_t **out, size_t *n);

/* ---- events waiting in an EVENT trigger's batch ----
 * Keyed by the workflow whose start trigger takes them (and that trigger's name); oldest first. */
int store_event_wait(store_tx_t *tx, const char *workflow, const char *trigger, const char *event_id,
                     int64_t received_ms);
/* the waiting events of a workflow, oldest first, at most limit (0 = all): ids (free with store_strv_free)
 * and the first one's arrival */
int store_event_waiting(store_tx_t *tx, const char *workflow, int limit, char ***ids, size_t *n, int64_t *first_ms);
/* removes the oldest n waiting events of a workflow */
int store_event_take(store_tx_t *tx, const char *workflow, int64_t n);
/* every workflow with waiting events: its trigger and the first event's arrival (free with the two lists) */
typedef struct store_batch {
    char *workflow, *trigger;
    int64_t first_ms, count;
} store_batch_t;
int store_event_batches(store_tx_t *tx, store_batch_t **out, size_t *n);
void store_batch_list_free(store_batch_t *v, size_t n);

#endif
