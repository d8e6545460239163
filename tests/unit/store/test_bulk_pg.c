/*
 * test_bulk_pg.c - the bulk loader and the history scan on PostgreSQL: a load into empty tables
 * (constraints, indexes and foreign keys dropped, tables truncated, rows COPYed frozen by a
 * sending thread) leaves exactly the schema it found, validated; a load that breaks a key fails
 * at bulk_finish and leaves nothing behind; a second load into filled tables keeps everything;
 * an aborted load rolls back; COPY TO STDOUT round-trips awkward text and stops cleanly; the
 * two-connection scan of order lines gives what one reader gives. Needs OKAERI_TEST_PG_URL
 * (tests/pg/run sets it); without it the tests are skipped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/date.h"
#include "db/db.h"
#include "db/db_postgres.h"
#include "pg_test.h"
#include "db/migrate.h"
#include "store/bulk.h"
#include "store/history.h"
#include "store/import_rows.h"

static int setup(void **state)
{
    struct pg_test *f = pg_test_open("okaeri_bulk");
    struct ok_err err;
    int applied = 0;
    if (f && migrate_apply(f->db, &applied, &err) < 0)
        fail_msg("migrate: %s", err.message);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    pg_test_close(*state);
    return 0;
}

#define NEED_PG()                                                                                  \
    struct pg_test *f = *state;                                                                    \
    if (!f)                                                                                        \
        skip();

/* The schema's indexes and constraints as one text (definitions and validity), to compare
 * before and after a load. */
static char *schema_text(struct db *db)
{
    struct ok_err err;
    struct db_stmt *st = db_prepare(
        db,
        "SELECT string_agg(d, E'\\n' ORDER BY d) FROM ("
        "SELECT pg_get_indexdef(i.indexrelid) AS d FROM pg_index i JOIN pg_class c ON c.oid = "
        "i.indrelid WHERE c.relnamespace = current_schema()::regnamespace "
        "UNION ALL SELECT conrelid::regclass::text || ' ' || conname || ' ' || "
        "pg_get_constraintdef(oid) || ' valid=' || convalidated FROM pg_constraint WHERE "
        "connamespace = current_schema()::regnamespace) x",
        &err);
    char *s;
    if (!st || db_step(st, &err) != DB_ROW)
        fail_msg("schema: %s", err.message);
    s = db_column_strdup(st, 0);
    db_stmt_free(&st);
    return s;
}

/* A small business: 2 products, n customers with 3 order lines each (one without product);
 * codes of customers and products start with cp, those of orders with op. */
static int load_codes(struct db *db, int n, int dup_code, const char *cp, const char *op,
                      struct ok_err *err)
{
    struct bulk *b = bulk_begin(db, 0, err);
    int64_t p1, p2;
    char code[32], order[32], sku[2][16];
    if (!b)
        return -1;
    snprintf(sku[0], sizeof(sku[0]), "%sA", cp);
    snprintf(sku[1], sizeof(sku[1]), "%sB", cp);
    p1 = bulk_product(b, &(struct bulk_product){.sku = sku[0], .name = "Apple", .price = 120}, err);
    p2 = bulk_product(b, &(struct bulk_product){.sku = sku[1], .name = "Tab\there", .price = -1},
                      err);
    if (p1 < 0 || p2 < 0)
        goto fail;
    for (int i = 0; i < n; i++) {
        int64_t id;
        snprintf(code, sizeof(code), "%sC%06d", cp, dup_code && i == n - 1 ? 0 : i);
        id = bulk_customer(b,
                           &(struct bulk_customer){.code = code,
                                                   .name = "Back\\slash\nname",
                                                   .birthday = BULK_NO_DATE,
                                                   .unsubscribed_on = BULK_NO_DATE,
                                                   .created_on = 19000 + i % 300},
                           err);
        if (id < 0)
            goto fail;
        for (int k = 0; k < 3; k++) {
            snprintf(order, sizeof(order), "%sO%06d", op, i);
            if (bulk_order_line(b,
                                &(struct bulk_order_line){.order_code = order,
                                                          .line_no = k + 1,
                                                          .customer_id = id,
                                                          .day = 19000 + i % 300 + k,
                                                          .secs = 3600 * k,
                                                          .product_id = k == 2 ? 0 : (k ? p2 : p1),
                                                          .quantity = 1,
                                                          .unit_price = 100 + k,
                                                          .amount = k == 2 ? -5 : 100 + k,
                                                          .channel = "store"},
                                err) < 0)
                goto fail;
        }
    }
    return bulk_finish(&b, err);
fail:
    bulk_abort(&b);
    return -1;
}

