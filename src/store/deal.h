/*
 * deal.h - deals (商談): new business, renewals, upsells, cross-sells and referrals, each open,
 * won or lost. A lost deal always has a reason from the configurable list (価格, 時期, 競合 …)
 * and may have a note: the lost-deal list is "the best customer list there is" only if it says
 * why each one said no.
 *
 * Edits (store_deal_update) carry the version the editor saw, so that two people editing one
 * deal cannot silently overwrite each other; the stage changes only through win, lose and
 * reopen. Reopening a lost deal (the customer came back) keeps the loss as it was and opens a
 * new deal that continues it (reopened_from): the KPIs count the loss and, once the new deal
 * opens on a later day, its reactivation; the automation that the loss started ends.
 */
#ifndef OK_STORE_DEAL_H
#define OK_STORE_DEAL_H

#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "db/db.h"
#include "store/store.h"

/* Strings owned by the struct (deal_release frees them); NULL means empty. */
struct deal {
    int64_t id;
    char *code; /* optional business id, unique when given */
    char *customer_code;
    char *kind;  /* new, renewal, upsell, cross_sell, referral (NULL: new) */
    char *stage; /* open, won, lost (NULL: open) */
    char *title;
    int64_t amount;  /* minor units */
    char *opened_at; /* YYYY-MM-DD */
    char *closed_at; /* YYYY-MM-DD, set when won or lost */
    char *owner_login;
    char *lost_reason; /* code of lost_reasons */
    char *lost_note;
    char *trigger; /* code of triggers: what prompted the deal */
    char *product_sku;
    int64_t version;
    char *created_at;
    char *updated_at;
    int64_t reopened_from; /* the lost deal this one reopens, 0: none */
    int64_t reopened_as;   /* for a lost deal: the deal that reopened it, 0: none */
};

void deal_release(struct deal *d);

/* Creates a deal (normally open; imports may create won or lost ones, which then need
 * closed_at, and lost_reason for lost). Returns the id or -1. */
int64_t store_deal_create(struct db *db, const struct store_actor *who, struct deal *d,
                          struct ok_err *err);

/* Reads a deal by id, or by its code when ref is not all digits. */
int store_deal_get(struct db *db, const char *ref, struct deal *out, struct ok_err *err);

/* Closes an open deal as won (amount < 0 keeps the deal's amount) or as lost with a reason
 * (required) and a note. closed_on NULL means today (UTC date). OK_ERR_CONFLICT when the deal
 * is not open. */
int store_deal_win(struct db *db, const struct store_actor *who, const char *ref,
                   const char *closed_on, int64_t amount, struct ok_err *err);
int store_deal_lose(struct db *db, const struct store_actor *who, const char *ref,
                    const char *closed_on, const char *reason, const char *note,
                    struct ok_err *err);

/* Writes the editable fields of d -- title, amount, kind, owner_login, trigger, product_sku,
 * opened_at -- over deal d->id if its stored version is still d->version, else OK_ERR_CONFLICT
 * (nothing changes). The other fields of d are ignored: the customer and code stay, the stage
 * changes only through win / lose / reopen. Validates as store_deal_create does (a closed deal
 * cannot open after it closed), audits before and after in one transaction, and increments
 * d->version on success. */
int store_deal_update(struct db *db, const struct store_actor *who, struct deal *d,
                      struct ok_err *err);

/* Reopens lost deal ref (id or code): opens a new deal for the same customer with the lost
 * one's kind, title, amount, owner, trigger and product, opened on `opened_on` (NULL: today,
 * UTC date; not before the loss) with reopened_from = the lost deal; bumps the lost deal's
 * version (its loss, reason and note stay); and ends the active automation enrollments that the
 * loss started (exit reason "deal_reopened"). All in one transaction, audited ("reopen" on the
 * lost deal, "create" on the new one). version > 0: the lost deal must still be at it
 * (OK_ERR_CONFLICT otherwise). OK_ERR_CONFLICT also when the deal is not lost or was already
 * reopened (also when two reopen it at once: a unique index holds). Returns the new deal's id
 * or -1. */
int64_t store_deal_reopen(struct db *db, const struct store_actor *who, const char *ref,
                          int64_t version, const char *opened_on, struct ok_err *err);

struct deal_query {
    const char *customer_code; /* NULL: all */
    const char *stage;         /* NULL: all */
    const char *lost_reason;   /* NULL: all */
    int not_reopened;          /* 1: leave out lost deals that were reopened */
    int64_t after_id;
    int limit; /* 0: 100 */
};

int store_deal_list(struct db *db, const struct deal_query *q,
                    int (*fn)(void *ctx, const struct deal *d), void *ctx, struct ok_err *err);

void deal_to_json(const struct deal *d, struct buf *out);

#endif
