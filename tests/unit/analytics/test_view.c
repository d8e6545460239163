/* Tests for settings.c, rfm.c, view.c and report.c on small hand-computed fixtures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/report.h"
#include "analytics/rfm.h"
#include "analytics/settings.h"
#include "analytics/view.h"

static struct ledger_customer_in cust(int64_t id, int32_t created)
{
    struct ledger_customer_in c = {id,          created, LEDGER_NONE, LEDGER_NONE, LEDGER_NONE,
                                   LEDGER_NONE, 0};
    return c;
}

static void test_settings(void **state)
{
    struct analytics_settings s;
    struct ok_err err;
    analytics_settings_default(&s);
    assert_int_equal(analytics_settings_validate(&s, &err), 0);
    assert_int_equal(analytics_settings_set(&s, "state.active_days", "60", &err), 0);
    assert_int_equal(s.active_days, 60);
    assert_int_equal(analytics_settings_set(&s, "state.activ_days", "60", &err), -1);
    assert_non_null(strstr(err.message, "unknown setting 'state.activ_days'"));
    assert_int_equal(analytics_settings_set(&s, "state.active_days", "6x", &err), -1);
    assert_non_null(strstr(err.message, "not a whole number"));
    assert_int_equal(analytics_settings_set(&s, "state.rule", "magic", &err), -1);
    assert_int_equal(analytics_settings_set(&s, "rfm.r_days", "1,2,3", &err), -1);
    assert_int_equal(
        analytics_settings_parse(&s, "state.active_days=400; state.rule = rhythm", &err), -1);
    assert_non_null(strstr(err.message, "state.active_days (400) must be below"));
    analytics_settings_default(&s);
    assert_int_equal(
        analytics_settings_parse(&s, "state.rule=p_alive\nrfm.r_days=10,20,30,40", &err), 0);
    assert_int_equal(s.state_rule, STATE_RULE_PALIVE);
    assert_int_equal(s.rfm_r_days[3], 40);
    assert_int_equal(analytics_settings_parse(&s, "rfm.f_min=1,1,2,3", &err), -1);
    assert_int_equal(analytics_settings_parse(&s, "state.p_alive_dead=0.6", &err), -1);
}

static void test_quintiles_ties(void **state)
{
    /* 10 values; ties kept together; score = 1 + floor(5 p / n), p = count strictly below */
    uint64_t k[10] = {1, 1, 1, 1, 1, 1, 2, 3, 3, 9};
    uint64_t cut[4];
    int has[4];
    rfm_quintile_cuts(k, 10, cut, has);
    /* value 1: p=0 -> 1; value 2: p=6 -> 4; value 3: p=7 -> 4; value 9: p=9 -> 5 */
    assert_true(has[0] && has[1] && has[2] && has[3]);
    assert_int_equal(cut[0], 2); /* score >= 2 needs p >= 2 */
    assert_int_equal(cut[1], 2);
    assert_int_equal(cut[2], 2); /* p >= 6 */
    assert_int_equal(cut[3], 9); /* p >= 8 */
    uint64_t one[1] = {5};
    rfm_quintile_cuts(one, 1, cut, has);
    assert_false(has[0]); /* a single customer scores 1 */
    assert_int_equal(rfm_segment_of(5, 5), RFM_SEG_CHAMPIONS);
    assert_int_equal(rfm_segment_of(3, 4), RFM_SEG_LOYAL);
    assert_int_equal(rfm_segment_of(4, 1), RFM_SEG_NEW);
    assert_int_equal(rfm_segment_of(3, 1), RFM_SEG_POTENTIAL);
    assert_int_equal(rfm_segment_of(1, 5), RFM_SEG_AT_RISK);
    assert_int_equal(rfm_segment_of(2, 2), RFM_SEG_HIBERNATING);
    assert_int_equal(rfm_segment_of(1, 1), RFM_SEG_LOST);
    assert_string_equal(rfm_segment_label_ja(RFM_SEG_AT_RISK), "離反予備軍");
}

