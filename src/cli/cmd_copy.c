/*
 * cmd_copy.c - `okaeri copy --from DB --to DB`: move a whole database to another one, typically
 * from a SQLite file to PostgreSQL when a business outgrows one machine (see store/copy.h).
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "db/migrate.h"
#include "store/copy.h"
#include "core/banned.h"

static void print_progress(void *ctx, const char *table, int64_t rows)
{
    (void)ctx;
    printf("  %-16s %lld rows\n", table, (long long)rows);
}

static int usage_text(void)
{
    printf("usage: okaeri copy [--from DB] --to DB [--quiet]\n\n"
           "Copies every table of one okaeri database into another, ids kept, in one\n"
           "transaction: a SQLite file or a postgresql:// URL on either side. --from defaults to\n"
           "--db ($OKAERI_DB, ./okaeri.db). The destination is created and initialised when\n"
           "needed; it must hold no data of its own (its default lists and settings are\n"
           "replaced by the source's).\n\n"
           "  okaeri copy --from shop.db --to postgresql://okaeri@db.internal/okaeri\n");
    return EXIT_OK;
}

int cmd_copy(struct cli *cli, int argc, char **argv)
{
    const char *from_target = cli->db_target, *to_target = NULL;
    struct db *from = NULL, *to = NULL;
    struct copy_stats stats;
    struct ok_err err;
    int quiet = 0, rc = EXIT_ERROR;
    ok_err_clear(&err);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h"))
            return usage_text();
        if (!strcmp(argv[i], "--quiet")) {
            quiet = 1;
        } else if ((!strcmp(argv[i], "--from") || !strcmp(argv[i], "--to")) && i + 1 < argc) {
            if (argv[i][2] == 'f')
                from_target = argv[++i];
            else
                to_target = argv[++i];
        } else {
            return cli_usage("copy", "unexpected argument '%s'", argv[i]);
        }
    }
    if (!to_target || !*to_target)
        return cli_usage("copy", "--to DB is required");
    from = db_open(from_target, DB_OPEN_READONLY, &err);
    if (!from)
        return cli_fail(&err);
    to = db_open(to_target, DB_OPEN_CREATE, &err);
    if (!to || migrate_apply(to, NULL, &err) < 0) {
        rc = cli_fail(&err);
        goto out;
    }
    if (!quiet)
        printf("copy: %s -> %s\n", from->target, to->target);
    if (store_copy(from, to, quiet ? NULL : print_progress, NULL, &stats, &err) < 0) {
        ok_err_prefix(&err, "nothing was copied");
        rc = cli_fail(&err);
        goto out;
    }
    printf("copy: %d tables, %lld rows copied\n", stats.tables, (long long)stats.rows);
    rc = EXIT_OK;
out:
    db_close(&from);
    db_close(&to);
    return rc;
}
