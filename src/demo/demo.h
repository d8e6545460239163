/*
 * demo.h - the demo business: a realistic Japanese coffee and tea shop, generated from documented
 * stochastic processes (docs/demo.md) and loaded with the bulk loader (store/bulk.h).
 *
 * The shop sells coffee beans, tea, equipment and gifts at three shops and online, and office
 * coffee subscriptions to companies. Over the three years before the as-of date it acquires
 * customers from several sources (some referred by earlier customers); they buy by a BG/NBD
 * process with Gamma-Gamma spend, companies go through deals (won, lost with reasons, re-opened),
 * contracts renew or end, staff upsell and cross-sell, log contacts and collect feedback.
 * Everything is a deterministic function of (customers, seed, as-of date): the same options give
 * the same database, byte for byte apart from record timestamps.
 */
#ifndef OK_DEMO_DEMO_H
#define OK_DEMO_DEMO_H

#include <stdint.h>

#include "core/err.h"
#include "db/db.h"
#include "store/bulk.h"

#define DEMO_DEFAULT_CUSTOMERS 2000
#define DEMO_DEFAULT_SEED      1
#define DEMO_MAX_CUSTOMERS     50000000

struct demo_options {
    int64_t customers; /* how many customers (people and companies), 1..DEMO_MAX_CUSTOMERS */
    uint64_t seed;
    int32_t as_of;  /* last day of the history (days since 1970-01-01) */
    int bulk_flags; /* BULK_* for the loader; demo_options_init sets BULK_TRUST_REFERENCES */
    /* Called now and then with customers done and the total; may be NULL. */
    void (*progress)(void *ctx, int64_t done, int64_t total);
    void *progress_ctx;
};

struct demo_stats {
    struct bulk_counts rows; /* rows written per table */
    int64_t orders;          /* distinct orders (receipts), returns included */
    int64_t returns;         /* return lines */
    double seconds;          /* wall time of the whole generation and load */
    double lines_per_second; /* order lines / seconds */
};

/* Defaults: 2,000 customers, seed 1, as-of today in Asia/Tokyo. */
void demo_options_init(struct demo_options *opt);

/* Generates the demo business into db, which must hold an okaeri schema with no customers yet
 * (OK_ERR_CONFLICT otherwise). Users are added beside existing ones (the admin is not created
 * here). All or nothing: on error nothing is written. stats may be NULL. */
int demo_generate(struct db *db, const struct demo_options *opt, struct demo_stats *stats,
                  struct ok_err *err);

#endif
