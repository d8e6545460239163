/*
 * db_sqlite.h - what the SQLite driver offers beyond the db.h interface.
 *
 * The bulk loader (store/bulk.c) binds millions of text values from its own row buffers, which
 * stay unchanged until the statement has run; copying each one into SQLite (db_bind_text's
 * contract) costs a malloc, a copy and a free per value. These calls are for that case only and
 * must be given a statement of a SQLite connection (db_engine_of(db) == DB_ENGINE_SQLITE).
 */
#ifndef OK_DB_DB_SQLITE_H
#define OK_DB_DB_SQLITE_H

#include "db/db.h"

/* Binds n bytes of text WITHOUT copying: s must stay valid and unchanged until the statement
 * is reset, rebound or freed. Returns 0 / -1. */
int db_sqlite_bind_text_static(struct db_stmt *st, int idx, const char *s, size_t n);

#endif
