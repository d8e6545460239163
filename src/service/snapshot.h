/*
 * snapshot.h - the service layer's view of a database: the ledger snapshot plus the settings
 * the analytics need, loaded together.
 *
 * The service layer (src/service/) holds the use cases that both the CLI and the HTTP server
 * run: it reads from the store, hands arrays to the pure analytics and clv layers, and returns
 * report tables. It adds no SQL of its own.
 */
#ifndef OK_SERVICE_SNAPSHOT_H
#define OK_SERVICE_SNAPSHOT_H

#include <stdint.h>

#include "analytics/ledger.h"
#include "analytics/settings.h"
#include "core/err.h"
#include "db/db.h"

struct snapshot {
    struct ledger *ledger;              /* owned */
    struct analytics_settings settings; /* defaults overridden by the settings table */
    char currency[8];                   /* e.g. "JPY" */
    char time_zone[64];                 /* e.g. "Asia/Tokyo" */
    int money_decimals;                 /* 0 for yen, 2 for dollars */
    char **sources;                     /* source names by ledger source id */
    int32_t nsources;
    /* the store's id of each ledger deal (deal_ids[i] is ledger->deals[i]), ascending: deals
     * load in id order and a deal is added in place only when its id is above the last */
    int64_t *deal_ids;
    size_t ndeal_ids, deal_ids_alloc;
};

/* Loads settings and all history into s. On failure s is left empty and err says why (an
 * invalid setting names its key and how to fix it). */
int snapshot_load(struct db *db, struct snapshot *s, struct ok_err *err);
/* Loads only the settings (cheap), e.g. to resolve "today" before loading the ledger. */
int snapshot_load_settings(struct db *db, struct snapshot *s, struct ok_err *err);
void snapshot_release(struct snapshot *s);

/* In-place updates, so that a server need not reload the whole snapshot after a common write.
 * Each leaves s exactly as snapshot_load of the same database would give it, or says that it
 * cannot: 0 done, 1 s cannot follow this change in place (s unchanged: reload it), -1 with err on
 * a database error (s unchanged). */

/* Makes s follow deal deal_id as stored in db now (after a create, win, lose, edit, or the new
 * deal of a reopen): an existing deal is updated, a new one added. 1 when the deal is new but its
 * id is not above every loaded one (a reused SQLite id would break the id order of a load), when
 * it moved to another customer, when its customer or a reference is unknown to s, or when it is
 * no longer stored. */
int snapshot_apply_deal(struct snapshot *s, struct db *db, int64_t deal_id, struct ok_err *err);

/* Adds feedback feedback_id, as stored in db now, after its create. Loads keep feedback in id
 * order and this appends, so two creates that commit in one order and apply in the other leave
 * the two swapped: no analytics depends on that order (all sums and groups). 1 when its
 * customer is unknown to s or it is no longer stored. */
int snapshot_apply_feedback(struct snapshot *s, struct db *db, int64_t feedback_id,
                            struct ok_err *err);

/* Adds referral referral_id, as stored in db now, after its create; in id order as feedback
 * (above). 1 when a customer, trigger or deal it names is unknown to s, or it is no longer
 * stored. */
int snapshot_apply_referral(struct snapshot *s, struct db *db, int64_t referral_id,
                            struct ok_err *err);

/* Adds contract contract_id, as stored in db now, after its create or renewal (linking the
 * renewal both ways, as a load does). 1 for a contract s already has (an edit or an end: no
 * in-place edit of contracts), one whose id is not above every loaded one, or one that names a
 * customer, contract or end reason unknown to s. */
int snapshot_apply_contract(struct snapshot *s, struct db *db, int64_t contract_id,
                            struct ok_err *err);

/* Re-reads the settings (analytics thresholds, currency, time zone) into s, keeping the ledger.
 * 1 when the currency's minor unit changed (the ledger carries the money decimals). */
int snapshot_apply_settings(struct snapshot *s, struct db *db, struct ok_err *err);

/* Today in the database's time zone, as days since 1970-01-01. */
int32_t snapshot_today(const struct snapshot *s);

#endif
