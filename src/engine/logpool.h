/* Log files made ahead of time. Creating a file costs an inode, and on a busy ext4 that is hundreds of
 * microseconds: two of them per job run were the largest cost of starting a job after its spawn. A thread of
 * its own keeps a stock of empty files in <logs>/.pool/0 and 1; the engine opens one per log and renames it
 * into place (tens of microseconds), and creates them itself only when the stock has run out. The empty logs of
 * ended jobs are handed back and stocked again, so that a busy glued whose jobs print nothing makes no inodes. */
#ifndef GLUED_LOGPOOL_H
#define GLUED_LOGPOOL_H

#include <stddef.h>

typedef struct logpool logpool_t;

/* Starts the stocking thread over log_dir (which exists); NULL when it cannot (logs are then made directly). */
logpool_t *logpool_start(const char *log_dir);
/* Opens a stocked file for writing (close-on-exec), for the caller to rename into place (the engine does that
 * after the job's spawn, off the path from one job's end to the next one's start); its name goes to stock. The
 * descriptor, or -1 with errno (none is left). */
int logpool_open(logpool_t *lp, char *stock, size_t n);
/* Hands back the log at path, of a job run that ended: if it is empty, the thread moves its inode back into the
 * stock and leaves at path a link to one shared empty file (readers see the same empty log). Any thread;
 * accepts NULL. */
void logpool_recycle(logpool_t *lp, const char *path);
/* Stops the thread (stocked files are removed at the next start). Accepts NULL. */
void logpool_stop(logpool_t *lp);

#endif
