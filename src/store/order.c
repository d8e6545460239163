/*
 * order.c - adding, listing, correcting and deleting order lines.
 */
#include "store/order.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/json_out.h"
#include "core/money.h"
#include "core/mem.h"
#include "core/banned.h"

void order_line_release(struct order_line *o)
{
    free(o->order_code);
    free(o->customer_code);
    free(o->ordered_at);
    free(o->product_sku);
    free(o->channel);
    free(o->store);
    free(o->original_code);
    memset(o, 0, sizeof(*o));
}

static int field_error(struct ok_err *err, const char *field, enum ok_err_code code)
{
    ok_err_locate(err, field, 0);
    (void)code;
    return -1;
}

/* Checks the line and fills the derived values: normalised date-time, quantity, amount. */
static int order_validate(struct order_line *o, char when[20], struct ok_err *err)
{
    int32_t day, secs;
    if (!o->order_code || !*o->order_code) {
        ok_err_set(err, OK_ERR_INVALID, "order code is required (伝票番号, e.g. R-0001)");
        return field_error(err, "order_code", OK_ERR_INVALID);
    }
    if (!o->customer_code || !*o->customer_code) {
        ok_err_set(err, OK_ERR_INVALID, "customer code is required for an order line");
        return field_error(err, "customer_code", OK_ERR_INVALID);
    }
    if (!o->ordered_at || !*o->ordered_at) {
        ok_err_set(err, OK_ERR_INVALID, "order date is required (like 2024-01-05 or 2024/1/5)");
        return field_error(err, "ordered_at", OK_ERR_INVALID);
    }
    if (date_parse(o->ordered_at, strlen(o->ordered_at), &day, &secs, err) < 0)
        return field_error(err, "ordered_at", OK_ERR_INVALID);
    date_format_datetime(day, secs < 0 ? 0 : secs, when);
    if (o->quantity == 0)
        o->quantity = 1;
    if (!o->has_amount) {
        if (!o->has_unit_price) {
            ok_err_set(err, OK_ERR_INVALID, "an order line needs an amount or a unit price");
            return field_error(err, "amount", OK_ERR_INVALID);
        }
        if (money_mul(o->quantity, o->unit_price, &o->amount, err) < 0) {
            ok_err_set(err, OK_ERR_INVALID, "quantity × unit price is too large");
            return field_error(err, "amount", OK_ERR_INVALID);
        }
        o->has_amount = 1;
    }
    if (o->amount > ORDER_AMOUNT_MAX || o->amount < -ORDER_AMOUNT_MAX ||
        (o->has_unit_price &&
         (o->unit_price > ORDER_AMOUNT_MAX || o->unit_price < -ORDER_AMOUNT_MAX))) {
        ok_err_set(err, OK_ERR_INVALID, "the amount is too large (at most %lld minor units a line)",
                   (long long)ORDER_AMOUNT_MAX);
        return field_error(err, "amount", OK_ERR_INVALID);
    }
    if ((o->quantity < 0) != (o->amount < 0) && o->amount != 0) {
        ok_err_set(err, OK_ERR_INVALID,
                   "quantity %lld and amount %lld disagree in sign; a return has both negative",
                   (long long)o->quantity, (long long)o->amount);
        return field_error(err, "amount", OK_ERR_INVALID);
    }
    return 0;
}

static const char SQL_NEXT_LINE[] =
    "SELECT COALESCE(MAX(line_no), 0) + 1 FROM orders WHERE order_code = ?";
static const char SQL_INSERT[] =
    "INSERT INTO orders(order_code, line_no, customer_id, ordered_at, product_id, quantity, "
    "unit_price, amount, channel, store, original_code) VALUES (?,?,?,?,?,?,?,?,?,?,?) "
    "RETURNING id";

