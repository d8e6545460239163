/*
 * clv_fit.c - the clv_fits table (clv_fit.h).
 */
#include "store/clv_fit.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/date.h"
#include "core/json_out.h"
#include "core/mem.h"
#include "core/banned.h"

void clv_fit_record_release(struct clv_fit_record *r)
{
    free(r->params);
    free(r->reason);
    r->params = NULL;
    r->reason = NULL;
}

static const char SQL_INSERT[] =
    "INSERT INTO clv_fits(model, unit, calibration_end, fitted_at, params, log_likelihood, "
    "converged, iterations, reason, customers) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
    "RETURNING id";

static void record_to_json(const struct clv_fit_record *r, struct buf *out)
{
    char day[11];
    int first = 1;
    date_format_iso(r->calibration_end, day);
    buf_putc(out, '{');
    json_out_field_string(out, &first, "model", r->model);
    json_out_field_string(out, &first, "unit", r->unit);
    json_out_field_string(out, &first, "calibration_end", day);
    buf_puts(out, ",\"params\":");
    buf_puts(out, r->params);
    buf_puts(out, ",\"log_likelihood\":");
    json_out_double(out, r->log_likelihood);
    buf_puts(out, ",\"converged\":");
    buf_puts(out, r->converged ? "true" : "false");
    json_out_field_i64(out, &first, "customers", r->customers);
    buf_putc(out, '}');
}

int64_t store_clv_fit_insert(struct db *db, const struct store_actor *who, struct clv_fit_record *r,
                             struct ok_err *err)
{
    struct db_stmt *st = NULL;
    struct buf json;
    char day[11];
    int64_t id = -1;
    if (!r->params || !*r->params)
        return ok_err_set(err, OK_ERR_INVALID, "a fit needs its parameters");
    buf_init(&json, 0);
    if (db_begin(db, err) < 0)
        goto out;
    st = db_cached(db, SQL_INSERT, err);
    if (!st)
        goto fail;
    store_now_utc(r->fitted_at);
    date_format_iso(r->calibration_end, day);
    db_bind_text(st, 1, r->model, (size_t)-1);
    db_bind_text(st, 2, r->unit, (size_t)-1);
    db_bind_text(st, 3, day, (size_t)-1);
    db_bind_text(st, 4, r->fitted_at, (size_t)-1);
    db_bind_text(st, 5, r->params, (size_t)-1);
    if (isfinite(r->log_likelihood))
        db_bind_double(st, 6, r->log_likelihood);
    else
        db_bind_null(st, 6);
    db_bind_i64(st, 7, r->converged ? 1 : 0);
    db_bind_i64(st, 8, r->iterations);
    db_bind_text_or_null(st, 9, r->converged ? NULL : r->reason);
    db_bind_i64(st, 10, r->customers);
    if (db_step(st, err) != DB_ROW)
        goto fail;
    id = db_column_i64(st, 0);
    db_reset(st);
    r->id = id;
    record_to_json(r, &json);
    if (store_audit(db, who, "create", "clv_fit", id, NULL, json.data, err) < 0)
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

static const char SQL_LATEST[] =
    "SELECT id, model, unit, calibration_end, fitted_at, params, log_likelihood, converged, "
    "iterations, reason, customers FROM clv_fits WHERE model = ? AND (converged = 1 OR ? = 0) "
    "ORDER BY id DESC LIMIT 1";

int store_clv_fit_latest(struct db *db, const char *model, int converged_only,
                         struct clv_fit_record *out, struct ok_err *err)
{
    struct db_stmt *st;
    const char *s;
    size_t n;
    int rc;
    memset(out, 0, sizeof(*out));
    st = db_cached(db, SQL_LATEST, err);
    if (!st)
        return -1;
    db_bind_text(st, 1, model, (size_t)-1);
    db_bind_i64(st, 2, converged_only ? 1 : 0);
    rc = db_step(st, err);
    if (rc != DB_ROW) {
        db_reset(st);
        return rc == DB_DONE ? 0 : -1;
    }
    out->id = db_column_i64(st, 0);
    snprintf(out->model, sizeof(out->model), "%s", db_column_text(st, 1));
    snprintf(out->unit, sizeof(out->unit), "%s", db_column_text(st, 2));
    s = db_column_text_len(st, 3, &n);
    if (date_parse_iso(s, n, &out->calibration_end) < 0) {
        db_reset(st);
        return ok_err_set(err, OK_ERR_DB, "clv fit %lld has an invalid calibration_end '%s'",
                          (long long)out->id, s);
    }
    snprintf(out->fitted_at, sizeof(out->fitted_at), "%s", db_column_text(st, 4));
    out->params = xstrdup(db_column_text(st, 5));
    out->log_likelihood = db_column_is_null(st, 6) ? NAN : db_column_double(st, 6);
    out->converged = db_column_i64(st, 7) != 0;
    out->iterations = (int)db_column_i64(st, 8);
    out->reason = db_column_strdup(st, 9);
    out->customers = db_column_i64(st, 10);
    db_reset(st);
    return 1;
}

int store_customer_codes_each(struct db *db,
                              int (*fn)(void *ctx, int64_t id, const char *code,
                                        struct ok_err *err),
                              void *ctx, struct ok_err *err)
{
    struct db_stmt *st = db_prepare(db, "SELECT id, code FROM customers ORDER BY id", err);
    int rc = -1, step;
    if (!st)
        return -1;
    while ((step = db_step(st, err)) == DB_ROW)
        if (fn(ctx, db_column_i64(st, 0), db_column_text(st, 1), err) < 0)
            goto out;
    if (step == DB_DONE)
        rc = 0;
out:
    db_stmt_free(&st);
    return rc;
}
