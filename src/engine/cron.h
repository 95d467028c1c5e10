/* AWS Glue / EventBridge cron schedules: `cron(Minutes Hours Day-of-month Month Day-of-week Year)`, all UTC.
 * cron_parse turns the text into a caller-owned, allocation-free cron_t (bitmasks plus the L/W/# rules);
 * cron_next finds the next fire time; cron_too_frequent is Glue's 5-minute rule, kept apart so callers choose
 * when to enforce it. Pure functions of their arguments: any thread may use them, a cron_t is read-only once
 * parsed and may be shared. Depends on libc only. */
#ifndef GLUED_CRON_H
#define GLUED_CRON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CRON_MAX_LEN      256 /* longest accepted expression, as EventBridge's ScheduleExpression */
#define CRON_YEAR_MIN     1970
#define CRON_YEAR_MAX     2199
#define CRON_MIN_INTERVAL 5   /* minutes: Glue rejects schedules that fire more often */
#define CRON_ERR_LEN      256 /* enough for every message cron_parse writes */

typedef struct cron {
    uint64_t minutes;  /* bit m: minute m (0-59) */
    uint32_t hours;    /* bit h: hour h (0-23) */
    uint16_t months;   /* bit m: month m (1-12) */
    uint64_t years[4]; /* bit (y - CRON_YEAR_MIN): year y (1970-2199) */

    /* Day-of-month, used when dow_any: exactly one of dom_any and dow_any is set. */
    bool dom_any;    /* the field was '?' */
    uint32_t mdays;  /* bit d: day d (1-31); days past the month's end never fire */
    int8_t dom_last; /* 'L' / 'L-n': fires on (last day - dom_last); -1 when unused */
    bool dom_lw;     /* 'LW': the last weekday (Mon-Fri) of the month */
    int8_t dom_wday; /* 'nW': the weekday nearest day n within the month; 0 when unused */

    /* Day-of-week, 1 = SUN .. 7 = SAT, used when dom_any. */
    bool dow_any;                /* the field was '?' */
    uint8_t wdays;               /* bit d: weekday d */
    int8_t dow_last;             /* 'dL': the last weekday d of the month; 0 when unused */
    int8_t dow_nth_day, dow_nth; /* 'd#n': the n-th (1-5) weekday d of the month; 0 when unused */
} cron_t;

/* Parses expr into *c (caller-owned; fully overwritten). Returns 0, or -1 with a NUL-terminated message in
 * err (errlen bytes, may be 0) naming the field, the value and the rule, e.g.
 * "cron minutes field '61' is out of range 0-59". Does not apply the 5-minute rule. */
int cron_parse(cron_t *c, const char *expr, char *err, size_t errlen);

/* The first fire time strictly after `after` (epoch seconds, UTC); fire times fall on whole minutes.
 * Returns -1 when there is none (the year range is exhausted, or the schedule can never fire, like
 * Feb 30). Skips whole years, months and days, so it costs at most a few thousand steps. */
int64_t cron_next(const cron_t *c, int64_t after);

/* Whether two consecutive fire times can be less than CRON_MIN_INTERVAL minutes apart: within an hour, or
 * across the end of one hour into the next when two adjacent hours both fire. Writes the reason into err
 * (may be NULL) when true. */
bool cron_too_frequent(const cron_t *c, char *err, size_t errlen);

#endif
