/*
 * store.c - audit log, timestamps and list lookups shared by the store modules.
 */
#include "store/store.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/banned.h"

void store_now_utc(char out[20])
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(out, 20, "%Y-%m-%d %H:%M:%S", &tm);
}

static const char SQL_AUDIT[] =
    "INSERT INTO audit_log(at, user_id, actor, action, entity, entity_id, before, after) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?)";

int store_audit(struct db *db, const struct store_actor *who, const char *action,
                const char *entity, int64_t entity_id, const char *before_json,
                const char *after_json, struct ok_err *err)
{
    char now[20];
    struct db_stmt *st = db_cached(db, SQL_AUDIT, err);
    int rc;
    if (!st)
        return -1;
    store_now_utc(now);
    db_bind_text(st, 1, now, (size_t)-1);
    if (who && who->user_id > 0)
        db_bind_i64(st, 2, who->user_id);
    else
        db_bind_null(st, 2);
    db_bind_text(st, 3, who && who->name ? who->name : "cli", (size_t)-1);
    db_bind_text(st, 4, action, (size_t)-1);
    db_bind_text(st, 5, entity, (size_t)-1);
    if (entity_id > 0)
        db_bind_i64(st, 6, entity_id);
    else
        db_bind_null(st, 6);
    db_bind_text(st, 7, before_json, (size_t)-1);
    db_bind_text(st, 8, after_json, (size_t)-1);
    rc = db_step(st, err);
    db_reset(st);
    return rc < 0 ? -1 : 0;
}

int64_t store_lookup_id(struct db *db, const char *sql, const char *param, struct ok_err *err)
{
    struct db_stmt *st = db_cached(db, sql, err);
    int64_t id = 0;
    int rc;
    if (!st)
        return -1;
    db_bind_text(st, 1, param, (size_t)-1);
    rc = db_step(st, err);
    if (rc == DB_ROW)
        id = db_column_i64(st, 0);
    db_reset(st);
    return rc < 0 ? -1 : id;
}

static const char *list_table(const char *list)
{
    if (!strcmp(list, "lost_reasons"))
        return "lost_reasons";
    if (!strcmp(list, "causes"))
        return "causes";
    if (!strcmp(list, "triggers"))
        return "triggers";
    return NULL;
}

int64_t store_list_id(struct db *db, const char *list, const char *code_or_label,
                      struct ok_err *err)
{
    const char *table = list_table(list);
    char sql[200];
    struct db_stmt *st;
    int64_t id = 0;
    int rc;
    struct buf valid;
    if (!table)
        return ok_err_set(err, OK_ERR_INTERNAL, "unknown list %s", list);
    if (!code_or_label || !*code_or_label)
        return 0;
    snprintf(sql, sizeof(sql),
             "SELECT id FROM %s WHERE code = ? OR label_ja = ? OR lower(label_en) = lower(?)",
             table);
    st = db_prepare(db, sql, err);
    if (!st)
        return -1;
    db_bind_text(st, 1, code_or_label, (size_t)-1);
    db_bind_text(st, 2, code_or_label, (size_t)-1);
    db_bind_text(st, 3, code_or_label, (size_t)-1);
    rc = db_step(st, err);
    if (rc == DB_ROW)
        id = db_column_i64(st, 0);
    db_stmt_free(&st);
    if (rc < 0)
        return -1;
    if (id > 0)
        return id;
    /* Not found: tell the user which values are valid. */
    buf_init(&valid, 4096);
    snprintf(sql, sizeof(sql), "SELECT code, label_ja FROM %s WHERE active = 1 ORDER BY sort",
             table);
    st = db_prepare(db, sql, err);
    if (st) {
        while (db_step(st, NULL) == DB_ROW)
            buf_printf(&valid, "%s%s (%s)", valid.len ? ", " : "", db_column_text(st, 0),
                       db_column_text(st, 1));
        db_stmt_free(&st);
    }
    ok_err_set(err, OK_ERR_INVALID, "unknown value '%s' for %s; use one of: %s", code_or_label,
               list, valid.data);
    buf_release(&valid);
    return -1;
}

int store_list_code(struct db *db, const char *list, int64_t id, struct buf *out,
                    struct ok_err *err)
{
    const char *table = list_table(list);
    char sql[120];
    struct db_stmt *st;
    int rc;
    if (!table)
        return ok_err_set(err, OK_ERR_INTERNAL, "unknown list %s", list);
    if (id <= 0)
        return 0;
    snprintf(sql, sizeof(sql), "SELECT code FROM %s WHERE id = ?", table);
    st = db_prepare(db, sql, err);
    if (!st)
        return -1;
    db_bind_i64(st, 1, id);
    rc = db_step(st, err);
    if (rc == DB_ROW)
        buf_puts(out, db_column_text(st, 0));
    db_stmt_free(&st);
    return rc < 0 ? -1 : 0;
}

int store_settings_each(struct db *db,
                        int (*fn)(void *ctx, const char *key, const char *value,
                                  struct ok_err *err),
                        void *ctx, struct ok_err *err)
{
    struct db_stmt *st = db_prepare(db, "SELECT key, value FROM settings ORDER BY key", err);
    int rc;
    if (!st)
        return -1;
    while ((rc = db_step(st, err)) == DB_ROW) {
        if (fn(ctx, db_column_text(st, 0), db_column_text(st, 1), err) < 0) {
            rc = -1;
            break;
        }
    }
    db_stmt_free(&st);
    return rc < 0 ? -1 : 0;
}
