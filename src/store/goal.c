/*
 * goal.c - storing and listing KPI goals.
 */
#include "store/goal.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/json_out.h"
#include "store/fields.h"
#include "core/banned.h"

void goal_release(struct goal *g)
{
    char **const fields[] = {&g->kpi, &g->period_start, &g->period_end, &g->note, &g->created_at};
    store_fields_free(fields, (int)(sizeof(fields) / sizeof(fields[0])));
    memset(g, 0, sizeof(*g));
}

static int kpi_valid(const char *s)
{
    size_t i, n = s ? strlen(s) : 0;
    if (n == 0 || n > 64 || !(s[0] >= 'a' && s[0] <= 'z'))
        return 0;
    for (i = 0; i < n; i++)
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
              s[i] == '.'))
            return 0;
    return 1;
}

int store_goal_validate(struct goal *g, struct ok_err *err)
{
    int32_t start = 0, end = 0;
    if (!kpi_valid(g->kpi))
        return store_invalid(err, "kpi",
                             "KPI '%.64s' is not a KPI name; use lower-case letters, digits, _ "
                             "and . (like renewal_rate)",
                             g->kpi ? g->kpi : "");
    if (store_norm_date(&g->period_start, "period_start", 1, &start, err) < 0 ||
        store_norm_date(&g->period_end, "period_end", 1, &end, err) < 0 ||
        store_check_text(g->note, "note", "note", 0, 2000, err) < 0)
        return -1;
    if (end < start)
        return store_invalid(err, "period_end", "the period ends (%s) before it starts (%s)",
                             g->period_end, g->period_start);
    if (!isfinite(g->target))
        return store_invalid(err, "target", "the target must be a finite number");
    return 0;
}

void goal_to_json(const struct goal *g, struct buf *out)
{
    int first = 1;
    buf_putc(out, '{');
    json_out_field_i64(out, &first, "id", g->id);
    json_out_field_string(out, &first, "kpi", g->kpi);
    json_out_field_string(out, &first, "period_start", g->period_start);
    json_out_field_string(out, &first, "period_end", g->period_end);
    buf_puts(out, ",\"target\":");
    json_out_double(out, g->target);
    json_out_field_string(out, &first, "note", g->note ? g->note : "");
    json_out_field_string(out, &first, "created_at", g->created_at);
    buf_putc(out, '}');
}

#define SELECT_GOAL "SELECT id, kpi, period_start, period_end, target, note, created_at FROM goals "

static void read_row(struct db_stmt *st, struct goal *g)
{
    g->id = db_column_i64(st, 0);
    g->kpi = db_column_strdup(st, 1);
    g->period_start = db_column_strdup(st, 2);
    g->period_end = db_column_strdup(st, 3);
    g->target = db_column_double(st, 4);
    g->note = db_column_strdup(st, 5);
    g->created_at = db_column_strdup(st, 6);
}

static const char SQL_GET[] = SELECT_GOAL "WHERE id = ?";

int store_goal_get(struct db *db, int64_t id, struct goal *out, struct ok_err *err)
{
    struct db_stmt *st = db_cached(db, SQL_GET, err);
    int rc;
    memset(out, 0, sizeof(*out));
    if (!st)
        return -1;
    db_bind_i64(st, 1, id);
    rc = db_step(st, err);
    if (rc == DB_ROW)
        read_row(st, out);
    db_reset(st);
    if (rc < 0)
        return -1;
    if (rc == DB_DONE)
        return ok_err_set(err, OK_ERR_NOT_FOUND, "no goal with id %lld", (long long)id);
    return 0;
}

static void period_conflict(struct ok_err *err, const struct goal *g)
{
    if (err && err->code == OK_ERR_CONFLICT) {
        ok_err_set(err, OK_ERR_CONFLICT,
                   "%s already has a goal for %s .. %s; change that goal instead", g->kpi,
                   g->period_start, g->period_end);
        ok_err_locate(err, "kpi", 0);
    }
}

