/*
 * contract.c - storing contracts, renewals and their ends.
 */
#include "store/contract.h"

#include <stdlib.h>
#include <string.h>

#include "core/json_out.h"
#include "store/fields.h"
#include "core/banned.h"

void contract_release(struct contract *c)
{
    char **const fields[] = {&c->code,   &c->customer_code, &c->product_sku, &c->start_on,
                             &c->end_on, &c->end_reason,    &c->end_note,    &c->created_at};
    store_fields_free(fields, (int)(sizeof(fields) / sizeof(fields[0])));
    memset(c, 0, sizeof(*c));
}

int store_contract_validate(struct contract *c, struct ok_err *err)
{
    int32_t start = 0, end = 0;
    if (store_check_text(c->code, "code", "contract code", 0, 64, err) < 0 ||
        store_check_text(c->customer_code, "customer_code", "customer code", 1, 64, err) < 0 ||
        store_norm_date(&c->start_on, "start_on", 1, &start, err) < 0 ||
        store_norm_date(&c->end_on, "end_on", 1, &end, err) < 0 ||
        store_check_text(c->end_note, "end_note", "end note", 0, 2000, err) < 0)
        return -1;
    if (end < start)
        return store_invalid(err, "end_on", "the contract ends (%s) before it starts (%s)",
                             c->end_on, c->start_on);
    if (c->amount < 0)
        return store_invalid(err, "amount", "amount %lld is negative; give the amount per term",
                             (long long)c->amount);
    return 0;
}

void contract_to_json(const struct contract *c, struct buf *out)
{
    int first = 1;
    buf_putc(out, '{');
    json_out_field_i64(out, &first, "id", c->id);
    json_out_field_string(out, &first, "code", c->code);
    json_out_field_string(out, &first, "customer_code", c->customer_code);
    json_out_field_string(out, &first, "product", c->product_sku);
    json_out_field_string(out, &first, "start_on", c->start_on);
    json_out_field_string(out, &first, "end_on", c->end_on);
    json_out_field_i64(out, &first, "amount", c->amount);
    if (c->renewed_from > 0)
        json_out_field_i64(out, &first, "renewed_from", c->renewed_from);
    else
        json_out_field_string(out, &first, "renewed_from", NULL);
    json_out_field_string(out, &first, "end_reason", c->end_reason);
    json_out_field_string(out, &first, "end_note", c->end_note);
    json_out_field_string(out, &first, "created_at", c->created_at);
    buf_putc(out, '}');
}

#define SELECT_CONTRACT                                                                            \
    "SELECT k.id, k.code, c.code, p.sku, k.start_on, k.end_on, k.amount, k.renewed_from, "         \
    "r.code, k.end_note, k.created_at FROM contracts k JOIN customers c ON c.id = k.customer_id "  \
    "LEFT JOIN products p ON p.id = k.product_id LEFT JOIN causes r ON r.id = k.end_reason_id "

static void read_row(struct db_stmt *st, void *out)
{
    struct contract *c = out;
    c->id = db_column_i64(st, 0);
    c->code = db_column_strdup(st, 1);
    c->customer_code = db_column_strdup(st, 2);
    c->product_sku = db_column_strdup(st, 3);
    c->start_on = db_column_strdup(st, 4);
    c->end_on = db_column_strdup(st, 5);
    c->amount = db_column_i64(st, 6);
    c->renewed_from = db_column_is_null(st, 7) ? 0 : db_column_i64(st, 7);
    c->end_reason = db_column_strdup(st, 8);
    c->end_note = db_column_strdup(st, 9);
    c->created_at = db_column_strdup(st, 10);
}

static const char SQL_GET_BY_ID[] = SELECT_CONTRACT "WHERE k.id = ?";
static const char SQL_GET_BY_CODE[] = SELECT_CONTRACT "WHERE k.code = ?";

static const struct store_getter getter = {
    SQL_GET_BY_CODE, SQL_GET_BY_ID, "contract", "with code", "", read_row};

