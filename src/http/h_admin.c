/*
 * h_admin.c - users (admin), settings, the configurable lists, the audit log and activities.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json_out.h"
#include "http/http.h"
#include "store/activity.h"
#include "store/audit.h"
#include "store/fields.h"
#include "store/lists.h"
#include "service/settings.h"
#include "store/setting.h"
#include "store/user.h"
#include "core/banned.h"

static int parse_id(const char *s, int64_t *out)
{
    char *end;
    long long v;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno || end == s || *end || v <= 0)
        return -1;
    *out = v;
    return 0;
}

static int query_bool(struct http_req *r, const char *key, int *out)
{
    const char *v = http_query(r, key);
    *out = 0;
    if (!v)
        return 0;
    if (!strcmp(v, "true") || !strcmp(v, "1"))
        *out = 1;
    else if (strcmp(v, "false") && strcmp(v, "0")) {
        http_error(r, 400, "invalid", key, "%s must be true or false", key);
        return -1;
    }
    return 0;
}

/* ---- users ---- */

static void reply_user(struct http_req *r, const char *login)
{
    struct user u;
    struct ok_err err;
    memset(&u, 0, sizeof(u));
    ok_err_clear(&err);
    if (store_user_get(r->db, login, &u, &err) < 0)
        http_fail(r, &err);
    else
        user_to_json(&u, &r->out);
    user_release(&u);
}

void h_users_get(struct http_req *r)
{
    reply_user(r, http_param(r, 0));
}

void h_users_create(struct http_req *r)
{
    struct user u;
    struct ok_err err;
    const char *password = http_body_str(r, "password");
    char hash[AUTH_HASH_MAX];
    memset(&u, 0, sizeof(u));
    ok_err_clear(&err);
    store_field_set(&u.login, http_body_str(r, "login"));
    store_field_set(&u.display_name, http_body_str(r, "display_name"));
    store_field_set(&u.email, http_body_str(r, "email"));
    store_field_set(&u.role, http_body_str(r, "role"));
    if (password) {
        if (auth_password_check(password, &err) < 0 || auth_password_hash(password, hash, &err) < 0)
            goto fail;
        store_field_set(&u.password_hash, hash);
    }
    if (store_user_validate(&u, &err) < 0 || store_user_create(r->db, &r->actor, &u, &err) < 0)
        goto fail;
    reply_user(r, u.login);
    http_set_location(r, "/api/v1/users/", u.login);
    goto out;
fail:
    http_fail(r, &err);
out:
    user_release(&u);
}

void h_users_update(struct http_req *r)
{
    const char *login = http_param(r, 0);
    struct user u;
    struct ok_err err;
    char hash[AUTH_HASH_MAX];
    memset(&u, 0, sizeof(u));
    ok_err_clear(&err);
    if (store_user_get(r->db, login, &u, &err) < 0)
        goto fail;
    if (http_body_has(r, "display_name") || http_body_has(r, "email")) {
        if (http_body_has(r, "display_name"))
            store_field_set(&u.display_name, http_body_str(r, "display_name"));
        if (http_body_has(r, "email"))
            store_field_set(&u.email, http_body_str(r, "email"));
        if (store_user_validate(&u, &err) < 0 || store_user_update(r->db, &r->actor, &u, &err) < 0)
            goto fail;
    }
    if (http_body_str(r, "role") &&
        store_user_set_role(r->db, &r->actor, login, http_body_str(r, "role"), &err) < 0)
        goto fail;
    if (http_body_has(r, "password")) {
        const char *pw = http_body_str(r, "password");
        if (pw && (auth_password_check(pw, &err) < 0 || auth_password_hash(pw, hash, &err) < 0))
            goto fail;
        if (store_user_set_password_hash(r->db, &r->actor, login, pw ? hash : NULL, &err) < 0 ||
            auth_session_delete_user(r->db, u.id, &err) < 0)
            goto fail;
    }
    if (http_body_has(r, "disabled")) {
        int disabled = http_body_bool(r, "disabled", 0);
        if (store_user_set_disabled(r->db, &r->actor, login, disabled, &err) < 0 ||
            (disabled && auth_session_delete_user(r->db, u.id, &err) < 0))
            goto fail;
    }
    reply_user(r, login);
    goto out;
fail:
    http_fail(r, &err);
out:
    user_release(&u);
}

