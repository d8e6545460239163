/*
 * test_db_postgres.c - the PostgreSQL driver's streaming of big SELECTs (cursor batches inside a
 * transaction block): every row arrives once, parameters keep their values when quoted into the
 * cursor's text, other statements run between batches, abandoned cursors are closed, and a
 * stream whose transaction ended fails cleanly. Needs OKAERI_TEST_PG_URL (tests/pg/run sets
 * it); without it the tests are skipped.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/db.h"
#include "db/db_postgres.h"
#include "pg_test.h"

static int setup(void **state)
{
    struct pg_test *f = pg_test_open("okaeri_stream");
    if (f) {
        pg_exec_ok(f->db, "CREATE TABLE t(id bigint PRIMARY KEY, v text)");
        pg_exec_ok(f->db, "INSERT INTO t SELECT g, 'row ' || g FROM generate_series(1, 25003) g");
    }
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

/* Open cursors of this session (pg_cursors), read outside any cursor of our own. */
static int64_t open_cursors(struct db *db)
{
    /* db_query_i64 prepares a fresh statement, which itself streams inside a transaction: it
     * counts itself, hence the - 1. */
    return pg_query_i64(db, "SELECT count(*) FROM pg_cursors") - 1;
}

static void test_stream_every_row_once(void **state)
{
    NEED_PG();
    struct ok_err err;
    struct db_stmt *st;
    int64_t n = 0, sum = 0, last = 0;
    int rc, ordered = 1;
    assert_int_equal(db_begin(f->db, &err), 0);
    st = db_prepare(f->db, "SELECT id, v FROM t WHERE id >= ? ORDER BY id", &err);
    assert_non_null(st);
    db_bind_i64(st, 1, 1);
    while ((rc = db_step(st, &err)) == DB_ROW) {
        int64_t id = db_column_i64(st, 0);
        char want[32];
        snprintf(want, sizeof(want), "row %lld", (long long)id);
        if (strcmp(db_column_text(st, 1), want))
            fail_msg("row %lld has %s", (long long)id, db_column_text(st, 1));
        ordered &= id == last + 1;
        last = id;
        sum += id;
        n++;
        if (n == 15000) /* mid-stream: the statement is a cursor, and only one is open */
            assert_int_equal(open_cursors(f->db), 1);
    }
    assert_int_equal(rc, DB_DONE);
    assert_int_equal(n, 25003);
    assert_int_equal(sum, (int64_t)25003 * 25004 / 2);
    assert_true(ordered);
    /* stepping past the end stays done; a reset runs it again from the start */
    assert_int_equal(db_step(st, &err), DB_DONE);
    db_reset(st);
    db_bind_i64(st, 1, 25000);
    n = 0;
    while (db_step(st, &err) == DB_ROW)
        n++;
    assert_int_equal(n, 4);
    db_stmt_free(&st);
    assert_int_equal(db_commit(f->db, &err), 0);
}

/* Other statements on the same connection between rows of a stream, as SQLite allows. */
static void test_stream_interleaved_writes(void **state)
{
    NEED_PG();
    struct ok_err err;
    struct db_stmt *st, *up;
    int64_t n = 0;
    assert_int_equal(db_begin(f->db, &err), 0);
    st = db_prepare(f->db, "SELECT id FROM t ORDER BY id", &err);
    up = db_prepare(f->db, "UPDATE t SET v = 'seen' WHERE id = ?", &err);
    assert_non_null(st);
    assert_non_null(up);
    while (db_step(st, &err) == DB_ROW) {
        if (db_column_i64(st, 0) % 1000 == 0) {
            db_bind_i64(up, 1, db_column_i64(st, 0));
            assert_int_equal(db_step(up, &err), DB_DONE);
            db_reset(up);
        }
        n++;
    }
    assert_int_equal(n, 25003);
    db_stmt_free(&st);
    db_stmt_free(&up);
    assert_int_equal(pg_query_i64(f->db, "SELECT count(*) FROM t WHERE v = 'seen'"), 25);
    db_rollback(f->db);
    assert_int_equal(pg_query_i64(f->db, "SELECT count(*) FROM t WHERE v = 'seen'"), 0);
}

