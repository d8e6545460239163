/*
 * plan.c - planning arithmetic (see plan.h).
 */
#include "analytics/plan.h"

#include <math.h>
#include <stdio.h>

#include "core/banned.h"

int plan_solve(struct plan_scenario *p, struct ok_err *err)
{
    double *v[4] = {&p->revenue, &p->leads, &p->conversion, &p->unit_price};
    static const char *const names[4] = {"revenue", "leads", "conversion", "unit_price"};
    const char *sn = p->name ? p->name : "plan";
    int unknown = -1, n = 0;
    for (int i = 0; i < 4; i++) {
        if (isnan(*v[i])) {
            unknown = i;
            n++;
        } else if (!isfinite(*v[i]) || *v[i] < 0) {
            return ok_err_set(err, OK_ERR_INVALID, "%s: %s must be a number >= 0", sn, names[i]);
        }
    }
    if (n == 0) {
        /* all four given: accept when they agree, so a table can show the current state */
        double prod = p->leads * p->conversion * p->unit_price;
        if (fabs(prod - p->revenue) <= 1e-9 * fmax(1.0, fabs(p->revenue)))
            return 0;
        return ok_err_set(err, OK_ERR_INVALID,
                          "%s: revenue %g is not leads x conversion x unit_price = %g; leave "
                          "one of them out to solve for it",
                          sn, p->revenue, prod);
    }
    if (n != 1)
        return ok_err_set(err, OK_ERR_INVALID,
                          "%s: give exactly three of revenue, leads, conversion, unit_price "
                          "(%d unknown)",
                          sn, n);
    if (unknown != 2 && p->conversion > 1)
        return ok_err_set(err, OK_ERR_INVALID, "%s: conversion is a rate between 0 and 1", sn);
    double prod = 1;
    for (int i = 1; i < 4; i++)
        if (i != unknown)
            prod *= *v[i];
    if (unknown == 0) {
        p->revenue = prod;
        return 0;
    }
    if (prod == 0)
        return ok_err_set(err, OK_ERR_INVALID,
                          "%s: cannot solve for %s when another factor is zero", sn,
                          names[unknown]);
    *v[unknown] = p->revenue / prod;
    if (unknown == 2 && p->conversion > 1)
        return ok_err_set(err, OK_ERR_INVALID,
                          "%s: the target needs a conversion of %.1f %%, above 100 %%", sn,
                          p->conversion * 100);
    return 0;
}

struct table *report_plan(const struct plan_scenario *sc, size_t n, struct ok_err *err)
{
    if (n == 0) {
        ok_err_set(err, OK_ERR_INVALID, "plan: no scenario given");
        return NULL;
    }
    struct table *t = table_new("plan: revenue = leads x conversion x unit price");
    size_t cs = table_add_column(t, "scenario", TABLE_TEXT);
    size_t cr = table_add_column(t, "revenue", TABLE_DOUBLE);
    size_t cl = table_add_column(t, "leads", TABLE_DOUBLE);
    size_t cc = table_add_column(t, "conversion", TABLE_PERCENT);
    size_t cu = table_add_column(t, "unit_price", TABLE_DOUBLE);
    size_t crr = table_add_column(t, "revenue_vs_first", TABLE_DOUBLE);
    size_t clr = table_add_column(t, "leads_vs_first", TABLE_DOUBLE);
    table_set_decimals(t, cl, 1);
    struct plan_scenario first = {0};
    for (size_t i = 0; i < n; i++) {
        struct plan_scenario p = sc[i];
        char name[32];
        if (plan_solve(&p, err) < 0) {
            table_free(&t);
            return NULL;
        }
        if (i == 0)
            first = p;
        snprintf(name, sizeof(name), "%zu", i + 1);
        size_t r = table_add_row(t);
        table_set_text(t, r, cs, p.name ? p.name : name);
        table_set_double(t, r, cr, p.revenue);
        table_set_double(t, r, cl, p.leads);
        table_set_percent(t, r, cc, p.conversion);
        table_set_double(t, r, cu, p.unit_price);
        table_set_ratio(t, r, crr, p.revenue, first.revenue);
        table_set_ratio(t, r, clr, p.leads, first.leads);
    }
    return t;
}

