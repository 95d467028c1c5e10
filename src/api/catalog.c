/* The Data Catalog: databases, tables (with their versions and SearchTables) and partitions (with the
 * partition-predicate Expression of GetPartitions). Requests are checked against the model's shapes; names are
 * folded to lowercase; a CatalogId must be glued's account. Every write is one transaction; documents are kept
 * as the Glue structures' JSON (catalog/catdoc.h derives what the store indexes). */
#include <regex.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "api/api.h"
#include "catalog/catdoc.h"
#include "catalog/pexpr.h"
#include "model/codec.h"
#include "model/shape.h"
#include "store/catalog.h"
#include "util/util.h"

#define CAT_FAIL     1000 /* a transaction callback set the request's error */
#define PART_KEY_MAX 2600 /* bytes of a partition's index key (PostgreSQL's b-tree rows stay under a page third) */
#define SCAN_CHUNK   256  /* rows read per query while filtering a listing */

typedef struct op {
    api_req_t *rq;
    json_t *req;
    gerr_t *e;
    json_t *out; /* built inside the transaction: reset on every (re)try */
    const char *db, *tbl;
    void *x;
} op_t;

static int run(op_t *o, store_tx_fn fn, const char *what)
{
    int rc = store_tx_run(o->rq->api->store, 0, fn, o);
    if (rc == 0)
        return 0;
    if (rc == CAT_FAIL)
        return -1;
    return gerr_store(o->e, rc < 0 ? rc : STORE_ERROR, what);
}

