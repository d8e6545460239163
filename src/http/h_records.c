/*
 * h_records.c - /api/v1/contracts, /api/v1/referrals and /api/v1/feedback: the customer records
 * besides orders and deals, with list filters and cursor pagination.
 *
 * Contracts feed the renewal KPIs, referrals the referral reports, feedback the satisfaction
 * report and the KPIs. A new contract (also a renewal), referral or feedback is added to the
 * reports snapshot in place (service/snapshot.h); edits, contract ends and deletions make it
 * reload before the next report.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/mem.h"
#include "http/http.h"
#include "store/contract.h"
#include "store/feedback.h"
#include "store/fields.h"
#include "store/referral.h"
#include "core/banned.h"

/* Cursor "DAY|ID" of the (day, id) ordered lists; 0, or -1 after replying 400. */
static int day_id_cursor(struct http_req *r, const char *cursor, char day[11], int64_t *id)
{
    long long v;
    if (!cursor)
        return 0;
    if (sscanf(cursor, "%10[0-9-]|%lld", day, &v) != 2 || v <= 0) {
        http_error(r, 400, "invalid", "cursor", "cursor is not one this server gave out");
        return -1;
    }
    *id = v;
    return 1;
}

/* Sets *dst from a string body field when present (null clears). */
static void take(struct http_req *r, const char *name, char **dst)
{
    if (http_body_has(r, name))
        store_field_set(dst, http_body_str(r, name));
}

/* A record reference: digits are an id, anything else a code. */
static int is_id(const char *ref, int64_t *id)
{
    return http_parse_id(ref, id) == 0;
}

/* ---- contracts ---- */

/* A record just created: the snapshot follows it in place through apply (one of the
 * snapshot_apply_* functions, run under the snapshot's write lock so that it reads the record as
 * it is now), or reloads before the next report when apply cannot. */
struct record_write {
    struct db *db;
    int64_t id;
    int (*apply)(struct snapshot *s, struct db *db, int64_t id, struct ok_err *err);
};

static int apply_record(struct snapshot *s, void *ctx)
{
    struct record_write *w = ctx;
    struct ok_err err;
    ok_err_clear(&err);
    return w->apply(s, w->db, w->id, &err) == 0 ? 0 : -1;
}

static void record_created(struct http_req *r, int64_t id,
                           int (*apply)(struct snapshot *s, struct db *db, int64_t id,
                                        struct ok_err *err))
{
    struct record_write w = {r->db, id, apply};
    snap_holder_changed(&r->srv->snap, apply_record, &w);
}

static int contract_load(struct http_req *r, const char *ref, struct contract *k,
                         struct ok_err *err)
{
    int64_t id;
    (void)r;
    return is_id(ref, &id) ? store_contract_get_by_id(r->db, id, k, err)
                           : store_contract_get(r->db, ref, k, err);
}

static void contract_reply(struct http_req *r, int64_t id)
{
    struct contract k;
    struct ok_err err;
    memset(&k, 0, sizeof(k));
    ok_err_clear(&err);
    if (store_contract_get_by_id(r->db, id, &k, &err) < 0)
        http_fail(r, &err);
    else
        contract_to_json(&k, &r->out);
    contract_release(&k);
}

static void contract_from_body(struct http_req *r, struct contract *k)
{
    take(r, "code", &k->code);
    take(r, "customer_code", &k->customer_code);
    take(r, "product", &k->product_sku);
    take(r, "start_on", &k->start_on);
    take(r, "end_on", &k->end_on);
    take(r, "end_note", &k->end_note);
    if (http_body_has(r, "amount"))
        k->amount = http_body_int(r, "amount", 0);
    if (http_body_has(r, "renewed_from"))
        k->renewed_from = http_body_int(r, "renewed_from", 0);
}

void h_contracts_create(struct http_req *r)
{
    struct contract k;
    struct ok_err err;
    int64_t id;
    memset(&k, 0, sizeof(k));
    ok_err_clear(&err);
    contract_from_body(r, &k);
    if (store_contract_validate(&k, &err) < 0 ||
        (id = store_contract_create(r->db, &r->actor, &k, &err)) < 0) {
        http_fail(r, &err);
        goto out;
    }
    record_created(r, id, snapshot_apply_contract);
    contract_reply(r, id);
    snprintf(r->location, sizeof(r->location), "/api/v1/contracts/%lld", (long long)id);
out:
    contract_release(&k);
}

