/*
 * h_customers.c - /api/v1/customers: list and search, create, read, edit with optimistic
 * concurrency (ETag / If-Match or a "version" field), and the customer's timeline; the list's
 * analytics badges, one customer's value figures and the at-risk list, all read from the
 * snapshot's shared analytics (snap_holder_analytics: computed once per snapshot version).
 */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/rfm.h"
#include "core/date.h"
#include "core/json_out.h"
#include "core/mem.h"
#include "http/http.h"
#include "store/activity.h"
#include "store/clv_fit.h"
#include "store/contract.h"
#include "store/customer.h"
#include "store/deal.h"
#include "store/feedback.h"
#include "store/fields.h"
#include "store/order.h"
#include "store/referral.h"
#include "store/task.h"
#include "core/banned.h"

/* Body field -> struct member, for the plain string fields. */
struct cfield {
    const char *name;
    size_t off;
};
#define CF(n, m)                                                                                   \
    {                                                                                              \
        n, offsetof(struct customer, m)                                                            \
    }
static const struct cfield string_fields[] = {
    CF("code", code),         CF("kind", kind),
    CF("name", name),         CF("name_kana", name_kana),
    CF("company", company),   CF("email", email),
    CF("phone", phone),       CF("postal_code", postal_code),
    CF("address", address),   CF("birthday", birthday),
    CF("source", source),     CF("referred_by", referred_by_code),
    CF("owner", owner_login), CF("tags", tags),
    CF("cause", cause_code),  CF("cause_note", cause_note),
};

/* Copies the fields present in the body over c (null clears). */
static void apply_body(struct http_req *r, struct customer *c)
{
    size_t i;
    json_t *attrs;
    for (i = 0; i < sizeof(string_fields) / sizeof(string_fields[0]); i++)
        if (http_body_has(r, string_fields[i].name))
            customer_set((char **)((char *)c + string_fields[i].off),
                         http_body_str(r, string_fields[i].name));
    if (http_body_has(r, "email_consent"))
        c->email_consent = http_body_bool(r, "email_consent", 0);
    attrs = json_object_get(r->json, "attributes");
    if (attrs) {
        char *text = json_is_null(attrs) ? NULL : json_dumps(attrs, JSON_COMPACT);
        customer_set(&c->attributes, text ? text : "{}");
        free(text);
    }
}

static void reply_customer(struct http_req *r, const struct customer *c)
{
    customer_to_json(c, &r->out);
    snprintf(r->etag, sizeof(r->etag), "\"%lld\"", (long long)c->version);
}

/* Interns a source name in the snapshot's table, as the loader does. */
static int32_t snapshot_source(struct snapshot *s, const char *name)
{
    int32_t i;
    if (!name || !*name)
        return LEDGER_NONE;
    for (i = 0; i < s->nsources; i++)
        if (!strcmp(s->sources[i], name))
            return i;
    s->sources = xrealloc(s->sources, sizeof(char *) * (size_t)(s->nsources + 1));
    s->sources[s->nsources] = xstrdup(name);
    return s->nsources++;
}

struct new_customer {
    struct ledger_customer_in in;
    const char *source;
};

static int add_to_snapshot(struct snapshot *s, void *ctx)
{
    struct new_customer *nc = ctx;
    struct ok_err err;
    nc->in.source_id = snapshot_source(s, nc->source);
    return ledger_add_customer(s->ledger, &nc->in, &err) < 0 ? -1 : 0;
}