static int fail(gerr_t *e, const char *type, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(gerr_t *e, const char *type, const char *fmt, ...)
{
    char msg[sizeof e->msg];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    gerr_set(e, type, "%s", msg);
    return CAT_FAIL;
}

static int check_catalog(api_req_t *rq, json_t *req, gerr_t *e)
{
    const char *id = json_string_value(json_object_get(req, "CatalogId"));
    if (id && strcmp(id, rq->api->cfg.account) != 0)
        return gerr_set(e, GERR_NOT_FOUND, "Catalog '%.64s' not found: glued holds one catalog, account %s's", id,
                        rq->api->cfg.account);
    return 0;
}

/* Validates the request and its CatalogId; a new reference to the checked request, or NULL with e set. */
static json_t *checked(api_req_t *rq, const shape_t *s, json_t *in, gerr_t *e)
{
    json_t *req = shape_check(s, in, "", e);
    if (req && check_catalog(rq, req, e) < 0) {
        json_decref(req);
        return NULL;
    }
    return req;
}

static char *lname(json_t *obj, const char *field)
{
    const char *s = json_string_value(json_object_get(obj, field));
    return s ? catdoc_lower(s) : NULL;
}

static int need_db(store_tx_t *tx, const char *db, gerr_t *e)
{
    int rc = store_cat_db_get(tx, db, NULL, NULL);
    if (rc == STORE_NOTFOUND)
        return fail(e, GERR_NOT_FOUND, "Database %s not found.", db);
    return rc < 0 ? rc : 0;
}

/* The table's document and version, or EntityNotFound naming what is missing. */
static int need_table(store_tx_t *tx, const char *db, const char *tbl, json_t **doc, int64_t *version, gerr_t *e)
{
    char *text = NULL;
    int rc = store_cat_table_get(tx, db, tbl, &text, version);
    if (rc == STORE_NOTFOUND) {
        int d = need_db(tx, db, e);
        return d ? d : fail(e, GERR_NOT_FOUND, "Table %s not found in database %s.", tbl, db);
    }
    if (rc < 0)
        return rc;
    *doc = json_loads(text, 0, NULL);
    free(text);
    if (!*doc)
        return fail(e, GERR_INTERNAL, "Table %s.%s is stored damaged", db, tbl);
    return 0;
}

static json_t *loads(const char *text)
{
    json_t *j = text ? json_loads(text, 0, NULL) : NULL;
    return j ? j : json_object();
}

static char *dumps(json_t *j)
{
    return json_dumps(j, JSON_COMPACT);
}

static void set_time(json_t *o, const char *key, int64_t ms)
{
    json_object_set_new(o, key, codec_timestamp(ms));
}

/* ---- databases ---- */

static json_t *db_doc(api_req_t *rq, json_t *input, const char *name, json_t *old)
{
    json_t *d = json_deep_copy(input);
    json_object_set_new(d, "Name", json_string(name));
    json_object_set_new(d, "CatalogId", json_string(rq->api->cfg.account));
    json_t *created = old ? json_object_get(old, "CreateTime") : NULL;
    if (created)
        json_object_set(d, "CreateTime", created);
    else
        set_time(d, "CreateTime", rq->now_ms);
    if (!json_object_get(d, "CreateTableDefaultPermissions"))
        json_object_set_new(d, "CreateTableDefaultPermissions",
                            json_pack("[{s{ss}s[s]}]", "Principal", "DataLakePrincipalIdentifier",
                                      "IAM_ALLOWED_PRINCIPALS", "Permissions", "ALL"));
    return d;
}

static int create_db_tx(store_tx_t *tx, void *ctx)
{
    op_t *o = ctx;
    json_t *doc = db_doc(o->rq, json_object_get(o->req, "DatabaseInput"), o->db, NULL);
    char *text = dumps(doc), *tags = codec_tags_encode(json_object_get(o->req, "Tags"));
    int rc = store_cat_db_insert(tx, o->db, text, tags, o->rq->now_ms);
    free(text);
    free(tags);
    json_decref(doc);
    if (rc == STORE_EXISTS)
        return fail(o->e, GERR_EXISTS, "Database already exists.");
    return rc;
}

int api_create_database(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    json_t *req = checked(rq, SHAPE_CreateDatabaseRequest, in, e);
    if (!req)
        return -1;
    char *db = lname(json_object_get(req, "DatabaseInput"), "Name");
    op_t o = {rq, req, e, NULL, db, NULL, NULL};
    int rc = run(&o, create_db_tx, "creating a database");
    free(db);
    json_decref(req);
    if (rc < 0)
        return -1;
    *out = json_object();
    return 0;
}

int api_get_database(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    json_t *req = checked(rq, SHAPE_GetDatabaseRequest, in, e);
    if (!req)
        return -1;
    char *db = lname(req, "Name"), *doc = NULL;
    int rc = store_cat_db_get(api_db(rq), db, &doc, NULL), ret = -1;
    if (rc == STORE_NOTFOUND)
        gerr_set(e, GERR_NOT_FOUND, "Database %s not found.", db);
    else if (rc < 0)
        gerr_store(e, rc, "reading a database");
    else {
        *out = json_pack("{so}", "Database", loads(doc));
        ret = 0;
    }
    free(doc);
    free(db);
    json_decref(req);
    return ret;
}

int api_get_databases(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    json_t *req = checked(rq, SHAPE_GetDatabasesRequest, in, e);
    if (!req)
        return -1;
    api_page_t p;
    int ret = -1;
    store_cat_row_t *v = NULL;
    size_t n = 0;
    if (api_page_read(rq, req, "GetDatabases", 100, &p, e) < 0)
        goto done;
    if (!json_object_get(req, "MaxResults"))
        p.limit = 100; /* as AWS: a whole page when none is asked for */
    int rc = store_cat_db_list(api_db(rq), p.after_str, p.limit + 1, &v, &n);
    if (rc < 0) {
        gerr_store(e, rc, "listing databases");
        goto done;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < n && (int)i < p.limit; i++)
        json_array_append_new(list, loads(v[i].doc));
    *out = json_pack("{so}", "DatabaseList", list);
    if ((int)n > p.limit)
        api_page_next(rq, *out, "GetDatabases", v[p.limit - 1].key, 0);
    ret = 0;
done:
    store_cat_rows_free(v, n);
    api_page_cleanup(&p);
    json_decref(req);
    return ret;
}

static int update_db_tx(store_tx_t *tx, void *ctx)
{
    op_t *o = ctx;
    char *old_text = NULL;
    int rc = store_cat_db_get(tx, o->db, &old_text, NULL);
    if (rc == STORE_NOTFOUND)
        return fail(o->e, GERR_NOT_FOUND, "Database %s not found.", o->db);
    if (rc < 0)
        return rc;
    json_t *old = loads(old_text);
    free(old_text);
    json_t *input = json_object_get(o->req, "DatabaseInput");
    char *newname = lname(input, "Name");
    if (newname && strcmp(newname, o->db) != 0) {
        free(newname);
        json_decref(old);
        return fail(o->e, GERR_INVALID_INPUT,
                    "DatabaseInput.Name '%s' differs from Name '%s': glued does not rename databases",
                    json_string_value(json_object_get(input, "Name")), o->db);
    }
    free(newname);
    json_t *doc = db_doc(o->rq, input, o->db, old);
    char *text = dumps(doc);
    rc = store_cat_db_put(tx, o->db, text);
    free(text);
    json_decref(doc);
    json_decref(old);
    return rc;
}

int api_update_database(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    json_t *req = checked(rq, SHAPE_UpdateDatabaseRequest, in, e);
    if (!req)
        return -1;
    char *db = lname(req, "Name");
    op_t o = {rq, req, e, NULL, db, NULL, NULL};
    int rc = run(&o, update_db_tx, "updating a database");
    free(db);
    json_decref(req);
    if (rc < 0)
        return -1;
    *out = json_object();
    return 0;
}

static int delete_db_tx(store_tx_t *tx, void *ctx)
{
    op_t *o = ctx;
    int rc = store_cat_db_delete(tx, o->db);
    if (rc == STORE_NOTFOUND)
        return fail(o->e, GERR_NOT_FOUND, "Database %s not found.", o->db);
    return rc;
}

int api_delete_database(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    json_t *req = checked(rq, SHAPE_DeleteDatabaseRequest, in, e);
    if (!req)
        return -1;
    char *db = lname(req, "Name");
    op_t o = {rq, req, e, NULL, db, NULL, NULL};
    int rc = run(&o, delete_db_tx, "deleting a database");
    free(db);
    json_decref(req);
    if (rc < 0)
        return -1;
    *out = json_object();
    return 0;
}

/* Tags of a database (tags.c): fn edits the encoded map in place. */
typedef struct db_tags {
    const char *db;
    int (*fn)(char **tags, void *ctx, gerr_t *e);
    void *ctx;
    gerr_t *e;
} db_tags_t;

static int db_tags_tx(store_tx_t *tx, void *ctx)
{
    db_tags_t *t = ctx;
    char *tags = NULL;
    int rc = store_cat_db_get(tx, t->db, NULL, &tags);
    if (rc != STORE_OK)
        return rc;
    if (t->fn(&tags, t->ctx, t->e) < 0) {
        free(tags);
        return CAT_FAIL;
    }
    rc = store_cat_db_set_tags(tx, t->db, tags);
    free(tags);
    return rc;
}

int api_database_tags(api_req_t *rq, const char *name, int (*fn)(char **tags, void *ctx, gerr_t *e), void *ctx,
                      char **current, gerr_t *e)
{
    char *db = catdoc_lower(name);
    int rc;
    if (fn) {
        db_tags_t t = {db, fn, ctx, e};
        rc = store_tx_run(rq->api->store, 0, db_tags_tx, &t);
    } else {
        rc = store_cat_db_get(api_db(rq), db, NULL, current);
    }
    free(db);
    if (rc == CAT_FAIL)
        return -1;
    if (rc < 0)
        return gerr_store(e, rc, "changing a database's tags");
    return rc;
}

/* ---- tables ---- */

/* The stored Table from a TableInput. old: the table it replaces (keeps CreateTime), or NULL. */
static json_t *table_doc(api_req_t *rq, json_t *input, const char *db, const char *name, json_t *old)
{
    json_t *d = json_deep_copy(input);
    json_object_set_new(d, "Name", json_string(name));
    json_object_set_new(d, "DatabaseName", json_string(db));
    json_object_set_new(d, "CatalogId", json_string(rq->api->cfg.account));
    json_t *created = old ? json_object_get(old, "CreateTime") : NULL;
    if (created)
        json_object_set(d, "CreateTime", created);
    else
        set_time(d, "CreateTime", rq->now_ms);
    set_time(d, "UpdateTime", rq->now_ms);
    json_object_set_new(d, "IsRegisteredWithLakeFormation", json_false());
    if (!json_object_get(d, "PartitionKeys"))
        json_object_set_new(d, "PartitionKeys", json_array());
    json_object_del(d, "VersionId");
    return d;
}

static json_t *table_out(const char *text, int64_t version)
{
    json_t *t = loads(text);
    char v[24];
    snprintf(v, sizeof v, "%lld", (long long)version);
    json_object_set_new(t, "VersionId", json_string(v));
    return t;
}

/* Partition keys must have names, unique ones. */
static int check_keys(json_t *table, gerr_t *e)
{
    size_t n;
    const char **names = catdoc_key_names(table, &n);
    for (size_t i = 0; names && i < n; i++)
        for (size_t j = 0; j < i; j++)
            if (strcasecmp(names[i], names[j]) == 0) {
                fail(e, GERR_INVALID_INPUT, "TableInput.PartitionKeys names %s twice", names[i]);
                free(names);
                return CAT_FAIL;
            }
    free(names);
    return 0;
}

static int create_table_tx(store_tx_t *tx, void *ctx)
{
    op_t *o = ctx;
    int rc;
    if ((rc = need_db(tx, o->db, o->e)) != 0)
        return rc;
    json_t *doc = table_doc(o->rq, json_object_get(o->req, "TableInput"), o->db, o->tbl, NULL);
    if ((rc = check_keys(doc, o->e)) != 0) {
        json_decref(doc);
        return rc;
    }
    char *text = dumps(doc), *search = catdoc_search_text(doc);
    rc = store_cat_table_insert(tx, o->db, o->tbl, text, search, o->rq->now_ms);
    free(text);
    free(search);
    json_decref(doc);
    if (rc == STORE_EXISTS)
        return fail(o->e, GERR_EXISTS, "Table already exists.");
    return rc;
}

int api_create_table(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    json_t *req = checked(rq, SHAPE_CreateTableRequest, in, e);
    if (!req)
        return -1;
    json_t *input = json_object_get(req, "TableInput");
    if (!input) {
        json_decref(req);
        return gerr_set(e, GERR_INVALID_INPUT, "TableInput is required");
    }
    char *db = lname(req, "DatabaseName"), *tbl = lname(input, "Name");
    op_t o = {rq, req, e, NULL, db, tbl, NULL};
    int rc = run(&o, create_table_tx, "creating a table");
    free(db);
    free(tbl);
    json_decref(req);
    if (rc < 0)
        return -1;
    *out = json_object();
    return 0;
}

int api_get_table(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    json_t *req = checked(rq, SHAPE_GetTableRequest, in, e);
    if (!req)
        return -1;
    char *db = lname(req, "DatabaseName"), *tbl = lname(req, "Name");
    json_t *doc = NULL;
    int64_t version = 0;
    int rc = need_table(api_db(rq), db, tbl, &doc, &version, e), ret = -1;
    if (rc < 0)
        gerr_store(e, rc, "reading a table");
    else if (rc == 0) {
        char v[24];
        snprintf(v, sizeof v, "%lld", (long long)version);
        json_object_set_new(doc, "VersionId", json_string(v));
        *out = json_pack("{sO}", "Table", doc);
        ret = 0;
    }
    json_decref(doc);
    free(db);
    free(tbl);
    json_decref(req);
    return ret;
}

/* GetTables' Expression: a regular expression over whole names, in which a '*' not after '.' means any run
 * of characters, as Glue's users write it. */
static int name_regex(const char *expr, regex_t *re, gerr_t *e)
{
    size_t n = strlen(expr);
    char *p = malloc(2 * n + 8);
    if (!p)
        return gerr_set(e, GERR_INTERNAL, "out of memory");
    size_t k = 0;
    p[k++] = '^';
    p[k++] = '(';
    for (size_t i = 0; i < n; i++) {
        if (expr[i] == '*' && (i == 0 || expr[i - 1] != '.'))
            p[k++] = '.';
        p[k++] = expr[i];
    }
    p[k++] = ')';
    p[k++] = '$';
    p[k] = '\0';
    int rc = regcomp(re, p, REG_EXTENDED | REG_ICASE | REG_NOSUB);
    free(p);
    if (rc != 0) {
        char why[128];
        regerror(rc, re, why, sizeof why);
        return gerr_set(e, GERR_INVALID_INPUT, "Expression '%.200s' is not a valid regular expression: %s", expr, why);
    }
    return 0;
}

int api_get_tables(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    json_t *req = checked(rq, SHAPE_GetTablesRequest, in, e);
    if (!req)
        return -1;
    char *db = lname(req, "DatabaseName");
    const char *expr = json_string_value(json_object_get(req, "Expression"));
    char scope[16 + API_NAME_BYTES + 500];
    snprintf(scope, sizeof scope, "GetTables/%s/%.500s", db, expr ? expr : "");
    api_page_t p = {0};
    regex_t re;
    bool have_re = false;
    int ret = -1, rc;
    json_t *list = json_array();
    char *last = NULL;
    bool more = false;
    if (api_page_read(rq, req, scope, 100, &p, e) < 0)
        goto done;
    if (!json_object_get(req, "MaxResults"))
        p.limit = 100;
    if (expr && *expr) {
        if (name_regex(expr, &re, e) < 0)
            goto done;
        have_re = true;
    }
    if ((rc = need_db(api_db(rq), db, e)) != 0) {
        if (rc != CAT_FAIL)
            gerr_store(e, rc, "reading a database");
        goto done;
    }
    last = p.after_str ? strdup(p.after_str) : NULL;
    for (;;) {
        store_cat_row_t *v;
        size_t n;
        if ((rc = store_cat_table_list(api_db(rq), db, last, SCAN_CHUNK, &v, &n)) < 0) {
            gerr_store(e, rc, "listing tables");
            goto done;
        }
        for (size_t i = 0; i < n && !more; i++) {
            if (have_re && regexec(&re, v[i].key, 0, NULL, 0) != 0)
                goto next;
            if ((int)json_array_size(list) == p.limit) {
                more = true;
                break;
            }
            json_array_append_new(list, table_out(v[i].doc, v[i].num));
        next:
            free(last);
            last = strdup(v[i].key);
        }
        store_cat_rows_free(v, n);
        if (more || n < SCAN_CHUNK)
            break;
    }
    *out = json_pack("{sO}", "TableList", list);
    if (more) {
        json_t *lt = json_array_get(list, json_array_size(list) - 1);
        api_page_next(rq, *out, scope, json_string_value(json_object_get(lt, "Name")), 0);
    }
    ret = 0;
done:
    if (have_re)
        regfree(&re);
    free(last);
    json_decref(list);
    api_page_cleanup(&p);
    free(db);
    json_decref(req);
    return ret;
}

/* Whether two tables' partition keys have the same types (partitions are indexed by them). */
static bool same_key_types(json_t *a, json_t *b)
{
    size_t na, nb;
    const char **ta = catdoc_key_types(a, &na), **tb = catdoc_key_types(b, &nb);
    bool same = ta && tb && na == nb;
    for (size_t i = 0; same && i < na; i++)
        same = strcasecmp(ta[i], tb[i]) == 0;
    free(ta);
    free(tb);
    return same;
}

static int update_table_tx(store_tx_t *tx, void *ctx)
{
    op_t *o = ctx;
    json_t *old = NULL;
    int64_t version = 0;
    int rc = need_table(tx, o->db, o->tbl, &old, &version, o->e);
    if (rc)
        return rc;
    const char *want = json_string_value(json_object_get(o->req, "VersionId"));
    char cur[24];
    snprintf(cur, sizeof cur, "%lld", (long long)version);
    if (want && strcmp(want, cur) != 0) {
        json_decref(old);
        return fail(o->e, GERR_CONCURRENT_MOD, "Table %s is at version %s, not %s: it was updated meanwhile", o->tbl,
                    cur, want);
    }
    json_t *doc = table_doc(o->rq, json_object_get(o->req, "TableInput"), o->db, o->tbl, old);
    int64_t nparts = 0;
    if (!same_key_types(old, doc)) {
        if ((rc = store_cat_part_count(tx, o->db, o->tbl, &nparts)) < 0)
            goto out;
        if (nparts) {
            rc = fail(o->e, GERR_INVALID_INPUT,
                      "TableInput.PartitionKeys changes the keys' types of table %s, which has %lld partitions: "
                      "delete them first",
                      o->tbl, (long long)nparts);
            goto out;
        }
    }
    if ((rc = check_keys(doc, o->e)) != 0)
        goto out;
    char *text = dumps(doc), *search = catdoc_search_text(doc);
    json_t *skip = json_object_get(o->req, "SkipArchive");
    rc = store_cat_table_put(tx, o->db, o->tbl, text, search, version + 1, !json_is_true(skip));
    free(text);
    free(search);
out:
    json_decref(doc);
    json_decref(old);
    return rc;
}

int api_update_table(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    json_t *req = checked(rq, SHAPE_UpdateTableRequest, in, e);
    if (!req)
        return -1;
    json_t *input = json_object_get(req, "TableInput");
    if (!input) {
        json_decref(req);
        return gerr_set(e, GERR_INVALID_INPUT, "TableInput is required");
    }
    char *db = lname(req, "DatabaseName"), *tbl = lname(input, "Name");
    op_t o = {rq, req, e, NULL, db, tbl, NULL};
    int rc = run(&o, update_table_tx, "updating a table");
    free(db);
    free(tbl);
    json_decref(req);
    if (rc < 0)
        return -1;
    *out = json_object();
    return 0;
}

static int delete_table_tx(store_tx_t *tx, void *ctx)
{
    op_t *o = ctx;
    int rc = store_cat_table_delete(tx, o->db, o->tbl);
    if (rc == STORE_NOTFOUND) {
        int d = need_db(tx, o->db, o->e);
        return d ? d : fail(o->e, GERR_NOT_FOUND, "Table %s not found in database %s.", o->tbl, o->db);
    }
    return rc;
}

int api_delete_table(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    json_t *req = checked(rq, SHAPE_DeleteTableRequest, in, e);
    if (!req)
        return -1;
    char *db = lname(req, "DatabaseName"), *tbl = lname(req, "Name");
    op_t o = {rq, req, e, NULL, db, tbl, NULL};
    int rc = run(&o, delete_table_tx, "deleting a table");
    free(db);
    free(tbl);
    json_decref(req);
    if (rc < 0)
        return -1;
    *out = json_object();
    return 0;
}

static json_t *error_detail(const char *code, const char *msg)
{
    return json_pack("{ssss}", "ErrorCode", code, "ErrorMessage", msg);
}

static int batch_delete_table_tx(store_tx_t *tx, void *ctx)
{
    op_t *o = ctx;
    int rc;
    json_decref(o->out);
    o->out = json_array();
    if ((rc = need_db(tx, o->db, o->e)) != 0)
        return rc;
    size_t i;
    json_t *t;
    json_array_foreach (json_object_get(o->req, "TablesToDelete"), i, t) {
        char *name = catdoc_lower(json_string_value(t));
        rc = store_cat_table_delete(tx, o->db, name);
        if (rc == STORE_NOTFOUND) {
            char msg[400];
            snprintf(msg, sizeof msg, "Table %s not found.", name);
            json_array_append_new(o->out, json_pack("{ssso}", "TableName", json_string_value(t), "ErrorDetail",
                                                    error_detail(GERR_NOT_FOUND, msg)));
            rc = 0;
        }
        free(name);
        if (rc < 0)
            return rc;
    }
    return 0;
}

int api_batch_delete_table(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    json_t *req = checked(rq, SHAPE_BatchDeleteTableRequest, in, e);
    if (!req)
        return -1;
    char *db = lname(req, "DatabaseName");
    op_t o = {rq, req, e, NULL, db, NULL, NULL};
    int rc = run(&o, batch_delete_table_tx, "deleting tables");
    free(db);
    json_decref(req);
    if (rc < 0) {
        json_decref(o.out);
        return -1;
    }
    *out = json_array_size(o.out) ? json_pack("{so}", "Errors", o.out) : (json_decref(o.out), json_object());
    return 0;
}

/* ---- table versions ---- */

static int parse_version(const char *s, int64_t *v, gerr_t *e)
{
    char *end;
    long long x = s ? strtoll(s, &end, 10) : -1;
    if (!s || !*s || *end || x < 1)
        return gerr_set(e, GERR_INVALID_INPUT, "VersionId '%.40s' is not a version number (1, 2, ...)", s ? s : "");
    *v = x;
    return 0;
}

int api_get_table_versions(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    json_t *req = checked(rq, SHAPE_GetTableVersionsRequest, in, e);
    if (!req)
        return -1;
    char *db = lname(req, "DatabaseName"), *tbl = lname(req, "TableName");
    char scope[24 + 2 * API_NAME_BYTES];
    snprintf(scope, sizeof scope, "GetTableVersions/%s/%s", db, tbl);
    api_page_t p = {0};
    store_cat_row_t *v = NULL;
    size_t n = 0;
    json_t *doc = NULL;
    int ret = -1, rc;
    if (api_page_read(rq, req, scope, 100, &p, e) < 0)
        goto done;
    if ((rc = need_table(api_db(rq), db, tbl, &doc, NULL, e)) != 0) {
        if (rc < 0)
            gerr_store(e, rc, "reading a table");
        goto done;
    }
    if ((rc = store_cat_version_list(api_db(rq), db, tbl, p.after_int, p.limit + 1, &v, &n)) < 0) {
        gerr_store(e, rc, "listing table versions");
        goto done;
    }
    json_t *list = json_array();
    for (size_t i = 0; i < n && (int)i < p.limit; i++) {
        char id[24];
        snprintf(id, sizeof id, "%lld", (long long)v[i].num);
        json_array_append_new(list, json_pack("{soss}", "Table", table_out(v[i].doc, v[i].num), "VersionId", id));
    }
    *out = json_pack("{so}", "TableVersions", list);
    if ((int)n > p.limit)
        api_page_next(rq, *out, scope, NULL, v[p.limit - 1].num);
    ret = 0;
done:
    json_decref(doc);
    store_cat_rows_free(v, n);
    api_page_cleanup(&p);
    free(db);
    free(tbl);
    json_decref(req);
    return ret;
}

int api_get_table_version(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    json_t *req = checked(rq, SHAPE_GetTableVersionRequest, in, e);
    if (!req)
        return -1;
    char *db = lname(req, "DatabaseName"), *tbl = lname(req, "TableName"), *text = NULL;
    const char *vs = json_string_value(json_object_get(req, "VersionId"));
    json_t *doc = NULL;
    int64_t version = 0;
    int ret = -1, rc;
    if ((rc = need_table(api_db(rq), db, tbl, &doc, &version, e)) != 0) {
        if (rc < 0)
            gerr_store(e, rc, "reading a table");
        goto done;
    }
    if (vs && parse_version(vs, &version, e) < 0)
        goto done;
    rc = store_cat_version_get(api_db(rq), db, tbl, version, &text);
    if (rc == STORE_NOTFOUND) {
        gerr_set(e, GERR_NOT_FOUND, "Version %lld of table %s not found.", (long long)version, tbl);
        goto done;
    }
    if (rc < 0) {
        gerr_store(e, rc, "reading a table version");
        goto done;
    }
    char id[24];
    snprintf(id, sizeof id, "%lld", (long long)version);
    *out = json_pack("{s{soss}}", "TableVersion", "Table", table_out(text, version), "VersionId", id);
    ret = 0;
done:
    free(text);
    json_decref(doc);
    free(db);
    free(tbl);
    json_decref(req);
    return ret;
}

/* Deletes the versions listed in o->x (a JSON array of VersionId strings); errors per version into o->out. */
static int delete_versions_tx(store_tx_t *tx, void *ctx)
{
    op_t *o = ctx;
    json_t *doc = NULL;
    int64_t current = 0;
    json_decref(o->out);
    o->out = json_array();
    int rc = need_table(tx, o->db, o->tbl, &doc, &current, o->e);
    json_decref(doc);
    if (rc)
        return rc;
    size_t i;
    json_t *vj;
    json_array_foreach ((json_t *)o->x, i, vj) {
        const char *vs = json_string_value(vj);
        int64_t v;
        gerr_t ve = {0};
        char msg[sizeof ve.msg + 64] = "";
        const char *code = GERR_INVALID_INPUT;
        if (parse_version(vs, &v, &ve) < 0)
            snprintf(msg, sizeof msg, "%s", ve.msg);
        else if (v == current)
            snprintf(msg, sizeof msg, "Version %s is the table's current version and cannot be deleted", vs);
        else if ((rc = store_cat_version_delete(tx, o->db, o->tbl, v)) == STORE_NOTFOUND) {
            snprintf(msg, sizeof msg, "Version %s of table %s not found.", vs, o->tbl);
            code = GERR_NOT_FOUND;
        } else if (rc < 0)
            return rc;
        if (*msg)
            json_array_append_new(o->out, json_pack("{ssssso}", "TableName", o->tbl, "VersionId", vs, "ErrorDetail",
                                                    error_detail(code, msg)));
    }
    return 0;
}

int api_delete_table_version(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    json_t *req = checked(rq, SHAPE_DeleteTableVersionRequest, in, e);
    if (!req)
        return -1;
    char *db = lname(req, "DatabaseName"), *tbl = lname(req, "TableName");
    json_t *ids = json_pack("[O]", json_object_get(req, "VersionId"));
    op_t o = {rq, req, e, NULL, db, tbl, ids};
    int rc = run(&o, delete_versions_tx, "deleting a table version");
    if (rc == 0 && json_array_size(o.out)) {
        json_t *d = json_object_get(json_array_get(o.out, 0), "ErrorDetail");
        gerr_set(e,
                 strcmp(json_string_value(json_object_get(d, "ErrorCode")), GERR_NOT_FOUND) == 0 ? GERR_NOT_FOUND
                                                                                                 : GERR_INVALID_INPUT,
                 "%s", json_string_value(json_object_get(d, "ErrorMessage")));
        rc = -1;
    }
    json_decref(o.out);
    json_decref(ids);
    free(db);
    free(tbl);
    json_decref(req);
    if (rc < 0)
        return -1;
    *out = json_object();
    return 0;
}

int api_batch_delete_table_version(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    json_t *req = checked(rq, SHAPE_BatchDeleteTableVersionRequest, in, e);
    if (!req)
        return -1;
    char *db = lname(req, "DatabaseName"), *tbl = lname(req, "TableName");
    op_t o = {rq, req, e, NULL, db, tbl, json_object_get(req, "VersionIds")};
    int rc = run(&o, delete_versions_tx, "deleting table versions");
    free(db);
    free(tbl);
    json_decref(req);
    if (rc < 0) {
        json_decref(o.out);
        return -1;
    }
    *out = json_array_size(o.out) ? json_pack("{so}", "Errors", o.out) : (json_decref(o.out), json_object());
    return 0;
}

int api_search_tables(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    json_t *req = checked(rq, SHAPE_SearchTablesRequest, in, e);
    if (!req)
        return -1;
    char *needle = lname(req, "SearchText"), *db = NULL;
    size_t i;
    json_t *f;
    int ret = -1;
    api_page_t p = {0};
    store_cat_row_t *v = NULL;
    size_t n = 0;
    json_array_foreach (json_object_get(req, "Filters"), i, f) {
        const char *key = json_string_value(json_object_get(f, "Key"));
        const char *val = json_string_value(json_object_get(f, "Value"));
        const char *cmp = json_string_value(json_object_get(f, "Comparator"));
        if (key && strcmp(key, "DatabaseName") == 0 && val && (!cmp || strcmp(cmp, "EQUALS") == 0)) {
            free(db);
            db = catdoc_lower(val);
        } else {
            gerr_set(e, GERR_INVALID_INPUT,
                     "Filters[%zu]: glued filters SearchTables by DatabaseName with EQUALS only (got %.100s %.20s)", i,
                     key ? key : "no Key", cmp ? cmp : "");
            goto done;
        }
    }
    char scope[16 + 300 + API_NAME_BYTES];
    snprintf(scope, sizeof scope, "SearchTables/%.300s/%s", needle ? needle : "", db ? db : "");
    if (api_page_read(rq, req, scope, 1000, &p, e) < 0)
        goto done;
    /* the token holds "db\nname" of the last table given */
    char *after_db = NULL, *after_name = NULL;
    if (p.after_str) {
        after_db = p.after_str;
        char *nl = strchr(p.after_str, '\n');
        if (nl) {
            *nl = '\0';
            after_name = nl + 1;
        }
    }
    int rc = store_cat_table_search(api_db(rq), needle, db, after_db, after_name, p.limit + 1, &v, &n);
    if (rc < 0) {
        gerr_store(e, rc, "searching tables");
        goto done;
    }
    json_t *list = json_array();
    for (size_t k = 0; k < n && (int)k < p.limit; k++)
        json_array_append_new(list, table_out(v[k].doc, v[k].num));
    *out = json_pack("{so}", "TableList", list);
    if ((int)n > p.limit) {
        char key[600];
        snprintf(key, sizeof key, "%s\n%s", v[p.limit - 1].db, v[p.limit - 1].key);
        api_page_next(rq, *out, scope, key, 0);
    }
    ret = 0;
done:
    store_cat_rows_free(v, n);
    api_page_cleanup(&p);
    free(needle);
    free(db);
    json_decref(req);
    return ret;
}

/* ---- partitions ---- */

/* The stored Partition from a PartitionInput. */
static json_t *part_doc(api_req_t *rq, json_t *input, const char *db, const char *tbl, json_t *old)
{
    json_t *d = json_deep_copy(input);
    json_object_set_new(d, "DatabaseName", json_string(db));
    json_object_set_new(d, "TableName", json_string(tbl));
    json_object_set_new(d, "CatalogId", json_string(rq->api->cfg.account));
    json_t *created = old ? json_object_get(old, "CreationTime") : NULL;
    if (created)
        json_object_set(d, "CreationTime", created);
    else
        set_time(d, "CreationTime", rq->now_ms);
    if (!json_object_get(d, "Values"))
        json_object_set_new(d, "Values", json_array());
    return d;
}

/* The index key of values under the table's keys, or InvalidInput saying why not. */
static int part_key(json_t *table, json_t *values, const char *what, char **key, gerr_t *e)
{
    size_t nk = json_array_size(json_object_get(table, "PartitionKeys"));
    if (json_array_size(values) != nk)
        return fail(e, GERR_INVALID_INPUT, "%s has %zu values; table %s has %zu partition keys", what,
                    json_array_size(values), json_string_value(json_object_get(table, "Name")), nk);
    *key = catdoc_part_key(table, values);
    if (!*key)
        return fail(e, GERR_INVALID_INPUT, "%s must be a list of strings", what);
    if (strlen(*key) > PART_KEY_MAX) {
        free(*key);
        *key = NULL;
        return fail(e, GERR_INVALID_INPUT, "%s is too long to index (%d bytes of values at most)", what,
                    PART_KEY_MAX / 2);
    }
    return 0;
}

static char *values_text(json_t *values)
{
    char *s = json_dumps(values, JSON_COMPACT);
    return s ? s : strdup("[]");
}

/* Inserts each PartitionInput of the array o->x; errors per partition into o->out, or the first one as the
 * request's error when o->out is not wanted (CreatePartition). */
static int create_parts_tx(store_tx_t *tx, void *ctx)
{
    op_t *o = ctx;
    json_t *table = NULL;
    json_decref(o->out);
    o->out = json_array();
    int rc = need_table(tx, o->db, o->tbl, &table, NULL, o->e);
    if (rc)
        return rc;
    size_t i;
    json_t *input;
    json_array_foreach ((json_t *)o->x, i, input) {
        json_t *values = json_object_get(input, "Values");
        char *key = NULL;
        gerr_t pe = {0};
        if ((rc = part_key(table, values, "PartitionInput.Values", &key, &pe)) == 0) {
            json_t *doc = part_doc(o->rq, input, o->db, o->tbl, NULL);
            char *text = dumps(doc);
            rc = store_cat_part_insert(tx, o->db, o->tbl, key, text, o->rq->now_ms);
            free(text);
            json_decref(doc);
            if (rc == STORE_EXISTS) {
                char *vt = values_text(values);
                gerr_set(&pe, GERR_EXISTS, "Partition %.500s already exists.", vt);
                free(vt);
                rc = CAT_FAIL;
            }
        }
        free(key);
        if (rc < 0) {
            json_decref(table);
            return rc;
        }
        if (rc == CAT_FAIL)
            json_array_append_new(o->out, json_pack("{sOs{ssss}}", "PartitionValues", values ? values : json_null(),
                                                    "ErrorDetail", "ErrorCode", pe.type, "ErrorMessage", pe.msg));
    }
    json_decref(table);
    return 0;
}

/* The first entry of a batch's Errors as the request's error (single-partition operations). */
static int first_error(json_t *errs, gerr_t *e)
{
    json_t *d = json_object_get(json_array_get(errs, 0), "ErrorDetail");
    const char *code = json_string_value(json_object_get(d, "ErrorCode"));
    const char *type = strcmp(code, GERR_EXISTS) == 0      ? GERR_EXISTS
                       : strcmp(code, GERR_NOT_FOUND) == 0 ? GERR_NOT_FOUND
                                                           : GERR_INVALID_INPUT;
    return gerr_set(e, type, "%s", json_string_value(json_object_get(d, "ErrorMessage")));
}

static int batch_answer(int rc, op_t *o, bool single, json_t **out)
{
    if (rc == 0 && single && json_array_size(o->out))
        rc = first_error(o->out, o->e);
    if (rc < 0) {
        json_decref(o->out);
        return -1;
    }
    if (single || !json_array_size(o->out)) {
        json_decref(o->out);
        *out = json_object();
    } else {
        *out = json_pack("{so}", "Errors", o->out);
    }
    return 0;
}

int api_create_partition(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    json_t *req = checked(rq, SHAPE_CreatePartitionRequest, in, e);
    if (!req)
        return -1;
    char *db = lname(req, "DatabaseName"), *tbl = lname(req, "TableName");
    json_t *list = json_pack("[O]", json_object_get(req, "PartitionInput"));
    op_t o = {rq, req, e, NULL, db, tbl, list};
    int rc = batch_answer(run(&o, create_parts_tx, "creating a partition"), &o, true, out);
    json_decref(list);
    free(db);
    free(tbl);
    json_decref(req);
    return rc;
}

int api_batch_create_partition(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    json_t *req = checked(rq, SHAPE_BatchCreatePartitionRequest, in, e);
    if (!req)
        return -1;
    char *db = lname(req, "DatabaseName"), *tbl = lname(req, "TableName");
    op_t o = {rq, req, e, NULL, db, tbl, json_object_get(req, "PartitionInputList")};
    int rc = batch_answer(run(&o, create_parts_tx, "creating partitions"), &o, false, out);
    free(db);
    free(tbl);
    json_decref(req);
    return rc;
}

/* Reads the partitions whose values lists names (each an array, or {"Values": [...]}) into found; unknown
 * ones are left out, or with single are EntityNotFound. 0, or -1 with e set. */
static int get_parts(api_req_t *rq, const char *db, const char *tbl, json_t *lists, json_t *found, gerr_t *e,
                     bool single)
{
    json_t *table = NULL;
    store_tx_t *tx = api_db(rq);
    int rc = need_table(tx, db, tbl, &table, NULL, e);
    if (rc)
        return rc == CAT_FAIL ? -1 : gerr_store(e, rc, "reading a table");
    size_t i;
    json_t *item;
    json_array_foreach (lists, i, item) {
        json_t *values = json_is_array(item) ? item : json_object_get(item, "Values");
        char *key = NULL, *text = NULL;
        if (part_key(table, values, single ? "PartitionValues" : "PartitionsToGet[].Values", &key, e) != 0) {
            json_decref(table);
            return -1;
        }
        rc = store_cat_part_get(tx, db, tbl, key, &text);
        free(key);
        if (rc < 0) {
            json_decref(table);
            return gerr_store(e, rc, "reading a partition");
        }
        if (rc == STORE_NOTFOUND && single) {
            char *vt = values_text(values);
            gerr_set(e, GERR_NOT_FOUND, "Partition %.500s of table %s not found.", vt, tbl);
            free(vt);
            json_decref(table);
            return -1;
        }
        if (rc == STORE_OK)
            json_array_append_new(found, loads(text));
        free(text);
    }
    json_decref(table);
    return 0;
}

int api_get_partition(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    json_t *req = checked(rq, SHAPE_GetPartitionRequest, in, e);
    if (!req)
        return -1;
    char *db = lname(req, "DatabaseName"), *tbl = lname(req, "TableName");
    json_t *found = json_array(), *lists = json_pack("[O]", json_object_get(req, "PartitionValues"));
    int rc = get_parts(rq, db, tbl, lists, found, e, true);
    if (rc == 0)
        *out = json_pack("{sO}", "Partition", json_array_get(found, 0));
    json_decref(found);
    json_decref(lists);
    free(db);
    free(tbl);
    json_decref(req);
    return rc;
}

int api_batch_get_partition(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    json_t *req = checked(rq, SHAPE_BatchGetPartitionRequest, in, e);
    if (!req)
        return -1;
    char *db = lname(req, "DatabaseName"), *tbl = lname(req, "TableName");
    json_t *found = json_array();
    int rc = get_parts(rq, db, tbl, json_object_get(req, "PartitionsToGet"), found, e, false);
    if (rc == 0)
        *out = json_pack("{sOs[]}", "Partitions", found, "UnprocessedKeys");
    json_decref(found);
    free(db);
    free(tbl);
    json_decref(req);
    return rc;
}

int api_get_partitions(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    json_t *req = checked(rq, SHAPE_GetPartitionsRequest, in, e);
    if (!req)
        return -1;
    char *db = lname(req, "DatabaseName"), *tbl = lname(req, "TableName"), *last = NULL;
    const char *expr = json_string_value(json_object_get(req, "Expression"));
    json_t *seg = json_object_get(req, "Segment"), *table = NULL, *list = json_array();
    int64_t segno = json_integer_value(json_object_get(seg, "SegmentNumber"));
    int64_t segs = seg ? json_integer_value(json_object_get(seg, "TotalSegments")) : 1;
    bool exclude = json_is_true(json_object_get(req, "ExcludeColumnSchema")), more = false;
    char scope[64 + 2 * API_NAME_BYTES + 2400];
    snprintf(scope, sizeof scope, "GetPartitions/%s/%s/%lld/%lld/%s", db, tbl, (long long)segno, (long long)segs,
             expr ? expr : "");
    api_page_t p = {0};
    pexpr_t *px = NULL;
    pexpr_range_t *r = NULL;
    size_t nr = 0, nk = 0;
    const char **names = NULL, **types = NULL;
    int ret = -1, rc;
    if (api_page_read(rq, req, scope, 1000, &p, e) < 0)
        goto done;
    if (!json_object_get(req, "MaxResults"))
        p.limit = 1000;
    if (segs < 1 || segno < 0 || segno >= segs) {
        gerr_set(e, GERR_INVALID_INPUT, "Segment.SegmentNumber %lld must be below Segment.TotalSegments %lld",
                 (long long)segno, (long long)segs);
        goto done;
    }
    if ((rc = need_table(api_db(rq), db, tbl, &table, NULL, e)) != 0) {
        if (rc < 0)
            gerr_store(e, rc, "reading a table");
        goto done;
    }
    names = catdoc_key_names(table, &nk);
    types = catdoc_key_types(table, &nk);
    if (expr && *expr) {
        char err[512];
        if (pexpr_parse(expr, nk, names, types, &px, err, sizeof err) < 0) {
            gerr_set(e, GERR_INVALID_INPUT, "%s", err);
            goto done;
        }
    }
    if (pexpr_ranges(px, &r, &nr) < 0) {
        gerr_set(e, GERR_INTERNAL, "out of memory planning the expression");
        goto done;
    }
    last = p.after_str ? strdup(p.after_str) : NULL;
    const char **vals = calloc(nk ? nk : 1, sizeof *vals);
    for (size_t ri = 0; ri < nr && !more && vals; ri++) {
        if (last && r[ri].hi && strcmp(last, r[ri].hi) >= 0)
            continue;
        for (;;) {
            store_cat_row_t *v;
            size_t n;
            if ((rc = store_cat_part_scan(api_db(rq), db, tbl, r[ri].lo, r[ri].hi, last, SCAN_CHUNK, &v, &n)) < 0) {
                free(vals);
                gerr_store(e, rc, "reading partitions");
                goto done;
            }
            for (size_t i = 0; i < n && !more; i++) {
                json_t *doc = NULL;
                if (segs > 1 && util_fnv1a32(v[i].key) % (uint32_t)segs != (uint32_t)segno)
                    goto next;
                doc = loads(v[i].doc);
                json_t *values = json_object_get(doc, "Values");
                for (size_t k = 0; k < nk; k++)
                    vals[k] = json_string_value(json_array_get(values, k));
                if (!pexpr_match(px, vals, json_array_size(values) >= nk ? nk : 0))
                    goto next;
                if ((int)json_array_size(list) == p.limit) {
                    more = true;
                    json_decref(doc);
                    break;
                }
                if (exclude)
                    json_object_del(json_object_get(doc, "StorageDescriptor"), "Columns");
                json_array_append(list, doc);
            next:
                json_decref(doc);
                free(last);
                last = strdup(v[i].key);
            }
            store_cat_rows_free(v, n);
            if (more || n < SCAN_CHUNK)
                break;
        }
    }
    free(vals);
    *out = json_pack("{sO}", "Partitions", list);
    if (more)
        api_page_next(rq, *out, scope, last, 0);
    ret = 0;
done:
    free(names);
    free(types);
    pexpr_ranges_free(r, nr);
    pexpr_free(px);
    json_decref(table);
    json_decref(list);
    free(last);
    api_page_cleanup(&p);
    free(db);
    free(tbl);
    json_decref(req);
    return ret;
}

/* Updates each entry of o->x ({PartitionValueList, PartitionInput}); errors per entry into o->out. */
static int update_parts_tx(store_tx_t *tx, void *ctx)
{
    op_t *o = ctx;
    json_t *table = NULL;
    json_decref(o->out);
    o->out = json_array();
    int rc = need_table(tx, o->db, o->tbl, &table, NULL, o->e);
    if (rc)
        return rc;
    size_t i;
    json_t *entry;
    json_array_foreach ((json_t *)o->x, i, entry) {
        json_t *oldv = json_object_get(entry, "PartitionValueList"), *input = json_object_get(entry, "PartitionInput");
        json_t *newv = json_object_get(input, "Values");
        char *key = NULL, *nkey = NULL, *text = NULL;
        gerr_t pe = {0};
        if ((rc = part_key(table, oldv, "PartitionValueList", &key, &pe)) == 0 &&
            (rc = part_key(table, json_array_size(newv) ? newv : oldv, "PartitionInput.Values", &nkey, &pe)) == 0) {
            rc = store_cat_part_get(tx, o->db, o->tbl, key, &text);
            if (rc == STORE_OK) {
                json_t *old = loads(text);
                json_t *doc = part_doc(o->rq, input, o->db, o->tbl, old);
                if (!json_array_size(newv))
                    json_object_set(doc, "Values", oldv);
                char *t = dumps(doc);
                rc = store_cat_part_put(tx, o->db, o->tbl, key, nkey, t);
                free(t);
                json_decref(doc);
                json_decref(old);
            }
            if (rc == STORE_NOTFOUND || rc == STORE_EXISTS) {
                char *vt = values_text(rc == STORE_NOTFOUND ? oldv : newv);
                gerr_set(&pe, rc == STORE_NOTFOUND ? GERR_NOT_FOUND : GERR_EXISTS,
                         rc == STORE_NOTFOUND ? "Partition %.500s not found." : "Partition %.500s already exists.", vt);
                free(vt);
                rc = CAT_FAIL;
            }
        }
        free(key);
        free(nkey);
        free(text);
        if (rc < 0) {
            json_decref(table);
            return rc;
        }
        if (rc == CAT_FAIL)
            json_array_append_new(o->out, json_pack("{sOs{ssss}}", "PartitionValueList", oldv ? oldv : json_null(),
                                                    "ErrorDetail", "ErrorCode", pe.type, "ErrorMessage", pe.msg));
    }
    json_decref(table);
    return 0;
}

int api_update_partition(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    json_t *req = checked(rq, SHAPE_UpdatePartitionRequest, in, e);
    if (!req)
        return -1;
    char *db = lname(req, "DatabaseName"), *tbl = lname(req, "TableName");
    json_t *list = json_pack("[{sOsO}]", "PartitionValueList", json_object_get(req, "PartitionValueList"),
                             "PartitionInput", json_object_get(req, "PartitionInput"));
    op_t o = {rq, req, e, NULL, db, tbl, list};
    int rc = batch_answer(run(&o, update_parts_tx, "updating a partition"), &o, true, out);
    json_decref(list);
    free(db);
    free(tbl);
    json_decref(req);
    return rc;
}

int api_batch_update_partition(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    json_t *req = checked(rq, SHAPE_BatchUpdatePartitionRequest, in, e);
    if (!req)
        return -1;
    char *db = lname(req, "DatabaseName"), *tbl = lname(req, "TableName");
    op_t o = {rq, req, e, NULL, db, tbl, json_object_get(req, "Entries")};
    int rc = batch_answer(run(&o, update_parts_tx, "updating partitions"), &o, false, out);
    free(db);
    free(tbl);
    json_decref(req);
    return rc;
}

/* Deletes the partitions whose values o->x lists (arrays, or {"Values": [...]}); errors into o->out. */
static int delete_parts_tx(store_tx_t *tx, void *ctx)
{
    op_t *o = ctx;
    json_t *table = NULL;
    json_decref(o->out);
    o->out = json_array();
    int rc = need_table(tx, o->db, o->tbl, &table, NULL, o->e);
    if (rc)
        return rc;
    size_t i;
    json_t *item;
    json_array_foreach ((json_t *)o->x, i, item) {
        json_t *values = json_is_array(item) ? item : json_object_get(item, "Values");
        char *key = NULL;
        gerr_t pe = {0};
        if ((rc = part_key(table, values, "PartitionValues", &key, &pe)) == 0) {
            rc = store_cat_part_delete(tx, o->db, o->tbl, key);
            if (rc == STORE_NOTFOUND) {
                char *vt = values_text(values);
                gerr_set(&pe, GERR_NOT_FOUND, "Partition %.500s not found.", vt);
                free(vt);
                rc = CAT_FAIL;
            }
        }
        free(key);
        if (rc < 0) {
            json_decref(table);
            return rc;
        }
        if (rc == CAT_FAIL)
            json_array_append_new(o->out, json_pack("{sOs{ssss}}", "PartitionValues", values ? values : json_null(),
                                                    "ErrorDetail", "ErrorCode", pe.type, "ErrorMessage", pe.msg));
    }
    json_decref(table);
    return 0;
}

int api_delete_partition(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    json_t *req = checked(rq, SHAPE_DeletePartitionRequest, in, e);
    if (!req)
        return -1;
    char *db = lname(req, "DatabaseName"), *tbl = lname(req, "TableName");
    json_t *list = json_pack("[O]", json_object_get(req, "PartitionValues"));
    op_t o = {rq, req, e, NULL, db, tbl, list};
    int rc = batch_answer(run(&o, delete_parts_tx, "deleting a partition"), &o, true, out);
    json_decref(list);
    free(db);
    free(tbl);
    json_decref(req);
    return rc;
}

int api_batch_delete_partition(api_req_t *rq, json_t *in, json_t **out, gerr_t *e)
{
    json_t *req = checked(rq, SHAPE_BatchDeletePartitionRequest, in, e);
    if (!req)
        return -1;
    char *db = lname(req, "DatabaseName"), *tbl = lname(req, "TableName");
    op_t o = {rq, req, e, NULL, db, tbl, json_object_get(req, "PartitionsToDelete")};
    int rc = batch_answer(run(&o, delete_parts_tx, "deleting partitions"), &o, false, out);
    free(db);
    free(tbl);
    json_decref(req);
    return rc;
}
