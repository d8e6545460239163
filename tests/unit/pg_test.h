/*
 * pg_test.h - a private schema on the PostgreSQL server of $OKAERI_TEST_PG_URL for one test
 * program (tests/pg/run sets it; without it the PostgreSQL tests skip), and the two checked
 * statement helpers those tests use.
 */
#ifndef OK_TESTS_PG_TEST_H
#define OK_TESTS_PG_TEST_H

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

#include "db/db.h"

struct pg_test {
    struct db *db;
    char schema[64];
};

static inline void pg_exec_ok(struct db *db, const char *sql)
{
    struct ok_err err;
    if (db_exec(db, sql, &err) < 0)
        fail_msg("%s: %s", sql, err.message);
}

static inline int64_t pg_query_i64(struct db *db, const char *sql)
{
    struct ok_err err;
    int64_t v = -1;
    if (db_query_i64(db, sql, &v, &err) != 1)
        fail_msg("%s: %s", sql, err.message);
    return v;
}

/* Connects and makes an empty schema named prefix_<pid> the search path; NULL when no server is
 * configured. */
static inline struct pg_test *pg_test_open(const char *prefix)
{
    const char *url = getenv("OKAERI_TEST_PG_URL");
    struct pg_test *t;
    struct ok_err err;
    char sql[320];
    if (!url || !*url)
        return NULL;
    t = calloc(1, sizeof(*t));
    t->db = db_open(url, 0, &err);
    if (!t->db)
        fail_msg("cannot connect: %s", err.message);
    snprintf(t->schema, sizeof(t->schema), "%s_%ld", prefix, (long)getpid());
    snprintf(sql, sizeof(sql),
             "DROP SCHEMA IF EXISTS %s CASCADE; CREATE SCHEMA %s; SET search_path = %s", t->schema,
             t->schema, t->schema);
    pg_exec_ok(t->db, sql);
    return t;
}

/* Ends any transaction a failed test left open, drops the schema and disconnects. */
static inline void pg_test_close(struct pg_test *t)
{
    char sql[128];
    if (!t)
        return;
    if (t->db->tx_depth > 0)
        db_rollback(t->db);
    snprintf(sql, sizeof(sql), "ROLLBACK; DROP SCHEMA IF EXISTS %s CASCADE", t->schema);
    pg_exec_ok(t->db, sql);
    db_close(&t->db);
    free(t);
}

#endif
