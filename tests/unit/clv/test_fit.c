/* Tests for src/clv/fit.c (and the data-level predictions of model.c / validate.c): MLE on the
 * CDNOW sample against the published estimates and log-likelihoods, Gamma-Gamma E(M) and CLV of
 * the first ten customers (lifetimes docs), the calibration-frequency bins and the tracking
 * curve (BTYD vignette), parameter recovery on simulated data, and bad input. Data are read from
 * $OKAERI_SHARED_DATA/cdnow (see cdnow.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "cdnow.h"
#include "clv/fit.h"
#include "clv/validate.h"

#define NEAR(v, ref, tol)                                                                          \
    do {                                                                                           \
        double v_ = (v), r_ = (ref);                                                               \
        if (!(fabs(v_ - r_) <= (tol)))                                                             \
            fail_msg("%s = %.10g, expected %.10g (tol %g)", #v, v_, r_, (double)(tol));            \
    } while (0)

/* BTYD cbs: cust, x, t.x, T.cal, x.star, m.x at full precision. */
static double CBS[6][CDNOW_MAX];
static int NCBS;
/* lifetimes 2-dp summary: ID, x, t_x, T, zbar. */
static double LT[6][CDNOW_MAX];
static int NLT;

static int setup(void **state)
{
    NCBS = cdnow_read("btyd_cdnow_cbs.csv", CBS);
    NLT = cdnow_read("cdnow_customers_summary_with_transactions.csv", LT);
    return NCBS == 2357 && NLT == 2357 ? 0 : -1;
}

static void fit_counts(enum clv_model model, double cols[6][CDNOW_MAX], int n,
                       struct clv_fit_result *res)
{
    struct clv_data d;
    struct ok_err err;
    clv_data_init(&d);
    assert_int_equal(clv_data_compress(&d, CLV_KEY_COUNTS, cols[1], cols[2], cols[3], NULL,
                                       (size_t)n, NULL, &err),
                     0);
    assert_true(d.n < (size_t)n); /* identical summaries were merged */
    NEAR(clv_data_weight(&d), n, 0);
    assert_int_equal(clv_fit(model, &d, NULL, res, &err), 0);
    if (!res->converged)
        fail_msg("%s did not converge: %s", clv_model_name(model), res->reason);
    clv_data_release(&d);
}

static void test_bgnbd_cdnow(void **state)
{
    struct clv_fit_result r;
    fit_counts(CLV_MODEL_BGNBD, CBS, NCBS, &r);
    /* bg_params_paper (0.0005), bg_params_btyd (1e-4), bg_ll_btyd (0.001), bg_mle_calc */
    static const double paper[4] = {0.243, 4.414, 0.793, 2.426};
    static const double btyd[4] = {0.2425982, 4.4136842, 0.7929899, 2.4261667};
    static const double calc[4] = {0.242594, 4.4136, 0.792921, 2.425903};
    for (int i = 0; i < 4; i++) {
        NEAR(r.params.v[i], paper[i], 0.0005);
        NEAR(r.params.v[i], btyd[i], 1e-3 * btyd[i]); /* BTYD's own optimiser stops early */
        NEAR(r.params.v[i], calc[i], 1e-4);
    }
    NEAR(r.loglik, -9582.4, 0.05);
    NEAR(r.loglik, -9582.429, 0.001);
    NEAR(r.customers, 2357, 0);

    /* bins: mean E[Y(39)] by calibration frequency and the actual means (BTYD vignette) */
    struct clv_validation v;
    struct ok_err err;
    assert_int_equal(
        clv_validate_bins(&r.params, CBS[1], CBS[2], CBS[3], CBS[4], (size_t)NCBS, 39, &v, &err),
        0);
    static const double act[8] = {0.2367116, 0.6970387, 1.392523, 1.560000,
                                  2.532258,  2.947368,  3.862069, 6.359375};
    static const double cnt[8] = {1411, 439, 214, 100, 62, 38, 29, 64};
    static const double exp_bg[8] = {0.2250893, 0.5231364, 1.044126, 1.520256,
                                     2.163824,  2.653789,  3.503957, 6.157036};
    for (int k = 0; k < 8; k++) {
        NEAR(v.customers[k], cnt[k], 0);
        NEAR(v.actual[k], act[k], 1e-6);
        NEAR(v.predicted[k], exp_bg[k], 2e-4); /* our MLE vs BTYD's differs in the 5th digit */
    }
    NEAR(v.total_actual, 1882, 0);
    NEAR(v.total_predicted, 1653.39, 0.5); /* bg_sum_ce39, computed at BTYD params */

    /* tracking: birth = max(T.cal) - T.cal; expected cumulative weeks 20..25 (BTYD vignette,
     * tol 0.01 at BTYD params; our MLE is within 0.05) */
    struct clv_params bt = {CLV_MODEL_BGNBD, {0.2425982, 4.4136842, 0.7929899, 2.4261667}};
    double tmax = 0, birth[CDNOW_MAX], times[6], out[6];
    for (int i = 0; i < NCBS; i++)
        tmax = fmax(tmax, CBS[3][i]);
    for (int i = 0; i < NCBS; i++)
        birth[i] = tmax - CBS[3][i];
    for (int k = 0; k < 6; k++)
        times[k] = 20 + k;
    clv_tracking_expected(&bt, birth, NULL, (size_t)NCBS, times, 6, out);
    static const double cum[6] = {1312.458, 1387.346, 1460.392, 1531.713, 1601.418, 1669.6};
    for (int k = 0; k < 6; k++)
        NEAR(out[k], cum[k], 0.01);
    static const double inc[5] = {74.88843, 73.04554, 71.32166, 69.70412, 68.18213};
    for (int k = 1; k < 6; k++)
        NEAR(out[k] - out[k - 1], inc[k - 1], 1e-3);
    double t2[2] = {39, 78}, o2[2];
    clv_tracking_expected(&bt, birth, NULL, (size_t)NCBS, t2, 2, o2);
    NEAR(o2[0], 2501.52, 0.01); /* bg_cum_wk39_78 (computed) */
    NEAR(o2[1], 4165.63, 0.01);
}

