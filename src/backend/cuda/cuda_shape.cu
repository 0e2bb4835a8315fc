/* cuda_shape.cu — kernels of the shape ops (cuda_shape.c): strided copies (one thread
 * per element: permute, concatenate, slice, flip, tile), take, the index updates
 * (index_set / index_add sort the indices with CUB, so each output element finds its
 * writes and applies them in the CPU's order: deterministic, no atomics), and the index
 * check shared with take_along / scatter_along (the first bad index in the CPU's order,
 * recorded in the device's error record). */
#include <cub/device/device_radix_sort.cuh>

#include "../elem_math.h"
#include "cuda_device.cuh"
#include "cuda_index_kern.h"

namespace {

template <class E> struct copy_fn {
    const E *src;
    E *dst;
    cu_copy d;
    __device__ void operator()(int64_t i) const {
        int64_t s, t;
        cu_copy_offsets(&d, i, &s, &t);
        dst[t] = src[s];
    }
};

template <class E> struct take_fn { /* q: a position of out [outer, m, inner] */
    const E *a;
    const int64_t *idx;
    E *out;
    int64_t m, n, inner;
    __device__ void operator()(int64_t q) const {
        int64_t v = idx[q / inner % m];
        if (v < -n || v >= n) return;
        if (v < 0) v += n;
        out[q] = a[(q / (inner * m) * n + v) * inner + q % inner];
    }
};

/* The indices of an update sorted: key the normalized index (n when out of range, after
 * every valid key), value its position j, so a stable sort keeps the writes to one row
 * in the order of j. */
struct update_keys {
    const int64_t *idx;
    uint64_t *keys;
    int64_t *pos;
    int64_t n;
    __device__ void operator()(int64_t j) const {
        int64_t v = idx[j];
        keys[j] = (uint64_t)(v < -n || v >= n ? n : v < 0 ? v + n : v);
        pos[j] = j;
    }
};

/* Element t of take's shape [outer, m, inner] of v read through vb. */
__device__ int64_t value_offset(const cu_bcast &vb, int64_t t) {
    if (vb.mode[0] == CU_SAME) return t;
    if (vb.mode[0] == CU_SCALAR) return 0;
    return cu_unravel_offset(vb.ndim, vb.shape, vb.strides[0], t);
}

/* dst (+)= src for index_set (plain copy) and index_add (bool: or; i64: wrapping). */
template <class T> __device__ T add_value(T a, T b) { return a + b; }
template <> __device__ int64_t add_value(int64_t a, int64_t b) { return elem_add_i64(a, b); }
template <> __device__ uint8_t add_value(uint8_t a, uint8_t b) { return a | b; }

template <class T> struct update_fn { /* q: a position of out [outer, n, inner] */
    const T *a, *v;
    const uint64_t *keys;
    const int64_t *pos;
    T *out;
    cu_bcast vb;
    int64_t m, n, inner;
    bool add;
    __device__ void operator()(int64_t q) const {
        int64_t i = q % inner, k = q / inner % n, o = q / (inner * n);
        int64_t lo = cu::lower_bound(keys, m, (uint64_t)k), hi = cu::upper_bound(keys, m, (uint64_t)k);
        if (!add) {
            out[q] = hi > lo ? v[value_offset(vb, (o * m + pos[hi - 1]) * inner + i)] : a[q];
            return;
        }
        T acc = a[q];
        for (int64_t p = lo; p < hi; p++) acc = add_value(acc, v[value_offset(vb, (o * m + pos[p]) * inner + i)]);
        out[q] = acc;
    }
};

template <class T>
cudaError_t index_update_as(cudaStream_t s, bool add, const T *a, const int64_t *idx, int64_t m, const T *v,
                            const cu_bcast &vb, T *out, int64_t outer, int64_t n, int64_t inner) {
    int64_t total = outer * n * inner;
    if (total <= 0) return cudaSuccess;
    if (m == 0) return cudaMemcpyAsync(out, a, (size_t)total * sizeof(T), cudaMemcpyDeviceToDevice, s);
    int end_bit = cu::bit_length((uint64_t)n);
    size_t bytes = 0;
    cudaError_t e = cub::DeviceRadixSort::SortPairs(nullptr, bytes, (const uint64_t *)nullptr, (uint64_t *)nullptr,
                                                    (const int64_t *)nullptr, (int64_t *)nullptr, m, 0, end_bit, s);
    if (e != cudaSuccess) return e;
    cu::scratch mem(s);
    size_t k_in = mem.reserve((size_t)m * sizeof(uint64_t)), k_out = mem.reserve((size_t)m * sizeof(uint64_t));
    size_t p_in = mem.reserve((size_t)m * sizeof(int64_t)), p_out = mem.reserve((size_t)m * sizeof(int64_t));
    size_t tmp = mem.reserve(bytes);
    if ((e = mem.alloc()) != cudaSuccess) return e;
    if ((e = cu::for_each(s, m, update_keys{idx, mem.at<uint64_t>(k_in), mem.at<int64_t>(p_in), n})) != cudaSuccess)
        return e;
    e = cub::DeviceRadixSort::SortPairs(mem.at<void>(tmp), bytes, mem.at<uint64_t>(k_in), mem.at<uint64_t>(k_out),
                                        mem.at<int64_t>(p_in), mem.at<int64_t>(p_out), m, 0, end_bit, s);
    if (e != cudaSuccess) return e;
    return cu::for_each(s, total, update_fn<T>{a, v, mem.at<uint64_t>(k_out), mem.at<int64_t>(p_out), out, vb, m, n,
                                               inner, add});
}

/* The order key of position at of idx [outer, n, inner]: row (o, i), then k. */
struct first_bad {
    const int64_t *idx;
    unsigned long long *first;
    int64_t lo, hi, n, inner;
    __device__ void operator()(int64_t at) const {
        int64_t v = idx[at];
        if (v >= lo && v < hi) return;
        int64_t key = (at / (n * inner) * inner + at % inner) * n + at / inner % n;
        atomicMin(first, (unsigned long long)key);
    }
};
__global__ void record_first_bad(const unsigned long long *first, const int64_t *idx, cu_error *err, int op,
                                 int64_t n, int64_t inner) {
    unsigned long long key = *first;
    if (key == ~0ULL) return;
    int64_t at = cu_row_offset((int64_t)key / n, (int64_t)key % n, n, inner);
    if (atomicCAS(&err->code, CU_ERR_NONE, CU_ERR_INDEX) != CU_ERR_NONE) return; /* an earlier failure stays */
    err->op = op;
    err->index = at;
    err->value = idx[at];
}

} // namespace

