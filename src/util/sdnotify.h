/* systemd's readiness protocol without libsystemd: one datagram ("READY=1", "STOPPING=1", "STATUS=...") to the
 * unix socket named by $NOTIFY_SOCKET (a path, or an abstract name written with a leading '@'). Without
 * $NOTIFY_SOCKET it does nothing, so glued behaves the same outside systemd. */
#ifndef GLUED_SDNOTIFY_H
#define GLUED_SDNOTIFY_H

/* Reads $NOTIFY_SOCKET; call once at start-up, before other threads exist. */
void sdnotify_init(void);
/* Sends msg; 1 sent, 0 not under systemd, -1 failed (errno set). */
int sdnotify_send(const char *msg);

#endif
