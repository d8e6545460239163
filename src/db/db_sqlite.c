/*
 * db_sqlite.c - the SQLite driver: WAL journal, busy timeout, foreign keys on, one connection
 * per struct db. Errors are translated to ok_err codes here so that callers can react to a
 * duplicate key (OK_ERR_CONFLICT) or a bad reference (OK_ERR_INVALID) without engine codes.
 */
#include "db/db.h"
#include "db/db_sqlite.h"

#include <errno.h>
#include <pthread.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/mem.h"
#include "core/banned.h"

struct sqlite_stmt {
    struct db_stmt base; /* first: the interface's part */
    sqlite3_stmt *st;
};

static sqlite3 *conn(struct db *db)
{
    return db->handle;
}

static sqlite3_stmt *raw(struct db_stmt *st)
{
    return ((struct sqlite_stmt *)st)->st;
}

/* Maps SQLite's extended result codes to okaeri's error classes with a readable message. */
static int sqlite_fail(struct db *db, int rc, struct ok_err *err, const char *what)
{
    enum ok_err_code code = OK_ERR_DB;
    const char *msg = sqlite3_errmsg(conn(db));
    switch (rc) {
    case SQLITE_CONSTRAINT_UNIQUE:
    case SQLITE_CONSTRAINT_PRIMARYKEY:
        code = OK_ERR_CONFLICT;
        break;
    case SQLITE_CONSTRAINT_FOREIGNKEY:
        code = OK_ERR_INVALID;
        msg = "refers to a record that does not exist (or is still referred to)";
        break;
    case SQLITE_CONSTRAINT_CHECK:
    case SQLITE_CONSTRAINT_NOTNULL:
        code = OK_ERR_INVALID;
        break;
    case SQLITE_NOTADB:
        code = OK_ERR_VERSION;
        msg = "the file is not an okaeri database (not even SQLite)";
        break;
    case SQLITE_READONLY:
    case SQLITE_READONLY_DBMOVED:
    case SQLITE_CANTOPEN:
    case SQLITE_FULL:
    case SQLITE_IOERR:
        code = OK_ERR_IO;
        break;
    default:
        if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED)
            msg = "the database is busy (another okaeri is writing); try again";
        else if ((rc & 0xff) == SQLITE_READONLY || (rc & 0xff) == SQLITE_IOERR ||
                 (rc & 0xff) == SQLITE_CANTOPEN)
            code = OK_ERR_IO;
        break;
    }
    return ok_err_set(err, code, "%s: %s (%s)", what, msg, db->target);
}

static int path_dir_exists(const char *path)
{
    const char *slash = strrchr(path, '/');
    struct stat sb;
    char dir[1024];
    size_t n;
    if (!slash)
        return 1;
    n = (size_t)(slash - path);
    if (n == 0)
        return 1;
    if (n >= sizeof(dir))
        return 0;
    memcpy(dir, path, n);
    dir[n] = '\0';
    return stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode);
}

/* Process-wide settings, made before SQLite initialises (sqlite3_config refuses them after):
 * no memory statistics, which otherwise take a global mutex around every malloc and free. */
static void sqlite_configure(void)
{
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
}

