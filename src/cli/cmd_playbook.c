/*
 * cmd_playbook.c - `okaeri playbook list|show|add|enroll|exit|on|off`.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "automation/automate.h"
#include "automation/template.h"
#include "cli/cli.h"
#include "core/mem.h"
#include "store/playbook.h"
#include "core/banned.h"

static void playbook_help(void)
{
    printf(
        "usage: okaeri playbook list | show NAME\n"
        "       okaeri playbook add NAME --trigger KIND [--arg ARG] [--exit RULE]\n"
        "              [--description TEXT] --step 'OFFSET|CHANNEL|SUBJECT|BODY[|ASSIGNEE]' ...\n"
        "       okaeri playbook enroll NAME CUSTOMER [--on DATE]\n"
        "       okaeri playbook exit CUSTOMER [--playbook NAME]\n"
        "       okaeri playbook on|off NAME\n\n"
        "Triggers: first_purchase, deal_lost [reason], became_sleeping, became_dead,\n"
        "contract_ending DAYS, entered_segment SEGMENT, need_met [keyword], manual.\n"
        "Channels: email, phone, visit, letter, line, sms. Exit: bought_again, deal_won,\n"
        "left_segment, none. Templates: {{name}}, {{owner}}, {{last_product}} ...\n");
}

static int print_pb(void *ctx, const struct playbook *p)
{
    (void)ctx;
    printf("%s,%s,%s,%s,%d,%d\n", p->name, p->trigger_kind, p->trigger_arg ? p->trigger_arg : "",
           p->exit_rule ? p->exit_rule : "bought_again", p->active, p->n_steps);
    return 0;
}

/* "OFFSET|CHANNEL|SUBJECT|BODY[|ASSIGNEE]" with \n in BODY as a line break. */
static int add_step(struct playbook *p, const char *spec, struct ok_err *err)
{
    char *copy = xstrdup(spec), *parts[5] = {NULL, NULL, NULL, NULL, NULL}, *q = copy, *end;
    int n = 0, rc = -1;
    long off;
    char what[40];
    struct buf body;
    buf_init(&body, 0);
    while (n < 5) {
        parts[n++] = q;
        q = strchr(q, '|');
        if (!q)
            break;
        *q++ = 0;
    }
    if (n < 4) {
        ok_err_set(err, OK_ERR_USAGE, "--step '%s' needs OFFSET|CHANNEL|SUBJECT|BODY", spec);
        goto out;
    }
    off = strtol(parts[0], &end, 10);
    if (*end || end == parts[0]) {
        ok_err_set(err, OK_ERR_USAGE, "--step '%s': OFFSET must be a number of days", spec);
        goto out;
    }
    for (q = parts[3]; *q; q++) {
        if (q[0] == '\\' && q[1] == 'n') {
            buf_putc(&body, '\n');
            q++;
        } else {
            buf_putc(&body, *q);
        }
    }
    snprintf(what, sizeof(what), "steps[%d].subject", p->n_steps + 1);
    if (template_check(parts[2], what, err) < 0)
        goto out;
    snprintf(what, sizeof(what), "steps[%d].body", p->n_steps + 1);
    if (template_check(body.data, what, err) < 0)
        goto out;
    playbook_add_step(p, (int)off, parts[1], parts[2], body.data, n > 4 ? parts[4] : NULL);
    rc = 0;
out:
    free(copy);
    buf_release(&body);
    return rc;
}

