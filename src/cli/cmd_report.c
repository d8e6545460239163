/*
 * cmd_report.c - `okaeri report NAME [--as-of DATE] [--from DATE --to DATE] [--state S]
 * [--format table|csv|json]`.
 *
 * Every report is a function of the ledger snapshot and dates that returns a table (see
 * service/reports.h); this file only parses the command line, loads the snapshot and prints.
 */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "core/date.h"
#include "service/reports.h"
#include "service/snapshot.h"
#include "core/banned.h"

enum {
    OPT_AS_OF = 1000,
    OPT_FROM,
    OPT_TO,
    OPT_STATE,
    OPT_FORMAT,
    OPT_HELP,
    OPT_PLAN_FIRST, /* planning inputs, in the order of plan_options below */
};

/* Planning inputs: option name and where the number goes. */
static double *plan_field(struct report_plan_inputs *in, int i)
{
    double *fields[] = {&in->revenue,        &in->leads,        &in->conversion, &in->unit_price,
                        &in->leads_per_year, &in->won_per_year, &in->years,      &in->cost,
                        &in->saved_per_day,  &in->days};
    return fields[i];
}
static const char *const plan_options[] = {
    "revenue",      "leads", "conversion", "unit-price",    "leads-per-year",
    "won-per-year", "years", "cost",       "saved-per-day", "days"};
#define NPLAN ((int)(sizeof(plan_options) / sizeof(plan_options[0])))

static void report_help(void)
{
    size_t i, n;
    const struct report_def *defs = service_reports(&n);
    printf("usage: okaeri report NAME [--as-of DATE] [--format table|csv|json]\n"
           "                          [--from DATE --to DATE] [--state STATE]\n\n"
           "  --as-of DATE   compute as of this day (default: today in the database's time zone)\n"
           "  --from, --to   the period of reports over a range (default: the year up to as-of)\n"
           "  --state S      inventory: list the members of one state (or all)\n"
           "  --format F     table (default), csv or json; column names are stable\n\n"
           "planning (report plan, lost-pool, payback; money in yen/dollars, not minor units):\n"
           "  --revenue N --leads N --conversion R --unit-price N   leave exactly one out to\n"
           "                 solve for it (missing ones beyond one come from the period's data)\n"
           "  --scenario \"NAME:key=value,...\"   more scenarios side by side, e.g.\n"
           "                 \"悲観:conversion=0.04,revenue=20000000\" (repeatable)\n"
           "  --leads-per-year N --won-per-year N --years N        report lost-pool\n"
           "  --cost N --saved-per-day N --days N                   report payback\n\n"
           "reports:\n");
    for (i = 0; i < n; i++)
        printf("  %-13s %s\n", defs[i].name, defs[i].summary);
    printf("\nThe definition of every column is in docs/reports.md.\n");
}

/* Parses a date option into *day; prints the error and returns -1 when invalid. */
static int parse_day(const char *opt, const char *text, int32_t *day)
{
    struct ok_err err;
    int32_t secs;
    ok_err_clear(&err);
    if (date_parse(text, strlen(text), day, &secs, &err) < 0) {
        ok_err_prefix(&err, "%s", opt);
        cli_fail(&err);
        return -1;
    }
    return 0;
}

int cmd_report(struct cli *cli, int argc, char **argv)
{
    struct option opts[8 + NPLAN] = {
        {"as-of", required_argument, NULL, OPT_AS_OF},
        {"from", required_argument, NULL, OPT_FROM},
        {"to", required_argument, NULL, OPT_TO},
        {"state", required_argument, NULL, OPT_STATE},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"help", no_argument, NULL, OPT_HELP},
        {"scenario", required_argument, NULL, OPT_PLAN_FIRST + NPLAN},
    };
    int k;
    const struct report_def *def;
    enum cli_format format = CLI_FORMAT_TABLE;
    struct report_params params;
    int has_as_of = 0;
    struct snapshot snap;
    struct ok_err err;
    struct table *t;
    struct db *db;
    int opt, rc = EXIT_OK;
    ok_err_clear(&err);
    memset(&params, 0, sizeof(params));
    report_plan_inputs_init(&params.plan);
    for (k = 0; k < NPLAN; k++) {
        opts[7 + k].name = plan_options[k];
        opts[7 + k].has_arg = required_argument;
        opts[7 + k].flag = NULL;
        opts[7 + k].val = OPT_PLAN_FIRST + k;
    }
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        report_help();
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    def = service_report_find(argv[1]);
    if (!def)
        return cli_usage("report", "unknown report '%s'", argv[1]);
    optind = 0;
    while ((opt = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
        switch (opt) {
        case OPT_AS_OF:
            if (parse_day("--as-of", optarg, &params.as_of) < 0)
                return EXIT_ERROR;
            has_as_of = 1;
            break;
        case OPT_FROM:
            if (parse_day("--from", optarg, &params.from) < 0)
                return EXIT_ERROR;
            params.has_from = 1;
            break;
        case OPT_TO:
            if (parse_day("--to", optarg, &params.to) < 0)
                return EXIT_ERROR;
            params.has_to = 1;
            break;
        case OPT_STATE:
            params.state = optarg;
            break;
        case OPT_FORMAT:
            if (cli_format_parse(optarg, &format) < 0)
                return cli_usage("report", "--format takes table, csv or json");
            break;
        case OPT_HELP:
            report_help();
            return EXIT_OK;
        default:
            if (opt == OPT_PLAN_FIRST + NPLAN) {
                if (params.plan.nscenarios >= 8)
                    return cli_usage("report", "at most 8 --scenario options");
                params.plan.scenarios[params.plan.nscenarios++] = optarg;
                break;
            }
            if (opt >= OPT_PLAN_FIRST && opt < OPT_PLAN_FIRST + NPLAN) {
                char *end;
                double v = strtod(optarg, &end);
                if (end == optarg || *end || !isfinite(v))
                    return cli_usage("report", "--%s needs a number, not '%s'",
                                     plan_options[opt - OPT_PLAN_FIRST], optarg);
                *plan_field(&params.plan, opt - OPT_PLAN_FIRST) = v;
                break;
            }
            return EXIT_USAGE;
        }
    }
    if (optind < argc - 1)
        return cli_usage("report", "unexpected argument '%s'", argv[optind + 1]);
    db = cli_open_db(cli, DB_OPEN_READONLY);
    if (!db)
        return EXIT_ERROR;
    if (snapshot_load(db, &snap, &err) < 0) {
        db_close(&db);
        return cli_fail(&err);
    }
    if (!has_as_of)
        params.as_of = params.has_to ? params.to : snapshot_today(&snap);
    t = service_report_run(db, &snap, def, &params, &err);
    if (!t)
        rc = cli_fail(&err);
    else
        cli_print_table(t, format);
    table_free(&t);
    snapshot_release(&snap);
    db_close(&db);
    return rc;
}
