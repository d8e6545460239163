/*
 * validate.c - predicted vs actual holdout purchases and the validation plot (validate.h).
 */
#include "clv/validate.h"

#include <math.h>
#include <string.h>

#include "core/banned.h"

int clv_validate_bins(const struct clv_params *p, const double *x, const double *t_x,
                      const double *T, const double *x_holdout, size_t n, double t_holdout,
                      struct clv_validation *out, struct ok_err *err)
{
    memset(out, 0, sizeof(*out));
    for (size_t i = 0; i < n; i++) {
        if (clv_summary_check(x[i], t_x[i], T[i], 0.0, err) < 0) {
            ok_err_locate(err, NULL, (long)i + 1);
            return -1;
        }
        int bin = x[i] >= CLV_BINS - 1 ? CLV_BINS - 1 : (int)x[i];
        double e = clv_conditional_expected(p, t_holdout, x[i], t_x[i], T[i]);
        out->customers[bin] += 1.0;
        out->actual[bin] += x_holdout[i];
        out->predicted[bin] += e;
        out->total_actual += x_holdout[i];
        out->total_predicted += e;
    }
    for (int b = 0; b < CLV_BINS; b++) {
        if (out->customers[b] > 0) {
            out->actual[b] /= out->customers[b];
            out->predicted[b] /= out->customers[b];
        }
    }
    return 0;
}

static void put_escaped(struct buf *b, const char *s)
{
    for (; s && *s; s++) {
        switch (*s) {
        case '<':
            buf_puts(b, "&lt;");
            break;
        case '>':
            buf_puts(b, "&gt;");
            break;
        case '&':
            buf_puts(b, "&amp;");
            break;
        case '"':
            buf_puts(b, "&quot;");
            break;
        default:
            buf_putc(b, *s);
        }
    }
}

/* A "nice" axis maximum (1, 2 or 5 times a power of ten) at or above v. */
static double nice_max(double v)
{
    if (!(v > 0) || !isfinite(v))
        return 1.0;
    double p = pow(10.0, floor(log10(v)));
    for (int k = 0; k < 3; k++) {
        static const double m[3] = {1.0, 2.0, 5.0};
        if (m[k] * p >= v)
            return m[k] * p;
    }
    return 10.0 * p;
}

#define PW 400.0 /* panel plot area */
#define PH 260.0

static void axes(struct buf *b, double x0, double y0, double ymax, const char *ylabel,
                 const char *xlabel)
{
    buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>\n", x0,
               y0, x0 + PW, y0);
    buf_printf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#333\"/>\n", x0,
               y0, x0, y0 - PH);
    for (int k = 0; k <= 4; k++) {
        double y = y0 - PH * k / 4.0;
        buf_printf(b,
                   "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ddd\"/>"
                   "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n",
                   x0, y, x0 + PW, y, x0 - 4, y + 4, ymax * k / 4.0);
    }
    buf_printf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", x0 + PW / 2, y0 + 34);
    put_escaped(b, xlabel);
    buf_printf(b, "</text>\n<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"start\">", x0, y0 - PH - 8);
    put_escaped(b, ylabel);
    buf_puts(b, "</text>\n");
}

void clv_svg_validation(struct buf *out, const struct clv_validation *v, const double *times,
                        const double *track_actual, const double *track_expected, size_t n_points,
                        double calibration_end, const char *title)
{
    const double W = 1000, H = 400, top = 70, y0 = top + PH;
    buf_printf(out,
               "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" "
               "viewBox=\"0 0 %.0f %.0f\" font-family=\"sans-serif\" font-size=\"12\">\n"
               "<rect width=\"100%%\" height=\"100%%\" fill=\"white\"/>\n"
               "<text x=\"%.0f\" y=\"24\" text-anchor=\"middle\" font-size=\"16\">",
               W, H, W, H, W / 2);
    put_escaped(out, title);
    buf_puts(out, "</text>\n");

    /* Left panel: mean holdout purchases by calibration frequency. */
    double x0 = 60, ymax = 0;
    for (int k = 0; k < CLV_BINS; k++)
        ymax = fmax(ymax, fmax(v->actual[k], v->predicted[k]));
    ymax = nice_max(ymax);
    axes(out, x0, y0, ymax, "mean holdout purchases", "purchases in calibration");
    double bw = PW / CLV_BINS;
    for (int k = 0; k < CLV_BINS; k++) {
        double xa = x0 + k * bw + bw * 0.15, hw = bw * 0.35;
        double ha = PH * v->actual[k] / ymax, hp = PH * v->predicted[k] / ymax;
        buf_printf(out,
                   "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#4a7ab5\">"
                   "<title>actual %.4f</title></rect>\n"
                   "<rect x=\"%.1f\" y=\"%.1f\" width=\"%.1f\" height=\"%.1f\" fill=\"#e08a3c\">"
                   "<title>predicted %.4f</title></rect>\n"
                   "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%d%s</text>\n",
                   xa, y0 - ha, hw, ha, v->actual[k], xa + hw, y0 - hp, hw, hp, v->predicted[k],
                   x0 + (k + 0.5) * bw, y0 + 16, k, k == CLV_BINS - 1 ? "+" : "");
    }

    /* Right panel: cumulative repeat transactions, actual vs expected. */
    x0 = 560;
    double tmax = 0, cmax = 0;
    for (size_t i = 0; i < n_points; i++) {
        tmax = fmax(tmax, times[i]);
        if (track_actual)
            cmax = fmax(cmax, track_actual[i]);
        if (track_expected)
            cmax = fmax(cmax, track_expected[i]);
    }
    cmax = nice_max(cmax);
    if (!(tmax > 0))
        tmax = 1.0;
    axes(out, x0, y0, cmax, "cumulative repeat transactions", "time");
    const double *curves[2] = {track_actual, track_expected};
    static const char *const style[2] = {"stroke=\"#4a7ab5\"",
                                         "stroke=\"#e08a3c\" stroke-dasharray=\"6 4\""};
    for (int c = 0; c < 2; c++) {
        if (!curves[c] || n_points == 0)
            continue;
        buf_puts(out, "<polyline fill=\"none\" stroke-width=\"2\" ");
        buf_puts(out, style[c]);
        buf_puts(out, " points=\"");
        for (size_t i = 0; i < n_points; i++)
            buf_printf(out, "%.1f,%.1f ", x0 + PW * times[i] / tmax, y0 - PH * curves[c][i] / cmax);
        buf_puts(out, "\"/>\n");
    }
    if (calibration_end > 0 && calibration_end < tmax) {
        double xc = x0 + PW * calibration_end / tmax;
        buf_printf(out,
                   "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#999\" "
                   "stroke-dasharray=\"2 3\"/>\n",
                   xc, y0, xc, y0 - PH);
    }
    for (int k = 0; k <= 4; k++)
        buf_printf(out, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%g</text>\n",
                   x0 + PW * k / 4.0, y0 + 16, round(tmax * k / 4.0 * 10) / 10);

    /* Legend. */
    buf_printf(out,
               "<rect x=\"60\" y=\"%.0f\" width=\"12\" height=\"12\" fill=\"#4a7ab5\"/>"
               "<text x=\"78\" y=\"%.0f\">actual</text>"
               "<rect x=\"140\" y=\"%.0f\" width=\"12\" height=\"12\" fill=\"#e08a3c\"/>"
               "<text x=\"158\" y=\"%.0f\">model (%s)</text>\n</svg>\n",
               H - 30, H - 20, H - 30, H - 20, "expected");
}
