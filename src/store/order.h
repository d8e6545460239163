/*
 * order.h - orders as lines (明細): what each customer bought, when, for how much.
 *
 * One row per order line; lines sharing an order_code form one order (伝票). A return or a
 * cancellation is a line with negative quantity and amount whose original_code names the order
 * it reverses, so that revenue is always the plain sum of amounts.
 *
 * A line can be corrected (store_order_update) or removed (store_order_delete) by whoever holds
 * its current `version`, so that two people fixing one line cannot silently overwrite each
 * other. Its identity -- order_code, line_no, customer and original_code -- is not editable: an
 * order (伝票) belongs to one customer, so moving one line would split it between two; a line
 * entered under the wrong customer is deleted and added again (both audited).
 */
#ifndef OK_STORE_ORDER_H
#define OK_STORE_ORDER_H

#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "db/db.h"
#include "store/store.h"

/* Strings owned by the struct (order_line_release frees them); NULL means empty. */
struct order_line {
    int64_t id;
    char *order_code;
    int64_t line_no; /* 0 on input: next free line of the order */
    char *customer_code;
    char *ordered_at; /* 'YYYY-MM-DD HH:MM:SS' (input: any form date_parse accepts) */
    char *product_sku;
    int64_t quantity;   /* 0 on input means 1 */
    int64_t unit_price; /* minor units; has_unit_price says whether it was given */
    int has_unit_price;
    int64_t amount; /* minor units; has_amount says whether it was given */
    int has_amount;
    char *channel;
    char *store;
    char *original_code; /* for returns: the order this line reverses */
    int64_t version;     /* 1 on creation, +1 on every update */
};

/* Largest |amount| (and |unit price|) of one line, in minor units: 10^13 (10 trillion yen,
 * 100 billion dollars). Far above any real sale, and low enough that the sums the reports make
 * over millions of lines cannot overflow int64 (found by fuzzing: an amount of INT64_MAX was
 * accepted and overflowed the revenue sums). */
#define ORDER_AMOUNT_MAX INT64_C(10000000000000)

void order_line_release(struct order_line *o);

/* Validates and inserts one line: the customer must exist, the date must be valid, the amount is
 * quantity × unit_price when only the unit price is given. A line with negative quantity or
 * amount is a return. Returns the new id or -1 (OK_ERR_CONFLICT when order_code + line_no
 * exists, OK_ERR_INVALID with err->field for bad values). */
int64_t store_order_add(struct db *db, const struct store_actor *who, struct order_line *o,
                        struct ok_err *err);

struct order_query {
    const char *customer_code; /* NULL: all customers */
    const char *from;          /* YYYY-MM-DD inclusive, NULL: no bound */
    const char *to;            /* YYYY-MM-DD inclusive, NULL: no bound */
    int64_t after_id;          /* cursor */
    int limit;                 /* 0: 100 */
};

/* Lines in (ordered_at, id) order for one customer, else in id order; fn returns non-zero to
 * stop. The line is borrowed for the call. */
int store_order_list(struct db *db, const struct order_query *q,
                     int (*fn)(void *ctx, const struct order_line *o), void *ctx,
                     struct ok_err *err);

int store_order_count(struct db *db, int64_t *lines, int64_t *orders, struct ok_err *err);

/* Reads line id into *out (caller releases). OK_ERR_NOT_FOUND when there is none. */
int store_order_get(struct db *db, int64_t id, struct order_line *out, struct ok_err *err);

/* Writes the editable fields of o -- ordered_at, product_sku (NULL clears), quantity,
 * unit_price (has_unit_price 0 clears it), amount, channel, store -- over line o->id if its
 * stored version is still o->version, else OK_ERR_CONFLICT (and nothing changes). has_amount 0
 * recomputes the amount as quantity × unit_price. The other fields of o are ignored. Validates
 * as store_order_add does, audits before and after in the same transaction. On success *o is
 * the stored line (normalised date, version incremented). */
int store_order_update(struct db *db, const struct store_actor *who, struct order_line *o,
                       struct ok_err *err);

/* Deletes line id if its stored version is still `version` (else OK_ERR_CONFLICT), auditing
 * the line as it was. OK_ERR_NOT_FOUND when there is no such line. */
int store_order_delete(struct db *db, const struct store_actor *who, int64_t id, int64_t version,
                       struct ok_err *err);

/* Appends o as JSON: id, order_code, line_no, customer_code, ordered_at, product, quantity,
 * unit_price, amount, channel, store, original_code, version. */
void order_line_to_json(const struct order_line *o, struct buf *out);

#endif