static int sqlite_open_db(struct db *db, const char *path, int flags, struct ok_err *err)
{
    sqlite3 *h = NULL;
    int oflags = SQLITE_OPEN_NOMUTEX;
    int rc;
    struct stat sb;
    if (!strncmp(path, "file:", 5))
        oflags |= SQLITE_OPEN_URI;
    if (flags & DB_OPEN_READONLY)
        oflags |= SQLITE_OPEN_READONLY;
    else
        oflags |= SQLITE_OPEN_READWRITE;
    if (!(oflags & SQLITE_OPEN_URI)) {
        if (stat(path, &sb) != 0) {
            if (!(flags & DB_OPEN_CREATE))
                return ok_err_set(err, OK_ERR_NOT_FOUND,
                                  "no database at %s; create one with `okaeri init` (or pass "
                                  "--db PATH)",
                                  path);
            if (!path_dir_exists(path))
                return ok_err_set(err, OK_ERR_IO, "cannot create %s: its directory does not exist",
                                  path);
        } else if (S_ISDIR(sb.st_mode)) {
            return ok_err_set(err, OK_ERR_IO, "%s is a directory, not a database file", path);
        }
    }
    if (flags & DB_OPEN_CREATE)
        oflags |= SQLITE_OPEN_CREATE;
    {
        static pthread_once_t once = PTHREAD_ONCE_INIT;
        pthread_once(&once, sqlite_configure);
    }
    rc = sqlite3_open_v2(path, &h, oflags, NULL);
    if (rc != SQLITE_OK) {
        ok_err_set(err, OK_ERR_IO, "cannot open %s: %s", path,
                   h ? sqlite3_errmsg(h) : sqlite3_errstr(rc));
        if (h && errno == EACCES)
            ok_err_prefix(err, "permission denied");
        sqlite3_close(h);
        return -1;
    }
    sqlite3_extended_result_codes(h, 1);
    db->handle = h;
    sqlite3_busy_timeout(h, 10000);
    /* Reading the header here catches "not a database" before anything else runs. */
    rc = sqlite3_exec(h, "PRAGMA foreign_keys=ON; PRAGMA synchronous=NORMAL;", NULL, NULL, NULL);
    if (rc == SQLITE_OK && !(flags & DB_OPEN_READONLY))
        rc = sqlite3_exec(h, "PRAGMA journal_mode=WAL;", NULL, NULL, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_exec(h, "SELECT count(*) FROM sqlite_master;", NULL, NULL, NULL);
    if (rc != SQLITE_OK) {
        sqlite_fail(db, sqlite3_extended_errcode(h), err, "cannot use database");
        sqlite3_close(h);
        db->handle = NULL;
        return -1;
    }
    return 0;
}

static void sqlite_close_db(struct db *db)
{
    if (db->handle) {
        /* Checkpoint so that the -wal file does not linger after a clean close. */
        sqlite3_close(conn(db));
        db->handle = NULL;
    }
}

static int sqlite_exec_sql(struct db *db, const char *sql, struct ok_err *err)
{
    int rc = sqlite3_exec(conn(db), sql, NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return sqlite_fail(db, sqlite3_extended_errcode(conn(db)), err, "database error");
    return 0;
}

static struct db_stmt *sqlite_prepare_stmt(struct db *db, const char *sql, struct ok_err *err)
{
    sqlite3_stmt *raw_st = NULL;
    struct sqlite_stmt *st;
    int rc = sqlite3_prepare_v3(conn(db), sql, -1, SQLITE_PREPARE_PERSISTENT, &raw_st, NULL);
    if (rc != SQLITE_OK) {
        sqlite_fail(db, sqlite3_extended_errcode(conn(db)), err, "cannot prepare statement");
        return NULL;
    }
    st = xcalloc(1, sizeof(*st));
    st->st = raw_st;
    return &st->base;
}

static void sqlite_finalize(struct db_stmt *st)
{
    sqlite3_finalize(raw(st));
    free(st);
}

static int sqlite_bind_i64(struct db_stmt *st, int idx, int64_t v)
{
    return sqlite3_bind_int64(raw(st), idx, v) == SQLITE_OK ? 0 : -1;
}

static int sqlite_bind_double(struct db_stmt *st, int idx, double v)
{
    return sqlite3_bind_double(raw(st), idx, v) == SQLITE_OK ? 0 : -1;
}

static int sqlite_bind_text(struct db_stmt *st, int idx, const char *s, size_t n)
{
    return sqlite3_bind_text64(raw(st), idx, s, n, SQLITE_TRANSIENT, SQLITE_UTF8) == SQLITE_OK ? 0
                                                                                               : -1;
}

int db_sqlite_bind_text_static(struct db_stmt *st, int idx, const char *s, size_t n)
{
    return sqlite3_bind_text64(raw(st), idx, s, n, SQLITE_STATIC, SQLITE_UTF8) == SQLITE_OK ? 0
                                                                                            : -1;
}

static int sqlite_bind_null(struct db_stmt *st, int idx)
{
    return sqlite3_bind_null(raw(st), idx) == SQLITE_OK ? 0 : -1;
}

static int sqlite_step(struct db_stmt *st, struct ok_err *err)
{
    int rc = sqlite3_step(raw(st));
    if (rc == SQLITE_ROW)
        return DB_ROW;
    if (rc == SQLITE_DONE)
        return DB_DONE;
    rc = sqlite3_extended_errcode(conn(st->db));
    sqlite3_reset(raw(st));
    return sqlite_fail(st->db, rc, err, "database error");
}

static int sqlite_reset(struct db_stmt *st)
{
    sqlite3_reset(raw(st));
    sqlite3_clear_bindings(raw(st));
    return 0;
}

static int sqlite_column_count(struct db_stmt *st)
{
    return sqlite3_column_count(raw(st));
}

static int sqlite_column_is_null(struct db_stmt *st, int col)
{
    return sqlite3_column_type(raw(st), col) == SQLITE_NULL;
}

static int64_t sqlite_column_i64(struct db_stmt *st, int col)
{
    return sqlite3_column_int64(raw(st), col);
}

static double sqlite_column_double(struct db_stmt *st, int col)
{
    return sqlite3_column_double(raw(st), col);
}

static const char *sqlite_column_text(struct db_stmt *st, int col, size_t *len)
{
    const char *s = (const char *)sqlite3_column_text(raw(st), col);
    *len = s ? (size_t)sqlite3_column_bytes(raw(st), col) : 0;
    return s;
}

static const char *sqlite_column_name(struct db_stmt *st, int col)
{
    return sqlite3_column_name(raw(st), col);
}

static int64_t sqlite_changes(struct db *db)
{
    return sqlite3_changes64(conn(db));
}

static int sqlite_has_table(struct db *db, const char *name, struct ok_err *err)
{
    sqlite3_stmt *st;
    int rc, found;
    rc = sqlite3_prepare_v2(conn(db),
                            name ? "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?"
                                 : "SELECT 1 FROM sqlite_master WHERE type='table'",
                            -1, &st, NULL);
    if (rc != SQLITE_OK)
        return sqlite_fail(db, sqlite3_extended_errcode(conn(db)), err, "cannot read schema");
    if (name)
        sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
    rc = sqlite3_step(st);
    found = rc == SQLITE_ROW;
    sqlite3_finalize(st);
    if (rc != SQLITE_ROW && rc != SQLITE_DONE)
        return sqlite_fail(db, sqlite3_extended_errcode(conn(db)), err, "cannot read schema");
    return found;
}

const struct db_driver db_driver_sqlite = {
    .name = "sqlite",
    .engine = DB_ENGINE_SQLITE,
    .open = sqlite_open_db,
    .close = sqlite_close_db,
    .exec = sqlite_exec_sql,
    .prepare = sqlite_prepare_stmt,
    .finalize = sqlite_finalize,
    .bind_i64 = sqlite_bind_i64,
    .bind_double = sqlite_bind_double,
    .bind_text = sqlite_bind_text,
    .bind_null = sqlite_bind_null,
    .step = sqlite_step,
    .reset = sqlite_reset,
    .column_count = sqlite_column_count,
    .column_is_null = sqlite_column_is_null,
    .column_i64 = sqlite_column_i64,
    .column_double = sqlite_column_double,
    .column_text = sqlite_column_text,
    .column_name = sqlite_column_name,
    .changes = sqlite_changes,
    .has_table = sqlite_has_table,
};