static int user_one(void *ctx, const struct user *u)
{
    struct http_page *p = ctx;
    if (http_page_item(p))
        return 1;
    user_to_json(u, &p->r->out);
    buf_puts(&p->key, u->login);
    return 0;
}

void h_users_list(struct http_req *r)
{
    struct http_page p;
    struct user_query q;
    struct ok_err err;
    ok_err_clear(&err);
    memset(&q, 0, sizeof(q));
    if (http_page_begin(r, &p) < 0 || query_bool(r, "include_disabled", &q.include_disabled) < 0)
        goto out;
    q.role = http_query(r, "role");
    q.after_login = p.cursor;
    q.limit = p.limit + 1;
    if (store_user_list(r->db, &q, user_one, &p, &err) < 0) {
        http_fail(r, &err);
        goto out;
    }
    http_page_end(&p);
out:
    http_page_release(&p);
}

/* ---- settings ---- */

struct setting_pick {
    struct buf *out;
    const char *key; /* NULL: all */
    int n;
};

static int setting_one(void *ctx, const struct setting_view *v)
{
    struct setting_pick *sp = ctx;
    if (sp->key && strcmp(sp->key, v->def->key) != 0)
        return 0;
    if (sp->n++)
        buf_putc(sp->out, ',');
    setting_view_to_json(v, sp->out);
    return 0;
}

void h_settings_list(struct http_req *r)
{
    struct setting_pick sp = {&r->out, NULL, 0};
    struct ok_err err;
    ok_err_clear(&err);
    buf_puts(&r->out, "{\"items\":[");
    if (store_setting_list(r->db, setting_one, &sp, &err) < 0) {
        http_fail(r, &err);
        return;
    }
    buf_puts(&r->out, "],\"next_cursor\":null}");
}

static void reply_setting(struct http_req *r, const char *key)
{
    struct setting_pick sp = {&r->out, key, 0};
    struct ok_err err;
    ok_err_clear(&err);
    if (!store_setting_find(key)) {
        http_error(r, 404, "not_found", "key", "there is no setting '%s'", key);
        return;
    }
    if (store_setting_list(r->db, setting_one, &sp, &err) < 0)
        http_fail(r, &err);
}

void h_settings_get(struct http_req *r)
{
    reply_setting(r, http_param(r, 0));
}

/* Under the snapshot's write lock: the settings as stored now (see snapshot_apply_settings;
 * a change of the currency's minor unit reloads). */
static int apply_settings(struct snapshot *s, void *ctx)
{
    struct ok_err err;
    ok_err_clear(&err);
    return snapshot_apply_settings(s, ctx, &err) == 0 ? 0 : -1;
}

void h_settings_put(struct http_req *r)
{
    struct ok_err err;
    const char *key = http_param(r, 0);
    ok_err_clear(&err);
    if (!store_setting_find(key)) {
        http_error(r, 404, "not_found", "key", "there is no setting '%s'", key);
        return;
    }
    if (service_setting_set(r->db, &r->actor, key, http_body_str(r, "value"), &err) < 0) {
        http_fail(r, &err);
        return;
    }
    snap_holder_changed(&r->srv->snap, apply_settings, r->db);
    reply_setting(r, key);
}

void h_settings_reset(struct http_req *r)
{
    struct ok_err err;
    const char *key = http_param(r, 0);
    ok_err_clear(&err);
    if (!store_setting_find(key)) {
        http_error(r, 404, "not_found", "key", "there is no setting '%s'", key);
        return;
    }
    /* Back to the default, through the same cross-field checks as any other value. */
    if (service_setting_set(r->db, &r->actor, key, store_setting_find(key)->default_value, &err) <
        0) {
        http_fail(r, &err);
        return;
    }
    snap_holder_changed(&r->srv->snap, apply_settings, r->db);
    reply_setting(r, key);
}

/* ---- lists: lost_reasons, causes, triggers ---- */

static int known_list(struct http_req *r, const char *list)
{
    if (store_lists_known(list))
        return 1;
    http_error(r, 404, "not_found", NULL,
               "there is no list '%s' (lists: lost_reasons, causes, triggers)", list);
    return 0;
}

