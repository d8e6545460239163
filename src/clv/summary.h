/*
 * summary.h - customer summaries for the buy-till-you-die models: (x, t_x, T[, m]) per customer,
 * compressed to weighted distinct rows.
 *
 * x is the number of repeat purchase periods, t_x the time of the last one, T the time since the
 * first purchase, both from the first purchase, in the model's time unit (days or weeks); m is the
 * mean spend of the repeat periods (0 when x = 0). These are the lifetimes / BTYD conventions of
 * shared/data/CLV_REFERENCE.md section 2 (same-day purchases merged into one).
 *
 * Customers with identical summaries contribute identical likelihood terms and predictions, so
 * the models work on distinct rows with a weight (the number of customers): cost grows with the
 * number of distinct summaries, not with customers. Pure code: no I/O.
 */
#ifndef OK_CLV_SUMMARY_H
#define OK_CLV_SUMMARY_H

#include <stddef.h>
#include <stdint.h>

#include "core/err.h"

struct clv_row {
    double x;   /* repeat purchases (periods with a purchase, minus the first) */
    double t_x; /* recency: time of the last purchase since the first */
    double T;   /* age: time from the first purchase to the end of calibration */
    double m;   /* mean spend per repeat period; 0 if x = 0 (only used by Gamma-Gamma) */
    double w;   /* weight: number of customers with this summary */
};

struct clv_data {
    struct clv_row *rows; /* owned */
    size_t n;
    size_t cap;
};

/* How clv_data_compress keys rows: counts by (x, t_x, T), spend by (x, m) for x > 0 only. */
enum clv_key { CLV_KEY_COUNTS, CLV_KEY_SPEND };

#define CLV_NO_ROW UINT32_MAX

void clv_data_init(struct clv_data *d);
void clv_data_release(struct clv_data *d);
/* Appends one row as given (no merging). */
void clv_data_add(struct clv_data *d, double x, double t_x, double T, double m, double w);
/* Sum of the weights. */
double clv_data_weight(const struct clv_data *d);

/* Checks one summary: all finite, x >= 0, 0 <= t_x <= T, t_x = 0 when x = 0, m >= 0; fills err
 * (field "frequency", "recency", "T" or "monetary_value") and returns -1 otherwise. */
int clv_summary_check(double x, double t_x, double T, double m, struct ok_err *err);

/* Compresses n customers into weighted distinct rows, in order of first appearance. m may be
 * NULL (then 0). With CLV_KEY_SPEND only customers with x > 0 and m > 0 are kept and T, t_x are
 * ignored (set to 0). If row_of is not NULL it receives, per customer, the index of its row in
 * out (CLV_NO_ROW for customers left out). out must be initialised; it is emptied first.
 * Returns -1 with err filled (err->input_line = 1-based customer index) on an invalid summary;
 * out is then empty. */
int clv_data_compress(struct clv_data *out, enum clv_key key, const double *x, const double *t_x,
                      const double *T, const double *m, size_t n, uint32_t *row_of,
                      struct ok_err *err);

/* The summary of one customer from its purchase days (days since 1970-01-01, ascending; several
 * purchases on one day count once, their amounts summed). Days after holdout_end are ignored.
 * Calibration is up to and including cal_end; the holdout is (cal_end, holdout_end]. Times are
 * divided by unit_days (1 = days, 7 = weeks). amounts may be NULL. */
struct clv_customer_summary {
    int in_calibration; /* 0 when the first purchase is after cal_end (no summary) */
    double x, t_x, T, m;
    double x_holdout;     /* distinct purchase days in the holdout */
    double spend_holdout; /* summed holdout spend */
    int32_t first_day;    /* first purchase day */
};
int clv_summary_from_days(const int32_t *days, const double *amounts, size_t n, int32_t cal_end,
                          int32_t holdout_end, double unit_days, struct clv_customer_summary *out,
                          struct ok_err *err);

#endif
