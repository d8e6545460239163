/*
 * backup.h - `okaeri backup FILE` / `okaeri restore FILE`: a whole database into one SQLite file
 * and back, while okaeri keeps running.
 *
 * On SQLite both directions use SQLite's online backup API (sqlite3_backup_*): a backup is one
 * consistent read snapshot of the live database (in WAL mode writers go on meanwhile), written to
 * FILE.partial, checked with PRAGMA integrity_check, made a plain rollback-journal file and only
 * then renamed to FILE, so FILE is either a complete, verified backup or absent. A restore checks
 * the backup first (integrity_check, an okaeri database, a schema this okaeri knows), replaces
 * the destination's pages in one write transaction (other connections see the old or the new
 * database, never a mixture), checks the result and brings an older schema up to date.
 *
 * On PostgreSQL (a postgresql:// database) the backup file is still a SQLite file, written with
 * store_copy (typed columns, ids kept, one snapshot): a portable copy a DBA can inspect with
 * sqlite3 or restore anywhere. Restoring such a file into PostgreSQL copies it into an empty
 * database. Nightly backups of a busy PostgreSQL belong to pg_dump / WAL archiving
 * (docs/deploy.md); this is for moving and for small sites.
 */
#ifndef OK_STORE_BACKUP_H
#define OK_STORE_BACKUP_H

#include <stdint.h>

#include "core/err.h"
#include "db/db.h"

enum {
    BACKUP_FORCE =
        1, /* backup: overwrite an existing FILE; restore: replace a database with data */
};

struct backup_info {
    int schema_version; /* of the backup (after a restore: of the backup before migrating) */
    int64_t pages;      /* SQLite pages copied (0 for a PostgreSQL copy) */
    int64_t rows;       /* rows copied by store_copy (0 for a page copy) */
    int64_t bytes;      /* size of the backup file */
    int migrated;       /* migrations applied after a restore */
};

/* Writes a verified backup of db (current schema) into the file `path`. Refuses an existing
 * path unless BACKUP_FORCE. Fills *info (may be NULL). Returns 0, or -1 with err (nothing is
 * left at path on failure; an existing file is kept). */
int store_backup(struct db *db, const char *path, int flags, struct backup_info *info,
                 struct ok_err *err);

/* Replaces the contents of db with the backup file `path` (a file made by store_backup or any
 * okaeri SQLite database). db must not be inside a transaction. Refuses a database that holds
 * data (customers, orders, deals, users, ...) unless BACKUP_FORCE (SQLite only; PostgreSQL
 * always needs an empty database). Fills *info (may be NULL). On failure db is unchanged. */
int store_restore(struct db *db, const char *path, int flags, struct backup_info *info,
                  struct ok_err *err);

/* Checks a backup file without restoring it: readable, integrity_check ok, an okaeri database of
 * a schema this okaeri can use. Fills *info (may be NULL). */
int store_backup_verify(const char *path, struct backup_info *info, struct ok_err *err);

/* 1 when db holds records of its own (anything beyond what `okaeri init` puts there), 0 when
 * not (also for a database without tables), -1 on error. */
int store_has_data(struct db *db, struct ok_err *err);

#endif
