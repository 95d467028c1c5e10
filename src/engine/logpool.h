/* Job run ids whose log files are made ahead of time. Creating a file costs an inode, and on a busy ext4 that is
 * hundreds of microseconds; moving a file into place costs a rename, tens of microseconds: two of each per job
 * run were the largest cost of starting a job after its spawn. A thread of its own keeps a stock of new job run
 * ids whose two logs already exist, empty, where the logs of a job run go (logpool_path). A job run this node
 * will start takes its id from the stock (logpool_take_id), so that starting it only opens its logs. The empty
 * logs of ended jobs are handed back and become the logs of new ids, so that a busy glued whose jobs print
 * nothing makes no inodes.
 *
 * An id taken and never recorded (its transaction rolled back, or glued stopped dead) leaves two empty files
 * whose job run does not exist; so does the stock of a glued killed with -9 (up to 4,096 files). The files of the
 * stock carry a modification time of their own (LOGPOOL_STOCK_MTIME, until a job writes), by which retention's
 * sweep knows them at once, not only once they are older than the retention: it removes those that are in no
 * stock (logpool_in_stock) and whose job run does not exist. */
#ifndef GLUED_LOGPOOL_H
#define GLUED_LOGPOOL_H

#include <stdbool.h>
#include <stddef.h>

typedef struct logpool logpool_t;

/* The path of a job run's log under the log folder logs: ext "out" (stdout) or "err" (stderr). The first two
 * hex digits of the id spread the files over 256 folders. -1 when it does not fit. */
int logpool_path(const char *logs, const char *id, const char *ext, char *out, size_t outlen);
/* Where a job run's (or a crawl's) output is written: <data>/logs/<2 hex digits of the id>/<id>.out and .err.
 * -1 (and nothing in out) unless id is a job run or crawl id (jr_ or cr_ + 64 hex, model/jobkey.h) and ext "out"
 * or "err": no id can name a file outside <data>/logs. */
int logpool_log_path(const char *data_dir, const char *id, const char *ext, char *out, size_t outlen);
/* Where it is kept, to read or remove: as logpool_log_path, or, for a log written before logs had folders, at
 * <data>/logs/<id>.<ext>. */
int logpool_find_log(const char *data_dir, const char *id, const char *ext, char *out, size_t outlen);
/* Makes the folder of a log path before the log is written; 0 or -1 (errno). */
int logpool_prepare(const char *path);

/* Starts the stocking thread over log_dir (which exists); NULL when it cannot (logs are then made directly). */
logpool_t *logpool_start(const char *log_dir);
/* A new job run id ("jr_" and 64 hex digits) whose logs exist, empty: true, or false when the stock is empty or
 * lp NULL (the caller makes an id of its own). Any thread. */
bool logpool_take_id(logpool_t *lp, char *id, size_t n);
/* Opens the two logs at path[0] (stdout) and path[1] (stderr) of a job run about to start, for writing
 * (close-on-exec, emptied): where they are when its id came from the stock, else a stocked pair renamed into
 * place, else new files. 0, or -1 with errno (fd[] then holds no descriptor). Accepts lp NULL. */
int logpool_open(logpool_t *lp, const char *const path[2], int fd[2]);
/* The job whose logs (path[0], path[1]) logpool_open opened has ended. With back, its logs go back to the pool
 * if they are empty and nobody else has them open: the thread makes their inodes the logs of a new id, and leaves
 * at each path a link to one shared empty file (readers see the same empty log). Any thread; accepts NULL. */
void logpool_ended(logpool_t *lp, const char *const path[2], bool back);
/* The modification time (seconds since the epoch) of a log made ahead of time, until a job writes into it. */
#define LOGPOOL_STOCK_MTIME 1
/* Whether id is in lp's stock now (its logs are made and no job run has it yet). Any thread; false for NULL. */
bool logpool_in_stock(logpool_t *lp, const char *id);

/* Stops the thread and removes the logs of the ids still in stock. Accepts NULL. */
void logpool_stop(logpool_t *lp);

#endif
