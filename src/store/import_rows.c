/*
 * import_rows.c - code indexes, the batched order-line upserter and updates by code for imports.
 */
#include "store/import_rows.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/mem.h"
#include "store/store.h"
#include "core/banned.h"

int store_codes_each(struct db *db, enum store_code_table table,
                     int (*fn)(void *ctx, int64_t id, const char *code, size_t len,
                               struct ok_err *err),
                     void *ctx, struct ok_err *err)
{
    static const char *const sql[] = {
        [STORE_CODES_CUSTOMERS] = "SELECT id, code FROM customers",
        [STORE_CODES_PRODUCTS] = "SELECT id, sku FROM products",
        [STORE_CODES_USERS] = "SELECT id, login FROM users",
    };
    struct db_stmt *st = db_prepare(db, sql[table], err);
    int rc;
    if (!st)
        return -1;
    while ((rc = db_step(st, err)) == DB_ROW) {
        size_t len;
        const char *code = db_column_text_len(st, 1, &len);
        if (fn(ctx, db_column_i64(st, 0), code, len, err) < 0) {
            rc = -1;
            break;
        }
    }
    db_stmt_free(&st);
    return rc < 0 ? -1 : 0;
}

static int query_text(struct db *db, const char *sql, char *out, size_t size, struct ok_err *err)
{
    struct db_stmt *st = db_prepare(db, sql, err);
    int rc;
    if (!st)
        return -1;
    rc = db_step(st, err);
    if (rc == DB_ROW)
        snprintf(out, size, "%s", db_column_text(st, 0));
    db_stmt_free(&st);
    return rc < 0 ? -1 : 0;
}

int store_import_tune(struct db *db, struct store_import_tuning *t, struct ok_err *err)
{
    char mode[32];
    memset(t, 0, sizeof(*t));
    if (db_engine_of(db) != DB_ENGINE_SQLITE || db->tx_depth > 0)
        return 0;
    if (db_query_i64(db, "PRAGMA cache_size", &t->cache_size, err) < 0 ||
        query_text(db, "PRAGMA journal_mode", t->journal_mode, sizeof(t->journal_mode), err) < 0)
        return -1;
    t->saved = 1;
    /* 256 MiB of page cache keeps the hot end of the order indexes in memory. */
    if (db_exec(db, "PRAGMA cache_size=-262144", err) < 0)
        return -1;
    /* In WAL mode every new page is written twice (log, then checkpoint); a rollback journal
     * writes appended pages once and is as safe. Needs the only connection: else keep WAL. */
    if (!strcmp(t->journal_mode, "wal")) {
        struct ok_err ignored;
        if (query_text(db, "PRAGMA journal_mode=DELETE", mode, sizeof(mode), &ignored) == 0 &&
            !strcmp(mode, "delete"))
            t->journal_changed = 1;
    }
    return 0;
}

void store_import_untune(struct db *db, struct store_import_tuning *t)
{
    struct ok_err ignored;
    char sql[96], out[32];
    if (!t->saved)
        return;
    snprintf(sql, sizeof(sql), "PRAGMA cache_size=%lld", (long long)t->cache_size);
    db_exec(db, sql, &ignored);
    if (t->journal_changed) {
        snprintf(sql, sizeof(sql), "PRAGMA journal_mode=%s", t->journal_mode);
        query_text(db, sql, out, sizeof(out), &ignored);
    }
    t->saved = 0;
}

/* ---- order lines ---- */

#define UPSERT_BATCH 64
#define UPSERT_COLS 11

enum { V_NULL, V_INT, V_TEXT };

struct order_upsert {
    struct db *db;
    struct db_stmt *stmts[UPSERT_BATCH]; /* stmts[k-1] writes k lines */
    int pending, fill;
    uint8_t types[UPSERT_BATCH * UPSERT_COLS];
    int64_t ints[UPSERT_BATCH * UPSERT_COLS];
    uint32_t lens[UPSERT_BATCH * UPSERT_COLS];
    struct buf text;
    char now[20];
    int64_t start_rows; /* max(id) (SQLite) or count(*) before the import */
    int64_t given, changed;
    int32_t cached_day;
    char cached_date[11];
    char *dropped_index; /* SQL of the customer index dropped while the table was empty */
};

