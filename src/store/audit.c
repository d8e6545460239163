/*
 * audit.c - querying the audit log.
 */
#include "store/audit.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "core/json_out.h"
#include "store/fields.h"
#include "core/banned.h"

static void raw_json(struct buf *out, const char *key, const char *text)
{
    json_t *j;
    buf_putc(out, ',');
    json_out_key(out, key);
    if (!text) {
        buf_puts(out, "null");
        return;
    }
    j = json_loads(text, JSON_DECODE_ANY, NULL);
    if (j)
        buf_puts(out, text);
    else
        json_out_string(out, text, (size_t)-1);
    json_decref(j);
}

void audit_entry_to_json(const struct audit_entry *e, struct buf *out)
{
    int first = 1;
    buf_putc(out, '{');
    json_out_field_i64(out, &first, "id", e->id);
    json_out_field_string(out, &first, "at", e->at);
    json_out_field_string(out, &first, "user", e->user_login);
    json_out_field_string(out, &first, "actor", e->actor);
    json_out_field_string(out, &first, "action", e->action);
    json_out_field_string(out, &first, "entity", e->entity);
    if (e->entity_id > 0)
        json_out_field_i64(out, &first, "entity_id", e->entity_id);
    else
        json_out_field_string(out, &first, "entity_id", NULL);
    raw_json(out, "before", e->before);
    raw_json(out, "after", e->after);
    buf_putc(out, '}');
}

static const char *text_or_null(struct db_stmt *st, int col)
{
    return db_column_is_null(st, col) ? NULL : db_column_text(st, col);
}

int store_audit_list(struct db *db, const struct audit_query *q,
                     int (*fn)(void *ctx, const struct audit_entry *e), void *ctx,
                     struct ok_err *err)
{
    struct buf sql;
    struct db_stmt *st = NULL;
    char *since = NULL, *until = NULL;
    int64_t user_id = 0;
    int idx = 1, rc = -1, step;
    int limit = q && q->limit > 0 ? q->limit : 100;
    struct audit_query none = {0};
    if (!q)
        q = &none;
    buf_init(&sql, 0);
    store_field_set(&since, q->since);
    store_field_set(&until, q->until);
    if (store_norm_datetime(&since, "since", 0, err) < 0 ||
        store_norm_datetime(&until, "until", 0, err) < 0)
        goto out;
    if (q->user_login && *q->user_login) {
        user_id = store_ref_user(db, q->user_login, "user", err);
        if (user_id < 0)
            goto out;
    }
    buf_puts(&sql, "SELECT a.id, a.at, u.login, a.actor, a.action, a.entity, a.entity_id, "
                   "a.before, a.after FROM audit_log a LEFT JOIN users u ON u.id = a.user_id "
                   "WHERE 1=1");
    if (q->entity && *q->entity)
        buf_puts(&sql, " AND a.entity = ?");
    if (q->entity_id > 0)
        buf_puts(&sql, " AND a.entity_id = ?");
    if (user_id > 0)
        buf_puts(&sql, " AND a.user_id = ?");
    if (q->action && *q->action)
        buf_puts(&sql, " AND a.action = ?");
    if (since)
        buf_puts(&sql, " AND a.at >= ?");
    if (until)
        buf_puts(&sql, " AND a.at < ?");
    if (q->before_id > 0)
        buf_puts(&sql, " AND a.id < ?");
    buf_printf(&sql, " ORDER BY a.id DESC LIMIT %d", limit);
    st = db_prepare(db, sql.data, err);
    if (!st)
        goto out;
    if (q->entity && *q->entity)
        db_bind_text(st, idx++, q->entity, (size_t)-1);
    if (q->entity_id > 0)
        db_bind_i64(st, idx++, q->entity_id);
    if (user_id > 0)
        db_bind_i64(st, idx++, user_id);
    if (q->action && *q->action)
        db_bind_text(st, idx++, q->action, (size_t)-1);
    if (since)
        db_bind_text(st, idx++, since, (size_t)-1);
    if (until)
        db_bind_text(st, idx++, until, (size_t)-1);
    if (q->before_id > 0)
        db_bind_i64(st, idx++, q->before_id);
    while ((step = db_step(st, err)) == DB_ROW) {
        struct audit_entry e;
        e.id = db_column_i64(st, 0);
        e.at = db_column_text(st, 1);
        e.user_login = text_or_null(st, 2);
        e.actor = db_column_text(st, 3);
        e.action = db_column_text(st, 4);
        e.entity = db_column_text(st, 5);
        e.entity_id = db_column_is_null(st, 6) ? 0 : db_column_i64(st, 6);
        e.before = text_or_null(st, 7);
        e.after = text_or_null(st, 8);
        if (fn(ctx, &e))
            break;
    }
    if (step < 0)
        goto out;
    rc = 0;
out:
    db_stmt_free(&st);
    buf_release(&sql);
    free(since);
    free(until);
    return rc;
}
