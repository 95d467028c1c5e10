/* Glue / EventBridge cron: parsing into bitmasks, the next fire time, and the 5-minute rule.
 * Where AWS documents nothing (wrapping ranges, L and W inside lists, step limits) this follows Quartz, the
 * scheduler whose syntax AWS's is modelled on. Dates are computed with proleptic-Gregorian day arithmetic
 * rather than timegm/gmtime, so nothing depends on the process's time zone or locale. */
#include "engine/cron.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

enum { F_MIN, F_HOUR, F_DOM, F_MON, F_DOW, F_YEAR, F_COUNT };

static const char *const MONTH_NAMES[] = {"JAN", "FEB", "MAR", "APR", "MAY", "JUN",
                                          "JUL", "AUG", "SEP", "OCT", "NOV", "DEC"};
static const char *const DAY_NAMES[] = {"SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"};

static const struct field {
    const char *name;
    int lo, hi;
    int step_max;             /* Quartz's bounds on increments */
    const char *const *names; /* names[i] is the value lo + i */
    const char *names_rule;
} FIELDS[F_COUNT] = {
    {"minutes", 0, 59, 59, NULL, NULL},
    {"hours", 0, 23, 23, NULL, NULL},
    {"day-of-month", 1, 31, 31, NULL, NULL},
    {"month", 1, 12, 12, MONTH_NAMES, "JAN-DEC"},
    {"day-of-week", 1, 7, 7, DAY_NAMES, "SUN-SAT"},
    {"year", CRON_YEAR_MIN, CRON_YEAR_MAX, CRON_YEAR_MAX - CRON_YEAR_MIN, NULL, NULL},
};

/* Longest piece of user text quoted back in a message, so every message fits CRON_ERR_LEN. */
#define QUOTE_MAX 40
#define FORM      "cron(Minutes Hours Day-of-month Month Day-of-week Year)"

/* 2200-01-01T00:00:00Z: nothing fires at or after it. */
#define EPOCH_END INT64_C(7258118400)

typedef struct bits256 {
    uint64_t w[4];
} bits256_t;

struct pctx {
    char *err;
    size_t errlen;
};

__attribute__((format(printf, 2, 3))) static int fail(struct pctx *p, const char *fmt, ...)
{
    if (p->errlen > 0) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(p->err, p->errlen, fmt, ap);
        va_end(ap);
    }
    return -1;
}

static int qlen(size_t n)
{
    return n > QUOTE_MAX ? QUOTE_MAX : (int)n;
}

/* ASCII only: isspace() would depend on the locale. */
static bool is_space(char ch)
{
    return ch == ' ' || (ch >= '\t' && ch <= '\r');
}
static bool is_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}
static char upper(char ch)
{
    return ch >= 'a' && ch <= 'z' ? (char)(ch - 'a' + 'A') : ch;
}

static void bit_set(bits256_t *b, int i)
{
    b->w[i >> 6] |= UINT64_C(1) << (i & 63);
}
static bool bit_get(const uint64_t *w, int i)
{
    return (w[i >> 6] >> (i & 63)) & 1;
}

static bool eq_upper(const char *s, size_t n, const char *lit)
{
    size_t i;
    for (i = 0; i < n && lit[i]; i++)
        if (upper(s[i]) != lit[i])
            return false;
    return i == n && lit[i] == '\0';
}

/* Digits only, saturating so a long run of digits reads as out of range instead of overflowing.
 * Returns -1 when s is empty or has a non-digit. */
