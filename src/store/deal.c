/*
 * deal.c - creating, editing, closing, reopening and listing deals.
 */
#include "store/deal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/date.h"
#include "core/json_out.h"
#include "core/mem.h"
#include "store/playbook.h"
#include "core/banned.h"

void deal_release(struct deal *d)
{
    char **fields[] = {&d->code,        &d->customer_code, &d->kind,      &d->stage,
                       &d->title,       &d->opened_at,     &d->closed_at, &d->owner_login,
                       &d->lost_reason, &d->lost_note,     &d->trigger,   &d->product_sku,
                       &d->created_at,  &d->updated_at};
    size_t i;
    for (i = 0; i < sizeof(fields) / sizeof(fields[0]); i++)
        free(*fields[i]);
    memset(d, 0, sizeof(*d));
}

static int one_of(const char *v, const char *const *allowed)
{
    for (; *allowed; allowed++)
        if (!strcmp(v, *allowed))
            return 1;
    return 0;
}

static int bad(struct ok_err *err, const char *field)
{
    ok_err_locate(err, field, 0);
    return -1;
}

/* Normalises a date given in any accepted form into YYYY-MM-DD (replacing *value). */
static int normalise_date(char **value, const char *field, struct ok_err *err)
{
    int32_t day, secs;
    char iso[11];
    if (date_parse(*value, strlen(*value), &day, &secs, err) < 0)
        return bad(err, field);
    date_format_iso(day, iso);
    free(*value);
    *value = xstrdup(iso);
    return 0;
}

static void today_utc(char out[11])
{
    char now[20];
    store_now_utc(now);
    memcpy(out, now, 10);
    out[10] = '\0';
}

static int deal_validate(struct deal *d, struct ok_err *err)
{
    static const char *const kinds[] = {"new", "renewal", "upsell", "cross_sell", "referral", NULL};
    static const char *const stages[] = {"open", "won", "lost", NULL};
    if (!d->customer_code || !*d->customer_code) {
        ok_err_set(err, OK_ERR_INVALID, "a deal needs a customer code");
        return bad(err, "customer_code");
    }
    if (d->kind && !one_of(d->kind, kinds)) {
        ok_err_set(err, OK_ERR_INVALID,
                   "deal kind '%s' is not valid; use new, renewal, upsell, cross_sell or referral",
                   d->kind);
        return bad(err, "kind");
    }
    if (d->stage && !one_of(d->stage, stages)) {
        ok_err_set(err, OK_ERR_INVALID, "deal stage '%s' is not valid; use open, won or lost",
                   d->stage);
        return bad(err, "stage");
    }
    if (d->amount < 0) {
        ok_err_set(err, OK_ERR_INVALID, "a deal amount cannot be negative");
        return bad(err, "amount");
    }
    if (!d->opened_at) {
        char today[11];
        today_utc(today);
        d->opened_at = xstrdup(today);
    } else if (normalise_date(&d->opened_at, "opened_at", err) < 0) {
        return -1;
    }
    if (d->closed_at && normalise_date(&d->closed_at, "closed_at", err) < 0)
        return -1;
    if (d->stage && strcmp(d->stage, "open")) {
        if (!d->closed_at) {
            ok_err_set(err, OK_ERR_INVALID, "a %s deal needs its closing date", d->stage);
            return bad(err, "closed_at");
        }
        if (!strcmp(d->stage, "lost") && !d->lost_reason) {
            ok_err_set(
                err, OK_ERR_INVALID,
                "a lost deal needs a reason (価格 price, 時期 timing, 競合 competitor, その他 "
                "other, or one you added)");
            return bad(err, "lost_reason");
        }
    }
    if (d->closed_at && strcmp(d->closed_at, d->opened_at) < 0) {
        ok_err_set(err, OK_ERR_INVALID, "the deal closes (%s) before it opens (%s)", d->closed_at,
                   d->opened_at);
        return bad(err, "closed_at");
    }
    return 0;
}

struct deal_refs {
    int64_t customer_id, owner_id, reason_id, trigger_id, product_id;
};