static int get_one(struct db *db, const char *code, int64_t id, struct contract *out,
                   struct ok_err *err)
{
    memset(out, 0, sizeof(*out));
    return store_get_row(db, &getter, code, id, out, err);
}

int store_contract_get_by_id(struct db *db, int64_t id, struct contract *out, struct ok_err *err)
{
    return get_one(db, NULL, id, out, err);
}

int store_contract_get(struct db *db, const char *code, struct contract *out, struct ok_err *err)
{
    return get_one(db, code ? code : "", 0, out, err);
}

struct contract_refs {
    int64_t customer_id, product_id, reason_id;
};

static int resolve(struct db *db, struct contract *c, struct contract_refs *r, struct ok_err *err)
{
    r->customer_id = store_ref_customer(db, c->customer_code, "customer_code", err);
    if (r->customer_id < 0)
        return -1;
    r->product_id = store_ref_product(db, c->product_sku, "product", err);
    if (r->product_id < 0)
        return -1;
    r->reason_id = store_ref_list_code(db, "causes", &c->end_reason, "end_reason", err);
    if (r->reason_id < 0)
        return -1;
    if (c->renewed_from > 0) {
        struct contract prev;
        int same;
        if (c->renewed_from == c->id)
            return store_invalid(err, "renewed_from", "a contract cannot renew itself");
        if (store_contract_get_by_id(db, c->renewed_from, &prev, err) < 0) {
            ok_err_locate(err, "renewed_from", 0);
            if (err)
                err->code = OK_ERR_INVALID;
            return -1;
        }
        same = !strcmp(prev.customer_code, c->customer_code);
        contract_release(&prev);
        if (!same)
            return store_invalid(err, "renewed_from",
                                 "contract %lld belongs to another customer than %s",
                                 (long long)c->renewed_from, c->customer_code);
    }
    return 0;
}

static void bind_fields(struct db_stmt *st, const struct contract *c, const struct contract_refs *r)
{
    db_bind_text_or_null(st, 1, c->code);
    db_bind_i64(st, 2, r->customer_id);
    store_bind_id(st, 3, r->product_id);
    db_bind_text(st, 4, c->start_on, (size_t)-1);
    db_bind_text(st, 5, c->end_on, (size_t)-1);
    db_bind_i64(st, 6, c->amount);
    store_bind_id(st, 7, c->renewed_from);
    store_bind_id(st, 8, r->reason_id);
    db_bind_text_or_null(st, 9, c->end_note);
}

static int code_conflict(struct ok_err *err, const struct contract *c)
{
    if (err && err->code == OK_ERR_CONFLICT) {
        ok_err_set(err, OK_ERR_CONFLICT, "a contract with code '%.64s' already exists",
                   c->code ? c->code : "");
        ok_err_locate(err, "code", 0);
    }
    return -1;
}

static const char SQL_INSERT[] =
    "INSERT INTO contracts(code, customer_id, product_id, start_on, end_on, amount, "
    "renewed_from, end_reason_id, end_note, created_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id";
static const char SQL_RENEWED[] = "SELECT id FROM contracts WHERE renewed_from = ?";

