/*
 * cmd_demo.c - `okaeri demo [--customers N] [--seed S] [--as-of DATE]`: load a realistic demo
 * business into a new (or empty) database.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "cli/cli.h"
#include "core/date.h"
#include "db/migrate.h"
#include "demo/demo.h"
#include "core/banned.h"

enum { OPT_CUSTOMERS = 1000, OPT_SEED, OPT_AS_OF, OPT_QUIET, OPT_HELP };

static void show_progress(void *ctx, int64_t done, int64_t total)
{
    (void)ctx;
    fprintf(stderr, "\rdemo: %lld / %lld customers (%.0f%%)", (long long)done, (long long)total,
            total ? 100.0 * (double)done / (double)total : 100.0);
    if (done >= total)
        fputc('\n', stderr);
}

int cmd_demo(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"customers", required_argument, NULL, OPT_CUSTOMERS},
        {"seed", required_argument, NULL, OPT_SEED},
        {"as-of", required_argument, NULL, OPT_AS_OF},
        {"quiet", no_argument, NULL, OPT_QUIET},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    struct demo_options opt;
    struct demo_stats stats;
    struct ok_err err;
    struct db *db;
    int64_t seed;
    int o, quiet = 0, rc = EXIT_OK;
    demo_options_init(&opt);
    ok_err_clear(&err);
    optind = 0;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (o) {
        case OPT_CUSTOMERS:
            if (cli_parse_int("demo", "--customers", optarg, 1, DEMO_MAX_CUSTOMERS,
                              &opt.customers) < 0)
                return EXIT_USAGE;
            break;
        case OPT_SEED:
            if (cli_parse_int("demo", "--seed", optarg, 0, INT64_MAX, &seed) < 0)
                return EXIT_USAGE;
            opt.seed = (uint64_t)seed;
            break;
        case OPT_AS_OF: {
            int32_t secs;
            if (date_parse(optarg, strlen(optarg), &opt.as_of, &secs, &err) < 0) {
                ok_err_prefix(&err, "--as-of");
                return cli_fail(&err);
            }
            break;
        }
        case OPT_QUIET:
            quiet = 1;
            break;
        case OPT_HELP:
            printf("usage: okaeri [--db PATH] demo [--customers N] [--seed S] [--as-of DATE]\n\n"
                   "Creates the database if needed and loads a realistic demo business: a coffee\n"
                   "and tea shop with three years of customers, orders, deals, contracts,\n"
                   "referrals, contacts and feedback before the as-of date (default today).\n"
                   "The same --customers, --seed and --as-of give the same data. The database\n"
                   "must not have customers yet. See docs/demo.md.\n"
                   "  --customers N   default %d\n"
                   "  --seed S        default %d\n"
                   "  --quiet         no progress on stderr\n",
                   DEMO_DEFAULT_CUSTOMERS, DEMO_DEFAULT_SEED);
            return EXIT_OK;
        default:
            return EXIT_USAGE;
        }
    }
    if (optind < argc)
        return cli_usage("demo", "unexpected argument '%s'", argv[optind]);
    db = db_open(cli->db_target, DB_OPEN_CREATE, &err);
    if (!db)
        return cli_fail(&err);
    if (migrate_apply(db, NULL, &err) < 0) {
        rc = cli_fail(&err);
        goto out;
    }
    if (!quiet && isatty(STDERR_FILENO)) {
        opt.progress = show_progress;
        opt.progress_ctx = NULL;
    }
    if (demo_generate(db, &opt, &stats, &err) < 0) {
        rc = cli_fail(&err);
        goto out;
    }
    printf("demo: %lld customers, %lld order lines (%lld orders), %lld deals, %lld contracts, "
           "%lld referrals, %lld activities, %lld feedback in %.1f s (%.0f order lines/s)\n",
           (long long)stats.rows.customers, (long long)stats.rows.order_lines,
           (long long)stats.orders, (long long)stats.rows.deals, (long long)stats.rows.contracts,
           (long long)stats.rows.referrals, (long long)stats.rows.activities,
           (long long)stats.rows.feedback, stats.seconds, stats.lines_per_second);
out:
    db_close(&db);
    return rc;
}
