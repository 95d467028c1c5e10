/* store_reset: --test-mode's "empty everything" (see store.h). One DELETE per table of db_reset_tables, in one
 * transaction, so that a test suite's reset between tests takes milliseconds on either backend. The
 * statements are made once from the table list, so a table added to it needs no code here. */
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include "store/db.h"

#define RESET_MAX_TABLES 64

static db_sql_t deletes[RESET_MAX_TABLES];
static char texts[RESET_MAX_TABLES][96];
static size_t ndeletes;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void make_statements(void)
{
    for (size_t i = 0; db_reset_tables[i] && i < RESET_MAX_TABLES; i++) {
        snprintf(texts[i], sizeof texts[i], "DELETE FROM %s", db_reset_tables[i]);
        deletes[i].text = texts[i];
        ndeletes = i + 1;
    }
}

static int reset_tx(store_tx_t *tx, void *ctx)
{
    (void)ctx;
    for (size_t i = 0; i < ndeletes; i++) {
        int rc = db_exec(tx, &deletes[i], NULL, "");
        if (rc < 0)
            return rc;
    }
    return STORE_OK;
}

int store_reset(store_t *s)
{
    pthread_once(&once, make_statements);
    return store_tx_run(s, 0, reset_tx, NULL);
}

int store_schema_latest(void)
{
    return db_schema_version;
}
