/*
 * value.c - customer value use cases over the ledger snapshot (value.h).
 */
#include "service/value.h"

#include <jansson.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/json_out.h"
#include "core/mem.h"
#include "core/banned.h"

void value_summaries_init(struct value_summaries *s, double unit_days)
{
    memset(s, 0, sizeof(*s));
    clv_data_init(&s->counts);
    s->unit_days = unit_days;
    s->cal_end = LEDGER_NO_DAY;
    s->holdout_end = LEDGER_NO_DAY;
    s->cohort_start = LEDGER_NO_DAY;
}

void value_summaries_release(struct value_summaries *s)
{
    double unit = s->unit_days;
    free(s->x);
    free(s->t_x);
    free(s->T);
    free(s->m);
    free(s->x_holdout);
    free(s->cust);
    free(s->first_day);
    free(s->repeats);
    free(s->row_of);
    clv_data_release(&s->counts);
    value_summaries_init(s, unit);
}

static void summaries_reserve(struct value_summaries *s, size_t n)
{
    if (n <= s->cap)
        return;
    s->x = xrealloc(s->x, n * sizeof(double));
    s->t_x = xrealloc(s->t_x, n * sizeof(double));
    s->T = xrealloc(s->T, n * sizeof(double));
    s->m = xrealloc(s->m, n * sizeof(double));
    s->x_holdout = xrealloc(s->x_holdout, n * sizeof(double));
    s->cust = xrealloc(s->cust, n * sizeof(uint32_t));
    s->first_day = xrealloc(s->first_day, n * sizeof(int32_t));
    s->cap = n;
}

void value_summaries_add(struct value_summaries *s, double x, double t_x, double T, double m)
{
    if (s->n == s->cap)
        summaries_reserve(s, s->cap ? s->cap * 2 : 1024);
    s->x[s->n] = x;
    s->t_x[s->n] = t_x;
    s->T[s->n] = T;
    s->m[s->n] = m;
    s->x_holdout[s->n] = 0.0;
    s->cust[s->n] = (uint32_t)s->n;
    s->first_day[s->n] = LEDGER_NO_DAY;
    s->n++;
    s->have_counts = 0;
}

int value_summaries_from_ledger(struct value_summaries *s, const struct ledger *l, int32_t cal_end,
                                int32_t holdout_end, struct ok_err *err)
{
    double unit = s->unit_days, scale = 1.0;
    uint32_t maxlen = 0;
    int32_t *days = NULL;
    double *amounts = NULL;
    int rc = -1;
    value_summaries_release(s);
    if (!(unit > 0))
        return ok_err_set(err, OK_ERR_INVALID, "time unit must be > 0 days");
    if (cal_end == LEDGER_NO_DAY || holdout_end < cal_end)
        return ok_err_set(err, OK_ERR_INVALID, "the holdout end is before the calibration end");
    s->from_ledger = 1;
    s->cal_end = cal_end;
    s->holdout_end = holdout_end;
    for (int i = 0; i < l->money_decimals; i++)
        scale *= 10.0;
    for (uint32_t c = 0; c < l->ncust; c++)
        if (l->seg_len[c] > maxlen)
            maxlen = l->seg_len[c];
    summaries_reserve(s, l->ncust ? l->ncust : 1);
    days = xmalloc((maxlen ? maxlen : 1) * sizeof(int32_t));
    amounts = xmalloc((maxlen ? maxlen : 1) * sizeof(double));
    if (l->nlines > 0 && l->min_day != LEDGER_NO_DAY && l->min_day <= holdout_end) {
        int32_t last = holdout_end < l->max_day ? holdout_end : l->max_day;
        s->repeats_start = l->min_day;
        s->nrepeats = (size_t)((int64_t)last - l->min_day + 1);
        s->repeats = xcalloc(s->nrepeats, sizeof(uint32_t));
    }
    for (uint32_t c = 0; c < l->ncust; c++) {
        const int32_t *ld = l->line_day + l->seg_off[c];
        const int64_t *la = l->line_amount + l->seg_off[c];
        uint32_t len = l->seg_len[c], k = 0;
        struct clv_customer_summary cs;
        if (len == 0 || ld[0] > cal_end)
            continue;
        for (uint32_t j = 0; j < len && ld[j] <= holdout_end; j++) {
            if (la[j] < 0) /* returns are not purchases */
                continue;
            days[k] = ld[j];
            amounts[k] = (double)la[j] / scale;
            k++;
        }
        if (clv_summary_from_days(days, amounts, k, cal_end, holdout_end, unit, &cs, err) < 0)
            goto out;
        if (!cs.in_calibration)
            continue;
        size_t i = s->n++;
        s->x[i] = cs.x;
        s->t_x[i] = cs.t_x;
        s->T[i] = cs.T;
        s->m[i] = cs.m;
        s->x_holdout[i] = cs.x_holdout;
        s->cust[i] = c;
        s->first_day[i] = cs.first_day;
        if (s->cohort_start == LEDGER_NO_DAY || cs.first_day < s->cohort_start)
            s->cohort_start = cs.first_day;
        for (uint32_t j = 1; j < k; j++) /* distinct repeat days, for the tracking curve */
            if (days[j] != days[j - 1])
                s->repeats[days[j] - s->repeats_start]++;
    }
    s->row_of = xmalloc((s->n ? s->n : 1) * sizeof(uint32_t));
    if (clv_data_compress(&s->counts, CLV_KEY_COUNTS, s->x, s->t_x, s->T, NULL, s->n, s->row_of,
                          err) < 0)
        goto out;
    s->have_counts = 1;
    rc = 0;
out:
    free(days);
    free(amounts);
    if (rc < 0)
        value_summaries_release(s);
    return rc;
}