void h_customers_create(struct http_req *r)
{
    struct customer c;
    struct ok_err err;
    struct new_customer nc;
    int64_t id;
    memset(&c, 0, sizeof(c));
    ok_err_clear(&err);
    apply_body(r, &c);
    if (store_customer_validate(&c, &err) < 0)
        goto fail;
    id = store_customer_create(r->db, &r->actor, &c, &err);
    if (id < 0)
        goto fail;
    customer_release(&c);
    if (store_customer_get_by_id(r->db, id, &c, &err) < 0)
        goto fail;
    /* The snapshot follows a plain new customer in place; a referrer or a cause needs ids the
     * snapshot resolves on load, so those make it reload. */
    memset(&nc, 0, sizeof(nc));
    nc.in.id = id;
    nc.in.created_day = LEDGER_NO_DAY;
    if (c.created_at && date_parse_iso(c.created_at, 10, &nc.in.created_day) < 0)
        nc.in.created_day = LEDGER_NO_DAY;
    nc.in.owner_id = LEDGER_NONE;
    nc.in.referred_by = LEDGER_NONE;
    nc.in.cause_id = LEDGER_NONE;
    nc.source = c.source;
    if (c.owner_login) {
        nc.in.owner_id = store_ref_user(r->db, c.owner_login, "owner", &err);
        ok_err_clear(&err);
    } else {
        nc.in.flags = LEDGER_CUST_TEAM;
    }
    snap_holder_changed(
        &r->srv->snap,
        c.referred_by_code || c.cause_code || nc.in.owner_id < 0 ? NULL : add_to_snapshot, &nc);
    reply_customer(r, &c);
    http_set_location(r, "/api/v1/customers/", c.code);
    customer_release(&c);
    return;
fail:
    http_fail(r, &err);
    customer_release(&c);
}

void h_customers_get(struct http_req *r)
{
    struct customer c;
    struct ok_err err;
    memset(&c, 0, sizeof(c));
    ok_err_clear(&err);
    if (store_customer_get(r->db, http_param(r, 0), &c, &err) < 0)
        http_fail(r, &err);
    else
        reply_customer(r, &c);
    customer_release(&c);
}

static int same(const char *a, const char *b)
{
    return !strcmp(a ? a : "", b ? b : "");
}

void h_customers_update(struct http_req *r)
{
    struct customer c;
    struct ok_err err;
    int64_t version = 0;
    int any, has, analytics;
    char *owner = NULL, *source = NULL, *ref = NULL, *cause = NULL;
    memset(&c, 0, sizeof(c));
    ok_err_clear(&err);
    has = http_expected_version(r, &version, &any);
    if (has < 0)
        return;
    if (has == 0) {
        http_error(r, 428, "precondition_required", "version",
                   "send If-Match with the customer's ETag, or its \"version\", so that edits "
                   "made meanwhile are not overwritten");
        return;
    }
    if (store_customer_get(r->db, http_param(r, 0), &c, &err) < 0)
        goto fail;
    if (!any && version != c.version) {
        http_error(r, 409, "conflict", "version",
                   "the customer was changed by someone else (version %lld, you edited %lld); "
                   "reload it and apply your change again",
                   (long long)c.version, (long long)version);
        goto out;
    }
    owner = c.owner_login ? xstrdup(c.owner_login) : NULL;
    source = c.source ? xstrdup(c.source) : NULL;
    ref = c.referred_by_code ? xstrdup(c.referred_by_code) : NULL;
    cause = c.cause_code ? xstrdup(c.cause_code) : NULL;
    apply_body(r, &c);
    if (!any)
        c.version = version;
    if (store_customer_validate(&c, &err) < 0 ||
        store_customer_update(r->db, &r->actor, &c, &err) < 0)
        goto fail;
    analytics = !same(owner, c.owner_login) || !same(source, c.source) ||
                !same(ref, c.referred_by_code) || !same(cause, c.cause_code);
    if (analytics)
        snap_holder_changed(&r->srv->snap, NULL, NULL);
    /* The state this edit wrote (the audit log's "after") with the version it made: a re-read
     * could already show someone else's later edit under that edit's ETag. */
    reply_customer(r, &c);
    goto out;
fail:
    http_fail(r, &err);
out:
    free(owner);
    free(source);
    free(ref);
    free(cause);
    customer_release(&c);
}

/* ---- list: the customers of the page, each with its analytics badges ---- */

struct list_page {
    struct http_page p;
    /* per item written: its customer id and where its closing '}' is in r->out */
    int64_t *ids;
    size_t *close_at;
    size_t n, alloc_ids, alloc_close;
};

