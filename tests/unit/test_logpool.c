/* Unit tests for src/engine/logpool.c: ids whose logs exist, logs opened where they are or moved into place, empty
 * logs of ended jobs that become the logs of new ids (and never the shared empty file), and a stop that removes
 * the stock's logs. Each test works in a folder of its own under /tmp. */
#include <check.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "engine/logpool.h"
#include "util/util.h"

static char logs[256];

static void make_logs(void)
{
    snprintf(logs, sizeof logs, "/tmp/glued-logpool-XXXXXX");
    ck_assert_ptr_nonnull(mkdtemp(logs));
}

static void rm_logs(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", logs);
    ck_assert_int_eq(system(cmd), 0);
}

/* An id from the stock, waiting (up to 10 s) for the stocking thread to make one. */
static void take(logpool_t *lp, char *id)
{
    for (int i = 0; i < 1000; i++) {
        if (logpool_take_id(lp, id, 68))
            return;
        usleep(10000);
    }
    ck_abort_msg("the stock stayed empty");
}

static void paths(const char *id, char out[2][4096])
{
    ck_assert_int_eq(logpool_path(logs, id, "out", out[0], sizeof out[0]), 0);
    ck_assert_int_eq(logpool_path(logs, id, "err", out[1], sizeof out[1]), 0);
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static ino_t inode(const char *path)
{
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    return st.st_ino;
}

/* The files under logs' 256 folders (the pool's own .pool folder aside). */
static int count_logs(void)
{
    int n = 0;
    DIR *d = opendir(logs);
    struct dirent *de;
    while (d && (de = readdir(d)))
        if (de->d_name[0] != '.') {
            char sub[4096];
            snprintf(sub, sizeof sub, "%s/%s", logs, de->d_name);
            DIR *s = opendir(sub);
            struct dirent *f;
            while (s && (f = readdir(s)))
                n += f->d_name[0] != '.';
            if (s)
                closedir(s);
        }
    if (d)
        closedir(d);
    return n;
}

/* A job run of the pool's: an id from its stock and its two logs, opened. */
typedef struct job {
    char id[68], p[2][4096];
    const char *path[2];
    int fd[2];
} job_t;

/* A pool over a new log folder, and one job run of it started. */
static logpool_t *start_job(job_t *j)
{
    make_logs();
    logpool_t *lp = logpool_start(logs);
    ck_assert_ptr_nonnull(lp);
    take(lp, j->id);
    paths(j->id, j->p);
    ck_assert(exists(j->p[0]) && exists(j->p[1])); /* made ahead */
    j->path[0] = j->p[0];
    j->path[1] = j->p[1];
    ck_assert_int_eq(logpool_open(lp, j->path, j->fd), 0);
    return lp;
}

START_TEST(test_path_spreads_over_folders)
{
    char out[4096];
    const char *id = "jr_ab0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd";
    ck_assert_int_eq(logpool_path("/x/logs", id, "err", out, sizeof out), 0);
    ck_assert_str_eq(out, "/x/logs/ab/jr_ab0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd.err");
    ck_assert_int_eq(logpool_path("/x/logs", id, "out", out, 20), -1); /* does not fit */
}
END_TEST

START_TEST(test_stocked_ids_have_their_logs)
{
    job_t j;
    logpool_t *lp = start_job(&j);
    ck_assert_int_eq(strncmp(j.id, "jr_", 3), 0);
    ck_assert_uint_eq(strlen(j.id), 67);
    ck_assert_int_eq(write(j.fd[0], "hello\n", 6), 6);
    close(j.fd[0]);
    close(j.fd[1]);
    logpool_ended(lp, j.path, true); /* not empty: it stays this job's */
    logpool_stop(lp);
    struct stat st;
    ck_assert_int_eq(stat(j.p[0], &st), 0);
    ck_assert_int_eq(st.st_size, 6);
    ck_assert_int_eq(count_logs(), 2); /* the stop removed the stock's logs, not the job's */
    rm_logs();
}
END_TEST

/* Some log file under logs that is not of id: its id into out (false when there is none). */
static bool other_log(const char *id, char out[68])
{
    DIR *d = opendir(logs);
    struct dirent *de;
    bool found = false;
    while (!found && d && (de = readdir(d)))
        if (de->d_name[0] != '.') {
            char sub[4096];
            snprintf(sub, sizeof sub, "%s/%s", logs, de->d_name);
            DIR *s = opendir(sub);
            struct dirent *f;
            while (!found && s && (f = readdir(s)))
                if (strncmp(f->d_name, "jr_", 3) == 0 && strncmp(f->d_name, id, 67) != 0) {
                    snprintf(out, 68, "%.67s", f->d_name);
                    found = true;
                }
            if (s)
                closedir(s);
        }
    if (d)
        closedir(d);
    return found;
}

/* The stock's logs carry its mark, by which retention's sweep tells them from a job's; an id is in the stock
 * until it is taken. */
START_TEST(test_the_stock_is_marked_and_known)
{
    make_logs();
    logpool_t *lp = logpool_start(logs);
    ck_assert_ptr_nonnull(lp);
    char id[68], p[2][4096], other[68];
    take(lp, id);
    ck_assert(!logpool_in_stock(lp, id));
    ck_assert(!logpool_in_stock(NULL, id));
    paths(id, p);
    struct stat st;
    for (int k = 0; k < 2; k++) {
        ck_assert_int_eq(stat(p[k], &st), 0);
        ck_assert_int_eq(st.st_size, 0);
        ck_assert_int_eq(st.st_mtime, LOGPOOL_STOCK_MTIME);
    }
    /* nothing else is taken: every other log is of an id in the stock (once the thread has put it there, after
     * making both its logs) */
    bool known = false;
    for (int i = 0; i < 1000 && !known; i++) {
        known = other_log(id, other) && logpool_in_stock(lp, other);
        if (!known)
            usleep(10000);
    }
    ck_assert(known);
    logpool_stop(lp);
    rm_logs();
}
END_TEST

START_TEST(test_an_id_of_its_own_gets_logs_moved_into_place)
{
    make_logs();
    logpool_t *lp = logpool_start(logs);
    char id[68], mine[68], p[2][4096];
    take(lp, id); /* the stock is made */
    util_random_id(mine, "jr_", 32);
    paths(mine, p);
    const char *const path[2] = {p[0], p[1]};
    int fd[2];
    ck_assert_int_eq(logpool_open(lp, path, fd), 0);
    ck_assert(exists(p[0]) && exists(p[1]));
    close(fd[0]);
    close(fd[1]);
    logpool_ended(lp, path, false);
    logpool_stop(lp);
    /* the id taken first was not recorded: its logs stay for retention's sweep; mine are there */
    ck_assert_int_eq(count_logs(), 4);
    rm_logs();
}
END_TEST

START_TEST(test_without_a_pool_logs_are_made)
{
    make_logs();
    char mine[68], p[2][4096];
    util_random_id(mine, "jr_", 32);
    paths(mine, p);
    const char *const path[2] = {p[0], p[1]};
    int fd[2];
    ck_assert_int_eq(logpool_open(NULL, path, fd), 0); /* the folder too */
    close(fd[0]);
    close(fd[1]);
    ck_assert(exists(p[0]) && exists(p[1]));
    logpool_ended(NULL, path, true);
    rm_logs();
}
END_TEST

START_TEST(test_empty_logs_come_back_as_new_ids)
{
    job_t jr;
    logpool_t *lp = start_job(&jr);
    close(jr.fd[0]);
    close(jr.fd[1]);
    ino_t was[2] = {inode(jr.p[0]), inode(jr.p[1])};
    logpool_ended(lp, jr.path, true); /* empty, and nobody has them open */
    /* the two inodes become the logs of a new id; the ended job's paths link the one empty file */
    int found = 0;
    for (int tries = 0; tries < 2000 && found < 2; tries++) {
        char next[68], q[2][4096];
        take(lp, next);
        paths(next, q);
        for (int k = 0; k < 2; k++)
            for (int j = 0; j < 2; j++)
                found += exists(q[k]) && inode(q[k]) == was[j];
    }
    ck_assert_int_eq(found, 2);
    struct stat st;
    ck_assert_int_eq(stat(jr.p[0], &st), 0);
    ck_assert_int_eq(st.st_size, 0);
    ck_assert_int_gt(st.st_nlink, 1);
    ck_assert_int_eq(inode(jr.p[0]), inode(jr.p[1]));
    /* a log that is such a link is never written: opening it puts a file of its own there */
    ck_assert_int_eq(logpool_open(lp, jr.path, jr.fd), 0);
    ck_assert_int_eq(write(jr.fd[0], "x", 1), 1);
    close(jr.fd[0]);
    close(jr.fd[1]);
    ck_assert_int_ne(inode(jr.p[0]), inode(jr.p[1]));
    ck_assert_int_eq(stat(jr.p[1], &st), 0);
    ck_assert_int_eq(st.st_size, 0);
    logpool_stop(lp);
    rm_logs();
}
END_TEST

START_TEST(test_a_log_open_elsewhere_stays)
{
    job_t jr;
    logpool_t *lp = start_job(&jr);
    close(jr.fd[1]);
    ino_t was = inode(jr.p[0]);
    logpool_ended(lp, jr.path, true); /* its stdout is still open, as by a process the job left behind */
    for (int i = 0; i < 300; i++) {
        char next[68];
        take(lp, next);
    }
    ck_assert_int_eq(inode(jr.p[0]), was);
    ck_assert_int_eq(write(jr.fd[0], "late\n", 5), 5);
    close(jr.fd[0]);
    struct stat st;
    ck_assert_int_eq(stat(jr.p[0], &st), 0);
    ck_assert_int_eq(st.st_size, 5);
    logpool_stop(lp);
    rm_logs();
}
END_TEST

static Suite *logpool_suite(void)
{
    Suite *s = suite_create("logpool");
    TCase *tc = tcase_create("core");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, test_path_spreads_over_folders);
    tcase_add_test(tc, test_stocked_ids_have_their_logs);
    tcase_add_test(tc, test_the_stock_is_marked_and_known);
    tcase_add_test(tc, test_an_id_of_its_own_gets_logs_moved_into_place);
    tcase_add_test(tc, test_without_a_pool_logs_are_made);
    tcase_add_test(tc, test_empty_logs_come_back_as_new_ids);
    tcase_add_test(tc, test_a_log_open_elsewhere_stays);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(logpool_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
