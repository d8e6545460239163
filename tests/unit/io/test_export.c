/*
 * test_export.c - exports: canonical header and values, money in major units, CP932 with
 * unencodable characters reported (and no file left), unknown columns and kinds.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../store/store_test.h"
#include "io/export.h"

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    char *data;
    long n;
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    n = ftell(f);
    fseek(f, 0, SEEK_SET);
    data = calloc(1, (size_t)n + 1);
    assert_int_equal(fread(data, 1, (size_t)n, f), (size_t)n);
    fclose(f);
    return data;
}

static int run_export(struct db *db, const char *kind, enum io_encoding enc, const char *cols,
                      const char *path, struct export_report *rep)
{
    struct export_options o;
    struct ok_err err;
    memset(&o, 0, sizeof(o));
    o.kind = kind;
    o.format = IO_FORMAT_CSV;
    o.encoding = enc;
    o.columns = cols;
    o.output = path;
    export_report_release(rep);
    export_report_init(rep);
    return export_run(db, &o, rep, &err);
}

static void test_csv(void **state)
{
    struct test_db t;
    struct db *db = test_db_open(&t);
    struct export_report rep;
    const char *path = "/tmp/okaeri-export-test.csv";
    char *s;
    (void)state;
    export_report_init(&rep);
    test_db_exec(db, "UPDATE settings SET value='USD' WHERE key='currency';"
                     "INSERT INTO customers(code, name, address) VALUES ('C1', '山田', '東京都①'),"
                     "('C2', 'Smith, J', NULL);"
                     "INSERT INTO orders(order_code, line_no, customer_id, ordered_at, quantity, "
                     "unit_price, amount) VALUES ('R1', 1, 1, '2024-01-05 10:00:00', 2, 1250, "
                     "2500), ('R1', 2, 2, '2024-01-05 10:00:00', -1, 99, -99);");
    assert_int_equal(run_export(db, "orders", IO_ENC_UTF8, NULL, path, &rep), 0);
    assert_int_equal(rep.rows, 2);
    s = slurp(path);
    assert_string_equal(s, "order_code,customer_code,ordered_at,product,quantity,unit_price,"
                           "amount,channel,store\r\n"
                           "R1,C1,2024-01-05 10:00:00,,2,12.50,25.00,,\r\n"
                           "R1,C2,2024-01-05 10:00:00,,-1,0.99,-0.99,,\r\n");
    free(s);
    assert_int_equal(run_export(db, "customers", IO_ENC_CP932, "name,code", path, &rep), 0);
    s = slurp(path);
    /* 山田 in CP932 is 8E 52 93 63; the comma forces quotes */
    assert_memory_equal(s, "name,code\r\n\x8e\x52\x93\x63,C1\r\n\"Smith, J\",C2\r\n", 30);
    free(s);
    test_db_exec(db, "UPDATE customers SET name = '𠮷田' WHERE code = 'C2'");
    assert_int_equal(run_export(db, "customers", IO_ENC_CP932, NULL, path, &rep), -1);
    assert_int_equal(rep.unencodable, 1);
    assert_non_null(strstr(rep.problems.data, "row 2, column name"));
    assert_null(fopen(path, "rb"));
    assert_int_equal(run_export(db, "customers", IO_ENC_UTF8_BOM, NULL, path, &rep), 0);
    s = slurp(path);
    assert_memory_equal(s,
                        "\xef\xbb\xbf"
                        "code,",
                        8);
    free(s);
    assert_int_equal(run_export(db, "customers", IO_ENC_UTF8, "code,nope", path, &rep), -1);
    assert_int_equal(run_export(db, "widgets", IO_ENC_UTF8, NULL, path, &rep), -1);
    unlink(path);
    export_report_release(&rep);
    test_db_close(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_csv),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
