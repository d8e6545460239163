/*
 * special.c - 2F1, digamma and log-beta for the customer value models (see special.h).
 *
 * Formulas: Abramowitz & Stegun (1964) chapter 15 (15.1.1 series, 15.3.3 Euler, 15.3.4/15.3.5
 * Pfaff, 15.3.6 linear 1-z transformation, 15.3.10-12 its logarithmic integer cases); DLMF 15.8.
 * Values travel as (log|v|, sign) pairs so that prefactors like (1-z)^-a cannot overflow.
 */
#include "clv/special.h"

#include <float.h>
#include <math.h>

#include "core/banned.h"

#define SERIES_MAX_TERMS 400000L
#define Z_SERIES_MAX     0.9
#define Z_NEAR1_BUDGET   1500L
#define Z_PFAFF          (-0.5)
#define NEAR_INT_EXACT   1e-12
#define NEAR_INT_BAND    1e-4
#define Z_BAND_SERIES    0.9999
#define RESCALE          1e200
#define LOG_RESCALE      460.51701859880914 /* ln(1e200) */

struct lval {
    double lg; /* log|v| */
    int sg;    /* sign of v: -1, 0, +1 */
};

/* lgamma without the global signgam, so that fitting can run in threads. */
static double lgam(double x)
{
    int s;
    return lgamma_r(x, &s);
}

static int is_nonpos_int(double x)
{
    return x <= 0 && x == floor(x);
}

static struct lval lv_nan(void)
{
    struct lval v = {NAN, 0};
    return v;
}

static struct lval lv_from(double v)
{
    struct lval r;
    r.sg = v > 0 ? 1 : v < 0 ? -1 : 0;
    r.lg = r.sg ? log(fabs(v)) : -INFINITY;
    if (isnan(v))
        return lv_nan();
    return r;
}

static struct lval lv_add(struct lval p, struct lval q)
{
    if (isnan(p.lg) || isnan(q.lg))
        return lv_nan();
    if (q.sg == 0)
        return p;
    if (p.sg == 0)
        return q;
    double m = p.lg > q.lg ? p.lg : q.lg;
    double v = p.sg * exp(p.lg - m) + q.sg * exp(q.lg - m);
    struct lval r = lv_from(v);
    if (r.sg)
        r.lg += m;
    return r;
}

/* log|1/Gamma(x)| with sign; 1/Gamma is zero at the poles, which makes whole terms vanish. */
static double lrgamma(double x, int *sign)
{
    int s = 1;
    if (is_nonpos_int(x)) {
        *sign = 0;
        return -INFINITY;
    }
    double l = lgamma_r(x, &s);
    *sign = s;
    return -l;
}

/* The Maclaurin series sum_k (a)_k (b)_k / ((c)_k k!) z^k (A&S 15.1.1), rescaled as it grows.
 * Stops when the remaining tail, bounded by a geometric series once the term ratio is below 1,
 * is below DBL_EPSILON/8 of the sum. */
static struct lval series(double a, double b, double c, double z, long max_terms)
{
    double term = 1.0, sum = 1.0, lscale = 0.0;
    for (long k = 0; k < max_terms; k++) {
        double ratio = (a + k) * (b + k) / ((c + k) * (k + 1.0)) * z;
        term *= ratio;
        sum += term;
        if (term == 0.0)
            break;
        if (fabs(term) > RESCALE || fabs(sum) > RESCALE) {
            term /= RESCALE;
            sum /= RESCALE;
            lscale += LOG_RESCALE;
        }
        double ar = fabs(ratio);
        if (ar < 1.0 && fabs(term) * ar / (1.0 - ar) <= 0.125 * DBL_EPSILON * fabs(sum))
            break;
        if (k == max_terms - 1)
            return lv_nan();
    }
    struct lval r = lv_from(sum);
    if (r.sg)
        r.lg += lscale;
    return r;
}

/* Series on whichever of F(a,b;c;z) and its Euler transform (1-z)^(c-a-b) F(c-a,c-b;c;z) has
 * terms that decay (the one whose upper parameters sum to less than c), or a polynomial. */
