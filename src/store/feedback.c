/*
 * feedback.c - storing and listing customer feedback.
 */
#include "store/feedback.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/json_out.h"
#include "store/fields.h"
#include "core/banned.h"

const char *const feedback_kinds[] = {"need",        "complaint",    "idea",
                                      "testimonial", "satisfaction", NULL};

void feedback_release(struct feedback *f)
{
    char **const fields[] = {&f->code, &f->customer_code, &f->kind,
                             &f->text, &f->received_on,   &f->created_at};
    store_fields_free(fields, (int)(sizeof(fields) / sizeof(fields[0])));
    memset(f, 0, sizeof(*f));
    f->score = -1;
}

int store_feedback_validate(struct feedback *f, struct ok_err *err)
{
    if (store_check_text(f->code, "code", "feedback code", 0, 64, err) < 0 ||
        store_check_text(f->customer_code, "customer_code", "customer code", 1, 64, err) < 0 ||
        store_check_enum(f->kind, "kind", feedback_kinds, 1, err) < 0 ||
        store_check_text(f->text, "text", "feedback text", 0, 100000, err) < 0 ||
        store_norm_date(&f->received_on, "received_on", 1, NULL, err) < 0)
        return -1;
    if (f->score < -1 || f->score > 10)
        return store_invalid(err, "score", "score %d is out of range; use 0 to 10, or none",
                             f->score);
    if (!strcmp(f->kind, "satisfaction") && f->score < 0)
        return store_invalid(err, "score", "a satisfaction entry needs a score from 0 to 10");
    if (strcmp(f->kind, "satisfaction") && !f->text)
        return store_invalid(err, "text", "a %s needs its text: what the customer said", f->kind);
    return 0;
}

void feedback_to_json(const struct feedback *f, struct buf *out)
{
    int first = 1;
    buf_putc(out, '{');
    json_out_field_i64(out, &first, "id", f->id);
    json_out_field_string(out, &first, "code", f->code);
    json_out_field_string(out, &first, "customer_code", f->customer_code);
    json_out_field_string(out, &first, "kind", f->kind);
    if (f->score >= 0)
        json_out_field_i64(out, &first, "score", f->score);
    else
        json_out_field_string(out, &first, "score", NULL);
    json_out_field_string(out, &first, "text", f->text ? f->text : "");
    json_out_field_string(out, &first, "received_on", f->received_on);
    json_out_field_string(out, &first, "created_at", f->created_at);
    buf_putc(out, '}');
}

#define SELECT_FEEDBACK                                                                            \
    "SELECT f.id, f.code, c.code, f.kind, f.score, f.text, f.received_on, f.created_at "           \
    "FROM feedback f JOIN customers c ON c.id = f.customer_id "

static void read_row(struct db_stmt *st, void *out)
{
    struct feedback *f = out;
    f->id = db_column_i64(st, 0);
    f->code = db_column_strdup(st, 1);
    f->customer_code = db_column_strdup(st, 2);
    f->kind = db_column_strdup(st, 3);
    f->score = db_column_is_null(st, 4) ? -1 : (int)db_column_i64(st, 4);
    f->text = db_column_strdup(st, 5);
    f->received_on = db_column_strdup(st, 6);
    f->created_at = db_column_strdup(st, 7);
}

static const char SQL_GET_BY_ID[] = SELECT_FEEDBACK "WHERE f.id = ?";
static const char SQL_GET_BY_CODE[] = SELECT_FEEDBACK "WHERE f.code = ?";

static const struct store_getter getter = {
    SQL_GET_BY_CODE, SQL_GET_BY_ID, "feedback", "with code", "", read_row};

static int get_one(struct db *db, const char *code, int64_t id, struct feedback *out,
                   struct ok_err *err)
{
    memset(out, 0, sizeof(*out));
    out->score = -1;
    return store_get_row(db, &getter, code, id, out, err);
}

