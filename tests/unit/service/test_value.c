/*
 * test_value.c - service/value.c: summaries from a ledger (lifetimes / BTYD conventions), fits,
 * predictions, validation and their JSON/table forms.
 *
 * The CDNOW sample is loaded into a real ledger from shared/data/cdnow/CDNOW_sample.txt and its
 * summaries are compared with BTYD's cbs matrix customer by customer; fits and the validation
 * numbers are compared with the published values (clv_reference_values.csv).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clv/cdnow.h"
#include "core/date.h"
#include "service/value.h"

/* cmocka's float comparisons are single precision: doubles are compared here. */
#define assert_double_equal(v, ref, tol)                                                           \
    do {                                                                                           \
        double v_ = (v), r_ = (ref), t_ = (tol);                                                   \
        if (!(fabs(v_ - r_) <= t_))                                                                \
            fail_msg("%s = %.12g, expected %.12g (tolerance %g)", #v, v_, r_, t_);                 \
    } while (0)

static int32_t ymd(int y, int m, int d)
{
    int32_t days = 0;
    assert_int_equal(date_from_ymd(y, m, d, &days), 0);
    return days;
}

static void add_customer(struct ledger_builder *b, int64_t id)
{
    struct ledger_customer_in c = {
        id, LEDGER_NO_DAY, LEDGER_NONE, LEDGER_NONE, LEDGER_NONE, LEDGER_NONE, 0};
    struct ok_err err;
    assert_true(ledger_builder_add_customer(b, &c, &err) >= 0);
}

static void add_line(struct ledger_builder *b, int64_t id, int32_t day, int64_t amount,
                     int64_t order)
{
    struct ok_err err;
    assert_int_equal(ledger_builder_add_line(b, id, day, amount, order, 0, &err), 0);
}

/* lifetimes tests/test_utils.py: [1,2015-02-01],[1,2015-02-06],[2,2015-01-01],[3,2015-01-01],
 * [3,2015-01-02],[3,2015-01-05], end 2015-02-07 -> (1,5,6), (0,0,37), (2,4,37); plus our rules:
 * same-day lines merged, returns ignored, customers without lines or acquired later left out. */
static struct ledger *small_ledger(void)
{
    struct ledger_builder b;
    struct ok_err err;
    ledger_builder_init(&b, 2); /* cents */
    for (int id = 1; id <= 5; id++)
        add_customer(&b, id);
    add_line(&b, 1, ymd(2015, 2, 1), 1000, 1);
    add_line(&b, 1, ymd(2015, 2, 6), 250, 2);
    add_line(&b, 1, ymd(2015, 2, 6), 150, 3);   /* same day: one purchase of 4.00 */
    add_line(&b, 1, ymd(2015, 2, 3), -1000, 4); /* a return: not a purchase */
    add_line(&b, 2, ymd(2015, 1, 1), 500, 5);
    add_line(&b, 3, ymd(2015, 1, 1), 100, 6);
    add_line(&b, 3, ymd(2015, 1, 2), 200, 7);
    add_line(&b, 3, ymd(2015, 1, 5), 400, 8);
    add_line(&b, 3, ymd(2015, 2, 10), 800, 9); /* holdout */
    add_line(&b, 3, ymd(2015, 2, 10), 800, 10);
    add_line(&b, 3, ymd(2015, 2, 12), 800, 11);
    add_line(&b, 4, ymd(2015, 2, 9), 100, 12); /* first purchase after the calibration end */
    /* customer 5 never bought */
    struct ledger *l = ledger_builder_finish(&b, &err);
    assert_non_null(l);
    return l;
}

static void test_summaries_small(void **state)
{
    struct ledger *l = small_ledger();
    struct value_summaries s;
    struct ok_err err;
    int32_t end = ymd(2015, 2, 7);
    value_summaries_init(&s, 1.0);
    assert_int_equal(value_summaries_from_ledger(&s, l, end, ymd(2015, 2, 28), &err), 0);
    assert_int_equal(s.n, 3);
    assert_true(s.from_ledger);
    /* in customer order: 1, 2, 3 */
    assert_int_equal(s.cust[0], 0);
    assert_int_equal(s.cust[2], 2);
    double want[3][5] = {{1, 5, 6, 4.0, 0}, {0, 0, 37, 0, 0}, {2, 4, 37, 3.0, 2}};
    for (int i = 0; i < 3; i++) {
        assert_double_equal(s.x[i], want[i][0], 0);
        assert_double_equal(s.t_x[i], want[i][1], 0);
        assert_double_equal(s.T[i], want[i][2], 0);
        assert_double_equal(s.m[i], want[i][3], 1e-12);
        assert_double_equal(s.x_holdout[i], want[i][4], 0);
    }
    assert_int_equal(s.first_day[1], ymd(2015, 1, 1));
    assert_int_equal(s.cohort_start, ymd(2015, 1, 1));
    /* repeat days by calendar day: 01-02, 01-05, 02-06 (calibration), 02-10, 02-12 (holdout) */
    uint32_t total = 0;
    for (size_t d = 0; d < s.nrepeats; d++)
        total += s.repeats[d];
    assert_int_equal(total, 5);
    assert_int_equal(s.repeats[ymd(2015, 2, 6) - s.repeats_start], 1);
    assert_int_equal(s.repeats[ymd(2015, 2, 10) - s.repeats_start], 1);

    /* weeks: times divided by 7 */
    value_summaries_release(&s);
    value_summaries_init(&s, 7.0);
    assert_int_equal(value_summaries_from_ledger(&s, l, end, end, &err), 0);
    assert_double_equal(s.T[1], 37.0 / 7.0, 1e-15);
    assert_double_equal(s.x_holdout[2], 0, 0);
    /* bad dates */
    assert_int_equal(value_summaries_from_ledger(&s, l, end, end - 1, &err), -1);
    assert_int_equal(s.n, 0);
    value_summaries_release(&s);
    ledger_free(&l);
}

static void test_units_and_params_json(void **state)
{
    struct ok_err err;
    double u = 0;
    assert_int_equal(value_unit_parse("week", &u, &err), 0);
    assert_double_equal(u, 7, 0);
    assert_int_equal(value_unit_parse("day", &u, &err), 0);
    assert_double_equal(u, 1, 0);
    assert_int_equal(value_unit_parse("month", &u, &err), -1);
    assert_int_equal(err.code, OK_ERR_USAGE);
    assert_string_equal(value_unit_name(7), "week");

    struct clv_params p = {CLV_MODEL_BGNBD, {0.1, 4.5, 0.25, 1e-7}}, q;
    struct buf b;
    buf_init(&b, 0);
    value_params_json(&b, &p);
    assert_string_equal(b.data, "{\"r\":0.1,\"alpha\":4.5,\"a\":0.25,\"b\":1e-07}");
    assert_int_equal(value_params_parse(CLV_MODEL_BGNBD, b.data, &q, &err), 0);
    assert_memory_equal(q.v, p.v, sizeof(double) * 4);
    assert_int_equal(value_params_parse(CLV_MODEL_PNBD, b.data, &q, &err), -1); /* no s */
    assert_non_null(strstr(err.message, "'s'"));
    assert_int_equal(value_params_parse(CLV_MODEL_GG, "{\"p\":1,\"q\":-2,\"gamma\":3}", &q, &err),
                     -1);
    assert_int_equal(value_params_parse(CLV_MODEL_GG, "[1,2]", &q, &err), -1);

    struct clv_fit_result res;
    memset(&res, 0, sizeof(res));
    res.params = (struct clv_params){CLV_MODEL_GG, {6.25, 3.75, 15.5, 0}};
    res.loglik = -4055.5;
    res.customers = 946;
    res.iterations = 21;
    res.converged = 0;
    snprintf(res.reason, sizeof(res.reason), "a \"reason\"");
    buf_reset(&b);
    value_fit_json(&b, &res, "week");
    assert_string_equal(b.data, "{\"model\":\"gamma-gamma\",\"unit\":\"week\",\"customers\":946,"
                                "\"params\":{\"p\":6.25,\"q\":3.75,\"gamma\":15.5},"
                                "\"log_likelihood\":-4055.5,\"converged\":false,"
                                "\"iterations\":21,\"reason\":\"a \\\"reason\\\"\"}");
    res.converged = 1;
    res.params.v[0] = NAN;
    buf_reset(&b);
    value_fit_json(&b, &res, "day");
    assert_non_null(strstr(b.data, "{\"p\":null,"));
    assert_null(strstr(b.data, "reason"));
    struct table *t = value_fit_table(&res, "day");
    assert_int_equal(t->ncols, 2);
    assert_int_equal(t->nrows, 9); /* model unit customers p q gamma ll converged iterations */
    table_free(&t);
    buf_release(&b);
}

/* The CDNOW sample as a ledger: 6,919 lines, amounts in cents. */
static struct ledger *cdnow_ledger(void)
{
    const char *dir = getenv("OKAERI_SHARED_DATA");
    char path[1024], line[256];
    struct ledger_builder b;
    struct ok_err err;
    int last = 0, n = 0;
    snprintf(path, sizeof(path), "%s/cdnow/CDNOW_sample.txt", dir ? dir : "../shared/data");
    FILE *f = fopen(path, "r");
    assert_non_null(f);
    ledger_builder_init(&b, 2);
    while (fgets(line, sizeof(line), f)) {
        long master, id, date, cds;
        double dollars;
        assert_int_equal(sscanf(line, "%ld %ld %ld %ld %lf", &master, &id, &date, &cds, &dollars),
                         5);
        if (id != last) {
            add_customer(&b, id);
            last = (int)id;
        }
        add_line(&b, id, ymd((int)(date / 10000), (int)(date / 100 % 100), (int)(date % 100)),
                 llround(dollars * 100), ++n);
    }
    fclose(f);
    assert_int_equal(n, 6919);
    struct ledger *l = ledger_builder_finish(&b, &err);
    assert_non_null(l);
    return l;
}

static double cbs[6][CDNOW_MAX];

/* Every customer's summary equals BTYD's cbs (x, t.x, T.cal, x.star, m.x) exactly. */
static void test_cdnow_summaries(void **state)
{
    struct ledger *l = cdnow_ledger();
    struct value_summaries s;
    struct ok_err err;
    assert_int_equal(cdnow_read("btyd_cdnow_cbs.csv", cbs), 2357);
    value_summaries_init(&s, 7.0);
    assert_int_equal(value_summaries_from_ledger(&s, l, ymd(1997, 9, 30), ymd(1998, 6, 30), &err),
                     0);
    assert_int_equal(s.n, 2357);
    double sx = 0, sxs = 0;
    for (size_t i = 0; i < s.n; i++) {
        assert_int_equal(l->cust_id[s.cust[i]], (int64_t)cbs[0][i]);
        assert_double_equal(s.x[i], cbs[1][i], 0);
        assert_double_equal(s.t_x[i], cbs[2][i], 1e-12);
        assert_double_equal(s.T[i], cbs[3][i], 1e-12);
        assert_double_equal(s.x_holdout[i], cbs[4][i], 0);
        assert_double_equal(s.m[i], cbs[5][i], 1e-9);
        sx += s.x[i];
        sxs += s.x_holdout[i];
    }
    assert_double_equal(sx, 2457, 0);
    assert_double_equal(sxs, 1882, 0);
    value_summaries_release(&s);
    ledger_free(&l);
}

/* Fits through the service equal the published ones; value_fit_both equals two value_fit. */
static void test_cdnow_fit_predict(void **state)
{
    struct ledger *l = cdnow_ledger();
    struct value_summaries s;
    struct clv_fit_result bg, gg, bg2, gg2;
    struct value_predictions p;
    struct ok_err err;
    value_summaries_init(&s, 7.0);
    assert_int_equal(value_summaries_from_ledger(&s, l, ymd(1997, 9, 30), ymd(1997, 9, 30), &err),
                     0);
    assert_int_equal(value_fit_both(CLV_MODEL_BGNBD, &s, &bg, &gg, &err), 0);
    assert_true(bg.converged && gg.converged);
    /* BTYD 0.2425982, 4.4136842, 0.7929899, 2.4261667 (1e-3 rel); LL -9582.429 */
    const double want[4] = {0.2425982, 4.4136842, 0.7929899, 2.4261667};
    for (int i = 0; i < 4; i++)
        assert_double_equal(bg.params.v[i], want[i], 1e-3 * want[i]);
    assert_double_equal(bg.loglik, -9582.429, 1e-3);
    assert_double_equal(bg.customers, 2357, 0);
    /* note 025: 6.25, 3.74, 15.44 (0.005); CLVTools LL -4055.9177 */
    assert_double_equal(gg.params.v[0], 6.25, 0.005);
    assert_double_equal(gg.params.v[1], 3.74, 0.005);
    assert_double_equal(gg.params.v[2], 15.44, 0.005);
    assert_double_equal(gg.loglik, -4055.9177, 1e-3);
    assert_double_equal(gg.customers, 946, 0);
    assert_int_equal(value_fit(CLV_MODEL_BGNBD, &s, &bg2, &err), 0);
    assert_int_equal(value_fit(CLV_MODEL_GG, &s, &gg2, &err), 0);
    assert_memory_equal(bg.params.v, bg2.params.v, sizeof(bg.params.v));
    assert_memory_equal(gg.params.v, gg2.params.v, sizeof(gg.params.v));

    /* 39 weeks ahead, no discount: customer 1 (2, 30.43, 38.86) E[Y] = 1.226 (Hardie sheet) */
    assert_int_equal(value_predict(&s, &bg.params, &gg.params, 273, 0, &p, &err), 0);
    assert_int_equal(p.n, 2357);
    assert_double_equal(p.expected[0], 1.226, 1e-3);
    assert_double_equal(p.p_alive[0], 0.7265786, 1e-3);
    double em = (gg.params.v[0] * gg.params.v[2] + gg.params.v[0] * 2 * 22.345) /
                (gg.params.v[0] * 2 + gg.params.v[1] - 1);
    assert_double_equal(p.spend[0], em, 1e-9);
    assert_double_equal(p.clv[0], em * p.expected[0], 1e-9);
    double total = 0;
    for (size_t i = 0; i < p.n; i++) {
        assert_true(p.p_alive[i] >= 0 && p.p_alive[i] <= 1);
        total += p.expected[i];
    }
    /* BTYD bins: sum of n_b * mean E[Y(39)] = 1653.39 */
    assert_double_equal(total, 1653.39, 0.1);
    value_predictions_release(&p);

    /* A year at 10 %: 12 periods of 365/12 days, each discounted (1.1)^(1/12) - 1, exactly
     * lifetimes' sum (clv_discounted_transactions) times E(M). */
    assert_int_equal(value_predict(&s, &bg.params, &gg.params, 365, 0.10, &p, &err), 0);
    for (size_t i = 0; i < 30; i++) {
        double dt = clv_discounted_transactions(&bg.params, s.x[i], s.t_x[i], s.T[i], 12,
                                                365.0 / 12 / 7, pow(1.1, 1.0 / 12) - 1);
        assert_double_equal(p.clv[i], p.spend[i] * dt, 1e-12 * (1 + p.clv[i]));
        assert_true(p.clv[i] < p.spend[i] * p.expected[i]);
        assert_double_equal(
            p.expected[i],
            clv_conditional_expected(&bg.params, 365.0 / 7, s.x[i], s.t_x[i], s.T[i]), 1e-12);
    }
    /* without a spend model: spend and CLV NaN (NULL in the table) */
    value_predictions_release(&p);
    assert_int_equal(value_predict(&s, &bg.params, NULL, 30, 0, &p, &err), 0);
    assert_true(isnan(p.spend[0]) && isnan(p.clv[0]));
    const char *codes[2358] = {NULL};
    codes[0] = "FIRST";
    struct table *t = value_predictions_table(&s, &p, l, codes);
    assert_int_equal(t->nrows, 2357);
    assert_string_equal(t->cols[0].name, "customer_code");
    assert_string_equal(t->cols[4].name, "clv");
    assert_string_equal(table_cell(t, 0, 0)->v.s, "FIRST");
    assert_string_equal(table_cell(t, 1, 0)->v.s, "2"); /* no code: the store id */
    assert_true(table_cell(t, 0, 3)->is_null);
    table_free(&t);
    value_predictions_release(&p);

    /* bad options */
    assert_int_equal(value_predict(&s, &gg.params, NULL, 30, 0, &p, &err), -1);
    assert_int_equal(value_predict(&s, &bg.params, &bg.params, 30, 0, &p, &err), -1);
    assert_int_equal(value_predict(&s, &bg.params, NULL, 0, 0, &p, &err), -1);
    assert_int_equal(value_predict(&s, &bg.params, NULL, 30, -0.1, &p, &err), -1);
    value_summaries_release(&s);
    ledger_free(&l);
}

/* Data that cannot identify a model: converged 0, reason, NaN parameters, no error. */
static void test_fit_bad_data(void **state)
{
    struct value_summaries s;
    struct clv_fit_result res;
    struct ok_err err;
    value_summaries_init(&s, 7.0);
    assert_int_equal(value_fit(CLV_MODEL_BGNBD, &s, &res, &err), 0);
    assert_false(res.converged);
    assert_non_null(strstr(res.reason, "no customers"));
    assert_true(isnan(res.params.v[0]) && isnan(res.loglik));
    for (int i = 0; i < 20; i++)
        value_summaries_add(&s, 0, 0, 10 + i, 0);
    assert_int_equal(value_fit(CLV_MODEL_PNBD, &s, &res, &err), 0);
    assert_false(res.converged);
    assert_non_null(strstr(res.reason, "no repeat purchases"));
    assert_double_equal(res.customers, 20, 0);
    assert_int_equal(value_fit(CLV_MODEL_GG, &s, &res, &err), 0);
    assert_false(res.converged);
    assert_non_null(strstr(res.reason, "Gamma-Gamma needs"));
    value_summaries_release(&s);
    value_summaries_add(&s, 1, 1, 5, 3);
    value_summaries_add(&s, 2, 3, 5, 4);
    assert_int_equal(value_fit(CLV_MODEL_MBGNBD, &s, &res, &err), 0);
    assert_non_null(strstr(res.reason, "too few customers"));
    value_summaries_add(&s, 2, 6, 5, 4); /* recency > T */
    assert_int_equal(value_fit(CLV_MODEL_BGNBD, &s, &res, &err), -1);
    assert_int_equal(err.input_line, 3);
    value_summaries_release(&s);
}

/* Validation on CDNOW: BTYD walkthrough bins and tracking curve. */
static void test_cdnow_validate(void **state)
{
    struct ledger *l = cdnow_ledger();
    struct value_summaries s;
    struct value_validation v;
    struct ok_err err;
    value_summaries_init(&s, 7.0);
    assert_int_equal(value_summaries_from_ledger(&s, l, ymd(1997, 9, 30), ymd(1998, 6, 30), &err),
                     0);
    assert_int_equal(value_validate(CLV_MODEL_GG, &s, &v, &err), -1);
    assert_int_equal(value_validate(CLV_MODEL_BGNBD, &s, &v, &err), 0);
    assert_true(v.fit.converged);
    assert_double_equal(v.t_holdout, 39, 1e-12);
    const double n[8] = {1411, 439, 214, 100, 62, 38, 29, 64};
    const double act[8] = {0.2367116, 0.6970387, 1.392523, 1.560000,
                           2.532258,  2.947368,  3.862069, 6.359375};
    const double exp_[8] = {0.2250893, 0.5231364, 1.044126, 1.520256,
                            2.163824,  2.653789,  3.503957, 6.157036};
    for (int b = 0; b < 8; b++) {
        assert_double_equal(v.bins.customers[b], n[b], 0);
        assert_double_equal(v.bins.actual[b], act[b], 1e-6);
        assert_double_equal(v.bins.predicted[b], exp_[b], 2e-4);
    }
    assert_int_equal(v.nweeks, 78);
    assert_double_equal(v.calibration_weeks, 39, 0);
    const double cu[6] = {1359, 1414, 1484, 1517, 1573, 1672};
    const double ce[6] = {1312.458, 1387.346, 1460.392, 1531.713, 1601.418, 1669.6};
    for (int k = 0; k < 6; k++) {
        assert_double_equal(v.actual[19 + k], cu[k], 0);
        assert_double_equal(v.expected[19 + k], ce[k], 0.01);
    }
    assert_double_equal(v.actual[38], 2457, 0);
    assert_double_equal(v.actual[77], 4339, 0);
    /* the tracking file of BTYD, week by week */
    static double track[6][CDNOW_MAX];
    assert_int_equal(cdnow_read("btyd_cdnow_tracking.csv", track), 78);
    for (int k = 0; k < 78; k++)
        assert_double_equal(v.actual[k], track[1][k], 0);

    struct table *bins = value_validation_bins_table(&v);
    assert_int_equal(bins->nrows, 9);
    assert_string_equal(table_cell(bins, 7, 0)->v.s, "7+");
    assert_int_equal(table_cell(bins, 8, 1)->v.i, 2357);
    assert_double_equal(table_cell(bins, 8, 2)->v.d, 1882.0 / 2357, 1e-12);
    table_free(&bins);
    struct table *tr = value_validation_tracking_table(&v);
    assert_int_equal(tr->nrows, 78);
    assert_int_equal(table_cell(tr, 77, 1)->v.i, 4339);
    table_free(&tr);
    struct buf svg;
    buf_init(&svg, 0);
    value_validation_svg(&svg, &v, "t<1>");
    assert_true(!strncmp(svg.data, "<svg", 4));
    assert_non_null(strstr(svg.data, "t&lt;1&gt;"));
    buf_release(&svg);
    value_validation_release(&v);

    /* no holdout */
    assert_int_equal(value_summaries_from_ledger(&s, l, ymd(1997, 9, 30), ymd(1997, 9, 30), &err),
                     0);
    assert_int_equal(value_validate(CLV_MODEL_BGNBD, &s, &v, &err), -1);
    value_summaries_release(&s);
    ledger_free(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_summaries_small), cmocka_unit_test(test_units_and_params_json),
        cmocka_unit_test(test_cdnow_summaries), cmocka_unit_test(test_cdnow_fit_predict),
        cmocka_unit_test(test_fit_bad_data),    cmocka_unit_test(test_cdnow_validate),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
