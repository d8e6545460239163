/*
 * backup.c - whole-database backups into one SQLite file and restores from it (see backup.h).
 *
 * The page copies talk to SQLite directly (the online backup API has no place in db.h); the
 * struct db of a SQLite database holds its sqlite3 connection in db->handle.
 */
#include "store/backup.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/mem.h"
#include "db/migrate.h"
#include "store/copy.h"
#include "core/banned.h"

/* How long a page copy waits for a lock held by another connection (a restore needs the write
 * lock of a database a server may be writing to). */
#define BUSY_WAIT_MS 20
#define BUSY_TRIES   1000

/* Tables whose rows are the business's own records; init's defaults (settings, lists,
 * playbooks) do not count. */
static const char *const data_tables[] = {"customers", "orders",   "deals",      "contracts",
                                          "referrals", "products", "activities", "feedback",
                                          "tasks",     "users"};

static int is_sqlite(const struct db *db)
{
    return db_engine_of(db) == DB_ENGINE_SQLITE;
}

/* The first row of PRAGMA integrity_check on h: "ok" or the first problem. */
static int check_integrity(sqlite3 *h, const char *what, struct ok_err *err)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(h, "PRAGMA integrity_check", -1, &st, NULL);
    int ok = 0;
    char first[256] = "";
    if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
        const char *s = (const char *)sqlite3_column_text(st, 0);
        size_t j = 0;
        ok = s && !strcmp(s, "ok");
        /* On one line, without the "*** in database main ***" heading. */
        if (s && !strncmp(s, "*** in database main ***\n", 25))
            s += 25;
        for (; s && *s && j + 1 < sizeof(first); s++)
            first[j++] = *s == '\n' ? ';' : *s;
        first[j] = '\0';
    }
    if (rc != SQLITE_ROW && rc != SQLITE_OK && rc != SQLITE_DONE)
        snprintf(first, sizeof(first), "%s", sqlite3_errmsg(h));
    sqlite3_finalize(st);
    if (!ok)
        return ok_err_set(err, OK_ERR_INVALID, "%s failed the integrity check: %s", what,
                          first[0] ? first : "no answer");
    return 0;
}

/* okaeri's schema version in h: > 0, or -1 with err for a file that is not an okaeri database
 * or one made by a newer okaeri. */
static int schema_version_of(sqlite3 *h, const char *what, struct ok_err *err)
{
    sqlite3_stmt *st = NULL;
    int version = -1;
    if (sqlite3_prepare_v2(h,
                           "SELECT CAST(value AS INTEGER) FROM okaeri_meta WHERE "
                           "key='schema_version'",
                           -1, &st, NULL) != SQLITE_OK) {
        sqlite3_finalize(st);
        return ok_err_set(err, OK_ERR_VERSION,
                          "%s is not an okaeri database (%s); give a file made by `okaeri backup`",
                          what, sqlite3_errmsg(h));
    }
    if (sqlite3_step(st) == SQLITE_ROW)
        version = sqlite3_column_int(st, 0);
    sqlite3_finalize(st);
    if (version <= 0)
        return ok_err_set(err, OK_ERR_VERSION, "%s has no schema version; it is damaged", what);
    if (version > migrate_latest_version())
        return ok_err_set(err, OK_ERR_VERSION,
                          "%s was made by a newer okaeri (schema %d, this okaeri knows %d); "
                          "upgrade okaeri to restore it",
                          what, version, migrate_latest_version());
    return version;
}

/* Copies every page of src_h into dst_h in one step (one read snapshot of the source, one write
 * transaction on the destination), waiting while another connection holds a lock. */
static int copy_pages(sqlite3 *dst_h, sqlite3 *src_h, int64_t *pages, const char *what,
                      struct ok_err *err)
{
    sqlite3_backup *b = sqlite3_backup_init(dst_h, "main", src_h, "main");
    int rc, tries = 0;
    if (!b)
        return ok_err_set(err, OK_ERR_DB, "%s: %s", what, sqlite3_errmsg(dst_h));
    for (;;) {
        rc = sqlite3_backup_step(b, -1);
        if ((rc == SQLITE_BUSY || rc == SQLITE_LOCKED) && ++tries < BUSY_TRIES) {
            sqlite3_sleep(BUSY_WAIT_MS);
            continue;
        }
        break;
    }
    if (pages)
        *pages = sqlite3_backup_pagecount(b);
    sqlite3_backup_finish(b);
    if (rc == SQLITE_DONE)
        return 0;
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED)
        return ok_err_set(err, OK_ERR_IO,
                          "%s: the database stayed locked by another connection; try again", what);
    if (rc == SQLITE_READONLY)
        return ok_err_set(err, OK_ERR_DB,
                          "%s: the destination cannot take these pages (read-only, or in WAL mode "
                          "with another page size)",
                          what);
    return ok_err_set(
        err, (rc & 0xff) == SQLITE_FULL || (rc & 0xff) == SQLITE_IOERR ? OK_ERR_IO : OK_ERR_DB,
        "%s: %s", what, sqlite3_errstr(rc));
}

