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
    pthread_mutex_init(&h->an_mu, NULL);
    report_cache_init(&h->reports);
    return 0;
}

static void analytics_release(struct snap_holder *h)
{
    if (!h->an_valid)
        return;
    analytics_view_release(&h->an.view);
    service_values_release(&h->an.values);
    h->an_valid = 0;
}

void snap_holder_release(struct snap_holder *h)
{
    analytics_release(h);
    pthread_mutex_destroy(&h->an_mu);
    report_cache_release(&h->reports);
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

const struct snapshot *snap_holder_acquire(struct snap_holder *h, struct db *db, struct ok_err *err)
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

uint64_t snap_holder_version(struct snap_holder *h)
{
    uint64_t v;
    /* The caller holds the read lock, so loaded_gen cannot change under us. */
    pthread_mutex_lock(&h->gen_mu);
    v = h->loaded_gen;
    pthread_mutex_unlock(&h->gen_mu);
    return v;
}

void snap_holder_changed(struct snap_holder *h, int (*fn)(struct snapshot *s, void *ctx), void *ctx)
{
    pthread_rwlock_wrlock(&h->lock);
    pthread_mutex_lock(&h->gen_mu);
    if (fn && !h->reloading && h->loaded_gen == h->gen && fn(&h->snap, ctx) == 0)
        h->loaded_gen = h->gen + 1;
    h->gen++;
    pthread_mutex_unlock(&h->gen_mu);
    pthread_rwlock_unlock(&h->lock);
}

int snap_holder_analytics(struct snap_holder *h, struct db *db, const struct snapshot *s,
                          int32_t as_of, int (*fn)(const struct snap_analytics *a, void *ctx),
                          void *ctx, struct ok_err *err)
{
    uint64_t gen;
    int rc = -1;
    /* The caller holds the read lock, so loaded_gen cannot change under us; it changes (grows)
     * with every in-place update and reload, which is what makes it the snapshot's version. */
    pthread_mutex_lock(&h->gen_mu);
    gen = h->loaded_gen;
    pthread_mutex_unlock(&h->gen_mu);
    pthread_mutex_lock(&h->an_mu);
    if (!h->an_valid || h->an_gen != gen || h->an_day != as_of) {
        int found;
        analytics_release(h);
        memset(&h->an, 0, sizeof(h->an));
        found = service_values_load(db, s, as_of, &h->an.values, err);
        if (found < 0)
            goto out;
        if (!found && s->settings.state_rule == STATE_RULE_PALIVE) {
            ok_err_set(err, OK_ERR_INVALID,
                       "setting state.rule is p_alive but no value model has been fitted; run "
                       "`okaeri clv fit --model bgnbd` first, or set state.rule to fixed");
            goto out;
        }
        if (analytics_view_compute(&h->an.view, s->ledger, &s->settings, as_of,
                                   found ? h->an.values.p_alive : NULL, err) < 0) {
            service_values_release(&h->an.values);
            goto out;
        }
        h->an_valid = 1;
        h->an_gen = gen;
        h->an_day = as_of;
    }
    rc = fn(&h->an, ctx);
out:
    pthread_mutex_unlock(&h->an_mu);
    return rc;
}

int snap_keep(struct snapshot *s, void *ctx)
{
    (void)s;
    (void)ctx;
    return 0;
}

uint64_t snap_holder_writes(struct snap_holder *h)
{
    uint64_t g;
    pthread_mutex_lock(&h->gen_mu);
    g = h->gen;
    pthread_mutex_unlock(&h->gen_mu);
    return g;
}

static int analytics_ready(const struct snap_analytics *a, void *ctx)
{
    (void)a;
    (void)ctx;
    return 0;
}

int snap_holder_warm(struct snap_holder *h, struct db *db, struct ok_err *err)
{
    const struct snapshot *s = snap_holder_acquire(h, db, err);
    int rc;
    if (!s)
        return -1;
    rc = snap_holder_analytics(h, db, s, snapshot_today(s), analytics_ready, NULL, err);
    snap_holder_end(h);
    return rc;
}
