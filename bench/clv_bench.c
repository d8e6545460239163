/*
 * clv_bench.c - timings of the customer value models (issue 5 targets).
 *
 *   cdnow_bgnbd_fit_ms     BG/NBD fit on the CDNOW sample, 2,357 customers      (target <= 10)
 *   cdnow_pnbd_fit_ms      Pareto/NBD fit on the CDNOW sample                   (target <= 50)
 *   sim1m_bgnbd_gg_s       1,000,000 simulated customers: compress, BG/NBD fit, Gamma-Gamma fit,
 *                          P(alive), E[Y(horizon)], E(M), CLV for every customer (target <= 2)
 *   sim1m_pnbd_s           the same with Pareto/NBD (target <= 10)
 * Times are medians of several runs (CLOCK_MONOTONIC). The CDNOW directory comes from argv[1]
 * or $OKAERI_SHARED_DATA (…/cdnow/btyd_cdnow_cbs.csv). Output: "key value" lines.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "clv/fit.h"
#include "core/mem.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec + ts.tv_nsec * 1e-9;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
    qsort(v, (size_t)n, sizeof(*v), cmp_double);
    return v[n / 2];
}

static int read_cbs(const char *dir, struct clv_data *d)
{
    char path[1024], line[256];
    snprintf(path, sizeof(path), "%s/cdnow/btyd_cdnow_cbs.csv", dir);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    static double x[3000], tx[3000], T[3000];
    size_t n = 0;
    if (!fgets(line, sizeof(line), f)) {
        fclose(f);
        return -1;
    }
    while (n < 3000 && fgets(line, sizeof(line), f)) {
        char *p = line, *end;
        double col[4];
        for (int c = 0; c < 4; c++) {
            col[c] = strtod(p, &end);
            p = *end == ',' ? end + 1 : end;
        }
        x[n] = col[1];
        tx[n] = col[2];
        T[n] = col[3];
        n++;
    }
    fclose(f);
    return clv_data_compress(d, CLV_KEY_COUNTS, x, tx, T, NULL, n, NULL, NULL);
}

/* ---- simulation (splitmix64, Marsaglia-Tsang gamma) ---- */
static unsigned long long rng = 42;
static double unif(void)
{
    unsigned long long z = (rng += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    z ^= z >> 31;
    return ((z >> 11) + 0.5) / 9007199254740992.0;
}
static double gamma_rv(double k)
{
    if (k < 1)
        return gamma_rv(k + 1) * pow(unif(), 1 / k);
    double d = k - 1.0 / 3, c = 1 / sqrt(9 * d);
    for (;;) {
        double x = sqrt(-2 * log(unif())) * cos(6.283185307179586 * unif()), v = 1 + c * x;
        if (v <= 0)
            continue;
        v = v * v * v;
        if (log(unif()) < 0.5 * x * x + d - d * v + d * log(v))
            return d * v;
    }
}

/* A CDNOW-like cohort: acquired over 12 weeks, calibration to week 39, day resolution,
 * BG/NBD(0.24, 4.4, 0.79, 2.4) purchases and Gamma-Gamma(6.25, 3.74, 15.44) spend. */
static void simulate(size_t n, double *x, double *tx, double *T, double *m)
{
    for (size_t i = 0; i < n; i++) {
        int birth = (int)(unif() * 84);
        T[i] = (273 - birth) / 7.0;
        double lambda = gamma_rv(0.24) / 4.4;
        double g1 = gamma_rv(0.79), g2 = gamma_rv(2.4), p = g1 / (g1 + g2);
        double t = 0, last = 0, k = 0;
        for (;;) {
            t += -log(unif()) / lambda;
            if (t > T[i])
                break;
            k++;
            last = t;
            if (unif() < p)
                break;
        }
        x[i] = k;
        tx[i] = k > 0 ? floor(last * 7) / 7 : 0;
        double nu = gamma_rv(3.74) / 15.44, s = 0;
        for (int j = 0; j < k; j++)
            s += gamma_rv(6.25) / nu;
        m[i] = k > 0 ? round(s / k * 100) / 100 : 0;
    }
}

struct outputs {
    double *p_alive, *expected, *spend, *clv;
};

/* The whole per-customer pipeline: compress, fit, predict per distinct row, scatter. */
static int pipeline(enum clv_model model, size_t n, const double *x, const double *tx,
                    const double *T, const double *m, struct outputs *o, double *fit_s,
                    size_t *distinct)
{
    struct clv_data d, g;
    struct clv_fit_result rc, rs;
    struct ok_err err;
    uint32_t *row_c = xmalloc(n * sizeof(*row_c)), *row_s = xmalloc(n * sizeof(*row_s));
    clv_data_init(&d);
    clv_data_init(&g);
    double t0 = now();
    if (clv_data_compress(&d, CLV_KEY_COUNTS, x, tx, T, NULL, n, row_c, &err) < 0 ||
        clv_data_compress(&g, CLV_KEY_SPEND, x, NULL, NULL, m, n, row_s, &err) < 0 ||
        clv_fit(model, &d, NULL, &rc, &err) < 0 || clv_fit(CLV_MODEL_GG, &g, NULL, &rs, &err) < 0)
        return -1;
    *fit_s = now() - t0;
    *distinct = d.n;
    double *pa = xmalloc(d.n * sizeof(double) * 3), *ey = pa + d.n, *dt = pa + 2 * d.n;
    for (size_t i = 0; i < d.n; i++) {
        const struct clv_row *r = &d.rows[i];
        pa[i] = clv_palive(&rc.params, r->x, r->t_x, r->T);
        ey[i] = clv_conditional_expected(&rc.params, 52, r->x, r->t_x, r->T);
        dt[i] = clv_discounted_transactions(&rc.params, r->x, r->t_x, r->T, 12, 4.345, 0.01);
    }
    for (size_t i = 0; i < n; i++) {
        uint32_t k = row_c[i];
        o->p_alive[i] = pa[k];
        o->expected[i] = ey[k];
        o->spend[i] = clv_expected_spend(&rs.params, x[i], m[i]);
        o->clv[i] = o->spend[i] * dt[k];
    }
    free(pa);
    free(row_c);
    free(row_s);
    clv_data_release(&d);
    clv_data_release(&g);
    return rc.converged && rs.converged ? 0 : 1;
}

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : getenv("OKAERI_SHARED_DATA");
    struct clv_data d;
    struct clv_fit_result r;
    double times[15];
    clv_data_init(&d);
    if (!dir || read_cbs(dir, &d) < 0) {
        fprintf(stderr, "clv_bench: cannot read <dir>/cdnow/btyd_cdnow_cbs.csv "
                        "(give the shared data directory as argv[1] or OKAERI_SHARED_DATA)\n");
        return 1;
    }
    printf("cdnow_distinct_rows %zu\n", d.n);
    for (int k = 0; k < 15; k++) {
        double t0 = now();
        clv_fit(CLV_MODEL_BGNBD, &d, NULL, &r, NULL);
        times[k] = now() - t0;
    }
    printf("cdnow_bgnbd_fit_ms %.2f\ncdnow_bgnbd_loglik %.4f\n", 1e3 * median(times, 15), r.loglik);
    for (int k = 0; k < 7; k++) {
        double t0 = now();
        clv_fit(CLV_MODEL_PNBD, &d, NULL, &r, NULL);
        times[k] = now() - t0;
    }
    printf("cdnow_pnbd_fit_ms %.2f\ncdnow_pnbd_loglik %.4f\n", 1e3 * median(times, 7), r.loglik);
    clv_data_release(&d);

    size_t n = 1000000;
    double *x = xmalloc(n * sizeof(double) * 4), *tx = x + n, *T = x + 2 * n, *m = x + 3 * n;
    simulate(n, x, tx, T, m);
    struct outputs o;
    o.p_alive = xmalloc(n * sizeof(double) * 4);
    o.expected = o.p_alive + n;
    o.spend = o.p_alive + 2 * n;
    o.clv = o.p_alive + 3 * n;
    enum clv_model models[2] = {CLV_MODEL_BGNBD, CLV_MODEL_PNBD};
    const char *keys[2] = {"sim1m_bgnbd_gg", "sim1m_pnbd_gg"};
    for (int j = 0; j < 2; j++) {
        double fit_s = 0;
        size_t distinct = 0;
        int runs = 3, rc = 0;
        for (int k = 0; k < runs; k++) {
            double t0 = now();
            rc = pipeline(models[j], n, x, tx, T, m, &o, &fit_s, &distinct);
            times[k] = now() - t0;
        }
        printf("%s_s %.3f\n%s_fit_s %.3f\n%s_distinct_rows %zu\n%s_converged %d\n", keys[j],
               median(times, runs), keys[j], fit_s, keys[j], distinct, keys[j], rc == 0);
    }
    double mean_clv = 0;
    for (size_t i = 0; i < n; i++)
        mean_clv += o.clv[i] / n;
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("sim1m_mean_clv %.4f\npeak_rss_bytes_per_customer %.1f\n", mean_clv,
           ru.ru_maxrss * 1024.0 / n);
    free(x);
    free(o.p_alive);
    return 0;
}
