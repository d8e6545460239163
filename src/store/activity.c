/*
 * activity.c - recording and listing contacts with customers.
 */
#include "store/activity.h"

#include <stdlib.h>
#include <string.h>

#include "core/json_out.h"
#include "store/fields.h"
#include "core/banned.h"

const char *const activity_channels[] = {"phone", "email", "visit", "letter",
                                         "line",  "sms",   "other", NULL};
static const char *const directions[] = {"in", "out", NULL};

void activity_release(struct activity *a)
{
    char **const fields[] = {&a->code,    &a->customer_code, &a->user_login, &a->occurred_at,
                             &a->channel, &a->direction,     &a->subject,    &a->body,
                             &a->outcome, &a->created_at};
    store_fields_free(fields, (int)(sizeof(fields) / sizeof(fields[0])));
    memset(a, 0, sizeof(*a));
}

int store_activity_validate(struct activity *a, struct ok_err *err)
{
    if (store_check_text(a->code, "code", "activity code", 0, 64, err) < 0 ||
        store_check_text(a->customer_code, "customer_code", "customer code", 1, 64, err) < 0 ||
        store_norm_datetime(&a->occurred_at, "occurred_at", 1, err) < 0 ||
        store_check_enum(a->channel, "channel", activity_channels, 1, err) < 0 ||
        store_check_enum(a->direction, "direction", directions, 0, err) < 0 ||
        store_check_text(a->subject, "subject", "subject", 0, 500, err) < 0 ||
        store_check_text(a->body, "body", "body", 0, 100000, err) < 0 ||
        store_check_text(a->outcome, "outcome", "outcome", 0, 2000, err) < 0)
        return -1;
    return 0;
}

void activity_to_json(const struct activity *a, struct buf *out)
{
    int first = 1;
    buf_putc(out, '{');
    json_out_field_i64(out, &first, "id", a->id);
    json_out_field_string(out, &first, "code", a->code);
    json_out_field_string(out, &first, "customer_code", a->customer_code);
    json_out_field_string(out, &first, "user", a->user_login);
    json_out_field_string(out, &first, "occurred_at", a->occurred_at);
    json_out_field_string(out, &first, "channel", a->channel);
    json_out_field_string(out, &first, "direction", a->direction ? a->direction : "out");
    json_out_field_string(out, &first, "subject", a->subject ? a->subject : "");
    json_out_field_string(out, &first, "body", a->body ? a->body : "");
    json_out_field_string(out, &first, "outcome", a->outcome);
    if (a->deal_id > 0)
        json_out_field_i64(out, &first, "deal_id", a->deal_id);
    else
        json_out_field_string(out, &first, "deal_id", NULL);
    if (a->task_id > 0)
        json_out_field_i64(out, &first, "task_id", a->task_id);
    else
        json_out_field_string(out, &first, "task_id", NULL);
    json_out_field_string(out, &first, "created_at", a->created_at);
    buf_putc(out, '}');
}

#define SELECT_ACTIVITY                                                                            \
    "SELECT a.id, a.code, c.code, u.login, a.occurred_at, a.channel, a.direction, a.subject, "     \
    "a.body, a.outcome, a.deal_id, a.task_id, a.created_at FROM activities a "                     \
    "JOIN customers c ON c.id = a.customer_id LEFT JOIN users u ON u.id = a.user_id "

static void read_row(struct db_stmt *st, void *out)
{
    struct activity *a = out;
    a->id = db_column_i64(st, 0);
    a->code = db_column_strdup(st, 1);
    a->customer_code = db_column_strdup(st, 2);
    a->user_login = db_column_strdup(st, 3);
    a->occurred_at = db_column_strdup(st, 4);
    a->channel = db_column_strdup(st, 5);
    a->direction = db_column_strdup(st, 6);
    a->subject = db_column_strdup(st, 7);
    a->body = db_column_strdup(st, 8);
    a->outcome = db_column_strdup(st, 9);
    a->deal_id = db_column_is_null(st, 10) ? 0 : db_column_i64(st, 10);
    a->task_id = db_column_is_null(st, 11) ? 0 : db_column_i64(st, 11);
    a->created_at = db_column_strdup(st, 12);
}

