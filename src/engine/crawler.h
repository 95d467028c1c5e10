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

#endif
