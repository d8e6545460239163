/*
 * segment.c - storing saved segments and their member-count history.
 */
#include "store/segment.h"

#include <stdlib.h>
#include <string.h>

#include "core/json_out.h"
#include "store/fields.h"
#include "core/banned.h"

void segment_release(struct segment *s)
{
    char **const fields[] = {&s->name,       &s->filter,     &s->description,
                             &s->created_by, &s->created_at, &s->updated_at};
    store_fields_free(fields, (int)(sizeof(fields) / sizeof(fields[0])));
    memset(s, 0, sizeof(*s));
}

int store_segment_validate(const struct segment *s, struct ok_err *err)
{
    if (store_check_text(s->name, "name", "segment name", 1, 200, err) < 0 ||
        store_check_text(s->filter, "filter", "segment filter", 1, 8000, err) < 0 ||
        store_check_text(s->description, "description", "description", 0, 2000, err) < 0)
        return -1;
    return 0;
}

void segment_to_json(const struct segment *s, struct buf *out)
{
    int first = 1;
    buf_putc(out, '{');
    json_out_field_i64(out, &first, "id", s->id);
    json_out_field_string(out, &first, "name", s->name);
    json_out_field_string(out, &first, "filter", s->filter);
    json_out_field_string(out, &first, "description", s->description ? s->description : "");
    json_out_field_string(out, &first, "created_by", s->created_by);
    json_out_field_string(out, &first, "created_at", s->created_at);
    json_out_field_string(out, &first, "updated_at", s->updated_at);
    buf_putc(out, '}');
}

#define SELECT_SEGMENT                                                                             \
    "SELECT s.id, s.name, s.filter, s.description, u.login, s.created_at, s.updated_at "           \
    "FROM segments s LEFT JOIN users u ON u.id = s.created_by "

static void read_row(struct db_stmt *st, void *out)
{
    struct segment *s = out;
    s->id = db_column_i64(st, 0);
    s->name = db_column_strdup(st, 1);
    s->filter = db_column_strdup(st, 2);
    s->description = db_column_strdup(st, 3);
    s->created_by = db_column_strdup(st, 4);
    s->created_at = db_column_strdup(st, 5);
    s->updated_at = db_column_strdup(st, 6);
}

static const char SQL_GET_BY_NAME[] = SELECT_SEGMENT "WHERE s.name = ?";
static const char SQL_GET_BY_ID[] = SELECT_SEGMENT "WHERE s.id = ?";

static const struct store_getter getter = {
    SQL_GET_BY_NAME, SQL_GET_BY_ID, "segment", "named", "; list them with `okaeri segment list`",
    read_row};

static int get_one(struct db *db, const char *name, int64_t id, struct segment *out,
                   struct ok_err *err)
{
    memset(out, 0, sizeof(*out));
    return store_get_row(db, &getter, name, id, out, err);
}

int store_segment_get(struct db *db, const char *name, struct segment *out, struct ok_err *err)
{
    return get_one(db, name ? name : "", 0, out, err);
}

int store_segment_get_by_id(struct db *db, int64_t id, struct segment *out, struct ok_err *err)
{
    return get_one(db, NULL, id, out, err);
}

static void name_conflict(struct ok_err *err, const struct segment *s)
{
    if (err && err->code == OK_ERR_CONFLICT) {
        ok_err_set(err, OK_ERR_CONFLICT,
                   "a segment named '%.100s' already exists; choose another name", s->name);
        ok_err_locate(err, "name", 0);
    }
}

static const char SQL_INSERT[] =
    "INSERT INTO segments(name, filter, description, created_by, created_at, updated_at) "
    "VALUES (?, ?, ?, ?, ?, ?) RETURNING id";
static const char SQL_LOGIN[] = "SELECT login FROM users WHERE id = ?";

