/* Job run ids with their logs made ahead of time (see logpool.h). The stock is a ring of ids guarded by a mutex:
 * any thread takes from its head, the stocking thread adds at its tail. For a new id it makes the two logs out of
 * logs handed back (ended jobs' empty logs) when it has them, else new files: new files only up to STOCK_MIN ids,
 * logs that came back up to STOCK_MAX, so that the logs of a fan-out's jobs serve the next fan-out whole.
 * At start the thread also makes the 256 folders logs go to, so that no job waits for a mkdir. */
#include "engine/logpool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "model/jobkey.h"
#include "util/util.h"

#define STOCK_MIN    64   /* ids kept in stock, with new files when no log came back (128 files, made at start) */
#define STOCK_LOW    32   /* below it, new files are made even while logs are to come back */
#define STOCK_MAX    2048 /* ids kept while logs come back: a burst after a burst makes no inodes */
#define BACK_MAX     4096 /* logs handed back and not yet taken: more are left where they are */
#define FRESH_WAIT_S 1    /* while jobs have logs of the pool, how long it waits for them before making new files */
#define ID_LEN       68   /* "jr_", 64 hex digits, NUL */

static const char *const ext[2] = {"out", "err"};

/* The modification time of the stock's logs, set as each is made (see logpool.h): a crash leaves them to
 * retention's sweep, which knows them by it. */
static const struct timespec stock_mark[2] = {{.tv_sec = LOGPOOL_STOCK_MTIME}, {.tv_sec = LOGPOOL_STOCK_MTIME}};

struct logpool {
    char *logs;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    char (*ids)[ID_LEN]; /* the stock: ids[(head + i) % STOCK_MAX] for i < n */
    size_t head, n;
    bool stop, asleep, awaiting; /* the thread sleeps; it waits for logs to come back */
    char **back;                 /* paths of empty logs handed back (logpool_ended), newest last */
    size_t nback;
    size_t out;          /* jobs whose logs logpool_open opened, not ended yet */
    char *empty, *fresh; /* <logs>/.pool/empty (the one empty file), and the name it is made under */
};

int logpool_path(const char *logs, const char *id, const char *ext_, char *out, size_t outlen)
{
    int n = snprintf(out, outlen, "%s/%.2s/%s.%s", logs, id + 3, id, ext_);
    return n < 0 || (size_t)n >= outlen ? -1 : 0;
}

int logpool_log_path(const char *data_dir, const char *id, const char *ext, char *out, size_t outlen)
{
    /* only a job run or crawl id names a log: nothing a caller passes can climb out of <data>/logs */
    if (!jobkey_is_action_id(id) || (strcmp(ext, "out") != 0 && strcmp(ext, "err") != 0))
        return -1;
    char logs[4096];
    if (snprintf(logs, sizeof logs, "%s/logs", data_dir) >= (int)sizeof logs)
        return -1;
    return logpool_path(logs, id, ext, out, outlen); /* a million job runs leave about 8,000 files a folder */
}

int logpool_find_log(const char *data_dir, const char *id, const char *ext, char *out, size_t outlen)
{
    if (logpool_log_path(data_dir, id, ext, out, outlen) < 0)
        return -1;
    struct stat sb;
    char flat[4096];
    /* written before logs had folders: read where it is */
    if (stat(out, &sb) < 0 && errno == ENOENT &&
        snprintf(flat, sizeof flat, "%s/logs/%s.%s", data_dir, id, ext) < (int)sizeof flat && stat(flat, &sb) == 0 &&
        strlen(flat) < outlen)
        snprintf(out, outlen, "%s", flat);
    return 0;
}

int logpool_prepare(const char *path)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s", path);
    char *slash = strrchr(dir, '/');
    if (!slash)
        return 0;
    *slash = '\0';
    return mkdir(dir, 0700) < 0 && errno != EEXIST ? -1 : 0;
}

/* Opens a new file at path, making its folder when it is missing. The descriptor, or -1 with errno. */
static int make(const char *path, int flags)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | flags, 0600);
    if (fd >= 0 || errno != ENOENT || logpool_prepare(path) < 0)
        return fd;
    return open(path, O_WRONLY | O_CREAT | O_CLOEXEC | flags, 0600);
}