int64_t store_order_add(struct db *db, const struct store_actor *who, struct order_line *o,
                        struct ok_err *err)
{
    char when[20];
    int64_t customer_id, product_id = 0, id = -1;
    struct db_stmt *st;
    struct buf json;
    int rc;
    if (order_validate(o, when, err) < 0)
        return -1;
    buf_init(&json, 0);
    if (db_begin(db, err) < 0)
        goto out;
    customer_id =
        store_lookup_id(db, "SELECT id FROM customers WHERE code = ?", o->customer_code, err);
    if (customer_id < 0)
        goto fail;
    if (customer_id == 0) {
        ok_err_set(err, OK_ERR_INVALID,
                   "no customer with code '%s'; add the customer first (`okaeri customer add`)",
                   o->customer_code);
        ok_err_locate(err, "customer_code", 0);
        goto fail;
    }
    if (o->product_sku && *o->product_sku) {
        product_id =
            store_lookup_id(db, "SELECT id FROM products WHERE sku = ?", o->product_sku, err);
        if (product_id < 0)
            goto fail;
        if (product_id == 0) {
            ok_err_set(err, OK_ERR_INVALID, "no product with SKU '%s'", o->product_sku);
            ok_err_locate(err, "product", 0);
            goto fail;
        }
    }
    if (o->line_no <= 0) {
        st = db_cached(db, SQL_NEXT_LINE, err);
        if (!st)
            goto fail;
        db_bind_text(st, 1, o->order_code, (size_t)-1);
        rc = db_step(st, err);
        o->line_no = rc == DB_ROW ? db_column_i64(st, 0) : 1;
        db_reset(st);
        if (rc < 0)
            goto fail;
    }
    st = db_cached(db, SQL_INSERT, err);
    if (!st)
        goto fail;
    db_bind_text(st, 1, o->order_code, (size_t)-1);
    db_bind_i64(st, 2, o->line_no);
    db_bind_i64(st, 3, customer_id);
    db_bind_text(st, 4, when, (size_t)-1);
    product_id ? db_bind_i64(st, 5, product_id) : db_bind_null(st, 5);
    db_bind_i64(st, 6, o->quantity);
    o->has_unit_price ? db_bind_i64(st, 7, o->unit_price) : db_bind_null(st, 7);
    db_bind_i64(st, 8, o->amount);
    db_bind_text_or_null(st, 9, o->channel);
    db_bind_text_or_null(st, 10, o->store);
    db_bind_text_or_null(st, 11, o->original_code);
    rc = db_step(st, err);
    if (rc != DB_ROW) {
        db_reset(st);
        if (err && err->code == OK_ERR_CONFLICT) {
            ok_err_set(err, OK_ERR_CONFLICT, "order %s already has a line %lld", o->order_code,
                       (long long)o->line_no);
            ok_err_locate(err, "order_code", 0);
        }
        goto fail;
    }
    id = db_column_i64(st, 0);
    db_reset(st);
    o->id = id;
    o->version = 1;
    free(o->ordered_at);
    o->ordered_at = xstrdup(when);
    order_line_to_json(o, &json);
    if (store_audit(db, who, "create", "order", id, NULL, json.data, err) < 0)
        goto fail;
    if (db_commit(db, err) < 0)
        goto fail;
    goto out;
fail:
    db_rollback(db);
    id = -1;
out:
    buf_release(&json);
    return id;
}

#define SELECT_ORDER                                                                               \
    "SELECT o.id, o.order_code, o.line_no, c.code, o.ordered_at, p.sku, o.quantity, "              \
    "o.unit_price, o.amount, o.channel, o.store, o.original_code, o.version FROM orders o "        \
    "JOIN customers c ON c.id = o.customer_id "                                                    \
    "LEFT JOIN products p ON p.id = o.product_id "

static void read_row(struct db_stmt *st, struct order_line *o)
{
    memset(o, 0, sizeof(*o));
    o->id = db_column_i64(st, 0);
    o->order_code = db_column_strdup(st, 1);
    o->line_no = db_column_i64(st, 2);
    o->customer_code = db_column_strdup(st, 3);
    o->ordered_at = db_column_strdup(st, 4);
    o->product_sku = db_column_strdup(st, 5);
    o->quantity = db_column_i64(st, 6);
    o->has_unit_price = !db_column_is_null(st, 7);
    o->unit_price = db_column_i64(st, 7);
    o->has_amount = 1;
    o->amount = db_column_i64(st, 8);
    o->channel = db_column_strdup(st, 9);
    o->store = db_column_strdup(st, 10);
    o->original_code = db_column_strdup(st, 11);
    o->version = db_column_i64(st, 12);
}

