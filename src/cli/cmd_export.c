/*
 * cmd_export.c - `okaeri export KIND [--format csv|xlsx] [--encoding …] [--columns …] [-o FILE]`.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/date.h"
#include "io/export.h"
#include "core/banned.h"

enum { OPT_FORMAT = 1000, OPT_ENCODING, OPT_COLUMNS, OPT_METRICS, OPT_AS_OF, OPT_HELP };

static const char HELP[] =
    "usage: okaeri export KIND [--format csv|xlsx] [--encoding utf-8|utf-8-bom|cp932]\n"
    "                          [--columns a,b,…] [--with-metrics [--as-of DATE]] [-o FILE]\n\n"
    "KIND: customers, orders, deals, contracts, referrals, activities, feedback, products.\n"
    "Columns have the names imports read, so an export imports back unchanged.\n"
    "  --format csv|xlsx      default csv (or xlsx when FILE ends in .xlsx)\n"
    "  --encoding E           CSV: utf-8 (default), utf-8-bom (Excel), cp932 (Shift_JIS);\n"
    "                         characters CP932 cannot hold are reported, never replaced\n"
    "  --columns a,b          only these columns, in this order\n"
    "  --with-metrics         customers: add the metrics of `okaeri report customers`\n"
    "  --as-of DATE           the day the metrics are computed for (default today)\n"
    "  -o FILE                write to FILE (default: standard output, CSV only)\n";

int cmd_export(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"format", required_argument, NULL, OPT_FORMAT},
        {"encoding", required_argument, NULL, OPT_ENCODING},
        {"columns", required_argument, NULL, OPT_COLUMNS},
        {"with-metrics", no_argument, NULL, OPT_METRICS},
        {"as-of", required_argument, NULL, OPT_AS_OF},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    struct export_options o;
    struct export_report rep;
    struct ok_err err;
    struct db *db;
    int opt, rc = EXIT_OK, format_given = 0;
    memset(&o, 0, sizeof(o));
    ok_err_clear(&err);
    optind = 0;
    while ((opt = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
        switch (opt) {
        case OPT_FORMAT:
            if (io_format_parse(optarg, &o.format, &err) < 0 ||
                (o.format != IO_FORMAT_CSV && o.format != IO_FORMAT_XLSX))
                return cli_usage("export", "--format takes csv or xlsx");
            format_given = 1;
            break;
        case OPT_ENCODING:
            if (io_encoding_parse(optarg, &o.encoding, &err) < 0 ||
                (o.encoding != IO_ENC_UTF8 && o.encoding != IO_ENC_UTF8_BOM &&
                 o.encoding != IO_ENC_CP932))
                return cli_usage("export", "--encoding takes utf-8, utf-8-bom or cp932");
            break;
        case OPT_COLUMNS:
            o.columns = optarg;
            break;
        case OPT_METRICS:
            o.with_metrics = 1;
            break;
        case OPT_AS_OF: {
            int32_t secs;
            if (date_parse(optarg, strlen(optarg), &o.as_of, &secs, &err) < 0)
                return cli_usage("export", "--as-of: %s", err.message);
            o.has_as_of = 1;
            break;
        }
        case 'o':
            o.output = optarg;
            break;
        case OPT_HELP:
            fputs(HELP, stdout);
            return EXIT_OK;
        default:
            return EXIT_USAGE;
        }
    }
    if (argc - optind != 1)
        return cli_usage("export", "give one KIND, e.g. okaeri export customers -o list.csv");
    o.kind = argv[optind];
    if (!format_given) {
        size_t n = o.output ? strlen(o.output) : 0;
        o.format = n > 5 && !strcmp(o.output + n - 5, ".xlsx") ? IO_FORMAT_XLSX : IO_FORMAT_CSV;
    }
    db = cli_open_db(cli, DB_OPEN_READONLY);
    if (!db)
        return EXIT_ERROR;
    export_report_init(&rep);
    if (export_run(db, &o, &rep, &err) < 0) {
        fflush(stdout);
        if (rep.problems.len)
            fputs(rep.problems.data, stderr);
        rc = cli_fail(&err);
    } else if (o.output) {
        printf("exported %lld %s to %s\n", (long long)rep.rows, o.kind, o.output);
    }
    export_report_release(&rep);
    db_close(&db);
    return rc;
}
