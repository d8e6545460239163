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
#define UPSERT_COLS  11

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
    int64_t start_rows;   /* max(id) (SQLite) or count(*) before the import */
    int64_t start_max_id; /* max(id) before the import: new rows have larger ids */
    int64_t given, changed;
    int32_t cached_day;
    char cached_date[11];
    char *dropped_index; /* SQL of the customer index dropped while the table was empty */
    char **restore;      /* PostgreSQL: indexes, then foreign keys, to recreate at the end */
    size_t nrestore, cap_restore;
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
    const char *sql = db_engine_of(db) == DB_ENGINE_SQLITE
                          ? "SELECT coalesce(max(id), 0) FROM orders"
                          : "SELECT count(*) FROM orders";
    *out = 0;
    return db_query_i64(db, sql, out, err) < 0 ? -1 : 0;
}

/* PostgreSQL, into an empty orders table: the plain indexes and the foreign keys are dropped
 * and recreated at the end. Each line otherwise pays two foreign key checks (a query each, run
 * by the server's triggers: measured at ~45 % of the server's time per line) and a random insert
 * into the customer index; at the end one sorted build and one checking pass per key do the
 * same work. The primary key and UNIQUE (order_code, line_no) stay: ON CONFLICT needs the
 * latter. The caller has locked the table against other writers, so it stays empty meanwhile. */
static int pg_drop_for_import(struct order_upsert *u, struct ok_err *err)
{
    static const char *const sql[] = {
        "SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
        "WHERE i.indrelid = 'orders'::regclass AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
        "WHERE c.conindid = i.indexrelid AND c.contype IN ('p', 'u', 'x')) ORDER BY 1",
        "SELECT quote_ident(conname), pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE conrelid = 'orders'::regclass AND contype = 'f' ORDER BY 1",
    };
    struct buf drops;
    int rc = 0;
    buf_init(&drops, 0);
    for (int k = 0; k < 2 && rc == 0; k++) {
        struct db_stmt *st = db_prepare(u->db, sql[k], err);
        if (!st) {
            rc = -1;
            break;
        }
        while ((rc = db_step(st, err)) == DB_ROW) {
            struct buf re;
            buf_init(&re, 0);
            if (k == 0) {
                buf_puts(&re, db_column_text(st, 1));
                buf_printf(&drops, "DROP INDEX %s;\n", db_column_text(st, 0));
            } else {
                buf_printf(&re, "ALTER TABLE orders ADD CONSTRAINT %s %s", db_column_text(st, 0),
                           db_column_text(st, 1));
                buf_printf(&drops, "ALTER TABLE orders DROP CONSTRAINT %s;\n",
                           db_column_text(st, 0));
            }
            u->restore = xgrow(u->restore, &u->cap_restore, u->nrestore + 1, sizeof(*u->restore));
            u->restore[u->nrestore++] = buf_detach(&re, NULL);
            buf_release(&re);
        }
        db_stmt_free(&st);
        rc = rc < 0 ? -1 : 0;
    }
    if (rc == 0 && drops.len)
        rc = db_exec(u->db, drops.data, err);
    buf_release(&drops);
    return rc;
}

