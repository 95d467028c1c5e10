/* The S3 root watcher (see s3watch.h). Reading order: the tables (watched directories by descriptor, files
 * waiting to settle), adding a directory tree, reporting, the inotify event handler, then the public calls. */
#include "events/s3watch.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "util/util.h"

#define DIR_MASK                                                                                                       \
    (IN_CLOSE_WRITE | IN_MOVED_TO | IN_MOVED_FROM | IN_CREATE | IN_DELETE_SELF | IN_MOVE_SELF | IN_ONLYDIR |           \
     IN_DONT_FOLLOW | IN_EXCL_UNLINK)
#define TREE_DEPTH_MAX 128 /* directories nested deeper are not watched (keys are at most 1024 bytes anyway) */
#define QUIET_TIMES    10  /* a scanned file seen changing: reported at its close, or once quiet this many settles */
#define KEEP_TIMES     50  /* a file reported before its close is remembered this many settles */

typedef struct wdir {
    int wd;
    char *rel;    /* path below the root: "" for the root, "bucket", "bucket/dir" */
    bool scanned; /* its files were looked at as new (created or moved in), not as there before glued started */
} wdir_t;

typedef struct pend {
    char *rel; /* "bucket/key" */
    dev_t dev;
    ino_t ino;
    int64_t size, mtime_ns, due_ms;
    int64_t changed_ns; /* when it was found: the later of its mtime and ctime */
    bool reported;      /* reported once quiet, before its close: kept until due_ms so that its close is not reported */
} pend_t;

struct s3watch {
    int fd;
    char *root;
    s3watch_fn fn;
    void *ctx;
    s3watch_opts_t o;
    wdir_t *dirs; /* sorted by wd */
    size_t ndirs, capdirs;
    pend_t *pend;
    size_t npend;
    size_t overflows;
    bool full_logged;
    int64_t now_ms;
    int64_t pass_ns; /* real time when the last pass over the events began */
    size_t at_start; /* files changed while glued was down, found at start */
    int reported;
};

static int64_t real_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

/* When the file last changed in a way that makes it new: written (mtime), or moved or copied in with an older
 * mtime (ctime). */
static int64_t changed_ns(const struct stat *sb)
{
    int64_t m = (int64_t)sb->st_mtim.tv_sec * 1000000000 + sb->st_mtim.tv_nsec;
    int64_t c = (int64_t)sb->st_ctim.tv_sec * 1000000000 + sb->st_ctim.tv_nsec;
    return m > c ? m : c;
}

/* ---- watched directories ---- */

