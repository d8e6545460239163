/*
 * report.h - the customer reports as tables: customers, inventory (棚卸し), lifecycle,
 * transitions, stage times, RFM grid and segments, cohorts.
 *
 * Each report is a pure function of a ledger snapshot, settings and dates, returning a struct
 * table (core/table.h) that the CLI renders as text/CSV/JSON and the HTTP layer as JSON. Column
 * names are stable and documented, with the exact definition of every number, in
 * docs/reports.md. Labels for ids (customer codes, owners, causes, reasons, triggers, products)
 * come from the caller through struct analytics_names; without one, ids print as numbers.
 * Bad input (from > to, invalid settings, p_alive rule without values) gives NULL and err;
 * empty data gives empty or zero rows with NULL ratios, never a division by zero.
 */
#ifndef OK_ANALYTICS_REPORT_H
#define OK_ANALYTICS_REPORT_H

#include <stdint.h>

#include "analytics/ledger.h"
#include "analytics/settings.h"
#include "analytics/view.h"
#include "core/table.h"

enum name_kind {
    NAME_CUSTOMER, /* customer code, by customer id */
    NAME_OWNER,    /* staff name, by owner id */
    NAME_CAUSE,    /* cause of sleeping/dead, by cause id */
    NAME_LOST_REASON,
    NAME_TRIGGER,
    NAME_PRODUCT,
    NAME_SOURCE,
    NAME_FEEDBACK_KIND,
    NAME_END_REASON
};

/* Lookup of display names. lookup may return NULL (unknown id); the string must stay valid
 * until the report function returns. */
struct analytics_names {
    const char *(*lookup)(void *ctx, enum name_kind kind, int64_t id);
    void *ctx;
};

struct report_opts {
    const struct analytics_settings *settings; /* required */
    const struct analytics_names *names;       /* may be NULL */
    const double *p_alive; /* per customer, required when state.rule = p_alive */
    /* Value-model predictions per customer (NaN where none), shown by report_customers; NULL
     * when no model is fitted (the columns are then empty). */
    const double *expected_purchases; /* over value_horizon_days */
    const double *clv;                /* minor units, over value_horizon_days */
    int value_horizon_days;
};

/* Name of an id via opts->names, or the id in decimal; "" for LEDGER_NONE. Writes into out. */
const char *report_name(const struct report_opts *o, enum name_kind kind, int64_t id, char *out,
                        size_t size);

/* One row per existing customer: code first, then metrics, state, stage, RFM. Caller frees. */
struct table *report_customers(const struct ledger *l, const struct report_opts *o, int32_t as_of,
                               struct ok_err *err);
/* Counts, shares and revenue per state. */
struct table *report_inventory(const struct ledger *l, const struct report_opts *o, int32_t as_of,
                               struct ok_err *err);
/* Members of one state (or all existing customers when state < 0), with owner and cause,
 * longest-quiet first. */
struct table *report_inventory_members(const struct ledger *l, const struct report_opts *o,
                                       int32_t as_of, int state, struct ok_err *err);
/* Counts and revenue per lifecycle stage. */
struct table *report_lifecycle(const struct ledger *l, const struct report_opts *o, int32_t as_of,
                               struct ok_err *err);
/* Transition matrices between from and to (from <= to): stage -> stage and state -> state with
 * counts and row rates, plus retention per stage (share active on `to`). */
struct table *report_transitions(const struct ledger *l, const struct report_opts *o, int32_t from,
                                 int32_t to, struct ok_err *err);
/* Mean time in stage as of as_of: new (first -> second purchase day) and customer life before
 * lapsing (first -> last purchase of lapsed customers), with completed and ongoing counts. */
struct table *report_stage_time(const struct ledger *l, const struct report_opts *o, int32_t as_of,
                                struct ok_err *err);
/* The 5 x 5 R x F grid: counts, revenue and segment of each cell. */
struct table *report_rfm(const struct ledger *l, const struct report_opts *o, int32_t as_of,
                         struct ok_err *err);
/* Customers, share, revenue and mean R/F/M per named segment. */
struct table *report_rfm_segments(const struct ledger *l, const struct report_opts *o,
                                  int32_t as_of, struct ok_err *err);
/* Cohorts by month of first purchase: per cohort and month since, active customers, retention
 * and revenue; repeat rate of the cohort as of as_of. */
struct table *report_cohorts(const struct ledger *l, const struct report_opts *o, int32_t as_of,
                             struct ok_err *err);

/* Same as the report functions above, from a view the caller already computed (the server
 * keeps one per as_of). */
struct table *report_lifecycle_view(const struct ledger *l, const struct report_opts *o,
                                    const struct analytics_view *v);
struct table *report_inventory_view(const struct ledger *l, const struct report_opts *o,
                                    const struct analytics_view *v);

#endif
