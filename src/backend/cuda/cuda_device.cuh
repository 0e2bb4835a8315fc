/* cuda_device.cuh — device-side helpers of the reduce and shape kernels (C++, nvcc only):
 * a grid-stride loop that runs a functor per element, scratch memory from the device's
 * stream-ordered pool, and the lower/upper bounds of a sorted key array. */
#ifndef GENC_SRC_CUDA_DEVICE_CUH
#define GENC_SRC_CUDA_DEVICE_CUH

#include <stddef.h>
#include <stdint.h>

#include "cuda_kern.h"

namespace cu {

template <class F> __global__ void for_each_kernel(int64_t n, F f) {
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x)
        f(i);
}

/* f(i) for i in [0, n), queued on s. */
template <class F> cudaError_t for_each(cudaStream_t s, int64_t n, F f) {
    if (n <= 0) return cudaSuccess;
    for_each_kernel<<<cu_grid(n), CU_BLOCK, 0, s>>>(n, f);
    return cudaGetLastError();
}

/* Pool memory of one launcher: parts carved from one block of the device's memory for
 * the stream (cu_stream_alloc), freed in stream order when the launcher returns (after
 * the work queued with it, so nothing waits). */
class scratch {
  public:
    explicit scratch(cudaStream_t s) : s_(s) {}
    ~scratch() {
        if (p_) cu_stream_free(s_, p_, size_);
    }
    scratch(const scratch &) = delete;
    scratch &operator=(const scratch &) = delete;
    /* Reserves a part of n bytes (before alloc); its address after alloc is at(slot). */
    size_t reserve(size_t n) {
        size_t at = size_;
        size_ += (n + 255) / 256 * 256;
        return at;
    }
    cudaError_t alloc() {
        if (!size_) size_ = 1;
        p_ = cu_stream_alloc(s_, size_);
        return p_ ? cudaSuccess : cudaErrorMemoryAllocation;
    }
    template <class T> T *at(size_t slot) const { return (T *)((char *)p_ + slot); }

  private:
    cudaStream_t s_;
    void *p_ = nullptr;
    size_t size_ = 0;
};

/* The first position in sorted keys[0, n) whose key is >= k (lower) or > k (upper). */
template <class K> __device__ int64_t lower_bound(const K *keys, int64_t n, K k) {
    int64_t lo = 0, hi = n;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (keys[mid] < k) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}
template <class K> __device__ int64_t upper_bound(const K *keys, int64_t n, K k) {
    int64_t lo = 0, hi = n;
    while (lo < hi) {
        int64_t mid = lo + (hi - lo) / 2;
        if (keys[mid] <= k) lo = mid + 1;
        else hi = mid;
    }
    return lo;
}

/* The number of bits of x (0 for 0): the end bit of a radix sort of keys <= x. */
static inline int bit_length(uint64_t x) {
    int b = 0;
    while (x) b++, x >>= 1;
    return b;
}

} // namespace cu

#endif
