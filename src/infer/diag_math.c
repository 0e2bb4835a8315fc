/* diag_math.c — numeric kernels of the diagnostics: autocovariance by a radix-2 FFT,
 * rank normalization, quantiles of sorted draws, and the normal and beta quantile
 * functions (self-contained, to keep the infer layer free of new dependencies). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "diag_int.h"

#define DIAG_PI 3.14159265358979323846
#define DIAG_SQRT_2PI 2.50662827463100050242

int64_t diag_fft_len(int64_t n) {
    int64_t len = 1;
    while (len < 2 * n) len <<= 1;
    return len;
}

/* In-place forward DFT of len complex numbers a (interleaved re, im), len a power of
 * two; tw holds cos and sin of 2 pi j / len for j < len / 2. */
static void fft(double *a, int64_t len, const double *tw_cos, const double *tw_sin) {
    for (int64_t i = 1, j = 0; i < len; i++) { /* bit-reversal permutation */
        int64_t bit = len >> 1;
        for (; j & bit; bit >>= 1) j ^= bit;
        j |= bit;
        if (i < j) {
            double tr = a[2 * i], ti = a[2 * i + 1];
            a[2 * i] = a[2 * j], a[2 * i + 1] = a[2 * j + 1];
            a[2 * j] = tr, a[2 * j + 1] = ti;
        }
    }
    for (int64_t size = 2; size <= len; size <<= 1) {
        int64_t half = size / 2, step = len / size;
        for (int64_t i = 0; i < len; i += size)
            for (int64_t k = 0; k < half; k++) {
                double wr = tw_cos[k * step], wi = -tw_sin[k * step];
                double *u = a + 2 * (i + k), *v = a + 2 * (i + k + half);
                double vr = v[0] * wr - v[1] * wi, vi = v[0] * wi + v[1] * wr;
                v[0] = u[0] - vr, v[1] = u[1] - vi;
                u[0] += vr, u[1] += vi;
            }
    }
}

/* The power spectrum |X_k|^2 of the centred, zero-padded series is real and symmetric,
 * so a second forward transform (divided by len) inverts it. */
void diag_autocov(const double *x, int64_t n, double *acov, double *work) {
    int64_t len = diag_fft_len(n);
    double *a = work, *tw_cos = work + 2 * len, *tw_sin = tw_cos + len / 2;
    for (int64_t j = 0; j < len / 2; j++) {
        tw_cos[j] = cos(2.0 * DIAG_PI * (double)j / (double)len);
        tw_sin[j] = sin(2.0 * DIAG_PI * (double)j / (double)len);
    }
    double mean = 0;
    for (int64_t i = 0; i < n; i++) mean += x[i];
    mean /= (double)n;
    memset(a, 0, (size_t)(2 * len) * sizeof *a);
    for (int64_t i = 0; i < n; i++) a[2 * i] = x[i] - mean;
    fft(a, len, tw_cos, tw_sin);
    for (int64_t k = 0; k < len; k++) {
        a[2 * k] = a[2 * k] * a[2 * k] + a[2 * k + 1] * a[2 * k + 1];
        a[2 * k + 1] = 0;
    }
    fft(a, len, tw_cos, tw_sin);
    for (int64_t t = 0; t < n; t++) acov[t] = a[2 * t] / (double)len / (double)n;
}

/* ---- ranks ---- */

typedef struct diag_ranked {
    double v;
    int64_t i;
} diag_ranked;

static int cmp_ranked(const void *pa, const void *pb) {
    double a = ((const diag_ranked *)pa)->v, b = ((const diag_ranked *)pb)->v;
    return (a > b) - (a < b);
}

gen_status diag_zscale(double *x, int64_t size) {
    diag_ranked *r = core_alloc((size_t)size * sizeof *r);
    if (!r) return GEN_ERR_OOM;
    for (int64_t i = 0; i < size; i++) r[i] = (diag_ranked){x[i], i};
    qsort(r, (size_t)size, sizeof *r, cmp_ranked);
    for (int64_t i = 0, j; i < size; i = j) {
        for (j = i + 1; j < size && r[j].v == r[i].v; j++) {}
        double rank = 0.5 * (double)(i + 1 + j); /* the average of ranks i+1..j */
        double z = diag_ndtri((rank - 0.375) / ((double)size + 0.25));
        for (int64_t k = i; k < j; k++) x[r[k].i] = z;
    }
    core_free(r, (size_t)size * sizeof *r);
    return GEN_OK;
}

