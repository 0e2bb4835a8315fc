/* cuda_linalg_kern.h — the launchers of cuda_linalg.cu: the small kernels around the
 * cuBLAS and cuSOLVER calls of the linalg ops (cuda_linalg.c). Plain data only, as
 * cuda_kern.h. The libraries work on column-major double copies of the matrices, as
 * the CPU kernels give LAPACK (so f32 computes through double there too): load makes
 * them, store writes the results back in the output's dtype. Every launcher queues on
 * stream s and returns the launch's error. */
#ifndef GENC_SRC_CUDA_LINALG_KERN_H
#define GENC_SRC_CUDA_LINALG_KERN_H

#include "../../core/core_hd.h"
#include "cuda_kern.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Which matrix of a batched argument the output's batch element i reads: the output's
 * batch shape (nd axes) and the argument's stride in matrices along each, 0 where it
 * is broadcast (cuda_linalg.c's lin_map builds it). */
typedef struct cu_lin_map {
    int nd;
    int64_t shape[CU_MAX_DIMS];
    int64_t stride[CU_MAX_DIMS];
} cu_lin_map;

/* The argument's matrix for output batch element i (NULL map: matrix i). */
GENC_HD static inline int64_t cu_lin_src(const cu_lin_map *m, int64_t i) {
    if (!m) return i;
    int64_t idx = 0;
    for (int d = m->nd - 1; d >= 0; d--) {
        idx += (i % m->shape[d]) * m->stride[d];
        i /= m->shape[d];
    }
    return idx;
}

/* dst[b] (rows x cols, column-major doubles) = src[map(b)] (row-major, dtype), b < nb. */
cudaError_t cu_lin_load(cudaStream_t s, double *dst, const void *src, int dtype, int64_t rows, int64_t cols,
                        const cu_lin_map *map, int64_t nb);
/* dst[b] (row-major, dtype) = src[b] (column-major doubles), b < nb; lower: zeros above
 * the diagonal; nan_flag (or NULL): matrices b with nan_flag[b] set become all NaN. */
cudaError_t cu_lin_store(cudaStream_t s, void *dst, int dtype, const double *src, int64_t rows, int64_t cols,
                         int64_t nb, bool lower, const int *nan_flag);
/* flag[b] = whether matrix b of w (n x n column-major, nb of them) holds a NaN (in its
 * lower triangle only when lower); such matrices are replaced by the identity, so the
 * factorizations see no NaN (the ops give NaN for them: cu_lin_store, cu_lin_logdet). */
cudaError_t cu_lin_nan_guard(cudaStream_t s, double *w, int64_t n, int64_t nb, bool lower, int *flag);
/* nb n x n identity matrices at w. */
cudaError_t cu_lin_identity(cudaStream_t s, double *w, int64_t n, int64_t nb);
/* ptrs[b] = base + map(b) * matrix_bytes, b < nb: the pointer arrays of the libraries'
 * batched calls, broadcasting by pointing at the same matrix. */
cudaError_t cu_lin_ptrs(cudaStream_t s, void **ptrs, void *base, int64_t matrix_bytes, const cu_lin_map *map,
                        int64_t nb);
/* dst[b] = src[map(b)] for pivot vectors of n ints: the pivots of broadcast factors, for
 * getrsBatched (which reads matrix b's pivots at dst + b n). */
cudaError_t cu_lin_expand_pivots(cudaStream_t s, int *dst, const int *src, int64_t n, const cu_lin_map *map,
                                 int64_t nb);
/* res[0] = the lowest b < nb with info[b] != 0 (skipping those with skip[b] set, when
 * skip is not NULL), res[1] = its info; res[0] = -1 when there is none. res: 2 int64 on
 * the device. */
cudaError_t cu_lin_first_failure(cudaStream_t s, const int *info, const int *skip, int64_t nb, int64_t *res);
/* out[b] (dtype) = log |det| of matrix b from its LU factor lu (n x n column-major):
 * the sum of log |U[j][j]| in j's order; -inf where info[b] > 0 (a zero pivot), NaN
 * where nan_flag[b] is set. */
cudaError_t cu_lin_logdet(cudaStream_t s, void *out, int dtype, const double *lu, int64_t n, int64_t nb,
                          const int *info, const int *nan_flag);
/* dst[b][i] = src[b][i][i] (elements of es bytes), nb matrices n x n. */
cudaError_t cu_lin_diag(cudaStream_t s, void *dst, const void *src, int es, int64_t n, int64_t nb);
/* dst[b] = the n x n matrix with src[b] on its diagonal, zeros elsewhere. */
cudaError_t cu_lin_diag_embed(cudaStream_t s, void *dst, const void *src, int es, int64_t n, int64_t nb);
/* a[b] = the Cholesky VJP of (l[b], g[b]) (f64 n x n row-major, nb of them), a thread per
 * column (src/array/cholesky_vjp_col.h: the CPU's operations, the CPU's bits); z: nb n n
 * doubles of work space. */
cudaError_t cu_chol_vjp(cudaStream_t s, const double *l, const double *g, double *a, double *z, int64_t n,
                        int64_t nb);

#ifdef __cplusplus
}
#endif

#endif