int value_unit_parse(const char *name, double *unit_days, struct ok_err *err)
{
    if (!strcmp(name, "day") || !strcmp(name, "days"))
        *unit_days = 1.0;
    else if (!strcmp(name, "week") || !strcmp(name, "weeks"))
        *unit_days = 7.0;
    else
        return ok_err_set(err, OK_ERR_USAGE, "unknown time unit '%s': use day or week", name);
    return 0;
}

const char *value_unit_name(double unit_days)
{
    return unit_days == 7.0 ? "week" : "day";
}

int value_fit(enum clv_model model, const struct value_summaries *s, struct clv_fit_result *res,
              struct ok_err *err)
{
    struct clv_data d;
    const struct clv_data *data = &d;
    int rc;
    clv_data_init(&d);
    if (model != CLV_MODEL_GG && s->have_counts)
        data = &s->counts;
    else if (clv_data_compress(&d, model == CLV_MODEL_GG ? CLV_KEY_SPEND : CLV_KEY_COUNTS, s->x,
                               s->t_x, s->T, s->m, s->n, NULL, err) < 0) {
        clv_data_release(&d);
        return -1;
    }
    /* Data that cannot identify the model are reported without fitting, so that no
     * meaningless parameters are shown or stored. */
    double weight = clv_data_weight(data), repeats = 0.0;
    for (size_t i = 0; i < data->n; i++)
        repeats += data->rows[i].w * data->rows[i].x;
    const char *why = NULL;
    if (data->n == 0)
        why = model == CLV_MODEL_GG
                  ? "no customers with repeat purchases and spend > 0: Gamma-Gamma needs "
                    "frequency > 0 and monetary_value > 0"
                  : "no customers to fit (nobody bought on or before the calibration end)";
    else if (model != CLV_MODEL_GG && repeats <= 0)
        why = "no repeat purchases: the purchase rate cannot be estimated";
    else if (weight < 2 * clv_model_nparams(model))
        why = "too few customers for the number of parameters";
    if (why) {
        memset(res, 0, sizeof(*res));
        res->params.model = model;
        for (int i = 0; i < CLV_MAX_PARAMS; i++)
            res->params.v[i] = NAN;
        res->loglik = NAN;
        res->customers = weight;
        snprintf(res->reason, sizeof(res->reason), "%s: %.0f customers, %.0f repeat purchases", why,
                 weight, repeats);
        clv_data_release(&d);
        return 0;
    }
    rc = clv_fit(model, data, NULL, res, err);
    clv_data_release(&d);
    return rc;
}

struct fit_job {
    enum clv_model model;
    const struct value_summaries *s;
    struct clv_fit_result *res;
    struct ok_err err;
    int rc;
};

static void *fit_thread(void *arg)
{
    struct fit_job *j = arg;
    j->rc = value_fit(j->model, j->s, j->res, &j->err);
    return NULL;
}

