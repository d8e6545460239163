/*
 * snap.h - the server's ledger snapshot, shared by all request threads and kept current.
 *
 * The snapshot (service/snapshot.h) is loaded once at start. Reports read it under a read lock,
 * so any number run at once. A write that the snapshot can follow (an order line, a new
 * customer) is applied in place under the write lock right after its transaction commits; any
 * other write that changes analytics (a deal won, a setting, a customer's owner) only marks the
 * snapshot stale, and the next report reloads it before reading. Generations make this exact:
 * every analytics write bumps `gen` after its commit; the snapshot reflects `loaded_gen`; a
 * report that starts after a write returned sees gen > loaded_gen and reloads. So a report always
 * reflects every write that returned before it started, and no report waits for a reload it
 * does not need.
 */
#ifndef OK_HTTP_SNAP_H
#define OK_HTTP_SNAP_H

#include <pthread.h>
#include <stdint.h>

#include "core/err.h"
#include "db/db.h"
#include "service/snapshot.h"
#include "store/changes.h"

struct snap_holder {
    pthread_rwlock_t lock; /* guards snap */
    pthread_mutex_t gen_mu; /* guards gen, loaded_gen, reloading */
    pthread_mutex_t reload_mu; /* one reload at a time */
    struct snapshot snap;
    uint64_t gen, loaded_gen;
    int reloading;
    uint64_t reloads; /* how many reloads ran (for tests and logs) */
    /* writes by other processes (store/changes.h), polled by every acquire; NULL: none. Set
     * after snap_holder_init; borrowed. */
    struct changes *changes;
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

/* After a committed write that changes analytics: fn(s, ctx) updates the snapshot in place under
 * the write lock when the snapshot is current; when it is not, or fn returns -1, the snapshot is
 * marked stale instead. fn NULL: always mark stale. */
void snap_holder_changed(struct snap_holder *h, int (*fn)(struct snapshot *s, void *ctx),
                         void *ctx);

#endif
