/*
 * referral.c - storing and listing referrals.
 */
#include "store/referral.h"

#include <stdlib.h>
#include <string.h>

#include "core/json_out.h"
#include "store/fields.h"
#include "core/banned.h"

void referral_release(struct referral *r)
{
    char **const fields[] = {&r->code,          &r->referrer_code, &r->referred_code,
                             &r->prospect_name, &r->referred_on,   &r->trigger,
                             &r->created_at};
    store_fields_free(fields, (int)(sizeof(fields) / sizeof(fields[0])));
    memset(r, 0, sizeof(*r));
}

int store_referral_validate(struct referral *r, struct ok_err *err)
{
    if (store_check_text(r->code, "code", "referral code", 0, 64, err) < 0 ||
        store_check_text(r->referrer_code, "referrer_code", "referrer (customer code)", 1, 64,
                         err) < 0 ||
        store_check_text(r->referred_code, "referred_code", "referred customer code", 0, 64, err) <
            0 ||
        store_check_text(r->prospect_name, "prospect_name", "prospect name", 0, 200, err) < 0 ||
        store_norm_date(&r->referred_on, "referred_on", 1, NULL, err) < 0)
        return -1;
    if (!r->referred_code && !r->prospect_name)
        return store_invalid(err, "referred_code",
                             "say who was referred: a customer code, or the prospect's name");
    if (r->referred_code && !strcmp(r->referred_code, r->referrer_code))
        return store_invalid(err, "referred_code", "a customer cannot refer themselves");
    return 0;
}

void referral_to_json(const struct referral *r, struct buf *out)
{
    int first = 1;
    buf_putc(out, '{');
    json_out_field_i64(out, &first, "id", r->id);
    json_out_field_string(out, &first, "code", r->code);
    json_out_field_string(out, &first, "referrer_code", r->referrer_code);
    json_out_field_string(out, &first, "referred_code", r->referred_code);
    json_out_field_string(out, &first, "prospect_name", r->prospect_name);
    json_out_field_string(out, &first, "referred_on", r->referred_on);
    json_out_field_string(out, &first, "trigger", r->trigger);
    if (r->deal_id > 0)
        json_out_field_i64(out, &first, "deal_id", r->deal_id);
    else
        json_out_field_string(out, &first, "deal_id", NULL);
    json_out_field_string(out, &first, "created_at", r->created_at);
    buf_putc(out, '}');
}

#define SELECT_REFERRAL                                                                            \
    "SELECT r.id, r.code, a.code, b.code, r.prospect_name, r.referred_on, t.code, r.deal_id, "     \
    "r.created_at FROM referrals r JOIN customers a ON a.id = r.referrer_id "                      \
    "LEFT JOIN customers b ON b.id = r.referred_id LEFT JOIN triggers t ON t.id = r.trigger_id "

static void read_row(struct db_stmt *st, void *out)
{
    struct referral *r = out;
    r->id = db_column_i64(st, 0);
    r->code = db_column_strdup(st, 1);
    r->referrer_code = db_column_strdup(st, 2);
    r->referred_code = db_column_strdup(st, 3);
    r->prospect_name = db_column_strdup(st, 4);
    r->referred_on = db_column_strdup(st, 5);
    r->trigger = db_column_strdup(st, 6);
    r->deal_id = db_column_is_null(st, 7) ? 0 : db_column_i64(st, 7);
    r->created_at = db_column_strdup(st, 8);
}

static const char SQL_GET_BY_ID[] = SELECT_REFERRAL "WHERE r.id = ?";
static const char SQL_GET_BY_CODE[] = SELECT_REFERRAL "WHERE r.code = ?";

static const struct store_getter getter = {
    SQL_GET_BY_CODE, SQL_GET_BY_ID, "referral", "with code", "", read_row};

static int get_one(struct db *db, const char *code, int64_t id, struct referral *out,
                   struct ok_err *err)
{
    memset(out, 0, sizeof(*out));
    return store_get_row(db, &getter, code, id, out, err);
}

int store_referral_get_by_id(struct db *db, int64_t id, struct referral *out, struct ok_err *err)
{
    return get_one(db, NULL, id, out, err);
}

int store_referral_get(struct db *db, const char *code, struct referral *out, struct ok_err *err)
{
    return get_one(db, code ? code : "", 0, out, err);
}

struct referral_refs {
    int64_t referrer_id, referred_id, trigger_id;
};

static int resolve(struct db *db, struct referral *r, struct referral_refs *x, struct ok_err *err)
{
    x->referrer_id = store_ref_customer(db, r->referrer_code, "referrer_code", err);
    if (x->referrer_id < 0)
        return -1;
    x->referred_id = store_ref_customer(db, r->referred_code, "referred_code", err);
    if (x->referred_id < 0)
        return -1;
    x->trigger_id = store_ref_list_code(db, "triggers", &r->trigger, "trigger", err);
    if (x->trigger_id < 0)
        return -1;
    return store_ref_row(db, "deals", r->deal_id, "deal_id", err) < 0 ? -1 : 0;
}

static void bind_fields(struct db_stmt *st, const struct referral *r, const struct referral_refs *x)
{
    db_bind_text_or_null(st, 1, r->code);
    db_bind_i64(st, 2, x->referrer_id);
    store_bind_id(st, 3, x->referred_id);
    db_bind_text_or_null(st, 4, r->prospect_name);
    db_bind_text(st, 5, r->referred_on, (size_t)-1);
    store_bind_id(st, 6, x->trigger_id);
    store_bind_id(st, 7, r->deal_id);
}

static void code_conflict(struct ok_err *err, const struct referral *r)
{
    if (err && err->code == OK_ERR_CONFLICT) {
        ok_err_set(err, OK_ERR_CONFLICT, "a referral with code '%.64s' already exists",
                   r->code ? r->code : "");
        ok_err_locate(err, "code", 0);
    }
}

