/* mv_util.h — helpers shared by the multivariate families and matrix bijections (prefix
 * mv_): symmetric positive-definite checks on raw values, batch shapes of matrix
 * parameters, triangle index sets, and small array-op building blocks. */
#ifndef GENC_SRC_DIST_MV_UTIL_H
#define GENC_SRC_DIST_MV_UTIL_H

#include "../dist_int.h"
#include "../../array/linalg.h" /* lin_tri_mask, lin_sym, lin_trisolve_mat */

/* Relative tolerance of the symmetry checks: |a - a^T| <= MV_SYM_TOL * max |a|. */
#define MV_SYM_TOL 1e-8

/* Checks that every matrix of a ([..., n, n]) is finite, symmetric and positive
 * definite: GEN_ERR_VALUE "family: name must be ..." naming the batch index. */
gen_status mv_check_spd(const char *family, const char *name, const gen_array *a);
/* Checks that every matrix of a is lower triangular with a positive, finite diagonal. */
gen_status mv_check_lower_chol(const char *family, const char *name, const gen_array *a);
/* Bool [...]: which matrices of x are (numerically) symmetric positive definite. Never
 * fails on bad values (logpdf uses it to mask out-of-support values). */
gen_array *mv_spd_mask(const gen_array *x);
/* The Cholesky factor of x [..., n, n] (float) where it is SPD by mv_spd_mask and of
 * the identity elsewhere; *ok receives the mask. Fails only on allocation errors. */
gen_array *mv_masked_cholesky(const gen_array *x, gen_array **ok);
/* gen_cholesky(a) for a checked by mv_check_spd (a LAPACK failure becomes GEN_ERR_VALUE). */
gen_array *mv_cholesky(const char *family, const char *name, const gen_array *a);
/* Broadcast of a's leading shape (without its last adims axes) and b's (without its
 * last bdims): the batch shape of a multivariate family. Errors name family. */
gen_status mv_batch(const char *family, const gen_array *a, int adims, const gen_array *b,
                    int bdims, int *nd, int64_t *shape);
/* The value dtype of a family from its float parameters: f32 only if there are some and
 * all are f32 (as dist_new_scalar's rule). */
gen_dtype mv_dtype(int n, const gen_array *const *params);

/* log of the multivariate gamma function Gamma_n(a), elementwise in a. */
gen_array *mv_lmvgamma(const gen_array *a, int64_t n);
/* Sum of log of the diagonal of L [..., n, n] -> [...]. */
gen_array *mv_sum_log_diag(const gen_array *l);
/* L^-1 b for lower L [..., n, n] and b [..., n, k] (batch axes broadcast). */
gen_array *mv_solve_lower(const gen_array *l, const gen_array *b);
/* i64 [m]: flat indices (i * n + j) of the lower triangle of an n x n matrix in
 * row-major order: j <= i (strict: j < i). */
gen_array *mv_tril_indices(int64_t n, bool strict);
/* i64 [n * n]: for each flat position of an n x n matrix, its index in the row-major
 * lower-triangle vector (mv_tril_indices), or m (one past the end) elsewhere. */
gen_array *mv_tril_scatter(int64_t n, bool strict);
/* The same for the lower trapezoid (j <= i) of an m x n matrix, m >= n (cholesky_cov):
 * i64 [n(n+1)/2 + (m-n)n] flat indices i * n + j, and i64 [m * n] positions in it (its
 * length elsewhere); diag: f64 [n(n+1)/2 + (m-n)n], 1 at the diagonal's entries. */
gen_array *mv_trap_indices(int64_t m, int64_t n);
gen_array *mv_trap_scatter(int64_t m, int64_t n);
gen_array *mv_trap_diag(int64_t m, int64_t n, gen_dtype t);

#endif
