/*
 * merge.h - identity matching (名寄せ) in the store: candidate pairs of likely duplicate
 * customers, and merging one customer into another.
 *
 * Candidates come from the folded match keys kept beside every customer (store/customer.c):
 * the same normalised e-mail, the same normalised phone, or the same folded name (and kana,
 * unless one lacks it). Scoring them
 * (how alike the two records are) is io/dedupe.c's job.
 */
#ifndef OK_STORE_MERGE_H
#define OK_STORE_MERGE_H

#include <stdint.h>

#include "core/err.h"
#include "db/db.h"
#include "store/store.h"

enum { MERGE_SAME_EMAIL = 1, MERGE_SAME_PHONE = 2, MERGE_SAME_NAME = 4 };

/* Calls fn(ctx, id_a, id_b, why) for each pair of customers (id_a < id_b) sharing a match key;
 * `why` is a MERGE_SAME_* bit, so a pair sharing two keys is reported twice. fn returns 0 to go
 * on, -1 to stop. Returns 0 or -1. */
int store_duplicate_candidates(struct db *db,
                               int (*fn)(void *ctx, int64_t a, int64_t b, int why,
                                         struct ok_err *err),
                               void *ctx, struct ok_err *err);

/* Moves everything of customer `other_code` (orders, deals, contracts, referrals, activities,
 * feedback, tasks, playbook enrollments, e-mail log, customers it referred) to `keep_code`,
 * fills keep's empty contact fields from other's, deletes other, and writes a "merge" audit
 * record with both records. All in one transaction. *moved gets the number of rows moved. */
int store_customer_merge(struct db *db, const struct store_actor *who, const char *keep_code,
                         const char *other_code, int64_t *moved, struct ok_err *err);

#endif