struct list_pick {
    struct buf *out;
    const char *code; /* NULL: all */
    int n;
};

static int list_item_one(void *ctx, const struct list_item *it)
{
    struct list_pick *lp = ctx;
    if (lp->code && strcmp(lp->code, it->code) != 0)
        return 0;
    if (lp->n++)
        buf_putc(lp->out, ',');
    list_item_to_json(it, lp->out);
    return 0;
}

void h_lists_get(struct http_req *r)
{
    struct list_pick lp = {&r->out, NULL, 0};
    struct ok_err err;
    int inactive;
    ok_err_clear(&err);
    if (!known_list(r, http_param(r, 0)) || query_bool(r, "include_inactive", &inactive) < 0)
        return;
    buf_puts(&r->out, "{\"items\":[");
    if (store_lists_items(r->db, http_param(r, 0), inactive, list_item_one, &lp, &err) < 0) {
        http_fail(r, &err);
        return;
    }
    buf_puts(&r->out, "],\"next_cursor\":null}");
}

static void reply_list_item(struct http_req *r, const char *list, const char *code)
{
    struct list_pick lp = {&r->out, code, 0};
    struct ok_err err;
    ok_err_clear(&err);
    if (store_lists_items(r->db, list, 1, list_item_one, &lp, &err) < 0)
        http_fail(r, &err);
    else if (lp.n == 0)
        http_error(r, 404, "not_found", NULL, "there is no '%s' in %s", code, list);
}

void h_lists_add(struct http_req *r)
{
    struct ok_err err;
    const char *list = http_param(r, 0);
    ok_err_clear(&err);
    if (!known_list(r, list))
        return;
    if (store_lists_add(r->db, &r->actor, list, http_body_str(r, "code"),
                        http_body_str(r, "label_ja"), http_body_str(r, "label_en"), &err) < 0) {
        http_fail(r, &err);
        return;
    }
    reply_list_item(r, list, http_body_str(r, "code"));
}

void h_lists_update(struct http_req *r)
{
    struct ok_err err;
    const char *list = http_param(r, 0), *code = http_param(r, 1);
    ok_err_clear(&err);
    if (!known_list(r, list))
        return;
    if ((http_body_str(r, "label_ja") || http_body_str(r, "label_en")) &&
        store_lists_rename(r->db, &r->actor, list, code, http_body_str(r, "label_ja"),
                           http_body_str(r, "label_en"), &err) < 0)
        goto fail;
    if (http_body_has(r, "active") &&
        store_lists_set_active(r->db, &r->actor, list, code, http_body_bool(r, "active", 1), &err) <
            0)
        goto fail;
    reply_list_item(r, list, code);
    return;
fail:
    http_fail(r, &err);
}

void h_lists_delete(struct http_req *r)
{
    struct ok_err err;
    ok_err_clear(&err);
    if (!known_list(r, http_param(r, 0)))
        return;
    if (store_lists_remove(r->db, &r->actor, http_param(r, 0), http_param(r, 1), &err) < 0)
        http_fail(r, &err);
}

/* ---- audit log ---- */

static int audit_one(void *ctx, const struct audit_entry *e)
{
    struct http_page *p = ctx;
    if (http_page_item(p))
        return 1;
    audit_entry_to_json(e, &p->r->out);
    buf_put_i64(&p->key, e->id);
    return 0;
}

void h_audit_list(struct http_req *r)
{
    struct http_page p;
    struct audit_query q;
    struct ok_err err;
    int64_t entity_id;
    ok_err_clear(&err);
    memset(&q, 0, sizeof(q));
    if (http_page_begin(r, &p) < 0 ||
        http_query_int(r, "entity_id", 0, INT64_MAX, 0, &entity_id) < 0)
        goto out;
    if (p.cursor && parse_id(p.cursor, &q.before_id) < 0) {
        http_error(r, 400, "invalid", "cursor", "cursor is not one this server gave out");
        goto out;
    }
    q.entity = http_query(r, "entity");
    q.entity_id = entity_id;
    q.user_login = http_query(r, "user");
    q.action = http_query(r, "action");
    q.since = http_query(r, "since");
    q.until = http_query(r, "until");
    q.limit = p.limit + 1;
    if (store_audit_list(r->db, &q, audit_one, &p, &err) < 0) {
        http_fail(r, &err);
        goto out;
    }
    http_page_end(&p);
out:
    http_page_release(&p);
}

