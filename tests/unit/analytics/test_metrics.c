/* Tests for src/analytics/metrics.c: hand fixtures, the lifetimes unit-test cases, the CDNOW
 * sample against BTYD's cbs matrix, and the full Online Retail data against the figures in
 * shared/data/CLV_REFERENCE.md. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/ledger.h"
#include "analytics/metrics.h"
#include "core/date.h"

static int32_t ymd(int y, int m, int d)
{
    int32_t days = 0;
    assert_int_equal(date_from_ymd(y, m, d, &days), 0);
    return days;
}

static struct ledger_customer_in cust(int64_t id)
{
    struct ledger_customer_in c = {
        id, LEDGER_NO_DAY, LEDGER_NONE, LEDGER_NONE, LEDGER_NONE, LEDGER_NONE, 0};
    return c;
}

/* lifetimes tests/test_utils.py, observation end 2015-02-07:
 * id1 (1,5,6), id2 (0,0,37), id3 (2,4,37) as (frequency, recency, T);
 * and "first order dropped by date, not by row order": 20, 10, 25 -> monetary 22.5. */
static void test_lifetimes_cases(void **state)
{
    struct ok_err err;
    struct ledger_builder b;
    ledger_builder_init(&b, 0);
    for (int id = 1; id <= 4; id++) {
        struct ledger_customer_in c = cust(id);
        ledger_builder_add_customer(&b, &c, &err);
    }
    ledger_builder_add_line(&b, 1, ymd(2015, 2, 1), 1, 1, 0, &err);
    ledger_builder_add_line(&b, 1, ymd(2015, 2, 6), 1, 2, 0, &err);
    ledger_builder_add_line(&b, 2, ymd(2015, 1, 1), 1, 3, 0, &err);
    ledger_builder_add_line(&b, 3, ymd(2015, 1, 1), 1, 4, 0, &err);
    ledger_builder_add_line(&b, 3, ymd(2015, 1, 2), 1, 5, 0, &err);
    ledger_builder_add_line(&b, 3, ymd(2015, 1, 5), 1, 6, 0, &err);
    ledger_builder_add_line(&b, 4, ymd(2014, 4, 9), 20, 7, 0, &err);
    ledger_builder_add_line(&b, 4, ymd(2014, 3, 14), 10, 8, 0, &err);
    ledger_builder_add_line(&b, 4, ymd(2014, 5, 21), 25, 9, 0, &err);
    struct ledger *l = ledger_builder_finish(&b, &err);
    struct customer_metrics m[4];
    int32_t end = ymd(2015, 2, 7);
    metrics_compute(l, end, 365, m);
    int expect[3][3] = {{1, 5, 6}, {0, 0, 37}, {2, 4, 37}};
    for (int i = 0; i < 3; i++) {
        assert_int_equal(metrics_repeat_days(&m[i]), expect[i][0]);
        assert_int_equal(metrics_span_days(&m[i]), expect[i][1]);
        assert_int_equal(metrics_t_days(&m[i], end), expect[i][2]);
    }
    assert_int_equal(m[3].repeat_revenue, 45); /* mean over 2 repeat days = 22.5 */
    assert_int_equal(metrics_repeat_days(&m[3]), 2);
    assert_int_equal(m[3].first_day, ymd(2014, 3, 14));
    ledger_free(&l);
}