static int load(struct db *db, int n, int dup_code, struct ok_err *err)
{
    return load_codes(db, n, dup_code, "", "", err);
}

static void test_load_into_empty_tables(void **state)
{
    NEED_PG();
    struct ok_err err;
    char *before = schema_text(f->db), *after;
    /* 20000 customers and 60000 lines: several COPY chunks per table through the sender. */
    if (load(f->db, 20000, 0, &err) < 0)
        fail_msg("load: %s", err.message);
    assert_int_equal(pg_query_i64(f->db, "SELECT count(*) FROM customers"), 20000);
    assert_int_equal(pg_query_i64(f->db, "SELECT count(*) FROM orders"), 60000);
    assert_int_equal(pg_query_i64(f->db, "SELECT count(*) FROM orders WHERE product_id IS NULL"),
                     20000);
    assert_int_equal(pg_query_i64(f->db, "SELECT sum(amount) FROM orders"),
                     20000 * (100 + 101 - 5));
    assert_int_equal(pg_query_i64(f->db, "SELECT count(*) FROM customers WHERE name = "
                                         "E'Back\\\\slash\\nname'"),
                     20000);
    assert_int_equal(pg_query_i64(f->db, "SELECT count(*) FROM products WHERE name = E'Tab\\there' "
                                         "AND price IS NULL"),
                     1);
    after = schema_text(f->db);
    assert_string_equal(before, after); /* same keys, indexes and foreign keys, all validated */
    /* The identity moved past the loader's ids: a plain insert gets the next one. */
    assert_int_equal(pg_query_i64(f->db, "INSERT INTO customers(code, name) VALUES ('X', 'x') "
                                         "RETURNING id"),
                     20001);
    free(before);
    free(after);
}

static void test_broken_key_rolls_back(void **state)
{
    NEED_PG();
    struct ok_err err;
    char *before = schema_text(f->db), *after;
    /* The last customer repeats the first one's code: only the UNIQUE rebuilt at the end sees
     * it. */
    assert_int_equal(load(f->db, 5000, 1, &err), -1);
    assert_int_equal(err.code, OK_ERR_CONFLICT);
    assert_int_equal(pg_query_i64(f->db, "SELECT count(*) FROM customers"), 0);
    assert_int_equal(pg_query_i64(f->db, "SELECT count(*) FROM orders"), 0);
    after = schema_text(f->db);
    assert_string_equal(before, after);
    free(before);
    free(after);
}

static void test_second_load_keeps_constraints(void **state)
{
    NEED_PG();
    struct ok_err err;
    char *before;
    if (load(f->db, 100, 0, &err) < 0)
        fail_msg("load: %s", err.message);
    before = schema_text(f->db);
    /* Same order codes again: the kept UNIQUE (order_code, line_no) refuses them during COPY. */
    assert_int_equal(load_codes(f->db, 100, 0, "x", "", &err), -1);
    assert_int_equal(err.code, OK_ERR_CONFLICT);
    assert_int_equal(pg_query_i64(f->db, "SELECT count(*) FROM orders"), 300);
    assert_int_equal(pg_query_i64(f->db, "SELECT count(*) FROM customers"), 100);
    pg_exec_ok(f->db, "DELETE FROM orders");
    if (load_codes(f->db, 100, 0, "y", "y", &err) < 0)
        fail_msg("second load: %s", err.message);
    /* Products and customers were not empty: their keys stayed; ids continue. */
    assert_int_equal(pg_query_i64(f->db, "SELECT max(id) FROM customers"), 200);
    assert_int_equal(pg_query_i64(f->db, "SELECT count(*) FROM orders"), 300);
    {
        char *after = schema_text(f->db);
        assert_string_equal(before, after);
        free(after);
    }
    free(before);
}

