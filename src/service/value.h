/*
 * value.h - customer value use cases: per-customer summaries from the ledger snapshot, fitting
 * the buy-till-you-die models, per-customer predictions (P(alive), expected purchases, expected
 * spend, CLV) and calibration/holdout validation, returned as report tables.
 *
 * Pure composition of analytics/ledger.h and the clv/ headers: no SQL, no files. The CLI (okaeri
 * clv) and the HTTP layer load the snapshot and the stored fits (store/clv_fit.h), call these, and
 * print or serve the tables.
 *
 * Summary conventions are those of clv/summary.h (CLV_REFERENCE.md §2): purchase days with
 * same-day lines merged, x = repeat days in calibration, t_x and T from the first purchase, m =
 * mean spend of the repeat days in the currency's major units. Return lines (negative amounts)
 * are not purchases: they are left out of the days and of the spend. Customers whose first
 * purchase is after the calibration end, or who never bought, have no summary.
 */
#ifndef OK_SERVICE_VALUE_H
#define OK_SERVICE_VALUE_H

#include <stddef.h>
#include <stdint.h>

#include "analytics/ledger.h"
#include "clv/fit.h"
#include "clv/model.h"
#include "clv/validate.h"
#include "core/buf.h"
#include "core/err.h"
#include "core/table.h"

/* Per-customer summaries as parallel arrays (index i = one customer with a summary). */
struct value_summaries {
    size_t n, cap;
    double unit_days; /* 1 (days) or 7 (weeks) */
    double *x, *t_x, *T, *m, *x_holdout;
    uint32_t *cust;     /* ledger customer index; from a file: the row number - 1 */
    int32_t *first_day; /* first purchase day; LEDGER_NO_DAY from a file */
    int from_ledger;
    int32_t cal_end, holdout_end; /* LEDGER_NO_DAY from a file */
    /* Repeat purchase days per calendar day (for the tracking curve): repeats[d - repeats_start]
     * for d in [repeats_start, repeats_start + nrepeats); customers in calibration only. */
    uint32_t *repeats;
    int32_t repeats_start;
    size_t nrepeats;
    int32_t cohort_start; /* earliest first purchase among the summaries */
    /* The summaries compressed by (x, t_x, T) and each summary's row there, made once by
     * value_summaries_from_ledger and reused by value_fit and value_predict (have_counts = 0
     * after value_summaries_add: they compress on the fly). */
    struct clv_data counts;
    uint32_t *row_of;
    int have_counts;
};

void value_summaries_init(struct value_summaries *s, double unit_days);
void value_summaries_release(struct value_summaries *s);

/* Appends one summary as given (e.g. a row of a summary file; check it with
 * clv_summary_check first). */
void value_summaries_add(struct value_summaries *s, double x, double t_x, double T, double m);

/* Builds the summaries of every customer of the ledger whose first purchase is on or before
 * cal_end, in one pass over the line columns (one scratch buffer, no per-customer allocation).
 * Holdout purchases are those in (cal_end, holdout_end]; pass holdout_end = cal_end for none.
 * s must be initialised with the unit; it is emptied first. Returns -1 with err on bad dates. */
int value_summaries_from_ledger(struct value_summaries *s, const struct ledger *l, int32_t cal_end,
                                int32_t holdout_end, struct ok_err *err);

/* "day" -> 1, "week" -> 7; -1 with a usage error otherwise. */
int value_unit_parse(const char *name, double *unit_days, struct ok_err *err);
/* "day" or "week". */
const char *value_unit_name(double unit_days);

/* Fits model to the summaries (compressed to weighted distinct rows; Gamma-Gamma on the
 * customers with x > 0 and m > 0). No customers to fit is not an error: res->converged = 0
 * and res->reason says why, the parameters are NaN. Returns -1 with err (input_line = 1-based
 * summary index) only for an invalid summary. */
int value_fit(enum clv_model model, const struct value_summaries *s, struct clv_fit_result *res,
              struct ok_err *err);

/* value_fit of a counting model and of Gamma-Gamma on the same summaries, on two threads.
 * Returns -1 with err if either fails as value_fit does. */
