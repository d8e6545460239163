/*
 * summary.h - the one-screen summary of a customer base: how many customers are in each
 * inventory state (prospect, active, sleeping, dead, lost) and lifecycle stage as of a date.
 */
#ifndef OK_SERVICE_SUMMARY_H
#define OK_SERVICE_SUMMARY_H

#include <stdint.h>

#include "analytics/view.h"
#include "core/err.h"
#include "core/table.h"
#include "service/snapshot.h"

/* Builds the summary table (columns: section, name, label_ja, customers, share, revenue) of the
 * snapshot as of as_of. p_alive: one value per customer, needed when the state rule is p_alive
 * (else NULL). Returns NULL with err on invalid settings. Caller frees the table. */
struct table *summary_report(const struct snapshot *s, int32_t as_of, const double *p_alive,
                             struct ok_err *err);

/* The same table from an analytics view already computed as of v->as_of (the server shares one
 * per snapshot version: http/snap.h), so the summary costs one pass over the customers instead
 * of a view of its own. money_decimals: of the ledger. Caller frees the table. */
struct table *summary_from_view(const struct analytics_view *v, int money_decimals);

#endif
