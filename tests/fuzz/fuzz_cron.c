/* libFuzzer target for the cron parser and cron_next: arbitrary bytes as an expression; whatever parses must
 * give fire times strictly after the instant asked about (or none), whole minutes, within the year range,
 * and a parse failure must leave a message. Crashes, leaks, sanitizer reports and hangs are the findings. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/cron.h"

static const int64_t INSTANTS[] = {
    INT64_MIN, -1, 0, 59, 60, 951782400 /* 2000-02-29 */, 1704067199, 4107542399 /* 2100-02-28T23:59:59 */,
    7258118340 /* 2199-12-31T23:59 */, INT64_MAX,
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* A few leading bytes pick an extra instant, so the fuzzer can steer cron_next too. */
    int64_t extra = 0;
    if (size >= 8) {
        memcpy(&extra, data, 8);
        data += 8;
        size -= 8;
    }
    char *s = malloc(size + 1);
    if (!s)
        return 0;
    memcpy(s, data, size);
    s[size] = '\0';

    cron_t c;
    char err[CRON_ERR_LEN];
    if (cron_parse(&c, s, err, sizeof err) != 0) {
        if (err[0] == '\0')
            abort();
        free(s);
        return 0;
    }
    char why[CRON_ERR_LEN];
    (void)cron_too_frequent(&c, why, sizeof why);
    for (size_t i = 0; i <= sizeof INSTANTS / sizeof INSTANTS[0]; i++) {
        int64_t at = i < sizeof INSTANTS / sizeof INSTANTS[0] ? INSTANTS[i] : extra;
        int64_t r = cron_next(&c, at);
        if (r == -1)
            continue;
        if (r <= at || r < 0 || r % 60 != 0 || r >= INT64_C(7258118400))
            abort();
        /* The answer is stable when asked from just before it. */
        if (cron_next(&c, r - 1) != r)
            abort();
    }
    free(s);
    return 0;
}
