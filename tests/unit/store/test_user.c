/* Tests for src/store/user.c: create, get, roles, disable, passwords, list and audit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "store/user.h"
#include "core/mem.h"
#include "store_test.h"

static const struct store_actor cli = {0, "cli"};

static int64_t add_user(struct db *db, const char *login, const char *role)
{
    struct user u = {0};
    struct ok_err err;
    int64_t id;
    u.login = (char *)login;
    u.role = (char *)role;
    u.display_name = (char *)"表示名";
    id = store_user_create(db, &cli, &u, &err);
    if (id < 0)
        fail_msg("create %s: %s", login, err.message);
    u.login = u.role = u.display_name = NULL; /* borrowed, do not free */
    user_release(&u);
    return id;
}

static void test_create_get_and_json(void **state)
{
    struct test_db t;
    struct db *db = test_db_open(&t);
    struct user u = {0}, got;
    struct ok_err err;
    struct buf json;
    int64_t id;
    u.login = xstrdup("tanaka");
    u.display_name = xstrdup("田中 太郎");
    u.email = xstrdup("tanaka@example.jp");
    u.role = xstrdup("manager");
    u.password_hash = xstrdup("$argon2id$fake");
    id = store_user_create(db, &cli, &u, &err);
    assert_true(id > 0);
    assert_int_equal(u.id, id);
    assert_int_equal(store_user_get(db, "tanaka", &got, &err), 0);
    assert_int_equal(got.id, id);
    assert_string_equal(got.display_name, "田中 太郎");
    assert_string_equal(got.role, "manager");
    assert_string_equal(got.password_hash, "$argon2id$fake");
    assert_int_equal(got.disabled, 0);
    buf_init(&json, 0);
    user_to_json(&got, &json);
    assert_non_null(strstr(json.data, "\"login\":\"tanaka\""));
    assert_non_null(strstr(json.data, "\"has_password\":true"));
    assert_null(strstr(json.data, "argon2")); /* the hash never leaves the store */
    buf_release(&json);
    user_release(&got);
    /* The audit row exists and does not contain the hash either. */
    assert_int_equal(test_db_i64(db, "SELECT count(*) FROM audit_log WHERE entity = 'user' AND "
                                     "action = 'create' AND after NOT LIKE '%argon2%'"),
                     1);
    assert_int_equal(store_user_get(db, "nobody", &got, &err), -1);
    assert_int_equal(err.code, OK_ERR_NOT_FOUND);
    assert_int_equal(store_user_get_by_id(db, id, &got, &err), 0);
    assert_string_equal(got.login, "tanaka");
    user_release(&got);
    user_release(&u);
    test_db_close(&t);
}

static void test_bad_input_and_conflict(void **state)
{
    struct test_db t;
    struct db *db = test_db_open(&t);
    struct user u = {0};
    struct ok_err err;
    u.login = (char *)"bad login";
    assert_int_equal(store_user_create(db, &cli, &u, &err), -1);
    assert_int_equal(err.code, OK_ERR_INVALID);
    assert_string_equal(err.field, "login");
    u.login = (char *)"sato";
    u.role = (char *)"boss";
    assert_int_equal(store_user_create(db, &cli, &u, &err), -1);
    assert_string_equal(err.field, "role");
    assert_non_null(strstr(err.message, "readonly"));
    u.role = NULL;
    u.email = (char *)"not-an-address";
    assert_int_equal(store_user_create(db, &cli, &u, &err), -1);
    assert_string_equal(err.field, "email");
    u.email = NULL;
    u.login = NULL;
    assert_int_equal(store_user_create(db, &cli, &u, &err), -1);
    assert_string_equal(err.field, "login");
    assert_int_equal(test_db_i64(db, "SELECT count(*) FROM users"), 0);
    add_user(db, "sato", NULL);
    u.login = (char *)"sato";
    assert_int_equal(store_user_create(db, &cli, &u, &err), -1);
    assert_int_equal(err.code, OK_ERR_CONFLICT);
    assert_non_null(strstr(err.message, "already exists"));
    assert_int_equal(test_db_i64(db, "SELECT count(*) FROM users"), 1);
    assert_int_equal(test_db_i64(db, "SELECT count(*) FROM audit_log"), 1);
    test_db_close(&t);
}

