/*
 * db_postgres.h - what the PostgreSQL driver offers beyond the db.h interface.
 *
 * The driver itself is reached through db_open("postgresql://..."); this header exposes the
 * pieces that are useful on their own: the `?` -> `$n` placeholder rewriting (tested directly)
 * and the bulk COPY path that the bulk loader and `okaeri copy` use on PostgreSQL.
 */
#ifndef OK_DB_DB_POSTGRES_H
#define OK_DB_DB_POSTGRES_H

#include "db/db.h"

/* Rewrites SQLite-style `?` placeholders to PostgreSQL's `$1, $2, ...`, leaving string
 * literals, quoted identifiers, dollar-quoted strings and comments alone. *nparams receives
 * the number of placeholders. Returns a new string (caller frees). */
char *db_pg_rewrite_placeholders(const char *sql, int *nparams);

/* Bulk load through COPY ... FROM STDIN (text format). `copy_sql` is the full COPY statement,
 * e.g. "COPY orders(id, amount) FROM STDIN". Rows are sent with db_pg_copy_row; fields are
 * escaped here, NULL fields are given as NULL pointers. db_pg_copy_end finishes the COPY and
 * reports any error of the server (constraint violations map as in db_step). Only one COPY may
 * be open on a connection at a time, and no other statement may run until it ends. */
int db_pg_copy_begin(struct db *db, const char *copy_sql, struct ok_err *err);
int db_pg_copy_row(struct db *db, int nfields, const char *const *fields, struct ok_err *err);
int db_pg_copy_end(struct db *db, int64_t *rows, struct ok_err *err);

#endif
