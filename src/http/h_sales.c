/*
 * h_sales.c - /api/v1/orders, /api/v1/deals and /api/v1/products.
 *
 * An order line is added to the ledger snapshot in place as soon as its transaction commits, so
 * the next report counts it, and so is a deal created, edited, won, lost or reopened (unless its
 * id came below a loaded one, see snapshot_apply_deal); an order line edited or deleted makes the
 * snapshot reload before the next report.
 *
 * Edits (PATCH orders and deals, DELETE orders) need the version the client saw, as the customer
 * PATCH does: If-Match with the ETag of the GET, or "version" in the body (DELETE: ?version=);
 * 428 without, 409 when the record changed meanwhile.
 */
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/mem.h"
#include "http/http.h"
#include "store/deal.h"
#include "store/fields.h"
#include "store/history.h"
#include "store/order.h"
#include "store/product.h"
#include "core/banned.h"

static int parse_id(const char *s, int64_t *out)
{
    char *end;
    long long v;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v <= 0)
        return -1;
    *out = v;
    return 0;
}

/* ---- orders ---- */

struct new_line {
    struct ledger_line_in in;
};

static int add_line(struct snapshot *s, void *ctx)
{
    struct new_line *nl = ctx;
    struct ok_err err;
    return ledger_add_lines(s->ledger, &nl->in, 1, &err);
}

void h_orders_create(struct http_req *r)
{
    struct order_line o;
    struct ok_err err;
    struct new_line nl;
    int64_t id, cust, prod = 0;
    int32_t secs;
    memset(&o, 0, sizeof(o));
    ok_err_clear(&err);
    store_field_set(&o.order_code, http_body_str(r, "order_code"));
    store_field_set(&o.customer_code, http_body_str(r, "customer_code"));
    store_field_set(&o.ordered_at, http_body_str(r, "ordered_at"));
    store_field_set(&o.product_sku, http_body_str(r, "product"));
    store_field_set(&o.channel, http_body_str(r, "channel"));
    store_field_set(&o.store, http_body_str(r, "store"));
    store_field_set(&o.original_code, http_body_str(r, "original_code"));
    o.line_no = http_body_int(r, "line_no", 0);
    o.quantity = http_body_int(r, "quantity", 0);
    if (json_is_integer(json_object_get(r->json, "unit_price"))) {
        o.unit_price = http_body_int(r, "unit_price", 0);
        o.has_unit_price = 1;
    }
    if (json_is_integer(json_object_get(r->json, "amount"))) {
        o.amount = http_body_int(r, "amount", 0);
        o.has_amount = 1;
    }
    if (o.line_no < 0) {
        http_error(r, 400, "invalid", "line_no", "line_no must be 1 or more (or absent)");
        goto out;
    }
    id = store_order_add(r->db, &r->actor, &o, &err);
    if (id < 0)
        goto fail;
    memset(&nl, 0, sizeof(nl));
    cust = store_ref_customer(r->db, o.customer_code, "customer_code", &err);
    if (o.product_sku)
        prod = store_ref_product(r->db, o.product_sku, "product", &err);
    if (cust > 0 && prod >= 0 && o.ordered_at &&
        date_parse_datetime(o.ordered_at, strlen(o.ordered_at), &nl.in.day, &secs) == 0) {
        nl.in.customer_id = cust;
        nl.in.amount = o.amount;
        nl.in.order_key = store_order_key(o.order_code, strlen(o.order_code));
        nl.in.product_key = (uint32_t)(prod > 0 ? prod : 0);
        snap_holder_changed(&r->srv->snap, add_line, &nl);
    } else {
        snap_holder_changed(&r->srv->snap, NULL, NULL);
    }
    order_line_to_json(&o, &r->out);
    snprintf(r->location, sizeof(r->location), "/api/v1/orders?customer=%s", o.customer_code);
    goto out;
fail:
    http_fail(r, &err);
out:
    order_line_release(&o);
}

static int order_one(void *ctx, const struct order_line *o)
{
    struct http_page *p = ctx;
    if (http_page_item(p))
        return 1;
    order_line_to_json(o, &p->r->out);
    buf_put_i64(&p->key, o->id);
    return 0;
}

