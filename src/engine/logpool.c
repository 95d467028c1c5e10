/* Log files made ahead of time (see logpool.h). The stock is a ring of numbered files in <logs>/.pool, guarded
 * by a mutex; the engine thread takes from its head, the stocking thread adds at its tail and sleeps while the
 * stock is full. It adds a log the engine handed back (an ended job's empty log) when it has one, else a new
 * file. At start the thread also makes the 256 folders logs go to, so that no job waits for a mkdir. */
#include "engine/logpool.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/util.h"

#define HALF                                                                                                           \
    128 /* files per pool folder; two folders: the engine takes from one while the thread fills the                    \
           other, since a file being made holds its folder's lock for as long as the inode takes */

struct logpool {
    char *dir[2]; /* <logs>/.pool/0 and 1 */
    char *logs;
    pthread_t thread;
    pthread_mutex_t lock;
    pthread_cond_t wake;
    unsigned long lo[2], hi[2]; /* folder d holds the files named lo[d] .. hi[d]-1 */
    int serving;                /* the folder the engine takes from */
    bool stop;
    char **back; /* paths of empty logs handed back (logpool_recycle), newest last */
    size_t nback;
    char *empty, *tmp, *fresh; /* <logs>/.pool/empty (the one empty file), and two names to make links under */
};

#define BACK_MAX 4096 /* logs handed back and not yet taken: more are left where they are */

static void stock_name(const logpool_t *lp, int d, unsigned long n, char *out, size_t outlen)
{
    snprintf(out, outlen, "%s/%lu", lp->dir[d], n);
}

/* Files a previous life stocked: removed (their names would not follow on). Runs on the stocking thread. */
static void clear(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d)
        return;
    struct dirent *de;
    char path[4096];
    while ((de = readdir(d)))
        if (de->d_name[0] != '.' && snprintf(path, sizeof path, "%s/%s", dir, de->d_name) < (int)sizeof path)
            unlink(path);
    closedir(d);
}

/* A new link to the one empty file at lp->tmp, making that file (again) when it is missing or has as many links
 * as the file system allows. */
