/* The store's event-driven state (see events.h): schedule fires, rules, targets, waiting events. Each query is
 * written once, next to its function, in the dialect both backends speak (db.h). */
#include "store/events.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store/db.h"

/* Reads every row of st with fn into a new array of elements of size sz. */
static int rows(db_stmt_t *st, store_tx_t *tx, db_row_fn fn, size_t sz, void **out, size_t *n)
{
    *out = NULL;
    *n = 0;
    if (!st)
        return db_status(tx) ? db_status(tx) : STORE_ERROR;
    size_t k = 0, cap = 0;
    char *v = NULL;
    int rc;
    while ((rc = db_next(st)) == 1) {
        char *nv = db_grow(v, k, &cap, sz);
        if (!nv) {
            db_done(st);
            rc = db_fail(tx, STORE_ERROR, "out of memory reading rows");
            break;
        }
        v = nv;
        memset(v + k * sz, 0, sz);
        fn(st, v + k * sz);
        k++;
    }
    *out = v;
    *n = k;
    return rc == 0 ? STORE_OK : rc;
}

/* ---- schedule fires ---- */

#define FIRE_KEEP_S 86400 /* claims older than this before the newest are pruned */

int store_fire_claim(store_tx_t *tx, const char *kind, const char *name, int64_t fire_s, int64_t now_ms)
{
    DB_SQL(q_claim, "INSERT INTO schedule_fires (kind, name, fire_s, fired_ms) VALUES (?1, ?2, ?3, ?4)"
                    " ON CONFLICT (kind, name, fire_s) DO NOTHING");
    DB_SQL(q_prune, "DELETE FROM schedule_fires WHERE kind = ?1 AND name = ?2 AND fire_s < ?3");
    int64_t changed = 0;
    int rc = db_exec(tx, &q_claim, &changed, "ssii", kind, name, fire_s, now_ms);
    if (rc < 0)
        return rc;
    if (changed == 0)
        return STORE_EXISTS;
    rc = db_exec(tx, &q_prune, NULL, "ssi", kind, name, fire_s - FIRE_KEEP_S);
    return rc < 0 ? rc : STORE_OK;
}

int store_fire_last(store_tx_t *tx, const char *kind, const char *name, int64_t *fire_s)
{
    DB_SQL(q_last, "SELECT fire_s FROM schedule_fires WHERE kind = ?1 AND name = ?2 ORDER BY fire_s DESC LIMIT 1");
    return db_int(tx, &q_last, fire_s, "ss", kind, name);
}

/* ---- marks, and the health probe's row ---- */

/* A number in meta, as 8 bytes, least significant first. */
static int meta_put(store_tx_t *tx, const char *key, int64_t t)
{
    DB_SQL(q_put,
           "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value");
    uint8_t v[8];
    for (int i = 0; i < 8; i++)
        v[i] = (uint8_t)((uint64_t)t >> (8 * i));
    return db_exec(tx, &q_put, NULL, "sb", key, (const void *)v, sizeof v);
}

int store_mark_get(store_tx_t *tx, const char *key, int64_t *t)
{
    DB_SQL(q_get, "SELECT value FROM meta WHERE key = ?1");
    db_stmt_t *st = db_query(tx, &q_get, "s", key);
    if (!st)
        return db_status(tx) ? db_status(tx) : STORE_ERROR;
    int rc = db_next(st);
    if (rc != 1)
        return rc == 0 ? STORE_NOTFOUND : rc;
    uint8_t v[8];
    size_t n = db_col_blob(st, 0, v, sizeof v);
    db_done(st);
    if (n != sizeof v)
        return STORE_NOTFOUND;
    uint64_t x = 0;
    for (int i = 7; i >= 0; i--)
        x = x << 8 | v[i];
    *t = (int64_t)x;
    return STORE_OK;
}

int store_mark_raise(store_tx_t *tx, const char *key, int64_t t)
{
    int64_t old = 0;
    int rc = store_mark_get(tx, key, &old);
    if (rc < 0)
        return rc;
    if (rc == STORE_OK && old >= t)
        return STORE_OK;
    return meta_put(tx, key, t);
}

