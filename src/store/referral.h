/*
 * referral.h - referrals (紹介): a customer who introduced someone, the person introduced (a
 * customer, or a prospect's name until they become one), when, what prompted it, and the deal
 * that resulted.
 */
#ifndef OK_STORE_REFERRAL_H
#define OK_STORE_REFERRAL_H

#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "db/db.h"
#include "store/store.h"

/* Strings owned by the struct (freed by referral_release); NULL means empty. */
struct referral {
    int64_t id;
    char *code;          /* optional, the business's own id */
    char *referrer_code; /* customer who referred, required */
    char *referred_code; /* customer referred; NULL while only a prospect */
    char *prospect_name; /* required when referred_code is NULL */
    char *referred_on;   /* YYYY-MM-DD, required; any date form accepted */
    char *trigger;       /* triggers code (or label on input) */
    int64_t deal_id;     /* resulting deal; 0: none */
    char *created_at;
};

void referral_release(struct referral *r);

/* Checks and normalises the fields; does not look up references. */
int store_referral_validate(struct referral *r, struct ok_err *err);

/* Inserts a referral (audited); unknown customers, trigger or deal fail with OK_ERR_INVALID
 * located at the field; OK_ERR_CONFLICT for a duplicate code. Returns the id; sets r->id. */
int64_t store_referral_create(struct db *db, const struct store_actor *who, struct referral *r,
                              struct ok_err *err);

/* Reads a referral by id or code into *out (caller releases); OK_ERR_NOT_FOUND when none. */
int store_referral_get_by_id(struct db *db, int64_t id, struct referral *out, struct ok_err *err);
int store_referral_get(struct db *db, const char *code, struct referral *out, struct ok_err *err);

/* Writes all fields of r over referral r->id (audited): e.g. the prospect became customer X,
 * or the resulting deal is known. */
int store_referral_update(struct db *db, const struct store_actor *who, struct referral *r,
                          struct ok_err *err);

struct referral_query {
    const char *referrer_code; /* NULL: any */
    const char *referred_code; /* NULL: any */
    const char *from;          /* referred_on >= (any date form) */
    const char *to;            /* referred_on <= */
    /* Cursor: rows after (after_on, after_id) in (referred_on, id) order. */
    const char *after_on;
    int64_t after_id;
    int limit; /* 0: 100 */
};

/* Calls fn for each matching referral in (referred_on, id) order; fn returns non-zero to stop. */
int store_referral_list(struct db *db, const struct referral_query *q,
                        int (*fn)(void *ctx, const struct referral *r), void *ctx,
                        struct ok_err *err);

/* Appends r as JSON: id, code, referrer_code, referred_code, prospect_name, referred_on,
 * trigger, deal_id, created_at. */
void referral_to_json(const struct referral *r, struct buf *out);

#endif