static struct lval series_best(double a, double b, double c, double z, long max_terms)
{
    double d = c - a - b;
    int euler_poly = is_nonpos_int(c - a) || is_nonpos_int(c - b);
    if (!is_nonpos_int(a) && !is_nonpos_int(b) && (d < 0 || euler_poly)) {
        struct lval r = series(c - a, c - b, c, z, max_terms);
        if (r.sg)
            r.lg += d * log1p(-z);
        return r;
    }
    return series(a, b, c, z, max_terms);
}

static struct lval h2f1(double a, double b, double c, double z);

/* c = a + b + m with integer m >= 0, y = 1 - z small: A&S 15.3.10 (m = 0) and 15.3.11. */
static struct lval integer_case(double a, double b, int m, double y)
{
    double c = a + b + m;
    int s1, s2, s3;
    struct lval total = {-INFINITY, 0};
    double lgc = lgamma_r(c, &s1);

    if (m > 0) {
        /* Gamma(c)/(Gamma(a+m)Gamma(b+m)) sum_{n<m} (a)_n (b)_n (m-n-1)!/n! (-y)^n */
        double coef_l = lgc + lrgamma(a + m, &s2) + lrgamma(b + m, &s3);
        int coef_s = s1 * s2 * s3;
        if (coef_s) {
            double t = 1.0, sum = 0.0;
            for (int n = 0; n < m; n++) {
                sum += t * tgamma((double)(m - n));
                t *= (a + n) * (b + n) / (n + 1.0) * (-y);
            }
            struct lval p = lv_from(sum);
            if (p.sg) {
                p.lg += coef_l;
                p.sg *= coef_s;
            }
            total = lv_add(total, p);
        }
    }
    /* -(-1)^m y^m Gamma(c)/(Gamma(a)Gamma(b) m!) sum_n (a+m)_n (b+m)_n/(n! (m+1)_n) y^n h_n,
     * h_n = ln y - psi(n+1) - psi(n+m+1) + psi(a+n+m) + psi(b+n+m) */
    double coef_l = lgc + lrgamma(a, &s2) + lrgamma(b, &s3) - lgam(m + 1.0) + m * log(y);
    int coef_s = -s1 * s2 * s3 * ((m & 1) ? -1 : 1);
    if (coef_s) {
        double p1 = clv_digamma(1.0), pm = clv_digamma(m + 1.0);
        double pa = clv_digamma(a + m), pb = clv_digamma(b + m), ly = log(y);
        double t = 1.0, sum = 0.0;
        for (long n = 0; n < SERIES_MAX_TERMS; n++) {
            double h = ly - p1 - pm + pa + pb;
            double add = t * h;
            sum += add;
            if (n > 2 && fabs(add) <= 0.125 * DBL_EPSILON * fabs(sum) && fabs(t) < 1.0)
                break;
            t *= (a + m + n) * (b + m + n) / ((n + 1.0) * (m + n + 1.0)) * y;
            p1 += 1.0 / (n + 1.0);
            pm += 1.0 / (m + n + 1.0);
            pa += 1.0 / (a + m + n);
            pb += 1.0 / (b + m + n);
        }
        struct lval p = lv_from(sum);
        if (p.sg) {
            p.lg += coef_l;
            p.sg *= coef_s;
        }
        total = lv_add(total, p);
    }
    return total;
}

/* z > 0.9: A&S 15.3.6 with y = 1 - z, or its integer forms. */
static struct lval one_minus_z(double a, double b, double c, double z)
{
    double y = 1.0 - z;
    double d = c - a - b;
    double m = nearbyint(d);
    if (fabs(d - m) < NEAR_INT_EXACT * (1.0 + fabs(d))) {
        if (m >= 0)
            return integer_case(a, b, (int)m, y);
        /* Euler first, so that the integer is positive: F = y^d F(c-a, c-b; c; z). */
        struct lval r = integer_case(c - a, c - b, (int)-m, y);
        if (r.sg)
            r.lg += d * log(y);
        return r;
    }
    if (fabs(d - m) < NEAR_INT_BAND && z <= Z_BAND_SERIES)
        return series_best(a, b, c, z, SERIES_MAX_TERMS);

