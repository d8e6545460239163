/*
 * test_import.c - the import pipeline's value readers and its behaviour on small files: dates in
 * every form and Excel serials, amounts, quantities, yes/no, and an orders import that is
 * idempotent, all-or-nothing and numbers the lines of each order.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "../store/store_test.h"
#include "core/date.h"
#include "io/import.h"

static int32_t ymd(int y, int m, int d)
{
    int32_t days;
    assert_int_equal(date_from_ymd(y, m, d, &days), 0);
    return days;
}

static void check_date(const char *s, unsigned flags, const char *fmt, int32_t want_day,
                       int32_t want_secs)
{
    struct ok_err err;
    int32_t day = 0, secs = 0;
    ok_err_clear(&err);
    if (import_parse_date(s, strlen(s), flags, fmt, &day, &secs, &err) != 0)
        fail_msg("'%s': %s", s, err.message);
    assert_int_equal(day, want_day);
    assert_int_equal(secs, want_secs);
}

static void test_dates(void **state)
{
    struct ok_err err;
    int32_t day, secs;
    (void)state;
    check_date("2024-01-05", 0, NULL, ymd(2024, 1, 5), DATE_SECS_NONE);
    check_date("2024-01-05 13:45", 0, NULL, ymd(2024, 1, 5), 13 * 3600 + 45 * 60);
    check_date("2024-01-05 13:45:10", 0, NULL, ymd(2024, 1, 5), 13 * 3600 + 45 * 60 + 10);
    check_date("2024/1/5", 0, NULL, ymd(2024, 1, 5), DATE_SECS_NONE);
    check_date("2024年1月5日", 0, NULL, ymd(2024, 1, 5), DATE_SECS_NONE);
    check_date("令和6年1月5日", 0, NULL, ymd(2024, 1, 5), DATE_SECS_NONE);
    check_date("R6.1.5", 0, NULL, ymd(2024, 1, 5), DATE_SECS_NONE);
    check_date("２０２４／１／５", 0, NULL, ymd(2024, 1, 5), DATE_SECS_NONE);
    /* Excel serials: 45296 is 2024-01-05 in the 1900 system; .5 is noon */
    check_date("45296", 0, NULL, ymd(2024, 1, 5), DATE_SECS_NONE);
    check_date("45296.5", IO_CELL_DATE_SERIAL, NULL, ymd(2024, 1, 5), 12 * 3600);
    check_date("45296", IO_CELL_NUMBER, NULL, ymd(2024, 1, 5), DATE_SECS_NONE);
    check_date("12/1/2010 8:26", 0, "%m/%d/%Y %H:%M", ymd(2010, 12, 1), 8 * 3600 + 26 * 60);
    ok_err_clear(&err);
    assert_int_equal(import_parse_date("2024-02-30", 10, 0, NULL, &day, &secs, &err), -1);
    assert_int_equal(import_parse_date("60", 2, IO_CELL_DATE_SERIAL, NULL, &day, &secs, &err),
                     -1); /* Excel's 1900-02-29 does not exist */
    assert_int_equal(import_parse_date("", 0, 0, NULL, &day, &secs, &err), -1);
    assert_int_equal(import_parse_date("1/5/2024", 8, 0, NULL, &day, &secs, &err), -1);
}

static void check_money(const char *s, int scale, int64_t want)
{
    struct ok_err err;
    int64_t v = 0;
    if (import_parse_money(s, strlen(s), scale, &v, &err) != 0)
        fail_msg("'%s': %s", s, err.message);
    assert_int_equal(v, want);
}

static void test_money_and_quantity(void **state)
{
    struct ok_err err;
    int64_t v;
    (void)state;
    check_money("1234", 0, 1234);
    check_money("1234", 2, 123400);
    check_money("¥1,234", 0, 1234);
    check_money("￥１，２３４", 0, 1234);
    check_money("-500", 0, -500);
    check_money("(500)", 0, -500);
    check_money("▲500", 0, -500);
    check_money("2.55", 2, 255);
    assert_int_equal(import_parse_money("0.001", 5, 2, &v, &err), -1);
    assert_int_equal(import_parse_money("abc", 3, 0, &v, &err), -1);
    assert_int_equal(import_parse_quantity("3", 1, &v, &err), 0);
    assert_int_equal(v, 3);
    assert_int_equal(import_parse_quantity("-12", 3, &v, &err), 0);
    assert_int_equal(v, -12);
    assert_int_equal(import_parse_quantity("３", strlen("３"), &v, &err), 0);
    assert_int_equal(v, 3);
    assert_int_equal(import_parse_quantity("1,200", 5, &v, &err), 0);
    assert_int_equal(v, 1200);
    assert_int_equal(import_parse_quantity("2.5", 3, &v, &err), -1);
}

