/*
 * cmd_customer.c - `okaeri customer add|show|list|edit`.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/buf.h"
#include "core/mem.h"
#include "io/dedupe.h"
#include "store/customer.h"
#include "store/merge.h"
#include "core/banned.h"

enum {
    OPT_CODE = 1000,
    OPT_NAME,
    OPT_KANA,
    OPT_KIND,
    OPT_COMPANY,
    OPT_EMAIL,
    OPT_PHONE,
    OPT_POSTAL,
    OPT_ADDRESS,
    OPT_BIRTHDAY,
    OPT_SOURCE,
    OPT_REFERRED_BY,
    OPT_OWNER,
    OPT_TEAM,
    OPT_TAGS,
    OPT_ATTRIBUTES,
    OPT_CONSENT,
    OPT_CAUSE,
    OPT_CAUSE_NOTE,
    OPT_VERSION,
    OPT_SEARCH,
    OPT_AFTER,
    OPT_LIMIT,
    OPT_FORMAT,
    OPT_HELP
};

static const struct option field_options[] = {
    {"code", required_argument, NULL, OPT_CODE},
    {"name", required_argument, NULL, OPT_NAME},
    {"kana", required_argument, NULL, OPT_KANA},
    {"kind", required_argument, NULL, OPT_KIND},
    {"company", required_argument, NULL, OPT_COMPANY},
    {"email", required_argument, NULL, OPT_EMAIL},
    {"phone", required_argument, NULL, OPT_PHONE},
    {"postal-code", required_argument, NULL, OPT_POSTAL},
    {"address", required_argument, NULL, OPT_ADDRESS},
    {"birthday", required_argument, NULL, OPT_BIRTHDAY},
    {"source", required_argument, NULL, OPT_SOURCE},
    {"referred-by", required_argument, NULL, OPT_REFERRED_BY},
    {"owner", required_argument, NULL, OPT_OWNER},
    {"team", no_argument, NULL, OPT_TEAM},
    {"tags", required_argument, NULL, OPT_TAGS},
    {"attributes", required_argument, NULL, OPT_ATTRIBUTES},
    {"consent", required_argument, NULL, OPT_CONSENT},
    {"cause", required_argument, NULL, OPT_CAUSE},
    {"cause-note", required_argument, NULL, OPT_CAUSE_NOTE},
    {"version", required_argument, NULL, OPT_VERSION},
    {"format", required_argument, NULL, OPT_FORMAT},
    {"help", no_argument, NULL, OPT_HELP},
    {NULL, 0, NULL, 0},
};

static const char FIELD_HELP[] =
    "  --code CODE           the business's own customer id (required, unique)\n"
    "  --name NAME           name as written, e.g. 山田 太郎 (required)\n"
    "  --kana KANA           reading, e.g. ヤマダ タロウ\n"
    "  --kind person|company\n"
    "  --company NAME        company name\n"
    "  --email ADDRESS       --phone NUMBER   --postal-code 123-4567   --address TEXT\n"
    "  --birthday DATE       e.g. 1980-04-01, 昭和55年4月1日\n"
    "  --source CHANNEL      how the customer came (店頭, web, 紹介 ...)\n"
    "  --referred-by CODE    the customer who referred this one\n"
    "  --owner LOGIN         the staff member in charge; --team makes it team-handled\n"
    "  --tags a,b            comma-separated tags\n"
    "  --attributes JSON     custom attributes, a JSON object\n"
    "  --consent yes|no      consent to marketing e-mail\n"
    "  --cause CODE          why the customer sleeps or left (see the causes list)\n"
    "  --cause-note TEXT\n";

/* Applies one field option to c; returns 0, or EXIT_USAGE after printing a message. */
static int apply_field(const char *cmd, int opt, const char *arg, struct customer *c)
{
    switch (opt) {
    case OPT_CODE:
        customer_set(&c->code, arg);
        break;
    case OPT_NAME:
        customer_set(&c->name, arg);
        break;
    case OPT_KANA:
        customer_set(&c->name_kana, arg);
        break;
    case OPT_KIND:
        customer_set(&c->kind, arg);
        break;
    case OPT_COMPANY:
        customer_set(&c->company, arg);
        break;
    case OPT_EMAIL:
        customer_set(&c->email, arg);
        break;
    case OPT_PHONE:
        customer_set(&c->phone, arg);
        break;
    case OPT_POSTAL:
        customer_set(&c->postal_code, arg);
        break;
    case OPT_ADDRESS:
        customer_set(&c->address, arg);
        break;
    case OPT_BIRTHDAY:
        customer_set(&c->birthday, arg);
        break;
    case OPT_SOURCE:
        customer_set(&c->source, arg);
        break;
    case OPT_REFERRED_BY:
        customer_set(&c->referred_by_code, arg);
        break;
    case OPT_OWNER:
        customer_set(&c->owner_login, arg);
        break;
    case OPT_TEAM:
        customer_set(&c->owner_login, NULL);
        break;
    case OPT_TAGS:
        customer_set(&c->tags, arg);
        break;
    case OPT_ATTRIBUTES:
        customer_set(&c->attributes, arg);
        break;
    case OPT_CONSENT:
        if (!strcmp(arg, "yes") || !strcmp(arg, "1") || !strcmp(arg, "true"))
            c->email_consent = 1;
        else if (!strcmp(arg, "no") || !strcmp(arg, "0") || !strcmp(arg, "false"))
            c->email_consent = 0;
        else
            return cli_usage(cmd, "--consent takes yes or no, not '%s'", arg);
        break;
    case OPT_CAUSE:
        customer_set(&c->cause_code, arg);
        break;
    case OPT_CAUSE_NOTE:
        customer_set(&c->cause_note, arg);
        break;
    default:
        return cli_usage(cmd, "unknown option");
    }
    return 0;
}