int64_t store_contract_create(struct db *db, const struct store_actor *who, struct contract *c,
                              struct ok_err *err)
{
    struct contract_refs r;
    struct db_stmt *st = NULL;
    struct buf json;
    char now[20];
    int64_t id = -1;
    if (store_contract_validate(c, err) < 0)
        return -1;
    buf_init(&json, 0);
    if (db_begin(db, err) < 0)
        goto out;
    if (resolve(db, c, &r, err) < 0)
        goto fail;
    if (c->renewed_from > 0) {
        struct db_stmt *q = db_cached(db, SQL_RENEWED, err);
        int step;
        int64_t by = 0;
        if (!q)
            goto fail;
        db_bind_i64(q, 1, c->renewed_from);
        step = db_step(q, err);
        if (step == DB_ROW)
            by = db_column_i64(q, 0);
        db_reset(q);
        if (step < 0)
            goto fail;
        if (by > 0) {
            ok_err_set(err, OK_ERR_CONFLICT, "contract %lld was already renewed by contract %lld",
                       (long long)c->renewed_from, (long long)by);
            ok_err_locate(err, "renewed_from", 0);
            goto fail;
        }
    }
    st = db_cached(db, SQL_INSERT, err);
    if (!st)
        goto fail;
    store_now_utc(now);
    bind_fields(st, c, &r);
    db_bind_text(st, 10, now, (size_t)-1);
    if (db_step(st, err) != DB_ROW) {
        code_conflict(err, c);
        goto fail;
    }
    id = db_column_i64(st, 0);
    db_reset(st);
    c->id = id;
    store_field_set(&c->created_at, now);
    contract_to_json(c, &json);
    if (store_audit(db, who, "create", "contract", id, NULL, json.data, err) < 0)
        goto fail;
    if (db_commit(db, err) < 0)
        goto fail;
    goto out;
fail:
    if (st)
        db_reset(st);
    db_rollback(db);
    id = -1;
out:
    buf_release(&json);
    return id;
}

static const char SQL_UPDATE[] =
    "UPDATE contracts SET code = ?, customer_id = ?, product_id = ?, start_on = ?, end_on = ?, "
    "amount = ?, renewed_from = ?, end_reason_id = ?, end_note = ? WHERE id = ?";

/* Writes c over its row and audits; runs inside the caller's transaction. */
static int write_contract(struct db *db, const struct store_actor *who, const char *action,
                          const struct contract *before, struct contract *c, struct ok_err *err)
{
    struct contract_refs r;
    struct db_stmt *st;
    struct buf bj, aj;
    int rc = -1;
    buf_init(&bj, 0);
    buf_init(&aj, 0);
    if (store_contract_validate(c, err) < 0 || resolve(db, c, &r, err) < 0)
        goto out;
    st = db_cached(db, SQL_UPDATE, err);
    if (!st)
        goto out;
    bind_fields(st, c, &r);
    db_bind_i64(st, 10, c->id);
    if (db_step(st, err) < 0) {
        db_reset(st);
        code_conflict(err, c);
        goto out;
    }
    db_reset(st);
    store_field_set(&c->created_at, before->created_at);
    contract_to_json(before, &bj);
    contract_to_json(c, &aj);
    if (store_audit(db, who, action, "contract", c->id, bj.data, aj.data, err) < 0)
        goto out;
    rc = 0;
out:
    buf_release(&bj);
    buf_release(&aj);
    return rc;
}

int store_contract_update(struct db *db, const struct store_actor *who, struct contract *c,
                          struct ok_err *err)
{
    struct contract before;
    int rc = -1;
    memset(&before, 0, sizeof(before));
    if (store_contract_validate(c, err) < 0)
        return -1;
    if (db_begin(db, err) < 0)
        return -1;
    if (store_contract_get_by_id(db, c->id, &before, err) < 0 ||
        write_contract(db, who, "update", &before, c, err) < 0)
        goto fail;
    if (db_commit(db, err) < 0)
        goto fail;
    rc = 0;
    goto out;
fail:
    db_rollback(db);
out:
    contract_release(&before);
    return rc;
}

int64_t store_contract_renew(struct db *db, const struct store_actor *who, int64_t id,
                             struct contract *next, struct ok_err *err)
{
    struct contract prev;
    int64_t new_id = -1;
    if (db_begin(db, err) < 0)
        return -1;
    if (store_contract_get_by_id(db, id, &prev, err) < 0)
        goto fail;
    if (!next->customer_code)
        store_field_set(&next->customer_code, prev.customer_code);
    if (!next->product_sku)
        store_field_set(&next->product_sku, prev.product_sku);
    next->renewed_from = id;
    new_id = store_contract_create(db, who, next, err);
    if (new_id < 0)
        goto fail;
    if (db_commit(db, err) < 0)
        goto fail;
    goto out;
fail:
    db_rollback(db);
    new_id = -1;
out:
    contract_release(&prev);
    return new_id;
}