static void test_bgnbd_lifetimes_file(void **state)
{
    struct clv_fit_result r;
    fit_counts(CLV_MODEL_BGNBD, LT, NLT, &r);
    static const double lt[4] = {0.242593, 4.413532, 0.792886, 2.425752};
    for (int i = 0; i < 4; i++)
        NEAR(r.params.v[i], lt[i], 5e-5 * (1 + lt[i])); /* lifetimes stops at tol 1e-6 */
    /* bg_ll_calc_lt at the lifetimes params */
    struct clv_params p = {CLV_MODEL_BGNBD, {0.242593, 4.413532, 0.792886, 2.425752}};
    struct clv_data d;
    clv_data_init(&d);
    clv_data_compress(&d, CLV_KEY_COUNTS, LT[1], LT[2], LT[3], NULL, (size_t)NLT, NULL, NULL);
    NEAR(clv_loglik(&p, &d, NULL), -9582.4256, 1e-3);
    clv_data_release(&d);
    /* lifetimes Quickstart ranking E[Y(1)] at its params */
    static const double rx[5] = {18, 19, 17, 29, 26}, rt[5] = {35.14, 34.00, 28.43, 37.71, 30.86},
                        rT[5] = {35.86, 34.14, 28.86, 38.00, 31.00},
                        re[5] = {0.424877, 0.474738, 0.486526, 0.662396, 0.710623};
    struct clv_params q = {CLV_MODEL_BGNBD, {0.242593, 4.413532, 0.792886, 2.425752}};
    for (int k = 0; k < 5; k++)
        NEAR(clv_conditional_expected(&q, 1, rx[k], rt[k], rT[k]), re[k], 1e-6);
    /* bg_EX_times at the lifetimes MLE, decimal = 3 */
    static const double t[6] = {0.1429, 1, 3, 31.8571, 32, 78};
    static const double ex[6] = {0.0078, 0.0532, 0.1506, 1.0405, 1.0437, 1.8576};
    for (int k = 0; k < 6; k++)
        NEAR(clv_expected_purchases(&r.params, t[k]), ex[k], 5e-4);
}