static void print_customer(const struct customer *c, enum cli_format format)
{
    struct buf out;
    buf_init(&out, 0);
    if (format == CLI_FORMAT_JSON) {
        customer_to_json(c, &out);
        buf_putc(&out, '\n');
    } else {
        const char *labels[][2] = {
            {"code", c->code},
            {"kind", c->kind},
            {"name", c->name},
            {"name_kana", c->name_kana},
            {"company", c->company},
            {"email", c->email},
            {"phone", c->phone},
            {"postal_code", c->postal_code},
            {"address", c->address},
            {"birthday", c->birthday},
            {"source", c->source},
            {"referred_by", c->referred_by_code},
            {"owner", c->owner_login ? c->owner_login : "(team-handled)"},
            {"tags", c->tags},
            {"attributes", c->attributes},
            {"email_consent", c->email_consent ? "yes" : "no"},
            {"unsubscribed_at", c->unsubscribed_at},
            {"cause", c->cause_code},
            {"cause_note", c->cause_note},
            {"created_at", c->created_at},
            {"updated_at", c->updated_at},
        };
        size_t i;
        for (i = 0; i < sizeof(labels) / sizeof(labels[0]); i++)
            buf_printf(&out, "%-16s %s\n", labels[i][0], labels[i][1] ? labels[i][1] : "");
        buf_printf(&out, "%-16s %lld\n", "version", (long long)c->version);
    }
    fflush(stdout);
    cli_write_stdout(out.data, out.len);
    buf_release(&out);
}

static int customer_add(struct cli *cli, int argc, char **argv)
{
    struct customer c;
    struct ok_err err;
    struct db *db = NULL;
    int opt, rc = EXIT_OK;
    memset(&c, 0, sizeof(c));
    ok_err_clear(&err);
    optind = 0;
    while ((opt = getopt_long(argc, argv, "", field_options, NULL)) != -1) {
        if (opt == OPT_HELP) {
            printf("usage: okaeri customer add --code CODE --name NAME [options]\n\n%s",
                   FIELD_HELP);
            goto out;
        }
        if (opt == '?' || opt == OPT_VERSION || opt == OPT_FORMAT) {
            rc = opt == '?' ? EXIT_USAGE : cli_usage("customer add", "option not valid here");
            goto out;
        }
        if ((rc = apply_field("customer add", opt, optarg, &c)) != 0)
            goto out;
    }
    if (optind < argc) {
        rc = cli_usage("customer add", "unexpected argument '%s'", argv[optind]);
        goto out;
    }
    db = cli_open_db(cli, 0);
    if (!db) {
        rc = EXIT_ERROR;
        goto out;
    }
    if (store_customer_create(db, &cli->actor, &c, &err) < 0) {
        rc = cli_fail(&err);
        goto out;
    }
    printf("added customer %s (%s)\n", c.code, c.name);
out:
    db_close(&db);
    customer_release(&c);
    return rc;
}