void h_orders_list(struct http_req *r)
{
    struct http_page p;
    struct order_query q;
    struct ok_err err;
    int32_t from, to;
    int has_from, has_to;
    char from_s[11], to_s[11];
    ok_err_clear(&err);
    memset(&q, 0, sizeof(q));
    if (http_page_begin(r, &p) < 0 || http_query_date(r, "from", &from, &has_from) < 0 ||
        http_query_date(r, "to", &to, &has_to) < 0)
        goto out;
    if (p.cursor && parse_id(p.cursor, &q.after_id) < 0) {
        http_error(r, 400, "invalid", "cursor", "cursor is not one this server gave out");
        goto out;
    }
    if (has_from) {
        date_format_iso(from, from_s);
        q.from = from_s;
    }
    if (has_to) {
        date_format_iso(to, to_s);
        q.to = to_s;
    }
    q.customer_code = http_query(r, "customer");
    q.limit = p.limit + 1;
    if (store_order_list(r->db, &q, order_one, &p, &err) < 0) {
        http_fail(r, &err);
        goto out;
    }
    http_page_end(&p);
out:
    http_page_release(&p);
}

/* The line of path parameter 0 into *o (reply 404 and -1 when there is none). */
static int order_load(struct http_req *r, struct order_line *o)
{
    struct ok_err err;
    int64_t id;
    ok_err_clear(&err);
    memset(o, 0, sizeof(*o));
    if (http_parse_id(http_param(r, 0), &id) < 0) {
        http_error(r, 404, "not_found", NULL, "there is no order line '%s'", http_param(r, 0));
        return -1;
    }
    if (store_order_get(r->db, id, o, &err) < 0) {
        http_fail(r, &err);
        return -1;
    }
    return 0;
}

static void reply_order(struct http_req *r, const struct order_line *o)
{
    order_line_to_json(o, &r->out);
    snprintf(r->etag, sizeof(r->etag), "\"%lld\"", (long long)o->version);
}

/* The version the client edited (428 / 400 / 409 replied and -1 when missing, bad or stale):
 * If-Match "*" means the current one. */
static int edit_version(struct http_req *r, const char *what, int64_t current, int64_t *version)
{
    int any, has = http_expected_version(r, version, &any);
    if (has < 0)
        return -1;
    if (has == 0) {
        http_error(r, 428, "precondition_required", "version",
                   "send If-Match with the %s's ETag, or its \"version\", so that edits made "
                   "meanwhile are not overwritten",
                   what);
        return -1;
    }
    if (any)
        *version = current;
    if (*version != current) {
        http_error(r, 409, "conflict", "version",
                   "the %s was changed by someone else (version %lld, you edited %lld); reload "
                   "it and apply your change again",
                   what, (long long)current, (long long)*version);
        return -1;
    }
    return 0;
}

void h_orders_get(struct http_req *r)
{
    struct order_line o;
    if (order_load(r, &o) == 0)
        reply_order(r, &o);
    order_line_release(&o);
}

void h_orders_update(struct http_req *r)
{
    struct order_line o;
    struct ok_err err;
    int64_t version;
    int repriced;
    ok_err_clear(&err);
    if (order_load(r, &o) < 0 || edit_version(r, "order line", o.version, &version) < 0)
        goto out;
    o.version = version;
    if (http_body_has(r, "ordered_at"))
        store_field_set(&o.ordered_at, http_body_str(r, "ordered_at"));
    if (http_body_has(r, "product"))
        store_field_set(&o.product_sku, http_body_str(r, "product"));
    if (http_body_has(r, "channel"))
        store_field_set(&o.channel, http_body_str(r, "channel"));
    if (http_body_has(r, "store"))
        store_field_set(&o.store, http_body_str(r, "store"));
    if (http_body_has(r, "quantity"))
        o.quantity = http_body_int(r, "quantity", 0);
    if (http_body_has(r, "unit_price")) {
        o.has_unit_price = json_is_integer(json_object_get(r->json, "unit_price"));
        o.unit_price = http_body_int(r, "unit_price", 0);
    }
    /* a new quantity or unit price without an amount: the amount follows them (null amount:
     * recomputed too) */
    repriced = (http_body_has(r, "quantity") || http_body_has(r, "unit_price")) && o.has_unit_price;
    if (http_body_has(r, "amount")) {
        o.has_amount = json_is_integer(json_object_get(r->json, "amount"));
        o.amount = http_body_int(r, "amount", 0);
    } else if (repriced) {
        o.has_amount = 0;
    }
    if (store_order_update(r->db, &r->actor, &o, &err) < 0) {
        http_fail(r, &err);
        goto out;
    }
    snap_holder_changed(&r->srv->snap, NULL, NULL);
    reply_order(r, &o);
out:
    order_line_release(&o);
}

