/*
 * db_postgres.c - the PostgreSQL driver on libpq: one connection per struct db.
 *
 * The interface was shaped by SQLite, so this driver makes PostgreSQL look like it:
 *  - `?` placeholders become `$n` (db_pg_rewrite_placeholders);
 *  - the first db_step executes the statement (text-format parameters and results, types
 *    inferred by the server) and returns the rows one by one;
 *  - a statement run once goes through PQexecParams (one round trip, no server state); one
 *    run again, or kept in the db_cached cache, is prepared server-side under a name unique
 *    to the connection and deallocated in batches once freed;
 *  - a SELECT run inside a transaction block (not a cached one) streams: it is declared as a
 *    cursor and fetched PG_FETCH_ROWS rows at a time, so a scan of 10 M order lines never holds
 *    more than one batch in memory (outside a transaction a cursor would not survive, so there
 *    the whole result is read at once: big scans belong in a read transaction);
 *  - errors map by SQLSTATE to the same ok_err classes as SQLite's result codes;
 *  - a lost connection is an OK_ERR_IO error for the statement (and its transaction, which
 *    the server rolls back); the next statement outside a transaction reconnects.
 * PostgreSQL aborts a whole transaction on the first failed statement where SQLite goes on;
 * okaeri's callers roll back on any error, and nested levels are savepoints, so the two agree.
 */
#include "db/db_postgres.h"

#include <ctype.h>
#include <errno.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"
#include "core/banned.h"

/* Freed server-side statements are deallocated in one round trip once this many wait. */
#define PG_DEALLOC_BATCH 32
/* COPY data is handed to libpq in chunks of about this size. */
#define PG_COPY_CHUNK (256 * 1024)
/* Rows per FETCH of a streamed SELECT: large enough that round trips do not matter (10 M rows
 * take 1000 of them), small enough that a batch of wide rows stays a few MB. */
#define PG_FETCH_ROWS 10000
/* Finished cursors are closed (CLOSE ALL, when no stream is open) once this many wait; they
 * also end with their transaction. */
#define PG_IDLE_CURSORS 64

struct pg_conn {
    PGconn *pg;
    unsigned generation; /* bumped on reconnect: server-side statements are gone */
    uint64_t next_name;
    int64_t changes;
    char **dealloc; /* names of freed prepared statements not yet deallocated */
    size_t ndealloc, dealloc_cap;
    struct buf copy; /* pending COPY data */
    int in_copy;
    uint64_t next_cursor;
    int open_streams; /* cursors with rows still to fetch, owned by live statements */
    char listen[64];  /* channel LISTENed to (again after a reconnect), "" when none */
    int reconnected;  /* since the last db_pg_notifications: notifications may be lost */
    int idle_cursors; /* cursors finished or abandoned but still open on the server */
    char *target;     /* the URL as given (with its password), for db_pg_open_again */
};

struct pg_stmt {
    struct db_stmt base; /* first: the interface's part */
    char *sql;           /* rewritten with $n */
    int nparams;
    char **values; /* bound values as text; NULL = SQL NULL */
    char name[32]; /* server-side name, "" when not prepared */
    unsigned generation;
    unsigned runs;
    PGresult *res;  /* result of the current execution */
    PGresult *desc; /* description, when columns were asked for before executing */
    int executed;
    int row, nrows;
    char *select_sql; /* the caller's SQL (with ?), kept for SELECTs: they may stream */
    char cursor[32];  /* the open cursor while streaming, else "" */
    int more;         /* the cursor may hold more rows */
};

static struct pg_conn *conn(struct db *db)
{
    return db->handle;
}

static struct pg_stmt *pgst(struct db_stmt *st)
{
    return (struct pg_stmt *)st;
}

/* ---- placeholders ------------------------------------------------------------------------ */

static int is_ident_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || (unsigned char)c >= 0x80;
}

/* Length of a dollar-quote tag ($tag$ or $$) starting at s, or 0 when s does not start one. */
static size_t dollar_tag_len(const char *s)
{
    size_t i = 1;
    if (s[0] != '$')
        return 0;
    if (isdigit((unsigned char)s[1]))
        return 0; /* $1 is a parameter, not a tag */
    while (s[i] && s[i] != '$') {
        if (!is_ident_char(s[i]))
            return 0;
        i++;
    }
    return s[i] == '$' ? i + 1 : 0;
}

/* The `?` -> `$n` rewriting; with values, each `?` becomes the quoted literal of its value
 * instead (NULL when the value is NULL). Returns NULL only when a value cannot be quoted. */
static char *rewrite(const char *sql, int *nparams, PGconn *pg, char *const *values, int nvalues)
{
    struct buf out;
    const char *p = sql;
    char *sql_out;
    int n = 0;
    buf_init(&out, 0);
    while (*p) {
        char c = *p;
        if (c == '\'' || c == '"') {
            /* A literal or quoted identifier; a doubled quote is an escaped quote. */
            const char *q = p + 1;
            for (;;) {
                if (!*q)
                    break;
                if (*q == c) {
                    if (q[1] == c) {
                        q += 2;
                        continue;
                    }
                    q++;
                    break;
                }
                q++;
            }
            buf_append(&out, p, (size_t)(q - p));
            p = q;
        } else if (c == '-' && p[1] == '-') {
            const char *q = strchr(p, '\n');
            q = q ? q + 1 : p + strlen(p);
            buf_append(&out, p, (size_t)(q - p));
            p = q;
        } else if (c == '/' && p[1] == '*') {
            const char *q = strstr(p + 2, "*/");
            q = q ? q + 2 : p + strlen(p);
            buf_append(&out, p, (size_t)(q - p));
            p = q;
        } else if (c == '$' && (p == sql || !is_ident_char(p[-1])) && dollar_tag_len(p)) {
            size_t tag = dollar_tag_len(p);
            const char *end = p + tag;
            const char *q = end;
            for (;;) {
                q = strchr(q, '$');
                if (!q || !strncmp(q, p, tag))
                    break;
                q++;
            }
            q = q ? q + tag : p + strlen(p);
            buf_append(&out, p, (size_t)(q - p));
            p = q;
        } else if (c == '?' && values) {
            const char *v = n < nvalues ? values[n] : NULL;
            n++;
            if (!v) {
                buf_puts(&out, "NULL");
            } else {
                char *lit = PQescapeLiteral(pg, v, strlen(v));
                if (!lit) {
                    buf_release(&out);
                    return NULL;
                }
                buf_puts(&out, lit);
                PQfreemem(lit);
            }
            p++;
        } else if (c == '?') {
            buf_printf(&out, "$%d", ++n);
            p++;
        } else {
            buf_putc(&out, c);
            p++;
        }
    }
    *nparams = n;
    sql_out = buf_detach(&out, NULL);
    buf_release(&out); /* detach leaves a fresh empty buffer behind */
    return sql_out;
}