static int list_one(void *ctx, const struct customer *c)
{
    struct list_page *lp = ctx;
    if (http_page_item(&lp->p))
        return 1;
    customer_to_json(c, &lp->p.r->out);
    lp->ids = xgrow(lp->ids, &lp->alloc_ids, lp->n + 1, sizeof(*lp->ids));
    lp->close_at = xgrow(lp->close_at, &lp->alloc_close, lp->n + 1, sizeof(*lp->close_at));
    lp->ids[lp->n] = c->id;
    lp->close_at[lp->n] = lp->p.r->out.len - 1;
    lp->n++;
    buf_puts(&lp->p.key, c->code);
    return 0;
}

static void put_double(struct buf *out, const char *name, double v, int digits)
{
    buf_printf(out, ",\"%s\":", name);
    if (isfinite(v))
        buf_printf(out, "%.*f", digits, v);
    else
        buf_puts(out, "null");
}

static void put_day(struct buf *out, const char *name, int32_t day)
{
    char d[11];
    buf_printf(out, ",\"%s\":", name);
    if (day == LEDGER_NO_DAY) {
        buf_puts(out, "null");
        return;
    }
    date_format_iso(day, d);
    buf_printf(out, "\"%s\"", d);
}

/* The badge fields of ledger customer c (idx < 0: not in the snapshot), each starting ",". */
static void badges_json(struct buf *out, const struct snap_analytics *a, long idx)
{
    const struct analytics_view *v = &a->view;
    if (idx < 0 || (uint32_t)idx >= v->n || v->state[idx] == CUST_STATE_NONE) {
        buf_puts(out, ",\"state\":null,\"stage\":null,\"rfm\":null,\"rfm_segment\":null,"
                      "\"orders\":0,\"revenue\":0,\"last_purchase\":null,\"p_alive\":null");
        return;
    }
    buf_printf(out, ",\"state\":\"%s\",\"stage\":\"%s\",\"rfm\":",
               cust_state_id((enum cust_state)v->state[idx]),
               cust_stage_id((enum cust_stage)v->stage[idx]));
    if (v->r[idx] && v->f[idx] && v->mo[idx])
        buf_printf(out, "\"%d%d%d\",\"rfm_segment\":\"%s\"", v->r[idx], v->f[idx], v->mo[idx],
                   rfm_segment_id(rfm_segment_of(v->r[idx], v->f[idx])));
    else
        buf_puts(out, "null,\"rfm_segment\":null");
    buf_printf(out, ",\"orders\":%u,\"revenue\":%lld", v->m[idx].orders,
               (long long)v->m[idx].revenue);
    put_day(out, "last_purchase", v->m[idx].last_day);
    put_double(out, "p_alive", a->values.n ? a->values.p_alive[idx] : NAN, 4);
}

struct badge_ctx {
    const struct snapshot *snap;
    const struct list_page *lp;
    const struct buf *in;
    struct buf *out;
};

/* Copies the page's JSON, putting each item's badges before its closing brace. */
static int splice_badges(const struct snap_analytics *a, void *ctx)
{
    struct badge_ctx *b = ctx;
    size_t i, from = 0;
    for (i = 0; i < b->lp->n; i++) {
        buf_append(b->out, b->in->data + from, b->lp->close_at[i] - from);
        badges_json(b->out, a, ledger_customer_index(b->snap->ledger, b->lp->ids[i]));
        from = b->lp->close_at[i];
    }
    buf_append(b->out, b->in->data + from, b->in->len - from);
    return 0;
}

