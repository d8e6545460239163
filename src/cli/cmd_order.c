/*
 * cmd_order.c - `okaeri order add|list|edit|delete`.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "store/fields.h"
#include "store/order.h"
#include "core/banned.h"

enum {
    OPT_CODE = 1000,
    OPT_LINE,
    OPT_CUSTOMER,
    OPT_AT,
    OPT_PRODUCT,
    OPT_QUANTITY,
    OPT_UNIT_PRICE,
    OPT_AMOUNT,
    OPT_CHANNEL,
    OPT_STORE,
    OPT_ORIGINAL,
    OPT_FROM,
    OPT_TO,
    OPT_AFTER,
    OPT_LIMIT,
    OPT_FORMAT,
    OPT_VERSION,
    OPT_HELP
};

static int order_add(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"code", required_argument, NULL, OPT_CODE},
        {"line", required_argument, NULL, OPT_LINE},
        {"customer", required_argument, NULL, OPT_CUSTOMER},
        {"at", required_argument, NULL, OPT_AT},
        {"product", required_argument, NULL, OPT_PRODUCT},
        {"quantity", required_argument, NULL, OPT_QUANTITY},
        {"unit-price", required_argument, NULL, OPT_UNIT_PRICE},
        {"amount", required_argument, NULL, OPT_AMOUNT},
        {"channel", required_argument, NULL, OPT_CHANNEL},
        {"store", required_argument, NULL, OPT_STORE},
        {"original", required_argument, NULL, OPT_ORIGINAL},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    struct order_line o;
    struct ok_err err;
    struct db *db = NULL;
    const char *unit_price = NULL, *amount = NULL;
    int opt, rc = EXIT_OK;
    memset(&o, 0, sizeof(o));
    ok_err_clear(&err);
    optind = 0;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (opt) {
        case OPT_CODE:
            store_field_set(&o.order_code, optarg);
            break;
        case OPT_LINE:
            if (cli_parse_int("order add", "--line", optarg, 1, 1000000, &o.line_no) < 0) {
                rc = EXIT_USAGE;
                goto out;
            }
            break;
        case OPT_CUSTOMER:
            store_field_set(&o.customer_code, optarg);
            break;
        case OPT_AT:
            store_field_set(&o.ordered_at, optarg);
            break;
        case OPT_PRODUCT:
            store_field_set(&o.product_sku, optarg);
            break;
        case OPT_QUANTITY:
            if (cli_parse_int("order add", "--quantity", optarg, -1000000000, 1000000000,
                              &o.quantity) < 0) {
                rc = EXIT_USAGE;
                goto out;
            }
            break;
        case OPT_UNIT_PRICE:
            unit_price = optarg;
            break;
        case OPT_AMOUNT:
            amount = optarg;
            break;
        case OPT_CHANNEL:
            store_field_set(&o.channel, optarg);
            break;
        case OPT_STORE:
            store_field_set(&o.store, optarg);
            break;
        case OPT_ORIGINAL:
            store_field_set(&o.original_code, optarg);
            break;
        case OPT_HELP:
            printf("usage: okaeri order add --code ORDER --customer CODE --at DATE\n"
                   "                        (--amount AMOUNT | --unit-price PRICE) [options]\n\n"
                   "Adds one order line. Lines with the same --code form one order.\n"
                   "  --at DATE           2024-01-05, 2024/1/5 13:00, 令和6年1月5日 ...\n"
                   "  --amount AMOUNT     line total, e.g. 1,980 or ¥1980; negative for a return\n"
                   "  --unit-price PRICE  with --quantity: amount = quantity × unit price\n"
                   "  --quantity N        default 1; negative for a return\n"
                   "  --product SKU       --channel store|online|...   --store NAME\n"
                   "  --line N            line number (default: the next one of the order)\n"
                   "  --original ORDER    for a return: the order it reverses\n");
            goto out;
        default:
            rc = EXIT_USAGE;
            goto out;
        }
    }
    if (optind < argc) {
        rc = cli_usage("order add", "unexpected argument '%s'", argv[optind]);
        goto out;
    }
    db = cli_open_db(cli, 0);
    if (!db) {
        rc = EXIT_ERROR;
        goto out;
    }
    if (amount) {
        if (cli_parse_money(db, amount, &o.amount, &err) < 0) {
            ok_err_locate(&err, "amount", 0);
            rc = cli_fail(&err);
            goto out;
        }
        o.has_amount = 1;
    }
    if (unit_price) {
        if (cli_parse_money(db, unit_price, &o.unit_price, &err) < 0) {
            ok_err_locate(&err, "unit_price", 0);
            rc = cli_fail(&err);
            goto out;
        }
        o.has_unit_price = 1;
    }
    if (store_order_add(db, &cli->actor, &o, &err) < 0) {
        rc = cli_fail(&err);
        goto out;
    }
    printf("added order %s line %lld for %s\n", o.order_code, (long long)o.line_no,
           o.customer_code);
out:
    order_line_release(&o);
    db_close(&db);
    return rc;
}

static int list_row(void *ctx, const struct order_line *o)
{
    struct table *t = ctx;
    size_t r = table_add_row(t);
    table_set_int(t, r, 0, o->id);
    table_set_text(t, r, 1, o->order_code);
    table_set_int(t, r, 2, o->line_no);
    table_set_text(t, r, 3, o->customer_code);
    table_set_text(t, r, 4, o->ordered_at);
    table_set_text(t, r, 5, o->product_sku);
    table_set_int(t, r, 6, o->quantity);
    table_set_money(t, r, 7, o->amount);
    table_set_text(t, r, 8, o->channel);
    table_set_text(t, r, 9, o->original_code);
    table_set_int(t, r, 10, o->version);
    return 0;
}

static int order_list(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"customer", required_argument, NULL, OPT_CUSTOMER},
        {"from", required_argument, NULL, OPT_FROM},
        {"to", required_argument, NULL, OPT_TO},
        {"after", required_argument, NULL, OPT_AFTER},
        {"limit", required_argument, NULL, OPT_LIMIT},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    struct order_query q = {0};
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
        case OPT_FROM:
            q.from = optarg;
            break;
        case OPT_TO:
            q.to = optarg;
            break;
        case OPT_AFTER:
            if (cli_parse_int("order list", "--after", optarg, 0, INT64_MAX, &q.after_id) < 0)
                return EXIT_USAGE;
            break;
        case OPT_LIMIT:
            if (cli_parse_int("order list", "--limit", optarg, 1, 1000000, &limit) < 0)
                return EXIT_USAGE;
            break;
        case OPT_FORMAT:
            if (cli_format_parse(optarg, &format) < 0)
                return cli_usage("order list", "--format takes table, csv or json");
            break;
        case OPT_HELP:
            printf("usage: okaeri order list [--customer CODE] [--from DATE] [--to DATE]\n"
                   "                         [--after ID] [--limit N] [--format table|csv|json]\n");
            return EXIT_OK;
        default:
            return EXIT_USAGE;
        }
    }
    if (optind < argc)
        return cli_usage("order list", "unexpected argument '%s'", argv[optind]);
    q.limit = (int)limit;
    db = cli_open_db(cli, DB_OPEN_READONLY);
    if (!db)
        return EXIT_ERROR;
    t = table_new("orders");
    table_add_column(t, "id", TABLE_INT);
    table_add_column(t, "order_code", TABLE_TEXT);
    table_add_column(t, "line_no", TABLE_INT);
    table_add_column(t, "customer_code", TABLE_TEXT);
    table_add_column(t, "ordered_at", TABLE_TEXT);
    table_add_column(t, "product", TABLE_TEXT);
    table_add_column(t, "quantity", TABLE_INT);
    table_add_column(t, "amount", TABLE_MONEY);
    table_add_column(t, "channel", TABLE_TEXT);
    table_add_column(t, "original_code", TABLE_TEXT);
    table_add_column(t, "version", TABLE_INT);
    if (store_order_list(db, &q, list_row, t, &err) < 0)
        rc = cli_fail(&err);
    else
        cli_print_table(t, format);
    table_free(&t);
    db_close(&db);
    return rc;
}

/* Parses the line id argument; -1 after a usage message. */
static int parse_line_id(const char *cmd, const char *s, int64_t *id)
{
    return cli_parse_int(cmd, "ID", s, 1, INT64_MAX, id);
}

