/* random_int.h — the randomness layer's private host definitions: the bulk Threefry loop
 * behind the CPU's draws and the CUDA side's entry points (random_cuda.c). The
 * per-element procedures, shared with the CUDA kernels, are in random_hd.h and
 * sample_hd.h. docs/random.md states every draw exactly. */
#ifndef GENC_SRC_RANDOM_INT_H
#define GENC_SRC_RANDOM_INT_H

#include "sample_hd.h"
#include "../array/backend_api.h"

/* Fills out[2j], out[2j+1] with the words of block first + j (counter {first + j, tag})
 * for j < nblocks. The hot loop of every draw: compiled for several instruction sets
 * (blocks.c), all giving the same words. */
void rnd_fill_blocks(gen_key key, uint64_t tag, uint64_t first, int64_t nblocks, uint64_t *out);

/* Elements are drawn in chunks of this many words through a stack buffer. */
#define RND_CHUNK 1024

/* The CUDA kernels' entry points (random_cuda.c), for backends with a native queue (a
 * cudaStream_t). Each returns a new array on be (refcount 1, unpublished) whose elements
 * are queued on be's stream, or NULL with the error recorded. Without the CUDA backend
 * no backend has a queue, and these are never reached. */
#ifdef GENC_HAVE_CUDA
/* The draw of kind (bits, uniform, normal) of dtype on the (validated) shape. */
gen_array *rnd_cuda_draw(const char *fn, const backend *be, rnd_kind kind, gen_key key, gen_dtype dtype, int ndim,
                         const int64_t *shape);
/* For k < n: the index of the first element of a[k] (on be) that breaks rules[k] (an
 * smp_rule, sample_hd.h) in first[k], -1 when none does. Waits for be's stream once:
 * the one synchronization of a sampler whose parameters are on the device. */
gen_status rnd_cuda_first_bad(const char *fn, const backend *be, int n, const gen_array *const *a, const int *rules,
                              int64_t *first);
/* The draws of sampler s from parameters a (and b; a again for one-parameter samplers),
 * both on be and valid, broadcast to (ndim, shape) with element strides (0 on broadcast
 * axes) in that shape; the result has dtype out_t. */
gen_array *rnd_cuda_sample(const char *fn, const backend *be, rnd_sampler s, gen_key key, const gen_array *a,
                           const gen_array *b, gen_dtype out_t, int ndim, const int64_t *shape,
                           const int64_t *strides_a, const int64_t *strides_b);
#else
static inline gen_array *rnd_cuda_absent(const char *fn) {
    GEN_FAIL(GEN_ERR_INTERNAL, "%s: a device with a native queue in a build without CUDA", fn);
    return NULL;
}
static inline gen_array *rnd_cuda_draw(const char *fn, const backend *be, rnd_kind kind, gen_key key, gen_dtype dtype,
                                       int ndim, const int64_t *shape) {
    (void)be, (void)kind, (void)key, (void)dtype, (void)ndim, (void)shape;
    return rnd_cuda_absent(fn);
}
static inline gen_status rnd_cuda_first_bad(const char *fn, const backend *be, int n, const gen_array *const *a,
                                            const int *rules, int64_t *first) {
    (void)be, (void)n, (void)a, (void)rules, (void)first;
    rnd_cuda_absent(fn);
    return GEN_ERR_INTERNAL;
}
static inline gen_array *rnd_cuda_sample(const char *fn, const backend *be, rnd_sampler s, gen_key key,
                                         const gen_array *a, const gen_array *b, gen_dtype out_t, int ndim,
                                         const int64_t *shape, const int64_t *strides_a, const int64_t *strides_b) {
    (void)be, (void)s, (void)key, (void)a, (void)b, (void)out_t, (void)ndim, (void)shape, (void)strides_a,
        (void)strides_b;
    return rnd_cuda_absent(fn);
}
#endif

#endif
