/*
 * playbook.c - storing playbooks with their steps, and enrollments.
 */
#include "store/playbook.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json_out.h"
#include "core/mem.h"
#include "store/fields.h"
#include "core/banned.h"

const char *const playbook_trigger_kinds[] = {
    "first_purchase",  "deal_lost", "became_sleeping", "became_dead", "contract_ending",
    "entered_segment", "need_met",  "manual",          NULL};
const char *const playbook_step_channels[] = {"email", "phone", "visit", "letter",
                                              "line",  "sms",   NULL};
static const char *const exit_rules[] = {"bought_again", "deal_won", "left_segment", "none", NULL};
static const char *const statuses[] = {"active", "completed", "exited", NULL};

static void step_release(struct playbook_step *s)
{
    char **const fields[] = {&s->channel, &s->subject, &s->body, &s->assignee_rule};
    store_fields_free(fields, (int)(sizeof(fields) / sizeof(fields[0])));
}

void playbook_release(struct playbook *p)
{
    char **const fields[] = {&p->name,      &p->description, &p->trigger_kind, &p->trigger_arg,
                             &p->exit_rule, &p->created_at,  &p->updated_at};
    int i;
    for (i = 0; i < p->n_steps; i++)
        step_release(&p->steps[i]);
    free(p->steps);
    store_fields_free(fields, (int)(sizeof(fields) / sizeof(fields[0])));
    memset(p, 0, sizeof(*p));
}

void playbook_add_step(struct playbook *p, int offset_days, const char *channel,
                       const char *subject, const char *body, const char *assignee_rule)
{
    struct playbook_step *s;
    p->steps = xgrow(p->steps, &p->steps_cap, (size_t)p->n_steps + 1, sizeof(*p->steps));
    s = &p->steps[p->n_steps++];
    memset(s, 0, sizeof(*s));
    s->step_no = p->n_steps;
    s->offset_days = offset_days;
    store_field_set(&s->channel, channel);
    store_field_set(&s->subject, subject);
    store_field_set(&s->body, body);
    store_field_set(&s->assignee_rule, assignee_rule);
}

static int check_assignee_rule(struct db *db, const char *rule, const char *field,
                               struct ok_err *err)
{
    if (!rule || !strcmp(rule, "owner"))
        return 0;
    if (!strncmp(rule, "queue:", 6) && rule[6])
        return store_check_text(rule + 6, field, "queue name", 1, 100, err);
    if (!strncmp(rule, "user:", 5) && rule[5]) {
        if (db && store_ref_user(db, rule + 5, field, err) < 0)
            return -1;
        return 0;
    }
    return store_invalid(err, field,
                         "assignee rule '%.100s' is not valid; use owner, queue:NAME or "
                         "user:LOGIN",
                         rule);
}

static int check_trigger_arg(struct db *db, struct playbook *p, struct ok_err *err)
{
    const char *kind = p->trigger_kind, *arg = p->trigger_arg;
    if (!strcmp(kind, "deal_lost")) {
        if (!arg || !db)
            return 0;
        return store_ref_list_code(db, "lost_reasons", &p->trigger_arg, "trigger_arg", err) < 0 ? -1
                                                                                                : 0;
    }
    if (!strcmp(kind, "contract_ending")) {
        char *end;
        long days;
        errno = 0;
        days = arg ? strtol(arg, &end, 10) : 0;
        if (!arg || errno || *end || days < 1 || days > 3650)
            return store_invalid(err, "trigger_arg",
                                 "contract_ending needs the number of days before the end "
                                 "(1 to 3650), like 60");
        return 0;
    }
    if (!strcmp(kind, "entered_segment")) {
        if (!arg)
            return store_invalid(err, "trigger_arg",
                                 "entered_segment needs the segment's name as trigger_arg");
        if (db) {
            int64_t id = store_lookup_id(db, "SELECT id FROM segments WHERE name = ?", arg, err);
            if (id < 0)
                return -1;
            if (id == 0)
                return store_invalid(err, "trigger_arg",
                                     "no segment named '%.100s'; create it first", arg);
        }
        return 0;
    }
    if (!strcmp(kind, "need_met"))
        return store_check_text(arg, "trigger_arg", "need keyword", 0, 200, err);
    if (arg)
        return store_invalid(err, "trigger_arg", "trigger %s takes no argument (got '%.100s')",
                             kind, arg);
    return 0;
}

