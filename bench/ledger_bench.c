/*
 * ledger_bench - times the analytics on a real okaeri database (the bench's demo database):
 * loading the ledger snapshot from the store, then per-customer metrics + state + lifecycle +
 * RFM for all customers, a transitions matrix and cohorts, as of the last order day; and, on the
 * loaded ledger, the value models: BG/NBD + Gamma-Gamma fitted and P(alive), expected purchases
 * and CLV predicted for every customer (the issue 5 target is about this part).
 * usage: ledger_bench DB. Prints `key value` lines; seconds are medians of 3 runs.
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "analytics/report.h"
#include "analytics/view.h"
#include "core/table.h"
#include "db/db.h"
#include "service/snapshot.h"
#include "service/value.h"
#include "core/banned.h"

#define RUNS 3

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v)
{
    qsort(v, RUNS, sizeof(double), cmp_double);
    return v[RUNS / 2];
}

static void fail(const struct ok_err *err)
{
    fprintf(stderr, "ledger_bench: %s\n", err->message);
    exit(1);
}

int main(int argc, char **argv)
{
    struct ok_err err;
    struct snapshot snap;
    struct report_opts opts = {0};
    double load[RUNS], view[RUNS], trans[RUNS], cohorts[RUNS];
    size_t line_bytes, cust_bytes;
    int32_t as_of = 0;
    struct db *db;
    int i;
    if (argc != 2) {
        fprintf(stderr, "usage: ledger_bench DB\n");
        return 2;
    }
    db = db_open(argv[1], DB_OPEN_READONLY, &err);
    if (!db)
        fail(&err);
    for (i = 0; i < RUNS; i++) {
        double t0 = now();
        if (snapshot_load(db, &snap, &err) < 0)
            fail(&err);
        load[i] = now() - t0;
        if (i < RUNS - 1)
            snapshot_release(&snap);
    }
    as_of = snap.ledger->max_day;
    opts.settings = &snap.settings;
    for (i = 0; i < RUNS; i++) {
        struct analytics_view v;
        struct table *t;
        double t0 = now();
        if (analytics_view_compute(&v, snap.ledger, &snap.settings, as_of, NULL, &err) < 0)
            fail(&err);
        view[i] = now() - t0;
        analytics_view_release(&v);
        t0 = now();
        t = report_transitions(snap.ledger, &opts, as_of - 365, as_of, &err);
        if (!t)
            fail(&err);
        trans[i] = now() - t0;
        table_free(&t);
        t0 = now();
        t = report_cohorts(snap.ledger, &opts, as_of, &err);
        if (!t)
            fail(&err);
        cohorts[i] = now() - t0;
        table_free(&t);
    }
    {
        double value[RUNS];
        for (i = 0; i < RUNS; i++) {
            struct value_summaries sums;
            struct clv_fit_result counts, spend;
            struct value_predictions pred;
            double t0 = now();
            value_summaries_init(&sums, 7.0);
            if (value_summaries_from_ledger(&sums, snap.ledger, as_of, as_of, &err) < 0 ||
                value_fit_both(CLV_MODEL_BGNBD, &sums, &counts, &spend, &err) < 0 ||
                value_predict(&sums, &counts.params, spend.converged ? &spend.params : NULL, 365,
                              0.0, &pred, &err) < 0)
                fail(&err);
            value[i] = now() - t0;
            if (i == 0)
                printf("value_customers %zu\nvalue_bgnbd_converged %d\nvalue_gg_converged %d\n",
                       sums.n, counts.converged, spend.converged);
            value_predictions_release(&pred);
            value_summaries_release(&sums);
        }
        printf("value_bgnbd_gg_fit_predict_s %.3f\n", median(value));
    }
    ledger_memory(snap.ledger, &line_bytes, &cust_bytes);
    printf("customers %u\n", snap.ledger->ncust);
    printf("order_lines %llu\n", (unsigned long long)snap.ledger->nlines);
    printf("ledger_load_s %.3f\n", median(load));
    printf("metrics_state_lifecycle_rfm_s %.3f\n", median(view));
    printf("transitions_s %.3f\n", median(trans));
    printf("cohorts_s %.3f\n", median(cohorts));
    printf("bytes_per_line %.1f\n",
           snap.ledger->nlines ? (double)line_bytes / (double)snap.ledger->nlines : 0.0);
    printf("bytes_per_customer %.1f\n",
           snap.ledger->ncust ? (double)cust_bytes / (double)snap.ledger->ncust : 0.0);
    snapshot_release(&snap);
    db_close(&db);
    return 0;
}
