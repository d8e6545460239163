/*
 * history.h - reading all history in bulk, for building the in-memory ledger snapshot.
 *
 * One scan per table, rows streamed to callbacks in an order that suits a builder (order lines
 * in storage order; the builder sorts). Dates arrive as int32 days since 1970-01-01 (ordered_at
 * keeps only its day), ids as the store's integer ids (0 = none). Nothing is kept in memory here.
 */
#ifndef OK_STORE_HISTORY_H
#define OK_STORE_HISTORY_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"
#include "db/db.h"

#define HISTORY_NO_DAY     INT32_MIN
#define HISTORY_LINE_PARTS 16

struct history_customer {
    int64_t id;
    int32_t created_day;
    int64_t owner_id;    /* 0: team-handled */
    const char *source;  /* borrowed for the call; "" when none */
    int64_t referred_by; /* 0: none */
    int64_t cause_id;    /* 0: none */
};

struct history_line {
    int64_t customer_id;
    int32_t day;
    int64_t amount;
    uint32_t order_key; /* 32-bit hash of the order code: equal codes give equal keys */
    int64_t product_id; /* 0: none */
};

struct history_deal {
    int64_t id, customer_id;
    const char *kind, *stage; /* borrowed: "new", "won", ... */
    int32_t opened_day, closed_day;
    int64_t amount, lost_reason_id, trigger_id, product_id;
};

struct history_contract {
    int64_t id, customer_id, product_id;
    int32_t start_day, end_day;
    int64_t amount, renewed_from, end_reason_id;
};

struct history_referral {
    int64_t referrer_id, referred_id, trigger_id, deal_id;
    int32_t day;
};

struct history_feedback {
    int64_t customer_id;
    const char *kind;
    int32_t score; /* -1 when none */
    int32_t day;
};

/* Callbacks return 0 to go on, -1 (with err filled) to stop the scan with that error. Any
 * callback may be NULL to skip that table. */
struct history_sink {
    void *ctx;
    int (*customer)(void *ctx, const struct history_customer *c, struct ok_err *err);
    int (*line)(void *ctx, const struct history_line *l, struct ok_err *err);
    /* Order lines in batches, used instead of `line` when set. The table is cut into
     * HISTORY_LINE_PARTS chunks of its rowid range, part k being the k-th in storage order. On
     * SQLite with a database file two threads read them, each on its own read-only connection
     * holding the same snapshot: one from the last chunk backwards, starting at once, the other
     * from the first chunk forwards once the other tables are done. Calls for different parts
     * then run concurrently with each other and with the other callbacks, so this one must touch
     * per-part state only. Otherwise one reader gives the chunks in order after the other
     * tables (all as part 0 when the id range is smaller than the number of chunks). */
    int (*lines)(void *ctx, unsigned part, const struct history_line *l, size_t n,
                 struct ok_err *err);
    int (*deal)(void *ctx, const struct history_deal *d, struct ok_err *err);
    int (*contract)(void *ctx, const struct history_contract *k, struct ok_err *err);
    int (*referral)(void *ctx, const struct history_referral *r, struct ok_err *err);
    int (*feedback)(void *ctx, const struct history_feedback *f, struct ok_err *err);
};

/* Scans customers (in id order), then deals (id order), contracts, referrals, feedback and the
 * order lines (through `line`, order lines come second, after the customers), inside one read
 * transaction so that the snapshot is consistent (with the batch
 * `lines` callback on SQLite, two transactions on two connections, verified to see the same
 * commit; if a write lands between their starts, the scan falls back to one thread). */
int store_history_scan(struct db *db, const struct history_sink *sink, struct ok_err *err);

/* How many readers scan the order lines: 0 (the default) decides per scan (two when the database
 * is a SQLite file and the machine has two cores), 1 or 2 force it (2 still needs a SQLite file),
 * e.g. in tests and measurements. Process-wide; set it before scans run. */
void store_history_set_readers(int n);

/* The order-code hash used for history_line.order_key (FNV-1a, 32 bits). */
uint32_t store_order_key(const char *code, size_t len);

#endif