/* Returns, same-day orders, several lines per order, the as-of cut and the windows. */
static void test_hand_fixture(void **state)
{
    struct ok_err err;
    struct ledger_builder b;
    ledger_builder_init(&b, 0);
    struct ledger_customer_in c = cust(1);
    ledger_builder_add_customer(&b, &c, &err);
    c = cust(2);
    ledger_builder_add_customer(&b, &c, &err);
    /* customer 1:
     * day 100: order 1 (two lines 500 + 300), order 2 (200)   -> day value 1000, 2 orders
     * day 110: order 3 (400) and a return -100 of order 1     -> day value 300
     * day 130: return -50 only                                -> not a purchase day
     * day 160: order 4 (0.00 line)                            -> purchase day, value 0
     * day 400: order 5 (999)                                  -> after as_of */
    ledger_builder_add_line(&b, 1, 100, 500, 1, 0, &err);
    ledger_builder_add_line(&b, 1, 100, 300, 1, 0, &err);
    ledger_builder_add_line(&b, 1, 100, 200, 2, 0, &err);
    ledger_builder_add_line(&b, 1, 110, 400, 3, 0, &err);
    ledger_builder_add_line(&b, 1, 110, -100, 1, 0, &err);
    ledger_builder_add_line(&b, 1, 130, -50, 1, 0, &err);
    ledger_builder_add_line(&b, 1, 160, 0, 4, 0, &err);
    ledger_builder_add_line(&b, 1, 400, 999, 5, 0, &err);
    struct ledger *l = ledger_builder_finish(&b, &err);
    struct customer_metrics m[2];
    metrics_compute(l, 200, 60, m);
    assert_int_equal(m[0].first_day, 100);
    assert_int_equal(m[0].second_day, 110);
    assert_int_equal(m[0].last_day, 160);
    assert_int_equal(m[0].orders, 4);
    assert_int_equal(m[0].purchase_days, 3);
    assert_int_equal(metrics_repeat_days(&m[0]), 2);
    assert_int_equal(metrics_span_days(&m[0]), 60);
    assert_int_equal(metrics_t_days(&m[0], 200), 100);
    assert_int_equal(metrics_recency_days(&m[0], 200), 40);
    assert_int_equal(m[0].revenue, 1250);
    assert_int_equal(m[0].repeat_revenue, 300); /* days 110 (300) and 160 (0) */
    /* window (140, 200]: only day 160; previous window (80, 140]: 1000 + 300 - 50 */
    assert_int_equal(m[0].orders_window, 1);
    assert_int_equal(m[0].revenue_window, 0);
    assert_int_equal(m[0].revenue_prev_window, 1250);
    assert_true(fabsf(m[0].median_gap - 30.0f) < 1e-6f); /* gaps 10, 50 */
    /* customer without lines */
    assert_int_equal(m[1].purchase_days, 0);
    assert_int_equal(m[1].first_day, LEDGER_NO_DAY);
    assert_int_equal(metrics_span_days(&m[1]), -1);
    assert_int_equal(metrics_recency_days(&m[1], 200), -1);
    /* as of a date before any data */
    metrics_compute(l, 50, 365, m);
    assert_int_equal(m[0].purchase_days, 0);
    assert_int_equal(m[0].revenue, 0);
    /* one customer at a time gives the same */
    struct customer_metrics one;
    metrics_compute_one(l, 0, 500, 365, &one);
    assert_int_equal(one.orders, 5);
    assert_int_equal(one.revenue, 2249);
    ledger_free(&l);
}

static FILE *open_shared(const char *rel, char *path, size_t n)
{
    const char *dir = getenv("OKAERI_SHARED_DATA");
    if (!dir)
        dir = "../shared/data";
    snprintf(path, n, "%s/%s", dir, rel);
    return fopen(path, "r");
}

/* CDNOW sample vs BTYD cbs: x = repeat_days, t.x*7 = span_days, T.cal*7 = t_days, m.x = mean
 * repeat-day spend, for all 2,357 customers with calibration end 1997-09-30. */
static void test_cdnow_against_btyd(void **state)
{
    char path[1024], line[512];
    struct ok_err err;
    FILE *f = open_shared("cdnow/CDNOW_sample.txt", path, sizeof(path));
    assert_non_null(f);
    struct ledger_builder b;
    ledger_builder_init(&b, 2);
    for (int id = 1; id <= 2357; id++) {
        struct ledger_customer_in c = cust(id);
        ledger_builder_add_customer(&b, &c, &err);
    }
    long rows = 0;
    while (fgets(line, sizeof(line), f)) {
        long master, sample, ymdv, cds;
        double dollars;
        if (sscanf(line, "%ld %ld %ld %ld %lf", &master, &sample, &ymdv, &cds, &dollars) != 5)
            continue;
        int32_t d = ymd((int)(ymdv / 10000), (int)(ymdv / 100 % 100), (int)(ymdv % 100));
        assert_int_equal(
            ledger_builder_add_line(&b, sample, d, llround(dollars * 100), rows, 0, &err), 0);
        rows++;
    }
    fclose(f);
    assert_int_equal(rows, 6919);
    struct ledger *l = ledger_builder_finish(&b, &err);
    struct customer_metrics *m = calloc(l->ncust, sizeof(*m));
    int32_t cal_end = ymd(1997, 9, 30);
    metrics_compute(l, cal_end, 365, m);

    f = open_shared("cdnow/btyd_cdnow_cbs.csv", path, sizeof(path));
    assert_non_null(f);
    assert_non_null(fgets(line, sizeof(line), f)); /* header */
    long n = 0, sum_x = 0, repeaters = 0;
    while (fgets(line, sizeof(line), f)) {
        long id;
        double x, tx, tcal, xstar, mx;
        assert_int_equal(sscanf(line, "%ld,%lf,%lf,%lf,%lf,%lf", &id, &x, &tx, &tcal, &xstar, &mx),
                         6);
        long c = ledger_customer_index(l, id);
        assert_true(c >= 0);
        const struct customer_metrics *cm = &m[c];
        assert_int_equal(metrics_repeat_days(cm), (long)x);
        assert_int_equal(metrics_span_days(cm), lround(tx * 7));
        assert_int_equal(metrics_t_days(cm, cal_end), lround(tcal * 7));
        double mean = metrics_repeat_days(cm)
                          ? (double)cm->repeat_revenue / 100.0 / metrics_repeat_days(cm)
                          : 0.0;
        assert_true(fabs(mean - mx) < 1e-9);
        sum_x += (long)x;
        repeaters += x > 0;
        n++;
    }
    fclose(f);
    assert_int_equal(n, 2357);
    assert_int_equal(sum_x, 2457);
    assert_int_equal(repeaters, 946);
    free(m);
    ledger_free(&l);
}