static void test_bool(void **state)
{
    struct ok_err err;
    (void)state;
    assert_int_equal(import_parse_bool("○", strlen("○"), &err), 1);
    assert_int_equal(import_parse_bool("YES", 3, &err), 1);
    assert_int_equal(import_parse_bool("１", strlen("１"), &err), 1);
    assert_int_equal(import_parse_bool("希望", strlen("希望"), &err), 1);
    assert_int_equal(import_parse_bool("×", strlen("×"), &err), 0);
    assert_int_equal(import_parse_bool("不可", strlen("不可"), &err), 0);
    assert_int_equal(import_parse_bool("false", 5, &err), 0);
    assert_int_equal(import_parse_bool("maybe", 5, &err), -1);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, strlen(text), f), strlen(text));
    fclose(f);
}

static int import_text(struct db *db, enum io_kind kind, const char *text, int skip,
                       struct import_report *rep)
{
    static const struct store_actor actor = {0, "test"};
    struct import_options o;
    struct ok_err err;
    char path[] = "/tmp/okaeri-import-test-XXXXXX";
    int fd = mkstemp(path), rc;
    assert_true(fd >= 0);
    close(fd);
    write_file(path, text);
    memset(&o, 0, sizeof(o));
    o.kind = kind;
    o.actor = &actor;
    o.skip_bad = skip;
    o.reject_path = "/tmp/okaeri-import-test.rejected";
    import_report_release(rep);
    import_report_init(rep);
    ok_err_clear(&err);
    rc = import_file(db, path, &o, rep, &err);
    unlink(path);
    unlink(o.reject_path);
    return rc;
}

static int64_t q(struct db *db, const char *sql)
{
    int64_t v = -1;
    struct ok_err err;
    assert_int_equal(db_query_i64(db, sql, &v, &err), 1);
    return v;
}

static void test_orders_pipeline(void **state)
{
    struct test_db t;
    struct db *db = test_db_open(&t);
    struct import_report rep;
    (void)state;
    import_report_init(&rep);
    assert_int_equal(import_text(db, IO_KIND_CUSTOMERS, "顧客ID,氏名\nA,甲\nB,乙\n", 0, &rep), 0);
    assert_int_equal(rep.created, 2);
    /* unit price only: amount = quantity × unit price; lines of one order are numbered */
    const char *orders = "伝票番号,顧客ID,日付,数量,単価\n"
                         "X1,A,2024/1/5,2,300\nX1,A,2024/1/5,1,50\nX2,B,2024/1/6,1,100\n"
                         "X3,,2024/1/6,1,100\n";
    assert_int_equal(import_text(db, IO_KIND_ORDERS, orders, 0, &rep), 0);
    assert_int_equal(rep.rows, 4);
    assert_int_equal(rep.created, 3);
    assert_int_equal(rep.orders, 3);
    assert_int_equal(rep.no_customer, 1);
    assert_int_equal(q(db, "SELECT amount FROM orders WHERE order_code='X1' AND line_no=1"), 600);
    assert_int_equal(q(db, "SELECT amount FROM orders WHERE order_code='X1' AND line_no=2"), 50);
    /* idempotent */
    assert_int_equal(import_text(db, IO_KIND_ORDERS, orders, 0, &rep), 0);
    assert_int_equal(rep.created, 0);
    assert_int_equal(rep.updated, 0);
    assert_int_equal(rep.unchanged, 3);
    /* all-or-nothing: one bad line, nothing written */
    assert_int_equal(
        import_text(db, IO_KIND_ORDERS,
                    "伝票番号,顧客ID,日付,金額\nY1,A,2024/2/1,100\nY2,A,2024/2/31,100\n", 0, &rep),
        -1);
    assert_int_equal(rep.bad_rows, 1);
    assert_non_null(strstr(rep.errors.data, "line 3, column 3"));
    assert_int_equal(q(db, "SELECT count(*) FROM orders WHERE order_code LIKE 'Y%'"), 0);
    /* skip: the good order is written */
    assert_int_equal(
        import_text(db, IO_KIND_ORDERS,
                    "伝票番号,顧客ID,日付,金額\nY1,A,2024/2/1,100\nY2,A,2024/2/31,100\n", 1, &rep),
        0);
    assert_int_equal(rep.created, 1);
    assert_int_equal(rep.rejected, 1);
    /* a return links to the customer's earlier order */
    assert_int_equal(import_text(db, IO_KIND_ORDERS,
                                 "伝票番号,顧客ID,日付,数量,金額\nZ1,A,2024/3/1,-1,-600\n", 0,
                                 &rep),
                     0);
    assert_int_equal(rep.returns, 1);
    assert_int_equal(q(db, "SELECT count(*) FROM orders WHERE order_code='Z1' AND "
                           "original_code='Y1'"),
                     1);
    import_report_release(&rep);
    test_db_close(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_dates),
        cmocka_unit_test(test_money_and_quantity),
        cmocka_unit_test(test_bool),
        cmocka_unit_test(test_orders_pipeline),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