static int cmp_double(const void *pa, const void *pb) {
    double a = *(const double *)pa, b = *(const double *)pb;
    return (a > b) - (a < b);
}

double *diag_sorted(const diag_rows *r) {
    size_t size = (size_t)(r->m * r->n);
    double *s = core_alloc(size * sizeof *s);
    if (!s) return NULL;
    memcpy(s, r->x, size * sizeof *s);
    qsort(s, size, sizeof *s, cmp_double);
    return s;
}

/* scipy.stats.mstats.mquantiles with alphap = betap = 1 (what ArviZ uses), operation for
 * operation: R's type 7. */
double diag_quantile_sorted(const double *s, int64_t size, double prob) {
    double aleph = (double)size * prob + (1.0 + prob * (1.0 - 1.0 - 1.0));
    double c = aleph < 1 ? 1 : aleph > (double)(size - 1) ? (double)(size - 1) : aleph;
    int64_t k = (int64_t)floor(c);
    double gamma = aleph - (double)k;
    gamma = gamma < 0 ? 0 : gamma > 1 ? 1 : gamma;
    return (1.0 - gamma) * s[k - 1] + gamma * s[k];
}

/* ---- the normal quantile ---- */

/* Abramowitz and Stegun 26.2.23 (error < 4.5e-4), then Halley steps on
 * Phi(x) - p with Phi from erfc, which is accurate in the lower tail. */
double diag_ndtri(double p) {
    if (isnan(p) || p < 0 || p > 1) return NAN;
    if (p == 0) return -INFINITY;
    if (p == 1) return INFINITY;
    if (p == 0.5) return 0;
    if (p > 0.5) return -diag_ndtri(1.0 - p); /* exact for p > 0.5 */
    double t = sqrt(-2.0 * log(p));
    double x = -(t - (2.515517 + t * (0.802853 + t * 0.010328)) /
                         (1.0 + t * (1.432788 + t * (0.189269 + t * 0.001308))));
    for (int it = 0; it < 4; it++) {
        double e = 0.5 * erfc(-x * 0.70710678118654752440) - p;
        double u = e * DIAG_SQRT_2PI * exp(0.5 * x * x); /* e / phi(x) */
        x -= u / (1.0 + 0.5 * x * u);
    }
    return x;
}

/* ---- the beta quantile ---- */

/* The continued fraction of the incomplete beta function (modified Lentz). */
static double betacf(double a, double b, double x) {
    const double tiny = 1e-300;
    double qab = a + b, qap = a + 1, qam = a - 1, c = 1, d = 1 - qab * x / qap;
    if (fabs(d) < tiny) d = tiny;
    d = 1 / d;
    double h = d;
    for (int m = 1; m <= 100000; m++) {
        double m2 = 2.0 * m, aa = m * (b - m) * x / ((qam + m2) * (a + m2));
        d = 1 + aa * d, c = 1 + aa / c;
        if (fabs(d) < tiny) d = tiny;
        if (fabs(c) < tiny) c = tiny;
        d = 1 / d, h *= d * c;
        aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2));
        d = 1 + aa * d, c = 1 + aa / c;
        if (fabs(d) < tiny) d = tiny;
        if (fabs(c) < tiny) c = tiny;
        d = 1 / d;
        double del = d * c;
        h *= del;
        if (fabs(del - 1) < 1e-16) break;
    }
    return h;
}

/* The regularized incomplete beta function I_x(a, b). */
static double betai(double a, double b, double x) {
    if (x <= 0) return 0;
    if (x >= 1) return 1;
    double lbt = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x);
    if (x < (a + 1) / (a + b + 2)) return exp(lbt) * betacf(a, b, x) / a;
    return 1 - exp(lbt) * betacf(b, a, 1 - x) / b;
}

/* Bisection: I_x is increasing in x, and the quantile is needed only to pick an order
 * statistic. */
double diag_beta_ppf(double p, double a, double b) {
    if (isnan(p) || isnan(a) || isnan(b) || a <= 0 || b <= 0 || p < 0 || p > 1) return NAN;
    double lo = 0, hi = 1;
    for (int it = 0; it < 200; it++) {
        double mid = 0.5 * (lo + hi);
        if (mid <= lo || mid >= hi) break;
        if (betai(a, b, mid) < p) lo = mid;
        else hi = mid;
    }
    return 0.5 * (lo + hi);
}