static void test_pnbd_cdnow(void **state)
{
    struct clv_fit_result r;
    fit_counts(CLV_MODEL_PNBD, CBS, NCBS, &r);
    static const double paper[4] = {0.553, 10.578, 0.606, 11.669};
    static const double calc[4] = {0.553277, 10.577682, 0.606241, 11.66877};
    /* Published tolerance 0.0005 absolute; beta is flat (se 6.2), so beta is compared to 1e-3
     * relative like CLVTools does. */
    for (int i = 0; i < 3; i++)
        NEAR(r.params.v[i], paper[i], 0.0005 + 1e-4 * paper[i]);
    NEAR(r.params.v[3], paper[3], 1e-3 * paper[3]);
    for (int i = 0; i < 4; i++)
        NEAR(r.params.v[i] / calc[i], 1.0, 2e-4);
    NEAR(r.loglik, -9595.0, 0.05);
    NEAR(r.loglik, -9594.976, 1e-3);
    NEAR(r.loglik, -9594.9762, 1e-4);
    /* pnbd_sum_ce39: 1665.51 at the MLE */
    struct clv_validation v;
    clv_validate_bins(&r.params, CBS[1], CBS[2], CBS[3], CBS[4], (size_t)NCBS, 39, &v, NULL);
    NEAR(v.total_predicted, 1665.51, 0.05);
    static const double bins[8] = {0.138, 0.600, 1.196, 1.714, 2.399, 2.907, 3.819, 6.403};
    for (int k = 0; k < 8; k++)
        NEAR(v.predicted[k], bins[k], 1e-3 + 5e-4 * bins[k]);
    /* cumulative weeks 20..25 (vignette, tol 0.3 for parameter rounding): the vignette's
     * parameters are printed to 3 digits only (at those, 1307.87 for week 20), so the check is
     * at our MLE; lifetimes' own refit expects the rounded 1309, 1385, 1460, 1533, 1604, 1674. */
    struct clv_params vp = r.params;
    double tmax = 0, birth[CDNOW_MAX], times[6], out[6];
    for (int i = 0; i < NCBS; i++)
        tmax = fmax(tmax, CBS[3][i]);
    for (int i = 0; i < NCBS; i++)
        birth[i] = tmax - CBS[3][i];
    for (int k = 0; k < 6; k++)
        times[k] = 20 + k;
    clv_tracking_expected(&vp, birth, NULL, (size_t)NCBS, times, 6, out);
    static const double cum[6] = {1308.856, 1385.275, 1459.923, 1532.906, 1604.32, 1674.253};
    for (int k = 0; k < 6; k++) {
        NEAR(out[k], cum[k], 0.3);
        NEAR(round(out[k]), round(cum[k]), 0);
    }
    static const double inc[5] = {76.419, 74.648, 72.983, 71.414, 69.933};
    for (int k = 1; k < 6; k++)
        NEAR(out[k] - out[k - 1], inc[k - 1], 0.02);
}

static void test_mbgnbd_cdnow(void **state)
{
    struct clv_fit_result r, r2;
    fit_counts(CLV_MODEL_MBGNBD, LT, NLT, &r);
    static const double lt[4] = {0.525, 6.183, 0.891, 1.614};
    static const double calc[4] = {0.524837, 6.182987, 0.891357, 1.614003};
    for (int i = 0; i < 4; i++) {
        NEAR(r.params.v[i], lt[i], 5e-4 + 1e-4 * lt[i]); /* decimal = 3 */
        NEAR(r.params.v[i], calc[i], 1e-4 * (1 + calc[i]));
    }
    NEAR(r.loglik, -9582.1327, 1e-3);
    fit_counts(CLV_MODEL_MBGNBD, CBS, NCBS, &r2);
    NEAR(r2.loglik, -9582.1357, 1e-3);
}

static void test_gamma_gamma_and_clv(void **state)
{
    struct clv_data g;
    struct clv_fit_result r;
    struct ok_err err;
    /* exact BTYD m.x */
    clv_data_init(&g);
    assert_int_equal(
        clv_data_compress(&g, CLV_KEY_SPEND, CBS[1], NULL, NULL, CBS[5], (size_t)NCBS, NULL, &err),
        0);
    NEAR(clv_data_weight(&g), 946, 0);
    assert_int_equal(clv_fit(CLV_MODEL_GG, &g, NULL, &r, &err), 0);
    assert_true(r.converged);
    static const double paper[3] = {6.25, 3.74, 15.44};
    static const double calc[3] = {6.249572, 3.744224, 15.443521};
    for (int i = 0; i < 3; i++) {
        NEAR(r.params.v[i], paper[i], 0.005);
        NEAR(r.params.v[i], calc[i], 1e-4 * calc[i]);
    }
    NEAR(r.loglik, -4055.9177, 1e-3);

    /* lifetimes 2-dp zbar: the fit behind the lifetimes docs numbers */
    uint32_t row_of[CDNOW_MAX];
    assert_int_equal(
        clv_data_compress(&g, CLV_KEY_SPEND, LT[1], NULL, NULL, LT[4], (size_t)NLT, row_of, &err),
        0);
    assert_true(row_of[2] == CLV_NO_ROW); /* customer 3 has x = 0 */
    assert_int_equal(clv_fit(CLV_MODEL_GG, &g, NULL, &r, &err), 0);
    static const double calc2[3] = {6.248801, 3.744589, 15.447751};
    for (int i = 0; i < 3; i++)
        NEAR(r.params.v[i], calc2[i], 1e-4 * calc2[i]);
    NEAR(r.loglik, -4055.9232, 1e-3);

    static const double em[10] = {24.658619, 18.911489, 35.170981, 35.170981, 35.170981,
                                  71.462843, 18.911489, 35.170981, 27.282408, 35.170981};
    static const double clv[10] = {140.096211,  18.943467, 38.180574, 38.180574,  38.180574,
                                   1003.868107, 28.109683, 38.180574, 167.418216, 38.180574};
    struct clv_params bg = {CLV_MODEL_BGNBD, {0.242593, 4.413532, 0.792886, 2.425752}};
    for (int i = 0; i < 10; i++) {
        double e = clv_expected_spend(&r.params, LT[1][i], LT[4][i]);
        NEAR(e, em[i], 1e-4); /* published to 1e-5 at lifetimes' optimum; ours agrees to 1e-4 */
        /* lifetimes: time=12, discount 0.01, freq "D" => steps of 30 (weeks here) */
        double dt = clv_discounted_transactions(&bg, LT[1][i], LT[2][i], LT[3][i], 12, 30, 0.01);
        NEAR(e * dt / clv[i], 1.0, 1e-5);
    }
    double sum = 0;
    for (int i = 0; i < NLT; i++)
        sum += clv_expected_spend(&r.params, LT[1][i], LT[4][i]);
    NEAR(sum / NLT, 35.2529588256, 1e-4); /* gg_mean_EM */
    clv_data_release(&g);
}

