/* random_kern.h — the plain-data interface between the randomness layer's CUDA glue
 * (random_cuda.c) and its kernels (draw_kernels.cu, sample_kernels.cu, compiled by nvcc
 * as C++, so no array-layer headers): what each launch reads and writes, and launchers
 * that queue the kernels on a stream and return the launch's cudaError_t. */
#ifndef GENC_SRC_RANDOM_KERN_H
#define GENC_SRC_RANDOM_KERN_H

#include <cuda_runtime_api.h>

#include "sample_hd.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RND_MAX_DIMS 8 /* GEN_MAX_DIMS */

/* A sampler's parameter array on the device, as its kernel reads it at output element
 * i: RND_SAME element i (the output's shape), RND_SCALAR element 0 (one element),
 * RND_STRIDED the offset of i's index in the output with strides (0 on broadcast axes). */
enum { RND_SAME = 0, RND_SCALAR = 1, RND_STRIDED = 2 };
typedef struct rnd_param {
    const void *p;
    int dtype; /* a gen_dtype */
    int mode;
    int64_t strides[RND_MAX_DIMS];
} rnd_param;

/* One sampler launch: element i of the output (row-major in shape) is the sampler's
 * element procedure (sample_hd.h) at i of its parameters a (and b). */
typedef struct rnd_sample_args {
    int sampler;      /* an rnd_sampler */
    smp_stream st[2]; /* stream 0, and beta's stream 1 */
    rnd_param a, b;   /* b: the second parameter (beta's b, binomial's p) */
    int ndim;
    int64_t shape[RND_MAX_DIMS];
    int64_t size;
    void *out;
    int out_dtype; /* f64 or f32 (gamma, beta), i64 (Poisson, binomial) */
} rnd_sample_args;

/* draw_kernels.cu: the n elements of a draw of kind (an rnd_kind) under key, of dtype
 * (i64 for bits, f64 or f32), at out. */
cudaError_t rnd_launch_draw(cudaStream_t s, int kind, gen_key key, int dtype, int64_t n, void *out);

/* sample_kernels.cu: *slot lowered (atomicMin) to the index of every element of the n
 * elements of dtype at p that breaks rule (an smp_rule); the caller sets it to all ones
 * first. */
cudaError_t rnd_launch_first_bad(cudaStream_t s, const void *p, int dtype, int64_t n, int rule,
                                 unsigned long long *slot);
/* sample_kernels.cu: the draws of one sampler launch. */
cudaError_t rnd_launch_sample(cudaStream_t s, const rnd_sample_args *args);

#ifdef __cplusplus
}
#endif

#endif
