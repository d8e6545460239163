/*
 * h_clv.c - /api/v1/clv: fit, predict and validate the customer value models on the server's
 * live snapshot, as `okaeri clv fit|predict|validate` does (service/value.h does the work; the
 * fits are stored in clv_fits, where the customers report and the P(alive) rule find them).
 *
 * Fitting reads the shared snapshot under its read lock, so reports keep running meanwhile.
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/json_out.h"
#include "core/mem.h"
#include "http/http.h"
#include "service/value.h"
#include "store/clv_fit.h"
#include "store/customer.h"
#include "core/banned.h"

/* Stores a fit; its id, 0 when the parameters are unusable (not stored), -1 with err. */
static int64_t store_fit(struct http_req *r, const struct clv_fit_result *res, const char *unit,
                         int32_t cal_end, struct ok_err *err)
{
    struct clv_fit_record rec;
    struct buf params;
    int64_t id;
    if (!clv_params_valid(&res->params))
        return 0;
    memset(&rec, 0, sizeof(rec));
    buf_init(&params, 0);
    value_params_json(&params, &res->params);
    snprintf(rec.model, sizeof(rec.model), "%s", clv_model_name(res->params.model));
    snprintf(rec.unit, sizeof(rec.unit), "%s", unit);
    rec.calibration_end = cal_end;
    rec.params = params.data;
    rec.log_likelihood = res->loglik;
    rec.converged = res->converged;
    rec.iterations = res->iterations;
    rec.reason = res->converged ? NULL : (char *)res->reason;
    rec.customers = (int64_t)llround(res->customers);
    id = store_clv_fit_insert(r->db, &r->actor, &rec, err);
    buf_release(&params);
    return id;
}

static int parse_model(struct http_req *r, const char *field, const char *text,
                       enum clv_model *model)
{
    struct ok_err err;
    ok_err_clear(&err);
    if (clv_model_parse(text, model, &err) < 0) {
        http_error(r, 400, "invalid", field,
                   "unknown model '%s': use bgnbd, pnbd, mbgnbd or "
                   "gamma-gamma",
                   text);
        return -1;
    }
    return 0;
}

void h_clv_fit(struct http_req *r)
{
    const char *unit_text = http_body_str(r, "unit");
    const struct snapshot *snap;
    struct value_summaries s;
    struct clv_fit_result res;
    enum clv_model model;
    struct ok_err err;
    double unit = 7.0;
    char cal[11];
    int32_t cal_end;
    int64_t id;
    ok_err_clear(&err);
    if (parse_model(r, "model", http_body_str(r, "model"), &model) < 0 ||
        http_body_date(r, "calibration_end", cal) < 0)
        return;
    if (value_unit_parse(unit_text ? unit_text : "week", &unit, &err) < 0) {
        http_error(r, 400, "invalid", "unit", "%s", err.message);
        return;
    }
    snap = snap_holder_acquire(&r->srv->snap, r->db, &err);
    if (!snap) {
        http_fail(r, &err);
        return;
    }
    cal_end = snapshot_today(snap);
    if (cal[0])
        date_parse_iso(cal, 10, &cal_end);
    value_summaries_init(&s, unit);
    if (value_summaries_from_ledger(&s, snap->ledger, cal_end, cal_end, &err) < 0 ||
        value_fit(model, &s, &res, &err) < 0) {
        snap_holder_end(&r->srv->snap);
        http_fail(r, &err);
        goto out;
    }
    snap_holder_end(&r->srv->snap);
    id = store_fit(r, &res, value_unit_name(unit), cal_end, &err);
    if (id < 0) {
        http_fail(r, &err);
        goto out;
    }
    /* the customers report and the P(alive) state rule use the stored fits */
    snap_holder_changed(&r->srv->snap, NULL, NULL);
    r->status = 201;
    buf_printf(&r->out, "{\"fit_id\":%lld,\"calibration_end\":\"", (long long)id);
    date_format_iso(cal_end, cal);
    buf_printf(&r->out, "%s\",\"fit\":", cal);
    value_fit_json(&r->out, &res, value_unit_name(unit));
    buf_putc(&r->out, '}');
out:
    value_summaries_release(&s);
}

