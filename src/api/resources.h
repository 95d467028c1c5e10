/* Helpers shared by the handlers of named definitions (jobs, triggers, crawlers): reading one, a batch, a
 * filtered page, and the tag filter of the List* operations. */
#ifndef GLUED_RESOURCES_H
#define GLUED_RESOURCES_H

#include <stdbool.h>

#include "api/api.h"

/* Builds the API structure of one stored definition (a new reference). */
typedef json_t *(*res_json_fn)(const store_res_t *r);
/* Keeps a row in a listing or drops it. */
typedef bool (*res_filter_fn)(const store_res_t *r, void *ctx);

/* The definition of `kind` named `name`, as json (label names it in the EntityNotFound message). */
int res_get(api_req_t *rq, const char *kind, const char *label, const char *name, res_json_fn fn, json_t **out,
            gerr_t *e);
/* A whole Batch* operation: reads the names list (names_field, at most max), answers
 * {found_key: [...], missing_key: [...] (only when some are missing)}; each name answered once. */
int res_batch_get(api_req_t *rq, const char *kind, json_t *in, const char *names_field, size_t max, res_json_fn fn,
                  const char *found_key, const char *missing_key, json_t **out, gerr_t *e);
/* One page of a listing in name order: items built by fn, NextToken set on out when more pass the filters.
 * tags (may be NULL) keeps definitions that carry every given tag. */
int res_page(api_req_t *rq, const char *kind, json_t *in, const char *scope, int max, json_t *tags,
             res_filter_fn filter, void *ctx, res_json_fn fn, const char *list_key, json_t **out, gerr_t *e);
/* Item builder for the List* operations: just the name. */
json_t *res_name_json(const store_res_t *r);
/* A document (JSON text) plus the row's timestamps under the given member names (NULL to omit). */
json_t *res_doc_json(const store_res_t *r, const char *created_key, const char *modified_key);

#endif
