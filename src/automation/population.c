/*
 * population.c - loading what filters and triggers are evaluated on.
 */
#include "automation/population.h"

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "service/value.h"
#include "store/clv_fit.h"
#include "store/customer_fields.h"
#include "store/fields.h"
#include "core/banned.h"

/* A string -> int32 hash with keys in the population's arena (open addressing, FNV-1a). */
struct pop_map {
    const char **keys;
    int32_t *vals;
    size_t cap, n;
};

static uint64_t map_hash(const char *s, size_t n)
{
    uint64_t h = 1469598103934665603ULL;
    size_t i;
    for (i = 0; i < n; i++) {
        h ^= (unsigned char)s[i];
        h *= 1099511628211ULL;
    }
    return h;
}

static struct pop_map *map_new(size_t expect)
{
    struct pop_map *m = xcalloc(1, sizeof(*m));
    m->cap = 64;
    while (m->cap < expect * 2)
        m->cap *= 2;
    m->keys = xcalloc(m->cap, sizeof(char *));
    m->vals = xcalloc(m->cap, sizeof(int32_t));
    return m;
}

static void map_free(struct pop_map **m)
{
    if (!*m)
        return;
    free((*m)->keys);
    free((*m)->vals);
    free(*m);
    *m = NULL;
}

/* The slot of key s[0..n) (keys are NUL-terminated, so a stored key of length n ends at n). */
static size_t map_slot(const struct pop_map *m, const char *s, size_t n)
{
    size_t i = (size_t)map_hash(s, n) & (m->cap - 1);
    while (m->keys[i] && (strncmp(m->keys[i], s, n) || m->keys[i][n]))
        i = (i + 1) & (m->cap - 1);
    return i;
}

static void map_grow(struct pop_map *m)
{
    struct pop_map old = *m;
    size_t i;
    m->cap *= 2;
    m->keys = xcalloc(m->cap, sizeof(char *));
    m->vals = xcalloc(m->cap, sizeof(int32_t));
    for (i = 0; i < old.cap; i++) {
        if (old.keys[i]) {
            size_t j = map_slot(m, old.keys[i], strlen(old.keys[i]));
            m->keys[j] = old.keys[i];
            m->vals[j] = old.vals[i];
        }
    }
    free(old.keys);
    free(old.vals);
}

/* The value of s[0..n), or -1 when absent. */
static int32_t map_get(const struct pop_map *m, const char *s, size_t n)
{
    size_t i = map_slot(m, s, n);
    return m->keys[i] ? m->vals[i] : -1;
}

/* Adds s[0..n) -> v unless present (key copied into a when not NULL, else borrowed). Returns
 * the value stored. */
static int32_t map_put(struct pop_map *m, struct arena *a, const char *s, size_t n, int32_t v)
{
    size_t i = map_slot(m, s, n);
    if (m->keys[i])
        return m->vals[i];
    if ((m->n + 1) * 2 > m->cap) {
        map_grow(m);
        i = map_slot(m, s, n);
    }
    m->keys[i] = a ? arena_strndup(a, s, n) : s;
    m->vals[i] = v;
    m->n++;
    return v;
}

struct attr_build {
    size_t cap;
    uint32_t *cust;
    const char **value;
};

struct load_ctx {
    struct population *p;
    struct pop_map *raw_tags;  /* tags text as stored -> first of its ids in tag_pool */
    struct pop_map *tag_ids;   /* folded tag -> id */
    struct pop_map *attr_keys; /* attribute name -> column */
    struct attr_build *ab;
    size_t ab_cap, tag_names_cap, tag_pool_cap;
};

/* Splits tags text as filter.c's has_tag does (commas, spaces and tabs trimmed, empty parts
 * skipped) into interned ids. The pool holds one run per distinct text, [count, id, id ...],
 * shared by all customers with that text (most share a handful of combinations). */
