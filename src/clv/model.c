/*
 * model.c - likelihoods and predictions of BG/NBD, Pareto/NBD, MBG/NBD and Gamma-Gamma
 * (model.h). Everything that can be large (powers of (alpha+T), 2F1 at large x) is carried in
 * logarithms; ratios become logistic functions of a log-odds so P(alive) stays in [0, 1].
 */
#include "clv/model.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clv/special.h"
#include "core/mem.h"

#include "core/banned.h"

static const char *const PARAM_NAMES[4][4] = {
    {"r", "alpha", "a", "b"},
    {"r", "alpha", "s", "beta"},
    {"r", "alpha", "a", "b"},
    {"p", "q", "gamma", NULL},
};

const char *clv_model_name(enum clv_model model)
{
    switch (model) {
    case CLV_MODEL_BGNBD:
        return "bgnbd";
    case CLV_MODEL_PNBD:
        return "pnbd";
    case CLV_MODEL_MBGNBD:
        return "mbgnbd";
    case CLV_MODEL_GG:
        return "gamma-gamma";
    }
    return "?";
}

int clv_model_parse(const char *name, enum clv_model *model, struct ok_err *err)
{
    static const struct {
        const char *name;
        enum clv_model model;
    } names[] = {
        {"bgnbd", CLV_MODEL_BGNBD},     {"bg/nbd", CLV_MODEL_BGNBD},   {"pnbd", CLV_MODEL_PNBD},
        {"pareto/nbd", CLV_MODEL_PNBD}, {"paretonbd", CLV_MODEL_PNBD}, {"mbgnbd", CLV_MODEL_MBGNBD},
        {"mbg/nbd", CLV_MODEL_MBGNBD},  {"gamma-gamma", CLV_MODEL_GG}, {"gammagamma", CLV_MODEL_GG},
        {"gg", CLV_MODEL_GG},
    };
    for (size_t i = 0; name && i < sizeof(names) / sizeof(names[0]); i++) {
        if (strcasecmp(name, names[i].name) == 0) {
            *model = names[i].model;
            return 0;
        }
    }
    ok_err_set(err, OK_ERR_INVALID,
               "unknown model '%s' (expected bgnbd, pnbd, mbgnbd or gamma-gamma)",
               name ? name : "");
    ok_err_locate(err, "model", 0);
    return -1;
}

int clv_model_nparams(enum clv_model model)
{
    return model == CLV_MODEL_GG ? 3 : 4;
}

const char *clv_model_param_name(enum clv_model model, int i)
{
    if ((unsigned)model > CLV_MODEL_GG || i < 0 || i >= clv_model_nparams(model))
        return NULL;
    return PARAM_NAMES[model][i];
}

int clv_params_valid(const struct clv_params *p)
{
    for (int i = 0; i < clv_model_nparams(p->model); i++)
        if (!isfinite(p->v[i]) || p->v[i] <= 0)
            return 0;
    return 1;
}

static double lgam(double x)
{
    int s;
    return lgamma_r(x, &s);
}

/* log(1 + e^u) without overflow. */
static double softplus(double u)
{
    return u > 0 ? u + log1p(exp(-u)) : log1p(exp(u));
}

/* 1 / (1 + e^u) without overflow. */
static double logistic_neg(double u)
{
    if (u > 0) {
        double e = exp(-u);
        return e / (1.0 + e);
    }
    return 1.0 / (1.0 + exp(u));
}

/* log(e^p + e^q). */
static double logaddexp(double p, double q)
{
    if (p == -INFINITY)
        return q;
    if (q == -INFINITY)
        return p;
    return p > q ? p + log1p(exp(q - p)) : q + log1p(exp(p - q));
}

/* ---- BG/NBD and MBG/NBD ---------------------------------------------------------------- */

/* The parts of the (M)BG/NBD log-likelihood that depend on x only, and their derivatives. */
struct xterm {
    double ll;
    double g[4];
};

