/*
 * user.c - storing users, their roles, passwords hashes and the disabled flag.
 */
#include "store/user.h"

#include <stdlib.h>
#include <string.h>

#include "core/json_out.h"
#include "core/mem.h"
#include "core/text.h"
#include "store/fields.h"
#include "core/banned.h"

const char *const user_roles[] = {"admin", "manager", "staff", "readonly", NULL};

void user_release(struct user *u)
{
    char **const fields[] = {&u->login,         &u->display_name, &u->email,     &u->role,
                             &u->password_hash, &u->created_at,   &u->updated_at};
    store_fields_free(fields, (int)(sizeof(fields) / sizeof(fields[0])));
    memset(u, 0, sizeof(*u));
}

static int login_valid(const char *s)
{
    size_t i, n = strlen(s);
    if (n == 0 || n > 64)
        return 0;
    for (i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-' || c == '@'))
            return 0;
    }
    return 1;
}

int store_user_validate(const struct user *u, struct ok_err *err)
{
    if (!u->login || !*u->login)
        return store_invalid(err, "login", "login is required (like tanaka)");
    if (!login_valid(u->login))
        return store_invalid(err, "login",
                             "login '%.100s' is not valid; use 1 to 64 letters, digits, . _ - @",
                             u->login);
    if (store_check_text(u->display_name, "display_name", "display name", 0, 200, err) < 0)
        return -1;
    if (u->email) {
        struct buf b;
        int bad;
        buf_init(&b, 1024);
        bad = text_email_normalize(&b, u->email, strlen(u->email)) < 0;
        buf_release(&b);
        if (bad)
            return store_invalid(err, "email",
                                 "'%.100s' is not an e-mail address (like tanaka@example.jp)",
                                 u->email);
    }
    return store_check_enum(u->role, "role", user_roles, 0, err);
}

void user_to_json(const struct user *u, struct buf *out)
{
    int first = 1;
    buf_putc(out, '{');
    json_out_field_i64(out, &first, "id", u->id);
    json_out_field_string(out, &first, "login", u->login);
    json_out_field_string(out, &first, "display_name", u->display_name ? u->display_name : "");
    json_out_field_string(out, &first, "email", u->email);
    json_out_field_string(out, &first, "role", u->role ? u->role : "staff");
    buf_printf(out, ",\"disabled\":%s", u->disabled ? "true" : "false");
    buf_printf(out, ",\"has_password\":%s",
               u->password_hash && *u->password_hash ? "true" : "false");
    json_out_field_string(out, &first, "created_at", u->created_at);
    json_out_field_string(out, &first, "updated_at", u->updated_at);
    buf_putc(out, '}');
}

#define SELECT_USER                                                                                \
    "SELECT id, login, display_name, email, role, password_hash, disabled, created_at, "           \
    "updated_at FROM users "

static void read_row(struct db_stmt *st, void *out)
{
    struct user *u = out;
    u->id = db_column_i64(st, 0);
    u->login = db_column_strdup(st, 1);
    u->display_name = db_column_strdup(st, 2);
    u->email = db_column_strdup(st, 3);
    u->role = db_column_strdup(st, 4);
    u->password_hash = db_column_strdup(st, 5);
    u->disabled = (int)db_column_i64(st, 6);
    u->created_at = db_column_strdup(st, 7);
    u->updated_at = db_column_strdup(st, 8);
}

static const char SQL_GET_BY_LOGIN[] = SELECT_USER "WHERE login = ?";
static const char SQL_GET_BY_ID[] = SELECT_USER "WHERE id = ?";

static const struct store_getter getter = {
    SQL_GET_BY_LOGIN, SQL_GET_BY_ID, "user", "with login", "; list users with `okaeri user list`",
    read_row};

static int get_one(struct db *db, const char *login, int64_t id, struct user *out,
                   struct ok_err *err)
{
    memset(out, 0, sizeof(*out));
    return store_get_row(db, &getter, login, id, out, err);
}

int store_user_get(struct db *db, const char *login, struct user *out, struct ok_err *err)
{
    return get_one(db, login ? login : "", 0, out, err);
}

int store_user_get_by_id(struct db *db, int64_t id, struct user *out, struct ok_err *err)
{
    return get_one(db, NULL, id, out, err);
}

static const char SQL_INSERT[] =
    "INSERT INTO users(login, display_name, email, role, password_hash, disabled, created_at, "
    "updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id";

