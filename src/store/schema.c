/* The schema, as migrations: entry i brings a database from version i to i+1. Never edit a released entry;
 * add one. Written in SQLite's DDL; postgres.c rewrites the types it spells differently (see db.h). */
#include "store/db.h"

const char *const db_migrations[] = {
    /* 0 -> 1: workflows, runs, generic definitions */
    "CREATE TABLE meta (key TEXT PRIMARY KEY, value BLOB NOT NULL);"
    "CREATE TABLE workflows ("
    "  name TEXT PRIMARY KEY, description TEXT, default_props TEXT, tags TEXT,"
    "  max_runs INTEGER, created_ms INTEGER NOT NULL, modified_ms INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE workflow_runs ("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT, run_id TEXT NOT NULL UNIQUE, workflow TEXT NOT NULL,"
    "  previous_run_id TEXT, status INTEGER NOT NULL, error_message TEXT, props TEXT,"
    "  started_ms INTEGER, completed_ms INTEGER, batch_size INTEGER, batch_window INTEGER,"
    "  st_total INTEGER NOT NULL DEFAULT 0, st_timeout INTEGER NOT NULL DEFAULT 0,"
    "  st_failed INTEGER NOT NULL DEFAULT 0, st_stopped INTEGER NOT NULL DEFAULT 0,"
    "  st_succeeded INTEGER NOT NULL DEFAULT 0, st_running INTEGER NOT NULL DEFAULT 0,"
    "  st_errored INTEGER NOT NULL DEFAULT 0, st_waiting INTEGER NOT NULL DEFAULT 0);"
    "CREATE INDEX workflow_runs_by_workflow ON workflow_runs(workflow, seq);"
    "CREATE TABLE resources ("
    "  kind TEXT NOT NULL, name TEXT NOT NULL, workflow TEXT, doc TEXT NOT NULL, tags TEXT,"
    "  created_ms INTEGER NOT NULL, modified_ms INTEGER NOT NULL, PRIMARY KEY (kind, name)) WITHOUT ROWID;"
    "CREATE INDEX resources_by_workflow ON resources(kind, workflow) WHERE workflow IS NOT NULL;",
    /* 1 -> 2: the engine's state: action runs, frozen run graphs, node states, watchers */
    "CREATE INDEX workflow_runs_active ON workflow_runs(workflow) WHERE status IN (0, 2);"
    "CREATE TABLE job_runs ("
    "  seq INTEGER PRIMARY KEY AUTOINCREMENT, id TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, job TEXT NOT NULL,"
    "  attempt INTEGER NOT NULL DEFAULT 0, state INTEGER NOT NULL, previous_run_id TEXT, trigger_name TEXT,"
    "  workflow TEXT, workflow_run_id TEXT, started_ms INTEGER, modified_ms INTEGER, completed_ms INTEGER,"
    "  timeout_min INTEGER, pid INTEGER, error_message TEXT, arguments TEXT, detail TEXT);"
    "CREATE INDEX job_runs_by_job ON job_runs(kind, job, seq);"
    "CREATE INDEX job_runs_by_run ON job_runs(workflow_run_id, seq) WHERE workflow_run_id IS NOT NULL;"
    "CREATE INDEX job_runs_active ON job_runs(kind, job) WHERE state < 4;"
    "CREATE TABLE run_triggers (run_id TEXT NOT NULL, name TEXT NOT NULL, doc TEXT NOT NULL,"
    "  fired INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (run_id, name)) WITHOUT ROWID;"
    "CREATE TABLE run_nodes (run_id TEXT NOT NULL, type TEXT NOT NULL, name TEXT NOT NULL, state INTEGER,"
    "  source_run_id TEXT, PRIMARY KEY (run_id, type, name)) WITHOUT ROWID;"
    "CREATE TABLE run_watch (run_id TEXT NOT NULL, type TEXT NOT NULL, name TEXT NOT NULL,"
    "  trigger_name TEXT NOT NULL, PRIMARY KEY (run_id, type, name, trigger_name)) WITHOUT ROWID;",
    /* 2 -> 3: recovery and the engine list the active action runs in order without reading the others */
    "CREATE INDEX job_runs_active_by_seq ON job_runs(seq) WHERE state < 4;",
    /* 3 -> 4: runs that start themselves: the fires of schedules (one row per fire time, the key that makes a
     * fire happen once), EventBridge rules and targets, and the events waiting in EVENT triggers' batches */
    "CREATE TABLE schedule_fires (kind TEXT NOT NULL, name TEXT NOT NULL, fire_s INTEGER NOT NULL,"
    "  fired_ms INTEGER NOT NULL, PRIMARY KEY (kind, name, fire_s)) WITHOUT ROWID;"
    "CREATE TABLE event_rules (bus TEXT NOT NULL, name TEXT NOT NULL, pattern TEXT NOT NULL, state TEXT NOT NULL,"
    "  description TEXT, role_arn TEXT, tags TEXT, created_ms INTEGER NOT NULL, modified_ms INTEGER NOT NULL,"
    "  PRIMARY KEY (bus, name)) WITHOUT ROWID;"
    "CREATE TABLE event_targets (bus TEXT NOT NULL, rule TEXT NOT NULL, id TEXT NOT NULL, arn TEXT NOT NULL,"
    "  doc TEXT NOT NULL, PRIMARY KEY (bus, rule, id)) WITHOUT ROWID;"
    "CREATE TABLE event_waiting (seq INTEGER PRIMARY KEY AUTOINCREMENT, workflow TEXT NOT NULL,"
    "  trigger_name TEXT NOT NULL, event_id TEXT NOT NULL, received_ms INTEGER NOT NULL);"
    "CREATE INDEX event_waiting_by_workflow ON event_waiting(workflow, seq);",
    /* 4 -> 5: the Data Catalog. Partitions are keyed by their typed index key (catalog/pexpr.h), which serves
     * lookups, pages and the ranges of an expression; tables carry a lowercase search text for SearchTables. */
    "CREATE TABLE cat_databases (name TEXT PRIMARY KEY, doc TEXT NOT NULL, tags TEXT,"
    "  created_ms INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE cat_tables (db TEXT NOT NULL, name TEXT NOT NULL, doc TEXT NOT NULL, version INTEGER NOT NULL,"
    "  search TEXT NOT NULL, created_ms INTEGER NOT NULL, PRIMARY KEY (db, name)) WITHOUT ROWID;"
    "CREATE TABLE cat_table_versions (db TEXT NOT NULL, tbl TEXT NOT NULL, version INTEGER NOT NULL,"
    "  doc TEXT NOT NULL, PRIMARY KEY (db, tbl, version)) WITHOUT ROWID;"
    "CREATE TABLE cat_partitions (db TEXT NOT NULL, tbl TEXT NOT NULL, vkey TEXT NOT NULL, doc TEXT NOT NULL,"
    "  created_ms INTEGER NOT NULL, PRIMARY KEY (db, tbl, vkey)) WITHOUT ROWID;",
    /* 5 -> 6: several nodes share the work. A job run is owned by the node that claimed it (node); a ready run
     * that no node has claimed yet is WAITING (state 3) with no node. Nodes hold leases; logs of job runs are
     * kept in the store when it is shared, so that any node can show them. */
    "ALTER TABLE job_runs ADD COLUMN node TEXT;"
    "CREATE INDEX job_runs_waiting ON job_runs(seq) WHERE state = 3 AND node IS NULL;"
    "CREATE INDEX job_runs_by_node ON job_runs(node, seq) WHERE state < 4;"
    "CREATE TABLE nodes (name TEXT PRIMARY KEY, epoch TEXT NOT NULL, host TEXT NOT NULL, pid INTEGER NOT NULL,"
    "  url TEXT, started_ms INTEGER NOT NULL, lease_until_ms INTEGER NOT NULL) WITHOUT ROWID;"
    "CREATE TABLE job_logs (id TEXT PRIMARY KEY, stdout BLOB, stderr BLOB, stdout_size INTEGER NOT NULL,"
    "  stderr_size INTEGER NOT NULL) WITHOUT ROWID;",
    /* 6 -> 7: the standalone CONDITIONAL triggers (no workflow) that watch each job or crawler, so that a
     * standalone job's end looks up its watchers instead of reading every trigger; filled from the triggers
     * at every start (flow_trigger_watch_fill), kept as triggers change */
    "CREATE TABLE trigger_watch (type TEXT NOT NULL, name TEXT NOT NULL, trigger_name TEXT NOT NULL,"
    "  PRIMARY KEY (type, name, trigger_name)) WITHOUT ROWID;"
    "CREATE INDEX trigger_watch_by_trigger ON trigger_watch(trigger_name);",
    /* 7 -> 8: run history is purged past its retention (--retention-days), oldest end first: ended workflow runs
     * and ended action runs by their end time, and the runs a resumed run refers to (kept while it is) */
    "CREATE INDEX workflow_runs_ended ON workflow_runs(completed_ms) WHERE status IN (1, 3, 4);"
    "CREATE INDEX workflow_runs_by_previous ON workflow_runs(previous_run_id) WHERE previous_run_id IS NOT NULL;"
    "CREATE INDEX job_runs_ended ON job_runs(completed_ms) WHERE state >= 4;",
    /* 8 -> 9: every state change of a job run rewrote each partial index on state < 4, one page apiece in the
     * commit. job_runs_by_node (node, seq) serves what job_runs_active_by_seq (all active runs in order: sorted
     * from it, a few rows, at recovery only) and job_runs_waiting (node IS NULL, in seq order) served */
    "DROP INDEX job_runs_active_by_seq;"
    "DROP INDEX job_runs_waiting;",
};

const int db_schema_version = (int)(sizeof db_migrations / sizeof db_migrations[0]);

/* The tables --test-mode's reset empties (store_reset). A migration that creates a table adds it here, children
 * before parents, or to db_reset_kept with the reason it must outlive a reset; test_store checks that every
 * table is in one of the two lists. */
const char *const db_reset_tables[] = {
    "run_watch",
    "run_nodes",
    "run_triggers",
    "trigger_watch",
    "job_runs",
    "workflow_runs",
    "resources",
    "workflows",
    "event_waiting",
    "event_targets",
    "event_rules",
    "schedule_fires",
    "cat_partitions",
    "cat_table_versions",
    "cat_tables",
    "cat_databases",
    "job_logs",
    NULL,
};

/* The tables a reset keeps: the store's bookkeeping, not state a client made. */
const char *const db_reset_kept[] = {
    "meta",  /* the store's secret: pagination tokens and node ids stay valid */
    "nodes", /* the live nodes and their leases: emptied, each node would find itself fenced */
    NULL,
};