static void bg_xterm(const double *v, int mbg, double x, struct xterm *t, int want_grad)
{
    double r = v[0], alpha = v[1], a = v[2], b = v[3];
    /* FHL 2005 eq. 6 (BG/NBD); Batislam et al. 2007 eq. 6 (MBG/NBD): the beta part is
     * B(a, b+x)/B(a, b) for BG/NBD and B(a, b+x+1)/B(a, b) for MBG/NBD. */
    double k = mbg ? 1.0 : 0.0;
    t->ll = lgam(r + x) - lgam(r) + r * log(alpha) + lgam(a + b) + lgam(b + x + k) - lgam(b) -
            lgam(a + b + x + k);
    if (!want_grad)
        return;
    double pab = clv_digamma(a + b), pabx = clv_digamma(a + b + x + k);
    t->g[0] = clv_digamma(r + x) - clv_digamma(r) + log(alpha);
    t->g[1] = r / alpha;
    t->g[2] = pab - pabx;
    t->g[3] = pab + clv_digamma(b + x + k) - clv_digamma(b) - pabx;
}

/* The log-odds u of "dropped out after the last purchase" versus "still alive": P(alive) =
 * 1/(1+e^u). BG/NBD: a/(b+x-1) ((alpha+T)/(alpha+t_x))^(r+x) for x > 0 only (FHL 2005 eq. 6,
 * Hardie note 021); MBG/NBD: a/(b+x) (...)^(r+x) for every x (Batislam et al. 2007). Returns
 * -inf when there is no dropout term. */
static double bg_logodds(const double *v, int mbg, double x, double t_x, double T)
{
    double r = v[0], alpha = v[1], a = v[2], b = v[3];
    if (!mbg && x <= 0)
        return -INFINITY;
    double denom = mbg ? b + x : b + x - 1.0;
    return log(a / denom) + (r + x) * (log(alpha + T) - log(alpha + t_x));
}

static double bg_row_ll(const double *v, int mbg, const struct clv_row *row, const struct xterm *xt,
                        double *g)
{
    double r = v[0], alpha = v[1], a = v[2], b = v[3];
    double x = row->x;
    double lT = log(alpha + row->T);
    double u = bg_logodds(v, mbg, x, row->t_x, row->T);
    double ll = xt->ll - (r + x) * lT + (u == -INFINITY ? 0.0 : softplus(u));
    if (g) {
        double sig = u == -INFINITY ? 0.0 : 1.0 - logistic_neg(u);
        double lt = log(alpha + row->t_x);
        double denom = mbg ? b + x : b + x - 1.0;
        g[0] = xt->g[0] - lT + sig * (lT - lt);
        g[1] = xt->g[1] - (r + x) / (alpha + row->T) +
               sig * (r + x) * (1.0 / (alpha + row->T) - 1.0 / (alpha + row->t_x));
        g[2] = xt->g[2] + sig / a;
        g[3] = xt->g[3] - sig / denom;
    }
    return ll;
}

/* ---- Pareto/NBD ----------------------------------------------------------------------------- */

/* log 2F1(a, b; a+1; z) for a, b > 0, 0 <= z < 1: the likelihood's hot spot. By Euler (A&S
 * 15.3.3) it is (1-z)^(1-b) 2F1(1, a+1-b; a+1; z), whose terms are positive with ratio
 * (a+1-b+k)/(a+1+k) z < z, so the sum is stable and cheap; near z = 1 the general routine takes
 * over. */
static double pnbd_log_f(double a, double b, double z)
{
    if (z > 0.9) {
        int sg;
        double l = clv_hyp2f1_log(a, b, a + 1.0, z, &sg);
        return sg > 0 ? l : NAN;
    }
    double c = a + 1.0 - b, term = 1.0, sum = 1.0;
    for (int k = 0; k < 2000; k++) {
        term *= (c + k) / (a + 1.0 + k) * z;
        sum += term;
        if (term <= 1e-17 * sum)
            break;
    }
    return (1.0 - b) * log1p(-z) + log(sum);
}

