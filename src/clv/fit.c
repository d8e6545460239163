/*
 * fit.c - NLopt maximum-likelihood fitting with several starts and a convergence check (fit.h).
 */
#include "clv/fit.h"

#include <math.h>
#include <nlopt.h>
#include <stdio.h>
#include <string.h>

#include "core/banned.h"

#define LOG_BOUND 15.0
#define PENALTY   1e10

struct objective {
    enum clv_model model;
    const struct clv_data *d;
    double weight;
    int np;
    int evals;
};

static double objective_fn(unsigned n, const double *theta, double *grad, void *data)
{
    struct objective *o = data;
    struct clv_params p;
    double g[CLV_MAX_PARAMS];
    p.model = o->model;
    o->evals++;
    for (unsigned i = 0; i < n; i++)
        p.v[i] = exp(theta[i]);
    double ll = clv_loglik(&p, o->d, grad ? g : NULL);
    int ok = isfinite(ll);
    for (unsigned i = 0; grad && ok && i < n; i++)
        ok = isfinite(g[i]);
    if (!ok) {
        /* Keep NaN/inf away from the optimiser: a large finite value whose gradient points
         * back towards the origin of the log-parameters. */
        double pen = PENALTY;
        for (unsigned i = 0; i < n; i++) {
            pen += theta[i] * theta[i];
            if (grad)
                grad[i] = 2.0 * theta[i];
        }
        return pen;
    }
    if (grad)
        for (unsigned i = 0; i < n; i++)
            grad[i] = -g[i] * p.v[i] / o->weight;
    return -ll / o->weight;
}

/* Start points scaled to the data: alpha from the mean purchase rate, beta from the mean age,
 * gamma from the mean spend. */
static void make_starts(enum clv_model model, const struct clv_data *d, double starts[3][4])
{
    double sw = 0, sx = 0, sT = 0, sm = 0;
    for (size_t i = 0; i < d->n; i++) {
        const struct clv_row *r = &d->rows[i];
        sw += r->w;
        sx += r->w * r->x;
        sT += r->w * r->T;
        sm += r->w * r->m;
    }
    double rate = sx > 0 && sT > 0 ? sx / sT : 1.0;
    double tbar = sw > 0 && sT > 0 ? sT / sw : 1.0;
    double mbar = sw > 0 && sm > 0 ? sm / sw : 1.0;
    static const double mult[3] = {1.0, 0.5, 2.0};
    for (int k = 0; k < 3; k++) {
        double f = mult[k];
        switch (model) {
        case CLV_MODEL_BGNBD:
        case CLV_MODEL_MBGNBD:
            starts[k][0] = f;
            starts[k][1] = f / rate;
            starts[k][2] = f;
            starts[k][3] = 3.0 * f;
            break;
        case CLV_MODEL_PNBD:
            starts[k][0] = f;
            starts[k][1] = f / rate;
            starts[k][2] = f;
            starts[k][3] = f * tbar;
            break;
        case CLV_MODEL_GG:
            starts[k][0] = 2.0 * f;
            starts[k][1] = 2.0 + f;
            starts[k][2] = mbar * (1.0 + f) / (2.0 * f);
            starts[k][3] = 0.0;
            break;
        }
    }
}

static nlopt_opt make_opt(enum clv_model model, int np, struct objective *o,
                          const struct clv_fit_options *opt)
{
    nlopt_algorithm alg = model == CLV_MODEL_PNBD ? NLOPT_LN_BOBYQA : NLOPT_LD_LBFGS;
    nlopt_opt nl = nlopt_create(alg, (unsigned)np);
    double lb[CLV_MAX_PARAMS], ub[CLV_MAX_PARAMS];
    for (int i = 0; i < np; i++) {
        lb[i] = -LOG_BOUND;
        ub[i] = LOG_BOUND;
    }
    nlopt_set_lower_bounds(nl, lb);
    nlopt_set_upper_bounds(nl, ub);
    nlopt_set_min_objective(nl, objective_fn, o);
    nlopt_set_ftol_rel(nl, opt && opt->ftol_rel > 0 ? opt->ftol_rel : 1e-12);
    nlopt_set_xtol_rel(nl, 1e-10);
    nlopt_set_maxeval(nl, opt && opt->max_evals > 0 ? opt->max_evals : 3000);
    if (model == CLV_MODEL_PNBD) {
        double step[CLV_MAX_PARAMS] = {0.5, 0.5, 0.5, 0.5};
        nlopt_set_initial_step(nl, step);
    } else {
        nlopt_set_vector_storage(nl, 10);
    }
    return nl;
}

/* |gradient| of the mean LL in log-parameters by central differences (model independent). */
static double grad_norm(struct objective *o, const double *theta, int np)
{
    double s = 0.0, t[CLV_MAX_PARAMS];
    memcpy(t, theta, sizeof(double) * np);
    for (int i = 0; i < np; i++) {
        double h = 1e-5;
        t[i] = theta[i] + h;
        double up = objective_fn((unsigned)np, t, NULL, o);
        t[i] = theta[i] - h;
        double dn = objective_fn((unsigned)np, t, NULL, o);
        t[i] = theta[i];
        double g = (up - dn) / (2.0 * h);
        s += g * g;
    }
    return sqrt(s);
}

