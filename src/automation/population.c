/*
 * population.c - loading what filters and triggers are evaluated on.
 */
#include "automation/population.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "service/value.h"
#include "store/clv_fit.h"
#include "store/customer.h"
#include "store/fields.h"
#include "core/banned.h"

struct load_ctx {
    struct population *p;
    char *last_code;
    size_t rows;
};

static int on_customer(void *ctx, const struct customer *c)
{
    struct load_ctx *lc = ctx;
    struct population *p = lc->p;
    long i = ledger_customer_index(p->snap.ledger, c->id);
    free(lc->last_code);
    lc->last_code = xstrdup(c->code);
    lc->rows++;
    if (i < 0)
        return 0; /* created after the snapshot was read */
    p->codes[i] = xstrdup(c->code);
    p->tags[i] = c->tags && *c->tags ? xstrdup(c->tags) : NULL;
    p->attributes[i] = c->attributes && *c->attributes && strcmp(c->attributes, "{}")
                           ? xstrdup(c->attributes)
                           : NULL;
    p->has_email[i] = c->email && *c->email;
    p->consent[i] = c->email_consent && !(c->unsubscribed_at && *c->unsubscribed_at);
    p->is_company[i] = c->kind && !strcmp(c->kind, "company");
    return 0;
}

static int load_customers(struct db *db, struct population *p, struct ok_err *err)
{
    struct load_ctx lc;
    struct customer_query q;
    uint32_t n = p->snap.ledger->ncust;
    size_t cap = n ? n : 1;
    memset(&lc, 0, sizeof(lc));
    lc.p = p;
    p->codes = xcalloc(cap, sizeof(char *));
    p->tags = xcalloc(cap, sizeof(char *));
    p->attributes = xcalloc(cap, sizeof(char *));
    p->consent = xcalloc(cap, 1);
    p->has_email = xcalloc(cap, 1);
    p->is_company = xcalloc(cap, 1);
    p->lost_reason = xcalloc(cap, sizeof(int32_t));
    for (;;) {
        memset(&q, 0, sizeof(q));
        q.after_code = lc.last_code;
        q.limit = 5000;
        lc.rows = 0;
        if (store_customer_list(db, &q, on_customer, &lc, err) < 0) {
            free(lc.last_code);
            return -1;
        }
        if (lc.rows < 5000)
            break;
    }
    free(lc.last_code);
    return 0;
}

/* P(alive) and CLV from the stored fits, as of as_of. Leaves them NULL without a fit. */
static int load_model_scores(struct db *db, struct population *p, struct ok_err *err)
{
    struct clv_fit_record rec, gg;
    struct clv_params counts, spend;
    struct value_summaries s;
    struct value_predictions pred;
    double unit;
    int found, have_gg = 0, rc = -1;
    size_t i;
    uint32_t n = p->snap.ledger->ncust;
    free(p->p_alive);
    free(p->clv);
    p->p_alive = p->clv = NULL;
    memset(&pred, 0, sizeof(pred));
    found = store_clv_fit_latest(db, "bgnbd", 1, &rec, err);
    if (found <= 0)
        return found;
    memset(&gg, 0, sizeof(gg));
    if (value_unit_parse(rec.unit, &unit, err) < 0 ||
        value_params_parse(CLV_MODEL_BGNBD, rec.params, &counts, err) < 0) {
        clv_fit_record_release(&rec);
        return -1;
    }
    found = store_clv_fit_latest(db, "gamma-gamma", 1, &gg, err);
    if (found < 0) {
        clv_fit_record_release(&rec);
        return -1;
    }
    if (found > 0) {
        have_gg = value_params_parse(CLV_MODEL_GG, gg.params, &spend, err) == 0;
        clv_fit_record_release(&gg);
        if (!have_gg) {
            clv_fit_record_release(&rec);
            return -1;
        }
    }
    clv_fit_record_release(&rec);
    value_summaries_init(&s, unit);
    if (value_summaries_from_ledger(&s, p->snap.ledger, p->as_of, p->as_of, err) < 0)
        goto out;
    if (value_predict(&s, &counts, have_gg ? &spend : NULL, 365.0, 0.0, &pred, err) < 0)
        goto out;
    p->p_alive = xmalloc((n ? n : 1) * sizeof(double));
    for (i = 0; i < n; i++)
        p->p_alive[i] = NAN;
    if (have_gg) {
        p->clv = xmalloc((n ? n : 1) * sizeof(double));
        for (i = 0; i < n; i++)
            p->clv[i] = NAN;
    }
    for (i = 0; i < s.n; i++) {
        p->p_alive[s.cust[i]] = pred.p_alive[i];
        if (have_gg)
            p->clv[s.cust[i]] = pred.clv[i];
    }
    rc = 0;
out:
    value_predictions_release(&pred);
    value_summaries_release(&s);
    return rc;
}