/* ---- activities ---- */

static void reply_activity(struct http_req *r, int64_t id)
{
    struct activity a;
    struct ok_err err;
    memset(&a, 0, sizeof(a));
    ok_err_clear(&err);
    if (store_activity_get_by_id(r->db, id, &a, &err) < 0)
        http_fail(r, &err);
    else
        activity_to_json(&a, &r->out);
    activity_release(&a);
}

void h_activities_create(struct http_req *r)
{
    struct activity a;
    struct ok_err err;
    int64_t id;
    memset(&a, 0, sizeof(a));
    ok_err_clear(&err);
    store_field_set(&a.code, http_body_str(r, "code"));
    store_field_set(&a.customer_code, http_body_str(r, "customer_code"));
    /* who made the contact: the caller unless the body names someone */
    store_field_set(&a.user_login, http_body_has(r, "user")
                                       ? http_body_str(r, "user")
                                       : (r->authenticated ? r->who.login : NULL));
    store_field_set(&a.occurred_at, http_body_str(r, "occurred_at"));
    store_field_set(&a.channel, http_body_str(r, "channel"));
    store_field_set(&a.direction, http_body_str(r, "direction"));
    store_field_set(&a.subject, http_body_str(r, "subject"));
    store_field_set(&a.body, http_body_str(r, "body"));
    store_field_set(&a.outcome, http_body_str(r, "outcome"));
    a.deal_id = http_body_int(r, "deal_id", 0);
    a.task_id = http_body_int(r, "task_id", 0);
    if (!a.occurred_at) {
        char now[20];
        store_now_local(NULL, now);
        store_field_set(&a.occurred_at, now);
    }
    if (store_activity_validate(&a, &err) < 0 ||
        (id = store_activity_create(r->db, &r->actor, &a, &err)) < 0) {
        http_fail(r, &err);
    } else {
        reply_activity(r, id);
        snprintf(r->location, sizeof(r->location), "/api/v1/activities/%lld", (long long)id);
    }
    activity_release(&a);
}

void h_activities_get(struct http_req *r)
{
    int64_t id;
    if (parse_id(http_param(r, 0), &id) < 0) {
        http_error(r, 404, "not_found", NULL, "there is no such activity");
        return;
    }
    reply_activity(r, id);
}

void h_activities_delete(struct http_req *r)
{
    struct ok_err err;
    int64_t id;
    ok_err_clear(&err);
    if (parse_id(http_param(r, 0), &id) < 0) {
        http_error(r, 404, "not_found", NULL, "there is no such activity");
        return;
    }
    if (store_activity_delete(r->db, &r->actor, id, &err) < 0)
        http_fail(r, &err);
}

static int activity_one(void *ctx, const struct activity *a)
{
    struct http_page *p = ctx;
    if (http_page_item(p))
        return 1;
    activity_to_json(a, &p->r->out);
    buf_printf(&p->key, "%s|%lld", a->occurred_at, (long long)a->id);
    return 0;
}

void h_activities_list(struct http_req *r)
{
    struct http_page p;
    struct activity_query q;
    struct ok_err err;
    char at[20];
    long long id;
    int64_t deal_id;
    ok_err_clear(&err);
    memset(&q, 0, sizeof(q));
    if (http_page_begin(r, &p) < 0 || http_query_int(r, "deal_id", 0, INT64_MAX, 0, &deal_id) < 0)
        goto out;
    if (p.cursor) {
        if (sscanf(p.cursor, "%19[^|]|%lld", at, &id) != 2) {
            http_error(r, 400, "invalid", "cursor", "cursor is not one this server gave out");
            goto out;
        }
        q.before_at = at;
        q.before_id = id;
    }
    q.customer_code = http_query(r, "customer");
    q.user_login = http_query(r, "user");
    q.channel = http_query(r, "channel");
    q.since = http_query(r, "since");
    q.until = http_query(r, "until");
    q.deal_id = deal_id;
    q.limit = p.limit + 1;
    if (store_activity_list(r->db, &q, activity_one, &p, &err) < 0) {
        http_fail(r, &err);
        goto out;
    }
    http_page_end(&p);
out:
    http_page_release(&p);
}