int value_fit_both(enum clv_model counts, const struct value_summaries *s,
                   struct clv_fit_result *res_counts, struct clv_fit_result *res_spend,
                   struct ok_err *err);

/* {"model":..,"unit":..,"customers":N,"params":{..},"log_likelihood":..,"converged":..,
 * "iterations":N} plus "reason" when not converged. NaN is written as null. */
void value_fit_json(struct buf *out, const struct clv_fit_result *res, const char *unit);
/* The same as a two-column (name, value) table. Caller frees. */
struct table *value_fit_table(const struct clv_fit_result *res, const char *unit);
/* The parameters alone as a JSON object {"r":..,"alpha":..,...} (what clv_fits stores). */
void value_params_json(struct buf *out, const struct clv_params *p);
/* Parses what value_params_json wrote for model; -1 with err if a parameter is missing or
 * not a positive number. */
int value_params_parse(enum clv_model model, const char *json, struct clv_params *out,
                       struct ok_err *err);

/* Per-customer predictions, parallel to the summaries they were computed from. */
struct value_predictions {
    size_t n;
    double *p_alive;  /* P(alive | x, t_x, T) */
    double *expected; /* E[Y(horizon) | x, t_x, T] */
    double *spend;    /* Gamma-Gamma E(M | x, m); NaN without a spend model */
    double *clv;      /* spend x discounted expected purchases; NaN without a spend model */
};

void value_predictions_release(struct value_predictions *p);

/* Predicts over horizon_days for every summary. counts is a fitted counting model, spend a
 * Gamma-Gamma fit or NULL. CLV discounts monthly: the horizon is cut into steps =
 * max(1, round(horizon/30)) equal periods, each discounted at the end at (1 + annual_discount)
 * ^ (period days / 365) - 1 per period (lifetimes' customer_lifetime_value sum, docs/models.md);
 * with annual_discount = 0 the CLV is spend x expected. Work grows with the distinct summaries
 * and is spread over the cores.
 * out is overwritten (release it). Returns -1 with err on invalid parameters or options. */
int value_predict(const struct value_summaries *s, const struct clv_params *counts,
                  const struct clv_params *spend, double horizon_days, double annual_discount,
                  struct value_predictions *out, struct ok_err *err);

/* The predictions as a table: customer_code, p_alive, expected_purchases, expected_avg_spend,
 * clv. codes[i] is the code of ledger customer i (NULL array or entry: the store id from l).
 * Caller frees. */
struct table *value_predictions_table(const struct value_summaries *s,
                                      const struct value_predictions *p, const struct ledger *l,
                                      const char *const *codes);

/* Calibration/holdout validation of a counting model fitted on the calibration data. */
struct value_validation {
    struct clv_fit_result fit;
    struct clv_validation bins; /* by calibration frequency 0..6, 7+ */
    double unit_days;           /* model time unit */
    double t_holdout;           /* holdout length in model units */
    size_t nweeks;
    double *weeks;             /* 1..nweeks, weeks since the cohort start */
    double *actual, *expected; /* cumulative repeat transactions at the end of each week */
    double calibration_weeks;  /* where calibration ends on the week axis */
};

/* Fits model on s (built from a ledger with holdout_end > cal_end), then computes the bins and
 * the weekly tracking curves over whole weeks from the cohort start to holdout_end. A fit that
 * does not converge is kept in out->fit (the caller reports it); -1 with err when the data do
 * not allow a validation (no holdout, no customers, unusable fit). Release out. */
int value_validate(enum clv_model model, const struct value_summaries *s,
                   struct value_validation *out, struct ok_err *err);
void value_validation_release(struct value_validation *v);

/* frequency ("0".."6", "7+"), customers, actual, predicted (means per customer), with a total
 * row "all". Caller frees. */
struct table *value_validation_bins_table(const struct value_validation *v);
/* week, actual, expected (cumulative repeat transactions). Caller frees. */
struct table *value_validation_tracking_table(const struct value_validation *v);
/* The two-panel SVG plot (clv_svg_validation) appended to out. */
void value_validation_svg(struct buf *out, const struct value_validation *v, const char *title);

#endif
