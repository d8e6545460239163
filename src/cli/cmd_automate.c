/*
 * cmd_automate.c - `okaeri automate [run] [--as-of DATE] [--no-send]`, `okaeri automate
 * unsubscribe TOKEN`, `okaeri automate stats [--days N]` and `okaeri automate lost-reasons`.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "automation/automate.h"
#include "cli/cli.h"
#include "core/date.h"
#include "core/banned.h"

static void automate_help(void)
{
    printf(
        "usage: okaeri automate [run] [--as-of DATE] [--no-send]\n"
        "       okaeri automate stats [--days N]      per playbook and step (CSV)\n"
        "       okaeri automate lost-reasons          reactivation per lost reason (CSV)\n"
        "       okaeri automate unsubscribe TOKEN     honour an unsubscribe link\n\n"
        "One scheduler pass: detect triggers since the last run, enrol, end enrolments whose\n"
        "exit rule holds, create due tasks, queue and send due e-mail (SMTP from the settings\n"
        "smtp.* or OKAERI_SMTP_URL / OKAERI_SMTP_FROM). Safe to repeat: nothing happens twice.\n");
}

int cmd_automate(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"as-of", required_argument, NULL, 'a'},
        {"no-send", no_argument, NULL, 'n'},
        {"days", required_argument, NULL, 'd'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct automate_options o;
    struct automate_result r;
    struct ok_err err;
    struct db *db;
    const char *sub = "run";
    int opt, rc = EXIT_OK;
    int64_t days = 30;
    memset(&o, 0, sizeof(o));
    o.as_of = INT32_MIN;
    ok_err_clear(&err);
    if (argc > 1 && argv[1][0] != '-') {
        sub = argv[1];
        argc--;
        argv++;
    }
    optind = 0;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (opt) {
        case 'a':
            if (date_parse(optarg, strlen(optarg), &o.as_of, NULL, &err) < 0)
                return cli_usage("automate", "--as-of: %s", err.message);
            break;
        case 'n':
            o.no_send = 1;
            break;
        case 'd':
            if (cli_parse_int("automate", "--days", optarg, 1, 3650, &days) < 0)
                return EXIT_USAGE;
            break;
        case 'h':
            automate_help();
            return EXIT_OK;
        default:
            return EXIT_USAGE;
        }
    }
    if (!strcmp(sub, "unsubscribe")) {
        char *code = NULL;
        if (optind >= argc)
            return cli_usage("automate", "unsubscribe needs the TOKEN of the link");
        if (!(db = cli_open_db(cli, 0)))
            return EXIT_ERROR;
        if (automate_unsubscribe(db, argv[optind], &code, &err) < 0)
            rc = cli_fail(&err);
        else
            printf("unsubscribed customer %s\n", code);
        free(code);
        db_close(&db);
        return rc;
    }
    if (optind < argc)
        return cli_usage("automate", "unexpected argument '%s'", argv[optind]);
    if (strcmp(sub, "run") && strcmp(sub, "stats") && strcmp(sub, "lost-reasons"))
        return cli_usage("automate",
                         "unknown subcommand '%s' (run, stats, lost-reasons, "
                         "unsubscribe)",
                         sub);
    if (!(db = cli_open_db(cli, 0)))
        return EXIT_ERROR;
    o.who = &cli->actor;
    if (!strcmp(sub, "stats") || !strcmp(sub, "lost-reasons")) {
        struct buf out;
        buf_init(&out, 0);
        if ((!strcmp(sub, "stats") ? automate_stats(db, (int)days, &out, &err)
                                   : automate_lost_reason_stats(db, &out, &err)) < 0)
            rc = cli_fail(&err);
        else
            cli_write_stdout(out.data, out.len);
        buf_release(&out);
        db_close(&db);
        return rc;
    }
    if (automate_run(db, &o, &r, &err) < 0) {
        rc = cli_fail(&err);
    } else {
        char a[11], s[11];
        date_format_iso(r.as_of, a);
        date_format_iso(r.since, s);
        printf("automate %s (since %s): enrolled %lld, exited %lld, tasks %lld, e-mails queued "
               "%lld, sent %lld, failed %lld, skipped %lld",
               a, s, (long long)r.enrolled, (long long)r.exited, (long long)r.tasks,
               (long long)r.emails_queued, (long long)r.emails_sent, (long long)r.emails_failed,
               (long long)r.emails_skipped);
        if (r.recovered)
            printf(", interrupted sends marked unknown %lld", (long long)r.recovered);
        printf("\n");
        if (!o.no_send && !r.mail_configured && r.emails_waiting)
            fprintf(stderr,
                    "okaeri automate: %lld e-mail(s) waiting: e-mail is not configured "
                    "(set smtp.url and smtp.from, or OKAERI_SMTP_URL and "
                    "OKAERI_SMTP_FROM)\n",
                    (long long)r.emails_waiting);
        if (r.mail_error[0])
            fprintf(stderr, "okaeri automate: last send failure: %s\n", r.mail_error);
    }
    db_close(&db);
    return rc;
}
