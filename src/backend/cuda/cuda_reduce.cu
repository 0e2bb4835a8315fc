/* cuda_reduce.cu — kernels of the reduce ops (cuda_reduce.c): reductions over any axes
 * (one thread per output for short ones, else a block per output, or the whole grid
 * for one output), running sums along an axis (one thread per row
 * for short rows or many rows, else CUB's scan by key), argsort (CUB's stable radix
 * sorts of order-preserving keys, then of rows), and the gather / scatter along an axis
 * behind sort (the scatter sorts its targets, so each output element adds its
 * contributions in the CPU's order: deterministic, no atomics). */
#include <cub/block/block_reduce.cuh>
#include <cub/device/device_radix_sort.cuh>
#include <cub/thread/thread_load.cuh>
#include <cub/device/device_scan.cuh>
#include <cuda/std/functional>
#include <thrust/iterator/counting_iterator.h>
#include <thrust/iterator/transform_iterator.h>

#include "../elem_math.h"
#include "cuda_device.cuh"
#include "cuda_index_kern.h"

namespace {

/* Reductions in order (cu_reduce_in_order, cuda_layout.h) take one thread per output;
 * longer ones a block per output (segment_kernel) or, for one output, the whole grid
 * (one_kernel). Scans likewise: one thread per row for rows of at most SHORT_LEN
 * or when there are MANY rows, else CUB's scan by key. */
constexpr int64_t SHORT_LEN = CU_SHORT_LEN, MANY = CU_MANY;

/* ---- element functors (host-device: CUB and thrust call them through iterators) ---- */

template <class F> struct flat_load { /* p = o * len + r -> f(o, r) */
    F f;
    int64_t len;
    bool one; /* one output: p = r (no division) */
    __host__ __device__ auto operator()(int64_t p) const { return one ? f(0, p) : f(p / len, p % len); }
};
struct divide {
    int64_t k;
    __host__ __device__ int64_t operator()(int64_t i) const { return i / k; }
};
template <class T> thrust::counting_iterator<T> count_from(T v) { return thrust::counting_iterator<T>(v); }

/* ---- reductions ---- */

template <class Acc, class Load, class Op, class Fin>
__global__ void reduce_short_kernel(int64_t nout, int64_t len, Load load, Op op, Acc init, Fin fin) {
    for (int64_t o = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; o < nout; o += (int64_t)gridDim.x * blockDim.x) {
        Acc a = init;
        for (int64_t r = 0; r < len; r++) a = op(a, load(o, r));
        fin(o, a);
    }
}

/* Loads (o, r) -> the accumulator's type. */
template <class T, class Acc> struct load_as {
    const T *x;
    cu_reduce d;
    __host__ __device__ Acc operator()(int64_t o, int64_t r) const { return (Acc)x[cu_reduce_offset(&d, o, r)]; }
};
template <class T> struct load_bool { /* bool elements as 0 / 1 */
    const T *x;
    cu_reduce d;
    __host__ __device__ int operator()(int64_t o, int64_t r) const { return x[cu_reduce_offset(&d, o, r)] != 0; }
};
template <class T> struct load_best {
    const T *x;
    cu_reduce d;
    __host__ __device__ cu_best operator()(int64_t o, int64_t r) const {
        return cu_best{(double)x[cu_reduce_offset(&d, o, r)], r};
    }
};
struct load_best_i64 {
    const int64_t *x;
    cu_reduce d;
    __host__ __device__ cu_best_i64 operator()(int64_t o, int64_t r) const {
        return cu_best_i64{x[cu_reduce_offset(&d, o, r)], r};
    }
};
/* exp(x - m[o]) where m[o] is finite, else 0 (logsumexp's second pass). */
template <class T> struct load_exp {
    const T *x;
    const double *m;
    cu_reduce d;
    __host__ __device__ double operator()(int64_t o, int64_t r) const {
        double mo = m[o];
        return cu_finite(mo) ? exp((double)x[cu_reduce_offset(&d, o, r)] - mo) : 0.0;
    }
};

/* Combinations. */
struct add_f {
    __host__ __device__ double operator()(double a, double b) const { return a + b; }
};
struct mul_f {
    __host__ __device__ double operator()(double a, double b) const { return a * b; }
};
struct add_i { /* i64 sums and products wrap around */
    __host__ __device__ int64_t operator()(int64_t a, int64_t b) const { return elem_add_i64(a, b); }
};
struct mul_i {
    __host__ __device__ int64_t operator()(int64_t a, int64_t b) const { return elem_mul_i64(a, b); }
};
template <class T> struct add_t { /* in T: f32 adds in f32, as the CPU's scatter */
    __host__ __device__ T operator()(T a, T b) const { return a + b; }
};
struct max_i {
    __host__ __device__ int64_t operator()(int64_t a, int64_t b) const { return a > b ? a : b; }
};
struct min_i {
    __host__ __device__ int64_t operator()(int64_t a, int64_t b) const { return a < b ? a : b; }
};
struct and_b {
    __host__ __device__ int operator()(int a, int b) const { return a & b; }
};
struct or_b {
    __host__ __device__ int operator()(int a, int b) const { return a | b; }
};
struct nan_max { /* the maximum, NaN when there is one (logsumexp's first pass) */
    __host__ __device__ double operator()(double a, double b) const { return a != a ? a : b != b || b > a ? b : a; }
};
struct best_f {
    bool max, last_nan;
    __host__ __device__ cu_best operator()(cu_best a, cu_best b) const {
        return cu_beats(a.v, a.pos, b.v, b.pos, max, last_nan) ? a : b;
    }
};
struct best_i {
    bool max;
    __host__ __device__ cu_best_i64 operator()(cu_best_i64 a, cu_best_i64 b) const {
        return cu_beats_i64(a.v, a.pos, b.v, b.pos, max) ? a : b;
    }
};

/* Writes (o, acc) -> out[o]. */
template <class T> struct store {
    T *out;
    template <class Acc> __device__ void operator()(int64_t o, Acc a) const { out[o] = (T)a; }
};
template <class T> struct store_best_value {
    T *out;
    template <class B> __device__ void operator()(int64_t o, B b) const { out[o] = (T)b.v; }
};
struct store_best_pos {
    int64_t *out;
    template <class B> __device__ void operator()(int64_t o, B b) const { out[o] = b.pos; }
};
template <class T> struct store_lse {
    T *out;
    const double *m;
    __device__ void operator()(int64_t o, double sum) const {
        double mo = m[o];
        out[o] = (T)(cu_finite(mo) ? mo + log(sum) : mo);
    }
};

/* ---- one output over a contiguous run: one pass, one launch ----
 * Each block folds its grid-stride share (coalesced loads of element p = its position)
 * and CUB's BlockReduce joins the threads'; the last block to finish (a counter) joins
 * the blocks' parts and writes the output. The sums' order differs from the CPU's as
 * CUB's device-wide reduce's does (the tolerances of the tests); max, min, arg-extremes,
 * all and any are exact (cu_best is a total order). */

constexpr int ONE_BLOCK = 256, ONE_MAX_BLOCKS = 1024;

template <class Acc, class Load, class Op, class Fin>
__global__ void __launch_bounds__(ONE_BLOCK) one_kernel(int64_t n, Load load, Op op, Acc init, Acc *parts,
                                                        unsigned *count, Fin fin) {
    using block_reduce = cub::BlockReduce<Acc, ONE_BLOCK>;
    __shared__ typename block_reduce::TempStorage tmp;
    __shared__ bool last;
    Acc a = init;
    for (int64_t p = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; p < n; p += (int64_t)gridDim.x * blockDim.x)
        a = op(a, load(p));
    a = block_reduce(tmp).Reduce(a, op);
    if (threadIdx.x == 0) {
        parts[blockIdx.x] = a;
        __threadfence();
        last = atomicAdd(count, 1u) == gridDim.x - 1;
    }
    __syncthreads();
    if (!last) return;
    __threadfence();
    a = init;
    for (unsigned b = threadIdx.x; b < gridDim.x; b += blockDim.x) a = op(a, cub::ThreadLoad<cub::LOAD_CG>(parts + b));
    a = block_reduce(tmp).Reduce(a, op);
    if (threadIdx.x == 0) fin(0, a);
}

template <class Acc, class Load, class Op, class Fin>
cudaError_t reduce_one(cudaStream_t s, int64_t n, Load load, Op op, Acc init, Fin fin) {
    int64_t want = (n + ONE_BLOCK - 1) / ONE_BLOCK;
    unsigned blocks = (unsigned)(want < 1 ? 1 : want > ONE_MAX_BLOCKS ? ONE_MAX_BLOCKS : want);
    cu::scratch mem(s);
    size_t parts_at = mem.reserve(blocks * sizeof(Acc)), count_at = mem.reserve(sizeof(unsigned));
    cudaError_t e = mem.alloc();
    if (e == cudaSuccess) e = cudaMemsetAsync(mem.at<unsigned>(count_at), 0, sizeof(unsigned), s);
    if (e != cudaSuccess) return e;
    one_kernel<<<blocks, ONE_BLOCK, 0, s>>>(n, load, op, init, mem.at<Acc>(parts_at), mem.at<unsigned>(count_at), fin);
    return cudaGetLastError();
}

/* One block per output (a grid-stride loop over outputs): its threads fold elements
 * r = thread, thread + block, ..., then the block joins them, as CUB's segmented reduce
 * does. Written here rather than taken from CUB: CUB's device-wide and segmented
 * reduces instantiated some 750k lines of PTX over this file's functors, and ptxas spent
 * four minutes on them, the longest step of the build. */
template <class Acc, class Load, class Op, class Fin>
__global__ void __launch_bounds__(ONE_BLOCK) segment_kernel(int64_t nout, int64_t len, Load load, Op op, Acc init,
                                                            Fin fin) {
    using block_reduce = cub::BlockReduce<Acc, ONE_BLOCK>;
    __shared__ typename block_reduce::TempStorage tmp;
    for (int64_t o = blockIdx.x; o < nout; o += gridDim.x) {
        Acc a = init;
        for (int64_t r = threadIdx.x; r < len; r += blockDim.x) a = op(a, load(o, r));
        a = block_reduce(tmp).Reduce(a, op);
        if (threadIdx.x == 0) fin(o, a);
        __syncthreads(); /* tmp is reused by the next output */
    }
}

/* fin(o, op-fold of load(o, r) over r in [0, len) from init) for every output o. op is
 * commutative and associative (floating-point sums up to rounding). */
template <class Acc, class Load, class Op, class Fin>
cudaError_t reduce_run(cudaStream_t s, int64_t nout, int64_t len, Load load, Op op, Acc init, Fin fin) {
    if (nout <= 0) return cudaSuccess;
    if (cu_reduce_in_order(nout, len)) {
        reduce_short_kernel<<<cu_grid(nout), CU_BLOCK, 0, s>>>(nout, len, load, op, init, fin);
        return cudaGetLastError();
    }
    if (nout == 1) return reduce_one(s, len, flat_load<Load>{load, len, true}, op, init, fin);
    unsigned blocks = (unsigned)(nout < (1 << 20) ? nout : (1 << 20));
    segment_kernel<<<blocks, ONE_BLOCK, 0, s>>>(nout, len, load, op, init, fin);
    return cudaGetLastError();
}

/* Element p of a contiguous run, as the folds take it. */
template <class T, class Acc> struct flat_as {
    const T *x;
    __device__ Acc operator()(int64_t p) const { return (Acc)x[p]; }
};
template <class T> struct flat_bool {
    const T *x;
    __device__ int operator()(int64_t p) const { return x[p] != 0; }
};
template <class T> struct flat_best {
    const T *x;
    __device__ cu_best operator()(int64_t p) const { return cu_best{(double)x[p], p}; }
};
struct flat_best_i64 {
    const int64_t *x;
    __device__ cu_best_i64 operator()(int64_t p) const { return cu_best_i64{x[p], p}; }
};

/* logsumexp in one pass: a part is the largest element m and sum exp(x - m) of the
 * elements seen (m = -inf: none that counts; m = +inf or NaN: the result is m). */
struct lse_part {
    double m, s;
};
struct lse_join {
    __device__ lse_part operator()(lse_part a, lse_part b) const {
        if (a.m != a.m || b.m == -(double)INFINITY) return a;
        if (b.m != b.m || a.m == -(double)INFINITY) return b;
        if (a.m == (double)INFINITY || b.m == (double)INFINITY) return lse_part{(double)INFINITY, 1.0};
        return a.m >= b.m ? lse_part{a.m, a.s + b.s * exp(b.m - a.m)} : lse_part{b.m, b.s + a.s * exp(a.m - b.m)};
    }
};
template <class T> struct flat_lse {
    const T *x;
    __device__ lse_part operator()(int64_t p) const { return lse_part{(double)x[p], 1.0}; }
};
template <class T> struct store_lse_part {
    T *out;
    __device__ void operator()(int64_t o, lse_part a) const { out[o] = (T)(cu_finite(a.m) ? a.m + log(a.s) : a.m); }
};

/* f64 / f32 x; out of x's dtype, i64 for argmax / argmin. */
template <class T> cudaError_t reduce_float(cudaStream_t s, int kind, const cu_reduce &d, const T *x, void *vout) {
    int64_t no = d.nout, len = d.len;
    T *out = (T *)vout;
    if (no == 1 && d.rows && len > SHORT_LEN) { /* one contiguous run: one pass */
        switch (kind) {
        case CU_RED_SUM: return reduce_one(s, len, flat_as<T, double>{x}, add_f{}, 0.0, store<T>{out});
        case CU_RED_PROD: return reduce_one(s, len, flat_as<T, double>{x}, mul_f{}, 1.0, store<T>{out});
        case CU_RED_MAX:
        case CU_RED_MIN: {
            bool max = kind == CU_RED_MAX;
            cu_best init = {max ? -INFINITY : INFINITY, INT64_MAX};
            return reduce_one(s, len, flat_best<T>{x}, best_f{max, true}, init, store_best_value<T>{out});
        }
        case CU_RED_ARGMAX:
        case CU_RED_ARGMIN: {
            bool max = kind == CU_RED_ARGMAX;
            cu_best init = {max ? -INFINITY : INFINITY, INT64_MAX};
            return reduce_one(s, len, flat_best<T>{x}, best_f{max, false}, init, store_best_pos{(int64_t *)vout});
        }
        case CU_RED_LOGSUMEXP:
            return reduce_one(s, len, flat_lse<T>{x}, lse_join{}, lse_part{-(double)INFINITY, 0.0}, store_lse_part<T>{out});
        default: return cudaErrorInvalidValue;
        }
    }
    switch (kind) {
    case CU_RED_SUM: return reduce_run(s, no, len, load_as<T, double>{x, d}, add_f{}, 0.0, store<T>{out});
    case CU_RED_PROD: return reduce_run(s, no, len, load_as<T, double>{x, d}, mul_f{}, 1.0, store<T>{out});
    case CU_RED_MAX:
    case CU_RED_MIN: {
        bool max = kind == CU_RED_MAX;
        cu_best init = {max ? -INFINITY : INFINITY, INT64_MAX};
        return reduce_run(s, no, len, load_best<T>{x, d}, best_f{max, true}, init, store_best_value<T>{out});
    }
    case CU_RED_ARGMAX:
    case CU_RED_ARGMIN: {
        bool max = kind == CU_RED_ARGMAX;
        cu_best init = {max ? -INFINITY : INFINITY, INT64_MAX};
        return reduce_run(s, no, len, load_best<T>{x, d}, best_f{max, false}, init, store_best_pos{(int64_t *)vout});
    }
    case CU_RED_LOGSUMEXP: {
        /* Two passes, as the CPU: the maximum m, then m + log(sum exp(x - m)) where m is
         * finite (else m itself). */
        cu::scratch mem(s);
        size_t m_at = mem.reserve((size_t)no * sizeof(double));
        cudaError_t e = mem.alloc();
        if (e != cudaSuccess) return e;
        double *m = mem.at<double>(m_at);
        e = reduce_run(s, no, len, load_as<T, double>{x, d}, nan_max{}, -(double)INFINITY, store<double>{m});
        if (e != cudaSuccess) return e;
        return reduce_run(s, no, len, load_exp<T>{x, m, d}, add_f{}, 0.0, store_lse<T>{out, m});
    }
    default: return cudaErrorInvalidValue;
    }
}

cudaError_t reduce_i64(cudaStream_t s, int kind, const cu_reduce &d, const int64_t *x, int64_t *out) {
    int64_t no = d.nout, len = d.len;
    using load = load_as<int64_t, int64_t>;
    if (no == 1 && d.rows && len > SHORT_LEN) { /* one contiguous run: one pass */
        using flat = flat_as<int64_t, int64_t>;
        switch (kind) {
        case CU_RED_SUM: return reduce_one(s, len, flat{x}, add_i{}, (int64_t)0, store<int64_t>{out});
        case CU_RED_PROD: return reduce_one(s, len, flat{x}, mul_i{}, (int64_t)1, store<int64_t>{out});
        case CU_RED_MAX: return reduce_one(s, len, flat{x}, max_i{}, INT64_MIN, store<int64_t>{out});
        case CU_RED_MIN: return reduce_one(s, len, flat{x}, min_i{}, INT64_MAX, store<int64_t>{out});
        case CU_RED_ARGMAX:
        case CU_RED_ARGMIN: {
            bool max = kind == CU_RED_ARGMAX;
            cu_best_i64 init = {max ? INT64_MIN : INT64_MAX, INT64_MAX};
            return reduce_one(s, len, flat_best_i64{x}, best_i{max}, init, store_best_pos{out});
        }
        default: return cudaErrorInvalidValue;
        }
    }
    switch (kind) {
    case CU_RED_SUM: return reduce_run(s, no, len, load{x, d}, add_i{}, (int64_t)0, store<int64_t>{out});
    case CU_RED_PROD: return reduce_run(s, no, len, load{x, d}, mul_i{}, (int64_t)1, store<int64_t>{out});
    case CU_RED_MAX: return reduce_run(s, no, len, load{x, d}, max_i{}, INT64_MIN, store<int64_t>{out});
    case CU_RED_MIN: return reduce_run(s, no, len, load{x, d}, min_i{}, INT64_MAX, store<int64_t>{out});
    case CU_RED_ARGMAX:
    case CU_RED_ARGMIN: {
        bool max = kind == CU_RED_ARGMAX;
        cu_best_i64 init = {max ? INT64_MIN : INT64_MAX, INT64_MAX};
        return reduce_run(s, no, len, load_best_i64{x, d}, best_i{max}, init, store_best_pos{out});
    }
    default: return cudaErrorInvalidValue;
    }
}

cudaError_t reduce_bool(cudaStream_t s, int kind, const cu_reduce &d, const uint8_t *x, uint8_t *out) {
    int64_t no = d.nout, len = d.len;
    if (no == 1 && d.rows && len > SHORT_LEN) { /* one contiguous run: one pass */
        bool any = kind == CU_RED_MAX || kind == CU_RED_ANY;
        if (any) return reduce_one(s, len, flat_bool<uint8_t>{x}, or_b{}, 0, store<uint8_t>{out});
        if (kind == CU_RED_MIN || kind == CU_RED_ALL)
            return reduce_one(s, len, flat_bool<uint8_t>{x}, and_b{}, 1, store<uint8_t>{out});
        return cudaErrorInvalidValue;
    }
    switch (kind) {
    case CU_RED_MAX:
    case CU_RED_ANY: return reduce_run(s, no, len, load_bool<uint8_t>{x, d}, or_b{}, 0, store<uint8_t>{out});
    case CU_RED_MIN:
    case CU_RED_ALL: return reduce_run(s, no, len, load_bool<uint8_t>{x, d}, and_b{}, 1, store<uint8_t>{out});
    default: return cudaErrorInvalidValue;
    }
}

/* ---- scans along an axis ---- */

template <class Acc, class Load, class Op, class Store>
__global__ void scan_short_kernel(int64_t rows, int64_t n, Load load, Op op, Store st) {
    for (int64_t row = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; row < rows;
         row += (int64_t)gridDim.x * blockDim.x) {
        Acc a = load(row, 0);
        st(row, 0, a);
        for (int64_t k = 1; k < n; k++) {
            a = op(a, load(row, k));
            st(row, k, a);
        }
    }
}
template <class Acc, class Store> struct store_flat { /* p = row * n + k */
    const Acc *acc;
    Store st;
    int64_t n;
    __device__ void operator()(int64_t p) const { st(p / n, p % n, acc[p]); }
};

/* st(row, k, op-fold of load(row, 0..k)) for every step k of every row (load(row, 0)
 * already includes the fold's initial value). */
template <class Acc, class Load, class Op, class Store>
cudaError_t scan_run(cudaStream_t s, int64_t rows, int64_t n, Load load, Op op, Store st) {
    if (rows <= 0 || n <= 0) return cudaSuccess;
    if (n <= SHORT_LEN || rows >= MANY) {
        scan_short_kernel<Acc><<<cu_grid(rows), CU_BLOCK, 0, s>>>(rows, n, load, op, st);
        return cudaGetLastError();
    }
    int64_t total = rows * n;
    auto keys = thrust::make_transform_iterator(count_from<int64_t>(0), divide{n});
    auto in = thrust::make_transform_iterator(count_from<int64_t>(0), flat_load<Load>{load, n, rows == 1});
    size_t bytes = 0;
    cudaError_t e = cub::DeviceScan::InclusiveScanByKey(nullptr, bytes, keys, in, (Acc *)nullptr, op, total,
                                                        cuda::std::equal_to<>{}, s);
    if (e != cudaSuccess) return e;
    cu::scratch mem(s);
    size_t acc_at = mem.reserve((size_t)total * sizeof(Acc)), tmp_at = mem.reserve(bytes);
    if ((e = mem.alloc()) != cudaSuccess) return e;
    Acc *acc = mem.at<Acc>(acc_at);
    e = cub::DeviceScan::InclusiveScanByKey(mem.at<void>(tmp_at), bytes, keys, in, acc, op, total,
                                            cuda::std::equal_to<>{}, s);
    if (e != cudaSuccess) return e;
    return cu::for_each(s, total, store_flat<Acc, Store>{acc, st, n});
}

/* Step k of a row: element k (from the end when rev); step 0 folds in the initial value
 * init, as the CPU's loop does (0.0 + -0.0 is 0.0). */
template <class T, class Acc, class Op> struct load_step {
    const T *x;
    int64_t n, inner;
    bool rev;
    Op op;
    Acc init;
    __host__ __device__ Acc operator()(int64_t row, int64_t k) const {
        Acc v = (Acc)x[cu_row_offset(row, rev ? n - 1 - k : k, n, inner)];
        return k == 0 ? op(init, v) : v;
    }
};
template <class T> struct store_step {
    T *out;
    int64_t n, inner;
    bool rev;
    template <class Acc> __device__ void operator()(int64_t row, int64_t k, Acc a) const {
        out[cu_row_offset(row, rev ? n - 1 - k : k, n, inner)] = (T)a;
    }
};
struct logaddexp_op { /* the CPU's cumlogsumexp step (the same function, NaN payloads aside) */
    __host__ __device__ double operator()(double a, double b) const { return elem_logaddexp_f64(a, b); }
};

template <class T, class Acc, class Op>
cudaError_t cumulate_as(cudaStream_t s, const T *x, T *out, int64_t outer, int64_t n, int64_t inner, bool rev, Op op,
                        Acc init) {
    return scan_run<Acc>(s, outer * inner, n, load_step<T, Acc, Op>{x, n, inner, rev, op, init}, op,
                         store_step<T>{out, n, inner, rev});
}

/* cumlogsumexp's VJP as a scan from the end of each row: acc_k = g_k + w_k acc_{k+1}
 * with w_k = exp(o_k - o_{k+1}) (0 where o_k = -inf) composes as affine maps (w, g);
 * the first step (k = n - 1) has w = 0. */
struct affine {
    double w, g;
};
struct affine_then {
    __host__ __device__ affine operator()(affine p, affine q) const { return affine{q.w * p.w, q.g + q.w * p.g}; }
};
struct load_vjp_step {
    const double *o, *g;
    int64_t n, inner;
    __host__ __device__ affine operator()(int64_t row, int64_t step) const {
        int64_t k = n - 1 - step, at = cu_row_offset(row, k, n, inner);
        double ok = o[at];
        double w = step == 0 || ok == -INFINITY ? 0.0 : exp(ok - o[at + inner]);
        return affine{w, g[at]};
    }
};
struct store_vjp_step {
    const double *x, *o;
    double *r;
    int64_t n, inner;
    __device__ void operator()(int64_t row, int64_t step, affine a) const {
        int64_t at = cu_row_offset(row, n - 1 - step, n, inner);
        double ok = o[at];
        r[at] = ok == -INFINITY ? 0.0 : exp(x[at] - ok) * a.g;
    }
};

/* ---- argsort ----
 * Two stable radix sorts of all rows at once (CUB's DeviceRadixSort: no host
 * synchronization, unlike its segmented sort over many segments): the elements (numbered
 * p = row * n + k) by key, then by row. Each row ends up in its own n places, in key
 * order, equal keys in order of k, as the CPU's stable merge sort leaves them. */

template <class T> struct sort_key;
template <> struct sort_key<double> {
    using type = uint64_t;
    __host__ __device__ static uint64_t of(double x) { return cu_sort_key_f64(x); }
};
template <> struct sort_key<float> {
    using type = uint32_t;
    __host__ __device__ static uint32_t of(float x) { return cu_sort_key_f32(x); }
};
template <> struct sort_key<int64_t> {
    using type = uint64_t;
    __host__ __device__ static uint64_t of(int64_t x) { return cu_sort_key_i64(x); }
};

template <class T> struct gather_keys { /* p = row * n + k */
    const T *x;
    typename sort_key<T>::type *keys;
    int64_t *elems;
    int64_t n, inner;
    __device__ void operator()(int64_t p) const {
        keys[p] = sort_key<T>::of(x[cu_row_offset(p / n, p % n, n, inner)]);
        elems[p] = p;
    }
};
struct row_of_elem {
    const int64_t *elems;
    uint64_t *rows;
    int64_t n;
    __device__ void operator()(int64_t q) const { rows[q] = (uint64_t)(elems[q] / n); }
};
struct scatter_positions { /* q = row * n + j: the j-th of the row in order */
    const int64_t *elems;
    int64_t *out;
    int64_t n, inner;
    __device__ void operator()(int64_t q) const { out[cu_row_offset(q / n, q % n, n, inner)] = elems[q] % n; }
};

template <class T>
cudaError_t argsort_as(cudaStream_t s, const T *x, int64_t *out, int64_t outer, int64_t n, int64_t inner) {
    using K = typename sort_key<T>::type;
    int64_t rows = outer * inner, total = rows * n;
    if (total <= 0) return cudaSuccess;
    int key_bits = (int)(8 * sizeof(K)), row_bits = cu::bit_length((uint64_t)(rows - 1));
    size_t by_key = 0, by_row = 0;
    cudaError_t e = cub::DeviceRadixSort::SortPairs(nullptr, by_key, (const K *)nullptr, (K *)nullptr,
                                                    (const int64_t *)nullptr, (int64_t *)nullptr, total, 0, key_bits, s);
    if (e == cudaSuccess && rows > 1)
        e = cub::DeviceRadixSort::SortPairs(nullptr, by_row, (const uint64_t *)nullptr, (uint64_t *)nullptr,
                                            (const int64_t *)nullptr, (int64_t *)nullptr, total, 0, row_bits, s);
    if (e != cudaSuccess) return e;
    cu::scratch mem(s);
    size_t k_in = mem.reserve((size_t)total * sizeof(K)), k_out = mem.reserve((size_t)total * sizeof(K));
    size_t e_a = mem.reserve((size_t)total * sizeof(int64_t)), e_b = mem.reserve((size_t)total * sizeof(int64_t));
    size_t r_in = mem.reserve(rows > 1 ? (size_t)total * sizeof(uint64_t) : 0);
    size_t r_out = mem.reserve(rows > 1 ? (size_t)total * sizeof(uint64_t) : 0);
    size_t tmp = mem.reserve(by_key > by_row ? by_key : by_row);
    if ((e = mem.alloc()) != cudaSuccess) return e;
    int64_t *ea = mem.at<int64_t>(e_a), *eb = mem.at<int64_t>(e_b);
    e = cu::for_each(s, total, gather_keys<T>{x, mem.at<K>(k_in), ea, n, inner});
    if (e == cudaSuccess)
        e = cub::DeviceRadixSort::SortPairs(mem.at<void>(tmp), by_key, mem.at<K>(k_in), mem.at<K>(k_out), ea, eb,
                                            total, 0, key_bits, s);
    if (e == cudaSuccess && rows > 1) {
        e = cu::for_each(s, total, row_of_elem{eb, mem.at<uint64_t>(r_in), n});
        if (e == cudaSuccess)
            e = cub::DeviceRadixSort::SortPairs(mem.at<void>(tmp), by_row, mem.at<uint64_t>(r_in),
                                                mem.at<uint64_t>(r_out), eb, ea, total, 0, row_bits, s);
        int64_t *t = ea;
        ea = eb, eb = t; /* the result is in eb */
    }
    if (e != cudaSuccess) return e;
    return cu::for_each(s, total, scatter_positions{eb, out, n, inner});
}

/* ---- take_along / scatter_along ---- */

template <class E> struct take_along_fn { /* at: a position of idx / out */
    const E *a;
    const int64_t *idx;
    E *out;
    int64_t len, n, inner;
    __device__ void operator()(int64_t at) const {
        int64_t v = idx[at];
        if (v < 0 || v >= len) return;
        out[at] = a[(at / (n * inner) * len + v) * inner + at % inner];
    }
};

template <class E>
cudaError_t take_along_as(cudaStream_t s, const void *a, int64_t len, const int64_t *idx, void *out, int64_t outer,
                          int64_t n, int64_t inner) {
    return cu::for_each(s, outer * n * inner, take_along_fn<E>{(const E *)a, idx, (E *)out, len, n, inner});
}

/* The targets of scatter_along sorted: key row * m + idx (rows * m for an index out of
 * range, after every valid key), value the position in g, enumerated row by row with k
 * increasing, so a stable sort keeps each target's contributions in the CPU's order. */
struct scatter_keys { /* e = row * n + k */
    const int64_t *idx;
    uint64_t *keys;
    int64_t *pos;
    int64_t n, inner, m, rows;
    __device__ void operator()(int64_t e) const {
        int64_t row = e / n, at = cu_row_offset(row, e % n, n, inner), v = idx[at];
        keys[e] = (uint64_t)(v < 0 || v >= m ? rows * m : row * m + v);
        pos[e] = at;
    }
};
template <class T, class Add> struct scatter_sum { /* q: a position of out [outer, m, inner] */
    const T *g;
    const uint64_t *keys;
    const int64_t *pos;
    T *out;
    int64_t total, m, inner;
    __device__ void operator()(int64_t q) const {
        int64_t row = q / (m * inner) * inner + q % inner;
        uint64_t key = (uint64_t)(row * m + q / inner % m);
        int64_t lo = cu::lower_bound(keys, total, key), hi = cu::upper_bound(keys, total, key);
        T acc = 0;
        for (int64_t p = lo; p < hi; p++) acc = Add{}(acc, g[pos[p]]);
        out[q] = acc;
    }
};

template <class T, class Add>
cudaError_t scatter_along_as(cudaStream_t s, const T *g, const int64_t *idx, T *out, int64_t outer, int64_t n,
                             int64_t inner, int64_t m) {
    int64_t rows = outer * inner, total = rows * n, nout = outer * m * inner;
    if (nout <= 0) return cudaSuccess;
    int end_bit = cu::bit_length((uint64_t)(rows * m));
    if (end_bit < 1) end_bit = 1;
    size_t bytes = 0;
    cudaError_t e = cub::DeviceRadixSort::SortPairs(nullptr, bytes, (const uint64_t *)nullptr, (uint64_t *)nullptr,
                                                    (const int64_t *)nullptr, (int64_t *)nullptr, total, 0, end_bit, s);
    if (e != cudaSuccess) return e;
    cu::scratch mem(s);
    size_t k_in = mem.reserve((size_t)total * sizeof(uint64_t)), k_out = mem.reserve((size_t)total * sizeof(uint64_t));
    size_t p_in = mem.reserve((size_t)total * sizeof(int64_t)), p_out = mem.reserve((size_t)total * sizeof(int64_t));
    size_t tmp = mem.reserve(bytes);
    if ((e = mem.alloc()) != cudaSuccess) return e;
    if (total > 0) {
        e = cu::for_each(s, total, scatter_keys{idx, mem.at<uint64_t>(k_in), mem.at<int64_t>(p_in), n, inner, m, rows});
        if (e == cudaSuccess)
            e = cub::DeviceRadixSort::SortPairs(mem.at<void>(tmp), bytes, mem.at<uint64_t>(k_in),
                                                mem.at<uint64_t>(k_out), mem.at<int64_t>(p_in),
                                                mem.at<int64_t>(p_out), total, 0, end_bit, s);
        if (e != cudaSuccess) return e;
    }
    return cu::for_each(s, nout, scatter_sum<T, Add>{g, mem.at<uint64_t>(k_out), mem.at<int64_t>(p_out), out, total,
                                                     m, inner});
}

} // namespace