static int resolve_refs(struct db *db, const struct deal *d, struct deal_refs *r,
                        struct ok_err *err)
{
    memset(r, 0, sizeof(*r));
    r->customer_id =
        store_lookup_id(db, "SELECT id FROM customers WHERE code = ?", d->customer_code, err);
    if (r->customer_id < 0)
        return -1;
    if (r->customer_id == 0) {
        ok_err_set(err, OK_ERR_INVALID, "no customer with code '%s'", d->customer_code);
        return bad(err, "customer_code");
    }
    if (d->owner_login) {
        r->owner_id =
            store_lookup_id(db, "SELECT id FROM users WHERE login = ?", d->owner_login, err);
        if (r->owner_id <= 0) {
            if (r->owner_id == 0)
                ok_err_set(err, OK_ERR_INVALID, "owner '%s' is not a user", d->owner_login);
            return bad(err, "owner");
        }
    }
    if (d->lost_reason &&
        (r->reason_id = store_list_id(db, "lost_reasons", d->lost_reason, err)) < 0)
        return bad(err, "lost_reason");
    if (d->trigger && (r->trigger_id = store_list_id(db, "triggers", d->trigger, err)) < 0)
        return bad(err, "trigger");
    if (d->product_sku) {
        r->product_id =
            store_lookup_id(db, "SELECT id FROM products WHERE sku = ?", d->product_sku, err);
        if (r->product_id <= 0) {
            if (r->product_id == 0)
                ok_err_set(err, OK_ERR_INVALID, "no product with SKU '%s'", d->product_sku);
            return bad(err, "product");
        }
    }
    return 0;
}

static void bind_opt_id(struct db_stmt *st, int idx, int64_t id)
{
    if (id > 0)
        db_bind_i64(st, idx, id);
    else
        db_bind_null(st, idx);
}

static const char SQL_INSERT[] =
    "INSERT INTO deals(code, customer_id, kind, stage, title, amount, opened_at, closed_at, "
    "owner_id, lost_reason_id, lost_note, trigger_id, product_id, created_at, updated_at) "
    "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?) RETURNING id";

int64_t store_deal_create(struct db *db, const struct store_actor *who, struct deal *d,
                          struct ok_err *err)
{
    struct deal_refs r;
    struct db_stmt *st;
    struct buf json;
    char now[20];
    int64_t id = -1;
    int rc;
    if (deal_validate(d, err) < 0)
        return -1;
    buf_init(&json, 0);
    if (db_begin(db, err) < 0)
        goto out;
    if (resolve_refs(db, d, &r, err) < 0)
        goto fail;
    st = db_cached(db, SQL_INSERT, err);
    if (!st)
        goto fail;
    store_now_utc(now);
    db_bind_text_or_null(st, 1, d->code);
    db_bind_i64(st, 2, r.customer_id);
    db_bind_text(st, 3, d->kind ? d->kind : "new", (size_t)-1);
    db_bind_text(st, 4, d->stage ? d->stage : "open", (size_t)-1);
    db_bind_text(st, 5, d->title ? d->title : "", (size_t)-1);
    db_bind_i64(st, 6, d->amount);
    db_bind_text(st, 7, d->opened_at, (size_t)-1);
    db_bind_text_or_null(st, 8, d->closed_at);
    bind_opt_id(st, 9, r.owner_id);
    bind_opt_id(st, 10, r.reason_id);
    db_bind_text_or_null(st, 11, d->lost_note);
    bind_opt_id(st, 12, r.trigger_id);
    bind_opt_id(st, 13, r.product_id);
    db_bind_text(st, 14, now, (size_t)-1);
    db_bind_text(st, 15, now, (size_t)-1);
    rc = db_step(st, err);
    if (rc != DB_ROW) {
        db_reset(st);
        if (err && err->code == OK_ERR_CONFLICT) {
            ok_err_set(err, OK_ERR_CONFLICT, "a deal with code '%s' already exists", d->code);
            ok_err_locate(err, "code", 0);
        }
        goto fail;
    }
    id = db_column_i64(st, 0);
    db_reset(st);
    d->id = id;
    d->version = 1;
    deal_to_json(d, &json);
    if (store_audit(db, who, "create", "deal", id, NULL, json.data, err) < 0)
        goto fail;
    if (db_commit(db, err) < 0)
        goto fail;
    goto out;
fail:
    db_rollback(db);
    id = -1;
out:
    buf_release(&json);
    return id;
}