char *db_pg_rewrite_placeholders(const char *sql, int *nparams)
{
    return rewrite(sql, nparams, NULL, NULL, 0);
}

/* Does sql start with SELECT (after blanks and comments)? Only those may become cursors:
 * DECLARE takes no INSERT ... RETURNING and no data-modifying WITH. */
static int is_select(const char *sql)
{
    for (;;) {
        while (isspace((unsigned char)*sql) || *sql == '(')
            sql++;
        if (sql[0] == '-' && sql[1] == '-') {
            sql = strchr(sql, '\n');
            if (!sql)
                return 0;
        } else if (sql[0] == '/' && sql[1] == '*') {
            sql = strstr(sql + 2, "*/");
            if (!sql)
                return 0;
            sql += 2;
        } else {
            break;
        }
    }
    return !strncasecmp(sql, "SELECT", 6) && !is_ident_char(sql[6]);
}

/* ---- errors -------------------------------------------------------------------------------- */

/* Copies libpq's message on one line: lines joined by "; ", runs of blanks made one space. */
static void copy_message(char *out, size_t size, const char *msg)
{
    size_t j = 0;
    if (!msg)
        msg = "";
    for (size_t i = 0; msg[i] && j + 3 < size; i++) {
        if (msg[i] == '\n') {
            while (msg[i + 1] == '\n' || msg[i + 1] == '\t' || msg[i + 1] == ' ')
                i++;
            if (msg[i + 1] == '\0')
                break;
            out[j++] = ';';
            out[j++] = ' ';
        } else if (msg[i] == '\t' || msg[i] == ' ') {
            if (j > 0 && out[j - 1] != ' ')
                out[j++] = ' ';
        } else {
            out[j++] = msg[i];
        }
    }
    out[j] = '\0';
}

/* Maps a failed result (or, with res NULL, the connection's state) to an ok_err. */
static int pg_fail(struct db *db, const PGresult *res, struct ok_err *err, const char *what)
{
    struct pg_conn *c = conn(db);
    enum ok_err_code code = OK_ERR_DB;
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    const char *detail = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL) : NULL;
    char msg[512];

    if (PQstatus(c->pg) != CONNECTION_OK) {
        copy_message(msg, sizeof(msg), PQerrorMessage(c->pg));
        return ok_err_set(err, OK_ERR_IO,
                          "lost the connection to %s (%s); any open transaction was rolled "
                          "back, okaeri reconnects on the next request",
                          db->target, msg);
    }
    copy_message(msg, sizeof(msg), primary ? primary : PQerrorMessage(c->pg));
    if (state && strlen(state) == 5) {
        if (!strcmp(state, "23505")) {
            code = OK_ERR_CONFLICT;
        } else if (!strcmp(state, "23503")) {
            code = OK_ERR_INVALID;
            snprintf(msg, sizeof(msg), "%s",
                     "refers to a record that does not exist (or is still referred to)");
            detail = NULL;
        } else if (!strncmp(state, "23", 2) || !strncmp(state, "22", 2)) {
            code = OK_ERR_INVALID; /* check, not-null, bad value for the column type */
        } else if (!strcmp(state, "40001") || !strcmp(state, "40P01")) {
            code = OK_ERR_CONFLICT;
            detail = "another okaeri changed the same records at the same time; try again";
        } else if (!strncmp(state, "08", 2) || !strncmp(state, "57P", 3) ||
                   !strncmp(state, "53", 2)) {
            code = OK_ERR_IO;
        } else if (!strcmp(state, "25006")) {
            code = OK_ERR_IO; /* read-only transaction */
        }
    }
    if (detail && *detail)
        return ok_err_set(err, code, "%s: %s; %s (%s)", what, msg, detail, db->target);
    return ok_err_set(err, code, "%s: %s (%s)", what, msg, db->target);
}

/* ---- connection ---------------------------------------------------------------------------- */

static void notice_quiet(void *arg, const char *message)
{
    (void)arg;
    (void)message; /* NOTICEs such as "table does not exist, skipping" are not for users */
}

static void dealloc_forget(struct pg_conn *c)
{
    for (size_t i = 0; i < c->ndealloc; i++)
        free(c->dealloc[i]);
    c->ndealloc = 0;
}

/* Deallocates freed server-side statements in one round trip; only when a statement can run
 * (not in a failed transaction), and ignoring failures: at worst a name lives until the
 * connection closes. */
