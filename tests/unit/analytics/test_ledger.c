/* Tests for src/analytics/ledger.c: builder sort, references, incremental adds, memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "analytics/ledger.h"

static struct ledger_customer_in cust(int64_t id)
{
    struct ledger_customer_in c = {
        id, LEDGER_NO_DAY, LEDGER_NONE, LEDGER_NONE, LEDGER_NONE, LEDGER_NONE, 0};
    return c;
}

static void test_builder_sorts_lines(void **state)
{
    struct ledger_builder b;
    struct ok_err err;
    ledger_builder_init(&b, 0);
    assert_int_equal(ledger_builder_add_customer(&b, &(struct ledger_customer_in){0}, &err), 0);
    struct ledger_customer_in c = cust(7);
    assert_int_equal(ledger_builder_add_customer(&b, &c, &err), 1);
    c = cust(7);
    assert_int_equal(ledger_builder_add_customer(&b, &c, &err), -1); /* duplicate id */
    assert_int_equal(err.code, OK_ERR_CONFLICT);
    /* lines in arbitrary order, interleaved customers */
    assert_int_equal(ledger_builder_add_line(&b, 7, 30, 300, 3, 1, &err), 0);
    assert_int_equal(ledger_builder_add_line(&b, 0, 5, 50, 9, 1, &err), 0);
    assert_int_equal(ledger_builder_add_line(&b, 7, 10, 100, 1, 2, &err), 0);
    assert_int_equal(ledger_builder_add_line(&b, 7, 30, 301, 2, 3, &err), 0);
    assert_int_equal(ledger_builder_add_line(&b, 7, 20, 200, 5, 4, &err), 0);
    assert_int_equal(ledger_builder_add_line(&b, 99, 20, 200, 5, 4, &err), -1);
    assert_int_equal(err.code, OK_ERR_NOT_FOUND);
    assert_int_equal(ledger_builder_add_line(&b, 7, 2000000000, 1, 1, 1, &err), -1);
    struct ledger *l = ledger_builder_finish(&b, &err);
    assert_non_null(l);
    assert_int_equal(l->ncust, 2);
    assert_int_equal(l->nlines, 5);
    assert_int_equal(l->seg_off[0], 0);
    assert_int_equal(l->seg_len[0], 1);
    assert_int_equal(l->seg_off[1], 1);
    int32_t days[] = {10, 20, 30, 30};
    int64_t amounts[] = {100, 200, 301, 300}; /* same day: order key 2 before 3 */
    for (int i = 0; i < 4; i++) {
        assert_int_equal(l->line_day[1 + i], days[i]);
        assert_int_equal(l->line_amount[1 + i], amounts[i]);
    }
    assert_int_equal(l->min_day, 5);
    assert_int_equal(l->max_day, 30);
    assert_int_equal(ledger_customer_index(l, 7), 1);
    assert_int_equal(ledger_customer_index(l, 8), -1);
    ledger_free(&l);
    assert_null(l);
}

static void test_long_segment_uses_qsort(void **state)
{
    struct ledger_builder b;
    struct ok_err err;
    ledger_builder_init(&b, 0);
    struct ledger_customer_in c = cust(1);
    ledger_builder_add_customer(&b, &c, &err);
    for (int i = 0; i < 1000; i++) /* descending days */
        assert_int_equal(ledger_builder_add_line(&b, 1, 20000 - i, i, (int64_t)i, 0, &err), 0);
    struct ledger *l = ledger_builder_finish(&b, &err);
    for (int i = 0; i < 1000; i++) {
        assert_int_equal(l->line_day[i], 20000 - 999 + i);
        assert_int_equal(l->line_amount[i], 999 - i);
    }
    ledger_free(&l);
}