void h_orders_delete(struct http_req *r)
{
    struct order_line o;
    struct ok_err err;
    int64_t version = 0;
    ok_err_clear(&err);
    if (order_load(r, &o) < 0)
        goto out;
    if (http_query(r, "version") && !http_header(r, "If-Match")) {
        if (http_query_int(r, "version", 1, INT64_MAX, 0, &version) < 0)
            goto out;
        if (version != o.version) {
            http_error(r, 409, "conflict", "version",
                       "the order line was changed by someone else (version %lld, you saw %lld); "
                       "reload it",
                       (long long)o.version, (long long)version);
            goto out;
        }
    } else if (edit_version(r, "order line", o.version, &version) < 0) {
        goto out;
    }
    if (store_order_delete(r->db, &r->actor, o.id, version, &err) < 0) {
        http_fail(r, &err);
        goto out;
    }
    snap_holder_changed(&r->srv->snap, NULL, NULL);
out:
    order_line_release(&o);
}

/* ---- deals ---- */

struct deal_write {
    struct db *db;
    int64_t id;
};

/* Under the snapshot's write lock: the deal as stored now, so that of two writes to one deal
 * the later state wins whichever applies last. */
static int apply_deal(struct snapshot *s, void *ctx)
{
    struct deal_write *w = ctx;
    struct ok_err err;
    ok_err_clear(&err);
    return snapshot_apply_deal(s, w->db, w->id, &err) == 0 ? 0 : -1;
}

/* After a committed write of deal id: the snapshot follows it in place when it can (see
 * snapshot_apply_deal), else reloads before the next report. */
static void deal_changed(struct http_req *r, int64_t id)
{
    struct deal_write w = {r->db, id};
    snap_holder_changed(&r->srv->snap, id > 0 ? apply_deal : NULL, &w);
}

/* The id of deal ref (id or code), 0 when it cannot be read. */
static int64_t deal_id_of(struct http_req *r, const char *ref)
{
    struct deal d;
    struct ok_err err;
    int64_t id;
    ok_err_clear(&err);
    id = store_deal_get(r->db, ref, &d, &err) < 0 ? 0 : d.id;
    deal_release(&d);
    return id;
}

static void reply_deal(struct http_req *r, const char *ref)
{
    struct deal d;
    struct ok_err err;
    memset(&d, 0, sizeof(d));
    ok_err_clear(&err);
    if (store_deal_get(r->db, ref, &d, &err) < 0) {
        http_fail(r, &err);
    } else {
        deal_to_json(&d, &r->out);
        snprintf(r->etag, sizeof(r->etag), "\"%lld\"", (long long)d.version);
    }
    deal_release(&d);
}

void h_deals_create(struct http_req *r)
{
    struct deal d;
    struct ok_err err;
    int64_t id;
    char ref[24];
    memset(&d, 0, sizeof(d));
    ok_err_clear(&err);
    store_field_set(&d.code, http_body_str(r, "code"));
    store_field_set(&d.customer_code, http_body_str(r, "customer_code"));
    store_field_set(&d.kind, http_body_str(r, "kind"));
    store_field_set(&d.title, http_body_str(r, "title"));
    store_field_set(&d.opened_at, http_body_str(r, "opened_at"));
    store_field_set(&d.owner_login, http_body_str(r, "owner"));
    store_field_set(&d.trigger, http_body_str(r, "trigger"));
    store_field_set(&d.product_sku, http_body_str(r, "product"));
    d.amount = http_body_int(r, "amount", 0);
    if (!d.opened_at) {
        char now[20];
        store_now_local(NULL, now);
        now[10] = '\0';
        store_field_set(&d.opened_at, now);
    }
    id = store_deal_create(r->db, &r->actor, &d, &err);
    if (id < 0) {
        http_fail(r, &err);
        goto out;
    }
    deal_changed(r, id);
    snprintf(ref, sizeof(ref), "%lld", (long long)id);
    reply_deal(r, ref);
    http_set_location(r, "/api/v1/deals/", ref);
out:
    deal_release(&d);
}

