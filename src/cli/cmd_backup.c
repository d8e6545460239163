/*
 * cmd_backup.c - `okaeri backup FILE` and `okaeri restore FILE`: a verified copy of the whole
 * database in one SQLite file, taken while okaeri keeps running, and back (see store/backup.h).
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli/cli.h"
#include "store/backup.h"
#include "core/banned.h"

static int backup_usage(void)
{
    printf("usage: okaeri backup FILE [--force]\n"
           "       okaeri backup --verify FILE\n\n"
           "Writes a consistent copy of the database (--db, $OKAERI_DB, ./okaeri.db) into the\n"
           "SQLite file FILE while okaeri keeps running, and checks it (integrity_check). FILE\n"
           "appears only once it is complete. An existing FILE is kept unless --force.\n"
           "--verify checks an existing backup without restoring it.\n\n"
           "  okaeri backup backups/shop-$(date +%%F).db\n");
    return EXIT_OK;
}

static int restore_usage(void)
{
    printf("usage: okaeri restore FILE [--force]\n\n"
           "Replaces the database (--db, $OKAERI_DB, ./okaeri.db) with the backup FILE, after\n"
           "checking the backup, in one step, and checks the result. A database that holds data\n"
           "is refused unless --force (SQLite); on PostgreSQL the database must be empty.\n"
           "A backup of an older okaeri is brought up to date (migrations).\n\n"
           "  okaeri --db shop.db restore backups/shop-2024-05-01.db\n");
    return EXIT_OK;
}

/* Parses FILE plus the flags both commands share. */
static int parse_args(const char *cmd, int argc, char **argv, const char **file, int *flags,
                      int *verify, int (*usage)(void))
{
    *file = NULL;
    *flags = 0;
    if (verify)
        *verify = 0;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return usage() == EXIT_OK ? -1 : -2;
        if (!strcmp(argv[i], "--force")) {
            *flags |= BACKUP_FORCE;
        } else if (verify && !strcmp(argv[i], "--verify")) {
            *verify = 1;
        } else if (argv[i][0] == '-' && argv[i][1] != '\0') {
            cli_usage(cmd, "unknown option '%s'", argv[i]);
            return -2;
        } else if (*file) {
            cli_usage(cmd, "unexpected argument '%s' (one FILE only)", argv[i]);
            return -2;
        } else {
            *file = argv[i];
        }
    }
    if (!*file || !**file) {
        cli_usage(cmd, "FILE is required");
        return -2;
    }
    return 0;
}

int cmd_backup(struct cli *cli, int argc, char **argv)
{
    struct backup_info info;
    struct ok_err err;
    struct db *db;
    const char *file;
    int flags, verify, p, rc;
    ok_err_clear(&err);
    p = parse_args("backup", argc, argv, &file, &flags, &verify, backup_usage);
    if (p < 0)
        return p == -1 ? EXIT_OK : EXIT_USAGE;
    if (verify) {
        if (store_backup_verify(file, &info, &err) < 0)
            return cli_fail(&err);
        printf("backup %s: ok (schema %d, %lld bytes, integrity ok)\n", file, info.schema_version,
               (long long)info.bytes);
        return EXIT_OK;
    }
    db = cli_open_db(cli, DB_OPEN_READONLY);
    if (!db)
        return EXIT_ERROR;
    rc = store_backup(db, file, flags, &info, &err);
    if (rc == 0) {
        if (info.rows)
            printf("backup: %s -> %s (%lld rows, %lld bytes, schema %d, integrity ok)\n",
                   db->target, file, (long long)info.rows, (long long)info.bytes,
                   info.schema_version);
        else
            printf("backup: %s -> %s (%lld pages, %lld bytes, schema %d, integrity ok)\n",
                   db->target, file, (long long)info.pages, (long long)info.bytes,
                   info.schema_version);
    }
    db_close(&db);
    if (rc < 0) {
        ok_err_prefix(&err, "backup failed, nothing written");
        return cli_fail(&err);
    }
    return EXIT_OK;
}

int cmd_restore(struct cli *cli, int argc, char **argv)
{
    struct backup_info info;
    struct ok_err err;
    struct db *db;
    struct stat sb;
    const char *file, *target;
    int flags, p, rc, created;
    ok_err_clear(&err);
    p = parse_args("restore", argc, argv, &file, &flags, NULL, restore_usage);
    if (p < 0)
        return p == -1 ? EXIT_OK : EXIT_USAGE;
    target = cli->db_target ? cli->db_target : db_default_target();
    created = strstr(target, "://") == NULL && stat(target, &sb) != 0;
    db = db_open(target, DB_OPEN_CREATE, &err);
    if (!db)
        return cli_fail(&err);
    rc = store_restore(db, file, flags, &info, &err);
    if (rc == 0) {
        printf("restore: %s -> %s (schema %d", file, db->target, info.schema_version);
        if (info.rows)
            printf(", %lld rows", (long long)info.rows);
        else
            printf(", %lld pages", (long long)info.pages);
        if (info.migrated)
            printf(", %d migrations applied", info.migrated);
        printf(", integrity ok)\n");
    }
    db_close(&db);
    if (rc < 0 && created) {
        /* The file did not exist before: leave nothing behind. */
        char side[4096];
        unlink(target);
        snprintf(side, sizeof(side), "%s-wal", target);
        unlink(side);
        snprintf(side, sizeof(side), "%s-shm", target);
        unlink(side);
    }
    if (rc < 0) {
        ok_err_prefix(&err, "restore failed, database unchanged");
        return cli_fail(&err);
    }
    return EXIT_OK;
}