static const char SQL_INSERT[] =
    "INSERT INTO goals(kpi, period_start, period_end, target, note, created_at) "
    "VALUES (?, ?, ?, ?, ?, ?) RETURNING id";
static const char SQL_UPSERT[] =
    "INSERT INTO goals(kpi, period_start, period_end, target, note, created_at) "
    "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (kpi, period_start, period_end) DO UPDATE SET "
    "target = excluded.target, note = excluded.note RETURNING id";
static const char SQL_FIND[] =
    "SELECT id FROM goals WHERE kpi = ? AND period_start = ? AND period_end = ?";

static int64_t insert_goal(struct db *db, const struct store_actor *who, struct goal *g, int upsert,
                           struct ok_err *err)
{
    struct db_stmt *st = NULL;
    struct goal before;
    struct buf bj, aj;
    char now[20];
    int64_t id = -1, existing = 0;
    memset(&before, 0, sizeof(before));
    if (store_goal_validate(g, err) < 0)
        return -1;
    buf_init(&bj, 0);
    buf_init(&aj, 0);
    if (db_begin(db, err) < 0)
        goto out;
    if (upsert) {
        struct db_stmt *f = db_cached(db, SQL_FIND, err);
        int step;
        if (!f)
            goto fail;
        db_bind_text(f, 1, g->kpi, (size_t)-1);
        db_bind_text(f, 2, g->period_start, (size_t)-1);
        db_bind_text(f, 3, g->period_end, (size_t)-1);
        step = db_step(f, err);
        if (step == DB_ROW)
            existing = db_column_i64(f, 0);
        db_reset(f);
        if (step < 0 || (existing && store_goal_get(db, existing, &before, err) < 0))
            goto fail;
    }
    st = db_cached(db, upsert ? SQL_UPSERT : SQL_INSERT, err);
    if (!st)
        goto fail;
    store_now_utc(now);
    db_bind_text(st, 1, g->kpi, (size_t)-1);
    db_bind_text(st, 2, g->period_start, (size_t)-1);
    db_bind_text(st, 3, g->period_end, (size_t)-1);
    db_bind_double(st, 4, g->target);
    db_bind_text(st, 5, g->note ? g->note : "", (size_t)-1);
    db_bind_text(st, 6, now, (size_t)-1);
    if (db_step(st, err) != DB_ROW) {
        period_conflict(err, g);
        goto fail;
    }
    id = db_column_i64(st, 0);
    db_reset(st);
    g->id = id;
    store_field_set(&g->created_at, existing ? before.created_at : now);
    if (existing)
        goal_to_json(&before, &bj);
    goal_to_json(g, &aj);
    if (store_audit(db, who, existing ? "update" : "create", "goal", id, existing ? bj.data : NULL,
                    aj.data, err) < 0)
        goto fail;
    if (db_commit(db, err) < 0)
        goto fail;
    goto out;
fail:
    if (st)
        db_reset(st);
    db_rollback(db);
    id = -1;
out:
    goal_release(&before);
    buf_release(&bj);
    buf_release(&aj);
    return id;
}

int64_t store_goal_create(struct db *db, const struct store_actor *who, struct goal *g,
                          struct ok_err *err)
{
    return insert_goal(db, who, g, 0, err);
}

int64_t store_goal_set(struct db *db, const struct store_actor *who, struct goal *g,
                       struct ok_err *err)
{
    return insert_goal(db, who, g, 1, err);
}

static const char SQL_UPDATE[] =
    "UPDATE goals SET kpi = ?, period_start = ?, period_end = ?, target = ?, note = ? "
    "WHERE id = ?";
static const char SQL_DELETE[] = "DELETE FROM goals WHERE id = ?";

