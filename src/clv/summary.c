/*
 * summary.c - customer summaries and their compression into weighted distinct rows (summary.h).
 *
 * Compression uses an open-addressing hash table over the bit patterns of the key doubles, so
 * 1,000,000 customers compress in one pass without sorting.
 */
#include "clv/summary.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/mem.h"

#include "core/banned.h"

void clv_data_init(struct clv_data *d)
{
    d->rows = NULL;
    d->n = 0;
    d->cap = 0;
}

void clv_data_release(struct clv_data *d)
{
    free(d->rows);
    clv_data_init(d);
}

void clv_data_add(struct clv_data *d, double x, double t_x, double T, double m, double w)
{
    d->rows = xgrow(d->rows, &d->cap, d->n + 1, sizeof(*d->rows));
    struct clv_row *r = &d->rows[d->n++];
    r->x = x;
    r->t_x = t_x;
    r->T = T;
    r->m = m;
    r->w = w;
}

double clv_data_weight(const struct clv_data *d)
{
    double s = 0.0;
    for (size_t i = 0; i < d->n; i++)
        s += d->rows[i].w;
    return s;
}

int clv_summary_check(double x, double t_x, double T, double m, struct ok_err *err)
{
    if (!isfinite(x) || x < 0) {
        ok_err_set(err, OK_ERR_INVALID, "frequency must be a number >= 0, got %g", x);
        ok_err_locate(err, "frequency", 0);
        return -1;
    }
    if (!isfinite(T) || T < 0) {
        ok_err_set(err, OK_ERR_INVALID, "T must be a number >= 0, got %g", T);
        ok_err_locate(err, "T", 0);
        return -1;
    }
    if (!isfinite(t_x) || t_x < 0 || t_x > T) {
        ok_err_set(err, OK_ERR_INVALID, "recency must be between 0 and T (%g), got %g", T, t_x);
        ok_err_locate(err, "recency", 0);
        return -1;
    }
    if (x == 0 && t_x != 0) {
        ok_err_set(err, OK_ERR_INVALID, "recency must be 0 when frequency is 0, got %g", t_x);
        ok_err_locate(err, "recency", 0);
        return -1;
    }
    if (!isfinite(m) || m < 0) {
        ok_err_set(err, OK_ERR_INVALID, "monetary_value must be a number >= 0, got %g", m);
        ok_err_locate(err, "monetary_value", 0);
        return -1;
    }
    return 0;
}

static uint64_t key_bits(double v)
{
    uint64_t u;
    if (v == 0.0)
        v = 0.0; /* -0.0 and 0.0 are one key */
    memcpy(&u, &v, sizeof(u));
    return u;
}

/* splitmix64 finaliser: a cheap, well-mixed hash of the key bits. */
static uint64_t mix(uint64_t h)
{
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ULL;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebULL;
    h ^= h >> 31;
    return h;
}

int clv_data_compress(struct clv_data *out, enum clv_key key, const double *x, const double *t_x,
                      const double *T, const double *m, size_t n, uint32_t *row_of,
                      struct ok_err *err)
{
    int rc = -1;
    size_t nslots = 16;
    while (nslots < 2 * n)
        nslots <<= 1;
    uint32_t *slots = xmalloc(nslots * sizeof(*slots));
    memset(slots, 0xff, nslots * sizeof(*slots));
    out->n = 0;

    for (size_t i = 0; i < n; i++) {
        double mi = m ? m[i] : 0.0;
        double ti = key == CLV_KEY_SPEND ? 0.0 : t_x[i];
        double Ti = key == CLV_KEY_SPEND ? 0.0 : T[i];
        if (key == CLV_KEY_COUNTS && clv_summary_check(x[i], ti, Ti, mi, err) < 0) {
            ok_err_locate(err, NULL, (long)i + 1);
            goto out;
        }
        if (key == CLV_KEY_SPEND) {
            if (!isfinite(x[i]) || !isfinite(mi) || x[i] < 0 || mi < 0) {
                ok_err_set(err, OK_ERR_INVALID, "frequency and monetary_value must be >= 0");
                ok_err_locate(err, "monetary_value", (long)i + 1);
                goto out;
            }
            if (x[i] <= 0 || mi <= 0) {
                if (row_of)
                    row_of[i] = CLV_NO_ROW;
                continue;
            }
        } else {
            mi = 0.0; /* the counting models do not look at spend */
        }
        uint64_t h = mix(key_bits(x[i]) ^ mix(key_bits(ti) ^ mix(key_bits(Ti) ^ key_bits(mi))));
        size_t s = (size_t)h & (nslots - 1);
        for (;;) {
            uint32_t r = slots[s];
            if (r == UINT32_MAX) {
                slots[s] = (uint32_t)out->n;
                clv_data_add(out, x[i], ti, Ti, mi, 1.0);
                if (row_of)
                    row_of[i] = slots[s];
                break;
            }
            const struct clv_row *row = &out->rows[r];
            if (row->x == x[i] && row->t_x == ti && row->T == Ti && row->m == mi) {
                out->rows[r].w += 1.0;
                if (row_of)
                    row_of[i] = r;
                break;
            }
            s = (s + 1) & (nslots - 1);
        }
    }
    rc = 0;
out:
    if (rc < 0)
        out->n = 0;
    free(slots);
    return rc;
}

int clv_summary_from_days(const int32_t *days, const double *amounts, size_t n, int32_t cal_end,
                          int32_t holdout_end, double unit_days, struct clv_customer_summary *out,
                          struct ok_err *err)
{
    memset(out, 0, sizeof(*out));
    if (!(unit_days > 0))
        return ok_err_set(err, OK_ERR_INVALID, "time unit must be > 0 days, got %g", unit_days);
    if (holdout_end < cal_end)
        return ok_err_set(err, OK_ERR_INVALID, "holdout end is before calibration end");
    for (size_t i = 1; i < n; i++)
        if (days[i] < days[i - 1])
            return ok_err_set(err, OK_ERR_INVALID, "purchase days are not in ascending order");
    if (n == 0 || days[0] > cal_end)
        return 0;

    out->in_calibration = 1;
    out->first_day = days[0];
    int32_t last_cal = days[0];
    double repeat_spend = 0.0, day_spend = 0.0;
    size_t i = 0;
    while (i < n && days[i] <= holdout_end) {
        int32_t d = days[i];
        day_spend = 0.0;
        while (i < n && days[i] == d) { /* same-day purchases are one transaction */
            day_spend += amounts ? amounts[i] : 0.0;
            i++;
        }
        if (d <= cal_end) {
            if (d != days[0]) {
                out->x += 1.0;
                repeat_spend += day_spend;
                last_cal = d;
            }
        } else {
            out->x_holdout += 1.0;
            out->spend_holdout += day_spend;
        }
    }
    out->t_x = (double)(last_cal - days[0]) / unit_days;
    out->T = (double)(cal_end - days[0]) / unit_days;
    out->m = out->x > 0 ? repeat_spend / out->x : 0.0;
    return 0;
}
