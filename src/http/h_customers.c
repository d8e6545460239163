/*
 * h_customers.c - /api/v1/customers: list and search, create, read, edit with optimistic
 * concurrency (ETag / If-Match or a "version" field), and the customer's timeline.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/json_out.h"
#include "core/mem.h"
#include "http/http.h"
#include "store/activity.h"
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
#define CF(n, m) {n, offsetof(struct customer, m)}
static const struct cfield string_fields[] = {
    CF("code", code),           CF("kind", kind),
    CF("name", name),           CF("name_kana", name_kana),
    CF("company", company),     CF("email", email),
    CF("phone", phone),         CF("postal_code", postal_code),
    CF("address", address),     CF("birthday", birthday),
    CF("source", source),       CF("referred_by", referred_by_code),
    CF("owner", owner_login),   CF("tags", tags),
    CF("cause", cause_code),    CF("cause_note", cause_note),
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
    snap_holder_changed(&r->srv->snap,
                        c.referred_by_code || c.cause_code || nc.in.owner_id < 0 ? NULL
                                                                                  : add_to_snapshot,
                        &nc);
    reply_customer(r, &c);
    snprintf(r->location, sizeof(r->location), "/api/v1/customers/%s", c.code);
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
    if (store_customer_validate(&c, &err) < 0 || store_customer_update(r->db, &r->actor, &c, &err) < 0)
        goto fail;
    analytics = !same(owner, c.owner_login) || !same(source, c.source) ||
                !same(ref, c.referred_by_code) || !same(cause, c.cause_code);
    if (analytics)
        snap_holder_changed(&r->srv->snap, NULL, NULL);
    customer_release(&c);
    if (store_customer_get(r->db, http_param(r, 0), &c, &err) < 0)
        goto fail;
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

static int list_one(void *ctx, const struct customer *c)
{
    struct http_page *p = ctx;
    if (http_page_item(p))
        return 1;
    customer_to_json(c, &p->r->out);
    buf_puts(&p->key, c->code);
    return 0;
}

void h_customers_list(struct http_req *r)
{
    struct http_page p;
    struct customer_query q;
    struct ok_err err;
    ok_err_clear(&err);
    if (http_page_begin(r, &p) < 0)
        goto out;
    memset(&q, 0, sizeof(q));
    q.search = http_query(r, "search");
    q.owner_login = http_query(r, "owner");
    q.after_code = p.cursor;
    q.limit = p.limit + 1;
    if (store_customer_list(r->db, &q, list_one, &p, &err) < 0) {
        http_fail(r, &err);
        goto out;
    }
    http_page_end(&p);
out:
    http_page_release(&p);
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