static void test_references(void **state)
{
    struct ledger_builder b;
    struct ok_err err;
    ledger_builder_init(&b, 2);
    struct ledger_customer_in c = cust(1);
    c.referred_by = 2; /* referrer added later */
    ledger_builder_add_customer(&b, &c, &err);
    c = cust(2);
    ledger_builder_add_customer(&b, &c, &err);
    struct ledger_contract k = {0, 1, 100, 465, 5000, 10, LEDGER_NONE, LEDGER_NONE, 0};
    assert_int_equal(ledger_builder_add_contract(&b, 2, &k, &err), 0);
    struct ledger_contract k2 = {0, 1, 466, 830, 6000, 11, 10, LEDGER_NONE, 0};
    assert_int_equal(ledger_builder_add_contract(&b, 2, &k2, &err), 1);
    struct ledger_deal d = {0, DEAL_NEW, DEAL_LOST,   50,         LEDGER_NO_DAY,
                            0, 3,        LEDGER_NONE, LEDGER_NONE};
    assert_int_equal(ledger_builder_add_deal(&b, 1, &d, &err), -1); /* lost without a date */
    d.closed_day = 60;
    assert_int_equal(ledger_builder_add_deal(&b, 1, &d, &err), 0);
    assert_int_equal(ledger_builder_add_referral(&b, 2, 1, 40, 5, 0, &err), 0);
    assert_int_equal(ledger_builder_add_referral(&b, 2, 1, 40, 5, 7, &err), -1); /* no deal 7 */
    assert_int_equal(ledger_builder_add_feedback(&b, 1, 1, 9, 70, &err), 0);
    struct ledger *l = ledger_builder_finish(&b, &err);
    assert_non_null(l);
    assert_int_equal(l->cust_referred_by[0], 1);
    assert_int_equal(l->cust_referred_by[1], LEDGER_NONE);
    assert_int_equal(l->contracts[0].renewed_by, 1);
    assert_int_equal(l->contracts[1].renewed_by, LEDGER_NONE);
    assert_int_equal(l->money_decimals, 2);
    /* live: a renewal of the renewal */
    struct ledger_contract k3 = {0, 1, 831, LEDGER_NO_DAY, 7000, 12, 11, LEDGER_NONE, 0};
    assert_int_equal(ledger_add_contract(l, 2, &k3, &err), 2);
    assert_int_equal(l->contracts[1].renewed_by, 2);
    ledger_free(&l);

    ledger_builder_init(&b, 0);
    c = cust(1);
    c.referred_by = 5;
    ledger_builder_add_customer(&b, &c, &err);
    assert_null(ledger_builder_finish(&b, &err));
    assert_int_equal(err.code, OK_ERR_NOT_FOUND);
}

/* Incremental adds give the same segments as building from scratch. */
static void test_incremental_matches_rebuild(void **state)
{
    enum { NC = 50, NL = 3000 };
    struct ok_err err;
    struct ledger_builder b;
    ledger_builder_init(&b, 0);
    for (int c = 0; c < NC; c++) {
        struct ledger_customer_in ci = cust(1000 + c);
        ledger_builder_add_customer(&b, &ci, &err);
    }
    struct ledger *full = NULL, *inc = NULL;
    uint32_t seed = 12345;
    struct ledger_line_in *lines = malloc(NL * sizeof(*lines));
    for (int i = 0; i < NL; i++) {
        seed = seed * 1103515245u + 12345u;
        lines[i].customer_id = 1000 + (seed >> 8) % NC;
        lines[i].day = 19000 + (int32_t)((seed >> 16) % 400);
        lines[i].amount = (int64_t)(seed % 1000) - 100;
        lines[i].order_key = i;
        lines[i].product_key = seed % 7;
        assert_int_equal(ledger_builder_add_line(&b, lines[i].customer_id, lines[i].day,
                                                 lines[i].amount, lines[i].order_key,
                                                 lines[i].product_key, &err),
                         0);
    }
    full = ledger_builder_finish(&b, &err);
    ledger_builder_init(&b, 0);
    for (int c = 0; c < NC; c++) {
        struct ledger_customer_in ci = cust(1000 + c);
        ledger_builder_add_customer(&b, &ci, &err);
    }
    for (int i = 0; i < NL / 3; i++)
        ledger_builder_add_line(&b, lines[i].customer_id, lines[i].day, lines[i].amount,
                                lines[i].order_key, lines[i].product_key, &err);
    inc = ledger_builder_finish(&b, &err);
    assert_int_equal(ledger_add_lines(inc, lines + NL / 3, NL - NL / 3, &err), 0);
    /* a new customer on the live ledger, then its lines */
    struct ledger_customer_in nc = cust(5000);
    assert_int_equal(ledger_add_customer(inc, &nc, &err), NC);
    assert_int_equal(ledger_add_line(inc, 5000, 19500, 10, 1, 0, &err), 0);
    assert_int_equal(ledger_add_line(inc, 4999, 19500, 10, 1, 0, &err), -1);
    assert_int_equal(inc->nlines, NL + 1);
    for (int pass = 0; pass < 2; pass++) {
        for (uint32_t c = 0; c < NC; c++) {
            assert_int_equal(full->seg_len[c], inc->seg_len[c]);
            for (uint32_t i = 0; i < full->seg_len[c]; i++) {
                uint64_t a = full->seg_off[c] + i, z = inc->seg_off[c] + i;
                assert_int_equal(full->line_day[a], inc->line_day[z]);
                assert_int_equal(full->line_order[a], inc->line_order[z]);
                assert_int_equal(full->line_amount[a], inc->line_amount[z]);
                assert_int_equal(full->line_product[a], inc->line_product[z]);
            }
        }
        assert_int_equal(inc->line_day[inc->seg_off[NC]], 19500);
        ledger_compact(inc); /* and again after repacking */
        assert_int_equal(inc->line_used, inc->nlines);
    }
    free(lines);
    ledger_free(&full);
    ledger_free(&inc);
}

