/* Catalog documents as the store keeps them (JSON text of Glue's Database, Table and Partition structures),
 * and what both the API and the crawler derive from them: a table's search text (SearchTables), its partition
 * keys' types, and a partition's index key (pexpr_index_key over its Values). Pure; safe on any thread. */
#ifndef GLUED_CATDOC_H
#define GLUED_CATDOC_H

#include <jansson.h>
#include <stddef.h>

#include "model/error.h"

/* Lowercase "name description column-names..." of a Table structure (heap). */
char *catdoc_search_text(const json_t *table);
/* The Types of a table's PartitionKeys (borrowed from table; absent types are "string"); *n keys. The
 * array is heap (free it). */
const char **catdoc_key_types(const json_t *table, size_t *n);
/* The names of a table's PartitionKeys, as catdoc_key_types. */
const char **catdoc_key_names(const json_t *table, size_t *n);
/* The index key of a partition with these Values (an array of strings) under the table's keys, or NULL when
 * the count differs or a value is not a string. */
char *catdoc_part_key(const json_t *table, const json_t *values);
/* ASCII lowercase copy (heap). */
char *catdoc_lower(const char *s);
/* Whether CreateDatabase would take name as a database's Name: the model's rule for DatabaseInput.Name, the one
 * CreateDatabase checks, so that a crawler never names (or creates) a database the catalog API refuses. 0, or -1
 * with an InvalidInputException naming `what`. */
int catdoc_check_db_name(const char *name, const char *what, gerr_t *e);

#endif
