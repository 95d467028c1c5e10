/* Crawls (see crawler.h). Reading order: the log and the stop check, targets and the walk, classification,
 * table and partition documents, committing a table, deletions, the crawl. */
#include "engine/crawler.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdbool.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "catalog/catdoc.h"
#include "catalog/classify.h"
#include "catalog/group.h"
#include "engine/logpool.h"
#include "engine/s3root.h"
#include "model/codec.h"
#include "store/catalog.h"
#include "util/util.h"

#define MAX_FILES (1 << 20) /* files one crawl looks at */
#define MAX_DEPTH 64        /* folder nesting below a target */
#define CAT_FAIL  1000
#define LOG_LINE  8192 /* bytes of one crawl log message before its escapes; a longer one is cut, ending in "..." */

typedef struct file {
    char *rel;
    long long size;
    ctype_schema_t *schema;
} file_t;

typedef struct crawl {
    const crawler_ctx_t *cx;
    json_t *def;
    crawler_result_t *res;
    const char *name, *db, *prefix;
    const char *update_behavior, *delete_behavior;
    bool combine, inherit, new_only;
    bool dry;       /* no DatabaseName: classify and log, write nothing */
    int64_t sample; /* SampleSize: files read per folder, 0 = all */
    FILE *log;
    uint64_t last_check_ns;
    bool stop;
    json_t *existing; /* the database's tables: name -> Table document */
    json_t *produced; /* names of the tables this crawl wrote */
} crawl_t;

/* The length of the valid UTF-8 sequence at p (n bytes left), or 0 when p starts none. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
    size_t len = p[0] >= 0xc2 && p[0] <= 0xdf   ? 2
                 : p[0] >= 0xe0 && p[0] <= 0xef ? 3
                 : p[0] >= 0xf0 && p[0] <= 0xf4 ? 4
                                                : 0;
    if (!len || len > n)
        return 0;
    unsigned char lo = p[0] == 0xe0 ? 0xa0 : p[0] == 0xf0 ? 0x90 : 0x80; /* no overlong forms */
    unsigned char hi = p[0] == 0xed ? 0x9f : p[0] == 0xf4 ? 0x8f : 0xbf; /* no surrogates, nothing past U+10FFFF */
    if (p[1] < lo || p[1] > hi)
        return 0;
    for (size_t i = 2; i < len; i++)
        if ((p[i] & 0xc0) != 0x80)
            return 0;
    return len;
}

/* Writes s with its control characters escaped, so that whatever a name or a file holds stays on its line and
 * cannot drive a terminal: \n \r \t and \\ (so that an escape is never ambiguous), \xNN for another C0 control,
 * DEL or a byte that is not UTF-8 (file names can be any bytes), \u00NN for a C1 control (U+0080 to U+009F). */
static void put_escaped(FILE *f, const char *s)
{
    const unsigned char *p = (const unsigned char *)s;
    size_t n = strlen(s);
    while (n) {
        size_t len = p[0] < 0x80 ? 1 : utf8_seq(p, n);
        const char *named = p[0] == '\n'   ? "\\n"
                            : p[0] == '\r' ? "\\r"
                            : p[0] == '\t' ? "\\t"
                            : p[0] == '\\' ? "\\\\"
                                           : NULL;
        if (named)
            fputs(named, f);
        else if (len == 0 || p[0] < 0x20 || p[0] == 0x7f)
            fprintf(f, "\\x%02x", p[0]);
        else if (len == 2 && p[0] == 0xc2 && p[1] < 0xa0)
            fprintf(f, "\\u00%02x", p[1]);
        else
            fwrite(p, 1, len, f);
        len = len ? len : 1;
        p += len;
        n -= len;
    }
}

/* One line of the crawl's log: a timestamp, the crawl id, the level and the message, whose control characters
 * are escaped (put_escaped). */
