/* test_mv_util.h — small helpers shared by the multivariate-distribution and matrix
 * bijection tests: SPD matrices from free parameters, raw element access, and a
 * Jacobian by forward-mode autodiff. */
#ifndef GENC_TEST_MV_UTIL_H
#define GENC_TEST_MV_UTIL_H

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fd.h"

/* A A^T + n I over the last two axes: symmetric positive definite for any A, so finite
 * differences in A never leave the support (closures take A, not the matrix). */
static inline gen_array *mv_spd_from(const gen_array *a) {
    int64_t n = gen_array_dim(a, -1);
    gen_array *aat = gen_matmul(a, gen_matrix_transpose(a));
    /* exactly symmetric: average with the transpose */
    aat = gen_mul(gen_add(aat, gen_matrix_transpose(aat)), gen_scalar(0.5));
    return gen_add(aat, gen_mul(gen_eye(n, GEN_F64), gen_scalar((double)n)));
}

/* Element i of a as double. */
static inline double mv_at(const gen_array *a, int64_t i) {
    if (gen_array_dtype(a) == GEN_F32) return ((const float *)gen_array_data(a))[i];
    return ((const double *)gen_array_data(a))[i];
}

/* An array of column j of a [N, m] as f64 [N] (for STATS_* checks). */
static inline gen_array *mv_column(const gen_array *a, int64_t j, int64_t m) {
    int64_t n = gen_array_size(a) / m;
    double *d = malloc((size_t)n * sizeof *d);
    for (int64_t i = 0; i < n; i++) d[i] = mv_at(a, i * m + j);
    gen_array *r = gen_array_from_f64(1, &n, d);
    free(d);
    return r;
}

/* (a[:, i] - mi) * (a[:, j] - mj) for a [N, m]. */
static inline gen_array *mv_cross(const gen_array *a, int64_t i, int64_t j, int64_t m, double mi,
                                  double mj) {
    int64_t n = gen_array_size(a) / m;
    double *d = malloc((size_t)n * sizeof *d);
    for (int64_t k = 0; k < n; k++) d[k] = (mv_at(a, k * m + i) - mi) * (mv_at(a, k * m + j) - mj);
    gen_array *r = gen_array_from_f64(1, &n, d);
    free(d);
    return r;
}

#endif
