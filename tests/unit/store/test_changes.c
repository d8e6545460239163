/*
 * test_changes.c - the cross-process change listener on PostgreSQL: writes of other processes
 * are seen once committed (not before, not when rolled back), this process's own writes and
 * writes to unwatched tables are not, and a lost listener connection reports "maybe changed"
 * and listens again. Needs OKAERI_TEST_PG_URL (set by tests/pg/run); skipped without it. On
 * SQLite changes_poll always reports nothing.
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
#include "db/migrate.h"
#include "store/changes.h"

static void exec_ok(struct db *db, const char *sql)
{
    struct ok_err err;
    if (db_exec(db, sql, &err) < 0)
        fail_msg("%s: %s", sql, err.message);
}

static int poll_ok(struct changes *ch)
{
    struct ok_err err;
    int rc = changes_poll(ch, &err);
    if (rc < 0)
        fail_msg("changes_poll: %s", err.message);
    return rc;
}

static void test_changes_sqlite(void **state)
{
    struct ok_err err;
    char path[] = "/tmp/okaeri-changes-XXXXXX";
    int fd = mkstemp(path);
    struct changes *ch;
    struct db *db;
    (void)state;
    assert_true(fd >= 0);
    close(fd);
    unlink(path);
    db = db_open(path, DB_OPEN_CREATE, &err);
    assert_non_null(db);
    assert_int_equal(migrate_apply(db, NULL, &err), 0);
    ch = changes_open(path, &err);
    assert_non_null(ch);
    exec_ok(db, "INSERT INTO customers(code, name) VALUES ('S1', 'x')");
    assert_int_equal(poll_ok(ch), 0);
    assert_string_equal(changes_origin(ch), "");
    changes_close(&ch);
    db_close(&db);
    unlink(path);
}

static void test_changes_postgres(void **state)
{
    const char *url = getenv("OKAERI_TEST_PG_URL");
    struct ok_err err;
    struct db *admin, *other, *own;
    struct changes *ch;
    char schema[64], target[1024], sql[256];
    (void)state;
    if (!url || !*url)
        skip();
    snprintf(schema, sizeof(schema), "okaeri_changes_%ld", (long)getpid());
    admin = db_open(url, 0, &err);
    assert_non_null(admin);
    snprintf(sql, sizeof(sql), "DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s", schema,
             schema);
    exec_ok(admin, sql);
    snprintf(target, sizeof(target), "%s%soptions=-csearch_path%%3D%s", url,
             strchr(url, '?') ? "&" : "?", schema);

    /* another process: a connection opened before this process got its origin */
    other = db_open(target, 0, &err);
    assert_non_null(other);
    assert_int_equal(migrate_apply(other, NULL, &err), 0);
    ch = changes_open(target, &err);
    if (!ch)
        fail_msg("changes_open: %s", err.message);
    assert_true(strlen(changes_origin(ch)) > 0);
    own = db_open(target, 0, &err);
    assert_non_null(own);
    assert_int_equal(poll_ok(ch), 0);

    /* this process's own writes are not foreign changes */
    exec_ok(own, "INSERT INTO customers(code, name) VALUES ('OWN1', 'own')");
    assert_int_equal(poll_ok(ch), 0);

    /* another process's committed write is seen once */
    exec_ok(other, "INSERT INTO customers(code, name) VALUES ('OTH1', 'other')");
    assert_int_equal(poll_ok(ch), 1);
    assert_int_equal(poll_ok(ch), 0);

    /* not before its commit, not at all when rolled back */
    exec_ok(other, "BEGIN; UPDATE customers SET name = 'x' WHERE code = 'OTH1'");
    assert_int_equal(poll_ok(ch), 0);
    exec_ok(other, "COMMIT");
    assert_int_equal(poll_ok(ch), 1);
    exec_ok(other, "BEGIN; DELETE FROM customers WHERE code = 'OTH1'; ROLLBACK");
    assert_int_equal(poll_ok(ch), 0);

    /* unwatched tables (the audit log changes on every request) are ignored */
    exec_ok(other, "INSERT INTO audit_log(action, entity) VALUES ('test', 'none')");
    assert_int_equal(poll_ok(ch), 0);
    /* a watched table other than customers */
    exec_ok(other, "UPDATE settings SET value = value");
    assert_int_equal(poll_ok(ch), 1);
    assert_int_equal(changes_seen(ch), 3);

    /* installing again (a second server starting) changes nothing */
    assert_int_equal(changes_install(own, &err), 0);
    exec_ok(other, "INSERT INTO customers(code, name) VALUES ('OTH2', 'other')");
    assert_int_equal(poll_ok(ch), 1); /* one trigger per table, not two */
    assert_int_equal(poll_ok(ch), 0);

    /* the listener loses its connection: "maybe changed", then it listens again */
    /* (the listener is the idle connection whose last query was the empty poll) */
    exec_ok(admin, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> "
                   "pg_backend_pid() AND state = 'idle' AND query = '' AND datname = "
                   "current_database()");
    {
        int rc = changes_poll(ch, &err);
        if (rc < 0)
            rc = poll_ok(ch);
        assert_int_equal(rc, 1);
    }
    assert_int_equal(poll_ok(ch), 0);
    exec_ok(other, "INSERT INTO customers(code, name) VALUES ('OTH3', 'other')");
    assert_int_equal(poll_ok(ch), 1);

    changes_close(&ch);
    db_pg_set_origin(NULL);
    db_close(&own);
    db_close(&other);
    snprintf(sql, sizeof(sql), "DROP SCHEMA IF EXISTS %s CASCADE", schema);
    exec_ok(admin, sql);
    db_close(&admin);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_changes_sqlite),
        cmocka_unit_test(test_changes_postgres),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
