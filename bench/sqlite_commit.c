/* Raw SQLite commit rate on this disk, the way glued's store commits (WAL, synchronous=FULL, BEGIN IMMEDIATE),
 * with one row per transaction and with B rows per transaction (what group commit would do: several writers'
 * changes made durable by one fsync), plus synchronous=OFF for the cost without the fsync. Rows are shaped like
 * glued's workflows table.
 *
 *   sqlite_commit DIR SECONDS_PER_CASE          prints one line per case: sync batch rows/s commits/s us/commit */
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void must(int rc, sqlite3 *db, const char *what)
{
    if (rc != SQLITE_OK && rc != SQLITE_DONE && rc != SQLITE_ROW) {
        fprintf(stderr, "sqlite_commit: %s: %s\n", what, sqlite3_errmsg(db));
        exit(1);
    }
}

static void one_case(const char *dir, const char *sync, int batch, double secs)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/commit-%s-%d.db", dir, sync, batch);
    unlink(path);
    sqlite3 *db;
    must(sqlite3_open(path, &db), db, "open");
    char pragmas[256];
    snprintf(pragmas, sizeof pragmas, "PRAGMA journal_mode=WAL; PRAGMA synchronous=%s;", sync);
    must(sqlite3_exec(db, pragmas, NULL, NULL, NULL), db, "pragmas");
    must(sqlite3_exec(db,
                      "CREATE TABLE workflows (name TEXT PRIMARY KEY, description TEXT, default_props TEXT, "
                      "tags TEXT, max_runs INTEGER, created_ms INTEGER NOT NULL, modified_ms INTEGER NOT NULL) "
                      "WITHOUT ROWID",
                      NULL, NULL, NULL),
         db, "create");
    sqlite3_stmt *ins, *begin, *commit;
    must(sqlite3_prepare_v2(db, "INSERT INTO workflows VALUES (?1, 'benchmark workflow', NULL, NULL, NULL, ?2, ?2)",
                            -1, &ins, NULL),
         db, "prepare");
    must(sqlite3_prepare_v2(db, "BEGIN IMMEDIATE", -1, &begin, NULL), db, "prepare");
    must(sqlite3_prepare_v2(db, "COMMIT", -1, &commit, NULL), db, "prepare");
    long rows = 0, commits = 0;
    double t0 = now(), t;
    char name[64];
    do {
        must(sqlite3_step(begin), db, "begin");
        sqlite3_reset(begin);
        for (int i = 0; i < batch; i++) {
            snprintf(name, sizeof name, "wf-%08ld", rows++);
            sqlite3_bind_text(ins, 1, name, -1, SQLITE_TRANSIENT);
            sqlite3_bind_int64(ins, 2, (sqlite3_int64)rows);
            must(sqlite3_step(ins), db, "insert");
            sqlite3_reset(ins);
        }
        must(sqlite3_step(commit), db, "commit");
        sqlite3_reset(commit);
        commits++;
        t = now() - t0;
    } while (t < secs);
    printf("sync=%s batch=%d rows_per_s=%.0f commits_per_s=%.0f us_per_commit=%.1f\n", sync, batch, rows / t,
           commits / t, t / commits * 1e6);
    fflush(stdout);
    sqlite3_finalize(ins);
    sqlite3_finalize(begin);
    sqlite3_finalize(commit);
    sqlite3_close(db);
    unlink(path);
    char aux[4200];
    snprintf(aux, sizeof aux, "%s-wal", path);
    unlink(aux);
    snprintf(aux, sizeof aux, "%s-shm", path);
    unlink(aux);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: sqlite_commit DIR SECONDS_PER_CASE\n");
        return 2;
    }
    double secs = atof(argv[2]);
    static const int batches[] = {1, 4, 16, 64};
    for (size_t i = 0; i < sizeof batches / sizeof batches[0]; i++)
        one_case(argv[1], "FULL", batches[i], secs);
    one_case(argv[1], "OFF", 1, secs);
    return 0;
}
