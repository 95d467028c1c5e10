/* Glue's built-in classifiers for one file: Parquet (schema from the footer), JSON (one object per line, or a
 * top-level array of objects; nested objects and arrays become struct<> and array<>), CSV and its kin
 * (delimiters , | tab ; and \u0001, quoted fields, header detection), each also gzip-compressed. Text files are
 * classified from a sample of their first bytes; record counts of longer files are estimated from it.
 *
 * A file no classifier accepts (empty, not valid UTF-8, ragged rows, a single column or row, a truncated
 * Parquet footer, corrupt gzip) is an error whose message says why: the crawler logs it and skips the file.
 * Reads through a caller-supplied reader, so it runs on plain files and in memory alike. Pure otherwise; safe
 * on any thread. */
#ifndef GLUED_CLASSIFY_H
#define GLUED_CLASSIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "catalog/ctype.h"

#define CLASSIFY_SAMPLE    (1u << 20) /* bytes of (uncompressed) text a classifier reads by default */
#define CLASSIFY_MAX_FIELD 150        /* a header field must be shorter than this */

typedef struct classify_src {
    /* Reads up to len bytes at off into buf: the count read (0 at the end), or -1 on an I/O error. */
    long (*read_at)(void *ctx, uint64_t off, void *buf, size_t len);
    void *ctx;
    uint64_t size; /* the file's size in bytes */
} classify_src_t;

/* Classifies a file. sample is the most text to read (0: CLASSIFY_SAMPLE). On success *out is a new schema.
 * Returns 0, or -1 with the reason in err. */
int classify_file(const classify_src_t *src, size_t sample, ctype_schema_t **out, char *err, size_t errlen);

/* Classifies text already in memory (JSON, then CSV). cut: buf is a prefix of a longer text, so its last
 * unfinished record is ignored. */
int classify_text(const char *buf, size_t len, bool cut, ctype_schema_t **out, char *err, size_t errlen);

/* A reader over bytes in memory, for classify_file: ctx is a classify_mem_t. */
typedef struct classify_mem {
    const uint8_t *p;
    size_t n;
} classify_mem_t;
long classify_mem_read(void *ctx, uint64_t off, void *buf, size_t len);

#endif