static void dealloc_flush(struct pg_conn *c, int force)
{
    struct buf sql;
    PGTransactionStatusType ts;
    if (c->ndealloc == 0 || (!force && c->ndealloc < PG_DEALLOC_BATCH) || c->in_copy)
        return;
    ts = PQtransactionStatus(c->pg);
    if (ts != PQTRANS_IDLE && ts != PQTRANS_INTRANS)
        return;
    buf_init(&sql, 0);
    for (size_t i = 0; i < c->ndealloc; i++)
        buf_printf(&sql, "DEALLOCATE %s;", c->dealloc[i]);
    PQclear(PQexec(c->pg, sql.data));
    buf_release(&sql);
    dealloc_forget(c);
}

/* Session settings, on every new connection (also after a reconnect). Set here rather than
 * in the connection's "options" so that options given in the URL do not drop them. */
/* This process's origin (db_pg_set_origin), set on every connection opened after it. Written
 * once at start, before any worker connects. */
static char session_origin[64];

void db_pg_set_origin(const char *origin)
{
    snprintf(session_origin, sizeof(session_origin), "%s", origin ? origin : "");
}

static int session_setup(struct db *db, struct ok_err *err)
{
    struct pg_conn *c = conn(db);
    PGresult *res;
    int ok;
    const char *values[1] = {session_origin};
    if (session_origin[0]) {
        res = PQexecParams(c->pg, "SELECT set_config('okaeri.origin', $1, false)", 1, NULL, values,
                           NULL, NULL, 0);
        ok = PQresultStatus(res) == PGRES_TUPLES_OK;
        if (!ok)
            pg_fail(db, res, err, "cannot set up the session");
        PQclear(res);
        if (!ok)
            return -1;
    }
    if (c->listen[0]) {
        char sql[96];
        snprintf(sql, sizeof(sql), "LISTEN %s", c->listen);
        res = PQexec(c->pg, sql);
        ok = PQresultStatus(res) == PGRES_COMMAND_OK;
        if (!ok)
            pg_fail(db, res, err, "cannot listen for changes");
        PQclear(res);
        if (!ok)
            return -1;
    }
    if (!(db->flags & DB_OPEN_READONLY))
        return 0;
    res = PQexec(c->pg, "SET default_transaction_read_only = on");
    ok = PQresultStatus(res) == PGRES_COMMAND_OK;
    if (!ok)
        pg_fail(db, res, err, "cannot set up the session");
    PQclear(res);
    return ok ? 0 : -1;
}

/* Makes sure the connection is usable: reconnects a lost one, but never in the middle of a
 * transaction (the server already rolled it back; going on would run the rest outside it). */
static int pg_ready(struct db *db, struct ok_err *err)
{
    struct pg_conn *c = conn(db);
    char msg[512];
    if (PQstatus(c->pg) == CONNECTION_OK)
        return 0;
    if (db->tx_depth > 0)
        return ok_err_set(err, OK_ERR_IO,
                          "lost the connection to %s in the middle of a transaction; the "
                          "transaction was rolled back",
                          db->target);
    PQreset(c->pg);
    c->generation++;
    dealloc_forget(c);
    c->in_copy = 0;
    c->open_streams = c->idle_cursors = 0;
    c->reconnected = 1;
    if (PQstatus(c->pg) != CONNECTION_OK) {
        copy_message(msg, sizeof(msg), PQerrorMessage(c->pg));
        return ok_err_set(err, OK_ERR_IO, "cannot reconnect to %s: %s", db->target, msg);
    }
    return session_setup(db, err);
}

static int pg_open_db(struct db *db, const char *target, int flags, struct ok_err *err)
{
    /* Ours come first so that parameters in the URL override them; the encoding last because
     * everything okaeri stores and reads is UTF-8. */
    const char *keys[] = {"connect_timeout", "application_name", "dbname", "client_encoding", NULL};
    const char *vals[] = {"10", "okaeri", target, "UTF8", NULL};
    struct pg_conn *c;
    char msg[512];
    PGconn *pg = PQconnectdbParams(keys, vals, 1);
    if (!pg)
        return ok_err_set(err, OK_ERR_IO, "cannot connect to %s: out of memory", db->target);
    if (PQstatus(pg) != CONNECTION_OK) {
        copy_message(msg, sizeof(msg), PQerrorMessage(pg));
        PQfinish(pg);
        return ok_err_set(err, OK_ERR_IO, "cannot connect to %s: %s", db->target, msg);
    }
    PQsetNoticeProcessor(pg, notice_quiet, NULL);
    c = xcalloc(1, sizeof(*c));
    c->pg = pg;
    c->target = xstrdup(target);
    buf_init(&c->copy, 0);
    db->handle = c;
    if (session_setup(db, err) < 0) {
        PQfinish(pg);
        buf_release(&c->copy);
        free(c->target);
        free(c);
        db->handle = NULL;
        return -1;
    }
    return 0;
}

static void pg_close_db(struct db *db)
{
    struct pg_conn *c = conn(db);
    if (!c)
        return;
    PQfinish(c->pg);
    dealloc_forget(c);
    free(c->dealloc);
    buf_release(&c->copy);
    free(c->target);
    free(c);
    db->handle = NULL;
}

struct db *db_pg_open_again(struct db *db, int flags, struct ok_err *err)
{
    if (db_engine_of(db) != DB_ENGINE_POSTGRES || !conn(db)) {
        ok_err_set(err, OK_ERR_INTERNAL, "not a PostgreSQL connection");
        return NULL;
    }
    return db_open(conn(db)->target, flags, err);
}

/* Rows changed, from the command tag, for INSERT/UPDATE/DELETE/MERGE only (like SQLite, a
 * SELECT leaves the count alone). */
static void note_changes(struct pg_conn *c, const PGresult *res)
{
    const char *tag = PQcmdStatus((PGresult *)res);
    if (!strncmp(tag, "INSERT", 6) || !strncmp(tag, "UPDATE", 6) || !strncmp(tag, "DELETE", 6) ||
        !strncmp(tag, "MERGE", 5)) {
        c->changes = strtoll(PQcmdTuples((PGresult *)res), NULL, 10);
    }
}

