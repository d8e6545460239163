/*
 * cmd_deal.c - `okaeri deal add|edit|win|lose|reopen|list`.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "store/fields.h"
#include "store/deal.h"
#include "core/banned.h"

enum {
    OPT_CODE = 1000,
    OPT_CUSTOMER,
    OPT_KIND,
    OPT_TITLE,
    OPT_AMOUNT,
    OPT_OPENED,
    OPT_OWNER,
    OPT_TRIGGER,
    OPT_PRODUCT,
    OPT_ON,
    OPT_REASON,
    OPT_NOTE,
    OPT_STAGE,
    OPT_AFTER,
    OPT_LIMIT,
    OPT_FORMAT,
    OPT_VERSION,
    OPT_HELP
};

static int deal_add(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"code", required_argument, NULL, OPT_CODE},
        {"customer", required_argument, NULL, OPT_CUSTOMER},
        {"kind", required_argument, NULL, OPT_KIND},
        {"title", required_argument, NULL, OPT_TITLE},
        {"amount", required_argument, NULL, OPT_AMOUNT},
        {"opened", required_argument, NULL, OPT_OPENED},
        {"owner", required_argument, NULL, OPT_OWNER},
        {"trigger", required_argument, NULL, OPT_TRIGGER},
        {"product", required_argument, NULL, OPT_PRODUCT},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    struct deal d;
    struct ok_err err;
    struct db *db = NULL;
    const char *amount = NULL;
    int opt, rc = EXIT_OK;
    int64_t id;
    memset(&d, 0, sizeof(d));
    ok_err_clear(&err);
    optind = 0;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (opt) {
        case OPT_CODE:
            store_field_set(&d.code, optarg);
            break;
        case OPT_CUSTOMER:
            store_field_set(&d.customer_code, optarg);
            break;
        case OPT_KIND:
            store_field_set(&d.kind, optarg);
            break;
        case OPT_TITLE:
            store_field_set(&d.title, optarg);
            break;
        case OPT_AMOUNT:
            amount = optarg;
            break;
        case OPT_OPENED:
            store_field_set(&d.opened_at, optarg);
            break;
        case OPT_OWNER:
            store_field_set(&d.owner_login, optarg);
            break;
        case OPT_TRIGGER:
            store_field_set(&d.trigger, optarg);
            break;
        case OPT_PRODUCT:
            store_field_set(&d.product_sku, optarg);
            break;
        case OPT_HELP:
            printf("usage: okaeri deal add --customer CODE [options]\n\n"
                   "Opens a deal.\n"
                   "  --kind new|renewal|upsell|cross_sell|referral   (default new)\n"
                   "  --title TEXT   --amount AMOUNT   --opened DATE (default today)\n"
                   "  --owner LOGIN  --trigger CODE (what prompted it)  --product SKU\n"
                   "  --code CODE    your own id for the deal\n");
            goto out;
        default:
            rc = EXIT_USAGE;
            goto out;
        }
    }
    if (optind < argc) {
        rc = cli_usage("deal add", "unexpected argument '%s'", argv[optind]);
        goto out;
    }
    db = cli_open_db(cli, 0);
    if (!db) {
        rc = EXIT_ERROR;
        goto out;
    }
    if (amount && cli_parse_money(db, amount, &d.amount, &err) < 0) {
        ok_err_locate(&err, "amount", 0);
        rc = cli_fail(&err);
        goto out;
    }
    id = store_deal_create(db, &cli->actor, &d, &err);
    if (id < 0) {
        rc = cli_fail(&err);
        goto out;
    }
    printf("opened deal %lld for %s\n", (long long)id, d.customer_code);
out:
    deal_release(&d);
    db_close(&db);
    return rc;
}

/* `deal win REF [--on DATE] [--amount N]` and `deal lose REF --reason R [--note T] [--on D]`. */
static int deal_close_cmd(struct cli *cli, int argc, char **argv, int won)
{
    static const struct option opts[] = {
        {"on", required_argument, NULL, OPT_ON},
        {"amount", required_argument, NULL, OPT_AMOUNT},
        {"reason", required_argument, NULL, OPT_REASON},
        {"note", required_argument, NULL, OPT_NOTE},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    const char *cmd = won ? "deal win" : "deal lose";
    const char *on = NULL, *amount = NULL, *reason = NULL, *note = NULL;
    struct ok_err err;
    struct db *db;
    int64_t minor = -1;
    int opt, rc = EXIT_OK;
    ok_err_clear(&err);
    optind = 0;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (opt) {
        case OPT_ON:
            on = optarg;
            break;
        case OPT_AMOUNT:
            if (!won)
                return cli_usage(cmd, "--amount is for won deals");
            amount = optarg;
            break;
        case OPT_REASON:
            if (won)
                return cli_usage(cmd, "--reason is for lost deals");
            reason = optarg;
            break;
        case OPT_NOTE:
            if (won)
                return cli_usage(cmd, "--note is for lost deals");
            note = optarg;
            break;
        case OPT_HELP:
            if (won)
                printf("usage: okaeri deal win DEAL [--on DATE] [--amount AMOUNT]\n\n"
                       "Marks an open deal (by id or code) as won.\n");
            else
                printf("usage: okaeri deal lose DEAL --reason REASON [--note TEXT] [--on DATE]\n\n"
                       "Marks an open deal (by id or code) as lost. REASON is a code or label of\n"
                       "the lost reasons list: price 価格, timing 時期, competitor 競合, other "
                       "その他\n"
                       "(or one you added).\n");
            return EXIT_OK;
        default:
            return EXIT_USAGE;
        }
    }
    if (optind != argc - 1)
        return cli_usage(cmd, "give exactly one deal id or code");
    if (!won && !reason)
        return cli_usage(cmd, "say why with --reason (価格 price, 時期 timing, 競合 competitor, "
                              "その他 other)");
    db = cli_open_db(cli, 0);
    if (!db)
        return EXIT_ERROR;
    if (amount && cli_parse_money(db, amount, &minor, &err) < 0) {
        ok_err_locate(&err, "amount", 0);
        rc = cli_fail(&err);
    } else if (won ? store_deal_win(db, &cli->actor, argv[optind], on, minor, &err)
                   : store_deal_lose(db, &cli->actor, argv[optind], on, reason, note, &err)) {
        rc = cli_fail(&err);
    } else {
        printf("deal %s %s\n", argv[optind], won ? "won" : "lost");
    }
    db_close(&db);
    return rc;
}

