/*
 * task.c - storing tasks, the version-checked state changes and the task lists.
 */
#include "store/task.h"

#include <stdlib.h>
#include <string.h>

#include "core/json_out.h"
#include "core/mem.h"
#include "store/activity.h"
#include "store/fields.h"
#include "store/setting.h"
#include "core/banned.h"

static const char *const statuses[] = {"open", "done", "cancelled", NULL};

void task_release(struct task *t)
{
    char **const fields[] = {&t->customer_code, &t->assignee,      &t->queue,   &t->title,
                             &t->body,          &t->channel,       &t->due_on,  &t->status,
                             &t->outcome,       &t->snoozed_until, &t->done_at, &t->created_at,
                             &t->updated_at};
    store_fields_free(fields, (int)(sizeof(fields) / sizeof(fields[0])));
    memset(t, 0, sizeof(*t));
}

int store_task_validate(struct task *t, struct ok_err *err)
{
    if (store_check_text(t->title, "title", "task title", 1, 500, err) < 0 ||
        store_check_text(t->body, "body", "task body", 0, 100000, err) < 0 ||
        store_check_text(t->queue, "queue", "queue name", 0, 100, err) < 0 ||
        store_check_enum(t->channel, "channel", activity_channels, 0, err) < 0 ||
        store_check_enum(t->status, "status", statuses, 0, err) < 0 ||
        store_norm_date(&t->due_on, "due_on", 1, NULL, err) < 0 ||
        store_norm_date(&t->snoozed_until, "snoozed_until", 0, NULL, err) < 0 ||
        store_check_text(t->outcome, "outcome", "outcome", 0, 2000, err) < 0)
        return -1;
    if (t->step_no < 0 || (t->step_no > 0 && t->enrollment_id <= 0))
        return store_invalid(err, "step_no", "step_no needs an enrollment_id and must be >= 1");
    return 0;
}

static void id_or_null(struct buf *out, int *first, const char *key, int64_t id)
{
    if (id > 0)
        json_out_field_i64(out, first, key, id);
    else
        json_out_field_string(out, first, key, NULL);
}

void task_to_json(const struct task *t, struct buf *out)
{
    int first = 1;
    buf_putc(out, '{');
    json_out_field_i64(out, &first, "id", t->id);
    json_out_field_string(out, &first, "customer_code", t->customer_code);
    json_out_field_string(out, &first, "assignee", t->assignee);
    json_out_field_string(out, &first, "queue", t->queue ? t->queue : "team");
    json_out_field_string(out, &first, "title", t->title);
    json_out_field_string(out, &first, "body", t->body ? t->body : "");
    json_out_field_string(out, &first, "channel", t->channel);
    json_out_field_string(out, &first, "due_on", t->due_on);
    json_out_field_string(out, &first, "status", t->status ? t->status : "open");
    json_out_field_string(out, &first, "outcome", t->outcome);
    json_out_field_string(out, &first, "snoozed_until", t->snoozed_until);
    id_or_null(out, &first, "deal_id", t->deal_id);
    id_or_null(out, &first, "enrollment_id", t->enrollment_id);
    id_or_null(out, &first, "step_no", t->step_no);
    json_out_field_string(out, &first, "done_at", t->done_at);
    json_out_field_i64(out, &first, "version", t->version);
    json_out_field_string(out, &first, "created_at", t->created_at);
    json_out_field_string(out, &first, "updated_at", t->updated_at);
    buf_putc(out, '}');
}

#define SELECT_TASK                                                                                \
    "SELECT t.id, c.code, u.login, t.queue, t.title, t.body, t.channel, t.due_on, t.status, "      \
    "t.outcome, t.snoozed_until, t.deal_id, t.enrollment_id, t.step_no, t.done_at, t.version, "    \
    "t.created_at, t.updated_at FROM tasks t LEFT JOIN customers c ON c.id = t.customer_id "       \
    "LEFT JOIN users u ON u.id = t.assignee_id "

