/*
 * copy.c - whole-database copy between engines: discover the tables and their columns, copy in
 * foreign-key order with ids kept, then move PostgreSQL's identity sequences past the copied ids.
 *
 * Columns are read and written by their declared type, not as text, because SQLite renders a
 * REAL as text with only 15 significant digits. Self-references (a customer referred by a later
 * customer, a contract renewed from a later one) cannot be inserted row by row in id order, so
 * those columns are written NULL first and filled in by UPDATE once the table is complete.
 */
#include "store/copy.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"
#include "db/db_postgres.h"
#include "db/migrate.h"
#include "core/banned.h"

/* Parents before children. Tables not listed (added by a later migration and not yet here)
 * follow in name order; a foreign key they break fails the copy, which then changes nothing. */
static const char *const table_order[] = {
    "settings",    "users",    "lost_reasons",   "causes",         "triggers",
    "customers",   "products", "orders",         "deals",          "contracts",
    "referrals",   "segments", "segment_counts", "playbooks",      "playbook_steps",
    "enrollments", "tasks",    "activities",     "feedback",       "goals",
    "audit_log",   "sessions", "api_tokens",     "login_attempts", "clv_fits",
};

/* Tables that `okaeri init` fills with defaults: replaced by the source's rows. */
static const char *const default_tables[] = {"settings", "lost_reasons", "causes",
                                             "triggers", "playbooks",    "playbook_steps"};

/* Columns that refer to the same table. */
static const struct {
    const char *table, *column;
} self_refs[] = {
    {"customers", "referred_by"},
    {"contracts", "renewed_from"},
};

#define NAME_MAX_LEN 64
#define FETCH_ROWS   10000
#define FETCH_SQL    "FETCH 10000 FROM okaeri_copy"

enum col_kind { COL_INT, COL_REAL, COL_TEXT };

struct column {
    char name[NAME_MAX_LEN];
    enum col_kind kind;
    int late; /* a self-reference: written NULL, then updated */
};

struct table {
    char name[NAME_MAX_LEN];
    struct column *cols;
    int ncols;
    int id_col; /* index of "id", -1 when none */
};

/* A late value: row id and the value of one self-referencing column. */
struct late_value {
    int64_t id, value;
    int col;
};

static int is_pg(struct db *db)
{
    return db_engine_of(db) == DB_ENGINE_POSTGRES;
}

static int contains_ci(const char *s, const char *what)
{
    return strcasestr(s, what) != NULL;
}

/* SQLite's type affinity rules (https://sqlite.org/datatype3.html, 3.1), which also classify
 * PostgreSQL's information_schema type names correctly. */
static enum col_kind kind_of(const char *declared)
{
    if (contains_ci(declared, "INT"))
        return COL_INT;
    if (contains_ci(declared, "CHAR") || contains_ci(declared, "CLOB") ||
        contains_ci(declared, "TEXT"))
        return COL_TEXT;
    if (contains_ci(declared, "REAL") || contains_ci(declared, "FLOA") ||
        contains_ci(declared, "DOUB") || contains_ci(declared, "NUMERIC") ||
        contains_ci(declared, "DECIMAL"))
        return COL_REAL;
    return COL_TEXT;
}

static int list_tables(struct db *db, char (**names)[NAME_MAX_LEN], int *count, struct ok_err *err)
{
    size_t cap = 0;
    int n = 0, rc;
    struct db_stmt *st = db_prepare(
        db,
        is_pg(db) ? "SELECT table_name FROM information_schema.tables WHERE table_schema = "
                    "current_schema() AND table_type = 'BASE TABLE' ORDER BY 1"
                  : "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                    "'sqlite\\_%' ESCAPE '\\' ORDER BY 1",
        err);
    *names = NULL;
    if (!st)
        return -1;
    while ((rc = db_step(st, err)) == DB_ROW) {
        *names = xgrow(*names, &cap, (size_t)n + 1, sizeof(**names));
        snprintf((*names)[n++], NAME_MAX_LEN, "%s", db_column_text(st, 0));
    }
    db_stmt_free(&st);
    *count = n;
    return rc < 0 ? -1 : 0;
}