extern "C" cudaError_t cu_copy_strided(cudaStream_t s, size_t elem, const void *src, void *dst, const cu_copy *d) {
    switch (elem) {
    case 8: return cu::for_each(s, d->size, copy_fn<uint64_t>{(const uint64_t *)src, (uint64_t *)dst, *d});
    case 4: return cu::for_each(s, d->size, copy_fn<uint32_t>{(const uint32_t *)src, (uint32_t *)dst, *d});
    default: return cu::for_each(s, d->size, copy_fn<uint8_t>{(const uint8_t *)src, (uint8_t *)dst, *d});
    }
}

extern "C" cudaError_t cu_take(cudaStream_t s, size_t elem, const void *a, const int64_t *idx, int64_t m, void *out,
                               int64_t outer, int64_t n, int64_t inner) {
    int64_t total = outer * m * inner;
    switch (elem) {
    case 8: return cu::for_each(s, total, take_fn<uint64_t>{(const uint64_t *)a, idx, (uint64_t *)out, m, n, inner});
    case 4: return cu::for_each(s, total, take_fn<uint32_t>{(const uint32_t *)a, idx, (uint32_t *)out, m, n, inner});
    default: return cu::for_each(s, total, take_fn<uint8_t>{(const uint8_t *)a, idx, (uint8_t *)out, m, n, inner});
    }
}

extern "C" cudaError_t cu_index_update(cudaStream_t s, bool add, int dtype, const void *a, const int64_t *idx,
                                       int64_t m, const void *v, const cu_bcast *vb, void *out, int64_t outer,
                                       int64_t n, int64_t inner) {
    switch (dtype) {
    case CU_F64:
        return index_update_as(s, add, (const double *)a, idx, m, (const double *)v, *vb, (double *)out, outer, n, inner);
    case CU_F32:
        return index_update_as(s, add, (const float *)a, idx, m, (const float *)v, *vb, (float *)out, outer, n, inner);
    case CU_I64:
        return index_update_as(s, add, (const int64_t *)a, idx, m, (const int64_t *)v, *vb, (int64_t *)out, outer, n,
                               inner);
    default:
        return index_update_as(s, add, (const uint8_t *)a, idx, m, (const uint8_t *)v, *vb, (uint8_t *)out, outer, n,
                               inner);
    }
}

extern "C" cudaError_t cu_check_indices(cudaStream_t s, cu_error *err, int op, const int64_t *idx, int64_t count,
                                        int64_t lo, int64_t hi, int64_t n, int64_t inner) {
    if (count <= 0) return cudaSuccess;
    cu::scratch mem(s);
    size_t first_at = mem.reserve(sizeof(unsigned long long));
    cudaError_t e = mem.alloc();
    if (e != cudaSuccess) return e;
    unsigned long long *first = mem.at<unsigned long long>(first_at);
    if ((e = cudaMemsetAsync(first, 0xff, sizeof *first, s)) != cudaSuccess) return e;
    if ((e = cu::for_each(s, count, first_bad{idx, first, lo, hi, n, inner})) != cudaSuccess) return e;
    record_first_bad<<<1, 1, 0, s>>>(first, idx, err, op, n, inner);
    return cudaGetLastError();
}
