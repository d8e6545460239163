/*
 * db.h - the database interface every layer above uses; one driver per engine behind it.
 *
 * SQL is written once, with `?` placeholders, in the portable subset that SQLite and PostgreSQL
 * share (INSERT ... ON CONFLICT ... DO UPDATE for upserts, RETURNING id for new ids). A driver
 * rewrites what its engine needs (PostgreSQL: ? -> $n). Callers never see engine handles.
 *
 * Statements: db_prepare() returns a statement owned by the caller (db_stmt_free); bind with
 * 1-based indexes; db_step() returns DB_ROW while rows come, DB_DONE at the end, or -1 with err
 * filled (unique violations map to OK_ERR_CONFLICT, foreign key and check failures to
 * OK_ERR_INVALID). Column values are borrowed until the next step/reset/free.
 *
 * A struct db is used by one thread at a time; the server opens one per worker.
 */
#ifndef OK_DB_DB_H
#define OK_DB_DB_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

enum db_engine { DB_ENGINE_SQLITE, DB_ENGINE_POSTGRES };

enum db_step_result { DB_DONE = 0, DB_ROW = 1 };

/* Open flags. */
enum {
    DB_OPEN_CREATE = 1,   /* create the SQLite file if missing (init, demo) */
    DB_OPEN_READONLY = 2, /* reports that must not write */
};

struct db;
struct db_stmt;

/* A driver: the engine-specific half. Drivers live in db_<engine>.c. */
struct db_driver {
    const char *name;
    enum db_engine engine;
    int (*open)(struct db *db, const char *target, int flags, struct ok_err *err);
    void (*close)(struct db *db);
    int (*exec)(struct db *db, const char *sql, struct ok_err *err);
    struct db_stmt *(*prepare)(struct db *db, const char *sql, struct ok_err *err);
    void (*finalize)(struct db_stmt *st);
    int (*bind_i64)(struct db_stmt *st, int idx, int64_t v);
    int (*bind_double)(struct db_stmt *st, int idx, double v);
    int (*bind_text)(struct db_stmt *st, int idx, const char *s, size_t n);
    int (*bind_null)(struct db_stmt *st, int idx);
    int (*step)(struct db_stmt *st, struct ok_err *err);
    int (*reset)(struct db_stmt *st);
    int (*column_count)(struct db_stmt *st);
    int (*column_is_null)(struct db_stmt *st, int col);
    int64_t (*column_i64)(struct db_stmt *st, int col);
    double (*column_double)(struct db_stmt *st, int col);
    const char *(*column_text)(struct db_stmt *st, int col, size_t *len);
    const char *(*column_name)(struct db_stmt *st, int col);
    int64_t (*changes)(struct db *db);
    /* Is there any table at all (used to tell "empty file" from "another application's db")? */
    int (*has_table)(struct db *db, const char *name, struct ok_err *err);
};

struct db {
    const struct db_driver *driver;
    void *handle;      /* the engine's connection */
    char target[1024]; /* the path or URL as given, for messages (password removed) */
    int tx_depth;      /* nesting of db_begin; inner levels are savepoints */
    int flags;
    struct db_stmt *cache; /* cached statements, see db_cached */
};

/* The part of every statement the interface needs; drivers embed it first in theirs. */
struct db_stmt {
    struct db *db;
    const char *sql;       /* as given by the caller */
    const char *cache_key; /* non-NULL when owned by the cache */
    struct db_stmt *cache_next;
};

/* Opens a database: a file path (SQLite) or postgresql://... URL. NULL target means $OKAERI_DB or
 * ./okaeri.db. Returns a new handle (caller frees with db_close) or NULL with err filled. */
struct db *db_open(const char *target, int flags, struct ok_err *err);
void db_close(struct db **db);
enum db_engine db_engine_of(const struct db *db);
/* The target to use when none is given: $OKAERI_DB, else "okaeri.db". Borrowed static. */
const char *db_default_target(void);

/* Runs one or more statements without parameters or results. */
int db_exec(struct db *db, const char *sql, struct ok_err *err);

struct db_stmt *db_prepare(struct db *db, const char *sql, struct ok_err *err);
/* A statement prepared once per connection and kept: `sql` must be a string with static
 * lifetime (its address is the key). Returned reset and unbound; do NOT free it. */
struct db_stmt *db_cached(struct db *db, const char *sql, struct ok_err *err);
void db_stmt_free(struct db_stmt **st);

int db_bind_i64(struct db_stmt *st, int idx, int64_t v);
int db_bind_double(struct db_stmt *st, int idx, double v);
/* Binds text of n bytes (n = (size_t)-1: strlen). The text is copied by the driver. */
int db_bind_text(struct db_stmt *st, int idx, const char *s, size_t n);
/* Binds NULL when s is NULL or empty, else the text. */
int db_bind_text_or_null(struct db_stmt *st, int idx, const char *s);
int db_bind_null(struct db_stmt *st, int idx);

/* DB_ROW, DB_DONE or -1 (err filled). */
int db_step(struct db_stmt *st, struct ok_err *err);
/* Makes the statement ready to run again; bindings are cleared. */
int db_reset(struct db_stmt *st);

int db_column_count(struct db_stmt *st);
int db_column_is_null(struct db_stmt *st, int col);
int64_t db_column_i64(struct db_stmt *st, int col);
double db_column_double(struct db_stmt *st, int col);
/* Borrowed until the next step/reset/free; "" for NULL. */
const char *db_column_text(struct db_stmt *st, int col);
const char *db_column_text_len(struct db_stmt *st, int col, size_t *len);
const char *db_column_name(struct db_stmt *st, int col);
/* Copy of a text column (caller frees) or NULL when the column is NULL. */
char *db_column_strdup(struct db_stmt *st, int col);

/* Rows changed by the last INSERT/UPDATE/DELETE. */
int64_t db_changes(struct db *db);

/* Transactions; nested calls become savepoints. db_rollback undoes the innermost level. */
int db_begin(struct db *db, struct ok_err *err);
int db_commit(struct db *db, struct ok_err *err);
int db_rollback(struct db *db);

/* Convenience: runs sql (with no parameters) and returns the first column of the first row in
 * *out; returns 1 if a row was found, 0 if none, -1 on error. */
int db_query_i64(struct db *db, const char *sql, int64_t *out, struct ok_err *err);

int db_has_table(struct db *db, const char *name, struct ok_err *err);

extern const struct db_driver db_driver_sqlite;
/* The PostgreSQL driver when built in, else NULL (see db_postgres.c). */
const struct db_driver *db_driver_postgres_or_null(void);

#endif