static int is_plain_rollback(const char *sql)
{
    while (isspace((unsigned char)*sql))
        sql++;
    if (strncasecmp(sql, "ROLLBACK", 8))
        return 0;
    sql += 8;
    while (isspace((unsigned char)*sql) || *sql == ';')
        sql++;
    return *sql == '\0';
}

/* Finished cursors still hold their tables: DDL on them in the same transaction fails ("being
 * used by active queries in this session"). So they are closed before DDL, prefixed to the
 * command's own text when it goes through the simple protocol (no extra round trip). Returns
 * whether to prefix; with no open stream, CLOSE ALL closes exactly the finished ones. */
static int close_idle_first(struct pg_conn *c)
{
    if (c->idle_cursors == 0 || c->open_streams > 0 ||
        PQtransactionStatus(c->pg) != PQTRANS_INTRANS)
        return 0;
    c->idle_cursors = 0;
    return 1;
}

static int is_ddl(const char *sql)
{
    static const char *const verbs[] = {"ALTER",   "DROP",    "CREATE", "TRUNCATE",
                                        "REINDEX", "CLUSTER", "COMMENT"};
    while (isspace((unsigned char)*sql))
        sql++;
    for (size_t i = 0; i < sizeof(verbs) / sizeof(verbs[0]); i++) {
        size_t n = strlen(verbs[i]);
        if (!strncasecmp(sql, verbs[i], n) && !is_ident_char(sql[n]))
            return 1;
    }
    return 0;
}

static int pg_exec_sql(struct db *db, const char *sql, struct ok_err *err)
{
    struct pg_conn *c = conn(db);
    PGresult *res;
    ExecStatusType rs;
    struct buf prefixed;
    /* A transaction whose connection was lost is already rolled back by the server. */
    if (PQstatus(c->pg) != CONNECTION_OK && is_plain_rollback(sql))
        return 0;
    if (c->in_copy)
        return ok_err_set(err, OK_ERR_INTERNAL, "a COPY is in progress on %s", db->target);
    if (pg_ready(db, err) < 0)
        return -1;
    dealloc_flush(c, 0);
    if (PQtransactionStatus(c->pg) == PQTRANS_IDLE) {
        c->open_streams = c->idle_cursors = 0;
        res = PQexec(c->pg, sql);
    } else if (close_idle_first(c)) {
        buf_init(&prefixed, 0);
        buf_printf(&prefixed, "CLOSE ALL;\n%s", sql);
        res = PQexec(c->pg, prefixed.failed ? sql : prefixed.data);
        buf_release(&prefixed);
    } else {
        res = PQexec(c->pg, sql);
    }
    rs = PQresultStatus(res);
    if (rs != PGRES_COMMAND_OK && rs != PGRES_TUPLES_OK) {
        pg_fail(db, res, err, "database error");
        PQclear(res);
        return -1;
    }
    note_changes(c, res);
    PQclear(res);
    return 0;
}

/* ---- statements ------------------------------------------------------------------------- */

static struct db_stmt *pg_prepare_stmt(struct db *db, const char *sql, struct ok_err *err)
{
    struct pg_stmt *st = xcalloc(1, sizeof(*st));
    st->sql = db_pg_rewrite_placeholders(sql, &st->nparams);
    if (is_select(sql))
        st->select_sql = xstrdup(sql);
    if (st->nparams > 0)
        st->values = xcalloc((size_t)st->nparams, sizeof(*st->values));
    return &st->base;
}

static void clear_bindings(struct pg_stmt *st)
{
    for (int i = 0; i < st->nparams; i++) {
        free(st->values[i]);
        st->values[i] = NULL;
    }
}

static void clear_result(struct pg_stmt *st)
{
    if (st->cursor[0]) {
        /* Abandoned before its end: still open on the server until CLOSE ALL or the end of
         * the transaction. */
        struct pg_conn *c = st->base.db ? conn(st->base.db) : NULL;
        if (c && c->open_streams > 0)
            c->open_streams--;
        if (c)
            c->idle_cursors++;
        st->cursor[0] = '\0';
        st->more = 0;
    }
    PQclear(st->res);
    st->res = NULL;
    st->executed = 0;
    st->row = st->nrows = 0;
}

static void pg_finalize(struct db_stmt *base)
{
    struct pg_stmt *st = pgst(base);
    struct pg_conn *c = base->db ? conn(base->db) : NULL;
    clear_result(st);
    PQclear(st->desc);
    clear_bindings(st);
    if (c && st->name[0] && st->generation == c->generation) {
        c->dealloc = xgrow(c->dealloc, &c->dealloc_cap, c->ndealloc + 1, sizeof(*c->dealloc));
        c->dealloc[c->ndealloc++] = xstrdup(st->name);
    }
    free(st->values);
    free(st->sql);
    free(st->select_sql);
    free(st);
}

static int set_value(struct db_stmt *base, int idx, char *text)
{
    struct pg_stmt *st = pgst(base);
    if (idx < 1 || idx > st->nparams) {
        free(text);
        return -1;
    }
    free(st->values[idx - 1]);
    st->values[idx - 1] = text;
    return 0;
}

static int pg_bind_i64(struct db_stmt *st, int idx, int64_t v)
{
    char tmp[24];
    snprintf(tmp, sizeof(tmp), "%lld", (long long)v);
    return set_value(st, idx, xstrdup(tmp));
}

static int pg_bind_double(struct db_stmt *st, int idx, double v)
{
    char tmp[40];
    snprintf(tmp, sizeof(tmp), "%.17g", v);
    return set_value(st, idx, xstrdup(tmp));
}