static void read_row(struct db_stmt *st, struct task *t)
{
    t->id = db_column_i64(st, 0);
    t->customer_code = db_column_strdup(st, 1);
    t->assignee = db_column_strdup(st, 2);
    t->queue = db_column_strdup(st, 3);
    t->title = db_column_strdup(st, 4);
    t->body = db_column_strdup(st, 5);
    t->channel = db_column_strdup(st, 6);
    t->due_on = db_column_strdup(st, 7);
    t->status = db_column_strdup(st, 8);
    t->outcome = db_column_strdup(st, 9);
    t->snoozed_until = db_column_strdup(st, 10);
    t->deal_id = db_column_is_null(st, 11) ? 0 : db_column_i64(st, 11);
    t->enrollment_id = db_column_is_null(st, 12) ? 0 : db_column_i64(st, 12);
    t->step_no = db_column_is_null(st, 13) ? 0 : (int)db_column_i64(st, 13);
    t->done_at = db_column_strdup(st, 14);
    t->version = db_column_i64(st, 15);
    t->created_at = db_column_strdup(st, 16);
    t->updated_at = db_column_strdup(st, 17);
}

static const char SQL_GET[] = SELECT_TASK "WHERE t.id = ?";

int store_task_get(struct db *db, int64_t id, struct task *out, struct ok_err *err)
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
        return ok_err_set(err, OK_ERR_NOT_FOUND,
                          "no task with id %lld; list tasks with `okaeri task list`",
                          (long long)id);
    return 0;
}

/* Resolved references of a task. */
struct task_refs {
    int64_t customer_id, assignee_id;
};

static int resolve(struct db *db, const struct task *t, struct task_refs *r, struct ok_err *err)
{
    r->customer_id = store_ref_customer(db, t->customer_code, "customer_code", err);
    if (r->customer_id < 0)
        return -1;
    r->assignee_id = store_ref_user(db, t->assignee, "assignee", err);
    if (r->assignee_id < 0)
        return -1;
    if (store_ref_row(db, "deals", t->deal_id, "deal_id", err) < 0 ||
        store_ref_row(db, "enrollments", t->enrollment_id, "enrollment_id", err) < 0)
        return -1;
    return 0;
}

/* Columns 1..14 shared by insert and update. */
static void bind_fields(struct db_stmt *st, const struct task *t, const struct task_refs *r,
                        const char *now)
{
    store_bind_id(st, 1, r->customer_id);
    store_bind_id(st, 2, r->assignee_id);
    db_bind_text(st, 3, t->queue ? t->queue : "team", (size_t)-1);
    db_bind_text(st, 4, t->title, (size_t)-1);
    db_bind_text(st, 5, t->body ? t->body : "", (size_t)-1);
    db_bind_text_or_null(st, 6, t->channel);
    db_bind_text(st, 7, t->due_on, (size_t)-1);
    db_bind_text(st, 8, t->status ? t->status : "open", (size_t)-1);
    db_bind_text_or_null(st, 9, t->outcome);
    db_bind_text_or_null(st, 10, t->snoozed_until);
    store_bind_id(st, 11, t->deal_id);
    store_bind_id(st, 12, t->enrollment_id);
    if (t->step_no > 0)
        db_bind_i64(st, 13, t->step_no);
    else
        db_bind_null(st, 13);
    db_bind_text_or_null(st, 14, t->done_at);
    db_bind_text(st, 15, now, (size_t)-1);
}

static const char SQL_INSERT[] =
    "INSERT INTO tasks(customer_id, assignee_id, queue, title, body, channel, due_on, status, "
    "outcome, snoozed_until, deal_id, enrollment_id, step_no, done_at, updated_at, created_at) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id";

