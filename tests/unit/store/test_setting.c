/* Tests for src/store/setting.c: defaults, typed validation, cross-setting checks, audit. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "store/setting.h"
#include "store_test.h"

static const struct store_actor cli = {0, "cli"};

static void test_get_defaults_and_types(void **state)
{
    struct test_db t;
    struct db *db = test_db_open(&t);
    struct ok_err err;
    struct buf b;
    int64_t n;
    double d;
    buf_init(&b, 0);
    assert_int_equal(store_setting_get(db, "time_zone", &b, &err), 0);
    assert_string_equal(b.data, "Asia/Tokyo");
    assert_int_equal(store_setting_get_i64(db, "state.active_days", &n, &err), 0);
    assert_int_equal(n, 90);
    assert_int_equal(store_setting_get_double(db, "state.p_alive_active", &d, &err), 0);
    assert_true(d == 0.5);
    assert_int_equal(store_setting_get(db, "no.such", &b, &err), -1);
    assert_int_equal(err.code, OK_ERR_NOT_FOUND);
    assert_non_null(strstr(err.message, "state.active_days"));
    /* A key deleted from the table reads as its default. */
    test_db_exec(db, "DELETE FROM settings WHERE key = 'locale'");
    assert_int_equal(store_setting_get(db, "locale", &b, &err), 0);
    assert_string_equal(b.data, "ja");
    buf_release(&b);
    test_db_close(&t);
}

static void test_set_validates(void **state)
{
    struct test_db t;
    struct db *db = test_db_open(&t);
    struct ok_err err;
    struct buf b;
    int64_t n;
    buf_init(&b, 0);
    assert_int_equal(store_setting_set(db, &cli, "state.active_days", " 120 ", &err), 0);
    assert_int_equal(store_setting_get_i64(db, "state.active_days", &n, &err), 0);
    assert_int_equal(n, 120);
    assert_int_equal(store_setting_set(db, &cli, "state.active_days", "12x", &err), -1);
    assert_string_equal(err.field, "value");
    assert_int_equal(store_setting_set(db, &cli, "state.active_days", "0", &err), -1);
    assert_non_null(strstr(err.message, "between 1 and 36500"));
    /* Cross-field checks (sleeping above active ...) belong to the analytics layer and are
     * tested with service_setting_set; here only types and ranges. */
    assert_int_equal(store_setting_set(db, &cli, "state.p_alive_dead", "0.25", &err), 0);
    assert_int_equal(store_setting_get(db, "state.p_alive_dead", &b, &err), 0);
    assert_string_equal(b.data, "0.25");
    assert_int_equal(store_setting_set(db, &cli, "state.p_alive_dead", "1.5", &err), -1);
    /* Booleans and choices normalise. */
    assert_int_equal(store_setting_set(db, &cli, "state.lost_overrides_buyers", "No", &err), 0);
    assert_int_equal(store_setting_get(db, "state.lost_overrides_buyers", &b, &err), 0);
    assert_string_equal(b.data, "0");
    assert_int_equal(store_setting_set(db, &cli, "state.lost_overrides_buyers", "maybe", &err), -1);
    assert_int_equal(store_setting_set(db, &cli, "state.rule", "rhythm", &err), 0);
    assert_int_equal(store_setting_set(db, &cli, "state.rule", "magic", &err), -1);
    assert_non_null(strstr(err.message, "fixed, rhythm, p_alive"));
    /* Text: time zones must exist, company name must not be empty. */
    assert_int_equal(store_setting_set(db, &cli, "time_zone", "Mars/Olympus", &err), -1);
    assert_string_equal(err.field, "value");
    assert_int_equal(store_setting_set(db, &cli, "time_zone", "UTC", &err), 0);
    assert_int_equal(store_setting_set(db, &cli, "company_name", "", &err), -1);
    assert_int_equal(store_setting_set(db, &cli, "company_name", "おかえり商店", &err), 0);
    assert_int_equal(store_setting_set(db, &cli, "colour", "red", &err), -1);
    assert_string_equal(err.field, "key");
    assert_int_equal(test_db_i64(db, "SELECT count(*) FROM audit_log WHERE entity = 'setting' "
                                     "AND before LIKE '%\"value\":\"90\"%' AND after LIKE "
                                     "'%\"value\":\"120\"%'"),
                     1);
    assert_int_equal(store_setting_reset(db, &cli, "state.active_days", &err), 0);
    assert_int_equal(store_setting_get_i64(db, "state.active_days", &n, &err), 0);
    assert_int_equal(n, 90);
    buf_release(&b);
    test_db_close(&t);
}

static void test_currency_scale_guard(void **state)
{
    struct test_db t;
    struct db *db = test_db_open(&t);
    struct ok_err err;
    struct buf b;
    buf_init(&b, 0);
    assert_int_equal(store_setting_set(db, &cli, "currency", "usd", &err), 0);
    assert_int_equal(store_setting_get(db, "currency", &b, &err), 0);
    assert_string_equal(b.data, "USD");
    assert_int_equal(store_setting_set(db, &cli, "currency", "XYZ", &err), -1);
    test_db_exec(db, "INSERT INTO products(sku, name, price) VALUES ('P', 'p', 1234)");
    assert_int_equal(store_setting_set(db, &cli, "currency", "JPY", &err), -1);
    assert_int_equal(err.code, OK_ERR_CONFLICT);
    assert_int_equal(store_setting_set(db, &cli, "currency", "EUR", &err), 0); /* same scale */
    buf_release(&b);
    test_db_close(&t);
}

static int list_cb(void *ctx, const struct setting_view *v)
{
    struct buf *b = ctx;
    if (!v->is_default) {
        buf_printf(b, "%s=%s;", v->def->key, v->value);
        setting_view_to_json(v, b);
    }
    return 0;
}

static void test_list(void **state)
{
    struct test_db t;
    struct db *db = test_db_open(&t);
    struct ok_err err;
    struct buf b;
    buf_init(&b, 0);
    assert_int_equal(store_setting_list(db, list_cb, &b, &err), 0);
    assert_string_equal(b.data, "");
    assert_int_equal(store_setting_set(db, &cli, "lifecycle.loyal_min_orders", "6", &err), 0);
    assert_int_equal(store_setting_list(db, list_cb, &b, &err), 0);
    assert_non_null(strstr(b.data, "lifecycle.loyal_min_orders=6;{\"key\":\"lifecycle."
                                   "loyal_min_orders\",\"value\":\"6\",\"default\":\"3\","
                                   "\"type\":\"integer\""));
    buf_release(&b);
    test_db_close(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_get_defaults_and_types),
        cmocka_unit_test(test_set_validates),
        cmocka_unit_test(test_currency_scale_guard),
        cmocka_unit_test(test_list),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
