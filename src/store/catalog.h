/* The Data Catalog's rows: databases, tables with their archived versions, and partitions. Documents are
 * opaque text the API encodes (the store never parses them). Every function takes a transaction handle
 * (store_tx_run's, or store_read's for reads) and answers STORE_* statuses.
 *
 * A partition is keyed by its index key (catalog/pexpr.h: the values in their keys' typed order), so one
 * index serves lookups, keyset pages and the ranges of a GetPartitions expression. A table row carries a
 * lowercase search text (name, description, column names) for SearchTables. */
#ifndef GLUED_STORE_CATALOG_H
#define GLUED_STORE_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

/* A row of a listing: its key (a name, a version number as text, or a partition's index key), its database
 * (for SearchTables), and its document. */
typedef struct store_cat_row {
    char *db, *key, *doc;
    int64_t num;
} store_cat_row_t;
void store_cat_rows_free(store_cat_row_t *v, size_t n);

/* ---- databases ---- */
int store_cat_db_insert(store_tx_t *tx, const char *name, const char *doc, const char *tags, int64_t created_ms);
int store_cat_db_get(store_tx_t *tx, const char *name, char **doc, char **tags); /* either may be NULL */
int store_cat_db_put(store_tx_t *tx, const char *name, const char *doc);
int store_cat_db_set_tags(store_tx_t *tx, const char *name, const char *tags);
/* Deletes the database with its tables, their versions and partitions. */
int store_cat_db_delete(store_tx_t *tx, const char *name);
/* In name order after `after` (NULL: from the start), at most limit. */
int store_cat_db_list(store_tx_t *tx, const char *after, int limit, store_cat_row_t **v, size_t *n);
int store_cat_db_count(store_tx_t *tx, int64_t *n);

/* ---- tables ---- */
/* Inserts a table at version 1 (and archives it as version 1): STORE_EXISTS when the name is taken. */
int store_cat_table_insert(store_tx_t *tx, const char *db, const char *name, const char *doc, const char *search,
                           int64_t now_ms);
int store_cat_table_get(store_tx_t *tx, const char *db, const char *name, char **doc, int64_t *version);
/* Writes the table's document at version: the caller's next number for a new version, or the current one for a
 * change that is not (the crawler's statistics). Every version, the current one too, is a table version; with
 * keep_previous false (UpdateTable's SkipArchive) the version the table had until now is not kept. */
int store_cat_table_put(store_tx_t *tx, const char *db, const char *name, const char *doc, const char *search,
                        int64_t version, bool keep_previous);
/* Deletes a table with its versions and partitions. */
int store_cat_table_delete(store_tx_t *tx, const char *db, const char *name);
int store_cat_table_list(store_tx_t *tx, const char *db, const char *after, int limit, store_cat_row_t **v, size_t *n);
int store_cat_table_count(store_tx_t *tx, const char *db, int64_t *n);
/* Tables whose search text holds needle (lowercase, NULL: all), in (database, name) order after
 * (after_db, after_name), of one database when db is given. */
int store_cat_table_search(store_tx_t *tx, const char *needle, const char *db, const char *after_db,
                           const char *after_name, int limit, store_cat_row_t **v, size_t *n);

/* ---- table versions (num = version) ---- */
/* Newest first, version < before (0: from the newest). */
int store_cat_version_list(store_tx_t *tx, const char *db, const char *tbl, int64_t before, int limit,
                           store_cat_row_t **v, size_t *n);
int store_cat_version_get(store_tx_t *tx, const char *db, const char *tbl, int64_t version, char **doc);
int store_cat_version_delete(store_tx_t *tx, const char *db, const char *tbl, int64_t version);

/* ---- partitions (key = index key) ---- */
int store_cat_part_insert(store_tx_t *tx, const char *db, const char *tbl, const char *vkey, const char *doc,
                          int64_t now_ms);
int store_cat_part_get(store_tx_t *tx, const char *db, const char *tbl, const char *vkey, char **doc);
/* Rewrites a partition, which may move to new_vkey: STORE_NOTFOUND, or STORE_EXISTS when new_vkey is taken. */
int store_cat_part_put(store_tx_t *tx, const char *db, const char *tbl, const char *vkey, const char *new_vkey,
                       const char *doc);
int store_cat_part_delete(store_tx_t *tx, const char *db, const char *tbl, const char *vkey);
/* Partitions with lo <= key < hi (NULL: unbounded) and key > after (NULL: none), in key order, at most limit. */
int store_cat_part_scan(store_tx_t *tx, const char *db, const char *tbl, const char *lo, const char *hi,
                        const char *after, int limit, store_cat_row_t **v, size_t *n);
int store_cat_part_count(store_tx_t *tx, const char *db, const char *tbl, int64_t *n);

#endif