int cmd_playbook(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"trigger", required_argument, NULL, 't'},
        {"arg", required_argument, NULL, 'a'},
        {"exit", required_argument, NULL, 'x'},
        {"description", required_argument, NULL, 'd'},
        {"step", required_argument, NULL, 's'},
        {"on", required_argument, NULL, 'o'},
        {"playbook", required_argument, NULL, 'p'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    struct playbook pb;
    struct ok_err err;
    struct db *db = NULL;
    const char *sub, *on = NULL, *pbname = NULL;
    int opt, rc = EXIT_OK;
    memset(&pb, 0, sizeof(pb));
    ok_err_clear(&err);
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        playbook_help();
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    sub = argv[1];
    argc--;
    argv++;
    pb.active = 1;
    optind = 0;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (opt) {
        case 't':
            pb.trigger_kind = xstrdup(optarg);
            break;
        case 'a':
            pb.trigger_arg = xstrdup(optarg);
            break;
        case 'x':
            pb.exit_rule = xstrdup(optarg);
            break;
        case 'd':
            pb.description = xstrdup(optarg);
            break;
        case 's':
            if (add_step(&pb, optarg, &err) < 0) {
                rc = cli_fail(&err);
                goto out;
            }
            break;
        case 'o':
            on = optarg;
            break;
        case 'p':
            pbname = optarg;
            break;
        case 'h':
            playbook_help();
            goto out;
        default:
            rc = EXIT_USAGE;
            goto out;
        }
    }
    if (!(db = cli_open_db(cli, 0))) {
        rc = EXIT_ERROR;
        goto out;
    }
    if (!strcmp(sub, "list")) {
        struct playbook_query q;
        memset(&q, 0, sizeof(q));
        q.limit = 10000;
        printf("name,trigger,arg,exit,active,steps\n");
        if (store_playbook_list(db, &q, print_pb, NULL, &err) < 0)
            rc = cli_fail(&err);
    } else if (!strcmp(sub, "show")) {
        struct buf b;
        struct playbook p;
        memset(&p, 0, sizeof(p));
        if (optind + 1 != argc) {
            rc = cli_usage("playbook", "show needs NAME");
            goto out;
        }
        buf_init(&b, 0);
        if (store_playbook_get(db, argv[optind], &p, &err) < 0) {
            rc = cli_fail(&err);
        } else {
            playbook_to_json(&p, &b);
            printf("%s\n", b.data);
        }
        buf_release(&b);
        playbook_release(&p);
    } else if (!strcmp(sub, "add")) {
        if (optind + 1 != argc || !pb.trigger_kind) {
            rc = cli_usage("playbook", "add needs NAME and --trigger");
            goto out;
        }
        pb.name = xstrdup(argv[optind]);
        if (store_playbook_validate(db, &pb, &err) < 0 ||
            store_playbook_create(db, &cli->actor, &pb, &err) < 0)
            rc = cli_fail(&err);
        else
            printf("playbook %s added (%d steps)\n", pb.name, pb.n_steps);
    } else if (!strcmp(sub, "enroll")) {
        int created = 0;
        int64_t id;
        if (optind + 2 != argc) {
            rc = cli_usage("playbook", "enroll needs NAME and CUSTOMER");
            goto out;
        }
        id = automate_enroll(db, &cli->actor, argv[optind], argv[optind + 1], on, &created, &err);
        if (id < 0)
            rc = cli_fail(&err);
        else
            printf("%s enrollment %lld\n", created ? "new" : "existing", (long long)id);
    } else if (!strcmp(sub, "exit")) {
        int64_t n;
        if (optind + 1 != argc) {
            rc = cli_usage("playbook", "exit needs CUSTOMER");
            goto out;
        }
        n = automate_exit(db, &cli->actor, argv[optind], pbname, "manual", &err);
        if (n < 0)
            rc = cli_fail(&err);
        else
            printf("ended %lld enrollment(s)\n", (long long)n);
    } else if (!strcmp(sub, "on") || !strcmp(sub, "off")) {
        if (optind + 1 != argc) {
            rc = cli_usage("playbook", "%s needs NAME", sub);
            goto out;
        }
        if (store_playbook_set_active(db, &cli->actor, argv[optind], !strcmp(sub, "on"), &err) < 0)
            rc = cli_fail(&err);
    } else {
        rc = cli_usage("playbook", "unknown subcommand '%s'", sub);
    }
out:
    playbook_release(&pb);
    db_close(&db);
    return rc;
}
