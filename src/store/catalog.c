/* The Data Catalog's rows (see catalog.h). Queries are written once, in the dialect both backends speak. */
#include "store/catalog.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/db.h"

void store_cat_rows_free(store_cat_row_t *v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++) {
        free(v[i].db);
        free(v[i].key);
        free(v[i].doc);
    }
    free(v);
}

/* Rows of (db, key, doc, num) columns. */
static int rows(store_tx_t *tx, db_stmt_t *st, store_cat_row_t **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (!st)
        return db_status(tx) ? db_status(tx) : STORE_ERROR;
    size_t k = 0, cap = 0;
    store_cat_row_t *v = NULL;
    int rc;
    while ((rc = db_next(st)) == 1) {
        store_cat_row_t *nv = db_grow(v, k, &cap, sizeof *v);
        if (!nv) {
            db_done(st);
            rc = db_fail(tx, STORE_ERROR, "out of memory reading catalog rows");
            break;
        }
        v = nv;
        v[k].db = db_col_str(st, 0);
        v[k].key = db_col_str(st, 1);
        v[k].doc = db_col_str(st, 2);
        v[k].num = db_col_int(st, 3);
        k++;
    }
    if (rc < 0) {
        store_cat_rows_free(v, k);
        return rc;
    }
    *out = v;
    *n = k;
    return STORE_OK;
}

static void read_str(db_stmt_t *st, void *out)
{
    *(char **)out = db_col_str(st, 0);
}

/* ---- databases ---- */

int store_cat_db_insert(store_tx_t *tx, const char *name, const char *doc, const char *tags, int64_t created_ms)
{
    DB_SQL(q_insert, "INSERT INTO cat_databases (name, doc, tags, created_ms) VALUES (?1, ?2, ?3, ?4)"
                     " ON CONFLICT (name) DO NOTHING");
    int64_t changed = 0;
    int rc = db_exec(tx, &q_insert, &changed, "sssi", name, doc, tags, created_ms);
    return rc < 0 ? rc : changed ? STORE_OK : STORE_EXISTS;
}

typedef struct db_pair {
    char *doc, *tags;
} db_pair_t;

static void read_db(db_stmt_t *st, void *out)
{
    db_pair_t *p = out;
    p->doc = db_col_str(st, 0);
    p->tags = db_col_str(st, 1);
}

int store_cat_db_get(store_tx_t *tx, const char *name, char **doc, char **tags)
{
    DB_SQL(q_get, "SELECT doc, tags FROM cat_databases WHERE name = ?1");
    db_pair_t p = {0};
    int rc = db_get(tx, &q_get, read_db, &p, "s", name);
    if (doc)
        *doc = p.doc;
    else
        free(p.doc);
    if (tags)
        *tags = p.tags;
    else
        free(p.tags);
    return rc;
}

int store_cat_db_put(store_tx_t *tx, const char *name, const char *doc)
{
    DB_SQL(q_put, "UPDATE cat_databases SET doc = ?2 WHERE name = ?1");
    int64_t changed = 0;
    int rc = db_exec(tx, &q_put, &changed, "ss", name, doc);
    return rc < 0 ? rc : changed ? STORE_OK : STORE_NOTFOUND;
}

int store_cat_db_set_tags(store_tx_t *tx, const char *name, const char *tags)
{
    DB_SQL(q_tags, "UPDATE cat_databases SET tags = ?2 WHERE name = ?1");
    int64_t changed = 0;
    int rc = db_exec(tx, &q_tags, &changed, "ss", name, tags);
    return rc < 0 ? rc : changed ? STORE_OK : STORE_NOTFOUND;
}

int store_cat_db_delete(store_tx_t *tx, const char *name)
{
    DB_SQL(q_parts, "DELETE FROM cat_partitions WHERE db = ?1");
    DB_SQL(q_versions, "DELETE FROM cat_table_versions WHERE db = ?1");
    DB_SQL(q_tables, "DELETE FROM cat_tables WHERE db = ?1");
    DB_SQL(q_db, "DELETE FROM cat_databases WHERE name = ?1");
    int64_t changed = 0;
    int rc;
    if ((rc = db_exec(tx, &q_parts, NULL, "s", name)) < 0 || (rc = db_exec(tx, &q_versions, NULL, "s", name)) < 0 ||
        (rc = db_exec(tx, &q_tables, NULL, "s", name)) < 0 || (rc = db_exec(tx, &q_db, &changed, "s", name)) < 0)
        return rc;
    return changed ? STORE_OK : STORE_NOTFOUND;
}

