/*
 * import_rows.h - the store side of file imports: code indexes, idempotent upserts of order
 * lines, and updates by code for records that the entity modules only create.
 *
 * An import may carry millions of order lines. Writing them one store_order_add at a time (a
 * lookup per line, an audit record per line) is far too slow, so the import pipeline
 * (io/import.c) resolves customer and product codes itself from in-memory indexes filled by
 * store_codes_each, and hands finished lines to an order upserter: a multi-row
 * INSERT ... ON CONFLICT (order_code, line_no) DO UPDATE ... WHERE something changed, prepared
 * once per batch size and reused, so that importing the same file twice changes nothing and a
 * corrected file updates the lines it changed. The upserter counts new, updated and unchanged
 * lines without a query per line: new lines are those whose id lies above the largest id at the
 * start (SQLite; PostgreSQL counts rows), and the engine reports how many rows each statement
 * inserted or updated. Into an empty orders table the customer index is dropped and rebuilt at
 * the end, as the bulk loader does.
 *
 * The caller owns the transaction (all-or-nothing imports roll everything back).
 */
#ifndef OK_STORE_IMPORT_ROWS_H
#define OK_STORE_IMPORT_ROWS_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "db/db.h"
#include "store/bulk.h"

enum store_code_table { STORE_CODES_CUSTOMERS, STORE_CODES_PRODUCTS, STORE_CODES_USERS };

/* Calls fn(ctx, id, code, len) for every customer (code), product (sku) or user (login); fn
 * returns 0 to go on or -1 (err filled) to stop. Returns 0 or -1. */
int store_codes_each(struct db *db, enum store_code_table table,
                     int (*fn)(void *ctx, int64_t id, const char *code, size_t len,
                               struct ok_err *err),
                     void *ctx, struct ok_err *err);

/* Engine settings for a large import (SQLite: a bigger page cache, and a rollback journal
 * instead of WAL while no other connection is open, so that new pages are written once). Call
 * before the import's transaction begins and restore after it ends. */
struct store_import_tuning {
    int saved;
    int64_t cache_size;
    char journal_mode[16];
    int journal_changed;
};
int store_import_tune(struct db *db, struct store_import_tuning *t, struct ok_err *err);
void store_import_untune(struct db *db, struct store_import_tuning *t);

struct order_upsert;

/* Starts an upserter (inside the caller's transaction). Returns it or NULL with err. */
struct order_upsert *store_order_upsert_new(struct db *db, struct ok_err *err);

/* Buffers one line (strings are copied). Fields as in struct bulk_order_line; product_id 0 and
 * empty strings write NULL, unit_price < 0 with has_unit_price 0 writes NULL. Returns 0 or -1. */
int store_order_upsert_add(struct order_upsert *u, const struct bulk_order_line *o,
                           int has_unit_price, struct ok_err *err);

/* Writes the buffered lines. Returns 0 or -1. */
int store_order_upsert_flush(struct order_upsert *u, struct ok_err *err);

/* Flushes, rebuilds an index dropped for speed, links new return lines (negative quantity,
 * no original given) to the order they reverse (the customer's latest earlier line with a
 * positive quantity of the same product; SQLite), and reports the counts: lines inserted,
 * updated, and given but unchanged. Call once, at the end. A return line's link is kept when
 * the file gives none, so re-importing changes nothing. */
int store_order_upsert_counts(struct order_upsert *u, int64_t *inserted, int64_t *updated,
                              int64_t *unchanged, struct ok_err *err);

void store_order_upsert_free(struct order_upsert **u);

/* Updates of records by code for imports, each returning 1 when something changed, 0 when the
 * stored record already had these values, -1 on error. Text NULL or "" stores NULL (or the
 * column's default for NOT NULL columns); ids of 0 store NULL. */
int store_import_update_deal(struct db *db, const char *code, int64_t customer_id, const char *kind,
                             const char *stage, const char *title, int64_t amount,
                             const char *opened_at, const char *closed_at, int64_t owner_id,
                             int64_t lost_reason_id, const char *lost_note, int64_t trigger_id,
                             int64_t product_id, struct ok_err *err);
int store_import_update_activity(struct db *db, const char *code, int64_t customer_id,
                                 int64_t user_id, const char *occurred_at, const char *channel,
                                 const char *direction, const char *subject, const char *body,
                                 const char *outcome, struct ok_err *err);
int store_import_update_feedback(struct db *db, const char *code, int64_t customer_id,
                                 const char *kind, int score, const char *text,
                                 const char *received_on, struct ok_err *err);

#endif