static void intern_tags(struct load_ctx *lc, long i, const char *tags)
{
    struct population *p = lc->p;
    size_t len = strlen(tags);
    int32_t at = map_get(lc->raw_tags, tags, len);
    if (at < 0) {
        const char *q = tags;
        size_t head = p->tag_pool_len;
        p->tag_pool = xgrow(p->tag_pool, &lc->tag_pool_cap, head + 1, sizeof(int32_t));
        p->tag_pool[p->tag_pool_len++] = 0;
        while (*q) {
            const char *e = strchr(q, ',');
            const char *a = q, *z = e ? e : q + strlen(q);
            while (a < z && (*a == ' ' || *a == '\t'))
                a++;
            while (z > a && (z[-1] == ' ' || z[-1] == '\t'))
                z--;
            if (z > a && p->tag_pool[head] < 65535) {
                char *fold = arena_strndup(&p->strings, a, (size_t)(z - a));
                char *f;
                int32_t id;
                for (f = fold; *f; f++)
                    if (*f >= 'A' && *f <= 'Z')
                        *f = (char)(*f - 'A' + 'a');
                id = map_put(lc->tag_ids, NULL, fold, strlen(fold), p->ntag_names);
                if (id == p->ntag_names) {
                    p->tag_names =
                        xgrow(p->tag_names, &lc->tag_names_cap, (size_t)id + 1, sizeof(char *));
                    p->tag_names[p->ntag_names++] = fold;
                }
                p->tag_pool =
                    xgrow(p->tag_pool, &lc->tag_pool_cap, p->tag_pool_len + 1, sizeof(int32_t));
                p->tag_pool[p->tag_pool_len++] = id;
                p->tag_pool[head]++;
            }
            if (!e)
                break;
            q = e + 1;
        }
        at = map_put(lc->raw_tags, &p->strings, tags, len, (int32_t)head);
    }
    p->tag_start[i] = (uint32_t)at + 1;
    p->tag_count[i] = (uint16_t)p->tag_pool[at];
}

static void add_attributes(struct load_ctx *lc, long i, const char *text)
{
    struct population *p = lc->p;
    json_t *root = json_loads(text, 0, NULL);
    const char *key;
    json_t *v;
    if (!root)
        return;
    if (json_is_object(root)) {
        json_object_foreach(root, key, v)
        {
            char *t = filter_attr_text(v);
            int32_t k;
            struct attr_build *b;
            struct filter_attr_column *col;
            if (!t)
                continue;
            k = map_put(lc->attr_keys, &p->strings, key, strlen(key), (int32_t)p->nattr_cols);
            if ((size_t)k == p->nattr_cols) {
                p->attr_cols =
                    xgrow(p->attr_cols, &lc->ab_cap, p->nattr_cols + 1, sizeof(*p->attr_cols));
                lc->ab = xrealloc(lc->ab, lc->ab_cap * sizeof(*lc->ab));
                memset(&p->attr_cols[k], 0, sizeof(p->attr_cols[k]));
                memset(&lc->ab[k], 0, sizeof(lc->ab[k]));
                p->attr_cols[k].key = arena_strndup(&p->strings, key, strlen(key));
                p->nattr_cols++;
            }
            b = &lc->ab[k];
            col = &p->attr_cols[k];
            if (col->n + 1 > b->cap) {
                size_t cap = b->cap;
                b->cust = xgrow(b->cust, &cap, col->n + 1, sizeof(uint32_t));
                b->value = xrealloc(b->value, cap * sizeof(char *));
                b->cap = cap;
            }
            b->cust[col->n] = (uint32_t)i;
            b->value[col->n] = arena_strndup(&p->strings, t, strlen(t));
            col->n++;
            free(t);
        }
    }
    json_decref(root);
}

static int on_customer(void *ctx, const struct customer_fields *c)
{
    struct load_ctx *lc = ctx;
    struct population *p = lc->p;
    long i = ledger_customer_index(p->snap.ledger, c->id);
    if (i < 0)
        return 0; /* created after the snapshot was read */
    p->codes[i] = arena_strndup(&p->strings, c->code, strlen(c->code));
    map_put(p->by_code, NULL, p->codes[i], strlen(p->codes[i]), (int32_t)i);
    if (c->tags)
        intern_tags(lc, i, c->tags);
    if (c->attributes && strcmp(c->attributes, "{}"))
        add_attributes(lc, i, c->attributes);
    p->has_email[i] = c->email != NULL;
    p->unsubscribed[i] = c->unsubscribed_at != NULL;
    p->consent[i] = c->email_consent && !c->unsubscribed_at;
    p->is_company[i] = (uint8_t)c->is_company;
    return 0;
}

