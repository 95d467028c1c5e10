/* The s3 root (--s3-root): a folder whose first level is the buckets, where s3:// URLs of crawler targets, job
 * scripts and extra Python files are read. */
#ifndef GLUED_S3ROOT_H
#define GLUED_S3ROOT_H

#include <stddef.h>

/* Where an s3:// URL becomes a local path, for crawler targets and job scripts alike: never outside the s3
 * root, whatever the URL holds ("..", ".", an absolute key, percent-encoded dots, which stay literal) and
 * whatever symbolic links the root holds. Resolves s3://bucket/key to the real path of <s3_root>/bucket/key
 * (symbolic links followed) into out. S3ROOT_OK; S3ROOT_INVALID when url is not an s3://bucket/key URL
 * or names "." or ".." or an empty segment; S3ROOT_MISSING when nothing is there; S3ROOT_OUTSIDE when
 * the real path leaves the root (a symbolic link pointing out). why gets a sentence for every failure. */
enum { S3ROOT_OK = 0, S3ROOT_INVALID = -1, S3ROOT_MISSING = -2, S3ROOT_OUTSIDE = -3 };
int s3root_resolve(const char *s3_root, const char *url, char *out, size_t outlen, char *why, size_t whylen);

#endif