static int open_raw(const char *path, int flags, sqlite3 **out, struct ok_err *err)
{
    sqlite3 *h = NULL;
    int rc = sqlite3_open_v2(path, &h, flags, NULL);
    if (rc != SQLITE_OK) {
        ok_err_set(err, OK_ERR_IO, "cannot open %s: %s", path,
                   h ? sqlite3_errmsg(h) : sqlite3_errstr(rc));
        sqlite3_close(h);
        return -1;
    }
    sqlite3_busy_timeout(h, 10000);
    *out = h;
    return 0;
}

/* Makes the finished file a plain rollback-journal database (one file, readable anywhere) and
 * checks it. */
static int finish_file(sqlite3 *h, const char *path, struct ok_err *err)
{
    if (sqlite3_exec(h, "PRAGMA journal_mode=DELETE", NULL, NULL, NULL) != SQLITE_OK)
        return ok_err_set(err, OK_ERR_IO, "cannot finish %s: %s", path, sqlite3_errmsg(h));
    return check_integrity(h, path, err);
}

static int fsync_path(const char *path)
{
    int fd = open(path, O_RDONLY);
    int rc;
    if (fd < 0)
        return -1;
    rc = fsync(fd);
    close(fd);
    return rc;
}

/* Makes the rename durable: fsync of the directory holding path. */
static void fsync_dir_of(const char *path)
{
    char dir[PATH_MAX];
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(dir, sizeof(dir), ".");
    else if (slash == path)
        snprintf(dir, sizeof(dir), "/");
    else
        snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
    fsync_path(dir);
}

static int64_t file_size(const char *path)
{
    struct stat sb;
    return stat(path, &sb) == 0 ? (int64_t)sb.st_size : 0;
}

int store_has_data(struct db *db, struct ok_err *err)
{
    int version = migrate_current_version(db, err);
    char sql[128];
    if (version <= 0)
        return version; /* 0: no tables; -1: another application's database */
    for (size_t i = 0; i < sizeof(data_tables) / sizeof(data_tables[0]); i++) {
        int64_t any = 0;
        int has = db_has_table(db, data_tables[i], err);
        if (has < 0)
            return -1;
        if (!has)
            continue;
        snprintf(sql, sizeof(sql), "SELECT EXISTS (SELECT 1 FROM %s)", data_tables[i]);
        if (db_query_i64(db, sql, &any, err) < 0)
            return -1;
        if (any)
            return 1;
    }
    return 0;
}

/* PostgreSQL source: a SQLite file with okaeri's schema, filled by store_copy. */
static int backup_by_copy(struct db *db, const char *tmp, struct backup_info *info,
                          struct ok_err *err)
{
    struct copy_stats stats = {0, 0};
    struct db *to = db_open(tmp, DB_OPEN_CREATE, err);
    int rc = -1;
    if (!to)
        return -1;
    if (migrate_apply(to, NULL, err) < 0)
        goto out;
    if (store_copy(db, to, NULL, NULL, &stats, err) < 0)
        goto out;
    info->rows = stats.rows;
    rc = 0;
out:
    db_close(&to);
    return rc;
}

int store_backup(struct db *db, const char *path, int flags, struct backup_info *info,
                 struct ok_err *err)
{
    struct backup_info local;
    struct stat sb;
    sqlite3 *dst = NULL;
    char *tmp = NULL;
    size_t n;
    int rc = -1;
    if (!info)
        info = &local;
    memset(info, 0, sizeof(*info));
    if (!path || !*path)
        return ok_err_set(err, OK_ERR_USAGE, "no backup file given");
    if (db->tx_depth > 0)
        return ok_err_set(err, OK_ERR_INTERNAL, "backup started inside a transaction");
    if (stat(path, &sb) == 0) {
        if (S_ISDIR(sb.st_mode))
            return ok_err_set(err, OK_ERR_IO, "%s is a directory; give a file name", path);
        if (!(flags & BACKUP_FORCE))
            return ok_err_set(err, OK_ERR_CONFLICT,
                              "%s already exists; choose another name or pass --force to "
                              "replace it",
                              path);
    }
    info->schema_version = migrate_current_version(db, err);
    if (info->schema_version < 0)
        return -1;
    n = strlen(path) + sizeof(".partial");
    tmp = xmalloc(n);
    snprintf(tmp, n, "%s.partial", path);
    unlink(tmp); /* left by an interrupted backup */
    if (is_sqlite(db)) {
        if (open_raw(tmp, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, &dst, err) < 0)
            goto out;
        if (copy_pages(dst, db->handle, &info->pages, "backup", err) < 0)
            goto out;
    } else {
        if (backup_by_copy(db, tmp, info, err) < 0)
            goto out;
        if (open_raw(tmp, SQLITE_OPEN_READWRITE, &dst, err) < 0)
            goto out;
    }
    if (finish_file(dst, tmp, err) < 0)
        goto out;
    sqlite3_close(dst);
    dst = NULL;
    if (fsync_path(tmp) < 0) {
        ok_err_set(err, OK_ERR_IO, "cannot write %s: %s", tmp, strerror(errno));
        goto out;
    }
    if (rename(tmp, path) < 0) {
        ok_err_set(err, OK_ERR_IO, "cannot rename %s to %s: %s", tmp, path, strerror(errno));
        goto out;
    }
    fsync_dir_of(path);
    info->bytes = file_size(path);
    rc = 0;
out:
    if (dst)
        sqlite3_close(dst);
    if (rc < 0 && tmp) {
        unlink(tmp);
        /* sqlite may leave a journal of the unfinished file behind */
        char side[PATH_MAX];
        snprintf(side, sizeof(side), "%s-journal", tmp);
        unlink(side);
        snprintf(side, sizeof(side), "%s-wal", tmp);
        unlink(side);
        snprintf(side, sizeof(side), "%s-shm", tmp);
        unlink(side);
    }
    free(tmp);
    return rc;
}

