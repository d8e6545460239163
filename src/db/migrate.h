/*
 * migrate.h - versioned schema migrations, embedded in the binary, one list per engine.
 *
 * Migration N of one engine must do what migration N of every other engine does; the lists are
 * kept in step (a test checks that both have the same versions and names). The schema version
 * and the application name live in the okaeri_meta table, which is how okaeri recognises its own
 * databases, and refuses ones from a newer okaeri.
 */
#ifndef OK_DB_MIGRATE_H
#define OK_DB_MIGRATE_H

#include "db/db.h"

struct migration {
    int version;
    const char *name;
    const char *sql;
};

/* The migrations of an engine, in order, and their count. */
const struct migration *migrations_for(enum db_engine engine, int *count);

/* Latest schema version this okaeri knows. */
int migrate_latest_version(void);

/* Current version of an opened database: 0 for an empty database, -1 (OK_ERR_VERSION) when the
 * database belongs to another application. */
int migrate_current_version(struct db *db, struct ok_err *err);

/* Applies all pending migrations, each in its own transaction. *applied receives how many ran
 * (may be NULL). Refuses databases from a newer okaeri or of another application. */
int migrate_apply(struct db *db, int *applied, struct ok_err *err);

/* For every command other than init/migrate: succeeds only when the schema is exactly current,
 * otherwise explains what to do (run `okaeri init`, `okaeri migrate`, or upgrade okaeri). */
int migrate_check(struct db *db, struct ok_err *err);

#endif
