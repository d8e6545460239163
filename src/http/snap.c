/*
 * snap.c - the shared, self-updating ledger snapshot (see snap.h).
 */
#include "http/snap.h"

#include <string.h>

#include "core/log.h"
#include "core/banned.h"

int snap_holder_init(struct snap_holder *h, struct db *db, struct ok_err *err)
{
    memset(h, 0, sizeof(*h));
    if (snapshot_load(db, &h->snap, err) < 0)
        return -1;
    pthread_rwlock_init(&h->lock, NULL);
    pthread_mutex_init(&h->gen_mu, NULL);
    pthread_mutex_init(&h->reload_mu, NULL);
    return 0;
}

void snap_holder_release(struct snap_holder *h)
{
    snapshot_release(&h->snap);
    pthread_rwlock_destroy(&h->lock);
    pthread_mutex_destroy(&h->gen_mu);
    pthread_mutex_destroy(&h->reload_mu);
}

static int reload(struct snap_holder *h, struct db *db, uint64_t want, struct ok_err *err)
{
    struct snapshot fresh, old;
    uint64_t g0;
    int rc = 0;
    pthread_mutex_lock(&h->reload_mu);
    pthread_mutex_lock(&h->gen_mu);
    if (h->loaded_gen >= want) { /* another thread reloaded meanwhile */
        pthread_mutex_unlock(&h->gen_mu);
        goto out;
    }
    /* Every write counted in g0 has committed, so the load below sees it. */
    g0 = h->gen;
    h->reloading = 1;
    pthread_mutex_unlock(&h->gen_mu);
    if (snapshot_load(db, &fresh, err) < 0) {
        pthread_mutex_lock(&h->gen_mu);
        h->reloading = 0;
        pthread_mutex_unlock(&h->gen_mu);
        rc = -1;
        goto out;
    }
    pthread_rwlock_wrlock(&h->lock);
    old = h->snap;
    h->snap = fresh;
    pthread_mutex_lock(&h->gen_mu);
    h->loaded_gen = g0;
    h->reloading = 0;
    h->reloads++;
    pthread_mutex_unlock(&h->gen_mu);
    pthread_rwlock_unlock(&h->lock);
    snapshot_release(&old);
    log_debug("snapshot reloaded (generation %llu)", (unsigned long long)g0);
out:
    pthread_mutex_unlock(&h->reload_mu);
    return rc;
}

const struct snapshot *snap_holder_acquire(struct snap_holder *h, struct db *db,
                                           struct ok_err *err)
{
    uint64_t want;
    if (h->changes) {
        /* another server or a CLI command wrote (or the listener cannot tell): reload */
        struct ok_err perr;
        int changed;
        ok_err_clear(&perr);
        changed = changes_poll(h->changes, &perr);
        if (changed < 0)
            log_warn("change listener: %s", perr.message);
        if (changed != 0)
            snap_holder_changed(h, NULL, NULL);
    }
    pthread_mutex_lock(&h->gen_mu);
    want = h->gen;
    pthread_mutex_unlock(&h->gen_mu);
    for (;;) {
        uint64_t have;
        pthread_rwlock_rdlock(&h->lock);
        pthread_mutex_lock(&h->gen_mu);
        have = h->loaded_gen;
        pthread_mutex_unlock(&h->gen_mu);
        if (have >= want)
            return &h->snap;
        pthread_rwlock_unlock(&h->lock);
        if (reload(h, db, want, err) < 0)
            return NULL;
    }
}

void snap_holder_end(struct snap_holder *h)
{
    pthread_rwlock_unlock(&h->lock);
}

void snap_holder_changed(struct snap_holder *h, int (*fn)(struct snapshot *s, void *ctx),
                         void *ctx)
{
    pthread_rwlock_wrlock(&h->lock);
    pthread_mutex_lock(&h->gen_mu);
    if (fn && !h->reloading && h->loaded_gen == h->gen && fn(&h->snap, ctx) == 0)
        h->loaded_gen = h->gen + 1;
    h->gen++;
    pthread_mutex_unlock(&h->gen_mu);
    pthread_rwlock_unlock(&h->lock);
}