#define SELECT_DEAL                                                                                \
    "SELECT d.id, d.code, c.code, d.kind, d.stage, d.title, d.amount, d.opened_at, d.closed_at, "  \
    "u.login, lr.code, d.lost_note, t.code, p.sku, d.version, d.created_at, d.updated_at, "        \
    "d.reopened_from, (SELECT r.id FROM deals r WHERE r.reopened_from = d.id) "                    \
    "FROM deals d JOIN customers c ON c.id = d.customer_id "                                       \
    "LEFT JOIN users u ON u.id = d.owner_id "                                                      \
    "LEFT JOIN lost_reasons lr ON lr.id = d.lost_reason_id "                                       \
    "LEFT JOIN triggers t ON t.id = d.trigger_id "                                                 \
    "LEFT JOIN products p ON p.id = d.product_id "

static void read_row(struct db_stmt *st, struct deal *d)
{
    d->id = db_column_i64(st, 0);
    d->code = db_column_strdup(st, 1);
    d->customer_code = db_column_strdup(st, 2);
    d->kind = db_column_strdup(st, 3);
    d->stage = db_column_strdup(st, 4);
    d->title = db_column_strdup(st, 5);
    d->amount = db_column_i64(st, 6);
    d->opened_at = db_column_strdup(st, 7);
    d->closed_at = db_column_strdup(st, 8);
    d->owner_login = db_column_strdup(st, 9);
    d->lost_reason = db_column_strdup(st, 10);
    d->lost_note = db_column_strdup(st, 11);
    d->trigger = db_column_strdup(st, 12);
    d->product_sku = db_column_strdup(st, 13);
    d->version = db_column_i64(st, 14);
    d->created_at = db_column_strdup(st, 15);
    d->updated_at = db_column_strdup(st, 16);
    d->reopened_from = db_column_is_null(st, 17) ? 0 : db_column_i64(st, 17);
    d->reopened_as = db_column_is_null(st, 18) ? 0 : db_column_i64(st, 18);
}

static int is_all_digits(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (*s < '0' || *s > '9')
            return 0;
    return 1;
}

static const char SQL_GET_ID[] = SELECT_DEAL "WHERE d.id = ?";
static const char SQL_GET_CODE[] = SELECT_DEAL "WHERE d.code = ?";

int store_deal_get(struct db *db, const char *ref, struct deal *out, struct ok_err *err)
{
    int by_id = is_all_digits(ref);
    struct db_stmt *st = db_cached(db, by_id ? SQL_GET_ID : SQL_GET_CODE, err);
    int rc;
    memset(out, 0, sizeof(*out));
    if (!st)
        return -1;
    if (by_id)
        db_bind_i64(st, 1, strtoll(ref, NULL, 10));
    else
        db_bind_text(st, 1, ref, (size_t)-1);
    rc = db_step(st, err);
    if (rc == DB_ROW)
        read_row(st, out);
    db_reset(st);
    if (rc < 0)
        return -1;
    if (rc == DB_DONE)
        return ok_err_set(err, OK_ERR_NOT_FOUND,
                          "no deal '%s'; list deals with `okaeri deal list --customer CODE`", ref);
    return 0;
}

static const char SQL_CLOSE[] =
    "UPDATE deals SET stage = ?, closed_at = ?, amount = ?, lost_reason_id = ?, lost_note = ?, "
    "updated_at = ?, version = version + 1 WHERE id = ? AND stage = 'open'";

