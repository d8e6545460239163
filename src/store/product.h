/*
 * product.h - the products and services a business sells, identified by its own sku.
 *
 * Orders, deals and contracts name a product by sku. price is the list price in minor units of
 * the database's currency (yen: 1, dollars: cents); it is optional, since many businesses
 * record only what was actually charged on each order line.
 */
#ifndef OK_STORE_PRODUCT_H
#define OK_STORE_PRODUCT_H

#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "db/db.h"
#include "store/store.h"

/* Strings owned by the struct (freed by product_release); NULL means empty. */
struct product {
    int64_t id;
    char *sku;
    char *name;
    char *category;
    int has_price; /* 0: no list price */
    int64_t price; /* minor units, >= 0 */
    char *tags;    /* comma-separated */
    char *created_at;
    char *updated_at;
};

void product_release(struct product *p);

/* Checks sku (required, at most 64 bytes, no spaces or control characters), name (required),
 * category, tags and price (>= 0); err->field names the offending field. */
int store_product_validate(const struct product *p, struct ok_err *err);

/* Inserts a product; OK_ERR_CONFLICT when the sku exists. Returns the new id or -1; sets p->id. */
int64_t store_product_create(struct db *db, const struct store_actor *who, struct product *p,
                             struct ok_err *err);

/* Reads a product by sku or id into *out (caller releases); OK_ERR_NOT_FOUND when none. */
int store_product_get(struct db *db, const char *sku, struct product *out, struct ok_err *err);
int store_product_get_by_id(struct db *db, int64_t id, struct product *out, struct ok_err *err);

/* Writes all fields of p over product p->id (the sku may change; OK_ERR_CONFLICT when another
 * product has it). */
int store_product_update(struct db *db, const struct store_actor *who, struct product *p,
                         struct ok_err *err);

struct product_query {
    const char *category;  /* NULL: any */
    const char *search;    /* substring of sku or name; NULL: all */
    const char *after_sku; /* cursor */
    int limit;             /* 0: 100 */
};

/* Calls fn for each matching product in sku order; fn returns non-zero to stop. */
int store_product_list(struct db *db, const struct product_query *q,
                       int (*fn)(void *ctx, const struct product *p), void *ctx,
                       struct ok_err *err);

/* Appends p as a JSON object with the canonical names (sku, name, category, price, tags ...). */
void product_to_json(const struct product *p, struct buf *out);

#endif
