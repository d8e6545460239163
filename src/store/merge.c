/*
 * merge.c - duplicate candidates and customer merges.
 */
#include "store/merge.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/buf.h"
#include "core/mem.h"
#include "store/customer.h"
#include "core/banned.h"

int store_duplicate_candidates(struct db *db,
                               int (*fn)(void *ctx, int64_t a, int64_t b, int why,
                                         struct ok_err *err),
                               void *ctx, struct ok_err *err)
{
    static const char *const sql[] = {
        "SELECT a.id, b.id FROM customers a JOIN customers b ON b.match_email = a.match_email "
        "AND b.id > a.id WHERE a.match_email <> ''",
        "SELECT a.id, b.id FROM customers a JOIN customers b ON b.match_phone = a.match_phone "
        "AND b.id > a.id WHERE a.match_phone <> ''",
        "SELECT a.id, b.id FROM customers a JOIN customers b ON b.match_name = a.match_name "
        "AND b.id > a.id AND (b.match_kana = a.match_kana OR a.match_kana = '' "
        "OR b.match_kana = '') WHERE a.match_name <> ''",
    };
    static const int why[] = {MERGE_SAME_EMAIL, MERGE_SAME_PHONE, MERGE_SAME_NAME};
    size_t k;
    for (k = 0; k < 3; k++) {
        struct db_stmt *st = db_prepare(db, sql[k], err);
        int rc;
        if (!st)
            return -1;
        while ((rc = db_step(st, err)) == DB_ROW)
            if (fn(ctx, db_column_i64(st, 0), db_column_i64(st, 1), why[k], err) < 0) {
                rc = -1;
                break;
            }
        db_stmt_free(&st);
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* The columns that point at customers: read from the schema on SQLite (so that tables added
 * later are covered), a fixed list elsewhere. */
struct ref_col {
    char table[64], column[64];
};

static int ref_columns(struct db *db, struct ref_col **out, size_t *n, struct ok_err *err)
{
    static const char *const fixed[][2] = {
        {"customers", "referred_by"},   {"orders", "customer_id"},    {"deals", "customer_id"},
        {"contracts", "customer_id"},   {"referrals", "referrer_id"}, {"referrals", "referred_id"},
        {"enrollments", "customer_id"}, {"tasks", "customer_id"},     {"activities", "customer_id"},
        {"feedback", "customer_id"}};
    size_t cap = 0, i;
    *out = NULL;
    *n = 0;
    if (db_engine_of(db) == DB_ENGINE_SQLITE) {
        struct db_stmt *st = db_prepare(
            db,
            "SELECT m.name, f.\"from\" FROM sqlite_master m, pragma_foreign_key_list(m.name) f "
            "WHERE m.type = 'table' AND f.\"table\" = 'customers' ORDER BY m.name",
            err);
        int rc;
        if (!st)
            return -1;
        while ((rc = db_step(st, err)) == DB_ROW) {
            *out = xgrow(*out, &cap, *n + 1, sizeof(**out));
            snprintf((*out)[*n].table, sizeof((*out)[*n].table), "%s", db_column_text(st, 0));
            snprintf((*out)[*n].column, sizeof((*out)[*n].column), "%s", db_column_text(st, 1));
            (*n)++;
        }
        db_stmt_free(&st);
        return rc < 0 ? -1 : 0;
    }
    for (i = 0; i < sizeof(fixed) / sizeof(fixed[0]); i++) {
        *out = xgrow(*out, &cap, *n + 1, sizeof(**out));
        snprintf((*out)[*n].table, sizeof((*out)[*n].table), "%s", fixed[i][0]);
        snprintf((*out)[*n].column, sizeof((*out)[*n].column), "%s", fixed[i][1]);
        (*n)++;
    }
    return 0;
}

/* Runs sql with ids[i] bound to its (i+1)-th `?`. Plain `?` only: the PostgreSQL driver numbers
 * placeholders in order and does not understand SQLite's `?NNN`. */
static int exec_ids(struct db *db, const char *sql, const int64_t *ids, size_t n, int64_t *changes,
                    struct ok_err *err)
{
    struct db_stmt *st = db_prepare(db, sql, err);
    size_t i;
    int rc;
    if (!st)
        return -1;
    for (i = 0; i < n; i++)
        db_bind_i64(st, (int)i + 1, ids[i]);
    rc = db_step(st, err);
    if (rc >= 0 && changes)
        *changes += db_changes(db);
    db_stmt_free(&st);
    return rc < 0 ? -1 : 0;
}

static void fill(char **keep, const char *other)
{
    if ((!*keep || !**keep) && other && *other)
        customer_set(keep, other);
}

int store_customer_merge(struct db *db, const struct store_actor *who, const char *keep_code,
                         const char *other_code, int64_t *moved, struct ok_err *err)
{
    struct customer keep, other;
    struct ref_col *refs = NULL;
    size_t nrefs = 0, i;
    int64_t ids[4];
    struct buf before, after, sql;
    int rc = -1, in_tx = 0;
    memset(&keep, 0, sizeof(keep));
    memset(&other, 0, sizeof(other));
    buf_init(&before, 0);
    buf_init(&after, 0);
    buf_init(&sql, 0);
    *moved = 0;
    if (!strcmp(keep_code, other_code)) {
        ok_err_set(err, OK_ERR_INVALID, "cannot merge customer %s into itself", keep_code);
        goto out;
    }
    if (db_begin(db, err) < 0)
        goto out;
    in_tx = 1;
    if (store_customer_get(db, keep_code, &keep, err) < 0 ||
        store_customer_get(db, other_code, &other, err) < 0)
        goto out;
    customer_to_json(&other, &before);
    if (ref_columns(db, &refs, &nrefs, err) < 0)
        goto out;
    ids[0] = keep.id;
    ids[1] = other.id;
    ids[2] = other.id;
    ids[3] = keep.id;
    /* A referral between the two would become a self-referral: it goes. An enrollment of both
     * in the same playbook for the same trigger keeps keep's. */
    if (exec_ids(db,
                 "DELETE FROM referrals WHERE (referrer_id = ? AND referred_id = ?) "
                 "OR (referrer_id = ? AND referred_id = ?)",
                 ids, 4, NULL, err) < 0)
        goto out;
    if (exec_ids(db,
                 "DELETE FROM enrollments WHERE customer_id = ? AND EXISTS (SELECT 1 FROM "
                 "enrollments e WHERE e.customer_id = ? AND e.playbook_id = "
                 "enrollments.playbook_id AND e.trigger_key = enrollments.trigger_key)",
                 ids + 2, 2, NULL, err) < 0)
        goto out;
    for (i = 0; i < nrefs; i++) {
        buf_reset(&sql);
        buf_printf(&sql, "UPDATE \"%s\" SET \"%s\" = ? WHERE \"%s\" = ?", refs[i].table,
                   refs[i].column, refs[i].column);
        if (exec_ids(db, sql.data, ids, 2, moved, err) < 0)
            goto out;
    }
    if (exec_ids(db, "UPDATE customers SET referred_by = NULL WHERE id = ? AND referred_by = ?",
                 (const int64_t[]){keep.id, keep.id}, 2, NULL, err) < 0)
        goto out;
    if (exec_ids(db, "DELETE FROM customers WHERE id = ?", &other.id, 1, NULL, err) < 0)
        goto out;
    /* keep's empty fields take other's values; a referral of keep by other is dropped */
    fill(&keep.name_kana, other.name_kana);
    fill(&keep.company, other.company);
    fill(&keep.email, other.email);
    fill(&keep.phone, other.phone);
    fill(&keep.postal_code, other.postal_code);
    fill(&keep.address, other.address);
    fill(&keep.birthday, other.birthday);
    fill(&keep.source, other.source);
    fill(&keep.owner_login, other.owner_login);
    fill(&keep.tags, other.tags);
    if (keep.referred_by_code && !strcmp(keep.referred_by_code, other.code))
        customer_set(&keep.referred_by_code, NULL);
    if (!keep.referred_by_code)
        fill(&keep.referred_by_code,
             other.referred_by_code && strcmp(other.referred_by_code, keep.code)
                 ? other.referred_by_code
                 : NULL);
    if (other.email_consent && !keep.unsubscribed_at && !other.unsubscribed_at)
        keep.email_consent = keep.email_consent || other.email_consent;
    {
        /* the version read above is current: nothing else writes inside this transaction */
        struct customer fresh;
        memset(&fresh, 0, sizeof(fresh));
        if (store_customer_get_by_id(db, keep.id, &fresh, err) < 0)
            goto out;
        keep.version = fresh.version;
        customer_release(&fresh);
    }
    if (store_customer_update(db, who, &keep, err) < 0)
        goto out;
    customer_to_json(&keep, &after);
    buf_printf(&before, "%s", "");
    if (store_audit(db, who, "merge", "customer", keep.id, before.data, after.data, err) < 0)
        goto out;
    if (db_commit(db, err) < 0)
        goto out;
    in_tx = 0;
    rc = 0;
out:
    if (in_tx)
        db_rollback(db);
    free(refs);
    customer_release(&keep);
    customer_release(&other);
    buf_release(&before);
    buf_release(&after);
    buf_release(&sql);
    return rc;
}