static int customer_show(struct cli *cli, int argc, char **argv)
{
    struct customer c;
    struct ok_err err;
    struct db *db = NULL;
    enum cli_format format = CLI_FORMAT_TABLE;
    int opt, rc = EXIT_OK;
    memset(&c, 0, sizeof(c));
    ok_err_clear(&err);
    optind = 0;
    while ((opt = getopt_long(argc, argv, "", field_options, NULL)) != -1) {
        if (opt == OPT_HELP) {
            printf("usage: okaeri customer show CODE [--format table|json]\n");
            return EXIT_OK;
        }
        if (opt == OPT_FORMAT) {
            if (cli_format_parse(optarg, &format) < 0 || format == CLI_FORMAT_CSV)
                return cli_usage("customer show", "--format takes table or json");
            continue;
        }
        return opt == '?' ? EXIT_USAGE : cli_usage("customer show", "option not valid here");
    }
    if (optind != argc - 1)
        return cli_usage("customer show", "give exactly one customer code");
    db = cli_open_db(cli, DB_OPEN_READONLY);
    if (!db)
        return EXIT_ERROR;
    if (store_customer_get(db, argv[optind], &c, &err) < 0)
        rc = cli_fail(&err);
    else
        print_customer(&c, format);
    customer_release(&c);
    db_close(&db);
    return rc;
}

static int customer_edit(struct cli *cli, int argc, char **argv)
{
    struct customer c;
    struct ok_err err;
    struct db *db = NULL;
    int opt, rc = EXIT_OK, nopts = 0, i;
    int64_t expected_version = 0;
    struct {
        int opt;
        char *arg;
    } changes[64];
    memset(&c, 0, sizeof(c));
    ok_err_clear(&err);
    optind = 0;
    while ((opt = getopt_long(argc, argv, "", field_options, NULL)) != -1) {
        if (opt == OPT_HELP) {
            printf(
                "usage: okaeri customer edit CODE [options]\n\n"
                "Changes only the fields given. --code NEW renames the customer's code.\n"
                "  --version N           refuse the edit unless the record is still at version N\n"
                "%s",
                FIELD_HELP);
            return EXIT_OK;
        }
        if (opt == '?')
            return EXIT_USAGE;
        if (opt == OPT_FORMAT)
            return cli_usage("customer edit", "option not valid here");
        if (opt == OPT_VERSION) {
            if (cli_parse_int("customer edit", "--version", optarg, 1, INT64_MAX,
                              &expected_version) < 0)
                return EXIT_USAGE;
            continue;
        }
        if (nopts >= (int)(sizeof(changes) / sizeof(changes[0])))
            return cli_usage("customer edit", "too many options");
        changes[nopts].opt = opt;
        changes[nopts].arg = optarg;
        nopts++;
    }
    if (optind != argc - 1)
        return cli_usage("customer edit", "give exactly one customer code, then the changes");
    if (nopts == 0)
        return cli_usage("customer edit", "nothing to change; give at least one field option");
    db = cli_open_db(cli, 0);
    if (!db)
        return EXIT_ERROR;
    if (store_customer_get(db, argv[optind], &c, &err) < 0) {
        rc = cli_fail(&err);
        goto out;
    }
    if (expected_version && expected_version != c.version) {
        ok_err_set(&err, OK_ERR_CONFLICT,
                   "customer %s is at version %lld, not %lld: someone changed it; show it again "
                   "and repeat your edit",
                   c.code, (long long)c.version, (long long)expected_version);
        rc = cli_fail(&err);
        goto out;
    }
    for (i = 0; i < nopts; i++)
        if ((rc = apply_field("customer edit", changes[i].opt, changes[i].arg, &c)) != 0)
            goto out;
    if (store_customer_update(db, &cli->actor, &c, &err) < 0) {
        rc = cli_fail(&err);
        goto out;
    }
    printf("updated customer %s (version %lld)\n", c.code, (long long)c.version);
out:
    customer_release(&c);
    db_close(&db);
    return rc;
}

