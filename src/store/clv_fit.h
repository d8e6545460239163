/*
 * clv_fit.h - storing and reading fitted customer value models (table clv_fits), and the bulk
 * id -> code lookup that per-customer predictions need.
 *
 * A fit is stored with its model name ("bgnbd", "pnbd", "mbgnbd", "gamma-gamma"), time unit
 * ("day" or "week"), the last day of the data it was fitted on, and its parameters as JSON text
 * ({"r":..,"alpha":..,"a":..,"b":..} ...). The store does not interpret the parameters: the
 * service layer (service/value.h) writes and parses them, so this module depends on db and core
 * only. Fits are never updated; the latest one of a model is the one predictions use.
 */
#ifndef OK_STORE_CLV_FIT_H
#define OK_STORE_CLV_FIT_H

#include <stdint.h>

#include "core/err.h"
#include "db/db.h"
#include "store/store.h"

struct clv_fit_record {
    int64_t id;
    char model[16];          /* "bgnbd", "pnbd", "mbgnbd", "gamma-gamma" */
    char unit[8];            /* "day" or "week" */
    int32_t calibration_end; /* days since 1970-01-01 */
    char fitted_at[20];      /* UTC 'YYYY-MM-DD HH:MM:SS' */
    char *params;            /* JSON object text, owned */
    double log_likelihood;   /* NaN when unknown */
    int converged;           /* 0 or 1 */
    int iterations;
    char *reason; /* owned; NULL when converged */
    int64_t customers;
};

/* Frees the owned strings of r (the struct itself is the caller's). */
void clv_fit_record_release(struct clv_fit_record *r);

/* Inserts r (model, unit, calibration_end, params, log_likelihood, converged, iterations,
 * reason, customers) with fitted_at = now, audited as "create" "clv_fit". Sets r->id and
 * r->fitted_at. Returns the new id, or -1 with err. */
int64_t store_clv_fit_insert(struct db *db, const struct store_actor *who, struct clv_fit_record *r,
                             struct ok_err *err);

/* The latest fit of a model (highest id); with converged_only only converged ones. Returns 1
 * and fills *out (release with clv_fit_record_release), 0 when there is none, -1 with err. */
int store_clv_fit_latest(struct db *db, const char *model, int converged_only,
                         struct clv_fit_record *out, struct ok_err *err);

/* Calls fn(ctx, id, code) for every customer in id order, in one query (code is borrowed for
 * the call). fn returns 0 to go on or -1 (with err) to stop. */
int store_customer_codes_each(struct db *db,
                              int (*fn)(void *ctx, int64_t id, const char *code,
                                        struct ok_err *err),
                              void *ctx, struct ok_err *err);

#endif
