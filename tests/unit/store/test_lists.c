/* Tests for src/store/lists.c: the configurable lists with their defaults, add, rename,
 * deactivate and the refusal to delete a value in use. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "store/lists.h"
#include "store_test.h"

static const struct store_actor cli = {0, "cli"};

static int codes_cb(void *ctx, const struct list_item *it)
{
    struct buf *b = ctx;
    buf_printf(b, "%s%s=%s/%lld", b->len ? "," : "", it->code, it->label_ja, (long long)it->uses);
    return 0;
}

static void test_defaults(void **state)
{
    struct test_db t;
    struct db *db = test_db_open(&t);
    struct ok_err err;
    struct buf b;
    buf_init(&b, 0);
    assert_int_equal(store_lists_items(db, "lost_reasons", 0, codes_cb, &b, &err), 0);
    assert_string_equal(b.data, "price=価格/0,timing=時期/0,competitor=競合/0,other=その他/0");
    buf_reset(&b);
    assert_int_equal(store_lists_items(db, "causes", 0, codes_cb, &b, &err), 0);
    assert_non_null(strstr(b.data, "moved_away=転居/0"));
    assert_int_equal(store_lists_items(db, "colours", 0, codes_cb, &b, &err), -1);
    assert_string_equal(err.field, "list");
    assert_true(store_lists_known("triggers"));
    assert_false(store_lists_known("users"));
    buf_release(&b);
    test_db_close(&t);
}

static void test_add_rename_deactivate(void **state)
{
    struct test_db t;
    struct db *db = test_db_open(&t);
    struct ok_err err;
    struct buf b;
    int64_t id;
    id = store_lists_add(db, &cli, "lost_reasons", "budget", "予算不足", "No budget", &err);
    assert_true(id > 0);
    /* Lookups by code and by label find it. */
    assert_int_equal(store_list_id(db, "lost_reasons", "予算不足", &err), id);
    assert_int_equal(store_list_id(db, "lost_reasons", "no budget", &err), id);
    assert_int_equal(test_db_i64(db, "SELECT sort FROM lost_reasons WHERE code = 'budget'"), 5);
    assert_int_equal(store_lists_add(db, &cli, "lost_reasons", "budget", "x", NULL, &err), -1);
    assert_int_equal(err.code, OK_ERR_CONFLICT);
    assert_int_equal(store_lists_add(db, &cli, "lost_reasons", "Bad Code", "x", NULL, &err), -1);
    assert_string_equal(err.field, "code");
    assert_int_equal(store_lists_add(db, &cli, "lost_reasons", "ok", "", NULL, &err), -1);
    assert_string_equal(err.field, "label_ja");
    assert_int_equal(store_lists_rename(db, &cli, "lost_reasons", "budget", "予算", NULL, &err), 0);
    assert_int_equal(test_db_i64(db, "SELECT count(*) FROM lost_reasons WHERE code = 'budget' "
                                     "AND label_ja = '予算' AND label_en = 'No budget'"),
                     1);
    assert_int_equal(store_lists_rename(db, &cli, "lost_reasons", "nope", "x", NULL, &err), -1);
    assert_int_equal(err.code, OK_ERR_NOT_FOUND);
    assert_int_equal(store_lists_set_active(db, &cli, "lost_reasons", "budget", 0, &err), 0);
    buf_init(&b, 0);
    assert_int_equal(store_lists_items(db, "lost_reasons", 0, codes_cb, &b, &err), 0);
    assert_null(strstr(b.data, "budget"));
    buf_reset(&b);
    assert_int_equal(store_lists_items(db, "lost_reasons", 1, codes_cb, &b, &err), 0);
    assert_non_null(strstr(b.data, "budget=予算/0"));
    buf_release(&b);
    assert_int_equal(test_db_i64(db, "SELECT count(*) FROM audit_log WHERE entity = "
                                     "'lost_reasons'"),
                     3);
    test_db_close(&t);
}

static void test_remove_only_unused(void **state)
{
    struct test_db t;
    struct db *db = test_db_open(&t);
    struct ok_err err;
    struct buf b;
    test_db_exec(db, "INSERT INTO customers(code, name) VALUES ('C1', '山田');"
                     "INSERT INTO deals(customer_id, stage, opened_at, closed_at, lost_reason_id) "
                     "SELECT 1, 'lost', '2024-01-01', '2024-02-01', id FROM lost_reasons "
                     "WHERE code = 'price';");
    assert_int_equal(store_lists_remove(db, &cli, "lost_reasons", "price", &err), -1);
    assert_int_equal(err.code, OK_ERR_CONFLICT);
    assert_non_null(strstr(err.message, "deactivate"));
    buf_init(&b, 0);
    assert_int_equal(store_lists_items(db, "lost_reasons", 0, codes_cb, &b, &err), 0);
    assert_non_null(strstr(b.data, "price=価格/1"));
    buf_release(&b);
    assert_int_equal(store_lists_remove(db, &cli, "lost_reasons", "timing", &err), 0);
    assert_int_equal(test_db_i64(db, "SELECT count(*) FROM lost_reasons"), 3);
    assert_int_equal(test_db_i64(db, "SELECT count(*) FROM audit_log WHERE action = 'delete' "
                                     "AND before LIKE '%timing%'"),
                     1);
    assert_int_equal(store_lists_remove(db, &cli, "lost_reasons", "timing", &err), -1);
    assert_int_equal(err.code, OK_ERR_NOT_FOUND);
    test_db_close(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),
        cmocka_unit_test(test_add_rename_deactivate),
        cmocka_unit_test(test_remove_only_unused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