static int list_row(void *ctx, const struct deal *d)
{
    struct table *t = ctx;
    size_t r = table_add_row(t);
    table_set_int(t, r, 0, d->id);
    table_set_text(t, r, 1, d->code);
    table_set_text(t, r, 2, d->customer_code);
    table_set_text(t, r, 3, d->kind);
    table_set_text(t, r, 4, d->stage);
    table_set_text(t, r, 5, d->title);
    table_set_money(t, r, 6, d->amount);
    table_set_text(t, r, 7, d->opened_at);
    table_set_text(t, r, 8, d->closed_at);
    table_set_text(t, r, 9, d->lost_reason);
    table_set_text(t, r, 10, d->lost_note);
    table_set_text(t, r, 11, d->owner_login);
    table_set_int(t, r, 12, d->version);
    if (d->reopened_as)
        table_set_int(t, r, 13, d->reopened_as);
    if (d->reopened_from)
        table_set_int(t, r, 14, d->reopened_from);
    return 0;
}

static int deal_list(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"customer", required_argument, NULL, OPT_CUSTOMER},
        {"stage", required_argument, NULL, OPT_STAGE},
        {"reason", required_argument, NULL, OPT_REASON},
        {"after", required_argument, NULL, OPT_AFTER},
        {"limit", required_argument, NULL, OPT_LIMIT},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    struct deal_query q = {0};
    enum cli_format format = CLI_FORMAT_TABLE;
    struct ok_err err;
    struct db *db;
    struct table *t;
    int64_t limit = 100;
    int opt, rc = EXIT_OK;
    ok_err_clear(&err);
    optind = 0;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (opt) {
        case OPT_CUSTOMER:
            q.customer_code = optarg;
            break;
        case OPT_STAGE:
            q.stage = optarg;
            break;
        case OPT_REASON:
            q.lost_reason = optarg;
            break;
        case OPT_AFTER:
            if (cli_parse_int("deal list", "--after", optarg, 0, INT64_MAX, &q.after_id) < 0)
                return EXIT_USAGE;
            break;
        case OPT_LIMIT:
            if (cli_parse_int("deal list", "--limit", optarg, 1, 1000000, &limit) < 0)
                return EXIT_USAGE;
            break;
        case OPT_FORMAT:
            if (cli_format_parse(optarg, &format) < 0)
                return cli_usage("deal list", "--format takes table, csv or json");
            break;
        case OPT_HELP:
            printf("usage: okaeri deal list [--customer CODE] [--stage open|won|lost]\n"
                   "                        [--reason CODE] [--after ID] [--limit N]\n"
                   "                        [--format table|csv|json]\n");
            return EXIT_OK;
        default:
            return EXIT_USAGE;
        }
    }
    if (optind < argc)
        return cli_usage("deal list", "unexpected argument '%s'", argv[optind]);
    q.limit = (int)limit;
    db = cli_open_db(cli, DB_OPEN_READONLY);
    if (!db)
        return EXIT_ERROR;
    t = table_new("deals");
    table_add_column(t, "id", TABLE_INT);
    table_add_column(t, "code", TABLE_TEXT);
    table_add_column(t, "customer_code", TABLE_TEXT);
    table_add_column(t, "kind", TABLE_TEXT);
    table_add_column(t, "stage", TABLE_TEXT);
    table_add_column(t, "title", TABLE_TEXT);
    table_add_column(t, "amount", TABLE_MONEY);
    table_add_column(t, "opened_at", TABLE_TEXT);
    table_add_column(t, "closed_at", TABLE_TEXT);
    table_add_column(t, "lost_reason", TABLE_TEXT);
    table_add_column(t, "lost_note", TABLE_TEXT);
    table_add_column(t, "owner", TABLE_TEXT);
    table_add_column(t, "version", TABLE_INT);
    table_add_column(t, "reopened_as", TABLE_INT);
    table_add_column(t, "reopened_from", TABLE_INT);
    if (store_deal_list(db, &q, list_row, t, &err) < 0)
        rc = cli_fail(&err);
    else
        cli_print_table(t, format);
    table_free(&t);
    db_close(&db);
    return rc;
}