void h_contracts_get(struct http_req *r)
{
    struct contract k;
    struct ok_err err;
    memset(&k, 0, sizeof(k));
    ok_err_clear(&err);
    if (contract_load(r, http_param(r, 0), &k, &err) < 0)
        http_fail(r, &err);
    else
        contract_to_json(&k, &r->out);
    contract_release(&k);
}

void h_contracts_update(struct http_req *r)
{
    struct contract k;
    struct ok_err err;
    memset(&k, 0, sizeof(k));
    ok_err_clear(&err);
    if (contract_load(r, http_param(r, 0), &k, &err) < 0)
        goto fail;
    contract_from_body(r, &k);
    if (store_contract_validate(&k, &err) < 0 ||
        store_contract_update(r->db, &r->actor, &k, &err) < 0)
        goto fail;
    snap_holder_changed(&r->srv->snap, NULL, NULL);
    contract_reply(r, k.id);
    goto out;
fail:
    http_fail(r, &err);
out:
    contract_release(&k);
}

void h_contracts_renew(struct http_req *r)
{
    struct contract k, next;
    struct ok_err err;
    int64_t id;
    memset(&k, 0, sizeof(k));
    memset(&next, 0, sizeof(next));
    ok_err_clear(&err);
    if (contract_load(r, http_param(r, 0), &k, &err) < 0)
        goto fail;
    contract_from_body(r, &next);
    /* the renewal runs on from the day after the old end unless told otherwise */
    if (!next.start_on && k.end_on) {
        int32_t day;
        char start[11];
        if (date_parse_iso(k.end_on, strlen(k.end_on), &day) == 0) {
            date_format_iso(day + 1, start);
            store_field_set(&next.start_on, start);
        }
    }
    store_field_set(&next.customer_code, k.customer_code);
    if (!next.product_sku && k.product_sku)
        store_field_set(&next.product_sku, k.product_sku);
    if (!http_body_has(r, "amount"))
        next.amount = k.amount;
    if (store_contract_validate(&next, &err) < 0 ||
        (id = store_contract_renew(r->db, &r->actor, k.id, &next, &err)) < 0)
        goto fail;
    record_created(r, id, snapshot_apply_contract); /* a renewal only adds a contract */
    contract_reply(r, id);
    snprintf(r->location, sizeof(r->location), "/api/v1/contracts/%lld", (long long)id);
    goto out;
fail:
    http_fail(r, &err);
out:
    contract_release(&k);
    contract_release(&next);
}

void h_contracts_end(struct http_req *r)
{
    struct contract k;
    struct ok_err err;
    char end_on[11];
    memset(&k, 0, sizeof(k));
    ok_err_clear(&err);
    if (http_body_date(r, "end_on", end_on) < 0)
        goto out;
    if (contract_load(r, http_param(r, 0), &k, &err) < 0 ||
        store_contract_end(r->db, &r->actor, k.id, http_body_str(r, "reason"),
                           http_body_str(r, "note"), end_on[0] ? end_on : NULL, &err) < 0) {
        http_fail(r, &err);
        goto out;
    }
    snap_holder_changed(&r->srv->snap, NULL, NULL);
    contract_reply(r, k.id);
out:
    contract_release(&k);
}

static int contract_one(void *ctx, const struct contract *k)
{
    struct http_page *p = ctx;
    if (http_page_item(p))
        return 1;
    contract_to_json(k, &p->r->out);
    buf_printf(&p->key, "%s|%lld", k->end_on ? k->end_on : "", (long long)k->id);
    return 0;
}