/*
 * Fixture, as of day 1000 (window 365: (635, 1000], previous (270, 635]):
 *  1: purchases 990                                   -> active, new
 *  2: 700, 800, 900                                   -> active (rec 100? no: 100 > 90: sleeping)
 *  3: 100, 200                                        -> dead (rec 800), lapsed
 *  4: none, created 500                               -> prospect
 *  5: created 1500                                    -> none (does not exist yet)
 *  6: purchase 950, lost deal closed 980              -> lost (lapsed)
 *  7: 400, 500, 600 (prev window 3 x 100), 700, 800, 960, 970 (window 4 x 300) -> loyal+grew
 *     = engaged
 *  8: 960, 970, 980 (window, 3 orders, 100 each), referred customer 9 on 975 -> engaged
 *  9: 990 (referred by 8)                             -> new
 * 10: 910, 930, 950, 970                              -> 4 orders in window, no growth -> loyal
 */
static struct ledger *fixture(void)
{
    struct ok_err err;
    struct ledger_builder b;
    ledger_builder_init(&b, 0);
    for (int id = 1; id <= 10; id++) {
        struct ledger_customer_in c = cust(id, id == 4 ? 500 : id == 5 ? 1500 : LEDGER_NO_DAY);
        if (id == 9)
            c.referred_by = 8;
        ledger_builder_add_customer(&b, &c, &err);
    }
    int64_t order = 1;
    ledger_builder_add_line(&b, 1, 990, 100, order++, 0, &err);
    ledger_builder_add_line(&b, 2, 700, 100, order++, 0, &err);
    ledger_builder_add_line(&b, 2, 800, 100, order++, 0, &err);
    ledger_builder_add_line(&b, 2, 900, 100, order++, 0, &err);
    ledger_builder_add_line(&b, 3, 100, 100, order++, 0, &err);
    ledger_builder_add_line(&b, 3, 200, 100, order++, 0, &err);
    ledger_builder_add_line(&b, 6, 950, 100, order++, 0, &err);
    int d7[] = {400, 500, 600, 700, 800, 960, 970};
    for (int i = 0; i < 7; i++)
        ledger_builder_add_line(&b, 7, d7[i], d7[i] < 635 ? 100 : 300, order++, 0, &err);
    ledger_builder_add_line(&b, 8, 960, 100, order++, 0, &err);
    ledger_builder_add_line(&b, 8, 970, 100, order++, 0, &err);
    ledger_builder_add_line(&b, 8, 980, 100, order++, 0, &err);
    ledger_builder_add_line(&b, 9, 990, 100, order++, 0, &err);
    int d10[] = {910, 930, 950, 970};
    for (int i = 0; i < 4; i++)
        ledger_builder_add_line(&b, 10, d10[i], 100, order++, 0, &err);
    struct ledger_deal d = {0, DEAL_UPSELL, DEAL_LOST, 960, 980, 500, 2, LEDGER_NONE, 1};
    ledger_builder_add_deal(&b, 6, &d, &err);
    ledger_builder_add_referral(&b, 8, 9, 975, 1, LEDGER_NONE, &err);
    return ledger_builder_finish(&b, &err);
}

