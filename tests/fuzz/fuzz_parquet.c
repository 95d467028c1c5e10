/* libFuzzer target for the Parquet footer reader: arbitrary bytes as FileMetaData, and as a file tail for
 * parquet_footer_len. Whatever parses must give a schema whose every column type prints; a failure must leave a
 * message. Crashes, leaks, sanitizer reports and hangs are the findings. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "catalog/parquet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[256] = "";
    uint32_t len;
    if (size >= 8 && parquet_footer_len(size, data + size - 8, &len, err, sizeof err) == 0) {
        if ((uint64_t)len + 8 > size)
            abort();
    }
    ctype_schema_t *s = NULL;
    err[0] = '\0';
    if (parquet_parse(data, size, &s, err, sizeof err) != 0) {
        if (err[0] == '\0' || s)
            abort();
        return 0;
    }
    if (!s || s->records < 0)
        abort();
    for (size_t i = 0; i < s->ncols; i++) {
        char *t = ctype_text(s->types[i]);
        free(t);
    }
    ctype_schema_free(s);
    return 0;
}
