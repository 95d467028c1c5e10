/* A job that tells when it ran: appends "TAG START_NS END_NS" (CLOCK_REALTIME) to a file and exits 0, so that the
 * delay from one job's end to the start of the jobs it triggers is measured by the jobs themselves, not by the
 * timestamps glued records. Built twice from this file:
 *
 *   stamp FILE TAG          run from a shell job script (`exec stamp FILE "$2"`, $2 being the job's name after
 *                           --JOB_NAME) by the engine benchmark; its physical baseline runs the same script from a
 *                           shell loop
 *   stampx --JOB_NAME NAME ...   built static and run as the program itself by a `{script} {args}` runner (no
 *                           shell, no dynamic linking: the cheapest job there is), with glued's job arguments; the
 *                           file is $STAMP_FILE, and without it the job does nothing */
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
    const char *file, *tag = "?";
    if (argc == 3 && strncmp(argv[1], "--", 2) != 0) { /* stamp FILE TAG */
        file = argv[1];
        tag = argv[2];
    } else {
        file = getenv("STAMP_FILE");
        for (int i = 1; i + 1 < argc; i++)
            if (strcmp(argv[i], "--JOB_NAME") == 0)
                tag = argv[i + 1];
        if (!file)
            return 0;
    }
    int fd = open(file, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
        return 1;
    char line[512];
    int n = snprintf(line, sizeof line, "%s %lld %lld\n", tag, start, now_ns());
    ssize_t w = write(fd, line, (size_t)n); /* one O_APPEND write: lines of parallel jobs never interleave */
    close(fd);
    return w == n ? 0 : 1;
}
