/* The frozen triggers of workflow runs, kept in memory once read. A run's triggers are copied when it starts
 * (run_triggers) and never change after, nor do the nodes each one watches (run_watch): so what the engine has
 * read of them once (a node's watchers, a trigger's parsed definition) it keeps until the run ends, instead of
 * reading and parsing it again when another node ends (an AND trigger over 50 jobs is evaluated 50 times).
 * The first lookup in a run reads all of the run's watchers, and the first trigger lookup all its triggers (up to
 * a bound), so that a chain, where each node is looked up once, reads them once and not at every step. Whether a
 * trigger has fired changes; it is not kept here. Owned and used by one thread (the engine's, or one step's). */
#ifndef GLUED_FROZEN_H
#define GLUED_FROZEN_H

#include <jansson.h>
#include <stddef.h>

#include "store/store.h"

typedef struct frozen frozen_t;

/* parses: how many parsed documents to keep by their text (frozen_parse), 0 for a cache that lives for one
 * transaction (its parses would not be met again). */
frozen_t *frozen_new(size_t parses);
void frozen_free(frozen_t *f);

/* The triggers of run run_id that watch node type/name (its run_watch rows, in name order), read through tx the
 * first time: 0, or the store's failure (< 0). *names stays valid until the next frozen_trim. */
int frozen_watchers(frozen_t *f, store_tx_t *tx, const char *run_id, const char *type, const char *name,
                    char *const **names, size_t *n);
/* Trigger `trigger` of run run_id as frozen at the run's start, parsed, read through tx the first time: 0 with
 * *doc (NULL when there is none or it does not parse; borrowed, valid until the next frozen_trim), or the store's
 * failure (< 0). */
int frozen_trigger(frozen_t *f, store_tx_t *tx, const char *run_id, const char *trigger, json_t **doc);

/* Documents kept parsed under the text they were parsed from, by kind and name: a job's definition, which is not
 * frozen (it can change between two of its runs, here or on another node), so a start still reads it and only
 * skips the parse when its text is the one parsed before; and a trigger as runs froze it, which every run of a
 * workflow freezes anew, mostly with the same text. A chain's step parsed both. A new reference to the document
 * parsed from text, or NULL when it does not parse. The document is shared: nothing may change it. */
json_t *frozen_parse(frozen_t *f, const char *kind, const char *name, const char *text);

/* Forgets what is kept of run_id (it ended), at the next frozen_trim. */
void frozen_forget(frozen_t *f, const char *run_id);
/* Drops what was forgotten, and everything when more than a bound is kept. Only between transactions: never while
 * something it handed out is in use. */
void frozen_trim(frozen_t *f);

#endif
