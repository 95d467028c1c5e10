/* Starting a job process (see spawn.h). */
#include "engine/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* posix_spawn: the path when the job keeps glued's user. */
static pid_t spawn_plain(const spawn_opts_t *o)
{
    posix_spawnattr_t at;
    posix_spawn_file_actions_t fa;
    sigset_t none, all;
    sigemptyset(&none);
    sigfillset(&all);
    sigdelset(&all, SIGKILL);
    sigdelset(&all, SIGSTOP);
    posix_spawnattr_init(&at);
    posix_spawnattr_setflags(&at, POSIX_SPAWN_SETSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF);
    posix_spawnattr_setsigmask(&at, &none);   /* glued's threads block SIGTERM; the job must not inherit that */
    posix_spawnattr_setsigdefault(&at, &all); /* SIGPIPE is ignored in glued; the job gets the defaults */
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
    posix_spawn_file_actions_adddup2(&fa, o->fd_out, 1);
    posix_spawn_file_actions_adddup2(&fa, o->fd_err, 2);
    posix_spawn_file_actions_addclosefrom_np(&fa, 3);
    pid_t pid;
    int rc = posix_spawn(&pid, o->file, &fa, &at, o->argv, o->env);
    posix_spawn_file_actions_destroy(&fa);
    posix_spawnattr_destroy(&at);
    return rc == 0 ? pid : -rc;
}

/* Everything the vfork child needs, prepared by the parent: the child only reads it, and writes err. */
typedef struct child {
    const spawn_opts_t *o;
    int devnull;
    int nsig, sigs[NSIG];
    long maxfd;
    volatile int err;
} child_t;

/* A kernel sigaction with handler SIG_DFL and every other field zero: the same bytes on every architecture
 * whatever the order of its later fields. */
typedef struct ksigaction {
    void *handler;
    unsigned long rest[8];
} ksigaction_t;

static void child_fail(child_t *c, int err) __attribute__((noreturn));
static void child_fail(child_t *c, int err)
{
    c->err = err ? err : EINVAL;
    for (;;)
        syscall(SYS_exit, 127);
}

static long sys(long rc)
{
    return rc < 0 ? -errno : rc;
}

/* After vfork: raw system calls only, then execve. Never returns. */
static void child_run(child_t *c) __attribute__((noreturn));
static void child_run(child_t *c)
{
    const spawn_opts_t *o = c->o;
    long rc;
    if ((rc = sys(syscall(SYS_setsid))) < 0)
        child_fail(c, (int)-rc);
    ksigaction_t dfl = {.handler = (void *)SIG_DFL};
    for (int i = 0; i < c->nsig; i++)
        syscall(SYS_rt_sigaction, c->sigs[i], &dfl, NULL, 8);
    if ((rc = sys(syscall(SYS_dup3, c->devnull, 0, 0))) < 0 || (rc = sys(syscall(SYS_dup3, o->fd_out, 1, 0))) < 0 ||
        (rc = sys(syscall(SYS_dup3, o->fd_err, 2, 0))) < 0)
        child_fail(c, (int)-rc);
    if (syscall(SYS_close_range, 3u, ~0u, 0u) < 0)
        for (long fd = 3; fd < c->maxfd; fd++)
            syscall(SYS_close, fd);
    if ((rc = sys(syscall(SYS_setgroups, 0, NULL))) < 0 || (rc = sys(syscall(SYS_setgid, o->gid))) < 0 ||
        (rc = sys(syscall(SYS_setuid, o->uid))) < 0)
        child_fail(c, (int)-rc);
    uint64_t empty = 0;
    syscall(SYS_rt_sigprocmask, SIG_SETMASK, &empty, NULL, 8);
    rc = sys(syscall(SYS_execve, o->file, o->argv, o->env));
    child_fail(c, (int)-rc);
}

/* vfork in a function of its own, so that nothing of the caller's frame lives across it. */
static pid_t __attribute__((noinline)) vfork_run(child_t *c)
{
    pid_t pid = vfork();
    if (pid == 0)
        child_run(c);
    return pid;
}

static pid_t spawn_as_user(const spawn_opts_t *o)
{
    child_t c = {.o = o, .err = 0};
    c.devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (c.devnull < 0)
        return -errno;
    /* what the child must put back to the default: every signal glued handles or ignores */
    for (int s = 1; s < NSIG; s++) {
        struct sigaction sa;
        if (s == SIGKILL || s == SIGSTOP || sigaction(s, NULL, &sa) < 0)
            continue;
        if (sa.sa_handler != SIG_DFL)
            c.sigs[c.nsig++] = s;
    }
    struct rlimit rl;
    c.maxfd = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 65536 ? (long)rl.rlim_cur : 65536;
    /* no signal handler may run in the child while it shares our memory: block them all around vfork */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pid_t pid = vfork_run(&c);
    int saved = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    close(c.devnull);
    if (pid < 0)
        return -saved;
    if (c.err) { /* the child could not switch user or exec, and has exited */
        waitpid(pid, NULL, 0);
        return -c.err;
    }
    return pid;
}

pid_t spawn_start(const spawn_opts_t *o)
{
    return o->as_user ? spawn_as_user(o) : spawn_plain(o);
}
