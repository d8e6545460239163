/*
 * h_tasks.c - /api/v1/tasks: follow-ups for people, per user or team queue (today's, overdue,
 * upcoming), completed with an outcome (an activity, and the playbook advanced or exited through
 * automate_task_done), snoozed, reassigned, cancelled.
 *
 * Tasks carry a version (ETag): PATCH needs If-Match or "version"; the quick actions (snooze,
 * reassign, cancel) check it when given, so that two people acting on one task see a 409.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "automation/automate.h"
#include "core/date.h"
#include "http/http.h"
#include "store/fields.h"
#include "store/task.h"
#include "core/banned.h"

static int task_id(struct http_req *r, int64_t *id)
{
    if (http_parse_id(http_param(r, 0), id) < 0) {
        http_error(r, 404, "not_found", NULL, "there is no task '%s'", http_param(r, 0));
        return -1;
    }
    return 0;
}

static void task_reply(struct http_req *r, int64_t id)
{
    struct task t;
    struct ok_err err;
    memset(&t, 0, sizeof(t));
    ok_err_clear(&err);
    if (store_task_get(r->db, id, &t, &err) < 0) {
        http_fail(r, &err);
    } else {
        task_to_json(&t, &r->out);
        snprintf(r->etag, sizeof(r->etag), "\"%lld\"", (long long)t.version);
    }
    task_release(&t);
}

/* The version to act on: the client's (If-Match / "version"), else the current one when
 * optional. 0, or -1 after replying. */
static int act_version(struct http_req *r, int64_t id, int required, int64_t *version)
{
    struct task t;
    struct ok_err err;
    int any, has = http_expected_version(r, version, &any);
    if (has < 0)
        return -1;
    if (has && !any)
        return 0;
    if (!has && required) {
        http_error(r, 428, "precondition_required", "version",
                   "send If-Match with the task's ETag, or its \"version\", so that changes "
                   "made meanwhile are not overwritten");
        return -1;
    }
    memset(&t, 0, sizeof(t));
    ok_err_clear(&err);
    if (store_task_get(r->db, id, &t, &err) < 0) {
        http_fail(r, &err);
        task_release(&t);
        return -1;
    }
    *version = t.version;
    task_release(&t);
    return 0;
}

static void take(struct http_req *r, const char *name, char **dst)
{
    if (http_body_has(r, name))
        store_field_set(dst, http_body_str(r, name));
}

static void task_from_body(struct http_req *r, struct task *t)
{
    take(r, "customer_code", &t->customer_code);
    take(r, "assignee", &t->assignee);
    take(r, "queue", &t->queue);
    take(r, "title", &t->title);
    take(r, "body", &t->body);
    take(r, "channel", &t->channel);
    take(r, "due_on", &t->due_on);
    take(r, "snoozed_until", &t->snoozed_until);
    if (http_body_has(r, "deal_id"))
        t->deal_id = http_body_int(r, "deal_id", 0);
}

void h_tasks_create(struct http_req *r)
{
    struct task t;
    struct ok_err err;
    int64_t id;
    memset(&t, 0, sizeof(t));
    ok_err_clear(&err);
    task_from_body(r, &t);
    if (!t.due_on) {
        char today[11];
        date_format_iso(http_today(r), today);
        store_field_set(&t.due_on, today);
    }
    if (store_task_validate(&t, &err) < 0 ||
        (id = store_task_create(r->db, &r->actor, &t, &err)) < 0) {
        http_fail(r, &err);
        goto out;
    }
    task_reply(r, id);
    snprintf(r->location, sizeof(r->location), "/api/v1/tasks/%lld", (long long)id);
out:
    task_release(&t);
}

void h_tasks_get(struct http_req *r)
{
    int64_t id;
    if (task_id(r, &id) == 0)
        task_reply(r, id);
}

void h_tasks_update(struct http_req *r)
{
    struct task t;
    struct ok_err err;
    int64_t id, version;
    memset(&t, 0, sizeof(t));
    ok_err_clear(&err);
    if (task_id(r, &id) < 0 || act_version(r, id, 1, &version) < 0)
        return;
    if (store_task_get(r->db, id, &t, &err) < 0)
        goto fail;
    task_from_body(r, &t);
    t.version = version;
    if (store_task_validate(&t, &err) < 0 || store_task_update(r->db, &r->actor, &t, &err) < 0)
        goto fail;
    task_reply(r, id);
    goto out;
fail:
    http_fail(r, &err);
out:
    task_release(&t);
}

