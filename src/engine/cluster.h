/* Nodes sharing one store (PostgreSQL): each holds a lease it renews, claims WAITING job runs, takes over the
 * job runs of nodes whose lease lapsed, and is woken by the others through the store's notifications. Runs on
 * the engine's loop; the engine lends it three operations (start these job runs, stop this one, forget what
 * you run) and cluster.c never touches a process itself. */
#ifndef GLUED_CLUSTER_H
#define GLUED_CLUSTER_H

#include <stdint.h>
#include <uv.h>

#include "engine/flow.h"

typedef struct cluster cluster_t;

typedef struct cluster_ops {
    void (*spawn)(void *ctx, flow_ids_t *ids);    /* job runs this node claimed: start them (takes the ids) */
    void (*kill)(void *ctx, const char *id);      /* a job run this node owns must stop */
    void (*fenced)(void *ctx);                    /* this node lost its lease: end every process without a record,
                                                     then recover as after a restart */
    void (*changed)(void *ctx, const char *what); /* another node changed schedules ("sched") or event
                                                     batches ("batches"): look again now; or emptied the
                                                     store ("reset", --test-mode): forget what runs */
    void *ctx;
} cluster_ops_t;

typedef struct cluster_config {
    const flow_env_t *env;
    const char *url;  /* this node's URL, for the record */
    int64_t lease_ms; /* how long a lease lasts; it is renewed three times in that time */
} cluster_config_t;

/* Registers this node (its lease starts). Refused, with a message in err, while another live process holds a
 * lease under the same name. Call before recovery; the store must be shared. */
int cluster_join(const cluster_config_t *cfg, char *err, size_t errlen);
/* Starts renewing, sweeping, listening and claiming on loop (the engine's thread). */
int cluster_start(uv_loop_t *loop, const cluster_config_t *cfg, const cluster_ops_t *ops, cluster_t **out);
/* Claims waiting job runs now (after this node made room, or was told of new work). */
void cluster_claim(cluster_t *c);
/* Tells the other nodes that this one changed `what` ("sched", "batches", "reset"), so that they look again now rather
 * than at their next periodic reload. */
void cluster_tell(cluster_t *c, const char *what);
/* Stops its handles (on the loop's thread); the loop frees them when it runs their close callbacks. */
void cluster_stop(cluster_t *c);

#endif