struct list_ctx {
    struct table *t;
};

static int list_row(void *ctx, const struct customer *c)
{
    struct list_ctx *l = ctx;
    size_t r = table_add_row(l->t);
    table_set_text(l->t, r, 0, c->code);
    table_set_text(l->t, r, 1, c->name);
    table_set_text(l->t, r, 2, c->name_kana);
    table_set_text(l->t, r, 3, c->phone);
    table_set_text(l->t, r, 4, c->email);
    table_set_text(l->t, r, 5, c->owner_login);
    table_set_text(l->t, r, 6, c->tags);
    return 0;
}

static int customer_list(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"search", required_argument, NULL, OPT_SEARCH},
        {"owner", required_argument, NULL, OPT_OWNER},
        {"after", required_argument, NULL, OPT_AFTER},
        {"limit", required_argument, NULL, OPT_LIMIT},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    struct customer_query q = {0};
    enum cli_format format = CLI_FORMAT_TABLE;
    struct list_ctx l;
    struct ok_err err;
    struct db *db;
    int opt, rc = EXIT_OK;
    int64_t limit = 100;
    ok_err_clear(&err);
    optind = 0;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (opt) {
        case OPT_SEARCH:
            q.search = optarg;
            break;
        case OPT_OWNER:
            q.owner_login = optarg;
            break;
        case OPT_AFTER:
            q.after_code = optarg;
            break;
        case OPT_LIMIT:
            if (cli_parse_int("customer list", "--limit", optarg, 1, 1000000, &limit) < 0)
                return EXIT_USAGE;
            break;
        case OPT_FORMAT:
            if (cli_format_parse(optarg, &format) < 0)
                return cli_usage("customer list", "--format takes table, csv or json");
            break;
        case OPT_HELP:
            printf("usage: okaeri customer list [--search TEXT] [--owner LOGIN|-] [--after CODE]\n"
                   "                            [--limit N] [--format table|csv|json]\n\n"
                   "Lists customers in code order. --search matches the code exactly, or the\n"
                   "start of the name, kana reading, phone or e-mail, ignoring width, kana kind\n"
                   "and case (ﾔﾏﾀﾞ finds 山田 whose reading is ヤマダ). --owner - lists\n"
                   "team-handled customers. Page with --after LAST_CODE.\n");
            return EXIT_OK;
        default:
            return EXIT_USAGE;
        }
    }
    if (optind < argc)
        return cli_usage("customer list", "unexpected argument '%s'", argv[optind]);
    q.limit = (int)limit;
    db = cli_open_db(cli, DB_OPEN_READONLY);
    if (!db)
        return EXIT_ERROR;
    l.t = table_new("customers");
    table_add_column(l.t, "code", TABLE_TEXT);
    table_add_column(l.t, "name", TABLE_TEXT);
    table_add_column(l.t, "name_kana", TABLE_TEXT);
    table_add_column(l.t, "phone", TABLE_TEXT);
    table_add_column(l.t, "email", TABLE_TEXT);
    table_add_column(l.t, "owner", TABLE_TEXT);
    table_add_column(l.t, "tags", TABLE_TEXT);
    if (store_customer_list(db, &q, list_row, &l, &err) < 0)
        rc = cli_fail(&err);
    else
        cli_print_table(l.t, format);
    table_free(&l.t);
    db_close(&db);
    return rc;
}

