/* Starting a job process (see spawn.h). */
#include "engine/spawn.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

/* What every child needs and does not change while glued runs: made once (prepare), then only read. */
static struct {
    int devnull;          /* /dev/null, read-only and close-on-exec, for the child's stdin */
    int nsig, sigs[NSIG]; /* the signals glued handles or ignores: the child puts them back to the default */
    long maxfd;           /* where closing one by one stops, when close_range is missing */
    int err;              /* errno of a failed prepare */
} shared;
static pthread_once_t prepared = PTHREAD_ONCE_INIT;

/* Everything the vfork child needs, prepared by the parent: the child only reads it, and writes err. */
typedef struct child {
    const spawn_opts_t *o;
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
    for (int i = 0; i < shared.nsig; i++)
        syscall(SYS_rt_sigaction, shared.sigs[i], &dfl, NULL, 8);
    if ((rc = sys(syscall(SYS_dup3, shared.devnull, 0, 0))) < 0 || (rc = sys(syscall(SYS_dup3, o->fd_out, 1, 0))) < 0 ||
        (rc = sys(syscall(SYS_dup3, o->fd_err, 2, 0))) < 0)
        child_fail(c, (int)-rc);
    if (syscall(SYS_close_range, 3u, ~0u, 0u) < 0)
        for (long fd = 3; fd < shared.maxfd; fd++)
            syscall(SYS_close, fd);
    if (o->as_user && ((rc = sys(syscall(SYS_setgroups, 0, NULL))) < 0 || (rc = sys(syscall(SYS_setgid, o->gid))) < 0 ||
                       (rc = sys(syscall(SYS_setuid, o->uid))) < 0))
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

/* Once per process, at the first spawn: glued sets its signal dispositions (SIGPIPE ignored in main, the
 * engine's SIGCHLD handler) before it starts any job, and never changes them after. */
static void prepare(void)
{
    shared.devnull = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (shared.devnull < 0)
        shared.err = errno;
    for (int s = 1; s < NSIG; s++) {
        struct sigaction sa;
        if (s == SIGKILL || s == SIGSTOP || sigaction(s, NULL, &sa) < 0)
            continue;
        if (sa.sa_handler != SIG_DFL)
            shared.sigs[shared.nsig++] = s;
    }
    struct rlimit rl;
    shared.maxfd = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < 65536 ? (long)rl.rlim_cur : 65536;
}

pid_t spawn_start(const spawn_opts_t *o)
{
    pthread_once(&prepared, prepare);
    if (shared.err)
        return -shared.err;
    child_t c = {.o = o, .err = 0};
    /* no signal handler may run in the child while it shares our memory: block them all around vfork */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &old);
    pid_t pid = vfork_run(&c);
    int saved = errno;
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (pid < 0)
        return -saved;
    if (c.err) { /* the child could not switch user or exec, and has exited */
        waitpid(pid, NULL, 0);
        return -c.err;
    }
    return pid;
}