/* The latest converged stored fit of model: 1 with *params, 0 when there is none, -1. */
static int stored_fit(struct http_req *r, enum clv_model model, struct clv_params *params,
                      int64_t *id, double *unit, struct ok_err *err)
{
    struct clv_fit_record rec;
    int found = store_clv_fit_latest(r->db, clv_model_name(model), 1, &rec, err);
    if (found <= 0)
        return found;
    found = value_params_parse(model, rec.params, params, err) < 0 ? -1 : 1;
    if (found > 0 && unit && value_unit_parse(rec.unit, unit, err) < 0)
        found = -1;
    *id = rec.id;
    clv_fit_record_release(&rec);
    return found;
}

/* An annual rate "0.1" or "10%" in [0, 10]. */
static int parse_rate(const char *text, double *rate)
{
    char *end;
    errno = 0;
    *rate = strtod(text, &end);
    if (end != text && *end == '%' && !end[1]) {
        *rate /= 100.0;
        end++;
    }
    return errno || end == text || *end || !isfinite(*rate) || *rate < 0 || *rate > 10 ? -1 : 0;
}

/* Codes of the customers with ids in [lo, hi] (one query for a page, not one per row). */
struct code_map {
    int64_t *id;
    char **code;
    size_t n, alloc;
};

static int load_codes(struct db *db, int64_t lo, int64_t hi, struct code_map *m, struct ok_err *err)
{
    struct db_stmt *st = db_cached(db,
                                   "SELECT id, code FROM customers WHERE id BETWEEN ? AND ? "
                                   "ORDER BY id",
                                   err);
    int rc;
    if (!st)
        return -1;
    db_bind_i64(st, 1, lo);
    db_bind_i64(st, 2, hi);
    while ((rc = db_step(st, err)) == DB_ROW) {
        size_t a = m->alloc;
        m->id = xgrow(m->id, &a, m->n + 1, sizeof(*m->id));
        m->code = xgrow(m->code, &m->alloc, m->n + 1, sizeof(*m->code));
        m->id[m->n] = db_column_i64(st, 0);
        m->code[m->n] = db_column_strdup(st, 1);
        m->n++;
    }
    db_reset(st);
    return rc < 0 ? -1 : 0;
}