int store_cat_db_list(store_tx_t *tx, const char *after, int limit, store_cat_row_t **v, size_t *n)
{
    DB_SQL(q_list, "SELECT name, name, doc, created_ms FROM cat_databases WHERE name > ?1 ORDER BY name LIMIT ?2");
    return rows(tx, db_query(tx, &q_list, "si", after ? after : "", (int64_t)limit), v, n);
}

int store_cat_db_count(store_tx_t *tx, int64_t *n)
{
    DB_SQL(q_count, "SELECT count(*) FROM cat_databases");
    return db_int(tx, &q_count, n, "");
}

/* ---- tables ---- */

int store_cat_table_insert(store_tx_t *tx, const char *db, const char *name, const char *doc, const char *search,
                           int64_t now_ms)
{
    DB_SQL(q_insert,
           "INSERT INTO cat_tables (db, name, doc, version, search, created_ms) VALUES (?1, ?2, ?3, 1, ?4, ?5)"
           " ON CONFLICT (db, name) DO NOTHING");
    DB_SQL(q_clear, "DELETE FROM cat_table_versions WHERE db = ?1 AND tbl = ?2");
    DB_SQL(q_version, "INSERT INTO cat_table_versions (db, tbl, version, doc) VALUES (?1, ?2, 1, ?3)");
    int64_t changed = 0;
    int rc = db_exec(tx, &q_insert, &changed, "ssssi", db, name, doc, search, now_ms);
    if (rc < 0)
        return rc;
    if (!changed)
        return STORE_EXISTS;
    if ((rc = db_exec(tx, &q_clear, NULL, "ss", db, name)) < 0)
        return rc;
    return db_exec(tx, &q_version, NULL, "sss", db, name, doc);
}

typedef struct doc_ver {
    char *doc;
    int64_t version;
} doc_ver_t;

static void read_doc_ver(db_stmt_t *st, void *out)
{
    doc_ver_t *d = out;
    d->doc = db_col_str(st, 0);
    d->version = db_col_int(st, 1);
}

int store_cat_table_get(store_tx_t *tx, const char *db, const char *name, char **doc, int64_t *version)
{
    DB_SQL(q_get, "SELECT doc, version FROM cat_tables WHERE db = ?1 AND name = ?2");
    doc_ver_t d = {0};
    int rc = db_get(tx, &q_get, read_doc_ver, &d, "ss", db, name);
    if (doc)
        *doc = d.doc;
    else
        free(d.doc);
    if (version)
        *version = d.version;
    return rc;
}

int store_cat_table_put(store_tx_t *tx, const char *db, const char *name, const char *doc, const char *search,
                        int64_t version, bool keep_previous)
{
    DB_SQL(q_drop, "DELETE FROM cat_table_versions WHERE db = ?1 AND tbl = ?2 AND version <> ?3"
                   " AND version = (SELECT version FROM cat_tables WHERE db = ?1 AND name = ?2)");
    DB_SQL(q_put, "UPDATE cat_tables SET doc = ?3, search = ?4, version = ?5 WHERE db = ?1 AND name = ?2");
    DB_SQL(q_version, "INSERT INTO cat_table_versions (db, tbl, version, doc) VALUES (?1, ?2, ?3, ?4)"
                      " ON CONFLICT (db, tbl, version) DO UPDATE SET doc = excluded.doc");
    int64_t changed = 0;
    int rc = keep_previous ? STORE_OK : db_exec(tx, &q_drop, NULL, "ssi", db, name, version);
    if (rc < 0 || (rc = db_exec(tx, &q_put, &changed, "ssssi", db, name, doc, search, version)) < 0)
        return rc;
    if (!changed)
        return STORE_NOTFOUND;
    return db_exec(tx, &q_version, NULL, "ssis", db, name, version, doc);
}

int store_cat_table_delete(store_tx_t *tx, const char *db, const char *name)
{
    DB_SQL(q_parts, "DELETE FROM cat_partitions WHERE db = ?1 AND tbl = ?2");
    DB_SQL(q_versions, "DELETE FROM cat_table_versions WHERE db = ?1 AND tbl = ?2");
    DB_SQL(q_table, "DELETE FROM cat_tables WHERE db = ?1 AND name = ?2");
    int64_t changed = 0;
    int rc;
    if ((rc = db_exec(tx, &q_parts, NULL, "ss", db, name)) < 0 ||
        (rc = db_exec(tx, &q_versions, NULL, "ss", db, name)) < 0 ||
        (rc = db_exec(tx, &q_table, &changed, "ss", db, name)) < 0)
        return rc;
    return changed ? STORE_OK : STORE_NOTFOUND;
}