static int pg_bind_text(struct db_stmt *st, int idx, const char *s, size_t n)
{
    /* Text parameters end at their NUL: PostgreSQL text cannot hold one anyway. */
    return set_value(st, idx, xstrndup(s, n));
}

static int pg_bind_null(struct db_stmt *st, int idx)
{
    return set_value(st, idx, NULL);
}

/* Prepares the statement server-side under a fresh name (again after a reconnect). */
static int ensure_prepared(struct pg_stmt *st, struct ok_err *err)
{
    struct db *db = st->base.db;
    struct pg_conn *c = conn(db);
    PGresult *res;
    if (st->name[0] && st->generation == c->generation)
        return 0;
    snprintf(st->name, sizeof(st->name), "okaeri_%llu", (unsigned long long)++c->next_name);
    res = PQprepare(c->pg, st->name, st->sql, st->nparams, NULL);
    if (PQresultStatus(res) != PGRES_COMMAND_OK) {
        st->name[0] = '\0';
        pg_fail(db, res, err, "cannot prepare statement");
        PQclear(res);
        return -1;
    }
    PQclear(res);
    st->generation = c->generation;
    return 0;
}

/* Takes a FETCH (or DECLARE; FETCH) result as the statement's current batch. */
static int take_batch(struct pg_stmt *st, PGresult *res, struct ok_err *err)
{
    struct pg_conn *c = conn(st->base.db);
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        pg_fail(st->base.db, res, err, "database error");
        PQclear(res);
        if (st->more && c->open_streams > 0)
            c->open_streams--;
        st->cursor[0] = '\0';
        st->more = 0;
        return -1;
    }
    PQclear(st->res);
    st->res = res;
    st->nrows = PQntuples(res);
    st->row = -1;
    st->executed = 1;
    if (st->nrows < PG_FETCH_ROWS) {
        /* The end: the cursor stays open on the server until it is closed in a batch. */
        if (st->more && c->open_streams > 0)
            c->open_streams--;
        st->more = 0;
        st->cursor[0] = '\0';
        c->idle_cursors++;
    }
    return 0;
}

/* Runs a SELECT inside a transaction block as a cursor: DECLARE and the first FETCH in one
 * round trip (the parameters quoted into the text), finished cursors closed in passing.
 * Returns 1 when streaming, 0 when the statement must run the plain way, -1 on error. */
static int stream_start(struct pg_stmt *st, struct ok_err *err)
{
    struct pg_conn *c = conn(st->base.db);
    struct buf sql;
    char *text;
    int n;
    if (!st->select_sql || st->base.cache_key || PQtransactionStatus(c->pg) != PQTRANS_INTRANS)
        return 0;
    text = rewrite(st->select_sql, &n, c->pg, st->values, st->nparams);
    if (!text)
        return 0;
    buf_init(&sql, 0);
    if (c->idle_cursors >= PG_IDLE_CURSORS && c->open_streams == 0) {
        buf_puts(&sql, "CLOSE ALL;");
        c->idle_cursors = 0;
    }
    snprintf(st->cursor, sizeof(st->cursor), "okaeri_c%llu", (unsigned long long)++c->next_cursor);
    buf_printf(&sql, "DECLARE %s NO SCROLL CURSOR FOR %s;\nFETCH %d FROM %s", st->cursor, text,
               PG_FETCH_ROWS, st->cursor);
    free(text);
    st->more = 1;
    c->open_streams++;
    st->runs++;
    if (take_batch(st, PQexec(c->pg, sql.data), err) < 0) {
        buf_release(&sql);
        return -1;
    }
    buf_release(&sql);
    return 1;
}

static int stream_next(struct pg_stmt *st, struct ok_err *err)
{
    struct pg_conn *c = conn(st->base.db);
    char sql[64];
    if (c->in_copy)
        return ok_err_set(err, OK_ERR_INTERNAL, "a COPY is in progress on %s", st->base.db->target);
    snprintf(sql, sizeof(sql), "FETCH %d FROM %s", PG_FETCH_ROWS, st->cursor);
    return take_batch(st, PQexec(c->pg, sql), err);
}

static int run(struct pg_stmt *st, struct ok_err *err)
{
    struct db *db = st->base.db;
    struct pg_conn *c = conn(db);
    const char *const *values = (const char *const *)st->values;
    PGresult *res;
    ExecStatusType rs;
    if (c->in_copy)
        return ok_err_set(err, OK_ERR_INTERNAL, "a COPY is in progress on %s", db->target);
    if (pg_ready(db, err) < 0)
        return -1;
    if (PQtransactionStatus(c->pg) == PQTRANS_IDLE) /* cursors end with their transaction */
        c->open_streams = c->idle_cursors = 0;
    dealloc_flush(c, 0);
    if (!st->select_sql && is_ddl(st->sql) && close_idle_first(c))
        PQclear(PQexec(c->pg, "CLOSE ALL"));
    switch (stream_start(st, err)) {
    case 1:
        return 0;
    case -1:
        return -1;
    default:
        break;
    }
    /* Run once: one round trip, nothing left on the server. Run again or cached: worth a
     * server-side plan. */
    if (st->runs > 0 || st->base.cache_key || (st->name[0] && st->generation == c->generation)) {
        if (ensure_prepared(st, err) < 0)
            return -1;
        res = PQexecPrepared(c->pg, st->name, st->nparams, values, NULL, NULL, 0);
    } else {
        res = PQexecParams(c->pg, st->sql, st->nparams, NULL, values, NULL, NULL, 0);
    }
    st->runs++;
    rs = PQresultStatus(res);
    if (rs != PGRES_TUPLES_OK && rs != PGRES_COMMAND_OK) {
        pg_fail(db, res, err, "database error");
        PQclear(res);
        return -1;
    }
    note_changes(c, res);
    st->res = res;
    st->nrows = rs == PGRES_TUPLES_OK ? PQntuples(res) : 0;
    st->row = -1;
    st->executed = 1;
    return 0;
}

