/*
 * snapshot.h - the service layer's view of a database: the ledger snapshot plus the settings
 * the analytics need, loaded together.
 *
 * The service layer (src/service/) holds the use cases that both the CLI and the HTTP server
 * run: it reads from the store, hands arrays to the pure analytics and clv layers, and returns
 * report tables. It adds no SQL of its own.
 */
#ifndef OK_SERVICE_SNAPSHOT_H
#define OK_SERVICE_SNAPSHOT_H

#include <stdint.h>

#include "analytics/ledger.h"
#include "analytics/settings.h"
#include "core/err.h"
#include "db/db.h"

struct snapshot {
    struct ledger *ledger;              /* owned */
    struct analytics_settings settings; /* defaults overridden by the settings table */
    char currency[8];                   /* e.g. "JPY" */
    char time_zone[64];                 /* e.g. "Asia/Tokyo" */
    int money_decimals;                 /* 0 for yen, 2 for dollars */
    char **sources;                     /* source names by ledger source id */
    int32_t nsources;
};

/* Loads settings and all history into s. On failure s is left empty and err says why (an
 * invalid setting names its key and how to fix it). */
int snapshot_load(struct db *db, struct snapshot *s, struct ok_err *err);
/* Loads only the settings (cheap), e.g. to resolve "today" before loading the ledger. */
int snapshot_load_settings(struct db *db, struct snapshot *s, struct ok_err *err);
void snapshot_release(struct snapshot *s);

/* Today in the database's time zone, as days since 1970-01-01. */
int32_t snapshot_today(const struct snapshot *s);

#endif
