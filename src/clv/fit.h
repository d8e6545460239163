/*
 * fit.h - maximum-likelihood fitting of the customer value models (model.h) with NLopt.
 *
 * Parameters are optimised on the log scale (so they stay positive) within [e^-15, e^15], from
 * several starting points scaled to the data; the objective is the mean negative log-likelihood
 * (lifetimes' convention, so tolerances do not depend on the number of customers). Analytic
 * gradients and L-BFGS for BG/NBD, MBG/NBD and Gamma-Gamma; BOBYQA (derivative-free) for
 * Pareto/NBD. A non-finite likelihood is never passed to the optimiser: it sees a large finite
 * penalty instead. The fit counts as converged only when the optimiser stopped normally, two
 * starts agree on the optimum, the gradient there is small and no parameter sits at a bound;
 * otherwise converged = 0 and reason says why (the parameters are still the best found).
 */
#ifndef OK_CLV_FIT_H
#define OK_CLV_FIT_H

#include "clv/model.h"
#include "clv/summary.h"
#include "core/err.h"

struct clv_fit_options {
    int max_starts;      /* starts tried until two agree; 0 = 3 */
    int max_evals;       /* per start; 0 = 3000 */
    double ftol_rel;     /* 0 = 1e-12 */
    const double *start; /* optional first start (natural parameters), NULL = automatic */
};

struct clv_fit_result {
    struct clv_params params;
    double loglik;    /* total weighted log-likelihood at params */
    int converged;    /* 1 only if all the checks in the header comment passed */
    int iterations;   /* objective evaluations of the best start */
    int starts;       /* starts run */
    double grad_norm; /* |d mean LL / d log-params| at the optimum (central differences) */
    double customers; /* total weight fitted */
    char reason[200]; /* "" when converged, else why not */
};

/* Fits model to the rows of d (for Gamma-Gamma: rows with x > 0 and m > 0, e.g. from
 * clv_data_compress(..., CLV_KEY_SPEND, ...)). opt may be NULL. Returns -1 with err filled for
 * unusable input (no rows, invalid summaries); a fit that does not converge returns 0 with
 * res->converged = 0 and res->reason set. */
int clv_fit(enum clv_model model, const struct clv_data *d, const struct clv_fit_options *opt,
            struct clv_fit_result *res, struct ok_err *err);

#endif
