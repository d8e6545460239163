/*
 * snapshot.c - loading the ledger snapshot and the analytics settings from the store.
 */
#include "service/snapshot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/mem.h"
#include "core/money.h"
#include "core/buf.h"
#include "store/customer.h"
#include "store/contract.h"
#include "store/deal.h"
#include "store/feedback.h"
#include "store/fields.h"
#include "store/history.h"
#include "store/order.h"
#include "store/referral.h"
#include "store/store.h"
#include "core/banned.h"

static int apply_setting(void *ctx, const char *key, const char *value, struct ok_err *err)
{
    struct snapshot *s = ctx;
    if (!strcmp(key, "currency")) {
        const struct currency *c = currency_find(value);
        if (!c)
            return ok_err_set(err, OK_ERR_INVALID,
                              "setting currency = '%s' is not a known currency (JPY, USD, EUR, "
                              "GBP)",
                              value);
        snprintf(s->currency, sizeof(s->currency), "%s", c->code);
        s->money_decimals = c->scale;
        return 0;
    }
    if (!strcmp(key, "time_zone")) {
        int32_t offset;
        if (date_tz_offset(value, date_now_unix(), &offset, err) < 0) {
            ok_err_prefix(err, "setting time_zone");
            return -1;
        }
        snprintf(s->time_zone, sizeof(s->time_zone), "%s", value);
        return 0;
    }
    if (!strncmp(key, "state.", 6) || !strncmp(key, "lifecycle.", 10) || !strncmp(key, "rfm.", 4)) {
        if (analytics_settings_set(&s->settings, key, value, err) < 0) {
            ok_err_prefix(err, "setting %s", key);
            return -1;
        }
    }
    return 0;
}

int snapshot_load_settings(struct db *db, struct snapshot *s, struct ok_err *err)
{
    memset(s, 0, sizeof(*s));
    analytics_settings_default(&s->settings);
    snprintf(s->currency, sizeof(s->currency), "JPY");
    snprintf(s->time_zone, sizeof(s->time_zone), "Asia/Tokyo");
    if (store_settings_each(db, apply_setting, s, err) < 0)
        return -1;
    if (analytics_settings_validate(&s->settings, err) < 0) {
        ok_err_prefix(err, "settings");
        return -1;
    }
    return 0;
}

/* Loading state: the snapshot being filled (sources, deal ids) and the builder. */
struct loader {
    struct snapshot *s;
    struct ledger_builder b;
};

static int32_t intern_source(struct snapshot *s, const char *name)
{
    int32_t i;
    if (!*name)
        return LEDGER_NONE;
    for (i = 0; i < s->nsources; i++)
        if (!strcmp(s->sources[i], name))
            return i;
    s->sources = xrealloc(s->sources, sizeof(char *) * (size_t)(s->nsources + 1));
    s->sources[s->nsources] = xstrdup(name);
    return s->nsources++;
}

static int32_t id32(int64_t id)
{
    return id > 0 && id <= INT32_MAX ? (int32_t)id : LEDGER_NONE;
}

static int32_t day_or_none(int32_t day)
{
    return day == HISTORY_NO_DAY ? LEDGER_NO_DAY : day;
}

static int on_customer(void *ctx, const struct history_customer *c, struct ok_err *err)
{
    struct loader *ld = ctx;
    struct ledger_customer_in in;
    in.id = c->id;
    in.created_day = day_or_none(c->created_day);
    in.owner_id = c->owner_id > 0 ? c->owner_id : LEDGER_NONE;
    in.source_id = intern_source(ld->s, c->source);
    in.referred_by = c->referred_by > 0 ? c->referred_by : LEDGER_NONE;
    in.cause_id = id32(c->cause_id);
    in.flags = c->owner_id > 0 ? 0 : LEDGER_CUST_TEAM;
    return ledger_builder_add_customer(&ld->b, &in, err) < 0 ? -1 : 0;
}

_Static_assert(HISTORY_LINE_PARTS <= LEDGER_BUILDER_PARTS, "a builder part per history part");

/* A batch of lines of one part; runs concurrently with the other callbacks (history.h), so it
 * touches nothing but the builder's part. */