static int check_input(enum clv_model model, const struct clv_data *d, double *weight,
                       struct ok_err *err)
{
    double sw = 0.0;
    for (size_t i = 0; i < d->n; i++) {
        const struct clv_row *r = &d->rows[i];
        if (!isfinite(r->w) || r->w < 0)
            return ok_err_set(err, OK_ERR_INVALID, "row %zu: weight must be >= 0", i + 1);
        if (model == CLV_MODEL_GG) {
            if (!(r->x > 0) || !(r->m > 0) || !isfinite(r->x) || !isfinite(r->m))
                return ok_err_set(err, OK_ERR_INVALID,
                                  "row %zu: Gamma-Gamma needs frequency > 0 and "
                                  "monetary_value > 0",
                                  i + 1);
        } else if (clv_summary_check(r->x, r->t_x, r->T, r->m, err) < 0) {
            ok_err_locate(err, NULL, (long)i + 1);
            return -1;
        }
        sw += r->w;
    }
    if (d->n == 0 || sw <= 0)
        return ok_err_set(err, OK_ERR_INVALID, "no customers to fit");
    *weight = sw;
    return 0;
}

int clv_fit(enum clv_model model, const struct clv_data *d, const struct clv_fit_options *opt,
            struct clv_fit_result *res, struct ok_err *err)
{
    int np = clv_model_nparams(model);
    double weight = 0.0;
    memset(res, 0, sizeof(*res));
    res->params.model = model;
    if (check_input(model, d, &weight, err) < 0)
        return -1;
    res->customers = weight;

    double sx = 0.0, distinct_m = 0.0;
    for (size_t i = 0; i < d->n; i++) {
        sx += d->rows[i].w * d->rows[i].x;
        if (i > 0 && d->rows[i].m != d->rows[0].m)
            distinct_m = 1.0;
    }

    double starts[3][4];
    make_starts(model, d, starts);
    int max_starts = opt && opt->max_starts > 0 ? opt->max_starts : 3;
    if (max_starts > 3 + (opt && opt->start ? 1 : 0))
        max_starts = 3 + (opt && opt->start ? 1 : 0);

    struct objective o = {model, d, weight, np, 0};
    double best_theta[CLV_MAX_PARAMS], best_f = INFINITY, found_f[4];
    int best_evals = 0, best_rc = 0, agree = 0, nfound = 0;
    for (int k = 0; k < max_starts && !agree; k++) {
        double theta[CLV_MAX_PARAMS], f = INFINITY;
        const double *s0 = opt && opt->start ? (k == 0 ? opt->start : starts[k - 1]) : starts[k];
        for (int i = 0; i < np; i++) {
            double v = s0[i] > 0 && isfinite(s0[i]) ? log(s0[i]) : 0.0;
            theta[i] = fmax(-LOG_BOUND + 1, fmin(LOG_BOUND - 1, v));
        }
        nlopt_opt nl = make_opt(model, np, &o, opt);
        o.evals = 0;
        nlopt_result rc = nlopt_optimize(nl, theta, &f);
        nlopt_destroy(nl);
        res->starts = k + 1;
        if (!isfinite(f) || f >= PENALTY)
            continue;
        for (int j = 0; j < nfound; j++)
            if (fabs(found_f[j] - f) <= 1e-7 * (1.0 + fabs(f)))
                agree = 1;
        found_f[nfound++] = f;
        if (f < best_f) {
            best_f = f;
            memcpy(best_theta, theta, sizeof(theta));
            best_evals = o.evals;
            best_rc = rc;
        }
    }

    if (!isfinite(best_f)) {
        for (int i = 0; i < np; i++)
            res->params.v[i] = NAN;
        res->loglik = NAN;
        snprintf(res->reason, sizeof(res->reason),
                 "the likelihood could not be evaluated from any start");
        return 0;
    }
    for (int i = 0; i < np; i++)
        res->params.v[i] = exp(best_theta[i]);
    res->loglik = clv_loglik(&res->params, d, NULL);
    res->iterations = best_evals;
    res->grad_norm = grad_norm(&o, best_theta, np);
    res->converged = 1;

    const char *why = NULL;
    int at_bound = -1;
    for (int i = 0; i < np; i++)
        if (fabs(best_theta[i]) > LOG_BOUND - 1e-3)
            at_bound = i;
    if (model != CLV_MODEL_GG && sx <= 0)
        why = "no repeat purchases: the purchase rate cannot be estimated";
    else if (model == CLV_MODEL_GG && distinct_m == 0.0)
        why = "all customers have the same mean spend: spend heterogeneity cannot be estimated";
    else if (weight < 2 * np)
        why = "too few customers for the number of parameters";
    else if (at_bound >= 0)
        why = NULL; /* reported below with the parameter name */
    else if (best_rc < 0)
        why = "the optimiser failed";
    else if (!agree && max_starts > 1)
        why = "different starting points gave different optima";
    else if (res->grad_norm > 1e-3)
        why = "the gradient at the optimum is not small";
    if (at_bound >= 0 && !why) {
        res->converged = 0;
        snprintf(res->reason, sizeof(res->reason),
                 "degenerate optimum: %s runs to the bound of the search range (%g)",
                 clv_model_param_name(model, at_bound), res->params.v[at_bound]);
    } else if (why) {
        res->converged = 0;
        snprintf(res->reason, sizeof(res->reason), "%s", why);
    }
    return 0;
}
