/*
 * snap.h - the server's ledger snapshot, shared by all request threads and kept current.
 *
 * The snapshot (service/snapshot.h) is loaded once at start. Reports read it under a read lock,
 * so any number run at once. A write that the snapshot can follow (an order line, a new
 * customer, a deal created, edited, won, lost or reopened, a setting, a new contract, referral
 * or feedback: the snapshot_apply_* functions) is applied in place under the write lock right
 * after its transaction commits, reading the record as stored then, so that of two writes to
 * one record the state applied last is the latest; any other write that changes analytics (an
 * order line edited, a customer's owner, a deletion), or one the in-place update refuses, only
 * marks the snapshot stale, and the next report reloads it before reading (seconds on a large
 * database). Generations make this exact:
 * every analytics write bumps `gen` after its commit; the snapshot reflects `loaded_gen`; a
 * report that starts after a write returned sees gen > loaded_gen and reloads. So a report always
 * reflects every write that returned before it started, and no report waits for a reload it
 * does not need.
 */
#ifndef OK_HTTP_SNAP_H
#define OK_HTTP_SNAP_H

#include <pthread.h>
#include <stdint.h>

#include "analytics/view.h"
#include "core/err.h"
#include "db/db.h"
#include "http/report_cache.h"
#include "service/snapshot.h"
#include "service/values.h"
#include "store/changes.h"

/* What request handlers that show per-customer badges need of the whole snapshot: the
 * analytics view (state, stage, RFM, metrics) and the value models' predictions, computed once
 * per snapshot version and day and shared by every request until the snapshot changes. */
struct snap_analytics {
    struct analytics_view view;
    struct customer_values values; /* values.n == 0 when no model has been fitted */
};

struct snap_holder {
    pthread_rwlock_t lock;     /* guards snap */
    pthread_mutex_t gen_mu;    /* guards gen, loaded_gen, reloading */
    pthread_mutex_t reload_mu; /* one reload at a time */
    struct snapshot snap;
    uint64_t gen, loaded_gen;
    int reloading;
    uint64_t reloads; /* how many reloads ran (for tests and logs) */
    /* writes by other processes (store/changes.h), polled by every acquire; NULL: none. Set
     * after snap_holder_init; borrowed. */
    struct changes *changes;
    /* the cached analytics of the snapshot version an_gen as of an_day (snap_holder_analytics) */
    pthread_mutex_t an_mu;
    struct snap_analytics an;
    int an_valid;
    uint64_t an_gen;
    int32_t an_day;
    /* rendered reports of the current snapshot version (GET /api/v1/reports/{name}) */
    struct report_cache reports;
};

/* Loads the snapshot from db. On failure h is unusable and err says why. */
int snap_holder_init(struct snap_holder *h, struct db *db, struct ok_err *err);
void snap_holder_release(struct snap_holder *h);

/* Returns the current snapshot, read-locked (reloading it through db first when a write made it
 * stale); NULL with err when a reload fails. Every successful call must be paired with
 * snap_holder_end. */
const struct snapshot *snap_holder_acquire(struct snap_holder *h, struct db *db,
                                           struct ok_err *err);
void snap_holder_end(struct snap_holder *h);

/* The version of the snapshot s acquired from h (call between acquire and end): it grows with
 * every in-place update and reload, so two acquires that see the same version see the same
 * data. For caches of results computed on the snapshot. */
uint64_t snap_holder_version(struct snap_holder *h);

/* After a committed write that changes analytics: fn(s, ctx) updates the snapshot in place under
 * the write lock when the snapshot is current; when it is not, or fn returns -1, the snapshot is
 * marked stale instead. fn NULL: always mark stale. */
void snap_holder_changed(struct snap_holder *h, int (*fn)(struct snapshot *s, void *ctx),
                         void *ctx);

/* For snap_holder_changed, after a write to nothing the snapshot holds (tasks, contacts,
 * e-mails, enrollments, consent): the snapshot is kept as it is and only its version moves on,
 * so reports cached for the old version are computed again, without a reload. Returns 0. */
int snap_keep(struct snapshot *s, void *ctx);

/* How many analytics writes this process has announced (snap_holder_changed) so far: a number
 * that stops moving when the writes do. */
uint64_t snap_holder_writes(struct snap_holder *h);

/* Brings the snapshot up to date (reloading it if a write made it stale) and computes its shared
 * analytics as of today, so that the next request finds them ready; what the server's warming
 * thread runs once the writes have stopped for a moment. 0, or -1 with err. */
int snap_holder_warm(struct snap_holder *h, struct db *db, struct ok_err *err);

/* Calls fn(a, ctx) with the analytics of s as of as_of; s must have been acquired from h and
 * not yet ended. They are computed on the first call after the snapshot changed (or for another
 * day) and reused after that, so a page of 50 customers costs 50 lookups. fn runs under a
 * mutex: it should copy what it needs and return. Returns fn's result (0 / -1), or -1 with err
 * when the analytics cannot be computed. */
int snap_holder_analytics(struct snap_holder *h, struct db *db, const struct snapshot *s,
                          int32_t as_of, int (*fn)(const struct snap_analytics *a, void *ctx),
                          void *ctx, struct ok_err *err);

#endif