struct order_upsert *store_order_upsert_new(struct db *db, struct ok_err *err)
{
    struct order_upsert *u = xcalloc(1, sizeof(*u));
    u->db = db;
    buf_init(&u->text, 0);
    store_now_utc(u->now);
    u->cached_day = INT32_MIN;
    if (rows_now(db, &u->start_rows, err) < 0 ||
        db_query_i64(db, "SELECT coalesce(max(id), 0) FROM orders", &u->start_max_id, err) < 0)
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
    /* Only an import into an empty table locks it (and then checks again that it is empty):
     * other servers keep writing orders during an import into a filled one. */
    if (db_engine_of(db) == DB_ENGINE_POSTGRES && u->start_rows == 0) {
        if (db_exec(db, "LOCK TABLE orders IN EXCLUSIVE MODE", err) < 0 ||
            rows_now(db, &u->start_rows, err) < 0 ||
            db_query_i64(db, "SELECT coalesce(max(id), 0) FROM orders", &u->start_max_id, err) < 0)
            goto fail;
        if (u->start_rows == 0 && pg_drop_for_import(u, err) < 0)
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
    for (size_t i = 0; i < u->nrestore; i++)
        free(u->restore[i]);
    free(u->restore);
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
    /* Indexes first (the checks of the foreign keys scan the table anyway). */
    for (size_t i = 0; i < u->nrestore; i++) {
        if (db_exec(u->db, u->restore[i], err) < 0)
            return -1;
        free(u->restore[i]);
        u->restore[i] = NULL;
    }
    u->nrestore = 0;
    /* Identity ids grow with each insert on both engines (PostgreSQL's sequence skips values
     * on conflicts but never goes back), so the new rows are those above the old max(id). */
    st = db_prepare(u->db, SQL_LINK_RETURNS, err);
    if (!st)
        return -1;
    db_bind_i64(st, 1, u->start_max_id);
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

/* The updates below set each column and write only when one differs; every value is bound
 * twice, at k (SET) and at k + off (the comparison), because the statements use plain `?`:
 * SQLite's numbered `?NNN` has no PostgreSQL equivalent in the driver. */
static void bind2_i64(struct db_stmt *st, int k, int off, int64_t v)
{
    db_bind_i64(st, k, v);
    db_bind_i64(st, k + off, v);
}

static void bind2_id(struct db_stmt *st, int k, int off, int64_t id)
{
    bind_id(st, k, id);
    bind_id(st, k + off, id);
}

static void bind2_text(struct db_stmt *st, int k, int off, const char *s)
{
    db_bind_text(st, k, s, (size_t)-1);
    db_bind_text(st, k + off, s, (size_t)-1);
}

/* NULL for NULL or "" */
static void bind2_text_or_null(struct db_stmt *st, int k, int off, const char *s)
{
    db_bind_text_or_null(st, k, s);
    db_bind_text_or_null(st, k + off, s);
}

/* SET: 12 columns at 1..12, updated_at at 13, code at 14, comparisons at 15..26 */
static const char SQL_UPDATE_DEAL[] =
    "UPDATE deals SET customer_id = ?, kind = ?, stage = ?, title = ?, amount = ?, "
    "opened_at = ?, closed_at = ?, owner_id = ?, lost_reason_id = ?, lost_note = ?, "
    "trigger_id = ?, product_id = ?, version = version + 1, updated_at = ? "
    "WHERE code = ? AND (customer_id IS DISTINCT FROM ? OR kind IS DISTINCT FROM ? "
    "OR stage IS DISTINCT FROM ? OR title IS DISTINCT FROM ? OR amount IS DISTINCT FROM ? "
    "OR opened_at IS DISTINCT FROM ? OR closed_at IS DISTINCT FROM ? "
    "OR owner_id IS DISTINCT FROM ? OR lost_reason_id IS DISTINCT FROM ? "
    "OR lost_note IS DISTINCT FROM ? OR trigger_id IS DISTINCT FROM ? "
    "OR product_id IS DISTINCT FROM ?)";

int store_import_update_deal(struct db *db, const char *code, int64_t customer_id, const char *kind,
                             const char *stage, const char *title, int64_t amount,
                             const char *opened_at, const char *closed_at, int64_t owner_id,
                             int64_t lost_reason_id, const char *lost_note, int64_t trigger_id,
                             int64_t product_id, struct ok_err *err)
{
    struct db_stmt *st = db_cached(db, SQL_UPDATE_DEAL, err);
    const int off = 14;
    char now[20];
    if (!st)
        return -1;
    store_now_utc(now);
    bind2_i64(st, 1, off, customer_id);
    bind2_text(st, 2, off, kind && *kind ? kind : "new");
    bind2_text(st, 3, off, stage && *stage ? stage : "open");
    bind2_text(st, 4, off, title ? title : "");
    bind2_i64(st, 5, off, amount);
    bind2_text(st, 6, off, opened_at);
    bind2_text_or_null(st, 7, off, closed_at);
    bind2_id(st, 8, off, owner_id);
    bind2_id(st, 9, off, lost_reason_id);
    bind2_text_or_null(st, 10, off, lost_note);
    bind2_id(st, 11, off, trigger_id);
    bind2_id(st, 12, off, product_id);
    db_bind_text(st, 13, now, (size_t)-1);
    db_bind_text(st, 14, code, (size_t)-1);
    return run_update(db, st, err);
}

/* SET: 8 columns at 1..8, code at 9, comparisons at 10..17 */
static const char SQL_UPDATE_ACTIVITY[] =
    "UPDATE activities SET customer_id = ?, user_id = ?, occurred_at = ?, channel = ?, "
    "direction = ?, subject = ?, body = ?, outcome = ? "
    "WHERE code = ? AND (customer_id IS DISTINCT FROM ? OR user_id IS DISTINCT FROM ? "
    "OR occurred_at IS DISTINCT FROM ? OR channel IS DISTINCT FROM ? "
    "OR direction IS DISTINCT FROM ? OR subject IS DISTINCT FROM ? "
    "OR body IS DISTINCT FROM ? OR outcome IS DISTINCT FROM ?)";

int store_import_update_activity(struct db *db, const char *code, int64_t customer_id,
                                 int64_t user_id, const char *occurred_at, const char *channel,
                                 const char *direction, const char *subject, const char *body,
                                 const char *outcome, struct ok_err *err)
{
    struct db_stmt *st = db_cached(db, SQL_UPDATE_ACTIVITY, err);
    const int off = 9;
    if (!st)
        return -1;
    bind2_i64(st, 1, off, customer_id);
    bind2_id(st, 2, off, user_id);
    bind2_text(st, 3, off, occurred_at);
    bind2_text(st, 4, off, channel);
    bind2_text(st, 5, off, direction && *direction ? direction : "out");
    bind2_text(st, 6, off, subject ? subject : "");
    bind2_text(st, 7, off, body ? body : "");
    bind2_text_or_null(st, 8, off, outcome);
    db_bind_text(st, 9, code, (size_t)-1);
    return run_update(db, st, err);
}

/* SET: 5 columns at 1..5, code at 6, comparisons at 7..11 */
static const char SQL_UPDATE_FEEDBACK[] =
    "UPDATE feedback SET customer_id = ?, kind = ?, score = ?, text = ?, received_on = ? "
    "WHERE code = ? AND (customer_id IS DISTINCT FROM ? OR kind IS DISTINCT FROM ? "
    "OR score IS DISTINCT FROM ? OR text IS DISTINCT FROM ? "
    "OR received_on IS DISTINCT FROM ?)";

int store_import_update_feedback(struct db *db, const char *code, int64_t customer_id,
                                 const char *kind, int score, const char *text,
                                 const char *received_on, struct ok_err *err)
{
    struct db_stmt *st = db_cached(db, SQL_UPDATE_FEEDBACK, err);
    const int off = 6;
    if (!st)
        return -1;
    bind2_i64(st, 1, off, customer_id);
    bind2_text(st, 2, off, kind);
    if (score >= 0) {
        bind2_i64(st, 3, off, score);
    } else {
        db_bind_null(st, 3);
        db_bind_null(st, 3 + off);
    }
    bind2_text(st, 4, off, text ? text : "");
    bind2_text(st, 5, off, received_on);
    db_bind_text(st, 6, code, (size_t)-1);
    return run_update(db, st, err);
}
