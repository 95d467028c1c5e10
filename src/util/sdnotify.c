/* sd_notify's wire protocol (see sdnotify.h): a SOCK_DGRAM send to an AF_UNIX address. */
#include "util/sdnotify.h"

#include <errno.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

static struct sockaddr_un addr;
static socklen_t addrlen; /* 0: not under systemd */

void sdnotify_init(void)
{
    const char *path = getenv("NOTIFY_SOCKET");
    addrlen = 0;
    if (!path || (path[0] != '/' && path[0] != '@'))
        return;
    size_t n = strlen(path);
    if (n < 2 || n >= sizeof addr.sun_path)
        return;
    memset(&addr, 0, sizeof addr);
    addr.sun_family = AF_UNIX;
    memcpy(addr.sun_path, path, n);
    if (path[0] == '@')
        addr.sun_path[0] = '\0'; /* abstract namespace */
    addrlen = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + n + (path[0] == '/' ? 1 : 0));
}

int sdnotify_send(const char *msg)
{
    if (!addrlen)
        return 0;
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    ssize_t sent = sendto(fd, msg, strlen(msg), MSG_NOSIGNAL, (struct sockaddr *)&addr, addrlen);
    int saved = errno;
    close(fd);
    errno = saved;
    return sent == (ssize_t)strlen(msg) ? 1 : -1;
}