void h_customers_list(struct http_req *r)
{
    struct list_page lp;
    struct customer_query q;
    struct ok_err err;
    const struct snapshot *snap;
    struct buf page;
    struct badge_ctx b;
    int rc;
    memset(&lp, 0, sizeof(lp));
    ok_err_clear(&err);
    if (http_page_begin(r, &lp.p) < 0)
        goto out;
    memset(&q, 0, sizeof(q));
    q.search = http_query(r, "search");
    q.owner_login = http_query(r, "owner");
    q.after_code = lp.p.cursor;
    q.limit = lp.p.limit + 1;
    if (store_customer_list(r->db, &q, list_one, &lp, &err) < 0)
        goto fail;
    http_page_end(&lp.p);
    snap = snap_holder_acquire(&r->srv->snap, r->db, &err);
    if (!snap)
        goto fail;
    /* r->out holds the page without badges: rebuild it with them */
    buf_init(&page, r->out.len + lp.n * 160);
    b.snap = snap;
    b.lp = &lp;
    b.in = &r->out;
    b.out = &page;
    rc = snap_holder_analytics(&r->srv->snap, r->db, snap, snapshot_today(snap), splice_badges, &b,
                               &err);
    snap_holder_end(&r->srv->snap);
    if (rc < 0) {
        buf_release(&page);
        goto fail;
    }
    buf_release(&r->out);
    r->out = page;
    goto out;
fail:
    buf_reset(&r->out);
    http_fail(r, &err);
out:
    free(lp.ids);
    free(lp.close_at);
    http_page_release(&lp.p);
}

/* ---- one customer's value figures ---- */

struct value_ctx {
    long idx;
    int have_model;
    char model[16];
    int64_t fit_id;
    double p_alive, expected, clv;
    int32_t last_day;
    uint32_t orders;
    int64_t revenue;
    uint8_t state;
};

static int value_copy(const struct snap_analytics *a, void *ctx)
{
    struct value_ctx *v = ctx;
    v->have_model = a->values.n > 0;
    snprintf(v->model, sizeof(v->model), "%s", a->values.model);
    v->fit_id = a->values.fit_id;
    v->p_alive = v->expected = v->clv = NAN;
    v->last_day = LEDGER_NO_DAY;
    if (v->idx < 0 || (uint32_t)v->idx >= a->view.n)
        return 0;
    v->state = a->view.state[v->idx];
    v->last_day = a->view.m[v->idx].last_day;
    v->orders = a->view.m[v->idx].orders;
    v->revenue = a->view.m[v->idx].revenue;
    if (v->have_model && (uint32_t)v->idx < a->values.n) {
        v->p_alive = a->values.p_alive[v->idx];
        v->expected = a->values.expected[v->idx];
        v->clv = a->values.clv[v->idx];
    }
    return 0;
}

void h_customers_value(struct http_req *r)
{
    struct customer c;
    struct value_ctx v;
    struct ok_err err;
    const struct snapshot *snap;
    struct clv_fit_record rec;
    char day[11];
    int32_t as_of;
    int rc, first = 1;
    memset(&c, 0, sizeof(c));
    memset(&v, 0, sizeof(v));
    memset(&rec, 0, sizeof(rec));
    ok_err_clear(&err);
    if (store_customer_get(r->db, http_param(r, 0), &c, &err) < 0)
        goto fail;
    snap = snap_holder_acquire(&r->srv->snap, r->db, &err);
    if (!snap)
        goto fail;
    as_of = snapshot_today(snap);
    v.idx = ledger_customer_index(snap->ledger, c.id);
    rc = snap_holder_analytics(&r->srv->snap, r->db, snap, as_of, value_copy, &v, &err);
    snap_holder_end(&r->srv->snap);
    if (rc < 0)
        goto fail;
    date_format_iso(as_of, day);
    buf_putc(&r->out, '{');
    json_out_field_string(&r->out, &first, "customer_code", c.code);
    buf_printf(&r->out, ",\"as_of\":\"%s\",\"state\":", day);
    if (v.idx >= 0 && v.state != CUST_STATE_NONE)
        buf_printf(&r->out, "\"%s\"", cust_state_id((enum cust_state)v.state));
    else
        buf_puts(&r->out, "null");
    buf_printf(&r->out, ",\"orders\":%u,\"revenue\":%lld", v.orders, (long long)v.revenue);
    put_day(&r->out, "last_purchase", v.last_day);
    if (!v.have_model) {
        buf_puts(&r->out, ",\"value\":null,\"reason\":\"no model fitted: POST /api/v1/clv/fit "
                          "(model bgnbd, then gamma-gamma) or `okaeri clv fit`\"}");
        goto out;
    }
    if (store_clv_fit_latest(r->db, v.model, 1, &rec, &err) < 0)
        goto fail;
    buf_puts(&r->out, ",\"value\":{");
    first = 1;
    json_out_field_string(&r->out, &first, "model", v.model);
    buf_printf(&r->out, ",\"fit_id\":%lld", (long long)v.fit_id);
    json_out_field_string(&r->out, &first, "fitted_at", rec.id == v.fit_id ? rec.fitted_at : NULL);
    buf_printf(&r->out, ",\"horizon_days\":%d", VALUES_HORIZON_DAYS);
    put_double(&r->out, "p_alive", v.p_alive, 4);
    put_double(&r->out, "expected_purchases", v.expected, 4);
    put_double(&r->out, "clv", v.clv, 0);
    buf_putc(&r->out, '}');
    if (!isfinite(v.p_alive))
        buf_puts(&r->out,
                 ",\"reason\":\"no purchase yet: the model predicts from past purchases\"");
    buf_putc(&r->out, '}');
    goto out;
fail:
    buf_reset(&r->out);
    http_fail(r, &err);
out:
    clv_fit_record_release(&rec);
    customer_release(&c);
}