/* ---- parameter recovery on simulated data ---------------------------------------------- */

static uint64_t rng_state;

static double unif(void) /* splitmix64 -> (0, 1) */
{
    uint64_t z = (rng_state += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return ((z >> 11) + 0.5) / 9007199254740992.0;
}

static double normal(void)
{
    return sqrt(-2 * log(unif())) * cos(2 * M_PI * unif());
}

/* Marsaglia & Tsang (2000), shape k, scale 1. */
static double gamma_rv(double k)
{
    if (k < 1)
        return gamma_rv(k + 1) * pow(unif(), 1 / k);
    double d = k - 1.0 / 3, c = 1 / sqrt(9 * d);
    for (;;) {
        double x = normal(), v = 1 + c * x;
        if (v <= 0)
            continue;
        v = v * v * v;
        double u = unif();
        if (log(u) < 0.5 * x * x + d - d * v + d * log(v))
            return d * v;
    }
}

/* One customer observed for T weeks, times rounded down to days like real data. */
static void simulate(enum clv_model model, const double *v, double T, double *x, double *tx)
{
    double lambda = gamma_rv(v[0]) / v[1];
    double t = 0, last = 0, n = 0;
    if (model == CLV_MODEL_PNBD) {
        double mu = gamma_rv(v[2]) / v[3];
        double death = -log(unif()) / mu;
        for (;;) {
            t += -log(unif()) / lambda;
            if (t > T || t > death)
                break;
            n++;
            last = t;
        }
    } else {
        double g1 = gamma_rv(v[2]), g2 = gamma_rv(v[3]), p = g1 / (g1 + g2);
        if (model == CLV_MODEL_MBGNBD && unif() < p)
            T = -1; /* dropped right after the first purchase */
        for (;;) {
            t += -log(unif()) / lambda;
            if (t > T)
                break;
            n++;
            last = t;
            if (unif() < p)
                break;
        }
    }
    *x = n;
    *tx = n > 0 ? floor(last * 7) / 7 : 0;
}

static void recover(enum clv_model model, const double *truth, int n, double tol)
{
    static double x[50000], tx[50000], T[50000];
    rng_state = 12345;
    for (int i = 0; i < n; i++) {
        T[i] = 26 + (i % 13) * 2; /* acquisition spread over 26 weeks */
        simulate(model, truth, T[i], &x[i], &tx[i]);
    }
    struct clv_data d;
    struct clv_fit_result r;
    struct ok_err err;
    clv_data_init(&d);
    assert_int_equal(clv_data_compress(&d, CLV_KEY_COUNTS, x, tx, T, NULL, (size_t)n, NULL, &err),
                     0);
    assert_int_equal(clv_fit(model, &d, NULL, &r, &err), 0);
    assert_true(r.converged);
    for (int i = 0; i < 4; i++)
        if (fabs(r.params.v[i] / truth[i] - 1) > tol)
            fail_msg("%s %s: fitted %g, true %g", clv_model_name(model),
                     clv_model_param_name(model, i), r.params.v[i], truth[i]);
    clv_data_release(&d);
}

static void test_recovery(void **state)
{
    static const double bg[4] = {0.6, 5.0, 0.8, 2.5};
    static const double pn[4] = {0.6, 8.0, 0.8, 12.0};
    recover(CLV_MODEL_BGNBD, bg, 50000, 0.12);
    recover(CLV_MODEL_MBGNBD, bg, 50000, 0.12);
    recover(CLV_MODEL_PNBD, pn, 30000, 0.25);

    /* Gamma-Gamma: nu ~ Gamma(q, 1/gamma), spends ~ Gamma(p, 1/nu) */
    static double x[20000], m[20000];
    rng_state = 777;
    for (int i = 0; i < 20000; i++) {
        double nu = gamma_rv(4.0) / 20.0, s = 0;
        x[i] = 1 + (i % 6);
        for (int k = 0; k < x[i]; k++)
            s += gamma_rv(3.0) / nu;
        m[i] = round(s / x[i] * 100) / 100;
    }
    struct clv_data g;
    struct clv_fit_result r;
    clv_data_init(&g);
    clv_data_compress(&g, CLV_KEY_SPEND, x, NULL, NULL, m, 20000, NULL, NULL);
    assert_int_equal(clv_fit(CLV_MODEL_GG, &g, NULL, &r, NULL), 0);
    assert_true(r.converged);
    NEAR(r.params.v[0] / 3.0, 1.0, 0.1);
    NEAR(r.params.v[1] / 4.0, 1.0, 0.1);
    NEAR(r.params.v[2] / 20.0, 1.0, 0.15);
    clv_data_release(&g);
}

static void test_bad_input(void **state)
{
    struct clv_data d;
    struct clv_fit_result r;
    struct ok_err err;
    clv_data_init(&d);
    /* no rows */
    assert_int_equal(clv_fit(CLV_MODEL_BGNBD, &d, NULL, &r, &err), -1);
    /* recency > T in a summary */
    double x[3] = {1, 2, 0}, tx[3] = {5, 40, 0}, T[3] = {10, 39, 39};
    assert_int_equal(clv_data_compress(&d, CLV_KEY_COUNTS, x, tx, T, NULL, 3, NULL, &err), -1);
    assert_int_equal(err.input_line, 2);
    assert_string_equal(err.field, "recency");
    /* negative frequency */
    x[1] = -1;
    tx[1] = 1;
    assert_int_equal(clv_data_compress(&d, CLV_KEY_COUNTS, x, tx, T, NULL, 3, NULL, &err), -1);
    assert_string_equal(err.field, "frequency");
    assert_int_equal(d.n, 0); /* a failed compression leaves no partial rows */
    /* no repeat purchases: converged = 0 with a reason, no garbage */
    clv_data_add(&d, 0, 0, 39, 0, 100);
    clv_data_add(&d, 0, 0, 20, 0, 50);
    assert_int_equal(clv_fit(CLV_MODEL_BGNBD, &d, NULL, &r, &err), 0);
    assert_false(r.converged);
    assert_true(strstr(r.reason, "repeat") != NULL);
    assert_int_equal(clv_fit(CLV_MODEL_PNBD, &d, NULL, &r, &err), 0);
    assert_false(r.converged);
    /* too few customers */
    clv_data_release(&d);
    clv_data_add(&d, 1, 3, 10, 0, 1);
    clv_data_add(&d, 0, 0, 10, 0, 1);
    assert_int_equal(clv_fit(CLV_MODEL_BGNBD, &d, NULL, &r, &err), 0);
    assert_false(r.converged);
    assert_true(r.reason[0] != '\0');
    /* Gamma-Gamma with one spend level cannot identify its heterogeneity */
    clv_data_release(&d);
    clv_data_add(&d, 2, 0, 0, 10.0, 30);
    clv_data_add(&d, 3, 0, 0, 10.0, 30);
    assert_int_equal(clv_fit(CLV_MODEL_GG, &d, NULL, &r, &err), 0);
    assert_false(r.converged);
    /* Gamma-Gamma rows need x > 0 and m > 0 */
    clv_data_add(&d, 0, 0, 0, 0.0, 1);
    assert_int_equal(clv_fit(CLV_MODEL_GG, &d, NULL, &r, &err), -1);
    clv_data_release(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bgnbd_cdnow),         cmocka_unit_test(test_bgnbd_lifetimes_file),
        cmocka_unit_test(test_pnbd_cdnow),          cmocka_unit_test(test_mbgnbd_cdnow),
        cmocka_unit_test(test_gamma_gamma_and_clv), cmocka_unit_test(test_recovery),
        cmocka_unit_test(test_bad_input),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
