/* A Parquet footer reader: the file's schema, as Glue column types, and its row count, read from the Thrift
 * compact-protocol FileMetaData at the end of the file. Only the footer is read; no column data. Input is
 * untrusted: every length, count and nesting level is checked against the bytes that are there, so a
 * truncated or hostile footer is an error with a message, never a crash. Pure; safe on any thread. */
#ifndef GLUED_PARQUET_H
#define GLUED_PARQUET_H

#include <stddef.h>
#include <stdint.h>

#include "catalog/ctype.h"

#define PARQUET_MAX_FOOTER   (64u << 20) /* larger footers are refused */
#define PARQUET_MAX_ELEMENTS 65536       /* schema elements */

/* From a file's size and its last 8 bytes (footer length, "PAR1"), the footer's length. 0, or -1 with err. */
int parquet_footer_len(uint64_t file_size, const uint8_t tail[8], uint32_t *len, char *err, size_t errlen);

/* Parses the FileMetaData bytes (the footer without its 8-byte trailer). On success *out is a new schema
 * classified "parquet" whose records is the file's row count. Returns 0, or -1 with a message in err. */
int parquet_parse(const uint8_t *buf, size_t len, ctype_schema_t **out, char *err, size_t errlen);

#endif