static int load_columns(struct db *db, struct table *t, struct ok_err *err)
{
    size_t cap = 0;
    int rc;
    struct db_stmt *st = db_prepare(
        db,
        is_pg(db) ? "SELECT column_name, data_type FROM information_schema.columns WHERE "
                    "table_schema = current_schema() AND table_name = ? ORDER BY "
                    "ordinal_position"
                  : "SELECT name, type FROM pragma_table_info(?) ORDER BY cid",
        err);
    if (!st)
        return -1;
    db_bind_text(st, 1, t->name, (size_t)-1);
    t->id_col = -1;
    while ((rc = db_step(st, err)) == DB_ROW) {
        struct column *c;
        t->cols = xgrow(t->cols, &cap, (size_t)t->ncols + 1, sizeof(*t->cols));
        c = &t->cols[t->ncols];
        memset(c, 0, sizeof(*c));
        snprintf(c->name, sizeof(c->name), "%s", db_column_text(st, 0));
        c->kind = kind_of(db_column_text(st, 1));
        if (!strcmp(c->name, "id"))
            t->id_col = t->ncols;
        for (size_t i = 0; i < sizeof(self_refs) / sizeof(self_refs[0]); i++)
            if (!strcmp(self_refs[i].table, t->name) && !strcmp(self_refs[i].column, c->name))
                c->late = 1;
        t->ncols++;
    }
    db_stmt_free(&st);
    if (rc < 0)
        return -1;
    if (t->ncols == 0)
        return ok_err_set(err, OK_ERR_INTERNAL, "table %s has no columns", t->name);
    return 0;
}

static int name_in(const char *name, const char *const *list, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (!strcmp(name, list[i]))
            return 1;
    return 0;
}

/* The tables to copy, in order: the known ones first, then the others by name. */
static int plan_tables(struct db *from, struct table **out, int *count, struct ok_err *err)
{
    char(*names)[NAME_MAX_LEN] = NULL;
    int n = 0, used = 0;
    size_t known = sizeof(table_order) / sizeof(table_order[0]);
    struct table *tables;
    if (list_tables(from, &names, &n, err) < 0)
        return -1;
    tables = xcalloc((size_t)n + 1, sizeof(*tables));
    for (size_t k = 0; k < known; k++)
        for (int i = 0; i < n; i++)
            if (!strcmp(names[i], table_order[k]))
                snprintf(tables[used++].name, NAME_MAX_LEN, "%s", names[i]);
    for (int i = 0; i < n; i++)
        if (strcmp(names[i], "okaeri_meta") && !name_in(names[i], table_order, known))
            snprintf(tables[used++].name, NAME_MAX_LEN, "%s", names[i]);
    free(names);
    *out = tables;
    *count = used;
    for (int i = 0; i < used; i++)
        if (load_columns(from, &tables[i], err) < 0)
            return -1;
    return 0;
}

static void tables_free(struct table *tables, int count)
{
    for (int i = 0; tables && i < count; i++)
        free(tables[i].cols);
    free(tables);
}

/* The destination must hold nothing but what `okaeri init` put there. */
static int prepare_destination(struct db *to, const struct table *tables, int count,
                               struct ok_err *err)
{
    char sql[160];
    size_t ndefault = sizeof(default_tables) / sizeof(default_tables[0]);
    for (int i = 0; i < count; i++) {
        int64_t any = 0;
        int has = db_has_table(to, tables[i].name, err);
        if (has < 0)
            return -1;
        if (!has)
            return ok_err_set(err, OK_ERR_VERSION, "%s has no table %s; is it at the same schema?",
                              to->target, tables[i].name);
        if (name_in(tables[i].name, default_tables, ndefault)) {
            snprintf(sql, sizeof(sql), "DELETE FROM %s", tables[i].name);
            if (db_exec(to, sql, err) < 0)
                return -1;
            continue;
        }
        snprintf(sql, sizeof(sql), "SELECT EXISTS (SELECT 1 FROM %s)", tables[i].name);
        if (db_query_i64(to, sql, &any, err) < 0)
            return -1;
        if (any)
            return ok_err_set(err, OK_ERR_CONFLICT,
                              "%s already holds data (table %s); copy into a new, empty database "
                              "made with `okaeri init`",
                              to->target, tables[i].name);
    }
    return 0;
}

/* Reads a table in one pass: a plain statement on SQLite, a cursor fetched in batches on
 * PostgreSQL (whose driver holds a whole result in memory). */
struct reader {
    struct db *db;
    struct db_stmt *st;
    int cursor;
    int64_t batch_rows;
};

