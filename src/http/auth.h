/*
 * auth.h - who is calling: passwords, login sessions, API tokens and login throttling.
 *
 * Passwords are hashed with argon2id (libsodium crypto_pwhash_str, "interactive" limits); at most
 * AUTH_MAX_HASHING hash computations run at once so that a burst of logins cannot exhaust memory
 * (each one takes 64 MiB) or starve the request threads. Session cookies and API tokens are 256
 * random bits in base64url; only their SHA-256 is stored (a high-entropy secret needs no slow
 * hash), so a stolen database does not hand out live credentials. A session carries a CSRF token
 * that browser requests echo in X-CSRF-Token. Login attempts are recorded in the database (so
 * that several servers behind one PostgreSQL share the count) and a login is refused with 429
 * after too many recent failures for one account or from one address.
 *
 * The SQL for the sessions, api_tokens and login_attempts tables (schema v2) lives here rather
 * than in store/ because nothing but the server uses it.
 */
#ifndef OK_HTTP_AUTH_H
#define OK_HTTP_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "core/buf.h"
#include "core/err.h"
#include "db/db.h"

#define AUTH_MAX_HASHING      2
#define AUTH_HASH_MAX         128  /* >= crypto_pwhash_STRBYTES */
#define AUTH_TOKEN_MAX        64   /* room for a token and its NUL */
#define AUTH_PASSWORD_MIN     8    /* bytes */
#define AUTH_PASSWORD_MAX     1024 /* bytes: longer ones are refused before hashing */
#define AUTH_SESSION_SECONDS  (12 * 3600)
#define AUTH_THROTTLE_WINDOW  900 /* seconds over which failures are counted */
#define AUTH_THROTTLE_LOGIN   5   /* failures per account in the window */
#define AUTH_THROTTLE_ADDRESS 20  /* failures per client address in the window */

/* Role levels: what a role may do grows with its level. */
enum auth_level { AUTH_READONLY = 0, AUTH_STAFF = 1, AUTH_MANAGER = 2, AUTH_ADMIN = 3 };

/* The caller of one request, resolved from a cookie or a bearer token. */
struct auth_identity {
    int64_t user_id;
    char login[72];
    char role[16];
    int level;          /* enum auth_level */
    int64_t session_id; /* > 0 when authenticated by a session cookie */
    int64_t token_id;   /* > 0 when authenticated by an API token */
    char csrf[AUTH_TOKEN_MAX];
};

/* Initialises libsodium and the hashing semaphore; call once before any other function. */
int auth_init(struct ok_err *err);

/* Level of a role name, or -1 for an unknown role. */
int auth_role_level(const char *role);

/* Checks a new password: AUTH_PASSWORD_MIN..AUTH_PASSWORD_MAX bytes, valid UTF-8, no control
 * characters. err->field is "password". */
int auth_password_check(const char *password, struct ok_err *err);
/* Hashes a password with argon2id into out (NUL-terminated). Blocks while AUTH_MAX_HASHING
 * other hashes run. */
int auth_password_hash(const char *password, char out[AUTH_HASH_MAX], struct ok_err *err);
/* 1 when password matches hash, else 0. A NULL/empty hash never matches, but the time spent is
 * the same as for a real hash so that unknown logins cannot be told apart by timing. */
int auth_password_verify(const char *hash, const char *password);

/* A random secret: prefix followed by 43 base64url characters (256 bits). */
void auth_random_token(const char *prefix, char out[AUTH_TOKEN_MAX]);
/* A random password of 20 characters from an unambiguous alphabet. */
void auth_random_password(char out[32]);
/* Hex SHA-256 of a token (64 characters and the NUL). */
void auth_token_digest(const char *token, char out[65]);

/* UTC time t as 'YYYY-MM-DD HH:MM:SS'. */
void auth_utc_string(int64_t t, char out[20]);

/* Starts a session for user_id from address: fills the cookie token and the CSRF token. */
int auth_session_create(struct db *db, int64_t user_id, const char *address,
                        char token[AUTH_TOKEN_MAX], char csrf[AUTH_TOKEN_MAX], struct ok_err *err);
/* Resolves a session cookie: 1 found (id filled), 0 no live session or disabled user, -1. */
int auth_session_lookup(struct db *db, const char *token, struct auth_identity *id,
                        struct ok_err *err);
int auth_session_delete(struct db *db, int64_t session_id, struct ok_err *err);
/* Ends every session of a user (password change, disable). */
int auth_session_delete_user(struct db *db, int64_t user_id, struct ok_err *err);

/* Creates an API token for user_id, named name, expiring after ttl_days (0: never). The token
 * itself is returned once in token; *id receives its id. */
int auth_token_create(struct db *db, int64_t user_id, const char *name, int64_t ttl_days,
                      char token[AUTH_TOKEN_MAX], int64_t *id, struct ok_err *err);
/* Resolves a bearer token: 1 found, 0 unknown/revoked/expired or disabled user, -1 error. */
int auth_token_lookup(struct db *db, const char *token, struct auth_identity *id,
                      struct ok_err *err);
/* The token cache, for the server: a token found live is remembered for `seconds` (0: no cache,
 * the default), so that a request carrying it needs no database round trip for it. Within
 * this process the cache is exact: auth_token_revoke and auth_session_delete_user flush it,
 * and the server flushes it after every state-changing request (a role change, a disabled
 * user). A revocation made by another process (another server on the same PostgreSQL, the
 * CLI) takes effect here within `seconds`; an expiry at once. Sessions are not cached: a logout
 * on one server ends the session on all of them at once. */
void auth_token_cache_enable(int seconds);
/* Forgets every cached token. Thread-safe; call after the write has committed. */
void auth_token_cache_flush(void);
/* Lookups answered from the cache and lookups that asked the database (for tests and logs). */
void auth_token_cache_stats(uint64_t *hits, uint64_t *misses);
/* Revokes token id of user_id (user_id 0: of anyone). OK_ERR_NOT_FOUND when none is live. */
int auth_token_revoke(struct db *db, int64_t user_id, int64_t token_id, struct ok_err *err);
/* Appends one token as JSON (never the secret). */
int auth_token_get_json(struct db *db, int64_t user_id, int64_t token_id, struct buf *out,
                        struct ok_err *err);
/* Appends the live tokens of user_id as a JSON array, newest first. */
int auth_token_list_json(struct db *db, int64_t user_id, struct buf *out, struct ok_err *err);

/* Records a login attempt. */
int auth_login_record(struct db *db, const char *login, const char *address, int ok,
                      struct ok_err *err);
/* 1 when login or address has too many recent failures (the caller answers 429), else 0. */
int auth_login_throttled(struct db *db, const char *login, const char *address, struct ok_err *err);
/* Deletes expired sessions and login attempts older than a day. */
int auth_purge(struct db *db, struct ok_err *err);

#endif