int64_t store_task_create(struct db *db, const struct store_actor *who, struct task *t,
                          struct ok_err *err)
{
    struct task_refs r;
    struct db_stmt *st = NULL;
    struct buf json;
    char now[20];
    int64_t id = -1;
    if (store_task_validate(t, err) < 0)
        return -1;
    buf_init(&json, 0);
    if (db_begin(db, err) < 0)
        goto out;
    if (resolve(db, t, &r, err) < 0)
        goto fail;
    st = db_cached(db, SQL_INSERT, err);
    if (!st)
        goto fail;
    store_now_utc(now);
    bind_fields(st, t, &r, now);
    db_bind_text(st, 16, now, (size_t)-1);
    if (db_step(st, err) != DB_ROW) {
        if (err && err->code == OK_ERR_CONFLICT)
            ok_err_set(err, OK_ERR_CONFLICT,
                       "enrollment %lld already has a task for step %d (automation ran twice?)",
                       (long long)t->enrollment_id, t->step_no);
        goto fail;
    }
    id = db_column_i64(st, 0);
    db_reset(st);
    t->id = id;
    t->version = 1;
    store_field_set(&t->created_at, now);
    store_field_set(&t->updated_at, now);
    task_to_json(t, &json);
    if (store_audit(db, who, "create", "task", id, NULL, json.data, err) < 0)
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
    "UPDATE tasks SET customer_id = ?, assignee_id = ?, queue = ?, title = ?, body = ?, "
    "channel = ?, due_on = ?, status = ?, outcome = ?, snoozed_until = ?, deal_id = ?, "
    "enrollment_id = ?, step_no = ?, done_at = ?, updated_at = ?, version = version + 1 "
    "WHERE id = ? AND version = ?";

/* Writes `after` over task after->id if the stored version is still after->version, audits
 * with `before`, and increments after->version. Runs inside the caller's transaction. */
static int write_task(struct db *db, const struct store_actor *who, const char *action,
                      const struct task *before, struct task *after, struct ok_err *err)
{
    struct task_refs r;
    struct db_stmt *st;
    struct buf bj, aj;
    char now[20];
    int rc = -1;
    buf_init(&bj, 0);
    buf_init(&aj, 0);
    if (store_task_validate(after, err) < 0 || resolve(db, after, &r, err) < 0)
        goto out;
    st = db_cached(db, SQL_UPDATE, err);
    if (!st)
        goto out;
    store_now_utc(now);
    bind_fields(st, after, &r, now);
    db_bind_i64(st, 16, after->id);
    db_bind_i64(st, 17, after->version);
    if (db_step(st, err) < 0) {
        db_reset(st);
        goto out;
    }
    db_reset(st);
    if (db_changes(db) != 1) {
        ok_err_set(err, OK_ERR_CONFLICT,
                   "task %lld was changed by someone else; reload it and try again",
                   (long long)after->id);
        goto out;
    }
    after->version++;
    store_field_set(&after->updated_at, now);
    task_to_json(before, &bj);
    task_to_json(after, &aj);
    if (store_audit(db, who, action, "task", after->id, bj.data, aj.data, err) < 0)
        goto out;
    rc = 0;
out:
    buf_release(&bj);
    buf_release(&aj);
    return rc;
}

/* Loads task id for a change seen at `version`: fails with OK_ERR_CONFLICT when the version
 * moved on, or when must_be_open and the task is done or cancelled. */
static int load_for_change(struct db *db, int64_t id, int64_t version, int must_be_open,
                           struct task *before, struct task *after, struct ok_err *err)
{
    if (store_task_get(db, id, before, err) < 0 || store_task_get(db, id, after, err) < 0)
        return -1;
    if (before->version != version)
        return ok_err_set(err, OK_ERR_CONFLICT,
                          "task %lld was changed by someone else (version %lld, you saw %lld); "
                          "reload it and try again",
                          (long long)id, (long long)before->version, (long long)version);
    if (must_be_open && before->status && strcmp(before->status, "open"))
        return ok_err_set(err, OK_ERR_CONFLICT, "task %lld is already %s", (long long)id,
                          before->status);
    return 0;
}

int store_task_update(struct db *db, const struct store_actor *who, struct task *t,
                      struct ok_err *err)
{
    struct task before, after;
    int rc = -1;
    memset(&before, 0, sizeof(before));
    memset(&after, 0, sizeof(after));
    if (store_task_validate(t, err) < 0)
        return -1;
    if (db_begin(db, err) < 0)
        return -1;
    if (load_for_change(db, t->id, t->version, 0, &before, &after, err) < 0)
        goto fail;
    store_field_set(&after.customer_code, t->customer_code);
    store_field_set(&after.assignee, t->assignee);
    store_field_set(&after.queue, t->queue);
    store_field_set(&after.title, t->title);
    store_field_set(&after.body, t->body);
    store_field_set(&after.channel, t->channel);
    store_field_set(&after.due_on, t->due_on);
    store_field_set(&after.snoozed_until, t->snoozed_until);
    after.deal_id = t->deal_id;
    if (write_task(db, who, "update", &before, &after, err) < 0)
        goto fail;
    if (db_commit(db, err) < 0)
        goto fail;
    t->version = after.version;
    store_field_set(&t->updated_at, after.updated_at);
    rc = 0;
    goto out;
fail:
    db_rollback(db);
out:
    task_release(&before);
    task_release(&after);
    return rc;
}

/* The login of user id (into out), "" when none. */
static int user_login(struct db *db, int64_t id, struct buf *out, struct ok_err *err)
{
    static const char sql[] = "SELECT login FROM users WHERE id = ?";
    struct db_stmt *st = db_cached(db, sql, err);
    int rc;
    if (!st)
        return -1;
    db_bind_i64(st, 1, id);
    rc = db_step(st, err);
    if (rc == DB_ROW)
        buf_puts(out, db_column_text(st, 0));
    db_reset(st);
    return rc < 0 ? -1 : 0;
}

int64_t store_task_complete(struct db *db, const struct store_actor *who, int64_t id,
                            int64_t version, const char *outcome, const char *occurred_at,
                            struct ok_err *err)
{
    struct task before, after;
    struct activity a;
    struct buf tz, login;
    char *when = NULL;
    char now[20];
    int64_t result = -1;
    memset(&before, 0, sizeof(before));
    memset(&after, 0, sizeof(after));
    memset(&a, 0, sizeof(a));
    buf_init(&tz, 256);
    buf_init(&login, 256);
    if (store_check_text(outcome, "outcome", "outcome (what happened)", 1, 2000, err) < 0)
        goto out;
    store_field_set(&when, occurred_at);
    if (store_norm_datetime(&when, "occurred_at", 0, err) < 0)
        goto out;
    if (db_begin(db, err) < 0)
        goto out;
    if (load_for_change(db, id, version, 1, &before, &after, err) < 0)
        goto fail;
    if (!when) {
        if (store_setting_get(db, "time_zone", &tz, err) < 0)
            goto fail;
        store_now_local(tz.data, now);
        store_field_set(&when, now);
    }
    store_field_set(&after.status, "done");
    store_field_set(&after.outcome, outcome);
    store_field_set(&after.done_at, when);
    if (write_task(db, who, "complete", &before, &after, err) < 0)
        goto fail;
    result = 0;
    if (after.customer_code) {
        if (who && who->user_id > 0 && user_login(db, who->user_id, &login, err) < 0)
            goto fail;
        a.customer_code = xstrdup(after.customer_code);
        store_field_set(&a.user_login, login.len ? login.data : after.assignee);
        a.occurred_at = xstrdup(when);
        a.channel = xstrdup(after.channel ? after.channel : "other");
        a.subject = xstrdup(after.title);
        a.outcome = xstrdup(outcome);
        a.deal_id = after.deal_id;
        a.task_id = id;
        result = store_activity_create(db, who, &a, err);
        if (result < 0)
            goto fail;
    }
    if (db_commit(db, err) < 0)
        goto fail;
    goto out;
fail:
    db_rollback(db);
    result = -1;
out:
    task_release(&before);
    task_release(&after);
    activity_release(&a);
    buf_release(&tz);
    buf_release(&login);
    free(when);
    return result;
}

/* One version-checked change of an open task: edit() changes `after`. */
static int change_open_task(struct db *db, const struct store_actor *who, int64_t id,
                            int64_t version, const char *action,
                            int (*edit)(struct task *after, const void *arg, struct db *db,
                                        struct ok_err *err),
                            const void *arg, struct ok_err *err)
{
    struct task before, after;
    int rc = -1;
    memset(&before, 0, sizeof(before));
    memset(&after, 0, sizeof(after));
    if (db_begin(db, err) < 0)
        return -1;
    if (load_for_change(db, id, version, 1, &before, &after, err) < 0 ||
        edit(&after, arg, db, err) < 0 || write_task(db, who, action, &before, &after, err) < 0)
        goto fail;
    if (db_commit(db, err) < 0)
        goto fail;
    rc = 0;
    goto out;
fail:
    db_rollback(db);
out:
    task_release(&before);
    task_release(&after);
    return rc;
}

static int edit_cancel(struct task *after, const void *arg, struct db *db, struct ok_err *err)
{
    store_field_set(&after->status, "cancelled");
    store_field_set(&after->outcome, arg);
    return 0;
}

static int edit_snooze(struct task *after, const void *arg, struct db *db, struct ok_err *err)
{
    store_field_set(&after->snoozed_until, arg);
    return store_norm_date(&after->snoozed_until, "snoozed_until", 0, NULL, err);
}

struct reassign_arg {
    const char *assignee, *queue;
};

static int edit_reassign(struct task *after, const void *arg, struct db *db, struct ok_err *err)
{
    const struct reassign_arg *r = arg;
    store_field_set(&after->assignee, r->assignee);
    if (r->queue && *r->queue)
        store_field_set(&after->queue, r->queue);
    return 0;
}

int store_task_cancel(struct db *db, const struct store_actor *who, int64_t id, int64_t version,
                      const char *outcome, struct ok_err *err)
{
    return change_open_task(db, who, id, version, "cancel", edit_cancel, outcome, err);
}

int store_task_snooze(struct db *db, const struct store_actor *who, int64_t id, int64_t version,
                      const char *until, struct ok_err *err)
{
    return change_open_task(db, who, id, version, "snooze", edit_snooze, until, err);
}

int store_task_reassign(struct db *db, const struct store_actor *who, int64_t id, int64_t version,
                        const char *assignee, const char *queue, struct ok_err *err)
{
    struct reassign_arg r = {assignee, queue};
    return change_open_task(db, who, id, version, "reassign", edit_reassign, &r, err);
}

int store_task_list(struct db *db, const struct task_query *q,
                    int (*fn)(void *ctx, const struct task *t), void *ctx, struct ok_err *err)
{
    struct buf sql;
    struct db_stmt *st = NULL;
    char *from = NULL, *to = NULL, *as_of = NULL, *after_due = NULL;
    int64_t customer_id = 0, assignee_id = 0;
    int unassigned = q->assignee && !strcmp(q->assignee, "-");
    int idx = 1, rc = -1, step;
    int limit = q->limit > 0 ? q->limit : 100;
    buf_init(&sql, 0);
    store_field_set(&from, q->due_from);
    store_field_set(&to, q->due_to);
    store_field_set(&as_of, q->as_of);
    store_field_set(&after_due, q->after_due);
    if (store_norm_date(&from, "due_from", 0, NULL, err) < 0 ||
        store_norm_date(&to, "due_to", 0, NULL, err) < 0 ||
        store_norm_date(&as_of, "as_of", 0, NULL, err) < 0 ||
        store_norm_date(&after_due, "after_due", 0, NULL, err) < 0 ||
        store_check_enum(q->status, "status", statuses, 0, err) < 0)
        goto out;
    customer_id = store_ref_customer(db, q->customer_code, "customer_code", err);
    if (customer_id < 0)
        goto out;
    if (!unassigned) {
        assignee_id = store_ref_user(db, q->assignee, "assignee", err);
        if (assignee_id < 0)
            goto out;
    }
    buf_puts(&sql, SELECT_TASK "WHERE 1=1");
    if (unassigned)
        buf_puts(&sql, " AND t.assignee_id IS NULL");
    else if (assignee_id)
        buf_puts(&sql, " AND t.assignee_id = ?");
    if (q->queue && *q->queue)
        buf_puts(&sql, " AND t.queue = ?");
    if (q->status && *q->status)
        buf_puts(&sql, " AND t.status = ?");
    if (customer_id)
        buf_puts(&sql, " AND t.customer_id = ?");
    if (from)
        buf_puts(&sql, " AND t.due_on >= ?");
    if (to)
        buf_puts(&sql, " AND t.due_on <= ?");
    if (as_of)
        buf_puts(&sql, " AND t.status = 'open' AND t.due_on <= ? AND (t.snoozed_until IS NULL "
                       "OR t.snoozed_until <= ?)");
    if (after_due)
        buf_puts(&sql, " AND (t.due_on > ? OR (t.due_on = ? AND t.id > ?))");
    buf_printf(&sql, " ORDER BY t.due_on, t.id LIMIT %d", limit);
    st = db_prepare(db, sql.data, err);
    if (!st)
        goto out;
    if (!unassigned && assignee_id)
        db_bind_i64(st, idx++, assignee_id);
    if (q->queue && *q->queue)
        db_bind_text(st, idx++, q->queue, (size_t)-1);
    if (q->status && *q->status)
        db_bind_text(st, idx++, q->status, (size_t)-1);
    if (customer_id)
        db_bind_i64(st, idx++, customer_id);
    if (from)
        db_bind_text(st, idx++, from, (size_t)-1);
    if (to)
        db_bind_text(st, idx++, to, (size_t)-1);
    if (as_of) {
        db_bind_text(st, idx++, as_of, (size_t)-1);
        db_bind_text(st, idx++, as_of, (size_t)-1);
    }
    if (after_due) {
        db_bind_text(st, idx++, after_due, (size_t)-1);
        db_bind_text(st, idx++, after_due, (size_t)-1);
        db_bind_i64(st, idx++, q->after_id);
    }
    while ((step = db_step(st, err)) == DB_ROW) {
        struct task t;
        int stop;
        memset(&t, 0, sizeof(t));
        read_row(st, &t);
        stop = fn(ctx, &t);
        task_release(&t);
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
    free(as_of);
    free(after_due);
    return rc;
}
