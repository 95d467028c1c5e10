/* Clock (and the test clock), randomness, ids, base64url, ISO 8601 and the log: the leaf helpers every other
 * module uses. */
#include "util/util.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* The test clock: set once by main before any thread starts, read-only afterwards. */
static bool clock_test;
static int64_t clock_base_ms;
static uint64_t clock_mono0;
static double clock_rate = 1.0;

uint64_t util_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int64_t real_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t util_now_ms(void)
{
    if (!clock_test)
        return real_now_ms();
    /* elapsed real time from the monotonic clock: a wall-clock step on the host does not move glued's */
    double elapsed_ms = (double)(util_mono_ns() - clock_mono0) / 1e6;
    return clock_base_ms + (int64_t)(elapsed_ms * clock_rate);
}

int util_clock_set(int64_t start_ms, double rate)
{
    if (!(rate > 0 && rate <= UTIL_CLOCK_RATE_MAX))
        return -1;
    clock_base_ms = start_ms < 0 ? real_now_ms() : start_ms;
    clock_mono0 = util_mono_ns();
    clock_rate = rate;
    clock_test = true;
    return 0;
}

double util_clock_rate(void)
{
    return clock_rate;
}

int64_t util_clock_real_ms(int64_t glued_ms)
{
    if (glued_ms <= 0)
        return 0;
    if (clock_rate == 1.0)
        return glued_ms;
    double real = (double)glued_ms / clock_rate;
    int64_t r = (int64_t)real;
    return r < real ? r + 1 : r;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (Howard Hinnant's days_from_civil). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

/* n decimal digits at s into *out; -1 unless all n are digits. */
static int digits(const char *s, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

int util_parse_iso8601(const char *s, int64_t *ms)
{
    static const int mdays[] = {31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    int y, mo, d, h, mi, sec = 0, frac = 0;
    if (!s || strlen(s) < 17 || digits(s, 4, &y) < 0 || s[4] != '-' || digits(s + 5, 2, &mo) < 0 || s[7] != '-' ||
        digits(s + 8, 2, &d) < 0 || (s[10] != 'T' && s[10] != 't') || digits(s + 11, 2, &h) < 0 || s[13] != ':' ||
        digits(s + 14, 2, &mi) < 0)
        return -1;
    const char *p = s + 16;
    if (*p == ':') {
        if (digits(p + 1, 2, &sec) < 0)
            return -1;
        p += 3;
        if (*p == '.') {
            p++;
            int n = 0;
            while (*p >= '0' && *p <= '9') {
                if (n < 3)
                    frac = frac * 10 + (*p - '0');
                n++;
                p++;
            }
            if (n == 0 || n > 9)
                return -1;
            for (; n < 3; n++)
                frac *= 10;
        }
    }
    int64_t off_min = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    } else if (*p == '+' || *p == '-') {
        int oh, om;
        if (digits(p + 1, 2, &oh) < 0 || p[3] != ':' || digits(p + 4, 2, &om) < 0 || oh > 23 || om > 59)
            return -1;
        off_min = (oh * 60 + om) * (*p == '-' ? -1 : 1);
        p += 6;
    } else {
        return -1;
    }
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (*p || mo < 1 || mo > 12 || d < 1 || d > mdays[mo - 1] || (mo == 2 && d == 29 && !leap) || h > 23 || mi > 59 ||
        sec > 59)
        return -1;
    int64_t days = days_from_civil(y, mo, d);
    *ms = ((days * 24 + h) * 60 + mi - off_min) * 60000 + (int64_t)sec * 1000 + frac;
    return 0;
}

void util_format_iso8601(int64_t ms, char out[32])
{
    time_t t = (time_t)(ms >= 0 ? ms / 1000 : (ms - 999) / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    if (strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
        out[0] = '\0';
}

/* Fills buf straight from the kernel. */
static void random_kernel(void *buf, size_t n)
{
    uint8_t *p = buf;
    while (n > 0) {
        ssize_t got = getrandom(p, n, 0);
        if (got < 0) {
            perror("glued: getrandom");
            abort();
        }
        p += got;
        n -= (size_t)got;
    }
}

/* Each thread draws from its own pool of kernel randomness: one getrandom per 4 KiB instead of one per id
 * (a syscall per request showed up as 8% of GetWorkflow's CPU). Bytes are used once and never shared. */
void util_random(void *buf, size_t n)
{
    static __thread uint8_t pool[4096];
    static __thread size_t left;
    uint8_t *p = buf;
    if (n > sizeof pool / 2) {
        random_kernel(buf, n);
        return;
    }
    while (n > 0) {
        if (left == 0) {
            random_kernel(pool, sizeof pool);
            left = sizeof pool;
        }
        size_t k = n < left ? n : left;
        memcpy(p, pool + sizeof pool - left, k);
        memset(pool + sizeof pool - left, 0, k);
        left -= k;
        p += k;
        n -= k;
    }
}

void util_hex(char *out, const uint8_t *in, size_t n)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * n] = '\0';
}

uint32_t util_fnv1a32(const char *s)
{
    uint32_t h = 2166136261u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 16777619u;
    return h;
}

uint64_t util_fnv1a64(uint64_t h, const void *p, size_t n)
{
    const unsigned char *b = p;
    for (size_t i = 0; i < n; i++)
        h = (h ^ b[i]) * 0x100000001b3ULL;
    return h;
}

void util_random_id(char *out, const char *prefix, size_t nbytes)
{
    uint8_t raw[64];
    if (nbytes > sizeof raw)
        nbytes = sizeof raw;
    util_random(raw, nbytes);
    size_t plen = strlen(prefix);
    memcpy(out, prefix, plen);
    util_hex(out + plen, raw, nbytes);
}

void util_uuid(char out[37])
{
    uint8_t b[16];
    util_random(b, sizeof b);
    b[6] = (uint8_t)((b[6] & 0x0f) | 0x40);
    b[8] = (uint8_t)((b[8] & 0x3f) | 0x80);
    char hex[33];
    util_hex(hex, b, sizeof b);
    /* 8-4-4-4-12 */
    memcpy(out, hex, 8);
    out[8] = '-';
    memcpy(out + 9, hex + 8, 4);
    out[13] = '-';
    memcpy(out + 14, hex + 12, 4);
    out[18] = '-';
    memcpy(out + 19, hex + 16, 4);
    out[23] = '-';
    memcpy(out + 24, hex + 20, 12);
    out[36] = '\0';
}

static const char b64chars[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

size_t util_b64url_encode(char *out, const uint8_t *in, size_t n)
{
    size_t o = 0, i = 0;
    for (; i + 2 < n; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8 | in[i + 2];
        out[o++] = b64chars[v >> 18];
        out[o++] = b64chars[(v >> 12) & 63];
        out[o++] = b64chars[(v >> 6) & 63];
        out[o++] = b64chars[v & 63];
    }
    if (n - i == 1) {
        uint32_t v = (uint32_t)in[i] << 16;
        out[o++] = b64chars[v >> 18];
        out[o++] = b64chars[(v >> 12) & 63];
    } else if (n - i == 2) {
        uint32_t v = (uint32_t)in[i] << 16 | (uint32_t)in[i + 1] << 8;
        out[o++] = b64chars[v >> 18];
        out[o++] = b64chars[(v >> 12) & 63];
        out[o++] = b64chars[(v >> 6) & 63];
    }
    out[o] = '\0';
    return o;
}

static int b64val(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-')
        return 62;
    if (c == '_')
        return 63;
    return -1;
}

long util_b64url_decode(uint8_t *out, size_t cap, const char *in, size_t n)
{
    size_t o = 0;
    uint32_t acc = 0;
    int bits = 0;
    if (n % 4 == 1)
        return -1;
    for (size_t i = 0; i < n; i++) {
        int v = b64val(in[i]);
        if (v < 0)
            return -1;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o >= cap)
                return -1;
            out[o++] = (uint8_t)(acc >> bits);
        }
    }
    /* leftover bits must be zero: one spelling per byte string, so a changed character never verifies */
    if (acc & ((1u << bits) - 1))
        return -1;
    return (long)o;
}

/* Length of the valid UTF-8 sequence at p (n bytes available), or 0. Rejects overlongs, surrogates, > U+10FFFF. */
static size_t utf8_seq(const unsigned char *p, size_t n)
{
    unsigned char c = p[0];
    size_t len;
    uint32_t cp, min;
    if (c < 0x80)
        return 1;
    if ((c & 0xe0) == 0xc0) {
        len = 2, cp = c & 0x1f, min = 0x80;
    } else if ((c & 0xf0) == 0xe0) {
        len = 3, cp = c & 0x0f, min = 0x800;
    } else if ((c & 0xf8) == 0xf0) {
        len = 4, cp = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (n < len)
        return 0;
    for (size_t i = 1; i < len; i++) {
        if ((p[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (p[i] & 0x3f);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    return len;
}

void util_utf8_repair(char *s)
{
    size_t n = strlen(s), i = 0, o = 0;
    while (i < n) {
        size_t len = utf8_seq((const unsigned char *)s + i, n - i);
        if (len == 0) {
            /* a truncated sequence at the very end is dropped; anything else invalid becomes '?' */
            bool tail = true;
            for (size_t k = i + 1; k < n; k++)
                tail &= ((unsigned char)s[k] & 0xc0) == 0x80;
            if (tail && ((unsigned char)s[i] & 0xc0) == 0xc0 && n - i < 4)
                break;
            s[o++] = '?';
            i++;
            continue;
        }
        memmove(s + o, s + i, len);
        o += len;
        i += len;
    }
    s[o] = '\0';
}

static int log_min = LOG_INFO;

void util_log_level(int level)
{
    log_min = level;
}

void util_log(int level, const char *fmt, ...)
{
    static const char *names[] = {"debug", "info", "warn", "error"};
    if (level < log_min)
        return;
    char line[2048];
    struct tm tm;
    int64_t now = util_now_ms(); /* glued's clock, so that log lines line up with the timestamps runs report */
    time_t secs = (time_t)(now / 1000);
    gmtime_r(&secs, &tm);
    int n = snprintf(line, sizeof line, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ %-5s ", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (int)(now % 1000), names[level]);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line + n, sizeof line - (size_t)n - 1, fmt, ap);
    va_end(ap);
    size_t len = strlen(line);
    line[len++] = '\n';
    fwrite(line, 1, len, stderr);
}

int util_mkdirs(const char *dir)
{
    char path[4096];
    if (snprintf(path, sizeof path, "%s", dir) >= (int)sizeof path) {
        errno = ENAMETOOLONG;
        return -1;
    }
    for (char *p = path + 1; *p; p++) {
        if (*p != '/')
            continue;
        *p = '\0';
        if (mkdir(path, 0700) < 0 && errno != EEXIST)
            return -1;
        *p = '/';
    }
    if (mkdir(path, 0700) < 0 && errno != EEXIST)
        return -1;
    struct stat sb;
    if (stat(path, &sb) < 0)
        return -1;
    if (!S_ISDIR(sb.st_mode)) {
        errno = ENOTDIR;
        return -1;
    }
    return access(path, R_OK | W_OK | X_OK);
}