int store_playbook_validate(struct db *db, struct playbook *p, struct ok_err *err)
{
    int i;
    char field[48];
    if (store_check_text(p->name, "name", "playbook name", 1, 200, err) < 0 ||
        store_check_text(p->description, "description", "description", 0, 2000, err) < 0 ||
        store_check_enum(p->trigger_kind, "trigger_kind", playbook_trigger_kinds, 1, err) < 0 ||
        store_check_enum(p->exit_rule, "exit_rule", exit_rules, 0, err) < 0 ||
        check_trigger_arg(db, p, err) < 0)
        return -1;
    if (p->n_steps == 0)
        return store_invalid(err, "steps", "a playbook needs at least one step");
    for (i = 0; i < p->n_steps; i++) {
        const struct playbook_step *s = &p->steps[i];
        if (s->step_no != i + 1) {
            snprintf(field, sizeof(field), "steps[%d].step_no", i + 1);
            return store_invalid(err, field, "steps must be numbered 1, 2, 3 ... in order");
        }
        snprintf(field, sizeof(field), "steps[%d].offset_days", i + 1);
        if (s->offset_days < 0 || s->offset_days > 3650)
            return store_invalid(err, field, "step %d: offset %d days is out of range (0-3650)",
                                 i + 1, s->offset_days);
        if (i > 0 && s->offset_days < p->steps[i - 1].offset_days)
            return store_invalid(err, field,
                                 "step %d runs at day %d, before step %d (day %d); order the "
                                 "steps by day",
                                 i + 1, s->offset_days, i, p->steps[i - 1].offset_days);
        snprintf(field, sizeof(field), "steps[%d].channel", i + 1);
        if (store_check_enum(s->channel, field, playbook_step_channels, 1, err) < 0)
            return -1;
        snprintf(field, sizeof(field), "steps[%d].subject", i + 1);
        if (store_check_text(s->subject, field, "step subject", 0, 500, err) < 0)
            return -1;
        snprintf(field, sizeof(field), "steps[%d].body", i + 1);
        if (store_check_text(s->body, field, "step body", 0, 100000, err) < 0)
            return -1;
        if (!strcmp(s->channel, "email") && !s->body)
            return store_invalid(err, field, "step %d sends an e-mail: give its body (template)",
                                 i + 1);
        snprintf(field, sizeof(field), "steps[%d].assignee_rule", i + 1);
        if (check_assignee_rule(db, s->assignee_rule, field, err) < 0)
            return -1;
    }
    return 0;
}

void playbook_to_json(const struct playbook *p, struct buf *out)
{
    int first = 1, i;
    buf_putc(out, '{');
    json_out_field_i64(out, &first, "id", p->id);
    json_out_field_string(out, &first, "name", p->name);
    json_out_field_string(out, &first, "description", p->description ? p->description : "");
    json_out_field_string(out, &first, "trigger_kind", p->trigger_kind);
    json_out_field_string(out, &first, "trigger_arg", p->trigger_arg);
    json_out_field_string(out, &first, "exit_rule", p->exit_rule ? p->exit_rule : "bought_again");
    buf_printf(out, ",\"active\":%s", p->active ? "true" : "false");
    json_out_field_string(out, &first, "created_at", p->created_at);
    json_out_field_string(out, &first, "updated_at", p->updated_at);
    buf_puts(out, ",\"steps\":[");
    for (i = 0; i < p->n_steps; i++) {
        const struct playbook_step *s = &p->steps[i];
        int f = 1;
        buf_puts(out, i ? ",{" : "{");
        json_out_field_i64(out, &f, "step_no", s->step_no);
        json_out_field_i64(out, &f, "offset_days", s->offset_days);
        json_out_field_string(out, &f, "channel", s->channel);
        json_out_field_string(out, &f, "subject", s->subject ? s->subject : "");
        json_out_field_string(out, &f, "body", s->body ? s->body : "");
        json_out_field_string(out, &f, "assignee_rule",
                              s->assignee_rule ? s->assignee_rule : "owner");
        buf_putc(out, '}');
    }
    buf_puts(out, "]}");
}

