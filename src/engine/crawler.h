/* A crawl: what a crawler does with its targets. It walks each S3 target's folder (s3://bucket/prefix under
 * the s3 root, or, as glued's extension, a file:// URL or an absolute path), honouring Exclusions and
 * SampleSize, classifies each file (catalog/classify.h), groups them into tables and partitions
 * (catalog/group.h) and writes those to the Data Catalog under the crawler's DatabaseName, creating it if
 * needed (never under a name CreateDatabase would refuse: such a crawl fails). SchemaChangePolicy, RecrawlPolicy
 * CRAWL_NEW_FOLDERS_ONLY and the Configuration options Grouping.TableGroupingPolicy = CombineCompatibleSchemas
 * and CrawlerOutput.Partitions.AddOrUpdateBehavior = InheritFromTable are honoured.
 *
 * Runs on a libuv worker thread, never on the engine loop: files are read outside any transaction, and each
 * table's change commits in its own short transaction, so a stop or a crash keeps what was committed and a
 * crawl run again converges. Between files it checks whether StopCrawler asked it to stop. What it finds and
 * changes goes to the crawl's log, <data>/logs/<crawl id>.out. */
#ifndef GLUED_CRAWLER_H
#define GLUED_CRAWLER_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "store/store.h"

typedef struct crawler_ctx {
    store_t *store;
    const char *s3_root;  /* s3://bucket/key -> <s3_root>/bucket/key */
    const char *data_dir; /* the crawl log goes to <data>/logs/<crawl id>.out */
    const char *crawl_id;
    const char *account;   /* CatalogId of what it writes */
    int64_t file_delay_ms; /* a pause before each file (tests of stop and restart; 0 otherwise) */
} crawler_ctx_t;

typedef struct crawler_result {
    int state; /* JR_SUCCEEDED, JR_FAILED or JR_STOPPED */
    char msg[1024];
    int64_t tables_created, tables_updated, tables_deleted, partitions_added, files_read, files_skipped;
} crawler_result_t;

/* Crawls as the crawler definition def (its Crawler document) says. */
void crawler_crawl(const crawler_ctx_t *cx, json_t *def, crawler_result_t *res);
/* Where an s3:// URL becomes a local path, for crawler targets and job scripts alike: never outside the s3
 * root, whatever the URL holds ("..", ".", an absolute key, percent-encoded dots, which stay literal) and
 * whatever symbolic links the root holds. Resolves s3://bucket/key to the real path of <s3_root>/bucket/key
 * (symbolic links followed) into out. CRAWLER_S3_OK; CRAWLER_S3_INVALID when url is not an s3://bucket/key URL
 * or names "." or ".." or an empty segment; CRAWLER_S3_MISSING when nothing is there; CRAWLER_S3_OUTSIDE when
 * the real path leaves the root (a symbolic link pointing out). why gets a sentence for every failure. */
enum { CRAWLER_S3_OK = 0, CRAWLER_S3_INVALID = -1, CRAWLER_S3_MISSING = -2, CRAWLER_S3_OUTSIDE = -3 };
int crawler_s3_resolve(const char *s3_root, const char *url, char *out, size_t outlen, char *why, size_t whylen);

#endif