static void test_abort_rolls_back(void **state)
{
    NEED_PG();
    struct ok_err err;
    char *before = schema_text(f->db), *after;
    struct bulk *b = bulk_begin(f->db, 0, &err);
    char code[16];
    assert_non_null(b);
    for (int i = 0; i < 50000; i++) {
        snprintf(code, sizeof(code), "C%d", i);
        assert_true(bulk_customer(b,
                                  &(struct bulk_customer){.code = code,
                                                          .name = "n",
                                                          .birthday = BULK_NO_DATE,
                                                          .unsubscribed_on = BULK_NO_DATE,
                                                          .created_on = 19000},
                                  &err) > 0);
    }
    bulk_abort(&b);
    assert_null(b);
    assert_int_equal(pg_query_i64(f->db, "SELECT count(*) FROM customers"), 0);
    after = schema_text(f->db);
    assert_string_equal(before, after);
    free(before);
    free(after);
}

struct rows_seen {
    int n;
    int stop_at;
    char text[4][64];
    int nulls;
};

static int on_row(void *ctx, int nfields, char **fields, const size_t *lens, struct ok_err *err)
{
    struct rows_seen *r = ctx;
    assert_int_equal(nfields, 2);
    if (r->n < 4 && fields[1]) {
        assert_int_equal(strlen(fields[1]), lens[1]);
        snprintf(r->text[r->n], sizeof(r->text[0]), "%s", fields[1]);
    }
    if (!fields[1])
        r->nulls++;
    if (++r->n == r->stop_at)
        return ok_err_set(err, OK_ERR_INVALID, "enough");
    return 0;
}

static void test_copy_out(void **state)
{
    NEED_PG();
    struct ok_err err;
    struct rows_seen r = {0};
    pg_exec_ok(f->db, "CREATE TABLE t(id bigint, v text)");
    pg_exec_ok(f->db, "INSERT INTO t VALUES (1, E'a\\tb'), (2, E'back\\\\slash\\nnew\\rline'), "
                      "(3, NULL), (4, '\\N'), (5, '')");
    if (db_pg_copy_out(f->db, "COPY (SELECT id, v FROM t ORDER BY id) TO STDOUT", on_row, &r,
                       &err) < 0)
        fail_msg("copy out: %s", err.message);
    assert_int_equal(r.n, 5);
    assert_int_equal(r.nulls, 1);
    assert_string_equal(r.text[0], "a\tb");
    assert_string_equal(r.text[1], "back\\slash\nnew\rline");
    assert_string_equal(r.text[3], "\\N"); /* the text, not NULL */
    /* Stopping early: the error comes back and the connection stays usable. */
    pg_exec_ok(f->db, "INSERT INTO t SELECT g, 'x' FROM generate_series(6, 300000) g");
    memset(&r, 0, sizeof(r));
    r.stop_at = 10;
    assert_int_equal(
        db_pg_copy_out(f->db, "COPY (SELECT id, v FROM t) TO STDOUT", on_row, &r, &err), -1);
    assert_string_equal(err.message, "enough");
    assert_int_equal(r.n, 10);
    assert_int_equal(pg_query_i64(f->db, "SELECT count(*) FROM t"), 300000);
}

/* Sums of what the scan delivers, per reader setting. */
struct scan_sums {
    int64_t lines, amount, days, products, keys;
    int64_t part_lines[HISTORY_LINE_PARTS];
    int64_t last_amount_seen[HISTORY_LINE_PARTS]; /* order within a part: ids ascending */
    int out_of_order;
    pthread_t threads[2];
    int nthreads; /* distinct threads that delivered lines (at most 2 counted) */
    pthread_mutex_t mu;
    int64_t customers, customer_ids, created_days, odd_customers;
};

