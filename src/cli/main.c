/*
 * main.c - the okaeri command: global options, then one command module per subcommand.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"
#include "core/log.h"
#include "core/banned.h"

#ifndef OKAERI_VERSION
#define OKAERI_VERSION "0.1.0"
#endif

static const struct cli_command commands[] = {
    {"init", "create a new database (or bring an existing one up to date)", cmd_init},
    {"migrate", "apply pending schema migrations", cmd_migrate},
    {"demo", "load a realistic demo business", cmd_demo},
    {"customer", "add, show, list and edit customers", cmd_customer},
    {"order", "add and list order lines", cmd_order},
    {"deal", "add deals, win or lose them with a reason", cmd_deal},
    {"import", "import customers, orders, deals ... from CSV, TSV or .xlsx", cmd_import},
    {"export", "export customers, orders ... as CSV (UTF-8, CP932) or .xlsx", cmd_export},
    {"report", "retention reports (summary, ...)", cmd_report},
    {"clv", "customer value models: fit, predict (P(alive), CLV), validate", cmd_clv},
    {"segment", "saved live customer filters: add, list, show, members, export", cmd_segment},
    {"playbook", "automated follow-up sequences: list, show, add, enroll, exit", cmd_playbook},
    {"task", "follow-up tasks: list (today, overdue, upcoming), done, snooze", cmd_task},
    {"automate", "run the follow-up scheduler once (--as-of DATE), stats", cmd_automate},
    {"serve", "the JSON API server (web UI backend)", cmd_serve},
    {"user", "add users, set passwords, disable, list", cmd_user},
    {"copy", "copy a whole database to another one (SQLite <-> PostgreSQL)", cmd_copy},
    {"backup", "write a verified backup of the database into one file", cmd_backup},
    {"restore", "replace the database with a backup file", cmd_restore},
};

static void usage(FILE *out)
{
    size_t i;
    fprintf(out,
            "okaeri %s - customer-retention CRM\n\n"
            "usage: okaeri [--db PATH] COMMAND [ARGS...]\n\n"
            "  --db PATH     database file (default: $OKAERI_DB, else ./okaeri.db)\n"
            "  --version     print the version\n"
            "  --help        this help; `okaeri COMMAND --help` for a command\n\n"
            "commands:\n",
            OKAERI_VERSION);
    for (i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(out, "  %-10s %s\n", commands[i].name, commands[i].summary);
}

int main(int argc, char **argv)
{
    struct cli cli = {.db_target = NULL, .actor = {.user_id = 0, .name = "cli"}};
    int i = 1;
    size_t c;
    log_init_from_env();
    while (i < argc && argv[i][0] == '-') {
        if (!strcmp(argv[i], "--db")) {
            if (i + 1 >= argc)
                return cli_usage(NULL, "--db needs a path, e.g. --db shop.db");
            cli.db_target = argv[i + 1];
            i += 2;
        } else if (!strncmp(argv[i], "--db=", 5)) {
            cli.db_target = argv[i] + 5;
            i++;
        } else if (!strcmp(argv[i], "--help") || !strcmp(argv[i], "-h")) {
            usage(stdout);
            return EXIT_OK;
        } else if (!strcmp(argv[i], "--version")) {
            printf("okaeri %s\n", OKAERI_VERSION);
            return EXIT_OK;
        } else {
            return cli_usage(NULL, "unknown option %s", argv[i]);
        }
    }
    if (cli.db_target && !*cli.db_target)
        return cli_usage(NULL, "--db needs a path, e.g. --db shop.db");
    if (i >= argc) {
        usage(stderr);
        return EXIT_USAGE;
    }
    for (c = 0; c < sizeof(commands) / sizeof(commands[0]); c++)
        if (!strcmp(argv[i], commands[c].name))
            return commands[c].run(&cli, argc - i, argv + i);
    if (!strcmp(argv[i], "help")) {
        usage(stdout);
        return EXIT_OK;
    }
    return cli_usage(NULL, "unknown command '%s'", argv[i]);
}