int64_t store_segment_create(struct db *db, const struct store_actor *who, struct segment *s,
                             struct ok_err *err)
{
    struct db_stmt *st = NULL;
    struct buf json;
    char now[20];
    int64_t id = -1, creator = 0;
    if (store_segment_validate(s, err) < 0)
        return -1;
    buf_init(&json, 0);
    if (db_begin(db, err) < 0)
        goto out;
    if (s->created_by) {
        creator = store_ref_user(db, s->created_by, "created_by", err);
        if (creator < 0)
            goto fail;
    } else if (who && who->user_id > 0) {
        struct db_stmt *u = db_cached(db, SQL_LOGIN, err);
        int step;
        if (!u)
            goto fail;
        db_bind_i64(u, 1, who->user_id);
        step = db_step(u, err);
        if (step == DB_ROW) {
            creator = who->user_id;
            store_field_set(&s->created_by, db_column_text(u, 0));
        }
        db_reset(u);
        if (step < 0)
            goto fail;
    }
    st = db_cached(db, SQL_INSERT, err);
    if (!st)
        goto fail;
    store_now_utc(now);
    db_bind_text(st, 1, s->name, (size_t)-1);
    db_bind_text(st, 2, s->filter, (size_t)-1);
    db_bind_text(st, 3, s->description ? s->description : "", (size_t)-1);
    store_bind_id(st, 4, creator);
    db_bind_text(st, 5, now, (size_t)-1);
    db_bind_text(st, 6, now, (size_t)-1);
    if (db_step(st, err) != DB_ROW) {
        name_conflict(err, s);
        goto fail;
    }
    id = db_column_i64(st, 0);
    db_reset(st);
    s->id = id;
    store_field_set(&s->created_at, now);
    store_field_set(&s->updated_at, now);
    segment_to_json(s, &json);
    if (store_audit(db, who, "create", "segment", id, NULL, json.data, err) < 0)
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
    buf_release(&json);
    return id;
}

static const char SQL_UPDATE[] =
    "UPDATE segments SET name = ?, filter = ?, description = ?, updated_at = ? WHERE id = ?";
static const char SQL_DELETE_COUNTS[] = "DELETE FROM segment_counts WHERE segment_id = ?";
static const char SQL_DELETE[] = "DELETE FROM segments WHERE id = ?";

