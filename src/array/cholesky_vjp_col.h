/* cholesky_vjp_col.h — cholesky_vjp.h's VJP of the Cholesky factorization computed one
 * column at a time, so that a GPU runs it with a thread per column (the CUDA backend's
 * CHOLESKY_VJP kernel, src/backend/cuda/cuda_linalg.cu). Every element sees the
 * operations of chol_vjp_matrix in the same order, so both give the same bits
 * (tests/array/test_cholesky_vjp_col.c checks it on the host). With L the factor and G
 * the cotangent of L (n x n, row-major), in three passes, each over independent pieces:
 *   chol_vjp_col_z    column j of Z = L^-T M, M = phi(L^T G) (made as it is needed)
 *   chol_vjp_col_pt   column j of P^T = L^-T Z^T (P = Z L^-1)
 *   chol_vjp_sym      A = (P + P^T) / 2 at (i, j) and (j, i), in place over P^T.
 * Plain C with no library calls: nvcc compiles it for the device too. */
#ifndef GENC_SRC_CHOLESKY_VJP_COL_H
#define GENC_SRC_CHOLESKY_VJP_COL_H

#include <stdint.h>

#include "../core/core_hd.h"

/* Z[i][j] = (M[i][j] - sum_{k>i} L[k][i] Z[k][j]) / L[i][i] from the last row, with
 * M[i][j] = sum_{k>=i} L[k][i] G[k][j] (halved on the diagonal, 0 above it). */
GENC_HD static inline void chol_vjp_col_z(const double *L, const double *G, double *z, int64_t n, int64_t j) {
    for (int64_t i = n - 1; i >= 0; i--) {
        double acc = 0;
        if (i >= j) {
            for (int64_t k = i; k < n; k++) acc += L[k * n + i] * G[k * n + j];
            if (i == j) acc *= 0.5;
        }
        for (int64_t k = i + 1; k < n; k++) acc -= L[k * n + i] * z[k * n + j];
        z[i * n + j] = acc * (1.0 / L[i * n + i]);
    }
}

/* P^T[i][j] = (Z[j][i] - sum_{k>i} L[k][i] P^T[k][j]) / L[i][i] from the last row. */
GENC_HD static inline void chol_vjp_col_pt(const double *L, const double *z, double *pt, int64_t n, int64_t j) {
    for (int64_t i = n - 1; i >= 0; i--) {
        double acc = z[j * n + i];
        for (int64_t k = i + 1; k < n; k++) acc -= L[k * n + i] * pt[k * n + j];
        pt[i * n + j] = acc * (1.0 / L[i * n + i]);
    }
}

/* a holds P^T: (i, j) and (j, i) become (P[i][j] + P[j][i]) / 2 (i <= j). */
GENC_HD static inline void chol_vjp_sym(double *a, int64_t n, int64_t i, int64_t j) {
    double s = (a[j * n + i] + a[i * n + j]) * 0.5;
    a[i * n + j] = s;
    a[j * n + i] = s;
}

#endif