static int reader_open(struct reader *r, struct db *db, const char *select_sql, struct ok_err *err)
{
    memset(r, 0, sizeof(*r));
    r->db = db;
    if (!is_pg(db)) {
        r->st = db_prepare(db, select_sql, err);
        return r->st ? 0 : -1;
    }
    {
        struct buf sql;
        int rc;
        buf_init(&sql, 0);
        buf_printf(&sql, "DECLARE okaeri_copy NO SCROLL CURSOR FOR %s", select_sql);
        rc = db_exec(db, sql.data, err);
        buf_release(&sql);
        if (rc < 0)
            return -1;
    }
    r->cursor = 1;
    r->st = db_prepare(db, FETCH_SQL, err);
    return r->st ? 0 : -1;
}

static int reader_next(struct reader *r, struct ok_err *err)
{
    int rc = db_step(r->st, err);
    if (rc == DB_DONE && r->cursor && r->batch_rows == FETCH_ROWS) {
        /* A full batch: there may be more. A short one was the last. */
        r->batch_rows = 0;
        db_reset(r->st);
        rc = db_step(r->st, err);
    }
    if (rc == DB_ROW)
        r->batch_rows++;
    return rc;
}

static void reader_close(struct reader *r)
{
    struct ok_err ignored;
    db_stmt_free(&r->st);
    if (r->cursor)
        db_exec(r->db, "CLOSE okaeri_copy", &ignored);
}

static void column_list(struct buf *b, const struct table *t)
{
    for (int i = 0; i < t->ncols; i++)
        buf_printf(b, "%s%s", i ? ", " : "", t->cols[i].name);
}

/* Sends one source row to the destination: COPY fields on PostgreSQL, bindings elsewhere. */
static int write_row(struct db *to, struct db_stmt *ins, const struct table *t, struct db_stmt *src,
                     const char **fields, char (*scratch)[32], struct ok_err *err)
{
    for (int i = 0; i < t->ncols; i++) {
        const struct column *c = &t->cols[i];
        int null = db_column_is_null(src, i) || c->late;
        if (ins) {
            if (null)
                db_bind_null(ins, i + 1);
            else if (c->kind == COL_INT)
                db_bind_i64(ins, i + 1, db_column_i64(src, i));
            else if (c->kind == COL_REAL)
                db_bind_double(ins, i + 1, db_column_double(src, i));
            else
                db_bind_text(ins, i + 1, db_column_text(src, i), (size_t)-1);
            continue;
        }
        if (null) {
            fields[i] = NULL;
        } else if (c->kind == COL_INT) {
            snprintf(scratch[i], 32, "%lld", (long long)db_column_i64(src, i));
            fields[i] = scratch[i];
        } else if (c->kind == COL_REAL) {
            snprintf(scratch[i], 32, "%.17g", db_column_double(src, i));
            fields[i] = scratch[i];
        } else {
            fields[i] = db_column_text(src, i);
        }
    }
    if (!ins)
        return db_pg_copy_row(to, t->ncols, fields, err);
    if (db_step(ins, err) < 0)
        return -1;
    db_reset(ins);
    return 0;
}

static int fill_late(struct db *to, const struct table *t, const struct late_value *late,
                     size_t nlate, struct ok_err *err)
{
    int rc = 0;
    for (size_t i = 0; i < nlate && rc == 0; i++) {
        char sql[160];
        struct db_stmt *st;
        snprintf(sql, sizeof(sql), "UPDATE %s SET %s = ? WHERE id = ?", t->name,
                 t->cols[late[i].col].name);
        st = db_prepare(to, sql, err);
        if (!st)
            return -1;
        db_bind_i64(st, 1, late[i].value);
        db_bind_i64(st, 2, late[i].id);
        if (db_step(st, err) < 0)
            rc = -1;
        db_stmt_free(&st);
    }
    return rc;
}

static int copy_table(struct db *from, struct db *to, const struct table *t, int64_t *rows,
                      struct ok_err *err)
{
    struct buf sql;
    struct reader r;
    struct db_stmt *ins = NULL;
    struct late_value *late = NULL;
    size_t nlate = 0, late_cap = 0;
    const char **fields = xcalloc((size_t)t->ncols, sizeof(*fields));
    char(*scratch)[32] = xcalloc((size_t)t->ncols, sizeof(*scratch));
    int rc = -1, step, copying = 0;
    int64_t n = 0;