/* Updates (s != NULL) or deletes segment id with its counts; audited. */
static int change_segment(struct db *db, const struct store_actor *who, int64_t id,
                          struct segment *s, struct ok_err *err)
{
    struct segment before, after;
    struct db_stmt *st = NULL;
    struct buf bj, aj;
    char now[20];
    int rc = -1;
    memset(&before, 0, sizeof(before));
    memset(&after, 0, sizeof(after));
    if (s && store_segment_validate(s, err) < 0)
        return -1;
    buf_init(&bj, 0);
    buf_init(&aj, 0);
    if (db_begin(db, err) < 0)
        goto out;
    if (store_segment_get_by_id(db, id, &before, err) < 0)
        goto fail;
    store_now_utc(now);
    if (s) {
        st = db_cached(db, SQL_UPDATE, err);
        if (!st)
            goto fail;
        db_bind_text(st, 1, s->name, (size_t)-1);
        db_bind_text(st, 2, s->filter, (size_t)-1);
        db_bind_text(st, 3, s->description ? s->description : "", (size_t)-1);
        db_bind_text(st, 4, now, (size_t)-1);
        db_bind_i64(st, 5, id);
    } else {
        /* Explicit, so that it does not depend on ON DELETE CASCADE being enforced. */
        st = db_cached(db, SQL_DELETE_COUNTS, err);
        if (!st)
            goto fail;
        db_bind_i64(st, 1, id);
        if (db_step(st, err) < 0)
            goto fail;
        db_reset(st);
        st = db_cached(db, SQL_DELETE, err);
        if (!st)
            goto fail;
        db_bind_i64(st, 1, id);
    }
    if (db_step(st, err) < 0) {
        if (s)
            name_conflict(err, s);
        goto fail;
    }
    db_reset(st);
    st = NULL;
    segment_to_json(&before, &bj);
    if (s && store_segment_get_by_id(db, id, &after, err) < 0)
        goto fail;
    if (s) {
        segment_to_json(&after, &aj);
        store_field_set(&s->updated_at, now);
        store_field_set(&s->created_at, after.created_at);
        store_field_set(&s->created_by, after.created_by);
    }
    if (store_audit(db, who, s ? "update" : "delete", "segment", id, bj.data, s ? aj.data : NULL,
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
    segment_release(&before);
    segment_release(&after);
    buf_release(&bj);
    buf_release(&aj);
    return rc;
}

int store_segment_update(struct db *db, const struct store_actor *who, struct segment *s,
                         struct ok_err *err)
{
    return change_segment(db, who, s->id, s, err);
}

int store_segment_delete(struct db *db, const struct store_actor *who, int64_t id,
                         struct ok_err *err)
{
    return change_segment(db, who, id, NULL, err);
}

int store_segment_list(struct db *db, const struct segment_query *q,
                       int (*fn)(void *ctx, const struct segment *s), void *ctx, struct ok_err *err)
{
    struct buf sql, like;
    struct db_stmt *st = NULL;
    int idx = 1, rc = -1, step;
    int limit = q && q->limit > 0 ? q->limit : 100;
    buf_init(&sql, 0);
    buf_init(&like, 0);
    buf_puts(&sql, SELECT_SEGMENT "WHERE 1=1");
    if (q && q->search && *q->search) {
        buf_printf(&like, "%%%s%%", q->search);
        buf_puts(&sql, " AND s.name LIKE ?");
    }
    if (q && q->after_name && *q->after_name)
        buf_puts(&sql, " AND s.name > ?");
    buf_printf(&sql, " ORDER BY s.name LIMIT %d", limit);
    st = db_prepare(db, sql.data, err);
    if (!st)
        goto out;
    if (q && q->search && *q->search)
        db_bind_text(st, idx++, like.data, like.len);
    if (q && q->after_name && *q->after_name)
        db_bind_text(st, idx++, q->after_name, (size_t)-1);
    while ((step = db_step(st, err)) == DB_ROW) {
        struct segment s;
        int stop;
        memset(&s, 0, sizeof(s));
        read_row(st, &s);
        stop = fn(ctx, &s);
        segment_release(&s);
        if (stop)
            break;
    }
    if (step < 0)
        goto out;
    rc = 0;
out:
    db_stmt_free(&st);
    buf_release(&sql);
    buf_release(&like);
    return rc;
}

static const char SQL_COUNT_UPSERT[] =
    "INSERT INTO segment_counts(segment_id, counted_on, members) VALUES (?, ?, ?) "
    "ON CONFLICT (segment_id, counted_on) DO UPDATE SET members = excluded.members";

int store_segment_record_count(struct db *db, int64_t segment_id, const char *day, int64_t members,
                               struct ok_err *err)
{
    struct db_stmt *st;
    char *d = NULL;
    int rc = -1;
    store_field_set(&d, day);
    if (store_norm_date(&d, "counted_on", 1, NULL, err) < 0)
        goto out;
    if (members < 0) {
        store_invalid(err, "members", "a member count cannot be negative (%lld)",
                      (long long)members);
        goto out;
    }
    if (store_ref_row(db, "segments", segment_id > 0 ? segment_id : -1, "segment_id", err) < 0)
        goto out;
    st = db_cached(db, SQL_COUNT_UPSERT, err);
    if (!st)
        goto out;
    db_bind_i64(st, 1, segment_id);
    db_bind_text(st, 2, d, (size_t)-1);
    db_bind_i64(st, 3, members);
    rc = db_step(st, err) < 0 ? -1 : 0;
    db_reset(st);
out:
    free(d);
    return rc;
}

int store_segment_counts(struct db *db, int64_t segment_id, const char *from, const char *to,
                         int (*fn)(void *ctx, const char *day, int64_t members), void *ctx,
                         struct ok_err *err)
{
    struct buf sql;
    struct db_stmt *st = NULL;
    char *f = NULL, *t = NULL;
    int idx = 1, rc = -1, step;
    buf_init(&sql, 0);
    store_field_set(&f, from);
    store_field_set(&t, to);
    if (store_norm_date(&f, "from", 0, NULL, err) < 0 ||
        store_norm_date(&t, "to", 0, NULL, err) < 0)
        goto out;
    buf_puts(&sql, "SELECT counted_on, members FROM segment_counts WHERE segment_id = ?");
    if (f)
        buf_puts(&sql, " AND counted_on >= ?");
    if (t)
        buf_puts(&sql, " AND counted_on <= ?");
    buf_puts(&sql, " ORDER BY counted_on");
    st = db_prepare(db, sql.data, err);
    if (!st)
        goto out;
    db_bind_i64(st, idx++, segment_id);
    if (f)
        db_bind_text(st, idx++, f, (size_t)-1);
    if (t)
        db_bind_text(st, idx++, t, (size_t)-1);
    while ((step = db_step(st, err)) == DB_ROW)
        if (fn(ctx, db_column_text(st, 0), db_column_i64(st, 1)))
            break;
    if (step < 0)
        goto out;
    rc = 0;
out:
    db_stmt_free(&st);
    buf_release(&sql);
    free(f);
    free(t);
    return rc;
}