void h_tasks_complete(struct http_req *r)
{
    struct ok_err err;
    int64_t id, version, act;
    char on[11];
    int any, has;
    ok_err_clear(&err);
    if (task_id(r, &id) < 0 || http_body_date(r, "on", on) < 0)
        return;
    has = http_expected_version(r, &version, &any);
    if (has < 0)
        return;
    /* the version is checked in the completing transaction itself (automate_task_done_seen) */
    act = automate_task_done_seen(r->db, &r->actor, id, has && !any ? version : 0,
                                  http_body_str(r, "outcome"), on[0] ? on : NULL, &err);
    if (act < 0) {
        http_fail(r, &err);
        return;
    }
    /* a task and a contact (activity) changed, neither in the snapshot: a new version only */
    snap_holder_changed(&r->srv->snap, snap_keep, NULL);
    buf_printf(&r->out, "{\"activity_id\":%lld,\"task\":", (long long)act);
    {
        struct task t;
        memset(&t, 0, sizeof(t));
        if (store_task_get(r->db, id, &t, &err) < 0) {
            task_release(&t);
            http_fail(r, &err);
            return;
        }
        task_to_json(&t, &r->out);
        task_release(&t);
    }
    buf_putc(&r->out, '}');
}

void h_tasks_snooze(struct http_req *r)
{
    struct ok_err err;
    int64_t id, version;
    ok_err_clear(&err);
    if (task_id(r, &id) < 0 || act_version(r, id, 0, &version) < 0)
        return;
    if (store_task_snooze(r->db, &r->actor, id, version, http_body_str(r, "until"), &err) < 0)
        http_fail(r, &err);
    else
        task_reply(r, id);
}

void h_tasks_reassign(struct http_req *r)
{
    struct ok_err err;
    int64_t id, version;
    ok_err_clear(&err);
    if (task_id(r, &id) < 0 || act_version(r, id, 0, &version) < 0)
        return;
    if (store_task_reassign(r->db, &r->actor, id, version, http_body_str(r, "assignee"),
                            http_body_str(r, "queue"), &err) < 0)
        http_fail(r, &err);
    else
        task_reply(r, id);
}

void h_tasks_cancel(struct http_req *r)
{
    struct ok_err err;
    int64_t id, version;
    ok_err_clear(&err);
    if (task_id(r, &id) < 0 || act_version(r, id, 0, &version) < 0)
        return;
    if (store_task_cancel(r->db, &r->actor, id, version, http_body_str(r, "outcome"), &err) < 0)
        http_fail(r, &err);
    else
        task_reply(r, id);
}

static int task_one(void *ctx, const struct task *t)
{
    struct http_page *p = ctx;
    if (http_page_item(p))
        return 1;
    task_to_json(t, &p->r->out);
    buf_printf(&p->key, "%s|%lld", t->due_on ? t->due_on : "", (long long)t->id);
    return 0;
}

void h_tasks_list(struct http_req *r)
{
    struct http_page p;
    struct task_query q;
    struct ok_err err;
    const char *view = http_query(r, "view"), *assignee = http_query(r, "assignee");
    char today[11], yesterday[11], tomorrow[11], after[11];
    int32_t day;
    int present;
    long long v;
    ok_err_clear(&err);
    memset(&q, 0, sizeof(q));
    if (http_page_begin(r, &p) < 0 || http_query_date(r, "as_of", &day, &present) < 0)
        goto out;
    if (!present)
        day = http_today(r);
    date_format_iso(day, today);
    date_format_iso(day - 1, yesterday);
    date_format_iso(day + 1, tomorrow);
    if (p.cursor) {
        if (sscanf(p.cursor, "%10[0-9-]|%lld", after, &v) != 2 || v <= 0) {
            http_error(r, 400, "invalid", "cursor", "cursor is not one this server gave out");
            goto out;
        }
        q.after_due = after;
        q.after_id = v;
    }
    /* "me": the caller's own tasks; "-": the team queue */
    q.assignee = assignee && !strcmp(assignee, "me") ? r->who.login : assignee;
    q.queue = http_query(r, "queue");
    q.status = http_query(r, "status");
    q.customer_code = http_query(r, "customer");
    q.due_from = http_query(r, "due_from");
    q.due_to = http_query(r, "due_to");
    if (!view || !strcmp(view, "all")) {
    } else if (!strcmp(view, "today")) {
        q.as_of = today; /* open, due by today and not snoozed past it */
        q.due_from = today;
    } else if (!strcmp(view, "overdue")) {
        q.as_of = today;
        q.due_to = yesterday;
    } else if (!strcmp(view, "actionable")) {
        q.as_of = today;
    } else if (!strcmp(view, "upcoming")) {
        q.status = "open";
        q.due_from = tomorrow;
    } else {
        http_error(r, 400, "invalid", "view",
                   "view is today, overdue, actionable (today and overdue), upcoming or all");
        goto out;
    }
    q.limit = p.limit + 1;
    if (store_task_list(r->db, &q, task_one, &p, &err) < 0) {
        http_fail(r, &err);
        goto out;
    }
    http_page_end(&p);
out:
    http_page_release(&p);
}
