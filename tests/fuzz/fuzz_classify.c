/* libFuzzer target for the classifiers: arbitrary bytes as a file (plain, gzip or Parquet) read through the
 * in-memory reader, with the first byte choosing the sample size so cut samples are exercised. Whatever is
 * classified must have columns whose types print and a non-negative record count; a refusal must say why. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/classify.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    size_t sample = 16 + (size_t)data[0] * 64;
    classify_mem_t m = {data + 1, size - 1};
    classify_src_t src = {classify_mem_read, &m, size - 1};
    ctype_schema_t *s = NULL;
    char err[256] = "";
    if (classify_file(&src, sample, &s, err, sizeof err) != 0) {
        if (err[0] == '\0' || s)
            abort();
        return 0;
    }
    if (!s || s->records < 0 || s->ncols == 0)
        abort();
    for (size_t i = 0; i < s->ncols; i++) {
        char *t = ctype_text(s->types[i]);
        if (!t || !s->names[i][0])
            abort();
        free(t);
    }
    ctype_schema_free(s);
    return 0;
}
