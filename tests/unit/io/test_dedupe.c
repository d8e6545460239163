/*
 * test_dedupe.c - duplicate scoring (hand-computed 1 - Π(1 - p)), address closeness, the pairs
 * found in a small database, and merging.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "../store/store_test.h"
#include "io/dedupe.h"
#include "store/customer.h"
#include "store/merge.h"

static void test_score(void **state)
{
    (void)state;
    assert_float_equal(dedupe_score(DEDUPE_EMAIL), 0.9, 1e-12);
    assert_float_equal(dedupe_score(DEDUPE_PHONE), 0.85, 1e-12);
    /* 1 - 0.55 * 0.7 = 0.615 */
    assert_float_equal(dedupe_score(DEDUPE_NAME_KANA | DEDUPE_POSTAL), 0.615, 1e-12);
    /* 1 - 0.55 * 0.7 * 0.5 = 0.8075 */
    assert_float_equal(dedupe_score(DEDUPE_NAME_KANA | DEDUPE_POSTAL | DEDUPE_ADDRESS), 0.8075,
                       1e-12);
    /* 1 - 0.1 * 0.15 = 0.985 */
    assert_float_equal(dedupe_score(DEDUPE_EMAIL | DEDUPE_PHONE), 0.985, 1e-12);
    assert_float_equal(dedupe_score(DEDUPE_NAME_KANA), 0.45, 1e-12);
    assert_float_equal(dedupe_score(DEDUPE_NAME_ONLY), 0.35, 1e-12);
    assert_float_equal(dedupe_score(0), 0.0, 1e-12);
}

static void test_address(void **state)
{
    (void)state;
    assert_true(dedupe_address_close("東京都渋谷区神南1-2-3", "東京都渋谷区神南１－２－３ 101"));
    assert_true(dedupe_address_close("東京都 渋谷区 神南1-2-3", "東京都渋谷区神南1-2-3"));
    assert_false(dedupe_address_close("東京都渋谷区神南1-2-3", "大阪府大阪市北区1-2-3"));
    assert_false(dedupe_address_close("", "東京都"));
    assert_false(dedupe_address_close(NULL, "東京都"));
}

static void add(struct db *db, const char *code, const char *name, const char *kana,
                const char *phone, const char *email, const char *postal)
{
    static const struct store_actor who = {0, "test"};
    struct customer c;
    struct ok_err err;
    memset(&c, 0, sizeof(c));
    customer_set(&c.code, code);
    customer_set(&c.name, name);
    customer_set(&c.name_kana, kana);
    customer_set(&c.phone, phone);
    customer_set(&c.email, email);
    customer_set(&c.postal_code, postal);
    if (store_customer_create(db, &who, &c, &err) < 0)
        fail_msg("%s", err.message);
    customer_release(&c);
}

static void test_find_and_merge(void **state)
{
    static const struct store_actor who = {0, "test"};
    struct test_db t;
    struct db *db = test_db_open(&t);
    struct ok_err err;
    struct table *tab;
    int64_t moved, v;
    (void)state;
    add(db, "A", "髙橋 一郎", "タカハシ イチロウ", "090-1111-2222", NULL, "150-0001");
    add(db, "B", "高橋 一郎", "ﾀｶﾊｼ ｲﾁﾛｳ", NULL, "ichiro@example.jp", "150-0001");
    add(db, "C", "佐藤", NULL, "０９０１１１１２２２２", NULL, NULL);
    add(db, "D", "鈴木", NULL, NULL, "ICHIRO@example.jp", NULL);
    add(db, "E", "高橋 一郎", "タカハシ ジロウ", NULL, NULL, "150-0001");
    tab = dedupe_find(db, 0.5, 0, &err);
    assert_non_null(tab);
    assert_int_equal(tab->nrows, 3); /* B-D e-mail 0.9, A-C phone 0.85, A-B name+kana+postal */
    assert_string_equal(table_cell(tab, 0, 1)->v.s, "B");
    assert_string_equal(table_cell(tab, 0, 3)->v.s, "D");
    assert_string_equal(table_cell(tab, 2, 1)->v.s, "A");
    assert_string_equal(table_cell(tab, 2, 3)->v.s, "B");
    assert_float_equal(table_cell(tab, 2, 0)->v.d, 0.615, 1e-9);
    table_free(&tab);

    test_db_exec(db, "INSERT INTO orders(order_code, customer_id, ordered_at, amount) "
                     "SELECT 'O1', id, '2024-01-01 00:00:00', 100 FROM customers WHERE code='B'");
    assert_int_equal(store_customer_merge(db, &who, "A", "B", &moved, &err), 0);
    assert_int_equal(moved, 1);
    assert_int_equal(db_query_i64(db, "SELECT count(*) FROM customers WHERE code='B'", &v, &err),
                     1);
    assert_int_equal(v, 0);
    assert_int_equal(db_query_i64(db,
                                  "SELECT count(*) FROM orders o JOIN customers c ON "
                                  "c.id = o.customer_id WHERE c.code = 'A'",
                                  &v, &err),
                     1);
    assert_int_equal(v, 1);
    /* A took B's e-mail, which it lacked */
    assert_int_equal(db_query_i64(db,
                                  "SELECT count(*) FROM customers WHERE code='A' AND "
                                  "email='ichiro@example.jp'",
                                  &v, &err),
                     1);
    assert_int_equal(v, 1);
    assert_int_equal(store_customer_merge(db, &who, "A", "A", &moved, &err), -1);
    assert_int_equal(store_customer_merge(db, &who, "A", "ZZ", &moved, &err), -1);
    test_db_close(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_score),
        cmocka_unit_test(test_address),
        cmocka_unit_test(test_find_and_merge),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