/* Updates (g != NULL) or deletes goal id, audited. */
static int change_goal(struct db *db, const struct store_actor *who, int64_t id, struct goal *g,
                       struct ok_err *err)
{
    struct goal before;
    struct db_stmt *st = NULL;
    struct buf bj, aj;
    int rc = -1;
    memset(&before, 0, sizeof(before));
    if (g && store_goal_validate(g, err) < 0)
        return -1;
    buf_init(&bj, 0);
    buf_init(&aj, 0);
    if (db_begin(db, err) < 0)
        goto out;
    if (store_goal_get(db, id, &before, err) < 0)
        goto fail;
    st = db_cached(db, g ? SQL_UPDATE : SQL_DELETE, err);
    if (!st)
        goto fail;
    if (g) {
        db_bind_text(st, 1, g->kpi, (size_t)-1);
        db_bind_text(st, 2, g->period_start, (size_t)-1);
        db_bind_text(st, 3, g->period_end, (size_t)-1);
        db_bind_double(st, 4, g->target);
        db_bind_text(st, 5, g->note ? g->note : "", (size_t)-1);
        db_bind_i64(st, 6, id);
    } else {
        db_bind_i64(st, 1, id);
    }
    if (db_step(st, err) < 0) {
        if (g)
            period_conflict(err, g);
        goto fail;
    }
    db_reset(st);
    goal_to_json(&before, &bj);
    if (g) {
        store_field_set(&g->created_at, before.created_at);
        goal_to_json(g, &aj);
    }
    if (store_audit(db, who, g ? "update" : "delete", "goal", id, bj.data, g ? aj.data : NULL,
                    err) < 0)
        goto fail;
    if (db_commit(db, err) < 0)
        goto fail;
    rc = 0;
    goto out;
fail:
    if (st)
        db_reset(st);
    db_rollback(db);
out:
    goal_release(&before);
    buf_release(&bj);
    buf_release(&aj);
    return rc;
}

int store_goal_update(struct db *db, const struct store_actor *who, struct goal *g,
                      struct ok_err *err)
{
    return change_goal(db, who, g->id, g, err);
}

int store_goal_delete(struct db *db, const struct store_actor *who, int64_t id, struct ok_err *err)
{
    return change_goal(db, who, id, NULL, err);
}

int store_goal_list(struct db *db, const struct goal_query *q,
                    int (*fn)(void *ctx, const struct goal *g), void *ctx, struct ok_err *err)
{
    struct buf sql;
    struct db_stmt *st = NULL;
    char *from = NULL, *to = NULL;
    int idx = 1, rc = -1, step;
    int limit = q->limit > 0 ? q->limit : 100;
    buf_init(&sql, 0);
    store_field_set(&from, q->from);
    store_field_set(&to, q->to);
    if (store_norm_date(&from, "from", 0, NULL, err) < 0 ||
        store_norm_date(&to, "to", 0, NULL, err) < 0)
        goto out;
    buf_puts(&sql, SELECT_GOAL "WHERE 1=1");
    if (q->kpi && *q->kpi)
        buf_puts(&sql, " AND kpi = ?");
    /* Overlap of [period_start, period_end] with [from, to]. */
    if (from)
        buf_puts(&sql, " AND period_end >= ?");
    if (to)
        buf_puts(&sql, " AND period_start <= ?");
    if (q->after_id > 0)
        buf_printf(&sql, " AND id > ? ORDER BY id LIMIT %d", limit);
    else
        buf_printf(&sql, " ORDER BY period_start, kpi, id LIMIT %d", limit);
    st = db_prepare(db, sql.data, err);
    if (!st)
        goto out;
    if (q->kpi && *q->kpi)
        db_bind_text(st, idx++, q->kpi, (size_t)-1);
    if (from)
        db_bind_text(st, idx++, from, (size_t)-1);
    if (to)
        db_bind_text(st, idx++, to, (size_t)-1);
    if (q->after_id > 0)
        db_bind_i64(st, idx++, q->after_id);
    while ((step = db_step(st, err)) == DB_ROW) {
        struct goal g;
        int stop;
        memset(&g, 0, sizeof(g));
        read_row(st, &g);
        stop = fn(ctx, &g);
        goal_release(&g);
        if (stop)
            break;
    }
    if (step < 0)
        goto out;
    rc = 0;
out:
    db_stmt_free(&st);
    buf_release(&sql);
    free(from);
    free(to);
    return rc;
}