int store_health_probe(store_tx_t *tx, const char *node, int64_t now_ms)
{
    char key[256];
    snprintf(key, sizeof key, "health:%.200s", node ? node : "");
    return meta_put(tx, key, now_ms);
}

/* ---- rules ---- */

#define RULE_COLS "bus, name, pattern, state, description, role_arn, tags, created_ms, modified_ms"

void store_rule_cleanup(store_rule_t *r)
{
    if (!r)
        return;
    free(r->bus);
    free(r->name);
    free(r->pattern);
    free(r->state);
    free(r->description);
    free(r->role_arn);
    free(r->tags);
    memset(r, 0, sizeof *r);
}

void store_rule_list_free(store_rule_t *v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        store_rule_cleanup(&v[i]);
    free(v);
}

static void read_rule(db_stmt_t *st, void *out)
{
    store_rule_t *r = out;
    r->bus = db_col_str(st, 0);
    r->name = db_col_str(st, 1);
    r->pattern = db_col_str(st, 2);
    r->state = db_col_str(st, 3);
    r->description = db_col_str(st, 4);
    r->role_arn = db_col_str(st, 5);
    r->tags = db_col_str(st, 6);
    r->created_ms = db_col_int(st, 7);
    r->modified_ms = db_col_int(st, 8);
}

int store_rule_get(store_tx_t *tx, const char *bus, const char *name, store_rule_t *r)
{
    DB_SQL(q_get, "SELECT " RULE_COLS " FROM event_rules WHERE bus = ?1 AND name = ?2");
    return db_get(tx, &q_get, read_rule, r, "ss", bus, name);
}

int store_rule_put(store_tx_t *tx, const store_rule_t *r, int64_t max_rules, bool *created)
{
    DB_SQL(q_update, "UPDATE event_rules SET pattern = ?3, state = ?4, description = ?5, role_arn = ?6,"
                     " modified_ms = ?7 WHERE bus = ?1 AND name = ?2");
    DB_SQL(q_count, "SELECT count(*) FROM event_rules WHERE bus = ?1");
    DB_SQL(q_insert, "INSERT INTO event_rules (" RULE_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)");
    int64_t changed = 0;
    int rc = db_exec(tx, &q_update, &changed, "ssssssi", r->bus, r->name, r->pattern, r->state, r->description,
                     r->role_arn, r->modified_ms);
    if (rc < 0)
        return rc;
    *created = changed == 0;
    if (!*created)
        return STORE_OK;
    if (max_rules > 0) {
        int64_t n = 0;
        if ((rc = db_int(tx, &q_count, &n, "s", r->bus)) < 0)
            return rc;
        if (n >= max_rules)
            return STORE_LIMIT;
    }
    return db_exec(tx, &q_insert, NULL, "sssssssii", r->bus, r->name, r->pattern, r->state, r->description, r->role_arn,
                   r->tags, r->created_ms, r->modified_ms);
}

int store_rule_set_state(store_tx_t *tx, const char *bus, const char *name, const char *state, int64_t now_ms)
{
    DB_SQL(q_state, "UPDATE event_rules SET state = ?3, modified_ms = ?4 WHERE bus = ?1 AND name = ?2");
    int64_t changed = 0;
    int rc = db_exec(tx, &q_state, &changed, "sssi", bus, name, state, now_ms);
    return rc < 0 ? rc : changed ? STORE_OK : STORE_NOTFOUND;
}

int store_rule_delete(store_tx_t *tx, const char *bus, const char *name)
{
    DB_SQL(q_delete, "DELETE FROM event_rules WHERE bus = ?1 AND name = ?2");
    int64_t targets = 0, changed = 0;
    int rc = store_target_count(tx, bus, name, &targets);
    if (rc < 0)
        return rc;
    if (targets > 0) {
        store_rule_t r = {0};
        rc = store_rule_get(tx, bus, name, &r);
        store_rule_cleanup(&r);
        return rc == STORE_OK ? STORE_EXISTS : rc;
    }
    rc = db_exec(tx, &q_delete, &changed, "ss", bus, name);
    return rc < 0 ? rc : changed ? STORE_OK : STORE_NOTFOUND;
}