int store_contract_end(struct db *db, const struct store_actor *who, int64_t id, const char *reason,
                       const char *note, const char *end_on, struct ok_err *err)
{
    struct contract before, after;
    int rc = -1;
    memset(&before, 0, sizeof(before));
    memset(&after, 0, sizeof(after));
    if (!reason || !*reason)
        return store_invalid(err, "end_reason",
                             "an end reason is required (a cause code such as price or "
                             "moved_away)");
    if (db_begin(db, err) < 0)
        return -1;
    if (store_contract_get_by_id(db, id, &before, err) < 0 ||
        store_contract_get_by_id(db, id, &after, err) < 0)
        goto fail;
    store_field_set(&after.end_reason, reason);
    store_field_set(&after.end_note, note);
    if (end_on && *end_on)
        store_field_set(&after.end_on, end_on);
    if (write_contract(db, who, "end", &before, &after, err) < 0)
        goto fail;
    if (db_commit(db, err) < 0)
        goto fail;
    rc = 0;
    goto out;
fail:
    db_rollback(db);
out:
    contract_release(&before);
    contract_release(&after);
    return rc;
}

int store_contract_list(struct db *db, const struct contract_query *q,
                        int (*fn)(void *ctx, const struct contract *c), void *ctx,
                        struct ok_err *err)
{
    struct buf sql;
    struct db_stmt *st = NULL;
    char *from = NULL, *to = NULL, *after_end = NULL;
    int64_t customer_id;
    int idx = 1, rc = -1, step;
    int limit = q->limit > 0 ? q->limit : 100;
    buf_init(&sql, 0);
    store_field_set(&from, q->ending_from);
    store_field_set(&to, q->ending_to);
    store_field_set(&after_end, q->after_end);
    if (store_norm_date(&from, "ending_from", 0, NULL, err) < 0 ||
        store_norm_date(&to, "ending_to", 0, NULL, err) < 0 ||
        store_norm_date(&after_end, "after_end", 0, NULL, err) < 0)
        goto out;
    customer_id = store_ref_customer(db, q->customer_code, "customer_code", err);
    if (customer_id < 0)
        goto out;
    buf_puts(&sql, SELECT_CONTRACT "WHERE 1=1");
    if (customer_id)
        buf_puts(&sql, " AND k.customer_id = ?");
    if (from)
        buf_puts(&sql, " AND k.end_on >= ?");
    if (to)
        buf_puts(&sql, " AND k.end_on <= ?");
    if (q->open_only)
        buf_puts(&sql, " AND k.end_reason_id IS NULL AND NOT EXISTS (SELECT 1 FROM contracts n "
                       "WHERE n.renewed_from = k.id)");
    if (after_end)
        buf_puts(&sql, " AND (k.end_on > ? OR (k.end_on = ? AND k.id > ?))");
    buf_printf(&sql, " ORDER BY k.end_on, k.id LIMIT %d", limit);
    st = db_prepare(db, sql.data, err);
    if (!st)
        goto out;
    if (customer_id)
        db_bind_i64(st, idx++, customer_id);
    if (from)
        db_bind_text(st, idx++, from, (size_t)-1);
    if (to)
        db_bind_text(st, idx++, to, (size_t)-1);
    if (after_end) {
        db_bind_text(st, idx++, after_end, (size_t)-1);
        db_bind_text(st, idx++, after_end, (size_t)-1);
        db_bind_i64(st, idx++, q->after_id);
    }
    while ((step = db_step(st, err)) == DB_ROW) {
        struct contract c;
        int stop;
        memset(&c, 0, sizeof(c));
        read_row(st, &c);
        stop = fn(ctx, &c);
        contract_release(&c);
        if (stop)
            break;
    }
    if (step < 0)
        goto out;
    rc = 0;
out:
    db_stmt_free(&st);
    buf_release(&sql);
    free(from);
    free(to);
    free(after_end);
    return rc;
}