static int empty_link(logpool_t *lp)
{
    if (link(lp->empty, lp->tmp) == 0)
        return 0;
    if (errno != EMLINK && errno != ENOENT)
        return -1;
    int fd = open(lp->fresh, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0)
        return -1;
    close(fd);
    if (rename(lp->fresh, lp->empty) < 0)
        return -1;
    return link(lp->empty, lp->tmp);
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

/* Moves the inode of the empty log at path to stock name `to`, and puts a link to the one empty file at path in
 * its place (one rename: the log never goes missing). So a job that writes nothing costs no inode: on ext4 an
 * inode is the dearest part of a log. A log that is not empty, or still open elsewhere (unused), stays. */
static int take_back(logpool_t *lp, const char *path, const char *to)
{
    if (!unused(path))
        return -1;
    if (link(path, to) < 0)
        return -1;
    if (empty_link(lp) < 0 || rename(lp->tmp, path) < 0) {
        unlink(lp->tmp);
        unlink(to);
        return -1;
    }
    return 0;
}

static void *stocker(void *arg)
{
    logpool_t *lp = arg;
    clear(lp->dir[0]);
    clear(lp->dir[1]);
    unlink(lp->tmp);
    /* the folders of engine_log_path: made once here rather than by the first job that needs each */
    for (int i = 0; i < 256; i++) {
        char dir[4096];
        snprintf(dir, sizeof dir, "%s/%02x", lp->logs, i);
        mkdir(dir, 0700);
    }
    pthread_mutex_lock(&lp->lock);
    while (!lp->stop) {
        int d = 1 - lp->serving;
        if (lp->hi[d] - lp->lo[d] >= HALF) {
            pthread_cond_wait(&lp->wake, &lp->lock);
            continue;
        }
        unsigned long n = lp->hi[d]; /* only this thread raises hi */
        char *back = lp->nback ? lp->back[--lp->nback] : NULL;
        pthread_mutex_unlock(&lp->lock);
        char path[4096];
        stock_name(lp, d, n, path, sizeof path);
        int err = 0;
        if (!back || take_back(lp, back, path) < 0) { /* nothing came back (or it could not): a new file */
            int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
            if (fd < 0)
                err = errno;
            else
                close(fd);
        }
        free(back);
        pthread_mutex_lock(&lp->lock);
        if (err) { /* the disk is full, or the folder went away: try again later; the engine makes its own */
            log_warn("logpool: cannot make %s: %s", path, strerror(err));
            struct timespec ts;
            clock_gettime(CLOCK_REALTIME, &ts);
            ts.tv_sec += 5;
            pthread_cond_timedwait(&lp->wake, &lp->lock, &ts);
            continue;
        }
        lp->hi[d] = n + 1;
    }
    pthread_mutex_unlock(&lp->lock);
    return NULL;
}

logpool_t *logpool_start(const char *log_dir)
{
    logpool_t *lp = calloc(1, sizeof *lp);
    if (!lp)
        return NULL;
    size_t n = strlen(log_dir) + 16;
    char pool[4096];
    snprintf(pool, sizeof pool, "%s/.pool", log_dir);
    lp->logs = strdup(log_dir);
    for (int d = 0; d < 2; d++)
        if ((lp->dir[d] = malloc(n)))
            snprintf(lp->dir[d], n, "%s/.pool/%d", log_dir, d);
    char **names[] = {&lp->empty, &lp->tmp, &lp->fresh};
    static const char *const base[] = {"empty", "link", "empty.new"};
    for (int k = 0; k < 3; k++)
        if ((*names[k] = malloc(n)))
            snprintf(*names[k], n, "%s/.pool/%s", log_dir, base[k]);
    if (!lp->logs || !lp->dir[0] || !lp->dir[1] || !lp->empty || !lp->tmp || !lp->fresh ||
        (mkdir(pool, 0700) < 0 && errno != EEXIST) ||
        (mkdir(lp->dir[0], 0700) < 0 && errno != EEXIST) || (mkdir(lp->dir[1], 0700) < 0 && errno != EEXIST))
        goto fail;
    pthread_mutex_init(&lp->lock, NULL);
    pthread_cond_init(&lp->wake, NULL);
    if (pthread_create(&lp->thread, NULL, stocker, lp) != 0) {
        pthread_mutex_destroy(&lp->lock);
        pthread_cond_destroy(&lp->wake);
        goto fail;
    }
    return lp;
fail:
    free(lp->dir[0]);
    free(lp->dir[1]);
    free(lp->empty);
    free(lp->tmp);
    free(lp->fresh);
    free(lp->logs);
    free(lp);
    return NULL;
}

/* Takes the next stocked file: its name in from. 0, or -1 with errno when there is none. */
static int take(logpool_t *lp, char *from, size_t n)
{
    if (!lp) {
        errno = ENOENT;
        return -1;
    }
    pthread_mutex_lock(&lp->lock);
    int d = lp->serving;
    if (lp->lo[d] == lp->hi[d] && lp->lo[1 - d] < lp->hi[1 - d]) { /* this folder is used up: the other serves */
        d = lp->serving = 1 - d;
        pthread_cond_signal(&lp->wake);
    }
    bool have = lp->lo[d] < lp->hi[d];
    unsigned long k = have ? lp->lo[d]++ : 0;
    pthread_mutex_unlock(&lp->lock);
    if (!have) {
        errno = ENOENT;
        return -1;
    }
    stock_name(lp, d, k, from, n);
    return 0;
}

int logpool_open(logpool_t *lp, char *stock, size_t n)
{
    if (take(lp, stock, n) < 0)
        return -1;
    int fd = open(stock, O_WRONLY | O_CLOEXEC);
    if (fd < 0)
        unlink(stock);
    return fd;
}

void logpool_recycle(logpool_t *lp, const char *path)
{
    if (!lp)
        return;
    char *copy = strdup(path);
    pthread_mutex_lock(&lp->lock);
    if (!lp->back)
        lp->back = calloc(BACK_MAX, sizeof *lp->back);
    if (copy && lp->back && lp->nback < BACK_MAX) {
        lp->back[lp->nback++] = copy;
        copy = NULL;
    }
    pthread_mutex_unlock(&lp->lock);
    free(copy); /* no room: it stays where it is */
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
    for (size_t i = 0; i < lp->nback; i++)
        free(lp->back[i]);
    free(lp->back);
    free(lp->dir[0]);
    free(lp->dir[1]);
    free(lp->empty);
    free(lp->tmp);
    free(lp->fresh);
    free(lp->logs);
    free(lp);
}