/* Shared by win and lose: checks the deal is open, writes the new stage and audits. */
static int deal_close(struct db *db, const struct store_actor *who, const char *ref,
                      const char *stage, const char *closed_on, int64_t amount, const char *reason,
                      const char *note, struct ok_err *err)
{
    struct deal before, after;
    struct db_stmt *st;
    struct buf bj, aj;
    char day[11], now[20];
    int64_t reason_id = 0;
    int rc = -1;
    memset(&before, 0, sizeof(before));
    memset(&after, 0, sizeof(after));
    buf_init(&bj, 0);
    buf_init(&aj, 0);
    if (closed_on && *closed_on) {
        int32_t d, secs;
        if (date_parse(closed_on, strlen(closed_on), &d, &secs, err) < 0) {
            bad(err, "closed_at");
            goto release;
        }
        date_format_iso(d, day);
    } else {
        today_utc(day);
    }
    if (db_begin(db, err) < 0)
        goto release;
    if (store_deal_get(db, ref, &before, err) < 0)
        goto fail;
    if (strcmp(before.stage, "open")) {
        ok_err_set(err, OK_ERR_CONFLICT, "deal %s is already %s (closed %s)", ref, before.stage,
                   before.closed_at ? before.closed_at : "");
        goto fail;
    }
    if (strcmp(day, before.opened_at) < 0) {
        ok_err_set(err, OK_ERR_INVALID, "the deal cannot close (%s) before it opened (%s)", day,
                   before.opened_at);
        bad(err, "closed_at");
        goto fail;
    }
    if (reason) {
        reason_id = store_list_id(db, "lost_reasons", reason, err);
        if (reason_id < 0) {
            bad(err, "lost_reason");
            goto fail;
        }
    }
    st = db_cached(db, SQL_CLOSE, err);
    if (!st)
        goto fail;
    store_now_utc(now);
    db_bind_text(st, 1, stage, (size_t)-1);
    db_bind_text(st, 2, day, (size_t)-1);
    db_bind_i64(st, 3, amount >= 0 ? amount : before.amount);
    bind_opt_id(st, 4, reason_id);
    db_bind_text_or_null(st, 5, note);
    db_bind_text(st, 6, now, (size_t)-1);
    db_bind_i64(st, 7, before.id);
    if (db_step(st, err) < 0) {
        db_reset(st);
        goto fail;
    }
    db_reset(st);
    {
        char id[24];
        snprintf(id, sizeof(id), "%lld", (long long)before.id);
        if (store_deal_get(db, id, &after, err) < 0)
            goto fail;
    }
    deal_to_json(&before, &bj);
    deal_to_json(&after, &aj);
    if (store_audit(db, who, stage[0] == 'w' ? "win" : "lose", "deal", before.id, bj.data, aj.data,
                    err) < 0)
        goto fail;
    if (db_commit(db, err) < 0)
        goto fail;
    rc = 0;
fail:
    if (rc < 0)
        db_rollback(db);
release:
    deal_release(&before);
    deal_release(&after);
    buf_release(&bj);
    buf_release(&aj);
    return rc;
}

int store_deal_win(struct db *db, const struct store_actor *who, const char *ref,
                   const char *closed_on, int64_t amount, struct ok_err *err)
{
    return deal_close(db, who, ref, "won", closed_on, amount, NULL, NULL, err);
}

int store_deal_lose(struct db *db, const struct store_actor *who, const char *ref,
                    const char *closed_on, const char *reason, const char *note, struct ok_err *err)
{
    if (!reason || !*reason) {
        ok_err_set(err, OK_ERR_INVALID,
                   "say why the deal was lost with --reason (価格 price, 時期 timing, 競合 "
                   "competitor, その他 other)");
        return bad(err, "lost_reason");
    }
    return deal_close(db, who, ref, "lost", closed_on, -1, reason, note, err);
}

static void set_copy(char **field, const char *value)
{
    free(*field);
    *field = value && *value ? xstrdup(value) : NULL;
}

static int get_by_id(struct db *db, int64_t id, struct deal *out, struct ok_err *err)
{
    char ref[24];
    snprintf(ref, sizeof(ref), "%lld", (long long)id);
    return store_deal_get(db, ref, out, err);
}

static int stale(struct ok_err *err, const struct deal *stored, int64_t version)
{
    return ok_err_set(err, OK_ERR_CONFLICT,
                      "deal %lld was changed by someone else (version %lld, you edited %lld); "
                      "reload it and apply your change again",
                      (long long)stored->id, (long long)stored->version, (long long)version);
}

static const char SQL_UPDATE[] =
    "UPDATE deals SET kind = ?, title = ?, amount = ?, opened_at = ?, owner_id = ?, "
    "trigger_id = ?, product_id = ?, updated_at = ?, version = version + 1 "
    "WHERE id = ? AND version = ?";

