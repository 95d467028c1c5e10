/* A job that is a program itself (run without a shell by a `{script} {args}` runner) and tells when it ran:
 * appends "JOB_NAME START_NS END_NS" to the file named by $STAMP_FILE (or does nothing when it is unset) and
 * exits 0. Built static, so that its start costs no dynamic linking: the cheapest job there is.
 *
 *   stampx --JOB_NAME NAME ... (glued's job arguments) */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static long long now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (long long)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

int main(int argc, char **argv)
{
    long long start = now_ns();
    const char *file = getenv("STAMP_FILE"), *tag = "?";
    for (int i = 1; i + 1 < argc; i++)
        if (strcmp(argv[i], "--JOB_NAME") == 0)
            tag = argv[i + 1];
    if (!file)
        return 0;
    int fd = open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
        return 1;
    char line[512];
    int n = snprintf(line, sizeof line, "%s %lld %lld\n", tag, start, now_ns());
    ssize_t w = write(fd, line, (size_t)n); /* one O_APPEND write: lines of parallel jobs never interleave */
    close(fd);
    return w == n ? 0 : 1;
}