static size_t dir_pos(const s3watch_t *w, int wd)
{
    size_t lo = 0, hi = w->ndirs;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (w->dirs[mid].wd < wd)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static wdir_t *dir_find(s3watch_t *w, int wd)
{
    size_t i = dir_pos(w, wd);
    return i < w->ndirs && w->dirs[i].wd == wd ? &w->dirs[i] : NULL;
}

static void dir_remove_at(s3watch_t *w, size_t i)
{
    free(w->dirs[i].rel);
    memmove(&w->dirs[i], &w->dirs[i + 1], (w->ndirs - i - 1) * sizeof *w->dirs);
    w->ndirs--;
}

/* Records wd -> rel; a wd already known (the same directory reached again) takes the new path. */
static int dir_put(s3watch_t *w, int wd, const char *rel, bool scanned)
{
    size_t i = dir_pos(w, wd);
    char *copy = strdup(rel);
    if (!copy)
        return -1;
    if (i < w->ndirs && w->dirs[i].wd == wd) {
        free(w->dirs[i].rel);
        w->dirs[i].rel = copy;
        w->dirs[i].scanned = scanned;
        return 0;
    }
    if (w->ndirs == w->capdirs) {
        size_t cap = w->capdirs ? 2 * w->capdirs : 64;
        wdir_t *d = realloc(w->dirs, cap * sizeof *d);
        if (!d) {
            free(copy);
            return -1;
        }
        w->dirs = d;
        w->capdirs = cap;
    }
    memmove(&w->dirs[i + 1], &w->dirs[i], (w->ndirs - i) * sizeof *w->dirs);
    w->dirs[i].wd = wd;
    w->dirs[i].rel = copy;
    w->dirs[i].scanned = scanned;
    w->ndirs++;
    return 0;
}

/* Whether rel is dir or below it ("" is the root, above everything). */
static bool under(const char *rel, const char *dir)
{
    size_t n = strlen(dir);
    return n == 0 || (strncmp(rel, dir, n) == 0 && (rel[n] == '\0' || rel[n] == '/'));
}

/* A directory left (moved away), or the root: stop watching it and everything below it. */
static void forget_tree(s3watch_t *w, const char *rel)
{
    for (size_t i = 0; i < w->ndirs;) {
        if (under(w->dirs[i].rel, rel)) {
            inotify_rm_watch(w->fd, w->dirs[i].wd);
            dir_remove_at(w, i);
        } else {
            i++;
        }
    }
    for (size_t i = 0; i < w->npend;) {
        if (under(w->pend[i].rel, rel)) {
            free(w->pend[i].rel);
            w->pend[i] = w->pend[--w->npend];
        } else {
            i++;
        }
    }
}

/* ---- reporting ---- */

static void full_path(const s3watch_t *w, const char *rel, char *out, size_t n)
{
    snprintf(out, n, "%s/%s", w->root, rel);
}

static void report(s3watch_t *w, const char *rel, const struct stat *sb)
{
    const char *slash = strchr(rel, '/');
    if (!slash || slash == rel || slash[1] == '\0')
        return; /* directly in the root: not in a bucket */
    char bucket[256];
    size_t bl = (size_t)(slash - rel);
    if (bl >= sizeof bucket)
        return; /* S3 bucket names have at most 63 characters */
    memcpy(bucket, rel, bl);
    bucket[bl] = '\0';
    s3watch_object_t o = {.bucket = bucket,
                          .key = slash + 1,
                          .size = (int64_t)sb->st_size,
                          .mtime_ms = (int64_t)sb->st_mtim.tv_sec * 1000 + sb->st_mtim.tv_nsec / 1000000};
    w->reported++;
    w->fn(w->ctx, &o);
}

static int64_t mtime_ns(const struct stat *sb)
{
    return (int64_t)sb->st_mtim.tv_sec * 1000000000 + sb->st_mtim.tv_nsec;
}

/* Whether the file is the one p last looked at, unchanged. */
static bool unchanged(const pend_t *p, const struct stat *sb)
{
    return sb->st_ino == p->ino && sb->st_dev == p->dev && sb->st_size == p->size && mtime_ns(sb) == p->mtime_ns;
}

static void pend_remove(s3watch_t *w, size_t i)
{
    free(w->pend[i].rel);
    w->pend[i] = w->pend[--w->npend];
}

/* The position of rel's entry in pend, or npend. */
static size_t pend_find(const s3watch_t *w, const char *rel)
{
    size_t i = 0;
    while (i < w->npend && strcmp(w->pend[i].rel, rel) != 0)
        i++;
    return i;
}

static void pend_drop(s3watch_t *w, const char *rel)
{
    size_t i = pend_find(w, rel);
    if (i < w->npend)
        pend_remove(w, i);
}

/* A file that is complete now (closed after writing, or moved in). One reported when it was quiet, before this
 * close, is not reported again unless it changed since. */
static void file_done(s3watch_t *w, const char *rel)
{
    char path[PATH_MAX + 256];
    struct stat sb;
    full_path(w, rel, path, sizeof path);
    bool ok = lstat(path, &sb) == 0 && S_ISREG(sb.st_mode);
    size_t i = pend_find(w, rel);
    bool again = i < w->npend && w->pend[i].reported && ok && unchanged(&w->pend[i], &sb);
    if (i < w->npend)
        pend_remove(w, i);
    if (ok && !again)
        report(w, rel, &sb);
}

/* A file found by scanning a new directory: it may still be being written; report it once it has been quiet. */
static void file_found(s3watch_t *w, const char *rel, const struct stat *sb)
{
    if (w->npend >= w->o.max_pending) {
        report(w, rel, sb);
        return;
    }
    char *copy = strdup(rel);
    if (!copy)
        return;
    w->pend[w->npend++] = (pend_t){.rel = copy,
                                   .dev = sb->st_dev,
                                   .ino = sb->st_ino,
                                   .size = (int64_t)sb->st_size,
                                   .mtime_ns = mtime_ns(sb),
                                   .changed_ns = changed_ns(sb),
                                   .due_ms = w->now_ms + w->o.settle_ms};
}

/* The files found by scans whose look is due: one unchanged since the last look is reported; one that changed has
 * a writer at work, whose close reports it. The directory was watched before the scan looked, so that close is
 * seen, nearly always: when the file was created in the instant its directory's watch was being added, the kernel
 * can miss it (seen under a burst of mkdir -p and writes), so the file is looked at again, and reported once it
 * has been quiet for QUIET_TIMES settles. A reported file is remembered for a while, so that a late close does not
 * report it twice. */
static void settle(s3watch_t *w)
{
    char path[PATH_MAX + 256];
    for (size_t i = 0; i < w->npend;) {
        pend_t *p = &w->pend[i];
        if (p->due_ms > w->now_ms) {
            i++;
            continue;
        }
        struct stat sb;
        full_path(w, p->rel, path, sizeof path);
        bool gone = lstat(path, &sb) < 0 || !S_ISREG(sb.st_mode) || sb.st_ino != p->ino || sb.st_dev != p->dev;
        if (gone || p->reported) { /* deleted or replaced (its close or move reports the new one), or kept enough */
            pend_remove(w, i);
            continue;
        }
        bool quiet = unchanged(p, &sb);
        p->size = (int64_t)sb.st_size;
        p->mtime_ns = mtime_ns(&sb);
        p->due_ms = w->now_ms + (quiet ? KEEP_TIMES : QUIET_TIMES) * w->o.settle_ms;
        p->reported = quiet;
        if (quiet)
            report(w, p->rel, &sb);
        i++;
    }
}

/* ---- adding a directory tree ---- */

/* What a scan does with the files it finds. */
enum scan { SCAN_START, SCAN_MOVED, SCAN_CREATED };

/* Watches dir (rel below the root) and what it holds. Files found are there from before glued started (START:
 * not new, unless they changed after opts.since_ns: then as CREATED), complete (MOVED in with their directory:
 * reported now), or possibly still being written (CREATED: reported once settled). */
static void add_tree(s3watch_t *w, const char *rel, enum scan how)
{
    char path[PATH_MAX + 256];
    int depth = 0;
    for (const char *p = rel; *rel && p; p = strchr(p + 1, '/'))
        depth++;
    if (depth > TREE_DEPTH_MAX)
        return;
    if (w->ndirs >= w->o.max_dirs) {
        if (!w->full_logged)
            log_warn("s3 events: watching %zu directories, the limit; files in new directories under %s are not "
                     "seen",
                     w->ndirs, w->root);
        w->full_logged = true;
        return;
    }
    full_path(w, rel, path, sizeof path);
    if (!*rel)
        snprintf(path, sizeof path, "%s", w->root);
    int wd = inotify_add_watch(w->fd, path, DIR_MASK);
    if (wd < 0) {
        if (errno == ENOSPC && !w->full_logged) {
            log_warn("s3 events: the kernel's inotify watch limit is reached (fs.inotify.max_user_watches); files "
                     "in new directories under %s are not seen",
                     w->root);
            w->full_logged = true;
        }
        return;
    }
    /* Reached again under the same name after a scan for new files: its creation event was still queued when its
     * parent's scan found it (mkdir -p racing the watch). What that scan found waits in pend, and the watch sees
     * what is closed or made in it since; a second scan would report its files twice. */
    const wdir_t *known = dir_find(w, wd);
    if (how == SCAN_CREATED && known && known->scanned && strcmp(known->rel, rel) == 0)
        return;
    if (dir_put(w, wd, rel, how != SCAN_START) < 0)
        return;
    DIR *d = opendir(path);
    if (!d)
        return;
    struct dirent *de;
    while ((de = readdir(d))) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        char sub[PATH_MAX];
        if (snprintf(sub, sizeof sub, "%s%s%s", rel, *rel ? "/" : "", de->d_name) >= (int)sizeof sub)
            continue;
        char subpath[PATH_MAX + 256];
        full_path(w, sub, subpath, sizeof subpath);
        struct stat sb;
        if (lstat(subpath, &sb) < 0)
            continue;
        if (S_ISDIR(sb.st_mode))
            add_tree(w, sub, how);
        else if (S_ISREG(sb.st_mode) && how == SCAN_MOVED)
            report(w, sub, &sb);
        else if (S_ISREG(sb.st_mode) && how == SCAN_CREATED)
            file_found(w, sub, &sb);
        else if (S_ISREG(sb.st_mode) && how == SCAN_START && w->o.since_ns > 0 && changed_ns(&sb) > w->o.since_ns) {
            w->at_start++;
            file_found(w, sub, &sb);
        }
    }
    closedir(d);
}