static const char SQL_UPSERT_TAIL[] =
    " ON CONFLICT (order_code, line_no) DO UPDATE SET customer_id = excluded.customer_id, "
    "ordered_at = excluded.ordered_at, product_id = excluded.product_id, "
    "quantity = excluded.quantity, unit_price = excluded.unit_price, amount = excluded.amount, "
    "channel = excluded.channel, store = excluded.store, "
    "original_code = coalesce(excluded.original_code, orders.original_code) "
    "WHERE orders.customer_id IS DISTINCT FROM excluded.customer_id "
    "OR orders.ordered_at IS DISTINCT FROM excluded.ordered_at "
    "OR orders.product_id IS DISTINCT FROM excluded.product_id "
    "OR orders.quantity IS DISTINCT FROM excluded.quantity "
    "OR orders.unit_price IS DISTINCT FROM excluded.unit_price "
    "OR orders.amount IS DISTINCT FROM excluded.amount "
    "OR orders.channel IS DISTINCT FROM excluded.channel "
    "OR orders.store IS DISTINCT FROM excluded.store "
    "OR (excluded.original_code IS NOT NULL "
    "AND orders.original_code IS DISTINCT FROM excluded.original_code)";

static int rows_now(struct db *db, int64_t *out, struct ok_err *err)
{
    /* Ids of new rows follow the largest one on SQLite (no deletes happen during an import);
     * PostgreSQL sequences skip values on conflicts, so count there. */
    const char *sql = db_engine_of(db) == DB_ENGINE_SQLITE ? "SELECT coalesce(max(id), 0) FROM orders"
                                                           : "SELECT count(*) FROM orders";
    *out = 0;
    return db_query_i64(db, sql, out, err) < 0 ? -1 : 0;
}

struct order_upsert *store_order_upsert_new(struct db *db, struct ok_err *err)
{
    struct order_upsert *u = xcalloc(1, sizeof(*u));
    u->db = db;
    buf_init(&u->text, 0);
    store_now_utc(u->now);
    u->cached_day = INT32_MIN;
    if (rows_now(db, &u->start_rows, err) < 0)
        goto fail;
    /* Into an empty table, building the customer index once at the end (a sort) beats
     * millions of random B-tree inserts. The UNIQUE index stays: upserts need it. */
    if (db_engine_of(db) == DB_ENGINE_SQLITE && u->start_rows == 0) {
        struct db_stmt *st = db_prepare(
            db, "SELECT sql FROM sqlite_master WHERE type = 'index' AND name = 'orders_customer'",
            err);
        int rc;
        if (!st)
            goto fail;
        rc = db_step(st, err);
        if (rc == DB_ROW)
            u->dropped_index = db_column_strdup(st, 0);
        db_stmt_free(&st);
        if (rc < 0)
            goto fail;
        if (u->dropped_index && db_exec(db, "DROP INDEX orders_customer", err) < 0)
            goto fail;
    }
    return u;
fail:
    store_order_upsert_free(&u);
    return NULL;
}

void store_order_upsert_free(struct order_upsert **pu)
{
    struct order_upsert *u = *pu;
    int k;
    if (!u)
        return;
    for (k = 0; k < UPSERT_BATCH; k++)
        db_stmt_free(&u->stmts[k]);
    buf_release(&u->text);
    free(u->dropped_index);
    free(u);
    *pu = NULL;
}

static void put_int(struct order_upsert *u, int64_t v)
{
    u->types[u->fill] = V_INT;
    u->ints[u->fill++] = v;
}

static void put_null(struct order_upsert *u)
{
    u->types[u->fill++] = V_NULL;
}