/* Opens the backup read-only and checks it; *out is the open handle (caller closes). */
static int open_backup(const char *path, sqlite3 **out, struct backup_info *info,
                       struct ok_err *err)
{
    struct stat sb;
    sqlite3 *h = NULL;
    int version;
    if (!path || !*path)
        return ok_err_set(err, OK_ERR_USAGE, "no backup file given");
    if (stat(path, &sb) != 0)
        return ok_err_set(err, OK_ERR_NOT_FOUND, "no backup file at %s", path);
    if (S_ISDIR(sb.st_mode))
        return ok_err_set(err, OK_ERR_IO, "%s is a directory, not a backup file", path);
    if (open_raw(path, SQLITE_OPEN_READONLY, &h, err) < 0)
        return -1;
    /* "file is not a database" surfaces at the first read. */
    if (sqlite3_exec(h, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL) != SQLITE_OK) {
        ok_err_set(err, OK_ERR_INVALID, "%s is not a backup: %s", path, sqlite3_errmsg(h));
        goto fail;
    }
    if (check_integrity(h, path, err) < 0)
        goto fail;
    version = schema_version_of(h, path, err);
    if (version < 0)
        goto fail;
    info->schema_version = version;
    info->bytes = (int64_t)sb.st_size;
    *out = h;
    return 0;
fail:
    sqlite3_close(h);
    return -1;
}

int store_backup_verify(const char *path, struct backup_info *info, struct ok_err *err)
{
    struct backup_info local;
    sqlite3 *h = NULL;
    if (!info)
        info = &local;
    memset(info, 0, sizeof(*info));
    if (open_backup(path, &h, info, err) < 0)
        return -1;
    sqlite3_close(h);
    return 0;
}

/* PostgreSQL destination: the backup file copied into it with store_copy (which wants an empty,
 * current database and writes everything in one transaction). */
static int restore_by_copy(struct db *db, const char *path, struct backup_info *info,
                           struct ok_err *err)
{
    struct copy_stats stats = {0, 0};
    struct db *from;
    int rc = -1;
    if (info->schema_version != migrate_latest_version())
        return ok_err_set(err, OK_ERR_VERSION,
                          "%s has schema %d and this okaeri %d; restore it into a SQLite file "
                          "first (okaeri --db tmp.db restore %s), then copy that",
                          path, info->schema_version, migrate_latest_version(), path);
    if (migrate_apply(db, NULL, err) < 0)
        return -1;
    from = db_open(path, DB_OPEN_READONLY, err);
    if (!from)
        return -1;
    if (store_copy(from, db, NULL, NULL, &stats, err) < 0)
        goto out;
    info->rows = stats.rows;
    rc = 0;
out:
    db_close(&from);
    return rc;
}

int store_restore(struct db *db, const char *path, int flags, struct backup_info *info,
                  struct ok_err *err)
{
    struct backup_info local;
    sqlite3 *src = NULL;
    int has, rc = -1, version;
    if (!info)
        info = &local;
    memset(info, 0, sizeof(*info));
    if (db->tx_depth > 0)
        return ok_err_set(err, OK_ERR_INTERNAL, "restore started inside a transaction");
    if (open_backup(path, &src, info, err) < 0)
        return -1;
    has = store_has_data(db, err);
    if (has < 0)
        goto out;
    if (!is_sqlite(db)) {
        sqlite3_close(src);
        src = NULL;
        rc = restore_by_copy(db, path, info, err);
        goto out;
    }
    if (has && !(flags & BACKUP_FORCE)) {
        ok_err_set(err, OK_ERR_CONFLICT,
                   "%s already holds data; restore into a new file, or pass --force to replace "
                   "everything in it with the backup",
                   db->target);
        goto out;
    }
    if (copy_pages(db->handle, src, &info->pages, "restore", err) < 0)
        goto out;
    if (check_integrity(db->handle, db->target, err) < 0)
        goto out;
    version = migrate_current_version(db, err);
    if (version < 0)
        goto out;
    if (version < migrate_latest_version() && migrate_apply(db, &info->migrated, err) < 0)
        goto out;
    rc = 0;
out:
    if (src)
        sqlite3_close(src);
    return rc;
}
