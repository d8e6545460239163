/*
 * kpi.h - retention KPIs between two dates (DESIGN.md §2.10), and one breakdown report each.
 *
 * The period is [from, to], both days included; from > to is an error. "Existing" customers are
 * those whose first purchase is before `from`, "new" ones made their first purchase in the
 * period. Every number is defined in docs/reports.md; ratios with a zero denominator are NULL.
 */
#ifndef OK_ANALYTICS_KPI_H
#define OK_ANALYTICS_KPI_H

#include <stddef.h>
#include <stdint.h>

#include "analytics/report.h"

/* A target for a KPI row (kpi name as in the report, target in the row's unit: money in minor
 * units, ratios as 0..1). */
struct kpi_goal {
    const char *kpi;
    double target;
};

/* All headline KPIs, one per row (kpi, unit, count, money, ratio, value, target, progress). */
struct table *report_kpis(const struct ledger *l, const struct report_opts *o, int32_t from,
                          int32_t to, const struct kpi_goal *goals, size_t ngoals,
                          struct ok_err *err);
/* Referrals in the period by trigger, by the referrer's stage and RFM segment on `to`. */
struct table *report_referrals(const struct ledger *l, const struct report_opts *o, int32_t from,
                               int32_t to, struct ok_err *err);
/* Contracts ending in the period: renewed or not, per end reason. */
struct table *report_renewals(const struct ledger *l, const struct report_opts *o, int32_t from,
                              int32_t to, struct ok_err *err);
/* Won upsell and cross-sell deals closed in the period, by trigger and by product. */
struct table *report_upsell(const struct ledger *l, const struct report_opts *o, int32_t from,
                            int32_t to, struct ok_err *err);
/* Deals lost in the period by reason, and their reactivation (bought again or opened a new deal
 * after the loss, up to `to`). */
struct table *report_lost_reasons(const struct ledger *l, const struct report_opts *o, int32_t from,
                                  int32_t to, struct ok_err *err);
/* Feedback in the period by kind: responses and mean, min, max score. */
struct table *report_satisfaction(const struct ledger *l, const struct report_opts *o, int32_t from,
                                  int32_t to, struct ok_err *err);

#endif