static const char *code_of(const struct code_map *m, int64_t id)
{
    size_t lo = 0, hi = m->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (m->id[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < m->n && m->id[lo] == id ? m->code[lo] : NULL;
}

static void put_num(struct buf *out, const char *name, double v)
{
    buf_printf(out, ",\"%s\":", name);
    if (isfinite(v))
        buf_printf(out, "%.10g", v);
    else
        buf_puts(out, "null");
}

void h_clv_predict(struct http_req *r)
{
    const char *model_text = http_query(r, "model"), *disc = http_query(r, "discount");
    const struct snapshot *snap = NULL;
    struct value_summaries s;
    struct value_predictions pred;
    struct clv_params counts, spend;
    struct code_map codes;
    struct http_page pg;
    enum clv_model model = CLV_MODEL_BGNBD;
    struct ok_err err;
    int64_t horizon, counts_id = 0, spend_id = 0, after = 0;
    double discount = 0.0, unit = 7.0;
    int32_t as_of;
    int present, have_spend, found;
    size_t i, first = 0, last = 0;
    const char *only = http_query(r, "customer");
    char day[11];
    ok_err_clear(&err);
    memset(&pred, 0, sizeof(pred));
    memset(&codes, 0, sizeof(codes));
    value_summaries_init(&s, unit);
    if (http_page_begin(r, &pg) < 0 || http_query_int(r, "horizon", 1, 36500, 365, &horizon) < 0 ||
        http_query_date(r, "as_of", &as_of, &present) < 0)
        goto out;
    if (pg.cursor && http_parse_id(pg.cursor, &after) < 0) {
        http_error(r, 400, "invalid", "cursor", "cursor is not one this server gave out");
        goto out;
    }
    if (disc && parse_rate(disc, &discount) < 0) {
        http_error(r, 400, "invalid", "discount",
                   "discount is an annual rate such as 0.1 or 10%%, not '%s'", disc);
        goto out;
    }
    if (model_text && parse_model(r, "model", model_text, &model) < 0)
        goto out;
    if (model == CLV_MODEL_GG) {
        http_error(r, 400, "invalid", "model",
                   "model names the counting model (bgnbd, pnbd or "
                   "mbgnbd); gamma-gamma is always used for spend");
        goto out;
    }
    found = stored_fit(r, model, &counts, &counts_id, &unit, &err);
    if (found < 0)
        goto fail;
    if (!found) {
        http_error(r, 409, "no_fit", "model",
                   "there is no converged %s fit yet: POST /api/v1/clv/fit first",
                   clv_model_name(model));
        goto out;
    }
    found = stored_fit(r, CLV_MODEL_GG, &spend, &spend_id, NULL, &err);
    if (found < 0)
        goto fail;
    have_spend = found;
    snap = snap_holder_acquire(&r->srv->snap, r->db, &err);
    if (!snap)
        goto fail;
    if (!present)
        as_of = snapshot_today(snap);
    s.unit_days = unit;
    if (value_summaries_from_ledger(&s, snap->ledger, as_of, as_of, &err) < 0 ||
        value_predict(&s, &counts, have_spend ? &spend : NULL, (double)horizon, discount, &pred,
                      &err) < 0)
        goto fail;
    /* the page: summaries are in ledger (customer id) order */
    {
        int64_t only_id = -1;
        if (only) {
            struct customer c;
            memset(&c, 0, sizeof(c));
            if (store_customer_get(r->db, only, &c, &err) < 0) {
                customer_release(&c);
                goto fail;
            }
            only_id = c.id;
            customer_release(&c);
        }
        for (i = 0; i < s.n; i++) {
            int64_t id = snap->ledger->cust_id[s.cust[i]];
            if (id <= after || (only_id >= 0 && id != only_id))
                continue;
            if (!last)
                first = i;
            last = i + 1;
            if (last - first > (size_t)pg.limit)
                break;
        }
        if (last > first && load_codes(r->db, snap->ledger->cust_id[s.cust[first]],
                                       snap->ledger->cust_id[s.cust[last - 1]], &codes, &err) < 0)
            goto fail;
        for (i = first; i < last; i++) {
            int64_t id = snap->ledger->cust_id[s.cust[i]];
            const char *code;
            if (id <= after || (only_id >= 0 && id != only_id))
                continue;
            if (http_page_item(&pg))
                break;
            code = code_of(&codes, id);
            buf_puts(&r->out, "{\"customer_code\":");
            json_out_string(&r->out, code, (size_t)-1);
            put_num(&r->out, "p_alive", pred.p_alive[i]);
            put_num(&r->out, "expected_purchases", pred.expected[i]);
            put_num(&r->out, "expected_avg_spend", pred.spend[i]);
            put_num(&r->out, "clv", pred.clv[i]);
            buf_putc(&r->out, '}');
            buf_put_i64(&pg.key, id);
        }
    }
    snap_holder_end(&r->srv->snap);
    snap = NULL;
    date_format_iso(as_of, day);
    http_page_end(&pg);
    /* reopen the object for what the list was computed with */
    r->out.data[--r->out.len] = '\0';
    buf_printf(&r->out,
               ",\"as_of\":\"%s\",\"horizon\":%lld,\"discount\":%g,\"model\":\"%s\","
               "\"fit_id\":%lld,\"spend_fit_id\":",
               day, (long long)horizon, discount, clv_model_name(model), (long long)counts_id);
    if (have_spend)
        buf_printf(&r->out, "%lld}", (long long)spend_id);
    else
        buf_puts(&r->out, "null}");
    goto out;
fail:
    http_fail(r, &err);
out:
    if (snap)
        snap_holder_end(&r->srv->snap);
    for (i = 0; i < codes.n; i++)
        free(codes.code[i]);
    free(codes.code);
    free(codes.id);
    value_predictions_release(&pred);
    value_summaries_release(&s);
    http_page_release(&pg);
}

void h_clv_validate(struct http_req *r)
{
    const char *model_text = http_query(r, "model"), *unit_text = http_query(r, "unit");
    const char *format = http_query(r, "format");
    const struct snapshot *snap;
    struct value_summaries s;
    struct value_validation v;
    enum clv_model model = CLV_MODEL_BGNBD;
    struct ok_err err;
    double unit = 7.0;
    int32_t cal_end, holdout_end;
    int has_cal, has_hold;
    char c1[11], c2[11];
    ok_err_clear(&err);
    memset(&v, 0, sizeof(v));
    if (format && strcmp(format, "json") && strcmp(format, "svg")) {
        http_error(r, 400, "invalid", "format", "format is json (default) or svg");
        return;
    }
    if ((model_text && parse_model(r, "model", model_text, &model) < 0) ||
        http_query_date(r, "calibration_end", &cal_end, &has_cal) < 0 ||
        http_query_date(r, "holdout_end", &holdout_end, &has_hold) < 0)
        return;
    if (model == CLV_MODEL_GG) {
        http_error(r, 400, "invalid", "model",
                   "validation compares purchase counts: use "
                   "bgnbd, pnbd or mbgnbd");
        return;
    }
    if (!has_cal) {
        http_error(r, 400, "invalid", "calibration_end", "calibration_end is required");
        return;
    }
    if (value_unit_parse(unit_text ? unit_text : "week", &unit, &err) < 0) {
        http_error(r, 400, "invalid", "unit", "%s", err.message);
        return;
    }
    snap = snap_holder_acquire(&r->srv->snap, r->db, &err);
    if (!snap) {
        http_fail(r, &err);
        return;
    }
    if (!has_hold)
        holdout_end = snap->ledger->max_day;
    value_summaries_init(&s, unit);
    if (holdout_end == LEDGER_NO_DAY || holdout_end <= cal_end) {
        snap_holder_end(&r->srv->snap);
        http_error(r, 400, "invalid", "calibration_end",
                   "validation needs orders after the calibration end: give a later "
                   "holdout_end or an earlier calibration_end");
        goto out;
    }
    if (value_summaries_from_ledger(&s, snap->ledger, cal_end, holdout_end, &err) < 0) {
        snap_holder_end(&r->srv->snap);
        http_fail(r, &err);
        goto out;
    }
    snap_holder_end(&r->srv->snap);
    if (value_validate(model, &s, &v, &err) < 0) {
        http_fail(r, &err);
        goto out;
    }
    date_format_iso(cal_end, c1);
    date_format_iso(holdout_end, c2);
    if (format && !strcmp(format, "svg")) {
        char title[128];
        snprintf(title, sizeof(title), "%s: calibration to %s, holdout to %s",
                 clv_model_name(model), c1, c2);
        value_validation_svg(&r->out, &v, title);
        r->content_type = "image/svg+xml";
    } else {
        struct table *bins = value_validation_bins_table(&v);
        struct table *track = value_validation_tracking_table(&v);
        buf_puts(&r->out, "{\"fit\":");
        value_fit_json(&r->out, &v.fit, value_unit_name(unit));
        buf_printf(&r->out, ",\"calibration_end\":\"%s\",\"holdout_end\":\"%s\",\"bins\":", c1, c2);
        table_render_json(bins, &r->out);
        buf_puts(&r->out, ",\"tracking\":");
        table_render_json(track, &r->out);
        buf_putc(&r->out, '}');
        table_free(&bins);
        table_free(&track);
    }
out:
    value_validation_release(&v);
    value_summaries_release(&s);
}
