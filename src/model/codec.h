/* Encodings between the API's JSON and the store's opaque text, and the JSON building blocks that several
 * resources share (timestamps, maps, workflow runs). */
#ifndef GLUED_CODEC_H
#define GLUED_CODEC_H

#include <jansson.h>
#include <stdint.h>

#include "model/error.h"
#include "store/store.h"

/* The JSON dump flags glued uses everywhere: compact, timestamps with millisecond precision. */
#define CODEC_DUMP_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(15))

/* A string map (JSON object of strings) to the store's text, and back. encode returns a heap string (NULL on
 * NULL input); decode returns a new object, empty when text is NULL or unreadable. */
char *codec_map_encode(const json_t *map);
json_t *codec_map_decode(const char *text);

/* Tags as the store keeps them: the encoded map, or NULL when there are none (absent or empty). */
char *codec_tags_encode(const json_t *tags);

/* Epoch milliseconds as epoch seconds with a fraction, as AWS's JSON protocol sends timestamps. */
json_t *codec_timestamp(int64_t ms);

/* Sets obj[key] to a new string when s is not NULL (absent members are omitted, never null). */
void codec_set_str(json_t *obj, const char *key, const char *s);

/* Merges `add` into the map encoded in *text (new keys added, existing overwritten), enforcing the run
 * property bounds (1,000 keys, 64 KiB of keys and values). Replaces *text. */
int codec_props_merge(char **text, const json_t *add, const char *what, gerr_t *e);
/* Checks a map against the run property bounds. */
int codec_props_check(const json_t *map, const char *what, gerr_t *e);
#define CODEC_PROPS_MAX_KEYS  1000
#define CODEC_PROPS_MAX_BYTES (64 * 1024)

/* A WorkflowRun structure (without Graph). */
json_t *codec_run(const store_run_t *r);
/* A JobRun structure. */
json_t *codec_jobrun(const store_jobrun_t *r);
/* A Crawl structure (a crawl in a run's graph). */
json_t *codec_crawl(const store_jobrun_t *r);

#endif
