/* How a crawler turns the files under one target into tables: a pure function over a listing of
 * (path, size, schema), so it is tested without a file system or a catalog.
 *
 * From the target's root down, a folder whose files all lie at the same depth below it, share one format and
 * have compatible schemas (at most 5 distinct ones, each with more than 70% of the union's columns; with
 * CombineCompatibleSchemas only the format counts) becomes one table, and the folders between it and its
 * files become partition levels: key=value folders give the key's name, other levels partition_0, partition_1,
 * ... by depth. Otherwise each file directly in the folder is its own table and each subfolder is looked at
 * the same way. Table names are the folder's (or file's) name with TablePrefix, lowercase, [a-z0-9_] only, at
 * most 128 characters, with a hash of the location appended on a clash.
 *
 * Anchors are tables the catalog already holds under the target: files at an anchor's partition depth below
 * its folder join it, and no new table is made at or above an anchor's folder. Incremental crawls use them. */
#ifndef GLUED_GROUP_H
#define GLUED_GROUP_H

#include <stdbool.h>
#include <stddef.h>

#include "catalog/ctype.h"

#define GROUP_MAX_NAME    128 /* table names */
#define GROUP_MAX_SCHEMAS 5   /* distinct schemas one table may gather */
#define GROUP_MIN_SIMILAR 0.7 /* share of the union's columns each of them must have (strictly more) */

typedef struct group_file {
    const char *path; /* relative to the target root, '/'-separated, no leading '/' */
    long long size;
    const ctype_schema_t *schema; /* NULL: the file was not classified, and is left out */
} group_file_t;

typedef struct group_anchor {
    const char *rel; /* the table's folder relative to the target root ("" for the root itself) */
    const char *name;
    size_t depth; /* its number of partition keys */
} group_anchor_t;

typedef struct group_opts {
    const char *prefix;    /* TablePrefix, or NULL */
    const char *root_name; /* the name of a table at the target's root: the target's last path segment */
    const char *location;  /* the target's location, hashed into the suffix of a clashing name */
    bool combine;          /* Grouping.TableGroupingPolicy = CombineCompatibleSchemas */
    const group_anchor_t *anchors;
    size_t nanchors;
    /* Whether a name is already used for another location (by the catalog, or an earlier target); NULL: none */
    bool (*taken)(void *ctx, const char *name, const char *rel);
    void *ctx;
} group_opts_t;

typedef struct group_part {
    char **values; /* one per key */
    char *rel;     /* the partition's folder relative to the target root */
    ctype_schema_t *schema;
    long long size, objects;
} group_part_t;

typedef struct group_table {
    char *name;
    char *rel;                    /* the table's folder (its file, when single_file) relative to the target root */
    bool single_file;             /* a file that could not be grouped: its own table */
    const group_anchor_t *anchor; /* the anchor it grew, or NULL for a table found by this grouping */
    ctype_schema_t *schema;       /* merged over its files, without columns named like a partition key */
    size_t nkeys;
    char **keys;
    size_t nparts;
    group_part_t *parts;
    long long size, objects;
} group_table_t;

typedef struct group_result {
    size_t ntables;
    group_table_t *tables;
} group_result_t;

/* Groups n files. Returns 0 with out filled (to clean up), or -1 with a message (out of memory). */
int group_build(const group_file_t *files, size_t n, const group_opts_t *o, group_result_t *out, char *err,
                size_t errlen);
void group_result_cleanup(group_result_t *r);

/* prefix + base as a table name (lowercase, [a-z0-9_], at most GROUP_MAX_NAME): a new string. */
char *group_table_name(const char *prefix, const char *base);

#endif