static const char SQL_INSERT[] =
    "INSERT INTO referrals(code, referrer_id, referred_id, prospect_name, referred_on, "
    "trigger_id, deal_id, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id";

int64_t store_referral_create(struct db *db, const struct store_actor *who, struct referral *r,
                              struct ok_err *err)
{
    struct referral_refs x;
    struct db_stmt *st = NULL;
    struct buf json;
    char now[20];
    int64_t id = -1;
    if (store_referral_validate(r, err) < 0)
        return -1;
    buf_init(&json, 0);
    if (db_begin(db, err) < 0)
        goto out;
    if (resolve(db, r, &x, err) < 0)
        goto fail;
    st = db_cached(db, SQL_INSERT, err);
    if (!st)
        goto fail;
    store_now_utc(now);
    bind_fields(st, r, &x);
    db_bind_text(st, 8, now, (size_t)-1);
    if (db_step(st, err) != DB_ROW) {
        code_conflict(err, r);
        goto fail;
    }
    id = db_column_i64(st, 0);
    db_reset(st);
    r->id = id;
    store_field_set(&r->created_at, now);
    referral_to_json(r, &json);
    if (store_audit(db, who, "create", "referral", id, NULL, json.data, err) < 0)
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
    "UPDATE referrals SET code = ?, referrer_id = ?, referred_id = ?, prospect_name = ?, "
    "referred_on = ?, trigger_id = ?, deal_id = ? WHERE id = ?";

int store_referral_update(struct db *db, const struct store_actor *who, struct referral *r,
                          struct ok_err *err)
{
    struct referral before;
    struct referral_refs x;
    struct db_stmt *st = NULL;
    struct buf bj, aj;
    int rc = -1;
    memset(&before, 0, sizeof(before));
    if (store_referral_validate(r, err) < 0)
        return -1;
    buf_init(&bj, 0);
    buf_init(&aj, 0);
    if (db_begin(db, err) < 0)
        goto out;
    if (store_referral_get_by_id(db, r->id, &before, err) < 0 || resolve(db, r, &x, err) < 0)
        goto fail;
    st = db_cached(db, SQL_UPDATE, err);
    if (!st)
        goto fail;
    bind_fields(st, r, &x);
    db_bind_i64(st, 8, r->id);
    if (db_step(st, err) < 0) {
        code_conflict(err, r);
        goto fail;
    }
    db_reset(st);
    store_field_set(&r->created_at, before.created_at);
    referral_to_json(&before, &bj);
    referral_to_json(r, &aj);
    if (store_audit(db, who, "update", "referral", r->id, bj.data, aj.data, err) < 0)
        goto fail;
    if (db_commit(db, err) < 0)
        goto fail;
    rc = 0;
    goto out;
fail:
    if (st)
        db_reset(st);
    db_rollback(db);
out:
    referral_release(&before);
    buf_release(&bj);
    buf_release(&aj);
    return rc;
}

int store_referral_list(struct db *db, const struct referral_query *q,
                        int (*fn)(void *ctx, const struct referral *r), void *ctx,
                        struct ok_err *err)
{
    struct buf sql;
    struct db_stmt *st = NULL;
    char *from = NULL, *to = NULL, *after_on = NULL;
    int64_t referrer_id, referred_id;
    int idx = 1, rc = -1, step;
    int limit = q->limit > 0 ? q->limit : 100;
    buf_init(&sql, 0);
    store_field_set(&from, q->from);
    store_field_set(&to, q->to);
    store_field_set(&after_on, q->after_on);
    if (store_norm_date(&from, "from", 0, NULL, err) < 0 ||
        store_norm_date(&to, "to", 0, NULL, err) < 0 ||
        store_norm_date(&after_on, "after_on", 0, NULL, err) < 0)
        goto out;
    referrer_id = store_ref_customer(db, q->referrer_code, "referrer_code", err);
    if (referrer_id < 0)
        goto out;
    referred_id = store_ref_customer(db, q->referred_code, "referred_code", err);
    if (referred_id < 0)
        goto out;
    buf_puts(&sql, SELECT_REFERRAL "WHERE 1=1");
    if (referrer_id)
        buf_puts(&sql, " AND r.referrer_id = ?");
    if (referred_id)
        buf_puts(&sql, " AND r.referred_id = ?");
    if (from)
        buf_puts(&sql, " AND r.referred_on >= ?");
    if (to)
        buf_puts(&sql, " AND r.referred_on <= ?");
    if (after_on)
        buf_puts(&sql, " AND (r.referred_on > ? OR (r.referred_on = ? AND r.id > ?))");
    buf_printf(&sql, " ORDER BY r.referred_on, r.id LIMIT %d", limit);
    st = db_prepare(db, sql.data, err);
    if (!st)
        goto out;
    if (referrer_id)
        db_bind_i64(st, idx++, referrer_id);
    if (referred_id)
        db_bind_i64(st, idx++, referred_id);
    if (from)
        db_bind_text(st, idx++, from, (size_t)-1);
    if (to)
        db_bind_text(st, idx++, to, (size_t)-1);
    if (after_on) {
        db_bind_text(st, idx++, after_on, (size_t)-1);
        db_bind_text(st, idx++, after_on, (size_t)-1);
        db_bind_i64(st, idx++, q->after_id);
    }
    while ((step = db_step(st, err)) == DB_ROW) {
        struct referral r;
        int stop;
        memset(&r, 0, sizeof(r));
        read_row(st, &r);
        stop = fn(ctx, &r);
        referral_release(&r);
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
    free(after_on);
    return rc;
}