int store_cat_table_list(store_tx_t *tx, const char *db, const char *after, int limit, store_cat_row_t **v, size_t *n)
{
    DB_SQL(q_list, "SELECT db, name, doc, version FROM cat_tables WHERE db = ?1 AND name > ?2 ORDER BY name LIMIT ?3");
    return rows(tx, db_query(tx, &q_list, "ssi", db, after ? after : "", (int64_t)limit), v, n);
}

int store_cat_table_count(store_tx_t *tx, const char *db, int64_t *n)
{
    DB_SQL(q_count, "SELECT count(*) FROM cat_tables WHERE db = ?1");
    return db_int(tx, &q_count, n, "s", db);
}

int store_cat_table_search(store_tx_t *tx, const char *needle, const char *db, const char *after_db,
                           const char *after_name, int limit, store_cat_row_t **v, size_t *n)
{
    /* needle as a LIKE pattern with its own % _ and \ escaped */
    size_t nl = needle ? strlen(needle) : 0;
    char *pat = malloc(2 * nl + 3);
    if (!pat)
        return db_fail(tx, STORE_ERROR, "out of memory");
    size_t k = 0;
    pat[k++] = '%';
    for (size_t i = 0; i < nl; i++) {
        if (needle[i] == '%' || needle[i] == '_' || needle[i] == '\\')
            pat[k++] = '\\';
        pat[k++] = needle[i];
    }
    pat[k++] = '%';
    pat[k] = '\0';
    DB_SQL(q_all, "SELECT db, name, doc, version FROM cat_tables WHERE search LIKE ?1 ESCAPE '\\'"
                  " AND (db > ?2 OR (db = ?2 AND name > ?3)) ORDER BY db, name LIMIT ?4");
    DB_SQL(q_db, "SELECT db, name, doc, version FROM cat_tables WHERE db = ?5 AND search LIKE ?1 ESCAPE '\\'"
                 " AND (db > ?2 OR (db = ?2 AND name > ?3)) ORDER BY db, name LIMIT ?4");
    db_stmt_t *st =
        db ? db_query(tx, &q_db, "sssis", pat, after_db ? after_db : "", after_name ? after_name : "", (int64_t)limit,
                      db)
           : db_query(tx, &q_all, "sssi", pat, after_db ? after_db : "", after_name ? after_name : "", (int64_t)limit);
    int rc = rows(tx, st, v, n);
    free(pat);
    return rc;
}

/* ---- versions ---- */

int store_cat_version_list(store_tx_t *tx, const char *db, const char *tbl, int64_t before, int limit,
                           store_cat_row_t **v, size_t *n)
{
    DB_SQL(q_list, "SELECT db, tbl, doc, version FROM cat_table_versions WHERE db = ?1 AND tbl = ?2 AND version < ?3"
                   " ORDER BY version DESC LIMIT ?4");
    return rows(tx, db_query(tx, &q_list, "ssii", db, tbl, before > 0 ? before : INT64_MAX, (int64_t)limit), v, n);
}

int store_cat_version_get(store_tx_t *tx, const char *db, const char *tbl, int64_t version, char **doc)
{
    DB_SQL(q_get, "SELECT doc FROM cat_table_versions WHERE db = ?1 AND tbl = ?2 AND version = ?3");
    *doc = NULL;
    return db_get(tx, &q_get, read_str, doc, "ssi", db, tbl, version);
}

int store_cat_version_delete(store_tx_t *tx, const char *db, const char *tbl, int64_t version)
{
    DB_SQL(q_del, "DELETE FROM cat_table_versions WHERE db = ?1 AND tbl = ?2 AND version = ?3");
    int64_t changed = 0;
    int rc = db_exec(tx, &q_del, &changed, "ssi", db, tbl, version);
    return rc < 0 ? rc : changed ? STORE_OK : STORE_NOTFOUND;
}

/* ---- partitions ---- */