/* Splits one CSV record (quotes allowed, no embedded newlines in this file) into fields. */
static int csv_split(char *s, char **fields, int max)
{
    int n = 0;
    char *w = s;
    while (n < max) {
        fields[n++] = w;
        if (*s == '"') {
            s++;
            for (;;) {
                if (*s == '"' && s[1] == '"') {
                    *w++ = '"';
                    s += 2;
                } else if (*s == '"') {
                    s++;
                    break;
                } else if (!*s) {
                    break;
                } else {
                    *w++ = *s++;
                }
            }
        }
        while (*s && *s != ',' && *s != '\n' && *s != '\r')
            *w++ = *s++;
        int more = *s == ',';
        *w = '\0';
        if (!more)
            break;
        s++;
        w = s;
    }
    return n;
}

/* Online Retail, cleaned as in CLV_REFERENCE.md §1.1 (CustomerID present, not a 'C' invoice,
 * Quantity > 0, UnitPrice > 0): 397,884 rows, 4,338 customers, 18,532 invoices, revenue
 * 8,911,407.90; with lifetimes conventions (freq 'D', end 2011-12-09) 2,790 customers have
 * frequency > 0 and the frequencies sum to 12,425. */
static void test_online_retail(void **state)
{
    char path[1024], cmd[1200];
    const char *dir = getenv("OKAERI_SHARED_DATA");
    snprintf(path, sizeof(path), "%s/online-retail/online_retail.csv.gz",
             dir ? dir : "../shared/data");
    snprintf(cmd, sizeof(cmd), "gzip -dc '%s'", path);
    FILE *f = popen(cmd, "r");
    assert_non_null(f);
    struct ok_err err;
    struct ledger_builder b;
    ledger_builder_init(&b, 3); /* prices have up to 3 decimals: amounts in 1/1000 GBP */
    char line[4096], *fld[16];
    long rows = 0;
    int header = 1;
    while (fgets(line, sizeof(line), f)) {
        if (header) {
            header = 0;
            continue;
        }
        if (csv_split(line, fld, 16) != 8)
            fail_msg("bad row: %s", line);
        if (!fld[6][0] || fld[0][0] == 'C')
            continue;
        long qty = strtol(fld[3], NULL, 10);
        double price = strtod(fld[5], NULL);
        if (qty <= 0 || price <= 0)
            continue;
        int64_t id = strtoll(fld[6], NULL, 10);
        int32_t d;
        assert_int_equal(date_parse_iso(fld[4], 10, &d), 0);
        if (ledger_customer_index(b.l, id) < 0) {
            struct ledger_customer_in c = cust(id);
            assert_true(ledger_builder_add_customer(&b, &c, &err) >= 0);
        }
        const char *inv = fld[0];
        while (*inv && (*inv < '0' || *inv > '9'))
            inv++;
        int64_t amount = qty * llround(price * 1000);
        assert_int_equal(
            ledger_builder_add_line(&b, id, d, amount, strtoll(inv, NULL, 10), 0, &err), 0);
        rows++;
    }
    assert_int_equal(pclose(f), 0);
    assert_int_equal(rows, 397884);
    struct ledger *l = ledger_builder_finish(&b, &err);
    assert_int_equal(l->ncust, 4338);
    struct customer_metrics *m = calloc(l->ncust, sizeof(*m));
    metrics_compute(l, ymd(2011, 12, 9), 365, m);
    long orders = 0, freq = 0, repeaters = 0;
    int64_t revenue = 0;
    for (uint32_t c = 0; c < l->ncust; c++) {
        orders += m[c].orders;
        freq += metrics_repeat_days(&m[c]);
        repeaters += metrics_repeat_days(&m[c]) > 0;
        revenue += m[c].revenue;
    }
    assert_int_equal(orders, 18532);
    assert_int_equal(freq, 12425);
    assert_int_equal(repeaters, 2790);
    /* exact sum 8,911,407.904; the reference gives it to 2 decimals */
    assert_true(llabs(revenue - 8911407900LL) < 5);
    free(m);
    ledger_free(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lifetimes_cases),
        cmocka_unit_test(test_hand_fixture),
        cmocka_unit_test(test_cdnow_against_btyd),
        cmocka_unit_test(test_online_retail),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