int population_set_day(struct db *db, struct population *p, int32_t as_of, struct ok_err *err)
{
    const struct ledger *l = p->snap.ledger;
    uint32_t c;
    size_t k;
    if (p->have_view) {
        analytics_view_release(&p->view);
        p->have_view = 0;
    }
    p->as_of = as_of;
    if (load_model_scores(db, p, err) < 0)
        return -1;
    if (analytics_view_compute(&p->view, l, &p->snap.settings, as_of, p->p_alive, err) < 0)
        return -1;
    p->have_view = 1;
    for (c = 0; c < l->ncust; c++)
        p->lost_reason[c] = LEDGER_NONE;
    {
        /* latest lost deal on or before as_of per customer */
        int32_t *best = xmalloc((l->ncust ? l->ncust : 1) * sizeof(int32_t));
        for (c = 0; c < l->ncust; c++)
            best[c] = LEDGER_NO_DAY;
        for (k = 0; k < l->ndeals; k++) {
            const struct ledger_deal *d = &l->deals[k];
            if (d->stage != DEAL_LOST || d->closed_day == LEDGER_NO_DAY || d->closed_day > as_of)
                continue;
            if (d->closed_day >= best[d->cust]) {
                best[d->cust] = d->closed_day;
                p->lost_reason[d->cust] = d->lost_reason;
            }
        }
        free(best);
    }
    memset(&p->fp, 0, sizeof(p->fp));
    p->fp.ledger = l;
    p->fp.view = &p->view;
    p->fp.p_alive = p->p_alive;
    p->fp.clv = p->clv;
    p->fp.lost_reason = p->lost_reason;
    p->fp.tags = (const char *const *)p->tags;
    p->fp.attributes = (const char *const *)p->attributes;
    p->fp.consent = p->consent;
    p->fp.has_email = p->has_email;
    p->fp.is_company = p->is_company;
    p->fp.sources = (const char *const *)p->snap.sources;
    p->fp.nsources = p->snap.nsources;
    p->fp.money_decimals = p->snap.money_decimals;
    return 0;
}

int population_load(struct db *db, struct population *p, int32_t as_of, struct ok_err *err)
{
    memset(p, 0, sizeof(*p));
    if (snapshot_load(db, &p->snap, err) < 0)
        return -1;
    if (as_of == INT32_MIN)
        as_of = snapshot_today(&p->snap);
    if (load_customers(db, p, err) < 0 || population_set_day(db, p, as_of, err) < 0) {
        population_release(p);
        return -1;
    }
    return 0;
}

void population_release(struct population *p)
{
    uint32_t c, n = p->snap.ledger ? p->snap.ledger->ncust : 0;
    if (p->have_view)
        analytics_view_release(&p->view);
    for (c = 0; c < n; c++) {
        if (p->codes)
            free(p->codes[c]);
        if (p->tags)
            free(p->tags[c]);
        if (p->attributes)
            free(p->attributes[c]);
    }
    free(p->codes);
    free(p->tags);
    free(p->attributes);
    free(p->consent);
    free(p->has_email);
    free(p->is_company);
    free(p->lost_reason);
    free(p->p_alive);
    free(p->clv);
    snapshot_release(&p->snap);
    memset(p, 0, sizeof(*p));
}

static int64_t resolve_list(void *ctx, const char *list, const char *code, struct ok_err *err)
{
    return store_ref_list(ctx, list, code, "filter", err);
}

static int64_t resolve_user(void *ctx, const char *login, struct ok_err *err)
{
    return store_ref_user(ctx, login, "filter", err);
}

void population_resolver(struct db *db, struct filter_resolver *r)
{
    r->ctx = db;
    r->list_id = resolve_list;
    r->user_id = resolve_user;
}

struct filter *population_compile(struct db *db, struct population *p, const char *text,
                                  struct ok_err *err)
{
    struct filter_resolver r;
    struct filter *f = filter_parse(text, err);
    if (!f)
        return NULL;
    population_resolver(db, &r);
    if (filter_bind(f, &r, err) < 0 || (p && filter_prepare(f, &p->fp, err) < 0)) {
        filter_free(&f);
        return NULL;
    }
    return f;
}
