/* How fast a process shaped like glued can start a job, by three paths, N times back to back (each waits for its
 * child's exit before the next, like one step of a chain):
 *   uv+logs   uv_spawn as src/engine/engine.c does it: UV_PROCESS_DETACHED (setsid), stdout/stderr to two log
 *             files created (O_CREAT|O_TRUNC) for each job run, exit seen by libuv's SIGCHLD handling;
 *   uv        the same without creating log files (stdout/stderr to /dev/null);
 *   posix     posix_spawn (glibc: clone(CLONE_VM|CLONE_VFORK), no copy of the parent's page tables) with
 *             POSIX_SPAWN_SETSID and the same two log files, exit seen through a pidfd polled by libuv;
 *   glued     src/engine/spawn.c as the engine calls it (vfork, raw system calls: signal defaults, dups,
 *             close_range, exec), pidfd;
 *   glued-as-user  the same with --job-user: the child drops to another user (nobody) before exec; only when
 *             run as root.
 * The process links the same libraries as glued (--no-as-needed), runs 4 idle threads like MHD's pool and holds
 * RSS_MB of touched heap (glued's RSS), so that fork() copies what it would copy in glued.
 *
 *   spawn SCRIPT LOGDIR N [RSS_MB]   prints "path=... per_spawn_ms=..." for each path */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>

#include "engine/spawn.h"

extern char **environ;

static const char *script, *logdir;
static int remaining, seq;
static uv_loop_t *loop;
static const char *mode;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *idle(void *arg)
{
    (void)arg;
    pause();
    return NULL;
}

static void open_logs(int *out, int *err)
{
    char p[4096];
    snprintf(p, sizeof p, "%s/jr_%08d.out", logdir, seq);
    *out = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    snprintf(p, sizeof p, "%s/jr_%08d.err", logdir, seq);
    *err = open(p, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    seq++;
}

static void next(void);

static void on_exit_cb(uv_process_t *h, int64_t status, int sig)
{
    (void)status, (void)sig;
    uv_close((uv_handle_t *)h, (uv_close_cb)free);
    next();
}

static void on_pidfd(uv_poll_t *p, int status, int events)
{
    (void)status, (void)events;
    siginfo_t si;
    int fd = (int)(intptr_t)p->data;
    waitid(P_PIDFD, (id_t)fd, &si, WEXITED);
    uv_close((uv_handle_t *)p, (uv_close_cb)free);
    close(fd);
    next();
}

static void next(void)
{
    if (remaining-- <= 0)
        return;
    char *argv[] = {"/bin/sh", (char *)script, "--JOB_NAME", "j", "--JOB_RUN_ID", "jr_x", NULL};
    int fo = -1, fe = -1;
    if (strcmp(mode, "uv") == 0) {
        fo = open("/dev/null", O_WRONLY | O_CLOEXEC);
        fe = dup(fo);
    } else {
        open_logs(&fo, &fe);
    }
    if (strncmp(mode, "glued", 5) == 0) {
        spawn_opts_t so = {.file = "/bin/sh", .argv = argv, .env = environ, .fd_out = fo, .fd_err = fe,
                           .as_user = strcmp(mode, "glued-as-user") == 0, .uid = 65534, .gid = 65534};
        pid_t pid = spawn_start(&so);
        if (pid < 0) {
            fprintf(stderr, "spawn_start: %s\n", strerror(-pid));
            exit(1);
        }
        int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
        uv_poll_t *p = malloc(sizeof *p);
        uv_poll_init(loop, p, pfd);
        p->data = (void *)(intptr_t)pfd;
        uv_poll_start(p, UV_READABLE, on_pidfd);
    } else if (strcmp(mode, "posix") == 0) {
        posix_spawn_file_actions_t fa;
        posix_spawnattr_t at;
        posix_spawn_file_actions_init(&fa);
        posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
        posix_spawn_file_actions_adddup2(&fa, fo, 1);
        posix_spawn_file_actions_adddup2(&fa, fe, 2);
        posix_spawnattr_init(&at);
        sigset_t none;
        sigemptyset(&none);
        posix_spawnattr_setsigmask(&at, &none);
        posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK);
        pid_t pid;
        if (posix_spawn(&pid, "/bin/sh", &fa, &at, argv, environ) != 0) {
            perror("posix_spawn");
            exit(1);
        }
        posix_spawn_file_actions_destroy(&fa);
        posix_spawnattr_destroy(&at);
        int pfd = (int)syscall(SYS_pidfd_open, pid, 0);
        uv_poll_t *p = malloc(sizeof *p);
        uv_poll_init(loop, p, pfd);
        p->data = (void *)(intptr_t)pfd;
        uv_poll_start(p, UV_READABLE, on_pidfd);
    } else {
        uv_stdio_container_t stdio[3] = {{.flags = UV_IGNORE},
                                         {.flags = UV_INHERIT_FD, .data.fd = fo},
                                         {.flags = UV_INHERIT_FD, .data.fd = fe}};
        uv_process_options_t o = {.exit_cb = on_exit_cb, .file = "/bin/sh", .args = argv, .env = environ,
                                  .flags = UV_PROCESS_DETACHED, .stdio_count = 3, .stdio = stdio};
        uv_process_t *h = malloc(sizeof *h);
        if (uv_spawn(loop, h, &o) < 0) {
            fprintf(stderr, "uv_spawn failed\n");
            exit(1);
        }
    }
    close(fo);
    close(fe);
}

int main(int argc, char **argv)
{
    if (argc < 4) {
        fprintf(stderr, "usage: spawn SCRIPT LOGDIR N [RSS_MB]\n");
        return 2;
    }
    script = argv[1];
    logdir = argv[2];
    int n = atoi(argv[3]);
    size_t rss = (size_t)(argc > 4 ? atoi(argv[4]) : 10) << 20;
    char *ballast = malloc(rss);
    memset(ballast, 1, rss);
    pthread_t t;
    for (int i = 0; i < 4; i++)
        pthread_create(&t, NULL, idle, NULL);
    loop = uv_default_loop();
    static const char *const modes[] = {"uv+logs", "uv", "posix", "glued", "glued-as-user"};
    for (int m = 0; m < (geteuid() == 0 ? 5 : 4); m++) {
        mode = modes[m];
        remaining = n;
        double t0 = now();
        next();
        uv_run(loop, UV_RUN_DEFAULT);
        printf("path=%s per_spawn_ms=%.3f\n", mode, (now() - t0) * 1000 / n);
        fflush(stdout);
    }
    free(ballast);
    return 0;
}
