/* cuda_index_kern.h — the launchers of the reduce and shape kernels (cuda_reduce.cu,
 * cuda_shape.cu), called by their C sides (cuda_reduce.c, cuda_shape.c). Plain data
 * (cuda_kern.h, cuda_layout.h). Every launcher queues its work on stream s and returns
 * the first CUDA error (cudaSuccess when all was queued); temporary storage comes from
 * the device's stream-ordered pool and is freed in stream order. Arrays are contiguous
 * row-major device arrays; "[outer, n, inner]" is an array seen along one axis. */
#ifndef GENC_SRC_CUDA_INDEX_KERN_H
#define GENC_SRC_CUDA_INDEX_KERN_H

#include "cuda_kern.h"
#include "cuda_layout.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- cuda_reduce.cu ---- */

/* What cu_reduce_run computes per output (the CPU kernels' rules, cpu_reduce.c). */
enum {
    CU_RED_SUM,       /* f64, f32 (accumulating in double), i64 (wrapping) */
    CU_RED_PROD,      /* as sum */
    CU_RED_MAX,       /* f64, f32 (NaN propagates), i64, bool (or) */
    CU_RED_MIN,       /* as max (bool: and) */
    CU_RED_ALL,       /* bool */
    CU_RED_ANY,       /* bool */
    CU_RED_LOGSUMEXP, /* f64, f32 */
    CU_RED_ARGMAX,    /* f64, f32, i64 -> i64 positions */
    CU_RED_ARGMIN
};
/* out[o] = the reduction `kind` of x's elements d->len elements of output o (x of dtype;
 * out of dtype too, i64 for argmax/argmin). */
cudaError_t cu_reduce_run(cudaStream_t s, int kind, const cu_reduce *d, const void *x, int dtype, void *out);

/* Running sums (kind CU_RED_SUM: f64, f32 accumulating in double, i64 wrapping) or
 * log-sum-exps (CU_RED_LOGSUMEXP: f64, f32) along the axis of x [outer, n, inner], from
 * the end when reverse. */
cudaError_t cu_cumulate(cudaStream_t s, int kind, int dtype, const void *x, void *out, int64_t outer, int64_t n,
                        int64_t inner, bool reverse);
/* cumlogsumexp's VJP (f64): r from x, its forward cumlogsumexp o and the cotangent g,
 * all [outer, n, inner]. */
cudaError_t cu_cumlse_vjp(cudaStream_t s, const double *x, const double *o, const double *g, double *r,
                          int64_t outer, int64_t n, int64_t inner);
/* The stable sorting permutation of each row of x (f64, f32, i64) [outer, n, inner]:
 * NaN last, ties in index order. */
cudaError_t cu_argsort(cudaStream_t s, int dtype, const void *x, int64_t *out, int64_t outer, int64_t n,
                       int64_t inner);
/* out[o, k, i] = a[o, idx[o, k, i], i] (elements of elem bytes): a is [outer, len,
 * inner], idx and out [outer, n, inner]. Indices outside [0, len) are skipped (check them
 * with cu_check_indices). */
cudaError_t cu_take_along(cudaStream_t s, size_t elem, const void *a, int64_t len, const int64_t *idx, void *out,
                          int64_t outer, int64_t n, int64_t inner);
/* out [outer, m, inner] = 0, then out[o, idx[o, k, i], i] += g[o, k, i] (f64, f32, i64
 * wrapping) with the CPU's order of additions: k increasing. Indices outside [0, m)
 * are skipped. */
cudaError_t cu_scatter_along(cudaStream_t s, int dtype, const void *g, const int64_t *idx, void *out, int64_t outer,
                             int64_t n, int64_t inner, int64_t m);

/* ---- cuda_shape.cu ---- */

/* The copies of d (elements of elem bytes: 1, 4 or 8). */
cudaError_t cu_copy_strided(cudaStream_t s, size_t elem, const void *src, void *dst, const cu_copy *d);
/* out [outer, m, inner] with out[o, j, i] = a[o, idx[j] (+ n if negative), i], a
 * [outer, n, inner]; indices outside [-n, n) are skipped. */
cudaError_t cu_take(cudaStream_t s, size_t elem, const void *a, const int64_t *idx, int64_t m, void *out,
                    int64_t outer, int64_t n, int64_t inner);
/* out = a [outer, n, inner] (dtype), then for every j of idx (m of them, normalized as
 * take's) out[o, idx[j], i] = v[o, j, i] (the last j of an index wins) or, when add, +=
 * (in order of j; bool: or; i64 wraps). v is read through vb: its mode and strides over
 * take's shape (ndim, shape). Indices outside [-n, n) are skipped. */
cudaError_t cu_index_update(cudaStream_t s, bool add, int dtype, const void *a, const int64_t *idx, int64_t m,
                            const void *v, const cu_bcast *vb, void *out, int64_t outer, int64_t n, int64_t inner);
/* Checks idx, seen as [outer, n, inner] (count elements), against [lo, hi): the first
 * index outside, in the order rows (o, i) then k (the CPU's order for take_along and
 * scatter_along; for take and the index updates pass n = count, inner = 1: flat order),
 * is recorded in err (code CU_ERR_INDEX, op, index: its flat position, value: it)
 * unless a failure is recorded there already. */
cudaError_t cu_check_indices(cudaStream_t s, cu_error *err, int op, const int64_t *idx, int64_t count, int64_t lo,
                             int64_t hi, int64_t n, int64_t inner);

#ifdef __cplusplus
}
#endif

#endif
