/*
 * db.c - the engine-independent half of the database interface: choosing a driver, the
 * statement cache, nested transactions as savepoints, and small conveniences.
 */
#include "db/db.h"

#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/banned.h"

static const struct db_driver *driver_for(const char *target)
{
    if (!strncmp(target, "postgresql://", 13) || !strncmp(target, "postgres://", 11))
        return db_driver_postgres_or_null();
    return &db_driver_sqlite;
}

const char *db_default_target(void)
{
    const char *env = getenv("OKAERI_DB");
    return env && *env ? env : "okaeri.db";
}

/* Copies target for messages, hiding a password in a URL (user:secret@host -> user:***@host). */
static void copy_target_for_messages(char *out, size_t size, const char *target)
{
    const char *scheme = strstr(target, "://");
    const char *at = strchr(target, '@');
    const char *colon = scheme ? strchr(scheme + 3, ':') : NULL;
    if (scheme && at && colon && colon < at) {
        size_t head = (size_t)(colon - target) + 1;
        if (head > size - 1)
            head = size - 1;
        memcpy(out, target, head);
        out[head] = '\0';
        size_t used = strlen(out);
        if (used + 3 < size) {
            memcpy(out + used, "***", 4);
            used += 3;
        }
        size_t rest = strlen(at);
        if (used + rest >= size)
            rest = size - used - 1;
        memcpy(out + used, at, rest);
        out[used + rest] = '\0';
        return;
    }
    size_t n = strlen(target);
    if (n >= size)
        n = size - 1;
    memcpy(out, target, n);
    out[n] = '\0';
}

struct db *db_open(const char *target, int flags, struct ok_err *err)
{
    struct db *db;
    const struct db_driver *drv;
    if (!target || !*target)
        target = db_default_target();
    drv = driver_for(target);
    if (!drv) {
        ok_err_set(err, OK_ERR_USAGE,
                   "this okaeri was built without PostgreSQL support; use a SQLite file path");
        return NULL;
    }
    db = xcalloc(1, sizeof(*db));
    db->driver = drv;
    db->flags = flags;
    copy_target_for_messages(db->target, sizeof(db->target), target);
    if (drv->open(db, target, flags, err) < 0) {
        free(db);
        return NULL;
    }
    return db;
}

void db_close(struct db **pdb)
{
    struct db *db = *pdb;
    if (!db)
        return;
    while (db->cache) {
        struct db_stmt *st = db->cache;
        db->cache = st->cache_next;
        db->driver->finalize(st);
    }
    db->driver->close(db);
    free(db);
    *pdb = NULL;
}

enum db_engine db_engine_of(const struct db *db)
{
    return db->driver->engine;
}

int db_exec(struct db *db, const char *sql, struct ok_err *err)
{
    return db->driver->exec(db, sql, err);
}

struct db_stmt *db_prepare(struct db *db, const char *sql, struct ok_err *err)
{
    struct db_stmt *st = db->driver->prepare(db, sql, err);
    if (st) {
        st->db = db;
        st->sql = sql;
        st->cache_key = NULL;
        st->cache_next = NULL;
    }
    return st;
}

struct db_stmt *db_cached(struct db *db, const char *sql, struct ok_err *err)
{
    struct db_stmt *st;
    for (st = db->cache; st; st = st->cache_next) {
        if (st->cache_key == sql) {
            db->driver->reset(st);
            return st;
        }
    }
    st = db_prepare(db, sql, err);
    if (!st)
        return NULL;
    st->cache_key = sql;
    st->cache_next = db->cache;
    db->cache = st;
    return st;
}

void db_stmt_free(struct db_stmt **pst)
{
    struct db_stmt *st = *pst;
    if (!st)
        return;
    if (st->cache_key)
        st->db->driver->reset(st); /* owned by the cache: just make it reusable */
    else
        st->db->driver->finalize(st);
    *pst = NULL;
}

int db_bind_i64(struct db_stmt *st, int idx, int64_t v)
{
    return st->db->driver->bind_i64(st, idx, v);
}

int db_bind_double(struct db_stmt *st, int idx, double v)
{
    return st->db->driver->bind_double(st, idx, v);
}

