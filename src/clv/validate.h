/*
 * validate.h - calibration/holdout validation of a fitted counting model, and its plot.
 *
 * The two standard checks of Fader, Hardie & Lee (2005) and the BTYD walkthrough: mean holdout
 * purchases predicted vs actual by calibration frequency (0, 1, ..., 6, 7+), and the cohort's
 * cumulative repeat transactions over time (clv_tracking_expected in model.h) against the actual
 * curve. The SVG writer only builds text in a struct buf; the caller writes it where it wants.
 */
#ifndef OK_CLV_VALIDATE_H
#define OK_CLV_VALIDATE_H

#include <stddef.h>

#include "clv/model.h"
#include "core/buf.h"
#include "core/err.h"

#define CLV_BINS 8 /* calibration frequency 0..6 and 7+ */

struct clv_validation {
    double customers[CLV_BINS]; /* customers per bin */
    double actual[CLV_BINS];    /* mean actual holdout purchases per customer */
    double predicted[CLV_BINS]; /* mean E[Y(t_holdout) | x, t_x, T] per customer */
    double total_actual;        /* sums over all customers */
    double total_predicted;
};

/* Per-customer arrays (x_holdout = repeat periods observed in the holdout of length t_holdout).
 * Returns -1 with err (input_line = 1-based customer) on an invalid summary. */
int clv_validate_bins(const struct clv_params *p, const double *x, const double *t_x,
                      const double *T, const double *x_holdout, size_t n, double t_holdout,
                      struct clv_validation *out, struct ok_err *err);

/* Appends a self-contained SVG (two panels: bins, tracking curve) to out. times[k] are the
 * tracking times (e.g. weeks 1..78), track_actual/track_expected the cumulative curves (either
 * may be NULL, n_points may be 0); calibration_end draws the split line; title is escaped. */
void clv_svg_validation(struct buf *out, const struct clv_validation *v, const double *times,
                        const double *track_actual, const double *track_expected, size_t n_points,
                        double calibration_end, const char *title);

#endif
