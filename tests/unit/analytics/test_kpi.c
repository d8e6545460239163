/* Tests for src/analytics/kpi.c and plan.c on a hand-computed fixture. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/kpi.h"
#include "analytics/plan.h"

static struct ledger_customer_in cust(int64_t id, int64_t referred_by)
{
    struct ledger_customer_in c = {
        id, LEDGER_NO_DAY, LEDGER_NONE, LEDGER_NONE, referred_by, LEDGER_NONE, 0};
    return c;
}

/*
 * Period [200, 400].
 * A(1): buys 100 (1000), 180 (100), 350 (500)   existing; active on 199 and on 400
 * B(2): buys 250 (2000), referred by A          new, referred
 * C(3): buys 50 (700); deal lost 210 (reason 2), new deal opened 260 -> reactivated after 50
 * D(4): buys 150 (300); deal lost 220 (reason 2)  active on 199, lost on 400 -> churned
 * contracts: C #1 0..300 renewed by #2 301..700 (120); D #3 100..250 (50) ended, reason 4
 * deals won: upsell A 320 (300, trigger 9), cross-sell B 390 (50, product 5)
 * referral A -> B on 240 (trigger 7); feedback A 8 @300, B 6 @310, A 10 @500 (outside)
 */
static struct ledger *fixture(void)
{
    struct ok_err err;
    struct ledger_builder b;
    ledger_builder_init(&b, 0);
    struct ledger_customer_in c = cust(1, LEDGER_NONE);
    ledger_builder_add_customer(&b, &c, &err);
    c = cust(2, 1);
    ledger_builder_add_customer(&b, &c, &err);
    c = cust(3, LEDGER_NONE);
    ledger_builder_add_customer(&b, &c, &err);
    c = cust(4, LEDGER_NONE);
    ledger_builder_add_customer(&b, &c, &err);
    ledger_builder_add_line(&b, 1, 100, 1000, 1, 0, &err);
    ledger_builder_add_line(&b, 1, 180, 100, 2, 0, &err);
    ledger_builder_add_line(&b, 1, 350, 500, 3, 0, &err);
    ledger_builder_add_line(&b, 2, 250, 2000, 4, 0, &err);
    ledger_builder_add_line(&b, 3, 50, 700, 5, 0, &err);
    ledger_builder_add_line(&b, 4, 150, 300, 6, 0, &err);
    struct ledger_contract k1 = {0, 1, 0, 300, 100, 1, LEDGER_NONE, LEDGER_NONE, 0};
    struct ledger_contract k2 = {0, 1, 301, 700, 120, 2, 1, LEDGER_NONE, 0};
    struct ledger_contract k3 = {0, 1, 100, 250, 50, 3, LEDGER_NONE, 4, 0};
    ledger_builder_add_contract(&b, 3, &k1, &err);
    ledger_builder_add_contract(&b, 3, &k2, &err);
    ledger_builder_add_contract(&b, 4, &k3, &err);
    struct ledger_deal up = {0, DEAL_UPSELL, DEAL_WON, 300, 320, 300, LEDGER_NONE, 9, 1};
    struct ledger_deal cross = {0,  DEAL_CROSS_SELL, DEAL_WON,    380, 390,
                                50, LEDGER_NONE,     LEDGER_NONE, 5};
    struct ledger_deal lost_c = {0, DEAL_NEW, DEAL_LOST, 200, 210, 900, 2, LEDGER_NONE, 1};
    struct ledger_deal open_c = {0,   DEAL_NEW,    DEAL_OPEN,   260, LEDGER_NO_DAY,
                                 900, LEDGER_NONE, LEDGER_NONE, 1};
    struct ledger_deal lost_d = {0, DEAL_NEW, DEAL_LOST, 215, 220, 400, 2, LEDGER_NONE, 1};
    assert_true(ledger_builder_add_deal(&b, 1, &up, &err) >= 0);
    assert_true(ledger_builder_add_deal(&b, 2, &cross, &err) >= 0);
    assert_true(ledger_builder_add_deal(&b, 3, &lost_c, &err) >= 0);
    assert_true(ledger_builder_add_deal(&b, 3, &open_c, &err) >= 0);
    assert_true(ledger_builder_add_deal(&b, 4, &lost_d, &err) >= 0);
    ledger_builder_add_referral(&b, 1, 2, 240, 7, LEDGER_NONE, &err);
    ledger_builder_add_feedback(&b, 1, 1, 8, 300, &err);
    ledger_builder_add_feedback(&b, 2, 1, 6, 310, &err);
    ledger_builder_add_feedback(&b, 1, 1, 10, 500, &err);
    return ledger_builder_finish(&b, &err);
}