int db_bind_text(struct db_stmt *st, int idx, const char *s, size_t n)
{
    if (!s)
        return st->db->driver->bind_null(st, idx);
    if (n == (size_t)-1)
        n = strlen(s);
    return st->db->driver->bind_text(st, idx, s, n);
}

int db_bind_text_or_null(struct db_stmt *st, int idx, const char *s)
{
    if (!s || !*s)
        return st->db->driver->bind_null(st, idx);
    return st->db->driver->bind_text(st, idx, s, strlen(s));
}

int db_bind_null(struct db_stmt *st, int idx)
{
    return st->db->driver->bind_null(st, idx);
}

int db_step(struct db_stmt *st, struct ok_err *err)
{
    return st->db->driver->step(st, err);
}

int db_reset(struct db_stmt *st)
{
    return st->db->driver->reset(st);
}

int db_column_count(struct db_stmt *st)
{
    return st->db->driver->column_count(st);
}

int db_column_is_null(struct db_stmt *st, int col)
{
    return st->db->driver->column_is_null(st, col);
}

int64_t db_column_i64(struct db_stmt *st, int col)
{
    return st->db->driver->column_i64(st, col);
}

double db_column_double(struct db_stmt *st, int col)
{
    return st->db->driver->column_double(st, col);
}

const char *db_column_text_len(struct db_stmt *st, int col, size_t *len)
{
    size_t n = 0;
    const char *s = st->db->driver->column_text(st, col, &n);
    if (!s) {
        s = "";
        n = 0;
    }
    if (len)
        *len = n;
    return s;
}

const char *db_column_text(struct db_stmt *st, int col)
{
    return db_column_text_len(st, col, NULL);
}

const char *db_column_name(struct db_stmt *st, int col)
{
    return st->db->driver->column_name(st, col);
}

char *db_column_strdup(struct db_stmt *st, int col)
{
    size_t n;
    const char *s;
    if (db_column_is_null(st, col))
        return NULL;
    s = db_column_text_len(st, col, &n);
    return xstrndup(s, n);
}

int64_t db_changes(struct db *db)
{
    return db->driver->changes(db);
}

int db_begin(struct db *db, struct ok_err *err)
{
    int rc;
    if (db->tx_depth == 0) {
        /* IMMEDIATE takes SQLite's write lock up front, so two writers wait for each other
         * (busy timeout) instead of failing with SQLITE_BUSY on their first write. */
        rc = db_exec(db, db->driver->engine == DB_ENGINE_SQLITE ? "BEGIN IMMEDIATE" : "BEGIN", err);
    } else {
        rc = db_exec(db, "SAVEPOINT okaeri_sp", err);
    }
    if (rc == 0)
        db->tx_depth++;
    return rc;
}

int db_commit(struct db *db, struct ok_err *err)
{
    int rc;
    if (db->tx_depth <= 0)
        return ok_err_set(err, OK_ERR_INTERNAL, "commit without a transaction");
    if (db->tx_depth == 1)
        rc = db_exec(db, "COMMIT", err);
    else
        rc = db_exec(db, "RELEASE SAVEPOINT okaeri_sp", err);
    if (rc == 0)
        db->tx_depth--;
    return rc;
}

int db_rollback(struct db *db)
{
    struct ok_err ignored;
    int rc;
    if (db->tx_depth <= 0)
        return 0;
    if (db->tx_depth == 1) {
        rc = db_exec(db, "ROLLBACK", &ignored);
    } else {
        rc = db_exec(db, "ROLLBACK TO SAVEPOINT okaeri_sp", &ignored);
        if (rc == 0)
            rc = db_exec(db, "RELEASE SAVEPOINT okaeri_sp", &ignored);
    }
    db->tx_depth--;
    return rc;
}

int db_query_i64(struct db *db, const char *sql, int64_t *out, struct ok_err *err)
{
    int rc;
    struct db_stmt *st = db_prepare(db, sql, err);
    if (!st)
        return -1;
    rc = db_step(st, err);
    if (rc == DB_ROW) {
        *out = db_column_i64(st, 0);
        rc = 1;
    }
    db_stmt_free(&st);
    return rc;
}

int db_has_table(struct db *db, const char *name, struct ok_err *err)
{
    return db->driver->has_table(db, name, err);
}
