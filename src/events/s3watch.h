/* Watches glued's S3 root (<root>/<bucket>/<key>) with inotify and reports each object that was completely
 * written: a file closed after writing (IN_CLOSE_WRITE) or moved in (IN_MOVED_TO). Directories created or moved
 * in later are watched too. A directory that appears already holding files (mkdir -p and a fast writer race the
 * watch) is scanned: files moved in with it are reported at once, files found in a new directory once they have
 * been quiet for settle_ms (or at their close, whichever comes first), so each is reported once. A found file that
 * is still changing is reported at its close, or, should the kernel miss that close (it can, for a file created
 * in the instant its directory's watch is added), once it has been quiet for ten times settle_ms.
 *
 * Not thread-safe: one owner (the engine thread) calls s3watch_process when s3watch_fd is readable and when
 * s3watch_next_due says a settle check is due. Memory is bounded: at most max_dirs watched directories and
 * max_pending files waiting to settle (past that they are reported at once). Files directly in the root (not in
 * a bucket) are not objects and are ignored; so are symbolic links and anything that is not a regular file. */
#ifndef GLUED_EVENTS_S3WATCH_H
#define GLUED_EVENTS_S3WATCH_H

#include <stddef.h>
#include <stdint.h>

typedef struct s3watch s3watch_t;

/* One object that was completely written. The strings are borrowed for the callback's duration. */
typedef struct s3watch_object {
    const char *bucket, *key;
    int64_t size;     /* bytes */
    int64_t mtime_ms; /* the file's modification time */
} s3watch_object_t;

typedef void (*s3watch_fn)(void *ctx, const s3watch_object_t *o);

typedef struct s3watch_opts {
    size_t max_dirs;    /* watched directories (default 65536) */
    size_t max_pending; /* files found by a scan, waiting to settle (default 4096) */
    int64_t settle_ms;  /* quiet time before a scanned file is reported (default 200; real milliseconds) */
    int64_t since_ns;   /* files already there at start and changed (written, or moved in) after this real time,
                           in ns since the epoch, are new: they landed while glued was down (0: none is new) */
} s3watch_opts_t;

/* Starts watching root (created if missing). opts may be NULL. Returns 0 with *out, or -1 with a message. */
int s3watch_open(const char *root, const s3watch_opts_t *opts, s3watch_fn fn, void *ctx, s3watch_t **out, char *err,
                 size_t errlen);
void s3watch_close(s3watch_t *w);
/* The inotify descriptor (non-blocking): call s3watch_process when it is readable. */
int s3watch_fd(const s3watch_t *w);
/* Handles every event queued now, and the settle checks due at now_ms (util_mono_ns in milliseconds).
 * Calls fn for each completed object. Returns the number reported. */
int s3watch_process(s3watch_t *w, int64_t now_ms);
/* Milliseconds from now_ms until the next settle check (0 if one is due), or -1 when none waits. */
int64_t s3watch_next_due(const s3watch_t *w, int64_t now_ms);
/* Real time, in ns since the epoch, up to which every file that landed has been reported: when the last
 * s3watch_process began, or earlier while a file found by a scan waits to be reported. What the owner delivered
 * up to it need not be reported again after a restart (opts.since_ns). */
int64_t s3watch_mark_ns(const s3watch_t *w);
/* Files changed while glued was down that the start found (reported once settled, as scanned files are). */
size_t s3watch_found_at_start(const s3watch_t *w);

/* For tests and logs: directories watched, files waiting to settle (found by a scan and not reported yet), events
 * the kernel dropped (queue overflow). */
void s3watch_stats(const s3watch_t *w, size_t *dirs, size_t *pending, size_t *overflows);

#endif