static void crawl_log(crawl_t *c, const char *level, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void crawl_log(crawl_t *c, const char *level, const char *fmt, ...)
{
    if (!c->log)
        return;
    char ts[40], msg[LOG_LINE];
    int64_t ms = util_now_ms();
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (n >= (int)sizeof msg)
        memcpy(msg + sizeof msg - 4, "...", 4);
    fprintf(c->log, "%s.%03dZ [%s] %s : ", ts, (int)(ms % 1000), c->cx->crawl_id, level);
    put_escaped(c->log, msg);
    fputc('\n', c->log);
    fflush(c->log);
}

/* Whether StopCrawler asked this crawl to stop (its record reads STOPPING) or its record is gone. Looked up at
 * most every 20 ms. */
static bool stopping(crawl_t *c)
{
    if (c->stop)
        return true;
    uint64_t now = util_mono_ns();
    if (!c->cx->file_delay_ms && now - c->last_check_ns < 20000000u)
        return false;
    c->last_check_ns = now;
    store_jobrun_t r = {0};
    int st = store_jobrun_get(store_read(c->cx->store), c->cx->crawl_id, &r);
    if (st == STORE_OK)
        c->stop = r.state == JR_STOPPING || r.state == JR_STOPPED;
    else if (st == STORE_NOTFOUND)
        c->stop = true; /* its record is gone: --test-mode's reset emptied the store */
    store_jobrun_cleanup(&r);
    return c->stop;
}

/* ---- targets and the walk ---- */

/* The folder of a target's Path, and the location its tables get (the Path without a trailing '/'). */
static int target_dir(crawl_t *c, const char *url, char *dir, size_t dn, char *base, size_t bn, char *why,
                      size_t whylen)
{
    snprintf(why, whylen, "S3 target '%.300s' is not an s3://bucket/prefix URL, a file:// URL or an absolute path",
             url);
    if (strncmp(url, "s3://", 5) == 0) {
        /* never outside the s3 root: a URL that climbs out is not a target, a link that leads out is refused,
         * and a folder that does not exist (yet) is an empty target */
        int rc = s3root_resolve(c->cx->s3_root, url, dir, dn, why, whylen);
        if (rc == S3ROOT_INVALID || rc == S3ROOT_OUTSIDE)
            return -1;
        if (rc == S3ROOT_MISSING && snprintf(dir, dn, "%s/%s", c->cx->s3_root, url + 5) >= (int)dn)
            return -1;
    } else if (strncmp(url, "file://", 7) == 0 && url[7] == '/') {
        snprintf(dir, dn, "%s", url + 7);
    } else if (url[0] == '/') {
        snprintf(dir, dn, "%s", url);
    } else {
        return -1;
    }
    snprintf(base, bn, "%s", url);
    size_t l = strlen(base);
    while (l > 1 && base[l - 1] == '/')
        base[--l] = '\0';
    l = strlen(dir);
    while (l > 1 && dir[l - 1] == '/')
        dir[--l] = '\0';
    return 0;
}

/* Exclusions are globs over paths relative to the target: '*' stays within a folder, '**' crosses folders. */
static bool excluded(json_t *excl, const char *rel)
{
    size_t i;
    json_t *p;
    json_array_foreach (excl, i, p) {
        const char *pat = json_string_value(p);
        if (!pat)
            continue;
        int flags = strstr(pat, "**") ? 0 : FNM_PATHNAME;
        if (fnmatch(pat, rel, flags) == 0)
            return true;
    }
    return false;
}

typedef struct files {
    file_t *v;
    size_t n, cap;
    bool full;
} files_t;

static int by_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void walk(crawl_t *c, const char *dir, const char *rel, json_t *excl, files_t *out, int depth)
{
    if (depth > MAX_DEPTH || out->full)
        return;
    char path[4096];
    snprintf(path, sizeof path, "%s%s%s", dir, *rel ? "/" : "", rel);
    DIR *d = opendir(path);
    if (!d) {
        if (depth > 0)
            crawl_log(c, "WARN", "Cannot read folder %s: %s", path, strerror(errno));
        return;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        /* hidden files and Hadoop's markers (_SUCCESS, _temporary) are not data */
        if (de->d_name[0] == '.' || de->d_name[0] == '_')
            continue;
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            char **nn = realloc(names, cap * sizeof *nn);
            if (!nn)
                break;
            names = nn;
        }
        names[n++] = strdup(de->d_name);
    }
    closedir(d);
    if (n)
        qsort(names, n, sizeof *names, by_name);
    int64_t taken = 0;
    for (size_t i = 0; i < n; i++) {
        if (!names[i])
            continue;
        char r[4096], full[8192];
        if (snprintf(r, sizeof r, "%s%s%s", rel, *rel ? "/" : "", names[i]) >= (int)sizeof r)
            continue; /* a path longer than any file system allows */
        snprintf(full, sizeof full, "%s/%s", dir, r);
        struct stat sb;
        if (lstat(full, &sb) < 0 || excluded(excl, r))
            continue;
        if (S_ISDIR(sb.st_mode)) {
            walk(c, dir, r, excl, out, depth + 1);
        } else if (S_ISREG(sb.st_mode)) {
            if (out->n >= MAX_FILES) {
                out->full = true;
                break;
            }
            if (out->n == out->cap) {
                size_t nc = out->cap ? out->cap * 2 : 256;
                file_t *nv = realloc(out->v, nc * sizeof *nv);
                if (!nv)
                    break;
                out->v = nv;
                out->cap = nc;
            }
            /* SampleSize: the first files of a folder are read; the others are counted in its table */
            bool sampled = !c->sample || taken < c->sample;
            taken++;
            out->v[out->n++] = (file_t){strdup(r), (long long)sb.st_size, sampled ? NULL : (ctype_schema_t *)1};
        }
    }
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

static long fd_read(void *ctx, uint64_t off, void *buf, size_t len)
{
    ssize_t k = pread(*(int *)ctx, buf, len, (off_t)off);
    return k < 0 ? -1 : (long)k;
}

/* ---- documents ---- */

static json_t *columns_json(const ctype_schema_t *s, crawl_t *c, const char *where)
{
    json_t *cols = json_array();
    for (size_t i = 0; s && i < s->ncols; i++) {
        char *t = ctype_text(s->types[i]);
        if (!t)
            crawl_log(c, "WARN", "Column %s of %s has a type longer than Glue allows; recorded as string", s->names[i],
                      where);
        json_array_append_new(cols, json_pack("{ssss}", "Name", s->names[i], "Type", t ? t : "string"));
        free(t);
    }
    return cols;
}

static void set_num(json_t *o, const char *key, long long v)
{
    char b[32];
    snprintf(b, sizeof b, "%lld", v);
    json_object_set_new(o, key, json_string(b));
}

/* Parameters a crawler writes on a table (or partition) of schema s holding size bytes in objects files. */
static json_t *params(crawl_t *c, const ctype_schema_t *s, long long size, long long objects)
{
    json_t *p = json_object();
    json_object_set_new(p, "classification", json_string(s->classification));
    json_object_set_new(p, "compressionType", json_string(s->compression[0] ? s->compression : "none"));
    set_num(p, "recordCount", s->records);
    set_num(p, "averageRecordSize", s->records > 0 ? s->record_bytes / s->records : 0);
    set_num(p, "objectCount", objects);
    set_num(p, "sizeKey", size);
    json_object_set_new(p, "typeOfData", json_string("file"));
    json_object_set_new(p, "UPDATED_BY_CRAWLER", json_string(c->name));
    json_object_set_new(p, "CrawlerSchemaSerializerVersion", json_string("1.0"));
    json_object_set_new(p, "CrawlerSchemaDeserializerVersion", json_string("1.0"));
    if (strcmp(s->classification, "csv") == 0) {
        char d[2] = {s->delim, 0};
        json_object_set_new(p, "delimiter", json_string(d));
        json_object_set_new(p, "areColumnsQuoted", json_string(s->quote ? "true" : "false"));
        if (s->header)
            json_object_set_new(p, "skip.header.line.count", json_string("1"));
    }
    return p;
}

static json_t *storage(crawl_t *c, const ctype_schema_t *s, const char *location, json_t *cols, long long size,
                       long long objects)
{
    const char *in = "org.apache.hadoop.mapred.TextInputFormat",
               *out = "org.apache.hadoop.hive.ql.io.HiveIgnoreKeyTextOutputFormat", *serde;
    json_t *sp = json_object();
    if (strcmp(s->classification, "parquet") == 0) {
        in = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetInputFormat";
        out = "org.apache.hadoop.hive.ql.io.parquet.MapredParquetOutputFormat";
        serde = "org.apache.hadoop.hive.ql.io.parquet.serde.ParquetHiveSerDe";
        json_object_set_new(sp, "serialization.format", json_string("1"));
    } else if (strcmp(s->classification, "json") == 0) {
        serde = "org.openx.data.jsonserde.JsonSerDe";
        size_t n = 0;
        char *paths = calloc(1, 1);
        for (size_t i = 0; paths && i < s->ncols; i++) {
            char *np = realloc(paths, n + strlen(s->names[i]) + 2);
            if (!np)
                break;
            paths = np;
            n += (size_t)sprintf(paths + n, "%s%s", i ? "," : "", s->names[i]);
        }
        json_object_set_new(sp, "paths", json_string(paths ? paths : ""));
        free(paths);
    } else if (s->quote) {
        char d[2] = {s->delim, 0}, q[2] = {s->quote, 0};
        serde = "org.apache.hadoop.hive.serde2.OpenCSVSerde";
        json_object_set_new(sp, "separatorChar", json_string(d));
        json_object_set_new(sp, "quoteChar", json_string(q));
    } else {
        char d[2] = {s->delim, 0};
        serde = "org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe";
        json_object_set_new(sp, "field.delim", json_string(d));
    }
    return json_pack("{sosssssssbsis{ssso}s[]s[]sosb}", "Columns", cols, "Location", location, "InputFormat", in,
                     "OutputFormat", out, "Compressed", s->compression[0] != 0, "NumberOfBuckets", -1, "SerdeInfo",
                     "SerializationLibrary", serde, "Parameters", sp, "BucketColumns", "SortColumns", "Parameters",
                     params(c, s, size, objects), "StoredAsSubDirectories", 0);
}

static char *location_of(const char *base, const char *rel, bool folder)
{
    size_t n = strlen(base) + strlen(rel) + 3;
    char *l = malloc(n);
    if (l)
        snprintf(l, n, "%s%s%s%s", base, *rel ? "/" : "", rel, folder ? "/" : "");
    return l;
}

static json_t *table_json(crawl_t *c, const char *name, const group_table_t *t, const char *location, int64_t now)
{
    json_t *keys = json_array();
    for (size_t k = 0; k < t->nkeys; k++)
        json_array_append_new(keys, json_pack("{ssss}", "Name", t->keys[k], "Type", "string"));
    json_t *doc = json_pack(
        "{sssssssosos{}sosisssoso}", "Name", name, "DatabaseName", c->db, "Owner", "owner", "CreateTime",
        codec_timestamp(now), "UpdateTime", codec_timestamp(now), "Parameters", "StorageDescriptor",
        storage(c, t->schema, location, columns_json(t->schema, c, name), t->size, t->objects), "Retention", 0,
        "TableType", "EXTERNAL_TABLE", "PartitionKeys", keys, "IsRegisteredWithLakeFormation", json_false());
    json_object_set_new(doc, "Parameters", params(c, t->schema, t->size, t->objects));
    json_object_set_new(doc, "CreatedBy", json_string(c->name));
    json_object_set_new(doc, "CatalogId", json_string(c->cx->account));
    return doc;
}

static json_t *part_json(crawl_t *c, json_t *table, const group_table_t *t, const group_part_t *p, const char *location,
                         int64_t now)
{
    json_t *values = json_array();
    for (size_t k = 0; k < t->nkeys; k++)
        json_array_append_new(values, json_string(p->values[k]));
    json_t *cols = c->inherit ? json_deep_copy(json_object_get(json_object_get(table, "StorageDescriptor"), "Columns"))
                              : columns_json(p->schema, c, location);
    json_t *doc =
        json_pack("{sosssssosos{}}", "Values", values, "DatabaseName", c->db, "TableName",
                  json_string_value(json_object_get(table, "Name")), "CreationTime", codec_timestamp(now),
                  "StorageDescriptor", storage(c, p->schema, location, cols, p->size, p->objects), "Parameters");
    json_object_set_new(doc, "CatalogId", json_string(c->cx->account));
    return doc;
}

/* ---- committing a table ---- */

typedef struct commit {
    crawl_t *c;
    const group_table_t *t;
    const char *base, *name;
    json_t *doc; /* the table as this crawl sees it */
    /* outcomes, reset on every try */
    bool created, updated, logged;
    int64_t added, gone, removed; /* partitions: new; with their folders gone, and of those deleted or marked */
    gerr_t e;
} commit_t;

/* Columns of b that a lacks, or whose types differ: whether a's columns must change to hold b's. */
static bool columns_differ(json_t *a, json_t *b)
{
    if (json_array_size(a) != json_array_size(b))
        return true;
    for (size_t i = 0; i < json_array_size(a); i++) {
        json_t *x = json_array_get(a, i), *y = json_array_get(b, i);
        if (!json_equal(json_object_get(x, "Name"), json_object_get(y, "Name")) ||
            !json_equal(json_object_get(x, "Type"), json_object_get(y, "Type")))
            return true;
    }
    return false;
}

/* The existing columns with this crawl's types, then this crawl's new columns. */
static json_t *merged_columns(json_t *old, json_t *now)
{
    json_t *m = json_deep_copy(old);
    size_t i, j;
    json_t *n, *o;
    json_array_foreach (now, i, n) {
        bool found = false;
        json_array_foreach (m, j, o)
            if (json_equal(json_object_get(o, "Name"), json_object_get(n, "Name"))) {
                json_object_set(o, "Type", json_object_get(n, "Type"));
                found = true;
            }
        if (!found)
            json_array_append(m, n);
    }
    return m;
}

/* Calls fn with each partition of table tbl (its key, its parsed document and its Location, which may be NULL),
 * read through tx 500 at a time; fn's document is freed after it returns. 0, or the store's failure (< 0). */
static int each_partition(store_tx_t *tx, const char *db, const char *tbl,
                          void (*fn)(const char *key, json_t *doc, const char *location, void *ctx), void *ctx)
{
    char *after = NULL;
    int rc = 0;
    for (;;) {
        store_cat_row_t *v;
        size_t n;
        if ((rc = store_cat_part_scan(tx, db, tbl, NULL, NULL, after, 500, &v, &n)) < 0)
            break;
        for (size_t i = 0; i < n; i++) {
            json_t *pd = json_loads(v[i].doc, 0, NULL);
            fn(v[i].key, pd, json_string_value(json_object_get(json_object_get(pd, "StorageDescriptor"), "Location")),
               ctx);
            json_decref(pd);
        }
        free(after);
        after = n ? strdup(v[n - 1].key) : NULL;
        store_cat_rows_free(v, n);
        if (n < 500)
            break;
    }
    free(after);
    return rc < 0 ? rc : 0;
}

typedef struct gone_scan {
    json_t *found, *gone; /* the keys this crawl found; key -> document of those under the table's folder not */
    const char *tl;       /* the table's location, without its trailing slashes (tn bytes) */
    size_t tn;
} gone_scan_t;

static void note_gone(const char *key, json_t *doc, const char *location, void *ctx)
{
    gone_scan_t *g = ctx;
    if (doc && !json_object_get(g->found, key) && location && strncmp(location, g->tl, g->tn) == 0 &&
        location[g->tn] == '/')
        json_object_set(g->gone, key, doc);
}

/* The table's partitions under its location whose folders this crawl did not find (found: the keys it did): as
 * for tables (apply_deletes), DeleteBehavior LOG keeps them, DELETE_FROM_DATABASE deletes them and
 * DEPRECATE_IN_DATABASE sets their parameter DEPRECATED_BY_CRAWLER. Partitions elsewhere are not the crawl's. */
static int gone_partitions(commit_t *m, store_tx_t *tx, json_t *table, json_t *found)
{
    crawl_t *c = m->c;
    const char *tl = json_string_value(json_object_get(json_object_get(table, "StorageDescriptor"), "Location"));
    size_t tn = tl ? strlen(tl) : 0;
    while (tn && tl[tn - 1] == '/')
        tn--;
    if (!tn || !json_array_size(json_object_get(table, "PartitionKeys")))
        return 0;
    bool del = strcmp(c->delete_behavior, "DELETE_FROM_DATABASE") == 0,
         dep = strcmp(c->delete_behavior, "DEPRECATE_IN_DATABASE") == 0;
    gone_scan_t g = {found, json_object(), tl, tn}; /* changed after the scan, not during it */
    json_t *gone = g.gone;
    int rc = each_partition(tx, c->db, m->name, note_gone, &g);
    const char *key;
    json_t *pd;
    json_object_foreach (gone, key, pd) {
        if (rc < 0)
            break;
        m->gone++;
        if (del) {
            rc = store_cat_part_delete(tx, c->db, m->name, key);
        } else if (dep) {
            json_t *p = json_object_get(pd, "Parameters");
            if (!json_is_object(p))
                json_object_set_new(pd, "Parameters", p = json_object());
            if (json_object_get(p, "DEPRECATED_BY_CRAWLER"))
                continue; /* already */
            json_object_set_new(p, "DEPRECATED_BY_CRAWLER", json_string(c->cx->crawl_id));
            char *doc = json_dumps(pd, JSON_COMPACT);
            rc = doc ? store_cat_part_put(tx, c->db, m->name, key, key, doc) : STORE_ERROR;
            free(doc);
        } else {
            continue;
        }
        m->removed += rc == STORE_OK;
    }
    json_decref(gone);
    return rc < 0 ? rc : 0;
}

static int commit_tx(store_tx_t *tx, void *ctx)
{
    commit_t *m = ctx;
    crawl_t *c = m->c;
    const group_table_t *t = m->t;
    m->created = m->updated = m->logged = false;
    m->added = m->gone = m->removed = 0;
    int64_t now = util_now_ms(), version = 0;
    char *text = NULL;
    json_t *table = NULL, *found = NULL;
    int rc = store_cat_table_get(tx, c->db, m->name, &text, &version);
    if (rc < 0)
        return rc;
    if (rc == STORE_NOTFOUND) {
        table = json_deep_copy(m->doc);
        char *doc = json_dumps(table, JSON_COMPACT), *search = catdoc_search_text(table);
        rc = store_cat_table_insert(tx, c->db, m->name, doc, search, now);
        free(doc);
        free(search);
        if (rc != STORE_OK)
            goto out;
        m->created = true;
    } else {
        table = json_loads(text, 0, NULL);
        if (!table) {
            rc = STORE_ERROR;
            goto out;
        }
        json_t *sd = json_object_get(table, "StorageDescriptor");
        json_t *old_cols = json_object_get(sd, "Columns");
        json_t *new_cols = json_object_get(json_object_get(m->doc, "StorageDescriptor"), "Columns");
        json_t *cols = merged_columns(old_cols, new_cols);
        bool changed = columns_differ(old_cols, cols);
        if (changed && strcmp(c->update_behavior, "LOG") == 0) {
            m->logged = true;
        } else {
            /* the crawl's statistics always; a column change is a new version */
            json_t *upd = json_deep_copy(m->doc);
            json_object_set(upd, "CreateTime", json_object_get(table, "CreateTime"));
            json_object_set(json_object_get(upd, "StorageDescriptor"), "Columns", cols);
            if (json_array_size(json_object_get(table, "PartitionKeys")))
                json_object_set(upd, "PartitionKeys", json_object_get(table, "PartitionKeys"));
            if (!changed)
                json_object_set(upd, "UpdateTime", json_object_get(table, "UpdateTime"));
            char *doc = json_dumps(upd, JSON_COMPACT), *search = catdoc_search_text(upd);
            rc = store_cat_table_put(tx, c->db, m->name, doc, search, changed ? version + 1 : version, true);
            free(doc);
            free(search);
            json_decref(table);
            table = upd;
            m->updated = changed;
        }
        json_decref(cols);
        if (rc < 0)
            goto out;
    }
    /* partitions: new ones are added; known ones follow the table's UpdateBehavior */
    found = json_object();
    for (size_t i = 0; i < t->nparts; i++) {
        const group_part_t *p = &t->parts[i];
        char *loc = location_of(m->base, p->rel, true);
        json_t *pd = part_json(c, table, t, p, loc, now);
        free(loc);
        char *key = catdoc_part_key(table, json_object_get(pd, "Values")), *old = NULL;
        if (!key) {
            json_decref(pd);
            continue; /* the table's keys do not fit this folder's depth: left out */
        }
        json_object_set_new(found, key, json_true());
        rc = store_cat_part_get(tx, c->db, m->name, key, &old);
        char *doc = json_dumps(pd, JSON_COMPACT);
        if (rc == STORE_NOTFOUND) {
            rc = store_cat_part_insert(tx, c->db, m->name, key, doc, now);
            m->added += rc == STORE_OK;
        } else if (rc == STORE_OK && strcmp(c->update_behavior, "LOG") != 0) {
            json_t *od = json_loads(old, 0, NULL);
            if (od)
                json_object_set(pd, "CreationTime", json_object_get(od, "CreationTime"));
            json_decref(od);
            free(doc);
            doc = json_dumps(pd, JSON_COMPACT);
            rc = store_cat_part_put(tx, c->db, m->name, key, key, doc);
        }
        free(doc);
        free(old);
        free(key);
        json_decref(pd);
        if (rc < 0)
            goto out;
    }
    rc = m->created || c->new_only ? 0 : gone_partitions(m, tx, table, found);
out:
    json_decref(found);
    free(text);
    json_decref(table);
    return rc;
}

static void commit_table(crawl_t *c, const group_table_t *t, const char *base, const char *name, const char *loc)
{
    commit_t m = {.c = c, .t = t, .base = base, .name = name};
    m.doc = table_json(c, name, t, loc, util_now_ms());
    int rc = store_tx_run(c->cx->store, 0, commit_tx, &m);
    json_decref(m.doc);
    if (rc != 0) {
        crawl_log(c, "ERROR", "Could not write table %s: %s", name, store_status_name(rc));
        return;
    }
    json_object_set_new(c->produced, name, json_true());
    c->res->partitions_added += m.added;
    if (m.created) {
        c->res->tables_created++;
        crawl_log(c, "INFO", "Created table %s in database %s (%s, %zu columns, %zu partitions) at %s", name, c->db,
                  t->schema->classification, t->schema->ncols, t->nparts, loc);
    } else if (m.updated) {
        c->res->tables_updated++;
        crawl_log(c, "INFO", "Updated table %s in database %s: its columns changed (a new table version)", name, c->db);
    } else if (m.logged) {
        crawl_log(c, "INFO", "Table %s in database %s: the schema changed, not applied (UpdateBehavior LOG)", name,
                  c->db);
    }
    if (m.added)
        crawl_log(c, "INFO", "Added %lld partitions to table %s", (long long)m.added, name);
    if (m.gone && strcmp(c->delete_behavior, "LOG") == 0)
        crawl_log(c, "INFO", "Table %s: %lld partitions' folders are gone; kept (DeleteBehavior LOG)", name,
                  (long long)m.gone);
    else if (m.gone)
        crawl_log(c, "INFO", "Table %s: %lld partitions' folders are gone; %lld %s", name, (long long)m.gone,
                  (long long)m.removed,
                  strcmp(c->delete_behavior, "DELETE_FROM_DATABASE") == 0 ? "deleted" : "marked deprecated");
}

/* ---- deletions ---- */

typedef struct del {
    crawl_t *c;
    const char *name;
    bool deprecate;
} del_t;

static int delete_tx(store_tx_t *tx, void *ctx)
{
    del_t *d = ctx;
    if (!d->deprecate)
        return store_cat_table_delete(tx, d->c->db, d->name);
    char *text = NULL;
    int64_t version = 0;
    int rc = store_cat_table_get(tx, d->c->db, d->name, &text, &version);
    if (rc != STORE_OK)
        return rc;
    json_t *t = json_loads(text, 0, NULL);
    free(text);
    if (!t)
        return STORE_ERROR;
    json_t *p = json_object_get(t, "Parameters");
    if (!json_is_object(p))
        json_object_set_new(t, "Parameters", p = json_object());
    if (json_object_get(p, "DEPRECATED_BY_CRAWLER")) {
        json_decref(t);
        return 1; /* already */
    }
    json_object_set_new(p, "DEPRECATED_BY_CRAWLER", json_string(d->c->cx->crawl_id));
    char *doc = json_dumps(t, JSON_COMPACT), *search = catdoc_search_text(t);
    rc = store_cat_table_put(tx, d->c->db, d->name, doc, search, version, true);
    free(doc);
    free(search);
    json_decref(t);
    return rc;
}

/* Tables this crawler wrote under the crawled targets that this crawl did not find: DeleteBehavior. */
static void apply_deletes(crawl_t *c, json_t *bases)
{
    const char *name;
    json_t *doc;
    json_object_foreach (c->existing, name, doc) {
        if (json_object_get(c->produced, name))
            continue;
        const char *by = json_string_value(json_object_get(json_object_get(doc, "Parameters"), "UPDATED_BY_CRAWLER"));
        const char *loc = json_string_value(json_object_get(json_object_get(doc, "StorageDescriptor"), "Location"));
        if (!by || strcmp(by, c->name) != 0 || !loc)
            continue;
        bool under = false;
        size_t i;
        json_t *b;
        json_array_foreach (bases, i, b) {
            size_t bl = strlen(json_string_value(b));
            under = under || (strncmp(loc, json_string_value(b), bl) == 0 && (loc[bl] == '/' || !loc[bl]));
        }
        if (!under)
            continue;
        if (strcmp(c->delete_behavior, "LOG") == 0) {
            crawl_log(c, "INFO", "Table %s: its files are gone; kept (DeleteBehavior LOG)", name);
            continue;
        }
        del_t d = {c, name, strcmp(c->delete_behavior, "DELETE_FROM_DATABASE") != 0};
        int rc = store_tx_run(c->cx->store, 0, delete_tx, &d);
        if (rc == STORE_OK) {
            c->res->tables_deleted++;
            crawl_log(c, "INFO", "Table %s: its files are gone; %s", name,
                      d.deprecate ? "marked deprecated" : "deleted");
        } else if (rc < 0) {
            crawl_log(c, "ERROR", "Table %s: could not apply DeleteBehavior: %s", name, store_status_name(rc));
        }
    }
}

/* ---- the crawl ---- */

static int db_tx(store_tx_t *tx, void *ctx)
{
    crawl_t *c = ctx;
    int64_t now = util_now_ms();
    json_t *doc = json_pack("{sssos[{s{ss}s[s]}]ss}", "Name", c->db, "CreateTime", codec_timestamp(now),
                            "CreateTableDefaultPermissions", "Principal", "DataLakePrincipalIdentifier",
                            "IAM_ALLOWED_PRINCIPALS", "Permissions", "ALL", "CatalogId", c->cx->account);
    char *text = json_dumps(doc, JSON_COMPACT);
    int rc = store_cat_db_insert(tx, c->db, text, NULL, now);
    free(text);
    json_decref(doc);
    if (rc == STORE_OK)
        crawl_log(c, "INFO", "Created database %s", c->db);
    return rc == STORE_EXISTS ? 0 : rc;
}

static int load_existing(crawl_t *c)
{
    char *after = NULL;
    for (;;) {
        store_cat_row_t *v;
        size_t n;
        int rc = store_cat_table_list(store_read(c->cx->store), c->db, after, 500, &v, &n);
        if (rc < 0) {
            free(after);
            return rc;
        }
        for (size_t i = 0; i < n; i++) {
            json_t *d = json_loads(v[i].doc, 0, NULL);
            if (d)
                json_object_set_new(c->existing, v[i].key, d);
        }
        free(after);
        after = n ? strdup(v[n - 1].key) : NULL;
        store_cat_rows_free(v, n);
        if (n < 500)
            break;
    }
    free(after);
    return 0;
}

/* A name the catalog holds for a location other than rel's under base. */
typedef struct taken_ctx {
    crawl_t *c;
    const char *base;
} taken_ctx_t;

static bool taken(void *ctx, const char *name, const char *rel)
{
    taken_ctx_t *t = ctx;
    json_t *doc = json_object_get(t->c->existing, name);
    if (json_object_get(t->c->produced, name))
        return true;
    if (!doc)
        return false;
    const char *loc = json_string_value(json_object_get(json_object_get(doc, "StorageDescriptor"), "Location"));
    char *mine = location_of(t->base, rel, true), *file = location_of(t->base, rel, false);
    bool same = loc && ((mine && strcmp(loc, mine) == 0) || (file && strcmp(loc, file) == 0));
    free(mine);
    free(file);
    return !same;
}

/* The name of the existing table at a location, or NULL. */
static const char *table_at(crawl_t *c, const char *loc)
{
    const char *name;
    json_t *doc;
    json_object_foreach (c->existing, name, doc) {
        const char *l = json_string_value(json_object_get(json_object_get(doc, "StorageDescriptor"), "Location"));
        if (l && strcmp(l, loc) == 0)
            return name;
    }
    return NULL;
}

typedef struct seen_scan {
    json_t *seen;
    const char *base;
    size_t bl;
} seen_scan_t;

static void note_seen(const char *key, json_t *doc, const char *location, void *ctx)
{
    seen_scan_t *sc = ctx;
    (void)key;
    (void)doc;
    if (!location || strncmp(location, sc->base, sc->bl) != 0 || location[sc->bl] != '/')
        return;
    char pr[4096];
    snprintf(pr, sizeof pr, "%s", location + sc->bl + 1);
    size_t pn = strlen(pr);
    while (pn && pr[pn - 1] == '/')
        pr[--pn] = '\0';
    json_object_set_new(sc->seen, pr, json_true());
}

/* Folders already in the catalog under base (relative to it): tables' and partitions' locations. */
static json_t *seen_folders(crawl_t *c, const char *base, json_t **anchors_out)
{
    json_t *seen = json_object(), *anchors = json_array();
    size_t bl = strlen(base);
    const char *name;
    json_t *doc;
    json_object_foreach (c->existing, name, doc) {
        const char *l = json_string_value(json_object_get(json_object_get(doc, "StorageDescriptor"), "Location"));
        if (!l || strncmp(l, base, bl) != 0 || (l[bl] && l[bl] != '/'))
            continue;
        char rel[4096];
        snprintf(rel, sizeof rel, "%s", l[bl] ? l + bl + 1 : "");
        size_t rl = strlen(rel);
        while (rl && rel[rl - 1] == '/')
            rel[--rl] = '\0';
        size_t nk = json_array_size(json_object_get(doc, "PartitionKeys"));
        json_array_append_new(anchors, json_pack("{sssssi}", "rel", rel, "name", name, "depth", (json_int_t)nk));
        if (nk == 0) {
            json_object_set_new(seen, rel, json_true());
            continue;
        }
        seen_scan_t sc = {seen, base, bl};
        each_partition(store_read(c->cx->store), c->db, name, note_seen, &sc); /* a failure: fewer folders known */
    }
    *anchors_out = anchors;
    return seen;
}

static void crawl_target(crawl_t *c, const char *url, json_t *excl, json_t *bases)
{
    char dir[4096], base[4096], why[1024];
    if (target_dir(c, url, dir, sizeof dir, base, sizeof base, why, sizeof why) < 0) {
        crawl_log(c, "ERROR", "%s", why);
        if (c->res->state == JR_SUCCEEDED) {
            c->res->state = JR_FAILED;
            snprintf(c->res->msg, sizeof c->res->msg, "%s", why);
        }
        return;
    }
    json_array_append_new(bases, json_string(base));
    struct stat sb;
    if (stat(dir, &sb) < 0 || !S_ISDIR(sb.st_mode)) {
        crawl_log(c, "INFO", "Target %s (%s) holds no folder: an empty target", url, dir);
        return;
    }
    files_t fs = {0};
    walk(c, dir, "", excl, &fs, 0);
    if (fs.full)
        crawl_log(c, "WARN", "Target %s holds more than %d files; the rest were not looked at", url, MAX_FILES);
    json_t *anchors = NULL, *seen = NULL;
    if (c->new_only)
        seen = seen_folders(c, base, &anchors);
    /* classify, folder by folder in name order; a file past SampleSize takes its folder's first schema */
    const ctype_schema_t *folder_schema = NULL;
    char folder[4096] = "\x01";
    size_t nread = 0;
    for (size_t i = 0; i < fs.n && !stopping(c); i++) {
        file_t *f = &fs.v[i];
        const char *slash = strrchr(f->rel, '/');
        char fd_rel[4096];
        snprintf(fd_rel, sizeof fd_rel, "%.*s", slash ? (int)(slash - f->rel) : 0, f->rel);
        if (strcmp(fd_rel, folder) != 0) {
            snprintf(folder, sizeof folder, "%s", fd_rel);
            folder_schema = NULL;
        }
        if (seen && json_object_get(seen, fd_rel)) {
            if (f->schema == (ctype_schema_t *)1)
                f->schema = NULL;
            continue; /* CRAWL_NEW_FOLDERS_ONLY: a folder the catalog knows */
        }
        if (f->schema == (ctype_schema_t *)1) {
            f->schema = folder_schema ? ctype_schema_copy(folder_schema) : NULL;
            if (f->schema && f->size && folder_schema->record_bytes && folder_schema->records) {
                double per = (double)folder_schema->record_bytes / (double)folder_schema->records;
                f->schema->records = (long long)((double)f->size / per);
                f->schema->record_bytes = f->size;
            }
            continue;
        }
        if (c->cx->file_delay_ms) {
            struct timespec ts = {c->cx->file_delay_ms / 1000, (c->cx->file_delay_ms % 1000) * 1000000};
            nanosleep(&ts, NULL);
        }
        char path[8192], err[512];
        snprintf(path, sizeof path, "%s/%s", dir, f->rel);
        int fd = open(path, O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            crawl_log(c, "WARN", "Skipping file %s/%s: cannot open it: %s", base, f->rel, strerror(errno));
            c->res->files_skipped++;
            continue;
        }
        classify_src_t src = {fd_read, &fd, (uint64_t)f->size};
        if (classify_file(&src, 0, &f->schema, err, sizeof err) < 0) {
            crawl_log(c, "WARN", "Skipping file %s/%s: %s", base, f->rel, err);
            c->res->files_skipped++;
            f->schema = NULL;
        } else {
            c->res->files_read++;
            nread++;
            if (!folder_schema)
                folder_schema = f->schema;
        }
        close(fd);
    }
    if (!c->stop) {
        group_file_t *gf = calloc(fs.n ? fs.n : 1, sizeof *gf);
        size_t na = json_array_size(anchors);
        group_anchor_t *an = calloc(na ? na : 1, sizeof *an);
        for (size_t i = 0; i < na; i++) {
            json_t *a = json_array_get(anchors, i);
            an[i] = (group_anchor_t){json_string_value(json_object_get(a, "rel")),
                                     json_string_value(json_object_get(a, "name")),
                                     (size_t)json_integer_value(json_object_get(a, "depth"))};
        }
        for (size_t i = 0; gf && i < fs.n; i++)
            gf[i] = (group_file_t){fs.v[i].rel, fs.v[i].size, fs.v[i].schema};
        const char *last = strrchr(base, '/');
        char root_name[512];
        snprintf(root_name, sizeof root_name, "%s", last && last[1] ? last + 1 : base);
        taken_ctx_t tc = {c, base};
        group_opts_t o = {.prefix = c->prefix,
                          .root_name = root_name,
                          .location = base,
                          .combine = c->combine,
                          .anchors = an,
                          .nanchors = na,
                          .taken = taken,
                          .ctx = &tc};
        group_result_t gr;
        char err[256];
        if (!gf || !an || group_build(gf, fs.n, &o, &gr, err, sizeof err) < 0) {
            crawl_log(c, "ERROR", "Grouping the files of %s failed: out of memory", url);
        } else {
            for (size_t i = 0; i < gr.ntables && !stopping(c); i++) {
                group_table_t *t = &gr.tables[i];
                char *loc = location_of(base, t->rel, !t->single_file);
                const char *name = t->anchor ? t->anchor->name : table_at(c, loc);
                if (c->dry)
                    crawl_log(c, "INFO", "Found table %s (%s, %zu partitions) at %s; not written", t->name,
                              t->schema->classification, t->nparts, loc);
                else
                    commit_table(c, t, base, name ? name : t->name, loc);
                free(loc);
            }
            group_result_cleanup(&gr);
        }
        free(gf);
        free(an);
    }
    crawl_log(c, "INFO", "Target %s: %zu files, %zu classified", url, fs.n, nread);
    for (size_t i = 0; i < fs.n; i++) {
        free(fs.v[i].rel);
        if (fs.v[i].schema != (ctype_schema_t *)1)
            ctype_schema_free(fs.v[i].schema);
    }
    free(fs.v);
    json_decref(anchors);
    json_decref(seen);
}

/* Targets of kinds glued does not crawl yet (README, "Not there yet"): each is named in the log. Whether any
 * S3 target is left; when none is, the crawl fails with a message naming what was skipped. */
static bool skip_unsupported(crawl_t *c, json_t *targets)
{
    static const char *const kinds[][2] = {{"JdbcTargets", "JDBC"},         {"MongoDBTargets", "MongoDB"},
                                           {"DynamoDBTargets", "DynamoDB"}, {"CatalogTargets", "Data Catalog"},
                                           {"DeltaTargets", "Delta Lake"},  {"IcebergTargets", "Iceberg"},
                                           {"HudiTargets", "Hudi"}};
    char skipped[512] = "";
    size_t len = 0;
    const char *key;
    json_t *list;
    json_object_foreach (targets, key, list) {
        if (strcmp(key, "S3Targets") == 0 || !json_array_size(list))
            continue;
        const char *what = key;
        for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++)
            if (strcmp(key, kinds[k][0]) == 0)
                what = kinds[k][1];
        size_t i;
        json_t *t;
        json_array_foreach (list, i, t) {
            char *text = json_dumps(t, JSON_COMPACT | JSON_SORT_KEYS);
            crawl_log(c, "WARN",
                      "Skipping %s[%zu] %.300s: glued crawls S3 targets only; %s targets are not supported yet", key, i,
                      text ? text : "", what);
            free(text);
        }
        if (len < sizeof skipped)
            len += (size_t)snprintf(skipped + len, sizeof skipped - len, "%s%zu %s", len ? ", " : "",
                                    json_array_size(list), key);
    }
    if (json_array_size(json_object_get(targets, "S3Targets")))
        return true;
    c->res->state = JR_FAILED;
    if (*skipped)
        snprintf(c->res->msg, sizeof c->res->msg,
                 "Crawler %s has no S3 target, the only kind glued crawls: it skipped %s, which glued does not "
                 "support yet",
                 c->name, skipped);
    else
        snprintf(c->res->msg, sizeof c->res->msg, "Crawler %s has no target to crawl", c->name);
    crawl_log(c, "ERROR", "%s", c->res->msg);
    return false;
}

