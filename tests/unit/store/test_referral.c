/* Tests for src/store/referral.c: referrals of customers and prospects, by referrer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "store/fields.h"
#include "store/referral.h"
#include "store_test.h"

static const struct store_actor cli = {0, "cli"};

static void fixtures(struct db *db)
{
    test_db_exec(db, "INSERT INTO customers(id, code, name) VALUES (1, 'C1', '山田'), "
                     "(2, 'C2', '佐藤'), (3, 'C3', '鈴木');"
                     "INSERT INTO deals(id, customer_id, kind, opened_at) VALUES "
                     "(1, 2, 'referral', '2024-02-01');");
}

static int64_t add(struct db *db, const char *referrer, const char *referred, const char *prospect,
                   const char *on)
{
    struct referral r = {0};
    struct ok_err err;
    int64_t id;
    store_field_set(&r.referrer_code, referrer);
    store_field_set(&r.referred_code, referred);
    store_field_set(&r.prospect_name, prospect);
    store_field_set(&r.referred_on, on);
    id = store_referral_create(db, &cli, &r, &err);
    if (id < 0)
        fail_msg("create: %s", err.message);
    referral_release(&r);
    return id;
}

static void test_create_get_update(void **state)
{
    struct test_db t;
    struct db *db = test_db_open(&t);
    struct referral r = {0}, got;
    struct ok_err err;
    struct buf json;
    int64_t id;
    fixtures(db);
    store_field_set(&r.code, "R1");
    store_field_set(&r.referrer_code, "C1");
    store_field_set(&r.prospect_name, "高橋 花子");
    store_field_set(&r.referred_on, "2024年1月20日");
    store_field_set(&r.trigger, "満足");
    id = store_referral_create(db, &cli, &r, &err);
    assert_true(id > 0);
    assert_string_equal(r.trigger, "satisfaction");
    referral_release(&r);
    assert_int_equal(store_referral_get(db, "R1", &got, &err), 0);
    assert_string_equal(got.referred_on, "2024-01-20");
    assert_null(got.referred_code);
    assert_string_equal(got.trigger, "satisfaction");
    /* The prospect became customer C2 and a deal came of it. */
    store_field_set(&got.referred_code, "C2");
    got.deal_id = 1;
    assert_int_equal(store_referral_update(db, &cli, &got, &err), 0);
    referral_release(&got);
    assert_int_equal(store_referral_get_by_id(db, id, &got, &err), 0);
    assert_string_equal(got.referred_code, "C2");
    assert_int_equal(got.deal_id, 1);
    buf_init(&json, 0);
    referral_to_json(&got, &json);
    assert_non_null(strstr(json.data, "\"referrer_code\":\"C1\",\"referred_code\":\"C2\","
                                      "\"prospect_name\":\"高橋 花子\",\"referred_on\":"
                                      "\"2024-01-20\",\"trigger\":\"satisfaction\",\"deal_id\":1"));
    buf_release(&json);
    got.deal_id = 9;
    assert_int_equal(store_referral_update(db, &cli, &got, &err), -1);
    assert_string_equal(err.field, "deal_id");
    referral_release(&got);
    assert_int_equal(test_db_i64(db, "SELECT count(*) FROM audit_log WHERE entity='referral'"), 2);
    test_db_close(&t);
}

static void test_bad_input(void **state)
{
    struct test_db t;
    struct db *db = test_db_open(&t);
    struct referral r = {0};
    struct ok_err err;
    fixtures(db);
    store_field_set(&r.referrer_code, "C1");
    store_field_set(&r.referred_on, "2024-01-20");
    assert_int_equal(store_referral_create(db, &cli, &r, &err), -1);
    assert_string_equal(err.field, "referred_code");
    store_field_set(&r.referred_code, "C1");
    assert_int_equal(store_referral_create(db, &cli, &r, &err), -1);
    assert_non_null(strstr(err.message, "themselves"));
    store_field_set(&r.referred_code, "C9");
    assert_int_equal(store_referral_create(db, &cli, &r, &err), -1);
    assert_string_equal(err.field, "referred_code");
    store_field_set(&r.referred_code, "C2");
    store_field_set(&r.trigger, "astrology");
    assert_int_equal(store_referral_create(db, &cli, &r, &err), -1);
    assert_string_equal(err.field, "trigger");
    assert_non_null(strstr(err.message, "satisfaction"));
    store_field_set(&r.trigger, NULL);
    store_field_set(&r.referred_on, NULL);
    assert_int_equal(store_referral_create(db, &cli, &r, &err), -1);
    assert_string_equal(err.field, "referred_on");
    referral_release(&r);
    assert_int_equal(test_db_i64(db, "SELECT count(*) FROM referrals"), 0);
    test_db_close(&t);
}

static int ids_cb(void *ctx, const struct referral *r)
{
    struct buf *b = ctx;
    buf_printf(b, "%s%lld", b->len ? "," : "", (long long)r->id);
    return 0;
}

static void test_list_by_referrer(void **state)
{
    struct test_db t;
    struct db *db = test_db_open(&t);
    struct referral_query q = {0};
    struct ok_err err;
    struct buf b;
    fixtures(db);
    add(db, "C1", "C2", NULL, "2024-03-01");
    add(db, "C1", NULL, "見込み客A", "2024-01-01");
    add(db, "C3", NULL, "見込み客B", "2024-02-01");
    add(db, "C1", "C3", NULL, "2024-03-01");
    buf_init(&b, 0);
    q.referrer_code = "C1";
    assert_int_equal(store_referral_list(db, &q, ids_cb, &b, &err), 0);
    assert_string_equal(b.data, "2,1,4");
    buf_reset(&b);
    q.from = "2024-02-01";
    q.after_on = "2024-03-01";
    q.after_id = 1;
    assert_int_equal(store_referral_list(db, &q, ids_cb, &b, &err), 0);
    assert_string_equal(b.data, "4");
    buf_reset(&b);
    memset(&q, 0, sizeof(q));
    q.referred_code = "C3";
    assert_int_equal(store_referral_list(db, &q, ids_cb, &b, &err), 0);
    assert_string_equal(b.data, "4");
    buf_reset(&b);
    q.referrer_code = "ZZ";
    assert_int_equal(store_referral_list(db, &q, ids_cb, &b, &err), -1);
    assert_string_equal(err.field, "referrer_code");
    buf_release(&b);
    test_db_close(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_get_update),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_list_by_referrer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