void h_contracts_list(struct http_req *r)
{
    struct http_page p;
    struct contract_query q;
    struct ok_err err;
    char after[11];
    const char *open = http_query(r, "open_only");
    ok_err_clear(&err);
    memset(&q, 0, sizeof(q));
    if (http_page_begin(r, &p) < 0)
        goto out;
    switch (day_id_cursor(r, p.cursor, after, &q.after_id)) {
    case -1:
        goto out;
    case 1:
        q.after_end = after;
        break;
    }
    q.customer_code = http_query(r, "customer");
    q.ending_from = http_query(r, "ending_from");
    q.ending_to = http_query(r, "ending_to");
    q.open_only = open && (!strcmp(open, "true") || !strcmp(open, "1"));
    q.limit = p.limit + 1;
    if (store_contract_list(r->db, &q, contract_one, &p, &err) < 0) {
        http_fail(r, &err);
        goto out;
    }
    http_page_end(&p);
out:
    http_page_release(&p);
}

/* ---- referrals ---- */

static int referral_load(struct http_req *r, const char *ref, struct referral *x,
                         struct ok_err *err)
{
    int64_t id;
    return is_id(ref, &id) ? store_referral_get_by_id(r->db, id, x, err)
                           : store_referral_get(r->db, ref, x, err);
}

static void referral_from_body(struct http_req *r, struct referral *x)
{
    take(r, "code", &x->code);
    take(r, "referrer_code", &x->referrer_code);
    take(r, "referred_code", &x->referred_code);
    take(r, "prospect_name", &x->prospect_name);
    take(r, "referred_on", &x->referred_on);
    take(r, "trigger", &x->trigger);
    if (http_body_has(r, "deal_id"))
        x->deal_id = http_body_int(r, "deal_id", 0);
}

static void referral_reply(struct http_req *r, int64_t id)
{
    struct referral x;
    struct ok_err err;
    memset(&x, 0, sizeof(x));
    ok_err_clear(&err);
    if (store_referral_get_by_id(r->db, id, &x, &err) < 0)
        http_fail(r, &err);
    else
        referral_to_json(&x, &r->out);
    referral_release(&x);
}

void h_referrals_create(struct http_req *r)
{
    struct referral x;
    struct ok_err err;
    int64_t id;
    memset(&x, 0, sizeof(x));
    ok_err_clear(&err);
    referral_from_body(r, &x);
    if (store_referral_validate(&x, &err) < 0 ||
        (id = store_referral_create(r->db, &r->actor, &x, &err)) < 0) {
        http_fail(r, &err);
        goto out;
    }
    record_created(r, id, snapshot_apply_referral);
    referral_reply(r, id);
    snprintf(r->location, sizeof(r->location), "/api/v1/referrals/%lld", (long long)id);
out:
    referral_release(&x);
}

void h_referrals_get(struct http_req *r)
{
    struct referral x;
    struct ok_err err;
    memset(&x, 0, sizeof(x));
    ok_err_clear(&err);
    if (referral_load(r, http_param(r, 0), &x, &err) < 0)
        http_fail(r, &err);
    else
        referral_to_json(&x, &r->out);
    referral_release(&x);
}

void h_referrals_update(struct http_req *r)
{
    struct referral x;
    struct ok_err err;
    memset(&x, 0, sizeof(x));
    ok_err_clear(&err);
    if (referral_load(r, http_param(r, 0), &x, &err) < 0)
        goto fail;
    referral_from_body(r, &x);
    if (store_referral_validate(&x, &err) < 0 ||
        store_referral_update(r->db, &r->actor, &x, &err) < 0)
        goto fail;
    snap_holder_changed(&r->srv->snap, NULL, NULL);
    referral_reply(r, x.id);
    goto out;
fail:
    http_fail(r, &err);
out:
    referral_release(&x);
}

static int referral_one(void *ctx, const struct referral *x)
{
    struct http_page *p = ctx;
    if (http_page_item(p))
        return 1;
    referral_to_json(x, &p->r->out);
    buf_printf(&p->key, "%s|%lld", x->referred_on ? x->referred_on : "", (long long)x->id);
    return 0;
}

void h_referrals_list(struct http_req *r)
{
    struct http_page p;
    struct referral_query q;
    struct ok_err err;
    char after[11];
    ok_err_clear(&err);
    memset(&q, 0, sizeof(q));
    if (http_page_begin(r, &p) < 0)
        goto out;
    switch (day_id_cursor(r, p.cursor, after, &q.after_id)) {
    case -1:
        goto out;
    case 1:
        q.after_on = after;
        break;
    }
    q.referrer_code = http_query(r, "referrer");
    q.referred_code = http_query(r, "referred");
    q.from = http_query(r, "from");
    q.to = http_query(r, "to");
    q.limit = p.limit + 1;
    if (store_referral_list(r->db, &q, referral_one, &p, &err) < 0) {
        http_fail(r, &err);
        goto out;
    }
    http_page_end(&p);
out:
    http_page_release(&p);
}

