/* Tests for the API token lookup of src/http/auth.c and its cache, against a fresh SQLite
 * database. Writes made with raw SQL stand for another process (a second server, the CLI):
 * the cache cannot see them and must still honour its time limit and the token's expiry. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/date.h"
#include "db/db.h"
#include "db/migrate.h"
#include "http/auth.h"

struct fixture {
    char path[64];
    struct db *db;
    char token[AUTH_TOKEN_MAX];
    int64_t token_id;
};

static void exec_ok(struct db *db, const char *sql)
{
    struct ok_err err;
    ok_err_clear(&err);
    if (db_exec(db, sql, &err) < 0)
        fail_msg("%s: %s", sql, err.message);
}

static int setup(void **state)
{
    struct fixture *f = calloc(1, sizeof(*f));
    struct ok_err err;
    int fd;
    ok_err_clear(&err);
    assert_int_equal(auth_init(&err), 0);
    snprintf(f->path, sizeof(f->path), "/tmp/okaeri-test-XXXXXX");
    fd = mkstemp(f->path);
    assert_true(fd >= 0);
    close(fd);
    unlink(f->path);
    f->db = db_open(f->path, DB_OPEN_CREATE, &err);
    assert_non_null(f->db);
    assert_int_equal(migrate_apply(f->db, NULL, &err), 0);
    exec_ok(f->db, "INSERT INTO users(id, login, role) VALUES (7, 'hanako', 'manager')");
    assert_int_equal(auth_token_create(f->db, 7, "t", 0, f->token, &f->token_id, &err), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    struct fixture *f = *state;
    char side[80];
    auth_token_cache_enable(0);
    db_close(&f->db);
    unlink(f->path);
    snprintf(side, sizeof(side), "%s-wal", f->path);
    unlink(side);
    snprintf(side, sizeof(side), "%s-shm", f->path);
    unlink(side);
    free(f);
    return 0;
}

static int lookup(struct fixture *f, const char *token, struct auth_identity *id)
{
    struct ok_err err;
    int rc;
    ok_err_clear(&err);
    rc = auth_token_lookup(f->db, token, id, &err);
    if (rc < 0)
        fail_msg("lookup: %s", err.message);
    return rc;
}

static void revoke_behind_its_back(struct fixture *f)
{
    exec_ok(f->db, "UPDATE api_tokens SET revoked_at = '2000-01-01 00:00:00'");
}

static void test_without_cache_every_lookup_asks(void **state)
{
    struct fixture *f = *state;
    struct auth_identity id;
    auth_token_cache_enable(0);
    assert_int_equal(lookup(f, f->token, &id), 1);
    assert_int_equal(id.user_id, 7);
    assert_string_equal(id.login, "hanako");
    assert_string_equal(id.role, "manager");
    assert_int_equal(id.level, AUTH_MANAGER);
    assert_int_equal(id.token_id, f->token_id);
    assert_int_equal(id.session_id, 0);
    revoke_behind_its_back(f);
    assert_int_equal(lookup(f, f->token, &id), 0);
}

static void test_cache_answers_then_flush_forgets(void **state)
{
    struct fixture *f = *state;
    struct auth_identity id;
    uint64_t h0, m0, h1, m1;
    auth_token_cache_enable(60);
    auth_token_cache_stats(&h0, &m0);
    assert_int_equal(lookup(f, f->token, &id), 1);
    revoke_behind_its_back(f);
    /* another process's revocation is not seen until the entry ages out or is flushed */
    memset(&id, 0, sizeof(id));
    assert_int_equal(lookup(f, f->token, &id), 1);
    assert_int_equal(id.user_id, 7);
    assert_string_equal(id.login, "hanako");
    assert_int_equal(id.level, AUTH_MANAGER);
    assert_int_equal(id.token_id, f->token_id);
    auth_token_cache_stats(&h1, &m1);
    assert_int_equal(h1 - h0, 1);
    assert_int_equal(m1 - m0, 1);
    auth_token_cache_flush();
    assert_int_equal(lookup(f, f->token, &id), 0);
}

static void test_revoke_through_auth_flushes(void **state)
{
    struct fixture *f = *state;
    struct auth_identity id;
    struct ok_err err;
    ok_err_clear(&err);
    auth_token_cache_enable(60);
    assert_int_equal(lookup(f, f->token, &id), 1);
    assert_int_equal(auth_token_revoke(f->db, 7, f->token_id, &err), 0);
    assert_int_equal(lookup(f, f->token, &id), 0);
}

