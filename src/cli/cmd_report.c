/*
 * cmd_report.c - `okaeri report NAME [--as-of DATE] [--format table|csv|json]`.
 *
 * Every report is a function of the ledger snapshot and an as-of date that returns a table;
 * this file only parses the command line, loads the snapshot and prints.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/date.h"
#include "service/snapshot.h"
#include "service/summary.h"
#include "core/banned.h"

struct report_def {
    const char *name;
    const char *summary;
    struct table *(*build)(const struct snapshot *s, int32_t as_of, struct ok_err *err);
};

static const struct report_def reports[] = {
    {"summary", "customers by state (active, sleeping, dead, lost …) and lifecycle stage",
     summary_report},
};

enum { OPT_AS_OF = 1000, OPT_FORMAT, OPT_HELP };

static void report_help(void)
{
    size_t i;
    printf("usage: okaeri report NAME [--as-of DATE] [--format table|csv|json]\n\n"
           "  --as-of DATE   compute as of this day (default: today in the database's time zone)\n"
           "  --format F     table (default), csv or json; column names are stable\n\n"
           "reports:\n");
    for (i = 0; i < sizeof(reports) / sizeof(reports[0]); i++)
        printf("  %-12s %s\n", reports[i].name, reports[i].summary);
}

int cmd_report(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"as-of", required_argument, NULL, OPT_AS_OF},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    const struct report_def *def = NULL;
    enum cli_format format = CLI_FORMAT_TABLE;
    const char *as_of_text = NULL;
    struct snapshot snap;
    struct ok_err err;
    struct table *t;
    struct db *db;
    int32_t as_of;
    int opt, rc = EXIT_OK;
    size_t i;
    ok_err_clear(&err);
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        report_help();
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    for (i = 0; i < sizeof(reports) / sizeof(reports[0]); i++)
        if (!strcmp(argv[1], reports[i].name))
            def = &reports[i];
    if (!def)
        return cli_usage("report", "unknown report '%s'", argv[1]);
    optind = 0;
    while ((opt = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
        switch (opt) {
        case OPT_AS_OF:
            as_of_text = optarg;
            break;
        case OPT_FORMAT:
            if (cli_format_parse(optarg, &format) < 0)
                return cli_usage("report", "--format takes table, csv or json");
            break;
        case OPT_HELP:
            report_help();
            return EXIT_OK;
        default:
            return EXIT_USAGE;
        }
    }
    if (optind < argc - 1)
        return cli_usage("report", "unexpected argument '%s'", argv[optind + 1]);
    if (as_of_text) {
        int32_t secs;
        if (date_parse(as_of_text, strlen(as_of_text), &as_of, &secs, &err) < 0) {
            ok_err_prefix(&err, "--as-of");
            return cli_fail(&err);
        }
    }
    db = cli_open_db(cli, DB_OPEN_READONLY);
    if (!db)
        return EXIT_ERROR;
    if (snapshot_load(db, &snap, &err) < 0) {
        db_close(&db);
        return cli_fail(&err);
    }
    db_close(&db);
    if (!as_of_text)
        as_of = snapshot_today(&snap);
    t = def->build(&snap, as_of, &err);
    if (!t)
        rc = cli_fail(&err);
    else
        cli_print_table(t, format);
    table_free(&t);
    snapshot_release(&snap);
    return rc;
}