static int on_lines(void *ctx, unsigned part, const struct history_line *l, size_t n,
                    struct ok_err *err)
{
    struct loader *ld = ctx;
    struct ledger_line_in in[256];
    while (n > 0) {
        size_t k = n < 256 ? n : 256;
        for (size_t i = 0; i < k; i++) {
            if (l[i].day == HISTORY_NO_DAY)
                return ok_err_set(err, OK_ERR_INVALID,
                                  "an order line of customer %lld has no valid date",
                                  (long long)l[i].customer_id);
            in[i].customer_id = l[i].customer_id;
            in[i].day = l[i].day;
            in[i].amount = l[i].amount;
            in[i].order_key = l[i].order_key;
            in[i].product_key = (uint32_t)(l[i].product_id > 0 ? l[i].product_id : 0);
        }
        if (ledger_builder_add_lines(&ld->b, part, in, k, err) < 0)
            return -1;
        l += k;
        n -= k;
    }
    return 0;
}

static int deal_kind_of(const char *kind)
{
    static const char *const kinds[] = {"new", "renewal", "upsell", "cross_sell", "referral"};
    int i;
    for (i = 0; i < 5; i++)
        if (!strcmp(kind, kinds[i]))
            return i;
    return -1;
}

/* The ledger's form of a stored deal: the one mapping that both the load and the in-place update
 * (snapshot_apply_deal) use, so that the two cannot differ. */
static int deal_to_ledger(const struct history_deal *d, struct ledger_deal *out, struct ok_err *err)
{
    int kind = deal_kind_of(d->kind);
    memset(out, 0, sizeof(*out));
    if (kind < 0)
        return ok_err_set(err, OK_ERR_INVALID, "deal %lld has an unknown kind '%s'",
                          (long long)d->id, d->kind);
    out->kind = (uint8_t)kind;
    out->stage = !strcmp(d->stage, "won")    ? DEAL_WON
                 : !strcmp(d->stage, "lost") ? DEAL_LOST
                                             : DEAL_OPEN;
    out->opened_day = day_or_none(d->opened_day);
    out->closed_day = day_or_none(d->closed_day);
    out->amount = d->amount;
    out->lost_reason = id32(d->lost_reason_id);
    out->trigger_id = id32(d->trigger_id);
    out->product = id32(d->product_id);
    return 0;
}

static void deal_id_push(struct snapshot *s, int64_t id)
{
    s->deal_ids = xgrow(s->deal_ids, &s->deal_ids_alloc, s->ndeal_ids + 1, sizeof(int64_t));
    s->deal_ids[s->ndeal_ids++] = id;
}

static int on_deal(void *ctx, const struct history_deal *d, struct ok_err *err)
{
    struct loader *ld = ctx;
    struct ledger_deal in;
    if (deal_to_ledger(d, &in, err) < 0 ||
        ledger_builder_add_deal(&ld->b, d->customer_id, &in, err) < 0)
        return -1;
    deal_id_push(ld->s, d->id);
    return 0;
}

/* The ledger's form of a stored contract, shared by the load and snapshot_apply_contract. */
static void contract_to_ledger(const struct history_contract *k, struct ledger_contract *out)
{
    memset(out, 0, sizeof(*out));
    out->product = id32(k->product_id);
    out->start_day = day_or_none(k->start_day);
    out->end_day = day_or_none(k->end_day);
    out->amount = k->amount;
    out->id = k->id;
    out->renewed_from = k->renewed_from > 0 ? k->renewed_from : LEDGER_NONE;
    out->end_reason = id32(k->end_reason_id);
    out->renewed_by = LEDGER_NONE;
}

static int on_contract(void *ctx, const struct history_contract *k, struct ok_err *err)
{
    struct loader *ld = ctx;
    struct ledger_contract in;
    contract_to_ledger(k, &in);
    return ledger_builder_add_contract(&ld->b, k->customer_id, &in, err) < 0 ? -1 : 0;
}

/* Deal ids are ascending (loaded in id order, added in place only above the last), so the
 * index of an id is found by binary search. */
