/*
 * model.h - the buy-till-you-die models: likelihoods and predictions.
 *
 * Counting models (per customer: x repeat purchases, last at t_x, observed for T; see summary.h):
 *   BG/NBD      r, alpha, a, b      Fader, Hardie & Lee (2005), Marketing Science 24(2)
 *   Pareto/NBD  r, alpha, s, beta   Schmittlein, Morrison & Colombo (1987); likelihood as in
 *                                   Fader & Hardie (2005) note 008 (uses 2F1, special.h)
 *   MBG/NBD     r, alpha, a, b      Batislam, Denizel & Filiztekin (2007), IJRM 24(3)
 * Spend model:
 *   Gamma-Gamma p, q, gamma         Fader, Hardie & Lee (2005) JMR 42(4); Fader & Hardie note 025
 * docs/models.md gives every formula with its equation number. Pure functions of the parameters
 * and the summaries, thread-safe, no I/O. All predictions are finite for valid input (x in the
 * hundreds, t_x = T, x = 0) and P(alive) is in [0, 1].
 */
#ifndef OK_CLV_MODEL_H
#define OK_CLV_MODEL_H

#include "clv/summary.h"
#include "core/err.h"

enum clv_model { CLV_MODEL_BGNBD, CLV_MODEL_PNBD, CLV_MODEL_MBGNBD, CLV_MODEL_GG };

#define CLV_MAX_PARAMS 4

struct clv_params {
    enum clv_model model;
    double v[CLV_MAX_PARAMS]; /* in the order of clv_model_param_name */
};

/* "bgnbd", "pnbd", "mbgnbd", "gamma-gamma". */
const char *clv_model_name(enum clv_model model);
/* Parses a model name (also accepts "bg/nbd", "pareto/nbd", "mbg/nbd", "gg"); -1 + err if unknown.
 */
int clv_model_parse(const char *name, enum clv_model *model, struct ok_err *err);
/* 4 for the counting models, 3 for Gamma-Gamma. */
int clv_model_nparams(enum clv_model model);
/* "r","alpha","a","b" | "r","alpha","s","beta" | "p","q","gamma". */
const char *clv_model_param_name(enum clv_model model, int i);
/* 1 if every parameter is finite and > 0. */
int clv_params_valid(const struct clv_params *p);

/* Log-likelihood of one customer (weight ignored); for Gamma-Gamma uses x and m only. */
double clv_loglik_row(const struct clv_params *p, const struct clv_row *row);

/* Total weighted log-likelihood sum_i w_i LL_i. If grad is not NULL it receives dLL/dv (natural
 * parameters): analytic for BG/NBD, MBG/NBD and Gamma-Gamma, central differences for Pareto/NBD.
 * Returns NaN/inf as computed; fitting code must check. */
double clv_loglik(const struct clv_params *p, const struct clv_data *d, double *grad);

/* P(alive | x, t_x, T) (BG/NBD: Hardie note 021; Pareto/NBD: note 008 eq. 18; MBG/NBD: Batislam
 * eq. 9). In [0, 1]. Not defined for Gamma-Gamma (returns NaN). */
double clv_palive(const struct clv_params *p, double x, double t_x, double T);

/* E[X(t)]: expected repeat purchases in (0, t] of a customer just acquired. */
double clv_expected_purchases(const struct clv_params *p, double t);

/* E[Y(t) | x, t_x, T]: expected purchases in the next t time units. */
double clv_conditional_expected(const struct clv_params *p, double t, double x, double t_x,
                                double T);

/* P(X(t) = n) for a customer just acquired. */
double clv_prob_purchases(const struct clv_params *p, double t, int n);

/* Gamma-Gamma E(M | x, m): expected mean spend per transaction; the population mean
 * p*gamma/(q-1) when x = 0 (needs q > 1, else NaN). */
double clv_expected_spend(const struct clv_params *gg, double x, double m);

/* Discounted expected transactions as lifetimes' customer_lifetime_value sums them:
 *   sum_{i=1..steps} (E[Y(i*step)] - E[Y((i-1)*step)]) / (1 + discount)^i
 * (step is the length of one discounting period in model time units, e.g. 30 days or 4.345
 * weeks; discount is the rate per step). Multiply by clv_expected_spend for the CLV. */
double clv_discounted_transactions(const struct clv_params *p, double x, double t_x, double T,
                                   int steps, double step, double discount);

/* Expected cumulative repeat transactions of a cohort at each of times[0..n_times-1]:
 *   sum_j w_j E[X(t - birth_j)] over births before t (BTYD ExpectedCumulativeTransactions);
 * birth_j are acquisition times measured from the cohort start, in model units. */
void clv_tracking_expected(const struct clv_params *p, const double *birth, const double *w,
                           size_t n_birth, const double *times, size_t n_times, double *out);

#endif