static long read_digits(const char *s, size_t n)
{
    if (n == 0)
        return -1;
    long v = 0;
    for (size_t i = 0; i < n; i++) {
        if (!is_digit(s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
        if (v > 1000000)
            v = 1000000;
    }
    return v;
}

/* One value of field f: a number in range, or a name where the field has names. */
static int read_value(struct pctx *p, const struct field *f, const char *s, size_t n, int *out)
{
    if (n == 0)
        return fail(p, "cron %s field has an empty value", f->name);
    long v = read_digits(s, n);
    if (v < 0 && f->names) {
        for (int i = 0; i <= f->hi - f->lo; i++)
            if (eq_upper(s, n, f->names[i]))
                v = f->lo + i;
        if (v < 0)
            return fail(p, "cron %s field '%.*s' is not a number %d-%d or a name %s", f->name, qlen(n), s, f->lo, f->hi,
                        f->names_rule);
    }
    if (v < 0)
        return fail(p, "cron %s field '%.*s' is not a number %d-%d", f->name, qlen(n), s, f->lo, f->hi);
    if (v < f->lo || v > f->hi)
        return fail(p, "cron %s field '%.*s' is out of range %d-%d", f->name, qlen(n), s, f->lo, f->hi);
    *out = (int)v;
    return 0;
}

/* A plain element: `*`, `a`, `a-b`, each optionally `/step`. Bits are value - f->lo. A range whose end comes
 * before its start wraps around the field (Quartz does this, e.g. hours 22-2), except for years. */
static int read_element(struct pctx *p, const struct field *f, const char *e, size_t n, bits256_t *set)
{
    const char *slash = memchr(e, '/', n);
    size_t bn = slash ? (size_t)(slash - e) : n;
    int a, b, step = 1;

    if (slash) {
        size_t sn = n - bn - 1;
        long s = read_digits(slash + 1, sn);
        if (s < 0)
            return fail(p, "cron %s field '%.*s' has a step '%.*s' that is not a number", f->name, qlen(n), e, qlen(sn),
                        slash + 1);
        if (s < 1 || s > f->step_max)
            return fail(p, "cron %s field '%.*s' has step %ld, must be 1-%d", f->name, qlen(n), e, s, f->step_max);
        step = (int)s;
    }
    if (bn == 1 && e[0] == '*') {
        a = f->lo;
        b = f->hi;
    } else {
        const char *dash = memchr(e, '-', bn);
        if (dash) {
            size_t an = (size_t)(dash - e);
            if (an == 0 || bn - an - 1 == 0)
                return fail(p, "cron %s field '%.*s' is not a range a-b", f->name, qlen(n), e);
            if (read_value(p, f, e, an, &a) < 0 || read_value(p, f, dash + 1, bn - an - 1, &b) < 0)
                return -1;
            if (b < a && f == &FIELDS[F_YEAR])
                return fail(p,
                            "cron year field '%.*s' is a reversed range: the first year must not be after "
                            "the last",
                            qlen(n), e);
        } else {
            if (read_value(p, f, e, bn, &a) < 0)
                return -1;
            b = slash ? f->hi : a;
        }
    }
    int span = f->hi - f->lo + 1;
    if (b < a)
        b += span;
    for (int v = a; v <= b; v += step)
        bit_set(set, (v - f->lo) % span);
    return 0;
}

/* Day-of-month forms that must stand alone: L, L-n, LW, nW. Returns 1 if e is one of them (and fills c),
 * 0 if it is not, -1 on error. */
static int read_dom_special(struct pctx *p, cron_t *c, const char *e, size_t n)
{
    const struct field *f = &FIELDS[F_DOM];
    if (eq_upper(e, n, "L")) {
        c->dom_last = 0;
        return 1;
    }
    if (eq_upper(e, n, "LW")) {
        c->dom_lw = true;
        return 1;
    }
    if (upper(e[0]) == 'L' && n >= 2 && e[1] == '-') {
        long off = read_digits(e + 2, n - 2);
        if (off < 0)
            return fail(p, "cron day-of-month field '%.*s' has an offset that is not a number", qlen(n), e);
        if (off > 30)
            return fail(p, "cron day-of-month field '%.*s' has offset %ld, must be 0-30", qlen(n), e, off);
        c->dom_last = (int8_t)off;
        return 1;
    }
    if (n >= 2 && upper(e[n - 1]) == 'W') {
        long d = read_digits(e, n - 1);
        if (d < 0)
            return fail(p, "cron day-of-month field '%.*s': 'W' takes a single day %d-%d", qlen(n), e, f->lo, f->hi);
        if (d < f->lo || d > f->hi)
            return fail(p, "cron day-of-month field '%.*s' is out of range %d-%d", qlen(n), e, f->lo, f->hi);
        c->dom_wday = (int8_t)d;
        return 1;
    }
    return 0;
}

/* Day-of-week forms that must stand alone: L (Saturday, the last day of the week), dL, d#n. */
static int read_dow_special(struct pctx *p, cron_t *c, const char *e, size_t n, bits256_t *set)
{
    const struct field *f = &FIELDS[F_DOW];
    int d;
    if (eq_upper(e, n, "L")) {
        bit_set(set, 7 - f->lo);
        return 1;
    }
    if (n >= 2 && upper(e[n - 1]) == 'L') {
        if (memchr(e, '-', n) || memchr(e, '/', n) || memchr(e, '*', n) || memchr(e, '#', n))
            return fail(p, "cron day-of-week field '%.*s': 'L' takes a single day 1-7 or SUN-SAT", qlen(n), e);
        if (read_value(p, f, e, n - 1, &d) < 0)
            return -1;
        c->dow_last = (int8_t)d;
        return 1;
    }
    const char *hash = memchr(e, '#', n);
    if (hash) {
        size_t dn = (size_t)(hash - e);
        if (memchr(e, '-', dn) || memchr(e, '/', dn) || memchr(e, '*', dn))
            return fail(p, "cron day-of-week field '%.*s': '#' takes a single day 1-7 or SUN-SAT", qlen(n), e);
        if (read_value(p, f, e, dn, &d) < 0)
            return -1;
        long k = read_digits(hash + 1, n - dn - 1);
        if (k < 1 || k > 5)
            return fail(p, "cron day-of-week field '%.*s' has occurrence '%.*s', must be 1-5", qlen(n), e,
                        qlen(n - dn - 1), hash + 1);
        c->dow_nth_day = (int8_t)d;
        c->dow_nth = (int8_t)k;
        return 1;
    }
    return 0;
}

static int read_field(struct pctx *p, cron_t *c, int fi, const char *s, size_t n, bits256_t *set)
{
    const struct field *f = &FIELDS[fi];
    bool list = memchr(s, ',', n) != NULL;

    if (memchr(s, '?', n)) {
        if (fi != F_DOM && fi != F_DOW)
            return fail(p, "cron %s field '%.*s': '?' is only allowed in day-of-month and day-of-week", f->name,
                        qlen(n), s);
        if (n != 1)
            return fail(p, "cron %s field '%.*s': '?' must stand alone", f->name, qlen(n), s);
        if (fi == F_DOM)
            c->dom_any = true;
        else
            c->dow_any = true;
        return 0;
    }
    for (size_t i = 0; i <= n;) {
        const char *e = s + i, *comma = memchr(e, ',', n - i);
        size_t en = comma ? (size_t)(comma - e) : n - i;
        if (en == 0)
            return fail(p, "cron %s field '%.*s' has an empty value in its list", f->name, qlen(n), s);
        int special = 0;
        if (fi == F_DOM)
            special = read_dom_special(p, c, e, en);
        else if (fi == F_DOW)
            special = read_dow_special(p, c, e, en, set);
        if (special < 0)
            return -1;
        if (special && list)
            return fail(p, "cron %s field '%.*s': '%.*s' cannot be combined with other values", f->name, qlen(n), s,
                        qlen(en), e);
        if (!special && read_element(p, f, e, en, set) < 0)
            return -1;
        i += en + 1;
    }
    return 0;
}

int cron_parse(cron_t *c, const char *expr, char *err, size_t errlen)
{
    struct pctx p = {err, errlen};
    const char *fs[F_COUNT];
    size_t fn[F_COUNT];
    bits256_t sets[F_COUNT];
    int nf = 0;

    if (errlen > 0)
        err[0] = '\0';
    memset(c, 0, sizeof *c);
    memset(sets, 0, sizeof sets);
    c->dom_last = -1;
    if (!expr)
        return fail(&p, "cron expression is missing");
    size_t len = strnlen(expr, CRON_MAX_LEN + 1);
    if (len > CRON_MAX_LEN)
        return fail(&p, "cron expression is longer than %d characters", CRON_MAX_LEN);
    if (len < 6 || memcmp(expr, "cron(", 5) != 0 || expr[len - 1] != ')')
        return fail(&p, "cron expression '%.*s' must have the form " FORM, qlen(len), expr);

    for (const char *s = expr + 5, *end = expr + len - 1; s < end;) {
        while (s < end && is_space(*s))
            s++;
        if (s == end)
            break;
        const char *t = s;
        while (t < end && !is_space(*t))
            t++;
        if (nf < F_COUNT) {
            fs[nf] = s;
            fn[nf] = (size_t)(t - s);
        }
        nf++;
        s = t;
    }
    if (nf != F_COUNT)
        return fail(&p, "cron expression '%.*s' has %d fields, expected 6: " FORM, qlen(len), expr, nf);

    for (int i = 0; i < F_COUNT; i++)
        if (read_field(&p, c, i, fs[i], fn[i], &sets[i]) < 0)
            return -1;

    if (c->dom_any && c->dow_any)
        return fail(&p, "day-of-month and day-of-week cannot both be '?': one of them must be set");
    if (!c->dom_any && !c->dow_any)
        return fail(&p, "day-of-month and day-of-week cannot both be specified: one of them must be '?'");

    /* Bits were collected as value - lo; the struct keeps day, month and weekday bits at their values. */
    c->minutes = sets[F_MIN].w[0];
    c->hours = (uint32_t)sets[F_HOUR].w[0];
    c->mdays = (uint32_t)(sets[F_DOM].w[0] << 1);
    c->months = (uint16_t)(sets[F_MON].w[0] << 1);
    c->wdays = (uint8_t)(sets[F_DOW].w[0] << 1);
    memcpy(c->years, sets[F_YEAR].w, sizeof c->years);
    return 0;
}

/* Howard Hinnant's days_from_civil / civil_from_days: exact for every proleptic-Gregorian date. */
static int64_t days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int era = (y >= 0 ? y : y - 399) / 400;
    int yoe = y - era * 400;
    int doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    int doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return (int64_t)era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int doe = (int)(z - era * 146097);
    int yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yoe + era * 400) + (*m <= 2);
}

