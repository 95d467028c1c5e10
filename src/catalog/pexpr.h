/* The partition-predicate language of GetPartitions' Expression: comparisons (=, <>, !=, <, >, <=, >=),
 * BETWEEN, IN, LIKE, AND, OR, NOT and parentheses over partition keys and literals, typed by the keys' types:
 * an int key compares numerically and takes '2' or 2 but not 'abc'; a string key compares bytewise.
 *
 * So that the store answers an expression without reading every partition, a partition is indexed by a key
 * (pexpr_index_key) whose byte order is the typed order of its values, key by key; pexpr_ranges turns the
 * expression's leading equalities (=, IN) and one range (<, >, BETWEEN, LIKE 'prefix%') on the next key into
 * index ranges that hold every partition that can match. The store reads those ranges in index order and
 * keeps the rows pexpr_match accepts. Pure; safe on any thread. */
#ifndef GLUED_PEXPR_H
#define GLUED_PEXPR_H

#include <stdbool.h>
#include <stddef.h>

#define PEXPR_MAX_LEN    2048 /* GetPartitions' Expression (PredicateString) */
#define PEXPR_MAX_RANGES 64   /* index ranges one expression may ask for */

typedef struct pexpr pexpr_t;

/* Parses text against the partition keys (names and Glue types, nkeys of each). Key names are matched
 * without regard to case. Returns 0 with *out, or -1 with a message in err that names the offending token
 * and its position, or says where the expression ended early. */
int pexpr_parse(const char *text, size_t nkeys, const char *const *names, const char *const *types, pexpr_t **out,
                char *err, size_t errlen);
void pexpr_free(pexpr_t *e);
/* Whether a partition with these values (one per key) satisfies e. A value that cannot be read as its key's
 * type (an int key holding 'x') satisfies no comparison on that key. */
bool pexpr_match(const pexpr_t *e, const char *const *values, size_t nvalues);

/* The index key of a partition's values under keys of these Glue types: heap string, valid UTF-8 when the
 * values are, ordered (bytewise, as SQLite's BINARY and PostgreSQL's "C" collation compare) by the values'
 * typed order, and distinct for distinct value lists. */
char *pexpr_index_key(size_t nkeys, const char *const *types, const char *const *values);

/* Index ranges [lo, hi) (NULL: unbounded) in ascending order, disjoint, that together hold the index key
 * of every partition e can match. e NULL gives the one unbounded range. */
typedef struct pexpr_range {
    char *lo, *hi;
} pexpr_range_t;
int pexpr_ranges(const pexpr_t *e, pexpr_range_t **out, size_t *n);
void pexpr_ranges_free(pexpr_range_t *r, size_t n);

#endif
