/*
 * ledger.h - the ledger snapshot: all history the analytics need, as columnar arrays in memory.
 *
 * The store loader reads customers, order lines, deals, contracts, referrals and feedback once
 * and feeds them to a builder; ledger_builder_finish sorts the order lines by (customer, day,
 * order) with a counting sort on the customer index and returns a struct ledger. Everything in
 * src/analytics is a pure function of a ledger and an as-of date, so "state on 2024-03-31",
 * transitions between two dates and live lists all come from the same code (DESIGN.md §4).
 *
 * Layout. Customers are rows (index 0..ncust-1, in the order they were added). Order lines are
 * four parallel columns (day int32, amount int64, order uint32, product uint32: 20 bytes a line).
 * Each customer owns one contiguous segment of the line columns, [seg_off[c], seg_off[c] +
 * seg_len[c]), sorted by (day, order); seg_cap[c] >= seg_len[c] is the room the segment has.
 *
 * Incremental update (the server reflects writes at once): ledger_add_line inserts a line into
 * its customer's segment in place when the segment has room; otherwise the segment is moved to
 * the end of the columns with double the room, and its old place becomes a hole. When holes
 * exceed a quarter of the lines the columns are repacked (amortised O(1) per added line; a
 * single add costs O(lines of that customer)). After finish and after a repack, segments are in
 * customer order with no room; between repacks only the per-customer order is guaranteed, which
 * is all the analytics rely on.
 *
 * Amounts are int64 minor units, negative for returns. Days are int32 days since 1970-01-01.
 * Orders: the caller's order key (e.g. the order's row id); its low 32 bits are kept, so keys
 * must be below 2^32 to be exact; distinct orders are distinct (day, key) pairs per customer.
 * Customers must be added before their lines, deals, contracts, referrals and feedback.
 *
 * Not thread-safe for writes: the server serialises ledger_add_* against readers.
 */
#ifndef OK_ANALYTICS_LEDGER_H
#define OK_ANALYTICS_LEDGER_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

#define LEDGER_NO_DAY    INT32_MIN /* "no date": never bought, contract without end, ... */
#define LEDGER_NONE      (-1)      /* no index / no id (referrer, reason, trigger ...) */
#define LEDGER_CUST_TEAM 1u /* customer flag: team-handled (組織対応), no personal owner */

enum deal_kind { DEAL_NEW, DEAL_RENEWAL, DEAL_UPSELL, DEAL_CROSS_SELL, DEAL_REFERRAL };
enum deal_stage { DEAL_OPEN, DEAL_WON, DEAL_LOST };

/* What the loader knows about a customer. ids are the store's ids; LEDGER_NONE when absent. */
struct ledger_customer_in {
    int64_t id;          /* the store's customer id (unique) */
    int32_t created_day; /* LEDGER_NO_DAY when unknown: then the customer exists from the start */
    int64_t owner_id;    /* LEDGER_NONE: no owner */
    int32_t source_id;   /* acquisition source, LEDGER_NONE when unknown */
    int64_t referred_by; /* referrer's customer id, LEDGER_NONE when not referred */
    int32_t cause_id;    /* recorded cause of sleeping/dead (離反理由), LEDGER_NONE */
    uint32_t flags;      /* LEDGER_CUST_* bits */
};

struct ledger_deal {
    uint32_t cust;
    uint8_t kind;  /* enum deal_kind */
    uint8_t stage; /* enum deal_stage */
    int32_t opened_day;
    int32_t closed_day; /* LEDGER_NO_DAY while open */
    int64_t amount;
    int32_t lost_reason; /* reason id, LEDGER_NONE */
    int32_t trigger_id;  /* what prompted it (upsell/cross-sell/referral), LEDGER_NONE */
    int32_t product;     /* product id, LEDGER_NONE */
};

struct ledger_contract {
    uint32_t cust;
    int32_t product;
    int32_t start_day;
    int32_t end_day; /* LEDGER_NO_DAY: open-ended */
    int64_t amount;
    int64_t id;           /* the store's contract id */
    int64_t renewed_from; /* id of the contract this one renews, LEDGER_NONE */
    int32_t end_reason;   /* termination reason id, LEDGER_NONE */
    int32_t renewed_by;   /* index of the contract renewing this one, LEDGER_NONE (derived) */
};

