/*
 * enrollment_scan.h - one scan over the active playbook enrollments for the scheduler, with ids
 * instead of names.
 *
 * store_enrollment_list (store/playbook.h) pages through enrollments for people and the API,
 * joining playbooks and customers for their names; the scheduler reads every active enrollment
 * on every pass (a hundred thousand and more on a million customers) and knows playbooks and
 * customers by id already (its playbook list, the ledger's index), so the join's random reads
 * of the customers table were most of its cost. This reads the enrollments table alone.
 */
#ifndef OK_STORE_ENROLLMENT_SCAN_H
#define OK_STORE_ENROLLMENT_SCAN_H

#include <stdint.h>

#include "core/err.h"
#include "db/db.h"

/* One active enrollment. triggered_on is borrowed until the callback returns. */
struct enrollment_row {
    int64_t id;
    int64_t playbook_id;
    int64_t customer_id;
    int64_t deal_id;          /* 0: none */
    const char *triggered_on; /* YYYY-MM-DD */
    int next_step;
};

/* Calls fn for every enrollment with status active, in id order; fn returns non-zero to stop
 * (this still returns 0). Returns 0, or -1 with err. Do not write to the database from fn
 * (collect, then act): the scan is one statement. */
int store_enrollment_scan_active(struct db *db,
                                 int (*fn)(void *ctx, const struct enrollment_row *e), void *ctx,
                                 struct ok_err *err);

#endif
