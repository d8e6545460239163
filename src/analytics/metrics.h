/*
 * metrics.h - per-customer purchase metrics as of a date, in one pass over the ledger columns.
 *
 * Conventions (the lifetimes / BTYD ones, shared/data/CLV_REFERENCE.md §2.1 and §2.3, with
 * freq = 'D'): only lines on or before as_of count. A line with amount >= 0 is a purchase line
 * (zero-value lines count, as in CDNOW); a negative line is a return, which lowers revenue but
 * makes no purchase day. A purchase day is a day with at least one purchase line; its value is
 * the sum of all lines of that day (same-day lines summed). Orders are distinct (day, order key)
 * pairs among purchase lines.
 *   repeat_days = purchase_days - 1 (BTYD x), span_days = last - first (t.x in days),
 *   t_days = as_of - first (T.cal in days), recency_days = as_of - last,
 *   avg_order_value = revenue / orders,
 *   avg_repeat_day_value = mean value of the repeat purchase days, the first day excluded
 *   (BTYD m.x, lifetimes monetary_value; NULL/0 when there is no repeat day).
 * The window fields serve the loyal/engaged rules: window = (as_of - w, as_of], previous window
 * = (as_of - 2w, as_of - w], w = settings window_days.
 */
#ifndef OK_ANALYTICS_METRICS_H
#define OK_ANALYTICS_METRICS_H

#include <stdint.h>

#include "analytics/ledger.h"

struct customer_metrics {
    int32_t first_day;  /* first purchase day, LEDGER_NO_DAY when none on or before as_of */
    int32_t second_day; /* second purchase day (start of "repeat"), LEDGER_NO_DAY */
    int32_t last_day;   /* last purchase day, LEDGER_NO_DAY */
    uint32_t orders;
    uint32_t purchase_days;
    uint32_t orders_window; /* orders in the window */
    int64_t revenue;        /* all lines, net of returns */
    int64_t repeat_revenue; /* sum of the repeat purchase days' values */
    int64_t revenue_window; /* all lines in the window */
    int64_t revenue_prev_window;
    float median_gap; /* median days between consecutive purchase days; 0 when fewer than 2 */
};

/* Computes metrics for every customer of l as of as_of into out[0..l->ncust-1] (caller
 * allocates). window_days: see above (365 for "the last 12 months"). */
void metrics_compute(const struct ledger *l, int32_t as_of, int32_t window_days,
                     struct customer_metrics *out);

/* Metrics of one customer (same rules); used by per-customer pages and the server. */
void metrics_compute_one(const struct ledger *l, uint32_t cust, int32_t as_of, int32_t window_days,
                         struct customer_metrics *out);

static inline uint32_t metrics_repeat_days(const struct customer_metrics *m)
{
    return m->purchase_days ? m->purchase_days - 1 : 0;
}
/* The day-count metrics below are -1 when the customer has no purchase (report shows NULL). */
static inline int32_t metrics_span_days(const struct customer_metrics *m)
{
    return m->purchase_days ? m->last_day - m->first_day : -1;
}
static inline int32_t metrics_t_days(const struct customer_metrics *m, int32_t as_of)
{
    return m->purchase_days ? as_of - m->first_day : -1;
}
static inline int32_t metrics_recency_days(const struct customer_metrics *m, int32_t as_of)
{
    return m->purchase_days ? as_of - m->last_day : -1;
}

#endif
