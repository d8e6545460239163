/*
 * h_session.c - logging in and out (session cookie + CSRF token) and the caller's API tokens.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/json_out.h"
#include "http/http.h"
#include "store/user.h"
#include "core/banned.h"

static void identity_json(struct http_req *r, const struct auth_identity *who, const char *csrf)
{
    struct buf *out = &r->out;
    int first = 1;
    buf_puts(out, "{\"user\":{");
    json_out_field_i64(out, &first, "id", who->user_id);
    json_out_field_string(out, &first, "login", who->login);
    json_out_field_string(out, &first, "role", who->role);
    buf_puts(out, "},\"csrf_token\":");
    json_out_string(out, csrf, (size_t)-1);
    buf_puts(out, ",\"via\":");
    json_out_string(out, who->token_id > 0 ? "token" : "session", (size_t)-1);
    buf_putc(out, '}');
}

void h_session_get(struct http_req *r)
{
    identity_json(r, &r->who, r->who.session_id > 0 ? r->who.csrf : NULL);
}

void h_session_login(struct http_req *r)
{
    const char *login = http_body_str(r, "login");
    const char *password = http_body_str(r, "password");
    struct auth_identity who;
    struct user u;
    struct ok_err err;
    char token[AUTH_TOKEN_MAX], csrf[AUTH_TOKEN_MAX];
    int found, ok, throttled;
    memset(&u, 0, sizeof(u));
    ok_err_clear(&err);
    if (strlen(login) > 64 || strlen(password) > AUTH_PASSWORD_MAX) {
        http_error(r, 401, "auth", NULL, "wrong login or password");
        return;
    }
    throttled = auth_login_throttled(r->db, login, r->address, &err);
    if (throttled < 0)
        goto fail;
    if (throttled) {
        http_error(r, 429, "throttled", NULL,
                   "too many failed logins for this account or address; wait 15 minutes");
        return;
    }
    found = store_user_get(r->db, login, &u, &err);
    if (found < 0 && err.code != OK_ERR_NOT_FOUND)
        goto fail;
    /* verify even for unknown users: the time taken must not tell which logins exist */
    ok = auth_password_verify(found == 0 ? u.password_hash : NULL, password) && found == 0 &&
         !u.disabled && auth_role_level(u.role ? u.role : "staff") >= 0;
    ok_err_clear(&err);
    if (auth_login_record(r->db, login, r->address, ok, &err) < 0)
        goto fail;
    if (!ok) {
        http_error(r, 401, "auth", NULL, "wrong login or password");
        goto out;
    }
    if (auth_session_create(r->db, u.id, r->address, token, csrf, &err) < 0)
        goto fail;
    auth_purge(r->db, &err);
    ok_err_clear(&err);
    memset(&who, 0, sizeof(who));
    who.user_id = u.id;
    snprintf(who.login, sizeof(who.login), "%s", u.login);
    snprintf(who.role, sizeof(who.role), "%s", u.role ? u.role : "staff");
    snprintf(r->set_cookie, sizeof(r->set_cookie),
             "okaeri_session=%s; Path=/; HttpOnly; SameSite=Strict; Max-Age=%d%s", token,
             AUTH_SESSION_SECONDS, r->srv->cookie_secure ? "; Secure" : "");
    r->authenticated = 1;
    r->who = who;
    identity_json(r, &who, csrf);
    goto out;
fail:
    http_fail(r, &err);
out:
    user_release(&u);
}

void h_session_logout(struct http_req *r)
{
    struct ok_err err;
    ok_err_clear(&err);
    if (r->who.session_id > 0 && auth_session_delete(r->db, r->who.session_id, &err) < 0) {
        http_fail(r, &err);
        return;
    }
    snprintf(r->set_cookie, sizeof(r->set_cookie),
             "okaeri_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0%s",
             r->srv->cookie_secure ? "; Secure" : "");
}

void h_tokens_list(struct http_req *r)
{
    struct ok_err err;
    ok_err_clear(&err);
    buf_puts(&r->out, "{\"items\":");
    if (auth_token_list_json(r->db, r->who.user_id, &r->out, &err) < 0) {
        http_fail(r, &err);
        return;
    }
    buf_puts(&r->out, ",\"next_cursor\":null}");
}

void h_tokens_create(struct http_req *r)
{
    const char *name = http_body_str(r, "name");
    int64_t days = http_body_int(r, "expires_in_days", 0), id = 0;
    char token[AUTH_TOKEN_MAX];
    struct ok_err err;
    size_t n = strlen(name);
    ok_err_clear(&err);
    if (n == 0 || n > 100) {
        http_error(r, 400, "invalid", "name", "name must have 1 to 100 characters");
        return;
    }
    if (days < 0 || days > 3650) {
        http_error(r, 400, "invalid", "expires_in_days",
                   "expires_in_days must be from 0 (never) to 3650");
        return;
    }
    if (auth_token_create(r->db, r->who.user_id, name, days, token, &id, &err) < 0) {
        http_fail(r, &err);
        return;
    }
    if (auth_token_get_json(r->db, r->who.user_id, id, &r->out, &err) < 0) {
        http_fail(r, &err);
        return;
    }
    /* the only time the token is ever shown: splice it into the object */
    buf_truncate(&r->out, r->out.len - 1);
    buf_puts(&r->out, ",\"token\":");
    json_out_string(&r->out, token, (size_t)-1);
    buf_putc(&r->out, '}');
    snprintf(r->location, sizeof(r->location), "/api/v1/tokens/%lld", (long long)id);
}

void h_tokens_revoke(struct http_req *r)
{
    struct ok_err err;
    char *end;
    long long id = strtoll(http_param(r, 0), &end, 10);
    ok_err_clear(&err);
    if (*end || id <= 0) {
        http_error(r, 404, "not_found", NULL, "there is no such token");
        return;
    }
    /* admins may revoke anyone's token (e.g. of someone who left) */
    if (auth_token_revoke(r->db, r->who.level >= AUTH_ADMIN ? 0 : r->who.user_id, id, &err) < 0)
        http_fail(r, &err);
}