static const struct table_cell *kpi(const struct table *t, const char *name, const char *col)
{
    long c = table_find_column(t, col);
    assert_true(c >= 0);
    for (size_t r = 0; r < t->nrows; r++)
        if (!strcmp(table_cell(t, r, 0)->v.s, name))
            return table_cell(t, r, (size_t)c);
    fail_msg("no KPI %s", name);
    return NULL;
}

static void test_kpis(void **state)
{
    struct analytics_settings s;
    struct ok_err err;
    analytics_settings_default(&s);
    struct report_opts o = {.settings = &s};
    struct ledger *l = fixture();
    struct kpi_goal goals[] = {{"revenue", 5000}, {"renewal_rate", 0.8}};
    struct table *t = report_kpis(l, &o, 200, 400, goals, 2, &err);
    assert_non_null(t);
    assert_int_equal(kpi(t, "revenue", "money")->v.i, 2500);
    assert_int_equal(kpi(t, "revenue_existing", "money")->v.i, 500);
    assert_int_equal(kpi(t, "revenue_new", "money")->v.i, 2000);
    assert_true(fabs(kpi(t, "existing_revenue_share", "ratio")->v.d - 0.2) < 1e-12);
    assert_int_equal(kpi(t, "buying_customers", "count")->v.i, 2);
    assert_int_equal(kpi(t, "new_customers", "count")->v.i, 1);
    assert_true(fabs(kpi(t, "repeat_rate", "ratio")->v.d - 0.5) < 1e-12);
    assert_int_equal(kpi(t, "active_at_start", "count")->v.i, 2);
    assert_true(fabs(kpi(t, "churn_rate", "ratio")->v.d - 0.5) < 1e-12);
    assert_int_equal(kpi(t, "referrals", "count")->v.i, 1);
    assert_true(fabs(kpi(t, "referred_new_share", "ratio")->v.d - 1.0) < 1e-12);
    assert_int_equal(kpi(t, "contracts_due", "count")->v.i, 2);
    assert_int_equal(kpi(t, "contracts_renewed", "count")->v.i, 1);
    assert_int_equal(kpi(t, "renewed_amount", "money")->v.i, 120);
    assert_true(fabs(kpi(t, "renewal_rate", "ratio")->v.d - 0.5) < 1e-12);
    assert_true(fabs(kpi(t, "renewal_rate", "progress")->v.d - 0.625) < 1e-12);
    assert_true(fabs(kpi(t, "mean_days_to_end_unrenewed", "value")->v.d - 150) < 1e-12);
    assert_int_equal(kpi(t, "upsell_deals", "count")->v.i, 1);
    assert_int_equal(kpi(t, "upsell_revenue", "money")->v.i, 300);
    assert_int_equal(kpi(t, "cross_sell_revenue", "money")->v.i, 50);
    assert_int_equal(kpi(t, "lost_deals", "count")->v.i, 2);
    assert_int_equal(kpi(t, "reactivated", "count")->v.i, 1);
    assert_true(fabs(kpi(t, "mean_days_to_reactivation", "value")->v.d - 50) < 1e-12);
    assert_int_equal(kpi(t, "feedback_responses", "count")->v.i, 2);
    assert_true(fabs(kpi(t, "mean_feedback_score", "value")->v.d - 7) < 1e-12);
    assert_true(fabs(kpi(t, "revenue", "progress")->v.d - 0.5) < 1e-12);
    table_free(&t);

    /* empty period: ratios NULL, not a division by zero */
    t = report_kpis(l, &o, 1000, 1100, NULL, 0, &err);
    assert_true(kpi(t, "repeat_rate", "ratio")->is_null);
    assert_true(kpi(t, "renewal_rate", "ratio")->is_null);
    assert_true(kpi(t, "existing_revenue_share", "ratio")->is_null);
    table_free(&t);
    assert_null(report_kpis(l, &o, 400, 200, NULL, 0, &err));
    assert_int_equal(err.code, OK_ERR_INVALID);
    struct kpi_goal bad = {"revenue", 0};
    assert_null(report_kpis(l, &o, 200, 400, &bad, 1, &err));
    ledger_free(&l);
}