static int pg_step(struct db_stmt *base, struct ok_err *err)
{
    struct pg_stmt *st = pgst(base);
    if (!st->executed && run(st, err) < 0)
        return -1;
    while (st->row + 1 >= st->nrows && st->cursor[0] && st->more) {
        if (stream_next(st, err) < 0)
            return -1;
    }
    if (st->row + 1 < st->nrows) {
        st->row++;
        return DB_ROW;
    }
    st->row = st->nrows;
    return DB_DONE;
}

static int pg_reset(struct db_stmt *base)
{
    struct pg_stmt *st = pgst(base);
    clear_result(st);
    clear_bindings(st);
    return 0;
}

/* The result that describes the columns: the current one, or a description fetched before
 * the first step (SQLite knows its columns after prepare; callers may ask that early). */
static const PGresult *columns_of(struct pg_stmt *st)
{
    struct ok_err ignored;
    if (st->res)
        return st->res;
    if (st->desc)
        return st->desc;
    if (ensure_prepared(st, &ignored) < 0)
        return NULL;
    st->desc = PQdescribePrepared(conn(st->base.db)->pg, st->name);
    if (PQresultStatus(st->desc) != PGRES_COMMAND_OK) {
        PQclear(st->desc);
        st->desc = NULL;
    }
    return st->desc;
}

static int pg_column_count(struct db_stmt *st)
{
    const PGresult *r = columns_of(pgst(st));
    return r ? PQnfields(r) : 0;
}

/* The current row's value, or NULL when there is no row or the value is NULL. */
static const char *value_at(struct db_stmt *base, int col, size_t *len)
{
    struct pg_stmt *st = pgst(base);
    if (!st->res || st->row < 0 || st->row >= st->nrows || col < 0 || col >= PQnfields(st->res))
        return NULL;
    if (PQgetisnull(st->res, st->row, col))
        return NULL;
    if (len)
        *len = (size_t)PQgetlength(st->res, st->row, col);
    return PQgetvalue(st->res, st->row, col);
}

static int pg_column_is_null(struct db_stmt *st, int col)
{
    return value_at(st, col, NULL) == NULL;
}

static int64_t pg_column_i64(struct db_stmt *st, int col)
{
    const char *s = value_at(st, col, NULL);
    char *end;
    long long v;
    if (!s)
        return 0;
    /* Booleans come as t/f; numerics with a fraction truncate like SQLite's CAST. */
    if (!strcmp(s, "t"))
        return 1;
    if (!strcmp(s, "f"))
        return 0;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (*end == '.' || *end == 'e' || *end == 'E')
        return (int64_t)strtod(s, NULL);
    return (int64_t)v;
}

static double pg_column_double(struct db_stmt *st, int col)
{
    const char *s = value_at(st, col, NULL);
    if (!s)
        return 0.0;
    if (!strcmp(s, "t"))
        return 1.0;
    if (!strcmp(s, "f"))
        return 0.0;
    return strtod(s, NULL);
}

static const char *pg_column_text(struct db_stmt *st, int col, size_t *len)
{
    size_t n = 0;
    const char *s = value_at(st, col, &n);
    *len = s ? n : 0;
    return s;
}

static const char *pg_column_name(struct db_stmt *st, int col)
{
    const PGresult *r = columns_of(pgst(st));
    if (!r || col < 0 || col >= PQnfields(r))
        return NULL;
    return PQfname(r, col);
}

static int64_t pg_changes(struct db *db)
{
    return conn(db)->changes;
}

static int pg_has_table(struct db *db, const char *name, struct ok_err *err)
{
    struct pg_conn *c = conn(db);
    const char *values[1] = {name};
    PGresult *res;
    int found;
    if (pg_ready(db, err) < 0)
        return -1;
    /* Only the current schema: another application's tables in another schema of the same
     * database are none of okaeri's business. */
    if (name)
        res = PQexecParams(c->pg,
                           "SELECT 1 FROM information_schema.tables WHERE table_schema = "
                           "current_schema() AND table_name = $1",
                           1, NULL, values, NULL, NULL, 0);
    else
        res = PQexec(c->pg, "SELECT 1 FROM information_schema.tables WHERE table_schema = "
                            "current_schema() LIMIT 1");
    if (PQresultStatus(res) != PGRES_TUPLES_OK) {
        pg_fail(db, res, err, "cannot read schema");
        PQclear(res);
        return -1;
    }
    found = PQntuples(res) > 0;
    PQclear(res);
    return found;
}

/* ---- COPY -------------------------------------------------------------------------------- */

static int copy_flush(struct db *db, struct ok_err *err)
{
    struct pg_conn *c = conn(db);
    if (c->copy.len == 0)
        return 0;
    if (PQputCopyData(c->pg, c->copy.data, (int)c->copy.len) != 1) {
        buf_reset(&c->copy);
        return pg_fail(db, NULL, err, "cannot send COPY data");
    }
    buf_reset(&c->copy);
    return 0;
}