/* ---- at risk: valuable customers who stopped buying ---- */

#define AT_RISK_MAX 100

struct risk {
    uint32_t idx;
    int64_t revenue;
    double score; /* revenue, or with a model revenue x (1 - P(alive)): what is at stake */
    double p_alive, clv;
    int32_t last_day;
};

struct risk_ctx {
    struct risk top[AT_RISK_MAX];
    size_t n, limit;
    int have_model;
};

/* Sleeping customers by what is at stake, kept as a sorted top-N: their revenue so far, or with
 * a value model their revenue times the probability they are gone (1 - P(alive)), so that a big
 * spender the model still thinks likely to come back ranks below one it has given up on. P(alive)
 * is not used as a cut-off: BG/NBD gives infrequent buyers a high P(alive) for a long time. */
static int risk_select(const struct snap_analytics *a, void *ctx)
{
    struct risk_ctx *k = ctx;
    const struct analytics_view *v = &a->view;
    uint32_t i;
    k->have_model = a->values.n > 0;
    for (i = 0; i < v->n; i++) {
        struct risk x;
        size_t j;
        if (v->state[i] != CUST_STATE_SLEEPING || v->m[i].revenue <= 0)
            continue;
        x.p_alive = k->have_model ? a->values.p_alive[i] : NAN;
        x.score = (double)v->m[i].revenue * (isfinite(x.p_alive) ? 1.0 - x.p_alive : 1.0);
        if (k->n == k->limit && x.score <= k->top[k->n - 1].score)
            continue;
        x.idx = i;
        x.revenue = v->m[i].revenue;
        x.clv = k->have_model ? a->values.clv[i] : NAN;
        x.last_day = v->m[i].last_day;
        j = k->n < k->limit ? k->n++ : k->n - 1;
        while (j > 0 && k->top[j - 1].score < x.score) {
            k->top[j] = k->top[j - 1];
            j--;
        }
        k->top[j] = x;
    }
    return 0;
}

