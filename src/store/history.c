/*
 * history.c - bulk scans of the history tables for the ledger snapshot.
 */
#include "store/history.h"

#include <string.h>

#include "core/date.h"
#include "core/banned.h"

uint32_t store_order_key(const char *code, size_t len)
{
    uint32_t h = 2166136261u;
    size_t i;
    for (i = 0; i < len; i++) {
        h ^= (unsigned char)code[i];
        h *= 16777619u;
    }
    return h;
}

/* Day of a 'YYYY-MM-DD...' column; HISTORY_NO_DAY for NULL or unparsable text. */
static int32_t column_day(struct db_stmt *st, int col)
{
    size_t n;
    const char *s = db_column_text_len(st, col, &n);
    int32_t day;
    if (n < 10 || date_parse_iso(s, 10, &day) < 0)
        return HISTORY_NO_DAY;
    return day;
}

static int64_t column_id(struct db_stmt *st, int col)
{
    return db_column_is_null(st, col) ? 0 : db_column_i64(st, col);
}

/* Runs sql and calls row(st) for each row; row returns 0 or -1. */
static int scan(struct db *db, const char *sql,
                int (*row)(struct db_stmt *st, const struct history_sink *s, struct ok_err *err),
                const struct history_sink *sink, struct ok_err *err)
{
    struct db_stmt *st = db_prepare(db, sql, err);
    int rc;
    if (!st)
        return -1;
    while ((rc = db_step(st, err)) == DB_ROW) {
        if (row(st, sink, err) < 0) {
            rc = -1;
            break;
        }
    }
    db_stmt_free(&st);
    return rc < 0 ? -1 : 0;
}

static int customer_row(struct db_stmt *st, const struct history_sink *s, struct ok_err *err)
{
    struct history_customer c;
    c.id = db_column_i64(st, 0);
    c.created_day = column_day(st, 1);
    c.owner_id = column_id(st, 2);
    c.source = db_column_text(st, 3);
    c.referred_by = column_id(st, 4);
    c.cause_id = column_id(st, 5);
    return s->customer(s->ctx, &c, err);
}

static int line_row(struct db_stmt *st, const struct history_sink *s, struct ok_err *err)
{
    struct history_line l;
    size_t n;
    const char *code;
    l.customer_id = db_column_i64(st, 0);
    l.day = column_day(st, 1);
    l.amount = db_column_i64(st, 2);
    code = db_column_text_len(st, 3, &n);
    l.order_key = store_order_key(code, n);
    l.product_id = column_id(st, 4);
    return s->line(s->ctx, &l, err);
}

static int deal_row(struct db_stmt *st, const struct history_sink *s, struct ok_err *err)
{
    struct history_deal d;
    d.id = db_column_i64(st, 0);
    d.customer_id = db_column_i64(st, 1);
    d.kind = db_column_text(st, 2);
    d.stage = db_column_text(st, 3);
    d.opened_day = column_day(st, 4);
    d.closed_day = column_day(st, 5);
    d.amount = db_column_i64(st, 6);
    d.lost_reason_id = column_id(st, 7);
    d.trigger_id = column_id(st, 8);
    d.product_id = column_id(st, 9);
    return s->deal(s->ctx, &d, err);
}

static int contract_row(struct db_stmt *st, const struct history_sink *s, struct ok_err *err)
{
    struct history_contract k;
    k.id = db_column_i64(st, 0);
    k.customer_id = db_column_i64(st, 1);
    k.product_id = column_id(st, 2);
    k.start_day = column_day(st, 3);
    k.end_day = column_day(st, 4);
    k.amount = db_column_i64(st, 5);
    k.renewed_from = column_id(st, 6);
    k.end_reason_id = column_id(st, 7);
    return s->contract(s->ctx, &k, err);
}

static int referral_row(struct db_stmt *st, const struct history_sink *s, struct ok_err *err)
{
    struct history_referral r;
    r.referrer_id = db_column_i64(st, 0);
    r.referred_id = column_id(st, 1);
    r.day = column_day(st, 2);
    r.trigger_id = column_id(st, 3);
    r.deal_id = column_id(st, 4);
    return s->referral(s->ctx, &r, err);
}

static int feedback_row(struct db_stmt *st, const struct history_sink *s, struct ok_err *err)
{
    struct history_feedback f;
    f.customer_id = db_column_i64(st, 0);
    f.kind = db_column_text(st, 1);
    f.score = db_column_is_null(st, 2) ? -1 : (int32_t)db_column_i64(st, 2);
    f.day = column_day(st, 3);
    return s->feedback(s->ctx, &f, err);
}

int store_history_scan(struct db *db, const struct history_sink *sink, struct ok_err *err)
{
    int rc = -1;
    /* A plain BEGIN is enough for a consistent read; it never takes the write lock. */
    if (db_exec(db, "BEGIN", err) < 0)
        return -1;
    if (sink->customer &&
        scan(db,
             "SELECT id, created_at, owner_id, COALESCE(source, ''), referred_by, cause_id "
             "FROM customers ORDER BY id",
             customer_row, sink, err) < 0)
        goto out;
    if (sink->line &&
        scan(db, "SELECT customer_id, ordered_at, amount, order_code, product_id FROM orders",
             line_row, sink, err) < 0)
        goto out;
    if (sink->deal &&
        scan(db,
             "SELECT id, customer_id, kind, stage, opened_at, closed_at, amount, lost_reason_id, "
             "trigger_id, product_id FROM deals ORDER BY id",
             deal_row, sink, err) < 0)
        goto out;
    if (sink->contract &&
        scan(db,
             "SELECT id, customer_id, product_id, start_on, end_on, amount, renewed_from, "
             "end_reason_id FROM contracts ORDER BY id",
             contract_row, sink, err) < 0)
        goto out;
    if (sink->referral &&
        scan(db,
             "SELECT referrer_id, referred_id, referred_on, trigger_id, deal_id FROM referrals "
             "ORDER BY id",
             referral_row, sink, err) < 0)
        goto out;
    if (sink->feedback &&
        scan(db, "SELECT customer_id, kind, score, received_on FROM feedback ORDER BY id",
             feedback_row, sink, err) < 0)
        goto out;
    rc = 0;
out : {
    struct ok_err ignored;
    db_exec(db, rc == 0 ? "COMMIT" : "ROLLBACK", &ignored);
}
    return rc;
}
