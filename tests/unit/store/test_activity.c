/* Tests for src/store/activity.c: contact history per customer, newest first, with cursor. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "store/activity.h"
#include "core/mem.h"
#include "store/fields.h"
#include "store_test.h"

static const struct store_actor cli = {0, "cli"};

static void fixtures(struct db *db)
{
    test_db_exec(db, "INSERT INTO users(id, login) VALUES (1, 'hana');"
                     "INSERT INTO customers(id, code, name) VALUES (1, 'C1', '山田'), "
                     "(2, 'C2', '佐藤');");
}

static int64_t add(struct db *db, const char *customer, const char *at, const char *channel,
                   const char *subject)
{
    struct activity a = {0};
    struct ok_err err;
    int64_t id;
    a.customer_code = xstrdup(customer);
    a.occurred_at = xstrdup(at);
    a.channel = xstrdup(channel);
    a.subject = xstrdup(subject);
    a.user_login = xstrdup("hana");
    id = store_activity_create(db, &cli, &a, &err);
    if (id < 0)
        fail_msg("create: %s", err.message);
    activity_release(&a);
    return id;
}

static void test_create_get(void **state)
{
    struct test_db t;
    struct db *db = test_db_open(&t);
    struct activity a = {0}, got;
    struct ok_err err;
    struct buf json;
    int64_t id;
    fixtures(db);
    a.code = xstrdup("A-1");
    a.customer_code = xstrdup("C1");
    a.occurred_at = xstrdup("令和6年1月5日 13時45分");
    a.channel = xstrdup("phone");
    a.direction = xstrdup("in");
    a.subject = xstrdup("再注文の相談");
    a.outcome = xstrdup("見積送付");
    id = store_activity_create(db, &cli, &a, &err);
    assert_true(id > 0);
    assert_string_equal(a.occurred_at, "2024-01-05 13:45:00");
    assert_int_equal(store_activity_get(db, "A-1", &got, &err), 0);
    assert_int_equal(got.id, id);
    assert_string_equal(got.customer_code, "C1");
    assert_null(got.user_login);
    assert_string_equal(got.direction, "in");
    assert_string_equal(got.occurred_at, "2024-01-05 13:45:00");
    buf_init(&json, 0);
    activity_to_json(&got, &json);
    assert_non_null(strstr(json.data, "\"customer_code\":\"C1\",\"user\":null,\"occurred_at\":"
                                      "\"2024-01-05 13:45:00\",\"channel\":\"phone\""));
    buf_release(&json);
    activity_release(&got);
    /* Duplicate code. */
    assert_int_equal(store_activity_create(db, &cli, &a, &err), -1);
    assert_int_equal(err.code, OK_ERR_CONFLICT);
    activity_release(&a);
    assert_int_equal(store_activity_delete(db, &cli, id, &err), 0);
    assert_int_equal(store_activity_get_by_id(db, id, &got, &err), -1);
    assert_int_equal(err.code, OK_ERR_NOT_FOUND);
    assert_int_equal(test_db_i64(db, "SELECT count(*) FROM audit_log WHERE entity='activity'"), 2);
    test_db_close(&t);
}

static void test_bad_input(void **state)
{
    struct test_db t;
    struct db *db = test_db_open(&t);
    struct activity a = {0};
    struct ok_err err;
    fixtures(db);
    a.customer_code = xstrdup("C9");
    a.occurred_at = xstrdup("2024-02-30");
    a.channel = xstrdup("fax");
    assert_int_equal(store_activity_create(db, &cli, &a, &err), -1);
    assert_string_equal(err.field, "occurred_at");
    store_field_set(&a.occurred_at, "2024-02-29 10:00");
    assert_int_equal(store_activity_create(db, &cli, &a, &err), -1);
    assert_string_equal(err.field, "channel");
    assert_non_null(strstr(err.message, "phone, email"));
    store_field_set(&a.channel, "line");
    assert_int_equal(store_activity_create(db, &cli, &a, &err), -1);
    assert_string_equal(err.field, "customer_code");
    assert_non_null(strstr(err.message, "C9"));
    store_field_set(&a.customer_code, "C1");
    a.deal_id = 42;
    assert_int_equal(store_activity_create(db, &cli, &a, &err), -1);
    assert_string_equal(err.field, "deal_id");
    a.deal_id = 0;
    store_field_set(&a.user_login, "ghost");
    assert_int_equal(store_activity_create(db, &cli, &a, &err), -1);
    assert_string_equal(err.field, "user");
    assert_int_equal(test_db_i64(db, "SELECT count(*) FROM activities"), 0);
    activity_release(&a);
    test_db_close(&t);
}

static int ids_cb(void *ctx, const struct activity *a)
{
    struct buf *b = ctx;
    buf_printf(b, "%s%s", b->len ? "," : "", a->subject);
    return 0;
}

struct last {
    struct buf b;
    char at[20];
    int64_t id;
};

static int last_cb(void *ctx, const struct activity *a)
{
    struct last *l = ctx;
    buf_printf(&l->b, "%s%s", l->b.len ? "," : "", a->subject);
    snprintf(l->at, sizeof(l->at), "%s", a->occurred_at);
    l->id = a->id;
    return 0;
}

static void test_list_newest_first(void **state)
{
    struct test_db t;
    struct db *db = test_db_open(&t);
    struct activity_query q = {0};
    struct ok_err err;
    struct buf b;
    struct last l;
    fixtures(db);
    add(db, "C1", "2024-01-01 09:00", "phone", "a");
    add(db, "C1", "2024-03-01 09:00", "email", "c");
    add(db, "C2", "2024-02-01 09:00", "visit", "x");
    add(db, "C1", "2024-02-01 09:00", "phone", "b1");
    add(db, "C1", "2024-02-01 09:00", "phone", "b2");
    buf_init(&b, 0);
    q.customer_code = "C1";
    assert_int_equal(store_activity_list(db, &q, ids_cb, &b, &err), 0);
    assert_string_equal(b.data, "c,b2,b1,a");
    buf_reset(&b);
    q.channel = "phone";
    q.since = "2024/1/15";
    assert_int_equal(store_activity_list(db, &q, ids_cb, &b, &err), 0);
    assert_string_equal(b.data, "b2,b1");
    buf_reset(&b);
    q.channel = "pigeon";
    assert_int_equal(store_activity_list(db, &q, ids_cb, &b, &err), -1);
    assert_string_equal(err.field, "channel");
    /* Paging through equal timestamps with the (occurred_at, id) cursor. */
    memset(&q, 0, sizeof(q));
    buf_init(&l.b, 0);
    q.customer_code = "C1";
    q.limit = 2;
    assert_int_equal(store_activity_list(db, &q, last_cb, &l, &err), 0);
    q.before_at = l.at;
    q.before_id = l.id;
    assert_int_equal(store_activity_list(db, &q, last_cb, &l, &err), 0);
    assert_string_equal(l.b.data, "c,b2,b1,a");
    buf_release(&l.b);
    memset(&q, 0, sizeof(q));
    q.customer_code = "NOPE";
    assert_int_equal(store_activity_list(db, &q, ids_cb, &b, &err), -1);
    assert_string_equal(err.field, "customer_code");
    buf_release(&b);
    test_db_close(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_get),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_list_newest_first),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