/* log of A0 (Fader & Hardie 2005 note 008 eq. 5 / FHL 2005 appendix):
 *   A0 = F(r+s+x, p; r+s+x+1; |alpha-beta|/(m+t_x)) / (m+t_x)^(r+s+x) - (same at T),
 * m = max(alpha, beta), p = s+1 if alpha >= beta else r+x. -inf when t_x = T. */
static double pnbd_log_a0(const double *v, double x, double t_x, double T)
{
    double r = v[0], alpha = v[1], s = v[2], beta = v[3];
    if (t_x >= T)
        return -INFINITY;
    double m = alpha >= beta ? alpha : beta;
    double p = alpha >= beta ? s + 1.0 : r + x;
    double d = fabs(alpha - beta);
    double rsx = r + s + x;
    double l1 = pnbd_log_f(rsx, p, d / (m + t_x)) - rsx * log(m + t_x);
    double l2 = pnbd_log_f(rsx, p, d / (m + T)) - rsx * log(m + T);
    if (isnan(l1) || isnan(l2))
        return NAN;
    if (l2 >= l1)
        return -INFINITY; /* rounding: the integral from t_x to T is below resolution */
    return l1 + log(-expm1(l2 - l1));
}

/* Returns the log-likelihood; *lodds receives log(dead term / alive term) for P(alive). */
static double pnbd_row_ll(const double *v, const struct clv_row *row, double *lodds)
{
    double r = v[0], alpha = v[1], s = v[2], beta = v[3];
    double x = row->x;
    double lalive = -(r + x) * log(alpha + row->T) - s * log(beta + row->T);
    double la0 = pnbd_log_a0(v, x, row->t_x, row->T);
    double ldead = la0 == -INFINITY ? -INFINITY : log(s / (r + s + x)) + la0;
    if (lodds)
        *lodds = ldead - lalive;
    return lgam(r + x) - lgam(r) + r * log(alpha) + s * log(beta) + logaddexp(lalive, ldead);
}

/* ---- Gamma-Gamma ---------------------------------------------------------------------------- */

/* Fader & Hardie note 025 eq. 3 (density of the mean spend m of x transactions). */
static double gg_row_ll(const double *v, double x, double m, double *g)
{
    double p = v[0], q = v[1], gam = v[2];
    double px = p * x, lxm = log(x * m + gam);
    double ll = lgam(px + q) - lgam(px) - lgam(q) + q * log(gam) + (px - 1.0) * log(m) +
                px * log(x) - (px + q) * lxm;
    if (g) {
        double ppq = clv_digamma(px + q);
        g[0] = x * (ppq - clv_digamma(px) + log(m) + log(x) - lxm);
        g[1] = ppq - clv_digamma(q) + log(gam) - lxm;
        g[2] = q / gam - (px + q) / (x * m + gam);
    }
    return ll;
}

/* ---- likelihood entry points -------------------------------------------------------------- */

double clv_loglik_row(const struct clv_params *p, const struct clv_row *row)
{
    struct xterm xt;
    switch (p->model) {
    case CLV_MODEL_BGNBD:
    case CLV_MODEL_MBGNBD: {
        int mbg = p->model == CLV_MODEL_MBGNBD;
        bg_xterm(p->v, mbg, row->x, &xt, 0);
        return bg_row_ll(p->v, mbg, row, &xt, NULL);
    }
    case CLV_MODEL_PNBD:
        return pnbd_row_ll(p->v, row, NULL);
    case CLV_MODEL_GG:
        return gg_row_ll(p->v, row->x, row->m, NULL);
    }
    return NAN;
}

#define XCACHE 1024 /* x-only terms are cached for integer x below this */

