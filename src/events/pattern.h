/* EventBridge event patterns: compile a pattern (JSON text) once, then test events against it. Pure functions of
 * their arguments: no I/O, no global state; a compiled pattern is read-only and may be shared by threads.
 *
 * What a pattern can say (as the EventBridge user guide documents it):
 * - nested objects mirror the event's structure; every field named must match (AND); `$or` at any level holds
 *   two or more alternative sub-patterns (OR);
 * - each leaf is a non-empty array of alternatives: exact values (strings, numbers compared as numbers, true,
 *   false, null), {"prefix": s}, {"suffix": s} (either also as {"equals-ignore-case": s}), {"equals-ignore-case":
 *   s}, {"wildcard": s} (`*` for any run of characters, `\*` and `\\` for the characters), {"numeric": [op, n
 *   (, op, n)]} with one lower (> >=) and one upper (< <=) bound or a single = < <= > >=, {"exists": bool}, and
 *   {"anything-but": ...} of a value, a list of strings or of numbers, or {prefix|suffix|equals-ignore-case|
 *   wildcard: s or [s...]};
 * - an array in the event matches when any of its elements does; an object pattern over an array of objects
 *   must match one element as a whole;
 * - "exists" looks at leaves only: a field holding an object (or an empty array) does not exist as a leaf.
 * Not supported: "cidr" (IP address ranges). Case folding is Unicode simple lower-casing (C.UTF-8). */
#ifndef GLUED_EVENTS_PATTERN_H
#define GLUED_EVENTS_PATTERN_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#define EVPAT_MAX_DEPTH   32    /* nesting of objects in a pattern */
#define EVPAT_NUMERIC_MAX 5.0e9 /* numeric matching works on values within +-5.0e9, as EventBridge documents */
#define EVPAT_ERR_LEN     512   /* enough for every message evpat_compile writes */

typedef struct evpat evpat_t;

/* Compiles pattern text. Returns 0 with *out (free with evpat_free), or -1 with a message in err (errlen
 * bytes, may be 0) that says what is wrong and where, e.g. "Empty arrays are not allowed at detail.state". */
int evpat_compile(const char *text, size_t len, evpat_t **out, char *err, size_t errlen);
/* The same from parsed JSON (borrowed; not kept). */
int evpat_compile_json(const json_t *pattern, evpat_t **out, char *err, size_t errlen);
void evpat_free(evpat_t *p);

/* Whether event (any JSON value; normally an object with source, detail-type, detail...) matches. */
bool evpat_match(const evpat_t *p, const json_t *event);

/* Parses JSON text the way events and patterns are read: an object, nesting at most max_depth levels, duplicate
 * keys refused, integers too large for 64 bits read as numbers. NULL with a message in err on failure. */
json_t *evpat_parse_object(const char *text, size_t len, int max_depth, char *err, size_t errlen);

#endif