    int sc, sd, smd, sca, scb, sa, sb;
    double lgc = lgamma_r(c, &sc);
    double lgd = lgamma_r(d, &sd), lgmd = lgamma_r(-d, &smd);
    struct lval t1 = h2f1(a, b, 1.0 - d, y);
    if (t1.sg) {
        t1.lg += lgc + lgd + lrgamma(c - a, &sca) + lrgamma(c - b, &scb);
        t1.sg *= sc * sd * sca * scb;
    }
    struct lval t2 = h2f1(c - a, c - b, 1.0 + d, y);
    if (t2.sg) {
        t2.lg += lgc + lgmd + lrgamma(a, &sa) + lrgamma(b, &sb) + d * log(y);
        t2.sg *= sc * smd * sa * sb;
    }
    return lv_add(t1, t2);
}

static struct lval h2f1(double a, double b, double c, double z)
{
    if (!isfinite(a) || !isfinite(b) || !isfinite(c) || !isfinite(z) || z >= 1.0 ||
        is_nonpos_int(c))
        return lv_nan();
    if (z == 0.0 || a == 0.0 || b == 0.0) {
        struct lval one = {0.0, 1};
        return one;
    }
    if (is_nonpos_int(a) || is_nonpos_int(b))
        return series(a, b, c, z, SERIES_MAX_TERMS);
    if (z < Z_PFAFF) {
        /* Pfaff: F = (1-z)^-a F(a, c-b; c; z/(z-1)), or the same with a and b swapped when
         * that gives a polynomial. The new argument lies in (1/3, 1). */
        double w = z / (z - 1.0);
        struct lval r;
        if (is_nonpos_int(c - a) && !is_nonpos_int(c - b)) {
            r = h2f1(b, c - a, c, w);
            if (r.sg)
                r.lg += -b * log1p(-z);
        } else {
            r = h2f1(a, c - b, c, w);
            if (r.sg)
                r.lg += -a * log1p(-z);
        }
        return r;
    }
    if (z <= Z_SERIES_MAX)
        return series_best(a, b, c, z, SERIES_MAX_TERMS);
    /* Near 1 the series is still the most accurate choice when it converges quickly (a large
     * lower parameter, as in the conditional expectations for large x); 15.3.6 cancels there. */
    struct lval r = series_best(a, b, c, z, Z_NEAR1_BUDGET);
    if (!isnan(r.lg) || r.sg != 0)
        return r;
    return one_minus_z(a, b, c, z);
}

double clv_hyp2f1_log(double a, double b, double c, double z, int *sign)
{
    struct lval r = h2f1(a, b, c, z);
    if (isnan(r.lg) && r.sg == 0) {
        *sign = 0;
        return NAN;
    }
    *sign = r.sg;
    return r.lg;
}

double clv_hyp2f1(double a, double b, double c, double z)
{
    int s;
    double l = clv_hyp2f1_log(a, b, c, z, &s);
    if (isnan(l))
        return NAN;
    return s == 0 ? 0.0 : s * exp(l);
}

/* Recurrence up to x >= 10, then the asymptotic series (A&S 6.3.18); reflection for x < 0
 * (A&S 6.3.7). Error about 1e-15 absolute away from the zero near 1.4616. */
double clv_digamma(double x)
{
    if (isnan(x))
        return x;
    if (is_nonpos_int(x))
        return NAN;
    if (x < 0)
        return clv_digamma(1.0 - x) - M_PI / tan(M_PI * x);
    double r = 0.0;
    while (x < 10.0) {
        r -= 1.0 / x;
        x += 1.0;
    }
    double f = 1.0 / (x * x);
    double tail =
        f * (1.0 / 12 -
             f * (1.0 / 120 -
                  f * (1.0 / 252 - f * (1.0 / 240 - f * (1.0 / 132 - f * (691.0 / 32760))))));
    return r + log(x) - 0.5 / x - tail;
}

double clv_lbeta(double a, double b)
{
    return lgam(a) + lgam(b) - lgam(a + b);
}
