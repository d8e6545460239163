/*
 * user.h - the people who use okaeri: staff with a login and a role.
 *
 * Roles, from most to least rights: admin (everything, users and settings), manager (all
 * customer data, playbooks, goals), staff (their customers and tasks), readonly (look only).
 * The password hash is a string computed by the caller (the HTTP layer hashes; the store only
 * keeps it) and never appears in JSON or in the audit log. Users are disabled, never deleted,
 * so that history keeps naming who did what.
 */
#ifndef OK_STORE_USER_H
#define OK_STORE_USER_H

#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "db/db.h"
#include "store/store.h"

/* Strings owned by the struct (freed by user_release); NULL means empty. */
struct user {
    int64_t id;
    char *login;
    char *display_name;
    char *email;
    char *role; /* admin, manager, staff, readonly (NULL: staff) */
    char *password_hash;
    int disabled;
    char *created_at;
    char *updated_at;
};

void user_release(struct user *u);

/* The roles, NULL-terminated, most rights first. */
extern const char *const user_roles[];

/* Checks login (1-64 of A-Z a-z 0-9 . _ - @), display name, e-mail and role; err->field names
 * the offending field. */
int store_user_validate(const struct user *u, struct ok_err *err);

/* Inserts a user; OK_ERR_CONFLICT when the login exists. Returns the new id or -1; sets u->id. */
int64_t store_user_create(struct db *db, const struct store_actor *who, struct user *u,
                          struct ok_err *err);

/* Reads a user by login or id into *out (caller releases); OK_ERR_NOT_FOUND when none. */
int store_user_get(struct db *db, const char *login, struct user *out, struct ok_err *err);
int store_user_get_by_id(struct db *db, int64_t id, struct user *out, struct ok_err *err);

/* Writes display_name and email of user u->id (login, role, password and disabled have their
 * own functions below). */
int store_user_update(struct db *db, const struct store_actor *who, const struct user *u,
                      struct ok_err *err);

/* Disables (disabled = 1) or re-enables a user by login. Disabling the last enabled admin is
 * refused (OK_ERR_CONFLICT): someone must be able to manage users. */
int store_user_set_disabled(struct db *db, const struct store_actor *who, const char *login,
                            int disabled, struct ok_err *err);

/* Changes a user's role; demoting the last enabled admin is refused (OK_ERR_CONFLICT). */
int store_user_set_role(struct db *db, const struct store_actor *who, const char *login,
                        const char *role, struct ok_err *err);

/* Stores a new password hash (NULL or "" removes the password: no login until set again).
 * Audited without the hash itself. */
int store_user_set_password_hash(struct db *db, const struct store_actor *who, const char *login,
                                 const char *password_hash, struct ok_err *err);

struct user_query {
    const char *role;        /* NULL: any */
    int include_disabled;    /* 0: enabled users only */
    const char *after_login; /* cursor: logins greater than this */
    int limit;               /* 0: 100 */
};

/* Calls fn for each matching user in login order; fn returns non-zero to stop. The struct is
 * borrowed for the duration of the call. */
int store_user_list(struct db *db, const struct user_query *q,
                    int (*fn)(void *ctx, const struct user *u), void *ctx, struct ok_err *err);

/* Appends u as a JSON object: id, login, display_name, email, role, disabled, has_password,
 * created_at, updated_at (never the hash). */
void user_to_json(const struct user *u, struct buf *out);

#endif
