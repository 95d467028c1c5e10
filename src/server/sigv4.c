/* SigV4 header parsing (see sigv4.h). */
#include "server/sigv4.h"

#include <string.h>

int sigv4_scope_region(const char *auth, char *out, size_t outlen)
{
    if (!auth)
        return -1;
    const char *p = strstr(auth, "Credential=");
    if (!p)
        return -1;
    p += strlen("Credential=");
    /* skip key id and date: AKID/DATE/REGION/... */
    for (int i = 0; i < 2; i++) {
        p = strchr(p, '/');
        if (!p)
            return -1;
        p++;
    }
    const char *end = strchr(p, '/');
    if (!end || end == p || (size_t)(end - p) >= outlen)
        return -1;
    for (const char *q = p; q < end; q++)
        if (!((*q >= 'a' && *q <= 'z') || (*q >= '0' && *q <= '9') || *q == '-'))
            return -1;
    memcpy(out, p, (size_t)(end - p));
    out[end - p] = '\0';
    return 0;
}
