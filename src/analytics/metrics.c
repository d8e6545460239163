/*
 * metrics.c - the one pass over the order-line columns behind every customer number.
 */
#include "analytics/metrics.h"

#include <stdlib.h>
#include <string.h>

#include "core/mem.h"
#include "core/banned.h"

static int cmp_i32(const void *a, const void *b)
{
    int32_t x = *(const int32_t *)a, y = *(const int32_t *)b;
    return (x > y) - (x < y);
}

/* Gaps per customer are few: insertion sort, qsort for the rare long history. */
static float median_of(int32_t *gaps, uint32_t n)
{
    if (n == 0)
        return 0.0f;
    if (n <= 32) {
        for (uint32_t i = 1; i < n; i++) {
            int32_t v = gaps[i];
            uint32_t j = i;
            for (; j > 0 && gaps[j - 1] > v; j--)
                gaps[j] = gaps[j - 1];
            gaps[j] = v;
        }
    } else {
        qsort(gaps, n, sizeof(*gaps), cmp_i32);
    }
    if (n & 1)
        return (float)gaps[n / 2];
    return (float)(((double)gaps[n / 2 - 1] + (double)gaps[n / 2]) / 2.0);
}

/* gaps: scratch with room for the customer's line count. */
static void one(const struct ledger *l, uint32_t c, int32_t as_of, int32_t w1, int32_t w2,
                int32_t *gaps, struct customer_metrics *m)
{
    const uint64_t off = l->seg_off[c];
    const uint32_t len = l->seg_len[c];
    const int32_t *day = l->line_day + off;
    const int64_t *amt = l->line_amount + off;
    const uint32_t *ord = l->line_order + off;
    int32_t first = LEDGER_NO_DAY, second = LEDGER_NO_DAY, last = LEDGER_NO_DAY;
    uint32_t orders = 0, pdays = 0, ow = 0, ngaps = 0;
    int64_t rev = 0, rep = 0, rw = 0, rpw = 0;
    int32_t cur = LEDGER_NO_DAY, prev_od = LEDGER_NO_DAY;
    uint32_t prev_oo = 0;
    int64_t cur_sum = 0;
    int cur_buy = 0;

    for (uint32_t i = 0; i < len; i++) {
        const int32_t d = day[i];
        if (d > as_of)
            break;
        const int64_t a = amt[i];
        rev += a;
        rw += d > w1 ? a : 0;
        rpw += (d > w2 && d <= w1) ? a : 0;
        if (d != cur) {
            if (cur_buy) {
                if (pdays == 0) {
                    first = cur;
                } else {
                    rep += cur_sum;
                    gaps[ngaps++] = cur - last;
                    if (pdays == 1)
                        second = cur;
                }
                pdays++;
                last = cur;
            }
            cur = d;
            cur_sum = 0;
            cur_buy = 0;
        }
        cur_sum += a;
        if (a >= 0) {
            cur_buy = 1;
            const uint32_t o = ord[i];
            if (d != prev_od || o != prev_oo) {
                orders++;
                ow += d > w1;
                prev_od = d;
                prev_oo = o;
            }
        }
    }
    if (cur_buy) {
        if (pdays == 0) {
            first = cur;
        } else {
            rep += cur_sum;
            gaps[ngaps++] = cur - last;
            if (pdays == 1)
                second = cur;
        }
        pdays++;
        last = cur;
    }
    m->first_day = first;
    m->second_day = second;
    m->last_day = last;
    m->orders = orders;
    m->purchase_days = pdays;
    m->orders_window = ow;
    m->revenue = rev;
    m->repeat_revenue = rep;
    m->revenue_window = rw;
    m->revenue_prev_window = rpw;
    m->median_gap = median_of(gaps, ngaps);
}

static void windows(int32_t as_of, int32_t window_days, int32_t *w1, int32_t *w2)
{
    int64_t a = (int64_t)as_of - window_days, b = (int64_t)as_of - 2 * (int64_t)window_days;
    *w1 = a < INT32_MIN ? INT32_MIN : (int32_t)a;
    *w2 = b < INT32_MIN ? INT32_MIN : (int32_t)b;
}

void metrics_compute(const struct ledger *l, int32_t as_of, int32_t window_days,
                     struct customer_metrics *out)
{
    uint32_t maxlen = 1;
    int32_t w1, w2;
    windows(as_of, window_days, &w1, &w2);
    for (uint32_t c = 0; c < l->ncust; c++)
        maxlen = l->seg_len[c] > maxlen ? l->seg_len[c] : maxlen;
    int32_t *gaps = xmalloc((size_t)maxlen * sizeof(*gaps));
    for (uint32_t c = 0; c < l->ncust; c++)
        one(l, c, as_of, w1, w2, gaps, &out[c]);
    free(gaps);
}

void metrics_compute_one(const struct ledger *l, uint32_t cust, int32_t as_of, int32_t window_days,
                         struct customer_metrics *out)
{
    int32_t w1, w2;
    windows(as_of, window_days, &w1, &w2);
    uint32_t len = l->seg_len[cust] ? l->seg_len[cust] : 1;
    int32_t *gaps = xmalloc((size_t)len * sizeof(*gaps));
    one(l, cust, as_of, w1, w2, gaps, out);
    free(gaps);
}