int value_fit_both(enum clv_model counts, const struct value_summaries *s,
                   struct clv_fit_result *res_counts, struct clv_fit_result *res_spend,
                   struct ok_err *err)
{
    struct fit_job spend = {CLV_MODEL_GG, s, res_spend, {0}, 0};
    pthread_t th;
    int threaded = pthread_create(&th, NULL, fit_thread, &spend) == 0;
    int rc = value_fit(counts, s, res_counts, err);
    if (threaded)
        pthread_join(th, NULL);
    else
        fit_thread(&spend);
    if (rc == 0 && spend.rc < 0) {
        if (err)
            *err = spend.err;
        rc = -1;
    }
    return rc;
}

void value_params_json(struct buf *out, const struct clv_params *p)
{
    int np = clv_model_nparams(p->model);
    buf_putc(out, '{');
    for (int i = 0; i < np; i++) {
        if (i)
            buf_putc(out, ',');
        json_out_key(out, clv_model_param_name(p->model, i));
        json_out_double(out, p->v[i]);
    }
    buf_putc(out, '}');
}

void value_fit_json(struct buf *out, const struct clv_fit_result *res, const char *unit)
{
    int first = 1;
    buf_putc(out, '{');
    json_out_field_string(out, &first, "model", clv_model_name(res->params.model));
    json_out_field_string(out, &first, "unit", unit);
    json_out_field_i64(out, &first, "customers", (int64_t)llround(res->customers));
    buf_puts(out, ",\"params\":");
    value_params_json(out, &res->params);
    buf_puts(out, ",\"log_likelihood\":");
    json_out_double(out, res->loglik);
    buf_puts(out, ",\"converged\":");
    buf_puts(out, res->converged ? "true" : "false");
    json_out_field_i64(out, &first, "iterations", res->iterations);
    if (!res->converged)
        json_out_field_string(out, &first, "reason", res->reason);
    buf_putc(out, '}');
}

struct table *value_fit_table(const struct clv_fit_result *res, const char *unit)
{
    struct table *t = table_new("Customer value model fit");
    int np = clv_model_nparams(res->params.model);
    char num[64];
    size_t r;
    table_add_column(t, "name", TABLE_TEXT);
    table_add_column(t, "value", TABLE_TEXT);
#define ROW(k, v)                                                                                  \
    do {                                                                                           \
        r = table_add_row(t);                                                                      \
        table_set_text(t, r, 0, (k));                                                              \
        table_set_text(t, r, 1, (v));                                                              \
    } while (0)
    ROW("model", clv_model_name(res->params.model));
    ROW("unit", unit);
    snprintf(num, sizeof(num), "%.0f", res->customers);
    ROW("customers", num);
    for (int i = 0; i < np; i++) {
        snprintf(num, sizeof(num), "%.7g", res->params.v[i]);
        ROW(clv_model_param_name(res->params.model, i), num);
    }
    snprintf(num, sizeof(num), "%.4f", res->loglik);
    ROW("log_likelihood", num);
    ROW("converged", res->converged ? "yes" : "no");
    snprintf(num, sizeof(num), "%d", res->iterations);
    ROW("iterations", num);
    if (!res->converged)
        ROW("reason", res->reason);
#undef ROW
    return t;
}

int value_params_parse(enum clv_model model, const char *json, struct clv_params *out,
                       struct ok_err *err)
{
    json_error_t jerr;
    json_t *j = json_loads(json, 0, &jerr);
    int np = clv_model_nparams(model), rc = -1;
    memset(out, 0, sizeof(*out));
    out->model = model;
    if (!j || !json_is_object(j)) {
        ok_err_set(err, OK_ERR_INVALID, "stored %s parameters are not a JSON object",
                   clv_model_name(model));
        goto out;
    }
    for (int i = 0; i < np; i++) {
        const char *name = clv_model_param_name(model, i);
        json_t *v = json_object_get(j, name);
        if (!v || !json_is_number(v) || !(json_number_value(v) > 0) ||
            !isfinite(json_number_value(v))) {
            ok_err_set(err, OK_ERR_INVALID, "stored %s parameters lack a positive '%s'",
                       clv_model_name(model), name);
            goto out;
        }
        out->v[i] = json_number_value(v);
    }
    rc = 0;
out:
    json_decref(j);
    return rc;
}

void value_predictions_release(struct value_predictions *p)
{
    free(p->p_alive);
    free(p->expected);
    free(p->spend);
    free(p->clv);
    memset(p, 0, sizeof(*p));
}

