/* Small shared pieces: clock, random ids, base64url, logging. Thread-safe; no global state but the log level. */
#ifndef GLUED_UTIL_H
#define GLUED_UTIL_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* glued's clock in milliseconds since the epoch: every timestamp the API reports, every cron time, batch window
 * and job Timeout is measured on it. It is the real wall clock unless util_clock_set made it a test clock. */
int64_t util_now_ms(void);
/* Monotonic clock in nanoseconds (for durations). Always real time. */
uint64_t util_mono_ns(void);

#define UTIL_CLOCK_RATE_MAX 1000000.0
/* Makes glued's clock a test clock: from now on it reads start_ms (epoch ms; -1 = the real time now) plus the
 * real time elapsed since this call times rate (0 < rate <= UTIL_CLOCK_RATE_MAX). Call before any thread
 * starts; returns -1 (nothing changed) for a rate out of range. */
int util_clock_set(int64_t start_ms, double rate);
double util_clock_rate(void);
/* How many real milliseconds `glued_ms` of glued time last: rounded up, so a timer armed with it never wakes
 * before glued's clock reaches the instant; 0 for 0 or less. Libuv timers count real milliseconds. */
int64_t util_clock_real_ms(int64_t glued_ms);

/* ISO 8601 instants: "YYYY-MM-DDTHH:MM[:SS[.fff]]" followed by "Z" or "+HH:MM"/"-HH:MM", to epoch milliseconds.
 * Returns -1 on anything else. */
int util_parse_iso8601(const char *s, int64_t *ms);
/* "YYYY-MM-DDTHH:MM:SSZ" (whole seconds, UTC; the form EventBridge events carry) into out (>= 21 bytes). */
void util_format_iso8601(int64_t ms, char out[32]);

/* Fills buf with n cryptographically random bytes (getrandom); aborts if the kernel cannot give them. */
void util_random(void *buf, size_t n);
/* Writes prefix + 2*nbytes lowercase hex digits + NUL into out (size >= strlen(prefix)+2*nbytes+1);
 * nbytes is at most 64. */
void util_random_id(char *out, const char *prefix, size_t nbytes);
/* A random version-4 UUID as 36 characters + NUL. */
void util_uuid(char out[37]);
/* Lowercase hex of n bytes into out (2n+1). */
void util_hex(char *out, const uint8_t *in, size_t n);
/* The 32-bit FNV-1a hash of s: for spreading keys over buckets or segments, not for anything adversarial. */
uint32_t util_fnv1a32(const char *s);
/* The 64-bit FNV-1a hash h carried on over n more bytes at p; a hash starts from UTIL_FNV64_START. */
#define UTIL_FNV64_START 0xcbf29ce484222325ULL
uint64_t util_fnv1a64(uint64_t h, const void *p, size_t n);

/* base64url without padding. encode writes 4*ceil(n/3)+1 bytes at most; decode returns the decoded length,
 * or -1 on a character outside the alphabet. */
size_t util_b64url_encode(char *out, const uint8_t *in, size_t n);
long util_b64url_decode(uint8_t *out, size_t cap, const char *in, size_t n);

/* Makes s valid UTF-8 in place: invalid bytes become '?' and a sequence cut at the end is dropped (messages
 * are cut by snprintf and %.Ns, which know bytes, not characters). */
void util_utf8_repair(char *s);

/* mkdir -p: creates dir and its missing parents, each with mode 0700; 0, or -1 with errno set (ENOTDIR when dir
 * exists but is not a directory, EACCES when it is not writable). */
int util_mkdirs(const char *dir);

enum { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };
void util_log_level(int level);
void util_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
#define log_debug(...) util_log(LOG_DEBUG, __VA_ARGS__)
#define log_info(...)  util_log(LOG_INFO, __VA_ARGS__)
#define log_warn(...)  util_log(LOG_WARN, __VA_ARGS__)
#define log_error(...) util_log(LOG_ERROR, __VA_ARGS__)

#endif