static void test_disable_flushes(void **state)
{
    struct fixture *f = *state;
    struct auth_identity id;
    struct ok_err err;
    ok_err_clear(&err);
    auth_token_cache_enable(60);
    assert_int_equal(lookup(f, f->token, &id), 1);
    exec_ok(f->db, "UPDATE users SET disabled = 1 WHERE id = 7");
    /* what the admin handler does after disabling a user */
    assert_int_equal(auth_session_delete_user(f->db, 7, &err), 0);
    assert_int_equal(lookup(f, f->token, &id), 0);
}

static void test_entry_ages_out(void **state)
{
    struct fixture *f = *state;
    struct auth_identity id;
    auth_token_cache_enable(1);
    assert_int_equal(lookup(f, f->token, &id), 1);
    revoke_behind_its_back(f);
    assert_int_equal(lookup(f, f->token, &id), 1);
    usleep(1100 * 1000);
    assert_int_equal(lookup(f, f->token, &id), 0);
}

static void test_expiry_is_kept_from_the_cache(void **state)
{
    struct fixture *f = *state;
    struct auth_identity id;
    char sql[160], at[20];
    auth_token_cache_enable(60);
    /* expires two seconds from now; the cache would keep it for a minute */
    auth_utc_string(date_now_unix() + 2, at);
    snprintf(sql, sizeof(sql), "UPDATE api_tokens SET expires_at = '%s'", at);
    exec_ok(f->db, sql);
    assert_int_equal(lookup(f, f->token, &id), 1);
    assert_int_equal(lookup(f, f->token, &id), 1);
    sleep(3);
    assert_int_equal(lookup(f, f->token, &id), 0);
}

static void test_unknown_tokens_are_not_cached(void **state)
{
    struct fixture *f = *state;
    struct auth_identity id;
    char digest[65], sql[300];
    auth_token_cache_enable(60);
    assert_int_equal(lookup(f, "okt_not_yet_there", &id), 0);
    auth_token_digest("okt_not_yet_there", digest);
    snprintf(sql, sizeof(sql),
             "INSERT INTO api_tokens(token_hash, user_id, name, prefix, created_at) "
             "VALUES ('%s', 7, 'late', 'okt_not_', '2026-01-01 00:00:00')",
             digest);
    exec_ok(f->db, sql);
    assert_int_equal(lookup(f, "okt_not_yet_there", &id), 1);
    assert_string_equal(id.login, "hanako");
}

static void test_many_tokens_share_the_table(void **state)
{
    struct fixture *f = *state;
    struct auth_identity id;
    struct ok_err err;
    char tokens[600][AUTH_TOKEN_MAX];
    int64_t ids[600];
    int i;
    ok_err_clear(&err);
    auth_token_cache_enable(60);
    /* more tokens than slots: collisions replace entries, every answer stays right */
    assert_int_equal(db_begin(f->db, &err), 0);
    for (i = 0; i < 600; i++)
        assert_int_equal(auth_token_create(f->db, 7, "n", 0, tokens[i], &ids[i], &err), 0);
    assert_int_equal(db_commit(f->db, &err), 0);
    for (i = 0; i < 600; i++) {
        assert_int_equal(lookup(f, tokens[i], &id), 1);
        assert_int_equal(id.token_id, ids[i]);
    }
    for (i = 599; i >= 0; i--) {
        assert_int_equal(lookup(f, tokens[i], &id), 1);
        assert_int_equal(id.token_id, ids[i]);
    }
    assert_int_equal(auth_token_revoke(f->db, 7, ids[300], &err), 0);
    assert_int_equal(lookup(f, tokens[300], &id), 0);
    assert_int_equal(lookup(f, tokens[301], &id), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_without_cache_every_lookup_asks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cache_answers_then_flush_forgets, setup, teardown),
        cmocka_unit_test_setup_teardown(test_revoke_through_auth_flushes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_disable_flushes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_entry_ages_out, setup, teardown),
        cmocka_unit_test_setup_teardown(test_expiry_is_kept_from_the_cache, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_tokens_are_not_cached, setup, teardown),
        cmocka_unit_test_setup_teardown(test_many_tokens_share_the_table, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
