/* random_cuda.c — the randomness layer's CUDA glue: draws and samplers on a CUDA device,
 * made by the kernels of draw_kernels.cu and sample_kernels.cu, queued on the device's
 * native stream (backend->queue) without waiting for it; only the parameter check of a
 * sampler waits, for the index of the first bad element. Built with the CUDA backend
 * only; reached only for backends with a queue. */
#include <string.h>

#include "random_int.h"
#include "random_kern.h"
#include "../array/array_int.h"

_Static_assert(RND_MAX_DIMS == GEN_MAX_DIMS, "rnd_param strides cover every dimension");

/* "<fn>: CUDA error <name>: <message>" (GEN_ERR_OOM for an allocation failure) unless e
 * is cudaSuccess. */
static gen_status launched(const char *fn, cudaError_t e) {
    if (e == cudaSuccess) return GEN_OK;
    gen_status st = e == cudaErrorMemoryAllocation ? GEN_ERR_OOM : GEN_ERR_INTERNAL;
    return GEN_FAIL(st, "%s: CUDA error %s: %s", fn, cudaGetErrorName(e), cudaGetErrorString(e));
}

gen_array *rnd_cuda_draw(const char *fn, const backend *be, rnd_kind kind, gen_key key, gen_dtype dtype, int ndim,
                         const int64_t *shape) {
    gen_array *a = arr_alloc_on(fn, be, dtype, ndim, shape);
    if (!a) return NULL;
    void *mark = be->mark_begin ? be->mark_begin(be, "draw") : NULL;
    cudaError_t e = cudaSetDevice(be->ordinal);
    if (e == cudaSuccess) e = rnd_launch_draw((cudaStream_t)be->queue, (int)kind, key, (int)dtype, a->size, a->data);
    if (mark) be->mark_end(mark);
    if (launched(fn, e) != GEN_OK) {
        gen_array_release(a);
        return NULL;
    }
    return a;
}

gen_status rnd_cuda_first_bad(const char *fn, const backend *be, int n, const gen_array *const *a, const int *rules,
                              int64_t *first) {
    unsigned long long found[2];
    size_t nbytes = (size_t)n * sizeof found[0];
    if (n < 1 || n > 2) return GEN_FAIL(GEN_ERR_INTERNAL, "%s: %d parameters to check on the device", fn, n);
    for (int k = 0; k < n; k++) {
        gen_status st = arr_ready(a[k]);
        if (st != GEN_OK) return st;
    }
    unsigned long long *slots = be->mem_alloc(nbytes);
    if (!slots) return core_error_pending();
    cudaStream_t s = (cudaStream_t)be->queue;
    void *mark = be->mark_begin ? be->mark_begin(be, "sampler parameter check") : NULL;
    cudaError_t e = cudaSetDevice(be->ordinal);
    if (e == cudaSuccess) e = cudaMemsetAsync(slots, 0xff, nbytes, s); /* all ones: no bad element yet */
    for (int k = 0; k < n && e == cudaSuccess; k++)
        e = rnd_launch_first_bad(s, a[k]->data, a[k]->dtype, a[k]->size, rules[k], &slots[k]);
    if (mark) be->mark_end(mark);
    gen_status st = launched(fn, e);
    if (st == GEN_OK) st = be->to_host(found, slots, nbytes); /* waits for the stream */
    be->mem_free(slots, nbytes);
    if (st != GEN_OK) return st;
    for (int k = 0; k < n; k++) first[k] = found[k] == ~0ull ? -1 : (int64_t)found[k];
    return GEN_OK;
}

/* How the kernel reads parameter p at the output's elements (size of them, strides in
 * the output's shape from smp_broadcast). */
static rnd_param param_of(const gen_array *p, int64_t size, int ndim, const int64_t *strides) {
    rnd_param q;
    memset(&q, 0, sizeof q);
    q.p = p->data;
    q.dtype = p->dtype;
    if (p->size == 1) q.mode = RND_SCALAR;
    else if (p->size == size) q.mode = RND_SAME; /* broadcasts to the output: the same shape */
    else {
        q.mode = RND_STRIDED;
        memcpy(q.strides, strides, (size_t)ndim * sizeof *strides);
    }
    return q;
}

gen_array *rnd_cuda_sample(const char *fn, const backend *be, rnd_sampler s, gen_key key, const gen_array *a,
                           const gen_array *b, gen_dtype out_t, int ndim, const int64_t *shape,
                           const int64_t *strides_a, const int64_t *strides_b) {
    if (arr_ready(a) != GEN_OK || arr_ready(b) != GEN_OK) return NULL;
    gen_array *out = arr_alloc_on(fn, be, out_t, ndim, shape);
    if (!out) return NULL;
    static const uint64_t tags[] = {[RND_GAMMA] = RND_TAG_GAMMA, [RND_BETA] = RND_TAG_BETA,
                                    [RND_POISSON] = RND_TAG_POIS, [RND_BINOMIAL] = RND_TAG_BINO};
    rnd_sample_args args;
    memset(&args, 0, sizeof args);
    args.sampler = (int)s;
    args.st[0] = smp_stream_new(key, tags[s], 0);
    if (s == RND_BETA) args.st[1] = smp_stream_new(key, RND_TAG_BETA, 1);
    args.ndim = ndim;
    memcpy(args.shape, shape, (size_t)ndim * sizeof *shape);
    args.size = out->size;
    args.a = param_of(a, out->size, ndim, strides_a);
    args.b = param_of(b, out->size, ndim, strides_b);
    args.out = out->data;
    args.out_dtype = (int)out_t;
    void *mark = be->mark_begin ? be->mark_begin(be, "sampler") : NULL;
    cudaError_t e = cudaSetDevice(be->ordinal);
    if (e == cudaSuccess) e = rnd_launch_sample((cudaStream_t)be->queue, &args);
    if (mark) be->mark_end(mark);
    if (launched(fn, e) != GEN_OK) {
        gen_array_release(out);
        return NULL;
    }
    return out;
}
