/* cholesky_vjp.h — the VJP of the Cholesky factorization for one f64 matrix, in plain
 * C: the kernel of the CHOLESKY_VJP row (backend/cpu/cpu_linalg.c) and the compiled
 * code's runtime (compile/runtime.c) both run this function, so eager and compiled
 * gradients round alike. With L the factor and G the cotangent of L (n x n, row-major):
 * M = phi(L^T G) (the lower triangle, the diagonal halved), Z = L^-T M and P = Z L^-1 by
 * back substitution, A = (P + P^T) / 2 (linalg_cholesky.c has the formula). m and z: n n
 * doubles of work space each; the reciprocals of L's diagonal go in A first (divisions
 * are most of the cost of a small matrix's substitutions: each is done once). */
#ifndef GENC_SRC_CHOLESKY_VJP_H
#define GENC_SRC_CHOLESKY_VJP_H

#include <stdint.h>

static inline void chol_vjp_matrix(const double *L, const double *G, double *A, double *m, double *z, int64_t n) {
    for (int64_t i = 0; i < n; i++) /* phi(L^T G) */
        for (int64_t j = 0; j <= i; j++) {
            double acc = 0;
            for (int64_t k = i; k < n; k++) acc += L[k * n + i] * G[k * n + j]; /* L[k][i] = 0 for k < i */
            m[i * n + j] = i == j ? 0.5 * acc : acc;
        }
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = i + 1; j < n; j++) m[i * n + j] = 0;
    double *inv = A; /* A is written last: its first n slots hold 1 / L[i][i] until then */
    for (int64_t i = 0; i < n; i++) inv[i] = 1.0 / L[i * n + i];
    for (int64_t j = 0; j < n; j++) /* L^T Z = M, column by column */
        for (int64_t i = n - 1; i >= 0; i--) {
            double acc = m[i * n + j];
            for (int64_t k = i + 1; k < n; k++) acc -= L[k * n + i] * z[k * n + j];
            z[i * n + j] = acc * inv[i];
        }
    for (int64_t r = 0; r < n; r++) /* P L = Z, row by row (P into m) */
        for (int64_t i = n - 1; i >= 0; i--) {
            double acc = z[r * n + i];
            for (int64_t k = i + 1; k < n; k++) acc -= m[r * n + k] * L[k * n + i];
            m[r * n + i] = acc * inv[i];
        }
    for (int64_t i = 0; i < n; i++)
        for (int64_t j = 0; j < n; j++) A[i * n + j] = (m[i * n + j] + m[j * n + i]) * 0.5;
}

#endif
