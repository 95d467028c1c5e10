/* The physical floor of starting jobs: N processes started with posix_spawn (what a C program calls to start
 * one; glued makes the same system calls through a vfork of its own), one after another (`seq`, each waited for
 * before the next) or all at once (`par`, then all waited for), with stdout and stderr to /dev/null. Prints the
 * seconds it took.
 *
 *   bare seq|par N PROGRAM [ARG...] */
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    if (argc < 4)
        return 2;
    int par = strcmp(argv[1], "par") == 0, n = atoi(argv[2]);
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
    double t = now();
    for (int i = 0; i < n; i++) {
        pid_t pid;
        if (posix_spawn(&pid, argv[3], &fa, NULL, argv + 3, environ) != 0)
            return 1;
        if (!par && waitpid(pid, NULL, 0) < 0)
            return 1;
    }
    while (par && wait(NULL) > 0)
        ;
    printf("%.6f\n", now() - t);
    return 0;
}