/* Loads line id for a change; with expected > 0 it must still be at that version. */
static int load_line(struct db *db, int64_t id, int64_t expected, struct order_line *o,
                     struct ok_err *err)
{
    if (store_order_get(db, id, o, err) < 0)
        return -1;
    if (expected && expected != o->version)
        return ok_err_set(err, OK_ERR_CONFLICT,
                          "order line %lld is at version %lld, not %lld: someone changed it; "
                          "list it again and repeat your change",
                          (long long)id, (long long)o->version, (long long)expected);
    return 0;
}

static int order_edit(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"at", required_argument, NULL, OPT_AT},
        {"product", required_argument, NULL, OPT_PRODUCT},
        {"quantity", required_argument, NULL, OPT_QUANTITY},
        {"unit-price", required_argument, NULL, OPT_UNIT_PRICE},
        {"amount", required_argument, NULL, OPT_AMOUNT},
        {"channel", required_argument, NULL, OPT_CHANNEL},
        {"store", required_argument, NULL, OPT_STORE},
        {"version", required_argument, NULL, OPT_VERSION},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    struct order_line o;
    struct ok_err err;
    struct db *db = NULL;
    const char *at = NULL, *product = NULL, *unit_price = NULL, *amount = NULL;
    const char *channel = NULL, *store = NULL;
    int64_t id, quantity = 0, expected = 0;
    int opt, rc = EXIT_OK, has_quantity = 0, changes = 0;
    memset(&o, 0, sizeof(o));
    ok_err_clear(&err);
    optind = 0;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        changes++;
        switch (opt) {
        case OPT_AT:
            at = optarg;
            break;
        case OPT_PRODUCT:
            product = optarg;
            break;
        case OPT_QUANTITY:
            if (cli_parse_int("order edit", "--quantity", optarg, -1000000000, 1000000000,
                              &quantity) < 0)
                return EXIT_USAGE;
            has_quantity = 1;
            break;
        case OPT_UNIT_PRICE:
            unit_price = optarg;
            break;
        case OPT_AMOUNT:
            amount = optarg;
            break;
        case OPT_CHANNEL:
            channel = optarg;
            break;
        case OPT_STORE:
            store = optarg;
            break;
        case OPT_VERSION:
            changes--;
            if (cli_parse_int("order edit", "--version", optarg, 1, INT64_MAX, &expected) < 0)
                return EXIT_USAGE;
            break;
        case OPT_HELP:
            printf("usage: okaeri order edit ID [options]\n\n"
                   "Corrects order line ID (the id column of `okaeri order list`); changes only\n"
                   "the fields given. The order code, line number and customer stay: to move a\n"
                   "line to another customer, delete it and add it again.\n"
                   "  --at DATE           order date or date-time\n"
                   "  --quantity N        with a unit price and no --amount, the amount follows\n"
                   "  --unit-price PRICE  '' clears it\n"
                   "  --amount AMOUNT     line total; '' recomputes quantity × unit price\n"
                   "  --product SKU       --channel NAME   --store NAME   ('' clears)\n"
                   "  --version N         refuse the edit unless the line is still at version N\n");
            return EXIT_OK;
        default:
            return EXIT_USAGE;
        }
    }
    if (optind != argc - 1)
        return cli_usage("order edit", "give exactly one order line id, then the changes");
    if (parse_line_id("order edit", argv[optind], &id) < 0)
        return EXIT_USAGE;
    if (changes == 0)
        return cli_usage("order edit", "nothing to change; give at least one field option");
    db = cli_open_db(cli, 0);
    if (!db)
        return EXIT_ERROR;
    if (load_line(db, id, expected, &o, &err) < 0)
        goto fail;
    if (at)
        store_field_set(&o.ordered_at, at);
    if (product)
        store_field_set(&o.product_sku, product);
    if (channel)
        store_field_set(&o.channel, channel);
    if (store)
        store_field_set(&o.store, store);
    if (has_quantity)
        o.quantity = quantity;
    if (unit_price) {
        o.has_unit_price = *unit_price != '\0';
        o.unit_price = 0;
        if (o.has_unit_price && cli_parse_money(db, unit_price, &o.unit_price, &err) < 0) {
            ok_err_locate(&err, "unit_price", 0);
            goto fail;
        }
    }
    if (amount) {
        o.has_amount = *amount != '\0';
        o.amount = 0;
        if (o.has_amount && cli_parse_money(db, amount, &o.amount, &err) < 0) {
            ok_err_locate(&err, "amount", 0);
            goto fail;
        }
    } else if ((has_quantity || unit_price) && o.has_unit_price) {
        o.has_amount = 0; /* the amount follows the new quantity or price */
    }
    if (store_order_update(db, &cli->actor, &o, &err) < 0)
        goto fail;
    printf("updated order %s line %lld (version %lld)\n", o.order_code, (long long)o.line_no,
           (long long)o.version);
    goto out;
