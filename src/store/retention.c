/* Run history past its retention (--retention-days): workflow runs that ended before a cutoff, with their frozen
 * graphs (run_triggers, run_nodes, run_watch), their job runs and crawls and those runs' kept output (job_logs),
 * and the job runs and crawls that belong to no workflow run that is kept. One call is one small batch, oldest
 * ends first, read through partial indexes on the end time (schema.c, 6 -> 7), so a pass over a store with
 * nothing to purge reads nothing but the index's first entries.
 *
 * A run that a kept run was resumed from stays while that run is kept: the resumed run's graph shows the job
 * runs of the nodes it did not run again from the original run (run_nodes.source_run_id). */
#include "store/db.h"

#include <stdlib.h>
#include <string.h>

/* Appends a copy of id to the list; STORE_ERROR when out of memory. */
static int push_id(char ***ids, size_t *n, size_t *cap, const char *id)
{
    char **v = db_grow(*ids, *n, cap, sizeof **ids);
    if (!v)
        return STORE_ERROR;
    *ids = v;
    if (!(v[*n] = strdup(id)))
        return STORE_ERROR;
    (*n)++;
    return STORE_OK;
}

/* The ids one query returns (column 0), appended to the list. */
static int read_ids(db_stmt_t *st, char ***ids, size_t *n, size_t *cap)
{
    if (!st)
        return STORE_ERROR;
    int rc;
    while ((rc = db_next(st)) == 1) {
        char *id = db_col_str(st, 0);
        int prc = id ? push_id(ids, n, cap, id) : STORE_OK;
        free(id);
        if (prc < 0) {
            db_done(st);
            return prc;
        }
    }
    return rc;
}

int store_purge_history(store_tx_t *tx, int64_t cutoff_ms, int max_runs, int max_jobruns, store_purged_t *out)
{
    DB_SQL(q_runs, "SELECT run_id FROM workflow_runs r WHERE status IN (1, 3, 4) AND completed_ms < ?1"
                   " AND NOT EXISTS (SELECT 1 FROM workflow_runs n WHERE n.previous_run_id = r.run_id)"
                   " ORDER BY completed_ms LIMIT ?2");
    DB_SQL(q_run_jrs, "SELECT id FROM job_runs WHERE workflow_run_id = ?1");
    DB_SQL(q_run_logs, "DELETE FROM job_logs WHERE id IN (SELECT id FROM job_runs WHERE workflow_run_id = ?1)");
    DB_SQL(q_run_jr_del, "DELETE FROM job_runs WHERE workflow_run_id = ?1");
    DB_SQL(q_rt, "DELETE FROM run_triggers WHERE run_id = ?1");
    DB_SQL(q_rn, "DELETE FROM run_nodes WHERE run_id = ?1");
    DB_SQL(q_rw, "DELETE FROM run_watch WHERE run_id = ?1");
    DB_SQL(q_run_del, "DELETE FROM workflow_runs WHERE run_id = ?1");
    DB_SQL(q_jrs, "SELECT id FROM job_runs j WHERE state >= 4 AND completed_ms < ?1 AND (j.workflow_run_id IS NULL"
                  " OR NOT EXISTS (SELECT 1 FROM workflow_runs r WHERE r.run_id = j.workflow_run_id))"
                  " ORDER BY completed_ms LIMIT ?2");
    DB_SQL(q_log_del, "DELETE FROM job_logs WHERE id = ?1");
    DB_SQL(q_jr_del, "DELETE FROM job_runs WHERE id = ?1");
    memset(out, 0, sizeof *out);
    char **runs = NULL;
    size_t nruns = 0, cap_runs = 0, cap_ids = 0;
    int rc = STORE_OK;
    /* Rounds until the batch is full or a round finds nothing: deleting a run makes the run it was resumed
     * from due (when nothing else was resumed from that one), and a batch that takes fewer than asked is the
     * last of its pass, so a chain of resumed runs past the cutoff goes in one batch, not one link a pass. */
    for (size_t from = 0; rc >= 0 && nruns < (size_t)max_runs; from = nruns) {
        rc = read_ids(db_query(tx, &q_runs, "ii", cutoff_ms, (int64_t)max_runs - (int64_t)nruns), &runs, &nruns,
                      &cap_runs);
        if (rc < 0 || nruns == from)
            break;
        for (size_t i = from; i < nruns && rc >= 0; i++) {
            const char *run = runs[i];
            if ((rc = read_ids(db_query(tx, &q_run_jrs, "s", run), &out->ids, &out->nids, &cap_ids)) < 0 ||
                (rc = db_exec(tx, &q_run_logs, NULL, "s", run)) < 0 ||
                (rc = db_exec(tx, &q_run_jr_del, NULL, "s", run)) < 0 ||
                (rc = db_exec(tx, &q_rt, NULL, "s", run)) < 0 || (rc = db_exec(tx, &q_rn, NULL, "s", run)) < 0 ||
                (rc = db_exec(tx, &q_rw, NULL, "s", run)) < 0 || (rc = db_exec(tx, &q_run_del, NULL, "s", run)) < 0)
                break;
        }
    }
    out->runs = nruns;
    store_strv_free(runs, nruns);
    if (rc < 0)
        goto fail;
    size_t from = out->nids;
    if ((rc = read_ids(db_query(tx, &q_jrs, "ii", cutoff_ms, (int64_t)max_jobruns), &out->ids, &out->nids, &cap_ids)) <
        0)
        goto fail;
    out->jobruns = out->nids - from;
    for (size_t i = from; i < out->nids; i++)
        if ((rc = db_exec(tx, &q_log_del, NULL, "s", out->ids[i])) < 0 ||
            (rc = db_exec(tx, &q_jr_del, NULL, "s", out->ids[i])) < 0)
            goto fail;
    return STORE_OK;
fail:
    store_purged_cleanup(out);
    return rc;
}

int store_jobrun_exists(store_tx_t *tx, const char *id)
{
    DB_SQL(q_has, "SELECT 1 FROM job_runs WHERE id = ?1");
    int64_t one = 0;
    return db_int(tx, &q_has, &one, "s", id);
}

void store_purged_cleanup(store_purged_t *p)
{
    if (!p)
        return;
    store_strv_free(p->ids, p->nids);
    memset(p, 0, sizeof *p);
}
