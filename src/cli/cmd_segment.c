/*
 * cmd_segment.c - `okaeri segment add|list|show|members|export|check|delete`: saved live
 * filters over customers (language: docs/automation.md).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "automation/population.h"
#include "cli/cli.h"
#include "core/date.h"
#include "core/mem.h"
#include "store/segment.h"
#include "core/banned.h"

static void segment_help(void)
{
    printf("usage: okaeri segment add NAME FILTER [--description TEXT]\n"
           "       okaeri segment check FILTER            parse and check a filter\n"
           "       okaeri segment list                    names, filters, live counts\n"
           "       okaeri segment show NAME [--as-of DATE] count and count history\n"
           "       okaeri segment members NAME [--as-of DATE]\n"
           "       okaeri segment export NAME [--as-of DATE] [-o FILE]   CSV\n"
           "       okaeri segment delete NAME\n\n"
           "Filter example: state = sleeping and rfm.m >= 4 and last_purchase < 2024-06-01\n"
           "                and tag:vip and not owner:none\n");
}

/* Loads the population, compiles the segment's filter, and records today's count. */
static int evaluate(struct db *db, const struct segment *s, int32_t as_of, int record,
                    struct population *p, uint32_t **idx, size_t *n, struct ok_err *err)
{
    struct filter *f;
    if (population_load(db, p, as_of, err) < 0)
        return -1;
    f = population_compile(db, p, s->filter, err);
    if (!f)
        return -1;
    *n = filter_select(f, idx);
    filter_free(&f);
    if (record) {
        char d[11];
        date_format_iso(p->as_of, d);
        if (store_segment_record_count(db, s->id, d, (int64_t)*n, err) < 0)
            return -1;
    }
    return 0;
}

struct list_ctx {
    struct segment *v;
    size_t n, cap;
};

static int collect(void *ctx, const struct segment *s)
{
    struct list_ctx *l = ctx;
    l->v = xgrow(l->v, &l->cap, l->n + 1, sizeof(*l->v));
    memset(&l->v[l->n], 0, sizeof(*l->v));
    l->v[l->n].id = s->id;
    l->v[l->n].name = xstrdup(s->name);
    l->v[l->n].filter = xstrdup(s->filter);
    l->n++;
    return 0;
}

static int print_count(void *ctx, const char *day, int64_t members)
{
    (void)ctx;
    printf("  %s  %lld\n", day, (long long)members);
    return 0;
}