static const char *conf_str(json_t *conf, const char *a, const char *b, const char *c)
{
    json_t *v = json_object_get(json_object_get(conf, a), b);
    if (c)
        v = json_object_get(v, c);
    return json_string_value(v);
}

void crawler_crawl(const crawler_ctx_t *cx, json_t *def, crawler_result_t *res)
{
    memset(res, 0, sizeof *res);
    res->state = JR_SUCCEEDED;
    crawl_t c = {.cx = cx, .def = def, .res = res};
    c.name = json_string_value(json_object_get(def, "Name"));
    char *db = catdoc_lower(json_string_value(json_object_get(def, "DatabaseName")));
    c.db = db;
    c.prefix = json_string_value(json_object_get(def, "TablePrefix"));
    json_t *scp = json_object_get(def, "SchemaChangePolicy");
    c.update_behavior = json_string_value(json_object_get(scp, "UpdateBehavior"));
    c.delete_behavior = json_string_value(json_object_get(scp, "DeleteBehavior"));
    if (!c.update_behavior)
        c.update_behavior = "UPDATE_IN_DATABASE";
    if (!c.delete_behavior)
        c.delete_behavior = "DEPRECATE_IN_DATABASE";
    const char *rb = json_string_value(json_object_get(json_object_get(def, "RecrawlPolicy"), "RecrawlBehavior"));
    c.new_only = rb && strcmp(rb, "CRAWL_NEW_FOLDERS_ONLY") == 0;
    json_t *conf = NULL;
    const char *conf_text = json_string_value(json_object_get(def, "Configuration"));
    if (conf_text)
        conf = json_loads(conf_text, 0, NULL);
    const char *tgp = conf_str(conf, "Grouping", "TableGroupingPolicy", NULL);
    c.combine = tgp && strcmp(tgp, "CombineCompatibleSchemas") == 0;
    const char *aub = conf_str(conf, "CrawlerOutput", "Partitions", "AddOrUpdateBehavior");
    c.inherit = aub && strcmp(aub, "InheritFromTable") == 0;
    c.existing = json_object();
    c.produced = json_object();
    json_t *bases = json_array();
    char path[4096];
    if (logpool_find_log(cx->data_dir, cx->crawl_id, "out", path, sizeof path) == 0) {
        logpool_prepare(path);
        c.log = fopen(path, "a");
    }
    crawl_log(&c, "BENCHMARK", "Running Start Crawl for Crawler %s", c.name);
    if (!skip_unsupported(&c, json_object_get(def, "Targets")))
        goto out; /* before the database is created: nothing to write into it */
    c.dry = !c.db || !*c.db;
    if (c.dry)
        crawl_log(&c, "WARN", "Crawler %s has no DatabaseName: its files are classified, and no table is written",
                  c.name);
    gerr_t ne = {0};
    if (!c.dry && catdoc_check_db_name(c.db, "DatabaseName", &ne) < 0) {
        /* a crawler stored before CreateCrawler checked it: no database the catalog API could not name again */
        res->state = JR_FAILED;
        snprintf(res->msg, sizeof res->msg, "%.900s: no database was created; correct DatabaseName with UpdateCrawler",
                 ne.msg);
        crawl_log(&c, "ERROR", "%s", res->msg);
        goto out;
    }
    int rc = c.dry ? 0 : store_tx_run(cx->store, 0, db_tx, &c);
    if (rc == 0 && !c.dry)
        rc = load_existing(&c);
    if (rc != 0) {
        res->state = JR_FAILED;
        snprintf(res->msg, sizeof res->msg, "Could not read database %s: %s", c.db, store_status_name(rc));
        crawl_log(&c, "ERROR", "%s", res->msg);
        goto out;
    }
    crawl_log(&c, "INFO", "Crawling into database %s (UpdateBehavior %s, DeleteBehavior %s%s%s%s)", c.db,
              c.update_behavior, c.delete_behavior, c.new_only ? ", new folders only" : "",
              c.combine ? ", CombineCompatibleSchemas" : "", c.inherit ? ", partitions inherit from the table" : "");
    size_t i;
    json_t *t;
    json_t *s3 = json_object_get(json_object_get(def, "Targets"), "S3Targets");
    json_int_t sample = 0;
    json_array_foreach (s3, i, t) {
        const char *url = json_string_value(json_object_get(t, "Path"));
        sample = json_integer_value(json_object_get(t, "SampleSize"));
        c.sample = sample > 0 ? sample : 0;
        if (url)
            crawl_target(&c, url, json_object_get(t, "Exclusions"), bases);
        if (stopping(&c))
            break;
    }
    if (c.stop) {
        res->state = JR_STOPPED;
        crawl_log(&c, "INFO", "Crawl stopped by StopCrawler; what was written stays");
    } else if (!c.new_only && !c.dry && res->state == JR_SUCCEEDED) {
        apply_deletes(&c, bases);
    }
out:
    crawl_log(&c, "BENCHMARK",
              "Crawler %s ended %s: %lld tables created, %lld updated, %lld deleted, %lld partitions "
              "added, %lld files read, %lld skipped",
              c.name ? c.name : "",
              res->state == JR_SUCCEEDED ? "SUCCEEDED"
              : res->state == JR_STOPPED ? "CANCELLED"
                                         : "FAILED",
              (long long)res->tables_created, (long long)res->tables_updated, (long long)res->tables_deleted,
              (long long)res->partitions_added, (long long)res->files_read, (long long)res->files_skipped);
    if (c.log)
        fclose(c.log);
    json_decref(conf);
    json_decref(c.existing);
    json_decref(c.produced);
    json_decref(bases);
    free(db);
}
