/*
 * plan.h - planning arithmetic (DESIGN.md §1 and §2.11): revenue = leads x conversion x unit
 * price solved for any one unknown, scenarios side by side, the growing pool of lost prospects,
 * and the payback of retention work. Inputs come from flags or from the data (plan_actuals).
 */
#ifndef OK_ANALYTICS_PLAN_H
#define OK_ANALYTICS_PLAN_H

#include <stddef.h>
#include <stdint.h>

#include "analytics/ledger.h"
#include "core/err.h"
#include "core/table.h"

/* One scenario. Exactly one of revenue, leads, conversion (0..1), unit_price is NAN (unknown);
 * money in major units (yen, dollars). */
struct plan_scenario {
    const char *name;
    double revenue;
    double leads;
    double conversion;
    double unit_price;
};

/* Fills the unknown of p. With no unknown, checks that the four agree. Errors: more than one
 * unknown, disagreeing values, negative values, conversion > 1, or
 * an unknown that would need a division by zero. */
int plan_solve(struct plan_scenario *p, struct ok_err *err);

/* Solves each scenario and lists them side by side: scenario, revenue, leads, conversion,
 * unit_price, and each one's revenue and leads relative to the first scenario. */
struct table *report_plan(const struct plan_scenario *sc, size_t n, struct ok_err *err);

/* The pool of lost prospects year by year: leads_per_year - won_per_year are lost each year and
 * stay in the pool (1,000 leads, 100 won, 5 years: 4,500). */
struct table *report_lost_pool(double leads_per_year, double won_per_year, int years,
                               struct ok_err *err);

/* Payback of retention work: cost, saving per day and days -> total saving, net, and the days
 * until the cost is paid back (NULL when nothing is saved). */
struct table *report_retention_payback(double cost, double saved_per_day, double days,
                                       struct ok_err *err);

/* Actual conversion (won / (won + lost) new-customer deals closed in [from, to]) and unit price
 * (revenue / orders in [from, to], minor units) from the data; NAN when there is nothing to
 * divide. The number of leads is the number of such deals closed. */
void plan_actuals(const struct ledger *l, int32_t from, int32_t to, double *conversion,
                  double *unit_price_minor, double *leads);

#endif