int store_order_list(struct db *db, const struct order_query *q,
                     int (*fn)(void *ctx, const struct order_line *o), void *ctx,
                     struct ok_err *err)
{
    struct buf sql, to;
    struct db_stmt *st = NULL;
    int idx = 1, step, rc = -1;
    buf_init(&sql, 0);
    buf_init(&to, 0);
    buf_puts(&sql, SELECT_ORDER "WHERE 1=1");
    if (q->customer_code)
        buf_puts(&sql, " AND c.code = ?");
    if (q->from)
        buf_puts(&sql, " AND o.ordered_at >= ?");
    if (q->to) {
        /* inclusive end day: everything before the next day's midnight */
        buf_puts(&sql, " AND o.ordered_at <= ?");
        buf_printf(&to, "%s 23:59:59", q->to);
    }
    if (q->after_id > 0)
        buf_puts(&sql, " AND o.id > ?");
    buf_printf(&sql, " ORDER BY o.id LIMIT %d", q->limit > 0 ? q->limit : 100);
    st = db_prepare(db, sql.data, err);
    if (!st)
        goto out;
    if (q->customer_code)
        db_bind_text(st, idx++, q->customer_code, (size_t)-1);
    if (q->from)
        db_bind_text(st, idx++, q->from, (size_t)-1);
    if (q->to)
        db_bind_text(st, idx++, to.data, to.len);
    if (q->after_id > 0)
        db_bind_i64(st, idx++, q->after_id);
    while ((step = db_step(st, err)) == DB_ROW) {
        struct order_line o;
        int stop;
        read_row(st, &o);
        stop = fn(ctx, &o);
        order_line_release(&o);
        if (stop)
            break;
    }
    if (step < 0)
        goto out;
    rc = 0;
out:
    db_stmt_free(&st);
    buf_release(&sql);
    buf_release(&to);
    return rc;
}

static const char SQL_GET[] = SELECT_ORDER "WHERE o.id = ?";

int store_order_get(struct db *db, int64_t id, struct order_line *out, struct ok_err *err)
{
    struct db_stmt *st = db_cached(db, SQL_GET, err);
    int rc;
    memset(out, 0, sizeof(*out));
    if (!st)
        return -1;
    db_bind_i64(st, 1, id);
    rc = db_step(st, err);
    if (rc == DB_ROW)
        read_row(st, out);
    db_reset(st);
    if (rc < 0)
        return -1;
    if (rc == DB_DONE)
        return ok_err_set(err, OK_ERR_NOT_FOUND,
                          "no order line %lld; list lines with `okaeri order list --customer CODE`",
                          (long long)id);
    return 0;
}

static void set_copy(char **field, const char *value)
{
    free(*field);
    *field = value && *value ? xstrdup(value) : NULL;
}

/* Loads line id for a change made at `version` into *before (caller releases). */
static int load_for_change(struct db *db, int64_t id, int64_t version, struct order_line *before,
                           struct ok_err *err)
{
    if (store_order_get(db, id, before, err) < 0)
        return -1;
    if (before->version != version)
        return ok_err_set(err, OK_ERR_CONFLICT,
                          "order line %lld (%s line %lld) was changed by someone else (version "
                          "%lld, you edited %lld); reload it and apply your change again",
                          (long long)id, before->order_code, (long long)before->line_no,
                          (long long)before->version, (long long)version);
    return 0;
}

static const char SQL_UPDATE[] =
    "UPDATE orders SET ordered_at = ?, product_id = ?, quantity = ?, unit_price = ?, amount = ?, "
    "channel = ?, store = ?, version = version + 1 WHERE id = ? AND version = ?";

int store_order_update(struct db *db, const struct store_actor *who, struct order_line *o,
                       struct ok_err *err)
{
    struct order_line before, after;
    struct db_stmt *st;
    struct buf bj, aj;
    char when[20];
    int64_t product_id = 0;
    int rc = -1;
    memset(&before, 0, sizeof(before));
    memset(&after, 0, sizeof(after));
    buf_init(&bj, 0);
    buf_init(&aj, 0);
    if (db_begin(db, err) < 0)
        goto out;
    if (load_for_change(db, o->id, o->version, &before, err) < 0)
        goto fail;
    /* the stored identity with the edited values */
    after.id = before.id;
    after.version = before.version;
    after.line_no = before.line_no;
    set_copy(&after.order_code, before.order_code);
    set_copy(&after.customer_code, before.customer_code);
    set_copy(&after.original_code, before.original_code);
    set_copy(&after.ordered_at, o->ordered_at);
    set_copy(&after.product_sku, o->product_sku);
    set_copy(&after.channel, o->channel);
    set_copy(&after.store, o->store);
    after.quantity = o->quantity;
    after.has_unit_price = o->has_unit_price;
    after.unit_price = o->has_unit_price ? o->unit_price : 0;
    after.has_amount = o->has_amount;
    after.amount = o->has_amount ? o->amount : 0;
    if (order_validate(&after, when, err) < 0)
        goto fail;
    if (after.product_sku) {
        product_id =
            store_lookup_id(db, "SELECT id FROM products WHERE sku = ?", after.product_sku, err);
        if (product_id < 0)
            goto fail;
        if (product_id == 0) {
            ok_err_set(err, OK_ERR_INVALID, "no product with SKU '%s'", after.product_sku);
            ok_err_locate(err, "product", 0);
            goto fail;
        }
    }
    st = db_cached(db, SQL_UPDATE, err);
    if (!st)
        goto fail;
    db_bind_text(st, 1, when, (size_t)-1);
    product_id ? db_bind_i64(st, 2, product_id) : db_bind_null(st, 2);
    db_bind_i64(st, 3, after.quantity);
    after.has_unit_price ? db_bind_i64(st, 4, after.unit_price) : db_bind_null(st, 4);
    db_bind_i64(st, 5, after.amount);
    db_bind_text_or_null(st, 6, after.channel);
    db_bind_text_or_null(st, 7, after.store);
    db_bind_i64(st, 8, after.id);
    db_bind_i64(st, 9, after.version);
    if (db_step(st, err) < 0) {
        db_reset(st);
        goto fail;
    }
    db_reset(st);
    /* PostgreSQL at READ COMMITTED: another writer may have committed since the read above */
    if (db_changes(db) != 1) {
        ok_err_set(err, OK_ERR_CONFLICT,
                   "order line %lld was changed by someone else; reload it and try again",
                   (long long)after.id);
        goto fail;
    }
    after.version++;
    set_copy(&after.ordered_at, when);
    order_line_to_json(&before, &bj);
    order_line_to_json(&after, &aj);
    if (store_audit(db, who, "update", "order", after.id, bj.data, aj.data, err) < 0)
        goto fail;
    if (db_commit(db, err) < 0)
        goto fail;
    order_line_release(o);
    *o = after;
    memset(&after, 0, sizeof(after));
    rc = 0;
    goto out;
fail:
    db_rollback(db);
out:
    order_line_release(&before);
    order_line_release(&after);
    buf_release(&bj);
    buf_release(&aj);
    return rc;
}