/* Parameters quoted into the cursor's text keep their exact values. */
static void test_stream_parameters(void **state)
{
    NEED_PG();
    struct ok_err err;
    struct db_stmt *st;
    const char *odd = "it's a \\ back'slash \"quote\" 日本語 $1 ? -- not a comment";
    assert_int_equal(db_begin(f->db, &err), 0);
    st = db_prepare(f->db,
                    "SELECT ?::text, ? IS NULL, ?::bigint + 1, ?::double precision, "
                    "'literal ?' /* ? */ FROM t WHERE id = ?",
                    &err);
    assert_non_null(st);
    db_bind_text(st, 1, odd, (size_t)-1);
    db_bind_null(st, 2);
    db_bind_i64(st, 3, INT64_C(9007199254740993));
    db_bind_double(st, 4, 0.1);
    db_bind_i64(st, 5, 7);
    assert_int_equal(db_step(st, &err), DB_ROW);
    assert_string_equal(db_column_text(st, 0), odd);
    assert_int_equal(db_column_i64(st, 1), 1);
    assert_int_equal(db_column_i64(st, 2), INT64_C(9007199254740994));
    assert_true(db_column_double(st, 3) == 0.1);
    assert_string_equal(db_column_text(st, 4), "literal ?");
    assert_int_equal(db_step(st, &err), DB_DONE);
    db_stmt_free(&st);
    assert_int_equal(db_commit(f->db, &err), 0);
}

/* Streams left before their end (a lookup reading only the first row, many times in one
 * transaction) do not pile up on the server. */
static void test_abandoned_cursors_closed(void **state)
{
    NEED_PG();
    struct ok_err err;
    assert_int_equal(db_begin(f->db, &err), 0);
    for (int i = 0; i < 500; i++) {
        struct db_stmt *st = db_prepare(f->db, "SELECT id FROM t ORDER BY id", &err);
        assert_non_null(st);
        assert_int_equal(db_step(st, &err), DB_ROW);
        assert_int_equal(db_column_i64(st, 0), 1);
        db_stmt_free(&st);
    }
    assert_true(open_cursors(f->db) <= 64 + 1);
    assert_int_equal(db_commit(f->db, &err), 0);
}

/* Outside a transaction block nothing streams (a cursor would not outlive the statement), and
 * a stream whose transaction ended fails with a message instead of returning wrong rows. */
static void test_stream_outside_and_after_commit(void **state)
{
    NEED_PG();
    struct ok_err err;
    struct db_stmt *st;
    int64_t n = 0;
    int rc;
    st = db_prepare(f->db, "SELECT id FROM t", &err);
    while (db_step(st, &err) == DB_ROW)
        n++;
    assert_int_equal(n, 25003);
    db_stmt_free(&st);

    assert_int_equal(db_begin(f->db, &err), 0);
    st = db_prepare(f->db, "SELECT id FROM t ORDER BY id", &err);
    assert_int_equal(db_step(st, &err), DB_ROW);
    assert_int_equal(db_commit(f->db, &err), 0);
    n = 1;
    while ((rc = db_step(st, &err)) == DB_ROW)
        n++;
    assert_int_equal(rc, -1);
    assert_int_equal(n, 10000); /* the first batch, then the cursor is gone */
    assert_non_null(strstr(err.message, "does not exist"));
    db_stmt_free(&st);
    /* the connection is fine afterwards */
    assert_int_equal(pg_query_i64(f->db, "SELECT count(*) FROM t"), 25003);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_stream_every_row_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stream_interleaved_writes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stream_parameters, setup, teardown),
        cmocka_unit_test_setup_teardown(test_abandoned_cursors_closed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stream_outside_and_after_commit, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