static double bg_loglik(const struct clv_params *p, const struct clv_data *d, double *grad)
{
    int mbg = p->model == CLV_MODEL_MBGNBD;
    struct xterm *cache = xcalloc(XCACHE, sizeof(*cache));
    unsigned char *have = xcalloc(XCACHE, 1);
    double ll = 0.0, g[4], acc[4] = {0, 0, 0, 0};
    for (size_t i = 0; i < d->n; i++) {
        const struct clv_row *row = &d->rows[i];
        struct xterm local, *xt = &local;
        double xi = row->x;
        if (xi < XCACHE && xi == floor(xi)) {
            size_t k = (size_t)xi;
            xt = &cache[k];
            if (!have[k]) {
                bg_xterm(p->v, mbg, xi, xt, grad != NULL);
                have[k] = 1;
            }
        } else {
            bg_xterm(p->v, mbg, xi, xt, grad != NULL);
        }
        ll += row->w * bg_row_ll(p->v, mbg, row, xt, grad ? g : NULL);
        if (grad)
            for (int j = 0; j < 4; j++)
                acc[j] += row->w * g[j];
    }
    if (grad)
        memcpy(grad, acc, sizeof(acc));
    free(cache);
    free(have);
    return ll;
}

static double plain_loglik(const struct clv_params *p, const struct clv_data *d)
{
    double ll = 0.0;
    for (size_t i = 0; i < d->n; i++)
        ll += d->rows[i].w * clv_loglik_row(p, &d->rows[i]);
    return ll;
}

double clv_loglik(const struct clv_params *p, const struct clv_data *d, double *grad)
{
    switch (p->model) {
    case CLV_MODEL_BGNBD:
    case CLV_MODEL_MBGNBD:
        return bg_loglik(p, d, grad);
    case CLV_MODEL_GG: {
        double ll = 0.0, g[3], acc[3] = {0, 0, 0};
        for (size_t i = 0; i < d->n; i++) {
            const struct clv_row *row = &d->rows[i];
            ll += row->w * gg_row_ll(p->v, row->x, row->m, grad ? g : NULL);
            if (grad)
                for (int j = 0; j < 3; j++)
                    acc[j] += row->w * g[j];
        }
        if (grad)
            memcpy(grad, acc, sizeof(acc));
        return ll;
    }
    case CLV_MODEL_PNBD: {
        double ll = plain_loglik(p, d);
        if (grad) {
            /* Central differences with a relative step: the derivatives of 2F1 with respect to its
             * parameters have no cheap closed form. */
            for (int j = 0; j < 4; j++) {
                struct clv_params q = *p;
                double h = 1e-5 * p->v[j];
                q.v[j] = p->v[j] + h;
                double up = plain_loglik(&q, d);
                q.v[j] = p->v[j] - h;
                double dn = plain_loglik(&q, d);
                grad[j] = (up - dn) / (2.0 * h);
            }
        }
        return ll;
    }
    }
    return NAN;
}

/* ---- predictions ------------------------------------------------------------------------- */

double clv_palive(const struct clv_params *p, double x, double t_x, double T)
{
    switch (p->model) {
    case CLV_MODEL_BGNBD:
    case CLV_MODEL_MBGNBD: {
        double u = bg_logodds(p->v, p->model == CLV_MODEL_MBGNBD, x, t_x, T);
        return u == -INFINITY ? 1.0 : logistic_neg(u);
    }
    case CLV_MODEL_PNBD: {
        struct clv_row row = {x, t_x, T, 0.0, 1.0};
        double lodds;
        pnbd_row_ll(p->v, &row, &lodds);
        if (isnan(lodds))
            return NAN;
        return lodds == -INFINITY ? 1.0 : logistic_neg(lodds);
    }
    case CLV_MODEL_GG:
        break;
    }
    return NAN;
}

/* [1 - (1+t/b)^-(k)] / k, continuous at k = 0 (log1p(t/b)). */
static double pow_diff_ratio(double k, double t, double b)
{
    double l = log1p(t / b);
    if (fabs(k) < 1e-10)
        return l;
    return -expm1(-k * l) / k;
}

/* 1 - (1-z)^e F(A, B; C; z), computed as -expm1(log) so that small results keep their digits. */
static double one_minus_scaled_f(double e, double A, double B, double C, double z)
{
    int sg;
    double lf = clv_hyp2f1_log(A, B, C, z, &sg);
    if (isnan(lf) || sg <= 0)
        return sg == 0 && !isnan(lf) ? 1.0 : NAN;
    return -expm1(lf + e * log1p(-z));
}