int store_deal_update(struct db *db, const struct store_actor *who, struct deal *d,
                      struct ok_err *err)
{
    struct deal before, after;
    struct deal_refs r;
    struct db_stmt *st;
    struct buf bj, aj;
    char now[20];
    int rc = -1;
    memset(&before, 0, sizeof(before));
    memset(&after, 0, sizeof(after));
    buf_init(&bj, 0);
    buf_init(&aj, 0);
    if (db_begin(db, err) < 0)
        goto out;
    if (get_by_id(db, d->id, &before, err) < 0 || get_by_id(db, d->id, &after, err) < 0)
        goto fail;
    if (before.version != d->version) {
        stale(err, &before, d->version);
        goto fail;
    }
    set_copy(&after.kind, d->kind);
    set_copy(&after.title, d->title);
    after.amount = d->amount;
    set_copy(&after.opened_at, d->opened_at);
    set_copy(&after.owner_login, d->owner_login);
    set_copy(&after.trigger, d->trigger);
    set_copy(&after.product_sku, d->product_sku);
    if (!after.opened_at) {
        ok_err_set(err, OK_ERR_INVALID, "a deal needs the day it opened");
        bad(err, "opened_at");
        goto fail;
    }
    if (deal_validate(&after, err) < 0 || resolve_refs(db, &after, &r, err) < 0)
        goto fail;
    st = db_cached(db, SQL_UPDATE, err);
    if (!st)
        goto fail;
    store_now_utc(now);
    db_bind_text(st, 1, after.kind ? after.kind : "new", (size_t)-1);
    db_bind_text(st, 2, after.title ? after.title : "", (size_t)-1);
    db_bind_i64(st, 3, after.amount);
    db_bind_text(st, 4, after.opened_at, (size_t)-1);
    bind_opt_id(st, 5, r.owner_id);
    bind_opt_id(st, 6, r.trigger_id);
    bind_opt_id(st, 7, r.product_id);
    db_bind_text(st, 8, now, (size_t)-1);
    db_bind_i64(st, 9, after.id);
    db_bind_i64(st, 10, d->version);
    if (db_step(st, err) < 0) {
        db_reset(st);
        goto fail;
    }
    db_reset(st);
    /* PostgreSQL at READ COMMITTED: another writer may have committed since the read above */
    if (db_changes(db) != 1) {
        ok_err_set(err, OK_ERR_CONFLICT,
                   "deal %lld was changed by someone else; reload it and try again",
                   (long long)after.id);
        goto fail;
    }
    after.version++;
    set_copy(&after.updated_at, now);
    deal_to_json(&before, &bj);
    deal_to_json(&after, &aj);
    if (store_audit(db, who, "update", "deal", after.id, bj.data, aj.data, err) < 0)
        goto fail;
    if (db_commit(db, err) < 0)
        goto fail;
    d->version = after.version;
    set_copy(&d->updated_at, now);
    rc = 0;
    goto out;
fail:
    db_rollback(db);
out:
    deal_release(&before);
    deal_release(&after);
    buf_release(&bj);
    buf_release(&aj);
    return rc;
}

static const char SQL_INSERT_REOPEN[] =
    "INSERT INTO deals(customer_id, kind, stage, title, amount, opened_at, owner_id, trigger_id, "
    "product_id, reopened_from, created_at, updated_at) "
    "VALUES (?,?,'open',?,?,?,?,?,?,?,?,?) RETURNING id";
static const char SQL_TOUCH_LOST[] = "UPDATE deals SET updated_at = ?, version = version + 1 "
                                     "WHERE id = ? AND version = ? AND stage = 'lost'";
static const char SQL_LOSS_ENROLLMENTS[] =
    "SELECT id FROM enrollments WHERE deal_id = ? AND status = 'active' ORDER BY id";

/* Ends the active enrollments that deal id's loss started. */
static int exit_enrollments(struct db *db, const struct store_actor *who, int64_t deal_id,
                            struct ok_err *err)
{
    struct db_stmt *st = db_prepare(db, SQL_LOSS_ENROLLMENTS, err);
    int64_t *ids = NULL;
    size_t n = 0, alloc = 0, i;
    int step, rc = -1;
    if (!st)
        return -1;
    db_bind_i64(st, 1, deal_id);
    while ((step = db_step(st, err)) == DB_ROW) {
        ids = xgrow(ids, &alloc, n + 1, sizeof(*ids));
        ids[n++] = db_column_i64(st, 0);
    }
    db_stmt_free(&st);
    if (step < 0)
        goto out;
    for (i = 0; i < n; i++)
        if (store_enrollment_exit(db, who, ids[i], "deal_reopened", err) < 0)
            goto out;
    rc = 0;
out:
    free(ids);
    return rc;
}