static int days_in_month(int y, int m)
{
    static const int dim[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m == 2 && (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
        return 29;
    return dim[m - 1];
}

/* 1 = Sunday .. 7 = Saturday; 1970-01-01 was a Thursday. */
static int weekday(int y, int m, int d)
{
    int64_t z = days_from_civil(y, m, d);
    return (int)(((z + 4) % 7 + 7) % 7) + 1;
}

/* The weekday nearest day n without leaving the month (Quartz's rule: 1W on a Saturday is Monday the 3rd);
 * 0 when the month has no day n. */
static int nearest_weekday(int y, int m, int n, int dim)
{
    if (n > dim)
        return 0;
    int wd = weekday(y, m, n);
    if (wd == 7)
        return n == 1 ? 3 : n - 1;
    if (wd == 1)
        return n == dim ? n - 2 : n + 1;
    return n;
}

static bool day_matches(const cron_t *c, int y, int m, int d, int dim)
{
    if (!c->dom_any) {
        if ((c->mdays >> d) & 1)
            return true;
        if (c->dom_last >= 0 && d == dim - c->dom_last)
            return true;
        if (c->dom_lw) {
            int wd = weekday(y, m, dim);
            if (d == (wd == 7 ? dim - 1 : wd == 1 ? dim - 2 : dim))
                return true;
        }
        return c->dom_wday && d == nearest_weekday(y, m, c->dom_wday, dim);
    }
    int wd = weekday(y, m, d);
    if ((c->wdays >> wd) & 1)
        return true;
    if (c->dow_last && wd == c->dow_last && d + 7 > dim)
        return true;
    return c->dow_nth && wd == c->dow_nth_day && (d - 1) / 7 + 1 == c->dow_nth;
}

static int next_bit(uint64_t mask, int from, int max)
{
    for (int i = from; i <= max; i++)
        if ((mask >> i) & 1)
            return i;
    return -1;
}

int64_t cron_next(const cron_t *c, int64_t after)
{
    if (after >= EPOCH_END)
        return -1;
    if (after < 0)
        after = -1; /* nothing fires before 1970; also keeps the arithmetic below non-negative */
    int64_t t = (after + 1 + 59) / 60 * 60; /* the first whole minute strictly after `after` */
    int y, mo, d;
    civil_from_days(t / 86400, &y, &mo, &d);
    int h = (int)(t % 86400 / 3600), mi = (int)(t % 3600 / 60);

    /* Each pass either returns or moves (y, mo, d, h, mi) forward to the start of the next candidate year,
     * month, day or hour, so the loop runs at most a few steps per month of the year range. */
    for (;;) {
        if (y > CRON_YEAR_MAX)
            return -1;
        if (!bit_get(c->years, y - CRON_YEAR_MIN)) {
            while (y <= CRON_YEAR_MAX && !bit_get(c->years, y - CRON_YEAR_MIN))
                y++;
            mo = 1, d = 1, h = 0, mi = 0;
            continue;
        }
        int nm = next_bit(c->months, mo, 12);
        if (nm < 0) {
            y++, mo = 1, d = 1, h = 0, mi = 0;
            continue;
        }
        if (nm != mo)
            mo = nm, d = 1, h = 0, mi = 0;
        int dim = days_in_month(y, mo);
        int nd = d;
        while (nd <= dim && !day_matches(c, y, mo, nd, dim))
            nd++;
        if (nd > dim) {
            mo++, d = 1, h = 0, mi = 0;
            if (mo > 12)
                y++, mo = 1;
            continue;
        }
        if (nd != d)
            d = nd, h = 0, mi = 0;
        int nh = next_bit(c->hours, h, 23);
        if (nh < 0) {
            d++, h = 0, mi = 0;
            continue;
        }
        if (nh != h)
            h = nh, mi = 0;
        int nmi = next_bit(c->minutes, mi, 59);
        if (nmi < 0) {
            h++, mi = 0;
            if (h > 23)
                d++, h = 0;
            continue;
        }
        return days_from_civil(y, mo, d) * 86400 + h * 3600 + nmi * 60;
    }
}

bool cron_too_frequent(const cron_t *c, char *err, size_t errlen)
{
    int first = -1, prev = -1, gap = 60, ga = -1, gb = -1;
    for (int m = 0; m < 60; m++) {
        if (!((c->minutes >> m) & 1))
            continue;
        if (first < 0)
            first = m;
        else if (m - prev < gap)
            gap = m - prev, ga = prev, gb = m;
        prev = m;
    }
    /* The last minute of one hour and the first of the next are also consecutive when both hours fire
     * (23 and 0 count as adjacent: some schedule may fire on consecutive days). */
    bool adjacent = (c->hours & (c->hours >> 1)) != 0 || (((c->hours >> 23) & 1) && (c->hours & 1));
    if (first >= 0 && adjacent && first + 60 - prev < gap)
        gap = first + 60 - prev, ga = prev, gb = first;
    if (gap >= CRON_MIN_INTERVAL)
        return false;
    if (err && errlen > 0)
        snprintf(err, errlen,
                 "cron expression fires more often than every %d minutes: minutes %d and %d are %d minute%s apart",
                 CRON_MIN_INTERVAL, ga, gb, gap, gap == 1 ? "" : "s");
    return true;
}
