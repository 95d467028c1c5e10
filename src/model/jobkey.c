/* Per-job-run credentials (see jobkey.h). */
#include "model/jobkey.h"

#include <string.h>

#include "util/hmac.h"
#include "util/util.h"

static bool hex64_after(const char *s, const char *prefix)
{
    if (!s || strncmp(s, prefix, 3) != 0)
        return false;
    size_t i = 3;
    for (; s[i]; i++)
        if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')) || i >= 67)
            return false;
    return i == 67;
}

bool jobkey_is_run_id(const char *s)
{
    return hex64_after(s, "jr_");
}

bool jobkey_is_action_id(const char *s)
{
    return hex64_after(s, "jr_") || hex64_after(s, "cr_");
}

void jobkey_secret(const uint8_t store_secret[32], const char *run_id, char out[JOBKEY_SECRET_LEN])
{
    /* a key of its own for job credentials, so this HMAC never coincides with a page token's or a node id's */
    static const char label[] = "glued job-run credentials v1";
    uint8_t key[32], md[32];
    hmac256(store_secret, &(hmac_part_t){label, sizeof label - 1}, 1, key);
    hmac256(key, &(hmac_part_t){run_id, strlen(run_id)}, 1, md);
    util_hex(out, md, 32);
}
