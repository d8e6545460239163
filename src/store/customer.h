/*
 * customer.h - the customer ledger (顧客台帳): people and companies the business sells to.
 *
 * A customer is identified by `code`, the business's own id (会員番号, 顧客コード), unique. The
 * record carries contact data as written by the user; folded copies (NFKC, kana, width, case)
 * are kept beside them for search and duplicate detection. `version` increases on every update
 * so that two people editing one customer cannot silently overwrite each other.
 */
#ifndef OK_STORE_CUSTOMER_H
#define OK_STORE_CUSTOMER_H

#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "db/db.h"
#include "store/store.h"

/* All strings are owned by the struct (heap, freed by customer_release); NULL means empty. */
struct customer {
    int64_t id;
    char *code;
    char *kind; /* "person" or "company" (NULL: person) */
    char *name;
    char *name_kana;
    char *company;
    char *email;
    char *phone;
    char *postal_code;
    char *address;
    char *birthday; /* YYYY-MM-DD */
    char *source;   /* acquisition channel */
    char *referred_by_code;
    char *owner_login; /* NULL: team-handled (組織対応) */
    char *tags;        /* comma-separated */
    char *attributes;  /* JSON object text */
    int email_consent;
    char *unsubscribed_at;
    char *cause_code; /* why sleeping/dead, from the causes list */
    char *cause_note;
    int64_t version;
    char *created_at;
    char *updated_at;
};

void customer_release(struct customer *c);
/* Replaces one string field (by pointer to the struct member) with a copy of value (NULL or ""
 * clears it). */
void customer_set(char **field, const char *value);

/* Checks the fields a user gave: required code and name, kind, e-mail, phone, postal code and
 * birthday forms, attributes as a JSON object. Normalises phone and postal code in place (the
 * stored form), keeps names as written. err->field names the offending field. */
int store_customer_validate(struct customer *c, struct ok_err *err);

/* Inserts a new customer; fails with OK_ERR_CONFLICT when the code exists. Returns the new id
 * (> 0) or -1. */
int64_t store_customer_create(struct db *db, const struct store_actor *who, struct customer *c,
                              struct ok_err *err);

/* Reads a customer by code (or by id with _by_id) into *out (released by the caller).
 * OK_ERR_NOT_FOUND when there is none. */
int store_customer_get(struct db *db, const char *code, struct customer *out, struct ok_err *err);
int store_customer_get_by_id(struct db *db, int64_t id, struct customer *out, struct ok_err *err);

/* Writes all fields of c over the stored customer c->id, if its version is still c->version
 * (else OK_ERR_CONFLICT); c->version is incremented on success. */
int store_customer_update(struct db *db, const struct store_actor *who, struct customer *c,
                          struct ok_err *err);

struct customer_query {
    const char *search;      /* matches code, name, kana, phone, e-mail (folded); NULL: all */
    const char *owner_login; /* "" or NULL: any; "-": team-handled only */
    const char *after_code;  /* cursor: codes greater than this */
    int limit;               /* 0: 100 */
};

/* Calls fn for each matching customer in code order; fn returns non-zero to stop. The struct is
 * borrowed for the duration of the call. */
int store_customer_list(struct db *db, const struct customer_query *q,
                        int (*fn)(void *ctx, const struct customer *c), void *ctx,
                        struct ok_err *err);

int store_customer_count(struct db *db, int64_t *count, struct ok_err *err);

/* Appends c as a JSON object with the canonical field names. */
void customer_to_json(const struct customer *c, struct buf *out);

#endif