#define SELECT_PLAYBOOK                                                                            \
    "SELECT id, name, description, trigger_kind, trigger_arg, exit_rule, active, created_at, "     \
    "updated_at FROM playbooks "

static void read_row(struct db_stmt *st, void *out)
{
    struct playbook *p = out;
    p->id = db_column_i64(st, 0);
    p->name = db_column_strdup(st, 1);
    p->description = db_column_strdup(st, 2);
    p->trigger_kind = db_column_strdup(st, 3);
    p->trigger_arg = db_column_strdup(st, 4);
    p->exit_rule = db_column_strdup(st, 5);
    p->active = (int)db_column_i64(st, 6);
    p->created_at = db_column_strdup(st, 7);
    p->updated_at = db_column_strdup(st, 8);
}

static const char SQL_STEPS[] =
    "SELECT step_no, offset_days, channel, subject, body, assignee_rule FROM playbook_steps "
    "WHERE playbook_id = ? ORDER BY step_no";

static int read_steps(struct db *db, struct playbook *p, struct ok_err *err)
{
    struct db_stmt *st = db_prepare(db, SQL_STEPS, err);
    int step;
    if (!st)
        return -1;
    db_bind_i64(st, 1, p->id);
    while ((step = db_step(st, err)) == DB_ROW) {
        playbook_add_step(p, (int)db_column_i64(st, 1), db_column_text(st, 2),
                          db_column_text(st, 3), db_column_text(st, 4), db_column_text(st, 5));
        p->steps[p->n_steps - 1].step_no = (int)db_column_i64(st, 0);
    }
    db_stmt_free(&st);
    return step < 0 ? -1 : 0;
}

static const char SQL_GET_BY_NAME[] = SELECT_PLAYBOOK "WHERE name = ?";
static const char SQL_GET_BY_ID[] = SELECT_PLAYBOOK "WHERE id = ?";

static const struct store_getter getter = {
    SQL_GET_BY_NAME, SQL_GET_BY_ID, "playbook", "named", "; list them with `okaeri playbook list`",
    read_row};

static int get_one(struct db *db, const char *name, int64_t id, struct playbook *out,
                   struct ok_err *err)
{
    memset(out, 0, sizeof(*out));
    if (store_get_row(db, &getter, name, id, out, err) < 0)
        return -1;
    if (read_steps(db, out, err) < 0) {
        playbook_release(out);
        return -1;
    }
    return 0;
}

int store_playbook_get(struct db *db, const char *name, struct playbook *out, struct ok_err *err)
{
    return get_one(db, name ? name : "", 0, out, err);
}

int store_playbook_get_by_id(struct db *db, int64_t id, struct playbook *out, struct ok_err *err)
{
    return get_one(db, NULL, id, out, err);
}

static const char SQL_INSERT_STEP[] =
    "INSERT INTO playbook_steps(playbook_id, step_no, offset_days, channel, subject, body, "
    "assignee_rule) VALUES (?, ?, ?, ?, ?, ?, ?)";
static const char SQL_DELETE_STEPS[] = "DELETE FROM playbook_steps WHERE playbook_id = ?";

static int write_steps(struct db *db, const struct playbook *p, struct ok_err *err)
{
    struct db_stmt *st = db_cached(db, SQL_DELETE_STEPS, err);
    int i;
    if (!st)
        return -1;
    db_bind_i64(st, 1, p->id);
    if (db_step(st, err) < 0) {
        db_reset(st);
        return -1;
    }
    db_reset(st);
    for (i = 0; i < p->n_steps; i++) {
        const struct playbook_step *s = &p->steps[i];
        st = db_cached(db, SQL_INSERT_STEP, err);
        if (!st)
            return -1;
        db_bind_i64(st, 1, p->id);
        db_bind_i64(st, 2, s->step_no);
        db_bind_i64(st, 3, s->offset_days);
        db_bind_text(st, 4, s->channel, (size_t)-1);
        db_bind_text(st, 5, s->subject ? s->subject : "", (size_t)-1);
        db_bind_text(st, 6, s->body ? s->body : "", (size_t)-1);
        db_bind_text(st, 7, s->assignee_rule ? s->assignee_rule : "owner", (size_t)-1);
        if (db_step(st, err) < 0) {
            db_reset(st);
            return -1;
        }
        db_reset(st);
    }
    return 0;
}