int64_t store_user_create(struct db *db, const struct store_actor *who, struct user *u,
                          struct ok_err *err)
{
    struct db_stmt *st = NULL;
    struct buf json;
    char now[20];
    int64_t id = -1;
    if (store_user_validate(u, err) < 0)
        return -1;
    buf_init(&json, 0);
    if (db_begin(db, err) < 0)
        goto out;
    st = db_cached(db, SQL_INSERT, err);
    if (!st)
        goto fail;
    store_now_utc(now);
    db_bind_text(st, 1, u->login, (size_t)-1);
    db_bind_text(st, 2, u->display_name ? u->display_name : "", (size_t)-1);
    db_bind_text_or_null(st, 3, u->email);
    db_bind_text(st, 4, u->role ? u->role : "staff", (size_t)-1);
    db_bind_text_or_null(st, 5, u->password_hash);
    db_bind_i64(st, 6, u->disabled ? 1 : 0);
    db_bind_text(st, 7, now, (size_t)-1);
    db_bind_text(st, 8, now, (size_t)-1);
    if (db_step(st, err) != DB_ROW) {
        if (err && err->code == OK_ERR_CONFLICT) {
            ok_err_set(err, OK_ERR_CONFLICT,
                       "a user with login '%.100s' already exists; choose another login", u->login);
            ok_err_locate(err, "login", 0);
        }
        goto fail;
    }
    id = db_column_i64(st, 0);
    db_reset(st);
    u->id = id;
    store_field_set(&u->created_at, now);
    store_field_set(&u->updated_at, now);
    user_to_json(u, &json);
    if (store_audit(db, who, "create", "user", id, NULL, json.data, err) < 0)
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

/* One single-column change of a user: sql takes (value, updated_at, id); `edit` checks the
 * change and applies it to the in-memory copy that becomes the audit's "after". */
struct user_change {
    const char *sql;
    const char *action;
    const char *text; /* the new text value, bound as parameter 1 (NULL binds NULL) */
    int64_t number;   /* or the new number, when text_is_number */
    int text_is_number;
};

static int count_other_admins(struct db *db, int64_t except_id, int64_t *n, struct ok_err *err)
{
    static const char sql[] =
        "SELECT count(*) FROM users WHERE role = 'admin' AND disabled = 0 AND id <> ?";
    struct db_stmt *st = db_cached(db, sql, err);
    int rc;
    if (!st)
        return -1;
    db_bind_i64(st, 1, except_id);
    rc = db_step(st, err);
    *n = rc == DB_ROW ? db_column_i64(st, 0) : 0;
    db_reset(st);
    return rc < 0 ? -1 : 0;
}

static int apply_change(struct db *db, const struct store_actor *who, const char *login,
                        const struct user_change *ch,
                        int (*edit)(struct user *after, const struct user_change *ch, struct db *db,
                                    struct ok_err *err),
                        struct ok_err *err)
{
    struct user before, after;
    struct buf bj, aj;
    struct db_stmt *st = NULL;
    char now[20];
    int rc = -1;
    memset(&before, 0, sizeof(before));
    memset(&after, 0, sizeof(after));
    buf_init(&bj, 0);
    buf_init(&aj, 0);
    if (db_begin(db, err) < 0)
        goto out;
    if (store_user_get(db, login, &before, err) < 0 || store_user_get(db, login, &after, err) < 0)
        goto fail;
    if (edit(&after, ch, db, err) < 0)
        goto fail;
    st = db_cached(db, ch->sql, err);
    if (!st)
        goto fail;
    store_now_utc(now);
    if (ch->text_is_number)
        db_bind_i64(st, 1, ch->number);
    else
        db_bind_text_or_null(st, 1, ch->text);
    db_bind_text(st, 2, now, (size_t)-1);
    db_bind_i64(st, 3, before.id);
    if (db_step(st, err) < 0)
        goto fail;
    db_reset(st);
    store_field_set(&after.updated_at, now);
    user_to_json(&before, &bj);
    user_to_json(&after, &aj);
    if (store_audit(db, who, ch->action, "user", before.id, bj.data, aj.data, err) < 0)
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
    user_release(&before);
    user_release(&after);
    buf_release(&bj);
    buf_release(&aj);
    return rc;
}

static int edit_disabled(struct user *after, const struct user_change *ch, struct db *db,
                         struct ok_err *err)
{
    int64_t others;
    if (ch->number && !after->disabled && after->role && !strcmp(after->role, "admin")) {
        if (count_other_admins(db, after->id, &others, err) < 0)
            return -1;
        if (others == 0)
            return ok_err_set(err, OK_ERR_CONFLICT,
                              "'%s' is the last enabled admin; make another user admin first",
                              after->login);
    }
    after->disabled = (int)ch->number;
    return 0;
}

static int edit_role(struct user *after, const struct user_change *ch, struct db *db,
                     struct ok_err *err)
{
    int64_t others;
    if (after->role && !strcmp(after->role, "admin") && strcmp(ch->text, "admin") &&
        !after->disabled) {
        if (count_other_admins(db, after->id, &others, err) < 0)
            return -1;
        if (others == 0)
            return ok_err_set(err, OK_ERR_CONFLICT,
                              "'%s' is the last enabled admin; make another user admin first",
                              after->login);
    }
    store_field_set(&after->role, ch->text);
    return 0;
}

static int edit_password(struct user *after, const struct user_change *ch, struct db *db,
                         struct ok_err *err)
{
    store_field_set(&after->password_hash, ch->text);
    return 0;
}

static const char SQL_SET_DISABLED[] = "UPDATE users SET disabled = ?, updated_at = ? WHERE id = ?";
static const char SQL_SET_ROLE[] = "UPDATE users SET role = ?, updated_at = ? WHERE id = ?";
static const char SQL_SET_PASSWORD[] =
    "UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?";

int store_user_set_disabled(struct db *db, const struct store_actor *who, const char *login,
                            int disabled, struct ok_err *err)
{
    struct user_change ch = {SQL_SET_DISABLED, disabled ? "disable" : "enable", NULL,
                             disabled ? 1 : 0, 1};
    return apply_change(db, who, login, &ch, edit_disabled, err);
}

int store_user_set_role(struct db *db, const struct store_actor *who, const char *login,
                        const char *role, struct ok_err *err)
{
    struct user_change ch = {SQL_SET_ROLE, "set_role", role, 0, 0};
    if (store_check_enum(role, "role", user_roles, 1, err) < 0)
        return -1;
    return apply_change(db, who, login, &ch, edit_role, err);
}

int store_user_set_password_hash(struct db *db, const struct store_actor *who, const char *login,
                                 const char *password_hash, struct ok_err *err)
{
    struct user_change ch = {SQL_SET_PASSWORD, "set_password", password_hash, 0, 0};
    if (password_hash && *password_hash &&
        store_check_text(password_hash, "password_hash", "password hash", 0, 1024, err) < 0)
        return -1;
    return apply_change(db, who, login, &ch, edit_password, err);
}

static const char SQL_UPDATE[] =
    "UPDATE users SET display_name = ?, email = ?, updated_at = ? WHERE id = ?";

int store_user_update(struct db *db, const struct store_actor *who, const struct user *u,
                      struct ok_err *err)
{
    struct user before, after;
    struct buf bj, aj;
    struct db_stmt *st = NULL;
    char now[20];
    int rc = -1;
    memset(&before, 0, sizeof(before));
    memset(&after, 0, sizeof(after));
    if (store_check_text(u->display_name, "display_name", "display name", 0, 200, err) < 0)
        return -1;
    if (u->email) {
        struct user probe = {.login = "x", .email = u->email};
        if (store_user_validate(&probe, err) < 0)
            return -1;
    }
    buf_init(&bj, 0);
    buf_init(&aj, 0);
    if (db_begin(db, err) < 0)
        goto out;
    if (store_user_get_by_id(db, u->id, &before, err) < 0)
        goto fail;
    st = db_cached(db, SQL_UPDATE, err);
    if (!st)
        goto fail;
    store_now_utc(now);
    db_bind_text(st, 1, u->display_name ? u->display_name : "", (size_t)-1);
    db_bind_text_or_null(st, 2, u->email);
    db_bind_text(st, 3, now, (size_t)-1);
    db_bind_i64(st, 4, u->id);
    if (db_step(st, err) < 0)
        goto fail;
    db_reset(st);
    if (store_user_get_by_id(db, u->id, &after, err) < 0)
        goto fail;
    user_to_json(&before, &bj);
    user_to_json(&after, &aj);
    if (store_audit(db, who, "update", "user", u->id, bj.data, aj.data, err) < 0)
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
    user_release(&before);
    user_release(&after);
    buf_release(&bj);
    buf_release(&aj);
    return rc;
}

int store_user_list(struct db *db, const struct user_query *q,
                    int (*fn)(void *ctx, const struct user *u), void *ctx, struct ok_err *err)
{
    struct buf sql;
    struct db_stmt *st = NULL;
    int idx = 1, rc = -1, step;
    int limit = q && q->limit > 0 ? q->limit : 100;
    buf_init(&sql, 0);
    buf_puts(&sql, SELECT_USER "WHERE 1=1");
    if (q && q->role && *q->role)
        buf_puts(&sql, " AND role = ?");
    if (!q || !q->include_disabled)
        buf_puts(&sql, " AND disabled = 0");
    if (q && q->after_login && *q->after_login)
        buf_puts(&sql, " AND login > ?");
    buf_printf(&sql, " ORDER BY login LIMIT %d", limit);
    st = db_prepare(db, sql.data, err);
    if (!st)
        goto out;
    if (q && q->role && *q->role)
        db_bind_text(st, idx++, q->role, (size_t)-1);
    if (q && q->after_login && *q->after_login)
        db_bind_text(st, idx++, q->after_login, (size_t)-1);
    while ((step = db_step(st, err)) == DB_ROW) {
        struct user u;
        int stop;
        memset(&u, 0, sizeof(u));
        read_row(st, &u);
        stop = fn(ctx, &u);
        user_release(&u);
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
