/* fused_math.h — the scalar formulas the fused rows share between their kernels
 * (backend/cpu/cpu_fused.c) and their VJP rules (ops_fused.c): each written once, in
 * the operation order of the public-op formulas it replaces, so values are identical. */
#ifndef GENC_SRC_FUSED_MATH_H
#define GENC_SRC_FUSED_MATH_H

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "array_int.h"
#include "special.h"

#define FUSED_HALF_LOG_2PI 0.91893853320467274178 /* log(2 pi) / 2 */

/* The normal log density: -((x - mu)/sigma)^2 / 2 - log sigma - log(2 pi)/2. */
static inline double fused_normal_lpdf(double x, double mu, double sigma) {
    double z = (x - mu) / sigma;
    return (-0.5 * (z * z) - log(sigma)) - FUSED_HALF_LOG_2PI;
}

/* The log density of x (m elements) under mu and sigma (strides 0 for one value, 1
 * for all): with one sigma the sum of z^2 in four partial sums (independent chains
 * vectorize); else the sum of -z^2 / 2 - log sigma_j. */
static inline double fused_normal_lpdf_sum(const double *xv, const double *mv, int64_t sm, const double *sv,
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

/* NORMAL_LOGPDF_SUM's first case: sigma one value, mu of the full (batch, event)
 * shape with ne event axes, x of that shape (*full) or of the event shape. */
static inline bool fused_normal_sum_rows(const gen_array *x, const gen_array *mu, const gen_array *sg, int ne,
                                         bool *full) {
    int nb = mu->ndim - ne;
    if (ne < 0 || nb < 0 || sg->size != 1) return false;
    *full = x->ndim == mu->ndim && !memcmp(x->shape, mu->shape, (size_t)mu->ndim * sizeof(int64_t));
    return *full || (x->ndim == ne && !memcmp(x->shape, mu->shape + nb, (size_t)ne * sizeof(int64_t)));
}

/* The bijections of BIJECTION_SCALAR (op_params.k). */
enum bij_scalar_kind { BIJ_SCALAR_EXP, BIJ_SCALAR_LOWER, BIJ_SCALAR_INTERVAL };
static inline int bij_scalar_n_params(int k) { return k == BIJ_SCALAR_EXP ? 0 : k == BIJ_SCALAR_LOWER ? 1 : 2; }

/* x = forward(u), ld = log |det J| at u, with the array path's operations in its order,
 * and their partials in u then the parameters p = (lo, hi). */
static inline void bij_scalar_eval(int k, double u, const double *p, double *x, double *ld, double dx[3],
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

#endif
