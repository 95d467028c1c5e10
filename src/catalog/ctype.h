/* Catalog column types and file schemas, as a crawler infers them: a small type tree (scalars, struct, array,
 * and opaque types such as map<..> or decimal(p,s) that are only ever compared whole), Glue's widening rules
 * (bigint+double -> double, anything+string -> string, structs merge field by field), the Hive type string
 * ("struct<a:int,b:array<string>>"), and a file schema: its classification, format details and columns.
 * Pure data, no I/O; safe on any thread. */
#ifndef GLUED_CTYPE_H
#define GLUED_CTYPE_H

#include <stdbool.h>
#include <stddef.h>

/* Order matters: TINYINT..DOUBLE is the numeric ladder that widening climbs. */
typedef enum {
    CT_NULL, /* only nulls seen so far: widens to anything, prints as string */
    CT_BOOLEAN,
    CT_TINYINT,
    CT_SMALLINT,
    CT_INT,
    CT_BIGINT,
    CT_FLOAT,
    CT_DOUBLE,
    CT_STRING,
    CT_TIMESTAMP,
    CT_DATE,
    CT_BINARY,
    CT_OTHER, /* opaque: decimal(p,s), map<k,v>, ...; text in ->other */
    CT_STRUCT,
    CT_ARRAY,
} ctype_kind_t;

typedef struct ctype {
    ctype_kind_t kind;
    char *other;           /* CT_OTHER: the Hive type text */
    size_t nfields;        /* CT_STRUCT */
    char **fnames;         /* CT_STRUCT: field names, in first-seen order */
    struct ctype **ftypes; /* CT_STRUCT */
    struct ctype *elem;    /* CT_ARRAY */
} ctype_t;

/* Bounds on what a hostile file can make us build. */
#define CTYPE_MAX_FIELDS 4096   /* fields of one struct, columns of one schema */
#define CTYPE_MAX_DEPTH  32     /* struct/array nesting */
#define CTYPE_MAX_TEXT   131072 /* Hive type text (Glue's Column.Type limit) */
#define CTYPE_MAX_NAME   255    /* column and field names (Glue's NameString) */

/* New leaf type (never NULL-returning except on out-of-memory). */
ctype_t *ctype_new(ctype_kind_t kind);
ctype_t *ctype_new_other(const char *text);
ctype_t *ctype_new_array(ctype_t *elem); /* takes elem */
/* Adds (or widens into an existing) field of a struct; takes t. Returns 0, or -1 past CTYPE_MAX_FIELDS. */
int ctype_struct_add(ctype_t *st, const char *name, ctype_t *t);
ctype_t *ctype_copy(const ctype_t *t);
void ctype_free(ctype_t *t);
bool ctype_equal(const ctype_t *a, const ctype_t *b);
/* Glue's widening: a new type that holds both a and b (a and b are not changed). */
ctype_t *ctype_widen(const ctype_t *a, const ctype_t *b);
/* The Hive type text into a new string, or NULL if it would pass CTYPE_MAX_TEXT. CT_NULL prints "string". */
char *ctype_text(const ctype_t *t);
/* The type of one CSV field's text: CT_NULL (empty), CT_BIGINT, CT_DOUBLE, CT_BOOLEAN, CT_TIMESTAMP or
 * CT_STRING. */
ctype_kind_t ctype_of_text(const char *s, size_t n);

/* Whether s[0..n) is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF). When cut is
 * set, a sequence cut short by the end of the buffer is accepted (a sample read from a longer file). On
 * false, *bad (if given) is the offset of the first bad byte. */
bool ctype_utf8_valid(const char *s, size_t n, bool cut, size_t *bad);

/* What a classifier found in one file. */
typedef struct ctype_schema {
    char classification[16]; /* "csv", "json", "parquet" */
    char compression[8];     /* "" or "gzip" */
    char delim, quote;       /* csv: the delimiter; the quote character or 0 when no field is quoted */
    bool header;             /* csv: row 1 names the columns */
    size_t ncols;
    char **names;
    ctype_t **types;
    long long records;      /* rows (estimated when only a prefix was read) */
    long long record_bytes; /* bytes those rows took, for averageRecordSize */
} ctype_schema_t;

ctype_schema_t *ctype_schema_new(const char *classification);
void ctype_schema_free(ctype_schema_t *s);
ctype_schema_t *ctype_schema_copy(const ctype_schema_t *s);
/* Adds a column, or widens the column of that name. Takes t. -1 past CTYPE_MAX_FIELDS. */
int ctype_schema_add(ctype_schema_t *s, const char *name, ctype_t *t);
/* Same classification and format details (delimiter, quote, header): files that could share a table. */
bool ctype_schema_same_format(const ctype_schema_t *a, const ctype_schema_t *b);
/* Same format and the same columns in the same order with equal types. */
bool ctype_schema_equal(const ctype_schema_t *a, const ctype_schema_t *b);
/* Widens a's columns with b's (b's new columns are appended). -1 past CTYPE_MAX_FIELDS. */
int ctype_schema_merge(ctype_schema_t *a, const ctype_schema_t *b);
/* The share of u's column names that s has, in [0, 1] (1 when u has none). */
double ctype_schema_similarity(const ctype_schema_t *s, const ctype_schema_t *u);
/* Index of the column named name, or -1. */
long ctype_schema_find(const ctype_schema_t *s, const char *name);

#endif