double clv_expected_purchases(const struct clv_params *p, double t)
{
    const double *v = p->v;
    if (!(t > 0))
        return 0.0;
    double r = v[0], alpha = v[1];
    double z = t / (alpha + t);
    switch (p->model) {
    case CLV_MODEL_BGNBD: /* FHL 2005 eq. 9 */
        return (v[2] + v[3] - 1.0) / (v[2] - 1.0) *
               one_minus_scaled_f(r, r, v[3], v[2] + v[3] - 1.0, z);
    case CLV_MODEL_MBGNBD: /* Batislam et al. 2007 eq. 10 */
        return v[3] / (v[2] - 1.0) * one_minus_scaled_f(r, r, v[3] + 1.0, v[2] + v[3], z);
    case CLV_MODEL_PNBD: /* Schmittlein et al. 1987 eq. 17; FH note 008 eq. 17 */
        return r * v[3] / v[1] * pow_diff_ratio(v[2] - 1.0, t, v[3]);
    case CLV_MODEL_GG:
        break;
    }
    return NAN;
}

double clv_conditional_expected(const struct clv_params *p, double t, double x, double t_x,
                                double T)
{
    const double *v = p->v;
    if (!(t > 0))
        return 0.0;
    double r = v[0], alpha = v[1];
    double pa = clv_palive(p, x, t_x, T);
    if (pa == 0.0 || isnan(pa))
        return pa;
    double z = t / (alpha + T + t);
    switch (p->model) {
    case CLV_MODEL_BGNBD: { /* FHL 2005 eq. 10 */
        double a = v[2], b = v[3];
        double c = a + b + x - 1.0;
        return c / (a - 1.0) * one_minus_scaled_f(r + x, r + x, b + x, c, z) * pa;
    }
    case CLV_MODEL_MBGNBD: { /* Batislam et al. 2007 eq. 11 */
        double a = v[2], b = v[3];
        double c = a + b + x;
        return c / (a - 1.0) * one_minus_scaled_f(r + x, r + x, b + x + 1.0, c, z) * pa;
    }
    case CLV_MODEL_PNBD: { /* Schmittlein et al. 1987 eq. 22; FH note 008 eq. 21 */
        double s = v[2], beta = v[3];
        return (r + x) * (beta + T) / (alpha + T) * pow_diff_ratio(s - 1.0, t, beta + T) * pa;
    }
    case CLV_MODEL_GG:
        break;
    }
    return NAN;
}

/* log NB(n; r, alpha, t) = log[Gamma(r+n)/(Gamma(r) n!) (alpha/(alpha+t))^r (t/(alpha+t))^n]. */
static double log_nbd(double r, double alpha, double t, int n)
{
    double l = lgam(r + n) - lgam(r) - lgam(n + 1.0) + r * (log(alpha) - log(alpha + t));
    if (n > 0)
        l += n * (log(t) - log(alpha + t));
    return l;
}

/* P(N(t) >= n) under the NBD = 1 - sum_{j<n} NB(j). */
static double nbd_tail(double r, double alpha, double t, int n)
{
    double s = 0.0;
    for (int j = 0; j < n; j++)
        s += exp(log_nbd(r, alpha, t, j));
    return s >= 1.0 ? 0.0 : 1.0 - s;
}

/* 20-point Gauss-Legendre nodes and weights on [-1, 1] (positive half). */
static const double GL_X[10] = {0.0765265211334973, 0.2277858511416451, 0.3737060887154195,
                                0.5108670019508271, 0.6360536807265150, 0.7463319064601508,
                                0.8391169718222188, 0.9122344282513259, 0.9639719272779138,
                                0.9931285991850949};
static const double GL_W[10] = {0.1527533871307258, 0.1491729864726037, 0.1420961093183820,
                                0.1316886384491766, 0.1181945319615184, 0.1019301198172404,
                                0.0832767415767048, 0.0626720483341091, 0.0406014298003869,
                                0.0176140071391521};

