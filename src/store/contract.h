/*
 * contract.h - contracts that run for a term and may be renewed (契約の更新): a customer, a
 * product, start and end dates, the amount per term, the contract it renews, and why it ended.
 *
 * A renewal is a new contract whose renewed_from names the previous one; a contract that
 * ended without renewal records an end reason from the causes list. The renewal KPIs (up for
 * renewal, renewal rate, time to non-renewal) are computed from these rows.
 */
#ifndef OK_STORE_CONTRACT_H
#define OK_STORE_CONTRACT_H

#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "db/db.h"
#include "store/store.h"

/* Strings owned by the struct (freed by contract_release); NULL means empty. */
struct contract {
    int64_t id;
    char *code;           /* optional, the business's own id */
    char *customer_code;  /* required */
    char *product_sku;    /* optional */
    char *start_on;       /* YYYY-MM-DD, required; any date form accepted */
    char *end_on;         /* YYYY-MM-DD, required, >= start_on */
    int64_t amount;       /* per term, minor units, >= 0 */
    int64_t renewed_from; /* id of the contract this one renews; 0: none */
    char *end_reason;     /* causes code, when it ended without renewal */
    char *end_note;
    char *created_at;
};

void contract_release(struct contract *c);

/* Checks and normalises the fields (dates to YYYY-MM-DD, end not before start). */
int store_contract_validate(struct contract *c, struct ok_err *err);

/* Inserts a contract (audited). renewed_from must be a contract of the same customer that has
 * not been renewed yet. OK_ERR_CONFLICT for a duplicate code. Returns the id; sets c->id. */
int64_t store_contract_create(struct db *db, const struct store_actor *who, struct contract *c,
                              struct ok_err *err);

/* Reads a contract by id or code into *out (caller releases); OK_ERR_NOT_FOUND when none. */
int store_contract_get_by_id(struct db *db, int64_t id, struct contract *out, struct ok_err *err);
int store_contract_get(struct db *db, const char *code, struct contract *out, struct ok_err *err);

/* Writes all fields of c over contract c->id (audited). */
int store_contract_update(struct db *db, const struct store_actor *who, struct contract *c,
                          struct ok_err *err);

/* Renews contract `id`: next->customer_code is taken from it when NULL, next->renewed_from is
 * set to id; then as store_contract_create. OK_ERR_CONFLICT when it was already renewed. */
int64_t store_contract_renew(struct db *db, const struct store_actor *who, int64_t id,
                             struct contract *next, struct ok_err *err);

/* Records that contract id ends without renewal: reason (causes code or label, required), a
 * note, and optionally an earlier end date (terminated early; NULL keeps end_on). */
int store_contract_end(struct db *db, const struct store_actor *who, int64_t id, const char *reason,
                       const char *note, const char *end_on, struct ok_err *err);

struct contract_query {
    const char *customer_code; /* NULL: all */
    const char *ending_from;   /* end_on >= (any date form): "contracts due between" */
    const char *ending_to;     /* end_on <= */
    int open_only;             /* 1: neither renewed nor ended with a reason */
    /* Cursor: rows after (after_end, after_id) in (end_on, id) order. */
    const char *after_end;
    int64_t after_id;
    int limit; /* 0: 100 */
};

/* Calls fn for each matching contract in (end_on, id) order; fn returns non-zero to stop. */
int store_contract_list(struct db *db, const struct contract_query *q,
                        int (*fn)(void *ctx, const struct contract *c), void *ctx,
                        struct ok_err *err);

/* Appends c as JSON: id, code, customer_code, product, start_on, end_on, amount, renewed_from,
 * end_reason, end_note, created_at. */
void contract_to_json(const struct contract *c, struct buf *out);

#endif