static void test_state_and_stage(void **state)
{
    struct analytics_settings s;
    struct analytics_view v;
    struct ok_err err;
    analytics_settings_default(&s);
    struct ledger *l = fixture();
    assert_int_equal(analytics_view_compute(&v, l, &s, 1000, NULL, &err), 0);
    uint8_t st[] = {CUST_STATE_ACTIVE, CUST_STATE_SLEEPING, CUST_STATE_DEAD,   CUST_STATE_PROSPECT,
                    CUST_STATE_NONE,   CUST_STATE_LOST,     CUST_STATE_ACTIVE, CUST_STATE_ACTIVE,
                    CUST_STATE_ACTIVE, CUST_STATE_ACTIVE};
    uint8_t sg[] = {CUST_STAGE_NEW,  CUST_STAGE_LAPSED, CUST_STAGE_LAPSED,  CUST_STAGE_PROSPECT,
                    CUST_STAGE_NONE, CUST_STAGE_LAPSED, CUST_STAGE_ENGAGED, CUST_STAGE_ENGAGED,
                    CUST_STAGE_NEW,  CUST_STAGE_LOYAL};
    for (int c = 0; c < 10; c++) {
        assert_int_equal(v.state[c], st[c]);
        assert_int_equal(v.stage[c], sg[c]);
    }
    analytics_view_release(&v);

    /* lost only for never-buyers: customer 6 is judged by recency (50 days: active) */
    s.lost_overrides_buyers = 0;
    assert_int_equal(analytics_view_compute(&v, l, &s, 1000, NULL, &err), 0);
    assert_int_equal(v.state[5], CUST_STATE_ACTIVE);
    analytics_view_release(&v);
    analytics_settings_default(&s);

    /* rhythm: customer 2 buys every 100 days; k = 2 -> active up to 200 days */
    s.state_rule = STATE_RULE_RHYTHM;
    assert_int_equal(analytics_view_compute(&v, l, &s, 1000, NULL, &err), 0);
    assert_int_equal(v.state[1], CUST_STATE_ACTIVE);
    /* customer 10 buys every 20 days: A = max(30, 40) = 40; sleeping to 80, dead beyond */
    analytics_view_release(&v);
    assert_int_equal(analytics_view_compute(&v, l, &s, 1030, NULL, &err), 0);
    assert_int_equal(v.state[9], CUST_STATE_SLEEPING); /* rec 60 */
    analytics_view_release(&v);
    assert_int_equal(analytics_view_compute(&v, l, &s, 1051, NULL, &err), 0);
    assert_int_equal(v.state[9], CUST_STATE_DEAD); /* rec 81 */
    analytics_view_release(&v);

    /* p_alive: required, thresholds 0.5 / 0.1, NaN falls back to fixed */
    s.state_rule = STATE_RULE_PALIVE;
    assert_int_equal(analytics_view_compute(&v, l, &s, 1000, NULL, &err), -1);
    double p[10] = {0.05, 0.9, 0.3, 1, 1, 1, NAN, 0.5, 0.1, 0.09};
    assert_int_equal(analytics_view_compute(&v, l, &s, 1000, p, &err), 0);
    assert_int_equal(v.state[0], CUST_STATE_DEAD);
    assert_int_equal(v.state[1], CUST_STATE_ACTIVE);
    assert_int_equal(v.state[2], CUST_STATE_SLEEPING);
    assert_int_equal(v.state[6], CUST_STATE_ACTIVE); /* NaN: recency 30 */
    assert_int_equal(v.state[7], CUST_STATE_ACTIVE);
    assert_int_equal(v.state[8], CUST_STATE_SLEEPING);
    assert_int_equal(v.state[9], CUST_STATE_DEAD);
    analytics_view_release(&v);

    /* as of a date before any data: everyone existing is a prospect */
    analytics_settings_default(&s);
    assert_int_equal(analytics_view_compute(&v, l, &s, 50, NULL, &err), 0);
    assert_int_equal(v.state[0], CUST_STATE_PROSPECT);
    assert_int_equal(v.state[3], CUST_STATE_NONE);
    assert_int_equal(v.r[0], 0);
    analytics_view_release(&v);
    ledger_free(&l);
}

static long cell_int(const struct table *t, size_t row, const char *col)
{
    long c = table_find_column(t, col);
    assert_true(c >= 0);
    const struct table_cell *cell = table_cell(t, row, (size_t)c);
    assert_non_null(cell);
    assert_false(cell->is_null);
    return (long)cell->v.i;
}

