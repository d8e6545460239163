/* Tests for src/core/table.c: cells, NULLs, money, dates, and the three renderers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/table.h"

static struct table *sample(void)
{
    struct table *t = table_new("状態");
    table_set_money_decimals(t, 2);
    size_t name = table_add_column(t, "name", TABLE_TEXT);
    size_t n = table_add_column(t, "customers", TABLE_INT);
    size_t rev = table_add_column(t, "revenue", TABLE_MONEY);
    size_t share = table_add_column(t, "share", TABLE_PERCENT);
    size_t day = table_add_column(t, "last", TABLE_DATE);
    size_t r = table_add_row(t);
    table_set_text(t, r, name, "優良顧客");
    table_set_int(t, r, n, 12);
    table_set_money(t, r, rev, 123456789);
    table_set_ratio(t, r, share, 1, 4);
    table_set_date(t, r, day, 19999); /* 2024-10-03 */
    r = table_add_row(t);
    table_set_text(t, r, name, "a,\"b\"");
    table_set_int(t, r, n, 0);
    table_set_money(t, r, rev, -5);
    table_set_ratio(t, r, share, 3, 0); /* no division by zero: NULL */
    table_add_note(t, "as of %s", "2024-10-03");
    return t;
}

static void test_text_alignment(void **state)
{
    struct table *t = sample();
    struct buf b;
    buf_init(&b, 0);
    table_render_text(t, &b);
    const char *expect = "状態\n"
                         "name      customers       revenue  share  last\n"
                         "--------  ---------  ------------  -----  ----------\n"
                         "優良顧客         12  1,234,567.89  25.0%  2024-10-03\n"
                         "a,\"b\"             0         -0.05      —  —\n"
                         "* as of 2024-10-03\n";
    assert_string_equal(b.data, expect);
    buf_release(&b);
    table_free(&t);
    assert_null(t);
}

static void test_csv(void **state)
{
    struct table *t = sample();
    struct buf b;
    buf_init(&b, 0);
    table_render_csv(t, &b);
    assert_string_equal(b.data, "name,customers,revenue,share,last\r\n"
                                "優良顧客,12,1234567.89,0.25,2024-10-03\r\n"
                                "\"a,\"\"b\"\"\",0,-0.05,,\r\n");
    buf_release(&b);
    table_free(&t);
}

static void test_json(void **state)
{
    struct table *t = sample();
    struct buf b;
    buf_init(&b, 0);
    table_render_json(t, &b);
    assert_string_equal(
        b.data,
        "{\"title\":\"状態\",\"columns\":[{\"name\":\"name\",\"type\":\"text\"},"
        "{\"name\":\"customers\",\"type\":\"int\"},{\"name\":\"revenue\",\"type\":\"money\"},"
        "{\"name\":\"share\",\"type\":\"percent\"},{\"name\":\"last\",\"type\":\"date\"}],"
        "\"rows\":[{\"name\":\"優良顧客\",\"customers\":12,\"revenue\":1234567.89,\"share\":0.25,"
        "\"last\":\"2024-10-03\"},{\"name\":\"a,\\\"b\\\"\",\"customers\":0,\"revenue\":-0.05,"
        "\"share\":null,\"last\":null}],\"notes\":[\"as of 2024-10-03\"]}");
    buf_release(&b);
    table_free(&t);
}

static void test_json_escape(void **state)
{
    struct buf b;
    buf_init(&b, 0);
    table_json_escape(&b, "a\"\\\n\t\x01\x7f"
                          "\xe2\x80\xa8"
                          "é\xff日");
    assert_string_equal(b.data, "\"a\\\"\\\\\\n\\t\\u0001\\u007f\\u2028é\xef\xbf\xbd日\"");
    buf_release(&b);
}

static void test_width_and_lookup(void **state)
{
    assert_int_equal(table_text_width("abc"), 3);
    assert_int_equal(table_text_width("顧客"), 4);
    assert_int_equal(table_text_width("ｱｲ"), 2); /* half-width katakana: narrow */
    assert_int_equal(table_text_width("—"), 1);
    struct table *t = sample();
    assert_int_equal(table_find_column(t, "revenue"), 2);
    assert_int_equal(table_find_column(t, "nope"), -1);
    assert_true(table_cell(t, 1, 3)->is_null);
    assert_null(table_cell(t, 5, 0));
    size_t r = table_add_row(t);
    table_set_double(t, r, 1, NAN); /* non-finite doubles become NULL, not "nan" */
    assert_true(table_cell(t, r, 1)->is_null);
    table_free(&t);
}

static void test_money_extremes(void **state)
{
    struct table *t = table_new(NULL);
    size_t c = table_add_column(t, "m", TABLE_MONEY);
    size_t r = table_add_row(t);
    table_set_money(t, r, c, INT64_MIN);
    struct buf b;
    buf_init(&b, 0);
    table_render_csv(t, &b);
    assert_string_equal(b.data, "m\r\n-9223372036854775808\r\n");
    buf_release(&b);
    table_free(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_alignment),
        cmocka_unit_test(test_csv),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_json_escape),
        cmocka_unit_test(test_width_and_lookup),
        cmocka_unit_test(test_money_extremes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