/* Pareto/NBD P(X(t)=n): alive at t with n purchases, plus death at tau in (0, t] after n
 * purchases in (0, tau] (Schmittlein et al. 1987 sec. 3; Fader, Hardie & Lee 2006 note):
 *   NB(n; t) (beta/(beta+t))^s + int_0^t NB(n; tau) s beta^s (beta+tau)^-(s+1) dtau,
 * the integral by composite 20-point Gauss-Legendre on 16 panels. */
static double pnbd_pmf(const double *v, double t, int n)
{
    double r = v[0], alpha = v[1], s = v[2], beta = v[3];
    double alive = exp(log_nbd(r, alpha, t, n) + s * (log(beta) - log(beta + t)));
    const int panels = 16;
    double h = t / panels, sum = 0.0;
    for (int k = 0; k < panels; k++) {
        double mid = (k + 0.5) * h, half = 0.5 * h;
        for (int j = 0; j < 10; j++) {
            for (int side = -1; side <= 1; side += 2) {
                double tau = mid + side * half * GL_X[j];
                double lf = log_nbd(r, alpha, tau, n) + log(s) + s * log(beta) -
                            (s + 1.0) * log(beta + tau);
                sum += GL_W[j] * half * exp(lf);
            }
        }
    }
    return alive + sum;
}

double clv_prob_purchases(const struct clv_params *p, double t, int n)
{
    const double *v = p->v;
    if (n < 0)
        return 0.0;
    if (!(t > 0))
        return n == 0 ? 1.0 : 0.0;
    double r = v[0], alpha = v[1], a = v[2], b = v[3];
    double lb = clv_lbeta(a, b);
    switch (p->model) {
    case CLV_MODEL_BGNBD: { /* FHL 2005 eq. 8 */
        double pr = exp(clv_lbeta(a, b + n) - lb + log_nbd(r, alpha, t, n));
        if (n > 0)
            pr += exp(clv_lbeta(a + 1.0, b + n - 1.0) - lb) * nbd_tail(r, alpha, t, n);
        return pr;
    }
    case CLV_MODEL_MBGNBD: {
        /* Dropout chances after the first purchase and after each repeat: alive with n
         * purchases, or dropped right after the n-th: E[(1-p)^(n+1)] NB(n) + E[p(1-p)^n]
         * P(N(t) >= n). */
        double pr = exp(clv_lbeta(a, b + n + 1.0) - lb + log_nbd(r, alpha, t, n));
        pr += exp(clv_lbeta(a + 1.0, b + n) - lb) * nbd_tail(r, alpha, t, n);
        return pr;
    }
    case CLV_MODEL_PNBD:
        return pnbd_pmf(v, t, n);
    case CLV_MODEL_GG:
        break;
    }
    return NAN;
}

double clv_expected_spend(const struct clv_params *gg, double x, double m)
{
    double p = gg->v[0], q = gg->v[1], gam = gg->v[2];
    if (gg->model != CLV_MODEL_GG || !(q > 1.0))
        return NAN;
    if (x <= 0)
        return p * gam / (q - 1.0);
    /* Fader & Hardie note 025 eq. 5: a weighted mean of the population mean and m. */
    return (p * gam + p * x * m) / (p * x + q - 1.0);
}

double clv_discounted_transactions(const struct clv_params *p, double x, double t_x, double T,
                                   int steps, double step, double discount)
{
    double total = 0.0, prev = 0.0, disc = 1.0;
    for (int i = 1; i <= steps; i++) {
        double cur = clv_conditional_expected(p, i * step, x, t_x, T);
        disc /= 1.0 + discount;
        total += (cur - prev) * disc;
        prev = cur;
    }
    return total;
}

void clv_tracking_expected(const struct clv_params *p, const double *birth, const double *w,
                           size_t n_birth, const double *times, size_t n_times, double *out)
{
    for (size_t k = 0; k < n_times; k++) {
        double s = 0.0;
        for (size_t j = 0; j < n_birth; j++)
            if (birth[j] < times[k])
                s += (w ? w[j] : 1.0) * clv_expected_purchases(p, times[k] - birth[j]);
        out[k] = s;
    }
}