/* `deal edit DEAL [--title T] [--amount A] ... [--version N]`: changes only the fields given. */
static int deal_edit(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"kind", required_argument, NULL, OPT_KIND},
        {"title", required_argument, NULL, OPT_TITLE},
        {"amount", required_argument, NULL, OPT_AMOUNT},
        {"opened", required_argument, NULL, OPT_OPENED},
        {"owner", required_argument, NULL, OPT_OWNER},
        {"trigger", required_argument, NULL, OPT_TRIGGER},
        {"product", required_argument, NULL, OPT_PRODUCT},
        {"version", required_argument, NULL, OPT_VERSION},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    const char *v[OPT_HELP - OPT_CODE + 1] = {NULL};
    struct deal d;
    struct ok_err err;
    struct db *db = NULL;
    int64_t expected = 0;
    int opt, rc = EXIT_OK, changes = 0;
    memset(&d, 0, sizeof(d));
    ok_err_clear(&err);
    optind = 0;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (opt == OPT_HELP) {
            printf("usage: okaeri deal edit DEAL [options]\n\n"
                   "Changes only the fields given of deal DEAL (id or code). The customer stays;\n"
                   "the stage changes with win, lose and reopen.\n"
                   "  --title TEXT   --amount AMOUNT   --opened DATE (not after it closed)\n"
                   "  --kind new|renewal|upsell|cross_sell|referral\n"
                   "  --owner LOGIN  --trigger CODE  --product SKU   ('' clears)\n"
                   "  --version N    refuse the edit unless the deal is still at version N\n");
            return EXIT_OK;
        }
        if (opt < OPT_CODE || opt > OPT_HELP)
            return EXIT_USAGE;
        if (opt == OPT_VERSION) {
            if (cli_parse_int("deal edit", "--version", optarg, 1, INT64_MAX, &expected) < 0)
                return EXIT_USAGE;
            continue;
        }
        v[opt - OPT_CODE] = optarg;
        changes++;
    }
    if (optind != argc - 1)
        return cli_usage("deal edit", "give exactly one deal id or code, then the changes");
    if (changes == 0)
        return cli_usage("deal edit", "nothing to change; give at least one field option");
    db = cli_open_db(cli, 0);
    if (!db)
        return EXIT_ERROR;
    if (store_deal_get(db, argv[optind], &d, &err) < 0)
        goto fail;
    if (expected && expected != d.version) {
        ok_err_set(&err, OK_ERR_CONFLICT,
                   "deal %s is at version %lld, not %lld: someone changed it; list it again and "
                   "repeat your edit",
                   argv[optind], (long long)d.version, (long long)expected);
        goto fail;
    }