extern "C" cudaError_t cu_reduce_run(cudaStream_t s, int kind, const cu_reduce *d, const void *x, int dtype,
                                     void *out) {
    switch (dtype) {
    case CU_F64: return reduce_float(s, kind, *d, (const double *)x, out);
    case CU_F32: return reduce_float(s, kind, *d, (const float *)x, out);
    case CU_I64: return reduce_i64(s, kind, *d, (const int64_t *)x, (int64_t *)out);
    default: return reduce_bool(s, kind, *d, (const uint8_t *)x, (uint8_t *)out);
    }
}

extern "C" cudaError_t cu_cumulate(cudaStream_t s, int kind, int dtype, const void *x, void *out, int64_t outer,
                                   int64_t n, int64_t inner, bool reverse) {
    if (kind == CU_RED_LOGSUMEXP) {
        if (dtype == CU_F64)
            return cumulate_as(s, (const double *)x, (double *)out, outer, n, inner, reverse, logaddexp_op{}, -(double)INFINITY);
        return cumulate_as(s, (const float *)x, (float *)out, outer, n, inner, reverse, logaddexp_op{}, -(double)INFINITY);
    }
    switch (dtype) {
    case CU_F64: return cumulate_as(s, (const double *)x, (double *)out, outer, n, inner, reverse, add_f{}, 0.0);
    case CU_F32: return cumulate_as(s, (const float *)x, (float *)out, outer, n, inner, reverse, add_f{}, 0.0);
    default:
        return cumulate_as(s, (const int64_t *)x, (int64_t *)out, outer, n, inner, reverse, add_i{}, (int64_t)0);
    }
}

