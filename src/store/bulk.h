/*
 * bulk.h - the fast bulk loader: millions of rows into an empty or existing database.
 *
 * The normal store modules insert one record at a time with validation and an audit record;
 * that is right for people and imports but far too slow for loading demo data or a large
 * migration. The bulk loader trades those checks for speed: one transaction for the whole load,
 * prepared multi-row INSERT statements reused for every row, integers bound as integers, dates
 * and date-times formatted by hand, and text copied once into reused buffers. The caller is
 * trusted to give consistent data (it is checked by the database's constraints, except foreign
 * keys when BULK_TRUST_REFERENCES is set).
 *
 * On SQLite only (skipped on other engines), while the load runs: synchronous=OFF, a large page
 * cache, a rollback journal instead of WAL (an empty file is then written once instead of twice),
 * and, when a table was empty at bulk_begin, its secondary indexes are dropped and recreated at
 * the end (a sorted build beats millions of random B-tree inserts). Everything is restored by
 * bulk_finish and bulk_abort.
 *
 * Ids: the loader assigns the ids of users, products, customers, deals and contracts itself
 * (one above the largest id at bulk_begin), so that callers can refer to rows they have just
 * appended although rows are written in batches. Nothing else may write to the database during a
 * load (SQLite's write lock guarantees it).
 *
 * Rows are buffered; an error (a constraint, a full disk) may therefore surface at a later append
 * or at bulk_finish. After any error call bulk_abort, which rolls everything back.
 */
#ifndef OK_STORE_BULK_H
#define OK_STORE_BULK_H

#include <stdint.h>

#include "core/err.h"
#include "db/db.h"

/* Dates are days since 1970-01-01 (core/date.h); BULK_NO_DATE writes NULL. */
#define BULK_NO_DATE INT32_MIN

enum {
    /* Do not check foreign keys during the load: the caller guarantees that every reference
     * exists (the demo generator does). Saves two B-tree lookups per order line on SQLite. */
    BULK_TRUST_REFERENCES = 1,
    /* Keep secondary indexes even when a table is empty (for measurements). */
    BULK_KEEP_INDEXES = 2,
};

struct bulk;

/* Strings are borrowed for the duration of each call; NULL or "" writes NULL (or the column's
 * default where the column is NOT NULL). Ids of 0 write NULL. */
struct bulk_user {
    const char *login;
    const char *display_name;
    const char *email;
    const char *role; /* admin, manager, staff, readonly */
};

struct bulk_product {
    const char *sku;
    const char *name;
    const char *category;
    int64_t price; /* minor units; < 0: NULL */
    const char *tags;
};

struct bulk_customer {
    const char *code;
    const char *kind; /* person / company */
    const char *name;
    const char *name_kana;
    const char *company;
    const char *email;
    const char *phone;
    const char *postal_code;
    const char *address;
    int32_t birthday; /* BULK_NO_DATE: none */
    const char *source;
    int64_t referred_by;
    int64_t owner_id; /* 0: team-handled */
    const char *tags;
    const char *attributes; /* JSON object text; NULL: {} */
    int email_consent;
    int32_t unsubscribed_on; /* BULK_NO_DATE: none */
    int64_t cause_id;
    const char *cause_note;
    int32_t created_on; /* when the customer was registered (also updated_at) */
    int32_t created_secs;
};

struct bulk_order_line {
    const char *order_code;
    int line_no;
    int64_t customer_id;
    int32_t day; /* ordered_at, local time of the business */
    int32_t secs;
    int64_t product_id; /* 0: none */
    int64_t quantity;
    int64_t unit_price;
    int64_t amount;
    const char *channel;
    const char *store;
    const char *original_code; /* returns: the order reversed */
};

struct bulk_deal {
    const char *code;
    int64_t customer_id;
    const char *kind;  /* new, renewal, upsell, cross_sell, referral */
    const char *stage; /* open, won, lost */
    const char *title;
    int64_t amount;
    int32_t opened_on;
    int32_t closed_on; /* BULK_NO_DATE while open */
    int64_t owner_id;
    int64_t lost_reason_id;
    const char *lost_note;
    int64_t trigger_id;
    int64_t product_id;
};

struct bulk_contract {
    const char *code;
    int64_t customer_id;
    int64_t product_id;
    int32_t start_on;
    int32_t end_on;
    int64_t amount;
    int64_t renewed_from;
    int64_t end_reason_id;
    const char *end_note;
};

struct bulk_referral {
    const char *code;
    int64_t referrer_id;
    int64_t referred_id;
    const char *prospect_name;
    int32_t referred_on;
    int64_t trigger_id;
    int64_t deal_id;
};

struct bulk_activity {
    const char *code;
    int64_t customer_id;
    int64_t user_id;
    int32_t day;
    int32_t secs;
    const char *channel;   /* phone, email, visit, letter, line, sms, other */
    const char *direction; /* in, out */
    const char *subject;
    const char *body;
    const char *outcome;
    int64_t deal_id;
};

struct bulk_feedback {
    const char *code;
    int64_t customer_id;
    const char *kind; /* need, complaint, idea, testimonial, satisfaction */
    int score;        /* 0..10, or -1 for none */
    const char *text;
    int32_t received_on;
};

/* Row counts of a load. */
struct bulk_counts {
    int64_t users, products, customers, order_lines, deals, contracts, referrals, activities,
        feedback;
};

/* Starts a load on db (which must not be inside a transaction): tunes the engine, drops the
 * indexes of empty tables, begins the transaction and prepares the statements. flags: BULK_*.
 * Returns a loader (finish it with bulk_finish or bulk_abort) or NULL with err filled. */
struct bulk *bulk_begin(struct db *db, int flags, struct ok_err *err);

/* Append one row each; the id-assigning ones return the new id (> 0), the others 0; -1 on error
 * with err filled (then call bulk_abort). */
int64_t bulk_user(struct bulk *b, const struct bulk_user *u, struct ok_err *err);
int64_t bulk_product(struct bulk *b, const struct bulk_product *p, struct ok_err *err);
int64_t bulk_customer(struct bulk *b, const struct bulk_customer *c, struct ok_err *err);
int bulk_order_line(struct bulk *b, const struct bulk_order_line *o, struct ok_err *err);
int64_t bulk_deal(struct bulk *b, const struct bulk_deal *d, struct ok_err *err);
int64_t bulk_contract(struct bulk *b, const struct bulk_contract *c, struct ok_err *err);
int bulk_referral(struct bulk *b, const struct bulk_referral *r, struct ok_err *err);
int bulk_activity(struct bulk *b, const struct bulk_activity *a, struct ok_err *err);
int bulk_feedback(struct bulk *b, const struct bulk_feedback *f, struct ok_err *err);

/* Rows appended so far (buffered rows included). */
void bulk_get_counts(const struct bulk *b, struct bulk_counts *out);

/* Writes the buffered rows, recreates dropped indexes, commits and restores the engine settings.
 * Frees the loader and sets *pb to NULL (also on failure, after rolling back). */
int bulk_finish(struct bulk **pb, struct ok_err *err);

/* Rolls the whole load back, restores the settings and frees the loader; NULL is fine. */
void bulk_abort(struct bulk **pb);

/* Writes days as "YYYY-MM-DD" (10 bytes, no NUL) and returns 10: the hand-made formatter the
 * loader uses, exposed for the generator's own codes. */
int bulk_format_date(int32_t days, char *out);

#endif