/* ---- events ---- */

static void handle(s3watch_t *w, const struct inotify_event *ev)
{
    if (ev->mask & IN_Q_OVERFLOW) {
        w->overflows++;
        log_warn("s3 events: the kernel dropped file events (queue overflow); some files under %s were not seen",
                 w->root);
        return;
    }
    wdir_t *d = dir_find(w, ev->wd);
    if (!d)
        return; /* a watch already forgotten */
    if (!*d->rel && (ev->mask & (IN_IGNORED | IN_MOVE_SELF))) {
        /* The root itself was removed or moved away: without a new watch, files landing in a root made again at
         * its path would go unseen, and the delivery mark, which still rises, would skip them at the next start
         * too. Make and watch the root again; what is already in it is new. */
        log_warn("s3 events: the S3 root %s was %s; watching a new one at that path", w->root,
                 (ev->mask & IN_MOVE_SELF) ? "moved away" : "removed");
        forget_tree(w, "");
        if (mkdir(w->root, 0755) < 0 && errno != EEXIST) /* not its parents: the data directory may be going */
            log_error("s3 events: cannot make the S3 root %s again (%s): files landing there are not seen until "
                      "glued restarts",
                      w->root, strerror(errno));
        else
            add_tree(w, "", SCAN_CREATED);
        return;
    }
    if (ev->mask & IN_IGNORED) {
        dir_remove_at(w, (size_t)(d - w->dirs));
        return;
    }
    if (ev->len == 0 || !ev->name[0])
        return;
    char rel[PATH_MAX];
    if (snprintf(rel, sizeof rel, "%s%s%s", d->rel, *d->rel ? "/" : "", ev->name) >= (int)sizeof rel)
        return;
    if (ev->mask & IN_ISDIR) {
        if (ev->mask & IN_MOVED_FROM)
            forget_tree(w, rel);
        else if (ev->mask & (IN_CREATE | IN_MOVED_TO))
            add_tree(w, rel, (ev->mask & IN_MOVED_TO) ? SCAN_MOVED : SCAN_CREATED);
        return;
    }
    if (ev->mask & (IN_CLOSE_WRITE | IN_MOVED_TO))
        file_done(w, rel);
    else if (ev->mask & IN_MOVED_FROM)
        pend_drop(w, rel);
}