/* ---- feedback ---- */

static int feedback_load(struct http_req *r, const char *ref, struct feedback *f,
                         struct ok_err *err)
{
    int64_t id;
    return is_id(ref, &id) ? store_feedback_get_by_id(r->db, id, f, err)
                           : store_feedback_get(r->db, ref, f, err);
}

void h_feedback_create(struct http_req *r)
{
    struct feedback f;
    struct ok_err err;
    int64_t id;
    memset(&f, 0, sizeof(f));
    ok_err_clear(&err);
    take(r, "code", &f.code);
    take(r, "customer_code", &f.customer_code);
    take(r, "kind", &f.kind);
    take(r, "text", &f.text);
    take(r, "received_on", &f.received_on);
    f.score = (int)http_body_int(r, "score", -1);
    if (http_body_has(r, "score") &&
        (http_body_int(r, "score", -1) < 0 || http_body_int(r, "score", -1) > 10)) {
        http_error(r, 400, "invalid", "score", "score must be from 0 to 10");
        goto out;
    }
    if (!f.received_on) {
        char today[11];
        date_format_iso(http_today(r), today);
        store_field_set(&f.received_on, today);
    }
    if (store_feedback_validate(&f, &err) < 0 ||
        (id = store_feedback_create(r->db, &r->actor, &f, &err)) < 0) {
        http_fail(r, &err);
        goto out;
    }
    record_created(r, id, snapshot_apply_feedback);
    feedback_release(&f);
    memset(&f, 0, sizeof(f));
    if (store_feedback_get_by_id(r->db, id, &f, &err) < 0) {
        http_fail(r, &err);
        goto out;
    }
    feedback_to_json(&f, &r->out);
    snprintf(r->location, sizeof(r->location), "/api/v1/feedback/%lld", (long long)id);
out:
    feedback_release(&f);
}

void h_feedback_get(struct http_req *r)
{
    struct feedback f;
    struct ok_err err;
    memset(&f, 0, sizeof(f));
    ok_err_clear(&err);
    if (feedback_load(r, http_param(r, 0), &f, &err) < 0)
        http_fail(r, &err);
    else
        feedback_to_json(&f, &r->out);
    feedback_release(&f);
}

void h_feedback_delete(struct http_req *r)
{
    struct feedback f;
    struct ok_err err;
    memset(&f, 0, sizeof(f));
    ok_err_clear(&err);
    if (feedback_load(r, http_param(r, 0), &f, &err) < 0 ||
        store_feedback_delete(r->db, &r->actor, f.id, &err) < 0)
        http_fail(r, &err);
    else
        snap_holder_changed(&r->srv->snap, NULL, NULL);
    feedback_release(&f);
}

static int feedback_one(void *ctx, const struct feedback *f)
{
    struct http_page *p = ctx;
    if (http_page_item(p))
        return 1;
    feedback_to_json(f, &p->r->out);
    buf_printf(&p->key, "%s|%lld", f->received_on ? f->received_on : "", (long long)f->id);
    return 0;
}

void h_feedback_list(struct http_req *r)
{
    struct http_page p;
    struct feedback_query q;
    struct ok_err err;
    char before[11];
    ok_err_clear(&err);
    memset(&q, 0, sizeof(q));
    if (http_page_begin(r, &p) < 0)
        goto out;
    switch (day_id_cursor(r, p.cursor, before, &q.before_id)) {
    case -1:
        goto out;
    case 1:
        q.before_on = before;
        break;
    }
    q.customer_code = http_query(r, "customer");
    q.kind = http_query(r, "kind");
    q.from = http_query(r, "from");
    q.to = http_query(r, "to");
    q.limit = p.limit + 1;
    if (store_feedback_list(r->db, &q, feedback_one, &p, &err) < 0) {
        http_fail(r, &err);
        goto out;
    }
    http_page_end(&p);
out:
    http_page_release(&p);
}