struct table *report_lost_pool(double leads, double won, int years, struct ok_err *err)
{
    if (!(leads >= 0) || !(won >= 0) || won > leads || !isfinite(leads) || years < 1 ||
        years > 100) {
        ok_err_set(err, OK_ERR_INVALID,
                   "lost pool: need leads >= won >= 0 per year and 1..100 years");
        return NULL;
    }
    struct table *t = table_new("pool of lost prospects");
    size_t cy = table_add_column(t, "year", TABLE_INT);
    size_t cl = table_add_column(t, "leads", TABLE_DOUBLE);
    size_t cw = table_add_column(t, "won", TABLE_DOUBLE);
    size_t cx = table_add_column(t, "lost", TABLE_DOUBLE);
    size_t cp = table_add_column(t, "lost_pool", TABLE_DOUBLE);
    for (size_t c = cl; c <= cp; c++)
        table_set_decimals(t, c, 0);
    for (int y = 1; y <= years; y++) {
        size_t r = table_add_row(t);
        table_set_int(t, r, cy, y);
        table_set_double(t, r, cl, leads);
        table_set_double(t, r, cw, won);
        table_set_double(t, r, cx, leads - won);
        table_set_double(t, r, cp, (leads - won) * y);
    }
    return t;
}

struct table *report_retention_payback(double cost, double saved_per_day, double days,
                                       struct ok_err *err)
{
    if (!(cost >= 0) || !(saved_per_day >= 0) || !(days >= 0) || !isfinite(cost) ||
        !isfinite(saved_per_day) || !isfinite(days)) {
        ok_err_set(err, OK_ERR_INVALID, "payback: cost, saving per day and days must be >= 0");
        return NULL;
    }
    struct table *t = table_new("payback of retention work");
    size_t cc = table_add_column(t, "cost", TABLE_DOUBLE);
    size_t cs = table_add_column(t, "saved_per_day", TABLE_DOUBLE);
    size_t cd = table_add_column(t, "days", TABLE_DOUBLE);
    size_t ct = table_add_column(t, "total_saved", TABLE_DOUBLE);
    size_t cn = table_add_column(t, "net", TABLE_DOUBLE);
    size_t cp = table_add_column(t, "payback_days", TABLE_DOUBLE);
    table_set_decimals(t, cd, 0);
    table_set_decimals(t, cp, 1);
    size_t r = table_add_row(t);
    table_set_double(t, r, cc, cost);
    table_set_double(t, r, cs, saved_per_day);
    table_set_double(t, r, cd, days);
    table_set_double(t, r, ct, saved_per_day * days);
    table_set_double(t, r, cn, saved_per_day * days - cost);
    table_set_ratio(t, r, cp, cost, saved_per_day);
    return t;
}

void plan_actuals(const struct ledger *l, int32_t from, int32_t to, double *conversion,
                  double *unit_price_minor, double *leads)
{
    int64_t won = 0, lost = 0, orders = 0, revenue = 0;
    for (size_t i = 0; i < l->ndeals; i++) {
        const struct ledger_deal *d = &l->deals[i];
        if (d->kind != DEAL_NEW || d->closed_day < from || d->closed_day > to)
            continue;
        won += d->stage == DEAL_WON;
        lost += d->stage == DEAL_LOST;
    }
    for (uint32_t c = 0; c < l->ncust; c++) {
        const int32_t *day = l->line_day + l->seg_off[c];
        const int64_t *amt = l->line_amount + l->seg_off[c];
        const uint32_t *ord = l->line_order + l->seg_off[c];
        int32_t pd = LEDGER_NO_DAY;
        uint32_t po = 0;
        for (uint32_t i = 0; i < l->seg_len[c] && day[i] <= to; i++) {
            if (day[i] < from)
                continue;
            revenue += amt[i];
            if (amt[i] >= 0 && (day[i] != pd || ord[i] != po)) {
                orders++;
                pd = day[i];
                po = ord[i];
            }
        }
    }
    *conversion = won + lost ? (double)won / (double)(won + lost) : NAN;
    *unit_price_minor = orders ? (double)revenue / (double)orders : NAN;
    *leads = (double)(won + lost);
}
