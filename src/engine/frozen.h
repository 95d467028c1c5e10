/* The frozen triggers of workflow runs, kept in memory between steps. A run's triggers are copied when it starts
 * (run_triggers) and never change after, nor do the nodes each one watches (run_watch is made from their
 * predicates): so the engine reads and parses them once per run instead of at every node's end. Whether a trigger
 * has fired changes; it is not kept here. Owned and used by one thread (the engine's). */
#ifndef GLUED_FROZEN_H
#define GLUED_FROZEN_H

#include <jansson.h>
#include <stddef.h>

#include "store/store.h"

typedef struct frozen frozen_t;
typedef struct frozen_run frozen_run_t;

frozen_t *frozen_new(void);
void frozen_free(frozen_t *f);

/* Run run_id's frozen triggers, read through tx on the first call (NULL with *rc < 0 when the read failed).
 * Valid until the next frozen_trim. A run with no triggers (or none yet) gives an empty entry. */
frozen_run_t *frozen_get(frozen_t *f, store_tx_t *tx, const char *run_id, int *rc);

/* The triggers of r that watch node type/name, in name order: *n of them, their names and parsed definitions. */
void frozen_watchers(const frozen_run_t *r, const char *type, const char *name, const size_t **idx, size_t *n);
const char *frozen_name(const frozen_run_t *r, size_t i);
json_t *frozen_doc(const frozen_run_t *r, size_t i);

/* Forgets run_id (it ended), at the next frozen_trim. */
void frozen_forget(frozen_t *f, const char *run_id);
/* Drops what was forgotten, and everything when more runs than a bound are kept. Never while an entry is in use. */
void frozen_trim(frozen_t *f);

#endif