static const char SQL_GET_BY_ID[] = SELECT_ACTIVITY "WHERE a.id = ?";
static const char SQL_GET_BY_CODE[] = SELECT_ACTIVITY "WHERE a.code = ?";

static const struct store_getter getter = {
    SQL_GET_BY_CODE, SQL_GET_BY_ID, "activity", "with code", "", read_row};

static int get_one(struct db *db, const char *code, int64_t id, struct activity *out,
                   struct ok_err *err)
{
    memset(out, 0, sizeof(*out));
    return store_get_row(db, &getter, code, id, out, err);
}

int store_activity_get_by_id(struct db *db, int64_t id, struct activity *out, struct ok_err *err)
{
    return get_one(db, NULL, id, out, err);
}

int store_activity_get(struct db *db, const char *code, struct activity *out, struct ok_err *err)
{
    return get_one(db, code ? code : "", 0, out, err);
}

static const char SQL_INSERT[] =
    "INSERT INTO activities(code, customer_id, user_id, occurred_at, channel, direction, "
    "subject, body, outcome, deal_id, task_id, created_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id";

int64_t store_activity_create(struct db *db, const struct store_actor *who, struct activity *a,
                              struct ok_err *err)
{
    struct db_stmt *st = NULL;
    struct buf json;
    char now[20];
    int64_t id = -1, customer_id, user_id;
    if (store_activity_validate(a, err) < 0)
        return -1;
    buf_init(&json, 0);
    if (db_begin(db, err) < 0)
        goto out;
    customer_id = store_ref_customer(db, a->customer_code, "customer_code", err);
    if (customer_id < 0)
        goto fail;
    user_id = store_ref_user(db, a->user_login, "user", err);
    if (user_id < 0 || store_ref_row(db, "deals", a->deal_id, "deal_id", err) < 0 ||
        store_ref_row(db, "tasks", a->task_id, "task_id", err) < 0)
        goto fail;
    st = db_cached(db, SQL_INSERT, err);
    if (!st)
        goto fail;
    store_now_utc(now);
    db_bind_text_or_null(st, 1, a->code);
    db_bind_i64(st, 2, customer_id);
    store_bind_id(st, 3, user_id);
    db_bind_text(st, 4, a->occurred_at, (size_t)-1);
    db_bind_text(st, 5, a->channel, (size_t)-1);
    db_bind_text(st, 6, a->direction ? a->direction : "out", (size_t)-1);
    db_bind_text(st, 7, a->subject ? a->subject : "", (size_t)-1);
    db_bind_text(st, 8, a->body ? a->body : "", (size_t)-1);
    db_bind_text_or_null(st, 9, a->outcome);
    store_bind_id(st, 10, a->deal_id);
    store_bind_id(st, 11, a->task_id);
    db_bind_text(st, 12, now, (size_t)-1);
    if (db_step(st, err) != DB_ROW) {
        if (err && err->code == OK_ERR_CONFLICT) {
            ok_err_set(err, OK_ERR_CONFLICT, "an activity with code '%.64s' already exists",
                       a->code);
            ok_err_locate(err, "code", 0);
        }
        goto fail;
    }
    id = db_column_i64(st, 0);
    db_reset(st);
    a->id = id;
    store_field_set(&a->created_at, now);
    activity_to_json(a, &json);
    if (store_audit(db, who, "create", "activity", id, NULL, json.data, err) < 0)
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

static const char SQL_DELETE[] = "DELETE FROM activities WHERE id = ?";

int store_activity_delete(struct db *db, const struct store_actor *who, int64_t id,
                          struct ok_err *err)
{
    struct activity before;
    struct db_stmt *st = NULL;
    struct buf json;
    int rc = -1;
    memset(&before, 0, sizeof(before));
    buf_init(&json, 0);
    if (db_begin(db, err) < 0)
        goto out;
    if (store_activity_get_by_id(db, id, &before, err) < 0)
        goto fail;
    st = db_cached(db, SQL_DELETE, err);
    if (!st)
        goto fail;
    db_bind_i64(st, 1, id);
    if (db_step(st, err) < 0)
        goto fail;
    db_reset(st);
    activity_to_json(&before, &json);
    if (store_audit(db, who, "delete", "activity", id, json.data, NULL, err) < 0)
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
    activity_release(&before);
    buf_release(&json);
    return rc;
}

int store_activity_list(struct db *db, const struct activity_query *q,
                        int (*fn)(void *ctx, const struct activity *a), void *ctx,
                        struct ok_err *err)
{
    struct buf sql;
    struct db_stmt *st = NULL;
    char *since = NULL, *until = NULL, *before_at = NULL;
    int64_t customer_id = 0, user_id = 0;
    int idx = 1, rc = -1, step;
    int limit = q->limit > 0 ? q->limit : 100;
    buf_init(&sql, 0);
    store_field_set(&since, q->since);
    store_field_set(&until, q->until);
    store_field_set(&before_at, q->before_at);
    if (store_norm_datetime(&since, "since", 0, err) < 0 ||
        store_norm_datetime(&until, "until", 0, err) < 0 ||
        store_norm_datetime(&before_at, "before_at", 0, err) < 0 ||
        store_check_enum(q->channel, "channel", activity_channels, 0, err) < 0)
        goto out;
    customer_id = store_ref_customer(db, q->customer_code, "customer_code", err);
    if (customer_id < 0)
        goto out;
    user_id = store_ref_user(db, q->user_login, "user", err);
    if (user_id < 0)
        goto out;
    buf_puts(&sql, SELECT_ACTIVITY "WHERE 1=1");
    if (customer_id)
        buf_puts(&sql, " AND a.customer_id = ?");
    if (user_id)
        buf_puts(&sql, " AND a.user_id = ?");
    if (q->channel && *q->channel)
        buf_puts(&sql, " AND a.channel = ?");
    if (q->deal_id > 0)
        buf_puts(&sql, " AND a.deal_id = ?");
    if (since)
        buf_puts(&sql, " AND a.occurred_at >= ?");
    if (until)
        buf_puts(&sql, " AND a.occurred_at < ?");
    if (before_at)
        buf_puts(&sql, " AND (a.occurred_at < ? OR (a.occurred_at = ? AND a.id < ?))");
    buf_printf(&sql, " ORDER BY a.occurred_at DESC, a.id DESC LIMIT %d", limit);
    st = db_prepare(db, sql.data, err);
    if (!st)
        goto out;
    if (customer_id)
        db_bind_i64(st, idx++, customer_id);
    if (user_id)
        db_bind_i64(st, idx++, user_id);
    if (q->channel && *q->channel)
        db_bind_text(st, idx++, q->channel, (size_t)-1);
    if (q->deal_id > 0)
        db_bind_i64(st, idx++, q->deal_id);
    if (since)
        db_bind_text(st, idx++, since, (size_t)-1);
    if (until)
        db_bind_text(st, idx++, until, (size_t)-1);
    if (before_at) {
        db_bind_text(st, idx++, before_at, (size_t)-1);
        db_bind_text(st, idx++, before_at, (size_t)-1);
        db_bind_i64(st, idx++, q->before_id > 0 ? q->before_id : INT64_MAX);
    }
    while ((step = db_step(st, err)) == DB_ROW) {
        struct activity a;
        int stop;
        memset(&a, 0, sizeof(a));
        read_row(st, &a);
        stop = fn(ctx, &a);
        activity_release(&a);
        if (stop)
            break;
    }
    if (step < 0)
        goto out;
    rc = 0;
out:
    db_stmt_free(&st);
    buf_release(&sql);
    free(since);
    free(until);
    free(before_at);
    return rc;
}