void h_customers_at_risk(struct http_req *r)
{
    struct risk_ctx *k = xcalloc(1, sizeof(*k));
    struct ok_err err;
    const struct snapshot *snap;
    int64_t limit, *ids = NULL;
    size_t i;
    int rc;
    ok_err_clear(&err);
    if (http_query_int(r, "limit", 1, AT_RISK_MAX, 10, &limit) < 0)
        goto out;
    k->limit = (size_t)limit;
    snap = snap_holder_acquire(&r->srv->snap, r->db, &err);
    if (!snap)
        goto fail;
    rc = snap_holder_analytics(&r->srv->snap, r->db, snap, snapshot_today(snap), risk_select, k,
                               &err);
    ids = xmalloc(sizeof(*ids) * (k->n ? k->n : 1));
    for (i = 0; rc == 0 && i < k->n; i++)
        ids[i] = snap->ledger->cust_id[k->top[i].idx];
    snap_holder_end(&r->srv->snap);
    if (rc < 0)
        goto fail;
    buf_printf(&r->out, "{\"model\":%s,\"items\":[", k->have_model ? "true" : "false");
    for (i = 0; i < k->n; i++) {
        struct customer c;
        int first = 1;
        memset(&c, 0, sizeof(c));
        if (store_customer_get_by_id(r->db, ids[i], &c, &err) < 0) {
            customer_release(&c);
            goto fail;
        }
        if (i)
            buf_putc(&r->out, ',');
        buf_putc(&r->out, '{');
        json_out_field_string(&r->out, &first, "code", c.code);
        json_out_field_string(&r->out, &first, "name", c.name);
        json_out_field_string(&r->out, &first, "name_kana", c.name_kana);
        json_out_field_string(&r->out, &first, "owner", c.owner_login);
        buf_printf(&r->out, ",\"revenue\":%lld", (long long)k->top[i].revenue);
        put_day(&r->out, "last_purchase", k->top[i].last_day);
        put_double(&r->out, "p_alive", k->top[i].p_alive, 4);
        put_double(&r->out, "clv", k->top[i].clv, 0);
        put_double(&r->out, "at_stake", k->top[i].score, 0);
        buf_putc(&r->out, '}');
        customer_release(&c);
    }
    buf_puts(&r->out, "]}");
    goto out;
fail:
    buf_reset(&r->out);
    http_fail(r, &err);
out:
    free(ids);
    free(k);
}

/* ---- timeline: everything that happened with one customer, newest first ---- */

#define TIMELINE_PER_KIND 5000

struct event {
    char at[20]; /* 'YYYY-MM-DD' or 'YYYY-MM-DD HH:MM:SS' */
    const char *kind;
    int64_t id;
    char *json;
};

struct timeline {
    struct event *ev;
    size_t n, alloc;
    struct buf tmp;
};

static void push(struct timeline *t, const char *at, const char *kind, int64_t id)
{
    struct event *e;
    t->ev = xgrow(t->ev, &t->alloc, t->n + 1, sizeof(*t->ev));
    e = &t->ev[t->n++];
    snprintf(e->at, sizeof(e->at), "%s", at ? at : "");
    e->kind = kind;
    e->id = id;
    e->json = buf_detach(&t->tmp, NULL);
}

static int on_order(void *ctx, const struct order_line *o)
{
    order_line_to_json(o, &((struct timeline *)ctx)->tmp);
    push(ctx, o->ordered_at, "order", o->id);
    return 0;
}
static int on_deal(void *ctx, const struct deal *d)
{
    deal_to_json(d, &((struct timeline *)ctx)->tmp);
    push(ctx, d->closed_at ? d->closed_at : d->opened_at, "deal", d->id);
    return 0;
}
static int on_activity(void *ctx, const struct activity *a)
{
    activity_to_json(a, &((struct timeline *)ctx)->tmp);
    push(ctx, a->occurred_at, "activity", a->id);
    return 0;
}
static int on_contract(void *ctx, const struct contract *k)
{
    contract_to_json(k, &((struct timeline *)ctx)->tmp);
    push(ctx, k->start_on, "contract", k->id);
    return 0;
}
static int on_referral(void *ctx, const struct referral *rf)
{
    referral_to_json(rf, &((struct timeline *)ctx)->tmp);
    push(ctx, rf->referred_on, "referral", rf->id);
    return 0;
}
static int on_feedback(void *ctx, const struct feedback *f)
{
    feedback_to_json(f, &((struct timeline *)ctx)->tmp);
    push(ctx, f->received_on, "feedback", f->id);
    return 0;
}
static int on_task(void *ctx, const struct task *t)
{
    task_to_json(t, &((struct timeline *)ctx)->tmp);
    push(ctx, t->due_on, "task", t->id);
    return 0;
}

