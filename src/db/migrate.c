/*
 * migrate.c - applying the embedded migrations and recognising okaeri databases.
 */
#include "db/migrate.h"

#include <stdio.h>
#include <string.h>

#include "core/banned.h"

extern const struct migration sqlite_migrations[];
extern const int sqlite_migration_count;
extern const struct migration postgres_migrations[];
extern const int postgres_migration_count;

/* Key of the PostgreSQL advisory lock that serialises migrations when several okaeri servers
 * start (or run `okaeri migrate`) at once: "okae" in ASCII. */
#define MIGRATE_LOCK_KEY "1869310821"

const struct migration *migrations_for(enum db_engine engine, int *count)
{
    switch (engine) {
    case DB_ENGINE_SQLITE:
        *count = sqlite_migration_count;
        return sqlite_migrations;
    case DB_ENGINE_POSTGRES:
        *count = postgres_migration_count;
        return postgres_migrations;
    }
    *count = 0;
    return NULL;
}

int migrate_latest_version(void)
{
    return sqlite_migrations[sqlite_migration_count - 1].version;
}

int migrate_current_version(struct db *db, struct ok_err *err)
{
    int has_meta, has_any;
    int64_t version = 0;
    int rc;
    has_meta = db_has_table(db, "okaeri_meta", err);
    if (has_meta < 0)
        return -1;
    if (!has_meta) {
        has_any = db_has_table(db, NULL, err);
        if (has_any < 0)
            return -1;
        if (has_any)
            return ok_err_set(err, OK_ERR_VERSION,
                              "%s is a database of another application (it has tables but no "
                              "okaeri_meta); point --db at an okaeri database or a new file",
                              db->target);
        return 0;
    }
    rc = db_query_i64(db,
                      "SELECT CAST(value AS INTEGER) FROM okaeri_meta WHERE key='schema_version'",
                      &version, err);
    if (rc < 0)
        return -1;
    if (rc == 0)
        return ok_err_set(err, OK_ERR_VERSION, "%s has no schema version; it is damaged",
                          db->target);
    return (int)version;
}

static int apply_one(struct db *db, const struct migration *m, struct ok_err *err)
{
    char sql[160];
    if (db_begin(db, err) < 0)
        return -1;
    if (db_exec(db, m->sql, err) < 0)
        goto fail;
    snprintf(sql, sizeof(sql), "UPDATE okaeri_meta SET value='%d' WHERE key='schema_version'",
             m->version);
    if (db_exec(db, sql, err) < 0)
        goto fail;
    if (db_commit(db, err) < 0)
        goto fail;
    return 0;
fail:
    ok_err_prefix(err, "migration %d (%s) failed", m->version, m->name);
    db_rollback(db);
    return -1;
}

static int apply_pending(struct db *db, const struct migration *list, int count, int *applied,
                         struct ok_err *err)
{
    int i, current, done = 0;
    current = migrate_current_version(db, err);
    if (current < 0)
        return -1;
    if (current > list[count - 1].version)
        return ok_err_set(err, OK_ERR_VERSION,
                          "%s was made by a newer okaeri (schema %d; this okaeri knows up to %d); "
                          "upgrade okaeri to use it",
                          db->target, current, list[count - 1].version);
    for (i = 0; i < count; i++) {
        if (list[i].version <= current)
            continue;
        if (apply_one(db, &list[i], err) < 0)
            return -1;
        done++;
    }
    if (applied)
        *applied = done;
    return 0;
}

int migrate_apply(struct db *db, int *applied, struct ok_err *err)
{
    int count, rc;
    struct ok_err ignored;
    const struct migration *list = migrations_for(db_engine_of(db), &count);
    if (applied)
        *applied = 0;
    if (!list || count == 0)
        return ok_err_set(err, OK_ERR_INTERNAL, "no migrations for this database engine");
    if (db_engine_of(db) != DB_ENGINE_POSTGRES)
        return apply_pending(db, list, count, applied, err);
    /* Several servers may upgrade one database at the same moment: the first takes the lock and
     * migrates, the others wait and then find nothing to do. */
    if (db_exec(db, "SELECT pg_advisory_lock(" MIGRATE_LOCK_KEY ")", err) < 0)
        return -1;
    rc = apply_pending(db, list, count, applied, err);
    db_exec(db, "SELECT pg_advisory_unlock(" MIGRATE_LOCK_KEY ")", &ignored);
    return rc;
}

int migrate_check(struct db *db, struct ok_err *err)
{
    int latest = migrate_latest_version();
    int current = migrate_current_version(db, err);
    if (current < 0)
        return -1;
    if (current == 0)
        return ok_err_set(err, OK_ERR_VERSION, "%s is empty; create the tables with `okaeri init`",
                          db->target);
    if (current < latest)
        return ok_err_set(err, OK_ERR_VERSION,
                          "%s has schema %d but this okaeri needs %d; run `okaeri migrate`",
                          db->target, current, latest);
    if (current > latest)
        return ok_err_set(err, OK_ERR_VERSION,
                          "%s was made by a newer okaeri (schema %d; this okaeri knows up to %d); "
                          "upgrade okaeri to use it",
                          db->target, current, latest);
    return 0;
}
