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
/* Ends a COPY begun with db_pg_copy_begin so that the server discards its rows (and fails the
 * transaction), giving why as the reason; does nothing when no COPY is open. */
void db_pg_copy_abort(struct db *db, const char *why);
/* Sends rows already in COPY text format (escaped, tab-separated, each ending in a newline;
 * see db_pg_copy_escape) inside a COPY begun with db_pg_copy_begin. */
int db_pg_copy_data(struct db *db, const char *data, size_t len, struct ok_err *err);
/* Appends s to b escaped for COPY's text format (backslash, tab, newline, carriage return). */
struct buf;
void db_pg_copy_escape(struct buf *b, const char *s, size_t n);

/* Reads the output of a COPY ... TO STDOUT statement in text format, e.g.
 * "COPY (SELECT id, name FROM t) TO STDOUT", calling fn once per row with its fields: unescaped,
 * NUL-terminated, NULL for SQL NULL, borrowed until fn returns (fn may modify them in place).
 * fn returns 0 to go on or -1 (err filled) to stop: the server is then asked to cancel and the
 * rest is dropped. Rows have at most DB_PG_COPY_MAX_FIELDS fields. Streams: the server sends
 * while the caller works, unlike a cursor fetched batch by batch. Returns 0 or -1 with err. */
#define DB_PG_COPY_MAX_FIELDS 64
typedef int (*db_pg_row_fn)(void *ctx, int nfields, char **fields, const size_t *lens,
                            struct ok_err *err);
int db_pg_copy_out(struct db *db, const char *copy_sql, db_pg_row_fn fn, void *ctx,
                   struct ok_err *err);

/* Opens another connection to the database of db, with the same URL (db->target has its
 * password hidden), e.g. a second reader. Returns it (caller frees with db_close) or NULL with
 * err filled. */
struct db *db_pg_open_again(struct db *db, int flags, struct ok_err *err);

/* Every PostgreSQL connection opened (or reopened) after this call sets the session variable
 * okaeri.origin to origin, so that triggers can tell which okaeri process wrote (see
 * store/changes.h). Call once at start, before other threads open connections. */
void db_pg_set_origin(const char *origin);

/* Makes db LISTEN on channel (a plain identifier), also after a reconnect. db should be a
 * connection of its own, used for nothing else. */
int db_pg_listen(struct db *db, const char *channel, struct ok_err *err);

/* Called per notification: channel, payload, and the server process id of the sender. */
typedef void (*db_pg_notify_fn)(void *ctx, const char *channel, const char *payload, int be_pid);

/* Delivers the notifications received on a LISTENing db. With sync, first makes one round trip,
 * so that every notification of a transaction committed before the call is delivered; without,
 * only reads what has already arrived. *lost is set when notifications may have been missed
 * (the connection was lost and reopened). Returns the number delivered, or -1 with err. */
int db_pg_notifications(struct db *db, int sync, db_pg_notify_fn fn, void *ctx, int *lost,
                        struct ok_err *err);

#endif