static int customer_duplicates(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"min-score", required_argument, NULL, OPT_SEARCH},
        {"limit", required_argument, NULL, OPT_LIMIT},
        {"format", required_argument, NULL, OPT_FORMAT},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    enum cli_format format = CLI_FORMAT_TABLE;
    double min_score = 0.5;
    int64_t limit = 100;
    struct ok_err err;
    struct table *t;
    struct db *db;
    int opt;
    char *end;
    ok_err_clear(&err);
    optind = 0;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (opt) {
        case OPT_SEARCH:
            min_score = strtod(optarg, &end);
            if (end == optarg || *end || min_score < 0 || min_score > 1)
                return cli_usage("customer duplicates", "--min-score takes 0 to 1, e.g. 0.6");
            break;
        case OPT_LIMIT:
            if (cli_parse_int("customer duplicates", "--limit", optarg, 1, 1000000, &limit) < 0)
                return EXIT_USAGE;
            break;
        case OPT_FORMAT:
            if (cli_format_parse(optarg, &format) < 0)
                return cli_usage("customer duplicates", "--format takes table, csv or json");
            break;
        case OPT_HELP:
            printf("usage: okaeri customer duplicates [--min-score S] [--limit N] "
                   "[--format table|csv|json]\n\n"
                   "Lists likely duplicate customers (名寄せ), best first: the same e-mail or\n"
                   "phone (normalised), or the same name and kana (ignoring width, kana type and\n"
                   "variant kanji) with a close address. The score (0..1) combines the evidence;\n"
                   "pairs below --min-score (default 0.5) are left out. Merge a pair with\n"
                   "`okaeri customer merge KEEP OTHER`.\n");
            return EXIT_OK;
        default:
            return EXIT_USAGE;
        }
    }
    if (optind < argc)
        return cli_usage("customer duplicates", "unexpected argument '%s'", argv[optind]);
    db = cli_open_db(cli, DB_OPEN_READONLY);
    if (!db)
        return EXIT_ERROR;
    t = dedupe_find(db, min_score, (size_t)limit, &err);
    db_close(&db);
    if (!t)
        return cli_fail(&err);
    table_set_decimals(t, 0, 2);
    cli_print_table(t, format);
    table_free(&t);
    return EXIT_OK;
}

static int customer_merge(struct cli *cli, int argc, char **argv)
{
    struct ok_err err;
    struct db *db;
    int64_t moved = 0;
    int rc = EXIT_OK;
    ok_err_clear(&err);
    if (argc == 2 && (!strcmp(argv[1], "--help") || !strcmp(argv[1], "-h"))) {
        printf("usage: okaeri customer merge KEEP OTHER\n\n"
               "Moves everything of customer OTHER (orders, deals, contracts, referrals,\n"
               "activities, feedback, tasks, playbook enrollments) to KEEP, fills KEEP's empty\n"
               "contact fields from OTHER, deletes OTHER, and records the merge in the audit\n"
               "log. Find pairs with `okaeri customer duplicates`.\n");
        return EXIT_OK;
    }
    if (argc != 3)
        return cli_usage("customer merge", "give two customer codes: KEEP OTHER");
    db = cli_open_db(cli, 0);
    if (!db)
        return EXIT_ERROR;
    if (store_customer_merge(db, &cli->actor, argv[1], argv[2], &moved, &err) < 0)
        rc = cli_fail(&err);
    else
        printf("merged customer %s into %s (%lld records moved)\n", argv[2], argv[1],
               (long long)moved);
    db_close(&db);
    return rc;
}

int cmd_customer(struct cli *cli, int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        printf("usage: okaeri customer add|show|list|edit|duplicates|merge ...\n\n"
               "  add   --code CODE --name NAME [...]   add a customer\n"
               "  show  CODE                            show one customer\n"
               "  list  [--search TEXT] [...]           list or search customers\n"
               "  edit  CODE [--field VALUE ...]        change fields of a customer\n"
               "  duplicates [--min-score S]            likely duplicates (名寄せ) with a score\n"
               "  merge KEEP OTHER                      merge OTHER into KEEP\n");
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    if (!strcmp(argv[1], "add"))
        return customer_add(cli, argc - 1, argv + 1);
    if (!strcmp(argv[1], "show"))
        return customer_show(cli, argc - 1, argv + 1);
    if (!strcmp(argv[1], "list"))
        return customer_list(cli, argc - 1, argv + 1);
    if (!strcmp(argv[1], "edit"))
        return customer_edit(cli, argc - 1, argv + 1);
    if (!strcmp(argv[1], "duplicates"))
        return customer_duplicates(cli, argc - 1, argv + 1);
    if (!strcmp(argv[1], "merge"))
        return customer_merge(cli, argc - 1, argv + 1);
    return cli_usage("customer", "unknown subcommand '%s'", argv[1]);
}