void h_deals_get(struct http_req *r)
{
    reply_deal(r, http_param(r, 0));
}

void h_deals_win(struct http_req *r)
{
    struct ok_err err;
    ok_err_clear(&err);
    if (store_deal_win(r->db, &r->actor, http_param(r, 0), http_body_str(r, "closed_on"),
                       http_body_int(r, "amount", -1), &err) < 0) {
        http_fail(r, &err);
        return;
    }
    deal_changed(r, deal_id_of(r, http_param(r, 0)));
    reply_deal(r, http_param(r, 0));
}

void h_deals_lose(struct http_req *r)
{
    struct ok_err err;
    ok_err_clear(&err);
    if (store_deal_lose(r->db, &r->actor, http_param(r, 0), http_body_str(r, "closed_on"),
                        http_body_str(r, "reason"), http_body_str(r, "note"), &err) < 0) {
        http_fail(r, &err);
        return;
    }
    deal_changed(r, deal_id_of(r, http_param(r, 0)));
    reply_deal(r, http_param(r, 0));
}

void h_deals_update(struct http_req *r)
{
    struct deal d;
    struct ok_err err;
    int64_t version;
    char ref[24];
    memset(&d, 0, sizeof(d));
    ok_err_clear(&err);
    if (store_deal_get(r->db, http_param(r, 0), &d, &err) < 0) {
        http_fail(r, &err);
        goto out;
    }
    if (edit_version(r, "deal", d.version, &version) < 0)
        goto out;
    d.version = version;
    if (http_body_has(r, "title"))
        store_field_set(&d.title, http_body_str(r, "title"));
    if (http_body_has(r, "kind"))
        store_field_set(&d.kind, http_body_str(r, "kind"));
    if (http_body_has(r, "owner"))
        store_field_set(&d.owner_login, http_body_str(r, "owner"));
    if (http_body_has(r, "trigger"))
        store_field_set(&d.trigger, http_body_str(r, "trigger"));
    if (http_body_has(r, "product"))
        store_field_set(&d.product_sku, http_body_str(r, "product"));
    if (http_body_has(r, "opened_at"))
        store_field_set(&d.opened_at, http_body_str(r, "opened_at"));
    if (http_body_has(r, "amount"))
        d.amount = http_body_int(r, "amount", 0);
    if (store_deal_update(r->db, &r->actor, &d, &err) < 0) {
        http_fail(r, &err);
        goto out;
    }
    deal_changed(r, d.id);
    snprintf(ref, sizeof(ref), "%lld", (long long)d.id);
    reply_deal(r, ref);
out:
    deal_release(&d);
}

void h_deals_reopen(struct http_req *r)
{
    struct ok_err err;
    int64_t version = 0, id;
    int any, has;
    char ref[24];
    ok_err_clear(&err);
    has = http_expected_version(r, &version, &any);
    if (has < 0)
        return;
    if (!has || any)
        version = 0; /* optional here: a lost deal reopens once, whoever is first */
    id = store_deal_reopen(r->db, &r->actor, http_param(r, 0), version,
                           http_body_str(r, "opened_on"), &err);
    if (id < 0) {
        http_fail(r, &err);
        return;
    }
    /* The lost deal keeps all the snapshot holds of it (stage, reason, dates); only the new
     * deal is added. */
    deal_changed(r, id);
    snprintf(ref, sizeof(ref), "%lld", (long long)id);
    reply_deal(r, ref);
    http_set_location(r, "/api/v1/deals/", ref);
}

static int deal_one(void *ctx, const struct deal *d)
{
    struct http_page *p = ctx;
    if (http_page_item(p))
        return 1;
    deal_to_json(d, &p->r->out);
    buf_put_i64(&p->key, d->id);
    return 0;
}

