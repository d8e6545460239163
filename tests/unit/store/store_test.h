/*
 * store_test.h - a fresh, migrated database in a temporary file for the store unit tests.
 *
 * WAL mode needs a real file, so each test gets one made with mkstemp under /tmp; it is removed
 * (with its -wal and -shm companions) when the test closes it.
 */
#ifndef OK_TESTS_STORE_TEST_H
#define OK_TESTS_STORE_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "db/db.h"
#include "db/migrate.h"

struct test_db {
    struct db *db;
    char path[64];
};

/* Opens a new database with the whole schema; aborts the test on failure. */
static inline struct db *test_db_open(struct test_db *t)
{
    struct ok_err err;
    int fd;
    snprintf(t->path, sizeof(t->path), "/tmp/okaeri-store-test-XXXXXX");
    fd = mkstemp(t->path);
    if (fd < 0) {
        perror("mkstemp");
        abort();
    }
    close(fd);
    t->db = db_open(t->path, DB_OPEN_CREATE, &err);
    if (!t->db) {
        fprintf(stderr, "db_open %s: %s\n", t->path, err.message);
        abort();
    }
    if (migrate_apply(t->db, NULL, &err) < 0) {
        fprintf(stderr, "migrate_apply: %s\n", err.message);
        abort();
    }
    return t->db;
}

static inline void test_db_close(struct test_db *t)
{
    char side[80];
    db_close(&t->db);
    unlink(t->path);
    snprintf(side, sizeof(side), "%s-wal", t->path);
    unlink(side);
    snprintf(side, sizeof(side), "%s-shm", t->path);
    unlink(side);
}

/* Runs SQL that must succeed (test fixtures); aborts with the message otherwise. */
static inline void test_db_exec(struct db *db, const char *sql)
{
    struct ok_err err;
    if (db_exec(db, sql, &err) < 0) {
        fprintf(stderr, "fixture SQL failed: %s\n%s\n", err.message, sql);
        abort();
    }
}

/* The first column of the first row of sql as an integer (-1 when no row). */
static inline long long test_db_i64(struct db *db, const char *sql)
{
    struct ok_err err;
    int64_t v = -1;
    if (db_query_i64(db, sql, &v, &err) < 0) {
        fprintf(stderr, "query failed: %s\n%s\n", err.message, sql);
        abort();
    }
    return (long long)v;
}

#endif
