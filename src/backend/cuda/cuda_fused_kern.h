/* cuda_fused_kern.h — the launchers of the fused rows' CUDA kernels (cuda_fused.cu),
 * called by their C side (cuda_fused.c). Plain data only, as cuda_kern.h. Each queues
 * its work on stream s and returns the launch's error (cudaSuccess when there was
 * nothing to do). Element procedures: array/fused_hd.h, the CPU kernels' own. */
#ifndef GENC_SRC_CUDA_FUSED_KERN_H
#define GENC_SRC_CUDA_FUSED_KERN_H

#include "cuda_kern.h"

#ifdef __cplusplus
extern "C" {
#endif

/* NORMAL_LOGPDF: out[i] = the normal log density of the broadcast (x, mu, sigma) (b:
 * the three inputs against the output). */
cudaError_t cu_normal_logpdf(cudaStream_t s, double *out, const double *x, const double *mu, const double *sigma,
                             cu_bcast b);

/* NORMAL_LOGPDF_SUM: out[r] for r < rows = the log density of the m elements of row r:
 * x + r xrs, mu + r mrs with element stride sm, sigma with element stride ss (0: one
 * value). Rows of at most CU_NORMAL_SUM_SERIAL elements are summed by one thread in the
 * CPU's order (fused_normal_lpdf_sum); longer ones by a block, in a tree. */
#define CU_NORMAL_SUM_SERIAL 4096
cudaError_t cu_normal_logpdf_sum(cudaStream_t s, double *out, const double *x, int64_t xrs, const double *mu,
                                 int64_t sm, int64_t mrs, const double *sigma, int64_t ss, int64_t rows, int64_t m);

/* BIJECTION_SCALAR: x[0], ld[0] of u[0] through bijection k with parameters lo, hi
 * (NULL: not taken; each one value). */
cudaError_t cu_bijection_scalar(cudaStream_t s, int k, const double *u, const double *lo, const double *hi, double *x,
                                double *ld);

/* SUM_SCALARS: out[0] = terms[0][0] + terms[1][0] + ... in that order (n >= 1 device
 * addresses, given in host memory). */
cudaError_t cu_sum_scalars(cudaStream_t s, double *out, const double *const *terms, int64_t n);

/* CATEGORICAL_GATHER: out[i] (out_dtype f32 or f64, the table's) = the table's element
 * of x's value in the row of i, -inf where x (x_dtype) holds no index in [0, k). b:
 * input 0 is x against the output, input 1 the first element of i's row. */
cudaError_t cu_categorical_gather(cudaStream_t s, void *out, int out_dtype, const void *x, int x_dtype,
                                  const void *table, int64_t k, cu_bcast b);

/* CATEGORICAL_SAMPLE: out[i] (n values) = the category u[i] draws from row i % rows of
 * a (rows x k of a_dtype, probabilities or logits); cdf: rows x k doubles of work space. */
cudaError_t cu_categorical_sample(cudaStream_t s, int64_t *out, int64_t n, const void *a, int a_dtype, int64_t rows,
                                  int64_t k, bool logits, const double *u, double *cdf);

/* POISSON_LOGPMF: out[i] (out_dtype f32 or f64) = the Poisson log mass of the broadcast
 * (x, rate) (any dtypes); lfact: log k! for k < CU_LFACT_TABLE (the CPU's table). */
#define CU_LFACT_TABLE 256 /* FUSED_LFACT_TABLE */
cudaError_t cu_poisson_logpmf(cudaStream_t s, void *out, int out_dtype, const void *x, int x_dtype, const void *rate,
                              int rate_dtype, cu_bcast b, const double *lfact);

#ifdef __cplusplus
}
#endif

#endif
