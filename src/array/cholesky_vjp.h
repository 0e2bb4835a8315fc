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
#include <string.h>

/* X = L^-T B (L lower, B and X n x n row-major), a row at a time from the last:
 * X[i,:] = (B[i,:] - sum_{k>i} L[k][i] X[k,:]) inv[i]. The inner loops run along rows (they
 * vectorize); each element sees the same operations in the same order as a column-by-
 * column substitution would give it. */
/* The kernels below keep two elements of a result row in a register while they sweep the
 * terms of their sums (vector types where the compiler has them): each element sees the
 * scalar formula's operations in its order, so the result does not depend on the width. */
#if defined(__GNUC__)
typedef double chol_vjp_v2 __attribute__((vector_size(16)));
#define CHOL_VJP_LANES 2
#else
typedef double chol_vjp_v2;
#define CHOL_VJP_LANES 1
#endif

static inline chol_vjp_v2 chol_vjp_load(const double *p) {
    chol_vjp_v2 v;
    memcpy(&v, p, sizeof v);
    return v;
}

/* X = L^-T B (L lower, B and X n x n row-major), a row at a time from the last:
 * X[i,j] = (B[i,j] - sum_{k>i} L[k][i] X[k,j]) inv[i], k ascending. */
static inline void chol_vjp_solve_lt(const double *L, const double *inv, const double *B, double *X, int64_t n) {
    for (int64_t i = n - 1; i >= 0; i--) {
        int64_t j = 0;
        for (; j + 4 * CHOL_VJP_LANES <= n; j += 4 * CHOL_VJP_LANES) { /* four independent sums at a time */
            const double *b = B + i * n + j;
            chol_vjp_v2 a0 = chol_vjp_load(b), a1 = chol_vjp_load(b + CHOL_VJP_LANES),
                        a2 = chol_vjp_load(b + 2 * CHOL_VJP_LANES), a3 = chol_vjp_load(b + 3 * CHOL_VJP_LANES);
            for (int64_t k = i + 1; k < n; k++) {
                const double l = L[k * n + i], *x = X + k * n + j;
                a0 -= l * chol_vjp_load(x);
                a1 -= l * chol_vjp_load(x + CHOL_VJP_LANES);
                a2 -= l * chol_vjp_load(x + 2 * CHOL_VJP_LANES);
                a3 -= l * chol_vjp_load(x + 3 * CHOL_VJP_LANES);
            }
            chol_vjp_v2 r[4] = {a0 * inv[i], a1 * inv[i], a2 * inv[i], a3 * inv[i]};
            memcpy(X + i * n + j, r, sizeof r);
        }
        for (; j + CHOL_VJP_LANES <= n; j += CHOL_VJP_LANES) {
            chol_vjp_v2 acc = chol_vjp_load(B + i * n + j);
            for (int64_t k = i + 1; k < n; k++) acc -= L[k * n + i] * chol_vjp_load(X + k * n + j);
            acc *= inv[i];
            memcpy(X + i * n + j, &acc, sizeof acc);
        }
        for (; j < n; j++) {
            double acc = B[i * n + j];
            for (int64_t k = i + 1; k < n; k++) acc -= L[k * n + i] * X[k * n + j];
            X[i * n + j] = acc * inv[i];
        }
    }
}

static inline void chol_vjp_matrix(const double *L, const double *G, double *A, double *m, double *z, int64_t n) {
    for (int64_t i = 0; i < n; i++) { /* phi(L^T G): row i is the sum over k >= i of L[k][i] G[k][:i+1] */
        int64_t j = 0;
        for (; j + 4 * CHOL_VJP_LANES <= i + 1; j += 4 * CHOL_VJP_LANES) { /* four independent sums at a time */
            chol_vjp_v2 a0 = {0}, a1 = {0}, a2 = {0}, a3 = {0};
            for (int64_t k = i; k < n; k++) {
                const double l = L[k * n + i], *g = G + k * n + j;
                a0 += l * chol_vjp_load(g);
                a1 += l * chol_vjp_load(g + CHOL_VJP_LANES);
                a2 += l * chol_vjp_load(g + 2 * CHOL_VJP_LANES);
                a3 += l * chol_vjp_load(g + 3 * CHOL_VJP_LANES);
            }
            chol_vjp_v2 r[4] = {a0, a1, a2, a3};
            memcpy(m + i * n + j, r, sizeof r);
        }
        for (; j + CHOL_VJP_LANES <= i + 1; j += CHOL_VJP_LANES) {
            chol_vjp_v2 acc = {0};
            for (int64_t k = i; k < n; k++) acc += L[k * n + i] * chol_vjp_load(G + k * n + j); /* L[k][i] = 0, k < i */
            memcpy(m + i * n + j, &acc, sizeof acc);
        }
        for (; j <= i; j++) {
            double acc = 0;
            for (int64_t k = i; k < n; k++) acc += L[k * n + i] * G[k * n + j];
            m[i * n + j] = acc;
        }
        m[i * n + i] *= 0.5;
        for (j = i + 1; j < n; j++) m[i * n + j] = 0;
    }
    double *inv = A; /* A is written last: its first n slots hold 1 / L[i][i] until then */
    for (int64_t i = 0; i < n; i++) inv[i] = 1.0 / L[i * n + i];
    chol_vjp_solve_lt(L, inv, m, z, n); /* Z = L^-T M */
    for (int64_t i = 0; i < n; i++) /* P L = Z is L^T P^T = Z^T: Z^T into m, then P^T into z */
        for (int64_t j = 0; j < n; j++) m[i * n + j] = z[j * n + i];
    chol_vjp_solve_lt(L, inv, m, z, n);
    for (int64_t i = 0; i < n; i++) /* A = (P + P^T) / 2, with z holding P^T */
        for (int64_t j = 0; j < n; j++) A[i * n + j] = (z[j * n + i] + z[i * n + j]) * 0.5;
}

#endif