static void put_text(struct order_upsert *u, const char *s, size_t n)
{
    if (!s || !n) {
        put_null(u);
        return;
    }
    u->types[u->fill] = V_TEXT;
    u->ints[u->fill] = (int64_t)u->text.len;
    u->lens[u->fill++] = (uint32_t)n;
    buf_append(&u->text, s, n);
}

static void put2(char *p, unsigned v)
{
    p[0] = (char)('0' + v / 10 % 10);
    p[1] = (char)('0' + v % 10);
}

int store_order_upsert_add(struct order_upsert *u, const struct bulk_order_line *o,
                           int has_unit_price, struct ok_err *err)
{
    char when[19];
    int32_t secs = o->secs < 0 ? 0 : o->secs;
    if (o->day != u->cached_day) {
        date_format_iso(o->day, u->cached_date);
        u->cached_day = o->day;
    }
    memcpy(when, u->cached_date, 10);
    when[10] = ' ';
    put2(when + 11, (unsigned)(secs / 3600));
    when[13] = ':';
    put2(when + 14, (unsigned)(secs / 60 % 60));
    when[16] = ':';
    put2(when + 17, (unsigned)(secs % 60));
    put_text(u, o->order_code, strlen(o->order_code));
    put_int(u, o->line_no);
    put_int(u, o->customer_id);
    put_text(u, when, sizeof(when));
    if (o->product_id > 0)
        put_int(u, o->product_id);
    else
        put_null(u);
    put_int(u, o->quantity);
    if (has_unit_price)
        put_int(u, o->unit_price);
    else
        put_null(u);
    put_int(u, o->amount);
    put_text(u, o->channel, o->channel ? strlen(o->channel) : 0);
    put_text(u, o->store, o->store ? strlen(o->store) : 0);
    put_text(u, o->original_code, o->original_code ? strlen(o->original_code) : 0);
    u->given++;
    if (++u->pending == UPSERT_BATCH)
        return store_order_upsert_flush(u, err);
    return 0;
}

static struct db_stmt *batch_stmt(struct order_upsert *u, int k, struct ok_err *err)
{
    struct buf sql;
    int r, c;
    if (u->stmts[k - 1])
        return u->stmts[k - 1];
    buf_init(&sql, 0);
    buf_puts(&sql, "INSERT INTO orders(order_code, line_no, customer_id, ordered_at, product_id, "
                   "quantity, unit_price, amount, channel, store, original_code, created_at) "
                   "VALUES ");
    for (r = 0; r < k; r++) {
        buf_puts(&sql, r ? ",(" : "(");
        for (c = 0; c < UPSERT_COLS; c++)
            buf_puts(&sql, "?,");
        buf_printf(&sql, "'%s')", u->now);
    }
    buf_puts(&sql, SQL_UPSERT_TAIL);
    if (!sql.failed)
        u->stmts[k - 1] = db_prepare(u->db, sql.data, err);
    buf_release(&sql);
    return u->stmts[k - 1];
}

int store_order_upsert_flush(struct order_upsert *u, struct ok_err *err)
{
    struct db_stmt *st;
    int i, rc;
    if (u->pending == 0)
        return 0;
    st = batch_stmt(u, u->pending, err);
    if (!st)
        return -1;
    for (i = 0; i < u->fill; i++) {
        switch (u->types[i]) {
        case V_INT:
            db_bind_i64(st, i + 1, u->ints[i]);
            break;
        case V_TEXT:
            db_bind_text(st, i + 1, u->text.data + u->ints[i], u->lens[i]);
            break;
        default:
            db_bind_null(st, i + 1);
            break;
        }
    }
    rc = db_step(st, err);
    if (rc >= 0)
        u->changed += db_changes(u->db);
    db_reset(st);
    u->pending = 0;
    u->fill = 0;
    buf_reset(&u->text);
    if (rc < 0) {
        ok_err_prefix(err, "writing order lines");
        return -1;
    }
    return 0;
}