/* DESIGN budget: <= 24 bytes per order line and <= 200 bytes per customer. */
static void test_memory_budget(void **state)
{
    enum { NC = 20000, PER = 10 };
    struct ok_err err;
    struct ledger_builder b;
    ledger_builder_init(&b, 0);
    for (int c = 0; c < NC; c++) {
        struct ledger_customer_in ci = cust(c + 1);
        ledger_builder_add_customer(&b, &ci, &err);
    }
    for (int i = 0; i < NC * PER; i++)
        ledger_builder_add_line(&b, (i % NC) + 1, 19000 + i / NC, 100, i, 1, &err);
    struct ledger *l = ledger_builder_finish(&b, &err);
    size_t lb, cb;
    ledger_memory(l, &lb, &cb);
    assert_true(lb <= 24 * l->nlines);
    assert_true(cb <= 200 * (size_t)l->ncust);
    ledger_free(&l);
}

/* Lines in parts, before their customers, with ids that do not fit 32 bits and sparse and
 * dense ids side by side: resolved at finish into the same ledger as line-by-line adds. */
static void test_parts_and_id_ranges(void **state)
{
    struct ok_err err;
    struct ledger_builder b;
    const int64_t ids[] = {1, 2, 3, 5000000000LL, -7, 0, 40000, 4};
    const size_t nids = sizeof(ids) / sizeof(ids[0]);
    struct ledger_line_in lines[64];
    size_t n = 0;
    (void)state;
    for (size_t k = 0; k < 64; k++) {
        lines[n++] = (struct ledger_line_in){ids[k % nids], (int32_t)(1000 + (k * 37) % 90),
                                             (int64_t)k * 10 - 50, (int64_t)k, (uint32_t)k};
    }
    ledger_builder_init(&b, 0);
    /* Lines first (in two parts, the later part given first), customers after. */
    assert_int_equal(ledger_builder_add_lines(&b, 3, lines + 40, 24, &err), 0);
    assert_int_equal(ledger_builder_add_lines(&b, 0, lines, 40, &err), 0);
    for (size_t i = 0; i < nids; i++) {
        struct ledger_customer_in c = cust(ids[i]);
        assert_int_equal(ledger_builder_add_customer(&b, &c, &err), (long)i);
    }
    struct ledger *l = ledger_builder_finish(&b, &err);
    assert_non_null(l);
    assert_int_equal(l->nlines, 64);
    for (size_t i = 0; i < nids; i++) {
        long c = ledger_customer_index(l, ids[i]);
        assert_int_equal(c, (long)i);
        assert_int_equal(l->seg_len[c], 8); /* lines k = i, i + 8, ... */
        for (uint32_t j = 0; j < l->seg_len[c]; j++) {
            uint64_t at = l->seg_off[c] + j;
            size_t k = l->line_order[at];
            assert_int_equal(k % nids, i);
            assert_int_equal(l->line_amount[at], (int64_t)k * 10 - 50);
            if (j > 0)
                assert_true(l->line_day[at - 1] <= l->line_day[at]);
        }
    }
    assert_int_equal(ledger_customer_index(l, 6), -1);
    assert_int_equal(ledger_customer_index(l, 5000000001LL), -1);
    ledger_free(&l);

    /* A line of a customer that never comes fails finish; a bad part or day fails at once. */
    ledger_builder_init(&b, 0);
    assert_int_equal(ledger_builder_add_lines(&b, 1, lines, 1, &err), 0);
    assert_int_equal(ledger_builder_add_lines(&b, LEDGER_BUILDER_PARTS, lines, 1, &err), -1);
    struct ledger_line_in bad = {1, 2000000000, 1, 1, 0};
    assert_int_equal(ledger_builder_add_lines(&b, 0, &bad, 1, &err), -1);
    assert_null(ledger_builder_finish(&b, &err));
    assert_non_null(strstr(err.message, "not found"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_builder_sorts_lines),
        cmocka_unit_test(test_long_segment_uses_qsort),
        cmocka_unit_test(test_references),
        cmocka_unit_test(test_incremental_matches_rebuild),
        cmocka_unit_test(test_memory_budget),
        cmocka_unit_test(test_parts_and_id_ranges),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
