/*
 * values.c - the stored fits applied to today's ledger, one number per customer.
 */
#include "service/values.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clv/model.h"
#include "core/mem.h"
#include "service/value.h"
#include "store/clv_fit.h"
#include "core/banned.h"

static double *nan_array(uint32_t n)
{
    double *a = xmalloc(sizeof(double) * (n ? n : 1));
    uint32_t i;
    for (i = 0; i < n; i++)
        a[i] = NAN;
    return a;
}

/* The latest converged fit of the first counting model that has one. */
static int latest_counting_fit(struct db *db, struct clv_fit_record *rec, enum clv_model *model,
                               struct ok_err *err)
{
    static const enum clv_model order[] = {CLV_MODEL_BGNBD, CLV_MODEL_PNBD, CLV_MODEL_MBGNBD};
    size_t i;
    for (i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        int found = store_clv_fit_latest(db, clv_model_name(order[i]), 1, rec, err);
        if (found != 0) {
            *model = order[i];
            return found;
        }
    }
    return 0;
}

int service_values_load(struct db *db, const struct snapshot *s, int32_t as_of,
                        struct customer_values *out, struct ok_err *err)
{
    struct clv_fit_record counts_rec, spend_rec;
    struct clv_params counts, spend;
    struct value_summaries sums;
    struct value_predictions pred;
    enum clv_model model = CLV_MODEL_BGNBD;
    double unit_days;
    int found, have_spend = 0, rc = -1;
    size_t i;
    memset(out, 0, sizeof(*out));
    memset(&counts_rec, 0, sizeof(counts_rec));
    memset(&spend_rec, 0, sizeof(spend_rec));
    memset(&pred, 0, sizeof(pred));
    found = latest_counting_fit(db, &counts_rec, &model, err);
    if (found <= 0)
        return found;
    if (value_params_parse(model, counts_rec.params, &counts, err) < 0 ||
        value_unit_parse(counts_rec.unit, &unit_days, err) < 0)
        goto out_rec;
    found = store_clv_fit_latest(db, clv_model_name(CLV_MODEL_GG), 1, &spend_rec, err);
    if (found < 0)
        goto out_rec;
    if (found && value_params_parse(CLV_MODEL_GG, spend_rec.params, &spend, err) < 0)
        goto out_rec;
    have_spend = found;
    value_summaries_init(&sums, unit_days);
    if (value_summaries_from_ledger(&sums, s->ledger, as_of, as_of, err) < 0)
        goto out_sums;
    if (value_predict(&sums, &counts, have_spend ? &spend : NULL, VALUES_HORIZON_DAYS, 0.0, &pred,
                      err) < 0)
        goto out_sums;
    out->n = s->ledger->ncust;
    out->p_alive = nan_array(out->n);
    out->expected = nan_array(out->n);
    out->clv = nan_array(out->n);
    for (i = 0; i < sums.n; i++) {
        uint32_t c = sums.cust[i];
        out->p_alive[c] = pred.p_alive[i];
        out->expected[c] = pred.expected[i];
        out->clv[c] = pred.clv[i];
    }
    snprintf(out->model, sizeof(out->model), "%s", clv_model_name(model));
    out->fit_id = counts_rec.id;
    rc = 1;
out_sums:
    value_predictions_release(&pred);
    value_summaries_release(&sums);
out_rec:
    clv_fit_record_release(&counts_rec);
    clv_fit_record_release(&spend_rec);
    return rc;
}

void service_values_release(struct customer_values *v)
{
    free(v->p_alive);
    free(v->expected);
    free(v->clv);
    memset(v, 0, sizeof(*v));
}
