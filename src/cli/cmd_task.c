/*
 * cmd_task.c - `okaeri task list|done|snooze|reassign`: people's follow-ups (today's, overdue,
 * upcoming), per user or team queue.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "automation/automate.h"
#include "cli/cli.h"
#include "core/date.h"
#include "service/snapshot.h"
#include "store/task.h"
#include "core/banned.h"

static void task_help(void)
{
    printf("usage: okaeri task list [--user LOGIN | --queue NAME | --team] [--as-of DATE]\n"
           "                        [--upcoming DAYS] [--all]\n"
           "       okaeri task done ID --outcome OUTCOME [--on DATE]\n"
           "       okaeri task snooze ID --until DATE\n"
           "       okaeri task reassign ID [--user LOGIN] [--queue NAME]\n\n"
           "Outcomes: reached, no_answer, interested, not_interested, won_back (the last two end\n"
           "the playbook enrolment), or any text.\n");
}

struct list_ctx {
    const char *today;
    int n;
};

static int print_task(void *ctx, const struct task *t)
{
    struct list_ctx *l = ctx;
    const char *when = strcmp(t->due_on, l->today) < 0    ? "overdue"
                       : strcmp(t->due_on, l->today) == 0 ? "today"
                                                          : "upcoming";
    if (t->status && strcmp(t->status, "open"))
        when = t->status;
    printf("%lld,%s,%s,%s,%s,%s,%s,\"%s\"\n", (long long)t->id, t->due_on, when,
           t->assignee ? t->assignee : "", t->queue ? t->queue : "team",
           t->customer_code ? t->customer_code : "", t->channel ? t->channel : "", t->title);
    l->n++;
    return 0;
}

int cmd_task(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"user", required_argument, NULL, 'u'},
        {"queue", required_argument, NULL, 'q'},
        {"team", no_argument, NULL, 't'},
        {"as-of", required_argument, NULL, 'a'},
        {"upcoming", required_argument, NULL, 'p'},
        {"all", no_argument, NULL, 'A'},
        {"outcome", required_argument, NULL, 'o'},
        {"on", required_argument, NULL, 'n'},
        {"until", required_argument, NULL, 'U'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *sub, *user = NULL, *queue = NULL, *outcome = NULL, *on = NULL, *until = NULL;
    int32_t as_of = INT32_MIN;
    int64_t upcoming = 0, id = 0;
    int all = 0, team = 0, opt, rc = EXIT_OK;
    struct ok_err err;
    struct db *db;
    ok_err_clear(&err);
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        task_help();
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    sub = argv[1];
    argc--;
    argv++;
    optind = 0;
    while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (opt) {
        case 'u':
            user = optarg;
            break;
        case 'q':
            queue = optarg;
            break;
        case 't':
            team = 1;
            break;
        case 'a':
            if (date_parse(optarg, strlen(optarg), &as_of, NULL, &err) < 0)
                return cli_usage("task", "--as-of: %s", err.message);
            break;
        case 'p':
            if (cli_parse_int("task", "--upcoming", optarg, 0, 3650, &upcoming) < 0)
                return EXIT_USAGE;
            break;
        case 'A':
            all = 1;
            break;
        case 'o':
            outcome = optarg;
            break;
        case 'n':
            on = optarg;
            break;
        case 'U':
            until = optarg;
            break;
        case 'h':
            task_help();
            return EXIT_OK;
        default:
            return EXIT_USAGE;
        }
    }
    if (strcmp(sub, "list")) {
        if (optind + 1 != argc)
            return cli_usage("task", "%s needs the task ID", sub);
        if (cli_parse_int("task", "ID", argv[optind], 1, INT64_MAX, &id) < 0)
            return EXIT_USAGE;
    } else if (optind < argc) {
        return cli_usage("task", "unexpected argument '%s'", argv[optind]);
    }
    if (!(db = cli_open_db(cli, 0)))
        return EXIT_ERROR;
    if (!strcmp(sub, "list")) {
        struct task_query q;
        struct list_ctx l;
        char today[11], to[11];
        if (as_of == INT32_MIN) {
            struct snapshot s;
            if (snapshot_load_settings(db, &s, &err) < 0) {
                rc = cli_fail(&err);
                goto out;
            }
            as_of = snapshot_today(&s);
            snapshot_release(&s);
        }
        date_format_iso(as_of, today);
        date_format_iso(as_of + (int32_t)upcoming, to);
        memset(&q, 0, sizeof(q));
        q.assignee = team ? "-" : user;
        q.queue = queue;
        q.limit = 100000;
        if (!all) {
            q.status = "open";
            if (upcoming)
                q.due_to = to;
            else
                q.as_of = today;
        }
        l.today = today;
        l.n = 0;
        printf("id,due_on,when,assignee,queue,customer,channel,title\n");
        if (store_task_list(db, &q, print_task, &l, &err) < 0)
            rc = cli_fail(&err);
    } else if (!strcmp(sub, "done")) {
        int64_t aid;
        if (!outcome) {
            rc = cli_usage("task", "done needs --outcome (reached, no_answer, interested, "
                                   "not_interested, won_back ...)");
            goto out;
        }
        aid = automate_task_done(db, &cli->actor, id, outcome, on, &err);
        if (aid < 0)
            rc = cli_fail(&err);
        else
            printf("task %lld done (%s), activity %lld\n", (long long)id, outcome, (long long)aid);
    } else if (!strcmp(sub, "snooze") || !strcmp(sub, "reassign")) {
        struct task t;
        memset(&t, 0, sizeof(t));
        if (!strcmp(sub, "snooze") && !until) {
            rc = cli_usage("task", "snooze needs --until DATE");
            goto out;
        }
        if (store_task_get(db, id, &t, &err) < 0 ||
            (!strcmp(sub, "snooze")
                 ? store_task_snooze(db, &cli->actor, id, t.version, until, &err)
                 : store_task_reassign(db, &cli->actor, id, t.version, user, queue, &err)) < 0)
            rc = cli_fail(&err);
        else
            printf("task %lld %s\n", (long long)id,
                   !strcmp(sub, "snooze") ? "snoozed" : "reassigned");
        task_release(&t);
    } else {
        rc = cli_usage("task", "unknown subcommand '%s' (list, done, snooze, reassign)", sub);
    }
out:
    db_close(&db);
    return rc;
}
