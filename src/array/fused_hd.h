/* fused_hd.h — the per-element procedures of the fused rows (ops_fused.def), shared by
 * their CPU kernels (backend/cpu/cpu_fused.c, cpu_discrete.c), their C gradient rules
 * (ops_fused.c) and their CUDA kernels (backend/cuda/cuda_fused.cu): GENC_HD, so one
 * source gives both the host's and the GPU's arithmetic (the libm functions called are
 * each side's own). Plain data and math only: CUDA C++ includes it. Each formula keeps
 * the operation order of the public-op formula it replaces, so values are identical. */
#ifndef GENC_SRC_FUSED_HD_H
#define GENC_SRC_FUSED_HD_H

#include <math.h>
#include <stdbool.h>
#include <stdint.h>

#include "../core/core_hd.h"
#include "special.h"

#define FUSED_HALF_LOG_2PI 0.91893853320467274178 /* log(2 pi) / 2 */

/* ---- the normal density ---- */

/* The normal log density: -((x - mu)/sigma)^2 / 2 - log sigma - log(2 pi)/2. */
static inline GENC_HD double fused_normal_lpdf(double x, double mu, double sigma) {
    double z = (x - mu) / sigma;
    return (-0.5 * (z * z) - log(sigma)) - FUSED_HALF_LOG_2PI;
}

/* The log density of x (m elements) under mu and sigma (strides 0 for one value, 1
 * for all): with one sigma the sum of z^2 in four partial sums (independent chains
 * vectorize); else the sum of -z^2 / 2 - log sigma_j. */
static inline GENC_HD double fused_normal_lpdf_sum(const double *xv, const double *mv, int64_t sm, const double *sv,
                                                   int64_t ss, int64_t m) {
    double acc[4] = {0, 0, 0, 0};
    if (!ss) {
        double inv = 1 / sv[0];
        int64_t j = 0;
        for (; j + 4 <= m; j += 4)
            for (int k = 0; k < 4; k++) {
                double z = (xv[j + k] - mv[(j + k) * sm]) * inv;
                acc[k] += z * z;
            }
        for (; j < m; j++) {
            double z = (xv[j] - mv[j * sm]) * inv;
            acc[0] += z * z;
        }
        return -0.5 * ((acc[0] + acc[1]) + (acc[2] + acc[3])) - (double)m * (log(sv[0]) + FUSED_HALF_LOG_2PI);
    }
    double sum = 0;
    for (int64_t j = 0; j < m; j++) {
        double z = (xv[j] - mv[j * sm]) / sv[j];
        sum += -0.5 * (z * z) - log(sv[j]);
    }
    return sum - (double)m * FUSED_HALF_LOG_2PI;
}

/* ---- the scalar bijections ---- */

/* The bijections of BIJECTION_SCALAR (op_params.k). */
enum bij_scalar_kind { BIJ_SCALAR_EXP, BIJ_SCALAR_LOWER, BIJ_SCALAR_INTERVAL };
static inline GENC_HD int bij_scalar_n_params(int k) {
    return k == BIJ_SCALAR_EXP ? 0 : k == BIJ_SCALAR_LOWER ? 1 : 2;
}

/* x = forward(u), ld = log |det J| at u, with the array path's operations in its order,
 * and their partials in u then the parameters p = (lo, hi). */
static inline GENC_HD void bij_scalar_eval(int k, double u, const double *p, double *x, double *ld, double dx[3],
                                           double dld[3]) {
    dx[1] = dx[2] = dld[1] = dld[2] = 0;
    if (k == BIJ_SCALAR_INTERVAL) { /* lo + w sigmoid(u); log w + log sigmoid(u) + log sigmoid(-u) */
        double w = p[1] - p[0], s = sf_sigmoid(u), sn = sf_sigmoid(-u);
        *x = p[0] + w * s;
        *ld = log(w) + (sf_log_sigmoid(u) + sf_log_sigmoid(-u));
        dx[0] = w * s * sn, dx[1] = sn, dx[2] = s;
        dld[0] = sn - s, dld[1] = -1 / w, dld[2] = 1 / w;
        return;
    }
    double e = exp(u); /* exp: e^u; lower bound: lo + e^u; log |det J| = u for both */
    *x = k == BIJ_SCALAR_LOWER ? p[0] + e : e;
    *ld = u;
    dx[0] = e, dld[0] = 1;
    if (k == BIJ_SCALAR_LOWER) dx[1] = 1;
}

/* ---- the categorical rows ---- */

/* The category an integer value names among k (n itself when in [0, k)), else -1. */
static inline GENC_HD int64_t fused_int_index(int64_t n, int64_t k) { return n >= 0 && n < k ? n : -1; }
/* The same for a float value: an integer in [0, k), else -1. */
static inline GENC_HD int64_t fused_float_index(double v, int64_t k) {
    return v >= 0 && v < (double)k && v == floor(v) ? (int64_t)v : -1;
}

/* A row of k weights w (as read: probabilities, or logits when logits is set) turned
 * in place into its normalized cumulative sums c_0..c_{k-1}: logits become exp(l -
 * max l) first. */
static inline GENC_HD void fused_row_cdf(double *w, int64_t k, bool logits) {
    double m = -INFINITY, s = 0;
    for (int64_t j = 0; j < k; j++)
        if (w[j] > m) m = w[j];
    if (logits)
        for (int64_t j = 0; j < k; j++) w[j] = exp(w[j] - m);
    for (int64_t j = 0; j < k; j++) w[j] = s += w[j];
    for (int64_t j = 0; j < k; j++) w[j] /= s;
}

/* The number of c_0..c_{n-1} (non-decreasing) that are <= u (searchsorted, side
 * right): the category drawn by the uniform u. A zero weight repeats a cumulative sum,
 * so its category is never drawn for u in (0, 1). */
static inline GENC_HD int64_t fused_search(const double *c, int64_t n, double u) {
    if (n <= 32) { /* branch-free count: draws land anywhere, so branches mispredict */
        int64_t j = 0;
        for (int64_t i = 0; i < n; i++) j += c[i] <= u;
        return j;
    }
    const double *b = c; /* branch-free lower part of a binary search: first j with c_j > u */
    while (n > 1) {
        int64_t half = n / 2;
        b = b[half - 1] <= u ? b + half : b;
        n -= half;
    }
    return (b - c) + (*b <= u);
}

/* ---- the Poisson mass ---- */

/* log k! is looked up below this count (the table's entries are sf_lgamma(k + 1)) and
 * computed with sf_lgamma beyond, the function the public-op path uses. */
#define FUSED_LFACT_TABLE 256

/* The count a value holds: an integer's own value when >= 0, a float's when it is a
 * finite integer; -1 when it holds none. */
static inline GENC_HD double fused_count_int(int64_t n) { return n >= 0 ? (double)n : -1; }
static inline GENC_HD double fused_count_float(double v) { return v == floor(v) && isfinite(v) ? v : -1; }

/* k log rate - rate - log k! at the count v (-inf for -1), with log_r = log(rate) and lf
 * the table of log k!. */
static inline GENC_HD double fused_poisson_lpmf(double v, double r, double log_r, const double *lf) {
    if (v < 0) return -INFINITY;
    return (v == 0 ? 0 : v * log_r) - r - (v < FUSED_LFACT_TABLE ? lf[(int)v] : sf_lgamma(v + 1));
}

#endif