struct ledger_referral {
    uint32_t referrer; /* customer index */
    int32_t referred;  /* customer index of the referred customer, LEDGER_NONE when unknown */
    int32_t day;
    int32_t trigger_id; /* LEDGER_NONE */
    int32_t deal;       /* deal index, LEDGER_NONE */
};

struct ledger_feedback {
    uint32_t cust;
    int32_t kind; /* caller's kind id (survey, NPS, complaint, testimonial ...) */
    int32_t score;
    int32_t day;
};

struct ledger_hash_slot {
    int64_t id;
    uint32_t idx1; /* index + 1, 0 = empty */
};

struct ledger_builder_line {
    int64_t amount;
    int32_t day;
    uint32_t cust; /* the customer's id until finish (LEDGER_BUILDER_BIG_ID: the part's next
                    * big_ids entry), then its index */
    uint32_t order;
    uint32_t product;
};

#define LEDGER_BUILDER_BIG_ID UINT32_MAX

struct ledger {
    /* customers (rows) */
    uint32_t ncust;
    size_t cust_alloc;
    int64_t *cust_id;
    int32_t *cust_created;
    int64_t *cust_owner;
    int32_t *cust_source;
    int32_t *cust_referred_by; /* customer index of the referrer, LEDGER_NONE */
    int32_t *cust_cause;
    uint32_t *cust_flags;
    uint64_t *seg_off;
    uint32_t *seg_len;
    uint32_t *seg_cap;

    /* order lines (columns) */
    uint64_t nlines;     /* live lines */
    uint64_t line_used;  /* end of the used part of the columns, holes included */
    uint64_t line_alloc; /* allocated length of the columns */
    int32_t *line_day;
    int64_t *line_amount;
    uint32_t *line_order;
    uint32_t *line_product;
    int32_t min_day, max_day; /* over all lines; LEDGER_NO_DAY when there are none */

    /* other history, in the order added */
    struct ledger_deal *deals;
    size_t ndeals, deals_alloc;
    struct ledger_contract *contracts;
    size_t ncontracts, contracts_alloc;
    struct ledger_referral *referrals;
    size_t nreferrals, referrals_alloc;
    struct ledger_feedback *feedback;
    size_t nfeedback, feedback_alloc;

    int money_decimals; /* digits of the minor unit (0 yen, 2 cents), for report tables */

    /* customer id -> index. Store ids are mostly dense (1, 2, 3 ...), so ids in [1, dense_len)
     * go through a direct table (dense[id], LEDGER_NONE when absent; at most 2 entries per
     * customer + 1024); the others through an open-addressing hash whose slots keep the id, so
     * that a lookup touches one cache line. An id is in exactly one of the two. */
    int32_t *dense;
    size_t dense_len;
    struct ledger_hash_slot *hash;
    size_t hash_mask;
    size_t hash_count;
    int64_t *pending_referrer; /* referrer ids before they are resolved (builder only) */
};

/* Lines of one part, unsorted, with the customer already resolved to its index. */
struct ledger_builder_part {
    size_t n, alloc;
    struct ledger_builder_line *lines;
    int64_t *big_ids; /* customer ids outside 0 .. UINT32_MAX-1, in line order */
    size_t nbig, big_alloc;
    uint32_t last_cust; /* cache of the last id lookup: loaders add lines customer by customer */
    int64_t last_id;
};

#define LEDGER_BUILDER_PARTS 16

struct ledger_builder {
    struct ledger *l;
    /* Part p's lines come before part p+1's (ties between equal (customer, day, order) keep
     * that order); ledger_builder_add_line appends to part 0. */
    struct ledger_builder_part part[LEDGER_BUILDER_PARTS];
};

/* One order line for the bulk adds (builder parts, ledger_add_lines). */
struct ledger_line_in {
    int64_t customer_id;
    int32_t day;
    int64_t amount;
    int64_t order_key;
    uint32_t product_key;
};

/* Starts a builder. money_decimals: digits of the currency's minor unit (0 yen, 2 cents). */
void ledger_builder_init(struct ledger_builder *b, int money_decimals);
/* Optional: room for this many customers and lines, saving the regrowth of the arrays. */
void ledger_builder_reserve(struct ledger_builder *b, size_t customers, size_t lines);
/* Frees a builder that was not finished (finish releases it itself). */
void ledger_builder_release(struct ledger_builder *b);
/* Adds a customer; returns its index (>= 0), or -1 with err if the id is already present. */
long ledger_builder_add_customer(struct ledger_builder *b, const struct ledger_customer_in *c,
                                 struct ok_err *err);
