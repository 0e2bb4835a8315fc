/* cuda_memory.cu — kernels of the backend's memory functions (cuda_backend.c). */
#include "cuda_kern.h"

template <typename T> __global__ void fill_kernel(T *d, int64_t n, T v) {
    for (int64_t i = blockIdx.x * (int64_t)blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x)
        d[i] = v;
}

extern "C" cudaError_t cu_fill(cudaStream_t s, void *dst, int dtype, int64_t n, double value) {
    if (n == 0) return cudaSuccess;
    switch (dtype) {
    case CU_F64: fill_kernel<<<cu_grid(n), CU_BLOCK, 0, s>>>((double *)dst, n, value); break;
    case CU_F32: fill_kernel<<<cu_grid(n), CU_BLOCK, 0, s>>>((float *)dst, n, (float)value); break;
    case CU_I64: fill_kernel<<<cu_grid(n), CU_BLOCK, 0, s>>>((int64_t *)dst, n, (int64_t)value); break;
    default: fill_kernel<<<cu_grid(n), CU_BLOCK, 0, s>>>((uint8_t *)dst, n, (uint8_t)(value != 0)); break;
    }
    return cudaGetLastError();
}