static int load_customers(struct db *db, struct population *p, struct ok_err *err)
{
    struct load_ctx lc;
    uint32_t n = p->snap.ledger->ncust, c;
    size_t cap = n ? n : 1, k;
    int rc;
    memset(&lc, 0, sizeof(lc));
    lc.p = p;
    lc.raw_tags = map_new(1024);
    lc.tag_ids = map_new(256);
    lc.attr_keys = map_new(64);
    /* code -> index for population_find, built here so that a held population has it */
    p->by_code = map_new(n);
    p->codes = xcalloc(cap, sizeof(char *));
    p->consent = xcalloc(cap, 1);
    p->has_email = xcalloc(cap, 1);
    p->is_company = xcalloc(cap, 1);
    p->unsubscribed = xcalloc(cap, 1);
    p->lost_reason = xcalloc(cap, sizeof(int32_t));
    p->tag_start = xmalloc(cap * sizeof(uint32_t));
    p->tag_count = xcalloc(cap, sizeof(uint16_t));
    for (c = 0; c < n; c++)
        p->tag_start[c] = FILTER_NO_TAGS;
    rc = store_customer_fields_each(db, 0, on_customer, &lc, err);
    for (k = 0; k < p->nattr_cols; k++) {
        p->attr_cols[k].cust = lc.ab[k].cust;
        p->attr_cols[k].value = lc.ab[k].value;
    }
    free(lc.ab);
    map_free(&lc.raw_tags);
    map_free(&lc.tag_ids);
    map_free(&lc.attr_keys);
    return rc;
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
    return population_set_day_ex(db, p, as_of, 0, err);
}

int population_set_day_ex(struct db *db, struct population *p, int32_t as_of, int states_only,
                          struct ok_err *err)
{
    const struct ledger *l = p->snap.ledger;
    uint32_t c;
    size_t k;
    if (p->have_view) {
        analytics_view_release(&p->view);
        p->have_view = 0;
    }
    p->as_of = as_of;
    /* P(alive) and CLV for a million customers cost about as much as the view: computed here
     * only when the state rule needs them, else when a filter does (population_prepare). */
    free(p->p_alive);
    free(p->clv);
    p->p_alive = p->clv = NULL;
    p->scores_done = 0;
    if (p->snap.settings.state_rule == STATE_RULE_PALIVE) {
        if (load_model_scores(db, p, err) < 0)
            return -1;
        p->scores_done = 1;
    }
    if (analytics_view_compute_ex(&p->view, l, &p->snap.settings, as_of, p->p_alive, states_only,
                                  err) < 0)
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
    p->fp.tag_names = (const char *const *)p->tag_names;
    p->fp.ntag_names = p->ntag_names;
    p->fp.tag_start = p->tag_start;
    p->fp.tag_count = p->tag_count;
    p->fp.tag_pool = p->tag_pool;
    p->fp.attr_columns = p->attr_cols;
    p->fp.nattr_columns = p->nattr_cols;
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
    arena_init(&p->strings, 1 << 20);
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
    size_t k;
    if (p->have_view)
        analytics_view_release(&p->view);
    for (k = 0; k < p->nattr_cols; k++) {
        free((void *)p->attr_cols[k].cust);
        free((void *)p->attr_cols[k].value);
    }
    free(p->attr_cols);
    free(p->codes);
    free(p->consent);
    free(p->has_email);
    free(p->is_company);
    free(p->unsubscribed);
    free(p->lost_reason);
    free(p->p_alive);
    free(p->clv);
    free(p->tag_names);
    free(p->tag_start);
    free(p->tag_count);
    free(p->tag_pool);
    map_free(&p->by_code);
    arena_release(&p->strings);
    snapshot_release(&p->snap);
    memset(p, 0, sizeof(*p));
}

long population_find(struct population *p, const char *code)
{
    uint32_t c, n = p->snap.ledger ? p->snap.ledger->ncust : 0;
    int32_t i;
    if (!code)
        return -1;
    if (!p->by_code) {
        p->by_code = map_new(n);
        for (c = 0; c < n; c++)
            if (p->codes[c])
                map_put(p->by_code, NULL, p->codes[c], strlen(p->codes[c]), (int32_t)c);
    }
    i = map_get(p->by_code, code, strlen(code));
    return i;
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

int population_prepare(struct db *db, struct population *p, struct filter *f, struct ok_err *err)
{
    if (!p->scores_done && (filter_uses(f, "p_alive") || filter_uses(f, "clv"))) {
        if (load_model_scores(db, p, err) < 0)
            return -1;
        p->scores_done = 1;
        p->fp.p_alive = p->p_alive;
        p->fp.clv = p->clv;
    }
    return filter_prepare(f, &p->fp, err);
}

struct filter *population_compile(struct db *db, struct population *p, const char *text,
                                  struct ok_err *err)
{
    struct filter_resolver r;
    struct filter *f = filter_parse(text, err);
    if (!f)
        return NULL;
    population_resolver(db, &r);
    if (filter_bind(f, &r, err) < 0 || (p && population_prepare(db, p, f, err) < 0)) {
        filter_free(&f);
        return NULL;
    }
    return f;
}
