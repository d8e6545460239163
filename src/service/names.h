/*
 * names.h - display names for the ids in a ledger snapshot (customer codes, user logins,
 * list codes, product SKUs, sources), loaded from the store for reports.
 */
#ifndef OK_SERVICE_NAMES_H
#define OK_SERVICE_NAMES_H

#include "analytics/report.h"
#include "core/arena.h"
#include "core/err.h"
#include "db/db.h"
#include "service/snapshot.h"

struct name_table {
    int64_t *ids; /* ascending */
    const char **names;
    size_t n, alloc;
};

struct service_names {
    struct arena arena; /* all name strings */
    struct name_table customers, users, causes, lost_reasons, triggers, products;
    const struct snapshot *snap; /* for source names; borrowed */
    struct analytics_names api;  /* what report functions take */
};

/* Loads the names. with_customers: also every customer code (needed by per-customer reports;
 * about 16 bytes + the code per customer). */
int service_names_load(struct service_names *n, struct db *db, const struct snapshot *snap,
                       int with_customers, struct ok_err *err);
void service_names_release(struct service_names *n);

#endif
