/* Starting a job process. The child gets a session and process group of its own, default signal handling and
 * an empty signal mask, stdin from /dev/null, stdout and stderr on the given descriptors and no other
 * descriptor of glued's; with as_user, it also runs as uid/gid with no supplementary groups.
 *
 * It is a vfork (the cost does not grow with glued's size) whose child makes only raw system calls until execve:
 * it shares glued's memory, and libc's setuid would ask every thread of glued to change its ids too. posix_spawn
 * did the same in the common case, but mapped and unmapped a stack for each child (the unmapping interrupts
 * every CPU glued's threads ran on) and reset all 64 signals in the child where glued changes two. */
#ifndef GLUED_SPAWN_H
#define GLUED_SPAWN_H

#include <stdbool.h>
#include <sys/types.h>

typedef struct spawn_opts {
    const char *file; /* the program, a path */
    char **argv, **env;
    int fd_out, fd_err;
    bool as_user; /* switch to uid/gid in the child */
    uid_t uid;
    gid_t gid;
} spawn_opts_t;

/* The child's pid, or -errno (from the child when it could not switch user or exec). */
pid_t spawn_start(const spawn_opts_t *o);

#endif