int store_feedback_get_by_id(struct db *db, int64_t id, struct feedback *out, struct ok_err *err)
{
    return get_one(db, NULL, id, out, err);
}

int store_feedback_get(struct db *db, const char *code, struct feedback *out, struct ok_err *err)
{
    return get_one(db, code ? code : "", 0, out, err);
}

static const char SQL_INSERT[] =
    "INSERT INTO feedback(code, customer_id, kind, score, text, received_on, created_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id";

int64_t store_feedback_create(struct db *db, const struct store_actor *who, struct feedback *f,
                              struct ok_err *err)
{
    struct db_stmt *st = NULL;
    struct buf json;
    char now[20];
    int64_t id = -1, customer_id;
    if (store_feedback_validate(f, err) < 0)
        return -1;
    buf_init(&json, 0);
    if (db_begin(db, err) < 0)
        goto out;
    customer_id = store_ref_customer(db, f->customer_code, "customer_code", err);
    if (customer_id < 0)
        goto fail;
    st = db_cached(db, SQL_INSERT, err);
    if (!st)
        goto fail;
    store_now_utc(now);
    db_bind_text_or_null(st, 1, f->code);
    db_bind_i64(st, 2, customer_id);
    db_bind_text(st, 3, f->kind, (size_t)-1);
    if (f->score >= 0)
        db_bind_i64(st, 4, f->score);
    else
        db_bind_null(st, 4);
    db_bind_text(st, 5, f->text ? f->text : "", (size_t)-1);
    db_bind_text(st, 6, f->received_on, (size_t)-1);
    db_bind_text(st, 7, now, (size_t)-1);
    if (db_step(st, err) != DB_ROW) {
        if (err && err->code == OK_ERR_CONFLICT) {
            ok_err_set(err, OK_ERR_CONFLICT, "feedback with code '%.64s' already exists",
                       f->code ? f->code : "");
            ok_err_locate(err, "code", 0);
        }
        goto fail;
    }
    id = db_column_i64(st, 0);
    db_reset(st);
    f->id = id;
    store_field_set(&f->created_at, now);
    feedback_to_json(f, &json);
    if (store_audit(db, who, "create", "feedback", id, NULL, json.data, err) < 0)
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

static const char SQL_DELETE[] = "DELETE FROM feedback WHERE id = ?";

int store_feedback_delete(struct db *db, const struct store_actor *who, int64_t id,
                          struct ok_err *err)
{
    struct feedback before;
    struct db_stmt *st = NULL;
    struct buf json;
    int rc = -1;
    memset(&before, 0, sizeof(before));
    buf_init(&json, 0);
    if (db_begin(db, err) < 0)
        goto out;
    if (store_feedback_get_by_id(db, id, &before, err) < 0)
        goto fail;
    st = db_cached(db, SQL_DELETE, err);
    if (!st)
        goto fail;
    db_bind_i64(st, 1, id);
    if (db_step(st, err) < 0)
        goto fail;
    db_reset(st);
    feedback_to_json(&before, &json);
    if (store_audit(db, who, "delete", "feedback", id, json.data, NULL, err) < 0)
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
    feedback_release(&before);
    buf_release(&json);
    return rc;
}

/* The WHERE clause of a query, its normalised dates and resolved customer. */
struct filter {
    char *from, *to, *before_on;
    int64_t customer_id;
};

static int filter_build(struct db *db, const struct feedback_query *q, struct filter *f,
                        struct buf *sql, struct ok_err *err)
{
    memset(f, 0, sizeof(*f));
    store_field_set(&f->from, q->from);
    store_field_set(&f->to, q->to);
    store_field_set(&f->before_on, q->before_on);
    if (store_norm_date(&f->from, "from", 0, NULL, err) < 0 ||
        store_norm_date(&f->to, "to", 0, NULL, err) < 0 ||
        store_norm_date(&f->before_on, "before_on", 0, NULL, err) < 0 ||
        store_check_enum(q->kind, "kind", feedback_kinds, 0, err) < 0)
        return -1;
    f->customer_id = store_ref_customer(db, q->customer_code, "customer_code", err);
    if (f->customer_id < 0)
        return -1;
    if (f->customer_id)
        buf_puts(sql, " AND f.customer_id = ?");
    if (q->kind && *q->kind)
        buf_puts(sql, " AND f.kind = ?");
    if (f->from)
        buf_puts(sql, " AND f.received_on >= ?");
    if (f->to)
        buf_puts(sql, " AND f.received_on <= ?");
    return 0;
}

static int filter_bind(struct db_stmt *st, const struct feedback_query *q, const struct filter *f)
{
    int idx = 1;
    if (f->customer_id)
        db_bind_i64(st, idx++, f->customer_id);
    if (q->kind && *q->kind)
        db_bind_text(st, idx++, q->kind, (size_t)-1);
    if (f->from)
        db_bind_text(st, idx++, f->from, (size_t)-1);
    if (f->to)
        db_bind_text(st, idx++, f->to, (size_t)-1);
    return idx;
}

static void filter_release(struct filter *f)
{
    free(f->from);
    free(f->to);
    free(f->before_on);
}

int store_feedback_list(struct db *db, const struct feedback_query *q,
                        int (*fn)(void *ctx, const struct feedback *f), void *ctx,
                        struct ok_err *err)
{
    struct buf sql;
    struct db_stmt *st = NULL;
    struct filter flt;
    int idx, rc = -1, step;
    int limit = q->limit > 0 ? q->limit : 100;
    buf_init(&sql, 0);
    buf_puts(&sql, SELECT_FEEDBACK "WHERE 1=1");
    if (filter_build(db, q, &flt, &sql, err) < 0)
        goto out;
    if (flt.before_on)
        buf_puts(&sql, " AND (f.received_on < ? OR (f.received_on = ? AND f.id < ?))");
    buf_printf(&sql, " ORDER BY f.received_on DESC, f.id DESC LIMIT %d", limit);
    st = db_prepare(db, sql.data, err);
    if (!st)
        goto out;
    idx = filter_bind(st, q, &flt);
    if (flt.before_on) {
        db_bind_text(st, idx++, flt.before_on, (size_t)-1);
        db_bind_text(st, idx++, flt.before_on, (size_t)-1);
        db_bind_i64(st, idx++, q->before_id > 0 ? q->before_id : INT64_MAX);
    }
    while ((step = db_step(st, err)) == DB_ROW) {
        struct feedback f;
        int stop;
        memset(&f, 0, sizeof(f));
        read_row(st, &f);
        stop = fn(ctx, &f);
        feedback_release(&f);
        if (stop)
            break;
    }
    if (step < 0)
        goto out;
    rc = 0;
out:
    db_stmt_free(&st);
    buf_release(&sql);
    filter_release(&flt);
    return rc;
}

int store_feedback_score_summary(struct db *db, const struct feedback_query *q, int64_t *count,
                                 double *mean, struct ok_err *err)
{
    struct buf sql;
    struct db_stmt *st = NULL;
    struct filter flt;
    int rc = -1, step;
    buf_init(&sql, 0);
    buf_puts(&sql, "SELECT count(f.score), avg(f.score) FROM feedback f WHERE f.score IS NOT "
                   "NULL");
    if (filter_build(db, q, &flt, &sql, err) < 0)
        goto out;
    st = db_prepare(db, sql.data, err);
    if (!st)
        goto out;
    filter_bind(st, q, &flt);
    step = db_step(st, err);
    if (step < 0)
        goto out;
    *count = db_column_i64(st, 0);
    *mean = *count > 0 ? db_column_double(st, 1) : NAN;
    rc = 0;
out:
    db_stmt_free(&st);
    buf_release(&sql);
    filter_release(&flt);
    return rc;
}