static void test_reports(void **state)
{
    struct analytics_settings s;
    struct ok_err err;
    analytics_settings_default(&s);
    struct report_opts o = {.settings = &s};
    struct ledger *l = fixture();

    struct table *t = report_inventory(l, &o, 1000, &err);
    assert_non_null(t);
    /* rows: prospect, active, sleeping, dead, lost, total */
    long expect[] = {1, 5, 1, 1, 1, 9};
    for (int i = 0; i < 6; i++)
        assert_int_equal(cell_int(t, (size_t)i, "customers"), expect[i]);
    assert_int_equal(cell_int(t, 5, "revenue_to_date"), 100 * 18 + 300 * 4);
    table_free(&t);

    t = report_lifecycle(l, &o, 1000, &err);
    /* prospect, new, repeat, loyal, engaged, lapsed */
    long stages[] = {1, 2, 0, 1, 2, 3};
    for (int i = 0; i < 6; i++)
        assert_int_equal(cell_int(t, (size_t)i, "customers"), stages[i]);
    table_free(&t);

    t = report_transitions(l, &o, 1000, 900, &err);
    assert_null(t);
    assert_non_null(strstr(err.message, "after"));
    t = report_transitions(l, &o, 955, 1000, &err);
    assert_non_null(t);
    /* on 955 customer 1 and 9 did not buy yet; 1 and 9 exist (created unknown) -> prospects,
     * both are new on 1000 */
    int found = 0;
    for (size_t r = 0; r < t->nrows; r++) {
        const struct table_cell *k = table_cell(t, r, 0), *f = table_cell(t, r, 1),
                                *to = table_cell(t, r, 2);
        if (!strcmp(k->v.s, "stage") && !strcmp(f->v.s, "prospect") && !strcmp(to->v.s, "new")) {
            assert_int_equal(cell_int(t, r, "customers"), 2);
            found = 1;
        }
    }
    assert_true(found);
    table_free(&t);

    t = report_customers(l, &o, 1000, &err);
    assert_int_equal(t->nrows, 9); /* customer 5 does not exist yet */
    assert_string_equal(table_cell(t, 0, 0)->v.s, "1");
    assert_int_equal(cell_int(t, 5, "repeat_days"), 6);
    assert_int_equal(cell_int(t, 5, "avg_repeat_day_value"), (2 * 100 + 4 * 300) / 6 + 0);
    assert_true(table_cell(t, 3, (size_t)table_find_column(t, "avg_order_value"))->is_null);
    table_free(&t);

    t = report_cohorts(l, &o, 1000, &err);
    assert_non_null(t);
    assert_true(t->nrows > 0);
    /* first cohort: 1970-04 (day 100 = 1970-04-11): customer 3 only, active in month 0 and
     * in month 3 (day 200 = 1970-07-20) */
    assert_string_equal(table_cell(t, 0, 0)->v.s, "1970-04");
    assert_int_equal(cell_int(t, 0, "cohort_customers"), 1);
    assert_int_equal(cell_int(t, 3, "active_customers"), 1);
    assert_int_equal(cell_int(t, 1, "active_customers"), 0);
    table_free(&t);

    t = report_rfm(l, &o, 1000, &err);
    assert_int_equal(t->nrows, 25);
    long total = 0;
    for (size_t r = 0; r < 25; r++)
        total += cell_int(t, r, "customers");
    assert_int_equal(total, 8); /* customers with a purchase */
    table_free(&t);
    ledger_free(&l);

    /* empty ledger: zero rows or zero counts, NULL shares, no crash */
    l = ledger_new(0);
    t = report_inventory(l, &o, 1000, &err);
    assert_int_equal(cell_int(t, 5, "customers"), 0);
    assert_true(table_cell(t, 5, 3)->is_null);
    table_free(&t);
    t = report_cohorts(l, &o, 1000, &err);
    assert_int_equal(t->nrows, 0);
    table_free(&t);
    ledger_free(&l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_settings),
        cmocka_unit_test(test_quintiles_ties),
        cmocka_unit_test(test_state_and_stage),
        cmocka_unit_test(test_reports),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