/* Adds an order line in any order; the customer must have been added. Returns 0 / -1. */
int ledger_builder_add_line(struct ledger_builder *b, int64_t customer_id, int32_t day,
                            int64_t amount, int64_t order_key, uint32_t product_key,
                            struct ok_err *err);
/* Adds n lines to part (0 .. LEDGER_BUILDER_PARTS-1), e.g. one chunk of a table scan; on error
 * (implausible day) nothing after the bad line is added. The customers are looked up at finish
 * (an unknown one fails finish), so the lines may come before their customers, and calls for
 * different parts may run in different threads at the same time as each other and as one
 * thread adding customers, deals etc.: they touch nothing but their part. */
int ledger_builder_add_lines(struct ledger_builder *b, unsigned part,
                             const struct ledger_line_in *lines, size_t n, struct ok_err *err);
/* Adds a deal; returns its index or -1 (unknown customer, bad kind/stage). closed_day is
 * required for won/lost deals. */
long ledger_builder_add_deal(struct ledger_builder *b, int64_t customer_id,
                             const struct ledger_deal *d, struct ok_err *err);
/* Adds a contract (d->cust is ignored; renewed_from is a contract id, resolved at finish). */
long ledger_builder_add_contract(struct ledger_builder *b, int64_t customer_id,
                                 const struct ledger_contract *k, struct ok_err *err);
/* Adds a referral: referred_id is a customer id or LEDGER_NONE; deal is an index or LEDGER_NONE. */
long ledger_builder_add_referral(struct ledger_builder *b, int64_t referrer_id, int64_t referred_id,
                                 int32_t day, int32_t trigger_id, int32_t deal, struct ok_err *err);
long ledger_builder_add_feedback(struct ledger_builder *b, int64_t customer_id, int32_t kind,
                                 int32_t score, int32_t day, struct ok_err *err);
/* Sorts the lines, resolves referrers and renewals, and returns the ledger (caller frees with
 * ledger_free). The builder is released. Unknown referrer ids give NULL and err. */
struct ledger *ledger_builder_finish(struct ledger_builder *b, struct ok_err *err);

/* An empty ledger (no customers), e.g. for an empty database. Caller frees. */
struct ledger *ledger_new(int money_decimals);
void ledger_free(struct ledger **l);

/* Index of a customer id, or -1. */
long ledger_customer_index(const struct ledger *l, int64_t customer_id);

/* Incremental updates on a finished ledger (see the top comment). Same rules as the builder;
 * referred_by must name a customer already present. */
long ledger_add_customer(struct ledger *l, const struct ledger_customer_in *c, struct ok_err *err);
int ledger_add_line(struct ledger *l, int64_t customer_id, int32_t day, int64_t amount,
                    int64_t order_key, uint32_t product_key, struct ok_err *err);
/* Adds n lines (e.g. one order); on error nothing after the bad line is added. */
int ledger_add_lines(struct ledger *l, const struct ledger_line_in *lines, size_t n,
                     struct ok_err *err);
long ledger_add_deal(struct ledger *l, int64_t customer_id, const struct ledger_deal *d,
                     struct ok_err *err);
/* Sets the stage / closed day / reason of an existing deal (won or lost later). */
int ledger_update_deal(struct ledger *l, size_t deal, const struct ledger_deal *d,
                       struct ok_err *err);
long ledger_add_contract(struct ledger *l, int64_t customer_id, const struct ledger_contract *k,
                         struct ok_err *err);
long ledger_add_referral(struct ledger *l, int64_t referrer_id, int64_t referred_id, int32_t day,
                         int32_t trigger_id, int32_t deal, struct ok_err *err);
long ledger_add_feedback(struct ledger *l, int64_t customer_id, int32_t kind, int32_t score,
                         int32_t day, struct ok_err *err);
/* Repacks the line columns in customer order without holes or room. */
void ledger_compact(struct ledger *l);

/* Bytes held for order lines (columns, holes and room included) and for customers (rows,
 * segment table, id hash). */
void ledger_memory(const struct ledger *l, size_t *line_bytes, size_t *customer_bytes);

#endif