/* Links each new return line to the order it reverses: the customer's latest earlier line with
 * a positive quantity of the same product (any product when the return names none). One
 * statement over the new rows, after the indexes are complete. */
static const char SQL_LINK_RETURNS[] =
    "UPDATE orders SET original_code = (SELECT o2.order_code FROM orders o2 "
    "WHERE o2.customer_id = orders.customer_id AND o2.quantity > 0 "
    "AND o2.ordered_at <= orders.ordered_at "
    "AND (orders.product_id IS NULL OR o2.product_id = orders.product_id) "
    "ORDER BY o2.ordered_at DESC, o2.id DESC LIMIT 1) "
    "WHERE id > ? AND quantity < 0 AND original_code IS NULL";

static int finish(struct order_upsert *u, struct ok_err *err)
{
    struct db_stmt *st;
    int rc;
    if (store_order_upsert_flush(u, err) < 0)
        return -1;
    if (u->dropped_index) {
        if (db_exec(u->db, u->dropped_index, err) < 0)
            return -1;
        free(u->dropped_index);
        u->dropped_index = NULL;
    }
    if (db_engine_of(u->db) != DB_ENGINE_SQLITE)
        return 0; /* ids are not ordered by insertion there: returns keep the given link */
    st = db_prepare(u->db, SQL_LINK_RETURNS, err);
    if (!st)
        return -1;
    db_bind_i64(st, 1, u->start_rows);
    rc = db_step(st, err);
    db_stmt_free(&st);
    return rc < 0 ? -1 : 0;
}

int store_order_upsert_counts(struct order_upsert *u, int64_t *inserted, int64_t *updated,
                              int64_t *unchanged, struct ok_err *err)
{
    int64_t now;
    if (finish(u, err) < 0 || rows_now(u->db, &now, err) < 0)
        return -1;
    *inserted = now - u->start_rows;
    *updated = u->changed - *inserted;
    *unchanged = u->given - u->changed;
    return 0;
}

/* ---- updates by code ---- */

static void bind_id(struct db_stmt *st, int idx, int64_t id)
{
    if (id > 0)
        db_bind_i64(st, idx, id);
    else
        db_bind_null(st, idx);
}

static int run_update(struct db *db, struct db_stmt *st, struct ok_err *err)
{
    int rc = db_step(st, err);
    db_reset(st);
    if (rc < 0)
        return -1;
    return db_changes(db) > 0 ? 1 : 0;
}

static const char SQL_UPDATE_DEAL[] =
    "UPDATE deals SET customer_id = ?2, kind = ?3, stage = ?4, title = ?5, amount = ?6, "
    "opened_at = ?7, closed_at = ?8, owner_id = ?9, lost_reason_id = ?10, lost_note = ?11, "
    "trigger_id = ?12, product_id = ?13, version = version + 1, updated_at = ?14 "
    "WHERE code = ?1 AND (customer_id IS DISTINCT FROM ?2 OR kind IS DISTINCT FROM ?3 "
    "OR stage IS DISTINCT FROM ?4 OR title IS DISTINCT FROM ?5 OR amount IS DISTINCT FROM ?6 "
    "OR opened_at IS DISTINCT FROM ?7 OR closed_at IS DISTINCT FROM ?8 "
    "OR owner_id IS DISTINCT FROM ?9 OR lost_reason_id IS DISTINCT FROM ?10 "
    "OR lost_note IS DISTINCT FROM ?11 OR trigger_id IS DISTINCT FROM ?12 "
    "OR product_id IS DISTINCT FROM ?13)";

