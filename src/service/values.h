/*
 * values.h - per-customer predictions of the latest stored value models (BG/NBD or another
 * counting model, plus Gamma-Gamma), aligned with the ledger snapshot's customers, for the
 * reports: the "by P(alive)" state rule and the p_alive / expected_purchases / clv columns of
 * the customers report.
 */
#ifndef OK_SERVICE_VALUES_H
#define OK_SERVICE_VALUES_H

#include <stdint.h>

#include "core/err.h"
#include "db/db.h"
#include "service/snapshot.h"

#define VALUES_HORIZON_DAYS 365

struct customer_values {
    uint32_t n;       /* = ledger customers */
    double *p_alive;  /* NaN for customers without a purchase by as_of */
    double *expected; /* expected purchases over VALUES_HORIZON_DAYS */
    double *clv;      /* minor units; NaN without a Gamma-Gamma fit */
    char model[16];   /* the counting model used */
    int64_t fit_id;   /* the stored fit used */
};

/* Predicts with the latest converged stored counting model (bgnbd, else pnbd, else mbgnbd) and
 * Gamma-Gamma fit, as of as_of. Returns 1 with *out filled, 0 when no model has been fitted
 * (out is empty), -1 on error. */
int service_values_load(struct db *db, const struct snapshot *s, int32_t as_of,
                        struct customer_values *out, struct ok_err *err);
void service_values_release(struct customer_values *v);

#endif