int store_rule_list(store_tx_t *tx, const char *bus, const char *prefix, const char *after, int limit,
                    store_rule_t **out, size_t *n)
{
    /* a prefix is the range [prefix, prefix with its last byte raised): names compare bytewise on both backends */
    DB_SQL(q_list, "SELECT " RULE_COLS " FROM event_rules WHERE bus = ?1 AND name >= ?2 AND name < ?3 AND name > ?4"
                   " ORDER BY name LIMIT ?5");
    char lo[300] = "", hi[300] = "\x7f";
    if (prefix && *prefix && strlen(prefix) < sizeof lo) {
        strcpy(lo, prefix);
        strcpy(hi, prefix);
        hi[strlen(hi) - 1]++;
    }
    db_stmt_t *st =
        db_query(tx, &q_list, "ssssi", bus, lo, hi, after ? after : "", (int64_t)(limit > 0 ? limit : 1000));
    int rc = rows(st, tx, read_rule, sizeof **out, (void **)out, n);
    if (rc < 0) {
        store_rule_list_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

void store_route_list_free(store_route_t *v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++) {
        free(v[i].rule);
        free(v[i].pattern);
        free(v[i].target_id);
        free(v[i].arn);
    }
    free(v);
}

static void read_route(db_stmt_t *st, void *out)
{
    store_route_t *r = out;
    r->rule = db_col_str(st, 0);
    r->pattern = db_col_str(st, 1);
    r->target_id = db_col_str(st, 2);
    r->arn = db_col_str(st, 3);
}

int store_routes(store_tx_t *tx, const char *bus, store_route_t **out, size_t *n)
{
    DB_SQL(q_routes, "SELECT r.name, r.pattern, t.id, t.arn FROM event_rules r JOIN event_targets t"
                     " ON t.bus = r.bus AND t.rule = r.name WHERE r.bus = ?1 AND r.state <> 'DISABLED'"
                     " ORDER BY r.name, t.id");
    int rc = rows(db_query(tx, &q_routes, "s", bus), tx, read_route, sizeof **out, (void **)out, n);
    if (rc < 0) {
        store_route_list_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

/* ---- targets ---- */

void store_target_cleanup(store_target_t *t)
{
    if (!t)
        return;
    free(t->bus);
    free(t->rule);
    free(t->id);
    free(t->arn);
    free(t->doc);
    memset(t, 0, sizeof *t);
}

void store_target_list_free(store_target_t *v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        store_target_cleanup(&v[i]);
    free(v);
}

static void read_target(db_stmt_t *st, void *out)
{
    store_target_t *t = out;
    t->bus = db_col_str(st, 0);
    t->rule = db_col_str(st, 1);
    t->id = db_col_str(st, 2);
    t->arn = db_col_str(st, 3);
    t->doc = db_col_str(st, 4);
}

int store_target_put(store_tx_t *tx, const store_target_t *t)
{
    DB_SQL(q_put, "INSERT INTO event_targets (bus, rule, id, arn, doc) VALUES (?1, ?2, ?3, ?4, ?5)"
                  " ON CONFLICT (bus, rule, id) DO UPDATE SET arn = excluded.arn, doc = excluded.doc");
    return db_exec(tx, &q_put, NULL, "sssss", t->bus, t->rule, t->id, t->arn, t->doc);
}

int store_target_delete(store_tx_t *tx, const char *bus, const char *rule, const char *id)
{
    DB_SQL(q_delete, "DELETE FROM event_targets WHERE bus = ?1 AND rule = ?2 AND id = ?3");
    int64_t changed = 0;
    int rc = db_exec(tx, &q_delete, &changed, "sss", bus, rule, id);
    return rc < 0 ? rc : changed ? STORE_OK : STORE_NOTFOUND;
}

int store_target_count(store_tx_t *tx, const char *bus, const char *rule, int64_t *n)
{
    DB_SQL(q_count, "SELECT count(*) FROM event_targets WHERE bus = ?1 AND rule = ?2");
    return db_int(tx, &q_count, n, "ss", bus, rule);
}

int store_target_exists(store_tx_t *tx, const char *bus, const char *rule, const char *id)
{
    DB_SQL(q_exists, "SELECT count(*) FROM event_targets WHERE bus = ?1 AND rule = ?2 AND id = ?3");
    int64_t n = 0;
    int rc = db_int(tx, &q_exists, &n, "sss", bus, rule, id);
    return rc < 0 ? rc : n ? STORE_OK : STORE_NOTFOUND;
}

int store_target_list(store_tx_t *tx, const char *bus, const char *rule, const char *after, int limit,
                      store_target_t **out, size_t *n)
{
    DB_SQL(q_list, "SELECT bus, rule, id, arn, doc FROM event_targets WHERE bus = ?1 AND rule = ?2 AND id > ?3"
                   " ORDER BY id LIMIT ?4");
    db_stmt_t *st =
        db_query(tx, &q_list, "sssi", bus, rule, after ? after : "", (int64_t)(limit > 0 ? limit : INT32_MAX));
    int rc = rows(st, tx, read_target, sizeof **out, (void **)out, n);
    if (rc < 0) {
        store_target_list_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}

/* ---- waiting events ---- */

int store_event_wait(store_tx_t *tx, const char *workflow, const char *trigger, const char *event_id,
                     int64_t received_ms)
{
    DB_SQL(q_wait, "INSERT INTO event_waiting (workflow, trigger_name, event_id, received_ms) VALUES (?1, ?2, ?3, ?4)");
    return db_exec(tx, &q_wait, NULL, "sssi", workflow, trigger, event_id, received_ms);
}

typedef struct waiting_row {
    char *id;
    int64_t received_ms;
} waiting_row_t;

static void read_waiting(db_stmt_t *st, void *out)
{
    waiting_row_t *w = out;
    w->id = db_col_str(st, 0);
    w->received_ms = db_col_int(st, 1);
}

int store_event_waiting(store_tx_t *tx, const char *workflow, int limit, char ***ids, size_t *n, int64_t *first_ms)
{
    DB_SQL(q_waiting, "SELECT event_id, received_ms FROM event_waiting WHERE workflow = ?1 ORDER BY seq LIMIT ?2");
    waiting_row_t *v = NULL;
    size_t k = 0;
    *ids = NULL;
    *n = 0;
    int rc = rows(db_query(tx, &q_waiting, "si", workflow, (int64_t)(limit > 0 ? limit : INT32_MAX)), tx, read_waiting,
                  sizeof *v, (void **)&v, &k);
    if (rc == STORE_OK && k > 0) {
        *ids = calloc(k, sizeof **ids);
        if (!*ids)
            rc = db_fail(tx, STORE_ERROR, "out of memory reading waiting events");
    }
    for (size_t i = 0; i < k; i++) {
        if (rc == STORE_OK)
            (*ids)[i] = v[i].id;
        else
            free(v[i].id);
    }
    if (rc == STORE_OK) {
        *n = k;
        if (first_ms)
            *first_ms = k ? v[0].received_ms : 0;
    }
    free(v);
    return rc;
}

int store_event_take(store_tx_t *tx, const char *workflow, int64_t n)
{
    DB_SQL(q_take, "DELETE FROM event_waiting WHERE seq IN (SELECT seq FROM event_waiting WHERE workflow = ?1"
                   " ORDER BY seq LIMIT ?2)");
    return db_exec(tx, &q_take, NULL, "si", workflow, n);
}

void store_batch_list_free(store_batch_t *v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++) {
        free(v[i].workflow);
        free(v[i].trigger);
    }
    free(v);
}

static void read_batch(db_stmt_t *st, void *out)
{
    store_batch_t *b = out;
    b->workflow = db_col_str(st, 0);
    b->trigger = db_col_str(st, 1);
    b->first_ms = db_col_int(st, 2);
    b->count = db_col_int(st, 3);
}

int store_event_batches(store_tx_t *tx, store_batch_t **out, size_t *n)
{
    DB_SQL(q_batches, "SELECT workflow, min(trigger_name), min(received_ms), count(*) FROM event_waiting"
                      " GROUP BY workflow ORDER BY workflow");
    int rc = rows(db_query(tx, &q_batches, ""), tx, read_batch, sizeof **out, (void **)out, n);
    if (rc < 0) {
        store_batch_list_free(*out, *n);
        *out = NULL;
        *n = 0;
    }
    return rc;
}
