/*
 * auth.c - passwords, sessions, API tokens and login throttling (see auth.h).
 */
#include "http/auth.h"

#include <pthread.h>
#include <semaphore.h>
#include <sodium.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/date.h"
#include "core/json_out.h"
#include "core/text.h"
#include "core/banned.h"

static sem_t hashing;
static char dummy_hash[AUTH_HASH_MAX];
static pthread_once_t init_once = PTHREAD_ONCE_INIT;
static int init_failed;

static void init_all(void)
{
    if (sodium_init() < 0) {
        init_failed = 1;
        return;
    }
    sem_init(&hashing, 0, AUTH_MAX_HASHING);
    /* A real hash of a random password, so that verifying against "no user" costs the same. */
    {
        char pw[32];
        auth_random_password(pw);
        if (crypto_pwhash_str(dummy_hash, pw, strlen(pw), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                              crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0)
            init_failed = 1;
        sodium_memzero(pw, sizeof(pw));
    }
}

int auth_init(struct ok_err *err)
{
    pthread_once(&init_once, init_all);
    if (init_failed)
        return ok_err_set(err, OK_ERR_INTERNAL, "libsodium could not be initialised");
    return 0;
}

int auth_role_level(const char *role)
{
    static const char *const names[] = {"readonly", "staff", "manager", "admin"};
    int i;
    if (!role)
        return -1;
    for (i = 0; i < 4; i++)
        if (!strcmp(role, names[i]))
            return i;
    return -1;
}

int auth_password_check(const char *password, struct ok_err *err)
{
    size_t n = password ? strlen(password) : 0, i;
    if (n < AUTH_PASSWORD_MIN) {
        ok_err_set(err, OK_ERR_INVALID, "the password needs at least %d characters",
                   AUTH_PASSWORD_MIN);
        goto bad;
    }
    if (n > AUTH_PASSWORD_MAX) {
        ok_err_set(err, OK_ERR_INVALID, "the password is longer than %d bytes", AUTH_PASSWORD_MAX);
        goto bad;
    }
    if (!text_utf8_valid(password, n)) {
        ok_err_set(err, OK_ERR_INVALID, "the password is not valid UTF-8");
        goto bad;
    }
    for (i = 0; i < n; i++)
        if ((unsigned char)password[i] < 0x20 || password[i] == 0x7f) {
            ok_err_set(err, OK_ERR_INVALID, "the password contains a control character");
            goto bad;
        }
    return 0;
bad:
    ok_err_locate(err, "password", 0);
    return -1;
}

int auth_password_hash(const char *password, char out[AUTH_HASH_MAX], struct ok_err *err)
{
    int rc;
    if (auth_init(err) < 0)
        return -1;
    while (sem_wait(&hashing) != 0)
        ;
    rc = crypto_pwhash_str(out, password, strlen(password), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                           crypto_pwhash_MEMLIMIT_INTERACTIVE);
    sem_post(&hashing);
    if (rc != 0)
        return ok_err_set(err, OK_ERR_INTERNAL, "out of memory while hashing a password");
    return 0;
}

int auth_password_verify(const char *hash, const char *password)
{
    int real = hash && *hash, rc;
    struct ok_err err;
    size_t n = password ? strlen(password) : 0;
    if (auth_init(&err) < 0)
        return 0;
    if (n > AUTH_PASSWORD_MAX)
        return 0;
    while (sem_wait(&hashing) != 0)
        ;
    rc = crypto_pwhash_str_verify(real ? hash : dummy_hash, password ? password : "", n);
    sem_post(&hashing);
    return real && rc == 0;
}

void auth_random_token(const char *prefix, char out[AUTH_TOKEN_MAX])
{
    unsigned char raw[32];
    size_t plen = strlen(prefix);
    randombytes_buf(raw, sizeof(raw));
    snprintf(out, AUTH_TOKEN_MAX, "%s", prefix);
    sodium_bin2base64(out + plen, (size_t)AUTH_TOKEN_MAX - plen, raw, sizeof(raw),
                      sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_memzero(raw, sizeof(raw));
}

void auth_random_password(char out[32])
{
    /* no 0/O, 1/l/I: people copy this from a terminal */
    static const char alphabet[] = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    int i;
    for (i = 0; i < 20; i++)
        out[i] = alphabet[randombytes_uniform((uint32_t)(sizeof(alphabet) - 1))];
    out[20] = '\0';
}

void auth_token_digest(const char *token, char out[65])
{
    unsigned char h[crypto_hash_sha256_BYTES];
    crypto_hash_sha256(h, (const unsigned char *)token, strlen(token));
    sodium_bin2hex(out, 65, h, sizeof(h));
}

void auth_utc_string(int64_t t, char out[20])
{
    time_t tt = (time_t)t;
    struct tm tm;
    gmtime_r(&tt, &tm);
    strftime(out, 20, "%Y-%m-%d %H:%M:%S", &tm);
}

static int fill_identity(struct db_stmt *st, struct auth_identity *id)
{
    memset(id, 0, sizeof(*id));
    id->user_id = db_column_i64(st, 0);
    snprintf(id->login, sizeof(id->login), "%s", db_column_text(st, 1));
    snprintf(id->role, sizeof(id->role), "%s", db_column_text(st, 2));
    id->level = auth_role_level(id->role);
    return id->level < 0 ? 0 : 1;
}

static const char SQL_SESSION_INSERT[] =
    "INSERT INTO sessions(token_hash, user_id, csrf_token, address, created_at, expires_at) "
    "VALUES (?, ?, ?, ?, ?, ?)";

int auth_session_create(struct db *db, int64_t user_id, const char *address,
                        char token[AUTH_TOKEN_MAX], char csrf[AUTH_TOKEN_MAX], struct ok_err *err)
{
    char digest[65], now[20], exp[20];
    int64_t t = date_now_unix();
    struct db_stmt *st = db_cached(db, SQL_SESSION_INSERT, err);
    if (!st)
        return -1;
    auth_random_token("", token);
    auth_random_token("", csrf);
    auth_token_digest(token, digest);
    auth_utc_string(t, now);
    auth_utc_string(t + AUTH_SESSION_SECONDS, exp);
    db_bind_text(st, 1, digest, (size_t)-1);
    db_bind_i64(st, 2, user_id);
    db_bind_text(st, 3, csrf, (size_t)-1);
    db_bind_text(st, 4, address ? address : "", (size_t)-1);
    db_bind_text(st, 5, now, (size_t)-1);
    db_bind_text(st, 6, exp, (size_t)-1);
    return db_step(st, err) < 0 ? -1 : 0;
}

static const char SQL_SESSION_LOOKUP[] =
    "SELECT u.id, u.login, u.role, s.id, s.csrf_token FROM sessions s "
    "JOIN users u ON u.id = s.user_id "
    "WHERE s.token_hash = ? AND s.expires_at > ? AND u.disabled = 0";

int auth_session_lookup(struct db *db, const char *token, struct auth_identity *id,
                        struct ok_err *err)
{
    char digest[65], now[20];
    int rc;
    struct db_stmt *st = db_cached(db, SQL_SESSION_LOOKUP, err);
    if (!st)
        return -1;
    auth_token_digest(token, digest);
    auth_utc_string(date_now_unix(), now);
    db_bind_text(st, 1, digest, (size_t)-1);
    db_bind_text(st, 2, now, (size_t)-1);
    rc = db_step(st, err);
    if (rc != DB_ROW) {
        db_reset(st);
        return rc < 0 ? -1 : 0;
    }
    rc = fill_identity(st, id);
    id->session_id = db_column_i64(st, 3);
    snprintf(id->csrf, sizeof(id->csrf), "%s", db_column_text(st, 4));
    db_reset(st);
    return rc;
}

static int exec_id(struct db *db, const char *sql, int64_t v, struct ok_err *err)
{
    struct db_stmt *st = db_cached(db, sql, err);
    if (!st)
        return -1;
    db_bind_i64(st, 1, v);
    return db_step(st, err) < 0 ? -1 : 0;
}

int auth_session_delete(struct db *db, int64_t session_id, struct ok_err *err)
{
    static const char sql[] = "DELETE FROM sessions WHERE id = ?";
    return exec_id(db, sql, session_id, err);
}

int auth_session_delete_user(struct db *db, int64_t user_id, struct ok_err *err)
{
    static const char sql[] = "DELETE FROM sessions WHERE user_id = ?";
    int rc = exec_id(db, sql, user_id, err);
    /* the user's tokens change with it (disabled, new password) */
    auth_token_cache_flush();
    return rc;
}

static const char SQL_TOKEN_INSERT[] =
    "INSERT INTO api_tokens(token_hash, user_id, name, prefix, created_at, expires_at) "
    "VALUES (?, ?, ?, ?, ?, ?) RETURNING id";

int auth_token_create(struct db *db, int64_t user_id, const char *name, int64_t ttl_days,
                      char token[AUTH_TOKEN_MAX], int64_t *id, struct ok_err *err)
{
    char digest[65], now[20], exp[20], prefix[12];
    int64_t t = date_now_unix();
    int rc;
    struct db_stmt *st = db_cached(db, SQL_TOKEN_INSERT, err);
    if (!st)
        return -1;
    auth_random_token("okt_", token);
    auth_token_digest(token, digest);
    snprintf(prefix, sizeof(prefix), "%.8s", token);
    auth_utc_string(t, now);
    db_bind_text(st, 1, digest, (size_t)-1);
    db_bind_i64(st, 2, user_id);
    db_bind_text(st, 3, name, (size_t)-1);
    db_bind_text(st, 4, prefix, (size_t)-1);
    db_bind_text(st, 5, now, (size_t)-1);
    if (ttl_days > 0) {
        auth_utc_string(t + ttl_days * 86400, exp);
        db_bind_text(st, 6, exp, (size_t)-1);
    } else {
        db_bind_null(st, 6);
    }
    rc = db_step(st, err);
    if (rc != DB_ROW) {
        db_reset(st);
        return rc < 0 ? -1 : ok_err_set(err, OK_ERR_DB, "the new token got no id");
    }
    *id = db_column_i64(st, 0);
    db_reset(st);
    return 0;
}

static const char SQL_TOKEN_LOOKUP[] =
    "SELECT u.id, u.login, u.role, t.id, COALESCE(t.last_used_at, ''), "
    "COALESCE(t.expires_at, '') FROM api_tokens t "
    "JOIN users u ON u.id = t.user_id "
    "WHERE t.token_hash = ? AND t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > ?)"
    " AND u.disabled = 0";
static const char SQL_TOKEN_TOUCH[] = "UPDATE api_tokens SET last_used_at = ? WHERE id = ?";

/* ---- the token cache ------------------------------------------------------------------------
 * Direct-mapped on the digest, one mutex: a lookup holds it for a memcmp and a copy, next to a
 * request of tens of microseconds, so a finer scheme would not show. Only tokens found live are
 * kept (an unknown token always asks the database, so guessing cannot fill the table). A flush
 * bumps the generation; a lookup that read the database before a flush does not store what it
 * read (gen_before), so a revocation can never be undone by a lookup racing with it. */
#define TOKEN_CACHE_SLOTS 256

struct token_cache_entry {
    char digest[65]; /* "" when empty */
    char expires_at[20];
    uint64_t gen;
    int64_t until_ms; /* CLOCK_MONOTONIC */
    struct auth_identity id;
};

static struct {
    pthread_mutex_t mu;
    int seconds; /* 0: off */
    uint64_t gen;
    uint64_t hits, misses;
    struct token_cache_entry slot[TOKEN_CACHE_SLOTS];
} token_cache = {.mu = PTHREAD_MUTEX_INITIALIZER};

static int64_t monotonic_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct token_cache_entry *cache_slot(const char *digest)
{
    /* the digest is SHA-256 in hex: its first 8 digits are as good as any hash of it */
    unsigned long h = 0;
    int i;
    for (i = 0; i < 8; i++)
        h = h * 16 + (unsigned long)(digest[i] <= '9' ? digest[i] - '0' : digest[i] - 'a' + 10);
    return &token_cache.slot[h % TOKEN_CACHE_SLOTS];
}

void auth_token_cache_enable(int seconds)
{
    pthread_mutex_lock(&token_cache.mu);
    token_cache.seconds = seconds > 0 ? seconds : 0;
    token_cache.gen++;
    pthread_mutex_unlock(&token_cache.mu);
}

void auth_token_cache_flush(void)
{
    pthread_mutex_lock(&token_cache.mu);
    token_cache.gen++;
    pthread_mutex_unlock(&token_cache.mu);
}

void auth_token_cache_stats(uint64_t *hits, uint64_t *misses)
{
    pthread_mutex_lock(&token_cache.mu);
    *hits = token_cache.hits;
    *misses = token_cache.misses;
    pthread_mutex_unlock(&token_cache.mu);
}

/* 1 and id filled when digest is cached and still live at now, else 0; *gen receives the
 * generation to pass to cache_store after asking the database. */
static int cache_find(const char *digest, const char *now, struct auth_identity *id, uint64_t *gen)
{
    struct token_cache_entry *e;
    int found = 0;
    pthread_mutex_lock(&token_cache.mu);
    *gen = token_cache.gen;
    if (token_cache.seconds > 0) {
        e = cache_slot(digest);
        if (e->gen == token_cache.gen && !strcmp(e->digest, digest) &&
            e->until_ms > monotonic_ms() && (!e->expires_at[0] || strcmp(e->expires_at, now) > 0)) {
            *id = e->id;
            found = 1;
            token_cache.hits++;
        } else {
            token_cache.misses++;
        }
    }
    pthread_mutex_unlock(&token_cache.mu);
    return found;
}

static void cache_store(const char *digest, const char *expires_at, const struct auth_identity *id,
                        uint64_t gen)
{
    struct token_cache_entry *e;
    pthread_mutex_lock(&token_cache.mu);
    if (token_cache.seconds > 0 && gen == token_cache.gen) {
        e = cache_slot(digest);
        snprintf(e->digest, sizeof(e->digest), "%s", digest);
        snprintf(e->expires_at, sizeof(e->expires_at), "%s", expires_at);
        e->gen = gen;
        e->until_ms = monotonic_ms() + (int64_t)token_cache.seconds * 1000;
        e->id = *id;
    }
    pthread_mutex_unlock(&token_cache.mu);
}

int auth_token_lookup(struct db *db, const char *token, struct auth_identity *id,
                      struct ok_err *err)
{
    char digest[65], now[20], stale[20];
    int rc, touch;
    uint64_t gen;
    int64_t t = date_now_unix();
    struct db_stmt *st;
    auth_token_digest(token, digest);
    auth_utc_string(t, now);
    if (cache_find(digest, now, id, &gen))
        return 1;
    st = db_cached(db, SQL_TOKEN_LOOKUP, err);
    if (!st)
        return -1;
    auth_utc_string(t - 3600, stale);
    db_bind_text(st, 1, digest, (size_t)-1);
    db_bind_text(st, 2, now, (size_t)-1);
    rc = db_step(st, err);
    if (rc != DB_ROW) {
        db_reset(st);
        return rc < 0 ? -1 : 0;
    }
    rc = fill_identity(st, id);
    id->token_id = db_column_i64(st, 3);
    /* last use is kept to the hour: a write per request would serialise all readers */
    touch = strcmp(db_column_text(st, 4), stale) < 0;
    if (rc == 1)
        cache_store(digest, db_column_text(st, 5), id, gen);
    db_reset(st);
    if (touch && rc == 1) {
        struct ok_err ignored;
        st = db_cached(db, SQL_TOKEN_TOUCH, &ignored);
        if (st) {
            db_bind_text(st, 1, now, (size_t)-1);
            db_bind_i64(st, 2, id->token_id);
            db_step(st, &ignored);
            db_reset(st);
        }
    }
    return rc;
}

int auth_token_revoke(struct db *db, int64_t user_id, int64_t token_id, struct ok_err *err)
{
    static const char sql[] = "UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND "
                              "revoked_at IS NULL AND (? = 0 OR user_id = ?)";
    char now[20];
    int rc;
    struct db_stmt *st = db_cached(db, sql, err);
    if (!st)
        return -1;
    auth_utc_string(date_now_unix(), now);
    db_bind_text(st, 1, now, (size_t)-1);
    db_bind_i64(st, 2, token_id);
    db_bind_i64(st, 3, user_id);
    db_bind_i64(st, 4, user_id);
    rc = db_step(st, err);
    /* after the write: a lookup racing with it must not store what it read before */
    auth_token_cache_flush();
    if (rc < 0)
        return -1;
    if (db_changes(db) == 0)
        return ok_err_set(err, OK_ERR_NOT_FOUND, "there is no live token %lld",
                          (long long)token_id);
    return 0;
}

#define TOKEN_COLS "id, name, prefix, created_at, expires_at, last_used_at"

static void token_row_json(struct db_stmt *st, struct buf *out)
{
    int first = 1, i;
    static const char *const names[] = {"name", "prefix", "created_at", "expires_at",
                                        "last_used_at"};
    buf_putc(out, '{');
    json_out_field_i64(out, &first, "id", db_column_i64(st, 0));
    for (i = 0; i < 5; i++)
        json_out_field_string(out, &first, names[i],
                              db_column_is_null(st, i + 1) ? NULL : db_column_text(st, i + 1));
    buf_putc(out, '}');
}

int auth_token_get_json(struct db *db, int64_t user_id, int64_t token_id, struct buf *out,
                        struct ok_err *err)
{
    static const char sql[] =
        "SELECT " TOKEN_COLS " FROM api_tokens WHERE id = ? AND user_id = ? AND revoked_at IS NULL";
    struct db_stmt *st = db_cached(db, sql, err);
    int rc;
    if (!st)
        return -1;
    db_bind_i64(st, 1, token_id);
    db_bind_i64(st, 2, user_id);
    rc = db_step(st, err);
    if (rc == DB_ROW)
        token_row_json(st, out);
    db_reset(st);
    if (rc == DB_DONE)
        return ok_err_set(err, OK_ERR_NOT_FOUND, "there is no token %lld", (long long)token_id);
    return rc < 0 ? -1 : 0;
}

int auth_token_list_json(struct db *db, int64_t user_id, struct buf *out, struct ok_err *err)
{
    static const char sql[] = "SELECT " TOKEN_COLS " FROM api_tokens WHERE user_id = ? AND "
                              "revoked_at IS NULL ORDER BY id DESC LIMIT 1000";
    struct db_stmt *st = db_cached(db, sql, err);
    int rc, n = 0;
    if (!st)
        return -1;
    db_bind_i64(st, 1, user_id);
    buf_putc(out, '[');
    while ((rc = db_step(st, err)) == DB_ROW) {
        if (n++)
            buf_putc(out, ',');
        token_row_json(st, out);
    }
    buf_putc(out, ']');
    db_reset(st);
    return rc < 0 ? -1 : 0;
}

int auth_login_record(struct db *db, const char *login, const char *address, int ok,
                      struct ok_err *err)
{
    static const char sql[] = "INSERT INTO login_attempts(login, address, at, ok) VALUES (?,?,?,?)";
    char now[20];
    struct db_stmt *st = db_cached(db, sql, err);
    if (!st)
        return -1;
    auth_utc_string(date_now_unix(), now);
    db_bind_text(st, 1, login, (size_t)-1);
    db_bind_text(st, 2, address, (size_t)-1);
    db_bind_text(st, 3, now, (size_t)-1);
    db_bind_i64(st, 4, ok ? 1 : 0);
    return db_step(st, err) < 0 ? -1 : 0;
}

static int count_failures(struct db *db, const char *sql, const char *key, const char *since,
                          int64_t *n, struct ok_err *err)
{
    struct db_stmt *st = db_cached(db, sql, err);
    int rc;
    if (!st)
        return -1;
    db_bind_text(st, 1, key, (size_t)-1);
    db_bind_text(st, 2, since, (size_t)-1);
    if (strstr(sql, "MAX(id)"))
        db_bind_text(st, 3, key, (size_t)-1);
    rc = db_step(st, err);
    *n = rc == DB_ROW ? db_column_i64(st, 0) : 0;
    db_reset(st);
    return rc < 0 ? -1 : 0;
}

int auth_login_throttled(struct db *db, const char *login, const char *address, struct ok_err *err)
{
    /* Failures since the last success of the account count against it; a success does not
     * clear an address's count, which would let one good account shield guessing at others. */
    static const char by_login[] =
        "SELECT COUNT(*) FROM login_attempts WHERE login = ? AND at >= ? AND ok = 0 AND "
        "id > COALESCE((SELECT MAX(id) FROM login_attempts WHERE login = ? AND ok = 1), 0)";
    static const char by_address[] =
        "SELECT COUNT(*) FROM login_attempts WHERE address = ? AND at >= ? AND ok = 0";
    char since[20];
    int64_t n1 = 0, n2 = 0;
    auth_utc_string(date_now_unix() - AUTH_THROTTLE_WINDOW, since);
    if (count_failures(db, by_login, login, since, &n1, err) < 0 ||
        count_failures(db, by_address, address, since, &n2, err) < 0)
        return -1;
    return n1 >= AUTH_THROTTLE_LOGIN || n2 >= AUTH_THROTTLE_ADDRESS;
}

int auth_purge(struct db *db, struct ok_err *err)
{
    static const char sql_sessions[] = "DELETE FROM sessions WHERE expires_at <= ?";
    static const char sql_attempts[] = "DELETE FROM login_attempts WHERE at < ?";
    char now[20], day_ago[20];
    struct db_stmt *st;
    int64_t t = date_now_unix();
    auth_utc_string(t, now);
    auth_utc_string(t - 86400, day_ago);
    st = db_cached(db, sql_sessions, err);
    if (!st)
        return -1;
    db_bind_text(st, 1, now, (size_t)-1);
    if (db_step(st, err) < 0)
        return -1;
    st = db_cached(db, sql_attempts, err);
    if (!st)
        return -1;
    db_bind_text(st, 1, day_ago, (size_t)-1);
    return db_step(st, err) < 0 ? -1 : 0;
}
