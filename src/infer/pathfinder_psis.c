/* pathfinder_psis.c — Pareto-smoothed importance weights for multi-path Pathfinder's
 * resampling (pathfinder_int.h), as Stan's psis_weights: the generalized Pareto fit of
 * Zhang and Stephens (2009) with the weak prior of Vehtari et al. on k, the tail replaced
 * by the fitted distribution's quantiles at (i - 1/2) / M. */
#include <math.h>
#include <stdlib.h>

#include "pathfinder_int.h"

typedef struct pf_item {
    double v;
    int64_t i;
} pf_item;

static int by_value(const void *a, const void *b) {
    double x = ((const pf_item *)a)->v, y = ((const pf_item *)b)->v;
    return x < y ? -1 : x > y ? 1 : 0;
}

/* The generalized Pareto fit to x (n > 0 values, ascending, >= 0): *sigma and the
 * returned k (shrunk towards 1/2 by the prior, as Stan and loo). */
static double gpd_fit(const double *x, int64_t n, double *sigma, double *work) {
    const double prior = 3, a = 10;
    int64_t m = 30 + (int64_t)floor(sqrt((double)n));
    double q1 = x[(int64_t)floor((double)n / 4 + 0.5) - 1], *theta = work, *l = work + m, lmax = -INFINITY;
    for (int64_t j = 0; j < m; j++) {
        theta[j] = 1 / x[n - 1] + (1 - sqrt((double)m / ((double)(j + 1) - 0.5))) / (prior * q1);
        double k = 0;
        for (int64_t i = 0; i < n; i++) k += log1p(-theta[j] * x[i]);
        k /= (double)n;
        l[j] = (double)n * (log(-theta[j] / k) - k - 1);
        if (l[j] > lmax) lmax = l[j];
    }
    double wsum = 0, th = 0;
    for (int64_t j = 0; j < m; j++) wsum += exp(l[j] - lmax);
    for (int64_t j = 0; j < m; j++) th += theta[j] * exp(l[j] - lmax) / wsum;
    double k = 0;
    for (int64_t i = 0; i < n; i++) k += log1p(-th * x[i]);
    k /= (double)n;
    *sigma = -k / th;
    return k * (double)n / ((double)n + a) + a * 0.5 / ((double)n + a);
}

double pf_psis(double *lw, int64_t n) {
    double mx = -INFINITY, khat = NAN;
    for (int64_t i = 0; i < n; i++)
        if (lw[i] > mx) mx = lw[i];
    for (int64_t i = 0; i < n; i++) lw[i] = isfinite(mx) ? lw[i] - mx : lw[i];
    double tl = 0.2 * (double)n < 3 * sqrt((double)n) ? 0.2 * (double)n : 3 * sqrt((double)n);
    int64_t M = (int64_t)tl;
    pf_item *it = M >= 5 && isfinite(mx) ? core_alloc((size_t)n * sizeof *it) : NULL;
    int64_t mg = 30 + (int64_t)floor(sqrt((double)M));
    double *x = it ? core_alloc((size_t)(M + 2 * mg) * sizeof *x) : NULL;
    if (it && x) {
        for (int64_t i = 0; i < n; i++) it[i] = (pf_item){lw[i], i};
        qsort(it, (size_t)n, sizeof *it, by_value);
        const pf_item *tail = it + n - M;
        double cutoff = it[n - M - 1].v, ec = exp(cutoff);
        if (tail[M - 1].v - tail[0].v > 10 * 2.2250738585072014e-308 && isfinite(tail[0].v)) {
            for (int64_t i = 0; i < M; i++) x[i] = exp(tail[i].v) - ec;
            double sigma = 0, k = gpd_fit(x, M, &sigma, x + M);
            if (isfinite(k)) {
                for (int64_t i = 0; i < M; i++) {
                    double p = ((double)(i + 1) - 0.5) / (double)M;
                    lw[tail[i].i] = log(sigma * expm1(-k * log1p(-p)) / k + ec);
                }
                khat = k;
            }
        }
    }
    if (it) core_free(it, (size_t)n * sizeof *it);
    if (x) core_free(x, (size_t)(M + 2 * mg) * sizeof *x);
    for (int64_t i = 0; i < n; i++)
        if (lw[i] > 0) lw[i] = 0;
    return khat;
}