static void test_roles_disable_and_last_admin(void **state)
{
    struct test_db t;
    struct db *db = test_db_open(&t);
    struct user got;
    struct ok_err err;
    add_user(db, "boss", "admin");
    add_user(db, "clerk", "staff");
    /* The only admin can be neither demoted nor disabled. */
    assert_int_equal(store_user_set_role(db, &cli, "boss", "staff", &err), -1);
    assert_int_equal(err.code, OK_ERR_CONFLICT);
    assert_int_equal(store_user_set_disabled(db, &cli, "boss", 1, &err), -1);
    assert_int_equal(err.code, OK_ERR_CONFLICT);
    assert_int_equal(store_user_set_role(db, &cli, "clerk", "superuser", &err), -1);
    assert_string_equal(err.field, "role");
    assert_int_equal(store_user_set_role(db, &cli, "clerk", "admin", &err), 0);
    assert_int_equal(store_user_set_disabled(db, &cli, "boss", 1, &err), 0);
    assert_int_equal(store_user_get(db, "boss", &got, &err), 0);
    assert_int_equal(got.disabled, 1);
    user_release(&got);
    assert_int_equal(store_user_set_disabled(db, &cli, "ghost", 1, &err), -1);
    assert_int_equal(err.code, OK_ERR_NOT_FOUND);
    assert_int_equal(test_db_i64(db, "SELECT count(*) FROM audit_log WHERE action = 'disable'"), 1);
    assert_int_equal(test_db_i64(db, "SELECT count(*) FROM audit_log WHERE action = 'set_role' "
                                     "AND before LIKE '%\"role\":\"staff\"%' AND after LIKE "
                                     "'%\"role\":\"admin\"%'"),
                     1);
    /* Password: set then clear. */
    assert_int_equal(store_user_set_password_hash(db, &cli, "clerk", "h1", &err), 0);
    assert_int_equal(store_user_get(db, "clerk", &got, &err), 0);
    assert_string_equal(got.password_hash, "h1");
    user_release(&got);
    assert_int_equal(store_user_set_password_hash(db, &cli, "clerk", NULL, &err), 0);
    assert_int_equal(store_user_get(db, "clerk", &got, &err), 0);
    assert_null(got.password_hash);
    user_release(&got);
    test_db_close(&t);
}

struct collect {
    char logins[256];
    int n;
};

static int collect_user(void *ctx, const struct user *u)
{
    struct collect *c = ctx;
    size_t len = strlen(c->logins);
    snprintf(c->logins + len, sizeof(c->logins) - len, "%s%s", c->n ? "," : "", u->login);
    c->n++;
    return 0;
}

static void test_list_update(void **state)
{
    struct test_db t;
    struct db *db = test_db_open(&t);
    struct user_query q = {0};
    struct collect c = {{0}, 0};
    struct user u = {0}, got;
    struct ok_err err;
    add_user(db, "c", "staff");
    add_user(db, "a", "admin");
    add_user(db, "b", "staff");
    add_user(db, "d", "readonly");
    assert_int_equal(store_user_set_disabled(db, &cli, "d", 1, &err), 0);
    assert_int_equal(store_user_list(db, &q, collect_user, &c, &err), 0);
    assert_string_equal(c.logins, "a,b,c");
    memset(&c, 0, sizeof(c));
    q.include_disabled = 1;
    q.after_login = "b";
    q.limit = 1;
    assert_int_equal(store_user_list(db, &q, collect_user, &c, &err), 0);
    assert_string_equal(c.logins, "c");
    memset(&c, 0, sizeof(c));
    memset(&q, 0, sizeof(q));
    q.role = "staff";
    assert_int_equal(store_user_list(db, &q, collect_user, &c, &err), 0);
    assert_string_equal(c.logins, "b,c");
    assert_int_equal(store_user_get(db, "b", &got, &err), 0);
    u.id = got.id;
    u.display_name = (char *)"鈴木";
    u.email = (char *)"suzuki@example.jp";
    assert_int_equal(store_user_update(db, &cli, &u, &err), 0);
    user_release(&got);
    assert_int_equal(store_user_get(db, "b", &got, &err), 0);
    assert_string_equal(got.display_name, "鈴木");
    assert_string_equal(got.email, "suzuki@example.jp");
    user_release(&got);
    u.email = (char *)"bad@";
    assert_int_equal(store_user_update(db, &cli, &u, &err), -1);
    assert_string_equal(err.field, "email");
    test_db_close(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_get_and_json),
        cmocka_unit_test(test_bad_input_and_conflict),
        cmocka_unit_test(test_roles_disable_and_last_admin),
        cmocka_unit_test(test_list_update),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
