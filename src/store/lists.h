/*
 * lists.h - editing the small configurable lists: lost_reasons (why a deal was lost), causes
 * (why a customer sleeps, dies or ends a contract) and triggers (what prompted a referral, an
 * upsell or a deal).
 *
 * Each value has a stable code (used in imports, the API and playbook rules), a Japanese and an
 * English label, a sort order and an active flag. Values that records use are never deleted,
 * only deactivated: history must keep meaning what it meant. Looking a value up by code or
 * label is store_list_id() in store.h.
 */
#ifndef OK_STORE_LISTS_H
#define OK_STORE_LISTS_H

#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "db/db.h"
#include "store/store.h"

/* One value of a list; borrowed strings, valid during the callback only. */
struct list_item {
    int64_t id;
    const char *code;
    const char *label_ja;
    const char *label_en;
    int64_t sort;
    int active;
    int64_t uses; /* how many records refer to it */
};

/* 1 if name is one of "lost_reasons", "causes", "triggers". */
int store_lists_known(const char *list);

/* Calls fn for each value of list in sort order (inactive ones too when include_inactive). */
int store_lists_items(struct db *db, const char *list, int include_inactive,
                      int (*fn)(void *ctx, const struct list_item *it), void *ctx,
                      struct ok_err *err);

/* Adds a value at the end of the list. code: 1-40 of a-z 0-9 _; labels required (the English
 * label defaults to the code when NULL). OK_ERR_CONFLICT when the code exists. Returns the id. */
int64_t store_lists_add(struct db *db, const struct store_actor *who, const char *list,
                        const char *code, const char *label_ja, const char *label_en,
                        struct ok_err *err);

/* Changes the labels of a value (NULL keeps a label). */
int store_lists_rename(struct db *db, const struct store_actor *who, const char *list,
                       const char *code, const char *label_ja, const char *label_en,
                       struct ok_err *err);

/* Deactivates (active = 0: no longer offered for new records) or reactivates a value. */
int store_lists_set_active(struct db *db, const struct store_actor *who, const char *list,
                           const char *code, int active, struct ok_err *err);

/* Deletes a value that no record uses; OK_ERR_CONFLICT (suggesting deactivation) otherwise. */
int store_lists_remove(struct db *db, const struct store_actor *who, const char *list,
                       const char *code, struct ok_err *err);

/* Appends it as {"code","label_ja","label_en","sort","active","uses"}. */
void list_item_to_json(const struct list_item *it, struct buf *out);

#endif
