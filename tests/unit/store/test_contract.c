/* Tests for src/store/contract.c: create, renew, end, due-between lists and bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "store/contract.h"
#include "store/fields.h"
#include "store_test.h"

static const struct store_actor cli = {0, "cli"};

static void fixtures(struct db *db)
{
    test_db_exec(db, "INSERT INTO customers(id, code, name) VALUES (1, 'C1', '山田'), "
                     "(2, 'C2', '佐藤');"
                     "INSERT INTO products(id, sku, name) VALUES (1, 'MAINT', '保守契約');");
}

static int64_t add(struct db *db, const char *customer, const char *start, const char *end,
                   int64_t amount)
{
    struct contract c = {0};
    struct ok_err err;
    int64_t id;
    store_field_set(&c.customer_code, customer);
    store_field_set(&c.product_sku, "MAINT");
    store_field_set(&c.start_on, start);
    store_field_set(&c.end_on, end);
    c.amount = amount;
    id = store_contract_create(db, &cli, &c, &err);
    if (id < 0)
        fail_msg("create: %s", err.message);
    contract_release(&c);
    return id;
}

static void test_create_get_renew_end(void **state)
{
    struct test_db t;
    struct db *db = test_db_open(&t);
    struct contract c = {0}, got;
    struct ok_err err;
    struct buf json;
    int64_t first, second;
    fixtures(db);
    first = add(db, "C1", "令和5年4月1日", "2024/3/31", 120000);
    assert_int_equal(store_contract_get_by_id(db, first, &got, &err), 0);
    assert_string_equal(got.start_on, "2023-04-01");
    assert_string_equal(got.end_on, "2024-03-31");
    assert_string_equal(got.product_sku, "MAINT");
    assert_int_equal(got.amount, 120000);
    contract_release(&got);
    store_field_set(&c.start_on, "2024-04-01");
    store_field_set(&c.end_on, "2025-03-31");
    store_field_set(&c.code, "K-2");
    c.amount = 132000;
    second = store_contract_renew(db, &cli, first, &c, &err);
    assert_true(second > 0);
    contract_release(&c);
    assert_int_equal(store_contract_get(db, "K-2", &got, &err), 0);
    assert_int_equal(got.renewed_from, first);
    assert_string_equal(got.customer_code, "C1");
    buf_init(&json, 0);
    contract_to_json(&got, &json);
    assert_non_null(strstr(json.data, "\"customer_code\":\"C1\",\"product\":\"MAINT\","
                                      "\"start_on\":\"2024-04-01\",\"end_on\":\"2025-03-31\","
                                      "\"amount\":132000,\"renewed_from\":1"));
    buf_release(&json);
    contract_release(&got);
    /* A contract is renewed once only. */
    store_field_set(&c.start_on, "2024-04-01");
    store_field_set(&c.end_on, "2025-03-31");
    assert_int_equal(store_contract_renew(db, &cli, first, &c, &err), -1);
    assert_int_equal(err.code, OK_ERR_CONFLICT);
    contract_release(&c);
    /* Ending early with a reason given by its Japanese label. */
    assert_int_equal(store_contract_end(db, &cli, second, "転居", "引っ越し", "2024-09-30", &err),
                     0);
    assert_int_equal(store_contract_get_by_id(db, second, &got, &err), 0);
    assert_string_equal(got.end_reason, "moved_away");
    assert_string_equal(got.end_on, "2024-09-30");
    contract_release(&got);
    assert_int_equal(store_contract_end(db, &cli, second, "bored", NULL, NULL, &err), -1);
    assert_string_equal(err.field, "end_reason");
    assert_int_equal(store_contract_end(db, &cli, second, "price", NULL, "2020-01-01", &err), -1);
    assert_string_equal(err.field, "end_on");
    assert_int_equal(test_db_i64(db, "SELECT count(*) FROM audit_log WHERE entity = 'contract'"),
                     3);
    test_db_close(&t);
}