int64_t store_deal_reopen(struct db *db, const struct store_actor *who, const char *ref,
                          int64_t version, const char *opened_on, struct ok_err *err)
{
    struct deal lost, after, fresh;
    struct deal_refs r;
    struct db_stmt *st;
    struct buf bj, aj, nj;
    char day[11], now[20];
    int64_t id = -1;
    int step;
    memset(&lost, 0, sizeof(lost));
    memset(&after, 0, sizeof(after));
    memset(&fresh, 0, sizeof(fresh));
    buf_init(&bj, 0);
    buf_init(&aj, 0);
    buf_init(&nj, 0);
    if (opened_on && *opened_on) {
        int32_t dd, secs;
        if (date_parse(opened_on, strlen(opened_on), &dd, &secs, err) < 0) {
            bad(err, "opened_at");
            goto out;
        }
        date_format_iso(dd, day);
    } else {
        today_utc(day);
    }
    if (db_begin(db, err) < 0)
        goto out;
    if (store_deal_get(db, ref, &lost, err) < 0)
        goto fail;
    if (version > 0 && lost.version != version) {
        stale(err, &lost, version);
        goto fail;
    }
    if (strcmp(lost.stage, "lost")) {
        ok_err_set(err, OK_ERR_CONFLICT, "deal %s is %s; only a lost deal can be reopened", ref,
                   lost.stage);
        goto fail;
    }
    if (lost.reopened_as) {
        ok_err_set(err, OK_ERR_CONFLICT, "deal %s was already reopened as deal %lld", ref,
                   (long long)lost.reopened_as);
        goto fail;
    }
    if (lost.closed_at && strcmp(day, lost.closed_at) < 0) {
        ok_err_set(err, OK_ERR_INVALID, "the deal cannot reopen (%s) before it was lost (%s)", day,
                   lost.closed_at);
        bad(err, "opened_at");
        goto fail;
    }
    {
        /* the new deal's references are the lost one's: no lost reason on an open deal */
        struct deal probe = lost;
        probe.lost_reason = NULL;
        if (resolve_refs(db, &probe, &r, err) < 0)
            goto fail;
    }
    store_now_utc(now);
    st = db_cached(db, SQL_INSERT_REOPEN, err);
    if (!st)
        goto fail;
    db_bind_i64(st, 1, r.customer_id);
    db_bind_text(st, 2, lost.kind ? lost.kind : "new", (size_t)-1);
    db_bind_text(st, 3, lost.title ? lost.title : "", (size_t)-1);
    db_bind_i64(st, 4, lost.amount);
    db_bind_text(st, 5, day, (size_t)-1);
    bind_opt_id(st, 6, r.owner_id);
    bind_opt_id(st, 7, r.trigger_id);
    bind_opt_id(st, 8, r.product_id);
    db_bind_i64(st, 9, lost.id);
    db_bind_text(st, 10, now, (size_t)-1);
    db_bind_text(st, 11, now, (size_t)-1);
    step = db_step(st, err);
    if (step != DB_ROW) {
        db_reset(st);
        if (err && err->code == OK_ERR_CONFLICT)
            ok_err_set(err, OK_ERR_CONFLICT, "deal %s was reopened by someone else meanwhile", ref);
        goto fail;
    }
    id = db_column_i64(st, 0);
    db_reset(st);
    st = db_cached(db, SQL_TOUCH_LOST, err);
    if (!st)
        goto fail;
    db_bind_text(st, 1, now, (size_t)-1);
    db_bind_i64(st, 2, lost.id);
    db_bind_i64(st, 3, lost.version);
    if (db_step(st, err) < 0) {
        db_reset(st);
        goto fail;
    }
    db_reset(st);
    if (db_changes(db) != 1) {
        ok_err_set(err, OK_ERR_CONFLICT,
                   "deal %s was changed by someone else; reload it and try again", ref);
        goto fail;
    }
    if (exit_enrollments(db, who, lost.id, err) < 0)
        goto fail;
    if (get_by_id(db, lost.id, &after, err) < 0 || get_by_id(db, id, &fresh, err) < 0)
        goto fail;
    deal_to_json(&lost, &bj);
    deal_to_json(&after, &aj);
    deal_to_json(&fresh, &nj);
    if (store_audit(db, who, "reopen", "deal", lost.id, bj.data, aj.data, err) < 0 ||
        store_audit(db, who, "create", "deal", id, NULL, nj.data, err) < 0)
        goto fail;
    if (db_commit(db, err) < 0)
        goto fail;
    goto out;
fail:
    db_rollback(db);
    id = -1;
out:
    deal_release(&lost);
    deal_release(&after);
    deal_release(&fresh);
    buf_release(&bj);
    buf_release(&aj);
    buf_release(&nj);
    return id;
}