int store_import_update_deal(struct db *db, const char *code, int64_t customer_id,
                             const char *kind, const char *stage, const char *title,
                             int64_t amount, const char *opened_at, const char *closed_at,
                             int64_t owner_id, int64_t lost_reason_id, const char *lost_note,
                             int64_t trigger_id, int64_t product_id, struct ok_err *err)
{
    struct db_stmt *st = db_cached(db, SQL_UPDATE_DEAL, err);
    char now[20];
    if (!st)
        return -1;
    store_now_utc(now);
    db_bind_text(st, 1, code, (size_t)-1);
    db_bind_i64(st, 2, customer_id);
    db_bind_text(st, 3, kind && *kind ? kind : "new", (size_t)-1);
    db_bind_text(st, 4, stage && *stage ? stage : "open", (size_t)-1);
    db_bind_text(st, 5, title ? title : "", (size_t)-1);
    db_bind_i64(st, 6, amount);
    db_bind_text(st, 7, opened_at, (size_t)-1);
    db_bind_text_or_null(st, 8, closed_at);
    bind_id(st, 9, owner_id);
    bind_id(st, 10, lost_reason_id);
    db_bind_text_or_null(st, 11, lost_note);
    bind_id(st, 12, trigger_id);
    bind_id(st, 13, product_id);
    db_bind_text(st, 14, now, (size_t)-1);
    return run_update(db, st, err);
}

static const char SQL_UPDATE_ACTIVITY[] =
    "UPDATE activities SET customer_id = ?2, user_id = ?3, occurred_at = ?4, channel = ?5, "
    "direction = ?6, subject = ?7, body = ?8, outcome = ?9 "
    "WHERE code = ?1 AND (customer_id IS DISTINCT FROM ?2 OR user_id IS DISTINCT FROM ?3 "
    "OR occurred_at IS DISTINCT FROM ?4 OR channel IS DISTINCT FROM ?5 "
    "OR direction IS DISTINCT FROM ?6 OR subject IS DISTINCT FROM ?7 "
    "OR body IS DISTINCT FROM ?8 OR outcome IS DISTINCT FROM ?9)";

int store_import_update_activity(struct db *db, const char *code, int64_t customer_id,
                                 int64_t user_id, const char *occurred_at, const char *channel,
                                 const char *direction, const char *subject, const char *body,
                                 const char *outcome, struct ok_err *err)
{
    struct db_stmt *st = db_cached(db, SQL_UPDATE_ACTIVITY, err);
    if (!st)
        return -1;
    db_bind_text(st, 1, code, (size_t)-1);
    db_bind_i64(st, 2, customer_id);
    bind_id(st, 3, user_id);
    db_bind_text(st, 4, occurred_at, (size_t)-1);
    db_bind_text(st, 5, channel, (size_t)-1);
    db_bind_text(st, 6, direction && *direction ? direction : "out", (size_t)-1);
    db_bind_text(st, 7, subject ? subject : "", (size_t)-1);
    db_bind_text(st, 8, body ? body : "", (size_t)-1);
    db_bind_text_or_null(st, 9, outcome);
    return run_update(db, st, err);
}

static const char SQL_UPDATE_FEEDBACK[] =
    "UPDATE feedback SET customer_id = ?2, kind = ?3, score = ?4, text = ?5, received_on = ?6 "
    "WHERE code = ?1 AND (customer_id IS DISTINCT FROM ?2 OR kind IS DISTINCT FROM ?3 "
    "OR score IS DISTINCT FROM ?4 OR text IS DISTINCT FROM ?5 "
    "OR received_on IS DISTINCT FROM ?6)";

int store_import_update_feedback(struct db *db, const char *code, int64_t customer_id,
                                 const char *kind, int score, const char *text,
                                 const char *received_on, struct ok_err *err)
{
    struct db_stmt *st = db_cached(db, SQL_UPDATE_FEEDBACK, err);
    if (!st)
        return -1;
    db_bind_text(st, 1, code, (size_t)-1);
    db_bind_i64(st, 2, customer_id);
    db_bind_text(st, 3, kind, (size_t)-1);
    if (score >= 0)
        db_bind_i64(st, 4, score);
    else
        db_bind_null(st, 4);
    db_bind_text(st, 5, text ? text : "", (size_t)-1);
    db_bind_text(st, 6, received_on, (size_t)-1);
    return run_update(db, st, err);
}