static void test_bad_input(void **state)
{
    struct test_db t;
    struct db *db = test_db_open(&t);
    struct contract c = {0};
    struct ok_err err;
    fixtures(db);
    store_field_set(&c.customer_code, "C1");
    store_field_set(&c.start_on, "2024-04-01");
    store_field_set(&c.end_on, "2024-03-31");
    assert_int_equal(store_contract_create(db, &cli, &c, &err), -1);
    assert_string_equal(err.field, "end_on");
    store_field_set(&c.end_on, "2025-03-31");
    c.amount = -1;
    assert_int_equal(store_contract_create(db, &cli, &c, &err), -1);
    assert_string_equal(err.field, "amount");
    c.amount = 1;
    store_field_set(&c.product_sku, "NOPE");
    assert_int_equal(store_contract_create(db, &cli, &c, &err), -1);
    assert_string_equal(err.field, "product");
    store_field_set(&c.product_sku, NULL);
    store_field_set(&c.customer_code, "C404");
    assert_int_equal(store_contract_create(db, &cli, &c, &err), -1);
    assert_string_equal(err.field, "customer_code");
    /* renewed_from must exist and be the same customer's. */
    store_field_set(&c.customer_code, "C2");
    c.renewed_from = 77;
    assert_int_equal(store_contract_create(db, &cli, &c, &err), -1);
    assert_string_equal(err.field, "renewed_from");
    contract_release(&c);
    c.renewed_from = add(db, "C1", "2023-04-01", "2024-03-31", 1);
    store_field_set(&c.customer_code, "C2");
    store_field_set(&c.start_on, "2024-04-01");
    store_field_set(&c.end_on, "2025-03-31");
    assert_int_equal(store_contract_create(db, &cli, &c, &err), -1);
    assert_string_equal(err.field, "renewed_from");
    contract_release(&c);
    assert_int_equal(test_db_i64(db, "SELECT count(*) FROM contracts"), 1);
    test_db_close(&t);
}

static int ids_cb(void *ctx, const struct contract *c)
{
    struct buf *b = ctx;
    buf_printf(b, "%s%lld", b->len ? "," : "", (long long)c->id);
    return 0;
}

static void test_due_between(void **state)
{
    struct test_db t;
    struct db *db = test_db_open(&t);
    struct contract_query q = {0};
    struct contract c = {0};
    struct ok_err err;
    struct buf b;
    fixtures(db);
    add(db, "C1", "2023-01-01", "2024-06-30", 1); /* 1 */
    add(db, "C2", "2023-01-01", "2024-05-31", 1); /* 2 */
    add(db, "C1", "2023-01-01", "2024-08-31", 1); /* 3 */
    add(db, "C2", "2023-01-01", "2024-05-31", 1); /* 4 */
    store_field_set(&c.start_on, "2024-06-01");
    store_field_set(&c.end_on, "2025-05-31");
    assert_true(store_contract_renew(db, &cli, 2, &c, &err) > 0); /* 5 */
    contract_release(&c);
    buf_init(&b, 0);
    q.ending_from = "2024-05-01";
    q.ending_to = "2024-07-31";
    assert_int_equal(store_contract_list(db, &q, ids_cb, &b, &err), 0);
    assert_string_equal(b.data, "2,4,1");
    buf_reset(&b);
    q.open_only = 1;
    assert_int_equal(store_contract_list(db, &q, ids_cb, &b, &err), 0);
    assert_string_equal(b.data, "4,1");
    buf_reset(&b);
    memset(&q, 0, sizeof(q));
    q.customer_code = "C2";
    q.after_end = "2024-05-31";
    q.after_id = 2;
    assert_int_equal(store_contract_list(db, &q, ids_cb, &b, &err), 0);
    assert_string_equal(b.data, "4,5");
    buf_reset(&b);
    q.ending_from = "31/12/2024";
    assert_int_equal(store_contract_list(db, &q, ids_cb, &b, &err), -1);
    assert_string_equal(err.field, "ending_from");
    buf_release(&b);
    test_db_close(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_get_renew_end),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_due_between),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
