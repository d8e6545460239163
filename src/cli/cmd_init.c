/*
 * cmd_init.c - `okaeri init` and `okaeri migrate`: create a database, bring one up to date.
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "db/migrate.h"
#include "core/banned.h"

static int help_wanted(int argc, char **argv)
{
    int i;
    for (i = 1; i < argc; i++)
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return 1;
    return 0;
}

/* Opens (creating when allowed) and applies migrations; prints what happened. */
static int open_and_migrate(struct cli *cli, const char *cmd, int create)
{
    struct ok_err err;
    struct db *db;
    int applied = 0, rc = EXIT_OK;
    ok_err_clear(&err);
    db = db_open(cli->db_target, create ? DB_OPEN_CREATE : 0, &err);
    if (!db)
        return cli_fail(&err);
    if (migrate_apply(db, &applied, &err) < 0) {
        rc = cli_fail(&err);
    } else if (applied > 0) {
        printf("%s: %s is at schema %d (%d migration%s applied)\n", cmd, db->target,
               migrate_latest_version(), applied, applied == 1 ? "" : "s");
    } else {
        printf("%s: %s is already at schema %d; nothing to do\n", cmd, db->target,
               migrate_latest_version());
    }
    db_close(&db);
    return rc;
}

int cmd_init(struct cli *cli, int argc, char **argv)
{
    if (help_wanted(argc, argv)) {
        printf(
            "usage: okaeri [--db PATH] init\n\n"
            "Creates the database file (default ./okaeri.db) with okaeri's tables and default\n"
            "lists (lost reasons, causes, triggers, settings). Running it on an existing okaeri\n"
            "database applies pending migrations and changes nothing else.\n");
        return EXIT_OK;
    }
    if (argc > 1)
        return cli_usage("init", "unexpected argument '%s'", argv[1]);
    return open_and_migrate(cli, "init", 1);
}

int cmd_migrate(struct cli *cli, int argc, char **argv)
{
    if (help_wanted(argc, argv)) {
        printf(
            "usage: okaeri [--db PATH] migrate\n\n"
            "Applies the schema migrations this okaeri knows and the database lacks, each in its\n"
            "own transaction. Refuses databases made by a newer okaeri.\n");
        return EXIT_OK;
    }
    if (argc > 1)
        return cli_usage("migrate", "unexpected argument '%s'", argv[1]);
    return open_and_migrate(cli, "migrate", 0);
}