#define PREDICT_MAX_THREADS 8

struct predict_job {
    const struct clv_params *p;
    const struct clv_row *rows;
    size_t from, to;
    double h, step, d_step;
    int steps, discount;
    double *pa, *ey, *dt;
};

static void *predict_thread(void *arg)
{
    struct predict_job *j = arg;
    for (size_t r = j->from; r < j->to; r++) {
        const struct clv_row *row = &j->rows[r];
        j->pa[r] = clv_palive(j->p, row->x, row->t_x, row->T);
        j->ey[r] = clv_conditional_expected(j->p, j->h, row->x, row->t_x, row->T);
        j->dt[r] = j->discount ? clv_discounted_transactions(j->p, row->x, row->t_x, row->T,
                                                             j->steps, j->step, j->d_step)
                               : j->ey[r];
    }
    return NULL;
}

int value_predict(const struct value_summaries *s, const struct clv_params *counts,
                  const struct clv_params *spend, double horizon_days, double annual_discount,
                  struct value_predictions *out, struct ok_err *err)
{
    struct clv_data d;
    const struct clv_data *dp;
    uint32_t *row_of = NULL;
    const uint32_t *rows_of;
    double *pa = NULL, *ey = NULL, *dt = NULL;
    int rc = -1;
    memset(out, 0, sizeof(*out));
    if (counts->model == CLV_MODEL_GG || !clv_params_valid(counts))
        return ok_err_set(err, OK_ERR_INVALID, "predictions need a fitted counting model");
    if (spend && (spend->model != CLV_MODEL_GG || !clv_params_valid(spend)))
        return ok_err_set(err, OK_ERR_INVALID, "the spend model must be a fitted Gamma-Gamma");
    if (!(horizon_days > 0) || !isfinite(horizon_days))
        return ok_err_set(err, OK_ERR_INVALID, "the horizon must be > 0 days");
    if (!(annual_discount >= 0) || !isfinite(annual_discount))
        return ok_err_set(err, OK_ERR_INVALID, "the discount rate must be >= 0");

    /* Monthly discounting periods of equal length that cover the horizon exactly. */
    int steps = (int)lround(horizon_days / 30.0);
    if (steps < 1)
        steps = 1;
    double step_days = horizon_days / steps;
    double d_step = pow(1.0 + annual_discount, step_days / 365.0) - 1.0;
    double h = horizon_days / s->unit_days, step = step_days / s->unit_days;

    clv_data_init(&d);
    if (s->have_counts) {
        dp = &s->counts;
        rows_of = s->row_of;
    } else {
        row_of = xmalloc((s->n ? s->n : 1) * sizeof(uint32_t));
        if (clv_data_compress(&d, CLV_KEY_COUNTS, s->x, s->t_x, s->T, NULL, s->n, row_of, err) < 0)
            goto out;
        dp = &d;
        rows_of = row_of;
    }
    pa = xmalloc((dp->n ? dp->n : 1) * sizeof(double));
    ey = xmalloc((dp->n ? dp->n : 1) * sizeof(double));
    dt = xmalloc((dp->n ? dp->n : 1) * sizeof(double));
    {
        /* Distinct rows are independent: split them over the cores. */
        struct predict_job jobs[PREDICT_MAX_THREADS];
        pthread_t th[PREDICT_MAX_THREADS];
        int started[PREDICT_MAX_THREADS] = {0};
        long ncpu = sysconf(_SC_NPROCESSORS_ONLN);
        int nt = dp->n < 20000                ? 1
                 : ncpu < 1                   ? 1
                 : ncpu > PREDICT_MAX_THREADS ? PREDICT_MAX_THREADS
                                              : (int)ncpu;
        for (int k = 0; k < nt; k++) {
            struct predict_job *j = &jobs[k];
            j->p = counts;
            j->rows = dp->rows;
            j->from = dp->n * (size_t)k / (size_t)nt;
            j->to = dp->n * (size_t)(k + 1) / (size_t)nt;
            j->h = h;
            j->steps = steps;
            j->step = step;
            j->d_step = d_step;
            j->discount = annual_discount > 0;
            j->pa = pa;
            j->ey = ey;
            j->dt = dt;
            if (k > 0)
                started[k] = pthread_create(&th[k], NULL, predict_thread, j) == 0;
        }
        predict_thread(&jobs[0]);
        for (int k = 1; k < nt; k++) {
            if (started[k])
                pthread_join(th[k], NULL);
            else
                predict_thread(&jobs[k]);
        }
    }
    out->n = s->n;
    out->p_alive = xmalloc((s->n ? s->n : 1) * sizeof(double));
    out->expected = xmalloc((s->n ? s->n : 1) * sizeof(double));
    out->spend = xmalloc((s->n ? s->n : 1) * sizeof(double));
    out->clv = xmalloc((s->n ? s->n : 1) * sizeof(double));
    for (size_t i = 0; i < s->n; i++) {
        uint32_t r = rows_of[i];
        double m = spend ? clv_expected_spend(spend, s->x[i], s->m[i]) : NAN;
        out->p_alive[i] = pa[r];
        out->expected[i] = ey[r];
        out->spend[i] = m;
        out->clv[i] = m * dt[r];
    }
    rc = 0;
out:
    clv_data_release(&d);
    free(row_of);
    free(pa);
    free(ey);
    free(dt);
    return rc;
}