void h_deals_list(struct http_req *r)
{
    struct http_page p;
    struct deal_query q;
    struct ok_err err;
    ok_err_clear(&err);
    memset(&q, 0, sizeof(q));
    if (http_page_begin(r, &p) < 0)
        goto out;
    if (p.cursor && parse_id(p.cursor, &q.after_id) < 0) {
        http_error(r, 400, "invalid", "cursor", "cursor is not one this server gave out");
        goto out;
    }
    q.customer_code = http_query(r, "customer");
    q.stage = http_query(r, "stage");
    q.lost_reason = http_query(r, "lost_reason");
    q.limit = p.limit + 1;
    if (store_deal_list(r->db, &q, deal_one, &p, &err) < 0) {
        http_fail(r, &err);
        goto out;
    }
    http_page_end(&p);
out:
    http_page_release(&p);
}

/* ---- products ---- */

static void product_from_body(struct http_req *r, struct product *p)
{
    json_t *price = json_object_get(r->json, "price");
    if (http_body_has(r, "sku"))
        store_field_set(&p->sku, http_body_str(r, "sku"));
    if (http_body_has(r, "name"))
        store_field_set(&p->name, http_body_str(r, "name"));
    if (http_body_has(r, "category"))
        store_field_set(&p->category, http_body_str(r, "category"));
    if (http_body_has(r, "tags"))
        store_field_set(&p->tags, http_body_str(r, "tags"));
    if (price) {
        p->has_price = json_is_integer(price);
        p->price = p->has_price ? (int64_t)json_integer_value(price) : 0;
    }
}

void h_products_create(struct http_req *r)
{
    struct product p;
    struct ok_err err;
    int64_t id;
    memset(&p, 0, sizeof(p));
    ok_err_clear(&err);
    product_from_body(r, &p);
    if (store_product_validate(&p, &err) < 0 ||
        (id = store_product_create(r->db, &r->actor, &p, &err)) < 0)
        goto fail;
    product_release(&p);
    memset(&p, 0, sizeof(p));
    if (store_product_get_by_id(r->db, id, &p, &err) < 0)
        goto fail;
    product_to_json(&p, &r->out);
    http_set_location(r, "/api/v1/products/", p.sku);
    goto out;
fail:
    http_fail(r, &err);
out:
    product_release(&p);
}

void h_products_get(struct http_req *r)
{
    struct product p;
    struct ok_err err;
    memset(&p, 0, sizeof(p));
    ok_err_clear(&err);
    if (store_product_get(r->db, http_param(r, 0), &p, &err) < 0)
        http_fail(r, &err);
    else
        product_to_json(&p, &r->out);
    product_release(&p);
}

void h_products_update(struct http_req *r)
{
    struct product p;
    struct ok_err err;
    int64_t id;
    memset(&p, 0, sizeof(p));
    ok_err_clear(&err);
    if (store_product_get(r->db, http_param(r, 0), &p, &err) < 0)
        goto fail;
    product_from_body(r, &p);
    id = p.id;
    if (store_product_validate(&p, &err) < 0 ||
        store_product_update(r->db, &r->actor, &p, &err) < 0)
        goto fail;
    product_release(&p);
    memset(&p, 0, sizeof(p));
    if (store_product_get_by_id(r->db, id, &p, &err) < 0)
        goto fail;
    product_to_json(&p, &r->out);
    goto out;
fail:
    http_fail(r, &err);
out:
    product_release(&p);
}

static int product_one(void *ctx, const struct product *pr)
{
    struct http_page *p = ctx;
    if (http_page_item(p))
        return 1;
    product_to_json(pr, &p->r->out);
    buf_puts(&p->key, pr->sku);
    return 0;
}

void h_products_list(struct http_req *r)
{
    struct http_page p;
    struct product_query q;
    struct ok_err err;
    ok_err_clear(&err);
    memset(&q, 0, sizeof(q));
    if (http_page_begin(r, &p) < 0)
        goto out;
    q.category = http_query(r, "category");
    q.search = http_query(r, "search");
    q.after_sku = p.cursor;
    q.limit = p.limit + 1;
    if (store_product_list(r->db, &q, product_one, &p, &err) < 0) {
        http_fail(r, &err);
        goto out;
    }
    http_page_end(&p);
out:
    http_page_release(&p);
}
