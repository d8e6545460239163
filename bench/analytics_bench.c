/*
 * analytics_bench - times the analytics layer on a synthetic ledger (1,000,000 customers,
 * 10,000,000 order lines by default; argv[1], argv[2] override), built through the same builder
 * the store loader uses. Prints `key value` lines (seconds are the median of 3 runs).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analytics/ledger.h"
#include "analytics/report.h"
#include "analytics/view.h"
#include "core/table.h"
#include "core/banned.h"

#define RUNS 3

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double median3(double a[RUNS])
{
    double x = a[0], y = a[1], z = a[2];
    if (x > y) {
        double t = x;
        x = y;
        y = t;
    }
    if (y > z)
        y = z;
    return x > y ? x : y;
}

/* xorshift64* (Vigna 2016): deterministic and fast. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint64_t rnd(void)
{
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 2685821657736338717ULL;
}

static double add_time; /* time of the last build's add phase */

/* Lines arrive in date order (as orders are numbered), customers skewed: a quarter of the
 * customers get half of the lines. Two lines per order. */
static struct ledger *build(uint32_t ncust, uint64_t nlines)
{
    struct ok_err err;
    struct ledger_builder b;
    rng_state = 0x9e3779b97f4a7c15ULL;
    double t0 = now();
    ledger_builder_init(&b, 0);
    for (uint32_t c = 0; c < ncust; c++) {
        struct ledger_customer_in in = {100000 + (int64_t)c,
                                        18262 /* 2020-01-01 */,
                                        (int64_t)(c % 20),
                                        (int32_t)(c % 5),
                                        LEDGER_NONE,
                                        LEDGER_NONE,
                                        0};
        if (ledger_builder_add_customer(&b, &in, &err) < 0) {
            fprintf(stderr, "%s\n", err.message);
            exit(1);
        }
    }
    const int32_t day0 = 18262, span = 5 * 365;
    uint32_t c = 0;
    for (uint64_t i = 0; i < nlines; i++) {
        if ((i & 1) == 0) {
            uint64_t r = rnd();
            c = (r & 1) ? (uint32_t)((r >> 1) % (ncust / 4 + 1)) : (uint32_t)((r >> 1) % ncust);
        }
        int32_t day = day0 + (int32_t)((i * (uint64_t)span) / nlines);
        int64_t amount = 500 + (int64_t)(rnd() % 20000);
        if (rnd() % 50 == 0)
            amount = -amount / 2;
        if (ledger_builder_add_line(&b, 100000 + (int64_t)c, day, amount, (int64_t)(i / 2),
                                    (uint32_t)(rnd() % 1000), &err) < 0) {
            fprintf(stderr, "%s\n", err.message);
            exit(1);
        }
    }
    for (uint32_t k = 0; k < ncust / 20; k++) {
        struct ledger_deal d = {0,
                                DEAL_NEW,
                                DEAL_LOST,
                                day0 + (int32_t)(rnd() % span),
                                0,
                                10000,
                                (int32_t)(rnd() % 4),
                                LEDGER_NONE,
                                LEDGER_NONE};
        d.closed_day = d.opened_day + 10;
        ledger_builder_add_deal(&b, 100000 + (int64_t)(rnd() % ncust), &d, &err);
    }
    add_time = now() - t0;
    return ledger_builder_finish(&b, &err);
}

int main(int argc, char **argv)
{
    uint32_t ncust = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 1000000;
    uint64_t nlines = argc > 2 ? strtoull(argv[2], NULL, 10) : 10000000;
    double t_finish[RUNS], t_view[RUNS], t_trans[RUNS], t_cohort[RUNS], t_add[RUNS];
    struct analytics_settings s;
    struct ok_err err;
    analytics_settings_default(&s);
    struct report_opts o = {.settings = &s};
    struct ledger *l = NULL;
    const int32_t as_of = 18262 + 5 * 365, from = as_of - 365;

    for (int r = 0; r < RUNS; r++) {
        ledger_free(&l);
        double t0 = now();
        l = build(ncust, nlines);
        t_add[r] = add_time;
        t_finish[r] = now() - t0 - add_time;
    }
    for (int r = 0; r < RUNS; r++) {
        struct analytics_view v;
        double t0 = now();
        if (analytics_view_compute(&v, l, &s, as_of, NULL, &err) < 0) {
            fprintf(stderr, "%s\n", err.message);
            return 1;
        }
        t_view[r] = now() - t0;
        analytics_view_release(&v);
    }
    for (int r = 0; r < RUNS; r++) {
        double t0 = now();
        struct table *t = report_transitions(l, &o, from, as_of, &err);
        t_trans[r] = now() - t0;
        if (!t)
            return 1;
        table_free(&t);
    }
    for (int r = 0; r < RUNS; r++) {
        double t0 = now();
        struct table *t = report_cohorts(l, &o, as_of, &err);
        t_cohort[r] = now() - t0;
        if (!t)
            return 1;
        table_free(&t);
    }
    size_t lb, cb;
    ledger_memory(l, &lb, &cb);
    printf("customers %u\n", l->ncust);
    printf("order_lines %llu\n", (unsigned long long)l->nlines);
    printf("builder_add_seconds %.3f\n", median3(t_add));
    printf("builder_finish_sort_seconds %.3f\n", median3(t_finish));
    printf("metrics_state_lifecycle_rfm_seconds %.3f\n", median3(t_view));
    printf("transitions_seconds %.3f\n", median3(t_trans));
    printf("cohorts_seconds %.3f\n", median3(t_cohort));
    printf("bytes_per_line %.2f\n", (double)lb / (double)(l->nlines ? l->nlines : 1));
    printf("bytes_per_customer %.2f\n", (double)cb / (double)(l->ncust ? l->ncust : 1));

    /* incremental: 10,000 single-line adds on the live ledger */
    double t0 = now();
    for (int i = 0; i < 10000; i++)
        ledger_add_line(l, 100000 + (int64_t)(rnd() % ncust), as_of, 1000, 900000000 + i, 1, &err);
    printf("incremental_add_line_microseconds %.2f\n", (now() - t0) / 10000 * 1e6);
    ledger_free(&l);
    return 0;
}