static const char SQL_DELETE[] = "DELETE FROM orders WHERE id = ? AND version = ?";

int store_order_delete(struct db *db, const struct store_actor *who, int64_t id, int64_t version,
                       struct ok_err *err)
{
    struct order_line before;
    struct db_stmt *st;
    struct buf bj;
    int rc = -1;
    memset(&before, 0, sizeof(before));
    buf_init(&bj, 0);
    if (db_begin(db, err) < 0)
        goto out;
    if (load_for_change(db, id, version, &before, err) < 0)
        goto fail;
    st = db_cached(db, SQL_DELETE, err);
    if (!st)
        goto fail;
    db_bind_i64(st, 1, id);
    db_bind_i64(st, 2, version);
    if (db_step(st, err) < 0) {
        db_reset(st);
        goto fail;
    }
    db_reset(st);
    if (db_changes(db) != 1) {
        ok_err_set(err, OK_ERR_CONFLICT,
                   "order line %lld was changed by someone else; reload it and try again",
                   (long long)id);
        goto fail;
    }
    order_line_to_json(&before, &bj);
    if (store_audit(db, who, "delete", "order", id, bj.data, NULL, err) < 0)
        goto fail;
    if (db_commit(db, err) < 0)
        goto fail;
    rc = 0;
    goto out;
fail:
    db_rollback(db);
out:
    order_line_release(&before);
    buf_release(&bj);
    return rc;
}

int store_order_count(struct db *db, int64_t *lines, int64_t *orders, struct ok_err *err)
{
    if (lines && db_query_i64(db, "SELECT count(*) FROM orders", lines, err) < 0)
        return -1;
    if (orders &&
        db_query_i64(db, "SELECT count(DISTINCT order_code) FROM orders", orders, err) < 0)
        return -1;
    return 0;
}

void order_line_to_json(const struct order_line *o, struct buf *out)
{
    int first = 1;
    buf_putc(out, '{');
    json_out_field_i64(out, &first, "id", o->id);
    json_out_field_string(out, &first, "order_code", o->order_code);
    json_out_field_i64(out, &first, "line_no", o->line_no);
    json_out_field_string(out, &first, "customer_code", o->customer_code);
    json_out_field_string(out, &first, "ordered_at", o->ordered_at);
    json_out_field_string(out, &first, "product", o->product_sku);
    json_out_field_i64(out, &first, "quantity", o->quantity);
    if (o->has_unit_price)
        json_out_field_i64(out, &first, "unit_price", o->unit_price);
    else
        buf_puts(out, ",\"unit_price\":null");
    json_out_field_i64(out, &first, "amount", o->amount);
    json_out_field_string(out, &first, "channel", o->channel);
    json_out_field_string(out, &first, "store", o->store);
    json_out_field_string(out, &first, "original_code", o->original_code);
    json_out_field_i64(out, &first, "version", o->version);
    buf_putc(out, '}');
}