static void name_conflict(struct ok_err *err, const struct playbook *p)
{
    if (err && err->code == OK_ERR_CONFLICT) {
        ok_err_set(err, OK_ERR_CONFLICT, "a playbook named '%.100s' already exists", p->name);
        ok_err_locate(err, "name", 0);
    }
}

static const char SQL_INSERT[] =
    "INSERT INTO playbooks(name, description, trigger_kind, trigger_arg, exit_rule, active, "
    "created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id";

int64_t store_playbook_create(struct db *db, const struct store_actor *who, struct playbook *p,
                              struct ok_err *err)
{
    struct db_stmt *st = NULL;
    struct buf json;
    char now[20];
    int64_t id = -1;
    buf_init(&json, 0);
    if (db_begin(db, err) < 0)
        goto out;
    if (store_playbook_validate(db, p, err) < 0)
        goto fail;
    st = db_cached(db, SQL_INSERT, err);
    if (!st)
        goto fail;
    store_now_utc(now);
    db_bind_text(st, 1, p->name, (size_t)-1);
    db_bind_text(st, 2, p->description ? p->description : "", (size_t)-1);
    db_bind_text(st, 3, p->trigger_kind, (size_t)-1);
    db_bind_text_or_null(st, 4, p->trigger_arg);
    db_bind_text(st, 5, p->exit_rule ? p->exit_rule : "bought_again", (size_t)-1);
    db_bind_i64(st, 6, p->active ? 1 : 0);
    db_bind_text(st, 7, now, (size_t)-1);
    db_bind_text(st, 8, now, (size_t)-1);
    if (db_step(st, err) != DB_ROW) {
        name_conflict(err, p);
        goto fail;
    }
    id = db_column_i64(st, 0);
    db_reset(st);
    st = NULL;
    p->id = id;
    if (write_steps(db, p, err) < 0)
        goto fail;
    store_field_set(&p->created_at, now);
    store_field_set(&p->updated_at, now);
    playbook_to_json(p, &json);
    if (store_audit(db, who, "create", "playbook", id, NULL, json.data, err) < 0)
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
    "UPDATE playbooks SET name = ?, description = ?, trigger_kind = ?, trigger_arg = ?, "
    "exit_rule = ?, active = ?, updated_at = ? WHERE id = ?";

int store_playbook_update(struct db *db, const struct store_actor *who, struct playbook *p,
                          struct ok_err *err)
{
    struct playbook before;
    struct db_stmt *st = NULL;
    struct buf bj, aj;
    char now[20];
    int rc = -1;
    memset(&before, 0, sizeof(before));
    buf_init(&bj, 0);
    buf_init(&aj, 0);
    if (db_begin(db, err) < 0)
        goto out;
    if (store_playbook_get_by_id(db, p->id, &before, err) < 0 ||
        store_playbook_validate(db, p, err) < 0)
        goto fail;
    st = db_cached(db, SQL_UPDATE, err);
    if (!st)
        goto fail;
    store_now_utc(now);
    db_bind_text(st, 1, p->name, (size_t)-1);
    db_bind_text(st, 2, p->description ? p->description : "", (size_t)-1);
    db_bind_text(st, 3, p->trigger_kind, (size_t)-1);
    db_bind_text_or_null(st, 4, p->trigger_arg);
    db_bind_text(st, 5, p->exit_rule ? p->exit_rule : "bought_again", (size_t)-1);
    db_bind_i64(st, 6, p->active ? 1 : 0);
    db_bind_text(st, 7, now, (size_t)-1);
    db_bind_i64(st, 8, p->id);
    if (db_step(st, err) < 0) {
        name_conflict(err, p);
        goto fail;
    }
    db_reset(st);
    st = NULL;
    if (write_steps(db, p, err) < 0)
        goto fail;
    store_field_set(&p->created_at, before.created_at);
    store_field_set(&p->updated_at, now);
    playbook_to_json(&before, &bj);
    playbook_to_json(p, &aj);
    if (store_audit(db, who, "update", "playbook", p->id, bj.data, aj.data, err) < 0)
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
    playbook_release(&before);
    buf_release(&bj);
    buf_release(&aj);
    return rc;
}

int store_playbook_set_active(struct db *db, const struct store_actor *who, const char *name,
                              int active, struct ok_err *err)
{
    struct playbook p;
    int rc;
    if (db_begin(db, err) < 0)
        return -1;
    if (store_playbook_get(db, name, &p, err) < 0) {
        db_rollback(db);
        return -1;
    }
    p.active = active ? 1 : 0;
    rc = store_playbook_update(db, who, &p, err);
    playbook_release(&p);
    if (rc == 0 && db_commit(db, err) == 0)
        return 0;
    db_rollback(db);
    return -1;
}

int store_playbook_list(struct db *db, const struct playbook_query *q,
                        int (*fn)(void *ctx, const struct playbook *p), void *ctx,
                        struct ok_err *err)
{
    struct buf sql;
    struct db_stmt *st = NULL;
    int idx = 1, rc = -1, step;
    int limit = q && q->limit > 0 ? q->limit : 100;
    buf_init(&sql, 0);
    if (q && store_check_enum(q->trigger_kind, "trigger_kind", playbook_trigger_kinds, 0, err) < 0)
        goto out;
    buf_puts(&sql, SELECT_PLAYBOOK "WHERE 1=1");
    if (q && q->trigger_kind && *q->trigger_kind)
        buf_puts(&sql, " AND trigger_kind = ?");
    if (q && q->active_only)
        buf_puts(&sql, " AND active = 1");
    if (q && q->after_name && *q->after_name)
        buf_puts(&sql, " AND name > ?");
    buf_printf(&sql, " ORDER BY name LIMIT %d", limit);
    st = db_prepare(db, sql.data, err);
    if (!st)
        goto out;
    if (q && q->trigger_kind && *q->trigger_kind)
        db_bind_text(st, idx++, q->trigger_kind, (size_t)-1);
    if (q && q->after_name && *q->after_name)
        db_bind_text(st, idx++, q->after_name, (size_t)-1);
    while ((step = db_step(st, err)) == DB_ROW) {
        struct playbook p;
        int stop;
        memset(&p, 0, sizeof(p));
        read_row(st, &p);
        if (read_steps(db, &p, err) < 0) {
            playbook_release(&p);
            goto out;
        }
        stop = fn(ctx, &p);
        playbook_release(&p);
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

/* ---- enrollments ---- */

void enrollment_release(struct enrollment *e)
{
    char **const fields[] = {&e->playbook, &e->customer_code, &e->trigger_key, &e->triggered_on,
                             &e->status,   &e->exit_reason,   &e->created_at,  &e->updated_at};
    store_fields_free(fields, (int)(sizeof(fields) / sizeof(fields[0])));
    memset(e, 0, sizeof(*e));
}

void enrollment_to_json(const struct enrollment *e, struct buf *out)
{
    int first = 1;
    buf_putc(out, '{');
    json_out_field_i64(out, &first, "id", e->id);
    json_out_field_string(out, &first, "playbook", e->playbook);
    json_out_field_string(out, &first, "customer_code", e->customer_code);
    if (e->deal_id > 0)
        json_out_field_i64(out, &first, "deal_id", e->deal_id);
    else
        json_out_field_string(out, &first, "deal_id", NULL);
    json_out_field_string(out, &first, "trigger_key", e->trigger_key);
    json_out_field_string(out, &first, "triggered_on", e->triggered_on);
    json_out_field_string(out, &first, "status", e->status ? e->status : "active");
    json_out_field_i64(out, &first, "next_step", e->next_step > 0 ? e->next_step : 1);
    json_out_field_string(out, &first, "exit_reason", e->exit_reason);
    json_out_field_string(out, &first, "created_at", e->created_at);
    json_out_field_string(out, &first, "updated_at", e->updated_at);
    buf_putc(out, '}');
}

#define SELECT_ENROLLMENT                                                                          \
    "SELECT e.id, p.name, c.code, e.deal_id, e.trigger_key, e.triggered_on, e.status, "            \
    "e.next_step, e.exit_reason, e.created_at, e.updated_at FROM enrollments e "                   \
    "JOIN playbooks p ON p.id = e.playbook_id JOIN customers c ON c.id = e.customer_id "

static void read_enrollment(struct db_stmt *st, struct enrollment *e)
{
    e->id = db_column_i64(st, 0);
    e->playbook = db_column_strdup(st, 1);
    e->customer_code = db_column_strdup(st, 2);
    e->deal_id = db_column_is_null(st, 3) ? 0 : db_column_i64(st, 3);
    e->trigger_key = db_column_strdup(st, 4);
    e->triggered_on = db_column_strdup(st, 5);
    e->status = db_column_strdup(st, 6);
    e->next_step = (int)db_column_i64(st, 7);
    e->exit_reason = db_column_strdup(st, 8);
    e->created_at = db_column_strdup(st, 9);
    e->updated_at = db_column_strdup(st, 10);
}

static const char SQL_GET_ENROLLMENT[] = SELECT_ENROLLMENT "WHERE e.id = ?";

int store_enrollment_get(struct db *db, int64_t id, struct enrollment *out, struct ok_err *err)
{
    struct db_stmt *st = db_cached(db, SQL_GET_ENROLLMENT, err);
    int rc;
    memset(out, 0, sizeof(*out));
    if (!st)
        return -1;
    db_bind_i64(st, 1, id);
    rc = db_step(st, err);
    if (rc == DB_ROW)
        read_enrollment(st, out);
    db_reset(st);
    if (rc < 0)
        return -1;
    if (rc == DB_DONE)
        return ok_err_set(err, OK_ERR_NOT_FOUND, "no enrollment with id %lld", (long long)id);
    return 0;
}

static const char SQL_ENROLL[] =
    "INSERT INTO enrollments(playbook_id, customer_id, deal_id, trigger_key, triggered_on, "
    "status, next_step, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'active', 1, ?, ?) "
    "ON CONFLICT (playbook_id, customer_id, trigger_key) DO NOTHING RETURNING id";
static const char SQL_FIND_ENROLLMENT[] =
    "SELECT id FROM enrollments WHERE playbook_id = ? AND customer_id = ? AND trigger_key = ?";

int64_t store_enrollment_create(struct db *db, const struct store_actor *who, struct enrollment *e,
                                int *created, struct ok_err *err)
{
    struct playbook p;
    struct db_stmt *st = NULL;
    struct buf json;
    char now[20];
    int64_t id = -1, customer_id;
    int step;
    memset(&p, 0, sizeof(p));
    if (created)
        *created = 0;
    if (store_check_text(e->playbook, "playbook", "playbook name", 1, 200, err) < 0 ||
        store_check_text(e->customer_code, "customer_code", "customer code", 1, 64, err) < 0 ||
        store_check_text(e->trigger_key, "trigger_key", "trigger key", 1, 200, err) < 0 ||
        store_norm_date(&e->triggered_on, "triggered_on", 1, NULL, err) < 0)
        return -1;
    buf_init(&json, 0);
    if (db_begin(db, err) < 0)
        goto out;
    if (store_playbook_get(db, e->playbook, &p, err) < 0) {
        ok_err_locate(err, "playbook", 0);
        goto fail;
    }
    if (!p.active) {
        ok_err_set(err, OK_ERR_CONFLICT,
                   "playbook '%s' is switched off; activate it before enrolling customers", p.name);
        goto fail;
    }
    customer_id = store_ref_customer(db, e->customer_code, "customer_code", err);
    if (customer_id < 0 || store_ref_row(db, "deals", e->deal_id, "deal_id", err) < 0)
        goto fail;
    st = db_cached(db, SQL_ENROLL, err);
    if (!st)
        goto fail;
    store_now_utc(now);
    db_bind_i64(st, 1, p.id);
    db_bind_i64(st, 2, customer_id);
    store_bind_id(st, 3, e->deal_id);
    db_bind_text(st, 4, e->trigger_key, (size_t)-1);
    db_bind_text(st, 5, e->triggered_on, (size_t)-1);
    db_bind_text(st, 6, now, (size_t)-1);
    db_bind_text(st, 7, now, (size_t)-1);
    step = db_step(st, err);
    if (step == DB_ROW)
        id = db_column_i64(st, 0);
    db_reset(st);
    st = NULL;
    if (step < 0)
        goto fail;
    if (step == DB_ROW) {
        e->id = id;
        store_field_set(&e->status, "active");
        e->next_step = 1;
        store_field_set(&e->exit_reason, NULL);
        store_field_set(&e->created_at, now);
        store_field_set(&e->updated_at, now);
        enrollment_to_json(e, &json);
        if (store_audit(db, who, "create", "enrollment", id, NULL, json.data, err) < 0)
            goto fail;
        if (created)
            *created = 1;
    } else {
        /* Already enrolled for this occurrence: nothing changes. */
        st = db_cached(db, SQL_FIND_ENROLLMENT, err);
        if (!st)
            goto fail;
        db_bind_i64(st, 1, p.id);
        db_bind_i64(st, 2, customer_id);
        db_bind_text(st, 3, e->trigger_key, (size_t)-1);
        step = db_step(st, err);
        id = step == DB_ROW ? db_column_i64(st, 0) : -1;
        db_reset(st);
        st = NULL;
        if (id < 0) {
            if (step != -1)
                ok_err_set(err, OK_ERR_INTERNAL, "enrollment vanished during insert");
            goto fail;
        }
        e->id = id;
    }
    if (db_commit(db, err) < 0)
        goto fail;
    goto out;
fail:
    if (st)
        db_reset(st);
    db_rollback(db);
    id = -1;
    if (created)
        *created = 0;
out:
    playbook_release(&p);
    buf_release(&json);
    return id;
}

static const char SQL_UPDATE_ENROLLMENT[] =
    "UPDATE enrollments SET status = ?, next_step = ?, exit_reason = ?, updated_at = ? "
    "WHERE id = ?";
static const char SQL_STEP_COUNT[] =
    "SELECT count(*) FROM playbook_steps s JOIN enrollments e ON e.playbook_id = s.playbook_id "
    "WHERE e.id = ?";

/* Changes an active enrollment: next_step > 0 advances, else exits with reason. */
static int change_enrollment(struct db *db, const struct store_actor *who, int64_t id,
                             int next_step, const char *reason, struct ok_err *err)
{
    struct enrollment before, after;
    struct db_stmt *st = NULL;
    struct buf bj, aj;
    char now[20];
    int rc = -1;
    memset(&before, 0, sizeof(before));
    memset(&after, 0, sizeof(after));
    buf_init(&bj, 0);
    buf_init(&aj, 0);
    if (db_begin(db, err) < 0)
        goto out;
    if (store_enrollment_get(db, id, &before, err) < 0 ||
        store_enrollment_get(db, id, &after, err) < 0)
        goto fail;
    if (strcmp(before.status, "active")) {
        ok_err_set(err, OK_ERR_CONFLICT, "enrollment %lld is already %s", (long long)id,
                   before.status);
        goto fail;
    }
    if (next_step > 0) {
        int64_t steps = 0;
        int step;
        if (next_step <= before.next_step) {
            store_invalid(err, "next_step", "next step %d is not after the current step %d",
                          next_step, before.next_step);
            goto fail;
        }
        st = db_cached(db, SQL_STEP_COUNT, err);
        if (!st)
            goto fail;
        db_bind_i64(st, 1, id);
        step = db_step(st, err);
        if (step == DB_ROW)
            steps = db_column_i64(st, 0);
        db_reset(st);
        st = NULL;
        if (step < 0)
            goto fail;
        after.next_step = next_step;
        if (next_step > steps)
            store_field_set(&after.status, "completed");
    } else {
        store_field_set(&after.status, "exited");
        store_field_set(&after.exit_reason, reason);
    }
    st = db_cached(db, SQL_UPDATE_ENROLLMENT, err);
    if (!st)
        goto fail;
    store_now_utc(now);
    db_bind_text(st, 1, after.status, (size_t)-1);
    db_bind_i64(st, 2, after.next_step);
    db_bind_text_or_null(st, 3, after.exit_reason);
    db_bind_text(st, 4, now, (size_t)-1);
    db_bind_i64(st, 5, id);
    if (db_step(st, err) < 0)
        goto fail;
    db_reset(st);
    st = NULL;
    store_field_set(&after.updated_at, now);
    enrollment_to_json(&before, &bj);
    enrollment_to_json(&after, &aj);
    if (store_audit(db, who, next_step > 0 ? "advance" : "exit", "enrollment", id, bj.data, aj.data,
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
    enrollment_release(&before);
    enrollment_release(&after);
    buf_release(&bj);
    buf_release(&aj);
    return rc;
}

int store_enrollment_advance(struct db *db, const struct store_actor *who, int64_t id,
                             int next_step, struct ok_err *err)
{
    if (next_step < 1)
        return store_invalid(err, "next_step", "next step must be 1 or more");
    return change_enrollment(db, who, id, next_step, NULL, err);
}

int store_enrollment_exit(struct db *db, const struct store_actor *who, int64_t id,
                          const char *reason, struct ok_err *err)
{
    if (store_check_text(reason, "exit_reason", "exit reason", 1, 200, err) < 0)
        return -1;
    return change_enrollment(db, who, id, 0, reason, err);
}

int store_enrollment_list(struct db *db, const struct enrollment_query *q,
                          int (*fn)(void *ctx, const struct enrollment *e), void *ctx,
                          struct ok_err *err)
{
    struct buf sql;
    struct db_stmt *st = NULL;
    int64_t customer_id = 0, playbook_id = 0;
    int idx = 1, rc = -1, step;
    int limit = q->limit > 0 ? q->limit : 100;
    buf_init(&sql, 0);
    if (store_check_enum(q->status, "status", statuses, 0, err) < 0)
        goto out;
    customer_id = store_ref_customer(db, q->customer_code, "customer_code", err);
    if (customer_id < 0)
        goto out;
    if (q->playbook && *q->playbook) {
        playbook_id =
            store_lookup_id(db, "SELECT id FROM playbooks WHERE name = ?", q->playbook, err);
        if (playbook_id < 0)
            goto out;
        if (playbook_id == 0) {
            store_invalid(err, "playbook", "no playbook named '%.100s'", q->playbook);
            goto out;
        }
    }
    buf_puts(&sql, SELECT_ENROLLMENT "WHERE 1=1");
    if (playbook_id)
        buf_puts(&sql, " AND e.playbook_id = ?");
    if (customer_id)
        buf_puts(&sql, " AND e.customer_id = ?");
    if (q->status && *q->status)
        buf_puts(&sql, " AND e.status = ?");
    if (q->after_id > 0)
        buf_puts(&sql, " AND e.id > ?");
    buf_printf(&sql, " ORDER BY e.id LIMIT %d", limit);
    st = db_prepare(db, sql.data, err);
    if (!st)
        goto out;
    if (playbook_id)
        db_bind_i64(st, idx++, playbook_id);
    if (customer_id)
        db_bind_i64(st, idx++, customer_id);
    if (q->status && *q->status)
        db_bind_text(st, idx++, q->status, (size_t)-1);
    if (q->after_id > 0)
        db_bind_i64(st, idx++, q->after_id);
    while ((step = db_step(st, err)) == DB_ROW) {
        struct enrollment e;
        int stop;
        memset(&e, 0, sizeof(e));
        read_enrollment(st, &e);
        stop = fn(ctx, &e);
        enrollment_release(&e);
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
