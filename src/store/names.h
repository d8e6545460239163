/*
 * names.h - id → display code scans for reports: customer codes, user logins, list codes,
 * product SKUs. Reports work on ids in the ledger snapshot and print these names.
 */
#ifndef OK_STORE_NAMES_H
#define OK_STORE_NAMES_H

#include <stdint.h>

#include "core/err.h"
#include "db/db.h"

enum store_names_kind {
    STORE_NAMES_CUSTOMERS,    /* customers.code */
    STORE_NAMES_USERS,        /* users.login */
    STORE_NAMES_CAUSES,       /* causes.code */
    STORE_NAMES_LOST_REASONS, /* lost_reasons.code */
    STORE_NAMES_TRIGGERS,     /* triggers.code */
    STORE_NAMES_PRODUCTS      /* products.sku */
};

/* Calls fn(ctx, id, name) for every row, in ascending id order. name is borrowed for the call. */
int store_names_scan(struct db *db, enum store_names_kind kind,
                     int (*fn)(void *ctx, int64_t id, const char *name), void *ctx,
                     struct ok_err *err);

#endif
