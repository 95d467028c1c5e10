/* s3:// URLs as paths under the s3 root (see s3root.h). */
#include "engine/s3root.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Whether rest (a bucket and key) stays where it points: no control characters or backslashes, no "." or ".."
 * segment, no empty segment but a trailing slash. */
static bool clean_relative(const char *rest)
{
    if (!*rest)
        return false;
    for (const unsigned char *p = (const unsigned char *)rest; *p; p++)
        if (*p < 0x20 || *p == 0x7f || *p == '\\')
            return false;
    const char *seg = rest;
    for (;;) {
        const char *slash = strchr(seg, '/');
        size_t n = slash ? (size_t)(slash - seg) : strlen(seg);
        bool last = !slash || slash[1] == '\0';
        if (n == 0 && !(last && seg != rest))
            return false; /* an empty segment: "//", or an absolute key */
        if ((n == 1 && seg[0] == '.') || (n == 2 && seg[0] == '.' && seg[1] == '.'))
            return false;
        if (last)
            return true;
        seg = slash + 1;
    }
}

int s3root_resolve(const char *s3_root, const char *url, char *out, size_t outlen, char *why, size_t whylen)
{
    char joined[PATH_MAX], root[PATH_MAX];
    if (strncmp(url, "s3://", 5) != 0 || !clean_relative(url + 5)) {
        snprintf(why, whylen,
                 "'%.300s' is not an s3://bucket/key URL that stays in its bucket (no '.', '..' or empty "
                 "segments, no control characters)",
                 url);
        return S3ROOT_INVALID;
    }
    int n = snprintf(joined, sizeof joined, "%s/%s", s3_root, url + 5);
    if (n < 0 || (size_t)n >= sizeof joined) {
        snprintf(why, whylen, "'%.300s' is too long", url);
        return S3ROOT_INVALID;
    }
    char real[PATH_MAX];
    if (!realpath(joined, real) || !realpath(s3_root, root)) { /* the root is a prefix of joined: both or none */
        snprintf(why, whylen, "%.300s does not exist (looked for %.600s)", url, joined);
        return S3ROOT_MISSING;
    }
    size_t rl = strlen(root);
    bool inside = rl == 1 ? real[1] != '\0' : strncmp(real, root, rl) == 0 && real[rl] == '/';
    if (!inside) {
        snprintf(why, whylen, "%.300s leads outside the s3 root %.600s through a symbolic link", url, root);
        return S3ROOT_OUTSIDE;
    }
    if (strlen(real) >= outlen) {
        snprintf(why, whylen, "'%.300s' is too long", url);
        return S3ROOT_INVALID;
    }
    memcpy(out, real, strlen(real) + 1);
    return S3ROOT_OK;
}