static void test_breakdowns(void **state)
{
    struct analytics_settings s;
    struct ok_err err;
    analytics_settings_default(&s);
    struct report_opts o = {.settings = &s};
    struct ledger *l = fixture();
    struct table *t = report_lost_reasons(l, &o, 200, 400, &err);
    assert_int_equal(t->nrows, 1);
    assert_string_equal(table_cell(t, 0, 0)->v.s, "2");
    assert_int_equal(table_cell(t, 0, 1)->v.i, 2);    /* lost deals */
    assert_int_equal(table_cell(t, 0, 2)->v.i, 1300); /* lost amount */
    assert_int_equal(table_cell(t, 0, 3)->v.i, 0);    /* bought again */
    assert_int_equal(table_cell(t, 0, 4)->v.i, 1);    /* reopened */
    assert_true(fabs(table_cell(t, 0, 6)->v.d - 0.5) < 1e-12);
    table_free(&t);

    t = report_renewals(l, &o, 200, 400, &err);
    assert_int_equal(t->nrows, 2);
    table_free(&t);

    t = report_referrals(l, &o, 200, 400, &err);
    assert_int_equal(t->nrows, 3); /* one trigger, one stage, one segment */
    assert_string_equal(table_cell(t, 0, 1)->v.s, "7");
    assert_true(fabs(table_cell(t, 0, 4)->v.d - 1.0) < 1e-12); /* referred customer bought */
    assert_int_equal(table_cell(t, 0, 5)->v.i, 2000);
    assert_true(fabs(table_cell(t, 0, 7)->v.d - 140) < 1e-12); /* 240 - 100 */
    table_free(&t);

    t = report_upsell(l, &o, 200, 400, &err);
    assert_int_equal(t->nrows, 4);
    table_free(&t);

    t = report_satisfaction(l, &o, 0, 1000, &err);
    assert_int_equal(t->nrows, 1);
    assert_int_equal(table_cell(t, 0, 1)->v.i, 3);
    assert_true(fabs(table_cell(t, 0, 2)->v.d - 8) < 1e-12);
    assert_int_equal(table_cell(t, 0, 3)->v.i, 6);
    assert_int_equal(table_cell(t, 0, 4)->v.i, 10);
    table_free(&t);

    double conv, price, leads;
    plan_actuals(l, 0, 1000, &conv, &price, &leads);
    assert_true(fabs(conv - 0.0) < 1e-12); /* two new-customer deals, both lost */
    assert_int_equal((long)leads, 2);
    assert_true(fabs(price - 4600.0 / 6) < 1e-9);
    ledger_free(&l);
}

static void test_plan(void **state)
{
    struct ok_err err;
    /* DESIGN §1: conversion 6 % -> 4 % with the target doubled needs 3x the leads */
    struct plan_scenario sc[2] = {{"now", 6000000, 1000, 0.06, 100000},
                                  {"next", 12000000, NAN, 0.04, 100000}};
    assert_int_equal(plan_solve(&sc[1], &err), 0);
    assert_true(fabs(sc[1].leads - 3000) < 1e-9);
    sc[1].leads = 2999; /* all given but inconsistent */
    struct table *t = report_plan(sc, 2, &err);
    assert_null(t);
    sc[1].leads = NAN;
    t = report_plan(sc, 2, &err);
    assert_non_null(t);
    assert_true(fabs(table_cell(t, 1, 6)->v.d - 3.0) < 1e-12);
    assert_true(fabs(table_cell(t, 1, 5)->v.d - 2.0) < 1e-12);
    table_free(&t);
    struct plan_scenario p = {"x", 1000, 0, NAN, 10};
    assert_int_equal(plan_solve(&p, &err), -1); /* zero leads: no division by zero */
    struct plan_scenario two = {"x", NAN, NAN, 0.1, 10};
    assert_int_equal(plan_solve(&two, &err), -1);
    struct plan_scenario high = {"x", 1000, 10, NAN, 10};
    assert_int_equal(plan_solve(&high, &err), -1); /* would need 1000 % */
    struct plan_scenario price = {"x", 6000, 100, 0.06, NAN};
    assert_int_equal(plan_solve(&price, &err), 0);
    assert_true(fabs(price.unit_price - 1000) < 1e-9);

    /* DESIGN §1: 1,000 leads a year, 100 won, 5 years -> 4,500 lost prospects */
    t = report_lost_pool(1000, 100, 5, &err);
    assert_int_equal(t->nrows, 5);
    assert_true(fabs(table_cell(t, 4, 4)->v.d - 4500) < 1e-9);
    table_free(&t);
    assert_null(report_lost_pool(100, 200, 5, &err));

    t = report_retention_payback(30000, 1000, 90, &err);
    assert_true(fabs(table_cell(t, 0, 3)->v.d - 90000) < 1e-9);
    assert_true(fabs(table_cell(t, 0, 4)->v.d - 60000) < 1e-9);
    assert_true(fabs(table_cell(t, 0, 5)->v.d - 30) < 1e-9);
    table_free(&t);
    t = report_retention_payback(30000, 0, 90, &err);
    assert_true(table_cell(t, 0, 5)->is_null);
    table_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kpis),
        cmocka_unit_test(test_breakdowns),
        cmocka_unit_test(test_plan),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
