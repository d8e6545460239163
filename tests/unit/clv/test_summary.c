/* Tests for src/clv/summary.c and the SVG writer of src/clv/validate.c: per-customer summaries
 * from purchase days (lifetimes' test cases, CLV_REFERENCE.md section 2.1/2.2), compression into
 * weighted rows, and the plot text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <string.h>

#include "clv/summary.h"
#include "clv/validate.h"

/* days since 1970-01-01 of 2015-01-01 */
#define D2015 16436

static void test_from_days_lifetimes(void **state)
{
    struct clv_customer_summary s;
    struct ok_err err;
    int32_t end = D2015 + 37; /* 2015-02-07 */
    /* id1: 2015-02-01, 2015-02-06 -> (1, 5, 6) */
    int32_t d1[2] = {D2015 + 31, D2015 + 36};
    assert_int_equal(clv_summary_from_days(d1, NULL, 2, end, end, 1, &s, &err), 0);
    assert_true(s.in_calibration && s.x == 1 && s.t_x == 5 && s.T == 6);
    /* id2: 2015-01-01 -> (0, 0, 37) */
    int32_t d2[1] = {D2015};
    clv_summary_from_days(d2, NULL, 1, end, end, 1, &s, &err);
    assert_true(s.x == 0 && s.t_x == 0 && s.T == 37 && s.m == 0);
    /* id3: 01-01, 01-02, 01-05 -> (2, 4, 37) */
    int32_t d3[3] = {D2015, D2015 + 1, D2015 + 4};
    clv_summary_from_days(d3, NULL, 3, end, end, 1, &s, &err);
    assert_true(s.x == 2 && s.t_x == 4 && s.T == 37);
    /* same-day purchases merged, spend summed; first day excluded from the mean:
     * days 0 (20), 26 (10), 26 (5), 50 (25) -> x = 2, m = mean(15, 25) = 20 */
    int32_t d4[4] = {D2015, D2015 + 26, D2015 + 26, D2015 + 50};
    double a4[4] = {20, 10, 5, 25};
    clv_summary_from_days(d4, a4, 4, D2015 + 60, D2015 + 60, 1, &s, &err);
    assert_true(s.x == 2 && s.t_x == 50 && s.T == 60 && fabs(s.m - 20) < 1e-12);
    /* weeks as the unit, holdout counted separately (distinct days, no minus one) */
    clv_summary_from_days(d4, a4, 4, D2015 + 27, D2015 + 60, 7, &s, &err);
    assert_true(s.x == 1 && fabs(s.t_x - 26 / 7.0) < 1e-12 && fabs(s.T - 27 / 7.0) < 1e-12);
    assert_true(s.x_holdout == 1 && s.spend_holdout == 25);
    /* born after calibration: no summary */
    clv_summary_from_days(d4 + 3, a4 + 3, 1, D2015 + 27, D2015 + 60, 1, &s, &err);
    assert_false(s.in_calibration);
    /* unsorted days are an error */
    int32_t bad[2] = {D2015 + 5, D2015};
    assert_int_equal(clv_summary_from_days(bad, NULL, 2, end, end, 1, &s, &err), -1);
    assert_int_equal(err.code, OK_ERR_INVALID);
}

static void test_compress(void **state)
{
    double x[6] = {0, 2, 0, 2, 2, 1}, tx[6] = {0, 5, 0, 5, 6, 1}, T[6] = {9, 9, 9, 9, 9, 3};
    double m[6] = {0, 10, 0, 12, 10, 3};
    uint32_t row_of[6];
    struct clv_data d;
    struct ok_err err;
    clv_data_init(&d);
    assert_int_equal(clv_data_compress(&d, CLV_KEY_COUNTS, x, tx, T, m, 6, row_of, &err), 0);
    assert_int_equal(d.n, 4);
    assert_true(d.rows[0].w == 2 && d.rows[1].w == 2 && d.rows[2].w == 1 && d.rows[3].w == 1);
    assert_int_equal(row_of[3], 1);
    assert_int_equal(row_of[2], 0);
    /* spend key: (x, m) of repeat customers only */
    assert_int_equal(clv_data_compress(&d, CLV_KEY_SPEND, x, NULL, NULL, m, 6, row_of, &err), 0);
    assert_int_equal(d.n, 3); /* (2,10) x2, (2,12), (1,3) */
    assert_true(d.rows[0].w == 2);
    assert_int_equal(row_of[0], CLV_NO_ROW);
    assert_int_equal(row_of[4], 0);
    /* -0.0 and 0.0 are the same summary */
    double xz[2] = {0.0, -0.0}, tz[2] = {0.0, -0.0}, Tz[2] = {4, 4};
    assert_int_equal(clv_data_compress(&d, CLV_KEY_COUNTS, xz, tz, Tz, NULL, 2, NULL, &err), 0);
    assert_int_equal(d.n, 1);
    clv_data_release(&d);
}

static void test_svg(void **state)
{
    struct clv_validation v = {{1411, 439, 214, 100, 62, 38, 29, 64},
                               {0.24, 0.70, 1.39, 1.56, 2.53, 2.95, 3.86, 6.36},
                               {0.23, 0.52, 1.04, 1.52, 2.16, 2.65, 3.50, 6.16},
                               1882,
                               1653};
    double t[3] = {1, 39, 78}, a[3] = {0, 2457, 4339}, e[3] = {1, 2501, 4165};
    struct buf b;
    buf_init(&b, 0);
    clv_svg_validation(&b, &v, t, a, e, 3, 39, "CDNOW <BG/NBD> & holdout");
    assert_false(b.failed);
    assert_true(strncmp(b.data, "<svg ", 5) == 0);
    assert_non_null(strstr(b.data, "CDNOW &lt;BG/NBD&gt; &amp; holdout"));
    assert_non_null(strstr(b.data, "7+"));
    assert_non_null(strstr(b.data, "<polyline"));
    assert_non_null(strstr(b.data, "actual 6.3600"));
    assert_true(strcmp(b.data + b.len - 7, "</svg>\n") == 0);
    buf_release(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_from_days_lifetimes),
        cmocka_unit_test(test_compress),
        cmocka_unit_test(test_svg),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