int db_pg_copy_begin(struct db *db, const char *copy_sql, struct ok_err *err)
{
    struct pg_conn *c;
    PGresult *res;
    if (db_engine_of(db) != DB_ENGINE_POSTGRES)
        return ok_err_set(err, OK_ERR_INTERNAL, "COPY needs a PostgreSQL database");
    c = conn(db);
    if (c->in_copy)
        return ok_err_set(err, OK_ERR_INTERNAL, "a COPY is already in progress");
    if (pg_ready(db, err) < 0)
        return -1;
    dealloc_flush(c, 0);
    /* COPY ... WITH (FREEZE) refuses to run while a cursor of the transaction is open. */
    if (close_idle_first(c))
        PQclear(PQexec(c->pg, "CLOSE ALL"));
    res = PQexec(c->pg, copy_sql);
    if (PQresultStatus(res) != PGRES_COPY_IN) {
        pg_fail(db, res, err, "cannot start COPY");
        PQclear(res);
        return -1;
    }
    PQclear(res);
    buf_reset(&c->copy);
    c->in_copy = 1;
    return 0;
}

/* COPY text format: fields separated by tabs, rows by newlines, \N for NULL, and backslash,
 * tab, newline and carriage return escaped (PostgreSQL docs, COPY, "Text Format"). */
void db_pg_copy_escape(struct buf *b, const char *s, size_t n)
{
    const char *run = s, *end = s + n;
    for (; s < end; s++) {
        const char *esc = NULL;
        switch (*s) {
        case '\\':
            esc = "\\\\";
            break;
        case '\t':
            esc = "\\t";
            break;
        case '\n':
            esc = "\\n";
            break;
        case '\r':
            esc = "\\r";
            break;
        default:
            continue;
        }
        buf_append(b, run, (size_t)(s - run));
        buf_puts(b, esc);
        run = s + 1;
    }
    buf_append(b, run, (size_t)(s - run));
}

int db_pg_copy_row(struct db *db, int nfields, const char *const *fields, struct ok_err *err)
{
    struct pg_conn *c = conn(db);
    if (!c->in_copy)
        return ok_err_set(err, OK_ERR_INTERNAL, "no COPY in progress");
    for (int i = 0; i < nfields; i++) {
        if (i)
            buf_putc(&c->copy, '\t');
        if (fields[i])
            db_pg_copy_escape(&c->copy, fields[i], strlen(fields[i]));
        else
            buf_puts(&c->copy, "\\N");
    }
    buf_putc(&c->copy, '\n');
    if (c->copy.failed)
        return ok_err_set(err, OK_ERR_LIMIT, "COPY row too large");
    if (c->copy.len >= PG_COPY_CHUNK)
        return copy_flush(db, err);
    return 0;
}

int db_pg_copy_data(struct db *db, const char *data, size_t len, struct ok_err *err)
{
    struct pg_conn *c = conn(db);
    if (!c->in_copy)
        return ok_err_set(err, OK_ERR_INTERNAL, "no COPY in progress");
    if (copy_flush(db, err) < 0)
        return -1;
    /* Large blocks go to libpq directly; it sends them in pieces itself. */
    while (len > 0) {
        int piece = len > PG_COPY_CHUNK ? PG_COPY_CHUNK : (int)len;
        if (PQputCopyData(c->pg, data, piece) != 1)
            return pg_fail(db, NULL, err, "cannot send COPY data");
        data += piece;
        len -= (size_t)piece;
    }
    return 0;
}

int db_pg_copy_end(struct db *db, int64_t *rows, struct ok_err *err)
{
    struct pg_conn *c = conn(db);
    PGresult *res;
    int rc = 0, sent;
    if (!c->in_copy)
        return ok_err_set(err, OK_ERR_INTERNAL, "no COPY in progress");
    sent = copy_flush(db, err);
    /* Ending with an error message makes the server abort the COPY (and its rows). */
    if (PQputCopyEnd(c->pg, sent < 0 ? "okaeri: sending failed" : NULL) != 1 && sent == 0)
        rc = pg_fail(db, NULL, err, "cannot finish COPY");
    c->in_copy = 0;
    while ((res = PQgetResult(c->pg)) != NULL) {
        if (PQresultStatus(res) == PGRES_COMMAND_OK) {
            if (rows)
                *rows = strtoll(PQcmdTuples(res), NULL, 10);
            note_changes(c, res);
        } else if (rc == 0 && sent == 0) {
            rc = pg_fail(db, res, err, "COPY failed");
        }
        PQclear(res);
    }
    return sent < 0 ? -1 : rc;
}

void db_pg_copy_abort(struct db *db, const char *why)
{
    struct pg_conn *c = conn(db);
    PGresult *res;
    if (db_engine_of(db) != DB_ENGINE_POSTGRES || !c->in_copy)
        return;
    buf_reset(&c->copy);
    PQputCopyEnd(c->pg, why ? why : "okaeri: COPY aborted");
    c->in_copy = 0;
    while ((res = PQgetResult(c->pg)) != NULL)
        PQclear(res);
}

/* Splits one COPY text row in place: fields at tabs, the newline dropped, \N as NULL, escapes
 * undone (PostgreSQL docs, COPY, "Text Format"). Returns the number of fields, or -1 when there
 * are more than max. */
static int copy_split(char *row, size_t len, char **fields, size_t *lens, int max)
{
    char *p = row, *end = row + len;
    int n = 0;
    if (len && end[-1] == '\n')
        *--end = '\0';
    for (;;) {
        char *start = p, *w;
        while (p < end && *p != '\t' && *p != '\\')
            p++;
        w = p;
        /* Only fields with a backslash need rewriting; \N alone is NULL. */
        while (p < end && *p != '\t') {
            char c = *p++;
            if (c == '\\' && p < end) {
                char e = *p++;
                if (e == 'N' && p - start == 2 && (p == end || *p == '\t')) {
                    w = NULL;
                    break;
                }
                c = e == 't'   ? '\t'
                    : e == 'n' ? '\n'
                    : e == 'r' ? '\r'
                    : e == 'b' ? '\b'
                    : e == 'f' ? '\f'
                    : e == 'v' ? '\v'
                               : e;
            }
            *w++ = c;
        }
        if (n == max)
            return -1;
        fields[n] = w ? start : NULL;
        lens[n] = w ? (size_t)(w - start) : 0;
        n++;
        if (p >= end) {
            if (w)
                *w = '\0';
            return n;
        }
        if (w)
            *w = '\0'; /* overwrites the tab or a byte freed by unescaping */
        p++;
    }
}

