/* A crawl: what a crawler does with its targets. Today it checks that every S3 target exists under the
 * s3 root (s3://bucket/prefix -> <s3-root>/bucket/prefix) and fails naming the first missing path; writing
 * tables to a catalog grows here. Pure function of its arguments: runs on libuv's worker threads. */
#ifndef GLUED_CRAWLER_H
#define GLUED_CRAWLER_H

#include <jansson.h>
#include <stddef.h>

/* Returns JR_SUCCEEDED or JR_FAILED (store.h) with a message in err on failure. */
int crawler_crawl(const char *s3_root, json_t *crawler, char *err, size_t errlen);
/* Maps s3://bucket/key to <s3_root>/bucket/key into out; -1 if url is not an s3:// URL. */
int crawler_s3_path(const char *s3_root, const char *url, char *out, size_t outlen);

#endif
