/*
 * cmd_import.c - `okaeri import KIND FILE [options]`: the import pipeline (io/import.h) with its
 * report on stdout and its bad rows on stderr.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/mem.h"
#include "io/import.h"
#include "core/banned.h"

enum {
    OPT_FORMAT = 1000,
    OPT_ENCODING,
    OPT_MAP,
    OPT_DATE_FORMAT,
    OPT_DRY_RUN,
    OPT_ON_ERROR,
    OPT_ERRORS,
    OPT_REJECTS,
    OPT_SHEET,
    OPT_CANCEL_PREFIX,
    OPT_CREATE_CUSTOMERS,
    OPT_PROGRESS,
    OPT_NO_PROGRESS,
    OPT_HELP
};

static const char HELP[] =
    "usage: okaeri import KIND FILE [options]\n\n"
    "KIND: customers, orders, deals, contracts, referrals, activities, feedback, products.\n"
    "FILE: CSV, TSV or .xlsx (decided from the content); UTF-8, UTF-8 with BOM, CP932 or\n"
    "UTF-16 (detected). Headers in Japanese or English are recognised (see docs/import.md).\n\n"
    "  --format csv|tsv|xlsx     force the format (default: auto)\n"
    "  --encoding auto|utf-8|cp932\n"
    "  --sheet NAME              .xlsx: the sheet to read (default: the first)\n"
    "  --map FIELD=COLUMN        use COLUMN (header or number from 1) for FIELD; repeatable\n"
    "  --date-format FMT         dates like 12/31/2024: --date-format '%m/%d/%Y %H:%M'\n"
    "  --dry-run                 show what would happen (new/updated/unchanged/rejected)\n"
    "  --on-error abort|skip     abort (default): any bad row and nothing is written;\n"
    "                            skip: write the good rows, put the bad ones in a reject file\n"
    "  --errors FILE             write every bad row (line, column, reason) to FILE\n"
    "  --rejects FILE            where --on-error skip puts bad rows (default FILE.rejected.EXT)\n"
    "  --cancel-prefix P         orders: order codes starting with P are cancellations (UCI: C)\n"
    "  --create-customers        orders: unknown customer codes become customers\n"
    "  --progress | --no-progress  progress on stderr (default: when stderr is a terminal)\n";

static void print_report(const struct import_report *r, const struct import_options *o,
                         const char *path)
{
    printf("%s %s: %s\n", o->dry_run ? "dry run of" : "import of", io_kind_name(o->kind), path);
    printf("  rows read        %lld\n", (long long)r->rows);
    printf("  new              %lld\n", (long long)r->created);
    printf("  updated          %lld\n", (long long)r->updated);
    printf("  unchanged        %lld\n", (long long)r->unchanged);
    printf("  rejected         %lld\n", (long long)r->rejected);
    if (o->kind == IO_KIND_ORDERS) {
        printf("  orders           %lld\n", (long long)r->orders);
        printf("  customers        %lld\n", (long long)r->customers_seen);
        printf("  returns          %lld\n", (long long)r->returns);
        printf("  without customer %lld (not imported: they cannot count as a customer's "
               "purchase)\n",
               (long long)r->no_customer);
        if (r->customers_created || r->customers_updated)
            printf("  customers new    %lld, updated %lld\n", (long long)r->customers_created,
                   (long long)r->customers_updated);
        if (r->products_created)
            printf("  products new     %lld\n", (long long)r->products_created);
    }
    if (r->reject_path[0] && r->rejected)
        printf("  rejected rows in %s\n", r->reject_path);
    if (o->dry_run && r->preview.len)
        printf("preview:\n%s", r->preview.data);
    if (o->dry_run)
        printf("nothing was written (dry run)\n");
}

int cmd_import(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"format", required_argument, NULL, OPT_FORMAT},
        {"encoding", required_argument, NULL, OPT_ENCODING},
        {"map", required_argument, NULL, OPT_MAP},
        {"date-format", required_argument, NULL, OPT_DATE_FORMAT},
        {"dry-run", no_argument, NULL, OPT_DRY_RUN},
        {"on-error", required_argument, NULL, OPT_ON_ERROR},
        {"errors", required_argument, NULL, OPT_ERRORS},
        {"rejects", required_argument, NULL, OPT_REJECTS},
        {"sheet", required_argument, NULL, OPT_SHEET},
        {"cancel-prefix", required_argument, NULL, OPT_CANCEL_PREFIX},
        {"create-customers", no_argument, NULL, OPT_CREATE_CUSTOMERS},
        {"progress", no_argument, NULL, OPT_PROGRESS},
        {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    struct import_options o;
    struct import_report rep;
    struct ok_err err;
    struct db *db = NULL;
    const char **maps = NULL;
    size_t nmaps = 0, cap_maps = 0;
    int opt, rc = EXIT_OK, progress = -1;
    memset(&o, 0, sizeof(o));
    ok_err_clear(&err);
    import_report_init(&rep);
    optind = 0;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (opt) {
        case OPT_FORMAT:
            if (io_format_parse(optarg, &o.tab.format, &err) < 0) {
                rc = cli_usage("import", "%s", err.message);
                goto out;
            }
            break;
        case OPT_ENCODING:
            if (io_encoding_parse(optarg, &o.tab.encoding, &err) < 0) {
                rc = cli_usage("import", "%s", err.message);
                goto out;
            }
            break;
        case OPT_MAP:
            if (!strchr(optarg, '=')) {
                rc = cli_usage("import", "--map takes FIELD=COLUMN, e.g. --map code=会員No");
                goto out;
            }
            maps = xgrow(maps, &cap_maps, nmaps + 1, sizeof(*maps));
            maps[nmaps++] = optarg;
            break;
        case OPT_DATE_FORMAT:
            o.date_format = optarg;
            break;
        case OPT_DRY_RUN:
            o.dry_run = 1;
            break;
        case OPT_ON_ERROR:
            if (!strcmp(optarg, "skip"))
                o.skip_bad = 1;
            else if (strcmp(optarg, "abort")) {
                rc = cli_usage("import", "--on-error takes abort or skip, not '%s'", optarg);
                goto out;
            }
            break;
        case OPT_ERRORS:
            o.errors_path = optarg;
            break;
        case OPT_REJECTS:
            o.reject_path = optarg;
            break;
        case OPT_SHEET:
            o.tab.sheet = optarg;
            break;
        case OPT_CANCEL_PREFIX:
            o.cancel_prefix = optarg;
            break;
        case OPT_CREATE_CUSTOMERS:
            o.create_customers = 1;
            break;
        case OPT_PROGRESS:
            progress = 1;
            break;
        case OPT_NO_PROGRESS:
            progress = 0;
            break;
        case OPT_HELP:
            fputs(HELP, stdout);
            goto out;
        default:
            rc = EXIT_USAGE;
            goto out;
        }
    }
    if (argc - optind != 2) {
        rc = cli_usage("import", "give a KIND and a FILE, e.g. okaeri import customers list.csv");
        goto out;
    }
    if (io_kind_parse(argv[optind], &o.kind, &err) < 0) {
        rc = cli_usage("import", "%s", err.message);
        goto out;
    }
    o.maps = maps;
    o.nmaps = nmaps;
    o.actor = &cli->actor;
    o.progress = progress >= 0 ? progress : isatty(STDERR_FILENO);
    db = cli_open_db(cli, 0);
    if (!db) {
        rc = EXIT_ERROR;
        goto out;
    }
    if (import_file(db, argv[optind + 1], &o, &rep, &err) < 0) {
        if (rep.warnings.len)
            fputs(rep.warnings.data, stderr);
        if (rep.errors.len) {
            fputs(rep.errors.data, stderr);
            if (rep.bad_rows > (int64_t)IMPORT_DEFAULT_SHOWN)
                fprintf(stderr, "… and %lld more bad rows%s\n",
                        (long long)(rep.bad_rows - (int64_t)IMPORT_DEFAULT_SHOWN),
                        o.errors_path ? " (all of them are in the --errors file)"
                                      : "; list them all with --errors FILE");
        }
        if (rep.rows) {
            print_report(&rep, &o, argv[optind + 1]);
            /* the counts say what the file held; none of it stays (one transaction) */
            if (!o.dry_run && !strstr(err.message, "nothing was written"))
                printf("nothing was written: the import was rolled back\n");
        }
        rc = cli_fail(&err);
        goto out;
    }
    if (rep.warnings.len)
        fputs(rep.warnings.data, stderr);
    if (rep.errors.len) {
        fputs(rep.errors.data, stderr);
        if (rep.bad_rows > (int64_t)IMPORT_DEFAULT_SHOWN)
            fprintf(stderr, "… and %lld more bad rows\n",
                    (long long)(rep.bad_rows - (int64_t)IMPORT_DEFAULT_SHOWN));
    }
    print_report(&rep, &o, argv[optind + 1]);
out:
    free(maps);
    import_report_release(&rep);
    db_close(&db);
    return rc;
}