#define SET(o, field)                                                                              \
    if (v[(o)-OPT_CODE])                                                                           \
    store_field_set(&d.field, v[(o)-OPT_CODE])
    SET(OPT_KIND, kind);
    SET(OPT_TITLE, title);
    SET(OPT_OPENED, opened_at);
    SET(OPT_OWNER, owner_login);
    SET(OPT_TRIGGER, trigger);
    SET(OPT_PRODUCT, product_sku);
#undef SET
    if (v[OPT_AMOUNT - OPT_CODE] &&
        cli_parse_money(db, v[OPT_AMOUNT - OPT_CODE], &d.amount, &err) < 0) {
        ok_err_locate(&err, "amount", 0);
        goto fail;
    }
    if (store_deal_update(db, &cli->actor, &d, &err) < 0)
        goto fail;
    printf("updated deal %lld (version %lld)\n", (long long)d.id, (long long)d.version);
    goto out;
fail:
    rc = cli_fail(&err);
out:
    deal_release(&d);
    db_close(&db);
    return rc;
}

/* `deal reopen DEAL [--on DATE] [--version N]`. */
static int deal_reopen(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"on", required_argument, NULL, OPT_ON},
        {"version", required_argument, NULL, OPT_VERSION},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    const char *on = NULL;
    struct ok_err err;
    struct db *db;
    int64_t expected = 0, id;
    int opt, rc = EXIT_OK;
    ok_err_clear(&err);
    optind = 0;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (opt) {
        case OPT_ON:
            on = optarg;
            break;
        case OPT_VERSION:
            if (cli_parse_int("deal reopen", "--version", optarg, 1, INT64_MAX, &expected) < 0)
                return EXIT_USAGE;
            break;
        case OPT_HELP:
            printf("usage: okaeri deal reopen DEAL [--on DATE] [--version N]\n\n"
                   "The customer came back to lost deal DEAL (id or code): opens a new deal that\n"
                   "continues it (same customer, kind, title, amount, owner, trigger, product),\n"
                   "opened on DATE (default today, not before the loss). The loss stays recorded\n"
                   "with its reason; the KPIs count the reopening as a reactivation, and the\n"
                   "automation the loss started ends (exit reason deal_reopened). A lost deal\n"
                   "reopens once.\n"
                   "  --version N   refuse unless the lost deal is still at version N\n");
            return EXIT_OK;
        default:
            return EXIT_USAGE;
        }
    }
    if (optind != argc - 1)
        return cli_usage("deal reopen", "give exactly one deal id or code");
    db = cli_open_db(cli, 0);
    if (!db)
        return EXIT_ERROR;
    id = store_deal_reopen(db, &cli->actor, argv[optind], expected, on, &err);
    if (id < 0)
        rc = cli_fail(&err);
    else
        printf("reopened deal %s as deal %lld\n", argv[optind], (long long)id);
    db_close(&db);
    return rc;
}

int cmd_deal(struct cli *cli, int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        printf("usage: okaeri deal add|edit|win|lose|reopen|list ...\n\n"
               "  add     --customer CODE [--kind K] [--amount N] ...   open a deal\n"
               "  edit    DEAL [--title T] [--amount N] ... [--version N]  change its fields\n"
               "  win     DEAL [--on DATE] [--amount N]                 mark it won\n"
               "  lose    DEAL --reason REASON [--note TEXT]            mark it lost, and why\n"
               "  reopen  DEAL [--on DATE]                              the customer came back\n"
               "  list    [--customer CODE] [--stage S] [--reason R]    list deals\n");
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    if (!strcmp(argv[1], "add"))
        return deal_add(cli, argc - 1, argv + 1);
    if (!strcmp(argv[1], "win"))
        return deal_close_cmd(cli, argc - 1, argv + 1, 1);
    if (!strcmp(argv[1], "lose"))
        return deal_close_cmd(cli, argc - 1, argv + 1, 0);
    if (!strcmp(argv[1], "list"))
        return deal_list(cli, argc - 1, argv + 1);
    if (!strcmp(argv[1], "edit"))
        return deal_edit(cli, argc - 1, argv + 1);
    if (!strcmp(argv[1], "reopen"))
        return deal_reopen(cli, argc - 1, argv + 1);
    return cli_usage("deal", "unknown subcommand '%s'", argv[1]);
}
