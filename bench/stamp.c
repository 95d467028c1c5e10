/* A job that tells when it ran: appends "TAG START_NS END_NS" (CLOCK_REALTIME) to FILE and exits 0. The engine
 * benchmark runs it from a shell job script (`exec stamp FILE "$2"`, $2 being the job's name after --JOB_NAME), so
 * that the delay from one job's end to the start of the jobs it triggers is measured by the jobs themselves, not
 * by the timestamps glued records. The physical baseline runs the same script from a shell loop.
 *
 *   stamp FILE TAG */
#include <fcntl.h>
#include <stdio.h>
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
    if (argc < 3)
        return 2;
    int fd = open(argv[1], O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    if (fd < 0)
        return 1;
    char line[512];
    long long end = now_ns();
    int n = snprintf(line, sizeof line, "%s %lld %lld\n", argv[2], start, end);
    ssize_t w = write(fd, line, (size_t)n); /* one O_APPEND write: lines of parallel jobs never interleave */
    close(fd);
    return w == n ? 0 : 1;
}
