/* Tests for src/store/product.c: create, get by sku, update, list, conflicts and bad input. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "store/product.h"
#include "store/fields.h"
#include "store_test.h"

static const struct store_actor cli = {0, "cli"};

static int64_t add(struct db *db, const char *sku, const char *name, const char *cat, int64_t price)
{
    struct product p = {0};
    struct ok_err err;
    int64_t id;
    p.sku = (char *)sku;
    p.name = (char *)name;
    p.category = (char *)cat;
    p.has_price = price >= 0;
    p.price = price;
    id = store_product_create(db, &cli, &p, &err);
    if (id < 0)
        fail_msg("create %s: %s", sku, err.message);
    p.sku = p.name = p.category = NULL;
    product_release(&p);
    return id;
}

static void test_create_get_update(void **state)
{
    struct test_db t;
    struct db *db = test_db_open(&t);
    struct product p;
    struct ok_err err;
    struct buf json;
    int64_t id = add(db, "TEA-01", "煎茶 100g", "お茶", 1080);
    assert_int_equal(store_product_get(db, "TEA-01", &p, &err), 0);
    assert_int_equal(p.id, id);
    assert_string_equal(p.name, "煎茶 100g");
    assert_int_equal(p.has_price, 1);
    assert_int_equal(p.price, 1080);
    store_field_set(&p.name, "煎茶 200g");
    p.price = 2000;
    assert_int_equal(store_product_update(db, &cli, &p, &err), 0);
    product_release(&p);
    assert_int_equal(store_product_get_by_id(db, id, &p, &err), 0);
    assert_string_equal(p.name, "煎茶 200g");
    assert_int_equal(p.price, 2000);
    buf_init(&json, 0);
    product_to_json(&p, &json);
    assert_non_null(strstr(json.data, "\"sku\":\"TEA-01\""));
    assert_non_null(strstr(json.data, "\"price\":2000"));
    buf_release(&json);
    product_release(&p);
    add(db, "SVC", "相談", NULL, -1);
    assert_int_equal(store_product_get(db, "SVC", &p, &err), 0);
    assert_int_equal(p.has_price, 0);
    buf_init(&json, 0);
    product_to_json(&p, &json);
    assert_non_null(strstr(json.data, "\"price\":null"));
    buf_release(&json);
    /* Renaming the sku onto an existing one conflicts and changes nothing. */
    store_field_set(&p.sku, "TEA-01");
    assert_int_equal(store_product_update(db, &cli, &p, &err), -1);
    assert_int_equal(err.code, OK_ERR_CONFLICT);
    product_release(&p);
    assert_int_equal(test_db_i64(db, "SELECT count(*) FROM products WHERE sku = 'SVC'"), 1);
    assert_int_equal(test_db_i64(db, "SELECT count(*) FROM audit_log WHERE entity='product'"), 3);
    assert_int_equal(store_product_get(db, "NOPE", &p, &err), -1);
    assert_int_equal(err.code, OK_ERR_NOT_FOUND);
    test_db_close(&t);
}

static void test_bad_input(void **state)
{
    struct test_db t;
    struct db *db = test_db_open(&t);
    struct product p = {0};
    struct ok_err err;
    p.name = (char *)"x";
    assert_int_equal(store_product_create(db, &cli, &p, &err), -1);
    assert_string_equal(err.field, "sku");
    p.sku = (char *)"A B";
    assert_int_equal(store_product_create(db, &cli, &p, &err), -1);
    assert_string_equal(err.field, "sku");
    p.sku = (char *)"AB";
    p.has_price = 1;
    p.price = -5;
    assert_int_equal(store_product_create(db, &cli, &p, &err), -1);
    assert_string_equal(err.field, "price");
    p.price = 5;
    p.name = NULL;
    assert_int_equal(store_product_create(db, &cli, &p, &err), -1);
    assert_string_equal(err.field, "name");
    assert_int_equal(test_db_i64(db, "SELECT count(*) FROM products"), 0);
    add(db, "AB", "x", NULL, 1);
    p.name = (char *)"y";
    assert_int_equal(store_product_create(db, &cli, &p, &err), -1);
    assert_int_equal(err.code, OK_ERR_CONFLICT);
    /* Unknown keys and ids: not found, saying which and how to find the right one. */
    assert_int_equal(store_product_get(db, "NOPE", &p, &err), -1);
    assert_int_equal(err.code, OK_ERR_NOT_FOUND);
    assert_string_equal(err.message,
                        "no product with sku 'NOPE'; list products with `okaeri product list`");
    assert_int_equal(store_product_get_by_id(db, 999, &p, &err), -1);
    assert_int_equal(err.code, OK_ERR_NOT_FOUND);
    assert_string_equal(err.message, "no product with id 999");
    test_db_close(&t);
}

static int count_cb(void *ctx, const struct product *p)
{
    struct buf *b = ctx;
    buf_printf(b, "%s;", p->sku);
    return 0;
}

static void test_list(void **state)
{
    struct test_db t;
    struct db *db = test_db_open(&t);
    struct product_query q = {0};
    struct ok_err err;
    struct buf b;
    add(db, "B", "緑茶", "tea", 1);
    add(db, "A", "紅茶", "tea", 1);
    add(db, "C", "急須", "ware", 1);
    buf_init(&b, 0);
    assert_int_equal(store_product_list(db, &q, count_cb, &b, &err), 0);
    assert_string_equal(b.data, "A;B;C;");
    buf_reset(&b);
    q.category = "tea";
    q.after_sku = "A";
    assert_int_equal(store_product_list(db, &q, count_cb, &b, &err), 0);
    assert_string_equal(b.data, "B;");
    buf_reset(&b);
    memset(&q, 0, sizeof(q));
    q.search = "急";
    assert_int_equal(store_product_list(db, &q, count_cb, &b, &err), 0);
    assert_string_equal(b.data, "C;");
    buf_release(&b);
    test_db_close(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_create_get_update),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