int cmd_segment(struct cli *cli, int argc, char **argv)
{
    static const struct option opts[] = {
        {"description", required_argument, NULL, 'd'},
        {"as-of", required_argument, NULL, 'a'},
        {"output", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    const char *sub, *desc = NULL, *outfile = NULL;
    int32_t as_of = INT32_MIN;
    struct ok_err err;
    struct db *db = NULL;
    struct segment s;
    struct population p;
    uint32_t *idx = NULL;
    size_t n = 0, i;
    int opt, rc = EXIT_OK;
    ok_err_clear(&err);
    memset(&s, 0, sizeof(s));
    memset(&p, 0, sizeof(p));
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        segment_help();
        return argc < 2 ? EXIT_USAGE : EXIT_OK;
    }
    sub = argv[1];
    argc--;
    argv++;
    optind = 0;
    while ((opt = getopt_long(argc, argv, "o:", opts, NULL)) != -1) {
        switch (opt) {
        case 'd':
            desc = optarg;
            break;
        case 'a':
            if (date_parse(optarg, strlen(optarg), &as_of, NULL, &err) < 0)
                return cli_usage("segment", "--as-of: %s", err.message);
            break;
        case 'o':
            outfile = optarg;
            break;
        case 'h':
            segment_help();
            return EXIT_OK;
        default:
            return EXIT_USAGE;
        }
    }
    if (!strcmp(sub, "check")) {
        struct filter *f;
        struct buf b;
        if (optind + 1 != argc)
            return cli_usage("segment", "check needs one FILTER argument");
        if (!(db = cli_open_db(cli, DB_OPEN_READONLY)))
            return EXIT_ERROR;
        f = population_compile(db, NULL, argv[optind], &err);
        if (!f) {
            rc = cli_fail(&err);
        } else {
            buf_init(&b, 0);
            filter_to_text(f, &b);
            printf("ok: %s\n", b.data);
            buf_release(&b);
            filter_free(&f);
        }
        db_close(&db);
        return rc;
    }
    if (!strcmp(sub, "add")) {
        struct filter *f;
        if (optind + 2 != argc)
            return cli_usage("segment", "add needs NAME and FILTER");
        if (!(db = cli_open_db(cli, 0)))
            return EXIT_ERROR;
        /* Rejected when saved: syntax, fields, and names that must exist. */
        f = population_compile(db, NULL, argv[optind + 1], &err);
        if (!f) {
            rc = cli_fail(&err);
            goto out;
        }
        filter_free(&f);
        s.name = xstrdup(argv[optind]);
        s.filter = xstrdup(argv[optind + 1]);
        s.description = desc ? xstrdup(desc) : NULL;
        if (store_segment_create(db, &cli->actor, &s, &err) < 0 ||
            evaluate(db, &s, as_of, 1, &p, &idx, &n, &err) < 0) {
            rc = cli_fail(&err);
            goto out;
        }
        printf("segment %s: %zu customers\n", s.name, n);
        goto out;
    }
    if (!strcmp(sub, "list")) {
        struct segment_query q;
        struct list_ctx l;
        memset(&q, 0, sizeof(q));
        memset(&l, 0, sizeof(l));
        q.limit = 10000;
        if (!(db = cli_open_db(cli, 0)))
            return EXIT_ERROR;
        if (store_segment_list(db, &q, collect, &l, &err) < 0 ||
            (l.n && population_load(db, &p, as_of, &err) < 0)) {
            rc = cli_fail(&err);
        } else {
            printf("name,members,filter\n");
            for (i = 0; i < l.n; i++) {
                struct filter *f = population_compile(db, &p, l.v[i].filter, &err);
                size_t cnt = 0;
                if (f) {
                    uint32_t *ix = NULL;
                    cnt = filter_select(f, &ix);
                    free(ix);
                    filter_free(&f);
                    printf("%s,%zu,\"%s\"\n", l.v[i].name, cnt, l.v[i].filter);
                } else {
                    printf("%s,,\"%s\" (error: %s)\n", l.v[i].name, l.v[i].filter, err.message);
                }
            }
        }
        for (i = 0; i < l.n; i++)
            segment_release(&l.v[i]);
        free(l.v);
        goto out;
    }
    if (!strcmp(sub, "delete")) {
        if (optind + 1 != argc)
            return cli_usage("segment", "delete needs NAME");
        if (!(db = cli_open_db(cli, 0)))
            return EXIT_ERROR;
        if (store_segment_get(db, argv[optind], &s, &err) < 0 ||
            store_segment_delete(db, &cli->actor, s.id, &err) < 0)
            rc = cli_fail(&err);
        goto out;
    }
    if (strcmp(sub, "show") && strcmp(sub, "members") && strcmp(sub, "export"))
        return cli_usage("segment", "unknown subcommand '%s'", sub);
    if (optind + 1 != argc)
        return cli_usage("segment", "%s needs NAME", sub);
    if (!(db = cli_open_db(cli, 0)))
        return EXIT_ERROR;
    if (store_segment_get(db, argv[optind], &s, &err) < 0 ||
        evaluate(db, &s, as_of, 1, &p, &idx, &n, &err) < 0) {
        rc = cli_fail(&err);
        goto out;
    }
    if (!strcmp(sub, "show")) {
        printf("segment %s\nfilter: %s\nmembers: %zu\nhistory:\n", s.name, s.filter, n);
        if (store_segment_counts(db, s.id, NULL, NULL, print_count, NULL, &err) < 0)
            rc = cli_fail(&err);
    } else {
        FILE *fp = stdout;
        if (outfile && !(fp = fopen(outfile, "w"))) {
            ok_err_set(&err, OK_ERR_IO, "cannot write %s", outfile);
            rc = cli_fail(&err);
            goto out;
        }
        if (!strcmp(sub, "export"))
            fprintf(fp, "code,state,stage,recency_days,orders,revenue\n");
        for (i = 0; i < n; i++) {
            uint32_t c = idx[i];
            const struct customer_metrics *m = &p.view.m[c];
            if (!strcmp(sub, "members")) {
                fprintf(fp, "%s\n", p.codes[c] ? p.codes[c] : "");
                continue;
            }
            fprintf(fp, "%s,%s,%s,", p.codes[c] ? p.codes[c] : "",
                    cust_state_id((enum cust_state)p.view.state[c]),
                    cust_stage_id((enum cust_stage)p.view.stage[c]));
            if (m->purchase_days)
                fprintf(fp, "%d", (int)(p.as_of - m->last_day));
            fprintf(fp, ",%u,%lld\n", m->orders, (long long)m->revenue);
        }
        if (fp != stdout)
            fclose(fp);
    }
out:
    free(idx);
    population_release(&p);
    segment_release(&s);
    db_close(&db);
    return rc;
}
