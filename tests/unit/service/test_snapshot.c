/* Tests for src/service/snapshot.c with src/store/history.c: the ledger loaded from a database
 * file (order lines read in chunks by two threads on two connections) equals the ledger built
 * line by line from the same rows; lines out of customer order, an empty orders table, and an
 * order line of an unknown customer. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "analytics/ledger.h"
#include "core/date.h"
#include "service/snapshot.h"
#include "store/history.h"
#include "store/store_test.h"

#define NCUST  60
#define NLINES 5000

/* Customers 1..NCUST, and NLINES one-line orders whose customers and dates are scrambled, so
 * that the table is neither in customer nor in date order. */
static void fill(struct db *db)
{
    char sql[1024];
    test_db_exec(db, "BEGIN");
    snprintf(sql, sizeof(sql),
             "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d) "
             "INSERT INTO customers(id, code, name, created_at) SELECT i, printf('C%%04d', i), "
             "printf('customer %%d', i), '2020-01-01 00:00:00' FROM n",
             NCUST);
    test_db_exec(db, sql);
    snprintf(sql, sizeof(sql),
             "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < %d) "
             "INSERT INTO orders(order_code, customer_id, ordered_at, amount, product_id) "
             "SELECT printf('O%%06d', i), 1 + (i * 7919) %% %d, "
             "date('2021-01-01', printf('+%%d days', (i * 104729) %% 700)) || ' 10:00:00', "
             "100 + (i * 31) %% 977 - CASE WHEN i %% 50 = 0 THEN 2000 ELSE 0 END, NULL FROM n",
             NLINES, NCUST);
    test_db_exec(db, sql);
    test_db_exec(db, "COMMIT");
}

/* The same ledger built the plain way: every row through ledger_builder_add_line. */
static struct ledger *build_plain(struct db *db)
{
    struct ok_err err;
    struct ledger_builder b;
    struct db_stmt *st;
    ledger_builder_init(&b, 0);
    st = db_prepare(db, "SELECT id FROM customers ORDER BY id", &err);
    assert_non_null(st);
    while (db_step(st, &err) == DB_ROW) {
        struct ledger_customer_in c = {.id = db_column_i64(st, 0),
                                       .created_day = LEDGER_NO_DAY,
                                       .owner_id = LEDGER_NONE,
                                       .source_id = LEDGER_NONE,
                                       .referred_by = LEDGER_NONE,
                                       .cause_id = LEDGER_NONE};
        assert_true(ledger_builder_add_customer(&b, &c, &err) >= 0);
    }
    db_stmt_free(&st);
    st = db_prepare(db, "SELECT customer_id, ordered_at, amount, order_code FROM orders", &err);
    assert_non_null(st);
    while (db_step(st, &err) == DB_ROW) {
        size_t n;
        const char *code;
        int32_t day;
        assert_int_equal(date_parse_iso(db_column_text(st, 1), 10, &day), 0);
        code = db_column_text_len(st, 3, &n);
        assert_int_equal(ledger_builder_add_line(&b, db_column_i64(st, 0), day,
                                                 db_column_i64(st, 2), store_order_key(code, n), 0,
                                                 &err),
                         0);
    }
    db_stmt_free(&st);
    struct ledger *l = ledger_builder_finish(&b, &err);
    assert_non_null(l);
    return l;
}

static void assert_same_lines(const struct ledger *a, const struct ledger *b)
{
    assert_int_equal(a->ncust, b->ncust);
    assert_int_equal(a->nlines, b->nlines);
    assert_int_equal(a->min_day, b->min_day);
    assert_int_equal(a->max_day, b->max_day);
    for (uint32_t c = 0; c < a->ncust; c++) {
        assert_int_equal(a->cust_id[c], b->cust_id[c]);
        assert_int_equal(a->seg_len[c], b->seg_len[c]);
        for (uint32_t i = 0; i < a->seg_len[c]; i++) {
            uint64_t x = a->seg_off[c] + i, y = b->seg_off[c] + i;
            assert_int_equal(a->line_day[x], b->line_day[y]);
            assert_int_equal(a->line_amount[x], b->line_amount[y]);
            assert_int_equal(a->line_order[x], b->line_order[y]);
            assert_int_equal(a->line_product[x], b->line_product[y]);
            if (i > 0) /* sorted by day */
                assert_true(a->line_day[x - 1] <= a->line_day[x]);
        }
    }
}