struct table *value_predictions_table(const struct value_summaries *s,
                                      const struct value_predictions *p, const struct ledger *l,
                                      const char *const *codes)
{
    struct table *t = table_new("Customer value predictions");
    char id[32];
    table_add_column(t, "customer_code", TABLE_TEXT);
    table_add_column(t, "p_alive", TABLE_DOUBLE);
    table_add_column(t, "expected_purchases", TABLE_DOUBLE);
    table_add_column(t, "expected_avg_spend", TABLE_DOUBLE);
    table_add_column(t, "clv", TABLE_DOUBLE);
    table_set_decimals(t, 1, 4);
    table_set_decimals(t, 2, 4);
    for (size_t i = 0; i < p->n && i < s->n; i++) {
        size_t r = table_add_row(t);
        uint32_t c = s->cust[i];
        const char *code = codes && s->from_ledger ? codes[c] : NULL;
        if (!code) {
            if (s->from_ledger && l && c < l->ncust)
                snprintf(id, sizeof(id), "%lld", (long long)l->cust_id[c]);
            else
                snprintf(id, sizeof(id), "%u", c + 1);
            code = id;
        }
        table_set_text(t, r, 0, code);
        table_set_double(t, r, 1, p->p_alive[i]);
        table_set_double(t, r, 2, p->expected[i]);
        table_set_double(t, r, 3, p->spend[i]); /* NaN is stored as NULL */
        table_set_double(t, r, 4, p->clv[i]);
    }
    return t;
}

void value_validation_release(struct value_validation *v)
{
    free(v->weeks);
    free(v->actual);
    free(v->expected);
    memset(v, 0, sizeof(*v));
}

int value_validate(enum clv_model model, const struct value_summaries *s,
                   struct value_validation *out, struct ok_err *err)
{
    double *birth = NULL, *w = NULL, *times = NULL;
    size_t nbirth = 0;
    int rc = -1;
    memset(out, 0, sizeof(*out));
    if (model == CLV_MODEL_GG)
        return ok_err_set(err, OK_ERR_USAGE,
                          "validation compares purchase counts: use bgnbd, pnbd or mbgnbd");
    if (!s->from_ledger || s->holdout_end <= s->cal_end)
        return ok_err_set(err, OK_ERR_INVALID,
                          "validation needs a holdout period after the calibration end");
    if (s->n == 0)
        return ok_err_set(err, OK_ERR_INVALID,
                          "no customers bought on or before the calibration end");
    if (value_fit(model, s, &out->fit, err) < 0)
        return -1;
    if (!clv_params_valid(&out->fit.params))
        return ok_err_set(err, OK_ERR_INVALID, "the model could not be fitted: %s",
                          out->fit.reason);
    out->unit_days = s->unit_days;
    out->t_holdout = (double)(s->holdout_end - s->cal_end) / s->unit_days;
    if (clv_validate_bins(&out->fit.params, s->x, s->t_x, s->T, s->x_holdout, s->n, out->t_holdout,
                          &out->bins, err) < 0)
        return -1;

