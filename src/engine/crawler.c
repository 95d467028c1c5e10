/* Crawls (see crawler.h). */
#include "engine/crawler.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "store/store.h"

int crawler_s3_path(const char *s3_root, const char *url, char *out, size_t outlen)
{
    if (strncmp(url, "s3://", 5) != 0 || url[5] == '\0' || url[5] == '/')
        return -1;
    const char *rest = url + 5;
    if (strstr(rest, "/../") || strncmp(rest, "../", 3) == 0 || strcmp(rest, "..") == 0)
        return -1; /* stay under the root */
    int n = snprintf(out, outlen, "%s/%s", s3_root, rest);
    return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

int crawler_crawl(const char *s3_root, json_t *crawler, char *err, size_t errlen)
{
    size_t i;
    json_t *t;
    json_array_foreach (json_object_get(json_object_get(crawler, "Targets"), "S3Targets"), i, t) {
        const char *url = json_string_value(json_object_get(t, "Path"));
        char path[4096];
        struct stat sb;
        if (!url || crawler_s3_path(s3_root, url, path, sizeof path) < 0) {
            snprintf(err, errlen, "S3 target '%s' is not an s3://bucket/prefix URL", url ? url : "");
            return JR_FAILED;
        }
        if (stat(path, &sb) < 0) {
            snprintf(err, errlen, "S3 target %s does not exist (looked for %s)", url, path);
            return JR_FAILED;
        }
    }
    return JR_SUCCEEDED;
}