extern "C" cudaError_t cu_cumlse_vjp(cudaStream_t s, const double *x, const double *o, const double *g, double *r,
                                     int64_t outer, int64_t n, int64_t inner) {
    return scan_run<affine>(s, outer * inner, n, load_vjp_step{o, g, n, inner}, affine_then{},
                            store_vjp_step{x, o, r, n, inner});
}

extern "C" cudaError_t cu_argsort(cudaStream_t s, int dtype, const void *x, int64_t *out, int64_t outer, int64_t n,
                                  int64_t inner) {
    switch (dtype) {
    case CU_F64: return argsort_as(s, (const double *)x, out, outer, n, inner);
    case CU_F32: return argsort_as(s, (const float *)x, out, outer, n, inner);
    default: return argsort_as(s, (const int64_t *)x, out, outer, n, inner);
    }
}

extern "C" cudaError_t cu_take_along(cudaStream_t s, size_t elem, const void *a, int64_t len, const int64_t *idx,
                                     void *out, int64_t outer, int64_t n, int64_t inner) {
    switch (elem) {
    case 8: return take_along_as<uint64_t>(s, a, len, idx, out, outer, n, inner);
    case 4: return take_along_as<uint32_t>(s, a, len, idx, out, outer, n, inner);
    default: return take_along_as<uint8_t>(s, a, len, idx, out, outer, n, inner);
    }
}

extern "C" cudaError_t cu_scatter_along(cudaStream_t s, int dtype, const void *g, const int64_t *idx, void *out,
                                        int64_t outer, int64_t n, int64_t inner, int64_t m) {
    switch (dtype) {
    case CU_F64: return scatter_along_as<double, add_t<double>>(s, (const double *)g, idx, (double *)out, outer, n, inner, m);
    case CU_F32: return scatter_along_as<float, add_t<float>>(s, (const float *)g, idx, (float *)out, outer, n, inner, m);
    default:
        return scatter_along_as<int64_t, add_i>(s, (const int64_t *)g, idx, (int64_t *)out, outer, n, inner, m);
    }
}