static int on_customer(void *ctx, const struct history_customer *c, struct ok_err *err)
{
    struct scan_sums *s = ctx;
    s->customers++;
    s->customer_ids += c->id;
    s->created_days += c->created_day;
    if (c->owner_id || c->referred_by || c->cause_id || strcmp(c->source, "") != 0)
        s->odd_customers++;
    return 0;
}

static int on_lines(void *ctx, unsigned part, const struct history_line *l, size_t n,
                    struct ok_err *err)
{
    struct scan_sums *s = ctx;
    pthread_t self = pthread_self();
    pthread_mutex_lock(&s->mu);
    if (!(s->nthreads > 0 && pthread_equal(s->threads[0], self)) &&
        !(s->nthreads > 1 && pthread_equal(s->threads[1], self)) && s->nthreads < 2)
        s->threads[s->nthreads++] = self;
    pthread_mutex_unlock(&s->mu);
    for (size_t i = 0; i < n; i++) {
        __atomic_add_fetch(&s->lines, 1, __ATOMIC_RELAXED);
        __atomic_add_fetch(&s->amount, l[i].amount, __ATOMIC_RELAXED);
        __atomic_add_fetch(&s->days, l[i].day, __ATOMIC_RELAXED);
        __atomic_add_fetch(&s->products, l[i].product_id, __ATOMIC_RELAXED);
        __atomic_add_fetch(&s->keys, l[i].order_key, __ATOMIC_RELAXED);
        /* In the test data the customer id grows with the line id. */
        if (l[i].customer_id < s->last_amount_seen[part])
            s->out_of_order = 1;
        s->last_amount_seen[part] = l[i].customer_id;
        s->part_lines[part]++;
    }
    return 0;
}

static void test_history_two_readers(void **state)
{
    NEED_PG();
    struct ok_err err;
    struct scan_sums one = {.mu = PTHREAD_MUTEX_INITIALIZER},
                     two = {.mu = PTHREAD_MUTEX_INITIALIZER};
    struct history_sink sink = {.lines = on_lines, .customer = on_customer};
    if (load(f->db, 20000, 0, &err) < 0)
        fail_msg("load: %s", err.message);
    store_history_set_readers(1);
    sink.ctx = &one;
    if (store_history_scan(f->db, &sink, &err) < 0)
        fail_msg("scan: %s", err.message);
    store_history_set_readers(2);
    sink.ctx = &two;
    if (store_history_scan(f->db, &sink, &err) < 0)
        fail_msg("scan: %s", err.message);
    store_history_set_readers(0);
    assert_int_equal(one.nthreads, 1);
    assert_int_equal(two.nthreads, 2); /* the second connection did read */
    assert_int_equal(one.lines, 60000);
    assert_int_equal(two.lines, 60000);
    assert_int_equal(one.amount, 20000 * (100 + 101 - 5));
    assert_int_equal(two.amount, one.amount);
    assert_int_equal(two.days, one.days);
    assert_int_equal(two.products, one.products);
    assert_int_equal(two.keys, one.keys);
    assert_int_equal(one.customers, 20000);
    assert_int_equal(two.customers, 20000);
    assert_int_equal(one.customer_ids, 20000LL * 20001 / 2);
    assert_int_equal(one.odd_customers, 0);
    assert_int_equal(two.created_days, one.created_days);
    assert_int_equal(one.out_of_order, 0);
    assert_int_equal(two.out_of_order, 0);
    for (int p = 0; p < HISTORY_LINE_PARTS; p++) {
        assert_int_equal(two.part_lines[p], one.part_lines[p]);
        assert_true(one.part_lines[p] > 0);
    }
    /* The day of a line: 19000 + i % 300 + k for customer i, line k. */
    {
        int64_t days = 0;
        int64_t created = 0;
        for (int i = 0; i < 20000; i++) {
            days += 3 * (19000 + i % 300) + 3;
            created += 19000 + i % 300;
        }
        assert_int_equal(one.days, days);
        assert_int_equal(one.created_days, created);
    }
}