    /* Tracking: week k covers cohort days 7(k-1) .. 7k-1; births grouped by first day
     * (BTYD ExpectedCumulativeTransactions with birth = first purchase - cohort start). */
    int32_t start = s->cohort_start;
    size_t span = (size_t)(s->cal_end - start + 1);
    double *per_day = xcalloc(span, sizeof(double));
    for (size_t i = 0; i < s->n; i++)
        per_day[s->first_day[i] - start] += 1.0;
    birth = xmalloc(span * sizeof(double));
    w = xmalloc(span * sizeof(double));
    for (size_t k = 0; k < span; k++)
        if (per_day[k] > 0) {
            birth[nbirth] = (double)k / s->unit_days;
            w[nbirth++] = per_day[k];
        }
    free(per_day);
    out->nweeks = (size_t)((s->holdout_end - start + 1) / 7);
    out->calibration_weeks = (double)(s->cal_end - start + 1) / 7.0;
    size_t nw = out->nweeks ? out->nweeks : 1;
    out->weeks = xmalloc(nw * sizeof(double));
    out->actual = xmalloc(nw * sizeof(double));
    out->expected = xmalloc(nw * sizeof(double));
    times = xmalloc(nw * sizeof(double));
    double cum = 0.0;
    int64_t day = start;
    for (size_t k = 0; k < out->nweeks; k++) {
        int64_t end = (int64_t)start + 7 * (int64_t)(k + 1); /* exclusive */
        for (; day < end; day++) {
            int64_t j = day - s->repeats_start;
            if (j >= 0 && (size_t)j < s->nrepeats)
                cum += s->repeats[j];
        }
        out->weeks[k] = (double)(k + 1);
        out->actual[k] = cum;
        times[k] = 7.0 * (double)(k + 1) / s->unit_days;
    }
    clv_tracking_expected(&out->fit.params, birth, w, nbirth, times, out->nweeks, out->expected);
    rc = 0;
    free(birth);
    free(w);
    free(times);
    return rc;
}

struct table *value_validation_bins_table(const struct value_validation *v)
{
    struct table *t = table_new("Holdout purchases by calibration frequency");
    const struct clv_validation *b = &v->bins;
    double total = 0.0;
    char label[16];
    table_add_column(t, "frequency", TABLE_TEXT);
    table_add_column(t, "customers", TABLE_INT);
    table_add_column(t, "actual", TABLE_DOUBLE);
    table_add_column(t, "predicted", TABLE_DOUBLE);
    table_set_decimals(t, 2, 4);
    table_set_decimals(t, 3, 4);
    for (int k = 0; k < CLV_BINS; k++) {
        size_t r = table_add_row(t);
        if (k == CLV_BINS - 1)
            snprintf(label, sizeof(label), "%d+", k);
        else
            snprintf(label, sizeof(label), "%d", k);
        table_set_text(t, r, 0, label);
        table_set_int(t, r, 1, (int64_t)llround(b->customers[k]));
        if (b->customers[k] > 0) {
            table_set_double(t, r, 2, b->actual[k]);
            table_set_double(t, r, 3, b->predicted[k]);
        }
        total += b->customers[k];
    }
    size_t r = table_add_row(t);
    table_set_text(t, r, 0, "all");
    table_set_int(t, r, 1, (int64_t)llround(total));
    table_set_ratio(t, r, 2, b->total_actual, total);
    table_set_ratio(t, r, 3, b->total_predicted, total);
    table_add_note(t,
                   "holdout purchases in all: actual %.0f, predicted %.1f (%s, holdout %.4g %ss)",
                   b->total_actual, b->total_predicted, clv_model_name(v->fit.params.model),
                   v->t_holdout, value_unit_name(v->unit_days));
    return t;
}

struct table *value_validation_tracking_table(const struct value_validation *v)
{
    struct table *t = table_new("Cumulative repeat transactions by week");
    table_add_column(t, "week", TABLE_INT);
    table_add_column(t, "actual", TABLE_INT);
    table_add_column(t, "expected", TABLE_DOUBLE);
    for (size_t k = 0; k < v->nweeks; k++) {
        size_t r = table_add_row(t);
        table_set_int(t, r, 0, (int64_t)v->weeks[k]);
        table_set_int(t, r, 1, (int64_t)llround(v->actual[k]));
        table_set_double(t, r, 2, v->expected[k]);
    }
    table_add_note(t, "calibration ends after week %.4g", v->calibration_weeks);
    return t;
}

void value_validation_svg(struct buf *out, const struct value_validation *v, const char *title)
{
    clv_svg_validation(out, &v->bins, v->weeks, v->actual, v->expected, v->nweeks,
                       v->calibration_weeks, title);
}