int store_deal_list(struct db *db, const struct deal_query *q,
                    int (*fn)(void *ctx, const struct deal *d), void *ctx, struct ok_err *err)
{
    struct buf sql;
    struct db_stmt *st = NULL;
    int idx = 1, step, rc = -1;
    buf_init(&sql, 0);
    buf_puts(&sql, SELECT_DEAL "WHERE 1=1");
    /* One customer's deals are few: make deals_customer the only usable index ("|| ''" and
     * "+ 0" keep the stage and reason indexes out), or the planner, without statistics, walks
     * every lost deal of a reason for each customer (seconds per automation pass at 1 M). */
    if (q->customer_code)
        buf_puts(&sql, " AND d.customer_id = (SELECT id FROM customers WHERE code = ?)");
    if (q->stage)
        buf_puts(&sql, q->customer_code ? " AND (d.stage || '') = ?" : " AND d.stage = ?");
    if (q->lost_reason)
        buf_puts(&sql, q->customer_code ? " AND (d.lost_reason_id + 0) = (SELECT id FROM "
                                          "lost_reasons WHERE code = ?)"
                                        : " AND lr.code = ?");
    if (q->not_reopened)
        buf_puts(&sql, " AND NOT EXISTS (SELECT 1 FROM deals r WHERE r.reopened_from = d.id)");
    if (q->after_id > 0)
        buf_puts(&sql, " AND d.id > ?");
    buf_printf(&sql, " ORDER BY d.id LIMIT %d", q->limit > 0 ? q->limit : 100);
    st = db_prepare(db, sql.data, err);
    if (!st)
        goto out;
    if (q->customer_code)
        db_bind_text(st, idx++, q->customer_code, (size_t)-1);
    if (q->stage)
        db_bind_text(st, idx++, q->stage, (size_t)-1);
    if (q->lost_reason)
        db_bind_text(st, idx++, q->lost_reason, (size_t)-1);
    if (q->after_id > 0)
        db_bind_i64(st, idx++, q->after_id);
    while ((step = db_step(st, err)) == DB_ROW) {
        struct deal d;
        int stop;
        read_row(st, &d);
        stop = fn(ctx, &d);
        deal_release(&d);
        if (stop)
            break;
    }
    if (step < 0)
        goto out;
    rc = 0;
out:
    db_stmt_free(&st);
    buf_release(&sql);
    return rc;
}

void deal_to_json(const struct deal *d, struct buf *out)
{
    int first = 1;
    buf_putc(out, '{');
    json_out_field_i64(out, &first, "id", d->id);
    json_out_field_string(out, &first, "code", d->code);
    json_out_field_string(out, &first, "customer_code", d->customer_code);
    json_out_field_string(out, &first, "kind", d->kind ? d->kind : "new");
    json_out_field_string(out, &first, "stage", d->stage ? d->stage : "open");
    json_out_field_string(out, &first, "title", d->title);
    json_out_field_i64(out, &first, "amount", d->amount);
    json_out_field_string(out, &first, "opened_at", d->opened_at);
    json_out_field_string(out, &first, "closed_at", d->closed_at);
    json_out_field_string(out, &first, "owner", d->owner_login);
    json_out_field_string(out, &first, "lost_reason", d->lost_reason);
    json_out_field_string(out, &first, "lost_note", d->lost_note);
    json_out_field_string(out, &first, "trigger", d->trigger);
    json_out_field_string(out, &first, "product", d->product_sku);
    json_out_field_i64(out, &first, "version", d->version);
    if (d->reopened_from)
        json_out_field_i64(out, &first, "reopened_from", d->reopened_from);
    else
        buf_puts(out, ",\"reopened_from\":null");
    if (d->reopened_as)
        json_out_field_i64(out, &first, "reopened_as", d->reopened_as);
    else
        buf_puts(out, ",\"reopened_as\":null");
    buf_putc(out, '}');
}