int s3watch_process(s3watch_t *w, int64_t now_ms)
{
    /* aligned for struct inotify_event, as inotify(7) asks */
    char buf[65536] __attribute__((aligned(__alignof__(struct inotify_event))));
    w->now_ms = now_ms;
    w->pass_ns = real_ns(); /* before the reads: a file closed before this is in what they read */
    w->reported = 0;
    for (;;) {
        ssize_t n = read(w->fd, buf, sizeof buf);
        if (n <= 0)
            break; /* EAGAIN: nothing more queued */
        for (char *p = buf; p < buf + n;) {
            const struct inotify_event *ev = (const struct inotify_event *)p;
            handle(w, ev);
            p += sizeof *ev + ev->len;
        }
    }
    settle(w);
    return w->reported;
}

int64_t s3watch_mark_ns(const s3watch_t *w)
{
    int64_t mark = w->pass_ns;
    for (size_t i = 0; i < w->npend; i++)
        if (!w->pend[i].reported && w->pend[i].changed_ns - 1 < mark)
            mark = w->pend[i].changed_ns - 1;
    return mark;
}

size_t s3watch_found_at_start(const s3watch_t *w)
{
    return w->at_start;
}

int64_t s3watch_next_due(const s3watch_t *w, int64_t now_ms)
{
    int64_t next = -1;
    for (size_t i = 0; i < w->npend; i++)
        if (next < 0 || w->pend[i].due_ms < next)
            next = w->pend[i].due_ms;
    if (next < 0)
        return -1;
    return next > now_ms ? next - now_ms : 0;
}