    buf_init(&sql, 0);
    buf_puts(&sql, "SELECT ");
    column_list(&sql, t);
    buf_printf(&sql, " FROM %s ORDER BY %s", t->name, t->id_col >= 0 ? "id" : "1");
    if (reader_open(&r, from, sql.data, err) < 0)
        goto out;
    buf_reset(&sql);
    if (is_pg(to)) {
        buf_printf(&sql, "COPY %s(", t->name);
        column_list(&sql, t);
        buf_puts(&sql, ") FROM STDIN");
        if (db_pg_copy_begin(to, sql.data, err) < 0)
            goto out_reader;
        copying = 1;
    } else {
        buf_printf(&sql, "INSERT INTO %s(", t->name);
        column_list(&sql, t);
        buf_puts(&sql, ") VALUES (");
        for (int i = 0; i < t->ncols; i++)
            buf_puts(&sql, i ? ", ?" : "?");
        buf_putc(&sql, ')');
        ins = db_prepare(to, sql.data, err);
        if (!ins)
            goto out_reader;
    }
    while ((step = reader_next(&r, err)) == DB_ROW) {
        for (int i = 0; i < t->ncols; i++) {
            if (t->cols[i].late && t->id_col >= 0 && !db_column_is_null(r.st, i)) {
                late = xgrow(late, &late_cap, nlate + 1, sizeof(*late));
                late[nlate].id = db_column_i64(r.st, t->id_col);
                late[nlate].value = db_column_i64(r.st, i);
                late[nlate++].col = i;
            }
        }
        if (write_row(to, ins, t, r.st, fields, scratch, err) < 0)
            goto out_reader;
        n++;
    }
    if (step < 0)
        goto out_reader;
    if (copying) {
        copying = 0;
        if (db_pg_copy_end(to, NULL, err) < 0)
            goto out_reader;
    }
    if (fill_late(to, t, late, nlate, err) < 0)
        goto out_reader;
    if (is_pg(to) && t->id_col >= 0) {
        /* Identity columns do not notice explicit ids: move them past the copied ones. */
        buf_reset(&sql);
        buf_printf(&sql,
                   "SELECT setval(pg_get_serial_sequence('%s', 'id'), "
                   "(SELECT coalesce(max(id), 0) + 1 FROM %s), false)",
                   t->name, t->name);
        if (db_exec(to, sql.data, err) < 0)
            goto out_reader;
    }
    *rows = n;
    rc = 0;
out_reader:
    if (copying) {
        struct ok_err ignored;
        db_pg_copy_end(to, NULL, &ignored);
    }
    reader_close(&r);
out:
    db_stmt_free(&ins);
    buf_release(&sql);
    free(late);
    free(fields);
    free(scratch);
    if (rc < 0)
        ok_err_prefix(err, "copying table %s", t->name);
    return rc;
}

int store_copy(struct db *from, struct db *to, copy_progress_fn progress, void *ctx,
               struct copy_stats *stats, struct ok_err *err)
{
    struct table *tables = NULL;
    int count = 0, rc = -1, src_open = 0, dst_open = 0;
    struct copy_stats s = {0, 0};
    struct ok_err ignored;
    if (!strcmp(from->target, to->target))
        return ok_err_set(err, OK_ERR_USAGE, "source and destination are the same database");
    if (migrate_check(from, err) < 0 || migrate_check(to, err) < 0)
        return -1;
    /* One snapshot of the source, without taking SQLite's write lock. */
    if (db_exec(from, is_pg(from) ? "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY" : "BEGIN",
                err) < 0)
        return -1;
    src_open = 1;
    if (plan_tables(from, &tables, &count, err) < 0)
        goto out;
    if (db_begin(to, err) < 0)
        goto out;
    dst_open = 1;
    if (prepare_destination(to, tables, count, err) < 0)
        goto out;
    for (int i = 0; i < count; i++) {
        int64_t rows = 0;
        if (copy_table(from, to, &tables[i], &rows, err) < 0)
            goto out;
        s.tables++;
        s.rows += rows;
        if (progress)
            progress(ctx, tables[i].name, rows);
    }
    if (db_commit(to, err) < 0)
        goto out;
    dst_open = 0;
    rc = 0;
    if (stats)
        *stats = s;
out:
    if (dst_open)
        db_rollback(to);
    if (src_open)
        db_exec(from, "COMMIT", &ignored);
    tables_free(tables, count);
    return rc;
}