int db_pg_copy_out(struct db *db, const char *copy_sql, db_pg_row_fn fn, void *ctx,
                   struct ok_err *err)
{
    struct pg_conn *c;
    PGresult *res;
    char *fields[DB_PG_COPY_MAX_FIELDS];
    size_t lens[DB_PG_COPY_MAX_FIELDS];
    int rc = 0, stopped = 0, n;
    if (db_engine_of(db) != DB_ENGINE_POSTGRES)
        return ok_err_set(err, OK_ERR_INTERNAL, "COPY needs a PostgreSQL database");
    c = conn(db);
    if (c->in_copy)
        return ok_err_set(err, OK_ERR_INTERNAL, "a COPY is already in progress");
    if (pg_ready(db, err) < 0)
        return -1;
    dealloc_flush(c, 0);
    res = PQexec(c->pg, copy_sql);
    if (PQresultStatus(res) != PGRES_COPY_OUT) {
        pg_fail(db, res, err, "cannot start COPY");
        PQclear(res);
        return -1;
    }
    PQclear(res);
    c->in_copy = 1;
    for (;;) {
        char *row = NULL;
        n = PQgetCopyData(c->pg, &row, 0);
        if (n < 0)
            break;
        if (!stopped) {
            int nf = copy_split(row, (size_t)n, fields, lens, DB_PG_COPY_MAX_FIELDS);
            if (nf < 0)
                rc = ok_err_set(err, OK_ERR_INTERNAL, "COPY row with too many fields");
            else if (fn(ctx, nf, fields, lens, err) < 0)
                rc = -1;
            if (rc < 0) {
                /* Stop the server rather than read the rest of a long output. */
                PGcancel *cancel = PQgetCancel(c->pg);
                char ebuf[256];
                if (cancel) {
                    PQcancel(cancel, ebuf, sizeof(ebuf));
                    PQfreeCancel(cancel);
                }
                stopped = 1;
            }
        }
        PQfreemem(row);
    }
    c->in_copy = 0;
    if (n == -2 && rc == 0)
        rc = pg_fail(db, NULL, err, "COPY failed");
    while ((res = PQgetResult(c->pg)) != NULL) {
        if (PQresultStatus(res) != PGRES_COMMAND_OK && rc == 0)
            rc = pg_fail(db, res, err, "COPY failed");
        PQclear(res);
    }
    return rc;
}

static const struct db_driver db_driver_postgres = {
    .name = "postgresql",
    .engine = DB_ENGINE_POSTGRES,
    .open = pg_open_db,
    .close = pg_close_db,
    .exec = pg_exec_sql,
    .prepare = pg_prepare_stmt,
    .finalize = pg_finalize,
    .bind_i64 = pg_bind_i64,
    .bind_double = pg_bind_double,
    .bind_text = pg_bind_text,
    .bind_null = pg_bind_null,
    .step = pg_step,
    .reset = pg_reset,
    .column_count = pg_column_count,
    .column_is_null = pg_column_is_null,
    .column_i64 = pg_column_i64,
    .column_double = pg_column_double,
    .column_text = pg_column_text,
    .column_name = pg_column_name,
    .changes = pg_changes,
    .has_table = pg_has_table,
};

const struct db_driver *db_driver_postgres_or_null(void)
{
    return &db_driver_postgres;
}

/* ---- LISTEN / NOTIFY ---------------------------------------------------------------------- */

int db_pg_listen(struct db *db, const char *channel, struct ok_err *err)
{
    struct pg_conn *c;
    if (db_engine_of(db) != DB_ENGINE_POSTGRES)
        return ok_err_set(err, OK_ERR_INTERNAL, "LISTEN needs a PostgreSQL database");
    c = conn(db);
    for (const char *p = channel; *p; p++)
        if (!is_ident_char(*p) || (unsigned char)*p >= 0x80)
            return ok_err_set(err, OK_ERR_INTERNAL, "bad channel name %s", channel);
    snprintf(c->listen, sizeof(c->listen), "%s", channel);
    if (pg_ready(db, err) < 0)
        return -1;
    c->reconnected = 0;
    return session_setup(db, err);
}

int db_pg_notifications(struct db *db, int sync, db_pg_notify_fn fn, void *ctx, int *lost,
                        struct ok_err *err)
{
    struct pg_conn *c = conn(db);
    PGnotify *n;
    int count = 0;
    *lost = 0;
    if (pg_ready(db, err) < 0) {
        *lost = 1;
        return -1;
    }
    if (sync) {
        /* An empty query is the cheapest round trip; the server sends every notification
         * committed before it ahead of the answer. */
        PGresult *res = PQexec(c->pg, "");
        ExecStatusType rs = PQresultStatus(res);
        if (rs != PGRES_EMPTY_QUERY && rs != PGRES_COMMAND_OK) {
            pg_fail(db, res, err, "cannot read changes");
            PQclear(res);
            *lost = 1;
            return -1;
        }
        PQclear(res);
    } else if (!PQconsumeInput(c->pg)) {
        *lost = 1;
        return pg_fail(db, NULL, err, "cannot read changes");
    }
    if (c->reconnected) {
        *lost = 1;
        c->reconnected = 0;
    }
    while ((n = PQnotifies(c->pg)) != NULL) {
        if (fn)
            fn(ctx, n->relname, n->extra, n->be_pid);
        count++;
        PQfreemem(n);
    }
    return count;
}