static void test_load_equals_plain_build(void **state)
{
    struct test_db t;
    struct db *db = test_db_open(&t);
    struct snapshot s;
    struct ok_err err;
    (void)state;
    fill(db);
    store_history_set_readers(2);
    assert_int_equal(snapshot_load(db, &s, &err), 0);
    struct ledger *plain = build_plain(db);
    assert_int_equal(s.ledger->nlines, NLINES);
    assert_same_lines(s.ledger, plain);
    /* Sums per customer straight from SQL, for one customer. */
    long c7 = ledger_customer_index(s.ledger, 7);
    assert_true(c7 >= 0);
    long long sum = 0;
    for (uint32_t i = 0; i < s.ledger->seg_len[c7]; i++)
        sum += s.ledger->line_amount[s.ledger->seg_off[c7] + i];
    assert_int_equal(sum, test_db_i64(db, "SELECT sum(amount) FROM orders WHERE customer_id = 7"));
    /* Loading twice gives the same (the connection is left usable, no transaction open), and
     * so does one reader. */
    snapshot_release(&s);
    assert_int_equal(snapshot_load(db, &s, &err), 0);
    assert_same_lines(s.ledger, plain);
    snapshot_release(&s);
    store_history_set_readers(1);
    assert_int_equal(snapshot_load(db, &s, &err), 0);
    assert_same_lines(s.ledger, plain);
    store_history_set_readers(2);
    assert_int_equal(test_db_i64(db, "SELECT count(*) FROM customers"), NCUST);
    snapshot_release(&s);
    ledger_free(&plain);
    test_db_close(&t);
}

static void test_no_orders(void **state)
{
    struct test_db t;
    struct db *db = test_db_open(&t);
    struct snapshot s;
    struct ok_err err;
    (void)state;
    test_db_exec(db, "INSERT INTO customers(id, code, name) VALUES (1, 'C1', 'one'), "
                     "(5, 'C5', 'five')");
    assert_int_equal(snapshot_load(db, &s, &err), 0);
    assert_int_equal(s.ledger->ncust, 2);
    assert_int_equal(s.ledger->nlines, 0);
    assert_int_equal(ledger_customer_index(s.ledger, 5), 1);
    assert_int_equal(ledger_customer_index(s.ledger, 4), -1);
    snapshot_release(&s);
    test_db_close(&t);
}

static void test_unknown_customer_fails(void **state)
{
    struct test_db t;
    struct db *db = test_db_open(&t);
    struct snapshot s;
    struct ok_err err;
    (void)state;
    fill(db);
    /* A line whose customer does not exist, near the end of the table (the second reader's
     * part); only possible with the foreign keys off. */
    test_db_exec(db, "PRAGMA foreign_keys=OFF");
    test_db_exec(db, "INSERT INTO orders(order_code, customer_id, ordered_at, amount) VALUES "
                     "('X1', 999, '2021-05-05 10:00:00', 10)");
    test_db_exec(db, "PRAGMA foreign_keys=ON");
    for (int readers = 1; readers <= 2; readers++) {
        store_history_set_readers(readers);
        assert_int_equal(snapshot_load(db, &s, &err), -1);
        assert_non_null(strstr(err.message, "999"));
        assert_null(s.ledger);
    }
    store_history_set_readers(0);
    /* The connection is still usable after the failed load. */
    assert_int_equal(test_db_i64(db, "SELECT count(*) FROM orders"), NLINES + 1);
    test_db_close(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_load_equals_plain_build),
        cmocka_unit_test(test_no_orders),
        cmocka_unit_test(test_unknown_customer_fails),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