/* Newest first; ties by kind and id so that the order (and so the cursor) is total. */
static int event_cmp(const void *a, const void *b)
{
    const struct event *x = a, *y = b;
    int c = strcmp(y->at, x->at);
    if (c)
        return c;
    c = strcmp(y->kind, x->kind);
    if (c)
        return c;
    return x->id < y->id ? 1 : x->id > y->id ? -1 : 0;
}

void h_customers_timeline(struct http_req *r)
{
    const char *code = http_param(r, 0);
    struct timeline t;
    struct http_page p;
    struct customer c;
    struct ok_err err;
    struct event cur;
    size_t i;
    int have_cursor = 0, rc = 0;
    memset(&t, 0, sizeof(t));
    memset(&c, 0, sizeof(c));
    buf_init(&t.tmp, 0);
    ok_err_clear(&err);
    if (http_page_begin(r, &p) < 0)
        goto out;
    if (p.cursor) {
        /* cursor: at|kind|id of the last event shown */
        char kind[16];
        long long id;
        char at[20];
        if (sscanf(p.cursor, "%19[^|]|%15[^|]|%lld", at, kind, &id) != 3) {
            http_error(r, 400, "invalid", "cursor", "cursor is not one this server gave out");
            goto out;
        }
        snprintf(cur.at, sizeof(cur.at), "%s", at);
        cur.kind = xstrdup(kind);
        cur.id = id;
        have_cursor = 1;
    }
    if (store_customer_get(r->db, code, &c, &err) < 0)
        goto fail;
    {
        struct order_query oq = {.customer_code = code, .limit = TIMELINE_PER_KIND};
        struct deal_query dq = {.customer_code = code, .limit = TIMELINE_PER_KIND};
        struct activity_query aq = {.customer_code = code, .limit = TIMELINE_PER_KIND};
        struct contract_query kq = {.customer_code = code, .limit = TIMELINE_PER_KIND};
        struct referral_query rq = {.referrer_code = code, .limit = TIMELINE_PER_KIND};
        struct feedback_query fq = {.customer_code = code, .limit = TIMELINE_PER_KIND};
        struct task_query tq = {.customer_code = code, .limit = TIMELINE_PER_KIND};
        if (store_order_list(r->db, &oq, on_order, &t, &err) < 0 ||
            store_deal_list(r->db, &dq, on_deal, &t, &err) < 0 ||
            store_activity_list(r->db, &aq, on_activity, &t, &err) < 0 ||
            store_contract_list(r->db, &kq, on_contract, &t, &err) < 0 ||
            store_referral_list(r->db, &rq, on_referral, &t, &err) < 0 ||
            store_feedback_list(r->db, &fq, on_feedback, &t, &err) < 0 ||
            store_task_list(r->db, &tq, on_task, &t, &err) < 0)
            goto fail;
    }
    if (t.n > 1)
        qsort(t.ev, t.n, sizeof(*t.ev), event_cmp);
    for (i = 0; i < t.n; i++) {
        if (have_cursor && event_cmp(&t.ev[i], &cur) <= 0)
            continue;
        if (http_page_item(&p))
            break;
        buf_puts(&r->out, "{\"kind\":");
        json_out_string(&r->out, t.ev[i].kind, (size_t)-1);
        buf_puts(&r->out, ",\"at\":");
        json_out_string(&r->out, t.ev[i].at, (size_t)-1);
        buf_puts(&r->out, ",\"item\":");
        buf_puts(&r->out, t.ev[i].json);
        buf_putc(&r->out, '}');
        buf_printf(&p.key, "%s|%s|%lld", t.ev[i].at, t.ev[i].kind, (long long)t.ev[i].id);
    }
    http_page_end(&p);
    goto out;
fail:
    rc = -1;
    http_fail(r, &err);
out:
    (void)rc;
    if (have_cursor)
        free((char *)cur.kind);
    for (i = 0; i < t.n; i++)
        free(t.ev[i].json);
    free(t.ev);
    buf_release(&t.tmp);
    customer_release(&c);
    http_page_release(&p);
}