static int32_t deal_index(const struct snapshot *s, int64_t id)
{
    size_t lo = 0, hi = s->ndeal_ids;
    if (id <= 0)
        return LEDGER_NONE;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (s->deal_ids[mid] < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < s->ndeal_ids && s->deal_ids[lo] == id ? (int32_t)lo : LEDGER_NONE;
}

/* The ledger's form of a stored referral, shared by the load and snapshot_apply_referral: b
 * when loading, else l. */
static long referral_add(struct ledger_builder *b, struct ledger *l, const struct snapshot *s,
                         const struct history_referral *r, struct ok_err *err)
{
    int64_t referred = r->referred_id > 0 ? r->referred_id : LEDGER_NONE;
    int32_t day = day_or_none(r->day), trigger = id32(r->trigger_id);
    int32_t deal = deal_index(s, r->deal_id);
    return b ? ledger_builder_add_referral(b, r->referrer_id, referred, day, trigger, deal, err)
             : ledger_add_referral(l, r->referrer_id, referred, day, trigger, deal, err);
}

static int on_referral(void *ctx, const struct history_referral *r, struct ok_err *err)
{
    struct loader *ld = ctx;
    return referral_add(&ld->b, NULL, ld->s, r, err) < 0 ? -1 : 0;
}

/* Feedback kinds as small integers, in the order of the schema's CHECK list. */
static int32_t feedback_kind_of(const char *kind)
{
    static const char *const kinds[] = {"need", "complaint", "idea", "testimonial", "satisfaction"};
    int32_t i;
    for (i = 0; i < 5; i++)
        if (!strcmp(kind, kinds[i]))
            return i;
    return LEDGER_NONE;
}

/* The ledger's form of stored feedback, shared by the load and snapshot_apply_feedback. */
static long feedback_add(struct ledger_builder *b, struct ledger *l,
                         const struct history_feedback *f, struct ok_err *err)
{
    int32_t kind = feedback_kind_of(f->kind), day = day_or_none(f->day);
    return b ? ledger_builder_add_feedback(b, f->customer_id, kind, f->score, day, err)
             : ledger_add_feedback(l, f->customer_id, kind, f->score, day, err);
}

static int on_feedback(void *ctx, const struct history_feedback *f, struct ok_err *err)
{
    struct loader *ld = ctx;
    return feedback_add(&ld->b, NULL, f, err) < 0 ? -1 : 0;
}

int snapshot_load(struct db *db, struct snapshot *s, struct ok_err *err)
{
    struct loader ld;
    struct history_sink sink = {
        .ctx = &ld,
        .customer = on_customer,
        .lines = on_lines,
        .deal = on_deal,
        .contract = on_contract,
        .referral = on_referral,
        .feedback = on_feedback,
    };
    if (snapshot_load_settings(db, s, err) < 0)
        return -1;
    memset(&ld, 0, sizeof(ld));
    ld.s = s;
    ledger_builder_init(&ld.b, s->money_decimals);
    {
        /* Sizing the customer arrays up front saves regrowing them; the lines arrive in two
         * parts (history.h) that each grow on their own (mremap, no copying). */
        int64_t customers = 0;
        if (store_customer_count(db, &customers, err) < 0) {
            ledger_builder_release(&ld.b);
            snapshot_release(s);
            return -1;
        }
        ledger_builder_reserve(&ld.b, (size_t)customers, 0);
    }
    if (store_history_scan(db, &sink, err) < 0) {
        ledger_builder_release(&ld.b);
        snapshot_release(s);
        return -1;
    }
    s->ledger = ledger_builder_finish(&ld.b, err);
    if (!s->ledger) {
        snapshot_release(s);
        return -1;
    }
    return 0;
}

void snapshot_release(struct snapshot *s)
{
    int32_t i;
    ledger_free(&s->ledger);
    for (i = 0; i < s->nsources; i++)
        free(s->sources[i]);
    free(s->sources);
    s->sources = NULL;
    s->nsources = 0;
    free(s->deal_ids);
    s->deal_ids = NULL;
    s->ndeal_ids = s->deal_ids_alloc = 0;
}

int32_t snapshot_today(const struct snapshot *s)
{
    return date_today(s->time_zone);
}

/* A date column as the history scan reads it (history.c's column_day): the day of a text that
 * starts with YYYY-MM-DD, HISTORY_NO_DAY for none or anything else. */
static int32_t text_day(const char *s)
{
    int32_t day;
    if (!s || strlen(s) < 10 || date_parse_iso(s, 10, &day) < 0)
        return HISTORY_NO_DAY;
    return day;
}

/* The id of list item `code` (the code a stored deal shows): 0 for none, 1 (via *id = -1) when
 * the lookup, which also matches labels, names another item. Returns -1 on a database error. */
static int list_ref(struct db *db, const char *list, const char *code, int64_t *id,
                    struct ok_err *err)
{
    struct buf back;
    int rc = 0;
    *id = 0;
    if (!code || !*code)
        return 0;
    *id = store_list_id(db, list, code, err);
    if (*id < 0)
        return err->code == OK_ERR_INVALID ? 0 : -1; /* invalid: unknown code, *id stays -1 */
    buf_init(&back, 0);
    if (store_list_code(db, list, *id, &back, err) < 0)
        rc = -1;
    else if (!back.data || strcmp(back.data, code))
        *id = -1;
    buf_release(&back);
    return rc;
}

int snapshot_apply_deal(struct snapshot *s, struct db *db, int64_t deal_id, struct ok_err *err)
{
    struct deal d;
    struct history_deal h;
    struct ledger_deal in;
    struct ok_err lerr;
    char ref[24];
    int32_t idx;
    int rc = 1;
    memset(&d, 0, sizeof(d));
    if (!s->ledger || s->ndeal_ids != s->ledger->ndeals)
        return 1;
    snprintf(ref, sizeof(ref), "%lld", (long long)deal_id);
    if (store_deal_get(db, ref, &d, err) < 0) {
        rc = err->code == OK_ERR_NOT_FOUND ? 1 : -1;
        goto out;
    }
    memset(&h, 0, sizeof(h));
    h.id = d.id;
    h.kind = d.kind ? d.kind : "";
    h.stage = d.stage ? d.stage : "";
    h.opened_day = text_day(d.opened_at);
    h.closed_day = text_day(d.closed_at);
    h.amount = d.amount;
    h.customer_id = store_ref_customer(db, d.customer_code, "customer_code", err);
    if (h.customer_id < 0) {
        rc = err->code == OK_ERR_INVALID ? 1 : -1;
        goto out;
    }
    if (list_ref(db, "lost_reasons", d.lost_reason, &h.lost_reason_id, err) < 0 ||
        list_ref(db, "triggers", d.trigger, &h.trigger_id, err) < 0) {
        rc = -1;
        goto out;
    }
    h.product_id = d.product_sku ? store_ref_product(db, d.product_sku, "product", err) : 0;
    if (h.product_id < 0 && err->code != OK_ERR_INVALID) {
        rc = -1;
        goto out;
    }
    if (h.customer_id == 0 || h.lost_reason_id < 0 || h.trigger_id < 0 || h.product_id < 0)
        goto out; /* a reference s cannot map: reload */
    ok_err_clear(&lerr);
    if (deal_to_ledger(&h, &in, &lerr) < 0)
        goto out; /* the load would fail as well, and say why */
    idx = deal_index(s, h.id);
    if (idx != LEDGER_NONE) {
        const struct ledger *l = s->ledger;
        if (l->cust_id[l->deals[idx].cust] != h.customer_id)
            goto out;
        if (ledger_update_deal(s->ledger, (size_t)idx, &in, &lerr) < 0)
            goto out;
    } else {
        if (s->ndeal_ids > 0 && h.id <= s->deal_ids[s->ndeal_ids - 1])
            goto out; /* a load would put it among the others, not last */
        if (ledger_add_deal(s->ledger, h.customer_id, &in, &lerr) < 0)
            goto out; /* e.g. a customer that another process created */
        deal_id_push(s, h.id);
    }
    rc = 0;
out:
    deal_release(&d);
    return rc;
}

int snapshot_apply_settings(struct snapshot *s, struct db *db, struct ok_err *err)
{
    struct snapshot fresh;
    if (snapshot_load_settings(db, &fresh, err) < 0) {
        snapshot_release(&fresh);
        /* an invalid setting: the reload reports it as a load would */
        return err->code == OK_ERR_INVALID ? 1 : -1;
    }
    if (fresh.money_decimals != s->money_decimals) {
        snapshot_release(&fresh);
        return 1;
    }
    s->settings = fresh.settings;
    memcpy(s->currency, fresh.currency, sizeof(s->currency));
    memcpy(s->time_zone, fresh.time_zone, sizeof(s->time_zone));
    snapshot_release(&fresh);
    return 0;
}

int snapshot_apply_feedback(struct snapshot *s, struct db *db, int64_t feedback_id,
                            struct ok_err *err)
{
    struct feedback f;
    struct history_feedback h;
    struct ok_err lerr;
    int rc = 1;
    memset(&f, 0, sizeof(f));
    if (!s->ledger)
        return 1;
    if (store_feedback_get_by_id(db, feedback_id, &f, err) < 0) {
        rc = err->code == OK_ERR_NOT_FOUND ? 1 : -1;
        goto out;
    }
    h.customer_id = store_ref_customer(db, f.customer_code, "customer_code", err);
    if (h.customer_id <= 0) {
        rc = h.customer_id < 0 && err->code != OK_ERR_INVALID ? -1 : 1;
        goto out;
    }
    h.kind = f.kind ? f.kind : "";
    h.score = f.score;
    h.day = text_day(f.received_on);
    ok_err_clear(&lerr);
    if (feedback_add(NULL, s->ledger, &h, &lerr) < 0)
        goto out; /* e.g. no valid date: the load fails as well, and says why */
    rc = 0;
out:
    feedback_release(&f);
    return rc;
}

int snapshot_apply_referral(struct snapshot *s, struct db *db, int64_t referral_id,
                            struct ok_err *err)
{
    struct referral x;
    struct history_referral h;
    struct ok_err lerr;
    int rc = 1;
    memset(&x, 0, sizeof(x));
    memset(&h, 0, sizeof(h));
    if (!s->ledger || s->ndeal_ids != s->ledger->ndeals)
        return 1;
    if (store_referral_get_by_id(db, referral_id, &x, err) < 0) {
        rc = err->code == OK_ERR_NOT_FOUND ? 1 : -1;
        goto out;
    }
    h.referrer_id = store_ref_customer(db, x.referrer_code, "referrer_code", err);
    h.referred_id =
        x.referred_code ? store_ref_customer(db, x.referred_code, "referred_code", err) : 0;
    if (h.referrer_id < 0 || h.referred_id < 0) {
        rc = err->code == OK_ERR_INVALID ? 1 : -1;
        goto out;
    }
    if (list_ref(db, "triggers", x.trigger, &h.trigger_id, err) < 0) {
        rc = -1;
        goto out;
    }
    h.deal_id = x.deal_id;
    h.day = text_day(x.referred_on);
    if (h.referrer_id == 0 || h.trigger_id < 0 ||
        (h.deal_id > 0 && deal_index(s, h.deal_id) == LEDGER_NONE))
        goto out; /* a reference s cannot map: reload */
    ok_err_clear(&lerr);
    if (referral_add(NULL, s->ledger, s, &h, &lerr) < 0)
        goto out;
    rc = 0;
out:
    referral_release(&x);
    return rc;
}

/* Index of contract id in l (ids ascending, as for deals), or LEDGER_NONE. */
static int32_t contract_index(const struct ledger *l, int64_t id)
{
    size_t lo = 0, hi = l->ncontracts;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (l->contracts[mid].id < id)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo < l->ncontracts && l->contracts[lo].id == id ? (int32_t)lo : LEDGER_NONE;
}

int snapshot_apply_contract(struct snapshot *s, struct db *db, int64_t contract_id,
                            struct ok_err *err)
{
    struct contract k;
    struct history_contract h;
    struct ledger_contract in;
    struct ok_err lerr;
    const struct ledger *l = s->ledger;
    int rc = 1;
    memset(&k, 0, sizeof(k));
    memset(&h, 0, sizeof(h));
    if (!l || (l->ncontracts > 0 && contract_id <= l->contracts[l->ncontracts - 1].id))
        return 1; /* known (edited: no in-place edit), or a load would put it among the others */
    if (store_contract_get_by_id(db, contract_id, &k, err) < 0) {
        rc = err->code == OK_ERR_NOT_FOUND ? 1 : -1;
        goto out;
    }
    h.id = k.id;
    h.customer_id = store_ref_customer(db, k.customer_code, "customer_code", err);
    h.product_id = k.product_sku ? store_ref_product(db, k.product_sku, "product", err) : 0;
    if (h.customer_id < 0 || h.product_id < 0) {
        rc = err->code == OK_ERR_INVALID ? 1 : -1;
        goto out;
    }
    if (list_ref(db, "causes", k.end_reason, &h.end_reason_id, err) < 0) {
        rc = -1;
        goto out;
    }
    h.start_day = text_day(k.start_on);
    h.end_day = text_day(k.end_on);
    h.amount = k.amount;
    h.renewed_from = k.renewed_from;
    if (h.customer_id == 0 || h.end_reason_id < 0 ||
        (h.renewed_from > 0 && contract_index(l, h.renewed_from) == LEDGER_NONE))
        goto out; /* a reference s cannot map: reload */
    contract_to_ledger(&h, &in);
    ok_err_clear(&lerr);
    /* Live, this links the renewal both ways as the load's finish does. */
    if (ledger_add_contract(s->ledger, h.customer_id, &in, &lerr) < 0)
        goto out;
    rc = 0;
out:
    contract_release(&k);
    return rc;
}