/* Files of an older glued's stock (<logs>/.pool/0 and 1, and its spare link): removed. */
static void tidy(const char *logs)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/.pool/link", logs);
    unlink(path);
    for (int d = 0; d < 2; d++) {
        char dir[4096];
        snprintf(dir, sizeof dir, "%s/.pool/%d", logs, d);
        DIR *dp = opendir(dir);
        if (!dp)
            continue;
        struct dirent *de;
        while ((de = readdir(dp)))
            if (de->d_name[0] != '.' && snprintf(path, sizeof path, "%s/%s", dir, de->d_name) < (int)sizeof path)
                unlink(path);
        closedir(dp);
        rmdir(dir);
    }
}

/* A new link at to to the one empty file, making that file (again) when it is missing or has as many links as
 * the file system allows. */
static int empty_link(logpool_t *lp, const char *to)
{
    if (link(lp->empty, to) == 0)
        return 0;
    if (errno != EMLINK && errno != ENOENT)
        return -1;
    int fd = open(lp->fresh, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    close(fd);
    if (rename(lp->fresh, lp->empty) < 0)
        return -1;
    return link(lp->empty, to);
}

/* Whether nobody but us has the file at path open, and it is a lone, empty, regular file. A write lease is
 * granted only when no other descriptor of the file is open anywhere: a process the job left behind (one that
 * escaped its process group with setsid) and that still holds its stdout keeps the log from coming back, so what
 * it writes later stays in its own job's log. */
static bool unused(const char *path)
{
    int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
    if (fd < 0)
        return false;
    struct stat st;
    bool ok = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size == 0 && st.st_nlink == 1 &&
              fcntl(fd, F_SETLEASE, F_WRLCK) == 0;
    if (ok)
        fcntl(fd, F_SETLEASE, F_UNLCK);
    close(fd);
    return ok;
}

/* Makes the inode of the empty log at path the file at to, and puts a link to the one empty file at path in its
 * place: a link at to, then one rename that swaps the two (the log never goes missing). So a job that writes
 * nothing costs no inode: on ext4 an inode is the dearest part of a log. A log that is not empty, or still open
 * elsewhere (unused), stays. */
static int take_back(logpool_t *lp, const char *path, const char *to)
{
    if (!unused(path) || empty_link(lp, to) < 0)
        return -1;
    utimensat(AT_FDCWD, path, stock_mark, 0); /* marked before it moves into the stock: its job run exists */
    if (renameat2(AT_FDCWD, path, AT_FDCWD, to, RENAME_EXCHANGE) < 0) {
        unlink(to);
        return -1;
    }
    return 0;
}

static void *stocker(void *arg)
{
    logpool_t *lp = arg;
    tidy(lp->logs);
    /* the folders of logpool_path: made once here rather than by the first job that needs each */
    for (int i = 0; i < 256; i++) {
        char dir[4096];
        snprintf(dir, sizeof dir, "%s/%02x", lp->logs, i);
        mkdir(dir, 0700);
    }
    struct timespec fresh_at = {0}; /* while jobs have logs of the pool: when new files may be made after all */
    pthread_mutex_lock(&lp->lock);
    while (!lp->stop) {
        if (lp->n >= STOCK_MAX || (lp->n >= STOCK_MIN && lp->nback < 2)) {
            lp->asleep = true; /* until an id is taken, or two logs have come back */
            pthread_cond_wait(&lp->wake, &lp->lock);
            continue;
        }
        /* a new inode is dear: not while logs are to come back from running jobs (a burst of starts), unless
         * none has come back for FRESH_WAIT_S, or the stock is low (the engine would make them itself) */
        if (lp->nback < 2 && lp->out > 0 && lp->n >= STOCK_LOW) {
            struct timespec now;
            clock_gettime(CLOCK_REALTIME, &now);
            if (!fresh_at.tv_sec) {
                fresh_at = now;
                fresh_at.tv_sec += FRESH_WAIT_S;
            }
            if (now.tv_sec < fresh_at.tv_sec || (now.tv_sec == fresh_at.tv_sec && now.tv_nsec < fresh_at.tv_nsec)) {
                lp->asleep = lp->awaiting = true;
                pthread_cond_timedwait(&lp->wake, &lp->lock, &fresh_at);
                lp->awaiting = false;
                continue;
            }
        }
        fresh_at.tv_sec = 0;
        char *back[2] = {NULL, NULL};
        for (int k = 0; k < 2 && lp->nback; k++)
            back[k] = lp->back[--lp->nback];
        pthread_mutex_unlock(&lp->lock);
        char id[ID_LEN], path[2][4096];
        util_random_id(id, "jr_", 32);
        int err = 0, made = 0;
        for (; made < 2; made++) {
            if (logpool_path(lp->logs, id, ext[made], path[made], sizeof path[made]) < 0) {
                err = ENAMETOOLONG;
                break;
            }
            if (back[made] && take_back(lp, back[made], path[made]) == 0)
                continue;
            int fd = make(path[made], O_EXCL); /* nothing came back (or it could not): a new file */
            if (fd < 0) {
                err = errno;
                break;
            }
            futimens(fd, stock_mark);
            close(fd);
        }
        for (int k = 0; err && k < made; k++)
            unlink(path[k]);
        free(back[0]);
        free(back[1]);
        pthread_mutex_lock(&lp->lock);
        if (err) { /* the disk is full, or the folder went away: try again later; the engine makes its own */
            log_warn("logpool: cannot make the logs of a new job run under %s: %s", lp->logs, strerror(err));
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += 5;
            pthread_cond_timedwait(&lp->wake, &lp->lock, &ts);
            continue;
        }
        memcpy(lp->ids[(lp->head + lp->n) % STOCK_MAX], id, ID_LEN);
        lp->n++;
    }
    pthread_mutex_unlock(&lp->lock);
    return NULL;
}

static void pool_free(logpool_t *lp)
{
    for (size_t i = 0; i < lp->nback; i++)
        free(lp->back[i]);
    free(lp->back);
    free(lp->ids);
    free(lp->empty);
    free(lp->fresh);
    free(lp->logs);
    free(lp);
}

logpool_t *logpool_start(const char *log_dir)
{
    logpool_t *lp = calloc(1, sizeof *lp);
    if (!lp)
        return NULL;
    size_t n = strlen(log_dir) + 32;
    char pool[4096];
    snprintf(pool, sizeof pool, "%s/.pool", log_dir);
    lp->logs = strdup(log_dir);
    lp->ids = calloc(STOCK_MAX, sizeof *lp->ids);
    if ((lp->empty = malloc(n)))
        snprintf(lp->empty, n, "%s/.pool/empty", log_dir);
    if ((lp->fresh = malloc(n)))
        snprintf(lp->fresh, n, "%s/.pool/empty.new", log_dir);
    if (!lp->logs || !lp->ids || !lp->empty || !lp->fresh || (mkdir(pool, 0700) < 0 && errno != EEXIST)) {
        pool_free(lp);
        return NULL;
    }
    pthread_mutex_init(&lp->lock, NULL);
    pthread_cond_init(&lp->wake, NULL);
    if (pthread_create(&lp->thread, NULL, stocker, lp) != 0) {
        pthread_mutex_destroy(&lp->lock);
        pthread_cond_destroy(&lp->wake);
        pool_free(lp);
        return NULL;
    }
    return lp;
}

/* Wakes the stocking thread when it sleeps (lock held). */
static void wake(logpool_t *lp)
{
    if (lp->asleep) {
        lp->asleep = false;
        pthread_cond_signal(&lp->wake);
    }
}

bool logpool_take_id(logpool_t *lp, char *id, size_t n)
{
    if (!lp || n < ID_LEN)
        return false;
    pthread_mutex_lock(&lp->lock);
    bool have = lp->n > 0;
    if (have) {
        memcpy(id, lp->ids[lp->head], ID_LEN);
        lp->head = (lp->head + 1) % STOCK_MAX;
        if (--lp->n < STOCK_LOW || (lp->n < STOCK_MIN && !lp->awaiting)) /* it waits for logs above LOW */
            wake(lp);
    }
    pthread_mutex_unlock(&lp->lock);
    return have;
}

/* Opens the log at path for writing, emptied, when it is there and only there (not a link to the one empty
 * file): the descriptor, else -1 (errno ENOENT when it is missing). Made ahead, it is empty: O_TRUNC would cost
 * a truncation of every log; only a log written before (a job run started again after a restart) has one. */
static int open_made(const char *path)
{
    int fd = open(path, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    struct stat st;
    if (fstat(fd, &st) == 0 && st.st_nlink == 1 && (st.st_size == 0 || ftruncate(fd, 0) == 0))
        return fd;
    close(fd); /* never write into the shared empty file: a file of its own is put there */
    unlink(path);
    errno = ENOENT;
    return -1;
}

int logpool_open(logpool_t *lp, const char *const path[2], int fd[2])
{
    char id[ID_LEN], from[4096];
    bool have = false, used[2] = {false, false};
    int rc = 0, saved = 0;
    fd[0] = fd[1] = -1;
    for (int k = 0; k < 2 && rc == 0; k++) {
        if ((fd[k] = open_made(path[k])) >= 0)
            continue;
        if (errno == ENOENT) {
            /* not made ahead (its id is not the stock's, or retention swept it): a stocked log moved here */
            if (!have)
                have = logpool_take_id(lp, id, sizeof id);
            if (have && logpool_path(lp->logs, id, ext[k], from, sizeof from) == 0) {
                used[k] = true;
                if (rename(from, path[k]) == 0 && (fd[k] = open_made(path[k])) >= 0)
                    continue;
                unlink(from);
            }
            fd[k] = make(path[k], O_TRUNC); /* else a new file */
        }
        if (fd[k] < 0) {
            rc = -1;
            saved = errno;
        }
    }
    for (int k = 0; have && k < 2; k++)
        if (!used[k] && logpool_path(lp->logs, id, ext[k], from, sizeof from) == 0)
            unlink(from); /* the stocked id's other log, not needed */
    if (rc < 0) {
        for (int k = 0; k < 2; k++)
            if (fd[k] >= 0) {
                close(fd[k]);
                fd[k] = -1;
            }
        errno = saved;
    } else if (lp) {
        pthread_mutex_lock(&lp->lock);
        lp->out++;
        pthread_mutex_unlock(&lp->lock);
    }
    return rc;
}

void logpool_ended(logpool_t *lp, const char *const path[2], bool back)
{
    if (!lp)
        return;
    char *copy[2] = {back ? strdup(path[0]) : NULL, back ? strdup(path[1]) : NULL};
    pthread_mutex_lock(&lp->lock);
    if (lp->out)
        lp->out--;
    if (back && !lp->back)
        lp->back = calloc(BACK_MAX, sizeof *lp->back);
    for (int k = 0; k < 2; k++)
        if (copy[k] && lp->back && lp->nback < BACK_MAX) {
            lp->back[lp->nback++] = copy[k];
            copy[k] = NULL;
        }
    if (lp->nback >= 2 && lp->n < STOCK_MAX)
        wake(lp);
    pthread_mutex_unlock(&lp->lock);
    free(copy[0]); /* no room: it stays where it is */
    free(copy[1]);
}

bool logpool_in_stock(logpool_t *lp, const char *id)
{
    if (!lp)
        return false;
    pthread_mutex_lock(&lp->lock);
    bool found = false;
    for (size_t i = 0; i < lp->n && !found; i++)
        found = strcmp(lp->ids[(lp->head + i) % STOCK_MAX], id) == 0;
    pthread_mutex_unlock(&lp->lock);
    return found;
}

void logpool_stop(logpool_t *lp)
{
    if (!lp)
        return;
    pthread_mutex_lock(&lp->lock);
    lp->stop = true;
    pthread_cond_signal(&lp->wake);
    pthread_mutex_unlock(&lp->lock);
    pthread_join(lp->thread, NULL);
    pthread_mutex_destroy(&lp->lock);
    pthread_cond_destroy(&lp->wake);
    for (size_t i = 0; i < lp->n; i++) /* the stock's logs: no job run has them */
        for (int k = 0; k < 2; k++) {
            char path[4096];
            if (logpool_path(lp->logs, lp->ids[(lp->head + i) % STOCK_MAX], ext[k], path, sizeof path) == 0)
                unlink(path);
        }
    pool_free(lp);
}