int store_cat_part_insert(store_tx_t *tx, const char *db, const char *tbl, const char *vkey, const char *doc,
                          int64_t now_ms)
{
    DB_SQL(q_insert, "INSERT INTO cat_partitions (db, tbl, vkey, doc, created_ms) VALUES (?1, ?2, ?3, ?4, ?5)"
                     " ON CONFLICT (db, tbl, vkey) DO NOTHING");
    int64_t changed = 0;
    int rc = db_exec(tx, &q_insert, &changed, "ssssi", db, tbl, vkey, doc, now_ms);
    return rc < 0 ? rc : changed ? STORE_OK : STORE_EXISTS;
}

int store_cat_part_get(store_tx_t *tx, const char *db, const char *tbl, const char *vkey, char **doc)
{
    DB_SQL(q_get, "SELECT doc FROM cat_partitions WHERE db = ?1 AND tbl = ?2 AND vkey = ?3");
    *doc = NULL;
    return db_get(tx, &q_get, read_str, doc, "sss", db, tbl, vkey);
}

int store_cat_part_put(store_tx_t *tx, const char *db, const char *tbl, const char *vkey, const char *new_vkey,
                       const char *doc)
{
    DB_SQL(q_exists, "SELECT count(*) FROM cat_partitions WHERE db = ?1 AND tbl = ?2 AND vkey = ?3");
    DB_SQL(q_put, "UPDATE cat_partitions SET vkey = ?4, doc = ?5 WHERE db = ?1 AND tbl = ?2 AND vkey = ?3");
    int rc;
    if (strcmp(vkey, new_vkey) != 0) {
        int64_t n = 0;
        if ((rc = db_int(tx, &q_exists, &n, "sss", db, tbl, new_vkey)) < 0)
            return rc;
        if (n)
            return STORE_EXISTS;
    }
    int64_t changed = 0;
    rc = db_exec(tx, &q_put, &changed, "sssss", db, tbl, vkey, new_vkey, doc);
    return rc < 0 ? rc : changed ? STORE_OK : STORE_NOTFOUND;
}

int store_cat_part_delete(store_tx_t *tx, const char *db, const char *tbl, const char *vkey)
{
    DB_SQL(q_del, "DELETE FROM cat_partitions WHERE db = ?1 AND tbl = ?2 AND vkey = ?3");
    int64_t changed = 0;
    int rc = db_exec(tx, &q_del, &changed, "sss", db, tbl, vkey);
    return rc < 0 ? rc : changed ? STORE_OK : STORE_NOTFOUND;
}

int store_cat_part_scan(store_tx_t *tx, const char *db, const char *tbl, const char *lo, const char *hi,
                        const char *after, int limit, store_cat_row_t **v, size_t *n)
{
    /* one lower bound: strictly after `after` when it is past lo, else from lo */
    DB_SQL(q_ge, "SELECT db, vkey, doc, created_ms FROM cat_partitions WHERE db = ?1 AND tbl = ?2 AND vkey >= ?3"
                 " AND vkey < ?4 ORDER BY vkey LIMIT ?5");
    DB_SQL(q_gt, "SELECT db, vkey, doc, created_ms FROM cat_partitions WHERE db = ?1 AND tbl = ?2 AND vkey > ?3"
                 " AND vkey < ?4 ORDER BY vkey LIMIT ?5");
    DB_SQL(q_ge_open, "SELECT db, vkey, doc, created_ms FROM cat_partitions WHERE db = ?1 AND tbl = ?2 AND vkey >= ?3"
                      " ORDER BY vkey LIMIT ?4");
    DB_SQL(q_gt_open, "SELECT db, vkey, doc, created_ms FROM cat_partitions WHERE db = ?1 AND tbl = ?2 AND vkey > ?3"
                      " ORDER BY vkey LIMIT ?4");
    bool gt = after && (!lo || strcmp(after, lo) >= 0);
    const char *from = gt ? after : lo ? lo : "";
    db_stmt_t *st;
    if (hi)
        st = db_query(tx, gt ? &q_gt : &q_ge, "ssssi", db, tbl, from, hi, (int64_t)limit);
    else
        st = db_query(tx, gt ? &q_gt_open : &q_ge_open, "sssi", db, tbl, from, (int64_t)limit);
    return rows(tx, st, v, n);
}

int store_cat_part_count(store_tx_t *tx, const char *db, const char *tbl, int64_t *n)
{
    DB_SQL(q_count, "SELECT count(*) FROM cat_partitions WHERE db = ?1 AND tbl = ?2");
    return db_int(tx, &q_count, n, "ss", db, tbl);
}