fail:
    rc = cli_fail(&err);
out:
    order_line_release(&o);
    db_close(&db);
    return rc;
}

static int order_delete(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"version", required_argument, NULL, OPT_VERSION},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    struct order_line o;
    struct ok_err err;
    struct db *db = NULL;
    int64_t id, expected = 0;
    int opt, rc = EXIT_OK;
    memset(&o, 0, sizeof(o));
    ok_err_clear(&err);
    optind = 0;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (opt) {
        case OPT_VERSION:
            if (cli_parse_int("order delete", "--version", optarg, 1, INT64_MAX, &expected) < 0)
                return EXIT_USAGE;
            break;
        case OPT_HELP:
            printf(
                "usage: okaeri order delete ID [--version N]\n\n"
                "Deletes order line ID (recorded in the audit log with its values). A return\n"
                "or cancellation is better entered as a negative line (`order add --original`).\n"
                "  --version N   refuse unless the line is still at version N\n");
            return EXIT_OK;
        default:
            return EXIT_USAGE;
        }
    }
    if (optind != argc - 1)
        return cli_usage("order delete", "give exactly one order line id");
    if (parse_line_id("order delete", argv[optind], &id) < 0)
        return EXIT_USAGE;
    db = cli_open_db(cli, 0);
    if (!db)
        return EXIT_ERROR;
    if (load_line(db, id, expected, &o, &err) < 0 ||
        store_order_delete(db, &cli->actor, id, o.version, &err) < 0)
        rc = cli_fail(&err);
    else
        printf("deleted order %s line %lld\n", o.order_code, (long long)o.line_no);
    order_line_release(&o);
    db_close(&db);
    return rc;
}

int cmd_order(struct cli *cli, int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        printf("usage: okaeri order add|list|edit|delete ...\n\n"
               "  add     --code ORDER --customer CODE --at DATE --amount N   add an order line\n"
               "  list    [--customer CODE] [--from DATE] [--to DATE]          list order lines\n"
               "  edit    ID [--amount N] [--quantity N] [--at DATE] ...        correct a line\n"
               "  delete  ID [--version N]                                     delete a line\n");
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    if (!strcmp(argv[1], "add"))
        return order_add(cli, argc - 1, argv + 1);
    if (!strcmp(argv[1], "list"))
        return order_list(cli, argc - 1, argv + 1);
    if (!strcmp(argv[1], "edit"))
        return order_edit(cli, argc - 1, argv + 1);
    if (!strcmp(argv[1], "delete"))
        return order_delete(cli, argc - 1, argv + 1);
    return cli_usage("order", "unknown subcommand '%s'", argv[1]);
}
