/* The default event bus: an event put on it (PutEvents, or a file landing in S3) goes to every enabled rule whose
 * pattern matches, and through each target of that rule to a Glue workflow's EVENT start trigger, where it waits
 * in the trigger's batch. A batch closes into a workflow run when it holds BatchSize events, or when BatchWindow
 * seconds have passed since its first event, whichever comes first; the waiting events are in the store, so a
 * restart keeps them and their window.
 *
 * Each public function is one transaction (the delivery of several events together is one). Action runs to
 * start are collected and handed out only after the commit, like flow.c's; any thread may call them. */
#ifndef GLUED_ENGINE_BUS_H
#define GLUED_ENGINE_BUS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "engine/flow.h"
#include "model/error.h"
#include "store/store.h"

#define BUS_DEFAULT        "default"
#define BUS_WINDOW_DEFAULT 900 /* seconds: BatchWindow when a trigger gives none */

/* Reads a Glue workflow ARN, arn:aws:glue:<region>:<account>:workflow/<name>. 0 with the parts (the buffers
 * hold at least 256 bytes each; any may be NULL), or -1. */
int bus_workflow_arn(const char *arn, char *region, char *account, char *name);

/* Delivers events (event objects, each with an "id") on the default bus, in one transaction. *delivered (may
 * be NULL) gets how many (event, workflow) deliveries were made. now is glued's clock. mark_key (may be NULL):
 * a store mark (store/events.h) raised to mark in the same transaction. */
int bus_deliver(const flow_env_t *env, json_t *const *events, size_t n, int64_t now, const char *mark_key, int64_t mark,
                flow_ids_t *spawn, size_t *delivered, gerr_t *e);

/* Closes every batch whose window has passed by now (each in its own transaction). *next_ms (may be NULL) gets
 * the glued time at which the next window closes, or -1 when no event waits. */
int bus_close_windows(const flow_env_t *env, int64_t now, flow_ids_t *spawn, int64_t *next_ms, gerr_t *e);

#endif