/* Imports n lines for customer 1 into orders (inside one transaction, as io/import.c does);
 * returns 0 or -1 with err. */
static int import_lines(struct db *db, int n, int64_t counts[3], struct ok_err *err)
{
    struct order_upsert *u;
    char code[32];
    if (db_begin(db, err) < 0)
        return -1;
    u = store_order_upsert_new(db, err);
    if (!u)
        goto fail;
    for (int i = 0; i < n; i++) {
        snprintf(code, sizeof(code), "I%06d", i / 2);
        if (store_order_upsert_add(u,
                                   &(struct bulk_order_line){.order_code = code,
                                                             .line_no = i % 2 + 1,
                                                             .customer_id = 1,
                                                             .day = 19000 + i,
                                                             .product_id = i % 2 ? 1 : 0,
                                                             .quantity = i == n - 1 ? -1 : 1,
                                                             .amount = i == n - 1 ? -10 : 10},
                                   1, err) < 0)
            goto fail;
    }
    if (store_order_upsert_counts(u, &counts[0], &counts[1], &counts[2], err) < 0)
        goto fail;
    store_order_upsert_free(&u);
    return db_commit(db, err);
fail:
    store_order_upsert_free(&u);
    db_rollback(db);
    return -1;
}

static void test_import_into_empty_orders(void **state)
{
    NEED_PG();
    struct ok_err err;
    int64_t c[3];
    char *before, *after;
    pg_exec_ok(f->db, "INSERT INTO customers(code, name) VALUES ('C1', 'one');"
                      "INSERT INTO products(sku, name) VALUES ('P1', 'one')");
    before = schema_text(f->db);
    if (import_lines(f->db, 1001, c, &err) < 0)
        fail_msg("import: %s", err.message);
    assert_int_equal(c[0], 1001);
    assert_int_equal(c[1], 0);
    assert_int_equal(c[2], 0);
    after = schema_text(f->db);
    assert_string_equal(before, after); /* indexes and foreign keys back, validated */
    free(after);
    /* The return was linked to the latest earlier line of its product. */
    assert_int_equal(pg_query_i64(f->db, "SELECT count(*) FROM orders WHERE quantity < 0 AND "
                                         "original_code = 'I000499'"),
                     1);
    /* Again: into a filled table nothing is dropped, and nothing changes. */
    if (import_lines(f->db, 1001, c, &err) < 0)
        fail_msg("reimport: %s", err.message);
    assert_int_equal(c[0], 0);
    assert_int_equal(c[2], 1001);
    after = schema_text(f->db);
    assert_string_equal(before, after);
    free(after);
    /* A line of a customer that does not exist fails at the end, and leaves nothing behind. */
    pg_exec_ok(f->db, "DELETE FROM orders");
    {
        struct order_upsert *u;
        assert_int_equal(db_begin(f->db, &err), 0);
        u = store_order_upsert_new(f->db, &err);
        assert_non_null(u);
        assert_int_equal(store_order_upsert_add(u,
                                                &(struct bulk_order_line){.order_code = "X",
                                                                          .line_no = 1,
                                                                          .customer_id = 99,
                                                                          .day = 19000,
                                                                          .quantity = 1,
                                                                          .amount = 1},
                                                1, &err),
                         0);
        assert_int_equal(store_order_upsert_counts(u, &c[0], &c[1], &c[2], &err), -1);
        store_order_upsert_free(&u);
        db_rollback(f->db);
    }
    assert_int_equal(pg_query_i64(f->db, "SELECT count(*) FROM orders"), 0);
    after = schema_text(f->db);
    assert_string_equal(before, after);
    free(after);
    free(before);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_load_into_empty_tables, setup, teardown),
        cmocka_unit_test_setup_teardown(test_broken_key_rolls_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_second_load_keeps_constraints, setup, teardown),
        cmocka_unit_test_setup_teardown(test_abort_rolls_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_copy_out, setup, teardown),
        cmocka_unit_test_setup_teardown(test_history_two_readers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_import_into_empty_orders, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
