/*
 * summary.h - the one-screen summary of a customer base: how many customers are in each
 * inventory state (prospect, active, sleeping, dead, lost) and lifecycle stage as of a date.
 */
#ifndef OK_SERVICE_SUMMARY_H
#define OK_SERVICE_SUMMARY_H

#include <stdint.h>

#include "core/err.h"
#include "core/table.h"
#include "service/snapshot.h"

/* Builds the summary table (columns: section, name, label_ja, customers, share, revenue) of the
 * snapshot as of as_of. p_alive: one value per customer, needed when the state rule is p_alive
 * (else NULL). Returns NULL with err on invalid settings. Caller frees the table. */
struct table *summary_report(const struct snapshot *s, int32_t as_of, const double *p_alive,
                             struct ok_err *err);

#endif
