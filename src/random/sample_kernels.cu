/* sample_kernels.cu — the raw samplers on a CUDA device (gamma, beta, Poisson, binomial)
 * and the check of their parameters: one thread per output element (grid-stride), each
 * running the element procedure the CPU runs (sample_hd.h) from the same stream keys,
 * with the per-parameter set-up redone only when a thread's next element has other
 * parameters (as the CPU loop does; the values never depend on it). */
#include "random_kern.h"

#define RND_BLOCK 256

static unsigned grid_for(int64_t n) {
    int64_t g = (n + RND_BLOCK - 1) / RND_BLOCK;
    return (unsigned)(g < 1 ? 1 : g > 65535 * 8 ? 65535 * 8 : g);
}

#define GRID_STRIDE(i, n)                                                                   \
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < (n);              \
         i += (int64_t)gridDim.x * blockDim.x)

/* Element k of dtype at p, converted to double (as arr_get_f64). */
__device__ static double load_f64(const void *p, int dtype, int64_t k) {
    switch (dtype) {
    case GEN_F64: return ((const double *)p)[k];
    case GEN_F32: return (double)((const float *)p)[k];
    case GEN_I64: return (double)((const int64_t *)p)[k];
    default: return ((const uint8_t *)p)[k] ? 1.0 : 0.0;
    }
}

/* The element of parameter q read at output element i. */
__device__ static int64_t param_offset(const rnd_param &q, const rnd_sample_args &a, int64_t i) {
    if (q.mode == RND_SAME) return i;
    if (q.mode == RND_SCALAR) return 0;
    int64_t off = 0, rest = i;
    for (int d = a.ndim - 1; d >= 0; d--) {
        off += (rest % a.shape[d]) * q.strides[d];
        rest /= a.shape[d];
    }
    return off;
}
__device__ static double param_f64(const rnd_param &q, const rnd_sample_args &a, int64_t i) {
    return load_f64(q.p, q.dtype, param_offset(q, a, i));
}

__device__ static void store_float(const rnd_sample_args &a, int64_t i, double x) {
    if (a.out_dtype == GEN_F64) ((double *)a.out)[i] = x;
    else ((float *)a.out)[i] = (float)x;
}

/* Parameters are checked before any draw, so -1 (invalid for every sampler) marks
 * "no set-up yet". */

__global__ void gamma_kernel(rnd_sample_args a) {
    smp_gamma_prm g;
    g.alpha = -1;
    GRID_STRIDE(i, a.size) {
        double alpha = param_f64(a.a, a, i);
        if (alpha != g.alpha) smp_gamma_init(&g, alpha);
        threefry2x64_ctr_t b = smp_attempt(&a.st[0], (uint64_t)i, 0);
        uint64_t wb = g.boost ? smp_boost_word(&a.st[0], (uint64_t)i) : 0;
        store_float(a, i, smp_gamma_draw(&g, &a.st[0], (uint64_t)i, b.v[0], b.v[1], wb));
    }
}

__global__ void beta_kernel(rnd_sample_args a) {
    smp_beta_prm s;
    s.ga.alpha = s.gb.alpha = -1;
    GRID_STRIDE(i, a.size) {
        double av = param_f64(a.a, a, i), bv = param_f64(a.b, a, i);
        if (av != s.ga.alpha || bv != s.gb.alpha) smp_beta_init(&s, av, bv);
        threefry2x64_ctr_t bx = smp_attempt(&a.st[0], (uint64_t)i, 0), by = smp_attempt(&a.st[1], (uint64_t)i, 0);
        uint64_t wx[3] = {bx.v[0], bx.v[1], s.ga.boost ? smp_boost_word(&a.st[0], (uint64_t)i) : 0};
        uint64_t wy[3] = {by.v[0], by.v[1], s.gb.boost ? smp_boost_word(&a.st[1], (uint64_t)i) : 0};
        store_float(a, i, smp_beta_draw(&s, a.st, (uint64_t)i, wx, wy));
    }
}

__global__ void poisson_kernel(rnd_sample_args a) {
    smp_pois_prm s;
    s.rate = -1;
    GRID_STRIDE(i, a.size) {
        double rate = param_f64(a.a, a, i);
        if (rate != s.rate) smp_pois_init(&s, rate);
        threefry2x64_ctr_t b = smp_attempt(&a.st[0], (uint64_t)i, 0);
        ((int64_t *)a.out)[i] = smp_pois_draw(&s, &a.st[0], (uint64_t)i, b.v[0], b.v[1]);
    }
}

__global__ void binomial_kernel(rnd_sample_args a) {
    smp_bino_prm s;
    s.n = -1;
    GRID_STRIDE(i, a.size) {
        int64_t off = param_offset(a.a, a, i);
        /* n as the host's cast to i64 gives it (valid n are integers below 2^63) */
        int64_t n = a.a.dtype == GEN_I64 ? ((const int64_t *)a.a.p)[off] : (int64_t)load_f64(a.a.p, a.a.dtype, off);
        double p = param_f64(a.b, a, i);
        if (n != s.n || p != s.p) smp_bino_init(&s, n, p);
        threefry2x64_ctr_t b = smp_attempt(&a.st[0], (uint64_t)i, 0);
        ((int64_t *)a.out)[i] = smp_bino_draw(&s, &a.st[0], (uint64_t)i, b.v[0], b.v[1]);
    }
}

__global__ void first_bad_kernel(const void *p, int dtype, int64_t n, int rule, unsigned long long *slot) {
    GRID_STRIDE(i, n) {
        if (!smp_valid((smp_rule)rule, load_f64(p, dtype, i))) atomicMin(slot, (unsigned long long)i);
    }
}

extern "C" cudaError_t rnd_launch_first_bad(cudaStream_t s, const void *p, int dtype, int64_t n, int rule,
                                            unsigned long long *slot) {
    if (n == 0) return cudaSuccess;
    first_bad_kernel<<<grid_for(n), RND_BLOCK, 0, s>>>(p, dtype, n, rule, slot);
    return cudaGetLastError();
}

extern "C" cudaError_t rnd_launch_sample(cudaStream_t s, const rnd_sample_args *args) {
    if (args->size == 0) return cudaSuccess;
    unsigned g = grid_for(args->size);
    switch (args->sampler) {
    case RND_GAMMA: gamma_kernel<<<g, RND_BLOCK, 0, s>>>(*args); break;
    case RND_BETA: beta_kernel<<<g, RND_BLOCK, 0, s>>>(*args); break;
    case RND_POISSON: poisson_kernel<<<g, RND_BLOCK, 0, s>>>(*args); break;
    default: binomial_kernel<<<g, RND_BLOCK, 0, s>>>(*args); break;
    }
    return cudaGetLastError();
}