/* mkdir -p */
static int make_dirs(const char *path)
{
    char tmp[PATH_MAX];
    if (snprintf(tmp, sizeof tmp, "%s", path) >= (int)sizeof tmp)
        return -1;
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(tmp, 0755) < 0 && errno != EEXIST)
                return -1;
            *p = '/';
        }
    return mkdir(tmp, 0755) < 0 && errno != EEXIST ? -1 : 0;
}

int s3watch_open(const char *root, const s3watch_opts_t *opts, s3watch_fn fn, void *ctx, s3watch_t **out, char *err,
                 size_t errlen)
{
    s3watch_t *w = calloc(1, sizeof *w);
    if (!w) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    w->fd = -1;
    w->fn = fn;
    w->ctx = ctx;
    if (opts)
        w->o = *opts;
    if (w->o.max_dirs == 0)
        w->o.max_dirs = 65536;
    if (w->o.max_pending == 0)
        w->o.max_pending = 4096;
    if (w->o.settle_ms <= 0)
        w->o.settle_ms = 200;
    w->root = strdup(root);
    w->pend = calloc(w->o.max_pending, sizeof *w->pend);
    if (!w->root || !w->pend) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    size_t rl = strlen(w->root);
    while (rl > 1 && w->root[rl - 1] == '/')
        w->root[--rl] = '\0';
    if (make_dirs(w->root) < 0) {
        snprintf(err, errlen, "cannot create the S3 root %s: %s", w->root, strerror(errno));
        goto fail;
    }
    w->fd = inotify_init1(IN_NONBLOCK | IN_CLOEXEC);
    if (w->fd < 0) {
        snprintf(err, errlen, "inotify is not available: %s", strerror(errno));
        goto fail;
    }
    w->pass_ns = real_ns();                          /* before the scan: what changes after it is seen by the watches */
    w->now_ms = (int64_t)(util_mono_ns() / 1000000); /* the clock s3watch_process is given: files found settle */
    /* what is there at start is not new, but what changed while glued was down (opts.since_ns) */
    add_tree(w, "", SCAN_START);
    if (w->ndirs == 0) {
        snprintf(err, errlen, "cannot watch the S3 root %s: %s", w->root, strerror(errno));
        goto fail;
    }
    *out = w;
    return 0;
fail:
    s3watch_close(w);
    return -1;
}

void s3watch_close(s3watch_t *w)
{
    if (!w)
        return;
    if (w->fd >= 0)
        close(w->fd);
    for (size_t i = 0; i < w->ndirs; i++)
        free(w->dirs[i].rel);
    free(w->dirs);
    for (size_t i = 0; i < w->npend; i++)
        free(w->pend[i].rel);
    free(w->pend);
    free(w->root);
    free(w);
}

int s3watch_fd(const s3watch_t *w)
{
    return w->fd;
}

void s3watch_stats(const s3watch_t *w, size_t *dirs, size_t *pending, size_t *overflows)
{
    if (dirs)
        *dirs = w->ndirs;
    if (pending) { /* waiting to be reported: not those remembered after it */
        *pending = 0;
        for (size_t i = 0; i < w->npend; i++)
            *pending += !w->pend[i].reported;
    }
    if (overflows)
        *overflows = w->overflows;
}
